"""Candidates stage: pairs of blocks that share shingles, found by grouping, never by comparing all pairs.

The (shingle, block) pairs are grouped by shingle (see ``_repeated``); each group is a posting list. A shingle
held by more than ``max_shingle_blocks`` blocks is a stock phrase ("the head of the") and is skipped, so
common shingles cannot blow up the pair count. Pairs are counted by how many shingles they share and kept
when that is a fair part of the smaller block.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from lbdedup.arrays import positions_in_runs
from lbdedup.fingerprint import Fingerprints

__all__ = ["CandidatePairs", "candidate_pairs"]

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
U64 = npt.NDArray[np.uint64]
BoolArray = npt.NDArray[np.bool_]

# An odd 64-bit constant with good bit spread (from splitmix64) to place hashes in a table.
_MIX = np.uint64(0x9E3779B97F4A7C15)
# About 2**_PART_SIZE_BITS shingles per part when looking for repeated ones, split off _SLICE at a time
# (see ``_parts``).
_PART_SIZE_BITS = 16
_SLICE = 1 << 18
# Repeats of a shingle inside one block are dropped up front when more than one shingle in this many repeats.
REPEATS_WORTH_DROPPING = 64


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


def _places(hashes: U64, table: U64) -> I64:
    """A place in ``table`` per nonzero hash, the same for equal hashes, distinct for others.

    An open-addressing hash table built with numpy: a few vectorized rounds, each over the hashes still
    without a place. ``table`` is zeros, more than twice as long as ``hashes``, and a power of two long.
    """
    mask = len(table) - 1
    mixed = hashes * _MIX
    mixed >>= np.uint64(64 - mask.bit_length())
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


def _parts(hashes: U64, blocks: I64, eligible: BoolArray) -> Iterator[tuple[U64, I32]]:
    """The shingles of eligible blocks, split by the top bits of their hashes, each part in block order.

    One sequential pass, slice by slice: each slice is split in the cache (a stable counting sort), and
    its pieces are added to their parts. Gathering a part from all over the arrays would cost a memory
    access per shingle. The parts are joined one at a time, as they are asked for: all of them at once
    would hold a second copy of the shingles.
    """
    bits = min(8, max(0, (len(hashes) >> _PART_SIZE_BITS).bit_length()))
    pieces: list[list[tuple[U64, I32]]] = [[] for _ in range(1 << bits)]
    for low in range(0, len(hashes), _SLICE):
        keep = eligible[blocks[low : low + _SLICE]]
        slice_hashes = hashes[low : low + _SLICE][keep]
        # Block numbers in 32 bits: this copy of the shingles is the largest thing the stage holds.
        slice_blocks = blocks[low : low + _SLICE][keep].astype(np.int32)
        if not bits:
            pieces[0].append((slice_hashes, slice_blocks))
            continue
        part = (slice_hashes >> np.uint64(64 - bits)).astype(np.uint8)
        order = np.argsort(part, kind="stable")
        slice_hashes, slice_blocks = slice_hashes[order], slice_blocks[order]
        cuts = np.concatenate(([0], np.cumsum(np.bincount(part, minlength=1 << bits)))).tolist()
        for index, (start, end) in enumerate(pairwise(cuts)):
            if end > start:
                pieces[index].append((slice_hashes[start:end], slice_blocks[start:end]))
    for index, part in enumerate(pieces):
        pieces[index] = []
        if part:
            part_hashes, part_blocks = zip(*part, strict=True)
            yield np.concatenate(part_hashes), np.concatenate(part_blocks)


def _repeated(hashes: U64, blocks: I64, eligible: BoolArray) -> tuple[U64, I32]:
    """The shingles of eligible blocks whose hash occurs more than once, grouped by hash.

    Within a group, they come in block order. Most shingles occur once. The shingles are split by the top
    bits of their hashes (see ``_parts``); equal hashes are then found part by part with a small hash
    table, which stays in the processor's cache. Sorting all the hashes would cost several times more.
    """
    found_hashes = [np.empty(0, dtype=np.uint64)]
    found_blocks: list[I32] = [np.empty(0, dtype=np.int32)]
    table = np.empty(0, dtype=np.uint64)
    for part_hashes, part_blocks in _parts(hashes, blocks, eligible):
        size = 1 << (2 * len(part_hashes)).bit_length()
        if len(table) < size:
            table = np.empty(size, dtype=np.uint64)
        table[:size] = 0
        places = _places(part_hashes, table[:size])
        # A hash of 0 would look like a free place: such hashes get a place of their own, past the table.
        zeros = part_hashes == 0
        if zeros.any():
            places[zeros] = size
        repeated = np.flatnonzero(np.bincount(places)[places] > 1)
        # The shingles of a part run in block order; a stable sort by place keeps them so within a group.
        repeated = repeated[np.argsort(places[repeated], kind="stable")]
        found_hashes.append(part_hashes[repeated])
        found_blocks.append(part_blocks[repeated])
    return np.concatenate(found_hashes), np.concatenate(found_blocks)


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
    all_hashes = fingerprints.shingle_hashes
    all_blocks = fingerprints.shingle_blocks
    # Shingles come in block order. A block's shingles that occur only once in the run are all distinct;
    # the others are deduplicated below.
    distinct_per_block = np.where(eligible, np.bincount(all_blocks, minlength=len(eligible)), 0)
    # A shingle equal to the one before it in the same block (a block of "y y y y ...", as `yes` prints)
    # is dropped now: millions of them would make every step below as large.
    again = np.flatnonzero((all_hashes[1:] == all_hashes[:-1]) & (all_blocks[1:] == all_blocks[:-1])) + 1
    # Only where they are many: copying the columns costs 16 bytes a shingle of the whole run (80 MB of peak
    # memory on 40 MB of news, where such repeats are a handful and the steps below deduplicate them anyway).
    if len(again) * REPEATS_WORTH_DROPPING > len(all_hashes):
        distinct_per_block -= np.where(eligible, np.bincount(all_blocks[again], minlength=len(eligible)), 0)
        kept = np.ones(len(all_hashes), dtype=bool)
        kept[again] = False
        all_hashes, all_blocks = all_hashes[kept], all_blocks[kept]
    hashes, blocks = _repeated(all_hashes, all_blocks, eligible)
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

    # Two blocks share at most as many shingles as either has in posting lists: most pairs (those made by
    # a phrase or two in common) cannot reach their threshold, and need not be counted.
    in_lists = np.bincount(blocks[positions_in_runs(starts, sizes)], minlength=len(eligible)).astype(np.int32)
    # What a pair must share is a fair part of its smaller block: the smaller of what each block needs.
    needed = np.maximum(1, np.ceil(min_shared_fraction * distinct_per_block)).astype(np.int32)
    firsts: list[I64] = []
    seconds: list[I64] = []
    # Posting lists of one length at a time, the unreachable pairs dropped at once: all of a run's pairs
    # before that would take more memory than anything else in the run.
    for size in np.unique(sizes).tolist():
        group_starts = starts[sizes == size]
        members = blocks[group_starts[:, None] + np.arange(size)]
        upper_a, upper_b = np.triu_indices(size, k=1)
        first, second = members[:, upper_a].ravel(), members[:, upper_b].ravel()
        reachable = np.minimum(in_lists[first], in_lists[second]) >= np.minimum(needed[first], needed[second])
        firsts.append(first[reachable])
        seconds.append(second[reachable])
    first = np.concatenate(firsts)
    second = np.concatenate(seconds)
    keys, shared = np.unique(first * np.int64(len(eligible)) + second, return_counts=True)
    first, second = np.divmod(keys, np.int64(len(eligible)))
    worth = shared >= np.minimum(needed[first], needed[second])
    return CandidatePairs(first[worth], second[worth], shared[worth].astype(np.int64))
