"""Render stage: a DedupeResult to text, JSON or JSONL. Pure: strings out, nothing printed.

The JSON report is a contract other tools read (see DESIGN.md): field names and status values are fixed.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import accumulate
from typing import Any

import numpy as np
import numpy.typing as npt

from lbdedup.model import (
    BLOCK_KINDS,
    Block,
    BlockRef,
    BlockResult,
    Cluster,
    DedupeResult,
    MatchKind,
    Run,
    RunSpan,
    Status,
    Timeline,
)
from lbdedup.names import JSON_ERRORS, TEXT_ERRORS, display_name
from lbdedup.parallel import interleaved_map
from lbdedup.segment import one_line
from lbdedup.table import (
    MATCHES,
    NO_MATCH,
    STATUS_CODES,
    STATUSES,
    BlockTable,
    ClusterTable,
    ResultTable,
    result_table,
)
from lbdedup.timeline import section_rows

try:  # json's C string escaper, without loading the json package (the text output needs none of it)
    from _json import encode_basestring as _json_string
except ImportError:  # pragma: no cover - an interpreter without json's C accelerator
    from json.encoder import encode_basestring as _json_string

__all__ = [
    "block_record",
    "encode_chunks",
    "format_similarity",
    "provenance_line",
    "render_json",
    "render_json_bytes",
    "render_json_chunks",
    "render_jsonl",
    "render_jsonl_bytes",
    "render_jsonl_rows_bytes",
    "render_source_texts",
    "render_text",
    "render_text_bytes",
    "render_text_chunks",
    "report_record",
    "run_record",
    "timeline_record",
]


def _ref_record(ref: BlockRef) -> dict[str, Any]:
    return {"source": ref.source, "index": ref.index, "line_start": ref.line_start}


def block_record(result: BlockResult) -> dict[str, Any]:
    """One block of the report, with the contract's field names.

    >>> from lbdedup.model import Block, BlockKind
    >>> block = Block(0, "a.txt", 0, 1, 1, BlockKind.TITLE, "Flood live")
    >>> block_record(BlockResult(block, Status.UNIQUE))["status"]
    'unique'
    """
    block = result.block
    return {
        "source": block.source,
        "index": block.index,
        "line_start": block.line_start,
        "line_end": block.line_end,
        "kind": block.kind.value,
        "post": block.post,
        "time": block.time,
        "status": result.status.value,
        "cluster": result.cluster,
        "duplicate_of": _ref_record(result.duplicate_of) if result.duplicate_of else None,
        "match": result.match.value if result.match else None,
        "similarity": result.similarity,
        "reason": result.reason,
        "text": block.text,
    }


def _cluster_record(cluster: Cluster) -> dict[str, Any]:
    return {
        "id": cluster.id,
        "canonical": _ref_record(cluster.canonical),
        "members": [
            {
                **_ref_record(member.ref),
                "match": member.match.value if member.match else None,
                "similarity": member.similarity,
            }
            for member in cluster.members
        ],
    }


def report_record(result: DedupeResult) -> dict[str, Any]:
    """The whole report as plain data, ready for ``json.dumps``."""
    return {
        "version": result.version,
        "sources": _sources_records(result),
        "blocks": [block_record(block) for block in result.blocks],
        "clusters": [_cluster_record(cluster) for cluster in result.clusters],
        "runs": [run_record(run) for run in result.runs],
        "timelines": [timeline_record(timeline) for timeline in result.timelines],
    }


def _span_record(span: RunSpan) -> dict[str, Any]:
    return {
        "source": span.source,
        "index_start": span.index_start,
        "index_end": span.index_end,
        "line_start": span.line_start,
        "line_end": span.line_end,
    }


def run_record(run: Run) -> dict[str, Any]:
    """One syndicated run: the copied range, the original range, and both as ``copy = original`` text."""
    return {
        "range": str(run),
        "blocks": run.blocks,
        "copy": _span_record(run.copy),
        "original": _span_record(run.original),
    }


def timeline_record(timeline: Timeline) -> dict[str, Any]:
    """One live-blog timeline: its sources, its order, the page heads and each post once with its copies."""
    return {
        "sources": list(timeline.sources),
        "order": timeline.order,
        "heads": [{"source": head.source, "post": head.post} for head in timeline.heads],
        "posts": [
            {
                "time": post.time,
                "copies": [{"source": copy.source, "post": copy.post} for copy in post.copies],
            }
            for post in timeline.posts
        ],
    }


# The report is built a batch of blocks at a time: one list comprehension, one join and one encode per batch
# instead of a call, a yield and an encode per piece. Big enough to amortise, small enough that one emoji
# widens only its own batch (not the report) to four bytes a character.
_BATCH = 2048
# Every byte but the C0 controls: deleting them from UTF-8 leaves only the control characters of a text.
_NOT_CONTROL = bytes(range(32, 256))
_ONE = 1
_MATCH_JSON = {match.value: f'"{match.value}"' for match in MatchKind}
# The JSON of each code of the columns (see lbdedup.table).
_KIND_VALUES = tuple(kind.value for kind in BLOCK_KINDS)
_STATUS_VALUES = tuple(status.value for status in STATUSES)
_MATCH_CODE_JSON = {
    **{code: f'"{match.value}"' for code, match in enumerate(MATCHES)},
    NO_MATCH: "null",
}


def _string_bodies(texts: list[str]) -> list[str]:
    """The JSON strings of ``texts`` without their quotes, as ``encode_basestring`` writes them.

    The C escaper goes a character at a time; here a batch is checked at once for control characters (rare
    in blocks), then only the texts with a quote or a backslash are escaped, by ``str.replace``; the others
    are used as they are.

    >>> _string_bodies(['Kim said "hi"', "C:\\\\", "tab\\there", "", "plain"])
    ['Kim said \\\\"hi\\\\"', 'C:\\\\\\\\', 'tab\\\\there', '', 'plain']
    """
    joined = "\0".join(texts)
    controls = len(joined.encode("utf-8", "surrogatepass").translate(None, _NOT_CONTROL)) - len(texts) + 1
    if controls:
        if controls * 16 > len(texts) or len(texts) < 64:
            return [_json_string(text)[1:-1] for text in texts]
        half = len(texts) // 2  # a few texts with controls: only their half goes through the C escaper
        return _string_bodies(texts[:half]) + _string_bodies(texts[half:])
    if '"' not in joined and "\\" not in joined:
        return texts
    bodies = texts.copy()
    starts = list(accumulate(map(_ONE.__add__, map(len, texts)), initial=0))
    for special in ('"', "\\"):
        found = joined.find(special)
        while found >= 0:
            position = bisect_right(starts, found) - 1
            bodies[position] = texts[position].replace("\\", "\\\\").replace('"', '\\"')
            found = joined.find(special, starts[position + 1])
    return bodies


class _JsonMemo(dict[str | None, str]):
    """The JSON strings of values seen so far (sources, post times), ``null`` for None.

    >>> memo = _JsonMemo()
    >>> memo["10:04"], memo[None]
    ('"10:04"', 'null')
    """

    def __init__(self, known: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__(known)
        self[None] = "null"

    def __missing__(self, value: str | None) -> str:
        assert value is not None  # always known
        encoded = self[value] = _json_string(value)
        return encoded


class _ReportJson:
    """The JSON of the blocks and clusters of one result, with the JSON of repeated values made once."""

    def __init__(self, result: DedupeResult) -> None:
        self.sources = [_json_string(document.source) for document in result.documents]
        self.by_name = _JsonMemo(
            (document.source, self.sources[doc]) for doc, document in enumerate(result.documents)
        )
        self.times = _JsonMemo()
        self.time_json: list[str] | None = None
        self._reasons_of: ResultTable | None = None
        self._reason_array: npt.NDArray[np.int64] = np.zeros(0, dtype=np.int64)

    def ref(self, ref: BlockRef) -> str:
        """``json.dumps(_ref_record(ref))``."""
        return (
            f'{{"source": {self.by_name[ref.source]}, "index": {ref.index}, "line_start": {ref.line_start}}}'
        )

    def blocks(self, results: Sequence[BlockResult]) -> list[str]:
        """``json.dumps(block_record(result))`` of each result, built directly: the report's hot loop."""
        sources, times, ref_json = self.sources, self.times, self.ref
        texts = _string_bodies([result.block.text for result in results])
        # ``_value_`` is a plain attribute; ``.value`` goes through a descriptor, which costs in this loop.
        return [
            f'{{"source": {sources[(block := result.block).doc]}, "index": {block.index}, '
            f'"line_start": {block.line_start}, "line_end": {block.line_end}, '
            f'"kind": "{block.kind._value_}", "post": {"null" if (post := block.post) is None else post}, '
            f'"time": {times[block.time]}, '
            f'"status": "{result.status._value_}", '
            f'"cluster": {"null" if (cluster := result.cluster) is None else cluster}, '
            f'"duplicate_of": {"null" if (ref := result.duplicate_of) is None else ref_json(ref)}, '
            f'"match": {"null" if (match := result.match) is None else _MATCH_JSON[match._value_]}, '
            f'"similarity": {"null" if (similarity := result.similarity) is None else repr(similarity)}, '
            f'"reason": {"null" if (reason := result.reason) is None else _json_string(reason)}, '
            f'"text": "{text}"}}'
            for result, text in zip(results, texts, strict=True)
        ]

    def clusters(self, clusters: Sequence[Cluster]) -> list[str]:
        """``json.dumps(_cluster_record(cluster))`` of each cluster, built directly."""
        by_name, ref_json = self.by_name, self.ref
        lines = []
        for cluster in clusters:
            members = []
            for member in cluster.members:
                ref = member.ref
                match = "null" if member.match is None else _MATCH_JSON[member.match._value_]
                similarity = "null" if member.similarity is None else repr(member.similarity)
                members.append(
                    f'{{"source": {by_name[ref.source]}, "index": {ref.index}, '
                    f'"line_start": {ref.line_start}, "match": {match}, "similarity": {similarity}}}'
                )
            lines.append(
                f'{{"id": {cluster.id}, "canonical": {ref_json(cluster.canonical)}, '
                f'"members": [{", ".join(members)}]}}'
            )
        return lines

    def timelines(self, timelines: Sequence[Timeline]) -> list[str]:
        """``json.dumps(timeline_record(timeline), ensure_ascii=False)`` of each timeline, built directly."""
        by_name, times = self.by_name, self.times
        lines = []
        for timeline in timelines:
            sources = ", ".join([by_name[source] for source in timeline.sources])
            heads = ", ".join(
                [f'{{"source": {by_name[head.source]}, "post": {head.post}}}' for head in timeline.heads]
            )
            posts = ", ".join(
                [
                    f'{{"time": {times[post.time]}, "copies": ['
                    + ", ".join(
                        [f'{{"source": {by_name[copy.source]}, "post": {copy.post}}}' for copy in post.copies]
                    )
                    + "]}"
                    for post in timeline.posts
                ]
            )
            lines.append(
                f'{{"sources": [{sources}], "order": {by_name[timeline.order]}, "heads": [{heads}], '
                f'"posts": [{posts}]}}'
            )
        return lines

    def table_blocks(self, table: ResultTable, rows: slice) -> list[str]:
        """:meth:`blocks` of the rows ``rows`` of ``table``, read from its columns."""
        blocks = table.blocks
        first, stop = rows.start, rows.stop
        count = stop - first
        # Each field as a list made in C (map over the columns' lists), then one plain f-string a block:
        # no test per block and per field, which would cost more than the formatting itself.
        sources = map(self.sources.__getitem__, blocks.doc[rows].tolist())
        kinds = map(_KIND_VALUES.__getitem__, blocks.kind[rows].tolist())
        statuses = map(_STATUS_VALUES.__getitem__, table.status[rows].tolist())
        if self.time_json is None:  # a run has a hundred thousand post times or more: made once
            self.time_json = [*map(self.times.__getitem__, blocks.times), "null"]
        times = map(self.time_json.__getitem__, blocks.time[rows].tolist())
        posts = _numbers_or_null(blocks.post[rows])
        clusters = _numbers_or_null(table.cluster[rows])
        # Most blocks are no copy and have no reason: one constant tail for them all.
        tails = [_PLAIN_TAIL] * count
        copies = table.duplicate_of[rows]
        for position in np.flatnonzero(copies != -1).tolist():
            tails[position] = self._copy_tail(table, first + position)
        reasoned = self._reason_rows(table)
        batch = reasoned[np.searchsorted(reasoned, first) : np.searchsorted(reasoned, stop)]
        for row in batch.tolist():
            tails[row - first] = self._copy_tail(table, row)
        texts = _string_bodies(blocks.texts(range(first, stop)))
        return [
            f'{{"source": {source}, "index": {index}, "line_start": {line_start}, "line_end": {line_end}, '
            f'"kind": "{kind}", "post": {post}, "time": {time}, "status": "{status}", "cluster": {cluster}, '
            f'{tail}, "text": "{text}"}}'
            for source, index, line_start, line_end, kind, post, time, status, cluster, tail, text in zip(
                sources,
                blocks.position[rows].tolist(),
                blocks.line_start[rows].tolist(),
                blocks.line_end[rows].tolist(),
                kinds,
                posts,
                times,
                statuses,
                clusters,
                tails,
                texts,
                strict=True,
            )
        ]

    def _reason_rows(self, table: ResultTable) -> npt.NDArray[np.int64]:
        """The rows of ``table`` that have a reason, in order: sorted once, not searched for every batch."""
        if self._reasons_of is not table:
            reasons = table.reasons
            self._reasons_of = table
            self._reason_array = np.sort(np.fromiter(reasons, dtype=np.int64, count=len(reasons)))
        return self._reason_array

    def _copy_tail(self, table: ResultTable, row: int) -> str:
        """The fields after ``cluster`` of the JSON of block ``row``: its copy's place, match and reason."""
        copy = int(table.duplicate_of[row])
        if copy >= 0:
            ref = f"{{{self._ref_fields(table.blocks, np.array([copy], dtype=np.int64))[0]}}}"
        elif copy == -2:
            ref = self.ref(table.outside[row])
        else:
            ref = "null"
        similarity = float(table.similarity[row])
        reason = table.reasons.get(row)
        return (
            f'"duplicate_of": {ref}, "match": {_MATCH_CODE_JSON[int(table.match[row])]}, '
            f'"similarity": {"null" if similarity != similarity else repr(similarity)}, '
            f'"reason": {"null" if reason is None else _json_string(reason)}'
        )

    def _ref_fields(self, blocks: BlockTable, rows: npt.NDArray[np.int64]) -> list[str]:
        """The fields of :meth:`ref` of blocks ``rows``, without the braces, read from the columns."""
        sources = self.sources
        return [
            f'"source": {sources[doc]}, "index": {index}, "line_start": {line}'
            for doc, index, line in zip(
                blocks.doc[rows].tolist(),
                blocks.position[rows].tolist(),
                blocks.line_start[rows].tolist(),
                strict=True,
            )
        ]

    def table_clusters(self, clusters: ClusterTable, numbers: slice) -> list[str]:
        """:meth:`clusters` of the clusters ``numbers`` of ``clusters``, read from its columns."""
        results = clusters.results
        blocks = results.blocks
        first, last = clusters.starts[numbers.start], clusters.starts[min(numbers.stop, len(clusters))]
        members = clusters.members[first:last]
        canonical = clusters.canonical[numbers]
        # A member that is its cluster's kept copy is listed by the kept copy's reference: the same block.
        refs = self._ref_fields(blocks, members)
        member_json = [
            f'{{{ref}, "match": {_MATCH_CODE_JSON[match]}, '
            f'"similarity": {"null" if similarity != similarity else repr(similarity)}}}'
            for ref, match, similarity in zip(
                refs, results.match[members].tolist(), results.similarity[members].tolist(), strict=True
            )
        ]
        bounds = (clusters.starts[numbers.start : min(numbers.stop, len(clusters)) + 1] - first).tolist()
        canonical_refs = [f"{{{fields}}}" for fields in self._ref_fields(blocks, canonical)]
        return [
            f'{{"id": {number}, "canonical": {kept}, "members": [{", ".join(member_json[start:stop])}]}}'
            for number, kept, start, stop in zip(
                clusters.ids[numbers].tolist(), canonical_refs, bounds[:-1], bounds[1:], strict=True
            )
        ]

    def block_batches(self, results: Sequence[BlockResult]) -> Iterator[list[str]]:
        """:meth:`blocks` of ``results``, ``_BATCH`` at a time."""
        for start in range(0, len(results), _BATCH):
            if isinstance(results, ResultTable):
                yield self.table_blocks(results, slice(start, min(start + _BATCH, len(results))))
            else:
                yield self.blocks(results[start : start + _BATCH])

    def cluster_batches(self, clusters: Sequence[Cluster]) -> Iterator[list[str]]:
        """:meth:`clusters` of ``clusters``, ``_BATCH`` at a time."""
        for start in range(0, len(clusters), _BATCH):
            if isinstance(clusters, ClusterTable):
                yield self.table_clusters(clusters, slice(start, min(start + _BATCH, len(clusters))))
            else:
                yield self.clusters(clusters[start : start + _BATCH])


