"""Fingerprint stage: word shingles and exact hashes, with a predictable hash function."""

from __future__ import annotations

import pickle
import re
from unittest.mock import patch

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lbdedup.fingerprint as fingerprint_module
from lbdedup.fingerprint import Fingerprints, fingerprint, mix_shingles, word_hashes
from lbdedup.model import HashFunction, default_hash


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


# Oracles: mix_shingles as it was before the rewrite (whole arrays, no slices), and the plain meaning of
# word_hashes and fingerprint: every word (a run of bytes above space) of every text hashed by itself.
_ORACLE_A = np.uint64(0x9E3779B97F4A7C15)
_ORACLE_B = np.uint64(0xBF58476D1CE4E5B9)
_ORACLE_C = np.uint64(0x94D049BB133111EB)


def mix_shingles_oracle(word_hashes: npt.NDArray[np.uint64], size: int) -> npt.NDArray[np.uint64]:
    """The old mix_shingles."""
    count = len(word_hashes) - size + 1
    if count <= 0:
        return np.empty(0, dtype=np.uint64)
    mixed = np.full(count, _ORACLE_A, dtype=np.uint64)
    for offset in range(size):
        mixed ^= word_hashes[offset : offset + count]
        mixed *= _ORACLE_B
        mixed ^= mixed >> np.uint64(29)
    mixed *= _ORACLE_C
    mixed ^= mixed >> np.uint64(32)
    return mixed


def fingerprint_oracle(texts: list[str], size: int, hash_function: HashFunction) -> Fingerprints:
    """One text and one word at a time."""
    words = [re.findall(rb"[^\x00-\x20]+", text.encode("utf-8")) for text in texts]
    hashes = [np.array([hash_function(word) for word in text], dtype=np.uint64) for text in words]
    shingles = [mix_shingles_oracle(text, size) for text in hashes]
    return Fingerprints(
        exact=np.array([hash_function(text.encode("utf-8")) for text in texts], dtype=np.uint64),
        word_counts=np.array([len(text) for text in words], dtype=np.int64),
        shingle_hashes=np.concatenate([np.empty(0, dtype=np.uint64), *shingles]),
        shingle_blocks=np.repeat(np.arange(len(texts), dtype=np.int64), [len(text) for text in shingles]),
    )


# Words that repeat, words of 8, 9, 16 and 17+ bytes (told apart differently), non-ASCII and control bytes.
VOCABULARY = ["kim", "train", "signifies", "dignified", "nationale", "rationaly", "x" * 8, "y" * 16]
VOCABULARY += ["z" * 17, "z" * 18, "internationalisation", "Straße", "北朝鮮", "é", "\x00*", "a\x7fb"]
WORDS = st.one_of(
    st.sampled_from(VOCABULARY),
    st.text(st.characters(min_codepoint=33, exclude_categories=["Cs"]), min_size=1, max_size=24),
)
SEPARATORS = st.sampled_from([" ", " ", " ", "  ", "\t", "\n", "\x00", "\x1f"])


@st.composite
def block_texts(draw: st.DrawFn) -> list[str]:
    """Texts of words from a small vocabulary and random ones, a few exact repeats, some empty."""
    texts: list[str] = []
    for _ in range(draw(st.integers(0, 12))):
        if texts and draw(st.integers(0, 4)) == 0:
            texts.append(draw(st.sampled_from(texts)))
            continue
        words = draw(st.lists(WORDS, max_size=14))
        text = "".join(word + draw(SEPARATORS) for word in words)
        texts.append(text.strip(" ") if draw(st.booleans()) else text)
    return texts


def assert_same_fingerprints(found: Fingerprints, expected: Fingerprints) -> None:
    """Equal arrays, of equal types, field by field."""
    for name in ("exact", "word_counts", "shingle_hashes", "shingle_blocks"):
        left, right = getattr(found, name), getattr(expected, name)
        assert left.dtype == right.dtype, name
        assert left.tolist() == right.tolist(), name


@settings(max_examples=300, deadline=None)
@given(block_texts(), st.integers(1, 5), st.sampled_from(["xxh3", "length", "counting"]))
def test_fingerprint_matches_the_oracle(texts: list[str], size: int, hashing: str) -> None:
    """Exact hashes, word counts and shingles are those of hashing each word by itself."""
    choices: dict[str, HashFunction] = {"xxh3": default_hash, "length": len, "counting": CountingHash()}
    hash_function = choices[hashing]
    assert_same_fingerprints(
        fingerprint(texts, size, hash_function), fingerprint_oracle(texts, size, hash_function)
    )
    hashes, counts = word_hashes(texts, hash_function)
    words = [word for text in texts for word in re.findall(rb"[^\x00-\x20]+", text.encode("utf-8"))]
    assert hashes.tolist() == [hash_function(word) for word in words]
    assert counts.tolist() == fingerprint_oracle(texts, size, hash_function).word_counts.tolist()


