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

from collections.abc import Mapping
from typing import Any, TypedDict

import numpy as np
import pandas as pd

from exposure import analysis
from exposure.names import name_key
from exposure.read.csl import start_date_stated
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


#: The changes :func:`diff` tells, most important first: the first that holds is a supplier's.
CHANGES = (
    "became exposed",
    "no longer exposed",
    "listed buyers changed",
    "exposure changed",
    "now needs review",
    "no longer needs review",
    "review changed",
)


def _same(earlier: np.ndarray, later: np.ndarray) -> np.ndarray:
    """Return where two figures agree, an unknown (``NaN``) agreeing with an unknown."""
    return (earlier == later) | (np.isnan(earlier) & np.isnan(later))


def _changes(was: pd.DataFrame, now: pd.DataFrame, buyers_changed: np.ndarray) -> np.ndarray:
    """Return each supplier's change (the first of :data:`CHANGES` that holds), ``""`` for none.

    ``was`` and ``now`` are :attr:`Result.suppliers` rows of the same suppliers, in one order.
    """
    tier = [t["tier"].fillna(0).to_numpy(np.int64) for t in (was, now)]
    risk = [t["revenue_at_risk"].to_numpy(np.float64) for t in (was, now)]
    bound = [t["revenue_at_risk_is_lower_bound"].to_numpy(bool) for t in (was, now)]
    review = [t["needs_review"].to_numpy(bool) for t in (was, now)]
    confirmed = [t["revenue_at_risk_if_confirmed"].to_numpy(np.float64) for t in (was, now)]
    exposed = [t > 0 for t in tier]
    conditions = [
        exposed[1] & ~exposed[0],
        exposed[0] & ~exposed[1],
        buyers_changed,
        # A figure that becomes a lower bound changes too (42.5% -> >= 42.5%).
        (tier[0] != tier[1]) | ~_same(*risk) | (bound[0] != bound[1]),
        # Unconfirmed exposure is exposure to review: its coming or going is a change to report.
        review[1] & ~review[0],
        review[0] & ~review[1],
        review[1] & ~_same(*confirmed),
    ]
    return np.select(conditions, list(CHANGES), default="")


def _standing(row: Mapping[Any, Any]) -> dict[str, Any]:
    """Return one side's figures of a supplier as records give them (``None``: unknown)."""

    def known(value: Any) -> Any:
        return None if value is None or pd.isna(value) else value

    tier, confirmed_bound = (
        known(row["tier"]),
        known(row["revenue_at_risk_if_confirmed_is_lower_bound"]),
    )
    return {
        "exposed": bool(row["exposed"]),
        "tier": None if tier is None else int(tier),
        "revenue_at_risk": known(row["revenue_at_risk"]),
        "is_lower_bound": bool(row["revenue_at_risk_is_lower_bound"]),
        "needs_review": bool(row["needs_review"]),
        "if_confirmed": known(row["revenue_at_risk_if_confirmed"]),
        "if_confirmed_is_lower_bound": None if confirmed_bound is None else bool(confirmed_bound),
    }


