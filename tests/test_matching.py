"""Name matching: normal forms, scores, outcomes, review decisions, and the graph's links."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import pytest

import exposure
from exposure.entities.forms import NameFormsTable, name_forms
from exposure.entities.matcher import (
    BRANCH_ABROAD_CAP,
    LEVEL_CAP,
    MATCH_THRESHOLD,
    POSSIBLE_THRESHOLD,
    Matcher,
)
from exposure.names import fold, name_key, name_tokens, split_place
from tests.conftest import MakeData, listing, sale, write_csv

PAIRS = Path(__file__).resolve().parent / "name_pairs.csv"
MATCHES_HEADER = ["customer", "listed", "decision", "note", "date"]


def pair_outcomes() -> pd.DataFrame:
    table = pd.read_csv(PAIRS, dtype=str, keep_default_na=False)
    outcomes = []
    for row in table.itertuples():
        listed = pd.DataFrame(
            {
                "name": [row.listed],
                "alt_names": [row.listed_alt_names],
                "country": [row.listed_country],
                "list": ["Entity List"],
            }
        )
        # The table is read as text: each cell is a str.
        found = Matcher(listed).match([cast(str, row.name)], [cast(str, row.country)]).iloc[0]
        outcomes.append(found["outcome"])
    return table.assign(got=outcomes)


def test_the_name_pair_table_is_real_and_large_enough() -> None:
    table = pd.read_csv(PAIRS, dtype=str, keep_default_na=False)
    assert len(table) >= 40
    assert set(table["expected"]) == {"match", "possible", "none"}
    assert (table["expected"] == "none").sum() >= 10
    assert (table["source"] != "").mean() > 0.9
    assert table["case"].str.contains("Dahua trap").sum() >= 2


def test_precision_and_recall_on_real_name_pairs(capsys: pytest.CaptureFixture[str]) -> None:
    table = pair_outcomes()
    expected, got = table["expected"], table["got"]
    confident = got == "match"
    precision = (confident & (expected == "match")).sum() / max(confident.sum(), 1)
    recall = (confident & (expected == "match")).sum() / (expected == "match").sum()
    flagged = got.isin(["match", "possible"])
    wanted = expected.isin(["match", "possible"])
    review_recall = (flagged & wanted).sum() / wanted.sum()
    false_flags = (flagged & ~wanted).sum()
    with capsys.disabled():
        print(
            f"\nname pairs: {len(table)}; confident matches: precision {precision:.3f}, "
            f"recall {recall:.3f}; match or possible: recall {review_recall:.3f}, "
            f"{false_flags} of {(~wanted).sum()} non-matches flagged for review"
        )
        print(pd.crosstab(expected, got).to_string())
        for row in table[expected != got].itertuples():
            print(f"  expected {row.expected}, got {row.got}: {row.name!r} / {row.listed!r}")
    # A confident match on a pair that is not the same entity is the costly error: none allowed.
    assert not (confident & (expected == "none")).any()
    assert precision >= 0.95
    assert recall >= 0.8
    assert review_recall >= 0.9


def test_the_dahua_trap_is_never_a_confident_match() -> None:
    listed = pd.DataFrame(
        {
            "name": ["DAHUA ELECTRONICS CORPORATION"],
            "alt_names": [""],
            "country": [""],
            "list": ["Denied Persons List"],
            "addresses": ["134-12 59HT AVENUE, FLUSHING, NY, 11355"],
        }
    )
    matcher = Matcher(listed)
    found = matcher.match(
        ["Zhejiang Dahua Technology", "Zhejiang Dahua Technology", "Dahua Electronics Corp"],
        ["CN", "", "US"],
    )
    assert found["outcome"].tolist() == ["none", "possible", "match"]
    assert "countries differ (CN vs US): -15" in cast(str, found.loc[0, "explanation"])
    assert found.loc[0, "listed_country"] == "US"  # read from the address's state and ZIP code


def test_every_match_explains_itself() -> None:
    listed = pd.DataFrame(
        {
            "name": ["Hikvision"],
            "alt_names": ["Hangzhou Hikvision Digital Technology Co., Ltd."],
            "country": ["CN"],
            "list": ["Entity List"],
        }
    )
    row = Matcher(listed).match(["Hikvison Digital Technology"], ["CN"]).iloc[0]
    assert row["outcome"] == "match"
    assert row["score"] >= MATCH_THRESHOLD
    assert row["listed"] == "Hikvision"
    assert row["matched_as"] == "Hangzhou Hikvision Digital Technology Co., Ltd."
    assert row["name_form"] == "hikvison digital technology"
    assert row["listed_form"] == "hikvision digital technology [hangzhou]"
    assert row["explanation"].startswith(
        f"score {row['score']:.1f} against the listed alias "
        "'Hangzhou Hikvision Digital Technology Co., Ltd.'"
    )
    assert "place 'hangzhou' set aside" in row["explanation"]


def test_outcomes_follow_the_documented_thresholds() -> None:
    assert POSSIBLE_THRESHOLD < MATCH_THRESHOLD
    listed = pd.DataFrame({"name": ["Megvii Technology Limited"], "country": ["CN"]})
    found = Matcher(listed).match(["Megvii Technology", "Megvii", "Meitu"], ["CN", "CN", "CN"])
    scores = found["score"].to_numpy()
    assert found["outcome"].tolist() == ["match", "possible", "none"]
    assert scores[0] >= MATCH_THRESHOLD > scores[1] >= POSSIBLE_THRESHOLD
    assert np.isnan(scores[2])  # no listed name shares a word or its first letters


def test_limit_returns_candidates_best_first_in_input_order() -> None:
    listed = pd.DataFrame(
        {
            "name": ["Huawei Technologies Co., Ltd.", "Huawei Device Co., Ltd.", "ZTE"],
            "country": ["CN", "CN", "CN"],
        }
    )
    found = Matcher(listed).match(["ZTE Corp", "Huawei Technologies"], limit=2)
    assert found["name"].tolist() == ["ZTE Corp", "Huawei Technologies", "Huawei Technologies"]
    assert found["listed"].tolist() == [
        "ZTE",
        "Huawei Technologies Co., Ltd.",
        "Huawei Device Co., Ltd.",
    ]
    assert found["outcome"].tolist() == ["match", "match", "possible"]


def test_normal_forms_keep_the_old_keys_and_add_pinyin_and_scripts() -> None:
    assert name_key("Sense Time") == name_key("SenseTime Group Ltd")
    assert name_key("Hikvision") != name_key("Hangzhou Hikvision Digital Technology Co., Ltd.")
    assert name_key("Zhejiang Dahua Technology Gufen Youxian Gongsi") == name_key(
        "Zhejiang Dahua Technology Co., Ltd."
    )
    assert name_key("Huawei Ji Shu You Xian Gong Si") == "huaweijishu"  # syllables, at the end
    assert name_key("ПАО Газпром") == name_key("PUBLIC JOINT STOCK COMPANY GAZPROM") == "gazprom"
    assert name_tokens("杭州海康威视数字技术股份有限公司")[:2] == ["hang", "zhou"]
    assert split_place(name_tokens("Hang Zhou Hikvision")) == ("hangzhou", ["hikvision"])
    assert name_forms("Beijing Institute of Technology").place == ""  # nothing distinctive left


@pytest.mark.parametrize(
    "written",
    [
        "Société Générale",
        "Škoda Transportation a.s.",
        "Łódzkie Zakłady Sp. z o.o.",
        "Straße & Söhne GmbH",
        "Türk Havacılık ve Uzay Sanayii A.Ş.",
        "Công ty Cổ phần Đầu tư",
        "Ørsted A/S",
        "Café ≠ Bar",
    ],
)
def test_names_with_accents_fold_as_unidecode_transliterates_them(written: str) -> None:
    # Accents are dropped in a quicker way where that leaves plain letters: the same words.
    from unidecode import unidecode

    assert fold(written) == " ".join(unidecode(written).lower().split())


def test_blocking_scores_a_small_part_of_all_pairs() -> None:
    rng = np.random.default_rng(7)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))

    def word() -> str:
        return "".join(rng.choice(letters, 7))

    listed = pd.DataFrame({"name": [f"{word()} {word()} Co" for _ in range(2000)]})
    matcher = Matcher(listed)
    names = [f"{word()} {word()} Ltd" for _ in range(3000)] + list(listed["name"][:50])

    query, _ = matcher.candidate_pairs(names, NameFormsTable.of(names))
    assert len(query) < 0.01 * len(names) * len(listed)
    found = matcher.match(names)
    assert (found["outcome"].to_numpy()[-50:] == "match").all()


# -- the analysis: fuzzy links, possible matches and review decisions ---------------------------


def _listed() -> list[dict[str, object]]:
    return [
        listing(
            "Hikvision", alt_names="Hangzhou Hikvision Digital Technology Co., Ltd.", country="CN"
        ),
        listing("Xiamen Meiya Pico Information Co. Ltd.", country="CN"),
    ]


def _sales() -> list[dict[str, object]]:
    return [
        sale("Maker", "Hikvison Digital Technology", customer_country="CN"),
        sale("Maker", "Meiya Pico", customer_country="CN"),
        sale("Other", "Hikvision", customer_country="CN"),
    ]


def test_a_fuzzy_match_links_and_a_possible_match_does_not(make_data: MakeData) -> None:
    result = exposure.analyze(exposure.load(make_data(_listed(), _sales())), as_of="2020-01-01")
    assert result.supplier("Maker")["listed_buyers"] == ["Hikvision"]
    nodes = result.graph.nodes.set_index("name")
    assert nodes.loc["Hikvision", "match"] == "fuzzy"  # its weakest spelling
    assert cast(float, nodes.loc["Hikvision", "match_score"]) >= MATCH_THRESHOLD
    assert nodes.loc["Hikvision", "matched_as"] == "Hangzhou Hikvision Digital Technology Co., Ltd."
    assert nodes.loc["Meiya Pico", "match"] == "possible"
    assert nodes.loc["Meiya Pico", "entity"] == -1
    assert nodes.loc["Meiya Pico", "matched_as"] == "Xiamen Meiya Pico Information Co. Ltd."
    assert "needs review" in cast(str, nodes.loc["Meiya Pico", "match_explanation"])
    assert nodes.loc["Xiamen Meiya Pico Information Co. Ltd.", "match"] == "exact"
    assert nodes.loc["Maker", "match"] == "none"
    assert np.isnan(cast(float, nodes.loc["Maker", "match_score"]))
    rows = result.graph.rows.set_index("customer")
    assert rows.loc["Hikvision", "customer_match"] == "exact"
    assert rows.loc["Hikvision", "customer_match_score"] == 100.0
    assert rows.loc["Hikvison Digital Technology", "customer_match"] == "fuzzy"


def test_without_fuzzy_matching_only_keys_and_reviews_link(make_data: MakeData) -> None:
    folder = make_data(_listed(), _sales())
    exact = exposure.analyze(
        exposure.build_graph(exposure.load(folder), fuzzy=False), as_of="2020-01-01"
    )
    assert exact.supplier("Maker")["exposed"] is False  # the misspelled Hikvision is not linked
    assert exact.supplier("Other")["listed_buyers"] == ["Hikvision"]  # equal keys still link
    spellings = exact.graph.spellings.set_index("spelling")
    assert spellings.loc["Hikvison Digital Technology", "match"] == "none"
    from click.testing import CliRunner

    from exposure.cli import cli

    args = ["report", "--data", str(folder), "--as-of", "2020-01-01", "--format", "json"]
    exposed = {}
    for option in ("--fuzzy", "--no-fuzzy"):
        run = CliRunner().invoke(cli, [*args, option])
        assert run.exit_code == 0, run.output
        exposed[option] = {r["supplier"]: r["exposed"] for r in json.loads(run.stdout)}
    assert exposed["--fuzzy"] == {"Maker": True, "Other": True}
    assert exposed["--no-fuzzy"] == {"Maker": False, "Other": True}


def test_every_report_made_without_fuzzy_matching_says_so(make_data: MakeData) -> None:
    # Without fuzzy matching the misspelled Hikvision is not found: a 0% that must not read
    # as a clean result.
    folder = make_data(_listed(), _sales())
    from click.testing import CliRunner

    from exposure.cli import cli

    args = ["report", "--data", str(folder), "--as-of", "2020-01-01", "--no-fuzzy"]
    said = "names matched exactly only (--no-fuzzy): possible matches of listed entities"
    for extra in ([], ["--supplier", "Maker"], ["--format", "markdown"], ["--format", "csv"]):
        run = CliRunner().invoke(cli, [*args, *extra])
        assert run.exit_code == 0, run.output
        assert said in run.stdout, extra
    run = CliRunner().invoke(cli, [*args, "--format", "json"])
    maker = {r["supplier"]: r for r in json.loads(run.stdout)}["Maker"]
    assert maker["exposed"] is False
    assert any(a.startswith(said) for a in maker["assumptions"])
    # With fuzzy matching, nothing of the kind.
    run = CliRunner().invoke(cli, [*args[:-1], "--supplier", "Maker"])
    assert "exactly only" not in run.stdout
    target = folder / "out" / "network.json"
    done = CliRunner().invoke(
        cli, ["export", "--data", str(folder), "-o", str(target), "--as-of", "2020-01-01",
              "--no-fuzzy"]
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert said in json.loads(target.read_text(encoding="utf-8"))["graph"]["assumptions"]


def test_review_decisions_reject_and_confirm(make_data: MakeData) -> None:
    folder = make_data(_listed(), _sales())
    write_csv(
        folder / "matches.csv",
        MATCHES_HEADER,
        [
            {
                "customer": "HIKVISON DIGITAL TECHNOLOGY",  # decisions apply by name key
                "listed": "Hikvision",
                "decision": "rejected",
                "note": "a reseller in Shenzhen",
                "date": "2024-03-01",
            },
            {
                "customer": "Meiya Pico",
                "listed": "Xiamen Meiya Pico Information Co. Ltd.",
                "decision": "confirmed",
                "note": "same firm: annual report",
                "date": "2024-03-02",
            },
        ],
    )
    data = exposure.load(folder)
    assert data.matches is not None
    assert len(data.matches) == 2
    result = exposure.analyze(data, as_of="2020-01-01")
    assert result.supplier("Maker")["listed_buyers"] == ["Xiamen Meiya Pico Information Co. Ltd."]
    nodes = result.graph.nodes.set_index("name")
    assert nodes.loc["Hikvison Digital Technology", "match"] == "none"
    assert nodes.loc["Hikvision", "match"] == "exact"
    meiya = nodes.loc["Xiamen Meiya Pico Information Co. Ltd."]
    assert meiya["match"] == "confirmed"
    assert meiya["matched_as"] == "Xiamen Meiya Pico Information Co. Ltd."
    assert "confirmed in matches.csv line 3 (2024-03-02" in meiya["match_explanation"]


def test_a_later_decision_overrides_an_earlier_one(make_data: MakeData) -> None:
    folder = make_data(_listed(), _sales())
    decision = {"customer": "Hikvison Digital Technology", "listed": "Hikvision", "note": ""}
    write_csv(
        folder / "matches.csv",
        MATCHES_HEADER,
        [
            {**decision, "decision": "confirmed", "date": "2024-05-01"},
            {**decision, "decision": "rejected", "date": "2024-01-01"},
        ],
    )
    nodes = exposure.build_graph(exposure.load(folder)).nodes.set_index("name")
    assert nodes.loc["Hikvision", "match"] == "confirmed"


def test_bad_matches_csv_names_file_line_column_and_fix(make_data: MakeData) -> None:
    folder = make_data(_listed(), _sales())
    path = write_csv(
        folder / "matches.csv",
        MATCHES_HEADER,
        [
            {
                "customer": "Meiya Pico",
                "listed": "Meiya",
                "decision": "confirmed",
                "date": "2024-01-01",
            },
            {"customer": "X", "listed": "Hikvision", "decision": "maybe", "date": "2024-01-01"},
        ],
    )
    with pytest.raises(exposure.DataError) as raised:
        exposure.load(folder)
    # A decision must be given: the fix does not offer an empty cell.
    assert str(raised.value).startswith(
        f"{path}, line 3, column 'decision': 'maybe' is not one of confirmed, rejected. Fix: "
        "write one of confirmed, rejected."
    )
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(MATCHES_HEADER)
        writer.writerow(["Meiya Pico", "Meiya", "confirmed", "", "2024-01-01"])
    with pytest.raises(exposure.DataError) as raised:
        exposure.build_graph(exposure.load(folder))
    message = str(raised.value)
    assert message.startswith(f"{path}, line 2, column 'listed': 'Meiya' is no name or alias")
    assert "Fix: write the listed name as the listed file gives it" in message


def test_exact_ambiguity_can_be_settled_by_a_confirmed_decision(make_data: MakeData) -> None:
    listed = [listing("Alpha Ltd", alt_names="AB"), listing("Beta Ltd", alt_names="AB")]
    folder = make_data(listed, [sale("Maker", "AB")])
    with pytest.raises(exposure.DataError, match="could be 2 listed entities"):
        exposure.build_graph(exposure.load(folder))
    write_csv(
        folder / "matches.csv",
        MATCHES_HEADER,
        [{"customer": "AB", "listed": "Beta Ltd", "decision": "confirmed", "date": "2024-01-01"}],
    )
    result = exposure.analyze(exposure.load(folder), as_of="2020-01-01")
    assert result.supplier("Maker")["listed_buyers"] == ["Beta Ltd"]


def test_a_typo_in_the_distinctive_word_is_flagged_for_review_not_missed() -> None:
    listed = pd.DataFrame(
        {"name": ["Hikvision"], "alt_names": [""], "country": ["CN"], "list": ["Entity List"]}
    )
    found = Matcher(listed).match(
        ["Hangzhou Hikvison Digital Technology", "Hangzhou Hikvison Digital Technology"], ["", "US"]
    )
    assert found["outcome"].tolist() == ["possible", "none"]
    explanation = cast(str, found.loc[0, "explanation"])
    assert "distinctive words differ by a typo only: at least 82" in explanation


def test_a_fuzzily_matched_spelling_finds_its_listed_node_by_name(make_data: MakeData) -> None:
    listed = [listing("Hikvision", alt_names="Hangzhou Hikvision Digital Technology")]
    folder = make_data(listed, [sale("Maker", "Hangzhou Hikvision Digital Tech Co Ltd", 0.1)])
    result = exposure.analyze(exposure.load(folder), as_of="2020-01-01")
    graph = result.graph
    assert graph.code("Hangzhou Hikvision Digital Tech Co Ltd") == graph.code("Hikvision")
    assert result.supplier("Maker")["listed_buyers"] == ["Hikvision"]


@pytest.mark.parametrize("threaded_from", [200_000, 1_000], ids=["one thread", "two threads"])
def test_vectorised_name_keys_equal_name_key_name_by_name(
    threaded_from: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Thousands of names take the Arrow path of name_keys (split between two threads from
    # _THREADED_FROM names on); each must get name_key's own key.
    from exposure import names as names_module
    from exposure.names import name_key_codes, name_keys

    monkeypatch.setattr(names_module, "THREADED_FROM", threaded_from)

    words = [
        "Hikvision", "Co.,", "Ltd.", "LIMITED", "Liability", "Public", "Joint", "Stock",
        "Company", "You", "Xian", "Gong", "Si", "Gufen", "Zhejiang", "Xi'an", "&", "S.A.",
        "Société", "华为", "Газпром", "Inc", "group", "  ", "-", "54th", "Sense", "Time",
        "zonggongsi", "a", "Open", "(Shenzhen)", "R&D/Labs", "No.5,", "Tab\tSep", "Ünited",
        "a.s.", "A.S.", "a. s.", "as",  # the Czech and Turkish dotted form, at the end only
    ]  # fmt: skip
    rng = np.random.default_rng(7)
    names = [" ".join(rng.choice(words, size=rng.integers(1, 7))) for _ in range(5000)]
    assert name_keys(names).tolist() == [name_key(n) for n in names]
    distinct = list(dict.fromkeys(names))
    assert name_keys(distinct, distinct=True).tolist() == [name_key(n) for n in distinct]
    # Anything but a string is keyed as str() writes it, as one name at a time would be.
    mixed: list[Any] = [*distinct, 12, 3.5, None]
    assert name_keys(mixed, distinct=True).tolist() == [name_key(str(n)) for n in mixed]
    # Numbered as Arrow strings, in order of first appearance, as pandas numbers them.
    codes, keys = name_key_codes(distinct)
    expected_codes, expected_keys = pd.factorize(
        np.array([name_key(n) for n in distinct], dtype=object), sort=False
    )
    assert codes.tolist() == expected_codes.tolist()
    assert keys.tolist() == list(expected_keys)


def test_a_common_word_or_surname_alone_carries_no_floor() -> None:
    # The false alarms of invented names against the real lists, and the matches that stay.
    listed = pd.DataFrame(
        {
            "name": [
                "ISMAEL GOMEZ, JR.",
                "Semiconductor Manufacturing International Corporation",
                "China Marine Information Electronics",
                "Huawei Technologies Co., Ltd.",
            ],
            "alt_names": ["", "SMIC", "", ""],
            "country": ["US", "CN", "CN", "CN"],
            "list": ["Denied Persons List", "Entity List", "Entity List", "Entity List"],
        }
    )
    found = Matcher(listed).match(
        ["Gomez LLC", "Karizen Pacific Semiconductor Ltd", "Vikoro Marine Energy Co., Ltd.",
         "Huawei Device Co. Ltd."],
    )  # fmt: skip
    assert found["outcome"].tolist() == ["none", "none", "none", "possible"]
    assert "at least 82" in str(found["explanation"].iloc[3])  # a brand carries the floor


@pytest.mark.parametrize(("written_out", "listed_as"), [
    ("Siemens Aktiengesellschaft", "Siemens AG"),
    ("Bosch Gesellschaft mit beschränkter Haftung", "Bosch GmbH"),
    ("Tesco Public Limited Company", "Tesco PLC"),
    ("Orlen Sp. z o.o.", "Orlen"),
    ("Krka d.o.o.", "Krka"),
    ("Cemex S.A. de C.V.", "Cemex"),
    ("Dacia Societatea cu Răspundere Limitată", "Dacia SRL"),
    ("Газпром общество с ограниченной ответственностью", "Gazprom OOO"),
    ("Gazprom obshchestvo s ogranichennoi otvetstvennostiu", "Gazprom"),
    ("NSK-Warner K.K.", "NSK-Warner Kabushiki Kaisha"),
    ("Samsung Jusik Hoesa", "Samsung Co., Ltd."),
    ("Koç Holding Anonim Şirketi", "Koc Holding A.S."),
    ("Arçelik Ltd. Şti.", "Arcelik"),
    ("Volvo Aktiebolag", "Volvo"),
    ("Skoda Auto a.s.", "Skoda Auto"),
    ("Kowalski i Syn Sp. j.", "Kowalski i Syn"),
    ("Kowalski Spółka Komandytowa", "Kowalski sp. k."),
    ("Petrov v.o.s.", "Petrov"),
    ("Rossi S.n.c.", "Rossi"),
    ("Garcia Hermanos S. de R.L. de C.V.", "Garcia Hermanos S.A. de C.V."),
    ("Maersk A/S", "Maersk"),
    ("Equinor ASA", "Equinor"),
    ("Al Noor Trading W.L.L.", "Al Noor Trading LLC"),
    ("Banque Libano S.A.L.", "Banque Libano"),
    ("Gulf Star FZ-LLC", "Gulf Star"),
    ("ПАТ Укрнафта", "Ukrnafta PJSC"),
    ("Иванов ИП", "Ivanov"),
    ("Zenith Limited Partnxrship", "Zenith L.P."),
])  # fmt: skip
def test_legal_forms_written_out_in_the_languages_of_the_lists_match(
    written_out: str, listed_as: str
) -> None:
    listed = pd.DataFrame(
        {"name": [listed_as], "alt_names": [""], "country": [""], "list": ["Entity List"]}
    )
    row = Matcher(listed).match([written_out]).iloc[0]
    assert (row["outcome"], row["score"]) == ("match", 100.0)


def test_a_legal_form_rigour_lacks_goes_where_it_closes_a_name_not_where_it_opens_one() -> None:
    # "Sal." opens the name of a bank (Sal. Oppenheim); "SAL" closes Lebanese companies' names.
    listed = one_list("Sal Oppenheim", "Banque Libano SAL")
    found = Matcher(listed).match(["Oppenheim", "Banque Libano"])
    assert found["outcome"].tolist() == ["possible", "match"]


def test_a_series_numeral_closing_a_name_keeps_two_funds_apart() -> None:
    listed = pd.DataFrame(
        {
            "name": ["Nantahala Capital Offshore Fund I, Ltd.", "J P I Trading"],
            "alt_names": [""] * 2,
            "country": [""] * 2,
            "list": ["Entity List"] * 2,
        }
    )
    found = Matcher(listed).match(["Nantahala Capital Offshore Fund, Ltd.", "JPI Trading"])
    assert found["outcome"].tolist() == ["possible", "match"]  # "I" of initials is no numeral
    assert "number" in str(found.loc[0, "explanation"])


def test_a_short_word_that_is_also_a_legal_form_somewhere_stays_a_word() -> None:
    listed = pd.DataFrame(
        {"name": ["Lucas"], "alt_names": [""], "country": [""], "list": ["Entity List"]}
    )
    assert Matcher(listed).match(["Lucas-Yu"]).loc[0, "outcome"] != "match"


def test_an_article_in_front_hides_neither_the_name_nor_its_place() -> None:
    listed = one_list(
        "AVIATION INDUSTRY CORPORATION OF CHINA, LTD.",
        "Xinjiang East Hope New Energy Company Ltd.",
        "The Boeing Company",
    )
    found = Matcher(listed).match(
        ["The Aviation Industry Corporation of China", "The Xinjiang East Hope New Energy Co.",
         "Boeing Co., The"]  # as registers write it
    )  # fmt: skip
    assert found["listed"].tolist() == listed["name"].tolist()
    assert found["outcome"].tolist() == ["match", "match", "match"]


def test_a_parent_or_former_name_in_brackets_is_an_aside_and_the_former_name_a_name() -> None:
    listed = one_list(
        "SOCCER ZONE (MNC GROUP INTERNATIONAL, INC.)",
        "Gazprom Telekom, OOO (f.k.a. Zakrytoe Aktsionernoe Obshchestvo Gaztelekom)",
    )
    found = Matcher(listed).match(["Soccer Zone", "ZAO Gaztelekom", "Gazprom Telekom LLC"])
    assert found["listed"].tolist() == [*listed["name"].tolist(), listed.loc[1, "name"]]
    assert found["outcome"].tolist() == ["match", "match", "match"]
    assert "other name in brackets" in str(found.loc[1, "explanation"])


def test_a_listed_short_name_in_brackets_is_not_needed_to_find_the_name() -> None:
    listed = one_list(
        "HK P&W Industry Co. Ltd (HKPW)",
        "China Electronics Technology Group Corporation 29 (CETC 29) Research Institute",
        "Bank of China (Hong Kong) Limited",
        "ICBC (ASIA) LIMITED",
    )
    found = Matcher(listed).match(
        ["HK P&W Industry Company Limited",
         "China Electronics Technology Group Corporation 29 Research Institute",
         "Bank of China (Singapore) Limited", "ICBC (LONDON) PLC"]
    )  # fmt: skip
    assert found["outcome"].tolist()[:2] == ["match", "match"]
    assert "without its asides in brackets 'HK P&W" in str(found.loc[0, "explanation"])
    # A place or an ordinary word in brackets tells branches apart: it stays.
    assert "match" not in found["outcome"].tolist()[2:]


def test_a_typo_in_a_descriptor_or_legal_form_does_not_make_it_a_distinctive_word() -> None:
    listed = one_list("China Telecom Corporation Limited", "A & C International Trade, Inc.")
    found = Matcher(listed).match(
        ["China Telecom Corpoxation Limited", "A & C Interntaional Trade, Inc."]
    )
    assert found["listed"].tolist() == listed["name"].tolist()
    assert found["outcome"].tolist() == ["match", "match"]
    # Only descriptors in common use: the pinyin "tongxin" is one letter from "Hongxin".
    assert name_forms("Tex-Co Hongxin Logistics Limited").core == "tex hongxin logistics"


def test_a_legal_form_inside_a_word_leaves_the_word_whole() -> None:
    # "inc" of "Lincoln", "spa" of "Spadafora": only the legal form at the end goes.
    listed = one_list("Lincoln Electric Holdings", "Spadafora Costruzioni")
    found = Matcher(listed).match(["Lincoln Electrik Holdings Inc", "Spadafora Costruzione SPA"])
    assert found["listed"].tolist() == ["Lincoln Electric Holdings", "Spadafora Costruzioni"]
    assert found["outcome"].tolist() == ["match", "match"]
    assert name_forms("Cincinnati Zinc Inc").core == "cincinnati zinc"


def test_a_legal_form_of_several_words_is_found_mistyped_glued_or_without_accents() -> None:
    listed = one_list(
        "Tactical Missiles Corporation Joint Stock Company",
        "Canon Inc.",
        "Rust Closed Joint Stock Company",
        "Robert Bosch GmbH",
        "Auction Limited Liability Company",
    )
    written = [
        "TACTICAL MISSILES CORPORATION JOYNT STOCK COMPANY",
        "Canon Kabuhsiki Kaisha",
        "RUST CLOSED JOINTSTOCK COMPANY",
        "Robert Bosch Gesellschaft mit beschrankter Haftung",
        "AUCTION Ltd. LIABILITY Co.",
    ]
    found = Matcher(listed).match(written)
    assert found["listed"].tolist() == listed["name"].tolist()
    assert found["outcome"].tolist() == ["match"] * 5
    # A word in common use one letter from a form's word is the name's own.
    assert name_forms("Joint Stick Ltd").core == "joint stick"
    # A longer form rigour knows as written is left to it: "Joint Stock Commercial Bank".
    assert name_forms("Joint Stock Commercial Bank Novikombank").core == "novikombank"


def test_letters_joined_by_an_ampersand_are_found_written_together() -> None:
    listed = one_list("M&P Trading Inc", "A & C International Trade, Inc.")
    found = Matcher(listed).match(["MP Trading", "AC International Trade"])
    assert found["listed"].tolist() == listed["name"].tolist()
    assert found["outcome"].tolist() == ["match", "match"]


@pytest.mark.parametrize(("query", "listed_as"), [
    ("Invidia Corp", "NVIDIA Corporation"),  # a typo in the first letters
    ("Schell Ltd", "Shell plc"),
    ("Gasprom PAO", "Gazprom"),
])  # fmt: skip
def test_a_typo_anywhere_in_a_word_still_finds_the_candidate(query: str, listed_as: str) -> None:
    listed = pd.DataFrame(
        {"name": [listed_as], "alt_names": [""], "country": [""], "list": ["Entity List"]}
    )
    row = Matcher(listed).match([query]).iloc[0]
    assert row["outcome"] in ("match", "possible")
    assert row["listed"] == listed_as


def test_numbers_written_as_words_ordinals_or_roman_numerals_agree_or_differ() -> None:
    listed = pd.DataFrame(
        {
            "name": ["First Capital Bank", "Bowne Global Solutions II"],
            "alt_names": ["", ""],
            "country": ["", ""],
            "list": ["Entity List", "Entity List"],
        }
    )
    found = Matcher(listed).match(
        ["1st Capital Bank", "Bowne Global Solutions 2", "Bowne Global Solutions III"]
    )
    assert found["outcome"].tolist() == ["match", "match", "none"]
    assert "numbers differ" in str(found["explanation"].iloc[2])


def test_a_name_in_chinese_script_matches_its_listed_latin_name() -> None:
    listed = pd.DataFrame(
        {
            "name": ["Huawei Technologies Co., Ltd.", "Beijing Kuangshi Technology Co Ltd"],
            "alt_names": ["", "Megvii"],
            "country": ["CN", "CN"],
            "list": ["Entity List", "Entity List"],
        }
    )
    # 技术 read as "ji shu" (technology) by word, not "ji zhu" character by character.
    found = Matcher(listed).match(
        ["华为技术有限公司", "北京旷视科技有限公司"], countries=["CN", "CN"]
    )
    assert found["outcome"].tolist() == ["match", "match"]
    assert found["listed"].tolist() == listed["name"].tolist()


def test_chinese_descriptors_and_the_city_after_a_place_part_the_brand_from_the_rest() -> None:
    listed = one_list(
        "Huawei Device Co., Ltd.",
        "Huawei Technologies Co., Ltd.",
        "Beijing Shangtang Technology Development Co., Ltd.",
        "Haisi Semiconductor Co., Ltd.",
    )
    # 终端 is "device" and 半导体 "semiconductor": "huaweizhongduan" met no listed word; the
    # 市 of 北京市 is the city, not a syllable of the name ("shishangtang" before).
    found = Matcher(listed).match(
        ["华为终端有限公司", "华为技术有限公司", "北京市商汤科技开发有限公司", "海思半导体有限公司"]
    )
    assert found["listed"].tolist() == listed["name"].tolist()
    assert found["outcome"].tolist() == ["match"] * 4
    # A descriptor the table lacks no longer hides the name before it: four syllables are
    # read as two words ("huawei xxyy"), and one of them is found.
    unknown = Matcher(one_list("Huawei")).match(["华为汽船有限公司"])
    assert unknown["outcome"].tolist() == ["possible"]


def test_a_brand_in_more_listed_names_than_a_key_may_be_still_finds_them() -> None:
    # "huawei" is in some hundred listed spellings of the bundled list, too many to block on;
    # "USA" is no evidence, and a fuzzy key of "united states" shared by one listed name was
    # the only key left: no candidate at all.
    found = Matcher(exposure.load().listed).match(
        ["Huawei USA", "Huawei Technologies USA Inc."], countries=["", "US"]
    )
    assert found["listed"].tolist() == ["Huawei Technologies Co., Ltd."] * 2
    assert found["outcome"].tolist() == ["possible", "possible"]
    assert "a branch in US by its name" in found["explanation"][1]


def test_a_listed_company_s_branch_abroad_is_a_possible_match_by_its_name() -> None:
    # A subsidiary abroad that bears the listed name and its own country's or region's is
    # restricted too if listed companies own half of it (90 FR 47201): a silent "none" for a
    # conflict of countries would hide it from review.
    listed = exposure.load().listed
    names = [
        "Hikvision Europe B.V.",
        "Dahua Technology USA Inc.",
        "SenseTime Japan Ltd",
        "Hikvision Italia S.r.l.",
        "Hikvision UK Limited",
    ]
    found = Matcher(listed).match(names, countries=["NL", "US", "JP", "IT", "GB"])
    assert found["outcome"].tolist() == ["possible"] * len(names)
    assert found["explanation"].str.contains("by its name").all()
    # Never a confident match on the name alone, however alike.
    alike = Matcher(listed).match(
        ["Hangzhou Hikvision Digital Technology Europe"], countries=["NL"]
    )
    assert alike["outcome"].tolist() == ["possible"]
    assert alike["score"].max() <= BRANCH_ABROAD_CAP < MATCH_THRESHOLD
    # A country the name gives that is not its own, or none, is still a conflict of countries:
    # the Dahua trap, the Dahua Electronics of Flushing, NY, is no branch of Dahua Technology.
    other = Matcher(listed).match(
        ["Hikvision Europe B.V.", "Dahua Electronics Corp"], countries=["US", "US"]
    )
    assert other["outcome"].tolist() == ["none", "none"]
    assert other["explanation"].str.contains("countries differ").all()


def test_a_country_in_brackets_makes_a_branch_abroad_not_the_listed_company() -> None:
    # Without its aside "Hikvision (Deutschland) GmbH" has Hikvision's key; with it, it is
    # Hikvision's German subsidiary: to review, as "Hikvision Deutschland GmbH" is, never a
    # confident match. An aside naming the listed company's own country or a city changes
    # nothing.
    listed = exposure.load().listed
    abroad = ["Hikvision (Deutschland) GmbH", "Hikvision (Europe) B.V.", "Megvii (Japan) K.K."]
    found = Matcher(listed).match(abroad)
    assert found["outcome"].tolist() == ["possible"] * len(abroad)
    assert (found["score"] <= BRANCH_ABROAD_CAP).all()
    assert "another country or region ('deutschland')" in found["explanation"][0]
    at_home = Matcher(listed).match(["Hikvision (Hangzhou)", "Hikvision Co., Ltd. (HIK)"])
    assert at_home["outcome"].tolist() == ["match", "match"]


def test_a_typo_in_a_word_many_listed_names_share_still_finds_them() -> None:
    # Thirteen listed Gazprom companies: "gazprom", and the key "gazprm" its typo shares with
    # it, are each in more listed spellings than a key may be (10 here); a key of "porm"
    # shared by one unrelated name was all that was left of "Gazporm, OAO".
    subsidiaries = ["Neft", "Flot", "Svyaz"]
    listed = one_list(
        "Gazprom",
        *(f"Gazprom {word} {n}" for word in subsidiaries for n in range(1, 5)),
        "Porm Holdings",
    )
    found = Matcher(listed).match(["Gazporm, OAO"]).iloc[0]
    assert (found["listed"], found["outcome"]) == ("Gazprom", "possible")


def test_the_bureaus_of_the_2019_listing_are_told_apart_by_place_and_level() -> None:
    """The 2019 listing's public security bureaus, as customers in China write them."""
    found = Matcher(exposure.load().listed).match(
        [
            "Xinjiang Public Security Bureau",  # the regional bureau without its title
            "新疆公安厅",  # the same in Chinese: a 厅 (department)
            "乌鲁木齐市公安局",  # Wulumuqi is Urumqi
            "Kizilsu Kirghiz Autonomous Prefecture Public Security Bureau",  # listed "Kyrgyz"
            "Aksu City Public Security Bureau",  # a city's bureau, within the listed prefecture
            "Altay Prefecture Public Security Bureau",  # the prefecture of the listed city
            "Kashgar City Public Security Bureau",
            # Bureaus of other places, and none in particular: not listed.
            "Beijing Municipal Public Security Bureau",
            "Guangdong Provincial Public Security Department",
            "Public Security Bureau",
            # A company named by its place alone is not the place's bureau.
            "Xinjiang International Trade Co., Ltd.",
        ]
    )
    assert found["listed"].tolist()[:7] == [
        "Xinjiang Uighur Autonomous Region (XUAR) People's Government Public Security Bureau",
        "Xinjiang Uighur Autonomous Region (XUAR) People's Government Public Security Bureau",
        "Urumqi Municipal Public Security Bureau",
        "Kezilesu Kyrgyz Autonomous Prefecture Public Security Bureau",
        "Aksu District Public Security Bureau",
        "Altay Municipality Public Security Bureau",
        "Kashgar Prefecture Public Security Bureau",
    ]
    assert found["outcome"].tolist() == ["match"] * 4 + ["possible"] * 3 + ["none"] * 4
    assert all("administrative levels differ" in e for e in found["explanation"][4:7])


