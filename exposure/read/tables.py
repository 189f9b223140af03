"""One data file read as a checked table: every cell against its column's schema.

:func:`read_table` reads a CSV file, a Parquet file or a folder of Parquet parts and returns the
table with every problem found; the readers of each data file (:mod:`exposure.read.dataset`)
and of a file of names to screen (:func:`read_names`) build on it.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from exposure.errors import DataError, Problem
from exposure.read.checks import (
    NAME_COLUMNS,
    NameKeys,
    check_cells,
    check_columns,
    is_text,
    same_text,
    text_codes,
    text_column,
)
from exposure.read.csv_text import read_csv
from exposure.read.folders import (
    cite_parts,
    in_parts,
    is_dataset,
    parquet_parts,
)
from exposure.read.parquet import parquet_as_text, read_parquet
from exposure.read.schema import LINE, Column, TableSchema

__all__ = ["MAX_CELL", "read_checked", "read_names", "read_raw", "read_table", "share_spellings"]


def read_table(path: str | Path, schema: TableSchema) -> tuple[pd.DataFrame, list[Problem]]:
    """Read a CSV or Parquet file and check every cell against ``schema``.

    Returns
    -------
    table, problems
        The parsed table (typed columns parsed, extra columns kept) and the problems found.
        When the file cannot be read at all, raises instead.

    Raises
    ------
    DataError
        When the file is missing, empty, not UTF-8 text, or lacks required columns.
    """
    table, problems, _ = read_checked(Path(path), schema)
    return table, problems


def read_checked(
    path: Path, schema: TableSchema
) -> tuple[pd.DataFrame, list[Problem], dict[str, NameKeys]]:
    """Do what :func:`read_table` does; return the name keys of the name columns too."""
    table, problems, keys = _checked(path, read_raw(path, schema), schema)
    return table, in_parts(problems, path), keys


def read_names(
    path: str | Path, column: str = "name", country_column: str = "country"
) -> tuple[list[str], list[str]]:
    """Read names to screen, and their countries when the file has them.

    From a CSV file, a Parquet file (a ``.parquet`` name) or a folder of Parquet parts, read
    and checked as the data files are (encoding, quotes, stray cells, cell length). Rows with
    an empty name are left out; countries are upper-cased (empty when unknown).

    Raises
    ------
    DataError
        When the file cannot be read, has no column ``column``, or has a bad cell.
    """
    path = Path(path)
    if not path.exists():
        msg = "no such file"
        raise DataError(
            [Problem(path, None, None, msg, "pass the path of a CSV or Parquet file of names")]
        )
    schema = TableSchema(
        path.name,
        (
            Column(column, "text", False, "The names to screen."),
            Column(country_column, "country", False, "Their ISO country codes, as evidence."),
        ),
    )
    textual = is_dataset(path) or path.suffix.lower() == ".parquet"
    raw = parquet_as_text(path) if textual else read_raw(path, schema)
    if column not in raw.columns:
        found = ", ".join(str(c) for c in raw.columns if c != LINE)
        problem = Problem(
            path,
            None if is_dataset(path) else 1,
            column,
            "the column of names is missing",
            f"pass --column with one of: {found}",
        )
        raise DataError([problem])
    table, problems, _ = _checked(path, raw, schema)
    if problems:
        raise DataError(in_parts(problems, path))
    names = table[column].astype(str)
    keep = (names != "").to_numpy()
    if not keep.all():  # said, not dropped silently: a list of counterparties must reconcile
        lines = table[LINE].to_numpy()[~keep].tolist()
        shown = ", ".join(str(n) for n in lines[:5]) + (", ..." if len(lines) > 5 else "")
        warnings.warn(
            f"{path.name}: {len(lines)} row(s) without a name left out (line {shown})",
            stacklevel=2,
        )
    countries = table[country_column].astype(str).str.upper()
    return names[keep].tolist(), countries[keep].tolist()


def _checked(
    path: Path, raw: pd.DataFrame, schema: TableSchema
) -> tuple[pd.DataFrame, list[Problem], dict[str, NameKeys]]:
    problems = check_columns(path, raw, schema)
    if problems:
        if is_dataset(path):  # every part has the columns: the folder, not one part's line 1
            problems = [replace(p, line=None) if p.line == 1 else p for p in problems]
        raise DataError(cite_parts(problems))
    table = raw.copy(deep=False)
    problems.extend(_long_cells(path, table))
    share_spellings(table)
    keys: dict[str, NameKeys] = {}
    for column in schema.columns:
        if column.name not in table.columns:
            table[column.name] = text_column(
                np.array([""], dtype=object), np.zeros(len(table), dtype=np.intp), table.index
            )
        problems.extend(check_cells(path, table, column.name, schema, keys=keys))
    if not schema.compact_text:
        for name in table.columns:
            if isinstance(table[name].dtype, pd.CategoricalDtype):
                table[name] = table[name].to_numpy(dtype=object)
    return table, problems, keys


def share_spellings(table: pd.DataFrame) -> None:
    """Give the categorical name columns of a table (supplier, customer) one set of spellings.

    A company is often both a supplier and a customer: its spelling is then stored, and keyed,
    once; and the two columns' codes can be compared directly. The shared spellings keep the
    order of first appearance, down the supplier column, then the customer column: the graph
    numbers its nodes in that order.
    """
    names = [
        c for c in NAME_COLUMNS if c in table and isinstance(table[c].dtype, pd.CategoricalDtype)
    ]
    if len(names) < 2:
        return
    if all(table[n].cat.categories is table[names[0]].cat.categories for n in names):
        return  # read with one set of spellings already
    # The first column's spellings, then each later column's new ones: each later column's
    # spellings are looked up in the union so far. The first column's own Index is kept when it
    # holds Python strings, so the hash table built when the column was made serves again.
    union = table[names[0]].cat.categories
    if union.dtype != object:
        union = pd.Index(union, dtype=object)
    recodes: list[np.ndarray | None] = [None]
    for name in names[1:]:
        categories = table[name].cat.categories
        place = union.get_indexer(categories)
        new = place < 0
        place[new] = len(union) + np.arange(int(new.sum()))
        if new.any():
            # Index.append would infer pandas' own string dtype: the spellings stay objects.
            union = pd.Index(
                np.concatenate([union.to_numpy(), np.asarray(categories, dtype=object)[new]]),
                dtype=object,
            )
        recodes.append(place)
    shared = pd.CategoricalDtype(union)
    for name, recode in zip(names, recodes, strict=True):
        codes = table[name].cat.codes.to_numpy()
        if recode is not None and len(recode):
            codes = recode[codes]
        table[name] = pd.Categorical.from_codes(codes, dtype=shared)


#: The longest cell accepted, in characters. Longer ones come from damaged files (a quote that
#: opens a cell and closes far below swallows the rows between) or from pasted documents.
MAX_CELL = 100_000


def _long_cells(path: Path, table: pd.DataFrame) -> list[Problem]:
    """Report cells (and column names) over :data:`MAX_CELL` characters, and cut them short."""
    problems: list[Problem] = []
    for name in [c for c in table.columns if len(str(c)) > MAX_CELL]:
        problems.append(
            Problem(
                path,
                None if is_dataset(path) else 1,
                None,
                f"a column name holds {len(str(name)):,} characters, more than the "
                f"{MAX_CELL:,} allowed",
                "shorten the column name; check that the header line is the first line",
            )
        )
        table.columns = [str(c)[:100] if c == name else c for c in table.columns]
    lines = table[LINE].to_numpy()
    for name in table.columns.drop(LINE):
        if not is_text(table[name]):
            continue
        distinct, codes = text_codes(table[name])
        lengths = np.fromiter(map(len, distinct), dtype=np.int64, count=len(distinct))
        if not (lengths > MAX_CELL).any():
            continue
        long_rows = np.flatnonzero((lengths > MAX_CELL)[codes])
        for line, length in zip(lines[long_rows], lengths[codes[long_rows]], strict=True):
            problems.append(
                Problem(
                    path,
                    int(line),
                    name,
                    f"the cell holds {int(length):,} characters, more than the {MAX_CELL:,} "
                    "allowed",
                    "shorten it (cite a long text rather than pasting it); if a quote opens "
                    "the cell and closes far below, correct the quotes",
                )
            )
        cut = np.array([d[:100] if len(d) > MAX_CELL else d for d in distinct], dtype=object)
        table[name] = same_text(table[name], cut, codes)
    return problems


def read_raw(path: Path, schema: TableSchema) -> pd.DataFrame:
    """Read a CSV file, a Parquet file or a folder of Parquet parts, cells unchecked."""
    if is_dataset(path):
        return read_parquet(path, schema, parquet_parts(path))
    if not path.is_file():
        what = "no such file" if not path.exists() else "not a file"
        raise DataError(
            [
                Problem(
                    path,
                    None,
                    None,
                    what,
                    f"pass the path of a {schema.file_name} file, or a --data folder holding"
                    f" one (or {Path(schema.file_name).stem}.parquet)",
                )
            ]
        )
    if path.suffix.lower() == ".parquet":
        return read_parquet(path, schema, [path])
    return read_csv(path, schema)
