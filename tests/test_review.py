"""Possible matches of listed entities: shown in every view as needing review, never dropped."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

import exposure
from exposure.cli import cli
from exposure.render.html import to_html
from exposure.render.plot import network_view
from tests.conftest import MakeData, listing, sale, write_csv

AS_OF = "2020-01-01"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def lensco(make_data: MakeData) -> Path:
    """LensCo sells 5% to Hikvision and 10% to a name only possibly Huawei's; GlassCo to LensCo."""
    return make_data(
        [
            listing("Hikvision"),
            listing(
                "Huawei Technologies Co., Ltd.",
                start="2019-05-16",
                federal_register_notice="84 FR 22961",
            ),
        ],
        [
            sale("LensCo", "Hikvision", 0.05, customer_country="CN"),
            sale("LensCo", "Huawei Device Co. Ltd.", 0.10, customer_country="CN"),
            sale("GlassCo", "LensCo", 0.5),
            sale("Other", "Acme Optics Inc", 0.3),
        ],
    )


def decide(folder: Path, decision: str) -> None:
    write_csv(
        folder / "matches.csv",
        ["customer", "listed", "decision", "note", "date"],
        [
            {
                "customer": "Huawei Device Co. Ltd.",
                "listed": "Huawei Technologies Co., Ltd.",
                "decision": decision,
                "note": "reviewed",
                "date": "2024-01-01",
            }
        ],
    )


def test_a_possible_match_is_shown_for_review_not_counted(lensco: Path) -> None:
    code, out, _ = run("report", "--data", str(lensco), "--supplier", "LensCo", "--as-of", AS_OF)
    assert code == 0
    assert out.startswith("LensCo: EXPOSED (tier 1), needs review, as of 2020-01-01")
    assert "Revenue at risk: 5.0% (disclosed figures)" in out  # confirmed links only
    assert (
        "Needs review (1): possible matches or affiliates of listed entities, not counted above."
        in out
    )
    assert "Revenue at risk if confirmed: 15.0% (known shares)." in out
    assert "'Huawei Device Co. Ltd.' may be Huawei Technologies Co., Ltd. (possible, score" in out
    assert "listing:   Entity List, 84 FR 22961, in force from 2019-05-16" in out
    assert "why:       score" in out


def test_the_json_record_carries_what_needs_review(lensco: Path) -> None:
    result = exposure.analyze(exposure.load(lensco), as_of=AS_OF)
    record = result.supplier("LensCo")
    assert record["exposed"] is True
    assert record["listed_buyers"] == ["Hikvision"]
    assert record["revenue_at_risk"] == pytest.approx(0.05)
    assert record["needs_review"] is True
    assert record["revenue_at_risk_if_confirmed"] == pytest.approx(0.15)
    (possible,) = record["possible_paths"]
    assert possible["listed"] == "Huawei Technologies Co., Ltd."
    assert possible["path"] == ["LensCo", "Huawei Device Co. Ltd."]
    assert possible["weight"] == pytest.approx(0.10)
    assert possible["match"] is not None
    assert possible["match"]["outcome"] == "possible"
    assert possible["match"]["explanation"]
    # Through an intermediary too, with the weight along the path.
    upstream = result.supplier("GlassCo")
    assert upstream["needs_review"] is True
    assert upstream["revenue_at_risk_if_confirmed"] == pytest.approx(0.075)
    assert upstream["possible_paths"][0]["weight"] == pytest.approx(0.05)
    # A supplier whose customers are all settled needs none.
    other = result.supplier("Other")
    assert other["needs_review"] is False
    assert other["revenue_at_risk_if_confirmed"] is None
    assert other["possible_paths"] == []


def test_the_ranking_csv_and_exports_mark_it(lensco: Path, tmp_path: Path) -> None:
    code, out, _ = run("report", "--data", str(lensco), "--as-of", AS_OF)
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines() if line[:1].isalpha()}
    # With what it would be: LensCo's 5% plus the possible Huawei's 10%; GlassCo half of it.
    assert lines["LensCo"].rstrip().endswith("needs review (15.0% if confirmed)")
    assert lines["GlassCo"].rstrip().endswith("needs review (7.5% if confirmed)")
    assert "needs review" not in lines["Other"]
    code, out, _ = run("report", "--data", str(lensco), "--as-of", AS_OF, "--format", "csv")
    rows = [r for r in out.splitlines() if r.startswith("LensCo,")]
    assert any(",possible,true,0.15" in r for r in rows)
    assert any(",exact,true,0.15" in r for r in rows)
    target = tmp_path / "network.graphml"
    code, _, _ = run("export", "--data", str(lensco), "--as-of", AS_OF, "-o", str(target))
    assert code == 0
    G = nx.read_graphml(target)
    assert (
        G.nodes["Huawei Device Co. Ltd."]["possibly_listed_as"] == "Huawei Technologies Co., Ltd."
    )
    assert G.nodes["LensCo"]["needs_review"] is True
    assert G.nodes["Other"]["needs_review"] is False


