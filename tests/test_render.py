"""Render stage: the clean text with provenance, and the JSON/JSONL report contract."""

from __future__ import annotations

import json
from json.encoder import encode_basestring
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lbdedup import Document, Status, dedupe
from lbdedup.model import Block, BlockKind, BlockRef, BlockResult, DedupeResult, MatchKind
from lbdedup.render import (
    _string_bodies,
    block_record,
    encode_chunks,
    format_similarity,
    provenance_line,
    render_json,
    render_json_bytes,
    render_json_chunks,
    render_jsonl,
    render_jsonl_bytes,
    render_text,
    render_text_bytes,
    render_text_chunks,
    report_record,
)

from .contract import check_report, uncovered_lines

BASE = (
    "The council said the Skelby bridge would stay closed until engineers had inspected the damaged cables."
)
A_TEXT = f"Storm live: gales close the bridge\n\n{BASE}\n\n16.10 BST\n\n{BASE}\n"
B_TEXT = (
    f"{BASE.replace('engineers', 'enginers')}\n\nA different paragraph about the ferries to the islands.\n"
)


def test_render_text_with_provenance() -> None:
    """Each source opens with its name; each kept block shows file:line and where its copies were."""
    text = render_text(dedupe([Document("a.txt", A_TEXT), Document("b.txt", B_TEXT)]))
    assert text == (
        "==> a.txt <==\n\n"
        "[a.txt:1]\nStorm live: gales close the bridge\n\n"
        f"[a.txt:3] also: a.txt:7 exact, b.txt:1 near 0.995\n{BASE}\n\n"
        "[a.txt:5]\n16.10 BST\n\n"
        "==> b.txt <==\n\n"
        "[b.txt:3]\nA different paragraph about the ferries to the islands.\n"
    )


def test_render_text_bare() -> None:
    """Without provenance: the kept texts only, blank-line separated, in input order."""
    text = render_text(dedupe([Document("a.txt", A_TEXT), Document("b.txt", B_TEXT)]), provenance=False)
    assert text == (
        f"Storm live: gales close the bridge\n\n{BASE}\n\n16.10 BST\n\n"
        "A different paragraph about the ferries to the islands.\n"
    )


WRAPPED = (
    "Firefighters in the hills are battling three separate blazes\n"
    "that have burned more than 2,800 hectares of pine forest.\n\n"
    "Police have ordered residents of Corrie Ban to leave their\n"
    "homes immediately after the fire crossed the Ardle road.\n"
)


def test_render_text_bare_writes_wrapped_blocks_on_one_line() -> None:
    """Bare text writes a block of several lines on one line; with provenance its lines stay as read."""
    result = dedupe([Document("a.txt", WRAPPED)])
    paragraphs = [" ".join(paragraph.split("\n")) for paragraph in WRAPPED.rstrip("\n").split("\n\n")]
    assert render_text(result, provenance=False) == "\n\n".join(paragraphs) + "\n"
    assert "blazes\nthat have" in render_text(result)


WRAPPED_QUOTE = (
    "# Fire live\n\n"
    "Firefighters in the hills are battling three separate blazes\n"
    "that have burned more than 2,800 hectares of pine forest.\n\n"
    "> Leave now, do not wait for the fire to reach the road, the\n"
    "> chief officer told residents of Corrie Ban this afternoon.\n"
)


def test_render_text_bare_writes_a_wrapped_quote_with_one_quote_mark() -> None:
    """A wrapped Markdown quote is one line opened by one ">", and cleaning that again changes nothing."""
    once = render_text(dedupe([Document("a.md", WRAPPED_QUOTE, format="markdown")]), provenance=False)
    assert once.split("\n\n")[-1] == (
        "> Leave now, do not wait for the fire to reach the road, the chief officer told residents of Corrie"
        " Ban this afternoon.\n"
    )
    twice = render_text(dedupe([Document("a.md", once, format="markdown")]), provenance=False)
    assert twice == once


def test_render_empty() -> None:
    """Nothing in, nothing out: no provenance header for an empty run."""
    assert render_text(dedupe([])) == ""
    assert render_text(dedupe([Document("a.txt", "")]), provenance=False) == ""


