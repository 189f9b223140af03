"""Pure-Python work spread over this machine's cores, in forked processes.

Fuzzy name matching spends most of its time in Python, one name at a time, so threads would
take turns; processes forked from the caller share its prepared state (a matcher and its
listed names) without pickling it. Only on Linux: elsewhere ``fork`` is unavailable
(Windows) or unsafe (macOS's system libraries), and the tasks run in the calling process, as
they do for one task. Results come in the order of
the tasks either way, so an answer never depends on how many cores a machine has. In a
daemonic process (a multiprocessing pool's worker) the tasks run in the process too; if a
worker dies (killed for memory), the tasks not done are done in the calling process.

Examples
--------
>>> list(in_processes(len, [["a"], ["b", "c"]]))
[1, 2]
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

__all__ = ["available_cores", "in_processes"]

T = TypeVar("T")
R = TypeVar("R")

#: The function forked workers run, handed to each as it starts (a fork pickles nothing).
_task: list[Callable[[Any], Any]] = []


def _start(function: Callable[[Any], Any]) -> None:
    _task[:] = [function]


def available_cores() -> int:
    """Return how many cores this process may run on (its affinity, where the system has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def _run(argument: Any) -> Any:
    return _task[0](argument)


def in_processes(
    function: Callable[[T], R], arguments: Sequence[T], *, processes: int | None = None
) -> Iterator[R]:
    """Yield ``function(argument)`` for each argument, in order, computed on several cores.

    ``function`` may be any callable (a bound method, a closure): the workers are forked from
    this process and handed it as they start, so nothing but the arguments and results is
    pickled.
    ``processes`` defaults to :func:`available_cores`.
    """
    wanted = min(processes or available_cores(), len(arguments))
    # A daemonic process (a multiprocessing pool's worker) may not start processes of its own.
    alone = wanted <= 1 or multiprocessing.current_process().daemon
    if alone or not sys.platform.startswith("linux"):
        yield from map(function, arguments)
        return
    context = multiprocessing.get_context("fork")
    # The objects alive now are left out of the workers' garbage collections: a collection
    # writes to each object it visits, and each page written is copied into the worker.
    gc.freeze()
    try:
        with ProcessPoolExecutor(
            max_workers=wanted, mp_context=context, initializer=_start, initargs=(function,)
        ) as pool:
            futures = [pool.submit(_run, argument) for argument in arguments]
            for done, future in enumerate(futures):
                try:
                    found = future.result()
                except BrokenProcessPool:
                    # A worker was killed (out of memory, a signal): the rest are done here.
                    yield from map(function, arguments[done:])
                    return
                yield found
    finally:
        gc.unfreeze()
