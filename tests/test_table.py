"""The columnar model: its views behave as the tuples they replace, texts stay in place, output unchanged."""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import pickle
import sys
from collections.abc import Iterator
from itertools import accumulate
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lbdedup.core
from lbdedup import Document, Options, dedupe
from lbdedup.check import apply_index_matches, findings, protect
from lbdedup.core import segment_all, segment_table, with_block_results
from lbdedup.index import IndexMatch
from lbdedup.jsonl import parse_jsonl
from lbdedup.model import (
    Block,
    BlockKind,
    BlockRef,
    BoilerplateMode,
    DedupeResult,
    MatchKind,
    Status,
)
from lbdedup.parallel import _can_fork
from lbdedup.read import decode
from lbdedup.render import (
    render_json,
    render_json_bytes,
    render_jsonl,
    render_jsonl_bytes,
    render_source_texts,
    render_text,
    render_text_bytes,
)
from lbdedup.table import (
    MATCHES,
    NO_MATCH,
    STATUSES,
    BlockTable,
    ClusterTable,
    ResultTable,
    TableBuilder,
    result_table,
)
from tests.conftest import FIXTURES, invoke_in

FEW = settings(max_examples=25, deadline=None)

RIVER = "The river rose two metres overnight in Elmford, officials said on Tuesday."
RESCUE = "Rescue teams reached the stranded villagers after a long night of rain."
# Hard-wrapped prose: one block of two lines.
WRAPPED = "The river rose two metres overnight in Elmford and the\ncouncil said the flood defences held firm."


def _sample_documents() -> list[Document]:
    """A small run with every status, a post time, a near copy, boilerplate and a block of two lines."""
    return [
        Document("a.txt", f"Flood live\n\n10:22 GMT\n\n{RIVER}\n\n{RESCUE}\n\nline one\nline two\n"),
        Document("b.txt", f"{RIVER}!\n\nCookie settings\n\n{RESCUE}\n\nSun by noon.\n"),
    ]


@pytest.fixture(scope="module")
def sample() -> DedupeResult:
    """The sample run's result: blocks a ResultTable, clusters a ClusterTable."""
    result = dedupe(_sample_documents())
    assert isinstance(result.blocks, ResultTable)
    assert isinstance(result.clusters, ClusterTable)
    return result


def as_records(result: DedupeResult) -> DedupeResult:
    """The same result with its blocks and clusters as tuples of records (as before the columns)."""
    return dataclasses.replace(result, blocks=tuple(result.blocks), clusters=tuple(result.clusters))


def rendered(result: DedupeResult) -> list[Any]:
    """Everything a result renders to, by every renderer."""
    return [
        render_json(result),
        "".join(render_jsonl(result)),
        render_text(result),
        render_text(result, provenance=False),
        render_source_texts(result),
        render_source_texts(result, provenance=False),
        result.texts(),
        result.texts(provenance=True),
        b"".join(render_json_bytes(result)),
        b"".join(render_jsonl_bytes(result)),
        b"".join(render_text_bytes(result)),
        b"".join(render_text_bytes(result, provenance=False)),
    ]


# Sequence semantics ----------------------------------------------------------------------------------------


def _views(result: DedupeResult) -> list[tuple[str, Any]]:
    results = result.blocks
    assert isinstance(results, ResultTable)
    return [("blocks", results), ("clusters", result.clusters), ("block table", results.blocks)]


def test_index_like_a_tuple(sample: DedupeResult) -> None:
    """Every position a tuple takes gives its item, every other raises what a tuple raises."""
    for name, view in _views(sample):
        items = tuple(view)
        count = len(view)
        assert count == len(items) > 1, name
        for position in (0, 1, count - 1, -1, -count, np.int64(1), np.int32(-2), True):
            assert view[position] == items[position], (name, position)
        for position in (count, -count - 1, 10**12):
            with pytest.raises(IndexError):
                view[position]
        for position in ("1", 1.0, 1.5, None):
            # Regression: int() let "1" and 1.9 through as rows 1.
            with pytest.raises(TypeError):
                view[position]


