"""Read stage: paths (or ``-`` for stdin) to decoded Documents.

The only stage that touches files. Every failure becomes an :class:`InputError` naming the source and the
reason in one line; the CLI turns it into exit code 2.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import stat
import sys
from collections.abc import Iterable
from contextvars import ContextVar
from pathlib import PurePath
from typing import BinaryIO

from lbdedup.model import Document

__all__ = [
    "InputError",
    "decode",
    "detect_format",
    "format_size",
    "max_file_size",
    "parse_size",
    "read_source",
    "read_sources",
]

# A NUL byte in the first few KiB is what makes a file binary for grep and git too.
BINARY_SNIFF_BYTES = 8192
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdown", ".mkd"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
# Codecs whose strict decoders never give a lone surrogate (nor do the single-byte ones, which are many).
_NO_SURROGATES = frozenset({"utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"})
_SURROGATE = re.compile("[\ud800-\udfff]")


class InputError(Exception):
    """An input that cannot be read: ``str(error)`` is the one line to show the user."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


def detect_format(source: str, text: str) -> str:
    """Guess ``text``, ``markdown`` or ``html`` from the name, then from the first bytes.

    >>> detect_format("blog.md", "# Title")
    'markdown'
    >>> detect_format("-", "<!DOCTYPE html><html>")
    'html'
    """
    suffix = PurePath(source).suffix.lower() if source != "-" else ""
    if suffix in MARKDOWN_SUFFIXES:
        return "markdown"
    if suffix in HTML_SUFFIXES:
        return "html"
    head = text.lstrip()[:512].lower()
    if head.startswith(("<!doctype html", "<html")) or (head.startswith("<") and "<body" in head):
        return "html"
    return "text"


def _newline_of(data: bytes) -> str:
    crlf = data.count(b"\r\n")
    return "\r\n" if crlf and crlf * 2 >= data.count(b"\n") else "\n"


def decode(source: str, data: bytes, encoding: str = "utf-8", fmt: str | None = None) -> Document:
    """Decode raw bytes into a Document, refusing binary data with a clear reason.

    >>> decode("a.txt", b"\\xef\\xbb\\xbfHi\\r\\n").bom
    True
    """
    try:
        info = codecs.lookup(encoding)
    except (LookupError, ValueError):  # ValueError: a NUL or a lone surrogate in the name
        shown = repr(encoding[:60]) + ("..." if len(encoding) > 60 else "")
        raise InputError(source, f"unknown encoding {shown} (use a Python codec name)") from None
    if not info._is_text_encoding:  # rot13, base64, zlib...: codecs from bytes to bytes or str to str
        raise InputError(source, f"{encoding!r} is not a text encoding (use one such as utf-8 or cp1252)")
    codec = info.name
    nul = data.find(b"\x00", 0, BINARY_SNIFF_BYTES)
    if nul >= 0 and not codec.startswith("utf-16") and not codec.startswith("utf-32"):
        raise InputError(source, f"binary file (NUL byte at offset {nul}), not text")
    bom = False
    if codec == "utf-8" and data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
        bom = True
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as error:
        bad = data[error.start : error.start + 1].hex()
        raise InputError(
            source,
            f"not valid {encoding} (byte 0x{bad} at offset {error.start}); "
            "pass --encoding with the file's codec, e.g. --encoding cp1252",
        ) from None
    except UnicodeError as error:  # codecs such as idna, punycode or undefined fail without a position
        raise InputError(source, f"cannot be decoded: {error}") from None
    if codec not in _NO_SURROGATES and not text.isascii() and (lone := _SURROGATE.search(text)):
        # unicode_escape, raw_unicode_escape and utf-7 can spell half a UTF-16 pair, which is no text: no
        # output could hold it, and fix could not write it back.
        raise InputError(
            source,
            f"decoded as {encoding}, it holds a lone surrogate (U+{ord(lone.group()):04X} at character "
            f"{lone.start()}), which is not text",
        )
    if text.startswith("\ufeff"):
        text = text[1:]
        bom = True
    return Document(
        source=source,
        text=text,
        newline=_newline_of(data),
        bom=bom,
        encoding=codec,
        format=fmt or detect_format(source, text),
    )


