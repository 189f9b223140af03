"""Run the benchmark: exposure against networkx and a bare BFS, per graph size.

One command (from the repository root)::

    .venv/bin/python -m bench.run --sizes 10k,100k,1m     # or: make bench

For each size it generates the synthetic graph if needed (``bench.generate``), then runs three
pipelines, each in a fresh Python process (``bench.stages``):

1. ``exposure-csv``: ``exposure.load`` on the CSV files;
2. ``exposure-parquet``: ``exposure.load`` on the Parquet files, ``exposure.build_graph``
   (name resolution and graph), ``exposure.analyze`` with ``tier``, ``revenue_at_risk`` and
   ``lower_bound`` forced, a bare ``scipy.sparse.csgraph.breadth_first_order`` over the same
   edge arrays, SciPy's ``bicgstab`` on revenue at risk's linear system, and the JSON report
   (``iter_records()`` streamed by ``json_report_chunks``, as ``exposure report --format
   json`` writes it), first on a sample of suppliers, then in full unless the sample projects
   it over ``--report-timeout``; then the ranking of every
   supplier as ``exposure report`` prints it (``iter_ranking()`` as a table), the same way;
3. ``networkx``: ``nx.from_pandas_edgelist``, one ``nx.bfs_layers`` from every listed node
   (the tiers) and a BFS
   per supplier for tiers; where either would take over ``--baseline-limit`` seconds, a
   sample is timed and the total extrapolated (marked ``~`` in the table);
4. ``igraph`` (when installed: ``pip install '.[bench]'``): a ``Graph`` from integer codes and one
   breadth-first search from a root joined to every listed node (the tiers).

Time is wall time (``time.perf_counter``). Memory is the peak resident set size of the process
during each stage (``VmHWM``, reset before each stage; see ``bench/stages.py``), so it includes
the interpreter and whatever earlier stages of the same pipeline keep in memory.

Checks: networkx and exposure agree on the exposed set (all nodes when the baseline ran in
full; otherwise every ancestor of the sampled listed nodes must be exposed) and on tiers (BFS
per supplier, all or a sample), the bare BFS reaches exactly exposure's exposed set, SciPy's
solver finds the same revenue at risk (within 1e-9), and exposure merged every variant
spelling. The command exits with status 1 if a check fails.

Prints a Markdown report and writes ``bench/out/results.json`` and ``bench/out/results.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import queue
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from bench.generate import AS_OF, OUT, parse_size, size_dir, size_label
from bench.stages import IG_BUILD, IG_REACH, NX_REACH

ROOT = Path(__file__).resolve().parent.parent
#: The stage timing exposure's own revenue at risk, against SciPy's solver on the same system.
OWN_SOLVER = "revenue at risk (analysis.revenue_at_risk), best of 3"


# -- running one pipeline in a fresh process ----------------------------------------------------


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0


def snapshot_exposure(target: Path) -> str:
    """Copy ``exposure/`` to ``target/exposure`` and return a hash of its sources.

    Other people edit the package while benchmarks run; every pipeline of one size imports
    this frozen copy, so all of them measure the same code.
    """
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(
        ROOT / "exposure", target / "exposure", ignore=shutil.ignore_patterns("__pycache__")
    )
    digest = hashlib.sha1()
    for path in sorted((target / "exposure").rglob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def run_pipeline(
    pipeline: str,
    data: Path,
    args: argparse.Namespace,
    extra: list[str] | None = None,
    source: Path | None = None,
) -> list[dict[str, Any]]:
    """Run one pipeline of ``bench.stages`` in a fresh process; return its events.

    A stage that announces a timeout is killed when it exceeds it; any stage is killed when
    the process's RSS exceeds ``--max-rss-gb`` or the pipeline exceeds ``--timeout``. The kill
    is reported as an event ``{"event": "killed", "stage": ..., "reason": ...}``.
    """
    command = [
        sys.executable,
        "-m",
        "bench.stages",
        pipeline,
        "--data",
        str(data),
        "--as-of",
        args.as_of,
        *(extra or []),
    ]
    load_before = os.getloadavg()[0]
    # With a snapshot, it comes first on sys.path (the working directory of ``-m``), and the
    # repository root second, for ``bench``.
    environ = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(
            os.pathsep
        ),
    }
    process = subprocess.Popen(
        command, cwd=source or ROOT, env=environ, stdout=subprocess.PIPE, text=True
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    events: list[dict[str, Any]] = []
    started = time.monotonic()
    current: str | None = None
    deadline = started + args.timeout
    limit = args.max_rss_gb * 2**30
    peak_seen = 0
    while True:
        try:
            line = lines.get(timeout=0.2)
        except queue.Empty:
            line = ""
        if line is None:
            break
        if line.strip():
            event = json.loads(line)
            events.append(event)
            if event["event"] == "start":
                current = event["stage"]
                timeout = event.get("timeout")
                deadline = started + args.timeout
                if timeout:
                    deadline = min(deadline, time.monotonic() + timeout)
            elif event["event"] == "stage":
                current = None
        rss = _rss_bytes(process.pid)
        peak_seen = max(peak_seen, rss)
        reason = None
        if time.monotonic() > deadline:
            reason = f"time limit reached after {time.monotonic() - started:.0f} s in the pipeline"
            if current and events and events[-1].get("timeout"):
                reason = f"stopped at its {events[-1]['timeout']:.0f} s limit"
        elif rss > limit:
            reason = f"RSS {rss / 2**30:.1f} GiB over the {args.max_rss_gb:g} GiB guard"
        if reason:
            process.kill()
            process.wait()
            events.append({"event": "killed", "stage": current, "reason": reason})
            print(f"    {current}: killed, {reason}", file=sys.stderr, flush=True)
            break
    status = process.wait()
    # The pipe ends with the process: the reader stops at its end, and the pipe is closed.
    reader.join(timeout=10)
    assert process.stdout is not None
    process.stdout.close()
    events.append(
        {
            "event": "load",
            "load_average_before": load_before,
            "load_average_after": os.getloadavg()[0],
            "seconds": time.monotonic() - started,
        }
    )
    if status and not any(e["event"] == "killed" for e in events):
        events.append({"event": "failed", "stage": current, "reason": f"exit status {status}"})
    return events


# -- one size -------------------------------------------------------------------------------------


def bench_size(n: int, args: argparse.Namespace) -> dict[str, Any]:
    """Generate (if needed) and benchmark the graph of ``n`` entities."""
    label = size_label(n)
    print(f"== {label}: {n} entities", file=sys.stderr, flush=True)
    generated = subprocess.run(
        [sys.executable, "-m", "bench.generate", "--sizes", label, "--out", str(args.out)]
        + (["--force"] if args.regenerate else []),
        cwd=ROOT,
        check=True,
    )
    del generated
    data = size_dir(n, args.out)
    meta = json.loads((data / "meta.json").read_text())
    report = [
        "--report-timeout",
        str(args.report_timeout if "report" not in args.skip else 0),
        "--report-sample",
        str(args.report_sample),
    ]
    source = data / "run" / "src"
    source_hash = snapshot_exposure(source)
    pipelines: dict[str, list[dict[str, Any]]] = {}
    if "csv" not in args.skip:
        pipelines["exposure-csv"] = run_pipeline("exposure-csv", data, args, source=source)
    pipelines["exposure-parquet"] = run_pipeline(
        "exposure-parquet", data, args, report, source=source
    )
    if "cache" not in args.skip:  # after exposure-parquet, whose tiers it checks against
        for pipeline in ("exposure-cache-store", "exposure-cached"):
            pipelines[pipeline] = run_pipeline(pipeline, data, args, source=source)
    if "networkx" not in args.skip:
        pipelines["networkx"] = run_pipeline(
            "networkx", data, args, ["--baseline-limit", str(args.baseline_limit)], source=source
        )
    if "igraph" not in args.skip:
        pipelines["igraph"] = run_pipeline("igraph", data, args, source=source)
    return {
        "size": label,
        "entities": n,
        "meta": meta,
        "exposure_source": source_hash,
        "pipelines": pipelines,
    }


# -- summarising ----------------------------------------------------------------------------------


def _stages(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every finished (or killed/skipped) stage of a size, by name."""
    found: dict[str, dict[str, Any]] = {}
    for events in result["pipelines"].values():
        for event in events:
            if event["event"] in ("stage", "killed", "skip", "failed") and event.get("stage"):
                found.setdefault(event["stage"], event)
    return found


