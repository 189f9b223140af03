"""A sketch of a lean design, to measure what fast loading and analysis could cost on this machine.

Not exposure's code and not part of the benchmark: a lower-bound estimate for the proposals in
the benchmark report. It reads the Parquet files of one size and times, in one process:

1. ``pyarrow.parquet.read_table`` of the four columns the analysis needs (no object strings);
2. one dictionary of the distinct spellings of supplier and customer, and int32 codes per row;
3. name keys of the distinct spellings only, vectorised in Arrow (lower-case, punctuation and
   legal forms removed by regular expressions) - compared with :func:`exposure.names.name_key`
   on a sample, and the per-name Python cost extrapolated;
4. spelling -> node codes, edges aggregated with ``np.add.reduceat`` over the sorted pair keys,
   the CSR matrix and its transpose built directly from sorted arrays;
5. tiers by a frontier BFS on the transpose (work proportional to the edges of each level,
   not to all edges at every level, as :func:`exposure.analysis.levels` does), checked equal to
   ``exposure.analysis.tiers`` on the same matrix;
6. the bare ``csgraph.breadth_first_order`` on the same transpose, for the ratio.

Usage: ``.venv/bin/python -m bench.sketch --size 1m`` (after ``bench.generate``).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from scipy import sparse
from scipy.sparse import csgraph

from bench.generate import AS_OF, OUT, parse_size, size_dir
from bench.stages import _peak_bytes, _reset_peak

# exposure.names.LEGAL_FORMS, as a regular expression over whole words.
_FORMS = (
    "ag|bhd|bv|cjsc|co|company|corp|corporation|fze|fzco|gmbh|group|inc|incorporated|jsc|"
    "limited|llc|llp|lp|ltd|ltda|nv|oao|ojsc|ooo|oy|pjsc|plc|pte|pty|sa|sarl|sas|sdn|spa|srl|"
    "zao|gongsi|gufen|jituan|youxian|youxiangongsi|zeren"
)


def arrow_keys(names: pa.Array) -> pa.Array:
    """Name keys of ASCII names in Arrow: the vectorised form of ``name_key`` (a sketch).

    Non-ASCII names (transliteration) and the pinyin syllable forms would stay on the Python
    path; a real version must be tested equal to ``name_key`` on a large corpus.
    """
    text = pc.utf8_lower(names)
    text = pc.replace_substring(text, ".", "")
    text = pc.replace_substring(text, "'", "")
    text = pc.replace_substring(text, "&", " and ")
    text = pc.replace_substring_regex(text, "[^0-9a-z]+", " ")
    text = pc.replace_substring_regex(text, f"\\b({_FORMS})\\b", " ")
    return pc.replace_substring_regex(text, " +", "")


def frontier_levels(
    indptr: np.ndarray, indices: np.ndarray, targets: np.ndarray, through: np.ndarray
) -> np.ndarray:
    """``exposure.analysis.levels`` by a frontier BFS on the transpose (customer -> suppliers)."""
    level = np.full(len(targets), -1, dtype=np.int32)
    frontier = np.flatnonzero(targets).astype(np.int32)
    depth = 0
    while len(frontier):
        depth += 1
        starts = indptr[frontier]
        lengths = indptr[frontier + 1] - starts
        total = int(lengths.sum())
        if not total:
            break
        offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
        found = indices[offsets + np.arange(total, dtype=offsets.dtype)]
        found = found[level[found] < 0]
        level[found] = depth
        found = np.unique(found)
        frontier = found[through[found]]
    return level


def bfs_tiers(
    super_graph: sparse.csr_matrix, forward: sparse.csr_matrix, listed: np.ndarray
) -> np.ndarray:
    """Tiers from one C breadth-first search (a super-source on the transpose) + pointer jumping.

    The super-source ``n`` links to every listed node; the depth of a node is found by
    pointer jumping over the BFS predecessors (log2(depth) vectorised steps). A listed node's
    own tier comes from its sales: 1 + the least tier (0 for a listed customer) of its customers.
    """
    n = len(listed)
    _, parent = csgraph.breadth_first_order(super_graph, n, directed=True)
    reached = parent >= 0
    reached[n] = True
    parent = np.where(reached, parent, n).astype(np.int64)
    parent[n] = n
    depth = (np.arange(n + 1) != n).astype(np.int32) * reached
    while True:
        grand = parent[parent]
        depth = depth + depth[parent] * (parent != grand)
        if np.array_equal(grand, parent):
            break
        parent = grand
    tier = np.where(reached[:n], depth[:n] - 1, -1).astype(np.int32)
    tier[listed] = -1
    rows = np.flatnonzero(listed)
    starts, stops = forward.indptr[rows], forward.indptr[rows + 1]
    for row, start, stop in zip(rows, starts, stops, strict=True):
        customers = forward.indices[start:stop]
        via = np.where(listed[customers], 0, tier[customers])
        via = via[via >= 0]
        if len(via):
            tier[row] = 1 + int(via.min())
    return tier


def timed(log: dict[str, Any], name: str, work: Callable[[], Any]) -> Any:
    """Run ``work``, recording its wall time and the process's peak RSS during it."""
    _reset_peak()
    started = time.perf_counter()
    value = work()
    log[name] = {"seconds": time.perf_counter() - started, "peak_rss": _peak_bytes()}
    print(
        f"{name:55s} {log[name]['seconds']:8.2f} s  {log[name]['peak_rss'] / 2**30:6.2f} GiB",
        flush=True,
    )
    return value


