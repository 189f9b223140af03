"""Screening names against the listed entities: is a counterparty on a list.

:func:`screen` takes, for each name (customers, counterparties, a whole file of them), the
decision every report takes for it (:func:`~exposure.entities.resolve.resolve`: review decision,
then exact key, then fuzzy score) and shows it first, with the other candidates the
:class:`~exposure.entities.matcher.Matcher` scored: outcome (``confirmed``, ``match``,
``possible``, ``none``), score, list and why.

Which listings count: those in force on ``as_of`` (a listing counts from its ``start_date`` until
the day before its ``end_date``, as in the analysis), so that an ended Denied Persons order is no
hit today. A name is resolved against every listing, as in a report, and a candidate whose
listings are none of them in force is ``none``, its explanation saying which listing ended and
which start later. A hit's list, notice and start date are those of its listings in force, as a
report shows them (:func:`~exposure.entities.listings.shown_listings`); a hit only on lists that
do not restrict sales (an investment ban) says what they restrict. ``as_of=None`` screens
against every listing loaded, whatever its dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from exposure.entities.listings import listings_in_force, shown_listings
from exposure.entities.matcher import Matcher
from exposure.entities.resolve import Resolution, resolve
from exposure.names import name_key_codes
from exposure.read.csl import start_date_stated
from exposure.restrictions import ListRule, list_rule

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
    own_lists: Mapping[str, ListRule] | None = None,
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
    own_lists
        What the user's own lists restrict (:func:`exposure.restrictions.own_rules` of
        ``lists.csv``), to say whether a listing restricts sales.

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
    # Every listing, whatever its dates, as a report resolves names: a name is the same
    # entity on every date; whether its listing counts is a question of the date, asked after.
    matcher = Matcher(listed, decisions=decisions, decisions_file=decisions_file)
    listings, index, reviewed = matcher.listings, matcher.index, matcher.decisions
    texts = np.asarray([str(n) for n in names], dtype=object)
    given = [str(c).strip().upper() if c is not None else "" for c in countries or ()]
    given = given or [""] * len(texts)
    found = matcher.match(texts.tolist(), given, limit=limit)
    key_codes, keys = name_key_codes(texts)
    decided = resolve(
        texts,
        (keys[key_codes], key_codes),
        listings,
        index,
        reviewed,
        fuzzy=True,
        to_score=np.ones(len(texts), dtype=bool),
        countries=lambda positions: [given[i] for i in positions.tolist()],
        matcher=matcher,
        scored=found[found["rank"] == 0].reset_index(drop=True),
        stop_at_ambiguous=False,
    )
    assert decided.links is not None  # resolve() returns links unless asked to stop
    found = _as_decided(found, decided)
    return _in_force_on(found, listings, as_of, own_lists)[list(SCREEN_FIELDS)]


#: A link's outcome as screening names it.
_OUTCOME = {"exact": "match", "fuzzy": "match", "confirmed": "confirmed", "possible": "possible"}


def _as_decided(found: pd.DataFrame, decided: Resolution) -> pd.DataFrame:
    """Put each name's decided entity (:func:`resolve`) first among its candidates.

    The candidates are what the matcher scored, best first; the decision is what every
    report takes. They agree but for the outcome's name (``exact`` and ``fuzzy`` links are
    both a ``match``), the score of a reviewed pair, and names two entities could be.
    """
    links = cast(pd.DataFrame, decided.links)
    ambiguous = dict(decided.ambiguous)
    entity = links["entity"].to_numpy()
    chosen = np.where(entity >= 0, entity, links["possible_entity"].to_numpy())
    outcome = links["match"].map(_OUTCOME).fillna("none").to_numpy(dtype=object)
    # The matcher gives each name's candidates in the names' order, ranked from 0.
    position = np.cumsum(found["rank"].to_numpy() == 0) - 1
    chosen_here = chosen[position]
    entity_here = found["entity"].to_numpy()
    mine = (entity_here == chosen_here) & (chosen_here >= 0)
    # The first candidate that is the decided entity leads its name's rows; the same entity
    # proposed again (through another spelling) is left out.
    seen = pd.Series(mine).groupby(position).cumsum().to_numpy()
    first = mine & (seen == 1)
    keep = ~mine | first
    order = np.lexsort((np.arange(len(found)), ~first, position))
    order = order[keep[order]]
    outcomes = found["outcome"].to_numpy(dtype=object).copy()
    outcomes[first] = outcome[position[first]]
    undecided = (chosen_here < 0) & ~np.isin(position, list(ambiguous))
    outcomes[undecided] = "none"
    explanations = found["explanation"].to_numpy(dtype=object).copy()
    for i in np.flatnonzero(np.isin(position, list(ambiguous))).tolist():
        # Every candidate is shown: the user must settle which entity the name is.
        explanations[i] = f"{ambiguous[int(position[i])]}; {explanations[i]}"
    shown = found.assign(outcome=outcomes, explanation=explanations)
    return shown.iloc[order].reset_index(drop=True)


def _in_force_on(
    found: pd.DataFrame,
    listings: pd.DataFrame,
    day: dt.date | None,
    own_lists: Mapping[str, ListRule] | None,
) -> pd.DataFrame:
    """Describe each candidate's listings in force on ``day``; set aside an entity with none.

    As a report shows them (:func:`~exposure.entities.listings.shown_listings`): the lists in
    force, those restricting sales first, and the notice and start date of the listing shown.
    An entity listed only on lists that do not restrict sales (an investment ban) says so.
    ``day=None`` takes every listing. A candidate whose entity has no listing in force on
    ``day`` becomes ``none``, its explanation saying which listings ended and which start later.
    """

    def rule(name: str) -> ListRule:
        return list_rule(name, own_lists)

    wanted = listings[listings["entity"].isin(found["entity"].unique())]
    shown = shown_listings(listings_in_force(wanted, day), lambda n: rule(n).reaches_sales)
    by_entity = {int(r["entity"]): r for r in shown.to_dict("records")}
    entity = [int(e) for e in found["entity"].tolist()]
    rows = [by_entity.get(e) for e in entity]
    outcome = found["outcome"].to_numpy(dtype=object).copy()
    explanation = found["explanation"].to_numpy(dtype=object).copy()
    rows_of = dict(tuple(wanted.groupby("entity")))
    for i, (e, row) in enumerate(zip(entity, rows, strict=True)):
        if e < 0 or (outcome[i] == "none" and row is not None):
            continue
        if row is None:
            if day is not None and outcome[i] != "none":
                explanation[i] = f"{explanation[i]}; but {_not_in_force(rows_of[e], day)}"
            outcome[i] = "none"
        elif not row["reaching"]:
            lists = dict.fromkeys(str(n) for n in row["lists"].split("; "))
            why = "; ".join(f"{n} restricts {rule(n).restricts}" for n in lists)
            explanation[i] = f"{explanation[i]}; not on a list restricting sales: {why}"
    return found.assign(
        list=[row["lists"] if row else "" for row in rows],
        federal_register_notice=[
            row["federal_register_notice"] or "" if row else "" for row in rows
        ],
        start_date=[row["start_date"].strftime("%Y-%m-%d") if row else "" for row in rows],
        outcome=outcome,
        explanation=explanation,
    )


def _not_in_force(rows: pd.DataFrame, day: dt.date) -> str:
    """Say why none of one entity's listings is in force on ``day``, so it is no hit then.

    Its latest ended listing, and each list's next listing after ``day``.
    """
    when = pd.Timestamp(day)
    no_hit = f"so it is no hit on {day.isoformat()}"
    said = []
    ended = rows[rows["end_date"].notna() & (rows["end_date"] <= when)]
    if len(ended):
        last = ended.sort_values("end_date", kind="stable").iloc[-1]
        said.append(
            f"its {last['list']} listing ended on {last['end_date'].date().isoformat()}"
            f"{_notice(last)}"
        )
    later = rows[rows["start_date"] > when].sort_values("start_date", kind="stable")
    later = later.drop_duplicates("list")
    ended_lists = set(ended["list"].astype(str))
    for _, row in later.iterrows():
        start = row["start_date"].date().isoformat()
        if not start_date_stated(row.get("source")):
            # A date the importer gave: when the entry was listed at the latest, not since when.
            said.append(
                f"the CSL gives no start date{_notice(row)}: dated {start}, when it was listed "
                f"at the latest, {no_hit}, though it may have been listed then (import the list "
                "with --undated-start DATE to date it otherwise)"
            )
            continue
        again = " again" if str(row["list"]) in ended_lists else ""
        on = f"on the {row['list']}{again} " if len(ended) or len(later) > 1 else ""
        said.append(f"it is listed {on}only from {start}{_notice(row)}")
    if not said:
        return f"no listing of it is in force, {no_hit}"
    if said[-1].endswith("otherwise)"):
        return ", and ".join(said)
    return ", and ".join(said) + f", {no_hit}"


def _notice(row: pd.Series) -> str:
    notice = str(row.get("federal_register_notice") or "")
    return f" ({notice})" if notice else ""


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
