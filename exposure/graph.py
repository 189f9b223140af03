"""The supply graph: entities as integer codes, relationships as sparse matrices.

A :class:`SupplyGraph` is built once from a :class:`~exposure.io.Dataset`. Every company named in
the data becomes one node; names that resolve to the same listed entity (by name or alias, see
:mod:`exposure.names`) become the same node. Rows of ``suppliers.csv`` that link the same two
nodes (one per product) are aggregated into one edge, whose share is the sum of the known shares.

The analysis runs on the arrays and the :mod:`scipy.sparse` matrix; :meth:`SupplyGraph.to_networkx`
hands out a networkx view for small graphs and for exports.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import sparse

from exposure._errors import AmbiguousNameError, DataError, Problem
from exposure.io import LINE, Dataset
from exposure.matching import Decisions
from exposure.names import NameIndex, name_key

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["SupplyGraph", "build_graph"]


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
        ``match_explanation`` (see :mod:`exposure.matching`).
    edges
        One row per (``src``, ``dst``) pair, sorted by both: ``share`` (sum of the known
        revenue shares), ``unknown_share`` (some row's share is unknown), ``estimate`` (some
        known share is an analyst's estimate).
    rows
        The supply rows as read, with ``src`` and ``dst`` codes added, sorted by both, and
        the match of each row's customer: ``customer_match``, ``customer_match_score``,
        ``customer_matched_as`` (as the node columns).
    listings
        The listed rows as read, with the ``entity`` id added.
    dataset
        The dataset the graph was built from.
    """

    nodes: pd.DataFrame
    edges: pd.DataFrame
    rows: pd.DataFrame
    listings: pd.DataFrame
    dataset: Dataset

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
        """The supplier-to-customer matrix; entry (u, v) holds 1 + the edge's index."""
        n = self.n_nodes
        src = self.edges["src"].to_numpy()
        dst = self.edges["dst"].to_numpy()
        data = np.arange(1, len(src) + 1, dtype=np.int64)
        return sparse.csr_matrix((data, (src, dst)), shape=(n, n))

    @cached_property
    def supplier_codes(self) -> np.ndarray:
        """Codes of the nodes that appear as a supplier, in order of first appearance."""
        return pd.unique(self.rows["src"].to_numpy())

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
        matches = self._codes_by_key.get(name_key(name))
        if matches is None:
            return None
        return int(matches)

    @cached_property
    def _codes_by_key(self) -> dict[str, int]:
        index: dict[str, int] = {}
        for code, key in enumerate(self.nodes["key"]):
            index.setdefault(key, code)
        for entity, spellings in self._entity_spellings.items():
            node = self._entity_node.get(entity)
            if node is not None:
                for spelling in spellings:
                    index.setdefault(name_key(spelling), node)
        # Every spelling the data uses, fuzzily matched ones included, finds its node too.
        spelled = pd.concat(
            [
                self.rows[["supplier", "src"]].set_axis(["spelling", "code"], axis=1),
                self.rows[["customer", "dst"]].set_axis(["spelling", "code"], axis=1),
            ]
        ).drop_duplicates("spelling")
        for spelling, code in zip(spelled["spelling"], spelled["code"], strict=True):
            index.setdefault(name_key(str(spelling)), int(code))
        return index

    @cached_property
    def _entity_node(self) -> dict[int, int]:
        entities = self.nodes["entity"].to_numpy()
        return {int(e): int(c) for c, e in enumerate(entities) if e >= 0}

    @cached_property
    def _entity_spellings(self) -> dict[int, list[str]]:
        return _spellings(self.listings)

    def hop_rows(self, src: int, dst: int) -> pd.DataFrame:
        """Return the supply rows (one per product) behind the edge ``src -> dst``."""
        lo, hi = np.searchsorted(
            self._row_pairs, [src * self.n_nodes + dst, src * self.n_nodes + dst + 1]
        )
        return self.rows.iloc[lo:hi]

    def sale(self, src: int, dst: int) -> dict[str, np.ndarray]:
        """Return the columns of the rows behind the edge ``src -> dst``, as array slices.

        The fast form of :meth:`hop_rows` for reports that visit many edges: ``product``,
        ``source``, ``revenue_share`` (``NaN`` when unknown), ``customer`` and, when names
        were matched, ``customer_match``, ``customer_match_score``, ``customer_matched_as``.
        """
        lo, hi = np.searchsorted(
            self._row_pairs, [src * self.n_nodes + dst, src * self.n_nodes + dst + 1]
        )
        return {name: column[lo:hi] for name, column in self._row_columns.items()}

    @cached_property
    def _row_columns(self) -> dict[str, np.ndarray]:
        wanted = (
            "product", "source", "customer", "customer_match", "customer_match_score",
            "customer_matched_as",
        )  # fmt: skip
        columns = {c: self.rows[c].to_numpy(dtype=object) for c in wanted if c in self.rows}
        columns["revenue_share"] = self.rows["revenue_share"].to_numpy(np.float64)
        return columns

    @cached_property
    def _row_pairs(self) -> np.ndarray:
        return self.rows["src"].to_numpy(np.int64) * self.n_nodes + self.rows["dst"].to_numpy(
            np.int64
        )

    def to_networkx(self) -> nx.DiGraph:
        """Return the graph as a networkx DiGraph keyed by display name.

        Nodes carry ``listed_entity`` (bool) and ``country``; edges carry ``share`` (``None``
        when unknown), ``products`` and ``sources`` as lists.

        Examples
        --------
        >>> from exposure import load
        >>> G = build_graph(load()).to_networkx()
        >>> sorted(G.successors("Ambarella"))
        ['Dahua Technology', 'Hikvision']
        """
        import networkx as nx  # slow to import; only views need it

        names = self.nodes["name"].to_numpy()
        G = nx.DiGraph()
        for name, entity, country in zip(
            names, self.nodes["entity"].to_numpy(), self.nodes["country"].to_numpy(), strict=True
        ):
            G.add_node(name, listed_entity=bool(entity >= 0), country=country)
        edges = self.edges
        for src, dst, known, unknown in zip(
            edges["src"].to_numpy(),
            edges["dst"].to_numpy(),
            edges["share"].to_numpy(np.float64),
            edges["unknown_share"].to_numpy(bool),
            strict=True,
        ):
            hop = self.hop_rows(int(src), int(dst))
            G.add_edge(
                names[src],
                names[dst],
                share=None if unknown and known == 0 else float(known),
                share_is_lower_bound=bool(unknown),
                products=list(dict.fromkeys(hop["product"])),
                sources=list(dict.fromkeys(hop["source"])),
            )
        return G


