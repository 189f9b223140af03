"""The ranking and the JSON report of every supplier on a saturated graph, against networkx.

    .venv/bin/python -m bench.saturated [--size 100k] [--runs 3]

Real supply graphs saturate: nearly every company reaches nearly every listed entity. This
generates the benchmark's saturated graph (``bench.generate --kind saturated``: a fifth of the
sales go back up the chain and buyers resell) and times three whole commands in turns, each in
a fresh process, on its CSV files:

* **networkx**, as a user would write it: pandas reads ``suppliers.csv`` and ``listed.csv``,
  ``nx.from_pandas_edgelist`` builds the graph, and one breadth-first search backwards from
  every listed name in force (names and aliases, as spelt) gives each company's tier;
* ``exposure report`` (the ranking of every supplier, the default command);
* ``exposure report --format json -o FILE`` (the record of every supplier).

It prints the medians and each command's ratio to networkx's, in a Markdown table, and how
many listed entities the median supplier reaches. Nothing here is a timed test.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.generate import AS_OF, ensure, parse_size, size_label


def networkx_tiers(folder: Path, as_of: str) -> int:
    """Build the graph with networkx and find every company's tier; return how many."""
    import networkx as nx
    import pandas as pd

    sales = pd.read_csv(folder / "suppliers.csv", usecols=["supplier", "customer"])
    listed = pd.read_csv(folder / "listed.csv", dtype=str, keep_default_na=False)
    in_force = listed[
        (listed["start_date"] <= as_of)
        & ((listed["end_date"] == "") | (listed["end_date"] > as_of))
    ]
    names = {*in_force["name"]}
    names.update(a.strip() for aliases in in_force["alt_names"] for a in aliases.split(";"))
    G = nx.from_pandas_edgelist(sales, "supplier", "customer", create_using=nx.DiGraph)
    sources = sorted(names & set(G.nodes))
    tiers = {}
    for depth, layer in enumerate(nx.bfs_layers(G.reverse(copy=False), sources)):
        for node in layer:
            tiers[node] = depth
    return len(tiers)


def timed(command: list[str]) -> float:
    """Run a command to the end, its output thrown away; return its wall time."""
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="100k")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--networkx", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.networkx:
        print(networkx_tiers(args.networkx, AS_OF))
        return 0
    n = parse_size(args.size)
    folder = ensure(n, kind="saturated") / "csv"
    exposure = [sys.executable, "-m", "exposure", "report", "--data", str(folder), "--as-of", AS_OF]
    with tempfile.TemporaryDirectory(prefix="exposure-bench-saturated-") as scratch:
        commands = {
            "networkx: read CSV, build, multi-source BFS": [
                sys.executable, "-m", "bench.saturated", "--networkx", str(folder)
            ],
            "`exposure report` (the ranking)": exposure,
            "`exposure report --format json -o FILE`": [
                *exposure, "--format", "json", "-o", str(Path(scratch) / "report.json")
            ],
        }  # fmt: skip
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                times[name].append(timed(command))
                print(f"{name}: {times[name][-1]:.1f} s", file=sys.stderr, flush=True)
    baseline = statistics.median(next(iter(times.values())))
    lines = [
        f"Saturated graph of {size_label(n)} companies, from CSV; medians of {args.runs} runs "
        "in turns:",
        "",
        "| command | wall time | / networkx |",
        "|---|---:|---:|",
    ]
    for name, found in times.items():
        median = statistics.median(found)
        lines.append(f"| {name} | {median:.1f} s | {median / baseline:.1f}x |")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
