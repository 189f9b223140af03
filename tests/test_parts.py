"""Folder-style Parquet datasets (Spark's, DuckDB's, pyarrow's): one table in several parts."""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import exposure
import exposure.cache
import exposure.graph
import exposure.read.dataset
import exposure.read.parquet
from exposure.read.dataset import bundled_data_dir, read_suppliers
from exposure.read.schema import SUPPLIERS
from exposure.read.tables import read_table
from exposure.util import encode
from tests.test_cli import run

#: Rows of the bundled suppliers.csv per part: the parts are then several, of unequal size.
SIZES = (3, 1, 5)


def bundled_suppliers() -> pd.DataFrame:
    return pd.read_csv(bundled_data_dir() / "suppliers.csv", dtype=str, keep_default_na=False)


def write_parts(folder: Path, frame: pd.DataFrame, names: list[str] | None = None) -> list[Path]:
    """Write ``frame`` as parts of the sizes SIZES (the last takes the rest), as Spark would."""
    folder.mkdir(parents=True)
    bounds = [0]
    for size in SIZES:
        bounds.append(min(bounds[-1] + size, len(frame)))
    bounds[-1] = len(frame)
    names = names or [f"part-{i:05d}-c000.snappy.parquet" for i in range(len(SIZES))]
    paths = []
    for name, start, stop in zip(names, bounds, bounds[1:], strict=False):
        part = frame.iloc[start:stop].copy()
        if "revenue_share" in part:
            part["revenue_share"] = pd.to_numeric(part["revenue_share"].replace("", None))
        table = pa.Table.from_pandas(part, preserve_index=False)
        if "revenue_share" in part:  # every part of one table has the same types
            table = table.cast(
                pa.schema(
                    [
                        pa.field(f.name, pa.float64() if f.name == "revenue_share" else pa.string())
                        for f in table.schema
                    ]
                )
            )
        pq.write_table(table, folder / name)
        paths.append(folder / name)
    (folder / "_SUCCESS").touch()  # the writers' bookkeeping, skipped
    (folder / f".{names[0]}.crc").write_bytes(b"not parquet")
    return paths


def md5s(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.md5(p.read_bytes()).hexdigest() if p.is_file() else "folder"
        for p in sorted(folder.iterdir())
    }


@pytest.mark.parametrize("hashed_from", [0, 10**9])
def test_a_folder_of_parts_reads_as_the_one_file_it_was_written_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hashed_from: int
) -> None:
    """Large tables' text is read by polars (hashed_from=0 makes this one large), small ones'
    by Arrow: both read every part, in order, and none of the folder names as a column
    (a folder named key=value is not a partition here)."""
    monkeypatch.setattr(encode, "HASHED_FROM", hashed_from)
    by_polars: list[Any] = []
    real = exposure.read.parquet.polars_text_columns

    def spy(*a: Any) -> list[pd.Series]:
        by_polars.append(a)
        return real(*a)

    monkeypatch.setattr(exposure.read.parquet, "polars_text_columns", spy)
    frame = bundled_suppliers()
    folder = tmp_path / "run=1" / "suppliers.parquet"
    write_parts(folder, frame)
    single = tmp_path / "suppliers.parquet"
    pq.write_table(pq.read_table(folder), single)
    from_parts = read_suppliers(folder)
    assert bool(by_polars) == (hashed_from == 0)
    from_file = read_suppliers(single)
    assert list(from_parts.columns) == list(from_file.columns)
    for column in from_file.columns:
        assert from_parts[column].equals(from_file[column]), column
    assert from_parts["supplier"].tolist() == frame["supplier"].tolist()


def test_parts_are_read_in_the_order_of_their_numbers(tmp_path: Path) -> None:
    frame = bundled_suppliers()
    write_parts(
        tmp_path / "sales", frame, names=["data_2.parquet", "data_10.parquet", "data_9.parquet"]
    )
    read = read_suppliers(tmp_path / "sales")
    # data_2 holds the first 3 rows, data_9 the last ones, data_10 the one row between.
    expected = pd.concat([frame.iloc[:3], frame.iloc[4:], frame.iloc[3:4]])
    assert read["customer"].tolist() == expected["customer"].tolist()


