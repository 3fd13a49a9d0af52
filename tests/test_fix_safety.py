"""Fix never destroys what the user has: a file named twice, stale index, own entries, whole copies, races."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import lbdedup.fix
from lbdedup.cli import main
from lbdedup.core import segment_all
from lbdedup.index import FingerprintIndex
from lbdedup.model import Document

from .conftest import FIXTURES, copy_snapshots, invoke_in

SNAPSHOTS = FIXTURES / "snapshots" / "input"
HTML_SNAPSHOTS = FIXTURES / "html_snapshots" / "input"

TITLE = "Storm Ada live: ferries cancelled as gales reach the west coast"
OPENING = [
    "Ferry operators have cancelled every crossing to the islands this afternoon as gusts of more than "
    "ninety miles an hour were recorded at the harbour wall, the coastguard said.",
    "The council has opened two rest centres for people whose homes lost power, and asked drivers to keep "
    "off the coast road between Arnish and the lighthouse until the wind drops tonight.",
    "Forecasters expect the worst of the gales to pass by midnight, but warned that fallen trees and debris "
    "would keep several rural routes closed well into tomorrow morning.",
]
LATER = (
    "Power has been restored to most of the homes in the harbour district, the network operator said, "
    "although some four hundred households on the hill farms are still waiting for engineers to reach them."
)
NEW = (
    "A lifeboat crew rescued two walkers who had been cut off by the tide below the cliffs at Sandwick, and "
    "both were taken to hospital as a precaution after several hours in the cold and the rain."
)


def _text(*paragraphs: str) -> str:
    return "".join(f"{paragraph}\n\n" for paragraph in paragraphs[:-1]) + f"{paragraphs[-1]}\n"


def _normalized_blocks(text: str, source: str = "x.txt") -> set[str]:
    from lbdedup.index import block_keys

    return set(block_keys(segment_all([Document(source, text)])))


# ---------------------------------------------------------------- 1. the same file twice


@pytest.mark.parametrize(
    "args",
    [
        ["a.txt", "a.txt"],
        ["a.txt", "./a.txt"],
        ["link.txt", "a.txt"],
        ["a.txt", "link.txt"],
        ["hard.txt", "a.txt"],
        ["a.txt", "sub/../a.txt"],
    ],
    ids=["twice", "dot-slash", "symlink-first", "symlink-second", "hard-link", "dot-dot"],
)
def test_fix_same_file_twice_leaves_it_whole(tmp_path: Path, args: list[str]) -> None:
    """Fixing a.txt twice (or through ./, .., a symlink or a hard link) changes nothing: exit 0."""
    a, _ = copy_snapshots(tmp_path)
    (tmp_path / "link.txt").symlink_to("a.txt")
    (tmp_path / "hard.txt").hardlink_to(a)
    (tmp_path / "sub").mkdir()
    before = a.read_bytes()
    assert invoke_in(["fix", *args], tmp_path) == (0, "", "")
    assert a.read_bytes() == before
    assert invoke_in(["check", *args], tmp_path) == (0, "", "")


def test_fix_overlapping_glob_keeps_every_line(tmp_path: Path) -> None:
    """Fixing *.txt a.txt (a.txt twice): b.txt loses only the lines a.txt holds, a.txt keeps all its own."""
    a, b = copy_snapshots(tmp_path)
    before_a, before_b = a.read_text(), b.read_text()
    code, found, _ = invoke_in(["check", "a.txt", "b.txt", "a.txt"], tmp_path)
    assert code == 1
    # b.txt line -> the a.txt line it copies (exactly, or nearly: a typo fixed in one of them).
    copies = {
        int(line.split(":")[1]): int(line.split(":")[3].split()[0])
        for line in found.splitlines()
        if line.startswith("b.txt:") and "duplicate of a.txt:" in line
    }
    code, out, _ = invoke_in(["fix", "a.txt", "b.txt", "a.txt"], tmp_path)
    assert (code, out) == (1, "Fixing b.txt\n")
    assert a.read_text() == before_a
    a_lines = before_a.splitlines()
    kept = set(a_lines) | set(b.read_text().splitlines())
    for number, line in enumerate(before_b.splitlines(), start=1):
        assert line in kept or a_lines[copies[number] - 1] in kept, line


@pytest.mark.parametrize("command", ["clean", "report"])
def test_clean_and_report_read_a_file_named_twice_once(tmp_path: Path, command: str) -> None:
    """The clean and report commands read a.txt ./a.txt as one input, as if it had been named once."""
    copy_snapshots(tmp_path)
    assert invoke_in([command, "a.txt", "./a.txt"], tmp_path) == invoke_in([command, "a.txt"], tmp_path)


def test_unique_paths_keeps_first_spelling_and_passes_missing_and_stdin(tmp_path: Path) -> None:
    """The first spelling of a file wins; '-' and missing paths are left for the reader to report."""
    from lbdedup.paths import unique_paths

    copy_snapshots(tmp_path)
    (tmp_path / "link.txt").symlink_to("a.txt")
    a, link, b = str(tmp_path / "a.txt"), str(tmp_path / "link.txt"), str(tmp_path / "b.txt")
    gone = str(tmp_path / "gone.txt")
    assert unique_paths([link, a, b, "-", gone, a, gone, "-"]) == [link, b, "-", gone, gone, "-"]


def test_index_build_indexes_a_file_named_twice_once(tmp_path: Path) -> None:
    """Index build a.txt ./a.txt link.txt (a symlink): one file indexed, under the first name."""
    copy_snapshots(tmp_path)
    (tmp_path / "link.txt").symlink_to("a.txt")
    code, out, _ = invoke_in(["index", "build", "a.txt", "./a.txt", "link.txt", "."], tmp_path)
    assert code == 0
    assert "2 added" in out
    db = sqlite3.connect(tmp_path / ".lbdedup" / "index.sqlite")
    assert sorted(path for (path,) in db.execute("SELECT path FROM files")) == ["a.txt", "b.txt"]
    db.close()


# ---------------------------------------------------------------- 2. a stale index


@pytest.mark.parametrize("change", ["deleted", "edited"])
def test_stale_index_entry_does_not_count(tmp_path: Path, change: str) -> None:
    """Index of a.txt, then a.txt deleted or edited: fix b.txt removes nothing, check names a.txt as stale."""
    a, b = copy_snapshots(tmp_path)
    assert invoke_in(["index", "build", "a.txt"], tmp_path)[0] == 0
    if change == "deleted":
        a.unlink()
    else:
        a.write_text(a.read_text().replace("Kestry", "Kestrey"), encoding="utf-8")
    before = b.read_bytes()
    code, out, err = invoke_in(["check", "b.txt"], tmp_path)
    assert (code, out) == (0, "")
    assert err.count("\n") == 1
    assert "is stale: a.txt" in err
    assert "lbdedup index update" in err
    code, out, err = invoke_in(["fix", "b.txt"], tmp_path)
    assert (code, out) == (0, "")
    assert "stale" in err
    assert b.read_bytes() == before


def test_indexed_file_replaced_by_a_fifo_is_stale_not_a_hang(tmp_path: Path) -> None:
    """An indexed file replaced by a FIFO is not read (that would wait forever): it is a stale entry."""
    a, b = copy_snapshots(tmp_path)
    assert invoke_in(["index", "build", "a.txt"], tmp_path)[0] == 0
    a.unlink()
    os.mkfifo(a)
    before = b.read_bytes()
    done = subprocess.run(
        [sys.executable, "-m", "lbdedup", "fix", "b.txt"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (0, "")
    assert "is stale: a.txt" in done.stderr
    assert b.read_bytes() == before


def test_stale_entry_does_not_hide_an_older_fresh_copy(tmp_path: Path) -> None:
    """The first indexed copy is stale, a later one holds the text still: the copy is found there."""
    for name in ("one.txt", "two.txt"):
        (tmp_path / name).write_text(_text(f"Page {name}", *OPENING), encoding="utf-8")
    assert invoke_in(["index", "build", "one.txt", "two.txt"], tmp_path)[0] == 0
    (tmp_path / "one.txt").unlink()
    (tmp_path / "new.txt").write_text(_text("New page", OPENING[0], NEW), encoding="utf-8")
    code, out, err = invoke_in(["check", "new.txt"], tmp_path)
    assert (code, out) == (1, "new.txt:3: duplicate of two.txt:3 (exact, 1.00)\n")
    assert "one.txt" in err


def test_fresh_index_gives_no_warning(tmp_path: Path) -> None:
    """An index whose matched files are unchanged: the copy is found and nothing is said about staleness."""
    copy_snapshots(tmp_path)
    assert invoke_in(["index", "build", "a.txt"], tmp_path)[0] == 0
    code, out, err = invoke_in(["check", "b.txt"], tmp_path)
    assert code == 1
    assert out.startswith("b.txt:35: duplicate of a.txt:3 (exact, 1.00)\n")
    assert err == "Found 18 copies in 1 file; 18 fixable with `lbdedup fix`\n"  # the summary, no warning


# ---------------------------------------------------------------- 3. originals and their own entries


def _original_and_copy(folder: Path) -> tuple[Path, Path]:
    """An indexed corpus: an older copy of an original's opening (indexed first), then the original."""
    corpus = folder / "corpus"
    corpus.mkdir()
    copy = corpus / "a_copy.txt"
    copy.write_text(_text(TITLE, *OPENING), encoding="utf-8")
    original = corpus / "b_original.txt"
    original.write_text(_text(TITLE, *OPENING, LATER), encoding="utf-8")
    assert invoke_in(["index", "build", "corpus"], folder)[0] == 0
    return copy, original