def _buyer_changes(
    before: Result, after: Result, codes_before: np.ndarray, codes_after: np.ndarray
) -> tuple[np.ndarray, list[list[ListedBuyer]], list[list[ListedBuyer]]]:
    """Return, per supplier, whether its listed buyers changed, and those new and dropped.

    Every listed entity a supplier's sales reach counts, shown in a report or not (beyond
    the tier limit, or light): a buyer a report does not name is still reached, not dropped.
    Both sides' reached sets are compared for every supplier at once, as bits over the
    listed names of either side (:func:`~exposure.analysis.reached_listed_blocks`); only a
    buyer gained or lost is given a route, a shortest one (:func:`_routes`).
    """
    sides = (before, after)
    listed_codes = [np.flatnonzero(side.listed) for side in sides]
    listed_names = [
        side.graph.names[found] for side, found in zip(sides, listed_codes, strict=True)
    ]
    union = pd.Index(pd.unique(np.concatenate(listed_names)))
    columns = []
    for side, found, names in zip(sides, listed_codes, listed_names, strict=True):
        column = np.full(side.graph.n_nodes, -1, dtype=np.int64)
        column[found] = union.get_indexer(pd.Index(names))
        columns.append(column)
    adjacencies = [side.sales.adjacency for side in sides]
    largest = max(max(a.shape[0], a.nnz) for a in adjacencies)
    words = max(1, min(analysis.REACH_BLOCK_ENTRIES // max(largest, 1), -(-len(union) // 64)))
    blocks = [
        analysis.reached_listed_blocks(
            adjacency, side.listed, column=column, n_columns=len(union), words=words
        )
        for side, adjacency, column in zip(sides, adjacencies, columns, strict=True)
    ]
    # A listed supplier whose sales come back to it reaches itself: not a buyer of its own.
    own_column = union.get_indexer(pd.Index(after.graph.names[codes_after]))
    changed = np.zeros(len(codes_after), dtype=bool)
    gained: list[tuple[np.ndarray, np.ndarray]] = []  # (supplier position, union column)
    lost: list[tuple[np.ndarray, np.ndarray]] = []
    for (first, reach_before, _), (_, reach_after, _) in zip(*blocks, strict=True):
        was, now = reach_before[codes_before], reach_after[codes_after]
        for bits, pairs in ((now & ~was, gained), (was & ~now, lost)):
            rows = np.flatnonzero(bits.any(axis=1))
            # Little-endian words: byte 0 holds bits 0 to 7, so bit k of the row is column k.
            unpacked = np.unpackbits(bits[rows].view(np.uint8), axis=1, bitorder="little")
            at, bit = np.nonzero(unpacked)
            position, buyer = rows[at], first + bit
            other = buyer != own_column[position]
            changed[position[other]] = True
            pairs.append((position[other], buyer[other]))
    new = _routes(after, codes_after, gained, union, listed_codes[1], listed_names[1])
    dropped = _routes(before, codes_before, lost, union, listed_codes[0], listed_names[0])
    return changed, new, dropped


def _routes(
    result: Result,
    codes: np.ndarray,
    pairs: list[tuple[np.ndarray, np.ndarray]],
    union: pd.Index,
    listed_codes: np.ndarray,
    listed_names: np.ndarray,
) -> list[list[ListedBuyer]]:
    """Return, per supplier, the listed buyers of ``pairs`` with a shortest route to each.

    ``pairs`` hold suppliers' positions in ``codes`` and listed buyers' columns of ``union``.
    Fewest sales first, then the heaviest route (one of unknown weight last), then by name.
    """
    found: list[list[tuple[tuple[Any, ...], ListedBuyer]]] = [[] for _ in codes]
    position = np.concatenate([p for p, _ in pairs]) if pairs else np.array([], dtype=np.int64)
    column = np.concatenate([c for _, c in pairs]) if pairs else np.array([], dtype=np.int64)
    node_of_column = np.full(len(union), -1, dtype=np.int64)
    node_of_column[union.get_indexer(pd.Index(listed_names))] = listed_codes
    names = result.graph.names
    for listed_column in np.unique(column).tolist():
        target = int(node_of_column[listed_column])
        starts = position[column == listed_column]
        listing = result.listing_of(target)
        buyer = str(names[target])
        routes = analysis.routes_to(
            result.weights,
            result.listed,
            target,
            codes[starts],
            reversed_adjacency=result.sales.reversed_adjacency,
        )
        for start, (route, weight) in zip(starts.tolist(), routes, strict=True):
            order = (len(route), weight is None, -(weight or 0.0), buyer.casefold())
            reached: ListedBuyer = {
                "listed": buyer,
                "tier": len(route) - 1,
                "path": [str(n) for n in names[route]],
                "list": listing["list"],
                "federal_register_notice": listing["federal_register_notice"],
                "start_date": str(listing["start_date"]),
            }
            found[start].append((order, reached))
    return [[b for _, b in sorted(buyers, key=lambda o: o[0])] for buyers in found]


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
        report shows, each with a shortest route, its list, notice and start date; fewest
        sales first), the ``assumptions`` either side rests on, and
        ``needs_review_before``/``_after`` with ``revenue_at_risk_if_confirmed_before``/``_after``
        and whether each is a lower bound. Most important first: newly exposed, then by the
        size of the change.

    Notes
    -----
    Computed for every supplier at once from both results' arrays (:attr:`Result.suppliers`
    and the listed entities each supplier reaches), without a search per supplier: only the
    buyers gained or lost are given routes.

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
    now = after.suppliers
    was = before.suppliers
    # The suppliers of both sides, in the later side's order.
    position = pd.Index(was["supplier"]).get_indexer(now["supplier"])
    both = np.flatnonzero(position >= 0)
    was = was.iloc[position[both]].reset_index(drop=True)
    now = now.iloc[both].reset_index(drop=True)
    codes_before = before.ranked_codes()[position[both]]
    codes_after = after.ranked_codes()[both]
    buyers_changed, new_buyers, dropped_buyers = _buyer_changes(
        before, after, codes_before, codes_after
    )
    kinds = _changes(was, now, buyers_changed)
    assumptions = list(dict.fromkeys(before.assumptions + after.assumptions))
    rows = np.arange(len(now)) if unchanged else np.flatnonzero(kinds != "")
    earlier_rows, later_rows = was.iloc[rows].to_dict("records"), now.iloc[rows].to_dict("records")
    changes: list[Change] = []
    for row, earlier_row, later_row in zip(rows.tolist(), earlier_rows, later_rows, strict=True):
        earlier, later = _standing(earlier_row), _standing(later_row)
        risk_before, risk_after = earlier["revenue_at_risk"], later["revenue_at_risk"]
        changes.append(
            {
                "supplier": str(later_row["supplier"]),
                "change": str(kinds[row]) or "unchanged",
                "exposed_before": earlier["exposed"],
                "exposed_after": later["exposed"],
                "tier_before": earlier["tier"],
                "tier_after": later["tier"],
                "revenue_at_risk_before": risk_before,
                "revenue_at_risk_after": risk_after,
                "revenue_at_risk_change": (
                    None
                    if risk_before is None or risk_after is None
                    else round(risk_after - risk_before, 12)
                ),
                "revenue_at_risk_is_lower_bound": earlier["is_lower_bound"]
                or later["is_lower_bound"],
                "revenue_at_risk_before_is_lower_bound": earlier["is_lower_bound"],
                "revenue_at_risk_after_is_lower_bound": later["is_lower_bound"],
                "new_listed_buyers": new_buyers[row],
                "dropped_listed_buyers": dropped_buyers[row],
                "assumptions": assumptions,
                "needs_review_before": earlier["needs_review"],
                "needs_review_after": later["needs_review"],
                "revenue_at_risk_if_confirmed_before": earlier["if_confirmed"],
                "revenue_at_risk_if_confirmed_after": later["if_confirmed"],
                "revenue_at_risk_if_confirmed_before_is_lower_bound": earlier[
                    "if_confirmed_is_lower_bound"
                ],
                "revenue_at_risk_if_confirmed_after_is_lower_bound": later[
                    "if_confirmed_is_lower_bound"
                ],
            }
        )
    rank = {change: at for at, change in enumerate(CHANGES)}
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
