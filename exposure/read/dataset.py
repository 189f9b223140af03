"""Reading and validating the data files, and writing outputs safely.

Every reader returns a validated :class:`pandas.DataFrame` whose text cells are stripped strings
(empty string for an empty cell) and whose typed columns are parsed: dates become
``datetime64`` (``NaT`` when empty), shares become ``float`` (``NaN`` when unknown). A hidden
``_line`` column keeps each row's line number in its file, so later steps can point at it.

All problems of a file are collected before anything is raised, so ``exposure validate`` can
list them all; the raised :class:`~exposure.errors.DataError` names the file, the line, the
column, what is wrong and how to fix it. The checks of the cells themselves are in
:mod:`exposure.read.checks`, which the CSL reader (:mod:`exposure.read.csl`) shares.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from exposure.entities.names import name_key_codes
from exposure.errors import DataError, Problem
from exposure.read.checks import (
    NAME_COLUMNS,
    NUMBER_RANGES,
    NameKeys,
    check_cells,
    check_columns,
    distinct_categories,
    is_text,
    same_text,
    text_codes,
    text_column,
)
from exposure.read.folders import (
    cite_parts,
    in_parts,
    is_dataset,
    line_names,
    list_lines,
    parquet_parts,
    parquet_problem,
)
from exposure.read.schema import LINE, LISTED, MATCHES, OWNERSHIP, SUPPLIERS, TableSchema
from exposure.util.atomic import write_atomic
from exposure.util.polars_setup import import_polars
from exposure.util.progress import advance, extend, progress
from exposure.util.sorting import sort_integers

__all__ = [
    "Dataset",
    "bundled_data_dir",
    "folder_file",
    "load",
    "read_listed",
    "read_matches",
    "read_ownership",
    "read_suppliers",
    "read_table",
    "write_atomic",
]

SHARE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Dataset:
    """The validated input tables of one analysis.

    Attributes
    ----------
    listed
        One row per listing (see ``data/README.md``), with a ``_line`` column.
    suppliers
        One row per supplier, customer and product, with a ``_line`` column.
    files
        The file each table was read from, by table name (``listed``, ``suppliers``, ...).
    ownership
        Who owns how much of whom (``ownership.csv``), when the folder has one.
    matches
        Review decisions on name matches (``matches.csv``), when the folder has one.
    """

    listed: pd.DataFrame
    suppliers: pd.DataFrame
    files: dict[str, Path] = field(default_factory=dict)
    ownership: pd.DataFrame | None = None
    matches: pd.DataFrame | None = None
    #: The name keys that validation computed for the supplier and customer spellings.
    _keys: NameKeys | None = field(default=None, repr=False, compare=False)

    def spelling_keys(self, spellings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the name key of each of ``spellings`` (supplier and customer names).

        Returns
        -------
        keys, key_codes
            Each spelling's key, and an integer per spelling that numbers the distinct keys in
            order of first appearance: two spellings share a key exactly when they share the
            integer.

        Reuses the keys computed while the suppliers file was validated, when they are for the
        same spellings; computes them otherwise.
        """
        known = self._keys
        if known is not None and known.spellings is not None:
            seen = known.spellings
            if len(seen) == len(spellings) and (
                seen is spellings or seen.equals(pd.Index(spellings, dtype=object))
            ):
                return known.key_text, known.key_codes
        key_codes, keys = name_key_codes(spellings)
        return keys[key_codes], key_codes

    def __repr__(self) -> str:
        return (
            f"<Dataset: {len(self.listed)} listings, {len(self.suppliers)} supply rows "
            f"from {', '.join(str(p) for p in self.files.values()) or 'memory'}>"
        )


def bundled_data_dir() -> Path:
    """Return the folder of the data bundled with the package.

    Examples
    --------
    >>> sorted(p.name for p in bundled_data_dir().glob("*.csv"))
    ['listed.csv', 'ownership.csv', 'suppliers.csv']
    """
    package = Path(__file__).resolve().parents[1]
    installed = package / "data"  # where an install puts data/ (package data "exposure.data")
    return installed if installed.is_dir() else package.parent / "data"


