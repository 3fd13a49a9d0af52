"""HTML segmentation: blocks from markup, furniture dropped, line spans, live-blog posts and times."""

from __future__ import annotations

import doctest
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lbdedup.html
from lbdedup.html import iso_time, live_updates, segment_html
from lbdedup.model import Block, BlockKind, Document
from lbdedup.segment import segment

from .conftest import FIXTURES

PROSE = "The river rose two metres overnight and the council opened two shelters in the town."


def blocks_of(body: str, head: str = "") -> tuple[Block, ...]:
    """The blocks of a page with this body (and head)."""
    page = f"<html><head>{head}</head><body>{body}</body></html>"
    return segment_html(Document("page.html", page, format="html"))


def texts(body: str, head: str = "") -> list[str]:
    """The block texts of a page with this body (and head)."""
    return [block.text for block in blocks_of(body, head)]


def test_doctests() -> None:
    """The examples in the module's docstrings hold."""
    assert doctest.testmod(lbdedup.html).failed == 0


def test_segment_dispatches_html() -> None:
    """segment() hands HTML documents to the HTML segmenter."""
    document = Document("a.html", f"<p>{PROSE}</p>", format="html")
    assert [block.text for block in segment(document)] == [PROSE]


@pytest.mark.parametrize(
    ("markup", "kind"),
    [
        (f"<p>{PROSE}</p>", BlockKind.PARAGRAPH),
        ("<h2>Shelters open in the town centre</h2>", BlockKind.HEADING),
        ("<ul><li>Shelters open at the leisure centre and the church hall</li></ul>", BlockKind.LIST_ITEM),
        (f"<blockquote>{PROSE}</blockquote>", BlockKind.QUOTE),
        (f"<blockquote><p>{PROSE}</p></blockquote>", BlockKind.QUOTE),
        ("<figure><img src='x.jpg'><figcaption>The square. Photograph: Ann Lee/AP</figcaption></figure>",
         BlockKind.CAPTION),
        ("<time datetime='2026-02-03T09:41'>09:41</time>", BlockKind.TIMESTAMP),
        ("<div>By Helen Marsh</div>", BlockKind.BYLINE),
    ],
)  # fmt: skip
def test_kinds_from_markup(markup: str, kind: BlockKind) -> None:
    """Each block element gives a block of its kind."""
    found = blocks_of(f"<article>{markup}<p>{PROSE}</p></article>")
    assert found[0].kind is kind


def test_page_h1_is_the_title_and_other_h1s_headings() -> None:
    """The h1 that matches <title> is the title; another h1 is a heading."""
    found = blocks_of(
        f"<article><h1>Flood live</h1><p>{PROSE}</p><h1>Earlier</h1><p>{PROSE} Again.</p></article>",
        head="<title>Flood live | The Ledger</title>",
    )
    assert [(block.kind, block.text) for block in found][:3] == [
        (BlockKind.TITLE, "Flood live"),
        (BlockKind.PARAGRAPH, PROSE),
        (BlockKind.HEADING, "Earlier"),
    ]


def test_title_element_when_there_is_no_h1() -> None:
    """Without an h1, the <title> is the title block, on its own line."""
    page = f"<html>\n<head>\n<title>Flood live</title>\n</head>\n<body><p>{PROSE}</p></body></html>"
    found = segment_html(Document("a.html", page, format="html"))
    assert (found[0].kind, found[0].text, found[0].line_start) == (BlockKind.TITLE, "Flood live", 3)


