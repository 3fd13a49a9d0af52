"""The pipeline: Documents in, a frozen DedupeResult out. Nothing here prints, exits or reads files.

segment -> normalize -> fingerprint -> candidates -> verify -> cluster -> canonical
"""

from __future__ import annotations

import gc
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from itertools import compress, count, repeat
from operator import attrgetter
from typing import Any, NamedTuple

import numpy as np

from lbdedup._version import __version__
from lbdedup.arrays import joined_strings, split_joined
from lbdedup.boilerplate import find_boilerplate, set_apart
from lbdedup.candidates import candidate_pairs
from lbdedup.canonical import WIRE_AGENCIES, completeness, kept_members
from lbdedup.cluster import ContainedEdge, cluster_blocks
from lbdedup.fingerprint import Fingerprints, fingerprint
from lbdedup.model import (
    BLOCK_KINDS,
    META_KINDS,
    Block,
    BlockResult,
    Cluster,
    DedupeResult,
    Document,
    MatchKind,
    Options,
    Progress,
    SourceSummary,
    Status,
)
from lbdedup.normalize import normalize_many
from lbdedup.parallel import MIN_PARALLEL_CHARS, fork_map, split_evenly
from lbdedup.postmatch import (
    LeadFacts,
    exact_representatives,
    headlines_apart,
    headlines_apart_columns,
    merge_repeated_meta_columns,
)
from lbdedup.posts import post_times, segment_posts
from lbdedup.render import render_text
from lbdedup.runs import find_runs
from lbdedup.segment import layout
from lbdedup.table import (
    NO_MATCH,
    STATUS_CODES,
    BlockTable,
    ClusterTable,
    ResultTable,
    TableBuilder,
    block_table,
    result_table,
)
from lbdedup.timeline import build_timelines, keep_meta_of_printed_posts
from lbdedup.verify import FUZZY_CLASS, Features, compare, verify

__all__ = [
    "CopyComparer",
    "FeatureCache",
    "Front",
    "MatchFinder",
    "clean_text",
    "compare_copies_by_keys",
    "content_words_of",
    "dedupe",
    "dedupe_front",
    "front_of",
    "join_fronts",
    "match_keys",
    "paused_gc",
    "segment_all",
    "verify_pairs",
]

# Progress is reported every this many verified pairs, so the callback never dominates the run.
PROGRESS_EVERY = 2048
# Fewer candidate pairs than this are verified in one process: a fork would cost more than it saves.
MIN_PARALLEL_PAIRS = 4096
# Work shared among processes is cut into this many parts a process: each process takes the next part left,
# so one on a slower or busier core takes fewer, and none waits long for the last.
PARTS_PER_PROCESS = 8
# ... but the documents are cut into only this many parts a process: each part finds and hashes its own
# distinct words again, so more parts is more work (40 MB on two cores: 1.35 s with 2 parts a process, 1.5 s
# and more with 8).
FRONT_PARTS_PER_PROCESS = 2
# The Features of at most this many blocks are kept at once while verifying (see FeatureCache).
MAX_CACHED_FEATURES = 1 << 15


def _no_progress(stage: str, done: int, total: int) -> None:
    """Progress sink that ignores everything."""


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector inside the block, and restore it as it was.

    A run allocates millions of acyclic objects; each of the collector's full passes walks all of them, which
    cost about a fifth of a run. Nothing here builds reference cycles, so nothing waits for the collector.

    >>> with paused_gc():
    ...     gc.isenabled()
    False
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def segment_all(documents: Sequence[Document], first_doc: int = 0) -> tuple[Block, ...]:
    """All blocks of all documents, in input order; ``first_doc`` is the position of the first document.

    >>> len(segment_all([Document("a.txt", "One.\\n\\nTwo.\\n"), Document("b.txt", "Three.\\n")]))
    3
    """
    return tuple(
        block
        for doc, document in enumerate(documents, start=first_doc)
        for block in segment_posts(document, doc)
    )


