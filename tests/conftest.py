"""Shared fixtures: paths to the golden cases and to ../shared when it exists."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lbdedup.cli import app

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


def copy_snapshots(folder: Path) -> tuple[Path, Path]:
    """Copy the two snapshot fixtures (a.txt, b.txt) into ``folder``; return their new paths."""
    import shutil

    for name in ("a.txt", "b.txt"):
        shutil.copyfile(FIXTURES / "snapshots" / "input" / name, folder / name)
    return folder / "a.txt", folder / "b.txt"


def invoke_in(args: list[str], cwd: Path) -> tuple[int, str, str]:
    """Run the CLI through CliRunner from ``cwd``: (exit code, stdout, stderr)."""
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(app, args)
    finally:
        os.chdir(previous)
    return result.exit_code, result.stdout, result.stderr


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The dask engine's tests (and README examples that run it, or run after it) run last.

    A dask client leaves its event-loop threads running in this process after it closes, and fork_map does
    not fork beside other threads: the tests of forking (and of -j) must run before any dask test.
    """
    items.sort(key=_runs_dask)


def _runs_dask(item: pytest.Item) -> bool:
    if item.nodeid.startswith("tests/test_dask_engine.py"):
        return True
    params = getattr(getattr(item, "callspec", None), "params", {})
    command = params.get("command")
    if not isinstance(command, str):
        return False
    from .test_cli import README_COMMANDS

    return any("--engine dask" in line for line in (command, *README_COMMANDS.get(command, ())))
