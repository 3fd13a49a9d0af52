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
from lbdedup.postmatch import group_pairs
from lbdedup.table import BlockTable, result_table

__all__ = ["MIN_RUN_BLOCKS", "find_runs"]

# One repeated block is a duplicate, not a run.
MIN_RUN_BLOCKS = 2
# A cluster with more members than this is a stock line (a footer, "Key events"), too common to start runs.
MAX_RUN_CLUSTER = 256


def _span(blocks: BlockTable, start: int, end: int) -> RunSpan:
    first, last = blocks.refs([start, end])
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
    results = result_table(blocks)
    clusters = results.cluster
    docs = results.blocks.doc.astype(np.int64)
    # A step is a block and the next block of the same source, both in clusters; equal steps (the same two
    # clusters in a row) at two places link those places. Grouping steps by their cluster pair with one
    # sort finds every link without comparing all pairs of places.
    step = np.flatnonzero((docs[:-1] == docs[1:]) & (clusters[:-1] >= 0) & (clusters[1:] >= 0))
    width = int(clusters.max()) + 1
    pair_keys = clusters[step] * width + clusters[step + 1]
    order = np.argsort(pair_keys, kind="stable")
    sorted_keys, sorted_steps = pair_keys[order], step[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]]) if step.size else step
    spread = np.diff(np.r_[starts, len(sorted_keys)])
    wanted = (spread >= 2) & (spread <= MAX_RUN_CLUSTER)
    left, right = group_pairs(starts[wanted], spread[wanted])
    # A link pairs a later place (the copy) with an earlier one (the original) of the same cluster pair.
    later = left > right
    copies, originals = sorted_steps[left[later]], sorted_steps[right[later]]
    apart = originals + 1 != copies
    copies, originals = copies[apart], originals[apart]
    if not copies.size:
        return ()
    # A chain is a maximal run of links on one diagonal (copy - original fixed), copy advancing by one.
    by_diagonal = np.lexsort((copies, copies - originals))
    copies, originals = copies[by_diagonal], originals[by_diagonal]
    follows = np.r_[False, (copies[1:] == copies[:-1] + 1) & (originals[1:] == originals[:-1] + 1)]
    chain_starts = np.flatnonzero(~follows)
    lengths = np.diff(np.r_[chain_starts, len(copies)]) + 1
    copies, originals = copies[chain_starts], originals[chain_starts]
    same_source = docs[copies] == docs[originals]
    lengths = np.where(same_source, np.minimum(lengths, copies - originals), lengths)
    long_enough = lengths >= MIN_RUN_BLOCKS
    copies, originals, lengths = copies[long_enough], originals[long_enough], lengths[long_enough]
    by_length = np.lexsort((originals, copies, -lengths))
    covered = bytearray(count)
    runs: list[tuple[int, int, int]] = []
    for copy, original, length in zip(
        copies[by_length].tolist(), originals[by_length].tolist(), lengths[by_length].tolist(), strict=True
    ):
        window = covered[copy : copy + length]
        if 1 not in window:  # the usual case, all free: the loop below would take it whole
            runs.append((copy, original, length))
            covered[copy : copy + length] = b"\x01" * length
            continue
        if 0 not in window:
            continue
        offset = 0
        while offset < length:
            while offset < length and covered[copy + offset]:
                offset += 1
            start = offset
            while offset < length and not covered[copy + offset]:
                offset += 1
            if offset - start >= MIN_RUN_BLOCKS:
                runs.append((copy + start, original + start, offset - start))
                covered[copy + start : copy + offset] = b"\x01" * (offset - start)
    runs.sort()
    return tuple(
        Run(
            _span(results.blocks, copy, copy + length - 1),
            _span(results.blocks, original, original + length - 1),
            length,
        )
        for copy, original, length in runs
    )
