"""Which sales the rules reach: each rule and its dates, written from the regulations' text.

15 CFR 734.3(a)(2) (US-origin items), 734.4(c) and (d) (de minimis: 10% for Country Group E:1
and E:2, 25% elsewhere, "25% or less" not subject), 734.9(e)(1) (the foreign direct product
rule for footnote 1 entities, from 85 FR 29849 and 85 FR 51596), and OFAC's rules binding US
persons (31 CFR chapter V).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

import exposure
from exposure.cli import cli
from exposure.license_review import license_review
from exposure.records import PathRecord, SupplierRecord
from exposure.render.text import format_report
from tests.conftest import MakeData, listing, sale

HIKVISION_POLICY = (
    "Case-by-case review for ECCNs 1A004.c, 1A004.d, 1A995, 1A999.a, 1D003, 2A983, 2D983, "
    "2E983 and for EAR99 items described in the note to ECCN 1A995; presumption of denial for "
    "all other items subject to the EAR. No license exceptions."
)


def hikvision(**extra: Any) -> dict[str, object]:
    return listing("Hikvision", country="CN", license_policy=HIKVISION_POLICY, **extra)


def path_to(record: SupplierRecord, buyer: str) -> PathRecord:
    """The supplier's own sale to a listed buyer, as a path."""
    (found,) = [p for p in record["paths"] if p["path"][1:] == [buyer]]
    return found


# -- US-origin items and the licence review by ECCN --------------------------------------------


def test_us_origin_items_to_hikvision_are_reviewed_by_their_eccn(make_data: MakeData) -> None:
    folder = make_data(
        [hikvision()],
        [
            sale("Acme", "Hikvision", 0.1, "cables", supplier_country="US", eccn="EAR99"),
            sale("Optix", "Hikvision", 0.2, "thermal cameras", supplier_country="US", eccn="1A995"),
        ],
    )
    result = exposure.analyze(exposure.load(folder), as_of="2020-01-01")
    cables = path_to(result.supplier("Acme"), "Hikvision")
    cameras = path_to(result.supplier("Optix"), "Hikvision")
    assert cables["subject_to_ear"] == cameras["subject_to_ear"] == "yes"
    assert "US-origin item" in str(cables["subject_basis"])
    assert "734.3(a)(2)" in str(cables["subject_basis"])
    # Presumption of denial for EAR99 items, unless the note to 1A995 describes them.
    assert str(cables["license_review"]).endswith("otherwise presumption of denial")
    assert cameras["license_review"] == "case-by-case review (ECCN 1A995)"
    assert result.supplier("Optix")["revenue_at_risk"] == pytest.approx(0.2)


def test_the_review_of_items_whose_eccn_the_policy_does_not_name() -> None:
    assert license_review(HIKVISION_POLICY, "5A992.c") == (
        "presumption of denial (ECCN 5A992.c: all other items)"
    )
    assert license_review(HIKVISION_POLICY, "1A004.c.1") == "case-by-case review (ECCN 1A004.c.1)"
    assert str(license_review(HIKVISION_POLICY, None)).startswith("depends on the ECCN")
    assert license_review("Presumption of denial. No license exceptions.", "5A992") == (
        "presumption of denial"
    )
    excepted = (
        "Presumption of denial for all items subject to the EAR except food and medicine "
        "designated as EAR99, which will be reviewed on a case-by-case basis."
    )
    assert (
        license_review(excepted, "3A001") == "presumption of denial (ECCN 3A001: all other items)"
    )
    assert str(license_review(excepted, "EAR99")).startswith("case-by-case review if the item is")
    assert license_review("See the Federal Register notice.", "3A001") is None


def run_cli(*args: str) -> tuple[int, str]:
    done = CliRunner().invoke(cli, list(args))
    return done.exit_code, done.stdout


# -- de minimis ------------------------------------------------------------------------------


def test_products_of_sales_the_rules_do_not_reach_are_not_called_affected(
    make_data: MakeData,
) -> None:
    # board A (30% US content) is reached, board B (10%) is not: only board A is affected.
    folder = make_data(
        [hikvision()],
        [
            sale("TWFab", "Hikvision", 0.1, "board A", supplier_country="TW", us_content=0.3),
            sale("TWFab", "Hikvision", 0.15, "board B", supplier_country="TW", us_content=0.1),
        ],
    )
    result = exposure.analyze(exposure.load(folder), as_of="2020-01-01")
    record = result.supplier("TWFab")
    assert record["revenue_at_risk"] == pytest.approx(0.1)
    assert record["products"] == ["board A"]
    assert path_to(record, "Hikvision")["products"] == ["board A"]
    assert [s["products"] for s in record["sales_not_reached"]] == [["board B"]]
    text = format_report([record], "table", as_of="2020-01-01", detailed=True)
    assert "Affected products: board A\n" in text
    # The records of every supplier at once say the same.
    code, out = run_cli("report", "--data", str(folder), "--as-of", "2020-01-01", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["products"] for r in rows if r["supplier"] == "TWFab"] == ["board A"]


