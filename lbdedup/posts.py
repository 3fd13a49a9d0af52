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
from collections import Counter
from collections.abc import Sequence

from lbdedup.meta import find_date, is_timestamp, is_update_line, parse_time
from lbdedup.model import META_KINDS, Block, BlockKind

__all__ = ["assign_posts", "heading_time", "is_marker", "is_post_headline"]

_BODY_KINDS = frozenset({BlockKind.PARAGRAPH, BlockKind.QUOTE, BlockKind.LIST_ITEM, BlockKind.CAPTION})
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
# A headline opens a post only when it is long enough to be one; "Defence leaders" is a subheading.
MIN_HEADLINE_WORDS = 4


def is_marker(text: str) -> bool:
    """True for the labels that open a post: "Key events", "Opening summary", "BREAKING: ...".

    >>> is_marker("Key events"), is_marker("BREAKING: Dam bursts"), is_marker("Key events in Kyiv today.")
    (True, True, False)
    """
    return _MARKER_LABEL.match(text) is not None or _MARKER_PREFIX.match(text) is not None


def heading_time(text: str) -> str | None:
    """The time that opens a headline such as ``18.35 BST: Evacuation ordered``, as the line gives it.

    >>> heading_time("## 18.35 BST: Evacuation ordered"), heading_time("Rovers 2-1 City: report")
    ('18.35 BST', None)
    """
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
    return (
        block.kind is BlockKind.HEADING and len(_MD_PREFIX.sub("", block.text).split()) >= MIN_HEADLINE_WORDS
    )


def _is_anchor_timestamp(block: Block) -> bool:
    """A timestamp that dates a post: it has a clock time or an "ago", and is not an "Updated at" line."""
    if block.kind is not BlockKind.TIMESTAMP or is_update_line(block.text):
        return False
    parsed = parse_time(block.text)
    return parsed is not None and (parsed.clock is not None or parsed.ago is not None)


def _next_content(blocks: Sequence[Block], start: int, end: int | None = None) -> Block | None:
    """The first block in [start, end) that is not a meta line."""
    for position in range(start, len(blocks) if end is None else end):
        if blocks[position].kind not in META_KINDS:
            return blocks[position]
    return None


def _headline_starts(blocks: Sequence[Block], start: int, end: int) -> list[int]:
    """Positions in [start, end) where a headline (followed by body, or a marker) opens a post."""
    starts = []
    for position in range(start, end):
        block = blocks[position]
        if not is_post_headline(block):
            continue
        following = _next_content(blocks, position + 1, end)
        if (
            is_marker(block.text)
            or heading_time(block.text) is not None
            or (following is not None and following.kind in _BODY_KINDS)
        ):
            starts.append(position)
    return starts


def _trailing(blocks: Sequence[Block], anchors: Sequence[int]) -> bool:
    """True when each timestamp closes its post (time last) rather than opening it.

    Time-last pages have no body after their last timestamp (only furniture); time-first ones end with a post.
    """
    last = anchors[-1]
    body_after = sum(1 for block in blocks[last + 1 :] if block.kind in _BODY_KINDS)
    body_before = sum(1 for block in blocks[: anchors[0]] if block.kind in _BODY_KINDS)
    return body_after == 0 and body_before > 0


def _headline_first(blocks: Sequence[Block], anchors: Sequence[int]) -> bool:
    """True when most timestamps sit between a headline and its body (headline / time / body)."""
    votes = 0
    for anchor in anchors:
        previous = blocks[anchor - 1] if anchor > 0 else None
        following = _next_content(blocks, anchor + 1)
        if previous is not None and previous.kind is BlockKind.HEADING:
            if following is not None and following.kind in _BODY_KINDS:
                votes += 1
        elif following is not None and following.kind is BlockKind.HEADING:
            votes -= 1
    return votes > 0


