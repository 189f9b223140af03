"""The ``exposure`` command line: a thin shell over the library.

Each command parses its options, makes one or two library calls and formats the result.
Errors the library raises on purpose (:class:`~exposure.ExposureError`) become ``Error: ...``
with exit status 1 and no traceback; usage errors exit with status 2.
"""

from __future__ import annotations

import dataclasses
import functools
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import click
import pandas as pd

from exposure.cache import load_graph
from exposure.changes import changes_table, list_changes, list_changes_table
from exposure.changes import diff as compare
from exposure.entities import screen as screening
from exposure.errors import DataError, ExposureError
from exposure.graph import SupplyGraph, build_graph
from exposure.ownership import (
    OWNERSHIP_THRESHOLD,
    owned_outside_the_data,
    unknown_parts_of_listed_owners,
)
from exposure.read import csl
from exposure.read.dataset import (
    Dataset,
    bundled_data_dir,
    folder_file,
    load,
    read_listed,
    read_lists,
    read_matches,
)
from exposure.read.download import CSL_URL, download_csl
from exposure.read.folders import cite_row, is_url
from exposure.read.schema import LISTED, LISTS, MATCHES
from exposure.read.tables import read_names
from exposure.records import MAX_TIER, MIN_WEIGHT, HopsAs
from exposure.render.columnar import (
    write_parquet_batches,
    write_parquet_report,
    write_parquet_table,
)
from exposure.render.export import EXPORT_FORMATS, export_graph, format_of
from exposure.render.html import MAX_HTML_NODES, write_html
from exposure.render.plot import (
    FIGSIZE,
    MAX_INCHES,
    MAX_PICTURE_NODES,
    SAVED_DPI,
    check_network_size,
    check_picture_size,
    picture_format,
    plot_exposure,
)
from exposure.render.text import (
    FORMATS,
    JsonHops,
    csv_report_chunks,
    format_diff,
    format_for,
    format_list_diff,
    format_listed,
    format_pending,
    format_report,
    format_screen,
    json_report_bytes,
    json_report_chunks,
    ranking_chunks,
    sold_by,
)
from exposure.restrictions import list_rule, own_rules
from exposure.result import Result, analyze, parse_date
from exposure.review import Decision, PendingLink, linked, pending, record_decisions
from exposure.util.atomic import open_atomic, open_atomic_bytes, refuse_inputs
from exposure.util.progress import advance, progress
from exposure.util.words import count
from exposure.version import __version__

F = TypeVar("F", bound=Callable[..., Any])

DataDir = click.Path(exists=False, file_okay=False, path_type=Path)
InFile = click.Path(dir_okay=False, path_type=Path)
#: A table: a CSV or Parquet file, or a folder of the Parquet parts of one table.
InTable = click.Path(path_type=Path)


class _OrURL(click.ParamType):
    """A local path as ``path`` takes it, or a URL (``s3a://``, ``hdfs://``) kept as written.

    Only ``report --engine spark`` reads or writes a URL; elsewhere it is refused with a
    message (:func:`exposure.load`, :func:`report`).
    """

    def __init__(self, path: click.Path) -> None:
        self.path = path
        self.name = path.name

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and is_url(value):
            return value
        return self.path.convert(value, param, ctx)


#: The sales table: a local table, or a URL Spark reads.
SalesTable = _OrURL(InTable)
OutFile = click.Path(dir_okay=False, writable=True, allow_dash=True, path_type=Path)
#: A file written by its suffix's format (a picture, an export): no "-" for the terminal.
FileOut = click.Path(dir_okay=False, writable=True, path_type=Path)
#: ``report``'s output: a file, or a folder for ``--format parquet`` (a URL with Spark).
ReportOut = _OrURL(click.Path(writable=True, allow_dash=True, path_type=Path))


def data_options(function: F) -> F:
    """Add the options every command shares: where the data is and as of when."""
    return as_of_option(data_files_options(function))


def as_of_option(function: F) -> F:
    """``--as-of``: the date whose listings count."""
    return click.option(
        "--as-of",
        "as_of",
        metavar="DATE",
        default=None,
        help="Take listings in force on this date (YYYY-MM-DD). Default: today.",
    )(function)


