"""Review findings of issue 12: an index zlib bomb, control characters in names, failed builds, config BOM."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import tracemalloc
import zlib
from pathlib import Path

import pytest

from lbdedup.core import segment_all
from lbdedup.index import FingerprintIndex, IndexFileError
from lbdedup.model import Document

from .conftest import FIXTURES, invoke_in

SNAPSHOTS = FIXTURES / "snapshots" / "input"


def _snapshots(folder: Path) -> tuple[Path, Path]:
    for name in ("a.txt", "b.txt"):
        shutil.copyfile(SNAPSHOTS / name, folder / name)
    return folder / "a.txt", folder / "b.txt"


def _bomb(index: Path, zeros: int) -> None:
    db = sqlite3.connect(index)
    db.execute("UPDATE files SET block_table = ?", (zlib.compress(bytes(zeros), 9),))
    db.commit()
    db.close()


# ---------------------------------------------------------------- a zlib bomb in the index


@pytest.mark.parametrize("command", ["check", "fix", "index query"])
def test_a_zlib_bomb_in_the_index_is_one_corrupt_line(tmp_path: Path, command: str) -> None:
    """A block table of 64 MB of zeros: exit 2, one line saying the table holds more than its rows."""
    _, b = _snapshots(tmp_path)
    before = b.read_bytes()
    assert invoke_in(["index", "build", "--index", "i.sqlite", "a.txt"], tmp_path)[0] == 0
    _bomb(tmp_path / "i.sqlite", 64 << 20)
    code, out, err = invoke_in([*command.split(), "b.txt", "--index", "i.sqlite"], tmp_path)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert err.startswith("lbdedup: error: i.sqlite: corrupt: a block table holds more than ")
    assert b.read_bytes() == before


def test_a_zlib_bomb_is_refused_without_unpacking_it(tmp_path: Path) -> None:
    """A block table of 256 MB of zeros is refused with far less memory than it would unpack to."""
    a, _ = _snapshots(tmp_path)
    index = tmp_path / "i.sqlite"
    with FingerprintIndex(index, create=True) as opened:
        opened.build([Document(str(a), a.read_text())])
    _bomb(index, 256 << 20)
    blocks = segment_all([Document("new.txt", a.read_text())])
    tracemalloc.start()
    try:
        with FingerprintIndex(index) as opened, pytest.raises(IndexFileError, match="more than"):
            opened.query(blocks)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20


def test_a_truncated_block_table_is_corrupt(tmp_path: Path) -> None:
    """A block table cut short (the rows it has are whole) is refused, as zlib.decompress refused it."""
    _snapshots(tmp_path)
    assert invoke_in(["index", "build", "--index", "i.sqlite", "a.txt"], tmp_path)[0] == 0
    db = sqlite3.connect(tmp_path / "i.sqlite")
    (table,) = db.execute("SELECT block_table FROM files").fetchone()
    db.execute("UPDATE files SET block_table = ?", (table[:-4],))
    db.commit()
    db.close()
    code, _, err = invoke_in(["check", "b.txt", "--index", "i.sqlite"], tmp_path)
    assert code == 2
    assert "corrupt: a block table does not decompress" in err


def test_a_zlib_bomb_through_a_real_process(tmp_path: Path) -> None:
    """The real command on the bomb: exit 2, one line, no traceback."""
    _snapshots(tmp_path)
    assert invoke_in(["index", "build", "a.txt"], tmp_path)[0] == 0
    _bomb(tmp_path / ".lbdedup" / "index.sqlite", 64 << 20)
    done = subprocess.run(
        [sys.executable, "-m", "lbdedup", "check", "b.txt"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("lbdedup: error: .lbdedup/index.sqlite: corrupt: a block table holds more")
