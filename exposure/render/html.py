"""An interactive view of the network: one self-contained HTML file.

The page holds an SVG drawing of the same layered layout, colours and shapes as the picture of
:mod:`exposure.render.plot`, the details of every company and sale as JSON, and about a hundred lines of
plain JavaScript for panning (drag), zooming (wheel or the buttons) and hover details (tier,
revenue at risk, listing, exposure paths with their products, and sources). It loads nothing
from the network: no CDN, no fonts, no images; a Content-Security-Policy forbids it.

Every name from the data is escaped (HTML in the drawing; JSON with ``<``, ``>`` and ``&``
escaped in the script), and the script only ever sets ``textContent``, so a company called
``<script>`` shows as text.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from exposure.render.plot import (
    OTHER_EDGE,
    OUTLINE,
    OWNERSHIP_EDGE,
    PATH_EDGE,
    PENDING_EDGE,
    ROLE_STYLES,
    UNCERTAIN_EDGE,
    NetworkView,
    clear_bend,
    network_view,
    uncertain_reach,
)
from exposure.result import Result, format_share
from exposure.util.atomic import write_atomic

__all__ = ["MAX_HTML_NODES", "to_html", "write_html"]

#: The interactive view pans and zooms, so it takes larger networks than a picture; above this
#: many companies the page would be slow to use, and an export serves better.
MAX_HTML_NODES = 5000

_ROW = 30  # pixels between companies in the tallest column
_CHAR = 7.2  # estimated width of a character at 12 px
_NAME_CHARS = 48  # longer names are shortened in the drawing (hover shows them in full)


def to_html(result: Result, *, supplier: str | None = None) -> str:
    """Return the interactive view of ``result`` as one HTML page.

    Parameters
    ----------
    result
        An analysis result.
    supplier
        Show only this supplier's exposure paths; default: the whole network.

    Returns
    -------
    str
        A complete HTML document that works offline.

    Raises
    ------
    ExposureError
        When the network has more than :data:`MAX_HTML_NODES` companies.
    UnknownNameError
        When ``supplier`` is not a supplier in the data.

    Examples
    --------
    >>> import exposure
    >>> page = to_html(exposure.analyze(exposure.load(), as_of="2019-10-09"))
    >>> page.startswith("<!DOCTYPE html>"), "https://" in page, page.count('class="node ')
    (True, False, 18)
    """
    view = network_view(result, supplier=supplier, max_nodes=MAX_HTML_NODES)
    return _page(view, _details(result, view))


def write_html(
    result: Result,
    path: str | Path,
    *,
    supplier: str | None = None,
    inputs: tuple[Path, ...] = (),
) -> Path:
    """Write the interactive view of ``result`` to ``path`` (atomically); return ``path``."""
    return write_atomic(Path(path), to_html(result, supplier=supplier), inputs=inputs)


def _path_text(path: Mapping[str, Any]) -> str:
    """Return a path as its companies, and the supplier's products on it."""
    products = f" ({'; '.join(path['products'])})" if path["products"] else ""
    return " → ".join(path["path"]) + products


#: What a sale's share adds when it is not a figure the company disclosed.
_BASIS_NOTES = {
    "estimate": ", an analyst's estimate, not disclosed",
    "unstated": ", basis not given",
}


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _share(value: float | None, lower_bound: bool) -> str:

    return format_share(value, lower_bound)