def data_files_options(function: F) -> F:
    """Add where the data is: ``--data``, ``--listed``, ``--suppliers``."""
    options = [
        click.option(
            "--data",
            "data_dir",
            type=DataDir,
            default=None,
            help="Folder holding suppliers.csv and listed.csv (or .parquet). Default: the bundled data.",
        ),
        click.option(
            "--listed",
            "listed_file",
            type=InTable,
            default=None,
            help="A listed.csv file (or .parquet, or a folder of Parquet parts) to use instead"
            " of the folder's.",
        ),
        click.option(
            "--suppliers",
            "suppliers_file",
            type=SalesTable,
            default=None,
            help="A suppliers.csv file (or .parquet, or a folder of Parquet parts) to use"
            " instead of the folder's; with report --engine spark, a URL too (s3a://...).",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def cache_option(function: F) -> F:
    """``--cache-dir``: keep built graphs in a folder and reuse them (see exposure.cache)."""
    return click.option(
        "--cache-dir",
        "cache_dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="EXPOSURE_CACHE_DIR",
        default=None,
        help="Keep each graph built from large files in this folder, and reuse it while the "
        "files and options stay the same: later runs skip reading and name matching. "
        "[env var: EXPOSURE_CACHE_DIR]",
    )(function)


def format_option(function: F) -> F:
    """``--format``, shared by every command that prints results; default from ``-o``'s suffix.

    The command receives the format to write (:func:`exposure.render.text.format_for`): the
    one given, else the one the output file's suffix names, else ``table``.
    """
    return _format_option(FORMATS, function)


def _format_option(formats: tuple[str, ...], function: F) -> F:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        output = kwargs.get("output")
        if is_url(output or "") and (kwargs["fmt"], kwargs.get("engine")) != ("parquet", "spark"):
            raise click.UsageError(
                f"-o {output} is a URL: only `report --engine spark --format parquet` writes to "
                "one; give a local path"
            )
        if kwargs["fmt"] == "parquet":
            if output is None or str(output) == "-":
                raise click.UsageError("--format parquet writes a folder: give it with -o DIR")
            return function(*args, **kwargs)
        if output is not None and Path(output).is_dir():
            msg = f"{output} is a folder: give a file to -o (only --format parquet writes a folder)"
            raise click.UsageError(msg)
        try:
            kwargs["fmt"] = format_for(kwargs["fmt"], kwargs.get("output"))
        except ExposureError as error:
            raise click.UsageError(str(error)) from None
        return function(*args, **kwargs)

    tables = " parquet: Parquet tables in the folder -o names." if ("parquet" in formats) else ""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(formats),
        default=None,
        help="Output format. Default: from the suffix of -o (.txt, .md, .csv, .json), else "
        f"table.{tables}",
    )(cast(F, wrapper))


def table_format_option(function: F) -> F:
    """``--format`` and ``-o`` of the commands that also write Parquet tables into a folder."""
    return _format_option(
        (*FORMATS, "parquet"),
        click.option(
            "-o",
            "--output",
            type=ReportOut,
            default=None,
            help="Write to this file instead of the terminal (a folder for --format parquet).",
        )(function),
    )


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
        try:
            return function(*args, **kwargs)
        except ExposureError as error:
            raise click.ClickException(str(error)) from None
        except KeyboardInterrupt:
            click.echo("Interrupted; nothing was written.", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


@dataclass(frozen=True)
class Analysis:
    """The options that shape an analysis, as the command line gives them."""

    fuzzy: bool
    affiliates_rule: bool
    ownership_threshold: float
    assume_listed: tuple[str, ...]
    assume_delisted: tuple[str, ...]
    max_tier: int
    min_weight: float

    def facts_only(self) -> Analysis:
        """Return the same options without the what-if assumptions."""
        return dataclasses.replace(self, assume_listed=(), assume_delisted=())

    def analyze(self, graph: SupplyGraph, as_of: str | None) -> Result:
        """Analyse ``graph`` as of a date with these options."""
        return analyze(
            graph, as_of=as_of, max_tier=self.max_tier, min_weight=self.min_weight, **self.options()
        )

    def options(self) -> dict[str, Any]:
        """Return the options every engine takes, by :func:`exposure.analyze`'s names."""
        return {
            "fuzzy": self.fuzzy,
            "affiliates_rule": self.affiliates_rule,
            "ownership_threshold": self.ownership_threshold,
            "assume_listed": self.assume_listed,
            "assume_delisted": self.assume_delisted,
        }


#: What commands that take no analysis options (``listed``, ``review``) analyse with: the
#: library's defaults.
DEFAULT_ANALYSIS = Analysis(True, True, OWNERSHIP_THRESHOLD, (), (), MAX_TIER, MIN_WEIGHT)


#: Whether customer names are matched fuzzily: every command that builds a graph takes it.
fuzzy_option = click.option(
    "--fuzzy/--no-fuzzy",
    default=True,
    show_default=True,
    help="Match customer names to listed names fuzzily, beyond equal keys and "
    "matches.csv. --no-fuzzy is much faster on millions of names.",
)


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
        fuzzy: bool,
        **kwargs: Any,
    ) -> Any:
        analysis = Analysis(
            fuzzy=fuzzy,
            affiliates_rule=affiliates_rule,
            ownership_threshold=ownership_threshold,
            assume_listed=assume_listed,
            assume_delisted=assume_delisted,
            max_tier=max_tier,
            min_weight=min_weight,
        )
        return function(*args, analysis=analysis, **kwargs)

    options = [
        fuzzy_option,
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
            default=OWNERSHIP_THRESHOLD,
            show_default=True,
            metavar="PERCENT",
            help="Listed ownership from which an entity counts as an affiliate.",
        ),
        click.option(
            "--assume-listed",
            multiple=True,
            metavar="NAME[=LIST]",
            help="What-if: treat this entity (any name in the data files, ownership.csv "
            "included) as listed, on the Entity List unless a LIST is named (repeatable).",
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
            default=MAX_TIER,
            show_default=True,
            metavar="N",
            help="List paths of at most N sales (0: no limit); longer ones are summarised.",
        ),
        click.option(
            "--min-weight",
            type=click.FloatRange(0, 1),
            default=MIN_WEIGHT,
            show_default=True,
            metavar="SHARE",
            help="List paths beyond tier 1 carrying at least this share of the supplier's "
            "revenue (0.001 = 0.1%; 0: all); lighter ones are summarised.",
        ),
    ]
    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper  # type: ignore[return-value]


def _emit(text: str | Iterable[str], output: Path | None, inputs: tuple[Path, ...] = ()) -> None:
    """Write a text, or its pieces as they come: to the terminal, or atomically to a file."""
    chunks = [text] if isinstance(text, str) else text
    if output is None or str(output) == "-":
        for chunk in chunks:
            click.echo(chunk, nl=False)
        return
    with open_atomic(output, inputs=inputs) as handle:
        for chunk in chunks:
            handle.write(chunk)
    click.echo(f"Wrote {output}", err=True)


def _emit_records(
    records: Iterator[Mapping[str, Any]],
    total: int,
    output: Path | None,
    inputs: tuple[Path, ...],
    *,
    fmt: str,
) -> None:
    """Write the JSON or CSV report piece by piece: to the terminal, or atomically to a file."""
    chunks = csv_report_chunks if fmt == "csv" else json_report_chunks

    if output is None or str(output) == "-":
        if not sys.stdout.isatty():  # a bar beside the report on a terminal would garble it
            records = _counted(records, total)
        try:
            for chunk in chunks(records):
                click.echo(chunk, nl=False)
        except KeyboardInterrupt:
            # Unlike a file, the terminal or pipe has the report's first part already.
            click.echo("\nInterrupted; the report above is incomplete.", err=True)
            sys.exit(130)
        return
    if fmt == "json":  # bytes as orjson writes them, not decoded and encoded again
        with open_atomic_bytes(output, inputs=inputs) as binary:
            for piece in json_report_bytes(_counted(records, total)):
                binary.write(piece)
    else:
        with open_atomic(output, inputs=inputs) as handle:
            for chunk in chunks(_counted(records, total)):
                handle.write(chunk)
    click.echo(f"Wrote {output}", err=True)


