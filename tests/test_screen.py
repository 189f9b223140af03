"""Screening names from the command line: exit codes, outcomes and formats."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import exposure
import exposure.entities.screen
import exposure.read.dataset
from exposure.cli import cli
from tests.conftest import MakeData, listing, sale, write_csv

FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "csl"
CSL_2023 = FIXTURES / "csl-2023-11-subset.csv"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_screen_names_as_a_table() -> None:
    code, out, err = run(
        "screen",
        "Zhejiang Dahua Technology Co., Ltd.",
        "Hikvison Digital Technology",
        "Megvii",
        "Acme Trading",
        "--as-of",
        "2019-10-09",
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("Screened 4 names against the listings in force on 2019-10-09 of ")
    assert lines[0].endswith(": 2 match, 1 possible, 1 none")
    row = next(line for line in lines if line.startswith("Zhejiang Dahua"))
    assert "  match  " in row
    assert "100.0" in row
    assert "Zhejiang Dahua Technology" in row
    assert "Entity List" in row
    typo = next(line for line in lines if line.startswith("Hikvison"))
    assert "score 9" in typo
    assert "'Hangzhou Hikvision Digital Technology Co., Ltd.'" in typo
    # The brand alone: the listing names Megvii Technology, not every company of the brand.
    brand = next(line for line in lines if line.startswith("Megvii"))
    assert "  possible  " in brand
    assert "Megvii Technology" in brand
    assert lines[-1].startswith(
        "Outcomes: match from a score of 92; possible (needs review) from 80"
    )


def test_screen_before_the_listing_and_any_date() -> None:
    code, out, _ = run("screen", "Hikvision", "--as-of", "2019-06-01", "--format", "json")
    assert code == 0
    assert json.loads(out)[0]["outcome"] == "none"
    code, out, _ = run(
        "screen", "Hikvision", "--as-of", "2019-06-01", "--any-date", "--format", "json"
    )
    record = json.loads(out)[0]
    assert record["outcome"] == "match"
    assert record["federal_register_notice"] == "84 FR 54002"
    assert record["start_date"] == "2019-10-09"


def test_screen_json_has_every_field_and_the_normal_forms() -> None:
    code, out, _ = run(
        "screen", "Beijing SenseTime Technology Development Co., Ltd.", "--country", "cn",
        "--as-of", "2020-01-01", "--format", "json",
    )  # fmt: skip
    assert code == 0
    (record,) = json.loads(out)
    # The listing of 2019 names "Sense Time"; its revision of 2020 (85 FR 34505) the Beijing
    # company it covers, kept as an alias.
    assert record == {
        "name": "Beijing SenseTime Technology Development Co., Ltd.",
        "country": "CN",
        "outcome": "match",
        "score": 100.0,
        "listed": "Sense Time",
        "matched_as": "Beijing Sensetime Technology Development Co., Ltd.",
        "list": "Entity List",
        "listed_country": "CN",
        "federal_register_notice": "84 FR 54002",
        "start_date": "2019-10-09",
        "name_form": "sensetime technology development [beijing]",
        "listed_form": "sensetime technology development [beijing]",
        "explanation": record["explanation"],
    }
    assert record["explanation"] == (
        "same key as the listed alias 'Beijing Sensetime Technology Development Co., Ltd.'"
    )


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_screen_a_file_of_counterparties_as_csv(tmp_path: Path, suffix: str) -> None:
    names = tmp_path / "counterparties.csv"
    write_csv(
        names,
        ["company", "country"],
        [
            {"company": "Dahua Electronics Corp", "country": "US"},
            {"company": "Xiamen Meiya Pico Information Co., Ltd.", "country": "CN"},
            {"company": "", "country": ""},
            {"company": "=HYPERLINK(1)", "country": ""},
        ],
    )
    if suffix == ".parquet":  # empty cells as missing values, as a Parquet writer keeps them
        frame = pd.read_csv(names, dtype=str)
        names = names.with_suffix(suffix)
        frame.to_parquet(names)
    # The row without a name is left out, and said so with its line.
    line = 3 if suffix == ".parquet" else 4  # a Parquet row's number is its line
    with pytest.warns(UserWarning, match=rf"1 row\(s\) without a name left out \(line {line}\)"):
        code, out, _ = run(
            "screen", "--file", str(names), "--column", "company", "--format", "csv",
            "--as-of", "2020-01-01",
        )  # fmt: skip
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["name"] for r in rows] == [
        "Dahua Electronics Corp",
        "Xiamen Meiya Pico Information Co., Ltd.",
        "'=HYPERLINK(1)",
    ]
    assert [r["outcome"] for r in rows] == ["none", "match", "none"]
    assert "countries differ (US vs CN): -15" in rows[0]["explanation"]
    assert rows[1]["listed"] == "Xiamen Meiya Pico Information Co. Ltd."


def test_screen_a_folder_of_parquet_parts_reads_every_part_in_order(tmp_path: Path) -> None:
    # Spark and DuckDB write a large table as a folder of parts; a damaged part is named.
    folder = tmp_path / "counterparties.parquet"
    folder.mkdir()
    (folder / "_SUCCESS").touch()
    pd.DataFrame({"company": ["Dahua Technology"], "country": ["CN"]}).to_parquet(
        folder / "part-10.parquet"
    )
    pd.DataFrame({"company": ["Acme"]}).to_parquet(folder / "part-2.parquet")
    code, out, _ = run(
        "screen", "--file", str(folder), "--column", "company", "--format", "csv",
        "--as-of", "2020-01-01",
    )  # fmt: skip
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["name"], r["country"], r["outcome"]) for r in rows] == [
        ("Acme", "", "none"),
        ("Dahua Technology", "CN", "match"),
    ]
    damaged = folder / "part-3.parquet"
    damaged.write_bytes(b"PAR1 not really")
    code, _, err = run("screen", "--file", str(folder), "--column", "company")
    assert code == 1
    assert err.startswith(f"Error: {damaged}: cannot read it as Parquet (")
    assert err.endswith("Fix: write this part of the folder again, or move it out.\n")
    assert err.count("\n") == 1


def test_screen_usage_and_file_errors(tmp_path: Path) -> None:
    code, _, err = run("screen")
    assert code == 2
    assert "give NAMEs to screen, or --file with a CSV of names" in err
    names = tmp_path / "names.csv"
    names.write_text("company\nHikvision\n")
    code, _, err = run("screen", "--file", str(names))
    assert code == 1
    assert err == (
        f"Error: {names}, line 1, column 'name': the column of names is missing. "
        "Fix: pass --column with one of: company.\n"
    )
    code, _, err = run("screen", "Hikvision", "--as-of", "someday")
    assert code == 1
    assert err.startswith("Error: 'someday' is not a date")
    # A country is evidence: one that is no country code is an error, not a silent none.
    names.write_text("name,country\nHikvision,cn\nAcme,ZZ\n")
    code, _, err = run("screen", "--file", str(names))
    assert code == 1
    assert f"{names}, line 3, column 'country': 'ZZ' is not an ISO 3166-1 alpha-2" in err


def test_screen_honours_review_decisions(make_data: MakeData) -> None:
    folder = make_data(
        [listing("Hikvision", alt_names="Hangzhou Hikvision Digital Technology")], [sale("A", "B")]
    )
    write_csv(
        folder / "matches.csv",
        ["customer", "listed", "decision", "note", "date"],
        [
            {
                "customer": "Hikvison Digital Technology",
                "listed": "Hikvision",
                "decision": "rejected",
                "note": "a Shenzhen reseller",
                "date": "2024-02-01",
            },
            {
                "customer": "HIK",
                "listed": "Hikvision",
                "decision": "confirmed",
                "note": "ticker used by our ERP",
                "date": "2024-02-01",
            },
        ],
    )
    code, out, _ = run(
        "screen", "Hikvison Digital Technology", "HIK", "--data", str(folder), "--format", "json",
        "--as-of", "2020-01-01",
    )  # fmt: skip
    assert code == 0
    rejected, confirmed = json.loads(out)
    assert rejected["outcome"] == "none"
    assert rejected["explanation"] == (
        "set aside: rejected in matches.csv line 2 (2024-02-01, 'Hikvision': a Shenzhen "
        "reseller); no other listed name or alias scores 50 or more"
    )
    assert confirmed["outcome"] == "confirmed"
    assert confirmed["listed"] == "Hikvision"


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="the real CSL copies are absent")
def test_screen_against_a_csl_download_and_the_dahua_trap() -> None:
    args = ["--listed", str(CSL_2023), "--any-date", "--format", "json"]
    with pytest.warns(UserWarning, match="only its EL records are used"):
        code, out, _ = run("screen", "Zhejiang Dahua Technology", "--country", "CN", *args)
    assert code == 0
    (record,) = json.loads(out)
    assert record["outcome"] == "none"  # the Entity List subset holds no Dahua
    with pytest.warns(UserWarning, match="left out: .*DPL 577"):
        code, out, _ = run("screen", "Dahua Electronics Corporation", *args)
    assert json.loads(out)[0]["outcome"] == "none"  # the Entity List only, by default
    every_list = [*args, "--lists", "all"]
    code, out, _ = run("screen", "Zhejiang Dahua Technology", "--country", "CN", *every_list)
    (trap,) = json.loads(out)
    assert (trap["outcome"], trap["listed"]) == ("none", "DAHUA ELECTRONICS CORPORATION")
    assert "countries differ (CN vs US): -15" in trap["explanation"]
    code, out, _ = run("screen", "Zhejiang Dahua Technology", *every_list)
    assert json.loads(out)[0]["outcome"] == "possible"  # without a country: for review
    code, out, _ = run("screen", "Hikvision", "Sensetime Group Ltd", *every_list)
    hikvision, sensetime = json.loads(out)
    assert (hikvision["outcome"], hikvision["matched_as"]) == ("match", "Hikvision")
    assert hikvision["list"] == "Non-SDN Chinese Military-Industrial Complex Companies List"
    assert (sensetime["outcome"], sensetime["listed_country"]) == (
        "match",
        "CN",
    )  # "Hong Kong SAR, CN"


def test_the_documented_example_is_the_real_output() -> None:
    page = (Path(__file__).resolve().parents[1] / "docs" / "screening.md").read_text()
    section = page.split("## An example")[1].split("\n## ")[0]
    example = section.split("prints (the rule under the last heading shortened here):")[1]
    shown = example.split("```text\n")[1].split("```")[0].splitlines()
    code, out, _ = run(
        "screen", "Zhejiang Dahua Technology Co., Ltd.", "Hikvison Digital Technology",
        "Megvii", "Acme Trading", "--country", "CN",
        "--as-of", "2019-10-09",
    )  # fmt: skip
    assert code == 0
    real = out.splitlines()
    assert shown[0] == real[0]
    for line in shown[2:]:
        if not line.startswith("---"):
            assert line in real


def test_screen_markdown_neutralises_formulas() -> None:
    code, out, _ = run("screen", "=HYPERLINK(1)", "--format", "markdown", "--as-of", "2020-01-01")
    assert code == 0
    assert out.startswith("## Screened 1 name")
    assert "| '=HYPERLINK(1)" in out


def test_a_name_set_aside_for_its_dates_says_when_it_is_listed(make_data: MakeData) -> None:
    folder = make_data(
        [
            listing("Hikvision", start="2019-10-09"),
            listing(
                "Old Trading Co",
                start="2010-01-01",
                end="2015-06-30",
                federal_register_notice="75 FR 1",
            ),
        ],
        [sale("Maker", "Hikvision", 0.1)],
    )
    code, out, _ = run(
        "screen", "Hikvision", "Old Trading Co", "Acme Corp", "--data", str(folder),
        "--as-of", "2019-01-01", "--format", "json",
    )  # fmt: skip
    assert code == 0
    hikvision, old, acme = json.loads(out)
    assert hikvision["outcome"] == "none"
    assert "listed only from 2019-10-09 (84 FR 54002)" in hikvision["explanation"]
    assert old["outcome"] == "none"
    assert "its Entity List listing ended on 2015-06-30 (75 FR 1)" in old["explanation"]
    # A name no listing resembles still says only that.
    assert acme["explanation"] == "no listed name or alias scores 50 or more"
    code, out, _ = run(
        "screen", "Old Trading Co", "--data", str(folder), "--as-of", "2012-01-01",
    )  # fmt: skip
    assert "Old Trading Co  match" in out


def test_screen_describes_the_listings_in_force_of_an_entity_listed_several_times(
    make_data: MakeData,
) -> None:
    # On the Entity List, off it, on an investment ban, then on the Entity List again.
    rho = "Rho Instruments Ltd"
    folder = make_data(
        [
            listing(rho, start="2020-01-01", end="2021-01-01", federal_register_notice="85 FR 1"),
            listing(rho, start="2022-01-01", federal_register_notice="87 FR 1"),
            listing(rho, start="2021-06-01", list="CMIC", federal_register_notice=""),
        ],
        [sale("Maker", rho, 0.1)],
    )

    def screened(day: str) -> dict[str, object]:
        code, out, _ = run(
            "screen", "Rho Instruments", "--data", str(folder), "--as-of", day, "--format", "json"
        )  # fmt: skip
        assert code == 0
        return dict(json.loads(out)[0])

    first = screened("2020-06-01")
    assert (first["outcome"], first["list"]) == ("match", "Entity List")
    assert (first["federal_register_notice"], first["start_date"]) == ("85 FR 1", "2020-01-01")
    gap = screened("2021-03-01")
    assert (gap["outcome"], gap["list"]) == ("none", None)
    assert "its Entity List listing ended on 2021-01-01 (85 FR 1)" in str(gap["explanation"])
    assert "on the CMIC only from 2021-06-01" in str(gap["explanation"])
    assert "on the Entity List again only from 2022-01-01 (87 FR 1)" in str(gap["explanation"])
    ban = screened("2021-06-01")
    assert (ban["outcome"], ban["list"], ban["start_date"]) == ("match", "CMIC", "2021-06-01")
    assert "not on a list restricting sales: CMIC restricts purchases" in str(ban["explanation"])
    back = screened("2022-06-01")
    assert (back["list"], back["federal_register_notice"]) == ("Entity List; CMIC", "87 FR 1")
    assert back["start_date"] == "2022-01-01"
    # The listing a report shows on that date is the same one.
    code, out, _ = run("report", "--data", str(folder), "--as-of", "2022-06-01", "--format", "json")
    assert code == 0
    assert "87 FR 1" in out


def test_screen_and_report_take_the_same_decision_for_each_customer(make_data: MakeData) -> None:
    # The names every view must agree on: an exact key, a misspelling, an alias with another
    # legal form, a near name, a name reviewed both ways and an innocent one.
    listed = [
        listing("Hangzhou Hikvision Digital Technology", alt_names="Hikvision"),
        listing("Dahua Technology", alt_names="Zhejiang Dahua Technology"),
        listing("Huawei Technologies Co., Ltd.", alt_names="Huawei"),
    ]
    customers = [
        "HIKVISION", "Hangzhou Hikvison Digital Technology", "Zhejiang Dahua Technology Co Ltd",
        "Huawei Device Co. Ltd.", "Dahua Lighting", "Acme Optics Inc",
    ]  # fmt: skip
    folder = make_data(listed, [sale("Maker", c, 0.05) for c in customers])
    write_csv(
        folder / "matches.csv",
        ["customer", "listed", "decision", "note", "date"],
        [
            {"customer": "Dahua Lighting", "listed": "Dahua Technology", "decision": "rejected",
             "note": "another company", "date": "2024-01-01"},
        ],
    )  # fmt: skip
    code, out, _ = run(
        "screen", *customers, "--data", str(folder), "--as-of", "2020-01-01", "--format", "json"
    )
    assert code == 0
    screened = {r["name"]: r for r in json.loads(out)}
    graph = exposure.build_graph(exposure.load(folder))
    spellings = graph.spellings.set_index("spelling")
    entity_of = spellings["entity"].astype(int).to_dict()
    node_of = spellings["node"].astype(int).to_dict()
    for name in customers:
        entity = entity_of[name]
        hit = screened[name]["outcome"] in ("match", "confirmed")
        assert (entity >= 0) == hit, name
        if hit:
            assert graph.names[node_of[name]] == screened[name]["listed"]
        # A possible match is one in both views, and links nothing in either.
        possible = spellings.loc[name, "match"] == "possible"
        assert possible == (screened[name]["outcome"] == "possible"), name
    assert screened["Acme Optics Inc"]["outcome"] == "none"
    assert screened["Dahua Lighting"]["outcome"] != "match"


def test_a_file_with_no_names_is_a_clear_error_and_no_names_screen_none(tmp_path: Path) -> None:
    names = tmp_path / "names.csv"
    names.write_text("name,country\n", encoding="utf-8")
    code, _, err = run("screen", "--file", str(names), "--format", "json")
    assert code == 1
    assert (
        err
        == f"Error: {names}: the file has a header but no rows. Fix: add at least one row of data below the header.\n"
    )
    listed = exposure.read.dataset.read_listed(
        exposure.read.dataset.bundled_data_dir() / "listed.csv"
    )
    assert exposure.entities.screen.screen([], listed).empty


def test_screening_against_the_bundled_demonstration_list_says_so(make_data: MakeData) -> None:
    # A "none" against 121 demonstration rows clears no one: the user is told every time.
    code, _, err = run("screen", "Rosoboronexport")
    assert code == 0
    assert "Note: screened against the bundled demonstration listed.csv" in err
    assert "Pass --listed FILE or --data FOLDER" in err
    folder = make_data([listing("Hikvision")], [sale("A", "Hikvision", 0.1)])
    code, _, err = run("screen", "Rosoboronexport", "--data", str(folder))
    assert "demonstration" not in err