@FEW
@given(
    st.one_of(st.none(), st.integers(-12, 12)),
    st.one_of(st.none(), st.integers(-12, 12)),
    st.one_of(st.none(), st.integers(-5, 5).filter(bool)),
)
def test_slices_like_a_tuple(start: int | None, stop: int | None, step: int | None) -> None:
    """Any slice, steps and negative bounds included, is the tuple's slice of the same items."""
    result = dedupe(_sample_documents())
    for name, view in _views(result):
        assert view[start:stop:step] == tuple(view)[start:stop:step], name
        assert isinstance(view[start:stop:step], tuple)


def test_slice_step_zero_raises(sample: DedupeResult) -> None:
    """A zero step is a ValueError, as for a tuple."""
    with pytest.raises(ValueError, match="zero"):
        sample.blocks[::0]


def test_iterating_twice_gives_equal_new_records(sample: DedupeResult) -> None:
    """Each pass makes the records again: equal, and as many as len says."""
    for name, view in _views(sample):
        first, second = list(view), list(view)
        assert first == second, name
        assert len(first) == len(view), name
        assert list(reversed(view)) == first[::-1], name
        assert [view[row] for row in range(len(view))] == first, name  # one row made alone, as in a batch


def test_sequence_methods(sample: DedupeResult) -> None:
    """in, index and count answer as for the tuple of the same records."""
    for name, view in _views(sample):
        items = tuple(view)
        for item in items:
            assert item in view, name
            assert view.index(item) == items.index(item), name
            assert view.count(item) == items.count(item) == 1, name
        assert "not a record" not in view
        with pytest.raises(ValueError):  # noqa: PT011  # Sequence.index raises it with no message
            view.index("not a record")


def test_equal_to_tuples_lists_and_tables_of_the_same_items(sample: DedupeResult) -> None:
    """A view equals the tuple and list of its records and a table made from them, and nothing else."""
    blocks: Any = sample.blocks
    records = tuple(blocks)
    remade = result_table(records)
    for same in (records, list(records), remade):
        assert blocks == same
        assert same == blocks
        assert not blocks != same  # noqa: SIM202  # __ne__ itself is under test
    changed = (*records[:-1], dataclasses.replace(records[-1], status=Status.BOILERPLATE))
    for other in (changed, records[:-1], (), "text", 3, sample.clusters):
        assert blocks != other
        assert other != blocks
    assert sample.clusters == tuple(sample.clusters)


def test_empty_table_is_not_equal_to_a_string_or_bytes() -> None:
    """An empty run's blocks equal () and [], not "" nor b"" (regression: bytes are Sequences too)."""
    blocks: Any = dedupe([]).blocks
    assert len(blocks) == 0
    assert blocks == ()
    assert blocks == []
    for other in ("", b"", bytearray()):
        assert blocks != other
        assert not blocks == other  # noqa: SIM201  # __eq__ itself, not __ne__, is under test


def test_hash_is_the_hash_of_the_tuple(sample: DedupeResult) -> None:
    """Tables hash as the tuple they equal, so a DedupeResult hashes as before (regression: TypeError)."""
    for name, view in _views(sample):
        assert hash(view) == hash(tuple(view)), name
    assert hash(sample) == hash(as_records(sample))
    assert {sample: 1}[as_records(sample)] == 1


def test_tables_survive_pickle_and_copy(sample: DedupeResult) -> None:
    """Tables survive pickle, copy and deepcopy, equal to what they were."""
    for thing in (sample.blocks, sample.clusters, result_table(sample.blocks).blocks):
        for remade in (pickle.loads(pickle.dumps(thing)), copy.copy(thing), copy.deepcopy(thing)):
            assert remade == thing


# Python 3.10 cannot unpickle a frozen dataclass with slots (its records, Document, DedupeResult): bpo-45897.
@pytest.mark.skipif(sys.version_info < (3, 11), reason="frozen slots dataclasses unpickle from Python 3.11")
def test_results_survive_pickle_and_copy(sample: DedupeResult) -> None:
    """A result survives pickle, copy and deepcopy, equal and rendering the same bytes."""
    for remade in (pickle.loads(pickle.dumps(sample)), copy.copy(sample), copy.deepcopy(sample)):
        assert remade == sample
        assert rendered(remade) == rendered(sample)