def _counted(records: Iterator[Mapping[str, Any]], total: int) -> Iterator[Mapping[str, Any]]:
    """Pass the records on under a progress bar (drawn only when it takes over a second)."""
    with progress("reporting", total=total):
        for record in records:
            yield record
            advance()


def _counted_batches(
    batches: Iterator[tuple[list[Any], Any]], total: int
) -> Iterator[tuple[list[Any], Any]]:
    """Pass batches of records on under a progress bar, as :func:`_counted` passes records."""
    with progress("reporting", total=total):
        for batch in batches:
            yield batch
            advance(steps=len(batch[0]))


def _analyze(
    data_dir: Path | None,
    listed_file: Path | None,
    suppliers_file: Path | str | None,
    as_of: str | None,
    cache_dir: Path | None,
    analysis: Analysis = DEFAULT_ANALYSIS,
    check: Callable[[Dataset], None] | None = None,
) -> Result:
    graph = load_graph(
        data_dir,
        listed=listed_file,
        suppliers=suppliers_file,
        fuzzy=analysis.fuzzy,
        cache_dir=cache_dir,
        check=check,
    )
    result = analysis.analyze(graph, as_of)
    with progress("analysing", total=3):
        return result.compute(done=advance)


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
@click.option(
    "--top",
    type=click.IntRange(min=1),
    metavar="N",
    help="Without --supplier: only the N most exposed suppliers (in every format).",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "spark"]),
    default="local",
    show_default=True,
    help="spark: compute every supplier's figures on Apache Spark (pip install "
    "'exposure[spark]'), with --format parquet -o DIR, or explain --supplier NAME from the "
    "sales Spark reads; docs/scaling.md.",
)
@click.option(
    "--spark-master",
    default=None,
    metavar="URL",
    help="With --engine spark: where Spark runs (local[*]: this machine's cores; "
    "spark://HOST:7077, yarn...). Default: spark-submit's --master when run by it, else "
    "local[*].",
)
@click.option(
    "--spark-conf",
    "spark_conf",
    multiple=True,
    metavar="KEY=VALUE",
    callback=lambda _ctx, _param, values: _spark_settings(values),
    help="With --engine spark: a Spark setting, as spark-submit's --conf takes it (e.g. "
    "spark.driver.memory=8g, all the memory local mode has). Repeatable.",
)
@click.option(
    "--spark-paths/--no-spark-paths",
    default=True,
    show_default=True,
    help="With --engine spark and no --supplier: search every supplier's paths for "
    "listed_buyers and the counts of what they show. --no-spark-paths leaves those columns "
    "empty (not known) and gives the figures far sooner on a large graph.",
)
@data_options
@cache_option
@analysis_options
@table_format_option
@library_errors
def report(
    suppliers: tuple[str, ...],
    top: int | None,
    engine: str,
    spark_master: str | None,
    spark_conf: dict[str, str],
    spark_paths: bool,
    data_dir: Path | None,
    listed_file: Path | None,
    suppliers_file: Path | str | None,
    as_of: str | None,
    cache_dir: Path | None,
    analysis: Analysis,
    fmt: str,
    output: Path | str | None,
) -> None:
    """Report which suppliers are exposed, through which listed buyers, and why.

    With --supplier: every listed buyer reached, with its tier, path, products, listing,
    licence policy and the sources of each fact. Without: one line per supplier, ranked.

    \b
    Example:
        exposure report --supplier Ambarella
        exposure report --as-of 2019-06-01 --format markdown
        exposure report --top 20
        exposure report --supplier Ambarella --as-of 2019-06-01 --assume-listed Hikvision
        exposure report --format parquet -o report/
        exposure report --engine spark --data my-data/ --format parquet -o report/
        exposure report --engine spark --data my-data/ --supplier Ambarella
    """
    if suppliers and top is not None:
        raise click.UsageError("--top ranks every supplier; leave it out with --supplier.")
    if isinstance(output, str) and suppliers:  # what this machine writes goes to a local path
        raise click.UsageError(
            f"-o {output} is a URL: Spark writes every supplier's figures to one (no "
            "--supplier); give a local path"
        )
    if engine == "spark":
        every_supplier = not suppliers
        if every_supplier and (fmt != "parquet" or top is not None or cache_dir is not None):
            raise click.UsageError(
                "--engine spark writes every supplier's figures with --format parquet -o DIR, "
                "or explains --supplier NAME; leave out --top and --cache-dir."
            )
        dataset = load(data_dir, listed=listed_file, suppliers=suppliers_file, sales=False)
        sales = _sales_on_spark(spark_master, spark_conf, dataset)
        if every_supplier:
            assert output is not None  # the format option asked for it
            _report_on_spark(dataset, sales, as_of, analysis, output, paths=spark_paths)
            return
        result = _explain_on_spark(dataset, sales, as_of, analysis, suppliers)
    else:
        result = _analyze(data_dir, listed_file, suppliers_file, as_of, cache_dir, analysis)
    assert not isinstance(output, str)  # a URL only for Spark's figures (checked above)
    inputs = result.graph.dataset.inputs
    ranked = len(result.graph.supplier_codes)
    # Only the lines shown are computed: the first N of a ranking of a million suppliers.
    shown = min(ranked, top or ranked)
    if fmt == "parquet":
        assert output is not None  # the format option asked for it
        if suppliers:
            records = _counted(result.iter_records(list(suppliers)), len(suppliers))
            n_suppliers, n_paths = write_parquet_report(records, output, inputs=inputs)
        else:  # the paths of every supplier as tables made from the arrays
            batches = _counted_batches(result.iter_report_batches(top=top), shown)
            n_suppliers, n_paths = write_parquet_batches(batches, output, inputs=inputs)
        click.echo(
            f"Wrote {output}: suppliers.parquet ({count(n_suppliers, 'row')}), "
            f"paths.parquet ({count(n_paths, 'row')})",
            err=True,
        )
        return
    if fmt in ("json", "csv"):
        # Written record by record as they are computed: the report of every supplier of a
        # large graph does not fit in memory as one text.
        # The writers only read the hops that records share: no copy of each for each.
        hops_as: HopsAs = JsonHops() if fmt == "json" else list
        records = result.iter_records(list(suppliers) or None, top=top, hops_as=hops_as)
        _emit_records(records, len(suppliers) or shown, output, inputs, fmt=fmt)
        return
    if suppliers:
        text = format_report(
            result.records(list(suppliers)), fmt, as_of=result.as_of.isoformat(), detailed=True
        )
        _emit(text, output, inputs)
        return
    # A line per supplier (its paths' sales, listings and sources are not needed), written a
    # block at a time: the ranking of a million suppliers is never one text in memory.
    of_all = None if shown == ranked else (result.exposed_suppliers, ranked)
    chunks = ranking_chunks(
        _counted(result.iter_ranking(top=top), shown),
        as_of=result.as_of.isoformat(),
        markdown=fmt == "markdown",
        of_all=of_all,
    )
    _emit(chunks, output, inputs)