def test_validate_warns_of_each_pending_match_and_succeeds(lensco: Path) -> None:
    code, out, err = run("validate", "--data", str(lensco))
    assert code == 0
    assert (
        f"Warning: {lensco / 'suppliers.csv'}, line 3, column 'customer': 'Huawei Device Co. Ltd.' "
        "may be the listed 'Huawei Technologies Co., Ltd.' (possible, score"
    ) in out
    assert "Fix: confirm or reject the pair in matches.csv." in out
    assert "1 possible match of listed entities needs review." in err


def test_validate_without_fuzzy_matching_says_it_did_not_look_for_possible_matches(
    lensco: Path,
) -> None:
    code, out, err = run("validate", "--data", str(lensco), "--no-fuzzy")
    assert code == 0
    assert "Huawei Device" not in out
    assert "Possible matches of listed entities not looked for (--no-fuzzy)" in err


@pytest.mark.parametrize(("decision", "risk", "exposed_buyers"), [
    ("confirmed", 0.15, ["Hikvision", "Huawei Technologies Co., Ltd."]),
    ("rejected", 0.05, ["Hikvision"]),
])  # fmt: skip
def test_a_review_decision_settles_it(
    lensco: Path, decision: str, risk: float, exposed_buyers: list[str]
) -> None:
    decide(lensco, decision)
    record = exposure.analyze(exposure.load(lensco), as_of=AS_OF).supplier("LensCo")
    assert record["needs_review"] is False
    assert record["possible_paths"] == []
    assert record["revenue_at_risk"] == pytest.approx(risk)
    assert sorted(record["listed_buyers"]) == sorted(exposed_buyers)
    code, out, _ = run("validate", "--data", str(lensco))
    assert code == 0
    assert "Warning" not in out


def test_a_possible_match_of_a_listing_not_in_force_needs_no_review(lensco: Path) -> None:
    record = exposure.analyze(exposure.load(lensco), as_of="2019-01-01").supplier("LensCo")
    assert record["exposed"] is False
    assert record["needs_review"] is False


def test_the_picture_draws_possible_sales_dashed(lensco: Path) -> None:
    result = exposure.analyze(exposure.load(lensco), as_of=AS_OF)
    view = network_view(result, supplier="GlassCo")
    edge = view.graph.edges["LensCo", "Huawei Device Co. Ltd."]
    assert edge["pending"] is True
    assert edge["on_path"] is False
    assert view.graph.edges["LensCo", "Hikvision"]["on_path"] is True
    assert any("possible matches" in note for note in view.notes)
    page = to_html(result, supplier="GlassCo")
    assert 'class="edge pending"' in page
    assert json.dumps("Sale toward a possible match or affiliate (needs review)") in page


def test_review_lists_what_is_pending_most_revenue_first(lensco: Path) -> None:
    code, out, _ = run("review", "--data", str(lensco), "--as-of", AS_OF, "--format", "json")
    assert code == 0
    (link,) = json.loads(out)
    assert link["customer"] == "Huawei Device Co. Ltd."
    assert link["listed"] == "Huawei Technologies Co., Ltd."
    assert link["suppliers"] == ["LensCo"]
    assert link["revenue_shares"] == [pytest.approx(0.10)]
    assert link["line"] == 3
    assert "score" in link["explanation"]


def test_review_records_a_decision_that_the_next_report_honours(lensco: Path) -> None:
    matches = lensco / "matches.csv"
    # An earlier file, its own column order and a byte-order mark: kept as it was.
    earlier = "\ufeffdate,customer,listed,decision,note\n2023-05-01,Acme Optics Inc,Hikvision,rejected,no\n"
    matches.write_text(earlier, encoding="utf-8")
    code, _, err = run(
        "review", "--data", str(lensco), "--as-of", AS_OF,
        "--confirm", "Huawei Device Co. Ltd.=Huawei Technologies", "--note", "a subsidiary",
    )  # fmt: skip
    assert code == 0, err
    text = matches.read_text(encoding="utf-8")
    assert text.startswith(earlier)
    today = dt.date.today().isoformat()
    assert text[len(earlier) :] == (
        f'{today},Huawei Device Co. Ltd.,"Huawei Technologies Co., Ltd.",confirmed,a subsidiary\n'
    )
    record = exposure.analyze(exposure.load(lensco), as_of=AS_OF).supplier("LensCo")
    assert record["revenue_at_risk"] == pytest.approx(0.15)
    assert record["needs_review"] is False
    code, out, _ = run("review", "--data", str(lensco), "--as-of", AS_OF)
    assert out.startswith("No possible match of a listed entity is pending review")


