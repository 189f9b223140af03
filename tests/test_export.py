"""Graph exports: GraphML, GEXF and node-link JSON read back with the same graph."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from click.testing import CliRunner

import exposure
from exposure.cli import cli
from exposure.render.export import EDGE_FIGURES, NODE_FIGURES, GraphColumns, flat_graph
from tests.conftest import MakeData, listing, sale

READERS = {
    "graphml": nx.read_graphml,
    "gexf": nx.read_gexf,
    "json": lambda path: nx.node_link_graph(json.loads(Path(path).read_text()), edges="edges"),
}


def export(*args: str) -> tuple[int, str]:
    done = CliRunner().invoke(cli, ["export", *args])
    return done.exit_code, done.output


@pytest.fixture(scope="module")
def expected() -> nx.DiGraph:
    return flat_graph(exposure.analyze(exposure.load(), as_of="2019-10-09"))


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json"])
def test_export_round_trips_nodes_edges_and_attributes(
    tmp_path: Path, expected: nx.DiGraph, fmt: str
) -> None:
    out = tmp_path / f"network.{fmt}"
    code, output = export("-o", str(out), "--as-of", "2019-10-09")
    assert code == 0, output
    G = READERS[fmt](out)
    assert G.is_directed()
    assert set(G.nodes) == set(expected.nodes)
    assert set(G.edges) == set(expected.edges)
    for node, data in expected.nodes(data=True):
        got = dict(G.nodes[node])
        if fmt == "json":  # figures that are unknown or do not apply: null, not left out
            assert {k for k, v in got.items() if v is None} <= set(NODE_FIGURES)
            got = {k: v for k, v in got.items() if v is not None}
        assert got == data, node
    for u, v, data in expected.edges(data=True):
        got = dict(G.edges[u, v])
        if fmt == "gexf":
            got.pop("id")  # GEXF numbers its edges
        if fmt == "json":
            assert {k for k, v in got.items() if v is None} <= set(EDGE_FIGURES)
            got = {k: v for k, v in got.items() if v is not None}
        assert got == data, (u, v)
    if fmt != "gexf":
        assert G.graph["as_of"] == "2019-10-09"


def test_exposure_results_travel_as_node_attributes(expected: nx.DiGraph) -> None:
    ambarella = expected.nodes["Ambarella"]
    assert ambarella["exposed"] is True
    assert ambarella["tier"] == 1
    assert ambarella["revenue_at_risk"] == pytest.approx(0.17)
    assert ambarella["revenue_at_risk_is_lower_bound"] is True
    assert "revenue_at_risk" not in expected.nodes["Intel"]  # unknown is left out, never 0
    hikvision = expected.nodes["Hikvision"]
    assert hikvision["listed"] is True
    assert hikvision["federal_register_notice"] == "84 FR 54002"
    assert hikvision["listed_since"] == "2019-10-09"
    # A listed entity no one in the data sells to carries its listing too.
    assert expected.degree("Megvii Technology") == 0
    assert expected.nodes["Megvii Technology"]["federal_register_notice"] == "84 FR 54002"
    sale = expected.edges["Ambarella", "Hikvision"]
    assert sale["share"] == pytest.approx(0.17)
    assert sale["on_exposure_path"] is True
    assert "share" not in expected.edges["Intel", "Hikvision"]
    nvidia = expected.edges["Nvidia", "Hikvision"]["products"].split(" | ")
    assert nvidia == [
        "AI chips for video surveillance cameras",
        "Jetson, Tesla P4 and DGX-1 (used by the Hikvision Research Institute)",
    ]
    for _, data in expected.nodes(data=True):
        assert all(isinstance(v, bool | int | float | str) for v in data.values())


def test_format_option_overrides_the_suffix(tmp_path: Path) -> None:
    out = tmp_path / "network.txt"
    code, _ = export("-o", str(out), "--format", "json")
    assert code == 0
    assert json.loads(out.read_text())["directed"] is True


def test_an_unknown_suffix_is_a_clear_error(tmp_path: Path) -> None:
    code, output = export("-o", str(tmp_path / "network.csv"))
    assert code == 1
    assert "End the file name with .graphml, .gexf or .json, or pass --format" in output
    assert not list(tmp_path.iterdir())


def test_export_refuses_to_overwrite_an_input_file(make_data: MakeData) -> None:
    from tests.conftest import listing, sale

    folder = make_data([listing("Listed Co")], [sale("Maker", "Listed Co")])
    code, output = export(
        "-o", str(folder / "suppliers.csv"), "--format", "json", "--data", str(folder)
    )
    assert code == 1
    assert "refusing to write over it" in output
    assert (folder / "suppliers.csv").read_text().startswith("supplier,")


def test_export_takes_the_analysis_options_of_the_other_commands(tmp_path: Path) -> None:
    target = tmp_path / "network.json"
    done = CliRunner().invoke(
        cli,
        ["export", "-o", str(target), "--as-of", "2019-06-01", "--no-fuzzy",
         "--assume-listed", "Hikvision"],
    )  # fmt: skip
    assert done.exit_code == 0, done.stderr
    data = json.loads(target.read_text(encoding="utf-8"))
    nodes = {n["id"]: n for n in data["nodes"]}
    assert nodes["Ambarella"]["exposed"]  # only under the what-if, before the 2019-10-09 rule
    assert "Hikvision" in data["graph"]["assumptions"]


def test_graphml_is_laid_out_as_networkx_writes_it() -> None:
    """exposure writes GraphML itself, for speed at scale; the bytes are networkx's."""
    import io

    from exposure.render.export import _graphml

    G = nx.DiGraph(as_of="2019-10-09", assumptions='what if "A & B" <listed>')
    G.add_node("A & B <Co>", label="A & B <Co>", tier=2, exposed=True, share=0.25)
    G.add_node('Quote "Q"\tLtd', label='Quote "Q"\tLtd', tier=0, exposed=False)
    G.add_edge("A & B <Co>", 'Quote "Q"\tLtd', products="a | b\nc", share=1.0, on_path=False)
    expected = io.BytesIO()
    nx.write_graphml_xml(G, expected, encoding="utf-8", prettyprint=True)
    assert _graphml(GraphColumns.of_networkx(G)) == expected.getvalue()
    assert (
        nx.read_graphml(io.BytesIO(_graphml(GraphColumns.of_networkx(G)))).nodes["A & B <Co>"][
            "tier"
        ]
        == 2
    )


