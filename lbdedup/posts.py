"""Posts of a live blog in text and Markdown: where each post starts and ends, and its time.

A live blog is a stream of posts, each an optional headline, body blocks, a time and a byline. Pages lay
them out in three ways, all seen in scraped files:

- time first (Guardian, BBC): ``15.53 BST`` / headline / body / ``Updated at 16.02 BST``;
- time last (Independent): headline / body / ``Arpan Rai13 September 2023 05:59``;
- no time at all (a scraper dropped it): headline / body, headline / body.

:func:`assign_posts` works over the blocks of one document, so any segmenter can use it; a segmenter that
already knows the posts (HTML with JSON-LD) sets ``Block.post`` itself and this module leaves them alone.
Post numbers start at 0 in each document; the page head (title, standfirst, anything before the first
post) is a post of its own, without a time.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterator, Sequence
from itertools import chain, compress, count, repeat
from operator import attrgetter, is_, itemgetter, not_

from lbdedup.meta import UPDATE_INITIALS, ParsedTime, find_date, is_timestamp, is_update_line, parse_time
from lbdedup.model import META_KINDS, Block, BlockKind, Document
from lbdedup.segment import layout, layout_blocks, segment

__all__ = [
    "assign_posts",
    "fold_empty_posts",
    "heading_time",
    "is_marker",
    "is_post_headline",
    "post_times",
    "segment_posts",
]

_BODY_KINDS = frozenset({BlockKind.PARAGRAPH, BlockKind.QUOTE, BlockKind.LIST_ITEM, BlockKind.CAPTION})
_CONTENT_KINDS = frozenset(BlockKind) - META_KINDS
_HEADLINE_KINDS = frozenset({BlockKind.HEADING, BlockKind.TITLE})
# Labels that open a post or a section of their own, alone on their line.
_MARKER_LABEL = re.compile(
    r"^\s*(?:#{1,6}\s*)?(?:key events?|opening summary|summary|pinned(?: post)?|what we know(?: so far)?"
    r"|catch(?:ing)? up|recap|live updates|latest updates|latest)\s*:?\s*$",
    re.IGNORECASE,
)
# Prefixes that open a post: "BREAKING: ...", "JUST IN - ...".
_MARKER_PREFIX = re.compile(
    r"^\s*(?:#{1,6}\s*)?(?:breaking(?: news)?|just in|update|live|watch|pinned)\s*[:!–—|-]\s*\S",
    re.IGNORECASE,
)
_HEADING_TIME = re.compile(r"^\s*(?:#{1,6}\s*)?(.{1,40}?)\s*(?::\s|\s[–—|-]\s)\s*\S")
_MD_PREFIX = re.compile(r"^\s*#{1,6}\s*")
_DIGIT = re.compile(r"\d")
# A headline opens a post only when it is long enough to be one; "Defence leaders" is a subheading.
MIN_HEADLINE_WORDS = 4
# The words every marker starts with, and the two-character ASCII openings no marker can have.
_MARKER_WORDS = (
    "key",
    "opening",
    "summary",
    "pinned",
    "what",
    "catch",
    "recap",
    "live",
    "latest",
    "breaking",
    "just",
    "update",
    "watch",
)
_INITIAL = itemgetter(slice(0, 1))
_DATE = attrgetter("date")
_ASCII = [chr(code) for code in range(128)]
_NON_MARKER_INITIALS = frozenset(
    first for first in _ASCII if not (first.isspace() or first == "#" or first.lower() in "koswcrlbjup")
)
_NON_MARKER_OPENINGS = frozenset(
    first + second for first in _ASCII if not (first.isspace() or first == "#") for second in _ASCII
) - {
    first + second
    for word in _MARKER_WORDS
    for first in (word[0], word[0].upper())
    for second in (word[1], word[1].upper())
}


def is_marker(text: str) -> bool:
    """True for the labels that open a post: "Key events", "Opening summary", "BREAKING: ...".

    >>> is_marker("Key events"), is_marker("BREAKING: Dam bursts"), is_marker("Key events in Kyiv today.")
    (True, True, False)
    """
    head = text.lstrip()
    if head[:1] == "#":
        head = head.lstrip("#").lstrip()
    # Every label starts with one of a few words; both patterns ignore case, and only an ASCII letter's two
    # cases (never a non-ASCII look-alike such as "ſ") make an ASCII word, so ASCII starts are tested here.
    opening = head[:12]
    if opening.isascii() and not opening.lower().startswith(_MARKER_WORDS):
        return False
    return _MARKER_LABEL.match(text) is not None or _MARKER_PREFIX.match(text) is not None


def heading_time(text: str) -> str | None:
    """The time that opens a headline such as ``18.35 BST: Evacuation ordered``, as the line gives it.

    >>> heading_time("## 18.35 BST: Evacuation ordered"), heading_time("Rovers 2-1 City: report")
    ('18.35 BST', None)
    """
    # The time ends at ": " or a spaced dash or bar: no such character, no time.
    if ":" not in text and "-" not in text and "–" not in text and "—" not in text and "|" not in text:
        return None
    found = _HEADING_TIME.match(text)
    if found is None:
        return None
    prefix = found.group(1)
    return prefix if is_timestamp(prefix) else None


def is_post_headline(block: Block) -> bool:
    """True when ``block`` reads like a post headline: a heading of several words, or a marker.

    >>> from lbdedup.model import BlockKind
    >>> is_post_headline(Block(0, "a", 0, 1, 1, BlockKind.HEADING, "Ash cloud grounds all ferries"))
    True
    """
    if block.kind in META_KINDS or block.kind is BlockKind.TITLE:
        return False
    if is_marker(block.text) or (block.kind is BlockKind.HEADING and heading_time(block.text) is not None):
        return True
    return block.kind is BlockKind.HEADING and _word_count(block.text) >= MIN_HEADLINE_WORDS


def _word_count(text: str) -> int:
    if text.lstrip()[:1] == "#":
        text = _MD_PREFIX.sub("", text)
    return len(text.split())


def _is_anchor_timestamp(text: str, parsed: ParsedTime | None) -> bool:
    """A timestamp that dates a post: it has a clock time or an "ago", and is not an "Updated at" line."""
    if parsed is None or (parsed.clock is None and parsed.ago is None):
        return False
    return not is_update_line(text)


def _positions(kinds: Sequence[BlockKind], kind: BlockKind) -> Iterator[int]:
    """The positions of ``kind`` in ``kinds``, found in C."""
    return compress(count(), map(is_, kinds, repeat(kind)))


class _Page:
    """The kinds and texts of one document's blocks, with what the post finder asks of them many times."""

    def __init__(self, kinds: Sequence[BlockKind], texts: Sequence[str]) -> None:
        self.kinds = kinds
        self.texts = texts
        self.count = len(kinds)
        # First characters are looked up in C (one-character strings are shared, not made), then the first
        # two: few texts get as far as is_marker.
        initials = map(_NON_MARKER_INITIALS.__contains__, map(_INITIAL, texts))
        self.markers = {
            position
            for position in compress(count(), map(not_, initials))
            if texts[position][:2] not in _NON_MARKER_OPENINGS and is_marker(texts[position])
        }
        # Each timestamp line parsed once: the anchors, the document's date and the times all need it.
        stamps = list(_positions(kinds, BlockKind.TIMESTAMP))
        self.parsed = dict(zip(stamps, map(parse_time, map(texts.__getitem__, stamps)), strict=True))
        headings = list(_positions(kinds, BlockKind.HEADING))
        heading_texts = list(map(texts.__getitem__, headings))
        # heading_time needs ": " or a spaced dash or bar after a timestamp, which has a digit or says
        # "just now": most headings have none of those characters.
        self.timed_headings = [
            position
            for position, text in zip(headings, heading_texts, strict=True)
            if (":" in text or "-" in text or "–" in text or "—" in text or "|" in text)
            and (_DIGIT.search(text) is not None or "j" in text or "J" in text)
            and heading_time(text)
        ]
        timed = set(self.timed_headings)
        # is_post_headline over positions: a heading of several words, a timed heading, or a marker.
        # Word counts by str.split in C, split no further than the count needs; a Markdown "##" prefix is
        # dropped first, and only where there is one.
        words = map(len, map(str.split, heading_texts, repeat(None), repeat(MIN_HEADLINE_WORDS - 1)))
        headlines = {
            position
            for position, count_ in zip(headings, words, strict=True)
            if position in timed
            or (
                count_ >= MIN_HEADLINE_WORDS
                and (
                    texts[position].lstrip()[:1] != "#" or _word_count(texts[position]) >= MIN_HEADLINE_WORDS
                )
            )
        }
        headlines.update(
            position
            for position in self.markers
            if kinds[position] not in META_KINDS and kinds[position] is not BlockKind.TITLE
        )
        self.timed = timed
        self.headlines = sorted(headlines)

    def headlines_in(self, start: int, end: int) -> list[int]:
        """Positions of post headlines in [start, end)."""
        return self.headlines[bisect_left(self.headlines, start) : bisect_left(self.headlines, end)]

    def next_content(self, start: int, end: int | None = None) -> int | None:
        """The position of the first block in [start, end) that is not a meta line."""
        kinds = self.kinds
        for position in range(start, self.count if end is None else end):
            if kinds[position] not in META_KINDS:
                return position
        return None

    def is_body(self, position: int | None) -> bool:
        return position is not None and self.kinds[position] in _BODY_KINDS


