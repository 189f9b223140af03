"""CSV files read as text: encodings, stray bytes, quotes and line numbers checked.

Every cell is read as text (typed columns are parsed later, by :mod:`exposure.read.checks`),
each row keeps its line in the file, and a file that is not UTF-8 CSV text (a spreadsheet, a
compressed file, UTF-16) is named for what it is. Large plain files are read by Arrow's
parser; anything unusual is read by Python's :mod:`csv`, whose line numbers are exact.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv

from exposure.errors import DataError, Problem
from exposure.read.checks import (
    column_groups,
    text_codes,
    text_column,
    text_columns,
)
from exposure.read.folders import (
    cite_parts,
)
from exposure.read.schema import LINE, TableSchema

__all__ = ["ARROW_CSV_FROM", "read_csv"]


def read_csv(path: Path, schema: TableSchema) -> pd.DataFrame:
    """Read a CSV file as text cells, with a ``_line`` column; raise on what cannot be read.

    ``schema`` names the file and its columns in messages. Cells are stripped; an unnamed
    column with no cell filled (trailing commas) is dropped.
    """
    if path.stat().st_size >= ARROW_CSV_FROM:
        table = read_csv_arrow(path)
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


#: CSV files of this many bytes or more are read by Arrow first (see :func:`read_csv_arrow`).
ARROW_CSV_FROM = 16 * 2**20


def read_csv_arrow(path: Path) -> pd.DataFrame | None:
    """Read a plain CSV file with Arrow's parser: threads, and no Python string per cell.

    Returns the table :func:`_read_raw` would return, or ``None`` when the file is anything
    but plain (not UTF-8, a NUL, a row Arrow cannot split, a blank or unnamed header, blank
    lines or line breaks inside cells that shift line numbers): the Python reader then reads
    it again and says exactly what is wrong, where.
    """
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
    for group in column_groups(names):
        texts = text_columns([cells[name] for name in group], index)
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