def _details(result: Result, view: NetworkView) -> dict[str, Any]:
    """Return the hover details of every node and edge, in drawing order."""
    graph = view.graph
    nodes = []
    for name in _node_order(view):
        data = graph.nodes[name]
        item: dict[str, Any] = {
            "name": name,
            "kind": view.role_labels.get(data["role"], ROLE_STYLES[data["role"]]["label"]),
            "country": data.get("country") or "",
        }
        why = []
        if data.get("possibly_listed_as"):
            why.append(f"may be {data['possibly_listed_as']}")
        if data.get("needs_review"):
            why.append("reaches a possible match or affiliate")
        if why and data["role"] == "review":
            item["kind"] = f"Needs review: {'; '.join(why)}"
        elif why:
            item["kind"] += f"; needs review ({'; '.join(why)})"
        if data["exposed"]:
            item["tier"] = data["tier"]
            item["revenue"] = _share(
                data["revenue_at_risk"], data["revenue_at_risk_is_lower_bound"]
            )
        if data.get("list"):
            notice = data.get("federal_register_notice")
            item["listing"] = ", ".join(
                x for x in (data["list"], notice, f"in force from {data['listed_since']}") if x
            )
            item["sources"] = [data["listing_source"]]
        if (data["exposed"] or data.get("needs_review")) and graph.out_degree(name):
            record = result.supplier(name)
            if data["exposed"] and record["share_basis"] == "estimate":
                item["revenue"] += " (rests in part on an analyst's estimate)"
            paths = record["paths"]
            item["paths"] = [_path_text(p) for p in paths]
            # What a review could add: the figure were the pairs confirmed, and their paths.
            pending = record.get("possible_paths") or []
            item["pending"] = [_path_text(p) for p in pending]
            if record.get("needs_review"):
                item["if_confirmed"] = _share(
                    record.get("revenue_at_risk_if_confirmed"),
                    bool(record.get("revenue_at_risk_if_confirmed_is_lower_bound")),
                )
            item["sources"] = list(
                dict.fromkeys(s for p in [*paths, *pending] for s in p["sources"])
            )
        nodes.append(item)
    edges = []
    for u, v in _edge_order(view):
        data = graph.edges[u, v]
        edges.append(
            {
                "name": f"{u} → {v}",
                "kind": _edge_style(data)["label"],
                "products": data["products"],
                "share": _share(data["share"], data["share_is_lower_bound"])
                + _BASIS_NOTES.get(data.get("share_basis") or "", "")
                + (f" ({'; '.join(_as_list(data['period']))})" if data.get("period") else ""),
                "sources": data["sources"],
                "subject": (
                    f"{data['subject_to_ear']}: {data['subject_basis']}"
                    if data.get("subject_to_ear")
                    else ""
                ),
                "review": data.get("license_review") or "",
            }
        )
    return {"nodes": nodes, "edges": edges}


def _node_order(view: NetworkView) -> list[str]:
    return [name for column in view.columns for name in column]


def _edge_order(view: NetworkView) -> list[tuple[str, str]]:
    return sorted(view.graph.edges, key=lambda e: (not view.graph.edges[e]["on_path"], e))


def _same(point: tuple[float, float]) -> tuple[float, float]:
    return point


def _short(name: str) -> str:
    return name if len(name) <= _NAME_CHARS else name[: _NAME_CHARS - 1].rstrip() + "…"


def _width(text: str) -> float:
    return len(text) * _CHAR


def _layout(view: NetworkView) -> tuple[dict[str, tuple[float, float]], float, float]:
    """Pixel positions: columns spaced by their names' widths, rows at the view's heights."""
    columns = view.columns
    height = max(len(c) for c in columns) * _ROW + 40
    last = len(columns) - 1
    x = 20 + max((_width(_short(n)) for n in columns[0]), default=0) + 12 if last else 60.0

    def half(c: int) -> float:  # names of middle columns sit centred above their node
        return max(_width(_short(n)) for n in columns[c]) / 2 if 0 < c < last else 0.0

    xs = [x]
    for c in range(1, len(columns)):
        xs.append(xs[-1] + max(180.0, half(c - 1) + half(c) + 40))
    width = xs[-1] + max((_width(_short(n)) for n in columns[-1]), default=0) + 32
    pos = {
        n: (xs[c], 40 + (height - 40) * view.heights[n])
        for c, column in enumerate(columns)
        for n in column
    }
    return pos, width, height


