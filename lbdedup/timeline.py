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
import operator
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter

import numpy as np
import numpy.typing as npt

from lbdedup.model import (
    META_KINDS,
    Block,
    BlockKind,
    BlockResult,
    DedupeResult,
    Options,
    PostOrder,
    PostRef,
    Timeline,
    TimelinePost,
)
from lbdedup.postmatch import PostKey, component_minimum, overlap_table, repeat_mask

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


def _is_dated(time: str) -> bool:
    return len(time) >= 10 and time[4] == "-" and not time.startswith("-")


def _best_time(times: Sequence[str | None]) -> str | None:
    """The most complete of the copies' times: one with a date first, then any, in input order.

    >>> _best_time([None, "15:53", "2023-09-13T15:53", "2023-09-14"])
    '2023-09-13T15:53'
    """
    known = [time for time in times if time is not None]
    dated = [time for time in known if _is_dated(time)]
    if dated or known:
        return (dated or known)[0]
    return None


def _newest_first(keys: Sequence[tuple[str, str]]) -> bool:
    """True when a file's dated posts run from newest to oldest (the live-blog default when unclear)."""
    down = sum(1 for a, b in itertools.pairwise(keys) if a > b)
    up = sum(1 for a, b in itertools.pairwise(keys) if a < b)
    return down >= up


_BLOCK = attrgetter("block")
_DOC, _POST, _KIND, _TIME, _CLUSTER = (
    attrgetter(name) for name in ("doc", "post", "kind", "time", "cluster")
)
_KIND_CODE = {kind: code for code, kind in enumerate(BlockKind)}


def _kind_codes(blocks: Sequence[Block]) -> npt.NDArray[np.int8]:
    return np.fromiter(map(_KIND_CODE.__getitem__, map(_KIND, blocks)), dtype=np.int8, count=len(blocks))


def _clusters(results: Sequence[BlockResult]) -> npt.NDArray[np.int64]:
    return np.fromiter(
        (-1 if cluster is None else cluster for cluster in map(_CLUSTER, results)),
        dtype=np.int64,
        count=len(results),
    )


@dataclass(frozen=True, slots=True)
class _Posts:
    """The posts of a run as nodes ``0 ..``, numbered in (document, post number) order."""

    docs: list[int]
    numbers: list[int]
    sizes: list[int]
    times: list[str | None]
    dated: list[bool]
    roots: list[int]
    # Per document, its posts in input order (page heads left out) and its page head, if any.
    body: dict[int, list[int]]
    head: dict[int, int]


