"""A cache of built graphs: later runs on the same large files skip reading and matching.

Reading, checking and name-matching ten million supply rows takes a while, and an analyst asks
about one supplier after another. :func:`load_graph` keeps each graph it builds in a folder of
the user's choice (``--cache-dir`` on the command line, or ``EXPOSURE_CACHE_DIR``) and reads it
back, far faster than it was built, when nothing it was built from has changed.

An entry is found by a key made of:

* every input file's full path, size, modification time and inode (and which optional files,
  ``ownership.csv``, ``matches.csv`` and ``lists.csv``, are absent), so editing, replacing or adding a file
  makes a new key; for a folder of Parquet parts, those of the folder and of every file in it.
  A file's modification time has a coarse clock: a file written twice within one tick could
  keep it. So, as git does, a graph is not stored while an input was modified
  less than :data:`SETTLE_SECONDS` ago;
* the build options (fuzzy matching or not);
* the versions of exposure, Python, NumPy and pandas, and the size and modification time of
  exposure's own source files, so an upgrade never reads an entry it did not write.

An entry holds only data: a zip file of the graph's tables in Arrow IPC format, its arrays in
NumPy's format read without pickles, and a ``meta.json`` naming its key and format. Reading one
never runs code: an entry that is damaged, of another format, or holds another key (copied or
tampered with) is set aside with a one-line warning and the graph built again. Entries are
written atomically, so an interrupted run leaves none half-written. Old entries are never read
again; delete the folder's ``*.graph`` files to reclaim the space.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import platform
import time
import warnings
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd
import pyarrow as pa

from exposure.errors import ExposureError
from exposure.graph import SupplyGraph, build_graph
from exposure.read.dataset import Dataset, input_files, load
from exposure.util.atomic import open_atomic_bytes
from exposure.version import __version__

__all__ = ["ENVIRONMENT_VARIABLE", "SETTLE_SECONDS", "cache_key", "load_graph"]

#: The environment variable naming the cache folder when no ``cache_dir`` is given.
ENVIRONMENT_VARIABLE = "EXPOSURE_CACHE_DIR"
#: Bumped whenever what an entry holds changes shape.
FORMAT = 6
#: The graph's tables and arrays an entry holds, and the dataset's tables.
_TABLES = ("nodes", "edges", "rows", "listings", "spellings")
_ARRAYS = ("row_order", "edge_rows")
_DATASET_TABLES = ("listed", "ownership", "matches", "lists")


class _UnreadableEntryError(Exception):
    """An entry that is not one this version wrote for this key."""


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
    check: Callable[[Dataset], None] | None = None,
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
    check
        Called with the loaded tables before a graph is built from them (not when one is read
        back): it may raise to stop early, as ``exposure render`` does for a network too large
        to draw.

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
        if check is not None:
            check(dataset)
        return build_graph(dataset, fuzzy=fuzzy)

    folder = cache_dir if cache_dir is not None else os.environ.get(ENVIRONMENT_VARIABLE) or None
    if folder is None:
        return build()
    found = input_files(data, listed=listed, suppliers=suppliers, ownership=ownership)
    if any(isinstance(path, str) for path in found.values()):
        return build()  # a URL, which this machine does not read: load() says so
    files = cast(dict[str, Path | None], found)
    entry = Path(folder) / f"{cache_key(files, {'fuzzy': fuzzy})}.graph"
    graph = _read(entry, {role: path for role, path in files.items() if path is not None})
    if graph is not None:
        graph = dataclasses.replace(graph, fuzzy=fuzzy)  # an entry's key holds it
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
        *(f"source {name}: {_identity(path)}" for name, path in _sources()),
    ]
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=20).hexdigest()


def _sources() -> list[tuple[str, Path]]:
    """Return exposure's source files, each with its path inside the package.

    Every one, in every subpackage: the rules that match names live in ``entities/``, those
    that read and check files in ``read/``.
    """
    package = Path(__file__).parent
    return [(p.relative_to(package).as_posix(), p) for p in sorted(package.rglob("*.py"))]


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
    named from another folder). Only data is read (Arrow tables, NumPy arrays without
    pickles, JSON); an entry that is not what this version writes for this key is reported in
    one line and ``None`` returned, so that the graph is built again.
    """
    try:
        with zipfile.ZipFile(entry) as archive:
            meta = json.loads(archive.read("meta.json"))
            if meta.get("format") != FORMAT or meta.get("key") != entry.stem:
                raise _UnreadableEntryError("written for another key or by another version")
            tables = {
                name: _table(archive.read(f"{name}.arrow"), meta["dtypes"][name])
                for name in (*_TABLES, *meta["dataset_tables"])
            }
            arrays = {
                name: np.load(io.BytesIO(archive.read(f"{name}.npy")), allow_pickle=False)
                for name in _ARRAYS
            }
    except (FileNotFoundError, NotADirectoryError):  # no entry yet, or no folder to hold one
        return None
    except (
        OSError,
        zipfile.BadZipFile,
        KeyError,
        TypeError,
        ValueError,
        _UnreadableEntryError,
    ) as error:
        # ValueError covers bad JSON and Arrow's ArrowInvalid; KeyError a missing member.
        warnings.warn(
            f"cache entry {entry.name} not used ({error}); the graph is built again", stacklevel=3
        )
        return None
    rows = tables["rows"]
    dataset = Dataset(
        listed=tables["listed"],
        suppliers=rows[meta["supplier_columns"]],
        files=dict(files),
        ownership=tables.get("ownership"),
        matches=tables.get("matches"),
        lists=tables.get("lists"),
    )
    return SupplyGraph(
        nodes=tables["nodes"],
        edges=tables["edges"],
        rows=rows,
        listings=tables["listings"],
        dataset=dataset,
        spellings=tables["spellings"],
        row_order=arrays["row_order"],
        edge_rows=arrays["edge_rows"],
    )