def test_review_refuses_a_pair_that_is_not_pending(lensco: Path) -> None:
    before = sorted(p.name for p in lensco.iterdir())
    code, _, err = run(
        "review", "--data", str(lensco), "--as-of", AS_OF, "--reject", "Acme Optics Inc=Hikvision"
    )
    assert code == 1
    assert err.startswith(
        "Error: 'Acme Optics Inc' = 'Hikvision' is neither a pending possible match nor a name "
        "linked to it."
    )
    assert "Huawei Device Co. Ltd.=Huawei Technologies Co., Ltd." in err  # what is pending
    assert "with the new decision and a later date: the latest one counts" in err
    assert sorted(p.name for p in lensco.iterdir()) == before  # nothing written
    code, _, err = run("review", "--as-of", AS_OF, "--confirm", "A=B")
    assert code == 2
    assert "pass --data" in err
    code, _, err = run("review", "--data", str(lensco), "--confirm", "no equals sign")
    assert code == 1
    assert "is not CUSTOMER=LISTED" in err


def test_rejecting_a_holding_company_keeps_the_listed_name_it_shares_a_key_with(
    make_data: MakeData,
) -> None:
    """A Cayman holding company rejected by its name: "Sense Time", of one key, stays listed."""
    folder = make_data(
        [listing("Sense Time")],
        [
            sale("HoldCo Supplier", "SenseTime Group Ltd", 0.2),
            sale("Beta US", "Sense Time", 0.3),
            sale("Gamma US", "SENSETIME", 0.1),
        ],
    )
    code, _, err = run(
        "review", "--data", str(folder), "--as-of", AS_OF,
        "--reject", "SenseTime Group Ltd=Sense Time", "--note", "holding company",
    )  # fmt: skip
    assert code == 0, err
    result = exposure.analyze(exposure.load(folder), as_of=AS_OF)
    assert result.supplier("HoldCo Supplier")["exposed"] is False
    assert result.supplier("Beta US")["revenue_at_risk"] == pytest.approx(0.3)
    assert result.supplier("Gamma US")["revenue_at_risk"] == pytest.approx(0.1)
    _, out, _ = run("screen", "--data", str(folder), "--as-of", AS_OF, "--format", "json",
                    "Sense Time", "SenseTime Group Ltd.")  # fmt: skip
    outcomes = {r["name"]: r["outcome"] for r in json.loads(out)}
    assert outcomes == {"Sense Time": "match", "SenseTime Group Ltd.": "none"}


def test_two_decisions_on_one_pair_and_one_date_that_disagree_are_an_error(lensco: Path) -> None:
    write_csv(
        lensco / "matches.csv",
        ["customer", "listed", "decision", "note", "date"],
        [
            {"customer": "Huawei Device Co. Ltd.", "listed": "Huawei Technologies Co., Ltd.",
             "decision": "confirmed", "note": "", "date": "2024-01-01"},
            {"customer": "Huawei Device Co. Ltd.", "listed": "Huawei Technologies Co., Ltd.",
             "decision": "rejected", "note": "", "date": "2024-01-01"},
        ],
    )  # fmt: skip
    code, _, err = run("report", "--data", str(lensco), "--as-of", AS_OF)
    assert code == 1
    assert err.startswith(f"Error: {lensco / 'matches.csv'}, line 3, column 'decision': ")
    assert "are rejected here but confirmed on line 2, on the same date" in err
    # Dated apart, the later decision counts.
    text = (
        (lensco / "matches.csv")
        .read_text(encoding="utf-8")
        .replace("rejected,,2024-01-01", "rejected,,2024-02-01")
    )
    (lensco / "matches.csv").write_text(text, encoding="utf-8")
    record = exposure.analyze(exposure.load(lensco), as_of=AS_OF).supplier("LensCo")
    assert record["revenue_at_risk"] == pytest.approx(0.05)
    assert record["needs_review"] is False


