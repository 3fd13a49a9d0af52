"""Review findings of issue 12: an index zlib bomb, control characters in names, failed builds, config BOM."""

from __future__ import annotations

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

from .conftest import FIXTURES, copy_snapshots, invoke_in

SNAPSHOTS = FIXTURES / "snapshots" / "input"


def _bomb(index: Path, zeros: int) -> None:
    db = sqlite3.connect(index)
    db.execute("UPDATE files SET block_table = ?", (zlib.compress(bytes(zeros), 9),))
    db.commit()
    db.close()


# ---------------------------------------------------------------- a zlib bomb in the index


@pytest.mark.parametrize("command", ["check", "fix", "index query"])
def test_a_zlib_bomb_in_the_index_is_one_corrupt_line(tmp_path: Path, command: str) -> None:
    """A block table of 64 MB of zeros: exit 2, one line saying the table holds more than its rows."""
    _, b = copy_snapshots(tmp_path)
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
    a, _ = copy_snapshots(tmp_path)
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
    copy_snapshots(tmp_path)
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
    copy_snapshots(tmp_path)
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


# ---------------------------------------------------------------- control characters in names

PARAGRAPH = "The council said the Skelby bridge would stay closed until engineers had inspected the cables."
BLOG = f"Storm live: gales close the bridge\n\n{PARAGRAPH}\n\nRain eased in the evening.\n\n{PARAGRAPH}\n"
# Names as a hostile folder holds them: a newline, a colour escape, an OSC title set ended by BEL, a C1 CSI.
HOSTILE_NAMES = {
    "newline": ("a\nb.txt", "a\\x0ab.txt"),
    "sgr": ("e\x1b[31mred.txt", "e\\x1b[31mred.txt"),
    "osc-bel": ("t\x1b]0;pwned\x07.txt", "t\\x1b]0;pwned\\x07.txt"),
    "c1-del": ("c\x9b2J\x7f.txt", "c\\u009b2J\\x7f.txt"),
}
# Every C0 control but the newline that ends lines, DEL and C1.
_CONTROLS = {chr(code) for code in [*range(0x20), 0x7F, *range(0x80, 0xA0)]} - {"\n"}


def _no_controls(text: str) -> None:
    assert not _CONTROLS & set(text), repr(text)


