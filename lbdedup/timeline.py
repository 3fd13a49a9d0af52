"""Snapshots of one live blog merged into one timeline, and the order of the clean text.

The same blog scraped hours apart gives files that share most posts: new ones on top, old ones paginated
away. Sources with the same title (their title blocks in one cluster) or mostly shared posts are snapshots of
one blog. Their posts are matched (a post repeats another when most of its non-meta blocks are copies of the
other's), and the timeline is the union: page heads first, then each post once, ordered by time. A post with
no time of its own takes the time of a copy that has one; a post no copy dates keeps its place between its
neighbours in its own file. Posts that only an older snapshot still has are kept.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from lbdedup.model import (
    META_KINDS,
    BlockKind,
    BlockResult,
    DedupeResult,
    Options,
    PostOrder,
    PostRef,
    Timeline,
    TimelinePost,
)
from lbdedup.postmatch import PostKey, post_arrays, post_overlaps, repeats

__all__ = ["build_timelines", "text_sections", "time_key"]

_CLOCK = re.compile(r"\d{2}:\d{2}(?::\d{2})?")
_DURATION = re.compile(r"-P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")
# "ago" times are counted back from the scrape, which is later than any dated post of that page.
_AGO_DATE = "9999-12-31"


@lru_cache(maxsize=8192)
def time_key(time: str, default_date: str = "") -> tuple[str, str]:
    """A sortable (date, clock) pair for an ISO time of a post, ignoring its zone offset.

    >>> time_key("2023-09-13T05:59+01:00"), time_key("15:53", "2023-09-13"), time_key("2023-09-13")
    (('2023-09-13', '05:59'), ('2023-09-13', '15:53'), ('2023-09-13', ''))
    >>> time_key("-PT2H") > time_key("-PT3H") > time_key("2023-09-13T23:59")
    True
    """
    duration = _DURATION.match(time)
    if duration is not None and time.startswith("-P"):
        days, hours, minutes, seconds = (int(part or 0) for part in duration.groups())
        back = ((days * 24 + hours) * 60 + minutes) * 60 + seconds
        return (_AGO_DATE, f"{10**12 - back:013d}")
    date, _, clock = time.partition("T") if "T" in time else ("", "", time)
    if not clock and len(date) == 10:
        return (date, "")
    if not date and len(time) == 10 and time[4] == "-":
        return (time, "")
    found = _CLOCK.match(clock)
    return (date or default_date, found.group(0) if found else "")


def _find(parent: dict[PostKey, PostKey], item: PostKey) -> PostKey:
    while parent[item] != item:
        parent[item] = parent[parent[item]]
        item = parent[item]
    return item


def _union(parent: dict[PostKey, PostKey], a: PostKey, b: PostKey) -> None:
    root_a, root_b = _find(parent, a), _find(parent, b)
    if root_a != root_b:
        low, high = sorted((root_a, root_b), key=lambda key: (key[0], key[1] or 0))
        parent[high] = low


def _post_time(results: Sequence[BlockResult]) -> str | None:
    return next((r.block.time for r in results if r.block.time is not None), None)


def _best_time(times: Sequence[str | None]) -> str | None:
    """The most complete of the copies' times: one with a date first, then any, in input order."""
    known = [time for time in times if time is not None]
    dated = [time for time in known if len(time) >= 10 and time[4] == "-" and not time.startswith("-")]
    if dated or known:
        return (dated or known)[0]
    return None


def _newest_first(keys: Sequence[tuple[str, str]]) -> bool:
    """True when a file's dated posts run from newest to oldest (the live-blog default when unclear)."""
    down = sum(1 for a, b in itertools.pairwise(keys) if a > b)
    up = sum(1 for a, b in itertools.pairwise(keys) if a < b)
    return down >= up


