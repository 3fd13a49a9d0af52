"""Segment stage: a Document to its Blocks.

Text and Markdown split on blank lines. Scraped pages put one paragraph on each line, so inside a blank-line
paragraph every line is its own block (a caption followed by the same caption with its credit are two blocks)
unless the whole file is hard-wrapped prose, whose lines are joined back into paragraphs. A file with no
blank lines at all gives one block per line. Every non-empty line lies inside exactly one block.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from itertools import compress, count, islice, pairwise, repeat
from operator import is_, itemgetter
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from lbdedup.meta import (
    BYLINE_INITIALS,
    BYLINE_NAMES,
    MAX_BYLINE_CHARS,
    MAX_TIMESTAMP_CHARS,
    is_byline,
    is_timestamp,
)
from lbdedup.model import Block, BlockKind, Document, from_columns

__all__ = [
    "Layout",
    "classify_line",
    "is_hard_wrapped",
    "layout",
    "layout_blocks",
    "make_blocks",
    "one_line",
    "segment",
    "split_lines",
    "text_places",
]

_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+\S")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•·▪●◦]|\d{1,3}[.)])\s+\S")
_QUOTE = re.compile(r"^\s{0,3}>")
# The quote marks opening a line of a blockquote, nested ones too (">> ").
_QUOTE_MARKS = re.compile(r"^\s{0,3}(?:>\s?)+")
_CREDIT = re.compile(
    r"(?:\b(?:photograph|photo|picture|image|illustration|video|credit|footage)s?\s*:\s*\S"
    r"|\((?:photo|image|picture|video)s?\s+(?:by|:)|\bgetty images\b|\bshutterstock\b"
    r"|/(?:ap|afp|reuters|epa|pa|anadolu|ansa|dpa|kcna|upi|xinhua)\s*\)?\s*$)",
    re.IGNORECASE,
)
# The last of those patterns alone.
_SLASH_CREDIT = re.compile(
    r"/(?:ap|afp|reuters|epa|pa|anadolu|ansa|dpa|kcna|upi|xinhua)\s*\)?\s*$", re.IGNORECASE
)
_LETTER = re.compile(r"[^\W\d_]")
_CREDIT_WORDS = (
    "photo",
    "picture",
    "image",
    "illustration",
    "video",
    "credit",
    "footage",
    "getty",
    "shutter",
    "/",
)
# A credit alone on the line below a caption ("Photograph: AP") belongs to that caption's block.
_CREDIT_ONLY = re.compile(
    r"^\s*(?:photograph|photo|picture|image|illustration|credit)s?\s*:\s*\S.{0,80}$", re.IGNORECASE
)
_CREDIT_INITIALS = frozenset("PpIiCc")
# What a credit-only line can start with: its initial, or whitespace (all of it is below U+3001).
_CREDIT_FIRST = _CREDIT_INITIALS | frozenset(filter(str.isspace, map(chr, range(0x3001))))
_TRUNCATION = re.compile(r"(?:\.\.\.|…|\[…\]|\[\.\.\.\])\s*$")
# Last characters of a stripped line that the end-anchored patterns can match ("...", "[…]", "(Reuters)",
# "– AFP"); the wire agencies' last letters may also be non-ASCII case variants, such as "ſ" for "s".
_TRUNCATION_LAST = frozenset(".…]")
_LAST_CHARACTER = itemgetter(-1)
_TERMINAL_LAST = frozenset(".!?;,:'\"’”»)]")
_WIRE_CREDIT_LAST = frozenset(")sSpPaAiIeE")
# Timestamp lines that meta.is_timestamp accepts without further tests.
_PLAIN_TIME = re.compile(r"[0-9]{1,2}[:.][0-9]{2}|[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}")
# First characters of a list item: a bullet or a decimal digit (``\d`` is exactly ``str.isdecimal``).
_LIST_INITIALS = frozenset("-*+•·▪●◦")
# A wire credit closes a paragraph ("... on Thursday. (Reuters)", "– AFP"), never a headline.
_WIRE_CREDIT_END = re.compile(
    r"(?:\((?:reuters|ap|afp|pa|dpa|ansa|upi|xinhua|efe)\)|[-–—]\s*(?:reuters|ap|afp|pa|dpa|ansa|upi|xinhua|efe))$",
    re.IGNORECASE,
)
# Sentence-final punctuation, possibly followed by closing quotes or brackets.
_TERMINAL = re.compile(r"[.!?;,:]['\"’”»)\]]*\s*$")
# Credits and truncation marks sit at the end of a line; searching only its tail keeps long lines cheap.
CREDIT_TAIL_CHARS = 160
MAX_HEADING_WORDS = 20
MAX_HEADING_CHARS = 160
# Hard-wrapped prose is wrapped below this width; scraped one-paragraph-per-line text is far wider.
MAX_WRAP_WIDTH = 100


def split_lines(text: str) -> list[str]:
    """Split on LF only (CR stripped), so line numbers agree with editors and ``grep -n``.

    >>> split_lines("a\\r\\nb\\n")
    ['a', 'b']
    """
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def _structural(line: str, markdown: bool) -> bool:
    """Lines that always start a block of their own, even inside hard-wrapped prose."""
    if _LIST_ITEM.match(line):
        return True
    return markdown and bool(_MD_HEADING.match(line) or _QUOTE.match(line))


def is_hard_wrapped(groups: Sequence[Sequence[str]], markdown: bool = False) -> bool:
    """True when a file's multi-line paragraphs are prose wrapped at a fixed width.

    Wrapped prose breaks lines mid-sentence at a similar width; scraped text puts whole paragraphs
    (often far longer than any wrap width) on single lines.

    A file of one blank-line paragraph (no blank lines at all) is one line per block, as scraped text is,
    unless its lines mostly go on in lower case: a single wrapped paragraph, such as the clean text of a
    wrapped file whose other paragraphs were all copies.

    >>> is_hard_wrapped([["The river rose overnight and the council", "opened two shelters."], ["Next."]])
    True
    >>> is_hard_wrapped([["The river rose overnight and the council", "opened two shelters."]])
    True
    >>> is_hard_wrapped([["Flood live: the river rises in the town", "Shelters open in the old market hall"]])
    False
    """
    if not groups or (len(groups) == 1 and not _goes_on_in_lower_case(groups[0])):
        return False
    width = max((len(line.rstrip()) for group in groups for line in group), default=0)
    if width > MAX_WRAP_WIDTH or width == 0:
        return False
    # Counted as they come, not listed: a file of millions of short lines would list them all again.
    inner = 0
    broken = 0
    for group in groups:
        for line in islice(group, len(group) - 1):
            if not _structural(line, markdown):
                inner += 1
                end = line.rstrip()
                broken += not _TERMINAL.search(end[-8:]) and len(end) >= width // 2
    if not inner:
        return False
    return broken >= 0.6 * inner


def _goes_on_in_lower_case(lines: Sequence[str]) -> bool:
    following = [line.lstrip()[:1] for line in lines[1:]]
    return bool(following) and sum(1 for first in following if first.islower()) >= 0.6 * len(following)


def _has_credit(text: str) -> bool:
    tail = text[-CREDIT_TAIL_CHARS:]
    if ":" not in tail and "(" not in tail and "/" not in tail:
        # Without a colon, bracket or slash only "Getty Images" or "Shutterstock" can match: most lines
        # leave here after three one-character searches.
        lowered = tail.lower()
        if "getty" not in lowered and "hutter" not in lowered:
            return False
    else:
        lowered = tail.lower()
    # Plain substring tests first (ten times cheaper than any case-insensitive regex): the full credit
    # pattern only runs on the few lines that could be credits.
    named = (
        "photo" in lowered
        or "picture" in lowered
        or "image" in lowered
        or "illustration" in lowered
        or "video" in lowered
        or "credit" in lowered
        or "footage" in lowered
        or "getty" in lowered
        or "shutter" in lowered
    )
    if not named and ("/" not in tail or tail.isascii()):
        # Every other credit pattern needs one of those words, which in ASCII text only ASCII letters make
        # (case-insensitive patterns also take "ı" for "i", "ſ" for "s"): a wire agency after a slash is left.
        return "/" in tail and _SLASH_CREDIT.search(tail) is not None
    return _CREDIT.search(tail) is not None


def _is_headline_shaped(text: str) -> bool:
    stripped = text.strip()
    if not stripped or len(stripped) > MAX_HEADING_CHARS + 3:
        return False
    # Each regex below is anchored at the end of the line: its last character rules most lines out.
    truncated = stripped[-1] in _TRUNCATION_LAST and _TRUNCATION.search(stripped) is not None
    if truncated:
        # A headline cut short ("... with Putin;...") is still a headline.
        stripped = _TRUNCATION.sub("", stripped).rstrip(";,:- ")
    if not stripped or len(stripped) > MAX_HEADING_CHARS or stripped.count(" ") >= MAX_HEADING_WORDS:
        return False
    last = stripped[-1]
    if (truncated or last in _TERMINAL_LAST) and _TERMINAL.search(stripped[-8:]):
        return False
    if (truncated or last in _WIRE_CREDIT_LAST or not last.isascii()) and _WIRE_CREDIT_END.search(
        stripped[-16:]
    ):
        return False
    # A letter first (most headlines) is a letter for the pattern too: [^\W\d_] holds every alphabetic.
    return stripped[0].isalpha() or _LETTER.search(stripped) is not None


def classify_line(text: str, markdown: bool = False) -> BlockKind:
    """The kind of a block from its own text (position-dependent kinds are decided by :func:`segment`).

    >>> classify_line("Kim waves from the train. Photograph: Ann Lee/AP").value
    'caption'
    >>> classify_line("Putin says Russia will help build satellites").value
    'heading'
    """
    first = text.lstrip()
    if not first:
        return BlockKind.PARAGRAPH
    initial = first[0]
    if markdown and initial == "#" and _MD_HEADING.match(first):
        return BlockKind.HEADING
    if markdown and initial == ">":
        return BlockKind.QUOTE
    if initial.isdecimal() and _PLAIN_TIME.fullmatch(first) is not None:
        # The commonest timestamps ("16:11", "2016-10-02T11:51"): is_timestamp would say so, no list item
        # is shaped so, and it is too short for any other test to come first.
        return BlockKind.TIMESTAMP
    # A numbered item has "." or ")" after its one to three digits; timestamps, also led by digits, do not.
    numbered = initial.isdecimal() and ("." in first[1:4] or ")" in first[1:4])
    if (numbered or initial in _LIST_INITIALS) and _LIST_ITEM.match(first):
        return BlockKind.LIST_ITEM
    length = len(first)
    if length > MAX_HEADING_CHARS + 3 or (length > MAX_TIMESTAMP_CHARS and first[-1] in ".!?"):
        # Too long, or a finished sentence too long to be a timestamp: only the credit test is left.
        return BlockKind.CAPTION if _has_credit(text) else BlockKind.PARAGRAPH
    if is_timestamp(text):
        return BlockKind.TIMESTAMP
    if _has_credit(text):
        return BlockKind.CAPTION
    if is_byline(text):
        return BlockKind.BYLINE
    if _is_headline_shaped(text):
        return BlockKind.HEADING
    return BlockKind.PARAGRAPH


# Initials that take classify_line's first tests (list items, timestamps, Markdown headings and quotes).
_ODD_INITIALS = frozenset(["", *_LIST_INITIALS, *"0123456789"])
_ODD_MARKDOWN_INITIALS = _ODD_INITIALS | {"#", ">"}
_ASCII_DIGIT = re.compile(r"[0-9]")
_DIGIT = re.compile(r"\d")
_SENTENCE_LAST = frozenset(".!?")
_STOP_LAST = frozenset(".!?;,:")
# Last characters after which _is_headline_shaped needs none of its end-anchored patterns, and those after
# which only a wire credit ("(Reuters)", "– AFP") is left to rule out.
_PLAIN_LAST = frozenset(map(chr, range(128))) - _TRUNCATION_LAST - _TERMINAL_LAST - _WIRE_CREDIT_LAST
_WIRE_ONLY_LAST = _WIRE_CREDIT_LAST - _TERMINAL_LAST - _TRUNCATION_LAST


def _no_wire_mark(end: str) -> bool:
    # A wire credit that does not end in ")" starts with a dash.
    return "-" not in end and "–" not in end and "—" not in end


def _classify_lines(texts: Sequence[str], markdown: bool = False) -> list[BlockKind]:
    """``[classify_line(text, markdown) for text in texts]`` for texts without trailing whitespace, faster.

    Each line gets classify_line's tests in the same order, but inline, in one loop, with the cheap
    character tests before any call; every text must be right-stripped, as :func:`layout` makes them.

    >>> [kind.value for kind in _classify_lines(["16:11", "Kim waves. Photograph: Ann Lee/AP", "Rain"])]
    ['timestamp', 'caption', 'heading']
    """
    paragraph, caption, timestamp = BlockKind.PARAGRAPH, BlockKind.CAPTION, BlockKind.TIMESTAMP
    kinds = [paragraph] * len(texts)
    odd_initials = _ODD_MARKDOWN_INITIALS if markdown else _ODD_INITIALS
    plain_time = _PLAIN_TIME.fullmatch
    ascii_digit, digit = _ASCII_DIGIT.search, _DIGIT.search
    names = BYLINE_NAMES.match
    sentence_last, byline_initials, plain_last = _SENTENCE_LAST, BYLINE_INITIALS, _PLAIN_LAST
    for position, text in enumerate(texts):
        first = text.lstrip()
        initial = first[:1]
        if initial in odd_initials or (initial > "\x7f" and initial.isdecimal()):
            kinds[position] = timestamp if plain_time(first) else classify_line(text, markdown)
            continue
        # _has_credit's first tests, inline: most lines leave after them.
        tail = text[-CREDIT_TAIL_CHARS:]
        if ":" in tail or "(" in tail or "/" in tail:
            credit = _has_credit(text)
        else:
            lowered = tail.lower()
            credit = ("getty" in lowered or "hutter" in lowered) and _has_credit(text)
        length = len(first)
        last = first[-1]
        if length > MAX_HEADING_CHARS + 3 or (length > MAX_TIMESTAMP_CHARS and last in sentence_last):
            # Too long, or a finished sentence too long to be a timestamp: only the credit test applies.
            if credit:
                kinds[position] = caption
            continue
        # is_timestamp needs a digit, or a "j" for "just now".
        if (
            length <= MAX_TIMESTAMP_CHARS
            and ((ascii_digit if text.isascii() else digit)(text) is not None or "j" in text or "J" in text)
            and is_timestamp(text)
        ):
            kinds[position] = timestamp
            continue
        if credit:
            kinds[position] = caption
            continue
        if length <= MAX_BYLINE_CHARS and initial in byline_initials:
            if initial in "bB":
                if is_byline(first):
                    kinds[position] = BlockKind.BYLINE
                    continue
            elif names(first) is not None:
                kinds[position] = BlockKind.BYLINE
                continue
        if last in plain_last or (last in _WIRE_ONLY_LAST and _no_wire_mark(first[-16:])):
            # Neither cut short, nor ended as a sentence, nor by a wire credit.
            if (
                length <= MAX_HEADING_CHARS
                and first.count(" ") < MAX_HEADING_WORDS
                and (initial.isalpha() or _LETTER.search(first) is not None)
            ):
                kinds[position] = BlockKind.HEADING
        elif last in _STOP_LAST and not first.endswith("..."):
            # A sentence ends here: never a headline.
            continue
        elif _is_headline_shaped(first):
            kinds[position] = BlockKind.HEADING
    return kinds


def _paragraph_cuts(numbers: npt.NDArray[np.int64]) -> list[int]:
    """Where each blank-line paragraph starts among the non-blank lines (numbered ``numbers``), then the end.

    >>> _paragraph_cuts(np.array([1, 2, 4, 6, 7]))
    [0, 2, 3, 5]
    """
    if not len(numbers):
        return [0]
    breaks = np.flatnonzero(np.diff(numbers) != 1) + 1
    return [0, *breaks.tolist(), len(numbers)]


def _is_credit_only(line: str) -> bool:
    # First-letter and colon tests before the regex: nearly every line fails them.
    head = line.lstrip()[:1]
    return head in _CREDIT_INITIALS and ":" in line and _CREDIT_ONLY.match(line) is not None


def _span_starts(group: Sequence[str], wrapped: bool, markdown: bool) -> list[int]:
    """Cut one blank-line paragraph into blocks (one per line, or wrapped lines joined): where each starts.

    A block is consecutive lines, so its first line says where it is (a file of millions of short lines
    would spend far more memory on lists of its lines).
    """
    starts: list[int] = []
    for position, line in enumerate(group):
        if starts and _is_credit_only(line):
            continue
        if not wrapped:
            starts.append(position)
            continue
        opening = group[starts[-1]] if starts else ""
        # A wrapped blockquote goes on over its ">" lines; prose never joins a quote, nor a quote prose.
        is_quote = markdown and _QUOTE.match(line) is not None
        after_quote = markdown and _QUOTE.match(opening) is not None
        continues = (
            bool(starts)
            and is_quote == after_quote
            and (is_quote or not _structural(line, markdown))
            and not _MD_HEADING.match(opening)
        )
        if not continues:
            starts.append(position)
    return starts


def one_line(text: str) -> str:
    """A block's text on one line, as the segmenter classified it: its lines stripped, joined by a space.

    The bare clean text writes a block of several lines (hard-wrapped prose joined back) so: alone, or
    among other kept blocks, its lines might no longer read as wrapped prose and come apart when cleaned
    again, while one line is one block however the file around it reads.

    A wrapped blockquote keeps the ">" that opens it, not those of its other lines, which would be read
    as text on one line.

    >>> one_line("The river rose overnight and the council\\n  opened two shelters.")
    'The river rose overnight and the council opened two shelters.'
    >>> one_line("> The bridge stays closed\\n> until Friday.")
    '> The bridge stays closed until Friday.'
    """
    lines = text.split("\n")
    if _QUOTE.match(lines[0]):
        lines[1:] = [_QUOTE_MARKS.sub("", line, count=1) for line in lines[1:]]
    return " ".join(filter(None, map(str.strip, lines)))


def _span_text(span: Sequence[str]) -> str:
    if len(span) == 1:
        return span[0].strip()
    return " ".join(line.strip() for line in span)


class Layout(NamedTuple):
    """The blocks of one text or Markdown document as parallel lists, before they become Blocks.

    ``line_starts`` and ``line_ends`` are 1-based and inclusive, ``texts`` the blocks' texts.
    """

    line_starts: list[int]
    line_ends: list[int]
    kinds: list[BlockKind]
    texts: list[str]


def layout(document: Document) -> Layout:
    """The blocks of a text or Markdown document as parallel lists (what :func:`segment` makes Blocks of).

    >>> layout(Document("a.txt", "Flood live\\n\\n15.53 BST\\nThe river rose overnight.\\n")).line_starts
    [1, 3, 4]
    """
    markdown = document.format == "markdown"
    # Right-stripping each raw line also drops the CR of CRLF; a line is blank when nothing is left.
    stripped = list(map(str.rstrip, document.text.split("\n")))
    lines = list(filter(None, stripped))
    # Hard-wrapped files are rare and need no line over the wrap width: test that first, in C.
    if lines and max(map(len, lines)) <= MAX_WRAP_WIDTH:
        # Line numbers in numpy, not a Python int per line (a file of millions of one-letter lines).
        numbers = np.flatnonzero(np.fromiter(map(bool, stripped), dtype=bool, count=len(stripped))) + 1
        del stripped
        cuts = _paragraph_cuts(numbers)
        # One paragraph (no blank line) is all the lines, not a copy of them.
        groups = [lines] if len(cuts) == 2 else [lines[first:last] for first, last in pairwise(cuts)]
        wrapped = is_hard_wrapped(groups, markdown)
        firsts = [
            first + start
            for first, group in zip(cuts[:-1], groups, strict=True)
            for start in _span_starts(group, wrapped, markdown)
        ]
        del groups
        firsts.append(len(lines))
        starts = numbers[firsts[:-1]].tolist()
        ends = numbers[np.array(firsts[1:]) - 1].tolist()
        texts = [
            lines[first] if last - first == 1 else "\n".join(lines[first:last])
            for first, last in pairwise(firsts)
        ]
        spoken = [_span_text(lines[first:last]) for first, last in pairwise(firsts)]
    else:
        starts, ends, texts, spoken = _line_spans(list(compress(count(1), stripped)), lines)
    # classify_line ignores leading whitespace, so a line can stand for its stripped text.
    kinds = _classify_lines(spoken, markdown)
    _mark_title(kinds, texts, markdown)
    _mark_captions(kinds, spoken)
    _mark_excerpts(kinds, texts)
    return Layout(starts, ends, kinds, texts)


def text_places(text: str, line_starts: Sequence[int]) -> npt.NDArray[np.int64]:
    """Where each block's text (as :func:`layout` gives it) would start in the document's ``text``.

    A block's text is its lines, right-stripped, joined by newlines: the very characters of the document
    from its first line's start, unless a line before its last ends in spaces or a CR. So this is where its
    first line starts (-1 for a line number not in ``text``), and the caller checks that the text is there.

    >>> text_places("Flood live\\n\\n15.53 BST\\nRiver up.\\n", [1, 3, 4]).tolist()
    [0, 12, 22]
    """
    raw = text.split("\n")
    line_offsets = np.r_[0, np.cumsum(np.fromiter(map(len, raw), dtype=np.int64, count=len(raw)) + 1)]
    first = np.asarray(line_starts, dtype=np.int64) - 1
    inside = (first >= 0) & (first < len(raw))
    places: npt.NDArray[np.int64] = np.where(inside, line_offsets[np.where(inside, first, 0)], -1)
    return places


def _line_spans(numbers: list[int], lines: list[str]) -> tuple[list[int], list[int], list[str], list[str]]:
    """One block per line, but a credit alone under a caption in the same paragraph joins its block.

    Gives the first and last line numbers, the texts and the texts to classify of the blocks.
    """
    # Lines are never empty; their first characters are looked up in C, and few lines go further.
    maybe = compress(count(), map(_CREDIT_FIRST.__contains__, map(itemgetter(0), lines)))
    joins = {
        position
        for position in maybe
        if position > 0
        and numbers[position] == numbers[position - 1] + 1
        and _is_credit_only(lines[position])
    }
    if not joins:
        return numbers, numbers, lines, lines
    starts: list[int] = []
    ends: list[int] = []
    texts: list[str] = []
    spoken: list[str] = []
    for position, (number, line) in enumerate(zip(numbers, lines, strict=True)):
        if position in joins:
            ends[-1] = number
            texts[-1] += "\n" + line
            spoken[-1] += " " + line.strip()
        else:
            starts.append(number)
            ends.append(number)
            texts.append(line)
            spoken.append(line.strip())
    return starts, ends, texts, spoken


def segment(document: Document, doc: int = 0) -> tuple[Block, ...]:
    """Split a text or Markdown document into blocks with their kinds and 1-based line spans.

    >>> [b.kind.value for b in segment(Document("a.txt", "Flood live\\n\\nThe river rose overnight.\\n"))]
    ['title', 'paragraph']
    """
    if document.format == "html":
        from lbdedup.html import segment_html  # bs4 is only imported for HTML input

        return segment_html(document, doc)
    return layout_blocks(document, doc, layout(document))


def layout_blocks(
    document: Document,
    doc: int,
    columns: Layout,
    posts: Iterable[int | None] | None = None,
    times: Iterable[str | None] | None = None,
) -> tuple[Block, ...]:
    """The Blocks of ``document`` (the ``doc``-th source) from its layout, with posts and times if given.

    >>> document = Document("a.txt", "Flood live\\n\\nThe river rose.\\n")
    >>> layout_blocks(document, 0, layout(document), [0, 1], [None, "10:22"])[1].time
    '10:22'
    """
    count = len(columns.texts)
    return make_blocks(
        repeat(doc, count),
        repeat(document.source, count),
        range(count),
        columns.line_starts,
        columns.line_ends,
        columns.kinds,
        columns.texts,
        repeat(None, count) if posts is None else posts,
        repeat(None, count) if times is None else times,
    )


def make_blocks(*columns: Iterable[Any]) -> tuple[Block, ...]:
    """``Block(*row)`` for each row of the given columns (one per field of Block, in order), faster.

    >>> make_blocks([0], ["a.txt"], [0], [1], [1], [BlockKind.PARAGRAPH], ["Rain."], [None], [None]) == (
    ...     Block(0, "a.txt", 0, 1, 1, BlockKind.PARAGRAPH, "Rain."),)
    True
    """
    return tuple(from_columns(Block, *columns))


def _mark_title(kinds: list[BlockKind], texts: Sequence[str], markdown: bool) -> None:
    """The first headline-shaped block of a page, before any prose, is its title."""
    for position, kind in enumerate(kinds):
        if kind is BlockKind.HEADING:
            match = _MD_HEADING.match(texts[position].split("\n", 1)[0])
            if not markdown or (match is not None and len(match.group(1)) == 1):
                kinds[position] = BlockKind.TITLE
            return
        if kind not in (BlockKind.TIMESTAMP, BlockKind.BYLINE):
            return


def _mark_captions(kinds: list[BlockKind], spoken: Sequence[str]) -> None:
    """A line printed again just below with a credit appended is the same caption without its credit."""
    # Marking a block only changes what the test of the block before it would read, which has run.
    for following in list(compress(count(), map(is_, kinds, repeat(BlockKind.CAPTION)))):
        position = following - 1
        if position < 0 or kinds[position] is BlockKind.CAPTION:
            continue
        text = spoken[position].strip()
        if spoken[following].strip().startswith(text.rstrip(".")):
            kinds[position] = BlockKind.CAPTION


def _mark_excerpts(kinds: list[BlockKind], texts: Sequence[str]) -> None:
    """A line cut short with "…" is a headline only as a page's title (a breadcrumb title cut short).

    Anywhere else it is an excerpt of a paragraph, and must be free to match the paragraph it quotes; so is
    a wrapped one, of several lines (written on one line in the bare clean text, it must read the same).
    """
    headings = list(compress(count(), map(is_, kinds, repeat(BlockKind.HEADING))))
    # Last characters looked up in C: only a line ending in ".", "…" or "]" can be cut short.
    ends = map(_TRUNCATION_LAST.__contains__, map(_LAST_CHARACTER, map(texts.__getitem__, headings)))
    for position in list(compress(headings, ends)):
        if _TRUNCATION.search(texts[position]):
            kinds[position] = BlockKind.PARAGRAPH
