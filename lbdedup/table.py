"""The columnar data model: every block of a run, and every verdict on it, as rows of numpy arrays.

A run holds hundreds of thousands of blocks; as Python objects each costs about a microsecond to make and a
hundred bytes or more to hold. Here a block is a row: numbers in arrays, its text a slice of one string per
source. The pipeline's stages read the columns; callers who iterate get the familiar typed records
(:class:`~lbdedup.model.Block`, :class:`~lbdedup.model.BlockResult`, :class:`~lbdedup.model.Cluster`), made
on demand and never stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import repeat
from operator import eq
from operator import index as _as_index
from typing import Any, TypeVar, overload

import numpy as np
import numpy.typing as npt

from lbdedup.model import (
    BLOCK_KINDS,
    KIND_CODES,
    Block,
    BlockKind,
    BlockRef,
    BlockResult,
    Cluster,
    ClusterMember,
    MatchKind,
    Status,
    from_columns,
)
from lbdedup.segment import text_places

__all__ = [
    "MATCHES",
    "NO_MATCH",
    "STATUSES",
    "STATUS_CODES",
    "BlockTable",
    "ClusterTable",
    "ResultTable",
    "TableBuilder",
    "block_table",
    "cluster_table",
    "result_table",
]

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]
F64 = npt.NDArray[np.float64]

STATUSES = tuple(Status)
STATUS_CODES = {status: code for code, status in enumerate(STATUSES)}
MATCHES = tuple(MatchKind)
MATCH_CODES = {match: code for code, match in enumerate(MATCHES)}
# The match code of a block that matches nothing (unique, canonical, boilerplate).
NO_MATCH = 255
# Each match code's MatchKind, None for NO_MATCH.
_MATCH_OF_CODE: tuple[MatchKind | None, ...] = (*MATCHES, *repeat(None, NO_MATCH + 1 - len(MATCHES)))

_Record = TypeVar("_Record")


class _Rows(Sequence[_Record]):
    """A read-only sequence whose items are made from columns when asked for, and never kept.

    Equal to any sequence of equal items (a tuple of the same records, another table), as the tuples it
    replaces were.
    """

    __slots__ = ()

    def __len__(self) -> int:
        raise NotImplementedError

    def _make(self, rows: Sequence[int]) -> list[_Record]:
        raise NotImplementedError

    @overload
    def __getitem__(self, position: int) -> _Record: ...

    @overload
    def __getitem__(self, position: slice) -> tuple[_Record, ...]: ...

    def __getitem__(self, position: int | slice) -> _Record | tuple[_Record, ...]:
        if isinstance(position, slice):
            return tuple(self._make(range(len(self))[position]))
        count = len(self)
        # As a tuple does: an int or anything with __index__ (numpy ints), never a str or a float.
        row = _as_index(position)
        if row < 0:
            row += count
        if not 0 <= row < count:
            raise IndexError("row out of range")
        return self._one(row)

    def _one(self, row: int) -> _Record:
        return self._make([row])[0]

    def __iter__(self) -> Iterator[_Record]:
        # Made a batch at a time: one pass of from_columns per batch, few objects alive at once.
        count = len(self)
        for start in range(0, count, 4096):
            yield from self._make(range(start, min(count, start + 4096)))

    def __eq__(self, other: object) -> bool:
        # Strings and bytes are sequences too, but of characters and numbers: no table equals one.
        if not isinstance(other, Sequence) or isinstance(other, (str, bytes, bytearray)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    def __hash__(self) -> int:
        # The hash of the tuple of its items, which it equals: a DedupeResult hashes as when it held tuples.
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {len(self)} rows>"


class BlockTable(_Rows[Block]):
    """Every block of a run, as columns: row ``i`` is block ``i``, in input order.

    ``position`` is a block's place in its source (``Block.index``: the name ``index`` is the sequence's).

    ``post`` and ``time`` are -1 where a block has none; ``time`` indexes ``times``. A block's text is
    ``pools[pool[i]][text_start[i]:text_end[i]]``: one string per source holds its blocks' texts.

    >>> table = TableBuilder(["a.txt"])
    >>> table.add(0, [1, 3], [1, 3], [BlockKind.TITLE, BlockKind.PARAGRAPH], ["Flood live", "Rain."])
    >>> blocks = table.build()
    >>> blocks[1].text, blocks.kind.tolist(), blocks.text(0)
    ('Rain.', [0, 2], 'Flood live')
    """

    __slots__ = (
        "doc",
        "kind",
        "line_end",
        "line_start",
        "pool",
        "pools",
        "position",
        "post",
        "sources",
        "text_end",
        "text_start",
        "time",
        "times",
    )

    def __init__(
        self,
        sources: Sequence[str],
        doc: I32,
        position: I32,
        line_start: I32,
        line_end: I32,
        kind: U8,
        post: I32,
        time: I32,
        times: Sequence[str],
        pools: Sequence[str],
        pool: I32,
        text_start: I64,
        text_end: I64,
    ) -> None:
        self.sources = tuple(sources)
        self.doc, self.position, self.line_start, self.line_end = doc, position, line_start, line_end
        self.kind, self.post, self.time, self.times = kind, post, time, tuple(times)
        self.pools, self.pool, self.text_start, self.text_end = tuple(pools), pool, text_start, text_end

    def __len__(self) -> int:
        return len(self.doc)

    def text(self, row: int) -> str:
        """The text of block ``row``."""
        text: str = self.pools[self.pool[row]][self.text_start[row] : self.text_end[row]]
        return text

    def texts(self, rows: Iterable[int] | None = None) -> list[str]:
        """The texts of blocks ``rows`` (all blocks when None), in that order."""
        if rows is None:
            pools, starts, ends = self.pool.tolist(), self.text_start.tolist(), self.text_end.tolist()
        else:
            picked = np.fromiter(rows, dtype=np.int64)
            pools = self.pool[picked].tolist()
            starts, ends = self.text_start[picked].tolist(), self.text_end[picked].tolist()
        strings = self.pools
        if len(strings) == 1:
            only = strings[0]
            return [only[start:end] for start, end in zip(starts, ends, strict=True)]
        return [strings[pool][start:end] for pool, start, end in zip(pools, starts, ends, strict=True)]

    def text_lengths(self) -> I64:
        """The length of every block's text, in characters."""
        lengths: I64 = self.text_end - self.text_start
        return lengths

    def kinds(self, rows: Sequence[int]) -> list[BlockKind]:
        """The kinds of blocks ``rows``."""
        return list(map(BLOCK_KINDS.__getitem__, self.kind[np.asarray(rows, dtype=np.int64)].tolist()))

    def of_kinds(self, kinds: Iterable[BlockKind]) -> npt.NDArray[np.bool_]:
        """A mask of the blocks of any of ``kinds``."""
        return np.isin(self.kind, [KIND_CODES[kind] for kind in kinds])

    def posts(self) -> list[int | None]:
        """Every block's post, None where it has none."""
        return [None if post < 0 else post for post in self.post.tolist()]

    def time_texts(self) -> list[str | None]:
        """Every block's time, None where it has none."""
        lookup = [*self.times, None]
        return list(map(lookup.__getitem__, self.time.tolist()))

    def refs(self, rows: Sequence[int]) -> list[BlockRef]:
        """The references of blocks ``rows``."""
        picked = np.asarray(rows, dtype=np.int64)
        sources = self.sources
        return from_columns(
            BlockRef,
            [sources[doc] for doc in self.doc[picked].tolist()],
            self.position[picked].tolist(),
            self.line_start[picked].tolist(),
            self.line_end[picked].tolist(),
        )

    def _one(self, row: int) -> Block:
        # Stages read blocks here and there by position (boilerplate's neighbours): no arrays made for one.
        doc, post, time = int(self.doc[row]), int(self.post[row]), int(self.time[row])
        return Block(
            doc,
            self.sources[doc],
            int(self.position[row]),
            int(self.line_start[row]),
            int(self.line_end[row]),
            BLOCK_KINDS[self.kind[row]],
            self.text(row),
            None if post < 0 else post,
            None if time < 0 else self.times[time],
        )

    def _make(self, rows: Sequence[int]) -> list[Block]:
        picked = np.asarray(rows, dtype=np.int64)
        docs = self.doc[picked].tolist()
        sources = self.sources
        lookup = [*self.times, None]
        return from_columns(
            Block,
            docs,
            [sources[doc] for doc in docs],
            self.position[picked].tolist(),
            self.line_start[picked].tolist(),
            self.line_end[picked].tolist(),
            map(BLOCK_KINDS.__getitem__, self.kind[picked].tolist()),
            self.texts(picked.tolist()),
            [None if post < 0 else post for post in self.post[picked].tolist()],
            map(lookup.__getitem__, self.time[picked].tolist()),
        )

    def renamed(self, sources: Sequence[str], pools: Sequence[Any]) -> BlockTable:
        """The same blocks with other source names and text pools (as a forked worker sends them)."""
        return BlockTable(
            sources,
            self.doc,
            self.position,
            self.line_start,
            self.line_end,
            self.kind,
            self.post,
            self.time,
            self.times,
            pools,
            self.pool,
            self.text_start,
            self.text_end,
        )

    def shifted(self, first_doc: int) -> BlockTable:
        """The same blocks with ``first_doc`` added to every document number."""
        if not first_doc:
            return self
        shifted = BlockTable.__new__(BlockTable)
        for name in self.__slots__:
            setattr(shifted, name, getattr(self, name))
        shifted.doc = (self.doc + first_doc).astype(self.doc.dtype)
        return shifted

    def take(self, rows: npt.NDArray[np.integer[Any]]) -> BlockTable:
        """The blocks ``rows`` as a table of their own (texts still in the same pools)."""
        return BlockTable(
            self.sources,
            self.doc[rows],
            self.position[rows],
            self.line_start[rows],
            self.line_end[rows],
            self.kind[rows],
            self.post[rows],
            self.time[rows],
            self.times,
            self.pools,
            self.pool[rows],
            self.text_start[rows],
            self.text_end[rows],
        )

    @staticmethod
    def concat(sources: Sequence[str], tables: Sequence[BlockTable]) -> BlockTable:
        """The blocks of ``tables``, one after the other; their pools and times are put together."""
        if len(tables) == 1:
            return tables[0]
        pools: list[str] = []
        times: dict[str, int] = {}
        pool_columns, time_columns = [], []
        for table in tables:
            pool_columns.append(table.pool + len(pools))
            pools.extend(table.pools)
            remap = np.array([times.setdefault(time, len(times)) for time in table.times] + [-1], np.int32)
            time_columns.append(remap[table.time])

        def joined(name: str) -> I32:
            column: I32 = np.concatenate([getattr(table, name) for table in tables])
            return column

        return BlockTable(
            sources,
            joined("doc"),
            joined("position"),
            joined("line_start"),
            joined("line_end"),
            joined("kind").astype(np.uint8),
            joined("post"),
            np.concatenate(time_columns) if time_columns else np.empty(0, np.int32),
            list(times),
            pools,
            np.concatenate(pool_columns) if pool_columns else np.empty(0, np.int32),
            np.concatenate([table.text_start for table in tables]),
            np.concatenate([table.text_end for table in tables]),
        )


