"""The report as two Parquet tables: one row per supplier, one row per path shown.

For readers who take a report of every supplier of a large graph into pandas, polars, DuckDB
or Spark rather than read it. ``suppliers.parquet`` holds each supplier's figures and summary
(:data:`SUPPLIER_SCHEMA`); ``paths.parquet`` one row per path shown or pending review, its
companies as a list (:data:`PATH_SCHEMA`). Unknown figures are nulls, never 0. Both are
written in row groups as the records come (memory stays flat), to temporary files that
replace the outputs only once both are whole.

Examples
--------
>>> import tempfile, pandas as pd, exposure
>>> folder = Path(tempfile.mkdtemp()) / "report"
>>> result = exposure.analyze(exposure.load(), as_of="2019-10-09")
>>> write_parquet_report(result.iter_records(), folder)
(15, 22)
>>> top = pd.read_parquet(folder / "suppliers.parquet").iloc[0]
>>> top["supplier"], float(top["revenue_at_risk"]), list(top["listed_buyers"])
('NeoPhotonics', 0.49, ['Huawei Technologies Co., Ltd.'])
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from exposure.records import ListColumn, beside_exposure, path_rows_of_records
from exposure.util.atomic import refuse_inputs

__all__ = [
    "PATH_SCHEMA", "ROW_GROUP", "SUPPLIER_SCHEMA", "write_parquet_batches", "write_parquet_report",
    "write_parquet_table",
]  # fmt: skip

_TEXTS = pa.list_(pa.string())

#: One row per supplier: the fields of a JSON record but its paths, and its summary's counts.
SUPPLIER_SCHEMA = pa.schema(
    [
        ("supplier", pa.string()),
        ("exposed", pa.bool_()),
        ("tier", pa.int32()),
        ("revenue_at_risk", pa.float64()),
        ("revenue_at_risk_is_lower_bound", pa.bool_()),
        ("revenue_at_risk_within_tier_limit", pa.float64()),
        ("share_basis", pa.string()),
        ("listed_buyers", _TEXTS),
        ("products", _TEXTS),
        ("needs_review", pa.bool_()),
        ("revenue_at_risk_if_confirmed", pa.float64()),
        ("revenue_at_risk_if_confirmed_is_lower_bound", pa.bool_()),
        ("revenue_at_risk_if_reached", pa.float64()),
        ("revenue_at_risk_if_reached_is_lower_bound", pa.bool_()),
        ("assumptions", _TEXTS),
        ("paths_shown", pa.int64()),
        ("listed_buyers_reached", pa.int64()),
        ("listed_buyers_not_shown", pa.int64()),
        ("weight_not_shown", pa.float64()),
        ("routes_not_shown", pa.int64()),
        ("deepest_tier", pa.int32()),
        ("beyond_tier_limit", pa.bool_()),
        ("other_restrictions", _TEXTS),
        ("sales_not_reached", _TEXTS),
    ]
)
#: One row per path shown (``possible`` false) or pending review (``possible`` true): the
#: columns of :data:`~exposure.records.PATH_ROW_FIELDS`.
PATH_SCHEMA = pa.schema(
    [
        ("supplier", pa.string()),
        ("listed", pa.string()),
        ("tier", pa.int32()),
        ("weight", pa.float64()),
        ("path", _TEXTS),
        ("products", _TEXTS),
        ("list", pa.string()),
        ("federal_register_notice", pa.string()),
        ("start_date", pa.string()),
        ("license_policy", pa.string()),
        ("subject_to_ear", pa.string()),
        ("subject_basis", pa.string()),
        ("license_review", pa.string()),
        ("match", pa.string()),
        ("match_score", pa.float64()),
        ("possible", pa.bool_()),
        ("sources", _TEXTS),
    ]
)
#: Suppliers per row group: a group's records are all that is held at once.
ROW_GROUP = 2_000
_SUMMARY = (
    "paths_shown", "listed_buyers_reached", "listed_buyers_not_shown", "weight_not_shown",
    "routes_not_shown", "deepest_tier", "beyond_tier_limit",
)  # fmt: skip


def _supplier_row(record: Mapping[str, Any]) -> dict[str, Any]:
    row = {name: record.get(name) for name in SUPPLIER_SCHEMA.names}
    summary = record.get("summary") or {}
    row.update({name: summary.get(name) for name in _SUMMARY})
    row["beyond_tier_limit"] = bool(summary.get("beyond_tier_limit", False))
    row.update(beside_exposure(record))
    return row


def _path_table(columns: Mapping[str, Any]) -> pa.Table:
    """Return the table of paths (:data:`~exposure.records.PATH_ROW_FIELDS`) as Arrow's."""
    arrays = []
    for field in PATH_SCHEMA:
        column = columns[field.name]
        if isinstance(column, ListColumn):
            items = pa.array(column.values, pa.string())
            arrays.append(pa.ListArray.from_arrays(pa.array(column.offsets, pa.int32()), items))
        else:
            arrays.append(pa.array(column, field.type))
    return pa.Table.from_arrays(arrays, schema=PATH_SCHEMA)


