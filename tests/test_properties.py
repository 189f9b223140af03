"""Properties that must hold on every graph, checked with hypothesis on random small networks.

Each network (up to 12 companies, cycles allowed, shares known, unknown or split over two
products, listings in force, ended or not yet in force) is written as ``listed.csv`` and
``suppliers.csv``, loaded and analysed as a user would, and compared with a plain reference
written here: tiers by breadth-first search, revenue at risk by solving the linear system with
numpy. Random bytes fed to each reader give a clean error or a table, never another exception.

Example counts are modest and the examples are derandomised, so the module runs in seconds and
CI cannot flake.
"""

from __future__ import annotations

import csv
import itertools
import math
import tempfile
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import exposure
from exposure import analysis
from exposure.changes import diff
from exposure.graph import bits_per_node, edge_order
from exposure.names import name_key
from exposure.read.dataset import read_listed, read_ownership, read_suppliers

read_csl: Callable[..., object] | None
read_names: Callable[..., object] | None
try:
    from exposure.read.csl import read_csl
except ImportError:  # pragma: no cover - the CSL importer is a separate module
    read_csl = None
try:
    from exposure.read.tables import read_names
except ImportError:  # pragma: no cover - screening is a separate module
    read_names = None

AS_OF = "2020-01-01"
#: Listing dates by status on AS_OF.
STATUSES = {
    "in force": ("2019-01-01", ""),
    "ended": ("2018-01-01", "2019-06-01"),
    "future": ("2021-01-01", ""),
}
PRODUCTS = ("chips", "boards")
MAX_TIER = 4  # the default tier limit of a report


