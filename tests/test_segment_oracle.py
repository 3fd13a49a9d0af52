"""The fast segmentation gives exactly what the straightforward one gave (tests/reference_segment)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lbdedup.meta import ParsedTime, is_byline, is_timestamp, parse_time
from lbdedup.model import BlockKind, Document
from lbdedup.posts import post_times, segment_posts
from lbdedup.read import read_source
from lbdedup.segment import _classify_lines, _has_credit, classify_line, layout

from .reference_segment import meta as old_meta
from .reference_segment import posts as old_posts
from .reference_segment import segment as old_segment

FIXTURES = Path(__file__).parent.parent / "fixtures"

# Whole lines in the shapes scraped live blogs have.
SHAPES = [
    "05:59",
    "16:11",
    "9.30",
    "10.42am BST",
    "2016-10-02T11:51",
    "2023-09-13T05:41:12Z",
    "2h ago",
    "35 mins ago",
    "Just now",
    "Updated at 3.53pm",
    "Last updated 17.02 GMT",
    "Tuesday 12 September 2023",
    "Mon 4 Mar 2024 08.15 EST",
    "Corin Vale13 September 2023 05:41",
    "By Helen Ashgrove in Carrow",
    "by maria de la Vega",
    "Tom Ashgrove",
    "Tom Ashgrove and Ann Lee",
    "Key events",
    "Summary:",
    "BREAKING: Dam bursts above Aldham",
    "Live – roads closed",
    "## 18.35 BST: Evacuation ordered",
    "18:35 - Evacuation ordered",
    "# Flood live: the river rises",
    "### Turnout up",
    "Army engineers arrive in Elderwick",
    "Army engineers arrive in Elderwick (Reuters)",
    "Army engineers arrive – AFP",
    "Rail line closed…",
    "Rail line closed...",
    "Rail line closed [...]",
    "“We have never seen water like this,” she said.",
    "Crowds on the bridge. Photograph: Corin Vale/Hesketh Press",
    "Crowds on the bridge.",
    "Photograph: AP",
    "Pictures: Ann Lee/Reuters",
    "Fans at the ground (Photo by Ann Lee)",
    "Fans at the ground. Getty Images",
    "Fans at the ground. SHUTTERSTOCK",
    "Fans at the ground/AFP",
    "Fans at the ground /pa )",
    "Watch the video: the dam at dawn",
    "see 11.41pm - I will post the quote soon.)",
    "Exchange rate of $1.35/£ this year",
    "- Greens gain their first ward",
    "* Two seats change hands",
    "• Polls close at ten",
    "2. Second point",
    "12) Twelfth point",
    "> “We have never seen water like this,” she said.",
    "Two trucks of engineers are unloading sandbags at the end of Mill Street, the council said on "
    "Tuesday, and more are on their way from the depot at Carrow.",
    "The flow advanced only forty metres since midnight, engineers said, a sign the barriers hold. (AP)",
    "Leave a Reply",
    "Yessssss:)",
    "x",
]
# Characters that stress the case-insensitive and Unicode-aware tests: "İ", "ı", "ſ", the Kelvin sign,
# non-ASCII digits and spaces, quotes and the ellipsis.
ODD_CHARS = "İıſKk٣ \u00a0\t’”»…–—:/()|#>-.!?;,0123456789aAjJpPsSgGtTyYhHuU"
TEXT = st.text(alphabet=st.sampled_from(ODD_CHARS), max_size=12)
WORDS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30)


@st.composite
def lines(draw: st.DrawFn) -> str:
    """A line: a live-blog shape, maybe with odd text around it or inside it."""
    shape = draw(st.sampled_from(SHAPES))
    how = draw(st.integers(0, 5))
    if how == 1:
        return draw(TEXT) + shape
    if how == 2:
        return shape + draw(TEXT)
    if how == 3:
        cut = draw(st.integers(0, len(shape)))
        return shape[:cut] + draw(TEXT) + shape[cut:]
    if how == 4:
        return draw(WORDS).replace("\n", " ")
    return shape


@st.composite
def pages(draw: st.DrawFn) -> str:
    """A page of lines with blank lines, CRLF, indents and trailing spaces between them."""
    found = draw(st.lists(lines(), max_size=30))
    ends = draw(
        st.lists(
            st.sampled_from(["\n", "\n", "\n\n", "\r\n", "\n  \n", "  \n", "\r\n\r\n"]),
            min_size=len(found),
            max_size=len(found),
        )
    )
    indents = draw(st.lists(st.sampled_from(["", "", "  ", "\t"]), min_size=len(found), max_size=len(found)))
    return "".join(indent + line + end for indent, line, end in zip(indents, found, ends, strict=True))


@st.composite
def wrapped_pages(draw: st.DrawFn) -> str:
    """Hard-wrapped prose (lines under the wrap width, broken mid-sentence) with live-blog lines between."""
    found = draw(st.lists(lines(), max_size=12))
    prose = (
        "Police have ordered residents of Corrie Ban to leave their\nhomes after the fire crossed the road.\n"
    )
    return "\n".join(line[:90] + "\n" + (prose if index % 2 else "") for index, line in enumerate(found))


@settings(max_examples=400, deadline=None)
@given(st.one_of(pages(), wrapped_pages()), st.sampled_from(["text", "markdown"]))
def test_segment_posts_matches_reference(text: str, fmt: str) -> None:
    """Blocks, kinds, line spans, posts and times are those the reference segmentation gives."""
    document = Document("a.md" if fmt == "markdown" else "a.txt", text, format=fmt)
    assert segment_posts(document, 3) == old_posts.segment_posts(document, 3)
    assert tuple(layout(document)) == tuple(old_segment.layout(document))


@settings(max_examples=400, deadline=None)
@given(st.lists(lines(), max_size=20), st.booleans())
def test_classify_lines_matches_classify_line(found: list[str], markdown: bool) -> None:
    """_classify_lines gives, line for line, the reference classify_line's kinds."""
    texts = [line.strip() for line in found]
    expected = [old_segment.classify_line(text, markdown) for text in texts]
    assert _classify_lines(texts, markdown) == expected
    assert [classify_line(text, markdown) for text in texts] == expected