def test_pickled_table_holds_each_text_once() -> None:
    """The blocks' texts are slices of the document's text: pickled with it, the text goes once, not twice."""
    text = "".join(f"Paragraph {number} of the flood live blog. {RIVER * 5}\n\n" for number in range(300))
    result = dedupe([Document("a.txt", text)])
    table = result_table(result.blocks)
    assert len(table.blocks.pools) == 1
    assert table.blocks.pools[0] is result.documents[0].text
    pickled = pickle.dumps((result.documents[0].text, table))
    loaded_text, loaded_table = pickle.loads(pickled)
    assert loaded_table.blocks.pools[0] is loaded_text
    assert loaded_table == table
    # The text once, and a hundred bytes or so of numbers a block.
    assert len(pickled) < len(text) + 150 * len(table) < 2 * len(text)


# Record values ----------------------------------------------------------------------------------------------

_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "doc": (int,),
    "source": (str,),
    "index": (int,),
    "line_start": (int,),
    "line_end": (int,),
    "kind": (BlockKind,),
    "text": (str,),
    "post": (int, type(None)),
    "time": (str, type(None)),
    "status": (Status,),
    "cluster": (int, type(None)),
    "duplicate_of": (BlockRef, type(None)),
    "match": (MatchKind, type(None)),
    "similarity": (float, type(None)),
    "reason": (str, type(None)),
}


def _fields(item: Any) -> Iterator[tuple[str, Any]]:
    for field in dataclasses.fields(item):
        yield field.name, getattr(item, field.name)


def test_records_hold_python_values_and_none(sample: DedupeResult) -> None:
    """Fields are Python ints, floats and str, no numpy scalars; None where nothing applies, not -1 or NaN."""
    seen_none: set[str] = set()
    for item in sample.blocks:
        for name, value in [*_fields(item.block), *_fields(item)]:
            if name == "block":
                continue
            assert type(value) in _FIELD_TYPES[name] or isinstance(value, _FIELD_TYPES[name][:1]), name
            assert not isinstance(value, np.generic), name
            if value is None:
                seen_none.add(name)
            assert value != -1 or name in ("doc",), name
            assert not (isinstance(value, float) and math.isnan(value)), name
        assert (item.reason is not None) == (item.status is Status.BOILERPLATE)
    assert {"post", "time", "cluster", "duplicate_of", "match", "similarity", "reason"} <= seen_none
    statuses = {item.status for item in sample.blocks}
    assert statuses == set(Status)
    for cluster in sample.clusters:
        assert type(cluster.id) is int
        assert isinstance(cluster.members, tuple)
        for member in cluster.members:
            assert member.similarity is None or type(member.similarity) is float
            assert type(member.ref.index) is int
            assert type(member.ref.line_start) is int


def test_columns_agree_with_the_records(sample: DedupeResult) -> None:
    """Row i of ``columns`` (and of the texts and times) says what record i says, code for code."""
    columns = sample.columns
    texts, times = sample.block_texts(), sample.block_times()
    items = list(sample.blocks)
    assert {len(column) for column in columns.values()} == {len(items)} == {len(texts)}
    row_of = {(item.block.source, item.block.index): row for row, item in enumerate(items)}
    for row, item in enumerate(items):
        block = item.block
        assert texts[row] == block.text
        assert columns["doc"][row] == block.doc
        assert columns["index"][row] == block.index
        assert (columns["line_start"][row], columns["line_end"][row]) == (block.line_start, block.line_end)
        assert list(BlockKind)[columns["kind"][row]] is block.kind
        assert columns["post"][row] == (-1 if block.post is None else block.post)
        time = columns["time"][row]
        assert (None if time < 0 else times[time]) == block.time
        assert STATUSES[columns["status"][row]] is item.status
        assert columns["cluster"][row] == (-1 if item.cluster is None else item.cluster)
        ref = item.duplicate_of
        assert columns["duplicate_of"][row] == (-1 if ref is None else row_of[ref.source, ref.index])
        match = columns["match"][row]
        assert (None if match == NO_MATCH else MATCHES[match]) == item.match
        similarity = float(columns["similarity"][row])
        assert (None if math.isnan(similarity) else similarity) == item.similarity
    records = as_records(sample)
    assert records.block_texts() == texts
    assert records.block_times() == times
    for name, column in records.columns.items():
        assert np.array_equal(column, columns[name], equal_nan=name == "similarity"), name


