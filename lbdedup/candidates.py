"""Candidates stage: pairs of blocks that share shingles, found by sorting, never by comparing all pairs.

The (shingle, block) pairs are sorted by shingle; each run of equal shingles is a posting list. A shingle
held by more than ``max_shingle_blocks`` blocks is a stock phrase ("the head of the") and is skipped, so
common shingles cannot blow up the pair count. Pairs are counted by how many shingles they share and kept
when that is a fair part of the smaller block.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from lbdedup.fingerprint import Fingerprints

__all__ = ["CandidatePairs", "candidate_pairs"]

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
BoolArray = npt.NDArray[np.bool_]

# An odd 64-bit constant with good bit spread (from splitmix64) to place hashes in a table.
_MIX = np.uint64(0x9E3779B97F4A7C15)
# About 2**_PART_SIZE_BITS hashes per part when looking for repeated ones (see ``_repeated``).
_PART_SIZE_BITS = 16


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


def _places(hashes: U64, bits: int) -> I64:
    """A place in a table of ``2**bits`` per nonzero hash, the same for equal hashes, distinct for others.

    An open-addressing hash table built with numpy: a few vectorized rounds, each over the hashes still
    without a place, in a table at most half full (``bits`` is chosen so).
    """
    mask = (1 << bits) - 1
    table = np.zeros(1 << bits, dtype=np.uint64)
    mixed = hashes * _MIX
    mixed >>= np.uint64(64 - bits)
    places: I64 = mixed.view(np.int64)
    # First round: every hash claims its place; one of each set of claimants gets it.
    table[places] = hashes
    pending = np.flatnonzero(table[places] != hashes)
    values, tried = hashes[pending], places[pending]
    while len(pending):
        tried = (tried + 1) & mask
        free = table[tried] == 0
        table[tried[free]] = values[free]
        placed = table[tried] == values
        places[pending[placed]] = tried[placed]
        unplaced = ~placed
        pending, values, tried = pending[unplaced], values[unplaced], tried[unplaced]
    return places


def _repeated(hashes: U64) -> I64:
    """The positions of the hashes that occur more than once, grouped by hash, in order within a group.

    Most shingles occur once. The hashes are first split by their top bits (a counting sort keeps each
    part in order of position); equal hashes are then found part by part with a small hash table, which
    stays in the processor's cache. Sorting all the hashes would cost several times more.
    """
    part_bits = min(16, max(0, (len(hashes) >> _PART_SIZE_BITS).bit_length()))
    if part_bits:
        parts = (hashes >> np.uint64(64 - part_bits)).astype(np.uint16)
        order = np.argsort(parts, kind="stable")
        bounds = np.concatenate(([0], np.cumsum(np.bincount(parts, minlength=1 << part_bits))))
        in_order = hashes[order]
    else:
        order = np.arange(len(hashes))
        bounds = np.array([0, len(hashes)])
        in_order = hashes
    groups = [np.empty(0, dtype=np.int64)]
    for low, high in pairwise(bounds.tolist()):
        if high - low < 2:
            continue
        part = in_order[low:high]
        bits = (2 * (high - low)).bit_length()
        places = _places(part, bits)
        # A hash of 0 would look like a free place: such hashes get a place of their own, past the table.
        zeros = part == 0
        if zeros.any():
            places[zeros] = 1 << bits
        repeated = np.flatnonzero(np.bincount(places)[places] > 1)
        if len(repeated):
            # Positions run upwards within a part; a stable sort by place keeps them so within a group.
            grouped = repeated[np.argsort(places[repeated], kind="stable")]
            groups.append(order[low:high][grouped])
    return np.concatenate(groups)


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
    all_blocks = fingerprints.shingle_blocks
    kept = np.flatnonzero(eligible[all_blocks])
    if len(kept) < 2:
        return _empty()
    # Shingles come in block order. A block's shingles that occur only once in the run are all distinct;
    # the others are deduplicated below.
    block_bounds = np.searchsorted(all_blocks, np.arange(len(eligible) + 1))
    distinct_per_block = np.where(eligible, np.diff(block_bounds), 0)
    kept = kept[_repeated(fingerprints.shingle_hashes[kept])]
    hashes, blocks = fingerprints.shingle_hashes[kept], all_blocks[kept]
    new_hash = np.empty(len(hashes), dtype=bool)
    new_hash[:1] = True
    np.not_equal(hashes[1:], hashes[:-1], out=new_hash[1:])
    copy = ~new_hash
    copy[1:] &= blocks[1:] == blocks[:-1]
    if copy.any():
        distinct_per_block -= np.bincount(blocks[copy], minlength=len(eligible))
        hashes, blocks, new_hash = hashes[~copy], blocks[~copy], new_hash[~copy]

    starts = np.flatnonzero(new_hash)
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
    # Two blocks share at most as many shingles as either has in posting lists: most pairs (those made by
    # a phrase or two in common) cannot reach their threshold, and need not be counted.
    in_lists = np.bincount(blocks[_members(starts, sizes)], minlength=len(eligible))
    needed = _needed(distinct_per_block, first, second, min_shared_fraction)
    reachable = np.minimum(in_lists[first], in_lists[second]) >= needed
    first, second = first[reachable], second[reachable]
    keys, shared = np.unique(first * np.int64(len(eligible)) + second, return_counts=True)
    first, second = np.divmod(keys, np.int64(len(eligible)))
    worth = shared >= _needed(distinct_per_block, first, second, min_shared_fraction)
    return CandidatePairs(first[worth], second[worth], shared[worth].astype(np.int64))


def _members(starts: I64, sizes: I64) -> I64:
    """The positions inside the runs that start at ``starts`` and are ``sizes`` long."""
    offsets = np.repeat(starts - (np.cumsum(sizes) - sizes), sizes)
    offsets += np.arange(len(offsets))
    return offsets


def _needed(distinct: I64, first: I64, second: I64, min_shared_fraction: float) -> npt.NDArray[np.float64]:
    """How many shingles each pair must share to be a candidate: a fair part of the smaller block."""
    smaller = np.minimum(distinct[first], distinct[second])
    return np.maximum(1, np.ceil(min_shared_fraction * smaller))
