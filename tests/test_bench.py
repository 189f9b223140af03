"""The benchmark (`bench/`) at a tiny size: its graphs are what it says, and its checks hold.

The benchmark is how README.md's performance figures are reproduced; these tests time nothing
(targets live in the benchmark), they make sure `make bench` still runs, still compares with
networkx, a bare BFS and SciPy's solver, and still fails when a comparison fails.
"""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest

from bench import generate, run

SIZE = 2_000


@pytest.fixture(scope="module")
def tables() -> dict:
    return generate.generate(generate.Params(entities=SIZE))


def test_generated_graph_has_what_the_issue_asks_of_it(tables: dict) -> None:
    suppliers = tables["suppliers"].to_pandas()
    listed = tables["listed"].to_pandas()
    share = suppliers["revenue_share"]
    # Shares summing to at most 1 per supplier, some of them unknown.
    assert share.isna().mean() == pytest.approx(0.2, abs=0.03)
    assert share.groupby(suppliers["supplier"]).sum().max() <= 1.0
    # About 0.5% of the entities listed, about 10 rows each, heavy-tailed degrees.
    assert len(set(listed["name"])) == pytest.approx(0.005 * SIZE, rel=0.3)
    assert len(suppliers) / SIZE == pytest.approx(10, rel=0.1)
    degree = suppliers.groupby("supplier").size()
    assert degree.max() > 5 * degree.median()
    # Cycles present: some companies both sell to and, round a cycle, buy from each other.
    graph = nx.from_pandas_edgelist(suppliers, "supplier", "customer", create_using=nx.DiGraph)
    assert max(len(c) for c in nx.strongly_connected_components(graph)) > 1


def test_the_saturated_graph_lets_nearly_every_supplier_reach_nearly_every_listed_entity(
    tmp_path: Path,
) -> None:
    import numpy as np

    import exposure
    from exposure.analysis import listed_reached_counts

    def reached(kind: str) -> float:
        """The share of the listed entities in force that 95% of the suppliers reach."""
        params = generate.Params(entities=SIZE, **generate.KINDS[kind])  # type: ignore[arg-type]
        generate.write(generate.generate(params), tmp_path / kind)
        data = exposure.load(tmp_path / kind / "parquet")
        result = exposure.analyze(exposure.build_graph(data, fuzzy=False), as_of=generate.AS_OF)
        counts, _ = listed_reached_counts(result.sales.adjacency, result.listed, 0)
        return float(np.percentile(counts[result.graph.supplier_codes], 5) / result.listed.sum())

    assert reached("saturated") > 0.9
    # In the standard graph most suppliers reach most listed entities too, but not nearly all.
    assert reached("standard") < 0.5


def test_benchmark_agrees_with_networkx_a_bare_bfs_and_scipys_solver(tmp_path: Path) -> None:
    status = run.main(
        [
            "--sizes", "2k", "--out", str(tmp_path), "--report-timeout", "30",
            "--baseline-limit", "30", "--skip", "csv,cache",
        ]
    )  # fmt: skip
    assert status == 0
    payload = json.loads((tmp_path / "results.json").read_text())
    (result,) = payload["results"]
    checks = [e for events in result["pipelines"].values() for e in events if e["event"] == "check"]
    named = {c["check"].split(":")[0] for c in checks}
    assert {
        "exposed set",
        "tiers",
        "bare BFS reach = exposure exposed set (unlisted nodes)",
    } <= named
    assert any(c["check"].startswith("revenue at risk = SciPy bicgstab") for c in checks)
    assert all(c["ok"] for c in checks if c.get("severity") != "warning")
    derived = result["derived"]
    for ratio in ("tier_over_bfs", "lower_bound_over_bfs", "revenue_over_solver"):
        assert derived[ratio] > 0
    text = (tmp_path / "results.md").read_text()
    assert "| all checks agree | yes |" in text
    assert "revenue at risk alone / SciPy `bicgstab` on the same system" in text


def test_benchmark_exits_with_1_when_a_check_failed(tmp_path: Path) -> None:
    folder = run.size_dir(SIZE, tmp_path)
    folder.mkdir(parents=True)
    check = {"event": "check", "check": "exposed set", "compared": 3, "mismatches": 1}
    stored = {
        "environment": run.environment(),
        "result": {
            "size": "2k",
            "entities": SIZE,
            "meta": {"rows": 3},
            "exposure_source": "",
            "pipelines": {"exposure-parquet": [{**check, "ok": False, "examples": ["A"]}]},
        },
    }
    (folder / "result.json").write_text(json.dumps(stored))
    assert run.main(["--sizes", "2k", "--out", str(tmp_path), "--render-only"]) == 1
    assert "**FAILED** (1 mismatches" in (tmp_path / "results.md").read_text()
    stored["result"]["pipelines"]["exposure-parquet"][0]["ok"] = True
    (folder / "result.json").write_text(json.dumps(stored))
    assert run.main(["--sizes", "2k", "--out", str(tmp_path), "--render-only"]) == 0
