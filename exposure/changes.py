"""What changed between two analyses (a rule, a date, an assumption) or two downloads of a list.

:func:`diff` compares two results on the same data (say, the day before and the day a rule took
effect, or the same suppliers against yesterday's and today's list) and lists, per supplier,
whether it became exposed or stopped being exposed, through which newly listed buyers (with
their notice and date), and the change in revenue at risk; :func:`diff_table`
(``exposure.compare``) gives the same as a DataFrame. :func:`list_changes` says what a new
download of a list added, removed or changed, and which suppliers in the data each change
touches.
"""

from __future__ import annotations

from typing import TypedDict

import numpy as np
import pandas as pd

from exposure import analysis
from exposure.names import name_key
from exposure.read.csl import start_date_stated
from exposure.records import PathRecord, SupplierRecord
from exposure.result import Result

__all__ = [
    "Change",
    "ListChange",
    "ListedBuyer",
    "described",
    "diff",
    "diff_table",
    "list_changes",
    "list_changes_table",
]


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
    revenue_at_risk_before_is_lower_bound: bool
    revenue_at_risk_after_is_lower_bound: bool
    new_listed_buyers: list[ListedBuyer]
    dropped_listed_buyers: list[ListedBuyer]
    assumptions: list[str]
    needs_review_before: bool
    needs_review_after: bool
    revenue_at_risk_if_confirmed_before: float | None
    revenue_at_risk_if_confirmed_after: float | None
    revenue_at_risk_if_confirmed_before_is_lower_bound: bool | None
    revenue_at_risk_if_confirmed_after_is_lower_bound: bool | None


def _change(
    before: SupplierRecord, after: SupplierRecord, buyers_before: set[str], buyers_after: set[str]
) -> str | None:
    if after["exposed"] and not before["exposed"]:
        return "became exposed"
    if before["exposed"] and not after["exposed"]:
        return "no longer exposed"
    if buyers_before != buyers_after:
        return "listed buyers changed"
    # A figure that becomes a lower bound changes too (42.5% -> >= 42.5%).
    if (before["tier"], before["revenue_at_risk"], before["revenue_at_risk_is_lower_bound"]) != (
        after["tier"],
        after["revenue_at_risk"],
        after["revenue_at_risk_is_lower_bound"],
    ):
        return "exposure changed"
    # Unconfirmed exposure is exposure to review: its coming or going is a change to report.
    if after["needs_review"] and not before["needs_review"]:
        return "now needs review"
    if before["needs_review"] and not after["needs_review"]:
        return "no longer needs review"
    confirmed = before["revenue_at_risk_if_confirmed"], after["revenue_at_risk_if_confirmed"]
    if after["needs_review"] and confirmed[0] != confirmed[1]:
        return "review changed"
    return None


