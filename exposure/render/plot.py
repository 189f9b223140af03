"""Pictures of the supply network and its exposure, drawn with matplotlib.

The picture is layered left to right: suppliers (nobody in the picture sells to them), then
intermediaries by tier (the farthest from a listed entity first), then buyers (listed entities and
buyers that are not exposed). Listed entities, exposed companies and companies that are not
exposed differ by colour *and* by marker shape, so a grayscale print still tells them apart.
Sales on exposure paths (from an exposed company to a listed entity or to another exposed
company) are drawn thick and dark, dash-dotted where the rules may not reach them (whether they
do is unknown or assumed); other sales thin and light.

Every plot function has the same keyword-only shape and returns ``(fig, ax)``; a given ``ax`` is
drawn on and reused. Files are written by one save helper that takes the format from the suffix
(PNG, SVG or PDF) and writes atomically. Pictures are deterministic: the layout has no random
element, and the files carry no date, so the same inputs give byte-identical PNG and SVG files.

Names are placed in order of importance (listed entities and affiliates, then the most exposed,
then the rest), each at the first of a few places around its company that is clear of markers,
arrowheads and the names placed before; sales' labels likewise, on exposure paths and the
heaviest first. A name that fits nowhere is left out, and the picture says how many are shown;
but on a picture of up to :data:`LARGE_PICTURE` companies a listed entity's name is always
shown, over the lines of its sales if need be. A network of more than :data:`MAX_PICTURE_NODES` companies
cannot give a legible picture: :func:`plot_exposure` raises an error suggesting a single
supplier's view or a graph export instead.

matplotlib is imported only inside the functions that draw, so importing this module is cheap
(:mod:`exposure.render.html` reuses its layout).
"""

from __future__ import annotations

import io
import itertools
import math
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from exposure.errors import ExposureError
from exposure.graph import networkx_graph, objects
from exposure.records import Summary, SupplierRecord
from exposure.result import OPTIONAL_ATTRIBUTES, Result, format_share, significant
from exposure.util.atomic import write_atomic
from exposure.util.words import count

if TYPE_CHECKING:
    import networkx as nx
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from exposure.read.dataset import Dataset


__all__ = [
    "ESTIMATE_LABEL",
    "FIGSIZE",
    "MAX_INCHES",
    "MAX_PICTURE_NODES",
    "MAX_PIXELS",
    "OWNERSHIP_EDGE",
    "PENDING_EDGE",
    "ROLE_STYLES",
    "SAVED_DPI",
    "UNCERTAIN_EDGE",
    "UNCERTAIN_REACH",
    "NetworkView",
    "annotated_graph",
    "check_network_size",
    "check_picture_size",
    "clear_bend",
    "network_view",
    "picture_format",
    "plot_exposure",
    "share_text",
    "uncertain_reach",
]

#: Above this many companies no picture of the whole network is legible: plotting raises an
#: error suggesting ``supplier=...`` or an export. At 1000 companies the densest column of a
#: 10 x 6 inch picture still gets a distinct marker per company and the listed buyers' names.
MAX_PICTURE_NODES = 1000

#: Colours and shapes of each kind of company, shared by the PNG and the HTML view.
#: The fills differ in lightness (dark, middle, light) and the shapes differ, so they stay
#: apart in grayscale.
ROLE_STYLES: dict[str, dict[str, str]] = {
    "listed": {"color": "#b2182b", "marker": "s", "label": "Listed entity"},
    "affiliate": {
        "color": "#f4a582",
        "marker": "s",
        "label": "Affiliate: owned by listed entities",
    },
    "exposed": {"color": "#ef8a62", "marker": "D", "label": "Exposed (reaches a listed entity)"},
    # Not "not exposed": it sells toward, or is, a possible match or affiliate.
    "review": {
        "color": "#fee08b",
        "marker": "^",
        "label": "Needs review (may be or may reach a listed entity)",
    },
    "unaffected": {"color": "#f7f7f7", "marker": "o", "label": "Not exposed"},
}
OUTLINE = "#404040"
PATH_EDGE = {"color": "#b2182b", "label": "Sale on an exposure path", "linestyle": "-"}
OTHER_EDGE = {"color": "#b0b0b0", "label": "Other sale", "linestyle": "-"}
#: Drawn dashed: a sale to a possible match or affiliate of a listed entity, or on a route to one
#: (both its ends need review), not linked until reviewed.
PENDING_EDGE = {
    "color": "#e08214",
    "label": "Sale toward a possible match or affiliate (needs review)",
    "linestyle": "--",
}
#: Drawn dash-dotted: a sale on an exposure path that the rules may not reach (whether they
#: do is unknown, or assumed as the data gives none of the facts they read). Counted, as the
#: reports count it, but not drawn as certain.
UNCERTAIN_EDGE = {
    "color": PATH_EDGE["color"],
    "label": "Sale on an exposure path, reach unknown or assumed",
    "linestyle": "-.",
}
#: Whether the rules reach a sale (``subject_to_ear``) when they may not.
UNCERTAIN_REACH = frozenset({"unknown", "assumed"})
#: Drawn dotted, with the percent held: who owns whom, among the companies drawn.
OWNERSHIP_EDGE = {"color": "#4393c3", "label": "Ownership (percent held)", "linestyle": ":"}

#: The legend's words for a share labelled ``~17% (est.)``.
ESTIMATE_LABEL = "~ (est.): an analyst's estimate, not a disclosed share"

#: Up to this many sales, a sale's line is wider the larger its share (more would be a tangle).
SHARE_WIDTHS_UP_TO = 60
#: Above this many companies edges are drawn as thin lines without arrows or product labels.
LARGE_PICTURE = 150

