"""Reading the US Consolidated Screening List (CSL) as it is really published.

The CSL merges the US export-screening lists (the BIS Entity List, Denied Persons, Unverified and
Military End User lists; Treasury's SDN, SSI and CMIC lists; State's nonproliferation and ITAR
debarred lists ...) into one download, ``consolidated.csv`` or ``consolidated.json``.
:func:`read_csl` turns it into the ``listed.csv`` schema (``data/README.md``), keeping the lists
asked for, and copes with what real copies hold:

* CSV with 28 or 29 columns (older copies have no ``_id``), whose header row may be repeated as
  the second line, with leading spaces in names, multi-value fields joined with ``"; "``, and a
  last record that may be cut off;
* JSON, either ``{"results": [...]}`` (the download and the current API) or the bare list of the
  older search API, with addresses as objects and aliases as lists;
* notices written ``82 F.R. 48792 10/20/2017``, ``77 FR 61249 No. 195`` or ``84 FR 54002``, all
  normalised to ``82 FR 48792`` (several notices are joined with ``"; "``); licence policies
  spelled ``Presumption of denial``, ``Presumption of Denial`` or ``Presumption of denial.``,
  normalised to one spelling; Windows-1252 punctuation stored as control characters
  (``Gui\\x92an`` for ``Gui’an``) read as what it stood for;
* names that bundle a subordinate entity ("Pakistan Atomic Energy Commission (PAEC), and
  subordinate entity Pakistan Institute for Nuclear Science and Technology (PINSTECH)",
  "Department of Atomic Energy entity: Indian Rare Earths") or add a listing's successors and
  sub-units: the name is kept, and the entity's own name added to its aliases
  (:func:`bundled_names`).

Each kept row has the entry's list (``list``: e.g. ``Entity List``), its ``addresses`` and a
``country`` (the most common country code of its addresses), and cites the CSL file, the line
and the list's information page in ``source``; ``source_list_url`` keeps the list's address.

Entries that give no start date (Treasury's lists never do; some Entity List rows do not) are
kept with the newest start date found in the file: the list was in force then at the latest.
``source`` says so (:func:`start_date_stated`), ``undated_start`` picks another date, and a
comparison of two downloads does not take that date for a change.

Problems of single records skip the record and are counted in :class:`ImportStats` with their
lines; a file that cannot be read as a CSL at all raises :class:`~exposure.errors.DataError`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from exposure.errors import DataError, ExposureError, Problem
from exposure.names import name_key
from exposure.read.checks import check_cells, country_codes
from exposure.read.schema import LINE, LISTED, NOT_ORGANISATION_KINDS
from exposure.restrictions import LIST_RULES, list_rule

__all__ = [
    "EXTRA_COLUMNS",
    "LIST_NAMES",
    "ImportStats",
    "address_countries",
    "bundled_names",
    "footnote_of",
    "is_csl",
    "list_code",
    "normalise_notice",
    "normalise_policy",
    "read_csl",
    "read_csl_listed",
    "start_date_stated",
    "to_listed_csv",
]

#: The short codes of the lists and the names ``listed.csv`` gives them
#: (:data:`exposure.restrictions.LIST_RULES`).
LIST_NAMES = {rule.code: rule.name for rule in LIST_RULES}

#: Columns the import adds to the ``listed.csv`` schema.
EXTRA_COLUMNS = ("addresses", "source_list_url")
OUTPUT_COLUMNS = (*LISTED.names, *EXTRA_COLUMNS)

# Columns a CSL file must have, and those that tell it from a listed.csv.
_NEEDED = ("source", "name")
_SIGNATURE = frozenset({"source_list_url", "entity_number", "source_information_url"})
_SNIFF_BYTES = 65536

_CODE = re.compile(r"\(([^()]+)\)")
_C1 = re.compile("[\x80-\x9f]")
_NOTICE = re.compile(r"(?<!\d)(\d{1,3})\s*F\.?\s?R\.?\s*(\d{1,6})(?!\d)")
_ISO_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ].*)?$")
_TRAILING_CODE = re.compile(r"(?:^|,)\s*([A-Za-z]{2})\s*$")
_US_ZIP = re.compile(r"(?:^|,)\s*([A-Z]{2})\s*,?\s*\d{3,6}(?:-\d{4})?\s*$")
_COUNTRY_WORDS = {
    "prc": "CN", "p.r.c.": "CN", "p.r. china": "CN", "china": "CN", "hong kong": "HK",
    "russia": "RU", "iran": "IR", "uae": "AE", "usa": "US", "u.s.a.": "US", "syria": "SY",
    "north korea": "KP", "south korea": "KR", "taiwan": "TW", "turkey": "TR",
}  # fmt: skip
_US_STATES = frozenset(
    {
        "AK", "AL", "AR", "AS", "AZ", "CA", "CO", "CT", "DC", "DE", "FL", "GA", "GU", "HI",
        "IA", "ID", "IL", "IN", "KS", "KY", "LA", "MA", "MD", "ME", "MI", "MN", "MO", "MP",
        "MS", "MT", "NC", "ND", "NE", "NH", "NJ", "NM", "NV", "NY", "OH", "OK", "OR", "PA",
        "PR", "RI", "SC", "SD", "TN", "TX", "UT", "VA", "VI", "VT", "WA", "WI", "WV", "WY",
    }
)  # fmt: skip
_POLICIES = {
    "presumption of denial": "Presumption of denial.",
    "presumption of approval": "Presumption of approval.",
    "policy of denial": "Policy of denial.",
    "case-by-case basis": "Case-by-case basis.",
    "case-by-case review": "Case-by-case review.",
}


@dataclass
class ImportStats:
    """What an import read, kept and skipped, and why.

    Attributes
    ----------
    file
        The CSL file.
    format
        ``CSV (29 columns)``, ``CSV (28 columns)`` or ``JSON``.
    lists
        The list codes asked for (empty: all).
    read
        Records read (the header and its repetitions not counted).
    kept
        Records kept.
    read_by_list, kept_by_list
        Those counts by list code.
    skipped
        Reason -> lines of the records skipped for it (``0`` when a JSON record's line is not
        known).
    notes
        Other facts about the import (repeated headers, dates assumed, notices kept as written).
    """

    file: Path
    format: str = ""
    lists: tuple[str, ...] = ()
    read: int = 0
    kept: int = 0
    read_by_list: Counter[str] = field(default_factory=Counter)
    kept_by_list: Counter[str] = field(default_factory=Counter)
    skipped: dict[str, list[int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def n_skipped(self) -> int:
        """The number of records skipped."""
        return sum(len(lines) for lines in self.skipped.values())

    def skip(self, reason: str, line: int) -> None:
        """Count one record as skipped for ``reason``."""
        self.skipped.setdefault(reason, []).append(line)

    def __str__(self) -> str:
        def by_list(counts: Counter[str]) -> str:
            return ", ".join(f"{code} {n:,}" for code, n in counts.most_common())

        lines = [
            f"Read {self.read:,} records from {self.file} ({self.format}); "
            f"kept {self.kept:,}" + (f" ({by_list(self.kept_by_list)})" if self.kept else "") + "."
        ]
        if self.skipped:
            lines.append(f"Skipped {self.n_skipped:,}:")
            for reason, where in sorted(self.skipped.items(), key=lambda item: -len(item[1])):
                known = [str(n) for n in where if n]
                at = ""
                if known:
                    more = f" and {len(known) - 5:,} more" if len(known) > 5 else ""
                    at = f" (line{'s' if len(known) > 1 else ''} {', '.join(known[:5])}{more})"
                lines.append(f"  {len(where):>7,}  {reason}{at}")
        lines.extend(f"Note: {note}" for note in self.notes)
        return "\n".join(lines)


def list_code(source: str) -> str:
    """Return the short code of a CSL ``source`` text.

    Examples
    --------
    >>> list_code("Entity List (EL) - Bureau of Industry and Security")
    'EL'
    >>> list_code("Non-SDN Menu-Based Sanctions List (NS-MBS List) - Treasury Department")
    'NS-MBS'
    >>> list_code("Military End User (MEU) List - Bureau of Industry and Security")
    'MEU'
    >>> list_code("Non-SDN Chinese Military-Industrial Complex Companies List (NS-CMIC List)")
    'CMIC'
    """
    found = _CODE.search(source)
    text = found.group(1) if found else source.split(" - ", maxsplit=1)[0]
    rule = list_rule(text)  # the one reading of list names: "NS-CMIC List" is CMIC
    if rule.known:
        return rule.code
    return re.sub(r"\s+LIST$", "", text.strip().upper()) if found else source.strip().upper()


def _asked_code(text: str) -> str:
    """Return the code of a list asked for by code or name ("cmic", "NS-CMIC", "OFAC SDN")."""
    return list_rule(text).code or text.strip().upper()


def _list_name(code: str, source: str) -> str:
    if code in LIST_NAMES:
        return LIST_NAMES[code]
    return _CODE.sub("", source.split(" - ", maxsplit=1)[0]).strip() or code


def normalise_notice(text: str) -> str:
    """Write Federal Register citations as ``VOL FR PAGE``, joined by ``"; "``.

    Text without such a citation is kept, with its spaces tidied.

    Examples
    --------
    >>> normalise_notice("82 F.R. 48792 10/20/2017")
    '82 FR 48792'
    >>> normalise_notice("77 FR 61249 No. 195")
    '77 FR 61249'
    >>> normalise_notice("82 F.R. 61745 12/29/2017,  83F.R. 28801 6/21/2018")
    '82 FR 61745; 83 FR 28801'
    >>> normalise_notice("Vol. 83, No. 91, 05/10/2018")
    'Vol. 83, No. 91, 05/10/2018'
    """
    found = [f"{volume} FR {page}" for volume, page in _NOTICE.findall(text)]
    if found:
        return "; ".join(dict.fromkeys(found))
    return " ".join(text.split())


def normalise_policy(text: str) -> str:
    """Spell a licence policy one way: spaces tidied, a capital, a final full stop.

    Examples
    --------
    >>> normalise_policy("Presumption of Denial"), normalise_policy("presumption of denial. ")
    ('Presumption of denial.', 'Presumption of denial.')
    >>> normalise_policy("Presumption of  approval for EAR99; case-by-case review for all items on the CCL")
    'Presumption of approval for EAR99; case-by-case review for all items on the CCL.'
    """
    text = " ".join(_fix_mojibake(text).split())
    if not text:
        return ""
    canonical = _POLICIES.get(text.rstrip(". ").casefold())
    if canonical:
        return canonical
    text = text[0].upper() + text[1:]
    return text if text.endswith(".") else text + "."


def address_countries(addresses: Iterable[str]) -> list[str]:
    """Return the ISO country code of each address that names one.

    The CSL ends an address with its country code (``..., Hangzhou, 310051, CN``); Denied Persons
    entries often stop at a US state and ZIP code (``FLUSHING, NY, 11355``), read as ``US``, or at
    a country's name (``SHANGHAI, PRC``).

    Examples
    --------
    >>> address_countries(["555, Qianmo Road, Hangzhou, 310051, CN",
    ...                    "134-12 59HT AVENUE, FLUSHING, NY, 11355", "SHOU GUANG ROAD, SHANGHAI, PRC",
    ...                    "Kabul"])
    ['CN', 'US', 'CN']
    """
    codes = country_codes()
    found = []
    for address in addresses:
        text = address.strip().rstrip(",").strip()
        trailing = _TRAILING_CODE.search(text)
        if trailing and trailing.group(1).upper() in codes:
            found.append(trailing.group(1).upper())
            continue
        named = _country_names().get(text.rsplit(",", 1)[-1].strip().casefold())
        if named:
            found.append(named)
            continue
        us = _US_ZIP.search(text)
        if us and us.group(1) in _US_STATES:
            found.append("US")
    return found


@cache
def _country_names() -> dict[str, str]:
    import pycountry  # loads a large table; only when an address ends in a country's name

    names = dict(_COUNTRY_WORDS)
    for country in pycountry.countries:
        for attribute in ("name", "official_name", "common_name"):
            value = getattr(country, attribute, None)
            if value:
                names.setdefault(value.casefold(), country.alpha_2)
    return names


def is_csl(path: str | Path) -> bool:
    """Tell whether a file is a CSL download, from its first line (or its JSON shape).

    Examples
    --------
    >>> from exposure.read.dataset import bundled_data_dir
    >>> is_csl(bundled_data_dir() / "listed.csv")
    False
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            start = handle.read(_SNIFF_BYTES).decode("utf-8-sig", errors="ignore").lstrip()
    except OSError:
        return False
    if start.startswith(("{", "[")):
        return '"source"' in start or '"results"' in start
    try:
        header = {h.strip() for h in next(csv.reader(io.StringIO(start)))}
    except (StopIteration, csv.Error):
        return False
    return set(_NEEDED) <= header and bool(_SIGNATURE & header) and "list" not in header


