"""Oracles: the straightforward versions of the boilerplate stage's fast paths (lbdedup 5361ff8).

tests/test_boilerplate.py checks that the stage still finds exactly what these find.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from lbdedup.boilerplate import (
    _COOKIE_STARTS,
    _TRIGGERS,
    _VOCABULARY,
    COOKIE_MAX_WORDS,
    MAX_LINE_CHARS,
    PROMPT_MAX_WORDS,
    VOCABULARY_MAX_WORDS,
    line_pattern,
)

I64 = npt.NDArray[np.int64]


def may_be_pattern(keys: Sequence[str], lengths: I64, word_counts: I64) -> list[int]:
    """The lines worth a look, chosen by their length and first word, never by a regex over every line."""
    short = (lengths > 0) & (lengths <= MAX_LINE_CHARS)
    triggers, vocabulary, cookie_starts = _TRIGGERS, _VOCABULARY, _COOKIE_STARTS
    tiny = np.flatnonzero(short & (word_counts <= VOCABULARY_MAX_WORDS)).tolist()
    found = [
        index for index in tiny if (first := keys[index].partition(" ")[0]) in vocabulary or first in triggers
    ]
    medium = np.flatnonzero(short & (word_counts > VOCABULARY_MAX_WORDS) & (word_counts <= PROMPT_MAX_WORDS))
    found += [index for index in medium.tolist() if keys[index].partition(" ")[0] in triggers]
    long = np.flatnonzero(short & (word_counts > PROMPT_MAX_WORDS) & (word_counts <= COOKIE_MAX_WORDS))
    found += [index for index in long.tolist() if keys[index].partition(" ")[0] in cookie_starts]
    return found


def pattern_lines(texts: Sequence[str], keys: Sequence[str], word_counts: I64) -> list[tuple[int, str]]:
    """(index, category) of the lines _mark_lines marks by their pattern, in the order it marks them."""
    lengths = np.fromiter(map(len, keys), dtype=np.int64, count=len(keys))
    found = []
    for index in may_be_pattern(keys, lengths, word_counts):
        category = line_pattern(texts[index], keys[index])
        if category is not None:
            found.append((index, category))
    return found