SAVE_FORMATS = ("png", "svg", "pdf")
#: The size of a picture, in inches, unless asked otherwise.
FIGSIZE = (10, 6)
#: The resolution of a PNG written by ``exposure render`` (dots per inch), unless asked otherwise.
SAVED_DPI = 150
#: The largest picture drawn: a side in inches, and pixels in all (a 100-megapixel PNG takes
#: about 400 MB to draw; larger ones run out of memory before anything is written).
MAX_INCHES = 200.0
MAX_PIXELS = 100_000_000
_WRAP = 26  # characters per line of a name in the picture
#: The ground of a name written over lines: white, a little transparent.
_NAME_GROUND = {"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8}
_PRODUCT_CHARS = 34  # a product label longer than this is shortened with an ellipsis
_UNSPECIFIED = "unspecified"


@dataclass
class NetworkView:
    """What a picture shows: the companies, their columns, the title and the notes.

    Built by :func:`network_view`; drawn by :func:`plot_exposure` and
    :func:`exposure.render.html.to_html`.

    Attributes
    ----------
    graph
        The drawn graph, from :meth:`exposure.Result.to_networkx`, with a ``role`` node
        attribute (see :func:`annotated_graph`) and the edge attributes
        ``on_path`` and ``pending`` (a sale to a possible match of a listed entity).
    columns
        Node names per column, left to right, each column top to bottom.
    headings
        One heading per column (``Suppliers``, ``Tier 2``, ``Buyers``...).
    title
        Names the listing(s) and the as-of date.
    notes
        Sentences about what the picture leaves out.
    """

    graph: nx.DiGraph
    columns: list[list[str]]
    headings: list[str]
    title: str
    notes: list[str] = field(default_factory=list)
    #: (owner, owned, percent or None when unknown) among the companies drawn.
    ownership: list[tuple[str, str, float | None]] = field(default_factory=list)
    #: The legend's words for each role drawn (an affiliate's names its rule).
    role_labels: dict[str, str] = field(default_factory=dict)
    #: How far down its column each node stands, from 0 (top) to 1 (bottom); by default its
    #: column's rows spread evenly.
    heights: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for column in self.columns:
            for i, name in enumerate(column):
                self.heights.setdefault(name, (i + 0.5) / len(column))

    @property
    def column_of(self) -> dict[str, int]:
        """The column of each node."""
        return {name: c for c, column in enumerate(self.columns) for name in column}


def network_view(
    result: Result, *, supplier: str | None = None, max_nodes: int | None = MAX_PICTURE_NODES
) -> NetworkView:
    """Choose and arrange what a picture of ``result`` shows.

    Parameters
    ----------
    result
        An analysis result.
    supplier
        Show only this supplier's material exposure paths (see ``Result.paths``).
        Default: the whole network, less the listed entities nobody in the data sells to.
    max_nodes
        Raise when the view would hold more companies than this; ``None``: no limit.

    Returns
    -------
    NetworkView

    Raises
    ------
    ExposureError
        When the view holds more than ``max_nodes`` companies.
    UnknownNameError
        When ``supplier`` is not a supplier in the data.

    Examples
    --------
    >>> import exposure
    >>> result = exposure.analyze(exposure.load(), as_of="2019-10-09")
    >>> view = network_view(result, supplier="Ambarella")
    >>> view.columns
    [['Ambarella'], ['Dahua Technology', 'Hikvision']]
    >>> view.title
    'Ambarella: exposure to the Entity List (84 FR 54002) as of 2019-10-09'
    """
    if supplier is None and max_nodes is not None:
        # The companies drawn are those with a sale, counted on the arrays: a network too
        # large for a picture is refused before its graph is built.
        edges = result.graph.edges
        with_sales = np.union1d(edges["src"].to_numpy(), edges["dst"].to_numpy())
        _check_node_count(len(with_sales), max_nodes)
    full = annotated_graph(result)
    listings = {
        n: {k: data[k] for k in _LISTING_FIELDS}
        for n, data in full.nodes(data=True)
        if "list" in data
    }
    notes: list[str] = [f"WHAT-IF: {a}." for a in result.assumptions]
    notes += [
        f"{name}: a list exposure does not know, read as restricting every sale (the cautious "
        "reading; describe it in lists.csv)."
        for name in sorted(set(result.listings_in_force["list"].astype(str)))
        if not result.listing.rule(name).known
    ]
    if supplier is not None:
        record = result.supplier(supplier)
        name = record["supplier"]
        hops = {(a, b) for p in record["paths"] for a, b in itertools.pairwise(p["path"])}
        pending = {
            (a, b) for p in record["possible_paths"] for a, b in itertools.pairwise(p["path"])
        }
        drawn = hops | pending
        graph = full.edge_subgraph(drawn).copy() if drawn else full.subgraph([name]).copy()
        owners = _owners_making_affiliates(result, full, set(graph.nodes))
        if owners:  # an affiliate is drawn with the listed owners that make it one
            kept = set(graph.edges)
            graph = full.subgraph(set(graph.nodes) | owners).edge_subgraph(kept).copy()
            graph.add_nodes_from((n, full.nodes[n]) for n in owners)
        for u, v, data in graph.edges(data=True):
            data["on_path"] = (u, v) in hops
        if not hops:
            notes.append(f"{name} reaches no listed entity as of {result.as_of.isoformat()}.")
        if record["exposed"]:
            notes.append(_revenue_note(record))
        if record["possible_paths"]:
            notes.append(
                f"Dashed: {count(len(record['possible_paths']), 'path')} to possible matches of listed "
                "entities, not counted until reviewed."
            )
        left_out = _left_out(record["summary"])
        if left_out:
            notes.append(left_out)
        title_prefix = f"{name}: exposure"
    else:
        drawn_nodes = {n for n in full.nodes if full.degree(n) > 0}
        drawn_nodes |= _owners_making_affiliates(result, full, drawn_nodes)
        isolated = [n for n in full.nodes if n not in drawn_nodes]
        graph = full.subgraph(drawn_nodes).copy()
        if isolated:
            entities = "entity" if len(isolated) == 1 else "entities"
            listed_now = sum(bool(full.nodes[n]["listed"]) for n in isolated)
            which = "listed" if listed_now == len(isolated) else f"named ({listed_now} listed)"
            notes.append(f"+{len(isolated)} {which} {entities} with no supplier in the data.")
        title_prefix = "Exposure"
    if max_nodes is not None:
        _check_node_count(graph.number_of_nodes(), max_nodes)
    columns, headings = _columns(graph)
    heights = _heights(graph, columns)
    shown = [listings[n] for n in graph.nodes if n in listings and graph.nodes[n]["listed"]]
    in_force = shown or [
        listings[n] for n in full.nodes if n in listings and full.nodes[n]["listed"]
    ]
    rules = sorted(
        {str(graph.nodes[n]["affiliate_rule"]) for n in graph if graph.nodes[n].get("affiliate")}
    )
    role_labels = {role: style["label"] for role, style in ROLE_STYLES.items()}
    affiliates = ""
    if rules:
        affiliates = f" and affiliates under {' and '.join(rules)}"
        role_labels["affiliate"] = f"Affiliate: owned by listed entities ({', '.join(rules)})"
    title = (
        f"{title_prefix} to {_name_listings(in_force)}{affiliates} as of {result.as_of.isoformat()}"
    )
    return NetworkView(
        graph,
        columns,
        headings,
        title,
        notes,
        _ownership_links(result, graph),
        role_labels,
        heights,
    )


def annotated_graph(result: Result) -> nx.DiGraph:
    """Return the supply graph as :meth:`Result.to_networkx` does, with what pictures show.

    Each node gains ``role`` (``affiliate``, ``listed``, ``exposed``, ``review``: a possible
    match or affiliate, or a company selling toward one, or ``unaffected``) and,
    when listed, its listings (``list``, ``federal_register_notice``, ``listed_since``,
    ``listing_source``); each sale gains ``on_path`` (from an exposed company to a listed or
    exposed one, and reached by the rules) and ``pending`` (to a possible match of a listed
    entity). Pictures, the HTML view and the graph exports all read these
    (:func:`annotated_tables`).
    """
    return networkx_graph(
        *annotated_tables(result), graph=result.graph_attributes(), optional=ANNOTATED_OPTIONAL
    )


#: What a listed node carries of its first listing in force.
_LISTING_FIELDS = ("list", "federal_register_notice", "listed_since", "listing_source")
#: The attributes of :func:`annotated_tables` that only some companies and sales carry.
ANNOTATED_OPTIONAL = OPTIONAL_ATTRIBUTES | frozenset(_LISTING_FIELDS)


def annotated_tables(
    result: Result, *, joined: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the attributes of :func:`annotated_graph` as columns, for the nodes and the sales.

    :meth:`Result.attribute_tables` (``joined`` as there) with ``role`` and the listing fields
    after the nodes' columns, and ``on_path`` and ``pending`` after the sales'; a column of
    :data:`ANNOTATED_OPTIONAL` holds ``None`` where the attribute is absent.
    """
    nodes, edges = result.attribute_tables(joined=joined)
    affiliate = np.asarray(result.listing.affiliates.mask, dtype=bool)
    listed = result.listed
    exposed = result.tier > 0
    possible = nodes["possibly_listed_as"].notna().to_numpy()
    review = result.needs_review
    role = np.select(
        [affiliate, listed, exposed, review | possible],
        ["affiliate", "listed", "exposed", "review"],
        "unaffected",
    ).astype(object)
    listings = _listings_by_node(result)
    names = nodes["name"].tolist()
    fields = {
        field: np.array([listings.get(n, {}).get(field) for n in names], dtype=object)
        for field in _LISTING_FIELDS
    }
    nodes = pd.concat([nodes, objects(role=role, **fields)], axis=1)
    src, dst = edges["src"].to_numpy(), edges["dst"].to_numpy()
    reached = edges["subject_to_ear"].to_numpy(dtype=object) != "no"  # no rule reaches: no exposure
    on_path = exposed[src] & (listed[dst] | exposed[dst]) & reached
    # A sale to a possible match or affiliate, or on a route to one (both ends need review).
    pending = possible[dst] | (review[src] & review[dst])
    edges = pd.concat([edges, objects(on_path=on_path, pending=pending)], axis=1)
    return nodes, edges


#: How many chunks of customers :func:`check_network_size` matches (each as many as would
#: settle it, were none linked) before it leaves the count to the full build.
SIZE_CHECK_CHUNKS = 4


def check_network_size(
    dataset: Dataset, *, fuzzy: bool = True, max_nodes: int = MAX_PICTURE_NODES
) -> None:
    """Raise when a picture of the whole network is sure to be too large, before fuzzy matching.

    Too large: more than ``max_nodes`` companies. The network built by keys and review
    decisions alone is quick to make. Fuzzy matching can only join some of its customers to
    listed entities, so a company with a sale that it leaves alone stays one company: a
    supplier that is no customer (never matched), and a customer none of whose spellings the
    matcher links. Customers are matched a chunk at a time, without country evidence or
    rejected pairs (which could only link fewer), until the companies sure to stay exceed
    ``max_nodes``; after :data:`SIZE_CHECK_CHUNKS` chunks the full build decides, as
    :func:`network_view` counts.

    Raises
    ------
    ExposureError
        When the picture would hold more than ``max_nodes`` companies.
    """
    from exposure.entities.matcher import Matcher
    from exposure.graph import build_graph

    graph = build_graph(dataset, fuzzy=False)
    src, dst = graph.edges["src"].to_numpy(), graph.edges["dst"].to_numpy()
    drawn = np.union1d(src, dst)
    if len(drawn) <= max_nodes or not fuzzy:
        _check_node_count(len(drawn), max_nodes)
        return
    open_ = drawn[graph.nodes["entity"].to_numpy()[drawn] < 0]  # linked to no listed entity
    customer = np.isin(open_, dst)
    stay = len(drawn) - int(customer.sum())
    if stay > max_nodes:
        _check_node_count(stay, max_nodes, at_least=True)
    candidates = open_[customer]
    spelling_node = graph.spellings["node"].to_numpy()
    spelling = graph.spellings["spelling"].to_numpy(dtype=object)
    matcher = Matcher(dataset.listed)
    start = 0
    for _ in range(SIZE_CHECK_CHUNKS):
        # As many customers as would settle it, were none of them linked.
        nodes = candidates[start : start + max_nodes - stay + 1]
        start += len(nodes)
        if not len(nodes):
            break
        mine = np.isin(spelling_node, nodes)
        found = matcher.match([str(name) for name in spelling[mine]], explain="flagged")
        linked = found["outcome"].isin(["match", "confirmed"]).to_numpy()
        # The rows follow the names asked, one each (the best candidate).
        stay += len(nodes) - len(np.unique(spelling_node[mine][linked]))
        if stay > max_nodes:
            _check_node_count(stay, max_nodes, at_least=True)


def _check_node_count(companies: int, max_nodes: int, *, at_least: bool = False) -> None:
    """Raise when a picture would hold more than ``max_nodes`` companies."""
    if companies > max_nodes:
        msg = (
            f"the network has {'at least ' if at_least else ''}{companies} companies, too "
            "many for a legible "
            f"picture (at most {max_nodes}). Draw one supplier's exposure paths with "
            "--supplier NAME (supplier=... in Python), or export the graph with "
            "`exposure export -o network.graphml` and explore it in Gephi or Cytoscape"
        )
        raise ExposureError(msg)


def _owners_making_affiliates(result: Result, full: nx.DiGraph, drawn: set[str]) -> set[str]:
    """Return the owners, not in ``drawn``, through whom drawn affiliates are affiliates.

    The listed owners of each drawn affiliate and the affiliates between (an affiliate of an
    affiliate), followed up the ownership table, so that a picture shows why a company is one.
    """
    ownership = result.graph.dataset.ownership
    if ownership is None or not len(ownership):
        return set()
    names = result.graph.names
    owners_of: dict[str, list[str]] = {}
    owners = result.graph.codes(ownership["owner"].astype(str).tolist())
    owned = result.graph.codes(ownership["owned"].astype(str).tolist())
    for a, b in zip(owners, owned, strict=True):
        if a >= 0 and b >= 0:
            owners_of.setdefault(str(names[b]), []).append(str(names[a]))
    found: set[str] = set()
    todo = [n for n in drawn if n in full and full.nodes[n]["role"] == "affiliate"]
    while todo:
        for owner in owners_of.get(todo.pop(), []):
            data = full.nodes[owner]
            if owner in drawn or owner in found or data["role"] not in ("listed", "affiliate"):
                continue
            found.add(owner)
            if data["role"] == "affiliate":
                todo.append(owner)
    return found


def _ownership_links(result: Result, graph: nx.DiGraph) -> list[tuple[str, str, float | None]]:
    """Return who owns whom (with the percent held) among the companies of ``graph``."""
    ownership = result.graph.dataset.ownership
    if ownership is None or not len(ownership):
        return []
    names = result.graph.names
    links = []
    owners = result.graph.codes(ownership["owner"].astype(str).tolist())
    owned = result.graph.codes(ownership["owned"].astype(str).tolist())
    for a, b, percent in zip(owners, owned, ownership["percent"].tolist(), strict=True):
        if a >= 0 and b >= 0 and names[a] in graph and names[b] in graph:
            known = percent is not None and not math.isnan(percent)
            links.append((str(names[a]), str(names[b]), float(percent) if known else None))
    return links


def _revenue_note(record: SupplierRecord) -> str:
    """Say a supplier's revenue at risk, and whether it is a lower bound or an estimate."""
    lower = bool(record["revenue_at_risk_is_lower_bound"])
    risk = format_share(record["revenue_at_risk"], lower)
    how = []
    if record["share_basis"] == "estimate":
        how.append("rests in part on an analyst's estimate")
    elif record["share_basis"] == "unstated":
        how.append("in part shares whose basis the data does not give")
    if lower and risk != "unknown":
        how.append("a lower bound: some shares are unknown")
    return f"{record['supplier']}'s revenue at risk: {risk}" + (
        f" ({'; '.join(how)})." if how else "."
    )


def _left_out(summary: Summary) -> str:
    """Say how many routes the picture of one supplier leaves out, and what they carry."""
    routes = summary.get("routes_not_shown") or 0
    buyers = summary.get("listed_buyers_not_shown") or 0
    weight = summary.get("weight_not_shown") or 0.0
    beyond = bool(summary.get("beyond_tier_limit"))
    if not (routes or buyers or weight > 0 or beyond):
        return ""
    parts = []
    if routes:
        parts.append(count(routes, "more route"))
    if buyers:
        parts.append(count(buyers, "more listed buyer"))
    if weight > 0:
        parts.append(f"{significant(100 * weight, 3)}% of revenue")
    if beyond:
        parts.append("routes beyond the tier limit")
    return "Not drawn (below the materiality limits): " + ", ".join(parts) + "."


def _listings_by_node(result: Result) -> dict[str, dict[str, str]]:
    """Return the first listing in force of each listed node, keyed by node name."""
    names = result.graph.nodes["name"]
    records = result.listing_records()
    by_node: dict[str, dict[str, str]] = {}
    # Every listed name looked up at once: one look-up each is a pass over every key.
    for record, code in zip(
        records, result.graph.codes([r["name"] for r in records]).tolist(), strict=True
    ):
        if code < 0:
            continue
        by_node.setdefault(
            str(names.iat[code]),
            {
                "list": record["list"] or "",
                "federal_register_notice": record["federal_register_notice"] or "",
                "listed_since": record["start_date"] or "",
                "listing_source": record["source"] or "",
            },
        )
    return by_node


def _name_listings(listings: list[dict[str, str]]) -> str:
    """Name the listings for a title: ``the Entity List (84 FR 22961, 84 FR 54002)``."""
    if not listings:
        return "listed entities"
    notices: dict[str, list[str]] = {}
    for listing in listings:
        found = notices.setdefault(listing["list"] or "listed entities", [])
        notice = listing["federal_register_notice"]
        if notice and notice not in found:
            found.append(notice)
    parts = []
    for name, found in sorted(notices.items()):
        shown = sorted(found)
        if len(shown) > 3:
            shown = [*shown[:2], f"{len(shown) - 2} more notices"]
        parts.append(f"the {name} ({', '.join(shown)})" if shown else f"the {name}")
    return " and ".join(parts)


def _columns(graph: nx.DiGraph) -> tuple[list[list[str]], list[str]]:
    """Assign each node a column and order each column to limit crossings.

    Columns: suppliers (no one in the graph sells to them; a listed one only if it sells),
    exposed intermediaries by tier
    (highest first), intermediaries not exposed, then buyers (listed entities and companies
    that sell to no one). A company that buys from another stands in a later column than it,
    so that every sale runs left to right except round a cycle: where tiers alone would put
    it in the same or an earlier column, it moves right. Order within a column: a few
    barycentre sweeps, ties by name.
    """
    data = graph.nodes
    # A listed company that sells and buys from no one drawn (HiSilicon) is a supplier too.
    sources = {
        n
        for n in graph
        if graph.in_degree(n) == 0 and (not data[n]["listed"] or graph.out_degree(n) > 0)
    }
    exposed_middle = {n for n in graph if n not in sources and data[n]["role"] == "exposed"}
    top_tier = max((data[n]["tier"] for n in exposed_middle), default=0)
    other_middle = {
        n
        for n in graph
        if n not in sources
        and data[n]["role"] in ("review", "unaffected")
        and graph.out_degree(n) > 0
        and not data[n]["listed"]
    }
    layer: dict[str, int] = {}
    for n in graph:
        if n in sources:
            layer[n] = 0
        elif n in exposed_middle:
            layer[n] = 1 + top_tier - data[n]["tier"]
        elif n in other_middle:
            layer[n] = top_tier + 1
    import networkx  # loaded already: the view's graph is one

    # Buyers of an intermediary move right of it; within a cycle no order can hold.
    condensed = networkx.condensation(graph.subgraph(layer))
    members = condensed.graph["mapping"]
    for component in networkx.topological_sort(condensed):
        for n in sorted(condensed.nodes[component]["members"], key=_name_order):
            before = [
                layer[p] + 1
                for p in graph.predecessors(n)
                if p in layer and members[p] != component
            ]
            layer[n] = max([layer[n], *before])
    last = max(layer.values(), default=-1) + 1
    for n in graph:
        layer.setdefault(n, last)  # buyers: listed entities and companies selling to no one
    used = sorted(set(layer.values()))
    renumber = {old: new for new, old in enumerate(used)}
    columns: list[list[str]] = [[] for _ in used]
    for n in sorted(graph, key=_name_order):
        columns[renumber[layer[n]]].append(n)
    headings = [_heading(graph, column, c, len(columns)) for c, column in enumerate(columns)]
    if len(columns) == 1 and not sources:
        headings = ["Buyers"]
    return _order(graph, columns), headings


def _heading(graph: nx.DiGraph, column: list[str], c: int, n_columns: int) -> str:
    """Name a column by who stands in it: suppliers, intermediaries (of one tier), buyers."""
    data = graph.nodes
    if c == 0 and n_columns > 1 and all(graph.in_degree(n) == 0 for n in column):
        return "Suppliers"
    if c == n_columns - 1 and n_columns > 1:
        return "Buyers"
    tiers = {data[n]["tier"] for n in column if data[n]["role"] == "exposed"}
    if not tiers:
        return "Other intermediaries"
    if len(tiers) == 1 and len(tiers) == len({data[n]["role"] for n in column}):
        return f"Intermediaries, tier {tiers.pop()}"
    return "Intermediaries"


def _name_order(name: str) -> tuple[str, str]:
    return (name.casefold(), name)


#: Up to this many sales, the order of each column is improved by swapping neighbours while
#: that removes crossings (the "transpose" step of layered drawing, as Graphviz's dot does).
TRANSPOSE_UP_TO = 3000


def _order(graph: nx.DiGraph, columns: list[list[str]]) -> list[list[str]]:
    """Order each column to limit crossings: barycentre sweeps, then swaps of neighbours.

    Each node goes near the mean row of its neighbours (the nearer columns weighing more),
    sweeping both ways; the sweep with
    the fewest crossings is kept. Then, on pictures of up to :data:`TRANSPOSE_UP_TO` sales,
    neighbours in a column swap places wherever that lowers the crossings of the straight
    lines drawn.
    """
    rank = {n: i / max(len(col), 1) for col in columns for i, n in enumerate(col)}
    column_of = {n: c for c, col in enumerate(columns) for n in col}
    edges = [(u, v) for u, v in graph.edges if u != v]
    small = len(edges) <= TRANSPOSE_UP_TO

    def sweep(indices: Iterable[int], neighbours: Any) -> None:
        for c in indices:
            column = columns[c]
            keys = {}
            for i, n in enumerate(column):
                # A neighbour k columns away pulls with weight 1/k: a long sale's line crosses
                # the columns between, where the order of the near neighbours matters more.
                near = [
                    (rank[m], 1.0 / max(abs(column_of[m] - c), 1)) for m in neighbours(n) if m != n
                ]
                weight = sum(w for _, w in near)
                place = sum(r * w for r, w in near) / weight if near else i / len(column)
                keys[n] = (place, *_name_order(n))
            column.sort(key=keys.__getitem__)
            rank.update({n: i / len(column) for i, n in enumerate(column)})

    best, fewest = [list(c) for c in columns], None
    for _ in range(8):
        sweep(range(1, len(columns)), graph.predecessors)
        sweep(range(len(columns) - 2, -1, -1), graph.successors)
        if not small:
            continue
        found = _Crossings(columns, edges).total()
        if fewest is None or found < fewest:
            best, fewest = [list(c) for c in columns], found
    columns = best if small else columns
    if small and edges:
        _Crossings(columns, edges).transpose()
    return columns


#: Placing and swapping is repeated this many times; the placing with the fewest crossings is
#: kept.
PLACING_ROUNDS = 3


def _heights(graph: nx.DiGraph, columns: list[list[str]]) -> dict[str, float]:
    """Place each company down its column, near its neighbours, and return its height.

    A column shorter than the tallest need not spread its companies over the whole height:
    each goes to the mean height of its neighbours (nearer columns weighing more, as in
    :func:`_order`), in column order and at least one row of the tallest column apart
    (:func:`_nearest_in_order`), left to right. Then, on pictures of up to
    :data:`TRANSPOSE_UP_TO` sales, neighbours in a column swap places wherever that lowers the
    crossings of the straight lines drawn, and the two steps repeat
    (:data:`PLACING_ROUNDS`); the placing with the fewest crossings is kept. This is how
    layered drawings assign coordinates after ordering (Gansner et al., "A Technique for
    Drawing Directed Graphs", IEEE TSE 19(3), 1993, section 4), here with a simpler placement.
    Columns are reordered in place by the swaps.
    """
    edges = [(u, v) for u, v in graph.edges if u != v]
    column_of = {n: c for c, col in enumerate(columns) for n in col}
    row = 1.0 / max((len(col) for col in columns), default=1)
    height: dict[str, float] = {}

    def place() -> None:
        # From the rows spread evenly in the current order: placing from the last placing
        # piles companies together round after round.
        height.update({n: (i + 0.5) / len(col) for col in columns for i, n in enumerate(col)})
        for c, column in enumerate(columns):
            wanted = []
            for n in column:
                near = [
                    (height[m], 1.0 / max(abs(column_of[m] - c), 1))
                    for m in (*graph.predecessors(n), *graph.successors(n))
                    if m != n
                ]
                # fsum: exact whatever order the neighbours come in, so the same graph gives
                # the same picture to the last bit.
                weight = math.fsum(w for _, w in near)
                wanted.append(math.fsum(h * w for h, w in near) / weight if near else height[n])
            height.update(zip(column, _nearest_in_order(wanted, row), strict=True))

    place()
    if not 0 < len(edges) <= TRANSPOSE_UP_TO:
        return height
    best: tuple[int, dict[str, float], list[list[str]]] | None = None
    for _ in range(PLACING_ROUNDS):
        crossings = _Crossings(columns, edges, height)
        crossings.transpose()
        height.update(crossings.heights())
        found = crossings.total()
        if best is None or found < best[0]:
            best = (found, dict(height), [list(col) for col in columns])
        place()
    assert best is not None
    columns[:] = best[2]
    return best[1]


def _nearest_in_order(wanted: list[float], row: float) -> np.ndarray:
    """Return heights nearest ``wanted`` (least squares), in order, ``row`` apart, within 0..1.

    Subtracting ``i * row`` from the i-th turns "in order and a row apart" into "in order",
    which pooling adjacent violators solves exactly (isotonic regression).

    Examples
    --------
    >>> _nearest_in_order([0.5, 0.5], 0.1).round(2).tolist()
    [0.45, 0.55]
    >>> _nearest_in_order([0.9, 0.1, 0.99], 0.25).round(3).tolist()
    [0.375, 0.625, 0.875]
    """
    n = len(wanted)
    shifted = np.asarray(wanted, dtype=float) - row * np.arange(n)
    pools: list[list[float]] = []  # [mean, count]
    for value in shifted.tolist():
        pools.append([value, 1.0])
        while len(pools) > 1 and pools[-2][0] > pools[-1][0]:
            mean, count = pools.pop()
            pools[-1] = [
                (pools[-1][0] * pools[-1][1] + mean * count) / (pools[-1][1] + count),
                pools[-1][1] + count,
            ]
    fitted = np.repeat([p[0] for p in pools], [int(p[1]) for p in pools])
    fitted = np.clip(fitted, row / 2, max(1 - row / 2 - row * (n - 1), row / 2))
    return fitted + row * np.arange(n)


class _Crossings:
    """Crossings of the straight lines between companies placed in columns, and swaps.

    Companies stand at ``heights`` (default: each column's rows spread evenly).
    """

    def __init__(
        self,
        columns: list[list[str]],
        edges: list[tuple[str, str]],
        heights: dict[str, float] | None = None,
    ) -> None:
        self.columns = columns
        index = {n: k for k, n in enumerate(n for col in columns for n in col)}
        self.x = np.zeros(len(index))
        self.y = np.zeros(len(index))
        for c, column in enumerate(columns):
            for i, n in enumerate(column):
                self.x[index[n]] = c
                self.y[index[n]] = heights[n] if heights else (i + 0.5) / len(column)
        self.index = index
        self.src = np.array([index[u] for u, _ in edges], dtype=np.int64)
        self.dst = np.array([index[v] for _, v in edges], dtype=np.int64)
        self.touching: dict[int, np.ndarray] = {}
        for k in range(len(index)):
            self.touching[k] = np.flatnonzero((self.src == k) | (self.dst == k))

    def _count(self, rows: np.ndarray) -> int:
        """Count the crossings of the sales ``rows`` with every sale (shared ends do not count)."""
        x, y = self.x, self.y
        a, b = self.src[rows][:, None], self.dst[rows][:, None]
        c, d = self.src[None, :], self.dst[None, :]

        def side(p: np.ndarray, q: np.ndarray, r: np.ndarray) -> np.ndarray:
            return (y[r] - y[p]) * (x[q] - x[p]) - (y[q] - y[p]) * (x[r] - x[p])

        crossing = (side(c, d, a) * side(c, d, b) < 0) & (side(a, b, c) * side(a, b, d) < 0)
        crossing &= (a != c) & (a != d) & (b != c) & (b != d)
        return int(crossing.sum())

    def total(self) -> int:
        """Return the number of crossing pairs of sales."""
        return self._count(np.arange(len(self.src))) // 2

    def heights(self) -> dict[str, float]:
        """Return each company's height, as swapped."""
        return {n: float(self.y[k]) for n, k in self.index.items()}

    def transpose(self, passes: int = 10) -> None:
        """Swap neighbours in each column (in place) while that removes crossings."""
        for _ in range(passes):
            improved = False
            for column in self.columns:
                for i in range(len(column) - 1):
                    a, b = self.index[column[i]], self.index[column[i + 1]]
                    rows = np.union1d(self.touching[a], self.touching[b])
                    if not len(rows):
                        continue
                    before = self._count(rows)
                    self.y[a], self.y[b] = self.y[b], self.y[a]
                    if self._count(rows) < before:
                        column[i], column[i + 1] = column[i + 1], column[i]
                        improved = True
                    else:
                        self.y[a], self.y[b] = self.y[b], self.y[a]
            if not improved:
                return


# -- drawing ---------------------------------------------------------------------------------


def plot_exposure(
    result: Result,
    *,
    supplier: str | None = None,
    ax: Axes | None = None,
    figsize: tuple[float, float] = FIGSIZE,
    dpi: int = 100,
    show: bool = False,
    close: bool = False,
    save: bool = False,
    filepath: str | Path | None = None,
) -> tuple[Figure, Axes]:
    """Draw the supply network, or one supplier's exposure paths.

    Parameters
    ----------
    result
        An analysis result, from :func:`exposure.analyze`.
    supplier
        Draw only this supplier's exposure paths. Default: the whole network (less the listed
        entities that no one in the data sells to; the picture says how many).
    ax
        Draw on this axes (its figure is reused); default: a new figure.
    figsize
        Size of a new figure, in inches (width, height).
    dpi
        Resolution of a new figure and of the saved file.
    show
        Show the figure (``plt.show()``).
    close
        Close the figure once drawn (and saved); use it in scripts.
    save
        Write the picture to ``filepath``.
    filepath
        Where to save; the suffix picks the format: ``.png``, ``.svg`` or ``.pdf``.

    Returns
    -------
    fig, ax
        The matplotlib figure and axes.

    Raises
    ------
    ExposureError
        When the network has more than :data:`MAX_PICTURE_NODES` companies, or ``filepath``
        has an unsupported suffix.
    UnknownNameError
        When ``supplier`` is not a supplier in the data.

    See Also
    --------
    exposure.render.html.to_html : the same picture as an interactive web page.

    Examples
    --------
    >>> import exposure
    >>> result = exposure.analyze(exposure.load(), as_of="2019-10-09")
    >>> fig, ax = plot_exposure(result, supplier="Ambarella", close=True)
    >>> ax.get_title()
    'Ambarella: exposure to the Entity List (84 FR 54002) as of 2019-10-09'
    """
    import matplotlib.pyplot as plt  # slow to import; only pictures need it

    if save and filepath is None:
        msg = "save=True needs a filepath, e.g. filepath='network.png'"
        raise ExposureError(msg)
    if save:
        picture_format(filepath)  # fail before drawing
    if ax is None:
        check_picture_size(figsize, dpi, raster=not save or picture_format(filepath) == "png")
    view = network_view(result, supplier=supplier)
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize, dpi=dpi)
    else:
        fig = ax.figure  # type: ignore[assignment]
    _draw(view, fig, ax)
    _save_and_show(fig, save=save, show=show, close=close, filepath=filepath, dpi=dpi)
    return fig, ax


def _draw(view: NetworkView, fig: Figure, ax: Axes) -> None:
    """Draw a view on ``ax``: nodes, edges, labels that fit, headings, legend and notes."""
    from matplotlib.collections import LineCollection  # as pyplot above
    from matplotlib.lines import Line2D  # as pyplot above
    from matplotlib.patches import FancyArrowPatch  # as pyplot above

    graph = view.graph
    column_of = view.column_of
    n_columns = len(view.columns)
    pos = {
        n: (float(c), 1.0 - view.heights[n])
        for c, column in enumerate(view.columns)
        for n in column
    }
    ax.set_axis_off()
    ax.set_title(view.title, fontsize=11, loc="center", pad=22)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    box = ax.get_window_extent(renderer)
    points_per_pixel = 72 / fig.dpi
    tallest = max((len(column) for column in view.columns), default=1)
    spacing_pt = 0.92 * box.height * points_per_pixel / max(tallest, 1)
    marker_pt = min(11.0, max(2.5, 0.6 * spacing_pt))
    fontsize = 8.5 if tallest <= 40 else 7.5

    # Labels first, to size the margins: suppliers to the left, buyers to the right, the
    # columns in between above their node.
    labels = {}
    for n, (x, y) in pos.items():
        c = column_of[n]
        if c == 0 and n_columns > 1:
            offset, ha, va = (-(marker_pt / 2 + 3), 0.0), "right", "center"
        elif c == n_columns - 1:
            offset, ha, va = (marker_pt / 2 + 3, 0.0), "left", "center"
        else:
            offset, ha, va = (0.0, marker_pt / 2 + 1.5), "center", "bottom"
        labels[n] = ax.annotate(
            textwrap.fill(n, _WRAP),
            xy=(x, y),
            xytext=offset,
            textcoords="offset points",
            ha=ha,
            va=va,
            fontsize=fontsize,
            zorder=5,
            annotation_clip=False,
            bbox=_NAME_GROUND if 0 < c < n_columns - 1 else None,
        )
    widths = {n: label.get_window_extent(renderer).width for n, label in labels.items()}
    gap_px = (marker_pt / 2 + 6) / points_per_pixel
    left_px = max((widths[n] for n in view.columns[0]), default=0) + gap_px
    right_px = max((widths[n] for n in view.columns[-1]), default=0) + gap_px
    if n_columns == 1:
        left_px = gap_px * 4
    left_px = min(left_px, 0.4 * box.width)
    right_px = min(right_px, 0.4 * box.width)
    span = max(n_columns - 1, 1)
    units = span / max(1 - (left_px + right_px) / box.width, 0.2)
    x0 = -left_px / box.width * units
    ax.set_xlim(x0, x0 + units)
    ax.set_ylim(0, 1)

    # Headings over the columns.
    headings = [
        ax.annotate(
            heading,
            xy=(c, 1.0),
            xytext=(0, 4),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=8.5,
            color="#606060",
            fontstyle="italic",
        )
        for c, heading in enumerate(view.headings)
        # A run of columns alike is headed once, at its first.
        if c == 0 or heading != view.headings[c - 1]
    ]
    # Headings that would overlap give way: the outer ones (suppliers, buyers) first.
    placed = _Boxes()
    for heading in sorted(headings, key=lambda h: h.get_text() not in ("Suppliers", "Buyers")):
        extent = _extent(heading, renderer, pad=2.0)
        if placed.hits(extent):
            heading.set_visible(False)
        else:
            placed.add(extent)
    headings = [h for h in headings if h.get_visible()]

    # Edges: other sales below, exposure paths on top. A small picture gets arrows, curved
    # where a straight line would run through a company in between; a large one thin lines
    # (direction is left to right) so the layers stay readable.
    to_px = ax.transData.transform
    marker_px = marker_pt / points_per_pixel
    large = len(graph) > LARGE_PICTURE
    on_path = [(u, v) for u, v, d in graph.edges(data="on_path") if d]
    uncertain = [e for e in on_path if uncertain_reach(graph.edges[e])]
    certain = [e for e in on_path if not uncertain_reach(graph.edges[e])]
    pending = [(u, v) for u, v, d in graph.edges(data=True) if not d["on_path"] and d["pending"]]
    other = [(u, v) for u, v, d in graph.edges(data=True) if not d["on_path"] and not d["pending"]]
    bend: dict[tuple[str, str], float] = {}  # the arc3 bend of each sale drawn with an arrow
    heads: list[tuple[float, float, float, float]] = []  # kept clear of names
    by_share = graph.number_of_edges() <= SHARE_WIDTHS_UP_TO
    head_px = min(9.0, 4 + marker_pt / 2) / points_per_pixel
    for edges, style, width, z in (
        (other, OTHER_EDGE, 0.8, 1),
        (pending, PENDING_EDGE, 1.2, 2),
        (uncertain, UNCERTAIN_EDGE, 1.6, 2),
        (certain, PATH_EDGE, 1.6, 2),
    ):
        ordered = sorted(edges, key=lambda e: (_name_order(e[0]), _name_order(e[1])))
        if large:
            straight = [e for e in ordered if column_of[e[1]] > column_of[e[0]]]
            ax.add_collection(
                LineCollection(
                    [(pos[u], pos[v]) for u, v in straight],
                    colors=style["color"],
                    linewidths=width / 4,
                    linestyles=style["linestyle"],
                    alpha=0.45,
                    zorder=z,
                )
            )
            ordered = [e for e in ordered if column_of[e[1]] <= column_of[e[0]]]
        for u, v in ordered:
            rad = 0.0
            if column_of[v] <= column_of[u]:
                rad = 0.35
            elif not large:
                rad = clear_bend(u, v, view, pos, to_px, marker_px)
            bend[u, v] = rad
            heads.append(_arrowhead_box(to_px(pos[u]), to_px(pos[v]), rad, marker_px, head_px))
            ax.add_patch(
                FancyArrowPatch(
                    pos[u],
                    pos[v],
                    arrowstyle="-|>",
                    mutation_scale=min(9.0, 4 + marker_pt / 2),
                    shrinkA=marker_pt / 2 + 1,
                    shrinkB=marker_pt / 2 + 1.5,
                    connectionstyle=f"arc3,rad={rad}",
                    color=style["color"],
                    linewidth=(
                        width / 4
                        if large
                        else _sale_width(graph.edges[u, v], width)
                        if by_share
                        else width
                    ),
                    linestyle=style["linestyle"],
                    alpha=0.9,
                    zorder=z,
                )
            )

    # Ownership, dotted, with the percent held, where both companies are drawn.
    for owner, owned, _ in view.ownership:
        ax.add_patch(
            FancyArrowPatch(
                pos[owner],
                pos[owned],
                arrowstyle="-",
                shrinkA=marker_pt / 2 + 1,
                shrinkB=marker_pt / 2 + 1,
                connectionstyle="arc3,rad=0.25",
                color=OWNERSHIP_EDGE["color"],
                linewidth=1.2,
                linestyle=OWNERSHIP_EDGE["linestyle"],
                zorder=2,
            )
        )

    # Nodes, one scatter per role (so the legend and the file group them).
    for role, style in ROLE_STYLES.items():
        members = [n for n in pos if graph.nodes[n]["role"] == role]
        if members:
            ax.scatter(
                [pos[n][0] for n in members],
                [pos[n][1] for n in members],
                s=marker_pt**2,
                c=style["color"],
                marker=style["marker"],
                edgecolors=OUTLINE,
                linewidths=0.6 if marker_pt > 4 else 0.3,
                zorder=3,
            )

    # Names, in order of importance (listed entities, then the most exposed, then the rest),
    # each in the first of its places clear of markers, arrowheads, headings and the names
    # placed before it; hidden where none is, but for a listed entity's on a picture small
    # enough to show every name, which may rather cover the lines of sales.
    markers = _Boxes()
    for x, y in pos.values():
        markers.add(_marker_box(to_px((x, y)), marker_px))
    for heading in headings:
        markers.add(_extent(heading, renderer))
    arrowheads = _Boxes()
    for head in heads:
        arrowheads.add(head)
    kept_names = _Boxes()
    hidden = 0
    for n in sorted(pos, key=lambda n: _label_priority(graph, n)):
        label = labels[n]
        own = _marker_box(to_px(pos[n]), marker_px)
        _, y0, _, y1 = _extent(label, renderer)
        height_pt = (y1 - y0) * points_per_pixel
        places = _name_places(column_of[n], n_columns, marker_pt, height_pt)
        must_show = not large and graph.nodes[n]["role"] in ("listed", "affiliate")
        found = _first_clear(label, places, renderer, own, kept_names, markers, arrowheads)
        if found is None and must_show:
            found = _first_clear(label, places, renderer, own, kept_names, markers)
        if found is None and must_show and (column_of[n] == 0 or column_of[n] == n_columns - 1):
            # On the sales' side of the company, over their lines on a white ground.
            label.set_bbox(_NAME_GROUND)
            inner = _name_places(column_of[n], n_columns, marker_pt, height_pt, inner=True)
            found = _first_clear(label, inner, renderer, own, kept_names, markers)
            if found is None:
                label.set_bbox(None)
        if found is None and must_show:
            _set_place(label, places[0])  # over what is there, rather than left out
            found = _extent(label, renderer, pad=1.0)
        if found is None:
            label.set_visible(False)
            hidden += 1
        else:
            kept_names.add(found)
    obstacles = _Boxes()
    for kept in markers.boxes + arrowheads.boxes:
        obstacles.add(kept)

    # The percent held on each ownership link, where it fits along the curve.
    for owner, owned, percent in view.ownership:
        (x1, y1), (x2, y2) = to_px(pos[owner]), to_px(pos[owned])
        text = ax.text(
            0,
            0,
            "part unknown" if percent is None else f"{percent:g}%",
            fontsize=6.5,
            color=OWNERSHIP_EDGE["color"],
            ha="center",
            va="center",
            zorder=4,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.9},
        )
        cx, cy = (x1 + x2) / 2 + 0.25 * (y2 - y1), (y1 + y2) / 2 - 0.25 * (x2 - x1)
        bx0, by0, bx1, by1 = _extent(text, renderer, pad=0.5)
        origin = to_px((0, 0))
        for t in (0.5, 0.35, 0.65, 0.25, 0.75):
            # A point of the quadratic curve arc3 draws.
            px = (1 - t) ** 2 * x1 + 2 * (1 - t) * t * cx + t**2 * x2
            py = (1 - t) ** 2 * y1 + 2 * (1 - t) * t * cy + t**2 * y2
            dx, dy = px - origin[0], py - origin[1]
            candidate = (bx0 + dx, by0 + dy, bx1 + dx, by1 + dy)
            if not (obstacles.hits(candidate) or kept_names.hits(candidate)):
                text.set_position(tuple(ax.transData.inverted().transform((px, py))))
                kept_names.add(candidate)
                break
        else:
            text.remove()

    # Products on the sales, where they fit: along the line or curve, clear of names and
    # markers; on paths first, the heaviest first.
    labelled = 0
    estimates = False  # a share labelled is an analyst's estimate: the legend says what "~" is
    candidates = on_path + pending + other
    if large:
        candidates = []  # none would fit; a note says so
    for u, v in sorted(candidates, key=lambda e: _edge_priority(graph, e)):
        text = ax.text(
            0,
            0,
            _sale_label(graph.edges[u, v]),
            fontsize=6.5,
            color=_label_colour(graph.edges[u, v]),
            ha="center",
            va="center",
            rotation_mode="anchor",
            zorder=4,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.9},
        )
        for t in (0.4, 0.3, 0.5, 0.22, 0.6, 0.7):
            (cx, cy), angle = _along(to_px(pos[u]), to_px(pos[v]), bend.get((u, v), 0.0), t)
            text.set_rotation(angle)
            text.set_position(tuple(ax.transData.inverted().transform((cx, cy))))
            candidate = _extent(text, renderer, pad=0.5)
            if not (obstacles.hits(candidate) or kept_names.hits(candidate)):
                kept_names.add(candidate)
                labelled += 1
                estimates |= _is_estimate(graph.edges[u, v])
                break
        else:
            text.remove()
    unlabelled = len(candidates) - labelled

    # Legend, then notes on what is not shown, under the picture.
    roles_shown = {graph.nodes[n]["role"] for n in graph}
    handles = [
        Line2D(
            [],
            [],
            linestyle="none",
            marker=style["marker"],
            markersize=7,
            markerfacecolor=style["color"],
            markeredgecolor=OUTLINE,
            label=view.role_labels.get(role, style["label"]),
        )
        for role, style in ROLE_STYLES.items()
        if role in roles_shown
    ]
    for shown, style, width in (
        (view.ownership, OWNERSHIP_EDGE, 1.2),
        (certain, PATH_EDGE, 1.6),
        (uncertain, UNCERTAIN_EDGE, 1.6),
        (pending, PENDING_EDGE, 1.2),
        (other, OTHER_EDGE, 0.8),
    ):
        if shown:
            handles.append(
                Line2D(
                    [],
                    [],
                    color=style["color"],
                    lw=width,
                    ls=style["linestyle"],
                    label=style["label"],
                )
            )
    if estimates:
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker=r"$\sim$",
                markersize=8,
                color=_label_colour({"on_path": True}),
                label=ESTIMATE_LABEL,
            )
        )
    legend = ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=max(min(len(handles), 4), 1),
        frameon=False,
        fontsize=8,
        handletextpad=0.4,
        columnspacing=1.2,
    )
    notes = list(view.notes)
    if hidden:
        notes.append(
            f"Names shown for {len(pos) - hidden} of {len(pos)} companies (listed and most "
            "exposed first); draw one supplier, or open the HTML view, to see every name."
        )
    if large:
        notes.append(
            f"{len(graph)} companies: sales drawn as thin lines (left to right) without "
            "products; `exposure export` gives the full graph for Gephi or Cytoscape."
        )
    if unlabelled:
        notes.append(
            f"Products and shares shown on {labelled} of {len(candidates)} sales, where they fit; "
            "`exposure report --supplier NAME` lists them all."
        )
    if notes:
        ax.annotate(
            "\n".join(notes),
            xy=(0.5, 0.0),
            xycoords=legend,
            xytext=(0, -2),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize=7.5,
            color="#404040",
        )


