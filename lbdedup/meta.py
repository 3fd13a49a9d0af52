"""Recognise the meta lines of a live blog: timestamps and bylines.

Pure functions over one line of text; the segmenter uses them to give blocks their kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from lbdedup.model import _quick_init

__all__ = [
    "ParsedTime",
    "find_date",
    "is_byline",
    "is_timestamp",
    "is_update_line",
    "iso_time",
    "parse_time",
]

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAYS = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday|rsday)?\.?"
# Month names of the French, German, Spanish and Italian pages seen (full names, and the abbreviations no
# other word spells: not the Spanish and Italian "ago", which "2h ago" holds, nor the Italian "set").
MONTH_NAMES = {
    **dict.fromkeys(["janvier", "janv", "januar", "jänner", "jän", "enero", "ene", "gennaio", "gen"], 1),
    **dict.fromkeys(["février", "fevrier", "févr", "fevr", "februar", "febrero", "febbraio"], 2),
    **dict.fromkeys(["mars", "märz", "mär", "marzo"], 3),
    **dict.fromkeys(["avril", "avr", "abril", "abr", "aprile"], 4),
    **dict.fromkeys(["mai", "mayo", "maggio", "mag"], 5),
    **dict.fromkeys(["juin", "juni", "junio", "giugno", "giu"], 6),
    **dict.fromkeys(["juillet", "juil", "juli", "julio", "luglio", "lug"], 7),
    **dict.fromkeys(["août", "aout", "agosto"], 8),
    **dict.fromkeys(["septembre", "septiembre", "setiembre", "settembre"], 9),
    **dict.fromkeys(["octobre", "oktober", "okt", "octubre", "ottobre", "ott"], 10),
    **dict.fromkeys(["novembre", "noviembre"], 11),
    **dict.fromkeys(["décembre", "decembre", "déc", "dezember", "dez", "diciembre", "dic", "dicembre"], 12),
}  # fmt: skip
_MONTHS_OTHER = "(?:" + "|".join(sorted(MONTH_NAMES, key=len, reverse=True)) + r")\.?"
_WEEKDAYS_OTHER = (
    r"(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|montag|dienstag|mittwoch|donnerstag|freitag"
    r"|samstag|sonnabend|sonntag|lunes|martes|miércoles|miercoles|jueves|viernes|sábado|sabado|domingo"
    r"|lunedì|lunedi|martedì|martedi|mercoledì|mercoledi|giovedì|giovedi|venerdì|venerdi|sabato|domenica)"
)
# Words around a time in those languages: "à 05h59", "a las 05:59", "alle ore 16:48", "um 12.31 Uhr",
# "Mis à jour le", "Stand:", "actualizado el".
_TIME_WORDS_OTHER = (
    r"uhr|ore|horas|heures?|à|a\s+las|alle|um|am|le|el|il|de|del|dem|mis\s+à\s+jour|publié|stand"
    r"|aktualisiert|veröffentlicht|actualizado|publicado|aggiornato|pubblicato"
)
_ZONE = r"(?:[A-Z]{2,5}(?:[+-]\d{1,2})?|GMT[+-]\d{1,2}|UTC[+-]?\d{0,2})"
# A clock, with what follows it in English ("pm") or in Spanish ("05:59 h", "05:59 hs").
_CLOCK = r"\d{1,2}(?:[:.]\d{2}){1,2}\s*(?:[ap]\.?m\.?|hs?\b)?|\d{1,2}\s*[ap]\.?m\.?|\d{1,2}h\d{2}"
_DATE = (
    rf"\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS},?\s+\d{{4}}"
    rf"|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}"
    rf"|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?"
    r"|\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|\d{1,2}/\d{1,2}/\d{2,4}"
    # "27. August 2024", "1er novembre", "13 de septiembre de 2023", "27.08.2024".
    rf"|\d{{1,2}}(?:\.|er|º)?\s+(?:de\s+)?(?:{_MONTHS_OTHER}|{_MONTHS})(?:,?\s+(?:de\s+|del\s+)?\d{{4}})?"
    r"|\d{1,2}\.\d{1,2}\.\d{4}"
)
_RELATIVE = r"\d+\s*(?:s|sec|secs|m|min|mins|h|hr|hrs|d|seconds?|minutes?|hours?|days?)\s+ago|just now"
# One piece of a timestamp line; a line is a timestamp when such pieces cover all of it. Matching piece by
# piece from left to right (never one regex with nested repetition) keeps the cost linear in the line.
_PIECE = re.compile(
    rf"[\s,|·•–—-]*(?:{_DATE}|{_CLOCK}|{_RELATIVE}|{_WEEKDAYS}|updated|published|posted|last|at|on"
    rf"|{_WEEKDAYS_OTHER}|{_TIME_WORDS_OTHER}|(?-i:{_ZONE}))(?![\w])[\s,|·•–—:-]*",
    re.IGNORECASE,
)
# A byline glued to its timestamp ("Arpan Rai13 September 2023 05:59") is still a timestamp line.
_GLUED_NAME = re.compile(r"(?:[Bb]y\s+)?[A-Z][a-z’'.-]+(?:\s+[A-Z][a-z’'.-]+){1,3}\s*")
_HAS_TIME = re.compile(rf"{_CLOCK}|{_DATE}|{_RELATIVE}", re.IGNORECASE)
_NAME_WORD = r"[A-Z][a-z’'.-]+|[A-Z]{1,3}\.?|(?:Mc|Mac|O’|O')[A-Z][a-z]+|van|von|de|da|del|al|bin"
BYLINE_NAMES = re.compile(
    rf"^\s*(?:(?:by|from)\s+)?(?:{_NAME_WORD})(?:\s+(?:{_NAME_WORD})){{1,3}}"
    rf"(?:\s*(?:,|and|&|in)\s*(?:{_NAME_WORD})(?:\s+(?:{_NAME_WORD})){{0,3}})?\s*$"
)
_DIGIT = re.compile(r"\d")
# In ASCII text \d is [0-9], which the regex engine tests twice as fast as the Unicode digit category.
_ASCII_DIGIT = re.compile(r"[0-9]")
# The commonest timestamp lines ("16:11", "2016-10-02T11:51"), which the full test would accept anyway.
_PLAIN_TIME = re.compile(r"[0-9]{1,2}[:.][0-9]{2}|[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}")
# The first letters a byline can start with ("By", "from", a capital, "van", "de", "al", "bin").
BYLINE_INITIALS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabdfv")
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
    if (_ASCII_DIGIT if text.isascii() else _DIGIT).search(text) is None:
        # "just now" in lower case needs an ASCII j or J: test that before lowering the line.
        if ("j" not in text and "J" not in text) or "just now" not in text.lower():
            return False
    elif _PLAIN_TIME.fullmatch(text) is not None:
        return True
    # Covering pieces fail fast on most lines; the time search (slow, case-insensitive) runs only after.
    if not _pieces_cover(text, 0):
        name = _GLUED_NAME.match(text)
        if name is None or not _pieces_cover(text, name.end()):
            return False
    return _HAS_TIME.search(text) is not None


def is_byline(line: str) -> bool:
    """True when ``line`` looks like an author credit: "By Jane Doe", "Justin McCurry".

    Bare capitalised words are only a byline when there are two to four of them, so "Key events" or a
    one-word label is not.

    >>> is_byline("Justin McCurry"), is_byline("By Helen Livingstone in Kyiv"), is_byline("Power players")
    (True, True, False)
    """
    text = line.strip()
    if not text or len(text) > MAX_BYLINE_CHARS or text[0] not in BYLINE_INITIALS:
        return False
    if text[0] in "bB" and _BY_PREFIX.match(text):
        return (_ASCII_DIGIT if text.isascii() else _DIGIT).search(text) is None and len(text.split()) <= 8
    # The name pattern has no digit anywhere, so a line it matches has none: no digit search needed.
    return BYLINE_NAMES.match(text) is not None


# ---------------------------------------------------------------------------------------------------------
# Parsing a timestamp line to ISO 8601.

_MONTH_NUMBERS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
# Only zones whose abbreviation is unambiguous in news copy; "IST" or "CST" get no offset.
_ZONE_OFFSETS = {
    "GMT": "+00:00",
    "UTC": "+00:00",
    "Z": "+00:00",
    "BST": "+01:00",
    "WET": "+00:00",
    "WEST": "+01:00",
    "CET": "+01:00",
    "CEST": "+02:00",
    "EET": "+02:00",
    "EEST": "+03:00",
    "MSK": "+03:00",
    "EDT": "-04:00",
    "EST": "-05:00",
    "CDT": "-05:00",
    "MDT": "-06:00",
    "MST": "-07:00",
    "PDT": "-07:00",
    "PST": "-08:00",
    "JST": "+09:00",
    "KST": "+09:00",
    "HKT": "+08:00",
    "SGT": "+08:00",
    "AEST": "+10:00",
    "AEDT": "+11:00",
}
_ISO_DATETIME = re.compile(
    r"(?<!\d)(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?(?!\d)"
)
_DAY_MONTH_YEAR = re.compile(
    rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTHS})(?:,?\s+(\d{{4}}))?(?!\d)", re.IGNORECASE
)
_MONTH_DAY_YEAR = re.compile(
    rf"(?<![a-z])({_MONTHS})\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?(?!\d)", re.IGNORECASE
)
_DAY_MONTH_YEAR_OTHER = re.compile(
    rf"(?<![\d.])(\d{{1,2}})(?:\.|er|º)?\s+(?:de\s+)?({_MONTHS_OTHER}|{_MONTHS})"
    r"(?:,?\s+(?:de\s+|del\s+)?(\d{4}))?(?!\d)",
    re.IGNORECASE,
)
_DOTTED_DATE = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?![\d.])")
_NUMERIC_DATE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?![\d/])")
_CLOCK_PARTS = re.compile(
    r"(?<![\d:.])(\d{1,2})(?:[:.h](\d{2})(?:[:.](\d{2}))?)?\s*(?:([ap])\.?\s?m\b\.?)?(?![\d:])",
    re.IGNORECASE,
)
_ZONE_WORD = re.compile(r"\b([A-Z]{1,4})(?:([+-])(\d{1,2}))?\b")
_AGO = re.compile(
    r"(\d+)\s*(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?)\s+ago|(just now)", re.IGNORECASE
)
_UPDATE_WORDS = re.compile(r"^\s*(?:last\s+)?(?:updated|edited|modified)\b", re.IGNORECASE)
UPDATE_INITIALS = frozenset("lLuUeEmM")


@_quick_init  # a document's timestamps are parsed once each: ParsedTime is built tens of thousands of times
@dataclass(frozen=True, slots=True)
class ParsedTime:
    """The parts of a timestamp line; any part may be missing.

    ``date`` is ``YYYY-MM-DD`` (or ``MM-DD`` when the line gives no year), ``clock`` ``HH:MM[:SS]``,
    ``offset`` ``+HH:MM``, ``ago`` a negative ISO 8601 duration counted back from when the page was read.
    """

    date: str | None = None
    clock: str | None = None
    offset: str | None = None
    ago: str | None = None

    def iso(self, default_date: str | None = None) -> str | None:
        """The ISO 8601 text: date and time, a date, a bare clock time, or a duration back from the scrape.

        >>> ParsedTime(clock="15:53", offset="+01:00").iso("2023-09-13")
        '2023-09-13T15:53+01:00'
        >>> ParsedTime(clock="15:53").iso(), ParsedTime(ago="-PT2H").iso("2023-09-13")
        ('15:53', '-PT2H')
        """
        if self.ago is not None:
            return self.ago
        date = self.date
        if date is not None and len(date) == 5:
            # A day and month without a year take the year of the document's date, when there is one.
            date = f"{default_date[:4]}-{date}" if default_date else None
        if date is None and self.clock is not None:
            date = default_date
        if self.clock is None:
            return date
        clock = self.clock + (self.offset or "")
        return f"{date}T{clock}" if date else clock


def _month(name: str) -> int:
    return _MONTH_NUMBERS[name.lower().rstrip(".")[:3]]


def _date_of(year: str | None, month: int, day: int) -> str | None:
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return None
    if year is None:
        return f"{month:02d}-{day:02d}"
    full = int(year) + (2000 if len(year) == 2 else 0)
    return f"{full:04d}-{month:02d}-{day:02d}"


def _find_date(text: str) -> tuple[str | None, str]:
    """The first date in ``text`` and the text with that date blanked out."""
    candidates: list[tuple[int, int, str | None]] = []
    found = _DAY_MONTH_YEAR.search(text)
    if found:
        candidates.append(
            (
                found.start(),
                found.end(),
                _date_of(found.group(3), _month(found.group(2)), int(found.group(1))),
            )
        )
    found = _MONTH_DAY_YEAR.search(text)
    if found:
        candidates.append(
            (
                found.start(),
                found.end(),
                _date_of(found.group(3), _month(found.group(1)), int(found.group(2))),
            )
        )
    found = _DAY_MONTH_YEAR_OTHER.search(text)
    if found:
        name = found.group(2).lower().rstrip(".")
        month = MONTH_NAMES[name] if name in MONTH_NAMES else _month(name)
        candidates.append((found.start(), found.end(), _date_of(found.group(3), month, int(found.group(1)))))
    found = _DOTTED_DATE.search(text)
    if found:
        candidates.append(
            (found.start(), found.end(), _date_of(found.group(3), int(found.group(2)), int(found.group(1))))
        )
    found = _NUMERIC_DATE.search(text)
    if found:
        first, second = int(found.group(1)), int(found.group(2))
        # Day first, as British and European pages write it, unless only month-first makes sense.
        day, month = (second, first) if second > 12 >= first else (first, second)
        candidates.append((found.start(), found.end(), _date_of(found.group(3), month, day)))
    if not candidates:
        return None, text
    start, end, date = min(candidates, key=lambda item: (item[0], -item[1]))
    return date, text[:start] + " " * (end - start) + text[end:]


@lru_cache(maxsize=4096)
def parse_time(line: str) -> ParsedTime | None:
    """The date, clock time, zone offset or "ago" duration of a timestamp line, or None when it has none.

    >>> parse_time("Tue 12 Sep 2023 14.05 EDT")
    ParsedTime(date='2023-09-12', clock='14:05', offset='-04:00', ago=None)
    >>> parse_time("Updated at 3.53pm").clock, parse_time("2h ago").ago, parse_time("Key events")
    ('15:53', '-PT2H', None)
    """
    text = line.strip()
    if len(text) == 16 and _PLAIN_TIME.fullmatch(text) is not None:
        # "2016-10-02T11:51", the commonest line of all, in ASCII digits: the parts are its own slices.
        valid = 1 <= int(text[5:7]) <= 12 and 1 <= int(text[8:10]) <= 31
        return ParsedTime(text[:10] if valid else None, text[11:])
    if len(text) <= 5 and _PLAIN_TIME.fullmatch(text) is not None:
        # "16:11" or "9.05", the other commonest line: the one clock the full parse would find, or none when
        # it is out of range (no date, no zone, no other clock in so short a line).
        bare_hour, bare_minute = int(text[:-3]), text[-2:]
        if bare_hour > 23 or int(bare_minute) > 59:
            return None
        return ParsedTime(clock=f"{bare_hour:02d}:{bare_minute}")
    iso = _ISO_DATETIME.search(text)
    if iso:
        year, month, day, hour, minute, second, zone = iso.groups()
        clock = None if hour is None else f"{hour}:{minute}" + (f":{second}" if second else "")
        offset = None
        if zone:
            offset = "+00:00" if zone == "Z" else f"{zone[:3]}:{zone[-2:]}"
        return ParsedTime(_date_of(year, int(month), int(day)), clock, offset)
    ago = _AGO.search(text)
    if ago:
        if ago.group(3):
            return ParsedTime(ago="-PT0S")
        amount, unit = int(ago.group(1)), ago.group(2).lower()
        if unit.startswith("d"):
            return ParsedTime(ago=f"-P{amount}D")
        letter = "H" if unit.startswith("h") else "M" if unit.startswith("m") else "S"
        return ParsedTime(ago=f"-PT{amount}{letter}")
    date, rest = _find_date(text)
    clock = offset = None
    for found in _CLOCK_PARTS.finditer(rest):
        hour_text, minute, second, half = found.groups()
        if minute is None and half is None:
            continue
        hour = int(hour_text)
        if half:
            hour = hour % 12 + (12 if half.lower() == "p" else 0)
        if hour > 23 or (minute is not None and int(minute) > 59):
            continue
        clock = f"{hour:02d}:{minute or '00'}" + (f":{second}" if second else "")
        zone = _ZONE_WORD.search(rest, found.end())
        if zone and not rest[found.end() : zone.start()].strip():
            base = _ZONE_OFFSETS.get(zone.group(1))
            if zone.group(2) and zone.group(1) in ("GMT", "UTC"):
                offset = f"{zone.group(2)}{int(zone.group(3)):02d}:00"
            else:
                offset = base
        break
    if date is None and clock is None:
        return None
    return ParsedTime(date, clock, offset)


def find_date(text: str) -> str | None:
    """The first full date (with a year) anywhere in ``text``, as ``YYYY-MM-DD``: for titles and date lines.

    >>> find_date("BBC Local Live: Shropshire on Wednesday 17 August 2016")
    '2016-08-17'
    >>> find_date(" date 2023-09-13 Ukraine war live"), find_date("Flood live") is None
    ('2023-09-13', True)
    """
    iso = _ISO_DATETIME.search(text)
    if iso:
        return _date_of(iso.group(1), int(iso.group(2)), int(iso.group(3)))
    date, _ = _find_date(text)
    return date if date is not None and len(date) == 10 else None


def is_update_line(line: str) -> bool:
    """True for "Updated at 15:53"-style lines: they close a post, they do not start one.

    >>> is_update_line("Updated at 2.31pm"), is_update_line("15.53 BST")
    (True, False)
    """
    # Only an ASCII l, u, e or m (in either case) can open the case-insensitive pattern.
    return line.lstrip()[:1] in UPDATE_INITIALS and _UPDATE_WORDS.match(line) is not None


def iso_time(line: str, default_date: str | None = None) -> str | None:
    """The ISO 8601 time of a timestamp line; a clock time alone takes ``default_date`` when given.

    >>> iso_time("Arpan Rai13 September 2023 05:59"), iso_time("3.53pm"), iso_time("15.53 BST", "2023-09-13")
    ('2023-09-13T05:59', '15:53', '2023-09-13T15:53+01:00')
    """
    parsed = parse_time(line)
    return None if parsed is None else parsed.iso(default_date)