def test_original_is_not_gutted_by_its_own_copy(tmp_path: Path) -> None:
    """The original gets one new line: fix leaves its title and opening, which its own entry holds."""
    _, original = _original_and_copy(tmp_path)
    original.write_text(original.read_text() + f"\n{NEW}\n", encoding="utf-8")
    before = original.read_bytes()
    assert invoke_in(["check", "corpus/b_original.txt"], tmp_path) == (0, "", "")
    assert invoke_in(["fix", "corpus/b_original.txt"], tmp_path) == (0, "", "")
    assert original.read_bytes() == before


def test_own_entry_wins_over_another_input_holding_the_block(tmp_path: Path) -> None:
    """An edited original and a new file given together, new file first: the new file's copy goes."""
    _, original = _original_and_copy(tmp_path)
    original.write_text(original.read_text() + f"\n{NEW}\n", encoding="utf-8")
    before = original.read_bytes()
    new = tmp_path / "new.txt"
    new.write_text(_text("Another site", LATER, "A line of its own, about the weather on the hills."))
    code, out, _ = invoke_in(["check", "new.txt", "corpus/b_original.txt"], tmp_path)
    assert (code, out.splitlines()) == (1, ["new.txt:3: duplicate of corpus/b_original.txt:9 (exact, 1.00)"])
    code, out, _ = invoke_in(["fix", "new.txt", "corpus/b_original.txt"], tmp_path)
    assert (code, out) == (1, "Fixing new.txt\n")
    assert original.read_bytes() == before
    assert new.read_text() == _text("Another site", "A line of its own, about the weather on the hills.")