def test_gexf_is_laid_out_as_networkx_writes_it_dated_by_the_analysis() -> None:
    """exposure writes GEXF itself, for speed at scale; the bytes are networkx's but for the
    date (the analysis date, so one graph gives one file every day) and the creator."""
    import io
    import re

    from exposure.render.export import _gexf

    G = nx.DiGraph(as_of="2019-10-09")
    G.add_node("A & B <Co>", label="A & B <Co>", tier=2, exposed=True, share=0.25)
    G.add_node('Quote "Q"\tLtd', label='Quote "Q"\tLtd', tier=0, exposed=False)
    G.add_node("Alone", label="Alone")
    G.add_edge("A & B <Co>", 'Quote "Q"\tLtd', products="a | b\nc", share=1.0, on_path=False)
    expected = io.BytesIO()
    nx.write_gexf(G, expected, encoding="utf-8", prettyprint=True)
    written = re.sub(
        rb'lastmodifieddate="[^"]*"', b'lastmodifieddate="2019-10-09"', expected.getvalue()
    )
    written = re.sub(rb"<creator>[^<]*</creator>", b"<creator>exposure</creator>", written)
    assert _gexf(GraphColumns.of_networkx(G)) == written
    assert (
        nx.read_gexf(io.BytesIO(_gexf(GraphColumns.of_networkx(G)))).nodes["A & B <Co>"]["tier"]
        == 2
    )


