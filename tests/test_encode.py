"""Coding large text columns: the fast ways give exactly what Arrow's string hash table gives."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import exposure.read.csv_text
import exposure.read.dataset
import exposure.read.parquet
from exposure.read.dataset import read_suppliers
from exposure.read.parquet import columns_of_few_strings
from exposure.util import encode

SPELLINGS = ["Acme Ltd", "Bolt GmbH", "acme ltd", "Çelik A.Ş.", "", "Zeta", " Acme Ltd"]


def cells(seed: int, n: int) -> list[str]:
    rng = np.random.default_rng(seed)
    return [SPELLINGS[i] for i in rng.integers(0, len(SPELLINGS), n)] + [
        f"Firm {seed}-{i}" for i in range(n)
    ]


def by_arrow(columns: list[list[str]]) -> tuple[list[list[int]], list[str]]:
    """What pyarrow's dictionary_encode of all the cells, in order, gives."""
    flat = [c for column in columns for c in column]
    encoded = pa.array(flat, type=pa.large_string()).dictionary_encode()
    codes = encoded.indices.to_numpy().tolist()
    bounds = np.cumsum([0, *map(len, columns)])
    return [codes[a:b] for a, b in itertools.pairwise(bounds)], encoded.dictionary.to_pylist()


def coded(columns: list[pa.ChunkedArray]) -> tuple[list[list[int]], list[str]]:
    codes, strings = encode.encode_text(columns)
    return [c.tolist() for c in codes], strings.to_pylist()


@pytest.mark.parametrize("hashed_from", [0, 10**9])
def test_hashed_and_string_coding_agree_in_order_of_first_appearance(
    monkeypatch: pytest.MonkeyPatch, hashed_from: int
) -> None:
    monkeypatch.setattr(encode, "HASHED_FROM", hashed_from)
    supplier, customer = cells(1, 300), cells(2, 200)
    columns = [
        pa.chunked_array([supplier[:100], supplier[100:]], type=pa.string()),
        pa.chunked_array([customer], type=pa.large_string()),  # another string type
    ]
    assert coded(columns) == by_arrow([supplier, customer])


def test_two_strings_with_one_hash_are_still_told_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    import polars as pl

    real_hash = pl.Series.hash

    def colliding(self: pl.Series, seed: int = 0, *args: object) -> pl.Series:
        if seed == 0:  # every string gets the same first hash
            return pl.Series(np.zeros(len(self), dtype=np.uint64))
        return real_hash(self, seed, *args)

    monkeypatch.setattr(encode, "HASHED_FROM", 0)
    monkeypatch.setattr(pl.Series, "hash", colliding)
    values = cells(3, 50)
    column = pa.chunked_array([values])
    assert encode.hashed(column.cast(pa.large_string())) is None  # the check saw it
    assert coded([column]) == by_arrow([values])


