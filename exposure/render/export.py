"""Writing the supply graph with its exposure for other tools: GraphML, GEXF and JSON.

GraphML (yEd, Cytoscape, igraph), GEXF (Gephi) and node-link JSON (d3, Cytoscape.js, networkx)
all receive the same flat attributes, so a graph reads the same whatever the format:

Node attributes
    ``label`` (the name, which is also the node's id), ``listed_entity`` (bool: named in the
    listings), ``listed`` (bool: a listing is in force on the as-of date), ``exposed`` (bool),
    ``tier`` (int, 1 or more; **absent when not exposed**), ``revenue_at_risk`` (float, 0 to 1,
    to 12 places as the JSON report gives it; **absent when unknown, and on a company that
    sells nothing**) and ``revenue_at_risk_is_lower_bound`` (bool; absent where it is),
    ``needs_review`` (bool) and where it is true ``revenue_at_risk_if_confirmed`` (float,
    absent when unknown) and ``revenue_at_risk_if_confirmed_is_lower_bound`` (bool),
    ``country`` (absent when
    unknown), on a possible match or affiliate ``possibly_listed_as``, on an
    affiliate ``affiliate`` and ``affiliate_rule``, on a company whose listings restrict no
    sale ``other_restrictions``, and for listed nodes ``list``, ``federal_register_notice``,
    ``listed_since`` (ISO date) and ``listing_source``.
Edge attributes
    ``share`` (float, the supplier's revenue share of the sale; **absent when unknown**),
    ``share_is_lower_bound`` (bool), ``share_basis`` (``disclosed``, ``estimate`` or
    ``unstated``; absent when no share is known), ``period`` (absent when the data gives
    none), ``products`` and ``sources`` (text: the items joined with
    ``" | "``, since the data's own texts use ``;``), on a sale to a listed buyer
    ``subject_to_ear``, ``subject_basis`` and ``license_review``, and ``on_exposure_path``
    (bool).
Graph attributes
    ``as_of`` (ISO date; GraphML and JSON; GEXF has no place for graph attributes and carries
    it as its ``lastmodifieddate``, so that one graph gives one file whatever the day), and
    under a what-if ``assumptions`` (GraphML and JSON).

GraphML cannot hold lists or missing values: lists are joined, and an unknown value is left out
of the element rather than written as 0 or as an empty string, so "unknown" never reads as a
number. GEXF leaves it out too. Node-link JSON leaves out the texts, and gives the figures
(:data:`NODE_FIGURES`, :data:`EDGE_FIGURES`) on every node and sale, ``null`` where unknown
or not applicable, as the JSON report does.

The files are written from the attributes as columns (:func:`graph_columns`), each distinct
value encoded once, without a networkx graph in between; they are, byte for byte, what
networkx's own writers make of :func:`flat_graph` (node-link JSON but for its ``null``
figures, which a networkx graph leaves out).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from exposure.errors import ExposureError
from exposure.graph import networkx_graph, objects
from exposure.render.plot import annotated_tables
from exposure.result import Result
from exposure.util.atomic import write_atomic
from exposure.util.collector import collector_paused

if TYPE_CHECKING:
    import networkx as nx  # slow to import; only exports need it


__all__ = [
    "EDGE_FIGURES", "EXPORT_FORMATS", "LIST_SEPARATOR", "NODE_FIGURES", "GraphColumns",
    "export_graph", "flat_graph", "graph_bytes", "graph_columns",
]  # fmt: skip

#: The formats :func:`export_graph` writes, by name, with their file suffixes.
EXPORT_FORMATS = {"graphml": (".graphml", ".xml"), "gexf": (".gexf",), "json": (".json",)}

#: Joins the items of a list attribute (products, sources).
LIST_SEPARATOR = " | "

#: The figures of a company and a sale. Where unknown or not applicable, GraphML and GEXF
#: leave them out and node-link JSON writes ``null``, as the JSON report does; never 0.
NODE_FIGURES = (
    "tier", "revenue_at_risk", "revenue_at_risk_is_lower_bound", "revenue_at_risk_if_confirmed",
    "revenue_at_risk_if_confirmed_is_lower_bound", "revenue_at_risk_if_reached",
    "revenue_at_risk_if_reached_is_lower_bound",
)  # fmt: skip
EDGE_FIGURES = ("share", "share_is_lower_bound")


@dataclass(frozen=True)
class GraphColumns:
    """A graph as columns of flat attributes: what every export format writes.

    ``node_attributes`` and ``edge_attributes`` map each attribute, in order, to its values
    (one per node, one per sale; ``None`` where a node or sale does not carry it). Values are
    ``bool``, ``int``, ``float`` or ``str``: what GraphML, GEXF and JSON can all hold.
    GraphML and GEXF leave a ``None`` out; node-link JSON too, but for the attributes named in
    ``nulls``, which it writes as ``null``.
    """

    graph: dict[str, Any]
    nodes: list[str]
    node_attributes: dict[str, list[Any]]
    sources: list[str]
    targets: list[str]
    edge_attributes: dict[str, list[Any]]
    nulls: frozenset[str] = frozenset()

    @classmethod
    def of_networkx(cls, G: nx.DiGraph) -> GraphColumns:
        """Return the columns of a networkx graph whose attributes are flat already."""
        nodes = list(G.nodes(data=True))
        edges = list(G.edges(data=True))
        node_keys = list(dict.fromkeys(k for _, data in nodes for k in data))
        edge_keys = list(dict.fromkeys(k for _, _, data in edges for k in data))
        return cls(
            graph=dict(G.graph),
            nodes=[str(n) for n, _ in nodes],
            node_attributes={k: [data.get(k) for _, data in nodes] for k in node_keys},
            sources=[str(u) for u, _, _ in edges],
            targets=[str(v) for _, v, _ in edges],
            edge_attributes={k: [data.get(k) for _, _, data in edges] for k in edge_keys},
        )

    def to_networkx(self) -> nx.DiGraph:
        """Return the graph as a networkx DiGraph, each node and sale with what it carries."""
        position = {name: code for code, name in enumerate(self.nodes)}
        nodes = objects(name=np.array(self.nodes, dtype=object), **self.node_attributes)
        edges = objects(**self.edge_attributes) if self.edge_attributes else pd.DataFrame()
        edges.insert(0, "src", np.array([position[u] for u in self.sources], dtype=np.int64))
        edges.insert(1, "dst", np.array([position[v] for v in self.targets], dtype=np.int64))
        attributes = frozenset(self.node_attributes) | frozenset(self.edge_attributes)
        return networkx_graph(nodes, edges, graph=self.graph, optional=attributes)


def graph_columns(result: Result) -> GraphColumns:
    """Return the graph of ``result`` with attributes every export format can hold.

    The attributes of :func:`~exposure.render.plot.annotated_tables` but the picture's
    ``role`` and ``pending``, ``on_path`` written ``on_exposure_path``; lists become text
    joined with :data:`LIST_SEPARATOR`; unknown values and empty texts are left out, and so
    are the figures that do not apply (the tier of a company not exposed, the revenue at risk
    of one that sells nothing). Revenue at risk is rounded as the reports round it.

    Examples
    --------
    >>> import exposure
    >>> columns = graph_columns(exposure.analyze(exposure.load(), as_of="2019-10-09"))
    >>> list(columns.edge_attributes)[:6]
    ['share', 'share_is_lower_bound', 'share_basis', 'period', 'products', 'sources']
    """
    nodes, edges = annotated_tables(result, joined=LIST_SEPARATOR)
    names = nodes["name"].tolist()
    node_attributes = {"label": names}
    for column in nodes.columns:
        if column in ("name", "role"):
            continue
        node_attributes[column] = _flat(nodes[column].tolist())
    edge_attributes = {
        column: _flat(edges[column].tolist())
        for column in edges.columns
        if column not in ("src", "dst", "on_path", "pending")
    }
    edge_attributes["on_exposure_path"] = edges["on_path"].tolist()
    graph: dict[str, Any] = {"as_of": result.as_of.isoformat()}
    if result.assumptions:  # a what-if says so in the file itself
        graph["assumptions"] = "; ".join(result.assumptions)
    return GraphColumns(
        graph=graph,
        nodes=names,
        node_attributes=node_attributes,
        sources=[names[i] for i in edges["src"].tolist()],
        targets=[names[i] for i in edges["dst"].tolist()],
        edge_attributes=edge_attributes,
        nulls=frozenset(NODE_FIGURES + EDGE_FIGURES),
    )


def flat_graph(result: Result) -> nx.DiGraph:
    """Return the graph of ``result`` with attributes every export format can hold.

    :func:`graph_columns` as a networkx graph: lists become text joined with
    :data:`LIST_SEPARATOR`; unknown values are left out.

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
    return graph_columns(result).to_networkx()


