"""How outputs show a source name whose bytes are not UTF-8, or that holds control characters.

Python hands over such a file name (from the command line, from a folder walk) with each byte it could not
decode as a lone surrogate, U+DC80 to U+DCFF (PEP 383): the name still opens the file, but no UTF-8 output
can hold it. Every output shows such a byte as ``\\xNN``, as Python's ``backslashreplace`` shows bytes: the
clean text, check and fix lines, the rich report and error messages. In the JSON outputs the backslash is
escaped, so that the string read back is that same ``\\xNN`` text. Any other lone surrogate (only a library
caller's text can hold one) shows as ``\\uNNNN``.

A control character in a name (a newline, ESC, BEL: C0, DEL and C1) would split a line of output or drive
the terminal, so :func:`display_name` shows it too: C0 and DEL, which are bytes of the name, as ``\\xNN``;
C1 (U+0080 to U+009F, two bytes in UTF-8) as ``\\u0080`` to ``\\u009f``, so that it never looks like a
byte that is not UTF-8. JSON outputs keep JSON's own escapes for them (``\\n``, ``\\u001b``), which are safe.

A name that holds a real backslash followed by ``x`` and two hex digits looks the same as an escaped byte:
the escape is for people, who can still find the file by it. It is not made unambiguous (by doubling such a
backslash) because error lines are escaped as a whole, names already shown included, so the escape must
give the same text when applied twice.

Importing this module registers the two codec error handlers, :data:`TEXT_ERRORS` and :data:`JSON_ERRORS`,
for ``str.encode``; they cost nothing when there is nothing to escape.
"""

from __future__ import annotations

import codecs
import re
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


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte kept by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x20 or code == 0x7F:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"  # C1 and the other lone surrogates


# C0, DEL, C1 and every lone surrogate: what would split a line, drive a terminal or not encode.
_HIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def display_name(source: str) -> str:
    """``source`` as outputs show it: each byte that is not UTF-8 and each control character escaped.

    >>> display_name("bad\\udcffname.txt"), display_name("café.txt")
    ('bad\\\\xffname.txt', 'café.txt')
    >>> display_name("no\\nsuch\\x1b[31m.txt"), display_name("c1\\x85.txt")
    ('no\\\\x0asuch\\\\x1b[31m.txt', 'c1\\\\u0085.txt')
    >>> display_name(display_name("a\\x07\\udcff")) == display_name("a\\x07\\udcff")
    True
    >>> "bad\\udcffname.txt".encode("utf-8", JSON_ERRORS)
    b'bad\\\\\\\\xffname.txt'
    """
    if source.isprintable():  # the usual name: no control character, no surrogate
        return source
    return _HIDDEN.sub(_shown, source)
