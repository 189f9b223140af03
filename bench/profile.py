"""Profile exposure's stages: where time and memory go, by line of ``exposure/``.

Usage (py-spy and memray are profiling tools, not project dependencies)::

    .venv/bin/pip install py-spy memray
    .venv/bin/python -m bench.profile --size 100k            # time (py-spy) and memory (memray)
    .venv/bin/python -m bench.profile --size 1m --what time

The stages are those of ``bench.stages``'s Parquet pipeline: ``load`` (``exposure.load``),
``build`` (``exposure.build_graph(fuzzy=False)``, as the 10 s target; ``--fuzzy`` for the
fuzzy matcher), ``analysis`` (``analyze`` + ``tier``, ``revenue_at_risk``,
``lower_bound``) and ``report`` (``RecordMaker.record`` + ``json_report_chunks`` for a sample of
suppliers, what ``iter_records()`` does per supplier).

* **Time**: py-spy samples the process (100 Hz, wall clock, idle samples included: the main
  thread waiting on Arrow's decoding threads or on a join is time the stage takes). Each
  sample is charged to the deepest frame in ``exposure/`` (so a line's figure includes the
  pandas/numpy work it calls) and, separately, to its leaf frame (the library function
  actually running).
* **Memory**: each stage runs inside its own ``memray.Tracker``; the report lists the
  allocations alive at the stage's high-water mark (memory the stage added on top of what
  earlier stages kept), charged to the deepest ``exposure/`` frame.

Writes ``bench/out/<size>/profile/`` (raw py-spy stacks, memray captures) and prints Markdown,
also saved as ``bench/out/profile-<size>.md``. Line numbers refer to the ``exposure/`` files
whose SHA-1 prefixes head the report.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from bench.generate import AS_OF, OUT, parse_size, size_dir, size_label
from bench.run import snapshot_exposure

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("load", "build", "analysis", "report")


# -- the profiled program ---------------------------------------------------------------------


def stage_load(data: Path) -> Any:
    """``exposure.load`` on the Parquet files."""
    import exposure

    return exposure.load(
        listed=data / "parquet" / "listed.parquet",
        suppliers=data / "parquet" / "suppliers.parquet",
    )


def stage_build(dataset: Any, fuzzy: bool) -> Any:
    """``exposure.build_graph``, with or without fuzzy matching (the 10 s target is without)."""
    import exposure

    return exposure.build_graph(dataset, fuzzy=fuzzy)


def stage_analysis(graph: Any, as_of: str) -> Any:
    """``exposure.analyze`` and the three whole-graph arrays."""
    import exposure

    result = exposure.analyze(graph, as_of=as_of)
    _ = result.tier, result.revenue_at_risk, result.lower_bound
    return result


def stage_report(result: Any, sample: int) -> int:
    """The JSON report of a sample of suppliers, as ``iter_records()`` builds each one."""
    import numpy as np

    from exposure.render.text import json_report_chunks

    codes = np.asarray(result.ranked_codes())
    result.record_maker.reached_listed_counts()  # what iter_records() does first for everyone
    chosen = np.random.default_rng(6).choice(codes, size=min(sample, len(codes)), replace=False)
    records = [result.record_maker.record(int(c), keep=False) for c in chosen]
    return sum(len(chunk) for chunk in json_report_chunks(records))


def child(args: argparse.Namespace) -> None:
    """Run the stages, each under a memray Tracker when ``--memray DIR`` is given."""
    import contextlib

    timings: dict[str, float] = {}

    def tracked(name: str) -> Any:
        if not args.memray:
            return contextlib.nullcontext()
        import memray

        path = Path(args.memray) / f"{name}.bin"
        path.unlink(missing_ok=True)
        return memray.Tracker(path, file_format=memray.FileFormat.AGGREGATED_ALLOCATIONS)

    import exposure  # noqa: F401  (imported before timing, as in bench.stages)

    started = time.perf_counter()
    with tracked("load"):
        dataset = stage_load(args.data)
    timings["load"] = time.perf_counter() - started
    started = time.perf_counter()
    with tracked("build"):
        graph = stage_build(dataset, args.fuzzy)
    timings["build"] = time.perf_counter() - started
    started = time.perf_counter()
    with tracked("analysis"):
        result = stage_analysis(graph, args.as_of)
    timings["analysis"] = time.perf_counter() - started
    if args.report_sample > 0:
        started = time.perf_counter()
        with tracked("report"):
            stage_report(result, args.report_sample)
        timings["report"] = time.perf_counter() - started
    print(json.dumps(timings), flush=True)


# -- reading the profiles ---------------------------------------------------------------------

_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*):(?P<line>\d+)\)$")


def _is_exposure(path: str) -> bool:
    return "/exposure/" in path.replace("\\", "/") or path.startswith("exposure/")


def _short(path: str) -> str:
    path = path.replace("\\", "/")
    if path.startswith("exposure/"):
        return path
    for marker in ("/exposure/", "site-packages/"):
        if marker in path:
            tail = path.split(marker, 1)[1]
            return ("exposure/" + tail) if marker == "/exposure/" else tail
    return path.rsplit("/", 1)[-1]


def read_pyspy(raw: Path, rate: float) -> dict[str, Any]:
    """Aggregate py-spy's raw (collapsed) stacks per stage."""
    by_line: dict[str, Counter[str]] = defaultdict(Counter)
    by_leaf: dict[str, Counter[str]] = defaultdict(Counter)
    by_function: dict[str, Counter[str]] = defaultdict(Counter)
    totals: Counter[str] = Counter()
    for text in raw.read_text().splitlines():
        stack, _, count_text = text.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        frames = stack.split(";")
        stage = next((s for s in STAGES if any(f.startswith(f"stage_{s} ") for f in frames)), None)
        if stage is None:
            continue
        totals[stage] += count
        parsed = [_FRAME.match(f) for f in frames]
        mine = [m for m in parsed if m and _is_exposure(m["file"])]
        if mine:
            deepest = mine[-1]
            by_line[stage][f"{_short(deepest['file'])}:{deepest['line']} {deepest['func']}"] += (
                count
            )
            for name in dict.fromkeys(f"{_short(m['file'])}:{m['func']}" for m in mine):
                by_function[stage][name] += count
        leaf = parsed[-1]
        if leaf:
            by_leaf[stage][f"{leaf['func']} ({_short(leaf['file'])})"] += count
    return {
        "seconds_per_sample": 1 / rate,
        "totals": dict(totals),
        "by_line": {s: c.most_common(15) for s, c in by_line.items()},
        "by_function": {s: c.most_common(15) for s, c in by_function.items()},
        "by_leaf": {s: c.most_common(10) for s, c in by_leaf.items()},
    }


