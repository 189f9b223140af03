"""Writing the supply graph with its exposure for other tools: GraphML, GEXF and JSON.

GraphML (yEd, Cytoscape, igraph), GEXF (Gephi) and node-link JSON (d3, Cytoscape.js, networkx)
all receive the same flat attributes, so a graph reads the same whatever the format:

Node attributes
    ``label`` (the name, which is also the node's id), ``listed_entity`` (bool: named in the
    listings), ``listed`` (bool: a listing is in force on the as-of date), ``exposed`` (bool),
    ``tier`` (int, 0 when not exposed), ``revenue_at_risk`` (float, 0 to 1; **absent when
    unknown**), ``revenue_at_risk_is_lower_bound`` (bool), ``country`` (absent when unknown),
    and for listed nodes ``list``, ``federal_register_notice``, ``listed_since`` (ISO date) and
    ``listing_source``.
Edge attributes
    ``share`` (float, the supplier's revenue share of the sale; **absent when unknown**),
    ``share_is_lower_bound`` (bool), ``products`` and ``sources`` (text: the items joined with
    ``" | "``, since the data's own texts use ``;``), ``on_exposure_path`` (bool).
Graph attributes
    ``as_of`` (ISO date; GraphML and JSON; GEXF has no place for graph attributes and carries
    it as its ``lastmodifieddate``, so that one graph gives one file whatever the day), and
    under a what-if ``assumptions`` (GraphML and JSON).

GraphML cannot hold lists or missing values: lists are joined, and an unknown value is left out
of the element rather than written as 0 or as an empty string, so "unknown" never reads as a
number.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from exposure.errors import ExposureError
from exposure.render.plot import annotated_graph
from exposure.result import Result
from exposure.util.atomic import write_atomic
from exposure.util.collector import collector_paused

if TYPE_CHECKING:
    import networkx as nx  # slow to import; only exports need it


__all__ = ["EXPORT_FORMATS", "LIST_SEPARATOR", "export_graph", "flat_graph", "graph_bytes"]

#: The formats :func:`export_graph` writes, by name, with their file suffixes.
EXPORT_FORMATS = {"graphml": (".graphml", ".xml"), "gexf": (".gexf",), "json": (".json",)}

#: Joins the items of a list attribute (products, sources).
LIST_SEPARATOR = " | "


def flat_graph(result: Result) -> nx.DiGraph:
    """Return the graph of ``result`` with attributes every export format can hold.

    Lists become text joined with :data:`LIST_SEPARATOR`; unknown values are left out.

    Examples
    --------
    >>> import exposure
    >>> G = flat_graph(exposure.analyze(exposure.load(), as_of="2019-10-09"))
    >>> G.nodes["Ambarella"]["revenue_at_risk"], G.nodes["Ambarella"]["tier"]
    (0.17, 1)
    >>> "revenue_at_risk" in G.nodes["Intel"]  # unknown: left out
    False
    >>> G.edges["Nvidia", "Hikvision"]["products"].split(" | ")[0]
    'AI chips for video surveillance cameras'
    """
    with collector_paused():
        return _flattened(annotated_graph(result), result)


def _flattened(flat: nx.DiGraph, result: Result) -> nx.DiGraph:
    """Make the annotated graph flat, in place: a copy would double the work at scale."""
    flat.graph.clear()
    flat.graph["as_of"] = result.as_of.isoformat()
    if result.assumptions:  # a what-if says so in the file itself
        flat.graph["assumptions"] = "; ".join(result.assumptions)
    for name, data in flat.nodes(data=True):
        kept = _flat({"label": name, **data})
        kept.pop("role")
        data.clear()
        data.update(kept)
    for _, _, data in flat.edges(data=True):
        data["on_exposure_path"] = data.pop("on_path")
        del data["pending"]
        kept = _flat(data)
        data.clear()
        data.update(kept)
    return flat


def _flat(attributes: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in attributes.items():
        kind = type(value)  # the common types first: a million sales pass through here
        if kind is str:
            if value:
                flat[key] = value
        elif kind is bool or kind is int or kind is float:
            flat[key] = value
        elif value is None:
            continue
        elif isinstance(value, list | tuple):
            flat[key] = LIST_SEPARATOR.join(str(item) for item in value)
        elif isinstance(value, bool | int | float | str):
            if value != "":
                flat[key] = value
        else:
            flat[key] = str(value)
    return flat


def format_of(path: str | Path, fmt: str | None = None) -> str:
    """Return the export format named by ``fmt``, or else by the suffix of ``path``.

    Raises
    ------
    ExposureError
        When neither names a known format.

    Examples
    --------
    >>> format_of("network.gexf"), format_of("out.txt", "json")
    ('gexf', 'json')
    """
    suffix = Path(path).suffix.lower()
    named = next((name for name, ends in EXPORT_FORMATS.items() if suffix in ends), None)
    if fmt is not None:
        if fmt not in EXPORT_FORMATS:
            msg = f"unknown export format {fmt!r}. Use one of: {', '.join(EXPORT_FORMATS)}"
            raise ExposureError(msg)
        if named is not None and named != fmt:
            msg = (
                f"--format {fmt} but {str(path)!r} ends in {suffix}, which is {named}: name the "
                "file for the format, or leave --format out"
            )
            raise ExposureError(msg)
        return fmt
    if named is not None:
        return named
    msg = (
        f"cannot tell the export format from {str(path)!r}. End the file name with "
        ".graphml, .gexf or .json, or pass --format graphml|gexf|json"
    )
    raise ExposureError(msg)


def graph_bytes(result: Result, fmt: str) -> bytes:
    """Return the graph of ``result`` serialised in ``fmt`` (``graphml``, ``gexf`` or ``json``).

    Examples
    --------
    >>> import exposure, json
    >>> data = json.loads(graph_bytes(exposure.analyze(exposure.load(), as_of="2019-10-09"), "json"))
    >>> sorted(data)[:3], data["graph"]["as_of"]
    (['directed', 'edges', 'graph'], '2019-10-09')
    """
    fmt = format_of("", fmt)
    G = flat_graph(result)
    if fmt == "json":
        return _node_link_json(G)
    if fmt == "graphml":
        return _graphml(G)
    return _gexf(G)


#: GraphML's and GEXF's name for the type of each attribute value (networkx's, for Python types).
_XML_TYPES = {bool: "boolean", int: "long", float: "double", str: "string"}
_XML_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_XML_ATTRIBUTE = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;", "\n": "&#10;",
     "\t": "&#09;"}
)  # fmt: skip


def _graphml(G: nx.DiGraph) -> bytes:
    """Return ``G`` as GraphML, as networkx's standard-library writer lays it out.

    Written as text, one element at a time: networkx builds the whole document as an element
    tree first, which at a million sales takes minutes and gigabytes. The layout is
    networkx's (``write_graphml_xml`` with ``prettyprint``, a test holds them equal): keys
    numbered in the order the graph's, the nodes' and the sales' attributes first appear, and
    listed last first. lxml's writer, which ``nx.write_graphml`` picks when installed, lays
    the file out otherwise; one graph gives one file on every machine.
    """
    keys: dict[tuple[str, str], str] = {}
    declared: list[str] = []

    def data(scope: str, attributes: dict[str, Any], indent: str) -> list[str]:
        lines = []
        for name, value in attributes.items():
            key = keys.get((scope, name))
            if key is None:
                key = keys[(scope, name)] = f"d{len(keys)}"
                declared.append(
                    f'  <key id="{key}" for="{scope}" attr.name="{name.translate(_XML_ATTRIBUTE)}"'
                    f' attr.type="{_XML_TYPES[type(value)]}" />'
                )
            lines.append(f'{indent}<data key="{key}">{str(value).translate(_XML_TEXT)}</data>')
        return lines

    graph_data = data("graph", dict(G.graph), "    ")
    body = []
    for node, attributes in G.nodes(data=True):
        body.append(f'    <node id="{str(node).translate(_XML_ATTRIBUTE)}">')
        body += data("node", attributes, "      ")
        body.append("    </node>")
    for u, v, attributes in G.edges(data=True):
        body.append(
            f'    <edge source="{str(u).translate(_XML_ATTRIBUTE)}"'
            f' target="{str(v).translate(_XML_ATTRIBUTE)}">'
        )
        body += data("edge", attributes, "      ")
        body.append("    </edge>")
    lines = [
        "<?xml version='1.0' encoding='utf-8'?>",
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        ' xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns'
        ' http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">',
        *reversed(declared),
        '  <graph edgedefault="directed">',
        *body,
        *graph_data,
        "  </graph>",
        "</graphml>",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _gexf(G: nx.DiGraph) -> bytes:
    """Return ``G`` as GEXF 1.2, as networkx's writer lays it out, dated by the analysis date.

    Written as text, one element at a time, for the reasons of :func:`_graphml`; the layout is
    ``nx.write_gexf``'s with ``prettyprint`` (a test holds them equal) but for two things: the
    file is dated by the graph's ``as_of`` rather than the day it is written, so one graph
    gives one file on every day, and its creator is exposure.
    """
    ids: dict[tuple[str, str], str] = {}
    declared: dict[str, list[str]] = {"node": [], "edge": []}

    def attvalues(scope: str, attributes: dict[str, Any], indent: str) -> list[str]:
        lines = [f"{indent}<attvalues>"]
        for name, value in attributes.items():
            key = ids.get((scope, name))
            if key is None:
                key = ids[(scope, name)] = str(len(ids))
                declared[scope].append(
                    f'      <attribute id="{key}" title="{name.translate(_XML_ATTRIBUTE)}"'
                    f' type="{_XML_TYPES[type(value)]}" />'
                )
            text = str(value).lower() if type(value) is bool else str(value)
            text = _GEXF_FLOATS.get(text, text) if type(value) is float else text
            lines.append(
                f'{indent}  <attvalue for="{key}" value="{text.translate(_XML_ATTRIBUTE)}" />'
            )
        lines.append(f"{indent}</attvalues>")
        return lines

    nodes = []
    for node, data in G.nodes(data=True):
        attributes = dict(data)
        label = str(attributes.pop("label", node)).translate(_XML_ATTRIBUTE)
        opening = f'      <node id="{str(node).translate(_XML_ATTRIBUTE)}" label="{label}"'
        if attributes:
            nodes += [f"{opening}>", *attvalues("node", attributes, "        "), "      </node>"]
        else:
            nodes.append(f"{opening} />")
    edges = []
    for number, (u, v, data) in enumerate(G.edges(data=True)):
        opening = (
            f'      <edge source="{str(u).translate(_XML_ATTRIBUTE)}"'
            f' target="{str(v).translate(_XML_ATTRIBUTE)}" id="{number}"'
        )
        if data:
            edges += [f"{opening}>", *attvalues("edge", data, "        "), "      </edge>"]
        else:
            edges.append(f"{opening} />")
    blocks = []
    for scope in ("edge", "node"):  # networkx puts each new block first: the edges' leads
        if declared[scope]:
            blocks += [
                f'    <attributes mode="static" class="{scope}">',
                *declared[scope],
                "    </attributes>",
            ]
    lines = [
        "<?xml version='1.0' encoding='utf-8'?>",
        '<gexf xmlns="http://www.gexf.net/1.2draft"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        ' xsi:schemaLocation="http://www.gexf.net/1.2draft'
        ' http://www.gexf.net/1.2draft/gexf.xsd" version="1.2">',
        f'  <meta lastmodifieddate="{str(G.graph.get("as_of", "")).translate(_XML_ATTRIBUTE)}">',
        "    <creator>exposure</creator>",
        "  </meta>",
        '  <graph defaultedgetype="directed" mode="static" name="">',
        *blocks,
        *(["    <nodes>", *nodes, "    </nodes>"] if nodes else ["    <nodes />"]),
        *(["    <edges>", *edges, "    </edges>"] if edges else ["    <edges />"]),
        "  </graph>",
        "</gexf>",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


#: How GEXF writes floats that are not numbers.
_GEXF_FLOATS = {"inf": "INF", "-inf": "-INF", "nan": "NaN"}


def _node_link_json(G: nx.DiGraph) -> bytes:
    """Return ``G`` as node-link JSON (networkx's ``node_link_data`` with ``edges="edges"``).

    One node or edge a line, each encoded by the standard library's C encoder: an indented
    document goes through its Python encoder, most of an export's time at scale.
    """
    encode = json.JSONEncoder(ensure_ascii=False).encode  # one encoder for a million items

    def items(objects: Iterator[dict[str, Any]]) -> str:
        return ",\n".join(f"  {encode(o)}" for o in objects)

    head = {"directed": G.is_directed(), "multigraph": False, "graph": G.graph}
    nodes = items({**data, "id": name} for name, data in G.nodes(data=True))
    edges = items({**data, "source": u, "target": v} for u, v, data in G.edges(data=True))
    return (
        json.dumps(head, ensure_ascii=False, indent=1)[:-2]
        + f',\n "nodes": [\n{nodes}\n ],\n "edges": [\n{edges}\n ]\n}}\n'
    ).encode("utf-8")


def export_graph(
    result: Result,
    path: str | Path,
    *,
    fmt: str | None = None,
    inputs: tuple[Path, ...] = (),
) -> Path:
    """Write the graph of ``result`` to ``path``, atomically.

    Parameters
    ----------
    result
        An analysis result.
    path
        The file to write.
    fmt
        ``graphml``, ``gexf`` or ``json`` (node-link); default: from the suffix of ``path``.
    inputs
        Input files that must not be overwritten.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ExposureError
        When the format is unknown or ``path`` is an input file.
    """
    return write_atomic(Path(path), graph_bytes(result, format_of(path, fmt)), inputs=inputs)
