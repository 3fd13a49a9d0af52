"""Cluster stage: verified pairs to clusters, the same whatever order the pairs come in."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lbdedup.cluster import ContainedEdge, cluster_blocks


def test_exact_and_near_groups() -> None:
    """Exact representatives and near pairs union into groups named by their smallest block."""
    clustering = cluster_blocks([0, 1, 0, 3, 4], [(1, 3), (3, 4)], [], [5, 5, 5, 5, 5])
    assert tuple(clustering.group.tolist()) == (0, 1, 0, 1, 1)
    assert clustering.cluster.tolist() == clustering.group.tolist()


@pytest.mark.parametrize("order", list(itertools.permutations([(0, 4), (2, 4), (1, 3)])))
def test_pair_order_does_not_matter(order: tuple[tuple[int, int], ...]) -> None:
    """The groups are the same for every order of the near pairs."""
    clustering = cluster_blocks([0, 1, 2, 3, 4], order, [], [5] * 5)
    assert tuple(clustering.group.tolist()) == (0, 1, 0, 1, 0)


def test_contained_attaches_to_its_container() -> None:
    """An excerpt joins the cluster of the block that contains it."""
    clustering = cluster_blocks([0, 1, 2], [], [ContainedEdge(1, 0, 0.95)], [20, 8, 12])
    assert tuple(clustering.cluster.tolist()) == (0, 0, 2)
    assert tuple(clustering.group.tolist()) == (0, 1, 2)


def test_contained_in_two_containers_attaches_to_the_best() -> None:
    """A stock sentence contained in two unrelated paragraphs ties only to the best match; they stay apart."""
    edges = [ContainedEdge(2, 0, 0.92), ContainedEdge(2, 1, 0.97)]
    clustering = cluster_blocks([0, 1, 2], [], edges, [30, 30, 8])
    assert tuple(clustering.cluster.tolist()) == (0, 1, 1)


def test_contained_ties_go_to_the_earliest_container() -> None:
    """Equal scores and words attach to the earliest container, whatever the edge order."""
    edges = [ContainedEdge(2, 1, 0.95), ContainedEdge(2, 0, 0.95)]
    assert tuple(cluster_blocks([0, 1, 2], [], edges, [30, 30, 8]).cluster.tolist()) == (0, 1, 0)
    assert tuple(cluster_blocks([0, 1, 2], [], edges[::-1], [30, 30, 8]).cluster.tolist()) == (0, 1, 0)


@pytest.mark.parametrize(
    ("word_counts", "content_words", "cluster"),
    [
        ([7, 8, 8], None, (1, 1, 2)),  # equal words: the earliest container
        ([7, 8, 9], None, (2, 1, 2)),  # the container with more words
        ([7, 8, 8], [7, 7, 8], (2, 1, 2)),  # the first one's last word is a wire credit: the other says more
    ],
    ids=["equal", "more-words", "credit-not-counted"],
)
def test_contained_score_ties_go_to_the_container_that_says_most(
    word_counts: list[int], content_words: list[int] | None, cluster: tuple[int, ...]
) -> None:
    """Of containers matched equally well, the one with most words (a wire credit not counted) wins."""
    edges = [ContainedEdge(0, 1, 1.0), ContainedEdge(0, 2, 1.0)]
    assert tuple(cluster_blocks([0, 1, 2], [], edges, word_counts, content_words).cluster.tolist()) == cluster


def test_containment_chains_reach_the_top() -> None:
    """An excerpt of an excerpt ends in the cluster of the full text."""
    edges = [ContainedEdge(2, 1, 0.95), ContainedEdge(1, 0, 0.95)]
    assert tuple(cluster_blocks([0, 1, 2], [], edges, [30, 20, 10]).cluster.tolist()) == (0, 0, 0)


def test_container_must_be_larger() -> None:
    """A containment edge towards a group with no more words is ignored, so there are no cycles."""
    edges = [ContainedEdge(0, 1, 0.95), ContainedEdge(1, 0, 0.95)]
    assert tuple(cluster_blocks([0, 1], [], edges, [10, 10]).cluster.tolist()) == (0, 1)


def test_nothing() -> None:
    """No blocks, no clusters."""
    assert tuple(cluster_blocks([], [], [], []).cluster.tolist()) == ()


def _reference_clusters(
    representative: list[int], near: list[tuple[int, int]], edges: list[ContainedEdge], words: list[int]
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The clustering as the first implementation computed it: union-find, then containment, item by item."""
    parent = list(representative)

    def find(item: int) -> int:
        while parent[item] != item:
            item = parent[item]
        return item

    for a, b in near:
        low, high = sorted((find(a), find(b)))
        parent[high] = low
    group = [find(item) for item in range(len(parent))]
    weight: dict[int, int] = {}
    for item, root in enumerate(group):
        weight[root] = max(weight.get(root, 0), words[item])
    best: dict[int, tuple[float, int, int]] = {}
    for edge in edges:
        part, whole = group[edge.part], group[edge.whole]
        if part != whole and weight[whole] > weight[part]:
            current = best.get(part)
            candidate = (-edge.score, -weight[whole], whole)
            if current is None or candidate < current:
                best[part] = candidate

    def top(root: int) -> int:
        while root in best:
            root = best[root][2]
        return root

    return tuple(group), tuple(top(root) for root in group)


@st.composite
def _clustering_inputs(
    draw: st.DrawFn,
) -> tuple[list[int], list[tuple[int, int]], list[ContainedEdge], list[int]]:
    size = draw(st.integers(1, 30))
    # Each block's exact representative is itself or an earlier block that represents itself.
    representative: list[int] = []
    for item in range(size):
        earlier = [index for index in range(item) if representative[index] == index]
        representative.append(draw(st.sampled_from([item, *earlier])))
    pair = st.tuples(st.integers(0, size - 1), st.integers(0, size - 1))
    near = draw(st.lists(pair, max_size=12))
    scores = st.sampled_from([0.9, 0.95, 1.0])
    edges = draw(
        st.lists(st.builds(ContainedEdge, st.integers(0, size - 1), st.integers(0, size - 1), scores))
    )
    words = draw(st.lists(st.integers(0, 40), min_size=size, max_size=size))
    return representative, near, edges, words


@given(_clustering_inputs())
def test_clusters_match_the_item_by_item_reference(
    inputs: tuple[list[int], list[tuple[int, int]], list[ContainedEdge], list[int]],
) -> None:
    """Vectorized root finding and containment give the clustering the item-by-item algorithm gave."""
    representative, near, edges, words = inputs
    clustering = cluster_blocks(representative, near, edges, words)
    found = (tuple(clustering.group.tolist()), tuple(clustering.cluster.tolist()))
    assert found == _reference_clusters(representative, near, edges, words)