def _headline_starts(page: _Page, start: int, end: int) -> list[int]:
    """Positions in [start, end) where a headline (followed by body, or a marker) opens a post."""
    return [
        position
        for position in page.headlines_in(start, end)
        if position in page.markers
        or position in page.timed
        or page.is_body(page.next_content(position + 1, end))
    ]


def _trailing(kinds: Sequence[BlockKind], anchors: Sequence[int]) -> bool:
    """True when each timestamp closes its post (time last) rather than opening it.

    Time-last pages have no body after their last timestamp (only furniture); time-first ones end with a post.
    """
    body_after = any(map(_BODY_KINDS.__contains__, kinds[anchors[-1] + 1 :]))
    if body_after:
        return False
    if any(map(_BODY_KINDS.__contains__, kinds[: anchors[0]])):
        return True
    # Only a headline above the first time (the first post's body a dropped copy, in the clean text), and
    # other copies' time lines right under it: time last still, when no other time line has a heading right
    # above it (a headline-first post's opening). A headline-first post has those at its bottom.
    return (
        BlockKind.HEADING in kinds[: anchors[0]]
        and len(anchors) > 1
        and all(kind in META_KINDS for kind in kinds[anchors[0] + 1 : anchors[1]])
        and all(kinds[anchor - 1] is not BlockKind.HEADING for anchor in anchors[1:])
    )


