"""The command line: exit codes and output, as a user sees them."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from exposure.cli import cli
from tests.conftest import MakeData, listing, sale

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_report_ambarella_shows_listed_buyers_notice_products_and_sources() -> None:
    code, out, _ = run("report", "--supplier", "Ambarella", "--as-of", "2019-10-09")
    assert code == 0
    assert out.startswith("Ambarella: EXPOSED (tier 1), as of 2019-10-09\n")
    assert (
        "Revenue at risk: ≥ 17.0% (rests on an analyst's estimate; a lower bound, some shares are unknown)"
        in out
    )
    assert " 1. Hikvision (tier 1, weight 17% of revenue)" in out
    assert " 2. Dahua Technology (tier 1)" in out
    assert out.count("listing:   Entity List, 84 FR 54002, in force from 2019-10-09") == 2
    assert "video processing solutions (SoCs for security cameras); share of revenue 17.0%" in out
    assert "Presumption of denial" in out or "presumption of denial" in out
    sources = re.findall(r"^  \[(\d+)\] (.+)$", out, flags=re.M)
    assert [n for n, _ in sources] == ["1", "2", "3", "4"]
    assert any("Motley Fool, 2019-05-23" in text for _, text in sources)


def test_report_supplier_name_ignores_case() -> None:
    code, out, _ = run("report", "--supplier", "AMBARELLA", "--as-of", "2019-10-09")
    assert code == 0
    assert out.startswith("Ambarella: EXPOSED")


def test_report_before_the_rule_is_not_exposed() -> None:
    code, out, _ = run("report", "--supplier", "Ambarella", "--as-of", "2019-06-01")
    assert code == 0
    assert out.startswith("Ambarella: not exposed, as of 2019-06-01\n")
    assert "Hikvision" not in out


def test_unknown_supplier_suggests_the_closest_name() -> None:
    code, out, err = run("report", "--supplier", "Ambarela")
    assert code == 1
    assert err == "Error: unknown supplier 'Ambarela'. Did you mean 'Ambarella'?\n"
    assert out == ""


def test_bad_as_of_date_is_a_clear_error() -> None:
    code, _, err = run("report", "--as-of", "2019-13-01")
    assert code == 1
    assert err == "Error: '2019-13-01' is not a date. Write it as YYYY-MM-DD, e.g. 2019-10-09\n"


def test_report_all_ranks_known_figures_first() -> None:
    code, out, _ = run("report", "--as-of", "2019-10-09")
    assert code == 0
    # Known figures, highest first; the unknown ones after them, by name.
    lines = [line for line in out.splitlines() if line.startswith(("Ambarella", "Google", "Intel"))]
    assert [line.split()[0] for line in lines] == ["Ambarella", "Google", "Intel"]
    ranked = [line.split()[0] for line in out.splitlines()[4:] if line.strip()][:4]
    assert ranked == ["NeoPhotonics", "Lumentum", "Ambarella", "Qorvo"]
    assert "15 of 15 suppliers exposed" in out


def test_report_json_follows_the_documented_schema() -> None:
    code, out, _ = run("report", "--format", "json", "--as-of", "2019-10-09")
    assert code == 0
    records = json.loads(out)
    keys = {
        "supplier",
        "exposed",
        "tier",
        "listed_buyers",
        "products",
        "revenue_at_risk",
        "revenue_at_risk_is_lower_bound",
        "paths",
    }
    path_keys = {
        "listed",
        "tier",
        "path",
        "products",
        "list",
        "federal_register_notice",
        "start_date",
        "license_policy",
        "sources",
    }
    for record in records:
        assert keys <= set(record)
        for path in record["paths"]:
            assert path_keys <= set(path)
    ambarella = next(r for r in records if r["supplier"] == "Ambarella")
    assert ambarella["revenue_at_risk"] == 0.17
    intel = next(r for r in records if r["supplier"] == "Intel")
    assert intel["revenue_at_risk"] is None
    assert intel["revenue_at_risk_is_lower_bound"] is True


def test_report_csv_has_one_row_per_path_and_markdown_is_a_table() -> None:
    code, out, _ = run(
        "report", "--format", "csv", "--supplier", "Ambarella", "--as-of", "2019-10-09"
    )
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].startswith("supplier,exposed,tier,revenue_at_risk")
    assert len(lines) == 3
    code, out, _ = run("report", "--format", "markdown", "--as-of", "2019-10-09")
    assert "| Supplier" in out
    assert "| Ambarella" in out


def test_report_csv_neutralises_spreadsheet_formulas(make_data: MakeData) -> None:
    folder = make_data([listing("Listed Co")], [sale('=HYPERLINK("x")', "Listed Co", 0.1)])
    code, out, _ = run("report", "--data", str(folder), "--format", "csv", "--as-of", "2020-01-01")
    assert code == 0
    assert "'=HYPERLINK" in out


def test_report_table_shows_names_that_look_like_numbers_as_written(make_data: MakeData) -> None:
    folder = make_data([listing("0042")], [sale("1e3", "0042", 0.25), sale("0012", "0042", 0.5)])
    code, out, _ = run("report", "--data", str(folder), "--as-of", "2020-01-01")
    assert code == 0
    rows = [line.split() for line in out.splitlines() if line.startswith(("1e3", "0012"))]
    assert rows == [
        ["0012", "yes", "1", "0042", "50.0%", "disclosed"],
        ["1e3", "yes", "1", "0042", "25.0%", "disclosed"],
    ]


def test_report_output_file_is_written_and_inputs_are_protected(
    make_data: MakeData, tmp_path: Path
) -> None:
    folder = make_data([listing("Listed Co")], [sale("Maker", "Listed Co", 0.1)])
    out_file = tmp_path / "report.json"
    code, _, err = run("report", "--data", str(folder), "--format", "json", "-o", str(out_file))
    assert code == 0
    assert json.loads(out_file.read_text())[0]["supplier"] == "Maker"
    assert f"Wrote {out_file}" in err
    before = (folder / "suppliers.csv").read_bytes()
    code, _, err = run("report", "--data", str(folder), "-o", str(folder / "suppliers.csv"))
    assert code == 1
    assert "is one of the input files; refusing to write over it" in err
    assert (folder / "suppliers.csv").read_bytes() == before


def test_bad_data_gives_file_line_column_and_exit_1_without_traceback(make_data: MakeData) -> None:
    folder = make_data([listing("Listed Co")], [sale("Maker", "Listed Co", 1.5)])
    code, out, err = run("report", "--data", str(folder))
    assert code == 1
    assert "Traceback" not in out + err
    assert err.startswith("Error: ")
    assert "suppliers.csv, line 2, column 'revenue_share': '1.5' is not between 0 and 1." in err


def test_listed_shows_listings_in_force() -> None:
    code, out, _ = run("listed", "--as-of", "2019-10-09")
    assert code == 0
    # Huawei and 68 affiliates (84 FR 22961), 26 more (84 FR 43493), the 28 of 84 FR 54002.
    assert out.startswith("123 listings in force on 2019-10-09")
    code, out, _ = run("listed", "--as-of", "2019-06-01", "--format", "json")
    rows = json.loads(out)
    assert len(rows) == 69
    assert {row["federal_register_notice"] for row in rows} == {"84 FR 22961"}
    assert {row["start_date"] for row in rows} == {"2019-05-16"}
    names = {row["name"] for row in rows}
    assert {"Huawei Technologies Co., Ltd.", "HiSilicon Technologies Co., Ltd"} <= names


def test_validate_exit_codes(make_data: MakeData) -> None:
    code, out, _ = run("validate")
    assert code == 0
    assert "no problems" in out
    folder = make_data(
        [listing("X", start="2019-31-12")], [sale("A", "A", 0.5), sale("B", "C", "x")]
    )
    code, out, err = run("validate", "--data", str(folder))
    assert code == 1
    assert len(out.strip().splitlines()) == 3
    assert "3 problems found." in err


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help_ending_with_an_example(command: str) -> None:
    code, out, _ = run(command, "--help")
    assert code == 0
    assert "Example:" in out
    example = out.split("Example:")[1]
    assert f"exposure {command}" in example


def test_version_and_python_m() -> None:
    code, out, _ = run("--version")
    assert code == 0
    assert out.startswith("exposure, version ")
    done = subprocess.run(
        [sys.executable, "-m", "exposure", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert "report" in done.stdout


#: What a report on the bundled data must not import: each is imported only where it is used.
UNUSED_BY_A_SMALL_REPORT = (
    "matplotlib",
    "networkx",
    "polars",
    "rapidfuzz",
    "tqdm",
    "scipy.sparse.csgraph",
    "scipy.sparse.linalg",
    "numpy.f2py.crackfortran",  # numpy.f2py ran: it imports this at once
    "numpy.testing._private.utils",  # numpy.testing ran
)


def test_a_small_report_imports_no_heavy_module_it_does_not_use() -> None:
    """Start-up time (issue 6: within 1.5x of importing pandas) is mostly imports."""
    script = f"""