def read_memray(folder: Path) -> dict[str, Any]:
    """Allocations alive at each stage's high-water mark, by deepest ``exposure/`` line."""
    import memray

    out: dict[str, Any] = {}
    for stage in STAGES:
        path = folder / f"{stage}.bin"
        if not path.exists():
            continue
        reader = memray.FileReader(path)
        by_line: Counter[str] = Counter()
        total = 0
        for record in reader.get_high_watermark_allocation_records(merge_threads=True):
            total += record.size
            frames = record.stack_trace()  # innermost first
            mine = next(((f, p, n) for f, p, n in frames if _is_exposure(p)), None)
            if mine:
                key = f"{_short(mine[1])}:{mine[2]} {mine[0]}"
            elif frames:
                key = f"(outside exposure) {frames[0][0]} ({_short(frames[0][1])})"
            else:
                key = "(no Python frame)"
            by_line[key] += record.size
        out[stage] = {
            "peak_bytes": reader.metadata.peak_memory,
            "at_peak_bytes": total,
            "by_line": by_line.most_common(12),
        }
        reader.close()
    return out


def _hashes(source: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha1(p.read_bytes()).hexdigest()[:10]
        for p in sorted((source / "exposure").glob("*.py"))
    }


def _code(source: Path, key: str) -> str:
    """The source text of ``exposure/file.py:LINE function`` in the snapshot."""
    where = key.split(" ", 1)[0]
    if not where.startswith("exposure/") or ":" not in where:
        return ""
    file_name, _, line = where.rpartition(":")
    try:
        text = (source / file_name).read_text().splitlines()[int(line) - 1].strip()
    except (OSError, IndexError, ValueError):
        return ""
    return text if len(text) <= 90 else text[:87] + "..."