def load(
    data: str | Path | None = None,
    *,
    listed: str | Path | None = None,
    suppliers: str | Path | None = None,
    ownership: str | Path | None = None,
) -> Dataset:
    """Read and validate a folder of data files.

    Parameters
    ----------
    data
        A folder holding ``listed.csv`` and ``suppliers.csv`` (each may be a ``.parquet``
        file instead, see :func:`folder_file`); default: the bundled data.
    listed, suppliers, ownership
        Paths of individual files, overriding the folder's. ``ownership.csv`` is optional: a
        folder without one has no ownership links.

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        When a file is missing or has problems; every problem of both files is listed.

    Examples
    --------
    >>> data = load()
    >>> "Hikvision" in set(data.listed["name"])
    True
    """
    folder = Path(data) if data is not None else bundled_data_dir()
    if data is not None and not folder.is_dir():
        raise DataError(
            [
                Problem(
                    folder,
                    None,
                    None,
                    "no such folder",
                    "pass a folder holding listed.csv and suppliers.csv (or .parquet files)",
                )
            ]
        )
    with progress("loading", total=3):
        return _load(input_files(data, listed=listed, suppliers=suppliers, ownership=ownership))


def input_files(
    data: str | Path | None = None,
    *,
    listed: str | Path | None = None,
    suppliers: str | Path | None = None,
    ownership: str | Path | None = None,
) -> dict[str, Path | None]:
    """Return the files :func:`load` reads for these arguments, by role.

    ``listed`` and ``suppliers`` always; ``ownership`` and ``matches`` (review decisions) when
    given or present in the folder, else ``None``. ``matches.csv`` is looked for in the folder,
    or beside a ``listed`` file given without a folder.

    Examples
    --------
    >>> sorted(role for role, path in input_files().items() if path is not None)
    ['listed', 'ownership', 'suppliers']
    """
    folder = Path(data) if data is not None else bundled_data_dir()
    problems: list[Problem] = []

    def in_folder(schema: TableSchema, where: Path = folder) -> Path:
        try:
            return folder_file(where, schema)
        except DataError as error:  # every table held twice is reported at once
            problems.extend(error.problems)
            return where / schema.file_name

    listed_path = Path(listed) if listed is not None else in_folder(LISTED)
    suppliers_path = Path(suppliers) if suppliers is not None else in_folder(SUPPLIERS)
    ownership_path = Path(ownership) if ownership is not None else in_folder(OWNERSHIP)
    matches_path = in_folder(
        MATCHES, folder if data is not None or listed is None else listed_path.parent
    )
    if problems:
        raise DataError(cite_parts(problems))
    return {
        "listed": listed_path,
        "suppliers": suppliers_path,
        "ownership": ownership_path if ownership is not None or ownership_path.exists() else None,
        "matches": matches_path if matches_path.exists() else None,
    }


def folder_file(folder: str | Path, schema: TableSchema) -> Path:
    """Return a folder's file of one table: its CSV file, or else its Parquet file.

    ``suppliers.csv`` or ``suppliers.parquet`` (a file, or a folder of Parquet parts), and so
    on. When neither exists, the CSV
    file's path, which the error then names.

    Raises
    ------
    DataError
        When the folder holds both: which one is meant is the user's to say.

    Examples
    --------
    >>> folder_file(bundled_data_dir(), SUPPLIERS).name
    'suppliers.csv'
    """
    csv_path = Path(folder) / schema.file_name
    parquet_path = csv_path.with_suffix(".parquet")  # a file, or a folder of its parts
    if not parquet_path.exists():
        return csv_path
    if csv_path.is_file():
        raise DataError(
            [
                Problem(
                    Path(folder),
                    None,
                    None,
                    f"holds both {csv_path.name} and {parquet_path.name}",
                    "keep one of them in the folder"
                    + (
                        f", or pass the one to read with --{csv_path.stem} FILE"
                        if schema in (LISTED, SUPPLIERS)
                        else ""
                    ),
                )
            ]
        )
    return parquet_path


def _load(paths: dict[str, Path | None]) -> Dataset:
    listed_path, suppliers_path = cast(Path, paths["listed"]), cast(Path, paths["suppliers"])
    problems: list[Problem] = []
    tables: dict[str, pd.DataFrame] = {}
    keys = None
    try:
        tables["listed"] = read_listed(listed_path)
    except DataError as error:
        problems.extend(error.problems)
    advance(suppliers_path.name)
    try:
        tables["suppliers"], keys = _read_suppliers(suppliers_path)
    except DataError as error:
        problems.extend(error.problems)
    advance("ownership and reviews")
    readers = {"ownership": read_ownership, "matches": read_matches}
    for role, reader in readers.items():
        path = paths[role]
        if path is None:
            continue
        try:
            tables[role] = reader(path)
        except DataError as error:
            problems.extend(error.problems)
    if problems:
        raise DataError(cite_parts(problems))
    return Dataset(
        tables["listed"],
        tables["suppliers"],
        {role: path for role, path in paths.items() if path is not None},
        ownership=tables.get("ownership"),
        matches=tables.get("matches"),
        _keys=keys,
    )


