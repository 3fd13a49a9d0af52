"""Read stage: paths (or ``-`` for stdin) to decoded Documents.

The only stage that touches files. Every failure becomes an :class:`InputError` naming the source and the
reason in one line; the CLI turns it into exit code 2.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import os
import re
import stat
import sys
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import replace
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


# A page's charset is declared near its top; the HTML standard looks at the first 1024 bytes, pages seen put
# long scripts and styles before their <meta>.
HTML_CHARSET_SNIFF_BYTES = 8192
# <meta charset="x"> and <meta http-equiv="Content-Type" content="text/html; charset=x">; the bounded
# attribute run keeps a page of unclosed "<meta" from costing quadratic time.
_META_CHARSET = re.compile(rb"<meta\b[^<>]{0,1024}?charset\s*=\s*[\"']?\s*([a-z0-9._:-]{1,40})", re.I)
_XML_ENCODING = re.compile(rb"^\s*<\?xml\b[^<>]{0,200}?encoding\s*=\s*[\"']([a-z0-9._:-]{1,40})", re.I)
# Labels that browsers read as another, larger encoding (the WHATWG Encoding standard): a page declaring
# latin-1 is read as windows-1252, whose extra characters (curly quotes, the euro sign) such pages do hold.
_CHARSET_ALIASES = {
    **dict.fromkeys(
        ["iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1", "ascii", "us-ascii", "cp819",
         "ibm819", "windows-1252", "x-cp1252"],
        "cp1252",
    ),
    **dict.fromkeys(["iso-8859-9", "iso8859-9", "latin5", "l5", "windows-1254"], "cp1254"),
    **dict.fromkeys(["tis-620", "iso-8859-11", "windows-874"], "cp874"),
    **dict.fromkeys(
        ["shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "ms932", "windows-31j", "csshiftjis"],
        "cp932",
    ),
    **dict.fromkeys(["gb2312", "gbk", "x-gbk", "chinese", "csgb2312", "gb_2312-80", "gb_2312"], "gb18030"),
    **dict.fromkeys(["euc-kr", "ks_c_5601-1987", "windows-949", "cseuckr"], "cp949"),
    **dict.fromkeys(["big5", "big5-hkscs", "x-x-big5"], "big5hkscs"),
    # A <meta> that the parser can read is ASCII: a page declaring UTF-16 there is not UTF-16.
    **dict.fromkeys(["utf-16", "utf-16le", "utf-16be", "utf-32", "utf-32le", "utf-32be"], "utf-8"),
}  # fmt: skip
# Python codecs that no web page is written in: a page naming one is read as if it named none.
_NOT_WEB_CODECS = frozenset(
    {"unicode-escape", "raw-unicode-escape", "utf-7", "idna", "punycode", "undefined"}
)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def declared_charset(data: bytes) -> str | None:
    """The Python codec of the charset an HTML page declares in its first bytes, or None.

    >>> declared_charset(b'<html><head><meta charset="ISO-8859-2"><title>')
    'iso8859-2'
    >>> declared_charset(b'<meta http-equiv="Content-Type" content="text/html; charset=latin1">')
    'cp1252'
    >>> declared_charset(b"<html><body>no charset here"), declared_charset(b'<meta charset="rot13">')
    (None, None)
    """
    head = data[:HTML_CHARSET_SNIFF_BYTES]
    found = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    if found is None:
        return None
    label = found.group(1).decode("ascii").lower()
    label = _CHARSET_ALIASES.get(label, label)
    try:
        info = codecs.lookup(label)
    except LookupError:
        return None
    if not info._is_text_encoding or info.name in _NOT_WEB_CODECS:
        return None
    return info.name


def _sniff_format(source: str, data: bytes) -> str:
    """The format :func:`detect_format` gives, from the name and the first bytes (before decoding)."""
    head = data[:2048]
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return detect_format(source, head[len(bom) :].decode(codec, "ignore"))
    return detect_format(source, head.decode("latin-1"))


def _replaced(data: bytes, codec: str) -> tuple[str, int]:
    """``data`` decoded with U+FFFD for what ``codec`` cannot read, and how many were put in."""
    text = data.decode(codec, "replace")
    count = text.count("\ufffd")
    if count:
        # A U+FFFD the page itself spelled is no replacement.
        with contextlib.suppress(UnicodeError):
            count -= data.count("\ufffd".encode(codec))
    return text, max(0, count)


# charset-normalizer's readings this close to its best one are as good (on a short page it cannot tell
# French in windows-1252 from the same bytes in windows-1250 or -1257).
DETECT_CHAOS_MARGIN = 0.05
# A non-ASCII character between letters that is not a quote or dash: a symbol no word holds if it is not a
# letter ("og\u00b3osi\u00b3o": Polish windows-1250 read as windows-1252).
_ODD_IN_WORD = re.compile(
    r"(?<=[^\W\d_])[^\x00-\x7f\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00b7](?=[^\W\d_])"
)


# The letters beyond ASCII of the languages written in windows-1252 (French, Italian, Spanish, Portuguese,
# Catalan, German, Dutch, the Nordic languages, Icelandic) and in windows-1250 (Polish, Czech, Slovak,
# Hungarian, Croatian and Slovene, Romanian). A reading whose letters one language's alphabet holds is a
# language; one that needs letters of several (Czech read as windows-1252: "Hasièi odèerpali vodu ze sklepù")
# is a misreading. charset-normalizer cannot tell these two apart where the letters are letters in both.
_ALPHABETS = {
    "cp1252": (
        "àâæçéèêëîïôœùûüÿ", "àèéìíîòóù", "áéíñóúü", "áâãàçéêíóôõú", "àçèéíïòóú", "äöüß", "éèëïóöü",
        "åäöéæø", "áðéíóúýþæö",
    ),
    "cp1250": (
        "ąćęłńóśźż", "áčďéěíňóřšťúůýž", "áäčďéíĺľňóôŕšťúýž", "áéíóöőúüű", "čćđšž", "ăâîşţ",
    ),
}  # fmt: skip
# windows-1250 is taken over windows-1252 when one of its alphabets holds more of the letters by this much (a
# Western text quoting a foreign name fits its own alphabet less than wholly, and windows-1250 even less).
ALPHABET_MARGIN = 0.02


def _alphabet_fit(text: str, codec: str) -> float:
    """How well ``text`` reads as one language written in ``codec``: the largest share of its letters.

    The share is of its non-ASCII letters (and symbols inside words) that one alphabet holds; 1.0 when it has
    none.

    >>> czech = "Hasiči odčerpali vodu ze sklepů v Žižkově".encode("cp1250")
    >>> _alphabet_fit(czech.decode("cp1250"), "cp1250"), _alphabet_fit(czech.decode("cp1252"), "cp1252")
    (1.0, 0.6666666666666666)
    """
    letters = [char for char in text.lower() if not char.isascii() and char.isalpha()]
    letters += [odd.group() for odd in _ODD_IN_WORD.finditer(text) if not odd.group().isalpha()]
    if not letters:
        return 1.0
    counts: dict[str, int] = {}
    for char in letters:
        counts[char] = counts.get(char, 0) + 1
    return max(
        sum(n for char, n in counts.items() if char in alphabet) for alphabet in _ALPHABETS[codec]
    ) / len(letters)


def _detected(data: bytes) -> str:
    """The codec of bytes that are neither UTF-8 nor declared: charset-normalizer's guess.

    windows-1252, the web's commonest legacy encoding (and browsers' default), is taken when it is among the
    best readings and puts no symbol inside a word, unless windows-1250 reads the letters as one Central
    European language's far better.
    """
    from charset_normalizer import from_bytes

    results = from_bytes(data)
    best = results.best()
    if best is None:
        return "cp1252"
    near = {
        codecs.lookup(name).name
        for match in results
        if match.chaos <= best.chaos + DETECT_CHAOS_MARGIN
        for name in match.could_be_from_charset
    }
    if "cp1252" in near:
        western = data.decode("cp1252", "replace")
        central = data.decode("cp1250", "replace")
        if _alphabet_fit(central, "cp1250") > _alphabet_fit(western, "cp1252") + ALPHABET_MARGIN:
            return "cp1250"
        if not any(not odd.group().isalpha() for odd in _ODD_IN_WORD.finditer(western)):
            return "cp1252"
    return codecs.lookup(best.encoding).name


def _html_codec(data: bytes) -> tuple[str, bytes, bool]:
    """The codec of an HTML page read without ``--encoding``, its bytes without a BOM, and whether it had one.

    A BOM decides; then valid UTF-8 with non-ASCII bytes is UTF-8 whatever the page declares (a template
    declaring latin-1 around text a CMS wrote in UTF-8 is common, and the reverse cannot be valid UTF-8 by
    chance); then the declared charset; then charset-normalizer's guess.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec, data[len(bom) :], True
    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return "utf-8", data, False
    declared = declared_charset(data)
    if declared is not None:
        return declared, data, False
    if data.isascii():
        return "utf-8", data, False
    return _detected(data), data, False


