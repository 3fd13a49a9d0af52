"""Post matching, timelines, text sections and runs with numpy give what the per-block versions gave."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lbdedup.model import (
    META_KINDS,
    Block,
    BlockKind,
    BlockResult,
    DedupeResult,
    Document,
    Options,
    PostOrder,
    Status,
)
from lbdedup.postmatch import (
    component_minimum,
    group_pairs,
    merge_repeated_meta,
    overlap_table,
    post_arrays,
    post_overlaps,
)
from lbdedup.runs import find_runs
from lbdedup.timeline import _time_facts, _times_facts, build_timelines, text_sections, time_key

from . import reference_live as reference

TIMES = [
    *(None, None, "2023-09-13T05:59+01:00", "2023-09-13T05:59:07+01:00", "15:53", "-PT2H", "-PT3H"),
    *("2023-09-13", "2023-09-14T01:00", "09:00+00:00", "2023-09-12T23:10", "10:22+00:00", "2023-09-14"),
]
META_TEXTS = ["by kim", "10.22", "by lee", "a"]
EXAMPLES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ORDERS = [Options(), Options(order=PostOrder.INPUT), Options(newest_first=False)]


@st.composite
def runs_of_blocks(draw: st.DrawFn) -> tuple[list[Block], list[str], list[int]]:
    """Blocks of a few sources with posts (numbered in order, at random or none), their keys and clusters."""
    blocks: list[Block] = []
    for doc in range(draw(st.integers(1, 4))):
        style = draw(st.sampled_from(["none", "random", "ordered", "ordered", "mixed"]))
        post = 0
        for index in range(draw(st.integers(0, 12))):
            if style == "none":
                number = None
            elif style == "random":
                number = draw(st.integers(0, 4))
            elif style == "mixed":
                number = draw(st.sampled_from([None, 0, 1, 2]))
            else:
                post += draw(st.sampled_from([0, 0, 1])) if index else 0
                number = post
            kind = draw(st.sampled_from([BlockKind.PARAGRAPH, BlockKind.PARAGRAPH, *BlockKind]))
            time = draw(st.sampled_from(TIMES))
            blocks.append(Block(doc, f"s{doc}.txt", index, index + 1, index + 1, kind, "x", number, time))
    if draw(st.booleans()):
        blocks = draw(st.permutations(blocks))
    count = len(blocks)
    named = draw(st.lists(st.integers(0, max(count - 1, 0)), min_size=1, max_size=max(count // 2, 1)))
    clusters = []
    for index, block in enumerate(blocks):
        copied = count and block.kind not in META_KINDS and draw(st.booleans())
        clusters.append(draw(st.sampled_from(named)) if copied else index)
    keys = [draw(st.sampled_from(META_TEXTS)) if block.kind in META_KINDS else "p" for block in blocks]
    return blocks, keys, clusters


def results_of(blocks: list[Block], clusters: list[int], statuses: list[Status]) -> DedupeResult:
    """A run's result over ``blocks`` (each in its cluster, every third block in none)."""
    items = tuple(
        BlockResult(block, status, None if index % 3 == 2 else cluster)
        for index, (block, cluster, status) in enumerate(zip(blocks, clusters, statuses, strict=False))
    )
    documents = tuple(
        Document(f"s{doc}.txt", "") for doc in range(max((b.doc for b in blocks), default=0) + 1)
    )
    return DedupeResult("0", documents, items, (), ())


