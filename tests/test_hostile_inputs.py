"""Hostile but realistic input: deep unclosed HTML, giant tokens and lines, endless streams, bad user regexes.

The generators here are shared with benchmarks/bench_hostile.py, which prints the timings and peak memory;
these tests only guard against a hang or a quadratic blow-up (a generous timeout, or a count).
"""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from lbdedup.boilerplate import BoilerplateError, compile_patterns, find_boilerplate
from lbdedup.cli import app
from lbdedup.fingerprint import fingerprint, word_hashes
from lbdedup.model import Block, BlockKind, Options, default_hash
from lbdedup.normalize import normalize_many
from lbdedup.read import InputError, format_size, parse_size, read_source

# The module, not the function of the same name that the package exports.
FINGERPRINT = importlib.import_module("lbdedup.fingerprint")

WORDS = ["the", "council", "said", "the", "bridge", "would", "stay", "closed", "until", "engineers", "cables"]


# ------------------------------------------------------------------------------------------------ generators
def unclosed_paragraphs(count: int) -> str:
    """A page of ``count`` <p> that are never closed: html.parser nests each inside the one before."""
    lines = (
        f"<p>Paragraph {number} of the page says a few words about the flood.\n" for number in range(count)
    )
    return "<html><body><h1>Unclosed paragraphs</h1>\n" + "".join(lines)


def unclosed_div_spans(count: int) -> str:
    """A page of ``count`` unclosed <div><span> pairs, nesting twice as deep."""
    return "<html><body>\n" + "".join(
        f"<div><span>Line {number} of nested text.\n" for number in range(count)
    )


def long_token(size: int) -> str:
    """One word of ``size`` letters, without a space."""
    return "x" * size + "\n"


