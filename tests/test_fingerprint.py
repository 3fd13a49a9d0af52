"""Fingerprint stage: word shingles and exact hashes, with a predictable hash function."""

from __future__ import annotations

import numpy as np
import pytest

from lbdedup.fingerprint import fingerprint, mix_shingles


class CountingHash:
    """A predictable hash: each distinct input gets the next integer, so tests know every value."""

    def __init__(self) -> None:
        self.ids: dict[bytes, int] = {}

    def __call__(self, data: bytes) -> int:
        """The id of ``data``, new ids counting up from 1."""
        return self.ids.setdefault(data, len(self.ids) + 1)


def test_shingles_with_predictable_hashes() -> None:
    """Each shingle mixes the hashes of its words; the exact hash hashes the whole text."""
    hasher = CountingHash()
    prints = fingerprint(["a b c d", "b c d e"], shingle_size=3, hash_function=hasher)
    assert prints.exact.tolist() == [hasher.ids[b"a b c d"], hasher.ids[b"b c d e"]]
    words = np.array([hasher.ids[w] for w in (b"a", b"b", b"c", b"d", b"e")], dtype=np.uint64)
    expected = mix_shingles(words[[0, 1, 2, 3]], 3).tolist() + mix_shingles(words[[1, 2, 3, 4]], 3).tolist()
    assert prints.shingle_hashes.tolist() == expected
    assert prints.shingle_blocks.tolist() == [0, 0, 1, 1]
    # "b c d" is in both blocks: the same words give the same shingle wherever they are.
    assert prints.shingle_hashes[1] == prints.shingle_hashes[2]


@pytest.mark.parametrize(
    ("texts", "size", "blocks"),
    [
        (["a b c d", "e f"], 3, [0, 0]),
        (["a b", "c d e f"], 3, [1, 1]),
        (["a b", "c d"], 3, []),
        (["", "a b c"], 3, [1]),
        (["a b c", "", "d e f"], 3, [0, 2]),
        (["a b c d"], 1, [0, 0, 0, 0]),
        ([], 4, []),
    ],
)
def test_shingles_never_cross_blocks(texts: list[str], size: int, blocks: list[int]) -> None:
    """A block of n words has n - k + 1 shingles (none when shorter than k), all its own."""
    prints = fingerprint(texts, shingle_size=size, hash_function=CountingHash())
    assert prints.shingle_blocks.tolist() == blocks
    assert prints.word_counts.tolist() == [len(text.split()) for text in texts]


def test_equal_texts_equal_fingerprints() -> None:
    """Equal texts get equal exact hashes and shingles with the default hash, run after run."""
    texts = ["kim arrives in russia by train", "putin waits at the station", "kim arrives in russia by train"]
    first, second = fingerprint(texts), fingerprint(list(texts))
    assert first.exact[0] == first.exact[2] != first.exact[1]
    assert first.exact.tolist() == second.exact.tolist()
    assert first.shingle_hashes.tolist() == second.shingle_hashes.tolist()


def test_mix_shingles_is_order_sensitive() -> None:
    """Shingles of the same words in another order differ."""
    words = np.array([11, 22, 33], dtype=np.uint64)
    assert mix_shingles(words, 3)[0] != mix_shingles(words[::-1], 3)[0]
    assert len(mix_shingles(words, 4)) == 0
