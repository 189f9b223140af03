"""The report as Parquet tables: every supplier's figures and every path, read back as written."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import exposure
from bench import generate
from exposure.cli import cli
from exposure.render import columnar
from exposure.render.columnar import write_parquet_batches, write_parquet_report
from tests.conftest import MakeData
from tests.test_streaming import write_tangled


def run(*args: str) -> tuple[int, str, str]:
    done = CliRunner().invoke(cli, list(args))
    return done.exit_code, done.stdout, done.stderr


def test_the_tables_hold_what_the_json_report_holds(tmp_path: Path) -> None:
    folder = tmp_path / "report"
    code, _, err = run("report", "--as-of", "2019-10-09", "--format", "parquet", "-o", str(folder))
    assert code == 0, err
    assert err.startswith(f"Wrote {folder}: suppliers.parquet (15 rows), paths.parquet (")
    _, out, _ = run("report", "--as-of", "2019-10-09", "--format", "json")
    records = json.loads(out)
    suppliers = pd.read_parquet(folder / "suppliers.parquet")
    paths = pd.read_parquet(folder / "paths.parquet")
    assert suppliers["supplier"].tolist() == [r["supplier"] for r in records]
    for row, record in zip(suppliers.to_dict("records"), records, strict=True):
        assert row["exposed"] == record["exposed"]
        assert list(row["listed_buyers"]) == record["listed_buyers"]
        if record["revenue_at_risk"] is None:
            assert np.isnan(row["revenue_at_risk"])  # unknown stays unknown, never 0
        else:
            assert row["revenue_at_risk"] == pytest.approx(record["revenue_at_risk"])
        assert row["listed_buyers_reached"] == record["summary"]["listed_buyers_reached"]
    expected = [
        (r["supplier"], p["listed"], list(p["path"]))
        for r in records
        for p in r["paths"] + r["possible_paths"]
    ]
    got = [(r["supplier"], r["listed"], list(r["path"])) for r in paths.to_dict("records")]
    assert got == expected
    import polars as pl  # another reader of the same files

    assert pl.read_parquet(folder / "paths.parquet").schema["path"] == pl.List(pl.String)
    qorvo = paths[paths["supplier"] == "Qorvo"].iloc[0]
    assert (qorvo["weight"], qorvo["federal_register_notice"], qorvo["match"]) == (
        0.15,
        "84 FR 22961",
        "exact",
    )


def tables_both_ways(result: exposure.Result, folder: Path) -> list[tuple[pa.Table, pa.Table]]:
    """The report of every supplier written from whole records and from the arrays."""
    assert write_parquet_report(result.iter_records(), folder / "records") == write_parquet_batches(
        result.iter_report_batches(), folder / "arrays"
    )
    return [
        (pq.read_table(folder / "records" / name), pq.read_table(folder / "arrays" / name))
        for name in ("suppliers.parquet", "paths.parquet")
    ]


@pytest.mark.parametrize(
    "data", ["bundled", "before any listing", "tangled", "no tier limit", "bench", "saturated"]
)
def test_the_paths_made_from_the_arrays_are_those_of_the_records(
    data: str, make_data: MakeData, tmp_path: Path
) -> None:
    # Written from the arrays, the report of every supplier is what its records say, cell for
    # cell: on the bundled data, a small graph of every case records meet (cycles, two products
    # on a sale, unknown shares, misspelt listed names, a possible match) and the bench's graphs.
    if data in ("bundled", "before any listing"):
        graph = exposure.build_graph(exposure.load())
        as_of = "2019-10-09" if data == "bundled" else "2000-01-01"
    elif data in ("tangled", "no tier limit"):  # without one, paths are searched one by one
        graph, as_of = exposure.build_graph(exposure.load(write_tangled(make_data))), "2020-01-01"
    else:
        kind = {"bench": "standard", "saturated": "saturated"}[data]
        params = generate.Params(entities=1_000, **generate.KINDS[kind])  # type: ignore[arg-type]
        generate.write(generate.generate(params), tmp_path / "data")
        graph = exposure.build_graph(exposure.load(tmp_path / "data" / "parquet"))
        as_of = generate.AS_OF
    max_tier = 0 if data == "no tier limit" else 4
    result = exposure.analyze(graph, as_of=as_of, max_tier=max_tier)
    (suppliers, suppliers_again), (paths, paths_again) = tables_both_ways(result, tmp_path)
    assert suppliers.equals(suppliers_again)
    assert paths.equals(paths_again)
    assert paths.num_rows == 0 if data == "before any listing" else paths.num_rows > 20
    if data == "tangled":
        assert pc.any(paths["possible"]).as_py()  # paths pending review are rows too
        assert pc.max(pc.list_value_length(paths["products"])).as_py() >= 2


def test_row_groups_are_written_as_the_records_come(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyarrow.parquet as pq

    monkeypatch.setattr(columnar, "ROW_GROUP", 4)
    result = exposure.analyze(exposure.load(), as_of="2019-10-09")
    assert write_parquet_report(result.iter_records(), tmp_path) == (15, 22)
    assert pq.ParquetFile(tmp_path / "suppliers.parquet").num_row_groups == 4


def test_a_failure_midway_leaves_the_folder_as_it_was(tmp_path: Path) -> None:
    (tmp_path / "suppliers.parquet").write_text("old")
    result = exposure.analyze(exposure.load(), as_of="2019-10-09")

    def records():  # type: ignore[no-untyped-def]
        yield from result.iter_records(["Ambarella"])
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_parquet_report(records(), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["suppliers.parquet"]
    assert (tmp_path / "suppliers.parquet").read_text() == "old"


def test_parquet_needs_a_folder_and_other_formats_a_file(tmp_path: Path) -> None:
    code, _, err = run("report", "--format", "parquet")
    assert code == 2
    assert "--format parquet writes a folder: give it with -o DIR" in err
    code, _, err = run("report", "-o", str(tmp_path))
    assert code == 2
    assert "is a folder: give a file to -o" in err


def test_screening_and_changes_are_tables_too(tmp_path: Path) -> None:
    code, _, err = run(
        "screen", "Hikvision", "Megvii", "Acme Corp", "--as-of", "2019-10-09",
        "--format", "parquet", "-o", str(tmp_path / "screened"),
    )  # fmt: skip
    assert code == 0, err
    screened = pd.read_parquet(tmp_path / "screened" / "screen.parquet")
    assert screened["outcome"].tolist() == ["match", "possible", "none"]
    assert screened["score"].isna().tolist() == [False, False, True]  # no score: null, not 0
    code, _, err = run(
        "diff", "--from", "2019-10-08", "--to", "2019-10-09",
        "--format", "parquet", "-o", str(tmp_path / "changes"),
    )  # fmt: skip
    assert code == 0, err
    changes = pd.read_parquet(tmp_path / "changes" / "changes.parquet")
    ambarella = changes.set_index("supplier").loc["Ambarella"]
    assert ambarella["change"] == "became exposed"
    assert list(ambarella["new_listed_buyers"]) == ["Hikvision", "Dahua Technology"]
    assert pd.isna(ambarella["tier_before"])
