"""A persistent fingerprint index (SQLite): the blocks a corpus already holds, without their texts.

``check`` and ``fix`` compare new files against it instead of re-reading the corpus. For every indexed block
it keeps the provenance (source path, line span, block index, kind, post time, when the file was indexed)
and fingerprints made by the core's own code (:func:`lbdedup.normalize.normalize_many` and
:func:`lbdedup.fingerprint.fingerprint`):

- the exact hash of the normalized text (47 bits), in ``exacts``: exact copies, short blocks included;
- in a small zlib-compressed table per file: line span, kind, word and shingle counts, a 31-bit mask of the
  numbers the block holds, its sample size and threshold;
- a sample of its shingle hashes (31 bits) in ``samples``, a WITHOUT ROWID table keyed by hash: the
  ``MIN_SAMPLES`` smallest (a bottom-k sketch; the largest of them is the block's threshold) and every one
  that is ``0 mod SAMPLE_MODULUS`` (hash-mod sampling, the same shingles in every block that holds them).

A query looks up *every* shingle of a new block (the new file is small; the corpus is not) and judges the
indexed blocks that share at least ``MIN_HITS`` samples with it (:func:`judge`). Both samples are exact
samples of the union of the two blocks: a shingle at or below the indexed block's threshold would be in its
sample if it held it, and so would a shingle that is 0 mod SAMPLE_MODULUS. The share of those union samples
held by both estimates resemblance (``near``, reported as the Dice coefficient it implies); the share of the
new block's union samples found in the indexed block estimates containment (``contained``). Stock phrases
(samples held by many indexed blocks) are left out, and at least ``MIN_SHARED`` samples must be shared.

The trade-off, measured by benchmarks/bench_index.py on 210 MB: exact copies are found exactly (all of them),
near and contained copies are decided on a handful of samples, conservatively: about 9 in 10 one-letter edits
and 6 in 10 truncated excerpts of indexed paragraphs are found, with no false match seen among the findings
reviewed; short blocks (under SHORT_WORDS words) match only when every sample agrees. The similarity is
shingle-based, lower than the character similarity ``clean`` reports for the same pair. More samples would
buy recall with index size (0.46x the text here, against a budget of 0.5x).

Safety: WAL mode (readers never wait for a writer), a busy timeout (writers queue), one ``BEGIN IMMEDIATE``
transaction per build or update (a killed process leaves the previous state), and a schema version in
``PRAGMA user_version`` checked on open.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import json
import os
import re
import sqlite3
import time as clock
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import xxhash

from lbdedup.core import segment_all
from lbdedup.fingerprint import fingerprint
from lbdedup.model import (
    BLOCK_KINDS,
    HEADLINE_KINDS,
    KIND_CODES,
    META_KINDS,
    Block,
    BlockKind,
    BlockRef,
    Document,
    MatchKind,
    Options,
)
from lbdedup.names import display_name
from lbdedup.normalize import normalize_many, number_tokens
from lbdedup.paths import file_identity
from lbdedup.read import InputError, read_source
from lbdedup.verify import CONTAINED_ANYWAY_WORDS, MIN_CONTAINED_SHARE

__all__ = [
    "DEFAULT_INDEX",
    "SCHEMA_VERSION",
    "CheckedMatches",
    "FingerprintIndex",
    "IndexFileError",
    "IndexMatch",
    "IndexStats",
    "Sketches",
    "UpdateSummary",
    "sketch_blocks",
]

I64 = npt.NDArray[np.int64]

SCHEMA_VERSION = 1
DEFAULT_INDEX = Path(".lbdedup") / "index.sqlite"
# Sampling: about one shingle in SAMPLE_MODULUS, and never fewer than MIN_SAMPLES per block.
SAMPLE_MODULUS = 32
MIN_SAMPLES = 3
# A writer waits this long for another writer before giving up with a clear error.
BUSY_TIMEOUT_SECONDS = 120.0
# A sampled shingle held by more indexed blocks than this is a stock phrase ("says he does not accept"): it
# is left out of both the candidates and the estimates, as the core skips common shingles.
STOCK_SAMPLE_BLOCKS = 24
# Decisions from sketches (see the module docstring for what they estimate).
NEAR_RESEMBLANCE = 0.5
# Below this many words a near match needs every sampled shingle shared (one word changed is a new line).
SHORT_WORDS = 12
NEAR_WORD_RATIO = 0.85
CONTAINED_SHARE = 0.8
MIN_HITS = 2
# Candidates are found through the very samples that estimate their overlap, so a few shared stock shingles
# look like strong evidence: a fuzzy match needs this many shared sampled shingles.
MIN_SHARED = 3
# Documents are fingerprinted in batches of about this many characters, so memory stays flat.
BATCH_CHARS = 8_000_000
EXACT_SHIFT = np.uint64(17)
SAMPLE_SHIFT = np.uint64(33)
# Test hook: when set to a path, an update creates that file mid-transaction and sleeps (tests kill it there).
PAUSE_HOOK = "LBDEDUP_TEST_PAUSE_IN_UPDATE"
PAUSE_SECONDS = "LBDEDUP_TEST_PAUSE_SECONDS"
_DIGIT = re.compile(r"\d")

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE files (
    id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, content_hash INTEGER NOT NULL, bytes INTEGER NOT NULL,
    first_block INTEGER NOT NULL UNIQUE, blocks INTEGER NOT NULL, indexed_at TEXT NOT NULL,
    block_table BLOB NOT NULL, times BLOB
);
CREATE TABLE exacts (
    exact INTEGER NOT NULL, block INTEGER NOT NULL, PRIMARY KEY (exact, block)
) WITHOUT ROWID;
CREATE TABLE samples (
    hash INTEGER NOT NULL, block INTEGER NOT NULL, PRIMARY KEY (hash, block)
) WITHOUT ROWID;
"""
# The per-file block table: one row per block, these int32 columns, zlib-compressed.
BLOCK_COLUMNS = ("line_start", "span", "kind", "words", "shingles", "samples", "numbers", "threshold")
# What an index must hold to be read as one (checked on open: a foreign SQLite file fails there, not later).
_REQUIRED_COLUMNS = {
    "meta": {"key", "value"},
    "files": {"id", "path", "content_hash", "bytes", "first_block", "blocks", "block_table", "times"},
    "exacts": {"exact", "block"},
    "samples": {"hash", "block"},
}