# The size limit of :func:`read_source` when it is given none; ``--max-file-size`` sets it for a command.
DEFAULT_MAX_FILE_SIZE = 1 << 30
max_file_size: ContextVar[int] = ContextVar("max_file_size", default=DEFAULT_MAX_FILE_SIZE)
# Pipes and devices are read this much at a time, so that an endless one stops at the limit.
READ_CHUNK = 1 << 20
_SIZE = re.compile(r"(\d+)\s*([kmgt]?)(i?b)?", re.IGNORECASE)


def parse_size(text: str) -> int:
    """Bytes from ``500M``, ``2G``, ``64k`` or a plain number (powers of 1024); ValueError when not a size.

    >>> parse_size("1G"), parse_size("500m"), parse_size("4096"), parse_size("0")
    (1073741824, 524288000, 4096, 0)
    """
    found = _SIZE.fullmatch(text.strip())
    if found is None:
        raise ValueError(f"{text!r} is not a size (a number of bytes, or with a suffix: 500M, 2G)")
    power = "_kmgt".find(found.group(2).lower() or "_")
    return int(found.group(1)) << (10 * power)


def format_size(size: int) -> str:
    """A size as a person reads it: ``1 GB`` for 1 GiB, ``1.5 MB``, ``100 bytes``.

    >>> format_size(1 << 30), format_size(3 << 19), format_size(100)
    ('1 GB', '1.5 MB', '100 bytes')
    """
    for unit, shift in (("TB", 40), ("GB", 30), ("MB", 20), ("KB", 10)):
        if size >= 1 << shift:
            return f"{size / (1 << shift):.3g} {unit}"
    return f"{size} bytes"


def _too_large(source: str, limit: int) -> InputError:
    return InputError(source, f"larger than the {format_size(limit)} input limit (--max-file-size)")


def _read_limited(source: str, stream: BinaryIO, limit: int) -> bytes:
    """All of ``stream``, read a chunk at a time so that an endless one (``/dev/zero``, ``yes``) stops."""
    if limit <= 0:
        return stream.read()
    buffer = io.BytesIO()
    size = 0
    while chunk := stream.read(min(READ_CHUNK, limit + 1 - size)):
        size += len(chunk)
        if size > limit:
            raise _too_large(source, limit)
        buffer.write(chunk)
    # getvalue hands over the buffer's own bytes, without a copy.
    return buffer.getvalue()


def read_source(
    source: str, encoding: str = "utf-8", stdin: BinaryIO | None = None, limit: int | None = None
) -> Document:
    """Read one path, or stdin when ``source`` is ``-``; more than ``limit`` bytes is an InputError.

    ``limit`` defaults to :data:`max_file_size` (1 GiB unless a command set it); 0 means no limit.

    >>> read_source("/nonexistent/blog.txt")
    Traceback (most recent call last):
    ...
    lbdedup.read.InputError: /nonexistent/blog.txt: no such file
    """
    if limit is None:
        limit = max_file_size.get()
    if source == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        return decode(source, _read_limited(source, stream, limit), encoding)
    try:
        with open(source, "rb") as handle:
            status = os.fstat(handle.fileno())
            if 0 < limit < status.st_size and stat.S_ISREG(status.st_mode):
                raise _too_large(source, limit)
            data = _read_limited(source, handle, limit)
    except FileNotFoundError:
        raise InputError(source, "no such file") from None
    except IsADirectoryError:
        raise InputError(source, "is a directory, not a file") from None
    except PermissionError:
        raise InputError(source, "permission denied") from None
    except OSError as error:
        raise InputError(source, error.strerror or "cannot be read") from None
    return decode(source, data, encoding)


def read_sources(
    sources: Iterable[str], encoding: str = "utf-8", stdin: BinaryIO | None = None
) -> tuple[Document, ...]:
    """Read every source in order; the first unreadable one raises :class:`InputError`."""
    return tuple(read_source(source, encoding, stdin) for source in sources)
