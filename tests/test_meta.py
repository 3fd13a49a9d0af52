"""Meta lines: timestamps and bylines, and the look-alikes that are neither."""

from __future__ import annotations

import pytest

from lbdedup.meta import is_byline, is_timestamp


@pytest.mark.parametrize(
    "line",
    [
        "15.53 BST",
        "05:59",
        "3.53pm",
        "Updated at 15:53",
        "Updated at 2.55pm",
        "13 September 2023 05:59",
        "Arpan Rai13 September 2023 05:59",
        "2h ago",
        "Tue 12 Sep 2023 14.05 EDT",
        "Wednesday 09:40",
        "Thursday, November 14, 2024",
        "2023-09-13T05:59",
        "  14:05  ",
    ],
)
def test_timestamps(line: str) -> None:
    """Lines that are only a time or a date (with an optional glued byline) are timestamps."""
    assert is_timestamp(line)


@pytest.mark.parametrize(
    "line",
    [
        "",
        "Goal! Rovers 2-1 City",
        "Rain 14:05",
        "2-1",
        "Key events",
        "The council meets at 3pm to discuss the bridge.",
        "Kick-off",
        "x" * 100 + " 05:59",
    ],
)
def test_not_timestamps(line: str) -> None:
    """Scores, prose with a time in it and plain labels are not timestamps."""
    assert not is_timestamp(line)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Justin McCurry", True),
        ("By Helen Livingstone in Kyiv", True),
        ("Ilse Marchetti", True),
        ("Harriet Pellow and Jonas Whitlock", True),
        ("Power players", False),
        ("Key events", False),
        ("Kick-off", False),
        ("Marta Oyelaran 05:59", False),
        ("Goal! Rovers 2-1 City", False),
        ("", False),
    ],
)
def test_bylines(line: str, expected: bool) -> None:
    """Two to four capitalised name words, or "By ...", are bylines; labels are not."""
    assert is_byline(line) is expected