class IndexFileError(Exception):
    """An index that cannot be used: ``str(error)`` is the one line to show the user."""


@dataclass(frozen=True, eq=False)
class Sketches:
    """The index's fingerprints of a run of blocks, column by column.

    ``sample_hashes[j]`` is a sampled shingle of block ``sample_blocks[j]``; ``shingle_hashes`` and
    ``shingle_blocks`` hold every distinct shingle (what a query looks up).
    """

    exact: I64
    words: I64
    shingles: I64
    sample_counts: I64
    thresholds: I64
    consistent_counts: I64
    numbers: I64
    fuzzy: npt.NDArray[np.bool_]
    sample_hashes: I64
    sample_blocks: I64
    shingle_hashes: I64
    shingle_blocks: I64


@dataclass(frozen=True, slots=True)
class IndexMatch:
    """An indexed block that a new block duplicates; ``file`` is the indexed file's id in the index."""

    ref: BlockRef
    match: MatchKind
    similarity: float
    file: int = 0


@dataclass(frozen=True, slots=True)
class CheckedMatches:
    """What the index says about the blocks of files being checked, once its entries are verified.

    ``matches``: position to the best match in an indexed file that still holds it (unchanged since it was
    indexed) and is not the block's own file. ``protected``: positions whose own file's indexed entry holds
    them (what a file held when it was indexed is never judged a copy). ``stale``: shown paths of the matched
    indexed files that are gone or changed, whose entries did not count.
    """

    matches: dict[int, IndexMatch]
    protected: frozenset[int]
    stale: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class IndexStats:
    """Counts of an index and its size on disk."""

    path: str
    files: int
    blocks: int
    samples: int
    text_bytes: int
    index_bytes: int


@dataclass(frozen=True, slots=True)
class UpdateSummary:
    """What one build or update changed."""

    added: int
    changed: int
    unchanged: int
    pruned: int
    blocks: int


def numbers_mask(normalized: str) -> int:
    """A 31-bit set of the number tokens of a normalized text: differing numbers veto a match.

    >>> numbers_mask("no numbers here")
    0
    >>> numbers_mask("rovers 2 1 city") == numbers_mask("city 1 2 rovers") != numbers_mask("rovers 3 1 city")
    True
    """
    mask = 0
    for token in number_tokens(normalized):
        # Two bits per number (a tiny Bloom filter), so two numbers rarely share a mask.
        code = xxhash.xxh32_intdigest(token.encode("utf-8"))
        mask |= (1 << (code % 31)) | (1 << ((code >> 8) % 31))
    return mask


def block_keys(blocks: Sequence[Block]) -> list[str]:
    """The normalized texts the core matches on (a block of punctuation alone stands for itself)."""
    normalized = normalize_many([block.text for block in blocks])
    return [
        text if text else "\x00" + block.text.strip() for text, block in zip(normalized, blocks, strict=True)
    ]


def sketch_blocks(blocks: Sequence[Block], options: Options | None = None) -> Sketches:
    """Fingerprint blocks for the index with the core's normalizer and shingler.

    >>> from lbdedup.core import segment_all
    >>> text = "The river rose two metres overnight in the old town of Hay.\\n\\n12:05\\n"
    >>> sketches = sketch_blocks(segment_all([Document("a.txt", text)]))
    >>> sketches.words.tolist(), sketches.fuzzy.tolist(), sketches.sample_counts.tolist()
    ([12, 1], [True, False], [3, 0])
    """
    options = options or Options()
    keys = block_keys(blocks)
    prints = fingerprint(keys, options.shingle_size, options.hash_function)
    count = len(blocks)
    is_meta = np.fromiter((block.kind in META_KINDS for block in blocks), dtype=bool, count=count)
    fuzzy = (prints.word_counts >= options.min_fuzzy_words) & ~is_meta
    hashes = (prints.shingle_hashes >> SAMPLE_SHIFT).astype(np.int64)
    owners = prints.shingle_blocks
    keep = fuzzy[owners]
    hashes, owners = hashes[keep], owners[keep]
    order = np.lexsort((hashes, owners))
    hashes, owners = hashes[order], owners[order]
    distinct = np.ones(len(hashes), dtype=bool)
    distinct[1:] = (hashes[1:] != hashes[:-1]) | (owners[1:] != owners[:-1])
    hashes, owners = hashes[distinct], owners[distinct]
    rank = np.arange(len(owners), dtype=np.int64) - np.searchsorted(owners, owners, side="left")
    consistent = hashes % SAMPLE_MODULUS == 0
    lowest = rank < MIN_SAMPLES
    sampled = consistent | lowest
    # The largest of a block's MIN_SAMPLES smallest hashes: every shingle at or below it is in the sample.
    thresholds = np.full(count, -1, dtype=np.int64)
    np.maximum.at(thresholds, owners[lowest], hashes[lowest])
    numbers = np.zeros(count, dtype=np.int64)
    for position in np.flatnonzero(fuzzy).tolist():
        key = keys[position]
        if _DIGIT.search(key):
            numbers[position] = numbers_mask(key)
    return Sketches(
        exact=(prints.exact >> EXACT_SHIFT).astype(np.int64),
        words=prints.word_counts.astype(np.int64),
        shingles=np.bincount(owners, minlength=count).astype(np.int64),
        thresholds=thresholds,
        sample_counts=np.bincount(owners[sampled], minlength=count).astype(np.int64),
        consistent_counts=np.bincount(owners[consistent], minlength=count).astype(np.int64),
        numbers=numbers,
        fuzzy=fuzzy,
        sample_hashes=hashes[sampled],
        sample_blocks=owners[sampled],
        shingle_hashes=hashes,
        shingle_blocks=owners,
    )


