"""Normalize stage: text to the form blocks are compared in.

NFKC, casefold, apostrophes dropped (so "Kim’s" and "Kim's" agree), every other punctuation mark (quotes,
dashes, brackets, ellipses) turned into a space, whitespace collapsed. Numbers are kept, with the separators
inside them removed ("15:53" and "15.53" agree, "05:59" and "05:43" do not), since they carry meaning.

The work is done on all blocks of a run at once: a handful of C-level passes over one big string instead of
a Python loop per block.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

__all__ = ["normalize", "normalize_many", "number_tokens"]

_APOSTROPHES = ("'", "`", "’", "‘", "ʼ", "´")
_DIGIT_SEPARATOR = re.compile(rb"(\d)[.,:](?=\d)")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_NUMBER_WORD = re.compile(r"\S*\d\S*")


def _ascii_punctuation_table() -> bytes:
    table = bytearray(range(256))
    for code in range(128):
        char = chr(code)
        if not char.isalnum() and char != "\n":
            table[code] = ord(" ")
    return bytes(table)


_ASCII_TABLE = _ascii_punctuation_table()


def _nfkc(texts: Sequence[str]) -> list[str]:
    # The quick check is far cheaper than normalizing; most blocks are already in NFKC.
    return [
        text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)
        for text in texts
    ]


def normalize_many(texts: Sequence[str]) -> list[str]:
    """Normalize many texts in one pass; the result has one string per input, in order.

    ASCII punctuation is mapped to spaces with one ``bytes.translate`` over the UTF-8 of all texts; the few
    distinct non-ASCII characters present are then sorted into word characters (kept) and the rest (spaced).

    >>> normalize_many(["Kim’s train — “armoured”", "At 15:53 BST…"])
    ['kims train armoured', 'at 1553 bst']
    """
    if not texts:
        return []
    flat = [
        text.replace("\r", " ").replace("\n", " ") if "\n" in text or "\r" in text else text for text in texts
    ]
    folded = "\n".join(_nfkc(flat)).casefold()
    raw = _DIGIT_SEPARATOR.sub(rb"\1", folded.encode("utf-8"))
    for apostrophe in _APOSTROPHES:
        raw = raw.replace(apostrophe.encode("utf-8"), b"")
    folded = raw.translate(_ASCII_TABLE).decode("utf-8")
    if not folded.isascii():
        marks = sorted(char for char in set(_NON_ASCII.findall(folded)) if not char.isalnum())
        if marks:
            folded = re.sub("[" + "".join(re.escape(char) for char in marks) + "]", " ", folded)
    return [" ".join(line.split()) for line in folded.split("\n")]


def normalize(text: str) -> str:
    """Normalize one text.

    >>> normalize("  Goal!  Rovers 2-1 City ")
    'goal rovers 2 1 city'
    """
    return normalize_many([text])[0]


def number_tokens(normalized: str) -> tuple[str, ...]:
    """The words of a normalized text that carry a digit, sorted: blocks whose numbers differ are not copies.

    >>> number_tokens("rovers 2 1 city at 3pm")
    ('1', '2', '3pm')
    """
    return tuple(sorted(_NUMBER_WORD.findall(normalized)))
