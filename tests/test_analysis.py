"""The engine on small graphs with known answers."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from typing import cast

import numpy as np
import pytest
from scipy import sparse

import exposure
from exposure import analysis
from exposure.changes import diff
from tests.conftest import MakeData, listing, sale


def run(
    make_data: MakeData,
    listed: Iterable[dict[str, object]],
    sales: Iterable[dict[str, object]],
    as_of: str = "2020-01-01",
) -> exposure.Result:
    return exposure.analyze(exposure.load(make_data(listed, sales)), as_of=as_of)


def test_direct_sale_is_tier_one(make_data: MakeData) -> None:
    result = run(make_data, [listing("Listed Co")], [sale("Maker", "Listed Co", 0.2)])
    record = result.supplier("Maker")
    assert record["exposed"] is True
    assert record["tier"] == 1
    assert record["listed_buyers"] == ["Listed Co"]
    assert record["revenue_at_risk"] == pytest.approx(0.2)
    assert record["revenue_at_risk_is_lower_bound"] is False
    assert record["paths"][0]["path"] == ["Maker", "Listed Co"]
    assert record["paths"][0]["federal_register_notice"] == "84 FR 54002"


def test_tier_two_and_three_through_intermediaries(make_data: MakeData) -> None:
    sales = [
        sale("Maker", "Distributor", 0.5, product="wafers"),
        sale("Distributor", "Integrator", 0.4, product="modules"),
        sale("Integrator", "Listed Co", 0.5, product="cameras"),
        sale("Other", "Distributor", 0.1),
    ]
    result = run(make_data, [listing("Listed Co")], sales)
    maker = result.supplier("Maker")
    assert maker["tier"] == 3
    assert maker["paths"][0]["path"] == ["Maker", "Distributor", "Integrator", "Listed Co"]
    assert maker["products"] == ["wafers"]
    assert [hop["products"] for hop in maker["paths"][0]["hops"]] == [
        ["wafers"],
        ["modules"],
        ["cameras"],
    ]
    assert maker["revenue_at_risk"] == pytest.approx(0.5 * 0.4 * 0.5)
    assert result.supplier("Distributor")["tier"] == 2
    assert result.supplier("Other")["revenue_at_risk"] == pytest.approx(0.1 * 0.4 * 0.5)


def test_two_paths_to_one_buyer_are_both_shown_heaviest_first(make_data: MakeData) -> None:
    sales = [
        sale("Maker", "Listed Co", 0.1),
        sale("Maker", "Distributor", 0.5),
        sale("Distributor", "Listed Co", 0.5),
    ]
    record = run(make_data, [listing("Listed Co")], sales).supplier("Maker")
    assert record["tier"] == 1
    assert record["listed_buyers"] == ["Listed Co"]
    assert [(p["path"], p["weight"]) for p in record["paths"]] == [
        (["Maker", "Distributor", "Listed Co"], pytest.approx(0.25)),
        (["Maker", "Listed Co"], pytest.approx(0.1)),
    ]
    assert record["revenue_at_risk"] == pytest.approx(0.1 + 0.5 * 0.5)


def test_cycles_terminate_with_the_exact_figure(make_data: MakeData) -> None:
    # A <-> B cycle leaking to the listed buyer: r_A = 0.5 r_B, r_B = 0.5 + 0.5 r_A.
    sales = [sale("A", "B", 0.5), sale("B", "A", 0.5), sale("B", "Listed Co", 0.5)]
    result = run(make_data, [listing("Listed Co")], sales)
    assert result.supplier("A")["revenue_at_risk"] == pytest.approx(1 / 3)
    assert result.supplier("B")["revenue_at_risk"] == pytest.approx(2 / 3)
    assert result.supplier("A")["tier"] == 2


def test_a_closed_cycle_without_a_listed_buyer_is_not_exposed(make_data: MakeData) -> None:
    sales = [sale("A", "B", 1.0), sale("B", "A", 1.0), sale("C", "Listed Co", 0.3)]
    result = run(make_data, [listing("Listed Co")], sales)
    assert result.supplier("A")["exposed"] is False
    assert result.supplier("A")["revenue_at_risk"] == 0.0


def test_long_cycle_converges_through_the_exact_solver(make_data: MakeData) -> None:
    # A cycle that leaks 0.1% per turn needs thousands of fixed-point iterations; the exact solve
    # takes over: r_A = 0.999 r_B, r_B = 0.001 + 0.999 r_A  =>  r_B = 0.001 / (1 - 0.999**2).
    sales = [sale("A", "B", 0.999), sale("B", "A", 0.999), sale("B", "Listed Co", 0.001)]
    result = run(make_data, [listing("Listed Co")], sales)
    expected_b = 0.001 / (1 - 0.999**2)
    assert result.supplier("B")["revenue_at_risk"] == pytest.approx(expected_b, rel=1e-9)
    assert result.supplier("A")["revenue_at_risk"] == pytest.approx(0.999 * expected_b, rel=1e-9)


def test_unknown_shares_give_a_flagged_lower_bound_never_a_silent_zero(make_data: MakeData) -> None:
    sales = [
        sale("Maker", "Listed Co", 0.2),
        sale("Maker", "Other Listed", None),
        sale("Quiet", "Listed Co", None),
        sale("Upstream", "Quiet", 0.5),
    ]
    result = run(make_data, [listing("Listed Co"), listing("Other Listed")], sales)
    maker = result.supplier("Maker")
    assert maker["revenue_at_risk"] == pytest.approx(0.2)
    assert maker["revenue_at_risk_is_lower_bound"] is True
    quiet = result.supplier("Quiet")
    assert quiet["revenue_at_risk"] is None
    assert quiet["share_basis"] == "unknown"
    upstream = result.supplier("Upstream")
    assert upstream["revenue_at_risk"] is None
    assert upstream["revenue_at_risk_is_lower_bound"] is True
    table = result.suppliers.set_index("supplier")
    assert math.isnan(cast(float, table.loc["Quiet", "revenue_at_risk"]))


def test_a_listing_that_starts_after_the_as_of_date_does_not_count(make_data: MakeData) -> None:
    listed = [listing("Listed Co", start="2019-10-09")]
    sales = [sale("Maker", "Listed Co", 0.2)]
    assert run(make_data, listed, sales, as_of="2019-10-08").supplier("Maker")["exposed"] is False
    assert run(make_data, listed, sales, as_of="2019-10-09").supplier("Maker")["exposed"] is True


def test_a_delisted_entity_stops_counting_on_its_end_date(make_data: MakeData) -> None:
    listed = [listing("Listed Co", start="2019-10-09", end="2021-03-01")]
    sales = [sale("Maker", "Listed Co", 0.2)]
    assert run(make_data, listed, sales, as_of="2021-02-28").supplier("Maker")["exposed"] is True
    after = run(make_data, listed, sales, as_of="2021-03-01").supplier("Maker")
    assert after["exposed"] is False
    assert after["revenue_at_risk"] == 0.0


def test_paths_stop_at_the_first_listed_buyer(make_data: MakeData) -> None:
    sales = [sale("Maker", "Listed Co", 0.3), sale("Listed Co", "Second Listed", 0.5)]
    result = run(make_data, [listing("Listed Co"), listing("Second Listed")], sales)
    maker = result.supplier("Maker")
    assert maker["listed_buyers"] == ["Listed Co"]
    assert maker["revenue_at_risk"] == pytest.approx(0.3)
    # The listed entity's own sales still count when it is the supplier analysed.
    assert result.supplier("Listed Co")["listed_buyers"] == ["Second Listed"]


def test_customer_names_resolve_to_listed_entities_by_alias(make_data: MakeData) -> None:
    listed = [listing("Hikvision", alt_names="Hangzhou Hikvision Digital Technology")]
    sales = [
        sale("Maker", "HANGZHOU HIKVISION DIGITAL TECHNOLOGY CO., LTD.", 0.1, product="a"),
        sale("Maker", "hikvision", 0.1, product="b"),
    ]
    record = run(make_data, listed, sales).supplier("Maker")
    assert record["listed_buyers"] == ["Hikvision"]
    assert record["revenue_at_risk"] == pytest.approx(0.2)
    assert record["products"] == ["a", "b"]


def test_a_customer_that_could_be_two_listed_entities_is_an_error(make_data: MakeData) -> None:
    listed = [
        listing("Dahua Technology", alt_names="Dahua"),
        listing("Dahua Electronics", alt_names="Dahua"),
    ]
    folder = make_data(listed, [sale("Maker", "Dahua", 0.1)])
    with pytest.raises(exposure.DataError) as caught:
        exposure.build_graph(exposure.load(folder))
    message = str(caught.value)
    assert "'Dahua Technology'" in message
    assert "'Dahua Electronics'" in message
    assert "line 2, column 'customer'" in message


def test_to_networkx_carries_the_exposure(make_data: MakeData) -> None:
    result = run(
        make_data,
        [listing("Listed Co")],
        [sale("Maker", "Dist", 0.5), sale("Dist", "Listed Co", 0.5)],
    )
    G = result.to_networkx()
    assert set(G.edges) == {("Maker", "Dist"), ("Dist", "Listed Co")}
    assert G.nodes["Maker"]["tier"] == 2
    assert G.nodes["Listed Co"]["listed"] is True
    assert G.nodes["Maker"]["revenue_at_risk"] == pytest.approx(0.25)
    assert G.edges["Maker", "Dist"]["share"] == pytest.approx(0.5)


def test_bundled_data_ambarella_is_exposed_through_hikvision_and_dahua() -> None:
    result = exposure.analyze(exposure.load(), as_of="2019-10-09")
    record = result.supplier("Ambarella")
    assert record["tier"] == 1
    assert record["listed_buyers"] == ["Hikvision", "Dahua Technology"]
    assert {p["federal_register_notice"] for p in record["paths"]} == {"84 FR 54002"}
    assert record["revenue_at_risk"] == pytest.approx(0.17)
    assert record["share_basis"] == "estimate"
    assert record["revenue_at_risk_is_lower_bound"] is True
    before = exposure.analyze(exposure.load(), as_of="2019-06-01").supplier("Ambarella")
    assert before["exposed"] is False


@pytest.mark.parametrize("search_from", [analysis.SEARCH_FROM, 0], ids=["small", "large"])
def test_compute_gives_the_figures_read_one_by_one(
    make_data: MakeData, monkeypatch: pytest.MonkeyPatch, search_from: int
) -> None:
    """``compute`` (one figure after another) changes no figure, and says each."""
    monkeypatch.setattr(analysis, "SEARCH_FROM", search_from)
    sales = [
        sale("Maker", "Distributor", 0.5),
        sale("Distributor", "Listed Co", None),
        sale("Distributor", "Maker", 0.25),
        sale("Other", "Listed Co", 0.1),
    ]
    data = exposure.load(make_data([listing("Listed Co")], sales))
    lazy = exposure.analyze(data, as_of="2020-01-01")
    done: list[str] = []
    eager = exposure.analyze(data, as_of="2020-01-01").compute(done=done.append)
    assert sorted(done) == ["lower_bound", "revenue_at_risk", "tier"]
    for figure in ("tier", "revenue_at_risk", "lower_bound"):
        assert getattr(eager, figure).tolist() == getattr(lazy, figure).tolist(), figure
    maker = eager.graph.code("Maker")
    assert (eager.tier[maker], eager.lower_bound[maker]) == (2, True)


def _random_graph(
    seed: int, n: int = 300, edges: int = 2000
) -> tuple[sparse.csr_matrix, np.ndarray]:
    """A random graph of shares (at most 1 per supplier) with cycles, and 5% of nodes listed."""
    rng = np.random.default_rng(seed)
    src = rng.integers(0, n, edges) ** 2 % n  # some rows full, many empty
    dst = rng.integers(0, n, edges)
    keep = src != dst
    matrix = sparse.csr_matrix((rng.random(keep.sum()), (src[keep], dst[keep])), shape=(n, n))
    matrix.sum_duplicates()
    totals = np.asarray(matrix.sum(axis=1)).ravel()
    matrix = sparse.csr_matrix(sparse.diags(1 / np.maximum(totals, 1.0)) @ matrix)  # shares <= 1
    return matrix, rng.random(n) < 0.05


@pytest.mark.parametrize("parts", [2, 3, 7])
def test_products_in_row_blocks_equal_the_whole_product(parts: int) -> None:
    matrix, _ = _random_graph(parts)
    split = analysis.RowSplit(matrix, parts=parts, threaded_from=0)
    assert len(split.blocks) >= 2
    vector = np.random.default_rng(0).random(matrix.shape[1])
    assert np.array_equal(split @ vector, matrix @ vector)
    other = matrix[:, :40]
    assert ((split @ other) != (matrix @ other)).nnz == 0


def test_figures_are_the_same_with_products_on_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    # Large graphs multiply in row blocks on two threads: the figures may not change.
    matrix, listed = _random_graph(11)

    def figures() -> list[np.ndarray]:
        limited = analysis.limited_figures(matrix, matrix, listed, 4)
        return [
            analysis.revenue_at_risk(matrix, listed),
            *limited.values(),
            *analysis.listed_reached_counts(matrix, listed, 0),
        ]

    whole = figures()
    monkeypatch.setattr(analysis, "THREADED_FROM", 0)
    split = figures()
    assert all(np.array_equal(a, b) for a, b in zip(whole, split, strict=True))
    assert whole[0].max() > 0  # the graph has exposure to compare


def test_extra_columns_named_like_the_graphs_own_do_not_confuse_it(make_data: MakeData) -> None:
    # A user's file may carry columns the graph adds to its rows (src, dst, customer_match):
    # the graph's own take their place, and the analysis reads those.
    import pandas as pd

    folder = make_data(
        [listing("Listed Co")], [sale("Maker", "Dist", 0.5), sale("Dist", "Listed Co", 0.5)]
    )
    path = folder / "suppliers.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table["src"], table["dst"], table["customer_match"] = "7", "x", "exact"
    table.to_csv(path, index=False)
    result = exposure.analyze(exposure.load(folder), as_of="2020-01-01")
    rows = result.graph.rows
    assert list(rows.columns).count("src") == 1
    assert [result.graph.names[c] for c in rows["src"]] == ["Maker", "Dist"]
    assert rows["customer_match"].tolist() == ["none", "exact"]
    assert result.supplier("Maker")["revenue_at_risk"] == pytest.approx(0.25)


def test_the_api_gives_tables_as_dataframes_and_counts_as_integers() -> None:
    data = exposure.load()
    before = exposure.analyze(data, as_of="2019-10-08")
    after = exposure.analyze(data, as_of="2019-10-09")
    change = exposure.compare(before, after)
    row = change.set_index("supplier").loc["Ambarella"]
    assert row["change"] == "became exposed"
    assert row["new_listed_buyers"] == ["Hikvision", "Dahua Technology"]
    assert row["tier_after"] == 1
    assert str(change["tier_before"].dtype) == "Int64"  # not exposed before: <NA>, not 0
    became = change["change"] == "became exposed"
    assert change.loc[became, "tier_before"].isna().all()
    # Seagate and Western Digital already sold to Huawei: tier 1 before and after.
    assert change.loc[~became, "tier_before"].tolist() == [1, 1]
    suppliers = after.suppliers
    assert suppliers["routes_within_tier_limit"].dtype == np.int64
    affiliates = exposure.analyze(data, as_of="2026-11-22").affiliates
    assert list(affiliates.columns) == [
        "company", "owned_by_listed", "affiliate", "possible", "rule", "owners",
    ]  # fmt: skip


def test_diff_names_each_listed_buyer_reached_on_one_side_only_whatever_the_paths_shown(
    make_data: MakeData,
) -> None:
    # Deep reaches Far through six sales (beyond the tier limit) on both dates; Near is listed
    # in between. Far is still reached, not dropped, though no path of the later report names it.
    chain = ["Deep", "A1", "A2", "A3", "A4", "A5", "Far"]
    folder = make_data(
        [listing("Far", start="2020-01-01"), listing("Near", start="2021-01-01")],
        [sale(a, b, 0.9) for a, b in itertools.pairwise(chain)] + [sale("Deep", "Near", 0.05)],
    )
    data = exposure.load(folder)
    before = exposure.analyze(data, as_of="2020-06-01")
    after = exposure.analyze(data, as_of="2021-06-01")
    assert "Far" not in after.supplier("Deep")["listed_buyers"]  # beyond the tier limit
    (change,) = diff(before, after)
    assert change["change"] == "listed buyers changed"
    assert [b["listed"] for b in change["new_listed_buyers"]] == ["Near"]
    assert change["dropped_listed_buyers"] == []


def test_diff_says_which_side_of_a_change_is_a_lower_bound(make_data: MakeData) -> None:
    folder = make_data(
        [listing("Old", start="2020-01-01", end="2021-01-01"), listing("New", start="2021-01-01")],
        [
            sale("Sup", "Old", 0.1, product="x"),
            sale("Sup", "Old", None, product="y"),
            sale("Sup", "New", 0.05),
        ],
    )
    data = exposure.load(folder)
    before = exposure.analyze(data, as_of="2020-06-01")
    after = exposure.analyze(data, as_of="2021-06-01")
    (change,) = diff(before, after)
    assert change["revenue_at_risk_before_is_lower_bound"] is True
    assert change["revenue_at_risk_after_is_lower_bound"] is False  # exactly 5%
    assert change["revenue_at_risk_after"] == pytest.approx(0.05)


def test_diff_reports_a_figure_becoming_a_lower_bound_and_a_review_coming_or_going(
    make_data: MakeData,
) -> None:
    # From 2021: Sup also sells, in an unknown share, to New, and Other to a name only
    # possibly New's. Neither changes a known figure; both are changes a reader must see.
    folder = make_data(
        [listing("Old", start="2020-01-01"), listing("Newco Robotics Ltd", start="2021-01-01")],
        [
            sale("Sup", "Old", 0.1),
            sale("Sup", "Newco Robotics Ltd", None),
            sale("Other", "Newco Robotic Systems", 0.2),
        ],
    )
    data = exposure.load(folder)
    before = exposure.analyze(data, as_of="2020-06-01")
    after = exposure.analyze(data, as_of="2021-06-01")
    changes = {c["supplier"]: c for c in diff(before, after)}
    sup = changes["Sup"]
    assert sup["change"] == "listed buyers changed"
    assert (sup["revenue_at_risk_before"], sup["revenue_at_risk_after"]) == (0.1, 0.1)
    assert sup["revenue_at_risk_after_is_lower_bound"] is True
    other = changes["Other"]
    assert other["change"] == "now needs review"
    assert (other["needs_review_before"], other["needs_review_after"]) == (False, True)
    assert other["revenue_at_risk_if_confirmed_after"] == pytest.approx(0.2)


def test_a_share_given_without_its_basis_is_reported_as_unstated_not_disclosed(
    make_data: MakeData,
) -> None:
    folder = make_data(
        [listing("Lcorp")],
        [
            sale("A", "Lcorp", 0.2, share_basis=""),
            sale("B", "Lcorp", 0.3, share_basis="estimate"),
            sale("C", "Lcorp", 0.1),
            sale("D", "Dist", 0.5),
            sale("Dist", "Lcorp", 0.4, share_basis=""),
        ],
    )
    result = exposure.analyze(exposure.load(folder), as_of="2020-01-01")
    basis = {s: result.supplier(s)["share_basis"] for s in ("A", "B", "C", "D")}
    assert basis == {"A": "unstated", "B": "estimate", "C": "disclosed", "D": "unstated"}


def test_a_what_if_of_one_name_is_one_name_and_a_bad_one_fails_at_once() -> None:
    data = exposure.load()
    result = exposure.analyze(data, as_of="2019-06-01", assume_listed="Hikvision")
    assert result.supplier("Ambarella")["tier"] == 1
    with pytest.raises(exposure.ExposureError, match="unknown entity 'Nobody Corp'"):
        exposure.analyze(data, as_of="2019-06-01", assume_listed=["Nobody Corp"])


def test_a_listing_without_a_stated_start_date_left_out_on_an_earlier_date_is_warned_of(
    make_data: MakeData,
) -> None:
    # The CSL gives Treasury's entries no start date: dated by the file's newest, they would
    # silently be out of force on every earlier date.
    undated = "Consolidated Screening List (csl.csv, line 9); start_date not in the CSL: set to 2023-11-16"
    folder = make_data(
        [
            listing("Benevolence Foundation", start="2023-11-16", source=undated,
                    list="Specially Designated Nationals List"),
            listing("Dated Later Co", start="2023-11-16"),
        ],
        [sale("Delta US", "Benevolence Foundation", 0.1, supplier_country="US"),
         sale("Delta US", "Dated Later Co", 0.1)],
    )  # fmt: skip
    data = exposure.load(folder)
    with pytest.warns(
        UserWarning, match=r"1 listed buyers or owners in the data \(Benevolence Foundation\)"
    ):
        before = exposure.analyze(data, as_of="2023-06-30").supplier("Delta US")
    assert before["exposed"] is False
    after = exposure.analyze(data, as_of="2023-11-16").supplier("Delta US")  # no warning
    assert after["exposed"] is True
