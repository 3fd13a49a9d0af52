"""The post-matching stages as they were before they read columns (text and keys), to compare against."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from lbdedup.model import KIND_CODES, META_KINDS, Block, BlockKind
from lbdedup.postmatch import MAX_LEAD_WORDS, Match, _held_in, component_minimum, copy_mask, overlap_table
from lbdedup.table import BlockTable, block_table


def _is_lead(
    blocks: BlockTable,
    meta: npt.NDArray[np.bool_],
    index: int,
    representative: npt.NDArray[np.int64],
) -> bool:
    """Whether block ``index`` opens its post (only meta lines before it) and more of the post follows.

    ``meta`` marks the meta lines of ``blocks``; the blocks are read by column, no Block is made. A line that
    copies one of a post with no copy of this one is no more of the post: cleaned, it goes, and read again
    this line would stand alone in its post (``representative`` names each block's exact group).
    """
    post = int(blocks.post[index])
    if post < 0 or meta[index]:
        return False
    text = blocks.text(index)
    if len(text.split()) > MAX_LEAD_WORDS:
        return False
    doc = int(blocks.doc[index])
    docs, posts = blocks.doc, blocks.post
    after = index + 1
    # More of the post: a line of other words (the same line again is the same text, an exact copy).
    own = text.casefold().split()
    group = int(representative[index])
    while after < len(blocks) and docs[after] == doc and posts[after] == post:
        if (
            not meta[after]
            and blocks.text(after).casefold().split() != own
            and not _copy_from_elsewhere(blocks, representative, group, after)
        ):
            break
        after += 1
    else:
        return False
    before = index - 1
    while before >= 0 and docs[before] == doc and posts[before] == post:
        if not meta[before]:
            return False
        before -= 1
    return True


def _copy_from_elsewhere(
    blocks: BlockTable,
    representative: npt.NDArray[np.int64],
    group: int,
    index: int,
) -> bool:
    """Whether block ``index`` is a later copy of a line of a post with no block of exact group ``group``."""
    first = int(representative[index])
    if first == index:
        return False
    doc, post = blocks.doc[first], blocks.post[first]
    if post < 0:
        return True
    start = first
    while start > 0 and blocks.doc[start - 1] == doc and blocks.post[start - 1] == post:
        start -= 1
    end = first + 1
    while end < len(blocks) and blocks.doc[end] == doc and blocks.post[end] == post:
        end += 1
    return not bool(np.any(representative[start:end] == group))


def headlines_apart(
    blocks: Sequence[Block], representative: npt.NDArray[np.int64], matches: list[Match]
) -> list[Match]:
    """``matches`` (a, b, container, similarity) of exact-group representatives, less headline-to-body ones.

    A post's headline (its first line after its meta lines, ``MAX_LEAD_WORDS`` words or fewer, with more of
    the post after it) that a paragraph repeats ("Is Smith running?" over "Is Smith running? He hired ...")
    or quotes ("Smith: I have never been surer" over "I have never been surer"), in its own post or another,
    or that the page title holds, is not a copy of it, whatever kinds the segmenter gave them. A pair is
    dropped when every copy of one side is a headline and no copy of the other is: exact copies still match.
    """
    if not matches:
        return matches
    involved = sorted({index for match in matches for index in match[:2]})
    wanted = np.zeros(len(blocks), dtype=bool)
    wanted[involved] = True
    members = np.flatnonzero(wanted[representative])
    table = block_table(blocks)
    meta = table.of_kinds(META_KINDS)
    lead = np.zeros(len(blocks), dtype=bool)
    lead[members] = [_is_lead(table, meta, index, representative) for index in members.tolist()]
    all_lead = np.ones(len(blocks), dtype=bool)
    np.logical_and.at(all_lead, representative[members], lead[members])
    any_lead = np.zeros(len(blocks), dtype=bool)
    np.logical_or.at(any_lead, representative[members], lead[members])
    return [
        match
        for match in matches
        if not (all_lead[match[0]] and not any_lead[match[1]])
        and not (all_lead[match[1]] and not any_lead[match[0]])
    ]


def _post_ids(blocks: Sequence[Block]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Per block, the id of its post (document, post number or None); per id, whether the post is numbered."""
    table = block_table(blocks)
    docs = table.doc.astype(np.int64)
    posts = table.post.astype(np.int64)
    width = int(posts.max()) + 2
    keys, ids = np.unique(docs * width + posts + 1, return_inverse=True)
    return ids.reshape(-1).astype(np.int64), keys % width != 0


def _equal_texts_joined(
    cluster: npt.NDArray[np.int64], keys: Sequence[str], is_meta: npt.NDArray[np.bool_]
) -> npt.NDArray[np.int64]:
    """``cluster`` where blocks left alone with equal texts share one id (the first one's index).

    Only furniture is left alone with a text another block has ("Read our full report:" under a post and
    under its copy): set apart from its copies, it would make a post seem to say something its copy does not.
    """
    alone = np.flatnonzero((np.bincount(cluster, minlength=len(cluster))[cluster] == 1) & ~is_meta)
    if not alone.size:
        return cluster
    # Texts compared by their hashes, in C: a collision of two 64-bit string hashes is not a concern here.
    hashes = np.fromiter(map(hash, map(keys.__getitem__, alone.tolist())), dtype=np.int64, count=alone.size)
    _, first, inverse = np.unique(hashes, return_index=True, return_inverse=True)
    joined: npt.NDArray[np.int64] = cluster.copy()
    joined[alone] = alone[first[inverse.reshape(-1)]]
    return joined


def merge_repeated_meta(
    blocks: Sequence[Block],
    keys: Sequence[str],
    group: Sequence[int] | npt.NDArray[np.int64],
    cluster: Sequence[int] | npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """``group`` and ``cluster`` with meta lines joined where the meta-line rule allows.

    ``keys`` are the normalized texts; meta blocks must come in as singletons (see
    :func:`exact_representatives`). A merged set of meta lines is named by its first block.
    """
    group = np.array(group, dtype=np.int64)
    cluster = np.array(cluster, dtype=np.int64)
    blocks = block_table(blocks)
    kinds = blocks.kind.astype(np.int64)
    is_meta = np.isin(kinds, [KIND_CODES[kind] for kind in META_KINDS])
    meta = np.flatnonzero(is_meta)
    if not meta.size:
        return group, cluster
    post_ids, numbered = _post_ids(blocks)
    post_count = len(numbered)
    meta_list = meta.tolist()
    # A meta line is its kind and normalized text.
    text_ids: dict[str, int] = {}
    texts = np.fromiter(
        (text_ids.setdefault(keys[index], len(text_ids)) for index in meta_list),
        dtype=np.int64,
        count=meta.size,
    )
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
        clusters = _equal_texts_joined(np.asarray(cluster, dtype=np.int64), keys, is_meta)
        table = overlap_table(post_ids, post_count, clusters, is_meta, is_heading)
        repeated = copy_mask(table) & numbered[table.first]
        if repeated.any():
            groups = _equal_texts_joined(np.asarray(group, dtype=np.int64), keys, is_meta)
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