@settings(max_examples=100, deadline=None)
@given(block_texts(), st.integers(1, 5))
def test_fingerprint_matches_the_oracle_in_small_pieces(texts: list[str], size: int) -> None:
    """Tiny pieces, batches and shingle slices, and a tiny first table (which must grow), change nothing."""
    with (
        patch.object(fingerprint_module, "CHUNK_BYTES", 16),
        patch.object(fingerprint_module, "CHUNK_WORDS", 3),
        patch.object(fingerprint_module, "_FIRST_TABLE_BITS", 1),
        patch.object(fingerprint_module, "TEXTS_PER_BATCH", 2),
    ):
        found = fingerprint(texts, size)
    assert_same_fingerprints(found, fingerprint_oracle(texts, size, default_hash))


def test_long_words_with_equal_identities_still_hash_apart() -> None:
    """Were two long words ever given the same identity, each would still get its own hash."""
    original = fingerprint_module._word_identities

    def colliding(*args: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
        identities, long_words = original(*args)  # type: ignore[arg-type]  # the loads array
        identities[long_words] = 1
        return identities, long_words

    texts = [
        "signifies dignified nationale",
        "internationalisation rationaly signifies",
        "dignified " + "z" * 40,
    ]
    with patch.object(fingerprint_module, "_word_identities", colliding):
        found = fingerprint(texts, 2)
    assert_same_fingerprints(found, fingerprint_oracle(texts, 2, default_hash))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 2**64 - 1), max_size=40).map(lambda values: np.array(values, dtype=np.uint64)),
    st.integers(1, 6),
)
def test_mix_shingles_matches_the_oracle(hashes: npt.NDArray[np.uint64], size: int) -> None:
    """Mixing slice by slice gives the same shingles as mixing the whole array at once."""
    with patch.object(fingerprint_module, "CHUNK_WORDS", 4):
        assert mix_shingles(hashes, size).tolist() == mix_shingles_oracle(hashes, size).tolist()
    assert mix_shingles(hashes, size).tolist() == mix_shingles_oracle(hashes, size).tolist()


def test_words_apart_by_tabs_fingerprint_as_words_apart_by_spaces() -> None:
    """Texts that were not normalized (tabs between words) still get every shingle, as with spaces."""
    spaced = ["a b c d e f g h", "kim arrives in russia by train"]
    tabbed = [spaced[0].replace(" ", "\t"), spaced[1]]
    by_tabs, by_spaces = fingerprint(tabbed), fingerprint(spaced)
    assert by_tabs.shingle_hashes.tolist() == by_spaces.shingle_hashes.tolist()
    assert by_tabs.shingle_blocks.tolist() == [0, 0, 0, 0, 0, 1, 1, 1]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 5), max_size=12))
def test_shingle_blocks_and_shingle_counts_say_the_same(counts: list[int]) -> None:
    """Fingerprints made from the block of each shingle keep its count per block, and give the blocks back."""
    blocks = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    prints = Fingerprints(
        exact=np.zeros(len(counts), dtype=np.uint64),
        word_counts=np.zeros(len(counts), dtype=np.int64),
        shingle_hashes=np.arange(len(blocks), dtype=np.uint64),
        shingle_blocks=blocks,
    )
    assert prints.shingle_counts.tolist() == counts
    assert prints.shingle_counts.dtype == np.int64
    assert prints.shingle_blocks.tolist() == blocks.tolist()


def test_fingerprints_refuse_shingles_that_do_not_fit_the_blocks() -> None:
    """Blocks out of order, counts that miss shingles or blocks, or both ways of saying them, are refused."""
    exact, words = np.zeros(2, dtype=np.uint64), np.ones(2, dtype=np.int64)
    hashes = np.arange(3, dtype=np.uint64)
    with pytest.raises(ValueError, match="block order"):
        Fingerprints(exact, words, hashes, shingle_blocks=np.array([1, 0, 1]))
    with pytest.raises(ValueError, match="do not match"):
        Fingerprints(exact, words, hashes, np.array([1, 1], dtype=np.int64))
    with pytest.raises(ValueError, match="do not match"):
        Fingerprints(exact, words, hashes, shingle_blocks=np.array([0, 1, 2]))
    with pytest.raises(TypeError):
        Fingerprints(exact, words, hashes)
    with pytest.raises(TypeError):
        Fingerprints(exact, words, hashes, np.array([2, 1]), shingle_blocks=np.array([0, 0, 1]))


def test_fingerprints_survive_pickling() -> None:
    """A forked worker sends its fingerprints pickled: every field comes back equal."""
    prints = fingerprint(["kim arrives in russia by train", "a b", "kim arrives in russia"])
    assert_same_fingerprints(pickle.loads(pickle.dumps(prints)), prints)
    assert pickle.loads(pickle.dumps(prints)).shingle_counts.tolist() == [3, 0, 1]