def read_csl(
    path: str | Path,
    lists: Sequence[str] | None = ("EL",),
    *,
    undated_start: str | dt.date | None = None,
) -> tuple[pd.DataFrame, ImportStats]:
    """Read a CSL file (CSV or JSON) into the ``listed.csv`` schema.

    Parameters
    ----------
    path
        A ``consolidated.csv`` or ``consolidated.json`` (or a search-API answer).
    lists
        The list codes to keep (:data:`LIST_NAMES`; codes found in the file are accepted too);
        ``None`` keeps every list.
    undated_start
        The start date given to entries without one; default: the newest start date in the file.

    Returns
    -------
    table, stats
        The kept rows as text (columns of ``listed.csv``, then ``addresses`` and
        ``source_list_url``, and ``_line``: the record's line in the CSL file), and the counts.

    Raises
    ------
    DataError
        When the file is missing, not UTF-8, not a CSL file, or damaged beyond single records.
    ExposureError
        When a list code asked for is neither known nor in the file.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> csl = pathlib.Path(tempfile.mkdtemp()) / "consolidated.csv"
    >>> _ = csl.write_text(
    ...     "source,entity_number,name,alt_names,addresses,federal_register_notice,start_date,"
    ...     "license_policy,source_list_url\\n"
    ...     'Entity List (EL) - Bureau of Industry and Security,, Dahua Technology,Zhejiang Dahua Technology; Dahua,'
    ...     '"1199 Bin\\'an Road, Hangzhou, CN",84 F.R. 54002 10/9/2019,2019-10-09,Presumption of Denial,https://bis.gov/el\\n'
    ... )
    >>> table, stats = read_csl(csl)
    >>> table.loc[0, ["name", "alt_names", "country", "federal_register_notice", "license_policy"]].tolist()
    ['Dahua Technology', 'Zhejiang Dahua Technology; Dahua', 'CN', '84 FR 54002', 'Presumption of denial.']
    >>> stats.read, stats.kept
    (1, 1)
    """
    path = Path(path)
    wanted = None if lists is None else tuple(dict.fromkeys(_asked_code(c) for c in lists))
    stats = ImportStats(path, lists=wanted or ())
    text = _read_text(path)
    if text.lstrip().startswith(("{", "[")):
        stats.format = "JSON"
        records = list(_json_records(path, text))
    else:
        records = list(_csv_records(path, text, stats))

    dates = [d for _, r in records if (d := _date(_text(r.get("start_date"))))]
    newest = max(dates) if dates else ""
    if undated_start is not None:
        fallback = _as_iso(undated_start)
        assumed = f"{UNDATED}: set to {fallback} (--undated-start)"
    else:
        fallback = newest
        assumed = f"{UNDATED}: set to {newest}, the newest start date in the file"

    rows: list[dict[str, Any]] = []
    present: Counter[str] = Counter()
    undated = 0
    for line, record in records:
        stats.read += 1
        source = _text(record.get("source"))
        if not source:
            stats.skip("no source list", line)
            continue
        code = list_code(source)
        present[code] += 1
        stats.read_by_list[code] += 1
        if wanted is not None and code not in wanted:
            continue
        row = _entry(record, code, source, path, line)
        if not row["name"]:
            stats.skip("no name", line)
            continue
        if not name_key(row["name"]):
            stats.skip("the name has no letters or digits", line)
            continue
        raw_start = _text(record.get("start_date"))
        if raw_start and not row["start_date"]:
            stats.skip(f"start_date is not a date (e.g. {raw_start!r})", line)
            continue
        if not row["start_date"]:
            if not fallback:
                stats.skip("no start_date (pass --undated-start DATE to keep it)", line)
                continue
            row["start_date"] = fallback
            row["source"] += f"; {assumed}"
            undated += 1
        if row["end_date"] and row["end_date"] < row["start_date"]:
            stats.skip("the listing ends before it starts", line)
            continue
        rows.append({**row, "_code": code})

    other = {c: n for c, n in present.items() if wanted is not None and c not in wanted}
    if other:
        codes = ",".join(sorted(other))
        stats.skipped[f"on lists not asked for; keep them with --lists {codes}"] = [0] * sum(
            other.values()
        )
    if wanted is not None:
        unknown = [c for c in wanted if c not in LIST_NAMES and c not in present]
        if unknown:
            msg = (
                f"unknown list code{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}. "
                f"Use codes such as {', '.join(LIST_NAMES)}"
                + (f"; this file holds {', '.join(sorted(present))}" if present else "")
            )
            raise ExposureError(msg)
        absent = [c for c in wanted if c not in present]
        if absent:
            stats.notes.append(f"the file holds no {', '.join(absent)} records")
    if undated:
        stats.notes.append(f"{undated:,} kept record(s) have no start_date: {assumed}")

    table = pd.DataFrame(rows, columns=[*OUTPUT_COLUMNS, LINE, "_code"])
    table = _drop_invalid(path, table, stats)
    stats.kept = len(table)
    stats.kept_by_list = Counter(table["_code"])
    table = table.drop(columns="_code")
    written = [n for n in table["federal_register_notice"] if n and " FR " not in n]
    if written:
        stats.notes.append(
            f"{len(written):,} notice(s) have no 'VOL FR PAGE' citation and are kept as written "
            f"(e.g. {written[0]!r})"
        )
    return table.reset_index(drop=True), stats