def test_a_taiwanese_board_is_reached_above_25_percent_us_content_only(
    make_data: MakeData,
) -> None:
    folder = make_data(
        [hikvision()],
        [
            sale("Boards30", "Hikvision", 0.3, "boards", supplier_country="TW", us_content=0.3),
            sale("Boards20", "Hikvision", 0.2, "boards", supplier_country="TW", us_content=0.2),
            sale("Boards25", "Hikvision", 0.2, "boards", supplier_country="TW", us_content=0.25),
        ],
    )
    result = exposure.analyze(exposure.load(folder), as_of="2020-01-01")
    above = result.supplier("Boards30")
    assert above["exposed"]
    assert above["revenue_at_risk"] == pytest.approx(0.3)
    assert path_to(above, "Hikvision")["subject_to_ear"] == "yes"
    assert "30% above the 25% de minimis level" in str(path_to(above, "Hikvision")["subject_basis"])
    for name, percent in (("Boards20", "20%"), ("Boards25", "25%")):  # 25% or less: not subject
        below = result.supplier(name)
        assert not below["exposed"]
        assert below["paths"] == []
        (not_reached,) = below["sales_not_reached"]
        assert not_reached["buyer"] == "Hikvision"
        assert not_reached["basis"].startswith("not subject to the EAR")
        assert f"{percent} US content" in not_reached["basis"]
        text = format_report([below], "table", as_of="2020-01-01", detailed=True)
        assert "It reaches no listed entity by a sale the rules reach (see below)." in text
        assert "Sales to listed buyers the rules do not reach (no exposure):" in text


def test_the_de_minimis_level_is_10_percent_for_country_group_e(make_data: MakeData) -> None:
    folder = make_data(
        [listing("Tehran Optics", country="IR"), listing("Nowhere Optics")],
        [
            sale("Lenses", "Tehran Optics", 0.1, "lenses", supplier_country="DE", us_content=0.15),
            sale("Lenses", "Nowhere Optics", 0.1, "lenses", supplier_country="DE", us_content=0.15),
        ],
    )
    record = exposure.analyze(exposure.load(folder), as_of="2020-01-01").supplier("Lenses")
    assert path_to(record, "Tehran Optics")["subject_to_ear"] == "yes"
    assert "10% de minimis level for Country Group E:1 and E:2" in str(
        path_to(record, "Tehran Optics")["subject_basis"]
    )
    # Between 10% and 25%, with no country for the buyer: it depends on where it goes.
    assert path_to(record, "Nowhere Optics")["subject_to_ear"] == "unknown"
    assert record["revenue_at_risk"] == pytest.approx(0.1)
    assert record["revenue_at_risk_is_lower_bound"]


# -- the foreign direct product rule ----------------------------------------------------------


def test_a_direct_product_of_us_technology_to_huawei_before_and_after_footnote_1(
    make_data: MakeData,
) -> None:
    listed = [
        listing("Huawei", start="2019-05-16", country="CN", federal_register_notice="84 FR 22961"),
        listing(
            "Huawei",
            start="2020-08-17",
            country="CN",
            federal_register_notice="85 FR 51596",
            footnote="1",
        ),
        hikvision(),
    ]
    chip: dict[str, Any] = {"supplier_country": "TW", "us_content": 0.05, "us_technology": "yes"}
    folder = make_data(
        listed,
        [sale("Foundry", "Huawei", 0.4, **chip), sale("Foundry", "Hikvision", 0.1, **chip)],
    )
    before = exposure.analyze(exposure.load(folder), as_of="2020-01-01").supplier("Foundry")
    assert not before["exposed"]
    assert {s["buyer"] for s in before["sales_not_reached"]} == {"Huawei", "Hikvision"}
    after = exposure.analyze(exposure.load(folder), as_of="2020-09-01").supplier("Foundry")
    assert after["exposed"]
    assert after["revenue_at_risk"] == pytest.approx(0.4)
    to_huawei = path_to(after, "Huawei")
    assert to_huawei["subject_to_ear"] == "yes"
    assert "footnote 1 designation of Huawei" in str(to_huawei["subject_basis"])
    assert "734.9(e)(1)" in str(to_huawei["subject_basis"])
    # Hikvision has no footnote: the same chip is still not reached.
    assert [s["buyer"] for s in after["sales_not_reached"]] == ["Hikvision"]


def test_a_footnote_on_an_older_listing_brings_no_direct_product_rule_before_its_rule(
    make_data: MakeData,
) -> None:
    # The CSL carries footnote 4 on NUDT's 2015 row; its rule, 87 FR 62186, took effect on
    # 2022-10-21 (only some of its other instructions on 2022-10-07): a Taiwanese direct product
    # of US technology was not reached in 2016, nor on 2022-10-20.
    folder = make_data(
        [listing("NUDT", start="2015-02-18", footnote="4")],
        [
            sale(
                "Foundry",
                "NUDT",
                0.3,
                supplier_country="TW",
                customer_country="CN",
                us_content=0.05,
                us_technology="yes",
            )
        ],
    )
    for day in ("2016-06-01", "2022-10-20"):
        before = exposure.analyze(exposure.load(folder), as_of=day).supplier("Foundry")
        assert not before["exposed"]
        assert "de minimis" in before["sales_not_reached"][0]["basis"]
    after = exposure.analyze(exposure.load(folder), as_of="2022-10-21").supplier("Foundry")
    assert path_to(after, "NUDT")["subject_to_ear"] == "yes"
    assert "87 FR 62186" in str(path_to(after, "NUDT")["subject_basis"])