_PLAIN_TAIL = '"duplicate_of": null, "match": null, "similarity": null, "reason": null'


def _numbers_or_null(column: npt.NDArray[np.integer[Any]]) -> list[str]:
    """Each number of ``column`` as JSON, a negative one (none) as ``null``.

    >>> _numbers_or_null(np.array([3, -1]))
    ['3', 'null']
    """
    texts = list(map(str, column.tolist()))
    for position in np.flatnonzero(column < 0).tolist():
        texts[position] = "null"
    return texts


def _sources_records(result: DedupeResult) -> list[dict[str, Any]]:
    return [
        {
            "source": summary.source,
            "blocks": summary.blocks,
            "kept": summary.kept,
            "duplicates": summary.duplicates,
            "boilerplate": summary.boilerplate,
        }
        for summary in result.sources
    ]


# The renderers make pieces: a string, or a list of lines to be joined (by ",\n  " in the JSON report), so
# that the bytes renderers can encode line by line (most lines are ASCII, which encodes at memory speed; a
# joined batch with one emoji would be four bytes a character and encode a character at a time).
_Piece = str | list[str] | bytes  # bytes: already encoded, joined and framed (see _block_bytes)
_ITEM_SEPARATOR = ",\n  "
# Below this many batches of blocks, a forked process would cost more than it saves.
_MIN_FORKED_BATCHES = 4