def test_the_bureaus_of_the_2019_listing_are_found_by_their_chinese_names() -> None:
    """Every city and prefecture of Xinjiang whose bureau 84 FR 54002 lists, in Chinese script.

    Before, seven of them found nothing at all: pinyin reads 勒 as "lei" (克孜勒苏 Kizilsu),
    萨 of 哈萨克 (Kazakh) was dropped as the legal form "S.A.", 蒙古 (Mongolian) was not read,
    and 阿克苏, 阿勒泰, 哈密 and 伊犁 are no places in Latin script.
    """
    listed = exposure.load().listed
    names = {
        "克孜勒苏柯尔克孜自治州公安局": "Kezilesu Kyrgyz Autonomous Prefecture",
        "伊犁哈萨克自治州公安局": "Yili Kazakh Autonomous Prefecture",
        "博尔塔拉蒙古自治州公安局": "Boertala Mongolian Autonomous Prefecture",
        "巴音郭楞蒙古族自治州公安局": "Bayingolin Mongolian Autonomous Prefecture",
        "哈密市公安局": "Hami Municipality",
        "阿勒泰市公安局": "Altay Municipality",
        "阿克苏地区公安局": "Aksu District",  # 地区 read "prefecture": a possible match
        "阿勒泰地区公安局": "Altay Municipality",  # the prefecture of the listed city
    }
    found = Matcher(listed).match([*names, "哈密瓜贸易有限公司", "阿拉尔市公安局"])
    assert found["listed"].tolist()[:8] == [f"{n} Public Security Bureau" for n in names.values()]
    assert found["outcome"].tolist() == ["match"] * 6 + ["possible"] * 2 + ["none"] * 2


