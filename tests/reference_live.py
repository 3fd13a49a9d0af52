"""Oracles: the straightforward per-block versions of the vectorized live-blog stages (lbdedup 4f001ef).

tests/test_live_arrays.py checks that postmatch, timeline and runs still give exactly what these give.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence

import numpy as np

from lbdedup.model import (
    META_KINDS,
    Block,
    BlockKind,
    BlockResult,
    DedupeResult,
    Options,
    PostOrder,
    PostRef,
    Run,
    RunSpan,
    Timeline,
    TimelinePost,
)
from lbdedup.postmatch import (
    MAX_CLUSTER_POSTS,
    Overlaps,
    PostKey,
    block_columns,
    post_arrays,
    post_overlaps,
    repeats,
)
from lbdedup.runs import MAX_RUN_CLUSTER, MIN_RUN_BLOCKS
from lbdedup.timeline import (
    _AGO_DATE,
    _TELLING_KINDS,
    TELLING_CHARS,
    TITLED_MAX_PAGES,
    TITLED_SHARED_POSTS,
    time_key,
)


def _find_index(parent: dict[int, int], item: int) -> int:
    while parent[item] != item:
        parent[item] = parent[parent[item]]
        item = parent[item]
    return item


def _copies(overlaps: Overlaps) -> list[tuple[PostKey, PostKey]]:
    """Pairs (P, Q) where all of P's blocks are in Q, under the same headline when both have one."""
    found = []
    for post, row in overlaps.shared.items():
        headline = overlaps.headlines.get(post)
        for other, shared in row.items():
            other_headline = overlaps.headlines.get(other)
            if headline is not None and other_headline is not None and headline != other_headline:
                continue
            if shared >= overlaps.sizes[post]:
                found.append((post, other))
    return found


def merge_repeated_meta(
    blocks: Sequence[Block], keys: Sequence[str], group: Sequence[int], cluster: Sequence[int]
) -> tuple[list[int], list[int]]:
    """``group`` and ``cluster`` with meta lines joined where the meta-line rule allows.

    ``keys`` are the normalized texts; meta blocks must come in as singletons (see
    :func:`exact_representatives`). A merged set of meta lines is named by its first block.
    """
    meta = [index for index, block in enumerate(blocks) if block.kind in META_KINDS]
    group, cluster = list(group), list(cluster)
    if not meta:
        return group, cluster
    parent = {index: index for index in meta}
    first_of: dict[tuple[PostKey, str, str], int] = {}
    first_in_run: dict[tuple[int, str, str], int] = {}
    holders: dict[tuple[str, str], set[PostKey]] = {}
    run = -1
    previous: tuple[int, PostKey] | None = None
    for index in meta:
        block = blocks[index]
        post: PostKey = (block.doc, block.post)
        line = (block.kind.value, keys[index])
        # A run of meta lines: consecutive blocks of one post, all meta lines, each time line starting one.
        if previous is None or previous != (index - 1, post) or block.kind is BlockKind.TIMESTAMP:
            run += 1
        previous = (index, post)
        first_of.setdefault((post, *line), index)
        first = first_in_run.setdefault((run, *line), index)
        if first != index:
            parent[_find_index(parent, index)] = _find_index(parent, first)
        holders.setdefault(line, set()).add(post)
    # Only a meta line that two posts hold can merge across posts.
    sharing = {post for posts in holders.values() if len(posts) > 1 for post in posts}
    repeated: set[tuple[PostKey, PostKey]] = set()
    if sharing:
        ids, post_keys, is_meta, is_heading = block_columns(blocks)
        # From 2026-12: furniture left alone with equal texts counts as one block, and meta lines follow a
        # post only into a post that holds all of it.
        sizes = Counter(cluster)
        first_text: dict[str, int] = {}
        joined = list(cluster)
        for index, block in enumerate(blocks):
            if block.kind not in META_KINDS and sizes[cluster[index]] == 1:
                joined[index] = first_text.setdefault(keys[index], index)
        overlaps = post_overlaps(ids, post_keys, np.asarray(joined, dtype=np.int64), is_meta, is_heading)
        # ... and a block is in the other post only with a copy of it or the text it is contained in there.
        group_sizes = Counter(group)
        first_group_text: dict[str, int] = {}
        joined_groups = list(group)
        for index, block in enumerate(blocks):
            if block.kind not in META_KINDS and group_sizes[group[index]] == 1:
                joined_groups[index] = first_group_text.setdefault(keys[index], index)
        holds: dict[PostKey, list[tuple[int, int]]] = {}
        for index, block in enumerate(blocks):
            if block.kind not in META_KINDS:
                holds.setdefault((block.doc, block.post), []).append((joined_groups[index], joined[index]))
        repeated = set()
        for post, other in _copies(overlaps):
            there = {own for own, _ in holds.get(other, [])}
            inside = all(own in there or top in there for own, top in holds.get(post, []))
            if post[1] is not None and inside:
                repeated.add((post, other))
    # Posts joined by repeats are copies of one post: a meta line two of them hold is one line.
    copies: dict[PostKey, PostKey] = {}
    for post, other in repeated:
        copies.setdefault(post, post)
        copies.setdefault(other, other)
        _union(copies, post, other)
    holding: dict[tuple[PostKey, str, str], set[PostKey]] = {}
    for index in meta:
        post = (blocks[index].doc, blocks[index].post)
        if post in copies:
            line = (blocks[index].kind.value, keys[index])
            holding.setdefault((_find(copies, post), *line), set()).add(post)
    for index in meta:
        post = (blocks[index].doc, blocks[index].post)
        if post not in copies:
            continue
        line = (blocks[index].kind.value, keys[index])
        holders_of_line = holding[_find(copies, post), line[0], line[1]]
        if len(holders_of_line) >= 2:
            first_holder = min(holders_of_line, key=lambda key: (key[0], key[1] or 0))
            partner = first_of[first_holder, line[0], line[1]]
            root_a, root_b = _find_index(parent, index), _find_index(parent, partner)
            if root_a != root_b:
                low, high = sorted((root_a, root_b))
                parent[high] = low
    for index in meta:
        root = _find_index(parent, index)
        group[index] = cluster[index] = root
    return group, cluster


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