def _json_list(key: str, batches: Iterable[list[str]], last: bool = False) -> Iterator[_Piece]:
    """One list of the report, its items one a line, a batch of items a piece."""
    yield f' "{key}": ['
    empty = True
    for items in batches:
        if not items:
            continue
        if empty:
            items[0] = f"\n  {items[0]}"
            empty = False
        else:
            items.insert(0, "")  # for the separator before the batch's first item
        yield items
    yield ("]" if empty else "\n ]") + ("\n" if last else ",\n")


def _json_pieces(result: DedupeResult, jobs: int = 0) -> Iterator[_Piece]:
    """The pieces of the JSON report; with ``jobs``, the blocks come as bytes, made on ``jobs`` cores."""
    import json

    encoder = _ReportJson(result)
    yield f'{{"version": {json.dumps(result.version)},\n'
    sources = [json.dumps(item, ensure_ascii=False) for item in _sources_records(result)]
    yield from _json_list("sources", [sources])
    # Blocks and clusters are written directly (``indent`` would fall back to the slow pure-Python encoder).
    if jobs:
        yield ' "blocks": ['
        separator = _ITEM_SEPARATOR.encode()
        yield from _block_bytes(encoder, result.blocks, jobs, (b"\n  ", separator, separator, b""))
        yield "\n ],\n" if result.blocks else "],\n"
        yield ' "clusters": ['
        yield from _cluster_bytes(encoder, result.clusters, jobs)
        yield "\n ],\n" if result.clusters else "],\n"
    else:
        yield from _json_list("blocks", encoder.block_batches(result.blocks))
        yield from _json_list("clusters", encoder.cluster_batches(result.clusters))
    yield from _json_list("runs", [[json.dumps(run_record(run), ensure_ascii=False) for run in result.runs]])
    yield from _json_list("timelines", [encoder.timelines(result.timelines)], last=True)
    yield "}\n"


