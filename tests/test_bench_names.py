"""The screening evaluation of bench/names.py: its sets are built as documented."""

from __future__ import annotations

import pandas as pd

from bench.names import LOCALES, NAMES_PER_LOCALE, alias_pairs, alias_recall, invented_names
from exposure.read.dataset import bundled_data_dir, read_listed


def test_invented_names_are_the_same_on_every_run() -> None:
    names = invented_names()
    assert len(names) == len(LOCALES) * NAMES_PER_LOCALE
    assert names == invented_names()


def test_each_organisation_is_screened_by_its_first_alias_against_the_list_without_it() -> None:
    listed = pd.DataFrame(
        {
            "name": ["Acme Trading Co", "John Smith", "Borealis Optics GmbH"],
            "alt_names": ["Acme Intl; ACME", "J. Smith", ""],
            "kind": ["company", "other", "company"],
            "list": ["Entity List"] * 3,
            "start_date": pd.to_datetime(["2020-01-01"] * 3),
            "end_date": pd.Series([pd.NaT] * 3, dtype="datetime64[ns]"),
        }
    )
    queries, table, rows = alias_pairs(listed)
    assert queries == ["Acme Intl"]  # individuals (kind other) and records without aliases are not
    assert rows == [0]
    assert table.at[0, "alt_names"] == "ACME"
    assert listed.at[0, "alt_names"] == "Acme Intl; ACME"  # the caller's table is left as it was


def test_alias_recall_on_the_bundled_list_finds_its_own_records() -> None:
    figures = alias_recall(read_listed(bundled_data_dir() / "listed.csv"))
    assert figures["pairs"] >= 5
    assert 0 < figures["match recall"] <= figures["match or possible recall"] <= 1
    assert figures["match precision"] == 1.0