def read_listed(path: str | Path) -> pd.DataFrame:
    """Read and validate a ``listed.csv`` file.

    Examples
    --------
    >>> listed = read_listed(bundled_data_dir() / "listed.csv")
    >>> listed.loc[listed["name"] == "Hikvision", "federal_register_notice"].item()
    '84 FR 54002'
    """
    path = Path(path)
    from exposure.read import csl  # a CSL download (consolidated.csv/.json) is read as it is

    if csl.is_csl(path):
        return csl.read_csl_listed(path)
    table, problems = read_table(path, LISTED)
    ends_early = table["end_date"].notna() & (table["end_date"] < table["start_date"])
    for line in table.loc[ends_early, LINE]:
        problems.append(
            Problem(
                path,
                int(line),
                "end_date",
                "the listing ends before it starts",
                "correct end_date or start_date so that the end comes after the start",
            )
        )
    if problems:
        raise DataError(cite_parts(problems))
    return table


def read_matches(path: str | Path) -> pd.DataFrame:
    """Read and validate a ``matches.csv`` file of review decisions on name matches.

    Each row says that a customer name is (``confirmed``) or is not (``rejected``) a listed
    entity; see :mod:`exposure.entities.matcher`.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "matches.csv"
    >>> _ = path.write_text("customer,listed,decision,note,date\\n"
    ...                     "Dahua Electronics,Dahua Technology,Rejected,US firm,2024-05-02\\n")
    >>> read_matches(path)[["customer", "decision"]].values.tolist()
    [['Dahua Electronics', 'rejected']]
    """
    path = Path(path)
    table, problems = read_table(path, MATCHES)
    if problems:
        raise DataError(cite_parts(problems))
    return table


def read_suppliers(path: str | Path) -> pd.DataFrame:
    """Read and validate a ``suppliers.csv`` file.

    Beyond the checks of each cell: a company may not sell to itself, a (supplier, customer,
    product) triple appears once, and one supplier's known shares add up to at most 1.

    Examples
    --------
    >>> rows = read_suppliers(bundled_data_dir() / "suppliers.csv")
    >>> sorted(set(rows.loc[rows["customer"].str.contains("Hikvision"), "supplier"]))[:3]
    ['Ambarella', 'HiSilicon', 'Intel']
    """
    return _read_suppliers(Path(path))[0]


def _read_suppliers(path: Path) -> tuple[pd.DataFrame, NameKeys | None]:
    """Do what :func:`read_suppliers` does; return the keys of the supplier names too."""
    table, problems, keys = _read_checked(path, SUPPLIERS)
    extend(1)
    advance("checking rows")
    if len(table):
        problems.extend(_supply_problems(path, table, keys))
    if problems:
        raise DataError(cite_parts(problems))
    return table, keys.get("supplier")


def read_ownership(path: str | Path) -> pd.DataFrame:
    """Read and validate an ``ownership.csv`` file.

    Beyond the checks of each cell: nobody owns itself, an (owner, owned) pair appears once,
    and the known parts of one owned entity add up to at most 100%.

    Examples
    --------
    >>> owners = read_ownership(bundled_data_dir() / "ownership.csv")
    >>> owners.loc[owners["owned"] == "Hikvision", "percent"].tolist()
    [40.0]
    """
    path = Path(path)
    table, problems, keys = _read_checked(path, OWNERSHIP)
    if len(table):
        owner_key, owned_key, blank = _key_codes(keys["owner"], keys["owned"])
        lines = table[LINE].to_numpy()
        loops = (owner_key == owned_key) & (owner_key != blank)
        for line, name in zip(lines[loops], table["owner"].to_numpy(object)[loops], strict=True):
            problems.append(
                Problem(path, int(line), "owned", f"{name!r} owns itself", "remove the row")
            )
        pairs = pd.DataFrame({"owner": owner_key, "owned": owned_key})
        for line in lines[pairs.duplicated(keep="first").to_numpy()]:
            problems.append(
                Problem(
                    path,
                    int(line),
                    None,
                    "the same owner and owned entity as an earlier line",
                    "keep one row per owner and owned entity, with the total percent",
                )
            )
        percent = pd.Series(table["percent"].to_numpy(np.float64))
        totals = percent.where((percent > 0) & (percent <= 100)).groupby(owned_key).sum()
        for key in totals.index[totals > 100 + 1e-9]:
            mine = owned_key == key
            problems.append(
                Problem(
                    path,
                    int(lines[mine].min()),
                    "percent",
                    f"the owners of {table['owned'].to_numpy()[mine][0]!r} hold {totals[key]:.4g}% in all, "
                    f"over 100% ({list_lines(path, lines[mine][:8].tolist())})",
                    "correct the percentages so that one entity's owners hold at most 100%",
                )
            )
    if problems:
        raise DataError(cite_parts(problems))
    return table


