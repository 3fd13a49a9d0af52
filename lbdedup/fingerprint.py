"""Fingerprint stage: word shingles and an exact hash for every block.

Each distinct word is hashed once with the run's hash function (xxh3 by default); a shingle's hash mixes the
hashes of its ``k`` consecutive words, vectorized with numpy over all blocks at once, so no Python code runs
per shingle. Shingles never cross a block boundary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
import numpy.typing as npt

from lbdedup.model import HashFunction, default_hash

__all__ = ["Fingerprints", "fingerprint", "mix_shingles"]

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

# Odd 64-bit constants from splitmix64; any odd multipliers with good bit spread would do.
_MIX_A = np.uint64(0x9E3779B97F4A7C15)
_MIX_B = np.uint64(0xBF58476D1CE4E5B9)
_MIX_C = np.uint64(0x94D049BB133111EB)


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


def fingerprint(
    normalized: Sequence[str],
    shingle_size: int = 4,
    hash_function: HashFunction = default_hash,
) -> Fingerprints:
    """Fingerprint normalized block texts.

    >>> fp = fingerprint(["kim arrives in russia by train", "kim arrives"], shingle_size=4)
    >>> fp.word_counts.tolist(), fp.shingle_blocks.tolist()
    ([6, 2], [0, 0, 0])
    """
    words = [text.split() for text in normalized]
    word_counts = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    exact = np.fromiter(
        (hash_function(text.encode("utf-8")) for text in normalized), dtype=np.uint64, count=len(words)
    )
    total = int(word_counts.sum())
    flat = chain.from_iterable(words)
    vocabulary = {
        word: hash_function(word.encode("utf-8")) for word in dict.fromkeys(chain.from_iterable(words))
    }
    word_hashes = np.fromiter(map(vocabulary.__getitem__, flat), dtype=np.uint64, count=total)
    block_of_word = np.repeat(np.arange(len(words), dtype=np.int64), word_counts)
    hashes = mix_shingles(word_hashes, shingle_size)
    if len(hashes):
        inside = block_of_word[: len(hashes)] == block_of_word[shingle_size - 1 :]
        hashes = hashes[inside]
        blocks = block_of_word[: len(inside)][inside]
    else:
        blocks = np.empty(0, dtype=np.int64)
    return Fingerprints(exact=exact, word_counts=word_counts, shingle_hashes=hashes, shingle_blocks=blocks)