def _headline_first(page: _Page, anchors: Sequence[int]) -> bool:
    """True when most timestamps sit between a headline and its body (headline / time / body).

    A time line votes for the layout its neighbours make a whole post of: headline / time / body, or time /
    headline / body. A time line with only a headline (and bylines) between it and the next time line, such as
    another copy's time at the bottom of a headline-first post, opens no post of either layout: no vote.
    """
    kinds = page.kinds
    count_ = page.count
    heading = BlockKind.HEADING
    votes = 0
    for anchor in anchors:
        # page.next_content(anchor + 1), inline: the first block after the anchor that is not a meta line.
        following = anchor + 1
        while following < count_ and kinds[following] in META_KINDS:
            following += 1
        if anchor > 0 and kinds[anchor - 1] is heading:
            # A heading between the page's head and a time line above it is as much that time's headline (a
            # headline-only first post of a time-first page, its body a dropped copy) as this one's: no vote.
            above = anchor - 2
            while above >= 0 and kinds[above] in META_KINDS:
                above -= 1
            opens = above < anchor - 2 and (above < 0 or kinds[above] is BlockKind.TITLE)
            if following < count_ and kinds[following] in _BODY_KINDS and not opens:
                votes += 1
        elif following < count_ and kinds[following] is heading:
            under = following + 1
            while under < count_ and kinds[under] is BlockKind.BYLINE:
                under += 1
            if under == count_ or kinds[under] is not BlockKind.TIMESTAMP:
                votes -= 1
    return votes > 0


