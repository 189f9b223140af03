"""The full JSON report, written record by record.

The streamed text must be the text the command wrote before it was streamed
(``json.dumps(result.records(), indent=2, ensure_ascii=False)``: the same layout, strings and
values; orjson may spell a number otherwise, and writes NaN as null), the records must not change
with the whole-graph shortcuts that make them cheap, and a file must still be written all at
once (nothing half-written after an error or Ctrl-C).
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy import sparse

import exposure
from exposure import analysis
from exposure.analysis import listed_reached_counts
from exposure.cli import cli
from exposure.graph import SupplyGraph
from exposure.records import NameMatch, RecordMaker, SupplierRecord
from exposure.render.text import JsonHops, format_report, json_report_bytes, json_report_chunks
from exposure.util.atomic import open_atomic
from tests.conftest import MakeData, listing, sale


def whole_text(records: list[Any]) -> str:
    """The JSON report as the command wrote it before it was streamed (the standard library's)."""
    return json.dumps(_finite(records), indent=2, ensure_ascii=False) + "\n"


#: A JSON number, as either encoder spells it (``1e-05`` or ``0.00001``).
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def assert_same_report(text: str, records: list[Any]) -> None:
    """``text`` is the JSON list of ``records`` as ``json.dumps(..., indent=2)`` lays it out.

    The same lines, strings and values; a number may be spelled otherwise, and NaN (no JSON
    number) is ``null``. Strict JSON: ``NaN`` or ``Infinity`` in the text fails.
    """
    expected = whole_text(records)
    assert NUMBER.sub("0", text) == NUMBER.sub("0", expected)

    def no_constant(name: str) -> None:
        raise AssertionError(f"{name} is not JSON")

    assert json.loads(text, parse_constant=no_constant) == json.loads(expected)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def tangled(make_data: MakeData) -> Path:
    return write_tangled(make_data)


def write_tangled(make_data: MakeData) -> Path:
    """Write a small random graph with what records must get right.

    Cycles, sales of two products (one share known, one not), unknown shares, listed
    entities that sell on (to listed ones too), names in other scripts and with quotes, a
    possible match.
    """
    rng = np.random.default_rng(11)
    names = [f"Firm{i} {word}" for i, word in enumerate(["Ωmega", "Ünïon", '"Quoted"'] * 10)]
    listed = {3, 7, 12, 20, 26}
    sales = []
    for supplier in range(len(names)):
        drawn = rng.choice(len(names), size=int(rng.integers(1, 5)), replace=False)
        customers = [int(c) for c in drawn if c != supplier]
        budget = 0.9
        for customer in customers:
            share = round(float(rng.uniform(0, budget / len(customers))), 4)
            known = rng.random() < 0.75
            sales.append(sale(names[supplier], names[customer], share if known else None))
            if rng.random() < 0.2:  # a second product on the same sale, its share unknown
                sales.append(sale(names[supplier], names[customer], None, product="boards"))
    # Listed names misspelt (matched fuzzily), once beside the exact spelling on one sale.
    sales += [
        sale(names[0], "Firm3 Omegaa", 0.01, product="spares"),
        sale(names[1], "Firm7 Unïonn", None, product="spares"),
        sale(names[5], "Firm3 Ωmega", 0.02, product="kits"),
        sale(names[5], "Firm3 Omegga", None, product="spares"),
        # A possible match only: its paths need review.
        sale(names[9], "Firm20 Quoted Trading", 0.05, product="kits"),
        sale("Firm20 Quoted Trading", names[4], 0.1, product="kits"),
    ]
    listings = [listing(names[i], source=f"listing of {names[i]} « source »") for i in listed]
    return make_data(listings, sales)


# -- the text --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "records",
    [
        [],
        [{}],
        [[]],
        [{"a": 'line\nbreak \u2028 "quoted" ü', "b": [], "c": {}, "d": [1.5, None, True]}],
        [{"nested": {"deeper": [{"x": [1, [2, {}]]}]}}, {"n": 0}, "text", 3, None],
        [{"nan": float("nan"), "big": 1e300, "small": 1e-12, "neg": -0.0, "inf": float("inf")}],
        [{"weight": 1.2e-05, "share": 0.17, "tiny": 5e-324, "digits": 0.1 + 0.2}],
    ],
)
def test_the_pieces_join_to_the_text_of_the_whole_list(records: list[Any]) -> None:
    assert_same_report("".join(json_report_chunks(records)), records)