@pytest.mark.parametrize("block", [1 << 20, 7], ids=["one block", "blocks of 7"])
def test_a_hash_shared_by_the_last_cell_is_seen_in_whichever_block_it_falls(
    block: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import polars as pl

    real_hash = pl.Series.hash

    def last_collides(self: pl.Series, seed: int = 0, *args: object) -> pl.Series:
        hashes = real_hash(self, seed, *args).to_numpy().copy()
        if seed == 0:  # the last string gets the first one's first hash
            hashes[-1] = hashes[0]
        return pl.Series(hashes)

    monkeypatch.setattr(encode, "HASHED_FROM", 0)
    monkeypatch.setattr(encode, "CHECK_BLOCK", block)
    monkeypatch.setattr(pl.Series, "hash", last_collides)
    values = cells(4, 50)
    column = pa.chunked_array([values], type=pa.large_string())
    assert encode.hashed(column) is None
    assert coded([column]) == by_arrow([values])


def test_columns_hashed_apart_share_one_numbering_and_see_a_hash_shared_across_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Supplier and customer columns are hashed on two threads, then numbered as one.
    import polars as pl

    monkeypatch.setattr(encode, "HASHED_FROM", 0)
    supplier, customer = cells(4, 120), [*cells(5, 80), "Firm 4-7", "Acme Ltd"]
    assert coded([pa.chunked_array([supplier]), pa.chunked_array([customer])]) == by_arrow(
        [supplier, customer]
    )
    third = [*cells(6, 30), "Bolt GmbH", "Firm 5-3"]
    assert coded([pa.chunked_array([c]) for c in (supplier, customer, third)]) == by_arrow(
        [supplier, customer, third]
    )
    real_hash = pl.Series.hash

    def by_length(self: pl.Series, seed: int = 0, *args: object) -> pl.Series:
        if seed == 0:  # strings of one length share the first hash
            return self.str.len_bytes().cast(pl.UInt64)
        return real_hash(self, seed, *args)

    monkeypatch.setattr(pl.Series, "hash", by_length)
    # Within each column no two strings share a hash; across them "aa" and "bb" do.
    first, second = ["aa", "abc"] * 5, ["bb", "abc", "abcd"] * 4
    columns = [pa.chunked_array([first]), pa.chunked_array([second])]
    assert encode.hashed(columns[0]) is not None
    assert encode.hashed(columns[1]) is not None
    assert encode.hashed_columns(columns) is None  # the second hashes told them apart
    assert coded(columns) == by_arrow([first, second])


def test_dictionary_columns_are_coded_in_order_of_cells_without_unused_strings() -> None:
    # A dictionary whose order is not the cells' order and that holds a string no cell uses.
    dictionary = pa.array(["unused", "zinc", "amber"])
    first = pa.DictionaryArray.from_arrays(pa.array([2, 1, 2], type=pa.int32()), dictionary)
    second = pa.DictionaryArray.from_arrays(
        pa.array([0, 1], type=pa.int32()), pa.array(["copper", "zinc"])
    )
    column = pa.chunked_array([first, second])
    assert coded([column]) == ([[0, 1, 0, 2, 1]], ["amber", "zinc", "copper"])


def test_a_dictionary_with_as_many_strings_as_cells_is_coded_by_its_cells() -> None:
    dictionary = pa.array(["b", "a", "c"])
    column = pa.chunked_array(
        [pa.DictionaryArray.from_arrays(pa.array([1, 0, 2], type=pa.int32()), dictionary)]
    )
    assert encode.by_dictionaries(column) is None
    assert coded([column]) == ([[0, 1, 2]], ["a", "b", "c"])


def test_parquet_with_row_groups_and_dictionaries_reads_like_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many rows, several row groups, repeated products and countries, shares of each supplier
    within 1: the Parquet reader's fast paths (hashed names, stored dictionaries) must give
    the table the CSV reader gives."""
    monkeypatch.setattr(encode, "HASHED_FROM", 0)
    rng = np.random.default_rng(7)
    n = 3000
    supplier = [f"Supplier {i % 400}" for i in range(n)]
    customer = [
        f"Customer {(i * 7) % 900}" if i % 5 else f"SUPPLIER {(i + 1) % 400}  " for i in range(n)
    ]
    frame = pd.DataFrame(
        {
            "supplier": supplier,
            "customer": customer,
            "product": [
                f"{i // 400}-" + ["chips", "boards", "lenses"][int(rng.integers(0, 3))]
                for i in range(n)
            ],
            "revenue_share": np.where(rng.random(n) < 0.2, np.nan, 0.001),
            "share_basis": ["estimate" if i % 3 else "disclosed" for i in range(n)],
            "source": [f"https://example.org/{i % 50}" for i in range(n)],
            "supplier_country": ["us" if i % 2 else "CN" for i in range(n)],
        }
    )
    frame.loc[frame["revenue_share"].isna(), "share_basis"] = ""
    csv_path = tmp_path / "suppliers.csv"
    frame.to_csv(csv_path, index=False)
    parquet_path = tmp_path / "suppliers.parquet"
    pq.write_table(
        pa.Table.from_pandas(frame, preserve_index=False), parquet_path, row_group_size=700
    )
    # The low-cardinality columns are stored as dictionary codes and read as such.
    assert {"product", "share_basis", "supplier_country"} <= columns_of_few_strings(
        parquet_path, list(frame.columns)
    )
    assert not {"supplier", "customer"} & columns_of_few_strings(parquet_path, list(frame.columns))
    from_csv, from_parquet = read_suppliers(csv_path), read_suppliers(parquet_path)
    for name in ["supplier", "customer", "product", "share_basis", "source", "supplier_country"]:
        assert from_parquet[name].tolist() == from_csv[name].tolist(), name
        assert from_parquet[name].cat.categories.tolist() == from_csv[name].cat.categories.tolist()
    # Supplier and customer spellings are one set, as the graph needs them.
    assert from_parquet["supplier"].cat.categories is from_parquet["customer"].cat.categories
    # Large CSV files go through Arrow's reader and the same coding.
    monkeypatch.setattr(exposure.read.csv_text, "ARROW_CSV_FROM", 0)
    by_arrow = read_suppliers(csv_path)
    for name in ["supplier", "customer", "product", "share_basis", "source", "supplier_country"]:
        assert by_arrow[name].tolist() == from_csv[name].tolist(), name
        assert by_arrow[name].cat.categories.tolist() == from_csv[name].cat.categories.tolist()
    assert by_arrow["supplier"].cat.categories is by_arrow["customer"].cat.categories


def test_name_columns_stored_as_dictionary_codes_read_like_csv(tmp_path: Path) -> None:
    """Few companies over many rows: Parquet stores supplier and customer as dictionary codes
    too, and the two must still become one set of spellings."""
    n = 2000
    frame = pd.DataFrame(
        {
            "supplier": [["Acme", "Bolt Ltd", "Cobalt"][i % 3] for i in range(n)],
            "customer": [["Bolt Ltd", "Cobalt", "Dyna"][(i + 1) % 3] for i in range(n)],
            "product": [f"part {i}" for i in range(n)],
            "revenue_share": np.nan,
            "share_basis": "",
            "source": "https://example.org/filing",
        }
    )
    csv_path, parquet_path = tmp_path / "suppliers.csv", tmp_path / "suppliers.parquet"
    frame.to_csv(csv_path, index=False)
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), parquet_path)
    assert {"supplier", "customer"} <= columns_of_few_strings(parquet_path, list(frame.columns))
    from_csv, from_parquet = read_suppliers(csv_path), read_suppliers(parquet_path)
    for name in ["supplier", "customer", "product", "source"]:
        assert from_parquet[name].tolist() == from_csv[name].tolist(), name
    assert from_parquet["supplier"].cat.categories.tolist() == [
        "Acme",
        "Bolt Ltd",
        "Cobalt",
        "Dyna",
    ]
    assert from_parquet["supplier"].cat.categories is from_parquet["customer"].cat.categories


def test_a_null_in_an_arrow_dictionary_is_an_empty_cell() -> None:
    from exposure.read.parquet import parquet_column

    dictionary = pa.array(["a", None])
    column = pa.chunked_array(
        [pa.DictionaryArray.from_arrays(pa.array([0, 1, 0], type=pa.int32()), dictionary)]
    )
    assert column.null_count == 0  # the null is in the dictionary, not in the indices
    assert parquet_column(column, pd.RangeIndex(3), number=False).tolist() == ["a", "", "a"]


@pytest.mark.parametrize("hashed_from", [0, 10**9])
def test_large_name_columns_read_by_polars_report_a_missing_name_like_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hashed_from: int
) -> None:
    """Large files have their name columns read by polars (hashed_from=0 makes this one
    large): a null name is an empty cell, reported on its line as CSV's empty cell is."""
    monkeypatch.setattr(encode, "HASHED_FROM", hashed_from)
    by_polars: list[tuple[Any, ...]] = []
    real = exposure.read.parquet.polars_text_columns

    def spy(*args: Any) -> list[pd.Series]:
        by_polars.append(args)
        return real(*args)

    monkeypatch.setattr(exposure.read.parquet, "polars_text_columns", spy)
    frame = pd.DataFrame(
        {
            "supplier": ["Acme", "Bolt Ltd", " Acme "],
            "customer": ["Bolt Ltd", None, "Cobalt"],
            "product": ["chips", "boards", "lenses"],
            "revenue_share": [0.1, 0.2, np.nan],
            "share_basis": ["estimate", "estimate", ""],
            "source": ["https://example.org/a"] * 3,
        }
    )
    parquet_path = tmp_path / "suppliers.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), parquet_path)
    csv_path = tmp_path / "suppliers.csv"
    frame.to_csv(csv_path, index=False)
    errors: list[list[tuple[int | None, str | None, str]]] = []
    for path in (csv_path, parquet_path):
        with pytest.raises(exposure.DataError) as caught:
            read_suppliers(path)
        errors.append([(p.line, p.column, p.message) for p in caught.value.problems])
    # A CSV line counts the header line; a Parquet "line" is the row's number (every problem
    # here is a cell left empty, so on a line).
    by_row = [(cast(int, line) - 1, column, message) for line, column, message in errors[0]]
    assert by_row == errors[1]
    assert (2, "customer") in {(line, column) for line, column, _ in errors[1]}
    columns = pq.read_schema(parquet_path).names
    read_by_polars = {columns[at] for _, positions, _ in by_polars for at in positions}
    assert ("product" in read_by_polars) is ("customer" in read_by_polars) is (hashed_from == 0)
    frame.loc[1, "customer"] = "Dyna"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), parquet_path)
    frame.to_csv(csv_path, index=False)
    rows = read_suppliers(parquet_path)
    assert rows["supplier"].tolist() == ["Acme", "Bolt Ltd", "Acme"]  # stripped, one spelling
    assert rows["supplier"].cat.categories.tolist() == ["Acme", "Bolt Ltd", "Dyna", "Cobalt"]
    # Every other text column (products, sources) reads as the same file in CSV does.
    from_csv = read_suppliers(csv_path)
    for column in ("product", "share_basis", "source"):
        assert rows[column].astype(str).tolist() == from_csv[column].astype(str).tolist()