_NUMBER_COLUMNS = ("doc", "position", "line_start", "line_end", "kind", "post")
# map(_NONE_TO_MISSING.get, values, values): each value, None as -1, without a Python-level loop.
_NONE_TO_MISSING: dict[int | None, int] = {None: -1}


class TableBuilder:
    """Collects the blocks of documents, one document at a time, into a :class:`BlockTable`.

    >>> builder = TableBuilder(["a.txt"])
    >>> builder.add(0, [2], [2], [BlockKind.PARAGRAPH], ["Rain."], posts=[1], times=["10:22"])
    >>> builder.build()[0].time
    '10:22'
    """

    def __init__(self, sources: Sequence[str]) -> None:
        self.sources = tuple(sources)
        self._columns: list[tuple[np.ndarray, ...]] = []
        self._pools: list[str] = []
        self._times: dict[str, int] = {}

    def add(
        self,
        doc: int,
        line_starts: Sequence[int],
        line_ends: Sequence[int],
        kinds: Sequence[BlockKind],
        texts: Sequence[str],
        posts: Sequence[int | None] | None = None,
        times: Sequence[str | None] | None = None,
        source_text: str | None = None,
    ) -> None:
        """Add the blocks of the ``doc``-th source: its line spans, kinds and texts, posts and times.

        With ``source_text`` (the text or Markdown document that :func:`~lbdedup.segment.layout` cut these
        blocks from), each text that is a slice of it is kept as a place in it, not as a copy.
        """
        count = len(texts)
        if not count:
            return
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=count)
        if source_text is None:
            ends = np.cumsum(lengths)
            pool_column, text_starts = np.full(count, len(self._pools), dtype=np.int32), ends - lengths
            self._pools.append("".join(texts))
        else:
            pool_column, text_starts = self._places(line_starts, texts, source_text, lengths)
        self._append(doc, line_starts, line_ends, kinds, posts, times, pool_column, text_starts, lengths)

    def _append(
        self,
        doc: int,
        line_starts: Sequence[int],
        line_ends: Sequence[int],
        kinds: Sequence[BlockKind],
        posts: Sequence[int | None] | None,
        times: Sequence[str | None] | None,
        pool_column: I32,
        text_starts: I64,
        lengths: I64,
    ) -> None:
        count = len(lengths)
        if posts is None:
            post_column = np.full(count, -1, dtype=np.int32)
        else:
            post_column = np.fromiter(map(_NONE_TO_MISSING.get, posts, posts), np.int32, count)
        if times is None:
            time_column = np.full(count, -1, dtype=np.int32)
        else:
            known = self._times
            ids: dict[str | None, int] = {None: -1}
            for time in dict.fromkeys(times):
                if time is not None:
                    ids[time] = known.setdefault(time, len(known))
            time_column = np.fromiter(map(ids.__getitem__, times), dtype=np.int32, count=count)
        self._columns.append(
            (
                np.full(count, doc, dtype=np.int32),
                np.arange(count, dtype=np.int32),
                np.asarray(line_starts, dtype=np.int32),
                np.asarray(line_ends, dtype=np.int32),
                np.fromiter(map(KIND_CODES.__getitem__, kinds), dtype=np.uint8, count=count),
                post_column,
                time_column,
                pool_column,
                text_starts,
                text_starts + lengths,
            )
        )

    def _places(
        self,
        line_starts: Sequence[int],
        texts: Sequence[str],
        source_text: str,
        lengths: I64,
    ) -> tuple[I32, I64]:
        """Each text's pool and start: its place in ``source_text``, else in a pool of the texts not there."""
        # A page's text is twice the size of its bytes or more in Python (one curly quote makes it two bytes
        # a character): a copy of every block's text would double the run's largest piece of memory.
        start_column = text_places(source_text, line_starts)
        # The places come from the line structure; each is checked against the text it must hold (in C, by
        # map): a text with a CR or spaces inside, or a caller's text not cut from this source, is copied.
        ends = (start_column + lengths).tolist()
        same = map(eq, map(source_text.__getitem__, map(slice, start_column.tolist(), ends)), texts)
        start_column[(start_column < 0) | ~np.fromiter(same, dtype=bool, count=len(texts))] = -1
        pool_column = np.full(len(texts), len(self._pools), dtype=np.int32)
        self._pools.append(source_text)
        missing = np.flatnonzero(start_column < 0)
        if missing.size:
            extra = [texts[position] for position in missing.tolist()]
            extra_lengths = lengths[missing]
            pool_column[missing] = len(self._pools)
            start_column[missing] = np.cumsum(extra_lengths) - extra_lengths
            self._pools.append("".join(extra))
        return pool_column, start_column

    def add_blocks(self, blocks: Sequence[Block]) -> None:
        """Add Blocks already made (of one source, in order), as the HTML segmenter gives them."""
        if blocks:
            self.add(
                blocks[0].doc,
                [block.line_start for block in blocks],
                [block.line_end for block in blocks],
                [block.kind for block in blocks],
                [block.text for block in blocks],
                [block.post for block in blocks],
                [block.time for block in blocks],
            )

    def build(self) -> BlockTable:
        """The table of every block added, in the order added."""
        if self._columns:
            columns = [np.concatenate(parts) for parts in zip(*self._columns, strict=True)]
        else:
            columns = (
                [np.empty(0, dtype=np.int32)] * 7 + [np.empty(0, np.int32)] + [np.empty(0, np.int64)] * 2
            )
        doc, index, line_start, line_end, kind, post, time, pool, start, end = columns
        return BlockTable(
            self.sources,
            doc,
            index,
            line_start,
            line_end,
            kind.astype(np.uint8),
            post,
            time,
            list(self._times),
            self._pools,
            pool,
            start.astype(np.int64),
            end.astype(np.int64),
        )


