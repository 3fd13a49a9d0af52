"""Shared fixtures: paths to the golden cases and to ../shared when it exists."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"


@pytest.fixture
def seeds() -> list[Path]:
    """The real scraped live blogs of ../shared/seeds; skips the test where they are absent."""
    found = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
    if not found:
        pytest.skip("../shared/seeds is not here (a user's clone has none)")
    return found
