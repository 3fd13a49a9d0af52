"""The whole pipeline through ``dedupe``: the issue's detection list, within one file and across files."""

from __future__ import annotations

import pytest

import lbdedup.core
from lbdedup import BlockResult, DedupeResult, Document, KeepPolicy, MatchKind, Options, Status, dedupe
from lbdedup.core import FeatureCache, clean_text, match_keys, segment_all
from lbdedup.model import KIND_CODES
from lbdedup.render import render_json

BASE = (
    "The council said the Skelby bridge would stay closed until engineers had inspected the damaged cables."
)
LONG = BASE + " Police have set up checkpoints at both ends of the road to turn back sightseers."
CAPTION = "Rovers supporters gather outside the Tenter Lane ground before kick-off."
TITLE = "Flood live: River Tamsel bursts its banks as hundreds are rescued from homes"
FILLER = "Rain is expected to ease by the evening, forecasters said."

BOTH = ("one-file", "two-files")
SHORT = "Skelby ferry sailings cancelled until Friday."
# (id, kept text, dropped text, match, layouts): the kept text comes first in the input.
COPIES = [
    ("exact", BASE, BASE, MatchKind.EXACT, BOTH),
    (
        "curly-quotes",
        f"“We will rebuild,” she said. {BASE}",
        f'"We will rebuild," she said. {BASE}',
        MatchKind.EXACT,
        BOTH,
    ),
    ("spacing", BASE, BASE.replace(" ", "  "), MatchKind.EXACT, BOTH),
    ("dropped-period", BASE, BASE[:-1], MatchKind.EXACT, BOTH),
    ("typo", BASE, BASE.replace("engineers", "enginers"), MatchKind.NEAR, BOTH),
    ("credit-reuters", BASE, BASE + " (Reuters)", MatchKind.NEAR, BOTH),
    ("credit-afp", LONG, LONG + " – AFP", MatchKind.NEAR, BOTH),
    # Too short for the near threshold of short blocks: the credited copy is found as the container.
    ("credit-reuters-short", SHORT, SHORT + " (Reuters)", MatchKind.NEAR, BOTH),
    ("truncated", LONG, LONG[:120].rstrip() + "…", MatchKind.CONTAINED, BOTH),
    ("truncated-short", LONG, LONG[:70].rstrip() + "…", MatchKind.CONTAINED, BOTH),
    ("caption-credit", f"{CAPTION} Photograph: Corin Vale/AP", CAPTION, MatchKind.CONTAINED, BOTH),
    ("breadcrumb", TITLE, "HomeNewsWorld" + TITLE, MatchKind.NEAR, BOTH),
    # A title cut short is a title only at the top of a page; mid-page, a line cut short is an excerpt.
    (
        "breadcrumb-truncated",
        TITLE,
        "HomeNewsWorld" + TITLE[:56] + "...",
        MatchKind.CONTAINED,
        ("top-of-second-file",),
    ),
    # The most complete copy is kept: here the one with the date (boilerplate removal is a later stage).
    ("date-glued", "14 November 2024 " + TITLE, TITLE, MatchKind.CONTAINED, BOTH),
]
COPY_CASES = [
    pytest.param(layout, kept, dropped, match, id=f"{name}-{layout}")
    for name, kept, dropped, match, layouts in COPIES
    for layout in layouts
]


def _layouts(kept: str, dropped: str) -> dict[str, list[Document]]:
    return {
        "one-file": [Document("a.txt", f"{kept}\n\n{FILLER}\n\n{dropped}\n")],
        "two-files": [
            Document("a.txt", f"{kept}\n\n{FILLER}\n"),
            Document("b.txt", f"{FILLER}\n\n{dropped}\n"),
        ],
        "top-of-second-file": [Document("a.txt", f"{kept}\n"), Document("b.txt", f"{dropped}\n\n{FILLER}\n")],
    }


def _by_text(result: DedupeResult, text: str) -> list[BlockResult]:
    return [r for r in result.blocks if r.block.text == text]