def test_a_bureau_written_as_its_place_and_psb_is_found() -> None:
    """The press writes the 2019 listing's bureaus "Kashgar PSB"; "PSB" alone is a bank's brand."""
    found = Matcher(exposure.load().listed).match(
        ["Kashgar PSB", "Urumqi City PSB", "Hotan Prefecture PSB", "PSB Bank"]
    )
    assert found["listed"].tolist()[:3] == [
        "Kashgar Prefecture Public Security Bureau",
        "Urumqi Municipal Public Security Bureau",
        "Hetian Prefecture Public Security Bureau",
    ]
    assert found["outcome"].tolist() == ["match"] * 3 + ["none"]


def test_a_name_in_two_scripts_or_with_another_in_brackets_is_found_by_each() -> None:
    """Chinese records give many a company's name in both scripts, or its brand in brackets.

    Read as one name, the syllables and the Latin words ran into one another ("haikangweishi
    hikvision"), and a brand repeated weighed the rest down: each of these found nothing,
    though each part alone is a listed name.
    """
    found = Matcher(exposure.load().listed).match(
        [
            "海康威视 Hikvision",
            "Hikvision (海康威视)",
            "Huawei 华为技术有限公司",
            "Dahua Technology (大华)",  # the bare brand alone is only possible
            "ABC 哈密市公安局",
            "Hangzhou Hikvision Digital Technology Co., Ltd. (Hikvision)",
            # Neither part is listed; a part of descriptors alone (科技集团, technology
            # group) is no name to compare, nor a place in brackets.
            "联想 Lenovo (Beijing) Co., Ltd.",
            "TCL 科技集团股份有限公司",
        ],
        countries=["CN"] * 8,
    )
    assert found["listed"].tolist()[:6] == [
        "Hikvision",
        "Hikvision",
        "Huawei Technologies Co., Ltd.",
        "Dahua Technology",
        "Hami Municipality Public Security Bureau",
        "Hikvision",
    ]
    assert found["outcome"].tolist() == ["match"] * 6 + ["none"] * 2
    assert found["explanation"][0].startswith("written in two scripts, by its part '海康威视'")
    assert found["explanation"][5].startswith(
        "without its asides in brackets, 'Hangzhou Hikvision Digital Technology Co., Ltd.'"
    )
    # The brand alone is also one of its names.
    brand = Matcher(one_list("Hikvision")).match([found["name"][5]])
    assert brand["explanation"][0].startswith("by the name it gives in brackets 'Hikvision'")