def build_timelines(result: DedupeResult, options: Options) -> tuple[Timeline, ...]:
    """The timelines of a run: one per live blog, however many snapshots of it were given.

    A single source is a timeline when it has two or more dated posts; sources without posts are none.
    """
    blocks = result.blocks
    post_blocks: dict[PostKey, list[BlockResult]] = {}
    for item in blocks:
        if item.block.post is not None:
            post_blocks.setdefault((item.block.doc, item.block.post), []).append(item)
    if not post_blocks:
        return ()
    doc_posts: dict[int, list[PostKey]] = {}
    for key in post_blocks:
        doc_posts.setdefault(key[0], []).append(key)
    heads = {
        posts[0]
        for posts in doc_posts.values()
        if posts[0][1] == 0 and _post_time(post_blocks[posts[0]]) is None
    }

    ids, post_keys = post_arrays(
        [(r.block.doc, r.block.post) if r.block.post is not None else None for r in blocks]
    )
    count = len(blocks)
    overlaps = post_overlaps(
        ids,
        post_keys,
        np.fromiter((-1 if r.cluster is None else r.cluster for r in blocks), dtype=np.int64, count=count),
        np.fromiter((r.block.kind in META_KINDS for r in blocks), dtype=bool, count=count),
        np.fromiter((r.block.kind is BlockKind.HEADING for r in blocks), dtype=bool, count=count),
    )
    parent: dict[PostKey, PostKey] = {key: key for key in post_blocks}
    matched_between: Counter[tuple[int, int]] = Counter()
    for post, other in repeats(overlaps):
        if post in heads or other in heads or post not in parent or other not in parent:
            continue
        _union(parent, post, other)
    for post in post_blocks:
        if post in heads:
            continue
        partners = {
            other[0] for other in overlaps.shared.get(post, {}) if _find(parent, other) == _find(parent, post)
        }
        for doc in partners - {post[0]}:
            matched_between[(post[0], doc)] += 1

    parent_docs = {doc: doc for doc in doc_posts}

    def find_doc(doc: int) -> int:
        while parent_docs[doc] != doc:
            doc = parent_docs[doc]
        return doc

    def join_docs(a: int, b: int) -> None:
        root_a, root_b = find_doc(a), find_doc(b)
        if root_a != root_b:
            parent_docs[max(root_a, root_b)] = min(root_a, root_b)

    body_posts = {doc: len([p for p in posts if p not in heads]) for doc, posts in doc_posts.items()}
    for (doc_a, doc_b), count in matched_between.items():
        if 2 * count > min(body_posts[doc_a], body_posts[doc_b]):
            join_docs(doc_a, doc_b)
    title_docs: dict[int, set[int]] = {}
    for item in blocks:
        if item.block.kind is BlockKind.TITLE and item.cluster is not None and item.block.doc in doc_posts:
            title_docs.setdefault(item.cluster, set()).add(item.block.doc)
    for titled in title_docs.values():
        first, *others = sorted(titled)
        for doc in others:
            join_docs(first, doc)

    groups: dict[int, list[int]] = {}
    for doc in sorted(doc_posts):
        groups.setdefault(find_doc(doc), []).append(doc)
    timelines = []
    for docs in groups.values():
        timeline = _timeline(result, docs, doc_posts, post_blocks, heads, parent, options)
        if timeline is not None:
            timelines.append(timeline)
    return tuple(timelines)