def test_whether_an_item_is_a_direct_product_unknown_is_unknown(make_data: MakeData) -> None:
    folder = make_data(
        [listing("Huawei", start="2019-05-16", footnote="1")],
        [sale("Foundry", "Huawei", 0.4, supplier_country="TW", us_content=0.05)],
    )
    record = exposure.analyze(exposure.load(folder), as_of="2020-09-01").supplier("Foundry")
    assert record["exposed"]
    assert path_to(record, "Huawei")["subject_to_ear"] == "unknown"
    assert record["revenue_at_risk"] is None  # the only share is in doubt: unknown, not 0


def test_a_licence_requirement_limited_to_an_end_use_is_assumed_not_yes(
    make_data: MakeData,
) -> None:
    # 70 Entity List entries (79 FR 55608 and after) require a licence "when used in projects
    # specified in §746.5": the data does not say where an item is used.
    folder = make_data(
        [
            listing(
                "Gazprom Neft",
                start="2014-09-17",
                license_requirement="For all items subject to the EAR when used in projects "
                "specified in §746.5 of the EAR.",
            ),
            hikvision(),
        ],
        [
            sale("Acme US", "Gazprom Neft", 0.1, supplier_country="US"),
            sale("Acme US", "Hikvision", 0.2, supplier_country="US"),
        ],
    )
    record = exposure.analyze(exposure.load(folder), as_of="2020-01-01").supplier("Acme US")
    to_gazprom = path_to(record, "Gazprom Neft")
    assert to_gazprom["subject_to_ear"] == "assumed"
    assert "only when it is used in projects specified in §746.5 of the EAR" in str(
        to_gazprom["subject_basis"]
    )
    assert path_to(record, "Hikvision")["subject_to_ear"] == "yes"
    assert record["revenue_at_risk"] == pytest.approx(0.3)  # assumed counts: the cautious reading


# -- sanctions: US persons ----------------------------------------------------------------------


def test_sales_to_an_sdn_are_reached_when_a_us_person_makes_them(make_data: MakeData) -> None:
    sdn = listing("Rosoboron Trading", list="Specially Designated Nationals List")
    foreign_goods: dict[str, Any] = {"origin": "JP", "us_content": 0.0}
    folder = make_data(
        [sdn],
        [
            sale(
                "US Distributor", "Rosoboron Trading", 0.2, supplier_country="US", **foreign_goods
            ),
            sale("Taipei Trader", "Rosoboron Trading", 0.2, supplier_country="TW", **foreign_goods),
        ],
    )
    result = exposure.analyze(exposure.load(folder), as_of="2020-01-01")
    us = result.supplier("US Distributor")
    assert us["exposed"]
    assert path_to(us, "Rosoboron Trading")["subject_to_ear"] == "yes"
    assert "US person" in str(path_to(us, "Rosoboron Trading")["subject_basis"])
    taipei = result.supplier("Taipei Trader")
    assert not taipei["exposed"]
    assert "binds US persons" in taipei["sales_not_reached"][0]["basis"]


def test_an_investment_ban_is_no_export_exposure(make_data: MakeData) -> None:
    cmic = listing(
        "Server Buyer", list="Non-SDN Chinese Military-Industrial Complex Companies List"
    )
    folder = make_data([cmic], [sale("US Servers", "Server Buyer", 0.3, supplier_country="US")])
    record = exposure.analyze(exposure.load(folder), as_of="2022-01-01").supplier("US Servers")
    assert not record["exposed"]
    assert record["revenue_at_risk"] in (0.0, None)
    assert [r["buyer"] for r in record["other_restrictions"]] == ["Server Buyer"]


# -- unknown stays unknown -----------------------------------------------------------------------


def test_a_chinese_maker_with_unknown_us_content_stays_exposed_and_uncertain(
    make_data: MakeData,
) -> None:
    folder = make_data(
        [hikvision()],
        [
            sale("Shenzhen Chips", "Hikvision", 0.3, supplier_country="CN"),
            sale("Shenzhen Chips", "Distributor", 0.1, supplier_country="CN"),
            sale("Distributor", "Hikvision", 0.5, supplier_country="US"),
        ],
    )
    result = exposure.analyze(exposure.load(folder), as_of="2020-01-01")
    record = result.supplier("Shenzhen Chips")
    assert record["exposed"]
    assert record["tier"] == 1
    assert path_to(record, "Hikvision")["subject_to_ear"] == "unknown"
    assert "US content unknown" in str(path_to(record, "Hikvision")["subject_basis"])
    # The distributor's US-origin sale counts (0.1 x 0.5); the doubtful one makes a lower bound.
    assert record["revenue_at_risk"] == pytest.approx(0.05)
    assert record["revenue_at_risk_is_lower_bound"]
    text = (
        CliRunner()
        .invoke(
            cli,
            [
                "report",
                "--data",
                str(folder),
                "--as-of",
                "2020-01-01",
                "--supplier",
                "Shenzhen Chips",
            ],
        )
        .output
    )
    assert (
        "subject:   unknown: foreign-made item (CN, the supplier's country: no origin given), "
        "US content unknown"
    ) in text
    # Every share is known: only the reach of the Chinese-made sale is in doubt.
    assert "a lower bound, whether the rules reach a sale is unknown" in text


