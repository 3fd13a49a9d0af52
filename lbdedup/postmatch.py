"""Which posts repeat which, and the meta-line rule that follows from it (DESIGN.md, "post").

A timestamp or byline says nothing by itself: "16.56 BST" on two different posts are two facts, equal or not.
So meta lines never match through the ordinary exact/near/contained stages. Once the other blocks are
clustered, a post whose non-meta blocks are mostly copies of one other post's blocks is a repeat of it (a
pinned post shown again, a snapshot's copy), and only then are its meta lines merged with that post's equal
meta lines. Equal meta lines inside one post (a byline printed twice) are a doubling and merge too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from lbdedup.model import META_KINDS, Block, BlockKind

__all__ = ["Overlaps", "PostKey", "exact_representatives", "merge_repeated_meta", "post_overlaps", "repeats"]

PostKey = tuple[int, "int | None"]
"""A post: (document position, post number); post None stands for a document without posts."""

# A cluster spread over more posts than this is a stock phrase ("Key events"), not evidence of a repeat.
MAX_CLUSTER_POSTS = 64


def exact_representatives(
    exact: npt.NDArray[np.uint64], is_meta: npt.NDArray[np.bool_]
) -> npt.NDArray[np.int64]:
    """For every block, the first block with the same exact hash; meta lines are their own representative.

    >>> meta = np.array([False, False, True, True])
    >>> exact_representatives(np.array([7, 7, 9, 9], dtype=np.uint64), meta).tolist()
    [0, 0, 2, 3]
    """
    count = len(exact)
    representative = np.arange(count, dtype=np.int64)
    content = np.flatnonzero(~is_meta)
    if content.size:
        _, first, inverse = np.unique(exact[content], return_index=True, return_inverse=True)
        representative[content] = content[first[inverse.reshape(-1)]]
    return representative


@dataclass(frozen=True, slots=True)
class Overlaps:
    """How posts share blocks: ``shared[P][Q]`` of P's non-meta blocks have a copy in Q; P has ``sizes[P]``.

    ``headlines[P]`` names the cluster of P's headline (its first non-meta block, when a heading), or a
    negative number unique to that block when it has no copy.
    """

    shared: dict[PostKey, dict[PostKey, int]]
    sizes: Counter[PostKey]
    headlines: dict[PostKey, int]


def post_overlaps(
    posts: Sequence[PostKey | None],
    clusters: Sequence[int | None],
    is_meta: Sequence[bool],
    is_heading: Sequence[bool],
) -> Overlaps:
    """For each post P and other post Q: how many of P's non-meta blocks have a copy in Q; sizes; headlines.

    >>> found = post_overlaps([(0, 1), (0, 1), (0, 2), (0, 2)], [5, 6, 5, 6], [False] * 4, [True, False] * 2)
    >>> found.shared[(0, 1)], found.sizes[(0, 2)], found.headlines[(0, 2)]
    ({(0, 2): 2}, 2, 5)
    """
    sizes: Counter[PostKey] = Counter()
    headlines: dict[PostKey, int] = {}
    opened: set[PostKey] = set()
    for position, (post, cluster, meta, heading) in enumerate(
        zip(posts, clusters, is_meta, is_heading, strict=False)
    ):
        if post is None or meta or post in opened:
            continue
        opened.add(post)
        if heading:
            headlines[post] = cluster if cluster is not None else -1 - position
    cluster_sizes = Counter(
        c for c, meta in zip(clusters, is_meta, strict=False) if c is not None and not meta
    )
    members: dict[int, list[PostKey]] = {}
    for post, cluster, meta in zip(posts, clusters, is_meta, strict=False):
        if post is None or meta:
            continue
        sizes[post] += 1
        if cluster is not None and cluster_sizes[cluster] > 1:
            found = members.setdefault(cluster, [])
            if post not in found:
                found.append(post)
    overlaps: dict[PostKey, dict[PostKey, int]] = {}
    for post, cluster, meta in zip(posts, clusters, is_meta, strict=False):
        if post is None or meta or cluster is None:
            continue
        holders = members.get(cluster)
        if holders is None or len(holders) < 2 or len(holders) > MAX_CLUSTER_POSTS:
            continue
        row = overlaps.setdefault(post, {})
        for other in holders:
            if other != post:
                row[other] = row.get(other, 0) + 1
    return Overlaps(overlaps, sizes, headlines)


def repeats(overlaps: Overlaps) -> list[tuple[PostKey, PostKey]]:
    """Pairs (P, Q) where P repeats Q: the same headline, or (when one has none) most of P's blocks in Q.

    Two posts with different headlines are different posts, however many sentences they share (a breaking
    post that quotes the summary is not the summary).

    >>> overlaps = Overlaps({(0, 1): {(0, 2): 2}, (0, 2): {(0, 1): 2}}, Counter({(0, 1): 2, (0, 2): 5}), {})
    >>> repeats(overlaps)
    [((0, 1), (0, 2))]
    """
    found = []
    for post, row in sorted(overlaps.shared.items(), key=lambda item: (item[0][0], item[0][1] or 0)):
        headline = overlaps.headlines.get(post)
        for other, shared in sorted(row.items(), key=lambda item: (item[0][0], item[0][1] or 0)):
            other_headline = overlaps.headlines.get(other)
            if headline is not None and other_headline is not None:
                if headline == other_headline:
                    found.append((post, other))
            elif 2 * shared > overlaps.sizes[post]:
                found.append((post, other))
    return found


def _find(parent: dict[int, int], item: int) -> int:
    while parent[item] != item:
        parent[item] = parent[parent[item]]
        item = parent[item]
    return item


def merge_repeated_meta(
    blocks: Sequence[Block], keys: Sequence[str], group: Sequence[int], cluster: Sequence[int]
) -> tuple[list[int], list[int]]:
    """``group`` and ``cluster`` with meta lines joined where the meta-line rule allows.

    ``keys`` are the normalized texts; meta blocks must come in as singletons (see
    :func:`exact_representatives`). A merged set of meta lines is named by its first block.
    """
    meta = [index for index, block in enumerate(blocks) if block.kind in META_KINDS]
    group, cluster = list(group), list(cluster)
    if not meta:
        return group, cluster
    posts: list[PostKey] = [(block.doc, block.post) for block in blocks]
    is_meta = [block.kind in META_KINDS for block in blocks]
    parent = {index: index for index in meta}
    first_of: dict[tuple[PostKey, str, str], int] = {}
    for index in meta:
        key = (posts[index], blocks[index].kind.value, keys[index])
        first = first_of.setdefault(key, index)
        if first != index:
            parent[_find(parent, index)] = _find(parent, first)
    is_heading = [block.kind is BlockKind.HEADING for block in blocks]
    overlaps = post_overlaps(posts, cluster, is_meta, is_heading)
    repeated = {pair for pair in repeats(overlaps) if pair[0][1] is not None}
    by_post: dict[PostKey, list[int]] = {}
    for index in meta:
        by_post.setdefault(posts[index], []).append(index)
    for post, other in sorted(
        repeated, key=lambda pair: (pair[0][0], pair[0][1] or 0, pair[1][0], pair[1][1] or 0)
    ):
        for index in by_post.get(post, []):
            partner = first_of.get((other, blocks[index].kind.value, keys[index]))
            if partner is not None:
                root_a, root_b = _find(parent, index), _find(parent, partner)
                if root_a != root_b:
                    low, high = sorted((root_a, root_b))
                    parent[high] = low
    for index in meta:
        root = _find(parent, index)
        group[index] = cluster[index] = root
    return group, cluster
