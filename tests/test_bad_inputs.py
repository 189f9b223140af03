"""Bad input files: each gives its exact problems, exit status 1 and no traceback.

The corpus is ``tests/bad_inputs/`` (see its README.md): every file there is listed in
``expected.csv`` with the problems it must produce, checked here through the readers and through
``exposure validate`` and ``exposure report``. The big cases (a 10 MB cell, a million rows with one
bad row at the end) are made at test time.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import exposure
import exposure.read.csv_text
from exposure.cli import cli
from exposure.errors import Problem
from exposure.read.dataset import read_listed, read_ownership, read_suppliers
from exposure.read.tables import MAX_CELL

read_csl: Callable[..., Any] | None
try:
    from exposure.read.csl import read_csl
except ImportError:  # pragma: no cover - the CSL importer is a separate module
    read_csl = None

BAD = Path(__file__).parent / "bad_inputs"
NOT_CASES = {"README.md", "expected.csv", ".gitattributes"}
ACCEPTED = "(accepted)"

READERS: dict[str, Callable[..., Any] | None] = {
    "suppliers": read_suppliers,
    "listed": read_listed,
    "ownership": read_ownership,
    "csl": read_csl,
}
GOOD_LISTED = (
    "name,list,federal_register_notice,start_date,source\n"
    "Hikvision,Entity List,84 FR 54002,2019-10-09,test listing\n"
)
GOOD_SUPPLIERS = (
    "supplier,customer,product,revenue_share,share_basis,source\n"
    "Acme,Hikvision,chips,0.2,disclosed,test sale\n"
)
SHARE_FIX = "write a share from 0 to 1 (0.17 for 17%), or leave the cell empty when unknown"

Expected = tuple[int | None, str | None, str, str]


def _expected() -> dict[str, list[Expected]]:
    cases: dict[str, list[Expected]] = {}
    with (BAD / "expected.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            line = int(row["line"]) if row["line"] else None
            cases.setdefault(row["file"], []).append(
                (line, row["column"] or None, row["message"], row["fix"])
            )
    return cases


EXPECTED = _expected()
CASES = sorted(EXPECTED)
BAD_CASES = [c for c in CASES if EXPECTED[c][0][2] != ACCEPTED]
GOOD_CASES = [c for c in CASES if EXPECTED[c][0][2] == ACCEPTED]


@pytest.fixture(params=["python", "arrow"])
def csv_reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Read CSV files with the Python reader, then with Arrow's (as files of 16 MB and more).

    Arrow's reader hands every file that is not plain back to the Python reader: each case
    must give the same table or the same problems either way.
    """
    if request.param == "arrow":
        monkeypatch.setattr(exposure.read.csv_text, "ARROW_CSV_FROM", 0)
    return str(request.param)


def role(name: str) -> str:
    return name.split("-", 1)[0]


def reader_of(name: str) -> Callable[..., Any]:
    reader = READERS[role(name)]
    if reader is None:  # pragma: no cover
        pytest.skip("exposure.read.csl (the CSL importer) does not exist")
    return reader


def as_expected(problem: Problem) -> Expected:
    return (problem.line, problem.column, problem.message, problem.fix)


def printed(path: Path, expected: Expected) -> str:
    """The problem as ``exposure validate`` prints it."""
    return str(Problem(path, *expected))


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def assert_clean_exit(result: Result, code: int) -> None:
    """The command ended through sys.exit with ``code``: no exception escaped, no traceback."""
    assert isinstance(result.exception, SystemExit) or (code == 0 and result.exception is None), (
        repr(result.exception)
    )
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output


