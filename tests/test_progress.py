"""Progress bars: drawn on a terminal when a step is slow, never in pipes or when fast."""

from __future__ import annotations

import io
import sys

import pytest

from exposure import analyze, load
from exposure.util import progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run_steps(stream: io.StringIO) -> str:
    with progress.progress("loading", total=2, file=stream):
        progress.advance("suppliers.csv")
        progress.advance("ownership")
    return stream.getvalue()


@pytest.fixture
def slow(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every step counts as slow, and every step redraws the bar."""
    monkeypatch.setattr(progress, "DELAY", 0.0)
    monkeypatch.setattr(progress, "REFRESH", 0.0)


@pytest.mark.usefixtures("slow")
def test_a_slow_step_on_a_terminal_shows_a_bar() -> None:
    shown = run_steps(Terminal())
    assert "loading" in shown
    assert "suppliers.csv" in shown
    assert "2/2" in shown


@pytest.mark.usefixtures("slow")
def test_no_bar_when_the_output_is_not_a_terminal() -> None:
    assert run_steps(io.StringIO()) == ""


def test_no_bar_for_steps_faster_than_a_second() -> None:
    assert run_steps(Terminal()) == ""


@pytest.mark.usefixtures("slow")
def test_loading_shows_its_steps_on_standard_error(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    load()
    assert "loading" in terminal.getvalue()
    assert "suppliers.csv" in terminal.getvalue()


def test_advance_outside_a_bar_does_nothing() -> None:
    progress.advance("nothing to show")  # no bar open: no error, no output


@pytest.mark.usefixtures("slow")
def test_the_ranking_of_every_supplier_counts_the_suppliers_done(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from click.testing import CliRunner

    from exposure.cli import cli

    # The runner's standard error stands for a terminal.
    monkeypatch.setattr(progress, "is_terminal", lambda stream: True)
    result = CliRunner().invoke(cli, ["report", "--as-of", "2019-10-09"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Exposure to listed entities as of 2019-10-09")
    suppliers = len(analyze(load()).graph.supplier_codes)
    assert "reporting: 100%" in result.stderr
    assert f"| {suppliers}/{suppliers} [" in result.stderr.split("reporting: 100%")[1]