def test_the_revenue_at_risk_if_reached_says_when_it_is_a_lower_bound(
    make_data: MakeData,
) -> None:
    folder = make_data(
        [hikvision()],
        [
            sale("Shenzhen Chips", "Hikvision", 0.12, supplier_country="CN"),
            sale("Shenzhen Chips", "Distributor", None, supplier_country="CN"),
            sale("Distributor", "Hikvision", 0.5, supplier_country="CN"),
            sale("Shenzhen Boards", "Hikvision", 0.2, supplier_country="CN"),
        ],
    )
    result = exposure.analyze(exposure.load(folder), as_of="2020-01-01")
    chips, boards = result.supplier("Shenzhen Chips"), result.supplier("Shenzhen Boards")
    assert chips["revenue_at_risk_if_reached"] == pytest.approx(0.12)
    assert chips["revenue_at_risk_if_reached_is_lower_bound"] is True  # the distributor's part
    assert boards["revenue_at_risk_if_reached"] == pytest.approx(0.2)
    assert boards["revenue_at_risk_if_reached_is_lower_bound"] is False
    text = format_report([chips, boards], "table", as_of="2020-01-01", detailed=True)
    assert "If the rules reach every sale whose reach is unknown: ≥ 12.0% (known shares;" in text
    assert "If the rules reach every sale whose reach is unknown: 20.0% (known shares)" in text


def test_a_tier_2_exposure_depends_on_the_last_sale(make_data: MakeData) -> None:
    folder = make_data(
        [hikvision()],
        [
            sale("US Chips", "Board Maker", 0.4, supplier_country="US"),
            sale("Board Maker", "Hikvision", 0.5, "boards", supplier_country="TW", us_content=0.2),
        ],
    )
    result = exposure.analyze(exposure.load(folder), as_of="2020-01-01")
    assert not result.supplier("US Chips")["exposed"]  # the boards are not subject to the EAR
    richer = make_data(
        [hikvision()],
        [
            sale("US Chips", "Board Maker", 0.4, supplier_country="US"),
            sale("Board Maker", "Hikvision", 0.5, "boards", supplier_country="TW", us_content=0.3),
        ],
    )
    record = exposure.analyze(exposure.load(richer), as_of="2020-01-01").supplier("US Chips")
    assert record["tier"] == 2
    assert record["revenue_at_risk"] == pytest.approx(0.2)
    assert record["paths"][0]["subject_to_ear"] == "yes"


def test_data_with_no_countries_is_counted_as_reached_and_says_so(make_data: MakeData) -> None:
    folder = make_data([hikvision()], [sale("Acme", "Hikvision", 0.3)])
    record = exposure.analyze(exposure.load(folder), as_of="2020-01-01").supplier("Acme")
    assert record["revenue_at_risk"] == pytest.approx(0.3)
    path = path_to(record, "Hikvision")
    assert path["subject_to_ear"] == "assumed"
    assert "not assessed" in str(path["subject_basis"])


def test_a_list_the_table_does_not_know_restricts_every_sale(make_data: MakeData) -> None:
    folder = make_data(
        [listing("Hikvision", list="Our own watch list")],
        [sale("Acme", "Hikvision", 0.3, supplier_country="TW", us_content=0.0)],
    )
    record = exposure.analyze(exposure.load(folder), as_of="2020-01-01").supplier("Acme")
    assert record["exposed"]
    assert record["revenue_at_risk"] == pytest.approx(0.3)
    assert "read as restricting every sale" in str(path_to(record, "Hikvision")["subject_basis"])


def test_hisilicons_sale_to_hikvision_is_subject_unknown_on_the_bundled_data() -> None:
    record = exposure.analyze(exposure.load(), as_of="2019-10-09").supplier("HiSilicon")
    path = path_to(record, "Hikvision")
    assert path["subject_to_ear"] == "unknown"
    assert "foreign-made item (CN" in str(path["subject_basis"])


# -- every view ---------------------------------------------------------------------------------


def test_json_and_csv_reports_carry_the_reach_and_the_review(
    make_data: MakeData, tmp_path: Path
) -> None:
    folder = make_data(
        [hikvision()],
        [
            sale("Optix", "Hikvision", 0.2, supplier_country="US", eccn="1A995"),
            sale("Optix", "Hikvision", 0.1, "boards", supplier_country="TW", us_content=0.1),
        ],
    )
    args = ["report", "--data", str(folder), "--as-of", "2020-01-01", "--supplier", "Optix"]
    (record,) = json.loads(CliRunner().invoke(cli, [*args, "--format", "json"]).output)
    path = path_to(record, "Hikvision")
    assert path["subject_to_ear"] == "yes"
    # Two products, two reasons: each product is named with its own.
    assert "chips: US-origin item" in str(path["subject_basis"])
    assert "boards: not subject to the EAR" in str(path["subject_basis"])
    assert record["revenue_at_risk"] == pytest.approx(0.2)
    # The sale's share is 30%; the figures count the 20% of the products the rules reach.
    (hop,) = path["hops"]
    assert hop["revenue_share"] == pytest.approx(0.3)
    assert hop["revenue_share_reached"] == pytest.approx(0.2)
    text = CliRunner().invoke(cli, args).output
    assert "share of revenue 30.0%, of which the rules reach 20.0%" in text
    csv_text = CliRunner().invoke(cli, [*args, "--format", "csv"]).output
    header = csv_text.splitlines()[0].split(",")
    assert {"subject_to_ear", "subject_basis", "license_review"} <= set(header)
    folder_out = tmp_path / "parquet"
    done = CliRunner().invoke(cli, [*args, "--format", "parquet", "-o", str(folder_out)])
    assert done.exit_code == 0, done.output
    paths = pd.read_parquet(folder_out / "paths.parquet")
    assert paths["subject_to_ear"].tolist() == ["yes"]
    assert paths["license_review"].tolist() == ["case-by-case review (ECCN 1A995)"]
    suppliers = pd.read_parquet(folder_out / "suppliers.parquet")
    (not_reached,) = suppliers["sales_not_reached"].tolist()
    assert len(not_reached) == 1
    assert "boards" in not_reached[0]


