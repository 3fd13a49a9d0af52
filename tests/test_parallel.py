"""Forked workers give the same answers as one process, and failures surface once, in the caller."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import lbdedup.core
from lbdedup import Document, Options, dedupe
from lbdedup.parallel import MAX_PARTS, _can_fork, fork_map, split_evenly
from lbdedup.render import render_json

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@given(st.lists(st.integers(min_value=0, max_value=50), max_size=30), st.integers(min_value=1, max_value=4))
def test_split_evenly_covers_every_position_once_in_order(weights: list[int], parts: int) -> None:
    """The ranges are consecutive, cover every position once and are no more than asked for."""
    ranges = split_evenly(weights, parts)
    assert [position for part in ranges for position in part] == list(range(len(weights)))
    assert len(ranges) <= parts
    assert all(len(part) > 0 for part in ranges)


@pytest.mark.skipif(not _can_fork(), reason="no fork here")
def test_fork_map_answers_in_order_whichever_process_took_a_part() -> None:
    """Children answer some parts, and the answers come back in part order."""

    def slow_here(part: int) -> tuple[int, int]:
        if os.getpid() == parent:
            time.sleep(0.02)  # so that the children take most parts
        return part, os.getpid()

    parent = os.getpid()
    answers = fork_map(slow_here, list(range(12)), processes=3)
    assert [part for part, _ in answers] == list(range(12))
    assert {pid for _, pid in answers} - {parent}


@pytest.mark.skipif(not _can_fork(), reason="no fork here")
def test_fork_map_takes_each_part_once() -> None:
    """However the processes race for parts, each part is answered by exactly one of them."""
    marks = Path(tempfile.mkdtemp())
    fork_map(lambda part: (marks / f"{part}-{os.getpid()}").touch(), list(range(40)), processes=4)
    taken = sorted(int(mark.name.split("-")[0]) for mark in marks.iterdir())
    assert taken == list(range(40))


def test_fork_map_redoes_a_failed_part_and_raises_here() -> None:
    """A part that fails in a child is redone in the caller, where its exception is raised."""
    parent = os.getpid()
    failed = Path(tempfile.mkdtemp())

    def fails_in_children(part: int) -> int:
        if os.getpid() != parent:
            (failed / str(part)).touch()
            raise RuntimeError("child broke")
        time.sleep(0.02)  # so that the children take parts
        return part * 10

    assert fork_map(fails_in_children, [1, 2, 3, 4], processes=3) == [10, 20, 30, 40]
    if _can_fork():
        assert list(failed.iterdir())
    with pytest.raises(ZeroDivisionError):
        fork_map(lambda part: 1 // part, [1, 0], processes=2)


def test_fork_map_in_one_process_and_its_limit() -> None:
    """One process, or one part, runs in order here; more parts than a pipe page holds are refused."""
    assert fork_map(lambda part: (part, os.getpid()), [0, 1], processes=1) == [
        (0, os.getpid()),
        (1, os.getpid()),
    ]
    assert fork_map(str, [7], processes=4) == ["7"]
    assert fork_map(str, [], processes=4) == []
    with pytest.raises(ValueError, match="at most"):
        fork_map(str, list(range(MAX_PARTS + 1)), processes=2)


@pytest.mark.skipif(not _can_fork(), reason="no fork here")
def test_dedupe_with_two_jobs_matches_one_job(monkeypatch: pytest.MonkeyPatch) -> None:
    """Splitting the per-file stages and verification over two processes changes nothing in the report."""
    texts = sorted((FIXTURES).glob("*/input/*.txt"))
    documents = [
        Document(str(path.relative_to(FIXTURES)), path.read_text(encoding="utf-8")) for path in texts
    ]
    assert len(documents) > 4
    monkeypatch.setattr(lbdedup.core, "MIN_PARALLEL_CHARS", 0)
    monkeypatch.setattr(lbdedup.core, "MIN_PARALLEL_PAIRS", 0)
    split: list[int] = []

    def counting_fork_map(function: Any, parts: Any, *rest: Any) -> Any:
        split.append(len(parts))
        return fork_map(function, parts, *rest)

    monkeypatch.setattr(lbdedup.core, "fork_map", counting_fork_map)
    forked = render_json(dedupe(documents, Options(jobs=2)))
    assert forked == render_json(dedupe(documents, Options(jobs=1)))
    # Front and verification in several parts with two jobs, in one part with one.
    assert split[0] > 2
    assert split[1] == 2 * lbdedup.core.PARTS_PER_PROCESS
    assert split[2:] == [1, 1]


def test_front_columns_rebuild_the_same_blocks_keys_and_fingerprints() -> None:
    """What a forked worker sends back (columns, joined texts) rebuilds equal blocks, keys and hashes."""
    documents = [
        Document("a.txt", "05:59\n\nCafé « fermé » 👋 today.\n\nThe river rose two metres.\n"),
        Document("b.md", "# Flood live\n\n- first item\n\n10.42am BST\n\n* * *\n"),
    ]
    front = lbdedup.core._front(documents, Options(), range(2))
    rebuilt = lbdedup.core._unpack_front(documents, lbdedup.core._pack_front(front))
    assert tuple(rebuilt.blocks) == tuple(front.blocks)
    assert [block.source for block in rebuilt.blocks] == ["a.txt"] * 3 + ["b.md"] * 4
    assert rebuilt.keys == front.keys
    assert rebuilt.fingerprints.shingle_hashes.tolist() == front.fingerprints.shingle_hashes.tolist()
