"""Boilerplate stage: built-in line patterns, page tops, teasers, repetition across unrelated sources."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lbdedup.boilerplate
from lbdedup.boilerplate import BoilerplateError, compile_patterns, line_pattern, set_apart
from lbdedup.core import dedupe
from lbdedup.model import BoilerplateMode, DedupeResult, Document, Options, Status
from lbdedup.normalize import normalize

# A paragraph long enough to be body text; each page gets its own so pages share no content.
BODY = [
    "The river rose two metres overnight and the council opened three shelters in the old market hall.",
    "Tram drivers walked out at dawn after talks on the new shift rota broke down late on Sunday evening.",
    "The lead runners passed halfway well outside record pace as the temperature at the harbour climbed.",
    "Ash from the volcano drifted east overnight and both northern airports suspended their departures.",
    "Counting staff declared the last seat at four in the morning after a recount in the northern ward.",
]


def _furniture(result: DedupeResult) -> dict[tuple[str, int], str]:
    return {
        (r.block.source, r.block.line_start): r.reason or ""
        for r in result.blocks
        if r.status is Status.BOILERPLATE
    }


def _run(texts: dict[str, str], **options: object) -> DedupeResult:
    documents = [Document(name, text) for name, text in texts.items()]
    return dedupe(documents, Options(**options))  # type: ignore[arg-type]  # options are Options' fields


@pytest.mark.parametrize(
    ("line", "category"),
    [
        ("Source link", "source link"),
        ("LEAVE A REPLY", "comment prompt"),
        ("Please enter your comment!", "comment prompt"),
        ("- Advertisment -", "advertisement"),
        ("Check Also", "teaser heading"),
        ("Related Posts", "teaser heading"),
        ("You may also like", "teaser heading"),
        ("Share this story on Facebook", "navigation"),
        ("Facebook Twitter WhatsApp", "share buttons"),
        ("Follow us on Telegram and X", "follow prompt"),
        ("Sign up to our daily newsletter", "newsletter prompt"),
        ("We use cookies to improve your experience on our site.", "cookie notice"),
        ("© 2024 Ledger Media. All rights reserved.", "copyright"),
        ("Copyright 2023 The Harbour Gazette", "copyright"),
        ("Read our full report:", "link prompt"),
        ("Related: Kim's armoured train, explained", "teaser link"),
        ("Tags: flood, Elderwick, rescue", "navigation"),
        # French
        ("Laisser un commentaire", "comment prompt"),
        ("À lire aussi", "teaser heading"),
        ("Suivez-nous sur Facebook", "follow prompt"),
        ("Abonnez-vous à notre newsletter", "newsletter prompt"),
        ("Nous utilisons des cookies pour mesurer l'audience.", "cookie notice"),
        ("Tous droits réservés", "copyright"),
        # German
        ("Schreibe einen Kommentar", "comment prompt"),
        ("Das könnte Sie auch interessieren", "teaser heading"),
        ("Folgen Sie uns auf Instagram", "follow prompt"),
        ("Wir verwenden Cookies, um unsere Website zu verbessern.", "cookie notice"),
        ("Anzeige", "advertisement"),
        # Spanish
        ("Deja un comentario", "comment prompt"),
        ("Noticias relacionadas", "teaser heading"),
        ("Síguenos en Twitter", "follow prompt"),
        ("Suscríbete a nuestro boletín", "newsletter prompt"),
        ("Todos los derechos reservados", "copyright"),
        # Scraper themes (issue 13)
        ("By admin", "role byline"),
        ("By News Desk", "role byline"),
        ("Posted by Editor", "role byline"),
        ("4 min read", "reading time"),
        ("Reading Time: 3 minutes", "reading time"),
        ("Lesezeit: 5 Minuten", "reading time"),
        ("12 Comments", "comment count"),
        ("No Comments", "comment count"),
        ("Click to share on Facebook (Opens in new window)", "share buttons"),
        ("Like this:", "share buttons"),
        ("Loading...", "placeholder"),
        ("Originally published at The Harbour Gazette", "source link"),
        ("This article originally appeared on Vale News Today", "source link"),
        ("Powered by LedgerPress", "credit line"),
        ("Read more here.", "link prompt"),
        ("Read the full interview here.", "link prompt"),
        ("You can read our full report here.", "link prompt"),
        ("You can watch the video here.", "link prompt"),
        ("Next Post", "teaser heading"),
    ],
)
def test_line_patterns(line: str, category: str) -> None:
    """Furniture lines in four languages are recognised on their own, with their category."""
    assert line_pattern(line, normalize(line)) == category


@pytest.mark.parametrize(
    "line",
    [
        "Goal! Arsenal 1-0 Chelsea",
        "“We are not leaving,” says the mayor",
        "Defence leaders",
        "Key events",
        "Power players",
        "Opening summary",
        "Justin McCurry",
        "15.53 BST",
        "Copyright infringement claim filed against the studio",
        "Follow the money: who pays for the new bridge",
        "Sign up for flood alerts, the council urged residents",
        "This website uses a new design, the minister said",
        "Read more about the plans in the council's report, published on Tuesday.",
        "Home Office minister resigns",
        "Twitter",
        "X",
        "Share prices fell sharply in early trading",
        "Read more: how the river defences failed. Residents say they were never warned.",
        "All roads into the town were closed by noon",
        "2024 was the wettest year on record",
        "(No comment.)",
        "By Justin McCurry",
        "By the time the rain stopped, the river had burst its banks",
        "12 people were hurt in the crash",
        "3 minutes of silence were held at noon",
        "Read more about the plans in the council's report here and at the library.",
        "Here is the council's statement in full:",
        "Powerful storms are expected overnight",
        "The bridge was designed by engineers from Leeds",
    ],
)
def test_news_lines_are_not_patterns(line: str) -> None:
    """Short real lines (quotes, one-line posts, labels, meta lines, lookalikes) match no pattern."""
    assert line_pattern(line, normalize(line)) is None


def test_scraper_page_header_and_footer() -> None:
    """Scrape date, breadcrumb glued to the title and the footer go; title, byline and posts stay."""
    page = (
        "Thursday, November 14, 2024\n"
        "HomeNewsWorldFlood live: River Tamsel bursts its banks as hund...\n\n"
        "Flood live: River Tamsel bursts its banks as hundreds are rescued\n\n"
        "Corinne Stavely\n\n"
        "11.40 GMT\n\n"
        f"{BODY[0]}\n\n"
        "Source link\n\nRELATED ARTICLES\n\nLEAVE A REPLY\n\nPlease enter your comment!\n"
    )
    result = _run({"scraper.txt": page})
    assert _furniture(result) == {
        ("scraper.txt", 1): "scrape date at the top of the page",
        ("scraper.txt", 2): "breadcrumb glued to the title",
        ("scraper.txt", 12): "pattern: source link",
        ("scraper.txt", 14): "pattern: teaser heading",
        ("scraper.txt", 16): "pattern: comment prompt",
        ("scraper.txt", 18): "pattern: comment prompt",
    }
    assert result.sources[0].boilerplate == 6
    assert result.sources[0].kept == 4


def test_publication_date_below_the_title_stays() -> None:
    """A date alone below the title is the article's date, a meta line: only scrape dates above it go."""
    page = f"Flood live: the river rises\n\n14 November 2024\n\n{BODY[0]}\n"
    assert _furniture(_run({"a.txt": page})) == {}


