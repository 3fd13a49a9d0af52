"""JSONL input: records to documents, bad records named by file:line, and the CLI around it."""

from __future__ import annotations

import doctest
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import lbdedup.jsonl
from lbdedup.cli import app
from lbdedup.jsonl import JsonlFields, parse_jsonl, read_jsonl_sources
from lbdedup.read import InputError

STORY = "The river rose two metres overnight and the council opened two shelters in the town."


def line(**record: object) -> str:
    """One JSONL line holding ``record``."""
    return json.dumps(record) + "\n"


def test_doctests() -> None:
    """The examples in the module's docstrings hold."""
    assert doctest.testmod(lbdedup.jsonl).failed == 0


def test_records_become_documents() -> None:
    """Text and HTML records become documents named by their ids, in order; blank lines are skipped."""
    stream = (
        line(id="a", text=STORY)
        + "\n  \n"
        + line(id=17, html=f"<p>{STORY}</p>")
        + line(id="b.md", text="# T")
    )
    documents = parse_jsonl("feed.jsonl", stream)
    assert [(d.source, d.format) for d in documents] == [("a", "text"), ("17", "html"), ("b.md", "markdown")]
    assert documents[0].text == STORY


def test_html_wins_over_text_and_field_names_are_configurable() -> None:
    """Custom field names are honoured; a record with HTML is read as HTML."""
    fields = JsonlFields(id="url", text="body", html="raw")
    documents = parse_jsonl("f.jsonl", line(url="https://x/1", body="plain", raw="<p>marked</p>"), fields)
    assert [(d.source, d.format, d.text) for d in documents] == [("https://x/1", "html", "<p>marked</p>")]


def test_crlf_streams() -> None:
    """A stream with CRLF line ends reads like one with LF."""
    documents = parse_jsonl("f.jsonl", line(id="a", text=STORY).replace("\n", "\r\n") * 1)
    assert [d.source for d in documents] == ["a"]


@pytest.mark.parametrize(
    ("stream", "message"),
    [
        ('{"id": "a", "text": "x"}\n{"id": "b", "text": \n', "f.jsonl:2: not valid JSON"),
        ("[1, 2]\n", "f.jsonl:1: a record must be a JSON object, not list"),
        ('"just a string"\n', "f.jsonl:1: a record must be a JSON object, not str"),
        ('{"text": "no id"}\n', 'f.jsonl:1: no "id" field'),
        ('{"id": true, "text": "x"}\n', 'f.jsonl:1: "id" must be a non-empty string or a number, not bool'),
        ('{"id": "", "text": "x"}\n', 'f.jsonl:1: "id" is empty'),
        ('{"id": "a"}\n', 'f.jsonl:1: no "text" or "html" field'),
        ('{"id": "a", "text": 5}\n', 'f.jsonl:1: "text" must be a string'),
        ('{"id": "a", "html": ["<p>"]}\n', 'f.jsonl:1: "html" must be a string'),
        ("\n\n{broken\n", "f.jsonl:3: not valid JSON"),
        ("[" * 100000 + "\n", "f.jsonl:1: not valid JSON"),
    ],
)
def test_bad_records_name_file_and_line(stream: str, message: str) -> None:
    """Each kind of bad record raises one InputError naming file:line and the reason."""
    with pytest.raises(InputError) as raised:
        parse_jsonl("f.jsonl", stream)
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


def test_duplicate_ids_across_files_are_refused(tmp_path: Path) -> None:
    """A record id used twice (in one file or two) is refused, naming both places."""
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text(line(id="x", text=STORY), encoding="utf-8")
    second.write_text(line(id="y", text=STORY) + line(id="x", text=STORY), encoding="utf-8")
    with pytest.raises(InputError, match=r"b\.jsonl:2: record id 'x' is already used at .*a\.jsonl:1"):
        read_jsonl_sources([str(first), str(second)])


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    """A JSONL path that does not exist fails like any other input."""
    with pytest.raises(InputError, match="no such file"):
        read_jsonl_sources([str(tmp_path / "none.jsonl")])


@pytest.fixture
def feed(tmp_path: Path) -> Path:
    """A JSONL file with a text record and an HTML record sharing a paragraph."""
    path = tmp_path / "feed.jsonl"
    path.write_text(
        line(id="ledger-1", text=f"Flood live\n\n{STORY}\n")
        + line(
            id="courier-9", html=f"<html><body><nav><a href='/'>Home</a></nav><p>{STORY}</p></body></html>"
        ),
        encoding="utf-8",
    )
    return path


def test_cli_reports_record_ids(feed: Path) -> None:
    """Clean --jsonl names the record ids as sources in the text and the JSON report."""
    result = CliRunner().invoke(app, ["clean", "--jsonl", str(feed)])
    assert result.exit_code == 0, result.output
    assert "==> ledger-1 <==" in result.stdout
    assert "[ledger-1:3] also: courier-9:1 exact" in result.stdout
    report = json.loads(CliRunner().invoke(app, ["clean", "--jsonl", "-f", "json", str(feed)]).stdout)
    assert [source["source"] for source in report["sources"]] == ["ledger-1", "courier-9"]


