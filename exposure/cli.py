"""The ``exposure`` command line: a thin shell over the library.

Each command parses its options, makes one or two library calls and formats the result.
Errors the library raises on purpose (:class:`~exposure.ExposureError`) become ``Error: ...``
with exit status 1 and no traceback; usage errors exit with status 2.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from exposure import __version__

F = TypeVar("F", bound=Callable[..., Any])

DataDir = click.Path(exists=False, file_okay=False, path_type=Path)
InFile = click.Path(dir_okay=False, path_type=Path)
OutFile = click.Path(dir_okay=False, writable=True, allow_dash=True, path_type=Path)


def data_options(function: F) -> F:
    """Add the options every command shares: where the data is and as of when."""
    options = [
        click.option(
            "--data",
            "data_dir",
            type=DataDir,
            default=None,
            help="Folder holding suppliers.csv and listed.csv. Default: the bundled data.",
        ),
        click.option(
            "--listed",
            "listed_file",
            type=InFile,
            default=None,
            help="A listed.csv file to use instead of the folder's.",
        ),
        click.option(
            "--suppliers",
            "suppliers_file",
            type=InFile,
            default=None,
            help="A suppliers.csv file to use instead of the folder's.",
        ),
        click.option(
            "--as-of",
            "as_of",
            metavar="DATE",
            default=None,
            help="Take listings in force on this date (YYYY-MM-DD). Default: today.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def format_option(function: F) -> F:
    """``--format``, shared by every command that prints results."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["table", "json", "csv", "markdown"]),
        default="table",
        show_default=True,
        help="Output format.",
    )(function)


def output_option(function: F) -> F:
    """``-o/--output``: write to a file (atomically) instead of the terminal."""
    return click.option(
        "-o",
        "--output",
        type=OutFile,
        default=None,
        help="Write to this file instead of the terminal.",
    )(function)


