"""The bundled data: what the public record says, as the analysis reads it."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

import exposure
from exposure.cli import cli
from exposure.entities.screen import screen
from exposure.names import BUNDLED_PINYIN
from exposure.read.dataset import bundled_data_dir, read_listed, read_suppliers

LISTED = read_listed(bundled_data_dir() / "listed.csv")
SUPPLIERS = read_suppliers(bundled_data_dir() / "suppliers.csv")
#: A date in a source: ISO (2019-10-09), or the year and month of an undated note (2019-10).
DATED = re.compile(r"\b(?:19|20)\d\d-\d\d\b|\b\d{3}_[0-9a-f]{16}\.txt\b")


def rows_of(notice: str) -> pd.DataFrame:
    return LISTED[LISTED["federal_register_notice"] == notice]


def test_every_row_cites_a_dated_source() -> None:
    for table in (LISTED, SUPPLIERS):
        undated = table.loc[~table["source"].str.contains(DATED), "source"]
        assert undated.empty, undated.tolist()


def test_the_rule_of_2019_10_09_lists_all_its_28_entities() -> None:
    rule = rows_of("84 FR 54002")
    assert len(rule) == 28
    assert rule["kind"].value_counts().to_dict() == {"government": 19, "company": 8, "academic": 1}
    assert set(rule["start_date"].dt.date.astype(str)) == {"2019-10-09"}
    assert rule["license_policy"].str.startswith("Case-by-case review for ECCNs 1A004.c").all()
    # BIS's spelling of 2019 is the name; the eCFR's later one an alias.
    bureau = rule[rule["name"].str.startswith("Xinjiang Uighur Autonomous Region")].iloc[0]
    assert "Xinjiang Uyghur Autonomous Region (XUAR)" in bureau["alt_names"]


def test_huawei_and_its_affiliates_are_listed_from_the_day_the_rules_took_effect() -> None:
    may, august = rows_of("84 FR 22961"), rows_of("84 FR 43493")
    assert (len(may), len(august)) == (69, 26)
    assert set(may["start_date"].dt.date.astype(str)) == {"2019-05-16"}
    assert set(august["start_date"].dt.date.astype(str)) == {"2019-08-19"}
    for rows in (may, august):
        assert (rows["license_requirement"] != "").all()
        assert rows["license_policy"].str.startswith("Presumption of denial.").all()
        assert rows["license_policy"].str.contains("Temporary General License").all()
    names = set(may["name"])
    assert {
        "HiSilicon Technologies Co., Ltd",
        "Gui'an New District Huawei Investment Co., Ltd.",
    } <= (names)


def test_five_surveillance_companies_carry_footnote_4_from_the_day_its_rule_took_effect(
    tmp_path: Path,
) -> None:
    # The eCFR marks them with footnote 4, citing 87 FR 62202: each a row of its own, in force
    # from 2022-10-21, when 87 FR 62186's instructions on the Entity List took effect.
    rows = rows_of("87 FR 62186")
    assert sorted(rows["name"]) == [
        "Dahua Technology", "IFLYTEK", "Megvii Technology", "Sense Time", "Yitu Technologies",
    ]  # fmt: skip
    assert set(rows["footnote"]) == {"4"}
    assert set(rows["start_date"].dt.date.astype(str)) == {"2022-10-21"}
    # A Taiwanese direct product of US technology with little US content is reached from then.
    shutil.copy(bundled_data_dir() / "listed.csv", tmp_path / "listed.csv")
    (tmp_path / "suppliers.csv").write_text(
        "supplier,customer,product,supplier_country,origin,us_content,us_technology,source\n"
        "Foundry,Dahua Technology,chips,TW,TW,0.05,yes,a test (2022-10-21)\n",
        encoding="utf-8",
    )
    data = exposure.load(tmp_path)
    before = exposure.analyze(data, as_of="2022-10-20").supplier("Foundry")
    assert not before["exposed"]
    assert "de minimis" in before["sales_not_reached"][0]["basis"]
    after = exposure.analyze(data, as_of="2022-10-21").supplier("Foundry")
    (path,) = after["paths"]
    assert path["subject_to_ear"] == "yes"
    assert "footnote 4 designation of Dahua Technology (15 CFR 734.9(e)(2)" in str(
        path["subject_basis"]
    )


def test_an_affiliate_moved_into_huaweis_entry_is_found_as_itself() -> None:
    # 84 FR 43493 moved three affiliates listed in May 2019 into Huawei's entry: their aliases
    # are theirs, so a customer so named is the affiliate, listed from 2019-05-16, not a
    # possible match of Huawei by a short alias.
    may = rows_of("84 FR 22961")
    aliases = dict(zip(may["name"], may["alt_names"], strict=True))
    assert "Huawei Marine" not in aliases["Huawei Technologies Co., Ltd."].split(";")
    names = [
        "Huawei Marine Networks Co., Ltd.",
        "Beijing Huawei Longshine Information Technology Co., Ltd.",
        "Shenzhen Huawei Anjiexin Electricity Co., Ltd.",
    ]
    found = screen([*names, "Huawei Marine"], LISTED, as_of=dt.date(2019, 5, 16))
    assert found["listed"].tolist() == [*names, "Huawei Marine Networks Co., Ltd."]
    assert set(found["outcome"]) == {"match"}
    assert set(found["federal_register_notice"]) == {"84 FR 22961"}
    before = screen(names, LISTED, as_of=dt.date(2019, 5, 15))
    assert set(before["outcome"]) == {"none"}


def test_holding_companies_and_bare_brands_are_no_aliases_the_list_does_not_give() -> None:
    rule = rows_of("84 FR 54002")
    aliases = dict(zip(rule["name"], rule["alt_names"], strict=True))
    # The holding companies and bare brands are not what the listings name; the listed name
    # written in Chinese characters, as the company's filings write it, is.
    assert "SenseTime Group" not in aliases["Sense Time"]
    assert aliases["Megvii Technology"] == "旷视科技"
    assert aliases["Yitu Technologies"] == ""
    assert aliases["Dahua Technology"] == "Zhejiang Dahua Technology"
    # A customer written with the bare brand is a possible match for review, not a link.
    found = screen(["Dahua", "Megvii", "Zhejiang Dahua Technology Co., Ltd."], LISTED)
    assert found["outcome"].tolist() == ["possible", "possible", "match"]
    assert found["listed"].tolist() == ["Dahua Technology", "Megvii Technology", "Dahua Technology"]


def test_the_listed_companies_are_found_under_their_chinese_names() -> None:
    names = {
        "海康威视": "Hikvision",
        "杭州海康威视数字技术股份有限公司": "Hikvision",
        "科大讯飞": "IFLYTEK",
        "厦门市美亚柏科信息股份有限公司": "Xiamen Meiya Pico Information Co. Ltd.",
        "北京市商汤科技开发有限公司": "Sense Time",
        "浙江大华技术股份有限公司": "Dahua Technology",
        "旷视科技": "Megvii Technology",
        "新疆维吾尔自治区公安厅": (
            "Xinjiang Uighur Autonomous Region (XUAR) People's Government Public Security Bureau"
        ),
        "新疆生产建设兵团公安局": (
            "Xinjiang Production and Construction Corps (XPCC) Public Security Bureau"
        ),
    }
    found = screen(list(names), LISTED, as_of=dt.date(2019, 10, 9))
    assert found["listed"].tolist() == list(names.values())
    assert set(found["outcome"]) == {"match"}
    # The bare brand is a possible match for review, as "Megvii" is.
    assert screen(["旷视"], LISTED, as_of=dt.date(2019, 10, 9))["outcome"].tolist() == ["possible"]


def test_the_report_before_the_xinjiang_rule_shows_huaweis_suppliers_disclosed_shares() -> None:
    result = exposure.analyze(exposure.load(), as_of="2019-06-01")
    table = result.suppliers.set_index("supplier")
    disclosed = {"NeoPhotonics": 0.49, "Lumentum": 0.18, "Qorvo": 0.15, "Skyworks": 0.12}
    for supplier, share in disclosed.items():
        assert table.loc[supplier, "revenue_at_risk"] == share
        assert table.loc[supplier, "share_basis"] == "disclosed"
    assert not table.loc["Ambarella", "exposed"]  # Hikvision is listed only from 2019-10-09
    # HiSilicon is itself listed: its sales make it a listed seller, not a company that reaches one.
    assert result.listed[result.code("HiSilicon")]


def test_a_share_is_shown_with_the_period_it_was_measured_over() -> None:
    done = CliRunner().invoke(cli, ["report", "--supplier", "Qorvo", "--as-of", "2019-06-01"])
    assert done.exit_code == 0
    assert "share of revenue 15.0% (fiscal year ended 2019-03-30)" in done.stdout
    done = CliRunner().invoke(
        cli, ["report", "--supplier", "Qorvo", "--as-of", "2019-06-01", "--format", "json"]
    )
    (record,) = json.loads(done.stdout)
    assert record["paths"][0]["hops"][0]["share_period"] == "fiscal year ended 2019-03-30"


def test_china_wide_figures_are_an_analysts_estimates_not_shares_of_sales_to_hikvision() -> None:
    hard_drives = SUPPLIERS[
        (SUPPLIERS["product"] == "hard drives") & (SUPPLIERS["customer"] == "Hikvision")
    ]
    assert set(hard_drives["supplier"]) == {"Seagate", "Western Digital"}
    assert hard_drives["revenue_share"].isna().all()
    assert hard_drives["source"].str.contains("estimate by Kevin Cassidy").all()


# The texts in Chinese characters a report and screening on the bundled data transliterate,
# each with what pypinyin reads: printed as JSON by a fresh process, whose caches are empty.
_TRANSLITERATED = """
import json, sys
import exposure.names as names
from pypinyin import lazy_pinyin
read = {}
names._bundled_pinyin = lambda: {}
def recorded(text):
    read[text] = " ".join(lazy_pinyin(text))
    return read[text]