def _flat(values: list[Any]) -> list[Any]:
    """Return one attribute's values as every format holds them: lists joined, no empty text."""
    first = next((v for v in values if v is not None), None)
    if isinstance(first, list | tuple):
        return [None if v is None else LIST_SEPARATOR.join(map(str, v)) for v in values]
    if isinstance(first, str):
        return [v or None for v in values]
    return values  # numbers and flags, None where unknown


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
    with collector_paused():
        columns = graph_columns(result)
        if fmt == "json":
            return _node_link_json(columns)
        if fmt == "graphml":
            return _graphml(columns)
        return _gexf(columns)


#: GraphML's and GEXF's name for the type of each attribute value (networkx's, for Python types).
_XML_TYPES: dict[type | None, str] = {
    bool: "boolean", int: "long", float: "double", str: "string"
}  # fmt: skip
_XML_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_XML_ATTRIBUTE = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;", "\n": "&#10;",
     "\t": "&#09;"}
)  # fmt: skip


def _first_type(values: list[Any]) -> type | None:
    """Return the type of an attribute's first value (how GraphML and GEXF declare it)."""
    return next((type(v) for v in values if v is not None), None)


def _in_order_of_appearance(columns: dict[str, list[Any]]) -> list[str]:
    """Return the attributes as a walk over the rows, one after another, first meets them."""
    first = {name: next((i for i, v in enumerate(values) if v is not None), -1)
             for name, values in columns.items()}  # fmt: skip
    seen = [name for name in columns if first[name] >= 0]
    return sorted(seen, key=lambda name: first[name])  # stable: column order within a row