def _key_codes(*keys: NameKeys) -> tuple[Any, ...]:
    """Return the name keys of several columns as integer codes of one numbering.

    The last item is the code of the empty key (-1 when no name lacks a key).
    """
    first = keys[0].keys
    if all(k.keys is first for k in keys):  # shared spellings: one numbering already
        empty = np.flatnonzero(first == "")
        return (*(k.codes for k in keys), np.intp(empty[0] if len(empty) else -1))
    distinct, _ = text_codes(pd.Series(np.concatenate([k.keys for k in keys]), dtype=object))
    numbering = pd.Index(distinct, dtype=object)
    codes = [numbering.get_indexer(k.keys)[k.codes] for k in keys]
    blank = int(numbering.get_indexer([""])[0])
    return (*codes, np.intp(blank))


def _supply_problems(path: Path, table: pd.DataFrame, keys: dict[str, NameKeys]) -> list[Problem]:
    problems: list[Problem] = []
    supplier_key, customer_key, blank = _key_codes(keys["supplier"], keys["customer"])
    lines = table[LINE].to_numpy()
    loops = np.flatnonzero((supplier_key == customer_key) & (supplier_key != blank))
    suppliers = table["supplier"].to_numpy(object) if len(loops) else np.zeros(0, dtype=object)
    for row in loops:
        problems.append(
            Problem(
                path,
                int(lines[row]),
                "customer",
                f"{suppliers[row]!r} sells to itself",
                "remove the row, or name the real customer",
            )
        )
    # One integer per (supplier, customer, product): the duplicates are repeated integers.
    n_keys = int(max(supplier_key.max(initial=0), customer_key.max(initial=0))) + 1
    product_text, product_codes = text_codes(table["product"])
    product, _ = pd.factorize(np.array([p.casefold() for p in product_text], dtype=object))
    n_products = max(len(product_text), 1)
    pair = supplier_key.astype(np.int64) * n_keys + customer_key
    if n_keys * n_keys * n_products >= 2**62:  # too many to number directly: renumber pairs
        pair = pd.factorize(pair)[0].astype(np.int64)
    triple = pair * n_products + product[product_codes]
    repeated = _repeats(triple)
    if repeated.any():
        name_line = line_names(path)
        first_line = pd.Series(lines).groupby(triple).transform("min").to_numpy()
        for line, first in zip(lines[repeated], first_line[repeated], strict=True):
            problems.append(
                Problem(
                    path,
                    int(line),
                    None,
                    f"the same supplier, customer and product as {name_line(int(first))}",
                    "remove the duplicate row, or merge the two rows into one",
                )
            )
    shares = table["revenue_share"].to_numpy(np.float64)
    with np.errstate(invalid="ignore"):
        known = (shares >= 0) & (shares <= 1)  # out-of-range cells are reported already
    totals = np.bincount(supplier_key, weights=np.where(known, shares, 0.0), minlength=n_keys)
    over = np.flatnonzero(totals > 1 + SHARE_TOLERANCE)
    if len(over):
        rows = np.flatnonzero(np.isin(supplier_key, over))
        rows = rows[np.argsort(supplier_key[rows], kind="stable")]
        starts = np.flatnonzero(np.diff(supplier_key[rows], prepend=-1))
        names = table["supplier"].to_numpy(object)
        for mine in np.split(rows, starts[1:]):
            key = supplier_key[mine[0]]
            problems.append(
                Problem(
                    path,
                    int(lines[mine].min()),
                    "revenue_share",
                    f"the shares of supplier {names[mine[0]]!r} add up to "
                    f"{totals[key]:.4g}, over 1 ({list_lines(path, lines[mine][:8].tolist())})",
                    "correct the shares so that one supplier's shares sum to at most 1",
                )
            )
    return problems


def _repeats(values: np.ndarray) -> np.ndarray:
    """Mark each value that an earlier row holds too, as :meth:`pandas.Series.duplicated` does.

    Valid data repeats nothing, and a sort (see :mod:`exposure.util.sorting`) shows that several
    times faster than hashing ten million integers; only data with repeats is hashed.

    Examples
    --------
    >>> _repeats(np.array([7, 3, 7, 5, 3, 7])).tolist()
    [False, False, True, False, True, True]
    """
    ordered = sort_integers(values)
    if not (ordered[1:] == ordered[:-1]).any():
        return np.zeros(len(values), dtype=bool)
    return pd.Series(values).duplicated(keep="first").to_numpy()


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
    table, problems, _ = _read_checked(Path(path), schema)
    return table, problems


