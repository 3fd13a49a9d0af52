"""Candidates stage: pairs from a shingle index, and no blow-up from common phrases."""

from __future__ import annotations

import numpy as np

from lbdedup import Document, Options, Status, dedupe
from lbdedup.candidates import candidate_pairs
from lbdedup.fingerprint import fingerprint

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
