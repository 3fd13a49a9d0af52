"""The dask engine: the pipeline's stages partitioned over a dask.distributed cluster.

``pip install 'lbdedup[dask]'`` adds it. Without a scheduler address a :class:`distributed.LocalCluster` of
worker processes runs on this machine; with one, the given cluster does the work. Either way:

- the inputs are cut into parts of whole files (about :data:`PART_BYTES` each, at least two a worker), and
  the workers read, segment, normalize and fingerprint them: the files are read where the work runs, never
  shipped from here;
- what the stages after that decide is the same as the local engine decides, block for block: they are the
  same functions (:func:`lbdedup.core.dedupe_front`) over the parts put together in input order, so no
  number of workers or parts changes a result.

A task whose worker dies is run again by dask on another worker (a task is a pure function of its files).
"""

from __future__ import annotations

import logging
import os
import uuid
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from itertools import pairwise
from operator import getitem
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from lbdedup._version import __version__
from lbdedup.arrays import joined_strings, split_joined
from lbdedup.boilerplate import furniture_by_parts
from lbdedup.candidates import (
    MAX_HASH_RANGES,
    MAX_PAIR_BUCKETS,
    CandidatePairs,
    counted_pairs,
    list_counts,
    pair_needs,
    range_lists,
    range_pair_keys,
    range_pieces,
)
from lbdedup.core import (
    FeatureCache,
    Front,
    Match,
    compare_copies_by_keys,
    content_words_of,
    dedupe_front,
    front_of,
    join_fronts,
    paused_gc,
    verify_pairs,
)
from lbdedup.fingerprint import Fingerprints
from lbdedup.model import (
    BlockRef,
    DedupeResult,
    Document,
    Options,
    Progress,
    SourceSummary,
    Status,
)
from lbdedup.parallel import available_jobs, split_evenly
from lbdedup.postmatch import lead_facts
from lbdedup.read import InputError, max_file_size, read_source_at
from lbdedup.table import STATUS_CODES, BlockTable, ResultTable, result_table
from lbdedup.write import remove_shards_from

if TYPE_CHECKING:
    from distributed import Client

    from lbdedup.jsonl import JsonlFields

__all__ = [
    "CONNECT_TIMEOUT_SECONDS",
    "PART_BYTES",
    "EngineError",
    "OutputError",
    "RemoteTexts",
    "dask_client",
    "dedupe_paths",
    "plan_parts",
    "write_output_on_workers",
]

# How long to wait for a given scheduler to answer before giving up (exit 2).
CONNECT_TIMEOUT_SECONDS = 10
# Files are put together into parts of about this many bytes: a part is one task, read and fingerprinted
# by one worker. Larger parts are fewer tasks to schedule; smaller ones spread unequal files better.
PART_BYTES = 32 << 20
# ... and there are at least this many parts a worker, so a slow worker can leave its last part to another.
MIN_PARTS_PER_WORKER = 2


class EngineError(Exception):
    """The dask engine cannot run: its extra is not installed, or the scheduler does not answer."""


def _no_progress(stage: str, done: int, total: int) -> None:
    """Progress sink that ignores everything."""