def _shape(role: str) -> str:
    style = ROLE_STYLES[role]
    common = f'fill="{style["color"]}" stroke="{OUTLINE}" stroke-width="1"'
    if style["marker"] == "s":
        return f'<rect x="-6" y="-6" width="12" height="12" {common}/>'
    if style["marker"] == "D":
        return f'<path d="M0,-8L8,0L0,8L-8,0Z" {common}/>'
    if style["marker"] == "^":
        return f'<path d="M0,-8L7.5,6L-7.5,6Z" {common}/>'
    return f'<circle r="6.5" {common}/>'


def _drawing(view: NetworkView) -> tuple[str, float, float]:
    graph = view.graph
    pos, width, height = _layout(view)
    column_of = view.column_of
    last = len(view.columns) - 1
    esc = html.escape
    parts = [
        f'<text class="heading" x="{pos[col[0]][0]:.1f}" y="18">{esc(heading)}</text>'
        for col, heading in zip(view.columns, view.headings, strict=True)
    ]
    for i, (u, v) in enumerate(_edge_order(view)):
        (x1, y1), (x2, y2) = pos[u], pos[v]
        # Backwards or within a column: a curve; forwards: straight unless that would run
        # over a company in between (the same bends as the picture).
        rad = 0.35 if column_of[v] <= column_of[u] else clear_bend(u, v, view, pos, _same, 8.0)
        if rad:
            cx, cy = (x1 + x2) / 2 + rad * (y2 - y1), (y1 + y2) / 2 - rad * (x2 - x1)
            d = f"M{x1:.1f},{y1:.1f}Q{cx:.1f},{cy:.1f} {x2:.1f},{y2:.1f}"
        else:
            d = f"M{x1:.1f},{y1:.1f}L{x2:.1f},{y2:.1f}"
        kind = _edge_kind(graph.edges[u, v])
        parts.append(
            f'<g class="edge {kind}" data-e="{i}"><path class="hit" d="{d}"/>'
            f'<path class="line" d="{d}" marker-end="url(#arrow-{kind})"/></g>'
        )
    for owner, owned, percent in view.ownership:
        (x1, y1), (x2, y2) = pos[owner], pos[owned]
        cx, cy = (x1 + x2) / 2 + 0.25 * (y2 - y1), (y1 + y2) / 2 - 0.25 * (x2 - x1)
        held = "part unknown" if percent is None else f"{percent:g}%"
        # The label on the curve's midpoint, halfway to its control point.
        mx, my = (x1 + x2) / 4 + cx / 2, (y1 + y2) / 4 + cy / 2
        parts.append(
            f'<g class="ownership"><title>{esc(owner)} owns {held} of {esc(owned)}</title>'
            f'<path d="M{x1:.1f},{y1:.1f}Q{cx:.1f},{cy:.1f} {x2:.1f},{y2:.1f}"/>'
            f'<text x="{mx:.1f}" y="{my:.1f}">{held}</text></g>'
        )
    for i, name in enumerate(_node_order(view)):
        x, y = pos[name]
        c = column_of[name]
        if c == 0 and last:
            tx, ty, anchor = -12, 4, "end"
        elif c == last:
            tx, ty, anchor = 12, 4, "start"
        else:
            tx, ty, anchor = 0, -11, "middle"
        role = graph.nodes[name]["role"]
        parts.append(
            f'<g class="node {role}" data-n="{i}" transform="translate({x:.1f},{y:.1f})" '
            f'aria-label="{esc(name)}">{_shape(role)}'
            f'<text x="{tx}" y="{ty}" text-anchor="{anchor}">{esc(_short(name))}</text></g>'
        )
    return "\n".join(parts), width, height


def _edge_kind(data: dict[str, Any]) -> str:
    """Return the class of a sale in the drawing: ``on-path``, ``uncertain``, ``pending``, ``other``.

    ``uncertain``: on an exposure path, but whether the rules reach it is unknown or assumed.
    """
    if data["on_path"]:
        return "uncertain" if uncertain_reach(data) else "on-path"
    return "pending" if data["pending"] else "other"