def _read_checked(
    path: Path, schema: TableSchema
) -> tuple[pd.DataFrame, list[Problem], dict[str, NameKeys]]:
    """Do what :func:`read_table` does; return the name keys of the name columns too."""
    table, problems, keys = _checked(path, schema)
    # Raised problems are cited by part as DataError is made; returned ones are here.
    return table, in_parts(problems, path), keys


def _checked(
    path: Path, schema: TableSchema
) -> tuple[pd.DataFrame, list[Problem], dict[str, NameKeys]]:
    raw = _read_raw(path, schema)
    problems = check_columns(path, raw, schema)
    if problems:
        if is_dataset(path):  # every part has the columns: the folder, not one part's line 1
            problems = [replace(p, line=None) if p.line == 1 else p for p in problems]
        raise DataError(cite_parts(problems))
    table = raw.copy(deep=False)
    problems.extend(_long_cells(path, table))
    _share_spellings(table)
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


def _share_spellings(table: pd.DataFrame) -> None:
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


def _read_raw(path: Path, schema: TableSchema) -> pd.DataFrame:
    if is_dataset(path):
        return _read_parquet(path, schema, parquet_parts(path))
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
        return _read_parquet(path, schema, [path])
    if path.stat().st_size >= ARROW_CSV_FROM:
        table = _read_csv_arrow(path)
        if table is not None:
            return table
    data = path.read_bytes()
    binary = _binary_format(data)
    if binary:
        raise DataError(
            [
                Problem(
                    path,
                    None,
                    None,
                    f"this is {binary}, not UTF-8 CSV text",
                    "save it as CSV UTF-8 (comma-separated), or pass a .parquet file",
                )
            ]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        msg = f"byte 0x{data[error.start]:02x} at line {line}, character {column} is not UTF-8 text"
        raise DataError(
            [Problem(path, line, None, msg, "save the file as UTF-8 (in a spreadsheet: CSV UTF-8)")]
        ) from None
    if "\x00" in text:
        at = text.index("\x00")
        line = text.count("\n", 0, at) + 1
        column = at - (text.rfind("\n", 0, at) + 1) + 1
        raise DataError(
            [
                Problem(
                    path,
                    line,
                    None,
                    f"a NUL character at line {line}, character {column}: this is not plain text",
                    "save the file as CSV UTF-8 (not UTF-16 or a binary format)",
                )
            ]
        )
    if not text.strip():
        raise DataError(
            [
                Problem(
                    path,
                    None,
                    None,
                    "the file is empty",
                    f"start it with the header line: {','.join(schema.names)}",
                )
            ]
        )
    header_line, header = _header(path, text)
    stripped = [h.strip() for h in header]
    duplicates = sorted({h for h in stripped if h and stripped.count(h) > 1})
    if duplicates:
        raise DataError(
            [
                Problem(
                    path,
                    header_line,
                    d,
                    "the column appears more than once",
                    "keep one column of that name and rename or delete the others",
                )
                for d in duplicates
            ]
        )
    try:
        with warnings.catch_warnings():
            # pandas warns, and drops data, when every row has more cells than the header.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            table = pd.read_csv(
                io.StringIO(text),
                dtype=object,
                keep_default_na=False,
                na_filter=False,
                index_col=False,
                skip_blank_lines=True,
            )
    except (pd.errors.ParserError, pd.errors.ParserWarning) as error:
        raise DataError([_parser_problem(path, text, len(header), str(error))]) from None
    if len(table.columns) != len(stripped):  # pandas and csv read the header differently
        raise DataError([_parser_problem(path, text, len(header), "unreadable header")])
    lines = _record_lines(path, text, len(table), header_line)
    index = pd.RangeIndex(len(table))
    columns = []
    for i in range(len(stripped)):
        distinct, codes = text_codes(table.iloc[:, i].reset_index(drop=True))
        trimmed = np.array(
            [d.strip() if isinstance(d, str) else "" for d in distinct], dtype=object
        )
        columns.append(text_column(trimmed, codes, index))
    problems = []
    for i in [i for i, h in enumerate(stripped) if not h]:
        # A column without a name: trailing commas (dropped), or stray cells (an error).
        filled = (columns[i] != "").to_numpy()
        if filled.any():
            first = int(np.argmax(filled))
            problems.append(
                Problem(
                    path,
                    int(lines[first]),
                    None,
                    f"column {i + 1} has no name in the header, but this row has "
                    f"{columns[i].iat[first]!r} in it",
                    "name the column in the header line, or delete the stray cells",
                )
            )
    if problems:
        raise DataError(cite_parts(problems))
    named = [i for i, h in enumerate(stripped) if h]
    table = pd.DataFrame({stripped[i]: columns[i] for i in named}, index=index)
    table[LINE] = lines
    return table