def _table(data: bytes, dtypes: Mapping[str, str]) -> pd.DataFrame:
    """Read one Arrow IPC table back into the DataFrame it was, text columns as objects."""
    frame = pa.ipc.open_file(pa.BufferReader(data)).read_all().to_pandas()
    for column, dtype in dtypes.items():
        values = frame[column]
        if dtype == "object" and values.dtype != object:
            frame[column] = values.astype(object)
        elif dtype == "category[object]":
            categories = pd.Index(values.cat.categories, dtype=object)
            frame[column] = pd.Categorical.from_codes(values.cat.codes, categories=categories)
    return frame


def _dtype_name(dtype: object) -> str:
    """Name a column's dtype, a categorical one with its categories' ("category[object]")."""
    if isinstance(dtype, pd.CategoricalDtype):
        return f"category[{dtype.categories.dtype}]"
    return str(dtype)


def _arrow(frame: pd.DataFrame) -> bytes:
    """Return a DataFrame as an Arrow IPC file (its index is a plain range, not stored)."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _write(entry: Path, graph: SupplyGraph, inputs: tuple[Path, ...] = ()) -> None:
    """Store ``graph`` at ``entry``: its tables, arrays and what they are, as data only."""
    dataset = graph.dataset
    # The supply rows are stored once: the dataset's table is the graph's rows without the
    # columns the graph added, and is cut from them again when read.
    tables = {name: getattr(graph, name) for name in _TABLES}
    present = [name for name in _DATASET_TABLES if getattr(dataset, name) is not None]
    tables.update({name: getattr(dataset, name) for name in present})
    meta = {
        "format": FORMAT,
        "key": entry.stem,
        "exposure": __version__,
        "supplier_columns": list(dataset.suppliers.columns),
        "dataset_tables": present,
        "dtypes": {
            name: {str(c): _dtype_name(t) for c, t in frame.dtypes.items()}
            for name, frame in tables.items()
        },
    }
    # Never into an input folder: a cache folder inside a folder of Parquet parts is refused.
    with (
        open_atomic_bytes(entry, inputs=inputs) as handle,
        zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_STORED) as archive,
    ):
        archive.writestr("meta.json", json.dumps(meta))
        for name, frame in tables.items():
            archive.writestr(f"{name}.arrow", _arrow(frame.reset_index(drop=True)))
        for name in _ARRAYS:
            buffer = io.BytesIO()
            np.save(buffer, getattr(graph, name), allow_pickle=False)
            archive.writestr(f"{name}.npy", buffer.getvalue())