def _post_starts(page: _Page) -> tuple[list[int], dict[int, int]]:
    """Where posts start, and for each start the position of the line that dates it."""
    kinds, texts = page.kinds, page.texts
    # _is_anchor_timestamp, inline: a clock time or an "ago", and not an "Updated at" line.
    anchors = [
        position
        for position, parsed in page.parsed.items()
        if parsed is not None
        and (parsed.clock is not None or parsed.ago is not None)
        and (texts[position].lstrip()[:1] not in UPDATE_INITIALS or not is_update_line(texts[position]))
    ]
    dated: dict[int, int] = {}
    if not anchors:
        starts = _headline_starts(page, 0, page.count)
        for position in page.timed_headings:
            dated[position] = position
        return starts, dated
    if _trailing(kinds, anchors):
        # Each post ends at its time. Inside the stretch before a time, the last headline opens the dated
        # post; earlier headlines open untimed posts (the head's summary, a pinned post shown again). After
        # a time line the next post starts at once, whether or not a headline opens it: a headline may be a
        # copy the clean text drops, and read again, what stood above it must not change posts.
        starts = []
        # The page's title is its head, never the content of the first post.
        titles = [position for position in range(anchors[0]) if kinds[position] is BlockKind.TITLE]
        previous_end = titles[-1] + 1 if titles else 0
        for anchor in anchors:
            inner = _headline_starts(page, previous_end, anchor) or [previous_end]
            if starts:
                inner[0] = previous_end
            starts.extend(inner)
            dated[inner[-1]] = anchor
            previous_end = anchor + 1
        if previous_end < page.count:
            starts.append(previous_end)
        return sorted(set(starts)), dated
    pull_back = _headline_first(page, anchors)
    starts = _headline_starts(page, 0, anchors[0])
    for anchor in anchors:
        start = anchor
        if pull_back:
            while start > 0 and kinds[start - 1] is BlockKind.BYLINE:
                start -= 1
            if start > 0 and kinds[start - 1] is BlockKind.HEADING:
                start -= 1
        while starts and starts[-1] >= start:
            starts.pop()
        starts.append(start)
        dated[start] = anchor
    starts.extend(_inner_posts(page, [*sorted(dated), page.count]))
    known = set(starts)
    for position in page.timed_headings:
        if position > anchors[0] and position not in known:
            starts.append(position)
            known.add(position)
            dated[position] = position
    return sorted(set(starts)), dated