def test_columns_cannot_change_the_frozen_result() -> None:
    """The arrays of ``columns`` are read-only (regression: writing one changed the result's verdicts)."""
    result = dedupe(_sample_documents())
    before = render_json(result)
    columns = result.columns
    for name, column in columns.items():
        with pytest.raises(ValueError, match="read-only"):
            column[0] = 0
        assert not column.flags.writeable, name
    assert render_json(result) == before


# Texts in place ---------------------------------------------------------------------------------------------

_IN_PLACE_CASES = {
    "plain": ("a.txt", f"Flood live\n\n{RIVER}\n\n{WRAPPED}\n", 3),
    "tabs": ("a.txt", f"\tFlood\tlive\n\n\t{RIVER}\n\n  {RESCUE}\n", 3),
    "earlier occurrence": ("a.txt", f"Rain and more Rain. {RIVER}\n\n{RIVER}\n\nRain.\n\nRain.\n", 4),
    "emoji and combining": (
        "a.txt",
        f"Kim waves 👋 e\u0301te\u0301\n\n{RIVER} 👋\n\n\u200b\n\nＦｕｌｌ\n",
        4,
    ),
    "blank-line gap": (
        "a.txt",
        f"First.\n{chr(10) * 9000}Second.\n{chr(10) * 5000}Third.\n\nA two\nline block\n",
        4,
    ),
    "whitespace-line gap": ("a.txt", f"First.\n{' ' + chr(10) * 1}{(' ' * 40 + chr(10)) * 300}Second.\n", 2),
    "markdown": (
        "a.md",
        f"# Flood live\n\n- item one\n- item two\n\n> {RIVER}\n> more\n\n**Bold** {RESCUE}\n",
        6,
    ),
    "200k repeated lines": ("a.txt", "Rain.\n\n" * 200_000, 200_000),
    "10 MB line": ("a.txt", "word " * 2_000_000 + "\n", 1),
}


@pytest.mark.parametrize("case", list(_IN_PLACE_CASES))
def test_block_texts_are_places_in_the_document(case: str) -> None:
    """Texts that are in the document verbatim are kept as places in it, none copied, after any gap."""
    name, text, count = _IN_PLACE_CASES[case]
    document = Document(name, text)
    table = segment_table([document], range(1))
    assert len(table) == count
    assert table.pools[0] is text
    assert len(table.pools) == 1
    assert (table.pool == 0).all()
    assert table.texts() == [block.text for block in segment_all([document])]


def test_single_line_blocks_stay_in_place_after_many_crlf_blocks() -> None:
    """CRLF blocks of several lines are copies; the one-line blocks after them are still found in place."""
    wrapped = "".join(f"{WRAPPED.replace('two', str(number))}\r\n\r\n" for number in range(3000))
    text = f"Flood live\r\n\r\n{wrapped.replace(chr(10), chr(13) + chr(10))}10:22 GMT\r\n\r\n{RIVER}\r\n"
    document = decode("a.txt", text.replace("\r\r", "\r").encode())
    table = segment_table([document], range(1))
    assert table.texts() == [block.text for block in segment_all([document])]
    one_line = np.array(["\n" not in block for block in table.texts()])
    assert len(table) == 3003
    assert one_line.sum() == 3
    # Regression: 3000 missed blocks put the search 6000 characters behind, past its reach.
    assert (table.pool[one_line] == 0).all()
    assert (table.pool[~one_line] == 1).all()


