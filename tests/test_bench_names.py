"""The screening evaluation of bench/names.py: its sets are built as documented."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bench.names import (
    LOCALES,
    NAMES_PER_LOCALE,
    PEER_PAIRS,
    alias_pairs,
    alias_recall,
    best_recall,
    invented_names,
    labelled_pairs,
    peer_pairs,
    same_entity,
    side_by_side,
    written_variants,
)
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
            "kind": ["company", "individual", "company"],
            "list": ["Entity List"] * 3,
            "start_date": pd.to_datetime(["2020-01-01"] * 3),
            "end_date": pd.Series([pd.NaT] * 3, dtype="datetime64[ns]"),
        }
    )
    queries, table, rows = alias_pairs(listed)
    assert queries == ["Acme Intl"]  # individuals and records without aliases are not
    assert rows == [0]
    assert table.at[0, "alt_names"] == "ACME"
    assert listed.at[0, "alt_names"] == "Acme Intl; ACME"  # the caller's table is left as it was


def test_alias_recall_on_the_bundled_list_finds_its_own_records() -> None:
    figures = alias_recall(read_listed(bundled_data_dir() / "listed.csv"))
    assert figures["pairs"] >= 5
    assert 0 < figures["match recall"] <= figures["match or possible recall"] <= 1
    # One alias of the bundled list is another listed company's name, as rigour does not
    # read "Co. Ltd" (Huawei's UK affiliate, a.k.a. the Chinese "Huawei Software
    # Technologies Co., Ltd."): every other confident match names its own record.
    assert figures["match precision"] >= 1 - 1 / (figures["pairs"] * figures["match recall"])


def csl_like(names: list[str], aliases: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": names,
            "alt_names": aliases,
            "kind": "company",
            "country": "",
            "list": "Entity List",
            "federal_register_notice": "",
            "start_date": pd.to_datetime(["2020-01-01"] * len(names)),
            "end_date": pd.Series([pd.NaT] * len(names), dtype="datetime64[ns]"),
        }
    )


def test_written_variants_count_the_names_that_then_find_nothing() -> None:
    listed = csl_like(["SOCCER ZONE (MNC GROUP INTERNATIONAL, INC.)", "Hikvision"], ["", ""])
    table = written_variants(listed).set_index("variant")
    assert table.loc['"The" in front', "names"] == 2
    assert table.loc['"The" in front', "found nothing"] == 0
    assert table.loc["bracketed parts left out", "names"] == 1  # Hikvision has none
    assert table.loc["bracketed parts left out", "found nothing"] == 0  # the parent an aside
    # As trade records write a party: with an address, after another and "c/o".
    assert table.loc["an address after it", "names"] == 2
    assert table.loc["an address after it", "found nothing"] == 0
    assert table.loc['after another party and "c/o"', "found nothing"] == 0
    assert table.loc['"&" written "&amp;"', "names"] == 0  # neither name holds "&"


def test_a_written_variant_that_finds_nothing_is_counted_and_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def finds_only_hikvision(names: list[str], listed: pd.DataFrame, **_: object) -> pd.DataFrame:
        return pd.DataFrame({"outcome": ["match" if "HIK" in n.upper() else "none" for n in names]})

    monkeypatch.setattr("bench.names.screen", finds_only_hikvision)
    listed = csl_like(["Soccer Zone (HKPW)", "Hikvision (HKV)", "Acme (Z)"], ["", "", ""])
    table = written_variants(listed).set_index("variant")
    assert table.loc["bracketed parts left out", "names"] == 3
    assert table.loc["bracketed parts left out", "found nothing"] == 2
    assert table.loc["bracketed parts left out", "examples"] == "Soccer Zone; Acme"


def test_one_entity_listed_on_two_lists_is_one_group_whatever_the_case_or_legal_form() -> None:
    listed = csl_like(
        ["CNOOC Limited", "CNOOC LTD.", "China Telecom Corp", "CT Holdings"],
        ["", "", "", "China Telecom Corp."],
    )
    group = same_entity(listed)
    assert group[0] == group[1]  # case and legal form only
    assert group[2] == group[3]  # shares an alias
    assert group[0] != group[2]


def test_an_answer_naming_the_same_entity_on_another_list_counts_as_right() -> None:
    # The alias is the second listing's; the answer names the entity by its first listing.
    listed = csl_like(
        ["Borealis Optics Limited", "BOREALIS OPTICS LTD.", "Kestrel Avionics"],
        ["", "Borealis Optics Co.", ""],
    )
    figures = alias_recall(listed)
    assert figures["pairs"] == 1
    # One alias of the bundled list is another listed company's name, as rigour does not
    # read "Co. Ltd" (Huawei's UK affiliate, a.k.a. the Chinese "Huawei Software
    # Technologies Co., Ltd."): every other confident match names its own record.
    assert figures["match precision"] >= 1 - 1 / (figures["pairs"] * figures["match recall"])


def test_false_pairs_are_the_nearest_record_of_another_entity() -> None:
    listed = csl_like(
        ["Borealis Optics Limited", "BOREALIS OPTICS LTD.", "Borealis Marine", "Kestrel"],
        ["Borealis Optical Co", "", "", ""],
    )
    pairs = labelled_pairs(listed, ["Kestrel Avionics GmbH"])
    assert pairs.names == ["Borealis Optical Co", "Borealis Optical Co", "Kestrel Avionics GmbH"]
    assert pairs.same.tolist() == [True, False, False]
    # Not the other listing of the same company, though it is the nearest spelling.
    assert pairs.table["name"].iloc[pairs.rows].tolist() == [
        "Borealis Optics Limited",
        "Borealis Marine",
        "Kestrel",
    ]


def test_best_recall_reads_the_lowest_threshold_that_keeps_the_precision() -> None:
    same = np.array([True, True, False, True, False, False])
    score = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.0])
    assert best_recall(same, score, floor=1.0) == 2 / 3
    assert best_recall(same, score, floor=0.75) == 1.0
    assert best_recall(same, score, floor=0.5) == 1.0
    # A pair never scored (0: the candidate search did not reach it) is never counted found.
    assert best_recall(np.array([True, False]), np.array([0.0, 0.0]), floor=0.1) == 0.0


def test_the_peer_pairs_are_cited_and_screened_against_their_second_names() -> None:
    table = pd.read_csv(PEER_PAIRS, dtype=str, keep_default_na=False)
    assert len(table) >= 300
    assert set(table["same"]) == {"0", "1"}
    assert (table["same"] == "0").mean() >= 0.25
    assert table["source"].str.contains("github.com/").all()
    pairs = peer_pairs()
    assert pairs.names == table["name_a"].tolist()
    assert (pairs.table["name"].to_numpy()[pairs.rows] == table["name_b"].to_numpy()).all()
    figures = side_by_side(pairs, algorithms=()).iloc[0]
    assert figures["match precision"] >= 0.95
    assert figures["flagged recall"] >= figures["match recall"] > 0.5
