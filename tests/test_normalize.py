"""Normalize stage: the text blocks are compared in."""

from __future__ import annotations

import pytest

from lbdedup.normalize import normalize, normalize_many, number_tokens


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (
            "“We have never seen water like this,” she said.",
            '"We have never seen water like this," she said.',
        ),
        ("Elderwick’s mayor", "Elderwick's mayor"),
        ("Elderwick’s mayor", "Elderwicks mayor"),
        ("The river  rose   overnight", "The river rose overnight"),
        ("The river rose overnight.", "The river rose overnight"),
        ("FLOOD LIVE", "flood live"),
        ("Sedge–Tarrow summit — live", "Sedge-Tarrow summit - live"),
        ("ﬁre crews", "fire crews"),
        ("at 15:53 BST", "at 15.53 BST"),
        ("Straße", "STRASSE"),
        ("line one\nline two", "line one line two"),
        ("Kim…", "Kim..."),
    ],
    ids=[
        "curly-quotes",
        "apostrophe",
        "apostrophe-dropped",
        "spacing",
        "final-period",
        "case",
        "dashes",
        "nfkc-ligature",
        "time-separator",
        "casefold",
        "newline",
        "ellipsis",
    ],
)
def test_equal_after_normalization(left: str, right: str) -> None:
    """Differences that do not change what a block says vanish."""
    assert normalize(left) == normalize(right)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("05:59", "05:43"),
        ("Rovers 2-1 City", "Rovers 3-1 City"),
        ("about 4,000 people", "about 6,500 people"),
        ("Half-time", "Full-time"),
        ("Kyiv", "Kiev"),
    ],
)
def test_different_after_normalization(left: str, right: str) -> None:
    """Numbers and words that differ stay different."""
    assert normalize(left) != normalize(right)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Goal!  Rovers 2-1 City ", "goal rovers 2 1 city"),
        ("Kim’s train — “armoured”", "kims train armoured"),
        ("At 15:53 BST…", "at 1553 bst"),
        ("More than 2,300 homes", "more than 2300 homes"),
        ("* * *", ""),
        ("", ""),
        ("北朝鮮 Kim", "北朝鮮 kim"),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    """Exact normal forms of some typical lines."""
    assert normalize(text) == expected


def test_normalize_many_matches_one_by_one() -> None:
    """Normalizing many texts at once gives the same results, in order, as one at a time."""
    texts = ["Kim’s “train”", "", "line\nbreak", "Rovers 2-1", "ÉTÉ à Paris", "* * *", "a\r\nb"]
    assert normalize_many(texts) == [normalize(text) for text in texts]
    assert normalize_many([]) == []


@pytest.mark.parametrize(
    ("normalized", "expected"),
    [
        ("rovers 2 1 city at 3pm", ("1", "2", "3pm")),
        ("no numbers here", ()),
        ("0559 and 0543", ("0543", "0559")),
    ],
)
def test_number_tokens(normalized: str, expected: tuple[str, ...]) -> None:
    """The words with digits, sorted."""
    assert number_tokens(normalized) == expected
