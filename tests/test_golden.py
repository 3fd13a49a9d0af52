"""Golden cases: fixtures/<case>/input/* cleaned must equal fixtures/<case>/expected.txt and expected.json.

Each case may hold an ``args`` file with extra options (one per line). To rewrite the expected files after
a deliberate change, run ``LBDEDUP_REGEN=1 python -m pytest tests/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lbdedup.cli import app

from .conftest import FIXTURES

CASES = sorted(path for path in FIXTURES.iterdir() if (path / "input").is_dir())
OUTPUTS = {"expected.txt": ["--format", "text"], "expected.json": ["--format", "json"]}


def _run(case: Path, output_args: list[str]) -> str:
    extra = (case / "args").read_text().split() if (case / "args").exists() else []
    inputs = [f"input/{path.name}" for path in sorted((case / "input").iterdir())]
    previous = Path.cwd()
    os.chdir(case)
    try:
        result = CliRunner().invoke(app, ["clean", *output_args, *extra, *inputs])
    finally:
        os.chdir(previous)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
@pytest.mark.parametrize("expected_name", sorted(OUTPUTS))
def test_golden(case: Path, expected_name: str) -> None:
    """Cleaning the case's inputs gives exactly the expected output."""
    actual = _run(case, OUTPUTS[expected_name])
    expected_path = case / expected_name
    if os.environ.get("LBDEDUP_REGEN"):
        expected_path.write_text(actual, encoding="utf-8")
    assert expected_path.exists(), f"missing {expected_path}; run with LBDEDUP_REGEN=1"
    assert actual == expected_path.read_text(encoding="utf-8")


def test_every_case_has_inputs() -> None:
    """The golden suite is not empty and every case has at least one input file."""
    assert len(CASES) >= 5
    for case in CASES:
        assert any((case / "input").iterdir()), case