def clear_bend(
    u: str, v: str, view: NetworkView, pos: dict[str, tuple[float, float]], to_px: Any, size: float
) -> float:
    """Return the ``arc3`` bend of ``u -> v`` that passes clear of the companies in between.

    0 (straight) when the straight line is clear; else the first clear bend of a few tried,
    as matplotlib's ``arc3`` draws it (a quadratic curve in display space). Pictures and the
    HTML view both bend their long sales by it.

    Parameters
    ----------
    u, v
        The sale's seller and buyer, in columns ``u`` left of ``v``.
    view
        The view drawn (its columns say who stands in between).
    pos
        Each company's position, in the drawing's units.
    to_px
        Turns a position into display units, where the clearance is measured.
    size
        A company's marker size in display units: the curve keeps twice that away.
    """
    column_of = view.column_of
    between = [
        to_px(pos[w]) for column in view.columns[column_of[u] + 1 : column_of[v]] for w in column
    ]
    if not between:
        return 0.0
    (ux, uy), (vx, vy) = to_px(pos[u]), to_px(pos[v])
    steps = [i / 40 for i in range(1, 40)]
    for rad in (0.0, -0.12, 0.12, -0.22, 0.22, -0.32, 0.32):
        cx, cy = (ux + vx) / 2 + rad * (vy - uy), (uy + vy) / 2 - rad * (vx - ux)
        curve = [
            ((1 - t) ** 2 * ux + 2 * (1 - t) * t * cx + t**2 * vx,
             (1 - t) ** 2 * uy + 2 * (1 - t) * t * cy + t**2 * vy)
            for t in steps
        ]  # fmt: skip
        if all(math.hypot(wx - x, wy - y) >= 2 * size for wx, wy in between for x, y in curve):
            return rad
    return 0.0