def _spark_settings(values: tuple[str, ...]) -> dict[str, str]:
    """Return ``--spark-conf KEY=VALUE`` options as settings, or say how to write one."""
    settings = {}
    for value in values:
        key, sep, setting = value.partition("=")
        if not sep or not key.strip():
            msg = f"{value!r} is no Spark setting: write KEY=VALUE, e.g. spark.driver.memory=8g"
            raise click.BadParameter(msg, param_hint="--spark-conf")
        settings[key.strip()] = setting.strip()
    return settings


def _sales_on_spark(master: str | None, settings: dict[str, str], dataset: Dataset) -> Any:
    """Return the sales of ``dataset``'s suppliers file as a Spark session started so reads them."""
    from exposure import spark

    return spark.read_sales(spark.connect(master, settings), dataset.files["suppliers"])


def _explain_on_spark(
    dataset: Dataset, sales: Any, as_of: str | None, analysis: Analysis, suppliers: tuple[str, ...]
) -> Result:
    from exposure import spark

    return spark.explain_suppliers(
        sales,
        dataset,
        suppliers,
        as_of=as_of,
        max_tier=analysis.max_tier,
        min_weight=analysis.min_weight,
        **analysis.options(),
    ).compute()


def _report_on_spark(
    dataset: Dataset,
    sales: Any,
    as_of: str | None,
    analysis: Analysis,
    output: Path | str,
    *,
    paths: bool,
) -> None:
    from exposure import spark

    figures = spark.analyze_spark(
        sales,
        dataset,
        as_of=as_of,
        max_tier=analysis.max_tier,
        min_weight=analysis.min_weight,
        paths=paths,
        **analysis.options(),
    )
    inputs = dataset.inputs
    rows = spark.write_suppliers(figures, output, inputs=inputs)
    where = sales.sparkSession.sparkContext.master
    click.echo(
        f"Wrote {output}: suppliers.parquet ({count(rows, 'row')}), on Spark ({where})", err=True
    )


@cli.command()
@data_options
@cache_option
@format_option
@output_option
@library_errors
def listed(
    data_dir: Path | None,
    listed_file: Path | None,
    suppliers_file: Path | None,
    as_of: str | None,
    cache_dir: Path | None,
    fmt: str,
    output: Path | None,
) -> None:
    """List the entities whose listing is in force on a date, and their affiliates.

    \b
    Example:
        exposure listed --as-of 2019-10-09
    """
    result = _analyze(data_dir, listed_file, suppliers_file, as_of, cache_dir)
    records = result.listing_records(affiliates=True)
    text = format_listed(records, fmt, as_of=result.as_of.isoformat())
    _emit(text, output, result.graph.dataset.inputs)


@cli.command()
@data_options
@fuzzy_option
def validate(
    data_dir: Path | None,
    listed_file: Path | None,
    suppliers_file: Path | None,
    as_of: str | None,
    fuzzy: bool,
) -> None:
    """Check the data files and print every problem found.

    Exits with status 0 when the files are clean, 1 otherwise. Customer names that may be
    listed entities (possible matches, pending review) are warnings; --no-fuzzy does not look
    for them, and says so.

    \b
    Example:
        exposure validate --data my-data/
        exposure validate --data my-data/ --no-fuzzy
    """
    try:
        dataset = load(data_dir, listed=listed_file, suppliers=suppliers_file)
        graph = build_graph(dataset, fuzzy=fuzzy)
    except DataError as error:
        for problem in error.problems:
            click.echo(str(problem))
        click.echo(f"{count(len(error.problems), 'problem')} found.", err=True)
        sys.exit(1)
    except ExposureError as error:
        raise click.ClickException(str(error)) from None
    tables = {
        "listed": dataset.listed,
        "suppliers": dataset.suppliers,
        "ownership": dataset.ownership,
        "matches": dataset.matches,
        "lists": dataset.lists,
    }
    for name, path in dataset.files.items():
        table = tables.get(name)
        click.echo(f"{path}: {0 if table is None else len(table)} rows, no problems.")
    listed_path = Path(dataset.files["listed"])
    lists = dataset.listed["list"].astype(str)
    own = own_rules(dataset.lists)
    for list_name in lists.unique().tolist():
        rule = list_rule(list_name, own)
        if not rule.known:
            first = int(dataset.listed["_line"].to_numpy()[(lists == list_name).to_numpy()][0])
            file, line = cite_row(listed_path, first)
            click.echo(
                f"Warning: {file}, line {line}, column 'list': {list_name!r} is a list exposure's "
                "table does not know; its listings are read as restricting every sale (the "
                "cautious reading). Fix: name a list as the CSL names it, e.g. 'Entity List', "
                "or describe it in a lists.csv beside listed.csv."
            )
    pending = graph.possible_links()
    for spelling, listed_name, score, row in zip(
        pending["spelling"], pending["listed"], pending["score"], pending["line"], strict=True
    ):
        file, line = cite_row(Path(dataset.files["suppliers"]), int(row))
        click.echo(
            f"Warning: {file}, line {line}, column 'customer': {spelling!r} may be the listed "
            f"{listed_name!r} (possible, score {score:.1f}), and is not linked. Fix: confirm or "
            "reject the pair in matches.csv."
        )
    if len(pending):
        matches = count(len(pending), "possible match", "possible matches")
        verb = "needs" if len(pending) == 1 else "need"
        click.echo(f"{matches} of listed entities {verb} review.", err=True)
    for owned, row, closest in owned_outside_the_data(graph):
        file, line = cite_row(Path(dataset.files["ownership"]), row)
        meant = f" (did you mean {closest!r}?)" if closest else ""
        click.echo(
            f"Warning: {file}, line {line}, column 'owned': {owned!r} is no company of the "
            f"data{meant}, so its owners make nothing an affiliate. Fix: write the name as the "
            "suppliers file does."
        )
    for owner, owned, row in unknown_parts_of_listed_owners(graph):
        file, line = cite_row(Path(dataset.files["ownership"]), row)
        click.echo(
            f"Warning: {file}, line {line}, column 'percent': the part {owner!r} owns of "
            f"{owned!r} is not given, and {owner!r} is listed or owned by a listed entity; where "
            f"an ownership rule is in force, {owned!r} may be an affiliate and sales to it need "
            "review. Fix: give the percentage."
        )
    if not fuzzy:
        click.echo(
            "Possible matches of listed entities not looked for (--no-fuzzy): customer names "
            "are linked by equal keys and matches.csv only.",
            err=True,
        )


