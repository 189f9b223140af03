"""Per-supplier records: the material paths to listed buyers, and the stable JSON schema.

A supplier's record (:class:`SupplierRecord`) is what ``exposure report --format json`` writes
and what :meth:`exposure.Result.supplier` returns: whether it is exposed, its tier, the listed
buyers it reaches, its affected products, its revenue at risk with the basis of that figure,
the *material paths* (:class:`PathRecord`, each sale a :class:`Hop`, with the listing and the
name match behind it and every source), and a summary of what the paths leave out
(:class:`Summary`). The types below are the schema: a field is added, never renamed or
removed, and an unknown figure is ``None``, never 0.

Which paths are material (:class:`~exposure.analysis.PathFinder`): every sale to a listed
entity; longer paths of at most :data:`MAX_TIER` sales carrying at least :data:`MIN_WEIGHT` of
the supplier's revenue, heaviest first; and up to :data:`UNQUANTIFIED_CAP` paths of unknown
weight. The rest is counted in the summary.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple, NotRequired, Protocol, TypedDict, cast

import numpy as np
import pandas as pd
from scipy import sparse

from exposure import analysis
from exposure.graph import SupplyGraph
from exposure.license_review import license_review
from exposure.reach import NO, STATUSES, SaleReach
from exposure.util.collector import collector_paused, objects_left_out

__all__ = [
    "COUNTED_AT_ONCE_FROM",
    "MAX_TIER",
    "MIN_WEIGHT",
    "PATH_FIELDS",
    "PATH_ROW_FIELDS",
    "UNQUANTIFIED_CAP",
    "Analysed",
    "Hop",
    "HopsAs",
    "ListColumn",
    "Listing",
    "NameMatch",
    "PathRecord",
    "RankingLine",
    "RecordMaker",
    "SaleNotReached",
    "Summary",
    "SupplierRecord",
    "beside_exposure",
    "own_hops",
    "path_rows_of_records",
    "restriction_text",
    "rounded",
]

#: Defaults of what a record lists per supplier: paths of at most this many sales...
MAX_TIER = 4
#: ... carrying at least this share of the supplier's revenue (0.001 = 0.1%) ...
MIN_WEIGHT = 0.001
#: ... and at most this many paths of unknown weight.
UNQUANTIFIED_CAP = 20
#: Records of more suppliers than this count the listed entities each one reaches for the
#: whole graph at once (one pass) rather than by a search from each supplier.
COUNTED_AT_ONCE_FROM = 2_000
#: A ranking searches the paths of this many suppliers side by side: enough for the arrays to
#: pay, few enough that its first lines come at once and its memory stays small.
RANKED_AT_ONCE = 8_192
#: Reports of every supplier's record search this many side by side: a chunk's paths and
#: their hops are held until its records are written.
RECORDED_AT_ONCE = 2_048
#: How many sales made into hops a report of every supplier keeps from chunk to chunk.
HOPS_KEPT = 131_072
#: How many paths a report of every supplier makes into records before it writes them.
PATHS_AT_ONCE = 65_536


class Hop(TypedDict):
    """One sale on a path: all the products one company sells another."""

    supplier: str
    customer: str
    products: list[str]
    revenue_share: float | None
    revenue_share_is_lower_bound: bool
    share_period: str | None
    sources: list[str]
    #: For a sale to a listed buyer: whether the rules reach it (``yes``, ``assumed``,
    #: ``unknown``, ``no``: see :mod:`exposure.reach`), and why; ``None`` for other sales.
    subject_to_ear: str | None
    subject_basis: str | None
    #: The ECCNs of its products as the data gives them (``EAR99`` included).
    eccns: list[str]
    #: For a sale to a listed buyer some of whose products the rules do not reach (or reach
    #: with doubt): the known share the figures count; ``None`` when that is all of it.
    revenue_share_reached: float | None


def _reached(
    share: float | None, counted: float, unknown: bool, subject: str | None
) -> float | None:
    """Return the part of a sale's share the figures count, where it differs from the share.

    ``None`` for a sale to a buyer not listed, where it is all of the share, or where the
    part is unknown.
    """
    if subject is None or (unknown and counted == 0.0):
        return None
    if share is not None and math.isclose(counted, share, abs_tol=1e-12):
        return None
    return 0.0 + counted


class NameMatch(TypedDict):
    """How the listed buyer's name in the data was linked to the list (its least sure spelling)."""

    outcome: str
    score: float | None
    spelling: str
    matched_as: str | None
    explanation: str | None


class Listing(TypedDict):
    """Why a company counts as listed: its (or its listed owner's) listing."""

    list: str
    federal_register_notice: str | None
    start_date: str
    license_policy: str | None
    sources: list[str]
    ownership: dict[str, Any] | None


class PathRecord(TypedDict):
    """One material path from a supplier to a listed buyer."""

    listed: str
    tier: int
    weight: float | None
    path: list[str]
    products: list[str]
    list: str
    federal_register_notice: str | None
    start_date: str
    license_policy: str | None
    ownership: dict[str, Any] | None
    match: NameMatch | None
    sources: list[str]
    hops: list[Hop]
    subject_to_ear: str | None
    subject_basis: str | None
    license_review: str | None


class Summary(TypedDict):
    """What a supplier's listed paths leave out, as counts and totals."""

    max_tier: int | None
    min_weight: float
    paths_shown: int
    unquantified_paths_shown: int
    listed_buyers_reached: int
    listed_buyers_not_shown: int
    weight_not_shown: float | None
    routes_not_shown: int | None
    unquantified_routes_not_shown: int | None
    deepest_tier: int | None
    beyond_tier_limit: bool


class RankingLine(TypedDict):
    """A supplier's line of the ranking: the fields of its record a table of all shows."""

    supplier: str
    exposed: bool
    tier: int | None
    listed_buyers: list[str]
    revenue_at_risk: float | None
    revenue_at_risk_is_lower_bound: bool
    share_basis: str | None
    assumptions: list[str]
    needs_review: bool
    revenue_at_risk_if_confirmed: float | None
    revenue_at_risk_if_confirmed_is_lower_bound: bool | None
    #: As :class:`SupplierRecord` gives them.
    revenue_at_risk_if_confirmed_and_reached: float | None
    revenue_at_risk_if_confirmed_and_reached_is_lower_bound: bool | None
    #: Every listed entity its sales reach (``listed_buyers`` names those of its paths).
    listed_buyers_reached: NotRequired[int]
    #: As :class:`SupplierRecord` gives them.
    revenue_at_risk_if_reached: NotRequired[float | None]
    revenue_at_risk_if_reached_is_lower_bound: NotRequired[bool | None]


class SupplierRecord(TypedDict):
    """A supplier's whole record, as in the JSON report."""

    supplier: str
    exposed: bool
    tier: int | None
    listed_buyers: list[str]
    products: list[str]
    revenue_at_risk: float | None
    revenue_at_risk_is_lower_bound: bool
    revenue_at_risk_within_tier_limit: float | None
    share_basis: str | None
    assumptions: list[str]
    paths: list[PathRecord]
    summary: Summary
    needs_review: bool
    revenue_at_risk_if_confirmed: float | None
    revenue_at_risk_if_confirmed_is_lower_bound: bool | None
    #: Revenue at risk if confirmed should the rules also reach every sale whose reach is
    #: unknown (known shares); ``None`` unless it needs review and such a sale changes it.
    revenue_at_risk_if_confirmed_and_reached: float | None
    #: An unknown share lies on a path that figure counts; ``None`` with the figure.
    revenue_at_risk_if_confirmed_and_reached_is_lower_bound: bool | None
    possible_paths: list[PathRecord]
    other_restrictions: list[OtherRestriction]
    sales_not_reached: list[SaleNotReached]
    #: Revenue at risk should the rules reach every sale whose reach is unknown (known
    #: shares); ``None`` when no such sale changes the figure.
    revenue_at_risk_if_reached: float | None
    #: An unknown share lies on a path that figure counts; ``None`` with the figure.
    revenue_at_risk_if_reached_is_lower_bound: bool | None


class SaleNotReached(TypedDict):
    """A sale of the supplier to a listed buyer that the rules do not reach: not exposure."""

    buyer: str
    products: list[str]
    basis: str
    sources: list[str]


class OtherRestriction(TypedDict):
    """A listing of one of the supplier's buyers whose restrictions do not reach its sales.

    An investment ban, a correspondent-account ban, the Unverified List's red flag
    (:mod:`exposure.restrictions`): reported beside the exposure, never counted in it.
    """

    buyer: str
    list: str
    federal_register_notice: str | None
    start_date: str
    restricts: str
    basis: str | None
    sources: list[str]


def restriction_text(restriction: Mapping[str, Any]) -> str:
    """Return a listing that restricts no sale in words: ``list (what it restricts)``.

    >>> restriction_text({"list": "NS-CMIC List", "restricts": "investment"})
    'NS-CMIC List (investment)'
    """
    return f"{restriction['list']} ({restriction['restricts']})"