import sys
from exposure.cli import cli
try:
    cli(["report", "--supplier", "Ambarella", "--as-of", "2019-10-09"])
except SystemExit as done:
    assert done.code in (0, None), done.code
print(sorted(m for m in {UNUSED_BY_A_SMALL_REPORT!r} if m in sys.modules))
import numpy, numpy.testing
numpy.testing.assert_equal(numpy.testing.assert_equal.__name__, "assert_equal")  # still usable
print(type(sys.modules["numpy.testing"]).__name__)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    imported, testing_module = done.stdout.splitlines()[-2:]
    assert imported == "[]"
    assert testing_module == "module"  # loaded on first use, as an ordinary module


def test_report_on_a_data_folder_of_parquet_files(tmp_path: Path) -> None:
    import pandas as pd

    from exposure.read.dataset import bundled_data_dir

    for table in ("listed", "suppliers", "ownership"):
        frame = pd.read_csv(bundled_data_dir() / f"{table}.csv", dtype=str, keep_default_na=False)
        frame.to_parquet(tmp_path / f"{table}.parquet")
    args = ("report", "--supplier", "Ambarella", "--as-of", "2019-10-09")
    code, out, err = run(*args, "--data", str(tmp_path))
    assert (code, err) == (0, "")
    assert out == run(*args)[1]
    (tmp_path / "listed.csv").write_bytes((bundled_data_dir() / "listed.csv").read_bytes())
    code, out, err = run(*args, "--data", str(tmp_path))
    assert code == 1
    assert out == ""
    assert err.startswith(f"Error: {tmp_path}: holds both listed.csv and listed.parquet.")
    assert "--listed FILE" in err