@pytest.mark.parametrize(
    "furniture",
    [
        "<script>var advert = 'Buy now and save on everything';</script>",
        "<style>p { color: red }</style>",
        "<nav><a href='/'>Home</a> <a href='/news'>News about everything today</a></nav>",
        "<header><p>The Ledger, your daily news about the whole valley</p></header>",
        "<footer><p>Copyright The Ledger, all rights reserved in every country.</p></footer>",
        "<aside><p>Most read: the ten best walks in the valley this winter.</p></aside>",
        "<form><p>Search the whole archive of the paper since 1901.</p><input></form>",
        "<div id='comments'><p>I have lived here for forty years and never seen the river so high.</p></div>",
        "<div class='cookie-banner'><p>We use cookies to improve your experience of our website.</p></div>",
        "<div class='newsletter-box'><p>Get the morning briefing in your inbox every day at seven.</p></div>",
        "<ul class='share-buttons'><li><a href='#'>Facebook</a></li><li><a href='#'>Email</a></li></ul>",
        "<div class='related-stories'><p>Council approves new bridge after a ten-year wait.</p></div>",
        "<p style='display:none'>Hidden text that no reader of the page ever sees.</p>",
        "<noscript><p>Please enable JavaScript to read the whole of this page.</p></noscript>",
        "<p><span class='sr-only'>Skip to the main content of the page</span></p>",
    ],
)
def test_furniture_is_dropped(furniture: str) -> None:
    """Scripts, styles, navigation, site header and footer, asides, forms and widgets give no block."""
    found = texts(f"{furniture}<article><h1>Flood live</h1><p>{PROSE}</p><p>{PROSE} More.</p></article>")
    assert found == ["Flood live", PROSE, PROSE + " More."]


def test_header_inside_an_article_is_kept() -> None:
    """An article's own header holds its headline and time: it is not the site header."""
    found = blocks_of(
        "<article><header><h1>Flood live</h1><time datetime='2026-02-03'>3 February</time></header>"
        f"<p>{PROSE}</p></article>"
    )
    assert [block.kind for block in found] == [BlockKind.TITLE, BlockKind.TIMESTAMP, BlockKind.PARAGRAPH]
    assert found[1].time == "2026-02-03"


def test_furniture_names_around_the_article_are_kept() -> None:
    """A layout wrapper named after a sidebar that holds the whole article is not furniture."""
    found = texts(
        f"<div class='layout-sidebar-right'><article><p>{PROSE}</p><p>{PROSE} More.</p></article></div>"
    )
    assert found == [PROSE, PROSE + " More."]


def test_main_content_beats_link_lists_and_teasers() -> None:
    """The article's paragraphs are kept; link lists and teaser cards elsewhere on the page are not."""
    teaser = (
        "<div class='card'><h3><a href='/a'>Bridge reopens after repairs to the deck</a></h3>"
        "<p>Drivers can use the crossing again from Monday morning.</p></div>"
    )
    links = (
        "<ul>"
        + "".join(f"<li><a href='/{n}'>Story number {n} of the day</a></li>" for n in range(8))
        + "</ul>"
    )
    body = f"<div>{links}</div><div class='story'><h1>Flood live</h1><p>{PROSE}</p><p>{PROSE} More.</p></div>"
    found = texts(f"{body}<div>{teaser * 3}</div>")
    assert found == ["Flood live", PROSE, PROSE + " More."]


def test_text_is_visible_text_collapsed() -> None:
    """Whitespace collapses, entities decode, inline markup joins, empty elements give nothing."""
    found = texts(
        "<p>  The   river\n rose <b>two</b>&nbsp;metres &amp; more.  </p><p> </p><p><img src='x'></p>"
    )
    assert found == ["The river rose two metres & more."]


def test_loose_text_in_containers_and_double_breaks() -> None:
    """Text directly inside a div is a paragraph; two <br> in a row end one."""
    found = texts(f"<div>{PROSE}<br><br>Second paragraph of the story, after a break.</div>")
    assert found == [PROSE, "Second paragraph of the story, after a break."]


def test_line_spans_are_the_element_source_lines() -> None:
    """line_start/line_end are the lines of the element's opening and closing tags."""
    page = (
        "<html>\n<body>\n<article>\n"  # lines 1-3
        "<p>The river rose\n"  # 4
        "two metres overnight.</p>\n"  # 5
        "<p>Shelters opened\n\nin the town.\n</p>\n"  # 6-9
        "<p>One line.</p>\n"  # 10
        "</article>\n</body>\n</html>\n"
    )
    found = segment_html(Document("a.html", page, format="html"))
    assert [(block.line_start, block.line_end) for block in found] == [(4, 5), (6, 9), (10, 10)]


def test_crlf_line_numbers() -> None:
    """CRLF pages number lines as LF pages do."""
    page = "<html>\r\n<body>\r\n<p>The river rose.</p>\r\n<p>Shelters opened.</p>\r\n</body></html>"
    found = segment_html(Document("a.html", page, format="html"))
    assert [block.line_start for block in found] == [3, 4]


