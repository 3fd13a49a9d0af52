"""Posts and times: parsing timestamp lines to ISO 8601 and finding post boundaries in text and Markdown."""

from __future__ import annotations

import doctest

import pytest

import lbdedup.meta
import lbdedup.posts
from lbdedup.meta import ParsedTime, find_date, is_timestamp, is_update_line, iso_time, parse_time
from lbdedup.model import Block, BlockKind, Document
from lbdedup.posts import assign_posts, fold_empty_posts, heading_time, is_marker
from lbdedup.segment import segment


@pytest.mark.parametrize(
    ("line", "default_date", "expected"),
    [
        ("15.53 BST", None, "15:53+01:00"),
        ("15.53 BST", "2023-09-13", "2023-09-13T15:53+01:00"),
        ("3.53pm", None, "15:53"),
        ("3.53 p.m.", "2023-09-13", "2023-09-13T15:53"),
        ("12.05am", None, "00:05"),
        ("Updated at 15:53", "2023-09-13", "2023-09-13T15:53"),
        ("13 September 2023 05:59", None, "2023-09-13T05:59"),
        ("Arpan Rai13 September 2023 05:59", None, "2023-09-13T05:59"),
        ("2h ago", "2023-09-13", "-PT2H"),
        ("35 mins ago", None, "-PT35M"),
        ("3 days ago", None, "-P3D"),
        ("just now", None, "-PT0S"),
        ("Tue 12 Sep 2023 14.05 EDT", None, "2023-09-12T14:05-04:00"),
        ("Sept. 13, 2023, 5:59 a.m. ET", None, "2023-09-13T05:59"),
        ("2023-09-13T05:59:00Z", None, "2023-09-13T05:59:00+00:00"),
        ("2023-09-13 05:59+0200", None, "2023-09-13T05:59+02:00"),
        ("13/09/2023 14:05", None, "2023-09-13T14:05"),
        ("09/13/2023", None, "2023-09-13"),
        ("14:05 GMT+2", None, "14:05+02:00"),
        ("Wednesday 13 September", "2023-01-01", "2023-09-13"),
        ("Wednesday 13 September", None, None),
        ("Tuesday , 26 September 2023", None, "2023-09-26"),
        ("Key events", None, None),
    ],
)
def test_iso_time(line: str, default_date: str | None, expected: str | None) -> None:
    """Each timestamp form live blogs use parses to the ISO 8601 text the README promises."""
    assert iso_time(line, default_date) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("25:61", None),
        ("Goal! Rovers 2-1 City", None),
        ("15.53 BST", ParsedTime(clock="15:53", offset="+01:00")),
        ("10.22 IST", ParsedTime(clock="10:22")),
    ],
)
def test_parse_time_parts(line: str, expected: ParsedTime | None) -> None:
    """Impossible clocks and scores give nothing; ambiguous zones give no offset."""
    assert parse_time(line) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("15.53 BST", True),
        ("3.53pm", True),
        ("Updated at 15:53", True),
        ("13 September 2023 05:59", True),
        ("2h ago", True),
        ("Tue 12 Sep 2023 14.05 EDT", True),
        ("Arpan Rai13 September 2023 05:59", True),
        ("Rain 14:05", False),
        ("The vote is at 3pm today.", False),
    ],
)
def test_is_timestamp_forms(line: str, expected: bool) -> None:
    """Every form the posts module relies on is recognised as a timestamp line, and prose is not."""
    assert is_timestamp(line) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("BBC Local Live: Shropshire on Wednesday 17 August 2016", "2016-08-17"),
        (" date 2023-09-13 Ukraine-Russia war – live", "2023-09-13"),
        ("Ferry strike live: day two", None),
        ("Strike live on 13 September", None),
    ],
)
def test_find_date(text: str, expected: str | None) -> None:
    """A title gives its date only when it names a full date with a year."""
    assert find_date(text) == expected


@pytest.mark.parametrize(
    ("text", "marker"),
    [
        ("Key events", True),
        ("## Key events", True),
        ("Opening summary", True),
        ("BREAKING: Dam bursts above Aldham", True),
        ("Breaking - trains halted", True),
        ("Key events in the trial so far were reported.", False),
        ("Breaking the deadlock took three days.", False),
    ],
)
def test_is_marker(text: str, marker: bool) -> None:
    """Labels that open a post are markers; sentences that start with the same words are not."""
    assert is_marker(text) is marker


