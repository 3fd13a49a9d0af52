"""Candidates stage: pairs of blocks that share shingles, found by grouping, never by comparing all pairs.

The shingles of eligible blocks are grouped by hash; each group is a posting list. A shingle held by more than
``max_shingle_blocks`` blocks is a stock phrase ("the head of the") and is skipped, so common shingles cannot
blow up the pair count. Pairs are counted by how many shingles they share and kept when that is a fair part of
the smaller block.

The grouping runs one range of hash values at a time (see ``hash_ranges``). One pass over the run's shingles
notes the range of each (two bytes a shingle); each range then gathers its shingles, groups them and keeps
only its posting lists. What the stage holds at once is a range's share of the shingles, not a copy of them
all, and the ranges are independent pieces of work. The pairs are then counted a range of first blocks at a
time (see ``_entries_by_bucket``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt

from lbdedup.arrays import positions_in_runs
from lbdedup.fingerprint import Fingerprints

__all__ = [
    "CandidatePairs",
    "PostingLists",
    "candidate_pairs",
    "candidate_pairs_in_parts",
    "counted_pairs",
    "hash_ranges",
    "list_counts",
    "needed_shared",
    "pair_count_buckets",
    "pair_needs",
    "range_lists",
    "range_pair_keys",
    "range_pieces",
]

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
U64 = npt.NDArray[np.uint64]
U16 = npt.NDArray[np.uint16]
BoolArray = npt.NDArray[np.bool_]

# About this many shingles per hash range, and at most MAX_HASH_RANGES ranges: a range's share of the
# shingles is what the grouping holds at once; each range costs a little work per slice of the run.
RANGE_SHINGLES = 1 << 18
MAX_HASH_RANGES = 254
# The shingles are split by range this many at a time, each kept as a 16-bit offset in its slice.
_SLICE_BITS = 16
_SLICE = 1 << _SLICE_BITS
# Pairs are made from posting lists about this many at a time, and counted in at most this many buckets.
_PAIRS_AT_ONCE = 1 << 18
MAX_PAIR_BUCKETS = 255
# The range of a shingle left out (its block is not eligible, or it repeats the shingle before it).
_LEFT_OUT = 255


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
    (1, 23, 254)
    """
    return max(1, min(MAX_HASH_RANGES, -(-shingles // RANGE_SHINGLES)))


@dataclass(frozen=True, eq=False)
class _Split:
    """The shingles taken (of eligible blocks, none a repeat of the one before it in its block), by range.

    Slice ``i`` (shingles ``i * _SLICE`` on) has its taken shingles in ``offsets[i]`` (offsets in the slice,
    range after range, each range in order); those of range ``r`` are ``cuts[i][r]`` to ``cuts[i][r + 1]``.
    ``taken[b]`` counts the shingles taken of block ``b``.
    """

    offsets: list[U16]
    cuts: list[list[int]]
    taken: I64

    def positions(self, part: int) -> I64:
        """The positions of the shingles of range ``part``, in order."""
        pieces = [
            offsets[cuts[part] : cuts[part + 1]]
            for offsets, cuts in zip(self.offsets, self.cuts, strict=True)
        ]
        found = np.concatenate([np.empty(0, dtype=np.uint16), *pieces]).astype(np.int64)
        found += np.repeat(np.arange(len(pieces), dtype=np.int64) << _SLICE_BITS, list(map(len, pieces)))
        return found


def _split(fingerprints: Fingerprints, eligible: BoolArray, ranges: int) -> _Split:
    """Split the shingles by hash range, slice by slice.

    Left out are the shingles of blocks not eligible and those equal to the one before them in their block
    (a block of "y y y y ...", as `yes` prints, has millions). Range r holds the hashes from
    ``r * 2**64 / ranges`` on: a range is a span of hash values whatever the run, as a distributed engine
    would cut them.
    """
    hashes, counts = fingerprints.shingle_hashes, fingerprints.shingle_counts
    # The blocks with shingles, and where their shingles start.
    holders = np.flatnonzero(counts)
    starts = (np.cumsum(counts) - counts)[holders]
    taken = np.zeros(len(counts), dtype=np.int64)
    split = _Split([], [], taken)
    for low in range(0, len(hashes), _SLICE):
        high = min(low + _SLICE, len(hashes))
        part = hashes[low:high]
        # The blocks that start in the slice.
        first, last = np.searchsorted(starts, (low, high))
        inside = starts[first:last] - low
        # A repeat: equal to the shingle before it, unless that one is in the block before.
        again = np.empty(high - low, dtype=bool)
        again[0] = low > 0 and hashes[low - 1] == part[0]
        np.equal(part[1:], part[:-1], out=again[1:])
        again[inside] = False
        if not len(inside) or inside[0]:
            # The slice starts inside a block that started before it.
            first -= 1
            inside = np.concatenate(([0], inside))
        owners = holders[first:last]
        keep = np.repeat(eligible[owners], np.diff(np.append(inside, high - low)))
        keep &= ~again
        taken[owners] += np.add.reduceat(keep, inside, dtype=np.int64)
        # The top 32 bits times the count of ranges, over 2**32: the range, exactly, with no overflow.
        top = part >> np.uint64(32)
        top *= np.uint64(ranges)
        top >>= np.uint64(32)
        found = top.astype(np.uint8)
        found[~keep] = _LEFT_OUT
        order = np.argsort(found, kind="stable")
        cuts = np.zeros(ranges + 1, dtype=np.int64)
        np.cumsum(np.bincount(found, minlength=_LEFT_OUT + 1)[:ranges], out=cuts[1:])
        split.offsets.append(order[: cuts[-1]].astype(np.uint16))
        split.cuts.append(cuts.tolist())
    return split


def range_pieces(
    fingerprints: Fingerprints, eligible: BoolArray, ranges: int, first_row: int = 0
) -> tuple[list[tuple[U64, I64]], I64]:
    """One part's shingles cut by hash range, as :func:`candidate_pairs` cuts a run's: (hashes, blocks).

    Blocks are numbered from ``first_row``, the part's first row in the run. Also returns how many shingles
    of each block were taken. An engine sends piece ``r`` of every part to the task of range ``r``.
    """
    split = _split(fingerprints, eligible, ranges)
    block_ends = np.cumsum(fingerprints.shingle_counts)
    pieces = []
    for part in range(ranges):
        positions = split.positions(part)
        rows = np.searchsorted(block_ends, positions, side="right").astype(np.int64)
        rows += first_row
        pieces.append((fingerprints.shingle_hashes[positions], rows))
    return pieces, split.taken


def _grouped(hashes: U64) -> tuple[I64, U64]:
    """The indices of the hashes that occur more than once, grouped by hash, and the hash of each.

    A group comes in index order: one sort of 64-bit numbers, each hash with its low bits replaced by its
    index. Hashes that differ only in those low bits (rare) are then told apart.
    """
    count = len(hashes)
    bits = max(1, (count - 1).bit_length())
    low = np.uint64((1 << bits) - 1)
    keys = hashes & ~low
    keys |= np.arange(count, dtype=np.uint64)
    keys.sort()
    tops = keys >> np.uint64(bits)
    keys &= low
    order = keys.view(np.int64)
    found = hashes[order]
    same_top = tops[1:] == tops[:-1]
    del tops
    same = found[1:] == found[:-1]
    mixed = same_top & ~same
    if mixed.any():
        # Runs of equal high bits that hold distinct hashes: those runs are sorted by hash, then index.
        run_starts = np.flatnonzero(np.concatenate(([True], ~same_top)))
        run_of = np.cumsum(np.concatenate(([True], ~same_top))) - 1
        bad = np.zeros(len(run_starts), dtype=bool)
        bad[run_of[1:][mixed]] = True
        at = np.flatnonzero(bad[run_of])
        fixed = np.lexsort((order[at], found[at], run_of[at]))
        order[at], found[at] = order[at][fixed], found[at][fixed]
        same = found[1:] == found[:-1]
    repeated = np.zeros(count, dtype=bool)
    repeated[1:] = same
    repeated[:-1] |= same
    return order[repeated], found[repeated]


@dataclass(frozen=True, eq=False)
class PostingLists:
    """The posting lists of one hash range: their blocks one list after the other, and their sizes."""

    blocks: I32
    sizes: I64
    copies: I64  # the block of each shingle that repeats one of its block


def _posting_lists(hashes: U64, block_ends: I64, positions: I64, max_shingle_blocks: int) -> PostingLists:
    """The posting lists, of 2 to ``max_shingle_blocks`` blocks, of the shingles at ``positions`` (sorted)."""
    order, grouped = _grouped(hashes[positions])
    # The block of a position is the count of blocks that end at or before it: looked up in position order,
    # where the lookups stay close together.
    is_repeated = np.zeros(len(positions), dtype=bool)
    is_repeated[order] = True
    blocks_in_order = np.searchsorted(block_ends, positions[is_repeated], side="right").astype(np.int32)
    rank = np.cumsum(is_repeated) - 1
    del is_repeated
    blocks = blocks_in_order[rank[order]]
    del rank, order, blocks_in_order
    return _lists(grouped, blocks, max_shingle_blocks)


def range_lists(pieces: Sequence[tuple[U64, I64]], max_shingle_blocks: int = 64) -> PostingLists:
    """The posting lists of one hash range, from its shingles in every part: (hashes, blocks) in run order.

    The same lists as the local stage makes of that range (:func:`range_pieces` cut the parts' shingles).
    """
    hashes = np.concatenate([np.empty(0, dtype=np.uint64), *(piece[0] for piece in pieces)])
    rows = np.concatenate([np.empty(0, dtype=np.int64), *(piece[1] for piece in pieces)])
    order, grouped = _grouped(hashes)
    del hashes
    return _lists(grouped, rows[order].astype(np.int32), max_shingle_blocks)


def _lists(grouped: U64, blocks: I32, max_shingle_blocks: int) -> PostingLists:
    """Posting lists from the blocks of the repeated shingles, grouped by hash (``grouped``)."""
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
    return PostingLists(blocks, sizes, copies)


def candidate_pairs(
    fingerprints: Fingerprints,
    eligible: BoolArray,
    max_shingle_blocks: int = 64,
    min_shared_fraction: float = 0.3,
    *,
    ranges: int | None = None,
) -> CandidatePairs:
    """Pairs of eligible blocks worth verifying.

    The shingles are grouped in ``ranges`` ranges of hash values (1 to 254, by default ``hash_ranges`` of the
    shingle count); their count does not change the pairs.

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
    split = _split(fingerprints, eligible, ranges)
    # Shingles in block order: a block's distinct shingles are those taken less those that repeat one of its
    # own (found with the posting lists).
    distinct_per_block = split.taken
    block_ends = np.cumsum(counts)
    lists = [
        _posting_lists(hashes, block_ends, split.positions(part), max_shingle_blocks)
        for part in range(ranges)
    ]
    del split, block_ends
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
    needed = needed_shared(distinct_per_block, min_shared_fraction)
    del distinct_per_block
    count = np.int64(len(eligible))
    # The pairs are made and counted a range of first blocks at a time (a bucket), from the list entries of
    # the blocks of that range: only the pairs of one bucket are ever held, and each pair is made once.
    buckets = pair_count_buckets(sizes)
    entries, after = _entries_by_bucket(blocks, starts, sizes, buckets, count)
    found = []
    for bucket in range(buckets):
        members, following = np.concatenate(entries[bucket]), np.concatenate(after[bucket])
        entries[bucket], after[bucket] = [], []
        found.append(_bucket_pairs(members, following, blocks, in_lists, needed))
    nothing = np.empty(0, dtype=np.int64)
    first, second, shared = (np.concatenate([nothing, *(part[at] for part in found)]) for at in range(3))
    return CandidatePairs(first, second, shared)


Pieces = list[list[npt.NDArray[Any]]]


def _entries_by_bucket(
    blocks: I32, starts: I64, sizes: I64, buckets: int, count: np.int64
) -> tuple[Pieces, Pieces]:
    """The list entries of each bucket of blocks, in order, and how many members of its list follow each.

    Bucket b holds the blocks from ``b * count / buckets`` on. The entries are split a slice at a time, as
    ``_split`` splits the shingles, into pieces of 32-bit positions and 16-bit counts (where they fit).
    """
    kind = np.uint32 if len(blocks) < 1 << 32 else np.int64
    after_kind = np.uint16 if len(sizes) and int(sizes.max()) <= 1 << 16 else np.int64
    entries: Pieces = [[np.empty(0, dtype=kind)] for _ in range(buckets)]
    after: Pieces = [[np.empty(0, dtype=after_kind)] for _ in range(buckets)]
    for low in range(0, len(blocks), _PAIRS_AT_ONCE):
        high = min(low + _PAIRS_AT_ONCE, len(blocks))
        bucket = blocks[low:high].astype(np.int64)
        bucket *= buckets
        bucket //= count
        order = np.argsort(bucket.astype(np.uint8), kind="stable")
        cuts = np.cumsum(np.bincount(bucket, minlength=buckets)).tolist()
        # The lists the slice holds entries of: each entry is followed by the rest of its list.
        first, last = np.searchsorted(starts, (low, high), side="right")
        list_starts, list_ends = starts[first - 1 : last], starts[first - 1 : last] + sizes[first - 1 : last]
        following = np.repeat(list_ends, np.minimum(list_ends, high) - np.maximum(list_starts, low))
        following -= np.arange(low + 1, high + 1)
        following = following[order].astype(after_kind)
        order += low
        positions = order.astype(kind)
        for index, (start, end) in enumerate(pairwise([0, *cuts])):
            if end > start:
                entries[index].append(positions[start:end])
                after[index].append(following[start:end])
    return entries, after


def _bucket_pairs(
    entries: npt.NDArray[Any], after: npt.NDArray[Any], blocks: I32, in_lists: I32, needed: I32
) -> tuple[I64, I64, I64]:
    """The pairs made by the list ``entries`` (ascending) with the ``after`` members that follow each.

    Each entry's block pairs with each block after it in its list; the pairs come in order, with how many
    shingles they share, if they share what both blocks need.
    """
    return _counted(_bucket_keys(entries, after, blocks, in_lists, needed), np.int64(len(needed)), needed)


def _bucket_keys(
    entries: npt.NDArray[Any], after: npt.NDArray[Any], blocks: I32, in_lists: I32, needed: I32
) -> list[I64]:
    """The pairs (``first * count + second``) each entry makes with the members after it, if reachable."""
    entries = entries.astype(np.int64)
    after = after.astype(np.int64)
    count = np.int64(len(needed))
    keys: list[I64] = [np.empty(0, dtype=np.int64)]
    # Entries enough for about _PAIRS_AT_ONCE pairs at a time; the unreachable pairs dropped at once.
    made = np.cumsum(after)
    cuts = np.searchsorted(made, np.arange(_PAIRS_AT_ONCE, int(made[-1]) if len(made) else 0, _PAIRS_AT_ONCE))
    del made
    for low, high in zip([0, *cuts.tolist()], [*cuts.tolist(), len(entries)], strict=True):
        first = np.repeat(blocks[entries[low:high]], after[low:high])
        second = blocks[positions_in_runs(entries[low:high] + 1, after[low:high])]
        reachable = np.minimum(in_lists[first], in_lists[second]) >= np.minimum(needed[first], needed[second])
        key = first[reachable].astype(np.int64)
        key *= count
        key += second[reachable]
        keys.append(key)
    return keys


def needed_shared(distinct_per_block: I64, min_shared_fraction: float = 0.3) -> I32:
    """How many shingles a pair must share for each block: a fair part of its distinct shingles."""
    needed: I32 = np.maximum(1, np.ceil(min_shared_fraction * distinct_per_block)).astype(np.int32)
    return needed


def pair_count_buckets(list_sizes: I64) -> int:
    """How many buckets of first blocks the pairs made by lists of ``list_sizes`` are counted in."""
    return max(1, min(MAX_PAIR_BUCKETS, int((list_sizes * (list_sizes - 1) // 2).sum()) // _PAIRS_AT_ONCE))


def range_pair_keys(lists: PostingLists, in_lists: I32, needed: I32, buckets: int) -> list[I64]:
    """The pair keys one range's lists make, by bucket of first block: what :func:`counted_pairs` counts."""
    if not len(lists.sizes):
        return [np.empty(0, dtype=np.int64) for _ in range(buckets)]
    starts = np.cumsum(lists.sizes) - lists.sizes
    entries, after = _entries_by_bucket(lists.blocks, starts, lists.sizes, buckets, np.int64(len(needed)))
    found = []
    for bucket in range(buckets):
        members, following = np.concatenate(entries[bucket]), np.concatenate(after[bucket])
        entries[bucket], after[bucket] = [], []
        found.append(
            np.concatenate(
                [
                    np.empty(0, dtype=np.int64),
                    *_bucket_keys(members, following, lists.blocks, in_lists, needed),
                ]
            )
        )
    return found


def counted_pairs(pieces: list[I64], needed: I32) -> CandidatePairs:
    """The candidate pairs of one bucket, from its pair keys in every range: the local stage's, in order."""
    first, second, shared = _counted(pieces, np.int64(len(needed)), needed)
    return CandidatePairs(first, second, shared)


def _counted(pieces: list[I64], count: np.int64, needed: I32) -> tuple[I64, I64, I64]:
    """The pairs (``first * count + second``) that share what both blocks need, in order, counted.

    The pieces are let go of, and each array is dropped as soon as the next is made.
    """
    keys = np.concatenate(pieces)
    pieces.clear()
    keys.sort()
    new_key = np.empty(len(keys), dtype=bool)
    new_key[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=new_key[1:])
    key_starts = np.flatnonzero(new_key)
    del new_key
    distinct = keys[key_starts]
    total = len(keys)
    del keys
    shared = np.diff(key_starts, append=total)
    del key_starts
    first, second = np.divmod(distinct, count)
    del distinct
    worth = shared >= np.minimum(needed[first], needed[second])
    return first[worth], second[worth], shared[worth]


ListCounts = tuple[I64, I64, I64, I64, int]


def list_counts(lists: PostingLists) -> ListCounts:
    """What a range's posting lists tell of each block, as few numbers as an engine can send.

    The blocks with list entries and how many each has; the blocks with a shingle that repeats one of their
    own and how many; how many pair keys the lists make at most.
    """
    blocks, held = np.unique(lists.blocks, return_counts=True)
    copies, repeats = np.unique(lists.copies, return_counts=True)
    made = int((lists.sizes * (lists.sizes - 1) // 2).sum())
    return (
        blocks.astype(np.int64),
        held.astype(np.int64),
        copies.astype(np.int64),
        repeats.astype(np.int64),
        made,
    )


def pair_needs(
    taken: Sequence[I64], counts: Iterable[ListCounts], min_shared_fraction: float = 0.3
) -> tuple[I32, I32, int]:
    """Each block's list entries and what a pair must share of it, from every part and range; pair keys.

    ``taken`` holds each part's shingles taken per block (:func:`range_pieces`), ``counts`` each range's
    :func:`list_counts`.
    """
    distinct = np.concatenate([np.empty(0, dtype=np.int64), *taken])
    in_lists = np.zeros(len(distinct), dtype=np.int32)
    pair_keys = 0
    for blocks, held, copies, repeats, made in counts:
        in_lists[blocks] += held.astype(np.int32)
        distinct[copies] -= repeats
        pair_keys += made
    return in_lists, needed_shared(distinct, min_shared_fraction), pair_keys


def candidate_pairs_in_parts(
    parts: Sequence[Fingerprints],
    eligible: Sequence[BoolArray],
    max_shingle_blocks: int = 64,
    min_shared_fraction: float = 0.3,
    *,
    ranges: int = 4,
    buckets: int = 3,
) -> CandidatePairs:
    """:func:`candidate_pairs` of the parts' blocks one after the other, made as a distributed engine would.

    Each part's shingles are cut by hash range (:func:`range_pieces`); each range makes its posting lists
    (:func:`range_lists`) and its pair keys by bucket (:func:`range_pair_keys`); each bucket counts its keys
    (:func:`counted_pairs`). Neither ``ranges`` nor ``buckets`` changes the pairs.

    >>> from lbdedup.fingerprint import fingerprint
    >>> parts = [fingerprint(["a b c d e f"], 3), fingerprint(["x", "a b c d e g"], 3)]
    >>> pairs = candidate_pairs_in_parts(parts, [np.ones(1, dtype=bool), np.ones(2, dtype=bool)])
    >>> pairs.first.tolist(), pairs.second.tolist(), pairs.shared.tolist()
    ([0], [2], [3])
    """
    firsts = np.cumsum([0, *(len(part.shingle_counts) for part in parts)]).tolist()
    cut = [
        range_pieces(part, mask, ranges, first)
        for part, mask, first in zip(parts, eligible, firsts, strict=False)
    ]
    lists = [range_lists([pieces[r] for pieces, _ in cut], max_shingle_blocks) for r in range(ranges)]
    in_lists, needed, _ = pair_needs(
        [taken for _, taken in cut], map(list_counts, lists), min_shared_fraction
    )
    keys = [range_pair_keys(found, in_lists, needed, buckets) for found in lists]
    counted = [counted_pairs([by_bucket[bucket] for by_bucket in keys], needed) for bucket in range(buckets)]
    nothing = np.empty(0, dtype=np.int64)
    return CandidatePairs(
        *(
            np.concatenate([nothing, *(getattr(pairs, name) for pairs in counted)])
            for name in ("first", "second", "shared")
        )
    )
