"""Spark in local mode against the single-machine engine, on the benchmark's graphs, in one run.

    .venv/bin/python -m bench.spark --sizes 10k,100k [--master local[2]] [--driver-memory 1g]

For each size, two fresh processes compute every supplier's figures from the same Parquet files
(fuzzy matching on, as by default) and write them as ``suppliers.parquet``: the single-machine
engine (``report --format parquet``: the records of every supplier) and the Spark engine
(``exposure.spark.analyze_spark``, Spark started in the process). Each reports its wall time
(Spark's start apart) and its peak memory: the process's own, and for Spark also its JVM's (a
child process, measured once it has ended). The two tables are then compared: the same
suppliers, tiers and flags, revenue at risk and the weight not shown within 1e-9 and unknown in
the same places, the same listed buyers named and the same counts of what is shown. It prints
a Markdown table; nothing here is a timed test.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.generate import AS_OF, ensure, parse_size, size_label


def run_one(
    engine: str, folder: Path, out: Path, master: str, driver_memory: str
) -> dict[str, Any]:
    """Compute every supplier's figures with one engine, in this process; return the figures."""
    import warnings

    from exposure import analyze, load

    warnings.filterwarnings("ignore")  # PySpark on pandas 3
    figures: dict[str, Any] = {}
    if engine == "single":
        from exposure.render.columnar import write_parquet_batches

        started = time.perf_counter()  # as ``exposure report --format parquet -o DIR`` does
        write_parquet_batches(analyze(load(folder), as_of=AS_OF).iter_report_batches(), out)
        figures["seconds"] = time.perf_counter() - started
    else:
        from exposure import spark

        started = time.perf_counter()
        session = spark.connect(master, {"spark.driver.memory": driver_memory})
        figures["start seconds"] = time.perf_counter() - started
        started = time.perf_counter()
        data = load(folder, sales=False)
        table = spark.analyze_spark(
            spark.read_sales(session, data.files["suppliers"]), data, as_of=AS_OF
        )
        spark.write_suppliers(table, out)
        figures["seconds"] = time.perf_counter() - started
        session.stop()
        gateway: Any = session.sparkContext._gateway
        gateway.shutdown()
        jvm = getattr(gateway, "proc", None)
        if jvm is not None:  # ended and reaped: its peak is then counted among the children's
            jvm.terminate()
            jvm.wait(timeout=120)
    figures["peak GiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    figures["child peak GiB"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
    return figures


def agree(single: Path, spark: Path) -> str:
    """Return ``yes`` when the two tables agree (see the module's description), else why not."""
    expected = pd.read_parquet(single / "suppliers.parquet").set_index("supplier")
    found = pd.read_parquet(spark / "suppliers.parquet").set_index("supplier")
    if sorted(expected.index) != sorted(found.index):
        return "other suppliers"
    found = found.loc[expected.index]
    # The single-machine table leaves an unexposed supplier's share basis empty; the written
    # one (Spark's, as the command line writes it), null.
    for column in ("exposed", "revenue_at_risk_is_lower_bound", "share_basis"):
        if not (found[column].fillna("") == expected[column].fillna("")).all():
            return f"{column} differs"
    tiers = found["tier"].astype("Int64").fillna(-1).to_numpy()
    if not (tiers == expected["tier"].astype("Int64").fillna(-1).to_numpy()).all():
        return "tier differs"
    for column in ("revenue_at_risk", "weight_not_shown"):
        a = found[column].to_numpy(np.float64, na_value=np.nan)
        b = expected[column].to_numpy(np.float64, na_value=np.nan)
        if (np.isnan(a) != np.isnan(b)).any() or np.nanmax(np.abs(a - b), initial=0) > 1e-9:
            return f"{column} differs"
    if not found["listed_buyers"].map(list).equals(expected["listed_buyers"].map(list)):
        return "listed_buyers differs"
    for column in ("paths_shown", "listed_buyers_not_shown", "routes_not_shown"):
        if not found[column].astype("Int64").equals(expected[column].astype("Int64")):
            return f"{column} differs"
    return "yes"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k,100k")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument(
        "--driver-memory", default="1g", help="Spark's driver memory (all of it in local mode)"
    )
    parser.add_argument(
        "--one", nargs=3, metavar=("ENGINE", "FOLDER", "OUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.one:
        engine, folder, out = args.one
        print(json.dumps(run_one(engine, Path(folder), Path(out), args.master, args.driver_memory)))
        return 0
    lines = [
        "| size | rows | one machine | Spark (start apart) | Spark / one machine | peak: one machine "
        "| peak: Spark driver + JVM | agree |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for text in args.sizes.split(","):
        n = parse_size(text)
        folder = ensure(n) / "parquet"
        rows = json.loads((folder.parent / "meta.json").read_text())["rows"]
        with tempfile.TemporaryDirectory(prefix="exposure-bench-spark-") as scratch:
            found = {}
            for engine in ("single", "spark"):
                out = Path(scratch) / engine
                out.mkdir()
                command = [sys.executable, "-m", "bench.spark", "--master", args.master,
                           "--driver-memory", args.driver_memory,
                           "--one", engine, str(folder), str(out)]  # fmt: skip
                done = subprocess.run(command, capture_output=True, text=True, check=False)
                if done.returncode:
                    sys.stderr.write(done.stderr)
                    return done.returncode
                found[engine] = json.loads(done.stdout.strip().splitlines()[-1])
            verdict = agree(Path(scratch) / "single", Path(scratch) / "spark")
        single, spark = found["single"], found["spark"]
        lines.append(
            f"| {size_label(n)} | {rows:,} | {single['seconds']:.1f} s | {spark['seconds']:.1f} s "
            f"({spark['start seconds']:.1f} s) | {spark['seconds'] / single['seconds']:.1f}x | "
            f"{single['peak GiB']:.2f} GiB | {spark['peak GiB']:.2f} + "
            f"{spark['child peak GiB']:.2f} GiB | {verdict} |"
        )
        print(lines[-1], file=sys.stderr, flush=True)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
