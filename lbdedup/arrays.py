"""Numpy helpers more than one stage needs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["joined_strings", "positions_in_runs", "split_joined"]


def positions_in_runs(
    starts: npt.NDArray[np.integer[Any]], lengths: npt.NDArray[np.integer[Any]]
) -> npt.NDArray[np.int64]:
    """The positions ``starts[k] .. starts[k] + lengths[k] - 1`` of every run, one run after the other.

    >>> positions_in_runs(np.array([5, 0, 9]), np.array([2, 3, 0])).tolist()
    [5, 6, 0, 1, 2]
    """
    lengths = lengths.astype(np.int64, copy=False)
    # Each run's start less the positions of the output that come before it, repeated over the run, plus
    # the output's own positions: one pass of numpy, no loop over runs.
    offsets = np.repeat(starts.astype(np.int64, copy=False) - (np.cumsum(lengths) - lengths), lengths)
    offsets += np.arange(len(offsets), dtype=np.int64)
    return offsets


def joined_strings(strings: Sequence[str]) -> tuple[str, npt.NDArray[np.int64]]:
    """``strings`` as one string and where each ends in it: a pipe or a cluster sends that at once.

    A list of strings goes through pickle or dask one object at a time (16,384 texts took half a second).

    >>> joined, ends = joined_strings(["ab", "", "cde"])
    >>> joined, ends.tolist(), split_joined(joined, ends)
    ('abcde', [2, 2, 5], ['ab', '', 'cde'])
    """
    return "".join(strings), np.cumsum([len(string) for string in strings], dtype=np.int64)


def split_joined(joined: str, ends: npt.NDArray[np.int64]) -> list[str]:
    """The strings :func:`joined_strings` joined."""
    stops = ends.tolist()
    # The starts run one longer than the stops: the last start is the end of the joined text.
    return [joined[start:stop] for start, stop in zip([0, *stops], stops, strict=False)]