def test_render_json_contract() -> None:
    """The JSON report parses, follows the contract, and covers every non-empty line."""
    result = dedupe([Document("a.txt", A_TEXT), Document("b.txt", B_TEXT)])
    report = json.loads(render_json(result))
    check_report(report)
    assert report == json.loads(json.dumps(report_record(result)))
    assert [s["source"] for s in report["sources"]] == ["a.txt", "b.txt"]
    assert [(s["blocks"], s["kept"], s["duplicates"]) for s in report["sources"]] == [(4, 3, 1), (2, 1, 1)]
    assert uncovered_lines(A_TEXT, report["blocks"], "a.txt") == []
    assert uncovered_lines(B_TEXT, report["blocks"], "b.txt") == []
    copy = report["blocks"][4]
    assert copy["duplicate_of"] == {"source": "a.txt", "index": 1, "line_start": 3}
    assert (copy["status"], copy["match"]) == ("duplicate", "near")


def test_render_json_keeps_unicode_and_one_record_per_line() -> None:
    """Text is written as UTF-8, not escaped; each block is on a line of its own."""
    result = dedupe([Document("a.txt", "“Kim’s train” — arrives…\n\nSecond.\n")])
    rendered = render_json(result)
    assert "“Kim’s train” — arrives…" in rendered
    assert rendered.endswith("}\n")
    assert (
        sum(1 for line in rendered.splitlines() if line.startswith('  {"source"') and '"index"' in line) == 2
    )


def test_render_json_empty() -> None:
    """An empty run is still a valid report."""
    report = json.loads(render_json(dedupe([])))
    assert report["blocks"] == []
    check_report(report)


def test_jsonl_is_the_block_objects() -> None:
    """JSONL carries the same block objects as the JSON report, one per line."""
    result = dedupe([Document("a.txt", A_TEXT), Document("b.txt", B_TEXT)])
    lines = list(render_jsonl(result))
    assert all(line.endswith("\n") and line.count("\n") == 1 for line in lines)
    assert [json.loads(line) for line in lines] == json.loads(render_json(result))["blocks"]


@pytest.mark.parametrize(
    ("copies", "expected"),
    [
        ([], "[a.txt:5-6]"),
        ([("b.txt", 2, 2, MatchKind.EXACT, 1.0)], "[a.txt:5-6] also: b.txt:2 exact"),
        ([("b.txt", 2, 4, MatchKind.NEAR, 0.998)], "[a.txt:5-6] also: b.txt:2-4 near 0.998"),
        (
            [("b.txt", 2, 2, MatchKind.CONTAINED, 1.0), ("c.txt", 9, 9, MatchKind.NEAR, 0.9412)],
            "[a.txt:5-6] also: b.txt:2 contained, c.txt:9 near 0.941",
        ),
    ],
)
def test_provenance_line(copies: list[tuple[str, int, int, MatchKind, float]], expected: str) -> None:
    """The provenance line names the kept block's span and each copy with its match and score."""
    kept = BlockResult(Block(0, "a.txt", 2, 5, 6, BlockKind.PARAGRAPH, "x"), Status.CANONICAL, cluster=0)
    ref = BlockRef.of(kept.block)
    results = [
        BlockResult(
            Block(1, source, 0, start, end, BlockKind.PARAGRAPH, "x"),
            Status.DUPLICATE,
            cluster=0,
            duplicate_of=ref,
            match=match,
            similarity=score,
        )
        for source, start, end, match, score in copies
    ]
    assert provenance_line(kept, results) == expected


@pytest.mark.parametrize(
    ("value", "text"),
    [(1.0, "1.000"), (0.9996, "0.999"), (0.95, "0.950"), (0.9459, "0.945"), (0.29, "0.290"), (0.0, "0.000")],
)
def test_format_similarity(value: float, text: str) -> None:
    """Scores are rounded down to three decimals, so only an exact copy reads 1.000."""
    assert format_similarity(value) == text


def test_block_record_fields() -> None:
    """A block record carries the contract's fields with enum values as strings."""
    block = Block(0, "a.txt", 0, 1, 2, BlockKind.CAPTION, "Kim waves.\nPhotograph: AP")
    record = block_record(BlockResult(block, Status.UNIQUE))
    assert record["kind"] == "caption"
    assert record["status"] == "unique"
    assert (record["line_start"], record["line_end"], record["text"]) == (1, 2, "Kim waves.\nPhotograph: AP")


@pytest.mark.parametrize(
    "texts",
    [[], [""], ["Rain.\n"], ["Kim waves 👋\n\nKim waves 👋\n", "Ünïcödé “quotes”.\n\nRain.\n"]],
)
def test_report_bytes_are_the_utf8_of_the_report(texts: list[str]) -> None:
    """The encoded pieces the CLI writes are the UTF-8 of the string renderers, empty runs included."""
    result = dedupe([Document(f"{number}.txt", text) for number, text in enumerate(texts)])
    assert b"".join(encode_chunks(render_json_chunks(result))) == render_json(result).encode("utf-8")
    assert b"".join(encode_chunks(render_jsonl(result))) == "".join(render_jsonl(result)).encode("utf-8")
    assert b"".join(encode_chunks(render_text_chunks(result))) == render_text(result).encode("utf-8")
    assert b"".join(render_json_bytes(result)) == render_json(result).encode("utf-8")
    assert b"".join(render_jsonl_bytes(result)) == "".join(render_jsonl(result)).encode("utf-8")
    for provenance in (True, False):
        expected = render_text(result, provenance).encode("utf-8")
        assert b"".join(render_text_bytes(result, provenance)) == expected


