"""The frozen, typed values that flow through the pipeline.

Every stage takes and returns these; none of them holds a reference to a file, a terminal or a clock.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import MISSING, dataclass, field, fields
from enum import Enum
from itertools import repeat
from typing import Any, TypeVar

import xxhash

__all__ = [
    "Block",
    "BlockKind",
    "BlockRef",
    "BlockResult",
    "BoilerplateMode",
    "Cluster",
    "DedupeResult",
    "Document",
    "HashFunction",
    "KeepPolicy",
    "MatchKind",
    "Options",
    "PostOrder",
    "PostRef",
    "Progress",
    "Run",
    "RunSpan",
    "SourceSummary",
    "Status",
    "Timeline",
    "TimelinePost",
    "default_hash",
    "from_columns",
]

HashFunction = Callable[[bytes], int]
"""Maps bytes to an unsigned 64-bit integer; a parameter so tests can pin the hashes."""

Progress = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)`` while a long run advances."""


def default_hash(data: bytes) -> int:
    """Hash bytes with xxh3, 64 bits.

    >>> default_hash(b"kim") == default_hash(b"kim")
    True
    """
    return xxhash.xxh3_64_intdigest(data)


class BlockKind(str, Enum):
    """What a block is on the page."""

    TITLE = "title"
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    CAPTION = "caption"
    LIST_ITEM = "list_item"
    QUOTE = "quote"
    TIMESTAMP = "timestamp"
    BYLINE = "byline"


HEADLINE_KINDS = frozenset({BlockKind.TITLE, BlockKind.HEADING})
META_KINDS = frozenset({BlockKind.TIMESTAMP, BlockKind.BYLINE})
# Each kind as a small number, its place in BlockKind (numpy columns, forked workers, the index's rows), and
# each number's kind.
BLOCK_KINDS = tuple(BlockKind)
KIND_CODES = {kind: code for code, kind in enumerate(BLOCK_KINDS)}


class Status(str, Enum):
    """What the cleaner did with a block."""

    UNIQUE = "unique"
    CANONICAL = "canonical"
    DUPLICATE = "duplicate"
    BOILERPLATE = "boilerplate"

    @property
    def kept(self) -> bool:
        """True when the block stays in the clean text."""
        return self in (Status.UNIQUE, Status.CANONICAL)


class BoilerplateMode(str, Enum):
    """How eagerly site furniture is dropped.

    ``off``: never (only ``drop_patterns`` apply). ``auto``: built-in phrases, teasers and short lines
    repeated in at least three otherwise unrelated sources, with every doubt resolved towards keeping.
    ``strict``: also lines repeated in two unrelated sources, repeated sentences and lines with digits,
    short all-capitals lines at the edges of a page, and breadcrumb-glued titles that have no other copy.
    """

    OFF = "off"
    AUTO = "auto"
    STRICT = "strict"


class MatchKind(str, Enum):
    """How two blocks say the same thing."""

    EXACT = "exact"
    NEAR = "near"
    CONTAINED = "contained"


class KeepPolicy(str, Enum):
    """Which member of a cluster is kept.

    ``longest``: the most complete copy, ties to the earliest. ``first``: the earliest copy among those that
    no other member contains, so choosing it never drops words the cluster has nowhere else.
    """

    LONGEST = "longest"
    FIRST = "first"


_Frozen = TypeVar("_Frozen")


def _quick_init(cls: type[_Frozen]) -> type[_Frozen]:
    """Give a frozen slots dataclass an ``__init__`` that stores each field through its slot descriptor.

    The generated frozen ``__init__`` goes through ``object.__setattr__`` once per field; storing through the
    descriptors builds the object about 2.5 times faster, and a run builds one Block and one BlockResult per
    block. Assigning to a field afterwards still raises ``FrozenInstanceError``.
    """
    namespace: dict[str, Any] = {}
    parameters = []
    declared = fields(cls)  # type: ignore[arg-type]  # every class given here is a dataclass
    for item in declared:
        assert item.default_factory is MISSING, "only plain fields are supported"
        namespace[f"_set_{item.name}"] = cls.__dict__[item.name].__set__
        if item.default is MISSING:
            parameters.append(item.name)
        else:
            namespace[f"_default_{item.name}"] = item.default
            parameters.append(f"{item.name}=_default_{item.name}")
    body = "".join(f"    _set_{item.name}(self, {item.name})\n" for item in declared)
    exec(f"def __init__(self, {', '.join(parameters)}):\n{body}", namespace)  # our own field names only
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = cls.__init__.__doc__
    cls.__init__ = init  # type: ignore[method-assign]  # same signature as the dataclass's own
    return cls


# The slot descriptors' setters of each class given to from_columns, in field order.
_SETTERS: dict[type, tuple[Callable[[Any, Any], None], ...]] = {}


