"""The pipeline: Documents in, a frozen DedupeResult out. Nothing here prints, exits or reads files.

segment -> normalize -> fingerprint -> candidates -> verify -> cluster -> canonical
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from itertools import compress, count, repeat
from operator import attrgetter
from typing import NamedTuple

import numpy as np

from lbdedup._version import __version__
from lbdedup.boilerplate import find_boilerplate, set_apart
from lbdedup.candidates import candidate_pairs
from lbdedup.canonical import WIRE_AGENCIES, choose_canonical, completeness
from lbdedup.cluster import ContainedEdge, cluster_blocks
from lbdedup.fingerprint import Fingerprints, fingerprint
from lbdedup.model import (
    BLOCK_KINDS,
    KIND_CODES,
    META_KINDS,
    Block,
    BlockRef,
    BlockResult,
    Cluster,
    ClusterMember,
    DedupeResult,
    Document,
    KeepPolicy,
    MatchKind,
    Options,
    Progress,
    SourceSummary,
    Status,
    from_columns,
)
from lbdedup.normalize import normalize_many
from lbdedup.parallel import MIN_PARALLEL_CHARS, fork_map, split_evenly
from lbdedup.postmatch import exact_representatives, headlines_apart, merge_repeated_meta
from lbdedup.posts import segment_posts
from lbdedup.render import render_text
from lbdedup.runs import find_runs
from lbdedup.segment import make_blocks
from lbdedup.timeline import build_timelines, keep_meta_of_printed_posts
from lbdedup.verify import FUZZY_CLASS, Features, compare, verify

__all__ = ["clean_text", "dedupe", "match_keys", "paused_gc", "segment_all"]

# Progress is reported every this many verified pairs, so the callback never dominates the run.
PROGRESS_EVERY = 2048
# Fewer candidate pairs than this are verified in one process: a fork would cost more than it saves.
MIN_PARALLEL_PAIRS = 4096
# Work shared among processes is cut into this many parts a process: each process takes the next part left,
# so one on a slower or busier core takes fewer, and none waits long for the last.
PARTS_PER_PROCESS = 8


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
    normalized = normalize_many([block.text for block in blocks])
    # A line of punctuation alone ("* * *") normalizes to nothing; its raw text stands in for matching.
    return [
        text if text else "\x00" + block.text.strip() for text, block in zip(normalized, blocks, strict=True)
    ]


@dataclass(frozen=True, eq=False)
class _Front:
    """The per-document stages' output for some documents: blocks, match keys and fingerprints."""

    blocks: Sequence[Block]
    keys: list[str]
    fingerprints: Fingerprints


def _front(documents: Sequence[Document], options: Options, docs: range) -> _Front:
    blocks = segment_all([documents[doc] for doc in docs], first_doc=docs.start)
    keys = match_keys(blocks)
    return _Front(blocks, keys, fingerprint(keys, options.shingle_size, options.hash_function))


@dataclass(frozen=True, eq=False)
class _FrontColumns:
    """A :class:`_Front` as a forked worker sends it: each block field as one column, texts joined.

    A few large objects pickle and load many times faster than 150,000 small ones; the sources are not sent,
    the receiver takes them from its own documents.
    """

    docs: np.ndarray
    numbers: np.ndarray  # index, line_start and line_end, one row each
    kinds: bytes
    text_ends: np.ndarray
    texts: str
    key_ends: np.ndarray
    keys: str
    posts: list[int | None]
    times: list[str | None]
    fingerprints: Fingerprints


def _pack_front(front: _Front) -> _FrontColumns:
    blocks = front.blocks
    codes = KIND_CODES
    texts = [block.text for block in blocks]
    return _FrontColumns(
        docs=np.fromiter((block.doc for block in blocks), dtype=np.int64, count=len(blocks)),
        numbers=np.array(
            [
                [block.index for block in blocks],
                [block.line_start for block in blocks],
                [block.line_end for block in blocks],
            ],
            dtype=np.int64,
        ).reshape(3, len(blocks)),
        kinds=bytes([codes[block.kind] for block in blocks]),
        text_ends=np.cumsum([len(text) for text in texts], dtype=np.int64),
        texts="".join(texts),
        key_ends=np.cumsum([len(key) for key in front.keys], dtype=np.int64),
        keys="".join(front.keys),
        posts=[block.post for block in blocks],
        times=[block.time for block in blocks],
        fingerprints=front.fingerprints,
    )


