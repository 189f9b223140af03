"""The timed stages of the benchmark, one pipeline per fresh process (started by ``bench.run``).

Usage (normally only through ``bench.run``)::

    .venv/bin/python -m bench.stages exposure-csv|exposure-parquet|networkx --data bench/out/10k

Each pipeline prints one JSON object per line on stdout: ``{"event": "start", ...}`` when a
stage begins (so the runner can enforce a time limit on it) and ``{"event": "stage", ...}`` when
it ends, with its wall time and memory; ``{"event": "check", ...}`` for agreement checks.

Memory: before each stage the process's peak-RSS counter is reset (``echo 5 >
/proc/self/clear_refs``, Linux >= 4.0), and after it ``VmHWM`` from ``/proc/self/status`` is read.
That is the counter ``getrusage().ru_maxrss`` reports, but per stage: the peak resident memory
of the whole process *during* the stage, including what earlier stages left in memory (the
Python interpreter with numpy/pandas/scipy imported is about 100-150 MB of it). Where the
reset is not allowed, ``peak_kind`` is ``process`` and the figure is the peak since start.
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

AS_OF = "2025-01-01"
SEED = 6


def _status_bytes(field: str) -> int | None:
    """Return a ``VmRSS``/``VmHWM`` field of ``/proc/self/status`` in bytes."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    """Reset the kernel's peak-RSS counter of this process; ``False`` when not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        return False
    return True


def _peak_bytes() -> int:
    peak = _status_bytes("VmHWM")
    if peak is not None:
        return peak
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


def emit(**fields: Any) -> None:
    """Print one event as a JSON line for the runner."""
    print(json.dumps(fields, default=_plain), flush=True)


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def log(message: str) -> None:
    """Progress for people, on stderr."""
    print(f"    {message}", file=sys.stderr, flush=True)


@contextmanager
def stage(name: str, *, timeout: float | None = None) -> Iterator[dict[str, Any]]:
    """Time one stage and measure the process's peak RSS during it.

    The body may add fields to the yielded dict; they are reported with the stage.
    """
    gc.collect()
    emit(event="start", stage=name, timeout=timeout)
    reset = _reset_peak()
    before = _status_bytes("VmRSS")
    info: dict[str, Any] = {}
    cpu = os.times()
    started = time.perf_counter()
    yield info
    seconds = time.perf_counter() - started
    spent = os.times()
    emit(
        event="stage",
        stage=name,
        seconds=seconds,
        # CPU time of all threads: user (the program's own work) and system (the kernel's, on
        # this machine mostly providing fresh memory pages).
        user_seconds=spent.user - cpu.user,
        system_seconds=spent.system - cpu.system,
        peak_rss=_peak_bytes(),
        rss_before=before,
        rss_after=_status_bytes("VmRSS"),
        peak_kind="stage" if reset else "process",
        **info,
    )
    log(f"{name}: {seconds:.2f} s, peak {_peak_bytes() / 2**20:.0f} MiB")


def _compute(analyze: Any, graph: Any, as_of: str) -> Any:
    return analyze(graph, as_of=as_of).compute()


def best_of(name: str, run: Any, repeat: int = 3) -> None:
    """Time ``run()`` ``repeat`` times; report the fastest as the stage (all times kept)."""
    times = []
    reset = _reset_peak()
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    emit(
        event="stage",
        stage=name,
        seconds=min(times),
        runs=times,
        peak_rss=_peak_bytes(),
        peak_kind="stage" if reset else "process",
    )
    log(f"{name}: {min(times):.3f} s (of {', '.join(f'{t:.3f}' for t in times)})")


def _paths(data: Path) -> dict[str, Path]:
    return {
        "csv": data / "csv",
        "listed.parquet": data / "parquet" / "listed.parquet",
        "suppliers.parquet": data / "parquet" / "suppliers.parquet",
        "spellings": data / "truth" / "spellings.parquet",
        "exposure-tiers": data / "run" / "exposure_tiers.parquet",
        "exposure-spellings": data / "run" / "exposure_spellings.parquet",
        "cache": data / "run" / "cache",
    }


# -- exposure ------------------------------------------------------------------------------------


