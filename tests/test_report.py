"""The report for people: sources named below the folder they share."""

from __future__ import annotations

import pytest

from lbdedup.model import BlockRef, RunSpan
from lbdedup.report import SourceNames


@pytest.mark.parametrize(
    ("sources", "folder", "names"),
    [
        (["blogs/a.txt", "blogs/b.txt"], "blogs", ["a.txt", "b.txt"]),
        (["/data/x/a.txt", "/data/y/b.txt"], "/data", ["x/a.txt", "y/b.txt"]),
        (["/data/a.txt"], "/data", ["a.txt"]),
        (["a.txt", "b.txt"], "", ["a.txt", "b.txt"]),
        (["a.txt", "blogs/b.txt"], "", ["a.txt", "blogs/b.txt"]),
        (["/data/a.txt", "blogs/b.txt"], "", ["/data/a.txt", "blogs/b.txt"]),
        (["-", "blogs/b.txt"], "blogs", ["-", "b.txt"]),
        (["-"], "", ["-"]),
        ([], "", []),
    ],
)
def test_source_names(sources: list[str], folder: str, names: list[str]) -> None:
    """The shared folder is cut from every name; mixed, bare or absolute-and-relative names stay whole."""
    named = SourceNames(sources)
    assert named.folder == folder
    assert [named(source) for source in sources] == names


def test_source_names_of_places_and_runs() -> None:
    """Places and run spans use the short names; lines of one source follow its name once."""
    named = SourceNames(["feeds/a.txt", "feeds/b.txt"])
    refs = [
        BlockRef("feeds/a.txt", 0, 1, 1),
        BlockRef("feeds/a.txt", 4, 7, 9),
        BlockRef("feeds/b.txt", 2, 3, 3),
    ]
    assert named.places(refs) == "a.txt:1, 7-9; b.txt:3"
    assert named.places([]) == ""
    assert named.span(RunSpan("feeds/b.txt", 0, 3, 5, 11)) == "b.txt:5-11"