def examples(n: int) -> Any:
    return settings(
        max_examples=n,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# -- networks and how to write them ----------------------------------------------------------


@dataclass(frozen=True)
class Network:
    """Companies (by index), supply rows and listings."""

    names: tuple[str, ...]
    #: (supplier, customer, product, share or None when unknown, basis)
    rows: tuple[tuple[int, int, str, float | None, str], ...]
    #: node -> status on AS_OF ("in force", "ended", "future")
    listings: dict[int, str] = field(default_factory=dict)

    @property
    def listed(self) -> set[int]:
        return {node for node, status in self.listings.items() if status == "in force"}

    @property
    def traded(self) -> list[int]:
        """Companies that appear in a sale, in order."""
        return sorted({r[0] for r in self.rows} | {r[1] for r in self.rows})

    def renamed(self, names: Sequence[str]) -> Network:
        return replace(self, names=tuple(names))

    def with_listing(self, node: int) -> Network:
        return replace(self, listings={**self.listings, node: "in force"})

    def write(self, folder: Path) -> Path:
        with (folder / "suppliers.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(
                ["supplier", "customer", "product", "revenue_share", "share_basis", "source"]
            )
            for u, v, product, share, basis in self.rows:
                cell = "" if share is None else repr(share)
                writer.writerow([self.names[u], self.names[v], product, cell, basis, f"s{u}-{v}"])
        with (folder / "listed.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["name", "list", "start_date", "end_date", "source"])
            for node, status in sorted(self.listings.items()):
                start, end = STATUSES[status]
                writer.writerow([self.names[node], "Entity List", start, end, f"l{node}"])
        return folder


@contextmanager
def analysed(network: Network, **options: Any) -> Iterator[exposure.Result]:
    with tempfile.TemporaryDirectory() as folder:
        data = exposure.load(network.write(Path(folder)))
        yield exposure.analyze(data, as_of=AS_OF, **options)


@st.composite
def networks(draw: st.DrawFn, max_nodes: int = 12) -> Network:
    n = draw(st.integers(2, max_nodes))
    pairs = [(u, v) for u in range(n) for v in range(n) if u != v]
    edges = draw(
        st.lists(st.sampled_from(pairs), min_size=1, max_size=min(len(pairs), 3 * n), unique=True)
    )
    if draw(st.booleans()):  # a chain through every company: deep tiers, and cycles with the rest
        edges = sorted(set(edges) | {(i, i + 1) for i in range(n - 1)})
    zero_allowed = draw(st.sampled_from([False, False, False, True]))
    rows: list[tuple[int, int, str, float | None, str]] = []
    for u in sorted({e[0] for e in edges}):
        # Each supplier's known shares add up to `total` (often exactly 1: closed cycles).
        total = draw(st.sampled_from([1.0, 1.0, 0.5]) | st.floats(0.0, 1.0))
        drafts = []
        for v in sorted(e[1] for e in edges if e[0] == u):
            for product in PRODUCTS[: draw(st.integers(1, 2))]:
                weight = draw(
                    st.none() | st.integers(0 if zero_allowed else 1, 100)
                )  # None: unknown
                drafts.append((v, product, weight))
        known = sum(w for _, _, w in drafts if w is not None)
        for v, product, weight in drafts:
            if weight is None:
                rows.append((u, v, product, None, ""))
                continue
            share = math.floor(total * weight / known * 1e6) / 1e6 if known else 0.0
            rows.append((u, v, product, share, draw(st.sampled_from(["disclosed", "estimate"]))))
    statuses = st.sampled_from(["in force", "in force", "ended", "future"])
    listings = draw(st.dictionaries(st.integers(0, n - 1), statuses, min_size=1, max_size=n))
    return Network(tuple(f"Company {i}" for i in range(n)), tuple(rows), listings)


# -- the reference -----------------------------------------------------------------------------


@dataclass
class Reference:
    """Plain answers: tier (None: not exposed), revenue at risk, lower bound, quantified."""

    tier: dict[int, int | None]
    risk: dict[int, float]
    lower_bound: dict[int, bool]
    quantified: dict[int, bool]
    #: Revenue at risk over routes of at most MAX_TIER sales.
    risk_within_tier_limit: dict[int, float]
    #: The listed entities each company reaches, and the fewest sales to each.
    nearest: dict[int, dict[int, int]]
    #: Some route (a walk: it may go round a cycle) is longer than MAX_TIER sales.
    beyond: dict[int, bool]


def reference(network: Network, listed: set[int] | None = None) -> Reference:
    listed = network.listed if listed is None else listed
    n = len(network.names)
    known = np.zeros((n, n))
    unknown: set[tuple[int, int]] = set()
    succ: dict[int, set[int]] = defaultdict(set)
    for u, v, _, share, _ in network.rows:
        succ[u].add(v)
        if share is None:
            unknown.add((u, v))
        else:
            known[u, v] += share

    def lower_bound(u: int) -> bool:
        # Some walk u -> ... -> listed, through unlisted companies, has an unknown share.
        frontier = [(u, False)]
        seen: set[tuple[int, bool]] = set()
        while frontier:
            following = []
            for x, flagged in frontier:
                for v in succ[x]:
                    if (x, v) not in unknown and known[x, v] == 0:
                        continue  # a share known to be 0 carries no revenue
                    now = flagged or (x, v) in unknown
                    if v in listed and now:
                        return True
                    if v not in listed and (v, now) not in seen:
                        seen.add((v, now))
                        following.append((v, now))
            frontier = following
        return False

    def nearest(u: int) -> dict[int, int]:
        # Breadth-first from u, every listed entity reached with its depth; a listed u counts
        # when its sales come back to it.
        found: dict[int, int] = {}
        frontier, seen, depth = [u], {u}, 0
        while frontier:
            depth += 1
            following = []
            for x in frontier:
                for v in sorted(succ[x]):
                    if v in listed:
                        found.setdefault(v, depth)
                    elif v not in seen:
                        seen.add(v)
                        following.append(v)
            frontier = following
        return found

    def tier(u: int) -> int | None:
        return min(nearest(u).values(), default=None)

    def beyond(u: int) -> bool:
        # After MAX_TIER sales to unlisted companies, one that still reaches a listed entity.
        frontier = {u}
        for _ in range(MAX_TIER):
            frontier = {v for x in frontier for v in succ[x] if v not in listed}
        return any(tier(v) is not None for v in frontier)

    # Companies whose revenue reaches a listed entity along known, positive shares.
    positive = set()
    changed = True
    while changed:
        changed = False
        for u in range(n):
            if u not in positive and any(
                known[u, v] > 0 and (v in listed or v in positive) for v in succ[u]
            ):
                positive.add(u)
                changed = True
    # at_risk = K @ (listed + unlisted * at_risk), solved exactly where it is positive.
    is_listed = np.array([i in listed for i in range(n)], dtype=float)
    onward = known * (1 - is_listed)[None, :]
    index = sorted(positive)
    risk = np.zeros(n)
    if index:
        system = np.eye(len(index)) - onward[np.ix_(index, index)]
        risk[index] = np.linalg.solve(system, (known @ is_listed)[index])
    limited = known @ is_listed
    for _ in range(MAX_TIER - 1):
        limited = known @ is_listed + onward @ limited
    return Reference(
        tier={u: tier(u) for u in range(n)},
        risk={u: float(risk[u]) for u in range(n)},
        lower_bound={u: lower_bound(u) for u in range(n)},
        quantified={u: u in positive for u in range(n)},
        risk_within_tier_limit={u: float(limited[u]) for u in range(n)},
        nearest={u: nearest(u) for u in range(n)},
        beyond={u: beyond(u) for u in range(n)},
    )


# -- the analysis agrees with the reference -----------------------------------------------------


def figures(result: exposure.Result, name: str) -> tuple[int | None, float, bool]:
    code = result.graph.code(name)
    assert code is not None, name
    tier = int(result.tier[code])
    return (
        tier if tier > 0 else None,
        float(result.revenue_at_risk[code]),
        bool(result.lower_bound[code]),
    )


@pytest.mark.parametrize("search_from", [analysis.SEARCH_FROM, 0], ids=["products", "search"])
@pytest.mark.parametrize("kept_below", [0.0, 1.1], ids=["all shares", "positive shares"])
@examples(40)
@given(network=networks())
def test_the_analysis_agrees_with_a_plain_reference(
    network: Network, search_from: int, kept_below: float
) -> None:
    """Both ways of finding path lengths (sparse products; a search in C on large graphs), and
    revenue at risk over every share or over the positive ones only."""
    expected = reference(network)
    with (
        mock.patch.object(analysis, "SEARCH_FROM", search_from),
        mock.patch("exposure.result.KEPT_SHARES_BELOW", kept_below),
        analysed(network) as result,
    ):
        for node in network.traded:
            name = network.names[node]
            assert bool(result.listed[result.graph.code(name)]) == (node in network.listed)
            tier, risk, lower = figures(result, name)
            assert tier == expected.tier[node], name
            assert risk == pytest.approx(expected.risk[node], abs=1e-9), name
            assert lower == expected.lower_bound[node], name
        for record in result.records():
            node = network.names.index(record["supplier"])
            assert record["exposed"] == (expected.tier[node] is not None)
            assert record["tier"] == expected.tier[node]
            unknown = (
                record["exposed"] and expected.lower_bound[node] and not expected.quantified[node]
            )
            assert (record["revenue_at_risk"] is None) == unknown, record["supplier"]
            if record["revenue_at_risk"] is not None:
                assert record["revenue_at_risk"] == pytest.approx(expected.risk[node], abs=1e-9)
            limited = record["revenue_at_risk_within_tier_limit"]
            if limited is not None:
                assert limited == pytest.approx(expected.risk_within_tier_limit[node], abs=1e-9)
                assert record["revenue_at_risk"] is not None
                assert limited <= record["revenue_at_risk"] + 1e-9
            check_paths(network, record)
            check_explained(network, expected, node, record)


@pytest.mark.parametrize("seed", range(3))
def test_every_exposure_is_explained_on_a_large_random_graph_with_cycles(seed: int) -> None:
    """300 companies, cycles, deep chains, unknown shares: every record agrees with the
    reference on tier, listed buyers reached (shown + counted), paths to the nearest ones, the
    deepest tier and the beyond flag."""
    rng = np.random.default_rng(seed)
    n = 300
    edges = {(int(u), int(v)) for u, v in rng.integers(0, n, size=(500, 2)) if u != v}
    edges |= {(i, i + 1) for i in range(0, n - 1, 3)}  # chains of tiers deeper than the limit
    rows = []
    for u, v in sorted(edges):
        share = None if rng.random() < 0.2 else round(float(rng.uniform(0.001, 0.2)), 4)
        rows.append((u, v, "chips", share, "disclosed"))
    listed = rng.choice(n, size=12, replace=False).tolist()
    network = Network(
        tuple(f"Company {i}" for i in range(n)), tuple(rows), dict.fromkeys(listed, "in force")
    )
    expected = reference(network)
    checked = 0
    with analysed(network) as result:
        for record in result.records():
            node = network.names.index(record["supplier"])
            assert record["tier"] == expected.tier[node]
            check_paths(network, record)
            check_explained(network, expected, node, record)
            checked += record["exposed"]
    assert checked > 100  # most companies are exposed: the checks ran


def check_explained(
    network: Network, expected: Reference, node: int, record: Mapping[str, Any]
) -> None:
    """Every listed buyer reached is shown or counted, each nearest one by a shortest path."""
    nearest = expected.nearest[node]
    summary = record["summary"]
    shown = {p["listed"] for p in record["paths"]}
    assert summary["listed_buyers_reached"] == len(nearest)
    assert len(shown) + summary["listed_buyers_not_shown"] == len(nearest)
    assert summary["deepest_tier"] == max(nearest.values(), default=None)
    assert summary["beyond_tier_limit"] == expected.beyond[node]
    at_tier = {network.names[b] for b, sales in nearest.items() if sales == record["tier"]}
    explained = {p["listed"] for p in record["paths"] if p["tier"] == record["tier"]}
    assert explained == at_tier, "a shortest path to each nearest listed buyer"


def check_paths(network: Network, record: Mapping[str, Any]) -> None:
    """Each path is a real route to a listed entity and weighs the product of its shares."""
    listed = {network.names[i] for i in network.listed}
    shares: dict[tuple[str, str], list[float | None]] = defaultdict(list)
    for u, v, _, share, _ in network.rows:
        shares[network.names[u], network.names[v]].append(share)
    direct = {c for (s, c) in shares if s == record["supplier"] and c in listed}
    tier_one = {p["listed"] for p in record["paths"] if p["tier"] == 1}
    assert tier_one == direct  # every sale to a listed entity is shown, whatever its weight
    total = 0.0
    for path in record["paths"]:
        names = path["path"]
        assert names[0] == record["supplier"]
        assert names[-1] == path["listed"] in listed
        assert not set(names[1:-1]) & listed, "paths stop at the first listed entity"
        # Paths never visit a company twice, but a listed supplier's may end back at it.
        assert len(set(names[:-1])) == len(names) - 1, "paths never visit a company twice"
        assert names[-1] not in names[1:-1]
        assert path["tier"] == len(names) - 1 >= record["tier"]
        hop_shares = [shares[a, b] for a, b in itertools.pairwise(names)]
        if any(None in s for s in hop_shares):
            assert path["weight"] is None
        else:
            weight = math.prod(sum(cast(list[float], s)) for s in hop_shares)  # no None left
            assert path["weight"] == pytest.approx(weight, abs=1e-9)
            total += path["weight"]
    summary = record["summary"]
    counts = ("routes_not_shown", "unquantified_routes_not_shown", "listed_buyers_not_shown")
    for count in counts:
        assert summary[count] is None or summary[count] >= 0, count
    if record["revenue_at_risk"] is not None:
        assert total <= record["revenue_at_risk"] + 1e-9
        assert record["summary"]["weight_not_shown"] == pytest.approx(
            record["revenue_at_risk"] - total, abs=1e-9
        )


def test_a_sale_with_a_known_share_of_0_counts_as_a_route() -> None:
    """Found by the properties: routes_not_shown was -1 (explicit zeros dropped)."""
    network = Network(("Maker", "Listed"), ((0, 1, "chips", 0.0, "disclosed"),), {1: "in force"})
    with analysed(network) as result:
        record = result.supplier("Maker")
    assert [p["path"] for p in record["paths"]] == [["Maker", "Listed"]]
    assert record["summary"]["routes_not_shown"] == 0
    assert record["summary"]["deepest_tier"] == 1


def test_a_sale_known_only_in_part_counts_as_an_unquantified_route() -> None:
    """Found by the properties: one product's share known, another's not, gave -1 routes."""
    rows = ((0, 1, "chips", 0.5, "disclosed"), (0, 1, "boards", None, ""))
    network = Network(("Maker", "Listed"), rows, {1: "in force"})
    with analysed(network) as result:
        record = result.supplier("Maker")
    assert [(p["path"], p["weight"]) for p in record["paths"]] == [(["Maker", "Listed"], None)]
    assert record["summary"]["unquantified_paths_shown"] == 1
    assert record["summary"]["unquantified_routes_not_shown"] == 0


def test_a_disclosed_share_of_0_is_disclosed_not_unknown() -> None:
    """Found by the properties: a disclosed 0 was reported as "no share is known"."""
    network = Network(("Maker", "Listed"), ((0, 1, "chips", 0.0, "disclosed"),), {1: "in force"})
    with analysed(network) as result:
        record = result.supplier("Maker")
    assert record["revenue_at_risk"] == 0.0
    assert record["revenue_at_risk_is_lower_bound"] is False
    assert record["share_basis"] == "disclosed"


@examples(20)
@given(networks(), st.data())
def test_adding_a_listing_never_lowers_any_exposure(network: Network, data: st.DataObject) -> None:
    unlisted = [node for node in network.traded if node not in network.listed]
    assume(unlisted)  # assuming a listed company listed is refused: it changes nothing
    node = data.draw(st.sampled_from(unlisted))
    name = network.names[node]
    more = network.with_listing(node)
    with (
        analysed(network) as before,
        analysed(more) as after,
        analysed(network, assume_listed=[name]) as what_if,
        analysed(more, assume_delisted=[name]) as undone,
    ):
        for other in network.traded:
            other_name = network.names[other]
            tier_before, risk_before, _ = figures(before, other_name)
            tier_after, risk_after, _ = figures(after, other_name)
            if tier_before is not None:
                assert tier_after is not None, other_name
                assert tier_after <= tier_before, other_name
            assert risk_after >= risk_before - 1e-12, other_name
            # Assuming the listing (what-if) gives what listing it in the data gives.
            tier_if, risk_if, _ = figures(what_if, other_name)
            assert tier_if == tier_after, other_name
            assert risk_if == pytest.approx(risk_after, abs=1e-12), other_name
            # And assuming it delisted undoes the listing.
            tier_undone, risk_undone, _ = figures(undone, other_name)
            assert tier_undone == tier_before, other_name
            assert risk_undone == pytest.approx(risk_before, abs=1e-12), other_name


@examples(20)
@given(networks())
def test_revenue_at_risk_stays_between_0_and_1(network: Network) -> None:
    with analysed(network) as result:
        risk = result.revenue_at_risk
        assert np.all(risk >= 0)
        assert np.all(risk <= 1)
        for record in result.records():
            for value in (record["revenue_at_risk"], record["revenue_at_risk_within_tier_limit"]):
                assert value is None or 0 <= value <= 1
            for path in record["paths"]:
                assert path["weight"] is None or 0 <= path["weight"] <= 1


RANKING_FIELDS = (
    "supplier", "exposed", "tier", "listed_buyers", "revenue_at_risk",
    "revenue_at_risk_is_lower_bound", "share_basis", "assumptions", "needs_review",
    "revenue_at_risk_if_confirmed",
)  # fmt: skip


@given(networks(), st.sampled_from([{}, {"max_tier": 2, "min_weight": 0.3, "unquantified_cap": 1}]))
@examples(60)
def test_the_ranking_of_every_supplier_is_what_their_full_records_say(
    network: Network, options: dict[str, Any]
) -> None:
    """``report`` without ``--supplier`` draws its table from the ranking's lines alone.

    A line names the listed buyers of the supplier's material paths (the nearest ones when it
    has none) and counts every one it reaches, as its record's summary does.
    """
    with analysed(network, **options) as result:
        records = result.records()
        with mock.patch("exposure.records.RANKED_AT_ONCE", 2):  # chunks searched side by side
            lines = list(result.iter_ranking())
        fields = [k for k in RANKING_FIELDS if k != "listed_buyers"]
        assert [{k: dict(line)[k] for k in fields} for line in lines] == [
            {k: dict(r)[k] for k in fields} for r in records
        ]
        for line, record in zip(lines, records, strict=True):
            assert set(line["listed_buyers"]) <= set(record["listed_buyers"])
            assert bool(line["listed_buyers"]) == bool(record["listed_buyers"])
            reached = line.get("listed_buyers_reached")
            assert reached == record["summary"]["listed_buyers_reached"]


@pytest.mark.parametrize(("share", "leak"), [(1.0, 1e-6), (0.999999, 1e-6), (0.5, 0.25)])
@pytest.mark.parametrize("size", [2, 12, 300])
def test_cycles_terminate_and_are_solved_exactly(share: float, leak: float, size: int) -> None:
    """A ring whose companies pass (almost) all revenue on; one leaks a little to a listing."""
    names = tuple(f"Company {i}" for i in range(size + 1))
    rows = [(i, (i + 1) % size, "chips", share, "disclosed") for i in range(size)]
    rows[0] = (0, 1, "chips", round(share - leak, 6), "disclosed")
    rows.append((0, size, "chips", leak, "disclosed"))  # company `size` is listed
    network = Network(names, tuple(rows), {size: "in force"})
    expected = reference(network)
    with analysed(network, max_tier=4) as result:
        for node in range(size):
            tier, risk, lower = figures(result, names[node])
            assert tier == expected.tier[node]
            assert risk == pytest.approx(expected.risk[node], abs=1e-9)
            assert lower is False
        assert len(result.records()) == size


@examples(15)
@given(networks(max_nodes=8), st.data())
def test_renaming_entities_changes_nothing_but_names(network: Network, data: st.DataObject) -> None:
    text = st.text(
        st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
        min_size=1,
        max_size=10,
    )
    new = data.draw(st.lists(text, min_size=len(network.names), max_size=len(network.names)))
    new = [f"{name} {i}" if i % 2 else f"{i} {name}" for i, name in enumerate(new)]
    keys = [name_key(n) for n in new]
    assume(all(keys) and len(set(keys)) == len(keys) and all(n == n.strip() for n in new))
    mapping = dict(zip(network.names, new, strict=True))
    options = {"unquantified_cap": 10_000}  # no arbitrary choice among unquantified paths
    with analysed(network, **options) as before, analysed(network.renamed(new), **options) as after:
        expected = {r["supplier"]: canonical(r, mapping) for r in before.records()}
        got = {r["supplier"]: canonical(r, {}) for r in after.records()}
    assert got == {mapping[k]: v for k, v in expected.items()}


def canonical(record: Mapping[str, Any], mapping: dict[str, str]) -> Any:
    """The record with names mapped and the order of equal-ranked items made irrelevant."""

    def name(x: Any) -> Any:
        return mapping.get(x, x) if isinstance(x, str) else x

    def path(p: dict[str, Any]) -> tuple[Any, ...]:
        hops = tuple(
            (
                name(h["supplier"]),
                name(h["customer"]),
                tuple(sorted(h["products"])),
                h["revenue_share"],
            )
            for h in p["hops"]
        )
        return (name(p["listed"]), p["tier"], p["weight"], tuple(name(x) for x in p["path"]), hops)

    return (
        name(record["supplier"]),
        record["exposed"],
        record["tier"],
        tuple(sorted(name(b) for b in record["listed_buyers"])),
        tuple(sorted(record["products"])),
        record["revenue_at_risk"],
        record["revenue_at_risk_is_lower_bound"],
        record["share_basis"],
        record["revenue_at_risk_within_tier_limit"],
        tuple(sorted(record["summary"].items())),
        tuple(sorted((path(p) for p in record["paths"]), key=repr)),
    )


# -- random bytes never give a traceback --------------------------------------------------------

READERS: dict[str, Callable[[Path], object]] = {
    "suppliers.csv": read_suppliers,
    "listed.csv": read_listed,
    "ownership.csv": read_ownership,
}
if read_csl is not None:
    READERS["consolidated.csv"] = read_csl
    READERS["consolidated.json"] = read_csl
if read_names is not None:
    READERS["names.csv"] = read_names

HEADERS = {
    "suppliers.csv": "supplier,customer,product,revenue_share,share_basis,supplier_country,source\n",
    "listed.csv": "name,list,start_date,end_date,country,kind,source\n",
    "ownership.csv": "owner,owned,percent,source\n",
    "consolidated.csv": "source,entity_number,name,alt_names,addresses,federal_register_notice,"
    "start_date,end_date,license_policy,source_list_url\n",
    "consolidated.json": '{"results": [',
    "names.csv": "name,country\n",
}
#: Characters that make CSV, numbers and dates interesting.
CSV_ALPHABET = st.sampled_from([*',,,"\n\n\r;%.-+=@e0123456789 \t\ufeffAaBbCcLtdIn/:x\xe9\x00{}[]'])


def read_or_fail_cleanly(file_name: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / file_name
        path.write_bytes(data)
        try:
            with warnings.catch_warnings():
                # A warning about what was read (rows without a name left out) is no failure.
                warnings.simplefilter("ignore", UserWarning)
                READERS[file_name](path)
        except exposure.ExposureError as error:
            message = str(error)
        else:
            message = "read"
    assert message, "an error must say what is wrong"


@pytest.mark.parametrize("file_name", sorted(READERS))
@examples(30)
@given(data=st.binary(max_size=400))
def test_random_bytes_give_a_clean_error_or_a_table(file_name: str, data: bytes) -> None:
    read_or_fail_cleanly(file_name, data)


@pytest.mark.parametrize("file_name", sorted(READERS))
@examples(30)
@given(body=st.text(CSV_ALPHABET, max_size=300))
def test_random_rows_under_a_real_header_give_a_clean_error_or_a_table(
    file_name: str, body: str
) -> None:
    read_or_fail_cleanly(file_name, (HEADERS[file_name] + body).encode("utf-8", "surrogatepass"))


#: Large arrays are sorted by polars, small ones by NumPy: both ways, on small examples.
SORTERS = pytest.mark.parametrize("polars_from", [10**9, 0], ids=["numpy sort", "polars sort"])


@SORTERS
@pytest.mark.parametrize(
    "width", [7, 2**30, 2**59], ids=["packed in one", "packed in two", "too wide to pack"]
)
@pytest.mark.parametrize("kind", [np.int32, np.int64], ids=["32-bit codes", "64-bit codes"])
@examples(40)
@given(ends=st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), max_size=60))
def test_edge_rows_are_ordered_by_supplier_customer_then_line(
    polars_from: int, width: int, kind: type[np.signedinteger[Any]], ends: list[tuple[int, int]]
) -> None:
    # The graph's CSR order and "rows of one edge in file order" both rest on this sort; node
    # codes are 32-bit on graphs of fewer than 2**31 nodes.

    src = np.array([s for s, _ in ends], dtype=kind)
    dst = np.array([d for _, d in ends], dtype=kind)
    expected = sorted(range(len(ends)), key=lambda row: (ends[row][0], ends[row][1], row))
    with mock.patch("exposure.util.sorting.BY_POLARS_FROM", polars_from):
        order, pairs = edge_order(src, dst, width)
    assert order.tolist() == expected
    assert_pairs(pairs, src, dst, order, width)


def assert_pairs(
    pairs: np.ndarray | None, src: np.ndarray, dst: np.ndarray, order: np.ndarray, width: int
) -> None:
    """Where the sort packed the nodes, each sorted row's pair holds its two nodes."""

    if pairs is None:  # rows or nodes too many for one 64-bit key
        assert 2 * bits_per_node(width) + max(len(src) - 1, 1).bit_length() > 64
        return
    bits = bits_per_node(width)
    assert [(int(p) >> bits, int(p) & ((1 << bits) - 1)) for p in pairs] == [
        (int(src[row]), int(dst[row])) for row in order
    ]


@SORTERS
@examples(40)
@given(ends=st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), min_size=33, max_size=64))
def test_edge_rows_are_ordered_when_the_packed_key_fills_all_64_bits(
    polars_from: int, ends: list[tuple[int, int]]
) -> None:
    """Node codes of 29 bits and 33 to 64 rows (6 bits): 64 bits, some keys with the top one set.

    Suppliers on either side of 2**28 (the bit that becomes the key's top bit): a sort that
    took the keys as signed would put those above it first.
    """

    width = 2**29
    src = np.array([2**28 - 4 + s for s, _ in ends], dtype=np.int32)
    dst = np.array([width - 1 - d for _, d in ends], dtype=np.int32)
    expected = sorted(range(len(ends)), key=lambda row: (src[row], dst[row], row))
    with mock.patch("exposure.util.sorting.BY_POLARS_FROM", polars_from):
        order, pairs = edge_order(src, dst, width)
    assert order.tolist() == expected
    assert pairs is not None  # 29 + 29 + 6 bits: one key
    assert_pairs(pairs, src, dst, order, width)


