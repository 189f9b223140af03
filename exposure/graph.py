"""The supply graph: entities as integer codes, relationships as sparse matrices.

A :class:`SupplyGraph` is built once from a :class:`~exposure.read.dataset.Dataset`. Every company named in
the data becomes one node; names that resolve to the same listed entity (by name or alias, see
:mod:`exposure.names`) become the same node. Rows of ``suppliers.csv`` that link the same two
nodes (one per product) are aggregated into one edge, whose share is the sum of the known shares.

The analysis runs on the arrays and the :mod:`scipy.sparse` matrix; :meth:`SupplyGraph.to_networkx`
hands out a networkx view for small graphs and for exports.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy import sparse

from exposure.analysis import reverse, spans
from exposure.entities.decisions import Decisions
from exposure.entities.listings import NameIndex, entity_ids, name_index, spellings
from exposure.entities.resolve import LINK_ORDER, resolve
from exposure.errors import DataError, Problem
from exposure.names import GENERIC_WORDS, PLACE_NAMES, name_keys, name_tokens
from exposure.read.checks import object_column, text_codes, text_column
from exposure.read.dataset import Dataset
from exposure.read.folders import cite_parts
from exposure.read.schema import LINE, SHARE_BASES
from exposure.util.collector import collector_paused
from exposure.util.progress import advance, progress
from exposure.util.sorting import sort_integers

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["SupplyGraph", "build_graph", "networkx_graph", "objects"]


@dataclass(frozen=True, eq=False)
class SupplyGraph:
    """Companies, listed entities and who sells to whom, as arrays.

    Attributes
    ----------
    nodes
        One row per node, indexed by node code: ``name`` (display name), ``key`` (the name
        key), ``entity`` (listed entity id, -1 when the node is no listed entity), ``country``,
        and how sure its link to a listed entity is: ``match`` (``exact``, ``confirmed`` in
        ``matches.csv``, ``fuzzy``, ``possible`` (not linked: needs review) or ``none``; a
        listed node shows its least sure spelling), ``match_score`` (0 to 100; 100 for exact,
        ``NaN`` for none), ``matched_as`` (the listed name or alias matched) and
        ``match_explanation`` (see :mod:`exposure.entities.matcher`); for a ``possible``
        match, ``possible_entity``: the listed entity it may be (-1 otherwise).
    edges
        One row per (``src``, ``dst``) pair, sorted by both: ``share`` (sum of the known
        revenue shares), ``unknown_share`` (some row's share is unknown), ``estimate`` (some
        known share is an analyst's estimate), ``unstated`` (some known share's basis is not
        given).
    rows
        The supply rows as read (in file order), with ``src`` and ``dst`` codes added, and
        the match of each row's customer: ``customer_match``, ``customer_match_score``,
        ``customer_matched_as``, ``customer_match_explanation`` (as the node columns).
    listings
        The listed rows as read, with the ``entity`` id added.
    dataset
        The dataset the graph was built from.
    spellings
        Name resolution: one row per distinct supplier or customer spelling of the rows, and
        per name of ``ownership.csv`` that only a review or a fuzzy match links to a listed
        entity, with its ``node``, ``key``, ``entity`` and how it was linked to it
        (``match``, ``match_score``, ``matched_as``, ``match_explanation``, as for the nodes).
    row_order, edge_rows
        The rows' positions grouped by edge (in file order within an edge), and where the rows
        of each edge start in ``row_order`` (one more item than there are edges).
    fuzzy
        Whether names were matched by score too; ``False`` (``--no-fuzzy``): by exact key and
        review decision only, and possible matches were not looked for.
    """

    nodes: pd.DataFrame
    edges: pd.DataFrame
    rows: pd.DataFrame
    listings: pd.DataFrame
    dataset: Dataset
    spellings: pd.DataFrame
    row_order: np.ndarray
    edge_rows: np.ndarray
    fuzzy: bool = True

    @property
    def n_nodes(self) -> int:
        """The number of nodes."""
        return len(self.nodes)

    @cached_property
    def names(self) -> np.ndarray:
        """Display names by node code, as a NumPy array of ``str``."""
        return self.nodes["name"].to_numpy(dtype=object)

    @cached_property
    def adjacency(self) -> sparse.csr_matrix:
        """The supplier-to-customer matrix; entry (u, v) holds 1 + the edge's index.

        The edges are its entries in storage order (``data`` is ``1, 2, ..., len(edges)``): a
        matrix of per-edge values shares its index arrays and takes the values as they are.
        """
        n = self.n_nodes
        src = self.edges["src"].to_numpy(np.int64)
        # 32-bit indices and edge numbers where they fit, as SciPy's own routines keep them:
        # half the memory of each copy and product, and no conversion made on the way in.
        kind = _index_type(max(n, len(src)))
        # The edges are sorted by (src, dst): they are the matrix's entries in storage order.
        indptr = np.zeros(n + 1, dtype=kind)
        np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
        data = np.arange(1, len(src) + 1, dtype=kind)
        dst = self.edges["dst"].to_numpy().astype(kind, copy=False)
        return sparse.csr_matrix((data, dst, indptr), shape=(n, n))

    @cached_property
    def reversed_adjacency(self) -> sparse.csr_matrix:
        """The customer-to-supplier matrix (:attr:`adjacency` turned round), for searches."""
        return reverse(self.adjacency)

    @cached_property
    def supplier_codes(self) -> np.ndarray:
        """Codes of the nodes that appear as a supplier, in increasing order."""
        sells = np.bincount(self.rows["src"].to_numpy(np.int64), minlength=self.n_nodes)
        return np.flatnonzero(sells)

    def code(self, name: str) -> int | None:
        """Return the node code of a name, or ``None`` if no node carries it.

        Matching ignores case, punctuation, spacing and legal forms, as everywhere.

        Examples
        --------
        >>> from exposure import load
        >>> graph = build_graph(load())
        >>> graph.nodes.loc[graph.code("hangzhou hikvision digital technology"), "name"]
        'Hikvision'
        """
        found = self.codes([name])[0]
        return None if found < 0 else int(found)

    def codes(self, names: Sequence[str]) -> np.ndarray:
        """Return the node code of each name, -1 where no node carries it (see :meth:`code`).

        Examples
        --------
        >>> from exposure import load
        >>> graph = build_graph(load())
        >>> graph.names[graph.codes(["HIKVISION", "Dahua Technology Co., Ltd."])].tolist()
        ['Hikvision', 'Dahua Technology']
        """
        of_name, distinct = pd.factorize(name_keys(list(names)), sort=False)
        keys, codes = self._keys_and_codes
        # Look each known key up among the few wanted ones, in Arrow (no Python string per
        # key); the first hit of a wanted key wins.
        wanted = pa.array(np.asarray(distinct, dtype=object), type=pa.large_string())
        position = pc.index_in(keys, value_set=wanted).fill_null(-1).to_numpy()
        hits = np.flatnonzero(position >= 0)
        found = np.full(len(wanted), -1, dtype=np.int64)
        found[position[hits][::-1]] = codes[hits][::-1]
        return found[of_name]

    @cached_property
    def _keys_and_codes(self) -> tuple[Any, np.ndarray]:
        """Every key a node answers to, as one Arrow array, and the node of each."""
        # Node names first, then the listed names and aliases, then every spelling the rows
        # use (fuzzily matched ones included).
        entity = self.nodes["entity"].to_numpy()
        listed_nodes = np.flatnonzero(entity >= 0)
        node_of_entity = dict(
            zip(entity[listed_nodes].tolist(), listed_nodes.tolist(), strict=True)
        )
        listed = [
            (spelling, node_of_entity[entity])
            for entity, spellings in spellings(self.listings).items()
            if entity in node_of_entity
            for spelling in spellings
        ]
        listed_keys = name_keys([spelling for spelling, _ in listed])
        parts = [self.nodes["key"], pd.Series(listed_keys, dtype=object), self.spellings["key"]]
        keys = pa.chunked_array(
            [
                chunk
                for part in parts
                for chunk in pa.chunked_array(pa.array(part, type=pa.large_string())).chunks
            ],
            type=pa.large_string(),
        )
        codes = np.concatenate(
            [
                np.arange(self.n_nodes),
                np.array([c for _, c in listed], dtype=np.int64),
                self.spellings["node"].to_numpy(np.int64),
            ]
        )
        return keys, codes

    @cached_property
    def _sale_keys(self) -> np.ndarray:
        """Each edge as ``src * n_nodes + dst``: increasing, as the edges are sorted so."""
        src = self.edges["src"].to_numpy(np.int64)
        return src * np.int64(self.n_nodes) + self.edges["dst"].to_numpy(np.int64)

    def edges_between(self, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
        """Return the index (in :attr:`edges`) of each sale ``src[i] -> dst[i]``.

        Every pair must be a sale. The edges are sorted by seller and buyer: each is found by
        a binary search, whatever how many buyers its seller has (a distributor's thousands).
        """
        keys = self._sale_keys
        wanted = np.asarray(src, dtype=np.int64) * np.int64(self.n_nodes) + np.asarray(
            dst, dtype=np.int64
        )
        found = np.searchsorted(keys, wanted)
        # A pair that is no sale would shift every hop after it.
        if len(wanted) and (
            not len(keys) or (keys[np.minimum(found, len(keys) - 1)] != wanted).any()
        ):
            msg = "a path holds a pair of companies with no sale between them"
            raise RuntimeError(msg)
        return np.asarray(found, dtype=np.int64)

    def rows_of_edges(self, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the rows of the given edges, in order, and where each edge's rows start.

        Within an edge, the rows come in file order; the starts have one more item than there
        are edges.
        """
        first = self.edge_rows[edges]
        lengths = self.edge_rows[edges + 1] - first
        bounds = np.zeros(len(edges) + 1, dtype=np.int64)
        np.cumsum(lengths, out=bounds[1:])
        return self.row_order[spans(first, lengths)], bounds

    def possible_links(self) -> pd.DataFrame:
        """Return the names that are only possible matches of listed entities: pending review.

        One row per such spelling: ``spelling``, ``listed`` (the listed entity's name),
        ``score``, ``explanation`` and ``line`` (the first row of the suppliers file that
        names it), in file order. Each is linked to nothing until ``matches.csv`` confirms it.
        """
        spellings = self.spellings
        pending = spellings[spellings["match"].to_numpy() == "possible"]
        entity = self.nodes["entity"].to_numpy()
        name_of_entity = dict(
            zip(entity[entity >= 0].tolist(), self.names[entity >= 0], strict=True)
        )
        # Only the rows of pending names are looked at: a few among millions.
        mine = self.rows[self.rows["customer"].isin(pending["spelling"]).to_numpy()]
        first = mine.drop_duplicates("customer")
        first_line = dict(zip(first["customer"].astype(str), first[LINE].astype(int), strict=True))
        table = pd.DataFrame(
            {
                "spelling": pending["spelling"].to_numpy(dtype=object),
                "listed": [name_of_entity.get(int(e), "") for e in pending["possible_entity"]],
                "score": pending["match_score"].to_numpy(np.float64),
                "explanation": pending["match_explanation"].to_numpy(dtype=object),
                "line": [first_line.get(s, 0) for s in pending["spelling"]],
            }
        )
        return table.sort_values("line", kind="stable", ignore_index=True)

    def rows_of(self, src: int, dst: int) -> np.ndarray:
        """Return the positions in :attr:`rows` of the rows behind the edge ``src -> dst``."""
        key = int(src) * self.n_nodes + int(dst)  # Python integers: node codes may be 32-bit
        edge = np.searchsorted(self._edge_keys, key)
        if edge >= len(self._edge_keys) or self._edge_keys[edge] != key:
            return np.zeros(0, dtype=np.int64)
        return self.row_order[self.edge_rows[edge] : self.edge_rows[edge + 1]]

    def hop_rows(self, src: int, dst: int) -> pd.DataFrame:
        """Return the supply rows (one per product) behind the edge ``src -> dst``."""
        return self.rows.iloc[self.rows_of(src, dst)]

    def sale(self, src: int, dst: int) -> dict[str, np.ndarray]:
        """Return the columns of the rows behind the edge ``src -> dst``, as arrays.

        The fast form of :meth:`hop_rows` for reports that visit many edges: ``product``,
        ``source``, ``revenue_share`` (``NaN`` when unknown), ``customer``, ``period`` when
        the data has one and, when names were matched, ``customer_match``,
        ``customer_match_score``, ``customer_matched_as``.
        """
        rows = self.rows_of(src, dst)
        return {name: column(rows) for name, column in self.sale_columns.items()}

    @cached_property
    def sale_columns(self) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
        """Per column :meth:`sale` gives: a function taking the values of any rows at once.

        Text as Python strings, shares as floats (``NaN`` when unknown); for reports that
        visit many sales.
        """
        wanted = (
            "product", "source", "customer", "customer_match", "customer_match_score",
            "customer_matched_as", "customer_match_explanation", "revenue_share", "period",
            "eccn",
        )  # fmt: skip
        return {c: _taker(self.rows[c]) for c in wanted if c in self.rows}

    def restricted_to(self, kept: np.ndarray, uncertain: np.ndarray) -> SupplyGraph:
        """Return the graph of the sales that count, with the shares they carry.

        Parameters
        ----------
        kept
            Per row: the row's sale counts (a sale whose rows all do not is left out).
        uncertain
            Per row: the row counts, but whether it carries its share is unknown: the edge's
            share is then unknown in part (as an unknown ``revenue_share`` is).

        A kept edge keeps all its rows, so that reports show its products that do not count
        too; nodes, rows and listings are shared with this graph. Where every row counts
        for sure, the graph itself is returned.
        """
        if kept.all() and not uncertain.any():
            return self
        order, bounds = self.row_order, self.edge_rows
        starts = bounds[:-1]
        kept_sorted = kept[order]
        figures = _edge_figures(
            self.rows["revenue_share"].to_numpy(np.float64)[order],
            _bases(self.rows["share_basis"], order),
            starts,
            kept=kept_sorted,
            uncertain=uncertain[order],
        )
        edges = pd.DataFrame(
            {"src": self.edges["src"].to_numpy(), "dst": self.edges["dst"].to_numpy(), **figures},
            copy=False,
        )
        keep_edge = np.logical_or.reduceat(kept_sorted, starts) if len(order) else np.zeros(0, bool)
        if keep_edge.all():
            narrowed = replace(self, edges=edges)
            for name in ("adjacency", "reversed_adjacency", "_edge_keys"):
                if name in vars(self):  # the same sales: the same matrices
                    vars(narrowed)[name] = vars(self)[name]
            return narrowed
        lengths = np.diff(bounds)[keep_edge]
        edge_rows = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=edge_rows[1:])
        return replace(
            self,
            edges=edges[keep_edge].reset_index(drop=True),
            row_order=order[spans(starts[keep_edge], lengths)],
            edge_rows=edge_rows,
        )

    @cached_property
    def _edge_keys(self) -> np.ndarray:
        return self.edges["src"].to_numpy(np.int64) * self.n_nodes + self.edges["dst"].to_numpy(
            np.int64
        )

    def attribute_tables(self, *, joined: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Return the companies' and the sales' attributes of :meth:`to_networkx`, as columns.

        ``nodes``, by node code: ``name``, then ``listed_entity`` (bool) and ``country``.
        ``edges``, in :attr:`edges` order (as networkx lists a graph's edges): ``src`` and
        ``dst`` (node codes), then ``share`` (``None`` when unknown), ``share_is_lower_bound``,
        ``share_basis`` of its known part (``disclosed``, ``estimate``: in part an analyst's,
        ``unstated``: in part given without a basis; ``None`` when no part is known),
        ``period`` (the periods the shares were measured over, a list; ``None`` when the data
        gives none), ``products`` and ``sources`` (lists; with ``joined``, each list as one
        text joined by it, as files that hold no lists write them). Cells are Python objects,
        as networkx holds them.

        Examples
        --------
        >>> from exposure import load
        >>> nodes, edges = build_graph(load()).attribute_tables()
        >>> list(edges.columns)
        ['src', 'dst', 'share', 'share_is_lower_bound', 'share_basis', 'period', 'products', 'sources']
        """
        nodes = objects(
            name=self.names,
            listed_entity=self.nodes["entity"].to_numpy() >= 0,
            country=self.nodes["country"].to_numpy(dtype=object),
        )
        edges = self.edges
        # Every sale's rows at once: one pandas lookup per sale would cost about a
        # millisecond each, minutes at a hundred thousand sales.
        rows, bounds = self.rows_of_edges(np.arange(len(edges)))
        products = self.sale_columns["product"](rows)
        sources = self.sale_columns["source"](rows)
        starts, ends = bounds[:-1], bounds[1:]
        known = edges["share"].to_numpy(np.float64)
        unknown = edges["unknown_share"].to_numpy(bool)
        share = known.astype(object)
        share[unknown & (known == 0)] = None
        # The basis of the known part of the share: an analyst's estimate in part, a share given
        # without its basis in part, else disclosed; none where no part is known.
        basis = np.select(
            [edges["estimate"].to_numpy(bool), edges["unstated"].to_numpy(bool)],
            ["estimate", "unstated"],
            "disclosed",
        ).astype(object)
        basis[unknown & (known == 0)] = None
        table = objects(
            share=share,
            share_is_lower_bound=unknown,
            share_basis=basis,
            period=self._periods(rows, starts, ends, joined),
            products=_distinct_runs(products, starts, ends, joined),
            sources=_distinct_runs(sources, starts, ends, joined),
        )
        table.insert(0, "src", edges["src"].to_numpy(np.int64))
        table.insert(1, "dst", edges["dst"].to_numpy(np.int64))
        return nodes, table

    def _periods(
        self, rows: np.ndarray, starts: np.ndarray, ends: np.ndarray, joined: str | None
    ) -> np.ndarray:
        """Return each sale's distinct periods given (as :func:`_distinct_runs`), ``None`` if none."""
        out = np.full(len(starts), None, dtype=object)
        take = self.sale_columns.get("period")
        if take is None:
            return out
        periods = np.array([p if isinstance(p, str) else "" for p in take(rows)], dtype=object)
        given = periods != ""
        if not given.any():
            return out
        has = np.logical_or.reduceat(given, starts) if len(starts) else given[:0]
        for i in np.flatnonzero(has).tolist():
            found = [p for p in dict.fromkeys(periods[starts[i] : ends[i]].tolist()) if p]
            out[i] = found if joined is None else joined.join(found)
        return out

    def to_networkx(self) -> nx.DiGraph:
        """Return the graph as a networkx DiGraph keyed by display name.

        Nodes carry ``listed_entity`` (bool) and ``country``; edges carry ``share`` (``None``
        when unknown), ``products`` and ``sources`` as lists (:meth:`attribute_tables`).

        Examples
        --------
        >>> from exposure import load
        >>> G = build_graph(load()).to_networkx()
        >>> sorted(G.successors("Ambarella"))
        ['Dahua Technology', 'Hikvision']
        """
        return networkx_graph(*self.attribute_tables())


def objects(**columns: np.ndarray | Sequence[Any]) -> pd.DataFrame:
    """Return columns of Python objects as they are (``None`` stays ``None``, not ``NaN``)."""
    return pd.DataFrame(
        {name: object_column(np.asarray(values).astype(object)) for name, values in columns.items()}
    )


def _distinct_runs(
    values: np.ndarray, starts: np.ndarray, ends: np.ndarray, joined: str | None = None
) -> np.ndarray:
    """Return the distinct values of each run ``values[start:end]``, in order, as lists.

    With ``joined``, each run's distinct values as one text joined by it: a run of one value
    (most sales are of one product) is that value, taken for all such runs at once.
    """
    array = np.asarray(values, dtype=object)
    items: list[Any] = array.tolist()
    if joined is not None:
        out = np.empty(len(starts), dtype=object)
        single = (ends - starts) == 1
        out[single] = array[starts[single]]
        for i in np.flatnonzero(~single).tolist():
            out[i] = joined.join(dict.fromkeys(items[starts[i] : ends[i]]))
        return out
    run = np.repeat(np.arange(len(starts)), ends - starts)
    # Most runs repeat no value (a sale of one product): a slice of them is their list.
    repeats = pd.DataFrame({"run": run, "value": object_column(array)})
    repeating = np.zeros(len(starts), dtype=bool)
    repeating[run[repeats.duplicated().to_numpy()]] = True
    return np.fromiter(
        (
            list(dict.fromkeys(items[start:end])) if repeat else items[start:end]
            for start, end, repeat in zip(
                starts.tolist(), ends.tolist(), repeating.tolist(), strict=True
            )
        ),
        dtype=object,
        count=len(starts),
    )


def networkx_graph(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    *,
    graph: dict[str, Any] | None = None,
    optional: frozenset[str] = frozenset(),
) -> nx.DiGraph:
    """Return the networkx DiGraph of attribute tables (:meth:`SupplyGraph.attribute_tables`).

    Each column but ``name``, ``src`` and ``dst`` is an attribute, in column order; those named
    in ``optional`` are left out where ``None``, the others kept as ``None`` (unknown).
    """
    import networkx as nx  # slow to import; only views need it

    def attributes(table: pd.DataFrame, skipped: tuple[str, ...]) -> Any:
        columns = [c for c in table.columns if c not in skipped]
        leave_out = [c in optional for c in columns]
        for values in zip(*(table[c].tolist() for c in columns), strict=True):
            yield {
                c: v
                for c, v, left in zip(columns, values, leave_out, strict=True)
                if not (left and v is None)
            }

    names = nodes["name"].tolist()
    G = nx.DiGraph()
    with collector_paused():
        G.add_nodes_from(zip(names, attributes(nodes, ("name",)), strict=True))
        G.add_edges_from(
            (names[a], names[b], data)
            for a, b, data in zip(
                edges["src"].tolist(),
                edges["dst"].tolist(),
                attributes(edges, ("src", "dst")),
                strict=True,
            )
        )
    G.graph.update(graph or {})
    return G


def _taker(column: pd.Series) -> Callable[[np.ndarray], np.ndarray]:
    """Return a function that takes rows of a column fast (text as Python strings)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        text = np.asarray(column.cat.categories, dtype=object)
        codes = column.cat.codes.to_numpy()
        return lambda rows: text[codes[rows]]
    values = column.to_numpy(np.float64 if column.dtype.kind == "f" else object)
    return lambda rows: values[rows]


def build_graph(dataset: Dataset, *, fuzzy: bool = True) -> SupplyGraph:
    """Build the supply graph of a dataset.

    Parameters
    ----------
    dataset
        Validated tables, from :func:`exposure.load`.
    fuzzy
        Match customer names that no key links to a listed entity fuzzily
        (:class:`~exposure.entities.matcher.Matcher`). Off, only exact keys and the review decisions of
        ``matches.csv`` link names: much faster on millions of names (see README.md,
        Performance), at the cost of misspelled listed customers.

    Returns
    -------
    SupplyGraph

    Raises
    ------
    DataError
        When a company name in ``suppliers.csv`` could be two listed entities.

    Examples
    --------
    >>> from exposure import load
    >>> graph = build_graph(load())
    >>> graph.nodes.loc[graph.code("Ambarella"), "entity"]
    np.int64(-1)
    """
    with progress("building the graph", total=4):
        return _build_graph(dataset, fuzzy)


def _build_graph(dataset: Dataset, fuzzy: bool) -> SupplyGraph:
    listings = dataset.listed.copy()
    listings["entity"] = entity_ids(listings)
    index = name_index(listings)
    rows = dataset.suppliers
    n_rows = len(rows)

    # Each distinct spelling is resolved once; codes then spread to every row by array lookup.
    distinct, supplier_of_row, customer_of_row = _spelling_codes(rows)
    keys, key_codes = dataset.spelling_keys(distinct)
    advance("resolving names")
    resolved = _resolve(
        dataset,
        listings,
        index,
        (distinct, supplier_of_row, customer_of_row),
        (keys, key_codes),
        fuzzy,
    )
    advance("numbering nodes")
    # A spelling's node is its listed entity where it names one, else its name key: numbered
    # as integers, entity e after all the keys, so no string is hashed again.
    entity = resolved["entity"].to_numpy()
    n_keys = int(key_codes.max(initial=-1)) + 1
    node_key = np.where(entity >= 0, n_keys + entity, key_codes).astype(np.int64, copy=False)

    # Nodes are numbered as they first appear: the listed entities, then the names of the rows
    # (all suppliers, then all customers), as the spellings are.
    entity_names = listings.drop_duplicates("entity").set_index("entity")
    n_listed = len(entity_names)
    node_codes, uniques = pd.factorize(
        np.concatenate([n_keys + entity_names.index.to_numpy(np.int64), node_key]), sort=False
    )
    n_nodes = len(uniques)
    # 32-bit node codes where they fit: every per-row copy of them below (ten million rows)
    # is then 40 MB, not 80.
    node_kind = _index_type(n_nodes)
    node_of_spelling = node_codes[n_listed:].astype(node_kind, copy=False)

    # A node's name: the listed name, else the spelling that first names it.
    first_spelling = np.full(n_nodes, -1, dtype=np.int64)
    first_spelling[node_of_spelling[::-1]] = np.arange(len(distinct))[::-1]
    spelled = first_spelling >= 0  # every node but a listed entity no row names
    display = np.empty(n_nodes, dtype=object)
    display[spelled] = distinct[first_spelling[spelled]]
    display[:n_listed] = entity_names["name"].to_numpy(dtype=object)
    node_keys = np.empty(n_nodes, dtype=object)
    node_keys[spelled] = keys[first_spelling[spelled]]
    node_keys[:n_listed] = name_keys(entity_names["name"].tolist())

    src = node_of_spelling[supplier_of_row] if n_rows else np.zeros(0, dtype=node_kind)
    dst = node_of_spelling[customer_of_row] if n_rows else np.zeros(0, dtype=node_kind)
    advance("aggregating edges")
    # The edges are aggregated on a second thread while the nodes' columns and the rows' are
    # made: both are long passes over every row, mostly in NumPy and polars code that
    # releases Python's lock, so on two cores they take little more than the longer one alone.

    with ThreadPoolExecutor(1, thread_name_prefix="exposure-edges") as pool:
        aggregated = pool.submit(
            _aggregate_edges, src, dst, rows["revenue_share"], rows["share_basis"], n_nodes
        )
        nodes = pd.DataFrame(
            {
                "name": object_column(display),
                "key": object_column(node_keys),
                "entity": np.concatenate(
                    [entity_names.index.to_numpy(np.int64), np.full(n_nodes - n_listed, -1)]
                ),
                "country": object_column(_node_countries(rows, entity_names, src, dst, n_nodes)),
            }
        )
        nodes = _node_matches(nodes, resolved, node_of_spelling)

        customer_match = resolved["match"].to_numpy(dtype=object)
        derived = {
            "src": src,
            "dst": dst,
            "customer_match": text_column(customer_match, customer_of_row, rows.index).array,
            "customer_match_score": resolved["match_score"].to_numpy()[customer_of_row],
            "customer_matched_as": text_column(
                resolved["matched_as"].to_numpy(dtype=object), customer_of_row, rows.index
            ).array,
            "customer_match_explanation": text_column(
                resolved["match_explanation"].to_numpy(dtype=object), customer_of_row, rows.index
            ).array,
        }
        # Joined as they are: DataFrame.assign would copy each, a pass over every row for
        # nothing.
        rows = pd.concat(
            [
                rows.drop(columns=[c for c in derived if c in rows.columns]),
                pd.DataFrame(derived, index=rows.index, copy=False),
            ],
            axis=1,
        )
        edges, row_order, edge_rows = aggregated.result()
    advance()
    spellings = resolved.assign(spelling=object_column(distinct), node=node_of_spelling)
    spellings = spellings[["spelling", "node", *resolved.columns]]
    if fuzzy:
        known = {*node_keys.tolist(), *index.keys()}
        node_of_entity = dict(zip(entity_names.index.tolist(), range(n_listed), strict=True))
        owners = _owner_spellings(dataset, listings, index, known, node_of_entity)
        if len(owners):
            spellings = pd.concat([spellings, owners[spellings.columns]], ignore_index=True)
    return SupplyGraph(
        nodes=nodes,
        edges=edges,
        rows=rows,
        listings=listings,
        dataset=dataset,
        spellings=spellings,
        row_order=row_order,
        edge_rows=edge_rows,
        fuzzy=fuzzy,
    )


def _owner_spellings(
    dataset: Dataset,
    listings: pd.DataFrame,
    index: NameIndex,
    known: set[str],
    node_of_entity: dict[int, int],
) -> pd.DataFrame:
    """Resolve the names of ``ownership.csv`` no node answers to, as customers' are.

    An owner written otherwise than the listed entity it is ("Alpha Robotic Co" for the
    listed "Alpha Robotics Co Ltd") would otherwise own nothing a listing counts: those that
    a review or a fuzzy match links to a listed entity become spellings of its node. Others,
    a ``possible`` match among them, stay names of their own (linked to nothing).
    """
    ownership = dataset.ownership
    if ownership is None or not len(ownership):
        return pd.DataFrame()
    names = pd.unique(pd.concat([ownership["owner"], ownership["owned"]]).astype(str).to_numpy())
    keys = name_keys(names.tolist())
    unknown = np.array([k not in known for k in keys.tolist()], dtype=bool)
    if not unknown.any():
        return pd.DataFrame()
    # Fuzzy matching is prepared only for names that may be listed ones: a report whose owners
    # are no listed entity's near spelling starts as fast as one without owners.
    unknown &= _near_a_listed_spelling(names, list(index.keys()))
    if not unknown.any():
        return pd.DataFrame()
    names, keys = names[unknown].astype(object), keys[unknown]
    key_codes, _ = pd.factorize(keys, sort=False)
    decisions = Decisions.from_table(
        dataset.matches, index, dataset.files.get("matches", "matches.csv")
    )
    found = resolve(
        names,
        (keys, key_codes),
        listings,
        index,
        decisions,
        fuzzy=True,
        to_score=np.ones(len(names), dtype=bool),
        countries=lambda positions: [""] * len(positions),
        stop_at_ambiguous=False,
    ).links
    assert found is not None  # returned unless asked to stop at an ambiguous name
    linked = found["entity"].to_numpy() >= 0
    found = found[linked].reset_index(drop=True)
    nodes = [node_of_entity[e] for e in found["entity"].tolist()]
    return found.assign(spelling=object_column(names[linked]), node=np.asarray(nodes, np.int64))


#: Above this many (name, listed key) pairs :func:`_near_a_listed_spelling` sieves nothing:
#: fuzzy matching is then quicker than the sieve.
SIEVED_PAIRS_UP_TO = 50_000


def _near_a_listed_spelling(names: np.ndarray, listed_keys: list[str]) -> np.ndarray:
    """Per name: a word of it, neither a descriptor nor a place, is half or more in a listed key.

    A cheap sieve before fuzzy matching, which decides: a name a fuzzy match could link shares
    a distinctive word with the listed spelling, a typo splitting it in two at most.
    """
    if len(names) * len(listed_keys) > SIEVED_PAIRS_UP_TO:
        return np.ones(len(names), dtype=bool)
    from difflib import SequenceMatcher  # only for owners no node answers to

    near = np.zeros(len(names), dtype=bool)
    for i, name in enumerate(names.tolist()):
        words = [
            w
            for w in name_tokens(str(name))
            if len(w) >= 4 and w not in GENERIC_WORDS and w not in PLACE_NAMES
        ]
        for word, key in itertools.product(words, listed_keys):
            size = (
                SequenceMatcher(None, word, key, autojunk=False)
                .find_longest_match(0, len(word), 0, len(key))
                .size
            )
            if size >= 4 and 2 * size >= len(word):
                near[i] = True
                break
    return near


def _index_type(count: int) -> type[np.signedinteger[Any]]:
    """Return the type of node codes and matrix indices up to ``count``: 32-bit where it fits.

    SciPy's sparse routines take 32-bit indices as they are; 64-bit only past 2**31.
    """
    return np.int32 if count < np.iinfo(np.int32).max else np.int64


def _spelling_codes(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the distinct spellings of supplier and customer names, and each row's two codes.

    The spellings come in order of first appearance: down the supplier column, then down the
    customer column.
    """
    supplier, customer = rows["supplier"], rows["customer"]
    if (
        isinstance(supplier.dtype, pd.CategoricalDtype)
        and isinstance(customer.dtype, pd.CategoricalDtype)
        and supplier.cat.categories is customer.cat.categories
    ):
        # The readers share the spellings in that order (tables.share_spellings); a spelling no
        # row uses any longer (rows taken out) sends the table the long way.
        supplier_codes = supplier.cat.codes.to_numpy(np.int64)
        customer_codes = customer.cat.codes.to_numpy(np.int64)
        used = np.zeros(len(supplier.cat.categories), dtype=bool)
        used[supplier_codes] = True
        used[customer_codes] = True
        if used.all():
            return (
                np.asarray(supplier.cat.categories, dtype=object),
                supplier_codes,
                customer_codes,
            )
    codes, uniques = pd.factorize(
        np.concatenate([supplier.to_numpy(dtype=object), customer.to_numpy(dtype=object)]),
        sort=False,
    )
    return np.asarray(uniques, dtype=object), codes[: len(rows)], codes[len(rows) :]


def _node_countries(
    rows: pd.DataFrame, entity_names: pd.DataFrame, src: np.ndarray, dst: np.ndarray, n: int
) -> np.ndarray:
    """Return the country of each node: its listing's, else the first one its rows give."""
    columns = [text_codes(rows[c]) for c in ("supplier_country", "customer_country")]
    countries = pd.Index(
        pd.unique(np.concatenate([np.array([""], dtype=object), *(t for t, _ in columns)])),
        dtype=object,
    )
    first = np.zeros(n, dtype=np.int64)
    # Customer cells first, then supplier cells, each bottom up: the last write wins, so a
    # node takes the country of its first row as a supplier, else of its first as a customer.
    for (text, codes), node in reversed(list(zip(columns, (src, dst), strict=True))):
        code = countries.get_indexer(text).astype(np.int32)[codes] if len(codes) else codes
        filled = code > 0  # code 0 is the empty cell
        first[node[filled][::-1]] = code[filled][::-1]
    country = countries.to_numpy()[first]
    listed = entity_names["country"].to_numpy(dtype=object)
    listed_known = np.flatnonzero(listed != "")
    country[listed_known] = listed[listed_known]
    return country


def _resolve(
    dataset: Dataset,
    listings: pd.DataFrame,
    index: NameIndex,
    spelling: tuple[np.ndarray, np.ndarray, np.ndarray],
    keys: tuple[np.ndarray, np.ndarray],
    fuzzy: bool,
) -> pd.DataFrame:
    """Resolve the distinct spellings of the rows (:func:`~exposure.entities.resolve.resolve`).

    Only customers are scored fuzzily, with the country of their first sale as evidence.

    Raises
    ------
    DataError
        Citing the first row of each spelling that two listed entities could be.
    """
    rows = dataset.suppliers
    distinct, supplier_of_row, customer_of_row = spelling
    decisions = Decisions.from_table(
        dataset.matches, index, dataset.files.get("matches", "matches.csv")
    )
    first_sale = np.full(len(distinct), -1, dtype=np.int64)
    first_sale[customer_of_row[::-1]] = np.arange(len(customer_of_row))[::-1]

    def countries(names: np.ndarray) -> list[str]:
        codes, code_of_row = text_codes(rows["customer_country"])
        return list(codes[code_of_row[first_sale[names]]].tolist())

    found = resolve(
        distinct,
        keys,
        listings,
        index,
        decisions,
        fuzzy=fuzzy,
        to_score=first_sale >= 0,
        countries=countries,
    )
    if found.links is not None:
        return found.links
    problems = []
    for i, message in found.ambiguous:
        as_supplier = np.flatnonzero(supplier_of_row == i)
        row = as_supplier[0] if len(as_supplier) else np.flatnonzero(customer_of_row == i)[0]
        problems.append(
            Problem(
                dataset.files.get("suppliers", "suppliers.csv"),
                int(rows[LINE].to_numpy()[row]),
                "supplier" if len(as_supplier) else "customer",
                message,
                "use a name that only one listed entity carries, remove the shared alias "
                "from listed.csv, or confirm the right entity in matches.csv",
            )
        )
    raise DataError(cite_parts(problems))


def _node_matches(nodes: pd.DataFrame, resolved: pd.DataFrame, node: np.ndarray) -> pd.DataFrame:
    """Add the match columns to the nodes: for a listed node, its least sure spelling."""
    listed = nodes["entity"].to_numpy() >= 0
    at_listed = np.flatnonzero(listed)
    # Columns as NumPy arrays of shared strings, filled in place, turned into columns once.
    columns = {
        "match": np.full(len(nodes), "none", dtype=object),
        "match_score": np.where(listed, 100.0, np.nan),
        "matched_as": np.full(len(nodes), "", dtype=object),
        "match_explanation": np.full(len(nodes), "", dtype=object),
        "possible_entity": np.full(len(nodes), -1, dtype=np.int64),
    }
    columns["match"][at_listed] = "exact"
    columns["matched_as"][at_listed] = nodes["name"].iloc[at_listed].to_numpy(dtype=object)
    columns["match_explanation"][at_listed] = "the listed entity itself"
    # Spellings linked to nothing leave their node as it is: only the others are looked at.
    linked = np.flatnonzero(resolved["match"].to_numpy() != "none")
    resolved, node = resolved.iloc[linked], node[linked]
    certainty = (
        resolved["match"].map(LINK_ORDER).to_numpy() * 1000.0
        + resolved["match_score"].fillna(0).to_numpy()
    )
    # Listed nodes show their weakest link; other nodes their strongest possible match.
    pick = np.where(listed[node], certainty, -certainty)
    chosen = resolved.assign(node=node, pick=pick).sort_values("pick", kind="stable")
    chosen = chosen.drop_duplicates("node")
    for name, values in columns.items():
        values[chosen["node"].to_numpy()] = chosen[name].to_numpy(dtype=values.dtype)
    return nodes.assign(
        **{n: object_column(v) if v.dtype == object else v for n, v in columns.items()}
    )


def edge_order(
    src: np.ndarray, dst: np.ndarray, width: int
) -> tuple[np.ndarray, np.ndarray | None]:
    """Return the rows' positions sorted by ``src``, then ``dst``, then position (a stable sort).

    One sort of plain integers that pack both nodes and the position, where they fit in 64
    bits (a sort of values, see :mod:`exposure.util.sorting`), else two sorts, each packing a node
    and the position: a fraction of the time of one stable argsort of ten million pairs.

    Returns
    -------
    order, pairs
        The positions, and, where one sort packed the nodes, each sorted row's pair of nodes
        as one integer, ``src << node_bits | dst`` (:func:`node_bits`): the edges can then be
        told apart without gathering both columns in the new order. ``None`` otherwise.

    Examples
    --------
    >>> order, pairs = edge_order(np.array([1, 0, 1, 0]), np.array([2, 2, 0, 2]), 3)
    >>> order.tolist(), pairs.tolist()  # pairs of 2-bit nodes: 0 -> 2 is 2, 1 -> 0 is 4
    ([1, 3, 2, 0], [2, 2, 4, 6])
    """
    rows = len(src)
    bits = max(rows - 1, 1).bit_length()
    node_bits = bits_per_node(width)
    if 2 * node_bits + bits <= 64:  # supplier, customer and position in one integer
        return _sorted_positions(src, dst, node_bits, bits)
    if node_bits + bits > 62:  # cannot pack: sort the pairs themselves
        return np.argsort(src.astype(np.int64) * width + dst, kind="stable"), None
    mask = (1 << bits) - 1
    position = np.arange(rows, dtype=np.int64)
    # Into arrays made once: ten million rows make each temporary array 80 MB. The sorted
    # copies may be polars' own read-only memory: the masked result goes back into ours.
    by_dst = np.left_shift(dst, bits, dtype=np.int64)
    by_dst |= position
    np.bitwise_and(sort_integers(by_dst), mask, out=by_dst)
    by_src = src[by_dst].astype(np.int64, copy=False)
    by_src <<= bits
    by_src |= position
    del position
    np.bitwise_and(sort_integers(by_src), mask, out=by_src)
    return by_dst[by_src], None


def bits_per_node(width: int) -> int:
    """Return how many bits a node code below ``width`` takes in a packed key."""
    return (width - 1).bit_length()


def _sorted_positions(
    src: np.ndarray, dst: np.ndarray, node_bits: int, bits: int
) -> tuple[np.ndarray, np.ndarray]:
    """Sort the rows by one unsigned integer each: ``src``, ``dst``, position, bit by bit.

    One sort instead of :func:`edge_order`'s two: a million nodes (20 bits each) and ten
    million rows (24 bits) fill 64 bits exactly. Returns the positions and the sorted pairs.
    """
    key = src.astype(np.uint64)
    key <<= np.uint64(node_bits)
    key |= dst.astype(np.uint64)
    key <<= np.uint64(bits)
    key |= np.arange(len(src), dtype=np.uint64)
    ordered = sort_integers(key)
    del key
    positions = np.empty(len(src), dtype=np.int64)
    # The masked positions are below 2**bits <= 2**63: they fit a signed integer as they are.
    np.bitwise_and(ordered, np.uint64((1 << bits) - 1), out=positions, casting="unsafe")
    return positions, np.right_shift(ordered, np.uint64(bits))


def _aggregate_edges(
    src: np.ndarray, dst: np.ndarray, share_column: pd.Series, basis_column: pd.Series, n_nodes: int
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Aggregate the rows (each one's nodes, share and share basis) into one edge per pair.

    Returns the edges (sorted by ``src`` and ``dst``), the rows' positions sorted by edge (in
    file order within an edge) and where each edge's rows start in that order.
    """
    width = max(n_nodes, 1)
    order, pairs = edge_order(src, dst, width)
    # The first row of each edge, and one past the last row: the bounds of the edges' rows,
    # found at once (appending the end to ten million starts would copy them).
    first = np.ones(len(order) + 1, dtype=bool)
    if pairs is not None:
        np.not_equal(pairs[1:], pairs[:-1], out=first[1:-1])
        bounds = np.flatnonzero(first)
        starts = bounds[:-1]
        pairs = pairs[starts]
        node_bits = np.uint64(bits_per_node(width))
        src = np.right_shift(pairs, node_bits).astype(src.dtype)
        dst = np.bitwise_and(pairs, np.uint64((1 << int(node_bits)) - 1)).astype(dst.dtype)
    else:
        src, dst = src[order], dst[order]
        np.not_equal(src[1:], src[:-1], out=first[1:-1])
        first[1:-1] |= dst[1:] != dst[:-1]
        bounds = np.flatnonzero(first)
        starts = bounds[:-1]
        src, dst = src[starts], dst[starts]
    del pairs
    # The rows' figures in edge order, each gathered once (ten million rows: 80 MB a copy).
    figures = _edge_figures(
        share_column.to_numpy(np.float64)[order], _bases(basis_column, order), starts
    )
    edges = pd.DataFrame({"src": src, "dst": dst, **figures}, copy=False)
    return edges, order, bounds.astype(np.int64, copy=False)


def _bases(basis_column: pd.Series, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row, in ``order``: its share is an analyst's estimate; its basis is not stated.

    From ``share_basis``: ``estimate``; empty (a share given without saying whether it was
    disclosed). New arrays.
    """
    basis, basis_of_row = text_codes(basis_column)
    if not len(basis):
        return np.zeros(len(order), dtype=bool), np.ones(len(order), dtype=bool)
    of_row = basis_of_row[order]
    stated = np.isin(basis, SHARE_BASES)
    return (basis == "estimate")[of_row], ~stated[of_row] | (of_row < 0)


def _edge_figures(
    share: np.ndarray,
    bases: tuple[np.ndarray, np.ndarray],
    starts: np.ndarray,
    *,
    kept: np.ndarray | None = None,
    uncertain: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Return each edge's ``share``, ``unknown_share``, ``estimate`` and ``unstated``.

    From its rows' figures: ``share`` (``NaN`` when unknown; overwritten: pass a copy, as an
    indexed gather is) and ``bases`` (:func:`_bases`) in edge order; ``starts`` where each
    edge's rows start. ``kept``: the rows that count (default all); ``uncertain``: rows that
    count whose share is in doubt, as if unknown.
    """
    estimate, unstated = bases
    if not len(starts):
        empty = np.zeros(0, dtype=bool)
        return {"share": np.zeros(0), "unknown_share": empty, "estimate": empty, "unstated": empty}
    sure = ~np.isnan(share)
    if kept is not None:
        sure &= kept
    if uncertain is not None:
        sure &= ~uncertain
    share[~sure] = 0.0  # in place: ten million rows' shares are 80 MB a copy
    doubt = ~sure if kept is None else kept & ~sure
    estimate &= share > 0
    unstated &= share > 0
    return {
        "share": np.add.reduceat(share, starts),
        "unknown_share": np.logical_or.reduceat(doubt, starts),
        "estimate": np.logical_or.reduceat(estimate, starts),
        "unstated": np.logical_or.reduceat(unstated, starts),
    }