def test_cli_jsonl_output_keeps_record_ids(feed: Path) -> None:
    """JSONL output carries the record id as each block's source."""
    result = CliRunner().invoke(app, ["clean", "--jsonl", "-f", "jsonl", str(feed)])
    assert result.exit_code == 0, result.output
    sources = [json.loads(row)["source"] for row in result.stdout.splitlines()]
    assert sources == ["ledger-1", "ledger-1", "courier-9"]


def test_cli_custom_field_names(tmp_path: Path) -> None:
    """--id-field, --text-field and --html-field choose the record fields."""
    path = tmp_path / "crawl.jsonl"
    path.write_text(line(url="u1", content=STORY) + line(url="u2", page=f"<p>{STORY}</p>"), encoding="utf-8")
    args = ["clean", "--jsonl", "--id-field", "url", "--text-field", "content", "--html-field", "page"]
    result = CliRunner().invoke(app, [*args, "--provenance", "none", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout == STORY + "\n"


def test_cli_bad_record_exits_2_naming_the_line(tmp_path: Path) -> None:
    """An invalid line stops the run with exit 2 and one line on stderr naming file:line."""
    path = tmp_path / "feed.jsonl"
    path.write_text(line(id="a", text=STORY) + "{not json}\n", encoding="utf-8")
    output = tmp_path / "out.txt"
    result = CliRunner().invoke(app, ["clean", "--jsonl", "-o", str(output), str(path)])
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0
    assert f"{path}:2: not valid JSON" in result.stderr
    assert not output.exists()


def test_cli_report_reads_jsonl(feed: Path) -> None:
    """The report command accepts --jsonl too."""
    result = CliRunner().invoke(app, ["report", "--jsonl", str(feed)])
    assert result.exit_code == 0, result.output
    assert "courier-9" in result.stdout


def run(*args: str, stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    """Run ``python -m lbdedup`` in a real process, feeding ``stdin`` through a pipe."""
    return subprocess.run(
        [sys.executable, "-m", "lbdedup", *args], input=stdin, capture_output=True, check=False, timeout=120
    )


def test_subprocess_jsonl_from_a_pipe() -> None:
    """A real process reads a JSONL stream from stdin and prints its clean text."""
    stream = (line(id="a", text=STORY) + line(id="b", html=f"<article><p>{STORY}</p></article>")).encode()
    done = run("clean", "--jsonl", "--provenance", "none", "-", stdin=stream)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode() == STORY + "\n"


def test_subprocess_bad_jsonl_exits_2_without_traceback() -> None:
    """A real process given a bad record exits 2 with one line naming -:line and no traceback."""
    done = run("clean", "--jsonl", "-", stdin=line(id="a", text=STORY).encode() + b'{"id": "b"}\n')
    assert done.returncode == 2
    assert done.stdout == b""
    assert done.stderr.decode().strip() == 'lbdedup: error: -:2: no "text" or "html" field'


def test_subprocess_malformed_html_file(tmp_path: Path) -> None:
    """A real process cleans a broken HTML page without crashing."""
    page = tmp_path / "broken.html"
    page.write_text("<html><body><div><p>" + STORY + "<table><td>cell</div></span>", encoding="utf-8")
    done = run("clean", "--provenance", "none", str(page), stdin=b"")
    assert done.returncode == 0, done.stderr
    assert STORY in done.stdout.decode()


@pytest.mark.parametrize(
    ("record", "source", "text"),
    [
        ('{"id": "a", "text": "bad \\ud800 x"}', "a", "bad \ufffd x"),
        ('{"id": "a\\udfff", "text": "ok"}', "a\ufffd", "ok"),
        ('{"id": "a", "html": "<p>bad \\udbff x</p>"}', "a", "<p>bad \ufffd x</p>"),
        (
            '{"id": "a", "text": "pair \\ud83d\\ude00 kept, \\\\ud800 is text"}',
            "a",
            "pair 😀 kept, \\ud800 is text",
        ),
        ('{"id": "a", "text": "cut \\ud83d"}', "a", "cut \ufffd"),
    ],
    ids=["text", "id", "html", "pair-and-escaped-backslash", "half-pair"],
)
def test_lone_surrogates_become_replacement_characters(record: str, source: str, text: str) -> None:
    """A lone surrogate escape is U+FFFD in the fields read; a whole pair is its character."""
    (document,) = parse_jsonl("f.jsonl", record + "\n")
    assert (document.source, document.text) == (source, text)
    document.text.encode("utf-8")
    document.source.encode("utf-8")


def test_integers_too_long_to_convert() -> None:
    """An unused field may hold one, an id keeps its digits, a text field that holds one is refused."""
    digits = "7" * 5000
    documents = parse_jsonl(
        "f.jsonl",
        line(id="a", text=STORY)[:-2] + f', "n": {digits}}}\n' + f'{{"id": {digits}, "text": "x"}}\n',
    )
    assert [d.source for d in documents] == ["a", digits]
    with pytest.raises(InputError, match=r'f\.jsonl:1: "text" must be a string'):
        parse_jsonl("f.jsonl", f'{{"id": 1, "text": {digits}}}\n')
    with pytest.raises(InputError, match=r'f\.jsonl:1: "html" must be a string'):
        parse_jsonl("f.jsonl", f'{{"id": 1, "html": -{digits}}}\n')
