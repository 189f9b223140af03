"""Compare two commits' end-to-end pipeline, run back to back in alternating fresh processes.

Usage::

    .venv/bin/python -m bench.compare 4029205                  # that commit against the work tree
    .venv/bin/python -m bench.compare 4029205 HEAD --size 1m --pairs 3
    .venv/bin/python -m bench.compare 39098ed HEAD --size 100k --what ranking

On this project's virtual machine the same code's end-to-end time at 1m varies from 13 to 22 s
over an hour (the host lends CPU and memory unevenly), so two full benchmark runs far apart
say little about a change. This runs only the stages of the 10 s target (Parquet load, graph
without fuzzy matching, analysis: ``bench.stages end-to-end``) for each side in turn, ``--pairs``
times, on the same data, and prints each side's median per stage, the ratio of the medians and
the spread of the paired ratios: a change is real when every pair agrees. ``--what ranking``
adds the ranking of every supplier as ``exposure report`` prints it (``bench.stages ranking``).

Each side's ``exposure/`` is taken as committed (``git archive``), or as it is in the work tree
for ``WORKTREE`` (the default second side), into ``bench/out/compare/<side>/``; the benchmark's
own code is the work tree's for both. The data must exist (``python -m bench.generate --sizes
1m``).
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

from bench.generate import AS_OF, OUT, parse_size, size_dir
from bench.run import ROOT, run_pipeline, snapshot_exposure

WORKTREE = "WORKTREE"
STAGES = ("load Parquet", "build_graph", "analysis: analyze + compute")
# What ``--what`` may compare: the pipeline of ``bench.stages`` to run and the stages it times.
WHAT = {
    "end-to-end": STAGES,
    "ranking": (*STAGES, "ranking report: full"),
}


def checkout(side: str, folder: Path) -> str:
    """Put ``side``'s ``exposure/`` into ``folder``; return a label for it (a short commit)."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    if side == WORKTREE:
        snapshot_exposure(folder)
        return "work tree"
    commit = subprocess.run(
        ["git", "rev-parse", "--short", side], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    archive = subprocess.run(
        ["git", "archive", commit, "exposure"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return commit


def figures(events: list[dict[str, Any]], names: tuple[str, ...] = STAGES) -> dict[str, float]:
    """Seconds per stage of ``names``, all of them, CPU time and peak memory of one run."""
    stages = {e["stage"]: e for e in events if e["event"] == "stage"}
    missing = [s for s in names if s not in stages]
    if missing:
        killed = [e for e in events if e["event"] == "killed"]
        raise SystemExit(f"the run did not finish {missing}: {killed or 'see its errors above'}")
    out = {name: float(stages[name]["seconds"]) for name in names}
    out["end to end"] = sum(out[name] for name in names)
    out["CPU, user + system"] = sum(
        float(stages[n].get("user_seconds", 0)) + float(stages[n].get("system_seconds", 0))
        for n in names
    )
    out["peak GiB"] = max(float(stages[n]["peak_rss"]) for n in names) / 2**30
    return out


def markdown(
    labels: tuple[str, str],
    runs: tuple[list[dict[str, float]], ...],
    names: tuple[str, ...] = STAGES,
) -> str:
    """Medians of each side, the ratio of the medians and the spread of the paired ratios."""
    lines = [
        f"| {len(runs[0])} pairs, alternating | {labels[0]} | {labels[1]} | "
        "first / second (medians) | paired ratios |",
        "|---|---:|---:|---:|---:|",
    ]
    for key in (*names, "end to end", "CPU, user + system", "peak GiB"):
        first = [r[key] for r in runs[0]]
        second = [r[key] for r in runs[1]]
        paired = [a / b for a, b in zip(first, second, strict=True) if b]
        unit = " GiB" if key == "peak GiB" else " s"
        name = "peak memory" if key == "peak GiB" else key
        lines.append(
            f"| {name} | {statistics.median(first):.2f}{unit} | "
            f"{statistics.median(second):.2f}{unit} | "
            f"{statistics.median(first) / statistics.median(second):.2f}x | "
            f"{min(paired):.2f}x to {max(paired):.2f}x |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("first", help="a commit (the baseline)")
    parser.add_argument("second", nargs="?", default=WORKTREE, help="a commit, or WORKTREE")
    parser.add_argument("--size", default="1m")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--what", choices=sorted(WHAT), default="end-to-end")
    parser.add_argument("--as-of", default=AS_OF)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed per run")
    parser.add_argument("--max-rss-gb", type=float, default=18, help="kill a run above this")
    args = parser.parse_args(argv)
    data = size_dir(parse_size(args.size), args.out)
    if not (data / "parquet" / "suppliers.parquet").exists():
        sys.exit(f"no data in {data}: run .venv/bin/python -m bench.generate --sizes {args.size}")
    sides = (args.first, args.second)
    folders = [args.out / "compare" / f"side-{i}" for i in (1, 2)]
    labels = (checkout(sides[0], folders[0]), checkout(sides[1], folders[1]))
    runs: tuple[list[dict[str, float]], ...] = ([], [])
    for pair in range(args.pairs):
        for side in (0, 1):
            print(f"pair {pair + 1}: {labels[side]}", file=sys.stderr, flush=True)
            events = run_pipeline(args.what, data, args, source=folders[side])
            runs[side].append(figures(events, WHAT[args.what]))
    print(markdown(labels, runs, WHAT[args.what]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
