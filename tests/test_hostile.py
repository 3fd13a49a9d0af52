"""Hostile input never crashes: exit 2 and one line naming the file (or option) and why, or valid output.

Each case is files to create, the command line, the exit code and what the one error line (or the output) must
hold. All run through typer's CliRunner; a representative set also through a real ``python -m lbdedup`` (file
names as bytes in argv, UTF-8 checked on the real stdout). Ctrl-C and the last-resort handler come after.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

import lbdedup.cli
import lbdedup.core
from lbdedup import Document, Options, dedupe
from lbdedup.cli import app, main
from lbdedup.report import render_report

ROOT = Path(__file__).resolve().parents[1]
PARAGRAPH = "The council said the Skelby bridge would stay closed until engineers had inspected the cables."
BLOG = f"Storm live: gales close the bridge\n\n{PARAGRAPH}\n\nRain eased in the evening.\n\n{PARAGRAPH}\n"
# A file name whose bytes are not UTF-8, as Python hands it over (PEP 383): the 0xff byte as U+DCFF.
BAD_NAME = "bad\udcffname.txt"
SHOWN_BAD_NAME = "bad\\xffname.txt"
DEEP_JSON_LD = "[" * 5000
LONG_DIGITS = "9" * 5000


@dataclass(frozen=True)
class Case:
    """Files to create (name -> bytes), the command line, its exit code, and what must be shown.

    For exit code 2, ``shows`` is text the one stderr line holds (the file or option, and the reason); for
    0 and 1, text the output holds.
    """

    files: dict[str, bytes]
    argv: list[str]
    code: int
    shows: str
    absent: tuple[str, ...] = field(default=())


def _jsonl(*lines: str) -> bytes:
    return "".join(f"{line}\n" for line in lines).encode("utf-8")


def _page(script: str, body: str = f"<p>{PARAGRAPH}</p>") -> bytes:
    return (
        f'<html><head><script type="application/ld+json">{script}</script></head>'
        f"<body><h1>Storm live</h1>{body}</body></html>"
    ).encode()


LIVE_BLOG_LD = (
    '{"@type": "LiveBlogPosting", "liveBlogUpdate": [{"headline": "Dam \\ud800 holds", '
    '"datePublished": "2023-09-13T05:59Z", "articleBody": "Water fell \\udc00 fast."}]}'
)
MARKUP = (
    "Intro [/caption] here, with enough words to count as a paragraph.\n\n"
    "[red]Red text[/red] and [link=https://evil.example]click here[/link] for the river levels.\n\n"
    "Intro [/caption] here, with enough words to count as a paragraph.\n\n"
    "[red]Red text[/red] and [link=https://evil.example]click here[/link] for the river levels.\n"
)


def _config(text: str | bytes, name: str = ".lbdedup.toml") -> dict[str, bytes]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return {name: data, "a.txt": BLOG.encode()}


def _bad_name_case(argv: list[str], code: int, shows: str) -> Case:
    return Case({BAD_NAME: BLOG.encode()}, argv, code, shows)


CASES = [
    # JSONL: lone surrogates become U+FFFD; long integers and deep nesting are no crash.
    pytest.param(
        Case(
            {"feed.jsonl": _jsonl('{"id": "a", "text": "bad \\ud800 x"}')},
            ["clean", "--jsonl", "feed.jsonl"],
            0,
            "bad \ufffd x",
        ),
        id="jsonl-surrogate-in-text",
    ),
    pytest.param(
        Case(
            {"feed.jsonl": _jsonl('{"id": "\\udc00", "text": "ok"}')},
            ["clean", "--jsonl", "feed.jsonl"],
            0,
            "==> \ufffd <==",
        ),
        id="jsonl-surrogate-in-id",
    ),
    pytest.param(
        Case(
            {"feed.jsonl": _jsonl('{"id": "a\\ud800", "text": "bad \\ud800 x"}')},
            ["clean", "--jsonl", "-f", "json", "feed.jsonl"],
            0,
            '"text": "bad \ufffd x"',
        ),
        id="jsonl-surrogate-json-output",
    ),
    pytest.param(
        Case(
            {"feed.jsonl": _jsonl('{"id": "a", "text": "bad \\udfff x"}')},
            ["clean", "--jsonl", "-f", "jsonl", "feed.jsonl"],
            0,
            '"text": "bad \ufffd x"',
        ),
        id="jsonl-surrogate-jsonl-output",
    ),
    pytest.param(
        Case(
            {"feed.jsonl": _jsonl('{"id": "a", "text": "bad \\ud800 x"}')},
            ["report", "--jsonl", "feed.jsonl"],
            0,
            "1 blocks",
        ),
        id="jsonl-surrogate-report",
    ),
    pytest.param(
        Case(
            {"feed.jsonl": _jsonl(f'{{"id": "a", "text": "{PARAGRAPH}", "n": {LONG_DIGITS}}}')},
            ["clean", "--jsonl", "feed.jsonl"],
            0,
            PARAGRAPH,
        ),
        id="jsonl-long-integer-unused",
    ),
    pytest.param(
        Case(
            {"feed.jsonl": _jsonl(f'{{"id": {LONG_DIGITS}, "text": "{PARAGRAPH}"}}')},
            ["clean", "--jsonl", "feed.jsonl"],
            0,
            f"==> {LONG_DIGITS} <==",
        ),
        id="jsonl-long-integer-id",
    ),
    pytest.param(
        Case(
            {"feed.jsonl": _jsonl(f'{{"id": 1, "text": {LONG_DIGITS}}}')},
            ["clean", "--jsonl", "feed.jsonl"],
            2,
            'feed.jsonl:1: "text" must be a string',
        ),
        id="jsonl-long-integer-text",
    ),
    pytest.param(
        Case(
            {"feed.jsonl": _jsonl("[" * 100_000)},
            ["clean", "--jsonl", "feed.jsonl"],
            2,
            "feed.jsonl:1: not valid JSON (nested too deeply)",
        ),
        id="jsonl-deep-nesting",
    ),
    pytest.param(
        Case(
            {
                "feed.jsonl": _jsonl(
                    '{"id": "a", "text": "ok"}', '{"id": "b", "x": ' + "[" * 5000 + "]" * 5000 + "}"
                )
            },
            ["clean", "--jsonl", "feed.jsonl"],
            2,
            "feed.jsonl:2: not valid JSON (nested too deeply)",
        ),
        id="jsonl-deep-nesting-in-a-field",
    ),
    # HTML: a JSON-LD block that cannot be read is passed over, the page is still read.
    *[
        pytest.param(
            Case({"page.html": _page(DEEP_JSON_LD)}, argv, code, shows),
            id=f"html-deep-json-ld-{label}",
        )
        for label, argv, code, shows in [
            ("clean", ["clean", "page.html"], 0, PARAGRAPH),
            ("clean-json", ["clean", "-f", "json", "page.html"], 0, PARAGRAPH),
            ("check", ["check", "page.html"], 0, ""),
            ("fix", ["fix", "page.html"], 0, ""),
            ("report", ["report", "page.html"], 0, "page.html"),
            ("index-build", ["index", "build", "--index", "i.sqlite", "page.html"], 0, "1 added"),
        ]
    ],
    pytest.param(
        Case(
            {"page.html": _page(f'{{"@type": "LiveBlogPosting", "n": {LONG_DIGITS}}}')},
            ["clean", "page.html"],
            0,
            PARAGRAPH,
        ),
        id="html-json-ld-long-integer",
    ),
    pytest.param(
        Case(
            {"page.html": _page(LIVE_BLOG_LD, "<p>Intro paragraph of the live blog.</p>")},
            ["clean", "page.html"],
            0,
            "Water fell \ufffd fast.",
        ),
        id="html-json-ld-surrogates",
    ),
    # report: input text is shown as it is, never read as rich markup.
    pytest.param(
        Case({"m.txt": MARKUP.encode()}, ["report", "m.txt"], 0, "Intro [/caption] here"),
        id="report-closing-tag",
    ),
    pytest.param(
        Case(
            {"m.txt": MARKUP.encode()}, ["report", "--top", "20", "m.txt"], 0, "[link=https://evil.example]"
        ),
        id="report-link-markup",
    ),
    pytest.param(
        Case({"[red]x.txt": MARKUP.encode()}, ["report", "[red]x.txt"], 0, "[red]x.txt"),
        id="report-markup-in-file-name",
    ),
    pytest.param(
        Case(
            {"m.txt": MARKUP.encode()}, ["report", "--drop-pattern", "[/]caption", "m.txt"], 0, "[/]caption"
        ),
        id="report-markup-in-user-pattern",
    ),
    # File names that are not UTF-8: \xNN in every output, and fix rewrites the right file.
    pytest.param(_bad_name_case(["clean", BAD_NAME], 0, f"==> {SHOWN_BAD_NAME} <=="), id="bad-name-clean"),
    pytest.param(
        _bad_name_case(["clean", "-f", "json", BAD_NAME], 0, json.dumps(SHOWN_BAD_NAME)),
        id="bad-name-clean-json",
    ),
    pytest.param(
        _bad_name_case(["clean", "-f", "jsonl", BAD_NAME], 0, json.dumps(SHOWN_BAD_NAME)),
        id="bad-name-clean-jsonl",
    ),
    pytest.param(
        _bad_name_case(["check", BAD_NAME], 1, f"{SHOWN_BAD_NAME}:7: duplicate of"), id="bad-name-check"
    ),
    pytest.param(_bad_name_case(["fix", BAD_NAME], 1, f"Fixing {SHOWN_BAD_NAME}"), id="bad-name-fix"),
    pytest.param(_bad_name_case(["report", BAD_NAME], 0, SHOWN_BAD_NAME), id="bad-name-report"),
    pytest.param(
        Case({}, ["clean", "missing\udcff.txt"], 2, "missing\\xff.txt: no such file"),
        id="bad-name-error-line",
    ),
    # --encoding: codecs that are not text encodings, or decode to lone surrogates.
    *[
        pytest.param(
            Case(
                {"a.txt": BLOG.encode()},
                ["clean", "--encoding", codec, "a.txt"],
                2,
                f"a.txt: '{codec}' is not a text encoding",
            ),
            id=f"encoding-{codec}",
        )
        for codec in ["rot13", "base64", "hex", "zlib", "bz2", "uu", "quopri"]
    ],
    *[
        pytest.param(
            Case(
                {"a.txt": BLOG.encode()},
                ["clean", "--encoding", name, "a.txt"],
                2,
                f"a.txt: unknown encoding {shown}",
            ),
            id=f"encoding-name-{label}",
        )
        for label, name, shown in [
            ("not-utf8", "\udcff", "'\\udcff'"),
            ("nul", "utf\x008", "'utf\\x008'"),
            ("long", "x" * 5000, "'" + "x" * 60 + "'..."),
        ]
    ],
    pytest.param(
        Case(
            {"a.txt": BLOG.encode()},
            ["clean", "--encoding", "undefined", "a.txt"],
            2,
            "a.txt: cannot be decoded",
        ),
        id="encoding-undefined",
    ),
    pytest.param(
        Case(
            {"a.txt": BLOG.encode()},
            ["clean", "--encoding", "punycode", "a.txt"],
            2,
            "a.txt: cannot be decoded",
        ),
        id="encoding-punycode",
    ),
    pytest.param(
        Case(
            {"a.txt": b"Hello \\ud800 world.\n"},
            ["clean", "--encoding", "unicode_escape", "a.txt"],
            2,
            "a.txt: decoded as unicode_escape, it holds a lone surrogate (U+D800",
        ),
        id="encoding-unicode-escape-surrogate",
    ),
    pytest.param(
        Case(
            {"a.txt": b"Hello \\udfff world.\n"},
            ["fix", "--encoding", "raw_unicode_escape", "a.txt"],
            2,
            "a.txt: decoded as raw_unicode_escape",
        ),
        id="encoding-raw-unicode-escape-surrogate-fix",
    ),
    pytest.param(
        Case(
            {"a.txt": b"Hello +2AA- world.\n"},
            ["clean", "--encoding", "utf-7", "a.txt"],
            2,
            "a.txt: decoded as utf-7",
        ),
        id="encoding-utf-7-surrogate",
    ),
    pytest.param(
        Case(
            {"a.txt": b"Hello \\u00e9 world.\n"},
            ["clean", "--encoding", "unicode_escape", "a.txt"],
            0,
            "Hello \u00e9 world.",
        ),
        id="encoding-unicode-escape-text",
    ),
    # Configuration: wrong value types, deep nesting, long numbers; pyproject.toml files that are not ours.
    pytest.param(
        Case(
            _config('boilerplate = ["auto"]'),
            ["clean", "a.txt"],
            2,
            ".lbdedup.toml: boilerplate must be one of off, auto, strict (got an array)",
        ),
        id="config-boilerplate-array",
    ),
    pytest.param(
        Case(
            _config("[boilerplate]\nmode = 1"),
            ["clean", "a.txt"],
            2,
            ".lbdedup.toml: boilerplate must be one of off, auto, strict (got a table)",
        ),
        id="config-boilerplate-table",
    ),
    pytest.param(
        Case(
            _config("boilerplate = 3"),
            ["clean", "a.txt"],
            2,
            ".lbdedup.toml: boilerplate must be one of off, auto, strict (got a number)",
        ),
        id="config-boilerplate-number",
    ),
    pytest.param(
        Case(_config("boilerplate = 1979-05-27"), ["clean", "a.txt"], 2, "(got a date or time)"),
        id="config-boilerplate-date",
    ),
    pytest.param(
        Case(
            _config("keep-pattern = {a = 1}"),
            ["clean", "a.txt"],
            2,
            ".lbdedup.toml: keep-pattern must be a regular expression or a list of them (got a table)",
        ),
        id="config-pattern-table",
    ),
    pytest.param(
        Case(
            _config('drop-pattern = ["^Ad$", 2]'),
            ["clean", "a.txt"],
            2,
            ".lbdedup.toml: drop-pattern must be a regular expression or a list of them "
            "(got a number in the list)",
        ),
        id="config-pattern-number-in-list",
    ),
    pytest.param(
        Case(
            _config("x = " + "[" * 5000 + "]" * 5000),
            ["clean", "a.txt"],
            2,
            ".lbdedup.toml: invalid TOML: arrays or tables nested too deeply",
        ),
        id="config-deep-arrays",
    ),
    pytest.param(
        Case(
            _config("x = " + "{a = " * 5000 + "1" + "}" * 5000),
            ["clean", "a.txt"],
            2,
            ".lbdedup.toml: invalid TOML: arrays or tables nested too deeply",
        ),
        id="config-deep-tables",
    ),
    pytest.param(
        Case(
            _config(f"x = {LONG_DIGITS}"),
            ["clean", "a.txt"],
            2,
            ".lbdedup.toml: invalid TOML: Exceeds the limit",
        ),
        id="config-long-integer",
    ),
    pytest.param(
        Case(
            _config(b'boilerplate = "off\xff"'),
            ["clean", "a.txt"],
            2,
            ".lbdedup.toml: not valid UTF-8 (byte 0xff at offset 18)",
        ),
        id="config-invalid-utf8",
    ),
    pytest.param(
        Case(_config(b'[project]\nname = "x\xff"\n', "pyproject.toml"), ["clean", "a.txt"], 0, PARAGRAPH),
        id="pyproject-not-ours-invalid-utf8",
    ),
    pytest.param(
        Case(_config('[project\nname = "x\n', "pyproject.toml"), ["clean", "a.txt"], 0, PARAGRAPH),
        id="pyproject-not-ours-invalid-toml",
    ),
    pytest.param(
        Case(
            _config(b'[tool.lbdedup]\nboilerplate = "off\xff"\n', "pyproject.toml"),
            ["clean", "a.txt"],
            2,
            "pyproject.toml: not valid UTF-8",
        ),
        id="pyproject-ours-invalid-utf8",
    ),
    pytest.param(
        Case(
            _config("[tool.lbdedup]\nboilerplate = \n", "pyproject.toml"),
            ["clean", "a.txt"],
            2,
            "pyproject.toml: invalid TOML",
        ),
        id="pyproject-ours-invalid-toml",
    ),
    pytest.param(
        Case(
            _config('[tool.lbdedup]\nboilerplate = ["auto"]\n', "pyproject.toml"),
            ["clean", "a.txt"],
            2,
            "pyproject.toml: boilerplate must be one of off, auto, strict (got an array)",
        ),
        id="pyproject-ours-bad-type",
    ),
    # --jobs beyond the cores: the same output.
    pytest.param(
        Case({"a.txt": BLOG.encode()}, ["clean", "-j", "129", "a.txt"], 0, PARAGRAPH), id="jobs-129"
    ),
    pytest.param(
        Case({"a.txt": BLOG.encode()}, ["report", "-j", "100000", "a.txt"], 0, "a.txt"), id="jobs-100000"
    ),
]

# Through a real process too: argv as bytes, the real stdout's bytes, start-up as users meet it.
IN_SUBPROCESS = {
    "jsonl-surrogate-in-text",
    "jsonl-surrogate-json-output",
    "jsonl-deep-nesting",
    "html-deep-json-ld-clean",
    "report-link-markup",
    "bad-name-clean",
    "bad-name-clean-json",
    "bad-name-check",
    "bad-name-fix",
    "bad-name-report",
    "bad-name-error-line",
    "encoding-rot13",
    "encoding-name-not-utf8",
    "encoding-unicode-escape-surrogate",
    "config-deep-arrays",
    "pyproject-not-ours-invalid-utf8",
    "pyproject-ours-invalid-utf8",
}


def _create(folder: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        (folder / name).write_bytes(data)


def _check(case: Case, code: int, stdout: bytes, stderr: bytes) -> None:
    """The outcome the case expects: one error line naming the file, or output that is valid UTF-8."""
    errors = stderr.decode("utf-8")
    assert "Traceback" not in errors
    assert code == case.code, (stdout[:2000], errors)
    if code == 2:
        lines = errors.splitlines()
        assert len(lines) == 1, errors
        assert lines[0].startswith("lbdedup: error: ")
        assert case.shows in lines[0]
        assert stdout == b""
        return
    if case.argv[:1] == ["check"] and code == 1:  # check's findings end with one summary line on stderr
        assert errors.startswith("Found "), errors
        assert len(errors.splitlines()) == 1, errors
    else:
        assert errors == ""
    output = stdout.decode("utf-8")  # strict: every output is valid UTF-8
    assert case.shows in output
    if case.argv[:1] == ["clean"] and "json" in case.argv:
        json.loads(output)
    if case.argv[:1] == ["clean"] and "jsonl" in case.argv:
        for line in output.splitlines():
            json.loads(line)


def _in_subprocess(cases: list[Any]) -> Iterator[Any]:
    return (case for case in cases if case.id in IN_SUBPROCESS)


@pytest.mark.parametrize("case", CASES)
def test_hostile_case_in_process(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through CliRunner: the expected exit code with one error line naming the file, or valid output."""
    _create(tmp_path, case.files)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, case.argv)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    _check(case, result.exit_code, result.stdout_bytes, result.stderr_bytes)