def _content_hash(document: Document) -> int:
    return xxhash.xxh3_64_intdigest(document.text.encode("utf-8", "surrogatepass")) >> 1


def index_root(index_path: Path) -> Path:
    """The folder indexed paths are relative to: the folder holding ``.lbdedup``, else the index's folder.

    >>> index_root(Path("/repo/.lbdedup/index.sqlite")).as_posix()
    '/repo'
    """
    folder = index_path.absolute().parent
    return folder.parent if folder.name == ".lbdedup" else folder


@dataclass(frozen=True, slots=True)
class _Candidate:
    """An indexed block as the query sees it: provenance and sketch figures, no text."""

    file: int
    idx: int
    line_start: int
    span: int
    kind: BlockKind
    words: int
    shingles: int
    samples: int
    numbers: int
    threshold: int


def _pack_blocks(blocks: Sequence[Block], sketches: Sketches, start: int, stop: int) -> bytes:
    span = slice(start, stop)
    columns = np.stack(
        [
            np.fromiter((block.line_start for block in blocks[span]), dtype=np.int64, count=stop - start),
            np.fromiter(
                (block.line_end - block.line_start for block in blocks[span]), np.int64, stop - start
            ),
            np.fromiter(
                (KIND_CODES[block.kind] for block in blocks[span]), dtype=np.int64, count=stop - start
            ),
            sketches.words[span],
            sketches.shingles[span],
            sketches.sample_counts[span],
            sketches.numbers[span],
            sketches.thresholds[span],
        ],
        axis=1,
    )
    return zlib.compress(columns.astype("<i4").tobytes(), 6)


def _pack_times(times: Sequence[str | None]) -> bytes | None:
    """The post times of a file's blocks, one per block, as zlib-compressed JSON (None when it has none).

    >>> json.loads(zlib.decompress(_pack_times([None, "2023-09-13T05:59"])))
    [None, '2023-09-13T05:59']
    """
    if not any(times):
        return None
    # The blocks of a post share its time, so the list compresses to a few bytes per post.
    return zlib.compress(json.dumps(list(times)).encode("utf-8"), 9)


class _CorruptError(Exception):
    """A part of the index that cannot be what lbdedup wrote."""


def _unpack_blocks(data: object, count: int) -> npt.NDArray[np.int32]:
    """A file's block table; :class:`_CorruptError` when the blob is not one of ``count`` rows.

    >>> _unpack_blocks(b"junk", 1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lbdedup.index._CorruptError: a block table does not decompress (...)
    >>> _unpack_blocks(zlib.compress(bytes(10**6)), 1)
    Traceback (most recent call last):
    ...
    lbdedup.index._CorruptError: a block table holds more than 1 rows
    """
    if not isinstance(data, bytes):
        raise _CorruptError(f"a block table is {type(data).__name__}, not a blob")
    if not isinstance(count, int) or count < 0:
        raise _CorruptError(f"a file's block count is {count!r}")
    width = 4 * len(BLOCK_COLUMNS)
    # Never more than the row count says plus one byte: a small blob of zeros must not fill the memory.
    unpacker = zlib.decompressobj()
    try:
        raw = unpacker.decompress(data, width * count + 1)
    except zlib.error as error:
        raise _CorruptError(f"a block table does not decompress ({error})") from None
    if len(raw) > width * count or unpacker.unconsumed_tail:
        raise _CorruptError(f"a block table holds more than {count} rows")
    if not unpacker.eof:
        raise _CorruptError("a block table does not decompress (incomplete or truncated stream)")
    if len(raw) != width * count:
        raise _CorruptError(f"a block table holds {len(raw) // width} rows, not {count}")
    return np.frombuffer(raw, dtype="<i4").reshape(-1, len(BLOCK_COLUMNS))