@SORTERS
@examples(40)
@given(values=st.lists(st.integers(-3, 3) | st.integers(-(2**63), 2**63 - 1), max_size=60))
def test_repeated_rows_are_those_after_the_first_of_their_value(
    polars_from: int, values: list[int]
) -> None:
    from exposure.read.dataset import repeats

    seen: set[int] = set()
    expected = []
    for value in values:
        expected.append(value in seen)
        seen.add(value)
    with mock.patch("exposure.util.sorting.BY_POLARS_FROM", polars_from):
        assert repeats(np.array(values, dtype=np.int64)).tolist() == expected


@SORTERS
@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint64])
@examples(30)
@given(data=st.data())
def test_integers_are_sorted_as_python_sorts_them(
    polars_from: int, dtype: type[np.integer[Any]], data: st.DataObject
) -> None:
    from exposure.util.sorting import sort_integers

    info = np.iinfo(dtype)
    values = data.draw(st.lists(st.integers(int(info.min), int(info.max)), max_size=60))
    array = np.array(values, dtype=dtype)
    with mock.patch("exposure.util.sorting.BY_POLARS_FROM", polars_from):
        ordered = sort_integers(array)
    assert ordered.dtype == dtype
    assert ordered.tolist() == sorted(values)
    assert array.tolist() == values  # the input is left as it was


