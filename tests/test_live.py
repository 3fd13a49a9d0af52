"""Live-blog structure through the core: the meta-line rule, timelines of snapshots, syndicated runs."""

from __future__ import annotations

import doctest

import pytest

import lbdedup.postmatch
import lbdedup.runs
import lbdedup.timeline
from lbdedup import Document, Options, Status, dedupe
from lbdedup.model import BlockKind, DedupeResult, PostOrder
from lbdedup.render import render_json, render_text
from lbdedup.timeline import time_key

POST_A = (
    "Ash cloud forces ferry cancellations\n\nThe Sorrel Line has cancelled all crossings until Sunday.\n\n"
)
POST_B = (
    "Lava flow slows overnight, scientists say\n\nThe flow advanced only forty metres since midnight.\n\n"
)
POST_C = (
    "Divers return to the northern pier today\n\nA team of four divers went back into the water there.\n\n"
)


def _status(result: DedupeResult, source: str, text: str) -> list[Status]:
    return [r.status for r in result.blocks if r.block.source == source and r.block.text == text]


def test_equal_timestamps_of_different_posts_stay() -> None:
    """Two different posts with the same time line keep both time lines."""
    text = f"Volcano live: day two\n\n09.14 BST\n\n{POST_A}09.14 BST\n\n{POST_B}"
    result = dedupe([Document("a.txt", text)])
    assert _status(result, "a.txt", "09.14 BST") == [Status.UNIQUE, Status.UNIQUE]


def test_equal_bylines_of_different_posts_stay() -> None:
    """A byline shared by two different posts is kept on both."""
    byline = "Marta Oyelaran\n\n"
    text = f"Volcano live: day two\n\n{POST_A}{byline}09.14 BST\n\n{POST_B}{byline}08.02 BST\n"
    result = dedupe([Document("a.txt", text)])
    assert _status(result, "a.txt", "Marta Oyelaran") == [Status.UNIQUE, Status.UNIQUE]


def test_repeated_post_takes_its_meta_lines_along() -> None:
    """A post repeated in another snapshot is dropped with its time line and byline."""
    older = f"Volcano live: day two\n\n09.14 BST\n\n{POST_A}Marta Oyelaran\n\n08.40 BST\n\n{POST_C}"
    newer = f"Volcano live: day two\n\n10.05 BST\n\n{POST_B}09.14 BST\n\n{POST_A}Marta Oyelaran\n"
    result = dedupe([Document("old.txt", older), Document("new.txt", newer)])
    assert _status(result, "new.txt", "09.14 BST") == [Status.DUPLICATE]
    assert _status(result, "new.txt", "Marta Oyelaran") == [Status.DUPLICATE]
    assert _status(result, "old.txt", "09.14 BST") == [Status.CANONICAL]


def test_doubled_byline_within_one_post_merges() -> None:
    """A byline printed twice inside one post is a doubling: one copy is kept."""
    text = f"Volcano live: day two\n\n09.14 BST\n\nMarta Oyelaran\n\nMarta Oyelaran\n\n{POST_A}"
    result = dedupe([Document("a.txt", text)])
    assert _status(result, "a.txt", "Marta Oyelaran") == [Status.CANONICAL, Status.DUPLICATE]


def test_a_time_line_again_under_the_content_is_no_doubling() -> None:
    """The same time line above and under a post's content (an empty post's) is two lines: both stay."""
    text = f"Volcano live: day two\n\n09.14 BST\n\n{POST_A}09.14 BST\n"
    result = dedupe([Document("a.txt", text)])
    assert _status(result, "a.txt", "09.14 BST") == [Status.UNIQUE, Status.UNIQUE]


def test_equal_time_lines_left_side_by_side_both_stay() -> None:
    """Two posts' equal time lines, side by side once their content went as copies, are never a doubling."""
    text = _page("00.01 A", "00.01 C", "00.00 A", "00.00 A", "00.00 C")
    options = Options(order=PostOrder.INPUT)
    once = render_text(dedupe([Document("a.txt", text)], options), provenance=False)
    assert _letters(once) == ["00.01 BST", "A", "00.01 BST", "C", "00.00 BST", "00.00 BST"]
    assert render_text(dedupe([Document("a.txt", once)], options), provenance=False) == once


def test_copies_joined_through_a_third_share_their_time_line() -> None:
    """Two posts that are copies of one post through a third (one timeline post) keep one equal time line."""
    paragraph = "The Sorrel Line has cancelled all crossings until Sunday."
    text = (
        f"Volcano live\n\n09.14 BST\n\nFerry news\n\n{paragraph}\n\n"
        f"09.14 BST\n\nFerry news from the harbour\n\n{paragraph}\n\n08.00 BST\n\n{paragraph}\n"
    )
    result = dedupe([Document("a.txt", text)])
    assert _status(result, "a.txt", "09.14 BST") == [Status.CANONICAL, Status.DUPLICATE]