def fold_empty_posts(
    kinds: Sequence[BlockKind], starts: Sequence[int], dated: dict[int, int]
) -> tuple[list[int], dict[int, int]]:
    """Posts with no content of their own (only time and byline lines) folded into a neighbouring post.

    ``starts`` are the sorted first positions of the posts (the page head before them is not one), ``dated``
    the line that dates each. An empty post joins the post before it, which keeps its time; before the first
    post with content, it joins that post, which keeps its own time too. So a time line left alone, such as
    the differing time of a repeated post whose blocks were all dropped, never makes a post of its own, and
    the clean text, read again, has the posts it was made of. Empty posts alone make one post.

    >>> from lbdedup.model import BlockKind as K
    >>> kinds = [K.TIMESTAMP, K.TIMESTAMP, K.PARAGRAPH, K.TIMESTAMP, K.PARAGRAPH, K.TIMESTAMP]
    >>> starts, dated = fold_empty_posts(kinds, [0, 1, 3, 5], {0: 0, 1: 1, 3: 3, 5: 5})
    >>> starts, sorted(dated.items())
    ([0, 3], [(0, 1), (3, 3)])
    """
    ends = [*starts[1:], len(kinds)]
    # Slices tested in C: a post's content, when it has any, is most often its second block.
    is_content = _CONTENT_KINDS.__contains__
    full = [any(map(is_content, kinds[start:end])) for start, end in zip(starts, ends, strict=True)]
    if all(full):
        return list(starts), dated
    if not any(full):
        # No post has content: the empty ones are one post, with the first time.
        first = starts[0]
        return [first], {first: dated[first]} if first in dated else {}
    kept: list[int] = []
    folded = dict(dated)
    waiting: list[int] = []
    for start, has_content in zip(starts, full, strict=True):
        if has_content and waiting:
            # The empty posts before the first full one open it; it keeps its own time.
            time_line = dated.get(start, dated.get(waiting[-1]))
            for empty in [*waiting, start]:
                folded.pop(empty, None)
            if time_line is not None:
                folded[waiting[0]] = time_line
            kept.append(waiting[0])
            waiting = []
        elif has_content:
            kept.append(start)
        elif kept:
            folded.pop(start, None)
        else:
            waiting.append(start)
    return kept, folded


def _inner_posts(page: _Page, bounds: Sequence[int]) -> list[int]:
    """Untimed posts inside dated posts: a marker, or a headline with its byline under it.

    Each stretch between consecutive ``bounds`` is one dated post. A pinned post shown again between two
    timed posts looks like that; a subheading has no byline.
    """
    found = []
    stretch = -1
    end = first_content = None
    for position in page.headlines_in(bounds[0], bounds[-1]):
        if end is None or position >= end:
            while bounds[stretch + 1] <= position:
                stretch += 1
            end = bounds[stretch + 1]
            first_content = page.next_content(bounds[stretch], end)
        if (
            first_content is not None
            and position > first_content
            and (
                position in page.markers
                or (position + 1 < end and page.kinds[position + 1] is BlockKind.BYLINE)
            )
        ):
            found.append(position)
    return found


def _document_date(page: _Page, anchors: Sequence[int], head_end: int) -> str | None:
    """The date a clock time alone belongs to: from the title, else the blog's own dated lines."""
    kinds, texts = page.kinds, page.texts
    for position in range(min(head_end, page.count)):
        if kinds[position] is BlockKind.TITLE:
            found = find_date(texts[position])
            if found:
                return found
    parsed_at = page.parsed
    dating = [
        parsed_at[position] if position in parsed_at else parse_time(texts[position]) for position in anchors
    ]
    # Counted in C; the most frequent date wins, ties to the latest, whatever order they were counted in.
    dates: Counter[str] = Counter(
        [date for date in map(_DATE, filter(None, dating)) if date is not None and len(date) == 10]
    )
    if dates:
        return max(dates.items(), key=lambda item: (item[1], item[0]))[0]
    for position in range(min(head_end, page.count)):
        if kinds[position] is BlockKind.TIMESTAMP:
            found = find_date(texts[position])
            if found:
                return found
    return None


def _time_of(page: _Page, position: int, date: str | None) -> str | None:
    if page.kinds[position] is BlockKind.TIMESTAMP:
        parsed = page.parsed[position]
    else:
        parsed = parse_time(heading_time(page.texts[position]) or "")
    return None if parsed is None else parsed.iso(date)


