"""The live-blog options and outputs through the command line: CliRunner, a real subprocess, and the seeds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lbdedup.cli import app

from .conftest import FIXTURES

NEWER_FIRST = FIXTURES / "snapshots_newer_first" / "input"
NEWER_LAST = FIXTURES / "snapshots_newer_last" / "input"


def _clean(*args: str) -> str:
    result = CliRunner().invoke(app, ["clean", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def _times(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.endswith(" BST")]


def test_both_snapshot_orders_give_one_timeline() -> None:
    """Newer snapshot first or last, the clean text lists the same times, newest first, each once."""
    first = _clean("--provenance", "none", str(NEWER_FIRST / "1_newer.txt"), str(NEWER_FIRST / "2_older.txt"))
    last = _clean("--provenance", "none", str(NEWER_LAST / "1_older.txt"), str(NEWER_LAST / "2_newer.txt"))
    expected = ["11.50 BST", "11.15 BST", "10.05 BST", "09.40 BST", "09.12 BST", "08.30 BST"]
    assert _times(first) == _times(last) == expected


def test_oldest_first_option() -> None:
    """--oldest-first prints the timeline from its first post."""
    text = _clean("--provenance", "none", "--oldest-first", *(str(p) for p in sorted(NEWER_FIRST.iterdir())))
    assert _times(text) == ["08.30 BST", "09.12 BST", "09.40 BST", "10.05 BST", "11.15 BST", "11.50 BST"]


def test_order_input_keeps_blocks_in_place() -> None:
    """--order input prints each source in turn, blocks in place, and says so in the JSON."""
    paths = [str(p) for p in sorted(NEWER_LAST.iterdir())]
    text = _clean("--order", "input", *paths)
    assert text.startswith(f"==> {paths[0]} <==")
    record = json.loads(_clean("--order", "input", "--format", "json", *paths))
    assert record["timelines"][0]["order"] == "input"


def test_bad_order_is_a_usage_error() -> None:
    """An unknown --order value exits 2."""
    result = CliRunner().invoke(app, ["clean", "--order", "sideways", str(NEWER_FIRST / "1_newer.txt")])
    assert result.exit_code == 2


def test_report_shows_runs() -> None:
    """Lbdedup report lists the syndicated runs as copy = original ranges."""
    case = FIXTURES / "syndicated_run" / "input"
    result = CliRunner().invoke(
        app, ["report", str(case / "lakeside.txt"), str(case / "valleynews.txt")], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "Syndicated runs" in result.stdout
    assert f"Sources (in {case})" in result.stdout
    assert "valleynews.txt:9-15 = lakeside.txt:11-17" in result.stdout


def test_subprocess_pipe_gets_times() -> None:
    """A real process fed by a pipe gives every block of a live blog its post and ISO time."""
    text = (FIXTURES / "timestamp_forms" / "input" / "edt.txt").read_text(encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "lbdedup", "clean", "--format", "jsonl", "-"],
        input=text.encode(),
        capture_output=True,
        check=True,
    )
    records = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [(r["post"], r["time"]) for r in records][1] == (1, "2023-09-12T14:05-04:00")
    assert {r["source"] for r in records} == {"-"}


def _seed(prefix: str, seeds: list[Path]) -> Path:
    found = [path for path in seeds if path.name.startswith(prefix)]
    if not found:
        pytest.skip(f"seed {prefix} is not in ../shared/seeds")
    return found[0]


def test_independent_snapshots_make_one_timeline(seeds: list[Path]) -> None:
    """Seeds 003 and 004 (one blog, two scrapes) come out as one timeline: every post once, with its time."""
    paths = [str(_seed("003", seeds)), str(_seed("004", seeds))]
    record = json.loads(_clean("--format", "json", *paths))
    assert len(record["timelines"]) == 1
    timeline = record["timelines"][0]
    assert timeline["sources"] == paths
    posts_of = {(copy["source"], copy["post"]) for post in timeline["posts"] for copy in post["copies"]}
    heads = {(head["source"], head["post"]) for head in timeline["heads"]}
    all_posts = {(b["source"], b["post"]) for b in record["blocks"]}
    # Every post of either file is in exactly one timeline entry (or is a page head).
    assert posts_of | heads == all_posts
    assert sum(len(post["copies"]) for post in timeline["posts"]) == len(posts_of)
    # Every post of the dated snapshot carries its time; the timeline runs newest first.
    dated = {(b["source"], b["post"]): b["time"] for b in record["blocks"] if b["source"] == paths[1]}
    times = [post["time"] for post in timeline["posts"] if post["time"] is not None]
    assert times == sorted(times, reverse=True)
    assert len(times) == len({t for (source, post), t in dated.items() if t is not None})
    assert times[0] == "2023-09-13T05:59"
    assert times[-1] == "2023-09-13T01:00"
    # Posts the two scrapes share are merged (the five posts both have), and take the dated copy's time.
    shared = [post for post in timeline["posts"] if len({c["source"] for c in post["copies"]}) == 2]
    assert len(shared) >= 5
    assert all(post["time"] for post in shared if post["copies"][0]["source"] == paths[1])
    # In the clean text each headline of a shared post appears once.
    text = _clean("--provenance", "none", *paths)
    for post in shared:
        heading = next(
            b["text"]
            for b in record["blocks"]
            if (b["source"], b["post"]) == (post["copies"][0]["source"], post["copies"][0]["post"])
            and b["kind"] == "heading"
        )
        assert text.count(heading + "\n") == 1, heading


def test_seed_timestamps_survive(seeds: list[Path]) -> None:
    """On all seeds together, every distinct timestamp line is kept (meta lines of posts never merge).

    Scrape dates at the top of a page are no post's meta: they are dropped as boilerplate.
    """
    record = json.loads(_clean("--format", "json", *(str(path) for path in seeds)))
    furniture = [b for b in record["blocks"] if b["kind"] == "timestamp" and b["status"] == "boilerplate"]
    assert all(b["reason"] == "scrape date at the top of the page" for b in furniture)
    stamps = {
        b["text"] for b in record["blocks"] if b["kind"] == "timestamp" and b["status"] != "boilerplate"
    }
    kept = {
        b["text"]
        for b in record["blocks"]
        if b["kind"] == "timestamp" and b["status"] in ("unique", "canonical")
    }
    assert stamps == kept