def test_a_branch_is_the_company_it_belongs_to() -> None:
    """A branch is no legal person of its own: these were `possible`s, one to review each."""
    found = Matcher(exposure.load().listed).match(
        [
            "Huawei Technologies Co., Ltd. Shenzhen Branch",
            "HANGZHOU HIKVISION DIGITAL TECHNOLOGY CO., LTD. SHANGHAI BRANCH",
            "华为技术有限公司深圳分公司",
            "Branch Line Trading Co Ltd",  # a name that holds the word
        ],
        countries=["CN"] * 4,
    )
    assert found["listed"].tolist()[:3] == [
        "Huawei Technologies Co., Ltd.",
        "Hikvision",
        "Huawei Technologies Co., Ltd.",
    ]
    assert found["outcome"].tolist() == ["match"] * 3 + ["none"]
    assert found["explanation"][0].startswith("a branch of 'Huawei Technologies Co., Ltd.'")


def test_the_party_before_c_o_is_compared_and_the_one_after_stays_to_review() -> None:
    found = Matcher(exposure.load().listed).match(
        ["Hikvision c/o Global Logistics Inc.", "Global Logistics Inc. c/o Hikvision"]
    )
    assert found["listed"].tolist() == ["Hikvision", "Hikvision"]
    assert found["outcome"].tolist() == ["match", "possible"]
    assert found["explanation"][0].startswith("the party before c/o, 'Hikvision'")
    assert "the goods go in its care" in found["explanation"][1]