SHARE_VALUES = (math.nan, 0.0, 0.0004, 0.001, 0.01, 0.2, 0.5, 1.0)


@st.composite
def share_graphs(draw: Any) -> tuple[Any, np.ndarray]:
    """A small graph of revenue shares (unknown ones NaN), each supplier's known ones <= 1."""
    from scipy import sparse

    n = draw(st.integers(2, 7))
    pairs = [(a, b) for a in range(n) for b in range(n) if a != b]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=18))
    shares = [draw(st.sampled_from(SHARE_VALUES)) for _ in chosen]
    totals: dict[int, float] = defaultdict(float)
    for (a, _), share in zip(chosen, shares, strict=True):
        totals[a] += 0.0 if math.isnan(share) else share
    shares = [
        s if math.isnan(s) or totals[a] <= 1 else s / totals[a]
        for (a, _), s in zip(chosen, shares, strict=True)
    ]
    if draw(st.booleans()) and chosen:  # what the checks let through: a hair over 1
        shares[0] = 1 + 1e-10 if not math.isnan(shares[0]) else shares[0]
    rows = [a for a, _ in chosen]
    cols = [b for _, b in chosen]
    matrix = sparse.csr_matrix((shares, (rows, cols)), shape=(n, n))
    listed = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    return matrix, listed


