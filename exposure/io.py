"""Reading and validating the data files, and writing outputs safely.

Every reader returns a validated :class:`pandas.DataFrame` whose text cells are stripped strings
(empty string for an empty cell) and whose typed columns are parsed: dates become
``datetime64`` (``NaT`` when empty), shares become ``float`` (``NaN`` when unknown). A hidden
``_line`` column keeps each row's line number in its file, so later steps can point at it.

All problems of a file are collected before anything is raised, so ``exposure validate`` can
list them all; the raised :class:`~exposure._errors.DataError` names the file, the line, the
column, what is wrong and how to fix it.
"""

from __future__ import annotations

import contextlib
import csv
import difflib
import io
import os
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from exposure._errors import DataError, ExposureError, Problem
from exposure.names import name_keys
from exposure.schema import LISTED, OWNERSHIP, SUPPLIERS, TableSchema

__all__ = [
    "Dataset",
    "bundled_data_dir",
    "load",
    "read_listed",
    "read_ownership",
    "read_suppliers",
    "read_table",
    "write_atomic",
]

LINE = "_line"
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
    package = Path(__file__).resolve().parent
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
        A folder holding ``listed.csv`` and ``suppliers.csv``; default: the bundled data.
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
                    "pass a folder holding listed.csv and suppliers.csv",
                )
            ]
        )
    listed_path = Path(listed) if listed is not None else folder / LISTED.file_name
    suppliers_path = Path(suppliers) if suppliers is not None else folder / SUPPLIERS.file_name
    problems: list[Problem] = []
    tables: dict[str, pd.DataFrame] = {}
    for name, path, reader in (
        ("listed", listed_path, read_listed),
        ("suppliers", suppliers_path, read_suppliers),
    ):
        try:
            tables[name] = reader(path)
        except DataError as error:
            problems.extend(error.problems)
    files = {"listed": listed_path, "suppliers": suppliers_path}
    ownership_path = Path(ownership) if ownership is not None else folder / OWNERSHIP.file_name
    if ownership is not None or ownership_path.is_file():
        files["ownership"] = ownership_path
        try:
            tables["ownership"] = read_ownership(ownership_path)
        except DataError as error:
            problems.extend(error.problems)
    if problems:
        raise DataError(problems)
    return Dataset(tables["listed"], tables["suppliers"], files, ownership=tables.get("ownership"))


def read_listed(path: str | Path) -> pd.DataFrame:
    """Read and validate a ``listed.csv`` file.

    Examples
    --------
    >>> listed = read_listed(bundled_data_dir() / "listed.csv")
    >>> listed.loc[listed["name"] == "Hikvision", "federal_register_notice"].item()
    '84 FR 54002'
    """
    path = Path(path)
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
        raise DataError(problems)
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
    path = Path(path)
    table, problems = read_table(path, SUPPLIERS)
    if len(table):
        problems.extend(_supply_problems(path, table))
    if problems:
        raise DataError(problems)
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
    table, problems = read_table(path, OWNERSHIP)
    if len(table):
        owner_key = name_keys(table["owner"])
        owned_key = name_keys(table["owned"])
        lines = table[LINE].to_numpy()
        loops = (owner_key == owned_key) & (owner_key != "")
        for line, name in zip(lines[loops], table["owner"][loops], strict=True):
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
                    f"over 100% (lines {', '.join(str(int(x)) for x in lines[mine][:8])})",
                    "correct the percentages so that one entity's owners hold at most 100%",
                )
            )
    if problems:
        raise DataError(problems)
    return table


def _supply_problems(path: Path, table: pd.DataFrame) -> list[Problem]:
    problems: list[Problem] = []
    supplier_key = name_keys(table["supplier"])
    customer_key = name_keys(table["customer"])
    lines = table[LINE].to_numpy()
    loops = (supplier_key == customer_key) & (supplier_key != "")
    for line, name in zip(lines[loops], table["supplier"][loops], strict=True):
        problems.append(
            Problem(
                path,
                int(line),
                "customer",
                f"{name!r} sells to itself",
                "remove the row, or name the real customer",
            )
        )
    triple = pd.DataFrame(
        {"s": supplier_key, "c": customer_key, "p": table["product"].str.casefold()}
    )
    repeated = triple.duplicated(keep="first").to_numpy()
    if repeated.any():
        first_line = triple.groupby(["s", "c", "p"], sort=False).ngroup().to_numpy()
        first_of_group = pd.Series(lines).groupby(first_line).transform("min").to_numpy()
        for line, first in zip(lines[repeated], first_of_group[repeated], strict=True):
            problems.append(
                Problem(
                    path,
                    int(line),
                    None,
                    f"the same supplier, customer and product as line {int(first)}",
                    "remove the duplicate row, or merge the two rows into one",
                )
            )
    shares = pd.Series(table["revenue_share"].to_numpy(np.float64))
    shares = shares.where((shares >= 0) & (shares <= 1))  # out-of-range cells are reported already
    totals = shares.groupby(supplier_key).sum(min_count=1)
    for key in totals.index[totals > 1 + SHARE_TOLERANCE]:
        mine = supplier_key == key
        problems.append(
            Problem(
                path,
                int(lines[mine].min()),
                "revenue_share",
                f"the shares of supplier {table['supplier'].to_numpy()[mine][0]!r} add up to "
                f"{totals[key]:.4g}, over 1 (lines {', '.join(str(int(x)) for x in lines[mine][:8])})",
                "correct the shares so that one supplier's shares sum to at most 1",
            )
        )
    return problems


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
    path = Path(path)
    raw = _read_raw(path, schema)
    problems = _check_columns(path, raw, schema)
    if problems:
        raise DataError(problems)
    table = raw.copy()
    for column in schema.columns:
        if column.name not in table.columns:
            table[column.name] = ""
        problems.extend(_check_cells(path, table, column.name, schema))
    return table, problems


