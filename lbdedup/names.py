"""How outputs show a source name whose bytes are not UTF-8.

Python hands over such a file name (from the command line, from a folder walk) with each byte it could not
decode as a lone surrogate, U+DC80 to U+DCFF (PEP 383): the name still opens the file, but no UTF-8 output
can hold it. Every output shows such a byte as ``\\xNN``, as Python's ``backslashreplace`` shows bytes: the
clean text, check and fix lines, the rich report and error messages. In the JSON outputs the backslash is
escaped, so that the string read back is that same ``\\xNN`` text. Any other lone surrogate (only a library
caller's text can hold one) shows as ``\\uNNNN``. A name that holds a real backslash followed by ``x``
and two hex digits looks the same: the escape is for people, who can still find the file by it.

Importing this module registers the two codec error handlers, :data:`TEXT_ERRORS` and :data:`JSON_ERRORS`,
for ``str.encode``; they cost nothing when there is nothing to escape.
"""

from __future__ import annotations

import codecs
from functools import partial

__all__ = ["JSON_ERRORS", "TEXT_ERRORS", "display_name"]

TEXT_ERRORS = "lbdedup-names"
JSON_ERRORS = "lbdedup-names-json"


def _escaped(backslash: str, error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    shown = []
    for char in error.object[error.start : error.end]:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # a byte kept by surrogateescape
            shown.append(f"{backslash}x{code - 0xDC00:02x}")
        elif 0xD800 <= code <= 0xDFFF:
            shown.append(f"{backslash}u{code:04x}")
        else:  # pragma: no cover - UTF-8 encodes every other code point
            raise error
    return "".join(shown), error.end


codecs.register_error(TEXT_ERRORS, partial(_escaped, "\\"))
codecs.register_error(JSON_ERRORS, partial(_escaped, "\\\\"))


def display_name(source: str) -> str:
    """``source`` as outputs show it: each byte that is not UTF-8 as ``\\xNN``.

    >>> display_name("bad\\udcffname.txt"), display_name("café.txt")
    ('bad\\\\xffname.txt', 'café.txt')
    >>> "bad\\udcffname.txt".encode("utf-8", JSON_ERRORS)
    b'bad\\\\\\\\xffname.txt'
    """
    if source.isascii():
        return source
    return source.encode("utf-8", TEXT_ERRORS).decode("utf-8")
