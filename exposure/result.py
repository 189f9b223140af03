"""Running an analysis and inspecting its result.

:func:`analyze` turns a dataset into a :class:`Result`: per supplier, whether it is exposed, its
tier, the listed buyers it reaches and the paths that matter (every sale to a listed entity,
longer paths by weight), the affected products, the listings behind them and the revenue at
risk, with a summary of what the listed paths leave out. The result offers pandas DataFrames for notebooks
and plain records (lists and dicts) that the command line serialises as JSON, CSV or text.
"""

from __future__ import annotations

import datetime as dt
import difflib
import html
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import sparse

from exposure import analysis
from exposure.errors import ExposureError, UnknownNameError
from exposure.graph import SupplyGraph, build_graph
from exposure.ownership import Affiliates, rule_in_force_since
from exposure.ownership import affiliates as find_affiliates
from exposure.read.dataset import Dataset

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["Result", "analyze", "parse_date"]

#: Defaults of what a report lists per supplier (see :meth:`Result.paths`).
MAX_TIER = 4
MIN_WEIGHT = 0.001
UNQUANTIFIED_CAP = 20
#: A report of more suppliers than this counts the listed entities each one reaches for the
#: whole graph at once: at a million companies that pass costs about 2.3 s, a search from one
#: supplier about 1 ms.
COUNTED_AT_ONCE_FROM = 2_000
#: Revenue at risk's products read only the positive known shares when fewer than this
#: fraction of sales have one. At a million companies with 81% of them positive, keeping them
#: cost 0.07 s (0.5 s the first time, on fresh memory) and the products saved nothing measurable.
KEPT_SHARES_BELOW = 0.5
#: The list a what-if assumption names for an entity assumed listed.
ASSUMED_LIST = "What-if: assumed listed"

PATH_FIELDS = (
    "listed", "tier", "weight", "path", "products", "list", "federal_register_notice", "start_date",
    "license_policy", "ownership", "match", "sources", "hops",
)  # fmt: skip


def parse_date(value: str | dt.date | None) -> dt.date:
    """Return ``value`` as a date; ``None`` means today.

    Raises
    ------
    ExposureError
        When the text is not an ISO date.

    Examples
    --------
    >>> parse_date("2019-10-09")
    datetime.date(2019, 10, 9)
    """
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        msg = f"{value!r} is not a date. Write it as YYYY-MM-DD, e.g. 2019-10-09"
        raise ExposureError(msg) from None


def analyze(
    data: Dataset | SupplyGraph,
    *,
    as_of: str | dt.date | None = None,
    affiliates_rule: bool = True,
    ownership_threshold: float = 50.0,
    ownership_method: str = "multiply",
    assume_listed: Sequence[str] = (),
    assume_delisted: Sequence[str] = (),
    max_tier: int = MAX_TIER,
    min_weight: float = MIN_WEIGHT,
    unquantified_cap: int = UNQUANTIFIED_CAP,
    fuzzy: bool = True,
) -> Result:
    """Analyse which suppliers a listing reaches, as of a date.

    Parameters
    ----------
    data
        A dataset from :func:`exposure.load`, or a graph already built from one.
    as_of
        The date at which listings are taken to be in force (ISO text or a date);
        default: today. A listing counts from its ``start_date`` until the day before its
        ``end_date``.
    affiliates_rule
        Treat entities owned ``ownership_threshold`` percent or more by listed entities as
        listed, on the dates an ownership rule is in force (see :mod:`exposure.ownership`).
    ownership_threshold
        In percent; 50 by the rules.
    ownership_method
        ``multiply`` (default) or ``cascade``; see :mod:`exposure.ownership`.
    assume_listed, assume_delisted
        What-if: names to treat as listed, or as no longer listed, on top of the data.
        Every report of such a result says that it rests on an assumption.
    max_tier, min_weight, unquantified_cap
        What a report lists per supplier: every sale to a listed entity; longer paths of at
        most ``max_tier`` sales (default 4; 0: no limit) weighing at least ``min_weight``
        (default 0.001, i.e. 0.1% of the supplier's revenue; 0: no minimum), heaviest first;
        and up to ``unquantified_cap`` paths of unknown weight. The rest is summarised.
        ``exposed``, ``tier`` and ``revenue_at_risk`` always cover the whole graph.
    fuzzy
        Match customer names fuzzily when building the graph from a dataset (see
        :func:`~exposure.graph.build_graph`); ignored for a graph already built.

    Returns
    -------
    Result

    Examples
    --------
    >>> from exposure import load
    >>> result = analyze(load(), as_of="2019-10-09")
    >>> result.supplier("Ambarella")["listed_buyers"]
    ['Hikvision', 'Dahua Technology']
    >>> analyze(load(), as_of="2019-06-01").supplier("Ambarella")["exposed"]
    False
    >>> analyze(load(), as_of="2019-06-01", assume_listed=["Hikvision"]).supplier("Ambarella")["tier"]
    1
    """
    graph = data if isinstance(data, SupplyGraph) else build_graph(data, fuzzy=fuzzy)
    if not 0 < ownership_threshold <= 100:
        msg = f"the ownership threshold {ownership_threshold} is not a percentage over 0 and at most 100"
        raise ExposureError(msg)
    return Result(
        graph,
        parse_date(as_of),
        affiliates_rule=affiliates_rule,
        ownership_threshold=float(ownership_threshold),
        ownership_method=ownership_method,
        assume_listed=tuple(assume_listed),
        assume_delisted=tuple(assume_delisted),
        max_tier=_at_least(max_tier, 0, "the tier limit"),
        min_weight=_share_in_range(min_weight),
        unquantified_cap=_at_least(unquantified_cap, 0, "the cap of unquantified paths"),
    )