def _facts(result: dict[str, Any]) -> dict[str, Any]:
    for events in result["pipelines"].values():
        for event in events:
            if event["event"] == "facts":
                return event
    return {}


def _checks(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for events in result["pipelines"].values() for e in events if e["event"] == "check"]


def _seconds(value: float | None, approx: bool = False) -> str:
    """Seconds for people: ``0.015 s``, ``4.87 s``, ``163 s``, ``~53 h``."""
    if value is None:
        return "n/a"
    mark = "~" if approx else ""
    if value >= 3 * 3600:
        return f"{mark}{value / 3600:.0f} h"
    if value >= 600:
        return f"{mark}{value / 60:.0f} min"
    if value >= 100:
        return f"{mark}{value:.0f} s"
    if value >= 10:
        return f"{mark}{value:.1f} s"
    if value >= 0.1:
        return f"{mark}{value:.2f} s"
    return f"{mark}{value:.3f} s"


def _mib(value: float | None) -> str:
    if not value:
        return "n/a"
    return f"{value / 2**30:.2f} GiB" if value >= 2**30 else f"{value / 2**20:.0f} MiB"


def _ratio(a: float | None, b: float | None) -> str:
    if not a or not b:
        return "n/a"
    return f"{a / b:.1f}x" if a / b < 100 else f"{a / b:.0f}x"


