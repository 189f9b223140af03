"""Turning results into text: terminal tables, Markdown, CSV and JSON.

Every function here takes plain records (lists of dicts, as :meth:`Result.records` returns) and
returns a string (:func:`json_report_chunks`: yields the pieces of one); nothing here computes
exposure or touches the disk.
"""

from __future__ import annotations

import collections
import csv
import io
import itertools
import json
import math
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson

from exposure.changes import described
from exposure.entities.matcher import MATCH_THRESHOLD, POSSIBLE_THRESHOLD
from exposure.entities.screen import SCREEN_FIELDS
from exposure.errors import ExposureError
from exposure.records import beside_exposure
from exposure.result import format_share, significant
from exposure.util.words import count


def tabulate(
    rows: list[list[Any]], *, headers: list[str], tablefmt: str, right: Sequence[int] = ()
) -> str:
    """Lay out a table as the tabulate library's ``simple`` or ``github`` format does.

    Every cell is shown as the text it is (``None`` as nothing, surrounding spaces dropped),
    numbers as ``str`` gives them. Columns at the positions in ``right`` are aligned right, the
    others left; each is as wide as its widest cell or its heading and two more, characters of
    East Asian scripts counting twice. Laid out here rather than by the library, which tests
    each cell's type and width at length: a ranking of 74,000 suppliers took 2.6 s there, and
    depends on whether :mod:`wcwidth` is installed. A cell holding a line break is left to the
    library.

    Examples
    --------
    >>> print(tabulate([["Acme", 1], ["1e3", 12]], headers=["Name", "Tier"], tablefmt="simple",
    ...                right=[1]))
    Name      Tier
    ------  ------
    Acme         1
    1e3         12
    >>> print(tabulate([["华为", 1]], headers=["Name", "Tier"], tablefmt="github", right=[1]))
    | Name   |   Tier |
    |--------|--------|
    | 华为   |      1 |
    """
    return "\n".join(table_lines(rows, headers=headers, tablefmt=tablefmt, right=right))


def _cell(value: Any) -> str:
    return "" if value is None else str(value).strip()


def table_lines(
    rows: Sequence[Sequence[Any]], *, headers: list[str], tablefmt: str, right: Sequence[int] = ()
) -> Iterator[str]:
    """Yield the lines of :func:`tabulate`'s table one by one.

    The rows are read twice, for the columns' widths and then for the lines, and no padded copy
    of them is held: a ranking of a million suppliers is written as it is laid out.

    Examples
    --------
    >>> list(table_lines([["Acme", 1]], headers=["Name", "Tier"], tablefmt="simple", right=[1]))
    ['Name      Tier', '------  ------', 'Acme         1']
    """
    if tablefmt not in ("simple", "github") or any("\n" in _cell(c) for row in rows for c in row):
        from tabulate import tabulate as layout  # only such tables need it

        align = ["right" if i in right else "left" for i in range(len(headers))]
        yield layout(
            [list(row) for row in rows],
            headers=headers,
            tablefmt=tablefmt,
            disable_numparse=True,
            colalign=align,
        )
        return
    right_aligned = set(right) if rows else set()  # as the library: no rows, no alignment
    # Each column as wide as its widest cell, or its heading and two more (a wide character
    # takes a column more than it counts, so ljust and rjust are given the difference).
    widths = [_width(h) + 2 for h in headers]
    for row in rows:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], _width(_cell(value)))
    pads = [str.rjust if i in right_aligned else str.ljust for i in range(len(headers))]

    def padded(texts: Sequence[str]) -> list[str]:
        return [
            pad(t, width - _width(t) + len(t))
            for t, width, pad in zip(texts, widths, pads, strict=True)
        ]

    head, rule = padded(headers), ["-" * width for width in widths]
    if tablefmt == "simple":
        yield "  ".join(head).rstrip()
        yield "  ".join(rule).rstrip()
        for row in rows:
            yield "  ".join(padded([_cell(c) for c in row])).rstrip()
    else:
        yield "| " + " | ".join(head) + " |"
        yield "|" + "|".join(f"-{r}-" for r in rule) + "|"
        for row in rows:
            yield "| " + " | ".join(padded([_cell(c) for c in row])) + " |"


#: Characters that may take other than one column: East Asian scripts, combining marks.
_WIDE_OR_COMBINING = re.compile(
    "[\u0300-\u036f\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f"
    "\uff00-\uff60\uffe0-\uffe6\U00020000-\U0003fffd]"
)


def _width(text: str) -> int:
    """Return how many columns a text takes in a terminal.

    Wide East Asian characters take two, combining marks none.
    """
    if text.isascii():
        return len(text)
    if not _WIDE_OR_COMBINING.search(text):
        return len(text)
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


__all__ = [
    "FORMATS",
    "JsonHops",
    "csv_report_chunks",
    "format_diff",
    "format_for",
    "format_list_diff",
    "format_listed",
    "format_pending",
    "format_report",
    "format_screen",
    "json_report_bytes",
    "json_report_chunks",
    "ranking_chunks",
    "safe_cell",
    "sold_by",
    "to_csv",
]

FORMATS = ("table", "json", "csv", "markdown")
#: The file suffixes each text format is written to; a file without a suffix gets a table.
FORMAT_SUFFIXES = {
    "table": (".txt",),
    "json": (".json",),
    "csv": (".csv",),
    "markdown": (".md", ".markdown"),
}


def format_for(fmt: str | None, path: str | Path | None) -> str:
    """Return the text format to write: ``fmt``, or else the one the suffix of ``path`` names.

    Raises
    ------
    ExposureError
        When the suffix names no text format, or another one than ``fmt``.

    Examples
    --------
    >>> format_for(None, "ranking.csv"), format_for(None, None), format_for("json", "-")
    ('csv', 'table', 'json')
    """
    suffix = "" if path is None or str(path) == "-" else Path(path).suffix.lower()
    if not suffix:
        return fmt or "table"
    named = next((name for name, ends in FORMAT_SUFFIXES.items() if suffix in ends), None)
    if named is None:
        if fmt is not None:
            return fmt  # a suffix of the user's own choosing, the format given
        msg = (
            f"cannot tell the format from {str(path)!r}. End the file name with .txt, .md, .csv "
            "or .json, or pass --format table|markdown|csv|json"
        )
        raise ExposureError(msg)
    if fmt is not None and fmt != named:
        msg = (
            f"--format {fmt} but {str(path)!r} ends in {suffix or 'no suffix'}, which is "
            f"{named}: name the file for the format, or leave --format out"
        )
        raise ExposureError(msg)
    return named