def test_the_pieces_come_before_the_records_run_out() -> None:
    def records() -> Any:
        yield {"supplier": "first"}
        raise RuntimeError("not computed yet")

    chunks = json_report_chunks(records())
    assert next(chunks) == '[\n  {\n    "supplier": "first"\n  }'
    with pytest.raises(RuntimeError, match="not computed yet"):
        next(chunks)


@pytest.mark.parametrize("as_of", ["2019-10-09", "2019-06-01", "2025-10-01"])
def test_the_command_streams_the_text_it_wrote_whole_on_the_bundled_data(
    as_of: str, tmp_path: Path
) -> None:
    records = exposure.analyze(exposure.load(), as_of=as_of).records()
    shown = invoke("report", "--format", "json", "--as-of", as_of)
    assert shown.exit_code == 0, shown.output
    assert_same_report(shown.stdout, records)
    target = tmp_path / "report.json"
    written = invoke("report", "--format", "json", "--as-of", as_of, "-o", str(target))
    assert written.exit_code == 0, written.output
    assert written.stderr == f"Wrote {target}\n"
    assert target.read_bytes() == shown.stdout.encode("utf-8")
    assert leftovers(tmp_path) == ["report.json"]


@pytest.mark.parametrize(
    "options",
    [[], ["--max-tier", "0"], ["--max-tier", "2", "--min-weight", "0"], ["--no-fuzzy"]],
)
def test_the_command_streams_the_text_it_wrote_whole_on_a_tangled_graph(
    tangled: Path, options: list[str], tmp_path: Path
) -> None:
    as_of = "2020-01-01"
    analysis_options: dict[str, Any] = {
        "max_tier": int(options[1]) if options[:1] == ["--max-tier"] else 4,
        "min_weight": float(options[3]) if len(options) > 3 else 0.001,
        "fuzzy": "--no-fuzzy" not in options,
    }
    result = exposure.analyze(exposure.load(tangled), as_of=as_of, **analysis_options)
    records = result.records()
    assert '"paths": [\n' in whole_text(
        records
    )  # some supplier is exposed: the test shows something
    args = ["report", "--data", str(tangled), "--format", "json", "--as-of", as_of, *options]
    shown = invoke(*args).stdout
    assert_same_report(shown, records)
    target = tmp_path / "out" / "report.json"
    assert invoke(*args, "-o", str(target)).exit_code == 0
    assert target.read_text(encoding="utf-8") == shown


@pytest.mark.parametrize("kept", [1, 3, 10**6])
def test_hops_written_once_for_many_paths_are_each_path_s_hops(
    tangled: Path, monkeypatch: pytest.MonkeyPatch, kept: int
) -> None:
    # The JSON report writes the text of a sale on many paths once, and keeps only so many:
    # whatever it keeps, each path's hops are written as its own would be.
    monkeypatch.setattr(JsonHops, "KEPT", kept)
    monkeypatch.setattr("exposure.records.RECORDED_AT_ONCE", 3)
    monkeypatch.setattr("exposure.records.HOPS_KEPT", 2)
    result = exposure.analyze(exposure.load(tangled), as_of="2020-01-01")
    records = result.records()
    shared = list(result.iter_records(hops_as=JsonHops()))
    assert "".join(json_report_chunks(shared)) == "".join(json_report_chunks(records))
    assert b"".join(json_report_bytes(shared)).decode("utf-8") == "".join(
        json_report_chunks(records)
    )
    assert_same_report("".join(json_report_chunks(shared)), records)


@pytest.mark.parametrize("suppliers", [[], ["Intel", "Ambarella"]])
def test_the_csv_report_is_streamed_as_the_text_it_was_written_whole(
    tangled: Path, tmp_path: Path, suppliers: list[str]
) -> None:
    for folder, as_of in ((None, "2019-10-09"), (tangled, "2020-01-01")):
        data = exposure.load(folder)
        names = suppliers if folder is None else []
        expected = format_report(
            exposure.analyze(data, as_of=as_of).records(names or None), "csv", as_of=as_of,
            detailed=bool(names),
        )  # fmt: skip
        assert expected.count("\n") > 3  # rows with paths: the test shows something
        data_args = [] if folder is None else ["--data", str(folder)]
        chosen = [a for name in names for a in ("--supplier", name)]
        args = ["report", *data_args, *chosen, "--format", "csv", "--as-of", as_of]
        shown = invoke(*args)
        assert shown.exit_code == 0, shown.output
        assert shown.stdout == expected
        target = tmp_path / "report.csv"
        assert invoke(*args, "-o", str(target)).exit_code == 0
        assert target.read_bytes() == expected.encode("utf-8")


