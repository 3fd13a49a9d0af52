"""The benchmark scripts: what they measure still exists (bench_stages wraps private stages of the core)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

from .conftest import FIXTURES, ROOT

BENCH_STAGES = ROOT / "benchmarks" / "bench_stages.py"


def _stage_labels() -> list[str]:
    spec = importlib.util.spec_from_file_location("bench_stages_under_test", BENCH_STAGES)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [label for _, label in module.CORE_STAGES]


def test_bench_stages_times_every_stage_it_names(tmp_path: Path) -> None:
    """One run of bench_stages on two fixture files finds and times every stage of the core it names."""
    inputs = sorted((FIXTURES / "snapshots" / "input").glob("*.txt"))
    files = tmp_path / "files.json"
    files.write_text(json.dumps([str(path) for path in inputs]), encoding="utf-8")
    command = [sys.executable, str(BENCH_STAGES), "--one-run", str(files), "0"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=True)
    answer = json.loads(done.stdout)
    assert answer["missing"] == []
    assert answer["blocks"] > 0
    expected = ["start-up", "read", "dedupe", *_stage_labels(), "dedupe, other", "render and write JSON"]
    assert sorted(answer["figures"]) == sorted(expected)