def test_indexed_original_is_kept_over_an_input_copy(tmp_path: Path) -> None:
    """A new file copying the indexed opening: its copy goes, reported against the first-indexed copy."""
    _original_and_copy(tmp_path)
    new = tmp_path / "new.txt"
    new.write_text(_text("Another site", OPENING[1], NEW), encoding="utf-8")
    code, out, _ = invoke_in(["check", "new.txt", "corpus/b_original.txt"], tmp_path)
    assert (code, out.splitlines()) == (1, ["new.txt:3: duplicate of corpus/a_copy.txt:5 (exact, 1.00)"])


def test_typo_fixed_in_own_paragraph_is_not_a_copy(tmp_path: Path) -> None:
    """A one-letter edit of the original's own paragraph (which the copy also holds) is no finding."""
    _, original = _original_and_copy(tmp_path)
    edited = original.read_text().replace("ninety", "ninety-five")
    original.write_text(edited, encoding="utf-8")
    assert invoke_in(["check", "corpus/b_original.txt"], tmp_path) == (0, "", "")
    assert invoke_in(["fix", "corpus/b_original.txt"], tmp_path) == (0, "", "")
    assert original.read_text() == edited


def test_symlink_alias_of_an_indexed_file_is_that_file(tmp_path: Path) -> None:
    """Checking an indexed file through a symlink: its own entry is found by real path, nothing is a copy."""
    _, original = _original_and_copy(tmp_path)
    (tmp_path / "alias.txt").symlink_to(original)
    assert invoke_in(["check", "alias.txt"], tmp_path) == (0, "", "")