def test_meta_lines_one_digit_apart_stay() -> None:
    """Time lines that differ by one digit are never merged, even inside a repeated post."""
    older = f"Volcano live\n\n09.14 BST\n\n{POST_A}"
    newer = f"Volcano live\n\n09.15 BST\n\n{POST_A}"
    result = dedupe([Document("a.txt", older), Document("b.txt", newer)])
    kept = [r.block.text for r in result.blocks if r.block.kind is BlockKind.TIMESTAMP and r.status.kept]
    assert kept == ["09.14 BST", "09.15 BST"]


OLDER = f"Bridge live: crack found in main span\n\n10.05 BST\n\n{POST_A}09.12 BST\n\n{POST_C}"
NEWER = f"Bridge live: crack found in main span\n\n11.50 BST\n\n{POST_B}10.05 BST\n\n{POST_A}"


@pytest.mark.parametrize(
    "documents", [[("new.txt", NEWER), ("old.txt", OLDER)], [("old.txt", OLDER), ("new.txt", NEWER)]]
)
def test_snapshots_merge_into_one_timeline(documents: list[tuple[str, str]]) -> None:
    """Snapshots give one timeline, each post once, newest first, whichever file comes first."""
    result = dedupe([Document(source, text) for source, text in documents])
    assert len(result.timelines) == 1
    timeline = result.timelines[0]
    assert timeline.order == "newest_first"
    assert [post.time for post in timeline.posts] == ["11:50+01:00", "10:05+01:00", "09:12+01:00"]
    assert [len(post.copies) for post in timeline.posts] == [1, 2, 1]
    text = render_text(result, provenance=False)
    assert text.index("11.50 BST") < text.index("10.05 BST") < text.index("09.12 BST")
    assert text.count("Ash cloud forces ferry cancellations") == 1


def test_oldest_first_and_input_order() -> None:
    """--oldest-first reverses the timeline; --order input leaves every block in place."""
    documents = [Document("new.txt", NEWER), Document("old.txt", OLDER)]
    oldest = render_text(dedupe(documents, Options(newest_first=False)), provenance=False)
    assert oldest.index("09.12 BST") < oldest.index("10.05 BST") < oldest.index("11.50 BST")
    in_place = dedupe(documents, Options(order=PostOrder.INPUT))
    assert in_place.timelines[0].order == "input"
    text = render_text(in_place, provenance=False)
    assert text.index("11.50 BST") < text.index("10.05 BST") < text.index("09.12 BST")
    assert "==> new.txt <==" in render_text(in_place)


PARAGRAPHS = {
    "A": "The Sorrel Line has cancelled all crossings until Sunday.",
    "B": "The lava flow advanced only forty metres since midnight.",
    "C": "A team of four divers went back into the water there.",
    "E": "Police asked drivers to keep away from the coast road.",
    "H": "Ferries back on the island run",
}


def _page(*posts: str) -> str:
    """A live blog of posts given as "HH.MM letters" (a time, then the paragraphs named by letters)."""
    parts = ["Volcano live"]
    for post in posts:
        time, letters = post.split()
        parts.extend([f"{time} BST", *(PARAGRAPHS.get(letter, letter) for letter in letters)])
    return "\n\n".join(parts) + "\n"


def _letters(text: str) -> list[str]:
    named = {paragraph: letter for letter, paragraph in PARAGRAPHS.items()}
    return [named.get(line, line) for line in text.rstrip("\n").split("\n\n")[1:]]


@pytest.mark.parametrize(
    ("posts", "newest_first", "expected"),
    [
        (["10.05 A", "10.05 B", "09.00 C"], True, ["10.05 BST", "A", "10.05 BST", "B", "09.00 BST", "C"]),
        (["09.00 C", "10.05 A", "10.05 B"], True, ["10.05 BST", "B", "10.05 BST", "A", "09.00 BST", "C"]),
        (["09.00 C", "10.05 A", "10.05 B"], False, ["09.00 BST", "C", "10.05 BST", "A", "10.05 BST", "B"]),
    ],
    ids=["newest-first-page", "oldest-first-page-turned", "oldest-first-page"],
)
def test_posts_of_the_same_minute_keep_their_page_order(
    posts: list[str], newest_first: bool, expected: list[str]
) -> None:
    """Posts of equal time stay in their page's order, read from its end when it runs the other way."""
    options = Options(newest_first=newest_first)
    once = render_text(dedupe([Document("a.txt", _page(*posts))], options), provenance=False)
    assert _letters(once) == expected
    assert render_text(dedupe([Document("a.txt", once)], options), provenance=False) == once