def test_top_shows_the_first_lines_of_the_ranking_and_counts_every_supplier() -> None:
    args = ("report", "--as-of", "2019-10-09")
    _, whole, _ = run(*args)
    code, top, _ = run(*args, "--top", "3")
    assert code == 0
    lines = whole.splitlines()
    title = lines[0]
    exposed, ranked = map(int, re.findall(r"(\d+) of (\d+) suppliers exposed", title)[0])
    assert ranked > 3
    assert top.splitlines()[0] == f"{title}; the first 3 shown"

    def cells(rows: list[str]) -> list[list[str]]:  # the columns are as wide as their cells
        return [re.split(r"\s{2,}", row.strip()) for row in rows]

    assert exposed == sum(row[1] == "yes" for row in cells(lines[4 : 4 + ranked]))
    assert cells(top.splitlines()[4:7]) == cells(lines[4:7])  # the three most exposed
    assert top.splitlines()[7] == ""
    code, more, _ = run(*args, "--top", str(ranked + 5))
    assert more == whole  # no fewer suppliers than asked for: the whole ranking as it is


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_top_keeps_the_first_records_of_the_json_and_csv_reports(
    fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ("report", "--as-of", "2019-10-09", "--format", fmt)
    with monkeypatch.context() as patched:
        # The whole report counts each supplier's listed buyers for the whole graph at once,
        # as for a large graph; the first two, by a search from each: the same counts.
        patched.setattr("exposure.records.COUNTED_AT_ONCE_FROM", 0)
        _, whole, _ = run(*args)
    code, top, _ = run(*args, "--top", "2")
    assert code == 0
    if fmt == "json":
        assert json.loads(top) == json.loads(whole)[:2]
    else:
        first_two = list(dict.fromkeys(r.split(",")[0] for r in whole.splitlines()[1:]))[:2]
        kept = [r for r in whole.splitlines()[1:] if r.split(",")[0] in first_two]
        assert top.splitlines() == [whole.splitlines()[0], *kept]


def test_top_with_a_supplier_is_a_usage_error() -> None:
    code, out, err = run("report", "--supplier", "Ambarella", "--top", "2")
    assert code == 2
    assert out == ""
    assert "Error: --top ranks every supplier; leave it out with --supplier." in err
    assert "Traceback" not in err


def test_a_line_of_the_ranking_names_three_listed_buyers_and_counts_the_rest(
    make_data: MakeData,
) -> None:
    buyers = [f"Listed {letter}" for letter in "ABCDE"]
    folder = make_data([listing(b) for b in buyers], [sale("Maker", b, 0.1) for b in buyers])
    code, out, _ = run("report", "--data", str(folder), "--as-of", "2020-01-01")
    assert code == 0
    (line,) = [line for line in out.splitlines() if line.startswith("Maker ")]
    assert "Listed A, Listed B, Listed C and 2 more" in line
    code, out, _ = run("report", "--data", str(folder), "--as-of", "2020-01-01", "--format", "csv")
    assert sorted(r.split(",")[6] for r in out.splitlines()[1:] if r.startswith("Maker,")) == buyers


@pytest.mark.parametrize(
    ("suffix", "fmt"),
    [(".json", "json"), (".csv", "csv"), (".md", "markdown"), (".txt", "table"), ("", "table")],
)
@pytest.mark.parametrize("command", ["report", "listed", "screen"])
def test_the_output_suffix_picks_the_format(
    tmp_path: Path, command: str, suffix: str, fmt: str
) -> None:
    out = tmp_path / f"out{suffix}"
    args = [command, "--as-of", "2019-10-09", *(["Hikvision"] if command == "screen" else [])]
    code, _, err = run(*args, "-o", str(out))
    assert code == 0, err
    code, printed, _ = run(*args, "--format", fmt)
    assert out.read_text(encoding="utf-8") == printed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "--format", "json", "-o", "OUT.csv"], "--format json but"),
        (["report", "-o", "OUT.xlsx"], "cannot tell the format from"),
        (["export", "--format", "json", "-o", "OUT.gexf"], "--format json but"),
    ],
)
def test_a_suffix_that_contradicts_the_format_is_an_error(
    tmp_path: Path, args: list[str], message: str
) -> None:
    args = [a.replace("OUT", str(tmp_path / "out")) for a in args]
    code, _, err = run(*args)
    assert code != 0
    assert message in err
    assert "Traceback" not in err
    assert not list(tmp_path.iterdir())  # nothing written


