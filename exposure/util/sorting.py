"""Sorting large arrays of integers.

Building the graph sorts ten million packed integers twice, and validation sorts as many
again to find repeated rows. polars sorts integers with a radix sort, several times faster than
NumPy's comparison sort on millions of values even on one thread, and faster still on more.
Importing polars, though, costs more than it saves on small arrays, so arrays shorter than
:data:`BY_POLARS_FROM` are sorted by NumPy.

Examples
--------
>>> import numpy as np
>>> sort_integers(np.array([3, -1, 2], dtype=np.int64)).tolist()
[-1, 2, 3]
"""

from __future__ import annotations

import numpy as np

from exposure.util.polars_setup import import_polars

__all__ = ["BY_POLARS_FROM", "sort_integers"]

#: Arrays of at least this many integers are sorted by polars.
BY_POLARS_FROM = 2_000_000


def sort_integers(values: np.ndarray) -> np.ndarray:
    """Return a sorted copy of a 1-D array of integers.

    Parameters
    ----------
    values
        Signed or unsigned integers.

    Returns
    -------
    numpy.ndarray
        The same integers in ascending order, of the same dtype (``values`` is left as is).
        It may be read-only: it can be polars' own memory, which a copy would double.
    """
    if len(values) < BY_POLARS_FROM:
        return np.sort(values)
    try:
        pl = import_polars()
    except ImportError:  # polars is a dependency; should it be missing, NumPy only sorts slower
        return np.sort(values)
    ordered = pl.Series(values).sort().to_numpy()
    return ordered.astype(values.dtype, copy=False)
