"""Loading and validating the data files: clear errors that name file, line, column and fix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import exposure
import exposure.read.csv_text
from exposure.read.dataset import read_listed, read_suppliers
from exposure.util.atomic import write_atomic
from tests.conftest import MakeData, listing, sale

SUPPLIERS_HEAD = "supplier,customer,product,revenue_share,share_basis,source\n"


def problems_of(path: Path, reader: Callable[[Path], object] = read_suppliers) -> list[str]:
    with pytest.raises(exposure.DataError) as caught:
        reader(path)
    return [str(p) for p in caught.value.problems]


def write(tmp_path: Path, text: str | bytes, name: str = "suppliers.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_bundled_data_loads_and_keeps_extra_columns(tmp_path: Path) -> None:
    data = exposure.load()
    assert len(data.listed) >= 10
    assert {"supplier", "customer", "product", "source"} <= set(data.suppliers.columns)
    path = write(tmp_path, SUPPLIERS_HEAD.strip() + ",note\nA,B,chips,0.1,disclosed,src,kept\n")
    assert read_suppliers(path)["note"].tolist() == ["kept"]


def test_column_order_is_free(tmp_path: Path) -> None:
    path = write(tmp_path, "source,product,customer,supplier\nsrc,chips,B,A\n")
    table = read_suppliers(path)
    assert table[["supplier", "customer"]].values.tolist() == [["A", "B"]]


def test_a_renamed_required_column_is_named_with_the_fix(tmp_path: Path) -> None:
    path = write(tmp_path, "suplier,customer,product,source\nA,B,chips,src\n")
    assert problems_of(path) == [
        f"{path}, line 1, column 'supplier': a required column is missing. "
        "Fix: rename column 'suplier' to 'supplier'."
    ]


def test_share_over_one_and_not_a_number_are_reported_with_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, SUPPLIERS_HEAD + "A,B,chips,1.5,disclosed,src\nA,C,chips,lots,,src\n")
    found = problems_of(path)
    assert f"{path}, line 2, column 'revenue_share': '1.5' is not between 0 and 1." in found[1]
    assert f"{path}, line 3, column 'revenue_share': 'lots' is not a number." in found[0]


def test_negative_share_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, SUPPLIERS_HEAD + "A,B,chips,-0.1,disclosed,src\n")
    assert "'-0.1' is not between 0 and 1" in problems_of(path)[0]


def test_shares_of_one_supplier_summing_over_one_are_an_error(tmp_path: Path) -> None:
    path = write(
        tmp_path, SUPPLIERS_HEAD + "A,B,chips,0.6,disclosed,src\nA,C,chips,0.6,disclosed,src\n"
    )
    (problem,) = problems_of(path)
    assert "the shares of supplier 'A' add up to 1.2, over 1 (lines 2, 3)" in problem


def test_a_self_loop_and_a_duplicate_row_are_errors(tmp_path: Path) -> None:
    path = write(
        tmp_path, SUPPLIERS_HEAD + "A,a inc.,chips,,,src\nA,B,chips,,,src\nA,B,Chips,,,src2\n"
    )
    found = problems_of(path)
    assert f"{path}, line 2, column 'customer': 'A' sells to itself" in found[0]
    assert f"{path}, line 4: the same supplier, customer and product as line 3" in found[1]


def test_empty_required_cell_and_name_of_spaces_only(tmp_path: Path) -> None:
    path = write(tmp_path, SUPPLIERS_HEAD + "A,,chips,,,src\n'   ',B,chips,,,src\n")
    found = problems_of(path)
    assert any(
        "line 2, column 'customer': the cell is empty. Fix: fill in the customer." in p
        for p in found
    )
    assert any("line 3, column 'supplier'" in p and "has no letters or digits" in p for p in found)


def test_non_utf8_bytes_give_line_and_advice(tmp_path: Path) -> None:
    path = write(tmp_path, (SUPPLIERS_HEAD + "A,Soci\xe9t\xe9,chips,,,src\n").encode("latin-1"))
    (problem,) = problems_of(path)
    assert "line 2: byte 0xe9 at line 2, character 7 is not UTF-8 text" in problem
    assert "save the file as UTF-8" in problem


def test_empty_file_and_header_only(tmp_path: Path) -> None:
    assert "the file is empty" in problems_of(write(tmp_path, ""))[0]
    assert "has a header but no rows" in problems_of(write(tmp_path, SUPPLIERS_HEAD))[0]


def test_byte_order_mark_and_crlf_are_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        ("\ufeff" + SUPPLIERS_HEAD + "A,B,chips,0.1,disclosed,src\n").replace("\n", "\r\n"),
    )
    table = read_suppliers(path)
    assert table["supplier"].tolist() == ["A"]
    assert table["revenue_share"].tolist() == [0.1]


def test_line_numbers_count_quoted_newlines(tmp_path: Path) -> None:
    text = SUPPLIERS_HEAD + 'A,B,"chips\nand boards",0.1,disclosed,src\nA,C,chips,2,disclosed,src\n'
    (problem,) = problems_of(write(tmp_path, text))
    assert "line 4, column 'revenue_share'" in problem


def test_a_row_with_too_many_cells(tmp_path: Path) -> None:
    (problem,) = problems_of(
        write(tmp_path, SUPPLIERS_HEAD + "A,B,chips,0.1,disclosed,src,extra\n")
    )
    assert "line 2" in problem
    assert "quote cells that contain commas" in problem


def test_listed_dates_must_be_iso_and_end_after_start(tmp_path: Path) -> None:
    head = "name,list,start_date,end_date,source\n"
    path = write(
        tmp_path,
        head + "X,Entity List,09/10/2019,,src\nY,Entity List,2020-01-01,2019-01-01,src\n",
        "listed.csv",
    )
    found = problems_of(path, read_listed)
    assert any(
        "line 2, column 'start_date': '09/10/2019' is not a date" in p and "YYYY-MM-DD" in p
        for p in found
    )
    assert any("line 3, column 'end_date': the listing ends before it starts" in p for p in found)


def test_unknown_country_code_and_bad_choice(tmp_path: Path) -> None:
    head = "name,list,start_date,source,country,kind\n"
    found = problems_of(
        write(tmp_path, head + "X,Entity List,2019-10-09,src,XX,firm\n", "listed.csv"), read_listed
    )
    assert any("'XX' is not an ISO 3166-1 alpha-2 country code" in p for p in found)
    kinds = "company, government, academic, individual, vessel, aircraft, other"
    assert any(f"'firm' is not one of {kinds}" in p for p in found)


def test_load_reports_problems_of_both_files_at_once(make_data: MakeData) -> None:
    folder = make_data([listing("X", start="soon")], [sale("A", "B", 3)])
    with pytest.raises(exposure.DataError) as caught:
        exposure.load(folder)
    files = {Path(p.file).name for p in caught.value.problems}
    assert files == {"listed.csv", "suppliers.csv"}


def test_a_missing_folder_or_file_says_what_to_pass(tmp_path: Path) -> None:
    with pytest.raises(exposure.DataError, match="no such folder"):
        exposure.load(tmp_path / "nowhere")
    with pytest.raises(exposure.DataError, match=r"suppliers.csv: no such file"):
        exposure.load(tmp_path)


def test_write_atomic_refuses_to_overwrite_an_input_and_leaves_no_temporary(tmp_path: Path) -> None:
    source = write(tmp_path, SUPPLIERS_HEAD + "A,B,chips,,,src\n")
    before = source.read_bytes()
    with pytest.raises(exposure.ExposureError, match="is one of the input files"):
        write_atomic(source, "x", inputs=(source,))
    assert source.read_bytes() == before
    write_atomic(tmp_path / "out.txt", "ok")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt", "suppliers.csv"]


def test_parquet_input_reads_like_csv(tmp_path: Path) -> None:
    import pandas as pd

    csv_path = write(tmp_path, SUPPLIERS_HEAD + "A,B,chips, 0.1,disclosed,src\nA,C,boards,,,src\n")
    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    frame["revenue_share"] = pd.to_numeric(frame["revenue_share"].str.strip()).astype(float)
    parquet_path = tmp_path / "suppliers.parquet"
    frame.to_parquet(parquet_path)
    from_csv, from_parquet = read_suppliers(csv_path), read_suppliers(parquet_path)
    columns = ["supplier", "customer", "product", "revenue_share", "share_basis"]
    assert from_parquet[columns].equals(from_csv[columns])
    assert from_parquet["revenue_share"].isna().tolist() == [False, True]


PLAIN = SUPPLIERS_HEAD + 'A ,"B, Inc.",chips,0.10,disclosed,src\nA,C,"boards",,estimate,src\n'


@pytest.mark.parametrize(
    ("case", "text"),
    [
        ("plain", PLAIN),
        ("byte order mark and CRLF", ("\ufeff" + PLAIN).replace("\n", "\r\n")),
        ("no final line end", PLAIN.rstrip("\n")),
        ("a line break in a cell", PLAIN + 'A,D,"chips\nand boards",0.1,disclosed,src\n'),
        ("a blank line", PLAIN.replace("\nA,C", "\n\nA,C")),
        ("CR line ends", PLAIN.replace("\n", "\r")),
        ("too many cells", PLAIN + "A,E,chips,0.1,disclosed,src,extra\n"),
        ("a NUL", PLAIN + "A,F\x00,chips,0.1,disclosed,src\n"),
        ("not UTF-8", PLAIN.encode() + b"A,G\xff,chips,0.1,disclosed,src\n"),
        ("a blank header cell", PLAIN.replace("source", " ", 1)),
    ],
)
def test_large_csv_files_read_by_arrow_give_what_the_python_reader_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, text: str | bytes
) -> None:
    """Plain files go through Arrow (fast, no Python string per cell); others come back."""
    path = write(tmp_path, text)
    plain = case in {"plain", "byte order mark and CRLF", "no final line end"}
    assert (exposure.read.csv_text.read_csv_arrow(path) is not None) == plain

    def read() -> tuple[str, object]:
        try:
            table = read_suppliers(path)
        except exposure.DataError as error:
            return "problems", str(error)
        return "table", table.astype(object).where(table.notna(), None).to_dict("list")

    by_python = read()
    monkeypatch.setattr(exposure.read.csv_text, "ARROW_CSV_FROM", 0)
    assert read() == by_python
    if plain:
        assert by_python[0] == "table"


def _as_parquet(csv_path: Path) -> Path:
    import pandas as pd

    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    parquet_path = csv_path.with_suffix(".parquet")
    frame.to_parquet(parquet_path)
    csv_path.unlink()
    return parquet_path


def test_a_data_folder_of_parquet_files_loads_like_one_of_csv_files(tmp_path: Path) -> None:
    import shutil

    from exposure.read.dataset import bundled_data_dir

    for name in ("listed.csv", "suppliers.csv", "ownership.csv"):
        shutil.copy(bundled_data_dir() / name, tmp_path / name)
    from_csv = exposure.load(tmp_path)
    for name in ("listed.csv", "suppliers.csv", "ownership.csv"):
        _as_parquet(tmp_path / name)
    from_parquet = exposure.load(tmp_path)
    assert {role: Path(path).name for role, path in from_parquet.files.items()} == {
        "listed": "listed.parquet",
        "suppliers": "suppliers.parquet",
        "ownership": "ownership.parquet",
    }
    columns = ["supplier", "customer", "product", "source"]
    assert (
        from_parquet.suppliers[columns].astype(str).equals(from_csv.suppliers[columns].astype(str))
    )
    assert from_parquet.listed["name"].tolist() == from_csv.listed["name"].tolist()
    assert from_parquet.ownership is not None
    assert from_csv.ownership is not None
    assert len(from_parquet.ownership) == len(from_csv.ownership)


def test_a_folder_holding_a_table_as_csv_and_as_parquet_says_which_to_keep(
    make_data: MakeData,
) -> None:
    folder = make_data([listing("X")], [sale("A", "X")])
    _as_parquet(folder / "suppliers.csv")
    (folder / "suppliers.csv").write_text("supplier,customer,product,source\nA,B,c,s\n")
    with pytest.raises(exposure.DataError) as caught:
        exposure.load(folder)
    (problem,) = caught.value.problems
    assert Path(problem.file) == folder
    assert "both suppliers.csv and suppliers.parquet" in str(problem)
    assert "--suppliers FILE" in str(problem)
    # Naming the file to read settles it.
    data = exposure.load(folder, suppliers=folder / "suppliers.parquet")
    assert data.suppliers["customer"].tolist() == ["X"]
    # A table no option names: the fix is to keep one.
    for suffix in ("csv", "parquet"):
        (folder / f"ownership.{suffix}").write_bytes(b"")
    with pytest.raises(exposure.DataError) as caught:
        exposure.load(folder, suppliers=folder / "suppliers.parquet")
    assert [p.fix for p in caught.value.problems] == ["keep one of them in the folder"]
    # Every table held twice is named at once.
    with pytest.raises(exposure.DataError) as caught:
        exposure.load(folder)
    assert [p.message for p in caught.value.problems] == [
        "holds both suppliers.csv and suppliers.parquet",
        "holds both ownership.csv and ownership.parquet",
    ]


def test_files_given_one_by_one_read_the_ownership_beside_the_listed_file(
    make_data: MakeData,
) -> None:
    # Never the bundled data's: its owners would be mixed into the user's analysis, and the
    # user's own ownership.csv left unread.
    folder = make_data([listing("Parent")], [sale("Maker", "Target", 0.2)])
    listed, suppliers = folder / "listed.csv", folder / "suppliers.csv"
    assert exposure.load(listed=listed, suppliers=suppliers).ownership is None
    (folder / "ownership.csv").write_text(
        "owner,owned,percent,source\nParent,Target,60,test\n", encoding="utf-8"
    )
    owners = exposure.load(listed=listed, suppliers=suppliers).ownership
    assert owners is not None
    assert owners["owned"].tolist() == ["Target"]
    result = exposure.analyze(exposure.load(listed=listed, suppliers=suppliers), as_of="2026-12-01")
    assert result.supplier("Maker")["exposed"] is True  # Target is Parent's affiliate


def test_parquet_dates_stored_as_midnight_timestamps_are_dates(
    make_data: MakeData, tmp_path: Path
) -> None:
    # pandas writes a date column as timestamps at midnight: they are the dates.
    import pandas as pd

    folder = make_data([listing("Hikvision", start="2019-10-09")], [sale("Acme", "Hikvision", 0.2)])
    table = pd.read_csv(folder / "listed.csv")
    table["start_date"] = pd.to_datetime(table["start_date"])
    parts = tmp_path / "parquet"
    parts.mkdir()
    table.to_parquet(parts / "listed.parquet")
    (folder / "suppliers.csv").rename(parts / "suppliers.csv")
    listed = exposure.load(parts).listed
    assert listed["start_date"].iloc[0] == pd.Timestamp("2019-10-09")
    # A time of day is no date: still an error, with its line.
    table["start_date"] += pd.Timedelta(hours=5)
    table.to_parquet(parts / "listed.parquet")
    with pytest.raises(exposure.DataError, match=r"line 1, column 'start_date': .* is not a date"):
        exposure.load(parts)
