"""Canonical stage: which member of a cluster is kept, by a named policy."""

from __future__ import annotations

from collections.abc import Sequence

from lbdedup.model import KeepPolicy

__all__ = ["choose_canonical"]


def choose_canonical(
    members: Sequence[int],
    top_group: int,
    group: Sequence[int],
    word_counts: Sequence[int],
    lengths: Sequence[int],
    policy: KeepPolicy = KeepPolicy.LONGEST,
) -> int:
    """The block to keep among ``members`` (block indices in input order).

    ``longest`` keeps the most complete copy (most words, then most characters), ties to the earliest.
    ``first`` keeps the earliest member of the top group, the copies that nothing else in the cluster
    contains, so a truncated excerpt is never kept in place of the full text.

    >>> choose_canonical([0, 1, 2], 1, [0, 1, 1], [5, 9, 9], [30, 50, 52])
    2
    >>> choose_canonical([0, 1, 2], 1, [0, 1, 1], [5, 9, 9], [30, 50, 52], KeepPolicy.FIRST)
    1
    """
    if policy is KeepPolicy.FIRST:
        return min(member for member in members if group[member] == top_group)
    return min(members, key=lambda member: (-word_counts[member], -lengths[member], member))
