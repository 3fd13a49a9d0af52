"""The command line, through typer's CliRunner and through a real ``python -m lbdedup`` subprocess."""

from __future__ import annotations

import glob
import io
import json
import os
import re
import shlex
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from lbdedup.cli import app, main, write_atomic, write_behind
from lbdedup.read import detect_format

from .conftest import FIXTURES, ROOT
from .contract import check_block, check_report, uncovered_lines

PARAGRAPH = "The council said the Skelby bridge would stay closed until engineers had inspected the cables."
BLOG = f"Storm live: gales close the bridge\n\n{PARAGRAPH}\n\n16.10 BST\n\n{PARAGRAPH}\n"


@dataclass(frozen=True)
class Outcome:
    """What one run of the command line did."""

    code: int
    stdout: str
    stderr: str


def via_runner(args: list[str], stdin: bytes = b"") -> Outcome:
    """Run in-process through typer's CliRunner."""
    result = CliRunner().invoke(app, args, input=stdin)
    return Outcome(result.exit_code, result.stdout, result.stderr)


def via_subprocess(args: list[str], stdin: bytes = b"") -> Outcome:
    """Run ``python -m lbdedup`` in a child process, stdin fed through a pipe."""
    done = subprocess.run(
        [sys.executable, "-m", "lbdedup", *args], input=stdin, capture_output=True, check=False, timeout=120
    )
    return Outcome(done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8"))


RUNNERS = [pytest.param(via_runner, id="runner"), pytest.param(via_subprocess, id="subprocess")]
Runner = Callable[..., Outcome]


@pytest.fixture
def blog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small blog with one repeated paragraph, in a fresh working directory."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "blog.txt"
    path.write_text(BLOG, encoding="utf-8")
    return path


def _bad_inputs(tmp: Path) -> dict[str, tuple[list[str], str]]:
    (tmp / "folder").mkdir()
    (tmp / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01")
    (tmp / "latin.txt").write_bytes("Café au lait in Orléans.\n".encode("latin-1"))
    return {
        "missing": (["missing.txt"], "missing.txt: no such file"),
        "directory": (["folder"], "folder: no text, Markdown or HTML file to read in this folder"),
        "binary": (["photo.jpg"], "photo.jpg: binary file"),
        "invalid-utf8": (["latin.txt"], "latin.txt: not valid utf-8"),
        "unknown-codec": (["--encoding", "klingon", "blog.txt"], "blog.txt: unknown encoding 'klingon'"),
        "second-of-two": (["blog.txt", "missing.txt"], "missing.txt: no such file"),
    }


BAD = ["missing", "directory", "binary", "invalid-utf8", "unknown-codec", "second-of-two"]


# Every case through CliRunner for both commands; a child process (slower to start) for ``clean``.
BAD_RUNS = [
    pytest.param(run, case, command, id=f"{command}-{case}-{run.__name__.removeprefix('via_')}")
    for case in BAD
    for run, command in ((via_runner, "clean"), (via_runner, "report"), (via_subprocess, "clean"))
]


@pytest.mark.parametrize(("run", "case", "command"), BAD_RUNS)
def test_bad_input(blog: Path, run: Runner, case: str, command: str) -> None:
    """Bad input: exit 2, one stderr line naming the file and the reason, no traceback, nothing on stdout."""
    args, expected = _bad_inputs(blog.parent)[case]
    outcome = run([command, *args])
    assert outcome.code == 2
    assert outcome.stdout == ""
    lines = outcome.stderr.splitlines()
    assert len(lines) == 1, outcome.stderr
    assert lines[0].startswith(f"lbdedup: error: {expected}")
    assert "Traceback" not in outcome.stderr


@pytest.mark.parametrize(
    ("run", "case"),
    [pytest.param(via_runner, case, id=f"{case}-runner") for case in BAD]
    + [pytest.param(via_subprocess, "invalid-utf8", id="invalid-utf8-subprocess")],
)
def test_bad_input_leaves_output_alone(blog: Path, run: Runner, case: str) -> None:
    """With -o, bad input creates no file and leaves an existing one untouched."""
    args, _ = _bad_inputs(blog.parent)[case]
    assert run(["clean", "-o", "new.txt", *args]).code == 2
    assert not (blog.parent / "new.txt").exists()
    existing = blog.parent / "out.txt"
    existing.write_text("previous run\n")
    assert run(["clean", "-o", "out.txt", *args]).code == 2
    assert existing.read_text() == "previous run\n"
    assert sorted(path.name for path in blog.parent.iterdir() if path.name.startswith(".")) == []


def test_invalid_utf8_suggests_encoding_which_then_works(blog: Path) -> None:
    """The message for invalid UTF-8 suggests --encoding, and --encoding latin-1 reads the file."""
    (blog.parent / "latin.txt").write_bytes("Café au lait in Orléans.\n".encode("latin-1"))
    failed = via_runner(["clean", "latin.txt"])
    assert "--encoding" in failed.stderr
    worked = via_runner(["clean", "--encoding", "latin-1", "--provenance", "none", "latin.txt"])
    assert (worked.code, worked.stdout, worked.stderr) == (0, "Café au lait in Orléans.\n", "")


@pytest.mark.parametrize("run", RUNNERS)
@pytest.mark.parametrize(
    "args", [["clean", "-"], ["clean", "empty.txt"], ["clean", "--format", "jsonl", "-"]]
)
def test_empty_input(blog: Path, run: Runner, args: list[str]) -> None:
    """An empty file or empty stdin gives empty output and exit 0."""
    (blog.parent / "empty.txt").write_bytes(b"")
    assert run(args, b"") == Outcome(0, "", "")


def test_empty_input_json_is_an_empty_report(blog: Path) -> None:
    """The JSON report of an empty stdin is valid and has no blocks."""
    outcome = via_runner(["clean", "--format", "json", "-"], b"")
    report = json.loads(outcome.stdout)
    check_report(report)
    assert report["sources"] == [{"source": "-", "blocks": 0, "kept": 0, "duplicates": 0, "boilerplate": 0}]


@pytest.mark.parametrize("run", RUNNERS)
def test_stdin_pipe(run: Runner) -> None:
    """``-`` reads stdin; the source is named "-"; nothing is written to stderr when it is not a terminal."""
    outcome = run(["clean", "-"], BLOG.encode("utf-8"))
    assert outcome.code == 0
    assert outcome.stderr == ""
    assert outcome.stdout.startswith("==> - <==\n\n[-:1]\nStorm live")
    assert "[-:3] also: -:7 exact\n" in outcome.stdout


def test_stdin_and_files_mixed(blog: Path) -> None:
    """Stdin and files can be mixed; sources come out in input order."""
    outcome = via_subprocess(["clean", "--format", "jsonl", "blog.txt", "-"], f"{PARAGRAPH}\n".encode())
    blocks = [json.loads(line) for line in outcome.stdout.splitlines()]
    assert [b["source"] for b in blocks] == ["blog.txt"] * 4 + ["-"]
    assert blocks[-1]["status"] == "duplicate"


def test_output_does_not_depend_on_the_hash_seed() -> None:
    """Two processes with different string hash seeds print byte-identical reports."""
    inputs = [str(path) for path in sorted((FIXTURES / "wire_copy" / "input").iterdir())]
    outputs = set()
    for seed in ("1", "2"):
        done = subprocess.run(
            [sys.executable, "-m", "lbdedup", "clean", "--format", "json", *inputs],
            capture_output=True,
            check=True,
            timeout=120,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1


def test_huge_single_line() -> None:
    """A 10 MB single line is one block, and it is processed."""
    words = " ".join(f"w{n % 50_000}x{n % 7}" for n in range(1_200_000))
    line = (words * (10_000_000 // len(words) + 1))[:10_000_000] + "\n"
    outcome = via_runner(["clean", "--format", "jsonl", "-"], line.encode("ascii"))
    assert outcome.code == 0
    records = [json.loads(record) for record in outcome.stdout.splitlines()]
    assert len(records) == 1
    assert (records[0]["line_start"], records[0]["line_end"], records[0]["status"]) == (1, 1, "unique")
    assert len(records[0]["text"]) == 10_000_000


@pytest.mark.parametrize("run", RUNNERS)
def test_bom_and_crlf(run: Runner) -> None:
    """A UTF-8 BOM and CRLF are read: no U+FEFF or CR in the output, line numbers as editors count them."""
    data = b"\xef\xbb\xbf" + BLOG.replace("\n", "\r\n").encode("utf-8")
    bare = run(["clean", "--provenance", "none", "-"], data)
    assert bare.stdout == f"Storm live: gales close the bridge\n\n{PARAGRAPH}\n\n16.10 BST\n"
    report = json.loads(run(["clean", "--format", "json", "-"], data).stdout)
    assert [(b["line_start"], b["status"]) for b in report["blocks"]] == [
        (1, "unique"),
        (3, "canonical"),
        (5, "unique"),
        (7, "duplicate"),
    ]
    assert report["blocks"][0]["text"] == "Storm live: gales close the bridge"


@pytest.mark.parametrize("output_format", ["text", "json", "jsonl"])
def test_output_file_equals_stdout(blog: Path, output_format: str) -> None:
    """``-o`` writes exactly what stdout would show, prints nothing, and leaves no temporary file."""
    shown = via_runner(["clean", "--format", output_format, "blog.txt"])
    written = via_runner(["clean", "--format", output_format, "-o", "out.txt", "blog.txt"])
    assert (written.code, written.stdout, written.stderr) == (0, "", "")
    assert (blog.parent / "out.txt").read_text(encoding="utf-8") == shown.stdout
    assert sorted(path.name for path in blog.parent.iterdir()) == ["blog.txt", "out.txt"]


def test_output_file_replaces_and_keeps_mode(blog: Path) -> None:
    """Rewriting an existing file replaces its content and keeps its permissions."""
    target = blog.parent / "out.txt"
    target.write_text("old\n")
    target.chmod(0o640)
    assert via_runner(["clean", "--provenance", "none", "-o", "out.txt", "blog.txt"]).code == 0
    assert target.read_text().startswith("Storm live")
    assert target.stat().st_mode & 0o777 == 0o640


def test_output_to_missing_folder(blog: Path) -> None:
    """An output path in a missing folder is one line on stderr and exit 2."""
    outcome = via_runner(["clean", "-o", "nowhere/out.txt", "blog.txt"])
    assert outcome.code == 2
    assert outcome.stderr.splitlines() == ["lbdedup: error: nowhere/out.txt: No such file or directory"]


def test_write_atomic_failure_keeps_the_old_file(tmp_path: Path) -> None:
    """A failure while writing leaves the old file whole and no temporary file behind."""
    target = tmp_path / "out.txt"
    target.write_text("old content\n")

    def chunks() -> object:
        yield b"new "
        raise RuntimeError("renderer broke")

    with pytest.raises(RuntimeError):
        write_atomic(str(target), chunks())  # type: ignore[arg-type]  # a generator of bytes
    assert target.read_text() == "old content\n"
    assert [path.name for path in tmp_path.iterdir()] == ["out.txt"]


def test_write_behind_writes_every_chunk_in_order() -> None:
    """The writer thread writes each chunk once, in the order they were made."""
    written: list[bytes] = []
    write_behind(written.append, (str(n).encode() for n in range(1000)))
    assert written == [str(n).encode() for n in range(1000)]


def test_write_behind_raises_the_write_error_and_stops_making_chunks() -> None:
    """A failing write is raised in the caller, and few chunks are made after it (none once it is seen)."""
    made: list[int] = []

    def chunks() -> object:
        for n in range(1000):
            made.append(n)
            yield b"x"

    def write(chunk: bytes) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        write_behind(write, chunks())  # type: ignore[arg-type]  # a generator of bytes
    assert len(made) < 100


def test_reader_leaving_early_is_quiet(tmp_path: Path) -> None:
    """``lbdedup clean big.txt | head -1``: the broken pipe ends the run with exit 0 and nothing on stderr."""
    paragraphs = [f"Paragraph {n} of the storm blog: the {n}th ferry stayed in port." for n in range(20_000)]
    (tmp_path / "big.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    reader = subprocess.Popen(
        [sys.executable, "-m", "lbdedup", "clean", "--format", "jsonl", str(tmp_path / "big.txt")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert reader.stdout is not None
    assert reader.stderr is not None
    assert reader.stdout.readline().startswith(b"{")
    reader.stdout.close()
    assert reader.wait(timeout=120) == 0
    assert reader.stderr.read() == b""


def test_text_only_stdout_gets_the_same_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stdout without a byte buffer (an embedding program's StringIO) still receives the whole output."""
    path = FIXTURES / "unique_only" / "input" / "marathon.txt"
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stdout", stream)
    assert main(["clean", "--provenance", "none", str(path)]) == 0
    assert stream.getvalue() == path.read_text(encoding="utf-8")


def test_provenance_none_of_unique_blog_is_the_blog() -> None:
    """A blog without copies comes out unchanged with --provenance none."""
    path = FIXTURES / "unique_only" / "input" / "marathon.txt"
    outcome = via_runner(["clean", "--provenance", "none", str(path)])
    assert outcome.stdout == path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("keep", "kept_line"),
    [(None, "[input/storm.txt:23]"), ("longest", "[input/storm.txt:23]"), ("first", "[input/storm.txt:3]")],
)
def test_keep_policy(monkeypatch: pytest.MonkeyPatch, keep: str | None, kept_line: str) -> None:
    """--keep picks which copy of the repeated summary is kept (longest by default)."""
    monkeypatch.chdir(FIXTURES / "keep_first")
    args = ["clean", "input/storm.txt"] + (["--keep", keep] if keep else [])
    outcome = via_runner(args)
    assert outcome.code == 0
    summaries = [
        line
        for line in outcome.stdout.splitlines()
        if line.startswith(("[input/storm.txt:3]", "[input/storm.txt:23]"))
    ]
    assert len(summaries) == 1
    assert summaries[0].startswith(kept_line)


CASES = sorted(path for path in FIXTURES.iterdir() if (path / "input").is_dir())


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_json_contract_on_fixtures(case: Path) -> None:
    """On every golden case the JSON follows the contract; each line of a text input is in one block."""
    extra = (case / "args").read_text().split() if (case / "args").exists() else []
    inputs = sorted((case / "input").iterdir())
    report = json.loads(via_runner(["clean", "--format", "json", *extra, *map(str, inputs)]).stdout)
    check_report(report)
    for path in inputs:
        text = path.read_text(encoding="utf-8-sig")
        if "--jsonl" not in extra and detect_format(path.name, text) != "html":
            assert uncovered_lines(text, report["blocks"], str(path)) == []
    lines = via_runner(["clean", "--format", "jsonl", *extra, *map(str, inputs)]).stdout.splitlines()
    assert [json.loads(line) for line in lines] == report["blocks"]
    for line in lines:
        check_block(json.loads(line))


@pytest.mark.parametrize("run", RUNNERS)
def test_report(run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    """``report`` shows counts per source, the largest clusters and near/contained matches side by side."""
    monkeypatch.chdir(FIXTURES / "scraper_copy")
    outcome = run(["report", "input/original.txt", "input/scraper.txt"])
    assert outcome.code == 0
    text = outcome.stdout
    # Sources are named below the folder they share, which the title names once.
    assert "Sources (in input)" in text
    assert "│ original.txt " in text
    assert "│ scraper.txt " in text
    assert re.search(r"53 blocks, \d+ clusters, 22 duplicates dropped, 9 boilerplate dropped", text)
    assert "Largest clusters" in text
    assert "Near and contained matches" in text
    # The credit a scraper appended, side by side with the original paragraph.
    assert re.search(r"near 0\.98\d +│ original\.txt:27 +│ scraper\.txt:31", text)
    assert "(Reuters)" in text
    assert "contained" in text
    assert "Traceback" not in outcome.stderr


def test_report_top(monkeypatch: pytest.MonkeyPatch) -> None:
    """``--top`` limits the rows; 0 is a usage error."""
    case = FIXTURES / "pinned_post_repeated" / "input" / "blog.txt"
    assert via_runner(["report", "--top", "1", str(case)]).code == 0
    assert via_runner(["report", "--top", "0", str(case)]).code == 2


def test_version_and_main() -> None:
    """--version prints the version; ``main`` returns exit codes instead of exiting."""
    assert via_runner(["--version"]).stdout.startswith("lbdedup ")
    assert main(["clean", "/nonexistent/blog.txt"]) == 2
    assert main(["clean", "--format", "yaml", "-"]) == 2


def test_no_args_shows_help() -> None:
    """Without a command the help lists the commands."""
    outcome = via_runner([])
    assert "clean" in outcome.stdout + outcome.stderr
    assert "report" in outcome.stdout + outcome.stderr


README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands() -> list[str]:
    return sorted(command.name or "" for command in typer.main.get_command(app).commands.values())  # type: ignore[attr-defined]  # a click Group


@pytest.mark.parametrize("command", _commands())
def test_every_command_is_documented(command: str) -> None:
    """Every command of the app, and each of its long options, is shown in README.md."""
    assert f"lbdedup {command}" in README
    click_command = typer.main.get_command(app).commands[command]  # type: ignore[attr-defined]  # a click Group
    for parameter in click_command.params:
        for option in parameter.opts:
            if option.startswith("--") and option != "--help":
                assert option in README, f"{command} {option} is not in README.md"


def _readme_commands() -> dict[str, tuple[str, ...]]:
    """Commands of README code blocks that run ``lbdedup`` (alone, after ``&&``, or at the end of a pipe).

    Each maps to the ``lbdedup`` commands before it in the same code block, which set it up (``index build``
    before ``index stats``).
    """
    found: dict[str, tuple[str, ...]] = {}
    block: list[str] = []
    fence: str | None = None  # the language of the fenced block we are in, if any
    for line in README.splitlines():
        if line.startswith("```"):
            fence = None if fence is not None else line[3:].strip()
            block = []
            continue
        shell = fence in ("", "sh", "bash", "shell", "console") or (fence is None and line.startswith("    "))
        if not shell:
            if fence is None and line.strip():
                block = []
            continue
        for part in line.split(" && "):
            words = part.split()
            if any(word in ("lbdedup", ".venv/bin/lbdedup") for word in words):
                command = part.strip().replace(".venv/bin/lbdedup", "lbdedup")
                found.setdefault(command, tuple(block))
                block.append(command)
    return found


def _shell(command: str) -> tuple[list[str], bytes]:
    """The lbdedup arguments of a README command, and what its pipe feeds it (``echo``, ``cat``)."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars="|<>")
    lexer.whitespace_split = True
    stages: list[list[str]] = [[]]
    for token in lexer:
        if token == "|":
            stages.append([])
        else:
            stages[-1].append(token)
    position = next(n for n, stage in enumerate(stages) if stage[0] == "lbdedup")
    args = stages[position][1:]
    if ">" in args:
        args = args[: args.index(">")]
    expanded = [match for arg in args for match in (sorted(glob.glob(arg)) if "*" in arg else [arg])]
    stdin = b""
    if position > 0:
        feeder = stages[position - 1]
        if feeder[0] == "echo":
            stdin = (" ".join(feeder[1:]) + "\n").encode()
        elif feeder[0] == "cat":
            stdin = b"".join(Path(p).read_bytes() for arg in feeder[1:] for p in sorted(glob.glob(arg)))
    return expanded, stdin


README_COMMANDS = _readme_commands()


def test_readme_has_examples() -> None:
    """The README shows example commands of both commands."""
    assert any(command.startswith("lbdedup clean") for command in README_COMMANDS)
    assert any(command.startswith("lbdedup report") for command in README_COMMANDS)


@pytest.mark.parametrize("command", README_COMMANDS)
def test_readme_examples_run(command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each example command of the README runs from the repository root and exits 0 (check: 0 or 1)."""
    (tmp_path / "fixtures").symlink_to(FIXTURES)
    monkeypatch.chdir(tmp_path)
    for setup in README_COMMANDS[command]:
        assert via_runner(*_shell(setup)).code in (0, 1), setup
    args, stdin = _shell(command)
    outcome = via_runner(args, stdin)
    assert outcome.code in ((0, 1) if args[0] == "check" else (0,)), outcome.stderr
    assert outcome.stdout or os.listdir(tmp_path) != ["fixtures"]


def imported_by(code: str) -> set[str]:
    """The modules a fresh interpreter has loaded after running ``code``."""
    script = f"{code}\nimport sys\nprint(' '.join(sys.modules))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True, timeout=120)
    return set(done.stdout.decode("utf-8").split())


def test_version_and_help_start_without_the_core() -> None:
    """`lbdedup --version` and `--help` load neither numpy nor the pipeline, only the command line."""
    loaded = imported_by("from lbdedup.cli import main\nmain(['--version'])\nmain(['--help'])")
    # typer before 0.2x imports rich itself (at the dependency floors): only what lbdedup loads counts.
    assert not ({"numpy", "lbdedup.core", "lbdedup.render", "rich"} - imported_by("import typer")) & loaded


def test_clean_loads_only_what_it_needs() -> None:
    """`clean` to text loads neither the index (SQLite), check and fix, nor the JSONL, TOML, HTML readers."""
    readme = str(ROOT / "README.md")
    loaded = imported_by(
        "import contextlib, io, os\nfrom lbdedup.cli import main\nos.chdir(os.path.dirname(os.__file__))\n"
        f"with contextlib.redirect_stdout(io.StringIO()):\n    main(['clean', '-q', {readme!r}])"
    )
    assert "lbdedup.core" in loaded
    unneeded = {"sqlite3", "lbdedup.index", "lbdedup.check", "lbdedup.fix", "lbdedup.jsonl", "tomllib", "bs4"}
    assert not unneeded & loaded


def test_default_index_path_matches_the_index_module() -> None:
    """The default index path spelled out in the help texts is the index module's own."""
    from lbdedup import cli, index

    assert index.DEFAULT_INDEX.as_posix() == cli.DEFAULT_INDEX


def test_console_main_flushes_exits_with_the_code_and_keeps_openblas_to_one_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The lbdedup command exits with main's code, once, and numpy's BLAS starts no thread pool."""
    import lbdedup.cli as cli

    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.setattr(cli, "_exit_without_freeing", False)
    monkeypatch.setattr(cli, "main", lambda: 3)
    exits: list[int] = []
    monkeypatch.setattr(os, "_exit", exits.append)
    previous = signal.getsignal(signal.SIGINT)
    try:
        cli.console_main()
    finally:
        signal.signal(signal.SIGINT, previous)
    assert exits == [3]
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
