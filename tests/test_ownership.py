"""Ownership (the 50% rules), listing diffs and what-if assumptions, on graphs with known answers."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest
from click.testing import CliRunner

import exposure
from exposure.changes import diff
from exposure.cli import cli
from exposure.render.html import to_html
from exposure.render.plot import network_view
from exposure.render.text import format_report
from tests.conftest import MakeData, listing, sale

IN_FORCE = "2026-11-22"  # BIS Affiliates Rule in force again after its suspension ended 2026-11-09


def with_owners(folder: Path, rows: list[tuple[str, str, float | None]]) -> Path:
    with (folder / "ownership.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["owner", "owned", "percent", "source"])
        for owner, owned, percent in rows:
            writer.writerow(
                [owner, owned, "" if percent is None else percent, f"test {owner}->{owned}"]
            )
    return folder


def analyze(folder: Path, as_of: str = IN_FORCE, **options: Any) -> exposure.Result:
    return exposure.analyze(exposure.load(folder), as_of=as_of, **options)


@pytest.fixture
def chain_data(make_data: MakeData) -> Path:
    """Maker sells to Target; who owns Target varies per test."""
    listed = [listing("Parent"), listing("Second Parent")]
    return make_data(listed, [sale("Maker", "Target", 0.2), sale("Other", "Middle", 0.1)])


def test_a_chain_of_majorities_passes_the_listing_down_as_ofac_reads_it(chain_data: Path) -> None:
    # OFAC FAQ 401, example 1: X owns 50% of A, A owns 50% of B; both are blocked.
    with_owners(chain_data, [("Parent", "Middle", 50), ("Middle", "Target", 50)])
    result = analyze(chain_data)
    assert result.supplier("Other")["exposed"] is True  # Middle is 50% owned: an affiliate
    record = result.supplier("Maker")
    assert record["exposed"] is True
    assert record["paths"][0]["list"] == "Entity List (affiliate: 50% owned by listed entities)"
    ownership = record["paths"][0]["ownership"]
    assert ownership is not None
    (owner,) = ownership["owners"]
    assert owner["chain"] == ["Parent", "Middle", "Target"]
    # Multiplied along the chain (a reading that is not the rules'), 25% is not enough.
    assert analyze(chain_data, ownership_method="multiply").supplier("Maker")["exposed"] is False


def test_what_listed_entities_and_their_affiliates_hold_adds_up(chain_data: Path) -> None:
    # OFAC FAQ 401, example 3: X owns 50% of A and 10% of B, A owns 40% of B: B is blocked.
    with_owners(
        chain_data, [("Parent", "Middle", 50), ("Parent", "Target", 10), ("Middle", "Target", 40)]
    )
    record = analyze(chain_data).supplier("Maker")
    assert record["exposed"] is True
    assert analyze(chain_data).affiliates.set_index("company").loc["Target", "owned_by_listed"] == (
        pytest.approx(0.5)
    )
    # Every holding that decides it is shown, with its source: 10% directly, 40% through Middle.
    ownership = record["paths"][0]["ownership"]
    assert ownership is not None
    chains = sorted((o["chain"], o["percents"]) for o in ownership["owners"])
    assert chains == [
        (["Parent", "Middle", "Target"], [50.0, 40.0]),
        (["Parent", "Target"], [10.0]),
    ]
    assert {"test Parent->Middle", "test Parent->Target", "test Middle->Target"} <= set(
        record["paths"][0]["sources"]
    )
    assert analyze(chain_data, ownership_method="multiply").supplier("Maker")["exposed"] is False


def test_an_owner_that_is_no_affiliate_passes_nothing_on(chain_data: Path) -> None:
    with_owners(chain_data, [("Parent", "Middle", 40), ("Middle", "Target", 100)])
    result = analyze(chain_data)
    assert result.supplier("Other")["exposed"] is False
    assert result.supplier("Maker")["exposed"] is False
    assert result.supplier("Maker")["needs_review"] is False


def test_two_listed_owners_of_30_percent_each_make_an_affiliate(chain_data: Path) -> None:
    with_owners(chain_data, [("Parent", "Target", 30), ("Second Parent", "Target", 30)])
    record = analyze(chain_data).supplier("Maker")
    assert record["exposed"] is True
    path = record["paths"][0]
    assert path["listed"] == "Target"
    assert path["list"] == "Entity List (affiliate: 60% owned by listed entities)"
    assert path["federal_register_notice"] is not None
    assert "90 FR 47201 (BIS Affiliates Rule)" in path["federal_register_notice"]
    assert path["ownership"] is not None
    owners = {o["owner"]: o["percents"] for o in path["ownership"]["owners"]}
    assert owners == {"Parent": [30.0], "Second Parent": [30.0]}
    assert "test Parent->Target" in path["sources"]
    # Both owners' listings make the 60%: both are cited.
    assert {"test listing of Parent", "test listing of Second Parent"} <= set(path["sources"])


def test_a_company_held_by_an_affiliate_of_two_listed_owners_cites_both(
    make_data: MakeData,
) -> None:
    # Parent's 30% and Second Parent's 25% make Middle an affiliate; Middle holds all of Target.
    folder = make_data(
        [
            listing("Parent", federal_register_notice="85 FR 1"),
            listing("Second Parent", federal_register_notice="85 FR 2"),
        ],
        [sale("Maker", "Target", 0.2)],
    )
    with_owners(
        folder,
        [("Parent", "Middle", 30), ("Second Parent", "Middle", 25), ("Middle", "Target", 100)],
    )
    result = analyze(folder)
    path = result.supplier("Maker")["paths"][0]
    ownership = path["ownership"]
    assert ownership is not None
    chains = sorted((o["chain"], o["percents"], o["holder"]) for o in ownership["owners"])
    assert chains == [
        (["Parent", "Middle", "Target"], [30.0, 100.0], "Middle"),
        (["Second Parent", "Middle", "Target"], [25.0, 100.0], "Middle"),
    ]
    # The 100% is Middle's, once; Middle counts as listed through its 55%.
    assert ownership["holders"] == [
        {"holder": "Middle", "part": 1.0, "listed": False, "owned_by_listed": pytest.approx(0.55)}
    ]
    notices = str(path["federal_register_notice"]).split("; ")
    assert {"85 FR 1", "85 FR 2"} <= set(notices)
    assert {"test listing of Parent", "test listing of Second Parent"} <= set(path["sources"])
    owners = result.affiliates.set_index("company").at["Target", "owners"]
    assert sorted(cast(list[str], owners)) == ["Parent", "Second Parent"]
    text = format_report([result.supplier("Maker")], "table", as_of=IN_FORCE, detailed=True)
    assert "owned:     Parent -> Middle (30%) -> Target (100%)" in text
    assert "owned:     Second Parent -> Middle (25%) -> Target (100%)" in text
    assert "held:      Middle holds 100%; it counts as listed, 55% owned by listed entities" in text


SDN = "Specially Designated Nationals List"
MEU = "Military End User List"


@pytest.mark.parametrize(
    ("lists", "rule"),
    [
        ((SDN, "Entity List"), None),  # 30% + 25%: a possible affiliate only (SDN's programme)
        ((SDN, SDN), "OFAC's 50% rule"),
        (("Entity List", MEU), "90 FR 47201 (BIS Affiliates Rule)"),
    ],
)
def test_each_rule_adds_up_only_the_holdings_of_its_own_lists_parties(
    make_data: MakeData, lists: tuple[str, str], rule: str | None
) -> None:
    # OFAC counts blocked persons' holdings; BIS those of Entity List and MEU parties.
    first, second = lists
    folder = make_data(
        [listing("Owner A", list=first, start="2022-03-01"), listing("Owner B", list=second)],
        [sale("Echo Inc", "Mixco", 0.25)],
    )
    with_owners(folder, [("Owner A", "Mixco", 30), ("Owner B", "Mixco", 25)])
    result = analyze(folder)
    record = result.supplier("Echo Inc")
    assert record["exposed"] is (rule is not None)
    if rule is not None:
        (path,) = record["paths"]
        assert path["list"].endswith("(affiliate: 55% owned by listed entities)")
        assert rule in str(path["federal_register_notice"])
        assert path["ownership"] is not None
        owners = {o["owner"] for o in path["ownership"]["owners"]}
        assert owners == {"Owner A", "Owner B"}


def test_an_sdns_holding_with_an_entity_list_partys_makes_a_possible_affiliate(
    make_data: MakeData,
) -> None:
    # Supplement No. 8 to part 744, paragraph (b) (90 FR 47201): ownership by Entity List and MEU
    # parties adds up with that of SDNs designated under the programmes of 744.8(a)(1). The data
    # does not say an SDN's programmes: 30% (SDN) and 25% (Entity List) make MixCo a possible
    # affiliate, shown for review, never dropped; OFAC's rule counts the SDN's 30% only.
    folder = make_data(
        [listing("Kappa", list=SDN, start="2020-01-01"), listing("Omega", start="2023-03-01")],
        [sale("AmeriCo", "MixCo", 0.04, supplier_country="US", customer_country="MY")],
    )
    with_owners(folder, [("Kappa", "MixCo", 30), ("Omega", "MixCo", 25)])
    record = exposure.analyze(exposure.load(folder), as_of="2025-10-01").supplier("AmeriCo")
    assert record["exposed"] is False
    assert record["needs_review"] is True
    (path,) = record["possible_paths"]
    assert path["path"] == ["AmeriCo", "MixCo"]
    assert "744.8(a)(1)" in path["list"]
    assert "90 FR 47201" in path["list"]
    assert path["ownership"] is not None
    assert path["ownership"]["sdn_part"] == pytest.approx(0.3)
    assert {o["owner"] for o in path["ownership"]["owners"]} == {"Kappa", "Omega"}
    # While the Affiliates Rule is suspended (2025-11-10 to 2026-11-09), only OFAC's counts.
    suspended = exposure.analyze(exposure.load(folder), as_of="2026-01-01").supplier("AmeriCo")
    assert suspended["needs_review"] is False


def test_the_affiliates_rule_reaches_foreign_entities_only_but_looks_through_us_ones(
    make_data: MakeData,
) -> None:
    # 90 FR 47201 extends the Entity List to foreign entities: a sale in the United States to
    # a US subsidiary is no export to an affiliate; that subsidiary's Mexican one is.
    folder = make_data(
        [listing("Parent")],
        [
            sale("Omega US", "Parent USA Inc", 0.2, customer_country="US"),
            sale("Omega US", "Parent Mexico SA", 0.1, customer_country="MX"),
        ],
    )
    with_owners(
        folder, [("Parent", "Parent USA Inc", 100), ("Parent USA Inc", "Parent Mexico SA", 100)]
    )
    record = analyze(folder).supplier("Omega US")
    assert [p["listed"] for p in record["paths"]] == ["Parent Mexico SA"]
    assert record["revenue_at_risk"] == pytest.approx(0.1)
    (path,) = record["paths"]
    assert path["ownership"] is not None
    (owner,) = path["ownership"]["owners"]
    assert owner["chain"] == ["Parent", "Parent USA Inc", "Parent Mexico SA"]


def test_a_chain_of_three_full_ownerships_is_an_affiliate(chain_data: Path) -> None:
    with_owners(chain_data, [("Parent", "A", 100), ("A", "B", 100), ("B", "Target", 100)])
    record = analyze(chain_data).supplier("Maker")
    assert record["exposed"] is True
    ownership = record["paths"][0]["ownership"]
    assert ownership is not None
    (owner,) = ownership["owners"]
    assert owner["chain"] == ["Parent", "A", "B", "Target"]
    assert owner["part"] == pytest.approx(1.0)


def test_a_cycle_of_ownership_terminates(chain_data: Path) -> None:
    with_owners(
        chain_data, [("Parent", "A", 50), ("A", "B", 50), ("B", "A", 50), ("B", "Target", 100)]
    )
    result = analyze(chain_data)
    assert result.supplier("Maker")["exposed"] is True  # A, then B, then Target
    assert result.affiliates.set_index("company").loc["Target", "affiliate"]
    # Multiplied: own(A) = 0.5 + 0.5 own(B), own(B) = 0.5 own(A), so own(B) = 1/3.
    table = analyze(chain_data, ownership_method="multiply").affiliates.set_index("company")
    assert table.loc["Target", "owned_by_listed"] == pytest.approx(1 / 3)
    assert not table.loc["Target", "affiliate"]


def test_threshold_switch_and_dates_of_the_rule(chain_data: Path) -> None:
    with_owners(chain_data, [("Parent", "Target", 40)])
    assert analyze(chain_data).supplier("Maker")["exposed"] is False
    assert analyze(chain_data, ownership_threshold=25).supplier("Maker")["exposed"] is True
    with_owners(chain_data, [("Parent", "Target", 100)])
    assert analyze(chain_data).supplier("Maker")["exposed"] is True
    assert analyze(chain_data, affiliates_rule=False).supplier("Maker")["exposed"] is False
    # Suspended from 2025-11-10 to 2026-11-09; not yet in force in 2019.
    assert analyze(chain_data, as_of="2026-06-01").supplier("Maker")["exposed"] is False
    assert analyze(chain_data, as_of="2019-10-09").supplier("Maker")["exposed"] is False
    assert analyze(chain_data, as_of="2025-10-01").supplier("Maker")["exposed"] is True


def test_an_unknown_percentage_is_a_possible_affiliate_not_zero(chain_data: Path) -> None:
    with_owners(chain_data, [("Parent", "Target", None)])
    result = analyze(chain_data)
    table = result.affiliates.set_index("company")
    assert table.loc["Target", "possible"]
    assert table.loc["Target", "owners"] == ["Parent"]
    assert table["owned_by_listed"].isna()["Target"]  # unknown, not 0
    assert not result.listed[result.graph.code("Target")]
    # A sale to it needs review, with what a confirmation would add, in every view.
    record = result.supplier("Maker")
    assert (record["exposed"], record["needs_review"]) == (False, True)
    assert record["revenue_at_risk_if_confirmed"] == pytest.approx(0.2)
    table = result.suppliers.set_index("supplier")
    assert table.loc["Maker", "needs_review"]
    assert table.loc["Maker", "revenue_at_risk_if_confirmed"] == pytest.approx(0.2)
    graph = result.to_networkx()  # what the graph exports write
    assert graph.nodes["Maker"]["needs_review"] is True
    assert graph.nodes["Maker"]["revenue_at_risk_if_confirmed"] == pytest.approx(0.2)
    assert graph.nodes["Maker"]["revenue_at_risk_if_confirmed_is_lower_bound"] is False
    assert graph.nodes["Target"]["possibly_listed_as"] == "Parent"
    assert "revenue_at_risk_if_confirmed" not in graph.nodes["Other"]
    (path,) = record["possible_paths"]
    assert (path["path"], path["listed"]) == (["Maker", "Target"], "Parent")
    assert path["ownership"] is not None
    assert path["ownership"]["possible"] is True
    assert "possible affiliate" in path["list"]
    text = format_report([record], "table", as_of=IN_FORCE, detailed=True)
    assert "'Target' may be an affiliate of Parent" in text
    assert "give each part in ownership.csv" in text
    ranking = CliRunner().invoke(cli, ["report", "--data", str(chain_data), "--as-of", IN_FORCE])
    assert re.search(r"Maker .* needs review", ranking.output)
    review = CliRunner().invoke(cli, ["review", "--data", str(chain_data), "--as-of", IN_FORCE])
    assert "Pending too, 1 possible affiliate" in review.output
    assert ": Target. Give each part in ownership.csv" in review.output


def test_validate_warns_of_each_part_a_listed_owner_holds_that_is_not_given(
    chain_data: Path,
) -> None:
    with_owners(
        chain_data,
        [
            ("Parent", "Target", None),
            ("Nobody", "Middle", None),
            ("Parent", "A", 60),
            ("A", "B", None),
        ],
    )
    found = CliRunner().invoke(cli, ["validate", "--data", str(chain_data)])
    assert found.exit_code == 0
    assert (
        "ownership.csv, line 2, column 'percent': the part 'Parent' owns of 'Target' is not given"
        in found.output
    )
    # An owner a listed entity owns may count as listed too: what it owns may be an affiliate.
    assert "line 5, column 'percent': the part 'A' owns of 'B' is not given" in found.output
    assert "Fix: give the percentage." in found.output
    assert "'Middle'" not in found.output  # its owner is listed nowhere, nor owned by a listed one


def test_the_picture_draws_the_whole_route_to_a_possible_affiliate_dashed(
    make_data: MakeData,
) -> None:
    folder = make_data(
        [listing("Parent")], [sale("Maker", "Dist", 0.4), sale("Dist", "Target", 0.5)]
    )
    with_owners(folder, [("Parent", "Target", None)])
    result = analyze(folder)
    view = network_view(result)
    assert view.graph.edges["Maker", "Dist"]["pending"] is True
    assert view.graph.edges["Dist", "Target"]["pending"] is True
    # Drawn as needing review, not as "not exposed".
    assert {view.graph.nodes[n]["role"] for n in ("Maker", "Dist", "Target")} == {"review"}
    page = to_html(result)
    assert "Needs review: reaches a possible match or affiliate" in page
    # The hover details of Maker give what a review could add: the figure and the path.
    assert '"if_confirmed":"20.0%"' in page  # 40% x 50%, were Target confirmed an affiliate
    assert '"pending":["Maker \\u2192 Dist \\u2192 Target (chips)"]' in page


def test_what_a_possible_affiliate_owns_may_be_listed_too(chain_data: Path) -> None:
    with_owners(chain_data, [("Parent", "Middle", None), ("Middle", "Target", 60)])
    result = analyze(chain_data)
    assert result.supplier("Maker")["needs_review"] is True
    assert result.supplier("Other")["needs_review"] is True
    # Not while the ownership rule is suspended: nothing then counts through owners.
    assert analyze(chain_data, as_of="2026-06-01").supplier("Maker")["needs_review"] is False


def test_ownership_file_is_validated(chain_data: Path) -> None:
    with_owners(
        chain_data, [("Parent", "Target", 70), ("Second Parent", "Target", 40), ("A", "B", 0)]
    )
    with pytest.raises(exposure.DataError) as caught:
        exposure.load(chain_data)
    messages = [str(p) for p in caught.value.problems]
    assert any(
        "line 4, column 'percent': '0' is not a percentage over 0 and at most 100" in m
        for m in messages
    )
    assert any(
        "the owners of 'Target' hold 110% in all, over 100% (lines 2, 3)" in m for m in messages
    )


def test_bundled_ownership_keeps_cetc_below_the_line_and_hisilicon_is_listed_itself() -> None:
    result = exposure.analyze(exposure.load(), as_of=IN_FORCE)
    table = result.affiliates.set_index("company")
    assert "Hikvision" not in table.index  # CETC is not listed; 40% < 50% anyway
    # Huawei's subsidiary, percent not given, is on the Entity List in its own right
    # (84 FR 22961): listed, so no affiliate to weigh.
    assert "HiSilicon" not in table.index
    record = result.supplier("HiSilicon")
    assert record["supplier"] == "HiSilicon Technologies Co., Ltd"
    listing = result.listing_of(result.code("HiSilicon"))
    assert (listing["federal_register_notice"], listing["start_date"]) == (
        "84 FR 22961",
        "2019-05-16",
    )


def test_what_if_never_lowers_any_exposure(make_data: MakeData) -> None:
    listed = [listing("L1")]
    sales = [
        sale("A", "B", 0.5),
        sale("B", "L1", 0.3),
        sale("C", "B", 0.2),
        sale("C", "D", 0.6),
        sale("D", "E", 1.0),
    ]
    folder = make_data(listed, sales)
    base = exposure.analyze(exposure.load(folder), as_of="2020-01-01")
    for name in ["B", "D", "E", "A"]:
        what_if = exposure.analyze(exposure.load(folder), as_of="2020-01-01", assume_listed=[name])
        assert what_if.assumptions == [
            f"assumed listed on the Entity List: {name} (what-if, not a fact)"
        ]
        for supplier in ["A", "B", "C", "D"]:
            before, after = base.supplier(supplier), what_if.supplier(supplier)
            assert after["exposed"] >= before["exposed"]
            assert (after["revenue_at_risk"] or 0) >= (before["revenue_at_risk"] or 0) - 1e-12
    assert np.array_equal(
        base.listed, exposure.analyze(exposure.load(folder), as_of="2020-01-01").listed
    )


def test_assume_delisted_removes_a_listing_and_reports_say_so(make_data: MakeData) -> None:
    folder = make_data([listing("L1")], [sale("A", "L1", 0.4)])
    runner = CliRunner()
    done = runner.invoke(
        cli, ["report", "--data", str(folder), "--as-of", "2020-01-01", "--assume-delisted", "L1"]
    )
    assert done.exit_code == 0
    assert done.stdout.startswith(
        "WHAT-IF: this report rests on assumptions, not on the data alone:\n"
    )
    assert "assumed no longer listed: L1" in done.stdout
    assert "0 of 1 suppliers exposed" in done.stdout
    done = runner.invoke(cli, ["report", "--data", str(folder), "--assume-listed", "Nobody Inc"])
    assert done.exit_code == 1
    assert "unknown entity 'Nobody Inc' in --assume-listed" in done.stderr


def test_diff_across_the_2019_10_09_rule_names_the_suppliers_it_changed() -> None:
    data = exposure.load()
    changes = diff(
        exposure.analyze(data, as_of="2019-10-08"), exposure.analyze(data, as_of="2019-10-09")
    )
    assert {c["supplier"]: c["change"] for c in changes} == {
        "Ambarella": "became exposed",
        "HiSilicon Technologies Co., Ltd": "became exposed",
        "Intel": "became exposed",
        "Nvidia": "became exposed",
        # Exposed through Huawei since May: the rule adds listed buyers.
        "Seagate": "listed buyers changed",
        "Western Digital": "listed buyers changed",
    }
    ambarella = changes[0]
    assert ambarella["supplier"] == "Ambarella"
    assert ambarella["revenue_at_risk_change"] == pytest.approx(0.17)
    assert {
        (b["listed"], b["federal_register_notice"], b["start_date"])
        for b in ambarella["new_listed_buyers"]
    } == {
        ("Hikvision", "84 FR 54002", "2019-10-09"),
        ("Dahua Technology", "84 FR 54002", "2019-10-09"),
    }


def test_diff_command_and_a_what_if_diff() -> None:
    runner = CliRunner()
    done = runner.invoke(
        cli, ["diff", "--from", "2019-05-01", "--to", "2019-05-16", "--format", "json"]
    )
    assert done.exit_code == 0
    assert {c["supplier"] for c in json.loads(done.stdout)} == {
        "Acacia Communications", "Google", "Lumentum", "Micron", "Microsoft", "NeoPhotonics",
        "Qorvo", "Seagate", "Skyworks", "Western Digital", "Xilinx",
    }  # fmt: skip
    done = runner.invoke(
        cli, ["diff", "--from", "2019-06-01", "--to", "2019-06-01", "--assume-listed", "Hikvision"]
    )
    assert done.exit_code == 0
    assert done.stdout.startswith("WHAT-IF:")
    ambarella = next(line for line in done.stdout.splitlines() if line.startswith("Ambarella"))
    assert ambarella.split()[1:8] == ["became", "exposed", "none", "->", "1", "0.0%", "->"]
    assert ambarella.split()[8] == "17.0%"


def test_reports_explain_affiliates_and_fuzzy_names(make_data: MakeData) -> None:
    listed = [
        listing("Parent Co"),
        listing("Hikvision", alt_names="Hangzhou Hikvision Digital Technology"),
    ]
    sales = [
        sale("Maker", "Daughter Ltd", 0.3),
        sale("Maker", "Hangzhou Hikvision Digital Tech Co Ltd", 0.1),
    ]
    folder = with_owners(
        make_data(listed, sales), [("Parent Co", "Mid", 100), ("Mid", "Daughter Ltd", 60)]
    )
    done = CliRunner().invoke(
        cli, ["report", "--data", str(folder), "--supplier", "Maker", "--as-of", IN_FORCE]
    )
    assert done.exit_code == 0
    assert "owned:     Parent Co -> Mid (100%) -> Daughter Ltd (60%)" in done.stdout
    assert "in force from 2026-11-10" in done.stdout  # the Affiliates Rule resumed on that day
    assert "name:      'Hangzhou Hikvision Digital Tech Co Ltd' in the data matched" in done.stdout
    record = analyze(folder).supplier("Maker")
    hikvision = next(p for p in record["paths"] if p["listed"] == "Hikvision")
    match = hikvision["match"]
    assert match is not None
    assert match["score"] is not None
    assert match["outcome"] == "fuzzy"
    assert 92 <= match["score"] <= 100  # "Tech" is read as "Technology"


def test_the_rule_of_each_listed_owner_comes_from_the_listing_reports_show(
    make_data: MakeData,
) -> None:
    # Which ownership rule applies depends on the owner's list: the lists looked up for the
    # rules (all listed nodes at once) are those each node's own listing record shows.
    listed = [
        listing("Parent"),
        listing("Parent", start="2020-05-01", list="Specially Designated Nationals (SDN)"),
        listing("Sanctioned", list="Specially Designated Nationals (SDN)"),
        listing("Dropped"),
    ]
    folder = make_data(
        listed,
        [sale("Maker", "Target", 0.2), sale("Maker", "Ward", 0.1), sale("Other", "Middle", 0.1)],
    )
    with_owners(
        folder, [("Parent", "Target", 60), ("Sanctioned", "Ward", 55), ("Other", "Middle", 70)]
    )
    result = analyze(folder, assume_listed=["Other"], assume_delisted=["Dropped"])
    listed_codes = np.flatnonzero(result.listing.by_data_or_assumption)
    assert len(listed_codes) == 3  # Parent, Sanctioned and the assumed Other; not Dropped
    expected = {
        int(c): tuple(result.listing.direct_listing(int(c))["list"].split("; "))
        for c in listed_codes
    }
    assert result.listing.owner_lists() == expected
    parent = result.graph.code("Parent")
    assert parent is not None
    # Its lists in force, the first first: its holdings count under both rules.
    assert expected[parent] == ("Entity List", "Specially Designated Nationals (SDN)")
    assert result.supplier("Maker")["exposed"] is True  # Target and Ward are affiliates


def test_an_owner_named_only_in_the_ownership_file_can_be_assumed_listed(
    make_data: MakeData,
) -> None:
    folder = make_data([listing("Hikvision")], [sale("Maker", "Target", 0.2)])
    with_owners(folder, [("Parent Group", "Target", 60)])
    assert analyze(folder).supplier("Maker")["exposed"] is False
    result = analyze(folder, assume_listed=["Parent Group"])
    record = result.supplier("Maker")
    assert record["exposed"] is True  # Target is 60% owned by an owner assumed listed
    assert result.assumptions == [
        "assumed listed on the Entity List: Parent Group (what-if, not a fact)"
    ]
    (path,) = record["paths"]
    assert path["list"].startswith("Entity List (what-if) (affiliate: 60% owned")
    ownership = path["ownership"]
    assert ownership is not None
    assert ownership["owners"][0]["owner"] == "Parent Group"


def test_an_assumed_listing_may_name_its_list_and_the_list_picks_the_ownership_rule(
    make_data: MakeData,
) -> None:
    folder = make_data([listing("Hikvision")], [sale("Maker", "Target", 0.2)])
    with_owners(folder, [("Parent Group", "Target", 60)])
    # Before BIS's Affiliates Rule only OFAC's 50% rule extends a list to owned companies.
    early = "2019-06-01"
    assert (
        analyze(folder, early, assume_listed=["Parent Group"]).supplier("Maker")["exposed"] is False
    )
    sdn = analyze(
        folder, early, assume_listed=["Parent Group=Specially Designated Nationals (SDN)"]
    )
    (path,) = sdn.supplier("Maker")["paths"]
    ownership = path["ownership"]
    assert ownership is not None
    assert ownership["rule"] == "OFAC's 50% rule"
    assert path["list"].startswith("Specially Designated Nationals (SDN) (what-if)")


@pytest.mark.parametrize(
    ("listed_names", "delisted_names", "message"),
    [
        (["Hikvision"], ["hikvision"], "contradict each other"),
        (["Parent Group=Entity List", "parent group"], [], "contradict each other"),
        ([], ["Maker"], "it is not listed on 2026-11-22, so this changes nothing"),
        ([], ["Parent Group"], "it is not listed on 2026-11-22, so this changes nothing"),
        (["Hikvision"], [], "it is listed already on 2026-11-22, so this changes nothing"),
        (["=SDN"], [], "names no entity"),
        ([], ["Hikvision=SDN"], "a delisting names no list"),
        (["Nobody Inc"], [], "it is in no data file (suppliers, listed or ownership)"),
    ],
)
def test_contradictory_or_empty_what_ifs_are_errors_that_say_which(
    make_data: MakeData, listed_names: list[str], delisted_names: list[str], message: str
) -> None:
    folder = make_data([listing("Hikvision")], [sale("Maker", "Target", 0.2)])
    with_owners(folder, [("Parent Group", "Target", 60)])
    with pytest.raises(exposure.ExposureError, match=re.escape(message)):
        analyze(folder, assume_listed=listed_names, assume_delisted=delisted_names).supplier(
            "Maker"
        )
    args = ["report", "--data", str(folder), "--as-of", IN_FORCE]
    args += [f"--assume-listed={n}" for n in listed_names]
    args += [f"--assume-delisted={n}" for n in delisted_names]
    done = CliRunner().invoke(cli, args)
    assert done.exit_code == 1
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_the_look_through_reading_finds_no_possible_affiliate_where_every_part_is_known(
    chain_data: Path,
) -> None:
    with_owners(chain_data, [("Parent", "Middle", 50), ("Middle", "Target", 50)])
    result = analyze(chain_data, ownership_method="multiply")
    assert result.supplier("Maker")["needs_review"] is False
    assert not result.affiliates.set_index("company").loc["Target", "possible"]


def test_diff_names_a_new_listed_buyer_once_however_many_routes_reach_it(
    make_data: MakeData,
) -> None:
    folder = make_data(
        [listing("Hikvision")],
        [
            sale("Maker", "Hikvision", 0.1),
            sale("Maker", "Dist", 0.2),
            sale("Dist", "Hikvision", 0.5),
        ],
    )
    data = exposure.load(folder)
    before, after = (exposure.analyze(data, as_of=d) for d in ("2019-10-08", "2019-10-09"))
    changes = {c["supplier"]: c for c in diff(before, after)}
    assert [b["listed"] for b in changes["Maker"]["new_listed_buyers"]] == ["Hikvision"]


def test_an_ownership_threshold_other_than_the_rules_is_a_stated_what_if(chain_data: Path) -> None:
    with_owners(chain_data, [("Parent", "Target", 40)])
    result = analyze(chain_data, ownership_threshold=40)
    assert result.supplier("Maker")["exposed"] is True
    assert result.assumptions == [
        "affiliates from 40% owned by listed entities, not the rules' 50% (what-if, not a fact)"
    ]
    (path,) = result.supplier("Maker")["paths"]
    assert "counted from 40%, not 50% (what-if)" in path["list"]
    assert analyze(chain_data).assumptions == []  # the rules' own reading: no what-if


def test_an_owner_written_otherwise_than_its_listing_is_matched_as_a_customer_would_be(
    make_data: MakeData,
) -> None:
    folder = make_data(
        [listing("Alpha Robotics Co Ltd", country="CN")],
        [sale("Maker", "Sub Three Ltd", 0.1, customer_country="CN")],
    )
    with_owners(folder, [("Alpha Robotic Co", "Sub Three Ltd", 60)])
    record = analyze(folder).supplier("Maker")
    assert record["exposed"] is True  # the owner is the listed Alpha Robotics, misspelt
    (path,) = record["paths"]
    owned = path["ownership"]
    assert owned is not None
    assert owned["owners"][0]["chain"][0] == "Alpha Robotics Co Ltd"
    # Without fuzzy matching, names are linked by equal keys only.
    graph = exposure.build_graph(exposure.load(folder), fuzzy=False)
    assert exposure.analyze(graph, as_of=IN_FORCE).supplier("Maker")["exposed"] is False


def test_validate_warns_of_an_owned_name_that_is_no_company_of_the_data(
    make_data: MakeData,
) -> None:
    folder = make_data([listing("Parent")], [sale("Maker", "Sub Affiliate Ltd", 0.1)])
    with_owners(folder, [("Parent", "Sub Afiliate Ltd", 60)])
    found = CliRunner().invoke(cli, ["validate", "--data", str(folder)])
    assert found.exit_code == 0
    assert (
        "ownership.csv, line 2, column 'owned': 'Sub Afiliate Ltd' is no company of the data "
        "(did you mean 'Sub Affiliate Ltd'?), so its owners make nothing an affiliate."
        in found.output
    )


def test_an_owner_on_two_lists_counts_under_the_rule_of_each(make_data: MakeData) -> None:
    # Parent is on the Entity List, then on the SDN List too. While the Affiliates Rule is
    # suspended, its 60% of Target still blocks Target under OFAC's 50% rule.
    folder = make_data(
        [
            listing("Parent", start="2020-01-01"),
            listing("Parent", start="2022-03-01", list="Specially Designated Nationals List"),
        ],
        [sale("Maker", "Target", 0.2)],
    )
    with_owners(folder, [("Parent", "Target", 60)])
    record = analyze(folder, as_of="2026-01-01").supplier("Maker")  # BIS rule suspended
    assert record["exposed"] is True
    (path,) = record["paths"]
    assert "OFAC's 50% rule" in str(path["federal_register_notice"])


def test_listed_names_the_affiliates_the_ownership_rules_make_listed(chain_data: Path) -> None:
    # No listing names Target, yet every report treats it as listed: `exposure listed` too.
    with_owners(chain_data, [("Parent", "Target", 60)])
    out = CliRunner().invoke(cli, ["listed", "--data", str(chain_data), "--as-of", IN_FORCE])
    assert "listed through ownership" in out.output
    (row,) = [line for line in out.output.splitlines() if line.startswith("Target")]
    assert "Entity List (affiliate: 60% owned by listed entities)" in row
    assert "90 FR 47201" in row


def test_an_affiliate_under_both_rules_keeps_ofacs_reach_when_bis_resumes(
    make_data: MakeData,
) -> None:
    # Kappa is 50% an SDN's and 50% an Entity List party's: blocked under OFAC's rule on every
    # date, so a US person's sale of a German item is reached whether or not BIS's rule is in
    # force; a rule coming into force never lowers exposure.
    folder = make_data(
        [
            listing(
                "Sigma Blocked", start="2022-04-06", list="Specially Designated Nationals List"
            ),
            listing("Epsilon Listed", start="2015-08-07"),
        ],
        [sale("Acme US", "Kappa JV", 0.1, supplier_country="US", origin="DE", us_content=0.0)],
    )
    with_owners(folder, [("Sigma Blocked", "Kappa JV", 50), ("Epsilon Listed", "Kappa JV", 50)])
    for day in ("2026-01-01", "2026-12-01"):  # the BIS rule suspended, then in force again
        record = analyze(folder, as_of=day).supplier("Acme US")
        assert record["revenue_at_risk"] == pytest.approx(0.1), day
        (path,) = record["paths"]
        assert path["subject_to_ear"] == "yes"
        assert "OFAC's 50% rule" in str(path["federal_register_notice"])
    assert "90 FR 47201" in str(path["federal_register_notice"])  # both rules named


def test_a_listed_entity_an_sdn_owns_60_percent_of_is_blocked_too(make_data: MakeData) -> None:
    # Omicron is on the Entity List for Russian projects only (§746.5) and 60% an SDN's: OFAC's
    # 50% rule blocks it, so a US person's sale of any item is reached, not only assumed.
    folder = make_data(
        [
            listing(
                "Sigma Blocked", start="2022-04-06", list="Specially Designated Nationals List"
            ),
            listing(
                "Omicron Oilfield",
                start="2015-08-07",
                license_requirement="For all items subject to the EAR when used in projects "
                "specified in §746.5 of the EAR.",
            ),
        ],
        [sale("Acme US", "Omicron Oilfield", 0.25, supplier_country="US", eccn="EAR99")],
    )
    with_owners(folder, [("Sigma Blocked", "Omicron Oilfield", 60)])
    record = analyze(folder).supplier("Acme US")
    (path,) = record["paths"]
    assert path["subject_to_ear"] == "yes"
    assert "OFAC's 50% rule (60% owned by listed entities)" in str(path["federal_register_notice"])
    assert record["revenue_at_risk"] == pytest.approx(0.25)