def test_each_party_of_several_in_one_name_is_compared_and_never_a_match() -> None:
    # Customs records write consignee and notify party in one field.
    found = Matcher(exposure.load().listed).match(
        ["Sense Time; ABC International Trading Co., Ltd.", "ABC Trading Ltd / Sense Time"]
    )
    assert found["listed"].tolist() == ["Sense Time", "Sense Time"]
    assert found["outcome"].tolist() == ["possible", "possible"]
    assert "one of the parties the name gives: at most 88" in found["explanation"][0]


def test_html_entities_in_a_name_are_read() -> None:
    found = Matcher(one_list("M&P Engineering Ltd")).match(["M&amp;P Engineering Ltd"]).iloc[0]
    assert (found["outcome"], found["score"]) == ("match", 100.0)
    assert found["explanation"].startswith("with its HTML entities read")
    # The ";" of "&amp;" ends no party.
    found = Matcher(one_list("P Engineering Ltd")).match(["M&amp;P Engineering Ltd"]).iloc[0]
    assert "one of the parties" not in found["explanation"]


def test_a_listed_party_after_c_o_is_found_behind_a_long_name_and_never_a_match() -> None:
    # Read as one name, a forwarder's long name weighed the listed party down to nothing.
    found = Matcher(exposure.load().listed).match(
        [
            "ABC International Freight Forwarding Co., Ltd. c/o Sense Time",
            "ABC International Freight Forwarding Co., Ltd. c/o Sensetime Group Limited",
        ]
    )
    assert found["listed"].tolist() == ["Sense Time", "Sense Time"]
    assert found["outcome"].tolist() == ["possible", "possible"]
    assert found["method"].tolist() == ["fuzzy", "fuzzy"]


def test_russias_state_corporations_are_found_by_their_russian_names() -> None:
    """Russian "Госкорпорация" (state corporation) is a legal form; "Ростех" sounds as "Rostec"."""
    found = Matcher(one_list("STATE CORPORATION ROSTEC")).match(
        ["Госкорпорация Ростех", "Государственная корпорация Ростех", "Rostec"]
    )
    assert found["outcome"].tolist() == ["possible", "possible", "match"]
    assert "sound alike" in found["explanation"][0]


def test_a_sale_to_a_name_in_two_scripts_is_exposure(make_data: MakeData) -> None:
    folder = make_data(
        [listing("Hikvision", alt_names="海康威视", country="CN")],
        [sale("Maker", "海康威视 Hikvision", customer_country="CN")],
    )
    result = exposure.analyze(exposure.load(folder), as_of="2020-01-01")
    assert result.supplier("Maker")["listed_buyers"] == ["Hikvision"]


@pytest.mark.parametrize(("query", "listed_as"), [
    ("SiemensAG", "Siemens AG"),  # a legal form written onto the name
    ("ALPHATECHS.A.", "Alphatech S.A."),  # ... in capitals: dotted, or one no word ends in
    ("NORDSTRANDGMBH", "Nordstrand GmbH"),
    # "S.A." is a legal form, but not the end of "U.S.A.".
    ("Borealis Trading of the U.S.A.", "Borealis Trading of the United States"),
    ("Acme Mfg Co", "Acme Manufacturing Co"),  # abbreviations written out
    ("Borealis Int'l Trading", "Borealis International Trading"),
    # "Ops" is rigour's Czech form "o.p.s." undotted, but here the abbreviation of a word.
    ("GM Global Technology Operations LLC", "GM GLOBAL TECH OPS"),
    # The Dutch N.V. written out in its spelling before 1947.
    ("Canon Europa N.V.", "CANON EUROPA NV NAAMLOOZE VENNOOTSCHAP"),
    # India's and Pakistan's private limited company, as a CSL entry writes it.
    ("LT Engineering and Trade Services Ltd.", "LT Engineering and Trade Services (Pvt) Ltd."),
    # "M/S" and "Messrs", as trade papers address a firm.
    ("M/S Hangzhou Hikvision Digital Technology Co Ltd",
     "Hangzhou Hikvision Digital Technology Co., Ltd."),
    ("MESSRS. HUAWEI TECHNOLOGIES CO., LTD.", "Huawei Technologies Co., Ltd."),
    # A whole name run together, "Co., Ltd." and a leading place with it.
    ("HUAWEITECHNOLOGIESCO.,LTD.", "Huawei Technologies Co., Ltd."),
    ("XIAMENMEIYAPICOINFORMATIONCO.LTD.", "Xiamen Meiya Pico Information Co. Ltd."),
    ("XIANAIRCRAFTINDUSTRIALCOMPANYLIMITED", "Xian Aircraft Industrial Company Limited"),
    ("PUBLICJOINTSTOCKCOMPANYRUSHYDRO", "Public Joint Stock Company RusHydro"),
    # "China" after the city an address ends with.
    ("Sense Time Shenzhen P.R. China", "Sense Time"),
])  # fmt: skip
def test_glued_legal_forms_and_abbreviations_match(query: str, listed_as: str) -> None:
    listed = pd.DataFrame(
        {"name": [listed_as], "alt_names": [""], "country": [""], "list": ["Entity List"]}
    )
    row = Matcher(listed).match([query]).iloc[0]
    assert (row["outcome"], row["score"]) == ("match", 100.0)


