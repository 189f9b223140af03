"""The CSL importer on real copies of the Consolidated Screening List, and on broken files."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import exposure
from exposure.cli import cli
from exposure.entities.screen import screen
from exposure.read.csl import (
    is_csl,
    list_code,
    normalise_notice,
    normalise_policy,
    read_csl,
    read_csl_listed,
)
from exposure.read.dataset import bundled_data_dir, read_listed

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT.parent / "shared" / "fixtures" / "csl"
CSL_2023 = FIXTURES / "csl-2023-11-subset.csv"
CSL_2019 = FIXTURES / "csl-2019-12-subset.csv"
CSL_JSON = FIXTURES / "csl-api-2015-sample.json"

needs_fixtures = pytest.mark.skipif(
    not FIXTURES.is_dir(), reason="the real CSL copies (../shared/fixtures/csl) are absent"
)
NOTICE = re.compile(r"^\d{1,3} FR \d+(; \d{1,3} FR \d+)*$")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@needs_fixtures
def test_the_2023_csv_with_29_columns_and_a_repeated_header() -> None:
    table, stats = read_csl(CSL_2023)
    assert stats.format == "CSV, 29 columns"
    assert stats.read == 4227
    assert stats.kept == 919
    assert stats.kept_by_list == {"EL": 919}
    assert stats.read_by_list["SDN"] == 1737
    assert "line 2 repeats the header row: skipped" in stats.notes
    assert stats.skipped["the record has 8 cells, not 29 (cut off or damaged)"] == [4233]
    assert stats.read == stats.kept + stats.n_skipped
    assert set(table["list"]) == {"Entity List"}
    assert (table["name"] == table["name"].str.strip()).all()
    # Notices: "83 FR 18112 " and "77 FR 61249 No. 195" normalised; none keeps "F.R.".
    notices = table["federal_register_notice"]
    assert not notices.str.contains("F.R.", regex=False).any()
    assert notices[notices != ""].str.match(NOTICE).mean() > 0.97
    assert (notices == "77 FR 61249").sum() == 157
    # "Presumption of denial", "Presumption of Denial" and "Presumption of denial. " are one.
    policies = set(table["license_policy"])
    assert "Presumption of denial." in policies
    assert (
        not {"Presumption of denial", "Presumption of Denial", "Presumption of denial. "} & policies
    )
    undated = table["source"].str.contains("start_date not in the CSL")
    assert undated.sum() == 173
    assert set(table.loc[undated, "start_date"]) == {"2023-11-16"}
    assert "173 kept record(s) have no start_date" in str(stats)


@needs_fixtures
def test_the_2023_csv_keeps_the_lists_asked_for_with_addresses_and_countries() -> None:
    table, stats = read_csl(CSL_2023, ["DPL", "cmic"])
    assert stats.kept_by_list == {"DPL": 577, "CMIC": 68}
    dahua = table[table["name"] == "DAHUA ELECTRONICS CORPORATION"].iloc[0]
    assert dahua["list"] == "Denied Persons List"
    assert dahua["federal_register_notice"] == "82 FR 46480"
    assert dahua["addresses"] == "134-12 59HT AVENUE, FLUSHING, NY, 11355"
    assert dahua["country"] == "US"
    hikvision = table[table["name"] == "Hangzhou Hikvision Digital Technology Co., Ltd."].iloc[0]
    assert hikvision["alt_names"] == "Hikvision; Hangzhou Hikvision Digital Technology"
    assert hikvision["country"] == "CN"
    assert hikvision["source_list_url"].startswith("https://")
    assert hikvision["source"].startswith(
        "Consolidated Screening List (csl-2023-11-subset.csv, line "
    )
    assert (
        "Non-SDN Chinese Military-Industrial Complex Companies List (CMIC)" in hikvision["source"]
    )
    megvii = table[table["name"] == "Megvii Technology Limited"].iloc[0]
    assert megvii["addresses"].count("; ") == 1  # Cayman Islands and Beijing
    all_lists, _ = read_csl(CSL_2023, None)
    assert len(all_lists) == 4226
    # Individuals, vessels and aircraft keep their type: no company name is matched to them.
    kinds = all_lists["kind"].value_counts().to_dict()
    assert set(kinds) == {"", "individual", "vessel"}
    assert kinds["individual"] > 1000


@needs_fixtures
def test_an_alias_closing_a_list_written_as_prose_is_read_without_its_and() -> None:
    # The CSV writes "A; B; and C": "and C" is no alias of anyone, and hid an exact match.
    table, _ = read_csl(CSL_2023, None)
    aliases = [a for names in table["alt_names"] for a in names.split("; ") if a]
    assert not [a for a in aliases if a.startswith("and ")]
    found = screen(
        ["Beijing Power Machinery Institute"], read_csl_listed(CSL_2023, None), as_of=None
    )
    assert found.loc[0, "outcome"] == "match"


@needs_fixtures
def test_a_name_that_bundles_a_subordinate_entity_gives_its_name_as_an_alias() -> None:
    # The CSL writes some listings under their parent ("PAEC, and subordinate entity ...",
    # "Department of Atomic Energy entity: ...") or with a listing's successors and sub-units:
    # the listed entity's own name, verbatim, scored `none` or only `possible`.
    table, _ = read_csl(CSL_2023, None)
    aliases = dict(zip(table["name"], table["alt_names"], strict=False))
    paec = "Pakistan Atomic Energy Commission (PAEC), and subordinate entity "
    pinstech = paec + "Pakistan Institute for Nuclear Science and Technology (PINSTECH)"
    assert aliases[pinstech] == "Pakistan Institute for Nuclear Science and Technology (PINSTECH)"
    assert aliases[paec + "National Development Complex (NDC)"] == (
        "National Defense Complex; National Development Complex (NDC)"  # the CSL's first
    )
    assert aliases["Department of Atomic Energy entity: Indian Rare Earths"] == "Indian Rare Earths"
    synnat = "Synnat Pharma Pvt Ltd.; and any successor, sub-unit, or subsidiary thereof"
    assert aliases[synnat] == "Synnat Pharma Pvt Ltd."
    # A class of facilities is no name; a parent is no alias of what it bundles.
    reactors = [n for n in aliases if "entity: Nuclear reactors" in n or "entity Nuclear" in n]
    assert [aliases[n] for n in reactors] == ["", ""]
    every_alias = {a for names in table["alt_names"] for a in names.split("; ")}
    assert "Department of Atomic Energy" not in every_alias
    assert "Pakistan Atomic Energy Commission (PAEC)" not in every_alias

    names = [
        "Pakistan Institute for Nuclear Science and Technology",
        "Indian Rare Earths Limited",
        "Zhengzhou Nanbei Instrument Equipment Co. Ltd",
    ]
    found = screen(names, read_csl_listed(CSL_2023, None), as_of=None)
    assert found["outcome"].tolist() == ["match"] * 3
    assert found.loc[0, "listed"] == pinstech  # the entry keeps its name as the CSL gives it


@needs_fixtures
def test_the_2019_csv_with_28_columns_leading_spaces_and_dated_notices() -> None:
    table, stats = read_csl(CSL_2019, ["EL", "DPL"])
    assert stats.format == "CSV, 28 columns"
    assert stats.read == 115
    assert stats.kept_by_list == {"EL": 22, "DPL": 8}
    adrian = table[table["name"].str.contains("ADRIAN MANUEL")].iloc[0]
    assert adrian["name"] == "ADRIAN MANUEL HERNANDEZ"  # " ADRIAN MANUEL HERNANDEZ" in the file
    assert adrian["federal_register_notice"] == "82 FR 48792"  # "82 F.R. 48792 10/20/2017"
    assert (adrian["start_date"], adrian["end_date"]) == ("2017-10-16", "2020-10-13")
    assert adrian["country"] == "US"  # "PHONEIX, AZ, 85043"
    guian = table[table["name"].str.contains("New District Huawei")].iloc[0]
    assert guian["name"].startswith("Gui’an")  # "Gui\x92an": Windows-1252 read as Latin-1
    assert (guian["federal_register_notice"], guian["start_date"]) == ("84 FR 22961", "2019-05-21")
    institute = table[table["name"] == "54th Research Institute of China"].iloc[0]
    assert institute["federal_register_notice"] == "66 FR 24266; 77 FR 58006; 81 FR 64694"


@needs_fixtures
def test_the_older_json_shape_with_addresses_as_objects() -> None:
    table, stats = read_csl(CSL_JSON)
    assert (stats.format, stats.read, stats.kept) == ("JSON", 7, 7)
    first = table.iloc[0]
    assert first["name"] == "Fazal Rahim Farid"
    assert first["alt_names"] == "Fazel Rahim Farid; Farid; Engineer Idris"
    assert first["addresses"] == (
        "Microrayan 3rd Apt. 45, block #21, Kabul, AF; "
        "A2 Ground Floor, City Computer Plaza, Shar-e-Naw, Kabul, AF"
    )
    assert first["country"] == "AF"
    assert (
        first["license_requirement"]
        == "For all items subject to the EAR. (See §744.11 of the EAR)."
    )
    assert first["_line"] == 2
    assert set(table["federal_register_notice"]) == {
        "76 FR 71867",
        "77 FR 25055",
        "78 FR 75485",
        "76 FR 10001",
    }


def test_the_current_json_shape(tmp_path: Path) -> None:
    path = tmp_path / "consolidated.json"
    record = {
        "name": "  Dahua Technology ",
        "alt_names": ["Zhejiang Dahua Technology", "Dahua"],
        "addresses": [{"address": "1199 Bin'an Road", "city": "Hangzhou", "country": "CN"}],
        "federal_register_notice": "84 FR 54002",
        "start_date": "2019-10-09",
        "license_policy": "Presumption of Denial",
        "source": "Entity List (EL) - Bureau of Industry and Security",
        "source_list_url": "https://www.bis.doc.gov/entity-list",
    }
    path.write_text(json.dumps({"total": 1, "results": [record]}, indent=2))
    table, stats = read_csl(path)
    row = table.iloc[0]
    assert (stats.format, stats.kept) == ("JSON", 1)
    assert row["name"] == "Dahua Technology"
    assert row["alt_names"] == "Zhejiang Dahua Technology; Dahua"
    assert row["addresses"] == "1199 Bin'an Road, Hangzhou, CN"
    assert (row["country"], row["license_policy"]) == ("CN", "Presumption of denial.")
    assert row["_line"] == 4


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("82 F.R. 48792 10/20/2017", "82 FR 48792"),
        ("84 FR 54002", "84 FR 54002"),
        ("83 FR 18112 ", "83 FR 18112"),
        ("76 FR 50407 (8/15/2011)", "76 FR 50407"),
        ("46 F.R. 46154 9/17/81 and 46 F.R. 19290 3/30/81", "46 FR 46154; 46 FR 19290"),
        ("Vol. 83, No. 91, 05/10/2018", "Vol. 83, No. 91, 05/10/2018"),
        ("", ""),
    ],
)
def test_notices_are_normalised(text: str, expected: str) -> None:
    assert normalise_notice(text) == expected


def test_policies_and_list_codes() -> None:
    assert {
        normalise_policy(p)
        for p in ("Presumption of denial", "Presumption of Denial", "Presumption of denial. ")
    } == {"Presumption of denial."}
    assert list_code("Unverified List (UVL) - Bureau of Industry and Security") == "UVL"
    assert list_code("ITAR Debarred (DTC) - State Department") == "DTC"
    assert list_code("Specially Designated Nationals (SDN) - Treasury Department") == "SDN"


@needs_fixtures
def test_lists_are_asked_for_by_the_names_users_write() -> None:
    # OFAC calls the CMIC list the NS-CMIC List; "--lists NS-CMIC" is that list, not none.
    _, stats = read_csl(CSL_2023, ["NS-CMIC", "OFAC SDN", "BIS Entity List"])
    assert stats.kept_by_list == {"CMIC": 68, "SDN": 1737, "EL": 919}


@needs_fixtures
def test_import_csl_from_the_command_line(tmp_path: Path) -> None:
    out = tmp_path / "listed.csv"
    code, stdout, stderr = run("import-csl", str(CSL_2023), "--lists", "EL,DPL", "-o", str(out))
    assert code == 0
    assert stdout == ""
    assert stderr.startswith(
        f"Read 4,227 records from {CSL_2023} (CSV, 29 columns); kept 1,496 (EL 919, DPL 577).\n"
        "Skipped 2,731:\n"
    )
    assert "(line 4233)" in stderr
    assert stderr.endswith(f"Wrote {out}\n")
    listed = read_listed(out)  # a valid listed.csv
    assert len(listed) == 1496
    assert list(listed.columns[-3:]) == ["addresses", "source_list_url", "_line"]
    code, _, stderr = run(
        "validate", "--listed", str(out), "--suppliers", str(bundled_data_dir() / "suppliers.csv")
    )
    assert code == 0, stderr


@needs_fixtures
def test_the_analysis_takes_a_csl_file_as_its_listed_file() -> None:
    assert is_csl(CSL_2019)
    assert is_csl(CSL_JSON)
    # The Entity List by default, and said so: a party on another list is no listing here.
    with pytest.warns(UserWarning, match=r"only its EL records are used \(22\); left out: "):
        data = exposure.load(listed=CSL_2019)
    assert len(data.listed) == 22
    assert data.listed["start_date"].dtype.kind == "M"
    result = exposure.analyze(data, as_of="2019-12-01")
    assert not result.supplier("Google")["exposed"]  # Huawei itself is not in this subset
    nodes = result.graph.nodes.set_index("name")
    assert nodes.loc["Huawei", "match"] == "possible"  # its affiliate, for review
    with pytest.warns(UserWarning, match="only its EL records are used"):
        code, out, _ = run("report", "--listed", str(CSL_2019), "--as-of", "2019-12-01")
    assert code == 0
    assert "0 of 15 suppliers exposed" in out


def test_bad_input_is_a_clear_error_without_traceback(tmp_path: Path) -> None:
    listed = bundled_data_dir() / "listed.csv"
    code, _, err = run("import-csl", str(listed))
    assert code == 1
    assert err.startswith(
        f"Error: {listed}, line 1: this is not a CSL file: the header lacks source_list_url"
    )
    assert "Fix: pass the CSL download (consolidated.csv, 28 or 29 columns)" in err
    broken = tmp_path / "consolidated.json"
    broken.write_text('{"results": [\n  {"name": "x",\n  }\n]}')
    code, _, err = run("import-csl", str(broken))
    assert code == 1
    assert err.startswith(f"Error: {broken}, line 3: the file is not valid JSON")
    latin = tmp_path / "consolidated.csv"
    latin.write_bytes(b"source,name,source_list_url\nEntity List (EL),Soci\xe9t\xe9,x\n")
    code, _, err = run("import-csl", str(latin))
    assert code == 1
    assert err.startswith(f"Error: {latin}, line 2: byte 0xe9 at character 22 is not UTF-8 text")
    code, _, err = run("import-csl", str(tmp_path / "missing.csv"))
    assert code == 1
    assert "no such file" in err
    assert "Traceback" not in err


@needs_fixtures
def test_an_unknown_list_code_names_the_codes_there_are() -> None:
    code, _, err = run("import-csl", str(CSL_2019), "--lists", "EL,XYZ")
    assert code == 1
    assert err.startswith("Error: unknown list code XYZ. Use codes such as EL, MEU, UVL")
    assert "this file holds CAP, DPL, DTC, EL, ISN, PLC, SDN, SSI, UVL" in err
    code, _, err = run("import-csl", str(CSL_2019), "--lists", "MEU")
    assert code == 1
    assert "Note: the file holds no MEU records" in err
    assert err.endswith("nothing was written\n")


@needs_fixtures
def test_an_entry_the_csl_gives_no_date_is_not_said_to_be_listed_only_from_its_given_date() -> None:
    # 77 FR 61249 listed Abris in 2012; the CSL gives no start date, so the importer dated it
    # by the newest date in the file: when it was listed at the latest, not since when.
    found = screen(["Abris"], read_csl_listed(CSL_2023, None), as_of=dt.date(2020, 1, 1))
    why = str(found.loc[0, "explanation"])
    assert found.loc[0, "outcome"] == "none"
    assert "listed only from" not in why
    assert "the CSL gives no start date (77 FR 61249): dated 2023-11-16, when it was listed" in why
    assert "it may have been listed then (import the list with --undated-start DATE" in why
