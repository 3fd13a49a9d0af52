"""The command line's surface: usage lines, help, shell completion, the report's width, the progress bar."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from lbdedup import cli
from lbdedup.cli import app

from .conftest import invoke_in

COMMANDS = [
    ["clean"],
    ["report"],
    ["check"],
    ["fix"],
    ["index", "build"],
    ["index", "update"],
    ["index", "query"],
]
USAGE = {
    "clean": "PATH...",
    "report": "PATH...",
    "check": "PATH...",
    "fix": "PATH...",
    "index build": "PATH...",
    "index update": "[PATH]...",
    "index query": "FILE",
    "completion": "SHELL",
}


@pytest.mark.parametrize("command", sorted(USAGE))
def test_usage_lines_name_arguments_plainly(command: str) -> None:
    """Usage lines read `PATH...`, never `{PATH...}` nor `{paths}...`."""
    result = CliRunner().invoke(app, [*command.split(), "--help"], env={"COLUMNS": "100"})
    usage = result.stdout.splitlines()[0]
    assert usage == f"Usage: lbdedup {command} [OPTIONS] {USAGE[command]}"


def test_no_help_shows_braces_or_rest_markup() -> None:
    """No help text of any command shows typer's braces or raw reStructuredText (``code``)."""
    group = typer.main.get_command(app)
    names = [*(["index", name] for name in ("build", "update", "stats", "query"))]
    names += [[name] for name in group.commands if name != "index"]  # type: ignore[attr-defined]  # a click Group
    for args in names:
        shown = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": "100"}).stdout
        assert "``" not in shown, args
        assert "{" not in shown.splitlines()[0], args


def test_check_and_fix_help_say_what_stdin_does() -> None:
    """The help of check says '-' reads stdin; fix's says '-' is refused and what to use instead."""
    check = " ".join(CliRunner().invoke(app, ["check", "--help"], env={"COLUMNS": "200"}).stdout.split())
    fix = " ".join(CliRunner().invoke(app, ["fix", "--help"], env={"COLUMNS": "200"}).stdout.split())
    assert "'-' checks stdin" in check
    assert "'-' is refused: stdin cannot be rewritten (clean it with `lbdedup clean -`)" in fix