def library_errors(function: F) -> F:
    """Turn the library's errors into ``Error: ...`` and exit status 1."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from exposure._errors import ExposureError

        try:
            return function(*args, **kwargs)
        except ExposureError as error:
            raise click.ClickException(str(error)) from None
        except KeyboardInterrupt:
            click.echo("Interrupted; nothing was written.", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def analysis_options(function: F) -> F:
    """Add the options that shape an analysis; the command receives them as ``analysis``."""

    @functools.wraps(function)
    def wrapper(
        *args: Any,
        affiliates_rule: bool,
        ownership_threshold: float,
        assume_listed: tuple[str, ...],
        assume_delisted: tuple[str, ...],
        max_tier: int,
        min_weight: float,
        **kwargs: Any,
    ) -> Any:
        analysis = {
            "affiliates_rule": affiliates_rule,
            "ownership_threshold": ownership_threshold,
            "assume_listed": assume_listed,
            "assume_delisted": assume_delisted,
            "max_tier": max_tier,
            "min_weight": min_weight,
        }
        return function(*args, analysis=analysis, **kwargs)

    options = [
        click.option(
            "--affiliates-rule/--no-affiliates-rule",
            default=True,
            show_default=True,
            help="Treat entities owned 50%+ by listed entities as listed, where a rule says so "
            "on the date (BIS 90 FR 47201, OFAC's 50% rule); needs ownership.csv.",
        ),
        click.option(
            "--ownership-threshold",
            type=click.FloatRange(0, 100, min_open=True),
            default=50.0,
            show_default=True,
            metavar="PERCENT",
            help="Listed ownership from which an entity counts as an affiliate.",
        ),
        click.option(
            "--assume-listed",
            multiple=True,
            metavar="NAME",
            help="What-if: treat this entity as listed (repeatable).",
        ),
        click.option(
            "--assume-delisted",
            multiple=True,
            metavar="NAME",
            help="What-if: treat this entity as no longer listed (repeatable).",
        ),
        click.option(
            "--max-tier",
            type=click.IntRange(min=0),
            default=4,
            show_default=True,
            metavar="N",
            help="List paths of at most N sales (0: no limit); longer ones are summarised.",
        ),
        click.option(
            "--min-weight",
            type=click.FloatRange(0, 1),
            default=0.001,
            show_default=True,
            metavar="SHARE",
            help="List paths beyond tier 1 carrying at least this share of the supplier's "
            "revenue (0.001 = 0.1%; 0: all); lighter ones are summarised.",
        ),
    ]
    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper  # type: ignore[return-value]


def _emit(text: str, output: Path | None, inputs: tuple[Path, ...] = ()) -> None:
    if output is None or str(output) == "-":
        click.echo(text, nl=False)
        return
    from exposure.io import write_atomic

    write_atomic(output, text, inputs=inputs)
    click.echo(f"Wrote {output}", err=True)


def _analyze(
    data_dir: Path | None,
    listed_file: Path | None,
    suppliers_file: Path | None,
    as_of: str | None,
    **analysis: Any,
) -> Any:
    from exposure import analyze, load

    dataset = load(data_dir, listed=listed_file, suppliers=suppliers_file)
    return analyze(dataset, as_of=as_of, **analysis)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="exposure")
def cli() -> None:
    """Find which suppliers an export-control listing reaches, and how much revenue is at risk.

    Through which buyers and paths, with which products, and why. The bundled data covers
    the Entity List additions of 2019 (84 FR 54002, 84 FR 22961)
    and their reported US suppliers; --data points at your own files.

    \b
    Example:
        exposure report --supplier Ambarella
    """


@cli.command()
@click.option(
    "--supplier",
    "suppliers",
    multiple=True,
    metavar="NAME",
    help="Report on this supplier (repeatable). Default: all, most exposed first.",
)
@data_options
@analysis_options
@format_option
@output_option
@library_errors
def report(
    suppliers: tuple[str, ...],
    data_dir: Path | None,
    listed_file: Path | None,
    suppliers_file: Path | None,
    as_of: str | None,
    analysis: dict[str, Any],
    fmt: str,
    output: Path | None,
) -> None:
    """Report which suppliers are exposed, through which listed buyers, and why.

    With --supplier: every listed buyer reached, with its tier, path, products, listing,
    licence policy and the sources of each fact. Without: one line per supplier, ranked.

    \b
    Example:
        exposure report --supplier Ambarella
        exposure report --as-of 2019-06-01 --format markdown
        exposure report --supplier Ambarella --as-of 2019-06-01 --assume-listed Hikvision
    """
    from exposure.report import format_report

    result = _analyze(data_dir, listed_file, suppliers_file, as_of, **analysis)
    records = result.records(list(suppliers) or None)
    text = format_report(records, fmt, as_of=result.as_of.isoformat(), detailed=bool(suppliers))
    _emit(text, output, tuple(result.graph.dataset.files.values()))


@cli.command()
@data_options
@format_option
@output_option
@library_errors
def listed(
    data_dir: Path | None,
    listed_file: Path | None,
    suppliers_file: Path | None,
    as_of: str | None,
    fmt: str,
    output: Path | None,
) -> None:
    """List the entities whose listing is in force on a date.

    \b
    Example:
        exposure listed --as-of 2019-10-09
    """
    from exposure.report import format_listed

    result = _analyze(data_dir, listed_file, suppliers_file, as_of)
    text = format_listed(result.listing_records(), fmt, as_of=result.as_of.isoformat())
    _emit(text, output, tuple(result.graph.dataset.files.values()))


@cli.command()
@data_options
def validate(
    data_dir: Path | None, listed_file: Path | None, suppliers_file: Path | None, as_of: str | None
) -> None:
    """Check the data files and print every problem found.

    Exits with status 0 when the files are clean, 1 otherwise.

    \b
    Example:
        exposure validate --data my-data/
    """
    from exposure import DataError, ExposureError, build_graph, load

    try:
        dataset = load(data_dir, listed=listed_file, suppliers=suppliers_file)
        build_graph(dataset)
    except DataError as error:
        for problem in error.problems:
            click.echo(str(problem))
        click.echo(f"{len(error.problems)} problem(s) found.", err=True)
        sys.exit(1)
    except ExposureError as error:
        raise click.ClickException(str(error)) from None
    tables = {
        "listed": dataset.listed,
        "suppliers": dataset.suppliers,
        "ownership": dataset.ownership,
    }
    for name, path in dataset.files.items():
        table = tables.get(name)
        click.echo(f"{path}: {0 if table is None else len(table)} rows, no problems.")


@cli.command()
@click.option(
    "--from", "before", required=True, metavar="DATE", help="The earlier date (YYYY-MM-DD)."
)
@click.option("--to", "after", required=True, metavar="DATE", help="The later date (YYYY-MM-DD).")
@click.option(
    "--unchanged", is_flag=True, help="Also list suppliers whose exposure did not change."
)
@data_options
@analysis_options
@format_option
@output_option
@library_errors
def diff(
    before: str,
    after: str,
    unchanged: bool,
    data_dir: Path | None,
    listed_file: Path | None,
    suppliers_file: Path | None,
    as_of: str | None,
    analysis: dict[str, Any],
    fmt: str,
    output: Path | None,
) -> None:
    """Show which suppliers became exposed, or stopped being exposed, between two dates.

    For each: the newly listed buyers it reaches (with their notice and date) and the change
    in revenue at risk. With --assume-listed/--assume-delisted, the later date's analysis
    rests on those assumptions: what would a new listing change?

    \b
    Example:
        exposure diff --from 2019-10-08 --to 2019-10-09
        exposure diff --from 2019-06-01 --to 2019-06-01 --assume-listed Hikvision
    """
    from exposure import analyze, load
    from exposure.compare import diff as compare
    from exposure.report import format_diff

    if as_of is not None:
        raise click.UsageError("diff takes --from and --to, not --as-of")
    dataset = load(data_dir, listed=listed_file, suppliers=suppliers_file)
    facts = {k: v for k, v in analysis.items() if not k.startswith("assume_")}
    earlier = analyze(dataset, as_of=before, **facts)
    later = analyze(dataset, as_of=after, **analysis)
    changes = compare(earlier, later, unchanged=unchanged)
    text = format_diff(
        changes,
        fmt,
        before=earlier.as_of.isoformat(),
        after=later.as_of.isoformat(),
        assumptions=later.assumptions,
    )
    _emit(text, output, tuple(dataset.files.values()))


def main() -> None:
    """Run the command line (the ``exposure`` console script)."""
    cli(prog_name="exposure")


if __name__ == "__main__":  # pragma: no cover
    main()