def _live_blog(updates: list[dict[str, str]], articles: str) -> str:
    data = {"@context": "https://schema.org", "@type": "LiveBlogPosting", "liveBlogUpdate": updates}
    return (
        "<html><head><title>Flood live</title>\n"
        f"<script type='application/ld+json'>\n{json.dumps(data, indent=1)}\n</script>\n"
        "</head><body><main><h1>Flood live</h1>\n<p>Rolling coverage of the floods.</p>\n"
        f"{articles}</main></body></html>"
    )


UPDATES = [
    {"headline": "Shelters open", "datePublished": "2026-02-03T09:41:00Z", "articleBody": PROSE},
    {
        "headline": "Warning issued",
        "datePublished": "2026-02-03T08:15:00Z",
        "articleBody": "The forecaster issued an amber warning for the whole coast this morning.",
    },
]


def test_json_ld_gives_posts_and_times() -> None:
    """Blocks whose text is in a liveBlogUpdate belong to its post and carry its time; the head is post 0."""
    articles = (
        f"<div class='u'><h2>Shelters open</h2>\n<p>{PROSE}</p></div>\n"
        "<div class='u'><h2>Warning issued</h2>\n"
        "<p>The forecaster issued an amber warning for the whole coast this morning.</p></div>\n"
    )
    found = segment_html(Document("a.html", _live_blog(UPDATES, articles), format="html"))
    assert [(block.text[:14], block.post, block.time) for block in found] == [
        ("Flood live", 0, None),
        ("Rolling covera", 0, None),
        ("Shelters open", 1, "2026-02-03T09:41+00:00"),
        ("The river rose", 1, "2026-02-03T09:41+00:00"),
        ("Warning issued", 2, "2026-02-03T08:15+00:00"),
        ("The forecaster", 2, "2026-02-03T08:15+00:00"),
    ]


def test_json_ld_updates_missing_from_the_markup_become_blocks() -> None:
    """An update that only the JSON-LD holds becomes blocks spanning the script element's lines."""
    found = segment_html(Document("a.html", _live_blog(UPDATES, ""), format="html"))
    from_json = [block for block in found if block.post is not None and block.post > 0]
    assert [(block.kind, block.post, block.time) for block in from_json] == [
        (BlockKind.HEADING, 1, "2026-02-03T09:41+00:00"),
        (BlockKind.PARAGRAPH, 1, "2026-02-03T09:41+00:00"),
        (BlockKind.HEADING, 2, "2026-02-03T08:15+00:00"),
        (BlockKind.PARAGRAPH, 2, "2026-02-03T08:15+00:00"),
    ]
    assert from_json[0].line_start == 2
    assert from_json[0].line_end > from_json[0].line_start


def test_broken_json_ld_is_ignored() -> None:
    """A JSON-LD script that does not parse is skipped, not fatal."""
    page = f'<script type=\'application/ld+json\'>{{"@type": "LiveBlog</script><p>{PROSE}</p>'
    assert texts(page) == [PROSE]


def test_article_sections_with_time_give_posts() -> None:
    """Without JSON-LD, sibling articles that hold a <time> are posts with that time."""
    posts = "".join(
        f"<article><time datetime='2026-02-03T0{hour}:00+01:00'>0{hour}:00</time>"
        f"<p>{PROSE} Post {hour}.</p></article>"
        for hour in (9, 8)
    )
    found = blocks_of(f"<div class='feed'><h1>Flood live</h1>{posts}</div>")
    assert [(block.kind, block.post, block.time) for block in found] == [
        (BlockKind.TITLE, 0, None),
        (BlockKind.TIMESTAMP, 1, "2026-02-03T09:00+01:00"),
        (BlockKind.PARAGRAPH, 1, "2026-02-03T09:00+01:00"),
        (BlockKind.TIMESTAMP, 2, "2026-02-03T08:00+01:00"),
        (BlockKind.PARAGRAPH, 2, "2026-02-03T08:00+01:00"),
    ]