def _at_least(value: int, low: int, what: str) -> int:
    if int(value) != value or value < low:
        msg = f"{what} must be a whole number of at least {low}, not {value!r}"
        raise ExposureError(msg)
    return int(value)


def _share_in_range(value: float) -> float:
    if not 0 <= value <= 1:
        msg = f"the minimum weight must be a share from 0 to 1 (0.001 for 0.1%), not {value!r}"
        raise ExposureError(msg)
    return float(value)


@dataclass(frozen=True, eq=False)
class Result:
    """The exposure of every supplier in a graph, as of a date.

    Build it with :func:`analyze`. Per-node arrays are computed once for the whole graph;
    paths are computed per supplier when asked for.
    """

    graph: SupplyGraph
    as_of: dt.date
    affiliates_rule: bool = True
    ownership_threshold: float = 50.0
    ownership_method: str = "multiply"
    assume_listed: tuple[str, ...] = ()
    assume_delisted: tuple[str, ...] = ()
    max_tier: int = MAX_TIER
    min_weight: float = MIN_WEIGHT
    unquantified_cap: int = UNQUANTIFIED_CAP

    # -- listings in force -------------------------------------------------------------------

    @cached_property
    def listings_in_force(self) -> pd.DataFrame:
        """The listed rows in force on :attr:`as_of`, earliest first."""
        listings = self.graph.listings
        day = pd.Timestamp(self.as_of)
        active = (listings["start_date"] <= day) & (
            listings["end_date"].isna() | (listings["end_date"] > day)
        )
        return listings[active].sort_values(["start_date", "_line"], kind="stable")

    def listing_records(self) -> list[dict[str, Any]]:
        """Return the listings in force as plain records (dates as ISO text, extra columns kept)."""
        table = self.listings_in_force.drop(columns=["_line", "entity"])
        records: list[dict[str, Any]] = []
        for row in table.to_dict("records"):
            for key in ("start_date", "end_date"):
                row[key] = None if pd.isna(row[key]) else row[key].date().isoformat()
            records.append({str(k): (v if v != "" else None) for k, v in row.items()})
        return records

    @cached_property
    def _entities(self) -> np.ndarray:
        return self.graph.nodes["entity"].to_numpy(np.int64)

    @cached_property
    def _listed_by_data(self) -> np.ndarray:
        entities = self.graph.nodes["entity"].to_numpy()
        return np.isin(entities, self.listings_in_force["entity"].to_numpy()) & (entities >= 0)

    def _entity_code(self, name: str, option: str) -> int:
        code = self.graph.code(name)
        if code is None:
            names = [str(n) for n in self.graph.nodes["name"]]
            near = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
            hint = f" Did you mean {near[0]!r}?" if near else ""
            msg = f"unknown entity {name!r} in {option}: it is in no data file.{hint}"
            raise UnknownNameError(msg)
        return code

    @cached_property
    def _assumed(self) -> dict[int, bool]:
        assumed = {self._entity_code(n, "--assume-listed"): True for n in self.assume_listed}
        for name in self.assume_delisted:
            assumed[self._entity_code(name, "--assume-delisted")] = False
        return assumed

    @cached_property
    def _base_listed(self) -> np.ndarray:
        listed = self._listed_by_data.copy()
        for code, is_listed in self._assumed.items():
            listed[code] = is_listed
        return listed

    @cached_property
    def affiliates(self) -> Affiliates:
        """Entities treated as listed because listed entities own them (the 50% rules)."""
        n = self.graph.n_nodes
        ownership = self.graph.dataset.ownership
        if not self.affiliates_rule or ownership is None or not len(ownership):
            return Affiliates(mask=np.zeros(n, bool), owned=np.zeros(n), possible=np.zeros(n, bool))
        return find_affiliates(
            self.graph,
            ownership,
            self._base_listed,
            self._owner_lists(),
            self.as_of,
            threshold=self.ownership_threshold / 100.0,
            method=self.ownership_method,
        )

    def _owner_lists(self) -> dict[int, str]:
        """Return the list of each node listed by the data or by assumption.

        As :meth:`_direct_listing` gives it, in one lookup for thousands of listed entities.
        """
        codes = np.flatnonzero(self._base_listed)
        first = self._first_listings
        list_of_entity = pd.Series(first["list"].to_numpy(dtype=object), index=first["entity"])
        lists = list_of_entity.reindex(self._entities[codes]).to_numpy(dtype=object)
        out = {int(c): str(name) for c, name in zip(codes, lists, strict=True)}
        for code, is_listed in self._assumed.items():
            if is_listed:
                out[code] = ASSUMED_LIST
        return out

    @cached_property
    def listed(self) -> np.ndarray:
        """Boolean mask over nodes: treated as listed on :attr:`as_of`.

        By the data, the ownership rules, and any what-if assumption.
        """
        listed = self._base_listed | self.affiliates.mask
        for code, is_listed in self._assumed.items():
            listed[code] = is_listed
        return listed

    @property
    def assumptions(self) -> list[str]:
        """Plain statements of the what-if assumptions this result rests on."""
        names = self.graph.names
        return [
            f"assumed {'listed' if is_listed else 'no longer listed'}: {names[code]} (what-if, not a fact)"
            for code, is_listed in self._assumed.items()
        ]

    @cached_property
    def _first_listings(self) -> pd.DataFrame:
        """Each listed entity's earliest listing in force: the one its reports show."""
        return self.listings_in_force.drop_duplicates("entity", keep="first")

    @cached_property
    def _listing_of_entity(self) -> dict[int, dict[str, Any]]:
        first = self._first_listings
        return {
            int(row["entity"]): {str(k): v for k, v in row.items()}
            for row in first.to_dict("records")
        }

    def _direct_listing(self, code: int) -> dict[str, Any]:
        if self._assumed.get(code):
            return {
                "list": ASSUMED_LIST,
                "federal_register_notice": None,
                "start_date": self.as_of.isoformat(),
                "license_policy": None,
                "sources": [f"assumption (--assume-listed {self.graph.nodes['name'].iat[code]})"],
                "ownership": None,
            }
        row = self._listing_of_entity[int(self._entities[code])]
        return {
            "list": row["list"],
            "federal_register_notice": row["federal_register_notice"] or None,
            "start_date": row["start_date"].date().isoformat(),
            "license_policy": row["license_policy"] or None,
            "sources": [row["source"]],
            "ownership": None,
        }

    def listing_of(self, code: int) -> dict[str, Any]:
        """Return why a node counts as listed: its list, notice, date, policy and sources.

        For an affiliate, the listing of its largest listed owner, with the ownership chains.
        """
        if self._base_listed[code]:
            return self._direct_listing(code)
        explanation = self.affiliates.explanations[code]
        owners = explanation["owners"]
        top = max(owners, key=lambda o: o["part"] or 0.0)
        owner = self._direct_listing(int(self.graph.code(top["owner"])))  # type: ignore[arg-type]
        share = 100 * explanation["owned_by_listed"]
        return {
            "list": f"{owner['list']} (affiliate: {share:.4g}% owned by listed entities)",
            "federal_register_notice": "; ".join(
                x for x in (owner["federal_register_notice"], explanation["rule"]) if x
            ),
            "start_date": max(
                owner["start_date"], rule_in_force_since(explanation["rule"], self.as_of)
            ),
            "license_policy": owner["license_policy"],
            "sources": explanation["sources"] + owner["sources"],
            "ownership": explanation,
        }

    # -- whole-graph figures -------------------------------------------------------------------

    def compute(self, done: Callable[[str], None] | None = None) -> Result:
        """Compute the whole-graph figures now and return the result itself.

        :attr:`tier`, :attr:`revenue_at_risk` and :attr:`lower_bound` are otherwise computed
        when first read; computing them together shares what they have in common (the lower
        bounds use the tiers' reach when every sale may carry revenue).

        Parameters
        ----------
        done
            Called with each figure's name when it is ready (to show progress).

        Examples
        --------
        >>> from exposure import load
        >>> result = analyze(load(), as_of="2019-10-09").compute()
        >>> int(result.tier[result.code("Ambarella")])
        1
        """
        report = done or (lambda name: None)
        # One figure after another: SciPy's breadth-first search holds Python's lock, so a
        # second thread computing revenue at risk meanwhile would wait for it and make both
        # slower; the sparse products do run on two cores (``analysis.RowSplit``).
        for name in ("tier", "lower_bound", "revenue_at_risk"):
            getattr(self, name)
            report(name)
        return self

    @cached_property
    def _shares(self) -> sparse.csr_matrix:
        # Only sales with a positive known share carry revenue at risk, and the products that
        # compute it read the entries twenty times or more: where most shares are unknown the
        # others are left out once; where most are known, the copy would cost more than the
        # products save, and the zero entries stay (they add nothing to any product).
        shares = self._per_edge(self.graph.edges["share"].to_numpy(np.float64))
        positive = shares.data > 0
        if np.count_nonzero(positive) < KEPT_SHARES_BELOW * len(positive):
            return analysis.keep_entries(shares, positive)
        return shares

    def _per_edge(self, values: np.ndarray) -> sparse.csr_matrix:
        """Return the adjacency with each edge's entry holding ``values[edge]``.

        The adjacency stores the edges in their order (:attr:`SupplyGraph.adjacency`), so
        ``values`` are its entries as they are, and its index arrays are shared: nothing is
        copied (ten million edges' values would be 80 MB gathered).
        """
        adjacency = self.graph.adjacency
        if len(values) != adjacency.nnz:
            raise ValueError(f"{len(values)} values for {adjacency.nnz} edges")
        return sparse.csr_matrix(
            (values, adjacency.indices, adjacency.indptr), shape=adjacency.shape, copy=False
        )

    @cached_property
    def tier(self) -> np.ndarray:
        """Per node: 1 = sells to a listed entity, 2 = through one intermediary...; -1 = not exposed."""
        return analysis.tiers(
            self.graph.adjacency, self.listed, reversed_adjacency=self.graph.reversed_adjacency
        )

    @cached_property
    def revenue_at_risk(self) -> np.ndarray:
        """Per node: the known share of revenue that ends with listed entities."""
        return analysis.revenue_at_risk(self._shares, self.listed)

    @cached_property
    def lower_bound(self) -> np.ndarray:
        """Per node: an unknown share lies on an exposure path, so the figure is a lower bound."""
        edges = self.graph.edges
        dst = edges["dst"].to_numpy()
        # Only sales whose share may be positive carry revenue: a known 0 carries none.
        carrying, carrying_back = self._edge_subgraph(
            edges["unknown_share"].to_numpy() | (edges["share"].to_numpy() > 0)
        )
        if carrying is self.graph.adjacency:
            # Every sale may carry revenue: what reaches a listed entity is what the tiers
            # found (a route through a listed entity stops at the first), no second search.
            may_reach = self.listed | (self.tier > 0)
        else:
            may_reach = analysis.reach(
                carrying, self.listed, ~self.listed, reversed_adjacency=carrying_back
            )
        leads_on = may_reach[dst]
        seeds = np.zeros(self.graph.n_nodes, dtype=bool)
        seeds[edges["src"].to_numpy()[edges["unknown_share"].to_numpy() & leads_on]] = True
        return analysis.upstream(carrying, seeds, self.listed, reversed_adjacency=carrying_back)

    @cached_property
    def estimated(self) -> np.ndarray:
        """Per node: the revenue at risk rests in part on an analyst's estimate."""
        edges = self.graph.edges
        dst = edges["dst"].to_numpy()
        leads_on = self.listed[dst] | (self.revenue_at_risk[dst] > 0)
        seeds = np.zeros(self.graph.n_nodes, dtype=bool)
        seeds[edges["src"].to_numpy()[edges["estimate"].to_numpy() & leads_on]] = True
        positive, positive_back = self._edge_subgraph(edges["share"].to_numpy() > 0)
        return analysis.upstream(positive, seeds, self.listed, reversed_adjacency=positive_back)

    @cached_property
    def _weights(self) -> sparse.csr_matrix:
        """Shares with an explicit entry per edge: ``NaN`` where some share is unknown."""
        edges = self.graph.edges
        return self._per_edge(
            np.where(
                edges["unknown_share"].to_numpy(bool), np.nan, edges["share"].to_numpy(np.float64)
            )
        )

    @cached_property
    def within_tier_limit(self) -> dict[str, np.ndarray]:
        """Per node: figures over routes of at most :attr:`max_tier` sales.

        See :func:`exposure.analysis.limited_figures`; empty arrays when there is no limit.
        """
        if self.max_tier <= 0:
            return {}
        return analysis.limited_figures(self._shares, self._weights, self.listed, self.max_tier)

    def _edge_subgraph(self, keep: np.ndarray) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
        """Return the graph of the edges to keep, and the same turned round, for searches.

        Their entries are ``True`` (searches read only where the entries are), unless every
        edge is kept: then they are the graph's own matrices.
        """
        forward, back = self.graph.adjacency, self.graph.reversed_adjacency
        if keep.all():  # often so for lower bounds: no sale has a known share of 0
            return forward, back
        # The adjacency stores the edges in their order (entry i holds i + 1): ``keep`` is
        # already its mask of entries.
        return (
            analysis.keep_entries(forward, keep, values=False),
            analysis.keep_entries(back, keep[back.data - 1], values=False),
        )

    # -- per supplier ------------------------------------------------------------------------

    def code(self, supplier: str) -> int:
        """Return the node code of a supplier's name, matched as names are everywhere.

        Raises
        ------
        UnknownNameError
            With the closest known supplier names as suggestions.
        """
        code = self.graph.code(supplier)
        if code is None or code not in set(self.graph.supplier_codes.tolist()):
            names = [str(n) for n in self.graph.names[self.graph.supplier_codes]]
            near = difflib.get_close_matches(supplier, names, n=1, cutoff=0.6)
            if not near:
                near = difflib.get_close_matches(
                    supplier.casefold(), [n.casefold() for n in names], n=1
                )
                near = [names[[n.casefold() for n in names].index(near[0])]] if near else []
            hint = (
                f" Did you mean {near[0]!r}?"
                if near
                else " Run `exposure report` to list the suppliers."
            )
            msg = f"unknown supplier {supplier!r}.{hint}"
            raise UnknownNameError(msg)
        return code

    def paths(self, supplier: str) -> pd.DataFrame:
        """Return the supplier's material paths to listed buyers, heaviest first, as a DataFrame.

        Every sale to a listed entity, and longer paths within :attr:`max_tier` carrying at
        least :attr:`min_weight` of revenue (see :func:`analyze`).

        Examples
        --------
        >>> from exposure import load
        >>> table = analyze(load(), as_of="2020-01-01").paths("Ambarella")
        >>> table[["listed", "tier", "federal_register_notice"]].values.tolist()
        [['Hikvision', 1, '84 FR 54002'], ['Dahua Technology', 1, '84 FR 54002']]
        """
        return pd.DataFrame(self._path_records(self.code(supplier)), columns=list(PATH_FIELDS))

    def supplier(self, supplier: str) -> dict[str, Any]:
        """Return the full record of one supplier, as in the JSON report."""
        return self._record(self.code(supplier))

    def records(self, suppliers: list[str] | None = None) -> list[dict[str, Any]]:
        """Return the JSON report: one record per supplier, most exposed first.

        The named suppliers only, in the order named, when ``suppliers`` is given. The list
        of every supplier's record grows with the graph: :meth:`iter_records` yields the same
        records one by one.
        """
        return list(self.iter_records(suppliers))

    def iter_records(
        self, suppliers: Sequence[str] | None = None, *, top: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """Yield the records of :meth:`records` one by one, most exposed first.

        For writing the report of every supplier as it is computed
        (:func:`exposure.render.text.json_report_chunks`): no record, and no supplier's paths,
        stays in memory once the next one is asked for.

        Parameters
        ----------
        suppliers
            Names (an unknown one raises :class:`UnknownNameError` here, before any record);
            default: every supplier. For more than :data:`COUNTED_AT_ONCE_FROM` suppliers, how
            many listed entities each one reaches is counted for the whole graph at once first
            (:func:`~exposure.analysis.listed_reached_counts`), rather than by a search per supplier.
        top
            Without ``suppliers``: only the ``top`` most exposed suppliers (as ``exposure
            report --top N``); only their records are computed.

        Examples
        --------
        >>> from exposure import load
        >>> records = analyze(load(), as_of="2019-10-09").iter_records()
        >>> next(records)["supplier"]
        'Ambarella'
        >>> [r["supplier"] for r in analyze(load(), as_of="2019-10-09").iter_records(top=2)]
        ['Ambarella', 'Google']
        """
        if suppliers:
            codes = np.array([self.code(s) for s in suppliers], dtype=np.int64)
        else:
            codes = self._ranked_codes()[:top]
            if len(codes) > COUNTED_AT_ONCE_FROM:
                _ = self._reached_listed_counts
        return (self._record(code, keep=False) for code in codes.tolist())

    @cached_property
    def suppliers(self) -> pd.DataFrame:
        """One row per supplier, most exposed first.

        Columns: ``supplier``, ``exposed``, ``tier`` (``<NA>`` when not exposed),
        ``revenue_at_risk`` (``NaN`` when unknown), ``revenue_at_risk_is_lower_bound``,
        ``share_basis``, and over routes within the tier limit (absent without one):
        ``revenue_at_risk_within_tier_limit`` and ``routes_within_tier_limit``. Computed for
        the whole graph at once, without listing paths.
        """
        codes = self._ranked_codes()
        names = self.graph.names
        columns = {
            "supplier": names[codes],
            "exposed": self.tier[codes] > 0,
            "tier": pd.Series(self.tier[codes], dtype="Int64").mask(self.tier[codes] <= 0),
            "revenue_at_risk": self._figures(codes),
            "revenue_at_risk_is_lower_bound": self.lower_bound[codes],
            "share_basis": [self._basis(c) for c in codes],
        }
        if self.within_tier_limit:
            columns["revenue_at_risk_within_tier_limit"] = self._figures(codes, within_limit=True)
            columns["routes_within_tier_limit"] = self.within_tier_limit["routes"][codes]
        return pd.DataFrame(columns)

    @property
    def exposed_suppliers(self) -> int:
        """How many suppliers reach a listed entity.

        Examples
        --------
        >>> from exposure import load
        >>> result = analyze(load(), as_of="2019-10-09")
        >>> result.exposed_suppliers == int(result.suppliers["exposed"].sum())
        True
        """
        return int(np.count_nonzero(self.tier[np.asarray(self.graph.supplier_codes)] > 0))

    def _figures(self, codes: np.ndarray, *, within_limit: bool = False) -> np.ndarray:
        """Revenue at risk for people: ``NaN`` where no share on any exposure path is known."""
        whole = self.revenue_at_risk[codes].astype(float)
        risk = self.within_tier_limit["revenue_at_risk"][codes] if within_limit else whole
        unknown = self.lower_bound[codes] & (whole <= 0)
        return np.where(unknown, np.nan, risk)

    def _ranked_codes(self) -> np.ndarray:
        codes = np.asarray(self.graph.supplier_codes)
        figure = self._figures(codes)
        tier = self.tier[codes]
        order = np.lexsort(
            (
                self.graph.nodes["name"].str.casefold().to_numpy()[codes],
                np.where(tier > 0, tier, np.iinfo(np.int64).max),
                -np.nan_to_num(figure, nan=-0.5),
                ~(tier > 0),
            )
        )
        return codes[order]

    def _basis(self, code: int) -> str:
        if self.tier[code] <= 0:
            return ""
        if self.revenue_at_risk[code] <= 0 and self.lower_bound[code]:
            return "unknown"
        return "estimate" if self.estimated[code] else "disclosed"

    @cached_property
    def _path_finder(self) -> analysis.PathFinder:
        return analysis.PathFinder(self._weights, self.listed, self.tier)

    def _paths_of(self, code: int, *, keep: bool = True) -> list[tuple[list[int], float | None]]:
        """Return the supplier's material paths (node codes) and weights.

        ``keep``: remember them for the next call (:meth:`paths`, :meth:`supplier`, the
        pictures); :meth:`iter_records` passes ``False`` so that a report of every supplier
        does not hold every supplier's paths in memory.
        """
        if self.tier[code] <= 0:
            return []
        cache = self.__dict__.setdefault("_path_cache", {})
        if code in cache:
            kept: list[tuple[list[int], float | None]] = cache[code]
            return kept
        paths = self._path_finder.paths(
            code,
            max_tier=self.max_tier,
            min_weight=self.min_weight,
            cap=self.unquantified_cap,
        )
        if keep:
            cache[code] = paths
        return paths

    def _path_records(self, code: int, *, keep: bool = True) -> list[dict[str, Any]]:
        found = self._paths_of(code, keep=keep)
        if not found:
            return []
        names = self.graph.names
        # The sales of every path at once: one lookup of their rows, one take per column.
        hops = self._hops(
            np.fromiter((a for path, _ in found for a in path[:-1]), dtype=np.int64),
            np.fromiter((b for path, _ in found for b in path[1:]), dtype=np.int64),
        )
        records = []
        first = 0
        # A report of every supplier meets the same listed buyers again and again: each
        # one's listing is looked up once (as each last sale's match, below).
        listings = self.__dict__.setdefault("_listing_cache", {})
        for path, weight in found:
            target = path[-1]
            if target not in listings:
                listings[target] = self.listing_of(target)
            listing = listings[target]
            mine = hops[first : first + len(path) - 1]
            first += len(path) - 1
            sources = [s for hop, _ in mine for s in hop["sources"]] + listing["sources"]
            records.append(
                {
                    "listed": names[target],
                    "tier": len(path) - 1,
                    "weight": None if weight is None else round(weight, 12),
                    "path": [str(names[p]) for p in path],
                    "products": mine[0][0]["products"],
                    "list": listing["list"],
                    "federal_register_notice": listing["federal_register_notice"],
                    "start_date": listing["start_date"],
                    "license_policy": listing["license_policy"],
                    "ownership": listing["ownership"],
                    "match": self._match_of_last_sale(mine[-1][1]),
                    "sources": list(dict.fromkeys(sources)),
                    "hops": [hop for hop, _ in mine],
                }
            )
        return records

    def _hops(self, src: np.ndarray, dst: np.ndarray) -> list[tuple[dict[str, Any], np.ndarray]]:
        """Return each sale ``src[i] -> dst[i]`` as a hop of a path record, with its rows.

        What :meth:`SupplyGraph.sale` gives for one sale, for many at once: per sale a
        search and a take per column cost more than the rest of a record.
        """
        names = self.graph.names
        rows, bounds = self._sale_rows(self._edges_between(src, dst))
        columns = self.graph.sale_columns
        products = columns["product"](rows).tolist()
        sources = columns["source"](rows).tolist()
        shares = columns["revenue_share"](rows)
        # Python lists read item by item faster than NumPy arrays.
        share_list, starts = shares.tolist(), bounds.tolist()
        hops = []
        for i, (a, b) in enumerate(zip(names[src].tolist(), names[dst].tolist(), strict=True)):
            start, end = starts[i], starts[i + 1]
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
                        "sources": list(dict.fromkeys(sources[start:end])),
                    },
                    rows[start:end],
                )
            )
        return hops

    def _edges_between(self, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
        """Return the index (in :attr:`SupplyGraph.edges`) of each sale ``src[i] -> dst[i]``.

        Every pair must be a sale. The adjacency stores ``1 +`` the edge's index; each sale
        is found among its seller's entries, all sellers at once.
        """
        adjacency = self.graph.adjacency
        indptr = adjacency.indptr
        lengths = indptr[src + 1] - indptr[src]
        entries = analysis.spans(indptr[src], lengths)
        found = entries[adjacency.indices[entries] == np.repeat(dst, lengths)]
        if len(found) != len(src):  # a pair that is no sale would shift every hop after it
            msg = "a path holds a pair of companies with no sale between them"
            raise RuntimeError(msg)
        return np.asarray(adjacency.data[found] - 1, dtype=np.int64)

    def _sale_rows(self, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the rows of the given edges, in order, and where each edge's rows start.

        Within an edge, the rows come in file order; the starts have one more item than there
        are edges.
        """
        graph = self.graph
        first = graph.edge_rows[edges]
        lengths = graph.edge_rows[edges + 1] - first
        bounds = np.zeros(len(edges) + 1, dtype=np.int64)
        np.cumsum(lengths, out=bounds[1:])
        return graph.row_order[analysis.spans(first, lengths)], bounds

    def _match_of_last_sale(self, rows: np.ndarray) -> dict[str, Any] | None:
        """Return how the listed buyer's name in the data was matched to the list.

        ``rows``: the rows of the path's last sale. The least sure spelling among them counts
        (an exact spelling and a fuzzy one of the same sale make it ``fuzzy``). Looked up once
        per sale (its first row names it); each caller gets a copy of its own.
        """
        columns = self.graph.sale_columns
        if "customer_match" not in columns or not len(rows):
            return None
        cache = self.__dict__.setdefault("_match_cache", {})
        key = int(rows[0])
        if key not in cache:
            cache[key] = self._least_sure_match(rows)
        return dict(cache[key])

    def _least_sure_match(self, rows: np.ndarray) -> dict[str, Any]:
        columns = self.graph.sale_columns
        matches = columns["customer_match"](rows).tolist()
        order = {"exact": 0, "confirmed": 1, "fuzzy": 2, "possible": 3, "none": 4}
        sureness = [order.get(str(m), 5) for m in matches]
        least_sure = sureness.index(max(sureness))  # the first of the least sure
        row = rows[least_sure : least_sure + 1]
        score = columns["customer_match_score"](row)[0]
        matched_as = columns["customer_matched_as"](row)[0]
        return {
            "outcome": str(matches[least_sure]),
            "score": None if pd.isna(score) else round(float(score), 1),
            "spelling": str(columns["customer"](row)[0]),
            "matched_as": None if pd.isna(matched_as) else str(matched_as),
        }

    def iter_ranking(self, *, top: int | None = None) -> Iterator[dict[str, Any]]:
        """Yield every supplier's line of the ranking (or the ``top`` first), most exposed first.

        The fields of :meth:`iter_records` that the report of every supplier shows as a table:
        ``supplier``, ``exposed``, ``tier``, ``listed_buyers``, ``revenue_at_risk``,
        ``revenue_at_risk_is_lower_bound``, ``share_basis`` and ``assumptions``, with the same
        values. The listed buyers are still those of the supplier's material paths, but the
        paths' sales, listings and sources, most of a record's cost, are not looked up.

        Examples
        --------
        >>> from exposure import load
        >>> line = next(analyze(load(), as_of="2019-10-09").iter_ranking())
        >>> line["supplier"], line["listed_buyers"], line["revenue_at_risk"]
        ('Ambarella', ['Hikvision', 'Dahua Technology'], 0.17)
        """
        codes = self._ranked_codes()[:top]
        figures = self._figures(codes)
        names = self.graph.names
        for code, figure in zip(codes.tolist(), figures.tolist(), strict=True):
            targets = (path[-1] for path, _ in self._paths_of(code, keep=False))
            yield self._headline(code, figure, [str(names[t]) for t in dict.fromkeys(targets)])

    def _headline(self, code: int, figure: float, listed_buyers: list[str]) -> dict[str, Any]:
        """Return the fields a supplier's record and its line of the ranking share."""
        return {
            "supplier": str(self.graph.names[code]),
            "exposed": bool(self.tier[code] > 0),
            "tier": int(self.tier[code]) if self.tier[code] > 0 else None,
            "listed_buyers": listed_buyers,
            "revenue_at_risk": None if np.isnan(figure) else round(float(figure), 12),
            "revenue_at_risk_is_lower_bound": bool(self.lower_bound[code]),
            "share_basis": self._basis(code) or None,
            "assumptions": self.assumptions,
        }

    def _record(self, code: int, *, keep: bool = True) -> dict[str, Any]:
        paths = self._path_records(code, keep=keep)
        figure = self._figures(np.array([code]))[0]
        headline = self._headline(code, figure, list(dict.fromkeys(p["listed"] for p in paths)))
        record = {
            **{k: headline[k] for k in ("supplier", "exposed", "tier", "listed_buyers")},
            "products": self._affected_products(code),
            "revenue_at_risk": headline["revenue_at_risk"],
            "revenue_at_risk_is_lower_bound": headline["revenue_at_risk_is_lower_bound"],
            "revenue_at_risk_within_tier_limit": None,
            "share_basis": headline["share_basis"],
            "assumptions": headline["assumptions"],
            "paths": paths,
            "summary": self._summary(code, paths, figure),
        }
        if self.within_tier_limit:
            limited = self._figures(np.array([code]), within_limit=True)[0]
            record["revenue_at_risk_within_tier_limit"] = (
                None if np.isnan(limited) else round(float(limited), 12)
            )
        return record

    def _affected_products(self, code: int) -> list[str]:
        """Return the supplier's own products on sales that lead to listed entities."""
        adjacency = self.graph.adjacency
        entries = slice(adjacency.indptr[code], adjacency.indptr[code + 1])
        customers = adjacency.indices[entries]
        leading = self.listed[customers] | (self.tier[customers] > 0)
        # Entry order is customer order: the products come in the order a sale-by-sale walk
        # over the leading customers gives.
        rows, _ = self._sale_rows(np.asarray(adjacency.data[entries][leading] - 1, dtype=np.int64))
        return list(dict.fromkeys(self.graph.sale_columns["product"](rows).tolist()))

    @cached_property
    def _reached_listed_counts(self) -> np.ndarray:
        """Per node: how many listed entities it reaches within :attr:`max_tier` sales.

        See :func:`~exposure.analysis.listed_reached_counts`. One pass for every supplier: a report of all
        suppliers reads it instead of searching from each supplier in turn.
        """
        return analysis.listed_reached_counts(self.graph.adjacency, self.listed, self.max_tier)

    def _reached_listed_count(self, code: int) -> int:
        """Return how many listed entities ``code`` reaches within :attr:`max_tier` sales."""
        counts = self.__dict__.get("_reached_listed_counts")
        if counts is not None:  # computed already for a report of every supplier
            return int(counts[code])
        # One search from this supplier: cheaper than the whole-graph pass for a few.
        return len(analysis.reached_listed(self.graph.adjacency, self.listed, code, self.max_tier))

    def _summary(self, code: int, paths: list[dict[str, Any]], figure: float) -> dict[str, Any]:
        """Return what the listed paths leave out, as counts and totals."""
        shown_weight = sum(p["weight"] for p in paths if p["weight"] is not None)
        reached = self._reached_listed_count(code)
        summary: dict[str, Any] = {
            "max_tier": self.max_tier or None,
            "min_weight": self.min_weight,
            "paths_shown": len(paths),
            "unquantified_paths_shown": sum(p["weight"] is None for p in paths),
            "listed_buyers_not_shown": reached - len({p["listed"] for p in paths}),
            "weight_not_shown": None
            if np.isnan(figure)
            else round(float(figure) - shown_weight, 12),
            "routes_not_shown": None,
            "unquantified_routes_not_shown": None,
            "deepest_tier": max((p["tier"] for p in paths), default=None),
            "beyond_tier_limit": False,
        }
        if self.within_tier_limit and self.tier[code] > 0:
            limited = self.within_tier_limit
            unknown_shown = summary["unquantified_paths_shown"]
            summary["routes_not_shown"] = round(float(limited["routes"][code])) - len(paths)
            summary["unquantified_routes_not_shown"] = (
                round(float(limited["unknown_routes"][code])) - unknown_shown
            )
            summary["deepest_tier"] = int(limited["deepest"][code]) or None
            summary["beyond_tier_limit"] = bool(limited["beyond"][code])
        return summary

    # -- views ---------------------------------------------------------------------------------

    def to_networkx(self) -> nx.DiGraph:
        """Return the supply graph with the exposure of each node as attributes.

        Node attributes: ``listed`` (in force on the as-of date), ``exposed``, ``tier``
        (0 when not exposed), ``revenue_at_risk`` (``None`` when unknown) and
        ``revenue_at_risk_is_lower_bound``.
        """
        G = self.graph.to_networkx()
        names = self.graph.names
        figure = self._figures(np.arange(self.graph.n_nodes))
        for code, name in enumerate(names):
            G.nodes[name].update(
                listed=bool(self.listed[code]),
                exposed=bool(self.tier[code] > 0),
                tier=int(max(self.tier[code], 0)),
                revenue_at_risk=None if np.isnan(figure[code]) else float(figure[code]),
                revenue_at_risk_is_lower_bound=bool(self.lower_bound[code]),
            )
        G.graph.update(as_of=self.as_of.isoformat())
        return G

    def plot(self, **options: Any) -> Any:
        """Draw the network (or one supplier's exposure paths); return ``(fig, ax)``.

        See :func:`exposure.render.plot.plot_exposure` for the options.
        """
        from exposure.render.plot import plot_exposure  # matplotlib is slow to import

        return plot_exposure(self, **options)

    def __repr__(self) -> str:
        exposed = int((self.tier[np.asarray(self.graph.supplier_codes)] > 0).sum())
        return (
            f"<Result as of {self.as_of.isoformat()}: {exposed} of "
            f"{len(self.graph.supplier_codes)} suppliers exposed to {int(self.listed.sum())} listed entities>"
        )

    def _repr_html_(self) -> str:
        table = self.suppliers.copy()
        table["revenue_at_risk"] = [
            format_share(v, lb)
            for v, lb in zip(
                table["revenue_at_risk"], table["revenue_at_risk_is_lower_bound"], strict=True
            )
        ]
        table = table.drop(columns="revenue_at_risk_is_lower_bound")
        return f"<p>{html.escape(repr(self))}</p>" + table.to_html(
            index=False, escape=True, na_rep=""
        )


def format_share(value: float | None, lower_bound: bool) -> str:
    """Format a revenue share for people: ``17.0%``, ``≥ 17.0%`` or ``unknown``.

    Examples
    --------
    >>> format_share(0.17, True), format_share(None, True), format_share(0.0, False)
    ('≥ 17.0%', 'unknown', '0.0%')
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "unknown"
    text = f"{100 * value:.1f}%"
    return f"≥ {text}" if lower_bound else text