def warn(message: str) -> None:
    """Print one warning line on stderr: what was read, but not as it was (bytes replaced)."""
    print(f"lbdedup: warning: {message}", file=sys.stderr)


def decode(source: str, data: bytes, encoding: str | None = None, fmt: str | None = None) -> Document:
    """Decode raw bytes into a Document, refusing binary data with a clear reason.

    ``encoding`` None reads text as strict UTF-8 and HTML by its BOM, its declared charset or a guess, with
    bytes that do not decode replaced (one warning line on stderr); an ``encoding`` given is strict for both.

    >>> decode("a.txt", b"\\xef\\xbb\\xbfHi\\r\\n").bom
    True
    >>> decode("a.html", b'<meta charset="iso-8859-2"><p>\\xb3\\xf3d\\xbc</p>').text[-11:]
    '<p>łódź</p>'
    """
    if encoding is None and (fmt or _sniff_format(source, data)) == "html":
        return _decode_html(source, data, fmt)
    return _decode_strict(source, data, encoding or "utf-8", fmt)


def _decode_html(source: str, data: bytes, fmt: str | None) -> Document:
    codec, body, bom = _html_codec(data)
    nul = body.find(b"\x00", 0, BINARY_SNIFF_BYTES)
    if nul >= 0 and not codec.startswith(("utf-16", "utf-32")):
        raise InputError(source, f"binary file (NUL byte at offset {nul}), not text")
    text, replaced = _replaced(body, codec)
    if replaced:
        noun = "sequence" if replaced == 1 else "sequences"
        warn(f"{source}: {replaced} invalid byte {noun} in {codec} replaced with U+FFFD")
    return _document(source, text, body, bom, codec, fmt)