def beside_exposure(record: Mapping[str, Any]) -> dict[str, list[str]]:
    """Return a record's ``other_restrictions`` and ``sales_not_reached`` as one line each.

    For flat tables (CSV, Parquet), where a list of objects does not fit a cell.

    Examples
    --------
    >>> beside_exposure({"sales_not_reached": [
    ...     {"buyer": "Hikvision", "products": ["boards"], "basis": "20% US content"}]})
    {'other_restrictions': [], 'sales_not_reached': ['Hikvision: boards (20% US content)']}
    """
    return {
        "other_restrictions": [
            f"{r['buyer']}: {restriction_text(r)}" for r in record.get("other_restrictions") or ()
        ],
        "sales_not_reached": [
            f"{r['buyer']}: {'; '.join(r['products'])} ({r['basis']})"
            for r in record.get("sales_not_reached") or ()
        ],
    }


#: The fields of a path record, in order: the columns of :meth:`exposure.Result.paths`.
PATH_FIELDS = tuple(PathRecord.__annotations__)

#: The columns of a table of paths, one row per path shown (``possible`` false) or pending
#: review (``possible`` true): a path record's fields that fit a cell, its name match's outcome
#: and score, and its supplier (``paths.parquet``: :mod:`exposure.render.columnar`).
PATH_ROW_FIELDS = (
    "supplier", "listed", "tier", "weight", "path", "products", "list", "federal_register_notice",
    "start_date", "license_policy", "subject_to_ear", "subject_basis", "license_review", "match",
    "match_score", "possible", "sources",
)  # fmt: skip


class ListColumn(NamedTuple):
    """A column of lists as Arrow holds one: where each row's items start, and the items.

    ``offsets`` has one more entry than there are rows; row ``i`` holds
    ``values[offsets[i]:offsets[i + 1]]``.

    Examples
    --------
    >>> column = ListColumn.of([["a", "b"], [], ["c"]])
    >>> column.offsets.tolist(), column.values.tolist(), column.take(np.array([2, 0])).values.tolist()
    ([0, 2, 2, 3], ['a', 'b', 'c'], ['c', 'a', 'b'])
    """

    offsets: np.ndarray
    values: np.ndarray

    @classmethod
    def of(cls, lists: list[list[Any]]) -> ListColumn:
        """Return the column of these lists."""
        offsets = np.zeros(len(lists) + 1, dtype=np.int64)
        np.cumsum([len(items) for items in lists], out=offsets[1:])
        values = np.empty(int(offsets[-1]), dtype=object)
        values[:] = list(itertools.chain.from_iterable(lists))
        return cls(offsets, values)

    def take(self, index: np.ndarray) -> ListColumn:
        """Return the lists of the rows at ``index``, in that order."""
        starts = self.offsets[index]
        lengths = self.offsets[index + 1] - starts
        offsets = np.zeros(len(index) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        return ListColumn(offsets, self.values[analysis.spans(starts, lengths)])

    @classmethod
    def concat(cls, columns: list[ListColumn]) -> ListColumn:
        """Return the rows of these columns one after the other."""
        lengths = np.concatenate([np.diff(column.offsets) for column in columns])
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        return cls(offsets, np.concatenate([column.values for column in columns]))

    def each_once(self) -> ListColumn:
        """Return each list with every item once, where it first comes."""
        n = len(self.offsets) - 1
        if not len(self.values):
            return self
        if n == 1:  # one list: no arrays to set up
            values = np.array(list(dict.fromkeys(self.values.tolist())), dtype=object)
            return ListColumn(np.array([0, len(values)], dtype=np.int64), values)
        owner = np.repeat(np.arange(n, dtype=np.int64), np.diff(self.offsets))
        codes, uniques = pd.factorize(self.values, use_na_sentinel=False)
        _, first = np.unique(owner * len(uniques) + codes, return_index=True)
        first.sort()
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(owner[first], minlength=n), out=offsets[1:])
        return ListColumn(offsets, self.values[first])


def path_rows_of_records(records: list[Mapping[str, Any]]) -> dict[str, Any]:
    """Return the table of paths (:data:`PATH_ROW_FIELDS`) of these records, as columns.

    :meth:`RecordMaker.report_batches` gives the same columns from the arrays, without the
    records' paths.
    """
    rows = [
        (record["supplier"], path, possible)
        for record in records
        for possible, paths in ((False, record["paths"]), (True, record.get("possible_paths", ())))
        for path in paths
    ]
    matches = [path.get("match") or {} for _, path, _ in rows]
    columns: dict[str, Any] = {
        "supplier": [supplier for supplier, _, _ in rows],
        **{
            name: [path.get(name) for _, path, _ in rows]
            for name in PATH_ROW_FIELDS
            if name not in ("supplier", "match", "match_score", "possible")
        },
        "match": [match.get("outcome") for match in matches],
        "match_score": [match.get("score") for match in matches],
        "possible": [possible for _, _, possible in rows],
    }
    for name in ("path", "products", "sources"):
        columns[name] = ListColumn.of([list(items or ()) for items in columns[name]])
    return {name: columns[name] for name in PATH_ROW_FIELDS}


class Analysed(Protocol):
    """What records are made from: the figures of one analysis (:class:`exposure.Result`)."""

    @property
    def graph(self) -> SupplyGraph:
        """The supply graph."""
        ...

    @property
    def sales(self) -> SupplyGraph:
        """The graph of the sales the rules reach, on which every figure is computed."""
        ...

    @property
    def reach(self) -> SaleReach:
        """Each sale to a listed buyer: whether the rules reach it, and why."""
        ...

    @property
    def as_of(self) -> dt.date:
        """The date of the analysis."""
        ...

    @property
    def max_tier(self) -> int:
        """Paths of at most this many sales are listed (0: no limit)."""
        ...

    @property
    def min_weight(self) -> float:
        """Paths past the first sale carry at least this share."""
        ...

    @property
    def unquantified_cap(self) -> int:
        """At most this many paths of unknown weight are listed."""
        ...

    @property
    def listed(self) -> np.ndarray:
        """Per node: counts as listed."""
        ...

    @property
    def tier(self) -> np.ndarray:
        """Per node: the fewest sales to a listed entity (-1: none)."""
        ...

    @property
    def lower_bound(self) -> np.ndarray:
        """Per node: revenue at risk is a lower bound."""
        ...

    @property
    def weights(self) -> sparse.csr_matrix:
        """Per sale: its share of revenue, NaN when unknown."""
        ...

    @property
    def weights_if_confirmed(self) -> sparse.csr_matrix:
        """The same were every possible match confirmed (the sales the rules would reach)."""
        ...

    @property
    def reach_if_confirmed(self) -> SaleReach:
        """Each sale to a listed buyer or a possible one: whether the rules (would) reach it."""
        ...

    @property
    def within_tier_limit(self) -> dict[str, np.ndarray]:
        """Per node: figures within the tier limit."""
        ...

    @property
    def assumptions(self) -> list[str]:
        """The what-if assumptions the answer rests on."""
        ...

    @property
    def possible(self) -> np.ndarray:
        """Per node: may be a listed entity, pending review."""
        ...

    @property
    def needs_review(self) -> np.ndarray:
        """Per node: reaches a possible match of a listed entity."""
        ...

    @property
    def tier_if_confirmed(self) -> np.ndarray:
        """Per node: the tier were every possible match confirmed."""
        ...

    @property
    def revenue_at_risk_if_confirmed(self) -> np.ndarray:
        """Per node: the known revenue at risk were every possible match confirmed."""
        ...

    def figures_if_confirmed(self, codes: np.ndarray) -> np.ndarray:
        """Return the revenue at risk if confirmed as reported (``NaN``: none to report)."""
        ...

    @property
    def lower_bound_if_confirmed(self) -> np.ndarray:
        """Per node: the revenue at risk if confirmed is a lower bound (a share unknown)."""
        ...

    @property
    def revenue_at_risk_if_reached(self) -> np.ndarray:
        """Per node: the known revenue at risk were every sale of unknown reach reached."""
        ...

    @property
    def revenue_at_risk_if_confirmed_and_reached(self) -> np.ndarray:
        """Per node: the known revenue at risk if confirmed, every sale of unknown reach reached."""
        ...

    @property
    def lower_bound_if_confirmed_and_reached(self) -> np.ndarray:
        """Per node: that figure is a lower bound (a share unknown)."""
        ...

    @property
    def lower_bound_if_reached(self) -> np.ndarray:
        """Per node: the revenue at risk if reached is a lower bound (a share unknown)."""
        ...

    def possible_listing_of(self, code: int) -> tuple[int, dict[str, Any]]:
        """Return the listed node a possible match may be, and its listing."""
        ...

    def other_restrictions_of(self, code: int) -> list[dict[str, Any]]:
        """Return a node's listings on lists whose restrictions do not reach sales."""
        ...

    @property
    def restricted_otherwise(self) -> np.ndarray:
        """Boolean mask over nodes: with listings that restrict no sale."""
        ...

    def listing_of(self, code: int) -> dict[str, Any]:
        """Why a node counts as listed (see :meth:`exposure.listed.Listed.listing_of`)."""
        ...

    def revenue_figures(self, codes: np.ndarray, *, within_limit: bool = False) -> np.ndarray:
        """Revenue at risk of the given nodes, ``NaN`` where unknown."""
        ...

    def share_basis(self, code: int) -> str:
        """Return what a supplier's revenue at risk rests on."""
        ...