@pytest.mark.parametrize("hashed_from", [0, 10**9])
def test_polars_columns_are_coded_like_arrow_ones_when_not_hashed(
    monkeypatch: pytest.MonkeyPatch, hashed_from: int
) -> None:
    """polars Series (as polars' Parquet reader gives them) too few to hash, or whose strings
    share a hash, are numbered by their strings: the same codes as Arrow's."""
    import polars as pl

    monkeypatch.setattr(encode, "HASHED_FROM", hashed_from)
    monkeypatch.setattr(encode, "hashed", lambda cells: None)  # as if two shared a hash
    supplier, customer = cells(8, 60), cells(9, 40)
    columns = [pl.Series(supplier), pl.Series(customer)]
    codes, strings = encode.encode_text(columns)
    assert ([c.tolist() for c in codes], strings.to_pylist()) == by_arrow([supplier, customer])


def _large_file(folder: Path, rows: int = 3) -> tuple[pd.DataFrame, Path]:
    """A suppliers.parquet in ``folder``, read by polars once ``HASHED_FROM`` is 0."""
    folder.mkdir(parents=True)
    frame = pd.DataFrame(
        {
            "supplier": [f"Maker {i}" for i in range(rows)],
            "customer": [f"Buyer {i}" for i in range(rows)],
            "product": [f"part {i}" for i in range(rows)],
            "revenue_share": [0.1] * rows,
            "share_basis": ["estimate"] * rows,
            "source": [f"https://example.org/{i}" for i in range(rows)],
        }
    )
    path = folder / "suppliers.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    return frame, path