#: CSV files of this many bytes or more are read by Arrow first (see :func:`_read_csv_arrow`).
ARROW_CSV_FROM = 16 * 2**20


def _read_csv_arrow(path: Path) -> pd.DataFrame | None:
    """Read a plain CSV file with Arrow's parser: threads, and no Python string per cell.

    Returns the table :func:`_read_raw` would return, or ``None`` when the file is anything
    but plain (not UTF-8, a NUL, a row Arrow cannot split, a blank or unnamed header, blank
    lines or line breaks inside cells that shift line numbers): the Python reader then reads
    it again and says exactly what is wrong, where.
    """
    import pyarrow as pa
    import pyarrow.csv as pcsv

    with path.open("rb") as handle:
        head = handle.read(2**16)
    first_line = head.split(b"\n", 1)[0]
    if _binary_format(head) or len(first_line) == len(head):
        return None
    try:
        header = next(csv.reader([first_line.decode("utf-8-sig").rstrip("\r")]))
    except (UnicodeDecodeError, csv.Error, StopIteration):
        return None
    lines = _physical_lines(path)
    if lines is None:
        return None
    try:
        table = pcsv.read_csv(
            path,
            # Every cell as text, as the Python reader gives it: checks parse numbers and dates.
            read_options=pcsv.ReadOptions(use_threads=True, column_names=header, skip_rows=1),
            parse_options=pcsv.ParseOptions(newlines_in_values=True),
            convert_options=pcsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.large_string()), strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, OSError):
        return None
    names = [name.strip() for name in table.column_names]
    if "" in names or len(set(names)) < len(names) or lines != table.num_rows + 1:
        return None
    index = pd.RangeIndex(table.num_rows)
    cells = dict(zip(names, table.columns, strict=True))
    columns: dict[str, pd.Series] = {}
    for group in _column_groups(names):
        texts = _text_columns([cells[name] for name in group], index)
        if "\x00" in "".join(texts[0].cat.categories):  # the group's one set of spellings
            return None
        columns.update(zip(group, texts, strict=True))
    frame = pd.DataFrame({name: columns[name] for name in names}, index=index)
    frame[LINE] = np.arange(table.num_rows, dtype=np.int64) + 2
    return frame


def _physical_lines(path: Path) -> int | None:
    """Return the number of lines of a file with LF or CRLF line ends, ``None`` otherwise.

    Also ``None`` when the first line is blank (the header then is not on line 1).
    """
    newlines = carriage_returns = pairs = 0
    last = b""
    with path.open("rb") as handle:
        first = handle.read(2)
        if first[:1] in (b"\n", b"\r") or not first:
            return None
        handle.seek(0)
        while chunk := handle.read(2**24):
            newlines += chunk.count(b"\n")
            carriage_returns += chunk.count(b"\r")
            pairs += chunk.count(b"\r\n") + (last.endswith(b"\r") and chunk.startswith(b"\n"))
            last = chunk[-1:]
    if carriage_returns != pairs:
        return None
    return newlines + (0 if last == b"\n" else 1)


#: The first bytes of file formats that people pass by mistake for a CSV file.
_SIGNATURES = (
    (b"PK\x03\x04", "a zip archive (an Excel .xlsx workbook?)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel .xls workbook"),
    (b"PAR1", "a Parquet file without the .parquet suffix"),
    (b"\xff\xfe", "UTF-16 text"),
    (b"\xfe\xff", "UTF-16 text"),
    (b"%PDF", "a PDF document"),
)


def _binary_format(data: bytes) -> str | None:
    """Name the format of a file that is plainly not CSV text, from its first bytes."""
    for signature, name in _SIGNATURES:
        if data.startswith(signature):
            return name
    return None