def test_named_suppliers_are_streamed_in_the_order_named() -> None:
    result = exposure.analyze(exposure.load(), as_of="2019-10-09")
    shown = invoke(
        "report", "--format", "json", "--as-of", "2019-10-09", "--supplier", "Intel",
        "--supplier", "Ambarella",
    )  # fmt: skip
    assert_same_report(shown.stdout, result.records(["Intel", "Ambarella"]))


# -- the records -----------------------------------------------------------------------------


def test_iter_records_yields_the_records_a_chunk_at_a_time(
    tangled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = exposure.load(tangled)
    expected = exposure.analyze(data, as_of="2020-01-01").records()
    monkeypatch.setattr("exposure.records.RECORDED_AT_ONCE", 2)
    result = exposure.analyze(data, as_of="2020-01-01")
    searched: list[list[int]] = []
    chunk_paths = RecordMaker._chunk_paths

    def counted(self: RecordMaker, chunk: np.ndarray) -> Any:
        searched.append(chunk.tolist())
        return chunk_paths(self, chunk)

    monkeypatch.setattr(RecordMaker, "_chunk_paths", counted)
    records = result.iter_records()
    assert searched == []  # nothing computed before it is asked for
    assert next(records) == expected[0]
    assert [len(chunk) for chunk in searched] == [2]  # the first chunk's paths only
    assert [expected[0], *records] == expected
    assert len(searched) == math.ceil(len(expected) / 2)
    # No supplier's paths stay behind once its record is written.
    assert result.record_maker.kept_paths == 0


def test_an_unknown_name_fails_before_any_record() -> None:
    result = exposure.analyze(exposure.load(), as_of="2019-10-09")
    with pytest.raises(exposure.ExposureError, match="Did you mean 'Ambarella'"):
        result.iter_records(["Intel", "Ambarela"])


@pytest.mark.parametrize(("chunk", "paths_at_once"), [(3, 1), (3, 4), (1000, 65_536)])
def test_records_of_every_supplier_equal_those_asked_for_one_by_one(
    tangled: Path, monkeypatch: pytest.MonkeyPatch, chunk: int, paths_at_once: int
) -> None:
    # All the suppliers of a large graph count the listed buyers reached over the whole graph
    # (this small one is taken for large); named suppliers search from each: both must give
    # the same records.
    monkeypatch.setattr("exposure.records.COUNTED_AT_ONCE_FROM", 0)
    monkeypatch.setattr("exposure.records.RECORDED_AT_ONCE", chunk)  # searched side by side
    monkeypatch.setattr("exposure.records.HOPS_KEPT", chunk)  # hops kept from chunk to chunk
    # Paths made into records so many at a time: fewer than a supplier's, or a few suppliers'.
    monkeypatch.setattr("exposure.records.PATHS_AT_ONCE", paths_at_once)
    data = exposure.load(tangled)
    for options in ({}, {"min_weight": 0.05}, {"max_tier": 0}, {"max_tier": 1, "min_weight": 0.0}):
        every = exposure.analyze(data, as_of="2020-01-01", **options)
        records = list(every.iter_records())
        assert every.record_maker.counted_at_once
        named = exposure.analyze(data, as_of="2020-01-01", **options)
        assert named.records([r["supplier"] for r in records]) == records
        assert not named.record_maker.counted_at_once
        if options.get("max_tier") != 1:
            assert sum(bool(r["possible_paths"]) for r in records) > 1


def test_each_record_has_hops_of_its_own(tangled: Path) -> None:
    # A sale on many suppliers' paths is made into a hop once per chunk of records: changing
    # one record must leave the others as they were.
    records = list(exposure.analyze(exposure.load(tangled), as_of="2020-01-01").iter_records())
    sales = [
        (hop["supplier"], hop["customer"])
        for record in records
        for path in record["paths"]
        for hop in path["hops"]
    ]
    assert len(set(sales)) < len(sales)  # some sale is on more than one path
    before = copy.deepcopy(records)
    for path in records[0]["paths"]:
        for hop in path["hops"]:
            hop["products"].append("changed")
            hop["sources"].clear()
            hop["supplier"] = "changed"
    assert records[0] != before[0]
    assert records[1:] == before[1:]


def code_of(graph: SupplyGraph, name: str) -> int:
    """The node code of a name the graph carries."""
    code = graph.code(name)
    assert code is not None, name
    return code


def reference_hop(graph: Any, a: int, b: int) -> dict[str, Any]:
    """A hop as records built it sale by sale, from ``SupplyGraph.sale``."""
    rows = graph.sale(a, b)
    shares = rows["revenue_share"]
    known = shares[~np.isnan(shares)]
    return {
        "supplier": graph.names[a],
        "customer": graph.names[b],
        "products": list(dict.fromkeys(rows["product"])),
        "revenue_share": None
        if len(known) < len(shares) and not len(known)
        else float(known.sum()),
        "revenue_share_is_lower_bound": bool(len(known) < len(shares)),
        "share_period": "; ".join(dict.fromkeys(p for p in rows.get("period", []) if p)) or None,
        "sources": list(dict.fromkeys(rows["source"])),
    }


def reference_match(graph: Any, seller: int, buyer: int) -> dict[str, Any] | None:
    rows = graph.sale(seller, buyer)
    if "customer_match" not in rows or not len(rows["customer_match"]):
        return None
    order = {"exact": 0, "confirmed": 1, "fuzzy": 2, "possible": 3, "none": 4}
    least_sure = int(np.argmax([order.get(str(m), 5) for m in rows["customer_match"]]))
    score = rows["customer_match_score"][least_sure]
    matched_as = rows["customer_matched_as"][least_sure]
    explanation = rows["customer_match_explanation"][least_sure]
    return {
        "outcome": str(rows["customer_match"][least_sure]),
        "score": None if pd.isna(score) else round(float(score), 1),
        "spelling": str(rows["customer"][least_sure]),
        "matched_as": None if pd.isna(matched_as) else str(matched_as),
        "explanation": None if pd.isna(explanation) else str(explanation),
    }


@pytest.mark.parametrize("fuzzy", [True, False])
def test_hops_products_and_matches_are_those_of_each_sale(tangled: Path, fuzzy: bool) -> None:
    result = exposure.analyze(exposure.load(tangled), as_of="2020-01-01", max_tier=0, fuzzy=fuzzy)
    graph = result.graph
    hops = 0
    for record in result.iter_records():
        code = code_of(graph, record["supplier"])
        adjacency = graph.adjacency
        customers = adjacency.indices[adjacency.indptr[code] : adjacency.indptr[code + 1]]
        leading = customers[result.listed[customers] | (result.tier[customers] > 0)]
        products = [p for c in leading for p in graph.sale(code, int(c))["product"]]
        assert record["products"] == list(dict.fromkeys(products))
        for path in record["paths"]:
            nodes = [code_of(graph, name) for name in path["path"]]
            expected = [reference_hop(graph, a, b) for a, b in itertools.pairwise(nodes)]
            hops_as_dicts = [cast(dict[str, Any], hop) for hop in path["hops"]]
            assert [{k: hop[k] for k in expected[0]} for hop in hops_as_dicts] == expected
            # Whether the rules reach a sale is said of sales to listed buyers, and only them.
            assert [hop["subject_to_ear"] is not None for hop in path["hops"]] == [
                bool(result.listed[b]) for b in nodes[1:]
            ]
            assert path["match"] == reference_match(graph, nodes[-2], nodes[-1])
            hops += len(expected)
    assert hops > 20


def test_records_that_share_a_last_sale_do_not_share_its_match(make_data: MakeData) -> None:
    # Each sale's match is looked up once for all records: each record still holds its own.
    folder = make_data(
        [listing("Hikvision")],
        [
            sale("Acme", "Broker", 0.5),
            sale("Beta", "Broker", 0.5),
            sale("Broker", "Hikvision", 0.5),
        ],
    )
    records = list(exposure.analyze(exposure.load(folder), as_of="2020-01-01").iter_records())
    matches = [
        p["match"] for r in records for p in r["paths"] if p["path"][-2:] == ["Broker", "Hikvision"]
    ]
    assert len(matches) == 3
    assert all(m is not None for m in matches)
    cast(NameMatch, matches[0])["outcome"] = "changed by the reader"
    assert [cast(NameMatch, m)["outcome"] for m in matches[1:]] == ["exact", "exact"]


def test_a_share_written_minus_zero_is_shown_as_zero(make_data: MakeData) -> None:
    folder = make_data([listing("Hikvision")], [sale("Acme", "Hikvision", "-0")])
    result = exposure.analyze(exposure.load(folder), as_of="2020-01-01")
    hop = result.supplier("Acme")["paths"][0]["hops"][0]
    expected = reference_hop(result.graph, result.code("Acme"), code_of(result.graph, "Hikvision"))
    assert {k: cast(dict[str, Any], hop)[k] for k in expected} == expected
    assert str(hop["revenue_share"]) == "0.0"


# -- listed buyers reached, for every node at once -------------------------------------------


def random_graph(seed: int, n: int = 60) -> tuple[sparse.csr_matrix, np.ndarray]:
    rng = np.random.default_rng(seed)
    edges = rng.integers(0, n, size=(int(rng.integers(n, 4 * n)), 2))
    edges = edges[edges[:, 0] != edges[:, 1]]
    adjacency = sparse.csr_matrix(
        (np.arange(1, len(edges) + 1), (edges[:, 0], edges[:, 1])), shape=(n, n)
    )
    adjacency.sum_duplicates()
    listed = rng.random(n) < 0.2
    return adjacency, listed


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("max_tier", [0, 1, 2, 3, 4])
def test_reach_counts_equal_a_search_from_each_node(seed: int, max_tier: int) -> None:
    adjacency, listed = random_graph(seed)
    expected_counts, expected_deepest = [], []
    for node in range(adjacency.shape[0]):
        reached = analysis.reached_listed(adjacency, listed, node, max_tier)
        nodes, sales = analysis.listed_distances(adjacency, listed, node)
        within = sales[sales <= max_tier] if max_tier else sales
        assert reached.tolist() == nodes[sales <= max_tier if max_tier else sales > 0].tolist()
        expected_counts.append(len(reached))
        expected_deepest.append(int(within.max(initial=0)))
    counts, deepest = listed_reached_counts(adjacency, listed, max_tier)
    assert counts.tolist() == expected_counts
    assert deepest.tolist() == expected_deepest
    # Narrow blocks of listed nodes, as on a graph too large for one: the same figures.
    narrow_counts, narrow_deepest = listed_reached_counts(
        adjacency, listed, max_tier, block_entries=7
    )
    assert narrow_counts.tolist() == expected_counts
    assert narrow_deepest.tolist() == expected_deepest


@pytest.mark.parametrize("max_tier", [0, 3])
def test_reach_counts_over_blocks_of_several_words_and_a_narrower_last_one(max_tier: int) -> None:
    # 160 listed nodes are three 64-bit words; blocks of two words leave a last one of one.
    adjacency, listed = random_graph(7, n=800)
    assert 128 < listed.sum() <= 192
    counts, deepest = listed_reached_counts(adjacency, listed, max_tier)
    onward = int((~listed[adjacency.indices]).sum())  # sales to companies not listed
    entries = 2 * max(adjacency.shape[0], onward)  # two words a block
    assert [
        a.tolist()
        for a in listed_reached_counts(adjacency, listed, max_tier, block_entries=entries)
    ] == [counts.tolist(), deepest.tolist()]
    for node in range(0, 800, 20):  # against a search from each of a sample of nodes
        _, sales = analysis.listed_distances(adjacency, listed, node)
        within = sales[sales <= max_tier] if max_tier else sales
        assert counts[node] == len(analysis.reached_listed(adjacency, listed, node, max_tier))
        assert deepest[node] == int(within.max(initial=0))


def test_reach_counts_without_listed_nodes_or_sales() -> None:
    adjacency, listed = random_graph(0)
    counts, deepest = listed_reached_counts(adjacency, np.zeros_like(listed), 4)
    assert counts.tolist() == deepest.tolist() == [0] * 60
    empty = sparse.csr_matrix((5, 5), dtype=np.int64)
    assert listed_reached_counts(empty, np.ones(5, bool), 0)[0].tolist() == [0] * 5


# -- files written whole ---------------------------------------------------------------------


def interrupt_after(monkeypatch: pytest.MonkeyPatch, records: int, error: BaseException) -> None:
    """Make the report fail once ``records`` records are written."""
    iter_records = exposure.Result.iter_records

    def failing(self: exposure.Result, *args: Any, **options: Any) -> Iterator[SupplierRecord]:
        yield from itertools.islice(iter_records(self, *args, **options), records)
        raise error

    monkeypatch.setattr(exposure.Result, "iter_records", failing)


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_ctrl_c_in_the_middle_of_the_report_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    target = tmp_path / f"report.{fmt}"
    target.write_text("old", encoding="utf-8")
    interrupt_after(monkeypatch, 3, KeyboardInterrupt())
    result = invoke("report", "--format", fmt, "--as-of", "2019-10-09", "-o", str(target))
    assert result.exit_code == 130
    assert "Interrupted; nothing was written." in result.stderr
    assert target.read_text(encoding="utf-8") == "old"
    assert leftovers(tmp_path) == [f"report.{fmt}"]


def test_an_error_in_the_middle_of_the_report_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "new" / "report.json"
    interrupt_after(monkeypatch, 2, exposure.ExposureError("the data changed"))
    result = invoke("report", "--format", "json", "--as-of", "2019-10-09", "-o", str(target))
    assert result.exit_code == 1
    assert result.stderr == "Error: the data changed\n"
    assert leftovers(tmp_path / "new") == []


def test_a_failing_rename_of_the_streamed_report_is_an_error_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def denied(*args: Any) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", denied)
    target = tmp_path / "report.json"
    result = invoke("report", "--format", "json", "-o", str(target))
    assert result.exit_code == 1
    assert (
        result.stderr == f"Error: cannot write {target}: Permission denied. Nothing was written\n"
    )
    assert leftovers(tmp_path) == []


def test_the_streamed_report_does_not_write_over_an_input(make_data: MakeData) -> None:
    folder = make_data([listing("Hikvision")], [sale("Acme", "Hikvision", 0.2)])
    target = folder / "suppliers.csv"
    before = target.read_bytes()
    result = invoke("report", "--data", str(folder), "--format", "csv", "-o", str(target))
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {target} is one of the input files; refusing to write over it. "
        "Choose another output name\n"
    )
    assert target.read_bytes() == before
    assert leftovers(folder) == ["listed.csv", "suppliers.csv"]


