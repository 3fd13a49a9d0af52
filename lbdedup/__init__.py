"""lbdedup: clean scraped news live blogs.

>>> from lbdedup import Document, dedupe
>>> result = dedupe([Document("a.txt", "Kim arrives by train in Russia today.\\n"),
...                  Document("b.txt", "Kim arrives by train in Russia today\\n")])
>>> [(r.block.source, r.status.value) for r in result.blocks]
[('a.txt', 'canonical'), ('b.txt', 'duplicate')]
"""

from lbdedup._version import __version__
from lbdedup.core import clean_text, dedupe
from lbdedup.model import (
    Block,
    BlockKind,
    BlockRef,
    BlockResult,
    Cluster,
    ClusterMember,
    DedupeResult,
    Document,
    KeepPolicy,
    MatchKind,
    Options,
    SourceSummary,
    Status,
)
from lbdedup.read import InputError, read_source, read_sources
from lbdedup.render import render_json, render_jsonl, render_text

__all__ = [
    "Block",
    "BlockKind",
    "BlockRef",
    "BlockResult",
    "Cluster",
    "ClusterMember",
    "DedupeResult",
    "Document",
    "InputError",
    "KeepPolicy",
    "MatchKind",
    "Options",
    "SourceSummary",
    "Status",
    "__version__",
    "clean_text",
    "dedupe",
    "read_source",
    "read_sources",
    "render_json",
    "render_jsonl",
    "render_text",
]