@pytest.mark.parametrize("case", list(_in_subprocess(CASES)))
def test_hostile_case_in_a_real_process(case: Case, tmp_path: Path) -> None:
    """Through ``python -m lbdedup``: the same, with argv and file names as the operating system's bytes."""
    _create(tmp_path, case.files)
    done = subprocess.run(
        [sys.executable, "-m", "lbdedup", *case.argv],
        cwd=tmp_path,
        capture_output=True,
        check=False,
        timeout=120,
    )
    _check(case, done.returncode, done.stdout, done.stderr)


def test_every_subprocess_case_exists() -> None:
    """The names of the cases run in a real process are names of cases."""
    assert {case.id for case in CASES} >= IN_SUBPROCESS


def test_fix_rewrites_the_file_whose_name_is_not_utf8(tmp_path: Path) -> None:
    """Fix writes back to the very bytes of the name, and leaves no other file."""
    bad = os.fsencode(tmp_path) + b"/dup\xff.txt"
    with open(bad, "wb") as handle:
        handle.write(BLOG.encode())
    done = subprocess.run(
        [sys.executable, "-m", "lbdedup", "fix", b"dup\xff.txt"],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout == b"Fixing dup\\xff.txt\n"
    with open(bad, "rb") as handle:
        assert handle.read().decode("utf-8").count(PARAGRAPH) == 1
    assert os.listdir(os.fsencode(tmp_path)) == [b"dup\xff.txt"]


# report on a terminal: what the input says never becomes a style, a hyperlink or a control sequence.
_SGR = re.compile(r"\x1b\[[0-9;]*m")
ESCAPES = (
    "Escape \x1b]8;;https://evil.example\x1b\\here\x1b]8;;\x1b\\ and \x1b[31mred\x1b[0m by the river too.\n"
)
HOSTILE_TEXTS = {
    "[red]a.txt": f"{MARKUP}\n{ESCAPES}",
    "b\udcff.txt": f"{MARKUP}\n{ESCAPES}".replace("river", "rivers"),
}


def _terminal_report(texts: dict[str, str], **options: Any) -> str:
    result = dedupe([Document(name, text) for name, text in texts.items()], Options(**options))
    screen = io.StringIO()
    render_report(result, Console(file=screen, force_terminal=True, color_system="truecolor", width=160))
    return screen.getvalue()


def test_report_on_a_terminal_styles_nothing_from_the_input() -> None:
    """No hyperlink, colour or raw escape from the input: only the styles a plain input's report has too."""
    hostile = _terminal_report(HOSTILE_TEXTS, drop_patterns=("[/]caption",))
    benign = _terminal_report(
        {f"n{i}.txt": re.sub(r"[\[\]\x1b\udcff]", "", text) for i, text in enumerate(HOSTILE_TEXTS.values())},
        drop_patterns=("caption",),
    )
    assert "\x1b]8" not in hostile
    assert "\x1b" not in _SGR.sub("", hostile)  # every escape is a style of the report's own
    assert set(_SGR.findall(hostile)) <= set(_SGR.findall(benign))
    plain = _SGR.sub("", hostile)
    for shown in (
        "[red]Red text[/red]",
        "[link=https://evil.example]",
        "\\x1b]8;;https://evil.example",
        "b\\xff.txt",
    ):
        assert shown in plain
    assert "Near and contained matches" in plain  # the side-by-side view was drawn too


# Ctrl-C: 130 at any moment, no traceback; a run stopped part-way leaves no file behind.
ENTRIES = {
    "python -m lbdedup": ["-m", "lbdedup"],
    "console script": ["-c", "from lbdedup.__main__ import run; run()"],
}


@pytest.fixture(scope="module")
def big_input(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """About 2.2 MB of near copies in 140 files: enough that the front and verification are shared out."""
    import random

    folder = tmp_path_factory.mktemp("big")
    rnd = random.Random(7)
    words = ["river", "dam", "council", "shelter", "water", "level", "rose", "fell", "town", "rescue", "boat"]
    originals = [[rnd.choice(words) for _ in range(25)] for _ in range(1500)]
    paths = []
    for number in range(140):
        paragraphs = []
        for _ in range(100):
            paragraph = list(rnd.choice(originals))
            paragraph[rnd.randrange(25)] = rnd.choice(words)  # a near copy, a candidate pair to verify
            paragraphs.append(" ".join(paragraph) + ".")
        path = folder / f"f{number:03d}.txt"
        path.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
        paths.append(str(path))
    return paths


def _interrupted(
    entry: list[str], args: list[str], cwd: Path, after: float, twice: bool = False
) -> tuple[int, str]:
    """Run lbdedup, send it SIGINT ``after`` seconds in (and again a moment later if ``twice``)."""
    child = subprocess.Popen(
        [sys.executable, *entry, *args],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        # As from a terminal: a test runner started as a background job would hand its ignored SIGINT down.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    time.sleep(after)
    child.send_signal(signal.SIGINT)
    if twice:
        time.sleep(0.01)
        child.send_signal(signal.SIGINT)  # does nothing once the child has ended
    _, errors = child.communicate(timeout=120)
    return child.returncode, errors.decode("utf-8", "replace")


def _before_lbdedup_ran(errors: str) -> bool:
    """The interrupt came during the interpreter's own start-up (site, runpy), before any lbdedup code ran."""
    return "Traceback" in errors and f"{os.sep}lbdedup{os.sep}" not in errors


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child is POSIX")
@pytest.mark.parametrize("entry", list(ENTRIES.values()), ids=list(ENTRIES))
@pytest.mark.parametrize("after", [0.0, 0.05, 0.1, 0.2], ids=["0s", "0.05s", "0.1s", "0.2s"])
def test_ctrl_c_early_exits_130_without_traceback(
    entry: list[str], after: float, big_input: list[str], tmp_path: Path
) -> None:
    """SIGINT as lbdedup starts or runs: 130 (or killed by SIGINT before Python took it over), no trace."""
    for _ in range(10):
        code, errors = _interrupted(entry, ["clean", "-q", "-o", "out.txt", *big_input], tmp_path, after)
        if not _before_lbdedup_ran(errors):
            break
        after += 0.02  # out of lbdedup's reach (a slow interpreter start-up): a moment later
    assert "Traceback" not in errors, errors
    assert code in (130, -signal.SIGINT, 0), errors
    if code != 0:
        assert os.listdir(tmp_path) == []  # no output, no temporary file


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child is POSIX")
@pytest.mark.parametrize("twice", [False, True], ids=["once", "twice"])
def test_ctrl_c_mid_run_exits_130_and_leaves_nothing(
    big_input: list[str], tmp_path: Path, twice: bool
) -> None:
    """SIGINT half-way through a run (and again, which ends it at once): 130, no traceback, no output file."""
    started = time.monotonic()
    whole = subprocess.run(
        [sys.executable, "-m", "lbdedup", "clean", "-q", "-j", "2", *big_input],
        capture_output=True,
        check=False,
    )
    assert whole.returncode == 0
    took = time.monotonic() - started
    stopped = 0
    for _ in range(3):
        code, errors = _interrupted(
            ["-m", "lbdedup"],
            ["clean", "-q", "-j", "2", "-o", "out.txt", *big_input],
            tmp_path,
            took / 2,
            twice,
        )
        assert "Traceback" not in errors, errors
        assert code in (130, 0), errors
        left = os.listdir(tmp_path)
        if code == 130:
            stopped += 1
            assert errors == ""
            if twice:  # the second Ctrl-C may cut the first one's clean-up short: a temporary file at most
                assert all(name.startswith(".out.txt.") and name.endswith(".tmp") for name in left)
            else:
                assert left == []
        else:
            assert left == ["out.txt"]
        for name in left:
            os.unlink(tmp_path / name)
    assert stopped  # at least one run was stopped part-way


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child is POSIX")
def test_ctrl_c_ignored_by_the_shell_stays_ignored(tmp_path: Path) -> None:
    """A command started in the background (SIGINT ignored) finishes its run."""
    (tmp_path / "a.txt").write_text(BLOG, encoding="utf-8")
    child = subprocess.Popen(
        [sys.executable, "-m", "lbdedup", "clean", "a.txt"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),  # a shell's `&`
    )
    time.sleep(0.2)
    child.send_signal(signal.SIGINT)
    output, errors = child.communicate(timeout=120)
    assert child.returncode == 0, errors
    assert PARAGRAPH.encode() in output


# The last resort: an exception no command turned into a message is one line and exit 2, never 1.
@pytest.mark.parametrize(
    "error",
    [
        RuntimeError("boom\nsecond line"),
        RecursionError("maximum recursion depth exceeded"),
        MemoryError(),
        KeyError("block"),
        EOFError("Ran out of input"),
        OSError(5, "Input/output error"),
        ValueError("x" * 2000),
    ],
    ids=lambda error: type(error).__name__,
)
def test_unexpected_exception_is_one_line_and_exit_2(
    error: BaseException, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A core function that raises: ``internal error: <type>: <message>``, exit 2, no traceback."""
    (tmp_path / "a.txt").write_text(BLOG, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LBDEDUP_DEBUG", raising=False)

    def broken(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(lbdedup.core, "dedupe", broken)
    assert main(["clean", "a.txt"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "Traceback" not in err
    if isinstance(error, EOFError):  # typer writes a newline before it takes an EOFError for an Abort
        err = err.removeprefix("\n")
    lines = err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"lbdedup: error: internal error: {type(error).__name__}: ")
    assert lines[0].endswith(" (set LBDEDUP_DEBUG=1 for the traceback)")
    assert len(lines[0]) < 700


def test_lbdedup_debug_adds_the_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With LBDEDUP_DEBUG=1 the traceback comes first, then the same one line."""
    (tmp_path / "a.txt").write_text(BLOG, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LBDEDUP_DEBUG", "1")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(lbdedup.core, "dedupe", broken)
    assert main(["clean", "a.txt"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):")
    assert "in broken" in err
    assert err.splitlines()[-1] == (
        "lbdedup: error: internal error: RuntimeError: boom (set LBDEDUP_DEBUG=1 for the traceback)"
    )


@pytest.mark.parametrize(
    ("raised", "code", "message"),
    [
        (KeyboardInterrupt(), 130, ""),
        (typer.Abort(), 130, ""),
        (lbdedup.cli._CLICK_ERROR("not like that"), 2, "Error: not like that\n"),
        (typer.Exit(1), 1, ""),
        (SystemExit(1), 2, ""),
        (SystemExit("bye"), 2, "bye\n"),
    ],
    ids=["KeyboardInterrupt", "Abort", "ClickException", "Exit-1", "SystemExit-1", "SystemExit-text"],
)
def test_click_and_typer_endings_map_to_their_codes(
    raised: BaseException,
    code: int,
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Ctrl-C and Abort 130; a click error with code 1 is 2; only a command's own Exit(1) is 1."""
    (tmp_path / "a.txt").write_text(BLOG, encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    def ending(*args: object, **kwargs: object) -> None:
        raise raised

    monkeypatch.setattr(lbdedup.core, "dedupe", ending)
    assert main(["clean", "a.txt"]) == code
    assert capsys.readouterr().err == message


def test_broken_pipe_outside_the_writer_is_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Typer answers a broken pipe with exit code 1: main makes it 2, with one line."""
    (tmp_path / "a.txt").write_text(BLOG, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    # typer wraps sys.stdout and sys.stderr on a broken pipe: put them back afterwards.
    monkeypatch.setattr(sys, "stdout", sys.stdout)
    monkeypatch.setattr(sys, "stderr", sys.stderr)

    def broken(*args: object, **kwargs: object) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(lbdedup.core, "dedupe", broken)
    assert main(["clean", "a.txt"]) == 2
    assert capsys.readouterr().err == "lbdedup: error: stdout: broken pipe (the reader went away)\n"


def test_jobs_beyond_cores_and_parts_in_a_real_process(big_input: list[str]) -> None:
    """-j 129 and -j 100000 on a run big enough to share: the same output as -j 1."""
    outputs = {}
    for jobs in ("1", "129", "100000"):
        done = subprocess.run(
            [sys.executable, "-m", "lbdedup", "clean", "-q", "-j", jobs, *big_input],
            capture_output=True,
            check=False,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        assert done.stderr == b""
        outputs[jobs] = done.stdout
    assert outputs["129"] == outputs["1"] == outputs["100000"]
