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

__all__ = [
    "Overlaps",
    "PostKey",
    "block_columns",
    "exact_representatives",
    "merge_repeated_meta",
    "post_arrays",
    "post_overlaps",
    "repeats",
]

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
    post_ids: npt.NDArray[np.int64],
    post_keys: Sequence[PostKey],
    clusters: npt.NDArray[np.int64],
    is_meta: npt.NDArray[np.bool_],
    is_heading: npt.NDArray[np.bool_],
) -> Overlaps:
    """For each post P and other post Q: how many of P's non-meta blocks have a copy in Q; sizes; headlines.

    Per block: ``post_ids`` indexes ``post_keys`` (-1: no post), ``clusters`` names its cluster (-1: none).
    Vectorized: one pass of numpy sorting, then a loop over the clusters shared by several posts only.

    >>> ids, cl = np.array([0, 0, 1, 1]), np.array([5, 6, 5, 6])
    >>> flags, heads = np.zeros(4, dtype=bool), np.array([True, False, True, False])
    >>> found = post_overlaps(ids, [(0, 1), (0, 2)], cl, flags, heads)
    >>> found.shared[(0, 1)], found.sizes[(0, 2)], found.headlines[(0, 2)]
    ({(0, 2): 2}, 2, 5)
    """
    valid = (post_ids >= 0) & ~is_meta
    positions = np.flatnonzero(valid)
    ids, cluster_of = post_ids[positions], clusters[positions]
    sizes: Counter[PostKey] = Counter()
    for post, size in enumerate(np.bincount(ids, minlength=len(post_keys)).tolist()):
        if size:
            sizes[post_keys[post]] = size
    headlines: dict[PostKey, int] = {}
    opened, first = np.unique(ids, return_index=True)
    for post, at in zip(opened.tolist(), first.tolist(), strict=False):
        position = int(positions[at])
        if is_heading[position]:
            cluster = int(cluster_of[at])
            headlines[post_keys[post]] = cluster if cluster >= 0 else -1 - position
    shared: dict[PostKey, dict[PostKey, int]] = {}
    copied = cluster_of >= 0
    ids, cluster_of = ids[copied], cluster_of[copied]
    if not ids.size:
        return Overlaps(shared, sizes, headlines)
    _, inverse, counts = np.unique(cluster_of, return_inverse=True, return_counts=True)
    repeated = counts[inverse.reshape(-1)] > 1
    ids, cluster_of = ids[repeated], cluster_of[repeated]
    width = max(len(post_keys), 1)
    pairs, blocks_in = np.unique(cluster_of.astype(np.int64) * width + ids, return_counts=True)
    pair_cluster, pair_post = pairs // width, pairs % width
    if not pairs.size:
        return Overlaps(shared, sizes, headlines)
    starts = np.flatnonzero(np.r_[True, pair_cluster[1:] != pair_cluster[:-1]])
    ends = np.r_[starts[1:], len(pairs)]
    spread = ends - starts
    wanted = (spread >= 2) & (spread <= MAX_CLUSTER_POSTS)
    post_list, count_list = pair_post.tolist(), blocks_in.tolist()
    for begin, stop in zip(starts[wanted].tolist(), ends[wanted].tolist(), strict=False):
        holders = [post_keys[post] for post in post_list[begin:stop]]
        for post, count in zip(holders, count_list[begin:stop], strict=False):
            row = shared.setdefault(post, {})
            for other in holders:
                if other != post:
                    row[other] = row.get(other, 0) + count
    return Overlaps(shared, sizes, headlines)


def post_arrays(
    posts: Sequence[PostKey | None],
) -> tuple[npt.NDArray[np.int64], list[PostKey]]:
    """Posts as ids for :func:`post_overlaps`: an id per block (-1 for None) and the key of each id.

    >>> post_arrays([(0, 1), (0, 1), None, (1, 0)])
    (array([ 0,  0, -1,  1]), [(0, 1), (1, 0)])
    """
    index: dict[PostKey, int] = {}
    ids = np.fromiter(
        (-1 if post is None else index.setdefault(post, len(index)) for post in posts),
        dtype=np.int64,
        count=len(posts),
    )
    return ids, list(index)


def block_columns(
    blocks: Sequence[Block],
) -> tuple[npt.NDArray[np.int64], list[PostKey], npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Per block, in one pass: its post id (indexing the returned post keys), is it meta, is it a heading.

    >>> from lbdedup.model import BlockKind
    >>> ids, keys, meta, heading = block_columns([Block(0, "a", 0, 1, 1, BlockKind.HEADING, "Hi", post=2)])
    >>> ids.tolist(), keys, meta.tolist(), heading.tolist()
    ([0], [(0, 2)], [False], [True])
    """
    index: dict[PostKey, int] = {}
    ids: list[int] = []
    meta: list[bool] = []
    heading: list[bool] = []
    heading_kind = BlockKind.HEADING
    for block in blocks:
        kind = block.kind
        ids.append(index.setdefault((block.doc, block.post), len(index)))
        meta.append(kind in META_KINDS)
        heading.append(kind is heading_kind)
    return (
        np.array(ids, dtype=np.int64),
        list(index),
        np.array(meta, dtype=bool),
        np.array(heading, dtype=bool),
    )


def repeats(overlaps: Overlaps) -> list[tuple[PostKey, PostKey]]:
    """Pairs (P, Q) where P repeats Q: the same headline, or (when one has none) most of P's blocks in Q.

    Two posts with different headlines are different posts, however many sentences they share (a breaking
    post that quotes the summary is not the summary).

    >>> overlaps = Overlaps({(0, 1): {(0, 2): 2}, (0, 2): {(0, 1): 2}}, Counter({(0, 1): 2, (0, 2): 5}), {})
    >>> repeats(overlaps)
    [((0, 1), (0, 2))]
    """
    found = []
    for post, row in overlaps.shared.items():
        headline = overlaps.headlines.get(post)
        for other, shared in row.items():
            other_headline = overlaps.headlines.get(other)
            if headline is not None and other_headline is not None:
                if headline == other_headline:
                    found.append((post, other))
            elif 2 * shared > overlaps.sizes[post]:
                found.append((post, other))
    found.sort(key=lambda pair: (pair[0][0], pair[0][1] or 0, pair[1][0], pair[1][1] or 0))
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
    parent = {index: index for index in meta}
    first_of: dict[tuple[PostKey, str, str], int] = {}
    holders: dict[tuple[str, str], set[PostKey]] = {}
    for index in meta:
        block = blocks[index]
        post: PostKey = (block.doc, block.post)
        line = (block.kind.value, keys[index])
        first = first_of.setdefault((post, *line), index)
        if first != index:
            parent[_find(parent, index)] = _find(parent, first)
        holders.setdefault(line, set()).add(post)
    # Only posts holding a meta line that another post holds too can gain a merge: the others are skipped.
    sharing = {post for posts in holders.values() if len(posts) > 1 for post in posts}
    repeated: set[tuple[PostKey, PostKey]] = set()
    if sharing:
        ids, post_keys, is_meta, is_heading = block_columns(blocks)
        wanted = np.fromiter((key in sharing for key in post_keys), dtype=bool, count=len(post_keys))
        ids = np.where(wanted[ids], ids, -1)
        overlaps = post_overlaps(ids, post_keys, np.asarray(cluster, dtype=np.int64), is_meta, is_heading)
        repeated = {pair for pair in repeats(overlaps) if pair[0][1] is not None}
    by_post: dict[PostKey, list[int]] = {}
    for index in meta:
        by_post.setdefault((blocks[index].doc, blocks[index].post), []).append(index)
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
