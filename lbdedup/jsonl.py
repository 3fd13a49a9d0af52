"""Read JSONL streams of documents: one record a line, ``{"id", "text"}`` or ``{"id", "html"}``.

Each record becomes one source, named by its id, so the report and the JSONL output speak of record ids.
A bad record stops the run with an :class:`~lbdedup.read.InputError` naming ``file:line``. JSON can spell
what is not text, a lone surrogate (``"\\ud800"``, a UTF-16 string cut in half): it becomes U+FFFD, as jq
and browsers read it, so that every output stays valid UTF-8.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, BinaryIO

from lbdedup.model import Document
from lbdedup.read import MARKDOWN_SUFFIXES, InputError, read_source, read_source_at

__all__ = [
    "JsonlFields",
    "jsonl_records_with_places",
    "parse_jsonl",
    "read_jsonl_records",
    "read_jsonl_sources",
]

# A lone surrogate can only come from a JSON escape: a line without one needs no repair.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class JsonlFields:
    """The names of the fields that hold a record's id, plain text and HTML."""

    id: str = "id"
    text: str = "text"
    html: str = "html"


class _Digits(str):
    """An integer too long for Python to convert (over 4,300 digits), kept as its digits."""


def _integer(digits: str) -> int | str:
    try:
        return int(digits)
    except ValueError:
        return _Digits(digits)


def _loads(line: str) -> Any:
    try:
        return json.loads(line)
    except json.JSONDecodeError:
        raise
    except ValueError:
        # int() refuses digit strings over 4,300 digits (converting them takes quadratic time): a field the
        # record does not use may hold one harmlessly, and an id keeps its digits. Only such a line pays for
        # the hook, which would slow every integer down.
        return json.loads(line, parse_int=_integer)


def _text(value: Any) -> str | None:
    """A string field's value, or None when it is not a string."""
    return value if isinstance(value, str) and not isinstance(value, _Digits) else None


def _record_id(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):  # an integer too long to convert (_Digits) too: its digits
        return value if value.strip() else None
    if isinstance(value, int | float):
        return str(value)
    return None


def _without_surrogates(record: Any, fields: JsonlFields) -> Any:
    """``record`` with U+FFFD for each lone surrogate in the fields that are read."""
    if not isinstance(record, dict):
        return record
    repaired = dict(record)
    for name in (fields.id, fields.text, fields.html):
        value = _text(repaired.get(name))
        if value is not None:
            repaired[name] = _SURROGATE.sub("\ufffd", value)
    return repaired


def _document(where: str, record: Any, fields: JsonlFields) -> Document:
    if not isinstance(record, dict):
        raise InputError(where, f"a record must be a JSON object, not {type(record).__name__}")
    ident = _record_id(record.get(fields.id))
    if ident is None:
        if fields.id not in record:
            raise InputError(where, f'no "{fields.id}" field (a non-empty string or a number)')
        value = record[fields.id]
        if isinstance(value, str):
            raise InputError(where, f'"{fields.id}" is empty (a record needs an id)')
        kind = "null" if value is None else type(value).__name__
        raise InputError(where, f'"{fields.id}" must be a non-empty string or a number, not {kind}')
    html = record.get(fields.html)
    text = record.get(fields.text)
    if html is not None and _text(html) is None:
        raise InputError(where, f'"{fields.html}" must be a string')
    if text is not None and _text(text) is None:
        raise InputError(where, f'"{fields.text}" must be a string')
    if html is not None:
        return Document(ident, html, format="html")
    if text is not None:
        markdown = PurePath(ident).suffix.lower() in MARKDOWN_SUFFIXES
        return Document(ident, text, format="markdown" if markdown else "text")
    raise InputError(where, f'no "{fields.text}" or "{fields.html}" field')