def derive(result: dict[str, Any]) -> dict[str, Any]:
    """Totals and ratios of one size (the figures of the summary tables)."""
    stages = _stages(result)

    def seconds(name: str) -> float | None:
        event = stages.get(name, {})
        if event.get("event") != "stage":
            return None
        if "projected_seconds" in event and event.get("sampled"):
            return float(event["projected_seconds"])
        if "sample_seconds" in event:
            return float(event["sample_seconds"])
        return float(event["seconds"])

    def peak(*names: str) -> int | None:
        values = [stages[n]["peak_rss"] for n in names if stages.get(n, {}).get("peak_rss")]
        return max(values) if values else None

    def cpu(kind: str, names: list[str]) -> float | None:
        """The sum of these stages' user or system CPU time; ``None`` unless all have it."""
        times = [stages.get(n, {}).get(f"{kind}_seconds") for n in names]
        return sum(t for t in times if t is not None) if None not in times else None

    def total(names: list[str]) -> float | None:
        """The sum of these stages' times; ``None`` unless all of them ran."""
        times = [seconds(n) for n in names]
        return sum(t for t in times if t is not None) if None not in times else None

    analysis = ["analysis: analyze + compute"]
    core = seconds("analysis: analyze + compute")
    end_to_end = ["load Parquet", "build_graph", *analysis]
    e2e = total(end_to_end)
    cached = [
        "cache, later run: load_graph from the cache",
        "cache, later run: analysis: analyze + compute",
    ]
    warm = total(cached)
    bfs = seconds("bare BFS: breadth_first_order")
    best_core = seconds("analysis core, best of 3 (matrices built)")
    best_bfs = seconds("bare BFS, best of 3")
    solver = seconds("bare solver: bicgstab, best of 3")
    build = seconds("build_graph")
    nx_parts = [
        "networkx: read Parquet + resolved names",
        "networkx: from_pandas_edgelist",
        NX_REACH,
    ]
    nx_total = total(nx_parts)
    nx_graph_and_reach = total(nx_parts[1:])
    ig_graph_and_reach = total([IG_BUILD, IG_REACH])
    exposure_graph_and_reach = build + core if build is not None and core is not None else None
    return {
        "analysis_core_seconds": core,
        "tier_seconds": seconds("analysis alone: tier"),
        "bare_bfs_seconds": bfs,
        "core_over_bfs": core / bfs if core and bfs else None,
        "best_core_seconds": best_core,
        "best_bfs_seconds": best_bfs,
        "best_core_over_best_bfs": best_core / best_bfs if best_core and best_bfs else None,
        "tier_over_bfs": (seconds("analysis alone: tier") or 0) / bfs if bfs else None,
        "lower_bound_over_bfs": (
            (seconds("analysis alone: lower_bound") or 0) / bfs if bfs else None
        ),
        "revenue_over_solver": (
            own_solver / solver if solver and (own_solver := seconds(OWN_SOLVER)) else None
        ),
        "parquet_end_to_end_seconds": e2e,
        "parquet_end_to_end_peak_rss": peak(*end_to_end),
        "parquet_end_to_end_user_seconds": cpu("user", end_to_end),
        "parquet_end_to_end_system_seconds": cpu("system", end_to_end),
        "cached_end_to_end_seconds": warm,
        "cached_end_to_end_peak_rss": peak(*cached) if warm is not None else None,
        "networkx_total_seconds": nx_total,
        "networkx_sampled": any(
            stages.get(n, {}).get("sampled")
            for n in [*nx_parts, "networkx: BFS per supplier (tiers)"]
        ),
        "networkx_over_exposure": (
            nx_graph_and_reach / exposure_graph_and_reach
            if nx_graph_and_reach and exposure_graph_and_reach
            else None
        ),
        "networkx_reach_over_core": (
            nx_reach / core if core and (nx_reach := seconds(NX_REACH)) else None
        ),
        "igraph_over_exposure": (
            ig_graph_and_reach / exposure_graph_and_reach
            if ig_graph_and_reach and exposure_graph_and_reach
            else None
        ),
        "igraph_reach_over_core": (
            ig_reach / core if core and (ig_reach := seconds(IG_REACH)) else None
        ),
        "checks_ok": all(c.get("ok") for c in _checks(result) if c.get("severity") != "warning"),
        "warnings": sum(
            1 for c in _checks(result) if c.get("severity") == "warning" and not c.get("ok")
        ),
    }


