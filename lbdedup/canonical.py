"""Canonical stage: which member of a cluster is kept, by a named policy."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from lbdedup.model import KeepPolicy

__all__ = ["WIRE_AGENCIES", "choose_canonical", "completeness", "kept_members"]

# A wire credit a republisher appends ("(Reuters)", "– AFP") adds no content: the copy carrying it is no
# more complete than the original. Matched on normalized text, where the brackets and dashes are gone.
WIRE_AGENCIES = ("reuters", "ap", "afp", "pa", "dpa", "ansa", "upi", "xinhua", "efe", "apa", "anp")
_WIRE_CREDIT = re.compile(rf"(?:^|\s)(?:{'|'.join(WIRE_AGENCIES)})$")


def completeness(normalized: str, word_count: int) -> int:
    """How much a copy says: its words, not counting a wire credit appended at its end.

    >>> completeness("the port shut at midnight reuters", 6), completeness("the port shut at midnight", 5)
    (5, 5)
    """
    # Most texts end with no agency's name at all: one endswith over them all says so without the regex.
    if word_count > 1 and normalized.endswith(WIRE_AGENCIES) and _WIRE_CREDIT.search(normalized[-8:]):
        return word_count - 1
    return word_count


def choose_canonical(
    members: Sequence[int],
    top_group: int,
    group: Sequence[int],
    word_counts: Sequence[int],
    normalized: Sequence[str],
    policy: KeepPolicy = KeepPolicy.LONGEST,
) -> int:
    """The block to keep among ``members`` (block indices in input order).

    ``longest`` keeps the most complete copy (most words, an appended wire credit not counted), ties to the
    earliest: a fixed typo, other quotes or a dropped period do not make a later copy more complete.
    ``first`` keeps the earliest member of the top group, the copies that nothing else in the cluster
    contains, so a truncated excerpt is never kept in place of the full text.

    >>> texts = ["kim arrives", "kim arrives by train", "kim arives by train"]
    >>> choose_canonical([0, 1, 2], 1, [0, 1, 1], [2, 4, 4], texts)
    1
    >>> choose_canonical([0, 1, 2], 1, [0, 1, 1], [2, 4, 5], [*texts[:2], texts[1] + " reuters"])
    1
    >>> choose_canonical([0, 1, 2], 1, [0, 1, 1], [5, 9, 9], texts, KeepPolicy.FIRST)
    1
    """
    if policy is KeepPolicy.FIRST:
        return min(member for member in members if group[member] == top_group)
    ordered = sorted(members)
    best = ordered[0]
    best_text = normalized[best]
    best_score = completeness(best_text, word_counts[best])
    for member in ordered[1:]:
        text = normalized[member]
        # An exact copy of the best so far is never more complete, and ties go to the earliest.
        if text == best_text:
            continue
        score = completeness(text, word_counts[member])
        if score > best_score:
            best, best_text, best_score = member, text, score
    return best


def kept_members(
    members: npt.NDArray[np.int64],
    sizes: npt.NDArray[np.int64],
    top_groups: npt.NDArray[np.int64],
    group: npt.NDArray[np.int64],
    content_words: npt.NDArray[np.int64],
    policy: KeepPolicy = KeepPolicy.LONGEST,
) -> npt.NDArray[np.int64]:
    """:func:`choose_canonical` of every cluster at once, from per-block columns: no text.

    ``members`` holds the clusters' blocks one cluster after another (``sizes[c]`` blocks of cluster ``c``);
    ``top_groups[c]`` is cluster ``c``'s top group, ``group`` each block's group and ``content_words`` each
    block's :func:`completeness` (the score of ``longest``: equal texts score equal, so no text is compared).

    >>> members, sizes, tops = np.array([0, 1, 2, 3, 4]), np.array([3, 2]), np.array([1, 3])
    >>> groups, words = np.array([0, 1, 1, 3, 4]), np.array([2, 4, 4, 1, 3])
    >>> kept_members(members, sizes, tops, groups, words).tolist()
    [1, 4]
    >>> kept_members(members, sizes, tops, groups, words, KeepPolicy.FIRST).tolist()
    [1, 3]
    """
    if not len(members):
        return np.zeros(0, dtype=np.int64)
    cluster_of = np.repeat(np.arange(len(sizes)), sizes)
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    if policy is KeepPolicy.FIRST:
        in_top = group[members] == top_groups[cluster_of]
        if not np.logical_or.reduceat(in_top, starts).all():
            raise ValueError("a cluster has no member of its top group")
        # The earliest member of the top group: the others are put past every block.
        firsts: npt.NDArray[np.int64] = np.minimum.reduceat(
            np.where(in_top, members, np.iinfo(np.int64).max), starts
        )
        return firsts.astype(np.int64)
    # The most complete copy, ties to the earliest: each cluster sorted by score down, then position.
    best: npt.NDArray[np.int64] = members[np.lexsort((members, -content_words[members], cluster_of))[starts]]
    return best