@settings(max_examples=400, deadline=None)
@given(lines())
def test_line_tests_match_reference(line: str) -> None:
    """The credit, timestamp, byline and time-parsing tests give what the reference ones give."""
    assert _has_credit(line) == old_segment._has_credit(line)
    assert is_timestamp(line) == old_meta.is_timestamp(line)
    assert is_byline(line) == old_meta.is_byline(line)
    new, old = parse_time(line), old_meta.parse_time(line)
    assert (new is None) == (old is None)
    if new is not None and old is not None:
        assert (new.date, new.clock, new.offset, new.ago) == (old.date, old.clock, old.offset, old.ago)
        assert new.iso("2023-09-13") == old.iso("2023-09-13")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(list(BlockKind)), lines()), max_size=25))
def test_post_times_matches_reference(blocks: list[tuple[BlockKind, str]]) -> None:
    """Posts and times from any kinds and texts are the reference post_times's."""
    kinds = [kind for kind, _ in blocks]
    texts = [text for _, text in blocks]
    assert post_times(kinds, texts) == old_posts.post_times(kinds, texts)


@pytest.mark.parametrize(
    "text",
    [
        "Fans at the grounds/pİcture: Ann Lee",  # "İ" lowers to two characters, yet the pattern takes it
        "Fans/ap photographſ: Ann",
        "Fans at the ground. GETTY iMAGES",
        "Fans at the ground. ſhutterſtock/ap",
        "x" * 200 + " Photograph: AP",
        "Photograph: AP " + "x" * 200,
    ],
)
def test_credit_edge_cases(text: str) -> None:
    """Credits that only case-insensitive matching or the tail cut decide are judged as before."""
    assert _has_credit(text) == old_segment._has_credit(text)
    assert _classify_lines([text]) == [old_segment.classify_line(text)]


def test_fixtures_match_reference() -> None:
    """Every text and Markdown fixture segments exactly as before."""
    paths = sorted(path for path in FIXTURES.glob("*/input/*") if path.suffix in {".txt", ".md"})
    assert paths
    for doc, path in enumerate(paths):
        document = read_source(str(path), "utf-8")
        assert segment_posts(document, doc) == old_posts.segment_posts(document, doc), path


def _bare_clocks() -> list[str]:
    hours = [*map(str, range(100)), *(f"{hour:02d}" for hour in range(10))]
    return [f"{hour}{mark}{minute:02d}" for hour in hours for mark in ":." for minute in range(100)]


def test_bare_clock_lines_parse_as_the_full_parse() -> None:
    """Every one- or two-digit clock line ("9.05", "24:00", "99:99") parses as the reference parse does."""
    for line in _bare_clocks():
        new, old = parse_time.__wrapped__(line), old_meta.parse_time.__wrapped__(line)
        assert (new is None) == (old is None), line
        if new is not None and old is not None:
            assert (new.date, new.clock, new.offset, new.ago) == (old.date, old.clock, old.offset, old.ago)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("9.05", ParsedTime(clock="09:05")),
        (" 16:11\t", ParsedTime(clock="16:11")),
        ("00:00", ParsedTime(clock="00:00")),
        ("23.59", ParsedTime(clock="23:59")),
        ("24:00", None),
        ("23:60", None),
        ("99.99", None),
        # Shaped like a bare clock but not one: these take the full parse.
        ("123:45", None),
        ("7:5", None),
        ("16:11 BST", ParsedTime(clock="16:11", offset="+01:00")),
        # Other digits are read as before: the hour as a number, the minutes as written.
        ("\u0661\u0666:\u0661\u0661", ParsedTime(clock="16:\u0661\u0661")),
        ("16\uff1a11", None),
        ("1.05.2024", ParsedTime(date="2024-05-01")),
    ],
)
def test_clock_like_lines(line: str, expected: ParsedTime | None) -> None:
    """Lines that look like a bare clock time parse as the reference parse does, and to what they say."""
    assert parse_time.__wrapped__(line) == expected
    old = old_meta.parse_time.__wrapped__(line)
    assert (None if old is None else (old.date, old.clock, old.offset, old.ago)) == (
        None if expected is None else (expected.date, expected.clock, expected.offset, expected.ago)
    )