def dedupe(
    documents: Sequence[Document],
    options: Options | None = None,
    progress: Progress | None = None,
) -> DedupeResult:
    """Find the copies among the blocks of ``documents`` and decide which block of each cluster is kept.

    >>> result = dedupe([Document("a.txt", "The river rose two metres overnight.\\n"),
    ...                  Document("b.txt", "The river rose two metres overnight!\\n")])
    >>> [r.status.value for r in result.blocks]
    ['canonical', 'duplicate']

    Each document needs a name of its own (results and the clean text speak of sources by name):
    two with one name raise ValueError.
    """
    names: set[str] = set()
    for document in documents:
        if document.source in names:
            raise ValueError(f"two documents are named {document.source!r}: each source needs its own name")
        names.add(document.source)
    with paused_gc():
        return _dedupe(documents, options or Options(), progress or _no_progress)


def match_keys(blocks: Sequence[Block]) -> list[str]:
    """The text each block is matched by: its normalized text, or its raw text if that normalizes to nothing.

    >>> from lbdedup.model import BlockKind
    >>> match_keys([Block(0, "a", 0, 1, 1, BlockKind.PARAGRAPH, "Rain, all day!"),
    ...             Block(0, "a", 1, 3, 3, BlockKind.PARAGRAPH, " * * * ")])
    ['rain all day', '\\x00* * *']
    """
    return _match_keys(block_table(blocks).texts())


def _match_keys(texts: list[str]) -> list[str]:
    normalized = normalize_many(texts)
    # A line of punctuation alone ("* * *") normalizes to nothing; its raw text stands in for matching.
    empty = [position for position, text in enumerate(normalized) if not text]
    for position in empty:
        normalized[position] = "\x00" + texts[position].strip()
    return normalized


def segment_table(documents: Sequence[Document], docs: Iterable[int]) -> BlockTable:
    """The blocks of the documents at positions ``docs``, as one :class:`BlockTable`.

    >>> segment_table([Document("a.txt", "One.\\n\\nTwo.\\n")], range(1)).texts()
    ['One.', 'Two.']
    """
    return _segment_and_key(documents, docs)[0]


# Texts are normalized a batch of about this many characters at a time, as the documents are segmented.
_KEY_BATCH_CHARS = 1 << 20


def _segment_and_key(documents: Sequence[Document], docs: Iterable[int]) -> tuple[BlockTable, list[str]]:
    """The blocks of the documents at positions ``docs``, and their match keys.

    Text and Markdown go from the segmenter's columns to the table with no Block made, their texts kept as
    places in the document's own text; HTML pages (parsed into Blocks) are added block by block. The keys
    are made as the documents go, a batch at a time, so no second list of every block's text is made.
    """
    builder = TableBuilder([document.source for document in documents])
    keys: list[str] = []
    pending: list[str] = []
    pending_chars = 0
    for doc in docs:
        document = documents[doc]
        if document.format == "html":
            blocks = segment_posts(document, doc)
            builder.add_blocks(blocks)
            texts = [block.text for block in blocks]
        else:
            columns = layout(document)
            found = post_times(columns.kinds, columns.texts)
            posts, times = found or (None, None)
            texts = columns.texts
            builder.add(
                doc, columns.line_starts, columns.line_ends, columns.kinds, texts, posts, times, document.text
            )
        pending += texts
        pending_chars += len(document.text)
        if pending_chars >= _KEY_BATCH_CHARS:
            keys += _match_keys(pending)
            pending, pending_chars = [], 0
    keys += _match_keys(pending)
    return builder.build(), keys


@dataclass(frozen=True, eq=False)
class Front:
    """The per-document stages' output for some documents: blocks, match keys and fingerprints."""

    blocks: BlockTable
    keys: list[str]
    fingerprints: Fingerprints
    # Each block's completeness (content_words_of) and what headlines_apart reads of the texts, when an
    # engine made them where the texts are.
    content_words: np.ndarray | None = None
    lead_facts: LeadFacts | None = None


def _front(documents: Sequence[Document], options: Options, docs: range) -> Front:
    blocks, keys = _segment_and_key(documents, docs)
    return Front(blocks, keys, fingerprint(keys, options.shingle_size, options.hash_function))