def main(argv: list[str] | None = None) -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description="Time a sketch of the proposed design.")
    parser.add_argument("--size", default="100k")
    parser.add_argument("--as-of", default=AS_OF)
    args = parser.parse_args(argv)
    data = size_dir(parse_size(args.size), OUT)
    log: dict[str, Any] = {}

    table = timed(
        log,
        "read_table (4 columns, Arrow strings)",
        lambda: pq.read_table(
            data / "parquet" / "suppliers.parquet",
            columns=["supplier", "customer", "revenue_share", "share_basis"],
        ),
    )
    listed_table = pq.read_table(data / "parquet" / "listed.parquet")

    def spelling_codes() -> tuple[pa.Array, np.ndarray, np.ndarray]:
        both = pa.chunked_array(table["supplier"].chunks + table["customer"].chunks)
        distinct = pc.unique(both)
        supplier = pc.index_in(table["supplier"], value_set=distinct).to_numpy()
        customer = pc.index_in(table["customer"], value_set=distinct).to_numpy()
        return distinct, supplier.astype(np.int32), customer.astype(np.int32)

    distinct, s_code, c_code = timed(log, "distinct spellings + int32 codes", spelling_codes)
    keys = timed(
        log, f"Arrow name keys of {len(distinct):,} spellings", lambda: arrow_keys(distinct)
    )

    from exposure.names import name_key

    sample = distinct.slice(0, min(50_000, len(distinct))).to_pylist()
    started = time.perf_counter()
    python_keys = [name_key(s) for s in sample]
    per_name = (time.perf_counter() - started) / len(sample)
    agree = float(
        np.mean(
            np.array(python_keys, dtype=object)
            == np.array(keys.slice(0, len(sample)).to_pylist(), dtype=object)
        )
    )
    log["python name_key"] = {
        "seconds_per_name": per_name,
        "projected_seconds": per_name * len(distinct),
        "agreement_with_arrow": agree,
    }
    print(
        f"{'python name_key, projected over all spellings':55s} "
        f"{per_name * len(distinct):8.2f} s  (Arrow keys equal on {100 * agree:.2f}% "
        f"of {len(sample):,})"
    )

    def nodes() -> tuple[np.ndarray, np.ndarray, int]:
        # Every distinct key is a node, except that the keys of a listed entity's name and
        # aliases are one node (exact resolution; fuzzy matching is left out of the sketch).
        encoded = pc.dictionary_encode(keys)
        key_of_spelling = encoded.indices.to_numpy().astype(np.int64)
        n_keys = len(encoded.dictionary)
        names = pc.utf8_trim_whitespace(listed_table["name"]).combine_chunks()
        entity = pc.dictionary_encode(arrow_keys(names)).indices.to_numpy().astype(np.int64)
        aliases = pc.split_pattern(listed_table["alt_names"], ";").combine_chunks()
        alias_entity = np.repeat(entity, pc.list_value_length(aliases).fill_null(0).to_numpy())
        spellings = pa.concat_arrays([names, pc.utf8_trim_whitespace(pc.list_flatten(aliases))])
        spelling_entity = np.concatenate([entity, alias_entity])
        at = pc.index_in(arrow_keys(spellings), value_set=encoded.dictionary)
        present = np.asarray(pc.is_valid(at).to_numpy(zero_copy_only=False), dtype=bool)
        key_code = at.to_numpy(zero_copy_only=False)[present].astype(np.int64)
        owner = spelling_entity[present]
        node_of_key = np.arange(n_keys, dtype=np.int64)
        first_key = np.full(int(entity.max(initial=-1)) + 1, n_keys, dtype=np.int64)
        np.minimum.at(first_key, owner, key_code)
        node_of_key[key_code] = first_key[owner]
        _, node_of_key = np.unique(node_of_key, return_inverse=True)
        n = int(node_of_key.max(initial=-1)) + 1
        start = pc.cast(listed_table["start_date"], pa.timestamp("s"))
        end = pc.cast(listed_table["end_date"], pa.timestamp("s"))
        day = pa.scalar(np.datetime64(args.as_of, "s"))
        active = pc.and_kleene(
            pc.less_equal(start, day), pc.or_kleene(pc.is_null(end), pc.greater(end, day))
        )
        active = np.asarray(active.to_numpy(zero_copy_only=False), dtype=bool)
        listed = np.zeros(n, dtype=bool)
        in_data = first_key[entity[active]]
        listed[node_of_key[in_data[in_data < n_keys]]] = True
        return node_of_key[key_of_spelling].astype(np.int32), listed, n

    node_of_spelling, listed, n = timed(log, "spelling -> node codes, listed in force", nodes)
    src = node_of_spelling[s_code]
    dst = node_of_spelling[c_code]

    def edges() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        pair = src.astype(np.int64) * n + dst
        order = np.argsort(pair, kind="stable")
        pair = pair[order]
        first = np.flatnonzero(np.concatenate([[True], pair[1:] != pair[:-1]]))
        share = table["revenue_share"].to_numpy(zero_copy_only=False)[order]
        unknown = np.isnan(share)
        known = np.add.reduceat(np.where(unknown, 0.0, share), first)
        any_unknown = np.logical_or.reduceat(unknown, first)
        return (
            (pair[first] // n).astype(np.int32),
            (pair[first] % n).astype(np.int32),
            known,
            any_unknown,
        )

    e_src, e_dst, share, _unknown = timed(log, "edges: sort pairs + reduceat aggregation", edges)

    def matrices() -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(e_src, minlength=n), out=indptr[1:])
        forward = sparse.csr_matrix((share, e_dst, indptr), shape=(n, n))
        order = np.argsort(e_dst, kind="stable")
        tindptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(e_dst, minlength=n), out=tindptr[1:])
        backward = sparse.csr_matrix(
            (np.ones(len(order), np.int8), e_src[order], tindptr), shape=(n, n)
        )
        return forward, backward

    forward, backward = timed(log, "CSR + transpose from sorted arrays", matrices)
    level = timed(
        log,
        "tiers: frontier BFS on the transpose",
        lambda: frontier_levels(backward.indptr, backward.indices, listed, ~listed),
    )

    from exposure import analysis

    pattern = sparse.csr_matrix(
        (np.ones(len(e_dst), np.int8), forward.indices, forward.indptr), shape=(n, n)
    )
    reference = timed(
        log, "tiers: exposure.analysis.tiers (same matrix)", lambda: analysis.tiers(pattern, listed)
    )
    same = bool(np.array_equal(reference, level.astype(np.int64)))
    log["tiers equal"] = same
    print(f"{'frontier tiers equal to exposure.analysis.tiers':55s} {same}")

    def bare() -> np.ndarray:
        sources = np.flatnonzero(listed)
        rows = np.concatenate(
            [np.repeat(np.arange(n), np.diff(backward.indptr)), np.full(len(sources), n)]
        )
        cols = np.concatenate([backward.indices, sources])
        graph = sparse.csr_matrix((np.ones(len(rows), np.int8), (rows, cols)), shape=(n + 1, n + 1))
        return graph

    super_graph = bare()
    timed(
        log,
        "bare csgraph.breadth_first_order (same transpose)",
        lambda: csgraph.breadth_first_order(super_graph, n, directed=True),
    )
    fast = timed(
        log,
        "tiers: C BFS + pointer jumping (same transpose)",
        lambda: bfs_tiers(super_graph, forward, listed),
    )
    same = bool(np.array_equal(reference, fast.astype(np.int64)))
    log["C BFS tiers equal"] = same
    print(f"{'C BFS tiers equal to exposure.analysis.tiers':55s} {same}")

    def iterations() -> int:
        onward = forward.copy()
        onward.data = onward.data * ~listed[onward.indices]
        direct = forward @ listed.astype(np.float64)
        risk = direct.copy()
        for count in range(1, analysis.MAX_ITERATIONS + 1):
            updated = direct + onward @ risk
            if np.max(np.abs(updated - risk), initial=0.0) <= analysis.TOLERANCE:
                return count
            risk = updated
        return analysis.MAX_ITERATIONS

    log["revenue_at_risk iterations"] = timed(
        log, "revenue_at_risk: the fixed-point iterations alone", iterations
    )
    print(f"{'revenue_at_risk iterations':55s} {log['revenue_at_risk iterations']}")
    vector = np.ones(n)
    timed(log, "one float64 SpMV (same matrix)", lambda: forward @ vector)
    timed(
        log,
        "revenue_at_risk: exposure.analysis (same matrix)",
        lambda: analysis.revenue_at_risk(forward, listed),
    )
    answer = data / "run" / "exposure_spellings.parquet"
    if answer.exists():
        # exposure's own tiers from the last benchmark run, spelling by spelling.
        import pandas as pd

        resolved = pd.read_parquet(answer)
        tiers = pd.read_parquet(data / "run" / "exposure_tiers.parquet").set_index("name")["tier"]
        theirs = resolved.set_index("spelling")["name"].map(tiers)
        position = pc.index_in(pa.array(resolved["spelling"]), value_set=distinct).to_numpy(
            zero_copy_only=False
        )
        mine = level[node_of_spelling[position.astype(np.int64)]]
        agree = float(np.mean(mine == theirs.to_numpy()))
        log["tiers equal to the benchmark run's"] = agree
        print(f"{'tiers equal to exposure.analyze in the last bench run':55s} {100 * agree:.3f}%")
    log["nodes"] = n
    log["edges"] = len(e_src)
    (data / "sketch.json").write_text(json.dumps(log, indent=2, default=str))


if __name__ == "__main__":
    main()