def rounded(figure: float | None) -> float | None:
    """Return a figure (revenue at risk, a path's weight) as records give it.

    To 12 places, so that the sums of shares do not show their floating-point noise; ``None``
    when unknown.

    Examples
    --------
    >>> rounded(0.42499999999996724), rounded(None)
    (0.425, None)
    """
    return None if figure is None else round(figure, 12)


def _objects(items: list[Any]) -> np.ndarray:
    """Return the items as an array of objects, one each (dictionaries and lists included)."""
    array = np.empty(len(items), dtype=object)
    array[:] = items
    return array


def _own_hop(hop: Hop) -> Hop:
    """Return a copy of the hop whose lists are its own: a record's hops are its own to change."""
    copied: Hop = {**hop}
    copied["products"], copied["sources"] = [*hop["products"]], [*hop["sources"]]
    copied["eccns"] = [*hop["eccns"]]
    return copied


#: What a path record holds in ``hops``, made from its sales' hops (:meth:`RecordMaker.ranked_records`).
HopsAs = Callable[[list[Hop]], Any]


def own_hops(hops: list[Hop]) -> list[Hop]:
    """Return a copy of each hop, the path record's own to change (:data:`HopsAs`)."""
    return [_own_hop(hop) for hop in hops]


def _explained(paths: list[tuple[list[int], float | None]], tier: int) -> set[int]:
    """Return the listed buyers the paths reach at the supplier's tier (``tier`` sales)."""
    return {path[-1] for path, _ in paths if len(path) - 1 == tier}