def exposure_csv(args: argparse.Namespace) -> None:
    """Load the CSV files with ``exposure.load``."""
    with stage("import exposure") as info:
        import exposure

        info.update(file=exposure.__file__)
    with stage("load CSV") as info:
        data = exposure.load(_paths(args.data)["csv"])
        info.update(rows=len(data.suppliers), listings=len(data.listed))


def _target_stages(args: argparse.Namespace) -> tuple[Any, Any, Any, Any]:
    """The stages of the 10 s target; return exposure, the dataset, the graph, the result."""
    paths = _paths(args.data)
    with stage("import exposure") as info:
        import exposure

        info.update(file=exposure.__file__)
    with stage("load Parquet") as info:
        data = exposure.load(listed=paths["listed.parquet"], suppliers=paths["suppliers.parquet"])
        info.update(rows=len(data.suppliers), listings=len(data.listed))
    with stage("build_graph") as info:
        # Exact keys and reviews only: fuzzy matching is timed on its own at the end.
        graph = exposure.build_graph(data, fuzzy=False)
        info.update(nodes=graph.n_nodes, edges=len(graph.edges), fuzzy=False)
    with stage("analysis: analyze + compute"):
        # As `exposure report` runs it: tiers, lower bounds, then revenue at risk; the graph's
        # matrices are built here, once.
        result = exposure.analyze(graph, as_of=args.as_of).compute()
    return exposure, data, graph, result


def exposure_parquet(args: argparse.Namespace) -> None:
    """Parquet load, graph, analysis, bare BFS and JSON report, in one process."""
    paths = _paths(args.data)
    exposure, data, graph, result = _target_stages(args)
    tier, risk, lower = result.tier, result.revenue_at_risk, result.lower_bound
    # Times of well under a second vary up to fourfold from run to run on a shared machine:
    # the core (on fresh results; the graph keeps its matrices) and the bare BFS below are
    # also timed best of 3, as timeit does, for their ratio.
    best_of(
        "analysis core, best of 3 (matrices built)",
        functools.partial(_compute, exposure.analyze, graph, args.as_of),
    )
    # The same figures one at a time, on one thread, from a fresh result (matrices kept).
    alone = exposure.analyze(graph, as_of=args.as_of)
    _ = (alone.listed, alone.shares)
    for figure in ("tier", "revenue_at_risk", "lower_bound"):
        with stage(f"analysis alone: {figure}"):
            getattr(alone, figure)
    del alone
    listed = np.asarray(result.listed, dtype=bool)
    suppliers = np.zeros(graph.n_nodes, dtype=bool)
    suppliers[np.asarray(graph.supplier_codes)] = True
    emit(
        event="facts",
        nodes=graph.n_nodes,
        edges=len(graph.edges),
        rows=len(data.suppliers),
        suppliers=int(suppliers.sum()),
        listed_in_force=int(listed.sum()),
        exposed_suppliers=int((tier[suppliers] > 0).sum()),
        max_tier=int(tier.max(initial=0)),
        tier_counts=np.bincount(tier[suppliers & (tier > 0)]).tolist(),
        mean_revenue_at_risk=float(risk[suppliers].mean()) if suppliers.any() else 0.0,
        lower_bound_suppliers=int(lower[suppliers].sum()),
    )
    _write_exposure_answer(paths, graph, tier, listed, suppliers)

    # The bare reference: one breadth-first search over the same edge arrays, from a super
    # source linked to every listed node, on the reversed graph (customer -> supplier).
    from scipy import sparse
    from scipy.sparse import csgraph

    n = graph.n_nodes
    with stage("bare BFS: CSR build"):
        src = graph.edges["src"].to_numpy(np.int32)
        dst = graph.edges["dst"].to_numpy(np.int32)
        sources = np.flatnonzero(listed).astype(np.int32)
        rows = np.concatenate([dst, np.full(len(sources), n, np.int32)])
        cols = np.concatenate([src, sources])
        reverse = sparse.csr_matrix(
            (np.ones(len(rows), np.int8), (rows, cols)), shape=(n + 1, n + 1)
        )
    with stage("bare BFS: breadth_first_order"):
        order, _ = csgraph.breadth_first_order(reverse, n, directed=True, return_predecessors=True)
    best_of(
        "bare BFS, best of 3",
        functools.partial(csgraph.breadth_first_order, reverse, n, return_predecessors=True),
    )
    reached = np.zeros(n + 1, dtype=bool)
    reached[order] = True
    reached = reached[:n]
    differ = np.flatnonzero((reached & ~listed) != ((tier > 0) & ~listed))
    emit(
        event="check",
        check="bare BFS reach = exposure exposed set (unlisted nodes)",
        compared=int((~listed).sum()),
        mismatches=len(differ),
        ok=len(differ) == 0,
        examples=[str(graph.nodes["name"].iat[i]) for i in differ[:5]],
    )
    del reverse, order
    _bare_solver(result, risk, listed)

    if args.report_timeout > 0:
        _report(result, args)
        _ranking(result, args)
    del result, graph, tier, risk, lower
    with stage("build_graph with fuzzy matching") as info:
        fuzzy = exposure.build_graph(data, fuzzy=True)
        matched = fuzzy.spellings["match"].to_numpy()
        info.update(
            nodes=fuzzy.n_nodes,
            fuzzy_links=int((matched == "fuzzy").sum()),
            possible=int((matched == "possible").sum()),
        )