class FingerprintIndex:
    """An open index file. Use as a context manager; every write is one transaction.

    With ``create``, an index file this call creates (and the folders made for it) is removed again when
    the context ends with an exception and the index holds no file: a failed first build leaves nothing.
    """

    def __init__(self, path: str | os.PathLike[str], create: bool = False) -> None:
        self.path = Path(path)
        self.root = index_root(self.path)
        if self.path.is_dir():
            raise IndexFileError(f"{self.path}: is a directory, not an index file (give the .sqlite file)")
        if not create and not self.path.is_file():
            raise IndexFileError(f"{self.path}: no such index (create it with `lbdedup index build`)")
        # What this call makes, to be removed if it fails: never a file or folder that was there before.
        self._made_folders: list[Path] = []
        self._made_file = create and not os.path.lexists(self.path)
        if create:
            folder = self.path.parent
            while not os.path.lexists(folder) and folder != folder.parent:
                self._made_folders.append(folder)
                folder = folder.parent
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        except sqlite3.Error as error:
            self._remove_made()
            raise IndexFileError(f"{self.path}: cannot open the index ({error})") from None
        try:
            self._prepare(create)
        except sqlite3.DatabaseError as error:
            self.db.close()
            self._remove_made()
            raise IndexFileError(f"{self.path}: not an lbdedup index ({error})") from None
        except BaseException:
            self.db.close()
            self._remove_made()
            raise

    def _remove_made(self) -> None:
        """Remove the index file and folders this object created (the connection is closed).

        The file goes only while it holds no indexed file and no table of another program, so that what
        another process put in it meanwhile stays.
        """
        if self._made_file:
            try:
                probe = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS)
                try:
                    tables = {row[0] for row in probe.execute("SELECT name FROM sqlite_master")}
                    held = (
                        int(probe.execute("SELECT COUNT(*) FROM files").fetchone()[0])
                        if "files" in tables
                        else 0
                    )
                finally:
                    probe.close()
            except sqlite3.Error:
                return
            if held or (tables and "files" not in tables):
                return
        if self._made_file:
            for suffix in ("", "-wal", "-shm", "-journal"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(f"{self.path}{suffix}")
        for folder in self._made_folders:
            try:
                folder.rmdir()
            except OSError:  # not empty: something else was put in it
                break

    def _prepare(self, create: bool) -> None:
        self.db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
        version = int(self.db.execute("PRAGMA user_version").fetchone()[0])
        if version == 0 and self._has_tables():
            # A SQLite file of some other program: never add tables to it, never read it as an index.
            raise IndexFileError(f"{self.path}: not an lbdedup index (a SQLite file with other tables)")
        if version == 0 and create:
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("BEGIN IMMEDIATE")
            try:
                # Another process may have created it while this one waited for the lock.
                if int(self.db.execute("PRAGMA user_version").fetchone()[0]) == 0:
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            self.db.execute(statement)
                    self.db.executemany(
                        "INSERT INTO meta VALUES (?, ?)",
                        [
                            ("created", _now()),
                            ("sample_modulus", str(SAMPLE_MODULUS)),
                            ("min_samples", str(MIN_SAMPLES)),
                        ],
                    )
                    self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            version = SCHEMA_VERSION
        if version == 0:
            raise IndexFileError(f"{self.path}: not an lbdedup index (an empty SQLite file)")
        if version != SCHEMA_VERSION:
            raise IndexFileError(
                f"{self.path}: index schema version {version}, this lbdedup reads version {SCHEMA_VERSION} "
                "(rebuild it with `lbdedup index build`)"
            )
        missing = _REQUIRED_COLUMNS.keys() - self._tables()
        wrong = [
            table
            for table, columns in _REQUIRED_COLUMNS.items()
            if table not in missing
            and not columns <= {row[1] for row in self.db.execute(f"PRAGMA table_info({table})")}
        ]
        if missing or wrong:
            raise IndexFileError(
                f"{self.path}: not an lbdedup index (tables missing or unlike lbdedup's: "
                f"{', '.join(sorted(missing | set(wrong)))})"
            )
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = NORMAL")

    def _tables(self) -> set[str]:
        return {row[0] for row in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

    def _has_tables(self) -> bool:
        return bool(self._tables())

    @contextlib.contextmanager
    def _reading(self) -> Iterator[None]:
        """Turn what a damaged index raises while it is read into one :class:`IndexFileError` line."""
        try:
            yield
        except _CorruptError as error:
            raise IndexFileError(
                f"{self.path}: corrupt: {error}; rebuild it with `lbdedup index build`"
            ) from None
        except sqlite3.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                raise IndexFileError(f"{self.path}: cannot read the index ({error})") from None
            raise IndexFileError(
                f"{self.path}: corrupt: {error}; rebuild it with `lbdedup index build`"
            ) from None
        except sqlite3.DatabaseError as error:
            reason = str(error) or type(error).__name__
            raise IndexFileError(
                f"{self.path}: corrupt: {reason}; rebuild it with `lbdedup index build`"
            ) from None

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    def __enter__(self) -> FingerprintIndex:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        self.close()
        if kind is not None and (self._made_file or self._made_folders):
            self._remove_made()

    # ------------------------------------------------------------------ paths

    def stored_path(self, source: str) -> str:
        """How ``source`` (a path as given) is named in the index: relative to the index root, posix."""
        return Path(os.path.relpath(os.path.abspath(source), self.root)).as_posix()

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - an index lives for one command; few distinct paths
    def shown_path(self, stored: str) -> str:
        """How an indexed path is shown: relative to the working directory."""
        return Path(os.path.relpath(self.root / stored)).as_posix()

    # ------------------------------------------------------------------ writing

    def build(self, documents: Iterable[Document], options: Options | None = None) -> UpdateSummary:
        """Replace the whole index with ``documents``, in one transaction."""
        return self._write(documents, options, replace=True)

    def update(self, documents: Iterable[Document], options: Options | None = None) -> UpdateSummary:
        """Add new documents, re-index changed ones (by content hash), prune indexed files that are gone."""
        return self._write(documents, options, replace=False)

    def _write(self, documents: Iterable[Document], options: Options | None, replace: bool) -> UpdateSummary:
        options = options or Options()
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            if replace:
                for table in ("samples", "exacts", "files"):
                    db.execute(f"DELETE FROM {table}")
            known = {
                path: (file_id, content_hash, first, count)
                for file_id, path, content_hash, first, count in db.execute(
                    "SELECT id, path, content_hash, first_block, blocks FROM files"
                )
            }
            dead: list[tuple[int, int]] = []
            added = changed = unchanged = pruned = total_blocks = 0
            seen: set[str] = set()
            batch: list[tuple[Document, str, int]] = []
            batch_chars = 0
            for document in documents:
                stored = self.stored_path(document.source)
                if _has_surrogates(stored):
                    # SQLite holds UTF-8 text only; a name with undecodable bytes could not be found again.
                    raise InputError(
                        display_name(document.source),
                        "file name is not valid UTF-8: the index cannot hold it",
                    )
                if stored in seen:
                    continue
                seen.add(stored)
                content_hash = _content_hash(document)
                previous = known.get(stored)
                if previous is not None:
                    if previous[1] == content_hash:
                        unchanged += 1
                        continue
                    db.execute("DELETE FROM files WHERE id = ?", (previous[0],))
                    dead.append((previous[2], previous[3]))
                    changed += 1
                else:
                    added += 1
                batch.append((document, stored, content_hash))
                batch_chars += len(document.text)
                if batch_chars >= BATCH_CHARS:
                    total_blocks += self._insert(batch, options)
                    batch, batch_chars = [], 0
            total_blocks += self._insert(batch, options)
            for stored, (file_id, _, first, count) in known.items():
                if stored not in seen and not (self.root / stored).is_file():
                    db.execute("DELETE FROM files WHERE id = ?", (file_id,))
                    dead.append((first, count))
                    pruned += 1
            _pause_for_tests()
            self._forget(dead)
            db.execute("INSERT OR REPLACE INTO meta VALUES ('updated', ?)", (_now(),))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        if replace:
            # A build inserts batch after batch; rewriting the file packs its pages (about 10% smaller).
            db.execute("VACUUM")
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return UpdateSummary(added, changed, unchanged, pruned, total_blocks)

    def _forget(self, ranges: Sequence[tuple[int, int]]) -> None:
        """Delete the fingerprints of the block id ranges ``(first, count)`` (one pass over each table)."""
        if not ranges:
            return
        self._temp_ids("dead", (block for first, count in ranges for block in range(first, first + count)))
        for table in ("exacts", "samples"):
            self.db.execute(f"DELETE FROM {table} WHERE block IN (SELECT value FROM temp.dead)")

    def _insert(self, batch: Sequence[tuple[Document, str, int]], options: Options) -> int:
        if not batch:
            return 0
        db = self.db
        # segment_all also gives blocks their post and time, as in a run of the core.
        per_document = [segment_all([document]) for document, _, _ in batch]
        blocks = [block for document_blocks in per_document for block in document_blocks]
        sketches = sketch_blocks(blocks, options)
        # Block ids are never reused: a file's blocks are the contiguous range from its first_block.
        base = int(db.execute("SELECT COALESCE(MAX(first_block + blocks), 1) FROM files").fetchone()[0])
        stamp = _now()
        start = 0
        for (document, stored, content_hash), document_blocks in zip(batch, per_document, strict=True):
            stop = start + len(document_blocks)
            times = [block.time for block in document_blocks]
            db.execute(
                "INSERT INTO files (path, content_hash, bytes, first_block, blocks, indexed_at, block_table,"
                " times) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    stored,
                    content_hash,
                    len(document.text.encode("utf-8", "surrogatepass")),
                    base + start,
                    stop - start,
                    stamp,
                    _pack_blocks(blocks, sketches, start, stop),
                    _pack_times(times),
                ),
            )
            start = stop
        matchable = np.flatnonzero(
            np.fromiter((block.kind not in META_KINDS for block in blocks), dtype=bool, count=len(blocks))
        )
        exact_rows = np.stack([sketches.exact[matchable], matchable + base], axis=1)
        exact_rows = exact_rows[np.lexsort((exact_rows[:, 1], exact_rows[:, 0]))]
        db.executemany("INSERT INTO exacts VALUES (?, ?)", exact_rows.tolist())
        order = np.lexsort((sketches.sample_blocks, sketches.sample_hashes))
        db.executemany(
            "INSERT INTO samples VALUES (?, ?)",
            zip(
                sketches.sample_hashes[order].tolist(),
                (sketches.sample_blocks[order] + base).tolist(),
                strict=True,
            ),
        )
        return len(blocks)

    # ------------------------------------------------------------------ reading

    def stats(self) -> IndexStats:
        """Counts of files, blocks and samples, the indexed text size and the index's size on disk."""
        with self._reading():
            files, text_bytes = self.db.execute(
                "SELECT COUNT(*), COALESCE(SUM(bytes), 0) FROM files"
            ).fetchone()
            blocks = self.db.execute("SELECT COALESCE(SUM(blocks), 0) FROM files").fetchone()[0]
            samples = self.db.execute("SELECT COUNT(*) FROM samples").fetchone()[0]
            counts = int(files), int(blocks), int(samples), int(text_bytes)
        size = sum(
            candidate.stat().st_size
            for candidate in (self.path, Path(f"{self.path}-wal"))
            if candidate.exists()
        )
        return IndexStats(str(self.path), *counts, size)

    def query(
        self, blocks: Sequence[Block], options: Options | None = None, exclude: Iterable[str] = ()
    ) -> dict[int, IndexMatch]:
        """What each block duplicates in the index: position in ``blocks`` to the best indexed match.

        Files named in ``exclude`` (paths as given) are left out. The index's entries are taken as they are:
        :meth:`query_checked` is the query that verifies them, for check and fix.
        """
        with self._reading():
            files = self._files()
            names = {self.stored_path(path) for path in exclude if path != "-"}
            excluded = {file_id for file_id, row in files.items() if row[0] in names}
            found = self._matches(blocks, sketch_blocks(blocks, options or Options()), excluded, set())
        return {position: matches[0] for position, matches in found.items()}

    def query_checked(
        self,
        documents: Sequence[Document],
        blocks: Sequence[Block],
        options: Options | None = None,
        encoding: str | None = None,
    ) -> CheckedMatches:
        """The index's matches for ``blocks`` (of ``documents``, by ``block.doc``), each entry verified first.

        A block that its own file's indexed entry holds (the file found by real path: an alias or symlink of
        an indexed file is that file) is protected: what a file held when it was indexed is never a copy of
        something else, and an indexed file that is unchanged is protected whole. A match counts only when
        the matched file still exists and still holds what was indexed (its content hash, read again once per
        file); the others are reported stale, and the query is repeated without them, so that an older
        copy hidden behind a stale one is still found.
        """
        with self._reading():
            files = self._files()
            by_path = {row[0]: file_id for file_id, row in files.items()}
            identities: dict[tuple[int, int] | None, int] = {
                file_identity(document.source): doc
                for doc, document in enumerate(documents)
                if document.source != "-"
            }
            identities.pop(None, None)
            own: dict[int, int] = {}  # indexed file id -> the document it is
            fresh: dict[int, bool] = {}
            for doc, document in enumerate(documents):
                if document.source == "-":
                    continue
                for name in {document.source, os.path.realpath(document.source)}:
                    file_id = by_path.get(self.stored_path(name))
                    if file_id is not None:
                        own[file_id] = doc
            whole: set[int] = set()  # documents whose indexed entry is exactly their text
            for file_id, doc in own.items():
                fresh[file_id] = _content_hash(documents[doc]) == files[file_id][1]
                if fresh[file_id]:
                    whole.add(doc)
            # A changed own entry still says what its file held, but is no kept copy for the other files.
            excluded = {file_id for file_id, ok in fresh.items() if not ok}
            sketches = sketch_blocks(blocks, options or Options())
            while True:
                found = self._matches(blocks, sketches, excluded, set(own))
                news = {match.file for matches in found.values() for match in matches} - fresh.keys()
                # Asked again only when what was learnt changes the question (a file left out or found own).
                again = False
                for file_id in sorted(news):
                    path = self.root / files[file_id][0]
                    alias = identities.get(file_identity(str(path)))
                    if alias is not None:
                        own[file_id] = alias
                        fresh[file_id] = _content_hash(documents[alias]) == files[file_id][1]
                        again = True
                    else:
                        fresh[file_id] = self._still_holds(path, files[file_id][1], encoding)
                    if not fresh[file_id]:
                        excluded.add(file_id)
                        again = True
                if not again:
                    break
        protected = {position for position, block in enumerate(blocks) if block.doc in whole}
        matches: dict[int, IndexMatch] = {}
        for position, candidates in found.items():
            doc = blocks[position].doc
            if any(own.get(match.file) == doc for match in candidates):
                protected.add(position)
                continue
            usable = [match for match in candidates if fresh.get(match.file)]
            if usable and position not in protected:
                matches[position] = usable[0]
        stale = tuple(
            # A file being checked that changed since it was indexed is the usual case (it is being
            # committed), not a stale index.
            sorted(self.shown_path(files[id_][0]) for id_, ok in fresh.items() if not ok and id_ not in own)
        )
        return CheckedMatches(matches, frozenset(protected), stale)

    @staticmethod
    def _still_holds(path: Path, content_hash: int, encoding: str | None) -> bool:
        """True when the file at ``path`` still reads as the text whose hash was indexed."""
        # Only a regular file is read again: a FIFO or device in its place would block or never end.
        if not path.is_file():
            return False
        try:
            return _content_hash(read_source(str(path), encoding)) == content_hash
        except InputError:
            return False

    def _files(self) -> dict[int, tuple[str, int, int, int]]:
        """Every indexed file: id to (stored path, content hash, first block id, block count)."""
        files: dict[int, tuple[str, int, int, int]] = {}
        for file_id, path, content_hash, first, count in self.db.execute(
            "SELECT id, path, content_hash, first_block, blocks FROM files"
        ):
            if not isinstance(path, str) or not all(isinstance(v, int) for v in (content_hash, first, count)):
                raise _CorruptError(f"file row {file_id} holds values of the wrong types")
            files[int(file_id)] = (path, content_hash, first, count)
        return files

    def _matches(
        self,
        blocks: Sequence[Block],
        sketches: Sketches,
        excluded: set[int],
        own: set[int],
    ) -> dict[int, list[IndexMatch]]:
        """Position in ``blocks`` to its matches, the best one per indexed file, best first.

        Files in ``excluded`` are left out. Exact copies are looked up once per text, in the earliest
        indexed file that holds it (the original) and in every file of ``own``.
        """
        if not blocks:
            return {}
        db = self.db
        db.execute("BEGIN")
        try:
            self._ranges("excluded", excluded)
            self._ranges("own", own)
            pairs, stock = self._candidate_pairs(sketches)
            exact_rows = self._exact_rows(sketches, blocks)
            candidates, paths = self._load_candidates(
                {block for _, block in pairs} | {block for _, block in exact_rows}
            )
        finally:
            db.execute("COMMIT")
        found = {
            block: item for block, item in candidates.items() if item.file not in excluded or item.file in own
        }
        return self._best_matches(sketches, blocks, pairs, stock, exact_rows, found, paths)

    def _ranges(self, name: str, file_ids: set[int]) -> None:
        """Fill the temporary table ``name`` with the block id ranges of the indexed files ``file_ids``."""
        db = self.db
        db.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} (first INTEGER NOT NULL, last INTEGER NOT NULL)")
        db.execute(f"DELETE FROM temp.{name}")
        if not file_ids:
            return
        self._temp_ids("wanted_files", file_ids)
        db.execute(
            f"INSERT INTO temp.{name} SELECT f.first_block, f.first_block + f.blocks - 1"
            " FROM temp.wanted_files w CROSS JOIN files f ON f.id = w.value"
        )

    def _temp_ids(self, name: str, values: Iterable[int]) -> None:
        """Fill the temporary table ``name`` with ``values``.

        Queries join it first, with CROSS JOIN to keep that order: left to itself, the planner may scan the
        big table and probe the small one.
        """
        self.db.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} (value INTEGER PRIMARY KEY)")
        self.db.execute(f"DELETE FROM temp.{name}")
        # One statement for the whole list: far cheaper than a Python round trip per value.
        self.db.execute(
            f"INSERT OR IGNORE INTO temp.{name} SELECT value FROM json_each(?)", (json.dumps(list(values)),)
        )

    def _exact_rows(self, sketches: Sketches, blocks: Sequence[Block]) -> list[tuple[int, int]]:
        wanted = [
            int(sketches.exact[position])
            for position, block in enumerate(blocks)
            if block.kind not in META_KINDS
        ]
        self._temp_ids("query_exact", wanted)
        # The earliest indexed copy of each text is enough (a heading may be in thousands of files), and the
        # copies in the files being checked (their own entries), which decide what those files held.
        return list(
            self.db.execute(
                "SELECT e.exact, MIN(e.block) FROM temp.query_exact q"
                " CROSS JOIN exacts e ON e.exact = q.value WHERE NOT EXISTS"
                " (SELECT 1 FROM temp.excluded x WHERE e.block BETWEEN x.first AND x.last)"
                " GROUP BY e.exact"
                " UNION SELECT e.exact, e.block FROM temp.query_exact q"
                " CROSS JOIN exacts e ON e.exact = q.value WHERE EXISTS"
                " (SELECT 1 FROM temp.own o WHERE e.block BETWEEN o.first AND o.last)"
            )
        )

    def _candidate_pairs(
        self, sketches: Sketches
    ) -> tuple[dict[tuple[int, int], list[int]], dict[int, set[int]]]:
        """(new block position, indexed block id) to the indexed block's samples found in the new block.

        Also returns the stock samples (held by too many indexed blocks), each with the blocks holding it.
        """
        self._temp_ids("query_shingles", np.unique(sketches.shingle_hashes).tolist())
        postings: dict[int, list[int]] = {}
        for sample, block in self.db.execute(
            "SELECT s.hash, s.block FROM temp.query_shingles q CROSS JOIN samples s ON s.hash = q.value"
        ):
            postings.setdefault(sample, []).append(block)
        holders: dict[int, list[int]] = {}
        for sample, position in zip(
            sketches.shingle_hashes.tolist(), sketches.shingle_blocks.tolist(), strict=True
        ):
            if sample in postings:
                holders.setdefault(sample, []).append(position)
        pairs: dict[tuple[int, int], list[int]] = {}
        stock: dict[int, set[int]] = {}
        for sample, indexed in postings.items():
            if len(indexed) > STOCK_SAMPLE_BLOCKS:
                stock[sample] = set(indexed)
                continue
            for position in holders.get(sample, ()):
                for block in indexed:
                    pairs.setdefault((position, block), []).append(sample)
        # One shared sample is never enough (see judge): dropping such pairs here spares loading blocks.
        return {key: hits for key, hits in pairs.items() if len(hits) >= MIN_HITS}, stock

    def _load_candidates(self, ids: set[int]) -> tuple[dict[int, _Candidate], dict[int, str]]:
        """The indexed blocks ``ids`` (read from their files' block tables), and the paths of those files."""
        if not ids:
            return {}, {}
        if not all(isinstance(block, int) for block in ids):
            raise _CorruptError("fingerprint rows hold block ids that are not numbers")
        files = self.db.execute("SELECT id, first_block, path FROM files ORDER BY first_block").fetchall()
        firsts = np.array([first for _, first, _ in files], dtype=np.int64)
        wanted = np.array(sorted(ids), dtype=np.int64)
        owner = np.searchsorted(firsts, wanted, side="right") - 1
        self._temp_ids("query_files", {files[position][0] for position in owner.tolist() if position >= 0})
        tables = {
            file_id: (first, blocks, _unpack_blocks(table, blocks))
            for file_id, first, blocks, table in self.db.execute(
                "SELECT f.id, f.first_block, f.blocks, f.block_table FROM temp.query_files q"
                " CROSS JOIN files f ON f.id = q.value"
            )
        }
        paths = {file_id: path for file_id, _, path in files if file_id in tables}
        found: dict[int, _Candidate] = {}
        for block, position in zip(wanted.tolist(), owner.tolist(), strict=True):
            if position < 0:
                continue
            file_id = files[position][0]
            first, count, table = tables[file_id]
            idx = block - first
            if idx >= count:
                continue
            line_start, span, kind, words, shingles, samples, numbers, threshold = table[idx].tolist()
            if not 0 <= kind < len(BLOCK_KINDS):
                raise _CorruptError(f"a block of {paths[file_id]!r} has kind {kind}, which no block has")
            found[block] = _Candidate(
                file_id,
                idx,
                line_start,
                span,
                BLOCK_KINDS[kind],
                words,
                shingles,
                samples,
                numbers,
                threshold,
            )
        return found, paths

    def _best_matches(
        self,
        sketches: Sketches,
        blocks: Sequence[Block],
        pairs: dict[tuple[int, int], list[int]],
        stock: dict[int, set[int]],
        exact_rows: list[tuple[int, int]],
        candidates: dict[int, _Candidate],
        paths: dict[int, str],
    ) -> dict[int, list[IndexMatch]]:
        """Each position's best match in each indexed file, best first.

        Exact before near before contained, then the more similar, then the earliest indexed: the original
        (ids grow in the order files are indexed, and within one build in input order).
        """
        best: dict[tuple[int, int], tuple[tuple[int, float, int], IndexMatch]] = {}
        by_exact: dict[int, list[int]] = {}
        for exact, block in exact_rows:
            by_exact.setdefault(exact, []).append(block)
        same_text = {
            (position, block)
            for position, item in enumerate(blocks)
            if item.kind not in META_KINDS
            for block in by_exact.get(int(sketches.exact[position]), ())
        }
        judged: list[tuple[int, int, list[int]]] = [
            (position, block, []) for position, block in sorted(same_text)
        ]
        judged.extend((position, block, hits) for (position, block), hits in pairs.items())
        rank = {MatchKind.EXACT: 0, MatchKind.NEAR: 1, MatchKind.CONTAINED: 2}
        starts = np.searchsorted(sketches.shingle_blocks, np.arange(len(blocks) + 1))
        owns: dict[int, tuple[I64, list[int]]] = {}  # a new block's shingles without stock ones, and those
        for position, block, hits in judged:
            found = candidates.get(block)
            if found is None:
                continue
            if (position, block) in same_text and found.words == int(sketches.words[position]):
                verdict: tuple[MatchKind, float] | None = (MatchKind.EXACT, 1.0)
            else:
                if position not in owns:
                    own = sketches.shingle_hashes[starts[position] : starts[position + 1]]
                    own_stock = [sample for sample in own.tolist() if sample in stock]
                    owns[position] = (own[~np.isin(own, own_stock)] if own_stock else own, own_stock)
                own, own_stock = owns[position]
                shared_stock = [sample for sample in own_stock if block in stock[sample]]
                verdict = judge(sketches, position, blocks[position].kind, own, found, hits, shared_stock)
            if verdict is None:
                continue
            match, similarity = verdict
            ref = BlockRef(self.shown_path(paths[found.file]), found.idx, found.line_start,
                           found.line_start + found.span)  # fmt: skip
            key = (rank[match], -similarity, block)
            current = best.get((position, found.file))
            if current is None or key < current[0]:
                best[position, found.file] = (key, IndexMatch(ref, match, similarity, found.file))
        ranked: dict[int, list[tuple[tuple[int, float, int], IndexMatch]]] = {}
        for (position, _), item in sorted(best.items()):
            ranked.setdefault(position, []).append(item)
        return {position: [match for _, match in sorted(items)] for position, items in ranked.items()}


