"""Verify stage: exact, near and contained verdicts, and the vetoes that keep different blocks apart."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from lbdedup.model import HEADLINE_KINDS, META_KINDS, BlockKind, MatchKind, Options
from lbdedup.normalize import normalize, number_tokens
from lbdedup.verify import (
    FUZZY_CLASS,
    MAX_ALIGN_CHARS,
    MIN_CONTAINED_ALIGNMENT,
    Features,
    Verdict,
    _aligned,
    compare,
    containment,
    verify,
)

from . import reference_verify as reference

P = BlockKind.PARAGRAPH
H = BlockKind.HEADING
C = BlockKind.CAPTION
T = BlockKind.TIMESTAMP
CAMERAS = "Cameras showed the couple were last seen at a farm shop near the river."
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
        (
            (
                H,
                "Flood live: River Tamsel bursts its banks as hundreds of families are rescued by boat "
                "from the harbour district",
            ),
            (
                H,
                "HomeNewsFlood live: River Tamsel bursts its banks as dozens of families are rescued by boat "
                "from the harb...",
            ),
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
        "both-edges-and-a-word",
    ],
)
def test_copies(a: tuple[BlockKind, str], b: tuple[BlockKind, str], match: MatchKind) -> None:
    """Each kind of copy the issue lists is verified as that kind of match, in either order.

    In "both-edges-and-a-word" only both broken edge words together lift the share to the threshold.
    """
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
        (
            (P, "Jones is now taking questions."),
            (P, "Smith is now taking questions from reporters. Asked if Jones is weak, she laughs."),
        ),
        (
            (H, "Welcome to live updates for the day"),
            (H, "Good morning - welcome to our live updates for the day"),
        ),
        (
            (H, "HomeNewsFlood live: River Tamsel bursts its banks as many are hund..."),
            (H, "Flood live: River Tamsel bursts its banks as hundreds are rescued from the old town"),
        ),
        (
            (P, "- the Rovers get ready for the second leg of their cup qualifier in the north"),
            (P, "The Rovers are in Cyprus for the second leg of their cup qualifier in the north."),
        ),
        (
            (
                P,
                "He said: we are working intensively together in the spirit of close cooperation and I'm "
                "grateful for all the efforts the harbour authorities have made so far",
            ),
            (
                P,
                "And Ortega: we are working intensively together in the spirit of close cooperation and I am "
                "grateful for all the efforts the harbour authorities have made so far",
            ),
        ),
        (
            (P, f"{CAMERAS} The trial is being held at Skelby crown court."),
            (P, f"{CAMERAS} The trial will take place at Skelby crown court."),
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
        "scattered-words",
        "short-part-with-a-gap",
        "short-part-with-a-word-changed",
        "letters-alike-words-not",
        "other-speaker-same-quote",
        "other-tense",
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


# --- The rewrite against the old implementation (tests/reference_verify.py) ---------------------------------

VOCABULARY = (
    "the", "river", "rose", "two", "metres", "in", "town", "flood", "live", "hundreds", "hund", "hu",
    "homenewsflood", "xflood", "ap", "photograph", "kim", "waves", "a", "of", "2", "1", "3pm", "14", "05:59",
    "x9", "2024", "١٢", "straße", "é",
)  # fmt: skip
WORDS = st.lists(st.sampled_from(VOCABULARY) | st.from_regex(r"[a-z0-9]{1,9}", fullmatch=True), max_size=40)
KINDS = st.sampled_from(list(BlockKind))
OPTIONS = st.builds(
    Options,
    min_fuzzy_words=st.integers(0, 8),
    near_threshold=st.sampled_from([0.0, 0.5, 0.9, 1.0]),
    short_near_threshold=st.sampled_from([0.5, 0.95]),
    contained_threshold=st.sampled_from([0.0, 0.5, 0.8, 0.9, 1.0]),
)


@st.composite
def copies(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    """A word list and a changed copy of it: a slice, edge words cut or glued, words swapped, repeated."""
    whole = draw(WORDS)
    if draw(st.booleans()) and whole:
        # Over MAX_ALIGN_CHARS: word multisets decide instead of rapidfuzz.
        whole = whole * (MAX_ALIGN_CHARS // len(" ".join(whole)) + 1)
    start = draw(st.integers(0, len(whole)))
    part = whole[start : draw(st.integers(start, len(whole)))]
    if draw(st.booleans()) and part:
        part[-1] = part[-1][: draw(st.integers(1, len(part[-1])))]
    if draw(st.booleans()) and part:
        part[0] = draw(st.sampled_from(VOCABULARY)) + part[0][draw(st.integers(0, len(part[0]) - 1)) :]
    for _ in range(draw(st.integers(0, 3))):
        if part:
            part[draw(st.integers(0, len(part) - 1))] = draw(st.sampled_from(VOCABULARY))
    part = part * draw(st.integers(1, 2)) + draw(WORDS.map(lambda words: words[:3]))
    return (part, whole) if draw(st.booleans()) else (whole, part)


def _same_verdict(new: Verdict | None, old: reference.Verdict | None) -> bool:
    if new is None or old is None:
        return new is None and old is None
    return (new.match, new.similarity, new.container) == (old.match, old.similarity, old.container)


@settings(max_examples=600, deadline=None)
@given(copies(), KINDS, KINDS, OPTIONS, st.sampled_from([" ", "  ", "\n", " \x1c"]))
def test_verify_matches_oracle(
    pair: tuple[list[str], list[str]], kind_a: BlockKind, kind_b: BlockKind, options: Options, space: str
) -> None:
    """Verify and compare give the old verdicts, similarities and containers, bit for bit."""
    texts = (space.join(pair[0]), space.join(pair[1]))
    new = Features.of(kind_a, texts[0]), Features.of(kind_b, texts[1])
    old = reference.Features.of(kind_a, texts[0]), reference.Features.of(kind_b, texts[1])
    assert new[0].numbers == old[0].numbers
    assert _same_verdict(verify(*new, options), reference.verify(*old, options))
    assert _same_verdict(verify(new[1], new[0], options), reference.verify(old[1], old[0], options))
    threshold = options.near_threshold
    assert _same_verdict(compare(*new, threshold), reference.compare(*old, threshold))


@settings(max_examples=400, deadline=None)
@given(copies())
def test_containment_matches_oracle(pair: tuple[list[str], list[str]]) -> None:
    """Containment gives the old share, edge words and repeated words included."""
    part, whole = tuple(pair[0]), tuple(pair[1])
    assert containment(part, whole) == reference.containment(part, whole)


@settings(max_examples=400, deadline=None)
@given(st.text(st.sampled_from("ab1٣ \n\x1c\x85\u3000-.")))
def test_number_tokens_matches_oracle(text: str) -> None:
    """number_tokens finds the old tokens, whatever digits and whitespace the text holds."""
    assert number_tokens(text) == reference.number_tokens(text)
    assert number_tokens(text, text.split()) == reference.number_tokens(text)


def test_kind_classes_are_the_vetoes() -> None:
    """Two kinds share a nonzero FUZZY_CLASS exactly when verify lets them match fuzzily."""
    for a in BlockKind:
        for b in BlockKind:
            fuzzy = a not in META_KINDS and b not in META_KINDS
            fuzzy = fuzzy and (a in HEADLINE_KINDS) == (b in HEADLINE_KINDS)
            assert (FUZZY_CLASS[a] == FUZZY_CLASS[b] != 0) is fuzzy


@settings(max_examples=300, deadline=None)
@given(
    st.text("abc d", min_size=1, max_size=150),
    st.text("abc d", max_size=150),
    st.text("abc d", max_size=150),
    st.booleans(),
)
def test_a_verbatim_part_aligns(part: str, before: str, after: str, verbatim: bool) -> None:
    """The verbatim-part shortcut of the alignment check agrees with rapidfuzz's partial_ratio."""
    whole = before + (part if verbatim else part[1:]) + after
    if len(part) > len(whole):
        part, whole = whole, part
    expected = fuzz.partial_ratio(part, whole, score_cutoff=MIN_CONTAINED_ALIGNMENT) > 0
    assert _aligned(part, whole) is expected