def write_parquet_report(
    records: Iterable[Mapping[str, Any]], folder: str | Path, *, inputs: tuple[Path, ...] = ()
) -> tuple[int, int]:
    """Write ``suppliers.parquet`` and ``paths.parquet`` into ``folder``; return their row counts.

    The folder is made if need be. Both files are written to temporary names beside their
    targets and replace them only when both are complete: an error or Ctrl-C leaves the
    folder as it was. ``inputs`` are refused as outputs.
    """

    def batches() -> Iterator[tuple[list[Mapping[str, Any]], dict[str, Any]]]:
        iterator = iter(records)
        while chunk := list(itertools.islice(iterator, ROW_GROUP)):
            yield chunk, path_rows_of_records(chunk)

    return write_parquet_batches(batches(), folder, inputs=inputs)


def write_parquet_batches(
    batches: Iterable[tuple[Sequence[Mapping[str, Any]], Mapping[str, Any]]],
    folder: str | Path,
    *,
    inputs: tuple[Path, ...] = (),
) -> tuple[int, int]:
    """Write the report as :func:`write_parquet_report` does, from batches of tables.

    Each batch: suppliers' records (their paths are not read) and the table of their paths
    as columns (:func:`~exposure.records.path_rows_of_records`,
    :meth:`~exposure.records.RecordMaker.report_batches`); a row group each.
    """
    folder = Path(folder)
    targets = {name: folder / f"{name}.parquet" for name in ("suppliers", "paths")}
    for path in targets.values():
        refuse_inputs(path, inputs)
    folder.mkdir(parents=True, exist_ok=True)
    temporary = {
        name: path.with_name(f".{path.name}.{os.getpid()}.tmp") for name, path in targets.items()
    }
    counts = {"suppliers": 0, "paths": 0}
    try:
        with (
            pq.ParquetWriter(temporary["suppliers"], SUPPLIER_SCHEMA) as suppliers,
            pq.ParquetWriter(temporary["paths"], PATH_SCHEMA) as paths,
        ):
            for records, path_columns in batches:
                supplier_rows = [_supplier_row(r) for r in records]
                path_table = _path_table(path_columns)
                suppliers.write_table(pa.Table.from_pylist(supplier_rows, SUPPLIER_SCHEMA))
                paths.write_table(path_table)
                counts["suppliers"] += len(supplier_rows)
                counts["paths"] += path_table.num_rows
        for name, path in targets.items():
            os.replace(temporary[name], path)
    finally:
        for path in temporary.values():
            path.unlink(missing_ok=True)
    return counts["suppliers"], counts["paths"]


def write_parquet_table(
    table: pd.DataFrame, folder: str | Path, name: str, *, inputs: tuple[Path, ...] = ()
) -> int:
    """Write one table (a screening, the changes between two dates) as ``folder/name.parquet``.

    Written to a temporary name and then put in place, as :func:`write_parquet_report` does;
    return its row count.
    """
    target = Path(folder) / f"{name}.parquet"
    refuse_inputs(target, inputs)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        pq.write_table(pa.Table.from_pandas(table, preserve_index=False), temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return len(table)
