"""Verify stage: decide whether two candidate blocks are copies, and how.

- exact: equal normalized text (decided by hash before this stage; :func:`compare` reports it too);
- near: small edits, by rapidfuzz's normalized Indel similarity of the normalized texts;
- contained: nearly every word of the shorter block is in the longer one, in roughly the same order
  (a truncated excerpt, a caption without its credit, a title with a breadcrumb glued on).

Vetoes come first: short blocks only match exactly, numbers that differ are different facts, and a headline
is never a copy of the paragraph it introduces.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel, LCSseq

from lbdedup.model import HEADLINE_KINDS, META_KINDS, BlockKind, MatchKind, Options, _quick_init
from lbdedup.normalize import number_tokens

__all__ = ["FUZZY_CLASS", "Features", "Verdict", "compare", "containment", "verify"]

# Blocks of two kinds may match other than exactly only when their kinds have the same class here, and never
# in class 0: meta lines match only exactly, and a headline is never a copy of a paragraph.
FUZZY_CLASS = {kind: 0 if kind in META_KINDS else 1 if kind in HEADLINE_KINDS else 2 for kind in BlockKind}
# Beyond this many characters rapidfuzz's alignment is quadratic; word multisets decide instead.
MAX_ALIGN_CHARS = 20_000
# A contained block must be a fair part of its container, or a stock sentence would tie unrelated posts.
MIN_CONTAINED_SHARE = 0.2
CONTAINED_ANYWAY_WORDS = 20
# Loose order check for containment: the words must also line up as text, not only as a bag.
MIN_CONTAINED_ALIGNMENT = 80.0
# An edge word of an excerpt shorter than this is not matched by prefix or suffix: too many words agree.
MIN_EDGE_CHARS = 3


@_quick_init
@dataclass(frozen=True, slots=True)
class Features:
    """What verification needs of one block; ``vocabulary`` is the set of its words."""

    kind: BlockKind
    text: str
    words: tuple[str, ...]
    numbers: tuple[str, ...]
    vocabulary: frozenset[str]

    @staticmethod
    def of(kind: BlockKind, normalized: str) -> Features:
        """Features of a block from its kind and normalized text.

        >>> Features.of(BlockKind.PARAGRAPH, "rovers 2 1 city").numbers
        ('1', '2')
        """
        words = tuple(normalized.split())
        return Features(kind, normalized, words, number_tokens(normalized, words), frozenset(words))


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
    whole_vocabulary = frozenset(whole)
    shared = _shared_words(part, frozenset(part), whole, whole_vocabulary)
    return (shared + _edge_words(part, whole, whole_vocabulary, shared)) / len(part)


def _shared_words(
    part: tuple[str, ...],
    vocabulary: frozenset[str],
    whole: tuple[str, ...],
    whole_vocabulary: frozenset[str],
) -> int:
    """The size of the multiset intersection of ``part`` and ``whole``, from their sets where it can."""
    # Each distinct word of part found in whole counts once; only a repeated word can count more.
    shared = len(vocabulary) - len(vocabulary - whole_vocabulary)
    if len(vocabulary) < len(part):
        whole_counts: Counter[str] | None = None
        for word, count in Counter(part).items():
            if count > 1 and word in whole_vocabulary:
                if whole_counts is None:
                    whole_counts = Counter(whole)
                shared += min(count, whole_counts[word]) - 1
    return shared


def _edge_words(
    part: tuple[str, ...], whole: tuple[str, ...], whole_vocabulary: frozenset[str], shared: int
) -> int:
    """How many of ``part``'s edge words found nowhere in ``whole`` still count as broken words (0 to 2)."""
    if shared >= len(part):
        return 0
    found = 0
    last, first = part[-1], part[0]
    if (
        last not in whole_vocabulary
        and len(last) >= MIN_EDGE_CHARS
        and any(word.startswith(last) for word in whole)
    ):
        found += 1
    # "first ends with a word of whole of MIN_EDGE_CHARS letters or more", asked of first's suffixes.
    if (
        len(part) > 1
        and first not in whole_vocabulary
        and any(first[start:] in whole_vocabulary for start in range(len(first) - MIN_EDGE_CHARS + 1))
    ):
        found += 1
    return found


def _contained_share(part: Features, whole: Features, floor: float) -> float:
    """``containment(part.words, whole.words)`` when it is at least ``floor``; else some share below it.

    Most pairs fail on their distinct words alone, before any word is counted or any edge word tried.
    """
    words = part.words
    size = len(words)
    if not size:
        return 0.0
    vocabulary, whole_vocabulary = part.vocabulary, whole.vocabulary
    # Each distinct word missing from whole loses at least one word; edge words win back at most two.
    at_most = size - len(vocabulary - whole_vocabulary)
    if (at_most + 2) / size < floor:
        return at_most / size
    shared = _shared_words(words, vocabulary, whole.words, whole_vocabulary)
    if shared == size or (shared + 2) / size < floor:
        return shared / size
    return (shared + _edge_words(words, whole.words, whole_vocabulary, shared)) / size


def _numbers_within(part: tuple[str, ...], whole: tuple[str, ...]) -> bool:
    """Whether the sorted multiset ``part`` is in the sorted multiset ``whole``."""
    if not part or part == whole:
        return True
    position, end = 0, len(whole)
    for number in part:
        while position < end and whole[position] < number:
            position += 1
        if position == end or whole[position] != number:
            return False
        position += 1
    return True