def test_a_data_folder_may_hold_its_tables_as_folders_of_parts(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write_parts(data / "suppliers.parquet", bundled_suppliers())
    shutil.copy(bundled_data_dir() / "listed.csv", data / "listed.csv")
    shutil.copy(bundled_data_dir() / "ownership.csv", data / "ownership.csv")
    loaded = exposure.load(data)
    assert loaded.files["suppliers"] == data / "suppliers.parquet"
    by_parts = exposure.analyze(exposure.build_graph(loaded), as_of="2019-10-09")
    by_csv = exposure.analyze(exposure.load(), as_of="2019-10-09")
    assert by_parts.supplier("Ambarella") == by_csv.supplier("Ambarella")
    assert list(by_parts.iter_ranking()) == list(by_csv.iter_ranking())


def test_a_problem_is_cited_by_the_part_and_line_where_the_row_is(tmp_path: Path) -> None:
    frame = bundled_suppliers()
    frame.loc[5, "revenue_share"] = "1.5"  # row 6 of the table: the 2nd row of the 3rd part
    folder = tmp_path / "suppliers.parquet"
    parts = write_parts(folder, frame)
    before = md5s(folder)
    with pytest.raises(exposure.DataError) as caught:
        read_suppliers(folder)
    (problem,) = caught.value.problems
    assert (Path(problem.file), problem.line, problem.column) == (parts[2], 2, "revenue_share")
    assert str(problem).startswith(f"{parts[2]}, line 2, column 'revenue_share'")
    # read_table returns the problems rather than raising them: cited alike.
    _, returned = read_table(folder, SUPPLIERS)
    assert [(Path(p.file), p.line) for p in returned] == [(parts[2], 2)]
    assert md5s(folder) == before


def _subfolder(folder: Path) -> None:
    (folder / "supplier_country=US").mkdir()


def _stray_file(folder: Path) -> None:
    (folder / "notes.txt").write_text("kept beside the parts")


def _other_columns(folder: Path) -> None:
    part = folder / "part-00001-c000.snappy.parquet"
    pq.write_table(pq.read_table(part).drop_columns(["source"]), part)


def _damaged_part(folder: Path) -> None:
    part = folder / "part-00002-c000.snappy.parquet"
    part.write_bytes(part.read_bytes()[:200])


def _no_parts(folder: Path) -> None:
    for part in folder.glob("*.parquet"):
        part.unlink()


@pytest.mark.parametrize(
    ("damage", "culprit", "message", "fix"),
    [
        (_subfolder, "supplier_country=US", "with sub-folders is not read", "without partitioning"),
        (_stray_file, "notes.txt", "not a Parquet part", "move it out of the folder"),
        (_other_columns, "part-00001-c000.snappy.parquet", "(no source)", "same columns"),
        (_damaged_part, "part-00002-c000.snappy.parquet", "cannot read it as Parquet", "again"),
        (_no_parts, "", "without Parquet parts", "a folder of the Parquet parts"),
    ],
)
def test_a_folder_that_is_not_one_table_is_refused_with_the_file_and_the_fix(
    tmp_path: Path, damage: Any, culprit: str, message: str, fix: str
) -> None:
    folder = tmp_path / "suppliers.parquet"
    write_parts(folder, bundled_suppliers())
    damage(folder)
    before = md5s(folder)
    with pytest.raises(exposure.DataError) as caught:
        read_suppliers(folder)
    (problem,) = caught.value.problems
    assert Path(problem.file) == (folder / culprit if culprit else folder)
    assert message in problem.message
    assert fix in problem.fix
    assert "\n" not in str(problem)
    assert md5s(folder) == before


def test_the_command_line_reads_a_folder_and_writes_nothing_into_it(tmp_path: Path) -> None:
    folder = tmp_path / "suppliers.parquet"
    write_parts(folder, bundled_suppliers())
    before = md5s(folder)
    code, out, _ = run("report", "--suppliers", str(folder), "--as-of", "2019-10-09")
    assert code == 0
    assert "Ambarella" in out
    for command in (
        ["report", "--format", "json", "-o", str(folder / "report.json")],
        ["render", "-o", str(folder / "network.png")],
        ["export", "-o", str(folder / "graph.graphml")],
    ):
        code, _, err = run(*command, "--suppliers", str(folder))
        assert code == 1
        assert "inside the input folder" in err
        assert "Traceback" not in err
    assert md5s(folder) == before


def test_the_cache_sees_a_part_rewritten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    builds: list[bool] = []
    real = exposure.graph.build_graph

    def spy(*a: Any, **k: Any) -> exposure.graph.SupplyGraph:
        builds.append(True)
        return real(*a, **k)

    monkeypatch.setattr(exposure.cache, "build_graph", spy)
    frame = bundled_suppliers()
    folder = tmp_path / "suppliers.parquet"
    parts = write_parts(folder, frame)
    past = time.time() - 60

    def settle() -> None:
        for path in [folder, *folder.iterdir()]:
            os.utime(path, (past, past))

    settle()
    load = lambda: exposure.load_graph(  # noqa: E731
        suppliers=folder, listed=bundled_data_dir() / "listed.csv", cache_dir=tmp_path / "cache"
    )
    load()
    load()
    assert len(builds) == 1
    # The last part rewritten in place, one sale fewer: the folder itself is unchanged.
    last = pq.read_table(parts[-1])
    pq.write_table(last.slice(0, last.num_rows - 1), parts[-1])
    settle()
    graph = load()
    assert len(builds) == 2
    assert len(graph.dataset.suppliers) == len(frame) - 1


def test_empty_parts_hold_no_rows_and_rows_after_them_are_cited_right(tmp_path: Path) -> None:
    frame = bundled_suppliers()
    folder = tmp_path / "suppliers.parquet"
    folder.mkdir()
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pieces = [table.slice(0, 0), table.slice(0, 4), table.slice(4, 0), table.slice(4)]
    for number, piece in enumerate(pieces):
        pq.write_table(piece, folder / f"data_{number}.parquet")
    assert read_suppliers(folder)["customer"].tolist() == frame["customer"].tolist()
    frame.loc[6, "revenue_share"] = "-0.5"  # row 7: the 3rd row of data_3
    for path in folder.iterdir():
        path.unlink()
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for number, piece in enumerate(
        [table.slice(0, 0), table.slice(0, 4), table.slice(4, 0), table.slice(4)]
    ):
        pq.write_table(piece, folder / f"data_{number}.parquet")
    with pytest.raises(exposure.DataError) as caught:
        read_suppliers(folder)
    assert [(Path(p.file).name, p.line) for p in caught.value.problems] == [("data_3.parquet", 3)]


def test_rows_named_inside_a_message_are_named_by_part_too(tmp_path: Path) -> None:
    frame = bundled_suppliers()
    frame = pd.concat([frame, frame.iloc[[1]]], ignore_index=True)  # the 2nd row, again, last
    folder = tmp_path / "suppliers.parquet"
    parts = write_parts(folder, frame)
    with pytest.raises(exposure.DataError) as caught:
        read_suppliers(folder)
    (problem,) = caught.value.problems
    last_part_rows = pq.read_metadata(parts[-1]).num_rows
    assert (Path(problem.file), problem.line) == (parts[-1], last_part_rows)
    assert problem.message.endswith(f"as {parts[0].name} line 2")


def test_a_column_missing_from_a_folder_is_the_folders_problem(tmp_path: Path) -> None:
    folder = tmp_path / "suppliers.parquet"
    write_parts(folder, bundled_suppliers().drop(columns=["source"]))
    with pytest.raises(exposure.DataError) as caught:
        read_suppliers(folder)
    (problem,) = caught.value.problems
    assert (Path(problem.file), problem.line, problem.column) == (folder, None, "source")


def test_parts_that_store_a_column_differently_read_as_one_table(tmp_path: Path) -> None:
    """As different writers do: dictionary codes, a column empty in one part (null type),
    integers in one part and decimals in another, a column declared not null."""
    frame = bundled_suppliers()
    frame["revenue_share"] = pd.to_numeric(frame["revenue_share"].replace("", None))
    folder = tmp_path / "suppliers.parquet"
    folder.mkdir()
    whole = pa.Table.from_pandas(frame, preserve_index=False)
    first = whole.slice(0, 3)
    first = first.set_column(
        first.schema.get_field_index("product"),
        "product",
        first.column("product").dictionary_encode(),
    )
    first = first.cast(first.schema.set(0, pa.field("supplier", pa.string(), nullable=False)))
    second = whole.slice(3, 2)
    second = second.set_column(
        second.schema.get_field_index("share_basis"), "share_basis", pa.nulls(2, pa.null())
    )
    second = second.set_column(
        second.schema.get_field_index("revenue_share"),
        "revenue_share",
        pa.array([0, 1], pa.int64()),
    )
    rest = whole.slice(5)
    for number, piece in enumerate([first, second, rest]):
        pq.write_table(piece, folder / f"part-{number}.parquet")
    read = read_suppliers(folder)
    assert read["supplier"].tolist() == frame["supplier"].tolist()
    assert read["product"].tolist() == frame["product"].tolist()
    assert read["share_basis"].tolist()[3:5] == ["", ""]
    assert read["revenue_share"].tolist()[3:5] == [0.0, 1.0]
    # Text in one part and numbers in another: the folder's problem, with the column.
    number_part = rest.set_column(
        rest.schema.get_field_index("source"), "source", pa.array(range(rest.num_rows), pa.int64())
    )
    pq.write_table(number_part, folder / "part-2.parquet")
    with pytest.raises(exposure.DataError) as caught:
        read_suppliers(folder)
    (problem,) = caught.value.problems
    assert (Path(problem.file), problem.column) == (folder, "source")
    assert "integer in some, text in others" in problem.message


@pytest.mark.parametrize(
    ("make", "message", "fix"),
    [
        (lambda f: (f / "_delta_log").mkdir(), "a Delta Lake table", "export it as plain Parquet"),
        (lambda f: (f / "_temporary").mkdir(), "still being written", "write the table again"),
    ],
)
def test_a_delta_table_or_an_unfinished_write_is_refused(
    tmp_path: Path, make: Any, message: str, fix: str
) -> None:
    folder = tmp_path / "suppliers.parquet"
    write_parts(folder, bundled_suppliers())
    make(folder)
    with pytest.raises(exposure.DataError) as caught:
        read_suppliers(folder)
    (problem,) = caught.value.problems
    assert Path(problem.file) == folder
    assert message in problem.message
    assert fix in problem.fix


def test_a_data_folder_passed_as_a_table_is_one_problem_that_names_data(tmp_path: Path) -> None:
    code, _, err = run("report", "--suppliers", str(bundled_data_dir()))
    assert code == 1
    assert err.count("Error") == 1
    assert "a folder without Parquet parts" in err
    assert "--data FOLDER" in err
    # A folder partitioned by a column, with no part at its top: the partitions are named.
    folder = tmp_path / "suppliers.parquet"
    write_parts(folder / "supplier_country=US", bundled_suppliers())
    with pytest.raises(exposure.DataError) as caught:
        read_suppliers(folder)
    (problem,) = caught.value.problems
    assert "partitioned by a column" in problem.message


def test_a_cache_folder_inside_an_input_folder_is_refused_and_the_answer_still_comes(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "suppliers.parquet"
    write_parts(folder, bundled_suppliers())
    past = time.time() - 60
    for path in [folder, *folder.iterdir()]:
        os.utime(path, (past, past))
    before = md5s(folder)
    with pytest.warns(UserWarning, match="inside the input folder"):
        graph = exposure.load_graph(
            suppliers=folder, listed=bundled_data_dir() / "listed.csv", cache_dir=folder / "_c"
        )
    assert "Ambarella" in set(graph.names)
    assert md5s(folder) == before  # not even the cache folder was made


def test_polars_imported_from_two_threads_at_once_imports_once_and_cleanly() -> None:
    import subprocess
    import sys

    script = """
import os, threading
from exposure.util.polars_setup import import_polars
found, failed = [], []
def first():
    try:
        found.append(import_polars())
    except BaseException as error:
        failed.append(error)
threads = [threading.Thread(target=first) for _ in range(4)]
for t in threads: t.start()
for t in threads: t.join()
assert not failed, failed
assert len({id(m) for m in found}) == 1
assert "_RJEM_MALLOC_CONF" not in os.environ
print("ok")
"""
    env = {k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, env=env
    )
    assert done.stdout.strip() == "ok", done.stderr