def test_diff_refuses_a_from_date_later_than_the_to_date() -> None:
    code, out, err = run("diff", "--from", "2019-12-31", "--to", "2019-05-01")
    assert code == 2
    assert "--from 2019-12-31 is later than --to 2019-05-01" in err
    assert out == ""


def test_diff_headings_count_the_changes_not_the_rows() -> None:
    code, out, _ = run("diff", "--from", "2019-10-09", "--to", "2019-10-09", "--unchanged")
    assert code == 0
    assert out.startswith(
        "What changed from 2019-10-09 to 2019-10-09: 0 suppliers changed, 15 unchanged listed too"
    )


def test_diff_offers_only_the_options_it_takes() -> None:
    code, out, _ = run("diff", "--help")
    assert code == 0
    assert "--as-of" not in out
    code, _, err = run(
        "diff", "--from", "2019-10-08", "--to", "2019-10-09", "--as-of", "2020-01-01"
    )
    assert code == 2
    assert "diff takes no --as-of" in err


@pytest.mark.parametrize(
    ("as_of", "role"), [("2019-10-09", "a listed entity"), ("2019-06-01", "a customer")]
)
def test_a_customer_asked_for_as_a_supplier_is_told_what_it_is(as_of: str, role: str) -> None:
    code, out, err = run("report", "--supplier", "hikvision", "--as-of", as_of)
    assert code == 1
    assert out == ""
    assert f"'hikvision' is {role} in the data ('Hikvision'), not a supplier" in err
    assert 'exposure screen "Hikvision"' in err
    assert "Did you mean" not in err