def test_a_large_file_is_read_from_its_own_path_even_with_pattern_characters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """polars' reader would take ``*`` and ``[...]`` in a path as a pattern of files."""
    monkeypatch.setattr(encode, "HASHED_FROM", 0)
    _large_file(tmp_path / "ab", rows=5)  # what "a*" would also match
    frame, starred = _large_file(tmp_path / "a*", rows=3)
    _, bracketed = _large_file(tmp_path / "batch[1]", rows=4)
    rows = read_suppliers(starred)
    assert rows["supplier"].tolist() == frame["supplier"].tolist()
    assert rows["source"].tolist() == frame["source"].tolist()
    assert read_suppliers(bracketed)["customer"].tolist() == [f"Buyer {i}" for i in range(4)]


def test_a_large_file_with_a_column_named_like_a_pattern_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """polars' reader would take a column name of ``^...$`` as a pattern of names."""
    monkeypatch.setattr(encode, "HASHED_FROM", 0)
    frame, path = _large_file(tmp_path / "data")
    table = pq.read_table(path).append_column("^s.*$", pa.array(["x", "y", "z"]))
    pq.write_table(table, path)
    rows = read_suppliers(path)
    assert rows["^s.*$"].astype(str).tolist() == ["x", "y", "z"]
    assert rows["supplier"].tolist() == frame["supplier"].tolist()


def test_when_polars_cannot_read_a_large_file_arrow_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """polars panics (a ``BaseException``, not an ``Exception``) on some damaged files: the
    file is read by Arrow instead, which reads a sound file or names the damage in one line."""
    import polars as pl

    def panics(*args: object, **kwargs: object) -> None:
        raise pl.exceptions.PanicException("assertion failed: offset + length <= self.length")

    _, path = _large_file(tmp_path / "data")
    expected = read_suppliers(path)
    monkeypatch.setattr(encode, "HASHED_FROM", 0)
    with monkeypatch.context() as patched:
        patched.setattr(pl, "read_parquet", panics)
        pd.testing.assert_frame_equal(read_suppliers(path), expected)
    # A damaged page of the supplier column, behind a sound footer: both readers fail on it.
    page = pq.read_metadata(path).row_group(0).column(0).data_page_offset
    content = path.read_bytes()
    path.write_bytes(content[:page] + b"\xff" * 8 + content[page + 8 :])
    with pytest.raises(exposure.DataError) as caught:
        read_suppliers(path)
    (problem,) = caught.value.problems
    assert problem.file == path
    assert "cannot read it as Parquet" in problem.message
    assert "\n" not in str(problem)  # one line, though Arrow's own message spans several
