"""Progress bars for the steps that can take long: loading files, building the graph, analysing.

A bar appears on standard error only when a step takes over a second and standard error is a
terminal; in pipes, logs, CI and notebooks it stays off. ``TQDM_DISABLE=1`` turns it off
everywhere. Library functions announce their steps with :func:`advance`; a bar is drawn only
inside :func:`progress`, so code that never opens one pays nothing.

Examples
--------
>>> with progress("loading", total=2):
...     advance("listed.csv")
...     advance("suppliers.csv")
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import IO, Any

__all__ = ["DELAY", "REFRESH", "advance", "extend", "progress"]

#: Seconds a step must take before its bar appears.
DELAY = 1.0
#: Least seconds between two redraws of a bar.
REFRESH = 0.1

_current: ContextVar[Any] = ContextVar("exposure_progress", default=None)


@contextmanager
def progress(description: str, total: int, *, file: IO[str] | None = None) -> Iterator[Any]:
    """Show a bar of ``total`` steps while the block runs, if it takes over :data:`DELAY` s.

    Parameters
    ----------
    description
        What is being done ("loading", "analysing").
    total
        How many times :func:`advance` will be called.
    file
        Where to draw; default standard error. Nothing is drawn unless it is a terminal.
    """
    stream = file if file is not None else sys.stderr
    if not is_terminal(stream):  # no bar, and no import of tqdm, in pipes and logs
        yield None
        return
    from tqdm import tqdm  # only a bar drawn needs it

    bar = tqdm(
        total=total,
        desc=description,
        file=stream,
        delay=DELAY,
        mininterval=REFRESH,
        leave=False,
        unit="step",
        bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}] {postfix}",
    )
    token = _current.set(bar)
    try:
        yield bar
    finally:
        _current.reset(token)
        bar.close()


def advance(step: str = "", *, steps: int = 1) -> None:
    """Mark ``steps`` steps of the innermost :func:`progress` done; ``step`` names what comes next."""
    bar = _current.get()
    if bar is not None:
        bar.set_postfix_str(step, refresh=False)
        bar.update(steps)


def extend(steps: int) -> None:
    """Add ``steps`` to the innermost :func:`progress`, once a step knows how many it has."""
    bar = _current.get()
    if bar is not None and bar.total is not None:
        bar.total += steps


def is_terminal(stream: IO[str]) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
