"""Reachability, tiers, paths and revenue at risk: pure functions on arrays.

Conventions shared by every function here:

* ``adjacency`` is an ``n x n`` :class:`scipy.sparse.csr_matrix`, row = supplier, column =
  customer; any stored entry is an edge.
* ``listed`` is a boolean array: the nodes whose listing is in force.
* A listed entity *absorbs*: exposure is counted when the goods reach the first listed buyer on
  a path, and paths do not continue through it. Its own sales still count when it is itself the
  supplier being analysed.

The work per step is a sparse matrix-vector product, or on large graphs one breadth-first
search in C over the reversed graph (:func:`levels`, :func:`reach`), so the same code serves ten
rows and ten million edges; loops run over path lengths (tiers), never over nodes.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple

import numpy as np
from scipy import sparse

__all__ = [
    "FoundPaths",
    "PathFinder",
    "RowSplit",
    "heaviest_first",
    "keep_entries",
    "levels",
    "limited_figures",
    "listed_distances",
    "listed_reached_counts",
    "material_paths",
    "nearest_listed_counts",
    "nearest_paths",
    "reach",
    "reached_listed",
    "reached_listed_blocks",
    "revenue_at_risk",
    "reverse",
    "routes_to",
    "shortest_paths",
    "spans",
    "tiers",
    "upstream",
]

#: From this many edges on, :func:`levels` searches in C (see its notes).
SEARCH_FROM = 200_000
#: Fixed-point iterations of the revenue recursion before an exact sparse solve takes over.
MAX_ITERATIONS = 200
TOLERANCE = 1e-13
#: Matrices with at least this many stored entries are multiplied on two threads
#: (:class:`RowSplit`).
THREADED_FROM = 1_000_000
#: 64-bit words (per node, and per onward sale while a step runs) one block of
#: :func:`listed_reached_counts` may hold: 128 MB each.
REACH_BLOCK_ENTRIES = 1 << 24


def reverse(adjacency: sparse.csr_matrix) -> sparse.csr_matrix:
    """Return the graph with every edge turned round (customer to supplier), data kept.

    Computing it is one counting pass over the edges; callers that search the same graph
    several times (:func:`levels`) pass it in rather than have each search redo it.

    Examples
    --------
    >>> from scipy import sparse
    >>> A = sparse.csr_matrix(([7, 8], ([0, 1], [1, 2])), shape=(3, 3))
    >>> reverse(A).toarray().tolist()
    [[0, 0, 0], [7, 0, 0], [0, 8, 0]]
    """
    return sparse.csr_matrix(adjacency.T)


class RowSplit:
    """A CSR matrix whose products are computed in row blocks, on threads.

    SciPy's sparse products run without holding Python's lock, but each on one core: the
    fixed-point loops below multiply the same matrix ten or twenty times, and two blocks of
    rows with about as many entries each, multiplied at once on two cores, take about half the
    time of the whole matrix on one. Small matrices are multiplied whole, as threads would cost
    more than they save. The blocks share the matrix's arrays.

    Parameters
    ----------
    matrix
        The CSR matrix.
    parts
        Row blocks, multiplied on as many threads.
    threaded_from
        Matrices of fewer stored entries are multiplied whole (default
        :data:`THREADED_FROM`).

    Examples
    --------
    >>> from scipy import sparse
    >>> import numpy as np
    >>> A = sparse.csr_matrix(([1.0, 2.0, 3.0], ([0, 1, 2], [1, 2, 0])), shape=(3, 3))
    >>> (RowSplit(A, parts=2, threaded_from=0) @ np.array([1.0, 10.0, 100.0])).tolist()
    [10.0, 200.0, 3.0]
    """

    def __init__(
        self, matrix: sparse.csr_matrix, *, parts: int = 2, threaded_from: int | None = None
    ) -> None:
        self.matrix = matrix
        limit = THREADED_FROM if threaded_from is None else threaded_from
        self.blocks: list[sparse.csr_matrix] = []
        if parts < 2 or matrix.nnz < limit or matrix.shape[0] < parts:
            return
        indptr = matrix.indptr
        cuts = np.searchsorted(indptr, np.linspace(0, matrix.nnz, parts + 1)[1:-1])
        bounds = [0, *sorted({int(c) for c in cuts} - {0, matrix.shape[0]}), matrix.shape[0]]
        for first, last in itertools.pairwise(bounds):
            start, stop = int(indptr[first]), int(indptr[last])
            self.blocks.append(
                sparse.csr_matrix(
                    (
                        matrix.data[start:stop],
                        matrix.indices[start:stop],
                        indptr[first : last + 1] - indptr[first],
                    ),
                    shape=(last - first, matrix.shape[1]),
                    copy=False,
                )
            )

    def __matmul__(self, operand: Any) -> Any:
        """``matrix @ operand``, for a vector or a sparse matrix ``operand``."""
        if len(self.blocks) < 2:
            return self.matrix @ operand

        with ThreadPoolExecutor(len(self.blocks), thread_name_prefix="exposure-product") as pool:
            parts = list(pool.map(lambda block: block @ operand, self.blocks))
        if sparse.issparse(parts[0]):
            return sparse.vstack(parts, format="csr")
        return np.concatenate(parts)


def keep_entries(
    matrix: sparse.csr_matrix, keep: np.ndarray, *, values: bool = True
) -> sparse.csr_matrix:
    """Return ``matrix`` with only the stored entries where ``keep`` is true (in storage order).

    With ``values=False`` the entries kept are ``True`` instead of their values: a pattern for
    searches, which read only where entries are (one byte an entry, not the values' eight).

    Examples
    --------
    >>> from scipy import sparse
    >>> import numpy as np
    >>> A = sparse.csr_matrix(([1, 2, 3], ([0, 0, 1], [1, 2, 2])), shape=(3, 3))
    >>> keep_entries(A, A.data != 2).toarray().tolist()
    [[0, 1, 0], [0, 0, 3], [0, 0, 0]]
    >>> keep_entries(A, A.data != 2, values=False).toarray().tolist()
    [[False, True, False], [False, False, True], [False, False, False]]
    """
    kept = np.zeros(len(keep) + 1, dtype=matrix.indptr.dtype)
    np.cumsum(keep, out=kept[1:])
    indptr = kept[matrix.indptr]
    data = matrix.data[keep] if values else np.ones(int(indptr[-1]), dtype=bool)
    return sparse.csr_matrix((data, matrix.indices[keep], indptr), shape=matrix.shape)


def levels(
    adjacency: sparse.csr_matrix,
    targets: np.ndarray,
    through: np.ndarray,
    *,
    reversed_adjacency: sparse.csr_matrix | None = None,
) -> np.ndarray:
    """Return, for every node, the length of its shortest path to a target node.

    Paths may pass only through nodes where ``through`` is true (their first node and their
    target excepted).

    Parameters
    ----------
    adjacency
        The graph (any stored entry is an edge).
    targets
        Boolean mask of the nodes to reach.
    through
        Boolean mask of the nodes a path may pass through.
    reversed_adjacency
        :func:`reverse` of ``adjacency``, when the caller has it already.

    Returns
    -------
    numpy.ndarray
        ``int64``; ``-1`` where no target is reachable in one or more steps (a target too
        counts its path to another target, or round a cycle to itself).

    Notes
    -----
    Small graphs take one sparse product per path length. From :data:`SEARCH_FROM` edges
    on, one breadth-first search in C (:func:`scipy.sparse.csgraph.breadth_first_order`)
    runs over the reversed graph, from an extra node linked to every target; lengths come
    from the search tree by pointer jumping (a few passes of array lookups), and a target's
    own length is one more than its nearest successor's. Both give the same result; the
    search is faster on millions of edges, but importing :mod:`scipy.sparse.csgraph` costs
    more than it saves on small graphs.

    Examples
    --------
    >>> from scipy import sparse
    >>> import numpy as np
    >>> A = sparse.csr_matrix(([1, 1, 1], ([0, 1, 2], [1, 2, 3])), shape=(4, 4))
    >>> listed = np.array([False, False, False, True])
    >>> levels(A, listed, ~listed).tolist()
    [3, 2, 1, -1]
    """
    if adjacency.nnz < SEARCH_FROM:
        return _levels_by_products(adjacency, targets, through)
    return _levels_by_search(adjacency, targets, through, reversed_adjacency)


def _levels_by_products(
    adjacency: sparse.csr_matrix, targets: np.ndarray, through: np.ndarray
) -> np.ndarray:
    pattern = adjacency.astype(np.float32)
    pattern.data[:] = 1.0
    level = np.full(adjacency.shape[0], -1, dtype=np.int64)
    frontier = targets.astype(np.float32)
    depth = 0
    while frontier.any():
        depth += 1
        found = (pattern @ frontier > 0) & (level < 0)
        level[found] = depth
        frontier = (found & through).astype(np.float32)
    return level


def reach(
    adjacency: sparse.csr_matrix,
    targets: np.ndarray,
    through: np.ndarray,
    *,
    reversed_adjacency: sparse.csr_matrix | None = None,
) -> np.ndarray:
    """Return the targets and every node with a path to a target (as :func:`levels`).

    Cheaper than :func:`levels` when only whether, not how far, matters.

    Examples
    --------
    >>> from scipy import sparse
    >>> import numpy as np
    >>> A = sparse.csr_matrix(([1, 1, 1], ([0, 1, 3], [1, 2, 1])), shape=(4, 4))
    >>> listed = np.array([False, False, True, False])
    >>> reach(A, listed, ~listed).tolist()
    [True, True, True, True]
    >>> reach(A, listed, np.array([True, False, True, True])).tolist()
    [False, True, True, False]
    """
    if adjacency.nnz < SEARCH_FROM:
        return targets | (_levels_by_products(adjacency, targets, through) > 0)
    order, _ = _search(adjacency, targets, through, reversed_adjacency)
    reached = np.zeros(adjacency.shape[0] + 1, dtype=bool)
    reached[order] = True
    return reached[:-1] | targets


def _search(
    adjacency: sparse.csr_matrix,
    targets: np.ndarray,
    through: np.ndarray,
    reversed_adjacency: sparse.csr_matrix | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Search the reversed graph from an extra node ``n`` linked to every target.

    Returns the nodes in the order found and each one's parent, as
    :func:`scipy.sparse.csgraph.breadth_first_order` does.
    """
    n = adjacency.shape[0]
    back = reverse(adjacency) if reversed_adjacency is None else reversed_adjacency
    indptr, indices = back.indptr, back.indices
    # A search may go on from a node only when the node is a target or may be passed through.
    expandable = targets | through
    if not expandable.all():
        back = keep_entries(back, np.repeat(expandable, np.diff(indptr)), values=False)
        indptr, indices = back.indptr, back.indices
    sources = np.flatnonzero(targets)
    # csgraph works on 32-bit indices and float64 data: given so, nothing is converted twice.
    # A search reads only where the entries are; zeros cost no memory until written.
    search = sparse.csr_matrix(
        (
            np.zeros(len(indices) + len(sources)),
            np.concatenate([indices, sources.astype(indices.dtype)]).astype(np.int32, copy=False),
            np.append(indptr, indptr[-1] + len(sources)).astype(np.int32, copy=False),
        ),
        shape=(n + 1, n + 1),
    )
    from scipy.sparse import csgraph  # slow to import; only searches need it

    order, parent = csgraph.breadth_first_order(search, n, directed=True)
    return order, parent


def _levels_by_search(
    adjacency: sparse.csr_matrix,
    targets: np.ndarray,
    through: np.ndarray,
    reversed_adjacency: sparse.csr_matrix | None,
) -> np.ndarray:
    n = adjacency.shape[0]
    order, parent = _search(adjacency, targets, through, reversed_adjacency)
    depth = _tree_depths(order, parent, n)[:n]
    level = np.where(depth > 0, depth - 1, -1)
    sources = np.flatnonzero(targets)
    # Targets start paths of their own: one sale to a target, or on through a passable node.
    level[sources] = -1
    steps = np.diff(adjacency.indptr)[sources]
    if steps.sum():
        successor = adjacency.indices[spans(adjacency.indptr[sources], steps)]
        onward = np.where(
            targets[successor],
            1,
            np.where(through[successor] & (level[successor] > 0), level[successor] + 1, 0),
        )
        onward = np.where(onward > 0, onward, np.iinfo(np.int64).max)
        starts = np.concatenate([[0], np.cumsum(steps)[:-1]])
        has = steps > 0
        nearest = np.full(len(sources), np.iinfo(np.int64).max)
        nearest[has] = np.minimum.reduceat(onward, starts[has])
        found = nearest < np.iinfo(np.int64).max
        level[sources[found]] = nearest[found]
    return level


def _tree_depths(order: np.ndarray, parent: np.ndarray, root: int) -> np.ndarray:
    """Return each node's depth in a search tree (-1 where the search did not reach it)."""
    depth = np.full(len(parent), -1, dtype=np.int64)
    reached = order[1:]
    ancestor = parent[reached].astype(np.int64)
    hops = np.ones(len(reached), dtype=np.int64)
    position = np.full(len(parent), -1, dtype=np.int64)
    position[reached] = np.arange(len(reached))
    # Pointer jumping: each pass doubles how far every node has looked up its tree.
    while True:
        pending = np.flatnonzero(ancestor != root)
        if not len(pending):
            break
        up = position[ancestor[pending]]
        hops[pending] += hops[up]
        ancestor[pending] = ancestor[up]
    depth[root] = 0
    depth[reached] = hops
    return depth


def spans(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Return the positions ``starts[i], ..., starts[i] + lengths[i] - 1``, for every ``i``.

    The entries of many rows of a sparse matrix at once (``starts = indptr[rows]``).

    Examples
    --------
    >>> import numpy as np
    >>> spans(np.array([5, 0]), np.array([2, 3])).tolist()
    [5, 6, 0, 1, 2]
    """
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    return np.asarray(offsets + np.arange(lengths.sum()), dtype=np.int64)


def tiers(
    adjacency: sparse.csr_matrix,
    listed: np.ndarray,
    *,
    reversed_adjacency: sparse.csr_matrix | None = None,
) -> np.ndarray:
    """Return each node's tier: 1 when it sells to a listed entity, 2 through one intermediary...

    ``-1`` marks a node that reaches no listed entity (not exposed).

    Examples
    --------
    >>> from scipy import sparse
    >>> import numpy as np
    >>> A = sparse.csr_matrix(([1, 1, 1], ([0, 1, 2], [2, 2, 3])), shape=(4, 4))
    >>> tiers(A, np.array([False, False, False, True])).tolist()
    [2, 2, 1, -1]
    """
    return levels(adjacency, listed, ~listed, reversed_adjacency=reversed_adjacency)


def upstream(
    adjacency: sparse.csr_matrix,
    seeds: np.ndarray,
    listed: np.ndarray,
    *,
    reversed_adjacency: sparse.csr_matrix | None = None,
) -> np.ndarray:
    """Return the seeds and every node whose sales reach a seed through unlisted intermediaries.

    Used to spread a property of some edges (an unknown share, an estimate) to every supplier
    whose exposure depends on them.

    Examples
    --------
    >>> from scipy import sparse
    >>> import numpy as np
    >>> A = sparse.csr_matrix(([1, 1], ([0, 1], [1, 2])), shape=(3, 3))
    >>> upstream(A, np.array([False, True, False]), np.zeros(3, bool)).tolist()
    [True, True, False]
    """
    back = reversed_adjacency
    return seeds | reach(adjacency, seeds & ~listed, ~listed, reversed_adjacency=back)


def revenue_at_risk(shares: sparse.csr_matrix, listed: np.ndarray) -> np.ndarray:
    """Return the share of each node's revenue that ends with listed entities.

    ``at_risk(u) = sum over u -> v of share(u, v) * (1 if v is listed else at_risk(v))``.
    With shares of at most 1 per supplier this is the absorption probability of a Markov chain
    whose absorbing states are the listed entities; cycles are handled exactly.

    Parameters
    ----------
    shares
        Known revenue shares; unknown shares must be stored as 0 (the result is then a lower
        bound, which the caller flags).
    listed
        Boolean mask of the listed nodes.

    Examples
    --------
    >>> from scipy import sparse
    >>> import numpy as np
    >>> S = sparse.csr_matrix(([0.5, 0.4, 0.25], ([0, 0, 1], [1, 2, 2])), shape=(3, 3))
    >>> revenue_at_risk(S, np.array([False, False, True])).round(3).tolist()
    [0.525, 0.25, 0.0]

    A cycle (0 -> 1 -> 0) with a leak to the listed node 2 terminates:

    >>> S = sparse.csr_matrix(([0.5, 0.5, 0.5], ([0, 1, 1], [1, 0, 2])), shape=(3, 3))
    >>> revenue_at_risk(S, np.array([False, False, True])).round(6).tolist()
    [0.333333, 0.666667, 0.0]
    """
    shares = sparse.csr_matrix(shares, dtype=np.float64)
    # at_risk = shares @ ends, where a sale ends at a listed buyer with 1 and goes on with the
    # buyer's own at_risk otherwise: the products read the shares as they are, no copy made.
    ends = listed.astype(np.float64)
    onward_buyers = ~listed
    product = RowSplit(shares)
    risk = product @ ends
    for _ in range(MAX_ITERATIONS):
        np.copyto(ends, risk, where=onward_buyers)
        updated = product @ ends
        if np.max(np.abs(updated - risk), initial=0.0) <= TOLERANCE:
            return updated
        risk = updated
    # Slow convergence means long cycles: solve exactly on the nodes with a positive route to
    # a listed entity, where I - onward is non-singular (transient states of the chain).
    positive = levels(keep_entries(shares, shares.data != 0, values=False), listed, ~listed) > 0
    index = np.flatnonzero(positive)
    from scipy.sparse import linalg  # slow to import; only cycles that converge slowly need it

    direct = shares @ listed.astype(np.float64)
    onward = keep_entries(shares, onward_buyers[shares.indices])
    system = sparse.identity(len(index), format="csc") - onward[index][:, index].tocsc()
    exact = np.zeros(shares.shape[0])
    exact[index] = np.atleast_1d(linalg.spsolve(system, direct[index]))
    return exact


def shortest_paths(
    adjacency: sparse.csr_matrix, listed: np.ndarray, start: int
) -> dict[int, list[int]]:
    """Return one shortest path from ``start`` to each listed node it reaches.

    Paths stop at the first listed node. When ``start`` is itself listed, its own sales count.

    Returns
    -------
    dict
        Listed node code -> the path as node codes, ``start`` first.

    Examples
    --------
    >>> from scipy import sparse
    >>> import numpy as np
    >>> A = sparse.csr_matrix(([1, 1, 1, 1], ([0, 0, 1, 2], [1, 2, 3, 3])), shape=(4, 4))
    >>> shortest_paths(A, np.array([False, False, False, True]), 0)
    {3: [0, 1, 3]}
    """
    absorbing = _absorbing(adjacency, listed, keep=start)
    indptr, indices = absorbing.indptr, absorbing.indices
    predecessors = np.full(adjacency.shape[0], -1, dtype=np.int64)
    seen = np.zeros(adjacency.shape[0], dtype=bool)
    seen[start] = True
    frontier = np.array([start], dtype=np.int64)
    reached = []
    # Level by level; within a level, each node keeps its first predecessor (lowest code).
    while len(frontier):
        lengths = indptr[frontier + 1] - indptr[frontier]
        targets = indices[spans(indptr[frontier], lengths)]
        sources = np.repeat(frontier, lengths)
        fresh = ~seen[targets]
        targets, first = np.unique(targets[fresh], return_index=True)
        predecessors[targets] = sources[fresh][first]
        seen[targets] = True
        reached.append(targets)
        frontier = targets
    paths: dict[int, list[int]] = {}
    for node in np.concatenate(reached) if reached else np.array([], dtype=np.int64):
        if not listed[node] or node == start:
            continue
        path = [int(node)]
        while path[-1] != start:
            path.append(int(predecessors[path[-1]]))
        paths[int(node)] = path[::-1]
    return paths


def routes_to(
    weights: sparse.csr_matrix,
    listed: np.ndarray,
    target: int,
    starts: np.ndarray,
    *,
    reversed_adjacency: sparse.csr_matrix | None = None,
) -> list[tuple[list[int], float | None]]:
    """Return one shortest route from each start to the listed node ``target``, and its weight.

    Routes pass through unlisted nodes only (a start's own sales count, listed or not); at
    each step the route takes the lowest-numbered customer still on a shortest route. One
    search back from ``target`` serves every start. Every start must reach ``target``
    (:func:`reached_listed_blocks`) and be another node.

    Parameters
    ----------
    weights
        The sales, each entry its share of the seller's revenue (``NaN``: unknown).
    listed
        Boolean mask of the listed nodes.
    target
        The listed node the routes lead to.
    starts
        The nodes the routes start from.
    reversed_adjacency
        ``weights`` turned round (:func:`reverse`), when at hand.

    Returns
    -------
    list of (list of int, float or None)
        Each route, start first, and the product of its shares (``None`` when one is unknown).

    Examples
    --------
    >>> from scipy import sparse
    >>> import numpy as np
    >>> W = sparse.csr_matrix(
    ...     ([0.5, 0.1, 0.2, np.nan, 1.0], ([0, 0, 1, 2, 3], [1, 2, 3, 3, 0])), shape=(4, 4)
    ... )
    >>> routes_to(W, np.array([False, False, False, True]), 3, np.array([0, 2]))
    [([0, 1, 3], 0.1), ([2, 3], None)]
    """
    n = weights.shape[0]
    backward = reverse(weights) if reversed_adjacency is None else reversed_adjacency
    # Fewest sales from each node to the target, through unlisted nodes.
    distance = np.full(n, -1, dtype=np.int64)
    distance[target] = 0
    frontier = np.array([target], dtype=np.int64)
    depth = 0
    while len(frontier):
        depth += 1
        lengths = backward.indptr[frontier + 1] - backward.indptr[frontier]
        sellers = np.unique(backward.indices[spans(backward.indptr[frontier], lengths)])
        sellers = sellers[distance[sellers] < 0]
        distance[sellers] = depth
        frontier = sellers[~listed[sellers]]
    # Each node's next step: its lowest-numbered customer one sale nearer, the target or unlisted.
    source = np.repeat(np.arange(n), np.diff(weights.indptr))
    customer = weights.indices
    onward = ~listed[customer] | (customer == target)
    nearer = onward & (distance[customer] >= 0) & (distance[customer] == distance[source] - 1)
    step = np.full(n, n, dtype=np.int64)
    np.minimum.at(step, source[nearer], customer[nearer])
    share = np.full(n, np.nan)
    taken = np.flatnonzero(nearer & (customer == step[source]))
    share[source[taken]] = weights.data[taken]
    routes: list[tuple[list[int], float | None]] = []
    for start in np.asarray(starts).tolist():
        route, weight = [start], 1.0
        while route[-1] != target:
            weight *= float(share[route[-1]])
            route.append(int(step[route[-1]]))
        routes.append((route, None if math.isnan(weight) else weight))
    return routes


def _absorbing(adjacency: sparse.csr_matrix, listed: np.ndarray, *, keep: int) -> sparse.csr_matrix:
    """Drop the out-edges of listed nodes, except those of ``keep``."""
    keep_rows = ~listed
    keep_rows[keep] = True
    absorbing = sparse.csr_matrix(adjacency, copy=True)
    row_of_entry = np.repeat(np.arange(adjacency.shape[0]), np.diff(adjacency.indptr))
    absorbing.data = absorbing.data * keep_rows[row_of_entry]
    absorbing.eliminate_zeros()
    return absorbing


def _with_values(matrix: sparse.csr_matrix, values: np.ndarray) -> sparse.csr_matrix:
    """Return a matrix with the entries of ``matrix`` (index arrays shared) holding ``values``."""
    return sparse.csr_matrix((values, matrix.indices, matrix.indptr), shape=matrix.shape)


def limited_figures(
    shares: sparse.csr_matrix,
    weights: sparse.csr_matrix,
    listed: np.ndarray,
    max_tier: int,
    *,
    tier: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Return per-node figures over the routes of at most ``max_tier`` sales.

    Parameters
    ----------
    shares
        The known part of each sale's revenue share (unknown parts stored as 0).
    weights
        The same sales with an explicit entry each: the share, ``NaN`` where not fully known.
    listed
        Boolean mask of the listed nodes.
    max_tier
        The longest route counted; must be at least 1.
    tier
        Each node's tier (:func:`tiers`), when known already.

    Returns
    -------
    dict
        ``revenue_at_risk`` (known share ending with listed entities along routes of at most
        ``max_tier`` sales), ``routes`` (their number; a route may go round a cycle),
        ``unknown_routes`` (those with a share not fully known), ``deepest`` (the longest route
        length with a route, 0 when none) and ``beyond`` (a route longer than ``max_tier``
        exists: ``max_tier`` sales through unlisted companies lead to one that still reaches
        a listed entity; a route may go round a cycle, as the revenue at risk counts it).

    Examples
    --------
    >>> from scipy import sparse
    >>> import numpy as np
    >>> S = sparse.csr_matrix(([0.5, 0.5, 0.2], ([0, 1, 0], [1, 2, 2])), shape=(3, 3))
    >>> out = limited_figures(S, S, np.array([False, False, True]), 1)
    >>> out["revenue_at_risk"].tolist(), out["routes"].tolist(), out["beyond"].tolist()
    ([0.2, 0.5, 0.0], [1.0, 1.0, 0.0], [True, False, False])

    A chain of four sales, limited to two: the route is beyond the limit, though no route is
    exactly three sales long.

    >>> C = sparse.csr_matrix(([1.0] * 4, ([0, 1, 2, 3], [1, 2, 3, 4])), shape=(5, 5))
    >>> limited_figures(C, C, np.arange(5) == 4, 2)["beyond"].tolist()
    [True, True, False, False, False]
    """
    weights = sparse.csr_matrix(weights, dtype=np.float64)
    shares = sparse.csr_matrix(shares, dtype=np.float64)
    known = ~np.isnan(weights.data)
    unlisted = ~listed[weights.indices]
    # Four matrices of the same sales, differing only in their values: they share the index
    # arrays (ten million sales make each copy of them 120 MB).
    pattern = _with_values(weights, np.ones(len(known)))
    known_pattern = _with_values(weights, known.astype(np.float64))
    absorbing = _with_values(weights, unlisted.astype(np.float64))
    known_absorbing = _with_values(weights, (known & unlisted).astype(np.float64))
    onward = _with_values(shares, shares.data * ~listed[shares.indices])
    to_listed = listed.astype(np.float64)
    direct = shares @ to_listed
    risk = np.zeros(shares.shape[0])
    # routes_j: routes of exactly j sales; known_routes_j: those whose shares are all known.
    routes_j = pattern @ to_listed
    known_routes_j = known_pattern @ to_listed
    routes = np.zeros(shares.shape[0])
    known_routes = np.zeros(shares.shape[0])
    deepest = np.zeros(shares.shape[0], dtype=np.int64)
    if tier is None:
        tier = tiers(weights, listed)
    # Whether some walk of ``depth`` sales through unlisted companies ends at one that still
    # reaches a listed entity: after ``max_tier`` sales, a route longer than the limit.
    goes_on = (~listed & (tier > 0)).astype(np.float64)
    onward, absorbing, known_absorbing = (RowSplit(m) for m in (onward, absorbing, known_absorbing))
    for depth in range(1, max_tier + 1):
        risk = direct + onward @ risk
        routes += routes_j
        known_routes += known_routes_j
        deepest[routes_j > 0] = depth
        routes_j = absorbing @ routes_j
        known_routes_j = known_absorbing @ known_routes_j
        goes_on = ((absorbing @ goes_on) > 0).astype(np.float64)  # 0/1: counts could overflow
    return {
        "revenue_at_risk": risk,
        "routes": routes,
        "unknown_routes": routes - known_routes,
        "deepest": deepest,
        "beyond": goes_on > 0,
    }


def heaviest_first(path: tuple[list[int], float | None]) -> tuple[Any, ...]:
    """Sort key of paths with their weights: heaviest first, unknown weights last, then shortest.

    Examples
    --------
    >>> sorted([([0, 2], None), ([0, 1, 2], 0.05), ([0, 2], 0.5)], key=heaviest_first)
    [([0, 2], 0.5), ([0, 1, 2], 0.05), ([0, 2], None)]
    """
    nodes, weight = path
    return (weight is None, -(weight or 0.0), len(nodes), nodes)


def material_paths(
    shares: sparse.csr_matrix,
    listed: np.ndarray,
    tier: np.ndarray,
    start: int,
    *,
    max_tier: int,
    min_weight: float,
    cap: int,
) -> list[tuple[list[int], float | None]]:
    """Return the paths from ``start`` to listed entities that matter, with their weights.

    A path's weight is the product of the revenue shares along it (the part of ``start``'s
    revenue that flows along it), ``None`` when a share on it is unknown. Listed: every sale
    to a listed entity (tier 1) whatever its weight; longer paths of at most ``max_tier``
    sales whose weight is at least ``min_weight``; and up to ``cap`` paths of unknown weight
    whose known shares alone do not already put them under ``min_weight``. Paths are simple
    (no company twice, but a listed ``start`` may be reached again at the end: its revenue at
    risk counts that route) and stop at the first listed entity. ``max_tier=0`` means no tier
    limit. Since the weights of all paths add up to at most 1, at most ``1 / min_weight``
    longer paths qualify: the output is bounded whatever the graph's size.

    Parameters
    ----------
    shares
        Revenue shares with an explicit entry for every edge; ``NaN`` where unknown.
    listed
        Boolean mask of the listed nodes.
    tier
        Each node's tier (:func:`tiers`), to skip nodes that cannot reach a listed entity in
        the sales left.

    Examples
    --------
    >>> from scipy import sparse
    >>> import numpy as np
    >>> S = sparse.csr_matrix(([0.0001, 0.5, 0.1], ([0, 0, 1], [2, 1, 2])), shape=(3, 3))
    >>> listed = np.array([False, False, True])
    >>> paths = material_paths(S, listed, tiers(S, listed), 0, max_tier=4, min_weight=0.01, cap=5)
    >>> [(path, round(weight, 6)) for path, weight in paths]
    [([0, 1, 2], 0.05), ([0, 2], 0.0001)]
    """
    return PathFinder(shares, listed, tier).paths(
        start, max_tier=max_tier, min_weight=min_weight, cap=cap
    )


class FoundPaths(NamedTuple):
    """The paths of many starts, as arrays (:meth:`PathFinder.found_paths_from`).

    Start ``i``'s paths are ``bounds[i]`` to ``bounds[i + 1] - 1``, in the order of
    :meth:`PathFinder.paths`; path ``j``'s companies are ``nodes[offsets[j]:offsets[j + 1]]``,
    its weight ``weight[j]`` (``NaN`` when unknown).
    """

    bounds: np.ndarray
    offsets: np.ndarray
    nodes: np.ndarray
    weight: np.ndarray

    @classmethod
    def of_lists(cls, found: list[list[tuple[list[int], float | None]]]) -> FoundPaths:
        """Return the paths of :meth:`PathFinder.paths_from` (lists) as arrays.

        >>> FoundPaths.of_lists([[([0, 2], 0.5)], [], [([1, 3, 2], None)]]).offsets.tolist()
        [0, 2, 5]
        """
        paths = [path for mine in found for path in mine]
        bounds = np.zeros(len(found) + 1, dtype=np.int64)
        np.cumsum([len(mine) for mine in found], out=bounds[1:])
        offsets = np.zeros(len(paths) + 1, dtype=np.int64)
        np.cumsum([len(nodes) for nodes, _ in paths], out=offsets[1:])
        nodes = np.fromiter(
            itertools.chain.from_iterable(nodes for nodes, _ in paths), np.int64, int(offsets[-1])
        )
        weight = np.array([math.nan if w is None else w for _, w in paths], dtype=np.float64)
        return cls(bounds, offsets, nodes, weight)


class PathFinder:
    """:func:`material_paths` from one supplier after another, over the same graph.

    What the search reads of each sale is laid out once, in the order of the stored entries:
    the customer, the share, and the customer's standing (``-1`` listed, else its tier, 0
    when it reaches no listed entity). A step of the search then slices arrays instead of
    looking up its customers' standing anew: a report of every supplier searches from each
    supplier in turn.

    Past the first step, a step reads only the sales that can still lead somewhere from
    there: to a listed customer or to one whose tier is within the sales left, and, where
    shares fall along a path (all at most 1), with a share unknown or at least the minimum
    weight. Any other would be passed over whatever the path so far, so the paths found and
    their order are the same. These lists are laid out on first use, one record a sale: one
    for each of the last :attr:`NARROWED_LEFT` steps (short: a customer that close to the
    end of a path must be close to a listed entity), and one of every tier for all earlier
    steps, so that a high tier limit does not hold a list per step. Where most sales lead
    nowhere near a listed entity, a step then reads only a small part of the sales, which
    matters most when every supplier is ranked.

    Parameters
    ----------
    shares, listed, tier
        As for :func:`material_paths`.

    Examples
    --------
    >>> from scipy import sparse
    >>> import numpy as np
    >>> S = sparse.csr_matrix(([0.0001, 0.5, 0.1], ([0, 0, 1], [2, 1, 2])), shape=(3, 3))
    >>> listed = np.array([False, False, True])
    >>> finder = PathFinder(S, listed, tiers(S, listed))
    >>> [path for path, _ in finder.paths(1, max_tier=4, min_weight=0.01, cap=5)]
    [[1, 2]]
    """

    # Steps with fewer sales left than this read sales narrowed to the tiers within reach.
    NARROWED_LEFT = 3
    # Searched side by side only within this tier limit, and while a step reads at most this
    # many sales: paths of unknown weight, which the cap stops early in a one-start search,
    # are all followed side by side and multiply with each sale further (past either bound,
    # one start at a time).
    SIDE_BY_SIDE_TIERS = 4
    SIDE_BY_SIDE_SALES = 4_000_000

    def __init__(self, shares: sparse.csr_matrix, listed: np.ndarray, tier: np.ndarray) -> None:
        self.n = shares.shape[0]
        self.indptr = shares.indptr
        self.indices = shares.indices
        self.data = shares.data
        # A tier of 0 or less (-1: reaches no listed entity) ends every path alike: 0. Made
        # per node, then gathered once for the sales: one pass over them, not one per step.
        kind = np.int32 if len(tier) < np.iinfo(np.int32).max else np.int64  # tiers <= nodes
        of_node = np.where(listed, -1, np.maximum(tier, 0)).astype(kind)
        self.standing = of_node[shares.indices]
        self._top_standing = int(np.max(of_node, initial=0))
        # Shares of at most 1 make a path's weight fall at every sale: then a sale under the
        # minimum weight leads nowhere past the first step (the checks allow a supplier's
        # shares to add up to a hair over 1; such a graph is searched in full).
        self._falling = bool(np.fmax.reduce(self.data, initial=0.0) <= 1.0)
        self._min_weight = math.nan
        self._onward: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.listed = listed
        self.tier = tier
        self._seen = np.zeros(self.n, dtype=bool)

    def _onward_sales(self, left: int) -> tuple[np.ndarray, np.ndarray]:
        """Return ``indptr`` and the sales (customer, share, standing) a later step may take.

        Those to a listed customer or to one whose tier is at most ``left``, the sales left
        after this one; where shares fall, only those whose share is unknown or at least the
        minimum weight. One record per sale: a step reads its node's sales in one slice.
        """
        if left not in self._onward:
            # Past the highest tier every tier is within reach: that list, not a copy.
            self._onward[left] = (
                self._onward_sales(self._top_standing)
                if left > self._top_standing
                else self._lay_out(left)
            )
        return self._onward[left]

    def _lay_out(self, left: int) -> tuple[np.ndarray, np.ndarray]:
        """Lay out the list :meth:`_onward_sales` returns for ``left`` sales left."""
        keep = (self.standing != 0) & (self.standing <= left)
        if self._falling:
            with np.errstate(invalid="ignore"):
                keep &= ~(self.data < self._min_weight)  # NaN, an unknown share, is kept
        sales = np.empty(
            np.count_nonzero(keep),
            dtype=[
                ("customer", self.indices.dtype),
                ("share", np.float64),
                ("standing", self.standing.dtype),
            ],
        )
        sales["customer"], sales["share"] = self.indices[keep], self.data[keep]
        sales["standing"] = self.standing[keep]
        kept = np.concatenate([[0], np.cumsum(keep)]).astype(self.indptr.dtype)
        return kept[self.indptr], sales

    def nearest(self, start: int) -> list[tuple[list[int], float | None]]:
        """Return :func:`nearest_paths` from ``start``."""
        indptr, indices, data = self.indptr, self.indices, self.data
        listed, tier = self.listed, self.tier
        goal = int(tier[start])
        frontier = np.array([start])
        parent: dict[int, int] = {}
        seen = self._seen  # reset below: one array for every search
        seen[start] = not listed[start]  # a listed start reached again is a listed buyer
        touched = [frontier]
        for depth in range(1, goal + 1):
            lengths = indptr[frontier + 1] - indptr[frontier]
            step = indices[spans(indptr[frontier], lengths)]
            source = np.repeat(frontier, lengths)
            wanted = listed[step] if depth == goal else ~listed[step] & (tier[step] == goal - depth)
            keep = wanted & ~seen[step]
            step, source = step[keep], source[keep]
            # The frontier is sorted: the first sale to a node comes from its lowest parent.
            step, first = np.unique(step, return_index=True)
            seen[step] = True
            touched.append(step)
            parent.update(zip(step.tolist(), source[first].tolist(), strict=True))
            frontier = step
        for nodes in touched:
            seen[nodes] = False
        found: list[tuple[list[int], float | None]] = []
        for node in frontier.tolist() if goal > 0 else []:
            path = [node, parent[node]]  # node may be the start itself, reached again
            while path[-1] != start:
                path.append(parent[path[-1]])
            path.reverse()
            weight: float | None = 1.0
            for a, b in itertools.pairwise(path):
                entries = slice(indptr[a], indptr[a + 1])
                share = float(data[entries][indices[entries] == b][0])
                weight = None if weight is None or math.isnan(share) else weight * share
            found.append((path, weight))
        return found

    def nearest_from(self, starts: np.ndarray) -> list[list[tuple[list[int], float | None]]]:
        """Return :meth:`nearest` from each of ``starts``, searched side by side.

        One breadth-first step for every start at once; of the sales reaching one company
        from one start, the lowest-numbered supplier's is kept, as :meth:`nearest` keeps it.

        Examples
        --------
        >>> from scipy import sparse
        >>> import numpy as np
        >>> W = sparse.csr_matrix(([0.5, 0.2, np.nan], ([0, 1, 0], [1, 2, 2])), shape=(4, 4))
        >>> listed = np.array([False, False, True, False])
        >>> PathFinder(W, listed, tiers(W, listed)).nearest_from(np.array([0, 1, 3]))
        [[([0, 2], None)], [([1, 2], 0.2)], []]
        """
        starts = np.asarray(starts, dtype=np.int64)
        n, listed, tier = np.int64(self.n), self.listed, self.tier
        goal = np.maximum(tier[starts], 0)
        owner, node = np.flatnonzero(goal > 0), starts[goal > 0]
        # Per step: the (start, company) pairs reached, sorted, and the supplier of each.
        reached: list[tuple[np.ndarray, np.ndarray]] = []
        ends: list[tuple[np.ndarray, np.ndarray, int]] = []
        depth = 0
        while len(owner):
            depth += 1
            first = self.indptr[node]
            lengths = self.indptr[node + 1] - first
            entries = spans(first, lengths)
            state = np.repeat(np.arange(len(node)), lengths)
            step = self.indices[entries].astype(np.int64)
            left = goal[owner[state]] - depth
            # A start that is not listed is never reached again (its tier is the goal).
            wanted = np.where(left == 0, listed[step], ~listed[step] & (tier[step] == left))
            state, step = state[wanted], step[wanted]
            key = owner[state] * n + step
            by_key = np.lexsort([node[state], key])  # the lowest-numbered supplier first
            key = key[by_key]
            firsts = np.concatenate([[True], key[1:] != key[:-1]]) if len(key) else key > 0
            key, supplier = key[firsts], node[state[by_key[firsts]]]
            reached.append((key, supplier))
            owner, node = key // n, key % n
            done = goal[owner] == depth
            ends.append((owner[done], node[done], depth))
            owner, node = owner[~done], node[~done]
        found: list[list[tuple[list[int], float | None]]] = [[] for _ in starts]
        for end_owner, end_node, length in ends:
            path = np.empty((len(end_owner), length + 1), dtype=np.int64)
            path[:, length] = end_node
            for column in range(length, 0, -1):
                key, supplier = reached[column - 1]
                at = np.searchsorted(key, end_owner * n + path[:, column])
                path[:, column - 1] = supplier[at]
            weight = np.ones(len(end_owner))
            for column in range(length):
                weight = weight * self._share_of(path[:, column], path[:, column + 1])
            weights = [None if math.isnan(w) else w for w in weight.tolist()]
            for o, row, w in zip(end_owner.tolist(), path.tolist(), weights, strict=True):
                found[o].append((row, w))
        return found

    def _share_of(self, suppliers: np.ndarray, customers: np.ndarray) -> np.ndarray:
        """Return the share of each sale ``suppliers[i] -> customers[i]`` (its first entry)."""
        first = self.indptr[suppliers]
        lengths = self.indptr[suppliers + 1] - first
        entries = spans(first, lengths)
        sale = np.repeat(np.arange(len(suppliers)), lengths)
        hit = entries[self.indices[entries] == customers[sale]]
        which = sale[self.indices[entries] == customers[sale]]
        _, at = np.unique(which, return_index=True)
        return np.asarray(self.data[hit[at]], dtype=np.float64)

    def paths(
        self, start: int, *, max_tier: int, min_weight: float, cap: int
    ) -> list[tuple[list[int], float | None]]:
        """Return :func:`material_paths` from ``start``."""
        if min_weight != self._min_weight:  # the lists of one minimum weight at a time
            self._onward, self._min_weight = {}, min_weight
        onward, top, narrowed = self._onward, self._top_standing, self.NARROWED_LEFT
        found: list[tuple[list[int], float | None]] = []
        unquantified = 0
        limit = max_tier if max_tier > 0 else self.n
        # Each entry: the path so far, its weight (None: unknown), the product of its known
        # shares.
        stack: list[tuple[list[int], float | None, float]] = [([start], 1.0, 1.0)]
        while stack:
            path, weight, known = stack.pop()
            node = path[-1]
            depth = len(path) - 1
            remaining = limit - depth - 1
            if depth:
                left = remaining if remaining < narrowed else top
                indptr, sales = onward.get(left) or self._onward_sales(left)
                first, stop = indptr[node], indptr[node + 1]
                steps = sales[first:stop].tolist()
            else:
                first, stop = self.indptr[node], self.indptr[node + 1]
                # The node's sales as Python lists at once: NumPy items one by one are slow.
                steps = zip(
                    self.indices[first:stop].tolist(),
                    self.data[first:stop].tolist(),
                    self.standing[first:stop].tolist(),
                    strict=True,
                )
            for nxt, share, nxt_standing in steps:
                if nxt in path and not (nxt == start and nxt_standing < 0):
                    continue  # simple paths, but a listed supplier's sales may come back to it
                unknown_share = math.isnan(share)
                new_known = known if unknown_share else known * share
                new_weight = None if weight is None or unknown_share else weight * share
                if depth > 0 and new_known < min_weight:
                    continue  # every path through here weighs less than the minimum
                if nxt_standing < 0:  # a listed customer: the path ends there
                    if new_weight is None:
                        if depth > 0 and unquantified >= cap:
                            continue
                        unquantified += depth > 0
                    found.append(([*path, nxt], new_weight))
                    continue
                if nxt_standing == 0 or nxt_standing > remaining:
                    continue
                if new_weight is None and unquantified >= cap:
                    continue
                if self._falling and new_known < min_weight:
                    continue  # a first sale this small: every path on from it weighs less
                stack.append(([*path, nxt], new_weight, new_known))
        found.sort(key=heaviest_first)
        return found

    def paths_from(
        self, starts: np.ndarray, *, max_tier: int, min_weight: float, cap: int
    ) -> list[list[tuple[list[int], float | None]]]:
        """Return :meth:`paths` from each of ``starts``, searched side by side.

        The same paths in the same order as one search from each start, found one sale at a
        time for every start at once on the arrays (:meth:`found_from`).

        Examples
        --------
        >>> from scipy import sparse
        >>> import numpy as np
        >>> S = sparse.csr_matrix(([0.0001, 0.5, 0.1], ([0, 0, 1], [2, 1, 2])), shape=(3, 3))
        >>> listed = np.array([False, False, True])
        >>> finder = PathFinder(S, listed, tiers(S, listed))
        >>> finder.paths_from(np.array([0, 1]), max_tier=4, min_weight=0.01, cap=5)
        [[([0, 1, 2], 0.05), ([0, 2], 0.0001)], [([1, 2], 0.1)]]
        """
        found = self.found_from(starts, max_tier=max_tier, min_weight=min_weight, cap=cap)
        if found is None:
            return [
                self.paths(start, max_tier=max_tier, min_weight=min_weight, cap=cap)
                for start in np.asarray(starts).tolist()
            ]
        bounds, nodes, sales, weight = found
        weights = [None if math.isnan(w) else w for w in weight.tolist()]
        paths = [
            (row[: length + 1], w)
            for row, length, w in zip(nodes.tolist(), sales.tolist(), weights, strict=True)
        ]
        return [paths[a:b] for a, b in itertools.pairwise(bounds.tolist())]

    def found_paths_from(
        self, starts: np.ndarray, *, max_tier: int, min_weight: float, cap: int
    ) -> FoundPaths:
        """Return :meth:`paths_from` as arrays, no path made a Python list.

        Examples
        --------
        >>> from scipy import sparse
        >>> S = sparse.csr_matrix(([0.0001, 0.5, 0.1], ([0, 0, 1], [2, 1, 2])), shape=(3, 3))
        >>> finder = PathFinder(S, np.array([False, False, True]), tiers(S, np.array([False, False, True])))
        >>> found = finder.found_paths_from(np.array([0, 1]), max_tier=4, min_weight=0.01, cap=5)
        >>> found.bounds.tolist(), found.nodes.tolist(), found.weight.tolist()
        ([0, 2, 3], [0, 1, 2, 0, 2, 1, 2], [0.05, 0.0001, 0.1])
        """
        found = self.found_from(starts, max_tier=max_tier, min_weight=min_weight, cap=cap)
        if found is None:
            return FoundPaths.of_lists(
                self.paths_from(starts, max_tier=max_tier, min_weight=min_weight, cap=cap)
            )
        bounds, nodes, sales, weight = found
        offsets = np.zeros(len(sales) + 1, dtype=np.int64)
        np.cumsum(sales + 1, out=offsets[1:])
        kept = np.arange(nodes.shape[1]) <= sales[:, None]  # row by row: each path in order
        return FoundPaths(bounds, offsets, nodes[kept], weight)

    def listed_buyers_from(
        self, starts: np.ndarray, *, max_tier: int, min_weight: float, cap: int
    ) -> list[list[int]]:
        """Return the listed buyers of each start's :meth:`paths`, in the order they first end one.

        What a ranking names, without a path made into a Python list.

        Examples
        --------
        >>> from scipy import sparse
        >>> import numpy as np
        >>> S = sparse.csr_matrix(([0.2, 0.5, 0.1], ([0, 0, 1], [2, 1, 2])), shape=(3, 3))
        >>> listed = np.array([False, False, True])
        >>> finder = PathFinder(S, listed, tiers(S, listed))
        >>> finder.listed_buyers_from(np.array([0, 1]), max_tier=4, min_weight=0.01, cap=5)
        [[2], [2]]
        """
        found = self.found_from(starts, max_tier=max_tier, min_weight=min_weight, cap=cap)
        if found is None:
            paths = self.paths_from(starts, max_tier=max_tier, min_weight=min_weight, cap=cap)
            return [list(dict.fromkeys(path[-1] for path, _ in mine)) for mine in paths]
        bounds, nodes, sales, _ = found
        owner = np.repeat(np.arange(len(bounds) - 1), np.diff(bounds))
        buyer = nodes[np.arange(len(nodes)), sales]
        # The first path to each buyer, per start, in the order of the paths.
        _, first = np.unique(owner * np.int64(self.n) + buyer, return_index=True)
        first.sort()
        kept = np.searchsorted(first, bounds)
        buyers = buyer[first].tolist()
        return [buyers[a:b] for a, b in itertools.pairwise(kept.tolist())]

    def found_from(
        self, starts: np.ndarray, *, max_tier: int, min_weight: float, cap: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
        """Return the paths :meth:`paths` finds from each of ``starts``, as arrays.

        ``None`` past the bounds of a search side by side (:attr:`SIDE_BY_SIDE_TIERS`,
        :attr:`SIDE_BY_SIDE_SALES`): the paths are then to be searched one start at a time.

        Each step extends every path still going, from every start at once, by every sale
        :meth:`paths` would take from its last company, so a start's search visits the same
        paths. Of the paths of unknown weight past the first sale, all are followed and the
        first ``cap`` in the order of :meth:`paths` (a depth-first search) are kept.

        Returns
        -------
        bounds : numpy.ndarray
            Start ``i``'s paths are rows ``bounds[i]`` to ``bounds[i + 1] - 1`` of the rest,
            in the order of :meth:`paths` (:func:`heaviest_first`).
        nodes : numpy.ndarray
            One path a row, its companies from the start, then ``-1``.
        sales : numpy.ndarray
            Each path's number of sales (its buyer is ``nodes[row, sales[row]]``).
        weight : numpy.ndarray
            Each path's weight, ``NaN`` when unknown.
        """
        if not 0 < max_tier <= self.SIDE_BY_SIDE_TIERS:
            return None
        if min_weight != self._min_weight:  # the lists of one minimum weight at a time
            self._onward, self._min_weight = {}, min_weight
        starts = np.asarray(starts, dtype=np.int64)
        limit = max_tier
        # The paths still going: whose start (a position in ``starts``), their companies
        # (one column a step), weight (NaN: unknown), the product of their known shares,
        # and at each step where it comes in the order of a depth-first search.
        owner = np.arange(len(starts))
        path = starts[:, None]
        weight = np.ones(len(starts))
        known = np.ones(len(starts))
        order = np.zeros((len(starts), 0), dtype=np.int64)
        found: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        depth = 0
        while len(owner):
            remaining = limit - depth - 1
            if depth:
                left = remaining if remaining < self.NARROWED_LEFT else self._top_standing
                indptr, onward = self._onward.get(left) or self._onward_sales(left)
                customers, shares = onward["customer"], onward["share"]
                standing = onward["standing"]
            else:
                indptr, customers, shares = self.indptr, self.indices, self.data
                standing = self.standing
            first = indptr[path[:, -1]]
            lengths = indptr[path[:, -1] + 1] - first
            if lengths.sum() > self.SIDE_BY_SIDE_SALES:
                return None
            entries = spans(first, lengths)
            state = np.repeat(np.arange(len(path)), lengths)
            nxt = customers[entries].astype(np.int64)
            share = shares[entries]
            nxt_standing = standing[entries]
            taken = path[state]
            # Simple paths, but a listed supplier's sales may come back to it.
            ok = ~(taken == nxt[:, None]).any(axis=1)
            ok |= (nxt == taken[:, 0]) & (nxt_standing < 0)
            unknown = np.isnan(share)
            new_known = np.where(unknown, known[state], known[state] * share)
            new_weight = weight[state] * share
            with np.errstate(invalid="ignore"):
                light = new_known < min_weight
            if depth:
                ok &= ~light  # every path through here weighs less than the minimum
            ends = ok & (nxt_standing < 0)
            goes = ok & (nxt_standing > 0) & (nxt_standing <= remaining)
            if self._falling:
                goes &= ~light  # a first sale this small: every path on from it weighs less
            # The depth-first search ends a path at a listed customer as it reads the sales,
            # then follows the others, the last one first.
            kept = np.flatnonzero(ends | goes)
            position = entries[kept] - first[state[kept]]
            ends, goes = ends[kept], goes[kept]
            key = np.where(ends, position, (1 << 40) - position)
            grown = np.concatenate([taken[kept], nxt[kept, None]], axis=1)
            steps = np.concatenate([order[state[kept]], key[:, None]], axis=1)
            owner, new_weight, new_known = owner[state[kept]], new_weight[kept], new_known[kept]
            found.append((owner[ends], grown[ends], new_weight[ends], steps[ends]))
            owner, path, order = owner[goes], grown[goes], steps[goes]
            weight, known = new_weight[goes], new_known[goes]
            depth += 1
        return self._ranked(len(starts), found, cap)

    @staticmethod
    def _ranked(
        n_starts: int,
        found: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
        cap: int,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Return the paths :meth:`found_from` found, capped and sorted, as it returns them."""
        width = max((nodes.shape[1] for _, nodes, _, _ in found), default=1)
        owner = np.concatenate([np.zeros(0, dtype=np.int64), *(o for o, _, _, _ in found)])
        nodes = np.full((len(owner), width), -1, dtype=np.int64)
        order = np.zeros((len(owner), max(width - 1, 0)), dtype=np.int64)
        sales = np.empty(len(owner), dtype=np.int64)
        at = 0
        for _, part, _, steps in found:
            nodes[at : at + len(part), : part.shape[1]] = part
            order[at : at + len(part), : steps.shape[1]] = steps
            sales[at : at + len(part)] = part.shape[1] - 1
            at += len(part)
        weight = np.concatenate([np.zeros(0), *(w for _, _, w, _ in found)])
        unknown = np.isnan(weight)
        counted = np.flatnonzero(unknown & (sales > 1))
        many = np.bincount(owner[counted], minlength=n_starts) > cap
        if many.any():
            counted = counted[many[owner[counted]]]
            in_order = counted[np.lexsort([*order[counted].T[::-1], owner[counted]])]
            first_of_start = np.searchsorted(owner[in_order], owner[in_order], side="left")
            keep = np.ones(len(owner), dtype=bool)
            keep[in_order[np.arange(len(in_order)) - first_of_start >= cap]] = False
            owner, nodes, weight, unknown, sales = (
                a[keep] for a in (owner, nodes, weight, unknown, sales)
            )
        # Heaviest first, unknown weights last, then shortest, then by the companies in turn.
        heaviest = np.where(unknown, 0.0, -weight)
        ranked = np.lexsort([*nodes.T[::-1], sales, heaviest, unknown, owner])
        bounds = np.searchsorted(owner[ranked], np.arange(n_starts + 1))
        return bounds, nodes[ranked], sales[ranked], weight[ranked]


def reached_listed(
    adjacency: sparse.csr_matrix, listed: np.ndarray, start: int, max_tier: int
) -> np.ndarray:
    """Return the listed nodes that ``start`` reaches in at most ``max_tier`` sales (0: any).

    Examples
    --------
    >>> from scipy import sparse
    >>> import numpy as np
    >>> A = sparse.csr_matrix(([1, 1, 1], ([0, 1, 0], [1, 2, 3])), shape=(4, 4))
    >>> listed = np.array([False, False, True, True])
    >>> reached_listed(A, listed, 0, 1).tolist(), reached_listed(A, listed, 0, 0).tolist()
    ([3], [2, 3])
    """
    nodes, _, _ = _search_to_listed(adjacency, listed, start, max_tier)
    return nodes


def listed_distances(
    adjacency: sparse.csr_matrix, listed: np.ndarray, start: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return the listed nodes ``start`` reaches and the fewest sales to each.

    Routes stop at the first listed node (``start`` itself may be listed: its own sales
    count, and it counts when its sales come back to it).

    Examples
    --------
    >>> from scipy import sparse
    >>> import numpy as np
    >>> A = sparse.csr_matrix(([1, 1, 1], ([0, 1, 0], [1, 2, 3])), shape=(4, 4))
    >>> nodes, sales = listed_distances(A, np.array([False, False, True, True]), 0)
    >>> nodes.tolist(), sales.tolist()
    ([2, 3], [2, 1])
    """
    nodes, depth, _ = _search_to_listed(adjacency, listed, start, 0)
    return nodes, depth


def nearest_paths(
    weights: sparse.csr_matrix, listed: np.ndarray, tier: np.ndarray, start: int
) -> list[tuple[list[int], float | None]]:
    """Return one shortest path from ``start`` to each listed node at its tier.

    What explains a supplier's tier whatever the tier limit and minimum weight: for each
    listed buyer ``tier[start]`` sales away, the path through the lowest-numbered
    intermediaries at each step, with its weight (the product of its shares; ``None`` when
    one is unknown). Only companies on shortest routes are visited: ``d`` sales from the
    start, those whose own tier is ``tier[start] - d``. :meth:`PathFinder.nearest` does the
    same for one supplier after another.

    Examples
    --------
    >>> from scipy import sparse
    >>> import numpy as np
    >>> W = sparse.csr_matrix(([0.5, 0.2, np.nan], ([0, 1, 0], [1, 2, 2])), shape=(4, 4))
    >>> listed = np.array([False, False, True, False])
    >>> tier = tiers(W, listed)
    >>> nearest_paths(W, listed, tier, 0), nearest_paths(W, listed, tier, 1)
    ([([0, 2], None)], [([1, 2], 0.2)])
    """
    return PathFinder(weights, listed, tier).nearest(start)


def _search_to_listed(
    adjacency: sparse.csr_matrix, listed: np.ndarray, start: int, max_tier: int
) -> tuple[np.ndarray, np.ndarray, dict[int, int]]:
    """Breadth-first search from ``start`` that stops at listed nodes (``max_tier`` 0: any).

    Returns the listed nodes reached (sorted), the fewest sales to each, and each node's
    parent on a shortest route (the lowest-numbered one of the step before).
    """
    indptr, indices = adjacency.indptr, adjacency.indices
    seen = np.zeros(adjacency.shape[0], dtype=bool)
    seen[start] = not listed[start]  # a listed start reached again is a listed buyer
    frontier = np.array([start])
    parent: dict[int, int] = {}
    found, found_depth = [], []
    depth = 0
    while len(frontier) and (max_tier <= 0 or depth < max_tier):
        depth += 1
        lengths = indptr[frontier + 1] - indptr[frontier]
        step = indices[spans(indptr[frontier], lengths)]
        source = np.repeat(frontier, lengths)
        new = ~seen[step]
        step, source = step[new], source[new]
        # The frontier is sorted: the first sale to a node comes from its lowest-numbered parent.
        step, first = np.unique(step, return_index=True)
        seen[step] = True
        parent.update(zip(step.tolist(), source[first].tolist(), strict=True))
        found.append(step[listed[step]])
        found_depth.append(np.full(int(listed[step].sum()), depth, dtype=np.int64))
        frontier = step[~listed[step]]
    if not found:
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64), parent
    nodes, depths = np.concatenate(found), np.concatenate(found_depth)
    order = np.argsort(nodes, kind="stable")
    return nodes[order], depths[order], parent


def nearest_listed_counts(
    adjacency: sparse.csr_matrix,
    listed: np.ndarray,
    tier: np.ndarray,
    *,
    block_entries: int = REACH_BLOCK_ENTRIES,
) -> np.ndarray:
    """Return, for every node, how many listed nodes lie at its tier (as :func:`nearest_paths`).

    The listed nodes ``tier[u]`` sales from ``u``, for every ``u`` at once: those a tier-1
    node sells to, and for a node of tier ``k`` those of the customers of tier ``k - 1`` it
    sells to, as bits (64 listed nodes a word), one pass over the sales per block of listed
    nodes.

    Examples
    --------
    >>> from scipy import sparse
    >>> import numpy as np
    >>> A = sparse.csr_matrix(([1, 1, 1, 1], ([0, 0, 1, 2], [1, 2, 3, 3])), shape=(5, 5))
    >>> listed = np.array([False, False, False, True, True])
    >>> nearest_listed_counts(A, listed, tiers(A, listed)).tolist()
    [1, 1, 1, 0, 0]
    """
    n = adjacency.shape[0]
    counts = np.zeros(n, dtype=np.int64)
    targets = np.flatnonzero(listed)
    if not len(targets) or not adjacency.nnz:
        return counts
    column = np.full(n, -1, dtype=np.int64)
    column[targets] = np.arange(len(targets))
    indptr, indices = adjacency.indptr, adjacency.indices
    source = np.repeat(np.arange(n), np.diff(indptr))
    first_sales = listed[indices] & (tier[source] == 1)
    direct_src, direct_col = source[first_sales], column[indices[first_sales]]
    # Sales one tier down: from a node of tier k > 1 to an unlisted one of tier k - 1.
    down = ~listed[indices] & (tier[source] > 1) & (tier[indices] == tier[source] - 1)
    down_src, down_dst = source[down], indices[down]
    levels = [np.flatnonzero(tier[down_src] == k) for k in range(2, int(tier.max(initial=0)) + 1)]
    words = max(1, min(block_entries // max(n, len(down_dst)), -(-len(targets) // 64)))
    for bits in _bit_blocks(n, direct_src, direct_col, len(targets), words):
        for level in levels:  # tier 2, 3, ...: each reads the tier below, done already
            if not len(level):
                continue
            sellers, starts = np.unique(down_src[level], return_index=True)
            bits[sellers] = np.bitwise_or.reduceat(bits[down_dst[level]], starts, axis=0)
        counts += np.bitwise_count(bits).sum(axis=1, dtype=np.int64)
    return counts


def _bit_blocks(
    n: int, source: np.ndarray, column: np.ndarray, n_columns: int, words: int
) -> Iterator[np.ndarray]:
    """Yield, block by block of ``64 * words`` columns, the bits set by ``(source, column)``.

    Each block is an ``(n, words)`` array of ``uint64`` (fewer words for the last): row
    ``source[i]`` has the bit of ``column[i]`` set, counted from the block's first column.
    """
    for first in range(0, n_columns, 64 * words):
        width = min(words, -(-(n_columns - first) // 64))
        in_block = (column >= first) & (column < first + 64 * width)
        offset = column[in_block] - first
        bits = np.zeros((n, width), dtype=np.uint64)
        np.bitwise_or.at(
            bits,
            (source[in_block], offset // 64),
            np.left_shift(np.uint64(1), (offset % 64).astype(np.uint64)),
        )
        yield bits


def listed_reached_counts(
    adjacency: sparse.csr_matrix,
    listed: np.ndarray,
    max_tier: int,
    *,
    block_entries: int = REACH_BLOCK_ENTRIES,
) -> tuple[np.ndarray, np.ndarray]:
    """Return, for every node, how many listed nodes it reaches, and the farthest one's tier.

    The length of :func:`reached_listed` for every start at once, in at most ``max_tier``
    sales (0: any number), and the most of the fewest sales to any of them
    (:func:`listed_distances`; 0 when none): paths stop at the first listed node, a listed
    start's own sales count, and so does a listed start reached again round a cycle (its
    revenue at risk counts that route too).

    Parameters
    ----------
    adjacency
        The graph (any stored entry is a sale).
    listed
        Boolean mask of the listed nodes.
    max_tier
        The most sales on a path; 0 for no limit.
    block_entries
        The most 64-bit words (nodes x words) one block of listed nodes may hold (see Notes).

    Returns
    -------
    tuple of numpy.ndarray
        ``int64`` counts and deepest tiers, one per node.

    Notes
    -----
    What each node reaches is a set of listed nodes, kept as bits (64 listed nodes a word):
    ``R_1`` holds the sales to listed nodes, ``R_j = R_1 | OR of R_(j-1) over the sales to
    unlisted nodes``, up to ``max_tier`` or until it stops growing; a node's deepest tier is
    the last ``j`` at which its set grew. Each step is one pass over the sales, whatever how
    many listed nodes each reaches; as sets only grow, a step after the first passes only over
    the sales of companies that sell to one whose set grew in the step before. The listed
    nodes are taken in blocks of as many words as ``block_entries`` allows for every node.

    Examples
    --------
    >>> from scipy import sparse
    >>> import numpy as np
    >>> A = sparse.csr_matrix(([1, 1, 1, 1], ([0, 1, 0, 2], [1, 2, 3, 0])), shape=(4, 4))
    >>> listed = np.array([False, False, True, True])
    >>> counts, deepest = listed_reached_counts(A, listed, 0)
    >>> listed_reached_counts(A, listed, 1)[0].tolist(), counts.tolist(), deepest.tolist()
    ([1, 1, 0, 0], [2, 1, 2, 0], [2, 1, 3, 0])
    """
    n = adjacency.shape[0]
    counts = np.zeros(n, dtype=np.int64)
    deepest = np.zeros(n, dtype=np.int64)
    for _, reach, block_deepest in reached_listed_blocks(
        adjacency, listed, max_tier, block_entries=block_entries
    ):
        counts += np.bitwise_count(reach).sum(axis=1, dtype=np.int64)
        np.maximum(deepest, block_deepest, out=deepest)
    return counts, deepest


def reached_listed_blocks(
    adjacency: sparse.csr_matrix,
    listed: np.ndarray,
    max_tier: int = 0,
    *,
    column: np.ndarray | None = None,
    n_columns: int | None = None,
    words: int | None = None,
    block_entries: int = REACH_BLOCK_ENTRIES,
) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """Yield the listed nodes every node reaches, as bits, a block of listed nodes at a time.

    What :func:`listed_reached_counts` counts (see its Notes): for each block, its first
    column, an ``(n, words)`` array of ``uint64`` whose row ``u`` has the bit of column ``c``
    (counted from the block's first) set when ``u`` reaches the listed node of column ``c``,
    and each node's deepest tier within the block (0: none reached).

    Parameters
    ----------
    adjacency, listed, max_tier
        As :func:`listed_reached_counts`.
    column
        Each node's column (``-1`` for a node not listed); default: the listed nodes in
        code order. Two graphs given columns of one numbering (say, listed names) and the
        same ``n_columns`` and ``words`` yield blocks that line up, bit by bit.
    n_columns
        How many columns there are (default: how many nodes are listed).
    words
        64-bit words per block (default: as many as ``block_entries`` allows).
    block_entries
        As :func:`listed_reached_counts`.

    Examples
    --------
    >>> from scipy import sparse
    >>> import numpy as np
    >>> A = sparse.csr_matrix(([1, 1], ([0, 1], [1, 2])), shape=(3, 3))
    >>> [(first, bits.ravel().tolist(), deepest.tolist())
    ...  for first, bits, deepest in reached_listed_blocks(A, np.array([False, False, True]))]
    [(0, [1, 1, 0], [2, 1, 0])]
    """
    n = adjacency.shape[0]
    if column is None:
        column = np.full(n, -1, dtype=np.int64)
        column[listed] = np.arange(int(np.count_nonzero(listed)))
    if n_columns is None:
        n_columns = int(np.count_nonzero(listed))
    if not n_columns:
        return
    indptr, indices = adjacency.indptr, adjacency.indices
    source = np.repeat(np.arange(n), np.diff(indptr))
    to_listed = listed[indices]
    direct_src, direct_col = source[to_listed], column[indices[to_listed]]
    onward_src, onward_dst = source[~to_listed], indices[~to_listed]
    # The onward sales grouped by seller: where each seller's run starts and how long it is.
    all_sellers, all_starts, all_lengths = np.unique(
        onward_src, return_index=True, return_counts=True
    )
    # A block's bits are held per node and, while a step runs, per onward sale.
    if words is None:
        words = max(1, min(block_entries // max(n, len(onward_dst)), -(-n_columns // 64)))
    # Arrays made once and written over at each step: fresh memory costs more than the step.
    gathered = np.empty(len(onward_dst) * words, dtype=np.uint64)
    reduced = np.empty(len(all_sellers) * words, dtype=np.uint64)
    first = 0
    for direct in _bit_blocks(n, direct_src, direct_col, n_columns, words):
        reach = direct.copy()
        depth = 1
        deepest = np.zeros(n, dtype=np.int64)
        deepest[reach.any(axis=1)] = 1
        sellers, runs = all_sellers, onward_dst
        run_starts = all_starts
        width = reach.shape[1]
        while (max_tier <= 0 or depth < max_tier) and len(sellers):
            depth += 1
            bits = gathered[: len(runs) * width].reshape(len(runs), width)
            np.take(reach, runs, axis=0, out=bits)
            grown = reduced[: len(sellers) * width].reshape(len(sellers), width)
            np.bitwise_or.reduceat(bits, run_starts, axis=0, out=grown)
            grown |= direct[sellers]
            changed_at = np.flatnonzero((grown != reach[sellers]).any(axis=1))
            if not len(changed_at):
                break
            changed = sellers[changed_at]
            deepest[changed] = depth
            reach[changed] = grown[changed_at]
            # Sets only grow: only the sellers to a company whose set grew can grow next.
            grew = np.zeros(n, dtype=bool)
            grew[changed] = True
            again = np.zeros(n, dtype=bool)
            again[onward_src[grew[onward_dst]]] = True
            keep = again[all_sellers]
            sellers, lengths = all_sellers[keep], all_lengths[keep]
            runs = onward_dst[spans(all_starts[keep], lengths)]
            run_starts = np.cumsum(lengths) - lengths
        yield first, reach, deepest
        first += 64 * width