#: What ``source`` says of an entry whose start date the CSL does not give, before the date it
#: was given instead.
UNDATED = "start_date not in the CSL"


def start_date_stated(source: object) -> bool:
    """Tell whether a listed row's start date is its list's, from the row's ``source``.

    :func:`read_csl` dates an entry the CSL gives no start date (by the newest date in the
    file, or ``undated_start``) and says so in ``source``: that date is not the list's, and may
    differ between two downloads of an unchanged entry.

    Examples
    --------
    >>> start_date_stated("Consolidated Screening List (csl.csv, line 9): Entity List (EL)")
    True
    >>> start_date_stated(f"Consolidated Screening List (csl.csv, line 9): ...; {UNDATED}: "
    ...                   "set to 2023-11-16, the newest start date in the file")
    False
    """
    return UNDATED not in str(source or "")


def read_csl_listed(path: str | Path, lists: Sequence[str] | None = ("EL",)) -> pd.DataFrame:
    """Read a CSL file as :func:`exposure.read.dataset.read_listed` reads a ``listed.csv``.

    This is how the analysis takes a CSL download directly as its listed file: the Entity List
    by default, parsed and validated like ``listed.csv`` (dates as ``datetime64``).

    Raises
    ------
    DataError
        When the file is not a CSL file, or holds no record of the lists.
    """
    path = Path(path)
    table, stats = read_csl(path, lists)
    if not len(table):
        raise DataError(
            [
                Problem(
                    path,
                    None,
                    None,
                    f"the CSL file holds no {', '.join(stats.lists) or ''} records to use".replace(
                        "  ", " "
                    ),
                    "import the lists you need with `exposure import-csl FILE --lists CODES "
                    "-o listed.csv` and pass that file",
                )
            ]
        )
    problems: list[Problem] = []
    for column in LISTED.columns:
        problems.extend(check_cells(path, table, column.name, LISTED))
    if problems:
        raise DataError(problems)
    others = {code: n for code, n in stats.read_by_list.items() if code not in stats.lists}
    if lists and others:
        # Said every time: a party on another list (SDN, MEU) is no listing here.
        left_out = ", ".join(f"{code} {n:,}" for code, n in sorted(others.items()))
        warnings.warn(
            f"{path.name} is a Consolidated Screening List: only its {', '.join(lists)} records "
            f"are used ({len(table):,}); left out: {left_out}. For every list: exposure "
            f"import-csl {path.name} --lists all -o listed.csv, and pass that file",
            stacklevel=2,
        )
    return table