def test_update_and_heading_time() -> None:
    """Lines such as "Updated at 15:58" close a post; a headline that opens with a time carries it."""
    assert is_update_line("Last updated 15:58")
    assert not is_update_line("15.58 BST")
    assert heading_time("18.35 BST: Evacuation ordered for Corrie Ban") == "18.35 BST"
    assert heading_time("Rovers 2-1 City: match report") is None


def _posts(text: str, fmt: str = "text") -> list[tuple[int | None, str | None, str]]:
    blocks = assign_posts(segment(Document("a.txt", text, format=fmt)))
    return [(block.post, block.time, block.text) for block in blocks]


TIME_FIRST = """Flood live: river bursts its banks

11.40 GMT

Army engineers arrive in Elderwick

Two trucks of engineers are unloading sandbags at the end of Mill Street.

Updated at 11.52 GMT

10.22 GMT

Rail line closed

Network operator Northline has closed the railway between Elderwick and Carrow.
"""

TIME_LAST = """Storm live: gusts of 90mph expected

The storm reaches the coast tonight, forecasters say, with the worst winds after midnight.

Schools close in Carrick district

All 41 schools in the district will be closed on Thursday, the council has announced.

Nadia Ferrow13 September 2023 05:41

Rail operator cuts services

Trains will run once an hour with a speed limit on exposed lines.

Tom Ashgrove13 September 2023 04:50

Leave a Reply
"""

HEADLINE_FIRST = """Count live: results in Vell county

Greens take Ardle ward

05.02 BST

The Greens have won Ardle ward by 212 votes, their first seat on the council.

Turnout up in the north

04.38 BST

Turnout in the three northern wards was 41%, up six points on the last election.
"""