def _bare_solver(result: Any, risk: np.ndarray, listed: np.ndarray) -> None:
    """Time SciPy's own solver on revenue at risk's linear system, and check the answers agree.

    Revenue at risk is the solution of ``(I - onward) x = direct``: ``onward`` holds the shares
    of sales to unlisted buyers, ``direct`` each node's share sold to listed ones. The bare way
    is the matrix ``I - onward`` handed to :func:`scipy.sparse.linalg.bicgstab` (of SciPy's
    Krylov solvers the fastest on these graphs), to the accuracy exposure's own fixed point
    reaches: a residual under 1e-13.
    """
    from scipy import sparse
    from scipy.sparse import linalg

    shares = result.shares  # the matrix exposure's own products read
    n = shares.shape[0]
    with stage("bare solver: system build"):
        onward = sparse.csr_matrix(
            (shares.data * ~listed[shares.indices], shares.indices, shares.indptr), shape=(n, n)
        )
        system = sparse.identity(n, format="csr") - onward
        direct = shares @ listed.astype(np.float64)
    del onward
    solved: dict[str, Any] = {}  # the solution and the solver's status

    def solve() -> None:
        solved["x"], solved["info"] = linalg.bicgstab(system, direct, rtol=0.0, atol=1e-13)

    best_of("bare solver: bicgstab, best of 3", solve)
    from exposure import analysis

    best_of(
        "revenue at risk (analysis.revenue_at_risk), best of 3",
        functools.partial(analysis.revenue_at_risk, shares, listed),
    )
    differ = np.flatnonzero(~np.isclose(solved["x"], risk, rtol=0.0, atol=1e-9))
    emit(
        event="check",
        check="revenue at risk = SciPy bicgstab's solution of the same system (within 1e-9)",
        compared=n,
        mismatches=len(differ) if solved["info"] == 0 else n,
        ok=len(differ) == 0 and solved["info"] == 0,
        examples=[str(result.graph.nodes["name"].iat[i]) for i in differ[:5]],
    )


def _ranking(result: Any, args: argparse.Namespace) -> None:
    """Time the ranking of every supplier, as ``exposure report`` prints it (a table).

    On a sample of suppliers first (the listed buyers of each one's material paths, which is
    what :meth:`Result.iter_ranking` searches per supplier), then in full, text included,
    unless the sample projects it over ``--report-timeout``.
    """
    from exposure.render.text import format_report

    rng = np.random.default_rng(SEED + 1)
    codes = np.asarray(result.ranked_codes())
    maker = result.record_maker
    with stage("ranking report: sample") as info:
        k = min(args.report_sample * 10, len(codes))
        sample = rng.choice(codes, size=k, replace=False)
        for code in sample.tolist():  # once untimed: the search lays out its lists once
            maker.paths_of(code, keep=False)
        started = time.perf_counter()
        for code in sample.tolist():
            maker.paths_of(code, keep=False)
        per_supplier = (time.perf_counter() - started) / max(k, 1)
        projected = per_supplier * len(codes)
        info.update(
            suppliers=len(codes),
            sample=k,
            seconds_per_supplier=per_supplier,
            projected_seconds=projected,
        )
    if projected > args.report_timeout * 1.5:
        emit(
            event="skip",
            stage="ranking report: full",
            reason=f"projected {projected:.0f} s from the sample",
            projected_seconds=projected,
            limit_seconds=args.report_timeout,
        )
        return
    with stage("ranking report: full", timeout=_guard(args.report_timeout)) as info:
        lines = list(_within_limit(result.iter_ranking(), len(codes), args.report_timeout, info))
        text = format_report(lines, "table", as_of=str(args.as_of), detailed=False)
        info.update(suppliers=len(lines), bytes=len(text.encode("utf-8")))


