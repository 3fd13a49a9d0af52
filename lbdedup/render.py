"""Render stage: a DedupeResult to text, JSON or JSONL. Pure: strings out, nothing printed.

The JSON report is a contract other tools read (see DESIGN.md): field names and status values are fixed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from json.encoder import encode_basestring as _json_string
from typing import Any

from lbdedup.model import BlockRef, BlockResult, Cluster, DedupeResult, Run, RunSpan, Status, Timeline
from lbdedup.timeline import text_sections

__all__ = [
    "block_record",
    "encode_chunks",
    "format_similarity",
    "provenance_line",
    "render_json",
    "render_json_chunks",
    "render_jsonl",
    "render_text",
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


def _null_or_int(value: int | None) -> str:
    return "null" if value is None else str(value)


def _null_or_str(value: str | None) -> str:
    return "null" if value is None else _json_string(value)


def _block_json(result: BlockResult, source_json: str) -> str:
    """``json.dumps(block_record(result))``, built directly: the report's hot loop, a few µs per block."""
    block = result.block
    ref = result.duplicate_of
    if ref is None:
        duplicate_of = "null"
    else:
        duplicate_of = (
            f'{{"source": {_json_string(ref.source)}, "index": {ref.index}, "line_start": {ref.line_start}}}'
        )
    similarity = "null" if result.similarity is None else repr(result.similarity)
    # ``_value_`` is a plain attribute; ``.value`` goes through a descriptor, which costs in this loop.
    match = "null" if result.match is None else f'"{result.match._value_}"'
    return (
        f'{{"source": {source_json}, "index": {block.index}, "line_start": {block.line_start}, '
        f'"line_end": {block.line_end}, "kind": "{block.kind._value_}", "post": {_null_or_int(block.post)}, '
        f'"time": {_null_or_str(block.time)}, "status": "{result.status._value_}", '
        f'"cluster": {_null_or_int(result.cluster)}, "duplicate_of": {duplicate_of}, "match": {match}, '
        f'"similarity": {similarity}, "reason": {_null_or_str(result.reason)}, '
        f'"text": {_json_string(block.text)}}}'
    )


def _cluster_json(cluster: Cluster, source_json: dict[str, str]) -> str:
    """``json.dumps(_cluster_record(cluster))``, built directly (one cluster per kept copy of a large run)."""
    canonical = cluster.canonical
    members = []
    for member in cluster.members:
        ref = member.ref
        match = "null" if member.match is None else f'"{member.match._value_}"'
        similarity = "null" if member.similarity is None else repr(member.similarity)
        members.append(
            f'{{"source": {source_json[ref.source]}, "index": {ref.index}, "line_start": {ref.line_start}, '
            f'"match": {match}, "similarity": {similarity}}}'
        )
    return (
        f'{{"id": {cluster.id}, "canonical": {{"source": {source_json[canonical.source]}, '
        f'"index": {canonical.index}, "line_start": {canonical.line_start}}}, '
        f'"members": [{", ".join(members)}]}}'
    )


def _source_json(result: DedupeResult) -> dict[str, str]:
    return {document.source: _json_string(document.source) for document in result.documents}


def _block_lines(result: DedupeResult) -> Iterator[str]:
    sources = [_json_string(document.source) for document in result.documents]
    for block in result.blocks:
        yield _block_json(block, sources[block.block.doc])


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


def _json_list(key: str, items: Iterator[str], last: bool = False) -> Iterator[str]:
    yield f' "{key}": ['
    separator = "\n  "
    for item in items:
        yield separator
        yield item
        separator = ",\n  "
    yield ("\n ]" if separator != "\n  " else "]") + ("\n" if last else ",\n")


def _json_head(result: DedupeResult) -> Iterator[str]:
    yield f'{{"version": {json.dumps(result.version)},\n'
    yield from _json_list(
        "sources", (json.dumps(item, ensure_ascii=False) for item in _sources_records(result))
    )


def _json_tail(result: DedupeResult) -> Iterator[str]:
    yield from _json_list("runs", (json.dumps(run_record(run), ensure_ascii=False) for run in result.runs))
    timelines = (json.dumps(timeline_record(timeline), ensure_ascii=False) for timeline in result.timelines)
    yield from _json_list("timelines", timelines, last=True)
    yield "}\n"