def single_line(size: int) -> str:
    """About ``size`` characters of words (a few hundred distinct ones) on one line."""
    words = [f"{WORDS[number % len(WORDS)]}{number % 97}" for number in range(len(WORDS) * 97)]
    line = " ".join(words)
    return (line + " ") * (size // (len(line) + 1)) + "end\n"


def one_letter_lines(count: int) -> str:
    """``count`` lines of one letter each, no blank line."""
    return "a\n" * count


def write(tmp_path: Path, name: str, text: str) -> Path:
    """Write ``text`` to ``tmp_path / name`` as UTF-8."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def lbdedup(*args: str, timeout: float = 60, stdin: int | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run ``python -m lbdedup`` in a child process; a hang or a quadratic blow-up fails on the timeout."""
    return subprocess.run(
        [sys.executable, "-m", "lbdedup", *args],
        stdin=stdin if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        check=False,
        timeout=timeout,
    )


def peak_rss_mib(args: list[str]) -> float:
    """The peak resident memory of ``python -m lbdedup ARGS`` (output thrown away), in MiB."""
    with subprocess.Popen(
        [sys.executable, "-m", "lbdedup", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ) as child:
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    assert child.returncode == 0
    return usage.ru_maxrss / 1024


# ------------------------------------------------------------------------------------------------- html
def test_unclosed_paragraphs_take_linear_time(tmp_path: Path) -> None:
    """20,000 unclosed <p> (about 175 s with the old quadratic passes, 1-2 s now) finish within 60 s."""
    page = write(tmp_path, "page.html", unclosed_paragraphs(20_000))
    done = lbdedup("clean", "--provenance", "none", str(page))
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode("utf-8")
    assert "Paragraph 0 of the page" in text
    assert "Paragraph 19999 of the page" in text


def test_unclosed_div_spans_take_linear_time(tmp_path: Path) -> None:
    """10,000 unclosed <div><span> (about 90 s before, under 1 s now) finish within 60 s."""
    page = write(tmp_path, "page.html", unclosed_div_spans(10_000))
    done = lbdedup("clean", "--provenance", "none", str(page))
    assert done.returncode == 0, done.stderr
    assert "Line 9999 of nested text." in done.stdout.decode("utf-8")


def nested_sidebars(count: int) -> str:
    """``count`` unclosed <div class="sidebar">: each looks like furniture, each holds all those after it."""
    return "<body>" + "".join(f"<div class='sidebar'>Side text {number} here.\n" for number in range(count))


def spans_in_a_paragraph(count: int) -> str:
    """One paragraph of ``count`` unclosed <span>: each is looked at as a possible inline widget."""
    return "<body><p>" + "".join(f"<span>word {number} of the span text\n" for number in range(count))


def nested_headings(count: int) -> str:
    """``count`` unclosed <h1>: each heading's text is all the page after it."""
    return "<body>" + "".join(f"<h1>Heading {number}\n" for number in range(count))


@pytest.mark.parametrize(
    ("make", "count", "last"),
    [
        # Sidebars from the 12,001st on hold under 70% of the page's prose: furniture, dropped.
        pytest.param(nested_sidebars, 40_000, "Side text 12000 here.", id="sidebars"),
        pytest.param(spans_in_a_paragraph, 20_000, "word 19999 of the span text", id="spans"),
        pytest.param(nested_headings, 12_000, "Heading 11999", id="headings"),
    ],
)
def test_other_deep_nestings_take_linear_time(
    make: Callable[[int], str], count: int, last: str, tmp_path: Path
) -> None:
    """Deep nestings that were quadratic elsewhere (about 100 s each before) finish within 60 s."""
    page = write(tmp_path, "page.html", make(count))
    done = lbdedup("clean", "--provenance", "none", "--boilerplate", "off", str(page))
    assert done.returncode == 0, done.stderr
    assert last in done.stdout.decode("utf-8")


def _random_inline_html(generator: np.random.Generator, depth: int = 0) -> str:
    """Random inline markup: text, links (nested too), emphasis, scripts, comments, CDATA and breaks."""
    parts = []
    for _ in range(int(generator.integers(0, 5))):
        choice = int(generator.integers(0, 9))
        words = " ".join(generator.choice(["kim", "the dam", "  ", "\n", "x-ray", "café"], size=3))
        if choice < 3 or depth > 4:
            parts.append(words)
        elif choice < 5:
            parts.append(f"<a href='/{choice}'>{_random_inline_html(generator, depth + 1)}</a>")
        elif choice < 7:
            tag = ["span", "em", "b"][choice - 5]
            parts.append(f"<{tag}>{_random_inline_html(generator, depth + 1)}</{tag}>")
        elif choice == 7:
            parts.append(f"<script>var a = '{words}';</script><!-- {words} --><br>")
        else:
            parts.append(f"<![CDATA[{words}]]>")
    return "".join(parts)


def test_inline_counts_agree_with_find_all_and_get_text() -> None:
    """One-pass counts of inline elements equal what find_all("a") and get_text(" ") give, at every depth."""
    from bs4 import BeautifulSoup

    from lbdedup.html import _collapse, _Inline, _inline_counts

    generator = np.random.default_rng(7)
    checked = 0
    for _ in range(200):
        soup = BeautifulSoup(f"<p><span>{_random_inline_html(generator)}</span></p>", "html.parser")
        tags = soup.find_all(["span", "em", "b", "a"])
        outer_first: dict[int, _Inline] = {}
        inner_first: dict[int, _Inline] = {}
        # Outermost first (inner ones come from the outer pass), then innermost first (outer ones reuse them).
        for tag, known in [
            *((tag, outer_first) for tag in tags),
            *((tag, inner_first) for tag in reversed(tags)),
        ]:
            counts = _inline_counts(tag, known)
            text = _collapse(tag.get_text(" "))
            links = tag.find_all("a")
            assert counts.links == len(links)
            assert (counts.words, counts.text_length()) == (len(text.split()), len(text))
            assert counts.linked == sum(len(_collapse(link.get_text(" "))) for link in links)
            checked += 1
    assert checked > 600


def test_heading_text_is_get_text_for_headings_of_usual_length() -> None:
    """A heading's text for the title match is its get_text(), comments and scripts left out."""
    from bs4 import BeautifulSoup

    from lbdedup.html import _heading_text

    page = "<h1>Dam <em>holds</em><!-- no --><script>x = 1</script> <a href='/'>at last</a></h1>"
    heading = BeautifulSoup(page, "html.parser").h1
    assert heading is not None
    assert _heading_text(heading) == heading.get_text() == "Dam holds at last"


# ------------------------------------------------------------------------------------------ words and lines
class _CountingNumpy:
    """numpy, with a count of the calls of ``np.minimum`` (once per 8-byte round of a long word)."""

    def __init__(self) -> None:
        self.minimum_calls = 0

    def minimum(self, *args: object, **kwargs: object) -> object:
        self.minimum_calls += 1
        return np.minimum(*args, **kwargs)  # type: ignore[call-overload]  # the arguments are passed through

    def __getattr__(self, name: str) -> object:
        return getattr(np, name)


def test_a_megabyte_token_is_hashed_without_a_round_per_eight_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 1 MB word costs a few numpy rounds (125,000 before), and its hash is the hash of its bytes."""
    counting = _CountingNumpy()
    monkeypatch.setattr(FINGERPRINT, "np", counting)
    token = long_token(1 << 20).strip()
    hashes, counts = word_hashes([token, "short words", token])
    assert counting.minimum_calls < 100
    whole = default_hash(token.encode())
    assert hashes.tolist() == [whole, default_hash(b"short"), default_hash(b"words"), whole]
    assert counts.tolist() == [1, 2, 1]


def test_long_words_of_every_length_near_the_cut_keep_their_hashes() -> None:
    """Words just under, at and over the sliced length hash as their bytes, and equal words match."""
    cut = FINGERPRINT.SLICED_WORD_BYTES
    words = ["y" * length for length in (cut - 1, cut, cut + 1, 3 * cut)] + ["y" * (cut + 1) + "z"]
    hashes, _ = word_hashes([" ".join(words), " ".join(reversed(words))])
    expected = [default_hash(word.encode()) for word in words]
    assert hashes.tolist() == expected + expected[::-1]


def test_a_long_line_gives_the_same_fingerprints_when_cut_into_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Texts read a window of bytes at a time are fingerprinted as when read whole."""
    text = normalize_many([single_line(200_000), "a b c d e", single_line(5000), "x"])
    whole = fingerprint(text)
    monkeypatch.setattr(FINGERPRINT, "WINDOW_BYTES", 1000)
    cut = fingerprint(text)
    assert whole.word_counts.tolist() == cut.word_counts.tolist()
    assert np.array_equal(whole.shingle_hashes, cut.shingle_hashes)
    assert np.array_equal(whole.shingle_blocks, cut.shingle_blocks)


NORMALIZE = importlib.import_module("lbdedup.normalize")
# Pieces of text normalization must agree on, side by side: separators between digits, marks to drop, runs of
# spaces and punctuation, non-ASCII letters that fold or decompose.
TRICKY = ["word", "Kim’s", "3.5", "1,000", "12:30", "  ", " - ", "“quoted”", "Ünïcode", "x", "a.b", "…", "--"]
TRICKY += ["ﬁ", "İ", "ß", "e\u0301", " ", "   ", "7", ":", ".", "2", "(", ")"]


def test_long_lines_cut_for_normalization_normalize_as_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lines cut at a space between two letters or digits give the same keys as lines normalized whole."""
    generator = np.random.default_rng(12)
    texts = [" ".join(generator.choice(TRICKY, size=int(generator.integers(1, 3000)))) for _ in range(40)]
    texts += ["a " * 5000, "x" * 20000, "9 " * 3000 + "end"]
    whole = normalize_many(texts)
    pieces: list[bytes] = []
    piece = NORMALIZE._normalize_piece

    def counted(raw: bytes) -> tuple[bytes, list[str]]:
        pieces.append(raw)
        return piece(raw)  # type: ignore[no-any-return]  # the module is imported by name

    monkeypatch.setattr(NORMALIZE, "CHUNK_BYTES", 64)
    monkeypatch.setattr(NORMALIZE, "_normalize_piece", counted)
    assert normalize_many(texts) == whole
    # Most pieces end at a cut inside a line, not at the end of a text.
    assert sum(not raw.endswith(b" \n") and raw.count(b"\n") == 1 for raw in pieces) > 2 * len(texts)


def test_a_20_mb_line_stays_within_a_multiple_of_its_size(tmp_path: Path) -> None:
    """A 20 MB single line peaks far under the 44x it took (about 12x now; the bound is generous)."""
    path = write(tmp_path, "line.txt", single_line(20_000_000))
    assert peak_rss_mib(["clean", "-q", str(path)]) < 25 * 20_000_000 / (1 << 20)


def test_one_letter_lines_still_segment_as_one_wrapped_block(tmp_path: Path) -> None:
    """100,000 one-letter lines come out as before: one block of lines 1-100000."""
    path = write(tmp_path, "letters.txt", one_letter_lines(100_000))
    done = lbdedup("clean", "--format", "jsonl", str(path))
    assert done.returncode == 0, done.stderr
    assert '"line_start": 1, "line_end": 100000' in done.stdout.decode("utf-8")


# ----------------------------------------------------------------------------------------------- input size
def test_parse_size_reads_suffixes_and_refuses_the_rest() -> None:
    """Plain bytes and K/M/G/T suffixes (powers of 1024, any case, an optional B) parse; words do not."""
    assert [parse_size(text) for text in ("0", "10", "1k", "500M", "2G", "1TB", "3MiB")] == [
        0,
        10,
        1024,
        500 << 20,
        2 << 30,
        1 << 40,
        3 << 20,
    ]
    for bad in ("", "-1", "1.5G", "10x", "G", "1 GB extra"):
        with pytest.raises(ValueError, match="not a size"):
            parse_size(bad)
    assert format_size(1 << 30) == "1 GB"


def test_read_source_refuses_a_regular_file_over_the_limit_before_reading(tmp_path: Path) -> None:
    """A file over the limit is an InputError naming it and the limit; at the limit, or with 0, it reads."""
    path = write(tmp_path, "blog.txt", "x" * 100)
    with pytest.raises(
        InputError, match=r"blog.txt: larger than the 99 bytes input limit \(--max-file-size\)"
    ):
        read_source(str(path), limit=99)
    assert len(read_source(str(path), limit=100).text) == 100
    assert len(read_source(str(path), limit=0).text) == 100


def test_read_source_stops_an_endless_device_at_the_limit() -> None:
    """/dev/zero is refused once more than the limit has been read."""
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero here")
    with pytest.raises(InputError, match="/dev/zero: larger than the 64 KB input limit"):
        read_source("/dev/zero", limit=64 << 10)


def test_clean_dev_zero_stops_at_the_limit() -> None:
    """`lbdedup clean /dev/zero --max-file-size 1M` is exit 2 and one line, not an endless read."""
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero here")
    done = lbdedup("clean", "--max-file-size", "1M", "/dev/zero")
    assert done.returncode == 2
    assert (
        done.stderr.decode()
        == "lbdedup: error: /dev/zero: larger than the 1 MB input limit (--max-file-size)\n"
    )
    assert done.stdout == b""


def test_an_endless_stdin_stops_at_the_limit() -> None:
    """`yes | lbdedup clean - --max-file-size 1M` is exit 2 naming stdin, and yes gets a broken pipe."""
    with subprocess.Popen(["yes"], stdout=subprocess.PIPE) as endless:
        assert endless.stdout is not None
        done = lbdedup("clean", "--max-file-size", "1M", "-", stdin=endless.stdout.fileno())
        endless.stdout.close()
        endless.kill()
    assert done.returncode == 2
    assert done.stderr.decode() == "lbdedup: error: -: larger than the 1 MB input limit (--max-file-size)\n"


@pytest.mark.parametrize(
    "command",
    [
        ["clean"],
        ["clean", "--jsonl"],
        ["report"],
        ["check"],
        ["fix"],
        ["index", "build", "--index", "idx.sqlite"],
        ["index", "update", "--index", "idx.sqlite"],
    ],
    ids=["clean", "clean-jsonl", "report", "check", "fix", "index-build", "index-update"],
)
def test_every_reading_command_takes_the_limit(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each command that reads inputs refuses one over --max-file-size with exit 2 and one line naming it."""
    monkeypatch.chdir(tmp_path)
    name = "feed.jsonl" if "--jsonl" in command else "blog.txt"
    text = (
        '{"id": 1, "text": "Rain all day."}\n' if "--jsonl" in command else "Rain all day.\n\nThe dam held.\n"
    )
    write(tmp_path, name, text)
    result = CliRunner().invoke(app, [*command, "--max-file-size", "10", name])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"lbdedup: error: {name}: larger than the 10 bytes input limit")
    assert result.stderr.count("\n") == 1
    assert (tmp_path / name).read_text(encoding="utf-8") == text


def test_index_query_takes_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`index query --max-file-size` refuses a larger file with exit 2."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "blog.txt", "Rain all day.\n\nThe dam held.\n")
    assert CliRunner().invoke(app, ["index", "build", "--index", "idx.sqlite", "blog.txt"]).exit_code == 0
    result = CliRunner().invoke(
        app, ["index", "query", "--index", "idx.sqlite", "--max-file-size", "5", "blog.txt"]
    )
    assert result.exit_code == 2
    assert "blog.txt: larger than the 5 bytes input limit (--max-file-size)" in result.stderr


def test_the_limit_is_back_to_its_default_after_a_command(tmp_path: Path) -> None:
    """A command's --max-file-size does not outlive it: the next read in the process has 1 GB again."""
    path = write(tmp_path, "blog.txt", "Rain all day.\n")
    assert CliRunner().invoke(app, ["clean", "--max-file-size", "5", str(path)]).exit_code == 2
    assert read_source(str(path)).text == "Rain all day.\n"


def test_a_bad_size_is_a_usage_error(tmp_path: Path) -> None:
    """`--max-file-size lots` is exit 2 with a message naming the option."""
    path = write(tmp_path, "blog.txt", "Rain all day.\n")
    result = CliRunner().invoke(app, ["clean", "--max-file-size", "lots", str(path)])
    assert result.exit_code == 2
    assert "--max-file-size" in result.output + result.stderr


def test_zero_means_no_limit(tmp_path: Path) -> None:
    """`--max-file-size 0` reads the file whatever its size."""
    path = write(tmp_path, "blog.txt", "Rain all day.\n")
    result = CliRunner().invoke(app, ["clean", "--max-file-size", "0", "--provenance", "none", str(path)])
    assert result.exit_code == 0
    assert result.stdout == "Rain all day.\n"


# ---------------------------------------------------------------------------------------------- user regexes
DEEP_GROUPS = "(" * 1000 + "a" + ")" * 1000
BAD_PATTERNS = [
    pytest.param("a{4294967296}", "the repetition number is too large", id="huge-repeat"),
    pytest.param(DEEP_GROUPS, "nested too deeply", id="1000-nested-groups"),
    pytest.param("(", "missing ), unterminated subpattern", id="syntax"),
]


@pytest.mark.parametrize(("pattern", "reason"), BAD_PATTERNS)
def test_compile_patterns_raises_boilerplate_error_for_every_failure(pattern: str, reason: str) -> None:
    """Every way re.compile fails becomes a BoilerplateError quoting the pattern (cut when long)."""
    with pytest.raises(BoilerplateError, match="bad regular expression") as raised:
        compile_patterns((pattern,))
    assert reason in str(raised.value)
    assert repr(pattern[:80])[:-1] in str(raised.value)
    assert len(str(raised.value)) < 200


@pytest.mark.parametrize(("pattern", "reason"), BAD_PATTERNS)
@pytest.mark.parametrize("option", ["--drop-pattern", "--keep-pattern"])
def test_a_bad_pattern_option_is_exit_2_naming_it(
    pattern: str, reason: str, option: str, tmp_path: Path
) -> None:
    """A pattern re cannot compile, on the command line, is exit 2 and one line naming the option."""
    path = write(tmp_path, "blog.txt", "Rain all day.\n")
    done = lbdedup("clean", option, pattern, str(path))
    assert done.returncode == 2
    error = done.stderr.decode()
    assert error.startswith(f"lbdedup: error: {option}: bad regular expression")
    assert reason in error
    assert error.count("\n") == 1


@pytest.mark.parametrize(("pattern", "reason"), BAD_PATTERNS)
def test_a_bad_pattern_in_the_config_file_is_exit_2_naming_it(
    pattern: str, reason: str, tmp_path: Path
) -> None:
    """The same patterns in .lbdedup.toml are exit 2 and one line naming the file and the setting."""
    write(tmp_path, "blog.txt", "Rain all day.\n")
    escaped = pattern.replace("\\", "\\\\")
    write(tmp_path, ".lbdedup.toml", f'drop-pattern = ["{escaped}"]\n')
    done = subprocess.run(
        [sys.executable, "-m", "lbdedup", "clean", "blog.txt"],
        cwd=tmp_path,
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 2
    error = done.stderr.decode()
    assert "drop-pattern" in error
    assert reason in error
    assert error.count("\n") == 1


def _blocks(*texts: str) -> list[Block]:
    return [
        Block(
            doc=0, source="a.txt", index=index, line_start=index + 1, line_end=index + 1, kind=kind, text=text
        )
        for index, (kind, text) in enumerate(
            (BlockKind.TITLE if index == 0 else BlockKind.PARAGRAPH, text) for index, text in enumerate(texts)
        )
    ]


def _find(blocks: list[Block], options: Options) -> dict[int, str]:
    keys = normalize_many([block.text for block in blocks])
    return find_boilerplate(blocks, keys, fingerprint(keys), options)


@pytest.mark.parametrize("which", ["drop", "keep"])
def test_a_backtracking_pattern_is_stopped_and_named(which: str) -> None:
    """`(a+)+$` on 40 a's and a b (minutes of backtracking) stops within seconds with an error naming it."""
    blocks = _blocks("Title", "a" * 40 + "b", "Advertisement")
    options = Options(drop_patterns=("(a+)+$",)) if which == "drop" else Options(keep_patterns=("(a+)+$",))
    if which == "keep":
        # The keep pattern only searches blocks found to be furniture: make the long one furniture.
        options = Options(drop_patterns=("b$",), keep_patterns=("(a+)+$",))
    with pytest.raises(
        BoilerplateError, match=rf"{which} pattern '\(a\+\)\+\$' ran for over 1 s of CPU on one block"
    ):
        _find(blocks, options)


def test_the_watch_leaves_its_signal_and_timer_as_it_found_them() -> None:
    """After a run with user patterns (stopped or not), SIGVTALRM's handler and the CPU timer are back."""
    if not hasattr(signal, "setitimer"):
        pytest.skip("no interval timers here")
    before = signal.getsignal(signal.SIGVTALRM)
    _find(_blocks("Title", "Powered by Ghost"), Options(drop_patterns=("^Powered by",)))
    with pytest.raises(BoilerplateError):
        _find(_blocks("Title", "a" * 40 + "b"), Options(drop_patterns=("(a+)+$",)))
    assert signal.getsignal(signal.SIGVTALRM) is before
    assert signal.getitimer(signal.ITIMER_VIRTUAL) == (0.0, 0.0)


def test_a_slow_but_finite_pattern_on_a_long_block_is_not_stopped() -> None:
    """A linear pattern over a 5 MB block gets its time: 1 s plus 1 s per million characters."""
    found = _find(_blocks("Title", "word " * 1_000_000 + "end"), Options(drop_patterns=(r"(\w+ )*end$",)))
    assert found == {1: "drop pattern '(\\\\w+ )*end$'"}


def test_a_backtracking_pattern_on_the_command_line_is_exit_2() -> None:
    """`clean --drop-pattern '(a+)+$'` on 40 a's is exit 2 with one line, not a hang or a traceback."""
    with subprocess.Popen(["printf", "%s\\n", "a" * 40 + "b"], stdout=subprocess.PIPE) as source:
        assert source.stdout is not None
        done = lbdedup("clean", "--drop-pattern", "(a+)+$", "-", stdin=source.stdout.fileno())
    assert done.returncode == 2
    assert done.stderr.decode().startswith(
        "lbdedup: error: drop pattern '(a+)+$' ran for over 1 s of CPU on one block"
    )
    assert done.stderr.count(b"\n") == 1
    assert done.stdout == b""