def reference_material_paths(
    matrix: Any, listed: np.ndarray, start: int, max_tier: int, min_weight: float
) -> list[tuple[list[int], float | None]]:
    """Every simple path the documentation of material_paths lists, by walking them all."""
    limit = max_tier or matrix.shape[0]
    found: list[tuple[list[int], float | None]] = []

    def walk(path: list[int], weight: float | None, known: float) -> None:
        node = path[-1]
        row = slice(matrix.indptr[node], matrix.indptr[node + 1])
        for nxt, share in zip(matrix.indices[row].tolist(), matrix.data[row].tolist(), strict=True):
            if nxt in path and not (nxt == start and listed[nxt]):
                continue  # simple paths; a listed start's sales may come back to it
            unknown = math.isnan(share)
            on_known = known if unknown else known * share
            on_weight = None if weight is None or unknown else weight * share
            if len(path) > 1 and on_known < min_weight:
                continue  # past the first sale, a path must keep its known part at the minimum
            if listed[nxt]:
                found.append(([*path, nxt], on_weight))
            elif len(path) < limit:
                walk([*path, nxt], on_weight, on_known)

    walk([start], 1.0, 1.0)
    found.sort(key=lambda p: (p[1] is None, -(p[1] or 0.0), len(p[0]), p[0]))
    return found


