"""Live-blog markup as real pages write it: entities, post times, microdata, tickers in other languages."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from lbdedup.html import live_updates, segment_html
from lbdedup.meta import is_timestamp, iso_time
from lbdedup.model import Block, BlockKind, Document
from lbdedup.posts import segment_posts
from lbdedup.read import decode, read_source

from .conftest import FIXTURES, SHARED

PAGES = FIXTURES / "html_liveblog_markup"
LIVE_PAGES = SHARED / "corpus" / "liveblog-html" / "pages"
ENTITY = re.compile(r"&#\d+;|&[a-z]+;")


def blocks(name: str) -> tuple[Block, ...]:
    """The blocks, with posts and times, of a fixture page."""
    return segment_posts(read_source(str(PAGES / name)))


def post_times(found: tuple[Block, ...]) -> dict[int, set[str | None]]:
    """Each post (but the page head) and the times its blocks carry."""
    times: dict[int, set[str | None]] = {}
    for block in found:
        if block.post:
            times.setdefault(block.post, set()).add(block.time)
    return times


def test_entities_in_json_ld_are_decoded() -> None:
    """Character references in update headlines and bodies are decoded, so the visible posts match them."""
    found = blocks("jsonld_entities.html")
    assert not [block.text for block in found if ENTITY.search(block.text)]
    texts = [block.text for block in found]
    assert "Union says 'no cargo moves' until talks resume" in texts
    assert any("“an insult to every shift worker”" in text for text in texts)
    # Each post once: the visible copy, matched to its update, not the script's copy beside it.
    assert sum("said no cargo would leave" in text for text in texts) == 1
    assert all(block.line_start > 10 for block in found if "said no cargo would leave" in block.text)
    assert post_times(found) == {1: {"2024-03-04T09:12+00:00"}, 2: {"2024-03-04T08:40+00:00"}}


def test_live_updates_decode_entities_twice_escaped() -> None:
    """A body escaped twice over (&amp;#39;) reads as its text, as does an HTML body with entities."""
    data = {
        "@type": "LiveBlogPosting",
        "liveBlogUpdate": [
            {"headline": "Owners &amp;quot;firm&amp;quot;", "articleBody": "<p>Talks &ndash; off.</p>"},
        ],
    }
    [update] = live_updates(data)
    assert (update.headline, update.body) == ('Owners "firm"', "Talks – off.")


def test_a_page_wide_update_date_yields_to_each_posts_time() -> None:
    """Updates sharing one datePublished (and the page headline) get each post's own <time datetime>."""
    found = blocks("shared_date_post_times.html")
    assert post_times(found) == {
        1: {"2024-01-21T09:31:07+00:00"},
        2: {"2024-01-21T08:47:52+00:00"},
        3: {"2024-01-21T06:02:40+00:00"},
    }
    title = found[0]
    assert (title.kind, title.post) == (BlockKind.TITLE, 0)


def test_one_time_per_post_in_the_zone_of_its_shown_clock() -> None:
    """A post shown at local "16:48" and marked 15:48:45Z in JSON-LD has one time: 16:48:45+01:00."""
    found = blocks("local_clock_utc_jsonld.html")
    assert post_times(found) == {1: {"2023-11-02T16:48:45+01:00"}, 2: {"2023-11-02T16:21:09+01:00"}}


def test_microdata_updates_are_posts() -> None:
    """Each itemprop="liveBlogUpdate" element is a post, timed by its datePublished."""
    found = blocks("microdata_updates.html")
    assert post_times(found) == {
        1: {"2023-11-02T21:06:52+05:30"},
        2: {"2023-11-02T20:41:10+05:30"},
        3: {"2023-11-02T20:15:33+05:30"},
    }
    assert [block.text for block in found if block.post == 2][1:] == [
        "Out! Bowled him",
        "City lose their eighth wicket as the off stump cartwheels towards the keeper.",
    ]


def test_ticker_headings_in_german_are_timed_posts() -> None:
    """Headings such as "12.31 Uhr: ..." open posts, dated by the page's metadata, in its zone."""
    found = blocks("ticker_uhr.html")
    headed = {block.text[:9]: block.time for block in found if block.kind is BlockKind.HEADING}
    assert headed == {
        "12.31 Uhr": "2024-06-03T12:31+02:00",
        "10.05 Uhr": "2024-06-03T10:05+02:00",
        "06.40 Uhr": "2024-06-03T06:40+02:00",
    }
    assert len({block.post for block in found if block.kind is BlockKind.HEADING}) == 3


@pytest.mark.parametrize(
    ("heading", "time"),
    [
        ("12.31 Uhr: Regensburg hebt Katastrophenfall auf", "2024-06-03T12:31"),
        ("ore 16:48 - Chiuse le scuole a Genova", "2024-06-03T16:48"),
        ("05h59 : Les pompiers évacuent le quartier", "2024-06-03T05:59"),
        ("13 de septiembre de 2023 05:59 - Cierran el puerto", "2023-09-13T05:59"),
    ],
)
def test_ticker_headings_in_other_languages(heading: str, time: str) -> None:
    """A heading opened by a French, German, Spanish or Italian time opens a timed post."""
    page = (
        '<html><head><meta property="article:published_time" content="2024-06-03T08:00:00Z"></head><body>'
        f"<article><h1>Ticker</h1><h2>{heading}</h2><p>Erste Meldung des Tages, mit genug Worten.</p>"
        f"<h2>{heading} (2)</h2><p>Zweite Meldung des Tages, mit genug Worten.</p></article></body></html>"
    )
    found = segment_posts(Document("a.html", page, format="html"))
    first = next(block for block in found if block.text == heading)
    assert (first.post, first.time) == (1, time)


@pytest.mark.parametrize(
    ("line", "iso"),
    [
        ("13 septembre 2023 05:59", "2023-09-13T05:59"),
        ("mercredi 13 septembre 2023 à 05h59", "2023-09-13T05:59"),
        ("Mis à jour le 1er novembre 2023 à 16h48", "2023-11-01T16:48"),
        ("12.31 Uhr", "12:31"),
        ("27.08.2024, 12:32 Uhr", "2024-08-27T12:32"),
        ("Dienstag, 27. August 2024", "2024-08-27"),
        ("26.08.2024 um 06:00 Uhr", "2024-08-26T06:00"),
        ("13 de septiembre de 2023 05:59", "2023-09-13T05:59"),
        ("miércoles 13 de septiembre de 2023, 05:59 h", "2023-09-13T05:59"),
        ("ore 16:48", "16:48"),
        ("giovedì 2 novembre 2023, ore 16:48", "2023-11-02T16:48"),
        ("2 dicembre 2023 alle 9:05", "2023-12-02T09:05"),
    ],
)
def test_timestamp_forms_in_other_languages(line: str, iso: str) -> None:
    """French, German, Spanish and Italian dates and times are timestamps, read to ISO 8601."""
    assert is_timestamp(line)
    assert iso_time(line) == iso


@pytest.mark.parametrize(
    "line",
    [
        "Le maire de Lyon",
        "de 13 à 15",
        "Il sindaco ha firmato l'ordinanza alle 16:48",
        "Die Stadt hebt den Katastrophenfall um 12.31 Uhr auf.",
        "2h ago and counting",
        "Am Ende",
    ],
)
def test_prose_in_other_languages_is_no_timestamp(line: str) -> None:
    """Sentences holding a time, and their small words alone, are not timestamps."""
    assert not is_timestamp(line)


def test_html_entities_in_a_page_wide_update_list_are_never_blocks() -> None:
    """An update the page does not show comes from the script, decoded."""
    page = (
        '<html><head><script type="application/ld+json">{"@type": "LiveBlogPosting", "liveBlogUpdate": ['
        '{"headline": "Rail &amp; bus", "datePublished": "2024-03-04T09:12Z", '
        '"articleBody": "Buses replace trains &ndash; &#8220;until Friday&#8221;."}]}</script></head>'
        "<body><h1>Strike live</h1><p>Nothing shown here yet: the page renders posts with script.</p>"
        "</body></html>"
    )
    texts = [block.text for block in segment_html(Document("a.html", page, format="html"))]
    assert "Rail & bus" in texts
    assert "Buses replace trains – “until Friday”." in texts


# The ten real pages of ../shared/corpus/liveblog-html: what the issue asks of each.
REAL = {
    "guardian-russia-ukraine-war-live-2023-05-15.html.gz": "guardian",
    "repubblica-israele-hamas-diretta-2023-11-02.html.gz": "repubblica",
    "ndtv-india-vs-sri-lanka-cwc-2023.html.gz": "ndtv",
    "br24-nahost-ticker-2024-08-27.html.gz": "br24",
}


def real_pages() -> list[Path]:
    """The saved pages, or a skip where ../shared is absent."""
    found = sorted(LIVE_PAGES.glob("*.html.gz")) if LIVE_PAGES.is_dir() else []
    if not found:
        pytest.skip("../shared/corpus/liveblog-html is not here (a user's clone has none)")
    return found


def real_blocks(path: Path) -> tuple[Block, ...]:
    """The blocks of one saved page, read as the CLI reads it."""
    return segment_posts(decode(path.name.removesuffix(".gz"), gzip.decompress(path.read_bytes())))


def test_real_live_blogs_read_post_by_post() -> None:
    """The ten saved pages: posts, one time per post, and no block holding an HTML entity."""
    pages = real_pages()
    assert len(pages) == 10
    seen: dict[str, tuple[Block, ...]] = {}
    for path in pages:
        found = real_blocks(path)
        assert found, path.name
        assert not [block.text for block in found if ENTITY.search(block.text)], path.name
        # One time per post: no post carries two.
        for post, times in post_times(found).items():
            assert len(times - {None}) <= 1, (path.name, post, times)
        if path.name in REAL:
            seen[REAL[path.name]] = found
    posts = {name: post_times(found) for name, found in seen.items()}
    distinct = {
        name: {time for times in found.values() for time in times} - {None} for name, found in posts.items()
    }
    assert len(distinct["guardian"]) >= 9
    assert len(distinct["repubblica"]) <= 80
    assert len(posts["repubblica"]) >= 70
    assert len(posts["ndtv"]) >= 38
    assert sum(1 for times in posts["br24"].values() if times - {None}) >= 6


def test_update_listed_only_in_the_key_events_index_comes_from_the_script() -> None:
    """An update whose only visible trace is a link in the index of key events is read from the JSON-LD."""
    found = blocks("index_only_update.html")
    texts = [block.text for block in found]
    assert any(text.startswith("Talks will resume at the conciliation service") for text in texts)
    assert len({block.post for block in found if block.post}) == 2
