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
from collections.abc import Sequence
from functools import lru_cache
from operator import attrgetter
from typing import NamedTuple, cast

import numpy as np
import numpy.typing as npt

from lbdedup.arrays import positions_in_runs
from lbdedup.model import (
    KIND_CODES,
    META_KINDS,
    BlockKind,
    BlockResult,
    DedupeResult,
    Options,
    PostOrder,
    PostRef,
    Status,
    Timeline,
    TimelinePost,
)
from lbdedup.postmatch import component_minimum, copy_mask, group_pairs, overlap_table, repeat_mask
from lbdedup.table import NO_MATCH, STATUS_CODES, ClusterTable, ResultTable, cluster_table, result_table

__all__ = ["build_timelines", "keep_meta_of_printed_posts", "section_rows", "text_sections", "time_key"]

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
_DOC, _POST, _KIND, _TIME, _CLUSTER, _TEXT = (
    attrgetter(name) for name in ("doc", "post", "kind", "time", "cluster", "text")
)
# A post tells which blog a page is when it has a paragraph (or quote, list item, caption) this long: formula
# lines ("Thanks for reading.", "Refresh for the latest") are shorter, and every blog has them.
TELLING_CHARS = 45
_TELLING_KINDS = (BlockKind.PARAGRAPH, BlockKind.QUOTE, BlockKind.LIST_ITEM, BlockKind.CAPTION)
# Pages with one title (equal, near or contained) are one blog only with this many telling posts in common:
# the title is support, never the evidence.
TITLED_SHARED_POSTS = 2
# ... posts that at most this many pages hold (a page, its snapshot and a copy): more is a formula post.
TITLED_MAX_PAGES = 3
# map(_NONE_TO_MISSING.get, values, values): each value, None as -1, without a Python-level loop.
_NONE_TO_MISSING: dict[int | None, int] = {None: -1}


def _numbers(values: Sequence[int | None]) -> npt.NDArray[np.int64]:
    return np.fromiter(map(_NONE_TO_MISSING.get, values, values), dtype=np.int64, count=len(values))


def _run_starts(values: npt.NDArray[np.int64]) -> npt.NDArray[np.intp]:
    """Where each run of equal values starts."""
    return np.flatnonzero(np.r_[True, values[1:] != values[:-1]]) if values.size else np.zeros(0, np.intp)


def _run_ends(values: npt.NDArray[np.int64]) -> npt.NDArray[np.intp]:
    """Where each run of equal values ends (its last position)."""
    return np.r_[_run_starts(values)[1:] - 1, len(values) - 1] if values.size else np.zeros(0, np.intp)