def _cells(
    values: list[Any], opening: str, render: Callable[[Any], str], closing: str
) -> list[str | None]:
    """Return ``opening + render(value) + closing`` of each value, ``None`` where there is none.

    Each distinct value is rendered once; numbers each time (0.0 and -0.0 are equal, but not
    written alike).
    """
    if _first_type(values) is float:
        return [None if v is None else f"{opening}{render(v)}{closing}" for v in values]
    codes, distinct = pd.factorize(np.asarray(values, dtype=object))
    rendered = [f"{opening}{render(v)}{closing}" for v in distinct.tolist()]
    return list(np.asarray([*rendered, None], dtype=object)[codes].tolist())


def _xml_text(value: Any) -> str:
    return str(value).translate(_XML_TEXT)


def _joined(cells: list[list[str | None]], separator: str, n: int) -> list[str]:
    """Return each row's cells joined by ``separator``, the missing ones left out."""
    if not cells:
        return [""] * n
    # A cell is never empty text: filter(None) leaves out exactly the missing ones.
    return [separator.join(filter(None, row)) for row in zip(*cells, strict=True)]


def _blocks(
    openings: list[str],
    cells: list[list[str | None]],
    ends: tuple[str, str],
    *,
    short: str | None = None,
) -> list[str]:
    """Return each element's lines: its opening and the opening's end, its cells, its closing.

    ``ends`` are the end of the opening tag and the closing; ``short``: an element with no
    cell is written as its opening with this ending instead.
    """
    opened, closing = ends
    return [
        f"{opening}{opened}\n{lines}\n{closing}"
        if lines
        else f"{opening}{opened}\n{closing}"
        if short is None
        else opening + short
        for opening, lines in zip(openings, _joined(cells, "\n", len(openings)), strict=True)
    ]