def test_teasers_under_check_also() -> None:
    """Headlines of other stories (and a cut blurb) listed under "Check Also" are teasers."""
    page = (
        f"Flood live\n\n{BODY[0]}\n\nCheck Also\n\n"
        "Markets open higher despite the storm\n\n"
        "Markets open higher despite the storm\n\n"
        "Shares in the big insurers rose in early trading as investors bet the damage would be …\n\n"
        "Leave a Reply\n"
    )
    furniture = _furniture(_run({"a.txt": page}))
    assert furniture[("a.txt", 5)] == "pattern: teaser heading"
    for line in (7, 9, 11):
        assert furniture[("a.txt", line)] == "teaser under 'Check Also'"
    assert furniture[("a.txt", 13)] == "pattern: comment prompt"


def test_teaser_list_stops_at_a_paragraph_and_spares_its_headline() -> None:
    """A teaser list ends at the next real paragraph; the headline right above that paragraph opens a post."""
    page = (
        f"Flood live\n\n{BODY[0]}\n\nRelated Posts\n\n"
        "Markets open higher despite the storm\n\n"
        "Army engineers arrive at Mill Street\n\n"
        f"{BODY[1]}\n"
    )
    furniture = _furniture(_run({"a.txt": page}))
    assert furniture == {
        ("a.txt", 5): "pattern: teaser heading",
        ("a.txt", 7): "teaser under 'Related Posts'",
    }