@pytest.mark.parametrize(("layout", "kept", "dropped", "match"), COPY_CASES)
def test_copies_are_dropped(layout: str, kept: str, dropped: str, match: MatchKind) -> None:
    """Each kind of copy is dropped as a duplicate of the complete copy, which is kept."""
    documents = _layouts(kept, dropped)[layout]
    result = dedupe(documents)
    kept_results = [r for r in result.blocks if r.block.text == kept and r.status.kept]
    dropped_results = [r for r in result.blocks if r.block.text == dropped and r.status is Status.DUPLICATE]
    assert len(kept_results) == 1
    assert kept_results[0].status is Status.CANONICAL
    assert len(dropped_results) == 1
    duplicate = dropped_results[0]
    assert duplicate.match is match
    assert duplicate.duplicate_of is not None
    assert (duplicate.duplicate_of.source, duplicate.duplicate_of.index) == (
        kept_results[0].block.source,
        kept_results[0].block.index,
    )
    assert duplicate.cluster == kept_results[0].cluster is not None


@pytest.mark.parametrize("layout", ["one-file", "two-files"])
@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("05:59", "05:43"),
        ("Marta Oyelaran14 June 2025 05:59", "Marta Oyelaran14 June 2025 05:43"),
        ("Goal! Rovers 2-1 City", "Goal! Rovers 3-1 City"),
        ("2-1", "3-1"),
        ("Updated at 2.55pm", "Updated at 2.50pm"),
        (BASE.replace("until", "for 14 days until"), BASE.replace("until", "for 15 days until")),
        ("Half-time", "Full-time"),
        ("Key events", "Key event"),
        ("Power players", "Defence leaders"),
    ],
    ids=[
        "timestamps",
        "glued-timestamps",
        "scores",
        "bare-scores",
        "updated",
        "numbers-in-prose",
        "half-full",
        "key-events",
        "labels",
    ],
)
def test_must_not_merge(layout: str, first: str, second: str) -> None:
    """Blocks that differ in a number and short look-alikes are all kept."""
    result = dedupe(_layouts(first, second)[layout])
    assert all(r.status is not Status.DUPLICATE for r in result.blocks if r.block.text in (first, second))


def test_headline_and_the_paragraph_it_introduces() -> None:
    """A headline is never dropped as a copy of the paragraph that expands it, nor the paragraph."""
    headline = "Putin says Russia will help North Korea build satellites"
    paragraph = (
        "Putin says Russia will help North Korea build satellites, as he tours the cosmodrome with Kim."
    )
    result = dedupe([Document("a.txt", f"15.10 BST\n\n{headline}\n\n{paragraph}\n")])
    assert [r.status for r in result.blocks] == [Status.UNIQUE] * 3


def test_repeated_pinned_post_within_one_file() -> None:
    """A pinned post printed twice in one page keeps its first copy; different posts stay."""
    pinned = f"{TITLE}\n\n{BASE}\n\n{FILLER}\n\n"
    text = f"{pinned}16.10 BST\n\nGoal! Rovers 2-1 City\n\n{pinned}15.40 BST\n\nGoal! Rovers 1-1 City\n"
    result = dedupe([Document("a.txt", text)])
    assert [r.status.value for r in result.blocks] == [
        "canonical",
        "canonical",
        "canonical",
        "unique",
        "unique",
        "duplicate",
        "duplicate",
        "duplicate",
        "unique",
        "unique",
    ]


def test_keep_first_versus_longest() -> None:
    """``first`` keeps the earliest complete copy; ``longest`` the copy with the most words."""
    short, longer = BASE, BASE.replace("the damaged", "all of the damaged")
    documents = [Document("a.txt", f"{short}\n"), Document("b.txt", f"{longer}\n")]
    longest = dedupe(documents, Options(keep=KeepPolicy.LONGEST))
    first = dedupe(documents, Options(keep=KeepPolicy.FIRST))
    assert [r.status for r in longest.blocks] == [Status.DUPLICATE, Status.CANONICAL]
    assert [r.status for r in first.blocks] == [Status.CANONICAL, Status.DUPLICATE]


def test_keep_first_never_keeps_an_excerpt() -> None:
    """With ``first``, an excerpt that comes before the full text is still dropped in its favour."""
    documents = [Document("a.txt", f"{FILLER}\n\n{LONG[:120].rstrip()}…\n"), Document("b.txt", f"{LONG}\n")]
    result = dedupe(documents, Options(keep=KeepPolicy.FIRST))
    assert [r.status for r in result.blocks] == [Status.UNIQUE, Status.DUPLICATE, Status.CANONICAL]