def _reached_buyers(result: Result, record: SupplierRecord) -> dict[str, ListedBuyer]:
    """Return every listed buyer the supplier's sales reach, by name, with a route to it.

    The route of its first path shown; for a buyer no path shows (beyond the tier limit, or
    light), a shortest one: a buyer a report does not name is still reached, not dropped.
    """
    found = {}
    for path in record["paths"]:
        if path["listed"] not in found:
            found[path["listed"]] = _buyer(path)
    if record["summary"]["listed_buyers_not_shown"]:
        names = result.graph.names
        routes = analysis.shortest_paths(
            result.sales.adjacency, result.listed, result.code(record["supplier"])
        )
        for listed, route in sorted(routes.items(), key=lambda item: (len(item[1]), item[0])):
            name = str(names[listed])
            if name not in found:
                listing = result.listing_of(listed)
                found[name] = {
                    "listed": name,
                    "tier": len(route) - 1,
                    "path": [str(names[node]) for node in route],
                    "list": listing["list"],
                    "federal_register_notice": listing["federal_register_notice"],
                    "start_date": str(listing["start_date"]),
                }
    return found


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
        ``no longer exposed``, ``listed buyers changed``, ``exposure changed`` (its tier or
        revenue at risk, or whether that is a lower bound), ``now needs review``, ``no longer
        needs review``, ``review changed`` (what a confirmation would add) or
        ``unchanged``), ``exposed_before``/``_after``, ``tier_before``/``_after``,
        ``revenue_at_risk_before``/``_after``, ``revenue_at_risk_change`` (``None`` when either
        figure is unknown; exact only when neither side is a lower bound),
        ``revenue_at_risk_is_lower_bound`` (either side is), ``..._before_is_lower_bound`` and
        ``..._after_is_lower_bound``, ``new_listed_buyers`` and ``dropped_listed_buyers``
        (every listed entity its sales reach on one side only, named or not by the paths a
        report shows, each with a route, its list, notice and start date), the
        ``assumptions`` either side rests on, and ``needs_review_before``/``_after`` with
        ``revenue_at_risk_if_confirmed_before``/``_after`` and whether each is a lower bound.
        Most important first: newly exposed, then by the size of the change.

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
        before_buyers, after_buyers = _reached_buyers(before, was), _reached_buyers(after, new)
        change = _change(was, new, set(before_buyers), set(after_buyers))
        if change is None and not unchanged:
            continue
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
                "revenue_at_risk_before_is_lower_bound": was["revenue_at_risk_is_lower_bound"],
                "revenue_at_risk_after_is_lower_bound": new["revenue_at_risk_is_lower_bound"],
                "new_listed_buyers": [
                    b for name, b in after_buyers.items() if name not in before_buyers
                ],
                "dropped_listed_buyers": [
                    b for name, b in before_buyers.items() if name not in after_buyers
                ],
                "assumptions": list(dict.fromkeys(was["assumptions"] + new["assumptions"])),
                "needs_review_before": was["needs_review"],
                "needs_review_after": new["needs_review"],
                "revenue_at_risk_if_confirmed_before": was["revenue_at_risk_if_confirmed"],
                "revenue_at_risk_if_confirmed_after": new["revenue_at_risk_if_confirmed"],
                "revenue_at_risk_if_confirmed_before_is_lower_bound": was[
                    "revenue_at_risk_if_confirmed_is_lower_bound"
                ],
                "revenue_at_risk_if_confirmed_after_is_lower_bound": new[
                    "revenue_at_risk_if_confirmed_is_lower_bound"
                ],
            }
        )
    rank = {
        "became exposed": 0,
        "no longer exposed": 1,
        "listed buyers changed": 2,
        "exposure changed": 3,
        "now needs review": 4,
        "no longer needs review": 5,
        "review changed": 6,
    }
    changes.sort(
        key=lambda c: (
            rank.get(c["change"], len(rank)),
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


class ListChange(TypedDict):
    """What a new version of a list did to one listed entry."""

    change: str
    list: str
    name: str
    country: str | None
    start_date: str | None
    federal_register_notice: str | None
    #: Per field that changed: its value before and after (``None``: empty).
    fields: dict[str, list[str | None]]
    #: Suppliers in the data whose sales reach the entry (after; before, for a removal).
    suppliers: list[str]


#: The fields of a listing compared between two versions of a list.
COMPARED = (
    "alt_names", "country", "start_date", "end_date", "federal_register_notice",
    "license_requirement", "license_policy", "footnote",
)  # fmt: skip


def _entries(table: pd.DataFrame) -> dict[tuple[str, str], dict[str, str]]:
    """Return a list's entries by (list, name key): each field's values, merged over its rows.

    The CSL repeats an entity once per address; aliases are merged as a set, other fields as
    their distinct values in order. A start date the CSL does not give is left out: the
    importer dates such an entry by the newest date in its file, which moves with every new
    listing, so it tells nothing of the entry.
    """
    entries: dict[tuple[str, str], dict[str, list[str]]] = {}
    for row in table.to_dict("records"):
        key = (str(row["list"]), name_key(str(row["name"])))
        entry = entries.setdefault(key, {"name": [str(row["name"])]})
        stated = start_date_stated(row.get("source"))
        for field in COMPARED:
            if field == "start_date" and not stated:
                continue
            value = row.get(field)
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                continue
            text = value.date().isoformat() if isinstance(value, pd.Timestamp) else str(value)
            parts = [p.strip() for p in text.split(";")] if field == "alt_names" else [text]
            entry.setdefault(field, []).extend(p for p in parts if p)
    return {
        key: {
            field: "; ".join(sorted(set(values)) if field == "alt_names" else dict.fromkeys(values))
            for field, values in entry.items()
        }
        for key, entry in entries.items()
    }


def list_changes(
    old: pd.DataFrame,
    new: pd.DataFrame,
    *,
    before: Result | None = None,
    after: Result | None = None,
) -> list[ListChange]:
    """Compare two versions of a list: entries added, removed and changed.

    Parameters
    ----------
    old, new
        The two versions, as :func:`exposure.read.dataset.read_listed` reads them (a
        ``listed.csv`` or a CSL download).
    before, after
        The analyses of the same suppliers against each version, to name the suppliers whose
        sales reach each changed entry; without them, ``suppliers`` is empty.

    Returns
    -------
    list of dict
        One per entry (a name on a list) added, removed or changed (aliases, country, dates,
        notice, licence requirement and policy, footnote): ``change``, ``list``, ``name``,
        ``country``, ``start_date``, ``federal_register_notice``, ``fields`` (each changed
        field's values before and after) and ``suppliers``; those touching suppliers first.

    Examples
    --------
    >>> from exposure import load
    >>> listed = load().listed
    >>> later = listed.copy()
    >>> later.loc[later["name"] == "Hikvision", "footnote"] = "1"
    >>> [(c["change"], c["name"], c["fields"]) for c in list_changes(listed, later)]
    [('changed', 'Hikvision', {'footnote': [None, '1']})]
    """
    was, now = _entries(old), _entries(new)
    found: list[ListChange] = []
    for key in list(dict.fromkeys([*now, *was])):
        earlier, later = was.get(key), now.get(key)
        if earlier == later:
            continue
        entry = later or earlier
        assert entry is not None
        fields = {}
        if earlier is not None and later is not None:
            fields = {
                f: [earlier.get(f) or None, later.get(f) or None]
                for f in COMPARED
                if (earlier.get(f) or None) != (later.get(f) or None)
            }
            if not fields:
                continue
        change = "added" if earlier is None else "removed" if later is None else "changed"
        side = before if change == "removed" else after
        found.append(
            {
                "change": change,
                "list": key[0],
                "name": entry["name"],
                "country": entry.get("country") or None,
                "start_date": entry.get("start_date") or None,
                "federal_register_notice": entry.get("federal_register_notice") or None,
                "fields": fields,
                "suppliers": _suppliers_reaching(side, entry["name"]) if side else [],
            }
        )
    order = {"added": 0, "removed": 1, "changed": 2}
    found.sort(key=lambda c: (not c["suppliers"], order[c["change"]], c["name"].casefold()))
    return found


def _suppliers_reaching(result: Result, name: str) -> list[str]:
    """Return the suppliers whose sales reach the named listed entity (stopping at listed ones)."""
    code = result.graph.code(name)
    if code is None:
        return []
    graph = result.sales
    target = np.zeros(graph.n_nodes, dtype=bool)
    target[code] = True
    through = ~result.listed | target
    reached = analysis.reach(
        graph.adjacency, target, through, reversed_adjacency=graph.reversed_adjacency
    )
    reached[code] = False
    suppliers = np.asarray(result.graph.supplier_codes)
    return sorted(
        (str(n) for n in result.graph.names[suppliers[reached[suppliers]]]), key=str.casefold
    )


def described(fields: dict[str, list[str | None]]) -> str:
    """Say what changed in an entry, field by field.

    Examples
    --------
    >>> described({"footnote": [None, "1"], "start_date": ["2019-05-16", "2020-08-17"]})
    'footnote: (none) -> 1; start_date: 2019-05-16 -> 2020-08-17'
    """
    return "; ".join(
        f"{field}: {old or '(none)'} -> {new or '(none)'}" for field, (old, new) in fields.items()
    )


def list_changes_table(records: list[ListChange]) -> pd.DataFrame:
    """Return :func:`list_changes`' records as a DataFrame, the changed fields in words."""
    table = pd.DataFrame(records, columns=list(ListChange.__annotations__))
    table["fields"] = [described(f) for f in table["fields"]]
    return table
