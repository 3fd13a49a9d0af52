"""The real scraped live blogs of ../shared/seeds (skipped where they are absent, as in a user's clone)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from lbdedup.cli import app
from lbdedup.model import BlockKind, Options
from lbdedup.normalize import normalize
from lbdedup.verify import Features, verify

from .contract import check_report, uncovered_lines

HEADLINES = {"title", "heading"}
META = {"timestamp", "byline"}


def _report(seeds: list[Path]) -> dict[str, Any]:
    result = CliRunner().invoke(app, ["clean", "--format", "json", *map(str, seeds)])
    assert result.exit_code == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def _features(block: dict[str, Any]) -> Features:
    return Features.of(BlockKind(block["kind"]), normalize(block["text"]))


def _kept_of(report: dict[str, Any], block: dict[str, Any]) -> dict[str, Any]:
    ref = block["duplicate_of"]
    found: list[dict[str, Any]] = [
        b for b in report["blocks"] if (b["source"], b["index"]) == (ref["source"], ref["index"])
    ]
    assert len(found) == 1
    return found[0]


def test_json_covers_every_line(seeds: list[Path]) -> None:
    """The JSON of the seeds follows the contract and every non-empty line lies in exactly one block."""
    report = _report(seeds)
    check_report(report)
    for path in seeds:
        assert uncovered_lines(path.read_text(encoding="utf-8-sig"), report["blocks"], str(path)) == []


def test_one_copy_of_each_repeated_block(seeds: list[Path]) -> None:
    """No two kept blocks have the same normalized text: every exact repeat is dropped."""
    report = _report(seeds)
    kept = [normalize(b["text"]) for b in report["blocks"] if b["status"] in ("unique", "canonical")]
    repeated = {text for text in kept if kept.count(text) > 1}
    assert repeated == set()


def _seed(block_or_ref: dict[str, Any]) -> str:
    return Path(block_or_ref["source"]).name[:3]


def test_the_known_repeats_are_dropped(seeds: list[Path]) -> None:
    """002 repeats its pinned post, doubles captions and bylines; 004 is a later snapshot of 003's blog."""
    report = _report(seeds)
    blocks = report["blocks"]
    repeat = [b for b in blocks if _seed(b) == "002" and 117 <= b["line_start"] <= 140]
    assert len(repeat) >= 12
    for block in repeat:
        if block["reason"] == "pattern: link prompt":  # "Read our full report:" is furniture in both copies
            continue
        assert block["status"] == "duplicate", block["line_start"]
        assert _seed(block["duplicate_of"]) == "002"
        assert 7 <= block["duplicate_of"]["line_start"] <= 30
    doubled = [b for b in blocks if _seed(b) == "002" and b["line_start"] in (9, 11, 19, 20)]
    assert [b["status"] for b in doubled] == ["canonical", "duplicate", "duplicate", "canonical"]
    snapshot = [b for b in blocks if _seed(b) == "004"]
    from_003 = [b for b in snapshot if b["status"] == "duplicate" and _seed(b["duplicate_of"]) == "003"]
    assert len(from_003) >= 30


def test_timestamps_and_headlines_are_kept(seeds: list[Path]) -> None:
    """Every distinct timestamp line is kept; a headline is only dropped as a copy of another headline."""
    report = _report(seeds)
    kept_meta = {
        normalize(b["text"])
        for b in report["blocks"]
        if b["kind"] == "timestamp" and b["status"] != "duplicate"
    }
    for block in report["blocks"]:
        if block["kind"] == "timestamp":
            assert normalize(block["text"]) in kept_meta
        if block["kind"] in HEADLINES and block["status"] == "duplicate":
            assert _kept_of(report, block)["kind"] in HEADLINES, block["text"]
        if block["kind"] in META and block["status"] == "duplicate":
            assert block["match"] == "exact", block["text"]


def test_nothing_said_once_is_lost(seeds: list[Path]) -> None:
    """Every dropped block is the text of a kept block, or verified as a copy of the block kept for it."""
    report = _report(seeds)
    kept_texts = {normalize(b["text"]) for b in report["blocks"] if b["status"] in ("unique", "canonical")}
    for block in report["blocks"]:
        if block["status"] != "duplicate" or normalize(block["text"]) in kept_texts:
            continue
        kept = _kept_of(report, block)
        assert kept["status"] == "canonical"
        assert verify(_features(block), _features(kept), Options()) is not None, block["text"]