# Characters the JSON escaper treats apart: quotes, backslashes, control characters, wide ones.
TRICKY = st.text(st.sampled_from(list('ab "\\\n\t\x00\x1fé€👋\u2028\x7f')), max_size=12)


@settings(max_examples=200)
@given(st.lists(TRICKY, max_size=300), st.floats(0, 1))
def test_string_bodies_are_what_the_json_escaper_writes(texts: list[str], rare: float) -> None:
    """Batch escaping gives each text's JSON string (quotes aside), whatever control characters it holds."""
    # Most texts stripped of control characters, so batches with only a few of them (split in halves) occur.
    texts = [
        text if n % 97 < rare * 10 else "".join(c for c in text if c >= " ") for n, text in enumerate(texts)
    ]
    assert _string_bodies(texts) == [encode_basestring(text)[1:-1] for text in texts]


def reference_json(result: DedupeResult) -> str:
    """The report as json.dumps writes each record, one record a line (the layout of the contract)."""

    def listed(key: str, records: list[Any], last: bool = False) -> str:
        items = [json.dumps(record, ensure_ascii=False) for record in records]
        body = "\n  " + ",\n  ".join(items) + "\n ]" if items else "]"
        return f' "{key}": [{body}' + ("\n" if last else ",\n")

    record = report_record(result)
    return (
        f'{{"version": {json.dumps(result.version)},\n'
        + "".join(listed(key, record[key]) for key in ("sources", "blocks", "clusters", "runs"))
        + listed("timelines", record["timelines"], last=True)
        + "}\n"
    )


TRICKY_BLOG = (
    'Storm live: "gales" close the bridge \\ 👋\n\n10:04 BST\n\n{0}\n\nTab\there, “curly” — fine…\n\n'
    "10:01 BST\n\n{0}\n"
)


@pytest.mark.parametrize(
    "texts",
    [
        [],
        [""],
        [A_TEXT, B_TEXT],
        [TRICKY_BLOG.format(BASE), TRICKY_BLOG.format(BASE.replace("cables", "cable")), B_TEXT],
    ],
)
def test_report_is_byte_for_byte_json_dumps_of_its_records(texts: list[str]) -> None:
    """The directly built report is, byte for byte, json.dumps of the contract's records, one a line."""
    result = dedupe([Document(f'{n} "quoted" é.txt', text) for n, text in enumerate(texts)])
    assert render_json(result) == reference_json(result)
    assert "".join(render_jsonl(result)) == "".join(
        json.dumps(block_record(block), ensure_ascii=False) + "\n" for block in result.blocks
    )


def test_file_names_that_are_not_utf8_in_every_output() -> None:
    """A name's bytes that are not UTF-8 are \\xNN in the text, and the same text in the JSON strings."""
    name = "feeds/caf\udce9-\udcff.txt"
    result = dedupe([Document(name, f"{BASE}\n\nOther words.\n\n{BASE}\n")])
    text = b"".join(render_text_bytes(result)).decode("utf-8")
    assert "==> feeds/caf\\xe9-\\xff.txt <==" in text
    assert "[feeds/caf\\xe9-\\xff.txt:1]" in text
    report = json.loads(b"".join(render_json_bytes(result)).decode("utf-8"))
    assert {block["source"] for block in report["blocks"]} == {"feeds/caf\\xe9-\\xff.txt"}
    assert report["sources"][0]["source"] == "feeds/caf\\xe9-\\xff.txt"
    assert report["clusters"][0]["members"][0]["source"] == "feeds/caf\\xe9-\\xff.txt"
    lines = b"".join(render_jsonl_bytes(result)).decode("utf-8").splitlines()
    assert {json.loads(line)["source"] for line in lines} == {"feeds/caf\\xe9-\\xff.txt"}
    assert b"".join(encode_chunks([f"{name}:3: duplicate\n"])) == b"feeds/caf\\xe9-\\xff.txt:3: duplicate\n"
    # Other lone surrogates, which only a library caller's text holds, as \\uNNNN.
    assert b"".join(encode_chunks(["a\ud800b"])) == b"a\\ud800b"
