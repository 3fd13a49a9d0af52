"""Syndicated runs: consecutive blocks of one source that repeat consecutive blocks of another.

A scraper republishing a post, an outlet copying four wire paragraphs in a row, a pinned post shown again:
each is one run, reported as ranges (``b.txt:40-58 = a.txt:12-30``) rather than block by block. A run pairs
block i of the copy with block j of the original, i+1 with j+1 and so on, each pair in one cluster; the
original is the earlier of the two in input order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lbdedup.model import BlockResult, Run, RunSpan

__all__ = ["MIN_RUN_BLOCKS", "find_runs"]

# One repeated block is a duplicate, not a run.
MIN_RUN_BLOCKS = 2
# A cluster with more members than this is a stock line (a footer, "Key events"), too common to start runs.
MAX_RUN_CLUSTER = 256


def _span(blocks: Sequence[BlockResult], start: int, end: int) -> RunSpan:
    first, last = blocks[start].block, blocks[end].block
    return RunSpan(first.source, first.index, last.index, first.line_start, last.line_end)


def find_runs(blocks: Sequence[BlockResult]) -> tuple[Run, ...]:
    """The syndicated runs among ``blocks`` (all sources, in input order), longest first per copied block.

    Each block of a copy belongs to at most one run: where several originals fit, the longest run wins,
    ties to the earliest original.

    >>> from lbdedup.model import Block, BlockKind, Status
    >>> def r(doc, index, cluster):
    ...     block = Block(doc, "ab"[doc] + ".txt", index, index + 1, index + 1, BlockKind.PARAGRAPH, "x")
    ...     return BlockResult(block, Status.UNIQUE if cluster is None else Status.DUPLICATE, cluster)
    >>> [str(run) for run in find_runs([r(0, 0, 1), r(0, 1, 2), r(1, 0, None), r(1, 1, 1), r(1, 2, 2)])]
    ['b.txt:2-3 = a.txt:1-2']
    """
    count = len(blocks)
    if count < 2:
        return ()
    clusters = np.fromiter(
        (-1 if item.cluster is None else item.cluster for item in blocks), dtype=np.int64, count=count
    )
    docs = np.fromiter((item.block.doc for item in blocks), dtype=np.int64, count=count)
    # A step is a block and the next block of the same source, both in clusters; equal steps (the same two
    # clusters in a row) at two places link those places. Grouping steps by their cluster pair with one
    # sort finds every link without comparing all pairs of places.
    step = np.flatnonzero((docs[:-1] == docs[1:]) & (clusters[:-1] >= 0) & (clusters[1:] >= 0))
    width = int(clusters.max()) + 1 if count else 1
    pair_keys = clusters[step] * width + clusters[step + 1]
    order = np.argsort(pair_keys, kind="stable")
    sorted_keys, sorted_steps = pair_keys[order], step[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    ends = np.r_[starts[1:], len(sorted_keys)]
    spread = ends - starts
    wanted = (spread >= 2) & (spread <= MAX_RUN_CLUSTER)
    places = sorted_steps.tolist()
    links: set[tuple[int, int]] = set()
    for begin, stop in zip(starts[wanted].tolist(), ends[wanted].tolist(), strict=False):
        group = places[begin:stop]
        for later_at, position in enumerate(group):
            for other in group[:later_at]:
                if other + 1 != position:
                    links.add((position, other))
    chains: list[tuple[int, int, int]] = []
    for copy, original in links:
        if (copy - 1, original - 1) in links:
            continue
        length = 1
        while (copy + length - 1, original + length - 1) in links:
            length += 1
        if blocks[copy].block.doc == blocks[original].block.doc:
            length = min(length, copy - original)
        if length >= MIN_RUN_BLOCKS:
            chains.append((copy, original, length))
    chains.sort(key=lambda chain: (-chain[2], chain[0], chain[1]))
    covered = [False] * count
    runs: list[tuple[int, int, int]] = []
    for copy, original, length in chains:
        offset = 0
        while offset < length:
            while offset < length and covered[copy + offset]:
                offset += 1
            start = offset
            while offset < length and not covered[copy + offset]:
                offset += 1
            if offset - start >= MIN_RUN_BLOCKS:
                runs.append((copy + start, original + start, offset - start))
                for taken in range(start, offset):
                    covered[copy + taken] = True
    runs.sort()
    return tuple(
        Run(_span(blocks, copy, copy + length - 1), _span(blocks, original, original + length - 1), length)
        for copy, original, length in runs
    )