def from_columns(cls: type[_Frozen], *columns: Iterable[Any]) -> list[_Frozen]:
    """``[cls(*row) for row in zip(*columns)]`` for a frozen slots dataclass, one column per field, faster.

    Each field is stored over all the objects at once, through its slot descriptor, from C: a run builds
    hundreds of thousands of results, and this costs a third of calling the constructor for each.

    >>> from_columns(BlockRef, ["a.txt", "b.txt"], [0, 4], [1, 9], [1, 9])[1]
    BlockRef(source='b.txt', index=4, line_start=9, line_end=9)
    """
    setters = _SETTERS.get(cls)
    if setters is None:
        declared = fields(cls)  # type: ignore[arg-type]  # every class given here is a dataclass
        setters = _SETTERS[cls] = tuple(cls.__dict__[item.name].__set__ for item in declared)
    if len(columns) != len(setters):
        raise TypeError(f"{cls.__name__} takes {len(setters)} columns, one per field")
    first, *others = columns
    values = list(first)
    objects = list(map(object.__new__, repeat(cls, len(values))))
    for setter, column in zip(setters, [values, *others], strict=True):
        deque(map(setter, objects, column), maxlen=0)
    return objects


@dataclass(frozen=True, slots=True)
class Document:
    """One source: a file, stdin (``"-"``) or one JSONL record, already decoded.

    ``format`` is ``text``, ``markdown`` or ``html``; left out (``auto``), it is found as the command line
    finds it: by the name's suffix, then by the first characters of the text.

    >>> Document("a.txt", "Hello\\n").source
    'a.txt'
    >>> Document("page", "<!DOCTYPE html><p>Hi</p>").format, Document("b.md", "# Hi").format
    ('html', 'markdown')
    """

    source: str
    text: str
    newline: str = "\n"
    bom: bool = False
    encoding: str = "utf-8"
    format: str = "auto"

    def __post_init__(self) -> None:
        if self.format == "auto":
            from lbdedup.read import detect_format  # read builds Documents: imported when first needed

            object.__setattr__(self, "format", detect_format(self.source, self.text))


@_quick_init
@dataclass(frozen=True, slots=True)
class Block:
    """The unit of deduplication: a paragraph, title, heading, caption, list item, quote or meta line.

    ``line_start`` and ``line_end`` are 1-based and inclusive; ``doc`` is the position of the source in the
    input, ``index`` the position of the block within its source.
    """

    doc: int
    source: str
    index: int
    line_start: int
    line_end: int
    kind: BlockKind
    text: str
    post: int | None = None
    time: str | None = None


@_quick_init
@dataclass(frozen=True, slots=True)
class BlockRef:
    """Where a block is: enough for a reader to find it again."""

    source: str
    index: int
    line_start: int
    line_end: int

    def __str__(self) -> str:
        if self.line_start == self.line_end:
            return f"{self.source}:{self.line_start}"
        return f"{self.source}:{self.line_start}-{self.line_end}"

    @staticmethod
    def of(block: Block) -> BlockRef:
        """The reference to ``block``."""
        return BlockRef(block.source, block.index, block.line_start, block.line_end)


@_quick_init
@dataclass(frozen=True, slots=True)
class BlockResult:
    """A block and the verdict on it."""

    block: Block
    status: Status
    cluster: int | None = None
    duplicate_of: BlockRef | None = None
    match: MatchKind | None = None
    similarity: float | None = None
    reason: str | None = None


@_quick_init
@dataclass(frozen=True, slots=True)
class ClusterMember:
    """One member of a cluster and how it matches the canonical copy."""

    ref: BlockRef
    match: MatchKind | None
    similarity: float | None


@_quick_init
@dataclass(frozen=True, slots=True)
class Cluster:
    """Blocks that say the same thing; ``canonical`` is the one kept."""

    id: int
    canonical: BlockRef
    members: tuple[ClusterMember, ...]


@_quick_init
@dataclass(frozen=True, slots=True)
class SourceSummary:
    """Counts for one source."""

    source: str
    blocks: int
    kept: int
    duplicates: int
    boilerplate: int


class PostOrder(str, Enum):
    """How the clean text orders the posts of a live blog.

    ``time``: snapshots of one blog merge into one timeline, posts ordered by time; ``input``: every block in
    place, sources in input order.
    """

    TIME = "time"
    INPUT = "input"


@dataclass(frozen=True, slots=True)
class Options:
    """Settings of one run; the defaults are what the CLI uses.

    >>> Options(keep=KeepPolicy.FIRST).shingle_size
    4
    """

    keep: KeepPolicy = KeepPolicy.LONGEST
    shingle_size: int = 4
    # Blocks with fewer words than this only ever match exactly: short lines that merely look alike differ.
    min_fuzzy_words: int = 6
    near_threshold: float = 0.90
    short_near_threshold: float = 0.95
    contained_threshold: float = 0.90
    # A shingle shared by more blocks than this is a common phrase, not evidence of copying.
    max_shingle_blocks: int = 64
    order: PostOrder = PostOrder.TIME
    newest_first: bool = True
    boilerplate: BoilerplateMode = BoilerplateMode.AUTO
    # Regular expressions searched in a block's text: a match keeps it / drops it as boilerplate (keep wins).
    keep_patterns: tuple[str, ...] = ()
    drop_patterns: tuple[str, ...] = ()
    # Cores for the stages that work one document at a time (large runs only); answers never depend on it.
    jobs: int = 1
    hash_function: HashFunction = field(default=default_hash, compare=False)