@cli.command()
@click.option(
    "--from", "before", default=None, metavar="DATE", help="The earlier date (YYYY-MM-DD)."
)
@click.option("--to", "after", default=None, metavar="DATE", help="The later date (YYYY-MM-DD).")
@click.option(
    "--from-list",
    "old_list",
    type=InTable,
    default=None,
    help="An earlier version of the listed file (a listed.csv, or a CSL download: its Entity "
    "List), to compare with --to-list instead of two dates.",
)
@click.option(
    "--to-list",
    "new_list",
    type=InTable,
    default=None,
    help="The later version of the listed file (say, today's CSL download).",
)
@click.option(
    "--on",
    "on_date",
    default=None,
    metavar="DATE",
    help="With --from-list/--to-list: the date both lists are read on. Default: today.",
)
# The name every other command gives the date, taken for --on; not listed, since with two
# dates it means nothing.
@click.option("--as-of", "as_of_alias", default=None, hidden=True)
@click.option(
    "--unchanged", is_flag=True, help="Also list suppliers whose exposure did not change."
)
@data_files_options
@cache_option
@analysis_options
@table_format_option
@library_errors
def diff(
    before: str | None,
    after: str | None,
    old_list: Path | None,
    new_list: Path | None,
    on_date: str | None,
    as_of_alias: str | None,
    unchanged: bool,
    data_dir: Path | None,
    listed_file: Path | None,
    suppliers_file: Path | None,
    cache_dir: Path | None,
    analysis: Analysis,
    fmt: str,
    output: Path | None,
) -> None:
    """Show which suppliers became exposed, or stopped being exposed, between two dates.

    For each: the newly listed buyers it reaches (with their notice and date) and the change
    in revenue at risk. With --assume-listed/--assume-delisted, the later date's analysis
    rests on those assumptions: what would a new listing change? With --from-list and
    --to-list instead of dates: what a new version of the list added, removed or changed
    (names, aliases, dates, footnotes, licence policy), which suppliers each change touches,
    and how their exposure changed.

    \b
    Example:
        exposure diff --from 2019-10-08 --to 2019-10-09
        exposure diff --from 2019-06-01 --to 2019-06-01 --assume-listed Hikvision
        exposure diff --from-list csl-2026-12-05.csv --to-list csl-2026-12-06.csv --data my-data
    """
    if as_of_alias is not None:
        if on_date is not None and on_date != as_of_alias:
            raise click.UsageError("--on and --as-of name two dates: give one")
        if not (old_list or new_list):
            raise click.UsageError(
                "diff takes no --as-of: compare two dates with --from and --to, or two lists "
                "with --from-list and --to-list (and --on DATE)"
            )
        on_date = as_of_alias
    if old_list or new_list:
        if not (old_list and new_list):
            raise click.UsageError("give both --from-list and --to-list")
        if before or after or listed_file:
            msg = "--from-list/--to-list compare two lists on one date (--on): leave out "
            raise click.UsageError(msg + "--from, --to and --listed")
        _diff_lists(
            old_list, new_list, on_date, unchanged, data_dir, suppliers_file, cache_dir, analysis,
            fmt, output,
        )  # fmt: skip
        return
    if on_date:
        raise click.UsageError(
            "--on goes with --from-list/--to-list; compare dates with --from and --to"
        )
    if not (before and after):
        raise click.UsageError("give --from DATE and --to DATE, or --from-list and --to-list")
    if parse_date(before) > parse_date(after):
        msg = f"--from {before} is later than --to {after}: give the earlier date as --from"
        raise click.UsageError(msg)
    graph = load_graph(  # once for both dates
        data_dir,
        listed=listed_file,
        suppliers=suppliers_file,
        fuzzy=analysis.fuzzy,
        cache_dir=cache_dir,
    )
    earlier = analysis.facts_only().analyze(graph, before)
    later = analysis.analyze(graph, after)
    changes = compare(earlier, later, unchanged=unchanged)
    if fmt == "parquet":
        assert output is not None  # the format option asked for it
        rows = write_parquet_table(
            changes_table(changes), output, "changes", inputs=graph.dataset.inputs
        )
        click.echo(f"Wrote {output}: changes.parquet ({count(rows, 'row')})", err=True)
        return
    text = format_diff(
        changes,
        fmt,
        before=earlier.as_of.isoformat(),
        after=later.as_of.isoformat(),
        assumptions=later.assumptions,
    )
    _emit(text, output, graph.dataset.inputs)


