"""Fingerprint stage: word shingles and an exact hash for every block.

Each distinct word is hashed once with the run's hash function (xxh3 by default); a shingle's hash mixes the
hashes of its ``k`` consecutive words, vectorized with numpy over all blocks at once, so no Python code runs
per shingle. Shingles never cross a block boundary.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise, repeat
from typing import Any

import numpy as np
import numpy.typing as npt

from lbdedup.model import HashFunction, default_hash

__all__ = ["Fingerprints", "fingerprint", "mix_shingles", "word_hashes"]

U8 = npt.NDArray[np.uint8]
U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

# Odd 64-bit constants from splitmix64; any odd multipliers with good bit spread would do.
_MIX_A = np.uint64(0x9E3779B97F4A7C15)
_MIX_B = np.uint64(0xBF58476D1CE4E5B9)
_MIX_C = np.uint64(0x94D049BB133111EB)
# Bytes of text per piece: the texts are worked through piece by piece, so that the temporaries of the
# numpy passes stay in the processor's cache.
CHUNK_BYTES = 1 << 20
# fingerprint encodes this many texts at a time (a few megabytes of typical blocks).
TEXTS_PER_BATCH = 1 << 15
# Word hashes are mixed into shingles this many at a time, for the same reason.
CHUNK_WORDS = 1 << 16
# A text longer than twice this is read a window of about this many bytes at a time (see ``_pieces``).
WINDOW_BYTES = 1 << 20
# Slots of the first table of distinct words (see ``_WordTable``); it doubles whenever it gets half full.
_FIRST_TABLE_BITS = 16
# Masks keeping the first 0..8 bytes of a little-endian 64-bit load.
_PREFIX_MASKS = np.array([(1 << (8 * size)) - 1 for size in range(8)] + [(1 << 64) - 1], dtype=np.uint64)
_LOW_BYTE = np.uint64(0xFF)
# Zero bytes after the texts, so that a word's first 16 bytes can be loaded wherever it starts.
_PADDING = 16


@dataclass(frozen=True, eq=False, init=False)
class Fingerprints:
    """Hashes of every block of a run.

    ``exact[i]`` hashes block i's whole normalized text; ``word_counts[i]`` counts its words. The shingles of
    all blocks are ``shingle_hashes``, block after block: block i has ``shingle_counts[i]`` of them. The block
    of each shingle is not stored (as many bytes as the hashes): ``shingle_blocks`` makes it when asked, and
    the constructor takes it in place of ``shingle_counts``.

    >>> prints = Fingerprints(np.zeros(3, np.uint64), np.ones(3, np.int64), np.arange(3, dtype=np.uint64),
    ...                       shingle_blocks=np.array([0, 0, 2]))
    >>> prints.shingle_counts.tolist(), prints.shingle_blocks.tolist()
    ([2, 0, 1], [0, 0, 2])
    """

    exact: U64
    word_counts: I64
    shingle_hashes: U64
    shingle_counts: I64

    def __init__(
        self,
        exact: U64,
        word_counts: I64,
        shingle_hashes: U64,
        shingle_counts: I64 | None = None,
        *,
        shingle_blocks: npt.NDArray[np.integer[Any]] | None = None,
    ) -> None:
        if shingle_blocks is not None and shingle_counts is None:
            if len(shingle_blocks) > 1 and bool((shingle_blocks[1:] < shingle_blocks[:-1]).any()):
                raise ValueError("shingle_blocks must be in block order")
            shingle_counts = np.bincount(shingle_blocks, minlength=len(word_counts)).astype(np.int64)
        elif shingle_counts is None or shingle_blocks is not None:
            raise TypeError("Fingerprints takes one of shingle_counts and shingle_blocks")
        if len(shingle_counts) != len(word_counts) or int(shingle_counts.sum()) != len(shingle_hashes):
            raise ValueError("shingle counts do not match the blocks and their shingles")
        object.__setattr__(self, "exact", exact)
        object.__setattr__(self, "word_counts", word_counts)
        object.__setattr__(self, "shingle_hashes", shingle_hashes)
        object.__setattr__(self, "shingle_counts", shingle_counts.astype(np.int64, copy=False))

    @property
    def shingle_blocks(self) -> I64:
        """The block of each shingle, made anew on each call (8 bytes a shingle)."""
        blocks: I64 = np.repeat(np.arange(len(self.shingle_counts), dtype=np.int64), self.shingle_counts)
        return blocks


def mix_shingles(word_hashes: U64, size: int, out: U64 | None = None) -> U64:
    """Hash every window of ``size`` consecutive word hashes into one 64-bit value (order matters).

    ``out``, when given, receives the values (it has room for them) and its start is returned.

    >>> words = np.array([1, 2, 3], dtype=np.uint64)
    >>> len(mix_shingles(words, 2)), bool(mix_shingles(words, 2)[0] != mix_shingles(words[::-1], 2)[1])
    (2, True)
    """
    count = len(word_hashes) - size + 1
    if count <= 0:
        return np.empty(0, dtype=np.uint64)
    mixed = np.empty(count, dtype=np.uint64) if out is None else out[:count]
    shifted = np.empty(min(count, CHUNK_WORDS), dtype=np.uint64)
    # Slice by slice, so that the dozen passes over each slice find it in the cache.
    for low in range(0, count, CHUNK_WORDS):
        high = min(low + CHUNK_WORDS, count)
        part = mixed[low:high]
        spare = shifted[: high - low]
        np.bitwise_xor(word_hashes[low:high], _MIX_A, out=part)
        for offset in range(size):
            if offset:
                part ^= word_hashes[low + offset : high + offset]
            part *= _MIX_B
            np.right_shift(part, np.uint64(29), out=spare)
            part ^= spare
        part *= _MIX_C
        np.right_shift(part, np.uint64(32), out=spare)
        part ^= spare
    return mixed


def _byte_words(data: U8) -> tuple[I64, I64]:
    """Start and end offsets of the words of ``data`` (runs of bytes above ASCII space).

    ``data`` ends with a byte that is not in a word.
    """
    inside = data > 32
    edges = np.flatnonzero(inside[1:] != inside[:-1]) + 1
    if inside[0]:
        edges = np.concatenate((np.zeros(1, dtype=np.int64), edges))
    return edges[0::2], edges[1::2]


def _loads(raw: bytes) -> U64:
    """A little-endian 64-bit load at every byte offset of ``raw``, which ends with _PADDING zero bytes."""
    loads: U64 = np.ndarray(shape=(len(raw) - 7,), dtype="<u8", buffer=raw, strides=(1,))
    return loads


# Words up to this long get their identity from their 8-byte slices, all words at once, one numpy pass per
# slice; longer ones (a token of megabytes without a space) are hashed one by one, in a single pass each.
SLICED_WORD_BYTES = 256


def _word_identities(raw: bytes, loads: U64, starts: I64, lengths: I64) -> tuple[U64, I64]:
    """A nonzero 64-bit value per word of ``raw``, and the indices of the words longer than 8 bytes.

    A word of up to 8 bytes is its own bytes (no byte of a word is 0, so no two words get the same value);
    a longer word gets a mix of its 8-byte slices (past SLICED_WORD_BYTES, a hash of its bytes) whose low
    byte is 1 (the first byte of a short word is above 32), and the table checks that the long words it
    finds equal are.
    """
    identities = loads[starts]  # np.take would first copy all of the strided loads (8 bytes per byte)
    identities &= np.take(_PREFIX_MASKS, np.minimum(lengths, 8))
    long_words = np.flatnonzero(lengths > 8)
    if not len(long_words):
        return identities, long_words
    sliced = long_words[lengths[long_words] <= SLICED_WORD_BYTES]
    # The first slice is mixed before the next is folded in, and so on: slices never cancel out.
    mixed = identities[sliced] * _MIX_A
    mixed ^= mixed >> np.uint64(29)
    active = np.arange(len(sliced))
    offset = 8
    while len(active):
        at = sliced[active]
        part = loads[starts[at] + offset] & _PREFIX_MASKS[np.minimum(lengths[at] - offset, 8)]
        values = (mixed[active] ^ part) * _MIX_B
        values ^= values >> np.uint64(31)
        mixed[active] = values
        offset += 8
        active = active[lengths[at] > offset]
    mixed *= _MIX_C
    mixed ^= mixed >> np.uint64(32)
    identities[sliced] = (mixed & ~_LOW_BYTE) | np.uint64(1)
    huge = long_words[lengths[long_words] > SLICED_WORD_BYTES]
    if len(huge):
        hashed = np.fromiter(
            (
                default_hash(raw[start : start + length])
                for start, length in zip(starts[huge].tolist(), lengths[huge].tolist(), strict=True)
            ),
            dtype=np.uint64,
            count=len(huge),
        )
        identities[huge] = (hashed & ~_LOW_BYTE) | np.uint64(1)
    return identities, long_words


def _heads(loads: U64, starts: I64, lengths: I64) -> tuple[U64, U64]:
    """The first 8 bytes of each word and the 8 after (zeros past its end)."""
    first = loads[starts] & _PREFIX_MASKS[np.minimum(lengths, 8)]
    second = loads[starts + 8] & _PREFIX_MASKS[np.clip(lengths - 8, 0, 8)]
    return first, second


class _WordTable:
    """The distinct words of a run and their hashes: an open-addressing hash table built with numpy.

    Each word is placed by its identity in a few vectorized rounds over the words still without a slot,
    far cheaper than sorting millions of values. The hash function runs once per slot, on the first word
    placed there. The table is kept at most half full, so a free slot is always near. A slot keeps the
    length and first 16 bytes of its word (all its bytes past 16), to check that a long word found there is
    that word.
    """

    def __init__(self, hash_function: HashFunction) -> None:
        self.hash_function = hash_function
        self._allocate(_FIRST_TABLE_BITS)
        self.tails: dict[int, bytes] = {}

    def _allocate(self, bits: int) -> None:
        size = 1 << bits
        self.bits = bits
        self.filled = 0
        self.identities = np.zeros(size, dtype=np.uint64)
        self.hashes = np.zeros(size, dtype=np.uint64)
        self.lengths = np.zeros(size, dtype=np.int64)
        self.firsts = np.zeros(size, dtype=np.uint64)
        self.seconds = np.zeros(size, dtype=np.uint64)

    def _grow(self, needed: int) -> None:
        """Move to a table at least twice ``needed``."""
        occupied = np.flatnonzero(self.identities)
        kept = [column[occupied] for column in (self.hashes, self.lengths, self.firsts, self.seconds)]
        identities = self.identities[occupied]
        bits = self.bits + 1
        while (1 << bits) < 2 * needed:
            bits += 1
        self._allocate(bits)
        slots, _, _ = self._place(identities)
        self.hashes[slots], self.lengths[slots], self.firsts[slots], self.seconds[slots] = kept
        moved = dict(zip(occupied.tolist(), slots.tolist(), strict=True))
        self.tails = {moved[slot]: tail for slot, tail in self.tails.items()}

    def _place(self, identities: U64) -> tuple[I64, I64, I64]:
        """The slot of each identity, claiming free slots for new ones.

        Also returns the new slots, each with the index of an identity placed there.
        """
        mask = (1 << self.bits) - 1
        slots = identities * _MIX_A
        slots >>= np.uint64(64 - self.bits)
        slots = slots.view(np.int64)
        pending = np.flatnonzero(self.identities[slots] != identities)
        if self.filled + len(pending) > (mask + 1) // 2:
            self._grow(self.filled + len(pending))
            return self._place(identities)
        values, places = identities[pending], slots[pending]
        new_slots: list[I64] = []
        new_members: list[I64] = []
        while len(pending):
            current = self.identities[places]
            free = current == 0
            if free.any():
                self.identities[places[free]] = values[free]
                current = self.identities[places]
                # Of the identities that wanted a slot, the last one written has it.
                winners = np.flatnonzero(free & (current == values))
                claimed, first = np.unique(places[winners], return_index=True)
                self.filled += len(claimed)
                new_slots.append(claimed)
                new_members.append(pending[winners[first]])
            placed = current == values
            slots[pending[placed]] = places[placed]
            unplaced = ~placed
            pending, values = pending[unplaced], values[unplaced]
            places = (places[unplaced] + 1) & mask
        if not new_slots:
            nothing = np.empty(0, dtype=np.int64)
            return slots, nothing, nothing
        return slots, np.concatenate(new_slots), np.concatenate(new_members)

    def word_hashes(self, raw: bytes, starts: I64, lengths: I64) -> U64:
        """The hash of each word of ``raw``, given where it starts and its length.

        ``raw`` ends with _PADDING zero bytes.
        """
        loads = _loads(raw)
        identities, long_words = _word_identities(raw, loads, starts, lengths)
        slots, new_slots, new_words = self._place(identities)
        if len(new_slots):
            firsts, seconds = _heads(loads, starts[new_words], lengths[new_words])
            self.firsts[new_slots], self.seconds[new_slots] = firsts, seconds
            self.lengths[new_slots] = lengths[new_words]
            ends = starts[new_words] + lengths[new_words]
            words = list(map(raw.__getitem__, map(slice, starts[new_words].tolist(), ends.tolist())))
            self.hashes[new_slots] = np.fromiter(
                map(self.hash_function, words), dtype=np.uint64, count=len(words)
            )
            for at in np.flatnonzero(lengths[new_words] > 16).tolist():
                self.tails[int(new_slots[at])] = words[at][16:]
        hashes = np.take(self.hashes, slots)
        if not len(long_words):
            return hashes
        long_slots = slots[long_words]
        firsts, seconds = _heads(loads, starts[long_words], lengths[long_words])
        same = (
            (self.lengths[long_slots] == lengths[long_words])
            & (self.firsts[long_slots] == firsts)
            & (self.seconds[long_slots] == seconds)
        )
        for at in np.flatnonzero(lengths[long_words] > 16).tolist():
            start = int(starts[long_words[at]])
            tail = raw[start + 16 : start + int(lengths[long_words[at]])]
            same[at] &= self.tails.get(int(long_slots[at])) == tail
        for word in long_words[~same].tolist():
            # Two long words mixed to the same identity (a chance in 2**56 per pair): hash it by itself.
            start = int(starts[word])
            hashes[word] = self.hash_function(raw[start : start + int(lengths[word])])
        return hashes


def _texts_per_piece(text_ends: I64) -> list[tuple[int, int]]:
    """Cut the texts into runs of about CHUNK_BYTES (``text_ends[i]`` is where text i ends in the buffer)."""
    if not len(text_ends):
        return []
    targets = np.arange(CHUNK_BYTES, int(text_ends[-1]), CHUNK_BYTES)
    cuts = np.unique(np.concatenate(([0], np.searchsorted(text_ends, targets) + 1, [len(text_ends)])))
    return list(pairwise(cuts.tolist()))


def _pieces(encoded: list[bytes], table: _WordTable) -> Iterator[tuple[U64, I64]]:
    """The word hashes and word counts of the texts, piece after piece (see ``_texts_per_piece``)."""
    sizes = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)) + 1
    text_ends = np.cumsum(sizes) - 1
    for first, last in _texts_per_piece(text_ends):
        raw = b"\n".join([*encoded[first:last], bytes(_PADDING)])
        data = np.frombuffer(raw, dtype=np.uint8)[:-_PADDING]
        # Where each text ends: its words are those that start before (a text may hold newlines of its own).
        ends_here = np.cumsum(sizes[first:last]) - 1
        if len(data) <= 2 * WINDOW_BYTES:
            starts, ends = _byte_words(data)
            counts = np.diff(np.searchsorted(starts, ends_here), prepend=0)
            yield table.word_hashes(raw, starts, ends - starts), counts
            continue
        # One text of many megabytes is one piece: its words are found and hashed a window of bytes at a
        # time, so that the word offsets and the temporaries of each step (and the word table, sized by the
        # words of a call) stay small; only the hashes are kept whole.
        windows = []
        low = 0
        while low < len(data):
            high = _next_gap(data, min(low + WINDOW_BYTES, len(data) - 1)) + 1
            windows.append((low, high))
            low = high
        # The words are found twice, to count them first: the hashes are then written into one array, not
        # joined from a list of parts, which would hold them twice.
        hashes = np.empty(sum(len(_byte_words(data[low:high])[0]) for low, high in windows), dtype=np.uint64)
        below = np.zeros(len(ends_here), dtype=np.int64)
        filled = 0
        for low, high in windows:
            starts, ends = _byte_words(data[low:high])
            starts += low
            ends += low
            below += np.searchsorted(starts, ends_here)
            hashes[filled : filled + len(starts)] = table.word_hashes(raw, starts, ends - starts)
            filled += len(starts)
        yield hashes, np.diff(below, prepend=0)


def _next_gap(data: U8, at: int) -> int:
    """The offset of the first byte at or after ``at`` that is not in a word (``data`` ends with one)."""
    step = 1 << 12
    while True:
        found = np.flatnonzero(data[at : at + step] <= 32)
        if len(found):
            return at + int(found[0])
        at += step
        step = min(2 * step, WINDOW_BYTES)


def word_hashes(normalized: Sequence[str], hash_function: HashFunction = default_hash) -> tuple[U64, I64]:
    """The hash of every word of every text, in order, and the number of words of each text.

    Words are found and told apart with numpy over the UTF-8 bytes of the texts; the hash function runs once
    per distinct word, never once per word.

    >>> hashes, counts = word_hashes(["kim arrives", "kim"], lambda data: len(data))
    >>> hashes.tolist(), counts.tolist()
    ([3, 7, 3], [2, 1])
    """
    pieces = list(_pieces([text.encode("utf-8") for text in normalized], _WordTable(hash_function)))
    if not pieces:
        return np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64)
    hashes, counts = zip(*pieces, strict=True)
    return np.concatenate(hashes), np.concatenate(counts).astype(np.int64)


def _shingles(hashes: U64, counts: I64, size: int, out: U64 | None = None) -> U64:
    """The shingles of consecutive texts, given their word hashes and word counts: none crosses two texts.

    With ``out`` (room for ``len(hashes) - size + 1`` values), they are written there when none crosses.
    """
    mixed = mix_shingles(hashes, size, out)
    if len(mixed) == int(np.maximum(counts - (size - 1), 0).sum()):
        return mixed
    # Drop the windows that cross into the next text: those starting in a text's last size - 1 words.
    inside = np.ones(len(mixed), dtype=bool)
    ends = np.cumsum(counts)
    starts = ends - counts
    for back in range(1, size):
        crossing = ends - back
        inside[crossing[(crossing >= starts) & (crossing < len(mixed))]] = False
    return mixed[inside]


def fingerprint(
    normalized: Sequence[str],
    shingle_size: int = 4,
    hash_function: HashFunction = default_hash,
) -> Fingerprints:
    """Fingerprint normalized block texts (words separated by single spaces, no newlines).

    >>> fp = fingerprint(["kim arrives in russia by train", "kim arrives"], shingle_size=4)
    >>> fp.word_counts.tolist(), fp.shingle_blocks.tolist()
    ([6, 2], [0, 0, 0])
    """
    table = _WordTable(hash_function)
    exact_of_batches = [np.empty(0, dtype=np.uint64)]
    counts_of_pieces = [np.empty(0, dtype=np.int64)]
    # The shingles are written into one array as they come, not joined at the end, which would hold them
    # twice. Normalized texts have a space between words, so a text has no more words than spaces plus one,
    # and no more shingles than that less size - 1. A piece's shingles are mixed before those that cross
    # from one text into the next are dropped: room for those of a batch's texts is added. What is left
    # over is given back at the end.
    spaces = np.fromiter(map(str.count, normalized, repeat(" ")), dtype=np.int64, count=len(normalized))
    spaces -= shingle_size - 2
    capacity = int(spaces.clip(0).sum()) + (shingle_size - 1) * min(len(normalized), TEXTS_PER_BATCH)
    del spaces
    shingle_hashes = np.empty(capacity, dtype=np.uint64)
    filled = 0
    # A batch of texts at a time: the UTF-8 copies of a whole run's texts would hold much memory at once.
    for start in range(0, len(normalized), TEXTS_PER_BATCH):
        encoded = [text.encode("utf-8") for text in normalized[start : start + TEXTS_PER_BATCH]]
        exact_of_batches.append(np.fromiter(map(hash_function, encoded), dtype=np.uint64, count=len(encoded)))
        for hashes, counts in _pieces(encoded, table):
            counts_of_pieces.append(counts)
            room = max(0, len(hashes) - shingle_size + 1)
            if filled + room > len(shingle_hashes):
                # Words apart by other whitespace than spaces (texts that were not normalized): make room.
                grown = np.empty(2 * (filled + room), dtype=np.uint64)
                grown[:filled] = shingle_hashes[:filled]
                shingle_hashes = grown
            # Mixed in place: a text of millions of words would otherwise hold its shingles twice.
            shingles = _shingles(hashes, counts, shingle_size, shingle_hashes[filled:])
            if len(shingles) and not np.may_share_memory(shingles, shingle_hashes):
                shingle_hashes[filled : filled + len(shingles)] = shingles
            filled += len(shingles)
    shingle_hashes.resize(filled, refcheck=False)  # shrinks in place: nothing else refers to it yet
    exact = np.concatenate(exact_of_batches)
    word_counts = np.concatenate(counts_of_pieces).astype(np.int64)
    # As many shingles as words less size - 1, in each block (none crosses two blocks).
    shingle_counts = np.maximum(word_counts - (shingle_size - 1), 0)
    return Fingerprints(exact, word_counts, shingle_hashes, shingle_counts)