class _Boxes:
    """Axis-aligned boxes in display pixels, for overlap tests."""

    def __init__(self) -> None:
        self.boxes: list[tuple[float, float, float, float]] = []

    def add(self, box: tuple[float, float, float, float]) -> None:
        self.boxes.append(box)

    def hits(
        self,
        box: tuple[float, float, float, float],
        ignore: tuple[float, float, float, float] | None = None,
    ) -> bool:
        x0, y0, x1, y1 = box
        return any(
            x0 < b[2] and b[0] < x1 and y0 < b[3] and b[1] < y1 and b != ignore for b in self.boxes
        )


def _arrowhead_box(
    start: Any, end: Any, rad: float, marker_px: float, head_px: float
) -> tuple[float, float, float, float]:
    """Return the pixel box of the arrowhead at ``end`` of an ``arc3`` edge bent by ``rad``.

    ``head_px`` is the arrow's mutation scale in pixels: ``-|>`` draws a head 0.4 of it long
    and as wide, its tip a little short of the marker. The box is a little larger than the
    head, not so large that it keeps the buyer's name away.
    """
    (x1, y1), (x2, y2) = start, end
    # The curve arrives along the line from its control point (the start, when straight).
    cx, cy = (x1 + x2) / 2 + rad * (y2 - y1), (y1 + y2) / 2 - rad * (x2 - x1)
    dx, dy = x2 - cx, y2 - cy
    length = math.hypot(dx, dy) or 1.0
    back = marker_px / 2 + 0.4 * head_px
    half = 0.3 * head_px
    hx, hy = x2 - dx / length * back, y2 - dy / length * back
    return (hx - half, hy - half, hx + half, hy + half)