def test_copied_texts_are_the_blocks_texts() -> None:
    """Blocks not in the text as they read (CRLF, trailing spaces) are copied, and read back the same."""
    for text in (WRAPPED.replace("\n", "\r\n"), WRAPPED.replace("\n", " \t\n")):
        document = Document("a.txt", f"Flood live  \r\n\r\n{text}\r\n\r\n{RIVER}   \r\n")
        table = segment_table([document], range(1))
        expected = [block.text for block in segment_all([document])]
        assert table.texts() == expected == [table.text(row) for row in range(len(table))]
        assert table.pool.tolist() == [0, 1, 0]


_PIECES = st.sampled_from(
    [
        "Rain.",
        "Flood live",
        " ",
        "\t",
        "\n",
        "\n\n",
        "\r\n",
        "👋",
        "e\u0301",
        "# ",
        "- ",
        "> ",
        "10:22 GMT",
        RIVER,
    ]
)


@FEW
@given(st.lists(_PIECES, max_size=40), st.sampled_from(["a.txt", "a.md"]))
def test_table_texts_are_the_segmenters_texts(pieces: list[str], name: str) -> None:
    """Whatever the document, the table's blocks are the Blocks the segmenter makes, texts included."""
    document = Document(name, "".join(pieces))
    table = segment_table([document], range(1))
    assert tuple(table) == segment_all([document])


@FEW
@given(
    st.lists(
        st.sampled_from(["Rain.", "Flood live", "👋", "e\u0301", "\n", "\n\n", "\n" * 3000]), max_size=30
    )
)
def test_lf_texts_without_trailing_spaces_are_all_in_place(pieces: list[str]) -> None:
    """With LF line ends and no trailing spaces every block's text is a place in the document."""
    document = Document("a.txt", "".join(pieces))
    table = segment_table([document], range(1))
    assert (table.pool == 0).all()


def test_builder_and_table_of_many_rows() -> None:
    """More rows than a batch of records: iteration, slices and texts agree with the records."""
    builder = TableBuilder(["a.txt", "b.txt"])
    count = 9000
    texts = [f"line {number}" for number in range(count)]
    builder.add(0, range(1, count + 1), range(1, count + 1), [BlockKind.PARAGRAPH] * count, texts)
    builder.add(1, [1], [2], [BlockKind.TITLE], ["Flood\nlive"], posts=[0], times=["10:22"])
    table = builder.build()
    items = list(table)
    assert len(items) == len(table) == count + 1
    assert [item.text for item in items] == [*texts, "Flood\nlive"]
    assert table[4095:4098] == tuple(items[4095:4098])
    assert table[-1] == Block(1, "b.txt", 0, 1, 2, BlockKind.TITLE, "Flood\nlive", 0, "10:22")
    assert items == list(table)


# Rendering: columns and records give the same bytes ---------------------------------------------------------

_RENDER_CASES: dict[str, list[Document]] = {
    "sample": _sample_documents(),
    "crlf bom": [
        decode("a.txt", f"\ufeffFlood live\r\n\r\n{RIVER}\r\n\r\nline one\r\nline two\r\n".encode()),
        decode("b.txt", f"{RIVER}\r\n\r\nline one\r\nline two\r\n".encode()),
    ],
    "gap and emoji": [
        Document("a.txt", f"Kim 👋\n{chr(10) * 6000}{RIVER} 👋\n\ne\u0301te\u0301\n"),
        Document("b.txt", f"{RIVER} 👋\n\nKim 👋\n"),
    ],
    "markdown and html": [
        Document("a.md", f"# Flood live\n\n- {RIVER}\n\n> {RESCUE}\n"),
        Document(
            "b.html",
            f"<html><body><article><h1>Flood live</h1><p>{RIVER}</p><p>{RESCUE}</p></article></body></html>",
        ),
    ],
    "jsonl records": list(
        parse_jsonl(
            "feed.jsonl",
            "".join(
                json.dumps(record) + "\n"
                for record in (
                    {"id": 1, "text": f"{RIVER}\n\n{WRAPPED}"},
                    {"id": 2, "text": f"{RIVER}\r\n\r\n{WRAPPED.replace(chr(10), chr(13) + chr(10))} \r\n"},
                    {"id": 3, "html": f"<p>{RESCUE}</p><p>Kim 👋</p>"},
                )
            ),
        )
    ),
    "names not utf-8 or quoted": [
        Document("caf\udce9.txt", f"{RIVER}\n\n{RIVER}\n"),
        Document('b"q\\.txt', f"{RIVER}\n\nCookie settings\n"),
    ],
    "controls and escapes": [
        Document("a.txt", f'Ctrl \x01 char \x7f, \\ and "q" {RIVER}\n\n\x1b[31mred\x1b[0m\n'),
        Document("b.txt", f'Ctrl \x01 char \x7f, \\ and "q" {RIVER}\n'),
    ],
    "empty": [Document("a.txt", ""), Document("b.txt", "\n\n")],
    "none": [],
}