def _distinct(values: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The distinct values, sorted (by sorting: faster here than np.unique's hashing)."""
    ordered = np.sort(values)
    return ordered[_run_starts(ordered)]


def _time_facts(time: str) -> tuple[str, str, bool]:
    """time_key(time) and whether ``time`` has a date, with a fast path for "YYYY-MM-DDThh:mm...".

    >>> _time_facts("2023-09-13T05:59:07+01:00"), _time_facts("15:53")
    (('2023-09-13', '05:59:07', True), ('', '15:53', False))
    """
    if len(time) >= 16 and time[10] == "T" and time[4] == "-" and "T" not in time[:10] and time[0] != "-":
        clock = time[11:]
        if clock[2] == ":" and clock[:2].isdecimal() and clock[3:5].isdecimal():
            if len(clock) >= 8 and clock[5] == ":" and clock[6:8].isdecimal():
                return time[:10], clock[:8], True
            return time[:10], clock[:5], True
    date, clock = time_key(time)
    return date, clock, _is_dated(time)


# _time_facts's fast path as a regex (``\d`` is str.isdecimal's class, Nd), to run by map over many times.
_FAST_TIME = re.compile(r"(?!-)([^T]{4}-[^T]{5})T(\d\d:\d\d(?::\d\d)?)")
_DATE_GROUP, _CLOCK_GROUP = operator.itemgetter(1), operator.itemgetter(2)
_NO_MATCH = _FAST_TIME.match("0000-00-00T00:00")


def _times_facts(times: Sequence[str]) -> tuple[list[str], list[str], npt.NDArray[np.bool_]]:
    """The dates, clocks and date flags of :func:`_time_facts` for many times, the usual ones by map.

    >>> _times_facts(["2023-09-13T05:59:07+01:00", "15:53"])
    (['2023-09-13', ''], ['05:59:07', '15:53'], array([ True, False]))
    """
    count = len(times)
    matches = list(map(_FAST_TIME.match, times))
    unmatched = np.flatnonzero(
        np.fromiter(map(operator.is_, matches, itertools.repeat(None)), dtype=bool, count=count)
    ).tolist()
    for position in unmatched:
        matches[position] = _NO_MATCH
    found = cast(list[re.Match[str]], matches)
    dates: list[str] = list(map(_DATE_GROUP, found))
    clocks: list[str] = list(map(_CLOCK_GROUP, found))
    dated = np.ones(count, dtype=bool)
    for position in unmatched:
        dates[position], clocks[position], dated[position] = _time_facts(times[position])
    return dates, clocks, dated


def _ranks(values: set[str]) -> dict[str, int]:
    """Each string's rank among ``values``, in str order."""
    return {value: position for position, value in enumerate(sorted(values))}


class _PostTable(NamedTuple):
    """The posts of a run as nodes ``0 ..`` in (document, post number) order, and the block columns used.

    A class of repeated posts is named by its first node (``roots``), as a union-find keeping the smaller
    root would name it.
    """

    docs: npt.NDArray[np.int64]  # per block
    kinds: npt.NDArray[np.int8]  # per block
    node_ids: npt.NDArray[np.int64]  # per block, -1 for none
    clusters: npt.NDArray[np.int64]  # per block, -1 for none
    node_docs: npt.NDArray[np.int64]
    node_numbers: npt.NDArray[np.int64]
    sizes: npt.NDArray[np.int64]  # blocks per post
    by_doc: npt.NDArray[np.int64]  # nodes by document, then input order
    post_docs: npt.NDArray[np.int64]  # the documents with posts, sorted
    openers: npt.NDArray[np.int64]  # each of those documents' first post
    is_head: npt.NDArray[np.bool_]
    time_ids: npt.NDArray[np.int64]  # index into distinct_times, -1 for none
    dated: npt.NDArray[np.bool_]
    distinct_times: list[str]
    dates: list[str]  # per distinct time, as _time_facts gives it
    clocks: list[str]
    roots: npt.NDArray[np.int64]
    first: npt.NDArray[np.int64]  # pairs of posts sharing blocks (see OverlapTable)
    second: npt.NDArray[np.int64]
    telling: npt.NDArray[np.bool_]  # per post: it has a paragraph long enough to tell one blog's post
    told_first: npt.NDArray[np.int64]  # pairs of posts sharing such a paragraph
    told_second: npt.NDArray[np.int64]
    copies: npt.NDArray[
        np.int64
    ]  # sorted keys first * node count + second of pairs where first is all in second


def _post_table(results: Sequence[BlockResult]) -> _PostTable | None:
    """The :class:`_PostTable` of ``results``; None when no block is in a post."""
    count = len(results)
    table = result_table(results)
    blocks = table.blocks
    numbers = blocks.post.astype(np.int64)
    numbered = np.flatnonzero(numbers >= 0)
    if not numbered.size:
        return None
    docs = blocks.doc.astype(np.int64)
    width = int(numbers.max()) + 1
    keys, first_at, node_of = np.unique(
        docs[numbered] * width + numbers[numbered], return_index=True, return_inverse=True
    )
    node_count = len(keys)
    node_docs, node_numbers = keys // width, keys % width
    node_ids = np.full(count, -1, dtype=np.int64)
    node_ids[numbered] = node_of.reshape(-1)
    first_at = numbered[first_at]
    sizes = np.bincount(node_ids[numbered], minlength=node_count)

    # A post's time is the first time any of its blocks carries: nearly always its first block's.
    block_times = blocks.time
    node_time_codes = block_times[first_at].astype(np.int64)
    untimed = node_time_codes < 0
    if untimed.any():
        for at in np.flatnonzero(untimed[np.maximum(node_ids, 0)] & (node_ids >= 0)).tolist():
            node = int(node_ids[at])
            if node_time_codes[node] < 0:
                node_time_codes[node] = block_times[at]
    time_lookup: list[str | None] = [*blocks.times, None]
    node_times = list(map(time_lookup.__getitem__, node_time_codes.tolist()))
    # Times as ids into the distinct times (-1: none), with what sorting and choosing need of each.
    first_seen = dict.fromkeys(node_times)
    first_seen.pop(None, None)
    distinct_times = cast(list[str], list(first_seen))
    time_id: dict[str | None, int] = dict(zip(distinct_times, itertools.count()))
    time_id[None] = -1
    time_ids = np.fromiter(map(time_id.__getitem__, node_times), dtype=np.int64, count=node_count)
    dates, clocks, time_dated = _times_facts(distinct_times)
    has_time = time_ids >= 0
    dated = np.zeros(node_count, dtype=bool)
    dated[has_time] = time_dated[time_ids[has_time]]

    # Each document's posts in input order; its page head is the first, when numbered 0 and undated.
    by_doc = np.argsort(first_at, kind="stable")
    by_doc = by_doc[np.argsort(node_docs[by_doc], kind="stable")]
    post_docs, doc_starts = np.unique(node_docs[by_doc], return_index=True)
    openers = by_doc[doc_starts]
    is_head = np.zeros(node_count, dtype=bool)
    is_head[openers[(node_numbers[openers] == 0) & ~has_time[openers]]] = True

    kinds = blocks.kind.astype(np.int8)
    clusters = table.cluster
    overlaps = overlap_table(
        node_ids,
        node_count,
        clusters,
        np.isin(kinds, [KIND_CODES[kind] for kind in META_KINDS]),
        kinds == KIND_CODES[BlockKind.HEADING],
    )
    first, second = overlaps.first, overlaps.second
    repeat = repeat_mask(overlaps) & ~is_head[first] & ~is_head[second]
    # What tells two pages are one blog: its posts' own paragraphs. Headings ("Key events"), meta lines and
    # short formula lines ("Thanks for reading.") are left out, as they are in every blog.
    lengths = blocks.text_lengths()
    telling_block = (
        np.isin(kinds, [KIND_CODES[kind] for kind in _TELLING_KINDS])
        & (lengths >= TELLING_CHARS)
        & (node_ids >= 0)
    )
    telling = np.zeros(node_count, dtype=bool)
    telling[node_ids[telling_block]] = True
    told = overlap_table(node_ids, node_count, clusters, ~telling_block, np.zeros(count, dtype=bool))
    return _PostTable(
        docs,
        kinds,
        node_ids,
        clusters,
        node_docs,
        node_numbers,
        sizes,
        by_doc,
        post_docs,
        openers,
        is_head,
        time_ids,
        dated,
        distinct_times,
        dates,
        clocks,
        component_minimum(node_count, first[repeat], second[repeat]),
        first,
        second,
        telling,
        told.first,
        told.second,
        np.sort(first[copy_mask(overlaps)] * node_count + second[copy_mask(overlaps)]),
    )


def _shared_posts(
    posts: _PostTable, first: npt.NDArray[np.int64], second: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Per ordered pair of documents (a * doc_count + b, sorted): a's body posts with a repeat in b.

    Only the pairs of posts ``first``-``second`` count as showing the repeat.
    """
    roots, is_head, node_docs = posts.roots, posts.is_head, posts.node_docs
    doc_count = int(node_docs.max()) + 1
    matched = ~is_head[first] & (roots[first] == roots[second]) & (node_docs[first] != node_docs[second])
    partners = _distinct(first[matched] * doc_count + node_docs[second[matched]])
    keys, counts = np.unique(
        node_docs[partners // doc_count] * doc_count + partners % doc_count, return_counts=True
    )
    return keys.astype(np.int64), counts.astype(np.int64)


def _count_of(
    keys: npt.NDArray[np.int64], counts: npt.NDArray[np.int64], wanted: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """``counts`` at the ``wanted`` keys (sorted ``keys``), 0 where a key is missing."""
    if not keys.size:
        return np.zeros(len(wanted), dtype=np.int64)
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    return np.where(keys[at] == wanted, counts[at], 0)


def _snapshot_groups(posts: _PostTable) -> npt.NDArray[np.int64]:
    """Per document, the smallest document it is a snapshot of the same blog with (itself at least).

    Two documents are snapshots of one blog when they share posts: at least half the body posts of either
    have a repeat in the other, and at least one of those shares a telling paragraph with it (see
    ``TELLING_CHARS``); or, when their titles are in one cluster, when at least ``TITLED_SHARED_POSTS`` of
    either's posts, each held by at most ``TITLED_MAX_PAGES`` pages and all in their copy in the other,
    share a telling paragraph with it. A title alone never joins two pages ("Yorkshire breaking news" heads a
    new page every day), nor do formula lines, formula posts or time lines.
    """
    node_docs = posts.node_docs
    doc_count = int(node_docs.max()) + 1
    pairs, matched = _shared_posts(posts, posts.first, posts.second)
    told_pairs, told = _shared_posts(posts, posts.told_first, posts.told_second)
    doc_a, doc_b = pairs // doc_count, pairs % doc_count
    body_posts = np.bincount(node_docs[~posts.is_head], minlength=doc_count)
    joined = (2 * matched >= np.minimum(body_posts[doc_a], body_posts[doc_b])) & (
        _count_of(told_pairs, told, pairs) >= 1
    )
    has_posts = np.zeros(doc_count + 1, dtype=bool)
    has_posts[posts.post_docs] = True
    titles = np.flatnonzero(posts.kinds == KIND_CODES[BlockKind.TITLE])
    title_clusters, title_docs = posts.clusters[titles], posts.docs[titles]
    keep = (title_clusters >= 0) & has_posts[np.minimum(title_docs, doc_count)]
    title_keys = np.unique(title_clusters[keep] * doc_count + title_docs[keep])
    starts = _run_starts(title_keys // doc_count)
    left, right = group_pairs(starts, np.diff(np.r_[starts, len(title_keys)]))
    titled_a, titled_b = title_keys[left] % doc_count, title_keys[right] % doc_count
    # Posts on every page of a county's daily blog ("Good morning: join us for today's live coverage") tell
    # nothing: with a title, only posts that few pages repeat count.
    roots = posts.roots
    root_docs = _distinct(roots * doc_count + node_docs)
    pages_of_root = np.bincount(root_docs // doc_count, minlength=len(roots))
    rare = pages_of_root[roots[posts.told_first]] <= TITLED_MAX_PAGES
    # ... and only a post all of which is in the other: two days' sign-off posts that open with the same
    # formula and end with the same farewell, each with news of its own between, are two posts.
    node_count = len(roots)
    told_keys = posts.told_first * node_count + posts.told_second
    rare &= _count_of(posts.copies, np.ones(len(posts.copies), dtype=np.int64), told_keys) > 0
    rare_pairs, rare_told = _shared_posts(posts, posts.told_first[rare], posts.told_second[rare])
    titled = _count_of(rare_pairs, rare_told, titled_a * doc_count + titled_b) >= TITLED_SHARED_POSTS
    return component_minimum(
        doc_count,
        np.concatenate([doc_a[joined], titled_a[titled]]),
        np.concatenate([doc_b[joined], titled_b[titled]]),
    )


def keep_meta_of_printed_posts(
    result: DedupeResult, timelines: Sequence[Timeline]
) -> tuple[DedupeResult, bool]:
    """``result`` with the meta lines a post still needs kept: (the result, whether anything changed).

    A time or byline line merged with its post's copy elsewhere is dropped with it. But when the copy is in
    another timeline (a post most of which another blog printed first) and the post still prints content of
    its own here, dropping its time would print that content under no time: such a meta line is kept, out of
    its cluster. A cluster left with only its kept copy is no cluster (its id is not used again). Only meta
    statuses change, which the timelines do not depend on.

    >>> from lbdedup.core import dedupe
    >>> from lbdedup.model import Document
    >>> fixed, changed = keep_meta_of_printed_posts(dedupe([Document("a.txt", "Rain.\\n")]), ())
    >>> changed
    False
    """
    blocks = result.blocks
    count = len(blocks)
    if not count:
        return result, False
    table = result_table(blocks)
    is_meta = table.blocks.of_kinds(META_KINDS)
    duplicate = table.status == STATUS_CODES[Status.DUPLICATE]
    candidates = np.flatnonzero(duplicate & is_meta).tolist()
    if not candidates:
        return result, False
    kept = table.kept_mask()
    docs = table.blocks.doc.astype(np.int64)
    posts = table.blocks.post.astype(np.int64)
    width = int(posts.max()) + 2
    printing = set((docs * width + posts)[kept & ~is_meta & (posts >= 0)].tolist())
    doc_of = {document.source: doc for doc, document in enumerate(result.documents)}
    timeline_of = {doc: number for number, timeline in enumerate(timelines) for doc in timeline.docs}

    # A document in no timeline is a place of its own.
    place = -1 - np.arange(len(result.documents), dtype=np.int64)
    for doc, number in timeline_of.items():
        place[doc] = number
    rows = np.asarray(candidates, dtype=np.int64)
    copies = table.duplicate_of[rows]
    rows, copies = rows[(posts[rows] >= 0) & (copies >= 0)], copies[(posts[rows] >= 0) & (copies >= 0)]
    printed = np.fromiter(
        map(printing.__contains__, (docs[rows] * width + posts[rows]).tolist()), bool, len(rows)
    )
    promoted = rows[printed & (place[docs[rows]] != place[docs[copies]])]
    del doc_of
    if not promoted.size:
        return result, False
    clusters = cluster_table(result.clusters, table)
    touched = np.unique(table.cluster[promoted])
    status, cluster = table.status.copy(), table.cluster.copy()
    duplicate_of, match, similarity = table.duplicate_of.copy(), table.match.copy(), table.similarity.copy()
    unique = STATUS_CODES[Status.UNIQUE]

    def make_unique(rows: npt.NDArray[np.int64]) -> None:
        status[rows], cluster[rows], duplicate_of[rows] = unique, -1, -1
        match[rows], similarity[rows] = NO_MATCH, np.nan

    make_unique(promoted)
    member_cluster = np.repeat(np.arange(len(clusters.ids)), np.diff(clusters.starts))
    staying = ~np.isin(clusters.members, promoted)
    sizes = np.bincount(member_cluster[staying], minlength=len(clusters.ids))
    was_touched = np.isin(clusters.ids, touched)
    dissolved = was_touched & (sizes < 2)
    # The kept copy of a cluster now gone is a unique block (a meta line of one of the clusters touched).
    gone_kept = clusters.canonical[dissolved]
    make_unique(gone_kept[is_meta[gone_kept]])
    staying &= ~dissolved[member_cluster]
    left = ~dissolved
    new_clusters = ClusterTable(
        table.with_columns(
            status=status,
            cluster=cluster,
            duplicate_of=duplicate_of,
            match=match,
            similarity=similarity,
            reasons={
                row: reason for row, reason in table.reasons.items() if status[row] == table.status[row]
            },
        ),
        clusters.ids[left],
        clusters.canonical[left],
        clusters.members[staying],
        np.r_[0, np.cumsum(sizes[left])].astype(np.int64),
    )
    from lbdedup.core import with_result_table  # the core imports this module

    return with_result_table(result, new_clusters.results, new_clusters), True


def build_timelines(result: DedupeResult, options: Options) -> tuple[Timeline, ...]:
    """The timelines of a run: one per live blog, however many snapshots of it were given.

    A single source is a timeline when it has two or more dated posts; sources without posts are none.
    Every step works on arrays over all posts at once; Python objects are made only for the result.
    """
    posts = _post_table(result.blocks)
    if posts is None:
        return ()
    node_docs, roots = posts.node_docs, posts.roots
    # A timeline is named by its first document: timelines in that order, documents sorted inside.
    doc_roots = _snapshot_groups(posts)
    group_of_doc = np.full(len(doc_roots), -1, dtype=np.int64)
    group_roots, group_of_doc[posts.post_docs] = np.unique(doc_roots[posts.post_docs], return_inverse=True)
    group_count = len(group_roots)

    # The body posts of every timeline in the order they are met: documents in order, posts in input order.
    walk = posts.by_doc[~posts.is_head[posts.by_doc]]
    walk = walk[np.argsort(group_of_doc[node_docs[walk]], kind="stable")]
    walk_docs = node_docs[walk]
    walk_groups = group_of_doc[walk_docs]
    # A class: the posts of one timeline with one root; classes numbered in the order they are first met.
    _, class_first, class_of = np.unique(
        walk_groups * len(roots) + roots[walk], return_index=True, return_inverse=True
    )
    class_rank = np.empty(len(class_first), dtype=np.int64)
    class_rank[np.argsort(class_first, kind="stable")] = np.arange(len(class_first))
    class_of = class_rank[class_of.reshape(-1)]
    class_count = len(class_first)
    class_groups = np.empty(class_count, dtype=np.int64)
    class_groups[class_of] = walk_groups

    # The copies of a class: the one with the most blocks first (ties to the earliest), then the others.
    positions = np.arange(len(walk))
    by_size = np.lexsort((positions, -posts.sizes[walk], class_of))
    primaries = walk[by_size[_run_starts(class_of[by_size])]]

    # A class's time: its dated copies' (else those with any time), the first copy's when it is one of them
    # (its time line is the one right above the post's content in the clean text), else the first met.
    # A copy whose time line is a dropped copy of another post's prints no time: one with a kept time line
    # is preferred, so the post is sorted by the time printed above it and, read again, stays in place.
    time_kept = np.zeros(len(posts.sizes), dtype=bool)
    kept_times = result_table(result.blocks).kept_mask() & (posts.kinds == KIND_CODES[BlockKind.TIMESTAMP])
    time_kept[posts.node_ids[kept_times & (posts.node_ids >= 0)]] = True
    time_node = np.full(class_count, -1, dtype=np.int64)
    for flags in (posts.time_ids >= 0, posts.dated):
        with_flag = np.flatnonzero(flags[walk])
        found, first_index = np.unique(class_of[with_flag], return_index=True)
        time_node[found] = walk[with_flag[first_index]]
        with_kept = np.flatnonzero((flags & time_kept)[walk])
        found, first_index = np.unique(class_of[with_kept], return_index=True)
        time_node[found] = walk[with_kept[first_index]]
        any_kept = np.zeros(class_count, dtype=bool)
        any_kept[found] = True
        primary_flagged = flags[primaries] & (time_kept[primaries] | ~any_kept)
        time_node[primary_flagged] = primaries[primary_flagged]
    class_time_ids = np.where(time_node >= 0, posts.time_ids[np.maximum(time_node, 0)], -1)
    class_times: list[str | None] = list(
        map([*posts.distinct_times, None].__getitem__, class_time_ids.tolist())
    )
    timed = time_node >= 0
    group_docs = np.bincount(group_of_doc[posts.post_docs], minlength=group_count)
    shown = (group_docs >= 2) | (np.bincount(class_groups[timed], minlength=group_count) >= 2)
    if not shown.all():
        shown |= _kept_timed_posts(result.blocks, posts, group_of_doc, group_count, ~shown) >= 2

    sort_key, ties = _sort_keys(
        posts, walk, class_of, class_groups, class_time_ids, group_count, options.newest_first
    )
    if options.order is PostOrder.INPUT:
        ordered = np.arange(class_count)
        order = "input"
    elif options.newest_first:
        ordered = np.lexsort((ties, -sort_key, class_groups))
        order = "newest_first"
    else:
        ordered = np.lexsort((ties, sort_key, class_groups))
        order = "oldest_first"

    is_primary = np.zeros(len(walk), dtype=np.int8)
    is_primary[by_size[_run_starts(class_of[by_size])]] = 1
    members = walk[np.lexsort((positions, -is_primary, class_of))]
    member_bounds = np.r_[0, np.cumsum(np.bincount(class_of, minlength=class_count))].tolist()

    sources = [document.source for document in result.documents]
    doc_list, number_list = node_docs.tolist(), posts.node_numbers.tolist()
    refs = list(map(PostRef, map(sources.__getitem__, doc_list), doc_list, number_list))
    member_refs = list(map(refs.__getitem__, members.tolist()))
    # Most classes are one post: their copies are 1-tuples, made by zip without a Python loop.
    copies: list[tuple[PostRef, ...]] = list(zip(map(member_refs.__getitem__, member_bounds[:-1])))
    for position in np.flatnonzero(np.diff(member_bounds) > 1).tolist():
        copies[position] = tuple(member_refs[member_bounds[position] : member_bounds[position + 1]])
    timeline_posts = list(map(TimelinePost, class_times, copies))
    ordered_posts = list(map(timeline_posts.__getitem__, ordered.tolist()))
    group_bounds = np.r_[0, np.cumsum(np.bincount(class_groups, minlength=group_count))].tolist()

    head_of = dict(zip(node_docs[posts.openers].tolist(), posts.openers.tolist(), strict=True))
    group_docs_lists: list[list[int]] = [[] for _ in range(group_count)]
    for doc, group in zip(posts.post_docs.tolist(), group_of_doc[posts.post_docs].tolist(), strict=True):
        group_docs_lists[group].append(doc)
    head_list = posts.is_head.tolist()
    timelines = []
    for group, members_docs in enumerate(group_docs_lists):
        if not shown[group]:
            continue
        timelines.append(
            Timeline(
                sources=tuple(sources[doc] for doc in members_docs),
                docs=tuple(members_docs),
                order=order,
                heads=tuple(refs[head_of[doc]] for doc in members_docs if head_list[head_of[doc]]),
                posts=tuple(ordered_posts[group_bounds[group] : group_bounds[group + 1]]),
            )
        )
    return tuple(timelines)


def _kept_timed_posts(
    blocks: Sequence[BlockResult],
    posts: _PostTable,
    group_of_doc: npt.NDArray[np.int64],
    group_count: int,
    wanted: npt.NDArray[np.bool_],
) -> npt.NDArray[np.int64]:
    """Per timeline (counted only where ``wanted``), how many dated posts keep a block that is not meta.

    Posts that repeat one another are one post of the timeline, but each copy that keeps a block of its own
    is a post of the clean text, and is read as one when the clean text is cleaned again.
    """
    node_ids = posts.node_ids
    content = np.flatnonzero(
        (node_ids >= 0) & ~np.isin(posts.kinds, [KIND_CODES[kind] for kind in META_KINDS])
    )
    candidates = content[wanted[group_of_doc[posts.node_docs[node_ids[content]]]]]
    kept = result_table(blocks).kept_mask()[candidates]
    nodes = _distinct(node_ids[candidates[kept]])
    nodes = nodes[posts.time_ids[nodes] >= 0]
    return np.bincount(group_of_doc[posts.node_docs[nodes]], minlength=group_count)


def _sort_keys(
    posts: _PostTable,
    walk: npt.NDArray[np.int64],
    class_of: npt.NDArray[np.int64],
    class_groups: npt.NDArray[np.int64],
    class_time_ids: npt.NDArray[np.int64],
    group_count: int,
    newest_first_wanted: bool,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Per class, a number that sorts classes oldest first, and a rank that orders classes of equal number.

    A dated class sorts by its (date, clock), an undated date taking the usual date of its timeline (its
    most frequent, ties to the latest), as time_key(time, default_date) does. An undated class sits just
    above the newest dated post below it in any copy (a pinned post stays on top): that post's key, then
    how many steps above it.

    Classes of equal number keep the order their documents give them, read in the wanted direction: a file
    whose dated posts run the other way is read from its end. So a clean text, already in the wanted order,
    keeps posts of the same minute where they stand when it is cleaned again.
    """
    class_count = len(class_groups)
    timed = class_time_ids >= 0
    # Ranks in str order; "" is the smallest, rank 0, so ("", "") (no dated post yet) is key 0.
    date_rank = _ranks({*posts.dates, ""})
    clock_rank = _ranks({*posts.clocks, ""})
    timed_ids = class_time_ids[timed]
    time_count = len(posts.dates)
    base_dates = np.fromiter(map(date_rank.__getitem__, posts.dates), dtype=np.int64, count=time_count)[
        timed_ids
    ]
    clocks = np.fromiter(map(clock_rank.__getitem__, posts.clocks), dtype=np.int64, count=time_count)[
        timed_ids
    ]
    timed_groups = class_groups[timed]
    countable = (base_dates != 0) & (base_dates != date_rank.get(_AGO_DATE, -1))
    date_count = len(date_rank)
    votes, tally = np.unique(timed_groups[countable] * date_count + base_dates[countable], return_counts=True)
    vote_groups, vote_dates = votes // date_count, votes % date_count
    best = np.lexsort((vote_dates, tally, vote_groups))
    best = best[_run_ends(vote_groups[best])]
    default_date = np.zeros(group_count, dtype=np.int64)
    default_date[vote_groups[best]] = vote_dates[best]
    dates = np.where(base_dates == 0, default_date[timed_groups], base_dates)
    key_rank = np.full(class_count, -1, dtype=np.int64)
    key_rank[timed] = dates * len(clock_rank) + clocks

    # Per document: newest first when its dated posts mostly run down (the live-blog default when unclear).
    walk_docs = posts.node_docs[walk]
    doc_count = int(posts.node_docs.max()) + 1
    walk_keys = key_rank[class_of]
    dated_walk = np.flatnonzero(walk_keys >= 0)
    pair_docs = walk_docs[dated_walk]
    same_doc = pair_docs[1:] == pair_docs[:-1]
    pair_keys = walk_keys[dated_walk]
    down = np.bincount(pair_docs[1:][same_doc & (pair_keys[:-1] > pair_keys[1:])], minlength=doc_count)
    up = np.bincount(pair_docs[1:][same_doc & (pair_keys[:-1] < pair_keys[1:])], minlength=doc_count)
    newest_first = down >= up
    # Walk each document from its oldest post, counting the steps since the last dated one.
    segment_starts = _run_starts(walk_docs)
    segment_ends = np.r_[segment_starts[1:], len(walk)]
    segment_of = np.repeat(np.arange(len(segment_starts)), segment_ends - segment_starts)
    positions = np.arange(len(walk))
    mirrored = segment_starts[segment_of] + segment_ends[segment_of] - 1 - positions
    against = up > down if newest_first_wanted else down > up
    ties = np.full(class_count, len(walk), dtype=np.int64)
    np.minimum.at(ties, class_of, np.where(against[walk_docs], mirrored, positions))
    order_walk = np.argsort(np.where(newest_first[walk_docs], mirrored, positions), kind="stable")
    stepped_classes = class_of[order_walk]
    stepped_keys = walk_keys[order_walk]
    before_segment = segment_starts[segment_of] - 1
    last_dated = np.maximum.accumulate(np.where(stepped_keys >= 0, positions, before_segment))
    steps = positions - last_dated
    last_key = np.where(last_dated > before_segment, stepped_keys[np.maximum(last_dated, 0)], 0)
    undated = stepped_keys < 0
    limit = len(walk) + 1
    placed = np.full(class_count, -1, dtype=np.int64)
    np.maximum.at(placed, stepped_classes[undated], last_key[undated] * limit + steps[undated])
    return np.where(key_rank >= 0, key_rank * limit, placed), ties


_STATUS, _RESULT_DOC, _RESULT_POST = attrgetter("status"), attrgetter("block.doc"), attrgetter("block.post")
_RESULT_KIND = attrgetter("block.kind")
_COPIES = attrgetter("copies")
_KEPT = {status: status.kept for status in Status}


def _grouped(
    keys: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The rows sorted by ``keys`` (stable), each group's key and start (then the end)."""
    order = np.argsort(keys, kind="stable").astype(np.int64)
    sorted_keys = keys[order]
    starts = _run_starts(sorted_keys)
    return order, sorted_keys[starts], np.r_[starts, len(keys)].astype(np.int64)


def text_sections(result: DedupeResult) -> list[tuple[str, list[BlockResult]]]:
    """The clean text's sections in output order: (header, kept blocks), one per source or per timeline.

    Sources outside any reordered timeline keep their blocks in place; a timeline stands where its first
    source stood. A timeline's post follows its first copy's layout, the other copies' kept blocks slotted
    in after the first copy's block of the same cluster (or under its opening lines, before any such block).
    """
    table = result_table(result.blocks)
    return [(header, table._make(rows.tolist())) for header, rows in section_rows(result)]


def section_rows(result: DedupeResult) -> list[tuple[str, npt.NDArray[np.int64]]]:
    """:func:`text_sections` as rows of ``result.blocks``: what the renderer reads columns by."""
    table = result_table(result.blocks)
    docs = table.blocks.doc.astype(np.int64)
    kept = table.kept_mask()
    reordered = [timeline for timeline in result.timelines if timeline.order != "input"]
    owner = {doc: timeline for timeline in reordered for doc in timeline.docs}
    placed = _placed_timelines(table, docs, kept, owner, len(result.documents))
    # The kept blocks of the sources left in place, by source.
    owned = np.zeros(len(result.documents), dtype=bool)
    owned[list(owner)] = True
    in_place = np.flatnonzero(kept & ~owned[docs])
    in_place = in_place[np.argsort(docs[in_place], kind="stable")]
    bounds: list[int] = np.searchsorted(docs[in_place], np.arange(len(result.documents) + 1)).tolist()
    sections: list[tuple[str, npt.NDArray[np.int64]]] = []
    for doc, document in enumerate(result.documents):
        timeline = owner.get(doc)
        if timeline is None:
            sections.append((document.source, in_place[bounds[doc] : bounds[doc + 1]]))
            continue
        if doc != timeline.docs[0]:
            continue
        if len(timeline.docs) == 1:
            header = document.source
        else:
            direction = timeline.order.replace("_", " ")
            header = f"{' + '.join(timeline.sources)} (one timeline, {direction})"
        sections.append((header, placed[doc]))
    return sections


def _later_anchors(
    meta_rows: npt.NDArray[np.bool_],
    heading_rows: npt.NDArray[np.bool_],
    entries: npt.NDArray[np.int64],
    later: npt.NDArray[np.int64],
    anchors: npt.NDArray[np.int64],
    loose: npt.NDArray[np.bool_],
    own_place: npt.NDArray[np.bool_],
    copy_starts: npt.NDArray[np.int64],
    primary_starts: npt.NDArray[np.int64],
    primary_lengths: npt.NDArray[np.int64],
) -> list[int]:
    """Where the kept blocks ``later`` of copies after the first go, where the anchors do not say well.

    A block in a cluster of the first copy stands where that copy's block stands. Any other time or byline
    line goes on top of the post (at the bottom when the first copy opens with its headline), never inside
    its content; when the first copy has its content first and its time last, one that follows its own
    copy's content goes at the bottom. Any other block of content goes no higher than just under the first
    copy's opening: its leading time and byline lines, or, when it opens with its headline, that headline and
    the time and byline lines under it (a loose block, with no block of the first copy's clusters before it,
    goes just there). So the post's own time stays next to its content, another copy's time never opens or
    closes a post of its own, and no content stands above the time line that opens its post, when the clean
    text is read again.
    """

    def is_meta(entry: int) -> bool:
        return bool(meta_rows[entries[entry]])

    found: list[int] = []
    for entry, copy_start, start, length in zip(
        later.tolist(),
        copy_starts[later].tolist(),
        primary_starts.tolist(),
        primary_lengths.tolist(),
        strict=True,
    ):
        anchor = int(anchors[entry])
        time_last = length > 0 and not is_meta(start) and is_meta(start + length - 1)
        headline_first = (
            length > 0
            and not is_meta(start)
            and not time_last
            and any(is_meta(start + at) for at in range(1, length))
        )
        # In the headline's place, a paragraph (the first copy's headline is a dropped copy of it) reads as
        # content above the time line, read again: the post turns time-last. It goes under the opening.
        if own_place[entry] and not (headline_first and anchor == 0 and not heading_rows[entries[entry]]):
            found.append(anchor)  # a copy of a block of the first copy stands where that block stands
            continue
        if is_meta(entry):
            after_content = not all(is_meta(before) for before in range(copy_start, entry))
            if time_last:
                anchor = length if after_content else -1
            elif headline_first:
                # Above the headline, or between it and its time line, the time line would open a post of
                # its own when the clean text is read again; at the bottom it stays in this one.
                anchor = length
            else:
                anchor = -1
        else:
            opening = 1 if headline_first else 0
            while opening < length and is_meta(start + opening):
                opening += 1
            anchor = opening - 1 if loose[entry] else max(anchor, opening - 1)
        found.append(anchor)
    return found


def _placed_timelines(
    table: ResultTable,
    docs: npt.NDArray[np.int64],
    kept: npt.NDArray[np.bool_],
    owner: dict[int, Timeline],
    document_count: int,
) -> dict[int, npt.NDArray[np.int64]]:
    """The kept blocks of each reordered timeline (keyed by its first document), all placed at once.

    Every post (and page head) is a slot; the blocks of all copies of all slots are laid out as arrays and
    sorted by (slot, anchor, a later copy, copy, position): a block of the first copy anchors at its own
    position, a later copy's block at the first-copy position of its cluster, else where the block before
    it anchored (-1 at the top).
    """
    timelines = [owner[doc] for doc in range(document_count) if doc in owner and owner[doc].docs[0] == doc]
    if not timelines:
        return {}
    posts = table.blocks.post.astype(np.int64)
    width = int(posts.max()) + 2
    order, group_keys, bounds = _grouped(docs * width + posts + 1)
    clusters = table.cluster[order]
    kept = kept[order]

    slot_copies: list[tuple[PostRef, ...]] = []
    slot_counts = []
    for timeline in timelines:
        slot_copies.extend(zip(timeline.heads))
        slot_copies.extend(map(_COPIES, timeline.posts))
        slot_counts.append(len(timeline.heads) + len(timeline.posts))
    copy_counts = np.fromiter(map(len, slot_copies), dtype=np.int64, count=len(slot_copies))
    refs = list(itertools.chain.from_iterable(slot_copies))
    ref_keys = np.fromiter(map(_DOC, refs), dtype=np.int64, count=len(refs)) * width
    ref_keys += np.fromiter(map(_POST, refs), dtype=np.int64, count=len(refs)) + 1
    group = np.minimum(np.searchsorted(group_keys, ref_keys), len(group_keys) - 1)
    found = group_keys[group] == ref_keys
    ref_starts = bounds[group]
    ref_lengths = np.where(found, bounds[group + 1] - ref_starts, 0)
    ref_slots = np.repeat(np.arange(len(slot_copies)), copy_counts)
    ref_ranks = np.arange(len(refs)) - np.repeat(np.cumsum(copy_counts) - copy_counts, copy_counts)

    entry_refs = np.repeat(np.arange(len(refs)), ref_lengths)
    entries = positions_in_runs(ref_starts, ref_lengths)
    entry_starts = np.repeat(np.cumsum(ref_lengths) - ref_lengths, ref_lengths)
    positions = np.arange(len(entries)) - entry_starts
    slots, ranks = ref_slots[entry_refs], ref_ranks[entry_refs]
    entry_clusters = clusters[entries]
    # Where each cluster first stands in its slot's first copy.
    cluster_width = int(clusters.max()) + 1 if len(table) else 1
    primary = np.flatnonzero((ranks == 0) & (entry_clusters >= 0))
    primary_keys, first = np.unique(
        slots[primary] * cluster_width + entry_clusters[primary], return_index=True
    )
    primary_positions = positions[primary[first]]
    wanted = slots * cluster_width + entry_clusters
    match = np.minimum(np.searchsorted(primary_keys, wanted), max(len(primary_keys) - 1, 0))
    hits = (entry_clusters >= 0) & (ranks > 0)
    if primary_keys.size:
        hits &= primary_keys[match] == wanted
    else:
        hits[:] = False
    anchored = np.where(ranks == 0, True, hits)
    latest = np.maximum.accumulate(np.where(anchored, np.arange(len(entries)), entry_starts - 1))
    own = np.where(ranks == 0, positions, primary_positions[match] if primary_keys.size else -1)
    anchors = np.where(latest >= entry_starts, own[np.maximum(latest, 0)], -1)
    later = np.flatnonzero((ranks > 0) & kept[entries])
    if later.size:
        primary_refs = np.cumsum(copy_counts) - copy_counts
        primary_starts = (np.cumsum(ref_lengths) - ref_lengths)[primary_refs]
        anchors[later] = _later_anchors(
            table.blocks.of_kinds(META_KINDS)[order],
            table.blocks.of_kinds((BlockKind.HEADING,))[order],
            entries,
            later,
            anchors,
            latest < entry_starts,
            hits,
            entry_starts,
            primary_starts[slots[later]],
            ref_lengths[primary_refs][slots[later]],
        )
    chosen = np.flatnonzero(kept[entries])
    layout = chosen[
        np.lexsort((positions[chosen], ranks[chosen], ranks[chosen] > 0, anchors[chosen], slots[chosen]))
    ]
    placed_rows = order[entries[layout]]
    slot_bounds: npt.NDArray[np.int64] = np.r_[0, np.cumsum(slot_counts)]
    cuts: list[int] = np.searchsorted(slots[layout], slot_bounds).tolist()
    return {
        timeline.docs[0]: placed_rows[cuts[position] : cuts[position + 1]]
        for position, timeline in enumerate(timelines)
    }