@contextmanager
def dask_client(scheduler: str | None = None, workers: int = 0) -> Iterator[Client]:
    """A dask client: of the scheduler at ``scheduler``, else of a new local cluster of ``workers`` processes.

    ``workers`` 0 means one per core. Raises :class:`EngineError` when dask is not installed or the
    scheduler does not answer within :data:`CONNECT_TIMEOUT_SECONDS`. The local cluster stops on exit.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise EngineError("--engine dask needs dask and distributed: pip install 'lbdedup[dask]'") from None
    # Dask's own log lines (workers starting, a worker restarted) are not this command's output; nor is the
    # traceback asyncio logs at exit for the task a Ctrl-C stopped in dask's event loop.
    for name in ("distributed", "dask"):
        logging.getLogger(name).setLevel(logging.ERROR)
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT_SECONDS)
        except (OSError, TimeoutError, ValueError) as error:
            raise EngineError(
                f"{scheduler}: no dask scheduler answered within {CONNECT_TIMEOUT_SECONDS} s ({error})"
            ) from None
        try:
            yield client
        finally:
            client.close()
        return
    # Stopped by Ctrl-C as the cluster stops, multiprocessing's resource tracker (a process of its own, which
    # reads this at its start) would warn about the workers' semaphores it then cleans up: not an error.
    quiet = "ignore::UserWarning:multiprocessing.resource_tracker"
    os.environ["PYTHONWARNINGS"] = ",".join(filter(None, [os.environ.get("PYTHONWARNINGS"), quiet]))
    cluster = LocalCluster(
        n_workers=workers or available_jobs(),
        threads_per_worker=1,
        processes=True,
        # The scheduler serves HTTP (health, the dashboard when bokeh is there) on some port: any free one.
        dashboard_address=":0",
        # A task's error (a file that cannot be read) is reported once, by the command, not by the worker.
        silence_logs=logging.CRITICAL,
    )
    try:
        with Client(cluster) as client:
            yield client
    finally:
        cluster.close()


def plan_parts(sizes: Sequence[int], workers: int, part_bytes: int = PART_BYTES) -> list[range]:
    """Cut the files of ``sizes`` (bytes, in input order) into parts of consecutive files.

    About ``part_bytes`` a part, and at least :data:`MIN_PARTS_PER_WORKER` parts a worker where there are
    files enough.

    >>> plan_parts([10, 10, 10, 10], workers=1)
    [range(0, 2), range(2, 4)]
    >>> plan_parts([100, 100, 100], workers=1, part_bytes=100)
    [range(0, 1), range(1, 2), range(2, 3)]
    """
    wanted = max(MIN_PARTS_PER_WORKER * max(workers, 1), -(-sum(sizes) // max(part_bytes, 1)))
    return split_evenly([max(size, 1) for size in sizes], wanted)


@dataclass(frozen=True, eq=False)
class _PartRead:
    """What a worker sends back for one part: its documents, where each record was, and their front."""

    documents: list[Document]
    places: list[str]  # "file:line" of each JSONL record (empty for files)
    carried: list[dict[str, Any]] | None
    front: Front
    shingles: int = 0  # how many the front holds, or held before the client took it without them


def _read_part(
    names: Sequence[str],
    paths: Sequence[str],
    encoding: str | None,
    limit: int,
    jsonl: JsonlFields | None,
    carry: bool,
    options: Options,
) -> _PartRead:
    """On a worker: read files (or JSONL shards) ``names`` from ``paths``, and run the per-document stages."""
    token = max_file_size.set(limit)
    try:
        carried: list[dict[str, Any]] | None = [] if carry else None
        places: list[str] = []
        if jsonl is not None:
            from lbdedup.jsonl import jsonl_records_with_places

            documents = []
            for document, place in jsonl_records_with_places(names, encoding, jsonl, carried, paths=paths):
                documents.append(document)
                places.append(place)
        else:
            documents = [
                read_source_at(name, path, encoding) for name, path in zip(names, paths, strict=True)
            ]
    finally:
        max_file_size.reset(token)
    with paused_gc():
        front = front_of(documents, replace(options, jobs=1))
        front = replace(
            front,
            content_words=content_words_of(front.keys, front.fingerprints.word_counts),
            lead_facts=lead_facts(front.blocks),
        )
        return _PartRead(documents, places, carried, front)


def _file_sizes(paths: Sequence[str]) -> list[int]:
    sizes = []
    for path in paths:
        try:
            sizes.append(os.stat(path).st_size)
        except OSError:
            sizes.append(0)  # the worker that reads it reports what is wrong with it
    return sizes


def dedupe_paths(
    paths: Sequence[str],
    client: Client,
    options: Options | None = None,
    *,
    encoding: str | None = None,
    jsonl: JsonlFields | None = None,
    carried: list[dict[str, Any]] | None = None,
    parts: int | None = None,
    progress: Progress | None = None,
) -> DedupeResult:
    """Read and clean the files ``paths`` on the cluster of ``client``: the same result as the local engine.

    ``parts`` sets how many parts the files are cut into (default: :func:`plan_parts`); it changes no result.
    With ``jsonl``, each path is a JSONL shard of records. A file that cannot be read raises
    :class:`lbdedup.read.InputError`, as :func:`lbdedup.read.read_source` does.
    """
    with _large_arrays_in_tasks():
        return _dedupe_paths(paths, client, options, encoding, jsonl, carried, parts, progress)


@contextmanager
def _large_arrays_in_tasks() -> Iterator[None]:
    """Silence dask's warning about large objects in tasks: this engine puts them there on purpose.

    Arrays of every block (which may match, how much each must share) and each part's columns go to the
    workers inside tasks, so that dask can run them again if a worker dies (scattered data would be lost).
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Large object of size", category=UserWarning)
        warnings.filterwarnings("ignore", message="Sending large graph of size", category=UserWarning)
        yield


