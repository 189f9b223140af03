"""Running an analysis and inspecting its result.

:func:`analyze` turns a dataset into a :class:`Result`: the figures of every node of the supply
graph as of a date (who counts as listed, :mod:`exposure.listed`; tier, revenue at risk and
whether it is a lower bound, :mod:`exposure.analysis`), computed for the whole graph at once,
and look-ups of one supplier: its material paths and its record (:mod:`exposure.records`). The
result offers pandas DataFrames for notebooks and plain records that the command line
serialises as JSON, CSV or text.
"""

from __future__ import annotations

import datetime as dt
import difflib
import html
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import sparse

from exposure import analysis
from exposure.errors import ExposureError, UnknownNameError
from exposure.graph import SupplyGraph, build_graph, networkx_graph, objects
from exposure.license_review import license_review
from exposure.listed import Listed
from exposure.ownership import OWNERSHIP_THRESHOLD
from exposure.reach import NO, STATUSES, UNKNOWN, SaleReach, sale_reach
from exposure.read.dataset import Dataset
from exposure.records import (
    MAX_TIER,
    MIN_WEIGHT,
    PATH_FIELDS,
    UNQUANTIFIED_CAP,
    HopsAs,
    RankingLine,
    RecordMaker,
    SupplierRecord,
    restriction_text,
)

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["OPTIONAL_ATTRIBUTES", "Result", "analyze", "parse_date"]

#: Attributes of :meth:`Result.to_networkx` that only some companies and sales carry; the
#: others every one carries (``None`` when unknown).
OPTIONAL_ATTRIBUTES = frozenset(
    {"revenue_at_risk_if_confirmed", "revenue_at_risk_if_confirmed_is_lower_bound",
     "revenue_at_risk_if_reached", "revenue_at_risk_if_reached_is_lower_bound",
     "possibly_listed_as", "affiliate", "affiliate_rule", "other_restrictions", "subject_to_ear",
     "subject_basis", "license_review", "share_basis", "period"}
)  # fmt: skip

#: Revenue at risk's products read only the positive known shares when fewer than this
#: fraction of sales have one: where most shares are known, the copy costs more than it saves.
KEPT_SHARES_BELOW = 0.5


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


#: What a result of a graph built without fuzzy matching rests on, in every report of it.
EXACT_NAMES_ONLY = (
    "names matched exactly only (--no-fuzzy): possible matches of listed entities were not "
    "looked for, so a listed buyer spelled otherwise than its listing is not found"
)


