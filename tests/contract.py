"""The JSON report contract of DESIGN.md, shared by the render and CLI tests."""

from __future__ import annotations

from typing import Any

from lbdedup.segment import split_lines

TOP_FIELDS = {"version", "sources", "blocks", "clusters"}
# Beyond the contract: syndicated runs and live-blog timelines (issue 3).
EXTRA_TOP_FIELDS = {"runs", "timelines"}
SOURCE_FIELDS = {"source", "blocks", "kept", "duplicates", "boilerplate"}
BLOCK_FIELDS = {
    "source",
    "index",
    "line_start",
    "line_end",
    "kind",
    "post",
    "time",
    "status",
    "cluster",
    "duplicate_of",
    "match",
    "similarity",
    "text",
}
# Beyond the contract: why a block was dropped as boilerplate (null until boilerplate removal exists).
EXTRA_BLOCK_FIELDS = {"reason"}
REF_FIELDS = {"source", "index", "line_start"}
CLUSTER_FIELDS = {"id", "canonical", "members"}
KINDS = {"title", "heading", "paragraph", "caption", "list_item", "quote", "timestamp", "byline"}
STATUSES = {"unique", "canonical", "duplicate", "boilerplate"}
MATCHES = {"exact", "near", "contained"}


def check_block(block: dict[str, Any]) -> None:
    """Assert one block object follows the contract."""
    assert set(block) == BLOCK_FIELDS | EXTRA_BLOCK_FIELDS
    assert block["kind"] in KINDS
    assert block["status"] in STATUSES
    assert 1 <= block["line_start"] <= block["line_end"]
    assert isinstance(block["text"], str)
    assert block["text"].strip()
    if block["status"] == "duplicate":
        assert set(block["duplicate_of"]) == REF_FIELDS
        assert block["match"] in MATCHES
        assert 0.0 < block["similarity"] <= 1.0
        assert isinstance(block["cluster"], int)
    else:
        assert block["duplicate_of"] is None
        assert block["match"] is None
        assert block["similarity"] is None
    if block["status"] == "unique":
        assert block["cluster"] is None
    if block["status"] == "canonical":
        assert isinstance(block["cluster"], int)


def check_report(report: dict[str, Any]) -> None:
    """Assert a whole report follows the contract, clusters and blocks agreeing."""
    assert set(report) == TOP_FIELDS | EXTRA_TOP_FIELDS
    for source in report["sources"]:
        assert set(source) == SOURCE_FIELDS
    for block in report["blocks"]:
        check_block(block)
    by_cluster: dict[int, set[tuple[str, int]]] = {}
    for block in report["blocks"]:
        if block["cluster"] is not None:
            by_cluster.setdefault(block["cluster"], set()).add((block["source"], block["index"]))
    for cluster in report["clusters"]:
        assert set(cluster) == CLUSTER_FIELDS
        assert set(cluster["canonical"]) == REF_FIELDS
        members = {(member["source"], member["index"]) for member in cluster["members"]}
        assert members == by_cluster[cluster["id"]]
        assert (cluster["canonical"]["source"], cluster["canonical"]["index"]) in members
    assert set(by_cluster) == {cluster["id"] for cluster in report["clusters"]}


def uncovered_lines(text: str, blocks: list[dict[str, Any]], source: str) -> list[int]:
    """Non-empty lines of ``text`` not inside exactly one of the source's blocks (empty when all are)."""
    spans = [(block["line_start"], block["line_end"]) for block in blocks if block["source"] == source]
    wrong = []
    for number, line in enumerate(split_lines(text), start=1):
        inside = sum(1 for start, end in spans if start <= number <= end)
        if inside != (1 if line.strip() else 0):
            wrong.append(number)
    return wrong