def test_indexed_symlink_is_the_file_it_points_to(tmp_path: Path) -> None:
    """The index holds a symlink's path; its target, edited and checked, keeps what the entry holds."""
    _original_and_copy(tmp_path)
    (tmp_path / "link.txt").symlink_to("corpus/b_original.txt")
    assert invoke_in(["index", "build", "link.txt", "corpus/a_copy.txt"], tmp_path)[0] == 0
    original = tmp_path / "corpus" / "b_original.txt"
    original.write_text(original.read_text() + f"\n{NEW}\n", encoding="utf-8")
    before = original.read_bytes()
    assert invoke_in(["fix", "corpus/b_original.txt"], tmp_path) == (0, "", "")
    assert original.read_bytes() == before


def test_first_indexed_copy_is_the_original(tmp_path: Path) -> None:
    """Two indexed files hold a paragraph: a new copy is reported against the one indexed first."""
    for name in ("x.txt", "y.txt"):
        (tmp_path / name).write_text(_text(f"Page {name}", OPENING[0]), encoding="utf-8")
    (tmp_path / "new.txt").write_text(_text("New", OPENING[0]), encoding="utf-8")
    for order, first in ((["x.txt", "y.txt"], "x.txt"), (["y.txt", "x.txt"], "y.txt")):
        assert invoke_in(["index", "build", *order], tmp_path)[0] == 0
        code, out, _ = invoke_in(["check", "new.txt"], tmp_path)
        assert (code, out) == (1, f"new.txt:3: duplicate of {first}:3 (exact, 1.00)\n")


def test_query_checked_protects_own_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """query_checked: the edited original's old blocks are protected, its new one matches nothing."""
    _, original = _original_and_copy(tmp_path)
    monkeypatch.chdir(tmp_path)
    text = original.read_text() + f"\n{NEW}\n"
    original.write_text(text, encoding="utf-8")
    document = Document("corpus/b_original.txt", text)
    blocks = segment_all([document])
    with FingerprintIndex(tmp_path / ".lbdedup" / "index.sqlite") as opened:
        checked = opened.query_checked([document], blocks)
    assert sorted(checked.protected) == list(range(len(blocks) - 1))
    assert checked.matches == {}
    assert checked.stale == ()


# ---------------------------------------------------------------- 4. a wholly copied file


def test_whole_copy_is_reported_not_emptied(tmp_path: Path) -> None:
    """b.txt is a.txt's text again: fix leaves it, says whose copy it is, exit 1."""
    a, _ = copy_snapshots(tmp_path)
    b = tmp_path / "b.txt"
    b.write_bytes(b"\n\n" + a.read_bytes())
    before = b.read_bytes()
    code, out, _ = invoke_in(["fix", "a.txt", "b.txt"], tmp_path)
    assert (code, out) == (1, "b.txt: whole file is a copy of a.txt (left as it is)\n")
    assert b.read_bytes() == before


def test_whole_copy_of_an_indexed_file_is_reported_not_emptied(tmp_path: Path) -> None:
    """A new file that copies an indexed file whole: reported, never written as an empty file."""
    a, _ = copy_snapshots(tmp_path)
    assert invoke_in(["index", "build", "a.txt"], tmp_path)[0] == 0
    copy = tmp_path / "copy.txt"
    shutil.copyfile(a, copy)
    code, out, _ = invoke_in(["fix", "copy.txt"], tmp_path)
    assert (code, out) == (1, "copy.txt: whole file is a copy of a.txt (left as it is)\n")
    assert copy.read_bytes() == a.read_bytes()


# ---------------------------------------------------------------- 5. a lost update


