"""segment_posts and make_blocks: the one-pass segmentation gives what segment then assign_posts give."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lbdedup.model import Block, BlockKind, Document
from lbdedup.posts import assign_posts, post_times, segment_posts
from lbdedup.read import read_source
from lbdedup.segment import layout, make_blocks, segment

FIXTURES = Path(__file__).parent.parent / "fixtures"

# Line shapes a live blog mixes: times, headlines, markers, bylines, captions and credits, prose.
LINES = [
    "14.05 BST",
    "2023-09-13T05:41",
    "Updated at 3.53pm",
    "Tuesday 12 September 2023",
    "Nadia Ferrow13 September 2023 05:41",
    "2h ago",
    "Key events",
    "BREAKING: Dam bursts above Aldham",
    "## 18.35 BST: Evacuation ordered",
    "# Flood live: the river rises",
    "Army engineers arrive in Elderwick",
    "Turnout up",
    "Rail line closed…",
    "By Helen Ashgrove in Carrow",
    "Tom Ashgrove",
    "Rovers supporters gather outside the ground.",
    "Rovers supporters gather outside the ground. Photograph: Corin Vale/Hesketh Press",
    "Photograph: AP",
    "- Greens gain their first ward",
    "2. Second point",
    "> “We have never seen water like this,” she said.",
    "Two trucks of engineers are unloading sandbags at the end of Mill Street, the council said on Tuesday.",
    "The flow advanced only forty metres since midnight (Reuters)",
    "Leave a Reply",
]


@st.composite
def pages(draw: st.DrawFn) -> str:
    """A page of live-blog lines with blank lines, CRLF and blank-looking lines between them."""
    lines = draw(st.lists(st.sampled_from(LINES), max_size=30))
    breaks = draw(
        st.lists(st.sampled_from(["\n", "\n\n", "\r\n", "\n  \n"]), min_size=len(lines), max_size=len(lines))
    )
    return "".join(line + end for line, end in zip(lines, breaks, strict=True))


@settings(max_examples=200, deadline=None)
@given(pages(), st.sampled_from(["text", "markdown"]))
def test_segment_posts_is_segment_then_assign_posts(text: str, fmt: str) -> None:
    """One pass gives the same blocks, posts and times as segmenting then assigning posts."""
    document = Document("a.txt", text, format=fmt)
    assert segment_posts(document, 3) == assign_posts(segment(document, 3))


@pytest.mark.parametrize(
    "path",
    sorted(path for path in FIXTURES.glob("*/input/*") if path.suffix in {".txt", ".md"}),
    ids=lambda path: f"{path.parent.parent.name}/{path.name}",
)
def test_fixtures_segment_alike(path: Path) -> None:
    """Every text and Markdown fixture segments alike both ways."""
    document = read_source(str(path), "utf-8")
    assert segment_posts(document, 1) == assign_posts(segment(document, 1))


def test_post_times_match_assign_posts() -> None:
    """post_times gives each block the post and time assign_posts puts on it."""
    text = "Flood live\n\n10.22 GMT\n\nRail closed\n\nNo trains.\n\n09.48 GMT\n\nBoat\n\nFerries stopped.\n"
    document = Document("a.txt", text)
    parts = layout(document)
    found = post_times(parts.kinds, parts.texts)
    assert found is not None
    assert found == (
        [b.post for b in assign_posts(segment(document))],
        [b.time for b in assign_posts(segment(document))],
    )
    assert post_times([], []) is None


def test_make_blocks_equals_block() -> None:
    """make_blocks builds the very Blocks the constructor builds, and wants a column for every field."""
    rows = [
        (0, "a.txt", 0, 1, 1, BlockKind.TITLE, "Flood live", None, None),
        (0, "a.txt", 1, 3, 4, BlockKind.PARAGRAPH, "Rain.\nMore rain.", 2, "10:22"),
    ]
    assert make_blocks(*zip(*rows, strict=True)) == tuple(Block(*row) for row in rows)
    with pytest.raises(TypeError):
        make_blocks([0], ["a.txt"])
