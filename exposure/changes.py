"""What changed between two analyses: a rule, a date, an assumption.

:func:`diff` compares two results on the same graph (say, the day before and the day a rule took
effect) and lists, per supplier, whether it became exposed or stopped being exposed, through
which newly listed buyers (with their notice and date), and the change in revenue at risk;
:func:`diff_table` (``exposure.compare``) gives the same as a DataFrame.
"""

from __future__ import annotations

from typing import TypedDict

import numpy as np
import pandas as pd

from exposure.records import PathRecord, SupplierRecord
from exposure.result import Result

__all__ = ["Change", "ListedBuyer", "diff", "diff_table"]


class ListedBuyer(TypedDict):
    """A listed buyer a supplier reaches on one side of a change, and how."""

    listed: str
    tier: int
    path: list[str]
    list: str
    federal_register_notice: str | None
    start_date: str


class Change(TypedDict):
    """What changed for one supplier between two analyses."""

    supplier: str
    change: str
    exposed_before: bool
    exposed_after: bool
    tier_before: int | None
    tier_after: int | None
    revenue_at_risk_before: float | None
    revenue_at_risk_after: float | None
    revenue_at_risk_change: float | None
    revenue_at_risk_is_lower_bound: bool
    new_listed_buyers: list[ListedBuyer]
    dropped_listed_buyers: list[ListedBuyer]
    assumptions: list[str]


def _change(before: SupplierRecord, after: SupplierRecord) -> str | None:
    if after["exposed"] and not before["exposed"]:
        return "became exposed"
    if before["exposed"] and not after["exposed"]:
        return "no longer exposed"
    if set(before["listed_buyers"]) != set(after["listed_buyers"]):
        return "listed buyers changed"
    if (before["tier"], before["revenue_at_risk"]) != (after["tier"], after["revenue_at_risk"]):
        return "exposure changed"
    return None


def _buyer(path: PathRecord) -> ListedBuyer:
    return {
        "listed": path["listed"],
        "tier": path["tier"],
        "path": path["path"],
        "list": path["list"],
        "federal_register_notice": path["federal_register_notice"],
        "start_date": path["start_date"],
    }


def diff(before: Result, after: Result, *, unchanged: bool = False) -> list[Change]:
    """Compare two results, supplier by supplier.

    Parameters
    ----------
    before, after
        Results on the same data (for example the same dataset as of two dates).
    unchanged
        Also list suppliers whose exposure did not change.

    Returns
    -------
    list of dict
        One record per supplier with a change: ``supplier``, ``change`` (``became exposed``,
        ``no longer exposed``, ``listed buyers changed``, ``exposure changed`` or
        ``unchanged``), ``exposed_before``/``_after``, ``tier_before``/``_after``,
        ``revenue_at_risk_before``/``_after``, ``revenue_at_risk_change`` (``None`` when either
        figure is unknown), ``revenue_at_risk_is_lower_bound``, ``new_listed_buyers`` and
        ``dropped_listed_buyers`` (each with its path, list, notice and start date), and the
        ``assumptions`` either side rests on. Most important first: newly exposed, then by
        the size of the change.

    Examples
    --------
    >>> from exposure import analyze, load
    >>> data = load()
    >>> changes = diff(analyze(data, as_of="2019-10-08"), analyze(data, as_of="2019-10-09"))
    >>> [(c["supplier"], c["change"]) for c in changes][:2]
    [('Ambarella', 'became exposed'), ('HiSilicon Technologies Co., Ltd', 'became exposed')]
    >>> changes[0]["new_listed_buyers"][0]["federal_register_notice"]
    '84 FR 54002'
    """
    old = {r["supplier"]: r for r in before.records()}
    changes: list[Change] = []
    for new in after.records():
        was = old.get(new["supplier"])
        if was is None:
            continue
        change = _change(was, new)
        if change is None and not unchanged:
            continue
        before_buyers = {p["listed"] for p in was["paths"]}
        after_buyers = {p["listed"] for p in new["paths"]}
        risk_before, risk_after = was["revenue_at_risk"], new["revenue_at_risk"]
        changes.append(
            {
                "supplier": new["supplier"],
                "change": change or "unchanged",
                "exposed_before": was["exposed"],
                "exposed_after": new["exposed"],
                "tier_before": was["tier"],
                "tier_after": new["tier"],
                "revenue_at_risk_before": was["revenue_at_risk"],
                "revenue_at_risk_after": new["revenue_at_risk"],
                "revenue_at_risk_change": (
                    None
                    if risk_before is None or risk_after is None
                    else round(risk_after - risk_before, 12)
                ),
                "revenue_at_risk_is_lower_bound": bool(
                    was["revenue_at_risk_is_lower_bound"] or new["revenue_at_risk_is_lower_bound"]
                ),
                "new_listed_buyers": [
                    _buyer(p) for p in new["paths"] if p["listed"] not in before_buyers
                ],
                "dropped_listed_buyers": [
                    _buyer(p) for p in was["paths"] if p["listed"] not in after_buyers
                ],
                "assumptions": list(dict.fromkeys(was["assumptions"] + new["assumptions"])),
            }
        )
    rank = {
        "became exposed": 0,
        "no longer exposed": 1,
        "listed buyers changed": 2,
        "exposure changed": 3,
    }
    changes.sort(
        key=lambda c: (
            rank.get(c["change"], 4),
            -abs(c["revenue_at_risk_change"] or 0.0),
            str(c["supplier"]).casefold(),
        )
    )
    return changes


def diff_table(before: Result, after: Result, *, unchanged: bool = False) -> pd.DataFrame:
    """Return :func:`diff` as a DataFrame: one row per supplier, listed buyers by name.

    ``new_listed_buyers`` and ``dropped_listed_buyers`` hold the buyers' names; their paths,
    lists and notices are in :func:`diff`'s records.

    Examples
    --------
    >>> from exposure import analyze, load
    >>> data = load()
    >>> table = diff_table(analyze(data, as_of="2019-10-08"), analyze(data, as_of="2019-10-09"))
    >>> table.loc[0, ["supplier", "change", "new_listed_buyers"]].tolist()
    ['Ambarella', 'became exposed', ['Hikvision', 'Dahua Technology']]
    """
    return changes_table(diff(before, after, unchanged=unchanged))


def changes_table(records: list[Change]) -> pd.DataFrame:
    """Return :func:`diff`'s records as a DataFrame (see :func:`diff_table`)."""
    table = pd.DataFrame(records, columns=list(Change.__annotations__))
    for column in ("new_listed_buyers", "dropped_listed_buyers"):
        table[column] = [[b["listed"] for b in buyers] for buyers in table[column]]
    for column in ("tier_before", "tier_after"):
        table[column] = table[column].astype("Int64")
    for column in ("revenue_at_risk_before", "revenue_at_risk_after", "revenue_at_risk_change"):
        table[column] = table[column].astype(np.float64)  # None: NaN, unknown
    return table
