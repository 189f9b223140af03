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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from exposure.entities.decisions import Decisions
from exposure.entities.listings import entity_ids, in_force, name_index
from exposure.entities.matcher import Matcher

__all__ = ["SCREEN_FIELDS", "screen", "screen_records"]

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
    resolved = Decisions.from_table(decisions, name_index(listings), decisions_file)
    if as_of is not None:
        listings = listings[in_force(listings, as_of)]
    found = Matcher(listings, decisions=resolved).match(names, countries, limit=limit)
    first = listings.sort_values(["entity", "start_date"], kind="stable").drop_duplicates("entity")
    notice = dict(zip(first["entity"], first["federal_register_notice"], strict=True))
    start = dict(zip(first["entity"], first["start_date"].dt.strftime("%Y-%m-%d"), strict=True))
    entity = found["entity"].tolist()
    found["federal_register_notice"] = [notice.get(e, "") for e in entity]
    found["start_date"] = [start.get(e, "") for e in entity]
    return found[list(SCREEN_FIELDS)]


def screen_records(found: pd.DataFrame) -> list[dict[str, Any]]:
    """Return screening results (from :func:`screen`) as plain records for JSON, CSV and text.

    Empty cells become ``None`` (but ``name`` and ``explanation``), scores floats or ``None``.
    """
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