def _load_graph_cached(exposure: Any, paths: dict[str, Path]) -> Any:
    """``exposure.load_graph`` of the Parquet files, exact names only, through the cache."""
    return exposure.load_graph(
        listed=paths["listed.parquet"],
        suppliers=paths["suppliers.parquet"],
        fuzzy=False,
        cache_dir=paths["cache"],
    )


def exposure_cache_store(args: argparse.Namespace) -> None:
    """First run with a cache folder: ``load_graph`` loads, builds and stores the graph."""
    import shutil

    paths = _paths(args.data)
    shutil.rmtree(paths["cache"], ignore_errors=True)
    with stage("import exposure"):
        import exposure
    with stage("cache, first run: load + build_graph + store") as info:
        graph = _load_graph_cached(exposure, paths)
        stored = list(paths["cache"].glob("*.graph"))
        info.update(nodes=graph.n_nodes, entry_bytes=sum(p.stat().st_size for p in stored))


def exposure_cached(args: argparse.Namespace) -> None:
    """A later run (fresh process): ``load_graph`` reads the stored graph; then the analysis."""
    import pandas as pd

    paths = _paths(args.data)
    with stage("import exposure"):
        import exposure
    with stage("cache, later run: load_graph from the cache") as info:
        graph = _load_graph_cached(exposure, paths)
        info.update(nodes=graph.n_nodes)
    with stage("cache, later run: analysis: analyze + compute"):
        result = exposure.analyze(graph, as_of=args.as_of).compute()
    fresh = pd.read_parquet(paths["exposure-tiers"])
    tier = np.asarray(result.tier, dtype=np.int64)
    same = len(fresh) == len(tier) and bool((fresh["tier"].to_numpy() == tier).all())
    emit(
        event="check",
        check="graph read from the cache: same tiers as the graph built from the files",
        compared=len(tier),
        mismatches=0 if same else max(len(tier), len(fresh)),
        ok=same,
        examples=[],
    )


def _write_exposure_answer(
    paths: dict[str, Path], graph: Any, tier: np.ndarray, listed: np.ndarray, suppliers: np.ndarray
) -> None:
    """Write exposure's tiers by node name, and the node each spelling resolved to."""
    import pandas as pd

    paths["exposure-tiers"].parent.mkdir(parents=True, exist_ok=True)
    names = graph.nodes["name"].astype(str).to_numpy()
    pd.DataFrame(
        {
            "name": names,
            "tier": np.asarray(tier, dtype=np.int64),
            "listed": listed,
            "supplier": suppliers,
        }
    ).to_parquet(paths["exposure-tiers"])
    spellings = pd.DataFrame(
        {
            "spelling": graph.spellings["spelling"].to_numpy(dtype=object),
            "name": names[graph.spellings["node"].to_numpy()],
        }
    )
    spellings.to_parquet(paths["exposure-spellings"])