def analyze(
    data: Dataset | SupplyGraph,
    *,
    as_of: str | dt.date | None = None,
    affiliates_rule: bool = True,
    ownership_threshold: float = OWNERSHIP_THRESHOLD,
    ownership_method: str = "cascade",
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
        ``cascade`` (the default: the rules' reading) or ``multiply``; see
        :mod:`exposure.ownership`.
    assume_listed, assume_delisted
        What-if: names to treat as listed, or as no longer listed, on top of the data (one
        name, or several). Every report of such a result says that it rests on an assumption;
        a name the data does not hold, or a what-if that changes nothing, is an error here.
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
    result = Result(
        graph,
        parse_date(as_of),
        affiliates_rule=affiliates_rule,
        ownership_threshold=float(ownership_threshold),
        ownership_method=ownership_method,
        # One name is one what-if, not one per letter.
        assume_listed=(assume_listed,) if isinstance(assume_listed, str) else tuple(assume_listed),
        assume_delisted=(
            (assume_delisted,) if isinstance(assume_delisted, str) else tuple(assume_delisted)
        ),
        max_tier=_at_least(max_tier, 0, "the tier limit"),
        min_weight=_share_in_range(min_weight),
        unquantified_cap=_at_least(unquantified_cap, 0, "the cap of unquantified paths"),
    )
    if result.assume_listed or result.assume_delisted:
        _ = result.listing.assumed  # a bad what-if fails here, not at the first figure read
    return result


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
    ownership_method: str = "cascade"
    assume_listed: tuple[str, ...] = ()
    assume_delisted: tuple[str, ...] = ()
    max_tier: int = MAX_TIER
    min_weight: float = MIN_WEIGHT
    unquantified_cap: int = UNQUANTIFIED_CAP

    # -- who counts as listed ----------------------------------------------------------------

    @cached_property
    def listing(self) -> Listed:
        """Which nodes count as listed on :attr:`as_of`, and why (:class:`~exposure.listed.Listed`)."""
        return Listed(
            self.graph,
            self.as_of,
            affiliates_rule=self.affiliates_rule,
            ownership_threshold=self.ownership_threshold,
            ownership_method=self.ownership_method,
            assume_listed=self.assume_listed,
            assume_delisted=self.assume_delisted,
        )

    @property
    def listed(self) -> np.ndarray:
        """Boolean mask over nodes: treated as listed on :attr:`as_of`.

        By the data, the ownership rules, and any what-if assumption.
        """
        return self.listing.mask

    @property
    def listings_in_force(self) -> pd.DataFrame:
        """The listed rows in force on :attr:`as_of`, earliest first."""
        return self.listing.listings_in_force

    def listing_records(self, *, affiliates: bool = False) -> list[dict[str, Any]]:
        """Return the listings in force as plain records (dates as ISO text, extra columns kept).

        ``affiliates``: the entities listed through their owners too (see
        :meth:`exposure.listed.Listed.listing_records`).
        """
        return self.listing.listing_records(affiliates=affiliates)

    @property
    def affiliates(self) -> pd.DataFrame:
        """Companies that listed entities own a part of (the 50% rules), labelled by name.

        One row per company with a listed ownership, or owned by a listed entity in a part
        the data does not give: ``company``, ``owned_by_listed`` (0 to 1; a lower bound where
        ``possible``, ``NaN`` where none of it is known), ``affiliate`` (it counts as listed
        through its owners), ``possible`` (needs review: a part is unknown), ``rule`` (the
        ownership rule in force, for
        affiliates) and ``owners`` (the listed owners its ownership chains reach). The arrays
        over graph nodes are :attr:`exposure.listed.Listed.affiliates`.

        Examples
        --------
        >>> from exposure import analyze, load
        >>> cetc = ["China Electronics Technology Group"]  # what if Hikvision's owner were listed?
        >>> table = analyze(load(), as_of="2026-11-22", assume_listed=cetc).affiliates
        >>> table[["company", "owned_by_listed", "affiliate"]].values.tolist()
        [['Hikvision', 0.4, False]]
        """
        found = self.listing.affiliates
        possible = found.possible if found.possible is not None else np.zeros_like(found.mask)
        codes = np.flatnonzero((found.owned > 0) | found.mask | possible)
        names = self.graph.names
        rows = []
        for code in codes.tolist():
            explanation = found.explanations.get(code, {})
            rows.append(
                {
                    "company": str(names[code]),
                    # A possible affiliate of which no part is known: unknown, never 0.
                    "owned_by_listed": (
                        np.nan
                        if possible[code] and explanation.get("owned_by_listed") is None
                        else float(found.owned[code])
                    ),
                    "affiliate": bool(found.mask[code]),
                    "possible": bool(possible[code]),
                    "rule": explanation.get("rule"),
                    "owners": list(
                        dict.fromkeys(o["owner"] for o in explanation.get("owners", []))
                    ),
                }
            )
        columns = ["company", "owned_by_listed", "affiliate", "possible", "rule", "owners"]
        return pd.DataFrame(rows, columns=columns)

    @property
    def assumptions(self) -> list[str]:
        """Plain statements of the what-if assumptions this result rests on.

        And, for a graph built without fuzzy matching, :data:`EXACT_NAMES_ONLY`: every report
        of it says that possible matches were not looked for.
        """
        exact = [] if self.graph.fuzzy else [EXACT_NAMES_ONLY]
        return [*exact, *self.listing.assumptions]

    def listing_of(self, code: int) -> dict[str, Any]:
        """Return why a node counts as listed: its list, notice, date, policy and sources."""
        return self.listing.listing_of(code)

    @property
    def possible(self) -> np.ndarray:
        """Boolean mask over nodes: may be a listed entity, pending review (not linked)."""
        return self.listing.possible

    def possible_listing_of(self, code: int) -> tuple[int, dict[str, Any]]:
        """Return the listed node a possible match may be, and that node's listing."""
        return self.listing.possible_listing_of(code)

    def other_restrictions_of(self, code: int) -> list[dict[str, Any]]:
        """Return a node's listings on lists whose restrictions do not reach sales.

        An investment ban is no export control: see :mod:`exposure.restrictions`.
        """
        return self.listing.other_restrictions_of(code)

    @cached_property
    def restricted_otherwise(self) -> np.ndarray:
        """Boolean mask over nodes: with listings that restrict no sale (:meth:`other_restrictions_of`)."""
        mask = np.zeros(self.graph.n_nodes, dtype=bool)
        mask[list(self.listing.other_restrictions)] = True
        return mask

    # -- which sales the rules reach ---------------------------------------------------------

    @cached_property
    def reach(self) -> SaleReach:
        """Each sale to a buyer that counts as listed: whether its listings' rules reach it.

        See :mod:`exposure.reach`: items subject to the EAR for the Entity List, dealings by
        US persons for the SDN list.
        """
        graph = self.graph
        return sale_reach(
            graph.rows,
            graph.nodes["country"].to_numpy(object),
            self.listed,
            self.listing.reach_terms,
        )

    @cached_property
    def reach_if_confirmed(self) -> SaleReach:
        """:attr:`reach`, the sales to possible matches and affiliates assessed too.

        Each with the terms of the listed entity it may be (of its listed owners, for a
        possible affiliate): what the rules would reach were every possible link confirmed.
        """
        if not self.possible.any():
            return self.reach
        graph, listing, listed = self.graph, self.listing, self.listed
        return sale_reach(
            graph.rows,
            graph.nodes["country"].to_numpy(object),
            listed | self.possible,
            lambda code: (
                listing.reach_terms(code) if listed[code] else listing.possible_reach_terms(code)
            ),
        )

    @cached_property
    def sales(self) -> SupplyGraph:
        """The graph every figure is computed on: the sales the rules reach.

        A sale to a listed buyer that no rule reaches (a foreign-made item below the de
        minimis level) is left out; one whose reach is unknown counts with an unknown share,
        so that revenue at risk becomes a lower bound. Nodes and rows are :attr:`graph`'s.
        """
        return self._sales_reached_by(self.reach)

    @cached_property
    def sales_if_confirmed(self) -> SupplyGraph:
        """:attr:`sales` were every possible match and affiliate confirmed.

        A sale to one that the rules would not reach is left out (:attr:`reach_if_confirmed`).
        """
        if not self.possible.any():
            return self.sales
        return self._sales_reached_by(self.reach_if_confirmed)

    def _sales_reached_by(self, reach: SaleReach) -> SupplyGraph:
        if reach.all_counted:
            return self.graph
        status = reach.status_of_rows
        return self.graph.restricted_to(status != NO, status == UNKNOWN)

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
    def shares(self) -> sparse.csr_matrix:
        """The sales' known shares of revenue as a sparse matrix (what revenue at risk reads)."""
        return self._shares_of(self.sales)

    def _shares_of(self, graph: SupplyGraph) -> sparse.csr_matrix:
        # Only sales with a positive known share carry revenue at risk, and the products that
        # compute it read the entries twenty times or more: where most shares are unknown the
        # others are left out once; where most are known, the copy would cost more than the
        # products save, and the zero entries stay (they add nothing to any product).
        shares = self._per_edge(graph.edges["share"].to_numpy(np.float64), graph)
        positive = shares.data > 0
        if np.count_nonzero(positive) < KEPT_SHARES_BELOW * len(positive):
            return analysis.keep_entries(shares, positive)
        return shares

    def _per_edge(self, values: np.ndarray, graph: SupplyGraph | None = None) -> sparse.csr_matrix:
        """Return the adjacency with each edge's entry holding ``values[edge]``.

        The adjacency (of :attr:`sales`, or of ``graph``) stores the edges in their order
        (:attr:`SupplyGraph.adjacency`), so ``values`` are its entries as they are, and its
        index arrays are shared: nothing is copied (ten million edges' values would be 80 MB
        gathered).
        """
        adjacency = (graph or self.sales).adjacency
        if len(values) != adjacency.nnz:
            raise ValueError(f"{len(values)} values for {adjacency.nnz} edges")
        return sparse.csr_matrix(
            (values, adjacency.indices, adjacency.indptr), shape=adjacency.shape, copy=False
        )

    @cached_property
    def tier(self) -> np.ndarray:
        """Per node: 1 = sells to a listed entity, 2 = through one intermediary...; -1 = not exposed."""
        return analysis.tiers(
            self.sales.adjacency, self.listed, reversed_adjacency=self.sales.reversed_adjacency
        )

    @cached_property
    def needs_review(self) -> np.ndarray:
        """Per node: reaches a possible match of a listed entity not through a listed one.

        Its exposure, tier or revenue at risk may change once the match is reviewed
        (``matches.csv``); :attr:`tier` and :attr:`revenue_at_risk` count confirmed links only.
        """
        possible = self.possible
        if not possible.any():
            return possible
        reached = analysis.reach(
            self.sales.adjacency,
            possible,
            ~(self.listed | possible),
            reversed_adjacency=self.sales.reversed_adjacency,
        )
        return reached & ~possible

    @cached_property
    def tier_if_confirmed(self) -> np.ndarray:
        """Per node: the tier were every possible match confirmed (-1: not exposed even so)."""
        if not self.possible.any():
            return self.tier
        sales = self.sales_if_confirmed
        return analysis.tiers(
            sales.adjacency,
            self.listed | self.possible,
            reversed_adjacency=sales.reversed_adjacency,
        )

    @cached_property
    def revenue_at_risk_if_confirmed(self) -> np.ndarray:
        """Per node: the known share of revenue at risk were every possible match confirmed.

        On the sales the rules would then reach (:attr:`sales_if_confirmed`).
        """
        if not self.possible.any():
            return self.revenue_at_risk
        return analysis.revenue_at_risk(
            self._shares_of(self.sales_if_confirmed), self.listed | self.possible
        )

    @cached_property
    def revenue_at_risk_if_reached(self) -> np.ndarray:
        """Per node: the known share of revenue at risk were every sale of unknown reach reached.

        What :attr:`revenue_at_risk` leaves out as unknown (a foreign-made item whose US
        content is unknown, :mod:`exposure.reach`), counted: the figure should the rules
        reach those sales.
        """
        if not (self.reach.status == UNKNOWN).any():
            return self.revenue_at_risk
        return analysis.revenue_at_risk(self._shares_of(self._sales_if_reached), self.listed)

    @cached_property
    def revenue_at_risk_if_confirmed_and_reached(self) -> np.ndarray:
        """Per node: :attr:`revenue_at_risk_if_confirmed`, every sale of unknown reach reached.

        Were every possible match and affiliate confirmed, the figure should the rules reach
        the sales whose reach is then unknown (a foreign-made item whose US content is unknown).
        """
        if not self.possible.any():
            return self.revenue_at_risk_if_reached
        return analysis.revenue_at_risk(
            self._shares_of(self._sales_if_confirmed_and_reached), self.listed | self.possible
        )

    @cached_property
    def lower_bound_if_confirmed_and_reached(self) -> np.ndarray:
        """Per node: :attr:`revenue_at_risk_if_confirmed_and_reached` is a lower bound."""
        if not self.possible.any():
            return self.lower_bound_if_reached
        return self._lower_bound_towards(
            self.listed | self.possible,
            self.tier_if_confirmed,
            self._sales_if_confirmed_and_reached,
        )

    @cached_property
    def _sales_if_confirmed_and_reached(self) -> SupplyGraph:
        """:attr:`sales_if_confirmed`, every sale of unknown reach counted with its share."""
        status = self.reach_if_confirmed.status_of_rows
        return self.graph.restricted_to(status != NO, np.zeros(len(status), dtype=bool))

    @cached_property
    def _sales_if_reached(self) -> SupplyGraph:
        """The sales were every sale of unknown reach reached: those not surely out of reach.

        The same sales as :attr:`sales`, in the same order; their shares all count.
        """
        status = self.reach.status_of_rows
        return self.graph.restricted_to(status != NO, np.zeros(len(status), dtype=bool))

    @cached_property
    def revenue_at_risk(self) -> np.ndarray:
        """Per node: the known share of revenue that ends with listed entities."""
        return analysis.revenue_at_risk(self.shares, self.listed)

    @cached_property
    def lower_bound(self) -> np.ndarray:
        """Per node: an unknown share lies on an exposure path, so the figure is a lower bound."""
        return self._lower_bound_towards(self.listed, self.tier)

    @cached_property
    def lower_bound_if_confirmed(self) -> np.ndarray:
        """Per node: :attr:`revenue_at_risk_if_confirmed` is a lower bound (a share unknown)."""
        if not self.possible.any():
            return self.lower_bound
        return self._lower_bound_towards(
            self.listed | self.possible, self.tier_if_confirmed, self.sales_if_confirmed
        )

    @cached_property
    def lower_bound_if_reached(self) -> np.ndarray:
        """Per node: :attr:`revenue_at_risk_if_reached` is a lower bound (a share unknown)."""
        if not (self.reach.status == UNKNOWN).any():
            return self.lower_bound
        return self._lower_bound_towards(self.listed, self.tier, self._sales_if_reached)

    def _lower_bound_towards(
        self, targets: np.ndarray, tier: np.ndarray, sales: SupplyGraph | None = None
    ) -> np.ndarray:
        """Per node: an unknown share lies on a path to ``targets`` (``tier``: their tiers).

        ``sales``: the graph of the sales to read (:attr:`sales` unless given), on which
        ``tier`` was found.
        """
        sales = self.sales if sales is None else sales
        edges = sales.edges
        dst = edges["dst"].to_numpy()
        # Only sales whose share may be positive carry revenue: a known 0 carries none.
        carrying, carrying_back = self._edge_subgraph(
            edges["unknown_share"].to_numpy() | (edges["share"].to_numpy() > 0), sales
        )
        if carrying is sales.adjacency:
            # Every sale may carry revenue: what reaches a target is what the tiers found (a
            # route through a target stops at the first), no second search.
            may_reach = targets | (tier > 0)
        else:
            may_reach = analysis.reach(
                carrying, targets, ~targets, reversed_adjacency=carrying_back
            )
        leads_on = may_reach[dst]
        seeds = np.zeros(self.sales.n_nodes, dtype=bool)
        seeds[edges["src"].to_numpy()[edges["unknown_share"].to_numpy() & leads_on]] = True
        return analysis.upstream(carrying, seeds, targets, reversed_adjacency=carrying_back)

    @cached_property
    def estimated(self) -> np.ndarray:
        """Per node: the revenue at risk rests in part on an analyst's estimate."""
        return self._rests_on("estimate")

    @cached_property
    def unstated(self) -> np.ndarray:
        """Per node: the revenue at risk rests in part on a share whose basis is not given."""
        return self._rests_on("unstated")

    def _rests_on(self, flag: str) -> np.ndarray:
        """Per node: a sale flagged so (an edge column) carries part of its revenue at risk."""
        edges = self.sales.edges
        flagged = edges[flag].to_numpy()
        if not flagged.any():
            return np.zeros(self.sales.n_nodes, dtype=bool)
        dst = edges["dst"].to_numpy()
        leads_on = self.listed[dst] | (self.revenue_at_risk[dst] > 0)
        seeds = np.zeros(self.sales.n_nodes, dtype=bool)
        seeds[edges["src"].to_numpy()[flagged & leads_on]] = True
        positive, positive_back = self._edge_subgraph(edges["share"].to_numpy() > 0)
        return analysis.upstream(positive, seeds, self.listed, reversed_adjacency=positive_back)

    @cached_property
    def weights(self) -> sparse.csr_matrix:
        """Shares with an explicit entry per edge: ``NaN`` where some share is unknown."""
        return self._weights_of(self.sales)

    @cached_property
    def weights_if_confirmed(self) -> sparse.csr_matrix:
        """:attr:`weights` of :attr:`sales_if_confirmed`: what paths to possible matches read."""
        if not self.possible.any():
            return self.weights
        return self._weights_of(self.sales_if_confirmed)

    def _weights_of(self, sales: SupplyGraph) -> sparse.csr_matrix:
        edges = sales.edges
        return self._per_edge(
            np.where(
                edges["unknown_share"].to_numpy(bool), np.nan, edges["share"].to_numpy(np.float64)
            ),
            sales,
        )

    @cached_property
    def within_tier_limit(self) -> dict[str, np.ndarray]:
        """Per node: figures over routes of at most :attr:`max_tier` sales.

        See :func:`exposure.analysis.limited_figures`; empty arrays when there is no limit.
        """
        if self.max_tier <= 0:
            return {}
        return analysis.limited_figures(
            self.shares, self.weights, self.listed, self.max_tier, tier=self.tier
        )

    def _edge_subgraph(
        self, keep: np.ndarray, sales: SupplyGraph | None = None
    ) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
        """Return the graph of the edges to keep, and the same turned round, for searches.

        Of :attr:`sales`, or of ``sales`` when given. Their entries are ``True`` (searches
        read only where the entries are), unless every edge is kept: then they are the
        graph's own matrices.
        """
        sales = self.sales if sales is None else sales
        forward, back = sales.adjacency, sales.reversed_adjacency
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
        if code is not None and code not in set(self.graph.supplier_codes.tolist()):
            # A name in the data, but only as a customer (or a listed entity): say what it is.
            name = str(self.graph.names[code])
            role = "a listed entity" if self.listed[code] else "a customer"
            msg = (
                f"{supplier!r} is {role} in the data ({name!r}), not a supplier: no sales of "
                f'its own are recorded. Use `exposure screen "{name}"` to see how it matches '
                "the lists, or `exposure listed` for the listings in force."
            )
            raise UnknownNameError(msg)
        if code is None:
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
        records = self.record_maker.path_records(self.code(supplier))
        return pd.DataFrame(records, columns=list(PATH_FIELDS))

    def supplier(self, supplier: str) -> SupplierRecord:
        """Return the full record of one supplier, as in the JSON report."""
        return self.record_maker.record(self.code(supplier))

    def records(self, suppliers: list[str] | None = None) -> list[SupplierRecord]:
        """Return the JSON report: one record per supplier, most exposed first.

        The named suppliers only, in the order named, when ``suppliers`` is given. The list
        of every supplier's record grows with the graph: :meth:`iter_records` yields the same
        records one by one.
        """
        return list(self.iter_records(suppliers))

    def iter_records(
        self,
        suppliers: Sequence[str] | None = None,
        *,
        top: int | None = None,
        hops_as: HopsAs | None = None,
    ) -> Iterator[SupplierRecord]:
        """Yield the records of :meth:`records` one by one, most exposed first.

        For writing the report of every supplier as it is computed
        (:func:`exposure.render.text.json_report_chunks`): the records of every supplier are
        made a chunk of suppliers at a time, at most
        :data:`~exposure.records.PATHS_AT_ONCE` paths' records at once, and none is kept
        once it is yielded; named suppliers' records are made one at a time.

        Parameters
        ----------
        suppliers
            Names (an unknown one raises :class:`UnknownNameError` here, before any record);
            default: every supplier. For more than
            :data:`~exposure.records.COUNTED_AT_ONCE_FROM` suppliers, how
            many listed entities each one reaches is counted for the whole graph at once first
            (:func:`~exposure.analysis.listed_reached_counts`), rather than by a search per supplier.
        top
            Without ``suppliers``: only the ``top`` most exposed suppliers (as ``exposure
            report --top N``); only their records are computed.
        hops_as
            Without ``suppliers``: what each path record holds in ``hops``, for a writer
            (:meth:`~exposure.records.RecordMaker.ranked_records`); by default each hop is a
            copy of its own.

        Examples
        --------
        >>> from exposure import load
        >>> records = analyze(load(), as_of="2019-10-09").iter_records()
        >>> next(records)["supplier"]
        'NeoPhotonics'
        >>> [r["supplier"] for r in analyze(load(), as_of="2019-10-09").iter_records(top=2)]
        ['NeoPhotonics', 'Lumentum']
        """
        if suppliers:
            codes = [self.code(s) for s in suppliers]
            return (self.record_maker.record(code, keep=False) for code in codes)
        return self.record_maker.ranked_records(self.ranked_codes()[:top], hops_as=hops_as)

    def iter_report_batches(
        self, *, top: int | None = None
    ) -> Iterator[tuple[list[SupplierRecord], dict[str, Any]]]:
        """Yield the report of every supplier as tables, most exposed first, a chunk at a time.

        What ``exposure report --format parquet`` writes
        (:func:`exposure.render.columnar.write_parquet_batches`): each chunk's records without
        their paths, and the table of those paths as columns
        (:meth:`~exposure.records.RecordMaker.report_batches`), the rows of :meth:`iter_records`
        made from the arrays.

        Examples
        --------
        >>> from exposure import load
        >>> records, paths = next(analyze(load(), as_of="2019-10-09").iter_report_batches())
        >>> records[0]["supplier"], records[0]["paths"], paths["path"].take(np.array([0])).values.tolist()
        ('NeoPhotonics', [], ['NeoPhotonics', 'Huawei Technologies Co., Ltd.'])
        """
        return self.record_maker.report_batches(self.ranked_codes()[:top])

    @cached_property
    def suppliers(self) -> pd.DataFrame:
        """One row per supplier, most exposed first.

        Columns: ``supplier``, ``exposed``, ``tier`` (``<NA>`` when not exposed),
        ``revenue_at_risk`` (``NaN`` when unknown), ``revenue_at_risk_is_lower_bound``,
        ``share_basis``, ``needs_review`` (reaches a possible match or affiliate of a listed
        entity), ``revenue_at_risk_if_confirmed`` (``NaN`` unless it needs review, or when
        unknown) and ``revenue_at_risk_if_confirmed_is_lower_bound`` (``<NA>`` unless it needs
        review), ``revenue_at_risk_if_reached`` and ``revenue_at_risk_if_reached_is_lower_bound``
        (should the rules reach every sale whose reach is unknown; ``NaN`` and ``<NA>`` where
        that changes nothing), ``revenue_at_risk_if_confirmed_and_reached`` and its
        ``_is_lower_bound`` (both, were the pairs confirmed; ``NaN`` and ``<NA>`` where that
        changes nothing or it needs no review), and over routes within the tier limit (absent without one):
        ``revenue_at_risk_within_tier_limit`` and ``routes_within_tier_limit``. Computed for
        the whole graph at once, without listing paths.
        """
        codes = self.ranked_codes()
        names = self.graph.names
        columns = {
            "supplier": names[codes],
            "exposed": self.tier[codes] > 0,
            "tier": pd.Series(self.tier[codes], dtype="Int64").mask(self.tier[codes] <= 0),
            # As the records give it: to 12 places, without the solver's last digits.
            "revenue_at_risk": np.round(self.revenue_figures(codes), 12),
            "revenue_at_risk_is_lower_bound": self.lower_bound[codes],
            "share_basis": [self.share_basis(c) for c in codes],
            "needs_review": self.needs_review[codes],
        }
        columns["revenue_at_risk_if_confirmed"] = np.round(self.figures_if_confirmed(codes), 12)
        columns["revenue_at_risk_if_confirmed_is_lower_bound"] = pd.Series(
            self.lower_bound_if_confirmed[codes], dtype="boolean"
        ).mask(~self.needs_review[codes])
        # As each record gives it: only where it differs from the figure (unknown read as 0).
        if_reached = self.revenue_at_risk_if_reached[codes]
        known = np.nan_to_num(columns["revenue_at_risk"], nan=0.0)
        differs = (self.tier[codes] > 0) & ~np.isclose(if_reached, known, rtol=0, atol=1e-12)
        columns["revenue_at_risk_if_reached"] = np.where(differs, np.round(if_reached, 12), np.nan)
        columns["revenue_at_risk_if_reached_is_lower_bound"] = pd.Series(
            self.lower_bound_if_reached[codes], dtype="boolean"
        ).mask(~differs)
        # Were the pairs confirmed and every sale of unknown reach reached: as each record
        # gives it, where it needs review and that differs from the figure if confirmed.
        and_reached = self.revenue_at_risk_if_confirmed_and_reached[codes]
        confirmed = np.nan_to_num(columns["revenue_at_risk_if_confirmed"], nan=0.0)
        differs = self.needs_review[codes] & ~np.isclose(and_reached, confirmed, rtol=0, atol=1e-12)
        columns["revenue_at_risk_if_confirmed_and_reached"] = np.where(
            differs, np.round(and_reached, 12), np.nan
        )
        columns["revenue_at_risk_if_confirmed_and_reached_is_lower_bound"] = pd.Series(
            self.lower_bound_if_confirmed_and_reached[codes], dtype="boolean"
        ).mask(~differs)
        if self.within_tier_limit:
            columns["revenue_at_risk_within_tier_limit"] = np.round(
                self.revenue_figures(codes, within_limit=True), 12
            )
            routes = np.round(self.within_tier_limit["routes"][codes])  # counted as floats
            columns["routes_within_tier_limit"] = routes.astype(np.int64)
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

    def revenue_figures(self, codes: np.ndarray, *, within_limit: bool = False) -> np.ndarray:
        """Return revenue at risk as reported: ``NaN`` where no share on any exposure path is known.

        ``within_limit``: over routes within the tier limit (:attr:`within_tier_limit`).
        """
        whole = self.revenue_at_risk[codes].astype(float)
        risk = self.within_tier_limit["revenue_at_risk"][codes] if within_limit else whole
        unknown = self.lower_bound[codes] & (whole <= 0)
        return np.where(unknown, np.nan, risk)

    def figures_if_confirmed(self, codes: np.ndarray) -> np.ndarray:
        """Return the revenue at risk if confirmed as reported: ``NaN`` where none is to report.

        That is, where the supplier needs no review, or where no share on the paths a
        confirmation would add is known (unknown, never 0).
        """
        figure = self.revenue_at_risk_if_confirmed[codes].astype(float)
        unknown = self.lower_bound_if_confirmed[codes] & (figure <= 0)
        return np.where(self.needs_review[codes] & ~unknown, figure, np.nan)

    def ranked_codes(self) -> np.ndarray:
        """Return the suppliers' node codes, most exposed first (the order of every report)."""
        codes = np.asarray(self.graph.supplier_codes)
        figure = self.revenue_figures(codes)
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

    def share_basis(self, code: int) -> str:
        """Return what a supplier's revenue at risk rests on.

        ``disclosed``, ``estimate`` (in part an analyst's), ``unstated`` (in part shares whose
        basis the data does not give) or ``unknown``; empty when the supplier is not exposed.
        """
        if self.tier[code] <= 0:
            return ""
        if self.revenue_at_risk[code] <= 0 and self.lower_bound[code]:
            return "unknown"
        if self.estimated[code]:
            return "estimate"
        return "unstated" if self.unstated[code] else "disclosed"

    @cached_property
    def record_maker(self) -> RecordMaker:
        """What makes this result's per-supplier records (:class:`~exposure.records.RecordMaker`)."""
        return RecordMaker(self)

    def iter_ranking(self, *, top: int | None = None) -> Iterator[RankingLine]:
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
        ('NeoPhotonics', ['Huawei Technologies Co., Ltd.'], 0.49)
        """
        return self.record_maker.ranking(self.ranked_codes()[:top])

    # -- views ---------------------------------------------------------------------------------

    def to_networkx(self) -> nx.DiGraph:
        """Return the supply graph with the exposure of each node as attributes.

        Node attributes: ``listed`` (in force on the as-of date), ``exposed``, ``tier``
        (``None`` when not exposed), ``revenue_at_risk`` (to 12 places as the reports give it;
        ``None`` when unknown, and on a company that sells nothing) and
        ``revenue_at_risk_is_lower_bound`` (``None`` there too), ``needs_review`` (reaches a possible match or
        affiliate of a listed entity) and there ``revenue_at_risk_if_confirmed`` (where known)
        and ``revenue_at_risk_if_confirmed_is_lower_bound``, where the rules' reach of some
        sale is unknown and that changes it ``revenue_at_risk_if_reached`` and
        ``revenue_at_risk_if_reached_is_lower_bound``,
        on a possible match or affiliate ``possibly_listed_as`` (the listed name), and on
        an entity listed through its owners ``affiliate`` and ``affiliate_rule``, on one with
        listings that restrict no sale ``other_restrictions`` (the lists and what they
        restrict, ``;``-separated). A sale carries ``share``, ``share_is_lower_bound``,
        where some share is known ``share_basis`` (``disclosed``, ``estimate``, ``unstated``),
        where the data gives one ``period``, ``products`` and ``sources``
        (:meth:`SupplyGraph.attribute_tables <exposure.graph.SupplyGraph.attribute_tables>`);
        a sale to a listed buyer carries ``subject_to_ear`` and
        ``subject_basis`` (:meth:`sale_reach_of_edges`) and ``license_review`` (by the sale's
        ECCN, :mod:`exposure.license_review`). Graph
        attributes: ``as_of`` and ``assumptions`` (the what-ifs, ``;``-separated).
        """
        return networkx_graph(
            *self.attribute_tables(), graph=self.graph_attributes(), optional=OPTIONAL_ATTRIBUTES
        )

    def graph_attributes(self) -> dict[str, str]:
        """Return the attributes of the whole graph: ``as_of`` and ``assumptions`` (``;``-joined)."""
        return {"as_of": self.as_of.isoformat(), "assumptions": "; ".join(self.assumptions)}

    def attribute_tables(self, *, joined: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Return the attributes of :meth:`to_networkx` as columns, for the nodes and the sales.

        As :meth:`SupplyGraph.attribute_tables <exposure.graph.SupplyGraph.attribute_tables>`
        gives them (``joined`` as there), with the exposure columns after; a column of
        :data:`OPTIONAL_ATTRIBUTES` holds ``None`` where the attribute is absent.
        """
        nodes, edges = self.graph.attribute_tables(joined=joined)
        n = self.graph.n_nodes
        names = self.graph.names
        # As the reports give them: to 12 places, ``None`` where unknown, and where it does not
        # apply (a company that sells nothing has no revenue to lose; not 0).
        sells = np.zeros(n, dtype=bool)
        sells[np.asarray(self.graph.supplier_codes, dtype=np.int64)] = True
        figure = np.round(self.revenue_figures(np.arange(n)), 12)
        revenue = figure.astype(object)
        revenue[np.isnan(figure) | ~sells] = None
        lower_bound = self.lower_bound.astype(object)
        lower_bound[~sells] = None
        tier = self.tier.astype(object)
        tier[self.tier <= 0] = None
        # Were every possible match and affiliate confirmed: only where some need review.
        confirmed = np.round(self.figures_if_confirmed(np.arange(n)), 12)
        if_confirmed = confirmed.astype(object)
        if_confirmed[np.isnan(confirmed)] = None
        if_confirmed_lower = np.full(n, None, dtype=object)
        review = np.flatnonzero(self.needs_review)
        if_confirmed_lower[review] = self.lower_bound_if_confirmed[review].tolist()
        # Were every sale of unknown reach reached: where that differs, as the records say.
        reached = np.round(self.revenue_at_risk_if_reached, 12)
        known = np.nan_to_num(np.asarray(figure, dtype=np.float64), nan=0.0)
        differs = (self.tier > 0) & ~np.isclose(reached, known, rtol=0, atol=1e-12)
        differs &= ~np.isnan(reached)
        if_reached = np.full(n, None, dtype=object)
        if_reached[differs] = reached[differs].tolist()
        if_reached_lower = np.full(n, None, dtype=object)
        if_reached_lower[differs] = self.lower_bound_if_reached[differs].tolist()
        possible = np.full(n, None, dtype=object)
        for code in np.flatnonzero(self.possible).tolist():
            possible[code] = str(names[self.possible_listing_of(code)[0]])
        affiliate = np.full(n, None, dtype=object)
        affiliate_rule = np.full(n, None, dtype=object)
        found = self.listing.affiliates
        for code in np.flatnonzero(found.mask).tolist():
            affiliate[code] = True
            affiliate_rule[code] = str(found.explanations[code]["rule"] or "")
        others = np.full(n, None, dtype=object)
        for code, restrictions in self.listing.other_restrictions.items():
            others[code] = "; ".join(restriction_text(r) for r in restrictions)
        exposure = objects(
            listed=self.listed,
            exposed=self.tier > 0,
            # A tier only where exposed: 0 would read as one.
            tier=tier,
            revenue_at_risk=revenue,
            revenue_at_risk_is_lower_bound=lower_bound,
            needs_review=self.needs_review,
            revenue_at_risk_if_confirmed=if_confirmed,
            revenue_at_risk_if_confirmed_is_lower_bound=if_confirmed_lower,
            revenue_at_risk_if_reached=if_reached,
            revenue_at_risk_if_reached_is_lower_bound=if_reached_lower,
            possibly_listed_as=possible,
            affiliate=affiliate,
            affiliate_rule=affiliate_rule,
            other_restrictions=others,
        )
        nodes = pd.concat([nodes, exposure], axis=1)
        reach = self.sale_reach_of_edges()
        subject = np.full(len(edges), None, dtype=object)
        basis, review = subject.copy(), subject.copy()
        if reach:
            pairs = np.array(list(reach), dtype=np.int64).reshape(-1, 2)
            position = self.graph.edges_between(pairs[:, 0], pairs[:, 1]).tolist()
            eccn_of = self.graph.sale_columns.get("eccn")
            for (src, dst), (status, reasons), at in zip(
                reach, reach.values(), position, strict=True
            ):
                eccns = (
                    sorted({e for e in eccn_of(self.graph.rows_of(src, dst)) if e})
                    if eccn_of
                    else []
                )
                found_review = license_review(
                    self.listing_of(dst)["license_policy"], eccns[0] if len(eccns) == 1 else None
                )
                subject[at], basis[at], review[at] = status, reasons, found_review or ""
        edges = pd.concat(
            [edges, objects(subject_to_ear=subject, subject_basis=basis, license_review=review)],
            axis=1,
        )
        return nodes, edges

    def sale_reach_of_edges(self) -> dict[tuple[int, int], tuple[str, str]]:
        """Return, per sale to a listed buyer, whether the rules reach it and why.

        Keyed by (seller, buyer) node codes: the surest status of the sale's rows
        (``yes``, ``assumed``, ``unknown`` or ``no``) and their reasons, ``;``-separated.
        """
        reach = self.reach
        rows = self.graph.rows
        src = rows["src"].to_numpy()[reach.rows].tolist()
        dst = rows["dst"].to_numpy()[reach.rows].tolist()
        found: dict[tuple[int, int], tuple[int, list[str]]] = {}
        for row, a, b, status in zip(
            reach.rows.tolist(), src, dst, reach.status.tolist(), strict=True
        ):
            told = reach.of_row(row)
            surest, reasons = found.get((a, b), (-1, []))
            if told and told[1] not in reasons:
                reasons = [*reasons, told[1]]
            found[(a, b)] = (max(surest, status), reasons)
        return {key: (STATUSES[s], "; ".join(r)) for key, (s, r) in found.items()}

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


def significant(number: float, digits: int) -> str:
    """Return a number with ``digits`` significant digits, never in exponent notation.

    Examples
    --------
    >>> significant(0.0000123, 2), significant(12.345, 3), significant(17.0, 3)
    ('0.000012', '12.3', '17')
    """
    return np.format_float_positional(
        number, precision=digits, unique=False, fractional=False, trim="-"
    )


def format_share(value: float | None, lower_bound: bool) -> str:
    """Format a revenue share for people: ``17.0%``, ``≥ 17.0%`` or ``unknown``.

    A share under 0.1% keeps two significant digits: rounded to ``0.0%`` it would read as
    none, and ``0.1%`` would overstate it.

    Examples
    --------
    >>> format_share(0.17, True), format_share(None, True), format_share(0.0, False)
    ('≥ 17.0%', 'unknown', '0.0%')
    >>> format_share(0.0004, False), format_share(0.0000012, True), format_share(0.00123, False)
    ('0.04%', '≥ 0.00012%', '0.1%')
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "unknown"
    percent = 100 * value
    text = f"{significant(percent, 2)}%" if 0 < percent < 0.095 else f"{percent:.1f}%"
    return f"≥ {text}" if lower_bound else text