@pytest.mark.parametrize("case", list(_RENDER_CASES))
@pytest.mark.parametrize("boilerplate", [BoilerplateMode.AUTO, BoilerplateMode.STRICT])
def test_renderers_give_the_same_bytes_for_columns_and_records(
    case: str, boilerplate: BoilerplateMode
) -> None:
    """JSON, JSONL, text and per-source texts are the same from the tables and from tuples of records."""
    result = dedupe(_RENDER_CASES[case], Options(boilerplate=boilerplate))
    assert rendered(result) == rendered(as_records(result))


def test_renderers_agree_on_the_fixtures() -> None:
    """Every golden fixture's input renders the same from the tables and from tuples of records."""
    cases = sorted(path for path in FIXTURES.iterdir() if (path / "input").is_dir())
    assert len(cases) > 10
    for case in cases:
        documents = [
            document
            for path in sorted((case / "input").iterdir())
            for document in (
                parse_jsonl(path.name, path.read_text(encoding="utf-8"))
                if path.suffix == ".jsonl"
                else [decode(str(path.relative_to(FIXTURES)), path.read_bytes())]
            )
        ]
        result = dedupe(documents)
        assert rendered(result) == rendered(as_records(result)), case.name


def test_renderers_agree_with_copies_kept_outside_the_run() -> None:
    """Copies of indexed blocks (duplicate_of outside the run) render the same from columns and records."""
    result = dedupe(_sample_documents())
    outside = IndexMatch(BlockRef("old.txt", 3, 7, 9), MatchKind.EXACT, 1.0)
    same_name = IndexMatch(BlockRef("a.txt", 40, 70, 70), MatchKind.NEAR, 0.93)
    found = apply_index_matches(result, {0: outside, 2: same_name})
    table = found.blocks
    assert isinstance(table, ResultTable)
    assert len(table.outside) == 3  # the two matched blocks, and the copy of the second
    assert (table.duplicate_of == -2).sum() == len(table.outside)
    assert found.columns["duplicate_of"].tolist().count(-2) == len(table.outside)
    assert rendered(found) == rendered(as_records(found))
    assert any(item.duplicate_of == outside.ref for item in findings(found))
    report = json.loads(render_json(found))
    assert {"source": "old.txt", "index": 3, "line_start": 7} in [b["duplicate_of"] for b in report["blocks"]]
    protected = protect(found, [0])
    assert rendered(protected) == rendered(as_records(protected))


def test_with_block_results_follows_the_records_order() -> None:
    """Records given in another order keep their own verdicts (regression: the run's rows were assumed)."""
    result = dedupe([Document("a.txt", f"{RIVER}\n\n{RESCUE}\n\n{RIVER}\n")])
    records = list(result.blocks)
    changed = with_block_results(result, records[::-1], list(result.clusters))
    assert list(changed.blocks) == records[::-1]
    same = with_block_results(result, records, list(result.clusters))
    assert list(same.blocks) == records
    assert result_table(same.blocks).blocks is result_table(result.blocks).blocks


class _CountingReasons(dict[int, str]):
    """A reasons mapping that counts how often it is walked through."""

    walks = 0

    def __iter__(self) -> Iterator[int]:
        type(self).walks += 1
        return super().__iter__()


