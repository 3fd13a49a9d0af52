"""Candidates stage: pairs of blocks that share shingles, found by sorting, never by comparing all pairs.

The (shingle, block) pairs are sorted by shingle; each run of equal shingles is a posting list. A shingle
held by more than ``max_shingle_blocks`` blocks is a stock phrase ("the head of the") and is skipped, so
common shingles cannot blow up the pair count. Pairs are counted by how many shingles they share and kept
when that is a fair part of the smaller block.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from lbdedup.fingerprint import Fingerprints

__all__ = ["CandidatePairs", "candidate_pairs"]

I64 = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class CandidatePairs:
    """Block index pairs ``first[i] < second[i]`` sharing ``shared[i]`` distinct shingles."""

    first: I64
    second: I64
    shared: I64

    def __len__(self) -> int:
        return len(self.first)


def _empty() -> CandidatePairs:
    nothing = np.empty(0, dtype=np.int64)
    return CandidatePairs(nothing, nothing, nothing)


def candidate_pairs(
    fingerprints: Fingerprints,
    eligible: BoolArray,
    max_shingle_blocks: int = 64,
    min_shared_fraction: float = 0.3,
) -> CandidatePairs:
    """Pairs of eligible blocks worth verifying.

    >>> from lbdedup.fingerprint import fingerprint
    >>> fp = fingerprint(["a b c d e f", "a b c d e g", "x y z w v u"], shingle_size=3)
    >>> pairs = candidate_pairs(fp, np.ones(3, dtype=bool))
    >>> pairs.first.tolist(), pairs.second.tolist(), pairs.shared.tolist()
    ([0], [1], [3])
    """
    keep = eligible[fingerprints.shingle_blocks]
    hashes = fingerprints.shingle_hashes[keep]
    blocks = fingerprints.shingle_blocks[keep]
    if len(hashes) < 2:
        return _empty()
    order = np.lexsort((blocks, hashes))
    hashes, blocks = hashes[order], blocks[order]
    distinct = np.ones(len(hashes), dtype=bool)
    distinct[1:] = (hashes[1:] != hashes[:-1]) | (blocks[1:] != blocks[:-1])
    hashes, blocks = hashes[distinct], blocks[distinct]
    distinct_per_block = np.bincount(blocks, minlength=len(eligible))

    starts = np.flatnonzero(np.concatenate(([True], hashes[1:] != hashes[:-1])))
    sizes = np.diff(np.append(starts, len(hashes)))
    useful = (sizes >= 2) & (sizes <= max_shingle_blocks)
    starts, sizes = starts[useful], sizes[useful]
    if not len(starts):
        return _empty()

    firsts: list[I64] = []
    seconds: list[I64] = []
    for size in np.unique(sizes).tolist():
        group_starts = starts[sizes == size]
        members = blocks[group_starts[:, None] + np.arange(size)]
        upper_a, upper_b = np.triu_indices(size, k=1)
        firsts.append(members[:, upper_a].ravel())
        seconds.append(members[:, upper_b].ravel())
    first = np.concatenate(firsts)
    second = np.concatenate(seconds)
    keys, shared = np.unique(first * np.int64(len(eligible)) + second, return_counts=True)
    first, second = np.divmod(keys, np.int64(len(eligible)))
    smaller = np.minimum(distinct_per_block[first], distinct_per_block[second])
    worth = shared >= np.maximum(1, np.ceil(min_shared_fraction * smaller))
    return CandidatePairs(first[worth], second[worth], shared[worth].astype(np.int64))
