"""Normalize stage: the text blocks are compared in."""

from __future__ import annotations

import re
import sys
import unicodedata
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lbdedup.normalize as normalize_module
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


# The implementation before the numpy rewrite, kept as the oracle: one string pass per step.
_ORACLE_APOSTROPHES = ("'", "`", "’", "‘", "ʼ", "´")
_ORACLE_SEPARATOR = re.compile(rb"(\d)[.,:](?=\d)")
_ORACLE_TABLE = bytes(
    ord(" ") if code < 128 and not chr(code).isalnum() and chr(code) != "\n" else code for code in range(256)
)


def normalize_many_oracle(texts: list[str]) -> list[str]:
    """The old normalize_many, step by step over one string of all texts."""
    if not texts:
        return []
    flat = [text.replace("\r", " ").replace("\n", " ") for text in texts]
    folded = "\n".join(unicodedata.normalize("NFKC", text) for text in flat).casefold()
    raw = _ORACLE_SEPARATOR.sub(rb"\1", folded.encode("utf-8"))
    for apostrophe in _ORACLE_APOSTROPHES:
        raw = raw.replace(apostrophe.encode("utf-8"), b"")
    folded = raw.translate(_ORACLE_TABLE).decode("utf-8")
    marks = sorted({char for char in folded if not char.isascii() and not char.isalnum()})
    if marks:
        folded = re.sub("[" + "".join(re.escape(char) for char in marks) + "]", " ", folded)
    return [" ".join(line.split()) for line in folded.split("\n")]


# Characters the rules treat specially: apostrophes, separators, spaces of all kinds (U+00A0, U+2009,
# U+3000, \x1c-\x1f, \x85), letters that casefold to more letters or grow (ß, İ, ΐ, ᾳ), ligatures and
# digits that NFKC rewrites (ﬁ, ①, ², ½), combining marks, controls.
SPECIAL = list(
    "'`’‘ʼ´.,:;!?-—–“”\"…  \u00a0\u2009\u3000\x1c\x1d\x1e\x1f\x85\r\n\t\x00\x01ßẞİΐᾳǰŉﬁ①²½ΣσςÉéÅKſ٣"
)
SPECIAL += [chr(code) for code in range(0x300, 0x310)] + list("0123456789aZ ")
CHARACTERS = st.one_of(
    st.sampled_from(SPECIAL),
    st.characters(min_codepoint=32, max_codepoint=126),
    st.characters(exclude_categories=["Cs"]),
)
TEXTS = st.lists(st.text(CHARACTERS, max_size=40), max_size=12)


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_normalize_many_matches_the_oracle(texts: list[str]) -> None:
    """The numpy passes give exactly what the old string passes gave, on any text."""
    assert normalize_many(texts) == normalize_many_oracle(texts)


@settings(max_examples=100, deadline=None)
@given(TEXTS)
def test_normalize_many_matches_the_oracle_in_small_pieces(texts: list[str]) -> None:
    """Cut into pieces of a few bytes, the buffer still normalizes the same."""
    with patch.object(normalize_module, "CHUNK_BYTES", 8):
        assert normalize_many(texts) == normalize_many_oracle(texts)


def test_long_runs_of_spaces_and_marks() -> None:
    """Lines ending in long runs of punctuation lose them whole, however long the run."""
    texts = [
        "a" + " -" * 30 + " ",
        "-" * 50,
        "b " + "-" * 40,
        "x" + "." * 20,
        " " * 9 + "c" + " " * 9,
        "’" * 9,
    ]
    assert normalize_many(texts) == normalize_many_oracle(texts) == ["a", "", "b", "x", "c", ""]


def test_casefold_commutes_with_the_byte_passes() -> None:
    """Over all of Unicode, casefolding never yields a digit, a separator, a newline or nothing.

    The byte passes for the digit rule run before the non-ASCII characters are casefolded, which is only
    right because of this; and no letter or digit is also a space.
    """
    for code in range(0x80, sys.maxunicode + 1):
        char = chr(code)
        if 0xD800 <= code <= 0xDFFF:
            continue
        folded = char.casefold()
        assert folded, hex(code)
        assert not any(part in "0123456789.,:\n" for part in folded), hex(code)
        assert not (char.isalnum() and char.isspace()), hex(code)
    assert all(chr(code).casefold() == chr(code).lower() for code in range(128))
