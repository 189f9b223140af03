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

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from exposure.errors import DataError, Problem
from exposure.names import name_key_codes
from exposure.read import csl
from exposure.read.checks import (
    NameKeys,
    text_codes,
)
from exposure.read.folders import (
    cite_parts,
    is_url,
    line_names,
    list_lines,
)
from exposure.read.schema import LINE, LISTED, LISTS, MATCHES, OWNERSHIP, SUPPLIERS, TableSchema
from exposure.read.tables import read_checked, read_table
from exposure.restrictions import is_known_list
from exposure.util.progress import advance, extend, progress
from exposure.util.sorting import sort_integers

__all__ = [
    "Dataset",
    "bundled_data_dir",
    "folder_file",
    "load",
    "read_listed",
    "read_lists",
    "read_matches",
    "read_ownership",
    "read_suppliers",
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
        The file each table was read from, by table name (``listed``, ``suppliers``, ...): a
        path, or the URL Spark read the sales from.
    ownership
        Who owns how much of whom (``ownership.csv``), when the folder has one.
    matches
        Review decisions on name matches (``matches.csv``), when the folder has one.
    lists
        What the user's own lists restrict (``lists.csv``), when the folder has one.
    """

    listed: pd.DataFrame
    suppliers: pd.DataFrame
    files: dict[str, Path | str] = field(default_factory=dict)
    ownership: pd.DataFrame | None = None
    matches: pd.DataFrame | None = None
    lists: pd.DataFrame | None = None
    #: The name keys that validation computed for the supplier and customer spellings.
    _keys: NameKeys | None = field(default=None, repr=False, compare=False)

    @property
    def inputs(self) -> tuple[Path, ...]:
        """The local files the tables were read from: what no output may overwrite.

        A table Spark read from a URL (``files``) is no local file.
        """
        return tuple(path for path in self.files.values() if isinstance(path, Path))

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
    sales: bool = True,
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
    sales
        Read the suppliers table too. Off, only the other tables are read (its ``suppliers``
        is empty, its file still named): for engines that read the sales themselves
        (:mod:`exposure.spark`), which may read them from a URL (``suppliers="s3a://..."``).

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
        paths = input_files(data, listed=listed, suppliers=suppliers, ownership=ownership)
        return _load(paths, sales=sales)


def input_files(
    data: str | Path | None = None,
    *,
    listed: str | Path | None = None,
    suppliers: str | Path | None = None,
    ownership: str | Path | None = None,
) -> dict[str, Path | str | None]:
    """Return the files :func:`load` reads for these arguments, by role.

    ``listed`` and ``suppliers`` always; ``ownership`` and ``matches`` (review decisions) when
    given or present in the folder, else ``None``. ``ownership.csv``, ``matches.csv`` and
    ``lists.csv`` are looked for in the folder, or beside a ``listed`` file given without a
    folder (never in the bundled data's then).

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
    suppliers_path: Path | str
    if suppliers is not None:  # a URL stays as written: only Spark reads it
        suppliers_path = suppliers if is_url(suppliers) else Path(suppliers)
    else:
        suppliers_path = in_folder(SUPPLIERS)
    # Files given one by one, without a folder: the optional tables are those beside the
    # listed file, never the bundled data's.
    beside_listed = folder if data is not None or listed is None else listed_path.parent
    ownership_path = (
        Path(ownership) if ownership is not None else in_folder(OWNERSHIP, beside_listed)
    )
    matches_path = in_folder(MATCHES, beside_listed)
    lists_path = in_folder(LISTS, beside_listed)
    if problems:
        raise DataError(cite_parts(problems))
    return {
        "listed": listed_path,
        "suppliers": suppliers_path,
        "ownership": ownership_path if ownership is not None or ownership_path.exists() else None,
        "matches": matches_path if matches_path.exists() else None,
        "lists": lists_path if lists_path.exists() else None,
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


def _load(paths: dict[str, Path | str | None], *, sales: bool = True) -> Dataset:
    listed_path, suppliers_path = cast(Path, paths["listed"]), paths["suppliers"]
    if isinstance(suppliers_path, str) and sales:  # a URL: read by engines reading the sales
        problem = Problem(
            suppliers_path,
            None,
            None,
            "is a URL: only the Spark engine reads a table from one",
            "copy the table to this machine, or run `exposure report --engine spark`",
        )
        raise DataError([problem])
    problems: list[Problem] = []
    tables: dict[str, pd.DataFrame] = {}
    keys = None
    try:
        tables["listed"] = read_listed(listed_path)
    except DataError as error:
        problems.extend(error.problems)
    advance(Path(str(suppliers_path)).name)
    try:
        if sales:
            tables["suppliers"], keys = _read_suppliers(cast(Path, suppliers_path))
        else:
            tables["suppliers"] = pd.DataFrame(columns=[c.name for c in SUPPLIERS.columns])
    except DataError as error:
        problems.extend(error.problems)
    advance("ownership and reviews")
    readers = {"ownership": read_ownership, "matches": read_matches, "lists": read_lists}
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
        lists=tables.get("lists"),
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

    if csl.is_csl(path):
        return csl.read_csl_listed(path)
    table, problems = read_table(path, LISTED)
    # A listing is in force until the day before its end_date: one that ends the day it
    # starts is never in force.
    never = table["end_date"].notna() & (table["end_date"] <= table["start_date"])
    same_days = (table["end_date"] == table["start_date"])[never]
    for line, same_day in zip(table.loc[never, LINE], same_days, strict=True):
        problems.append(
            Problem(
                path,
                int(line),
                "end_date",
                "the listing ends the day it starts, so it is never in force"
                if same_day
                else "the listing ends before it starts",
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
    table, problems, keys = read_checked(path, SUPPLIERS)
    extend(1)
    advance("checking rows")
    if len(table):
        # A share the cell checks refused is empty here: its row's period is not in question.
        refused = {p.line for p in problems if p.column == "revenue_share"}
        problems.extend(_supply_problems(path, table, keys, refused_shares=refused))
    if problems:
        raise DataError(cite_parts(problems))
    return table, keys.get("supplier")


def read_lists(path: str | Path) -> pd.DataFrame:
    """Read and validate a ``lists.csv``: what the user's own lists restrict.

    Each list once; a list :mod:`exposure.restrictions` knows (the Entity List, the SDN
    list...) may not be described again: its rules are built in, cited.
    """
    path = Path(path)
    table, problems, _ = read_checked(path, LISTS)
    seen: dict[str, int] = {}
    for line, name in zip(table[LINE].tolist(), table["list"].astype(str).tolist(), strict=True):
        key = " ".join(name.casefold().split())
        if is_known_list(name):
            problems.append(
                Problem(
                    path,
                    int(line),
                    "list",
                    f"{name!r} is a list whose rules are built in (exposure/restrictions.py)",
                    "remove the row: lists.csv describes lists exposure does not know",
                )
            )
        elif key in seen:
            problems.append(
                Problem(
                    path,
                    int(line),
                    "list",
                    f"{name!r} is described already on line {seen[key]}",
                    "keep one row per list",
                )
            )
        seen.setdefault(key, int(line))
    if problems:
        raise DataError(cite_parts(problems))
    return table


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
    table, problems, keys = read_checked(path, OWNERSHIP)
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


def _supply_problems(
    path: Path,
    table: pd.DataFrame,
    keys: dict[str, NameKeys],
    *,
    refused_shares: set[int | None] | None = None,
) -> list[Problem]:
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
    repeated = repeats(triple)
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
    if "period" in table.columns:
        periods = table["period"].astype(str).to_numpy(object)
        for line in lines[(periods != "") & np.isnan(shares)]:
            if int(line) in (refused_shares or set()):
                continue  # the share the cell checks refused is reported already
            problems.append(
                Problem(
                    path,
                    int(line),
                    "period",
                    "a period is given, but no revenue_share it would be the period of",
                    "fill in the revenue_share measured over that period, or empty the period",
                )
            )
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


def repeats(values: np.ndarray) -> np.ndarray:
    """Mark each value that an earlier row holds too, as :meth:`pandas.Series.duplicated` does.

    Valid data repeats nothing, and a sort (see :mod:`exposure.util.sorting`) shows that several
    times faster than hashing ten million integers; only data with repeats is hashed.

    Examples
    --------
    >>> repeats(np.array([7, 3, 7, 5, 3, 7])).tolist()
    [False, False, True, False, True, True]
    """
    ordered = sort_integers(values)
    if not (ordered[1:] == ordered[:-1]).any():
        return np.zeros(len(values), dtype=bool)
    return pd.Series(values).duplicated(keep="first").to_numpy()