def test_exports_and_pictures_mark_the_sales_no_rule_reaches(
    make_data: MakeData, tmp_path: Path
) -> None:
    folder = make_data(
        [hikvision()],
        [
            sale("US Chips", "Hikvision", 0.2, supplier_country="US"),
            sale("Boards", "Hikvision", 0.3, "boards", supplier_country="TW", us_content=0.1),
            sale("Shenzhen Chips", "Hikvision", 0.3, supplier_country="CN"),
        ],
    )
    result = exposure.analyze(exposure.load(folder), as_of="2020-01-01")
    G = result.to_networkx()
    assert G.edges["US Chips", "Hikvision"]["subject_to_ear"] == "yes"
    assert G.edges["Boards", "Hikvision"]["subject_to_ear"] == "no"
    assert "not subject to the EAR" in G.edges["Boards", "Hikvision"]["subject_basis"]
    assert G.edges["Shenzhen Chips", "Hikvision"]["subject_to_ear"] == "unknown"
    assert G.edges["US Chips", "Hikvision"]["license_review"].startswith("depends on the ECCN")
    out = tmp_path / "graph.json"
    done = CliRunner().invoke(
        cli, ["export", "--data", str(folder), "--as-of", "2020-01-01", "-o", str(out)]
    )
    assert done.exit_code == 0, done.output
    exported = json.loads(out.read_text(encoding="utf-8"))
    statuses = {
        (e["source"], e["target"]): e.get("subject_to_ear")
        for e in exported.get("links", exported.get("edges", []))
    }
    assert statuses[("Boards", "Hikvision")] == "no"
    from exposure.render.plot import network_view

    view = network_view(result)
    assert not view.graph.edges["Boards", "Hikvision"]["on_path"]
    assert view.graph.edges["US Chips", "Hikvision"]["on_path"]


# -- lists the table does not know: lists.csv ------------------------------------------------

LISTS_HEADER = "list,reach,restricts,agency,basis,ownership,source\n"


def test_a_users_own_list_is_read_as_its_lists_csv_says(make_data: MakeData) -> None:
    watch = listing("Volga Traders", list="EU Consolidated List")
    folder = make_data(
        [watch],
        [
            sale("US Tools", "Volga Traders", 0.2, supplier_country="US"),
            sale("Taipei Tools", "Volga Traders", 0.2, supplier_country="TW", us_content=0.0),
        ],
    )
    # Without lists.csv: the cautious reading, said so, and validate warns.
    result = exposure.analyze(exposure.load(folder), as_of="2020-01-01")
    assert result.supplier("Taipei Tools")["exposed"]
    warned = CliRunner().invoke(cli, ["validate", "--data", str(folder)])
    assert "lists.csv" in warned.output
    from exposure.render.plot import network_view

    assert any(
        "EU Consolidated List: a list exposure does not know" in n
        for n in network_view(result).notes
    )
    # Described as binding US persons only.
    (folder / "lists.csv").write_text(
        LISTS_HEADER + "EU Consolidated List,us_person,asset freeze,EU,Reg. 269/2014,,test\n",
        encoding="utf-8",
    )
    result = exposure.analyze(exposure.load(folder), as_of="2020-01-01")
    assert result.supplier("US Tools")["exposed"]
    taipei = result.supplier("Taipei Tools")
    assert not taipei["exposed"]
    assert "EU Consolidated List binds US persons" in taipei["sales_not_reached"][0]["basis"]
    quiet = CliRunner().invoke(cli, ["validate", "--data", str(folder)])
    assert "Warning" not in quiet.output
    # Described as restricting no sale: reported beside, never exposure.
    (folder / "lists.csv").write_text(
        LISTS_HEADER + "EU Consolidated List,none,asset freeze,EU,,,test\n", encoding="utf-8"
    )
    record = exposure.analyze(exposure.load(folder), as_of="2020-01-01").supplier("US Tools")
    assert not record["exposed"]
    assert [r["restricts"] for r in record["other_restrictions"]] == ["asset freeze"]


def test_lists_csv_may_not_redescribe_a_known_list_or_one_twice(make_data: MakeData) -> None:
    folder = make_data([hikvision()], [sale("Acme", "Hikvision", 0.2)])
    (folder / "lists.csv").write_text(
        LISTS_HEADER
        + "Entity List,none,nothing,BIS,,,test\n"
        + "Our list,every_sale,all,,,,test\n"
        + "Our  List,none,nothing,,,,test\n"
        + "Other list,sometimes,all,,,,test\n",
        encoding="utf-8",
    )
    done = CliRunner().invoke(cli, ["validate", "--data", str(folder)])
    assert done.exit_code == 1
    assert "lists.csv, line 2, column 'list': 'Entity List' is a list whose rules are built in" in (
        done.output
    )
    assert "line 4, column 'list': 'Our  List' is described already on line 3" in done.output
    assert "line 5, column 'reach': 'sometimes' is not one of" in done.output