def _time_kept(results: Sequence[BlockResult]) -> bool:
    return any(r.block.kind is BlockKind.TIMESTAMP and r.status.kept for r in results)


def _is_dated(time: str) -> bool:
    return len(time) >= 10 and time[4] == "-" and not time.startswith("-")


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
    # Telling blocks: a paragraph, quote, list item or caption of TELLING_CHARS or more, in a post.
    holders: dict[int, set[PostKey]] = {}
    for r in blocks:
        block = r.block
        telling = block.kind in _TELLING_KINDS and len(block.text) >= TELLING_CHARS
        if telling and block.post is not None and r.cluster is not None:
            holders.setdefault(r.cluster, set()).add((block.doc, block.post))
    told: dict[PostKey, set[PostKey]] = {}
    for holding in holders.values():
        if len(holding) > MAX_CLUSTER_POSTS:
            continue  # a stock paragraph, as post_overlaps leaves it out
        for post in holding:
            told.setdefault(post, set()).update(holding - {post})
    pages_of_class: dict[PostKey, set[int]] = {}
    for post in post_blocks:
        pages_of_class.setdefault(_find(parent, post), set()).add(post[0])
    told_between: Counter[tuple[int, int]] = Counter()
    rare_between: Counter[tuple[int, int]] = Counter()
    copy_pairs = set(_copies(overlaps))
    for post in post_blocks:
        if post in heads:
            continue
        alike = [other for other in told.get(post, set()) if _find(parent, other) == _find(parent, post)]
        partners = {other[0] for other in alike}
        for doc in partners - {post[0]}:
            told_between[(post[0], doc)] += 1
        # From 2026-12: with a title, only a post all of which is in its copy counts.
        if len(pages_of_class[_find(parent, post)]) <= TITLED_MAX_PAGES:
            for doc in {other[0] for other in alike if (post, other) in copy_pairs} - {post[0]}:
                rare_between[(post[0], doc)] += 1

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
        if 2 * count >= min(body_posts[doc_a], body_posts[doc_b]) and told_between[(doc_a, doc_b)] >= 1:
            join_docs(doc_a, doc_b)
    title_docs: dict[int, set[int]] = {}
    for item in blocks:
        if item.block.kind is BlockKind.TITLE and item.cluster is not None and item.block.doc in doc_posts:
            title_docs.setdefault(item.cluster, set()).add(item.block.doc)
    for titled in title_docs.values():
        for doc_a, doc_b in itertools.permutations(sorted(titled), 2):
            if rare_between[(doc_a, doc_b)] >= TITLED_SHARED_POSTS:
                join_docs(doc_a, doc_b)

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
    times: dict[PostKey, str | None] = {}
    for root, members in classes.items():
        primary = max(members, key=lambda post: (len(post_blocks[post]), -members.index(post)))
        # The copies with the best kind of time (dated, else any), those whose time line is kept if any; of
        # those the first copy when it is one, else the first met.
        timed = [p for p in members if _post_time(post_blocks[p]) is not None]
        level = [p for p in timed if _is_dated(_post_time(post_blocks[p]) or "")] or timed
        pool = [p for p in level if _time_kept(post_blocks[p])] or level
        chosen = primary if primary in pool else (pool[0] if pool else None)
        times[root] = None if chosen is None else _post_time(post_blocks[chosen])
    if (
        len(docs) < 2
        and sum(1 for time in times.values() if time is not None) < 2
        and _kept_dated_posts(post_blocks, docs, doc_posts, heads) < 2
    ):
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
    # Equal keys keep their documents' order, each document read in the wanted direction.
    tie: dict[PostKey, int] = {}
    for doc in docs:
        roots = [_find(parent, post) for post in doc_posts[doc] if post not in heads]
        known = [keys[root] for root in roots if root in keys]
        down = sum(1 for a, b in itertools.pairwise(known) if a > b)
        up = sum(1 for a, b in itertools.pairwise(known) if a < b)
        against = up > down if options.newest_first else down > up
        for root in reversed(roots) if against else roots:
            tie.setdefault(root, len(tie))
    if options.order is PostOrder.INPUT:
        ordered = list(classes)
        order = "input"
    else:
        ordered = sorted(classes, key=tie.__getitem__)
        ordered.sort(key=lambda root: order_key[root][:2], reverse=options.newest_first)
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


