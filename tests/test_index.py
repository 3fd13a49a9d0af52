"""The fingerprint index: build, update, prune, query, schema checks, concurrent writers, crash safety."""

from __future__ import annotations

import doctest
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import lbdedup.index
from lbdedup.core import segment_all
from lbdedup.index import PAUSE_HOOK, PAUSE_SECONDS, SCHEMA_VERSION, FingerprintIndex
from lbdedup.model import Document, MatchKind

from .conftest import invoke_in

WIRE = (
    "Rescue teams working through the night pulled eleven people from the flooded lower floors of the "
    "Riverside care home, the regional fire service said on Wednesday morning, adding that two of them "
    "had been taken to hospital with hypothermia and that the search of the neighbouring streets would "
    "continue for as long as the light allowed, with boats borrowed from the sailing club at Marston and "
    "a helicopter on loan from the coastguard station further down the estuary."
)
SCORE = (
    "Rovers took the lead through a header from the corner in the second half and won the derby 2-1 at home."
)
OTHER = (
    "A separate paragraph about the railway timetable, which has nothing at all in common with the "
    "flooding story and talks about the new evening trains between the two market towns in the hills."
)


def _corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "one.txt").write_text(f"Flood live\n\n{WIRE}\n\n{SCORE}\n", encoding="utf-8")
    (corpus / "two.md").write_text(f"# Trains\n\n{OTHER}\n", encoding="utf-8")
    (corpus / "skip.bin").write_bytes(b"\x00\x01")  # not a text suffix: a folder walk leaves it out
    return corpus


def _query(index: Path, text: str) -> dict[int, tuple[MatchKind, str]]:
    blocks = segment_all([Document("new.txt", text)])
    with FingerprintIndex(index) as opened:
        return {
            blocks[position].line_start: (match.match, f"{match.ref.source}:{match.ref.line_start}")
            for position, match in opened.query(blocks).items()
        }


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """A folder with a corpus and its index at .lbdedup/index.sqlite."""
    _corpus(tmp_path)
    code, out, _ = invoke_in(["index", "build", "corpus"], tmp_path)
    assert code == 0, out
    assert "2 added" in out
    return tmp_path


def test_stats(built: Path) -> None:
    """Stats counts files and blocks and shows the size next to the text."""
    code, out, _ = invoke_in(["index", "stats"], built)
    assert code == 0
    assert "files    2" in out
    assert "blocks   5" in out
    assert "x the text" in out


def test_query_exact_near_contained(built: Path) -> None:
    """A verbatim copy is exact, a one-letter edit near, a truncated excerpt contained."""
    words = WIRE.split()
    excerpt = " ".join(words[: int(len(words) * 0.8)]) + "…"
    edited = WIRE.replace("hypothermia", "hypothremia")
    text = f"New page\n\n{WIRE}\n\n{edited}\n\n{excerpt}\n\n{OTHER}\n"
    index = built / ".lbdedup" / "index.sqlite"
    previous = Path.cwd()
    os.chdir(built)
    try:
        found = _query(index, text)
    finally:
        os.chdir(previous)
    assert found == {
        3: (MatchKind.EXACT, "corpus/one.txt:3"),
        5: (MatchKind.NEAR, "corpus/one.txt:3"),
        7: (MatchKind.CONTAINED, "corpus/one.txt:3"),
        9: (MatchKind.EXACT, "corpus/two.md:3"),
    }


def test_query_command(built: Path) -> None:
    """Index query prints what each block of a file copies, exit 0."""
    (built / "draft.txt").write_text(f"Draft\n\n{OTHER}\n", encoding="utf-8")
    assert invoke_in(["index", "query", "draft.txt"], built) == (
        0,
        "draft.txt:3: duplicate of corpus/two.md:3 (exact, 1.00)\n",
        "",
    )


def test_numbers_veto_a_match(built: Path) -> None:
    """A score that differs is a different fact: 3-1 does not copy 2-1, even indexed."""
    (built / "new.txt").write_text(f"Match report\n\n{SCORE.replace('2-1', '3-1')}\n", encoding="utf-8")
    assert invoke_in(["check", "new.txt"], built) == (0, "", "")


def test_update_adds_changes_and_prunes(built: Path) -> None:
    """Update re-indexes a changed file, skips an unchanged one, adds a new one and prunes a deleted one."""
    (built / "corpus" / "one.txt").write_text(f"Flood live\n\n{SCORE}\n", encoding="utf-8")
    (built / "corpus" / "two.md").unlink()
    (built / "corpus" / "three.txt").write_text(f"{OTHER}\n", encoding="utf-8")
    code, out, _ = invoke_in(["index", "update", "corpus"], built)
    assert code == 0
    assert "1 added, 1 changed, 0 unchanged, 1 pruned" in out
    code, out, _ = invoke_in(["index", "update", "corpus"], built)
    assert "0 added, 0 changed, 2 unchanged, 0 pruned" in out
    (built / "new.txt").write_text(f"{WIRE}\n\n{OTHER}\n", encoding="utf-8")
    code, out, _ = invoke_in(["check", "new.txt"], built)
    assert (code, out) == (1, "new.txt:3: duplicate of corpus/three.txt:1 (exact, 1.00)\n")