def _split_joined(joined: str, ends: np.ndarray) -> list[str]:
    stops = ends.tolist()
    # The starts run one longer than the stops: the last start is the end of the joined text.
    return [joined[start:stop] for start, stop in zip([0, *stops], stops, strict=False)]


def _unpack_front(documents: Sequence[Document], columns: _FrontColumns) -> _Front:
    docs = columns.docs.tolist()
    sources = [document.source for document in documents]
    index, line_start, line_end = columns.numbers.tolist()
    blocks = make_blocks(
        docs,
        [sources[doc] for doc in docs],
        index,
        line_start,
        line_end,
        [BLOCK_KINDS[code] for code in columns.kinds],
        _split_joined(columns.texts, columns.text_ends),
        columns.posts,
        columns.times,
    )
    return _Front(blocks, _split_joined(columns.keys, columns.key_ends), columns.fingerprints)


def _part_count(jobs: int) -> int:
    """How many parts work shared among ``jobs`` processes is cut into: one when nothing is shared.

    >>> _part_count(1), _part_count(2)
    (1, 16)
    """
    return jobs * PARTS_PER_PROCESS if jobs > 1 else 1


def _front_all(documents: Sequence[Document], options: Options) -> _Front:
    """Segment, normalize and fingerprint every document, on ``options.jobs`` cores when it pays."""
    sizes = [len(document.text) for document in documents]
    jobs = options.jobs if sum(sizes) >= MIN_PARALLEL_CHARS else 1
    parts = split_evenly(sizes, _part_count(jobs)) or [range(0)]
    fronts = fork_map(
        partial(_front, documents, options), parts, jobs, _pack_front, partial(_unpack_front, documents)
    )
    if len(fronts) == 1:
        return fronts[0]
    offsets = np.cumsum([0, *(len(front.blocks) for front in fronts[:-1])])
    return _Front(
        [block for front in fronts for block in front.blocks],
        [key for front in fronts for key in front.keys],
        Fingerprints(
            exact=np.concatenate([front.fingerprints.exact for front in fronts]),
            word_counts=np.concatenate([front.fingerprints.word_counts for front in fronts]),
            shingle_hashes=np.concatenate([front.fingerprints.shingle_hashes for front in fronts]),
            shingle_blocks=np.concatenate(
                [
                    front.fingerprints.shingle_blocks + offset
                    for front, offset in zip(fronts, offsets, strict=True)
                ]
            ),
        ),
    )


