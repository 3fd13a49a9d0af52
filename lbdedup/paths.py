"""Input paths named once each: the same file given twice (``a.txt ./a.txt``, a symlink, a hard link) is one.

``fix a.txt a.txt`` once judged every block of a.txt a copy of itself and emptied the file: inputs are
deduplicated by what they are on disk (device and inode), the first spelling given winning.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import TypeVar

__all__ = ["file_identity", "unique_files", "unique_paths"]

_Item = TypeVar("_Item")


def file_identity(path: str) -> tuple[int, int] | None:
    """``(st_dev, st_ino)`` of the file ``path`` names (symlinks followed); None when it cannot be stat'ed.

    >>> file_identity("/nonexistent/a.txt") is None
    True
    """
    try:
        found = os.stat(path)
    except (OSError, ValueError):  # ValueError: a NUL byte in the name
        return None
    return found.st_dev, found.st_ino


def unique_paths(paths: Iterable[str]) -> list[str]:
    """``paths`` without later spellings of a file already named; ``-`` and missing files pass untouched.

    What cannot be stat'ed is left for the reader, which reports it in its own words.

    >>> unique_paths(["-", "/nonexistent/x", "/nonexistent/x", "-"])
    ['-', '/nonexistent/x', '/nonexistent/x', '-']
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     a = os.path.join(folder, "a.txt")
    ...     _ = open(a, "w").close()
    ...     unique_paths([a, os.path.join(folder, ".", "a.txt"), a]) == [a]
    True
    """
    return unique_files(paths, str)


def unique_files(items: Iterable[_Item], path_of: Callable[[_Item], str]) -> list[_Item]:
    """``items`` without those naming a file an earlier one names (``path_of`` gives each one's path).

    >>> unique_files([("/nonexistent/x", 1), ("-", 2)], lambda item: item[0])
    [('/nonexistent/x', 1), ('-', 2)]
    """
    seen: set[tuple[int, int]] = set()
    kept: list[_Item] = []
    for item in items:
        path = path_of(item)
        identity = None if path == "-" else file_identity(path)
        if identity is not None:
            if identity in seen:
                continue
            seen.add(identity)
        kept.append(item)
    return kept
