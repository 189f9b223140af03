"""Safe outputs: no live spreadsheet formulas, escaped HTML, atomic writes, inputs never
overwritten, and the same inputs giving byte-identical files."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import exposure
from exposure.cli import cli
from exposure.render.text import safe_cell, to_csv
from exposure.util.atomic import write_atomic
from tests.conftest import MakeData, listing, sale

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LISTED_CMD = "=cmd|' /C calc'!A0"
SCRIPT = "</script><script>alert(1)</script>"
AS_OF = "2020-01-01"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def hostile_data(make_data: MakeData) -> Path:
    """Names, products, lists and sources that a spreadsheet or a browser would run."""
    listed = [
        listing(LISTED_CMD, list="=Entity List", federal_register_notice="+84 FR 1"),
        listing(SCRIPT, source="@source of the listing"),
    ]
    sales = [
        sale("+SUM(1,2)", LISTED_CMD, 0.3, product="@import"),
        sale("-2+3 Trading", "+SUM(1,2)", 0.5, product="-chips"),
        sale("@Evil", SCRIPT, None, product="=1+1", source='=HYPERLINK("http://x")'),
        sale("Plain Co", "-2+3 Trading", 0.25, product="boards"),
        sale(SCRIPT, "Plain Co", 0.1, product="<img src=x onerror=alert(2)>"),
    ]
    return make_data(listed, sales)


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def live_formulas(cells: list[str]) -> list[str]:
    """Cells a spreadsheet would run: a formula start that is not a plain number."""
    return [c for c in cells if c.startswith(FORMULA_STARTS) and not is_number(c)]


def csv_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def markdown_table_cells(text: str) -> list[str]:
    cells = []
    for line in text.splitlines():
        if not line.startswith("|") or re.fullmatch(r"[|:\-\s]+", line):
            continue  # not a table row, or the row under the header
        cells += [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
    return cells


# -- formulas --------------------------------------------------------------------------------


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_safe_cell_neutralises_every_formula_start(start: str) -> None:
    assert safe_cell(f"{start}1+1") == f"'{start}1+1"
    assert to_csv([{"a": f"{start}cmd"}], ["a"]) == f"a\n'{start}cmd\n"


def test_safe_cell_leaves_plain_text_and_numbers_alone() -> None:
    assert safe_cell("Hikvision") == "Hikvision"
    assert safe_cell("a=b") == "a=b"
    assert safe_cell(-0.5) == -0.5
    assert safe_cell(None) is None
    assert to_csv([{"a": ["=x", "y"]}], ["a"]) == "a\n'=x; y\n"  # joined lists too


COMMANDS = {
    "report": ["report", "--as-of", AS_OF],
    "report --supplier": ["report", "--as-of", AS_OF, "--supplier", "-2+3 Trading"],
    "listed": ["listed", "--as-of", AS_OF],
    "diff": ["diff", "--from", "2019-01-01", "--to", AS_OF],
    "screen": ["screen", LISTED_CMD, "@Evil", "--as-of", AS_OF],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_csv_outputs_hold_no_live_formula(hostile_data: Path, command: str) -> None:
    result = invoke(*COMMANDS[command], "--data", str(hostile_data), "--format", "csv")
    assert result.exit_code == 0, result.output
    cells = csv_cells(result.stdout)
    assert live_formulas(cells) == []
    assert any(c.startswith("'") for c in cells), "the hostile names must reach the output"


@pytest.mark.parametrize(
    "command",
    ["report", "listed", "diff", "screen"],
)
def test_markdown_tables_hold_no_live_formula(hostile_data: Path, command: str) -> None:
    result = invoke(*COMMANDS[command], "--data", str(hostile_data), "--format", "markdown")
    assert result.exit_code == 0, result.output
    cells = markdown_table_cells(result.stdout)
    assert live_formulas(cells) == []
    assert any(c.startswith("'") for c in cells), "the hostile names must reach the table"


def test_csv_written_with_o_is_neutralised_too(hostile_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.csv"
    result = invoke(
        "report", "--data", str(hostile_data), "--as-of", AS_OF, "--format", "csv", "-o", str(out)
    )
    assert result.exit_code == 0, result.output
    cells = csv_cells(out.read_text(encoding="utf-8"))
    assert f"'{LISTED_CMD}" in cells
    assert live_formulas(cells) == []


# -- HTML and pictures -----------------------------------------------------------------------


def test_the_notebook_html_view_escapes_names(hostile_data: Path) -> None:
    result = exposure.analyze(exposure.load(hostile_data), as_of=AS_OF)
    page = result._repr_html_()
    assert "<script>" not in page
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_supplier_named_like_a_tag_shows_as_text(make_data: MakeData) -> None:
    folder = make_data([listing("Hikvision")], [sale("<b>Bold</b> & Co", "Hikvision", 0.1)])
    page = exposure.analyze(exposure.load(folder), as_of=AS_OF)._repr_html_()
    assert "<b>Bold</b>" not in page
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Co" in page


def test_the_interactive_view_escapes_names(hostile_data: Path) -> None:
    interactive = pytest.importorskip("exposure.render.html")
    result = exposure.analyze(exposure.load(hostile_data), as_of=AS_OF)
    page = interactive.to_html(result)
    text = page if isinstance(page, str) else Path(page).read_text(encoding="utf-8")
    assert SCRIPT not in text
    assert "<script>alert(1)" not in text


def test_svg_pictures_hold_no_markup_from_names(hostile_data: Path, tmp_path: Path) -> None:
    plot = pytest.importorskip("exposure.render.plot")
    result = exposure.analyze(exposure.load(hostile_data), as_of=AS_OF)
    out = tmp_path / "network.svg"
    plot.plot_exposure(result, save=True, filepath=out, close=True)
    svg = out.read_text(encoding="utf-8")
    assert "<script" not in svg
    assert SCRIPT not in svg


# -- atomic writes ---------------------------------------------------------------------------


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_failing_rename_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "report.json"
    out.write_text("old", encoding="utf-8")

    def no_space(*args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", no_space)
    with pytest.raises(
        exposure.ExposureError, match=r"No space left on device\. Nothing was written"
    ):
        write_atomic(out, "new")
    assert out.read_text(encoding="utf-8") == "old"
    assert leftovers(tmp_path) == ["report.json"]


def test_ctrl_c_while_writing_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "report.json"
    out.write_text("old", encoding="utf-8")
    real_fdopen = os.fdopen

    class HalfThenInterrupt:
        """A file that takes half the data, then the user presses Ctrl-C."""

        def __init__(self, handle: Any) -> None:
            self.handle = handle

        def __enter__(self) -> HalfThenInterrupt:
            return self

        def __exit__(self, *args: object) -> None:
            self.handle.close()

        def write(self, data: bytes) -> None:
            self.handle.write(data[: len(data) // 2])
            self.handle.flush()
            raise KeyboardInterrupt

    monkeypatch.setattr(
        os,
        "fdopen",
        lambda fd, *args, **kwargs: HalfThenInterrupt(real_fdopen(fd, *args, **kwargs)),
    )
    with pytest.raises(KeyboardInterrupt):
        write_atomic(out, "new content " * 1000)
    assert out.read_text(encoding="utf-8") == "old"
    assert leftovers(tmp_path) == ["report.json"]

    monkeypatch.undo()
    fresh = tmp_path / "fresh.json"
    monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        write_atomic(fresh, "new")
    assert leftovers(tmp_path) == ["report.json"]  # no fresh.json, no temporary


def test_ctrl_c_in_the_command_says_nothing_was_written(
    hostile_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    target = out / "report.json"
    target.write_text("old", encoding="utf-8")

    def interrupted(*args: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    result = invoke("report", "--data", str(hostile_data), "--format", "json", "-o", str(target))
    assert result.exit_code == 130
    assert "Interrupted; nothing was written." in result.stderr
    assert target.read_text(encoding="utf-8") == "old"
    assert leftovers(out) == ["report.json"]


def test_a_write_error_in_the_command_is_an_error_message(
    hostile_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def denied(*args: Any) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", denied)
    target = tmp_path / "report.json"
    result = invoke("report", "--data", str(hostile_data), "-o", str(target))
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert result.stderr == (
        f"Error: cannot write {target}: Permission denied. Nothing was written\n"
    )
    assert leftovers(tmp_path) == ["data"]


def test_written_files_get_ordinary_permissions(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        fresh = write_atomic(tmp_path / "fresh.csv", "x")
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o644
        private = tmp_path / "private.csv"
        private.write_text("old")
        private.chmod(0o600)
        write_atomic(private, "new")
        assert stat.S_IMODE(private.stat().st_mode) == 0o600
    finally:
        os.umask(old_umask)


# -- never over an input ---------------------------------------------------------------------

#: The arguments each command with -o needs besides --data; a new command must be added here.
OUTPUT_COMMANDS: dict[str, list[str]] = {
    "report": ["--as-of", AS_OF],
    "listed": ["--as-of", AS_OF],
    "diff": ["--from", "2019-01-01", "--to", AS_OF],
    "render": ["--as-of", AS_OF],
    "export": ["--as-of", AS_OF],
    "screen": ["Acme", "--as-of", AS_OF],
    "review": ["--as-of", AS_OF],
}
#: Commands whose output format comes from the suffix: an input with such a suffix too.
SUFFIXES = {"render": [".png", ".svg", ".html"], "export": [".json", ".graphml", ".gexf"]}


def commands_with_output() -> list[str]:
    return sorted(
        name
        for name, command in cli.commands.items()
        if any(param.name == "output" for param in command.params)
    )


def test_every_command_with_o_is_checked_here() -> None:
    known = set(OUTPUT_COMMANDS) | {"import-csl"}
    assert set(commands_with_output()) <= known, "add the new command to OUTPUT_COMMANDS"


@pytest.mark.parametrize("command", [c for c in commands_with_output() if c != "import-csl"])
@pytest.mark.parametrize("input_name", ["listed.csv", "suppliers.csv", "ownership.csv"])
@pytest.mark.parametrize("through", ["", "not-made-yet/../"])
def test_no_command_writes_over_its_input_files(
    make_data: MakeData, command: str, input_name: str, through: str
) -> None:
    folder = make_data([listing("Hikvision")], [sale("Acme", "Hikvision", 0.2)])
    (folder / "ownership.csv").write_text("owner,owned,percent,source\nCETC,Hikvision,40,src\n")
    target = Path(f"{folder}/{through}{input_name}")  # a folder to make on the way: still it
    before = (folder / input_name).read_bytes()
    result = invoke(command, "--data", str(folder), *OUTPUT_COMMANDS[command], "-o", str(target))
    assert result.exit_code == 1, result.output
    refused = (
        f"Error: {target} is one of the input files; refusing to write over it. "
        "Choose another output name\n"
    )
    if command in SUFFIXES:  # a .csv output is refused for its suffix before the data is read
        assert result.stderr.startswith("Error: ")
    else:
        assert result.stderr == refused
    assert (folder / input_name).read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == [
        "listed.csv",
        "ownership.csv",
        "suppliers.csv",
    ]


@pytest.mark.parametrize(
    ("command", "suffix"), [(c, s) for c, suffixes in SUFFIXES.items() for s in suffixes]
)
def test_pictures_and_exports_do_not_write_over_an_input_of_their_suffix(
    make_data: MakeData, command: str, suffix: str
) -> None:
    if command not in cli.commands:  # pragma: no cover - added with the pictures and exports
        pytest.skip(f"the `exposure {command}` command does not exist yet")
    folder = make_data([listing("Hikvision")], [sale("Acme", "Hikvision", 0.2)])
    disguised = folder / f"suppliers{suffix}"  # a suppliers.csv under another name
    shutil.copyfile(folder / "suppliers.csv", disguised)
    before = disguised.read_bytes()
    args = ["--data", str(folder), "--suppliers", str(disguised), "-o", str(disguised)]
    result = invoke(command, *args)
    assert result.exit_code == 1, result.output
    assert "is one of the input files; refusing to write over it" in result.stderr
    assert disguised.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["listed.csv", "suppliers.csv", disguised.name]
    )


def test_an_input_reached_through_a_link_or_a_detour_is_refused(
    make_data: MakeData, tmp_path: Path
) -> None:
    folder = make_data([listing("Hikvision")], [sale("Acme", "Hikvision", 0.2)])
    symlink = tmp_path / "symlink.csv"
    symlink.symlink_to(folder / "suppliers.csv")
    hardlink = tmp_path / "hardlink.csv"
    os.link(folder / "listed.csv", hardlink)
    detour = folder / ".." / folder.name / "suppliers.csv"
    explicit = tmp_path / "mine.csv"
    shutil.copyfile(folder / "suppliers.csv", explicit)
    before = {p: p.read_bytes() for p in (folder / "listed.csv", folder / "suppliers.csv")}
    for target, extra in [
        (symlink, []),
        (hardlink, []),
        (detour, []),
        (explicit, ["--suppliers", str(explicit)]),
    ]:
        result = invoke("report", "--data", str(folder), *extra, "-o", str(target))
        assert result.exit_code == 1, (target, result.output)
        assert "is one of the input files; refusing to write over it" in result.stderr
    assert {p: p.read_bytes() for p in before} == before


def test_import_csl_does_not_write_over_the_csl_file(tmp_path: Path) -> None:
    if "import-csl" not in cli.commands:  # pragma: no cover - added with the CSL importer
        pytest.skip("the `exposure import-csl` command does not exist yet")
    source = tmp_path / "consolidated.csv"
    source.write_text(
        "source,entity_number,name,alt_names,addresses,federal_register_notice,start_date,"
        "license_policy,source_list_url\n"
        "Entity List (EL) - Bureau of Industry and Security,,Dahua Technology,,"
        '"Hangzhou, CN",84 FR 54002,2019-10-09,Presumption of denial,https://bis.gov/el\n',
        encoding="utf-8",
    )
    before = source.read_bytes()
    result = invoke("import-csl", str(source), "-o", str(source))
    assert result.exit_code == 1, result.output
    assert "is one of the input files; refusing to write over it" in result.stderr
    assert source.read_bytes() == before


# -- determinism -----------------------------------------------------------------------------

DETERMINISM_SCRIPT = """
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
from exposure.cli import cli