def test_file_changed_during_fix_is_not_rewritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A paragraph appended to b.txt while fix runs survives: b.txt is skipped with a warning, exit 1."""
    _, b = copy_snapshots(tmp_path)
    real_fix_text = lbdedup.fix.fix_text

    def fix_text_then_append(document: Document, results: object) -> str:
        text = real_fix_text(document, results)  # type: ignore[arg-type]  # passed through as given
        if document.source == "b.txt":
            with open(b, "a", encoding="utf-8") as stream:
                stream.write(f"\n{NEW}\n")
        return text

    monkeypatch.setattr(lbdedup.fix, "fix_text", fix_text_then_append)
    monkeypatch.chdir(tmp_path)
    assert main(["fix", "a.txt", "b.txt"]) == 1
    captured = capsys.readouterr()
    assert "Fixing" not in captured.out
    assert "b.txt: not rewritten: it changed since it was read" in captured.err
    assert b.read_text().endswith(f"\n{NEW}\n")
    assert b.read_text().startswith((SNAPSHOTS / "b.txt").read_text())


def test_file_holding_the_kept_copy_changed_during_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """a.txt, holding the kept copies, is cut down while fix runs: b.txt keeps its copies, exit 1."""
    a, b = copy_snapshots(tmp_path)
    before = b.read_bytes()
    real_fix_text = lbdedup.fix.fix_text

    def fix_text_then_truncate(document: Document, results: object) -> str:
        a.write_text("Gone\n", encoding="utf-8")
        return real_fix_text(document, results)  # type: ignore[arg-type]  # passed through as given

    monkeypatch.setattr(lbdedup.fix, "fix_text", fix_text_then_truncate)
    monkeypatch.chdir(tmp_path)
    assert main(["fix", "a.txt", "b.txt"]) == 1
    assert "b.txt: not rewritten: a.txt changed since it was read" in capsys.readouterr().err
    assert b.read_bytes() == before


# ---------------------------------------------------------------- 6. hooks on indexed files, --diff


@pytest.mark.parametrize("folder", [HTML_SNAPSHOTS, SNAPSHOTS], ids=["html", "text"])
def test_unchanged_indexed_files_pass_the_hooks(tmp_path: Path, folder: Path) -> None:
    """Indexed snapshots, unchanged, given to check and fix again: exit 0, nothing rewritten."""
    names = sorted(path.name for path in folder.iterdir())
    for name in names:
        shutil.copyfile(folder / name, tmp_path / name)
    before = {name: (tmp_path / name).read_bytes() for name in names}
    assert invoke_in(["index", "build", *names], tmp_path)[0] == 0
    assert invoke_in(["check", *names], tmp_path) == (0, "", "")
    assert invoke_in(["fix", *names], tmp_path) == (0, "", "")
    assert {name: (tmp_path / name).read_bytes() for name in names} == before


def test_fix_diff_shows_and_changes_nothing(tmp_path: Path) -> None:
    """With --diff: a unified diff that turns the file into what fix writes, exit 1, the file untouched."""
    _, b = copy_snapshots(tmp_path)
    before = b.read_bytes()
    code, out, err = invoke_in(["fix", "--diff", "a.txt", "b.txt"], tmp_path)
    assert (code, err) == (1, "")
    assert out.startswith("--- b.txt\n+++ b.txt\n@@ ")
    assert b.read_bytes() == before
    patched = tmp_path / "patched"
    patched.mkdir()
    shutil.copyfile(b, patched / "b.txt")
    if shutil.which("patch"):
        subprocess.run(["patch", "-s", "-p0"], input=out, text=True, cwd=patched, check=True)
        assert invoke_in(["fix", "a.txt", "b.txt"], tmp_path)[0] == 1
        assert (patched / "b.txt").read_bytes() == b.read_bytes()


def test_fix_diff_without_changes_is_silent_exit_0(tmp_path: Path) -> None:
    """With --diff, on files with nothing to remove: no output, exit 0."""
    (tmp_path / "a.txt").write_text(_text(TITLE, *OPENING), encoding="utf-8")
    assert invoke_in(["fix", "--diff", "a.txt"], tmp_path) == (0, "", "")


def test_fix_diff_reports_whole_copies_and_html_on_stderr(tmp_path: Path) -> None:
    """With --diff, findings fix would leave (a whole copy, HTML) go to stderr; stdout stays a clean diff."""
    a, _ = copy_snapshots(tmp_path)
    shutil.copyfile(a, tmp_path / "copy.txt")
    (tmp_path / "page.html").write_text(f"<html><body><p>{OPENING[0]}</p></body></html>\n", encoding="utf-8")
    (tmp_path / "n.txt").write_text(_text("Notes", OPENING[0], NEW), encoding="utf-8")
    code, out, err = invoke_in(["fix", "--diff", "n.txt", "a.txt", "copy.txt", "page.html"], tmp_path)
    assert code == 1
    assert out == ""
    assert err.splitlines() == [
        "lbdedup: copy.txt: whole file is a copy of a.txt (left as it is)",
        "lbdedup: page.html:1: duplicate of n.txt:3 (exact, 1.00) (html is not rewritten)",
    ]
    assert (tmp_path / "copy.txt").read_bytes() == a.read_bytes()


# ---------------------------------------------------------------- 7. a corrupt index


def _foreign(path: Path, user_version: int = 0, table: str = "notes (body TEXT)") -> None:
    db = sqlite3.connect(path)
    db.execute(f"CREATE TABLE {table}")
    db.execute(f"PRAGMA user_version = {user_version}")
    db.commit()
    db.close()


def _bad_blob(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("UPDATE files SET block_table = x'00112233'")
    db.commit()
    db.close()


def _bad_rows(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("UPDATE files SET blocks = blocks + 5")
    db.commit()
    db.close()


def _bad_kind(path: Path) -> None:
    import zlib

    db = sqlite3.connect(path)
    rows = len(zlib.decompress(db.execute("SELECT block_table FROM files").fetchone()[0])) // 32
    db.execute("UPDATE files SET block_table = ?", (zlib.compress(b"\xff" * 32 * rows),))
    db.commit()
    db.close()


def _text_ids(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("UPDATE exacts SET block = 'x' || block")
    db.commit()
    db.close()


def _torn(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:4096] + b"\x55" * (len(data) - 4096))


CORRUPTIONS: dict[str, tuple[str, Callable[[Path], object]]] = {
    "garbage": ("not an lbdedup index", lambda path: path.write_bytes(b"not a database, just bytes" * 300)),
    "empty sqlite": ("not an lbdedup index", lambda path: sqlite3.connect(path).close()),
    "foreign sqlite": ("not an lbdedup index", _foreign),
    "foreign v1": ("not an lbdedup index", lambda path: _foreign(path, 1, "files (a)")),
    "bad blob": ("corrupt: a block table does not decompress", _bad_blob),
    "bad rows": ("corrupt: a block table holds", _bad_rows),
    "torn pages": ("corrupt", _torn),
    "bad kind": ("corrupt: a block of", _bad_kind),
    "text ids": ("corrupt: fingerprint rows", _text_ids),
}


@pytest.mark.parametrize("kind", list(CORRUPTIONS))
@pytest.mark.parametrize(
    "args",
    [["index", "stats"], ["index", "query", "b.txt"], ["check", "b.txt"], ["fix", "b.txt"]],
    ids=["stats", "query", "check", "fix"],
)
def test_corrupt_index_is_one_line_and_exit_2(tmp_path: Path, kind: str, args: list[str]) -> None:
    """Garbage, a foreign SQLite file or damaged rows: exit 2, one line naming the index and why."""
    _, b = copy_snapshots(tmp_path)
    before = b.read_bytes()
    index = tmp_path / "i.sqlite"
    reason, corrupt = CORRUPTIONS[kind]
    if kind not in ("garbage", "empty sqlite", "foreign sqlite", "foreign v1"):
        assert invoke_in(["index", "build", "--index", "i.sqlite", "a.txt"], tmp_path)[0] == 0
    corrupt(index)
    code, out, err = invoke_in([*args, "--index", "i.sqlite"], tmp_path)
    if args == ["index", "stats"] and kind not in (
        "garbage",
        "empty sqlite",
        "foreign sqlite",
        "foreign v1",
        "torn pages",
    ):
        # stats reads counts, never the block tables: the damage shows in the first query.
        assert code == 0
        return
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert err.startswith("lbdedup: error: i.sqlite: ")
    assert reason in err
    if reason.startswith("corrupt"):
        assert "lbdedup index build" in err
    assert b.read_bytes() == before


def test_index_build_refuses_a_foreign_sqlite_file(tmp_path: Path) -> None:
    """Building the index into another program's SQLite file: exit 2, and no table is added to it."""
    copy_snapshots(tmp_path)
    foreign = tmp_path / "app.sqlite"
    _foreign(foreign)
    code, _, err = invoke_in(["index", "build", "--index", "app.sqlite", "a.txt"], tmp_path)
    assert code == 2
    assert "not an lbdedup index" in err
    db = sqlite3.connect(foreign)
    assert [name for (name,) in db.execute("SELECT name FROM sqlite_master")] == ["notes"]
    db.close()