#: The style of each class of sale, in the legend's order.
_EDGE_STYLES = {
    "on-path": PATH_EDGE, "uncertain": UNCERTAIN_EDGE, "pending": PENDING_EDGE, "other": OTHER_EDGE
}  # fmt: skip


def _edge_style(data: dict[str, Any]) -> dict[str, str]:
    return _EDGE_STYLES[_edge_kind(data)]


def _legend(view: NetworkView) -> str:
    roles = {view.graph.nodes[n]["role"] for n in view.graph}
    items = [
        f'<span><svg width="18" height="18" viewBox="-9 -9 18 18">{_shape(role)}</svg>'
        f"{html.escape(view.role_labels.get(role, style['label']))}</span>"
        for role, style in ROLE_STYLES.items()
        if role in roles
    ]
    if view.ownership:
        items.append(
            f'<span><svg width="26" height="10"><line class="ownership" x1="1" y1="5" x2="25" '
            f'y2="5" stroke="{OWNERSHIP_EDGE["color"]}"/></svg>'
            f"{html.escape(OWNERSHIP_EDGE['label'])}</span>"
        )
    kinds = {_edge_kind(data) for *_, data in view.graph.edges(data=True)}
    for kind, style in _EDGE_STYLES.items():
        if kind in kinds:
            items.append(
                f'<span><svg width="26" height="10"><line class="{kind}" x1="1" y1="5" x2="25" '
                f'y2="5" stroke="{style["color"]}"/></svg>{html.escape(style["label"])}</span>'
            )
    return "".join(items)