@EXAMPLES
@given(runs_of_blocks(), st.lists(st.sampled_from(list(Status)), min_size=60, max_size=60))
def test_the_array_versions_match_the_per_block_ones(
    run: tuple[list[Block], list[str], list[int]], statuses: list[Status]
) -> None:
    """Meta merging, timelines (every order), text sections and runs equal the per-block reference."""
    blocks, keys, clusters = run
    group, cluster = merge_repeated_meta(blocks, keys, clusters, clusters)
    assert (group.tolist(), cluster.tolist()) == reference.merge_repeated_meta(
        blocks, keys, clusters, clusters
    )
    result = results_of(blocks, cluster.tolist(), (statuses * (len(blocks) // 60 + 1))[: len(blocks)])
    for options in ORDERS:
        timelines = build_timelines(result, options)
        assert timelines == reference.build_timelines(result, options)
        with_timelines = replace(result, timelines=timelines)
        assert text_sections(with_timelines) == reference.text_sections(with_timelines)
    assert find_runs(result.blocks) == reference.find_runs(result.blocks)
    in_order = tuple(sorted(result.blocks, key=lambda item: (item.block.doc, item.block.index)))
    assert find_runs(in_order) == reference.find_runs(in_order)


@pytest.mark.parametrize(
    ("count", "first", "second", "expected"),
    [
        (3, [], [], [0, 1, 2]),
        (5, [4, 3, 2], [3, 2, 1], [0, 1, 1, 1, 1]),
        (6, [5, 0], [4, 5], [0, 1, 2, 3, 0, 0]),
        (4, [2, 2], [2, 3], [0, 1, 2, 2]),
    ],
)
def test_components_are_named_by_their_smallest_node(
    count: int, first: list[int], second: list[int], expected: list[int]
) -> None:
    """Every node gets the smallest node joined to it, self-loops and chains included."""
    found = component_minimum(count, np.array(first, dtype=np.int64), np.array(second, dtype=np.int64))
    assert found.tolist() == expected


@given(st.integers(1, 40).flatmap(lambda count: st.tuples(st.just(count), edges_among(count))))
def test_components_match_a_union_find_keeping_the_smaller_root(
    graph: tuple[int, list[tuple[int, int]]],
) -> None:
    """Any graph, chains numbered at random included: the labels a plain union-find would give."""
    count, edges = graph
    parent = list(range(count))

    def find(node: int) -> int:
        while parent[node] != node:
            node = parent[node]
        return node

    for a, b in edges:
        root_a, root_b = find(a), find(b)
        parent[max(root_a, root_b)] = min(root_a, root_b)
    first = np.array([a for a, _ in edges], dtype=np.int64)
    second = np.array([b for _, b in edges], dtype=np.int64)
    assert component_minimum(count, first, second).tolist() == [find(node) for node in range(count)]


def edges_among(count: int) -> st.SearchStrategy[list[tuple[int, int]]]:
    """Random edges, or a path through all nodes in a random order (the slowest shape to label)."""
    node = st.integers(0, count - 1)
    path = st.permutations(list(range(count))).map(lambda order: list(itertools.pairwise(order)))
    return st.one_of(st.lists(st.tuples(node, node), max_size=60), path)


@given(st.lists(st.integers(1, 5), max_size=6))
def test_group_pairs_are_every_ordered_pair_inside_each_group(sizes: list[int]) -> None:
    """Pairs come group by group, then by first member, then by second, never a member with itself."""
    starts = np.cumsum([0, *sizes])[:-1].astype(np.intp) * 2
    left, right = group_pairs(starts, np.array(sizes, dtype=np.intp))
    expected = [
        (start + i, start + j)
        for start, size in zip(starts.tolist(), sizes, strict=True)
        for i in range(size)
        for j in range(size)
        if i != j
    ]
    assert list(zip(left.tolist(), right.tolist(), strict=True)) == expected


@EXAMPLES
@given(runs_of_blocks())
def test_overlap_table_agrees_with_post_overlaps(run: tuple[list[Block], list[str], list[int]]) -> None:
    """The arrays hold the same shared counts, sizes and headlines as the per-post dictionaries."""
    blocks, _, clusters = run
    ids, keys = post_arrays([(b.doc, b.post) if b.post is not None else None for b in blocks])
    meta = np.array([b.kind in META_KINDS for b in blocks], dtype=bool)
    heading = np.array([b.kind is BlockKind.HEADING for b in blocks], dtype=bool)
    cluster_ids = np.array(clusters, dtype=np.int64)
    table = overlap_table(ids, len(keys), cluster_ids, meta, heading)
    overlaps = post_overlaps(ids, keys, cluster_ids, meta, heading)
    pairs = zip(table.first.tolist(), table.second.tolist(), table.shared.tolist(), strict=True)
    assert {(keys[p], keys[q]): n for p, q, n in pairs} == {
        (p, q): n for p, row in overlaps.shared.items() for q, n in row.items()
    }
    assert {keys[p]: n for p, n in enumerate(table.sizes.tolist()) if n} == dict(overlaps.sizes)


@given(st.text(alphabet="0123456789-T:+PDHMSZ\u0665", max_size=26))
def test_time_facts_are_time_key_and_the_date_test(time: str) -> None:
    """The fast path for ISO times changes nothing: the same (date, clock), the same "has a date"."""
    if time:
        date, clock, dated = _time_facts(time)
        assert (date, clock) == time_key(time)
        assert dated == (len(time) >= 10 and time[4] == "-" and not time.startswith("-"))


def _broken(time: str, changes: list[tuple[int, str]], cut: int) -> str:
    for position, char in changes:
        time = time[:position] + char + time[position + 1 :]
    return time[:cut]


# Times shaped like "2023-09-13T05:59[:07]…", broken at a place or two (mostly where the shape is told
# apart), cut anywhere.
PLACES = st.one_of(st.sampled_from([0, 4, 9, 10, 12, 13, 15, 16, 18]), st.integers(0, 18))
ISO_TIMES = st.one_of(
    st.text(alphabet="0123456789-T:+PDHMSZ\u0665\n", max_size=26),
    st.builds(
        _broken,
        st.sampled_from(["", ":07", ":0\u0665", "+01:00", "Z", ":07+01:00"]).map("2023-09-13T05:59".__add__),
        st.lists(st.tuples(PLACES, st.sampled_from("T-:\u06657x")), max_size=2),
        st.integers(0, 26),
    ),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(ISO_TIMES, max_size=12))
@example(
    [
        "-023-09-13T05:59",
        "2023-09-1TT05:59",
        "20T3-09-13T05:59",
        "2023-09-13T05:5\u0665",
        "2023-09-13T05:59:0",
    ]
)
@example(["2023-09-13T05:59:07+01:00", "2023-09-13T05:59:0\u0665", "2023-09-13T5:59", "15:53", "-PT2H", ""])
def test_times_facts_are_time_facts_of_each(times: list[str]) -> None:
    """The regex over many times gives what _time_facts gives for each."""
    dates, clocks, dated = _times_facts(times)
    assert list(zip(dates, clocks, dated.tolist(), strict=True)) == [_time_facts(time) for time in times]
