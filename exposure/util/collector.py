"""Building millions of Python objects without the cyclic garbage collector rescanning them."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["collector_paused", "objects_left_out"]


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


@contextmanager
def objects_left_out() -> Iterator[Callable[[], None]]:
    """Give a function that leaves every object made so far out of the collector's passes.

    For a block that makes millions of objects a batch at a time, each batch made with the
    collector paused (:func:`collector_paused`): once it resumes, its first pass would look
    at every object of the batch. Objects left out are freed by reference counting as usual;
    when the block ends, they are back under the collector.

    Examples
    --------
    >>> import gc
    >>> with objects_left_out() as leave_out:
    ...     made = [[] for _ in range(3)]
    ...     leave_out()
    ...     gc.get_freeze_count() >= 3
    True
    >>> gc.get_freeze_count()
    0
    """
    try:
        yield gc.freeze
    finally:
        gc.unfreeze()