# Cells a spreadsheet would run as a formula (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Neutralise a text cell that a spreadsheet would run as a formula.

    Examples
    --------
    >>> safe_cell("=HYPERLINK(1)"), safe_cell("Hikvision"), safe_cell(-0.5)
    ("'=HYPERLINK(1)", 'Hikvision', -0.5)
    """
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """Write rows as CSV text, lists joined by ``; `` and formulas neutralised.

    Examples
    --------
    >>> print(to_csv([{"a": 1, "b": ["x", "y"]}], ["a", "b"]), end="")
    a,b
    1,x; y
    """
    return "".join(_csv_pieces(columns, [rows]))


def _csv_pieces(
    columns: Sequence[str], groups: Iterable[Iterable[dict[str, Any]]]
) -> Iterator[str]:
    """Yield CSV text: the header line, then the lines of each group of rows, a group a piece."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")

    def taken() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(columns)
    yield taken()
    for rows in groups:
        for row in rows:
            writer.writerow([safe_cell(_flat(row.get(c))) for c in columns])
        yield taken()


def _flat(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(str(_flat(v)) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _markdown_cell(value: Any) -> str:
    text = str(safe_cell(_flat(value)))
    return text.replace("|", "\\|").replace("\n", " ")


def _banner(assumptions: list[str], *, markdown: bool) -> str:
    """State plainly that a report rests on what-if assumptions, or on exact names only.

    Examples
    --------
    >>> print(_banner(["names matched exactly only (--no-fuzzy): ..."], markdown=False))
    NOTE: names matched exactly only (--no-fuzzy): ...
    <BLANKLINE>
    """
    if not assumptions:
        return ""
    what_ifs = [a for a in assumptions if "what-if" in a]
    lines = [f"NOTE: {a}" for a in assumptions if a not in what_ifs]
    if what_ifs:
        lines.append("WHAT-IF: this report rests on assumptions, not on the data alone:")
        lines += [f"  - {a}" for a in what_ifs]
    text = "\n".join(lines) + "\n\n"
    return f"> {text.rstrip()}\n\n".replace("\n  -", "\n> -") if markdown else text


def _share(record: Mapping[str, Any]) -> str:
    if not record["exposed"]:
        return "0.0%"
    return format_share(record["revenue_at_risk"], record["revenue_at_risk_is_lower_bound"])


def _ranked_share(line: Mapping[str, Any]) -> str:
    """Return a ranking's revenue at risk, and what it would be were every sale reached.

    A sale whose reach is unknown counts only in the second: "unknown" alone would rank a
    supplier with a known 40% that may be reached as one of which nothing is known.

    Examples
    --------
    >>> _ranked_share({"exposed": True, "revenue_at_risk": None,
    ...                "revenue_at_risk_is_lower_bound": True, "revenue_at_risk_if_reached": 0.4})
    'unknown (40.0% if reached)'
    """
    share = _share(line)
    if_reached = line.get("revenue_at_risk_if_reached")
    if line["exposed"] and if_reached is not None and not math.isnan(if_reached):
        lower = bool(line.get("revenue_at_risk_if_reached_is_lower_bound"))
        share += f" ({format_share(if_reached, lower)} if reached)"
    return share


PATH_COLUMNS = (
    "supplier", "exposed", "tier", "revenue_at_risk", "revenue_at_risk_is_lower_bound", "share_basis",
    "listed", "path_tier", "path_weight", "path", "products", "list", "federal_register_notice",
    "start_date", "license_policy", "sources", "match", "needs_review",
    "revenue_at_risk_if_confirmed", "revenue_at_risk_if_confirmed_is_lower_bound", "assumptions",
    "other_restrictions", "subject_to_ear", "subject_basis", "license_review", "sales_not_reached",
    "revenue_at_risk_if_reached", "revenue_at_risk_if_reached_is_lower_bound",
    "revenue_at_risk_if_confirmed_and_reached",
    "revenue_at_risk_if_confirmed_and_reached_is_lower_bound",
)  # fmt: skip
#: The columns of a CSV row that describe the supplier rather than one of its paths.
_SUPPLIER_COLUMNS = (
    *PATH_COLUMNS[:6], "needs_review", "revenue_at_risk_if_confirmed",
    "revenue_at_risk_if_confirmed_is_lower_bound", "assumptions", "other_restrictions",
    "sales_not_reached", "revenue_at_risk_if_reached", "revenue_at_risk_if_reached_is_lower_bound",
    "revenue_at_risk_if_confirmed_and_reached",
    "revenue_at_risk_if_confirmed_and_reached_is_lower_bound",
)  # fmt: skip


def _path_rows(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per supplier and listed buyer, then per possible match pending review.

    A supplier with no path keeps one row; ``tier`` is the supplier's (``path_tier`` the
    path's); ``match`` says how the path's last name was linked (``possible``: a path pending
    review, to a possible match or affiliate, not linked).
    """
    rows = []
    for record in records:
        head = {k: record.get(k) for k in _SUPPLIER_COLUMNS}
        head.update(beside_exposure(record))
        paths = [*record["paths"], *record.get("possible_paths", ())]
        if not paths:
            rows.append(head)
        pending = len(record["paths"])
        for number, path in enumerate(paths):
            rows.append(
                {
                    **path,
                    **head,  # the supplier's tier, not the path's
                    "path_tier": path["tier"],
                    "path_weight": path["weight"],
                    "path": " -> ".join(path["path"]),
                    # A path pending review (a possible match or affiliate) is never linked.
                    "match": "possible"
                    if number >= pending
                    else (path.get("match") or {}).get("outcome"),
                }
            )
    return rows


def format_report(
    records: Sequence[Mapping[str, Any]],
    fmt: str,
    *,
    as_of: str,
    detailed: bool,
    of_all: tuple[int, int] | None = None,
) -> str:
    """Format a report in one of :data:`FORMATS`.

    Parameters
    ----------
    records
        From :meth:`Result.records`; for a ranking (``table`` or ``markdown``, not
        ``detailed``), the lines of :meth:`Result.iter_ranking` suffice.
    fmt
        ``table`` (for a terminal), ``json``, ``csv`` (one row per path) or ``markdown``.
    as_of
        The as-of date, for the heading.
    detailed
        Show every path of every supplier (``table``, ``markdown``), as for ``--supplier``;
        otherwise one line per supplier.
    of_all
        For a ranking of the first lines only (``exposure report --top N``): how many
        suppliers are exposed, and how many there are, in the whole ranking; the heading
        counts them and says how many lines are shown.

    Examples
    --------
    >>> from exposure import analyze, load
    >>> result = analyze(load(), as_of="2019-10-09")
    >>> lines = list(result.iter_ranking())[:2]
    >>> text = format_report(lines, "table", as_of="2019-10-09", detailed=False, of_all=(8, 8))
    >>> text.splitlines()[0]
    'Exposure to listed entities as of 2019-10-09: 8 of 8 suppliers exposed; the first 2 shown'
    """
    if fmt == "json":
        return "".join(json_report_chunks(records))
    if fmt == "csv":
        return to_csv(_path_rows(records), PATH_COLUMNS)
    markdown = fmt == "markdown"
    if not detailed:
        return "".join(ranking_chunks(records, as_of=as_of, markdown=markdown, of_all=of_all))
    banner = _banner(records[0]["assumptions"] if records else [], markdown=markdown)
    details = (_detail(r, as_of=as_of, markdown=markdown) for r in records)
    return banner + "\n".join(_hard_breaks(d) if markdown else d for d in details)


def _hard_breaks(text: str) -> str:
    r"""End each line followed by another of its paragraph with a Markdown hard break (``\``).

    A supplier's section lays out one fact a line; Markdown would run a paragraph's lines
    together ("path: ... sale: ... listing: ...").

    Examples
    --------
    >>> print(_hard_breaks("## A\n\nRevenue: 1%\nProducts: x\n\n1. B\n   path: A -> B"))
    ## A
    <BLANKLINE>
    Revenue: 1%\
    Products: x
    <BLANKLINE>
    1. B\
       path: A -> B
    """
    lines = text.split("\n")
    for i, (line, after) in enumerate(itertools.pairwise(lines)):
        if line.strip() and after.strip() and not line.startswith(("#", "|", ">")):
            lines[i] = line.rstrip() + "\\"
    return "\n".join(lines)


_JSON_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY
#: A report's hops are indented five levels deep (the list, a record, its paths, a path, its
#: hops), their list's closing bracket four.
_HOP_INDENT, _HOP_LINE, _HOPS_END = b" " * 10, b"\n" + b" " * 10, b"\n" + b" " * 8 + b"]"


def json_report_chunks(records: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    r"""Yield the JSON text of :func:`format_report` piece by piece, one record a piece.

    Joined, the pieces are the layout of ``json.dumps(list(records), indent=2,
    ensure_ascii=False) + "\n"``, but the records are read one at a time (from
    :meth:`Result.iter_records`): the report of every supplier of a large graph is written
    without holding all of it in memory. Each record is written by :mod:`orjson`, many times
    faster than the standard library's indented (pure Python) encoder: the same text, except
    that a number may be spelled otherwise (``0.00001`` for ``1e-05``) and that a value that is
    no JSON number (``NaN``, infinity) is written ``null``.

    Examples
    --------
    >>> "".join(json_report_chunks([{"a": [1, "x\ny"]}, {}]))
    '[\n  {\n    "a": [\n      1,\n      "x\\ny"\n    ]\n  },\n  {}\n]\n'
    >>> "".join(json_report_chunks([]))
    '[]\n'
    """
    return (chunk.decode("utf-8") for chunk in json_report_bytes(records))


def json_report_bytes(records: Iterable[Mapping[str, Any]]) -> Iterator[bytes]:
    r"""Yield the pieces of :func:`json_report_chunks` as UTF-8, for a file.

    orjson writes bytes: a report of gigabytes is written without decoding and encoding it.

    Examples
    --------
    >>> b"".join(json_report_bytes([{"a": "é"}])).decode("utf-8")
    '[\n  {\n    "a": "é"\n  }\n]\n'
    """
    # A record dumped in a list of one is the text the report holds, brackets aside: orjson
    # indents it one level deeper itself. NumPy numbers (from callers of format_report) are
    # written as the numbers they hold.
    separator = b"[\n"
    for record in records:
        try:
            text = orjson.dumps([record], option=_JSON_OPTIONS)
        except orjson.JSONEncodeError:  # an integer past 64 bits (a count of routes round
            # cycles can be one)
            text = _dumps_big_integers([record])
        yield separator + text[2:-2]  # without "[\n" and "\n]"
        separator = b",\n"
    yield b"[]\n" if separator == b"[\n" else b"\n]\n"


class JsonHops:
    """The hops of path records as :func:`json_report_chunks` writes them, each hop's text made once.

    A :data:`~exposure.records.HopsAs` for :meth:`exposure.Result.iter_records`: the hops of
    a ranking's records are shared between them (a sale into a listed buyer is on the paths
    of thousands of suppliers), and most of a report's text is theirs. Each hop is written
    once, indented as the report holds it, and a path's hops become an :class:`orjson.Fragment`
    that orjson copies as it is.

    Examples
    --------
    >>> hop = {"supplier": "A", "customer": "B"}
    >>> text = "".join(json_report_chunks([{"paths": [{"hops": JsonHops()([hop])}]}]))
    >>> text == "".join(json_report_chunks([{"paths": [{"hops": [hop]}]}]))
    True
    """

    #: How many hops' texts are kept (with their hops); past it, the first half made goes.
    KEPT = 131_072

    def __init__(self) -> None:
        # By the hop's identity; the hops are held, in the same order, so that no other object
        # takes the id of one while its text is kept.
        self._texts: dict[int, bytes] = {}
        self._held: list[Mapping[str, Any]] = []

    def __call__(self, hops: Sequence[Mapping[str, Any]]) -> orjson.Fragment:
        """Return the text of a path's hops, as the report holds it."""
        texts = self._texts
        parts = [texts.get(id(hop)) or self._made(hop) for hop in hops]
        if not parts:
            return orjson.Fragment(b"[]")
        return orjson.Fragment(b"".join((b"[\n", b",\n".join(parts), _HOPS_END)))

    def _made(self, hop: Mapping[str, Any]) -> bytes:
        """Return the hop's text, kept for the next paths it is on."""
        texts, held = self._texts, self._held
        if len(held) >= self.KEPT:
            half = max(len(held) // 2, 1)
            for gone in held[:half]:
                del texts[id(gone)]
            del held[:half]
        # At the depth of a hop in the report: in its path's hops, in a record's paths.
        text = _HOP_INDENT + orjson.dumps(hop, option=_JSON_OPTIONS).replace(b"\n", _HOP_LINE)
        texts[id(hop)] = text
        held.append(hop)
        return text


def _dumps_big_integers(value: Any) -> bytes:
    """Return :func:`orjson.dumps` of ``value`` (a report's layout), integers past 64 bits too.

    orjson refuses them: each is written as a marker string first (random: no string of the
    report's is one), then the marker is replaced by the integer's digits.

    Examples
    --------
    >>> import json
    >>> json.loads(_dumps_big_integers({"routes": 2**70, "shares": [0.5]}))
    {'routes': 1180591620717411303424, 'shares': [0.5]}
    """
    digits: list[bytes] = []
    token = secrets.token_hex(16)

    def marked(item: Any) -> Any:
        if isinstance(item, dict):
            return {key: marked(part) for key, part in item.items()}
        if isinstance(item, list | tuple):
            return [marked(part) for part in item]
        if isinstance(item, int) and not isinstance(item, bool) and not -(2**63) <= item < 2**64:
            digits.append(str(item).encode("ascii"))
            return f"{token} {len(digits) - 1}"
        return item

    text = orjson.dumps(marked(value), option=_JSON_OPTIONS)
    for number, written in enumerate(digits):
        text = text.replace(orjson.dumps(f"{token} {number}"), written, 1)
    return text


def csv_report_chunks(records: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    r"""Yield the CSV text of :func:`format_report` piece by piece: the header, then a record's rows.

    Joined, the pieces are ``format_report(list(records), "csv", ...)``; as with
    :func:`json_report_chunks`, the records are read one at a time.

    Examples
    --------
    >>> pieces = list(csv_report_chunks([{"supplier": "A", "exposed": False, "tier": None,
    ...     "revenue_at_risk": None, "revenue_at_risk_is_lower_bound": False,
    ...     "share_basis": None, "paths": []}]))
    >>> pieces[1]
    'A,false,,,false,,,,,,,,,,,,,,,,,,,,,,,,,\n'
    """
    return _csv_pieces(PATH_COLUMNS, (_path_rows([record]) for record in records))


#: Listed buyers a line of the ranking names; the JSON and CSV reports name them all.
RANKING_BUYERS = 3


def _first_names(names: list[str], reached: int | None = None) -> str:
    """Name the first :data:`RANKING_BUYERS` listed buyers and count the others.

    ``reached``: every listed buyer reached (``names`` are those of the paths), when known.
    A supplier of a large graph can sell to dozens of listed entities: the column stays
    readable, and a table of a million suppliers is not padded to its longest line.

    Examples
    --------
    >>> _first_names(["A", "B"]), _first_names(["A", "B", "C", "D", "E"]), _first_names(["A"], 4)
    ('A, B', 'A, B, C and 2 more', 'A and 3 more')
    """
    shown = names[:RANKING_BUYERS]
    others = max(len(names), reached or 0) - len(shown)
    return ", ".join(shown) + (f" and {others} more" if others > 0 else "")


def _review_cell(line: Mapping[str, Any]) -> str:
    """Say that a supplier needs review, and its revenue at risk were the pairs confirmed.

    >>> _review_cell({"needs_review": True, "revenue_at_risk_if_confirmed": 0.1,
    ...               "revenue_at_risk_if_confirmed_is_lower_bound": True})
    'needs review (≥ 10.0% if confirmed)'
    """
    if not line.get("needs_review"):
        return ""
    figure = line.get("revenue_at_risk_if_confirmed")
    lower = bool(line.get("revenue_at_risk_if_confirmed_is_lower_bound"))
    if figure is None and not lower:
        return "needs review"
    cell = f"{format_share(figure, lower)} if confirmed"
    reached = line.get("revenue_at_risk_if_confirmed_and_reached")
    if reached is not None:
        also = bool(line.get("revenue_at_risk_if_confirmed_and_reached_is_lower_bound"))
        cell += f", {format_share(reached, also)} if reached too"
    return f"needs review ({cell})"


def ranking_chunks(
    lines: Iterable[Mapping[str, Any]],
    *,
    as_of: str,
    markdown: bool = False,
    of_all: tuple[int, int] | None = None,
) -> Iterator[str]:
    """Yield the text of :func:`format_report`'s ranking piece by piece.

    ``lines`` (from :meth:`Result.iter_ranking`) are read once and kept only as the cells of
    their rows; the table is then written a block of lines at a time, so that a ranking of a
    million suppliers is never one text in memory. ``of_all`` as for :func:`format_report`.

    Examples
    --------
    >>> line = {"supplier": "Acme", "exposed": False, "tier": None, "listed_buyers": [],
    ...         "share_basis": "", "assumptions": []}
    >>> print("".join(ranking_chunks([line], as_of="2019-10-09")).splitlines()[2])
    Supplier    Exposed      Tier  Listed buyers    Revenue at risk    Basis
    """
    assumptions: list[str] | None = None
    rows: list[tuple[str, ...]] = []
    exposed = review = 0
    if_reached = False
    for r in lines:
        if assumptions is None:
            assumptions = list(r.get("assumptions") or [])
        exposed += bool(r["exposed"])
        review += bool(r.get("needs_review"))
        row = (
            str(r["supplier"]),
            "yes" if r["exposed"] else "no",
            str(r["tier"] or ""),
            _first_names(r["listed_buyers"], r.get("listed_buyers_reached")),
            share := _ranked_share(r),
            r["share_basis"] or "",
            _review_cell(r),
        )
        if_reached |= share.endswith(" if reached)")
        rows.append(tuple(_markdown_cell(c) for c in row) if markdown else row)
    exposed, ranked = of_all or (exposed, len(rows))
    headers = ["Supplier", "Exposed", "Tier", "Listed buyers", "Revenue at risk", "Basis"]
    # The column appears when some line needs review, so that no pending match goes unseen.
    if review:
        headers.append("Review")
    else:
        rows = [row[:-1] for row in rows]
    title = f"Exposure to listed entities as of {as_of}: {exposed} of {ranked} suppliers exposed"
    if of_all is not None:
        title += f"; the first {len(rows)} shown"
    yield _banner(assumptions or [], markdown=markdown)
    yield f"## {title}\n\n" if markdown else f"{title}\n\n"
    table = table_lines(
        rows, headers=headers, tablefmt="github" if markdown else "simple", right=[2]
    )
    block: list[str] = []
    for line in table:
        block.append(line)
        if len(block) == _LINES_A_BLOCK:
            yield "\n".join(block) + "\n"
            block = []
    yield "\n".join(block)
    note = (
        "Revenue at risk: share of the supplier's revenue that ends with listed entities, on "
        "sales the rules reach; '≥' = lower bound (some shares, or whether the rules reach a "
        "sale, unknown); 'unknown' = no such share known.\n"
        "Use --supplier NAME for paths, products, listings and sources; --format csv or json"
        " for every listed buyer of every supplier."
    )
    if if_reached:
        note += "\n'if reached': were every sale whose reach is unknown reached by the rules."
    if review:
        note += (
            "\n'needs review': a customer on its paths is only a possible match of a listed"
            " entity, or owned by one in a part the data does not give: not counted above until"
            " confirmed in matches.csv, or the part given in ownership.csv."
        )
    yield f"\n\n{note}\n"


#: How many lines of a ranking :func:`ranking_chunks` yields at a time.
_LINES_A_BLOCK = 10_000


def _detail(record: Mapping[str, Any], *, as_of: str, markdown: bool) -> str:
    lines: list[str] = []
    sources: dict[str, int] = {}

    def cite(items: Iterable[str]) -> str:
        return "".join(f"[{sources.setdefault(s, len(sources) + 1)}]" for s in items)

    status = f"EXPOSED (tier {record['tier']})" if record["exposed"] else "not exposed"
    if record.get("needs_review"):
        status += ", needs review"
    heading = f"{record['supplier']}: {status}, as of {as_of}"
    lines.append(f"## {heading}" if markdown else heading)
    lines.append("" if markdown else "=" * len(heading))
    risk = _share(record)
    if record["exposed"]:
        basis = {
            "estimate": "rests on an analyst's estimate",
            "disclosed": "disclosed figures",
            "unstated": "in part shares whose basis the data does not give",
            "unknown": "no share of revenue the rules surely reach is known for these sales"
            if any(p.get("subject_to_ear") == "unknown" for p in record["paths"])
            else "no share of revenue is known for these sales",
        }.get(record["share_basis"] or "", "")
        bound = (
            f"; a lower bound, {_unknown_on_paths(record)}"
            if record["revenue_at_risk_is_lower_bound"] and risk != "unknown"
            else ""
        )
        lines.append(f"Revenue at risk: {risk} ({basis}{bound})")
        if record.get("revenue_at_risk_if_reached") is not None:
            lower = bool(record.get("revenue_at_risk_if_reached_is_lower_bound"))
            bound = "; a lower bound, some shares are unknown" if lower else ""
            lines.append(
                "If the rules reach every sale whose reach is unknown: "
                f"{format_share(record['revenue_at_risk_if_reached'], lower)} (known shares{bound})"
            )
        lines.append(f"Affected products: {'; '.join(record['products'])}")
        lines.append("")
        summary = record["summary"]
        shown = len({p["listed"] for p in record["paths"]})
        reached = summary["listed_buyers_reached"]
        which = "all" if shown == reached else f"{shown} of them"
        lines.append(
            f"Listed buyers reached: {reached}, {which} on the "
            f"{count(len(record['paths']), 'path')} shown:"
        )
    else:
        lines.append(
            "It reaches no listed entity by a sale the rules reach (see below)."
            if record.get("sales_not_reached")
            else "It reaches no entity whose listing is in force on that date."
        )
    bullet = "" if markdown else " "
    indent = "   " if markdown else "     "
    for number, path in enumerate(record["paths"], start=1):
        lines.append("")
        weight = _weight_text(path)
        quantified = "" if path.get("weight") is not None or path["tier"] == 1 else ", unquantified"
        limit = record["summary"]["max_tier"]
        beyond = (
            ", beyond the tier limit: shown for the tier" if limit and path["tier"] > limit else ""
        )
        lines.append(
            f"{bullet}{number}. {path['listed']} (tier {path['tier']}{weight}{quantified}{beyond})"
        )
        lines.extend(_path_sales_and_listing(path, cite, indent))
        if path.get("subject_to_ear"):
            lines.append(f"{indent}subject:   {path['subject_to_ear']}: {path['subject_basis']}")
        lines.extend(_licence(path, indent))
        lines.extend(_ownership_chains(path, indent))
        match = path.get("match")
        if match and match["outcome"] in ("fuzzy", "confirmed"):
            score = "" if match["score"] is None else f", score {match['score']}"
            lines.append(
                f"{indent}name:      {match['spelling']!r} in the data matched {match['matched_as']!r} "
                f"({match['outcome']}{score})"
            )
    summary = record.get("summary") or {}
    if record["exposed"] and summary:
        lines.append("")
        lines.append(_summary_line(summary))
    lines.extend(_needs_review(record, cite, bullet=bullet, indent=indent))
    lines.extend(_sales_not_reached(record, cite, bullet=bullet))
    lines.extend(_other_restrictions(record, cite, bullet=bullet))
    if sources:
        lines.append("")
        lines.append("Sources:")
        lines.extend(f"  [{n}] {s}" for s, n in sources.items())
    lines.append("")
    if markdown:
        lines = [line.replace("|", "\\|") for line in lines]
    return "\n".join(lines)


def _path_sales_and_listing(
    path: Mapping[str, Any], cite: Callable[[Iterable[str]], str], indent: str
) -> list[str]:
    """Lay out a path's companies, each sale with its share, and the listing at its end."""
    lines = [f"{indent}path:      {' -> '.join(path['path'])}"]
    for hop in path["hops"]:
        share = format_share(hop["revenue_share"], hop["revenue_share_is_lower_bound"])
        if hop.get("share_period"):
            share += f" ({hop['share_period']})"
        if hop.get("revenue_share_reached") is not None:
            share += (
                f", of which the rules reach {format_share(hop['revenue_share_reached'], False)}"
            )
        lines.append(
            f"{indent}sale:      {hop['supplier']} -> {hop['customer']}: "
            f"{'; '.join(hop['products'])}; share of revenue {share} {cite(hop['sources'])}"
        )
    listing_sources = [
        s for s in path["sources"] if not any(s in h["sources"] for h in path["hops"])
    ]
    lines.append(
        f"{indent}listing:   {path['list']}, {path['federal_register_notice'] or 'notice unknown'}, "
        f"in force from {path['start_date']} {cite(listing_sources)}"
    )
    return lines


def _needs_review(
    record: Mapping[str, Any], cite: Callable[[Iterable[str]], str], *, bullet: str, indent: str
) -> list[str]:
    """Lay out the paths to possible matches of listed entities: what a review could add."""
    possible = record.get("possible_paths") or []
    if not record.get("needs_review"):
        return []
    lines = [
        "",
        f"Needs review ({len(possible)}): possible matches or affiliates of listed entities, "
        "not counted above.",
    ]
    if_confirmed = record.get("revenue_at_risk_if_confirmed")
    lower = bool(record.get("revenue_at_risk_if_confirmed_is_lower_bound"))
    if if_confirmed is not None:
        bound = "; a lower bound, some shares are unknown" if lower else ""
        lines.append(
            f"Revenue at risk if confirmed: {format_share(if_confirmed, lower)} (known shares{bound})."
        )
    elif lower and record.get("revenue_at_risk_if_confirmed_and_reached"):
        lines.append(
            "Revenue at risk if confirmed: unknown (whether the rules reach the sales a "
            "confirmation would add is unknown)."
        )
    elif lower:
        lines.append(
            "Revenue at risk if confirmed: unknown (no share of revenue is known on the paths "
            "a confirmation would add)."
        )
    and_reached = record.get("revenue_at_risk_if_confirmed_and_reached")
    if and_reached is not None:
        also = bool(record.get("revenue_at_risk_if_confirmed_and_reached_is_lower_bound"))
        bound = "; a lower bound, some shares are unknown" if also else ""
        lines.append(
            "If confirmed, and the rules reach every sale whose reach is unknown: "
            f"{format_share(and_reached, also)} (known shares{bound})."
        )
    for number, path in enumerate(possible, start=1):
        match = path.get("match") or {}
        weight = _weight_text(path) or _weight_if_reached_text(path)
        owned = path.get("ownership")
        lines.append("")
        if owned:  # a possible affiliate: owned by listed entities in a part not given
            lines.append(
                f"{bullet}{number}. {path['path'][-1]!r} may be an affiliate of {path['listed']} "
                f"({_why_possible(owned)}; tier {path['tier']}{weight})"
            )
        else:
            lines.append(
                f"{bullet}{number}. {match.get('spelling') or path['path'][-1]!r} may be "
                f"{path['listed']} (possible, score {match.get('score')}; tier {path['tier']}"
                f"{weight})"
            )
        lines.extend(_path_sales_and_listing(path, cite, indent))
        if path.get("subject_to_ear"):
            lines.append(
                f"{indent}subject:   {path['subject_to_ear']} if confirmed: {path['subject_basis']}"
            )
        lines.extend(_ownership_chains(path, indent))
        if match.get("explanation") and not owned:
            lines.append(f"{indent}why:       {match['explanation']}")
        lines.append(
            f"{indent}review:    "
            + (
                (
                    "check the SDN owners' programmes: under one of 15 CFR 744.8(a)(1), it is an "
                    "affiliate (90 FR 47201)"
                    if owned.get("sdn_part")
                    else "give each part in ownership.csv: from the threshold in all, it counts "
                    "as listed"
                )
                if owned
                else "confirm or reject the pair in matches.csv"
            )
        )
    if record.get("needs_review") and not possible and if_confirmed == 0 and not lower:
        lines.append(
            "Were they confirmed, the rules would reach none of its sales toward them "
            "(`exposure review` lists the pairs)."
        )
    elif record.get("needs_review") and not possible:
        lines.append(
            "A possible match lies on a route beyond the tier limit or the minimum weight; "
            "use --max-tier 0 --min-weight 0 to list it."
        )
    return lines


def _weight_text(path: Mapping[str, Any]) -> str:
    """Return ``", weight W% of revenue"`` for a path of known weight; else empty."""
    weight = path.get("weight")
    return "" if weight is None else f", weight {significant(100 * weight, 3)}% of revenue"


def _weight_if_reached_text(path: Mapping[str, Any]) -> str:
    """Return the weight of a path of unknown weight whose shares are all known, if reached.

    Its weight is unknown only because whether the rules reach a sale is: the product of its
    sales' shares is what it carries should they.
    """
    hops = path.get("hops") or []
    shares = [
        hop["revenue_share_reached"]
        if hop.get("revenue_share_reached") is not None
        else hop.get("revenue_share")
        for hop in hops
    ]
    if (
        path.get("subject_to_ear") != "unknown"
        or not hops
        or any(share is None for share in shares)
        or any(hop.get("revenue_share_is_lower_bound") for hop in hops)
    ):
        return ""
    weight = math.prod(float(share) for share in shares)
    return f", weight {significant(100 * weight, 3)}% of revenue if the rules reach it"


def _ownership_chains(path: Mapping[str, Any], indent: str) -> list[str]:
    """Lay out the chains by which listed entities own the affiliate a path ends at."""
    lines = []
    for owner in (path.get("ownership") or {}).get("owners", []):
        chain = " -> ".join(
            f"{name} ({percent:g}%)" if percent is not None else f"{name} (part unknown)"
            for name, percent in zip(owner["chain"][1:], owner["percents"], strict=True)
        )
        lines.append(f"{indent}owned:     {owner['chain'][0]} -> {chain}")
    # The part an owner that counts through its own owners holds: once, whatever the chains.
    for holder in (path.get("ownership") or {}).get("holders", []):
        if holder["listed"]:
            continue
        part = "a part unknown" if holder["part"] is None else f"{100 * holder['part']:.4g}%"
        share = holder["owned_by_listed"]
        counts = (
            f"{100 * share:.4g}% owned by listed entities"
            if share is not None
            else "owned by listed entities in a part the data does not give"
        )
        lines.append(
            f"{indent}held:      {holder['holder']} holds {part}; it counts as listed, {counts}"
        )
    return lines


def _licence(path: Mapping[str, Any], indent: str) -> list[str]:
    """Lay out the licence review of a path's items, and the listing's policy it comes from."""
    policy = path["license_policy"] or "policy not given in the data"
    review = path.get("license_review")
    if not review or not ("ECCN" in review or "EAR99" in review):  # one review for every item
        return [f"{indent}licence:   {policy}"]
    if review.startswith("depends on the ECCN"):
        return [f"{indent}licence:   by ECCN, not in the data: {policy}"]
    return [f"{indent}licence:   {review}", f"{indent}policy:    {policy}"]


def _sales_not_reached(
    record: Mapping[str, Any], cite: Callable[[Iterable[str]], str], *, bullet: str
) -> list[str]:
    """Lay out the supplier's sales to listed buyers that the rules do not reach."""
    found = record.get("sales_not_reached") or []
    if not found:
        return []
    lines = ["", "Sales to listed buyers the rules do not reach (no exposure):"]
    for sale in found:
        lines.append(
            f"{bullet}- {sale['buyer']}: {'; '.join(sale['products'])}: {sale['basis']} "
            f"{cite(sale['sources'])}"
        )
    return lines


def _other_restrictions(
    record: Mapping[str, Any], cite: Callable[[Iterable[str]], str], *, bullet: str
) -> list[str]:
    """Lay out the listings of the supplier's buyers that do not restrict its sales."""
    found = record.get("other_restrictions") or []
    if not found:
        return []
    lines = [
        "",
        "Other restrictions on its buyers (they do not restrict these sales: no exposure):",
    ]
    for item in found:
        notice = f", {item['federal_register_notice']}" if item["federal_register_notice"] else ""
        basis = f" ({item['basis']})" if item["basis"] else ""
        lines.append(
            f"{bullet}- {item['buyer']}: {item['list']}{notice}, in force from "
            f"{item['start_date']}: restricts {item['restricts']}{basis} {cite(item['sources'])}"
        )
    return lines


def _unknown_on_paths(record: Mapping[str, Any]) -> str:
    """Say what makes a supplier's revenue at risk a lower bound: unknown shares, unknown reach.

    Whether the rules reach a sale is in doubt where a path's is, or where counting the sales
    of unknown reach would change the figure (a product of a sale that is, its reach unknown).
    """
    paths = record["paths"]
    reach = record.get("revenue_at_risk_if_reached") is not None or any(
        p.get("subject_to_ear") == "unknown" for p in paths
    )
    shares = any(
        hop["revenue_share"] is None or hop["revenue_share_is_lower_bound"]
        for p in paths
        for hop in p["hops"]
    )
    if reach and shares:
        return "some shares or whether the rules reach a sale are unknown"
    if reach:
        return "whether the rules reach a sale is unknown"
    return "some shares are unknown"


def _summary_line(summary: Mapping[str, Any]) -> str:
    """Say what the listed paths leave out, so that nothing disappears silently."""
    limit = f"up to {count(summary['max_tier'], 'sale')}" if summary["max_tier"] else "any length"
    carrying = (
        f" carrying at least {100 * summary['min_weight']:g}% of revenue"
        if summary["min_weight"]
        else ""
    )
    rule = (
        "Shown: every sale to a listed entity, a shortest path to each nearest one, and paths "
        f"of {limit}{carrying}."
    )
    left = []
    if summary["routes_not_shown"]:
        left.append(f"{count(summary['routes_not_shown'], 'more route')} within the tier limit")
    if summary["listed_buyers_not_shown"]:
        left.append(f"{count(summary['listed_buyers_not_shown'], 'more listed buyer')} reached")
    unquantified = summary.get("unquantified_paths_shown") or 0
    every_route = (summary["routes_not_shown"] == 0 and not summary["beyond_tier_limit"]) or not (
        summary["max_tier"] or summary["min_weight"]
    )
    every_path = not (summary["max_tier"] or summary["min_weight"])
    if summary["weight_not_shown"] and not (unquantified and every_route):
        # A path of unknown weight counts for none of it: some of it may be on those shown.
        weight = f"{significant(100 * summary['weight_not_shown'], 3)}% of revenue"
        if unquantified:
            left.append(
                f"up to {weight} on routes not shown (the rest on the "
                f"{count(unquantified, 'path')} of unknown weight shown)"
            )
        elif every_path and not summary["listed_buyers_not_shown"]:
            # Every path is shown: the rest comes back round a cycle, which no path follows.
            left.append(
                f"{weight} that comes round cycles (sales back to a company on the way), which "
                "no path shows: a path visits each company once"
            )
        else:
            left.append(f"{weight} on routes not shown")
    if summary["beyond_tier_limit"]:
        left.append("routes longer than the tier limit")
    if not left:
        return rule + " Nothing left out."
    advice = "" if every_path else " Use --max-tier 0 --min-weight 0 to list every path."
    return f"{rule} Not shown: {'; '.join(left)}.{advice}"


def format_listed(rows: list[dict[str, Any]], fmt: str, *, as_of: str) -> str:
    """Format the listings in force (``exposure listed``)."""
    columns = [
        "name",
        "country",
        "kind",
        "list",
        "federal_register_notice",
        "start_date",
        "end_date",
        "license_policy",
        "source",
    ]
    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return to_csv(rows, columns)
    shown = ["name", "country", "kind", "list", "federal_register_notice", "start_date"]
    table_rows = [
        [_markdown_cell(r[c]) if fmt == "markdown" else _flat(r[c]) for c in shown] for r in rows
    ]
    headers = ["Name", "Country", "Kind", "List", "Notice", "Since"]
    table = tabulate(
        table_rows, headers=headers, tablefmt="github" if fmt == "markdown" else "simple"
    )
    affiliates = sum("(affiliate:" in str(r.get("list") or "") for r in rows)
    title = f"{count(len(rows) - affiliates, 'listing')} in force on {as_of}"
    if affiliates:
        title += f", and {count(affiliates, 'affiliate')} listed through ownership"
    return f"{'## ' if fmt == 'markdown' else ''}{title}\n\n{table}\n"


def format_diff(
    changes: Sequence[Mapping[str, Any]],
    fmt: str,
    *,
    before: str,
    after: str,
    assumptions: list[str],
) -> str:
    """Format what changed between two analyses (``exposure diff``)."""
    if fmt == "json":
        return json.dumps(changes, indent=2, ensure_ascii=False) + "\n"
    columns = [
        "supplier", "change", "exposed_before", "exposed_after", "tier_before", "tier_after",
        "revenue_at_risk_before", "revenue_at_risk_after", "revenue_at_risk_change",
        "revenue_at_risk_is_lower_bound", "revenue_at_risk_before_is_lower_bound",
        "revenue_at_risk_after_is_lower_bound", "new_listed_buyers", "dropped_listed_buyers",
        "needs_review_before", "needs_review_after", "revenue_at_risk_if_confirmed_before",
        "revenue_at_risk_if_confirmed_after", "revenue_at_risk_if_confirmed_before_is_lower_bound",
        "revenue_at_risk_if_confirmed_after_is_lower_bound",
    ]  # fmt: skip
    if fmt == "csv":
        flat = [
            {
                **c,
                "new_listed_buyers": [_through(b) for b in c["new_listed_buyers"]],
                "dropped_listed_buyers": [_through(b) for b in c["dropped_listed_buyers"]],
            }
            for c in changes
        ]
        return to_csv(flat, columns)
    markdown = fmt == "markdown"
    rows = []
    for c in changes:
        lower_before = c["revenue_at_risk_before_is_lower_bound"] and c["exposed_before"]
        lower_after = c["revenue_at_risk_after_is_lower_bound"] and c["exposed_after"]
        rows.append(
            [
                c["supplier"],
                c["change"],
                f"{c['tier_before'] or 'none'} -> {c['tier_after'] or 'none'}",
                f"{format_share(c['revenue_at_risk_before'], lower_before)} -> "
                f"{format_share(c['revenue_at_risk_after'], lower_after)}" + _review_change(c),
                # Both sides: a supplier may gain one listed buyer and lose another.
                "; ".join(
                    [
                        *(f"+ {_through(b)}" for b in c["new_listed_buyers"]),
                        *(f"- {_through(b)}" for b in c["dropped_listed_buyers"]),
                    ]
                ),
            ]
        )
    if markdown:
        rows = [[_markdown_cell(cell) for cell in row] for row in rows]
    headers = [
        "Supplier", "Change", "Tier", "Revenue at risk",
        "Through (+ reached now, - no longer; listing, notice, date)",
    ]  # fmt: skip
    table = tabulate(rows, headers=headers, tablefmt="github" if markdown else "simple")
    changed = sum(c["change"] != "unchanged" for c in changes)
    title = f"What changed from {before} to {after}: {count(changed, 'supplier')} changed"
    if changed < len(changes):
        title += f", {len(changes) - changed} unchanged listed too"
    body = table if changes else "No supplier's exposure changed."
    return (
        _banner(assumptions, markdown=markdown) + f"{'## ' if markdown else ''}{title}\n\n{body}\n"
    )


def _review_change(change: Mapping[str, Any]) -> str:
    """Say what a confirmation would add on each side, where some side needs review."""
    sides = []
    for side in ("before", "after"):
        if not change.get(f"needs_review_{side}"):
            sides.append("none")
            continue
        figure = change.get(f"revenue_at_risk_if_confirmed_{side}")
        lower = bool(change.get(f"revenue_at_risk_if_confirmed_{side}_is_lower_bound"))
        sides.append(format_share(figure, lower))
    if sides == ["none", "none"]:
        return ""
    return f" (needs review: {sides[0]} -> {sides[1]} if confirmed)"


def format_list_diff(
    entries: Sequence[Mapping[str, Any]],
    changes: Sequence[Mapping[str, Any]],
    fmt: str,
    *,
    old: str,
    new: str,
    as_of: str,
    assumptions: list[str],
) -> str:
    """Format what a new version of a list changed, and what that did to the suppliers.

    ``entries`` are :func:`exposure.changes.list_changes`' records; ``changes`` the
    suppliers' (:func:`exposure.changes.diff`).
    """
    if fmt == "json":
        both = {"list_changes": list(entries), "supplier_changes": list(changes)}
        return json.dumps(both, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        columns = [
            "change", "list", "name", "country", "start_date", "federal_register_notice",
            "fields", "suppliers",
        ]  # fmt: skip
        return to_csv([{**e, "fields": described(e["fields"])} for e in entries], columns)
    markdown = fmt == "markdown"
    tally = ", ".join(
        f"{sum(e['change'] == kind for e in entries)} {kind}"
        for kind in ("added", "removed", "changed")
    )
    title = f"What {new} changed against {old}: {tally}"
    lines = [f"{'## ' if markdown else ''}{title}", ""]
    mark = {"added": "+", "removed": "-", "changed": "~"}
    for e in entries:
        where = f" ({e['country']})" if e["country"] else ""
        since = f", from {e['start_date']}" if e["start_date"] else ""
        notice = f", {e['federal_register_notice']}" if e["federal_register_notice"] else ""
        what = f": {described(e['fields'])}" if e["fields"] else ""
        touches = (
            f" -- reached by {', '.join(e['suppliers'])}"
            if e["suppliers"]
            else " -- no supplier in the data"
        )
        bullet = f"{'- ' if markdown else ' '}{mark[e['change']]}"
        lines.append(f"{bullet} {e['list']}: {e['name']}{where}{since}{notice}{what}{touches}")
    if not entries:
        lines.append("The two lists hold the same entries.")
    suppliers = format_diff(changes, fmt, before=old, after=new, assumptions=assumptions)
    suppliers = suppliers.replace(
        f"What changed from {old} to {new}", f"Suppliers, as of {as_of}", 1
    )
    if markdown:
        lines = [line.replace("|", "\\|") for line in lines]
    return "\n".join(lines) + "\n\n" + suppliers


def _through(buyer: dict[str, Any]) -> str:
    notice = buyer["federal_register_notice"] or "notice unknown"
    return f"{buyer['listed']} ({buyer['list']}, {notice}, {buyer['start_date']})"


def format_screen(
    records: list[dict[str, Any]], fmt: str, *, against: str, screened: int | None = None
) -> str:
    """Format screening results as ``table``, ``markdown``, ``json`` or ``csv``.

    Parameters
    ----------
    records
        Screening results as :func:`exposure.entities.screen.screen_records` gives them.
    fmt
        The format.
    against
        What was screened against, for the table's title (e.g. ``12 listed entities in force
        on 2019-10-09``).
    screened
        How many names were screened (a name given twice counts twice); default: the
        distinct names of ``records``.
    """
    if fmt == "json":
        return json.dumps(records, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return to_csv(records, SCREEN_FIELDS)
    markdown = fmt == "markdown"
    # The country given is evidence: one name screened with several reads apart by it.
    countries = any(r.get("country") for r in records)
    headers = ["Name", *(["Country"] if countries else []), "Outcome", "Score", "Listed as"]
    headers += ["List", "Why"]
    rows = [
        [
            r["name"],
            *([r.get("country") or ""] if countries else []),
            r["outcome"],
            "" if r["score"] is None else f"{r['score']:.1f}",
            r["matched_as"] or "",
            r["list"] or "",
            r["explanation"],
        ]
        for r in records
    ]
    if markdown:
        rows = [[str(safe_cell(c)).replace("|", "\\|") for c in row] for row in rows]
    table = tabulate(rows, headers=headers, tablefmt="github" if markdown else "simple")
    counts = collections.Counter(r["outcome"] for r in records)
    summary = ", ".join(
        f"{counts[o]} {o}" for o in ("confirmed", "match", "possible", "none") if o in counts
    )
    how_many = screened if screened is not None else len(dict.fromkeys(r["name"] for r in records))
    title = f"Screened {count(how_many, 'name')} against {against}: {summary}"
    note = (
        f"Outcomes: match from a score of {MATCH_THRESHOLD:g}; possible (needs review) from "
        f"{POSSIBLE_THRESHOLD:g}; confirmed = reviewed in matches.csv. Use --format json for "
        "the normalised forms."
    )
    if markdown:
        return f"## {title}\n\n{table}\n\n{note}\n"
    return f"{title}\n\n{table}\n\n{note}\n"


#: The columns of ``exposure review`` in CSV.
PENDING_COLUMNS = (
    "customer", "listed", "list", "score", "explanation", "line", "suppliers", "revenue_shares",
    "largest_share",
)  # fmt: skip


def format_pending(
    links: Sequence[Mapping[str, Any]],
    fmt: str,
    *,
    as_of: str,
    possible_affiliates: Sequence[str] = (),
) -> str:
    """Format the possible matches pending review (``exposure review``) in one of :data:`FORMATS`.

    ``possible_affiliates``: the companies listed entities own in a part the data does not
    give; a table or Markdown says they are pending too (matches.csv does not settle them).

    Examples
    --------
    >>> print(format_pending([], "table", as_of="2019-10-09"), end="")
    No possible match of a listed entity is pending review as of 2019-10-09.
    >>> text = format_pending([], "table", as_of="2026-11-20", possible_affiliates=["SubCo"])
    >>> text.splitlines()[1][:60]
    'Pending too, 1 possible affiliate (owned by listed entities '
    """
    if fmt == "json":
        return json.dumps(list(links), indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return to_csv([_flat_pending(link) for link in links], PENDING_COLUMNS)
    markdown = fmt == "markdown"
    affiliates = (
        f"Pending too, {count(len(possible_affiliates), 'possible affiliate')} (owned by listed "
        f"entities in a part the data does not give): {', '.join(possible_affiliates)}. Give "
        "each part in ownership.csv; `exposure report` shows what hangs on "
        + ("it" if len(possible_affiliates) == 1 else "them")
        + ".\n"
        if possible_affiliates
        else ""
    )
    if not links:
        return (
            f"No possible match of a listed entity is pending review as of {as_of}.\n{affiliates}"
        )
    rows = [
        [
            link["customer"],
            link["listed"],
            link["list"],
            "" if link["score"] is None else f"{link['score']:.1f}",
            sold_by(link),
            link["line"],
        ]
        for link in links
    ]
    headers = ["Customer", "May be", "List", "Score", "Sold by (share of revenue)", "Line"]
    if markdown:
        rows = [[_markdown_cell(c) for c in row] for row in rows]
    table = tabulate(
        rows, headers=headers, tablefmt="github" if markdown else "simple", right=[3, 5]
    )
    matches = count(len(links), "possible match", "possible matches")
    title = f"{matches} of listed entities pending review as of {as_of}"
    note = (
        "Not linked until reviewed: each may add exposure. Record a decision with\n"
        '  exposure review --data FOLDER --confirm "CUSTOMER=LISTED" (or --reject ...) --note WHY\n'
        "and the next report honours it. --format json shows why each name was proposed."
    )
    if markdown:
        return f"## {title}\n\n{table}\n\n{note}\n{affiliates}"
    return f"{title}\n\n{table}\n\n{note}\n{affiliates}"


def sold_by(link: Mapping[str, Any]) -> str:
    """Name the suppliers of a pending match with their shares: ``"LensCo (10.0%)"``."""
    return "; ".join(
        f"{supplier} ({format_share(share, False)})"
        for supplier, share in zip(link["suppliers"], link["revenue_shares"], strict=True)
    )


def _flat_pending(link: Mapping[str, Any]) -> dict[str, Any]:
    shares = ["" if s is None else s for s in link["revenue_shares"]]
    return {
        **link,
        "suppliers": "; ".join(link["suppliers"]),
        "revenue_shares": "; ".join(str(s) for s in shares),
    }


def _why_possible(ownership: dict[str, Any]) -> str:
    """Say why an entity may be an affiliate: an unknown part, or SDN owners' programmes."""
    if ownership.get("sdn_part"):
        return "SDN owners' programmes not given"
    return "a part of its ownership unknown"