@dataclass(frozen=True, eq=False)
class _FrontColumns:
    """A :class:`Front` as a forked worker sends it: the keys joined, so it pickles as a few large objects.

    The sources are not sent: the receiver has them.
    """

    blocks: BlockTable
    key_ends: np.ndarray
    keys: str
    fingerprints: Fingerprints


def _pack_front(documents: Sequence[Document], front: Front) -> _FrontColumns:
    blocks = front.blocks
    # The receiver has the sources' names and texts: a pool that is a document's own text goes as the
    # document's position (as -1 - doc), not as a copy of the text through the pipe.
    own = {id(document.text): doc for doc, document in enumerate(documents)}
    pools: list[Any] = [-1 - own[id(pool)] if id(pool) in own else pool for pool in blocks.pools]
    sent = blocks.renamed((), pools)
    keys, key_ends = joined_strings(front.keys)
    return _FrontColumns(
        blocks=sent,
        key_ends=key_ends,
        keys=keys,
        fingerprints=front.fingerprints,
    )


def _unpack_front(documents: Sequence[Document], columns: _FrontColumns) -> Front:
    sent = columns.blocks
    blocks = sent.renamed(
        [document.source for document in documents],
        [pool if isinstance(pool, str) else documents[-1 - pool].text for pool in sent.pools],
    )
    return Front(blocks, split_joined(columns.keys, columns.key_ends), columns.fingerprints)


def _part_count(jobs: int) -> int:
    """How many parts work shared among ``jobs`` processes is cut into: one when nothing is shared.

    >>> _part_count(1), _part_count(2)
    (1, 16)
    """
    return jobs * PARTS_PER_PROCESS if jobs > 1 else 1


def _front_all(documents: Sequence[Document], options: Options) -> Front:
    """Segment, normalize and fingerprint every document, on ``options.jobs`` cores when it pays."""
    sizes = [len(document.text) for document in documents]
    jobs = options.jobs if sum(sizes) >= MIN_PARALLEL_CHARS else 1
    parts = split_evenly(sizes, jobs * FRONT_PARTS_PER_PROCESS if jobs > 1 else 1) or [range(0)]
    fronts: list[Front] = fork_map(
        partial(_front, documents, options),
        parts,
        jobs,
        partial(_pack_front, documents),
        partial(_unpack_front, documents),
    )
    return join_fronts([document.source for document in documents], fronts)


def front_of(documents: Sequence[Document], options: Options) -> Front:
    """Segment, normalize and fingerprint ``documents`` in this process: the per-document stages' output.

    >>> front = front_of([Document("a.txt", "One.\\n\\nTwo.\\n")], Options())
    >>> front.keys, len(front.blocks)
    (['one', 'two'], 2)
    """
    return _front(documents, options, range(len(documents)))


def join_fronts(sources: Sequence[str], fronts: Sequence[Front], first_docs: Sequence[int] = ()) -> Front:
    """``fronts`` one after the other, as one; ``sources`` names every document of them all.

    With ``first_docs``, each front's documents are numbered from 0 and ``first_docs[i]`` is the number
    of the first document of front ``i`` in ``sources``.
    """
    if first_docs:
        fronts = [
            replace(front, blocks=front.blocks.shifted(first))
            for front, first in zip(fronts, first_docs, strict=True)
        ]
    if len(fronts) == 1:
        return replace(fronts[0], blocks=fronts[0].blocks.renamed(sources, fronts[0].blocks.pools))
    words = [front.content_words for front in fronts if front.content_words is not None]
    leads = [front.lead_facts for front in fronts if front.lead_facts is not None]
    return Front(
        BlockTable.concat(sources, [front.blocks for front in fronts]),
        [key for front in fronts for key in front.keys],
        Fingerprints(
            exact=np.concatenate([front.fingerprints.exact for front in fronts]),
            word_counts=np.concatenate([front.fingerprints.word_counts for front in fronts]),
            shingle_hashes=np.concatenate([front.fingerprints.shingle_hashes for front in fronts]),
            shingle_counts=np.concatenate([front.fingerprints.shingle_counts for front in fronts]),
        ),
        np.concatenate(words) if len(words) == len(fronts) else None,
        LeadFacts(*map(np.concatenate, zip(*leads, strict=True))) if len(leads) == len(fronts) else None,
    )