def test_ctrl_c_while_the_report_goes_to_the_terminal_says_it_is_incomplete(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    interrupt_after(monkeypatch, 2, KeyboardInterrupt())
    result = invoke("report", "--format", "json", "--as-of", "2019-10-09")
    assert result.exit_code == 130
    assert result.stdout.startswith('[\n  {\n    "supplier": "NeoPhotonics"')
    assert "Interrupted; the report above is incomplete." in result.stderr
    assert "nothing was written" not in result.stderr


def test_open_atomic_keeps_the_old_file_until_the_block_ends(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o600)

    def half_then_fail() -> None:
        with open_atomic(target) as handle:
            handle.write("half")
            raise ValueError("stop")

    with pytest.raises(ValueError, match="stop"):
        half_then_fail()
    assert target.read_text(encoding="utf-8") == "old"
    assert leftovers(tmp_path) == ["report.json"]
    with open_atomic(target) as handle:
        handle.write("new\nline ü")
        assert target.read_text(encoding="utf-8") == "old"
    assert target.read_bytes() == "new\nline ü".encode()  # "\n" as written, UTF-8
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert leftovers(tmp_path) == ["report.json"]


def test_open_atomic_turns_a_full_disk_into_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_space(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    target = tmp_path / "report.json"
    with (
        pytest.raises(
            exposure.ExposureError, match=r"No space left on device\. Nothing was written"
        ),
        open_atomic(target) as handle,
    ):
        handle.write("[]")
    assert leftovers(tmp_path) == []


def test_a_count_past_64_bits_and_numpy_numbers_are_written_as_json() -> None:
    """orjson writes 64-bit integers at most: a count of routes round cycles can pass that."""
    hop = {"supplier": "A", "customer": "C"}
    records: list[dict[str, Any]] = [
        {
            "supplier": "A",
            "summary": {"routes_not_shown": 2**70 + 1, "weight": float("nan")},
            "paths": [{"hops": JsonHops()([hop])}],  # written already, as the report writes it
        },
        {"supplier": "B", "tier": np.int64(2), "share": np.float64(0.25), "flag": np.bool_(True)},
    ]
    text = "".join(json_report_chunks(records))
    assert_same_report(
        text,
        [
            {
                "supplier": "A",
                "summary": {"routes_not_shown": 2**70 + 1, "weight": None},
                "paths": [{"hops": [hop]}],
            },
            {"supplier": "B", "tier": 2, "share": 0.25, "flag": True},
        ],
    )
    assert '"routes_not_shown": 1180591620717411303425' in text


def test_the_ranking_is_laid_out_as_the_tabulate_library_does_a_block_at_a_time() -> None:
    from tabulate import tabulate

    from exposure.render import text

    lines: list[dict[str, Any]] = [
        {
            "supplier": f"Supplier {i}" + " Holdings" * (i % 3),
            "exposed": i % 2 == 0,
            "tier": 1 + i % 4 if i % 2 == 0 else None,
            "listed_buyers": [f"Listed {j}" for j in range(i % 5)] if i % 2 == 0 else [],
            "revenue_at_risk": 0.5 / (1 + i) if i % 2 == 0 else 0.0,
            "revenue_at_risk_is_lower_bound": i % 4 == 0,
            "share_basis": "disclosed" if i % 2 == 0 else "",
            "assumptions": [],
        }
        for i in range(2 * text._LINES_A_BLOCK + 5)
    ]
    pieces = list(text.ranking_chunks(iter(lines), as_of="2019-10-09"))
    assert len(pieces) > 3  # the table in blocks, not one text
    table = "".join(pieces).split("\n\n")[1]
    rows = [
        [
            r["supplier"],
            "yes" if r["exposed"] else "no",
            r["tier"] or "",
            text._first_names(r["listed_buyers"], None),
            text._share(r),
            r["share_basis"],
        ]
        for r in lines
    ]
    headers = ["Supplier", "Exposed", "Tier", "Listed buyers", "Revenue at risk", "Basis"]
    align = ["left", "left", "right", "left", "left", "left"]
    expected = tabulate(
        rows, headers=headers, tablefmt="simple", disable_numparse=True, colalign=align
    )
    assert table == expected


def test_ctrl_c_while_the_ranking_is_computed_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    line = RecordMaker._line
    made: list[int] = []

    def failing(self: RecordMaker, code: int, *args: Any) -> Any:
        if len(made) == 3:
            raise KeyboardInterrupt
        made.append(code)
        return line(self, code, *args)

    monkeypatch.setattr(RecordMaker, "_line", failing)
    target = tmp_path / "ranking.txt"
    target.write_text("old", encoding="utf-8")
    result = invoke("report", "--as-of", "2019-10-09", "-o", str(target))
    assert result.exit_code == 130
    assert "Interrupted; nothing was written." in result.stderr
    assert target.read_text(encoding="utf-8") == "old"
    assert leftovers(tmp_path) == ["ranking.txt"]


def test_each_sale_is_found_by_its_seller_and_buyer(tangled: Path) -> None:
    # Path records find the rows of each sale on a path by its two companies.
    graph = exposure.build_graph(exposure.load(tangled))
    src, dst = graph.edges["src"].to_numpy(), graph.edges["dst"].to_numpy()
    order = np.random.default_rng(0).permutation(len(src))
    assert graph.edges_between(src[order], dst[order]).tolist() == order.tolist()
    assert graph.adjacency[src[order], dst[order]].A1.tolist() == (order + 1).tolist()
    assert graph.edges_between(src[:0], dst[:0]).tolist() == []
    not_sold = next(
        (a, b) for a in range(graph.n_nodes) for b in range(graph.n_nodes)
        if a != b and not graph.adjacency[a, b]
    )  # fmt: skip
    with pytest.raises(RuntimeError, match="no sale between them"):
        graph.edges_between(np.array([src[0], not_sold[0]]), np.array([dst[0], not_sold[1]]))