#: A company's name and where it goes: its offset from the marker, in points, and its
#: horizontal and vertical alignment.
_Place = tuple[tuple[float, float], str, str]


def _name_places(
    c: int, n_columns: int, marker_pt: float, height_pt: float, *, inner: bool = False
) -> list[_Place]:
    """Return the places a company's name may go, in the order they are tried.

    Suppliers' names go left of them, buyers' right, away from the sales, then the same
    nudged up and down half a line at a time; in the columns between, above the company,
    below, right, left, then at the corners. ``inner``: a side column's places on the other
    side, where its sales arrive or leave. ``height_pt``: the name's, in points.
    """
    if c == n_columns - 1 or (c == 0 and n_columns > 1):
        side = 1.0 if c == n_columns - 1 else -1.0
        if inner:
            side = -side
        gap = marker_pt / 2 + 3
        ha = "left" if side > 0 else "right"
        nudges = [0.0, 0.5, -0.5, 1.0, -1.0, 1.5, -1.5]
        return [((side * gap, k * height_pt), ha, "center") for k in nudges]
    gap = marker_pt / 2 + 1.5
    return [
        ((0.0, gap), "center", "bottom"),
        ((0.0, -gap), "center", "top"),
        ((gap + 1.5, 0.0), "left", "center"),
        ((-gap - 1.5, 0.0), "right", "center"),
        ((gap, gap), "left", "bottom"),
        ((gap, -gap), "left", "top"),
        ((-gap, gap), "right", "bottom"),
        ((-gap, -gap), "right", "top"),
    ]


