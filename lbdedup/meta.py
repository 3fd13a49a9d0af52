"""Recognise the meta lines of a live blog: timestamps and bylines.

Pure functions over one line of text; the segmenter uses them to give blocks their kind.
"""

from __future__ import annotations

import re

__all__ = ["is_byline", "is_timestamp"]

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAYS = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday|rsday)?\.?"
_ZONE = r"(?:[A-Z]{2,5}(?:[+-]\d{1,2})?|GMT[+-]\d{1,2}|UTC[+-]?\d{0,2})"
_CLOCK = r"\d{1,2}(?:[:.]\d{2}){1,2}\s*(?:[ap]\.?m\.?)?|\d{1,2}\s*[ap]\.?m\.?"
_DATE = (
    rf"\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS},?\s+\d{{4}}"
    rf"|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}"
    rf"|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?"
    r"|\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|\d{1,2}/\d{1,2}/\d{2,4}"
)
_RELATIVE = r"\d+\s*(?:s|sec|secs|m|min|mins|h|hr|hrs|d|seconds?|minutes?|hours?|days?)\s+ago|just now"
# One piece of a timestamp line; a line is a timestamp when such pieces cover all of it. Matching piece by
# piece from left to right (never one regex with nested repetition) keeps the cost linear in the line.
_PIECE = re.compile(
    rf"[\s,|·•–—-]*(?:{_DATE}|{_CLOCK}|{_RELATIVE}|{_WEEKDAYS}|updated|published|posted|last|at|on"
    rf"|(?-i:{_ZONE}))(?![\w])[\s,|·•–—-]*",
    re.IGNORECASE,
)
# A byline glued to its timestamp ("Arpan Rai13 September 2023 05:59") is still a timestamp line.
_GLUED_NAME = re.compile(r"(?:[Bb]y\s+)?[A-Z][a-z’'.-]+(?:\s+[A-Z][a-z’'.-]+){1,3}\s*")
_HAS_TIME = re.compile(rf"{_CLOCK}|{_DATE}|{_RELATIVE}", re.IGNORECASE)
_NAME_WORD = r"[A-Z][a-z’'.-]+|[A-Z]{1,3}\.?|(?:Mc|Mac|O’|O')[A-Z][a-z]+|van|von|de|da|del|al|bin"
_BYLINE = re.compile(
    rf"^\s*(?:(?:by|from)\s+)?(?:{_NAME_WORD})(?:\s+(?:{_NAME_WORD})){{1,3}}"
    rf"(?:\s*(?:,|and|&|in)\s*(?:{_NAME_WORD})(?:\s+(?:{_NAME_WORD})){{0,3}})?\s*$"
)
_DIGIT = re.compile(r"\d")
_BY_PREFIX = re.compile(r"^\s*by\s+\S", re.IGNORECASE)
MAX_TIMESTAMP_CHARS = 80
MAX_BYLINE_CHARS = 60


def _pieces_cover(text: str, position: int) -> bool:
    while position < len(text):
        piece = _PIECE.match(text, position)
        if piece is None or piece.end() == position:
            return False
        position = piece.end()
    return True


def is_timestamp(line: str) -> bool:
    """True when ``line`` is only a time, a date, or both (with an optional glued byline).

    >>> is_timestamp("15.53 BST"), is_timestamp("Updated at 3.53pm")
    (True, True)
    >>> is_timestamp("Arpan Rai13 September 2023 05:59")
    True
    >>> is_timestamp("Goal! Rovers 2-1 City"), is_timestamp("Rain 14:05")
    (False, False)
    """
    text = line.strip()
    if not text or len(text) > MAX_TIMESTAMP_CHARS:
        return False
    if not _DIGIT.search(text) and "just now" not in text.lower():
        return False
    if not _HAS_TIME.search(text):
        return False
    if _pieces_cover(text, 0):
        return True
    name = _GLUED_NAME.match(text)
    return name is not None and _pieces_cover(text, name.end())


def is_byline(line: str) -> bool:
    """True when ``line`` looks like an author credit: "By Jane Doe", "Justin McCurry".

    Bare capitalised words are only a byline when there are two to four of them, so "Key events" or a
    one-word label is not.

    >>> is_byline("Justin McCurry"), is_byline("By Helen Livingstone in Kyiv"), is_byline("Power players")
    (True, True, False)
    """
    text = line.strip()
    if not text or len(text) > MAX_BYLINE_CHARS or _DIGIT.search(text):
        return False
    if _BY_PREFIX.match(text):
        return len(text.split()) <= 8
    return _BYLINE.match(text) is not None