@pytest.fixture(params=list(HOSTILE_NAMES), ids=list(HOSTILE_NAMES))
def hostile(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """A file with a hostile name holding a blog with one duplicate: (its name, the name as shown)."""
    name, shown = HOSTILE_NAMES[request.param]
    (tmp_path / name).write_text(BLOG, encoding="utf-8")
    return name, shown


def test_clean_text_shows_control_characters_in_names_escaped(
    tmp_path: Path, hostile: tuple[str, str]
) -> None:
    """The clean text's header and provenance tags show the name escaped, on one line each."""
    name, shown = hostile
    code, out, err = invoke_in(["clean", name], tmp_path)
    assert (code, err) == (0, "")
    _no_controls(out)
    assert out.startswith(f"==> {shown} <==\n\n[{shown}:1]\nStorm live")
    assert f"\n\n[{shown}:3] also: {shown}:7 exact\n" in out


def test_clean_json_keeps_the_name_as_it_is(tmp_path: Path, hostile: tuple[str, str]) -> None:
    """JSON output holds the real name: JSON escapes its C0 control characters itself."""
    import json

    name, _ = hostile
    code, out, _ = invoke_in(["clean", "-f", "json", name], tmp_path)
    assert code == 0
    assert not {chr(code) for code in range(0x20)} - {"\n"} & set(out)
    assert json.loads(out)["sources"][0]["source"] == name


def test_check_lines_show_control_characters_in_names_escaped(
    tmp_path: Path, hostile: tuple[str, str]
) -> None:
    """Each check finding is one line, the name escaped, and the summary line too."""
    name, shown = hostile
    code, out, err = invoke_in(["check", name], tmp_path)
    assert code == 1
    _no_controls(out + err)
    assert out.splitlines() == [f"{shown}:7: duplicate of {shown}:3 (exact, 1.00)"]


def test_fix_diff_header_shows_control_characters_in_names_escaped(
    tmp_path: Path, hostile: tuple[str, str]
) -> None:
    """The header of ``fix --diff`` names the file escaped, one line each."""
    name, shown = hostile
    code, out, _ = invoke_in(["fix", "--diff", name], tmp_path)
    assert code == 1
    _no_controls(out)
    assert out.splitlines()[:2] == [f"--- {shown}", f"+++ {shown}"]


@pytest.mark.parametrize(("name", "shown"), list(HOSTILE_NAMES.values()), ids=list(HOSTILE_NAMES))
def test_error_line_shows_control_characters_in_names_escaped(tmp_path: Path, name: str, shown: str) -> None:
    """A missing file with a control character in its name: one error line, the name escaped."""
    code, out, err = invoke_in(["clean", f"no-{name}"], tmp_path)
    assert (code, out) == (2, "")
    _no_controls(err)
    assert err.count("\n") == 1
    assert err.startswith(f"lbdedup: error: no-{shown}: ")


def test_control_characters_in_names_through_a_real_process(tmp_path: Path) -> None:
    """The real process: argv bytes with a newline and ESC, the error on one line, no raw control byte."""
    done = subprocess.run(
        [sys.executable, "-m", "lbdedup", "clean", b"no\nsuch\x1b[2J.txt"],
        cwd=tmp_path,
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr == b"lbdedup: error: no\\x0asuch\\x1b[2J.txt: no such file\n"


# ---------------------------------------------------------------- a failed first build leaves nothing

BAD_NAME = "bad\udcffname.txt"


def test_a_failed_first_build_leaves_no_index_file(tmp_path: Path) -> None:
    """``index build`` refused on a name the index cannot hold: no .sqlite, -wal or -shm file is left."""
    copy_snapshots(tmp_path)
    (tmp_path / BAD_NAME).write_text("Some text of the bad name.\n", encoding="utf-8")
    code, out, err = invoke_in(["index", "build", "--index", "i.sqlite", "a.txt", BAD_NAME], tmp_path)
    assert (code, out) == (2, "")
    assert "the index is unchanged" in err
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(["a.txt", "b.txt", BAD_NAME])


@pytest.mark.parametrize("command", ["build", "update"])
def test_a_failed_first_build_removes_the_folder_it_made(tmp_path: Path, command: str) -> None:
    """The default index in a new .lbdedup folder: a failed first build removes the folder too."""
    copy_snapshots(tmp_path)
    code, _, err = invoke_in(["index", command, "a.txt", "missing.txt"], tmp_path)
    assert code == 2
    assert "missing.txt" in err
    assert not (tmp_path / ".lbdedup").exists()


def test_a_failed_first_build_keeps_a_folder_that_was_there(tmp_path: Path) -> None:
    """A .lbdedup folder that existed (with a file of the user's) stays; only the new index goes."""
    copy_snapshots(tmp_path)
    (tmp_path / ".lbdedup").mkdir()
    (tmp_path / ".lbdedup" / "notes").write_text("mine\n", encoding="utf-8")
    assert invoke_in(["index", "build", "a.txt", "missing.txt"], tmp_path)[0] == 2
    assert [path.name for path in (tmp_path / ".lbdedup").iterdir()] == ["notes"]


def test_a_failed_first_build_in_a_new_nested_folder_removes_each_level(tmp_path: Path) -> None:
    """--index deep/er/i.sqlite with neither folder there: both are removed after the failure."""
    copy_snapshots(tmp_path)
    assert invoke_in(["index", "build", "--index", "deep/er/i.sqlite", "missing.txt"], tmp_path)[0] == 2
    assert not (tmp_path / "deep").exists()


@pytest.mark.parametrize("command", ["build", "update"])
def test_a_failed_build_never_removes_an_index_that_was_there(tmp_path: Path, command: str) -> None:
    """An index that existed before the command stays, with what it held, when a build of it fails."""
    copy_snapshots(tmp_path)
    assert invoke_in(["index", "build", "--index", "i.sqlite", "a.txt"], tmp_path)[0] == 0
    before = (tmp_path / "i.sqlite").read_bytes()
    assert invoke_in(["index", command, "--index", "i.sqlite", "b.txt", "missing.txt"], tmp_path)[0] == 2
    assert (tmp_path / "i.sqlite").read_bytes() == before
    code, out, _ = invoke_in(["index", "stats", "--index", "i.sqlite"], tmp_path)
    assert code == 0
    assert "1" in out


def test_an_empty_sqlite_file_that_was_there_is_kept(tmp_path: Path) -> None:
    """An empty file named as the index existed before: a failed build does not remove it."""
    copy_snapshots(tmp_path)
    (tmp_path / "i.sqlite").write_bytes(b"")
    assert invoke_in(["index", "build", "--index", "i.sqlite", "missing.txt"], tmp_path)[0] == 2
    assert (tmp_path / "i.sqlite").exists()


def test_library_create_then_failure_removes_the_new_index(tmp_path: Path) -> None:
    """FingerprintIndex(create=True) whose block raises removes the index it made; a success keeps it."""
    index = tmp_path / "new" / "i.sqlite"
    with pytest.raises(RuntimeError), FingerprintIndex(index, create=True):
        raise RuntimeError("stop")
    assert not (tmp_path / "new").exists()
    with FingerprintIndex(index, create=True):
        pass
    assert index.is_file()


# ---------------------------------------------------------------- a configuration file with a BOM

BOM = b"\xef\xbb\xbf"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (".lbdedup.toml", b'drop-pattern = "^Rain eased"\n'),
        ("pyproject.toml", b'[tool.lbdedup]\ndrop-pattern = "^Rain eased"\n'),
    ],
    ids=["lbdedup-toml", "pyproject"],
)
def test_a_config_file_starting_with_a_bom_is_read(tmp_path: Path, name: str, text: bytes) -> None:
    """A UTF-8 byte order mark before the first statement: the settings apply."""
    (tmp_path / name).write_bytes(BOM + text)
    (tmp_path / "a.txt").write_text(BLOG, encoding="utf-8")
    code, out, err = invoke_in(["clean", "a.txt"], tmp_path)
    assert (code, err) == (0, "")
    assert PARAGRAPH in out
    assert "Rain eased" not in out


