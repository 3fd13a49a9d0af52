"""Forked workers give the same answers as one process, and failures surface once, in the caller."""

from __future__ import annotations

import os
import pickle
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import lbdedup.core
from lbdedup import Document, Options, dedupe
from lbdedup.parallel import MAX_PARTS, _can_fork, fork_map, interleaved_map, split_evenly, take_together
from lbdedup.render import render_json, render_json_bytes, render_jsonl_bytes

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
            time.sleep(0.1)  # so that the children take most parts, even on a busy machine
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


def test_fork_map_in_one_process() -> None:
    """One process, or one part, runs in order here."""
    assert fork_map(lambda part: (part, os.getpid()), [0, 1], processes=1) == [
        (0, os.getpid()),
        (1, os.getpid()),
    ]
    assert fork_map(str, [7], processes=4) == ["7"]
    assert fork_map(str, [], processes=4) == []


@pytest.mark.parametrize(
    "count", [MAX_PARTS, MAX_PARTS + 1, 3 * MAX_PARTS + 7], ids=["page", "page+1", "3pages"]
)
def test_fork_map_takes_any_number_of_parts(count: int) -> None:
    """More parts than a pipe page holds numbers are taken a few at a time: each once, answers in order."""
    marks = Path(tempfile.mkdtemp())

    def mark(part: int) -> int:
        (marks / f"{part}-{os.getpid()}").touch()
        return part * 2

    assert fork_map(mark, list(range(count)), processes=3) == [part * 2 for part in range(count)]
    assert sorted(int(name.name.split("-")[0]) for name in marks.iterdir()) == list(range(count))


def test_fork_map_starts_no_more_processes_than_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Asked for 100,000 processes (-j 100000), it forks at most one child a part but one."""
    forks: list[int] = []
    real_fork = os.fork

    def counting_fork() -> int:
        forks.append(1)
        return real_fork()

    monkeypatch.setattr(os, "fork", counting_fork)
    assert fork_map(str, [1, 2, 3], processes=100_000) == ["1", "2", "3"]
    assert len(forks) <= 2


def test_take_together_covers_each_number_once() -> None:
    """The groups are consecutive, cover every number once, and are at most as many as allowed."""
    for count in (0, 1, 5, MAX_PARTS, MAX_PARTS + 1, 5000):
        for most in (1, 2, 7, MAX_PARTS):
            groups = take_together(count, most)
            assert [number for group in groups for number in group] == list(range(count))
            assert len(groups) <= most
            assert all(len(group) > 0 for group in groups)


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
    assert split[0] <= 2 * lbdedup.core.FRONT_PARTS_PER_PROCESS
    assert split[1] == 2 * lbdedup.core.PARTS_PER_PROCESS
    assert split[2:] == [1, 1]


def test_front_columns_rebuild_the_same_blocks_keys_and_fingerprints() -> None:
    """What a forked worker sends back (columns, joined texts) rebuilds equal blocks, keys and hashes."""
    documents = [
        Document("a.txt", "05:59\n\nCafé « fermé » 👋 today.\n\nThe river rose two metres.\n"),
        Document("b.md", "# Flood live\n\n- first item\n\n10.42am BST\n\n* * *\n"),
    ]
    front = lbdedup.core._front(documents, Options(), range(2))
    packed = lbdedup.core._pack_front(documents, front)
    # The documents' own texts are not sent back: the parent has them.
    assert not any(isinstance(pool, str) and pool == documents[0].text for pool in packed.blocks.pools)
    rebuilt = lbdedup.core._unpack_front(documents, pickle.loads(pickle.dumps(packed)))
    assert tuple(rebuilt.blocks) == tuple(front.blocks)
    assert [block.source for block in rebuilt.blocks] == ["a.txt"] * 3 + ["b.md"] * 4
    assert rebuilt.keys == front.keys
    assert rebuilt.fingerprints.shingle_hashes.tolist() == front.fingerprints.shingle_hashes.tolist()


@pytest.mark.skipif(not _can_fork(), reason="no fork here")
def test_dedupe_with_129_jobs_matches_one_job(monkeypatch: pytest.MonkeyPatch) -> None:
    """Options(jobs=129) cuts the work into more parts than a pipe page holds, and changes nothing."""
    texts = sorted((FIXTURES).glob("*/input/*.txt"))
    documents = [
        Document(str(path.relative_to(FIXTURES)), path.read_text(encoding="utf-8")) for path in texts
    ]
    monkeypatch.setattr(lbdedup.core, "MIN_PARALLEL_CHARS", 0)
    monkeypatch.setattr(lbdedup.core, "MIN_PARALLEL_PAIRS", 0)
    split: list[int] = []

    def few_processes(function: Any, parts: Any, processes: int, *rest: Any) -> Any:
        split.append(len(parts))
        return fork_map(function, parts, min(processes, 3), *rest)  # 129 children would only load the machine

    monkeypatch.setattr(lbdedup.core, "fork_map", few_processes)
    assert render_json(dedupe(documents, Options(jobs=129))) == render_json(
        dedupe(documents, Options(jobs=1))
    )
    assert max(split) > MAX_PARTS


@pytest.mark.parametrize("count", [0, 1, 2, 5, 40])
@pytest.mark.parametrize("processes", [1, 2])
def test_interleaved_map_gives_every_answer_in_order(count: int, processes: int) -> None:
    """Odd answers from the child, even ones from here: the same list as a plain loop."""
    answers = list(interleaved_map(lambda number: f"{number}:{'x' * number}".encode(), count, processes))
    assert answers == [f"{number}:{'x' * number}".encode() for number in range(count)]


@pytest.mark.skipif(not _can_fork(), reason="no fork here")
def test_interleaved_map_redoes_what_a_dead_child_did_not_send() -> None:
    """A child that dies after two answers: the rest of its answers are made here, the same bytes."""
    caller = os.getpid()

    def answer(number: int) -> bytes:
        if os.getpid() != caller and number >= 5:
            os._exit(3)
        return str(number).encode()

    assert list(interleaved_map(answer, 9, processes=2)) == [str(number).encode() for number in range(9)]


@pytest.mark.skipif(not _can_fork(), reason="no fork here")
def test_interleaved_map_closed_early_leaves_no_child() -> None:
    """A reader that stops after the first answer: the child is killed and reaped, not left a zombie."""
    answers = interleaved_map(lambda number: b"x" * 100_000, 50, processes=2)
    assert next(answers) == b"x" * 100_000
    answers.close()
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


@pytest.mark.skipif(not _can_fork(), reason="no fork here")
def test_reports_made_on_two_cores_are_the_same_bytes() -> None:
    """JSON and JSONL of a run of more than four batches of blocks: -j 2 writes what -j 1 writes."""
    lines = [
        f"Line {number} of the feed, with words {number % 97} and {number % 13}." for number in range(9000)
    ]
    text = "\n".join(lines + lines[:500]) + "\n"
    result = dedupe([Document("a.txt", text), Document("b.txt", "Ünïcode “quotes” 👋\n" + text)])
    assert b"".join(render_json_bytes(result, jobs=2)) == b"".join(render_json_bytes(result, jobs=1))
    assert b"".join(render_json_bytes(result, jobs=2)) == render_json(result).encode()
    assert b"".join(render_jsonl_bytes(result, jobs=2)) == b"".join(render_jsonl_bytes(result, jobs=1))
