"""Verify stage: exact, near and contained verdicts, and the vetoes that keep different blocks apart."""

from __future__ import annotations

import pytest

from lbdedup.model import BlockKind, MatchKind, Options
from lbdedup.normalize import normalize
from lbdedup.verify import Features, compare, containment, verify

P = BlockKind.PARAGRAPH
H = BlockKind.HEADING
C = BlockKind.CAPTION
T = BlockKind.TIMESTAMP
BASE = (
    "The council said the Skelby bridge would stay closed until engineers had inspected the damaged cables."
)


def _features(kind: BlockKind, text: str) -> Features:
    return Features.of(kind, normalize(text))


@pytest.mark.parametrize(
    ("a", "b", "match"),
    [
        ((P, BASE), (P, BASE), MatchKind.EXACT),
        ((P, BASE), (P, BASE.replace("Skelby", "Skleby")), MatchKind.NEAR),
        ((P, BASE), (P, BASE.replace("damaged", "damged")), MatchKind.NEAR),
        ((P, BASE), (P, BASE + " (Reuters)"), MatchKind.NEAR),
        ((P, BASE), (P, BASE[:-1] + " – AFP"), MatchKind.NEAR),
        (
            (P, BASE + " Police set up checkpoints at both ends of the road."),
            (P, BASE[:60] + "…"),
            MatchKind.CONTAINED,
        ),
        (
            (C, "Rovers supporters gather outside the ground before kick-off."),
            (
                C,
                "Rovers supporters gather outside the ground before kick-off. Photograph: Corin Vale/AP",
            ),
            MatchKind.CONTAINED,
        ),
        (
            (H, "Flood live: River Tamsel bursts its banks as hundreds are rescued"),
            (H, "HomeNewsFlood live: River Tamsel bursts its banks as hund..."),
            MatchKind.CONTAINED,
        ),
        (
            (H, "Flood live: River Tamsel bursts its banks as hundreds are rescued"),
            (H, "14 November 2024 Flood live: River Tamsel bursts its banks as hundreds are rescued"),
            MatchKind.CONTAINED,
        ),
    ],
    ids=[
        "exact",
        "typo",
        "typo2",
        "reuters",
        "afp",
        "truncated",
        "caption-credit",
        "breadcrumb",
        "date-glued",
    ],
)
def test_copies(a: tuple[BlockKind, str], b: tuple[BlockKind, str], match: MatchKind) -> None:
    """Each kind of copy the issue lists is verified as that kind of match, in either order."""
    left, right = _features(*a), _features(*b)
    for first, second in ((left, right), (right, left)):
        verdict = verify(first, second, Options())
        assert verdict is not None
        assert verdict.match is match
        assert 0.0 < verdict.similarity <= 1.0


def test_contained_names_the_container() -> None:
    """A contained verdict says which side holds the other."""
    part, whole = _features(P, BASE[:60] + "…"), _features(P, BASE + " Police set up checkpoints.")
    forward, backward = verify(part, whole, Options()), verify(whole, part, Options())
    assert forward is not None
    assert forward.container == 1
    assert backward is not None
    assert backward.container == 0


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ((T, "05:59"), (T, "05:43")),
        ((T, "Marta Oyelaran14 June 2025 05:59"), (T, "Marta Oyelaran14 June 2025 05:43")),
        ((H, "Goal! Rovers 2-1 City"), (H, "Goal! Rovers 3-1 City")),
        ((P, BASE.replace("until", "for 14 days until")), (P, BASE.replace("until", "for 15 days until"))),
        (
            (P, "The union says 600 jobs are at risk from the cranes the port wants by spring."),
            (P, "The union says 650 jobs are at risk from the cranes the port wants by spring."),
        ),
        (
            (H, "Police close the Skelby bridge after gusts of 90mph"),
            (P, "Police close the Skelby bridge after gusts of 90mph, the council said on Wednesday."),
        ),
        ((H, "Key events"), (H, "Key event")),
        ((H, "Half-time"), (H, "Full-time")),
        ((H, "Power players"), (H, "Power player")),
        ((P, "Rain all day in the north."), (P, "Rain all day in the south.")),
        (
            (P, BASE),
            (
                P,
                "A heatwave grips the south as records fall in three cities and hospitals open wards.",
            ),
        ),
        (
            (P, "Both candidates have asked for the doubtful ballot papers to be set aside."),
            (
                P,
                "Both candidates have asked for the doubtful ballot papers to be set aside. "
                + " ".join(["More."] * 60),
            ),
        ),
    ],
    ids=[
        "timestamps",
        "glued-timestamps",
        "scores",
        "days",
        "jobs",
        "headline-vs-paragraph",
        "key-events",
        "half-full",
        "labels",
        "short-lookalike",
        "unrelated",
        "small-part-of-huge",
    ],
)
def test_must_not_merge(a: tuple[BlockKind, str], b: tuple[BlockKind, str]) -> None:
    """Blocks that differ in a number, headlines and their paragraphs, and short look-alikes stay apart."""
    left, right = _features(*a), _features(*b)
    assert verify(left, right, Options()) is None
    assert verify(right, left, Options()) is None


def test_meta_lines_only_match_exactly() -> None:
    """Even long meta lines never match fuzzily."""
    a = _features(BlockKind.BYLINE, "By Helen Livingstone and Justin McCurry in Vladivostok today")
    b = _features(BlockKind.BYLINE, "By Helen Livingstone and Justin McCurry in Vladivostok tonight")
    assert verify(a, b, Options()) is None


@pytest.mark.parametrize(
    ("part", "whole", "share"),
    [
        (("kim", "waves"), ("kim", "waves", "photograph", "ap"), 1.0),
        (("kim", "kim"), ("kim", "waves"), 0.5),
        ((), ("kim",), 0.0),
        (("homenewsflood", "live", "hund"), ("flood", "live", "hundreds"), 1.0),
        (("xflood", "live", "hu"), ("flood", "live", "hundreds"), 2 / 3),
        (("live", "river", "ri"), ("live", "river", "rising"), 2 / 3),
    ],
    ids=["caption", "multiset", "empty", "broken-edges", "short-edge", "two-letter-cut"],
)
def test_containment(part: tuple[str, ...], whole: tuple[str, ...], share: float) -> None:
    """The share of a part's words found in the whole, edge words cut or glued counting once."""
    assert containment(part, whole) == pytest.approx(share)


@pytest.mark.parametrize(
    ("a", "b", "match"),
    [
        (BASE, BASE, MatchKind.EXACT),
        (BASE + " (Reuters)", BASE, MatchKind.NEAR),
        (BASE, BASE + " (Reuters)", MatchKind.NEAR),
        (BASE[:50], BASE, MatchKind.CONTAINED),
        (BASE.replace("said", "says"), BASE, MatchKind.NEAR),
    ],
)
def test_compare_labels(a: str, b: str, match: MatchKind) -> None:
    """Reporting against the kept copy: a small edit is near, a fragment is contained."""
    assert compare(_features(P, a), _features(P, b)).match is match