def _dedupe(documents: Sequence[Document], options: Options, report: Progress) -> DedupeResult:
    front = _front_all(documents, options)
    blocks, keys, fingerprints = tuple(front.blocks), front.keys, front.fingerprints
    del front
    report("segment", len(documents), len(documents))
    report("fingerprint", len(blocks), len(blocks))
    furniture = find_boilerplate(blocks, keys, fingerprints, options)
    report("boilerplate", len(blocks), len(blocks))

    count = len(blocks)
    is_meta = np.fromiter((block.kind in META_KINDS for block in blocks), dtype=bool, count=count)
    # Meta lines match only as part of a repeated post (merge_repeated_meta below), never by their text.
    # Furniture matches nothing: it is set apart from the exact groups and never a fuzzy candidate.
    representative = exact_representatives(set_apart(fingerprints.exact, furniture), is_meta)
    eligible = (
        (fingerprints.word_counts >= options.min_fuzzy_words)
        & (representative == np.arange(count))
        & ~is_meta
    )
    eligible[list(furniture)] = False
    pairs = candidate_pairs(fingerprints, eligible, options.max_shingle_blocks)
    word_counts = fingerprints.word_counts.tolist()
    # The shingles (a sixth of a run's memory) are not needed past this point: the stages below reuse it.
    del fingerprints

    features_of = _FeatureCache(blocks, keys)
    firsts, seconds = pairs.first.tolist(), pairs.second.tolist()
    total = len(firsts)
    jobs = options.jobs if total >= MIN_PARALLEL_PAIRS else 1
    parts = _part_count(jobs)
    spans = [range(total * part // parts, total * (part + 1) // parts) for part in range(parts)]
    verify_span = partial(
        _verify_span, firsts, seconds, blocks, keys, features_of, options, report, os.getpid()
    )
    found = fork_map(verify_span, spans, jobs)
    found = [headlines_apart(blocks, representative, matches) for matches in found]
    report("verify", total, total)
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

    content_words = _content_words(keys, word_counts)
    clustering = cluster_blocks(
        representative.tolist(), near_pairs, contained_edges, word_counts, content_words
    )
    group, cluster = merge_repeated_meta(blocks, keys, clustering.group, clustering.cluster)
    decided = _decide(
        blocks, keys, word_counts, content_words, group, cluster, options, furniture, features_of
    )
    # The match keys and Features are not needed past this point: the result objects reuse their memory.
    del keys, features_of, verify_span
    result = _results(documents, blocks, decided, furniture)
    timelines = build_timelines(result, options)
    result, _ = keep_meta_of_printed_posts(result, timelines)
    return replace(result, timelines=timelines, runs=find_runs(result.blocks))


def _verify_span(
    firsts: Sequence[int],
    seconds: Sequence[int],
    blocks: Sequence[Block],
    keys: Sequence[str],
    features_of: Callable[[int], Features],
    options: Options,
    report: Progress,
    reporting_process: int,
    span: range,
) -> list[tuple[int, int, int | None, float]]:
    """The matches among candidate pairs ``span``: (a, b, container, similarity), container None when near.

    Only ``reporting_process`` reports progress: a forked child's report would go to a copy of the progress
    bar. It takes the spans in order, so the positions it reports only grow.
    """
    matches = []
    total = len(firsts) if os.getpid() == reporting_process else 0
    fuzzy_class = FUZZY_CLASS
    for position in span:
        a, b = firsts[position], seconds[position]
        kind_class = fuzzy_class[blocks[a].kind]
        if (not kind_class or kind_class != fuzzy_class[blocks[b].kind]) and keys[a] != keys[b]:
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
_STATUS_CODE = {status: code for code, status in enumerate(_STATUSES)}


class _Decisions(NamedTuple):
    """What :func:`_decide` found of the clusters, for :func:`_results` to build the result from."""

    members: np.ndarray  # the blocks in clusters, grouped by cluster, each group in input order
    starts: np.ndarray  # where each group starts in ``members``
    sizes: np.ndarray
    kept: np.ndarray  # the kept block of each group
    member_group: np.ndarray  # the group of each member
    is_kept: np.ndarray
    copies: list[int]  # the dropped members, with their groups, matches and similarities
    copy_groups: list[int]
    matches: list[MatchKind]
    similarities: list[float]


def _decide(
    blocks: Sequence[Block],
    keys: Sequence[str],
    word_counts: Sequence[int],
    content_words: np.ndarray,
    group: Sequence[int],
    cluster: Sequence[int],
    options: Options,
    furniture: Mapping[int, str],
    features_of: Callable[[int], Features],
) -> _Decisions:
    """The kept copy of each cluster, and how each other copy matches it: all that needs the match keys."""
    roots = np.asarray(cluster, dtype=np.int64)
    members = _cluster_members(roots, furniture)
    # Clusters by root: members[starts[g]:starts[g] + sizes[g]] are the blocks of cluster g, in input order.
    member_roots = roots[members]
    starts = np.flatnonzero(np.r_[True, member_roots[1:] != member_roots[:-1]])[: len(members)]
    sizes = np.diff(np.r_[starts, len(members)])
    kept = _canonical_members(
        members, starts, sizes, roots, group, word_counts, content_words, keys, options, furniture
    )
    member_group = np.repeat(np.arange(len(kept)), sizes)
    is_kept = members == kept[member_group]
    is_copy = ~is_kept
    copies = members[is_copy].tolist()
    copy_groups = member_group[is_copy].tolist()
    kept_of_copies = kept[copy_groups].tolist() if copies else []
    matches, similarities = _copy_matches(copies, kept_of_copies, keys, features_of, options)
    return _Decisions(
        members, starts, sizes, kept, member_group, is_kept, copies, copy_groups, matches, similarities
    )


def _results(
    documents: Sequence[Document],
    blocks: Sequence[Block],
    decided: _Decisions,
    furniture: Mapping[int, str],
) -> DedupeResult:
    # Built column by column over all blocks: a run has hundreds of thousands of them.
    count = len(blocks)
    members, starts, sizes, kept, member_group, is_kept, copies, copy_groups, matches, similarities = decided
    # Cluster ids follow the position of the kept copy, so they read in input order.
    by_number = np.argsort(kept, kind="stable")
    number_of = np.empty(len(kept), dtype=np.int64)
    number_of[by_number] = np.arange(len(kept))
    member_list = members.tolist()
    kept_refs = _refs([blocks[index] for index in kept.tolist()])

    status_codes = np.full(count, _STATUS_CODE[Status.UNIQUE], dtype=np.int64)
    status_codes[members] = np.where(is_kept, _STATUS_CODE[Status.CANONICAL], _STATUS_CODE[Status.DUPLICATE])
    cluster_numbers: list[int | None] = [None] * count
    for index, number in zip(member_list, number_of[member_group].tolist(), strict=True):
        cluster_numbers[index] = number
    duplicate_of: list[BlockRef | None] = [None] * count
    match_of: list[MatchKind | None] = [None] * count
    similarity_of: list[float | None] = [None] * count
    for index, copy_group, match, similarity in zip(copies, copy_groups, matches, similarities, strict=True):
        duplicate_of[index] = kept_refs[copy_group]
        match_of[index] = match
        similarity_of[index] = similarity
    reasons: list[str | None] = [None] * count
    if furniture:
        status_codes[list(furniture)] = _STATUS_CODE[Status.BOILERPLATE]
        for index, reason in furniture.items():
            reasons[index] = reason
    statuses = list(map(_STATUSES.__getitem__, status_codes.tolist()))
    results = tuple(
        from_columns(
            BlockResult, blocks, statuses, cluster_numbers, duplicate_of, match_of, similarity_of, reasons
        )
    )

    # Each member as its cluster lists it: the kept copy by the canonical reference, a copy by its own.
    copy_refs = iter(_refs([blocks[index] for index in copies]))
    member_refs = [
        kept_refs[member_group_id] if kept_member else next(copy_refs)
        for member_group_id, kept_member in zip(member_group.tolist(), is_kept.tolist(), strict=True)
    ]
    cluster_members = from_columns(
        ClusterMember,
        member_refs,
        [match_of[index] for index in member_list],
        [similarity_of[index] for index in member_list],
    )
    ordered_groups = by_number.tolist()
    bounds = [(start, start + size) for start, size in zip(starts.tolist(), sizes.tolist(), strict=True)]
    clusters = from_columns(
        Cluster,
        range(len(ordered_groups)),
        [kept_refs[group_id] for group_id in ordered_groups],
        [tuple(cluster_members[slice(*bounds[group_id])]) for group_id in ordered_groups],
    )
    return DedupeResult(
        version=__version__,
        documents=tuple(documents),
        blocks=results,
        clusters=tuple(clusters),
        sources=_summaries(
            [document.source for document in documents],
            np.fromiter(map(attrgetter("doc"), blocks), dtype=np.int64, count=count),
            status_codes,
        ),
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
    group: Sequence[int],
    word_counts: Sequence[int],
    content_words: np.ndarray,
    keys: Sequence[str],
    options: Options,
    furniture: Mapping[int, str],
) -> np.ndarray:
    """The kept block of each cluster: :func:`choose_canonical`, over all clusters at once for ``longest``.

    ``content_words`` holds each block's :func:`completeness`, the score of ``longest``.
    """
    if not len(members):
        return np.zeros(0, dtype=np.int64)
    member_list = members.tolist()
    if options.keep is KeepPolicy.LONGEST:
        # The most complete copy, ties to the earliest: sort each cluster by score down, then position.
        scores = content_words[members]
        cluster_of = np.repeat(np.arange(len(starts)), sizes)
        best: np.ndarray = members[np.lexsort((members, -scores, cluster_of))[starts]]
        return best
    kept = []
    for start, size, root in zip(
        starts.tolist(), sizes.tolist(), roots[members[starts]].tolist(), strict=True
    ):
        items = member_list[start : start + size]
        top_group = root if root not in furniture else group[items[0]]
        kept.append(choose_canonical(items, top_group, group, word_counts, keys, options.keep))
    return np.array(kept, dtype=np.int64)


def _content_words(keys: Sequence[str], word_counts: Sequence[int]) -> np.ndarray:
    """:func:`completeness` of every block: its word count, less a wire credit appended at its end.

    >>> _content_words(["the port shut reuters", "the port shut"], [4, 3]).tolist()
    [3, 3]
    """
    counts = np.array(word_counts, dtype=np.int64)
    # Most texts end with no agency's name at all: the ones that do are found in C, and only they are asked.
    ending = list(compress(count(), map(str.endswith, keys, repeat(WIRE_AGENCIES))))
    counts[ending] = [completeness(keys[index], word_counts[index]) for index in ending]
    return counts


def _refs(blocks: Sequence[Block]) -> list[BlockRef]:
    return from_columns(
        BlockRef,
        [block.source for block in blocks],
        [block.index for block in blocks],
        [block.line_start for block in blocks],
        [block.line_end for block in blocks],
    )


def _copy_matches(
    copies: Sequence[int],
    kept_of_copies: Sequence[int],
    keys: Sequence[str],
    features_of: Callable[[int], Features],
    options: Options,
) -> tuple[list[MatchKind], list[float]]:
    """How each dropped copy matches the copy kept in its place (exact copies need no comparison)."""
    matches: list[MatchKind] = []
    similarities: list[float] = []
    for index, kept in zip(copies, kept_of_copies, strict=True):
        if keys[index] == keys[kept]:
            matches.append(MatchKind.EXACT)
            similarities.append(1.0)
        else:
            verdict = compare(features_of(index), features_of(kept), options.near_threshold)
            matches.append(verdict.match)
            similarities.append(verdict.similarity)
    return matches, similarities


class _FeatureCache:
    """``features_of(index)``: the Features of a block, computed once and only for blocks that need them."""

    __slots__ = ("_blocks", "_features", "_keys")

    def __init__(self, blocks: Sequence[Block], keys: Sequence[str]) -> None:
        self._blocks = blocks
        self._keys = keys
        self._features: dict[int, Features] = {}

    def __call__(self, index: int) -> Features:
        found = self._features.get(index)
        if found is None:
            found = self._features[index] = Features.of(self._blocks[index].kind, self._keys[index])
        return found

    def keep_only(self, indexes: Iterable[int]) -> None:
        """Forget the Features of all other blocks, to free their memory for the stages that follow."""
        features = self._features
        self._features = {index: features[index] for index in indexes if index in features}


def with_block_results(
    result: DedupeResult, blocks: Sequence[BlockResult], clusters: Sequence[Cluster]
) -> DedupeResult:
    """``result`` with these block results and clusters, and the counts per source that follow from them.

    >>> result = dedupe([Document("a.txt", "Rain.\\n\\nRain.\\n")])
    >>> with_block_results(result, result.blocks[:1], ()).sources[0].blocks
    1
    """
    return replace(
        result,
        blocks=tuple(blocks),
        clusters=tuple(clusters),
        sources=source_summaries([summary.source for summary in result.sources], blocks),
    )


def source_summaries(sources: Sequence[str], results: Sequence[BlockResult]) -> tuple[SourceSummary, ...]:
    """Counts per source (blocks, kept, duplicates, boilerplate) of ``results``, in ``sources`` order.

    >>> result = dedupe([Document("a.txt", "Rain.\\n\\nRain.\\n")])
    >>> source_summaries(["a.txt"], result.blocks)[0]
    SourceSummary(source='a.txt', blocks=2, kept=1, duplicates=1, boilerplate=0)
    """
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
    tally = np.bincount(docs * statuses + status_codes, minlength=len(sources) * statuses)
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
