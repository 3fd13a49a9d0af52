"""Folders given on the command line, walked for the files lbdedup reads: one walker for every command.

A folder is walked in sorted order (a folder's files, then its subfolders, each by name) for text, Markdown
and HTML files by suffix; hidden files and folders (``.git``, ``.lbdedup``) are skipped. ``--include`` and
``--exclude`` globs filter what a walk finds; a file named on the command line is always read.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import PurePosixPath

__all__ = ["WALKED_SUFFIXES", "Found", "matches", "walk"]

# The suffixes a walk takes from a folder (``index build`` took these before the other commands did).
WALKED_SUFFIXES = frozenset(
    {".txt", ".text", ".md", ".markdown", ".mdown", ".mkd", ".html", ".htm", ".xhtml"}
)


@dataclass(frozen=True, slots=True)
class Found:
    """A file to read: its path, and its path under the folder it was found in (or as named, for a file)."""

    path: str
    relative: str


def matches(relative: str, pattern: str) -> bool:
    """True when ``relative`` (a path under a walked folder) matches the glob ``pattern``.

    A pattern without ``/`` is matched against the file name and each folder name, as .gitignore does; one
    with ``/`` against the whole relative path, where ``*`` crosses folders too.

    >>> matches("2024/live/a.html", "*.html"), matches("2024/live/a.html", "live")
    (True, True)
    >>> matches("2024/live/a.html", "2024/*.html"), matches("2024/live/a.html", "2023/*")
    (True, False)
    """
    posix = PurePosixPath(relative.replace(os.sep, "/"))
    if "/" in pattern.strip("/"):
        return fnmatchcase(str(posix), pattern.strip("/"))
    return any(fnmatchcase(part, pattern.strip("/")) for part in posix.parts)


def _wanted(relative: str, include: Sequence[str], exclude: Sequence[str]) -> bool:
    if include and not any(matches(relative, pattern) for pattern in include):
        return False
    return not any(matches(relative, pattern) for pattern in exclude)


def walk(
    paths: Iterable[str],
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    skip: Iterable[str] = (),
) -> Iterator[Found]:
    """The files of ``paths``: files (and ``-``) as given, folders walked; ``skip``: folders never entered.

    Symlinks to folders are not followed (a link loop would never end); links to files are read.

    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as root:
    ...     for name in ["b.txt", "a.md", "x.pdf", "sub/c.html", ".git/d.txt", ".lbdedup/e.txt"]:
    ...         path = pathlib.Path(root, name)
    ...         path.parent.mkdir(exist_ok=True)
    ...         _ = path.write_text("x")
    ...     [found.relative for found in walk([root], exclude=["*.md"])]
    ['b.txt', 'sub/c.html']
    """
    skipped = {os.path.realpath(folder) for folder in skip}
    for path in paths:
        if path == "-" or not os.path.isdir(path):
            yield Found(path, _as_named(path))
            continue
        for folder, subfolders, names in os.walk(path):
            subfolders[:] = sorted(
                name
                for name in subfolders
                if not name.startswith(".") and os.path.realpath(os.path.join(folder, name)) not in skipped
            )
            for name in sorted(names):
                if name.startswith(".") or os.path.splitext(name)[1].lower() not in WALKED_SUFFIXES:
                    continue
                full = os.path.join(folder, name)
                relative = os.path.relpath(full, path)
                if _wanted(relative, include, exclude):
                    yield Found(full, relative)


def _as_named(path: str) -> str:
    """Where a file named on the command line goes under an output folder: as named, or by its base name.

    >>> _as_named("sub/a.txt"), _as_named("/tmp/a.txt"), _as_named("../a.txt")
    ('sub/a.txt', 'a.txt', 'a.txt')
    """
    normal = os.path.normpath(path)
    if os.path.isabs(normal) or normal.split(os.sep)[0] == os.pardir:
        return os.path.basename(normal)
    return normal