@contextlib.contextmanager
def _large_fields(size: int) -> Iterator[None]:
    """Let :mod:`csv` read cells of up to ``size`` characters (its default limit is 128 KiB)."""
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, min(size + 1, 2**31 - 1)))
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _records(text: str, *, blank: bool = False) -> Iterator[tuple[int, list[str]]]:
    """Yield each record of CSV text with the line it starts on, header included.

    Call it inside :func:`_large_fields`. Line ends may be LF, CRLF or CR; a quoted cell may
    span lines. Blank lines are skipped, as :func:`pandas.read_csv` skips them, unless
    ``blank`` (then they come as empty records).
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    for row in reader:
        if row or blank:
            yield start, row
        start = reader.line_num + 1


def _header(path: Path, text: str) -> tuple[int, list[str]]:
    """Return the line of the header and its cells: the first non-blank record."""
    try:
        with _large_fields(len(text)):
            for line, row in _records(text):
                return line, row
    except csv.Error as error:
        raise DataError([_parser_problem(path, text, 0, str(error))]) from None
    raise DataError([_parser_problem(path, text, 0, "no header line")])  # pragma: no cover


def _read_parquet(path: Path, schema: TableSchema, parts: list[Path]) -> pd.DataFrame:
    """Read a Parquet file, or the parts of a dataset folder (``path``), as one table."""
    import pyarrow as pa
    import pyarrow.parquet as pq

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
    groups = _column_groups(names)

    def read_group(group: list[str]) -> list[pd.Series]:
        if all(name in by_polars for name in group):
            try:
                return _polars_text_columns(parts, [names.index(n) for n in group], n_rows)
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
            return _text_columns(table.columns, index)
        return [_parquet_column(table.column(0), index, number=group[0].strip() in numeric)]

    # Groups are read and encoded in Arrow threads (the work releases the GIL): two at once.
    from concurrent.futures import ThreadPoolExecutor

    # The first part with rows shows how text columns are stored (all parts have one schema).
    probed = next((p for p, f in zip(parts, footers, strict=True) if f.num_rows), parts[0])
    try:
        text = [f.name for f in file_schema if _is_arrow_text(f.type)]
        few_strings = _few_strings(probed, text) if cast_to is None else set()
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
    import pyarrow as pa

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
    import pyarrow as pa

    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    if pa.types.is_null(kind):
        return None
    if _is_arrow_text(kind):
        return "text"
    if pa.types.is_integer(kind):
        return "integer"
    if pa.types.is_floating(kind):
        return "float"
    return kind


def _polars_reads(file_schema: Any, n_rows: int, few_strings: set[str]) -> set[str]:
    """Return the columns that polars reads: plain text of many strings, enough rows to hash.

    polars' reader gives strings that :mod:`exposure.util.encode` hashes where they are; Arrow's
    would be copied into polars' memory first (at ten million rows of two name columns, 0.3 s
    and 0.7 GB more). Columns of few strings are read as Arrow dictionaries instead.
    """
    from exposure.util.encode import HASHED_FROM

    if n_rows < max(HASHED_FROM, 1):
        return set()
    try:
        import_polars()
    except ImportError:
        return set()
    once = set(_named_once(list(file_schema.names)))
    return {
        f.name
        for f in file_schema
        if _is_arrow_text(f.type) and f.name in once and f.name not in few_strings
    }


def _named_once(names: list[str]) -> list[str]:
    """Return the names that no other column of the file shares (those can be read by name)."""
    return [n for n in dict.fromkeys(names) if names.count(n) == 1]


def _polars_text_columns(parts: list[Path], positions: list[int], n_rows: int) -> list[pd.Series]:
    """Read text columns with polars' Parquet reader; code them as :func:`_text_columns` does.

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
    return _categorical_columns(columns, pd.RangeIndex(n_rows))


def _polars_failures() -> tuple[type[BaseException], ...]:
    """Return what polars raises on a file it cannot read: errors, and panics (no ``Exception``)."""
    pl = import_polars()

    return (Exception, pl.exceptions.PanicException)


def _is_arrow_text(kind: Any) -> bool:
    """Whether an Arrow type is one of text, as the coding of text columns takes them."""
    import pyarrow as pa

    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def _arrow_text(column: Any) -> Any:
    """Return an Arrow column as text without nulls (empty cells are ``""``).

    A dictionary column of strings stays one: :mod:`exposure.util.encode` codes it by its
    dictionaries.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_dictionary(column.type):
        if (
            _is_arrow_text(column.type.value_type)
            and not column.null_count
            and not any(c.dictionary.null_count for c in column.chunks)
        ):
            return column
        column = column.cast(column.type.value_type)
    if not _is_arrow_text(column.type):
        try:
            column = column.cast(pa.large_string())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            cells = ["" if v is None else str(v) for v in column.to_pylist()]
            column = pa.chunked_array([pa.array(cells, type=pa.large_string())])
    return pc.fill_null(column, "") if column.null_count else column


def _column_groups(names: list[str]) -> list[list[str]]:
    """Group a file's columns for reading: the name columns together, each other one alone.

    The name columns of a table (supplier and customer) are coded together: a company that
    both sells and buys is one spelling, hashed once, in the order :func:`_share_spellings`
    gives. Column names that are equal once stripped are left for the checks to report.

    Examples
    --------
    >>> _column_groups(["customer", "product", " supplier"])
    [[' supplier', 'customer'], ['product']]
    """
    shared = [n for c in NAME_COLUMNS for n in names if n.strip() == c]
    if len(shared) < 2 or len({n.strip() for n in names}) < len(names):
        shared = []
    return ([shared] if shared else []) + [[n] for n in names if n not in shared]


#: Cells of each text column whose distinct strings decide how the column is read.
_PROBE_CELLS = 65_536


def _few_strings(path: Path, names: list[str]) -> set[str]:
    """Return the text columns among ``names`` whose first cells hold few distinct strings.

    These are read as Arrow dictionaries, without building a string per cell: a column of
    ten million product names or countries is then coded by its few distinct strings (Parquet
    writers store such columns as dictionary codes). Columns of many distinct strings are read
    as text (a reader that fell back from a dictionary to plain pages would build one by
    hashing every cell). The first :data:`_PROBE_CELLS` cells of each column decide: at most
    one distinct string in eight. Reading them costs milliseconds, and a file the reader cannot
    read (damaged, or with encrypted columns) raises here as it would later.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

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


