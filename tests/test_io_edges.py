"""Edges of input and output an adversarial review found: outputs that are inputs, FIFOs, read-only files.

Also the standard streams closed or full.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from .conftest import invoke_in

BLOG = (
    "Flood live: the river rises in Elderwick\n\n"
    "The river rose two metres overnight and the council opened three shelters in the old market hall.\n\n"
    "Police closed the Mill Street bridge at dawn after engineers found a crack in its northern pier.\n"
)
EXTRA = "A school on the hill stays open as a rest centre, with camp beds for two hundred people.\n"


def run(
    args: list[str], cwd: Path, *, stdin: int | None = subprocess.DEVNULL, close: int | None = None
) -> subprocess.CompletedProcess[bytes]:
    """``python -m lbdedup`` in ``cwd``; ``close`` names a standard descriptor closed before it starts."""
    return subprocess.run(
        [sys.executable, "-m", "lbdedup", *args],
        cwd=cwd,
        stdin=stdin,
        capture_output=close not in (1, 2),
        stdout=subprocess.PIPE if close == 2 else None,
        stderr=subprocess.PIPE if close == 1 else None,
        preexec_fn=(lambda: os.close(close)) if close is not None else None,
        check=False,
        timeout=120,
    )


@pytest.fixture
def blog(tmp_path: Path) -> Path:
    """A small blog, and a copy of it with one paragraph more, in a fresh folder."""
    (tmp_path / "a.txt").write_text(BLOG, encoding="utf-8")
    (tmp_path / "b.txt").write_text(BLOG + "\n" + EXTRA, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["clean", "a.txt", "b.txt", "-o", "a.txt"], "a.txt"),
        (["clean", "a.txt", "-o", "./a.txt"], "./a.txt"),
        (["clean", "a.txt", "-o", "link.txt"], "link.txt"),
    ],
    ids=["same-name", "other-spelling", "symlink"],
)
def test_an_output_that_is_an_input_is_refused(blog: Path, args: list[str], named: str) -> None:
    """-o naming an input (any spelling, a symlink): exit 2 in one line, the input untouched."""
    (blog / "link.txt").symlink_to("a.txt")
    code, _, stderr = invoke_in(args, blog)
    assert code == 2
    assert stderr.splitlines() == [
        f"lbdedup: error: {named}: is also an input (a.txt): writing it would destroy what is read"
    ]
    assert (blog / "a.txt").read_text(encoding="utf-8") == BLOG


def test_an_output_that_is_the_file_stdin_reads_is_refused(blog: Path) -> None:
    """``clean - -o a.txt < a.txt``: the output is what stdin reads; refused, the file untouched."""
    with open(blog / "a.txt", "rb") as source:
        done = run(["clean", "-", "-o", "a.txt"], blog, stdin=source.fileno())
    assert done.returncode == 2
    assert b"is also an input (-)" in done.stderr
    assert (blog / "a.txt").read_text(encoding="utf-8") == BLOG


def test_fix_refuses_a_fifo_before_reading_it(blog: Path) -> None:
    """A FIFO given to fix (which reads a file twice) is refused at once: no hang."""
    os.mkfifo(blog / "feed.txt")
    writer = threading.Thread(target=lambda: (blog / "feed.txt").write_text(BLOG), daemon=True)
    writer.start()
    done = run(["fix", "a.txt", "feed.txt"], blog)
    assert done.returncode == 2
    assert done.stderr.decode().splitlines() == [
        "lbdedup: error: feed.txt: not a regular file: fix rewrites files (use `lbdedup check` or `clean`)"
    ]
    with open(blog / "feed.txt", "rb") as drain:  # let the writer thread finish
        drain.read()


@pytest.mark.parametrize("command", [["fix", "a.txt", "b.txt"], ["clean", "a.txt", "-o", "b.txt"]])
def test_a_read_only_file_is_never_rewritten(blog: Path, command: list[str]) -> None:
    """A 0444 file (even as root, where the rename would go through) is left as it is, exit 2."""
    os.chmod(blog / "b.txt", 0o444)
    code, _, stderr = invoke_in(command, blog)
    assert code == 2
    assert "b.txt" in stderr
    assert "read-only" in stderr
    assert (blog / "b.txt").read_text(encoding="utf-8") == BLOG + "\n" + EXTRA
    assert stat.S_IMODE(os.stat(blog / "b.txt").st_mode) == 0o444


def test_closed_stderr_leaves_stdout_clean_and_exit_0(blog: Path) -> None:
    """``2>&-``: the run goes on; nothing meant for stderr ends up in the output."""
    done = run(["clean", "a.txt"], blog, close=2)
    assert done.returncode == 0
    assert b"lbdedup:" not in done.stdout
    assert b"Flood live" in done.stdout


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
def test_an_error_with_stderr_full_is_still_exit_2(blog: Path) -> None:
    """``2>/dev/full``: the error line cannot be written, the exit code is still 2, never 1."""
    with open("/dev/full", "wb") as full:
        done = subprocess.run(
            [sys.executable, "-m", "lbdedup", "clean", "missing.txt"],
            cwd=blog,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=full,
            check=False,
            timeout=120,
        )
    assert done.returncode == 2


def test_closed_stdin_is_one_line_exit_2(blog: Path) -> None:
    """``clean - <&-``: one line naming stdin, exit 2, no internal error."""
    done = run(["clean", "-"], blog, stdin=None, close=0)
    assert done.returncode == 2
    assert done.stderr.decode().splitlines() == ["lbdedup: error: -: stdin is closed"]


@pytest.mark.parametrize("command", [["check", "a.txt"], ["index", "build", "a.txt"], ["index", "stats"]])
def test_an_index_path_that_is_a_folder_says_so(blog: Path, command: list[str]) -> None:
    """--index naming a folder: one line saying it is a folder, not "no such index"; exit 2."""
    (blog / "indexes").mkdir()
    code, _, stderr = invoke_in([*command, "--index", "indexes"], blog)
    assert code == 2
    assert stderr.splitlines() == [
        "lbdedup: error: indexes: is a directory, not an index file (give the .sqlite file)"
    ]
    assert list((blog / "indexes").iterdir()) == []


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('{"id": true, "text": "x"}', '"id" must be a non-empty string or a number, not bool'),
        ('{"id": null, "text": "x"}', '"id" must be a non-empty string or a number, not null'),
        ('{"id": ["a"], "text": "x"}', '"id" must be a non-empty string or a number, not list'),
        ('{"text": "x"}', 'no "id" field (a non-empty string or a number)'),
    ],
    ids=["bool", "null", "list", "missing"],
)
def test_a_jsonl_id_of_the_wrong_kind_is_named(tmp_path: Path, line: str, reason: str) -> None:
    """An id that is there but of the wrong kind is said to be so, not reported missing."""
    (tmp_path / "feed.jsonl").write_text(line + "\n", encoding="utf-8")
    code, _, stderr = invoke_in(["clean", "--jsonl", "feed.jsonl"], tmp_path)
    assert code == 2
    assert stderr.splitlines() == [f"lbdedup: error: feed.jsonl:1: {reason}"]


def test_ctrl_c_inside_the_import_machinery_exits_at_once() -> None:
    """A frame chain that passes through importlib is seen as such; one that does not is not."""
    from types import SimpleNamespace

    from lbdedup.cli import _in_import_machinery

    def frame(filename: str, back: object = None) -> object:
        return SimpleNamespace(f_code=SimpleNamespace(co_filename=filename), f_back=back)

    ours = frame("/x/lbdedup/core.py", frame("/x/lbdedup/cli.py"))
    importing = frame("/x/lbdedup/render.py", frame("<frozen importlib._bootstrap>", ours))
    assert not _in_import_machinery(ours)
    assert _in_import_machinery(importing)
    assert not _in_import_machinery(None)