def _dedupe_paths(
    paths: Sequence[str],
    client: Client,
    options: Options | None,
    encoding: str | None,
    jsonl: JsonlFields | None,
    carried: list[dict[str, Any]] | None,
    parts: int | None,
    progress: Progress | None,
) -> DedupeResult:
    options = options or Options()
    report = progress or _no_progress
    workers = max(len(client.scheduler_info().get("workers", {})), 1)
    sizes = _file_sizes(paths)
    ranges = split_evenly([max(size, 1) for size in sizes], parts) if parts else plan_parts(sizes, workers)
    # A worker may run in another folder (or on another machine sharing the files): it reads absolute paths,
    # and the report names the files as they were given.
    absolute = [os.path.abspath(path) for path in paths]
    futures = client.map(
        _read_part,
        [[paths[index] for index in part] for part in ranges],
        [[absolute[index] for index in part] for part in ranges],
        encoding=encoding,
        limit=max_file_size.get(),
        jsonl=jsonl,
        carry=carried is not None,
        options=options,
        key=[f"lbdedup-read-{number}" for number in range(len(ranges))],
        pure=False,
    )
    # The client takes each part's columns: no text, no match key, no shingle. Those stay on the workers,
    # and the steps that read them run there.
    _wait_in_order(futures, report)
    placed = _Parts(client, futures)
    reads = client.gather([placed.submit(_columns_of, number) for number in range(len(futures))])
    documents = [document for read in reads for document in read.documents]
    if jsonl is not None:
        _refuse_repeated_ids(reads)
    if carried is not None:
        carried.extend(fields for read in reads for fields in read.carried or ())
    doc_bounds = np.cumsum([0, *(len(read.documents) for read in reads)]).tolist()
    placed.first_docs = doc_bounds
    first_docs = doc_bounds[:-1]
    sources = [document.source for document in documents]
    report("read", len(paths), len(paths))
    sizes = [len(read.front.blocks) for read in reads]
    shingles = sum(read.shingles for read in reads)
    with paused_gc():
        front = join_fronts(sources, [read.front for read in reads], first_docs)
        del reads
        furniture = _furniture_on_workers(client, placed, sizes, front, options)
        finder = _MatchesOnWorkers(client, placed, sizes, shingles, workers, options, report)
        comparer = _CopiesOnWorkers(client, placed, sizes, options)
        front = replace(front, blocks=RemoteTexts.of(front.blocks, client, placed, sizes))
        return dedupe_front(documents, front, options, report, finder, comparer, furniture)


def _columns_of(read: _PartRead) -> _PartRead:
    """``read`` as the client takes it: documents without their text, blocks and fingerprints as columns."""
    prints = read.front.fingerprints
    kept = Fingerprints(
        prints.exact,
        prints.word_counts,
        np.empty(0, dtype=np.uint64),
        np.zeros(len(prints.exact), dtype=np.int64),
    )
    blocks = read.front.blocks
    lengths = blocks.text_lengths().astype(np.int64)
    # No pool: a text's length stays (the timeline stage reads it), its place in the worker's text goes.
    columns = BlockTable(
        blocks.sources,
        blocks.doc,
        blocks.position,
        blocks.line_start,
        blocks.line_end,
        blocks.kind,
        blocks.post,
        blocks.time,
        blocks.times,
        (),
        np.zeros(len(blocks), dtype=np.int32),
        np.zeros(len(blocks), dtype=np.int64),
        lengths,
    )
    front = replace(read.front, blocks=columns, keys=[], fingerprints=kept)
    documents = [replace(document, text="") for document in read.documents]
    return replace(read, documents=documents, front=front, shingles=len(prints.shingle_hashes))


# ------------------------------------------------------------------------------------------ boilerplate


def _furniture_on_workers(
    client: Client, parts: _Parts, sizes: list[int], front: Front, options: Options
) -> dict[int, str]:
    """:func:`lbdedup.boilerplate.furniture_by_parts`, each part's steps on the worker that holds it.

    The client merges the pages' headlines and runs the repetition pass over every block's columns; the
    user's patterns run in a child process of the worker (:func:`_patterns_in_a_process`).
    """

    def run_on_parts(step: Callable[..., Any], arguments: Sequence[tuple[Any, ...]]) -> list[Any]:
        # Named for the step: "lbdedup-furniture-end-3" is the final pass of part 3.
        name = step.__name__.strip("_").replace("_", "-")
        tasks = [
            parts.submit(_step_on_part, number, step, *more, key=f"lbdedup-{name}-{number}")
            for number, more in enumerate(arguments)
        ]
        return list(client.gather(tasks))

    prints = front.fingerprints
    return furniture_by_parts(
        run_on_parts,
        sizes,
        prints.exact,
        prints.word_counts,
        front.blocks.doc,
        options,
        _patterns_in_a_process,
    )


def _step_on_part(read: _PartRead, step: Callable[..., Any], *arguments: Any) -> Any:
    front = read.front
    return step(front.blocks, front.keys, front.fingerprints.word_counts, *arguments)