def render_json_chunks(result: DedupeResult) -> Iterator[str]:
    """The JSON report in pieces, for writing without holding it all: one line per source, block, cluster.

    Blocks and clusters are written by :func:`_block_json` and :func:`_cluster_json` (``indent`` would fall
    back to the slow pure-Python encoder).
    """
    yield from _json_head(result)
    yield from _json_list("blocks", _block_lines(result))
    source_json = _source_json(result)
    yield from _json_list("clusters", (_cluster_json(cluster, source_json) for cluster in result.clusters))
    yield from _json_tail(result)


def encode_chunks(chunks: Iterable[str], batch: int = 4096) -> Iterator[bytes]:
    """The UTF-8 of ``chunks``, joined ``batch`` chunks at a time, for writing to a binary stream.

    Each chunk is encoded on its own: most are ASCII, which encodes at memory speed, and one emoji in a report
    never widens the whole report to four bytes a character, as joining the strings first would.

    >>> b"".join(encode_chunks(["Kim ", "waves ", "👋"]))
    b'Kim waves \\xf0\\x9f\\x91\\x8b'
    """
    pending: list[bytes] = []
    for chunk in chunks:
        pending.append(chunk.encode("utf-8"))
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
    for line in _block_lines(result):
        yield line + "\n"


def _copies_by_canonical(result: DedupeResult) -> dict[tuple[str, int], list[BlockResult]]:
    copies: dict[tuple[str, int], list[BlockResult]] = {}
    for block in result.blocks:
        if block.status is Status.DUPLICATE and block.duplicate_of is not None:
            key = (block.duplicate_of.source, block.duplicate_of.index)
            copies.setdefault(key, []).append(block)
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
    line = f"[{BlockRef.of(kept.block)}]"
    if not copies:
        return line
    described = []
    for copy in copies:
        where = str(BlockRef.of(copy.block))
        match = copy.match.value if copy.match else "copy"
        if copy.similarity is not None and copy.similarity < 1.0:
            described.append(f"{where} {match} {format_similarity(copy.similarity)}")
        else:
            described.append(f"{where} {match}")
    return f"{line} also: {', '.join(described)}"


def _section_docs(result: DedupeResult, header: str, kept: list[BlockResult]) -> set[int]:
    """The sources behind one section of the clean text: its own source, or every snapshot of its timeline."""
    docs = {item.block.doc for item in kept}
    docs.update(doc for doc, document in enumerate(result.documents) if document.source == header)
    for timeline in result.timelines:
        if header.startswith(" + ".join(timeline.sources) + " (one timeline"):
            docs.update(timeline.docs)
    return docs


def render_text_chunks(result: DedupeResult, provenance: bool = True) -> Iterator[str]:
    """:func:`render_text` in pieces, for writing without joining the whole text first."""
    copies = _copies_by_canonical(result) if provenance else {}
    separator = ""
    # Sections: one per source, or one per live-blog timeline (snapshots merged, posts ordered by time).
    for header, kept in text_sections(result):
        if not kept:
            # Nothing kept (an empty file, or every block a copy): no header, so empty input prints nothing.
            continue
        if provenance:
            yield f"{separator}==> {header} <=="
            separator = "\n\n"
            dropped = sum(result.sources[doc].boilerplate for doc in _section_docs(result, header, kept))
            if dropped:
                yield f"{separator}[boilerplate dropped: {dropped} block{'' if dropped == 1 else 's'}]"
            for block in kept:
                key = (block.block.source, block.block.index)
                yield f"{separator}{provenance_line(block, copies.get(key, []))}\n{block.block.text}"
        else:
            for block in kept:
                yield separator
                yield block.block.text
                separator = "\n\n"
    if separator:
        yield "\n"


def render_text(result: DedupeResult, provenance: bool = True) -> str:
    """The clean text: every kept block once, in place, sources in input order.

    With ``provenance`` each source opens with ``==> source <==`` (and how many boilerplate blocks it lost)
    and each kept block is preceded by ``[file:line]`` and the places of its copies; without, the bare kept
    texts separated by blank lines. A section with nothing kept is left out.
    """
    return "".join(render_text_chunks(result, provenance))