def _set_place(label: Any, place: _Place) -> None:
    label.xyann, ha, va = place
    label.set(horizontalalignment=ha, verticalalignment=va)


def _first_clear(
    label: Any,
    places: list[_Place],
    renderer: Any,
    own: tuple[float, float, float, float],
    *avoided: _Boxes,
) -> tuple[float, float, float, float] | None:
    """Move ``label`` to the first of ``places`` that hits none of ``avoided``; return its box.

    ``None`` (the label left where it was) when every place hits something. The company's own
    marker (``own``) is not in the way.
    """
    for place in places:
        _set_place(label, place)
        extent = _extent(label, renderer, pad=1.0)
        if not any(boxes.hits(extent, ignore=own) for boxes in avoided):
            return extent
    _set_place(label, places[0])
    return None


def _along(start: Any, end: Any, rad: float, t: float) -> tuple[tuple[float, float], float]:
    """Return the point at ``t`` (0 to 1) of an ``arc3`` curve bent by ``rad``, and its angle.

    The angle is the tangent's there, in degrees, turned so that text along it reads left to
    right.

    Examples
    --------
    >>> _along((0, 0), (10, 10), 0.0, 0.5)
    ((5.0, 5.0), 45.0)
    >>> _along((10, 0), (0, 0), 0.0, 0.5)  # right to left: the text is not upside down
    ((5.0, 0.0), 0.0)
    """
    (x1, y1), (x2, y2) = start, end
    # arc3's quadratic curve in display space, its control point off the middle (as drawn).
    cx, cy = (x1 + x2) / 2 + rad * (y2 - y1), (y1 + y2) / 2 - rad * (x2 - x1)
    x = (1 - t) ** 2 * x1 + 2 * (1 - t) * t * cx + t**2 * x2
    y = (1 - t) ** 2 * y1 + 2 * (1 - t) * t * cy + t**2 * y2
    dx = 2 * (1 - t) * (cx - x1) + 2 * t * (x2 - cx)
    dy = 2 * (1 - t) * (cy - y1) + 2 * t * (y2 - cy)
    angle = math.degrees(math.atan2(dy, dx))
    if angle > 90:
        angle -= 180
    elif angle <= -90:
        angle += 180
    return (float(x), float(y)), float(angle)