def test_a_us_suppliers_foreign_made_item_may_ship_from_the_united_states(
    make_data: MakeData,
) -> None:
    # Items in the United States are subject to the EAR whatever their origin (734.3(a)(1)):
    # where a US distributor ships a Japanese item from is not in the data, so it is unknown.
    folder = make_data(
        [hikvision()],
        [
            sale(
                "US Distributor",
                "Hikvision",
                0.2,
                supplier_country="US",
                origin="JP",
                us_content=0.0,
            )
        ],
    )
    record = exposure.analyze(exposure.load(folder), as_of="2020-01-01").supplier("US Distributor")
    assert record["exposed"]
    path = path_to(record, "Hikvision")
    assert path["subject_to_ear"] == "unknown"
    assert "734.3(a)(1)" in str(path["subject_basis"])
    assert record["sales_not_reached"] == []


def test_parquet_files_may_give_us_technology_as_booleans_and_footnotes_as_numbers(
    tmp_path: Path,
) -> None:
    pd.DataFrame(
        {
            "supplier": ["Foundry", "Fab"],
            "customer": ["Huawei", "Huawei"],
            "product": ["chips", "chips"],
            "supplier_country": ["TW", "TW"],
            "us_content": [0.05, 0.05],
            "us_technology": [True, False],
            "revenue_share": [0.2, 0.1],
            "source": ["test", "test"],
        }
    ).to_parquet(tmp_path / "suppliers.parquet")
    pd.DataFrame(
        {
            "name": ["Huawei"],
            "list": ["Entity List"],
            "start_date": ["2020-08-17"],
            "footnote": [1],
            "source": ["test"],
        }
    ).to_parquet(tmp_path / "listed.parquet")
    result = exposure.analyze(exposure.load(tmp_path), as_of="2021-01-01")
    assert result.supplier("Foundry")["exposed"]
    assert not result.supplier("Fab")["exposed"]


def test_a_military_end_user_listing_counts_items_subject_to_the_ear_as_assumed(
    make_data: MakeData,
) -> None:
    # 15 CFR 744.21 restricts the items of Supplement No. 2 to part 744 only: which items those
    # are is not assessed, so a US item counts, as assumed, never as a sure "yes".
    folder = make_data(
        [listing("Aviation Works", country="CN", list="Military End User List")],
        [
            sale("US Maker", "Aviation Works", 0.3, supplier_country="US", eccn="5A992"),
            sale("TW Maker", "Aviation Works", 0.2, supplier_country="TW", origin="TW",
                 us_content=0.05, us_technology="no"),
        ],
    )  # fmt: skip
    result = exposure.analyze(exposure.load(folder), as_of="2020-01-01")
    us = path_to(result.supplier("US Maker"), "Aviation Works")
    assert us["subject_to_ear"] == "assumed"
    assert "only the items of Supplement No. 2 to part 744 (15 CFR 744.21), which are not" in str(
        us["subject_basis"]
    )
    assert result.supplier("US Maker")["revenue_at_risk"] == pytest.approx(0.3)
    # An item not subject to the EAR is out of the rule's reach, as for the Entity List.
    assert result.supplier("TW Maker")["exposed"] is False


def test_a_users_list_may_restrict_some_items_only(make_data: MakeData) -> None:
    folder = make_data(
        [listing("Volga Traders", list="Our Items List")],
        [sale("US Tools", "Volga Traders", 0.2, supplier_country="US")],
    )
    (folder / "lists.csv").write_text(
        LISTS_HEADER + "Our Items List,ear_items,some items,us,,,test\n", encoding="utf-8"
    )
    result = exposure.analyze(exposure.load(folder), as_of="2020-01-01")
    path = path_to(result.supplier("US Tools"), "Volga Traders")
    assert path["subject_to_ear"] == "assumed"
    assert "the Our Items List restricts only some items, which are not assessed" in str(
        path["subject_basis"]
    )


def test_a_sale_of_unknown_reach_shows_what_it_would_add_in_every_view(
    make_data: MakeData,
) -> None:
    # A Taiwanese board of unknown US content: revenue at risk is unknown, not 0; 40% if the
    # rules reach the sale, in the ranking, the CSV and the DataFrame as in the JSON record.
    folder = make_data(
        [hikvision()],
        [sale("Echo Corp", "Hikvision", 0.4, supplier_country="TW", origin="TW")],
    )
    result = exposure.analyze(exposure.load(folder), as_of="2020-01-01")
    record = result.supplier("Echo Corp")
    assert record["revenue_at_risk"] is None
    assert record["revenue_at_risk_if_reached"] == pytest.approx(0.4)
    row = result.suppliers.set_index("supplier").loc["Echo Corp"]
    assert row["revenue_at_risk_if_reached"] == pytest.approx(0.4)
    assert not row["revenue_at_risk_if_reached_is_lower_bound"]
    args = ["report", "--data", str(folder), "--as-of", "2020-01-01"]
    ranking = CliRunner().invoke(cli, args)
    assert "unknown (40.0% if reached)" in ranking.stdout
    table = CliRunner().invoke(cli, [*args, "--format", "csv"])
    (line,) = csv.DictReader(io.StringIO(table.stdout))
    assert float(line["revenue_at_risk_if_reached"]) == pytest.approx(0.4)


