"""Numbering the distinct strings of Arrow text columns, in order of first appearance.

Every text column read from Parquet (or from CSV through Arrow) becomes codes into its
distinct strings: checks then run once per distinct string, and a company's spelling is one
integer wherever it appears. Arrow's :func:`pyarrow.compute.dictionary_encode` does this with
one hash table of strings; on ten million cells with a million distinct names most lookups
miss the processor's caches twice (the table, then the string it compares), which makes it
slow on large columns.

Large columns are numbered through 64-bit hashes instead: polars hashes each string in one pass
over the column's bytes, and Arrow numbers the integers, whose table is a quarter of the size
and needs no string comparison, several times faster on columns of many distinct names. A second
hash, with another seed, then checks that no two different strings shared the first one: each
cell's second hash must equal that of the first cell with its code. Were two strings ever to
collide (about 1 in 10^7 for a million distinct names), the check fails and the column is
numbered by the strings themselves, so the result is always exact. Several columns (supplier and
customer) are each hashed and numbered on a thread of their own, then joined into one numbering
by their hashes. Columns may also come as polars Series, as polars' Parquet reader gives them
(:mod:`exposure.read.dataset` reads large text columns so): their strings are then hashed where
they are, without a copy into polars' memory.

Examples
--------
>>> import pyarrow as pa
>>> codes, strings = encode_text([pa.chunked_array([["b", "a", "b"]]), pa.chunked_array([["c", "a"]])])
>>> [c.tolist() for c in codes], strings.to_pylist()
([[0, 1, 0], [2, 1]], ['b', 'a', 'c'])
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from exposure.util.polars_setup import import_polars

__all__ = ["HASHED_FROM", "code_type", "encode_text"]

#: Columns (all of them together) of at least this many cells are numbered through hashes.
#: Below it the hash table of strings is fast enough, and polars is not imported.
HASHED_FROM = 1_000_000


def encode_text(columns: Sequence[Any]) -> tuple[list[np.ndarray], Any]:
    """Give the distinct strings of Arrow text columns codes of one numbering.

    Parameters
    ----------
    columns
        :class:`pyarrow.ChunkedArray` columns of ``string`` or ``large_string`` type, or
        polars ``String`` Series, without nulls. A string is numbered where it first appears,
        down the first column, then the next.

    Returns
    -------
    codes, strings
        Each column's codes (NumPy integers, as small as the number of strings allows), and
        the distinct strings as a :class:`pyarrow.Array`: ``strings[codes[i][j]]`` is cell
        ``j`` of column ``i``.
    """
    by_hashes = True
    if columns and all(_is_polars(column) for column in columns):
        if sum(len(column) for column in columns) >= HASHED_FROM:
            hashed = hashed_columns(list(columns))
            if hashed is not None:
                return hashed
        # Two strings shared a hash, or there are too few to hash: numbered by the strings.
        by_hashes = False
        columns = [pa.chunked_array([c.to_arrow(compat_level=_oldest())]) for c in columns]
    if len(columns) == 1 and pa.types.is_dictionary(columns[0].type):
        found = by_dictionaries(columns[0])
        if found is not None:
            return [found[0]], found[1]
    # Several columns share one numbering: dictionary ones are coded by their strings.
    columns = [c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in columns]
    lengths = [len(column) for column in columns]
    types = {column.type for column in columns}
    kind = types.pop() if len(types) == 1 else pa.large_string()
    if kind == pa.string() and sum(column.nbytes for column in columns) >= 2**31:
        kind = pa.large_string()  # the distinct strings of all the columns may pass 2 GiB
    parts = [
        pa.chunked_array([c if c.type == kind else c.cast(kind) for c in column.chunks], type=kind)
        for column in columns
    ]
    cells = sum(lengths)
    if by_hashes and cells and cells >= HASHED_FROM:
        hashed = hashed_columns(parts)
        if hashed is not None:
            return hashed
    codes, strings = by_strings(pa.chunked_array([c for p in parts for c in p.chunks], type=kind))
    bounds = np.cumsum([0, *lengths])
    return [codes[start:stop] for start, stop in itertools.pairwise(bounds)], strings


def hashed_columns(columns: list[Any]) -> tuple[list[np.ndarray], Any] | None:
    """Code text columns through hashes, each on a thread of its own, then in one numbering.

    Each column is numbered alone (:func:`hashed`: its hashing and Arrow's numbering run
    without Python's lock, so two columns take about the time of one); a later column's
    strings are then looked up among the earlier ones' by their two hashes, and the new ones
    numbered after them, in the order they first appear. ``None`` if two strings shared a hash.
    """
    if len(columns) == 1:
        found = hashed(columns[0])
        return None if found is None else ([found.codes], found.strings)

    with ThreadPoolExecutor(len(columns), thread_name_prefix="exposure-encode") as pool:
        each = [found for found in pool.map(hashed, columns) if found is not None]
    if len(each) < len(columns):
        return None
    first, later = each[0], each[1:]
    places, strings = [], [first.strings]
    seen, seen_check = first.hashes, first.checks
    for found in later:
        place = pc.index_in(pa.array(found.hashes), value_set=pa.array(seen))
        new = place.is_null().to_numpy(zero_copy_only=False)
        place = place.fill_null(-1).to_numpy().astype(np.int64)
        if not np.array_equal(found.checks[~new], seen_check[place[~new]]):
            return None  # the same first hash for two different strings
        place[new] = len(seen) + np.arange(int(new.sum()))
        seen = np.concatenate([seen, found.hashes[new]])
        seen_check = np.concatenate([seen_check, found.checks[new]])
        strings.append(found.strings.filter(pa.array(new)))
        places.append(place)
    # Each column's codes in the final integer type, gathered through its small table.
    kind = code_type(len(seen))
    codes = [first.codes.astype(kind, copy=False)] + [
        place.astype(kind)[found.codes] for found, place in zip(later, places, strict=True)
    ]
    return codes, pa.concat_arrays(strings)


def by_dictionaries(column: Any) -> tuple[np.ndarray, Any] | None:
    """Code a dictionary column's strings through its dictionaries, when they are small.

    A Parquet reader gives each row group's dictionary as it is stored: only the dictionaries
    are numbered, and each cell's code is looked up by its index. ``None`` when the
    dictionaries hold more than half as many strings as there are cells.
    """
    dictionaries: list[Any] = []
    seen: dict[tuple[int, ...], int] = {}
    chunks = []
    for chunk in column.chunks:
        dictionary = chunk.dictionary
        # The chunks of one row group share their dictionary's buffers: number it once.
        identity = (
            *(b.address if b is not None else 0 for b in dictionary.buffers()),
            dictionary.offset,
            len(dictionary),
        )
        if identity not in seen:
            seen[identity] = len(dictionaries)
            dictionaries.append(dictionary)
        chunks.append((seen[identity], chunk.indices.to_numpy()))
    if 2 * sum(len(d) for d in dictionaries) > len(column):
        return None
    kind = dictionaries[0].type if dictionaries else pa.large_string()
    entries, strings = by_strings(
        pa.chunked_array([d if d.type == kind else d.cast(kind) for d in dictionaries], type=kind)
    )
    # The smallest integers that hold the codes, as pandas' Categorical keeps them: each
    # gathered copy of ten million codes is then 10 MB, not 80.
    entries = entries.astype(code_type(len(strings)))
    starts = np.cumsum([0, *(len(d) for d in dictionaries)])
    parts = [entries[starts[d] : starts[d + 1]][indices] for d, indices in chunks]
    codes = np.concatenate(parts) if parts else np.zeros(0, dtype=entries.dtype)
    # Renumber in order of first appearance down the cells, which a dictionary's order need
    # not be; strings no cell uses are dropped. Most often the first chunk shows them all.
    order: list[np.ndarray] = []
    found = np.zeros(len(strings), dtype=bool)
    for part in parts:
        values, first = np.unique(part, return_index=True)
        new = ~found[values]
        if new.any():
            order.append(values[new][np.argsort(first[new])])
            found[values[new]] = True
            if found.all():
                break
    ordered = np.concatenate(order) if order else np.zeros(0, dtype=np.intp)
    renumber = np.full(len(strings), -1, dtype=entries.dtype)
    renumber[ordered] = np.arange(len(ordered))
    return renumber[codes], strings.take(pa.array(ordered))


def _is_polars(column: Any) -> bool:
    """Whether a column is a polars Series (polars is imported only where it is used)."""
    return type(column).__module__.startswith("polars")


def _oldest() -> Any:
    """Return polars' oldest Arrow compatibility level: strings come out as ``large_string``."""
    pl = import_polars()

    return pl.CompatLevel.oldest()


def code_type(n_strings: int) -> type[np.signedinteger[Any]]:
    """Return the smallest signed integer type that numbers ``n_strings`` strings."""
    for kind in (np.int8, np.int16, np.int32):
        if n_strings <= np.iinfo(kind).max:
            return kind
    return np.int64


def by_strings(cells: Any) -> tuple[np.ndarray, Any]:
    """Code the strings with Arrow's hash table of strings."""
    encoded = pc.dictionary_encode(cells)
    chunks = encoded.chunks
    if not chunks:
        return np.zeros(0, dtype=np.intp), pa.array([], type=cells.type)
    # The chunks share one dictionary (one hash table encodes them all): take it once.
    dictionary = chunks[-1].dictionary
    if any(len(c.dictionary) != len(dictionary) for c in chunks):
        chunks = pa.table({"c": encoded}).unify_dictionaries().column("c").chunks
        dictionary = chunks[-1].dictionary
    codes = np.concatenate([c.indices.to_numpy() for c in chunks])
    codes = codes.astype(code_type(len(dictionary)), copy=False)
    return codes, dictionary


#: Cells whose second hashes :func:`hashed` compares at once.
CHECK_BLOCK = 1 << 20


@dataclass(frozen=True)
class Hashed:
    """Cells coded through their hashes: the distinct strings with their two hashes."""

    codes: np.ndarray
    strings: Any
    hashes: np.ndarray
    checks: np.ndarray


def hashed(cells: Any) -> Hashed | None:
    """Code the strings (Arrow or polars) through their hashes; ``None`` if two shared a hash."""
    try:
        pl = import_polars()
    except ImportError:  # an install without it: the exact way is only slower
        return None
    in_polars = _is_polars(cells)
    # An Arrow column is copied into polars' memory, and the copy dropped once it is hashed.
    strings = cells if in_polars else pl.from_arrow(cells)
    assert isinstance(strings, pl.Series)
    hashes = pa.array(strings.hash(seed=0).to_numpy())
    check = strings.hash(seed=1).to_numpy()
    del strings
    encoded = pc.dictionary_encode(hashes)
    del hashes
    codes = encoded.indices.to_numpy().astype(code_type(len(encoded.dictionary)), copy=False)
    # Codes are given in order of first appearance: a code's first cell is where the running
    # maximum grows.
    running = np.maximum.accumulate(codes)
    grows = np.ones(len(codes), dtype=bool)
    np.not_equal(running[1:], running[:-1], out=grows[1:])
    first = np.flatnonzero(grows)
    first_checks = check[first]
    # Compared a block at a time: the gathered checks of all cells would be 80 MB more, on
    # each thread, at the load's peak.
    for start in range(0, len(codes), CHECK_BLOCK):
        block = slice(start, start + CHECK_BLOCK)
        if not np.array_equal(check[block], first_checks[codes[block]]):
            return None
    if in_polars:
        distinct = cells.filter(pl.Series(grows)).to_arrow(compat_level=_oldest())
    else:
        # A mask keeps the chunks apart (a take would first join all the cells' text into one).
        distinct = cells.filter(pa.array(grows)).combine_chunks()
    return Hashed(
        codes=codes,
        strings=distinct,
        hashes=encoded.dictionary.to_numpy(),
        checks=first_checks,
    )