def to_listed_csv(table: pd.DataFrame) -> str:
    """Write an imported table as ``listed.csv`` text (the ``_line`` column left out)."""
    buffer = io.StringIO()
    columns = [c for c in OUTPUT_COLUMNS if c in table.columns]
    table[columns].to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


# -- reading records ---------------------------------------------------------------------------


def _read_text(path: Path) -> str:
    if not path.is_file():
        what = "no such file" if not path.exists() else "not a file"
        raise DataError(
            [Problem(path, None, None, what, "pass the path of a CSL download (consolidated.csv)")]
        )
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise DataError(
            [
                Problem(
                    path,
                    line,
                    None,
                    f"byte 0x{data[error.start]:02x} at character {column} is not UTF-8 text",
                    "download the file again; the CSL is published in UTF-8",
                )
            ]
        ) from None
    if not text.strip():
        raise DataError(
            [Problem(path, None, None, "the file is empty", "download the CSL file again")]
        )
    return text


def _csv_records(path: Path, text: str, stats: ImportStats) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
        missing = [c for c in _NEEDED if c not in header]
        if missing or not _SIGNATURE & set(header):
            column = missing[0] if missing else None
            raise DataError(
                [
                    Problem(
                        path,
                        1,
                        column,
                        "this is not a CSL file: the header lacks "
                        + (", ".join(missing) if missing else "source_list_url")
                        + f" (it has {len(header)} columns: {', '.join(header[:6])}...)",
                        "pass the CSL download (consolidated.csv, 28 or 29 columns); "
                        "a listed.csv is passed with --listed",
                    )
                ]
            )
        stats.format = f"CSV, {len(header)} columns"
        start = reader.line_num + 1
        for row in reader:
            line = start
            start = reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if [cell.strip() for cell in row] == header:
                stats.notes.append(f"line {line} repeats the header row: skipped")
                continue
            if len(row) != len(header):
                stats.read += 1
                stats.skip(
                    f"the record has {len(row)} cells, not {len(header)} (cut off or damaged)",
                    line,
                )
                continue
            yield line, dict(zip(header, row, strict=True))
    except csv.Error as error:
        raise DataError(
            [
                Problem(
                    path,
                    reader.line_num,
                    None,
                    f"the file cannot be read as CSV ({error})",
                    "download the CSL file again",
                )
            ]
        ) from None