def test_a_buyer_on_two_lists_names_both_and_cites_each_listing(make_data: MakeData) -> None:
    # A Taiwanese board to a party on the Entity List and the SDN List: the EAR may not
    # reach it, a US person's dealing with the SDN does; the SDN listing must be cited.
    folder = make_data(
        [
            listing("Vexco", start="2021-01-01", federal_register_notice="86 FR 5"),
            listing(
                "Vexco",
                start="2022-05-01",
                list="Specially Designated Nationals List",
                source="OFAC SDN entry",
            ),
        ],
        [sale("Zulu Inc", "Vexco", 0.2, supplier_country="US", origin="TW")],
    )
    record = exposure.analyze(exposure.load(folder), as_of="2024-01-01").supplier("Zulu Inc")
    path = path_to(record, "Vexco")
    assert path["list"] == "Entity List; Specially Designated Nationals List"
    assert "Specially Designated Nationals List" in str(path["subject_basis"])
    assert {"test listing of Vexco", "OFAC SDN entry"} <= set(path["sources"])
    before = exposure.analyze(exposure.load(folder), as_of="2021-06-01").supplier("Zulu Inc")
    assert path_to(before, "Vexco")["list"] == "Entity List"  # the SDN listing not yet


def test_an_ear99_item_to_a_military_end_user_is_not_restricted_but_in_russia(
    make_data: MakeData,
) -> None:
    # 15 CFR 744.21 restricts the items of Supplement No. 2 to part 744, which names ECCNs:
    # an EAR99 item to AECC Harbin is none of them; to a Russian military end user it may be.
    meu = "Military End User List"
    folder = make_data(
        [listing("AECC Harbin", list=meu), listing("Rostov Plant", list=meu)],
        [
            sale("Acme US", "AECC Harbin", 0.1, supplier_country="US", eccn="EAR99",
                 customer_country="CN"),
            sale("Acme US", "Rostov Plant", 0.2, supplier_country="US", eccn="EAR99",
                 customer_country="RU"),
            sale("Bolt US", "AECC Harbin", 0.3, supplier_country="US", eccn="3A991"),
        ],
    )  # fmt: skip
    result = exposure.analyze(exposure.load(folder), as_of="2023-01-01")
    acme = result.supplier("Acme US")
    (not_reached,) = acme["sales_not_reached"]
    assert not_reached["buyer"] == "AECC Harbin"
    assert "an EAR99 item" in not_reached["basis"]
    # Since 87 FR 12226, 744.21(a) covers every item subject to the EAR for Russian military
    # end users: a sure "yes", not an item of Supplement No. 2 assumed.
    rostov = path_to(acme, "Rostov Plant")
    assert rostov["subject_to_ear"] == "yes"
    assert "covers every item subject to the EAR there" in str(rostov["subject_basis"])
    assert "744.21(a), 87 FR 12226, from 2022-02-24" in str(rostov["subject_basis"])
    assert "Supplement No. 2 to part 744 (15 CFR 744.21), which are not" not in str(
        rostov["subject_basis"]
    )
    assert acme["revenue_at_risk"] == pytest.approx(0.2)
    assert path_to(result.supplier("Bolt US"), "AECC Harbin")["subject_to_ear"] == "assumed"
    # Before 87 FR 12226 (2022-02-24) only the items of Supplement No. 2 were restricted in
    # Russia too.
    before = exposure.analyze(exposure.load(folder), as_of="2021-06-01").supplier("Acme US")
    assert {s["buyer"] for s in before["sales_not_reached"]} == {"AECC Harbin", "Rostov Plant"}


def test_an_ear99_item_to_a_military_end_user_of_unknown_country_is_unknown(
    make_data: MakeData,
) -> None:
    # Russia and Belarus may be where the buyer is: an unknown country is never "not reached".
    folder = make_data(
        [listing("Ural Works", list="Military End User List")],
        [sale("Acme US", "Ural Works", 0.1, supplier_country="US", eccn="EAR99")],
    )
    record = exposure.analyze(exposure.load(folder), as_of="2023-01-01").supplier("Acme US")
    path = path_to(record, "Ural Works")
    assert path["subject_to_ear"] == "unknown"
    assert "the buyer's country is unknown" in str(path["subject_basis"])
    assert record["revenue_at_risk"] is None


def test_menu_based_sanctions_reach_a_us_persons_sale_as_assumed_and_no_foreign_one(
    make_data: MakeData,
) -> None:
    # The NS-MBS entries' directives (EO 14024, EO 13662) bind US persons and restrict some of
    # their dealings: a US supplier's sale is assumed, not a sure "yes"; a Taiwanese one of an
    # item outside the EAR is not reached.
    mbs = "Non-SDN Menu-Based Sanctions List"
    folder = make_data(
        [listing("Gazprom Neft", list=mbs)],
        [
            sale("Acme US", "Gazprom Neft", 0.1, supplier_country="US", eccn="EAR99"),
            sale("TW Maker", "Gazprom Neft", 0.3, supplier_country="TW", origin="TW",
                 us_content=0.05, us_technology="no"),
        ],
    )  # fmt: skip
    result = exposure.analyze(exposure.load(folder), as_of="2023-11-30")
    us = path_to(result.supplier("Acme US"), "Gazprom Neft")
    assert us["subject_to_ear"] == "assumed"
    assert "restrict some dealings of US persons" in str(us["subject_basis"])
    assert result.supplier("TW Maker")["exposed"] is False


