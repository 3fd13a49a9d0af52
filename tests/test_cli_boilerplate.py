"""The boilerplate options and configuration files through the command line (CliRunner and a subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lbdedup.cli import app

PAGE = (
    "Friday, July 5, 2024\n\n"
    "Flood live: the river rises\n\n"
    "The river rose two metres overnight and the council opened three shelters in the old market hall.\n\n"
    "Hosted by LedgerPress\n\n"
    "Source link\n"
)


@pytest.fixture
def page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scraped page in an empty working folder: no configuration file applies unless a test writes one."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "page.txt"
    path.write_text(PAGE, encoding="utf-8")
    return path


def _statuses(*args: str) -> dict[int, tuple[str, str | None]]:
    result = CliRunner().invoke(app, ["clean", "--format", "json", *args, "page.txt"])
    assert result.exit_code == 0, result.output
    return {b["line_start"]: (b["status"], b["reason"]) for b in json.loads(result.stdout)["blocks"]}


def test_default_drops_furniture_with_reasons(page: Path) -> None:
    """By default the scrape date and "Source link" are boilerplate, with their reasons in the JSON."""
    statuses = _statuses()
    assert statuses[1] == ("boilerplate", "scrape date at the top of the page")
    assert statuses[9] == ("boilerplate", "pattern: source link")
    assert statuses[3][0] == statuses[5][0] == statuses[7][0] == "unique"


def test_text_output_says_how_many_were_dropped(page: Path) -> None:
    """The clean text drops the furniture; provenance mode says how many blocks went, per source."""
    result = CliRunner().invoke(app, ["clean", "page.txt"])
    assert result.exit_code == 0
    assert "[boilerplate dropped: 2 blocks]" in result.stdout
    assert "Source link" not in result.stdout
    bare = CliRunner().invoke(app, ["clean", "--provenance", "none", "page.txt"]).stdout
    assert "boilerplate" not in bare
    assert "Friday" not in bare


def test_options(page: Path) -> None:
    """--boilerplate off keeps everything; --drop-pattern adds; --keep-pattern wins."""
    assert {status for status, _ in _statuses("--boilerplate", "off").values()} == {"unique"}
    assert _statuses("--drop-pattern", "^Hosted")[7] == ("boilerplate", "drop pattern '^Hosted'")
    kept = _statuses("--drop-pattern", "^Hosted", "--keep-pattern", "Hosted", "--keep-pattern", "Source")
    assert kept[7][0] == kept[9][0] == "unique"


def test_config_file_and_precedence(page: Path) -> None:
    """A .lbdedup.toml in the working folder applies; options on the command line win over it."""
    (page.parent / ".lbdedup.toml").write_text('boilerplate = "off"\ndrop-pattern = "^Hosted"\n')
    statuses = _statuses()
    assert statuses[9] == ("unique", None)
    assert statuses[7] == ("boilerplate", "drop pattern '^Hosted'")
    statuses = _statuses("--boilerplate", "auto", "--drop-pattern", "^Flood")
    assert statuses[9] == ("boilerplate", "pattern: source link")
    assert statuses[7] == ("unique", None)
    assert statuses[3][0] == "boilerplate"


def test_pyproject_table_from_a_parent_folder(page: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """[tool.lbdedup] in a parent folder's pyproject.toml applies in its subfolders."""
    (page.parent / "pyproject.toml").write_text('[tool.lbdedup]\nboilerplate = "off"\n')
    sub = page.parent / "sub"
    sub.mkdir()
    (sub / "page.txt").write_text(PAGE)
    monkeypatch.chdir(sub)
    assert _statuses()[9] == ("unique", None)


@pytest.mark.parametrize("command", ["clean", "report"])
@pytest.mark.parametrize(
    ("config", "args", "message"),
    [
        (None, ["--drop-pattern", "("], "lbdedup: error: --drop-pattern: bad regular expression '('"),
        (None, ["--keep-pattern", ""], "lbdedup: error: --keep-pattern: an empty regular expression"),
        (None, ["--boilerplate", "loud"], "loud"),
        ('boilerplate = "loud"\n', [], ".lbdedup.toml: boilerplate must be one of off, auto, strict"),
        ("boilerplate = [\n", [], ".lbdedup.toml: invalid TOML"),
    ],
)
def test_bad_settings_exit_2(
    page: Path, command: str, config: str | None, args: list[str], message: str
) -> None:
    """Bad patterns, modes or files stop with exit 2 and one line naming the option or the file."""
    if config is not None:
        (page.parent / ".lbdedup.toml").write_text(config)
    result = CliRunner().invoke(app, [command, *args, "page.txt"])
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""
    if config is not None or "pattern" in message:
        assert result.stderr.count("\n") == 1


def test_report_lists_boilerplate(page: Path) -> None:
    """The report for people counts boilerplate and shows the reasons."""
    result = CliRunner().invoke(app, ["report", "page.txt"], env={"COLUMNS": "160"})
    assert result.exit_code == 0
    assert "2 boilerplate dropped" in result.stdout
    assert "pattern: source link" in result.stdout


def test_subprocess_bad_config(page: Path) -> None:
    """Through a real process: a bad configuration file gives exit 2, one line on stderr, no traceback."""
    config = page.parent / ".lbdedup.toml"
    config.write_text('keep-pattern = ["[unclosed"]\n')
    done = subprocess.run(
        [sys.executable, "-m", "lbdedup", "clean", "page.txt"],
        capture_output=True,
        text=True,
        cwd=page.parent,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith(f"lbdedup: error: {config}: keep-pattern: bad regular expression")
    assert done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr


def test_subprocess_options(page: Path) -> None:
    """Through a real process: the options work and the output file holds the reasons."""
    done = subprocess.run(
        [sys.executable, "-m", "lbdedup", "clean", "-f", "jsonl", "--drop-pattern", "^Hosted", "page.txt"],
        capture_output=True,
        text=True,
        cwd=page.parent,
        check=True,
    )
    reasons = [json.loads(line)["reason"] for line in done.stdout.splitlines()]
    assert reasons.count(None) == 2
    assert "drop pattern '^Hosted'" in reasons
