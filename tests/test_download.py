"""Today's list, every day: import-csl --download and diff --from-list/--to-list.

The CSL fixtures are served from a local HTTP server on 127.0.0.1: nothing reaches the internet.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import exposure
from exposure.changes import list_changes
from exposure.cli import cli
from exposure.read.csl import read_csl_listed
from exposure.read.dataset import bundled_data_dir, read_listed
from exposure.read.download import download_csl

# Two records in the CSL's own shape (the 29 columns of its CSV since 2023), as the 2023-11
# download in ../shared/fixtures/csl prints them: the footnote number follows the section.
CSL_HEADER = (
    "_id,source,entity_number,type,programs,name,title,addresses,federal_register_notice,"
    "start_date,end_date,standard_order,license_requirement,license_policy,call_sign,"
    "vessel_type,gross_tonnage,gross_registered_tonnage,vessel_flag,vessel_owner,remarks,"
    "source_list_url,alt_names,citizenships,dates_of_birth,nationalities,places_of_birth,"
    "source_information_url,ids"
)


def csl_record(name: str, requirement: str, start: str = "2015-02-18") -> str:
    cells = [""] * 29
    cells[0], cells[1], cells[5] = (
        name.lower()[:8],
        "Entity List (EL) - Bureau of Industry and Security",
        name,
    )
    cells[7], cells[8], cells[9] = "Changsha, CN", "80 FR 8524", start
    cells[12], cells[13] = requirement, "Presumption of denial."
    return ",".join(f'"{c}"' for c in cells)


CSL_TEXT = (
    "\n".join(
        [
            CSL_HEADER,
            csl_record(
                "National University of Defense Technology (NUDT)",
                "For all items subject to the EAR. (See §§ 734.9(e) and 744.11 of the EAR)4",
            ),
            csl_record(
                "Federal Security Service (FSB)",
                "All items subject to the EAR. (See §§ 734.9(g),3 746.8(a)(3), and 744.21(b) of the EAR)",
            ),
            csl_record(
                "Plain Trading Co.", "For all items subject to the EAR. (See § 744.11 of the EAR)"
            ),
        ]
    )
    + "\n"
)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """Serve a folder over HTTP on 127.0.0.1; yield the base address."""
    served = tmp_path / "served"
    served.mkdir()
    (served / "consolidated.csv").write_text(CSL_TEXT, encoding="utf-8")
    (served / "page.csv").write_text("<html>maintenance</html>\n", encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_download_keeps_a_dated_copy_and_imports_it(server: str, tmp_path: Path) -> None:
    out = tmp_path / "my-data" / "listed.csv"
    out.parent.mkdir()
    done = CliRunner().invoke(
        cli,
        ["import-csl", "--download", "--url", f"{server}/consolidated.csv", "-o", str(out)],
    )
    assert done.exit_code == 0, done.output
    copy = out.parent / f"csl-{dt.date.today().isoformat()}.csv"
    assert copy.read_text(encoding="utf-8") == CSL_TEXT
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3
    # The CSL prints footnote designations after the section they bring: kept per row.
    footnotes = {r["name"]: r["footnote"] for r in rows if r["footnote"]}
    assert footnotes["National University of Defense Technology (NUDT)"] == "4"
    assert footnotes["Federal Security Service (FSB)"] == "3"
    assert "Plain Trading Co." not in footnotes


def test_the_address_may_come_from_the_environment(server: str, tmp_path: Path) -> None:
    done = CliRunner().invoke(
        cli,
        ["import-csl", "--download", "--keep", str(tmp_path), "-o", str(tmp_path / "listed.csv")],
        env={"EXPOSURE_CSL_URL": f"{server}/consolidated.csv"},
    )
    assert done.exit_code == 0, done.output
    assert (tmp_path / "listed.csv").exists()


def test_an_unreachable_address_is_one_clear_line(tmp_path: Path) -> None:
    done = CliRunner().invoke(
        cli,
        ["import-csl", "--download", "--url", "http://127.0.0.1:9/x.csv", "--keep", str(tmp_path)],
    )
    assert done.exit_code == 1
    assert "could not download the CSL from http://127.0.0.1:9/x.csv" in done.output
    assert "Traceback" not in done.output
    assert list(tmp_path.iterdir()) == []


def test_a_page_that_is_no_csl_is_refused_and_not_kept(server: str, tmp_path: Path) -> None:
    tmp_path = tmp_path / "kept"
    with pytest.raises(exposure.ExposureError, match="not a Consolidated Screening List"):
        download_csl(tmp_path, url=f"{server}/page.csv", day=dt.date(2026, 12, 6))
    assert list(tmp_path.iterdir()) == []  # the folder is made, nothing is left in it
    done = CliRunner().invoke(
        cli,
        ["import-csl", "--download", "--url", f"{server}/missing.csv", "--keep", str(tmp_path)],
    )
    assert done.exit_code == 1
    assert "the server answered 404" in done.output


def test_a_file_and_download_together_or_neither_is_a_usage_error(tmp_path: Path) -> None:
    assert CliRunner().invoke(cli, ["import-csl"]).exit_code == 2
    both = CliRunner().invoke(cli, ["import-csl", str(tmp_path / "x.csv"), "--download"])
    assert both.exit_code == 2
    assert "not both" in both.output


# -- what a new list changed ----------------------------------------------------------------


def write_without(source: Path, target: Path, name: str, **changed: dict[str, str]) -> Path:
    """Copy a listed.csv leaving out one entry, with some cells changed per name."""
    with source.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            if row["name"] != name:
                writer.writerow({**row, **changed.get(row["name"], {})})
    return target


def test_a_new_list_says_what_it_added_removed_and_changed_and_whom_it_touches(
    tmp_path: Path,
) -> None:
    bundled = bundled_data_dir() / "listed.csv"
    old = write_without(bundled, tmp_path / "old.csv", "Hikvision")
    huawei = "Huawei Technologies Co., Ltd."
    meiya = "Xiamen Meiya Pico Information Co. Ltd."
    new = write_without(
        bundled,
        tmp_path / "new.csv",
        "Dahua Technology",
        **{
            huawei: {"license_policy": "Presumption of denial."},
            meiya: {"footnote": "4"},
        },
    )
    before = exposure.analyze(exposure.load(listed=old), as_of="2019-10-09")
    after = exposure.analyze(exposure.load(listed=new), as_of="2019-10-09")
    found = {
        c["name"]: c
        for c in list_changes(read_listed(old), read_listed(new), before=before, after=after)
    }
    assert found["Hikvision"]["change"] == "added"
    assert "Ambarella" in found["Hikvision"]["suppliers"]
    assert found["Dahua Technology"]["change"] == "removed"
    assert "Ambarella" in found["Dahua Technology"]["suppliers"]
    assert found[huawei]["change"] == "changed"
    assert set(found[huawei]["fields"]) == {"license_policy"}
    assert found[huawei]["fields"]["license_policy"][1] == "Presumption of denial."
    assert "Micron" in found[huawei]["suppliers"]
    assert found[meiya]["fields"] == {"footnote": [None, "4"]}
    assert found[meiya]["suppliers"] == []
    assert len(found) == 4

    args = ["diff", "--from-list", str(old), "--to-list", str(new), "--on", "2019-10-09"]
    # The date may be given as every other command names it, too.
    as_of = CliRunner().invoke(cli, [*args[:-2], "--as-of", "2019-10-09"])
    assert as_of.exit_code == 0, as_of.output
    text = CliRunner().invoke(cli, args)
    assert text.exit_code == 0, text.output
    assert "1 added, 1 removed, 2 changed" in text.output
    assert " + Entity List: Hikvision (CN)" in text.output
    assert "footnote: (none) -> 4" in text.output
    both = json.loads(CliRunner().invoke(cli, [*args, "--format", "json"]).output)
    assert {c["name"] for c in both["list_changes"]} == set(found)
    (ambarella,) = [c for c in both["supplier_changes"] if c["supplier"] == "Ambarella"]
    assert [b["listed"] for b in ambarella["new_listed_buyers"]] == ["Hikvision"]
    assert [b["listed"] for b in ambarella["dropped_listed_buyers"]] == ["Dahua Technology"]


def test_a_start_date_neither_list_states_is_no_change(tmp_path: Path) -> None:
    # The CSL gives some Entity List entries no start date; the importer dates them by the
    # newest date in the file, which one new listing moves: no change of those entries.
    requirement = "For all items subject to the EAR. (See § 744.11 of the EAR)"
    ship = "Changsha Ship Design Institute"

    def write(name: str, *records: str) -> Path:
        path = tmp_path / name
        path.write_text("\n".join([CSL_HEADER, *records]) + "\n", encoding="utf-8")
        return path

    old = write(
        "old.csv",
        csl_record("Abris", requirement, start=""),
        csl_record("Beihang University", requirement, start=""),
        csl_record(ship, requirement, start="2015-02-18"),
    )
    new = write(
        "new.csv",
        csl_record("Abris", requirement, start=""),
        csl_record("Beihang University", requirement, start="2020-06-05"),  # now dated
        csl_record(ship, requirement, start="2016-03-08"),  # dated otherwise
        csl_record("Acme Widgets Shenzhen", requirement, start="2026-12-01"),
    )
    expected = {
        "Acme Widgets Shenzhen": {},
        "Beihang University": {"start_date": [None, "2020-06-05"]},
        ship: {"start_date": ["2015-02-18", "2016-03-08"]},
    }
    found = list_changes(read_csl_listed(old), read_csl_listed(new))
    assert {c["name"]: c["fields"] for c in found} == expected

    # The same through the listed.csv files import-csl writes, and on the command line.
    imported = []
    for path in (old, new):
        imported.append(path.with_suffix(".listed.csv"))
        done = CliRunner().invoke(cli, ["import-csl", str(path), "-o", str(imported[-1])])
        assert done.exit_code == 0, done.output
    found = list_changes(read_listed(imported[0]), read_listed(imported[1]))
    assert {c["name"]: c["fields"] for c in found} == expected
    args = ["diff", "--from-list", str(old), "--to-list", str(new), "--on", "2026-12-05"]
    text = CliRunner().invoke(cli, args)
    assert text.exit_code == 0, text.output
    assert "1 added, 0 removed, 2 changed" in text.output
    assert "Abris" not in text.output


def test_list_and_date_options_do_not_mix(tmp_path: Path) -> None:
    listed = str(bundled_data_dir() / "listed.csv")
    one = CliRunner().invoke(cli, ["diff", "--from-list", listed])
    assert one.exit_code == 2
    assert "both --from-list and --to-list" in one.output
    mixed = CliRunner().invoke(
        cli, ["diff", "--from-list", listed, "--to-list", listed, "--from", "2019-01-01"]
    )
    assert mixed.exit_code == 2
    stray = CliRunner().invoke(
        cli, ["diff", "--from", "2019-01-01", "--to", "2019-02-01", "--on", "2019-01-01"]
    )
    assert stray.exit_code == 2
    assert "--on goes with --from-list" in stray.output