def markdown(
    size: str, timings: dict[str, float], spy: dict[str, Any] | None, mem: Any, source: Path
) -> str:
    """The profile as Markdown."""
    lines = [f"## Profile, {size}", ""]
    lines.append(
        "exposure files (SHA-1 prefixes): "
        + ", ".join(f"{k} {v}" for k, v in _hashes(source).items())
    )
    lines.append("")
    lines.append(
        "Stage wall times in the profiled run (profilers add overhead): "
        + ", ".join(f"{k} {v:.2f} s" for k, v in timings.items())
    )
    if spy:
        per = spy["seconds_per_sample"]
        for stage in STAGES:
            if stage not in spy["totals"]:
                continue
            total = spy["totals"][stage]
            lines += ["", f"### {stage}: {total * per:.1f} s sampled", ""]
            lines += [
                "| exposure line (incl. what it calls) | code | s | % |",
                "|---|---|---:|---:|",
            ]
            for key, count in spy["by_line"].get(stage, []):
                code = _code(source, key).replace("|", "\\|")
                lines.append(
                    f"| `{key}` | `{code}` | {count * per:.2f} | {100 * count / total:.0f}% |"
                )
            lines += ["", "| exposure function (inclusive) | s | % |", "|---|---:|---:|"]
            for key, count in spy["by_function"].get(stage, [])[:8]:
                lines.append(f"| `{key}` | {count * per:.2f} | {100 * count / total:.0f}% |")
            lines += ["", "| running (leaf frame) | s | % |", "|---|---:|---:|"]
            for key, count in spy["by_leaf"].get(stage, []):
                lines.append(f"| `{key}` | {count * per:.2f} | {100 * count / total:.0f}% |")
    if mem:
        lines += ["", "### Memory: allocations alive at each stage's high-water mark", ""]
        for stage, figures in mem.items():
            lines += [
                "",
                f"**{stage}**: peak {figures['peak_bytes'] / 2**20:.0f} MiB added by the stage",
                "",
                "| exposure line | code | MiB at peak |",
                "|---|---|---:|",
            ]
            for key, size_bytes in figures["by_line"]:
                code = _code(source, key).replace("|", "\\|")
                lines.append(f"| `{key}` | `{code}` | {size_bytes / 2**20:.0f} |")
    return "\n".join(lines) + "\n"


def _run(command: list[str], source: Path) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        command, cwd=source, env=environ, capture_output=True, text=True, check=False
    )
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"profiled run failed (exit status {done.returncode})")
    return done


def _timings(stdout: str) -> dict[str, float]:
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else {}


def main(argv: list[str] | None = None) -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description="Profile exposure's stages (py-spy, memray).")
    parser.add_argument("--size", default="100k")
    parser.add_argument("--what", default="time,memory", help="time, memory or both")
    parser.add_argument("--as-of", default=AS_OF)
    parser.add_argument("--report-sample", type=int, default=20)
    parser.add_argument(
        "--fuzzy", action="store_true", help="profile build_graph() with fuzzy matching"
    )
    parser.add_argument("--rate", type=float, default=100.0, help="py-spy samples per second")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="only summarise the profiles of the last run again (same snapshot)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--memray", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args)
        return
    n = parse_size(args.size)
    label = size_label(n)
    subprocess.run(
        [sys.executable, "-m", "bench.generate", "--sizes", label, "--out", str(args.out)],
        cwd=ROOT,
        check=True,
    )
    data = size_dir(n, args.out)
    folder = data / "profile"
    folder.mkdir(parents=True, exist_ok=True)
    # Profile a frozen copy of the package (others edit it meanwhile), so that the line
    # numbers below refer to the copy in bench/out/<size>/profile/src/exposure/.
    source = folder / "src"
    if args.reuse:
        stored = json.loads((folder / "profile.json").read_text())
        timings: dict[str, float] = stored["timings"]
        spy = read_pyspy(folder / "pyspy.txt", args.rate) if stored["time"] else None
        mem = read_memray(folder) if stored["memory"] else None
        print(markdown(label, timings, spy, mem, source))
        return
    snapshot_exposure(source)
    base = [
        sys.executable, "-m", "bench.profile", "--child", "--data", str(data),
        "--as-of", args.as_of, "--report-sample", str(args.report_sample),
        *(["--fuzzy"] if args.fuzzy else []),
    ]  # fmt: skip
    what = {w.strip() for w in args.what.split(",")}
    timings = {}
    spy = mem = None
    if "time" in what:
        raw = folder / "pyspy.txt"
        spy_bin = Path(sys.executable).with_name("py-spy")
        done = _run(
            [str(spy_bin), "record", "--format", "raw", "--rate", str(int(args.rate)), "--idle",
             "--output", str(raw), "--", *base],
            source,
        )  # fmt: skip
        timings = _timings(done.stdout)
        spy = read_pyspy(raw, args.rate)
    if "memory" in what:
        done = _run([*base, "--memray", str(folder.resolve())], source)
        timings = timings or _timings(done.stdout)
        mem = read_memray(folder)
    text = markdown(label, timings, spy, mem, source)
    (args.out / f"profile-{label}.md").write_text(text)
    (folder / "profile.json").write_text(
        json.dumps({"timings": timings, "time": spy, "memory": mem}, indent=2)
    )
    print(text)


if __name__ == "__main__":
    main()