def test_teaser_list_holds_long_headlines_that_run_into_furniture() -> None:
    """Headlines long enough to pass for paragraphs, one sentence each, between "Related" and furniture."""
    page = (
        f"Flood live\n\n{BODY[0]}\n\nRelated\n\n"
        "Do councils have to publish their flood plans before the winter storms arrive?\n\n"
        "Ministers promise an inquiry into the failure of the river defences at Elderwick\n\n"
        "Leave a Reply\n"
    )
    furniture = _furniture(_run({"a.txt": page}))
    assert furniture == {
        ("a.txt", 5): "pattern: teaser heading",
        ("a.txt", 7): "teaser under 'Related'",
        ("a.txt", 9): "teaser under 'Related'",
        ("a.txt", 11): "pattern: comment prompt",
    }


def test_site_labels_in_the_page_head() -> None:
    """Crumbs and a labelled date above the first post are furniture; the post's own time line stays."""
    page = (
        "News › World\n\nFlood live: the river rises\n\nLast updated: 9 August 2016\n\n"
        f"15.32 BST\n\n{BODY[0]}\n\nLast updated: 9 August 2016\n"
    )
    furniture = _furniture(_run({"a.txt": page}))
    assert furniture == {
        ("a.txt", 1): "pattern: breadcrumb",
        ("a.txt", 5): "date label at the top of the page",
    }


def test_teaser_heading_that_introduces_a_paragraph_is_a_post_headline() -> None:
    """A teaser heading ("Related") followed by prose is a post's headline, not a teaser list."""
    page = f"Flood live\n\n{BODY[0]}\n\nRelated\n\n{BODY[1]}\n"
    assert _furniture(_run({"a.txt": page})) == {}


def test_glued_date_title_is_kept_when_it_is_the_only_title() -> None:
    """A scrape date glued to the page's only title stays in auto mode (the title is news), not in strict."""
    page = f" date 2023-09-13 Flood live: the river rises in Elderwick\n\n{BODY[0]}\n"
    assert _furniture(_run({"a.txt": page})) == {}
    strict = _furniture(_run({"a.txt": page}, boilerplate=BoilerplateMode.STRICT))
    assert strict == {("a.txt", 1): "scrape date glued to the title"}


def test_glued_date_title_goes_when_another_page_has_the_title() -> None:
    """With the title atop another page (words in any order), the glued copy is boilerplate."""
    glued = f" date 2023-09-13 Flood live: Elderwick river rises\n\n{BODY[0]}\n"
    clean = f"Elderwick river rises: flood live\n\n{BODY[0]}\n"
    result = _run({"a.txt": glued, "b.txt": clean})
    assert _furniture(result) == {("a.txt", 1): "scrape date glued to the title"}


def _site_page(body: str, extra: str = "") -> str:
    return (
        "THE HARBOUR LEDGER\nCity · Port · Weather · Letters\n\n"
        f"Flood live\n\n{body}\n\n{extra}"
        "Collected by the Ledger night desk\nHarbour Ledger, since the age of steam\n"
    )


def test_repeated_in_unrelated_sources() -> None:
    """Header and footer lines in three pages that share nothing else are furniture, with the count."""
    pages = {f"p{n}.txt": _site_page(BODY[n]) for n in range(3)}
    furniture = _furniture(_run(pages))
    for n in range(3):
        for line in (1, 2, 8, 9):
            assert furniture[(f"p{n}.txt", line)] == "repeated in 3 unrelated sources"
    assert ("p0.txt", 4) not in furniture  # the title "Flood live" is in three pages too, but alone


def test_repeated_in_related_sources_stays() -> None:
    """Pages that share a paragraph are related: their common lines count once, so nothing is furniture."""
    pages = {f"p{n}.txt": _site_page(BODY[n], extra=f"{BODY[4]}\n\n") for n in range(3)}
    assert _furniture(_run(pages)) == {}


def test_two_unrelated_sources_only_in_strict_mode() -> None:
    """Auto mode needs three unrelated sources; strict mode takes two."""
    pages = {f"p{n}.txt": _site_page(BODY[n]) for n in range(2)}
    assert _furniture(_run(pages)) == {}
    strict = _furniture(_run(pages, boilerplate=BoilerplateMode.STRICT))
    assert strict[("p0.txt", 8)] == "repeated in 2 unrelated sources"


