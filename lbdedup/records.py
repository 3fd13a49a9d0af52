"""Records out: one JSON object per source, its clean text and counts, for the next step of a pipeline.

``clean --format records`` writes one line per input record (``--jsonl``) or file, in input order. Pure:
a DedupeResult and the fields of the input records in, lines of JSON out.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from lbdedup.model import DedupeResult
from lbdedup.names import JSON_ERRORS
from lbdedup.render import render_source_texts

__all__ = ["COUNTS_FIELD", "render_records", "render_records_bytes"]

# The counts go under one key of their own, so that they never hide a field of the input record.
COUNTS_FIELD = "lbdedup"


def render_records(
    result: DedupeResult,
    carried: Sequence[Mapping[str, Any]] | None = None,
    id_field: str = "id",
    text_field: str = "text",
    keep_fields: Sequence[str] | None = None,
) -> Iterator[str]:
    """One JSON line per source: id, clean text (bare, as ``--provenance none``) and counts of its blocks.

    ``carried``: for each source, the other fields of its input record, passed through unchanged (only the
    ``keep_fields`` ones when given); the record's id keeps its JSON type. Without, the id is the file name.

    >>> from lbdedup import Document, dedupe
    >>> result = dedupe([Document("7", "Rain at dawn.\\n\\nRain at dawn.\\n")])
    >>> print(next(render_records(result, [{"id": 7, "site": "x"}])), end="")
    {"id": 7, "text": "Rain at dawn.\\n", "lbdedup": {"blocks": 2, "kept": 1, "duplicates": 1, "boilerplate": 0}, "site": "x"}
    """  # noqa: E501  # a doctest's output is one line
    texts = render_source_texts(result, provenance=False)
    for doc, document in enumerate(result.documents):
        fields = carried[doc] if carried is not None else {}
        summary = result.sources[doc]
        record: dict[str, Any] = {
            id_field: fields.get(id_field, document.source),
            text_field: texts[doc],
            COUNTS_FIELD: {
                "blocks": summary.blocks,
                "kept": summary.kept,
                "duplicates": summary.duplicates,
                "boilerplate": summary.boilerplate,
            },
        }
        names = fields if keep_fields is None else [name for name in keep_fields if name in fields]
        for name in names:
            record.setdefault(name, fields[name])
        yield json.dumps(record, ensure_ascii=False) + "\n"


def render_records_bytes(
    result: DedupeResult,
    carried: Sequence[Mapping[str, Any]] | None = None,
    id_field: str = "id",
    text_field: str = "text",
    keep_fields: Sequence[str] | None = None,
) -> Iterator[bytes]:
    """The UTF-8 of :func:`render_records`; a lone surrogate (a file name's byte) as ``\\\\xNN``."""
    for line in render_records(result, carried, id_field, text_field, keep_fields):
        yield line.encode("utf-8", JSON_ERRORS)
