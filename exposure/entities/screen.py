"""Screening names against the listed entities: is a counterparty on a list.

:func:`screen` matches names (customers, counterparties, a whole file of them) against the names
and aliases of the listed entities with :class:`~exposure.entities.matcher.Matcher`, and says for each
its outcome (``confirmed``, ``match``, ``possible``, ``none``), score, list and why.

Which listings count: those in force on ``as_of`` (a listing counts from its ``start_date`` until
the day before its ``end_date``, as in the analysis), so that an ended Denied Persons order is no
hit today; ``as_of=None`` screens against every listing loaded, whatever its dates. Review
decisions (``matches.csv``) are honoured as in the analysis.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from exposure.entities.matcher import (
    MATCH_THRESHOLD,
    POSSIBLE_THRESHOLD,
    Decisions,
    Matcher,
    entity_ids,
)
from exposure.entities.names import NameIndex
from exposure.errors import DataError, Problem
from exposure.read.folders import is_dataset, parquet_parts, parquet_problem

__all__ = ["SCREEN_FIELDS", "format_screen", "read_names", "screen"]

#: The fields of a screening record, in order (JSON and CSV).
SCREEN_FIELDS = (
    "name", "country", "outcome", "score", "listed", "matched_as", "list", "listed_country",
    "federal_register_notice", "start_date", "name_form", "listed_form", "explanation",
)  # fmt: skip


def screen(
    names: Sequence[str],
    listed: pd.DataFrame,
    *,
    countries: Sequence[str] | None = None,
    as_of: dt.date | None = None,
    decisions: pd.DataFrame | None = None,
    decisions_file: str | Path = "matches.csv",
    limit: int = 1,
) -> pd.DataFrame:
    """Screen names against listed entities.

    Parameters
    ----------
    names
        The names to screen.
    listed
        The listed rows (``listed.csv`` as :func:`exposure.read.dataset.read_listed` reads it).
    countries
        The names' ISO country codes (empty when unknown), used as evidence.
    as_of
        Screen against the listings in force on this date; ``None``: every listing loaded.
    decisions
        Review decisions (``matches.csv`` as :func:`exposure.read.dataset.read_matches` reads it).
    decisions_file
        Their file, named in errors.
    limit
        Candidates to report per name, best first.

    Returns
    -------
    pandas.DataFrame
        One row per name and candidate, with :data:`SCREEN_FIELDS`.

    Examples
    --------
    >>> from exposure.read.dataset import bundled_data_dir, read_listed
    >>> found = screen(["Zhejiang Dahua Technology Co., Ltd.", "Acme Corp"],
    ...                read_listed(bundled_data_dir() / "listed.csv"), countries=["CN", "US"])
    >>> found[["outcome", "listed", "federal_register_notice"]].values.tolist()
    [['match', 'Dahua Technology', '84 FR 54002'], ['none', '', '']]
    """
    listings = listed.reset_index(drop=True).copy()
    listings["entity"] = entity_ids(listings)
    spellings: dict[int, list[str]] = {}
    for entity, name, aliases in zip(
        listings["entity"].tolist(), listings["name"], listings["alt_names"], strict=True
    ):
        spellings.setdefault(int(entity), []).append(str(name))
        spellings[int(entity)].extend(a.strip() for a in str(aliases).split(";") if a.strip())
    resolved = Decisions.from_table(decisions, NameIndex(spellings), decisions_file)
    if as_of is not None:
        day = pd.Timestamp(as_of)
        in_force = (listings["start_date"] <= day) & (
            listings["end_date"].isna() | (listings["end_date"] > day)
        )
        listings = listings[in_force.to_numpy()]
    found = Matcher(listings, decisions=resolved).match(names, countries, limit=limit)
    first = listings.sort_values(["entity", "start_date"], kind="stable").drop_duplicates("entity")
    notice = dict(zip(first["entity"], first["federal_register_notice"], strict=True))
    start = dict(zip(first["entity"], first["start_date"].dt.strftime("%Y-%m-%d"), strict=True))
    entity = found["entity"].tolist()
    found["federal_register_notice"] = [notice.get(e, "") for e in entity]
    found["start_date"] = [start.get(e, "") for e in entity]
    return found[list(SCREEN_FIELDS)]


def read_names(
    path: str | Path, column: str = "name", country_column: str = "country"
) -> tuple[list[str], list[str]]:
    """Read the names to screen (and their countries, when the file has them) from a CSV file.

    Or from a Parquet file (a ``.parquet`` name) or a folder of Parquet parts (see
    :mod:`exposure.read.folders`), whose cells are read as text. Rows with an empty name are left out.

    Raises
    ------
    DataError
        When the file is missing, not UTF-8 CSV or Parquet, or has no column ``column``.
    """
    path = Path(path)
    try:
        if is_dataset(path) or path.suffix.lower() == ".parquet":
            table = _parquet_as_text(path)
        else:
            table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError(
            [
                Problem(
                    path,
                    None,
                    None,
                    "no such file",
                    "pass the path of a CSV or Parquet file of names",
                )
            ]
        ) from None
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise DataError(
            [
                Problem(
                    path,
                    None,
                    None,
                    f"cannot read it as CSV ({str(error).splitlines()[0]})",
                    "save it as UTF-8 CSV with a header line",
                )
            ]
        ) from None
    table.columns = [str(c).strip() for c in table.columns]
    if column not in table.columns:
        raise DataError(
            [
                Problem(
                    path,
                    1,
                    column,
                    "the column of names is missing",
                    f"pass --column with one of: {', '.join(table.columns)}",
                )
            ]
        )
    names = table[column].str.strip()
    keep = (names != "").to_numpy()
    countries = (
        table[country_column].str.strip().str.upper()
        if country_column in table.columns
        else pd.Series([""] * len(table))
    )
    return names[keep].tolist(), countries[keep].tolist()


def _parquet_as_text(path: Path) -> pd.DataFrame:
    """Read a Parquet file, or a folder's parts in order, with every cell as text.

    A missing value is an empty cell; a column some parts lack is empty in their rows.
    """
    import pyarrow.parquet as pq

    in_folder = is_dataset(path)
    if not in_folder and not path.exists():
        raise FileNotFoundError(path)
    frames = []
    for part in parquet_parts(path) if in_folder else [path]:
        try:
            frame = pq.read_table(part).to_pandas()
        except Exception as error:  # pyarrow raises many types for a damaged file
            raise DataError([parquet_problem(part, error, part=in_folder)]) from None
        frames.append(
            pd.DataFrame(
                {
                    str(name): frame[name].astype(str).where(frame[name].notna(), "")
                    for name in frame.columns
                },
                dtype=object,
            )
        )
    table = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return table.fillna("").astype(object)


def format_screen(found: pd.DataFrame, fmt: str, *, against: str) -> str:
    """Format screening results as ``table``, ``markdown``, ``json`` or ``csv``.

    Parameters
    ----------
    found
        The result of :func:`screen`.
    fmt
        The format.
    against
        What was screened against, for the table's title (e.g. ``12 listed entities in force
        on 2019-10-09``).
    """
    records = _records(found)
    if fmt == "json":
        return json.dumps(records, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        from exposure.render.text import to_csv

        return to_csv(records, SCREEN_FIELDS)
    from tabulate import tabulate

    markdown = fmt == "markdown"
    headers = ["Name", "Outcome", "Score", "Listed as", "List", "Why"]
    rows = [
        [
            r["name"],
            r["outcome"],
            "" if r["score"] is None else f"{r['score']:.1f}",
            r["matched_as"] or "",
            r["list"] or "",
            r["explanation"],
        ]
        for r in records
    ]
    if markdown:
        from exposure.render.text import safe_cell

        rows = [[str(safe_cell(c)).replace("|", "\\|") for c in row] for row in rows]
    table = tabulate(
        rows, headers=headers, tablefmt="github" if markdown else "simple", disable_numparse=True
    )
    counts = pd.Series([r["outcome"] for r in records]).value_counts()
    summary = ", ".join(
        f"{counts[o]} {o}" for o in ("confirmed", "match", "possible", "none") if o in counts
    )
    title = f"Screened {len(found['name'].unique())} name(s) against {against}: {summary}"
    note = (
        f"Outcomes: match from a score of {MATCH_THRESHOLD:g}; possible (needs review) from "
        f"{POSSIBLE_THRESHOLD:g}; confirmed = reviewed in matches.csv. Use --format json for "
        "the normalised forms."
    )
    if markdown:
        return f"## {title}\n\n{table}\n\n{note}\n"
    return f"{title}\n\n{table}\n\n{note}\n"


def _records(found: pd.DataFrame) -> list[dict[str, Any]]:
    records = []
    for row in found.to_dict("records"):
        record = {str(k): v for k, v in row.items()}
        score = record["score"]
        record["score"] = None if score is None or np.isnan(score) else float(score)
        for key in SCREEN_FIELDS:
            if record[key] == "" and key not in ("name", "explanation"):
                record[key] = None
        records.append(record)
    return records