@examples(150)
@given(
    share_graphs(),
    st.sampled_from([0, 1, 2, 4, 6]),
    st.sampled_from([0.0, 0.001, 0.05, 0.3]),
)
def test_material_paths_are_every_path_that_the_rules_list(
    graph: tuple[Any, np.ndarray], max_tier: int, min_weight: float
) -> None:
    """The search's shortcuts (customers' standing, sales too small to go on) lose no path."""
    matrix, listed = graph
    finder = analysis.PathFinder(matrix, listed, analysis.tiers(matrix, listed))
    for start in range(matrix.shape[0]):
        found = finder.paths(start, max_tier=max_tier, min_weight=min_weight, cap=10**6)
        expected = reference_material_paths(matrix, listed, start, max_tier, min_weight)
        assert found == expected


@examples(200)
@given(
    share_graphs(),
    st.sampled_from([0, 1, 2, 4]),
    st.sampled_from([0.0, 0.001, 0.05, 0.3]),
    st.sampled_from([0, 1, 2, 10**6]),
)
def test_paths_searched_side_by_side_are_each_supplier_s_own(
    graph: tuple[Any, np.ndarray], max_tier: int, min_weight: float, cap: int
) -> None:
    """The ranking's search of every supplier at once finds each one's paths, cap included."""
    matrix, listed = graph
    finder = analysis.PathFinder(matrix, listed, analysis.tiers(matrix, listed))
    starts = np.array([*range(matrix.shape[0]), 0])  # a start twice is searched twice
    kw: dict[str, Any] = {"max_tier": max_tier, "min_weight": min_weight, "cap": cap}
    one_by_one = [finder.paths(int(start), **kw) for start in starts]
    assert finder.paths_from(starts, **kw) == one_by_one
    assert finder.listed_buyers_from(starts, **kw) == [
        list(dict.fromkeys(path[-1] for path, _ in paths)) for paths in one_by_one
    ]
    assert finder.paths_from(starts[:0], **kw) == []
    assert finder.nearest_from(starts) == [finder.nearest(int(start)) for start in starts]


