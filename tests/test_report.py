"""The report for people: sources named below the folder they share, input text never read as markup."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from lbdedup.model import BlockRef, RunSpan
from lbdedup.report import SourceNames, plain


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


def test_source_names_show_bytes_that_are_not_utf8() -> None:
    """A file name's bytes that are not UTF-8 (kept as lone surrogates) are shown as \\xNN, in folders too."""
    named = SourceNames(["caf\udce9/a\udcff.txt", "caf\udce9/b.txt"])
    assert named.folder == "caf\\xe9"
    assert named("caf\udce9/a\udcff.txt") == "a\\xff.txt"
    assert named.places([BlockRef("caf\udce9/a\udcff.txt", 0, 2, 3)]) == "a\\xff.txt:2-3"
    assert named.span(RunSpan("caf\udce9/a\udcff.txt", 0, 4, 1, 5)) == "a\\xff.txt:1-5"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "[red]x[/red] [/caption] [link=https://e.example]y[/link]",
            "[red]x[/red] [/caption] [link=https://e.example]y[/link]",
        ),
        ("a\x1b[31mb\x07c\x9bd\x7fe", "a\\x1b[31mb\\x07c\\x9bd\\x7fe"),
        ("two\nlines stay", "two\nlines stay"),
        (":smile: :thumbs_up:", ":smile: :thumbs_up:"),
    ],
    ids=["markup", "controls", "whitespace", "emoji-codes"],
)
def test_plain_is_never_markup_and_never_a_control(text: str, shown: str) -> None:
    """Input text becomes a Text shown as it is written, with its control characters escaped."""
    screen = io.StringIO()
    Console(file=screen, force_terminal=True, color_system="truecolor", width=200).print(plain(text))
    assert screen.getvalue() == shown + "\n"  # on a terminal: no style, no escape sequence, nothing else
