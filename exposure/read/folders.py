"""Folder-style Parquet datasets: one table written as several part files in one folder.

Spark (``df.write.parquet("sales.parquet")``), DuckDB (``COPY ... (FORMAT parquet,
PER_THREAD_OUTPUT)``), polars and pyarrow (``pyarrow.dataset.write_dataset``) write a large
table so: ``part-00000-....snappy.parquet``, ``data_0.parquet``... beside bookkeeping files
whose names start with ``_`` or ``.`` (``_SUCCESS``, ``.part-00000....crc``), which their
readers skip, as this module does. The table's rows are those of its parts, in the parts' name
order with numbers compared by value (``data_2`` before ``data_10``), and every row is cited by
its own part and its row there.

A folder whose parts lie in sub-folders named ``column=value`` (``partitionBy``, hive
partitioning) keeps that column in the folder names, not in the files: it is refused with a
message rather than read without the column.

Examples
--------
>>> import tempfile
>>> import pyarrow as pa, pyarrow.parquet as pq
>>> folder = Path(tempfile.mkdtemp())
>>> for number, rows in ((10, ["c"]), (2, ["a", "b"])):
...     pq.write_table(pa.table({"name": rows}), folder / f"data_{number}.parquet")
>>> (folder / "_SUCCESS").touch()
>>> [part.name for part in parquet_parts(folder)]
['data_2.parquet', 'data_10.parquet']
>>> where = cite_row(folder, 3)
>>> where[0].name, where[1]
('data_10.parquet', 1)
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from exposure.errors import DataError, Problem

__all__ = [
    "cite_parts",
    "cite_row",
    "in_parts",
    "is_dataset",
    "is_url",
    "line_names",
    "list_lines",
    "parquet_parts",
    "parquet_problem",
    "part_rows",
]

#: What part files of a dataset are called: the suffix every writer above gives them.
PART_SUFFIX = ".parquet"


#: A table's address that is no local path: ``s3a://bucket/sales/``, ``hdfs://...``, ``file://...``.
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_url(where: str | Path) -> bool:
    """Tell whether a table's address is a URL (an object store, HDFS), which only Spark reads.

    Examples
    --------
    >>> is_url("s3a://bucket/sales/"), is_url("data/suppliers.csv"), is_url(Path("s3a:/x"))
    (True, False, False)
    """
    return isinstance(where, str) and bool(_URL.match(where))


def is_dataset(path: Path) -> bool:
    """Tell whether ``path`` names a folder read as one Parquet table (rather than a file)."""
    return path.is_dir()


#: Bookkeeping that says the folder's Parquet files are not simply one table's rows.
NOT_PLAIN = {
    "_delta_log": (
        "a Delta Lake table: its log, not the folder, says which files hold its rows now (files"
        " of replaced or deleted rows stay until vacuumed)",
        "export it as plain Parquet (for example with Spark's df.write.parquet), or as a file",
    ),
    "_temporary": (
        "a table still being written, or whose writing failed (Spark's _temporary folder is there)",
        "wait for the writing to end, or write the table again",
    ),
}


def parquet_parts(folder: Path) -> list[Path]:
    """Return the part files of a folder-style Parquet dataset, in name order.

    Raises
    ------
    DataError
        When the folder cannot be listed, holds no Parquet file (a folder of CSV files is a
        ``--data`` folder, not a table), is a Delta Lake table or a write not finished, holds
        sub-folders (a partitioned dataset) or a file that is not a Parquet part.
    """
    try:
        entries = sorted(folder.iterdir(), key=lambda p: _by_numbers(p.name))
    except OSError as error:
        problem = Problem(
            folder, None, None, f"cannot list the folder ({error.strerror or error})", _READABLE
        )
        raise DataError([problem]) from None
    for name, (message, fix) in NOT_PLAIN.items():
        if (folder / name).exists():
            raise DataError([Problem(folder, None, None, message, fix)])
    visible = [entry for entry in entries if not entry.name.startswith((".", "_"))]
    partitioned = any(entry.is_dir() and "=" in entry.name for entry in visible)
    if not partitioned and not any(_is_part(entry) for entry in visible):
        raise DataError(
            [
                Problem(
                    folder,
                    None,
                    None,
                    f"a folder without Parquet parts ({PART_SUFFIX} files), where a table was"
                    " expected",
                    "pass a folder of CSV files as --data FOLDER; a table is a CSV or Parquet"
                    " file, or a folder of the Parquet parts of one table",
                )
            ]
        )
    problems: list[Problem] = []
    for entry in visible:
        if entry.is_dir():
            problems.append(
                Problem(
                    entry,
                    None,
                    None,
                    "a Parquet folder with sub-folders is not read (partitioned by a column,"
                    " whose values are in the folder names rather than in the files)",
                    "write the table without partitioning (one folder of part files), or as"
                    " one file",
                )
            )
        elif not _is_part(entry):
            problems.append(
                Problem(
                    entry,
                    None,
                    None,
                    f"not a Parquet part (a {PART_SUFFIX} file) in a folder read as one table",
                    "move it out of the folder, or give it a name starting with '_' to skip it",
                )
            )
    if problems:
        raise DataError(problems)
    return visible


_READABLE = "check that the folder exists and that you may read it"


def parquet_problem(path: Path, error: Exception, *, part: bool = False) -> Problem:
    """Say that a Parquet file (``part``: a part of a folder) cannot be read, in one line.

    Examples
    --------
    >>> parquet_problem(Path("x.parquet"), OSError("Parquet magic bytes\\nnot found.")).message
    'cannot read it as Parquet (Parquet magic bytes not found)'
    """
    # Arrow's messages may span lines (a Thrift error and its context): one line, as every
    # other problem is.
    reason = " ".join(str(error).split()).rstrip(".")
    return Problem(
        path,
        None,
        None,
        f"cannot read it as Parquet ({reason})",
        "write this part of the folder again, or move it out"
        if part
        else "pass a valid Parquet file or a CSV file",
    )


def _is_part(entry: Path) -> bool:
    return entry.suffix.lower() == PART_SUFFIX and not entry.is_dir()


def part_rows(parts: list[Path]) -> list[int]:
    """Return how many rows each part holds, from its footer (the rows are not read)."""
    import pyarrow.parquet as pq  # only Parquet files need it

    return [pq.read_metadata(part).num_rows for part in parts]


def cite_row(path: Path, line: int) -> tuple[Path, int]:
    """Return the file and line that cite row ``line`` of a table read from ``path``.

    For a dataset folder, rows are numbered on across its parts; this turns the number back
    into the part holding the row and the row's number within it. A file is cited as it is.
    """
    return _citer(path)(line)


def in_parts(problems: list[Problem], path: Path) -> list[Problem]:
    """Return the problems on rows of the table read from ``path``, cited as :func:`cite_row` does."""
    if not is_dataset(path):
        return problems
    cite = _citer(path)
    cited = []
    for problem in problems:
        if problem.line is not None and Path(problem.file) == path:
            file, line = cite(problem.line)
            cited.append(replace(problem, file=file, line=line))
        else:
            cited.append(problem)
    return cited


def cite_parts(problems: list[Problem]) -> list[Problem]:
    """Return the problems with each row of a folder's table cited by its part and line there.

    Problems on files, or on no row, are returned as they are. Readers call it before raising
    :class:`~exposure.errors.DataError`, so that the error itself reads no folder.
    """
    for folder in {Path(p.file) for p in problems if p.line is not None}:
        problems = in_parts(problems, folder)
    return problems


def line_names(path: Path) -> Callable[[int], str]:
    """Return how a message names row ``line`` of the table read from ``path``.

    ``"line 7"`` in a file; in a dataset folder, the part and the line there
    (``"part-00001.parquet line 2"``), as :func:`cite_row` gives them.

    Examples
    --------
    >>> line_names(Path("suppliers.csv"))(7)
    'line 7'
    """
    cite = _citer(path)

    def name(line: int) -> str:
        file, at = cite(line)
        return f"line {at}" if file == path else f"{file.name} line {at}"

    return name


def list_lines(path: Path, lines: Iterable[int]) -> str:
    """Name several rows of the table read from ``path``: ``"lines 3, 7"``, or by part.

    Examples
    --------
    >>> list_lines(Path("suppliers.csv"), [3, 7])
    'lines 3, 7'
    """
    lines = list(lines)
    if not is_dataset(path):
        return f"line{'s' if len(lines) > 1 else ''} {', '.join(str(line) for line in lines)}"
    name = line_names(path)
    return ", ".join(name(line) for line in lines)


def _citer(path: Path) -> Callable[[int], tuple[Path, int]]:
    """Return :func:`cite_row` for one table, its parts' rows counted once."""
    if not is_dataset(path):
        return lambda line: (path, line)
    try:
        parts = parquet_parts(path)
        ends = list(itertools.accumulate(part_rows(parts)))
    except Exception:  # the folder changed since it was read: cite the folder's own numbering
        return lambda line: (path, line)

    def cite(line: int) -> tuple[Path, int]:
        at = bisect.bisect_left(ends, line)
        if at == len(parts) or line < 1:
            return path, line
        return parts[at], line - (ends[at - 1] if at else 0)

    return cite


def _by_numbers(name: str) -> tuple[list[tuple[int, int | str]], str]:
    """Sort key of a file name: runs of digits compared as numbers, the rest as text.

    The name itself breaks ties (``data_01`` and ``data_1``), so the order never depends on
    the order the system lists the files in.
    """
    runs = re.split(r"([0-9]+)", name)
    key = [(0, int(run)) if i % 2 else (1, run) for i, run in enumerate(runs) if run]
    return key, name