@pytest.mark.parametrize(
    ("shared", "where"),
    [
        ("Mara Eklund\n\n", "a byline"),
        ("What we know so far\n\n{body}\n\n", "a post headline"),
        ("Officials declined to comment further.\n\n", "a sentence"),
        ("10:05\n\nLatest headlines for the valley\n\n10:00\n\n", "a post between two post times"),
        ("Latest headlines for the valley\n\n", "a lone line with no furniture around it"),
    ],
)
def test_repeated_news_lines_stay(shared: str, where: str) -> None:
    """Lines repeated in unrelated blogs that are news or meta, not furniture, stay in auto mode."""
    pages = {
        f"p{n}.txt": f"Page {n} title\n\n{BODY[n]}\n\n{shared.format(body=BODY[n + 1])}{BODY[n + 2]}\n"
        for n in range(3)
    }
    assert _furniture(_run(pages)) == {}, where


def test_boilerplate_is_never_canonical_nor_a_cluster_member() -> None:
    """Furniture repeated across sources forms no cluster, and a teaser never stands in for the real story."""
    story = "Markets open higher despite the storm"
    a = f"Flood live\n\n{BODY[0]}\n\nSource link\n\nCheck Also\n\n{story}\n"
    b = f"{story}\n\n{BODY[1]}\n\nSource link\n"
    result = _run({"a.txt": a, "b.txt": b})
    statuses = {(r.block.source, r.block.line_start): r for r in result.blocks}
    assert statuses[("a.txt", 9)].status is Status.BOILERPLATE
    assert statuses[("b.txt", 1)].status is Status.UNIQUE
    assert statuses[("a.txt", 5)].cluster is None
    assert statuses[("b.txt", 5)].cluster is None
    members = {member.ref.source for cluster in result.clusters for member in cluster.members}
    assert not members


def test_drop_and_keep_patterns() -> None:
    """A drop pattern drops (even with the built-in detection off); a keep pattern wins over everything."""
    page = f"Flood live\n\n{BODY[0]}\n\nPowered by LedgerPress\n\nSource link\n"
    dropped = _furniture(_run({"a.txt": page}, drop_patterns=("^Powered by",)))
    assert dropped[("a.txt", 5)] == "drop pattern '^Powered by'"
    assert dropped[("a.txt", 7)] == "pattern: source link"
    off = _furniture(_run({"a.txt": page}, boilerplate=BoilerplateMode.OFF, drop_patterns=("^Powered",)))
    assert off == {("a.txt", 5): "drop pattern '^Powered'"}
    kept = _furniture(_run({"a.txt": page}, drop_patterns=("^Powered",), keep_patterns=("Powered|Source",)))
    assert kept == {}


@pytest.mark.parametrize("pattern", ["(", "[a-", "*x", ""])
def test_bad_patterns(pattern: str) -> None:
    """A pattern that does not compile (or an empty one, which would match every block) is refused."""
    with pytest.raises(BoilerplateError):
        compile_patterns((pattern,))
    with pytest.raises(BoilerplateError):
        _run({"a.txt": "Flood live\n"}, drop_patterns=(pattern,))


def test_set_apart_gives_furniture_hashes_of_their_own() -> None:
    """Furniture blocks leave their exact groups; the other blocks keep their hashes."""
    exact = np.array([5, 5, 5, 9], dtype=np.uint64)
    apart = set_apart(exact, {0: "x", 3: "y"})
    assert apart[1] == apart[2] == 5
    assert len(set(apart.tolist())) == 3
    assert set_apart(exact, {}) is exact


LINES = st.sampled_from(
    [
        *BODY,
        "Source link",
        "Related Posts",
        "Markets open higher despite the storm",
        "11.40 GMT",
        "Corinne Stavely",
        "Friday, July 5, 2024",
        "Leave a Reply",
        "THE HARBOUR LEDGER",
        "Goal! Rovers 2-1 City",
    ]
)
PAGES = st.lists(st.lists(LINES, min_size=1, max_size=12), min_size=1, max_size=5)