def _read_raw(path: Path, schema: TableSchema) -> pd.DataFrame:
    if not path.is_file():
        what = "no such file" if not path.exists() else "not a file"
        raise DataError(
            [
                Problem(
                    path,
                    None,
                    None,
                    what,
                    f"pass the path of a {schema.file_name} file, or a --data folder holding one",
                )
            ]
        )
    if path.suffix.lower() == ".parquet":
        return _read_parquet(path, schema)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        msg = f"byte 0x{data[error.start]:02x} at line {line}, character {column} is not UTF-8 text"
        raise DataError(
            [Problem(path, line, None, msg, "save the file as UTF-8 (in a spreadsheet: CSV UTF-8)")]
        ) from None
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
    header = next(csv.reader(io.StringIO(text)))
    stripped = [h.strip() for h in header]
    duplicates = sorted({h for h in stripped if h and stripped.count(h) > 1})
    if duplicates:
        raise DataError(
            [
                Problem(
                    path,
                    1,
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
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                index_col=False,
                skip_blank_lines=True,
            )
    except (pd.errors.ParserError, pd.errors.ParserWarning) as error:
        raise DataError([_parser_problem(path, text, len(header), str(error))]) from None
    table.columns = stripped
    table = table.astype(object)
    for name in table.columns:
        table[name] = table[name].str.strip()
    table[LINE] = _record_lines(text, len(table))
    return table.reset_index(drop=True)


def _read_parquet(path: Path, schema: TableSchema) -> pd.DataFrame:
    try:
        table = pd.read_parquet(path)
    except Exception as error:  # pyarrow raises many types for a damaged file
        raise DataError(
            [
                Problem(
                    path,
                    None,
                    None,
                    f"cannot read it as Parquet ({error})",
                    "pass a valid Parquet file or a CSV file",
                )
            ]
        ) from None
    # Parquet carries types; validation works on text like CSV's, so both read the same way.
    table = table.astype("string").fillna("").astype(object)
    for name in table.columns:
        table[name] = table[name].str.strip()
    table[LINE] = np.arange(len(table), dtype=np.int64) + 1
    return table.reset_index(drop=True)


def _parser_problem(path: Path, text: str, width: int, message: str) -> Problem:
    reader = csv.reader(io.StringIO(text))
    next(reader)
    line, cells = None, width
    start = reader.line_num + 1
    for row in reader:
        if len(row) > width:
            line, cells = start, len(row)
            break
        start = reader.line_num + 1
    detail = f"{cells} cells where the header names {width}" if line else message
    return Problem(
        path,
        line,
        None,
        f"the row cannot be split into columns ({detail})",
        "quote cells that contain commas, and give every row as many cells as the header",
    )


def _record_lines(text: str, n_records: int) -> np.ndarray:
    """Return the line on which each record starts (the header is line 1)."""
    physical = text.count("\n") + (0 if text.endswith("\n") else 1)
    if physical == n_records + 1:
        return np.arange(n_records, dtype=np.int64) + 2
    # Quoted newlines or blank lines: count as csv does, on this slower path only.
    lines = np.empty(n_records, dtype=np.int64)
    reader = csv.reader(io.StringIO(text))
    next(reader)
    start = reader.line_num + 1
    i = 0
    for row in reader:
        if row and i < n_records:
            lines[i] = start
            i += 1
        start = reader.line_num + 1
    return lines


def _check_columns(path: Path, table: pd.DataFrame, schema: TableSchema) -> list[Problem]:
    present = list(table.columns)
    problems = []
    for name in schema.required:
        if name not in present:
            near = difflib.get_close_matches(
                name, [p for p in present if p not in schema.names], n=1
            )
            fix = (
                f"rename column {near[0]!r} to {name!r}"
                if near
                else f"add a column {name!r}; the header must name: {', '.join(schema.required)}"
            )
            problems.append(Problem(path, 1, name, "a required column is missing", fix))
    if not problems and not len(table):
        problems.append(
            Problem(
                path,
                None,
                None,
                "the file has a header but no rows",
                "add at least one row of data below the header",
            )
        )
    return problems


@cache
def _country_codes() -> frozenset[str]:
    import pycountry  # loads a large table; only when a country is checked

    return frozenset(c.alpha_2 for c in pycountry.countries)


def _check_cells(
    path: Path, table: pd.DataFrame, name: str, schema: TableSchema
) -> Iterator[Problem]:
    column = schema[name]
    values = table[name]
    lines = table[LINE].to_numpy()
    empty = (values == "").to_numpy()
    if column.required:
        for line in lines[empty]:
            yield Problem(path, int(line), name, "the cell is empty", f"fill in the {name}")
        if column.kind == "text":
            no_letters = (
                ~empty & (name_keys(values) == "")
                if name in ("name", "supplier", "customer")
                else np.zeros(len(values), bool)
            )
            for line, value in zip(lines[no_letters], values[no_letters], strict=True):
                yield Problem(
                    path,
                    int(line),
                    name,
                    f"{value!r} has no letters or digits",
                    f"give the real {name}",
                )
    if column.kind == "date":
        parsed = pd.to_datetime(values.where(~empty, None), format="%Y-%m-%d", errors="coerce")
        bad = parsed.isna().to_numpy() & ~empty
        for line, value in zip(lines[bad], values[bad], strict=True):
            yield Problem(
                path,
                int(line),
                name,
                f"{value!r} is not a date",
                "write dates as YYYY-MM-DD, e.g. 2019-10-09",
            )
        table[name] = parsed
    elif column.kind == "share":
        shares = pd.to_numeric(values.where(~empty, None), errors="coerce").astype(float)
        numbers = shares.to_numpy(np.float64)
        not_number = np.isnan(numbers) & ~empty
        for line, value in zip(lines[not_number], values[not_number], strict=True):
            yield Problem(
                path,
                int(line),
                name,
                f"{value!r} is not a number",
                "write a share from 0 to 1 (0.17 for 17%), or leave the cell empty when unknown",
            )
        with np.errstate(invalid="ignore"):
            out = (numbers < 0) | (numbers > 1) | np.isinf(numbers)
        for line, value in zip(lines[out], values[out], strict=True):
            yield Problem(
                path,
                int(line),
                name,
                f"{value!r} is not between 0 and 1",
                "write a share from 0 to 1 (0.17 for 17%), or leave the cell empty when unknown",
            )
        table[name] = shares
    elif column.kind == "percent":
        percents = pd.to_numeric(values.where(~empty, None), errors="coerce").astype(float)
        numbers = percents.to_numpy(np.float64)
        with np.errstate(invalid="ignore"):
            bad = ~empty & ~((numbers > 0) & (numbers <= 100))
        for line, value in zip(lines[bad], values[bad], strict=True):
            yield Problem(
                path,
                int(line),
                name,
                f"{value!r} is not a percentage over 0 and at most 100",
                "write the part owned in percent (40 for 40%), or leave the cell empty when unknown",
            )
        table[name] = percents
    elif column.kind == "country":
        codes = values.str.upper()
        bad = ~empty & ~codes.isin(_country_codes()).to_numpy()
        for line, value in zip(lines[bad], values[bad], strict=True):
            yield Problem(
                path,
                int(line),
                name,
                f"{value!r} is not an ISO 3166-1 alpha-2 country code",
                "use a two-letter code such as CN or US, or leave the cell empty",
            )
        table[name] = codes
    elif column.kind == "choice":
        lowered = values.str.lower()
        bad = ~empty & ~lowered.isin(column.choices).to_numpy()
        for line, value in zip(lines[bad], values[bad], strict=True):
            yield Problem(
                path,
                int(line),
                name,
                f"{value!r} is not one of {', '.join(column.choices)}",
                f"write one of {', '.join(column.choices)}, or leave the cell empty",
            )
        table[name] = lowered


def write_atomic(path: str | Path, data: str | bytes, *, inputs: tuple[Path, ...] = ()) -> Path:
    """Write ``data`` to ``path`` all at once: a temporary file, then a rename.

    No half-written file is left behind after an error or an interruption.

    Parameters
    ----------
    path
        Where to write.
    data
        Text (written as UTF-8) or bytes.
    inputs
        Files the output must not replace.

    Raises
    ------
    ExposureError
        When ``path`` is one of ``inputs``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "report.json"
    >>> write_atomic(out, "[]").read_text()
    '[]'
    """
    path = Path(path)
    for source in inputs:
        if source.exists() and path.exists() and path.resolve() == source.resolve():
            msg = f"{path} is one of the input files; refusing to write over it. Choose another output name"
            raise ExposureError(msg)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return path