STAGE_ROWS = (
    ("load CSV", "load CSV (`exposure.load`)"),
    ("load Parquet", "load Parquet (`exposure.load`)"),
    ("build_graph", "names (exact keys) + graph (`build_graph(fuzzy=False)`)"),
    ("analysis: analyze + compute", "analysis core: `analyze(...).compute()`"),
    (
        "analysis core, best of 3 (matrices built)",
        "... best of 3 on fresh results, the graph's matrices built",
    ),
    ("analysis alone: tier", "... one at a time, 1 thread: `tier`"),
    ("analysis alone: revenue_at_risk", "... one at a time, 1 thread: `revenue_at_risk`"),
    ("analysis alone: lower_bound", "... one at a time, 1 thread: `lower_bound`"),
    ("JSON report: sample", "JSON report, sample of suppliers (per supplier)"),
    ("JSON report: full", "JSON report, all suppliers, streamed (`iter_records()`)"),
    ("ranking report: sample", "ranking of every supplier, sample: material paths per supplier"),
    ("ranking report: full", "ranking of every supplier as a table (`iter_ranking()`)"),
    ("build_graph with fuzzy matching", "names with fuzzy matching + graph (`build_graph()`)"),
    (
        "cache, first run: load + build_graph + store",
        "cache, first run: `load_graph(..., cache_dir=)` loads, builds, stores",
    ),
    (
        "cache, later run: load_graph from the cache",
        "cache, later run (fresh process): `load_graph` reads the stored graph",
    ),
    (
        "cache, later run: analysis: analyze + compute",
        "cache, later run: analysis core `analyze(...).compute()`",
    ),
    ("bare BFS: CSR build", "bare BFS: CSR from the edge arrays"),
    ("bare BFS: breadth_first_order", "bare BFS: `csgraph.breadth_first_order`"),
    ("bare BFS, best of 3", "... best of 3"),
    (OWN_SOLVER, "revenue at risk alone (`analysis.revenue_at_risk`), best of 3"),
    ("bare solver: system build", "bare solver: `identity(n) - onward` from the shares"),
    (
        "bare solver: bicgstab, best of 3",
        "bare solver: `scipy.sparse.linalg.bicgstab`, residual under 1e-13, best of 3",
    ),
    ("networkx: read Parquet + resolved names", "networkx: read Parquet + resolved names"),
    ("networkx: from_pandas_edgelist", "networkx: `from_pandas_edgelist`"),
    (NX_REACH, "networkx: multi-source BFS from the listed nodes (tiers)"),
    ("networkx: BFS per supplier (tiers)", "networkx: BFS per supplier (tiers)"),
    ("igraph: read Parquet + resolved names", "igraph: read Parquet + resolved names"),
    (IG_BUILD, "igraph: `Graph` from integer codes"),
    (IG_REACH, "igraph: one BFS from a root joined to every listed node (tiers)"),
)


