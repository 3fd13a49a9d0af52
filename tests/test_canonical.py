"""Canonical stage: which copy of a cluster is kept."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lbdedup.canonical import choose_canonical, completeness
from lbdedup.model import KeepPolicy

TEXT = "the port authority said 37 ships were waiting at anchor"


def _words(texts: list[str]) -> list[int]:
    return [len(text.split()) for text in texts]


@pytest.mark.parametrize(
    ("texts", "kept"),
    [
        ([TEXT, TEXT], 0),
        ([TEXT, TEXT + " on tuesday"], 1),
        ([TEXT + " on tuesday", TEXT], 0),
        ([TEXT, TEXT.replace("anchor", "anchr")], 0),
        ([TEXT.replace("anchor", "anchr"), TEXT], 0),
        ([TEXT, TEXT + " reuters"], 0),
        ([TEXT + " afp", TEXT], 0),
        ([TEXT + " ap", TEXT + " on tuesday"], 1),
        ([TEXT[:20], TEXT, TEXT + " reuters"], 1),
    ],
    ids=[
        "tie-earliest",
        "more-words",
        "more-words-first",
        "typo-tie",
        "typo-tie-first",
        "credit-later",
        "credit-earlier",
        "credit-vs-words",
        "excerpt-full-credit",
    ],
)
def test_longest(texts: list[str], kept: int) -> None:
    """``longest`` keeps the copy with the most words (a wire credit not counted), ties to the earliest."""
    members = list(range(len(texts)))
    assert choose_canonical(members, 0, [0] * len(texts), _words(texts), texts) == kept


def test_first_keeps_the_earliest_of_the_top_group() -> None:
    """``first`` keeps the earliest copy that nothing else contains, never an earlier excerpt."""
    texts = [TEXT[:20], TEXT + " on tuesday", TEXT]
    # Block 0 is an excerpt (group 0) attached to the group of blocks 1 and 2 (group 1).
    assert choose_canonical([0, 1, 2], 1, [0, 1, 1], _words(texts), texts, KeepPolicy.FIRST) == 1
    assert choose_canonical([0, 1, 2], 1, [0, 1, 1], _words(texts), texts, KeepPolicy.LONGEST) == 1
    texts = [TEXT[:20], TEXT, TEXT + " on tuesday"]
    assert choose_canonical([0, 1, 2], 1, [0, 1, 1], _words(texts), texts, KeepPolicy.FIRST) == 1
    assert choose_canonical([0, 1, 2], 1, [0, 1, 1], _words(texts), texts, KeepPolicy.LONGEST) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kim arrives reuters", 2),
        ("kim arrives afp", 2),
        ("kim arrives", 2),
        ("reuters", 1),
        ("kim talks to reuters staff", 5),
        ("kim sees a map", 4),
    ],
)
def test_completeness(text: str, expected: int) -> None:
    """Words count, except a wire credit at the very end."""
    assert completeness(text, len(text.split())) == expected


_CREDIT_WORDS = st.sampled_from(
    ["reuters", "ap", "afp", "xinhua", "anp", "apa", "map", "pap", "kim", "a", "2"]
)


@given(st.lists(_CREDIT_WORDS, max_size=6), st.sampled_from([" ", "\t", "\xa0"]), st.integers(0, 8))
def test_completeness_matches_the_plain_regex_test(words: list[str], space: str, count: int) -> None:
    """The endswith pre-check changes nothing: completeness is the regex test on the last 8 characters."""
    text = space.join(words)
    expected = (
        count - 1
        if count > 1
        and re.search(r"(?:^|\s)(?:reuters|ap|afp|pa|dpa|ansa|upi|xinhua|efe|apa|anp)$", text[-8:])
        else count
    )
    assert completeness(text, count) == expected