def test_a_typo_mid_word_is_found_among_many_names_sharing_its_ends() -> None:
    # Sixty listed words start "viz" and sixty end "aya": too many to find candidates by their
    # first or last letters, so only the word with a letter left out finds "Viscaya".
    fillers = [f"Viz{a}{b}ro Trading" for a in "abdeghiklmnoprtu" for b in "aeiu"][:60]
    fillers += [f"Ko{a}{b}aya Trading" for a in "abdeghiklmnoprtu" for b in "aeiu"][:60]
    listed = pd.DataFrame(
        {
            "name": [*fillers, "Viscaya Ltda."],
            "alt_names": "",
            "country": "",
            "list": "Entity List",
        }
    )
    row = Matcher(listed).match(["Vizcaya Ltda."]).iloc[0]
    assert (row["listed"], row["outcome"]) == ("Viscaya Ltda.", "possible")


@pytest.mark.parametrize(
    ("query", "listed_as"),
    [
        ("Transneftmetrologiya", "Transneft-Metrologiya, AO"),
        ("Aero-Caribbean Airline", "Aerocaribbean Airlines"),
    ],
)
def test_a_word_written_together_or_apart_matches(query: str, listed_as: str) -> None:
    listed = pd.DataFrame(
        {"name": [listed_as, "Aero Systems Ltd"], "alt_names": "", "country": "", "list": "EL"}
    )
    row = Matcher(listed).match([query]).iloc[0]
    assert (row["listed"], row["outcome"]) == (listed_as, "match")


@pytest.mark.parametrize(
    ("query", "listed_as"),
    [
        ("HUNTER DOUGLAS INDUSTRIES B.V.", "HUNTERDOUGLASINDUSTRIESB.V."),
        ("HUNTERDOUGLASINDUSTRIESB.V.", "Hunter Douglas Industries"),
    ],
)
def test_a_whole_name_written_as_one_word_matches(query: str, listed_as: str) -> None:
    # Run together, "industries" is no longer told apart as a descriptor, and "hunter" is known
    # from another listed name, so neither the distinctive words nor a word's first letters
    # find the name: its letters, in order, do.
    listed = pd.DataFrame(
        {
            "name": ["HUNTER DOUGLAS IND BV", listed_as],
            "alt_names": "",
            "country": "",
            "list": "EL",
        }
    )
    found = Matcher(listed).match([query], limit=3, explain="all")
    row = found[found["listed"] == listed_as].iloc[0]
    assert (row["outcome"], row["score"]) == ("match", 100.0)
    assert "the same letters, written apart or together" in row["explanation"]


def test_an_airline_is_named_by_its_own_words_not_by_airlines_or_airways() -> None:
    # Read with "airlines" as a distinctive word, "Mahan Airlines" was nearer "Sahand Airlines"
    # (88.9) than the listed "MAHAN AIRWAYS" (72, no match): the wrong entity to review.
    listed = pd.DataFrame(
        {
            "name": ["Sahand Airlines", "MAHAN AIRWAYS", "Yangon Airways", "Butembo Airlines"],
            "alt_names": "",
            "country": "",
            "list": "EL",
        }
    )
    found = Matcher(listed).match(["Mahan Airlines", "Air Butembo"], limit=2)
    assert found.groupby("name", sort=False)["listed"].first().tolist() == [
        "MAHAN AIRWAYS",
        "Butembo Airlines",
    ]
    assert set(found["outcome"][found["rank"] == 0]) == {"possible"}
    assert "Sahand Airlines" not in found["listed"][found["outcome"] != "none"].tolist()


def test_spanish_descriptors_and_small_words_read_as_the_lists_translate_them() -> None:
    # "Comercializadora" (a trading company) carried invented names to listed Mexican
    # companies; "del" kept "Cartel del Golfo" below review against the listed "Gulf Cartel".
    listed = one_list(
        "COMERCIALIZADORA JALSIN, S.A. DE C.V.", "GULF CARTEL", "Indo Internacional, S.A."
    )
    found = Matcher(listed).match(["Comercializadora Páez S.A.", "CARTEL DEL GOLFO", "INDO INTL."])
    assert found["outcome"].tolist() == ["none", "possible", "match"]
    assert found["listed"].tolist()[1:] == ["GULF CARTEL", "Indo Internacional, S.A."]


def test_a_region_in_a_name_is_a_descriptor_not_its_distinctive_word() -> None:
    # "Europe" held the typo "faberlick" below a typo's floor (69.6, nothing to review).
    listed = one_list("FABERLIC EUROPE Sp. z o.o.", "Hikvision")
    found = Matcher(listed).match(["Faberlick", "Hikvision Asia Pacific Ltd"])
    assert found["listed"].tolist() == listed["name"].tolist()
    assert found["outcome"].tolist() == ["possible", "possible"]
    # A region alone carries nothing: two companies that share only it are no candidates.
    other = Matcher(one_list("Asia Pacific Faberlic Holdings")).match(["Asia Pacific Marvoten"])
    assert other["outcome"].tolist() == ["none"]


@pytest.mark.parametrize(("query", "listed_as"), [
    ("90 Eksperimentalny Zavod OAO", "90 Experimental Plant Open Joint Stock Company"),
    ("Kholding VTB Kapital ZAO", "VTB Capital Holdings CJSC"),
    ("Новосибирский механический завод", "Novosibirsk Mechanical Plant"),
    ("Mytishchinskiy Mashinostroitelnyy Zavod", "JSC Mytishchinski Machine-Building Plant"),
    ("Tsentralnyi Nauchno-Issledovatelskii Institut Tochmash",
     "Central Scientific Research Institute Tochmash"),
])  # fmt: skip
def test_russian_descriptors_transliterated_read_as_the_lists_translate_them(
    query: str, listed_as: str
) -> None:
    listed = one_list(listed_as, "Novosibirsk Chemical Plant", country="RU")
    found = Matcher(listed).match([query], limit=2, explain="all")
    assert found["outcome"].tolist()[0] == "match"
    assert found["listed"].tolist()[0] == listed_as
    assert "match" not in found["outcome"].tolist()[1:]


@pytest.mark.parametrize(("query", "listed_as"), [
    # Turkish customs records abbreviate "Sanayi ve Ticaret" (industry and trade).
    ("ABC ELEKTRONIK SAN. VE TIC. LTD. STI.", "ABC Elektronik Sanayi ve Ticaret Limited Şirketi"),
    ("Dagdanes Makina Sanayi ve Ticaret A.S.", "Dagdanes Machinery Industry and Trade Inc."),
    ("Azu Uluslararası Dış Ticaret Limited Şirketi",
     "Azu International Foreign Trade Limited Company"),
])  # fmt: skip
def test_turkish_descriptors_read_as_the_lists_translate_them(query: str, listed_as: str) -> None:
    listed = one_list(listed_as, "San Jose Trading Co.", country="TR")
    found = Matcher(listed).match([query], limit=2, explain="all")
    assert (found["listed"][0], found["outcome"][0]) == (listed_as, "match")
    assert found["outcome"].tolist()[1:] in ([], ["none"])


@pytest.mark.parametrize(("query", "listed_as"), [
    ("Beijing Kuangshi Keji Youxian Gongsi", "旷视科技"),
    ("Zhejiang Dahua Jishu Gufen Youxian Gongsi", "Zhejiang Dahua Technology Co., Ltd."),
])  # fmt: skip
def test_chinese_descriptors_in_pinyin_read_as_in_chinese_script(
    query: str, listed_as: str
) -> None:
    listed = pd.DataFrame(
        {"name": [listed_as], "alt_names": "", "country": "CN", "list": "Entity List"}
    )
    row = Matcher(listed).match([query]).iloc[0]
    assert (row["outcome"], row["score"]) == ("match", 100.0)


@pytest.mark.parametrize("written", [
    "HUAWEI TECHNOLOGIES CO LTD BANTIAN LONGGANG DISTRICT SHENZHEN 518129 CHINA",
    "Huawei Technologies Co., Ltd., No. 2 Bantian Road, Longgang District, Shenzhen",
    "HUAWEI TECHNOLOGIES 2 BANTIAN ROAD SHENZHEN",
])  # fmt: skip
def test_a_name_followed_by_its_address_is_compared_without_it(written: str) -> None:
    # Bills of lading write a party's name and address as one text: read whole, the address
    # weighed the name down below any outcome.
    found = Matcher(one_list("Huawei Technologies Co., Ltd.")).match([written]).iloc[0]
    assert (found["outcome"], found["score"]) == ("match", 100.0)
    assert found["explanation"].startswith("without the address after it")


def test_a_name_of_descriptors_alone_is_found_after_c_o_and_before_its_address() -> None:
    # "Aviation Industry Corporation of China" holds no distinctive word: as another spelling
    # of a name it was dropped, though a listed name is spelt so; and the legal form that ends
    # a name is the last before its address, not the first ("Corporation", then "Ltd.").
    listed = one_list("AVIATION INDUSTRY CORPORATION OF CHINA, LTD.", "Russian Agricultural Bank")
    found = Matcher(listed).match(
        [
            "ABC Freight Forwarding Ltd. c/o AVIATION INDUSTRY CORPORATION OF CHINA",
            "AVIATION INDUSTRY CORPORATION OF CHINA, LTD. NO. 18 INDUSTRIAL ROAD, SHENZHEN",
            "JOINT STOCK COMPANY RUSSIAN AGRICULTURAL BANK NO. 18 INDUSTRIAL ROAD, MOSCOW",
        ]
    )
    assert found["outcome"].tolist() == ["possible", "match", "match"]
    assert found["listed"].tolist()[2] == "Russian Agricultural Bank"


def test_a_name_cut_off_at_a_fields_width_is_a_possible() -> None:
    # Trade records cut a party's name at their field's width (35 characters in EDIFACT).
    listed = one_list(
        "Hetian Prefecture Public Security Bureau",
        "Kashgar Prefecture Public Security Bureau",
        "Baikal Trading LLC",
    )
    found = Matcher(listed).match(["HETIAN PREFECTURE PUBLIC SECURITY B", "Bai Trading"])
    assert found["listed"][0] == "Hetian Prefecture Public Security Bureau"
    assert found["outcome"].tolist() == ["possible", "none"]
    assert "the start of the listed spelling, cut off: at least 82" in found["explanation"][0]