def test_exports_written_from_columns_are_networkx_s_on_a_graph_of_every_attribute(
    make_data: MakeData, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Attributes only some companies and sales carry (an affiliate, a possible match, a list
    that restricts no sale, a sale the rules do not reach, a what-if) are declared and laid out
    as networkx lays out the same graph."""
    import csv
    import io
    import re

    from exposure.render.export import graph_bytes

    folder = make_data(
        [
            listing("Hikvision", country="CN", license_policy="Presumption of denial."),
            listing("Megvii Technology", country="CN"),
            listing(
                "Hikvision",
                country="CN",
                list="Non-SDN Chinese Military-Industrial Complex Companies List",
                federal_register_notice="",
                start="2021-06-03",
            ),
        ],
        [
            sale("LensCo", "Megvii", 0.05, customer_country="CN"),  # possible match
            sale("LensCo", "Acme & <Sons>", None, product='lenses "A"'),
            sale("Acme & <Sons>", "Hikvision", 0.5, supplier_country="DE"),
            sale("FabCo", "Hikvision", 0.3, supplier_country="TW", origin="TW", us_content=0.1),
            sale("FabCo", "Hikvision Subsidiary", 0.2, product="boards"),
        ],
    )
    with (folder / "ownership.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["owner", "owned", "percent", "source"])
        writer.writerow(["Hikvision", "Hikvision Subsidiary", 60, "test"])
    result = exposure.analyze(
        exposure.load(folder), as_of="2026-11-22", assume_listed=["LensCo=Entity List"]
    )
    G = flat_graph(result)
    carried = {k for _, data in G.nodes(data=True) for k in data}
    carried |= {k for _, _, data in G.edges(data=True) for k in data}
    assert {"affiliate", "possibly_listed_as", "other_restrictions", "subject_to_ear"} <= carried
    assert {"share", "listed_since"} <= carried
    assert "assumptions" in G.graph

    expected = io.BytesIO()
    nx.write_graphml_xml(G, expected, encoding="utf-8", prettyprint=True)
    assert graph_bytes(result, "graphml") == expected.getvalue()
    expected = io.BytesIO()
    nx.write_gexf(G, expected, encoding="utf-8", prettyprint=True)
    written = re.sub(
        rb'lastmodifieddate="[^"]*"', b'lastmodifieddate="2026-11-22"', expected.getvalue()
    )
    written = re.sub(rb"<creator>[^<]*</creator>", b"<creator>exposure</creator>", written)
    assert graph_bytes(result, "gexf") == written
    data = nx.node_link_data(G, edges="edges")
    for scope, figures in (("nodes", NODE_FIGURES), ("edges", EDGE_FIGURES)):
        for item in data[scope]:  # node-link JSON gives null where networkx leaves out
            item.update({k: None for k in figures if k not in item})
    whole = graph_bytes(result, "json")
    assert json.loads(whole) == data
    # Written a few rows at a time, as a large graph is, the file is the same to the byte.
    monkeypatch.setattr("exposure.render.export.JSON_CHUNK", 2)
    assert graph_bytes(result, "json") == whole


@pytest.fixture
def distributors(make_data: MakeData) -> Path:
    """A supplier selling to a listed buyer directly and through distributors round a cycle
    (whose revenue at risk the solve gives with floating-point noise), a supplier that is not
    exposed, and buyers that sell nothing."""
    return make_data(
        [listing("Redco Industries")],
        [
            sale("Alpha Inc", "Redco Industries", 0.3),
            sale("Alpha Inc", "Dist One", 0.5),
            sale("Dist One", "Redco Industries", 0.2),
            sale("Dist One", "Dist Two", 0.5),
            sale("Dist One", "Cleanco", 0.3),
            sale("Dist Two", "Dist One", 0.4),
            sale("Dist Two", "Cleanco", 0.3),
            sale("Nova Inc", "Cleanco", 0.5),
            sale("Papa Inc", "Dist One"),  # share unknown
        ],
    )


def _exported_nodes(folder: Path, out: Path) -> dict[str, dict[str, Any]]:
    code, output = export("-o", str(out), "--data", str(folder), "--as-of", "2024-01-01")
    assert code == 0, output
    return dict(READERS[out.suffix.lstrip(".")](out).nodes(data=True))


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json"])
def test_exported_figures_are_the_reports_and_never_0_for_unknown_or_not_applicable(
    distributors: Path, tmp_path: Path, fmt: str
) -> None:
    result = exposure.analyze(exposure.load(distributors), as_of="2024-01-01")
    nodes = _exported_nodes(distributors, tmp_path / f"network.{fmt}")
    alpha = result.supplier("Alpha Inc")
    assert nodes["Alpha Inc"]["revenue_at_risk"] == alpha["revenue_at_risk"] == 0.425
    assert nodes["Alpha Inc"]["tier"] == alpha["tier"] == 1
    # Not exposed: no tier (not tier 0); its revenue at risk is 0, as the report says.
    assert nodes["Nova Inc"].get("tier") is None
    assert nodes["Nova Inc"]["revenue_at_risk"] == result.supplier("Nova Inc")["revenue_at_risk"]
    assert nodes["Nova Inc"]["revenue_at_risk"] == 0.0
    # Unknown: not 0.
    assert nodes["Papa Inc"].get("revenue_at_risk") is None
    # Buyers that sell nothing, listed or not, have no tier and no revenue to lose.
    for buyer in ("Redco Industries", "Cleanco"):
        for figure in ("tier", "revenue_at_risk", "revenue_at_risk_is_lower_bound"):
            assert nodes[buyer].get(figure) is None, (buyer, figure)


def test_graphml_and_gexf_leave_out_what_node_link_json_gives_as_null(
    distributors: Path, tmp_path: Path
) -> None:
    nodes = _exported_nodes(distributors, tmp_path / "network.json")
    assert nodes["Cleanco"]["tier"] is None
    assert nodes["Cleanco"]["revenue_at_risk"] is None
    assert nodes["Papa Inc"]["revenue_at_risk"] is None
    for fmt in ("graphml", "gexf"):
        nodes = _exported_nodes(distributors, tmp_path / f"network.{fmt}")
        assert "tier" not in nodes["Cleanco"]
        assert "revenue_at_risk" not in nodes["Cleanco"]
        assert "revenue_at_risk" not in nodes["Papa Inc"]


def test_exports_carry_the_figure_were_every_sale_of_unknown_reach_reached(
    make_data: MakeData, tmp_path: Path
) -> None:
    # "unknown (40.0% if reached)" in the reports: the 40% is in the exports too.
    folder = make_data(
        [listing("Hikvision")],
        [sale("Echo Corp", "Hikvision", 0.4, supplier_country="TW", origin="TW")],
    )
    result = exposure.analyze(exposure.load(folder), as_of="2020-01-01")
    graph = result.to_networkx()
    assert graph.nodes["Echo Corp"]["revenue_at_risk"] is None
    assert graph.nodes["Echo Corp"]["revenue_at_risk_if_reached"] == pytest.approx(0.4)
    assert "revenue_at_risk_if_reached" not in graph.nodes["Hikvision"]


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json"])
def test_each_sale_says_whether_its_share_is_an_estimate_and_over_what_period(
    tmp_path: Path, fmt: str
) -> None:
    # A Gephi user must tell an analyst's estimate (Ambarella, 17%) from a disclosed figure
    # (Micron, 13%), and when each was measured.
    out = tmp_path / f"network.{fmt}"
    code, output = export("-o", str(out), "--as-of", "2019-10-09")
    assert code == 0, output
    G = READERS[fmt](out)
    estimate = G.edges["Ambarella", "Hikvision"]
    assert (estimate["share_basis"], estimate["period"]) == ("estimate", "as of May 2019")
    disclosed = G.edges["Micron", "Huawei Technologies Co., Ltd."]
    assert disclosed["share_basis"] == "disclosed"
    assert disclosed["period"] == "first half of fiscal 2019, to 2019-02-28"
    unknown = G.edges["Ambarella", "Dahua Technology"]  # no share known: no basis, no period
    assert unknown.get("share_basis") is None
    assert unknown.get("period") is None


def test_to_networkx_sales_carry_share_basis_and_periods(make_data: MakeData) -> None:
    folder = make_data(
        [listing("Hikvision")],
        [
            sale("Echo Corp", "Hikvision", 0.2, share_basis="estimate", period="FY2019"),
            sale("Delta", "Hikvision", 0.1),
        ],
    )
    graph = exposure.analyze(exposure.load(folder), as_of="2020-01-01").to_networkx()
    assert graph.edges["Echo Corp", "Hikvision"]["share_basis"] == "estimate"
    assert graph.edges["Echo Corp", "Hikvision"]["period"] == ["FY2019"]
    assert graph.edges["Delta", "Hikvision"]["share_basis"] == "disclosed"
    assert "period" not in graph.edges["Delta", "Hikvision"]