class ResultTable(_Rows[BlockResult]):
    """The verdict on every block of a run, as columns beside its :class:`BlockTable`.

    ``status`` codes index :data:`STATUSES`; ``cluster`` and ``duplicate_of`` (the row of the kept copy) are
    -1 where they do not apply; ``match`` indexes :data:`MATCHES` (:data:`NO_MATCH`: none); ``similarity``
    is NaN where there is none; ``reasons`` holds the boilerplate reasons by row. A kept copy outside the
    run (an indexed file's block, for ``check``) is in ``outside`` by row, its ``duplicate_of`` -2.
    """

    __slots__ = ("blocks", "cluster", "duplicate_of", "match", "outside", "reasons", "similarity", "status")

    def __init__(
        self,
        blocks: BlockTable,
        status: U8,
        cluster: I64,
        duplicate_of: I64,
        match: U8,
        similarity: F64,
        reasons: Mapping[int, str],
        outside: Mapping[int, BlockRef] | None = None,
    ) -> None:
        self.blocks, self.status, self.cluster, self.duplicate_of = blocks, status, cluster, duplicate_of
        self.match, self.similarity, self.reasons = match, similarity, dict(reasons)
        self.outside = dict(outside or {})

    def duplicate_refs(self, rows: Sequence[int]) -> list[BlockRef | None]:
        """The reference of the kept copy of each of ``rows`` (None for a block that is no copy)."""
        copies = self.duplicate_of[np.asarray(rows, dtype=np.int64)]
        found: list[BlockRef | None] = [None] * len(copies)
        inside = np.flatnonzero(copies >= 0)
        for at, ref in zip(inside.tolist(), self.blocks.refs(copies[inside].tolist()), strict=True):
            found[at] = ref
        if self.outside:
            for at in np.flatnonzero(copies == -2).tolist():
                found[at] = self.outside[int(rows[at])]
        return found

    def __len__(self) -> int:
        return len(self.status)

    def kept_mask(self) -> npt.NDArray[np.bool_]:
        """True for the blocks that stay in the clean text."""
        kept: npt.NDArray[np.bool_] = (self.status == STATUS_CODES[Status.UNIQUE]) | (
            self.status == STATUS_CODES[Status.CANONICAL]
        )
        return kept

    def _make(self, rows: Sequence[int]) -> list[BlockResult]:
        picked = np.asarray(rows, dtype=np.int64)
        clusters = self.cluster[picked].tolist()
        duplicate_of = self.duplicate_refs(picked.tolist())
        similarities = self.similarity[picked].tolist()
        reasons = self.reasons
        return from_columns(
            BlockResult,
            self.blocks._make(rows),
            map(STATUSES.__getitem__, self.status[picked].tolist()),
            [None if cluster < 0 else cluster for cluster in clusters],
            duplicate_of,
            map(_MATCH_OF_CODE.__getitem__, self.match[picked].tolist()),
            [None if value != value else value for value in similarities],  # NaN is the one unequal to itself
            map(reasons.get, picked.tolist()),
        )

    def columns(self) -> dict[str, npt.NDArray[Any]]:
        """Every block's numbers and verdict as numpy arrays, one per field, row ``i`` for block ``i``.

        Codes index the tuples of the same name in this module (``kind`` :data:`~lbdedup.model.BLOCK_KINDS`
        order, ``status`` :data:`STATUSES`, ``match`` :data:`MATCHES`, :data:`NO_MATCH` for none); -1 is
        "none" for ``post``, ``time`` (an index into ``times``), ``cluster`` and ``duplicate_of`` (the row
        of the kept copy; -2 for one outside the run); ``similarity`` is NaN where there is none.
        The arrays are read-only views: the result they belong to is frozen.
        """
        blocks = self.blocks
        columns: dict[str, npt.NDArray[Any]] = {
            "doc": blocks.doc,
            "index": blocks.position,
            "line_start": blocks.line_start,
            "line_end": blocks.line_end,
            "kind": blocks.kind,
            "post": blocks.post,
            "time": blocks.time,
            "status": self.status,
            "cluster": self.cluster,
            "duplicate_of": self.duplicate_of,
            "match": self.match,
            "similarity": self.similarity,
        }
        return {name: _read_only(column) for name, column in columns.items()}

    def with_columns(self, **columns: Any) -> ResultTable:
        """The table with some columns replaced (``status=..., cluster=...``)."""
        values = {name: getattr(self, name) for name in ResultTable.__slots__}
        values.update(columns)
        return ResultTable(**values)