def test_of_many_paths_of_unknown_weight_the_cap_keeps_those_a_search_meets_first() -> None:
    # Supplier 0 sells to 2 and 1 (stored in that order, shares unknown), each sells to the
    # listed 3 and 4: four paths of unknown weight. The search of one supplier follows its
    # last sale first, so a cap of 2 keeps the two paths through 1; side by side, the same.
    from scipy import sparse

    indptr, customers = [0, 2, 4, 6, 6, 6], [2, 1, 3, 4, 3, 4]
    shares = [math.nan, math.nan, 0.5, 0.5, 0.5, 0.5]
    matrix = sparse.csr_matrix((shares, customers, indptr), shape=(5, 5))
    listed = np.array([False, False, False, True, True])
    finder = analysis.PathFinder(matrix, listed, analysis.tiers(matrix, listed))
    kw: dict[str, Any] = {"max_tier": 4, "min_weight": 0.01, "cap": 2}
    expected: list[tuple[list[int], float | None]] = [([0, 1, 3], None), ([0, 1, 4], None)]
    assert finder.paths(0, **kw) == expected
    assert finder.paths_from(np.array([0]), **kw) == [expected]
    # Known shares of 0.5 throughout: four paths of one weight and length, in company order.
    matrix = sparse.csr_matrix(([0.5] * 6, customers, indptr), shape=(5, 5))
    finder = analysis.PathFinder(matrix, listed, analysis.tiers(matrix, listed))
    expected = [([0, 1, 3], 0.25), ([0, 1, 4], 0.25), ([0, 2, 3], 0.25), ([0, 2, 4], 0.25)]
    assert finder.paths(0, **kw) == expected
    assert finder.paths_from(np.array([0]), **kw) == [expected]
    # Past the bounds of a search side by side, one start at a time: the same answers.
    finder.SIDE_BY_SIDE_SALES = 1
    assert finder.found_from(np.array([0]), **kw) is None
    assert finder.paths_from(np.array([0]), **kw) == [expected]
    assert finder.listed_buyers_from(np.array([0]), **kw) == [[3, 4]]


def test_paths_of_unknown_weight_without_a_tier_limit_are_searched_one_start_at_a_time() -> None:
    # Every company sells to every other, shares unknown: side by side, every simple path
    # would be followed (8! from each start); the search of one start stops at the cap.
    from scipy import sparse

    n = 9
    rows, cols = zip(*[(a, b) for a in range(n) for b in range(n) if a != b], strict=True)
    matrix = sparse.csr_matrix(([math.nan] * len(rows), (rows, cols)), shape=(n, n))
    listed = np.zeros(n, dtype=bool)
    listed[-1] = True
    finder = analysis.PathFinder(matrix, listed, analysis.tiers(matrix, listed))
    kw: dict[str, Any] = {"max_tier": 0, "min_weight": 0.001, "cap": 5}
    starts = np.arange(n - 1)
    assert finder.found_from(starts, **kw) is None
    found = finder.paths_from(starts, **kw)
    assert found == [finder.paths(int(start), **kw) for start in starts]
    assert all(sum(len(path) > 2 for path, _ in paths) == 5 for paths in found)


def test_material_paths_keep_a_path_at_the_minimum_through_a_share_a_hair_over_1() -> None:
    # The checks accept shares adding up to 1 + 1e-9: a share just under the minimum weight
    # can then still carry a path over it, and the search must not pass it over.
    from scipy import sparse

    under = 0.001 * (1 - 1e-11)
    matrix = sparse.csr_matrix(([1 + 1e-10, under], ([0, 1], [1, 2])), shape=(3, 3))
    listed = np.array([False, False, True])
    finder = analysis.PathFinder(matrix, listed, analysis.tiers(matrix, listed))
    paths = finder.paths(0, max_tier=4, min_weight=0.001, cap=10)
    assert [path for path, _ in paths] == [[0, 1, 2]]
    assert paths == reference_material_paths(matrix, listed, 0, 4, 0.001)