class RecordMaker:
    """Makes the records of one analysis' suppliers, remembering what suppliers share.

    A report of every supplier meets the same listed buyers and the same last sales again and
    again: each listed buyer's listing and each last sale's name match is looked up once. A
    supplier's paths are kept for the next call only when asked (``keep``), so that a report
    of every supplier does not hold every supplier's paths in memory.

    Parameters
    ----------
    analysed
        The figures of the analysis (an :class:`exposure.Result`).
    """

    def __init__(self, analysed: Analysed) -> None:
        self.analysed = analysed
        self._paths: dict[int, list[tuple[list[int], float | None]]] = {}
        self._listings: dict[int, dict[str, Any]] = {}
        #: The nearest paths of a chunk's suppliers, searched side by side (:meth:`_with_nearest`).
        self._nearest_searched: dict[int, list[tuple[list[int], float | None]]] = {}
        #: The hops made of sales for a report's chunks of records (:meth:`_made_hops_of`).
        self._made_hops: dict[int, tuple[Hop, np.ndarray]] = {}
        #: The what-ifs, stated once: every record and line carries them.
        self._assumptions = tuple(analysed.assumptions)
        self._matches: dict[int, NameMatch] = {}
        self._finder: analysis.PathFinder | None = None
        self._possible_finder: analysis.PathFinder | None = None
        #: Each possible match's listed entity and listing (:meth:`_path_records`).
        self._possible_listings: dict[int, tuple[int, dict[str, Any]]] = {}
        self._reached: tuple[np.ndarray, np.ndarray] | None = None
        #: Per node, the listed entities at its tier (when many suppliers are asked for).
        self._nearest_counts: np.ndarray | None = None
        #: Each assessed row's reason, in words.
        self._bases: dict[int, str] = {}
        self._not_reached: dict[int, list[int]] | None = None
        #: What :meth:`_path_columns` takes from the last sales of paths (to listed entities,
        #: or to possible matches: ``2 * edge + possible``), kept from chunk to chunk.
        self._last_facts: dict[int, tuple[Any, ...]] = {}
        #: Per node, how many of its buyers have listings that restrict no sale.
        self._restricted_customers: np.ndarray | None = None

    # -- paths -------------------------------------------------------------------------------

    def _material_finder(self) -> analysis.PathFinder:
        """Return the search of material paths over this analysis' graph, made on first use."""
        if self._finder is None:
            result = self.analysed
            self._finder = analysis.PathFinder(result.weights, result.listed, result.tier)
        return self._finder

    def paths_of(
        self, code: int, *, keep: bool = True, every_nearest: bool = True
    ) -> list[tuple[list[int], float | None]]:
        """Return the supplier's paths to show (node codes) and their weights, heaviest first.

        The material paths (:func:`~exposure.analysis.material_paths`), and for each listed
        buyer at the supplier's tier with none among them, one shortest path
        (:func:`~exposure.analysis.nearest_paths`): whatever the tier limit and minimum weight,
        an exposed supplier's tier is explained by a path to each of its nearest listed buyers.
        With ``every_nearest=False`` (a ranking, which names buyers and counts the others),
        only when there is no material path at all.
        """
        result = self.analysed
        tier = int(result.tier[code])
        if tier <= 0:
            return []
        if code in self._paths:
            return self._paths[code]
        finder = self._material_finder()
        paths = finder.paths(
            code,
            max_tier=result.max_tier,
            min_weight=result.min_weight,
            cap=result.unquantified_cap,
        )
        paths = self._with_nearest(code, paths, every_nearest=every_nearest)
        if keep:
            self._paths[code] = paths
        return paths

    def _needs_nearest(
        self, code: int, paths: list[tuple[list[int], float | None]], *, every_nearest: bool
    ) -> bool:
        """Tell whether :meth:`paths_of` adds nearest paths to the supplier's material paths."""
        if paths and not every_nearest:
            return False  # a ranking names the buyers of its paths and counts the others
        explained = len(_explained(paths, int(self.analysed.tier[code])))
        return bool(self._nearest_needed(np.array([code]), np.array([explained]))[0])

    def _nearest_needed(self, codes: np.ndarray, explained: np.ndarray) -> np.ndarray:
        """Tell, per supplier, whether listed buyers at its tier are left to explain.

        ``explained``: how many listed buyers at its tier its paths reach (:func:`_explained`).
        """
        tier = self.analysed.tier[codes]
        # Tier 1: every sale to a listed entity is a material path already.
        needed = tier > 1
        if self._nearest_counts is not None:
            # Counted for every supplier at once: nothing left when the paths reach all.
            needed &= explained < self._nearest_counts[codes]
        return needed

    def _with_nearest(
        self, code: int, paths: list[tuple[list[int], float | None]], *, every_nearest: bool
    ) -> list[tuple[list[int], float | None]]:
        """Return the material paths with the nearest paths :meth:`paths_of` adds to them.

        The nearest paths of a chunk's suppliers are searched side by side beforehand
        (:meth:`_search_nearest`); others one supplier at a time.
        """
        if not self._needs_nearest(code, paths, every_nearest=every_nearest):
            return paths
        nearest = self._nearest_searched.get(code)
        if nearest is None:
            nearest = self._material_finder().nearest(code)
        explained = _explained(paths, int(self.analysed.tier[code]))
        added = [(path, weight) for path, weight in nearest if path[-1] not in explained]
        if added:
            paths = sorted(paths + added, key=analysis.heaviest_first)
        return paths

    def _search_nearest(
        self, found: dict[int, list[tuple[list[int], float | None]]], *, every_nearest: bool
    ) -> None:
        """Search the nearest paths of the suppliers whose material paths (``found``) need them."""
        need = np.array(
            [
                c
                for c, paths in found.items()
                if self._needs_nearest(c, paths, every_nearest=every_nearest)
            ],
            dtype=np.int64,
        )
        self._nearest_searched = dict(
            zip(need.tolist(), self._material_finder().nearest_from(need), strict=True)
        )

    @property
    def kept_paths(self) -> int:
        """How many suppliers' paths are kept."""
        return len(self._paths)

    def possible_paths_of(self, code: int) -> list[tuple[list[int], float | None]]:
        """Return the supplier's material paths to possible matches of listed entities.

        The paths a confirmation would add: searched as if every possible match were listed,
        kept when they end at one.
        """
        result = self.analysed
        if not result.needs_review[code]:
            return []
        paths = self._possible_paths_finder().paths(
            code,
            max_tier=result.max_tier,
            min_weight=result.min_weight,
            cap=result.unquantified_cap,
        )
        return self._ending_possible(paths)

    def _ending_possible(
        self, paths: list[tuple[list[int], float | None]]
    ) -> list[tuple[list[int], float | None]]:
        """Return the paths that end at a possible match (not at a listed entity)."""
        possible = self.analysed.possible
        return [(path, weight) for path, weight in paths if possible[path[-1]]]

    def _possible_paths_finder(self) -> analysis.PathFinder:
        result = self.analysed
        if self._possible_finder is None:
            self._possible_finder = analysis.PathFinder(
                result.weights_if_confirmed,
                result.listed | result.possible,
                result.tier_if_confirmed,
            )
        return self._possible_finder

    def path_records(self, code: int, *, keep: bool = True) -> list[PathRecord]:
        """Return the supplier's material paths as records, heaviest first."""
        return self._path_records(self.paths_of(code, keep=keep), possible=False)

    def possible_path_records(self, code: int) -> list[PathRecord]:
        """Return the supplier's paths to possible matches as records (needs review)."""
        return self._path_records(self.possible_paths_of(code), possible=True)

    def _path_records(
        self, found: list[tuple[list[int], float | None]], *, possible: bool
    ) -> list[PathRecord]:
        if not found:
            return []
        graph = self.analysed.sales
        names = graph.names
        # The sales of every path at once: one lookup of their rows, one take per column.
        hops = self._hops(
            np.fromiter((a for path, _ in found for a in path[:-1]), dtype=np.int64),
            np.fromiter((b for path, _ in found for b in path[1:]), dtype=np.int64),
        )
        if possible:  # the last sales as the rules would read them were the pairs confirmed
            sellers = np.fromiter((path[-2] for path, _ in found), dtype=np.int64)
            buyers = np.fromiter((path[-1] for path, _ in found), dtype=np.int64)
            last_sales = self._hops_of_edges(
                graph.edges_between(sellers, buyers), sellers, buyers, if_confirmed=True
            )
        records: list[PathRecord] = []
        first = 0
        for number, (path, weight) in enumerate(found):
            listed_node, listing = self._listing_of_target(path[-1], possible=possible)
            mine = hops[first : first + len(path) - 1]
            first += len(path) - 1
            sources = [s for hop, _ in mine for s in hop["sources"]] + listing["sources"]
            last_sale = last_sales[number] if possible else mine[-1]
            last = last_sale[0]
            records.append(
                {
                    "listed": names[listed_node],
                    "tier": len(path) - 1,
                    "weight": rounded(weight),
                    "path": [str(names[p]) for p in path],
                    "products": self._reached_products(*mine[0]),
                    "list": listing["list"],
                    "federal_register_notice": listing["federal_register_notice"],
                    "start_date": listing["start_date"],
                    "license_policy": listing["license_policy"],
                    "ownership": listing["ownership"],
                    "match": self._match_of_last_sale(mine[-1][1]),
                    "sources": list(dict.fromkeys(sources)),
                    "hops": [hop for hop, _ in mine],
                    "subject_to_ear": last["subject_to_ear"],
                    "subject_basis": last["subject_basis"],
                    "license_review": self._license_review(listing["license_policy"], last_sale),
                }
            )
        return records

    def _path_records_of_columns(
        self, columns: dict[str, Any], hops_as: HopsAs | None = None
    ) -> Iterator[PathRecord]:
        """Yield the path records of a table of paths made with ``whole`` (:meth:`_path_columns`).

        The records :meth:`_path_records` makes path by path, each with hops of its own, or
        what ``hops_as`` makes of the hops shared between them (:meth:`ranked_records`); one
        at a time, as they are asked for.
        """
        hops_as = hops_as or own_hops

        def lists(column: ListColumn) -> Iterator[list[Any]]:
            bounds, values = column.offsets.tolist(), column.values.tolist()
            return (values[a:b] for a, b in itertools.pairwise(bounds))

        hops = lists(columns["hops"])
        for (
            listed, tier, weight, path, products, listing, notice, start, policy, ownership,
            match, sources, subject, basis, review,
        ) in zip(
            columns["listed"].tolist(), columns["tier"].tolist(), columns["weight"],
            lists(columns["path"]), lists(columns["products"]), columns["list"].tolist(),
            columns["federal_register_notice"].tolist(), columns["start_date"].tolist(),
            columns["license_policy"].tolist(), columns["ownership"].tolist(),
            columns["name_match"].tolist(), lists(columns["sources"]),
            columns["subject_to_ear"].tolist(), columns["subject_basis"].tolist(),
            columns["license_review"].tolist(),
            strict=True,
        ):  # fmt: skip
            yield {
                "listed": listed,
                "tier": tier,
                "weight": weight,
                "path": path,
                "products": products,
                "list": listing,
                "federal_register_notice": notice,
                "start_date": start,
                "license_policy": policy,
                "ownership": ownership,
                "match": None if match is None else cast(NameMatch, {**match}),
                "sources": sources,
                "hops": hops_as(next(hops)),
                "subject_to_ear": subject,
                "subject_basis": basis,
                "license_review": review,
            }

    def _path_columns(
        self,
        codes: np.ndarray,
        nodes: ListColumn,
        weights: list[float | None],
        possible: np.ndarray,
        *,
        whole: bool = False,
    ) -> dict[str, Any]:
        """Return the table of paths (:data:`PATH_ROW_FIELDS`) of suppliers, as columns.

        Per path: its supplier's node code, its companies, its weight as records give it
        (:func:`rounded`) and whether it ends at a possible match (:meth:`_chunk_paths`). The
        rows are those of :func:`path_rows_of_records` over the suppliers' records, made from
        the arrays: each sale's rows are looked up once, each listing and each last sale's
        facts once. With ``whole``, also what :meth:`_path_records_of_columns` needs
        besides: each path's listing's ``ownership``, its last sale's ``match`` in full
        (``name_match``) and its ``hops`` (each sale's hop, made once, as :meth:`_hops`).
        """
        graph = self.analysed.sales
        names = graph.names
        n = len(codes)
        flat = np.asarray(nodes.values, dtype=np.int64)
        lengths = np.diff(nodes.offsets)
        # The sales on the paths, path after path: one per node but each path's last.
        not_last = np.ones(len(flat), dtype=bool)
        not_last[nodes.offsets[1:] - 1] = False
        at = np.flatnonzero(not_last)
        hop_path = np.repeat(np.arange(n, dtype=np.int64), lengths - 1)
        sale_edges, first_at, of_hop = np.unique(
            graph.edges_between(flat[at], flat[at + 1]), return_index=True, return_inverse=True
        )
        rows, bounds = graph.rows_of_edges(sale_edges)
        columns = graph.sale_columns
        first_hop = nodes.offsets[:-1] - np.arange(n, dtype=np.int64)
        # A path's products: its first sale's, but those the rules do not reach (no exposure).
        reached = self._reached_rows(rows)
        kept = np.zeros(len(bounds), dtype=np.int64)
        np.cumsum(np.add.reduceat(reached, bounds[:-1]) if len(rows) else [], out=kept[1:])
        products = (
            ListColumn(kept, columns["product"](rows[reached])).take(of_hop[first_hop]).each_once()
        )
        # Each path's listed entity and listing: looked up once per target (possible or not).
        targets = flat[nodes.offsets[1:] - 1]
        target_keys, of_target = np.unique(targets * 2 + possible, return_inverse=True)
        listings = [
            self._listing_of_target(key // 2, possible=bool(key % 2))
            for key in target_keys.tolist()
        ]
        listed_names = np.array([names[node] for node, _ in listings], dtype=object)
        listing_fields = {
            field: np.array([listing[field] for _, listing in listings], dtype=object)[of_target]
            for field in ("list", "federal_register_notice", "start_date", "license_policy")
        }
        # Sources: each sale's, path order, then the listing's; each once.
        sale_sources = ListColumn(bounds, columns["source"](rows)).take(of_hop)
        listing_sources = ListColumn.of([listing["sources"] for _, listing in listings]).take(
            of_target
        )
        owner = np.concatenate(
            [
                np.repeat(hop_path, np.diff(sale_sources.offsets)),
                np.repeat(np.arange(n, dtype=np.int64), np.diff(listing_sources.offsets)),
            ]
        )
        order = np.argsort(owner, kind="stable")  # a path's sales' sources before its listing's
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(owner, minlength=n), out=offsets[1:])
        values = np.concatenate([sale_sources.values, listing_sources.values])[order]
        sources = ListColumn(offsets, values).each_once()
        # The last sale of each path: whether the rules reach it, its licence review, its match.
        last_hop = nodes.offsets[1:] - np.arange(1, n + 1, dtype=np.int64) - 1
        last_keys, first_of, of_last = np.unique(
            sale_edges[of_hop[last_hop]] * 2 + possible, return_index=True, return_inverse=True
        )
        # Known from earlier chunks mostly: the sales into listed buyers end most paths.
        known = self._last_facts
        keys = last_keys.tolist()
        new = np.flatnonzero([key not in known for key in keys])
        if len(new):
            policy_of = [
                listings[i][1]["license_policy"] for i in of_target[first_of[new]].tolist()
            ]
            made = self._last_sale_facts(
                last_keys[new] // 2,
                flat[nodes.offsets[1:] - 2][first_of[new]],
                targets[first_of[new]],
                policy_of,
                last_keys[new] % 2 == 1,
            )
            known.update(zip(last_keys[new].tolist(), made, strict=True))
        last_facts = [known[key] for key in keys]
        for key in list(itertools.islice(known, max(len(known) - HOPS_KEPT, 0))):
            del known[key]
        facts: dict[str, Any] = {
            field: np.array([f[i] for f in last_facts], dtype=object)[of_last]
            for i, field in enumerate(
                ("subject_to_ear", "subject_basis", "license_review", "match", "match_score")
            )
        }
        if whole:
            made_hops = self._made_hops_of(sale_edges, flat[at][first_at], flat[at + 1][first_at])
            facts["name_match"] = _objects([f[5] for f in last_facts])[of_last]
            facts["ownership"] = _objects([listing["ownership"] for _, listing in listings])[
                of_target
            ]
            facts["hops"] = ListColumn(
                nodes.offsets - np.arange(n + 1), _objects(made_hops)[of_hop]
            )
        return {
            "supplier": names[codes],
            "listed": listed_names[of_target],
            "tier": lengths - 1,
            "weight": weights,
            "path": ListColumn(nodes.offsets, names[flat]),
            "products": products,
            **listing_fields,
            "subject_to_ear": facts["subject_to_ear"],
            "subject_basis": facts["subject_basis"],
            "license_review": facts["license_review"],
            "match": facts["match"],
            "match_score": facts["match_score"],
            "possible": possible,
            "sources": sources,
            **{field: facts[field] for field in ("name_match", "ownership", "hops") if whole},
        }

    def _listing_of_target(self, target: int, *, possible: bool) -> tuple[int, dict[str, Any]]:
        """Return the listed entity a path ends at (or may end at) and its listing, once each."""
        if possible:  # named by the listed entity it may be, with that entity's listing
            if target not in self._possible_listings:
                self._possible_listings[target] = self.analysed.possible_listing_of(target)
            return self._possible_listings[target]
        if target not in self._listings:
            self._listings[target] = self.analysed.listing_of(target)
        return target, self._listings[target]

    def _last_sale_facts(
        self,
        edges: np.ndarray,
        src: np.ndarray,
        dst: np.ndarray,
        policies: list[str | None],
        possible: np.ndarray,
    ) -> list[tuple[Any, ...]]:
        """Return, per last sale of a path, what :meth:`_path_records` takes from it.

        Whether the rules reach it and why (for a path to a possible match, were the pair
        confirmed), its licence review under the listing's policy, and its name match's
        outcome, score and whole (:class:`NameMatch`).
        """
        made: dict[int, tuple[Hop, np.ndarray]] = {}
        for if_confirmed in (False, True):
            at = np.flatnonzero(possible == if_confirmed)
            made.update(
                zip(
                    at.tolist(),
                    self._hops_of_edges(edges[at], src[at], dst[at], if_confirmed=if_confirmed),
                    strict=True,
                )
            )
        facts = []
        for (hop, rows), policy in zip((made[i] for i in range(len(edges))), policies, strict=True):
            match = self._match_of_last_sale(rows)
            facts.append(
                (
                    hop["subject_to_ear"],
                    hop["subject_basis"],
                    self._license_review(policy, (hop, rows)),
                    None if match is None else match["outcome"],
                    None if match is None else match["score"],
                    match,
                )
            )
        return facts

    def _license_review(self, policy: str | None, last: tuple[Hop, np.ndarray]) -> str | None:
        """Return the licence review of the last sale's items (by ECCN) under the policy."""
        hop, rows = last
        if not policy:
            return None
        eccn_of = self.analysed.sales.sale_columns.get("eccn")
        if eccn_of is None or len(hop["products"]) <= 1 or len(set(hop["eccns"])) <= 1:
            return license_review(policy, hop["eccns"][0] if hop["eccns"] else None)
        # Products of different ECCNs: a review each.
        products = self.analysed.sales.sale_columns["product"](rows).tolist()
        eccns = eccn_of(rows).tolist()
        reviews = {
            product: license_review(policy, eccn or None)
            for product, eccn in zip(products, eccns, strict=True)
        }
        return "; ".join(f"{p}: {r}" for p, r in reviews.items() if r) or None

    def _hops(self, src: np.ndarray, dst: np.ndarray) -> list[tuple[Hop, np.ndarray]]:
        """Return each sale ``src[i] -> dst[i]`` as a hop of a path record, with its rows.

        A sale on several of the paths is made into a hop once; each path gets its own copy.
        """
        edges = self.analysed.sales.edges_between(src, dst).tolist()
        first = {e: i for i, e in reversed(list(enumerate(edges)))}
        at = np.fromiter(first.values(), dtype=np.int64, count=len(first))
        new = np.fromiter(first, dtype=np.int64, count=len(first))
        made = dict(zip(first, self._hops_of_edges(new, src[at], dst[at]), strict=True))
        return [(_own_hop(made[edge][0]), made[edge][1]) for edge in edges]

    def _made_hops_of(self, edges: np.ndarray, src: np.ndarray, dst: np.ndarray) -> list[Hop]:
        """Return the hops of these sales (distinct edges ``src -> dst``), each made once.

        Hops made for earlier chunks of a report are kept, up to :data:`HOPS_KEPT`, the least
        recently used going first: the sales into listed buyers are on the paths of most chunks.
        """
        made = self._made_hops
        wanted = edges.tolist()
        new = np.fromiter((e not in made for e in wanted), dtype=bool, count=len(wanted))
        for edge in edges[~new].tolist():  # used again: the most recently used now
            made[edge] = made.pop(edge)
        made.update(
            zip(
                edges[new].tolist(),
                self._hops_of_edges(edges[new], src[new], dst[new]),
                strict=True,
            )
        )
        hops = [made[edge][0] for edge in wanted]
        for edge in list(itertools.islice(made, max(len(made) - HOPS_KEPT, 0))):
            del made[edge]
        return hops

    def _hops_of_edges(
        self, edges: np.ndarray, src: np.ndarray, dst: np.ndarray, *, if_confirmed: bool = False
    ) -> list[tuple[Hop, np.ndarray]]:
        """Return each sale (an index in the graph's edges, ``src -> dst``) as a hop, with its rows.

        ``if_confirmed``: whether the rules reach a sale to a possible match or affiliate is
        said as they would read it were the pair confirmed (the last sale of a path pending
        review); otherwise of sales to listed buyers only.
        """
        graph = self.analysed.sales
        names = graph.names
        rows, bounds = graph.rows_of_edges(edges)
        # What the figures count of each sale: the shares of the products the rules reach.
        reached_share = graph.edges["share"].to_numpy(np.float64)[edges].tolist()
        reached_unknown = graph.edges["unknown_share"].to_numpy(bool)[edges].tolist()
        columns = graph.sale_columns
        products = columns["product"](rows).tolist()
        sources = columns["source"](rows).tolist()
        shares = columns["revenue_share"](rows)
        period_of = columns.get("period")
        periods = period_of(rows).tolist() if period_of is not None else [""] * len(rows)
        eccn_of = columns.get("eccn")
        eccns = eccn_of(rows).tolist() if eccn_of is not None else [""] * len(rows)
        reach = self.analysed.reach_if_confirmed if if_confirmed else self.analysed.reach
        statuses = reach.status_of_rows[rows].tolist()
        row_list = rows.tolist()
        # Python lists read item by item faster than NumPy arrays.
        share_list, starts = shares.tolist(), bounds.tolist()
        hops: list[tuple[Hop, np.ndarray]] = []
        for i, (a, b) in enumerate(zip(names[src].tolist(), names[dst].tolist(), strict=True)):
            start, end = starts[i], starts[i + 1]
            subject, basis = self._subject(
                statuses[start:end], row_list[start:end], products[start:end], reach
            )
            share: float | None
            if end - start == 1:  # most sales have one product: no array for one number
                value = share_list[start]
                unknown = math.isnan(value)
                # numpy's sum of one number adds it to 0.0 (-0.0 becomes 0.0): kept so.
                share = None if unknown else 0.0 + value
            else:
                mixed = shares[start:end]
                known = mixed[~np.isnan(mixed)]
                unknown = len(known) < len(mixed)
                share = None if unknown and not len(known) else float(known.sum())
            hops.append(
                (
                    {
                        "supplier": a,
                        "customer": b,
                        "products": list(dict.fromkeys(products[start:end])),
                        "revenue_share": share,
                        "revenue_share_is_lower_bound": bool(unknown),
                        "revenue_share_reached": _reached(
                            share, reached_share[i], reached_unknown[i], subject
                        ),
                        "share_period": "; ".join(dict.fromkeys(p for p in periods[start:end] if p))
                        or None,
                        "sources": list(dict.fromkeys(sources[start:end])),
                        "subject_to_ear": subject,
                        "subject_basis": basis,
                        "eccns": list(dict.fromkeys(e for e in eccns[start:end] if e)),
                    },
                    rows[start:end],
                )
            )
        return hops

    def _subject(
        self, statuses: list[int], rows: list[int], products: list[str], reach: SaleReach
    ) -> tuple[str | None, str | None]:
        """Return whether the rules reach a sale (the surest of its rows) and why.

        A sale of several products whose reasons differ gives each product's reason.
        """
        surest = max(statuses)
        if surest < 0:  # a sale to a buyer that does not count as listed
            return None, None
        reasons: dict[str, list[str]] = {}
        for row, status, product in zip(rows, statuses, products, strict=True):
            if status >= 0:
                if row not in self._bases:
                    found = reach.of_row(row)
                    self._bases[row] = found[1] if found else ""
                reasons.setdefault(self._bases[row], []).append(product)
        if len(reasons) == 1:
            basis = next(iter(reasons))
        else:
            basis = "; ".join(f"{', '.join(p)}: {why}" for why, p in reasons.items())
        return STATUSES[surest], basis

    def sales_not_reached(self, code: int) -> list[SaleNotReached]:
        """Return the supplier's sales to listed buyers that the rules do not reach.

        They are no exposure (:mod:`exposure.reach`): each with its buyer, products, the
        reason and sources.
        """
        if self._not_reached is None:
            reach = self.analysed.reach
            rows = reach.rows[reach.status == NO]
            src = self.analysed.graph.rows["src"].to_numpy()[rows]
            self._not_reached = {}
            for row, seller in zip(rows.tolist(), src.tolist(), strict=True):
                self._not_reached.setdefault(int(seller), []).append(row)
        mine = self._not_reached.get(code)
        if not mine:
            return []
        graph = self.analysed.graph
        columns = graph.sale_columns
        rows = np.array(mine, dtype=np.int64)
        dst = graph.rows["dst"].to_numpy()[rows]
        found: dict[tuple[int, str], SaleNotReached] = {}
        for row, buyer, product, source in zip(
            mine, dst.tolist(), columns["product"](rows), columns["source"](rows), strict=True
        ):
            basis = self.analysed.reach.of_row(row)
            sale = found.setdefault(
                (buyer, basis[1] if basis else ""),
                {
                    "buyer": str(graph.names[buyer]),
                    "products": [],
                    "basis": basis[1] if basis else "",
                    "sources": [],
                },
            )
            sale["products"].append(str(product))
            sale["sources"] = list(dict.fromkeys([*sale["sources"], str(source)]))
        return list(found.values())

    def _match_of_last_sale(self, rows: np.ndarray) -> NameMatch | None:
        """Return how the listed buyer's name in the data was matched to the list.

        ``rows``: the rows of the path's last sale. The least sure spelling among them counts
        (an exact spelling and a fuzzy one of the same sale make it ``fuzzy``). Looked up once
        per sale (its first row names it); each caller gets a copy of its own.
        """
        columns = self.analysed.graph.sale_columns
        if "customer_match" not in columns or not len(rows):
            return None
        key = int(rows[0])
        if key not in self._matches:
            self._matches[key] = self._least_sure_match(rows)
        return NameMatch(**self._matches[key])

    def _least_sure_match(self, rows: np.ndarray) -> NameMatch:
        columns = self.analysed.graph.sale_columns
        matches = columns["customer_match"](rows).tolist()
        order = {"exact": 0, "confirmed": 1, "fuzzy": 2, "possible": 3, "none": 4}
        sureness = [order.get(str(m), 5) for m in matches]
        least_sure = sureness.index(max(sureness))  # the first of the least sure
        row = rows[least_sure : least_sure + 1]
        score = columns["customer_match_score"](row)[0]
        matched_as = columns["customer_matched_as"](row)[0]
        explanation = columns["customer_match_explanation"](row)[0]
        return {
            "outcome": str(matches[least_sure]),
            "score": None if pd.isna(score) else round(float(score), 1),
            "spelling": str(columns["customer"](row)[0]),
            "matched_as": None if pd.isna(matched_as) else str(matched_as),
            "explanation": None if pd.isna(explanation) else str(explanation),
        }

    # -- records -----------------------------------------------------------------------------

    def ranked_records(
        self, codes: np.ndarray, *, hops_as: HopsAs | None = None
    ) -> Iterator[SupplierRecord]:
        """Yield the records of a ranking's suppliers one by one, nothing kept.

        For more than :data:`COUNTED_AT_ONCE_FROM` suppliers, how many listed entities each
        reaches is first counted for the whole graph at once (:meth:`reached_listed_counts`)
        rather than by a search from each. ``hops_as``: what a path record holds in
        ``hops``, made from its sales' hops, which the records of a chunk share (a writer
        that only reads them may keep them as they are: ``list``); by default
        (:func:`own_hops`) a copy of each, the record's own to change.
        """
        if len(codes) > COUNTED_AT_ONCE_FROM:
            self.reached_listed_counts()
            self.count_nearest()
        return self._records_side_by_side(codes, hops_as)

    def _records_side_by_side(
        self, codes: np.ndarray, hops_as: HopsAs | None
    ) -> Iterator[SupplierRecord]:
        """Yield the records of the suppliers, made a chunk of suppliers at a time from the arrays.

        A chunk's paths are searched side by side and its path records made from the table of
        its paths (:meth:`_path_columns`): each sale on them is made into a hop once, each
        listing and each last sale's facts looked up once. The records are made and let go
        :data:`PATHS_AT_ONCE` paths at a time: a chunk of suppliers with thousands of paths
        each is never all in memory as Python objects.
        """
        chunks = self._report_chunks(codes, whole=True)
        try:
            with objects_left_out() as leave_out:
                while True:
                    # Records hold no reference cycles: the collector's passes over every
                    # object made so far would take half the time.
                    with collector_paused():
                        chunk = next(chunks, None)
                        if chunk is None:
                            return
                        records, columns, spans = chunk
                        paths = self._path_records_of_columns(columns, hops_as)
                        leave_out()
                    # Taken off the list as they are written: each record goes once its reader
                    # lets it go.
                    records.reverse()
                    first = 0
                    while first < len(spans):
                        # As many suppliers as fit in PATHS_AT_ONCE paths; one at least.
                        last = bisect.bisect_right(
                            spans,
                            spans[first][0] + PATHS_AT_ONCE,
                            lo=first,
                            key=lambda span: span[2],
                        )
                        group = [records.pop() for _ in range(max(last - first, 1))]
                        with collector_paused():
                            for record, (start, possible_start, end) in zip(
                                group, spans[first : first + len(group)], strict=True
                            ):
                                record["paths"] = list(
                                    itertools.islice(paths, possible_start - start)
                                )
                                record["possible_paths"] = list(
                                    itertools.islice(paths, end - possible_start)
                                )
                            leave_out()
                        first += len(group)
                        yield from group
        finally:
            self._made_hops.clear()

    def report_batches(
        self, codes: np.ndarray
    ) -> Iterator[tuple[list[SupplierRecord], dict[str, Any]]]:
        """Yield the report of these suppliers as tables, a chunk of suppliers at a time.

        Each batch: the suppliers' records without their paths (``paths`` and
        ``possible_paths`` empty), and the table of their paths (:data:`PATH_ROW_FIELDS`, as
        :func:`path_rows_of_records` gives it from whole records) made from the arrays: a
        report of every supplier of a large graph makes no record of each path.
        """
        if len(codes) > COUNTED_AT_ONCE_FROM:
            self.reached_listed_counts()
            self.count_nearest()
        for records, columns, _ in self._report_chunks(codes, whole=False):
            yield records, columns

    def _report_chunks(
        self, codes: np.ndarray, *, whole: bool
    ) -> Iterator[tuple[list[SupplierRecord], dict[str, Any], list[tuple[int, int, int]]]]:
        """Yield, a chunk of suppliers at a time, their records without paths and their paths.

        The paths as a table (:meth:`_path_columns`, with what path records hold besides when
        ``whole``), and per supplier where its rows start, where its paths to possible matches
        start, and where they end.
        """
        names = self.analysed.sales.names
        for at in range(0, len(codes), RECORDED_AT_ONCE):
            chunk = codes[at : at + RECORDED_AT_ONCE]
            owner, nodes, weight, possible = self._chunk_paths(chunk)
            weights = [None if math.isnan(w) else round(w, 12) for w in weight.tolist()]
            listed = names[nodes.values[nodes.offsets[1:] - 1]].tolist()
            tiers = (np.diff(nodes.offsets) - 1).tolist()
            # Rows by supplier, its paths before its paths to possible matches.
            position = 2 * np.arange(len(chunk))
            key = 2 * owner + possible
            starts = np.searchsorted(key, position).tolist()
            possible_starts = np.searchsorted(key, position + 1).tolist()
            ends = np.searchsorted(key, position + 2).tolist()
            products = self._affected_products_of(chunk)
            bounds, values = products.offsets.tolist(), products.values.tolist()
            records = [
                self._record(
                    code,
                    list(zip(listed[a:b], weights[a:b], tiers[a:b], strict=True)),
                    values[bounds[i] : bounds[i + 1]],
                )
                for i, (code, a, b) in enumerate(
                    zip(chunk.tolist(), starts, possible_starts, strict=True)
                )
            ]
            columns = self._path_columns(chunk[owner], nodes, weights, possible, whole=whole)
            yield records, columns, list(zip(starts, possible_starts, ends, strict=True))

    def _chunk_paths(
        self, chunk: np.ndarray
    ) -> tuple[np.ndarray, ListColumn, np.ndarray, np.ndarray]:
        """Return the paths of a chunk's suppliers as :meth:`paths_of` and :meth:`possible_paths_of` give them.

        As arrays, searched side by side (:meth:`~exposure.analysis.PathFinder.found_paths_from`):
        each path's supplier (its position in ``chunk``), its companies, its weight (``NaN``
        when unknown) and whether it ends at a possible match; a supplier's paths, then its
        paths to possible matches, supplier after supplier. Only the suppliers whose tier
        their paths leave unexplained have theirs made into lists, to add nearest paths
        (:meth:`_with_nearest`).
        """
        result = self.analysed

        def search(finder: analysis.PathFinder, starts: np.ndarray) -> analysis.FoundPaths:
            return finder.found_paths_from(
                starts,
                max_tier=result.max_tier,
                min_weight=result.min_weight,
                cap=result.unquantified_cap,
            )

        finder = self._material_finder()
        exposed_at = np.flatnonzero(result.tier[chunk] > 0)
        material = search(finder, chunk[exposed_at])
        owner = np.repeat(exposed_at, np.diff(material.bounds))
        # Nearest paths where the paths found leave listed buyers at the supplier's tier out.
        targets = material.nodes[material.offsets[1:] - 1]
        at_tier = np.diff(material.offsets) - 1 == result.tier[chunk][owner]
        pairs = np.unique(owner[at_tier] * np.int64(result.sales.n_nodes) + targets[at_tier])
        explained = np.bincount(pairs // result.sales.n_nodes, minlength=len(chunk))
        need_at = np.flatnonzero(self._nearest_needed(chunk, explained))
        replaced: list[int] = []
        merged: list[list[tuple[list[int], float | None]]] = []
        if len(need_at):
            self._nearest_searched = dict(
                zip(chunk[need_at].tolist(), finder.nearest_from(chunk[need_at]), strict=True)
            )
            first_row = np.searchsorted(owner, need_at).tolist()
            last_row = np.searchsorted(owner, need_at, side="right").tolist()
            offsets, nodes, weight = material.offsets, material.nodes, material.weight.tolist()
            try:
                for position, a, b in zip(need_at.tolist(), first_row, last_row, strict=True):
                    paths = [
                        (
                            nodes[offsets[j] : offsets[j + 1]].tolist(),
                            None if math.isnan(weight[j]) else weight[j],
                        )
                        for j in range(a, b)
                    ]
                    shown = self._with_nearest(int(chunk[position]), paths, every_nearest=True)
                    if shown is not paths:
                        replaced.append(position)
                        merged.append(shown)
            finally:
                self._nearest_searched = {}
        # Paths to possible matches, of the suppliers that need a review.
        asked_at = np.flatnonzero(result.needs_review[chunk])
        pending = search(self._possible_paths_finder(), chunk[asked_at])
        pending_owner = np.repeat(asked_at, np.diff(pending.bounds))
        ending = result.possible[pending.nodes[pending.offsets[1:] - 1]]
        # Put together: a supplier's paths, then its paths to possible matches.
        kept = ~np.isin(owner, replaced)
        extra = analysis.FoundPaths.of_lists(merged)
        parts = [
            (owner[kept], ListColumn(material.offsets, material.nodes).take(np.flatnonzero(kept)),
             material.weight[kept], False),
            (np.repeat(np.array(replaced, dtype=np.int64), np.diff(extra.bounds)),
             ListColumn(extra.offsets, extra.nodes), extra.weight, False),
            (pending_owner[ending],
             ListColumn(pending.offsets, pending.nodes).take(np.flatnonzero(ending)),
             pending.weight[ending], True),
        ]  # fmt: skip
        owners = np.concatenate([part[0] for part in parts])
        possible = np.concatenate([np.full(len(part[0]), part[3]) for part in parts])
        weights = np.concatenate([part[2] for part in parts])
        together = ListColumn.concat([part[1] for part in parts])
        order = np.lexsort((np.arange(len(owners)), possible, owners))
        return owners[order], together.take(order), weights[order], possible[order]

    def count_nearest(self) -> None:
        """Count, for every node at once, the listed entities at its tier.

        Then a supplier whose material paths reach all of them needs no search for the paths
        that explain its tier (:meth:`paths_of`).
        """
        if self._nearest_counts is None:
            result = self.analysed
            self._nearest_counts = analysis.nearest_listed_counts(
                result.sales.adjacency, result.listed, result.tier
            )

    def record(self, code: int, *, keep: bool = True) -> SupplierRecord:
        """Return one supplier's whole record."""
        paths = self.path_records(code, keep=keep)
        shown = [(p["listed"], p["weight"], p["tier"]) for p in paths]
        record = self._record(code, shown, self._affected_products(code))
        record["paths"] = paths
        record["possible_paths"] = self.possible_path_records(code)
        return record

    def _record(
        self, code: int, shown: list[tuple[str, float | None, int]], products: list[str]
    ) -> SupplierRecord:
        """Return the supplier's record without its paths, of which ``shown`` are shown.

        ``shown``: each path's listed buyer, weight and tier, heaviest first; ``products``:
        its affected products (:meth:`_affected_products`).
        """
        result = self.analysed
        figure = float(result.revenue_figures(np.array([code]))[0])
        line = self._line(code, figure, list(dict.fromkeys(listed for listed, _, _ in shown)))
        if_reached = self._if_reached(code, figure)
        limited: float | None = None
        if result.within_tier_limit:
            within = result.revenue_figures(np.array([code]), within_limit=True)[0]
            limited = None if np.isnan(within) else round(float(within), 12)
        return {
            "supplier": line["supplier"],
            "exposed": line["exposed"],
            "tier": line["tier"],
            "listed_buyers": line["listed_buyers"],
            "products": products,
            "revenue_at_risk": line["revenue_at_risk"],
            "revenue_at_risk_is_lower_bound": line["revenue_at_risk_is_lower_bound"],
            "revenue_at_risk_within_tier_limit": limited,
            "share_basis": line["share_basis"],
            "assumptions": line["assumptions"],
            "paths": [],
            "summary": self._summary(code, shown, figure),
            "needs_review": line["needs_review"],
            "revenue_at_risk_if_confirmed": line["revenue_at_risk_if_confirmed"],
            "revenue_at_risk_if_confirmed_is_lower_bound": line[
                "revenue_at_risk_if_confirmed_is_lower_bound"
            ],
            "revenue_at_risk_if_confirmed_and_reached": line[
                "revenue_at_risk_if_confirmed_and_reached"
            ],
            "revenue_at_risk_if_confirmed_and_reached_is_lower_bound": line[
                "revenue_at_risk_if_confirmed_and_reached_is_lower_bound"
            ],
            "possible_paths": [],
            "other_restrictions": self.other_restrictions(code),
            "sales_not_reached": self.sales_not_reached(code),
            "revenue_at_risk_if_reached": if_reached,
            "revenue_at_risk_if_reached_is_lower_bound": (
                None if if_reached is None else bool(result.lower_bound_if_reached[code])
            ),
        }

    def _if_reached(self, code: int, figure: float) -> float | None:
        """Return the revenue at risk were every sale of unknown reach reached, if it differs."""
        if_reached = float(self.analysed.revenue_at_risk_if_reached[code])
        known = 0.0 if np.isnan(figure) else figure
        if self.analysed.tier[code] <= 0 or math.isclose(if_reached, known, abs_tol=1e-12):
            return None
        return round(if_reached, 12)

    def other_restrictions(self, code: int) -> list[OtherRestriction]:
        """Return the listings of a supplier's buyers that restrict something else than its sales.

        Its own customers' listings in force on lists such as the investment ban of the
        Non-SDN Chinese Military-Industrial Complex list (:mod:`exposure.restrictions`).
        """
        result = self.analysed
        adjacency = result.graph.adjacency
        names = result.graph.names
        if self._restricted_customers is None:  # per node, how many of its buyers
            restricted = result.restricted_otherwise
            self._restricted_customers = (
                (adjacency != 0).astype(np.int64) @ restricted.astype(np.int64)
                if restricted.any()
                else np.zeros(len(restricted), dtype=np.int64)
            )
        if not self._restricted_customers[code]:
            return []
        customers = adjacency.indices[adjacency.indptr[code] : adjacency.indptr[code + 1]]
        customers = np.unique(customers[result.restricted_otherwise[customers]]).tolist()
        return [
            cast(OtherRestriction, {"buyer": str(names[customer]), **restriction})
            for customer in customers
            for restriction in result.other_restrictions_of(customer)
        ]

    def ranking(self, codes: np.ndarray) -> Iterator[RankingLine]:
        """Yield the ranking's line of each supplier, in order.

        The listed buyers are those of the supplier's material paths, but the paths' sales,
        listings and sources, most of a record's cost, are not looked up.
        """
        if len(codes) > COUNTED_AT_ONCE_FROM:
            self.reached_listed_counts()
        figures = self.analysed.revenue_figures(codes)
        names = self.analysed.graph.names
        for at in range(0, len(codes), RANKED_AT_ONCE):
            chunk = codes[at : at + RANKED_AT_ONCE]
            for code, figure, buyers in zip(
                chunk.tolist(),
                figures[at : at + RANKED_AT_ONCE].tolist(),
                self._listed_buyers(chunk),
                strict=True,
            ):
                line = self._line(code, figure, [str(names[b]) for b in buyers])
                line["listed_buyers_reached"] = self._listed_reached(code)[0] if buyers else 0
                if_reached = self._if_reached(code, figure)
                line["revenue_at_risk_if_reached"] = if_reached
                line["revenue_at_risk_if_reached_is_lower_bound"] = (
                    None if if_reached is None else bool(self.analysed.lower_bound_if_reached[code])
                )
                yield line

    def _listed_buyers(self, codes: np.ndarray) -> list[list[int]]:
        """Return the listed buyers of each supplier's paths (:meth:`paths_of`), as a ranking names them.

        The material paths of the exposed suppliers are searched side by side
        (:meth:`~exposure.analysis.PathFinder.listed_buyers_from`); a supplier with none is
        explained by its nearest paths.
        """
        result = self.analysed
        finder = self._material_finder()
        exposed = codes[result.tier[codes] > 0]
        found = dict(
            zip(
                exposed.tolist(),
                finder.listed_buyers_from(
                    exposed,
                    max_tier=result.max_tier,
                    min_weight=result.min_weight,
                    cap=result.unquantified_cap,
                ),
                strict=True,
            )
        )
        # An exposed supplier without a material path is named by its nearest buyers.
        unexplained: dict[int, list[tuple[list[int], float | None]]] = {
            code: [] for code, mine in found.items() if not mine
        }
        self._search_nearest(unexplained, every_nearest=False)
        try:
            for code in unexplained:
                paths = self._with_nearest(code, [], every_nearest=False)
                found[code] = list(dict.fromkeys(path[-1] for path, _ in paths))
        finally:
            self._nearest_searched = {}
        return [found.get(code, []) for code in codes.tolist()]

    def _line(self, code: int, figure: float, listed_buyers: list[str]) -> RankingLine:
        """Return the fields a supplier's record and its line of the ranking share."""
        result = self.analysed
        tier = result.tier[code]
        review = bool(result.needs_review[code])
        if_confirmed = float(result.figures_if_confirmed(np.array([code]))[0])
        # Were the rules to reach the sales a confirmation would add whose reach is unknown:
        # given where it differs from the figure if confirmed (unknown counts as none).
        and_reached: float | None = None
        if review:
            figure_if_reached = float(result.revenue_at_risk_if_confirmed_and_reached[code])
            known = 0.0 if np.isnan(if_confirmed) else if_confirmed
            if not math.isclose(figure_if_reached, known, abs_tol=1e-12):
                and_reached = rounded(figure_if_reached)
        return {
            "supplier": str(result.graph.names[code]),
            "exposed": bool(tier > 0),
            "tier": int(tier) if tier > 0 else None,
            "listed_buyers": listed_buyers,
            "revenue_at_risk": None if np.isnan(figure) else rounded(float(figure)),
            "revenue_at_risk_is_lower_bound": bool(result.lower_bound[code]),
            "share_basis": result.share_basis(code) or None,
            "assumptions": list(self._assumptions),
            "needs_review": review,
            "revenue_at_risk_if_confirmed": (
                None if np.isnan(if_confirmed) else rounded(if_confirmed)
            ),
            "revenue_at_risk_if_confirmed_is_lower_bound": (
                bool(result.lower_bound_if_confirmed[code]) if review else None
            ),
            "revenue_at_risk_if_confirmed_and_reached": and_reached,
            "revenue_at_risk_if_confirmed_and_reached_is_lower_bound": (
                None
                if and_reached is None
                else bool(result.lower_bound_if_confirmed_and_reached[code])
            ),
        }

    def _affected_products(self, code: int) -> list[str]:
        """Return the supplier's own products on sales that lead to listed entities.

        A report of many suppliers finds those of a chunk at once (:meth:`_report_chunks`).
        """
        return self._affected_products_of(np.array([code], dtype=np.int64)).values.tolist()

    def _affected_products_of(self, codes: np.ndarray) -> ListColumn:
        """Return each supplier's own products on sales that lead to listed entities, each once.

        Not the products of its sales to listed buyers that the rules do not reach
        (:meth:`sales_not_reached`): those are no exposure.
        """
        result = self.analysed
        graph = result.sales
        adjacency = graph.adjacency
        starts = adjacency.indptr[codes]
        entries = analysis.spans(starts, adjacency.indptr[codes + 1] - starts)
        customers = adjacency.indices[entries]
        leading = result.listed[customers] | (result.tier[customers] > 0)
        owner = np.repeat(np.arange(len(codes)), adjacency.indptr[codes + 1] - starts)[leading]
        # Entry order is customer order: the products come in the order a sale-by-sale walk
        # over the leading customers gives.
        edges = np.asarray(adjacency.data[entries][leading] - 1, dtype=np.int64)
        rows, bounds = graph.rows_of_edges(edges)
        row_owner = np.repeat(owner, np.diff(bounds))
        reached = self._reached_rows(rows)
        rows, row_owner = rows[reached], row_owner[reached]
        offsets = np.zeros(len(codes) + 1, dtype=np.int64)
        np.cumsum(np.bincount(row_owner, minlength=len(codes)), out=offsets[1:])
        return ListColumn(offsets, graph.sale_columns["product"](rows)).each_once()

    def _reached_products(self, hop: Hop, rows: np.ndarray) -> list[str]:
        """Return a sale's products but those the rules do not reach (no exposure)."""
        reached = self._reached_rows(rows)
        if reached.all():
            return list(hop["products"])
        products = self.analysed.sales.sale_columns["product"](rows[reached])
        return list(dict.fromkeys(str(p) for p in products))

    def _reached_rows(self, rows: np.ndarray) -> np.ndarray:
        """Return, per sale row, whether it may count: not a sale the rules do not reach."""
        return self.analysed.reach.status_of_rows[rows] != NO

    def reached_listed_counts(self) -> tuple[np.ndarray, np.ndarray]:
        """Per node: how many listed entities it reaches, and the farthest one's tier.

        Over the whole graph, whatever the tier limit: one pass
        (:func:`~exposure.analysis.listed_reached_counts`); records of many suppliers read it
        rather than search from each in turn.
        """
        if self._reached is None:
            result = self.analysed
            self._reached = analysis.listed_reached_counts(result.sales.adjacency, result.listed, 0)
        return self._reached

    @property
    def counted_at_once(self) -> bool:
        """Whether :meth:`reached_listed_counts` has counted for the whole graph already."""
        return self._reached is not None

    def _listed_reached(self, code: int) -> tuple[int, int]:
        """Return how many listed entities ``code`` reaches, and the farthest one's tier."""
        if self._reached is not None:  # counted already for a report of every supplier
            counts, deepest = self._reached
            return int(counts[code]), int(deepest[code])
        # One search from this supplier: cheaper than the whole-graph pass for a few.
        result = self.analysed
        _, sales = analysis.listed_distances(result.sales.adjacency, result.listed, code)
        return len(sales), int(sales.max(initial=0))

    def _summary(
        self, code: int, shown: list[tuple[str, float | None, int]], figure: float
    ) -> Summary:
        """Return what the listed paths leave out, as counts and totals.

        ``shown``: each path's listed buyer, weight and tier. Listed buyers and the deepest
        tier are counted over the whole graph, whatever the tier limit: shown and not shown
        add up to those reached.
        """
        result = self.analysed
        shown_weight = sum(weight for _, weight, _ in shown if weight is not None)
        reached, deepest = self._listed_reached(code)
        limit = result.max_tier
        summary: Summary = {
            "max_tier": limit or None,
            "min_weight": result.min_weight,
            "paths_shown": len(shown),
            "unquantified_paths_shown": sum(weight is None for _, weight, _ in shown),
            "listed_buyers_reached": reached,
            "listed_buyers_not_shown": reached - len({listed for listed, _, _ in shown}),
            "weight_not_shown": None
            if np.isnan(figure)
            else round(float(figure) - shown_weight, 12),
            "routes_not_shown": None,
            "unquantified_routes_not_shown": None,
            "deepest_tier": deepest or None,
            "beyond_tier_limit": bool(limit and deepest > limit),
        }
        if result.within_tier_limit and result.tier[code] > 0:
            limited = result.within_tier_limit
            unknown_shown = sum(weight is None for _, weight, tier in shown if tier <= limit)
            within = sum(tier <= limit for _, _, tier in shown)
            summary["routes_not_shown"] = round(float(limited["routes"][code])) - within
            summary["unquantified_routes_not_shown"] = (
                round(float(limited["unknown_routes"][code])) - unknown_shown
            )
            summary["beyond_tier_limit"] |= bool(limited["beyond"][code])
        return summary