def test_the_figure_if_confirmed_says_when_only_the_reach_is_unknown(make_data: MakeData) -> None:
    # Maker sells 50% to a distributor abroad, which resells 40% of its own to a company a
    # listed entity owns in a part not given: the shares are known, the reach is not.
    folder = make_data(
        [listing("Parent")],
        [
            sale("Maker", "Distributor", 0.5, supplier_country="US", customer_country="SG"),
            sale("Distributor", "Mystery", 0.4, supplier_country="SG", customer_country="CN"),
        ],
    )
    (folder / "ownership.csv").write_text(
        "owner,owned,percent,source\nParent,Mystery,,register\n", encoding="utf-8"
    )
    result = exposure.analyze(exposure.load(folder), as_of="2026-11-22")
    record = result.supplier("Maker")
    assert record["needs_review"] is True
    assert record["revenue_at_risk_if_confirmed"] is None  # unknown, not 0
    assert record["revenue_at_risk_if_confirmed_and_reached"] == pytest.approx(0.2)
    assert record["revenue_at_risk_if_confirmed_and_reached_is_lower_bound"] is False
    row = result.suppliers.set_index("supplier").loc["Maker"]
    assert row["revenue_at_risk_if_confirmed_and_reached"] == pytest.approx(0.2)
    text = format_report([record], "table", as_of="2026-11-22", detailed=True)
    assert "no share of revenue is known" not in text
    assert "whether the rules reach the sales a confirmation would add is unknown" in text
    assert "every sale whose reach is unknown: 20.0% (known shares)" in text
    assert "weight 20% of revenue if the rules reach it" in text
    lines = list(result.iter_ranking())
    ranking = format_report(lines, "table", as_of="2026-11-22", detailed=False)
    assert "unknown if confirmed, 20.0% if reached too" in ranking


def test_a_direct_product_of_us_technology_to_russia_is_subject_to_the_ear(
    make_data: MakeData,
) -> None:
    # 87 FR 12226 (from 2022-02-24): a foreign-made item in an ECCN that is a direct product of
    # US technology, destined to Russia, is subject to the EAR whatever its US content; for
    # Belarus from 2022-03-02 (87 FR 13048).
    chip: dict[str, Any] = {"supplier_country": "CN", "origin": "CN", "us_content": 0.05}
    folder = make_data(
        [listing("Volga Radio", country="RU"), listing("Minsk Works", country="BY")],
        [
            sale("Shenzhen Maker", "Volga Radio", 0.2, customer_country="RU", eccn="3A991.a",
                 us_technology="yes", **chip),
            sale("Shenzhen Maker", "Minsk Works", 0.1, customer_country="BY", eccn="3A991.a",
                 us_technology="yes", **chip),
        ],
    )  # fmt: skip
    record = exposure.analyze(exposure.load(folder), as_of="2024-06-01").supplier("Shenzhen Maker")
    assert record["exposed"]
    assert record["revenue_at_risk"] == pytest.approx(0.3)
    volga = path_to(record, "Volga Radio")
    assert volga["subject_to_ear"] == "yes"
    assert "734.9(f)" in str(volga["subject_basis"])
    assert "87 FR 12226" in str(volga["subject_basis"])
    assert "87 FR 13048" in str(path_to(record, "Minsk Works")["subject_basis"])
    # Before the rule: 5% US content is below de minimis, and nothing else reaches the sale.
    before = exposure.analyze(exposure.load(folder), as_of="2022-01-01").supplier("Shenzhen Maker")
    assert not before["exposed"]
    between = exposure.analyze(exposure.load(folder), as_of="2022-02-28").supplier("Shenzhen Maker")
    assert [s["buyer"] for s in between["sales_not_reached"]] == ["Minsk Works"]


def test_the_russia_fdp_rule_unknown_facts_are_unknown_and_ear99_or_no_technology_are_not(
    make_data: MakeData,
) -> None:
    base: dict[str, Any] = {"supplier_country": "CN", "origin": "CN", "us_content": 0.05,
                            "customer_country": "RU"}  # fmt: skip
    folder = make_data(
        [listing(name, country="RU") for name in ("A", "B", "C", "D", "E")],
        [
            sale("S1", "A", 0.1, eccn="3A991", **base),  # technology unknown
            sale("S2", "B", 0.1, us_technology="yes", **base),  # ECCN unknown
            sale("S3", "C", 0.1, eccn="EAR99", us_technology="yes", **base),
            sale("S4", "D", 0.1, eccn="3A991", us_technology="no", **base),
            sale("S5", "E", 0.1, eccn="3A991", us_technology="yes",
                 **{**base, "supplier_country": "JP", "origin": "JP"}),
        ],
    )  # fmt: skip
    result = exposure.analyze(exposure.load(folder), as_of="2024-06-01")
    for supplier, buyer in (("S1", "A"), ("S2", "B")):
        path = path_to(result.supplier(supplier), buyer)
        assert path["subject_to_ear"] == "unknown"
        assert "734.9(f)" in str(path["subject_basis"])
    # Supplement No. 3 to part 746 (Japan): the exclusion is not assessed, so unknown.
    japan = path_to(result.supplier("S5"), "E")
    assert japan["subject_to_ear"] == "unknown"
    assert "Supplement No. 3 to part 746" in str(japan["subject_basis"])
    # An item that would be EAR99, or not a direct product of US technology: the rule does not
    # reach it, and 5% is below de minimis.
    for supplier in ("S3", "S4"):
        assert result.supplier(supplier)["exposed"] is False