def test_review_one_by_one_asks_about_each_pending_match(lensco: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["review", "--data", str(lensco), "--as-of", AS_OF, "--one-by-one"],
        input="r\nanother company\n",
    )
    assert result.exit_code == 0, result.output
    assert (
        "1 of 1: 'Huawei Device Co. Ltd.' may be 'Huawei Technologies Co., Ltd.'" in result.stdout
    )
    assert "sold by: LensCo (10.0%)" in result.stdout
    text = (lensco / "matches.csv").read_text(encoding="utf-8")
    assert ',"Huawei Technologies Co., Ltd.",rejected,another company,' in text
    record = exposure.analyze(exposure.load(lensco), as_of=AS_OF).supplier("LensCo")
    assert record["needs_review"] is False
    assert record["revenue_at_risk"] == pytest.approx(0.05)
    # Skipping writes nothing.
    (lensco / "matches.csv").unlink()
    result = CliRunner().invoke(
        cli, ["review", "--data", str(lensco), "--as-of", AS_OF, "--one-by-one"], input="s\n"
    )
    assert result.exit_code == 0
    assert "No decision recorded." in result.stderr
    assert not (lensco / "matches.csv").exists()


def test_revenue_at_risk_if_confirmed_is_unknown_or_a_lower_bound_never_a_made_up_zero(
    make_data: MakeData,
) -> None:
    folder = make_data(
        [listing("Huawei Technologies Co., Ltd.", start="2019-05-16")],
        [
            sale("Unknown Co", "Huawei Device Co. Ltd.", None),
            sale("Part Co", "Huawei Device Co. Ltd.", 0.3),
            sale("Part Co", "Dist", None),
            sale("Dist", "Huawei Device Co. Ltd.", 0.2),
        ],
    )
    result = exposure.analyze(exposure.load(folder), as_of=AS_OF)
    unknown, part = result.supplier("Unknown Co"), result.supplier("Part Co")
    assert unknown["needs_review"]
    assert part["needs_review"]
    assert unknown["revenue_at_risk_if_confirmed"] is None  # no share known: unknown, not 0
    assert unknown["revenue_at_risk_if_confirmed_is_lower_bound"] is True
    assert part["revenue_at_risk_if_confirmed"] == pytest.approx(0.3)
    assert part["revenue_at_risk_if_confirmed_is_lower_bound"] is True  # Dist's part unknown
    _, out, _ = run("report", "--data", str(folder), "--supplier", "Unknown Co", "--as-of", AS_OF)
    assert "Revenue at risk if confirmed: unknown" in out
    _, out, _ = run("report", "--data", str(folder), "--supplier", "Part Co", "--as-of", AS_OF)
    assert "Revenue at risk if confirmed: ≥ 30.0%" in out


def test_revenue_at_risk_if_confirmed_counts_only_the_sales_the_rules_would_reach(
    make_data: MakeData,
) -> None:
    # The figure a reviewer ranks by is the one the report gives once the pair is confirmed.
    folder = make_data(
        [listing("Huawei Technologies Co., Ltd.", start="2019-05-16", country="CN")],
        [
            # Made in Taiwan with 5% US content: below de minimis, out of the EAR's reach.
            sale("Taiwan Co", "Huawei Device Co. Ltd.", 0.3, supplier_country="TW", origin="TW",
                 us_content=0.05, us_technology="no", customer_country="CN"),
            # A Singapore distributor's item of unknown origin and content: reach unknown.
            sale("US Co", "Dist", 0.5, supplier_country="US"),
            sale("US Co", "Huawei Device Co. Ltd.", 0.1, supplier_country="US",
                 customer_country="CN"),
            sale("Dist", "Huawei Device Co. Ltd.", 0.4, supplier_country="SG",
                 customer_country="CN"),
        ],
    )  # fmt: skip
    before = exposure.analyze(exposure.load(folder), as_of=AS_OF)
    _, out, _ = run("report", "--data", str(folder), "--supplier", "Taiwan Co", "--as-of", AS_OF)
    assert "the rules would reach none of its sales toward them" in out
    decide(folder, "confirmed")
    after = exposure.analyze(exposure.load(folder), as_of=AS_OF)
    for supplier in ("Taiwan Co", "US Co", "Dist"):
        pending, confirmed = before.supplier(supplier), after.supplier(supplier)
        assert pending["needs_review"] is True
        assert pending["revenue_at_risk_if_confirmed"] == confirmed["revenue_at_risk"]
        assert (
            pending["revenue_at_risk_if_confirmed_is_lower_bound"]
            == confirmed["revenue_at_risk_is_lower_bound"]
        )
    assert before.supplier("Taiwan Co")["revenue_at_risk_if_confirmed"] == 0.0
    assert before.supplier("Dist")["revenue_at_risk_if_confirmed"] is None  # unknown, not 40%
    paths = before.supplier("US Co")["possible_paths"]
    assert [p["subject_to_ear"] for p in paths] == ["yes", "unknown"]