UNTIMED = """Summit live: leaders meet in Port Sedge

Delegation lands at the military airfield

The president's plane touched down shortly after 1.30pm local time.

Defence leaders

The chief of staff was photographed stepping off the plane.

Leaders watch an under-21 friendly match

The two presidents took their seats in the main stand.
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            TIME_FIRST,
            [
                (0, None),
                (1, "11:40+00:00"),
                (1, "11:40+00:00"),
                (1, "11:40+00:00"),
                (1, "11:40+00:00"),
                (2, "10:22+00:00"),
                (2, "10:22+00:00"),
                (2, "10:22+00:00"),
            ],
        ),
        (
            TIME_LAST,
            [
                (0, None),
                (0, None),
                (1, "2023-09-13T05:41"),
                (1, "2023-09-13T05:41"),
                (1, "2023-09-13T05:41"),
                (2, "2023-09-13T04:50"),
                (2, "2023-09-13T04:50"),
                (2, "2023-09-13T04:50"),
                (3, None),
            ],
        ),
        (
            HEADLINE_FIRST,
            [(0, None), (1, "05:02+01:00"), (1, "05:02+01:00"), (1, "05:02+01:00")]
            + [(2, "04:38+01:00")] * 3,
        ),
        (UNTIMED, [(0, None), (1, None), (1, None), (1, None), (1, None), (2, None), (2, None)]),
    ],
    ids=["time-first", "time-last", "headline-first", "untimed"],
)
def test_post_layouts(text: str, expected: list[tuple[int | None, str | None]]) -> None:
    """Time before the post, after it, after its headline, or absent: each block gets its post and time."""
    assert [(post, time) for post, time, _ in _posts(text)] == expected


def test_title_date_dates_clock_times() -> None:
    """A clock time alone takes the date of the title."""
    text = "Local live: Shropshire on Wednesday 17 August 2016\n\n18:12\n\nWeather\n\nWarm and dry all day.\n"
    assert _posts(text)[-1][1] == "2016-08-17T18:12"


def test_date_line_in_stream_dates_what_follows() -> None:
    """A date line between posts ("Wednesday 13 September 2023") dates the clock times below it."""
    text = (
        "Election live\n\n23.50 BST\n\nPolls close\n\nCounting begins.\n\n"
        "Thursday 14 September 2023\n\n00.40 BST\n\nFirst result\n\nAldham declares.\n"
    )
    times = {time for _, time, _ in _posts(text)}
    assert "2023-09-14T00:40+01:00" in times


def test_markdown_timed_headings() -> None:
    """Markdown headings such as "## 18.35 BST: Evacuation ordered" open timed posts."""
    text = "# Fire live\n\nIntro paragraph here.\n\n## 18.35 BST: Evacuation\n\nPolice ordered it.\n"
    assert _posts(text, "markdown")[-1][:2] == (1, "18:35+01:00")


def test_kinds_are_kept() -> None:
    """Timestamp and byline blocks keep their kinds when they get a post."""
    text = "Live blog title here\n\n10.05 BST\n\nBridge shut today\n\nJane Doe\n\nPolice closed it at 8am.\n"
    blocks = assign_posts(segment(Document("a.txt", text)))
    assert [block.kind for block in blocks][1:4] == [BlockKind.TIMESTAMP, BlockKind.HEADING, BlockKind.BYLINE]


def test_flat_text_has_no_posts() -> None:
    """A plain article with no times and at most one headline gets no post numbers."""
    text = "A title\n\nOne paragraph of an article.\n\nAnother paragraph of it.\n"
    assert {post for post, _, _ in _posts(text)} == {None}


def test_posts_given_by_a_segmenter_are_kept() -> None:
    """Blocks that already carry posts (from the HTML segmenter) come back unchanged."""
    blocks = (Block(0, "a.html", 0, 1, 1, BlockKind.PARAGRAPH, "Text.", post=3, time="2023-09-13T05:59"),)
    assert assign_posts(blocks) == blocks


T, B, P, H = BlockKind.TIMESTAMP, BlockKind.BYLINE, BlockKind.PARAGRAPH, BlockKind.HEADING


@pytest.mark.parametrize(
    ("kinds", "starts", "expected_starts", "expected_dated"),
    [
        ([T, P, T, P], [0, 2], [0, 2], {0: 0, 2: 2}),
        ([T, P, T], [0, 2], [0], {0: 0}),
        ([T, P, T, B, T, P], [0, 2, 4], [0, 4], {0: 0, 4: 4}),
        ([T, T, P, T, P], [0, 1, 3], [0, 3], {0: 1, 3: 3}),
        ([H, T, T, P], [1, 2], [1], {1: 2}),
        ([T, B, T, B], [0, 2], [0], {0: 0}),
        ([T, H, T, P], [0, 2], [0, 2], {0: 0, 2: 2}),
    ],
    ids=[
        "all-full",
        "empty-last",
        "empty-between",
        "empty-first",
        "empty-after-head",
        "all-empty",
        "headline-is-content",
    ],
)
def test_fold_empty_posts(
    kinds: list[BlockKind], starts: list[int], expected_starts: list[int], expected_dated: dict[int, int]
) -> None:
    """An empty post joins the post before it, or the first full post when none; all empty make one."""
    found_starts, found_dated = fold_empty_posts(kinds, starts, {start: start for start in starts})
    assert (found_starts, found_dated) == (expected_starts, expected_dated)
    # Any sequence of kinds will do, not only a list: posts are read as slices of it.
    assert fold_empty_posts(tuple(kinds), starts, {start: start for start in starts}) == (
        expected_starts,
        expected_dated,
    )


def test_fold_empty_posts_content_far_into_a_post() -> None:
    """A post whose content follows a long run of meta lines is full; one of meta lines alone is not."""
    kinds = [T, *[B] * 500, P, T, *[B] * 500]
    assert fold_empty_posts(kinds, [0, 502], {0: 0, 502: 502}) == ([0], {0: 0})
    assert fold_empty_posts([*kinds, P], [0, 502], {0: 0, 502: 502}) == ([0, 502], {0: 0, 502: 502})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Flood live\n\n10.05 BST\n\nRail line closed today.\n\n10.01 BST\n",
            [(0, None), (1, "10:05+01:00"), (1, "10:05+01:00"), (1, "10:05+01:00")],
        ),
        (
            "Flood live\n\n10.05 BST\n\n10.01 BST\n\nRail line closed today.\n\n09.30 BST\n\nBoats out.\n",
            [(0, None)] + [(1, "10:01+01:00")] * 3 + [(2, "09:30+01:00")] * 2,
        ),
    ],
    ids=["time-left-at-the-end", "time-above-another"],
)
def test_time_line_alone_is_no_post(text: str, expected: list[tuple[int | None, str | None]]) -> None:
    """A time line with no content under it belongs to a neighbouring post, never to a post of its own."""
    assert [(post, time) for post, time, _ in _posts(text)] == expected


@pytest.mark.parametrize("module", [lbdedup.meta, lbdedup.posts])
def test_doctests(module: object) -> None:
    """The examples in the docstrings run."""
    failures, _ = doctest.testmod(module)  # type: ignore[arg-type]  # doctest accepts any module object
    assert failures == 0