def _report(result: Any, args: argparse.Namespace) -> None:
    """Time the JSON report on a sample of suppliers, then in full when it can finish.

    Both as ``exposure report --format json`` writes it: ``Result.iter_records()`` streamed
    through ``json_report_bytes`` (the full report with each sale's hop written once:
    ``JsonHops``), so memory stays flat. The full report goes to a sink that counts its bytes
    (no disk: the figure is the report's own cost).
    """
    from exposure.render.text import JsonHops, json_report_bytes, json_report_chunks

    rng = np.random.default_rng(SEED)
    maker = result.record_maker
    with stage("JSON report: sample") as info:
        setup_started = time.perf_counter()
        # What iter_records() does for every supplier, on a sample (it has no way to ask
        # for a few suppliers without a name lookup per supplier): the ranking and the
        # whole-graph count of listed buyers reached first, then one record each.
        codes = np.asarray(result.ranked_codes())
        maker.reached_listed_counts()
        k = min(args.report_sample, len(codes))
        drawn = rng.choice(codes, size=min(2 * k, len(codes)), replace=False)
        sample = drawn[:k]
        # Records of other suppliers first, untimed: what the first records lay out for
        # every later one (the listings and matches looked up, the path search's sale lists)
        # is paid once in the whole report, not once per supplier of the sample; other
        # suppliers, so that the sample still meets listings and sales not looked up before.
        for code in drawn[k:].tolist():
            maker.record(int(code), keep=False)
        setup = time.perf_counter() - setup_started
        started = time.perf_counter()
        records = [maker.record(int(c), keep=False) for c in sample]
        text = "".join(json_report_chunks(records))
        per_record = (time.perf_counter() - started) / max(k, 1)
        size = len(text.encode("utf-8"))
        paths = [len(r.get("paths", [])) for r in records]
        info.update(
            suppliers=len(codes),
            sample=k,
            setup_seconds=setup,
            seconds_per_supplier=per_record,
            bytes_per_supplier=size / max(k, 1),
            mean_paths_per_supplier=float(np.mean(paths)) if paths else 0.0,
            max_paths_per_supplier=int(max(paths, default=0)),
            projected_seconds=setup + per_record * len(codes),
            projected_bytes=size / max(k, 1) * len(codes),
            via="RecordMaker.record",
        )
        projected = setup + per_record * len(codes)
    del records, text
    if projected > args.report_timeout * 1.5:
        emit(
            event="skip",
            stage="JSON report: full",
            reason=(
                f"projected {projected:.0f} s from the sample, over the "
                f"{args.report_timeout:.0f} s limit"
            ),
            projected_seconds=projected,
            limit_seconds=args.report_timeout,
        )
        return
    with stage("JSON report: full", timeout=_guard(args.report_timeout)) as info:
        written = 0
        pieces = 0
        chunks = json_report_bytes(result.iter_records(hops_as=JsonHops()))
        for chunk in _within_limit(chunks, len(codes), args.report_timeout, info):
            written += len(chunk)
            pieces += 1
        if "stopped_after" not in info:
            pieces -= 1  # the last piece closes the list; every other one holds a record
        info.update(suppliers=pieces, bytes=written, streamed=True)


def _within_limit(
    items: Iterator[Any], total: int, limit: float, info: dict[str, Any]
) -> Iterator[Any]:
    """Pass ``items`` on (one per supplier, of ``total``) until ``limit`` seconds have passed.

    Stopped there, not killed: the stages after it still run in this process. ``info`` gets
    how many were done and the time to the first (the set-up and one supplier), from which
    the report projects the whole.
    """
    started = time.perf_counter()
    first = None
    for done, item in enumerate(items, start=1):
        yield item
        now = time.perf_counter()
        first = now - started if first is None else first
        if now - started > limit and done < total:
            info.update(stopped_after=done, of=total, first_seconds=first, limit_seconds=limit)
            return


def _guard(limit: float) -> float:
    """The parent's hard limit on a stage that stops itself at ``limit`` (a stuck one)."""
    return limit * 1.2 + 60


# -- networkx baseline ---------------------------------------------------------------------------


def _canonical(values: Any, spellings: Any) -> Any:
    """Map variant spellings and aliases to canonical names (the generator's truth)."""
    mapped = values.map(spellings)
    return mapped.where(mapped.notna(), values)


def _first_listed_distance(G: Any, start: Any, listed: set[Any]) -> int:
    """Tier by a plain BFS from one supplier: paths stop at the first listed node."""
    seen = {start}
    frontier = [start]
    depth = 0
    while frontier:
        depth += 1
        following = []
        for node in frontier:
            for customer in G.successors(node):
                if customer in listed:
                    return depth
                if customer not in seen:
                    seen.add(customer)
                    following.append(customer)
        frontier = following
    return -1