def _dedupe(documents: Sequence[Document], options: Options, report: Progress) -> DedupeResult:
    return dedupe_front(documents, _front_all(documents, options), options, report)


Match = tuple[int, int, "int | None", float]
# An engine's candidates and verification: the blocks that may match (a mask over all blocks) in, the
# verified matches (a, b, container, similarity) out, in candidate pair order, in lists of any lengths.
MatchFinder = Callable[[np.ndarray], list[list[Match]]]
# An engine's comparison of each dropped copy with the copy kept in its place: (copies, kept copies) in,
# (match codes, similarities) out, one each, in that order; arrays (a run can drop millions of copies).
CopyComparer = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def dedupe_front(
    documents: Sequence[Document],
    front: Front,
    options: Options,
    report: Progress,
    find_matches: MatchFinder | None = None,
    compare_copies: CopyComparer | None = None,
    furniture: Mapping[int, str] | None = None,
) -> DedupeResult:
    """The stages after the per-document ones, from their output ``front`` (made here or by an engine).

    An engine that runs the text-reading steps where the texts are gives their answers here:
    ``find_matches`` (candidates and verification; ``front``'s shingles are then not read),
    ``compare_copies`` and ``furniture`` (:func:`lbdedup.boilerplate.find_boilerplate_parts`); with all
    three, and ``front``'s content words and lead facts, no match key or block text is read here.
    """
    blocks, keys, fingerprints = front.blocks, front.keys, front.fingerprints
    content_words, leads = front.content_words, front.lead_facts
    del front
    report("segment", len(documents), len(documents))
    report("fingerprint", len(blocks), len(blocks))
    if furniture is None:
        furniture = find_boilerplate(blocks, keys, fingerprints, options)
    report("boilerplate", len(blocks), len(blocks))

    count = len(blocks)
    is_meta = blocks.of_kinds(META_KINDS)
    # Meta lines match only as part of a repeated post (merge_repeated_meta below), never by their text.
    # Furniture matches nothing: it is set apart from the exact groups and never a fuzzy candidate.
    representative = exact_representatives(set_apart(fingerprints.exact, furniture), is_meta)
    eligible = (
        (fingerprints.word_counts >= options.min_fuzzy_words)
        & (representative == np.arange(count))
        & ~is_meta
    )
    eligible[list(furniture)] = False
    word_counts, exact = fingerprints.word_counts, fingerprints.exact
    kind_codes = blocks.kind.tolist()
    features_of = FeatureCache(kind_codes, keys)  # made lazily: an engine's run makes none
    if find_matches is None:
        pairs = candidate_pairs(fingerprints, eligible, options.max_shingle_blocks)
        # The shingles (a sixth of a run's memory) are not needed past this point: the stages below reuse it.
        del fingerprints
        found = verify_pairs(pairs.first, pairs.second, kind_codes, keys, options, report, features_of)
        del pairs
    else:
        del fingerprints
        found = find_matches(eligible)
    if leads is None:
        found = [headlines_apart(blocks, representative, matches) for matches in found]
    else:
        columns = (blocks.doc, blocks.post, blocks.kind, leads, representative)
        found = [headlines_apart_columns(*columns, matches) for matches in found]
    # _results compares dropped copies with the kept ones again: blocks of matched pairs (any other block's
    # Features are made again). The rest, most of the cache, is memory the stages below can reuse.
    features_of.keep_only(index for matches in found for match in matches for index in match[:2])
    near_pairs = [(a, b) for matches in found for a, b, container, _ in matches if container is None]
    contained_edges = [
        ContainedEdge(*((a, b) if container == 1 else (b, a)), similarity)
        for matches in found
        for a, b, container, similarity in matches
        if container is not None
    ]

    if content_words is None:
        content_words = content_words_of(keys, word_counts)
    clustering = cluster_blocks(representative, near_pairs, contained_edges, word_counts, content_words)
    group, cluster = merge_repeated_meta_columns(
        blocks.doc, blocks.post, blocks.kind, exact, clustering.group, clustering.cluster
    )
    if compare_copies is None:
        compare_copies = partial(compare_copies_by_keys, keys=keys, features_of=features_of, options=options)
    decided = _decide(content_words, group, cluster, options, furniture, compare_copies)
    # The match keys and Features are not needed past this point: the result objects reuse their memory.
    del keys, features_of, compare_copies
    result = _results(documents, blocks, decided, furniture)
    timelines = build_timelines(result, options)
    result, _ = keep_meta_of_printed_posts(result, timelines)
    return replace(result, timelines=timelines, runs=find_runs(result.blocks))


