"""Candidates stage: pairs from a shingle index, and no blow-up from common phrases."""

from __future__ import annotations

from contextlib import nullcontext
from itertools import pairwise
from unittest.mock import patch

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lbdedup.candidates as candidates_module
from lbdedup import Document, Options, Status, dedupe
from lbdedup.candidates import CandidatePairs, candidate_pairs
from lbdedup.fingerprint import Fingerprints, fingerprint

STOCK = "according to the latest figures released by the"


def _pairs(texts: list[str], **options: int | float) -> list[tuple[int, int]]:
    prints = fingerprint(texts, shingle_size=4)
    found = candidate_pairs(prints, np.ones(len(texts), dtype=bool), **options)  # type: ignore[arg-type]  # test-only kwargs
    return list(zip(found.first.tolist(), found.second.tolist(), strict=True))


def test_blocks_sharing_shingles_pair_up() -> None:
    """Blocks that share most shingles are candidates, ordered first < second; unrelated ones are not."""
    texts = [
        "the river rose two metres overnight in the old town",
        "a heatwave grips the south with records falling",
        "the river rose two metres overnight in the old town centre",
    ]
    assert _pairs(texts) == [(0, 2)]


def test_ineligible_blocks_are_left_out() -> None:
    """Blocks masked out (meta lines, short blocks, exact repeats) are never candidates."""
    texts = ["the river rose two metres overnight"] * 2 + ["the river rose two metres overnight again"]
    prints = fingerprint(texts, shingle_size=4)
    found = candidate_pairs(prints, np.array([True, False, True]))
    assert list(zip(found.first.tolist(), found.second.tolist(), strict=True)) == [(0, 2)]


def test_a_stock_phrase_gives_no_pairs() -> None:
    """500 blocks sharing one stock phrase (and nothing else) give no candidate pairs from it."""
    texts = [f"{STOCK} office w{n}a w{n}b w{n}c w{n}d w{n}e w{n}f" for n in range(500)]
    assert _pairs(texts) == []
    # Without the limit the same phrase would make every one of the 124,750 pairs a candidate.
    assert len(_pairs(texts, max_shingle_blocks=1000)) == 500 * 499 // 2


def test_stock_phrase_does_not_hide_real_copies() -> None:
    """Among 500 blocks with a stock phrase, the one real copy is still the only candidate pair."""
    texts = [f"{STOCK} office w{n}a w{n}b w{n}c w{n}d w{n}e w{n}f" for n in range(500)]
    texts.append(texts[123] + " today")
    assert _pairs(texts) == [(123, 500)]


def test_a_common_phrase_is_skipped_above_the_limit() -> None:
    """A shingle held by more blocks than max_shingle_blocks is not a posting list."""
    texts = [f"the same four words w{n}" for n in range(10)]
    assert len(_pairs(texts, max_shingle_blocks=10, min_shared_fraction=0.0)) == 45
    assert _pairs(texts, max_shingle_blocks=9, min_shared_fraction=0.0) == []


def test_stock_phrase_blocks_are_all_unique() -> None:
    """Through the whole pipeline, 500 blocks sharing a stock sentence stay unique."""
    text = "".join(
        f"{STOCK.capitalize()} statistics office, w{n}a w{n}b w{n}c w{n}d w{n}e w{n}f rose.\n\n"
        for n in range(500)
    )
    result = dedupe([Document("a.txt", text)], Options())
    assert {block.status for block in result.blocks} == {Status.UNIQUE}