def _cell(event: dict[str, Any] | None, name: str) -> tuple[str, str]:
    """Time and memory cells of one stage."""
    if not event:
        return "", ""
    kind = event["event"]
    if kind == "killed":
        return f"killed: {event['reason']}", ""
    if kind == "skip":
        if "projected_seconds" in event and "limit_seconds" in event:
            return (
                f"not run: the sample projects {_seconds(event['projected_seconds'], True)}, "
                f"over the {_seconds(event['limit_seconds'])} limit",
                "",
            )
        return f"not run: {event['reason']}", ""
    if kind == "failed":
        return f"failed ({event['reason']})", ""
    memory = _mib(event.get("peak_rss"))
    if name == "ranking report: sample":
        text = (
            f"{event['seconds_per_supplier'] * 1e3:.2f} ms/supplier "
            f"({event['sample']} of {event['suppliers']}) -> "
            f"all: {_seconds(event['projected_seconds'], True)}"
        )
        return text, memory
    if name == "JSON report: sample":
        text = (
            f"{event['seconds_per_supplier'] * 1e3:.2f} ms/supplier "
            f"({event['sample']} of {event['suppliers']}; "
            f"{event['mean_paths_per_supplier']:.0f} paths, "
            f"{event['bytes_per_supplier'] / 1e3:.0f} kB each) -> "
            f"all: {_seconds(event['projected_seconds'], True)}, "
            f"~{event['projected_bytes'] / 1e9:.2f} GB"
        )
        return text, memory
    if event.get("sampled"):
        return (
            f"{_seconds(event['projected_seconds'], True)} "
            f"(extrapolated from {event['done']} of {event['total']})",
            memory,
        )
    if "sample_seconds" in event:
        return _seconds(event["sample_seconds"]), memory
    text = _seconds(event["seconds"])
    if "stopped_after" in event:
        # Stopped at its limit: the set-up (with the first supplier), then the rate since.
        first, done = event["first_seconds"], event["stopped_after"]
        projected = first + (event["seconds"] - first) * (event["of"] - 1) / max(done - 1, 1)
        return (
            f"stopped at its {_seconds(event['limit_seconds'])} limit after "
            f"{event['stopped_after']} of {event['of']} suppliers -> all: "
            f"{_seconds(projected, True)}",
            memory,
        )
    if name in ("JSON report: full", "ranking report: full"):
        text += f" ({event['bytes'] / 1e6:.0f} MB)"
    return text, memory