names._pinyin = recorded
import exposure
from exposure.entities.screen import screen
data = exposure.load()
exposure.analyze(data).records()
screen(["Acme"], data.listed)
print(json.dumps(read, ensure_ascii=False, sort_keys=True))
"""


def test_the_bundled_chinese_names_are_read_without_loading_pypinyin() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _TRANSLITERATED], capture_output=True, text=True, check=True
    )
    needed = json.loads(done.stdout)
    assert needed, "the bundled list holds names in Chinese characters"
    if os.environ.get("EXPOSURE_WRITE_GOLDEN") == "1":
        text = json.dumps(needed, ensure_ascii=False, indent=1, sort_keys=True)
        BUNDLED_PINYIN.write_text(text + "\n", encoding="utf-8")
    # Each as pypinyin reads it: run with EXPOSURE_WRITE_GOLDEN=1 after changing listed.csv.
    assert json.loads(BUNDLED_PINYIN.read_text(encoding="utf-8")) == needed
    done = subprocess.run(
        [sys.executable, "-c", _REPORT_LOADS_PYPINYIN], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "False"


_REPORT_LOADS_PYPINYIN = """
import sys
from exposure.cli import main
sys.argv = ["exposure", "report", "--supplier", "Ambarella"]
try:
    main()
except SystemExit:
    pass
print("pypinyin" in sys.modules)
"""