def _graphml(columns: GraphColumns) -> bytes:
    """Return the graph as GraphML, as networkx's standard-library writer lays it out.

    Written from the columns, one element at a time: networkx builds the whole document as
    an element tree first, which at a million sales takes minutes and gigabytes. The layout
    is networkx's (``write_graphml_xml`` with ``prettyprint``, a test holds them equal): keys
    numbered in the order the graph's, the nodes' and the sales' attributes first appear, and
    listed last first. lxml's writer, which ``nx.write_graphml`` picks when installed, lays
    the file out otherwise; one graph gives one file on every machine.
    """
    declared: list[str] = []

    def key(scope: str, name: str, kind: type | None) -> str:
        number = f"d{len(declared)}"
        declared.append(
            f'  <key id="{number}" for="{scope}" attr.name="{name.translate(_XML_ATTRIBUTE)}"'
            f' attr.type="{_XML_TYPES[kind]}" />'
        )
        return number

    def data(scope: str, attributes: dict[str, list[Any]], indent: str) -> list[list[str | None]]:
        keys = {name: key(scope, name, _first_type(attributes[name]))
                for name in _in_order_of_appearance(attributes)}  # fmt: skip
        return [
            _cells(values, f'{indent}<data key="{keys[name]}">', _xml_text, "</data>")
            for name, values in attributes.items()
            if name in keys
        ]

    graph_data = [
        cell
        for [cell] in data("graph", {k: [v] for k, v in columns.graph.items()}, "    ")
        if cell is not None
    ]
    node_cells = data("node", columns.node_attributes, "      ")
    edge_cells = data("edge", columns.edge_attributes, "      ")
    nodes = _blocks(
        [f'    <node id="{str(n).translate(_XML_ATTRIBUTE)}"' for n in columns.nodes],
        node_cells,
        (">", "    </node>"),
    )
    edges = _blocks(
        [
            f'    <edge source="{str(u).translate(_XML_ATTRIBUTE)}"'
            f' target="{str(v).translate(_XML_ATTRIBUTE)}"'
            for u, v in zip(columns.sources, columns.targets, strict=True)
        ],
        edge_cells,
        (">", "    </edge>"),
    )
    lines = [
        "<?xml version='1.0' encoding='utf-8'?>",
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        ' xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns'
        ' http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">',
        *reversed(declared),
        '  <graph edgedefault="directed">',
        *nodes,
        *edges,
        *graph_data,
        "  </graph>",
        "</graphml>",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _gexf_text(value: Any) -> str:
    text = str(value).lower() if type(value) is bool else str(value)
    text = _GEXF_FLOATS.get(text, text) if type(value) is float else text
    return text.translate(_XML_ATTRIBUTE)


def _gexf(columns: GraphColumns) -> bytes:
    """Return the graph as GEXF 1.2, as networkx's writer lays it out, dated by the analysis date.

    Written from the columns, for the reasons of :func:`_graphml`; the layout is
    ``nx.write_gexf``'s with ``prettyprint`` (a test holds them equal) but for two things: the
    file is dated by the graph's ``as_of`` rather than the day it is written, so one graph
    gives one file on every day, and its creator is exposure.
    """
    declared: dict[str, list[str]] = {"node": [], "edge": []}
    numbered = 0

    def attvalues(scope: str, attributes: dict[str, list[Any]]) -> list[list[str | None]]:
        nonlocal numbered
        ids = {}
        for name in _in_order_of_appearance(attributes):
            ids[name] = str(numbered)
            numbered += 1
            declared[scope].append(
                f'      <attribute id="{ids[name]}" title="{name.translate(_XML_ATTRIBUTE)}"'
                f' type="{_XML_TYPES[_first_type(attributes[name])]}" />'
            )
        return [
            _cells(values, f'          <attvalue for="{ids[name]}" value="', _gexf_text, '" />')
            for name, values in attributes.items()
            if name in ids
        ]

    node_attributes = dict(columns.node_attributes)
    labels = node_attributes.pop("label", [None] * len(columns.nodes))
    node_cells = attvalues("node", node_attributes)
    edge_cells = attvalues("edge", columns.edge_attributes)
    opened = ">\n        <attvalues>"
    nodes = _blocks(
        [
            f'      <node id="{str(n).translate(_XML_ATTRIBUTE)}"'
            f' label="{str(n if label is None else label).translate(_XML_ATTRIBUTE)}"'
            for n, label in zip(columns.nodes, labels, strict=True)
        ],
        node_cells,
        (opened, "        </attvalues>\n      </node>"),
        short=" />",
    )
    edges = _blocks(
        [
            f'      <edge source="{str(u).translate(_XML_ATTRIBUTE)}"'
            f' target="{str(v).translate(_XML_ATTRIBUTE)}" id="{number}"'
            for number, (u, v) in enumerate(zip(columns.sources, columns.targets, strict=True))
        ],
        edge_cells,
        (opened, "        </attvalues>\n      </edge>"),
        short=" />",
    )
    blocks = []
    for scope in ("edge", "node"):  # networkx puts each new block first: the edges' leads
        if declared[scope]:
            blocks += [
                f'    <attributes mode="static" class="{scope}">',
                *declared[scope],
                "    </attributes>",
            ]
    as_of = str(columns.graph.get("as_of", "")).translate(_XML_ATTRIBUTE)
    lines = [
        "<?xml version='1.0' encoding='utf-8'?>",
        '<gexf xmlns="http://www.gexf.net/1.2draft"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        ' xsi:schemaLocation="http://www.gexf.net/1.2draft'
        ' http://www.gexf.net/1.2draft/gexf.xsd" version="1.2">',
        f'  <meta lastmodifieddate="{as_of}">',
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


def _node_link_json(columns: GraphColumns) -> bytes:
    """Return the graph as node-link JSON (networkx's ``node_link_data`` with ``edges="edges"``).

    One node or edge a line, as the standard library's encoder writes each: an indented
    document goes through its Python encoder, most of an export's time at scale. Each
    distinct value is encoded once; the lines are put together in Arrow, not in Python.
    """
    head = {"directed": True, "multigraph": False, "graph": columns.graph}
    nodes = _json_lines({**columns.node_attributes, "id": columns.nodes}, columns.nulls)
    edges = _json_lines(
        {**columns.edge_attributes, "source": columns.sources, "target": columns.targets},
        columns.nulls,
    )
    opening = json.dumps(head, ensure_ascii=False, indent=1)[:-2] + ',\n "nodes": [\n'
    return b"".join([opening.encode("utf-8"), nodes, b'\n ],\n "edges": [\n', edges, b"\n ]\n}\n"])


#: Rows of node-link JSON put together at once: each column's texts for this many rows are
#: alive at a time, not for every sale.
JSON_CHUNK = 1 << 17


def _json_lines(attributes: dict[str, list[Any]], nulls: frozenset[str] = frozenset()) -> bytes:
    """Return one JSON object a row of ``attributes``, each line ``  {...}``, joined by ``,\\n``.

    A missing value (``None``) leaves its member out, or is ``null`` for an attribute named in
    ``nulls``. Each member is written with ``", "`` after it, and the last one's trimmed: no
    member's text ends in a comma or a space (a string ends in its quote, ``null`` in ``l``).
    Arrow's join of texts that skips missing ones is not used: it drops a row where all are
    missing (pyarrow 26).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.large_string()
    openings = {name: f"{_JSON(name)}: " for name in attributes}
    floats = {name: _first_type(values) is float for name, values in attributes.items()}
    n = len(next(iter(attributes.values()))) if attributes else 0
    chunks: list[memoryview] = []
    for start in range(0, n, JSON_CHUNK):
        members = [
            _json_members(
                values[start : start + JSON_CHUNK],
                openings[name],
                floats[name],
                f"{openings[name]}null, " if name in nulls else "",
            )
            for name, values in attributes.items()
        ]
        rows = pc.utf8_rtrim(
            pc.binary_join_element_wise(*members, pa.scalar("", text)), characters=", "
        )
        lines = pc.binary_join_element_wise(
            pa.scalar("  {", text), rows, pa.scalar("},\n", text), pa.scalar("", text)
        )
        # The lines lie one after another in the array's data buffer: its bytes are the
        # document's, read in place (the view keeps the buffer alive).
        offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset :]
        data = memoryview(lines.buffers()[2])
        chunks.append(data[int(offsets[0]) : int(offsets[len(lines)]) - 2])  # no ",\n" last
    return b",\n".join(chunks)


def _json_members(values: list[Any], opening: str, floats: bool, missing: str = "") -> Any:
    """Return, per value, ``opening`` + its JSON + ``", "`` (``missing`` for ``None``), in Arrow.

    Each distinct value is encoded once; in a column of ``floats``, each number each time
    (0.0 and -0.0 are equal, but not written alike).
    """
    import pyarrow as pa

    if floats:
        # A finite float is written as its repr, as the standard library's encoder writes it.
        inf = math.inf
        return pa.array(
            [
                f"{opening}{v!r}, "
                if type(v) is float and -inf < v < inf
                else (missing if v is None else f"{opening}{_JSON(v)}, ")
                for v in values
            ],
            pa.large_string(),
        )
    codes, distinct = pd.factorize(np.asarray(values, dtype=object))
    rendered = pa.array(
        [*(f"{opening}{_JSON(v)}, " for v in distinct.tolist()), missing], pa.large_string()
    )
    return rendered.take(pa.array(np.where(codes < 0, len(distinct), codes)))


#: Encodes one value as the standard library's encoder writes it within an object.
_JSON = json.JSONEncoder(ensure_ascii=False).encode


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