data, out = sys.argv[1], Path(sys.argv[2])
common = ["--data", data]
runs = {
    "report.json": ["report", "--as-of", "2020-01-01", "--format", "json"],
    "report.csv": ["report", "--as-of", "2020-01-01", "--format", "csv"],
    "report.md": ["report", "--as-of", "2020-01-01", "--format", "markdown"],
    "detail.txt": ["report", "--as-of", "2020-01-01", "--supplier", "Alpha", "--max-tier", "0",
                   "--min-weight", "0"],
    "listed.csv": ["listed", "--as-of", "2020-01-01", "--format", "csv"],
    "diff.json": ["diff", "--from", "2019-01-01", "--to", "2020-01-01", "--format", "json"],
    "diff.csv": ["diff", "--from", "2019-01-01", "--to", "2020-01-01", "--format", "csv"],
}
for name, args in runs.items():
    cli([*args, *common, "-o", str(out / name)], standalone_mode=False)
if "render" in cli.commands:
    pictures = {"network.png": [], "alpha.svg": ["--supplier", "Alpha"], "network.html": []}
    for name, extra in pictures.items():
        cli(["render", "--as-of", "2020-01-01", *extra, *common, "-o", str(out / name)],
            standalone_mode=False)
else:  # the pictures through the library
    import exposure
    from exposure.render.plot import plot_exposure

    result = exposure.analyze(exposure.load(data), as_of="2020-01-01")
    plot_exposure(result, save=True, filepath=out / "network.png", close=True)
    plot_exposure(result, supplier="Alpha", save=True, filepath=out / "alpha.svg", close=True)
