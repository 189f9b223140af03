"""Text cells and their checks: every distinct string of a column is coded, and checked, once.

The readers (:mod:`exposure.read.dataset` for ``listed.csv``, ``suppliers.csv`` and the rest,
:mod:`exposure.read.csl` for the Consolidated Screening List) share these: a table's columns are
checked against its schema (:data:`exposure.read.schema.LISTED` and the others), each problem with
its file, line, column and fix, and text columns are kept as codes into their distinct strings.

Examples
--------
>>> import pandas as pd
>>> distinct, codes = text_codes(pd.Series(["b", "a", "b"]))
>>> distinct.tolist(), codes.tolist()
(['b', 'a'], [0, 1, 0])
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from exposure.errors import Problem
from exposure.names import name_key_codes
from exposure.read.schema import LINE, TableSchema
from exposure.util.encode import code_type, encode_text

__all__ = [
    "NAME_COLUMNS",
    "NUMBER_RANGES",
    "NameKeys",
    "arrow_text",
    "categorical_columns",
    "check_cells",
    "check_columns",
    "column_groups",
    "country_codes",
    "distinct_categories",
    "is_arrow_text",
    "is_text",
    "normal_eccn",
    "object_column",
    "same_text",
    "text_codes",
    "text_column",
    "text_columns",
]


def text_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Return the distinct strings of a text column and each row's index into them.

    Checks and conversions run once per distinct string: a column of ten million cells often
    holds a few hundred thousand.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        return np.asarray(values.cat.categories, dtype=object), values.cat.codes.to_numpy()
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), sort=False)
    return np.asarray(uniques, dtype=object), codes


def text_column(
    distinct: np.ndarray,
    codes: np.ndarray,
    index: pd.Index,
    *,
    compact: bool = True,
    unique: bool = False,
) -> pd.Series:
    """Build a text column from strings and codes, merging strings that are now equal.

    ``compact``: as a :class:`pandas.Categorical` (each string stored once); otherwise as
    Python strings. ``unique``: the strings are known to be distinct already.
    """
    if unique:
        uniques = distinct
    else:
        merged, uniques = pd.factorize(distinct, sort=False)
        if len(merged):
            # Gathered in the integer type the categorical keeps (most often 8-bit): ten
            # million rows' codes are then written once, 10 MB rather than 80.
            codes = merged.astype(code_type(len(uniques)), copy=False)[codes]
    strings = pd.Index(np.asarray(uniques, dtype=object), dtype=object)
    if compact:
        dtype = distinct_categories(strings)
        return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype), index=index)
    return pd.Series(strings.to_numpy()[codes], index=index, dtype=object)


def distinct_categories(strings: pd.Index) -> pd.CategoricalDtype:
    """Return the categorical type of strings known to be distinct, without checking them again.

    pandas' constructor checks that categories are distinct by hashing each one, a pass over
    every name; the strings here come out of a hash table already (a factorization, or
    :mod:`exposure.util.encode`). pandas' own unchecked constructor is used where it has one.

    Examples
    --------
    >>> distinct_categories(pd.Index(["b", "a"])) == pd.CategoricalDtype(["b", "a"])
    True
    """
    unchecked = getattr(pd.CategoricalDtype, "_from_fastpath", None)
    if unchecked is None:  # pragma: no cover - pandas without it
        return pd.CategoricalDtype(strings)
    dtype: pd.CategoricalDtype = unchecked(strings, False)
    return dtype


def object_column(values: np.ndarray) -> pd.Series:
    """Return Python strings as a column of them, as they are.

    pandas 3 would copy them into Arrow strings (a pass over every string), and every lookup
    of rows by position would turn them back into Python strings.
    """
    return pd.Series(values, dtype=object, copy=False)


def same_text(values: pd.Series, distinct: np.ndarray, codes: np.ndarray) -> pd.Series:
    """Return a text column like ``values`` (categorical or not) holding other strings."""
    compact = isinstance(values.dtype, pd.CategoricalDtype)
    return text_column(distinct, codes, values.index, compact=compact)


def is_text(values: pd.Series) -> bool:
    """Whether a column holds text (strings or categories), not typed numbers."""
    return isinstance(values.dtype, pd.CategoricalDtype) or values.dtype == object


def check_columns(path: Path, table: pd.DataFrame, schema: TableSchema) -> list[Problem]:
    """Report the required columns a table lacks (and a header split by another separator)."""
    present = [c for c in table.columns if c != LINE]
    problems = []
    separator = next((s for s in (";", "\t", "|") if len(present) == 1 and s in present[0]), None)
    if separator and not set(schema.required) & set(present):
        found = [h.strip() for h in present[0].split(separator)]
        if set(schema.required) <= set(found):
            shown = {"\t": "tabs", ";": "semicolons", "|": "vertical bars"}[separator]
            return [
                Problem(
                    path,
                    1,
                    None,
                    f"the columns are separated by {shown}, not commas",
                    "save the file as CSV with commas (in a spreadsheet: CSV UTF-8, "
                    "comma-delimited)",
                )
            ]
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
def country_codes() -> frozenset[str]:
    """Return the ISO 3166 two-letter country codes."""
    import pycountry  # loads a large table; only when a country is checked

    return frozenset(c.alpha_2 for c in pycountry.countries)


#: Columns that hold names of entities: each must have a key (see :mod:`exposure.names`).
NAME_COLUMNS = ("name", "supplier", "customer", "owner", "owned")
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+")
_PERCENT = re.compile(r"([+-]?(?:\d+\.?\d*|\.\d+))\s*%")


#: The range of each numeric column kind: low, high, whether low itself is allowed, what the
#: range is called in a message, and the fix.
NUMBER_RANGES = {
    "share": (
        0.0,
        1.0,
        True,
        "between 0 and 1",
        "write a share from 0 to 1 (0.17 for 17%), or leave the cell empty when unknown",
    ),
    "percent": (
        0.0,
        100.0,
        False,
        "a percentage over 0 and at most 100",
        "write the part owned in percent (40 for 40%), or leave the cell empty when unknown",
    ),
}


def _number_problem(value: str, kind: str) -> tuple[str, str]:
    """Say why a cell of a ``share`` or ``percent`` column is not a number, and how to fix it."""
    decimal_comma = _DECIMAL_COMMA.fullmatch(value)
    percent = _PERCENT.fullmatch(value)
    if kind == "share":
        if percent:
            share = f"{float(percent.group(1)) / 100:.6g}"
            return f"{value!r} is a percentage", f"write the share from 0 to 1: {share} for {value}"
        if decimal_comma:
            point = value.replace(",", ".")
            return f"{value!r} has a comma as its decimal mark", f"write {point}"
        return (
            f"{value!r} is not a number",
            "write a share from 0 to 1 (0.17 for 17%), or leave the cell empty when unknown",
        )
    if percent:
        return f"{value!r} has a percent sign", f"write the number alone: {percent.group(1)}"
    if decimal_comma:
        return f"{value!r} has a comma as its decimal mark", f"write {value.replace(',', '.')}"
    return (
        f"{value!r} is not a number",
        "write the part owned in percent (40 for 40%), or leave the cell empty when unknown",
    )


#: The cells a yes/no column also takes: Parquet's booleans, as text.
_YES_NO = {"true": "yes", "false": "no"}
_ECCN = re.compile(r"([0-9][A-E][0-9]{3})((?:\.[a-z0-9]+)*)", re.IGNORECASE)


def normal_eccn(value: str) -> str:
    """Return an ECCN as the Commerce Control List writes it, or ``""`` if it is none.

    ``EAR99`` (items subject to the EAR but on no ECCN) counts as one.

    Examples
    --------
    >>> normal_eccn("5a992.C"), normal_eccn(" ear99 "), normal_eccn("5A99")
    ('5A992.c', 'EAR99', '')
    """
    text = value.strip()
    if text.upper() == "EAR99":
        return "EAR99"
    found = _ECCN.fullmatch(text)
    if found is None:
        return ""
    return found.group(1).upper() + found.group(2).lower()


@cache
def _country_fix(value: str) -> str:
    """Suggest the two-letter code of a country given by name or three-letter code."""
    import pycountry  # loads a large table; only when a country is checked

    code = {"UK": "GB", "EL": "GR"}.get(value.upper())
    if code is None:
        try:
            code = pycountry.countries.lookup(value).alpha_2
        except LookupError:
            return "use a two-letter code such as CN or US, or leave the cell empty"
    country = pycountry.countries.get(alpha_2=code)
    name = getattr(country, "common_name", None) or getattr(country, "name", code)
    return f"write {code} ({name})"


def check_cells(
    path: Path,
    table: pd.DataFrame,
    name: str,
    schema: TableSchema,
    *,
    keys: dict[str, NameKeys] | None = None,
) -> Iterator[Problem]:
    """Check and parse one column; the keys of a name column are stored in ``keys``.

    Each distinct string is checked once; rows find their verdict by their code.
    """
    column = schema[name]
    values = table[name]
    lines = table[LINE].to_numpy()
    if column.kind in NUMBER_RANGES and not is_text(values):  # typed Parquet numbers
        numbers = values.to_numpy(np.float64)
        yield from _range_problems(path, lines, name, column.kind, numbers, np.isnan(numbers))
        return
    distinct, codes = text_codes(values)
    empty_text = distinct == ""
    empty = empty_text[codes] if len(distinct) else np.zeros(len(codes), dtype=bool)

    def rows_of(bad_text: np.ndarray) -> Iterator[tuple[int, str]]:
        rows = np.flatnonzero(bad_text[codes]) if bad_text.any() else ()
        for row in rows:
            yield int(lines[row]), str(distinct[codes[row]])

    if column.required:
        for line in lines[empty]:
            yield Problem(path, int(line), name, "the cell is empty", f"fill in the {name}")
        if column.kind == "text" and name in NAME_COLUMNS:
            found = _name_keys_of(values, keys)
            if keys is not None:
                keys[name] = found
            for line, value in rows_of(~empty_text & (found.key_text == "")):
                has_words = any(c.isalnum() for c in value)
                yield Problem(
                    path,
                    line,
                    name,
                    f"{value!r} is only a legal form"
                    if has_words
                    else f"{value!r} has no letters or digits",
                    f"give the real {name}",
                )
    if column.kind == "date":
        parsed = pd.to_datetime(
            pd.Series(distinct, dtype=object).where(~empty_text, None),
            format="%Y-%m-%d",
            errors="coerce",
        )
        for line, value in rows_of(parsed.isna().to_numpy() & ~empty_text):
            yield Problem(
                path,
                line,
                name,
                f"{value!r} is not a date",
                "write dates as YYYY-MM-DD, e.g. 2019-10-09",
            )
        table[name] = pd.Series(parsed.to_numpy()[codes], index=values.index)
    elif column.kind in NUMBER_RANGES:
        parsed_numbers = pd.to_numeric(
            pd.Series(distinct, dtype=object).where(~empty_text, None), errors="coerce"
        ).to_numpy(np.float64)
        for line, value in rows_of(np.isnan(parsed_numbers) & ~empty_text):
            yield Problem(path, line, name, *_number_problem(value, column.kind))
        numbers = parsed_numbers[codes]
        cells = distinct[codes]
        yield from _range_problems(path, lines, name, column.kind, numbers, empty, cells)
        table[name] = pd.Series(numbers, index=values.index)
    elif column.kind == "country":
        upper = np.array([d.upper() for d in distinct], dtype=object)
        known = country_codes()
        bad = np.array([u not in known for u in upper], dtype=bool) & ~empty_text
        for line, value in rows_of(bad):
            yield Problem(
                path,
                line,
                name,
                f"{value!r} is not an ISO 3166-1 alpha-2 country code",
                _country_fix(value),
            )
        table[name] = same_text(values, upper, codes)
    elif column.kind == "eccn":
        written = np.array([normal_eccn(d) for d in distinct], dtype=object)
        for line, value in rows_of((written == "") & ~empty_text):
            yield Problem(
                path,
                line,
                name,
                f"{value!r} is not an ECCN",
                "write an Export Control Classification Number such as 5A992 or 3A991.a, "
                "EAR99, or leave the cell empty when unknown",
            )
        table[name] = same_text(values, written, codes)
    elif column.kind == "footnote":
        digits = np.array([d.isdigit() and 0 < int(d) < 100 for d in distinct], dtype=bool)
        for line, value in rows_of(~digits & ~empty_text):
            yield Problem(
                path,
                line,
                name,
                f"{value!r} is not a footnote number",
                "write the number of the Entity List footnote (1 for footnote 1), or leave the "
                "cell empty",
            )
        table[name] = same_text(values, distinct, codes)
    elif column.kind == "choice":
        lowered = np.array([d.lower() for d in distinct], dtype=object)
        if column.choices == ("yes", "no"):  # a Parquet boolean column reads as true/false
            lowered = np.array([_YES_NO.get(w, w) for w in lowered], dtype=object)
        bad = np.array([w not in column.choices for w in lowered], dtype=bool) & ~empty_text
        for line, value in rows_of(bad):
            yield Problem(
                path,
                line,
                name,
                f"{value!r} is not one of {', '.join(column.choices)}",
                f"write one of {', '.join(column.choices)}"
                + ("" if column.required else ", or leave the cell empty"),
            )
        table[name] = same_text(values, lowered, codes)


@dataclass(frozen=True, eq=False)
class NameKeys:
    """The name keys of a name column (see :func:`exposure.names.name_key`), as integers.

    Attributes
    ----------
    spellings
        The column's distinct spellings (its categories), when it is categorical; else ``None``.
    key_text
        The key of each distinct spelling, in the order of the column's distinct strings.
    key_codes
        Each distinct spelling's index into ``keys``.
    keys
        The distinct keys, in order of first appearance: each once.
    codes
        Each row's index into ``keys``.
    """

    spellings: pd.Index | None
    key_text: np.ndarray
    key_codes: np.ndarray
    keys: np.ndarray
    codes: np.ndarray


def _name_keys_of(values: pd.Series, keys: dict[str, NameKeys] | None) -> NameKeys:
    """Return the name keys of a name column.

    Name columns that share their spellings (:func:`exposure.read.tables.share_spellings`) share the work too: the
    keys of another such column in ``keys`` are reused, ``keys`` array and all.
    """
    distinct, codes = text_codes(values)
    spellings = values.cat.categories if isinstance(values.dtype, pd.CategoricalDtype) else None
    for other in (keys or {}).values():
        if spellings is not None and other.spellings is spellings:
            return replace(other, codes=other.key_codes[codes])
    key_codes, unique_keys = name_key_codes(distinct)
    # Each spelling's key is one of the distinct keys' strings, not a copy of its own.
    key_text = unique_keys[key_codes]
    # The smallest integers that hold them: each row's code is then written once, and small.
    key_codes = key_codes.astype(code_type(len(unique_keys)))
    return NameKeys(
        spellings=spellings,
        key_text=key_text,
        key_codes=key_codes,
        keys=np.asarray(unique_keys, dtype=object),
        codes=key_codes[codes] if len(codes) else codes.astype(key_codes.dtype),
    )


def _range_problems(
    path: Path,
    lines: np.ndarray,
    name: str,
    kind: str,
    numbers: np.ndarray,
    missing: np.ndarray,
    cells: np.ndarray | None = None,
) -> Iterator[Problem]:
    """Report numbers outside the range of their kind (see :data:`NUMBER_RANGES`)."""
    low, high, low_inclusive, what, fix = NUMBER_RANGES[kind]
    with np.errstate(invalid="ignore"):
        above_low = numbers >= low if low_inclusive else numbers > low
        bad = ~missing & ~np.isnan(numbers) & ~(above_low & (numbers <= high))
    for row in np.flatnonzero(bad):
        value = str(cells[row]) if cells is not None else f"{numbers[row]:g}"
        yield Problem(path, int(lines[row]), name, f"{value!r} is not {what}", fix)


def column_groups(names: list[str]) -> list[list[str]]:
    """Group a file's columns for reading: the name columns together, each other one alone.

    The name columns of a table (supplier and customer) are coded together: a company that
    both sells and buys is one spelling, hashed once, in the order :func:`exposure.read.tables.share_spellings`
    gives. Column names that are equal once stripped are left for the checks to report.

    Examples
    --------
    >>> column_groups(["customer", "product", " supplier"])
    [[' supplier', 'customer'], ['product']]
    """
    shared = [n for c in NAME_COLUMNS for n in names if n.strip() == c]
    if len(shared) < 2 or len({n.strip() for n in names}) < len(names):
        shared = []
    return ([shared] if shared else []) + [[n] for n in names if n not in shared]


def text_columns(columns: list[Any], index: pd.Index) -> list[pd.Series]:
    """Turn Arrow columns into categorical text columns of one set of spellings.

    The spellings are stripped, in order of first appearance down the first column, then the
    next (as :func:`exposure.read.tables.share_spellings` orders them).
    """
    return categorical_columns([arrow_text(column) for column in columns], index)


def categorical_columns(columns: list[Any], index: pd.Index) -> list[pd.Series]:
    """Code text columns (Arrow or polars, no nulls) into categorical columns, as above."""
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


def arrow_text(column: Any) -> Any:
    """Return an Arrow column as text without nulls (empty cells are ``""``).

    A dictionary column of strings stays one: :mod:`exposure.util.encode` codes it by its
    dictionaries.
    """
    if pa.types.is_dictionary(column.type):
        if (
            is_arrow_text(column.type.value_type)
            and not column.null_count
            and not any(c.dictionary.null_count for c in column.chunks)
        ):
            return column
        column = column.cast(column.type.value_type)
    if not is_arrow_text(column.type):
        try:
            column = column.cast(pa.large_string())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            cells = ["" if v is None else str(v) for v in column.to_pylist()]
            column = pa.chunked_array([pa.array(cells, type=pa.large_string())])
    return pc.fill_null(column, "") if column.null_count else column


def is_arrow_text(kind: Any) -> bool:
    """Whether an Arrow type is one of text, as the coding of text columns takes them."""
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))
