"""Cluster stage: verified pairs to clusters, deterministically.

Exact and near matches are symmetric, so they are unioned into groups. Containment is not: a short excerpt is
a copy of its container, but two long paragraphs that both contain the same stock sentence are not copies of
each other. So each group that is contained somewhere attaches to one container group only (the best match,
then the one that says most, then the earliest), and only to a group with more words, which makes the
attachments a forest.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from lbdedup.postmatch import component_minimum

__all__ = ["Clustering", "ContainedEdge", "cluster_blocks"]


@dataclass(frozen=True, slots=True)
class ContainedEdge:
    """Block ``part`` is contained in block ``whole`` with the given score."""

    part: int
    whole: int
    score: float


@dataclass(frozen=True, slots=True, eq=False)
class Clustering:
    """For every block: its exact/near ``group`` and its final ``cluster`` (both named by a block index)."""

    group: npt.NDArray[np.int64]
    cluster: npt.NDArray[np.int64]


def cluster_blocks(
    exact_representative: Sequence[int] | npt.NDArray[np.int64],
    near_pairs: Iterable[tuple[int, int]],
    contained_edges: Iterable[ContainedEdge],
    word_counts: Sequence[int] | npt.NDArray[np.int64],
    content_words: Sequence[int] | npt.NDArray[np.int64] | None = None,
) -> Clustering:
    """Group blocks: ``exact_representative[i]`` is the first block with block i's exact text.

    A contained group attaches to a container group with more words: the best match, then the one that says
    most (``content_words``: the word counts without an appended wire credit, by default the word counts),
    then the earliest. Arrays over all blocks, no Python object per block.

    >>> c = cluster_blocks([0, 1, 1, 3], [(0, 3)], [ContainedEdge(1, 0, 0.95)], [9, 4, 4, 9])
    >>> c.group.tolist(), c.cluster.tolist()
    ([0, 1, 1, 0], [0, 0, 0, 0])
    """
    representative = np.asarray(exact_representative, dtype=np.int64)
    count = len(representative)
    pairs = np.array(list(near_pairs), dtype=np.int64).reshape(-1, 2)
    # Each block joined to its exact group's first block and to its near copies: each group is named by its
    # smallest block, as a union-find keeping the smaller root names it, whatever the order of the pairs.
    group = component_minimum(
        count,
        np.concatenate([np.arange(count, dtype=np.int64), pairs[:, 0]]),
        np.concatenate([representative, pairs[:, 1]]),
    )
    weight = np.zeros(count, dtype=np.int64)
    np.maximum.at(weight, group, np.asarray(word_counts, dtype=np.int64).reshape(-1))
    if content_words is None:
        content = weight
    else:
        content = np.zeros(count, dtype=np.int64)
        np.maximum.at(content, group, np.asarray(content_words, dtype=np.int64).reshape(-1))

    edges = list(contained_edges)
    parts = np.fromiter((edge.part for edge in edges), dtype=np.int64, count=len(edges))
    wholes = np.fromiter((edge.whole for edge in edges), dtype=np.int64, count=len(edges))
    scores = np.fromiter((edge.score for edge in edges), dtype=np.float64, count=len(edges))
    part_groups, whole_groups = group[parts], group[wholes]
    valid = (part_groups != whole_groups) & (weight[whole_groups] > weight[part_groups])
    part_groups, whole_groups, scores = part_groups[valid], whole_groups[valid], scores[valid]
    # Per contained group, its best container group: the best match, then the one that says most, then the
    # earliest. The attachments (to groups with more words only) form a forest, whose roots are tops.
    order = np.lexsort((whole_groups, -content[whole_groups], -scores, part_groups))
    firsts = order[np.r_[True, part_groups[order][1:] != part_groups[order][:-1]]] if order.size else order
    container = np.arange(count, dtype=np.int64)
    container[part_groups[firsts]] = whole_groups[firsts]
    return Clustering(group=group, cluster=_roots(container)[group])


def _roots(parent: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The root of every item of a forest given by ``parent`` (a root is its own parent), by pointer jumping.

    >>> _roots(np.array([0, 0, 1, 3, 3])).tolist()
    [0, 0, 0, 3, 3]
    """
    while True:
        grand = parent[parent]
        if np.array_equal(grand, parent):
            return parent
        parent = grand
