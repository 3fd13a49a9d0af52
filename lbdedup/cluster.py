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

__all__ = ["Clustering", "ContainedEdge", "cluster_blocks"]


@dataclass(frozen=True, slots=True)
class ContainedEdge:
    """Block ``part`` is contained in block ``whole`` with the given score."""

    part: int
    whole: int
    score: float


@dataclass(frozen=True, slots=True)
class Clustering:
    """For every block: its exact/near ``group`` and its final ``cluster`` (both named by a block index)."""

    group: tuple[int, ...]
    cluster: tuple[int, ...]


def _find(parent: list[int], item: int) -> int:
    root = item
    while parent[root] != root:
        root = parent[root]
    while parent[item] != root:
        parent[item], item = root, parent[item]
    return root


def _union(parent: list[int], a: int, b: int) -> None:
    root_a, root_b = _find(parent, a), _find(parent, b)
    if root_a != root_b:
        # The smaller index wins, so the result does not depend on the order of the pairs.
        low, high = sorted((root_a, root_b))
        parent[high] = low


def cluster_blocks(
    exact_representative: Sequence[int],
    near_pairs: Iterable[tuple[int, int]],
    contained_edges: Iterable[ContainedEdge],
    word_counts: Sequence[int],
    content_words: Sequence[int] | npt.NDArray[np.int64] | None = None,
) -> Clustering:
    """Group blocks: ``exact_representative[i]`` is the first block with block i's exact text.

    A contained group attaches to a container group with more words: the best match, then the one that says
    most (``content_words``: the word counts without an appended wire credit, by default the word counts),
    then the earliest.

    >>> c = cluster_blocks([0, 1, 1, 3], [(0, 3)], [ContainedEdge(1, 0, 0.95)], [9, 4, 4, 9])
    >>> c.group, c.cluster
    ((0, 1, 1, 0), (0, 0, 0, 0))
    """
    parent = list(exact_representative)
    for a, b in near_pairs:
        _union(parent, a, b)
    group = _roots(np.asarray(parent, dtype=np.int64))
    weight = np.zeros(len(group), dtype=np.int64)
    np.maximum.at(weight, group, np.asarray(word_counts, dtype=np.int64))
    if content_words is None:
        content_list = weight.tolist()
    else:
        content = np.zeros(len(group), dtype=np.int64)
        np.maximum.at(content, group, np.asarray(content_words, dtype=np.int64))
        content_list = content.tolist()
    group_list = group.tolist()
    weight_list = weight.tolist()

    best: dict[int, tuple[float, int, int]] = {}
    for edge in contained_edges:
        part_group, whole_group = group_list[edge.part], group_list[edge.whole]
        if part_group == whole_group or weight_list[whole_group] <= weight_list[part_group]:
            continue
        current = best.get(part_group)
        candidate = (-edge.score, -content_list[whole_group], whole_group)
        if current is None or candidate < current:
            best[part_group] = candidate

    # Each contained group points at its container group; the attachments form a forest, whose roots are tops.
    container = np.arange(len(group), dtype=np.int64)
    if best:
        container[list(best)] = [whole for _, _, whole in best.values()]
    return Clustering(group=tuple(group_list), cluster=tuple(_roots(container)[group].tolist()))


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