def candidate_pairs_oracle(
    fingerprints: Fingerprints,
    eligible: npt.NDArray[np.bool_],
    max_shingle_blocks: int,
    min_shared_fraction: float,
) -> CandidatePairs:
    """candidate_pairs as it was before the rewrite: one lexsort of all (shingle, block) pairs."""
    keep = eligible[fingerprints.shingle_blocks]
    hashes = fingerprints.shingle_hashes[keep]
    blocks = fingerprints.shingle_blocks[keep]
    nothing = np.empty(0, dtype=np.int64)
    if len(hashes) < 2:
        return CandidatePairs(nothing, nothing, nothing)
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
        return CandidatePairs(nothing, nothing, nothing)
    firsts, seconds = [], []
    for size in np.unique(sizes).tolist():
        members = blocks[starts[sizes == size][:, None] + np.arange(size)]
        upper_a, upper_b = np.triu_indices(size, k=1)
        firsts.append(members[:, upper_a].ravel())
        seconds.append(members[:, upper_b].ravel())
    keys, shared = np.unique(
        np.concatenate(firsts) * np.int64(len(eligible)) + np.concatenate(seconds), return_counts=True
    )
    first, second = np.divmod(keys, np.int64(len(eligible)))
    smaller = np.minimum(distinct_per_block[first], distinct_per_block[second])
    worth = shared >= np.maximum(1, np.ceil(min_shared_fraction * smaller))
    return CandidatePairs(first[worth], second[worth], shared[worth].astype(np.int64))


# Few distinct values, so that shingles repeat within and across blocks; 0 and values whose high bits agree.
HASH_VALUES = [0, 1, 2, 2**64 - 1, 2**63, 2**63 + 1, 0xDEADBEEF << 32, (0xDEADBEEF << 32) + 5, *range(10, 30)]


@st.composite
def shingle_sets(draw: st.DrawFn) -> tuple[Fingerprints, npt.NDArray[np.bool_]]:
    """Fingerprints of up to 30 blocks (in block order, as fingerprint makes them) and an eligible mask."""
    count = draw(st.integers(1, 30))
    per_block = draw(st.lists(st.integers(0, 12), min_size=count, max_size=count))
    hashes = draw(st.lists(st.sampled_from(HASH_VALUES), min_size=sum(per_block), max_size=sum(per_block)))
    eligible = draw(st.lists(st.booleans(), min_size=count, max_size=count))
    prints = Fingerprints(
        exact=np.zeros(count, dtype=np.uint64),
        word_counts=np.array(per_block, dtype=np.int64),
        shingle_hashes=np.array(hashes, dtype=np.uint64),
        shingle_blocks=np.repeat(np.arange(count, dtype=np.int64), per_block),
    )
    return prints, np.array(eligible, dtype=bool)


@settings(max_examples=400, deadline=None)
@given(
    shingle_sets(),
    st.integers(1, 8),
    st.sampled_from([0.0, 0.3, 0.5, 1.0]),
    st.sampled_from([None, 1, 2, 3, 7, 254]),
    st.booleans(),
)
def test_candidate_pairs_match_the_oracle(
    shingles: tuple[Fingerprints, npt.NDArray[np.bool_]],
    limit: int,
    fraction: float,
    ranges: int | None,
    small_slices: bool,
) -> None:
    """The pairs, order and counts of one lexsort of everything, whatever the ranges and slices."""
    prints, eligible = shingles
    small = patch.multiple(candidates_module, _SLICE_BITS=2, _SLICE=4, _PAIRS_AT_ONCE=1)
    with small if small_slices else nullcontext():
        found = candidate_pairs(prints, eligible, limit, fraction, ranges=ranges)
    expected = candidate_pairs_oracle(prints, eligible, limit, fraction)
    for name in ("first", "second", "shared"):
        assert getattr(found, name).dtype == getattr(expected, name).dtype
        assert getattr(found, name).tolist() == getattr(expected, name).tolist()


def test_candidate_pairs_match_the_oracle_on_real_text() -> None:
    """On blocks of prose with copies and stock phrases, the pairs are those of the oracle."""
    texts = [f"{STOCK} office w{n % 40}a w{n % 7}b w{n % 13}c w{n % 5}d and more" for n in range(300)]
    prints = fingerprint(texts, shingle_size=4)
    eligible = np.arange(len(texts)) % 3 != 0
    for limit, fraction in ((64, 0.3), (8, 0.1), (1000, 0.0)):
        found = candidate_pairs(prints, eligible, limit, fraction)
        expected = candidate_pairs_oracle(prints, eligible, limit, fraction)
        assert found.first.tolist() == expected.first.tolist()
        assert found.second.tolist() == expected.second.tolist()
        assert found.shared.tolist() == expected.shared.tolist()