def _json_for_script(data: Any) -> str:
    """JSON that cannot close its ``<script>`` element, whatever the names hold."""
    text = json.dumps(data, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _page(view: NetworkView, details: dict[str, Any]) -> str:
    drawing, width, height = _drawing(view)
    details = {**details, "width": round(width, 1), "height": round(height, 1)}
    notes = "".join(f"<p>{html.escape(note)}</p>" for note in view.notes)
    title = html.escape(view.title)
    return _TEMPLATE.format(
        title=title,
        notes=notes,
        legend=_legend(view),
        drawing=drawing,
        data=_json_for_script(details),
        path_colour=PATH_EDGE["color"],
        other_colour=OTHER_EDGE["color"],
        pending_colour=PENDING_EDGE["color"],
        ownership_colour=OWNERSHIP_EDGE["color"],
        script=_SCRIPT,
    )


_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
html, body {{ margin: 0; height: 100%; font: 13px/1.4 "DejaVu Sans", Verdana, sans-serif; color: #222; }}
body {{ display: flex; flex-direction: column; }}
header {{ padding: 8px 14px 4px; border-bottom: 1px solid #ddd; }}
h1 {{ font-size: 16px; margin: 0 0 4px; font-weight: normal; }}
header p {{ margin: 2px 0; color: #444; font-size: 12px; }}
.legend span {{ display: inline-flex; align-items: center; gap: 4px; margin-right: 14px; font-size: 12px; }}
.legend line.on-path {{ stroke-width: 2.5; }} .legend line.other {{ stroke-width: 1.2; }}
.legend line.pending {{ stroke-width: 1.8; stroke-dasharray: 5 3; }}
.legend line.uncertain {{ stroke-width: 2.5; stroke-dasharray: 7 3 2 3; }}
.controls {{ position: absolute; right: 14px; top: 8px; }}
.controls button {{ font: inherit; min-width: 30px; margin-left: 4px; }}
main {{ position: relative; flex: 1; min-height: 300px; }}
#net {{ position: absolute; inset: 0; width: 100%; height: 100%; cursor: grab; background: #fff; touch-action: none; }}
#net.dragging {{ cursor: grabbing; }}
#net text {{ font-size: 12px; paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }}
#net text.heading {{ font-style: italic; fill: #666; text-anchor: middle; stroke: none; }}
.edge .line {{ fill: none; }}
.edge.on-path .line {{ stroke: {path_colour}; stroke-width: 2; }}
.edge.other .line {{ stroke: {other_colour}; stroke-width: 1; }}
.edge.pending .line {{ stroke: {pending_colour}; stroke-width: 1.5; stroke-dasharray: 6 4; }}
.edge.uncertain .line {{ stroke: {path_colour}; stroke-width: 2; stroke-dasharray: 9 3 2 3; }}
.edge .hit {{ fill: none; stroke: transparent; stroke-width: 9; }}
.ownership path {{ fill: none; stroke: {ownership_colour}; stroke-width: 1.5; stroke-dasharray: 2 3; }}
#net .ownership text {{ fill: {ownership_colour}; font-size: 9px; text-anchor: middle; }}
.legend line.ownership {{ stroke-width: 1.8; stroke-dasharray: 2 3; }}
.edge:hover .line {{ stroke-width: 4; }}
.node {{ cursor: pointer; }} .node:hover text {{ font-weight: bold; }}
#tip {{ position: fixed; display: none; max-width: 420px; background: #fffff6; border: 1px solid #999;
  padding: 6px 8px; font-size: 12px; box-shadow: 2px 2px 6px rgba(0,0,0,.2); pointer-events: none; z-index: 2; }}
#tip h2 {{ font-size: 13px; margin: 0 0 3px; }} #tip div {{ margin-top: 2px; }}
#tip ul {{ margin: 2px 0 0; padding-left: 16px; }}
</style>
</head>
<body>
<header>
<h1>{title}</h1>
<div class="legend">{legend}</div>
{notes}
<p>Drag to pan, scroll (or + and −) to zoom, hover over a company or a sale for its details.</p>
<div class="controls"><button id="zoom-in" title="Zoom in">+</button
><button id="zoom-out" title="Zoom out">−</button
><button id="fit" title="Show everything">Fit</button></div>
</header>
<main>
<svg id="net" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{title}">
<defs>
<marker id="arrow-on-path" viewBox="0 0 10 10" refX="19" refY="5" markerWidth="5" markerHeight="5"
 orient="auto-start-reverse"><path d="M0,0L10,5L0,10Z" fill="{path_colour}"/></marker>
<marker id="arrow-other" viewBox="0 0 10 10" refX="22" refY="5" markerWidth="7" markerHeight="7"
 orient="auto-start-reverse"><path d="M0,0L10,5L0,10Z" fill="{other_colour}"/></marker>
<marker id="arrow-uncertain" viewBox="0 0 10 10" refX="19" refY="5" markerWidth="5" markerHeight="5"
 orient="auto-start-reverse"><path d="M0,0L10,5L0,10Z" fill="{path_colour}"/></marker>
<marker id="arrow-pending" viewBox="0 0 10 10" refX="20" refY="5" markerWidth="6" markerHeight="6"
 orient="auto-start-reverse"><path d="M0,0L10,5L0,10Z" fill="{pending_colour}"/></marker>
</defs>
<g id="view">
{drawing}
</g>
</svg>
<div id="tip" role="tooltip"></div>
</main>
<script type="application/json" id="exposure-data">{data}</script>
<script>
{script}
</script>
</body>
</html>
"""

_SCRIPT = """(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("exposure-data").textContent);
  var svg = document.getElementById("net");
  var view = document.getElementById("view");
  var tip = document.getElementById("tip");
  var k = 1, tx = 0, ty = 0, drag = null;

  function apply() {
    view.setAttribute("transform", "translate(" + tx + "," + ty + ") scale(" + k + ")");
  }
  function fit(all) {
    // Everything in view; at first only while the names stay readable (a scale of 0.7 or
    // more), else the full width from the top (a tall network scrolls).
    var box = svg.getBoundingClientRect();
    k = Math.min(box.width / data.width, 1.5);
    var whole = Math.min(k, box.height / data.height);
    if (all === true || whole >= 0.7) { k = whole; }
    tx = (box.width - data.width * k) / 2;
    ty = Math.max(0, (box.height - data.height * k) / 2);
    apply();
  }
  function zoom(factor, cx, cy) {
    var next = Math.max(0.02, Math.min(30, k * factor));
    tx = cx - (cx - tx) * next / k;
    ty = cy - (cy - ty) * next / k;
    k = next;
    apply();
  }
  function centreZoom(factor) {
    var box = svg.getBoundingClientRect();
    zoom(factor, box.width / 2, box.height / 2);
  }

  svg.addEventListener("wheel", function (event) {
    event.preventDefault();
    var box = svg.getBoundingClientRect();
    zoom(Math.exp(-event.deltaY * 0.0015), event.clientX - box.left, event.clientY - box.top);
  }, { passive: false });
  svg.addEventListener("pointerdown", function (event) {
    drag = { x: event.clientX - tx, y: event.clientY - ty };
    svg.classList.add("dragging");
  });
  window.addEventListener("pointermove", function (event) {
    if (drag) { tx = event.clientX - drag.x; ty = event.clientY - drag.y; apply(); }
  });
  window.addEventListener("pointerup", function () {
    drag = null;
    svg.classList.remove("dragging");
  });
  document.getElementById("zoom-in").addEventListener("click", function () { centreZoom(1.4); });
  document.getElementById("zoom-out").addEventListener("click", function () { centreZoom(1 / 1.4); });
  document.getElementById("fit").addEventListener("click", function () { fit(true); });

  function add(parent, tag, text) {
    var element = document.createElement(tag);
    element.textContent = text;
    parent.appendChild(element);
    return element;
  }
  function field(label, value) {
    var line = add(tip, "div", "");
    add(line, "b", label + ": ");
    line.appendChild(document.createTextNode(value));
  }
  function list(label, items) {
    if (!items || !items.length) { return; }
    add(add(tip, "div", ""), "b", label + ":");
    var ul = add(tip, "ul", "");
    items.forEach(function (item) { add(ul, "li", item); });
  }
  function show(item) {
    tip.textContent = "";
    add(tip, "h2", item.name);
    field("Kind", item.kind);
    if (item.country) { field("Country", item.country); }
    if (item.tier) { field("Tier", String(item.tier)); }
    if (item.revenue) { field("Revenue at risk", item.revenue); }
    if (item.if_confirmed) { field("Revenue at risk if confirmed", item.if_confirmed); }
    if (item.listing) { field("Listing", item.listing); }
    if (item.share) { field("Share of the supplier's revenue", item.share); }
    if (item.subject) { field("Reached by the listing's rules", item.subject); }
    if (item.review) { field("Licence review", item.review); }
    list("Products", item.products);
    list("Exposure paths", item.paths);
    list("Paths pending review", item.pending);
    list("Sources", item.sources);
    tip.style.display = "block";
  }
  function place(event) {
    var x = event.clientX + 14, y = event.clientY + 14;
    var room = window.innerWidth - tip.offsetWidth - 8;
    tip.style.left = Math.max(4, Math.min(x, room)) + "px";
    tip.style.top = Math.max(4, Math.min(y, window.innerHeight - tip.offsetHeight - 8)) + "px";
  }
  svg.addEventListener("mouseover", function (event) {
    var target = event.target.closest("[data-n],[data-e]");
    if (!target || drag) { tip.style.display = "none"; return; }
    var node = target.getAttribute("data-n");
    show(node !== null ? data.nodes[+node] : data.edges[+target.getAttribute("data-e")]);
    place(event);
  });
  svg.addEventListener("mousemove", function (event) {
    if (tip.style.display === "block") { place(event); }
  });
  svg.addEventListener("mouseleave", function () { tip.style.display = "none"; });

  window.addEventListener("resize", function () { fit(false); });
  fit(false);
  document.body.setAttribute("data-nodes", String(svg.querySelectorAll("[data-n]").length));
}());"""