def test_json_report_walks_the_reasons_once() -> None:
    """The JSON report finds each batch's boilerplate reasons without walking all of them once per batch."""
    text = "".join(f"Line {number} of the page.\n\n" for number in range(5000))
    result = dedupe([Document("a.txt", text)], Options(drop_patterns=("^Line",)))
    table = result.blocks
    assert isinstance(table, ResultTable)
    assert len(table.reasons) == 5000
    counting = _CountingReasons(table.reasons)
    table.reasons = counting
    _CountingReasons.walks = 0
    report = json.loads(render_json(result))
    assert [block["reason"] for block in report["blocks"]] == [table.reasons[row] for row in range(5000)]
    assert _CountingReasons.walks <= 1


# Command line and processes ---------------------------------------------------------------------------------


def test_check_and_fix_against_an_index(tmp_path: Path) -> None:
    """The CLI's check and fix name the indexed copy when a CRLF file copies blocks of an indexed LF file."""
    original = f"Flood live\n\n{RIVER}\n\n{RESCUE}\n\nline one\nline two\n"
    (tmp_path / "old.txt").write_text(original, encoding="utf-8")
    code, _, err = invoke_in(["index", "build", "old.txt"], tmp_path)
    assert code == 0, err
    (tmp_path / "new.txt").write_bytes(f"Intro only here.\r\n\r\n{RIVER}\r\n\r\n{RESCUE}\r\n".encode())
    code, out, _ = invoke_in(["check", "--format", "json", "new.txt"], tmp_path)
    assert code == 1
    kept = {(item["path"], item["line"]): item["kept"] for item in json.loads(out)["findings"]}
    assert kept == {
        ("new.txt", 3): {"path": "old.txt", "line": 3},
        ("new.txt", 5): {"path": "old.txt", "line": 5},
    }
    code, out, _ = invoke_in(["fix", "new.txt"], tmp_path)
    assert code == 1
    assert (tmp_path / "new.txt").read_bytes() == b"Intro only here.\r\n"