def _decode_strict(source: str, data: bytes, encoding: str, fmt: str | None) -> Document:
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
    return _document(source, text, data, bom, codec, fmt)


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


def _document(source: str, text: str, data: bytes, bom: bool, codec: str, fmt: str | None) -> Document:
    """The Document of decoded ``text`` (a BOM the codec left in front of it taken off and noted)."""
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


def read_source(
    source: str, encoding: str | None = None, stdin: BinaryIO | None = None, limit: int | None = None
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
        if stdin is None and sys.stdin is None:  # started with stdin closed (`<&-`)
            raise InputError(source, "stdin is closed")
        stream = stdin if stdin is not None else sys.stdin.buffer
        try:
            data = _read_limited(source, stream, limit)
        except OSError as error:  # EBADF, EIO: a stdin that cannot be read
            raise InputError(source, f"stdin cannot be read ({error.strerror or error})") from None
        return decode(source, data, encoding)
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


def read_source_at(source: str, path: str, encoding: str | None = None) -> Document:
    """:func:`read_source` of ``path``, named ``source`` (in the Document and in any error).

    A worker of another process reads a file by its absolute path; the report speaks of it as it was given.

    >>> read_source_at("blog.txt", "/nonexistent/blog.txt")
    Traceback (most recent call last):
    ...
    lbdedup.read.InputError: blog.txt: no such file
    """
    if source == path:
        return read_source(source, encoding)
    try:
        document = read_source(path, encoding)
    except InputError as error:
        raise InputError(source, error.reason) from None
    # The name and the path end alike (the path is the name made absolute): the format read is the same.
    return replace(document, source=source)


def read_sources(
    sources: Iterable[str], encoding: str | None = None, stdin: BinaryIO | None = None
) -> tuple[Document, ...]:
    """Read every source in order; the first unreadable one raises :class:`InputError`."""
    return tuple(read_source(source, encoding, stdin) for source in sources)