def post_times(kinds: Sequence[BlockKind], texts: Sequence[str]) -> tuple[list[int], list[str | None]] | None:
    """The post number and time of each block of one document, from the blocks' kinds and texts.

    None when the document has no live-blog structure (no timed post, fewer than two headline-led posts).
    :func:`assign_posts` puts these on Blocks; segmenters that build Blocks themselves use them directly.

    >>> from lbdedup.model import BlockKind as K
    >>> post_times([K.TITLE, K.TIMESTAMP, K.PARAGRAPH], ["Flood live", "10.22 GMT", "Rail closed."])
    ([0, 1, 1], [None, '10:22+00:00', '10:22+00:00'])
    """
    if not kinds:
        return None
    page = _Page(kinds, texts)
    starts, dated = _post_starts(page)
    if not dated and len(starts) < 2:
        return None
    # Every dated line still dates the document, even one whose empty post is folded into another.
    anchors = sorted(dated.values())
    starts, dated = fold_empty_posts(kinds, starts, dated)
    if not starts or starts[0] != 0:
        starts = [0, *starts]
    head_end = starts[1] if len(starts) > 1 else page.count
    date = _document_date(page, anchors, head_end)
    # Date lines inside the stream ("Wednesday 13 September") date the clock times that follow them.
    changed_at = [
        position
        for position, parsed in page.parsed.items()
        if position >= head_end
        and parsed is not None
        and parsed.clock is None
        and parsed.ago is None
        and parsed.date
    ]
    changed_to: list[str | None] = []
    current_date = date
    for position in changed_at:
        current_date = find_date(texts[position]) or current_date
        changed_to.append(current_date)
    times: dict[int, str | None] = {}
    parsed_at = page.parsed
    for start, anchor in dated.items():
        index = bisect_right(changed_at, anchor) if changed_at else 0
        # _time_of, inline for a timestamp line (parsed with the page).
        if anchor in parsed_at:
            parsed = parsed_at[anchor]
            times[start] = None if parsed is None else parsed.iso(changed_to[index - 1] if index else date)
        else:
            times[start] = _time_of(page, anchor, changed_to[index - 1] if index else date)
    lengths = [end - start for start, end in itertools.pairwise([*starts, page.count])]
    posts = list(chain.from_iterable(map(repeat, range(len(lengths)), lengths)))
    post_time = list(chain.from_iterable(map(repeat, map(times.get, starts), lengths)))
    return posts, post_time


def assign_posts(blocks: Sequence[Block]) -> tuple[Block, ...]:
    """The blocks of one document with ``post`` and ``time`` set.

    Every block of a document with live-blog structure (a timed post, or at least two headline-led posts)
    gets its post number; blocks of a timed post get its time (ISO 8601). Blocks that already carry posts
    are returned unchanged.

    >>> from lbdedup.model import Document
    >>> from lbdedup.segment import segment
    >>> text = "Flood live\\n\\n10.22 GMT\\n\\nRail closed\\n\\nNo trains.\\n\\n09.48 GMT\\n\\nBoat\\n"
    >>> [(b.post, b.time) for b in assign_posts(segment(Document("a.txt", text)))][:3]
    [(0, None), (1, '10:22+00:00'), (1, '10:22+00:00')]
    """
    if not blocks or any(block.post is not None for block in blocks):
        return tuple(blocks)
    found = post_times([block.kind for block in blocks], [block.text for block in blocks])
    if found is None:
        return tuple(blocks)
    posts, times = found
    # Built directly rather than with dataclasses.replace, which costs several times more per block.
    return tuple(
        Block(b.doc, b.source, b.index, b.line_start, b.line_end, b.kind, b.text, post, time)
        for b, post, time in zip(blocks, posts, times, strict=True)
    )


def segment_posts(document: Document, doc: int = 0) -> tuple[Block, ...]:
    """``assign_posts(segment(document, doc))``, building each Block once.

    >>> text = "Flood live\\n\\n10.22 GMT\\n\\nRail closed\\n\\nNo trains.\\n\\n09.48 GMT\\n\\nBoat\\n"
    >>> [(b.post, b.time) for b in segment_posts(Document("a.txt", text))][:3]
    [(0, None), (1, '10:22+00:00'), (1, '10:22+00:00')]
    """
    if document.format == "html":
        return assign_posts(segment(document, doc))
    columns = layout(document)
    found = post_times(columns.kinds, columns.texts)
    return layout_blocks(document, doc, columns, *(found or (None, None)))