def judge(
    sketches: Sketches,
    position: int,
    kind: BlockKind,
    own: I64,
    found: _Candidate,
    hits: Sequence[int],
    shared_stock: Sequence[int] = (),
) -> tuple[MatchKind, float] | None:
    """Decide from sketches how new block ``position`` relates to an indexed block; None when it is new.

    ``own`` holds the new block's distinct shingle hashes, sorted; ``hits`` the indexed block's samples found
    among them. Two samples of the union of both blocks are exact: the shingles at or below the indexed
    block's threshold (its MIN_SAMPLES smallest, and any of the new block's that low, which the indexed block
    would have sampled had it held them), and the shingles that are 0 mod SAMPLE_MODULUS (sampled in both).
    The share of each sample that lies in both blocks estimates resemblance; the share of the new block's
    sampled shingles found in the indexed block estimates containment. Stock shingles (``shared_stock`` are
    those both blocks hold; ``own`` has none) say nothing about copying and are left out of both samples.
    """
    words = int(sketches.words[position])
    if len(hits) < MIN_HITS or not sketches.fuzzy[position] or found.samples == 0 or found.kind in META_KINDS:
        return None
    if (kind in HEADLINE_KINDS) != (found.kind in HEADLINE_KINDS):
        return None
    low_hits = sum(1 for sample in hits if sample <= found.threshold)
    own_low = int(np.searchsorted(own, found.threshold, side="right"))
    stock_low = sum(1 for sample in shared_stock if sample <= found.threshold)
    found_low = min(MIN_SAMPLES, found.shingles) - stock_low
    consistent_hits = sum(1 for sample in hits if sample % SAMPLE_MODULUS == 0 and sample > found.threshold)
    own_consistent = int(np.count_nonzero((own % SAMPLE_MODULUS == 0) & (own > found.threshold)))
    stock_consistent = sum(1 for s in shared_stock if s % SAMPLE_MODULUS == 0 and s > found.threshold)
    found_consistent = found.samples - min(MIN_SAMPLES, found.shingles) - stock_consistent
    union = (found_low + own_low - low_hits) + (found_consistent + own_consistent - consistent_hits)
    shared = low_hits + consistent_hits
    if shared < MIN_SHARED:
        return None
    resemblance = shared / union if union else 0.0
    new_numbers = int(sketches.numbers[position])
    near_floor = NEAR_RESEMBLANCE if min(words, found.words) >= SHORT_WORDS else 1.0
    if (
        new_numbers == found.numbers
        and min(words, found.words) >= NEAR_WORD_RATIO * max(words, found.words)
        and resemblance >= near_floor
    ):
        return MatchKind.NEAR, round(2 * resemblance / (1 + resemblance), 4)
    part_too_small = words < CONTAINED_ANYWAY_WORDS and words < MIN_CONTAINED_SHARE * found.words
    if words >= found.words or words < SHORT_WORDS or part_too_small or new_numbers & ~found.numbers:
        return None
    checked = own_low + own_consistent
    if checked < MIN_HITS:
        return None
    share = shared / checked
    return (MatchKind.CONTAINED, round(share, 4)) if share >= CONTAINED_SHARE else None


def _has_surrogates(text: str) -> bool:
    """True when ``text`` holds bytes of a file name that were not UTF-8 (as lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _pause_for_tests() -> None:
    marker = os.environ.get(PAUSE_HOOK)
    if marker:
        Path(marker).touch()
        clock.sleep(float(os.environ.get(PAUSE_SECONDS, "60")))