def _joined(pieces: Iterable[_Piece], separator: str) -> Iterator[str]:
    for piece in pieces:
        assert not isinstance(piece, bytes), "the str renderers make no bytes pieces"
        yield piece if isinstance(piece, str) else separator.join(piece)


def _encoded(pieces: Iterable[_Piece], separator: str, errors: str = TEXT_ERRORS) -> Iterator[bytes]:
    """The UTF-8 of the pieces; a file name's bytes that are not UTF-8 as ``\\xNN`` (see lbdedup.names)."""
    encoded_separator = separator.encode("utf-8")
    for piece in pieces:
        if isinstance(piece, bytes):
            yield piece
        elif isinstance(piece, str):
            yield piece.encode("utf-8", errors)
        else:
            yield encoded_separator.join([line.encode("utf-8", errors) for line in piece])


def _block_bytes(
    encoder: _ReportJson,
    results: Sequence[BlockResult],
    jobs: int,
    framing: tuple[bytes, bytes, bytes, bytes],
) -> Iterator[bytes]:
    """The blocks' JSON lines as UTF-8, a batch a piece, framed as :func:`_batch_bytes` says."""

    def lines(start: int, stop: int) -> list[str]:
        if isinstance(results, ResultTable):
            return encoder.table_blocks(results, slice(start, stop))
        return encoder.blocks(results[start:stop])

    return _batch_bytes(lines, len(results), jobs, framing)


