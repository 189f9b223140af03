"""Parquet files, and folders of Parquet parts, read as one table.

The parts of a folder must agree on their columns' types; text columns are read with polars
where that is faster, and come out as the CSV reader's do (stripped strings, categorical for
the large suppliers table).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from exposure.errors import DataError, Problem
from exposure.read.checks import (
    NUMBER_RANGES,
    categorical_columns,
    column_groups,
    is_arrow_text,
    text_columns,
)
from exposure.read.folders import (
    cite_parts,
    is_dataset,
    parquet_parts,
    parquet_problem,
)
from exposure.read.schema import LINE, TableSchema
from exposure.util import encode
from exposure.util.polars_setup import import_polars
from exposure.util.progress import advance, extend

__all__ = ["parquet_as_text", "read_parquet"]


def read_parquet(path: Path, schema: TableSchema, parts: list[Path]) -> pd.DataFrame:
    """Read a Parquet file, or the parts of a dataset folder (``path``), as one table."""
    import pyarrow.parquet as pq  # only Parquet files need it, and CSV users start faster

    in_folder = is_dataset(path)
    footers, schemas = [], []
    for part in parts:
        try:
            footers.append(pq.read_metadata(part))
            schemas.append(footers[-1].schema.to_arrow_schema())
        except Exception as error:  # pyarrow raises many types for a damaged file
            raise DataError([parquet_problem(part, error, part=in_folder)]) from None
    # Parts stored alike are read as they are; otherwise each is cast to one schema, by Arrow.
    cast_to = _one_schema(parts, schemas)
    file_schema = schemas[0] if cast_to is None else cast_to
    n_rows = sum(footer.num_rows for footer in footers)
    names = list(file_schema.names)
    numeric = {c.name for c in schema.columns if c.kind in NUMBER_RANGES}
    groups = column_groups(names)

    def read_group(group: list[str]) -> list[pd.Series]:
        if all(name in by_polars for name in group):
            try:
                return polars_text_columns(parts, [names.index(n) for n in group], n_rows)
            except _polars_failures():
                pass  # read by Arrow instead, which names the damage in one line if there is any
        # A group at a time: its Arrow strings are freed once they are encoded.
        tables = []
        for part in parts:
            try:
                tables.append(
                    pq.read_table(
                        part, columns=group, read_dictionary=[n for n in group if n in few_strings]
                    )
                )
            except Exception as error:
                raise DataError([parquet_problem(part, error, part=in_folder)]) from None
        if cast_to is not None:
            wanted = pa.schema([cast_to.field(name) for name in group])
            tables = [table.cast(wanted) for table in tables]
        table = tables[0] if len(tables) == 1 else pa.concat_tables(tables)
        del tables
        index = pd.RangeIndex(table.num_rows)
        if len(group) > 1:
            return text_columns(table.columns, index)
        return [parquet_column(table.column(0), index, number=group[0].strip() in numeric)]

    # Groups are read and encoded in Arrow threads (the work releases the GIL): two at once.

    # The first part with rows shows how text columns are stored (all parts have one schema).
    probed = next((p for p, f in zip(parts, footers, strict=True) if f.num_rows), parts[0])
    try:
        text = [f.name for f in file_schema if is_arrow_text(f.type)]
        few_strings = columns_of_few_strings(probed, text) if cast_to is None else set()
    except Exception as error:
        raise DataError([parquet_problem(probed, error, part=in_folder)]) from None
    try:
        by_polars = _polars_reads(file_schema, n_rows, few_strings) if cast_to is None else set()
        extend(len(names))
        read: dict[str, pd.Series] = {}
        with ThreadPoolExecutor(max_workers=2) as pool:
            for group, series in zip(groups, pool.map(read_group, groups), strict=True):
                for name, column in zip(group, series, strict=True):
                    read[name] = column
                    advance(f"read {name.strip()}")
    except DataError:
        raise
    except Exception as error:
        raise DataError([parquet_problem(probed if len(parts) == 1 else path, error)]) from None
    # Parquet carries types; text is checked like CSV's, numbers keep their type.
    table = pd.DataFrame({name.strip(): read[name] for name in names})
    table[LINE] = np.arange(1, len(table) + 1, dtype=np.int64)
    return table


def _one_schema(parts: list[Path], schemas: list[Any]) -> Any | None:
    """Return the schema the parts of a dataset are read in, ``None`` when all share one.

    Writers differ in how they store the same column: text as ``string``, ``large_string`` or
    dictionary codes, a column empty in one part as ``null``, numbers as integers in one part
    and floats in another, a column declared not null. These read as one table, in the types
    returned. Parts whose columns differ in name or order, or hold text in one part and
    numbers in another, raise: which is right is the user's to say.
    """
    if all(other.equals(schemas[0], check_metadata=False) for other in schemas[1:]):
        return None
    problems = []
    names = schemas[0].names
    kinds: list[set[Any]] = [set() for _ in names]
    for part, other in zip(parts, schemas, strict=True):
        if other.names != names:
            theirs, ours = list(other.names), list(names)
            differ = [f"no {n}" for n in ours if n not in theirs]
            differ += [f"{n} besides" for n in theirs if n not in ours]
            problems.append(
                Problem(
                    part,
                    None,
                    None,
                    f"its columns differ from those of {parts[0].name}"
                    f" ({', '.join(differ) or 'in their order'})",
                    "write every part of the folder with the same columns",
                )
            )
            continue
        for kind, column in zip(kinds, other, strict=True):
            kind.add(_column_kind(column.type))
    if problems:
        raise DataError(cite_parts(problems))
    fields = []
    for name, kind in zip(names, kinds, strict=True):
        known = kind - {None}
        if known <= {"integer", "float"} and known:
            target = pa.float64() if "float" in known else pa.int64()
        elif len(known) > 1:
            raise DataError(
                [
                    Problem(
                        parts[0].parent,
                        None,
                        name,
                        f"the parts hold this column as {' in some, '.join(sorted(map(str, known)))}"
                        " in others",
                        "write every part of the folder with the same column types",
                    )
                ]
            )
        elif known == {"text"} or not known:
            target = pa.large_string()
        else:
            (target,) = known  # any other kind is the Arrow type itself
        fields.append(pa.field(name, target))
    return pa.schema(fields)


def _column_kind(kind: Any) -> Any:
    """Return what kind of column an Arrow type holds, as parts may store it; ``None``: ``null``."""
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    if pa.types.is_null(kind):
        return None
    if is_arrow_text(kind):
        return "text"
    if pa.types.is_integer(kind):
        return "integer"
    if pa.types.is_floating(kind):
        return "float"
    return kind


def _polars_reads(file_schema: Any, n_rows: int, few_strings: set[str]) -> set[str]:
    """Return the columns that polars reads: plain text of many strings, enough rows to hash.

    polars' reader gives strings that :mod:`exposure.util.encode` hashes where they are; Arrow's
    would be copied into polars' memory first, which costs a pass over all the text and as much
    memory again at the load's peak. Columns of few strings are read as Arrow dictionaries
    instead.
    """
    if n_rows < max(encode.HASHED_FROM, 1):
        return set()
    try:
        import_polars()
    except ImportError:
        return set()
    once = set(_named_once(list(file_schema.names)))
    return {
        f.name
        for f in file_schema
        if is_arrow_text(f.type) and f.name in once and f.name not in few_strings
    }


def _named_once(names: list[str]) -> list[str]:
    """Return the names that no other column of the file shares (those can be read by name)."""
    return [n for n in dict.fromkeys(names) if names.count(n) == 1]


def polars_text_columns(parts: list[Path], positions: list[int], n_rows: int) -> list[pd.Series]:
    """Read text columns with polars' Parquet reader; code them as :func:`text_columns` does.

    The columns are chosen by position (polars would read a name as a pattern) and the paths
    are read as they are (polars would expand ``*`` and ``[...]`` in them as a pattern of
    files, and add columns for folder names of the form ``key=value``).
    """
    pl = import_polars()

    frame = pl.read_parquet(
        [str(part) for part in parts], columns=positions, glob=False, hive_partitioning=False
    )
    if frame.height != n_rows:
        raise ValueError(f"polars read {frame.height} rows of {n_rows}")
    columns = [series.fill_null("") for series in frame.get_columns()]
    del frame
    return categorical_columns(columns, pd.RangeIndex(n_rows))


def _polars_failures() -> tuple[type[BaseException], ...]:
    """Return what polars raises on a file it cannot read: errors, and panics (no ``Exception``)."""
    pl = import_polars()

    return (Exception, pl.exceptions.PanicException)


#: Cells of each text column whose distinct strings decide how the column is read.
_PROBE_CELLS = 65_536


def columns_of_few_strings(path: Path, names: list[str]) -> set[str]:
    """Return the text columns among ``names`` whose first cells hold few distinct strings.

    These are read as Arrow dictionaries, without building a string per cell: a column of
    ten million product names or countries is then coded by its few distinct strings (Parquet
    writers store such columns as dictionary codes). Columns of many distinct strings are read
    as text (a reader that fell back from a dictionary to plain pages would build one by
    hashing every cell). The first :data:`_PROBE_CELLS` cells of each column decide: at most
    one distinct string in eight. Reading them costs little beside reading the whole file, and
    a file the reader cannot read (damaged, or with encrypted columns) raises here as it would
    later.
    """
    import pyarrow.parquet as pq  # only Parquet files need it, and CSV users start faster

    once = _named_once(names)
    if not once:
        return set()
    file = pq.ParquetFile(path, read_dictionary=once)
    batch = next(file.iter_batches(batch_size=_PROBE_CELLS, columns=once), None)
    if batch is None:
        return set()
    few = set()
    for name, column in zip(once, batch.columns, strict=True):
        if pa.types.is_dictionary(column.type) and 8 * len(column.dictionary) <= len(column):
            few.add(name)
    return few


def parquet_column(column: Any, index: pd.Index, *, number: bool) -> pd.Series:
    """Turn one Arrow column into a float column or a categorical text column.

    A timestamp column whose times are all midnight (how pandas writes dates) is its dates,
    as YYYY-MM-DD text.
    """
    if pa.types.is_dictionary(column.type) and number:
        column = column.cast(column.type.value_type)
    if pa.types.is_timestamp(column.type) and _all_midnight(column):
        column = pc.cast(column, pa.date32())
    if number and (pa.types.is_floating(column.type) or pa.types.is_integer(column.type)):
        return pd.Series(column.to_numpy().astype(np.float64), index=index)
    return text_columns([column], index)[0]


def _all_midnight(column: Any) -> bool:
    """Tell whether every time of a timestamp column is midnight (nulls aside)."""
    if column.type.tz is not None:
        return False
    days = pc.cast(pc.cast(column, pa.date32()), column.type)
    return bool(pc.all(pc.equal(days, column)).as_py() is not False)


def parquet_as_text(path: Path) -> pd.DataFrame:
    """Read a Parquet file, or a folder's parts in order, every cell as stripped text.

    For files of names to screen, which need not share one schema: a missing value is an empty
    cell, and a column some parts lack is empty in their rows. Rows are numbered in ``_line``
    on across the parts, as the data files' are.
    """
    import pyarrow.parquet as pq  # only Parquet files need it, and CSV users start faster

    in_folder = is_dataset(path)
    frames = []
    for part in parquet_parts(path) if in_folder else [path]:
        try:
            frame = pq.read_table(part).to_pandas()
        except Exception as error:  # pyarrow raises many types for a damaged file
            raise DataError([parquet_problem(part, error, part=in_folder)]) from None
        frames.append(
            pd.DataFrame(
                {
                    str(name): frame[name].astype(str).where(frame[name].notna(), "").str.strip()
                    for name in frame.columns
                },
                dtype=object,
            )
        )
    table = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    table = table.fillna("").astype(object)
    table[LINE] = np.arange(1, len(table) + 1)
    return table