def _read_only(column: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """A view of ``column`` that cannot be written through (the column itself stays as it was)."""
    view: npt.NDArray[Any] = column.view()
    view.flags.writeable = False
    return view


def _rows_by_place(blocks: BlockTable) -> dict[tuple[str, int], int]:
    """Each block's row, by its source and its index there (what a BlockRef names)."""
    places = zip(map(blocks.sources.__getitem__, blocks.doc.tolist()), blocks.position.tolist(), strict=True)
    return {place: row for row, place in enumerate(places)}


def block_table(blocks: Sequence[Block]) -> BlockTable:
    """``blocks`` as a :class:`BlockTable`: the table itself, or one made from Block records.

    Every stage reads columns; records come from callers of the library and from tests.

    >>> block_table([Block(0, "a.txt", 0, 1, 1, BlockKind.PARAGRAPH, "Rain.")]).text(0)
    'Rain.'
    """
    if isinstance(blocks, BlockTable):
        return blocks
    count = len(blocks)
    named: dict[int, str] = {}
    for block in blocks:
        named.setdefault(block.doc, block.source)
    sources = [named.get(doc, "") for doc in range(max(named, default=-1) + 1)]
    texts = [block.text for block in blocks]
    ends = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=count))
    times: dict[str | None, int] = {None: -1}
    for block in blocks:
        if block.time is not None:
            times.setdefault(block.time, len(times) - 1)
    return BlockTable(
        sources,
        np.fromiter((block.doc for block in blocks), np.int32, count),
        np.fromiter((block.index for block in blocks), np.int32, count),
        np.fromiter((block.line_start for block in blocks), np.int32, count),
        np.fromiter((block.line_end for block in blocks), np.int32, count),
        np.fromiter((KIND_CODES[block.kind] for block in blocks), np.uint8, count),
        np.fromiter((-1 if block.post is None else block.post for block in blocks), np.int32, count),
        np.fromiter((times[block.time] for block in blocks), np.int32, count),
        [time for time in times if time is not None],
        ["".join(texts)],
        np.zeros(count, dtype=np.int32),
        ends - np.fromiter(map(len, texts), dtype=np.int64, count=count),
        ends,
    )


