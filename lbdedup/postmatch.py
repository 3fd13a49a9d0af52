"""Which posts repeat which, and the meta-line rule that follows from it (DESIGN.md, "post").

A timestamp or byline says nothing by itself: "16.56 BST" on two different posts are two facts, equal or not.
So meta lines never match through the ordinary exact/near/contained stages. Once the other blocks are
clustered, a post whose non-meta blocks are mostly copies of one other post's blocks is a repeat of it (a
pinned post shown again, a snapshot's copy), and only then are its meta lines merged with that post's equal
meta lines. A byline printed twice in one post, with only bylines between, is a doubling and merges too; a
time line never is (each opens or closes a post), nor the same line twice around the post's content.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from operator import attrgetter
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from lbdedup.arrays import positions_in_runs
from lbdedup.model import KIND_CODES, META_KINDS, Block, BlockKind
from lbdedup.table import BlockTable, block_table

__all__ = [
    "LeadFacts",
    "Overlaps",
    "PostKey",
    "block_columns",
    "exact_representatives",
    "headlines_apart",
    "headlines_apart_columns",
    "lead_facts",
    "merge_repeated_meta",
    "merge_repeated_meta_columns",
    "post_arrays",
    "post_overlaps",
    "repeats",
]

PostKey = tuple[int, "int | None"]
"""A post: (document position, post number); post None stands for a document without posts."""

_DOC, _POST, _KIND = attrgetter("doc"), attrgetter("post"), attrgetter("kind")

# A cluster spread over more posts than this is a stock phrase ("Key events"), not evidence of a repeat.
MAX_CLUSTER_POSTS = 64
# A post's first line of this many words or fewer, with more of the post after it, is its headline.
MAX_LEAD_WORDS = 30


# Per kind code, whether the kind is a meta line's: looked up, it is many times quicker than np.isin.
_META_CODES = np.zeros(256, dtype=bool)
_META_CODES[[KIND_CODES[kind] for kind in META_KINDS]] = True


def _is_meta(kind: npt.NDArray[np.integer[Any]]) -> npt.NDArray[np.bool_]:
    """Which of the kind codes ``kind`` are meta lines'."""
    found: npt.NDArray[np.bool_] = _META_CODES[kind]
    return found


class LeadFacts(NamedTuple):
    """What :func:`headlines_apart_columns` needs of the blocks' texts, made per part by :func:`lead_facts`.

    Per block: ``short`` marks the first non-meta line of a post (of a run of consecutive rows of one post)
    with ``MAX_LEAD_WORDS`` words or fewer, the only line that can be a headline; ``echo`` marks a later
    non-meta line of such a post with the same words as that first line, casefolded.
    """

    short: npt.NDArray[np.bool_]
    echo: npt.NDArray[np.bool_]


def lead_facts(blocks: BlockTable, rows: npt.NDArray[np.bool_] | None = None) -> LeadFacts:
    """The :class:`LeadFacts` of ``blocks`` (a part: whole documents), or of the posts opened by ``rows``.

    When ``rows`` is given, only a first line in it is marked short, and only its post's lines echoes: all
    that :func:`headlines_apart_columns` reads to tell whether those rows are headlines. The facts of a run
    are those of its parts, one after the other: a post lies in one part.

    >>> from lbdedup.model import BlockKind as K
    >>> lines = [(K.TIMESTAMP, "16.26"), (K.PARAGRAPH, "Is Kim in?"), (K.PARAGRAPH, "IS KIM  in?"),
    ...          (K.PARAGRAPH, "Kim is in.")]
    >>> facts = lead_facts(block_table([Block(0, "a", i, i, i, k, t, 0) for i, (k, t) in enumerate(lines)]))
    >>> facts.short.tolist(), facts.echo.tolist()
    ([False, True, False, False], [False, False, True, False])
    """
    count = len(blocks)
    short = np.zeros(count, dtype=bool)
    echo = np.zeros(count, dtype=bool)
    docs, posts = blocks.doc, blocks.post
    content = (posts >= 0) & ~_is_meta(blocks.kind)
    if not content.any():
        return LeadFacts(short, echo)
    run = np.cumsum(np.r_[True, (docs[1:] != docs[:-1]) | (posts[1:] != posts[:-1])]) - 1
    lines = np.flatnonzero(content)
    # The runs come in order: a run's first line is where the run number of the lines changes.
    line_runs = run[lines]
    openers = lines[np.r_[True, line_runs[1:] != line_runs[:-1]]]
    if rows is not None:
        openers = openers[rows[openers]]
    # Splitting no further than one word past the limit bounds the work on a long paragraph.
    counted = [len(text.split(None, MAX_LEAD_WORDS)) for text in blocks.texts(openers.tolist())]
    short[openers] = np.array(counted, dtype=np.int64) <= MAX_LEAD_WORDS
    # The later lines of a post under a short first line, each with that line's index.
    opener_of_run = np.full(int(run[-1]) + 1, -1, dtype=np.int64)
    opener_of_run[run[openers[short[openers]]]] = openers[short[openers]]
    opener_of_line = opener_of_run[line_runs]
    later = (opener_of_line >= 0) & (lines > opener_of_line)
    followers, leads = lines[later].tolist(), opener_of_line[later].tolist()
    if followers:
        owns: dict[int, list[str]] = {}
        found = []
        for lead, text in zip(leads, blocks.texts(followers), strict=True):
            own = owns.get(lead)
            if own is None:
                own = owns[lead] = blocks.text(lead).casefold().split()
            # Casefolding keeps every word a word (no character folds to or from whitespace), so a line of
            # another word count differs: counted first, the split stopping one word past the lead's.
            found.append(len(text.split(None, len(own))) == len(own) and text.casefold().split() == own)
        echo[followers] = found
    return LeadFacts(short, echo)