def _similarity(a: str, b: str, cutoff: float = 0.0) -> float:
    if max(len(a), len(b)) > MAX_ALIGN_CHARS:
        words_a, words_b = tuple(a.split()), tuple(b.split())
        shared = sum((Counter(words_a) & Counter(words_b)).values())
        return 2 * shared / max(1, len(words_a) + len(words_b))
    return fuzz.ratio(a, b, score_cutoff=cutoff * 100) / 100


def _aligned(part: str, whole: str) -> bool:
    # A part found verbatim in whole aligns perfectly (partial_ratio 100) without the alignment.
    if len(whole) > MAX_ALIGN_CHARS or (part and part in whole):
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
    size_a, size_b = len(a.words), len(b.words)
    shorter = size_a if size_a < size_b else size_b
    if shorter < options.min_fuzzy_words:
        return None
    fuzzy_class = FUZZY_CLASS[a.kind]
    if not fuzzy_class or fuzzy_class != FUZZY_CLASS[b.kind]:
        return None
    if a.numbers == b.numbers:
        threshold = options.near_threshold
        if shorter < 2 * options.min_fuzzy_words:
            threshold = options.short_near_threshold
        similarity = _similarity(a.text, b.text, threshold)
        if similarity >= threshold and _few_words_differ(a, b, threshold):
            return Verdict(MatchKind.NEAR, round(similarity, 4))
    if size_a == size_b:
        return None
    part, whole, container, longer = (a, b, 1, size_b) if size_a < size_b else (b, a, 0, size_a)
    if shorter < CONTAINED_ANYWAY_WORDS and shorter < MIN_CONTAINED_SHARE * longer:
        return None
    if part.numbers and not _numbers_within(part.numbers, whole.numbers):
        return None
    share = _contained_share(part, whole, options.contained_threshold)
    if share < options.contained_threshold or not _aligned(part.text, whole.text):
        return None
    if not _in_order(part, whole, options.contained_threshold, shorter < 2 * options.min_fuzzy_words):
        return None
    return Verdict(MatchKind.CONTAINED, round(share, 4), container)


def _few_words_differ(a: Features, b: Features, threshold: float) -> bool:
    """Whether ``a`` and ``b`` differ by one word, or by ``1 - threshold`` of the longer one's words at most.

    A word changed counts one, a word added or dropped a half. Letters alike are not enough for a near
    copy: "he said: ..." and "and Cameron: ..." before one quote, or "get ready for" and "are in Cyprus
    for", or "is being held" and "will take place", are texts whose other words agree.

    >>> saints = Features.of(BlockKind.PARAGRAPH, "the saints get ready for the leg")
    >>> cyprus = Features.of(BlockKind.PARAGRAPH, "the saints are in cyprus for the leg")
    >>> _few_words_differ(saints, cyprus, 0.9)
    False
    >>> _few_words_differ(saints, Features.of(BlockKind.PARAGRAPH, "the saints get redy for the leg"), 0.9)
    True
    """
    if max(len(a.text), len(b.text)) > MAX_ALIGN_CHARS:
        return True  # too long to align word by word: the letters decided
    longer = max(len(a.words), len(b.words))
    # The 1e-9 keeps a float product such as 0.1 * 10 from falling just under a whole word.
    allowed = max(1, int((1 - threshold) * longer + 1e-9))
    return Indel.distance(a.words, b.words) <= 2 * allowed


def _in_order(part: Features, whole: Features, floor: float, word_for_word: bool) -> bool:
    """Whether ``floor`` of ``part``'s words are in ``whole`` in order (all in one run if ``word_for_word``).

    The same words scattered over a longer text ("Jones is now taking questions" in "Smith is now taking
    questions ... Jones is weak") say something else; so does a short text with one word changed. Broken
    edge words of an excerpt count as found, as in :func:`containment`.

    >>> part = Features.of(BlockKind.PARAGRAPH, "jones is now taking questions from reporters")
    >>> _in_order(part, Features.of(BlockKind.PARAGRAPH, "smith is now taking questions from reporters "
    ...     "on whether jones is weak"), 0.9, False)
    False
    >>> _in_order(part, Features.of(BlockKind.PARAGRAPH, "mr " + part.text + " at noon"), 0.9, True)
    True
    >>> gap = Features.of(BlockKind.PARAGRAPH, "jones is now taking our questions from reporters")
    >>> _in_order(part, gap, 0.9, True)
    False
    """
    words, whole_words = part.words, whole.words
    if len(whole.text) > MAX_ALIGN_CHARS:
        return True  # too long to align: the word multiset decided
    vocabulary = whole.vocabulary
    # Edge words broken by a cut or a glued breadcrumb (see _edge_words) are found, but not in the text.
    first = int(
        len(words) > 1
        and words[0] not in vocabulary
        and any(words[0][start:] in vocabulary for start in range(len(words[0]) - MIN_EDGE_CHARS + 1))
    )
    last = len(words)
    if (
        last > first + 1
        and words[-1] not in vocabulary
        and len(words[-1]) >= MIN_EDGE_CHARS
        and any(word.startswith(words[-1]) for word in whole_words)
    ):
        last -= 1
    core = words[first:last]
    if word_for_word:
        # An edge word may be cut short inside a word of whole ("until e…"); the words between may not.
        return " ".join(words[first:]) in whole.text
    found = LCSseq.similarity(core, whole_words) + first + len(words) - last
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
        share = _contained_share(a, b, similarity)
        if share > similarity:
            return Verdict(MatchKind.CONTAINED, round(share, 4), 1)
    return Verdict(MatchKind.NEAR, round(similarity, 4))