def test_a_repeated_post_is_dated_by_the_copy_shown() -> None:
    """A post and its fuller copy are one post, dated by the copy whose layout and time line are shown."""
    result = dedupe([Document("a.txt", _page("10.00 A", "09.30 C", "09.00 AB"))])
    assert [post.time for post in result.timelines[0].posts] == ["09:30+01:00", "09:00+01:00"]
    text = render_text(result, provenance=False)
    assert _letters(text) == ["09.30 BST", "C", "10.00 BST", "09.00 BST", "A", "B"]


def test_a_later_copy_keeps_its_headline_under_the_time_of_the_copy_shown() -> None:
    """Another copy's own headline goes under the shown copy's time line, its own time line on top."""
    result = dedupe([Document("a.txt", _page("09.30 E", "09.00 ABC", "08.00 HAB"))])
    text = render_text(result, provenance=False)
    assert _letters(text) == ["09.30 BST", "E", "08.00 BST", "09.00 BST", "H", "A", "B", "C"]


def test_two_copies_keeping_content_are_a_timeline() -> None:
    """One post whose two copies each keep blocks is laid out as one timeline post, copies together."""
    result = dedupe([Document("a.txt", _page("09.00 AB", "08.00 ABC"))])
    assert [len(post.copies) for post in result.timelines[0].posts] == [2]
    text = render_text(result, provenance=False)
    assert _letters(text) == ["09.00 BST", "08.00 BST", "A", "B", "C"]
    assert render_text(dedupe([Document("a.txt", text)]), provenance=False) == text


def test_a_time_last_post_repeated_keeps_its_closing_time_lines_together() -> None:
    """A time-last post shown again with another time: both time lines close it; cleaned again, it stays."""
    a, b, d = PARAGRAPHS["A"], PARAGRAPHS["B"], "Schools in the valley will stay closed on Thursday."
    text = (
        f"Storm live: gales expected\n\nThe storm reaches the coast tonight, forecasters say.\n\n"
        f"Ferries cancelled\n\n{a}\n\n{d}\n\nNadia Ferrow13 September 2023 05:41\n\n"
        f"Lava slows\n\n{b}\n\nTom Ashgrove13 September 2023 04:50\n\n"
        f"Ferries cancelled\n\n{a}\n\nNadia Ferrow13 September 2023 03:10\n"
    )
    for options in (Options(), Options(newest_first=False)):
        once = render_text(dedupe([Document("a.txt", text)], options), provenance=False)
        assert f"{d}\n\nNadia Ferrow13 September 2023 05:41\n\nNadia Ferrow13 September 2023 03:10" in once
        assert render_text(dedupe([Document("a.txt", once)], options), provenance=False) == once


def test_untimed_posts_keep_their_place() -> None:
    """A snapshot without times takes them from the other snapshot; its own new posts stay on top."""
    untimed = f"Bridge live: crack found in main span\n\n{POST_B}{POST_A}{POST_C}"
    timed = f"Bridge live: crack found in main span\n\n10.05 BST\n\n{POST_A}09.12 BST\n\n{POST_C}"
    result = dedupe([Document("untimed.txt", untimed), Document("timed.txt", timed)])
    posts = result.timelines[0].posts
    assert [post.time for post in posts] == [None, "10:05+01:00", "09:12+01:00"]
    assert posts[0].copies[0].source == "untimed.txt"


def test_unrelated_blogs_are_not_merged() -> None:
    """Two blogs with different titles that share no posts stay separate sources."""
    result = dedupe(
        [
            Document("a.txt", OLDER),
            Document("b.txt", f"Other live\n\n08.00 BST\n\n{POST_B}07.00 BST\n\nQuiet.\n"),
        ]
    )
    assert [timeline.sources for timeline in result.timelines] == [("a.txt",), ("b.txt",)]


def test_runs_report_a_copied_post() -> None:
    """A whole post copied by another outlet is one run, reported as line ranges."""
    original = f"Drought live\n\n10.40 BST\n\n{POST_A}{POST_C}10.05 BST\n\nHosepipe ban in force.\n"
    copy = f"Valley drought updates\n\n{POST_A}{POST_C}Lucy Penhallow14 August 2024 10:47\n"
    result = dedupe([Document("a.txt", original), Document("b.txt", copy)])
    assert [str(run) for run in result.runs] == ["b.txt:3-9 = a.txt:5-11"]
    assert result.runs[0].blocks == 4
    assert '"runs": [\n  {"range": "b.txt:3-9 = a.txt:5-11"' in render_json(result)