def result_table(results: Sequence[BlockResult], blocks: BlockTable | None = None) -> ResultTable:
    """``results`` as a :class:`ResultTable`: the table itself, or one made from BlockResult records.

    The way back to columns from records a caller changed (``check`` marks blocks one by one); ``blocks``,
    when given, is the table of the very blocks of ``results``, in order.
    """
    if isinstance(results, ResultTable):
        return results
    if blocks is None:
        blocks = block_table([item.block for item in results])
    count = len(results)
    row_of = _rows_by_place(blocks)
    status = np.fromiter((STATUS_CODES[item.status] for item in results), dtype=np.uint8, count=count)
    cluster = np.fromiter((-1 if item.cluster is None else item.cluster for item in results), np.int64, count)
    duplicate_of = np.full(count, -1, dtype=np.int64)
    outside: dict[int, BlockRef] = {}
    for row, item in enumerate(results):
        ref = item.duplicate_of
        if ref is not None:
            found = row_of.get((ref.source, ref.index))
            if found is None or blocks.refs([found])[0] != ref:
                outside[row] = ref
                duplicate_of[row] = -2
            else:
                duplicate_of[row] = found
    match = np.fromiter(
        (NO_MATCH if item.match is None else MATCH_CODES[item.match] for item in results), np.uint8, count
    )
    similarity = np.fromiter(
        (np.nan if item.similarity is None else item.similarity for item in results), np.float64, count
    )
    reasons = {row: item.reason for row, item in enumerate(results) if item.reason is not None}
    return ResultTable(blocks, status, cluster, duplicate_of, match, similarity, reasons, outside)


