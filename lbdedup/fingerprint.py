"""Fingerprint stage: word shingles and an exact hash for every block.

Each distinct word is hashed once with the run's hash function (xxh3 by default); a shingle's hash mixes the
hashes of its ``k`` consecutive words, vectorized with numpy over all blocks at once, so no Python code runs
per shingle. Shingles never cross a block boundary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from lbdedup.model import HashFunction, default_hash

__all__ = ["Fingerprints", "fingerprint", "mix_shingles", "word_hashes"]

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

# Odd 64-bit constants from splitmix64; any odd multipliers with good bit spread would do.
_MIX_A = np.uint64(0x9E3779B97F4A7C15)
_MIX_B = np.uint64(0xBF58476D1CE4E5B9)
_MIX_C = np.uint64(0x94D049BB133111EB)
# Base of the polynomial that tells words apart, and its inverse modulo 2**64 (it exists: the base is odd).
_POLY_BASE = np.uint64(0x100000001B3)
_POLY_INVERSE = np.uint64(pow(0x100000001B3, -1, 1 << 64))
# Bytes per slice of the word-identity pass: bounds its temporaries at a few times this, times 8.
CHUNK_BYTES = 1 << 22


@dataclass(frozen=True, eq=False)
class Fingerprints:
    """Hashes of every block of a run.

    ``exact[i]`` hashes block i's whole normalized text; ``word_counts[i]`` counts its words;
    ``shingle_hashes[j]`` belongs to block ``shingle_blocks[j]``, in block order.
    """

    exact: U64
    word_counts: I64
    shingle_hashes: U64
    shingle_blocks: I64


def mix_shingles(word_hashes: U64, size: int) -> U64:
    """Hash every window of ``size`` consecutive word hashes into one 64-bit value (order matters).

    >>> words = np.array([1, 2, 3], dtype=np.uint64)
    >>> len(mix_shingles(words, 2)), bool(mix_shingles(words, 2)[0] != mix_shingles(words[::-1], 2)[1])
    (2, True)
    """
    count = len(word_hashes) - size + 1
    if count <= 0:
        return np.empty(0, dtype=np.uint64)
    mixed = np.full(count, _MIX_A, dtype=np.uint64)
    for offset in range(size):
        mixed ^= word_hashes[offset : offset + count]
        mixed *= _MIX_B
        mixed ^= mixed >> np.uint64(29)
    mixed *= _MIX_C
    mixed ^= mixed >> np.uint64(32)
    return mixed


def _byte_words(raw: bytes) -> tuple[I64, I64]:
    """Start and end offsets of the words of ``raw`` (runs of bytes above ASCII space)."""
    data = np.frombuffer(raw, dtype=np.uint8)
    inside = np.zeros(len(data) + 2, dtype=np.int8)
    inside[1:-1] = data > 32
    edges = np.diff(inside)
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _chunk_bounds(newlines: I64, total: int) -> list[tuple[int, int]]:
    """Cut ``[0, total)`` after newlines into pieces of about CHUNK_BYTES, so temporaries stay small."""
    cuts = [0]
    while cuts[-1] < total:
        target = cuts[-1] + CHUNK_BYTES
        if target >= total:
            cuts.append(total)
            break
        after = int(np.searchsorted(newlines, target))
        cuts.append(int(newlines[after]) + 1 if after < len(newlines) else total)
    return list(pairwise(cuts))


def _word_identities(raw: bytes, starts: I64, ends: I64, newlines: I64) -> U64:
    """A 64-bit polynomial value per word, equal for equal words, computed with no Python loop per word.

    It only serves to find the distinct words; their real hashes come from the run's hash function.
    """
    identities = np.empty(len(starts), dtype=np.uint64)
    data = np.frombuffer(raw, dtype=np.uint8)
    done = 0
    for low, high in _chunk_bounds(newlines, len(raw)):
        count = int(np.searchsorted(starts, high)) - done
        chunk_starts = starts[done : done + count] - low
        chunk_ends = ends[done : done + count] - low
        size = high - low
        powers = np.empty(size + 1, dtype=np.uint64)
        powers[0] = 1
        powers[1:] = _POLY_BASE
        np.cumprod(powers, out=powers)
        prefix = np.zeros(size + 1, dtype=np.uint64)
        np.cumsum((data[low:high].astype(np.uint64) + np.uint64(1)) * powers[:size], out=prefix[1:])
        inverse_powers = np.empty(size + 1, dtype=np.uint64)
        inverse_powers[0] = 1
        inverse_powers[1:] = _POLY_INVERSE
        np.cumprod(inverse_powers, out=inverse_powers)
        values = (prefix[chunk_ends] - prefix[chunk_starts]) * inverse_powers[chunk_starts]
        values ^= (chunk_ends - chunk_starts).astype(np.uint64) * _MIX_C
        identities[done : done + count] = values
        done += count
    return identities


def word_hashes(normalized: Sequence[str], hash_function: HashFunction = default_hash) -> tuple[U64, I64]:
    """The hash of every word of every text, in order, and the number of words of each text.

    Words are found and told apart with numpy over the UTF-8 bytes of all texts at once; the hash function
    runs once per distinct word, never once per word.

    >>> hashes, counts = word_hashes(["kim arrives", "kim"], lambda data: len(data))
    >>> hashes.tolist(), counts.tolist()
    ([3, 7, 3], [2, 1])
    """
    raw = ("\n".join(normalized) + "\n").encode("utf-8")
    starts, ends = _byte_words(raw)
    newlines = np.flatnonzero(np.frombuffer(raw, dtype=np.uint8) == ord("\n"))
    block_of_word = np.searchsorted(newlines, starts)
    counts = np.bincount(block_of_word, minlength=len(normalized)).astype(np.int64)
    if not len(starts):
        return np.empty(0, dtype=np.uint64), counts
    _, first, inverse = np.unique(
        _word_identities(raw, starts, ends, newlines), return_index=True, return_inverse=True
    )
    distinct = [
        hash_function(raw[start:end])
        for start, end in zip(starts[first].tolist(), ends[first].tolist(), strict=True)
    ]
    return np.array(distinct, dtype=np.uint64)[inverse.reshape(-1)], counts


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
    exact = np.fromiter(
        (hash_function(text.encode("utf-8")) for text in normalized), dtype=np.uint64, count=len(normalized)
    )
    hashes_of_words, word_counts = word_hashes(normalized, hash_function)
    block_of_word = np.repeat(np.arange(len(normalized), dtype=np.int64), word_counts)
    hashes = mix_shingles(hashes_of_words, shingle_size)
    if len(hashes):
        inside = block_of_word[: len(hashes)] == block_of_word[shingle_size - 1 :]
        hashes = hashes[inside]
        blocks = block_of_word[: len(inside)][inside]
    else:
        blocks = np.empty(0, dtype=np.int64)
    return Fingerprints(exact=exact, word_counts=word_counts, shingle_hashes=hashes, shingle_blocks=blocks)
