"""The real pre-commit runs the hooks of .pre-commit-hooks.yaml in a temporary git repository.

pre-commit installs lbdedup from a clone of this repository's committed HEAD into its own virtual environment
(``language: python``: pip installs the local clone; its dependencies come from the package index or pip's
cache), once per test session. Skipped where git or pre-commit is missing, or this is not a git checkout.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

PARAGRAPH = (
    "The river burst its banks at Elmford shortly after dawn, and volunteers carried sandbags along the "
    "high street while the council opened the school hall as a shelter for families from the lower town."
)


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


PIP_DRY_RUN = [
    sys.executable,
    "-m",
    "pip",
    "install",
    "--dry-run",
    "--no-deps",
    "--ignore-installed",
    "--quiet",
    "--retries",
    "0",
    "--timeout",
    "10",
    "--disable-pip-version-check",
]


def _index_unreachable() -> str:
    """Why pip cannot reach its package index ("" when it can): a dry-run install of one small package."""
    try:
        done = subprocess.run(
            [*PIP_DRY_RUN, "setuptools"],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
    except subprocess.TimeoutExpired:
        return "pip install --dry-run setuptools took over 2 minutes"
    if done.returncode == 0:
        return ""
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    return lines[-1].strip() if lines else f"pip exited {done.returncode}"


@pytest.fixture(scope="module")
def hooks_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A clone of this repository's HEAD and an environment with a private PRE_COMMIT_HOME."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    if importlib.util.find_spec("pre_commit") is None:
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
    if subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, check=False).returncode:
        pytest.skip("not a git checkout with a commit: pre-commit needs one to install the hooks from")
    unreachable = _index_unreachable()
    if unreachable:
        pytest.skip(
            f"no package index reachable (pre-commit installs lbdedup's dependencies from one): {unreachable}"
        )
    base = tmp_path_factory.mktemp("precommit")
    clone = base / "lbdedup"
    _git("clone", "--quiet", str(ROOT), str(clone), cwd=base)
    env = {**os.environ, "PRE_COMMIT_HOME": str(base / "cache"), "PRE_COMMIT_COLOR": "never"}
    return clone, env


def _try_repo(hooks: tuple[Path, dict[str, str]], hook: str, files: list[str], cwd: Path) -> tuple[int, str]:
    clone, env = hooks
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(clone), hook, "--files", *files],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    return done.returncode, done.stdout + done.stderr


def test_precommit_rejects_then_fixes(hooks_repo: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    """lbdedup-check rejects a copied paragraph, lbdedup-fix removes it, and the check then passes."""
    _git("init", "--quiet", cwd=tmp_path)
    (tmp_path / "a.txt").write_text(f"Flood live\n\n{PARAGRAPH}\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text(f"Scraper copy\n\n{PARAGRAPH}\n", encoding="utf-8")
    _git("add", "a.txt", "b.txt", cwd=tmp_path)

    code, output = _try_repo(hooks_repo, "lbdedup-check", ["a.txt", "b.txt"], tmp_path)
    assert code == 1, output
    assert "b.txt:3: duplicate of a.txt:3 (exact, 1.00)" in output

    code, output = _try_repo(hooks_repo, "lbdedup-fix", ["a.txt", "b.txt"], tmp_path)
    assert code == 1, output
    assert "Fixing b.txt" in output
    assert PARAGRAPH not in (tmp_path / "b.txt").read_text(encoding="utf-8")
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == f"Flood live\n\n{PARAGRAPH}\n"

    code, output = _try_repo(hooks_repo, "lbdedup-check", ["a.txt", "b.txt"], tmp_path)
    assert code == 0, output


def test_precommit_compares_with_the_index(hooks_repo: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    """Only the staged file is passed; the copy is still found, in the index of the files already there."""
    _git("init", "--quiet", cwd=tmp_path)
    (tmp_path / "old.txt").write_text(f"Flood live\n\n{PARAGRAPH}\n", encoding="utf-8")
    built = subprocess.run(
        [sys.executable, "-m", "lbdedup", "index", "build", "old.txt"],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    (tmp_path / "new.txt").write_text(f"Day two\n\n{PARAGRAPH}\n", encoding="utf-8")
    _git("add", "new.txt", cwd=tmp_path)
    code, output = _try_repo(hooks_repo, "lbdedup-check", ["new.txt"], tmp_path)
    assert code == 1, output
    assert "new.txt:3: duplicate of old.txt:3 (exact, 1.00)" in output


def test_no_reachable_index_is_a_reason_to_skip(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no package index pip can reach, the hooks' tests get a reason to skip, not a failure."""
    for name in ("PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL", "PIP_NO_INDEX"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")  # the discard port: nobody answers
    assert _index_unreachable()
