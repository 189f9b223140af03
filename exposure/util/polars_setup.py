"""Importing polars, its allocator set to give freed memory back at once, fresh in huge pages.

polars allocates with a jemalloc of its own, which by default keeps freed pages for about ten
seconds, for polars to reuse. exposure uses polars for a few large, short steps (reading and
hashing ten million names, sorting integers) between which NumPy, pandas and Arrow, each with
its own allocator, do the rest: pages polars kept would sit idle beside theirs, and the
process would hold both. At a million companies this lowered the peak memory of load, graph
and analysis from 2.55 to 2.25 GiB (medians of four runs each, alternating; lower in every
pair), and what the process holds once the files are read from about 1.8 to 0.9 GiB, for the
same time.

On Linux it also asks for transparent huge pages (``thp:always``, which the system's
``madvise`` mode honours): a fresh page then costs one fault per 2 MiB instead of per 4 KiB.
Faults are dear on virtual machines (about 5 us each on this project's). At a million
companies reading the files took 0.85 million of them, 60% in polars, and 0.21 million with
huge pages. Load, graph and analysis took 10.57 -> 9.52 s (medians of three runs each,
alternating; faster in every pair) with the same peak memory, and in another hour
11.59 -> 10.95 s with the peak 2.19 -> 2.47 GiB: a huge page is held whole while any of it
is in use, and how many the system has to give varies. Elsewhere jemalloc has no such option
and would print a complaint.

jemalloc reads its settings (``_RJEM_MALLOC_CONF``) once, as polars loads; polars puts its
own defaults (``dirty_decay_ms:500,muzzy_decay_ms:1000``) before whatever the variable holds,
and the last setting of an option wins. So exposure's are given only when exposure is the
first to import polars in the process and the user has set none, and the variable is removed
again right after, so that programs started later do not inherit it.

Examples
--------
>>> pl = import_polars()
>>> pl.Series([3, 1, 2]).sort().to_list()
[1, 2, 3]
"""

from __future__ import annotations

import os
import sys
import threading
from types import ModuleType

__all__ = ["ALLOCATOR_SETTINGS", "import_polars"]

#: jemalloc's settings for polars: freed pages go back to the system without delay, and on
#: Linux fresh ones come as huge pages.
ALLOCATOR_SETTINGS = "dirty_decay_ms:0,muzzy_decay_ms:0" + (
    ",thp:always" if sys.platform.startswith("linux") else ""
)
_VARIABLE = "_RJEM_MALLOC_CONF"


_LOCK = threading.Lock()


def import_polars() -> ModuleType:
    """Import and return polars (raising ``ImportError`` where it is not installed).

    Safe from several threads at once (the name columns are hashed on two): the first one
    imports polars with the settings, the others wait for it.
    """
    if "polars" not in sys.modules:
        with _LOCK:
            if "polars" not in sys.modules and _VARIABLE not in os.environ:
                os.environ[_VARIABLE] = ALLOCATOR_SETTINGS
                try:
                    import polars
                finally:
                    os.environ.pop(_VARIABLE, None)
    import polars

    return polars