def verify_pairs(
    firsts: np.ndarray,
    seconds: np.ndarray,
    kind_codes: Sequence[int],
    keys: Sequence[str],
    options: Options,
    report: Progress = _no_progress,
    features_of: Callable[[int], Features] | None = None,
) -> list[list[Match]]:
    """The matches among the candidate pairs ``firsts[i], seconds[i]`` (block positions into ``keys``).

    On ``options.jobs`` processes when there are pairs enough; the matches come in pair order.

    >>> keys = ["the river rose two metres overnight in the town", "the river rose two metres overnight"]
    >>> verify_pairs(np.array([0]), np.array([1]), [2, 2], keys, Options())  # 1 is contained in 0
    [[(0, 1, 0, 1.0)]]
    """
    first_list, second_list = firsts.tolist(), seconds.tolist()
    features_of = features_of or FeatureCache(kind_codes, keys)
    total = len(first_list)
    jobs = options.jobs if total >= MIN_PARALLEL_PAIRS else 1
    parts = _part_count(jobs)
    spans = [range(total * part // parts, total * (part + 1) // parts) for part in range(parts)]
    verify_span = partial(
        _verify_span, first_list, second_list, kind_codes, keys, features_of, options, report, os.getpid()
    )
    found: list[list[Match]] = fork_map(verify_span, spans, jobs)
    report("verify", total, total)
    return found


def _verify_span(
    firsts: Sequence[int],
    seconds: Sequence[int],
    kind_codes: Sequence[int],
    keys: Sequence[str],
    features_of: Callable[[int], Features],
    options: Options,
    report: Progress,
    reporting_process: int,
    span: range,
) -> list[Match]:
    """The matches among candidate pairs ``span``: (a, b, container, similarity), container None when near.

    Only ``reporting_process`` reports progress: a forked child's report would go to a copy of the progress
    bar. It takes the spans in order, so the positions it reports only grow.
    """
    matches = []
    total = len(firsts) if os.getpid() == reporting_process else 0
    fuzzy_class = _FUZZY_CLASS_OF_CODE
    for position in span:
        a, b = firsts[position], seconds[position]
        kind_class = fuzzy_class[kind_codes[a]]
        if (not kind_class or kind_class != fuzzy_class[kind_codes[b]]) and keys[a] != keys[b]:
            # verify would veto the pair on its kinds alone: no Features for blocks only such pairs name.
            verdict = None
        else:
            verdict = verify(features_of(a), features_of(b), options)
        if verdict is not None:
            contained = verdict.match is MatchKind.CONTAINED
            matches.append((a, b, verdict.container if contained else None, verdict.similarity))
        if total and position % PROGRESS_EVERY == 0:
            report("verify", position, total)
    return matches


_STATUSES = tuple(Status)
_STATUS_CODE = STATUS_CODES
_FUZZY_CLASS_OF_CODE = tuple(FUZZY_CLASS[kind] for kind in BLOCK_KINDS)
_MATCH_CODE = {match: code for code, match in enumerate(MatchKind)}


class _Decisions(NamedTuple):
    """What :func:`_decide` found of the clusters, for :func:`_results` to build the result from."""

    members: np.ndarray  # the blocks in clusters, grouped by cluster, each group in input order
    starts: np.ndarray  # where each group starts in ``members``
    sizes: np.ndarray
    kept: np.ndarray  # the kept block of each group
    member_group: np.ndarray  # the group of each member
    is_kept: np.ndarray
    copies: np.ndarray  # the dropped members, with their groups, match codes and similarities
    copy_groups: np.ndarray
    matches: np.ndarray
    similarities: np.ndarray


def _decide(
    content_words: np.ndarray,
    group: Sequence[int] | np.ndarray,
    cluster: Sequence[int] | np.ndarray,
    options: Options,
    furniture: Mapping[int, str],
    compare_copies: CopyComparer,
) -> _Decisions:
    """The kept copy of each cluster, and how each other copy matches it (``compare_copies`` says)."""
    roots = np.asarray(cluster, dtype=np.int64)
    members = _cluster_members(roots, furniture)
    # Clusters by root: members[starts[g]:starts[g] + sizes[g]] are the blocks of cluster g, in input order.
    member_roots = roots[members]
    starts = np.flatnonzero(np.r_[True, member_roots[1:] != member_roots[:-1]])[: len(members)]
    sizes = np.diff(np.r_[starts, len(members)])
    kept = _canonical_members(members, starts, sizes, roots, group, content_words, options, furniture)
    member_group = np.repeat(np.arange(len(kept)), sizes)
    is_kept = members == kept[member_group]
    is_copy = ~is_kept
    copies = members[is_copy].astype(np.int64)
    copy_groups = member_group[is_copy].astype(np.int64)
    matches, similarities = compare_copies(copies, kept[copy_groups].astype(np.int64))
    return _Decisions(
        members, starts, sizes, kept, member_group, is_kept, copies, copy_groups, matches, similarities
    )


def _results(
    documents: Sequence[Document],
    blocks: BlockTable,
    decided: _Decisions,
    furniture: Mapping[int, str],
) -> DedupeResult:
    # Columns over all blocks, no object per block: a run has hundreds of thousands of them.
    count = len(blocks)
    members, _, sizes, kept, member_group, is_kept, copies, copy_groups, matches, similarities = decided
    # Cluster ids follow the position of the kept copy, so they read in input order.
    by_number = np.argsort(kept, kind="stable")
    number_of = np.empty(len(kept), dtype=np.int64)
    number_of[by_number] = np.arange(len(kept))

    status = np.full(count, STATUS_CODES[Status.UNIQUE], dtype=np.uint8)
    status[members] = np.where(is_kept, STATUS_CODES[Status.CANONICAL], STATUS_CODES[Status.DUPLICATE])
    cluster = np.full(count, -1, dtype=np.int64)
    cluster[members] = number_of[member_group]
    copy_rows = copies
    duplicate_of = np.full(count, -1, dtype=np.int64)
    duplicate_of[copy_rows] = kept[copy_groups]
    match = np.full(count, NO_MATCH, dtype=np.uint8)
    match[copy_rows] = matches
    similarity = np.full(count, np.nan, dtype=np.float64)
    similarity[copy_rows] = similarities
    if furniture:
        status[np.fromiter(furniture, dtype=np.int64, count=len(furniture))] = STATUS_CODES[
            Status.BOILERPLATE
        ]
    results = ResultTable(blocks, status, cluster, duplicate_of, match, similarity, furniture)
    # Each cluster's members in input order, clusters by number.
    member_order = np.argsort(number_of[member_group], kind="stable")
    cluster_starts = np.r_[0, np.cumsum(sizes[by_number])].astype(np.int64)
    clusters = ClusterTable(
        results,
        np.arange(len(kept), dtype=np.int64),
        kept[by_number].astype(np.int64),
        members[member_order].astype(np.int64),
        cluster_starts,
    )
    return DedupeResult(
        version=__version__,
        documents=tuple(documents),
        blocks=results,
        clusters=clusters,
        sources=_summaries([document.source for document in documents], blocks.doc.astype(np.int64), status),
    )


def _cluster_members(roots: np.ndarray, furniture: Mapping[int, str]) -> np.ndarray:
    """The blocks in a cluster of two or more, grouped by cluster root, each group in input order."""
    sizes = np.bincount(roots, minlength=len(roots))
    in_cluster = sizes[roots] > 1
    if furniture:
        # Boilerplate is never canonical nor a member, even of a cluster that merged posts around it.
        in_cluster[list(furniture)] = False
        left = np.bincount(roots[in_cluster], minlength=len(roots))
        in_cluster &= left[roots] > 1
    members = np.flatnonzero(in_cluster)
    return members[np.argsort(roots[members], kind="stable")]


def _canonical_members(
    members: np.ndarray,
    starts: np.ndarray,
    sizes: np.ndarray,
    roots: np.ndarray,
    group: Sequence[int] | np.ndarray,
    content_words: np.ndarray,
    options: Options,
    furniture: Mapping[int, str],
) -> np.ndarray:
    """The kept block of each cluster: :func:`lbdedup.canonical.kept_members`, from columns only.

    ``content_words`` holds each block's :func:`completeness`, the score of ``longest``.
    """
    roots_of = roots[members[starts]]
    # A cluster's top group is named by its root, unless the root is furniture (set apart from the cluster).
    groups = np.asarray(group, dtype=np.int64)
    if furniture:
        apart = np.isin(roots_of, np.fromiter(furniture, dtype=np.int64, count=len(furniture)))
        roots_of = np.where(apart, groups[members[starts]], roots_of)
    return kept_members(
        members, sizes, roots_of, groups, np.asarray(content_words, dtype=np.int64), options.keep
    )


def content_words_of(keys: Sequence[str], word_counts: Sequence[int] | np.ndarray) -> np.ndarray:
    """:func:`completeness` of every block: its word count, less a wire credit appended at its end.

    It reads each block's own key only: an engine computes it per part.

    >>> content_words_of(["the port shut reuters", "the port shut"], [4, 3]).tolist()
    [3, 3]
    """
    counts = np.array(word_counts, dtype=np.int64)
    # Most texts end with no agency's name at all: the ones that do are found in C, and only they are asked.
    ending = list(compress(count(), map(str.endswith, keys, repeat(WIRE_AGENCIES))))
    counts[ending] = [completeness(keys[index], int(word_counts[index])) for index in ending]
    return counts


def compare_copies_by_keys(
    copies: np.ndarray,
    kept_of_copies: np.ndarray,
    keys: Sequence[str],
    features_of: Callable[[int], Features],
    options: Options,
) -> tuple[np.ndarray, np.ndarray]:
    """How each dropped copy matches the copy kept in its place: match codes and similarities.

    Exact copies need no comparison.

    >>> keys = ["rain all day", "rain all day", "rain all day long in elmford"]
    >>> codes, similarities = compare_copies_by_keys(np.array([1]), np.array([0]), keys, None, Options())
    >>> codes.tolist(), similarities.tolist()
    ([0], [1.0])
    """
    count = len(copies)
    codes = np.full(count, _MATCH_CODE[MatchKind.EXACT], dtype=np.uint8)
    similarities = np.ones(count, dtype=np.float64)
    for position, (index, kept) in enumerate(zip(copies.tolist(), kept_of_copies.tolist(), strict=True)):
        if keys[index] != keys[kept]:
            verdict = compare(features_of(index), features_of(kept), options.near_threshold)
            codes[position] = _MATCH_CODE[verdict.match]
            similarities[position] = verdict.similarity
    return codes, similarities


class FeatureCache:
    """``features_of(index)``: the Features of a block, computed once and only for blocks that need them."""

    __slots__ = ("_features", "_keys", "_kind_codes", "_order")

    def __init__(self, kind_codes: Sequence[int], keys: Sequence[str]) -> None:
        self._kind_codes = kind_codes
        self._keys = keys
        self._features: dict[int, Features] = {}
        self._order: deque[int] = deque()

    def __call__(self, index: int) -> Features:
        """The Features of block ``index``, made now unless they still are in the cache."""
        features = self._features
        found = features.get(index)
        if found is None:
            if len(features) >= MAX_CACHED_FEATURES:
                # The oldest goes: a block's Features are a kilobyte or two, and a 160 MB run verifies pairs
                # among 130,000 blocks; pairs come by their first block, so the Features a pair needs again
                # are mostly recent ones (a third more are made again; the peak is 280 MB lower).
                del features[self._order.popleft()]
            kind = BLOCK_KINDS[self._kind_codes[index]]
            found = features[index] = Features.of(kind, self._keys[index])
            self._order.append(index)
        return found

    def keep_only(self, indexes: Iterable[int]) -> None:
        """Forget the Features of all other blocks, to free their memory for the stages that follow."""
        features = self._features
        self._features = {index: features[index] for index in indexes if index in features}
        self._order = deque(self._features)


def with_block_results(
    result: DedupeResult, blocks: Sequence[BlockResult], clusters: Sequence[Cluster]
) -> DedupeResult:
    """``result`` with these block results and clusters, and the counts per source that follow from them.

    >>> result = dedupe([Document("a.txt", "Rain.\\n\\nRain.\\n")])
    >>> with_block_results(result, result.blocks[:1], ()).sources[0].blocks
    1
    """
    known = result.blocks.blocks if isinstance(result.blocks, ResultTable) else None
    if known is not None and not _same_places(known, blocks):
        known = None  # other blocks, or the same in another order: their own table is made from them
    table = result_table(blocks, known)
    return with_result_table(result, table, clusters)


def _same_places(table: BlockTable, results: Sequence[BlockResult]) -> bool:
    """True when ``results`` are of the blocks of ``table``, row for row (same source, place and lines)."""
    count = len(results)
    if count != len(table):
        return False
    columns = (table.doc, table.position, table.line_start, table.line_end)
    fields = ("block.doc", "block.index", "block.line_start", "block.line_end")
    return all(
        np.array_equal(column, np.fromiter(map(attrgetter(field), results), dtype=np.int64, count=count))
        for column, field in zip(columns, fields, strict=True)
    ) and list(map(attrgetter("block.source"), results)) == [table.sources[doc] for doc in table.doc.tolist()]


def with_result_table(result: DedupeResult, table: ResultTable, clusters: Sequence[Cluster]) -> DedupeResult:
    """``result`` with the verdicts of ``table`` and these clusters, and the counts per source that follow."""
    return replace(
        result,
        blocks=table,
        clusters=clusters,
        sources=_summaries(
            [summary.source for summary in result.sources], table.blocks.doc.astype(np.int64), table.status
        ),
    )


def source_summaries(sources: Sequence[str], results: Sequence[BlockResult]) -> tuple[SourceSummary, ...]:
    """Counts per source (blocks, kept, duplicates, boilerplate) of ``results``, in ``sources`` order.

    >>> result = dedupe([Document("a.txt", "Rain.\\n\\nRain.\\n")])
    >>> source_summaries(["a.txt"], result.blocks)[0]
    SourceSummary(source='a.txt', blocks=2, kept=1, duplicates=1, boilerplate=0)
    """
    if isinstance(results, ResultTable):
        return _summaries(sources, results.blocks.doc.astype(np.int64), results.status)
    docs = np.fromiter((result.block.doc for result in results), dtype=np.int64, count=len(results))
    codes = np.fromiter(
        (_STATUS_CODE[result.status] for result in results), dtype=np.int64, count=len(results)
    )
    return _summaries(sources, docs, codes)


def _summaries(
    sources: Sequence[str], docs: np.ndarray, status_codes: np.ndarray
) -> tuple[SourceSummary, ...]:
    """:func:`source_summaries` from each block's document and status code, counted with numpy."""
    statuses = len(_STATUSES)
    tally = np.bincount(docs * statuses + status_codes.astype(np.int64), minlength=len(sources) * statuses)
    tally = tally.reshape(len(sources), statuses)
    kept = tally[:, _STATUS_CODE[Status.UNIQUE]] + tally[:, _STATUS_CODE[Status.CANONICAL]]
    rows = zip(
        tally.sum(axis=1).tolist(),
        kept.tolist(),
        tally[:, _STATUS_CODE[Status.DUPLICATE]].tolist(),
        tally[:, _STATUS_CODE[Status.BOILERPLATE]].tolist(),
        strict=True,
    )
    return tuple(SourceSummary(source, *row) for source, row in zip(sources, rows, strict=True))


def clean_text(text: str, options: Options | None = None) -> str:
    """Clean one text: the kept blocks, blank-line separated, without provenance.

    >>> repeated = "The river rose two metres overnight.\\n\\n"
    >>> clean_text("Rain all day.\\n\\n" + repeated + repeated)
    'Rain all day.\\n\\nThe river rose two metres overnight.\\n'
    """
    return render_text(dedupe([Document("-", text)], options), provenance=False)