def test_clusters_and_summaries_agree() -> None:
    """Cluster members are exactly the blocks carrying that cluster id; source counts add up."""
    text = f"{TITLE}\n\n{BASE}\n\n{BASE}\n\n{CAPTION}\n{CAPTION} Photograph: AP\n\n{BASE}\n"
    result = dedupe([Document("a.txt", text), Document("b.txt", f"{CAPTION}\n\n{FILLER}\n")])
    for cluster in result.clusters:
        members = {(m.ref.source, m.ref.index) for m in cluster.members}
        carrying = {(r.block.source, r.block.index) for r in result.blocks if r.cluster == cluster.id}
        assert members == carrying
        assert (cluster.canonical.source, cluster.canonical.index) in members
    for summary in result.sources:
        assert summary.blocks == summary.kept + summary.duplicates + summary.boilerplate
    assert sum(s.blocks for s in result.sources) == len(result.blocks)


def test_deterministic() -> None:
    """The same input gives byte-identical JSON, run after run."""
    documents = [
        Document("a.txt", f"{TITLE}\n\n{BASE}\n\n{LONG}\n"),
        Document("b.txt", f"{LONG} (Reuters)\n"),
    ]
    assert render_json(dedupe(documents)) == render_json(dedupe(list(documents)))


def test_empty_inputs() -> None:
    """No documents, or empty ones, give an empty result."""
    assert dedupe([]).blocks == ()
    result = dedupe([Document("a.txt", ""), Document("b.txt", "\n\n")])
    assert result.blocks == ()
    assert [s.blocks for s in result.sources] == [0, 0]
    assert clean_text("") == ""


def test_punctuation_only_blocks() -> None:
    """Lines of punctuation alone are blocks and match only their exact repeats."""
    result = dedupe([Document("a.txt", "* * *\n\n---\n\n* * *\n")])
    assert [r.status for r in result.blocks] == [Status.CANONICAL, Status.UNIQUE, Status.DUPLICATE]


def test_segment_all_numbers_documents() -> None:
    """Blocks know the position of their document in the input."""
    blocks = segment_all([Document("a.txt", "One.\n\nTwo.\n"), Document("b.txt", "Three.\n")])
    assert [(b.doc, b.source, b.index) for b in blocks] == [(0, "a.txt", 0), (0, "a.txt", 1), (1, "b.txt", 0)]


def test_hash_function_is_used() -> None:
    """The run's hash function decides the exact hashes: a constant one merges nothing that differs."""
    result = dedupe(
        [Document("a.txt", f"{BASE}\n\n{FILLER}\n\n{BASE}\n")], Options(hash_function=lambda data: len(data))
    )
    assert [r.status for r in result.blocks] == [Status.CANONICAL, Status.UNIQUE, Status.DUPLICATE]


def test_feature_cache_forgets_all_but_the_kept_blocks_and_remakes_the_others() -> None:
    """keep_only frees the other blocks' Features; asked again, they are made again, equal to the first."""
    blocks = segment_all([Document("a.txt", "Rain all day in the valley.\n\nRain all night in the town.\n")])
    features_of = FeatureCache([KIND_CODES[block.kind] for block in blocks], match_keys(blocks))
    first, second = features_of(0), features_of(1)
    features_of.keep_only([1, 5])
    assert features_of(1) is second
    again = features_of(0)
    assert again is not first
    assert again == first


def test_feature_cache_holds_at_most_its_bound_and_answers_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bound of two Features: the oldest go, a block asked again gets equal Features, results unchanged."""
    texts = [
        f"Rain all day in the valley number {number}, said the mayor of the town." for number in range(6)
    ]
    document = Document("a.txt", "\n\n".join(texts + texts[::-1]) + "\n")
    unbounded = render_json(dedupe([document]))
    monkeypatch.setattr(lbdedup.core, "MAX_CACHED_FEATURES", 2)
    blocks = segment_all([document])
    features_of = FeatureCache([KIND_CODES[block.kind] for block in blocks], match_keys(blocks))
    first = features_of(0)
    features_of(1)
    features_of(2)
    assert len(features_of._features) == 2
    assert features_of(0) == first
    assert render_json(dedupe([document])) == unbounded
