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
    MAX_COUNTED_SOURCES,
    MAX_LINE_CHARS,
    PROMPT_MAX_WORDS,
    RELATING_MIN_WORDS,
    REPEATED_MAX_WORDS,
    U64,
    UNRELATED_SOURCES,
    VOCABULARY_MAX_WORDS,
    _count_unrelated,
    _inside_post,
    _may_repeat,
    _next_to_furniture,
    _Rows,
    _Run,
    _site_name_shaped,
    line_pattern,
)
from lbdedup.fingerprint import Fingerprints
from lbdedup.model import META_KINDS

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


class PlainRows(_Rows):
    """:class:`lbdedup.boilerplate._Rows` sorted by both keys, whatever the order of the sources."""

    def __init__(self, exact: U64, docs: I64, blocks: I64) -> None:
        order = np.lexsort((docs, exact))
        hashes, docs = exact[order], docs[order]
        first = np.r_[True, (hashes[1:] != hashes[:-1]) | (docs[1:] != docs[:-1])][: len(hashes)]
        self.hashes, self.docs, self.blocks = hashes[first], docs[first], blocks[order][first]
        self.starts = np.flatnonzero(np.r_[True, self.hashes[1:] != self.hashes[:-1]][: len(self.hashes)])
        self.counts = np.diff(np.r_[self.starts, len(self.hashes)])


def mark_repeated(run: _Run, fingerprints: Fingerprints) -> None:
    """Short lines found in many sources that share no other content."""
    threshold = UNRELATED_SOURCES[run.mode]
    if len(run.spans) < threshold:
        return
    exact, word_counts, blocks = fingerprints.exact, fingerprints.word_counts, run.blocks
    short = np.flatnonzero(word_counts <= REPEATED_MAX_WORDS[run.mode])
    rows = PlainRows(exact[short], run.docs[short], short)
    common = rows.hashes[rows.starts[rows.counts >= threshold]]
    if not len(common):
        return
    occurrences = short[np.isin(exact[short], common)].tolist()
    occurrences = [
        i
        for i in occurrences
        if i not in run.found and (blocks[i].kind not in META_KINDS or _site_name_shaped(run, i))
    ]
    by_hash: dict[int, list[int]] = {}
    for index in occurrences:
        if _may_repeat(run, index):
            by_hash.setdefault(int(exact[index]), []).append(index)
    candidates = {
        h: found for h, found in by_hash.items() if len({blocks[i].doc for i in found}) >= threshold
    }
    # Lines of furniture shape found in that many sources never count as shared content, even those that
    # are not dropped in the end (so a site's header cannot make its pages look related).
    shaped = set(candidates)
    # Furniture comes in runs (a header, a footer) outside the posts: a lone repeated line, or one that is a
    # post of its own between two post times, is a formula of the blog ("Latest headlines"), not furniture.
    possible = {i: 0 for found in candidates.values() for i in found}
    possible = {i: 0 for i in possible if not _inside_post(run, i, possible)}
    runs = {h: [i for i in found if i in possible and _next_to_furniture(run, i, possible)]
            for h, found in candidates.items()}  # fmt: skip
    candidates = {h: found for h, found in runs.items() if len({blocks[i].doc for i in found}) >= threshold}
    if not candidates:
        return
    hosts = np.unique(run.docs[[i for found in candidates.values() for i in found]])
    relating_blocks = np.flatnonzero((word_counts >= RELATING_MIN_WORDS) & np.isin(run.docs, hosts))
    relation = PlainRows(exact[relating_blocks], run.docs[relating_blocks], relating_blocks)
    undecided = set(candidates)
    accepted: dict[int, int] = {}
    relating = relation.relating({int(exact[index]) for index in run.found} | shaped)
    # Two sources are related when they share a block that is not taken for furniture. A line that fails
    # relates its sources in the next round, so each round can only keep more.
    for _ in range(3):
        related = relation.related_pairs(relating, undecided)
        accepted = {}
        for h in undecided:
            counted = _count_unrelated(sorted({blocks[i].doc for i in candidates[h]}), related)
            if counted >= threshold:
                accepted[h] = counted
        if set(accepted) == undecided:
            break
        undecided = set(accepted)
    repeated = {i: accepted[h] for h, found in candidates.items() if h in accepted for i in found}
    for index, counted in repeated.items():
        if _next_to_furniture(run, index, repeated):
            shown = f"{MAX_COUNTED_SOURCES}+" if counted >= MAX_COUNTED_SOURCES else str(counted)
            run.found[index] = f"repeated in {shown} unrelated sources"