def test_pinned_post_repeated_is_one_run() -> None:
    """A pinned post shown again lower on the page is one run covering its meta lines too."""
    pinned = (
        "Rovers chase first trophy since 1994\n\nIlse Marchetti\n\nGood afternoon, welcome to the final.\n\n"
    )
    full_time = "16.56 BST\n\nFull time: Rovers win\n\nIt is all over.\n\n"
    text = f"Cup final live\n\n{pinned}{full_time}{pinned}16.14 BST\n\nGoal\n"
    result = dedupe([Document("a.txt", text)])
    assert [str(run) for run in result.runs] == ["a.txt:15-19 = a.txt:3-7"]
    assert _status(result, "a.txt", "Ilse Marchetti") == [Status.CANONICAL, Status.DUPLICATE]


def test_json_keeps_the_contract_and_adds_timelines() -> None:
    """The JSON report keeps DESIGN's keys and adds "runs" and "timelines"."""
    import json

    record = json.loads(render_json(dedupe([Document("new.txt", NEWER), Document("old.txt", OLDER)])))
    assert list(record) == ["version", "sources", "blocks", "clusters", "runs", "timelines"]
    assert {"post", "time"} <= set(record["blocks"][0])
    assert record["timelines"][0]["posts"][0] == {
        "time": "11:50+01:00",
        "copies": [{"source": "new.txt", "post": 1}],
    }


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        ("2023-09-13T05:43", "2023-09-13T05:59"),
        ("05:43+01:00", "05:59"),
        ("2023-09-12", "2023-09-13T00:01"),
        ("-PT2H", "-PT1H"),
    ],
)
def test_time_key_orders(earlier: str, later: str) -> None:
    """Time keys sort dated, clock-only and "ago" times in time order."""
    assert time_key(earlier, "2023-09-13") < time_key(later, "2023-09-13")


@pytest.mark.parametrize("module", [lbdedup.postmatch, lbdedup.runs, lbdedup.timeline])
def test_doctests(module: object) -> None:
    """The examples in the docstrings run."""
    failures, _ = doctest.testmod(module)  # type: ignore[arg-type]  # doctest accepts any module object
    assert failures == 0


# A wire post another blog printed first, then printed again with a paragraph of its own at the same time.
WIRE_POST = (
    "Court hears contract killing claim\n\n"
    "The man accused of the murders told a friend he had been paid to carry out a contract killing, "
    "the jury heard.\n\n"
    "The defendant, whose identity is disputed, denies both murders and the trial continues on Monday.\n\n"
)
OWN_PARAGRAPH = (
    "Our reporter outside the court says the public gallery was full for the second day running.\n\n"
)


def test_a_post_printing_content_of_its_own_keeps_its_time_when_the_copy_is_another_blogs() -> None:
    """Other blogs' copy of most of a post takes its 08:00 only if the post prints nothing of its own."""
    first = (
        "County live: Tuesday\n\n09:15\n\nBypass reopens\n\n"
        "The bypass reopened at nine after the lorry was moved.\n\n"
        f"08:50\n\n{POST_A}08:30\n\n{POST_B}"
        f"08:00\n\n{WIRE_POST}"
    )
    second = (
        "Valley live: Wednesday\n\n10:40\n\nFlood gates shut\n\n"
        "The flood gates at the weir were shut this morning.\n\n"
        f"09:20\n\n{POST_C}08:45\n\nSchool closed\n\nThe village school is shut for the day.\n\n"
        f"08:00\n\n{WIRE_POST}{OWN_PARAGRAPH}"
    )
    result = dedupe([Document("county.txt", first), Document("valley.txt", second)])
    assert len(result.timelines) == 2
    assert _status(result, "valley.txt", "08:00") == [Status.UNIQUE]
    # Keeping the meta line changes no timeline: they were made before and are not made again.
    assert lbdedup.timeline.build_timelines(result, Options()) == result.timelines
    assert _status(result, "valley.txt", OWN_PARAGRAPH.strip()) == [Status.UNIQUE]
    text = render_text(result, provenance=False)
    valley = text[text.index("Valley live") :]
    assert valley.index("08:00") < valley.index("Our reporter outside the court")
    # The same post with nothing of its own: its time goes with its content.
    copied = dedupe(
        [Document("county.txt", first), Document("valley.txt", second.replace(OWN_PARAGRAPH, ""))]
    )
    assert _status(copied, "valley.txt", "08:00") == [Status.DUPLICATE]
