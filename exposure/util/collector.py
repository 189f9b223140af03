"""Building millions of Python objects without the cyclic garbage collector rescanning them."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block; nested pauses resume once, at the end.

    While a graph of a million sales is built as Python objects, each of the collector's
    periodic passes looks at every object made so far: a third of the time of an export at
    100,000 companies. The objects built hold no reference cycles, so nothing is lost by
    collecting after the block rather than during it; memory freed by reference counting is
    freed as usual.

    Examples
    --------
    >>> import gc
    >>> with collector_paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