@pytest.mark.parametrize(
    ("shell", "marker"),
    [
        ("bash", "complete -o default -F _lbdedup_completion lbdedup"),
        ("zsh", "#compdef lbdedup"),
        ("fish", "complete"),
    ],
)
def test_completion_prints_a_script(shell: str, marker: str) -> None:
    """`lbdedup completion SHELL` prints that shell's script, which asks lbdedup through _LBDEDUP_COMPLETE."""
    done = subprocess.run(
        [sys.executable, "-m", "lbdedup", "completion", shell],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert marker in done.stdout
    assert "_LBDEDUP_COMPLETE" in done.stdout


def _complete(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lbdedup"],
        env={**os.environ, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_completion_answers_each_shell(tmp_path: Path) -> None:
    """What the scripts ask for: commands (bash), --format's values (zsh), commands with help (fish)."""
    bash = _complete(
        {"_LBDEDUP_COMPLETE": "complete_bash", "COMP_WORDS": "lbdedup ch", "COMP_CWORD": "1"}, tmp_path
    )
    assert (bash.returncode, bash.stdout.split()) == (0, ["check"])
    zsh = _complete(
        {"_LBDEDUP_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "lbdedup check --format "}, tmp_path
    )
    assert zsh.returncode == 0
    assert all(value in zsh.stdout for value in ('"text"', '"json"', '"github"'))
    fish = _complete(
        {
            "_LBDEDUP_COMPLETE": "complete_fish",
            "_TYPER_COMPLETE_ARGS": "lbdedup cl",
            "_TYPER_COMPLETE_FISH_ACTION": "get-args",
        },
        tmp_path,
    )
    assert fish.returncode == 0
    assert fish.stdout.startswith("clean\t")


def test_completion_refuses_another_shell() -> None:
    """An unknown shell is a usage error, exit 2."""
    code, stdout, stderr = invoke_in(["completion", "tcsh"], Path.cwd())
    assert (code, stdout) == (2, "")
    assert "tcsh" in stderr


LONG = "2024-06-01-elmford-flood-live-blog-snapshot-taken-at-0930-by-the-night-scraper"
PARAGRAPH = (
    "The river burst its banks at Elmford shortly after dawn, "
    "and volunteers carried sandbags along the street."
)


def _long_named_blogs(folder: Path) -> list[str]:
    names = [f"{LONG}-{n}.txt" for n in range(3)]
    (folder / names[0]).write_text(f"Flood live\n\n{PARAGRAPH}\n", encoding="utf-8")
    (folder / names[1]).write_text(f"Copy one\n\n{PARAGRAPH}\n", encoding="utf-8")
    near = PARAGRAPH.replace("dawn", "sunrise")
    (folder / names[2]).write_text(f"Copy two\n\n{near}\n", encoding="utf-8")
    return names


def test_report_at_80_columns_cuts_names_in_the_middle(tmp_path: Path) -> None:
    """At 80 columns no line is wider, no name folds over lines, and each name keeps its end and lines."""
    names = _long_named_blogs(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "lbdedup", "report", *names],
        cwd=tmp_path,
        env={**os.environ, "COLUMNS": "80"},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert max(map(len, lines)) <= 80
    assert not any(line.strip("│ ").startswith(("snapshot", "taken", "scraper")) for line in lines)
    assert any("2024-06-…raper-1.txt" in line for line in lines)  # its start and its end


def test_report_brackets_differing_words_off_a_terminal(tmp_path: Path) -> None:
    """Piped, the near match shows [-removed-] and {+added+} words, readable without colour."""
    names = _long_named_blogs(tmp_path)
    code, stdout, _ = invoke_in(["report", *names], tmp_path)
    assert code == 0
    flat = " ".join(stdout.split())
    assert "[-dawn,-]" in flat
    assert "{+sunrise,+}" in flat


class Recorder(cli.DelayedProgress):
    """A progress bar that records what it is told instead of drawing."""

    def __init__(self) -> None:
        super().__init__(enabled=False)
        self.stages: list[str] = []

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        """Note the stage when it changes."""
        if not self.stages or self.stages[-1] != stage:
            self.stages.append(stage)


def test_clean_reports_progress_through_rendering(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bar follows clean from reading, through the core's stages, to rendering the output."""
    recorder = Recorder()

    @contextlib.contextmanager
    def recording(quiet: bool) -> Iterator[cli.DelayedProgress]:
        yield recorder

    monkeypatch.setattr(cli, "_progress", recording)
    (tmp_path / "a.txt").write_text(f"Flood live\n\n{PARAGRAPH}\n\n{PARAGRAPH}\n", encoding="utf-8")
    assert invoke_in(["clean", "a.txt"], tmp_path)[0] == 0
    assert recorder.stages[0] == "read"
    assert recorder.stages[-1] == "render"
    assert len(recorder.stages) > 3


def test_progress_bar_shows_on_time_with_the_stage_under_way(monkeypatch: pytest.MonkeyPatch) -> None:
    """The timer shows the bar with the latest stage, though that stage has not reported since."""
    monkeypatch.setattr(cli, "PROGRESS_DELAY_SECONDS", 0.0)
    progress = cli.DelayedProgress(enabled=True)
    progress("segment", 3, 10)  # too early for the bar (no time has passed is not 0 s: the timer shows it)
    assert progress.timer is not None
    progress.timer.join(timeout=60)
    try:
        assert progress.bar is not None
        assert list(progress.tasks) == ["segment"]
        assert progress.bar.tasks[0].completed == 3
    finally:
        progress.stop()
    assert progress.bar.live.is_started is False
    progress("render", 1, None)  # after stop: nothing shown again
    assert list(progress.tasks) == ["segment"]