def _kept_dated_posts(
    post_blocks: dict[PostKey, list[BlockResult]],
    docs: Sequence[int],
    doc_posts: dict[int, list[PostKey]],
    heads: set[PostKey],
) -> int:
    """How many dated posts of ``docs`` keep a block that is not a meta line."""
    return sum(
        1
        for doc in docs
        for post in doc_posts[doc]
        if post not in heads
        and _post_time(post_blocks[post]) is not None
        and any(item.status.kept and item.block.kind not in META_KINDS for item in post_blocks[post])
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
    time_last = (
        bool(primary) and primary[0].block.kind not in META_KINDS and primary[-1].block.kind in META_KINDS
    )
    headline_first = (
        bool(primary)
        and primary[0].block.kind not in META_KINDS
        and not time_last
        and any(item.block.kind in META_KINDS for item in primary[1:])
    )
    # The first copy's opening: its leading meta lines, or its headline and the meta lines under it.
    opening = 1 if headline_first else 0
    while opening < len(primary) and primary[opening].block.kind in META_KINDS:
        opening += 1
    placed: list[tuple[tuple[int, int, int, int], BlockResult]] = []
    for rank, copy in enumerate(copies):
        anchor: int | None = None
        content_before = False
        for position, item in enumerate(copy):
            if rank == 0:
                anchor = position
            elif item.cluster is not None and item.cluster in position_of:
                anchor = position_of[item.cluster]
            meta = item.block.kind in META_KINDS
            # A paragraph standing for the first copy's (dropped) headline goes under the opening instead.
            for_headline = (
                headline_first
                and item.cluster is not None
                and position_of.get(item.cluster) == 0
                and item.block.kind is not BlockKind.HEADING
            )
            if rank == 0:
                where = position
            elif item.cluster is not None and item.cluster in position_of and not for_headline:
                where = position_of[item.cluster]
            elif meta:
                # A later copy's meta line: on top, or at the bottom: under the first copy's closing time
                # (time last), or when the first copy opens with its headline.
                if time_last:
                    where = len(primary) if content_before else -1
                else:
                    where = len(primary) if headline_first else -1
            else:
                # Other content: never above the end of the opening (loose content just under it).
                where = opening - 1 if anchor is None else max(anchor, opening - 1)
            content_before = content_before or not meta
            if item.status.kept:
                placed.append(((where, 0 if rank == 0 else 1, rank, position), item))
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


def _span(blocks: Sequence[BlockResult], start: int, end: int) -> RunSpan:
    first, last = blocks[start].block, blocks[end].block
    return RunSpan(first.source, first.index, last.index, first.line_start, last.line_end)


def find_runs(blocks: Sequence[BlockResult]) -> tuple[Run, ...]:
    """The syndicated runs among ``blocks`` (all sources, in input order), longest first per copied block.

    Each block of a copy belongs to at most one run: where several originals fit, the longest run wins,
    ties to the earliest original.
    """
    count = len(blocks)
    if count < 2:
        return ()
    clusters = np.fromiter(
        (-1 if item.cluster is None else item.cluster for item in blocks), dtype=np.int64, count=count
    )
    docs = np.fromiter((item.block.doc for item in blocks), dtype=np.int64, count=count)
    # A step is a block and the next block of the same source, both in clusters; equal steps (the same two
    # clusters in a row) at two places link those places. Grouping steps by their cluster pair with one
    # sort finds every link without comparing all pairs of places.
    step = np.flatnonzero((docs[:-1] == docs[1:]) & (clusters[:-1] >= 0) & (clusters[1:] >= 0))
    width = int(clusters.max()) + 1 if count else 1
    pair_keys = clusters[step] * width + clusters[step + 1]
    order = np.argsort(pair_keys, kind="stable")
    sorted_keys, sorted_steps = pair_keys[order], step[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    ends = np.r_[starts[1:], len(sorted_keys)]
    spread = ends - starts
    wanted = (spread >= 2) & (spread <= MAX_RUN_CLUSTER)
    places = sorted_steps.tolist()
    links: set[tuple[int, int]] = set()
    for begin, stop in zip(starts[wanted].tolist(), ends[wanted].tolist(), strict=False):
        group = places[begin:stop]
        for later_at, position in enumerate(group):
            for other in group[:later_at]:
                if other + 1 != position:
                    links.add((position, other))
    chains: list[tuple[int, int, int]] = []
    for copy, original in links:
        if (copy - 1, original - 1) in links:
            continue
        length = 1
        while (copy + length - 1, original + length - 1) in links:
            length += 1
        if blocks[copy].block.doc == blocks[original].block.doc:
            length = min(length, copy - original)
        if length >= MIN_RUN_BLOCKS:
            chains.append((copy, original, length))
    chains.sort(key=lambda chain: (-chain[2], chain[0], chain[1]))
    covered = [False] * count
    runs: list[tuple[int, int, int]] = []
    for copy, original, length in chains:
        offset = 0
        while offset < length:
            while offset < length and covered[copy + offset]:
                offset += 1
            start = offset
            while offset < length and not covered[copy + offset]:
                offset += 1
            if offset - start >= MIN_RUN_BLOCKS:
                runs.append((copy + start, original + start, offset - start))
                for taken in range(start, offset):
                    covered[copy + taken] = True
    runs.sort()
    return tuple(
        Run(_span(blocks, copy, copy + length - 1), _span(blocks, original, original + length - 1), length)
        for copy, original, length in runs
    )
