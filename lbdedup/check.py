"""Findings for ``check`` and ``fix``: a run's result joined with what the fingerprint index already holds.

Pure functions: a DedupeResult and index matches in, a DedupeResult and lines of text out.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any

from lbdedup.core import with_block_results
from lbdedup.index import CheckedMatches, IndexMatch
from lbdedup.model import (
    BlockRef,
    BlockResult,
    Cluster,
    ClusterMember,
    DedupeResult,
    MatchKind,
    Status,
)
from lbdedup.names import display_name

__all__ = [
    "apply_checked_matches",
    "apply_index_matches",
    "findings",
    "findings_json",
    "fixable",
    "format_finding",
    "github_annotation",
    "protect",
    "summary_line",
]


def apply_checked_matches(result: DedupeResult, checked: CheckedMatches) -> DedupeResult:
    """Join a run with what its verified index query found: copies of indexed blocks, then protected blocks.

    ``checked`` is keyed by position in ``result.blocks``; see :meth:`FingerprintIndex.query_checked`.
    """
    matches = {
        position: match for position, match in checked.matches.items() if position not in checked.protected
    }
    return protect(apply_index_matches(result, matches), checked.protected)


def protect(result: DedupeResult, positions: Collection[int]) -> DedupeResult:
    """Keep the blocks at ``positions`` (their own file held them when it was indexed): never findings.

    A protected block that this run made a copy of another input's block becomes the kept copy of their
    cluster instead when the two say the same thing (exact or near): the other input's block is the copy.
    When the other block is longer (it contains the protected one), both stay.

    >>> from lbdedup.core import dedupe
    >>> from lbdedup.model import Document
    >>> text = "Kim arrives by train in Russia today for the talks.\\n"
    >>> result = dedupe([Document("new.txt", text), Document("old.txt", text)])
    >>> [format_finding(r) for r in findings(protect(result, [1]))]
    ['new.txt:1: duplicate of old.txt:1 (exact, 1.00)']
    """
    wanted = set(positions)
    if not wanted or all(result.blocks[position].status.kept for position in wanted):
        return result
    blocks = list(result.blocks)
    clusters = {cluster.id: cluster for cluster in result.clusters}
    where = {(item.block.source, item.block.index): position for position, item in enumerate(blocks)}
    members: dict[int, list[int]] = {}
    for position, item in enumerate(blocks):
        if item.cluster is not None:
            members.setdefault(item.cluster, []).append(position)
    for position in sorted(wanted):
        found = blocks[position]
        if found.status.kept:
            continue
        target = found.duplicate_of
        kept_at = where.get((target.source, target.index)) if target is not None else None
        if (
            kept_at is not None
            and kept_at not in wanted
            and blocks[kept_at].status.kept
            and found.match in (MatchKind.EXACT, MatchKind.NEAR)
            and found.cluster is not None
        ):
            number = found.cluster
            own = BlockRef.of(found.block)
            blocks[kept_at] = _duplicate(blocks[kept_at], own, found.match, found.similarity)
            for other in members.get(number, ()):
                # The other copies of the cluster now point at the protected block, which stays.
                candidate = blocks[other]
                if candidate.cluster == number and candidate.status is Status.DUPLICATE and other != position:
                    blocks[other] = _duplicate(candidate, own, candidate.match, candidate.similarity)
            blocks[position] = BlockResult(found.block, Status.CANONICAL, cluster=number)
            if number in clusters:
                clusters[number] = Cluster(number, own, clusters[number].members)
        else:
            blocks[position] = BlockResult(found.block, Status.UNIQUE)
    return with_block_results(result, blocks, [clusters[number] for number in sorted(clusters)])


def apply_index_matches(result: DedupeResult, matches: Mapping[int, IndexMatch]) -> DedupeResult:
    """Mark the kept blocks that copy an indexed block; ``matches`` is keyed by position in ``result.blocks``.

    The indexed copy was accepted first, so it stays the kept copy: a matched block and every member of its
    cluster become duplicates of it.

    >>> from lbdedup.core import dedupe
    >>> from lbdedup.model import Document
    >>> result = dedupe([Document("new.txt", "Kim arrives by train in Russia today.\\n")])
    >>> old = IndexMatch(BlockRef("old.txt", 3, 7, 7), MatchKind.EXACT, 1.0)
    >>> [format_finding(r) for r in findings(apply_index_matches(result, {0: old}))]
    ['new.txt:1: duplicate of old.txt:7 (exact, 1.00)']
    """
    if not matches:
        return result
    blocks = list(result.blocks)
    clusters = {cluster.id: cluster for cluster in result.clusters}
    next_id = max(clusters, default=-1) + 1
    for position, match in sorted(matches.items()):
        found = blocks[position]
        if not found.status.kept:
            continue
        own = ClusterMember(BlockRef.of(found.block), match.match, match.similarity)
        if found.status is Status.CANONICAL and found.cluster is not None:
            number = found.cluster
            old = clusters[number]
            members = tuple(own if member.ref == old.canonical else member for member in old.members)
            for other, candidate in enumerate(blocks):
                if candidate.cluster == number and candidate.status is Status.DUPLICATE:
                    blocks[other] = _duplicate(candidate, match.ref, candidate.match, candidate.similarity)
        else:
            number = next_id
            next_id += 1
            members = (own,)
        clusters[number] = Cluster(number, match.ref, members)
        blocks[position] = _duplicate(found, match.ref, match.match, match.similarity, number)
    return with_block_results(result, blocks, [clusters[number] for number in sorted(clusters)])


def _duplicate(
    result: BlockResult,
    kept: BlockRef,
    match: MatchKind | None,
    similarity: float | None,
    cluster: int | None = None,
) -> BlockResult:
    return BlockResult(
        result.block,
        Status.DUPLICATE,
        cluster=result.cluster if cluster is None else cluster,
        duplicate_of=kept,
        match=match,
        similarity=similarity,
        reason=result.reason,
    )


def findings(result: DedupeResult) -> tuple[BlockResult, ...]:
    """The blocks ``check`` reports: every block that is not kept (duplicates and boilerplate), in order."""
    return tuple(block for block in result.blocks if not block.status.kept)


def format_finding(result: BlockResult) -> str:
    """One line per finding: ``path:line: duplicate of other:line (near, 0.97)``, ``path:line: boilerplate``.

    >>> from lbdedup.model import Block, BlockKind
    >>> block = Block(0, "a.txt", 4, 9, 9, BlockKind.PARAGRAPH, "Share this article")
    >>> format_finding(BlockResult(block, Status.BOILERPLATE, reason="pattern: share prompt"))
    'a.txt:9: boilerplate (pattern: share prompt)'
    """
    where = f"{display_name(result.block.source)}:{result.block.line_start}"
    if result.status is Status.DUPLICATE and result.duplicate_of is not None:
        other = f"{display_name(result.duplicate_of.source)}:{result.duplicate_of.line_start}"
        match = result.match.value if result.match else "copy"
        similarity = f", {result.similarity:.2f}" if result.similarity is not None else ""
        return f"{where}: duplicate of {other} ({match}{similarity})"
    reason = f" ({result.reason})" if result.reason else ""
    return f"{where}: {result.status.value}{reason}"


def fixable(result: DedupeResult) -> set[tuple[int, int]]:
    """The findings ``fix`` would remove, as (document, block index): not in HTML, not in a whole-file copy.

    >>> from lbdedup.core import dedupe
    >>> from lbdedup.model import Document
    >>> text = "Kim arrives by train in Russia today for the talks.\\n"
    >>> fixable(dedupe([Document("a.txt", text), Document("b.txt", "Kim waves.\\n\\n" + text)]))
    {(1, 1)}
    """
    from lbdedup.fix import fix_text, whole_file_copy

    per_document: dict[int, list[BlockResult]] = {}
    for item in result.blocks:
        per_document.setdefault(item.block.doc, []).append(item)
    found: set[tuple[int, int]] = set()
    for doc, own in per_document.items():
        document = result.documents[doc]
        if document.format == "html" or all(item.status.kept for item in own):
            continue
        if whole_file_copy(document, own, fix_text(document, own)) is not None:
            continue
        found.update((doc, item.block.index) for item in own if not item.status.kept)
    return found


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def summary_line(found: Sequence[BlockResult], can_fix: int) -> str:
    """The line after the findings, as ruff ends its own: how many of each kind, in how many files.

    >>> from lbdedup.model import Block, BlockKind
    >>> block = Block(0, "a.txt", 4, 9, 9, BlockKind.PARAGRAPH, "Share this article")
    >>> summary_line([BlockResult(block, Status.BOILERPLATE)], 1)
    'Found 1 furniture block in 1 file; 1 fixable with `lbdedup fix`'
    """
    copies = sum(1 for item in found if item.status is Status.DUPLICATE)
    furniture = len(found) - copies
    parts = [_plural(copies, "copy", "copies")] if copies else []
    if furniture or not copies:
        parts.append(_plural(furniture, "furniture block", "furniture blocks"))
    files = len({item.block.doc for item in found})
    return (
        f"Found {' and '.join(parts)} in {_plural(files, 'file', 'files')}; "
        f"{can_fix} fixable with `lbdedup fix`"
    )


def _finding_record(item: BlockResult, can_fix: bool) -> dict[str, Any]:
    kept = item.duplicate_of
    return {
        "path": item.block.source,
        "line": item.block.line_start,
        "line_end": item.block.line_end,
        "kind": item.status.value,
        "reason": item.reason,
        "kept": None if kept is None else {"path": kept.source, "line": kept.line_start},
        "match": item.match.value if item.match else None,
        "similarity": item.similarity,
        "fixable": can_fix,
        "text": item.block.text,
    }


def findings_json(
    result: DedupeResult, found: Sequence[BlockResult], can_fix: Collection[tuple[int, int]]
) -> str:
    """``check --format json``: one document with every finding and the counts of the summary line.

    >>> from lbdedup.core import dedupe
    >>> from lbdedup.model import Document
    >>> result = dedupe([Document("a.txt", "Kim waves at the crowd.\\n\\nKim waves at the crowd.\\n")])
    >>> report = json.loads(findings_json(result, findings(result), fixable(result)))
    >>> report["findings"][0]["kept"], report["summary"]["fixable"]
    ({'path': 'a.txt', 'line': 1}, 1)
    """
    records = [_finding_record(item, (item.block.doc, item.block.index) in can_fix) for item in found]
    copies = sum(1 for item in found if item.status is Status.DUPLICATE)
    document = {
        "version": result.version,
        "findings": records,
        "summary": {
            "findings": len(found),
            "copies": copies,
            "furniture": len(found) - copies,
            "files": len({item.block.doc for item in found}),
            "fixable": sum(1 for record in records if record["fixable"]),
        },
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(item: BlockResult) -> str:
    """One finding as a GitHub Actions ``::warning`` command, escaped as GitHub documents.

    >>> from lbdedup.model import Block, BlockKind
    >>> block = Block(0, "a,b.txt", 4, 9, 10, BlockKind.PARAGRAPH, "Share this")
    >>> github_annotation(BlockResult(block, Status.BOILERPLATE, reason="100% furniture"))
    '::warning file=a%2Cb.txt,line=9,endLine=10,title=lbdedup boilerplate::boilerplate (100%25 furniture)'
    """
    where = f"{display_name(item.block.source)}:{item.block.line_start}: "
    text = format_finding(item)
    message = text[len(where) :] if text.startswith(where) else text
    properties = ",".join(
        [
            f"file={_escape_property(item.block.source)}",
            f"line={item.block.line_start}",
            f"endLine={item.block.line_end}",
            f"title={_escape_property('lbdedup ' + item.status.value)}",
        ]
    )
    return f"::warning {properties}::{_escape_data(message)}"


def github_annotations(found: Sequence[BlockResult]) -> Iterator[str]:
    """:func:`github_annotation` of each finding."""
    return map(github_annotation, found)