def _records(source: str, text: str, fields: JsonlFields) -> Iterator[tuple[int, Document, dict[str, Any]]]:
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            record = _loads(line)
        except json.JSONDecodeError as error:
            raise InputError(where, f"not valid JSON ({error.msg} at column {error.colno})") from None
        except RecursionError:
            raise InputError(where, "not valid JSON (nested too deeply)") from None
        if _SURROGATE_ESCAPE.search(line):
            record = _without_surrogates(record, fields)
        yield number, _document(where, record, fields), record


def parse_jsonl(source: str, text: str, fields: JsonlFields | None = None) -> tuple[Document, ...]:
    """The documents of one JSONL stream, in order; blank lines are skipped.

    >>> [(d.source, d.format) for d in parse_jsonl("feed.jsonl", '{"id": 7, "text": "Rain."}\\n\\n'
    ...                                                            '{"id": "b", "html": "<p>Sun.</p>"}\\n')]
    [('7', 'text'), ('b', 'html')]
    >>> parse_jsonl("feed.jsonl", '{"id": 1, "text": "ok"}\\n{"id": 2, "text": \\n')
    Traceback (most recent call last):
    ...
    lbdedup.read.InputError: feed.jsonl:2: not valid JSON (Expecting value at column 19)
    """
    return tuple(document for _, document, _ in _records(source, text, fields or JsonlFields()))


def read_jsonl_sources(
    sources: Iterable[str],
    encoding: str | None = None,
    fields: JsonlFields | None = None,
    stdin: BinaryIO | None = None,
) -> tuple[Document, ...]:
    """The records of every JSONL input (paths, or ``-`` for stdin) as documents, in order.

    Record ids name the sources of the report, so an id used twice is refused.
    """
    return read_jsonl_records(sources, encoding, fields, stdin, carried=None)


def read_jsonl_records(
    sources: Iterable[str],
    encoding: str | None = None,
    fields: JsonlFields | None = None,
    stdin: BinaryIO | None = None,
    carried: list[dict[str, Any]] | None = None,
) -> tuple[Document, ...]:
    """:func:`read_jsonl_sources`, and each record's other fields (all but text and HTML) put in ``carried``.

    >>> carried: list[dict[str, Any]] = []
    >>> import io
    >>> stream = io.BytesIO(b'{"id": 7, "text": "Rain.", "site": "x"}\\n')
    >>> [d.source for d in read_jsonl_records(["-"], stdin=stream, carried=carried)], carried
    (['7'], [{'id': 7, 'site': 'x'}])
    """
    documents: list[Document] = []
    seen: dict[str, str] = {}
    for document, where in jsonl_records_with_places(sources, encoding, fields, carried, stdin):
        if document.source in seen:
            raise InputError(
                where, f"record id {document.source!r} is already used at {seen[document.source]}"
            )
        seen[document.source] = where
        documents.append(document)
    return tuple(documents)


def jsonl_records_with_places(
    sources: Iterable[str],
    encoding: str | None = None,
    fields: JsonlFields | None = None,
    carried: list[dict[str, Any]] | None = None,
    stdin: BinaryIO | None = None,
    paths: Sequence[str] = (),
) -> Iterator[tuple[Document, str]]:
    """Each record of ``sources`` as a Document, with its place ("file:line"); ids are not checked here.

    ``paths``, when given, are where the sources are read from (one each): a worker reads absolute paths.

    >>> import io
    >>> stream = io.BytesIO(b'{"id": "a", "text": "Rain."}\\n{"id": "a", "text": "Sun."}\\n')
    >>> [(d.source, place) for d, place in jsonl_records_with_places(["-"], stdin=stream)]
    [('a', '-:1'), ('a', '-:2')]
    """
    names = fields or JsonlFields()
    sources = list(sources)
    for source, path in zip(sources, paths or sources, strict=True):
        stream = (
            read_source(source, encoding, stdin) if path == source else read_source_at(source, path, encoding)
        )
        for number, document, record in _records(source, stream.text, names):
            if carried is not None:
                carried.append(
                    {key: value for key, value in record.items() if key not in (names.text, names.html)}
                )
            yield document, f"{source}:{number}"