def _post_starts(blocks: Sequence[Block]) -> tuple[list[int], dict[int, int]]:
    """Where posts start, and for each start the position of the line that dates it."""
    anchors = [i for i, block in enumerate(blocks) if _is_anchor_timestamp(block)]
    timed_headings = [
        i for i, block in enumerate(blocks) if block.kind is BlockKind.HEADING and heading_time(block.text)
    ]
    dated: dict[int, int] = {}
    if not anchors:
        starts = _headline_starts(blocks, 0, len(blocks))
        for position in timed_headings:
            dated[position] = position
        return starts, dated
    if _trailing(blocks, anchors):
        # Each post ends at its time. Inside the stretch before a time, the last headline opens the dated
        # post; earlier headlines open untimed posts (the head's summary, a pinned post shown again).
        starts = []
        previous_end = 0
        for anchor in anchors:
            inner = _headline_starts(blocks, previous_end, anchor) or [previous_end]
            starts.extend(inner)
            dated[inner[-1]] = anchor
            previous_end = anchor + 1
        if previous_end < len(blocks):
            starts.append(previous_end)
        return sorted(set(starts)), dated
    pull_back = _headline_first(blocks, anchors)
    starts = _headline_starts(blocks, 0, anchors[0])
    for anchor in anchors:
        start = anchor
        if pull_back:
            while start > 0 and blocks[start - 1].kind is BlockKind.BYLINE:
                start -= 1
            if start > 0 and blocks[start - 1].kind is BlockKind.HEADING:
                start -= 1
        while starts and starts[-1] >= start:
            starts.pop()
        starts.append(start)
        dated[start] = anchor
    bounds = [*sorted(dated), len(blocks)]
    for start, end in itertools.pairwise(bounds):
        starts.extend(_inner_posts(blocks, start, end))
    for position in timed_headings:
        if position > anchors[0] and position not in starts:
            starts.append(position)
            dated[position] = position
    return sorted(set(starts)), dated


def _inner_posts(blocks: Sequence[Block], start: int, end: int) -> list[int]:
    """Untimed posts inside a dated post's stretch: a marker, or a headline with its byline under it.

    A pinned post shown again between two timed posts looks like that; a subheading has no byline.
    """
    found = []
    seen_content = False
    for position in range(start, end):
        block = blocks[position]
        if block.kind in META_KINDS:
            continue
        if seen_content and is_post_headline(block):
            following = blocks[position + 1] if position + 1 < end else None
            if is_marker(block.text) or (following is not None and following.kind is BlockKind.BYLINE):
                found.append(position)
        seen_content = True
    return found


def _document_date(blocks: Sequence[Block], anchors: Sequence[int], head_end: int) -> str | None:
    """The date a clock time alone belongs to: from the title, else the blog's own dated lines."""
    for block in blocks[:head_end]:
        if block.kind is BlockKind.TITLE:
            found = find_date(block.text)
            if found:
                return found
    dates: Counter[str] = Counter()
    for position in anchors:
        parsed = parse_time(blocks[position].text)
        if parsed is not None and parsed.date is not None and len(parsed.date) == 10:
            dates[parsed.date] += 1
    if dates:
        return max(dates.items(), key=lambda item: (item[1], item[0]))[0]
    for block in blocks[:head_end]:
        if block.kind is BlockKind.TIMESTAMP:
            found = find_date(block.text)
            if found:
                return found
    return None


def _time_of(block: Block, date: str | None) -> str | None:
    text = block.text
    if block.kind is not BlockKind.TIMESTAMP:
        text = heading_time(text) or ""
    parsed = parse_time(text)
    return None if parsed is None else parsed.iso(date)


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
    starts, dated = _post_starts(blocks)
    if not dated and len(starts) < 2:
        return tuple(blocks)
    if not starts or starts[0] != 0:
        starts = [0, *starts]
    head_end = starts[1] if len(starts) > 1 else len(blocks)
    anchors = sorted(dated.values())
    date = _document_date(blocks, anchors, head_end)
    # Date lines inside the stream ("Wednesday 13 September") date the clock times that follow them.
    current_date = date
    times: dict[int, str | None] = {}
    date_at: dict[int, str | None] = {}
    for position, block in enumerate(blocks):
        if position >= head_end and block.kind is BlockKind.TIMESTAMP:
            parsed = parse_time(block.text)
            if parsed is not None and parsed.clock is None and parsed.ago is None and parsed.date:
                current_date = find_date(block.text) or current_date
        date_at[position] = current_date
    for start, anchor in dated.items():
        times[start] = _time_of(blocks[anchor], date_at[anchor])
    result: list[Block] = []
    bounds = [*starts, len(blocks)]
    for number, (start, end) in enumerate(itertools.pairwise(bounds)):
        time = times.get(start)
        # Built directly rather than with dataclasses.replace, which costs several times more per block.
        result.extend(
            Block(b.doc, b.source, b.index, b.line_start, b.line_end, b.kind, b.text, number, time)
            for b in blocks[start:end]
        )
    return tuple(result)