def markdown(results: list[dict[str, Any]], environment: dict[str, Any]) -> str:
    """The Markdown report of all sizes."""
    out: list[str] = []
    sizes = [r["size"] for r in results]
    out.append(
        f"Machine: {environment['cpu']}, {environment['cores']} cores, "
        f"{environment['memory_gib']:.0f} GiB; Python {environment['python']}, "
        + ", ".join(f"{k} {v}" for k, v in environment["packages"].items())
        + f"; exposure at {environment['commit']}."
    )
    others = {
        f"{r['size']} at {r['environment']['commit']} ({r['environment']['date']})"
        for r in results
        if r.get("environment", environment)["commit"] != environment["commit"]
    }
    if others:
        out.append(f"Other code versions: {'; '.join(sorted(others))}.")
    loads = [
        e["load_average_after"]
        for r in results
        for events in r["pipelines"].values()
        for e in events
        if e["event"] == "load"
    ]
    if loads and max(loads) > (environment.get("cores") or 1):
        out.append(
            f"Note: the machine was shared; the 1-minute load average reached {max(loads):.1f} "
            f"on {environment['cores']} cores during the run, so times are pessimistic."
        )
    out.append("")
    out.append("| size | entities | rows | nodes | edges | listed in force | exposed suppliers |")
    out.append("|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        f = _facts(r)
        out.append(
            f"| {r['size']} | {r['entities']:,} | {r['meta']['rows']:,} | "
            f"{f.get('nodes', 0):,} | {f.get('edges', 0):,} | {f.get('listed_in_force', 0):,} | "
            f"{f.get('exposed_suppliers', 0):,} of {f.get('suppliers', 0):,} |"
        )
    out.append("")
    out.append(
        "Wall time (`~` = extrapolated from a sample) and peak RSS of the process during the stage:"
    )
    out.append("")
    header = "| stage | " + " | ".join(f"{s} time | {s} peak" for s in sizes) + " |"
    out.append(header)
    out.append("|---|" + "---:|---:|" * len(sizes))
    all_stages = [_stages(r) for r in results]
    for name, label in STAGE_ROWS:
        if not any(name in s for s in all_stages):
            continue
        cells: list[str] = []
        for s in all_stages:
            cells.extend(_cell(s.get(name), name))
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    derived = [derive(r) for r in results]
    out.append("")
    out.append("| | " + " | ".join(sizes) + " |")
    out.append("|---|" + "---:|" * len(sizes))
    rows = (
        (
            "Parquet load + build_graph + analysis (target at 1m: 10 s)",
            lambda d: _seconds(d["parquet_end_to_end_seconds"]),
        ),
        ("... its peak RSS (target at 1m: 3 GB)", lambda d: _mib(d["parquet_end_to_end_peak_rss"])),
        (
            "... its CPU time, user + system (all threads)",
            lambda d: (
                _seconds(d.get("parquet_end_to_end_user_seconds"))
                + " + "
                + _seconds(d.get("parquet_end_to_end_system_seconds"))
            ),
        ),
        (
            "later run on unchanged files with a cache folder: cached graph + analysis",
            lambda d: _seconds(d.get("cached_end_to_end_seconds")),
        ),
        ("... its peak RSS", lambda d: _mib(d.get("cached_end_to_end_peak_rss"))),
        (
            "analysis core (`compute()`: tier, revenue_at_risk, lower_bound)",
            lambda d: _seconds(d["analysis_core_seconds"]),
        ),
        (
            "analysis core / bare BFS",
            lambda d: _ratio(d["analysis_core_seconds"], d["bare_bfs_seconds"]),
        ),
        (
            "analysis core / bare BFS, each best of 3 (matrices built)",
            lambda d: _ratio(d.get("best_core_seconds"), d.get("best_bfs_seconds")),
        ),
        (
            "tier alone (the search a BFS does) / bare BFS (target: 2x)",
            lambda d: _ratio(d["tier_seconds"], d["bare_bfs_seconds"]),
        ),
        ("lower bound alone / bare BFS", lambda d: _ratio(d.get("lower_bound_over_bfs"), 1.0)),
        (
            "revenue at risk alone / SciPy `bicgstab` on the same system, each best of 3",
            lambda d: _ratio(d.get("revenue_over_solver"), 1.0),
        ),
        (
            "networkx (from_pandas_edgelist + multi-source BFS) / exposure (build_graph + analysis)",
            lambda d: (
                ("~" if d["networkx_sampled"] else "") + _ratio(d["networkx_over_exposure"], 1.0)
            ),
        ),
        (
            "networkx multi-source BFS / exposure analysis core",
            lambda d: (
                ("~" if d["networkx_sampled"] else "") + _ratio(d["networkx_reach_over_core"], 1.0)
            ),
        ),
        (
            "igraph (Graph from codes + multi-source BFS) / exposure (build_graph + analysis)",
            lambda d: _ratio(d.get("igraph_over_exposure"), 1.0),
        ),
        (
            "igraph multi-source BFS / exposure analysis core",
            lambda d: _ratio(d.get("igraph_reach_over_core"), 1.0),
        ),
        ("all checks agree", lambda d: "yes" if d["checks_ok"] else "**NO**"),
    )
    for label, fmt in rows:
        out.append(f"| {label} | " + " | ".join(fmt(d) for d in derived) + " |")
    out.append("")
    out.append("Checks:")
    out.append("")
    for r in results:
        for c in _checks(r):
            failed = "warning" if c.get("severity") == "warning" else "**FAILED**"
            verdict = (
                "ok"
                if c.get("ok")
                else f"{failed} ({c['mismatches']:,} mismatches, e.g. {c.get('examples')})"
            )
            out.append(f"- {r['size']}: {c['check']}: {verdict} ({c['compared']:,} compared)")
    return "\n".join(out) + "\n"


def environment() -> dict[str, Any]:
    """Versions and machine, for the record."""
    from importlib import metadata

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    packages = {}
    for name in ("numpy", "pandas", "scipy", "networkx", "pyarrow"):
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = "absent"
    commit = "unknown"
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "exposure"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        commit += " (with uncommitted changes in exposure/)" if dirty else ""
    except (OSError, subprocess.CalledProcessError):
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30,
        "python": platform.python_version(),
        "packages": packages,
        "commit": commit,
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
    }


