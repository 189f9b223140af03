"""Shared helpers: small datasets written to a temporary folder."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

LISTED_HEADER = [
    "name",
    "alt_names",
    "country",
    "kind",
    "list",
    "federal_register_notice",
    "start_date",
    "end_date",
    "license_requirement",
    "license_policy",
    "source",
]
SUPPLIERS_HEADER = [
    "supplier",
    "customer",
    "product",
    "supplier_country",
    "customer_country",
    "revenue_share",
    "share_basis",
    "source",
]


def write_csv(path: Path, header: list[str], rows: Iterable[dict[str, object]]) -> Path:
    """Write rows under ``header``, and any other columns the rows name after it."""
    rows = list(rows)
    header = list(dict.fromkeys([*header, *(k for row in rows for k in row)]))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return path


def listing(
    name: str, start: str = "2019-10-09", end: str = "", **extra: object
) -> dict[str, object]:
    return {
        "name": name,
        "list": "Entity List",
        "federal_register_notice": "84 FR 54002",
        "start_date": start,
        "end_date": end,
        "source": f"test listing of {name}",
        **extra,
    }


def sale(
    supplier: str,
    customer: str,
    share: float | str | None = None,  # a str is written as it is (a cell for the reader to check)
    product: str = "chips",
    **extra: object,
) -> dict[str, object]:
    return {
        "supplier": supplier,
        "customer": customer,
        "product": product,
        "revenue_share": "" if share is None else share,
        "share_basis": "" if share is None else "disclosed",
        "source": f"test sale {supplier}->{customer}",
        **extra,
    }


MakeData = Callable[..., Path]


@pytest.fixture
def make_data(tmp_path: Path) -> MakeData:
    """Write a data folder from lists of rows; return the folder."""

    def make(listed: Iterable[dict[str, object]], sales: Iterable[dict[str, object]]) -> Path:
        folder = tmp_path / "data"
        folder.mkdir(exist_ok=True)
        write_csv(folder / "listed.csv", LISTED_HEADER, listed)
        write_csv(folder / "suppliers.csv", SUPPLIERS_HEADER, sales)
        return folder

    return make