@_quick_init
@dataclass(frozen=True, slots=True)
class PostRef:
    """One post of one source: its document position and post number."""

    source: str
    doc: int
    post: int


@_quick_init
@dataclass(frozen=True, slots=True)
class TimelinePost:
    """One post of a timeline and every copy of it; the first copy is the one whose layout is followed."""

    time: str | None
    copies: tuple[PostRef, ...]


@dataclass(frozen=True, slots=True)
class Timeline:
    """Snapshots of one live blog merged: page heads first, then each post once, in ``order``.

    ``order`` is ``newest_first``, ``oldest_first`` or ``input``.
    """

    sources: tuple[str, ...]
    docs: tuple[int, ...]
    order: str
    heads: tuple[PostRef, ...]
    posts: tuple[TimelinePost, ...]


@_quick_init
@dataclass(frozen=True, slots=True)
class RunSpan:
    """Consecutive blocks of one source."""

    source: str
    index_start: int
    index_end: int
    line_start: int
    line_end: int

    def __str__(self) -> str:
        return f"{self.source}:{self.line_start}-{self.line_end}"


@_quick_init
@dataclass(frozen=True, slots=True)
class Run:
    """A syndicated run: ``copy`` repeats the consecutive blocks of ``original``, block for block."""

    copy: RunSpan
    original: RunSpan
    blocks: int

    def __str__(self) -> str:
        return f"{self.copy} = {self.original}"


@dataclass(frozen=True, slots=True)
class DedupeResult:
    """Everything one run found, in input order."""

    version: str
    documents: tuple[Document, ...]
    blocks: Sequence[BlockResult]
    clusters: Sequence[Cluster]
    sources: tuple[SourceSummary, ...]
    timelines: tuple[Timeline, ...] = ()
    runs: tuple[Run, ...] = ()

    @property
    def columns(self) -> dict[str, Any]:
        """The blocks' numbers and verdicts as numpy arrays, one per field (no record made per block).

        ``kind``, ``status`` and ``match`` are codes: positions in ``BlockKind``, ``Status`` and
        ``MatchKind`` (255: no match); -1 means none for ``post``, ``time`` (an index into
        :meth:`block_times`), ``cluster`` and ``duplicate_of`` (the row of the kept copy; -2 when that
        copy is outside the run, an indexed file's block that ``check`` found); ``similarity`` is NaN where
        there is none. The arrays are read-only views. The texts: :meth:`block_texts`.

        >>> from lbdedup import Document, dedupe
        >>> result = dedupe([Document("a.txt", "Rain at dawn.\\n\\nRain at dawn.\\n")])
        >>> result.columns["status"].tolist(), result.columns["duplicate_of"].tolist()
        ([1, 2], [-1, 0])
        """
        from lbdedup.table import result_table  # the columns' module imports this one

        return result_table(self.blocks).columns()

    def block_texts(self) -> list[str]:
        """Every block's text, in order (row ``i`` of :attr:`columns` is block ``i``)."""
        from lbdedup.table import result_table  # the columns' module imports this one

        return result_table(self.blocks).blocks.texts()

    def block_times(self) -> tuple[str, ...]:
        """The distinct post times that ``columns["time"]`` indexes."""
        from lbdedup.table import result_table  # the columns' module imports this one

        return result_table(self.blocks).blocks.times

    def kept(self) -> tuple[BlockResult, ...]:
        """The blocks that stay in the clean text, in input order."""
        return tuple(r for r in self.blocks if r.status.kept)

    def for_source(self, doc: int) -> tuple[BlockResult, ...]:
        """The results of the ``doc``-th source, in order."""
        return tuple(r for r in self.blocks if r.block.doc == doc)

    def text_of(self, source: str, provenance: bool = False) -> str:
        """The clean text of one source: the blocks it keeps, in its own order (a copy is kept only once).

        >>> from lbdedup import Document, dedupe
        >>> result = dedupe([Document("a.txt", "Rain at dawn.\\n"),
        ...                  Document("b.txt", "Rain at dawn.\\n\\nSun.\\n")])
        >>> result.text_of("b.txt")
        'Sun.\\n'
        """
        texts = self.texts(provenance)
        if source not in texts:
            raise KeyError(f"no source {source!r} in this result")
        return texts[source]

    def texts(self, provenance: bool = False) -> dict[str, str]:
        """The clean text of every source (see :meth:`text_of`), by source, in input order."""
        from lbdedup.render import render_source_texts  # the renderers import this module

        texts = render_source_texts(self, provenance)
        return {document.source: texts[doc] for doc, document in enumerate(self.documents)}