if "export" in cli.commands:
    for name in ("graph.json", "graph.graphml", "graph.gexf"):
        cli(["export", "--as-of", "2020-01-01", *common, "-o", str(out / name)],
            standalone_mode=False)
"""


def test_the_same_inputs_give_byte_identical_files(make_data: MakeData, tmp_path: Path) -> None:
    """Two processes with different hash seeds write the same bytes (JSON, CSV, PNG, SVG)."""
    listed = [listing("Hikvision"), listing("Dahua", start="2019-06-01"), listing("Megvii")]
    sales = [
        sale("Alpha", "Hikvision", 0.1),
        sale("Alpha", "Dahua", 0.1),  # ties: equal weights
        sale("Alpha", "Middle One", 0.2),
        sale("Alpha", "Middle Two", 0.2),
        sale("Middle One", "Megvii", 0.5),
        sale("Middle Two", "Megvii", 0.5),
        sale("Middle One", "Middle Two", 0.3),
        sale("Middle Two", "Middle One", 0.3),  # a cycle
        sale("Beta", "Middle One", None),  # unknown share
        sale("Gamma", "Beta", 0.4, share_basis="estimate"),
        sale("Delta", "Elsewhere", 0.9),
    ]
    folder = make_data(listed, sales)
    (folder / "ownership.csv").write_text(
        "owner,owned,percent,source\nHikvision,Elsewhere,30,src\nDahua,Elsewhere,30,src\n"
    )
    script = tmp_path / "write_all.py"
    script.write_text(DETERMINISM_SCRIPT, encoding="utf-8")
    outs = []
    processes = []
    for seed in ("0", "4242"):
        out = tmp_path / f"out-{seed}"
        out.mkdir()
        outs.append(out)
        env = {**os.environ, "PYTHONHASHSEED": seed}
        processes.append(
            subprocess.Popen(
                [sys.executable, str(script), str(folder), str(out)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=Path(__file__).resolve().parents[1],
            )
        )
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()
    first, second = ({p.name: p.read_bytes() for p in out.iterdir()} for out in outs)
    assert {
        "report.json",
        "report.csv",
        "diff.json",
        "listed.csv",
        "network.png",
        "alpha.svg",
    } <= set(first)
    assert sorted(first) == sorted(second)
    different = [name for name in sorted(first) if first[name] != second[name]]
    assert different == []