@pytest.mark.skipif(not _can_fork(), reason="no fork here")
def test_two_jobs_give_the_same_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forked workers' tables (texts sent as places in the parent's documents) render byte for byte alike."""
    documents = [doc for docs in _RENDER_CASES.values() for doc in docs]
    documents = [
        dataclasses.replace(doc, source=f"{number}-{doc.source}") for number, doc in enumerate(documents)
    ]
    monkeypatch.setattr(lbdedup.core, "MIN_PARALLEL_CHARS", 0)
    monkeypatch.setattr(lbdedup.core, "MIN_PARALLEL_PAIRS", 0)
    one, two = dedupe(documents, Options(jobs=1)), dedupe(documents, Options(jobs=2))
    assert rendered(one) == rendered(two)
    assert one == two
    assert one.block_times() == two.block_times()
    for name, column in one.columns.items():
        assert np.array_equal(column, two.columns[name], equal_nan=name == "similarity"), name
    texts = {id(document.text) for document in documents}
    pools = result_table(two.blocks).blocks.pools
    assert sum(id(pool) in texts for pool in pools) == sum(
        bool(d.text.strip()) for d in documents if d.format != "html"
    )


def test_result_table_round_trip(sample: DedupeResult) -> None:
    """Records to a table and back are the same records; a table given is returned as it is."""
    records = tuple(sample.blocks)
    assert tuple(result_table(records)) == records
    assert result_table(sample.blocks) is sample.blocks
    blocks = result_table(sample.blocks).blocks
    assert isinstance(blocks, BlockTable)
    assert tuple(result_table(records, blocks)) == records


_SNIPPETS = st.sampled_from(
    ["Rain.", "Rain", "ain.", "a\nb", "a\r\nb", "", " ", "\n", "👋", "e\u0301", "x" * 50]
)


@FEW
@given(st.lists(_SNIPPETS, max_size=25), st.lists(_SNIPPETS, max_size=25), st.booleans())
def test_builder_keeps_any_texts_whatever_the_source_text(
    texts: list[str], page: list[str], same: bool
) -> None:
    """Texts found in the source text or not, in order or not, every block reads back its own text."""
    source_text = "\n\n".join(texts) if same else "".join(page)
    builder = TableBuilder(["a.txt"])
    count = len(texts)
    # Each text's lines where "\n\n".join puts them (where it is not there, they are any lines).
    starts = list(accumulate((text.count("\n") + 2 for text in texts[:-1]), initial=1))[:count]
    ends = [start + text.count("\n") for start, text in zip(starts, texts, strict=True)]
    builder.add(
        0,
        starts,
        ends,
        [BlockKind.PARAGRAPH] * count,
        texts,
        None,
        None,
        source_text,
    )
    table = builder.build()
    assert table.texts() == texts
    assert [table.text(row) for row in range(count)] == texts
    assert not count or table.pools[0] is source_text
    # A text as layout makes them (lines right-stripped, none blank) is a place in its source.
    laid_out = [
        bool(text) and all(line and line == line.rstrip() for line in text.split("\n")) for text in texts
    ]
    if same:
        assert (table.pool[np.array(laid_out, dtype=bool)] == 0).all()


@FEW
@given(
    st.lists(
        st.lists(st.sampled_from(["Rain.", "Flood live", "10:22 GMT", "\n\n", "\n", RIVER]), max_size=12),
        max_size=4,
    )
)
def test_concatenated_tables_are_the_table_of_all(pages: list[list[str]]) -> None:
    """Tables of some documents each, put together, are the table of all of them: rows, texts, times."""
    documents = [Document(f"{number}.txt", "".join(page)) for number, page in enumerate(pages)]
    whole = segment_table(documents, range(len(documents)))
    parts = [segment_table(documents, range(number, number + 1)) for number in range(len(documents))]
    joined = BlockTable.concat([document.source for document in documents], parts) if parts else whole
    assert tuple(joined) == tuple(whole) == segment_all(documents)
    assert joined.time_texts() == whole.time_texts()
    assert joined.posts() == whole.posts()


@settings(max_examples=10, deadline=None)
@given(
    st.lists(
        st.lists(
            st.sampled_from(
                [RIVER, RESCUE, WRAPPED, "Cookie settings", "10:22 GMT", "\n\n", "\r\n\r\n", "👋", "Rain."]
            ),
            max_size=10,
        ),
        min_size=1,
        max_size=3,
    )
)
def test_any_run_renders_alike_from_columns_and_records(pages: list[list[str]]) -> None:
    """Whatever the run, every renderer gives the same output from the tables and from records."""
    documents = [Document(f"{number}.txt", "".join(page)) for number, page in enumerate(pages)]
    result = dedupe(documents)
    assert rendered(result) == rendered(as_records(result))


def test_runs_of_several_batches_render_alike() -> None:
    """Blocks and clusters over several batches of the report (copies and reasons at batch edges) agree."""
    first = "".join(
        f"Line {number} of the live page says the river rose.\n\n"
        + ("Cookie settings\n\n" * (number % 7 == 0))
        for number in range(2500)
    )
    second = "".join(f"Line {number} of the live page says the river rose!\n\n" for number in range(2500))
    result = dedupe(
        [
            Document("a.txt", first),
            Document("b.txt", second),
            Document("c.txt", "Cookie settings\n\nx\n"),
            Document("d.txt", "Cookie settings\n"),
        ]
    )
    table = result.blocks
    assert isinstance(table, ResultTable)
    assert len(table) > 2 * 2048
    assert len(result.clusters) > 2048
    assert len(table.reasons) > 300
    assert rendered(result) == rendered(as_records(result))


def test_texts_not_cut_from_the_source_text_are_copied() -> None:
    """Texts and line numbers that do not match the source text given: copied, never a wrong slice."""
    source_text = "y" * 100_000
    texts = ["x" * (number % 5 + 1) for number in range(5000)]
    builder = TableBuilder(["a.txt"])
    builder.add(
        0, range(1, 5001), range(1, 5001), [BlockKind.PARAGRAPH] * 5000, texts, None, None, source_text
    )
    table = builder.build()
    assert table.texts() == texts
    assert (table.pool == 1).all()