def _timeline(
    result: DedupeResult,
    docs: Sequence[int],
    doc_posts: dict[int, list[PostKey]],
    post_blocks: dict[PostKey, list[BlockResult]],
    heads: set[PostKey],
    parent: dict[PostKey, PostKey],
    options: Options,
) -> Timeline | None:
    classes: dict[PostKey, list[PostKey]] = {}
    for doc in docs:
        for post in doc_posts[doc]:
            if post not in heads:
                classes.setdefault(_find(parent, post), []).append(post)
    times = {
        root: _best_time([_post_time(post_blocks[p]) for p in members]) for root, members in classes.items()
    }
    if len(docs) < 2 and sum(1 for time in times.values() if time is not None) < 2:
        return None
    dates = Counter(time_key(time)[0] for time in times.values() if time is not None)
    dates.pop("", None)
    dates.pop(_AGO_DATE, None)
    default_date = max(dates.items(), key=lambda item: (item[1], item[0]))[0] if dates else ""
    keys = {root: time_key(time, default_date) for root, time in times.items() if time is not None}

    first_seen = {root: position for position, root in enumerate(classes)}
    order_key: dict[PostKey, tuple[tuple[str, str], int, int]] = {
        root: (key, 0, first_seen[root]) for root, key in keys.items()
    }
    for doc in docs:
        roots = [_find(parent, post) for post in doc_posts[doc] if post not in heads]
        newest_first = _newest_first([keys[root] for root in roots if root in keys])
        last: tuple[str, str] = ("", "")
        step = 0
        for root in reversed(roots) if newest_first else roots:
            if root in keys:
                last, step = keys[root], 0
            else:
                # A post no copy dates sits where its newest copy stands: a pinned post stays on top.
                step += 1
                candidate = (last, step, first_seen[root])
                order_key[root] = max(order_key.get(root, candidate), candidate)
    if options.order is PostOrder.INPUT:
        ordered = list(classes)
        order = "input"
    else:
        ordered = sorted(classes, key=lambda root: order_key[root])
        if options.newest_first:
            ordered.reverse()
        order = "newest_first" if options.newest_first else "oldest_first"

    source_of = {
        document_position: document.source for document_position, document in enumerate(result.documents)
    }

    def ref(post: PostKey) -> PostRef:
        assert post[1] is not None  # timelines only hold sources with posts
        return PostRef(source_of[post[0]], post[0], post[1])

    posts = []
    for root in ordered:
        members = classes[root]
        primary = max(members, key=lambda post: (len(post_blocks[post]), -members.index(post)))
        copies = [primary, *(post for post in members if post != primary)]
        posts.append(TimelinePost(times[root], tuple(ref(post) for post in copies)))
    head_refs = tuple(ref(post) for doc in docs for post in doc_posts[doc][:1] if post in heads)
    return Timeline(
        sources=tuple(source_of[doc] for doc in docs),
        docs=tuple(docs),
        order=order,
        heads=head_refs,
        posts=tuple(posts),
    )


def _post_kept(result_by_post: dict[PostKey, list[BlockResult]], ref: PostRef) -> list[BlockResult]:
    return result_by_post.get((ref.doc, ref.post), [])


def _placed(copies: Sequence[list[BlockResult]]) -> list[BlockResult]:
    """The kept blocks of one timeline post: the first copy's layout, other copies' kept blocks slotted in."""
    primary = copies[0]
    position_of: dict[int, int] = {}
    for position, item in enumerate(primary):
        if item.cluster is not None:
            position_of.setdefault(item.cluster, position)
    placed: list[tuple[tuple[int, int, int, int], BlockResult]] = []
    for rank, copy in enumerate(copies):
        anchor = -1
        for position, item in enumerate(copy):
            if rank == 0:
                anchor = position
            elif item.cluster is not None and item.cluster in position_of:
                anchor = position_of[item.cluster]
            if item.status.kept:
                placed.append(((anchor, 0 if rank == 0 else 1, rank, position), item))
    placed.sort(key=lambda pair: pair[0])
    return [item for _, item in placed]


def text_sections(result: DedupeResult) -> list[tuple[str, list[BlockResult]]]:
    """The clean text's sections in output order: (header, kept blocks), one per source or per timeline.

    Sources outside any reordered timeline keep their blocks in place; a timeline stands where its first
    source stood.
    """
    by_doc: list[list[BlockResult]] = [[] for _ in result.documents]
    for item in result.blocks:
        by_doc[item.block.doc].append(item)
    reordered = [timeline for timeline in result.timelines if timeline.order != "input"]
    owner = {doc: timeline for timeline in reordered for doc in timeline.docs}
    sections: list[tuple[str, list[BlockResult]]] = []
    for doc, document in enumerate(result.documents):
        timeline = owner.get(doc)
        if timeline is None:
            sections.append((document.source, [item for item in by_doc[doc] if item.status.kept]))
            continue
        if doc != timeline.docs[0]:
            continue
        by_post: dict[PostKey, list[BlockResult]] = {}
        for member in timeline.docs:
            for item in by_doc[member]:
                by_post.setdefault((member, item.block.post), []).append(item)
        kept: list[BlockResult] = []
        for head in timeline.heads:
            kept.extend(item for item in _post_kept(by_post, head) if item.status.kept)
        for post in timeline.posts:
            kept.extend(_placed([_post_kept(by_post, copy) for copy in post.copies]))
        if len(timeline.docs) == 1:
            header = document.source
        else:
            direction = timeline.order.replace("_", " ")
            header = f"{' + '.join(timeline.sources)} (one timeline, {direction})"
        sections.append((header, kept))
    return sections