def test_a_block_of_one_repeated_shingle_is_taken_once_across_slices() -> None:
    """Repeats of the shingle before, in the same block, are left out up front, also where a slice starts."""
    prints = Fingerprints(
        exact=np.zeros(3, dtype=np.uint64),
        word_counts=np.zeros(3, dtype=np.int64),
        shingle_hashes=np.array([5] * 9 + [5, 5] + [7, 5], dtype=np.uint64),
        shingle_counts=np.array([9, 2, 2], dtype=np.int64),
    )
    with patch.multiple(candidates_module, _SLICE_BITS=2, _SLICE=4):
        split = candidates_module._split(prints, np.ones(3, dtype=bool), 3)
    assert split.taken.tolist() == [1, 1, 2]
    assert sum(len(offsets) for offsets in split.offsets) == 4


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from("abcdefgh"), max_size=9), min_size=1, max_size=25),
    st.integers(2, 254),
    st.booleans(),
)
def test_the_count_of_hash_ranges_does_not_change_the_pairs(
    words: list[list[str]], ranges: int, small_slices: bool
) -> None:
    """Grouped in one hash range or many, in slices of any size, the shingles of texts give the same pairs."""
    prints = fingerprint([" ".join(text) for text in words], shingle_size=2)
    eligible = np.ones(len(words), dtype=bool)
    whole = candidate_pairs(prints, eligible, 8, 0.3, ranges=1)
    small = patch.multiple(candidates_module, _SLICE_BITS=3, _SLICE=8, _PAIRS_AT_ONCE=2)
    with small if small_slices else nullcontext():
        parted = candidate_pairs(prints, eligible, 8, 0.3, ranges=ranges)
    for name in ("first", "second", "shared"):
        assert getattr(parted, name).tolist() == getattr(whole, name).tolist()


def test_hash_ranges_out_of_bounds_are_refused() -> None:
    """No range at all, or more ranges than a byte can number, is a ValueError."""
    prints = fingerprint(["a b c d e", "a b c d f"])
    for ranges in (0, 255):
        with pytest.raises(ValueError, match="ranges"):
            candidate_pairs(prints, np.ones(2, dtype=bool), ranges=ranges)


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(
        st.lists(st.sampled_from(["a", "b", "c", "d", "e", "f", "g"]), min_size=0, max_size=14).map(" ".join),
        min_size=1,
        max_size=40,
    ),
    cuts=st.lists(st.integers(0, 40), max_size=4),
    ranges=st.integers(1, 6),
    buckets=st.integers(1, 5),
    seed=st.integers(0, 2**16),
)
def test_candidate_pairs_in_parts_equal_the_local_ones(
    texts: list[str], cuts: list[int], ranges: int, buckets: int, seed: int
) -> None:
    """Cut into parts, ranges and buckets, as the dask engine cuts them, the pairs are the local stage's."""
    from lbdedup.candidates import candidate_pairs_in_parts

    rng = np.random.default_rng(seed)
    eligible = rng.random(len(texts)) < 0.9
    whole = candidate_pairs(fingerprint(texts, shingle_size=2), eligible, max_shingle_blocks=6)
    bounds = sorted({0, len(texts), *(cut for cut in cuts if cut <= len(texts))})
    parts = [fingerprint(texts[low:high], shingle_size=2) for low, high in pairwise(bounds)]
    masks = [eligible[low:high] for low, high in pairwise(bounds)]
    found = candidate_pairs_in_parts(parts, masks, max_shingle_blocks=6, ranges=ranges, buckets=buckets)
    assert found.first.tolist() == whole.first.tolist()
    assert found.second.tolist() == whole.second.tolist()
    assert found.shared.tolist() == whole.shared.tolist()