def _diff_lists(
    old_list: Path,
    new_list: Path,
    as_of: str | None,
    unchanged: bool,
    data_dir: Path | None,
    suppliers_file: Path | None,
    cache_dir: Path | None,
    analysis: Analysis,
    fmt: str,
    output: Path | None,
) -> None:
    """`diff --from-list OLD --to-list NEW`: the list's changes, and the suppliers they touch."""
    graphs = [
        load_graph(
            data_dir,
            listed=path,
            suppliers=suppliers_file,
            fuzzy=analysis.fuzzy,
            cache_dir=cache_dir,
        )
        for path in (old_list, new_list)
    ]
    day = parse_date(as_of).isoformat()
    earlier = analysis.facts_only().analyze(graphs[0], day)
    later = analysis.analyze(graphs[1], day)
    entries = list_changes(graphs[0].listings, graphs[1].listings, before=earlier, after=later)
    changes = compare(earlier, later, unchanged=unchanged)
    inputs = tuple({*graphs[0].dataset.inputs, *graphs[1].dataset.inputs})
    if fmt == "parquet":
        assert output is not None  # the format option asked for it
        rows = write_parquet_table(
            list_changes_table(entries), output, "list_changes", inputs=inputs
        )
        rows_changed = write_parquet_table(changes_table(changes), output, "changes", inputs=inputs)
        click.echo(
            f"Wrote {output}: list_changes.parquet ({count(rows, 'row')}), changes.parquet "
            f"({count(rows_changed, 'row')})",
            err=True,
        )
        return
    text = format_list_diff(
        entries,
        changes,
        fmt,
        old=old_list.name,
        new=new_list.name,
        as_of=day,
        assumptions=later.assumptions,
    )
    _emit(text, output, inputs)


@cli.command()
@click.option(
    "--confirm",
    "confirmed",
    multiple=True,
    metavar="CUSTOMER=LISTED",
    help="Record that the customer name is the listed entity (repeatable).",
)
@click.option(
    "--reject",
    "rejected",
    multiple=True,
    metavar="CUSTOMER=LISTED",
    help="Record that the customer name is not the listed entity (repeatable).",
)
@click.option("--note", default="", help="Why: the evidence, written with each decision.")
@click.option(
    "--one-by-one",
    "one_by_one",
    is_flag=True,
    help="Ask about each pending match in turn on the terminal: confirm, reject or skip.",
)
@data_options
@cache_option
@format_option
@output_option
@library_errors
def review(
    confirmed: tuple[str, ...],
    rejected: tuple[str, ...],
    note: str,
    one_by_one: bool,
    data_dir: Path | None,
    listed_file: Path | None,
    suppliers_file: Path | None,
    as_of: str | None,
    cache_dir: Path | None,
    fmt: str,
    output: Path | None,
) -> None:
    """List the possible matches of listed entities pending review, or record decisions.

    Without --confirm or --reject: every customer name that is only a possible match of an
    entity listed on the date, the sales that hang on it, most revenue first. With them: the
    decisions go to matches.csv in the --data folder (written whole, atomically, dated
    today), and the next report honours them.

    \b
    Example:
        exposure review --data my-data/
        exposure review --data my-data/ --confirm "Huawei Device=Huawei Technologies" --note "a unit"
        exposure review --data my-data/ --reject "Dahua Lighting=Dahua Technology" --note "another company"
        exposure review --data my-data/ --one-by-one
    """
    result = _analyze(data_dir, listed_file, suppliers_file, as_of, cache_dir)
    links = pending(result)
    inputs = result.graph.dataset.inputs
    decisions = [Decision.parse(p, "confirmed", note) for p in confirmed]
    decisions += [Decision.parse(p, "rejected", note) for p in rejected]
    if not decisions and not one_by_one:
        owned = result.affiliates
        affiliates = owned.loc[owned["possible"] & ~owned["affiliate"], "company"].tolist()
        text = format_pending(
            links, fmt, as_of=result.as_of.isoformat(), possible_affiliates=affiliates
        )
        _emit(text, output, inputs)
        return
    if data_dir is None:
        raise click.UsageError("decisions go to matches.csv in a --data folder: pass --data")
    if one_by_one:
        if decisions:
            raise click.UsageError(
                "--one-by-one asks about each match; leave out --confirm/--reject"
            )
        decisions = _ask(links)
        if not decisions:
            click.echo("No decision recorded.", err=True)
            return
    path = folder_file(data_dir, MATCHES)
    if path.suffix != ".csv":
        raise click.UsageError(f"{path} is Parquet: add the decisions to it with your own tools")
    others = tuple(p for p in inputs if p != path)
    record_decisions(
        path, decisions, links, day=parse_date(None), inputs=others, rejectable=linked(result)
    )
    click.echo(f"Recorded {count(len(decisions), 'decision')} in {path}", err=True)


def _ask(links: list[PendingLink]) -> list[Decision]:
    """Ask about each pending possible match on the terminal; return the decisions taken."""
    decisions = []
    for number, link in enumerate(links, start=1):
        shares = sold_by(link)
        click.echo(
            f"\n{number} of {len(links)}: {link['customer']!r} may be {link['listed']!r} "
            f"({link['list']}), score {link['score']}\n  why: {link['explanation']}\n"
            f"  sold by: {shares}"
        )
        answer = click.prompt(
            "  [c]onfirm, [r]eject, [s]kip, [q]uit",
            type=click.Choice(["c", "r", "s", "q"]),
            show_choices=False,
        )
        if answer == "q":
            break
        if answer == "s":
            continue
        why = click.prompt("  note (why)", default="", show_default=False)
        kind = "confirmed" if answer == "c" else "rejected"
        decisions.append(Decision(link["customer"], link["listed"], kind, why))
    return decisions