def _budgeted(total: int, limit: float, min_sample: int, sample_seconds: float) -> Any:
    """Yield indexes 0..total-1 until done, or until a projection over ``limit`` is solid."""
    started = time.perf_counter()
    for i in range(total):
        yield i
        elapsed = time.perf_counter() - started
        done = i + 1
        if (
            done < total
            and elapsed / done * total > limit
            and done >= min_sample
            and elapsed >= sample_seconds
        ):
            return


def _resolution_checks(resolved: Any, truth: Any) -> None:
    """Compare exposure's name resolution with the generator's truth (a warning, not a failure).

    ``resolved``: spelling -> exposure node name; ``truth``: variant or alias -> canonical name.
    """
    company = _canonical(resolved["spelling"], truth)
    per_node = company.groupby(resolved["name"].to_numpy()).nunique()
    merged = per_node[per_node > 1]
    per_company = resolved["name"].groupby(company.to_numpy()).nunique()
    split = per_company[per_company > 1]
    emit(
        event="check",
        check="name resolution: every variant spelling and alias joined its company's node",
        compared=len(per_company),
        mismatches=len(split),
        ok=split.empty,
        severity="warning",
        examples=[str(x) for x in split.index[:5]],
    )
    emit(
        event="check",
        check="name resolution: no node joins two distinct companies (fuzzy false positives)",
        compared=len(per_node),
        mismatches=len(merged),
        ok=merged.empty,
        severity="warning",
        examples=[
            f"{node}: " + "; ".join(sorted(set(company[resolved["name"] == node]))[:3])
            for node in merged.index[:5]
        ],
    )


def _listed_in_force(
    paths: dict[str, Path], as_of: str, spellings: Any, truth: Any, nodes: set[Any]
) -> set[Any]:
    """The listed nodes in force on the date, by a baseline's own reading of listed.csv.

    Of the generator's lists, the Unverified List alone requires no licence (15 CFR 744.15).
    A listing's name is a node's name, or a spelling of it; the generator knows which.
    """
    import pandas as pd

    listings = pd.read_parquet(paths["listed.parquet"])
    listings = listings[listings["list"] != "Unverified List"]
    day = pd.Timestamp(as_of)
    start = pd.to_datetime(listings["start_date"])
    end = pd.to_datetime(listings["end_date"])
    active = listings.loc[(start <= day) & (end.isna() | (end > day)), "name"]
    node_of = spellings.to_dict()
    return {node_of.get(name, node_of.get(truth.get(name, name), name)) for name in active} & nodes


def _reach_checks(
    who: str, tier_of: dict[Any, int], listed: set[Any], successors: Any, paths: dict[str, Path]
) -> None:
    """Check a baseline's tiers (0 for the listed) against exposure's, on every node."""
    import pandas as pd

    mine = pd.read_parquet(paths["exposure-tiers"])
    exposure_tier = dict(zip(mine["name"], mine["tier"], strict=True))
    nodes = set(tier_of) | set(exposure_tier)
    # A listed node counts as exposed through its own sales (to a listed or exposed node).
    theirs = {u for u, t in tier_of.items() if t > 0} | {
        u for u in listed if any(v in tier_of for v in successors(u))
    }
    exposed = {name for name, t in exposure_tier.items() if t > 0} & nodes
    differ = theirs ^ exposed
    emit(
        event="check",
        check=f"exposed set: {who} multi-source BFS = exposure (all nodes)",
        compared=len(nodes),
        mismatches=len(differ),
        ok=not differ,
        examples=sorted(map(str, differ))[:5],
    )
    wrong = [
        f"{u}: {who} {t}, exposure {exposure_tier.get(u)}"
        for u, t in tier_of.items()
        if t > 0 and exposure_tier.get(u) != t
    ]
    emit(
        event="check",
        check=f"tiers: {who} multi-source BFS = exposure tier (companies not listed)",
        compared=sum(1 for t in tier_of.values() if t > 0),
        mismatches=len(wrong),
        ok=not wrong,
        examples=wrong[:5],
    )


#: The igraph way's stages.
IG_BUILD = "igraph: Graph from integer codes"
IG_REACH = "igraph: multi-source BFS from the listed nodes (tiers)"


