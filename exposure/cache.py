"""A cache of built graphs: later runs on the same large files skip reading and matching.

Reading, checking and name-matching ten million supply rows takes a while, and an analyst asks
about one supplier after another. :func:`load_graph` keeps each graph it builds in a folder of
the user's choice (``--cache-dir`` on the command line, or ``EXPOSURE_CACHE_DIR``) and reads it
back, far faster than it was built, when nothing it was built from has changed.

An entry is found by a key made of:

* every input file's full path, size, modification time and inode (and which optional files,
  ``ownership.csv`` and ``matches.csv``, are absent), so editing, replacing or adding a file
  makes a new key; for a folder of Parquet parts, those of the folder and of every file in it.
  A file's modification time has a coarse clock: a file written twice within one tick could
  keep it. So, as git does, a graph is not stored while an input was modified
  less than :data:`SETTLE_SECONDS` ago;
* the build options (fuzzy matching or not);
* the versions of exposure, Python, NumPy and pandas, and the size and modification time of
  exposure's own source files, so an upgrade never reads an entry it did not write.

An entry that cannot be read (damaged, or written by another version of a library) is rebuilt.
Entries are written atomically, so an interrupted run leaves none half-written. Old entries are
never read again; delete the folder's ``*.graph`` files to reclaim the space. Entries are Python
pickles, which can run code when read: use a folder only you can write to.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import platform
import time
import warnings
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from exposure.errors import ExposureError
from exposure.graph import SupplyGraph, build_graph
from exposure.read.dataset import input_files, load
from exposure.util.atomic import open_atomic_bytes
from exposure.version import __version__

__all__ = ["ENVIRONMENT_VARIABLE", "SETTLE_SECONDS", "cache_key", "load_graph"]

#: The environment variable naming the cache folder when no ``cache_dir`` is given.
ENVIRONMENT_VARIABLE = "EXPOSURE_CACHE_DIR"
#: Bumped whenever what an entry holds changes shape.
FORMAT = 4
#: A graph is stored only when every input was last modified at least this long ago.
SETTLE_SECONDS = 2.0


def load_graph(
    data: str | Path | None = None,
    *,
    listed: str | Path | None = None,
    suppliers: str | Path | None = None,
    ownership: str | Path | None = None,
    fuzzy: bool = True,
    cache_dir: str | Path | None = None,
) -> SupplyGraph:
    """Load the data files and build their graph, through a cache of built graphs.

    The same as ``build_graph(load(data, ...), fuzzy=fuzzy)``. With a cache folder (``cache_dir``,
    else the ``EXPOSURE_CACHE_DIR`` environment variable), a graph built from the same files
    with the same options is read back instead of built again; a newly built one is stored.

    Parameters
    ----------
    data, listed, suppliers, ownership
        As for :func:`exposure.load`.
    fuzzy
        As for :func:`exposure.build_graph`.
    cache_dir
        The cache folder (created if need be); ``None``: ``EXPOSURE_CACHE_DIR``, or no cache.

    Raises
    ------
    DataError
        When a file is missing or has problems (nothing is cached then).

    Warns
    -----
    UserWarning
        When the graph cannot be stored (the folder cannot be written); it is returned anyway.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> built = load_graph(cache_dir=folder)    # built, then stored
    >>> again = load_graph(cache_dir=folder)    # read back
    >>> again.n_nodes == built.n_nodes and again.edges.equals(built.edges)
    True
    """

    def build() -> SupplyGraph:
        dataset = load(data, listed=listed, suppliers=suppliers, ownership=ownership)
        return build_graph(dataset, fuzzy=fuzzy)

    folder = cache_dir if cache_dir is not None else os.environ.get(ENVIRONMENT_VARIABLE) or None
    if folder is None:
        return build()
    files = input_files(data, listed=listed, suppliers=suppliers, ownership=ownership)
    entry = Path(folder) / f"{cache_key(files, {'fuzzy': fuzzy})}.graph"
    graph = _read(entry, {role: path for role, path in files.items() if path is not None})
    if graph is None:
        graph = build()
        if _settled(files):
            try:
                _write(entry, graph, inputs=tuple(p for p in files.values() if p))
            except ExposureError as error:  # the graph is built: a cache miss is no failure
                warnings.warn(f"{error}; the graph was not cached", stacklevel=2)
    return graph


def cache_key(files: Mapping[str, Path | None], options: Mapping[str, object]) -> str:
    """Return the key of a graph built from ``files`` (``None``: absent) with ``options``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "suppliers.csv"
    >>> _ = path.write_text("supplier,customer\\n")
    >>> before = cache_key({"suppliers": path}, {"fuzzy": True})
    >>> before == cache_key({"suppliers": path}, {"fuzzy": False})
    False
    >>> _ = path.write_text("supplier,customer\\nA,B\\n")
    >>> before == cache_key({"suppliers": path}, {"fuzzy": True})
    False
    """
    parts = [
        f"format {FORMAT}",
        f"exposure {__version__} python {platform.python_version()}",
        f"numpy {np.__version__} pandas {pd.__version__}",
        *(f"{name}={value!r}" for name, value in sorted(options.items())),
        *(f"{role}: {_identity(path)}" for role, path in sorted(files.items())),
        *(f"source {p.name}: {_identity(p)}" for p in sorted(Path(__file__).parent.glob("*.py"))),
    ]
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=20).hexdigest()


def _identity(path: Path | None) -> str:
    if path is None:
        return "absent"
    try:
        status = path.stat()
        # A folder of Parquet parts: each file in it, so that rewriting a part is seen too.
        inside = sorted(path.iterdir()) if path.is_dir() else []
    except OSError:
        return f"{path} unreadable"
    # The change time too: a file rewritten in place with its size and modification time put
    # back (cp -p, rsync -t, touch -r) has a new one, which no program can set back.
    return " ".join(
        [
            f"{path.resolve()} {status.st_size} {status.st_mtime_ns} {status.st_ctime_ns}"
            f" {status.st_ino}"
        ]
        + [_identity(entry) for entry in inside]
    )


def _settled(files: Mapping[str, Path | None]) -> bool:
    """Tell whether every input was last modified over :data:`SETTLE_SECONDS` ago."""
    now = time.time()
    try:
        return all(now - _modified(path) > SETTLE_SECONDS for path in files.values() if path)
    except OSError:
        return False


def _modified(path: Path) -> float:
    """Return when a file, or a folder of parts or anything in it, was last modified."""
    inside = path.iterdir() if path.is_dir() else ()
    return max([path.stat().st_mtime, *(entry.stat().st_mtime for entry in inside)])


def _read(entry: Path, files: dict[str, Path]) -> SupplyGraph | None:
    """Return the graph stored at ``entry``; ``None`` when there is none or it cannot be read.

    Its dataset names ``files``, the paths as given this time (the same files, but perhaps
    named from another folder).
    """
    try:
        with open(entry, "rb") as handle:
            columns, graph = pickle.load(handle)
        if not isinstance(graph, SupplyGraph):
            return None
        dataset = replace(graph.dataset, suppliers=graph.rows[columns], files=files)
        return replace(graph, dataset=dataset)
    except Exception:  # none yet, damaged, or pickled by other library versions: build it
        return None


def _write(entry: Path, graph: SupplyGraph, inputs: tuple[Path, ...] = ()) -> None:

    # The supply rows are stored once: the dataset's table is the graph's rows without the
    # columns the graph added, and is cut from them again when read. The name keys kept for
    # building the graph are not needed once it is built.
    columns = list(graph.dataset.suppliers.columns)
    rows_once = replace(
        graph, dataset=replace(graph.dataset, suppliers=graph.rows.iloc[:0], _keys=None)
    )
    # Pickled straight into the file: the whole pickle is never held in memory as well.
    # Never into an input folder: a cache folder inside a folder of Parquet parts is refused.
    with open_atomic_bytes(entry, inputs=inputs) as handle:
        pickle.dump((columns, rows_once), handle, protocol=pickle.HIGHEST_PROTOCOL)
