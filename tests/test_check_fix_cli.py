"""The check and fix commands: findings, exit codes, rewriting in place, bad input, the index."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lbdedup.cli import main

from .conftest import invoke_in

FLOOD = (
    "The river burst its banks at Elmford shortly after dawn, and volunteers carried sandbags along the "
    "high street while the council opened the school hall as a shelter for families from the lower town."
)
BRIDGE = (
    "Engineers closed the old stone bridge to all traffic on Tuesday afternoon after divers found a crack "
    "in the central pier, sending lorries on a forty-minute detour through the hills above the valley."
)
MAYOR = (
    "The mayor told reporters that the clean-up would take weeks rather than days, and asked residents to "
    "keep away from the riverside paths until the water had gone down and the banks had been inspected."
)


def _write(folder: Path, name: str, text: str, newline: str = "\n", bom: bool = False) -> Path:
    path = folder / name
    data = text.replace("\n", newline).encode("utf-8")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def test_check_clean_files_exit_0(tmp_path: Path) -> None:
    """Files without copies or furniture: no output, exit 0."""
    _write(tmp_path, "a.txt", f"Flood live\n\n{FLOOD}\n")
    _write(tmp_path, "b.txt", f"Bridge live\n\n{BRIDGE}\n")
    assert invoke_in(["check", "a.txt", "b.txt"], tmp_path) == (0, "", "")


def test_check_reports_each_duplicate(tmp_path: Path) -> None:
    """One line per duplicate, path:line: duplicate of other:line (kind, score), exit 1."""
    _write(tmp_path, "a.txt", f"Flood live\n\n{FLOOD}\n\n{BRIDGE}\n")
    _write(tmp_path, "b.txt", f"Later scrape\n\n{BRIDGE}\n\n{FLOOD.replace('dawn', 'dawn,')}\n")
    code, out, _ = invoke_in(["check", "a.txt", "b.txt"], tmp_path)
    assert code == 1
    assert out.splitlines() == [
        "b.txt:3: duplicate of a.txt:5 (exact, 1.00)",
        "b.txt:5: duplicate of a.txt:3 (exact, 1.00)",
    ]


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("missing.txt", None, "no such file"),
        ("binary.txt", b"abc\x00def", "binary file"),
        ("latin.txt", "caf\u00e9\n".encode("cp1252"), "not valid utf-8"),
    ],
)
@pytest.mark.parametrize("command", ["check", "fix"])
def test_bad_input_exit_2_and_nothing_rewritten(
    tmp_path: Path, command: str, name: str, data: bytes | None, reason: str
) -> None:
    """A bad input: one line naming it on stderr, exit 2, and fix rewrites no file at all."""
    good = _write(tmp_path, "good.txt", f"{FLOOD}\n\n{FLOOD}\n")
    before = good.read_bytes()
    if data is not None:
        (tmp_path / name).write_bytes(data)
    code, out, err = invoke_in([command, "good.txt", name], tmp_path)
    assert code == 2
    assert out == ""
    assert err.startswith(f"lbdedup: error: {name}: ")
    assert reason in err
    assert len(err.strip().splitlines()) == 1
    assert good.read_bytes() == before


def test_fix_rewrites_and_keeps_layout(tmp_path: Path) -> None:
    """Fix drops the copy, prints Fixing, exits 1; CRLF and BOM survive; a second run changes nothing."""
    _write(tmp_path, "a.txt", f"Flood live\n\n{FLOOD}\n\n{BRIDGE}\n")
    b = _write(tmp_path, "b.txt", f"Later scrape\n\n\n{BRIDGE}\n\n\n{MAYOR}\n", newline="\r\n", bom=True)
    code, out, _ = invoke_in(["fix", "a.txt", "b.txt"], tmp_path)
    assert (code, out) == (1, "Fixing b.txt\n")
    assert b.read_bytes() == b"\xef\xbb\xbf" + f"Later scrape\r\n\r\n\r\n{MAYOR}\r\n".encode()
    assert invoke_in(["fix", "a.txt", "b.txt"], tmp_path) == (0, "", "")
    assert invoke_in(["check", "a.txt", "b.txt"], tmp_path)[0] == 0


def test_fix_within_one_file(tmp_path: Path) -> None:
    """A pinned post repeated lower down the same file: the repeat goes, the first copy stays."""
    a = _write(tmp_path, "a.txt", f"Flood live\n\n{FLOOD}\n\n{BRIDGE}\n\n{FLOOD}\n\n{MAYOR}\n")
    code, out, _ = invoke_in(["fix", "a.txt"], tmp_path)
    assert (code, out) == (1, "Fixing a.txt\n")
    assert a.read_text() == f"Flood live\n\n{FLOOD}\n\n{BRIDGE}\n\n{MAYOR}\n"


def test_fix_keeps_copy_in_html_that_it_does_not_rewrite(tmp_path: Path) -> None:
    """The kept copy may sit in a file fix does not rewrite (HTML): the text file still loses its copy."""
    page = _write(tmp_path, "page.html", f"<html><body><p>{FLOOD}</p></body></html>\n")
    before = page.read_bytes()
    a = _write(tmp_path, "a.txt", f"Flood live\n\n{FLOOD}\n")
    code, out, _ = invoke_in(["fix", "page.html", "a.txt"], tmp_path)
    assert (code, out) == (1, "Fixing a.txt\n")
    assert page.read_bytes() == before
    assert a.read_text() == "Flood live\n"


def test_fix_refuses_stdin(tmp_path: Path) -> None:
    """Fix rewrites files: '-' is a usage error."""
    code, _, err = invoke_in(["fix", "-"], tmp_path)
    assert code == 2
    assert "stdin" in err


def test_fix_against_the_index_keeps_the_indexed_copy(tmp_path: Path) -> None:
    """The kept copy is in the index (not a file being fixed): the new file loses it, the corpus stays."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    old = _write(corpus, "old.txt", f"Flood live\n\n{FLOOD}\n\n{BRIDGE}\n")
    assert invoke_in(["index", "build", "corpus"], tmp_path)[0] == 0
    new = _write(tmp_path, "new.txt", f"Flood live, day two\n\n{BRIDGE}\n\n{MAYOR}\n")
    code, out, _ = invoke_in(["check", "new.txt"], tmp_path)
    assert (code, out) == (1, "new.txt:3: duplicate of corpus/old.txt:5 (exact, 1.00)\n")
    code, out, _ = invoke_in(["fix", "new.txt"], tmp_path)
    assert (code, out) == (1, "Fixing new.txt\n")
    assert new.read_text() == f"Flood live, day two\n\n{MAYOR}\n"
    assert old.read_text() == f"Flood live\n\n{FLOOD}\n\n{BRIDGE}\n"


