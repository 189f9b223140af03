"""Importing polars, its allocator set to give freed memory back at once, fresh in huge pages.

polars allocates with a jemalloc of its own, which by default keeps freed pages for about ten
seconds, for polars to reuse. exposure uses polars for a few large, short steps (reading and
hashing ten million names, sorting integers) between which NumPy, pandas and Arrow, each with
its own allocator, do the rest: pages polars kept would sit idle beside theirs, and the
process would hold both. Giving pages back at once lowers the peak memory of a large run,
and what the process holds once the files are read, at no cost in time: the steps are few and
large, so polars gains little from reusing its pages.

On Linux it also asks for transparent huge pages (``thp:always``, which the system's
``madvise`` mode honours): a fresh page then costs one fault per 2 MiB instead of per 4 KiB.
Faults are dear, above all on virtual machines, and reading large files touches many fresh
pages, a good part of them in polars; huge pages cut those faults and so the time of reading.
The cost is memory: a huge page is held whole while any of it is in use, so the peak can be
higher, and how many huge pages the system has to give varies. A user who prefers small pages
sets ``_RJEM_MALLOC_CONF`` (say to ``thp:never``), which exposure then leaves as it is.
Elsewhere jemalloc has no such option and would print a complaint.

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