@settings(max_examples=60, deadline=None)
@given(PAGES)
def test_properties(pages: list[list[str]]) -> None:
    """Boilerplate is never clustered; 'off' and a keep-everything pattern drop nothing."""
    texts = {f"p{n}.txt": "\n\n".join(lines) + "\n" for n, lines in enumerate(pages)}
    result = _run(texts, boilerplate=BoilerplateMode.STRICT)
    furniture = {(r.block.source, r.block.index) for r in result.blocks if r.status is Status.BOILERPLATE}
    for cluster in result.clusters:
        assert not {(m.ref.source, m.ref.index) for m in cluster.members} & furniture
    for r in result.blocks:
        assert (r.status is Status.BOILERPLATE) == (r.reason is not None)
    assert not _furniture(_run(texts, boilerplate=BoilerplateMode.OFF))
    assert not _furniture(_run(texts, keep_patterns=(r"[\s\S]",)))


# Pieces of furniture and of news, to build lines near every pattern's edge.
LINE_PIECES = st.sampled_from(
    [
        "Read", "the", "full", "story", "here", "Watch", "our", "report", "Sign", "up", "to", "newsletter",
        "inbox", "We", "use", "cookies", "this", "site", "©", "2016", "1999", "Copyright", "(c)", "All",
        "rights", "reserved", "Tous", "droits", "réservés", "Related", "Also", "read", ":", "|", "»", "Tags",
        "Follow", "us", "on", "Twitter", "Facebook", "Share", "Print", "SHARE", "THIS", "Source", "link",
        "Leave", "a", "reply", "c", "flood", "river", "rose", "council", "Ä", "lire", "aussi", "à", ".",
    ]
)  # fmt: skip


LINE_STARTS = st.sampled_from(
    [
        "", "© 2016", "2016", "(c) 2015", "Copyright ©", "We use", "This site uses", "Read the", "Watch our",
        "Related:", "Tags:", "All rights reserved", "Share", "Sign up", "Follow us", "Source link", "c",
    ]
)  # fmt: skip
LINES_NEAR_PATTERNS = st.tuples(LINE_STARTS, st.lists(LINE_PIECES, max_size=35)).map(
    lambda line: " ".join([line[0], *line[1]])
)


@settings(max_examples=300, deadline=None)
@given(st.lists(LINES_NEAR_PATTERNS, min_size=1, max_size=30))
def test_pattern_lines_match_the_plain_version(texts: list[str]) -> None:
    """The first-word flags and in-tests before line_pattern mark exactly the lines the plain filter did."""
    from lbdedup.boilerplate import _may_be_pattern, _worth_a_look
    from lbdedup.fingerprint import fingerprint
    from lbdedup.model import Block, BlockKind
    from lbdedup.normalize import normalize_many
    from tests.reference_boilerplate import pattern_lines

    keys = normalize_many(texts)
    word_counts = fingerprint(keys).word_counts
    blocks = [Block(0, "a", i, i, i, BlockKind.PARAGRAPH, text) for i, text in enumerate(texts)]
    chosen = _worth_a_look(blocks, keys, *_may_be_pattern(keys, word_counts))
    found = [(i, category) for i in chosen if (category := line_pattern(texts[i], keys[i])) is not None]
    assert found == pattern_lines(texts, keys, word_counts)


REPEATED_LINES = st.sampled_from(
    [
        *BODY, "Source link", "Latest headlines", "Harbour Ledger", "11.40 GMT", "By Corinne Stavely",
        "Sign up for alerts", "2024 Ledger Media", "Goal! Rovers 2-1 City", "Weather", "",
    ]
)  # fmt: skip


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.lists(REPEATED_LINES, min_size=1, max_size=10), min_size=3, max_size=7),
    st.sampled_from([BoilerplateMode.AUTO, BoilerplateMode.STRICT]),
)
def test_repeated_lines_match_the_plain_version(pages: list[list[str]], mode: BoilerplateMode) -> None:
    """Sorting by hash alone and dropping lines with digits first find the repeated lines as before."""
    from tests import reference_boilerplate

    texts = {f"p{n}.txt": "\n\n".join(line for line in lines if line) + "\n" for n, lines in enumerate(pages)}
    fast = _furniture(_run(texts, boilerplate=mode))
    plain_mark = reference_boilerplate.mark_repeated
    original, lbdedup.boilerplate._mark_repeated = lbdedup.boilerplate._mark_repeated, plain_mark
    try:
        plain = _furniture(_run(texts, boilerplate=mode))
    finally:
        lbdedup.boilerplate._mark_repeated = original
    assert fast == plain


def test_doctests() -> None:
    """The examples in the module's docstrings hold."""
    assert doctest.testmod(lbdedup.boilerplate).failed == 0
