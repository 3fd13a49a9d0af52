"""Candidates stage: pairs of blocks that share shingles, found by grouping, never by comparing all pairs.

The shingles of eligible blocks are grouped by hash; each group is a posting list. A shingle held by more than
``max_shingle_blocks`` blocks is a stock phrase ("the head of the") and is skipped, so common shingles cannot
blow up the pair count. Pairs are counted by how many shingles they share and kept when that is a fair part of
the smaller block.

The grouping runs one range of hash values at a time (see ``hash_ranges``): each range takes the shingles
whose hash falls in it in one pass over the run's shingles, and keeps only its posting lists. What the stage
holds at once is then a range's share of the shingles, not a copy of them all, and the ranges are independent
pieces of work.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from lbdedup.fingerprint import Fingerprints

__all__ = ["CandidatePairs", "candidate_pairs", "hash_ranges"]

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
U64 = npt.NDArray[np.uint64]
U8 = npt.NDArray[np.uint8]
BoolArray = npt.NDArray[np.bool_]

# An odd 64-bit constant with good bit spread (from splitmix64) to place hashes in a table.
_MIX = np.uint64(0x9E3779B97F4A7C15)
# Equal hashes are found with tables of about 2**_PART_SIZE_BITS shingles each, which stay in the processor's
# cache (see ``_repeated``).
_PART_SIZE_BITS = 16
# About this many shingles per hash range, and at most MAX_HASH_RANGES ranges: each range costs a pass over a
# byte per shingle of the run, so their count is bounded, and a range's share shrinks as the run grows.
RANGE_SHINGLES = 1 << 19
MAX_HASH_RANGES = 16
# The shingles are looked at this many at a time when their ranges are worked out.
_SLICE = 1 << 18
# The range of a shingle left out (its block is not eligible, or it repeats the shingle before it).
_LEFT_OUT = np.uint8(255)


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


def hash_ranges(shingles: int) -> int:
    """How many ranges of hash values ``candidate_pairs`` groups a run of ``shingles`` shingles in.

    >>> hash_ranges(1000), hash_ranges(6_000_000), hash_ranges(10**9)
    (1, 12, 16)
    """
    return max(1, min(MAX_HASH_RANGES, -(-shingles // RANGE_SHINGLES)))


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


def _range_of_shingles(fingerprints: Fingerprints, eligible: BoolArray, ranges: int) -> tuple[U8, I64]:
    """The hash range of every shingle, or _LEFT_OUT for those of blocks not eligible and for a shingle equal
    to the one before it in its block (a block of "y y y y ...", as `yes` prints, has millions of them); and
    how many shingles of each block are not left out.

    Range r holds the hashes from ``r * 2**64 / ranges`` on: a range is a span of hash values whatever the
    run, as a distributed engine would cut them.
    """
    hashes, counts = fingerprints.shingle_hashes, fingerprints.shingle_counts
    taken = np.repeat(eligible, counts)
    # The blocks with shingles, and where their shingles start.
    holders = np.flatnonzero(counts)
    starts = (np.cumsum(counts) - counts)[holders]
    found = np.empty(len(hashes), dtype=np.uint8)
    taken_per_block = np.zeros(len(counts), dtype=np.int64)
    top = np.empty(min(_SLICE, len(hashes)), dtype=np.uint64)
    for low in range(0, len(hashes), _SLICE):
        high = min(low + _SLICE, len(hashes))
        part, spare, keep = hashes[low:high], top[: high - low], taken[low:high]
        # The blocks that start in the slice, and the one it starts in.
        first, last = np.searchsorted(starts, (low, high))
        inside = starts[first:last] - low
        # A repeat: equal to the shingle before it, unless that one is in the block before.
        again = np.empty(high - low, dtype=bool)
        again[0] = low > 0 and hashes[low - 1] == part[0]
        np.equal(part[1:], part[:-1], out=again[1:])
        again[inside] = False
        keep &= ~again
        if len(inside) and inside[0] == 0:
            taken_per_block[holders[first:last]] += np.add.reduceat(keep, inside, dtype=np.int64)
        else:
            cuts = np.concatenate(([0], inside))
            taken_per_block[holders[first - 1 : last]] += np.add.reduceat(keep, cuts, dtype=np.int64)
        # The top 32 bits times the count of ranges, over 2**32: the range, exactly, with no overflow.
        np.right_shift(part, np.uint64(32), out=spare)
        spare *= np.uint64(ranges)
        spare >>= np.uint64(32)
        found[low:high] = spare
        found[low:high][~keep] = _LEFT_OUT
    return found, taken_per_block


def _repeated(hashes: U64) -> I64:
    """The positions of the hashes that occur more than once, grouped by hash, each group in position order.

    Equal hashes are found with a small hash table per part of the hashes (split by some of their bits, a
    stable counting sort), which stays in the processor's cache. Sorting all the hashes would cost several
    times more.
    """
    bits = min(8, max(0, (len(hashes) >> _PART_SIZE_BITS).bit_length()))
    if bits:
        part = (hashes & np.uint64((1 << bits) - 1)).astype(np.uint8)
        order = np.argsort(part, kind="stable")
        cuts = np.concatenate(([0], np.cumsum(np.bincount(part, minlength=1 << bits)))).tolist()
        del part
        hashes = hashes[order]
    else:
        order = np.arange(len(hashes))
        cuts = [0, len(hashes)]
    found: list[I64] = [np.empty(0, dtype=np.int64)]
    table = np.empty(0, dtype=np.uint64)
    for start, end in pairwise(cuts):
        if end - start < 2:
            continue
        part_hashes = hashes[start:end]
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
        # A part runs in position order; a stable sort by place keeps it so within a group.
        repeated = repeated[np.argsort(places[repeated], kind="stable")]
        found.append(order[start + repeated])
    return np.concatenate(found)


@dataclass(frozen=True, eq=False)
class _PostingLists:
    """The posting lists of one hash range: their blocks one list after the other, and their sizes."""

    blocks: I32
    sizes: I64
    copies: I64  # the block of each shingle that repeats one of its block


def _posting_lists(
    hashes: U64, block_ends: I64, positions: I64, max_shingle_blocks: int
) -> _PostingLists:
    """The posting lists, of 2 to ``max_shingle_blocks`` blocks, of the shingles at ``positions`` (ascending)."""
    repeated = positions[_repeated(hashes[positions])]
    grouped = hashes[repeated]
    # Positions run in block order: the block of each is the count of blocks that end at or before it.
    blocks = np.searchsorted(block_ends, repeated, side="right").astype(np.int32)
    del repeated
    new_hash = np.empty(len(grouped), dtype=bool)
    new_hash[:1] = True
    np.not_equal(grouped[1:], grouped[:-1], out=new_hash[1:])
    del grouped
    copy = ~new_hash
    copy[1:] &= blocks[1:] == blocks[:-1]
    copies = blocks[copy].astype(np.int64)
    if len(copies):
        kept = ~copy
        blocks, new_hash = blocks[kept], new_hash[kept]
    starts = np.flatnonzero(new_hash)
    sizes = np.diff(np.append(starts, len(blocks)))
    useful = (sizes >= 2) & (sizes <= max_shingle_blocks)
    if not useful.all():
        keep = np.repeat(useful, sizes)
        blocks, sizes = blocks[keep], sizes[useful]
    return _PostingLists(blocks, sizes, copies)


def candidate_pairs(
    fingerprints: Fingerprints,
    eligible: BoolArray,
    max_shingle_blocks: int = 64,
    min_shared_fraction: float = 0.3,
    *,
    ranges: int | None = None,
) -> CandidatePairs:
    """Pairs of eligible blocks worth verifying; the shingles are grouped in ``ranges`` ranges of hash values
    (1 to 255, by default ``hash_ranges`` of the shingle count), which does not change the pairs.

    >>> from lbdedup.fingerprint import fingerprint
    >>> fp = fingerprint(["a b c d e f", "a b c d e g", "x y z w v u"], shingle_size=3)
    >>> pairs = candidate_pairs(fp, np.ones(3, dtype=bool))
    >>> pairs.first.tolist(), pairs.second.tolist(), pairs.shared.tolist()
    ([0], [1], [3])
    """
    hashes, counts = fingerprints.shingle_hashes, fingerprints.shingle_counts
    ranges = hash_ranges(len(hashes)) if ranges is None else ranges
    if not 1 <= ranges < _LEFT_OUT:
        raise ValueError(f"ranges must be from 1 to {int(_LEFT_OUT) - 1}, not {ranges}")
    range_of, distinct_per_block = _range_of_shingles(fingerprints, eligible, ranges)
    # Shingles in block order: a block's distinct shingles are those taken less those that repeat one of its
    # own (found with the posting lists).
    block_ends = np.cumsum(counts)
    lists = [
        _posting_lists(hashes, block_ends, np.flatnonzero(range_of == part), max_shingle_blocks)
        for part in range(ranges)
    ]
    del range_of
    distinct_per_block -= np.bincount(
        np.concatenate([np.empty(0, dtype=np.int64), *(found.copies for found in lists)]),
        minlength=len(counts),
    )
    blocks = np.concatenate([np.empty(0, dtype=np.int32), *(found.blocks for found in lists)])
    sizes = np.concatenate([np.empty(0, dtype=np.int64), *(found.sizes for found in lists)])
    del lists
    if not len(sizes):
        return _empty()
    starts = np.cumsum(sizes) - sizes

    # Two blocks share at most as many shingles as either has in posting lists: most pairs (those made by
    # a phrase or two in common) cannot reach their threshold, and need not be counted.
    in_lists = np.bincount(blocks, minlength=len(eligible)).astype(np.int32)
    # What a pair must share is a fair part of its smaller block: the smaller of what each block needs.
    needed = np.maximum(1, np.ceil(min_shared_fraction * distinct_per_block)).astype(np.int32)
    count = np.int64(len(eligible))
    found_keys: list[I64] = [np.empty(0, dtype=np.int64)]
    # Posting lists of one length at a time, the unreachable pairs dropped at once: all of a run's pairs
    # before that would take more memory than anything else in the run. A pair is kept as one number.
    for size in np.unique(sizes).tolist():
        upper_a, upper_b = np.triu_indices(size, k=1)
        of_size = starts[sizes == size]
        # So many lists at a time as make about _SLICE pairs: long lists make many pairs, most unreachable.
        step = max(1, _SLICE // len(upper_a))
        for low in range(0, len(of_size), step):
            members = blocks[of_size[low : low + step, None] + np.arange(size)]
            first, second = members[:, upper_a].ravel(), members[:, upper_b].ravel()
            reachable = np.minimum(in_lists[first], in_lists[second]) >= np.minimum(
                needed[first], needed[second]
            )
            key = first[reachable].astype(np.int64)
            key *= count
            key += second[reachable]
            found_keys.append(key)
    keys = np.concatenate(found_keys)
    del found_keys
    keys.sort()
    new_key = np.empty(len(keys), dtype=bool)
    new_key[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=new_key[1:])
    key_starts = np.flatnonzero(new_key)
    shared = np.diff(np.append(key_starts, len(keys)))
    first, second = np.divmod(keys[key_starts], count)
    worth = shared >= np.minimum(needed[first], needed[second])
    return CandidatePairs(first[worth], second[worth], shared[worth].astype(np.int64))