def test_one_timed_article_is_not_a_live_blog() -> None:
    """A single article with a publication time gives no posts."""
    found = blocks_of(f"<article><time datetime='2026-02-03'>3 Feb</time><p>{PROSE}</p></article>")
    assert [block.post for block in found] == [None, None]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-02-03T09:41:00Z", "2026-02-03T09:41+00:00"),
        ("2026-02-03T09:41:30+0100", "2026-02-03T09:41:30+01:00"),
        ("2026-02-03T09:41:00.123456789-05:00", "2026-02-03T09:41-05:00"),
        ("2026-02-03 09:41", "2026-02-03T09:41"),
        ("2026-02-03", "2026-02-03"),
        ("3 February", None),
        ("", None),
        (None, None),
    ],
)
def test_iso_time(value: str | None, expected: str | None) -> None:
    """Datetime attributes and JSON-LD dates become ISO 8601, or None."""
    assert iso_time(value) == expected


def test_live_updates_in_a_graph() -> None:
    """LiveBlogPosting entries inside an @graph are found; other types are not."""
    data = {"@graph": [{"@type": "WebPage"}, {"@type": ["LiveBlogPosting"], "liveBlogUpdate": UPDATES[0]}]}
    assert [update.headline for update in live_updates(data)] == ["Shelters open"]


@pytest.mark.parametrize(
    "page",
    [
        "",
        "   \n  ",
        "just some text without any markup at all",
        "<p>unclosed <b>bold <i>and italic",
        "<div>" * 5000 + PROSE + "</div>" * 10,
        "<p>" * 3000 + PROSE,
        "<<<>>> <p <a href='x'>< / p>",
        "<html><body><table><tr><td>cell<td>cell two</table></body>",
        "<!-- unterminated comment <p>text</p>",
        "<script>never closed <p>text</p>",
        "<p>\x00\x01 control characters \ufffd</p>",
        "<![CDATA[ raw ]]><p>after cdata</p>",
        "<svg><p>inside svg</p></svg><p>after</p>",
    ],
)
def test_malformed_html_does_not_crash(page: str) -> None:
    """Broken, deeply nested and odd markup gives blocks (maybe none), never an exception."""
    found = segment_html(Document("bad.html", page, format="html"))
    lines = page.count("\n") + 1
    for block in found:
        assert block.text
        assert block.text == " ".join(block.text.split())
        assert 1 <= block.line_start <= block.line_end <= lines


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["p", "h2", "li", "blockquote", "div", "span", "nav", "figcaption", "time"]),
            st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40),
        ),
        max_size=12,
    )
)
def test_any_markup_gives_clean_blocks(elements: list[tuple[str, str]]) -> None:
    """Whatever the markup, blocks have collapsed non-empty text and lines inside the page."""
    page = "\n".join(f"<{tag}>{text}</{tag}>" for tag, text in elements)
    found = segment_html(Document("a.html", page, format="html"))
    lines = page.count("\n") + 1
    assert [block.index for block in found] == list(range(len(found)))
    for block in found:
        assert block.text
        assert block.text == " ".join(block.text.split())
        assert 1 <= block.line_start <= block.line_end <= lines


@pytest.mark.parametrize(
    ("case", "absent"),
    [
        (
            "html_chrome",
            ["cookies", "Related stories", "riverwatcher", "Sign up", "Most read", "Advertisement"],
        ),
        ("html_jsonld_liveblog", ["Share on", "Most read", "morning briefing", "All rights reserved"]),
        ("html_time_posts", ["cookies", "Older posts", "Contact the newsroom"]),
    ],
)
def test_fixture_pages_lose_their_chrome(case: str, absent: list[str]) -> None:
    """The fixture pages keep their story and drop every piece of chrome."""
    path = next((FIXTURES / case / "input").iterdir())
    found = " ".join(texts_of(path.read_text(encoding="utf-8")))
    for phrase in absent:
        assert phrase not in found


def texts_of(page: str) -> list[str]:
    """The block texts of a whole page."""
    return [block.text for block in segment_html(Document("a.html", page, format="html"))]


def test_table_rows_are_blocks() -> None:
    """A table row is one block with its cells separated by spaces."""
    table = "<table><tr><th>Pos</th><th>Driver</th></tr><tr><td>1</td><td>Ada Vance</td></tr></table>"
    assert texts(f"<article><p>{PROSE}</p>{table}</article>") == [PROSE, "Pos Driver", "1 Ada Vance"]