def test_the_csv_report_carries_each_paths_weight_and_the_assumptions() -> None:
    code, out, _ = run(
        "report", "--as-of", "2019-06-01", "--assume-listed", "Hikvision", "--format", "csv",
        "--supplier", "Ambarella",
    )  # fmt: skip
    assert code == 0
    (row,) = csv.DictReader(io.StringIO(out))
    assert (row["listed"], row["path_tier"], row["path_weight"]) == ("Hikvision", "1", "0.17")
    assert (
        row["assumptions"] == "assumed listed on the Entity List: Hikvision (what-if, not a fact)"
    )


def test_a_small_known_share_is_never_written_as_if_it_were_none(make_data: MakeData) -> None:
    folder = make_data([listing("Hikvision")], [sale("Tiny Co", "Hikvision", 0.0004)])
    code, out, _ = run("report", "--data", str(folder), "--as-of", "2019-10-09")
    assert code == 0
    assert re.search(r"Tiny Co +yes +1 +Hikvision +0\.04%", out)
    _, out, _ = run(
        "report", "--data", str(folder), "--supplier", "Tiny Co", "--as-of", "2019-10-09"
    )
    assert "Revenue at risk: 0.04% (disclosed figures)" in out
    assert "share of revenue 0.04%" in out


def test_revenue_on_a_path_of_unknown_weight_shown_is_not_said_to_be_left_out(
    make_data: MakeData,
) -> None:
    # One sale of two products: the share of one is known, of the other not.
    folder = make_data(
        [listing("Hikvision")],
        [sale("Two Co", "Hikvision", 0.1, "lenses"), sale("Two Co", "Hikvision", None, "cables")],
    )
    for limits in ([], ["--max-tier", "0", "--min-weight", "0"]):
        _, out, _ = run(
            "report",
            "--data",
            str(folder),
            "--supplier",
            "Two Co",
            "--as-of",
            "2019-10-09",
            *limits,
        )
        assert "Nothing left out." in out
        assert "routes not shown" not in out


def test_revenue_that_comes_round_a_cycle_is_said_to_and_no_listing_loops_back(
    make_data: MakeData,
) -> None:
    # Cyc's revenue at risk, 1/3, is 1/4 on its one path and 1/12 round the D3-D4 cycle.
    folder = make_data(
        [listing("Lcorp")],
        [
            sale("Cyc", "D3", 1.0),
            sale("D3", "D4", 0.5),
            sale("D4", "D3", 0.5),
            sale("D4", "Lcorp", 0.5),
        ],
    )
    args = ["--data", str(folder), "--as-of", "2020-01-01", "--supplier", "Cyc"]
    _, out, _ = run("report", *args, "--max-tier", "0", "--min-weight", "0")
    assert "Revenue at risk: 33.3%" in out
    assert "8.33% of revenue that comes round cycles" in out
    assert "--max-tier 0" not in out  # every path is listed already


def test_a_lower_bound_from_unknown_reach_is_not_blamed_on_unknown_shares(
    make_data: MakeData,
) -> None:
    folder = make_data(
        [listing("Lcorp", country="CN")],
        [
            sale("Sup", "Lcorp", 0.3, product="x", supplier_country="US"),
            # Made in Taiwan, its US content unknown: whether the EAR reach it is unknown.
            sale("Sup", "Lcorp", 0.1, product="z", supplier_country="US", origin="TW"),
        ],
    )
    _, out, _ = run("report", "--data", str(folder), "--as-of", "2020-01-01", "--supplier", "Sup")
    assert "≥ 30.0% (disclosed figures; a lower bound, whether the rules reach a sale is" in out
    assert "some shares" not in out
