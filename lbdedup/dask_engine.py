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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from lbdedup.core import Front, dedupe_front, front_of, join_fronts, paused_gc
from lbdedup.model import DedupeResult, Document, Options, Progress
from lbdedup.parallel import available_jobs, split_evenly
from lbdedup.read import InputError, max_file_size, read_source_at

if TYPE_CHECKING:
    from distributed import Client

    from lbdedup.jsonl import JsonlFields

__all__ = [
    "CONNECT_TIMEOUT_SECONDS",
    "PART_BYTES",
    "EngineError",
    "dask_client",
    "dedupe_paths",
    "plan_parts",
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
    # Dask's own log lines (workers starting, a worker restarted) are not this command's output.
    for name in ("distributed", "dask"):
        logging.getLogger(name).setLevel(logging.ERROR)
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
        return _PartRead(documents, places, carried, front_of(documents, replace(options, jobs=1)))


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
    options = options or Options()
    report = progress or _no_progress
    workers = max(len(client.scheduler_info().get("workers", {})), 1)
    sizes = _file_sizes(paths)
    ranges = split_evenly([max(size, 1) for size in sizes], parts) if parts else plan_parts(sizes, workers)
    task = _read_part
    # A worker may run in another folder (or on another machine sharing the files): it reads absolute paths,
    # and the report names the files as they were given.
    absolute = [os.path.abspath(path) for path in paths]
    futures = client.map(
        task,
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
    reads = _gather_in_order(client, futures, report)
    documents = [document for read in reads for document in read.documents]
    if jsonl is not None:
        _refuse_repeated_ids(reads)
    if carried is not None:
        carried.extend(fields for read in reads for fields in read.carried or ())
    firsts = []
    first = 0
    for read in reads:
        firsts.append(first)
        first += len(read.documents)
    sources = [document.source for document in documents]
    report("read", len(paths), len(paths))
    with paused_gc():
        front = join_fronts(sources, [read.front for read in reads], firsts)
        del reads
        return dedupe_front(documents, front, options, report)


def _gather_in_order(
    client: Client, futures: list[Any], report: Callable[[str, int, int], None]
) -> list[Any]:
    """The results of ``futures`` in their order, reporting each as it comes; the first error is raised."""
    from distributed import as_completed

    for done, future in enumerate(as_completed(futures), start=1):
        if future.status == "error":
            # The first failed part names its file; the other tasks are not waited for.
            error = future.exception()
            client.cancel(futures)
            raise error
        report("read", done, len(futures))
    results: list[Any] = client.gather(futures)
    return results


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