def test_a_name_cut_off_after_a_legal_form_in_front_is_a_possible() -> None:
    # The form in front leaves too few of the name's own letters ("russianagricul") to tell a
    # cut: the letters as written, form and all, start the listed spelling's.
    listed = one_list(
        "JOINT STOCK COMPANY RUSSIAN AGRICULTURAL BANK",
        "Joint Stock Company Russian Railways",
        'ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ "БАЙКАЛ"',
    )
    found = Matcher(listed).match(
        ["Joint Stock Company Russian Agricul", 'ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ "БАЙ"']
    )
    assert found["listed"][0] == "JOINT STOCK COMPANY RUSSIAN AGRICULTURAL BANK"
    assert "cut off" in found["explanation"][0]
    # A name that closes its quotes was not cut: "Bai" is no "Baikal".
    assert found["outcome"].tolist() == ["possible", "none"]


def test_a_name_run_together_with_its_legal_forms_is_the_same_name() -> None:
    listed = one_list(
        "China Mobile Communications Group Co., Ltd.", "Maipu Communication Co Ltd", "BM BANK JSC"
    )
    found = Matcher(listed).match(["CHINAMOBILECOMMUNICATIONSGROUPCO.,LTD.", "BMBANKJSC"])
    assert found["listed"].tolist() == [
        "China Mobile Communications Group Co., Ltd.",
        "BM BANK JSC",
    ]
    assert found["outcome"].tolist() == ["match", "match"]
    assert found["explanation"].str.contains("the same letters, written apart or together").all()


def test_a_name_cut_off_inside_its_legal_form_is_compared_without_it() -> None:
    listed = one_list("China South Industries Group Corporation", "Acme Trading Co")
    found = Matcher(listed).match(["China South Industries Group Corpor"]).iloc[0]
    assert (found["listed"], found["outcome"]) == (
        "China South Industries Group Corporation",
        "match",
    )
    assert found["explanation"].startswith("cut off in its legal form")


def test_a_number_in_a_name_is_no_address() -> None:
    listed = pd.DataFrame(
        {
            "name": [
                "China Electronics Technology Group Corporation",
                "China Electronics Technology Group Corporation 14th Research Institute",
            ],
            "alt_names": "",
            "country": "CN",
            "list": "Entity List",
        }
    )
    found = Matcher(listed).match(
        ["China Electronics Technology Group Corporation 14th Research Institute"], limit=2
    )
    assert found["listed"][0].endswith("14th Research Institute")
    assert found["outcome"].tolist().count("match") == 1


def test_a_sale_to_a_name_with_its_address_is_exposure(make_data: MakeData) -> None:
    folder = make_data(
        [listing("Huawei Technologies Co., Ltd.", country="CN")],
        [sale("Maker", "HUAWEI TECHNOLOGIES CO LTD BANTIAN LONGGANG DISTRICT SHENZHEN 518129")],
    )
    result = exposure.analyze(exposure.load(folder), as_of="2020-01-01")
    assert result.supplier("Maker")["listed_buyers"] == ["Huawei Technologies Co., Ltd."]


@pytest.mark.parametrize(("query", "listed_as"), [
    ("Ucuzler Lojixtik Ltd. Sti.", "Ucuzler Lojistik Ltd. Sti."),
    ("Izhevsky Mekhanxchesky Zavod JSC", "Izhevsky Mekhanichesky Zavod JSC"),
])  # fmt: skip
def test_a_typo_in_a_descriptor_read_in_english_is_still_found(query: str, listed_as: str) -> None:
    # The listed descriptor is read in English ("logistics"): its typo must be too.
    row = Matcher(one_list(listed_as)).match([query]).iloc[0]
    assert (row["listed"], row["outcome"]) == (listed_as, "match")


def test_two_neighbouring_letters_swapped_in_a_short_rare_word_is_a_possible() -> None:
    listed = one_list("AL-NASER AIRLINES", "HSBC", "Beijing Ander Tech. Co., Ltd.")
    found = Matcher(listed).match(["AL-NSAER AIRLINES", "HSCB", "Andre"])
    assert found["listed"].tolist()[:2] == ["AL-NASER AIRLINES", "HSBC"]
    assert found["outcome"].tolist() == ["possible", "possible", "none"]


def test_run_together_words_count_only_where_spacing_is_all_that_differs() -> None:
    # Run together, the two names share a long first word, which says little.
    listed = pd.DataFrame(
        {
            "name": ["Comercializadora Amia, S.A. de C.V."],
            "alt_names": "",
            "country": "",
            "list": "EL",
        }
    )
    found = Matcher(listed).match(["Comercializadora Española S.A.T."]).iloc[0]
    assert found["outcome"] == "none"


def test_a_prepared_list_answers_as_a_fresh_one_and_a_changed_list_is_prepared_again() -> None:
    listed = pd.DataFrame(
        {"name": ["Hikvision", "Dahua Technology"], "alt_names": ["", ""],
         "country": ["CN", "CN"], "list": ["Entity List", "Entity List"]}
    )  # fmt: skip
    names = ["Hikvison", "Dahua Technolgy Co", "Acme Corp"]
    first = Matcher(listed).match(names)
    again = Matcher(listed.copy()).match(names)
    pd.testing.assert_frame_equal(first, again)
    # The same names, another alias: the new spelling is found, not the old list's answer.
    changed = listed.assign(alt_names=["", "Acme Corporation"])
    assert Matcher(changed).match(names).loc[2, "outcome"] == "match"
    # Another country changes the evidence, so the list is prepared again.
    moved = listed.assign(country=["US", "CN"])
    found = Matcher(moved).match(["Hikvison"], ["CN"]).iloc[0]
    assert found["score"] < first.iloc[0]["score"]
    # Thresholds and decisions belong to each matcher, not to the prepared list.
    strict = Matcher(listed, match_threshold=99.0, possible_threshold=98.0).match(names)
    assert strict.loc[0, "outcome"] == "none" != first.loc[0, "outcome"]


def one_list(*names: str, country: str = "") -> pd.DataFrame:
    return pd.DataFrame(
        {"name": list(names), "alt_names": "", "country": country, "list": "Entity List"}
    )


def test_a_name_written_as_an_acronym_is_a_possible_match_never_a_confident_one() -> None:
    listed = one_list(
        "China Railway Construction Corporation Limited", "People's Liberation Army", country="CN"
    )
    found = Matcher(listed).match(
        ["CRCC", "C.R.C.C.", "PLA", "Crcc Trading", "CRCC"], ["CN", "", "", "", "US"]
    )
    assert found["outcome"].tolist() == ["possible", "possible", "possible", "none", "none"]
    assert "initials" in str(found.loc[0, "explanation"])
    # Evidence against still counts: another country takes the acronym below review.
    assert "countries differ" in str(found.loc[4, "explanation"])


def test_an_acronym_with_its_country_is_still_an_acronym() -> None:
    listed = one_list("People's Liberation Army", "China Aerospace Corporation", country="CN")
    found = Matcher(listed).match(["PLA China"]).iloc[0]
    assert (found["listed"], found["outcome"]) == ("People's Liberation Army", "possible")
    assert "initials" in found["explanation"]


def test_a_name_written_out_is_a_possible_match_of_a_listed_acronym() -> None:
    listed = one_list("IBM CORP.", "SMIC", "CPP", "Amazon Web Services")
    found = Matcher(listed).match(
        ["International Business Machines Corporation",
         "Semiconductor Manufacturing International Corporation",
         "Cerutti, Pavarotti e Piccio Group",  # surnames' initials meet acronyms by chance
         "International Business Machines", "International Bank of Moldova"]
    )  # fmt: skip
    assert found["listed"].fillna("").tolist()[:2] == ["IBM CORP.", "SMIC"]
    assert found["outcome"].tolist() == ["possible", "possible", "none", "possible", "none"]
    assert "initials" in str(found.loc[0, "explanation"])


def test_names_that_sound_alike_word_for_word_are_possible_matches() -> None:
    # Transliterated back from Russian: spelt apart, sounding alike, "electronics" generic.
    listed = one_list(
        "KONINKLEJKE FILIPS EHLEKTRONIKS N.V.",
        "Philips",
        "COSTAR GROUP CO., LTD.",
        "BRENT DELL",
    )
    found = Matcher(listed).match(
        ["Koninklijke Philips Electronics N.V.", "Filips GmbH", "Kaster AG", "Burnett LLC"]
    )
    assert found["outcome"].tolist() == ["possible", "possible", "none", "none"]
    filips = Matcher(listed).match(["Filips GmbH"], limit=2).set_index("listed")
    assert filips.loc["Philips", "outcome"] == "possible"
    assert "sound alike" in str(filips.loc["Philips", "explanation"])


def test_a_capitalised_word_is_an_acronym_but_an_ordinary_word_is_not() -> None:
    listed = one_list("Bayerische Motoren Werke AG", "Applied Photonics Planning Lab Enterprises")
    found = Matcher(listed).match(["BMW AG", "Apple Inc", "APPLE INC"])
    assert found["outcome"].tolist() == ["possible", "none", "none"]


def test_two_names_that_name_different_countries_are_not_one_body() -> None:
    listed = one_list("Industrial and Commercial Bank of China Limited", "Government of Ethiopia")
    found = Matcher(listed).match(
        ["Industrial and Commercial Bank of Chad Limited", "Government of Estonia",
         "Industrial & Commercial Bank of China Ltd"]
    )  # fmt: skip
    assert found["outcome"].tolist() == ["none", "none", "match"]
    assert "countries named differ (td vs cn)" in str(found.loc[0, "explanation"])