def test_a_bom_is_only_skipped_at_the_start(tmp_path: Path) -> None:
    """A byte order mark anywhere else is still invalid TOML: one error line naming the file."""
    (tmp_path / ".lbdedup.toml").write_bytes(b'boilerplate = "off"\n' + BOM + b'drop-pattern = "x"\n')
    (tmp_path / "a.txt").write_text(BLOG, encoding="utf-8")
    code, _, err = invoke_in(["clean", "a.txt"], tmp_path)
    assert code == 2
    assert err.startswith("lbdedup: error: ")
    assert ".lbdedup.toml: invalid TOML" in err


def test_index_query_and_fix_lines_show_names_escaped(tmp_path: Path, hostile: tuple[str, str]) -> None:
    """The index summary, index query lines and fix lines show a hostile name escaped."""
    name, shown = hostile
    code, out, _ = invoke_in(["index", "build", name], tmp_path)
    assert code == 0
    _no_controls(out)
    (tmp_path / "copy.txt").write_text(BLOG, encoding="utf-8")
    code, out, _ = invoke_in(["index", "query", "copy.txt"], tmp_path)
    assert code == 0
    assert out
    _no_controls(out)
    assert f"duplicate of {shown}:" in out
    code, out, err = invoke_in(["fix", name], tmp_path)
    _no_controls(out + err)