def _is_lead(
    docs: npt.NDArray[np.integer[Any]],
    posts: npt.NDArray[np.integer[Any]],
    meta: npt.NDArray[np.bool_],
    facts: LeadFacts,
    index: int,
    representative: npt.NDArray[np.int64],
) -> bool:
    """Whether block ``index`` opens its post (only meta lines before it) and more of the post follows.

    ``meta`` marks the meta lines; the blocks are read by column, no text. A line that copies one of a post
    with no copy of this one is no more of the post: cleaned, it goes, and read again this line would stand
    alone in its post (``representative`` names each block's exact group).
    """
    # Short: the post's first non-meta line, of few enough words (so only meta lines come before it).
    if not facts.short[index]:
        return False
    doc, post = int(docs[index]), int(posts[index])
    echo = facts.echo
    after = index + 1
    count = len(docs)
    # More of the post: a line of other words (the same line again is the same text, an exact copy).
    group = int(representative[index])
    while after < count and docs[after] == doc and posts[after] == post:
        if (
            not meta[after]
            and not echo[after]
            and not _copy_from_elsewhere(docs, posts, representative, group, after)
        ):
            return True
        after += 1
    return False


Match = tuple[int, int, "int | None", float]


def _copy_from_elsewhere(
    docs: npt.NDArray[np.integer[Any]],
    posts: npt.NDArray[np.integer[Any]],
    representative: npt.NDArray[np.int64],
    group: int,
    index: int,
) -> bool:
    """Whether block ``index`` is a later copy of a line of a post with no block of exact group ``group``."""
    first = int(representative[index])
    if first == index:
        return False
    doc, post = docs[first], posts[first]
    if post < 0:
        return True
    start = first
    while start > 0 and docs[start - 1] == doc and posts[start - 1] == post:
        start -= 1
    end = first + 1
    while end < len(docs) and docs[end] == doc and posts[end] == post:
        end += 1
    return not bool(np.any(representative[start:end] == group))


def _involved_members(
    count: int, representative: npt.NDArray[np.int64], matches: Sequence[Match]
) -> npt.NDArray[np.intp]:
    """The blocks whose exact group is named by a side of one of ``matches``, in input order."""
    involved = sorted({index for match in matches for index in match[:2]})
    wanted = np.zeros(count, dtype=bool)
    wanted[involved] = True
    return np.flatnonzero(wanted[representative])


def headlines_apart_columns(
    doc: npt.NDArray[np.integer[Any]],
    post: npt.NDArray[np.integer[Any]],
    kind: npt.NDArray[np.uint8],
    facts: LeadFacts,
    representative: npt.NDArray[np.int64],
    matches: list[Match],
) -> list[Match]:
    """:func:`headlines_apart` from per-block columns of the whole run: no text, no match key.

    ``doc``, ``post`` (-1: none) and ``kind`` (codes of ``KIND_CODES``) as in a
    :class:`~lbdedup.table.BlockTable`, ``facts`` from :func:`lead_facts` (of each part, joined), and
    ``representative`` from :func:`exact_representatives`. A post's blocks must be consecutive rows.

    >>> from lbdedup.model import BlockKind as K
    >>> lines = [(K.TIMESTAMP, "16.26"), (K.PARAGRAPH, "Is Smith running?"), (K.PARAGRAPH, "Is he? Yes.")]
    >>> table = block_table([Block(0, "a", i, i, i, kind, text, 0) for i, (kind, text) in enumerate(lines)])
    >>> headlines_apart_columns(table.doc, table.post, table.kind, lead_facts(table), np.arange(3),
    ...                         [(1, 2, 1, 1.0), (0, 2, None, 0.9)])
    [(0, 2, None, 0.9)]
    """
    if not matches:
        return matches
    count = len(doc)
    members = _involved_members(count, representative, matches)
    meta = _is_meta(kind)
    lead = np.zeros(count, dtype=bool)
    lead[members] = [_is_lead(doc, post, meta, facts, index, representative) for index in members.tolist()]
    all_lead = np.ones(count, dtype=bool)
    np.logical_and.at(all_lead, representative[members], lead[members])
    any_lead = np.zeros(count, dtype=bool)
    np.logical_or.at(any_lead, representative[members], lead[members])
    return [
        match
        for match in matches
        if not (all_lead[match[0]] and not any_lead[match[1]])
        and not (all_lead[match[1]] and not any_lead[match[0]])
    ]