def igraph_baseline(args: argparse.Namespace) -> None:
    """The igraph way: nodes as integer codes, one BFS from a root joined to every listed node."""
    import importlib

    paths = _paths(args.data)
    with stage("igraph: import"):
        try:
            ig: Any = importlib.import_module("igraph")
        except ImportError:
            ig = None
        import pandas as pd
    if ig is None:
        emit(event="skip", stage="igraph", reason="igraph is not installed (pip install igraph)")
        return
    resolved = pd.read_parquet(paths["exposure-spellings"])
    with stage("igraph: read Parquet + resolved names") as info:
        spellings = resolved.set_index("spelling")["name"]
        edges = pd.read_parquet(paths["suppliers.parquet"], columns=["supplier", "customer"])
        sellers = _canonical(edges["supplier"], spellings)
        buyers = _canonical(edges["customer"], spellings)
        info.update(rows=len(edges))
    del edges
    with stage(IG_BUILD) as info:
        codes, names = pd.factorize(pd.concat([sellers, buyers], ignore_index=True))
        m = len(sellers)
        # Against the sales (buyer -> seller): a search from the listed finds who sells to them.
        pairs = np.column_stack([codes[m:], codes[:m]])
        g = ig.Graph(n=len(names) + 1, edges=pairs, directed=True)
        info.update(nodes=len(names), edges=m)
    truth = pd.read_parquet(paths["spellings"]).set_index("spelling")["name"]
    index = {name: i for i, name in enumerate(names)}
    listed = _listed_in_force(paths, args.as_of, spellings, truth, set(index))
    with stage(IG_REACH) as info:
        root = len(names)  # joined to every listed node: one search from all of them
        g.add_edges([(root, index[name]) for name in listed])
        order, layers, _ = g.bfs(root, mode="out")
        depth = np.zeros(len(names) + 1, dtype=np.int64)
        for k in range(len(layers) - 1):
            depth[np.asarray(order[layers[k] : layers[k + 1]], dtype=np.int64)] = k
        tier_of = {names[v]: int(depth[v]) - 1 for v in order[1:]}
        info.update(reached=len(tier_of) - len(listed))
    successors = pd.Series(codes[m:]).groupby(codes[:m]).agg(list).to_dict()
    _reach_checks(
        "igraph",
        tier_of,
        listed,
        lambda u: (names[v] for v in successors.get(index[u], [])),
        paths,
    )


#: The networkx way's reach stage: what a competent networkx user writes for the tiers.
NX_REACH = "networkx: multi-source BFS from the listed nodes (tiers)"


