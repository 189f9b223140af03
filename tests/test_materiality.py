"""Materiality: reports list what matters, summarise the rest, and keep the figures exact."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest
from click.testing import CliRunner

import exposure
from exposure.cli import cli
from tests.conftest import MakeData, listing, sale


def run(folder: Path, **options: Any) -> exposure.Result:
    return exposure.analyze(exposure.load(folder), as_of="2020-01-01", **options)


@pytest.fixture
def deep(make_data: MakeData) -> Path:
    """Maker: a tiny direct sale, a heavy tier-2 path, and a light tier-3 path."""
    sales = [
        sale("Maker", "Listed A", 0.0001),  # tier 1, 0.01% of revenue
        sale("Maker", "Dist", 0.5),
        sale("Dist", "Listed B", 0.2),  # tier 2, weight 0.1
        sale("Maker", "X", 0.05),
        sale("X", "Y", 0.1),
        sale("Y", "Listed C", 0.1),  # tier 3, weight 0.0005
    ]
    return make_data([listing("Listed A"), listing("Listed B"), listing("Listed C")], sales)


def test_a_tiny_tier_one_sale_is_still_listed(deep: Path) -> None:
    record = run(deep).supplier("Maker")
    direct = [p for p in record["paths"] if p["tier"] == 1]
    assert [(p["listed"], p["weight"]) for p in direct] == [("Listed A", pytest.approx(0.0001))]


def test_a_light_tier_three_path_is_summarised_and_counted(deep: Path) -> None:
    record = run(deep).supplier("Maker")
    assert [p["listed"] for p in record["paths"]] == ["Listed B", "Listed A"]  # heaviest first
    summary = record["summary"]
    assert summary["routes_not_shown"] == 1
    assert summary["listed_buyers_not_shown"] == 1
    assert summary["weight_not_shown"] == pytest.approx(0.0005)
    assert summary["deepest_tier"] == 3
    # The exact figures still cover everything.
    assert record["tier"] == 1
    assert record["revenue_at_risk"] == pytest.approx(0.0001 + 0.1 + 0.0005)


def test_no_limits_list_every_path(deep: Path) -> None:
    record = run(deep, min_weight=0, max_tier=0).supplier("Maker")
    assert sorted(p["listed"] for p in record["paths"]) == ["Listed A", "Listed B", "Listed C"]
    assert record["summary"]["weight_not_shown"] == pytest.approx(0.0)
    assert record["summary"]["listed_buyers_not_shown"] == 0


def test_unknown_weights_are_listed_as_unquantified_up_to_a_cap(make_data: MakeData) -> None:
    sales = [sale("Maker", f"D{i}", 0.2) for i in range(3)] + [
        sale(f"D{i}", "Listed", None) for i in range(3)
    ]
    folder = make_data([listing("Listed")], sales)
    record = run(folder).supplier("Maker")
    assert [p["weight"] for p in record["paths"]] == [None, None, None]
    assert record["revenue_at_risk"] is None
    capped = run(folder, unquantified_cap=1).supplier("Maker")
    assert len(capped["paths"]) == 1
    assert capped["summary"]["unquantified_routes_not_shown"] == 2


def test_unknown_paths_whose_known_shares_are_already_too_light_are_summarised(
    make_data: MakeData,
) -> None:
    folder = make_data(
        [listing("Listed")],
        [
            sale("Maker", "C", 0.5),
            sale("C", "Listed", 0.5),
            sale("Maker", "D", 0.0001),
            sale("D", "Listed", None),
        ],
    )
    record = run(folder).supplier("Maker")
    assert [p["path"] for p in record["paths"]] == [["Maker", "C", "Listed"]]
    assert record["summary"]["routes_not_shown"] == 1


def test_a_light_path_is_shown_when_it_is_all_that_explains_the_tier(
    make_data: MakeData,
) -> None:
    folder = make_data([listing("Listed")], [sale("Maker", "D", 0.0001), sale("D", "Listed", None)])
    record = run(folder).supplier("Maker")
    assert [(p["path"], p["weight"]) for p in record["paths"]] == [(["Maker", "D", "Listed"], None)]
    assert record["summary"]["routes_not_shown"] == 0


def test_revenue_within_the_tier_limit_sits_beside_the_exact_figure(make_data: MakeData) -> None:
    names = ["Maker", "T1", "T2", "T3", "T4", "Listed"]
    sales = [sale(a, b, 0.5) for a, b in itertools.pairwise(names)]
    record = run(make_data([listing("Listed")], sales), max_tier=4).supplier("Maker")
    assert record["tier"] == 5
    assert record["revenue_at_risk"] == pytest.approx(0.5**5)
    assert record["revenue_at_risk_within_tier_limit"] == 0.0
    # Beyond the tier limit, the path that explains the tier is still shown.
    assert [p["path"] for p in record["paths"]] == [names]
    summary = record["summary"]
    assert summary["beyond_tier_limit"] is True
    assert summary["deepest_tier"] == 5
    assert (summary["listed_buyers_reached"], summary["listed_buyers_not_shown"]) == (1, 0)
    assert summary["routes_not_shown"] == 0


def random_dag(make_data: MakeData, seed: int, n: int = 60) -> Path:
    rng = np.random.default_rng(seed)
    listed = [f"L{i}" for i in range(4)]
    sales = []
    for i in range(n):
        targets = rng.choice(np.arange(i + 1, n + 4), size=min(4, n + 3 - i), replace=False)
        shares = rng.dirichlet(np.ones(len(targets) + 1))[:-1] * 0.95
        for target, share in zip(targets, shares, strict=True):
            name = f"L{target - n}" if target >= n else f"N{target}"
            sales.append(sale(f"N{i}", name, round(float(share), 6)))
    return make_data([listing(name) for name in listed], sales)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_listed_and_summarised_weights_add_up_to_the_exact_revenue_at_risk(
    make_data: MakeData, seed: int
) -> None:
    result = run(random_dag(make_data, seed))
    everything = run(random_dag(make_data, seed), min_weight=0, max_tier=0)
    for supplier in ["N0", "N5", "N20"]:
        record = result.supplier(supplier)
        weights = [p["weight"] for p in record["paths"]]
        assert None not in weights  # every share of this graph is known
        shown = sum(cast(list[float], weights))
        assert record["summary"]["weight_not_shown"] is not None
        assert shown + record["summary"]["weight_not_shown"] == pytest.approx(
            record["revenue_at_risk"], abs=1e-9
        )
        # On a DAG, the weights of all paths are the revenue at risk: the enumeration is exact.
        full = everything.supplier(supplier)
        assert sum(cast(float, p["weight"]) for p in full["paths"]) == pytest.approx(
            record["revenue_at_risk"], abs=1e-9
        )
        # Output stays bounded: at most 1 / min_weight paths beyond tier 1.
        assert sum(p["tier"] > 1 for p in record["paths"]) <= 1 / result.min_weight


def test_cli_options_and_the_summary_line(deep: Path) -> None:
    runner = CliRunner()
    args = ["report", "--data", str(deep), "--as-of", "2020-01-01", "--supplier", "Maker"]
    done = runner.invoke(cli, args)
    assert done.exit_code == 0
    assert (
        "Not shown: 1 more route within the tier limit; 1 more listed buyer reached; 0.05% of revenue"
        in done.stdout
    )
    done = runner.invoke(cli, [*args, "--max-tier", "0", "--min-weight", "0"])
    assert "Listed C (tier 3, weight 0.05% of revenue)" in done.stdout
    assert "Nothing left out." in done.stdout
    done = runner.invoke(cli, [*args, "--min-weight", "2"])
    assert done.exit_code == 2
    assert "is not in the range 0<=x<=1" in done.stderr