def _cluster_bytes(encoder: _ReportJson, clusters: Sequence[Cluster], jobs: int) -> Iterator[bytes]:
    """The clusters' JSON lines as UTF-8 for the report's list, a batch a piece (see :func:`_batch_bytes`)."""

    def lines(start: int, stop: int) -> list[str]:
        if isinstance(clusters, ClusterTable):
            return encoder.table_clusters(clusters, slice(start, stop))
        return encoder.clusters(clusters[start:stop])

    separator = _ITEM_SEPARATOR.encode()
    return _batch_bytes(lines, len(clusters), jobs, (b"\n  ", separator, separator, b""))


def _batch_bytes(
    lines: Callable[[int, int], list[str]],
    count: int,
    jobs: int,
    framing: tuple[bytes, bytes, bytes, bytes],
) -> Iterator[bytes]:
    """The JSON lines of items ``0 .. count - 1`` (``lines(start, stop)``) as UTF-8, ``_BATCH`` a piece.

    ``framing`` is what goes before the first batch, before each later batch, between two lines and after
    each batch. With two or more ``jobs``, a forked process makes every other batch while this one makes
    the others (:func:`~lbdedup.parallel.interleaved_map`): the same bytes, about half the time on two cores.
    """
    first, later, between, trailer = framing
    batches = -(-count // _BATCH)

    def batch(number: int) -> bytes:
        made = lines(number * _BATCH, min(count, (number + 1) * _BATCH))
        body = between.join([line.encode("utf-8", JSON_ERRORS) for line in made])
        return (first if number == 0 else later) + body + trailer

    return interleaved_map(batch, batches, jobs if batches >= _MIN_FORKED_BATCHES else 1)


def render_json_chunks(result: DedupeResult) -> Iterator[str]:
    """The JSON report in pieces, for writing without holding it all: a batch of blocks or clusters each."""
    return _joined(_json_pieces(result), _ITEM_SEPARATOR)


def render_json_bytes(result: DedupeResult, jobs: int = 1) -> Iterator[bytes]:
    """The UTF-8 of :func:`render_json_chunks`, the fastest way to write the report.

    With ``jobs`` of 2 or more, the blocks of a large report are made on two cores; the bytes are the same.

    >>> from lbdedup import Document, dedupe
    >>> result = dedupe([Document("a.txt", "Kim waves 👋\\n")])
    >>> b"".join(render_json_bytes(result)) == render_json(result).encode("utf-8")
    True
    """
    return _encoded(_json_pieces(result, max(1, jobs)), _ITEM_SEPARATOR, JSON_ERRORS)


def encode_chunks(chunks: Iterable[str], batch: int = 4096) -> Iterator[bytes]:
    """The UTF-8 of ``chunks``, joined ``batch`` chunks at a time, for writing to a binary stream.

    Each chunk is encoded on its own: most are ASCII, which encodes at memory speed, and one emoji in a report
    never widens the whole report to four bytes a character, as joining the strings first would. A file
    name's bytes that are not UTF-8 come out as ``\\xNN`` (see :mod:`lbdedup.names`).

    >>> b"".join(encode_chunks(["Kim ", "waves ", "👋"]))
    b'Kim waves \\xf0\\x9f\\x91\\x8b'
    """
    pending: list[bytes] = []
    for chunk in chunks:
        pending.append(chunk.encode("utf-8", TEXT_ERRORS))
        if len(pending) >= batch:
            yield b"".join(pending)
            pending.clear()
    if pending:
        yield b"".join(pending)


def render_json(result: DedupeResult) -> str:
    """The JSON report as one string, ending in a newline."""
    return "".join(render_json_chunks(result))


def render_jsonl(result: DedupeResult) -> Iterator[str]:
    """The block objects of the report, one JSON line each (with its newline), for streaming."""
    for lines in _ReportJson(result).block_batches(result.blocks):
        for line in lines:
            yield f"{line}\n"


def render_jsonl_rows_bytes(result: DedupeResult, start: int, stop: int) -> Iterator[bytes]:
    """The UTF-8 JSON lines of the blocks in rows ``start`` to ``stop`` of ``result``.

    An engine that renders each part of a run where its texts are gives a part's rows with the rows they
    refer to around them.

    >>> from lbdedup import Document, dedupe
    >>> result = dedupe([Document("a.txt", "Rain.\\n\\nSun.\\n")])
    >>> b"".join(render_jsonl_rows_bytes(result, 1, 2)).count(b"Sun.")
    1
    """
    encoder = _ReportJson(result)
    table = result_table(result.blocks)
    return _batch_bytes(
        lambda low, high: encoder.table_blocks(table, slice(start + low, start + high)),
        stop - start,
        1,
        (b"", b"", b"\n", b"\n"),
    )


def render_jsonl_bytes(result: DedupeResult, jobs: int = 1) -> Iterator[bytes]:
    """The UTF-8 of :func:`render_jsonl`, a batch of lines a piece, the fastest way to write it.

    With ``jobs`` of 2 or more, the lines of a large run are made on two cores; the bytes are the same.

    >>> from lbdedup import Document, dedupe
    >>> result = dedupe([Document("a.txt", "Kim waves 👋\\n")])
    >>> b"".join(render_jsonl_bytes(result)) == "".join(render_jsonl(result)).encode("utf-8")
    True
    """
    return _block_bytes(_ReportJson(result), result.blocks, max(1, jobs), (b"", b"", b"\n", b"\n"))


def _copies_by_kept(table: ResultTable) -> dict[int, list[int]]:
    """The rows of the dropped copies of each kept row, in input order."""
    copies: dict[int, list[int]] = {}
    duplicate = np.flatnonzero((table.status == STATUS_CODES[Status.DUPLICATE]) & (table.duplicate_of >= 0))
    for row, kept in zip(duplicate.tolist(), table.duplicate_of[duplicate].tolist(), strict=True):
        copies.setdefault(kept, []).append(row)
    return copies


def format_similarity(similarity: float) -> str:
    """A score with three decimals, rounded down so a copy that is not exact never reads as 1.000.

    >>> format_similarity(0.9996), format_similarity(1.0), format_similarity(0.9459)
    ('0.999', '1.000', '0.945')
    """
    return f"{math.floor(similarity * 1000 + 1e-9) / 1000:.3f}"


def provenance_line(kept: BlockResult, copies: list[BlockResult]) -> str:
    """The line printed above a kept block: where it is, and where its copies were.

    >>> from lbdedup.model import Block, BlockKind
    >>> block = Block(0, "a.txt", 2, 5, 6, BlockKind.PARAGRAPH, "The river rose.")
    >>> provenance_line(BlockResult(block, Status.UNIQUE), [])
    '[a.txt:5-6]'
    """
    return f"[{_where(kept.block)}]{_also(copies) if copies else ''}"


def _where(block: Block) -> str:
    """``str(BlockRef.of(block))`` without making the BlockRef."""
    if block.line_start == block.line_end:
        return f"{display_name(block.source)}:{block.line_start}"
    return f"{display_name(block.source)}:{block.line_start}-{block.line_end}"


def _also(copies: list[BlockResult]) -> str:
    """The `` also: ...`` part of :func:`provenance_line`."""
    described = []
    for copy in copies:
        where = _where(copy.block)
        match = copy.match._value_ if copy.match else "copy"
        if copy.similarity is not None and copy.similarity < 1.0:
            described.append(f"{where} {match} {format_similarity(copy.similarity)}")
        else:
            described.append(f"{where} {match}")
    return f" also: {', '.join(described)}"


class _SectionDocs:
    """The sources behind each section of the clean text: its source, or every snapshot of its timeline."""

    def __init__(self, result: DedupeResult, table: ResultTable) -> None:
        self.docs = table.blocks.doc
        self.of_source: dict[str, list[int]] = {}
        for doc, document in enumerate(result.documents):
            self.of_source.setdefault(document.source, []).append(doc)
        self.timelines = [
            (" + ".join(timeline.sources) + _TIMELINE, timeline.docs) for timeline in result.timelines
        ]

    def __call__(self, header: str, kept: npt.NDArray[np.int64]) -> set[int]:
        docs = set(self.docs[kept].tolist())
        docs.update(self.of_source.get(header, ()))
        if _TIMELINE in header:
            for prefix, timeline_docs in self.timelines:
                if header.startswith(prefix):
                    docs.update(timeline_docs)
        return docs


def _will_read(blocks: BlockTable, rows: Sequence[npt.NDArray[np.int64]]) -> None:
    """Tell a table whose texts are fetched (the dask engine's) the order they will be read in."""
    announce = getattr(blocks, "will_read", None)
    if announce is not None:
        announce(np.concatenate([np.empty(0, dtype=np.int64), *rows]))


_TIMELINE = " (one timeline"
_BLANK_LINE = "\n\n"


def _text_pieces(result: DedupeResult, provenance: bool) -> Iterator[list[str]]:
    """The paragraphs of the clean text (to be joined by blank lines), a section at a time."""
    table = result_table(result.blocks)
    names = [display_name(source) for source in table.blocks.sources]
    copies = _copies_by_kept(table) if provenance else {}
    section_docs = _SectionDocs(result, table)
    summaries = result.sources
    first = True
    # Sections: one per source, or one per live-blog timeline (snapshots merged, posts ordered by time).
    sections = section_rows(result)
    _will_read(table.blocks, [kept for _, kept in sections])
    for header, kept in sections:
        if not len(kept):
            # Nothing kept (an empty file, or every block a copy): no header, so empty input prints nothing.
            continue
        dropped = sum(summaries[doc].boilerplate for doc in section_docs(header, kept)) if provenance else 0
        paragraphs = _section_paragraphs(header, table, names, kept.tolist(), copies, dropped, provenance)
        if not first:
            paragraphs.insert(0, "")  # for the blank line before the section
        first = False
        yield paragraphs
    if not first:
        yield ["\n"]


def _section_paragraphs(
    header: str,
    table: ResultTable,
    names: Sequence[str],
    kept: list[int],
    copies: dict[int, list[int]],
    dropped: int,
    provenance: bool,
) -> list[str]:
    """The paragraphs of one section of the clean text: its header and kept blocks, or the bare texts."""
    texts = table.blocks.texts(kept)
    if not provenance:
        # A block of several lines (wrapped prose joined back) on one line: read again, it is one block.
        return [text if "\n" not in text else one_line(text) for text in texts]
    paragraphs = [f"==> {display_name(header)} <=="]
    if dropped:
        paragraphs.append(f"[boilerplate dropped: {dropped} block{'' if dropped == 1 else 's'}]")
    wheres = _wheres(table.blocks, names, kept)
    for row, where, text in zip(kept, wheres, texts, strict=True):
        found = copies.get(row)
        also = _table_also(table, names, found) if found else ""
        paragraphs.append(f"[{where}]{also}\n{text}")
    return paragraphs


def _wheres(blocks: BlockTable, names: Sequence[str], rows: Sequence[int]) -> list[str]:
    """``str(BlockRef)`` of each of ``rows``, from the columns: ``a.txt:5`` or ``a.txt:5-6``.

    ``names`` are the sources' names as printed (:func:`~lbdedup.names.display_name`), by document.
    """
    picked = np.asarray(rows, dtype=np.int64)
    return [
        f"{names[doc]}:{start}" if start == end else f"{names[doc]}:{start}-{end}"
        for doc, start, end in zip(
            blocks.doc[picked].tolist(),
            blocks.line_start[picked].tolist(),
            blocks.line_end[picked].tolist(),
            strict=True,
        )
    ]


def _table_also(table: ResultTable, names: Sequence[str], rows: list[int]) -> str:
    """:func:`_also` of the copies at ``rows``, from the columns."""
    described = []
    similarities = table.similarity[rows].tolist()
    for where, match, similarity in zip(
        _wheres(table.blocks, names, rows), table.match[rows].tolist(), similarities, strict=True
    ):
        name = "copy" if match == NO_MATCH else MATCHES[match].value
        if similarity == similarity and similarity < 1.0:  # NaN (no similarity) is unequal to itself
            described.append(f"{where} {name} {format_similarity(similarity)}")
        else:
            described.append(f"{where} {name}")
    return f" also: {', '.join(described)}"


def render_source_texts(result: DedupeResult, provenance: bool = True) -> list[str]:
    """The clean text of each source, in input order: the blocks it keeps, in its own order.

    A block another source holds too is kept once, in the source that keeps it, as in :func:`render_text`;
    so a later snapshot of a live blog holds only what the earlier ones lack, and a source that keeps
    nothing has an empty text. Timelines are not merged here: each source stays in its own order.

    >>> from lbdedup import Document, dedupe
    >>> result = dedupe([Document("a.txt", "Rain at dawn in Elmford.\\n"),
    ...                  Document("b.txt", "Rain at dawn in Elmford.\\n\\nSun by noon over the hills.\\n")])
    >>> render_source_texts(result, provenance=False)
    ['Rain at dawn in Elmford.\\n', 'Sun by noon over the hills.\\n']
    """
    table = result_table(result.blocks)
    names = [display_name(source) for source in table.blocks.sources]
    copies = _copies_by_kept(table) if provenance else {}
    kept = np.flatnonzero(table.kept_mask())
    docs = table.blocks.doc[kept]
    kept = kept[np.argsort(docs, kind="stable")]
    _will_read(table.blocks, [kept])
    bounds = np.searchsorted(np.sort(docs), np.arange(len(result.documents) + 1)).tolist()
    texts = []
    for doc, document in enumerate(result.documents):
        own = kept[bounds[doc] : bounds[doc + 1]].tolist()
        if not own:
            texts.append("")
            continue
        dropped = result.sources[doc].boilerplate if provenance else 0
        paragraphs = _section_paragraphs(document.source, table, names, own, copies, dropped, provenance)
        texts.append(_BLANK_LINE.join(paragraphs) + "\n")
    return texts


def render_text_chunks(result: DedupeResult, provenance: bool = True) -> Iterator[str]:
    """:func:`render_text` in pieces (a section each), for writing without joining the whole text first."""
    return _joined(_text_pieces(result, provenance), _BLANK_LINE)


def render_text_bytes(result: DedupeResult, provenance: bool = True) -> Iterator[bytes]:
    """The UTF-8 of :func:`render_text_chunks`, the fastest way to write the clean text.

    >>> from lbdedup import Document, dedupe
    >>> result = dedupe([Document("a.txt", "Kim waves 👋\\n\\nKim waves 👋\\n")])
    >>> b"".join(render_text_bytes(result)) == render_text(result).encode("utf-8")
    True
    """
    return _encoded(_text_pieces(result, provenance), _BLANK_LINE)


def render_text(result: DedupeResult, provenance: bool = True) -> str:
    """The clean text: every kept block once, in place, sources in input order.

    With ``provenance`` each source opens with ``==> source <==`` (and how many boilerplate blocks it lost)
    and each kept block is preceded by ``[file:line]`` and the places of its copies; without, the bare kept
    texts separated by blank lines, each on one line (hard-wrapped prose joined back), so that the bare text
    cleaned again gives the same blocks. A section with nothing kept is left out.
    """
    return "".join(render_text_chunks(result, provenance))