def networkx_baseline(args: argparse.Namespace) -> None:
    """The plain networkx way: from_pandas_edgelist, then one BFS from every listed node."""
    paths = _paths(args.data)
    with stage("networkx: import"):
        import networkx as nx
        import pandas as pd
    # Both ways must run on the same graph: spellings are mapped to the node exposure resolved
    # them to (the networkx way has no name resolution of its own). Whether that resolution is
    # right is checked against the generator's truth below, separately.
    resolved = pd.read_parquet(paths["exposure-spellings"])
    with stage("networkx: read Parquet + resolved names") as info:
        spellings = resolved.set_index("spelling")["name"]
        edges = pd.read_parquet(paths["suppliers.parquet"], columns=["supplier", "customer"])
        edges["supplier"] = _canonical(edges["supplier"], spellings)
        edges["customer"] = _canonical(edges["customer"], spellings)
        info.update(rows=len(edges))
    with stage("networkx: from_pandas_edgelist") as info:
        G = nx.from_pandas_edgelist(edges, "supplier", "customer", create_using=nx.DiGraph)
        info.update(nodes=G.number_of_nodes(), edges=G.number_of_edges())
    del edges
    truth = pd.read_parquet(paths["spellings"]).set_index("spelling")["name"]
    _resolution_checks(resolved, truth)

    listed = _listed_in_force(paths, args.as_of, spellings, truth, set(G.nodes))
    listed_nodes = sorted(listed)

    # Exposure's answer, for the checks (read outside the timed stages).
    mine = pd.read_parquet(paths["exposure-tiers"])
    exposure_tier = dict(zip(mine["name"], mine["tier"], strict=True))
    theirs = set(mine.loc[mine["listed"], "name"]) & set(G.nodes)
    emit(
        event="check",
        check="same listed entities in force (in the graph)",
        compared=len(listed | theirs),
        mismatches=len(listed ^ theirs),
        ok=listed == theirs,
        examples=sorted(listed ^ theirs)[:5],
    )

    # One breadth-first search from every listed node at once, against the sales: layer k
    # holds the companies k sales away from a listed buyer (their tier), as a networkx user
    # computes it. A path stops at the first listed buyer: passing through one is never
    # shorter than stopping there, so the layers are the tiers of the companies not listed.
    with stage(NX_REACH) as info:
        tier_nx: dict[Any, int] = {}
        for depth, layer in enumerate(nx.bfs_layers(G.reverse(copy=False), listed_nodes)):
            for node in layer:
                tier_nx[node] = depth
        info.update(reached=len(tier_nx) - len(listed_nodes))
    _reach_checks("networkx", tier_nx, listed, G.successors, paths)

    rng = np.random.default_rng(SEED)
    suppliers = [u for u in G.nodes if G.out_degree(u) > 0]
    suppliers = [suppliers[i] for i in rng.permutation(len(suppliers))]
    mismatched: list[str] = []
    timed = 0.0
    with stage("networkx: BFS per supplier (tiers)") as info:
        done = 0
        for i in _budgeted(len(suppliers), args.baseline_limit, 200, 30.0):
            began = time.perf_counter()
            t = _first_listed_distance(G, suppliers[i], listed)
            timed += time.perf_counter() - began
            if t != exposure_tier.get(suppliers[i], -1):
                mismatched.append(
                    f"{suppliers[i]}: networkx {t}, exposure {exposure_tier.get(suppliers[i])}"
                )
            done += 1
        info.update(
            done=done,
            total=len(suppliers),
            sampled=done < len(suppliers),
            sample_seconds=timed,
            projected_seconds=timed / max(done, 1) * len(suppliers),
        )
    emit(
        event="check",
        check=(
            f"tiers: BFS per supplier = exposure tier ({'all' if done == len(suppliers) else 'sample of'} "
            f"{done} of {len(suppliers)} suppliers)"
        ),
        compared=done,
        mismatches=len(mismatched),
        ok=not mismatched,
        examples=mismatched[:5],
    )


def end_to_end(args: argparse.Namespace) -> None:
    """The 10 s target's stages only: Parquet load, graph without fuzzy matching, analysis.

    For ``bench.compare``, which runs it for two commits in turn.
    """
    _target_stages(args)


def ranking(args: argparse.Namespace) -> None:
    """The 10 s target's stages, then the ranking of every supplier as ``exposure report`` prints it.

    For ``bench.compare --what ranking``: the table of every supplier in full, text included.
    """
    from exposure.render.text import format_report

    result = _target_stages(args)[3]
    with stage("ranking report: full") as info:
        lines = list(result.iter_ranking())
        text = format_report(lines, "table", as_of=str(args.as_of), detailed=False)
        info.update(suppliers=len(lines), bytes=len(text.encode("utf-8")))


PIPELINES = {
    "end-to-end": end_to_end,
    "ranking": ranking,
    "exposure-csv": exposure_csv,
    "exposure-parquet": exposure_parquet,
    "exposure-cache-store": exposure_cache_store,
    "exposure-cached": exposure_cached,
    "networkx": networkx_baseline,
    "igraph": igraph_baseline,
}


def main(argv: list[str] | None = None) -> None:
    """Run one pipeline."""
    parser = argparse.ArgumentParser(description="One benchmark pipeline (see bench.run).")
    parser.add_argument("pipeline", choices=sorted(PIPELINES))
    parser.add_argument("--data", type=Path, required=True, help="a bench/out/<size> folder")
    parser.add_argument("--as-of", default=AS_OF)
    parser.add_argument("--report-timeout", type=float, default=900.0)
    parser.add_argument("--report-sample", type=int, default=50)
    parser.add_argument("--baseline-limit", type=float, default=300.0)
    args = parser.parse_args(argv)
    PIPELINES[args.pipeline](args)


if __name__ == "__main__":
    main()
