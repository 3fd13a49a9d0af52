"""lbdedup: clean scraped news live blogs.

>>> from lbdedup import Document, dedupe
>>> result = dedupe([Document("a.txt", "Kim arrives by train in Russia today.\\n"),
...                  Document("b.txt", "Kim arrives by train in Russia today\\n")])
>>> [(r.block.source, r.status.value) for r in result.blocks]
[('a.txt', 'canonical'), ('b.txt', 'duplicate')]
"""

from __future__ import annotations

# Nothing is imported here, not even the version: ``lbdedup`` (the command) runs this file before
# lbdedup.__main__ takes Ctrl-C over, and an import here is a moment in which Ctrl-C would print a traceback.

# Not typing.TYPE_CHECKING: importing typing takes milliseconds, and `python -m lbdedup` imports this package
# before lbdedup.__main__ takes Ctrl-C over (mypy reads the name alike).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

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

# The public names are imported on first use, not with the package: ``lbdedup --version`` or ``--help``
# (and every command that needs less than the whole pipeline) starts without numpy and the core.
_HOMES = {
    "__version__": "lbdedup._version",
    **dict.fromkeys(["clean_text", "dedupe"], "lbdedup.core"),
    **dict.fromkeys(
        [
            "Block",
            "BlockKind",
            "BlockRef",
            "BlockResult",
            "Cluster",
            "ClusterMember",
            "DedupeResult",
            "Document",
            "KeepPolicy",
            "MatchKind",
            "Options",
            "SourceSummary",
            "Status",
        ],
        "lbdedup.model",
    ),
    **dict.fromkeys(["InputError", "read_source", "read_sources"], "lbdedup.read"),
    **dict.fromkeys(["render_json", "render_jsonl", "render_text"], "lbdedup.render"),
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'lbdedup' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})


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