def headlines_apart(
    blocks: Sequence[Block], representative: npt.NDArray[np.int64], matches: list[Match]
) -> list[Match]:
    """``matches`` (a, b, container, similarity) of exact-group representatives, less headline-to-body ones.

    A post's headline (its first line after its meta lines, ``MAX_LEAD_WORDS`` words or fewer, with more of
    the post after it) that a paragraph repeats ("Is Smith running?" over "Is Smith running? He hired ...")
    or quotes ("Smith: I have never been surer" over "I have never been surer"), in its own post or another,
    or that the page title holds, is not a copy of it, whatever kinds the segmenter gave them. A pair is
    dropped when every copy of one side is a headline and no copy of the other is: exact copies still match.
    Texts are read only in posts that the blocks involved open (see :func:`headlines_apart_columns`).

    >>> from lbdedup.model import BlockKind as K
    >>> lines = [(K.TIMESTAMP, "16.26"), (K.PARAGRAPH, "Is Smith running?"), (K.PARAGRAPH, "Is he? Yes.")]
    >>> post = [Block(0, "a", i, i, i, kind, text, 0) for i, (kind, text) in enumerate(lines)]
    >>> headlines_apart(post, np.arange(3), [(1, 2, 1, 1.0), (0, 2, None, 0.9)])
    [(0, 2, None, 0.9)]
    """
    if not matches:
        return matches
    table = block_table(blocks)
    asked = np.zeros(len(table), dtype=bool)
    # Only the involved blocks' posts are read: their facts are all that is made.
    asked[_involved_members(len(table), representative, matches)] = True
    facts = lead_facts(table, asked)
    return headlines_apart_columns(table.doc, table.post, table.kind, facts, representative, matches)


def exact_representatives(
    exact: npt.NDArray[np.uint64], is_meta: npt.NDArray[np.bool_]
) -> npt.NDArray[np.int64]:
    """For every block, the first block with the same exact hash; meta lines are their own representative.

    >>> meta = np.array([False, False, True, True])
    >>> exact_representatives(np.array([7, 7, 9, 9], dtype=np.uint64), meta).tolist()
    [0, 0, 2, 3]
    """
    count = len(exact)
    representative = np.arange(count, dtype=np.int64)
    content = np.flatnonzero(~is_meta)
    if content.size:
        _, first, inverse = np.unique(exact[content], return_index=True, return_inverse=True)
        representative[content] = content[first[inverse.reshape(-1)]]
    return representative


@dataclass(frozen=True, slots=True)
class Overlaps:
    """How posts share blocks: ``shared[P][Q]`` of P's non-meta blocks have a copy in Q; P has ``sizes[P]``.

    ``headlines[P]`` names the cluster of P's headline (its first non-meta block, when a heading), or a
    negative number unique to that block when it has no copy.
    """

    shared: dict[PostKey, dict[PostKey, int]]
    sizes: Counter[PostKey]
    headlines: dict[PostKey, int]


class OverlapTable(NamedTuple):
    """:class:`Overlaps` as arrays over post ids, for callers that work on all posts at once.

    Per post id: ``sizes`` (non-meta blocks), ``headlines`` (see :class:`Overlaps`; meaningful where
    ``has_headline``). Per pair of posts sharing blocks, sorted by (``first``, ``second``): ``shared`` of
    ``first``'s non-meta blocks have a copy in ``second``; ``seen`` orders the pairs as the loops over the
    clusters (in ascending order) first meet them.
    """

    sizes: npt.NDArray[np.int64]
    headlines: npt.NDArray[np.int64]
    has_headline: npt.NDArray[np.bool_]
    first: npt.NDArray[np.int64]
    second: npt.NDArray[np.int64]
    shared: npt.NDArray[np.int64]
    seen: npt.NDArray[np.int64]