def _parquet_column(column: Any, index: pd.Index, *, number: bool) -> pd.Series:
    """Turn one Arrow column into a float column or a categorical text column."""
    import pyarrow as pa

    if pa.types.is_dictionary(column.type) and number:
        column = column.cast(column.type.value_type)
    if number and (pa.types.is_floating(column.type) or pa.types.is_integer(column.type)):
        return pd.Series(column.to_numpy().astype(np.float64), index=index)
    return _text_columns([column], index)[0]


def _text_columns(columns: list[Any], index: pd.Index) -> list[pd.Series]:
    """Turn Arrow columns into categorical text columns of one set of spellings.

    The spellings are stripped, in order of first appearance down the first column, then the
    next (as :func:`_share_spellings` orders them).
    """
    return _categorical_columns([_arrow_text(column) for column in columns], index)


def _categorical_columns(columns: list[Any], index: pd.Index) -> list[pd.Series]:
    """Code text columns (Arrow or polars, no nulls) into categorical columns, as above."""
    from exposure.util.encode import encode_text

    codes, dictionary = encode_text(columns)
    spellings = dictionary.to_pylist()
    trimmed = np.array([d.strip() for d in spellings], dtype=object)
    # A dictionary holds each string once; unless trimming made two equal, nothing to merge.
    unique = all(t is d or t == d for t, d in zip(trimmed, spellings, strict=True))
    if not unique:
        merged, distinct = pd.factorize(trimmed, sort=False)
        codes = [merged[c] for c in codes]
        trimmed = np.asarray(distinct, dtype=object)
    shared = distinct_categories(pd.Index(trimmed, dtype=object))
    return [pd.Series(pd.Categorical.from_codes(c, dtype=shared), index=index) for c in codes]


def _parser_problem(path: Path, text: str, width: int, message: str) -> Problem:
    """Find the line that :func:`pandas.read_csv` could not split, and say how to fix it."""
    fix = "quote cells that contain commas, and give every row as many cells as the header"
    # pandas counts rows from 0, blank ones too, in "EOF inside string starting at row N".
    unclosed = re.search(r"EOF inside string starting at row (\d+)", message)
    try:
        with _large_fields(len(text)):
            for index, (line, row) in enumerate(_records(text, blank=True)):
                if unclosed and index == int(unclosed.group(1)):
                    return Problem(
                        path,
                        line,
                        None,
                        "a quote opens a cell on this line and is never closed",
                        "close the quote, or remove it; a cell that holds a comma or a line "
                        "break must start and end with a quote",
                    )
                if not unclosed and len(row) > width > 0:  # never the header: it is `width`
                    return Problem(
                        path,
                        line,
                        None,
                        f"the row cannot be split into columns ({len(row)} cells where the "
                        f"header names {width})",
                        fix,
                    )
    except csv.Error as error:
        message = str(error)
    return Problem(path, None, None, f"the file cannot be split into columns ({message})", fix)


def _record_lines(path: Path, text: str, n_records: int, header_line: int = 1) -> np.ndarray:
    """Return the line on which each record starts (the header is on ``header_line``)."""
    physical = text.count("\n") + (0 if text.endswith("\n") else 1)
    lone_cr = text.count("\r") != text.count("\r\n")
    if header_line == 1 and physical == n_records + 1 and not lone_cr:
        return np.arange(n_records, dtype=np.int64) + 2
    # Quoted newlines, blank lines or CR line ends: count as csv does, on this slower path only.
    lines = np.zeros(n_records, dtype=np.int64)
    try:
        with _large_fields(len(text)):
            records = _records(text)
            next(records)  # the header
            for i, (start, _) in zip(range(n_records), records, strict=False):
                lines[i] = start
    except csv.Error as error:  # pragma: no cover - pandas read the same text without error
        raise DataError([_parser_problem(path, text, 0, str(error))]) from None
    return lines