@pytest.mark.parametrize("max_tier", [3, 4, 5, 6, 0])
def test_material_paths_reach_as_far_as_the_tier_limit_and_no_further(max_tier: int) -> None:
    # A chain of four sales to the listed node 4, and a branch at its second company to a
    # dead end (5): the search narrows each step's sales by the tiers still within reach.
    from scipy import sparse

    sales = [(0, 1), (1, 2), (1, 5), (2, 3), (3, 4)]
    rows, cols = zip(*sales, strict=True)
    matrix = sparse.csr_matrix(([0.5] * len(sales), (rows, cols)), shape=(6, 6))
    listed = np.array([False, False, False, False, True, False])
    finder = analysis.PathFinder(matrix, listed, analysis.tiers(matrix, listed))
    found = {
        start: finder.paths(start, max_tier=max_tier, min_weight=0.01, cap=10) for start in range(4)
    }
    for start, paths in found.items():
        expected = reference_material_paths(matrix, listed, start, max_tier, 0.01)
        assert paths == expected
        assert [path for path, _ in paths] == (
            [list(range(start, 5))] if 4 - start <= (max_tier or 6) else []
        )


_CELL_TEXT = st.text(
    alphabet=st.sampled_from([*"abcXYZ019 ,.-|%≥", "华", "为", "é", "Ж", "\u0301", "한", "ｱ"]),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(
    data=st.data(),
    n_columns=st.integers(1, 5),
    n_rows=st.integers(0, 6),
    tablefmt=st.sampled_from(["simple", "github"]),
)
def test_tables_are_laid_out_as_the_tabulate_library_lays_them_out(
    data: st.DataObject, n_columns: int, n_rows: int, tablefmt: str
) -> None:
    """Reports lay out their tables themselves, for speed; the layout is tabulate's."""
    from tabulate import tabulate as library

    from exposure.render.text import tabulate

    headers = data.draw(
        st.lists(_CELL_TEXT.filter(str.strip), min_size=n_columns, max_size=n_columns)
    )
    cell = st.one_of(st.none(), st.integers(0, 99), _CELL_TEXT)
    rows = data.draw(
        st.lists(
            st.lists(cell, min_size=n_columns, max_size=n_columns), min_size=n_rows, max_size=n_rows
        )
    )
    right = data.draw(st.lists(st.integers(0, n_columns - 1), unique=True))
    align = ["right" if i in right else "left" for i in range(n_columns)]
    expected = library(
        rows, headers=headers, tablefmt=tablefmt, disable_numparse=True, colalign=align
    )
    assert tabulate(rows, headers=headers, tablefmt=tablefmt, right=right) == expected


#: A record's figures and the fields of a change that give them on each side.
DIFF_FIGURES = {
    "exposed": "exposed_{side}",
    "tier": "tier_{side}",
    "revenue_at_risk": "revenue_at_risk_{side}",
    "revenue_at_risk_is_lower_bound": "revenue_at_risk_{side}_is_lower_bound",
    "needs_review": "needs_review_{side}",
    "revenue_at_risk_if_confirmed": "revenue_at_risk_if_confirmed_{side}",
    "revenue_at_risk_if_confirmed_is_lower_bound": (
        "revenue_at_risk_if_confirmed_{side}_is_lower_bound"
    ),
}


@examples(40)
@given(networks(), st.data())
def test_diff_names_every_listed_buyer_gained_or_lost_with_a_shortest_route(
    network: Network, data: st.DataObject
) -> None:
    """``diff`` compares every supplier at once; each change is what both sides' records say.

    Listings are redrawn on the later side (some start, some end). A supplier's new and
    dropped listed buyers are exactly those it reaches on one side only (a listed supplier
    is no buyer of its own); each comes with a route of the fewest sales, through unlisted
    companies, along sales in the data; a supplier is left out only when its figures and
    buyers are the same on both sides.
    """
    redrawn = data.draw(
        st.dictionaries(st.sampled_from(network.traded), st.sampled_from(list(STATUSES)))
    )
    later = replace(network, listings={**network.listings, **redrawn})
    sales = {(network.names[u], network.names[v]) for u, v, *_ in network.rows}
    with analysed(network) as before, analysed(later) as after:
        changes = {c["supplier"]: c for c in diff(before, after)}
        sides = [(network, reference(network)), (later, reference(later))]
        for u in sorted({row[0] for row in network.rows}):
            name = network.names[u]
            reached = [
                {side.names[v]: depth for v, depth in ref.nearest[u].items() if v != u}
                for side, ref in sides
            ]
            change = changes.get(name)
            records = before.supplier(name), after.supplier(name)
            same = all(records[0][key] == records[1][key] for key in DIFF_FIGURES)  # type: ignore[literal-required]
            if change is None:
                assert same, name
                assert set(reached[0]) == set(reached[1]), name
                continue
            for key, field_name in DIFF_FIGURES.items():
                for side_name, record in zip(("before", "after"), records, strict=True):
                    given_as = field_name.format(side=side_name)
                    assert change[given_as] == record[key], (name, given_as)  # type: ignore[literal-required]
            for buyers, side, mine, other in (
                (change["new_listed_buyers"], later, reached[1], reached[0]),
                (change["dropped_listed_buyers"], network, reached[0], reached[1]),
            ):
                assert {b["listed"] for b in buyers} == set(mine) - set(other), name
                listed_names = {side.names[v] for v in side.listed}
                for buyer in buyers:
                    route = buyer["path"]
                    assert route[0] == name
                    assert route[-1] == buyer["listed"]
                    assert buyer["tier"] == len(route) - 1 == mine[buyer["listed"]]
                    assert all(pair in sales for pair in itertools.pairwise(route)), route
                    assert not listed_names & set(route[1:-1]), route