def _group_bounds(sorted_keys: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Where each run of equal keys starts and ends in ``sorted_keys``."""
    if not sorted_keys.size:
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    return starts, np.r_[starts[1:], len(sorted_keys)]


def group_pairs(
    starts: npt.NDArray[np.intp], spread: npt.NDArray[np.intp]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Every ordered pair (i, j), i != j, of positions inside each group ``starts[g]`` .. ``+ spread[g]``.

    In order of i, then j (groups in the order given).

    >>> left, right = group_pairs(np.array([0, 5]), np.array([2, 3]))
    >>> list(zip(left.tolist(), right.tolist()))
    [(0, 1), (1, 0), (5, 6), (5, 7), (6, 5), (6, 7), (7, 5), (7, 6)]
    """
    group_of = np.repeat(np.arange(len(starts)), spread)
    times = spread[group_of]
    # Each member of a group, once for every member of its group (left), paired with each of them (right).
    left = np.repeat(positions_in_runs(starts, spread), times)
    right = positions_in_runs(starts[group_of], times)
    distinct = left != right
    return left[distinct], right[distinct]


def overlap_table(
    post_ids: npt.NDArray[np.int64],
    post_count: int,
    clusters: npt.NDArray[np.int64],
    is_meta: npt.NDArray[np.bool_],
    is_heading: npt.NDArray[np.bool_],
) -> OverlapTable:
    """The :class:`OverlapTable` of posts ``0 .. post_count - 1``; arguments as for :func:`post_overlaps`.

    >>> table = overlap_table(np.array([0, 0, 1, 1]), 2, np.array([5, 6, 5, 6]), np.zeros(4, dtype=bool),
    ...                       np.array([True, False, True, False]))
    >>> table.first.tolist(), table.second.tolist(), table.shared.tolist(), table.headlines.tolist()
    ([0, 1], [1, 0], [2, 2], [5, 5])
    """
    valid = (post_ids >= 0) & ~is_meta
    positions = np.flatnonzero(valid)
    ids, cluster_of = post_ids[positions], clusters[positions]
    sizes = np.bincount(ids, minlength=post_count).astype(np.int64)
    headlines = np.zeros(post_count, dtype=np.int64)
    has_headline = np.zeros(post_count, dtype=bool)
    opened, first = np.unique(ids, return_index=True)
    at = positions[first]
    led = is_heading[at]
    headline_cluster = cluster_of[first[led]]
    has_headline[opened[led]] = True
    headlines[opened[led]] = np.where(headline_cluster >= 0, headline_cluster, -1 - at[led])
    copied = cluster_of >= 0
    ids, cluster_of = ids[copied], cluster_of[copied]
    width = max(post_count, 1)
    pairs, blocks_in = np.unique(cluster_of.astype(np.int64) * width + ids, return_counts=True)
    starts, ends = _group_bounds(pairs // width)
    spread = ends - starts
    wanted = (spread >= 2) & (spread <= MAX_CLUSTER_POSTS)
    cluster_starts, cluster_spread = starts[wanted], spread[wanted]
    pair_post = pairs % width
    # The ordered pairs of posts of each cluster, counted a batch of clusters at a time (a cluster of k posts
    # makes k * (k - 1)): the batches' distinct pairs are put together at the end. ``seen`` counts the pairs
    # across the batches, so it is the index the loop over all clusters at once would give.
    made = np.cumsum(cluster_spread * (cluster_spread - 1))
    cuts = np.unique(
        np.searchsorted(made, np.arange(_PAIRS_A_BATCH, int(made[-1]) if made.size else 0, _PAIRS_A_BATCH))
    )
    found_keys, found_shared, found_seen = [], [], []
    offset = 0
    for low, high in pairwise([0, *cuts.tolist(), len(cluster_starts)]):
        left, right = group_pairs(cluster_starts[low:high], cluster_spread[low:high])
        keys = pair_post[left] * width + pair_post[right]
        order = np.argsort(keys, kind="stable")
        pair_starts, _ = _group_bounds(keys[order])
        counts = blocks_in[left][order]
        found_shared.append(np.add.reduceat(counts, pair_starts) if counts.size else counts)
        found_keys.append(keys[order][pair_starts])
        found_seen.append(order[pair_starts] + offset)
        offset += len(left)
    keys = np.concatenate([np.empty(0, dtype=np.int64), *found_keys])
    order = np.argsort(keys, kind="stable")
    pair_starts, _ = _group_bounds(keys[order])
    batch_shared = np.concatenate([np.empty(0, dtype=np.int64), *found_shared])[order]
    shared = np.add.reduceat(batch_shared, pair_starts) if batch_shared.size else batch_shared
    # Equal keys come in batch order: the first is the one met first.
    seen = np.concatenate([np.empty(0, dtype=np.int64), *found_seen])[order][pair_starts]
    unique_keys = keys[order][pair_starts]
    return OverlapTable(
        sizes,
        headlines,
        has_headline,
        unique_keys // width,
        unique_keys % width,
        shared.astype(np.int64),
        seen.astype(np.int64),
    )


# overlap_table makes the pairs of posts of about this many at a time.
_PAIRS_A_BATCH = 1 << 20


def repeat_mask(table: OverlapTable) -> npt.NDArray[np.bool_]:
    """Which pairs of ``table`` are repeats (``first`` repeats ``second``): the rule of :func:`repeats`."""
    first, second = table.first, table.second
    both = table.has_headline[first] & table.has_headline[second]
    same_headline = table.headlines[first] == table.headlines[second]
    # Under one headline, the blocks below it must be mostly shared too (the headline is one of the shared).
    body = table.sizes[first] - 1
    same_post = same_headline & ((body <= 0) | (2 * (table.shared - 1) > body))
    mostly_shared = 2 * table.shared > table.sizes[first]
    return np.where(both, same_post, mostly_shared)


def copy_mask(table: OverlapTable) -> npt.NDArray[np.bool_]:
    """Which pairs of ``table`` are copies (``first`` is all in ``second``): the rule meta lines follow.

    A post repeats another when most of it is there (:func:`repeat_mask`), enough to tie two pages into one
    timeline; but its time and byline go with the other post's only when all it says is there, under the
    same headline if both have one. A post of another day that opens with the same greeting and headline and
    goes on with news of its own keeps its time line.

    >>> headed = np.array([True, False, False, False] * 2)
    >>> table = overlap_table(np.repeat([0, 1], 4), 2, np.array([5, 6, 7, 9, 5, 6, 7, 8]),
    ...                       np.zeros(8, dtype=bool), headed)
    >>> repeat_mask(table).tolist(), copy_mask(table).tolist()
    ([True, True], [False, False])
    """
    first, second = table.first, table.second
    both = table.has_headline[first] & table.has_headline[second]
    same_headline = table.headlines[first] == table.headlines[second]
    whole = table.shared >= table.sizes[first]
    return np.where(both, same_headline & whole, whole)


def post_overlaps(
    post_ids: npt.NDArray[np.int64],
    post_keys: Sequence[PostKey],
    clusters: npt.NDArray[np.int64],
    is_meta: npt.NDArray[np.bool_],
    is_heading: npt.NDArray[np.bool_],
) -> Overlaps:
    """For each post P and other post Q: how many of P's non-meta blocks have a copy in Q; sizes; headlines.

    Per block: ``post_ids`` indexes ``post_keys`` (-1: no post), ``clusters`` names its cluster (-1: none).
    Vectorized (see :func:`overlap_table`); only the dictionaries are built per post.

    >>> ids, cl = np.array([0, 0, 1, 1]), np.array([5, 6, 5, 6])
    >>> flags, heads = np.zeros(4, dtype=bool), np.array([True, False, True, False])
    >>> found = post_overlaps(ids, [(0, 1), (0, 2)], cl, flags, heads)
    >>> found.shared[(0, 1)], found.sizes[(0, 2)], found.headlines[(0, 2)]
    ({(0, 2): 2}, 2, 5)
    """
    table = overlap_table(post_ids, len(post_keys), clusters, is_meta, is_heading)
    sizes: Counter[PostKey] = Counter()
    for post, size in enumerate(table.sizes.tolist()):
        if size:
            sizes[post_keys[post]] = size
    headlines = {
        post_keys[post]: headline
        for post, headline in zip(
            np.flatnonzero(table.has_headline).tolist(),
            table.headlines[table.has_headline].tolist(),
            strict=True,
        )
    }
    # The rows and their entries in the order the loops over the clusters meet them.
    row_seen = np.full(len(post_keys), len(table.seen), dtype=np.int64)
    np.minimum.at(row_seen, table.first, table.seen)
    order = np.lexsort((table.seen, row_seen[table.first]))
    shared: dict[PostKey, dict[PostKey, int]] = {}
    for post, other, count in zip(
        table.first[order].tolist(), table.second[order].tolist(), table.shared[order].tolist(), strict=True
    ):
        shared.setdefault(post_keys[post], {})[post_keys[other]] = count
    return Overlaps(shared, sizes, headlines)


def post_arrays(
    posts: Sequence[PostKey | None],
) -> tuple[npt.NDArray[np.int64], list[PostKey]]:
    """Posts as ids for :func:`post_overlaps`: an id per block (-1 for None) and the key of each id.

    >>> post_arrays([(0, 1), (0, 1), None, (1, 0)])
    (array([ 0,  0, -1,  1]), [(0, 1), (1, 0)])
    """
    index: dict[PostKey, int] = {}
    ids = np.fromiter(
        (-1 if post is None else index.setdefault(post, len(index)) for post in posts),
        dtype=np.int64,
        count=len(posts),
    )
    return ids, list(index)


def block_columns(
    blocks: Sequence[Block],
) -> tuple[npt.NDArray[np.int64], list[PostKey], npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Per block, in one pass: its post id (indexing the returned post keys), is it meta, is it a heading.

    >>> from lbdedup.model import BlockKind
    >>> ids, keys, meta, heading = block_columns([Block(0, "a", 0, 1, 1, BlockKind.HEADING, "Hi", post=2)])
    >>> ids.tolist(), keys, meta.tolist(), heading.tolist()
    ([0], [(0, 2)], [False], [True])
    """
    index: dict[PostKey, int] = {}
    ids: list[int] = []
    meta: list[bool] = []
    heading: list[bool] = []
    heading_kind = BlockKind.HEADING
    for block in blocks:
        kind = block.kind
        ids.append(index.setdefault((block.doc, block.post), len(index)))
        meta.append(kind in META_KINDS)
        heading.append(kind is heading_kind)
    return (
        np.array(ids, dtype=np.int64),
        list(index),
        np.array(meta, dtype=bool),
        np.array(heading, dtype=bool),
    )


def repeats(overlaps: Overlaps) -> list[tuple[PostKey, PostKey]]:
    """Pairs (P, Q) where P repeats Q: most of P's blocks are in Q, under the same headline if both have one.

    Two posts with different headlines are different posts, however many sentences they share (a breaking
    post that quotes the summary is not the summary). Two posts under one headline are one post only when
    most of what P says below it is in Q too: "That's all for today" heads a different farewell every day.

    >>> overlaps = Overlaps({(0, 1): {(0, 2): 2}, (0, 2): {(0, 1): 2}}, Counter({(0, 1): 2, (0, 2): 5}), {})
    >>> repeats(overlaps)
    [((0, 1), (0, 2))]
    >>> farewells = Overlaps({(0, 1): {(1, 1): 1}, (1, 1): {(0, 1): 1}}, Counter({(0, 1): 2, (1, 1): 2}),
    ...                      {(0, 1): 7, (1, 1): 7})
    >>> repeats(farewells)
    []
    """
    found = []
    for post, row in overlaps.shared.items():
        headline = overlaps.headlines.get(post)
        for other, shared in row.items():
            other_headline = overlaps.headlines.get(other)
            if headline is not None and other_headline is not None:
                body = overlaps.sizes[post] - 1
                if headline == other_headline and (body <= 0 or 2 * (shared - 1) > body):
                    found.append((post, other))
            elif 2 * shared > overlaps.sizes[post]:
                found.append((post, other))
    found.sort(key=lambda pair: (pair[0][0], pair[0][1] or 0, pair[1][0], pair[1][1] or 0))
    return found


def _post_ids(
    doc: npt.NDArray[np.integer[Any]], post: npt.NDArray[np.integer[Any]]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Per block, the id of its post (document, post number or None); per id, whether the post is numbered."""
    docs = doc.astype(np.int64)
    posts = post.astype(np.int64)
    width = int(posts.max()) + 2
    keys, ids = np.unique(docs * width + posts + 1, return_inverse=True)
    return ids.reshape(-1).astype(np.int64), keys % width != 0


def component_minimum(
    count: int, first: npt.NDArray[np.int64], second: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """For each node ``0 .. count - 1``, the smallest node joined to it by the edges ``first[k]-second[k]``.

    What a union-find that always keeps the smaller root finds, whatever the order of the edges. Each round
    hooks the larger root of every edge that still joins two trees under the smaller one, then points every
    node straight at its root: a tree either hooks or has all its neighbours hook, so the number of trees
    in a component at least halves each round.

    >>> component_minimum(6, np.array([4, 2, 5]), np.array([1, 4, 3])).tolist()
    [0, 1, 1, 3, 1, 3]
    """
    labels = np.arange(count, dtype=np.int64)
    while first.size:
        root_a, root_b = labels[first], labels[second]
        apart = root_a != root_b
        if not apart.any():
            break
        first, second = first[apart], second[apart]
        root_a, root_b = root_a[apart], root_b[apart]
        np.minimum.at(labels, np.maximum(root_a, root_b), np.minimum(root_a, root_b))
        while True:
            jumped = labels[labels]
            if np.array_equal(jumped, labels):
                break
            labels = jumped
    return labels


def _equal_texts_joined(
    cluster: npt.NDArray[np.int64], exact: npt.NDArray[np.uint64], is_meta: npt.NDArray[np.bool_]
) -> npt.NDArray[np.int64]:
    """``cluster`` where blocks left alone with equal texts (equal ``exact`` hashes) share one id.

    The id is the first such block's index. Only furniture is left alone with a text another block has
    ("Read our full report:" under a post and under its copy): set apart from its copies, it would make a
    post seem to say something its copy does not.

    >>> exact = np.array([5, 6, 6, 5], dtype=np.uint64)
    >>> _equal_texts_joined(np.array([0, 1, 2, 0]), exact, np.zeros(4, dtype=bool)).tolist()
    [0, 1, 1, 0]
    """
    alone = np.flatnonzero((np.bincount(cluster, minlength=len(cluster))[cluster] == 1) & ~is_meta)
    if not alone.size:
        return cluster
    # Texts compared by their hashes: a collision of two 64-bit hashes is not a concern here.
    _, first, inverse = np.unique(exact[alone], return_index=True, return_inverse=True)
    joined: npt.NDArray[np.int64] = cluster.copy()
    joined[alone] = alone[first[inverse.reshape(-1)]]
    return joined


def _held_in(
    post_ids: npt.NDArray[np.int64],
    groups: npt.NDArray[np.int64],
    clusters: npt.NDArray[np.int64],
    is_meta: npt.NDArray[np.bool_],
    first: npt.NDArray[np.int64],
    second: npt.NDArray[np.int64],
) -> npt.NDArray[np.bool_]:
    """For each pair of posts, whether each non-meta block of ``first`` is in ``second``.

    A block is in a post that holds a copy of it (its exact or near group) or the text it is contained in
    (the top group of its cluster, which names the cluster). One cluster is not enough: a long greeting
    holds a short one, so a post of the long one says more than a post of the short one.

    >>> ids = np.array([0, 0, 1, 1])
    >>> held = _held_in(ids, np.array([0, 1, 0, 3]), np.array([0, 1, 0, 1]), np.zeros(4, dtype=bool),
    ...                 np.array([0, 1]), np.array([1, 0]))
    >>> held.tolist()  # post 1's block 3 is inside post 0's block 1; post 0's block 1 is not in post 1
    [False, True]
    """
    valid = np.flatnonzero((post_ids >= 0) & ~is_meta)
    order = valid[np.argsort(post_ids[valid], kind="stable")]
    ids = post_ids[order]
    post_count = int(post_ids.max()) + 1 if post_ids.size else 0
    starts = np.searchsorted(ids, np.arange(post_count + 1))
    held = np.ones(len(first), dtype=bool)
    if not len(first) or not len(order):
        return held
    post_groups, post_clusters = groups[order], clusters[order]
    # The (post, group) pairs the posts hold, as numbers, sorted: a block is in a post when the post holds
    # its group or its cluster's. Columns, not a Python set a post: a run holds millions of blocks.
    width = np.int64(max(int(post_groups.max()), int(post_clusters.max())) + 1)
    present = np.unique(ids * width + post_groups)
    sizes = starts[first + 1] - starts[first]
    # The pairs a batch at a time, so that their blocks (each pair's first post's) are never all expanded.
    ends = np.cumsum(sizes)
    cuts = np.searchsorted(
        ends, np.arange(_HELD_BATCH, int(ends[-1]) + _HELD_BATCH, _HELD_BATCH), side="right"
    )
    low = 0
    for high in [*np.unique(cuts).tolist(), len(first)]:
        if high <= low:
            continue
        span = slice(low, high)
        at = positions_in_runs(starts[first[span]], sizes[span])
        other = np.repeat(second[span] * width, sizes[span])
        found = _contains(present, other + post_groups[at]) | _contains(present, other + post_clusters[at])
        pair_of = np.repeat(np.arange(low, high), sizes[span])
        held[pair_of[~found]] = False
        low = high
    return held


# _held_in expands the blocks of about this many pairs' posts at a time.
_HELD_BATCH = 1 << 20


def _contains(sorted_values: npt.NDArray[np.int64], wanted: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Whether each of ``wanted`` is in ``sorted_values`` (sorted, distinct, not empty)."""
    at = np.minimum(np.searchsorted(sorted_values, wanted), len(sorted_values) - 1)
    found: npt.NDArray[np.bool_] = sorted_values[at] == wanted
    return found


def merge_repeated_meta(
    blocks: Sequence[Block],
    keys: Sequence[str],
    group: Sequence[int] | npt.NDArray[np.int64],
    cluster: Sequence[int] | npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """``group`` and ``cluster`` with meta lines joined where the meta-line rule allows.

    ``keys`` are the normalized texts; meta blocks must come in as singletons (see
    :func:`exact_representatives`). A merged set of meta lines is named by its first block. The keys are
    only compared: :func:`merge_repeated_meta_columns` does it all with a hash of each.

    >>> from lbdedup.model import BlockKind
    >>> kinds = [BlockKind.BYLINE, BlockKind.PARAGRAPH, BlockKind.BYLINE, BlockKind.BYLINE]
    >>> blocks = [Block(0, "a", i, i, i, kind, "x", post=1 + i // 2) for i, kind in enumerate(kinds)]
    >>> group, cluster = merge_repeated_meta(blocks, ["by kim", "rain", "by kim", "by kim"], [0, 1, 2, 3],
    ...                                      [0, 1, 2, 3])
    >>> group.tolist(), cluster.tolist()
    ([0, 1, 2, 2], [0, 1, 2, 2])
    """
    table = block_table(blocks)
    # Python's string hash, in C (and kept on the key for the next time): a 64-bit hash of each key is all
    # the columns version reads of it.
    exact = np.fromiter(map(hash, keys), dtype=np.int64, count=len(keys)).view(np.uint64)
    return merge_repeated_meta_columns(table.doc, table.post, table.kind, exact, group, cluster)


def merge_repeated_meta_columns(
    doc: npt.NDArray[np.integer[Any]],
    post: npt.NDArray[np.integer[Any]],
    kind: npt.NDArray[np.uint8],
    exact: npt.NDArray[np.uint64],
    group: Sequence[int] | npt.NDArray[np.int64],
    cluster: Sequence[int] | npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """:func:`merge_repeated_meta` from per-block columns of the whole run: no text, no match key.

    ``doc``, ``post`` (-1: none) and ``kind`` (codes of ``KIND_CODES``) as in a
    :class:`~lbdedup.table.BlockTable`; ``exact`` a 64-bit hash of each block's match key, equal iff the keys
    are (``Fingerprints.exact``, before furniture is set apart: equal furniture lines are joined here).

    >>> kinds = np.array([KIND_CODES[BlockKind.BYLINE], KIND_CODES[BlockKind.PARAGRAPH]] * 2, dtype=np.uint8)
    >>> group, cluster = merge_repeated_meta_columns(np.zeros(4, np.int32), np.array([1, 1, 2, 2], np.int32),
    ...     kinds, np.array([7, 8, 7, 8], dtype=np.uint64), [0, 1, 2, 1], [0, 1, 2, 1])
    >>> group.tolist(), cluster.tolist()
    ([0, 1, 0, 1], [0, 1, 0, 1])
    """
    group = np.array(group, dtype=np.int64)
    cluster = np.array(cluster, dtype=np.int64)
    exact = np.asarray(exact, dtype=np.uint64)
    kinds = np.asarray(kind).astype(np.int64)
    is_meta = np.isin(kinds, [KIND_CODES[kind] for kind in META_KINDS])
    meta = np.flatnonzero(is_meta)
    if not meta.size:
        return group, cluster
    post_ids, numbered = _post_ids(doc, post)
    post_count = len(numbered)
    # A meta line is its kind and normalized text (named by its hash, as a small number).
    texts = np.unique(exact[meta], return_inverse=True)[1].reshape(-1).astype(np.int64)
    lines = texts * len(KIND_CODES) + kinds[meta]
    line_count = max(int(lines.max()) + 1, 1)
    meta_posts = post_ids[meta]
    held, first_held, held_of = np.unique(
        meta_posts * line_count + lines, return_index=True, return_inverse=True
    )
    held_of = held_of.reshape(-1)
    # A doubling is an equal line in the same run of meta lines. Each time line starts a run of its own: it
    # opens or closes a post, and two posts' equal time lines can stand side by side once their content went.
    run_starts = np.r_[True, (np.diff(meta) != 1) | (meta_posts[1:] != meta_posts[:-1])]
    run_starts |= kinds[meta] == KIND_CODES[BlockKind.TIMESTAMP]
    _, first_doubled, doubled_of = np.unique(
        (np.cumsum(run_starts) - 1) * line_count + lines, return_index=True, return_inverse=True
    )
    edges_from, edges_to = [np.arange(meta.size)], [first_doubled[doubled_of.reshape(-1)]]
    # Only a meta line that two posts hold can merge across posts; the posts that join two such posts as
    # copies of one can be any, so then repeats are found among all posts.
    held_lines = held % line_count
    if (np.bincount(held_lines, minlength=line_count) > 1).any():
        is_heading = kinds == KIND_CODES[BlockKind.HEADING]
        clusters = _equal_texts_joined(np.asarray(cluster, dtype=np.int64), exact, is_meta)
        table = overlap_table(post_ids, post_count, clusters, is_meta, is_heading)
        repeated = copy_mask(table) & numbered[table.first]
        if repeated.any():
            groups = _equal_texts_joined(np.asarray(group, dtype=np.int64), exact, is_meta)
            repeated[repeated] = _held_in(
                post_ids, groups, clusters, is_meta, table.first[repeated], table.second[repeated]
            )
        # Posts joined by repeats are copies of one post: a meta line that two of them hold is one line.
        copies_of = component_minimum(post_count, table.first[repeated], table.second[repeated])
        _, first_copy, copy_line = np.unique(
            copies_of[held // line_count] * line_count + held_lines, return_index=True, return_inverse=True
        )
        copy_line = copy_line.reshape(-1)
        in_copies = np.bincount(copy_line)[copy_line][held_of] >= 2
        edges_from.append(np.flatnonzero(in_copies))
        edges_to.append(first_held[first_copy[copy_line[held_of[in_copies]]]])
    roots = meta[component_minimum(meta.size, np.concatenate(edges_from), np.concatenate(edges_to))]
    group[meta] = cluster[meta] = roots
    return group, cluster
