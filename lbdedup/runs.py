"""Syndicated runs: consecutive blocks of one source that repeat consecutive blocks of another.

A scraper republishing a post, an outlet copying four wire paragraphs in a row, a pinned post shown again:
each is one run, reported as ranges (``b.txt:40-58 = a.txt:12-30``) rather than block by block. A run pairs
block i of the copy with block j of the original, i+1 with j+1 and so on, each pair in one cluster; the
original is the earlier of the two in input order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

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
    clusters = [item.cluster for item in blocks]
    sizes = Counter(cluster for cluster in clusters if cluster is not None)
    members: dict[int, list[int]] = {}
    for position, cluster in enumerate(clusters):
        if cluster is not None and 1 < sizes[cluster] <= MAX_RUN_CLUSTER:
            members.setdefault(cluster, []).append(position)

    def follows(position: int) -> bool:
        """True when the block at ``position + 1`` is the next block of the same source."""
        return position + 1 < count and blocks[position + 1].block.doc == blocks[position].block.doc

    links: set[tuple[int, int]] = set()
    for position in range(count - 1):
        cluster, following = clusters[position], clusters[position + 1]
        if cluster not in members or following not in members or not follows(position):
            continue
        for other in members[cluster]:
            if (
                other < position
                and follows(other)
                and clusters[other + 1] == following
                and other + 1 != position
            ):
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
                for step in range(start, offset):
                    covered[copy + step] = True
    runs.sort()
    return tuple(
        Run(_span(blocks, copy, copy + length - 1), _span(blocks, original, original + length - 1), length)
        for copy, original, length in runs
    )