def test_corrupt_index_through_a_real_process(tmp_path: Path) -> None:
    """The real command on a bad block blob: exit 2, no traceback."""
    copy_snapshots(tmp_path)
    assert invoke_in(["index", "build", "a.txt"], tmp_path)[0] == 0
    _bad_blob(tmp_path / ".lbdedup" / "index.sqlite")
    done = subprocess.run(
        [sys.executable, "-m", "lbdedup", "check", "b.txt"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("lbdedup: error: .lbdedup/index.sqlite: corrupt")


def test_library_query_on_corrupt_index_raises_index_file_error(tmp_path: Path) -> None:
    """FingerprintIndex.query on a bad blob raises IndexFileError, not zlib.error."""
    from lbdedup.index import IndexFileError

    a, _ = copy_snapshots(tmp_path)
    index = tmp_path / "i.sqlite"
    with FingerprintIndex(index, create=True) as opened:
        opened.build([Document(str(a), a.read_text())])
    _bad_blob(index)
    blocks = segment_all([Document("new.txt", a.read_text())])
    with FingerprintIndex(index) as opened, pytest.raises(IndexFileError, match="corrupt"):
        opened.query(blocks)


def test_fix_refuses_a_codec_that_does_not_give_back_what_it_read(tmp_path: Path) -> None:
    """A codec that does not give back what it read (unicode_escape) is refused: the file is unchanged."""
    data = _text("x\\ny " + LATER, NEW, NEW).encode("utf-8")
    (tmp_path / "esc.txt").write_bytes(data)
    code, _, stderr = invoke_in(["fix", "--encoding", "unicode_escape", "esc.txt"], tmp_path)
    assert code == 2
    assert "esc.txt" in stderr
    assert "nothing was written" in stderr
    assert (tmp_path / "esc.txt").read_bytes() == data


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS refuses file names that are not UTF-8")
def test_index_build_of_a_name_that_is_not_utf8_is_exit_2(tmp_path: Path) -> None:
    """The index cannot hold a name with bytes that are not UTF-8: one line naming it, exit 2."""
    name = os.fsdecode(b"bad\xffname.txt")
    (tmp_path / name).write_text(_text(LATER, NEW), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "lbdedup", "index", "build", os.fsencode(name)],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    assert done.returncode == 2
    lines = done.stderr.decode("utf-8").splitlines()
    assert lines == [
        "lbdedup: error: bad\\xffname.txt: file name is not valid UTF-8: the index cannot hold it "
        "(the index is unchanged)"
    ]


def test_fix_refuses_before_writing_any_file_when_one_cannot_be_replaced(tmp_path: Path) -> None:
    """A hard-linked file among those fix would rewrite: exit 2 naming it, and no file is written at all."""
    (tmp_path / "a.txt").write_text(_text(TITLE, *OPENING), encoding="utf-8")
    first = _text(OPENING[0], LATER)
    second = _text(OPENING[1], NEW)
    (tmp_path / "b.txt").write_text(first, encoding="utf-8")
    (tmp_path / "c.txt").write_text(second, encoding="utf-8")
    os.link(tmp_path / "c.txt", tmp_path / "c-backup.txt")
    code, _, stderr = invoke_in(["fix", "a.txt", "b.txt", "c.txt"], tmp_path)
    assert code == 2
    assert "c.txt: cannot be rewritten: it has 2 hard links" in stderr
    assert (tmp_path / "b.txt").read_text(encoding="utf-8") == first
    assert (tmp_path / "c.txt").read_text(encoding="utf-8") == second


def test_fix_skips_a_file_changed_between_its_check_and_its_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A line appended after fix re-read the file, before the rename: the file is left as it is now."""
    (tmp_path / "a.txt").write_text(_text(TITLE, *OPENING), encoding="utf-8")
    (tmp_path / "b.txt").write_text(_text(OPENING[0], LATER), encoding="utf-8")
    import lbdedup.write

    real = lbdedup.write._check_unchanged

    def append_then_check(target: str, before: os.stat_result) -> None:
        with open(target, "a", encoding="utf-8") as stream:
            stream.write(f"\n{NEW}\n")
        real(target, before)

    monkeypatch.setattr(lbdedup.write, "_check_unchanged", append_then_check)
    code, _, stderr = invoke_in(["fix", "a.txt", "b.txt"], tmp_path)
    assert code == 1
    assert "b.txt: not rewritten: it changed while fix was writing it" in stderr
    assert NEW in (tmp_path / "b.txt").read_text(encoding="utf-8")
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]
