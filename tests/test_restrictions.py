"""What each list restricts: only restrictions that reach a sale make exposure."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import exposure
from exposure.cli import cli
from exposure.restrictions import LIST_RULES, list_rule
from tests.conftest import MakeData, listing, sale, write_csv

FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "csl"
CSL_2023 = FIXTURES / "csl-2023-11-subset.csv"


def test_every_list_of_a_real_csl_download_is_in_the_table() -> None:
    if not CSL_2023.is_file():
        pytest.skip("the CSL fixtures are not on this machine")
    with CSL_2023.open(newline="", encoding="utf-8") as handle:
        sources = {row["source"] for row in csv.DictReader(handle)} - {"source"}
    assert len(sources) == 13
    rules = {source: list_rule(source) for source in sources}
    assert all(rule.known for rule in rules.values())
    assert {rule.code for rule in rules.values()} == {rule.code for rule in LIST_RULES}
    assert not rules[
        "Non-SDN Chinese Military-Industrial Complex Companies List (CMIC) - Treasury Department"
    ].reaches_sales


@pytest.mark.parametrize(
    ("name", "reaches"),
    [
        ("Entity List", True),
        ("Military End-User List", True),
        ("Denied Persons List", True),
        ("SDN", True),
        ("NS-CMIC", False),  # purchases of securities
        ("Unverified List", False),  # a red flag: no licence requirement of its own
        ("Sectoral Sanctions Identifications List", False),
        ("Capta List", False),
        ("Palestinian Legislative Council List", False),  # banks may reject; no ban on sales
        ("ITAR Debarred", False),  # defense articles only
        ("Our own watch list", True),  # unknown: the cautious reading
    ],
)
def test_what_each_list_restricts(name: str, reaches: bool) -> None:
    rule = list_rule(name)
    assert rule.reaches_sales is reaches
    assert rule.restricts
    assert rule.basis or not rule.known


@pytest.mark.parametrize(
    ("code", "spellings"),
    [
        ("EL", ["Entity List", "EL", "BIS Entity List", "US Entity List",
                "Commerce Department Entity List", "the Entity List (EL)"]),
        ("MEU", ["Military End-User List", "MEU List", "BIS MEU List",
                 "Military End User (MEU) List - Bureau of Industry and Security"]),
        ("UVL", ["Unverified List", "UVL", "UVL List", "BIS Unverified List"]),
        ("DPL", ["Denied Persons List", "Denied Persons", "DPL", "BIS Denied Persons List"]),
        ("SDN", ["SDN", "SDN List", "OFAC SDN", "OFAC SDN List", "OFAC's SDN List",
                 "Treasury SDN List", "Specially Designated Nationals",
                 "Specially Designated Nationals and Blocked Persons List"]),
        ("SSI", ["SSI", "SSI List", "OFAC SSI List", "Sectoral Sanctions Identifications List",
                 "Sectoral Sanctions Identification List"]),
        ("FSE", ["FSE", "FSE List", "Foreign Sanctions Evaders", "OFAC FSE List"]),
        ("PLC", ["PLC List", "NS-PLC List", "Non-SDN Palestinian Legislative Council List"]),
        ("CAP", ["CAP", "CAPTA", "CAPTA List", "Capta List (CAP) - Treasury Department",
                 "Correspondent Account or Payable-Through Account Sanctions List"]),
        ("NS-MBS", ["NS-MBS", "NS-MBS List", "OFAC NS-MBS List", "Menu-Based Sanctions List",
                    "Non-SDN Menu-Based Sanctions List (NS-MBS List) - Treasury Department"]),
        ("CMIC", ["CMIC", "CMIC List", "NS-CMIC", "NS-CMIC List", "OFAC NS-CMIC List",
                  "Non-SDN CMIC List", "Chinese Military-Industrial Complex Companies List",
                  "Non-SDN Communist Chinese Military Companies List", "NS-CCMC List"]),
        ("ISN", ["ISN", "ISN List", "Nonproliferation Sanctions List",
                 "State Department Nonproliferation Sanctions"]),
        ("DTC", ["DTC", "ITAR Debarred", "ITAR Debarred List", "State ITAR Debarred List",
                 "Statutorily Debarred Parties"]),
    ],
)  # fmt: skip
def test_the_common_names_of_each_list_are_that_list(code: str, spellings: list[str]) -> None:
    # What a user or OFAC writes in a listed.csv's `list`: read as another list, an investment
    # ban would count as restricting every sale.
    assert {spelling: list_rule(spelling).code for spelling in spellings} == dict.fromkeys(
        spellings, code
    )


@pytest.mark.parametrize(
    "name",
    ["Chinese Military Companies List", "EU Entity List", "UK Sanctions List", "List", "OFAC"],
)
def test_other_lists_are_not_read_as_one_of_the_table(name: str) -> None:
    # The Department of Defense's Section 1260H list is not Treasury's CMIC list.
    assert not list_rule(name).known
    assert list_rule(name).reaches_sales


def test_an_investment_ban_written_as_users_write_it_makes_no_exposure(
    make_data: MakeData,
) -> None:
    data = make_data(
        [
            listing("Hikvision", list="NS-CMIC List", start="2021-06-03"),
            listing("China Mobile Limited", list="CMIC List", start="2021-06-03"),
        ],
        [
            sale("Sigma US", "Hikvision", 0.25, product="image sensors"),
            sale("Sigma US", "China Mobile Limited", 0.1, product="routers"),
        ],
    )
    sigma = exposure.analyze(exposure.load(data), as_of="2022-01-01").supplier("Sigma US")
    assert not sigma["exposed"]
    assert sigma["revenue_at_risk"] == 0.0
    banned = {r["buyer"] for r in sigma["other_restrictions"]}
    assert banned == {"Hikvision", "China Mobile Limited"}


@pytest.fixture
def investment_ban(make_data: MakeData) -> Path:
    return make_data(
        [
            listing("Hikvision", start="2019-10-09"),
            listing(
                "Huawei Technologies Co., Ltd.",
                list="Non-SDN Chinese Military-Industrial Complex Companies List",
                start="2021-06-03",
            ),
        ],
        [
            sale("Intel", "Huawei Technologies Co., Ltd.", 0.2, product="servers"),
            sale("Intel", "Hikvision", 0.1, product="chips"),
            sale("Dell", "Huawei Technologies Co., Ltd.", 0.3, product="servers"),
        ],
    )


def test_an_investment_ban_is_reported_beside_the_exposure_and_never_counted(
    investment_ban: Path,
) -> None:
    result = exposure.analyze(exposure.load(investment_ban), as_of="2022-01-01")
    dell = result.supplier("Dell")
    assert not dell["exposed"]
    assert dell["revenue_at_risk"] == 0.0
    (ban,) = dell["other_restrictions"]
    assert ban["buyer"] == "Huawei Technologies Co., Ltd."
    assert ban["restricts"] == "purchases of publicly traded securities by US persons"
    assert "Executive Order 13959" in str(ban["basis"])
    intel = result.supplier("Intel")
    assert intel["revenue_at_risk"] == pytest.approx(0.1)  # Hikvision's share only
    assert intel["listed_buyers"] == ["Hikvision"]
    assert [r["buyer"] for r in intel["other_restrictions"]] == ["Huawei Technologies Co., Ltd."]
    # The listing is still a listing in force: `exposure listed` shows it.
    assert "Huawei Technologies Co., Ltd." in set(result.listings_in_force["name"])


def test_every_report_format_carries_the_other_restrictions(investment_ban: Path) -> None:
    def run(*args: str) -> str:
        done = CliRunner().invoke(
            cli, ["report", "--data", str(investment_ban), "--as-of", "2022-01-01", *args]
        )
        assert done.exit_code == 0, done.stderr
        return done.stdout

    text = run("--supplier", "Dell")
    assert "Dell: not exposed" in text
    assert "Other restrictions on its buyers (they do not restrict these sales" in text
    assert "restricts purchases of publicly traded securities by US persons" in text
    (record,) = json.loads(run("--supplier", "Dell", "--format", "json"))
    assert record["other_restrictions"][0]["list"] == (
        "Non-SDN Chinese Military-Industrial Complex Companies List"
    )
    rows = list(csv.DictReader(run("--format", "csv").splitlines()))
    dell = next(row for row in rows if row["supplier"] == "Dell")
    assert dell["other_restrictions"] == (
        "Huawei Technologies Co., Ltd.: Non-SDN Chinese Military-Industrial Complex Companies "
        "List (purchases of publicly traded securities by US persons)"
    )


def test_no_ownership_rule_extends_an_investment_ban(make_data: MakeData, tmp_path: Path) -> None:
    folder = make_data(
        [
            listing(
                "Parent Co",
                list="Non-SDN Chinese Military-Industrial Complex Companies List",
            )
        ],
        [sale("Maker", "Daughter Ltd", 0.3)],
    )
    write_csv(
        folder / "ownership.csv",
        ["owner", "owned", "percent", "source"],
        [{"owner": "Parent Co", "owned": "Daughter Ltd", "percent": "100", "source": "test"}],
    )
    result = exposure.analyze(exposure.load(folder), as_of="2026-11-22")
    assert not result.supplier("Maker")["exposed"]
    assert result.affiliates.empty


def test_a_what_if_on_a_list_that_restricts_no_sale_makes_no_exposure(investment_ban: Path) -> None:
    data = exposure.load(investment_ban)
    # Hikvision also on the investment ban: its Entity List listing stands, the ban is beside it.
    on_the_ban = exposure.analyze(data, as_of="2022-01-01", assume_listed=["Hikvision=CMIC"])
    assert on_the_ban.supplier("Intel")["revenue_at_risk"] == pytest.approx(0.1)
    assert {r["list"] for r in on_the_ban.supplier("Intel")["other_restrictions"]} == {
        "CMIC (what-if)",
        "Non-SDN Chinese Military-Industrial Complex Companies List",
    }
    on_the_entity_list = exposure.analyze(
        data, as_of="2022-01-01", assume_listed=["Huawei Technologies Co., Ltd.=Entity List"]
    )
    assert on_the_entity_list.supplier("Dell")["revenue_at_risk"] == pytest.approx(0.3)


def test_validate_warns_of_a_list_it_does_not_know_and_reads_it_cautiously(
    make_data: MakeData,
) -> None:
    folder = make_data(
        [listing("Acme Trading", list="Our Watch List")], [sale("Maker", "Acme Trading", 0.2)]
    )
    done = CliRunner().invoke(cli, ["validate", "--data", str(folder)])
    assert done.exit_code == 0
    assert (
        "listed.csv, line 2, column 'list': 'Our Watch List' is a list exposure's table does not "
        "know; its listings are read as restricting every sale (the cautious reading)."
    ) in done.stdout
    result = exposure.analyze(exposure.load(folder), as_of="2020-01-01")
    assert result.supplier("Maker")["revenue_at_risk"] == pytest.approx(0.2)


def test_graph_exports_carry_the_other_restrictions(investment_ban: Path, tmp_path: Path) -> None:
    result = exposure.analyze(exposure.load(investment_ban), as_of="2022-01-01")
    huawei = result.to_networkx().nodes["Huawei Technologies Co., Ltd."]
    assert not huawei["listed"]
    assert huawei["other_restrictions"] == (
        "Non-SDN Chinese Military-Industrial Complex Companies List (purchases of publicly "
        "traded securities by US persons)"
    )
    target = tmp_path / "network.json"
    done = CliRunner().invoke(
        cli, ["export", "--data", str(investment_ban), "--as-of", "2022-01-01", "-o", str(target)]
    )
    assert done.exit_code == 0, done.stderr
    nodes = {n["id"]: n for n in json.loads(target.read_text())["nodes"]}
    assert "securities" in nodes["Huawei Technologies Co., Ltd."]["other_restrictions"]


def test_a_code_in_brackets_tells_the_list_only_where_its_words_tell_none() -> None:
    # "(EL)" after the EU's own list is not the Entity List: an unknown list, read cautiously.
    assert list_rule("EU Consolidated List (EL)").code == ""
    assert list_rule("EU Consolidated List (EL)").reach == "every_sale"
    assert list_rule("(EL)").code == "EL"
    assert list_rule("Entity List (EL) - Bureau of Industry and Security").code == "EL"
    assert list_rule("Sectoral Sanctions").code == "SSI"
    assert list_rule("Non-SDN Iran Sanctions Act List").code == "NS-MBS"
