"""The Spark engine gives every supplier the single-machine engine's figures.

Runs Spark in local mode; skipped, saying why, where PySpark or Java is missing
(``make test`` installs the ``spark`` extra).
"""

from __future__ import annotations

import os
import random
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from exposure import analyze, load
from exposure.errors import DataError
from exposure.reach import NO, UNKNOWN
from exposure.render.columnar import SUPPLIER_SCHEMA
from tests.conftest import LISTED_HEADER, SUPPLIERS_HEADER, listing, sale, write_csv

pyspark = pytest.importorskip(
    "pyspark", reason="PySpark is not installed: pip install -e '.[spark]'"
)
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("Java is not installed: Spark needs it", allow_module_level=True)

from exposure.spark import analyze_spark, read_sales  # noqa: E402

# PySpark 4.x warns that it is not tested with pandas 3, and calls what pandas 3 deprecates;
# the comparisons below are the test of what it hands back.
pytestmark = [
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    os.environ["PYSPARK_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("exposure-tests")
        .config("spark.ui.enabled", "false")
        # Small tables: one partition each, and no re-planning between stages, make the many
        # small jobs of the searches cheaper.
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.sql.adaptive.enabled", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def generated_data(folder: Path, seed: int) -> Path:
    """A random supply graph with cycles, unknown and estimated shares, dates and ownership.

    Some listed entities are sold to under other spellings (one misspelt), one listing has
    ended, one starts later, one is on a list that restricts no sale too, a listed entity owns
    60% of another company, and some sales are of foreign-made items whose US content is low
    (not reached) or unknown.
    """
    rng = random.Random(seed)
    companies = [f"Company {i} Ltd" for i in range(40)]
    listed = [
        listing("Listed Alpha Technology", "2019-05-16", country="CN"),
        listing("Listed Beta Systems", "2019-10-09", alt_names="Beta Sys", country="CN"),
        listing("Gamma Vision", "2019-10-09", end="2020-06-01", country="CN"),
        listing("Delta Security Bureau", "2020-01-01", country="CN"),
        listing("Epsilon Semiconductor", "2019-10-09", country="HK"),
        # Also on a list that restricts investment, not sales: shown beside the figures.
        listing(
            "Epsilon Semiconductor",
            "2021-06-03",
            country="HK",
            list="Non-SDN Chinese Military-Industrial Complex Companies List",
            federal_register_notice="",
        ),
    ]
    spellings = {
        # A typo linked by fuzzy matching, and one only possible (left unlinked).
        "Listed Alpha Technology": ["Listed Alpha Technology Co., Ltd.", "Listed Alfa Technology"],
        "Listed Beta Systems": ["Beta Sys", "Listed Beta Systems"],
        "Gamma Vision": ["Gamma Vision", "Gamma Vison"],
        "Delta Security Bureau": ["Delta Security Bureau"],
        "Epsilon Semiconductor": ["Epsilon Semiconductor Limited"],
    }
    every_spelling = [s for names in spellings.values() for s in names]
    sales = []
    for i, supplier in enumerate(companies):
        others = [c for c in companies if c != supplier]
        customers = rng.sample(others, rng.randint(1, 4))  # cycles among the companies
        customers += rng.sample(every_spelling, rng.randint(0, 2))
        if i % 10 == 0:
            customers += [c for c in every_spelling if c not in customers]
        for customer in customers:  # shares of at most 0.9 in all
            share = None if rng.random() < 0.2 else round(rng.uniform(0, 0.9 / len(customers)), 4)
            row = sale(supplier, customer, share, product=rng.choice(["chips", "drives"]))
            row["supplier_country"] = rng.choice(["US", "US", "TW", ""])
            if share is not None and rng.random() < 0.3:
                row["share_basis"] = "estimate"
            if rng.random() < 0.3:
                row["origin"] = "TW"
                row["us_content"] = rng.choice(["0.1", "", "0.5"])
            sales.append(row)
        if i == 1:  # a known share of 0: no revenue goes along it
            sales.append(sale(supplier, "Gamma Vision", 0.0, product="samples"))
        if i % 13 == 0:  # a supplier no sale leads from to a listed entity
            sales.append(sale(f"Far Away {i} GmbH", f"Far Customer {i} GmbH", 0.5))
        if i % 7 == 0:  # a listed entity's own sales
            sales.append(sale(spellings["Listed Beta Systems"][i % 2], supplier, 0.05, f"p{i}"))
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "listed.csv", LISTED_HEADER, listed)
    write_csv(folder / "suppliers.csv", SUPPLIERS_HEADER, sales)
    write_csv(
        folder / "ownership.csv",
        ["owner", "owned", "percent", "source"],
        [
            {
                "owner": "Listed Alpha Technology",
                "owned": companies[3],
                "percent": 60,
                "source": "test",
            }
        ],
    )
    return folder


def test_a_company_selling_to_itself_is_a_clear_error(spark: Any, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    write_csv(folder / "listed.csv", LISTED_HEADER, [listing("Hikvision")])
    path = write_csv(
        folder / "suppliers.csv",
        SUPPLIERS_HEADER,
        [sale("Acme Corp", "Hikvision", 0.1), sale("ACME Corp.", "Acme Corp", 0.1)],
    )
    data = load(folder, sales=False)
    with pytest.raises(DataError, match="sells to itself"):
        analyze_spark(read_sales(spark, path), data, as_of="2019-10-09")


@pytest.mark.parametrize(("rows", "message"), [
    ([sale("Acme", "Hikvision", 0.7), sale("ACME Ltd", "Beta", 0.6)], "add up to 1.3, over 1"),
    ([sale("Acme", "Hikvision", 0.1), sale("Acme", "Hikvision", 0.2)], "2 rows for supplier"),
])  # fmt: skip
def test_shares_over_1_and_duplicate_rows_are_clear_errors(
    spark: Any, tmp_path: Path, rows: list[dict[str, object]], message: str
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    write_csv(folder / "listed.csv", LISTED_HEADER, [listing("Hikvision")])
    path = write_csv(folder / "suppliers.csv", SUPPLIERS_HEADER, rows)
    with pytest.raises(DataError, match=message):
        analyze_spark(read_sales(spark, path), load(folder, sales=False), as_of="2019-10-09")


def test_a_bad_cell_in_a_sale_to_a_listed_entity_names_the_sale(spark: Any, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    write_csv(folder / "listed.csv", LISTED_HEADER, [listing("Hikvision")])
    rows = [sale("Acme", "Hikvision", 0.1, supplier_country="USA")]  # not an ISO code
    path = write_csv(folder / "suppliers.csv", SUPPLIERS_HEADER, rows)
    with pytest.raises(DataError, match=r"suppliers\.csv, column 'supplier_country'.*'Acme' to"):
        analyze_spark(read_sales(spark, path), load(folder, sales=False), as_of="2019-10-09")


def test_a_file_not_in_utf8_is_a_clear_error(spark: Any, tmp_path: Path) -> None:
    path = tmp_path / "suppliers.csv"
    path.write_bytes(
        "supplier,customer,product,source\nSoci\u00e9t\u00e9 A,B,chips,x\n".encode("latin-1")
    )
    with pytest.raises(DataError, match="not UTF-8"):
        read_sales(spark, path)


def test_sales_without_a_share_column_have_unknown_shares(spark: Any, tmp_path: Path) -> None:
    rows: list[dict[str, object]] = [
        {"supplier": "Acme", "customer": "Hikvision", "product": "chips", "source": "x"}
    ]
    path = write_csv(
        tmp_path / "suppliers.csv", ["supplier", "customer", "product", "source"], rows
    )
    shares = [row[0] for row in read_sales(spark, path).select("revenue_share").collect()]
    assert shares == [None]  # unknown, as on one machine: never 0


def test_a_share_out_of_range_is_a_clear_error(spark: Any, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "suppliers.csv", SUPPLIERS_HEADER, [sale("A", "B", "1.5")])
    with pytest.raises(DataError, match=r"1\.5.*not a number from 0 to 1"):
        read_sales(spark, path)


def test_report_on_spark_writes_the_suppliers_table_of_one_machine(
    spark: Any, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from exposure.cli import cli

    folder = generated_data(tmp_path / "data", seed=7)
    as_of = "2026-12-01"  # Gamma's listing has ended, Delta's begun, the affiliates rule applies
    runner = CliRunner()
    what_if = ["--assume-listed", "Company 9 Ltd", "--assume-listed", "Company 4 Ltd=Entity List"]
    common = ["report", "--data", str(folder), "--as-of", as_of, *what_if, "--max-tier", "2"]
    local = runner.invoke(cli, [*common, "--format", "parquet", "-o", str(tmp_path / "local")])
    assert local.exit_code == 0, local.output
    master = ["--engine", "spark", "--spark-master", "local[2]"]
    on_spark = runner.invoke(
        cli, [*common, *master, "--format", "parquet", "-o", str(tmp_path / "spark")]
    )
    assert on_spark.exit_code == 0, on_spark.output
    got = pd.read_parquet(tmp_path / "spark" / "suppliers.parquet")
    expected = pd.read_parquet(tmp_path / "local" / "suppliers.parquet")[got.columns]
    assert got.columns.tolist() == SUPPLIER_SCHEMA.names
    assert expected["assumptions"].map(len).eq(2).all()  # the two what-ifs, on every row
    lists = ["listed_buyers", "products", "assumptions", "other_restrictions", "sales_not_reached"]
    for table in (got, expected):  # lists read back as arrays: compared as tuples
        table[lists] = table[lists].map(tuple)
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=0, atol=1e-12)
    assert not list((tmp_path / "spark").glob(".*tmp"))  # nothing half-written left beside
    # The graph holds what every rule acts on, so that agreeing means something.
    result = analyze(load(folder), as_of=as_of)
    status = result.reach.status_of_rows
    assert (status == NO).any()
    assert (status == UNKNOWN).any()
    assert expected["revenue_at_risk_if_reached"].notna().any()
    beyond = expected["revenue_at_risk_within_tier_limit"] < expected["revenue_at_risk"] - 1e-9
    assert beyond.any()  # routes longer than the limit of 2 sales carry revenue
    assert expected["beyond_tier_limit"].any()
    assert not expected["beyond_tier_limit"].all()
    assert expected["listed_buyers_reached"].max() >= 2
    assert expected["products"].map(len).max() >= 2
    assert expected["sales_not_reached"].map(len).gt(0).any()
    assert expected["other_restrictions"].map(len).gt(0).any()
    assert result.affiliates["affiliate"].any()  # 90 FR 47201
    assert {"fuzzy", "possible"} <= set(result.graph.spellings["match"])
    assert not expected["exposed"].all()
    assert expected["needs_review"].any()
    assert expected["revenue_at_risk_is_lower_bound"].any()
    assert expected["revenue_at_risk"].isna().any()
    assert (expected["share_basis"] == "estimate").any()
    assert expected["tier"].max() >= 3


def test_report_on_spark_explains_a_supplier_as_one_machine_does(spark: Any) -> None:
    from click.testing import CliRunner

    from exposure.cli import cli

    runner = CliRunner()
    command = ["report", "--supplier", "Ambarella", "--as-of", "2019-10-09"]
    local = runner.invoke(cli, command)
    setting = "spark.sql.session.timeZone"
    on_spark = runner.invoke(
        cli,
        [*command, "--engine", "spark", "--spark-conf", f"{setting}=Asia/Tokyo"],
    )
    assert on_spark.exit_code == 0, on_spark.output
    assert on_spark.stdout == local.stdout
    assert "Hikvision" in local.stdout
    assert spark.conf.get(setting) == "Asia/Tokyo"  # the session ran with the setting given
    spark.conf.unset(setting)


def test_report_under_spark_submit_without_paths_leaves_their_columns_unknown(
    tmp_path: Path,
) -> None:
    # As on a cluster: spark-submit starts Spark with its --master and runs the command line
    # (the package's __main__.py), which keeps that master.
    import subprocess

    from click.testing import CliRunner

    import exposure
    from exposure.cli import cli

    command = ["report", "--as-of", "2019-10-09", "--format", "parquet"]
    local = CliRunner().invoke(cli, [*command, "-o", str(tmp_path / "local")])
    assert local.exit_code == 0, local.output
    submit = Path(pyspark.__file__).parent / "bin" / "spark-submit"
    main = Path(exposure.__file__).parent / "__main__.py"
    spark_options = ["--master", "local[1]", "--conf", "spark.ui.enabled=false"]
    # Small tables: one partition a shuffle, as the Spark session of the fixture above has.
    spark_options += [
        "--conf",
        "spark.sql.shuffle.partitions=1",
        "--conf",
        "spark.sql.adaptive.enabled=false",
    ]
    figures_only = ["--engine", "spark", "--no-spark-paths", "-o", str(tmp_path / "spark")]
    done = subprocess.run(
        [str(submit), *spark_options, str(main), *command, *figures_only],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "PYSPARK_PYTHON": sys.executable,
            "PYSPARK_DRIVER_PYTHON": sys.executable,
        },
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "on Spark (local[1])" in done.stdout  # the Python it runs writes there
    got = pd.read_parquet(tmp_path / "spark" / "suppliers.parquet")
    expected = pd.read_parquet(tmp_path / "local" / "suppliers.parquet")
    from_paths = [
        "listed_buyers", "paths_shown", "listed_buyers_not_shown", "weight_not_shown",
        "routes_not_shown",
    ]  # fmt: skip
    assert got.columns.tolist() == expected.columns.tolist()
    assert got[from_paths].isna().all().all()  # not searched: unknown, not 0 or none
    assert expected["paths_shown"].gt(0).any()
    assert got["supplier"].tolist() == expected["supplier"].tolist()
    for column in ("exposed", "tier", "listed_buyers_reached"):
        assert got[column].equals(expected[column]), column
    assert (got["revenue_at_risk"] - expected["revenue_at_risk"]).abs().max() < 1e-12


def test_report_on_spark_reads_and_writes_urls_and_one_machine_says_it_does_not(
    spark: Any, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from exposure.cli import cli
    from exposure.read.dataset import bundled_data_dir

    runner = CliRunner()
    sales = (bundled_data_dir() / "suppliers.csv").as_uri()  # file://: as s3a:// is read
    command = ["report", "--as-of", "2019-10-09", "--format", "parquet"]
    local = runner.invoke(cli, [*command, "-o", str(tmp_path / "local")])
    assert local.exit_code == 0, local.output
    on_spark = runner.invoke(
        cli,
        [*command, "--engine", "spark", "--spark-master", "local[2]", "--no-spark-paths",
         "--suppliers", sales, "-o", (tmp_path / "spark").as_uri()],
    )  # fmt: skip
    assert on_spark.exit_code == 0, on_spark.output
    got = pd.read_parquet(tmp_path / "spark" / "suppliers.parquet")
    expected = pd.read_parquet(tmp_path / "local" / "suppliers.parquet")
    assert got["supplier"].tolist() == expected["supplier"].tolist()
    assert got["tier"].equals(expected["tier"])
    assert (got["revenue_at_risk"] - expected["revenue_at_risk"]).abs().max() < 1e-12
    # One machine reads and writes local files only: a URL is refused, with what to do.
    refused = runner.invoke(cli, ["report", "--suppliers", sales])
    assert refused.exit_code == 1
    assert f"{sales}: is a URL: only the Spark engine reads a table from one" in refused.output
    refused = runner.invoke(cli, [*command, "-o", (tmp_path / "x").as_uri()])
    assert refused.exit_code == 2
    assert "is a URL: only `report --engine spark --format parquet` writes to one" in (
        refused.output
    )
    assert not (tmp_path / "x").exists()


def test_report_on_spark_asks_for_parquet(spark: Any) -> None:
    from click.testing import CliRunner

    from exposure.cli import cli

    found = CliRunner().invoke(cli, ["report", "--engine", "spark"])
    assert found.exit_code == 2
    assert "--format parquet -o DIR" in found.output
    found = CliRunner().invoke(cli, ["report", "--engine", "spark", "--spark-conf", "8g"])
    assert found.exit_code == 2
    assert "write KEY=VALUE, e.g. spark.driver.memory=8g" in found.output


def test_explaining_suppliers_from_spark_gives_their_single_machine_records(
    spark: Any, tmp_path: Path
) -> None:
    from exposure.spark import explain_suppliers

    as_of = "2026-12-01"  # an affiliate counts as listed
    folder = generated_data(tmp_path / "data", seed=11)
    local = analyze(load(folder), as_of=as_of)
    names = ["Company 0 Ltd", "Company 5 Ltd", "Company 17 Ltd", "Listed Beta Systems"]
    data = load(folder, sales=False)
    sales = read_sales(spark, data.files["suppliers"])
    explained = explain_suppliers(sales, data, names, as_of=as_of)
    assert explained.records(names) == local.records(names)
    assert any(record["paths"] for record in local.records(names))  # something to explain


def _path_searches_on_spark(spark: Any, seed: int) -> tuple[Any, Any, Any, Any]:
    """A dense random graph of mostly unknown shares, as the Spark searches and PathFinder read it."""
    import numpy as np
    from scipy import sparse

    from exposure.analysis import PathFinder, tiers

    rng = np.random.default_rng(seed)
    n = 16
    pairs = {(int(a), int(b)) for a, b in rng.integers(0, n, size=(45, 2)) if a != b}
    src, dst = (np.array(side) for side in zip(*sorted(pairs), strict=True))
    shares = np.where(rng.random(len(src)) < 0.6, np.nan, rng.uniform(0.005, 0.5, len(src)))
    weights = sparse.csr_matrix((shares, (src, dst)), shape=(n, n))
    listed = np.zeros(n, dtype=bool)
    listed[[0, 1]] = True
    tier = tiers(weights, listed)
    standing = np.where(listed, -1, np.maximum(tier, 0))
    sales = spark.createDataFrame(
        pd.DataFrame(
            {
                "last": src,
                "next": dst,
                "next_listed": listed[dst],
                "next_tier": tier[dst],
                "standing": standing[dst],
                "share": [None if np.isnan(s) else float(s) for s in shares],
            }
        )
    )
    exposed = np.flatnonzero(tier > 0)
    starts = spark.createDataFrame(pd.DataFrame({"start": exposed, "tier": tier[exposed]}))
    assert tier.max() >= 3  # nearest paths of several sales, to check the choice of each
    return sales, starts, PathFinder(weights, listed, tier), exposed


def _by_start(found: pd.DataFrame) -> dict[int, list[tuple[list[int], float | None]]]:
    from exposure.analysis import heaviest_first

    paths: dict[int, list[tuple[list[int], float | None]]] = {}
    rows: list[dict[Any, Any]] = found.to_dict("records")
    for row in rows:
        weight = None if pd.isna(row["weight"]) else float(row["weight"])
        paths.setdefault(int(row["start"]), []).append(([int(c) for c in row["path"]], weight))
    return {start: sorted(mine, key=heaviest_first) for start, mine in paths.items()}


def test_paths_searched_on_spark_are_those_of_one_machine(spark: Any) -> None:
    # Many paths of unknown weight against caps of 0 to 3, with and without a tier limit:
    # which are kept follows the order of a depth-first search; shares under the minimum
    # weight prune the known ones.
    from exposure.spark import _material_paths, _nearest_paths

    sales, starts, finder, exposed = _path_searches_on_spark(spark, seed=0)
    for max_tier, cap in ((3, 2), (0, 3), (2, 0)):  # 0: no tier limit
        found = _by_start(
            _material_paths(
                sales, starts, max_tier=max_tier, min_weight=0.01, cap=cap, falling=True
            ).toPandas()
        )
        expected = {
            start: finder.paths(start, max_tier=max_tier, min_weight=0.01, cap=cap)
            for start in exposed.tolist()
        }
        assert found == {start: paths for start, paths in expected.items() if paths}
        unknown = [sum(w is None and len(p) > 2 for p, w in paths) for paths in found.values()]
        assert max(unknown) == cap  # the cap was reached
    nearest = _by_start(_nearest_paths(sales, starts).toPandas())
    assert nearest == _by_start(
        pd.DataFrame(
            [
                {"start": start, "path": path, "weight": weight}
                for start in exposed.tolist()
                for path, weight in finder.nearest(start)
            ]
        )
    )


@pytest.mark.parametrize("on_driver_up_to", [0, 10**9], ids=["on the cluster", "on the driver"])
def test_listed_entities_reached_are_counted_as_on_one_machine(
    spark: Any, on_driver_up_to: int
) -> None:
    # 150 listed entities: three words of bits, the sign bit of each full word among them.
    from scipy import sparse

    from exposure.analysis import listed_reached_counts, nearest_listed_counts, tiers
    from exposure.spark import _listed_reached

    rng = np.random.default_rng(3)
    n, listed_count = 400, 150
    src = rng.integers(0, n, 2400)
    dst = rng.integers(0, n, 2400)
    keep = src != dst
    adjacency = sparse.csr_matrix((np.ones(keep.sum()), (src[keep], dst[keep])), shape=(n, n))
    adjacency.sum_duplicates()
    listed = np.zeros(n, dtype=bool)
    listed[rng.choice(n, listed_count, replace=False)] = True
    reached, deepest = listed_reached_counts(adjacency, listed, 0)
    nearest = nearest_listed_counts(adjacency, listed, tiers(adjacency, listed))
    rows, columns = adjacency.nonzero()
    edges = spark.createDataFrame(
        pd.DataFrame({"src": [f"n{i}" for i in rows], "dst": [f"n{j}" for j in columns]})
    )
    listed_nodes = spark.createDataFrame(
        pd.DataFrame({"node": [f"n{i}" for i in np.flatnonzero(listed)]})
    )
    found = (
        _listed_reached(edges, listed_nodes, on_driver_up_to=on_driver_up_to)
        .toPandas()
        .set_index("node")
    )
    some = np.flatnonzero(reached > 0)
    assert sorted(found.index) == sorted(f"n{i}" for i in some)
    assert reached.max() > 128  # some node reaches entities in every word
    found = found.loc[[f"n{i}" for i in some]]
    assert found["reached"].tolist() == reached[some].tolist()
    assert found["deepest"].tolist() == deepest[some].tolist()
    assert found["nearest"].tolist() == nearest[some].tolist()