def data_folder(tmp_path: Path, name: str) -> tuple[Path, Path]:
    """A data folder with good companion files and the bad file in its role; return both."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "listed.csv").write_text(GOOD_LISTED, encoding="utf-8")
    (folder / "suppliers.csv").write_text(GOOD_SUPPLIERS, encoding="utf-8")
    target = folder / f"{role(name)}.csv"
    shutil.copyfile(BAD / name, target)
    return folder, target


# -- the corpus ------------------------------------------------------------------------------


def test_the_corpus_has_forty_bad_files_each_with_its_expected_problems() -> None:
    on_disk = {p.name for p in BAD.iterdir()} - NOT_CASES
    assert on_disk == set(EXPECTED), "every file needs rows in expected.csv, and vice versa"
    assert len(BAD_CASES) >= 40
    assert {role(c) for c in CASES} == {"suppliers", "listed", "ownership", "csl"}
    for name, problems in EXPECTED.items():
        assert all(fix for _, _, message, fix in problems if message != ACCEPTED), name


@pytest.mark.parametrize("name", BAD_CASES)
def test_the_reader_reports_exactly_the_expected_problems(name: str, csv_reader: str) -> None:
    path = BAD / name
    with pytest.raises(exposure.DataError) as caught:
        reader_of(name)(path)
    assert [as_expected(p) for p in caught.value.problems] == EXPECTED[name]
    assert all(Path(p.file) == path for p in caught.value.problems)
    assert str(caught.value) == "\n".join(printed(path, e) for e in EXPECTED[name])


@pytest.mark.parametrize("name", [c for c in BAD_CASES if role(c) != "csl"])
def test_validate_and_report_print_the_problems_and_exit_1(tmp_path: Path, name: str) -> None:
    folder, target = data_folder(tmp_path, name)
    lines = [printed(target, e) for e in EXPECTED[name]]

    checked = invoke("validate", "--data", str(folder))
    assert_clean_exit(checked, 1)
    assert checked.stdout.splitlines() == lines
    found = f"{len(lines)} problem" + ("" if len(lines) == 1 else "s")
    assert checked.stderr == f"{found} found.\n"

    reported = invoke("report", "--data", str(folder), "--as-of", "2019-10-09")
    assert_clean_exit(reported, 1)
    assert reported.stdout == ""
    assert reported.stderr == "Error: " + "\n".join(lines) + "\n"


@pytest.mark.parametrize("name", [c for c in BAD_CASES if role(c) == "csl"])
def test_import_csl_reports_the_problem_exits_1_and_writes_nothing(
    tmp_path: Path, name: str
) -> None:
    if "import-csl" not in cli.commands:  # pragma: no cover - added with the CSL importer
        pytest.skip("the `exposure import-csl` command does not exist yet")
    source = tmp_path / name
    shutil.copyfile(BAD / name, source)
    out = tmp_path / "listed.csv"
    result = invoke("import-csl", str(source), "-o", str(out))
    assert_clean_exit(result, 1)
    for expected in EXPECTED[name]:
        assert printed(source, expected) in result.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    "name",
    # csl-wrong-header.csv is a listed.csv: not a CSL, but a good --listed file.
    [c for c in BAD_CASES if role(c) == "csl" and c != "csl-wrong-header.csv"],
)
def test_a_damaged_csl_given_as_listed_file_is_an_error_not_a_traceback(
    tmp_path: Path, name: str
) -> None:
    folder, _ = data_folder(tmp_path, "listed-bom-crlf.csv")
    source = tmp_path / name
    shutil.copyfile(BAD / name, source)
    for command in ("validate", "report"):
        result = invoke(command, "--data", str(folder), "--listed", str(source))
        assert_clean_exit(result, 1)
        assert str(source) in result.output


@pytest.mark.parametrize("name", GOOD_CASES)
def test_byte_order_marks_and_crlf_or_cr_line_ends_are_accepted(
    tmp_path: Path, name: str, csv_reader: str
) -> None:
    table = reader_of(name)(BAD / name)
    assert len(table) >= 1
    assert list(table["_line"]) == list(range(2, len(table) + 2))
    cells = [str(v) for v in table.drop(columns="_line").to_numpy().ravel()]
    headers = [str(c) for c in table.columns]
    assert not any("\r" in c or "\ufeff" in c for c in cells + headers)
    assert headers[0] in {"supplier", "name"}

    folder, _ = data_folder(tmp_path, name)
    result = invoke("validate", "--data", str(folder))
    assert_clean_exit(result, 0)
    assert f"{len(table)} rows, no problems." in result.stdout


def test_crlf_and_cr_files_read_the_same_as_lf(csv_reader: str) -> None:
    crlf = read_suppliers(BAD / "suppliers-crlf.csv")
    cr = read_suppliers(BAD / "suppliers-cr-line-ends.csv")
    assert crlf.drop(columns="_line").equals(cr.drop(columns="_line"))
    assert crlf["supplier"].tolist() == ["Acme", "Beta"]
    assert crlf["revenue_share"].tolist()[0] == 0.2


def test_a_traceback_never_reaches_the_terminal(tmp_path: Path) -> None:
    """The same through a real process: stderr holds the message, never a traceback."""
    folder, target = data_folder(tmp_path, "suppliers-nul-byte.csv")
    done = subprocess.run(
        [sys.executable, "-m", "exposure", "report", "--data", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == f"Error: {printed(target, EXPECTED['suppliers-nul-byte.csv'][0])}\n"


# -- big files, made at test time -------------------------------------------------------------


def test_a_10_mb_cell_is_reported_with_its_line_and_column(tmp_path: Path, csv_reader: str) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "listed.csv").write_text(GOOD_LISTED, encoding="utf-8")
    size = 10 * 1024 * 1024
    path = folder / "suppliers.csv"
    path.write_text(GOOD_SUPPLIERS + "Beta,Hikvision,chips,,," + "x" * size + "\n", "utf-8")
    expected = (
        3,
        "source",
        f"the cell holds {size:,} characters, more than the {MAX_CELL:,} allowed",
        "shorten it (cite a long text rather than pasting it); if a quote opens the cell and "
        "closes far below, correct the quotes",
    )
    with pytest.raises(exposure.DataError) as caught:
        read_suppliers(path)
    assert [as_expected(p) for p in caught.value.problems] == [expected]

    result = invoke("validate", "--data", str(folder))
    assert_clean_exit(result, 1)
    assert result.stdout == printed(path, expected) + "\n"


def test_a_10_mb_column_name_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "suppliers.csv"
    path.write_text("supplier,customer,product,source," + "y" * 10_000_000 + "\nA,B,c,s,t\n")
    with pytest.raises(exposure.DataError) as caught:
        read_suppliers(path)
    assert [as_expected(p) for p in caught.value.problems] == [
        (
            1,
            None,
            f"a column name holds 10,000,000 characters, more than the {MAX_CELL:,} allowed",
            "shorten the column name; check that the header line is the first line",
        )
    ]


def test_a_quote_that_closes_far_below_swallows_rows_and_is_reported(
    tmp_path: Path, csv_reader: str
) -> None:
    rows = "".join(f"Beta,Customer {i},chips,,,src\n" for i in range(10_000))
    path = tmp_path / "suppliers.csv"
    path.write_text(GOOD_SUPPLIERS + 'Beta,Hikvision,chips,,,"src\n' + rows + 'end"\n')
    with pytest.raises(exposure.DataError) as caught:
        read_suppliers(path)
    (problem,) = caught.value.problems
    assert (problem.line, problem.column) == (3, "source")
    swallowed = len("src\n" + rows + "end")
    assert (
        problem.message == f"the cell holds {swallowed:,} characters, more than the 100,000 allowed"
    )
    assert "if a quote opens the cell and closes far below, correct the quotes" in problem.fix


def test_a_million_rows_with_one_bad_row_at_the_end(tmp_path: Path, csv_reader: str) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "listed.csv").write_text(GOOD_LISTED, encoding="utf-8")
    path = folder / "suppliers.csv"
    n = 1_000_000
    with path.open("w", encoding="utf-8") as handle:
        handle.write("supplier,customer,product,revenue_share,source\n")
        handle.write(
            "".join(f"Supplier {i // 1000},Customer {i % 1000},chips,,src\n" for i in range(n - 1))
        )
        handle.write("Supplier 7,Customer X,chips,17%,src\n")
    expected = (
        n + 1,
        "revenue_share",
        "'17%' is a percentage",
        "write the share from 0 to 1: 0.17 for 17%",
    )

    result = invoke("validate", "--data", str(folder))
    assert_clean_exit(result, 1)
    assert result.stdout == printed(path, expected) + "\n"


def test_a_damaged_parquet_file_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "listed.csv").write_text(GOOD_LISTED, encoding="utf-8")
    damaged = tmp_path / "suppliers.parquet"
    damaged.write_bytes(b"PAR1" + bytes(range(256)) * 4)
    result = invoke("validate", "--data", str(folder), "--suppliers", str(damaged))
    assert_clean_exit(result, 1)
    assert result.stdout.startswith(f"{damaged}: cannot read it as Parquet (")
    assert result.stdout.rstrip().endswith("Fix: pass a valid Parquet file or a CSV file.")


def test_a_parquet_file_with_an_encrypted_column_is_an_error_not_a_crash(tmp_path: Path) -> None:
    """Its footer is plain: the schema reads, the encrypted column's metadata does not.

    Run in a process of its own: pyarrow aborts the whole process (no Python exception) when
    that column's metadata is asked for directly.
    """
    import base64

    import pyarrow as pa
    import pyarrow.parquet as pq
    import pyarrow.parquet.encryption as pe

    class Keys(pe.KmsClient):  # a key service that wraps keys in base64, for the test only
        def __init__(self, config: pe.KmsConnectionConfig) -> None:
            super().__init__()

        def wrap_key(self, key: bytes, master: str) -> bytes:
            return base64.b64encode(key)

        def unwrap_key(self, key: bytes, master: str) -> bytes:
            return base64.b64decode(key)

    encryption = pe.CryptoFactory(Keys).file_encryption_properties(
        pe.KmsConnectionConfig(),
        pe.EncryptionConfiguration(
            footer_key="footer",
            column_keys={"column": ["supplier"]},
            plaintext_footer=True,
            double_wrapping=False,
        ),
    )
    table = pa.table(
        {"supplier": ["A"], "customer": ["B"], "product": ["chips"], "source": ["filing"]}
    )
    encrypted = tmp_path / "suppliers.parquet"
    with pq.ParquetWriter(encrypted, table.schema, encryption_properties=encryption) as writer:
        writer.write_table(table)
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "listed.csv").write_text(GOOD_LISTED, encoding="utf-8")
    command = ["validate", "--data", str(folder), "--suppliers", str(encrypted)]
    done = subprocess.run(
        [sys.executable, "-m", "exposure", *command],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith(f"{encrypted}: cannot read it as Parquet (Cannot decrypt")
    assert "Traceback" not in done.stderr


def test_percentages_in_either_file_say_what_to_write_instead() -> None:
    """A percent sign: a share is written 0.17, a percentage 40 (decided in issue 7)."""
    share = EXPECTED["suppliers-share-percent.csv"]
    percent = EXPECTED["ownership-percent-sign.csv"]
    assert share == [
        (2, "revenue_share", "'17%' is a percentage", "write the share from 0 to 1: 0.17 for 17%")
    ]
    assert percent == [(2, "percent", "'40%' has a percent sign", "write the number alone: 40")]
    assert EXPECTED["suppliers-share-over-one.csv"][0][3] == SHARE_FIX


def test_a_damaged_parquet_file_of_names_to_screen_is_an_error_not_a_traceback(
    tmp_path: Path,
) -> None:
    damaged = tmp_path / "names.parquet"
    damaged.write_bytes(b"PAR1" + bytes(range(256)) * 4)
    before = damaged.read_bytes()
    result = invoke("screen", "--file", str(damaged))
    assert_clean_exit(result, 1)
    assert result.stderr.startswith(f"Error: {damaged}: cannot read it as Parquet (")
    assert result.stderr.rstrip().endswith("Fix: pass a valid Parquet file or a CSV file.")
    assert damaged.read_bytes() == before