def _patterns_in_a_process(
    texts: Sequence[str], found: Mapping[int, str], options: Options
) -> dict[int, str]:
    """:func:`lbdedup.boilerplate.apply_user_patterns` in a process of its own, so that its watch works.

    A worker runs tasks in threads, and the watch that stops a pattern backtracking without end ("(a+)+")
    needs a main thread: in a worker's thread such a pattern would hang the run. A child process's main
    thread has it; its BoilerplateError comes back as one.
    """
    import pickle
    import subprocess
    import sys

    from lbdedup.boilerplate import BoilerplateError

    done = subprocess.run(
        [sys.executable, "-c", "from lbdedup.dask_engine import _patterns_child; _patterns_child()"],
        input=pickle.dumps((list(texts), dict(found), options)),
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        raise BoilerplateError(
            f"the user's patterns could not be run ({done.stderr.decode(errors='replace')[-200:]})"
        )
    outcome, value = pickle.loads(done.stdout)
    if outcome == "error":
        raise BoilerplateError(value)
    matched: dict[int, str] = value
    return matched


def _patterns_child() -> None:
    """The child of :func:`_patterns_in_a_process`: the pickled arguments in on stdin, the outcome out."""
    import pickle
    import sys

    from lbdedup.boilerplate import BoilerplateError, apply_user_patterns

    texts, found, options = pickle.loads(sys.stdin.buffer.read())
    try:
        outcome: tuple[str, Any] = ("found", apply_user_patterns(texts, found, options))
    except BoilerplateError as error:
        outcome = ("error", str(error))
    sys.stdout.buffer.write(pickle.dumps(outcome))


# ------------------------------------------------------------------------------------------ texts


# The client fetches block texts from the workers this many blocks at a time, in the order they are read.
TEXT_WINDOW = 1 << 14


class RemoteTexts(BlockTable):
    """The blocks of a dask run as columns on the client; their texts stay on the workers until read.

    A text is fetched with the others of its window: the :data:`TEXT_WINDOW` blocks from it on in reading
    order (input order, unless :meth:`will_read` says otherwise), one task a part that holds some. Only
    the last window is kept, so the client holds what it prints, not every text.
    """

    __slots__ = (
        "_bounds",
        "_cached",
        "_cached_rows",
        "_client",
        "_order",
        "_parts",
        "_position",
        "_prefetched",
    )
    _client: Client
    _parts: _Parts
    _bounds: np.ndarray
    _order: np.ndarray | None
    _position: np.ndarray | None
    _cached_rows: np.ndarray
    _cached: list[str]
    # The next window: its start (and whether in input order), its rows, and the tasks that fetch them.
    _prefetched: tuple[tuple[int, bool], np.ndarray, list[Any]]

    @classmethod
    def of(cls, table: BlockTable, client: Client, parts: _Parts, sizes: list[int]) -> RemoteTexts:
        """``table``'s columns, with texts fetched from ``parts`` (futures of parts of ``sizes`` blocks)."""
        remote = cls.__new__(cls)
        for name in BlockTable.__slots__:
            setattr(remote, name, getattr(table, name))
        remote._client, remote._parts = client, parts
        remote._bounds = np.cumsum([0, *sizes])
        remote._order = remote._position = None
        remote._cached_rows = np.empty(0, dtype=np.int64)
        remote._cached = []
        remote._prefetched = _NOTHING_PREFETCHED
        return remote

    def will_read(self, rows: npt.NDArray[np.integer[Any]]) -> None:
        """Say the order texts will be read in: windows are then cut along it."""
        self._order = np.asarray(rows, dtype=np.int64)
        position = np.full(len(self), -1, dtype=np.int64)
        position[self._order] = np.arange(len(self._order))
        self._position = position
        self._prefetched = _NOTHING_PREFETCHED

    def text(self, row: int) -> str:
        """The text of block ``row``, from its worker."""
        return self.texts([row])[0]

    def texts(self, rows: Iterable[int] | None = None) -> list[str]:
        """The texts of blocks ``rows`` (all blocks when None), from the workers, a window at a time."""
        wanted = np.arange(len(self)) if rows is None else np.fromiter(rows, dtype=np.int64)
        found: list[str | None] = [None] * len(wanted)
        missing = np.arange(len(wanted))
        while len(missing):
            at = np.searchsorted(self._cached_rows, wanted[missing])
            at = np.minimum(at, max(len(self._cached_rows) - 1, 0))
            hit = (
                (self._cached_rows[at] == wanted[missing])
                if len(self._cached_rows)
                else np.zeros(len(missing), bool)
            )
            cached = self._cached
            for position, place in zip(missing[hit].tolist(), at[hit].tolist(), strict=True):
                found[position] = cached[place]
            missing = missing[~hit]
            if len(missing):
                self._fetch_window(int(wanted[missing[0]]))
        return found  # type: ignore[return-value]  # every place is filled by the loop

    def _fetch_window(self, row: int) -> None:
        if self._order is None or self._position is None or self._position[row] < 0:
            start, order = row, None
        else:
            start, order = int(self._position[row]), self._order
        key, window, tasks = self._prefetched
        if key != (start, order is None):
            window, tasks = self._submit(start, order)
        # The next window is asked for now: its texts travel while this one is printed.
        following = start + len(window)
        if following < (len(self) if order is None else len(order)):
            self._prefetched = ((following, order is None), *self._submit(following, order))
        else:
            self._prefetched = _NOTHING_PREFETCHED
        self._cached = [text for texts in self._client.gather(tasks) for text in split_joined(*texts)]
        self._cached_rows = window

    def _submit(self, start: int, order: np.ndarray | None) -> tuple[np.ndarray, list[Any]]:
        """The rows of the window from ``start`` in reading order, and the tasks that fetch their texts."""
        if order is None:
            window = np.arange(start, min(start + TEXT_WINDOW, len(self)), dtype=np.int64)
        else:
            window = np.sort(order[start : start + TEXT_WINDOW])
        bounds = self._bounds
        cuts = np.searchsorted(window, bounds)
        tasks = []
        for part in range(len(self._parts)):
            local = window[cuts[part] : cuts[part + 1]] - bounds[part]
            if len(local):
                tasks.append(self._parts.submit(_part_texts, part, local))
        return window, tasks


_NOTHING_PREFETCHED: tuple[tuple[int, bool], np.ndarray, list[Any]] = ((-1, True), np.empty(0, np.int64), [])


def _part_texts(read: _PartRead, rows: np.ndarray) -> _Packed:
    return joined_strings(read.front.blocks.texts(rows.tolist()))


# ------------------------------------------------------------------------------------------ candidates


# The shingles are cut into hash ranges of about this many shingles (16 bytes each in a range task), at
# most this many ranges a worker; the pairs are counted in buckets of first blocks of about this many pair
# keys, at most this many a worker. A task holds its range's or its bucket's share. Neither changes a result.
RANGE_SHINGLES = 1 << 21
RANGES_PER_WORKER = 4
BUCKET_PAIRS = 1 << 22
BUCKETS_PER_WORKER = 4


class _MatchesOnWorkers:
    """The candidates and verification of :func:`lbdedup.core.dedupe_front`, as tasks on the workers.

    Each part cuts its shingles by hash range; each range task groups its shingles from every part into
    posting lists and makes its pair keys, by bucket of first block; each bucket task counts its keys from
    every range (the candidate pairs, in the local stage's order) and verifies them, with the match keys of
    just the blocks it names, fetched from their parts. The client holds per-block counts, never shingles.
    """

    def __init__(
        self,
        client: Client,
        parts: _Parts,
        sizes: list[int],
        shingles: int,
        workers: int,
        options: Options,
        report: Progress,
    ) -> None:
        self.client, self.parts, self.options, self.report = client, parts, options, report
        self.shingles, self.workers = shingles, workers
        self.bounds = np.cumsum([0, *sizes]).tolist()

    def __call__(self, eligible: np.ndarray) -> list[list[Match]]:
        client, bounds, options = self.client, self.bounds, self.options
        ranges = _between(
            1, -(-self.shingles // RANGE_SHINGLES), min(MAX_HASH_RANGES, RANGES_PER_WORKER * self.workers)
        )
        cut = [
            self.parts.submit(_cut_part, number, eligible[low:high], ranges, low, key=f"lbdedup-cut-{number}")
            for number, (low, high) in enumerate(pairwise(bounds))
        ]
        pieces = [
            [client.submit(_piece, found, r, key=f"lbdedup-piece-{p}-{r}") for r in range(ranges)]
            for p, found in enumerate(cut)
        ]
        taken = client.gather(
            [client.submit(getitem, found, 1, key=f"lbdedup-taken-{p}") for p, found in enumerate(cut)]
        )
        lists = [
            client.submit(
                range_lists, [row[r] for row in pieces], options.max_shingle_blocks, key=f"lbdedup-lists-{r}"
            )
            for r in range(ranges)
        ]
        del cut, pieces
        counts = client.gather([client.submit(list_counts, found) for found in lists])
        in_lists, needed, pair_keys = pair_needs(taken, counts)
        # Every range and bucket task reads both: sent to each worker once.
        in_lists_future = _put(client, in_lists, "lbdedup-in-lists")
        needed_future = _put(client, needed, "lbdedup-needed")
        del in_lists, needed, counts
        buckets = _between(
            1, -(-pair_keys // BUCKET_PAIRS), min(MAX_PAIR_BUCKETS, BUCKETS_PER_WORKER * self.workers)
        )
        keys = [
            client.submit(
                range_pair_keys, found, in_lists_future, needed_future, buckets, key=f"lbdedup-keys-{r}"
            )
            for r, found in enumerate(lists)
        ]
        del lists
        pairs = [
            client.submit(
                _counted_bucket,
                [
                    client.submit(getitem, found, bucket, key=f"lbdedup-bucket-{r}-{bucket}")
                    for r, found in enumerate(keys)
                ],
                needed_future,
                key=f"lbdedup-pairs-{bucket}",
            )
            for bucket in range(buckets)
        ]
        del keys
        verified = _on_pairs(client, self.parts, bounds, pairs, _verify_bucket, options, "verify")
        del pairs
        found_matches: list[list[Match]] = []
        for done, matches in enumerate(client.gather(verified), start=1):
            found_matches.append(matches)
            self.report("verify", done, buckets)
        return found_matches


# Dropped copies are compared with their kept copies this many pairs a task.
COMPARE_PAIRS = 1 << 16


class _CopiesOnWorkers:
    """:func:`lbdedup.core.compare_copies_by_keys` as tasks: each dropped copy with its kept copy."""

    def __init__(self, client: Client, parts: _Parts, sizes: list[int], options: Options) -> None:
        self.client, self.parts, self.options = client, parts, options
        self.bounds = np.cumsum([0, *sizes]).tolist()

    def __call__(self, copies: np.ndarray, kept: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        client = self.client
        chunks = [
            CandidatePairs(copies[low : low + COMPARE_PAIRS], kept[low : low + COMPARE_PAIRS], copies[:0])
            for low in range(0, len(copies), COMPARE_PAIRS)
        ]
        if not chunks:
            return np.empty(0, dtype=np.uint8), np.empty(0, dtype=np.float64)
        sent = [_put(client, chunk, f"lbdedup-copies-{number}") for number, chunk in enumerate(chunks)]
        tasks = _on_pairs(client, self.parts, self.bounds, sent, _compare_chunk, self.options, "compare")
        compared = client.gather(tasks)
        return np.concatenate([codes for codes, _ in compared]), np.concatenate(
            [found for _, found in compared]
        )


def _on_pairs(
    client: Client,
    parts: _Parts,
    bounds: list[int],
    pairs: list[Any],
    function: Callable[..., Any],
    options: Options,
    name: str,
) -> list[Any]:
    """``function(pairs, texts, options)`` for each future of pairs, with the match keys of the blocks named.

    The keys come from just the parts that hold those blocks: no task holds more text than its pairs name.
    """
    # Each texts task depends on its part alone (the rows it is asked for travel with it): a task that also
    # needed a future of pairs could be run where the pairs are, and its part copied there.
    needs = client.gather([client.submit(_rows_named, found, bounds) for found in pairs])
    results = []
    for chunk, (found, named) in enumerate(zip(pairs, needs, strict=True)):
        texts = [
            parts.submit(_texts_for, p, rows, bounds[p], key=f"lbdedup-{name}-texts-{chunk}-{p}")
            for p, rows in named
        ]
        results.append(client.submit(function, found, texts, options, key=f"lbdedup-{name}-{chunk}"))
    return results


def _put(client: Client, value: Any, name: str) -> Any:
    """A future of ``value`` from the client, that dask can make again if the worker holding it dies.

    Not ``client.scatter``: scattered data is lost with its worker, and the run with it.
    """
    return client.submit(_same, value, key=f"{name}-{uuid.uuid4().hex}")


def _same(value: Any) -> Any:
    return value


def _cut_part(read: _PartRead, eligible: np.ndarray, ranges: int, first_row: int) -> Any:
    return range_pieces(read.front.fingerprints, eligible, ranges, first_row)


def _piece(cut: Any, part: int) -> Any:
    return cut[0][part]


def _between(low: int, value: int, high: int) -> int:
    return max(low, min(value, high))


def _counted_bucket(pieces: list[np.ndarray], needed: np.ndarray) -> CandidatePairs:
    return counted_pairs(list(pieces), needed)


def _rows_named(pairs: CandidatePairs, bounds: list[int]) -> list[tuple[int, np.ndarray]]:
    """The blocks ``pairs`` name, by part: (part, rows of the run), for the parts that hold some."""
    rows = np.unique(np.concatenate([pairs.first, pairs.second]))
    cuts = np.searchsorted(rows, bounds)
    return [
        (part, rows[cuts[part] : cuts[part + 1]])
        for part in range(len(bounds) - 1)
        if cuts[part + 1] > cuts[part]
    ]


_Packed = tuple[
    str, np.ndarray
]  # many strings as one (arrays.joined_strings): dask sends a list item by item


_Texts = tuple[np.ndarray, _Packed, np.ndarray]


def _texts_for(read: _PartRead, rows: np.ndarray, first_row: int) -> _Texts:
    """Blocks ``rows`` of the run, all in part ``read``, with their match keys and kind codes."""
    local = rows - first_row
    keys = read.front.keys
    return rows, joined_strings([keys[row] for row in local.tolist()]), read.front.blocks.kind[local]


def _local_rows(
    pairs: CandidatePairs, texts: list[_Texts]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str], list[int]]:
    """The pairs as positions into the rows ``texts`` bring, and those rows, keys and kind codes in order."""
    rows = np.concatenate([np.empty(0, dtype=np.int64), *(found[0] for found in texts)])
    keys = [key for found in texts for key in split_joined(*found[1])]
    kind_codes = np.concatenate([np.empty(0, dtype=np.uint8), *(found[2] for found in texts)])
    order = np.argsort(rows, kind="stable")
    rows = rows[order]
    keys = [keys[at] for at in order.tolist()]
    kinds: list[int] = kind_codes[order].tolist()
    return np.searchsorted(rows, pairs.first), np.searchsorted(rows, pairs.second), rows, keys, kinds


def _compare_chunk(
    pairs: CandidatePairs, texts: list[_Texts], options: Options
) -> tuple[np.ndarray, np.ndarray]:
    """How each dropped copy (``pairs.first``) matches its kept copy: match codes and similarities."""
    firsts, seconds, _, keys, kinds = _local_rows(pairs, texts)
    return compare_copies_by_keys(firsts, seconds, keys, FeatureCache(kinds, keys), options)


def _verify_bucket(pairs: CandidatePairs, texts: list[_Texts], options: Options) -> list[Match]:
    """The verified matches of one bucket's pairs, by the local stage's rules (rows stay the run's)."""
    firsts, seconds, rows, keys, kinds = _local_rows(pairs, texts)
    found = verify_pairs(firsts, seconds, kinds, keys, replace(options, jobs=1))
    row_list = rows.tolist()
    return [
        (row_list[a], row_list[b], container, similarity)
        for matches in found
        for a, b, container, similarity in matches
    ]


def _wait_in_order(futures: list[Any], report: Callable[[str, int, int], None]) -> None:
    """Wait for ``futures``, reporting each as it comes; the first error is raised, the others cancelled."""
    from distributed import as_completed

    for done, future in enumerate(as_completed(futures), start=1):
        if future.status == "error":
            # The first failed part names its file; the other tasks are not waited for.
            error = future.exception()
            for other in futures:
                other.cancel()
            raise error
        report("read", done, len(futures))


class _Parts:
    """The parts of a run, as futures on the workers, and where each is.

    Every task that reads a part runs where it is: dask would otherwise run one on an idle worker and copy
    the part there (a worker would then hold more than its share). A part whose worker died is made again
    elsewhere, and its tasks follow it.
    """

    def __init__(self, client: Client, futures: list[Any]) -> None:
        self.client, self.futures = client, futures
        self.holders = client.who_has(futures)
        self.first_docs: list[int] = []  # each part's first document, and the count of all after them

    def __len__(self) -> int:
        return len(self.futures)

    def submit(self, function: Callable[..., Any], number: int, *args: Any, **kwargs: Any) -> Any:
        """``function(part, *args)`` as a task, where part ``number`` is."""
        future = self.futures[number]
        holders = list(self.holders.get(future.key, ()))
        return self.client.submit(
            function, future, *args, workers=holders or None, allow_other_workers=True, **kwargs
        )


def _refuse_repeated_ids(reads: Sequence[_PartRead]) -> None:
    """Record ids name sources: one used twice, in any shards, is refused as the local reader refuses it."""
    seen: dict[str, str] = {}
    for read in reads:
        for document, place in zip(read.documents, read.places, strict=True):
            if document.source in seen:
                raise InputError(
                    place, f"record id {document.source!r} is already used at {seen[document.source]}"
                )
            seen[document.source] = place


# ------------------------------------------------------------------------------------------ output


class OutputError(Exception):
    """A file of the output could not be written: ``str(error)`` is the line to show."""


@dataclass(frozen=True, eq=False)
class _PartView:
    """What a worker needs to render its part: the part's rows, then the rows they refer to, as columns.

    Rows are the part's own blocks, in order (their texts are on the worker), then the copies elsewhere of
    blocks it keeps (named in the clean text's provenance). Documents and post times are renumbered to the
    few the rows name; a kept copy outside these rows is a reference (``duplicate_of`` -2 and ``outside``).
    """

    start: int  # the part's own rows: start to start + count
    count: int
    sources: list[str]
    formats: list[str]
    summaries: list[SourceSummary]
    own_docs: list[int]  # the part's documents among ``sources``, with where their clean files go
    targets: list[str]
    times: list[str]
    doc: np.ndarray
    position: np.ndarray
    line_start: np.ndarray
    line_end: np.ndarray
    kind: np.ndarray
    post: np.ndarray
    time: np.ndarray
    status: np.ndarray
    cluster: np.ndarray
    duplicate_of: np.ndarray
    match: np.ndarray
    similarity: np.ndarray
    reasons: dict[int, str]
    outside: dict[int, BlockRef]


def write_output_on_workers(
    result: DedupeResult, targets: Sequence[str], provenance: bool, report_dir: str | None
) -> int:
    """Write each source's clean text to ``targets`` (one per document) from the workers that hold it.

    With ``report_dir``, each part's JSON lines go there too, as ``report-NNNNN.jsonl`` (a shard a part,
    in input order; shards an earlier run left past those are removed). The client sends each part the
    columns of its rows; the texts never come to it. Returns how many shards were written. A file that
    cannot be written raises :class:`OutputError`.
    """
    table = result_table(result.blocks)
    blocks = table.blocks
    if not isinstance(blocks, RemoteTexts):
        raise TypeError("write_output_on_workers renders a result of dedupe_paths")
    parts, bounds = blocks._parts, blocks._bounds.tolist()
    with _large_arrays_in_tasks():
        return _write_parts(result, table, parts, bounds, targets, provenance, report_dir)


def _write_parts(
    result: DedupeResult,
    table: ResultTable,
    parts: _Parts,
    bounds: list[int],
    targets: Sequence[str],
    provenance: bool,
    report_dir: str | None,
) -> int:
    copy_rows = np.flatnonzero((table.status == STATUS_CODES[Status.DUPLICATE]) & (table.duplicate_of >= 0))
    copy_targets = table.duplicate_of[copy_rows]
    tasks = []
    for number, (low, high) in enumerate(pairwise(bounds)):
        own_docs = range(parts.first_docs[number], parts.first_docs[number + 1])
        view = _part_view(result, table, low, high, own_docs, copy_rows, copy_targets, targets)
        shard = None if report_dir is None else os.path.join(report_dir, f"report-{number:05d}.jsonl")
        tasks.append(
            parts.submit(_write_part, number, view, provenance, shard, key=f"lbdedup-write-{number}")
        )
    parts.client.gather(tasks)
    if report_dir is not None:
        try:
            remove_shards_from(report_dir, len(tasks))
        except OSError as error:
            raise OutputError(f"{error.filename}: {error.strerror}") from None
    return len(tasks)


def _part_view(
    result: DedupeResult,
    table: ResultTable,
    low: int,
    high: int,
    own_docs: range,
    copy_rows: np.ndarray,
    copy_targets: np.ndarray,
    targets: Sequence[str],
) -> _PartView:
    blocks = table.blocks
    inside = (copy_targets >= low) & (copy_targets < high)
    extra = copy_rows[inside & ((copy_rows < low) | (copy_rows >= high))]
    # In run order, the part's rows among the others: the provenance lists copies in that order.
    rows = np.sort(np.concatenate([np.arange(low, high, dtype=np.int64), extra]))
    start = int(np.searchsorted(rows, low))
    count = high - low
    # Every document of the part (one with no block still gets its, empty, clean file), and those the other
    # rows are in.
    docs, doc = np.unique(
        np.concatenate([np.asarray(own_docs, dtype=np.int64), blocks.doc[rows]]), return_inverse=True
    )
    doc = doc[len(own_docs) :]
    times_used, time = np.unique(blocks.time[rows], return_inverse=True)
    time = np.where(times_used[time] < 0, -1, time - int((times_used < 0).sum()))
    duplicate_of = table.duplicate_of[rows].copy()
    outside: dict[int, BlockRef] = {}
    for at, target in enumerate(duplicate_of.tolist()):
        own_row = start <= at < start + count
        if target == -2:
            outside[at] = table.outside[int(rows[at])]
        elif target >= 0 and not low <= target < high:
            if own_row:
                outside[at] = BlockRef(
                    blocks.sources[int(blocks.doc[target])],
                    int(blocks.position[target]),
                    int(blocks.line_start[target]),
                    int(blocks.line_end[target]),
                )
                duplicate_of[at] = -2
            else:
                duplicate_of[at] = -1  # never shown: only the copies of this part's kept blocks are
        elif target >= 0:
            duplicate_of[at] = int(np.searchsorted(rows, target))
    picked = rows.tolist()
    reasons = {at: table.reasons[row] for at, row in enumerate(picked) if row in table.reasons}
    doc_list = docs.tolist()
    own = [local for local, global_doc in enumerate(doc_list) if global_doc in own_docs]
    return _PartView(
        start=start,
        count=count,
        sources=[result.documents[d].source for d in doc_list],
        formats=[result.documents[d].format for d in doc_list],
        summaries=[result.sources[d] for d in doc_list],
        own_docs=own,
        targets=[targets[doc_list[local]] for local in own],
        times=[blocks.times[t] for t in times_used.tolist() if t >= 0],
        doc=doc.astype(np.int32),
        position=blocks.position[rows],
        line_start=blocks.line_start[rows],
        line_end=blocks.line_end[rows],
        kind=blocks.kind[rows],
        post=blocks.post[rows],
        time=time.astype(np.int32),
        status=table.status[rows],
        cluster=table.cluster[rows],
        duplicate_of=duplicate_of,
        match=table.match[rows],
        similarity=table.similarity[rows],
        reasons=reasons,
        outside=outside,
    )


def _write_part(read: _PartRead, view: _PartView, provenance: bool, shard: str | None) -> int:
    """On a worker: the part's clean files, and its shard of the report when ``shard`` is given."""
    from lbdedup.render import encode_chunks, render_jsonl_rows_bytes, render_source_texts
    from lbdedup.write import write_atomic

    own = read.front.blocks
    before, after = view.start, len(view.doc) - view.start - view.count
    pools = (*own.pools, "")
    empty = len(pools) - 1

    def around(column: np.ndarray, fill: int) -> np.ndarray:
        return np.concatenate(
            [np.full(before, fill, column.dtype), column, np.full(after, fill, column.dtype)]
        )

    blocks = BlockTable(
        view.sources,
        view.doc,
        view.position,
        view.line_start,
        view.line_end,
        view.kind,
        view.post,
        view.time,
        view.times,
        pools,
        around(own.pool.astype(np.int32), empty),
        around(own.text_start.astype(np.int64), 0),
        around(own.text_end.astype(np.int64), 0),
    )
    table = ResultTable(
        blocks, view.status, view.cluster, view.duplicate_of, view.match, view.similarity, view.reasons,
        view.outside,
    )  # fmt: skip
    documents = tuple(
        Document(source, "", format=fmt) for source, fmt in zip(view.sources, view.formats, strict=True)
    )
    result = DedupeResult(
        version=__version__, documents=documents, blocks=table, clusters=(), sources=tuple(view.summaries)
    )
    texts = render_source_texts(result, provenance)
    for local, target in zip(view.own_docs, view.targets, strict=True):
        _write_file(target, encode_chunks([texts[local]]), write_atomic)
    if shard is not None:
        _write_file(shard, render_jsonl_rows_bytes(result, view.start, view.start + view.count), write_atomic)
    return len(view.targets)


def _write_file(target: str, chunks: Iterable[bytes], write: Callable[[str, Iterable[bytes]], None]) -> None:
    try:
        os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
        write(target, chunks)
    except OSError as error:
        raise OutputError(f"{target}: {error.strerror or 'cannot be written'}") from None