def test_bad_input_leaves_the_index_unchanged(built: Path) -> None:
    """An unreadable file in an update: exit 2, and the index still holds exactly what it held."""
    (built / "corpus" / "bad.txt").write_bytes("caf\u00e9".encode("cp1252"))
    (built / "corpus" / "new.txt").write_text(f"{OTHER} Again.\n", encoding="utf-8")
    code, _, err = invoke_in(["index", "update", "corpus/new.txt", "corpus/bad.txt"], built)
    assert code == 2
    assert "bad.txt" in err
    assert "unchanged" in err
    assert "files    2" in invoke_in(["index", "stats"], built)[1]


def _set_version(index: Path, version: int) -> None:
    db = sqlite3.connect(index)
    db.execute(f"PRAGMA user_version = {version}")
    db.commit()
    db.close()


def test_schema_mismatch_is_a_clear_error(built: Path) -> None:
    """An index of another schema version: one line naming both versions, exit 2, for every command."""
    _set_version(built / ".lbdedup" / "index.sqlite", SCHEMA_VERSION + 1)
    (built / "new.txt").write_text(f"{OTHER}\n", encoding="utf-8")
    for args in (["check", "new.txt"], ["fix", "new.txt"], ["index", "stats"], ["index", "update", "corpus"]):
        code, out, err = invoke_in(args, built)
        assert code == 2, args
        assert f"schema version {SCHEMA_VERSION + 1}" in err
        assert "index build" in err
        assert out == ""


def test_not_an_index(tmp_path: Path) -> None:
    """A file that is not an SQLite index: exit 2, no traceback."""
    (tmp_path / "fake.sqlite").write_bytes(b"this is not a database at all, just some bytes" * 100)
    (tmp_path / "a.txt").write_text(f"{OTHER}\n", encoding="utf-8")
    code, _, err = invoke_in(["check", "--index", "fake.sqlite", "a.txt"], tmp_path)
    assert code == 2
    assert "not an lbdedup index" in err
    assert "Traceback" not in err


def _lbdedup(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "lbdedup", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(marker: Path, process: subprocess.Popen[str], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not marker.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the update never reached its transaction"
        time.sleep(0.05)


def _integrity(index: Path) -> tuple[str, list[str]]:
    db = sqlite3.connect(index)
    try:
        status = db.execute("PRAGMA integrity_check").fetchone()[0]
        paths = [path for (path,) in db.execute("SELECT path FROM files ORDER BY path")]
        # Every fingerprint row belongs to a block of a file that is still indexed.
        orphans = db.execute(
            "SELECT COUNT(*) FROM samples s WHERE NOT EXISTS (SELECT 1 FROM files f "
            "WHERE s.block BETWEEN f.first_block AND f.first_block + f.blocks - 1)"
        ).fetchone()[0]
    finally:
        db.close()
    assert orphans == 0
    return status, paths


def test_two_updates_at_once(built: Path) -> None:
    """Two processes updating together: the second waits for the first, both succeed, nothing is lost."""
    (built / "a.txt").write_text(f"First\n\n{OTHER} One.\n", encoding="utf-8")
    (built / "b.txt").write_text(f"Second\n\n{WIRE} Two.\n", encoding="utf-8")
    marker = built / "paused"
    first = _lbdedup(["index", "update", "a.txt"], built, {PAUSE_HOOK: str(marker), PAUSE_SECONDS: "1.5"})
    _wait_for(marker, first)
    second = _lbdedup(["index", "update", "b.txt"], built)
    outputs = [first.communicate(timeout=120), second.communicate(timeout=120)]
    assert (first.returncode, second.returncode) == (0, 0), outputs
    status, paths = _integrity(built / ".lbdedup" / "index.sqlite")
    assert status == "ok"
    assert paths == ["a.txt", "b.txt", "corpus/one.txt", "corpus/two.md"]


def test_killed_update_leaves_the_previous_index(built: Path) -> None:
    """A process killed in the middle of its update transaction leaves the index as it was, and usable."""
    index = built / ".lbdedup" / "index.sqlite"
    (built / "corpus" / "two.md").unlink()  # the update would also prune this one
    (built / "a.txt").write_text(f"First\n\n{OTHER} One.\n", encoding="utf-8")
    marker = built / "paused"
    victim = _lbdedup(["index", "update", "a.txt"], built, {PAUSE_HOOK: str(marker)})
    _wait_for(marker, victim)
    os.kill(victim.pid, signal.SIGKILL)
    victim.communicate(timeout=60)
    assert victim.returncode == -signal.SIGKILL
    status, paths = _integrity(index)
    assert (status, paths) == ("ok", ["corpus/one.txt", "corpus/two.md"])
    code, out, _ = invoke_in(["index", "update", "a.txt"], built)
    assert code == 0
    assert "1 added" in out
    assert "1 pruned" in out
    assert _integrity(index) == ("ok", ["a.txt", "corpus/one.txt"])


def test_doctests() -> None:
    """The examples in the index module's docstrings run."""
    failures, _ = doctest.testmod(lbdedup.index)
    assert failures == 0