def test_america_is_a_country_and_latin_america_is_not() -> None:
    listed = one_list("Bank of America Corporation", "Latin America Growth Fund")
    found = Matcher(listed).match(
        ["Bank of Armenia Corporation", "Bank of America Corp.", "Latin America Growth Fund Ltd"]
    )
    assert found["outcome"].tolist() == ["none", "match", "match"]
    assert "countries named differ (am vs us)" in str(found.loc[0, "explanation"])


def test_names_of_different_compass_points_are_two_bodies() -> None:
    listed = one_list("Bank of the East", "North Sea Petroleum", "Southwest Airlines Co")
    found = Matcher(listed).match(
        ["Bank of the West", "South Sea Petroleum", "Southeast Airlines", "Bank of the East Ltd"]
    )
    assert found["outcome"].tolist() == ["none", "none", "possible", "match"]
    assert "compass points differ: -25" in str(found.loc[0, "explanation"])
    # One point shared ("south"): not two parts of a place for sure, but never a confident match.
    assert found.loc[2, "score"] == LEVEL_CAP
    assert "compass points differ in part" in str(found.loc[2, "explanation"])


def test_a_number_in_one_name_only_turns_a_match_into_one_to_review() -> None:
    listed = one_list("Bowne Global Solutions II, Inc.", "Brigade 44")
    found = Matcher(listed).match(["Bowne Global Solutions, Inc.", "Brigade Forty-Four"])
    assert found["outcome"].tolist() == ["possible", "match"]
    assert "a number in one name only" in str(found.loc[0, "explanation"])


def test_a_digit_between_letters_is_a_letter_misread_not_a_number() -> None:
    listed = one_list("Hikvision", "Level 3 Communications")
    found = Matcher(listed).match(["H1kvision", "Level 4 Communications"])
    assert found["outcome"].tolist() == ["possible", "none"]
    assert "number" not in str(found.loc[0, "explanation"])
    assert "numbers differ" in str(found.loc[1, "explanation"])


def test_a_country_shared_is_not_a_body_shared() -> None:
    # An airline named for its country is no party named for the same country.
    listed = one_list("Islamic Movement of Uzbekistan", "VTB Bank Azerbaijan", "Huawei")
    found = Matcher(listed).match(["Uzbekistan Airways", "Azerbaijan Airlines", "Huawei Device"])
    assert found["outcome"].tolist() == ["none", "none", "possible"]


def test_common_abbreviations_are_written_out() -> None:
    listed = one_list(
        "United States Department of State", "Progressive Community Center",
        "China Electronics Technology Group Corporation", "Sichuan University",
        "Guangzhou Haige Communications Group Incorporated Company",
    )  # fmt: skip
    found = Matcher(listed).match(
        ["U.S. Department of State", "Progressive Community Ctr", "China Elec. Tech. Grp. Corp.",
         "Sichuan Univ.", "GUANGZHOU HAIGE COMM GRP"]
    )  # fmt: skip
    assert found["listed"].tolist() == listed["name"].tolist()
    # "Grp." is the legal form "Group"; written out before a leading place is told apart.
    assert found["outcome"].tolist() == ["match"] * 5


def test_a_typo_on_the_listed_side_is_found_though_the_name_is_spelt_right() -> None:
    # "America" is a word of the list (another entity), so the name looks spelt right; the
    # listed "Amerika" must still be found. "Corkery" and "Xorkery" sort apart from "Torphy".
    listed = one_list("Bank of Amerika", "America Movil Trading", "Torphy-Xorkery", "Gasprom JSC")
    found = Matcher(listed).match(["Bank of America", "Torphy Corkery", "OAO Gazprom"])
    assert found["listed"].tolist() == ["Bank of Amerika", "Torphy-Xorkery", "Gasprom JSC"]
    assert (found["outcome"] != "none").all()


def test_a_company_name_is_never_an_individual_vessel_or_aircraft() -> None:
    listed = pd.DataFrame(
        {
            "name": ["Parviz Khaki", "Martin Shipping Co"],
            "alt_names": ["Martin", ""],
            "country": "",
            "list": "Entity List",
            "kind": ["individual", "company"],
        }
    )
    found = Matcher(listed).match(["Martin PLC", "Martin", "Khaki Ltd", "Parviz Khaki"], limit=5)
    answers: dict[str, set[str]] = {}
    for name, listed_as in zip(found["name"], found["listed"].fillna(""), strict=True):
        answers.setdefault(name, set()).add(listed_as)
    # A name with a legal form is an organisation's: not the individual, by key or by score.
    assert "Parviz Khaki" not in answers["Martin PLC"] | answers["Khaki Ltd"]
    assert "Parviz Khaki" in answers["Martin"] & answers["Parviz Khaki"]


def test_an_acronym_the_list_gives_in_brackets_is_a_possible_match() -> None:
    listed = one_list("Naftiran Intertrade Co. (NICO) Limited", "Huawei Technologies (DONGGUAN)")
    found = Matcher(listed).match(["NICO", "DONGGUAN"])
    assert found["outcome"].tolist() == ["possible", "none"]
    assert found.loc[0, "listed"] == "Naftiran Intertrade Co. (NICO) Limited"


@pytest.mark.parametrize(("query", "listed_as"), [
    ("トヨタ自動車株式会社", "Toyota Motor Corporation"),  # Japanese form dropped, 自動車 = motor
    ("삼성전자주식회사", "Samsung Electronics Co., Ltd."),  # Korean form dropped, 전자 = electronics
    ("阿里巴巴集团控股有限公司", "Alibaba Group Holding Limited"),  # 集团 (group) parts the words
    ("Łoś spółka z o.o", "Łoś"),  # a dotted legal form without its last dot
    ("Amazon.com Inc", "Amazon"),  # a web domain's ending
    ("AVIATRANS ESTABLISHMENT", "AVIATRANS ANSTALT"),  # Liechtenstein's Anstalt, in English
])  # fmt: skip
def test_legal_forms_and_descriptors_of_other_scripts_and_spellings(
    query: str, listed_as: str
) -> None:
    listed = one_list(listed_as, "Toyo Trading", "Samson Ltd", "Alibi Holding", "Amazonas SA")
    row = Matcher(listed).match([query]).iloc[0]
    assert (row["listed"], row["outcome"]) in ((listed_as, "match"), (listed_as, "possible"))


def test_names_matched_on_several_cores_get_the_same_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import exposure.entities.matcher as matcher_module

    table = pd.read_csv(PAIRS, dtype=str, keep_default_na=False)
    listed = pd.DataFrame(
        {
            "name": table["listed"],
            "alt_names": table["listed_alt_names"],
            "country": table["listed_country"],
            "list": "Entity List",
        }
    ).drop_duplicates("name")
    names = table["name"].tolist() * 3
    countries = table["country"].tolist() * 3
    matcher = Matcher(listed)
    in_one_go = matcher.match(names, countries, limit=2)
    # Small chunks, spread over the cores (forked processes on Linux with two cores or more).
    monkeypatch.setattr(matcher_module, "_CHUNK", 7)
    monkeypatch.setattr(matcher_module, "_PARALLEL_FROM", 1)
    monkeypatch.setattr(matcher_module, "available_cores", lambda: 3)
    in_chunks = matcher.match(names, countries, limit=2)
    pd.testing.assert_frame_equal(in_chunks, in_one_go)
    assert set(in_one_go["outcome"]) >= {"match", "possible", "none"}


def test_a_company_named_for_hong_kong_or_macau_is_a_subsidiary_to_review() -> None:
    # Each region keeps a registry of its own: "Hikvision Hong Kong" is no listed Hikvision
    # (a mainland company), but a subsidiary or branch to review; mainland places are set aside.
    listed = pd.DataFrame(
        {
            "name": ["Hikvision", "XYZ Trading Limited", "Huawei Technologies Co., Ltd."],
            "alt_names": [""] * 3,
            "country": ["CN", "HK", "CN"],
            "list": ["Entity List"] * 3,
        }
    )
    found = Matcher(listed).match(
        ["Hikvision Hong Kong Limited", "Hikvision (HK) Ltd", "华为技术（香港）有限公司",
         "Hangzhou Hikvision", "XYZ Trading (Hong Kong) Ltd", "Hikvision Limited (Hong Kong)",
         "Hangzhou Hikvision (Hong Kong) Ltd"],
    )  # fmt: skip
    assert found["outcome"].tolist() == [
        "possible", "possible", "possible", "match", "match", "possible", "possible"
    ]  # fmt: skip
    assert "a company of Hong Kong by its name, the listed one's name gives no such region" in (
        str(found.loc[0, "explanation"])
    )


def test_chinese_names_of_china_s_state_groups_are_their_listed_english_names() -> None:
    # 中国 is "China" in every English name of a 中国... body; 电信, 移动, 联通, 交通 and
    # 航天科技 are translated as the groups write them. Read as pinyin ("zhongguo dianxin")
    # none of these was even a candidate.
    listed = one_list(
        "China Telecom Corporation Limited",
        "China Mobile Limited",
        "China Unicom Limited",
        "China Aerospace Science and Technology Corporation",
        "China Electronics Technology Group Corporation",
        "China Communications Construction Company Limited",
        "China Shipbuilding Industry Company Limited",
        "National University of Defense Technology",
        country="CN",
    )
    names = [
        "中国电信股份有限公司",
        "中国移动有限公司",
        "中国联通",
        "中国航天科技集团有限公司",
        "中国电子科技集团有限公司",
        "中国交通建设股份有限公司",
        "中国船舶重工集团",
        "国防科技大学",
    ]
    found = Matcher(listed).match(names, ["CN"] * len(names))
    assert found["outcome"].tolist() == ["match"] * len(names)
    assert found["listed"].tolist() == listed["name"].tolist()


def test_a_name_giving_the_listed_company_s_own_country_is_not_against_it() -> None:
    # Shipped to the US, "Dahua Technology (China)" names China, where Dahua is listed: the name
    # says which company, the country where the goods go. It was "none" for countries differing.
    listed = exposure.load().listed
    found = Matcher(listed).match(
        ["Dahua Technology (China)", "Hikvision (China) Co Ltd"], countries=["US", "US"]
    )
    assert found["outcome"].tolist() == ["match", "possible"]
    assert not found["explanation"].str.contains("countries differ").any()