def _marker_box(center: Any, size: float) -> tuple[float, float, float, float]:
    cx, cy = center
    return (cx - size / 2, cy - size / 2, cx + size / 2, cy + size / 2)


def _extent(artist: Any, renderer: Any, pad: float = 0.0) -> tuple[float, float, float, float]:
    box = artist.get_window_extent(renderer)
    return (box.x0 - pad, box.y0 - pad, box.x1 + pad, box.y1 + pad)


def _label_priority(graph: nx.DiGraph, name: str) -> tuple[Any, ...]:
    """Return the key that orders the names placed: the first placed are the last hidden.

    Listed entities and affiliates first, then the most exposed as the ranking orders them
    (revenue at risk, unknown after known, then tier), then the rest; the most connected
    first.
    """
    data = graph.nodes[name]
    rank = {"listed": 0, "affiliate": 0, "exposed": 1, "review": 1, "unaffected": 2}[data["role"]]
    risk = data["revenue_at_risk"]
    return (
        rank,
        risk is None,
        -(risk or 0.0),
        data["tier"] if data["tier"] and data["tier"] > 0 else math.inf,
        -graph.degree(name),
        *_name_order(name),
    )


def _edge_priority(graph: nx.DiGraph, edge: tuple[str, str]) -> tuple[Any, ...]:
    """Return the key that orders the sales labelled: the first labelled are the last left out.

    Sales on exposure paths first, then those pending review; the heaviest first, those of
    unknown share after the others.
    """
    u, v = edge
    sale = graph.edges[u, v]
    share = sale.get("share")
    return (
        not sale["on_path"],
        not sale["pending"],
        share is None,
        -(share or 0.0),
        *_name_order(u),
        *_name_order(v),
    )


