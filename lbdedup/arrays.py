"""Numpy helpers more than one stage needs."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["positions_in_runs"]


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