def test_checked_file_is_not_compared_with_its_own_indexed_version(tmp_path: Path) -> None:
    """A file already in the index, edited and checked again, does not match its older self."""
    _write(tmp_path, "a.txt", f"Flood live\n\n{FLOOD}\n")
    assert invoke_in(["index", "build", "a.txt"], tmp_path)[0] == 0
    _write(tmp_path, "a.txt", f"Flood live\n\n{FLOOD}\n\n{MAYOR}\n")
    assert invoke_in(["check", "a.txt"], tmp_path) == (0, "", "")


def test_explicit_index_missing_is_exit_2(tmp_path: Path) -> None:
    """--index naming a file that does not exist: exit 2 with a hint."""
    _write(tmp_path, "a.txt", f"{FLOOD}\n")
    code, _, err = invoke_in(["check", "--index", "nope.sqlite", "a.txt"], tmp_path)
    assert code == 2
    assert "nope.sqlite: no such index" in err


def test_main_returns_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """main() returns 0, 1 and 2 for clean, findings and bad input."""
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "a.txt", f"{FLOOD}\n")
    _write(tmp_path, "b.txt", f"{FLOOD}\n")
    assert main(["check", "a.txt"]) == 0
    assert main(["check", "a.txt", "b.txt"]) == 1
    assert main(["check", "missing.txt"]) == 2


def test_subprocess_check_and_fix(tmp_path: Path) -> None:
    """Through a real process: check exits 1 and prints on stdout, fix rewrites, check then exits 0."""
    _write(tmp_path, "a.txt", f"Flood live\n\n{FLOOD}\n")
    _write(tmp_path, "b.txt", f"Copy\n\n{FLOOD}\n\n{MAYOR}\n")
    command = [sys.executable, "-m", "lbdedup"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*command, *args], cwd=tmp_path, capture_output=True, text=True, check=False)

    checked = run("check", "a.txt", "b.txt")
    assert (checked.returncode, checked.stdout, checked.stderr) == (
        1,
        "b.txt:3: duplicate of a.txt:3 (exact, 1.00)\n",
        "Found 1 copy in 1 file; 1 fixable with `lbdedup fix`\n",
    )
    fixed = run("fix", "a.txt", "b.txt")
    assert (fixed.returncode, fixed.stdout) == (1, "Fixing b.txt\n")
    assert run("check", "a.txt", "b.txt").returncode == 0
    assert run("check", "nowhere.txt").returncode == 2