def _is_estimate(sale: dict[str, Any]) -> bool:
    return sale.get("share") is not None and sale.get("share_basis") == "estimate"


def _label_colour(sale: dict[str, Any]) -> str:
    if sale["on_path"]:
        return "#7f0000"
    return "#8c4a00" if sale["pending"] else "#606060"


def _sale_label(sale: dict[str, Any]) -> str:
    """Return what a sale carries: its products (shortened) and its share of revenue.

    Examples
    --------
    >>> _sale_label({"products": ["chips"], "share": 0.17, "share_is_lower_bound": False})
    'chips, 17%'
    >>> _sale_label({"products": ["unspecified"], "share": None, "share_is_lower_bound": True})
    'share unknown'
    >>> _sale_label({"products": ["boards"], "share": 0.2, "subject_to_ear": "no"})
    'boards, 20%, not reached'
    >>> _sale_label({"products": ["SoCs"], "share": 0.17, "share_basis": "estimate"})
    'SoCs, ~17% (est.)'
    """
    known = [p for p in sale["products"] if p.strip().casefold() != _UNSPECIFIED]
    text = _shortened("; ".join(known), _PRODUCT_CHARS)
    share = sale.get("share")
    if share is None:
        amount = "share unknown"
    else:
        amount = ("≥ " if sale.get("share_is_lower_bound") else "") + share_text(
            share, sale.get("share_basis")
        )
    amount += _REACH_NOTES.get(sale.get("subject_to_ear") or "", "")
    return f"{text}, {amount}" if text else amount


def share_text(share: float, basis: str | None) -> str:
    """Return a sale's share as a picture labels it: an analyst's estimate marked as one.

    Examples
    --------
    >>> share_text(0.13, "disclosed"), share_text(0.17, "estimate")
    ('13%', '~17% (est.)')
    """
    percent = f"{significant(100 * share, 3)}%"
    return f"~{percent} (est.)" if basis == "estimate" else percent


def _shortened(text: str, chars: int) -> str:
    """Return ``text`` cut to at most ``chars`` characters with an ellipsis, brackets closed.

    A bracket opened before the cut is closed after the ellipsis, so that what follows the
    label (its share) is not read as part of the product's name.

    Examples
    --------
    >>> _shortened("video processing solutions (SoCs for security cameras)", 34)
    'video processing solutions (SoCs…)'
    >>> _shortened("hard drives", 34)
    'hard drives'
    """
    if len(text) <= chars:
        return text
    room = chars - 1
    while room > 0:
        cut = text[:room].rstrip()
        opened = cut.count("(") - cut.count(")")
        if len(cut) + 1 + max(opened, 0) <= chars:
            return cut + "…" + ")" * max(opened, 0)
        room -= 1
    return "…"


#: What a sale's label adds when the rules do not surely reach it (:mod:`exposure.reach`).
_REACH_NOTES = {"no": ", not reached", "unknown": ", reach unknown", "assumed": ", reach assumed"}


def uncertain_reach(sale: dict[str, Any]) -> bool:
    """Return whether the rules may not reach a sale: their reach is unknown or assumed.

    Examples
    --------
    >>> uncertain_reach({"subject_to_ear": "unknown"}), uncertain_reach({"subject_to_ear": "yes"})
    (True, False)
    >>> uncertain_reach({})  # not a sale to a listed buyer
    False
    """
    return sale.get("subject_to_ear") in UNCERTAIN_REACH


def _sale_width(sale: dict[str, Any], width: float) -> float:
    """Return a sale's line width: wider the larger its share of revenue (known part)."""
    share = sale.get("share")
    return width if share is None else width * (0.6 + 2.4 * math.sqrt(min(share, 1.0)))


# -- saving ----------------------------------------------------------------------------------


def check_picture_size(figsize: tuple[float, float], dpi: int, *, raster: bool = True) -> None:
    """Refuse a picture larger than :data:`MAX_INCHES` a side or :data:`MAX_PIXELS` in all.

    Pixels count for a ``raster`` picture: a PNG or a figure on screen, not an SVG or PDF.

    Raises
    ------
    ExposureError
        Saying what was asked and what fits.

    Examples
    --------
    >>> check_picture_size((10, 6), 150)
    >>> check_picture_size((100, 100), 1200, raster=False)  # an SVG: no pixels
    >>> check_picture_size((100, 100), 1200)
    Traceback (most recent call last):
    ...
    exposure.errors.ExposureError: a picture of 100 x 100 inches at 1200 dpi would be ...
    """
    width, height = figsize
    if not (0 < width <= MAX_INCHES and 0 < height <= MAX_INCHES):
        msg = (
            f"a picture of {width:g} x {height:g} inches: each side must be more than 0 and at "
            f"most {MAX_INCHES:g} inches"
        )
        raise ExposureError(msg)
    pixels = width * height * dpi * dpi
    if raster and pixels > MAX_PIXELS:
        fits = int((MAX_PIXELS / (width * height)) ** 0.5)
        msg = (
            f"a picture of {width:g} x {height:g} inches at {dpi} dpi would be "
            f"{pixels / 1e6:.0f} megapixels; at most {MAX_PIXELS / 1e6:.0f} fit. Lower --dpi "
            f"(at most {fits} here) or --figsize"
        )
        raise ExposureError(msg)


def picture_format(filepath: str | Path | None) -> str:
    """Return the picture format (``png``, ``svg`` or ``pdf``) named by the suffix of ``filepath``.

    Raises
    ------
    ExposureError
        For any other suffix.

    Examples
    --------
    >>> picture_format("network.SVG")
    'svg'
    """
    suffix = Path(str(filepath)).suffix.lower().lstrip(".")
    if suffix not in SAVE_FORMATS:
        msg = (
            f"cannot tell the picture format from {str(filepath)!r}. "
            "End the file name with .png, .svg or .pdf (or .html for the interactive view)"
        )
        raise ExposureError(msg)
    return suffix


def _save_and_show(
    fig: Figure,
    *,
    save: bool,
    show: bool,
    close: bool,
    filepath: str | Path | None,
    dpi: int,
) -> None:
    """Save (format from the suffix, atomically, without dates), then show and/or close."""
    import matplotlib  # as pyplot below
    import matplotlib.pyplot as plt  # slow to import; only pictures need it

    if save:
        fmt = picture_format(filepath)
        metadata: dict[str, Any] = {
            "png": {"Software": None},
            "svg": {"Date": None, "Creator": None},
            "pdf": {"CreationDate": None, "Creator": None, "Producer": None},
        }[fmt]
        buffer = io.BytesIO()
        with matplotlib.rc_context({"svg.hashsalt": "exposure", "pdf.compression": 6}):
            fig.savefig(
                buffer,
                format=fmt,
                dpi=dpi,
                bbox_inches="tight",
                pad_inches=0.15,
                facecolor="white",
                metadata=metadata,
            )
        write_atomic(Path(str(filepath)), buffer.getvalue())
    if show:
        plt.show()
    if close:
        plt.close(fig)
