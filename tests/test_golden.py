"""Every command's output in every format, byte for byte, on the bundled data and a generated graph.

A change meant to keep behaviour (a refactor) must leave every file under ``tests/golden/``
as it is. A change meant to alter an output rewrites them on purpose::

    EXPOSURE_WRITE_GOLDEN=1 .venv/bin/pytest tests/test_golden.py

and the diff of ``tests/golden/`` is then reviewed like any other change.

The generated graph (``tests/golden/generated/``) is a 150-company graph from
``bench.generate`` with a few hand-written sales added: a misspelled listed name, an alias with
another legal form, a name decided in ``matches.csv`` (one confirmed, one rejected) and a
subsidiary 60% owned by a listed entity.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from exposure.cli import cli

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
GENERATED = GOLDEN / "generated"
WRITE = os.environ.get("EXPOSURE_WRITE_GOLDEN") == "1"

FORMATS = ("table", "json", "csv", "markdown")
BUNDLED = "2019-10-09"
LATER = "2025-10-01"  # after the affiliates rule (90 FR 47201) took effect, before its suspension

# (case name, arguments); "{out}" is a file in a fresh folder, "{gen}" the generated data folder.
CASES: list[tuple[str, list[str]]] = [
    *[(f"bundled-ranking-{f}", ["report", "--as-of", BUNDLED, "--format", f]) for f in FORMATS],
    *[
        (
            f"bundled-ambarella-{f}",
            ["report", "--supplier", "Ambarella", "--as-of", BUNDLED, "--format", f],
        )
        for f in FORMATS
    ],
    (
        "bundled-several-suppliers",
        [
            "report",
            "--supplier",
            "Intel",
            "--supplier",
            "Seagate",
            "--supplier",
            "nvidia",
            "--as-of",
            BUNDLED,
        ],
    ),
    ("bundled-top-2", ["report", "--top", "2", "--as-of", BUNDLED]),
    ("bundled-top-2-json", ["report", "--top", "2", "--as-of", BUNDLED, "--format", "json"]),
    ("bundled-before-listing", ["report", "--as-of", "2019-06-01"]),
    (
        "bundled-what-if",
        [
            "report",
            "--supplier",
            "Ambarella",
            "--as-of",
            "2019-06-01",
            "--assume-listed",
            "Hikvision",
        ],
    ),
    (
        "bundled-what-if-delisted",
        ["report", "--as-of", BUNDLED, "--assume-delisted", "Hikvision", "--format", "json"],
    ),
    ("bundled-max-tier-1", ["report", "--as-of", BUNDLED, "--max-tier", "1", "--format", "json"]),
    (
        "bundled-min-weight",
        ["report", "--as-of", BUNDLED, "--min-weight", "0.05", "--format", "csv"],
    ),
    ("bundled-no-affiliates", ["report", "--as-of", LATER, "--no-affiliates-rule"]),
    (
        "bundled-affiliates-30",
        ["report", "--as-of", LATER, "--ownership-threshold", "30", "--format", "json"],
    ),
    ("bundled-no-fuzzy", ["report", "--as-of", BUNDLED, "--no-fuzzy", "--format", "csv"]),
    (
        "bundled-report-to-file",
        ["report", "--as-of", BUNDLED, "--format", "json", "-o", "{out}/report.json"],
    ),
    *[(f"bundled-listed-{f}", ["listed", "--as-of", BUNDLED, "--format", f]) for f in FORMATS],
    ("bundled-listed-2019-06", ["listed", "--as-of", "2019-06-01"]),
    ("bundled-validate", ["validate"]),
    *[
        (f"bundled-diff-{f}", ["diff", "--from", "2019-10-08", "--to", "2019-10-09", "--format", f])
        for f in FORMATS
    ],
    (
        "bundled-diff-unchanged",
        ["diff", "--from", "2019-05-01", "--to", "2019-10-09", "--unchanged"],
    ),
    (
        "bundled-diff-what-if",
        ["diff", "--from", "2019-06-01", "--to", "2019-06-01", "--assume-listed", "Hikvision"],
    ),
    *[
        (
            f"bundled-screen-{f}",
            [
                "screen",
                "Zhejiang Dahua Technology Co., Ltd.",
                "Hangzhou Hikvision",
                "Huawei Device Co. Ltd.",
                "Megvii",
                "Karizen Pacific Semiconductor Ltd",
                "Apple Inc.",
                "--country",
                "CN",
                "--as-of",
                BUNDLED,
                "--format",
                f,
            ],
        )
        for f in FORMATS
    ],
    (
        "bundled-screen-any-date-limit",
        ["screen", "SenseTime", "iFlytek Co", "--any-date", "--limit", "3"],
    ),
    ("bundled-export-graphml", ["export", "--as-of", BUNDLED, "-o", "{out}/network.graphml"]),
    ("bundled-export-gexf", ["export", "--as-of", BUNDLED, "-o", "{out}/network.gexf"]),
    ("bundled-export-json", ["export", "--as-of", BUNDLED, "-o", "{out}/network.json"]),
    ("bundled-render-svg", ["render", "--as-of", BUNDLED, "-o", "{out}/network.svg"]),
    (
        "bundled-render-ambarella-svg",
        ["render", "--as-of", BUNDLED, "--supplier", "Ambarella", "-o", "{out}/ambarella.svg"],
    ),
    ("bundled-render-html", ["render", "--as-of", BUNDLED, "-o", "{out}/network.html"]),
    # What a user sees when something is wrong.
    ("error-unknown-supplier", ["report", "--supplier", "Ambarela"]),
    ("error-bad-date", ["report", "--as-of", "2019-13-01"]),
    ("error-unknown-assumed", ["report", "--assume-listed", "Nobody At All Ltd"]),
    # The generated graph.
    *[
        (f"generated-ranking-{f}", ["report", "--data", "{gen}", "--as-of", LATER, "--format", f])
        for f in FORMATS
    ],
    *[
        (
            f"generated-silver-{f}",
            [
                "report",
                "--data",
                "{gen}",
                "--supplier",
                "Silver Sensors LLC",
                "--as-of",
                LATER,
                "--format",
                f,
            ],
        )
        for f in FORMATS
    ],
    (
        "generated-golden-optics",
        [
            "report",
            "--data",
            "{gen}",
            "--supplier",
            "Golden Optics Inc",
            "--as-of",
            LATER,
            "--max-tier",
            "0",
        ],
    ),
    (
        "generated-no-fuzzy",
        ["report", "--data", "{gen}", "--as-of", LATER, "--no-fuzzy", "--format", "csv"],
    ),
    ("generated-listed", ["listed", "--data", "{gen}", "--as-of", LATER, "--format", "csv"]),
    ("generated-validate", ["validate", "--data", "{gen}"]),
    (
        "generated-diff",
        ["diff", "--data", "{gen}", "--from", "2019-01-01", "--to", LATER, "--format", "json"],
    ),
    (
        "generated-screen-file",
        [
            "screen",
            "--data",
            "{gen}",
            "--file",
            "{gen}/matches.csv",
            "--column",
            "customer",
            "--as-of",
            LATER,
            "--format",
            "json",
        ],
    ),
    (
        "generated-screen-names",
        [
            "screen",
            "--data",
            "{gen}",
            "Tianjin Trachapaomu Vision Ltd",
            "Trachapaomou Vision Holdings Co., Ltd.",
            "Brubumuto Trading",
            "Hanoi Rubromai Robotic Systems",
            "Osaka Shogolaibao Intelligence Co",
            "--as-of",
            LATER,
            "--limit",
            "2",
        ],
    ),
    ("generated-review", ["review", "--data", "{gen}", "--as-of", LATER]),
    ("generated-review-json", ["review", "--data", "{gen}", "--as-of", LATER, "--format", "json"]),
    ("bundled-review", ["review", "--as-of", BUNDLED]),
    (
        "generated-export-json",
        ["export", "--data", "{gen}", "--as-of", LATER, "-o", "{out}/generated.json"],
    ),
    (
        "generated-render-svg",
        [
            "render",
            "--data",
            "{gen}",
            "--as-of",
            LATER,
            "--supplier",
            "Silver Sensors LLC",
            "-o",
            "{out}/silver.svg",
        ],
    ),
]


def _run(args: list[str], out: Path, gen: Path) -> str:
    """Run one command; return its exit code, output and written files as one text."""
    filled = [a.replace("{out}", str(out)).replace("{gen}", str(gen)) for a in args]
    done = CliRunner().invoke(cli, filled)
    if done.exception is not None and not isinstance(done.exception, SystemExit):
        raise done.exception
    pieces = [f"exit {done.exit_code}", "--- stdout", done.stdout, "--- stderr", done.stderr]
    for written in sorted(out.iterdir()):
        pieces += [f"--- file {written.name}", written.read_text(encoding="utf-8")]
    text = "\n".join(pieces)
    # Paths differ between machines and runs: name them by their role.
    for path, role in ((out, "<out>"), (gen, "<generated>"), (ROOT / "data", "<bundled>")):
        text = text.replace(str(path), role)
    return re.sub(r"\S*/site-packages/exposure/data", "<bundled>", text)


@pytest.mark.parametrize(("name", "args"), CASES, ids=[name for name, _ in CASES])
def test_output_is_unchanged(name: str, args: list[str], tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    gen = tmp_path / "generated"
    shutil.copytree(GENERATED, gen)  # never written, but inputs stay out of the way of outputs
    text = _run(args, out, gen)
    golden = GOLDEN / f"{name}.txt"
    if WRITE:
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"no golden file for {name}: run with EXPOSURE_WRITE_GOLDEN=1"
    assert text == golden.read_text(encoding="utf-8")


def test_every_golden_file_belongs_to_a_case() -> None:
    names = {name for name, _ in CASES}
    stale = sorted(p.stem for p in GOLDEN.glob("*.txt") if p.stem not in names)
    assert stale == []