@pytest.mark.parametrize(
    "label", ["Related stories", "You may also like", "Leia também", "More from The Ledger"]
)
def test_a_related_heading_ends_the_story(label: str) -> None:
    """A heading that opens a list of other stories drops itself and what follows in its section."""
    teasers = "".join(f"<p>Another story, number {n}, told at some length for readers.</p>" for n in range(4))
    found = texts(
        f"<article><h1>Flood live</h1><p>{PROSE}</p><p>{PROSE} More.</p><h3>{label}</h3>{teasers}</article>"
    )
    assert found == ["Flood live", PROSE, PROSE + " More."]


def test_a_heading_that_only_starts_with_related_is_kept() -> None:
    """A subheading such as "Related post: ..." does not end the story."""
    found = texts(
        f"<article><p>{PROSE}</p><h3>Related post: pickled sprouts</h3><p>{PROSE} More.</p></article>"
    )
    assert found[-1] == PROSE + " More."


def test_link_box_inside_a_paragraph_is_dropped() -> None:
    """A hover card of links inside a paragraph is not part of its text."""
    card = "<span class='card'>" + " ".join(
        f"<a href='/{n}'>Another story about the valley {n}</a>" for n in range(4)
    )
    found = texts(f"<article><p>The river rose {card}</span> overnight.</p><p>{PROSE}</p></article>")
    assert found == ["The river rose overnight.", PROSE]


def test_counters_without_letters_are_dropped() -> None:
    """A gallery counter such as "4" or "2/5" is not a block."""
    assert texts(
        f"<article><figure><figcaption>4</figcaption></figure><p>2/5</p><p>{PROSE}</p></article>"
    ) == [PROSE]


def test_json_ld_that_matches_nothing_adds_posts_after_the_markup_posts() -> None:
    """When no update matches the markup, the markup's timed articles and the JSON-LD posts stay apart."""
    posts = "".join(
        f"<article><time datetime='2026-02-03T0{hour}:00Z'>0{hour}:00</time>"
        f"<p>{PROSE} Post {hour}.</p></article>"
        for hour in (9, 8)
    )
    other = [
        {"headline": "Unrelated", "datePublished": "2026-02-03T07:00Z", "articleBody": "A different text."}
    ]
    page = _live_blog(other, f"<div>{posts}</div>")
    found = segment_html(Document("a.html", page, format="html"))
    assert [(block.post, block.time) for block in found if block.post][-2:] == [
        (3, "2026-02-03T07:00+00:00"),
        (3, "2026-02-03T07:00+00:00"),
    ]
    assert {block.post for block in found if block.text.startswith(PROSE)} == {1, 2}


@pytest.mark.parametrize(
    "script",
    ["[" * 5000, '{"a": ' * 5000 + "1" + "}" * 5000, '{"@type": "LiveBlogPosting", "n": ' + "9" * 5000 + "}"],
    ids=["deep-arrays", "deep-objects", "long-integer"],
)
def test_json_ld_that_cannot_be_read_is_passed_over(script: str) -> None:
    """Nesting too deep for the parser, or a number too long for Python: the page is read without it."""
    head = f'<script type="application/ld+json">{script}</script>'
    assert texts(f"<h1>Flood live</h1><p>{PROSE}</p>", head) == ["Flood live", PROSE]


def test_json_ld_lone_surrogates_become_replacement_characters() -> None:
    """JSON-LD can spell half a UTF-16 pair: U+FFFD in the posts taken from it, which stay valid text."""
    data = json.loads(
        '{"@type": "LiveBlogPosting", "liveBlogUpdate": [{"headline": "Dam \\ud800 holds", '
        '"articleBody": "Water fell \\udc00 fast, \\ud83d\\ude00."}]}'
    )
    (update,) = live_updates(data)
    assert (update.headline, update.body) == ("Dam \ufffd holds", "Water fell \ufffd fast, 😀.")
    head = f'<script type="application/ld+json">{json.dumps(data)}</script>'
    found = texts("<h1>Dam live</h1><p>The first paragraph of the live blog.</p>", head)
    assert "Water fell \ufffd fast, 😀." in found
    assert all(text.encode("utf-8") for text in found)