def _spellings(listings: pd.DataFrame) -> dict[int, list[str]]:
    spellings: dict[int, list[str]] = {}
    for entity, name, aliases in zip(
        listings["entity"], listings["name"], listings["alt_names"], strict=True
    ):
        names = spellings.setdefault(int(entity), [])
        names.append(name)
        names.extend(a.strip() for a in str(aliases).split(";") if a.strip())
    return spellings


def build_graph(dataset: Dataset) -> SupplyGraph:
    """Build the supply graph of a dataset.

    Parameters
    ----------
    dataset
        Validated tables, from :func:`exposure.load`.

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
    listings = dataset.listed.copy()
    listings["entity"] = pd.factorize(pd.Series([name_key(n) for n in listings["name"]]))[0]
    spellings = _spellings(listings)
    index = NameIndex(spellings)
    rows = dataset.suppliers

    # Each distinct spelling is resolved once; then codes spread to every row by array lookup.
    spelled = pd.concat([rows["supplier"], rows["customer"]], ignore_index=True)
    countries = pd.concat([rows["supplier_country"], rows["customer_country"]], ignore_index=True)
    spelling_code, distinct_index = pd.factorize(spelled.to_numpy(dtype=object))
    distinct = np.asarray(distinct_index, dtype=object)
    first_row = np.zeros(len(distinct), dtype=np.int64)
    first_row[spelling_code[::-1]] = np.arange(len(spelling_code))[::-1]
    resolved = _resolve_spellings(dataset, listings, index, distinct, first_row)
    linked = resolved["entity"].to_numpy() >= 0
    node_of_spelling = resolved["key"].to_numpy(dtype=object).copy()
    node_of_spelling[linked] = ["\x00" + str(e) for e in resolved["entity"].to_numpy()[linked]]

    entity_names = listings.drop_duplicates("entity").set_index("entity")
    listed_keys = [f"\x00{e}" for e in entity_names.index]
    spelling_keys = node_of_spelling[spelling_code]
    all_keys = np.concatenate([np.array(listed_keys, dtype=object), spelling_keys])
    codes, uniques = pd.factorize(pd.Series(all_keys, dtype=object), sort=False)
    row_codes = codes[len(listed_keys) :]

    display = (
        pd.Series(
            np.concatenate(
                [entity_names["name"].to_numpy(dtype=object), spelled.to_numpy(dtype=object)]
            )
        )
        .groupby(codes, sort=True)
        .first()
    )
    country = (
        pd.Series(
            np.concatenate(
                [entity_names["country"].to_numpy(dtype=object), countries.to_numpy(dtype=object)]
            )
        )
        .replace("", np.nan)
        .groupby(codes, sort=True)
        .first()
    )
    entity_of_node = np.full(len(uniques), -1, dtype=np.int64)
    entity_of_node[: len(listed_keys)] = entity_names.index.to_numpy()
    nodes = pd.DataFrame(
        {
            "name": display.to_numpy(dtype=object),
            "key": [name_key(n) for n in display],
            "entity": entity_of_node,
            "country": country.reindex(range(len(uniques))).fillna("").to_numpy(dtype=object),
        }
    )
    nodes = _node_matches(nodes, resolved, pd.Index(uniques).get_indexer(node_of_spelling))

    customer = spelling_code[len(rows) :]
    rows = rows.assign(
        src=row_codes[: len(rows)],
        dst=row_codes[len(rows) :],
        customer_match=resolved["match"].to_numpy()[customer],
        customer_match_score=resolved["match_score"].to_numpy()[customer],
        customer_matched_as=resolved["matched_as"].to_numpy()[customer],
    )
    rows = rows.sort_values(["src", "dst"], kind="stable", ignore_index=True)
    edges = _aggregate_edges(rows)
    return SupplyGraph(nodes=nodes, edges=edges, rows=rows, listings=listings, dataset=dataset)


# How sure a link between a name and a listed entity is, least sure first.
_MATCH_ORDER = {"none": 0, "possible": 1, "fuzzy": 2, "confirmed": 3, "exact": 4}


def _resolve_spellings(
    dataset: Dataset,
    listings: pd.DataFrame,
    index: NameIndex,
    distinct: np.ndarray,
    first_row: np.ndarray,
) -> pd.DataFrame:
    """Link each distinct spelling to a listed entity: by review, by key, or by fuzzy match.

    Returns one row per spelling: ``key``, ``entity`` (-1 when none), ``match`` (``exact``,
    ``confirmed``, ``fuzzy``, ``possible`` or ``none``), ``match_score``, ``matched_as`` and
    ``match_explanation``. Only customers are matched fuzzily; a ``possible`` match links nothing.
    """
    rows = dataset.suppliers
    decisions = Decisions.from_table(
        dataset.matches, index, dataset.files.get("matches", "matches.csv")
    )
    n = len(distinct)
    keys = np.empty(n, dtype=object)
    entity = np.full(n, -1, dtype=np.int64)
    match = np.full(n, "none", dtype=object)
    score = np.full(n, np.nan)
    matched_as = np.full(n, "", dtype=object)
    explanation = np.full(n, "", dtype=object)
    problems: list[Problem] = []
    for i, (spelling, first) in enumerate(zip(distinct, first_row, strict=True)):
        key = keys[i] = name_key(spelling)
        confirmed = decisions.confirmed.get(key)
        if confirmed is not None:
            entity[i], matched_as[i], explanation[i] = confirmed
            match[i] = "confirmed"
            continue
        try:
            found = index.resolve(spelling, key=key)
        except AmbiguousNameError as error:
            column = "supplier" if first < len(rows) else "customer"
            line = int(rows[LINE].to_numpy()[first % len(rows)])
            problems.append(
                Problem(
                    dataset.files.get("suppliers", "suppliers.csv"),
                    line,
                    column,
                    str(error).split(". Use")[0],
                    "use a name that only one listed entity carries, remove the shared alias "
                    "from listed.csv, or confirm the right entity in matches.csv",
                )
            )
            continue
        if found is not None and (key, found) not in decisions.rejected:
            entity[i], match[i], score[i] = found, "exact", 100.0
            matched_as[i] = index.spelling(spelling, found)
            explanation[i] = f"same key as the listed spelling {matched_as[i]!r}"
    if problems:
        raise DataError(problems)

    # Customers no key links are matched fuzzily, all at once, with their country as evidence.
    codes, customers = pd.factorize(rows["customer"].to_numpy(dtype=object))
    first = np.zeros(len(customers), dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes))[::-1]
    at = pd.Index(customers).get_indexer(distinct)
    first_sale = np.where(at >= 0, first[at] if len(first) else -1, -1)
    todo = np.flatnonzero((first_sale >= 0) & (match == "none"))
    if len(todo) and len(listings):
        from exposure.matching import Matcher

        found_matches = Matcher(listings, decisions=decisions).match(
            distinct[todo].tolist(),
            rows["customer_country"].to_numpy(dtype=object)[first_sale[todo]].tolist(),
            explain="flagged",
        )
        outcome = found_matches["outcome"].to_numpy()
        for kind, outcome_name in (("fuzzy", "match"), ("possible", "possible")):
            mine = outcome == outcome_name
            chosen = todo[mine]
            match[chosen] = kind
            score[chosen] = found_matches["score"].to_numpy()[mine]
            matched_as[chosen] = found_matches["matched_as"].to_numpy()[mine]
            explanation[chosen] = found_matches["explanation"].to_numpy()[mine]
            if kind == "fuzzy":
                entity[chosen] = found_matches["entity"].to_numpy()[mine]
    return pd.DataFrame(
        {
            "key": keys,
            "entity": entity,
            "match": match,
            "match_score": score,
            "matched_as": matched_as,
            "match_explanation": explanation,
        }
    )


def _node_matches(nodes: pd.DataFrame, resolved: pd.DataFrame, node: np.ndarray) -> pd.DataFrame:
    """Add the match columns to the nodes: for a listed node, its least sure spelling."""
    listed = nodes["entity"].to_numpy() >= 0
    nodes = nodes.assign(
        match=np.where(listed, "exact", "none").astype(object),
        match_score=np.where(listed, 100.0, np.nan),
        matched_as=np.where(listed, nodes["name"], "").astype(object),
        match_explanation=np.where(listed, "the listed entity itself", "").astype(object),
    )
    certainty = (
        resolved["match"].map(_MATCH_ORDER).to_numpy() * 1000.0
        + resolved["match_score"].fillna(0).to_numpy()
    )
    # Listed nodes show their weakest link; other nodes their strongest possible match.
    pick = np.where(listed[node], certainty, -certainty)
    chosen = resolved.assign(node=node, pick=pick).sort_values("pick", kind="stable")
    chosen = chosen.drop_duplicates("node")
    for column in ("match", "match_score", "matched_as", "match_explanation"):
        nodes.loc[chosen["node"].to_numpy(), column] = chosen[column].to_numpy()
    return nodes


def _aggregate_edges(rows: pd.DataFrame) -> pd.DataFrame:
    share = rows["revenue_share"].astype(float)
    frame = pd.DataFrame(
        {
            "src": rows["src"].to_numpy(),
            "dst": rows["dst"].to_numpy(),
            "share": share.fillna(0.0).to_numpy(),
            "unknown_share": share.isna().to_numpy(),
            "estimate": ((rows["share_basis"] == "estimate") & (share > 0)).to_numpy(),
        }
    )
    return (
        frame.groupby(["src", "dst"], sort=True)
        .agg(
            share=("share", "sum"),
            unknown_share=("unknown_share", "any"),
            estimate=("estimate", "any"),
        )
        .reset_index()
    )