def build_timelines(result: DedupeResult, options: Options) -> tuple[Timeline, ...]:
    """The timelines of a run: one per live blog, however many snapshots of it were given.

    A single source is a timeline when it has two or more dated posts; sources without posts are none.
    Posts are matched and grouped with numpy over all blocks at once; only the timelines' own order is
    worked out post by post.
    """
    results = result.blocks
    count = len(results)
    blocks = list(map(_BLOCK, results))
    numbers = np.fromiter(
        (-1 if post is None else post for post in map(_POST, blocks)), dtype=np.int64, count=count
    )
    numbered = np.flatnonzero(numbers >= 0)
    if not numbered.size:
        return ()
    docs = np.fromiter(map(_DOC, blocks), dtype=np.int64, count=count)
    width = int(numbers.max()) + 1
    keys, first_at, node_of = np.unique(
        docs[numbered] * width + numbers[numbered], return_index=True, return_inverse=True
    )
    node_count = len(keys)
    node_docs, node_numbers = keys // width, keys % width
    node_ids = np.full(count, -1, dtype=np.int64)
    node_ids[numbered] = node_of.reshape(-1)
    first_at = numbered[first_at]

    # A post's time is the first time any of its blocks carries.
    times = list(map(_TIME, blocks))
    timed_at = np.flatnonzero(np.fromiter(map(operator.is_not, times, itertools.repeat(None)), bool, count))
    timed_at = timed_at[node_ids[timed_at] >= 0]
    timed_nodes, first_timed = np.unique(node_ids[timed_at], return_index=True)
    node_times: list[str | None] = [None] * node_count
    for node, at in zip(timed_nodes.tolist(), timed_at[first_timed].tolist(), strict=True):
        node_times[node] = times[at]
    has_time = np.zeros(node_count, dtype=bool)
    has_time[timed_nodes] = True

    # The page head of a source: its first post, numbered 0, undated.
    appearance = np.argsort(first_at, kind="stable")
    doc_order = np.argsort(node_docs[appearance], kind="stable")
    by_doc = appearance[doc_order]
    post_docs, doc_starts = np.unique(node_docs[by_doc], return_index=True)
    openers = by_doc[doc_starts]
    is_head = np.zeros(node_count, dtype=bool)
    is_head[openers[(node_numbers[openers] == 0) & ~has_time[openers]]] = True

    kinds = _kind_codes(blocks)
    table = overlap_table(
        node_ids,
        node_count,
        _clusters(results),
        np.isin(kinds, [_KIND_CODE[kind] for kind in META_KINDS]),
        kinds == _KIND_CODE[BlockKind.HEADING],
    )
    first, second = table.first, table.second
    repeat = repeat_mask(table) & ~is_head[first] & ~is_head[second]
    # Each class of repeated posts is named by its first post in (document, post number) order.
    roots = component_minimum(node_count, first[repeat], second[repeat])

    # Snapshots of one blog: most posts of one matched in the other, or the same title.
    doc_count = int(node_docs.max()) + 1
    matched = ~is_head[first] & (roots[first] == roots[second]) & (node_docs[first] != node_docs[second])
    partners = np.unique(first[matched] * doc_count + node_docs[second[matched]])
    doc_pairs, matched_posts = np.unique(
        node_docs[partners // doc_count] * doc_count + partners % doc_count, return_counts=True
    )
    doc_a, doc_b = doc_pairs // doc_count, doc_pairs % doc_count
    body_posts = np.bincount(node_docs[~is_head], minlength=doc_count)
    joined = 2 * matched_posts > np.minimum(body_posts[doc_a], body_posts[doc_b])
    has_posts = np.zeros(doc_count, dtype=bool)
    has_posts[post_docs] = True
    titles = np.flatnonzero(kinds == _KIND_CODE[BlockKind.TITLE])
    title_clusters = _clusters([results[at] for at in titles.tolist()])
    title_docs = docs[titles]
    keep = (title_clusters >= 0) & has_posts[np.minimum(title_docs, doc_count - 1)] & (title_docs < doc_count)
    title_clusters, title_docs = title_clusters[keep], title_docs[keep]
    by_cluster = np.argsort(title_clusters, kind="stable")
    title_clusters, title_docs = title_clusters[by_cluster], title_docs[by_cluster]
    same_title = np.flatnonzero(title_clusters[1:] == title_clusters[:-1])
    doc_roots = component_minimum(
        doc_count,
        np.concatenate([doc_a[joined], title_docs[same_title]]),
        np.concatenate([doc_b[joined], title_docs[same_title + 1]]),
    ).tolist()

    doc_bounds = [*doc_starts.tolist(), node_count]
    head_list = is_head.tolist()
    body: dict[int, list[int]] = {}
    head: dict[int, int] = {}
    by_doc_list = by_doc.tolist()
    for doc, start, end in zip(post_docs.tolist(), doc_bounds, doc_bounds[1:], strict=False):
        posts = by_doc_list[start:end]
        if head_list[posts[0]]:
            head[doc] = posts[0]
            posts = posts[1:]
        body[doc] = posts
    node_times_dated = [time is not None and _is_dated(time) for time in node_times]
    found = _Posts(
        node_docs.tolist(),
        node_numbers.tolist(),
        np.bincount(node_ids[numbered], minlength=node_count).tolist(),
        node_times,
        node_times_dated,
        roots.tolist(),
        body,
        head,
    )
    groups: dict[int, list[int]] = {}
    for doc in post_docs.tolist():
        groups.setdefault(doc_roots[doc], []).append(doc)
    sources = [document.source for document in result.documents]
    timelines = []
    for group in groups.values():
        timeline = _timeline(group, found, sources, options)
        if timeline is not None:
            timelines.append(timeline)
    return tuple(timelines)


def _class_time(members: Sequence[int], found: _Posts) -> str | None:
    """:func:`_best_time` of the members' times."""
    best = None
    for member in members:
        time = found.times[member]
        if time is not None:
            if found.dated[member]:
                return time
            if best is None:
                best = time
    return best


def _timeline(
    docs: Sequence[int], found: _Posts, sources: Sequence[str], options: Options
) -> Timeline | None:
    roots = found.roots
    classes: dict[int, list[int]] = {}
    for doc in docs:
        for post in found.body[doc]:
            root = roots[post]
            members = classes.get(root)
            if members is None:
                classes[root] = [post]
            else:
                members.append(post)
    post_times = found.times
    times = {
        root: post_times[members[0]] if len(members) == 1 else _class_time(members, found)
        for root, members in classes.items()
    }
    if len(docs) < 2 and sum(1 for time in times.values() if time is not None) < 2:
        return None
    base_keys = {time: time_key(time) for time in set(times.values()) if time is not None}
    dates = Counter(base_keys[time][0] for time in times.values() if time is not None)
    dates.pop("", None)
    dates.pop(_AGO_DATE, None)
    default_date = max(dates.items(), key=lambda item: (item[1], item[0]))[0] if dates else ""
    # A time without a date takes the timeline's usual date (what time_key(time, default_date) gives).
    for time, (date, clock) in base_keys.items():
        if not date:
            base_keys[time] = (default_date, clock)
    keys = {root: base_keys[time] for root, time in times.items() if time is not None}

    first_seen = {root: position for position, root in enumerate(classes)}
    order_key: dict[int, tuple[tuple[str, str], int, int]] = {
        root: (key, 0, first_seen[root]) for root, key in keys.items()
    }
    for doc in docs:
        doc_roots = [roots[post] for post in found.body[doc]]
        newest_first = _newest_first([keys[root] for root in doc_roots if root in keys])
        last: tuple[str, str] = ("", "")
        step = 0
        for root in reversed(doc_roots) if newest_first else doc_roots:
            key = keys.get(root)
            if key is not None:
                last, step = key, 0
            else:
                # A post no copy dates sits where its newest copy stands: a pinned post stays on top.
                step += 1
                candidate = (last, step, first_seen[root])
                order_key[root] = max(order_key.get(root, candidate), candidate)
    if options.order is PostOrder.INPUT:
        ordered = list(classes)
        order = "input"
    else:
        ordered = sorted(classes, key=order_key.__getitem__)
        if options.newest_first:
            ordered.reverse()
        order = "newest_first" if options.newest_first else "oldest_first"

    post_docs, numbers, sizes = found.docs, found.numbers, found.sizes

    def ref(post: int) -> PostRef:
        doc = post_docs[post]
        return PostRef(sources[doc], doc, numbers[post])

    posts = []
    for root in ordered:
        members = classes[root]
        copies: tuple[PostRef, ...]
        if len(members) == 1:
            copies = (ref(members[0]),)
        else:
            # The copy with the most blocks leads, ties to the earliest.
            primary = members[0]
            for member in members[1:]:
                if sizes[member] > sizes[primary]:
                    primary = member
            copies = (ref(primary), *(ref(post) for post in members if post != primary))
        posts.append(TimelinePost(times[root], copies))
    head_refs = tuple(ref(found.head[doc]) for doc in docs if doc in found.head)
    return Timeline(
        sources=tuple(sources[doc] for doc in docs),
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
