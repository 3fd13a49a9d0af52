"""Normalize stage: text to the form blocks are compared in.

NFKC, casefold, apostrophes dropped (so "Kim’s" and "Kim's" agree), every other punctuation mark (quotes,
dashes, brackets, ellipses) turned into a space, whitespace collapsed. Numbers are kept, with the separators
inside them removed ("15:53" and "15.53" agree, "05:59" and "05:43" do not), since they carry meaning.

The work is done on all blocks of a run at once, with numpy over the UTF-8 bytes of all texts: a Python loop
per block or per character would cost seconds on a large run.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import cache
from itertools import compress, count
from operator import not_

import numpy as np
import numpy.typing as npt

__all__ = ["normalize", "normalize_many", "number_tokens"]

U8 = npt.NDArray[np.uint8]
I64 = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_APOSTROPHES = frozenset("'`’‘ʼ´")
# ``\d`` is what makes a word a number; str.split and ``\s`` agree on every whitespace character.
_DIGIT = re.compile(r"\d").search
# Bytes per piece of the buffer the passes run on (see ``_normalize_joined``).
CHUNK_BYTES = 1 << 20
# Where a long line may be cut: a letter or digit before a space and another (see ``_normalize_joined``).
_CUT_SPACE = re.compile(rb"[A-Za-z0-9](?= [A-Za-z0-9])")
# normalize_many joins this many texts at a time (a few megabytes of typical blocks).
TEXTS_PER_PASS = 1 << 15
# Once translated, a byte 0 marks a byte to drop and a byte 1 a separator for the digit rule: any other
# control byte is a space by then.
_DROP = 0
_SEPARATOR = 1
_SPACE = ord(" ")
_NEWLINE = ord("\n")
# Runs of spaces that end lines are followed back this far at once; longer runs are rare.
_SHORT_RUN = 8
_ZERO, _TEN = np.uint8(ord("0")), np.uint8(10)


def _ascii_table() -> bytes:
    """What each ASCII byte becomes; non-ASCII bytes pass through, whole characters are dealt with later.

    Letters and digits are lowercased (that is casefold, for ASCII), newlines kept (they part the texts),
    apostrophes marked for dropping, separators marked for the digit rule, everything else a space.
    """
    table = bytearray(range(256))
    for code in range(128):
        char = chr(code)
        if char in _APOSTROPHES:
            table[code] = _DROP
        elif char in ".,:":
            table[code] = _SEPARATOR
        elif char.isalnum():
            table[code] = ord(char.lower())
        elif char != "\n":
            table[code] = _SPACE
    return bytes(table)


_ASCII_TABLE = _ascii_table()


@cache
def _final_form(char: str) -> str:
    """What one character (already NFKC) turns into.

    Its casefold, with apostrophes dropped, letters and digits kept and every other character a space.
    Casefolding works character by character and never yields a digit, a separator or a newline (the tests
    check all of Unicode), so it commutes with the byte passes, which may run before it.
    """
    return "".join(
        "" if folded in _APOSTROPHES else folded if folded.isalnum() else " " for folded in char.casefold()
    )


def _normalize_slowly(text: str) -> str:
    """One prepared text, step by step on a string: for the rare texts with a character that grows."""
    unseparated = "".join(re.split("(?<=[0-9])[.,:](?=[0-9])", text))
    return " ".join("".join(map(_final_form, unseparated)).split())


def _replace_non_ascii(data: U8, out: U8) -> list[str]:
    """Write the final form of every non-ASCII character over its bytes, padded with drop marks.

    Returns the characters whose final form is longer than their UTF-8 (a few Greek letters with accents):
    the texts holding them are redone one by one.
    """
    leads = np.flatnonzero(data >= 0xC0)
    if not len(leads):
        return []
    first = data[leads]
    lengths = np.where(first >= 0xF0, 4, np.where(first >= 0xE0, 3, 2))
    # The UTF-8 bytes of each character, packed little-endian into one integer, tell the characters apart.
    codes = first.astype(np.uint32)
    for offset in (1, 2, 3):
        longer = lengths > offset
        codes[longer] |= data[leads[longer] + offset].astype(np.uint32) << np.uint32(8 * offset)
    distinct, inverse = np.unique(codes, return_inverse=True)
    replacements = np.full((len(distinct), 4), _DROP, dtype=np.uint8)
    growing: list[str] = []
    for row, code in enumerate(distinct.tolist()):
        encoded = code.to_bytes(4, "little").rstrip(b"\0")
        char = encoded.decode("utf-8")
        final = _final_form(char).encode("utf-8")
        if len(final) > len(encoded):
            growing.append(char)
            final = b" "
        replacements[row, : len(final)] = np.frombuffer(final, dtype=np.uint8)
    inverse = inverse.reshape(-1)
    for offset in range(4):
        inside = lengths > offset
        out[leads[inside] + offset] = replacements[inverse[inside], offset]
    return growing


def _settle_separators(out: U8, keep: BoolArray) -> None:
    """Drop the separators between two ASCII digits (as ``rb"(\\d)[.,:](?=\\d)"`` finds them); space the rest.

    Casefolding never makes or takes a digit, so the digits of ``out`` are those of the text.
    """
    separators = np.flatnonzero(out == _SEPARATOR)
    # The piece ends with a newline, so a separator is never last, and one at 0 looks at that newline.
    before = out[separators - 1] - _ZERO
    after = out[separators + 1] - _ZERO
    between = (before < _TEN) & (after < _TEN)
    keep[separators[between]] = False
    out[separators[~between]] = _SPACE


def _settle_drops(out: U8, keep: BoolArray) -> None:
    """Drop a run of marked bytes between two word bytes, joining them ("kim’s" -> "kims").

    Any other run of marks touches a space or a newline: it is a gap anyway, and becomes spaces.
    """
    marks = np.flatnonzero(out == _DROP)
    if not len(marks):
        return
    run_starts = np.empty(len(marks), dtype=bool)
    run_starts[0] = True
    np.not_equal(marks[1:], marks[:-1] + 1, out=run_starts[1:])
    run_ends = np.append(run_starts[1:], True)
    left = out[marks[run_starts] - 1]
    right = out[marks[run_ends] + 1]
    inside_word = (left != _SPACE) & (left != _NEWLINE) & (right != _SPACE) & (right != _NEWLINE)
    joining = inside_word[np.cumsum(run_starts) - 1]
    keep[marks[joining]] = False
    out[marks[~joining]] = _SPACE


def _trailing_spaces(out: U8, space: BoolArray) -> I64:
    """The first space of each run of spaces that ends a line (the only one the run still keeps)."""
    newlines = np.flatnonzero(out == _NEWLINE)
    # A newline at 0 looks at the piece's last byte, a newline too.
    ending = np.flatnonzero(space[newlines - 1])
    first = newlines[ending] - 1
    for _ in range(_SHORT_RUN):
        longer = space[first - 1]
        if not longer.any():
            return first
        first -= longer
    # A few long runs ("----------" lines): look for where each starts within its own line.
    for at in np.flatnonzero(space[first - 1]).tolist():
        line_start = int(newlines[ending[at] - 1]) + 1 if ending[at] else 0
        first[at] = line_start + len(out[line_start : first[at]].tobytes().rstrip(b" "))
    return first


def _normalize_piece(raw: bytes) -> tuple[bytes, list[str]]:
    """Normalize texts joined by newlines, the last one ended by one; joined the same way.

    Also returns the characters that need the slow path (see ``_replace_non_ascii``).
    """
    out = np.frombuffer(bytearray(raw.translate(_ASCII_TABLE)), dtype=np.uint8)
    growing = [] if raw.isascii() else _replace_non_ascii(np.frombuffer(raw, dtype=np.uint8), out)
    keep = np.ones(len(out), dtype=bool)
    _settle_separators(out, keep)
    _settle_drops(out, keep)
    # Runs of spaces keep their first space, unless they start a line or end it.
    space = out == _SPACE
    after_blank = np.empty(len(out), dtype=bool)
    after_blank[0] = True
    np.logical_or(space[:-1], out[:-1] == _NEWLINE, out=after_blank[1:])
    np.logical_and(space, after_blank, out=after_blank)
    np.logical_not(after_blank, out=after_blank)
    keep &= after_blank
    keep[_trailing_spaces(out, space)] = False
    return out[keep].tobytes(), growing


def _normalize_joined(raw: bytes) -> tuple[bytes, list[str]]:
    """Normalize texts joined by newlines, the last one ended by one, piece by piece.

    The pieces are cut after newlines and small, so that the temporaries of the passes stay in the
    processor's cache.
    """
    normalized = []
    growing: list[str] = []
    low = 0
    while low < len(raw):
        end = raw.find(b"\n", low + CHUNK_BYTES, low + 2 * CHUNK_BYTES)
        if end < 0:
            # A text of megabytes on one line: cut it at a space between two ASCII letters or digits, which
            # normalizes as a line end would (the line then goes on). A memory bound, not a speed-up.
            space = _CUT_SPACE.search(raw, low + CHUNK_BYTES, low + 2 * CHUNK_BYTES)
            if space is not None:
                piece, piece_growing = _normalize_piece(raw[low : space.end()] + b"\n")
                normalized.append(piece[:-1] + b" ")
                growing += piece_growing
                low = space.end() + 1
                continue
            end = raw.find(b"\n", low + CHUNK_BYTES)
        high = end + 1 if end >= 0 else len(raw)
        piece, piece_growing = _normalize_piece(raw[low:high])
        normalized.append(piece)
        growing += piece_growing
        low = high
    return b"".join(normalized), growing


def _prepared(text: str) -> str:
    """A text on one line, in NFKC (most already are, and the quick check costs far less)."""
    if "\n" in text or "\r" in text:
        text = text.replace("\r", " ").replace("\n", " ")
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


def _normalize_ascii(texts: list[str]) -> list[str]:
    """Normalize ASCII texts: already NFKC, and they decode back as cheap ASCII strings."""
    joined = "\n".join(texts) + "\n"
    if joined.count("\n") != len(texts):
        joined = "\n".join(text.replace("\n", " ") for text in texts) + "\n"
    normalized, _ = _normalize_joined(joined.encode("ascii"))
    return normalized.decode("ascii").split("\n")[:-1]


def normalize_many(texts: Sequence[str]) -> list[str]:
    """Normalize many texts in one pass; the result has one string per input, in order.

    All texts go through a few numpy passes over their UTF-8 bytes; the ASCII texts (most) in one buffer,
    the others in a second one, so that decoding the first gives cheap ASCII strings.

    >>> normalize_many(["Kim’s train — “armoured”", "At 15:53 BST…"])
    ['kims train armoured', 'at 1553 bst']
    """
    ascii_texts = list(texts)
    others = list(compress(count(), map(not_, map(str.isascii, ascii_texts))))
    for index in others:
        ascii_texts[index] = ""
    results: list[str] = []
    # A batch of texts at a time: the joined copies of a whole run's text would cost more memory than the
    # results themselves.
    for start in range(0, len(ascii_texts), TEXTS_PER_PASS):
        results += _normalize_ascii(ascii_texts[start : start + TEXTS_PER_PASS])
    for start in range(0, len(others), TEXTS_PER_PASS):
        batch = others[start : start + TEXTS_PER_PASS]
        prepared = [_prepared(texts[index]) for index in batch]
        normalized, growing = _normalize_joined(("\n".join(prepared) + "\n").encode("utf-8"))
        for index, text in zip(batch, normalized.decode("utf-8").split("\n"), strict=False):
            results[index] = text
        if growing:
            for index, text in zip(batch, prepared, strict=True):
                if any(char in text for char in growing):
                    results[index] = _normalize_slowly(text)
    return results


def normalize(text: str) -> str:
    """Normalize one text.

    >>> normalize("  Goal!  Rovers 2-1 City ")
    'goal rovers 2 1 city'
    """
    return normalize_many([text])[0]


def number_tokens(normalized: str, words: Sequence[str] | None = None) -> tuple[str, ...]:
    """The words of a normalized text that carry a digit, sorted: blocks whose numbers differ are not copies.

    ``words`` is ``normalized.split()`` when the caller already has it.

    >>> number_tokens("rovers 2 1 city at 3pm")
    ('1', '2', '3pm')
    """
    if not _has_digit(normalized):
        return ()
    return tuple(sorted(filter(_DIGIT, normalized.split() if words is None else words)))


def _has_digit(text: str) -> bool:
    """Whether ``text`` holds a decimal digit (``\\d``), by ten quick scans when it is ASCII."""
    if text.isascii():
        return (
            "0" in text
            or "1" in text
            or "2" in text
            or "3" in text
            or "4" in text
            or "5" in text
            or "6" in text
            or "7" in text
            or "8" in text
            or "9" in text
        )
    return _DIGIT(text) is not None
