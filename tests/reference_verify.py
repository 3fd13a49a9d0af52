"""Oracle: the verify stage as it was before the speed work (lbdedup 6b53f93), kept verbatim in behaviour.

tests/test_verify.py checks that lbdedup.verify still gives exactly what this gives: the same verdicts, the
same similarity floats and the same containers, and that number_tokens still finds the same tokens.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from rapidfuzz import fuzz

from lbdedup.model import HEADLINE_KINDS, META_KINDS, BlockKind, MatchKind, Options

_NUMBER_WORD = re.compile(r"\S*\d\S*")


def number_tokens(normalized: str) -> tuple[str, ...]:
    """The old number_tokens: one backtracking findall per text."""
    return tuple(sorted(_NUMBER_WORD.findall(normalized)))


# Beyond this many characters rapidfuzz's alignment is quadratic; word multisets decide instead.
MAX_ALIGN_CHARS = 20_000
# A contained block must be a fair part of its container, or a stock sentence would tie unrelated posts.
MIN_CONTAINED_SHARE = 0.2
CONTAINED_ANYWAY_WORDS = 20
# Loose order check for containment: the words must also line up as text, not only as a bag.
MIN_CONTAINED_ALIGNMENT = 80.0
# An edge word of an excerpt shorter than this is not matched by prefix or suffix: too many words agree.
MIN_EDGE_CHARS = 3


@dataclass(frozen=True, slots=True)
class Features:
    """What verification needs of one block."""

    kind: BlockKind
    text: str
    words: tuple[str, ...]
    numbers: tuple[str, ...]

    @staticmethod
    def of(kind: BlockKind, normalized: str) -> Features:
        """Features of a block from its kind and normalized text."""
        words = tuple(normalized.split())
        return Features(kind, normalized, words, number_tokens(normalized))


@dataclass(frozen=True, slots=True)
class Verdict:
    """A verified match; for ``contained``, ``container`` says which side (0 or 1) holds the other."""

    match: MatchKind
    similarity: float
    container: int | None = None


def containment(part: tuple[str, ...], whole: tuple[str, ...]) -> float:
    """The share of ``part``'s words (as a multiset) found in ``whole``.

    An excerpt's edge words may be broken: its last word cut short ("hund…" of "hundreds") or its first
    word glued to a breadcrumb ("homenewsflood"); such an edge word counts when it is a prefix (last) or
    ends with (first) a word of ``whole`` of at least ``MIN_EDGE_CHARS`` letters.

    >>> containment(("kim", "waves"), ("kim", "waves", "photograph", "ap"))
    1.0
    >>> containment(("homenewsflood", "live", "hund"), ("flood", "live", "hundreds", "flee"))
    1.0
    """
    if not part:
        return 0.0
    wanted = Counter(part)
    found = wanted & Counter(whole)
    matched = sum(found.values())
    if matched < len(part):
        # Only an edge word found nowhere in ``whole`` can be a broken one.
        last, first = part[-1], part[0]
        if not found[last] and len(last) >= MIN_EDGE_CHARS and any(word.startswith(last) for word in whole):
            matched += 1
        if (
            len(part) > 1
            and not found[first]
            and any(len(word) >= MIN_EDGE_CHARS and first.endswith(word) for word in whole)
        ):
            matched += 1
    return matched / len(part)


def _numbers_within(part: tuple[str, ...], whole: tuple[str, ...]) -> bool:
    return not (Counter(part) - Counter(whole))


def _similarity(a: str, b: str, cutoff: float = 0.0) -> float:
    if max(len(a), len(b)) > MAX_ALIGN_CHARS:
        words_a, words_b = tuple(a.split()), tuple(b.split())
        shared = sum((Counter(words_a) & Counter(words_b)).values())
        return 2 * shared / max(1, len(words_a) + len(words_b))
    return fuzz.ratio(a, b, score_cutoff=cutoff * 100) / 100


def _aligned(part: str, whole: str) -> bool:
    if len(whole) > MAX_ALIGN_CHARS:
        return True
    return fuzz.partial_ratio(part, whole, score_cutoff=MIN_CONTAINED_ALIGNMENT) > 0


def verify(a: Features, b: Features, options: Options) -> Verdict | None:
    """Decide whether ``a`` and ``b`` are copies: a Verdict, or None when they are different blocks.

    >>> opts = Options()
    >>> short = Features.of(BlockKind.PARAGRAPH, "the river rose two metres overnight in the old town")
    >>> full = Features.of(BlockKind.CAPTION, short.text + " photograph ann lee ap")
    >>> verify(short, full, opts).match.value
    'contained'
    """
    if a.text == b.text:
        return Verdict(MatchKind.EXACT, 1.0)
    if min(len(a.words), len(b.words)) < options.min_fuzzy_words:
        return None
    if a.kind in META_KINDS or b.kind in META_KINDS:
        return None
    if (a.kind in HEADLINE_KINDS) != (b.kind in HEADLINE_KINDS):
        return None
    if a.numbers == b.numbers:
        threshold = options.near_threshold
        if min(len(a.words), len(b.words)) < 2 * options.min_fuzzy_words:
            threshold = options.short_near_threshold
        similarity = _similarity(a.text, b.text, threshold)
        if similarity >= threshold and _few_words_differ(a, b, threshold):
            return Verdict(MatchKind.NEAR, round(similarity, 4))
    if len(a.words) == len(b.words):
        return None
    part, whole, container = (a, b, 1) if len(a.words) < len(b.words) else (b, a, 0)
    if len(part.words) < CONTAINED_ANYWAY_WORDS and len(part.words) < MIN_CONTAINED_SHARE * len(whole.words):
        return None
    if not _numbers_within(part.numbers, whole.numbers):
        return None
    share = containment(part.words, whole.words)
    if share < options.contained_threshold or not _aligned(part.text, whole.text):
        return None
    short = len(part.words) < 2 * options.min_fuzzy_words
    if not _in_order(part, whole, options.contained_threshold, short):
        return None
    return Verdict(MatchKind.CONTAINED, round(share, 4), container)


def _common_words(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    """The length of the longest common subsequence of two word lists, by the textbook table."""
    row = [0] * (len(b) + 1)
    for word in a:
        previous = 0
        for j, other in enumerate(b, 1):
            previous, row[j] = row[j], previous + 1 if word == other else max(row[j], row[j - 1])
    return row[-1]


def _few_words_differ(a: Features, b: Features, threshold: float) -> bool:
    """Near copies differ by a word (changed: 1, added: 1/2), or 1 - threshold of their words (2026-12)."""
    if max(len(a.text), len(b.text)) > MAX_ALIGN_CHARS:
        return True
    longer = max(len(a.words), len(b.words))
    allowed = max(1, int((1 - threshold) * longer + 1e-9))
    common = _common_words(a.words, b.words)
    return len(a.words) - common + len(b.words) - common <= 2 * allowed


def _in_order(part: Features, whole: Features, floor: float, short: bool) -> bool:
    """A contained part's words are in whole in order; a short part's all in one run (from 2026-12)."""
    if len(whole.text) > MAX_ALIGN_CHARS:
        return True
    words = part.words
    known = set(whole.words)
    first_broken = (
        len(words) > 1
        and words[0] not in known
        and any(words[0][start:] in known for start in range(len(words[0]) - MIN_EDGE_CHARS + 1))
    )
    start = 1 if first_broken else 0
    end = len(words)
    last_broken = (
        end > start + 1
        and words[-1] not in known
        and len(words[-1]) >= MIN_EDGE_CHARS
        and any(word.startswith(words[-1]) for word in whole.words)
    )
    if last_broken:
        end -= 1
    if short:
        return " ".join(words[start:]) in whole.text
    found = _common_words(words[start:end], whole.words) + start + len(words) - end
    return found >= floor * len(words)


def compare(a: Features, b: Features, near_threshold: float = 0.90) -> Verdict:
    """How ``a`` relates to ``b`` without vetoes, for reporting a member against its canonical copy.

    A copy this similar is near even when its words are all in the other one: an appended "(Reuters)"
    or a dropped word is a small edit, not an excerpt.

    >>> compare(Features.of(BlockKind.PARAGRAPH, "a b"), Features.of(BlockKind.PARAGRAPH, "a b")).match.value
    'exact'
    >>> text = "the port authority said 37 ships were waiting at anchor in the estuary"
    >>> compare(Features.of(BlockKind.PARAGRAPH, text), Features.of(BlockKind.PARAGRAPH, text + " reuters"))
    Verdict(match=<MatchKind.NEAR: 'near'>, similarity=0.9459, container=None)
    >>> compare(Features.of(BlockKind.PARAGRAPH, "the port"), Features.of(BlockKind.PARAGRAPH, text)).match
    <MatchKind.CONTAINED: 'contained'>
    """
    if a.text == b.text:
        return Verdict(MatchKind.EXACT, 1.0)
    similarity = _similarity(a.text, b.text)
    if len(a.words) < len(b.words) and (similarity < near_threshold or a.numbers != b.numbers):
        share = containment(a.words, b.words)
        if share > similarity:
            return Verdict(MatchKind.CONTAINED, round(share, 4), 1)
    return Verdict(MatchKind.NEAR, round(similarity, 4))
