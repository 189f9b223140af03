"""What README.md promises: the main command, its example output, and an installable package."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BIN = Path(sys.executable).parent


def exposure_command() -> list[str]:
    script = BIN / "exposure"
    return [str(script)] if script.exists() else [sys.executable, "-m", "exposure"]


def test_readme_names_two_setup_commands_that_the_makefile_defines() -> None:
    assert "make demo" in README
    assert "make test" in README
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(
        r"^demo:.*\n(\t.*\n)*\t\$\(BIN\)/exposure report --supplier Ambarella$", makefile, re.M
    )
    assert (ROOT / ".ci" / "run").read_text().strip().endswith("make test")


def test_the_main_command_shows_ambarella_exposed_through_hikvision_and_dahua() -> None:
    done = subprocess.run(
        [*exposure_command(), "report", "--supplier", "Ambarella"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Ambarella: EXPOSED (tier 1)")
    assert "Hikvision (tier 1" in done.stdout
    assert "Dahua Technology (tier 1" in done.stdout
    assert "84 FR 54002" in done.stdout
    assert "video processing solutions" in done.stdout


def test_readme_examples_are_the_real_output() -> None:
    blocks = re.findall(
        r"`(exposure [^`]+)` on the bundled data:\n\n```text\n(.*?)```", README, re.S
    )
    blocks += re.findall(r"\(`(exposure [^`]+)`\):\n\n```text\n(.*?)```", README, re.S)
    assert len(blocks) == 2
    for command, expected in blocks:
        done = subprocess.run(
            [*exposure_command(), *command.split()[1:]],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        assert done.stdout == expected, f"README block of {command!r} is out of date"


def test_a_regular_install_ships_the_bundled_data(tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--target",
            str(target),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    assert (target / "exposure" / "data" / "suppliers.csv").is_file()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "exposure",
            "report",
            "--supplier",
            "Ambarella",
            "--as-of",
            "2019-10-09",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=elsewhere,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "Hikvision" in done.stdout
    probe = subprocess.run(
        [sys.executable, "-c", "import exposure.read.dataset as m; print(m.bundled_data_dir())"],
        capture_output=True,
        text=True,
        check=True,
        cwd=elsewhere,
        env=env,
    )
    assert probe.stdout.strip().startswith(str(target))