@cli.command("import-csl")
@click.argument("csl_file", metavar="[FILE]", type=InFile, required=False)
@click.option(
    "--download",
    is_flag=True,
    help="Fetch today's CSL from its public address instead of reading FILE, and keep it as "
    "csl-YYYY-MM-DD.csv in --keep.",
)
@click.option(
    "--url",
    default=CSL_URL,
    show_default=True,
    envvar="EXPOSURE_CSL_URL",
    show_envvar=True,
    help="Where --download fetches the CSL (a mirror, a proxy, a copy on the intranet).",
)
@click.option(
    "--keep",
    "keep_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the dated copies --download keeps. Default: the -o file's folder, else "
    "the current folder.",
)
@click.option(
    "--lists",
    default="EL",
    show_default=True,
    metavar="CODES",
    help="Lists to keep, by code, comma-separated (EL, MEU, UVL, DPL, SDN, SSI, CMIC, ISN, "
    "DTC ...), or 'all'.",
)
@click.option(
    "--undated-start",
    metavar="DATE",
    default=None,
    help="Start date for entries the CSL gives none (YYYY-MM-DD). "
    "Default: the newest start date in the file.",
)
@output_option
@library_errors
def import_csl(
    csl_file: Path | None,
    download: bool,
    url: str,
    keep_dir: Path | None,
    lists: str,
    undated_start: str | None,
    output: Path | None,
) -> None:
    """Turn a Consolidated Screening List download into a listed.csv.

    Reads FILE as the US government publishes it (consolidated.csv, 28 or 29 columns, or
    consolidated.json) and keeps the lists asked for; with --download, fetches today's CSL
    first and keeps a dated copy (compare two with `exposure diff --from-list OLD --to-list
    NEW`). What was read, kept and skipped, and why, goes to the terminal's error stream.

    \b
    Example:
        exposure import-csl consolidated.csv -o my-data/listed.csv
        exposure import-csl consolidated.json --lists EL,MEU,UVL -o listed.csv
        exposure import-csl --download --lists all -o my-data/listed.csv
    """
    if download == (csl_file is not None):
        msg = (
            "give a CSL FILE, or --download to fetch today's, not both"
            if download
            else ("give a CSL FILE, or --download to fetch today's")
        )
        raise click.UsageError(msg)
    if csl_file is None:
        folder = keep_dir or (output.parent if output and str(output) != "-" else Path.cwd())
        csl_file = download_csl(folder, url=url)
        click.echo(f"Downloaded {url} to {csl_file}", err=True)
    codes = None if lists.strip().casefold() == "all" else [c for c in lists.split(",") if c]
    table, stats = csl.read_csl(csl_file, codes, undated_start=undated_start)
    click.echo(str(stats), err=True)
    if not len(table):
        msg = f"no record of {lists} was kept from {csl_file}; nothing was written"
        raise ExposureError(msg)
    _emit(csl.to_listed_csv(table), output, (csl_file,))


@cli.command()
@click.argument("names", nargs=-1, metavar="[NAME]...")
@click.option(
    "--file",
    "names_file",
    type=InTable,
    default=None,
    help="A CSV or Parquet file (or a folder of Parquet parts) of names to screen (one per row).",
)
@click.option(
    "--column",
    default="name",
    show_default=True,
    help="The column of --file that holds the names.",
)
@click.option(
    "--country",
    default=None,
    metavar="CODE",
    help="The country (ISO code) of the NAMEs, as evidence. With --file: a 'country' column.",
)
@click.option(
    "--data",
    "data_dir",
    type=DataDir,
    default=None,
    help="Folder holding listed.csv or .parquet (and matches.csv). Default: the bundled data.",
)
@click.option(
    "--listed",
    "listed_file",
    type=InTable,
    default=None,
    help="A listed.csv (or .parquet, a folder of Parquet parts, or a CSL download) to use"
    " instead of the folder's.",
)
@click.option(
    "--as-of",
    "as_of",
    metavar="DATE",
    default=None,
    help="Screen against the listings in force on this date (YYYY-MM-DD). Default: today.",
)
@click.option(
    "--any-date",
    is_flag=True,
    help="Screen against every listing loaded, whatever its dates (ignores --as-of).",
)
@click.option(
    "--lists",
    default="EL",
    show_default=True,
    metavar="CODES",
    help="With a CSL download as --listed: the lists to screen against, or 'all'.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Candidates to show per name, best first.",
)
@table_format_option
@library_errors
def screen(
    names: tuple[str, ...],
    names_file: Path | None,
    column: str,
    country: str | None,
    data_dir: Path | None,
    listed_file: Path | None,
    as_of: str | None,
    any_date: bool,
    lists: str,
    limit: int,
    fmt: str,
    output: Path | None,
) -> None:
    """Screen names against the listed entities: match, possible (needs review) or none.

    Each name is compared with every listed name and alias after normalising case, accents,
    scripts, legal forms (also pinyin: Youxian Gongsi) and Chinese place names, and
    scored 0 to 100; a different country counts against it. Decisions in matches.csv
    (beside listed.csv) are honoured.

    \b
    Example:
        exposure screen "Zhejiang Dahua Technology Co., Ltd." --country CN
        exposure screen --file counterparties.csv --column company --format csv
        exposure screen "Huawei Device" --listed consolidated.csv --lists all --any-date
    """
    if not names and names_file is None:
        raise click.UsageError("give NAMEs to screen, or --file with a CSV of names")
    if names and names_file is not None:
        raise click.UsageError("give NAMEs or --file, not both")
    screened = list(names)
    countries = [country or ""] * len(screened)
    if names_file is not None:
        screened, countries = read_names(names_file, column)
        if country:
            countries = [c or country.upper() for c in countries]
    folder = data_dir or (listed_file.parent if listed_file is not None else bundled_data_dir())
    listed_path = listed_file or folder_file(folder, LISTED)
    if csl.is_csl(listed_path):
        codes = None if lists.strip().casefold() == "all" else lists.split(",")
        listed_table = csl.read_csl_listed(listed_path, codes)
    else:
        listed_table = read_listed(listed_path)
    matches_path = folder_file(folder, MATCHES)
    decisions = read_matches(matches_path) if matches_path.exists() else None
    lists_path = folder_file(folder, LISTS)
    own_lists = own_rules(read_lists(lists_path)) if lists_path.exists() else None
    day = None if any_date else parse_date(as_of)
    found = screening.screen(
        screened,
        listed_table,
        countries=countries,
        as_of=day,
        decisions=decisions,
        decisions_file=matches_path,
        limit=limit,
        own_lists=own_lists,
    )
    scope = "every listing" if day is None else f"the listings in force on {day.isoformat()}"
    source = listed_path if data_dir or listed_file else "the bundled listed.csv"
    if not (data_dir or listed_file):
        # A "none" against the demonstration data clears no one: say so every time.
        click.echo(
            f"Note: screened against the bundled demonstration listed.csv ({len(listed_table)} "
            "Entity List rows: Huawei and its affiliates, and the 28 additions of 2019-10-09), "
            "not a whole list. "
            "Pass --listed FILE or --data FOLDER; `exposure import-csl --download -o "
            "listed.csv` fetches today's Consolidated Screening List.",
            err=True,
        )
    records = screening.screen_records(found)
    # The data folder's files are protected too, though screening reads only some of them.
    data_files = [
        folder / f"{table}.{suffix}"
        for table in ("suppliers", "ownership", "matches")
        for suffix in ("csv", "parquet")
    ]
    inputs = tuple(p for p in (listed_path, names_file, *data_files) if p is not None)
    if fmt == "parquet":
        assert output is not None  # the format option asked for it
        table = pd.DataFrame(records, columns=list(screening.SCREEN_FIELDS))
        rows = write_parquet_table(table, output, "screen", inputs=inputs)
        click.echo(f"Wrote {output}: screen.parquet ({count(rows, 'row')})", err=True)
        return
    text = format_screen(records, fmt, against=f"{scope} of {source}", screened=len(screened))
    _emit(text, output, inputs)