def _json_records(path: Path, text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise DataError(
            [
                Problem(
                    path,
                    error.lineno,
                    None,
                    f"the file is not valid JSON ({error.msg}, character {error.colno})",
                    "download the CSL file again, or pass the CSV download",
                )
            ]
        ) from None
    records = data.get("results") if isinstance(data, dict) else data
    if not isinstance(records, list):
        raise DataError(
            [
                Problem(
                    path,
                    1,
                    None,
                    "the JSON holds no list of results",
                    'pass consolidated.json ({"results": [...]}) or a list of CSL records',
                )
            ]
        )
    lines = _json_lines(text, data, len(records))
    for number, (line, record) in enumerate(zip(lines, records, strict=True), start=1):
        if not isinstance(record, dict):
            raise DataError(
                [
                    Problem(
                        path,
                        line or None,
                        None,
                        f"result {number} is {type(record).__name__}, not an object",
                        "pass a CSL file whose results are objects with name, source ...",
                    )
                ]
            )
        yield line, record


def _json_lines(text: str, data: Any, count: int) -> list[int]:
    """Return the line on which each record of the results list starts (0 when not found)."""
    if isinstance(data, list):
        start = text.find("[")
    else:
        found = re.search(r'"results"\s*:\s*\[', text)
        start = found.end() - 1 if found else -1
    lines = [0] * count
    if start < 0:
        return lines
    decoder = json.JSONDecoder()
    position, line, counted = start + 1, 1, 0
    try:
        for i in range(count):
            while text[position] in " \t\r\n,":
                position += 1
            line += text.count("\n", counted, position)
            counted = position
            lines[i] = line
            _, position = decoder.raw_decode(text, position)
    except (ValueError, IndexError):
        return [0] * count
    return lines


# -- one record --------------------------------------------------------------------------------


def _entry(record: dict[str, Any], code: str, source: str, path: Path, line: int) -> dict[str, Any]:
    addresses = _addresses(record.get("addresses"))
    countries = [c for a, c in addresses if c] or address_countries(a for a, _ in addresses)
    country = Counter(countries).most_common(1)[0][0] if countries else ""
    name = " ".join(_text(record.get("name")).split())
    aliases = [" ".join(a.split()) for a in _values(record.get("alt_names"))]
    aliases.extend(bundled_names(name))  # after the CSL's own: its first alias stays first
    entry_type = _text(record.get("type")).casefold()
    information = _text(record.get("source_information_url"))
    number = _text(record.get("_id") or record.get("id") or record.get("entity_number"))
    where = f"{path.name}, line {line}" if line else path.name
    cite = f"Consolidated Screening List ({where}{', id ' + number if number else ''}): {source}"
    requirement = " ".join(_fix_mojibake(_text(record.get("license_requirement"))).split())
    return {
        "name": name,
        "alt_names": "; ".join(dict.fromkeys(a for a in aliases if a)),
        "country": country,
        "kind": entry_type if entry_type in NOT_ORGANISATION_KINDS else "",
        "list": _list_name(code, source),
        "federal_register_notice": normalise_notice(_text(record.get("federal_register_notice"))),
        "start_date": _date(_text(record.get("start_date"))),
        "end_date": _date(_text(record.get("end_date"))),
        "license_requirement": requirement,
        "license_policy": normalise_policy(_text(record.get("license_policy"))),
        "footnote": footnote_of(requirement),
        "source": f"{cite}; {information}" if information else cite,
        "addresses": "; ".join(a for a, _ in addresses),
        "source_list_url": _text(record.get("source_list_url")),
        LINE: line,
    }


# The CSL names some entries by a parent and the subordinate entity listed, or adds the
# successors and sub-units a listing reaches (real rows of the CSL of 2023-11-30):
#   "Pakistan Atomic Energy Commission (PAEC), and subordinate entity Pakistan Institute for
#    Nuclear Science and Technology (PINSTECH)"   Entity List, 63 FR 64322 and 66 FR 50090
#   "Department of Atomic Energy entity: Indian Rare Earths"   Entity List, 63 FR 64322
#   "Poly Technologies Incorporated (PTI), and its sub-units and successors"   ISN
#   "Synnat Pharma Pvt Ltd.; and any successor, sub-unit, or subsidiary thereof"   ISN
# "entity" alone, without "subordinate" or a colon, is part of a name.
_SUBORDINATES = re.compile(
    r"^\S.*?(?:,\s*|\s+)(?:and\s+)?(?:its\s+)?"
    r"(?:subordinate\s+entit(?:y|ies)\s*:?|entit(?:y|ies)\s*:)\s*(?P<names>\S.*)$",
    re.IGNORECASE,
)
_SUCCESSORS = re.compile(
    r"^(?P<name>\S.*?)\s*[,;]?\s+and\s+(?:its|any)\s+"
    r"(?:successors?|sub-units?|subsidiar(?:y|ies))\b.*$",
    re.IGNORECASE,
)
#: A word of four letters or more in lower case: a description ("Nuclear reactors (including
#: power plants) not under ..."), not a name, outside brackets.
_LOWER_WORD = re.compile(r"(?<![\w-])[a-z][a-z]{3,}\b")


def bundled_names(name: str) -> list[str]:
    """Return the names of the entities a CSL name bundles, each as the CSL writes it.

    A name that lists a subordinate entity ("..., and subordinate entity X", "... entity: X",
    "... subordinate entities: X; Y") gives the subordinates' names; a name that adds the
    successors and sub-units of an entity gives the entity's own name. A subordinate that is
    a description (a class of facilities) is no name and is left out; so is the parent, which
    is listed only where the CSL lists it on its own. The importer adds these names to the
    entry's aliases, so that a customer named as the subordinate is found by its own name.

    Examples
    --------
    >>> bundled_names("Pakistan Atomic Energy Commission (PAEC), and subordinate entity "
    ...               "Pakistan Institute for Nuclear Science and Technology (PINSTECH)")
    ['Pakistan Institute for Nuclear Science and Technology (PINSTECH)']
    >>> bundled_names("Department of Atomic Energy entity: Indian Rare Earths")
    ['Indian Rare Earths']
    >>> bundled_names("Indian Space Research Organisation (ISRO) subordinate entities: Liquid "
    ...               "Propulsion Systems Center; and Vikram Sarabhai Space Center (VSSC)")
    ['Liquid Propulsion Systems Center', 'Vikram Sarabhai Space Center (VSSC)']
    >>> bundled_names("Poly Technologies Incorporated (PTI), and its sub-units and successors")
    ['Poly Technologies Incorporated (PTI)']
    >>> bundled_names("Department of Atomic Energy entity: Nuclear reactors (including power "
    ...               "plants) not under International Atomic Energy Agency (IAEA)")
    []
    >>> bundled_names("Hangzhou Hikvision Digital Technology Co., Ltd.")
    []
    """
    found = []
    subordinates = _SUBORDINATES.match(name)
    if subordinates:
        found = _values(subordinates.group("names"))
    else:
        successors = _SUCCESSORS.match(name)
        if successors:
            found = [successors.group("name").strip()]
    return [n for n in found if not _LOWER_WORD.search(_CODE.sub("", n))]


# The CSL prints an Entity List entry's footnote designation as a bare number after the
# section that brings its direct product rule ("(See §§ 734.9(g),3 746.8(a)(3) ...") or after
# the reference's closing parenthesis ("(See §§ 734.9(e) and 744.11 of the EAR)4").
_FOOTNOTE = re.compile(
    r"(?:734\.9\([a-z]\)(?:\(\d\))?|736\.2\(b\)\(3\)\(vi\)),?\s?(\d{1,2})(?![\d(])"
    r"|of the EAR[).]*\s?(\d{1,2}|[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,2})(?![\d⁰¹²³⁴⁵⁶⁷⁸⁹])"
)
#: Superscript digits, as a footnote may be printed ("of the EAR. ⁴").
_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")


def footnote_of(requirement: str) -> str:
    """Return the footnote designation a CSL licence requirement names, or ``""``.

    Examples
    --------
    >>> footnote_of("For all items subject to the EAR. (See §§ 734.9(e) and 744.11 of the EAR)4")
    '4'
    >>> footnote_of("All items subject to the EAR. (See §§ 734.9(g),3 746.8(a)(3), and 744.21(b))")
    '3'
    >>> footnote_of("For all items subject to the EAR. (See § 744.11 of the EAR)")
    ''
    >>> footnote_of("See §§ 734.9(e)(1) and 744.11 of the EAR.1"), footnote_of("of the EAR. ⁴")
    ('1', '4')
    """
    found = _FOOTNOTE.search(requirement)
    return (found.group(1) or found.group(2)).translate(_SUPERSCRIPT) if found else ""


def _addresses(value: Any) -> list[tuple[str, str]]:
    """Each address as text, with the country code the record gives for it (JSON) or ``""``."""
    found: list[tuple[str, str]] = []
    items = value if isinstance(value, list) else _values(value)
    for item in items:
        if isinstance(item, dict):
            parts = [
                _text(item.get(k)) for k in ("address", "city", "state", "postal_code", "country")
            ]
            text = ", ".join(p for p in parts if p)
            code = _text(item.get("country")).upper()
            found.append((text, code if code in country_codes() else ""))
        elif _text(item):
            found.append((" ".join(_text(item).split()), ""))
    return [(a, c) for a, c in found if a]


def _values(value: Any) -> list[str]:
    """Return a multi-value field as a list: JSON lists as they are, CSV text split at ``;``.

    The CSL's CSV writes some lists as English prose, "A; B; and C": the last value is "C".

    >>> _values("Hanif; and Habib Rahman")
    ['Hanif', 'Habib Rahman']
    """
    if value is None:
        return []
    if isinstance(value, list):
        return [_text(v) for v in value if _text(v)]
    parts = [part.strip() for part in str(value).split(";")]
    return [_LAST_OF_A_LIST.sub("", part) if i else part for i, part in enumerate(parts) if part]


#: "and " opening the last value of a list written as prose.
_LAST_OF_A_LIST = re.compile(r"^and\s+(?=\S)")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(_text(v) for v in value if _text(v))
    return _C1.sub(_windows_1252, str(value)).strip()


def _windows_1252(found: re.Match[str]) -> str:
    """Read a C1 control character as the Windows-1252 character it stood for (U+0092: ’)."""
    return bytes([ord(found.group())]).decode("cp1252", errors="ignore")


def _date(text: str) -> str:
    found = _ISO_DATE.match(text.strip())
    if not found:
        return ""
    try:
        return dt.date.fromisoformat(found.group(1)).isoformat()
    except ValueError:
        return ""


def _as_iso(value: str | dt.date) -> str:
    text = value.isoformat() if isinstance(value, dt.date) else _date(str(value))
    if not text:
        msg = f"{value!r} is not a date. Write it as YYYY-MM-DD, e.g. 2019-10-09"
        raise ExposureError(msg)
    return text


def _fix_mojibake(text: str) -> str:
    """Undo UTF-8 read as Latin-1 (``Â§744.11`` -> ``§744.11``), as in old CSL JSON."""
    if "Â" not in text and "Ã" not in text:
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return text


def _drop_invalid(path: Path, table: pd.DataFrame, stats: ImportStats) -> pd.DataFrame:
    """Skip rows that ``listed.csv`` validation would refuse, with the reason."""
    if not len(table):
        return table
    check = table.copy()
    check[LINE] = np.arange(1, len(table) + 1)  # positions: JSON records may have no line
    bad: dict[int, str] = {}
    for column in LISTED.columns:
        for problem in check_cells(path, check, column.name, LISTED):
            if problem.line is not None:
                bad.setdefault(problem.line - 1, f"invalid {problem.column}: {problem.fix}")
    if not bad:
        return table
    for position, reason in bad.items():
        stats.skip(reason, int(table[LINE].to_numpy()[position]))
    return table.drop(index=table.index[list(bad)])