class ClusterTable(_Rows[Cluster]):
    """The clusters of a run as columns: ids, kept rows, and each cluster's member rows in input order.

    The members of cluster ``c`` are ``members[starts[c]:starts[c + 1]]``; how each matches the kept copy is
    read from the results' columns.
    """

    __slots__ = ("canonical", "ids", "members", "results", "starts")

    def __init__(self, results: ResultTable, ids: I64, canonical: I64, members: I64, starts: I64) -> None:
        self.results, self.ids, self.canonical, self.members, self.starts = (
            results,
            ids,
            canonical,
            members,
            starts,
        )

    def __len__(self) -> int:
        return len(self.ids)

    def _make(self, rows: Sequence[int]) -> list[Cluster]:
        picked = np.asarray(rows, dtype=np.int64)
        results, blocks = self.results, self.results.blocks
        clusters = []
        starts = self.starts
        for number, kept in zip(picked.tolist(), self.canonical[picked].tolist(), strict=True):
            member_rows = self.members[starts[number] : starts[number + 1]]
            kept_ref = blocks.refs([kept])[0]
            refs = blocks.refs(member_rows.tolist())
            similarities = results.similarity[member_rows].tolist()
            members = from_columns(
                ClusterMember,
                [
                    kept_ref if row == kept else ref
                    for row, ref in zip(member_rows.tolist(), refs, strict=True)
                ],
                map(_MATCH_OF_CODE.__getitem__, results.match[member_rows].tolist()),
                [None if value != value else value for value in similarities],
            )
            clusters.append(Cluster(int(self.ids[number]), kept_ref, tuple(members)))
        return clusters


def cluster_table(clusters: Sequence[Cluster], results: ResultTable) -> ClusterTable:
    """``clusters`` as a :class:`ClusterTable` over ``results``: the table itself, or one made from records.

    Every member must be a block of ``results`` (a run's own clusters; not those ``check`` joined with an
    index), and each member's match is read from ``results``.
    """
    if isinstance(clusters, ClusterTable) and clusters.results is results:
        return clusters
    blocks = results.blocks
    row_of = _rows_by_place(blocks)
    ids: list[int] = []
    canonical: list[int] = []
    members: list[int] = []
    sizes: list[int] = []
    for cluster in clusters:
        ids.append(cluster.id)
        canonical.append(row_of[cluster.canonical.source, cluster.canonical.index])
        members.extend(row_of[member.ref.source, member.ref.index] for member in cluster.members)
        sizes.append(len(cluster.members))
    return ClusterTable(
        results,
        np.array(ids, dtype=np.int64),
        np.array(canonical, dtype=np.int64),
        np.array(members, dtype=np.int64),
        np.r_[0, np.cumsum(sizes, dtype=np.int64)].astype(np.int64),
    )