def _figsize(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    if value is None:
        return None
    try:
        width, height = (float(part) for part in value.split(","))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not W,H in inches, e.g. 10,6") from None
    if not (0 < width <= MAX_INCHES and 0 < height <= MAX_INCHES):
        msg = f"{value!r}: width and height must be more than 0 and at most {MAX_INCHES:g} inches"
        raise click.BadParameter(msg)
    return (width, height)


@cli.command()
@click.option(
    "-o",
    "--output",
    type=FileOut,
    required=True,
    help="The file to write; its suffix picks the format: .png, .svg, .pdf or .html (interactive).",
)
@click.option(
    "--supplier", metavar="NAME", default=None, help="Draw only this supplier's exposure paths."
)
@click.option(
    "--dpi",
    type=click.IntRange(20, 1200),
    default=SAVED_DPI,
    show_default=True,
    help="Resolution of a PNG (dots per inch).",
)
@click.option(
    "--figsize",
    metavar="W,H",
    callback=_figsize,
    default=None,
    help=f"Picture size in inches.  [default: {FIGSIZE[0]:g},{FIGSIZE[1]:g}]",
)
@data_options
@cache_option
@analysis_options
@library_errors
def render(
    output: Path,
    supplier: str | None,
    dpi: int,
    figsize: tuple[float, float] | None,
    data_dir: Path | None,
    listed_file: Path | None,
    suppliers_file: Path | None,
    as_of: str | None,
    cache_dir: Path | None,
    analysis: Analysis,
) -> None:
    """Draw the network and its exposure as a picture or an interactive web page.

    Suppliers on the left, intermediaries by tier, buyers on the right; listed entities,
    exposed and unaffected companies differ by colour and shape. The .html page works
    offline, with pan, zoom and hover details. Past 1000 companies a picture cannot be
    legible: use --supplier, the .html view (up to 5000) or `exposure export`.

    \b
    Example:
        exposure render -o network.png --as-of 2019-10-09
        exposure render -o ambarella.svg --supplier Ambarella
        exposure render -o network.html
    """
    interactive = output.suffix.lower() in {".html", ".htm"}
    if not interactive:  # an unknown suffix or a picture too large fails before the data is read
        raster = picture_format(output) == "png"
        check_picture_size(figsize or FIGSIZE, dpi, raster=raster)
    limit = MAX_HTML_NODES if interactive else MAX_PICTURE_NODES

    def check(dataset: Dataset) -> None:  # a network too large is refused before matching
        check_network_size(dataset, fuzzy=analysis.fuzzy, max_nodes=limit)

    result = _analyze(
        data_dir, listed_file, suppliers_file, as_of, cache_dir, analysis,
        check=None if supplier else check,
    )  # fmt: skip
    inputs = result.graph.dataset.inputs
    if interactive:
        write_html(result, output, supplier=supplier, inputs=inputs)
    else:
        refuse_inputs(output, inputs)  # before the picture is drawn
        plot_exposure(
            result,
            supplier=supplier,
            figsize=figsize or FIGSIZE,
            dpi=dpi,
            save=True,
            filepath=output,
            close=True,
        )
    click.echo(f"Wrote {output}", err=True)


@cli.command()
@click.option(
    "-o",
    "--output",
    type=FileOut,
    required=True,
    help="The file to write; its suffix picks the format unless --format is given.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(EXPORT_FORMATS)),
    default=None,
    help="graphml (yEd, Cytoscape), gexf (Gephi) or json (node-link, for d3 and Cytoscape.js). "
    "Default: from the suffix (.graphml, .gexf, .json).",
)
@data_options
@analysis_options
@cache_option
@library_errors
def export(
    output: Path,
    fmt: str | None,
    data_dir: Path | None,
    listed_file: Path | None,
    suppliers_file: Path | None,
    as_of: str | None,
    cache_dir: Path | None,
    analysis: Analysis,
) -> None:
    """Write the supply graph with its exposure for Gephi, Cytoscape, yEd or d3.

    Nodes carry listed, exposed, tier and revenue_at_risk (left out when unknown); sales
    carry share, products and sources (lists joined with " | ").

    \b
    Example:
        exposure export -o network.gexf --as-of 2019-10-09
        exposure export -o network.json
    """
    format_of(output, fmt)  # an unknown suffix fails before the data is read
    result = _analyze(data_dir, listed_file, suppliers_file, as_of, cache_dir, analysis)
    export_graph(result, output, fmt=fmt, inputs=result.graph.dataset.inputs)
    click.echo(f"Wrote {output}", err=True)


def main() -> None:
    """Run the command line (the ``exposure`` console script)."""
    # A warning is a line for the user ("Warning: ..."), not a source location.
    warnings.formatwarning = lambda message, *_, **__: f"Warning: {message}\n"
    cli(prog_name="exposure")


if __name__ == "__main__":  # pragma: no cover
    main()