def main(argv: list[str] | None = None) -> int:
    """Command line; returns the exit status (1 when a check failed)."""
    parser = argparse.ArgumentParser(
        description="Benchmark exposure against networkx and a bare BFS on synthetic graphs."
    )
    parser.add_argument("--sizes", default="10k,100k", help="comma-separated, e.g. 10k,100k,1m")
    parser.add_argument("--as-of", default=AS_OF, help=f"analysis date (default {AS_OF})")
    parser.add_argument("--out", type=Path, default=OUT, help="data and results folder")
    parser.add_argument(
        "--report-timeout",
        type=float,
        default=900,
        help="seconds allowed for the full JSON report and the ranking, each (default 900)",
    )
    parser.add_argument(
        "--report-sample", type=int, default=50, help="suppliers in the report sample"
    )
    parser.add_argument(
        "--baseline-limit",
        type=float,
        default=300,
        help="above this projected time the networkx baseline is sampled (default 300 s)",
    )
    parser.add_argument(
        "--timeout", type=float, default=3600, help="seconds allowed per pipeline (default 3600)"
    )
    parser.add_argument(
        "--max-rss-gb", type=float, default=18, help="kill a pipeline above this RSS (GiB)"
    )
    parser.add_argument(
        "--skip",
        default="",
        help="comma-separated parts to leave out: csv, cache, networkx, igraph, report",
    )
    parser.add_argument("--regenerate", action="store_true", help="regenerate the data")
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="print the report of the sizes' last runs (bench/out/<size>/result.json) again",
    )
    args = parser.parse_args(argv)
    args.skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    env = environment()
    results = []
    for text_size in args.sizes.split(","):
        n = parse_size(text_size)
        saved = size_dir(n, args.out) / "result.json"
        if args.render_only:
            stored = json.loads(saved.read_text())
            env = stored["environment"]
            results.append(stored["result"])
            continue
        result = bench_size(n, args)
        result["environment"] = env
        saved.write_text(json.dumps({"environment": env, "result": result}, indent=2) + "\n")
        results.append(result)
    text = markdown(results, env)
    args.out.mkdir(parents=True, exist_ok=True)
    payload = {
        "environment": env,
        "arguments": {
            k: (sorted(v) if isinstance(v, set) else str(v)) for k, v in vars(args).items()
        },
        "results": [{**r, "derived": derive(r)} for r in results],
    }
    (args.out / "results.json").write_text(json.dumps(payload, indent=2) + "\n")
    (args.out / "results.md").write_text(text)
    print(text)
    return 0 if all(derive(r)["checks_ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
