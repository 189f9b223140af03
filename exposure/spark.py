"""The same analysis on Apache Spark, for supply graphs past one machine's memory.

``pip install 'exposure[spark]'`` installs PySpark. :func:`analyze_spark` takes the sales as a
Spark DataFrame (``suppliers.csv``'s columns, from a folder of Parquet or CSV parts on any file
system Spark reads) and the small tables of a dataset (listed entities, ownership, review
decisions, the user's lists) as exposure reads them, and returns the figures of every supplier
as :attr:`exposure.Result.suppliers` has them (``exposed``, ``tier``, ``revenue_at_risk``,
``NaN`` when unknown, ``revenue_at_risk_is_lower_bound``, ``share_basis``) with
``needs_review``, ``revenue_at_risk_if_confirmed``, ``revenue_at_risk_if_reached``, the
products, assumptions, other restrictions, sales not reached, the listed buyers its paths name
and the counts of what they show: every column of the single-machine ``suppliers.parquet``.
A customer that is only a possible match of a listed entity is shown, never dropped.
:func:`explain_suppliers` returns a single-machine :class:`~exposure.Result` of the sales some
suppliers' figures depend on, for their reports.

Every rule is the single-machine engine's own code, run where the data is:

* **names**: each distinct spelling is resolved by :func:`exposure.entities.resolve.resolve`
  (review decision, then exact key, then the fuzzy score for customers, with the country of
  their first sale as evidence), in :meth:`~pyspark.sql.DataFrame.mapInPandas` batches on the
  executors; a node is a listed entity, else a name key, as in :func:`exposure.graph.build_graph`;
* **who counts as listed, and which sales the rules reach** (listings in force on the date,
  what-if assumptions, the 50% ownership rules, possible matches, the reach of each list's
  restrictions): these depend only on the sales of the nodes the listings, the ownership table
  and the assumptions name and of those a name may be a listed entity's, which are few.
  They are collected to the driver and analysed there by :func:`exposure.analyze`, with the
  names and countries every node takes from the whole data;
* **the figures** run on Spark: tiers as a breadth-first search backwards from the listed
  nodes, one join per tier (a listed buyer absorbs: paths do not pass through it); the lower
  bound and the estimate flags as the same searches from the sales of unknown or estimated
  share; revenue at risk as the fixed point ``r(u) = sum of share(u, v) * (1 if v is listed
  else r(v))``, one join and aggregation per step from the sales to listed buyers, until no
  figure changes by more than :data:`TOLERANCE`; the figures if confirmed, if reached and
  within the tier limit are stepped in the same joins. Every few steps the result is
  checkpointed (cut from its lineage), so long cycles do not grow the plan;
* **the paths a record shows** run on Spark too: every supplier's material paths searched at
  once, one join a sale, ranked in the order of a one-supplier search (:func:`_material_paths`),
  and the nearest paths that explain a supplier's tier (:func:`_nearest_paths`).

Results agree with the single-machine engine's on every supplier (``tests/test_spark.py``):
the same exposed set and tiers, revenue at risk within 1e-9, the same flags, the same listed
buyers named.

Examples
--------
>>> from pyspark.sql import SparkSession  # doctest: +SKIP
>>> spark = SparkSession.builder.master("local[2]").getOrCreate()  # doctest: +SKIP
>>> from exposure import load
>>> from exposure.spark import analyze_spark, read_sales
>>> data = load()
>>> sales = read_sales(spark, data.files["suppliers"])  # doctest: +SKIP
>>> figures = analyze_spark(sales, data, as_of="2019-10-09")  # doctest: +SKIP
>>> figures.filter("supplier = 'Ambarella'").select("tier").first()[0]  # doctest: +SKIP
1
"""

from __future__ import annotations

import datetime as dt
import functools
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from exposure.entities.decisions import Decisions
from exposure.entities.listings import entity_ids, name_index
from exposure.entities.matcher import Matcher
from exposure.entities.resolve import resolve
from exposure.errors import DataError, ExposureError, Problem, UnknownNameError
from exposure.graph import SupplyGraph, build_graph
from exposure.names import name_key, name_keys
from exposure.ownership import OWNERSHIP_THRESHOLD
from exposure.reach import NO, STATUSES, UNKNOWN, SaleReach
from exposure.read.dataset import Dataset, read_suppliers
from exposure.read.schema import SHARE_BASES, SUPPLIERS
from exposure.records import MAX_TIER, MIN_WEIGHT, UNQUANTIFIED_CAP, restriction_text
from exposure.result import Result, analyze, parse_date

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = [
    "MAX_ITERATIONS",
    "TOLERANCE",
    "analyze_spark",
    "connect",
    "explain_suppliers",
    "figures",
    "read_sales",
    "write_suppliers",
]

#: Revenue at risk stops when no supplier's figure changed by more than this in a step.
TOLERANCE = 1e-13
#: Steps of the revenue recursion after which the analysis stops with an error: only cycles
#: of shares summing to nearly 1 converge this slowly.
MAX_ITERATIONS = 2000
#: Steps of the revenue recursion between two reads of how much the figures still change:
#: each read is a Spark job of its own, and a few steps more than needed change nothing.
_STEPS_PER_CHECK = 4

#: The text columns of the sales that may be absent (the cells count as empty).
_OPTIONAL_TEXT = ("supplier_country", "customer_country", "share_basis")


def _spark() -> Any:
    """Import PySpark's functions, or say how to install them."""
    try:
        from pyspark.sql import functions
    except ImportError as error:
        msg = "the Spark engine needs PySpark: pip install 'exposure[spark]'"
        raise ExposureError(msg) from error
    return functions


def connect(master: str | None = None, config: dict[str, str] | None = None) -> SparkSession:
    """Return the Spark session to run on: ``local[*]`` (this machine's cores) or a cluster URL.

    ``master`` defaults to the one ``spark-submit`` was given (``--master``) when this runs
    under it, else ``local[*]``. ``config`` holds Spark settings for the session, for example
    ``{"spark.driver.memory": "6g"}`` (in local mode the driver's memory is all there is;
    Spark's default is 1 GiB); under ``spark-submit``, give the driver's memory to it
    (``--driver-memory``), as its JVM is running already. A session already running is reused.
    """
    _spark()
    import os
    import sys
    import warnings

    from pyspark.sql import SparkSession

    # Spark's Python workers run this interpreter, with exposure importable.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    # PySpark 4 warns on every conversion that it is not tested with pandas 3; the engine's
    # answers are tested against the single-machine engine's (tests/test_spark.py).
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    builder = SparkSession.builder.config("spark.ui.showConsoleProgress", "false")
    # spark-submit starts the JVM with its --master and --name, and hands its address to the
    # Python it runs: then they stand unless the caller names a master.
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ
    if not submitted:
        builder = builder.appName("exposure")
    if master is not None or not submitted:
        builder = builder.master(master or "local[*]")
    for key, value in (config or {}).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    partitions = "spark.sql.shuffle.partitions"
    local = str(spark.sparkContext.master).startswith("local")
    if local and not spark.sparkContext.getConf().contains(partitions):
        # Spark's default of 200 partitions a shuffle suits a cluster; on one machine the
        # searches' many small joins run 1.7x faster with a few per core (measured at 10k).
        spark.conf.set(partitions, str(2 * (os.cpu_count() or 1)))
    return spark


def write_suppliers(
    suppliers: DataFrame, folder: str | Path, *, inputs: tuple[Path, ...] = ()
) -> int:
    """Write :func:`analyze_spark`'s table as ``folder/suppliers.parquet`` (a folder of parts).

    Its columns are those of :data:`exposure.render.columnar.SUPPLIER_SCHEMA`, with their
    names and types. On a local file system the
    parts are written beside the target and put in place once complete; elsewhere
    (``s3a://``, ``hdfs://``) Spark's own commit protocol applies (a ``_SUCCESS`` file marks a
    complete table). Returns the number of suppliers.
    """
    import shutil

    from exposure.util.atomic import refuse_inputs

    F = _spark()
    # As the single-machine table writes them (:func:`exposure.records`): figures to 12
    # places, unknown as null, no share basis where not exposed.
    figures = (
        "revenue_at_risk", "revenue_at_risk_within_tier_limit", "revenue_at_risk_if_confirmed",
        "revenue_at_risk_if_reached", "weight_not_shown",
    )  # fmt: skip
    table = suppliers.select(
        *(
            F.col("tier").cast("int").alias(c)
            if c == "tier"
            else F.when(~F.isnan(c), F.round(c, 12)).alias(c)
            if c in figures
            else F.when(F.col(c) != "", F.col(c)).alias(c)
            if c == "share_basis"
            else F.col(c)
            for c in suppliers.columns
        )
    ).localCheckpoint()
    where = str(folder).rstrip("/")
    if "://" in where:
        table.write.mode("overwrite").parquet(f"{where}/suppliers.parquet")
        return table.count()
    target = Path(where) / "suppliers.parquet"
    refuse_inputs(target, inputs)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        table.write.parquet(str(temporary))
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        temporary.rename(target)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    return table.count()


def read_sales(spark: SparkSession, path: str | Path) -> DataFrame:
    """Read a ``suppliers`` table (CSV with a header, Parquet, or a folder of parts) with Spark.

    Every column is read as text but ``revenue_share``, which must be a number from 0 to 1 or
    empty (unknown).

    Raises
    ------
    DataError
        When a column the analysis needs is missing, or a share is not a number from 0 to 1.
    """
    F = _spark()
    where = str(path)
    suffix = Path(where).suffix.lower()
    parts = list(Path(where).glob("*")) if Path(where).is_dir() else []
    if suffix == ".parquet" or any(p.suffix == ".parquet" for p in parts):
        sales = spark.read.parquet(where)
        sales = sales.select(
            *(F.col(c).cast("string") if c != "revenue_share" else F.col(c) for c in sales.columns)
        )
    else:
        sales = spark.read.option("header", True).option("encoding", "UTF-8").csv(where)
    return _checked_sales(sales, where)


def _checked_sales(sales: DataFrame, where: str) -> DataFrame:
    F = _spark()
    required = [c.name for c in SUPPLIERS.columns if c.required]
    missing = [c for c in required if c not in sales.columns]
    if missing:
        problem = Problem(
            where,
            1,
            missing[0],
            f"the column {missing[0]!r} is missing",
            f"add it: {SUPPLIERS.file_name} needs the columns {', '.join(required)}",
        )
        raise DataError([problem])
    # Spark reads bytes that are not UTF-8 as U+FFFD, silently: a name so garbled would match
    # nothing, so such a file is refused, as the single-machine reader refuses it.
    garbled = sales.filter(
        F.col("supplier").contains("\ufffd") | F.col("customer").contains("\ufffd")
    ).first()
    if garbled is not None:
        problem = Problem(
            where,
            None,
            "supplier" if "\ufffd" in str(garbled["supplier"]) else "customer",
            f"bytes that are not UTF-8 in {garbled['supplier']!r} -> {garbled['customer']!r}",
            "save the file as UTF-8 (in Excel: CSV UTF-8)",
        )
        raise DataError([problem])
    empty = F.lit(None).cast("string")
    blank = [c for c in ("supplier", "customer") if sales.filter(F.trim(F.col(c)) == "").first()]
    if blank or sales.filter(F.col("supplier").isNull() | F.col("customer").isNull()).first():
        column = blank[0] if blank else "supplier or customer"
        problem = Problem(
            where, None, column, f"a {column} cell is empty", "name the company in every row"
        )
        raise DataError([problem])
    if "revenue_share" not in sales.columns:  # every share unknown
        sales = sales.withColumn("revenue_share", empty)
    raw = F.trim(F.col("revenue_share").cast("string"))
    share = F.when((raw == "") | raw.isNull(), F.lit(None)).otherwise(raw.cast("double"))
    sales = sales.withColumn("_share_text", raw).withColumn("revenue_share", share)
    bad = (
        sales.filter(
            ((F.col("_share_text") != "") & F.col("revenue_share").isNull())
            | (F.col("revenue_share") < 0)
            | (F.col("revenue_share") > 1)
        )
        .select("_share_text")
        .first()
    )
    if bad is not None:
        problem = Problem(
            where,
            None,
            "revenue_share",
            f"the share {bad[0]!r} is not a number from 0 to 1",
            "write the share of the supplier's revenue as a fraction (0.12 for 12%), or leave "
            "the cell empty when it is unknown",
        )
        raise DataError([problem])
    for column in _OPTIONAL_TEXT:
        if column not in sales.columns:
            sales = sales.withColumn(column, F.lit(""))
    return sales.drop("_share_text").fillna("", subset=list(_OPTIONAL_TEXT))


def analyze_spark(
    sales: DataFrame,
    dataset: Dataset,
    *,
    as_of: str | dt.date | None = None,
    fuzzy: bool = True,
    affiliates_rule: bool = True,
    ownership_threshold: float = OWNERSHIP_THRESHOLD,
    ownership_method: str = "cascade",
    assume_listed: Sequence[str] = (),
    assume_delisted: Sequence[str] = (),
    max_tier: int = MAX_TIER,
    min_weight: float = MIN_WEIGHT,
    unquantified_cap: int = UNQUANTIFIED_CAP,
    paths: bool = True,
) -> DataFrame:
    """Return every supplier's figures, computed on Spark.

    Parameters
    ----------
    sales
        The sales, one row per supplier, customer and product (:func:`read_sales`).
    dataset
        The listed entities and, when the data has them, ownership, review decisions and the
        user's lists (:func:`exposure.load`); its own ``suppliers`` table is not read.
    as_of, fuzzy, affiliates_rule, ownership_threshold, ownership_method, assume_listed
        As :func:`exposure.analyze` takes them.
    assume_delisted, max_tier, min_weight, unquantified_cap
        As :func:`exposure.analyze` takes them.
    paths
        Whether to search every supplier's paths for ``listed_buyers`` and the counts of what
        they show; without, those columns are null (not known), and the figures come much
        sooner on a large graph (the paths' search shuffles every supplier's paths still going
        at each step).

    Returns
    -------
    pyspark.sql.DataFrame
        One row per supplier, with the columns of the single-machine ``suppliers.parquet``
        (:data:`exposure.render.columnar.SUPPLIER_SCHEMA`, the record's fields and summary
        counts) in its order, most exposed first (as :attr:`exposure.Result.suppliers` has
        them, names compared in lower case). Unknown figures are ``NaN`` in
        ``revenue_at_risk`` and ``revenue_at_risk_within_tier_limit``, null elsewhere;
        ``tier`` is null when not exposed; ``revenue_at_risk_if_confirmed`` (and whether it is
        a lower bound) is null unless it needs review, and the figure also when no share on
        the paths a confirmation would add is known; ``revenue_at_risk_if_reached`` unless
        some sale of unknown reach makes it differ; ``routes_not_shown`` and
        ``revenue_at_risk_within_tier_limit`` are null everywhere without a tier limit.
        ``listed_buyers`` and the counts of what is shown come from the paths of each
        supplier's record (:func:`_shown_paths`).
    """
    F = _spark()
    options = {
        "affiliates_rule": affiliates_rule,
        "ownership_threshold": ownership_threshold,
        "ownership_method": ownership_method,
        "assume_listed": tuple(assume_listed),
        "assume_delisted": tuple(assume_delisted),
    }
    prepared = _prepare(sales, dataset, as_of, fuzzy, options)
    coded, nodes, listed, reach = prepared.coded, prepared.nodes, prepared.listed, prepared.reach
    edges = _edges(coded, reach)
    # Were every possible link confirmed: the sales to possible ones the rules would not reach
    # are left out too.
    edges_if_confirmed = (
        edges
        if prepared.reach_if_confirmed is reach
        else _edges(coded, prepared.reach_if_confirmed)
    )
    risks = _risks(edges, edges_if_confirmed, listed, prepared, max_tier).localCheckpoint()
    per_node = _flagged(
        edges, listed, risks.filter("revenue_at_risk IS NOT NULL").select("node", "revenue_at_risk")
    )
    suppliers = coded.select(F.col("src").alias("node")).distinct()
    reached = _listed_reached(edges, listed).localCheckpoint()
    table = (
        suppliers.join(per_node, "node", "left")
        .join(nodes.select("node", "name"), "node")
        .join(_review(edges, listed, prepared.possible), "node", "left")
        .join(
            _lower_bound_if_confirmed(edges_if_confirmed, listed, prepared.possible), "node", "left"
        )
        .join(_lower_bound_if_reached(listed, prepared), "node", "left")
        .join(risks.drop("revenue_at_risk"), "node", "left")
        .join(reached, "node", "left")
        .fillna({"tier": -1, "revenue_at_risk": 0.0, "lower_bound": False, "estimated": False})
        .fillna({"unstated": False, "needs_review": False, "reached": 0, "deepest": 0})
        .fillna({"if_confirmed_lower": False, "if_reached_lower": False})
    )
    beyond = _beyond(edges, listed, table.filter("tier > 0").select("node"), max_tier)
    leading = listed.unionByName(table.filter("tier > 0").select("node")).distinct()
    table = (
        table.join(beyond, "node", "left")
        .fillna({"beyond": False})
        .join(_affected_products(coded, reach, leading, prepared.order), "node", "left")
        .join(_other_restrictions(prepared), "node", "left")
        .join(_sales_not_reached(prepared), "node", "left")
    )
    no_text = F.array().cast("array<string>")
    if paths:
        shown = _shown_paths(
            edges,
            listed,
            per_node,
            reached,
            prepared,
            max_tier=max_tier,
            min_weight=min_weight,
            cap=unquantified_cap,
        )
        table = table.join(shown, "node", "left").fillna(
            {"paths_shown": 0, "buyers_shown": 0, "weight_shown": 0.0, "shown_within": 0}
        )
        table = table.withColumn("listed_buyers", F.coalesce("listed_buyers", no_text))
        if max_tier > 0:
            table = table.join(_routes(edges, listed, max_tier), "node", "left")
    else:  # not searched: not known, never 0
        table = table.select(
            "*",
            F.lit(None).cast("array<string>").alias("listed_buyers"),
            *(
                F.lit(None).cast(kind).alias(name)
                for name, kind in (
                    ("paths_shown", "long"),
                    ("buyers_shown", "long"),
                    ("weight_shown", "double"),
                    ("shown_within", "long"),
                )
            ),
        )
    exposed = F.col("tier") > 0
    unknown = F.col("lower_bound") & (F.col("revenue_at_risk") <= 0)
    figure = F.when(unknown, F.lit(float("nan"))).otherwise(F.col("revenue_at_risk"))
    # As a record gives it: only where it differs from the figure (unknown counted as 0).
    if_reached = F.coalesce(F.col("if_reached"), F.col("revenue_at_risk"))
    differs = exposed & (F.abs(if_reached - F.col("revenue_at_risk")) > 1e-12)
    routes_left = F.round(F.coalesce("routes", F.lit(0.0))).cast("long") - F.col("shown_within")
    if not paths:
        routes_left = F.lit(None).cast("long")
    return table.select(
        F.col("name").alias("supplier"),
        exposed.alias("exposed"),
        F.when(exposed, F.col("tier")).alias("tier"),
        figure.alias("revenue_at_risk"),
        F.col("lower_bound").alias("revenue_at_risk_is_lower_bound"),
        (
            F.when(unknown, F.lit(float("nan"))).otherwise(F.coalesce("within", F.lit(0.0)))
            if max_tier > 0
            else F.lit(None).cast("double")
        ).alias("revenue_at_risk_within_tier_limit"),
        F.when(~exposed, F.lit(""))
        .when(unknown, F.lit("unknown"))
        .when(F.col("estimated"), F.lit("estimate"))
        .when(F.col("unstated"), F.lit("unstated"))
        .otherwise(F.lit("disclosed"))
        .alias("share_basis"),
        "listed_buyers",
        F.coalesce("products", no_text).alias("products"),
        "needs_review",
        # Unknown where no share on the paths a confirmation would add is known.
        F.when(
            F.col("needs_review")
            & ~(F.col("if_confirmed_lower") & (F.coalesce("if_confirmed", F.lit(0.0)) <= 0)),
            F.coalesce("if_confirmed", F.lit(0.0)),
        ).alias("revenue_at_risk_if_confirmed"),
        F.when(F.col("needs_review"), F.col("if_confirmed_lower")).alias(
            "revenue_at_risk_if_confirmed_is_lower_bound"
        ),
        F.when(differs, if_reached).alias("revenue_at_risk_if_reached"),
        F.when(differs, F.col("if_reached_lower")).alias(
            "revenue_at_risk_if_reached_is_lower_bound"
        ),
        F.array(*(F.lit(a) for a in prepared.assumptions))
        .cast("array<string>")
        .alias("assumptions"),
        "paths_shown",
        F.col("reached").cast("long").alias("listed_buyers_reached"),
        (F.col("reached").cast("long") - F.col("buyers_shown")).alias("listed_buyers_not_shown"),
        F.when(~unknown, F.col("revenue_at_risk") - F.col("weight_shown")).alias(
            "weight_not_shown"
        ),
        (F.when(exposed, routes_left) if max_tier > 0 else F.lit(None))
        .cast("long")
        .alias("routes_not_shown"),
        F.when(F.col("deepest") > 0, F.col("deepest")).cast("int").alias("deepest_tier"),
        (
            (F.col("deepest") > max_tier) | (exposed & F.col("beyond"))
            if max_tier > 0
            else F.lit(False)
        ).alias("beyond_tier_limit"),
        F.coalesce("other_restrictions", no_text).alias("other_restrictions"),
        F.coalesce("sales_not_reached", no_text).alias("sales_not_reached"),
    ).orderBy(  # on the columns as output: an unexposed supplier's tier is null there
        (~F.col("exposed")).asc(),
        F.when(F.isnan("revenue_at_risk"), F.lit(0.5)).otherwise(-F.col("revenue_at_risk")),
        F.coalesce(F.col("tier"), F.lit(np.iinfo(np.int64).max)),
        F.lower("supplier"),
    )


def explain_suppliers(
    sales: DataFrame,
    dataset: Dataset,
    suppliers: Sequence[str],
    *,
    as_of: str | dt.date | None = None,
    fuzzy: bool = True,
    max_tier: int = MAX_TIER,
    min_weight: float = MIN_WEIGHT,
    **options: Any,
) -> Result:
    """Return a single-machine result that explains the named suppliers, from sales on Spark.

    Names are resolved and the rules decided on Spark, as :func:`analyze_spark` does; then the
    sales these suppliers' figures depend on (those their goods can travel along up to a
    listed buyer, and those the rules were decided on) are collected and analysed by
    :func:`exposure.analyze`, each node keeping the name and country it has in the whole data.
    The suppliers' records, paths and pictures are then the single-machine engine's.

    Parameters
    ----------
    sales, dataset, as_of, fuzzy
        As :func:`analyze_spark` takes them.
    suppliers
        Supplier names, matched as :meth:`exposure.Result.code` matches them.
    max_tier, min_weight, options
        As :func:`exposure.analyze` takes them.

    Raises
    ------
    UnknownNameError
        When a name is no supplier's in the sales.
    """
    F = _spark()
    prepared = _prepare(sales, dataset, as_of, fuzzy, options)
    starts = [_supplier_node(prepared, name) for name in suppliers]
    coded = prepared.coded
    spark = coded.sparkSession
    start = spark.createDataFrame(pd.DataFrame({"node": starts}, dtype=object), "node string")
    reached = _levels(coded, start, prepared.listed, forward=True).select("node")
    # Their sales go on from the start and from every unlisted company reached.
    onward = start.unionByName(reached.join(prepared.listed, "node", "left_anti"))
    rows = coded.join(onward.withColumnRenamed("node", "src"), "src", "left_semi")
    rows = rows.unionByName(prepared.near)
    # Each customer's first sale, whose country is the evidence its name was matched on.
    first = (
        coded.join(rows.select("customer").distinct(), "customer", "left_semi")
        .groupBy("customer")
        .agg(F.min("_row").alias("_row"))
    )
    rows = rows.unionByName(coded.join(first.select("_row"), "_row", "left_semi"))
    rows = rows.dropDuplicates(["_row"]).localCheckpoint()
    columns = [c for c in coded.columns if c not in ("src", "dst", "_row")]
    local = rows.select(*columns, "_row").toPandas().sort_values("_row", kind="stable")
    graph = _local_graph(local[columns], dataset, fuzzy, _node_columns(rows, prepared.nodes))
    return analyze(graph, as_of=as_of, max_tier=max_tier, min_weight=min_weight, **options)


def _supplier_node(prepared: _Prepared, name: str) -> str:
    """Return the node of a supplier's name: its key's, or the listed entity it names."""
    F = _spark()
    key = name_key(name)
    candidates = [f"k:{key}"]
    entity = name_index(prepared.listings).resolve(name, key=key)
    if entity is not None:
        candidates.insert(0, f"e:{entity}")
    found = {
        row["src"]
        for row in prepared.coded.filter(F.col("src").isin(candidates))
        .select("src")
        .distinct()
        .collect()
    }
    for node in candidates:
        if node in found:
            return node
    msg = f"no supplier named {name!r} in the sales (names are matched by their key, {key!r})"
    raise UnknownNameError(msg)


@dataclass(frozen=True)
class _Prepared:
    """The sales resolved to nodes, and what the rules make of them (see :func:`_prepare`)."""

    #: The sales with ``_row`` (their order), ``src`` and ``dst`` (node ids).
    coded: DataFrame
    #: Each node's ``name`` and ``country``.
    nodes: DataFrame
    #: ``node``: those that count as listed.
    listed: DataFrame
    #: ``node``: those that may be a listed entity, pending review (not linked).
    possible: DataFrame
    #: ``_row``, ``reach``: the sales the rules do not reach (``no``) or may not (``unknown``).
    reach: DataFrame
    #: The same were every possible match and affiliate confirmed.
    reach_if_confirmed: DataFrame
    #: The sales the rules were decided on (from and to the nodes they name).
    near: DataFrame
    #: The listed rows with their ``entity`` (:func:`exposure.entities.listings.entity_ids`).
    listings: pd.DataFrame
    #: The what-if assumptions the answer rests on, as :attr:`exposure.Result.assumptions`.
    assumptions: tuple[str, ...]
    #: ``node``, ``restrictions``: each listed node's listings that restrict no sale, in words.
    others: DataFrame
    #: ``node``, ``group``, ``position``: the order of the nodes on one machine.
    order: DataFrame


def _prepare(
    sales: DataFrame,
    dataset: Dataset,
    as_of: str | dt.date | None,
    fuzzy: bool,
    options: dict[str, Any],
) -> _Prepared:
    """Resolve the sales' names to nodes and decide who counts as listed and what is reached."""
    F = _spark()
    when = parse_date(as_of)
    listings = dataset.listed.copy()
    listings["entity"] = entity_ids(listings)
    sales = _checked_sales(sales, str(dataset.files.get("suppliers", "sales")))
    rows = sales.withColumn("_row", F.monotonically_increasing_id()).localCheckpoint()

    spellings = _resolved_spellings(rows, dataset, listings, fuzzy)
    entity_names = listings.drop_duplicates("entity")
    spark = rows.sparkSession
    listed_names = spark.createDataFrame(
        pd.DataFrame(
            {
                "node": [f"e:{e}" for e in entity_names["entity"].tolist()],
                "listed_name": entity_names["name"].astype(str).tolist(),
                "listed_country": entity_names["country"].astype(str).tolist(),
                "listed_rank": np.arange(len(entity_names), dtype=np.int64),
            }
        ),
        "node string, listed_name string, listed_country string, listed_rank long",
    )
    coded = (
        rows.join(
            spellings.select(F.col("spelling").alias("supplier"), F.col("node").alias("src")),
            "supplier",
        )
        .join(
            spellings.select(F.col("spelling").alias("customer"), F.col("node").alias("dst")),
            "customer",
        )
        .localCheckpoint()
    )
    _check_coded(coded, str(dataset.files.get("suppliers", "sales")))
    nodes = _nodes(coded, spellings, listed_names)
    order = _node_order(coded, nodes, listed_names)
    (listed, possible, reach, reach_if_confirmed, near), (assumptions, others) = _policy(
        coded, nodes, dataset, when, fuzzy, options
    )
    return _Prepared(
        coded,
        nodes,
        listed,
        possible,
        reach,
        reach_if_confirmed,
        near,
        listings,
        assumptions,
        others,
        order,
    )


def _check_coded(coded: DataFrame, where: str) -> None:
    """Raise the single-machine reader's errors for sales that make no sense once resolved.

    A company selling to itself, two rows for one spelling of supplier, customer and product, and a
    supplier whose known shares add up to over 1 (the reader's tolerance, as
    :mod:`exposure.read.dataset` checks them).
    """
    from exposure.read.dataset import SHARE_TOLERANCE

    F = _spark()
    itself = coded.filter(F.col("src") == F.col("dst")).select("supplier", "customer").first()
    if itself is not None:
        raise DataError([Problem(
            where, None, "customer", f"{itself['supplier']!r} sells to itself (as {itself['customer']!r})",
            "remove the row, or name the real customer",
        )])  # fmt: skip
    product = F.coalesce(F.col("product"), F.lit("")) if "product" in coded.columns else F.lit("")
    twice = (
        coded.groupBy("supplier", "customer", product.alias("product"))
        .agg(
            F.count("*").alias("rows"),
        )
        .filter("rows > 1")
        .first()
    )
    if twice is not None:
        raise DataError([Problem(
            where, None, None,
            f"{twice['rows']} rows for supplier {twice['supplier']!r}, customer "
            f"{twice['customer']!r} and product {twice['product']!r}",
            "remove the duplicate rows, or merge them into one",
        )])  # fmt: skip
    over = (
        coded.groupBy("src")
        .agg(F.sum("revenue_share").alias("total"), F.first("supplier").alias("supplier"))
        .filter(F.col("total") > 1 + SHARE_TOLERANCE)
        .first()
    )
    if over is not None:
        raise DataError([Problem(
            where, None, "revenue_share",
            f"the shares of supplier {over['supplier']!r} add up to {over['total']:.4g}, over 1",
            "correct the shares so that one supplier's shares sum to at most 1",
        )])  # fmt: skip


# -- names ---------------------------------------------------------------------------------


def _resolved_spellings(
    rows: DataFrame, dataset: Dataset, listings: pd.DataFrame, fuzzy: bool
) -> DataFrame:
    """Return each distinct spelling with its node (``e:<entity>`` or ``k:<key>``) and order.

    A spelling's order is where it first appears: down the supplier column, then down the
    customer column (as :func:`exposure.graph.build_graph` numbers spellings).
    """
    F = _spark()
    as_supplier = rows.select(
        F.col("supplier").alias("spelling"),
        F.lit(0).alias("side"),
        F.col("_row"),
        F.lit("").alias("country"),
    )
    as_customer = rows.select(
        F.col("customer").alias("spelling"),
        F.lit(1).alias("side"),
        F.col("_row"),
        F.col("customer_country").alias("country"),
    )
    sold_to = F.col("side") == 1
    distinct = (
        as_supplier.unionByName(as_customer)
        .groupBy("spelling")
        .agg(
            F.min(F.struct("side", "_row")).alias("first"),
            F.max(sold_to).alias("customer"),
            F.min_by(F.when(sold_to, F.col("country")), F.when(sold_to, F.col("_row"))).alias(
                "country"
            ),
        )
    )
    matches_file = str(dataset.files.get("matches", "matches.csv"))
    Decisions.from_table(dataset.matches, name_index(listings), matches_file)  # errors here
    context = (uuid.uuid4().hex, listings, dataset.matches, matches_file, fuzzy)

    def batches(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for frame in frames:
            yield _resolve_batch(frame, *context)

    resolved = distinct.select("spelling", "customer", "country").mapInPandas(
        batches, "spelling string, node string, possible boolean, problem string"
    )
    resolved = resolved.localCheckpoint()
    problems = resolved.filter(F.col("problem") != "").limit(20).collect()
    if problems:
        where = str(dataset.files.get("suppliers", "suppliers.csv"))
        raise DataError(
            [
                Problem(
                    where,
                    None,
                    "customer",
                    f"{row['spelling']!r}: {row['problem']}",
                    "use a name that only one listed entity carries, remove the shared alias "
                    "from listed.csv, or confirm the right entity in matches.csv",
                )
                for row in problems
            ]
        )
    return resolved.join(distinct.select("spelling", "first"), "spelling").drop("problem")


#: What each executor process built once per analysis to resolve names: the listed names'
#: index, the review decisions and the fuzzy matcher (whose preparation takes seconds).
_RESOLVERS: dict[str, tuple[Any, Decisions, Matcher | None]] = {}


def _resolve_batch(
    frame: pd.DataFrame,
    token: str,
    listings: pd.DataFrame,
    matches: pd.DataFrame | None,
    matches_file: str,
    fuzzy: bool,
) -> pd.DataFrame:
    """Resolve one batch of distinct spellings as :func:`exposure.graph.build_graph` does."""
    names = frame["spelling"].to_numpy(dtype=object)
    keys = name_keys(names.tolist())
    key_codes, _ = pd.factorize(keys, sort=False)
    if token not in _RESOLVERS:
        _RESOLVERS.clear()
        index = name_index(listings)
        decisions = Decisions.from_table(matches, index, matches_file)
        matcher = Matcher(listings, decisions=decisions) if fuzzy else None
        _RESOLVERS[token] = (index, decisions, matcher)
    index, decisions, matcher = _RESOLVERS[token]
    countries = frame["country"].fillna("").to_numpy(dtype=object)
    found = resolve(
        names,
        (keys, key_codes),
        listings,
        index,
        decisions,
        fuzzy=fuzzy,
        to_score=frame["customer"].to_numpy(bool),
        countries=lambda positions: [str(c) for c in countries[positions]],
        matcher=matcher,
        stop_at_ambiguous=False,
    )
    assert found.links is not None  # not stopped at an ambiguous name
    entity = found.links["entity"].to_numpy()
    node = np.where(entity >= 0, [f"e:{e}" for e in entity], [f"k:{k}" for k in keys])
    problem = np.full(len(names), "", dtype=object)
    for position, message in found.ambiguous:
        problem[position] = message
    possible = found.links["match"].to_numpy(dtype=object) == "possible"
    return pd.DataFrame({"spelling": names, "node": node, "possible": possible, "problem": problem})


def _nodes(coded: DataFrame, spellings: DataFrame, listed_names: DataFrame) -> DataFrame:
    """Return each node's display name and country, as :func:`exposure.graph.build_graph` gives.

    A node's name is its listed name, else the spelling that first names it; its country its
    listing's, else its first sale's as a supplier, else as a customer.
    """
    F = _spark()
    named = spellings.groupBy("node").agg(
        F.min_by("spelling", "first").alias("spelling"), F.max("possible").alias("possible")
    )
    as_supplier = (
        coded.filter(F.col("supplier_country") != "")
        .groupBy(F.col("src").alias("node"))
        .agg(F.min_by("supplier_country", "_row").alias("supplier_country"))
    )
    as_customer = (
        coded.filter(F.col("customer_country") != "")
        .groupBy(F.col("dst").alias("node"))
        .agg(F.min_by("customer_country", "_row").alias("customer_country"))
    )
    return (
        named.join(listed_names, "node", "left")
        .join(as_supplier, "node", "left")
        .join(as_customer, "node", "left")
        .select(
            "node",
            F.coalesce("listed_name", "spelling").alias("name"),
            F.coalesce(
                F.when(F.col("listed_country") != "", F.col("listed_country")),
                "supplier_country",
                "customer_country",
                F.lit(""),
            ).alias("country"),
            "possible",
        )
        .localCheckpoint()
    )


# -- who counts as listed, which sales the rules reach -------------------------------------


def _policy(
    coded: DataFrame,
    nodes: DataFrame,
    dataset: Dataset,
    as_of: dt.date,
    fuzzy: bool,
    options: dict[str, Any],
) -> tuple[
    tuple[DataFrame, DataFrame, DataFrame, DataFrame, DataFrame], tuple[tuple[str, ...], DataFrame]
]:
    """Return the listed, possible, not surely reached and read nodes and sales; the what-ifs.

    The sales not surely reached twice: as they are, and were every possible link confirmed.

    The nodes a listing, the ownership table or an assumption names, or that may be a listed
    entity, and every sale from or to them, are analysed on the driver by
    :func:`exposure.analyze` (the single-machine rules).
    """
    F = _spark()
    spark = coded.sparkSession
    from exposure.listed import parse_assumption

    assumed = [*options.get("assume_listed", ()), *options.get("assume_delisted", ())]
    named = [parse_assumption(text)[0] for text in assumed]
    if dataset.ownership is not None and len(dataset.ownership):
        named += [str(n) for c in ("owner", "owned") for n in dataset.ownership[c].tolist()]
    keys = sorted({f"k:{k}" for k in name_keys(named) if k})
    relevant = F.col("node").startswith("e:") | F.col("node").isin(keys) | F.col("possible")
    chosen = nodes.filter(relevant).select("node")
    near = (
        coded.join(chosen.withColumnRenamed("node", "dst"), "dst", "left_semi")
        .unionByName(coded.join(chosen.withColumnRenamed("node", "src"), "src", "left_semi"))
        .dropDuplicates(["_row"])
    )
    columns = [c for c in coded.columns if c not in ("src", "dst", "_row")]
    if near.isEmpty():  # no sale touches a listed entity: none counts as listed
        none = spark.createDataFrame([], "node string")
        no_reach = spark.createDataFrame([], "_row long, reach string, basis string")
        no_others = spark.createDataFrame([], "node string, restrictions array<string>")
        return (none, none, no_reach, no_reach, near), ((), no_others)
    local = near.select(*columns, "_row").toPandas().sort_values("_row", kind="stable")
    graph = _local_graph(local[columns], dataset, fuzzy, _node_columns(near, nodes))
    result = analyze(graph, as_of=as_of, **options)
    node_ids = _node_ids(graph.nodes)
    chosen_ids = {row["node"] for row in chosen.collect()}
    listed_ids = sorted(set(node_ids[result.listed].tolist()) & chosen_ids)
    listed = spark.createDataFrame(pd.DataFrame({"node": listed_ids}, dtype=object), "node string")
    possible_ids = sorted(set(node_ids[result.possible].tolist()) & chosen_ids)
    possible = spark.createDataFrame(
        pd.DataFrame({"node": possible_ids}, dtype=object), "node string"
    )
    buyers = node_ids[graph.rows["dst"].to_numpy()]
    rows = local["_row"].to_numpy(np.int64)
    # Only sales whose buyer the driver saw with all its sales are taken from it.
    reach = _reach_table(spark, result.reach, rows, np.isin(buyers, listed_ids))
    reach_if_confirmed = (
        _reach_table(
            spark, result.reach_if_confirmed, rows, np.isin(buyers, [*listed_ids, *possible_ids])
        )
        if possible_ids
        else reach
    )
    others = spark.createDataFrame(
        pd.DataFrame(
            {
                "node": [str(node_ids[code]) for code in result.listing.other_restrictions],
                "restrictions": [
                    [restriction_text(r) for r in found]
                    for found in result.listing.other_restrictions.values()
                ],
            },
            dtype=object,
        ),
        "node string, restrictions array<string>",
    )
    return (listed, possible, reach, reach_if_confirmed, near), (tuple(result.assumptions), others)


def _reach_table(spark: Any, reach: SaleReach, rows: np.ndarray, sure: np.ndarray) -> DataFrame:
    """Return ``_row``, ``reach`` and ``basis`` of the sales the rules do not reach or may not.

    ``rows`` are the ``_row`` of the driver's sales, ``sure`` those of them whose status it
    knows (their buyers' sales all seen).
    """
    status = np.asarray(reach.status_of_rows)
    kept = np.flatnonzero(sure & np.isin(status, [NO, UNKNOWN]))
    # Why the rules do not reach a sale, in words (:meth:`exposure.reach.SaleReach.of_row`).
    told = [reach.of_row(int(position)) for position in kept.tolist()]
    return spark.createDataFrame(
        pd.DataFrame(
            {
                "_row": rows[kept],
                "reach": [STATUSES[int(x)] for x in status[kept].tolist()],
                "basis": [found[1] if found else "" for found in told],
            }
        ),
        "_row long, reach string, basis string",
    )


def _node_columns(rows: DataFrame, nodes: DataFrame) -> pd.DataFrame:
    """Return the ``name`` and ``country`` of the nodes of some sales, indexed by node id."""
    F = _spark()
    touched = rows.select(F.col("src").alias("node")).unionByName(
        rows.select(F.col("dst").alias("node"))
    )
    found = nodes.join(touched, "node", "left_semi").select("node", "name", "country")
    return found.toPandas().set_index("node")


def _sale_of(rows: pd.DataFrame, problem: Problem) -> str:
    """Return which sale a problem found in the collected rows is in ("supplier to customer")."""
    position = (problem.line or 0) - 1  # the Parquet reader numbers rows from 1
    if not 0 <= position < len(rows):
        return "the sales"
    row = rows.iloc[position]
    return f"{row['supplier']!r} to {row['customer']!r}"


def _node_ids(nodes: pd.DataFrame) -> np.ndarray:
    entity = nodes["entity"].to_numpy()
    keys = nodes["key"].astype(str).to_numpy(dtype=object)
    return np.where(entity >= 0, [f"e:{e}" for e in entity], [f"k:{k}" for k in keys])


def _local_graph(
    rows: pd.DataFrame, dataset: Dataset, fuzzy: bool, node_columns: pd.DataFrame
) -> SupplyGraph:
    """Build the single-machine graph of collected sales; nodes' names and countries from all."""
    from dataclasses import replace

    with tempfile.TemporaryDirectory(prefix="exposure-spark-") as folder:
        path = Path(folder) / "suppliers.parquet"
        table = rows.assign(
            revenue_share=rows["revenue_share"].astype("float64"),
        )
        table.to_parquet(path, index=False)
        try:
            suppliers = read_suppliers(path)
        except DataError as error:
            # The checks of one machine, on the sales collected: cited by the sales' own file
            # (Spark's rows have no line numbers) with the supplier and customer.
            where = str(dataset.files.get("suppliers", "sales"))
            raise DataError(
                [
                    replace(
                        problem,
                        file=where,
                        line=None,
                        message=f"{problem.message} (in a sale of {_sale_of(table, problem)})",
                    )
                    for problem in error.problems
                ]
            ) from None
    local = Dataset(
        listed=dataset.listed,
        suppliers=suppliers,
        files=dict(dataset.files),
        ownership=dataset.ownership,
        matches=dataset.matches,
        lists=dataset.lists,
    )
    graph = build_graph(local, fuzzy=fuzzy)
    ids = pd.Index(_node_ids(graph.nodes))
    known = node_columns.reindex(ids)
    kept = known["name"].isna().to_numpy()
    name = np.where(kept, graph.nodes["name"].to_numpy(dtype=object), known["name"].to_numpy())
    country = np.where(
        kept, graph.nodes["country"].to_numpy(dtype=object), known["country"].to_numpy()
    )
    return replace(graph, nodes=graph.nodes.assign(name=name, country=country))


# -- the figures -----------------------------------------------------------------------------


def _edges(coded: DataFrame, reach: DataFrame) -> DataFrame:
    """Aggregate the rows into one edge per pair of nodes, as the rules reach them.

    A row the rules do not reach is left out; one whose reach is unknown counts, its share
    unknown (as :meth:`exposure.graph.SupplyGraph.restricted_to` narrows a graph).
    """
    F = _spark()
    rows = coded.join(reach, "_row", "left")
    kept = rows.filter(F.coalesce(F.col("reach"), F.lit("")) != STATUSES[NO])
    sure = F.col("revenue_share").isNotNull() & F.col("reach").isNull()
    share = F.when(sure, F.col("revenue_share")).otherwise(F.lit(0.0))
    return (
        kept.groupBy("src", "dst")
        .agg(
            F.sum(share).alias("share"),
            F.max(~sure).alias("unknown_share"),
            F.max((F.col("share_basis") == "estimate") & (share > 0)).alias("estimate"),
            F.max(
                ~F.coalesce(F.col("share_basis"), F.lit("")).isin(*SHARE_BASES) & (share > 0)
            ).alias("unstated"),
        )
        .localCheckpoint()
    )


def figures(edges: DataFrame, listed: DataFrame) -> DataFrame:
    """Return each node's tier, revenue at risk and flags, on Spark.

    Parameters
    ----------
    edges
        ``src``, ``dst`` (node ids), ``share`` (the known share, 0 where unknown),
        ``unknown_share`` and ``estimate`` (booleans): one row per pair of nodes.
    listed
        ``node``: the nodes that count as listed.

    Returns
    -------
    pyspark.sql.DataFrame
        ``node``, ``tier``, ``revenue_at_risk``, ``lower_bound``, ``estimated``, ``unstated``,
        for the nodes with an exposure (others are not exposed: tier -1, revenue at risk 0, no
        flags).
        :mod:`exposure.analysis` defines each figure.
    """
    risk = _revenue_at_risk(_as_variant(edges, "risk"), _as_variant(listed, "risk"))
    return _flagged(edges, listed, risk.drop("variant"))


def _flagged(edges: DataFrame, listed: DataFrame, risk: DataFrame) -> DataFrame:
    """Return :func:`figures` given each node's ``revenue_at_risk`` (the fixed point)."""
    F = _spark()
    tier = _levels(edges, listed, listed)
    listed_nodes = listed.withColumn("is_listed", F.lit(True))
    lower = _lower_bound(edges, listed, tier)
    # Estimated: a share estimated on a sale that leads to a listed entity with some share;
    # unstated: a share whose basis is not given, so.
    leads = listed.unionByName(risk.filter("revenue_at_risk > 0").select("node")).distinct()
    positive = edges.filter("share > 0")
    estimated, unstated = (
        _upstream(
            positive,
            edges.filter(flag)
            .join(leads.withColumnRenamed("node", "dst"), "dst", "left_semi")
            .select(F.col("src").alias("node"))
            .distinct(),
            listed,
        )
        for flag in ("estimate", "unstated")
    )
    everyone = (
        tier.select("node")
        .unionByName(risk.select("node"))
        .unionByName(lower)
        .unionByName(estimated)
        .unionByName(unstated)
        .distinct()
    )
    return (
        everyone.join(tier.withColumnRenamed("level", "tier"), "node", "left")
        .join(risk, "node", "left")
        .join(lower.withColumn("lower_bound", F.lit(True)), "node", "left")
        .join(estimated.withColumn("estimated", F.lit(True)), "node", "left")
        .join(unstated.withColumn("unstated", F.lit(True)), "node", "left")
        .join(listed_nodes, "node", "left")
        .fillna({"tier": -1, "revenue_at_risk": 0.0, "lower_bound": False, "estimated": False})
        .fillna({"unstated": False})
        .drop("is_listed")
    )


def _lower_bound(edges: DataFrame, listed: DataFrame, tier: DataFrame) -> DataFrame:
    """Return the ``node`` whose revenue at risk towards ``listed`` is a lower bound.

    An unknown share on a sale whose buyer may lead to a listed entity, and every supplier
    whose sales reach such a sale through unlisted companies (as
    :attr:`exposure.Result.lower_bound`). ``tier``: the ``node`` of each company exposed to
    ``listed``.
    """
    F = _spark()
    carrying = edges.filter(F.col("unknown_share") | (F.col("share") > 0))
    if edges.filter(~F.col("unknown_share") & (F.col("share") <= 0)).isEmpty():
        # Every sale may carry revenue (no known share of 0): what may reach a listed entity
        # is what the tiers found, no second search.
        may_reach = listed.unionByName(tier.select("node")).distinct()
    else:
        may_reach = listed.unionByName(_levels(carrying, listed, listed).select("node"))
        may_reach = may_reach.distinct()
    seeds = (
        edges.filter("unknown_share")
        .join(may_reach.withColumnRenamed("node", "dst"), "dst", "left_semi")
        .select(F.col("src").alias("node"))
        .distinct()
    )
    return _upstream(carrying, seeds, listed)


def _lower_bound_if_confirmed(
    edges: DataFrame, listed: DataFrame, possible: DataFrame
) -> DataFrame:
    """Return ``node`` and ``if_confirmed_lower``: its revenue at risk if confirmed is a lower bound.

    As :attr:`exposure.Result.lower_bound_if_confirmed`; empty where no node may be listed.
    """
    F = _spark()
    if possible.isEmpty():
        return possible.sparkSession.createDataFrame([], "node string, if_confirmed_lower boolean")
    either = listed.unionByName(possible).distinct()
    lower = _lower_bound(edges, either, _levels(edges, either, either))
    return lower.withColumn("if_confirmed_lower", F.lit(True))


def _lower_bound_if_reached(listed: DataFrame, prepared: _Prepared) -> DataFrame:
    """Return ``node`` and ``if_reached_lower``: its revenue at risk if reached is a lower bound.

    As :attr:`exposure.Result.lower_bound_if_reached`: over the sales not surely out of
    reach, every share counted; empty where no sale's reach is unknown.
    """
    F = _spark()
    reach = prepared.reach
    if reach.filter(F.col("reach") == STATUSES[UNKNOWN]).isEmpty():
        return listed.sparkSession.createDataFrame([], "node string, if_reached_lower boolean")
    reached = _edges(prepared.coded, reach.filter(F.col("reach") == STATUSES[NO]))
    lower = _lower_bound(reached, listed, _levels(reached, listed, listed))
    return lower.withColumn("if_reached_lower", F.lit(True))


def _union(tables: Sequence[DataFrame]) -> DataFrame:
    """Return the rows of every table (at least one), matching columns by name."""
    return functools.reduce(lambda union, more: union.unionByName(more), tables)


def _as_variant(table: DataFrame, variant: str) -> DataFrame:
    """Return ``table`` with a ``variant`` column: one of the fixed points stepped together."""
    return table.withColumn("variant", _spark().lit(variant))


def _risks(
    edges: DataFrame,
    edges_if_confirmed: DataFrame,
    listed: DataFrame,
    prepared: _Prepared,
    max_tier: int,
) -> DataFrame:
    """Return ``node`` and each revenue figure, from one fixed point of several variants.

    ``revenue_at_risk``; ``within``, over routes of at most ``max_tier`` sales (as
    :func:`exposure.analysis.limited_figures` counts it: a route may go round a cycle);
    ``if_confirmed``, were every possible match confirmed (as
    :attr:`exposure.Result.revenue_at_risk_if_confirmed`), and ``if_reached``, were every sale
    of unknown reach reached (as :attr:`exposure.Result.revenue_at_risk_if_reached`): each
    null where no possible match, or no sale of unknown reach, makes it differ.
    """
    F = _spark()
    variant_edges = [_as_variant(edges, "risk")]
    variant_listed = [_as_variant(listed, "risk")]
    variants = ["risk"]
    if not prepared.possible.isEmpty():
        either = listed.unionByName(prepared.possible).distinct()
        variant_edges.append(_as_variant(edges_if_confirmed, "if_confirmed"))
        variant_listed.append(_as_variant(either, "if_confirmed"))
        variants.append("if_confirmed")
    reach = prepared.reach
    if not reach.filter(F.col("reach") == STATUSES[UNKNOWN]).isEmpty():
        reached = _edges(prepared.coded, reach.filter(F.col("reach") == STATUSES[NO]))
        variant_edges.append(_as_variant(reached, "if_reached"))
        variant_listed.append(_as_variant(listed, "if_reached"))
        variants.append("if_reached")
    all_edges = _union([e.select("variant", "src", "dst", "share") for e in variant_edges])
    all_listed = _union([nodes.select("variant", "node") for nodes in variant_listed])
    found = _revenue_at_risk(all_edges, all_listed, routes_up_to=max_tier)
    if max_tier <= 0:
        found = found.withColumn("within", F.lit(None).cast("double"))
    table = found.filter(F.col("variant") == "risk").select("node", "revenue_at_risk", "within")
    for variant in ("if_confirmed", "if_reached"):
        column = F.col("revenue_at_risk") if variant in variants else F.lit(None).cast("double")
        table = table.join(
            found.filter(F.col("variant") == variant).select("node", column.alias(variant)),
            "node",
            "full",
        )
    return table


def _review(edges: DataFrame, listed: DataFrame, possible: DataFrame) -> DataFrame:
    """Return ``node`` and ``needs_review`` where some node may be listed.

    As :attr:`exposure.Result.needs_review` defines it: reaches a possible match, not through
    a listed entity.
    """
    F = _spark()
    if possible.isEmpty():
        return possible.sparkSession.createDataFrame([], "node string, needs_review boolean")
    either = listed.unionByName(possible).distinct()
    return (
        _levels(edges, possible, either)
        .select("node")
        .join(possible, "node", "left_anti")
        .withColumn("needs_review", F.lit(True))
    )


def _node_order(coded: DataFrame, nodes: DataFrame, listed_names: DataFrame) -> DataFrame:
    """Return ``node``, ``group`` and ``position``: the order of the nodes on one machine.

    :func:`exposure.graph.build_graph` numbers the listed entities first, then the other names
    as they first appear down the supplier column, then down the customer column; lists that
    follow a supplier's customers (its products, restrictions) come in that order.
    """
    F = _spark()
    as_supplier = coded.groupBy(F.col("src").alias("node")).agg(F.min("_row").alias("first_sold"))
    as_customer = coded.groupBy(F.col("dst").alias("node")).agg(F.min("_row").alias("first_bought"))
    return (
        nodes.select("node")
        .join(listed_names.select("node", "listed_rank"), "node", "left")
        .join(as_supplier, "node", "left")
        .join(as_customer, "node", "left")
        .select(
            "node",
            F.when(F.col("listed_rank").isNotNull(), 0)
            .when(F.col("first_sold").isNotNull(), 1)
            .otherwise(2)
            .alias("group"),
            F.coalesce("listed_rank", "first_sold", "first_bought").alias("position"),
        )
        .localCheckpoint()
    )


def _in_order(items: Any) -> Any:
    """Return the ``value`` of each struct of an array column, the structs sorted field by field."""
    F = _spark()
    return F.transform(F.array_sort(items), lambda item: item["value"])


def _affected_products(
    coded: DataFrame, reach: DataFrame, leading: DataFrame, order: DataFrame
) -> DataFrame:
    """Return ``node`` and ``products``: each supplier's products on sales leading to listings.

    In the order of one machine's record (:mod:`exposure.records`): its sales the rules reach
    to buyers that are listed or exposed, buyer by buyer in node order, then in file order;
    each product once.
    """
    F = _spark()
    reached = coded.join(reach.filter(F.col("reach") == STATUSES[NO]), "_row", "left_anti")
    rows = reached.join(leading.withColumnRenamed("node", "dst"), "dst", "left_semi").join(
        order.withColumnRenamed("node", "dst"), "dst"
    )
    item = F.struct("group", "position", "_row", F.coalesce("product", F.lit("")).alias("value"))
    return rows.groupBy(F.col("src").alias("node")).agg(
        F.array_distinct(_in_order(F.collect_list(item))).alias("products")
    )


def _other_restrictions(prepared: _Prepared) -> DataFrame:
    """Return ``node`` and ``other_restrictions``: the buyers' listings that restrict no sale.

    As a flat table writes a record's (:func:`exposure.records.beside_exposure`): each buyer
    of the supplier in node order, ``buyer: list (what it restricts)``.
    """
    F = _spark()
    buyers = prepared.coded.select(F.col("src").alias("node"), "dst").distinct()
    named = (
        prepared.others.withColumnRenamed("node", "dst")
        .join(prepared.nodes.select(F.col("node").alias("dst"), "name"), "dst")
        .join(prepared.order.withColumnRenamed("node", "dst"), "dst")
        .select(
            "dst", "name", "group", "position", F.posexplode("restrictions").alias("at", "what")
        )
    )
    item = F.struct("group", "position", "at", F.concat_ws(": ", "name", "what").alias("value"))
    return (
        buyers.join(named, "dst")
        .groupBy("node")
        .agg(_in_order(F.collect_list(item)).alias("other_restrictions"))
    )


def _sales_not_reached(prepared: _Prepared) -> DataFrame:
    """Return ``node`` and ``sales_not_reached``: sales to listed buyers no rule reaches.

    As a flat table writes a record's (:func:`exposure.records.beside_exposure`): one line a
    buyer and reason, ``buyer: products (reason)``, in the order of their first sale, the
    products in file order.
    """
    F = _spark()
    rows = (
        prepared.coded.join(prepared.reach.filter(F.col("reach") == STATUSES[NO]), "_row")
        .join(prepared.nodes.select(F.col("node").alias("dst"), "name"), "dst")
        .select(
            "src", "dst", "name", "basis", "_row", F.coalesce("product", F.lit("")).alias("value")
        )
    )
    sales = rows.groupBy("src", "dst", "name", "basis").agg(
        F.min("_row").alias("first"),
        _in_order(F.collect_list(F.struct("_row", "value"))).alias("products"),
    )
    line = F.format_string("%s: %s (%s)", "name", F.array_join("products", "; "), "basis")
    return sales.groupBy(F.col("src").alias("node")).agg(
        _in_order(F.collect_list(F.struct("first", line.alias("value")))).alias("sales_not_reached")
    )


def _to_unlisted(sales: DataFrame, listed: DataFrame) -> DataFrame:
    """Return the sales whose buyer is not listed: those a path goes on through."""
    return sales.join(listed.withColumnRenamed("node", "dst"), "dst", "left_anti")


#: Up to this many edges (pairs of companies), the listed entities each company reaches are
#: counted on the driver, by the single-machine engine's search over bits
#: (:func:`exposure.analysis.listed_reached_counts`): the pairs travel to it once (at 9.5
#: million pairs the driver's Python took 3.1 GiB). Above, the search runs on the cluster, one
#: join a tier, each tier joining the bits seen so far again: on a saturated graph of a
#: million companies its later tiers took minutes each on one machine.
DRIVER_REACH_EDGES = 20_000_000


def _listed_reached(
    edges: DataFrame, listed: DataFrame, *, on_driver_up_to: int = DRIVER_REACH_EDGES
) -> DataFrame:
    """Return ``node``, ``reached``, ``deepest`` and ``nearest``: the listed entities it reaches.

    As :func:`exposure.analysis.listed_reached_counts` counts them over the whole graph: how
    many, and the most of the fewest sales to any of them; and as
    :func:`exposure.analysis.nearest_listed_counts` does, how many are nearest (at its tier).
    Paths stop at the first listed entity, and a listed company's own sales count.

    As on one machine, what each node reaches is a set of listed entities kept as bits, 64 a
    word: a row per node and word it has bits in. A search backwards from every listed entity
    at once ORs each customer's bits found at the last tier into its suppliers', one join a
    tier, and keeps those the supplier had not yet (a node's deepest tier is the last at which
    it gained one). A row per node and word, not per node and listed entity: on a graph where
    every company reaches hundreds of listed entities, that is what keeps a tier's join to
    about one row a sale.
    """
    F = _spark()
    spark = listed.sparkSession
    # The edges are one a pair of companies (:func:`_edges`).
    pattern = edges.select("src", "dst")
    if pattern.count() <= on_driver_up_to:
        return _listed_reached_on_driver(pattern, listed)
    unlisted = _to_unlisted(pattern, listed).localCheckpoint()
    # Each listed entity's word and bit (the 64th bit is the sign of a signed long).
    order = sorted(row["node"] for row in listed.select("node").distinct().collect())
    bits = spark.createDataFrame(
        [(node, i // 64, _bit(i % 64)) for i, node in enumerate(order)],
        "dst string, word int, bits long",
    )

    def gathered(rows: DataFrame) -> DataFrame:
        return rows.groupBy(F.col("src").alias("node"), "word").agg(F.bit_or("bits").alias("bits"))

    new = gathered(pattern.join(F.broadcast(bits), "dst")).localCheckpoint()
    seen, gained = new, [new.withColumn("level", F.lit(1))]
    depth = 1
    while not new.isEmpty():
        depth += 1
        offered = gathered(unlisted.join(new.withColumnRenamed("node", "dst"), "dst"))
        both = (
            seen.withColumnRenamed("bits", "had")
            .join(offered, ["node", "word"], "full")
            .select("node", "word", F.coalesce("had", F.lit(0)).alias("had"), "bits")
            .localCheckpoint()
        )
        fresh = F.col("bits").bitwiseAND(F.bitwise_not("had"))
        new = both.select("node", "word", fresh.alias("bits")).filter(F.col("bits") != 0)
        gained.append(new.withColumn("level", F.lit(depth)))
        seen = both.select(
            "node", "word", F.col("had").bitwiseOR(F.coalesce("bits", F.lit(0))).alias("bits")
        )
    per_level = (
        _union(gained)
        .groupBy("node", "level")
        .agg(F.sum(F.bit_count("bits")).cast("long").alias("count"))
    )
    return per_level.groupBy("node").agg(
        F.sum("count").alias("reached"),
        F.max("level").alias("deepest"),
        F.min_by("count", "level").alias("nearest"),
    )


def _listed_reached_on_driver(pattern: DataFrame, listed: DataFrame) -> DataFrame:
    """Return what :func:`_listed_reached` does, its search run on the driver."""
    from scipy import sparse

    from exposure.analysis import listed_reached_counts, nearest_listed_counts, tiers

    spark = listed.sparkSession
    # Through Arrow (PySpark 4's default, not 3.5's); the setting is left as it was found.
    arrow = "spark.sql.execution.arrow.pyspark.enabled"
    set_before = spark.conf.get(arrow, None)
    spark.conf.set(arrow, "true")
    try:
        pairs = pattern.toPandas()
    finally:
        if set_before is None:
            spark.conf.unset(arrow)
        else:
            spark.conf.set(arrow, set_before)
    listed_nodes = pd.Series([row["node"] for row in listed.select("node").collect()], dtype=object)
    codes, nodes = pd.factorize(
        pd.concat([pairs["src"], pairs["dst"], listed_nodes], ignore_index=True)
    )
    sales = len(pairs)
    adjacency = sparse.csr_matrix(
        (np.ones(sales), (codes[:sales], codes[sales : 2 * sales])), shape=(len(nodes),) * 2
    )
    adjacency.sum_duplicates()
    is_listed = np.zeros(len(nodes), dtype=bool)
    is_listed[codes[2 * sales :]] = True
    reached, deepest = listed_reached_counts(adjacency, is_listed, 0)
    nearest = nearest_listed_counts(adjacency, is_listed, tiers(adjacency, is_listed))
    some = np.flatnonzero(reached > 0)
    found = pd.DataFrame(
        {
            "node": np.asarray(nodes, dtype=object)[some],
            "reached": reached[some].astype(np.int64),
            "deepest": deepest[some].astype(np.int32),
            "nearest": nearest[some].astype(np.int64),
        }
    )
    schema = "node string, reached long, deepest int, nearest long"
    return spark.createDataFrame(found, schema) if len(found) else spark.createDataFrame([], schema)


def _bit(position: int) -> int:
    """Return a signed 64-bit word with only bit ``position`` (0 to 63) set."""
    return (1 << position) - (1 << 64) * (position == 63)


def _beyond(edges: DataFrame, listed: DataFrame, exposed: DataFrame, max_tier: int) -> DataFrame:
    """Return ``node`` and ``beyond`` where routes go on past ``max_tier`` sales.

    As :func:`exposure.analysis.limited_figures` finds them: some walk of ``max_tier`` sales
    through unlisted companies ends at one that still reaches a listed entity.
    """
    F = _spark()
    if max_tier <= 0:
        return listed.sparkSession.createDataFrame([], "node string, beyond boolean")
    unlisted = _to_unlisted(edges.select("src", "dst"), listed).localCheckpoint()
    going_on = exposed.join(listed, "node", "left_anti")
    for _ in range(max_tier):
        going_on = (
            unlisted.join(going_on.withColumnRenamed("node", "dst"), "dst", "left_semi")
            .select(F.col("src").alias("node"))
            .distinct()
            .localCheckpoint()
        )
    return going_on.withColumn("beyond", F.lit(True))


def _levels(
    edges: DataFrame, targets: DataFrame, blocked: DataFrame, *, forward: bool = False
) -> DataFrame:
    """Return each node's shortest path length to a target, not through a blocked node.

    :func:`exposure.analysis.levels` on Spark: one join per length, backwards from the
    targets; a target too gets the length of its path to another target. ``forward``: the
    lengths of the paths *from* the targets instead (the edges turned round).
    """
    F = _spark()
    src, dst = ("dst", "src") if forward else ("src", "dst")
    pattern = edges.select(F.col(src).alias("src"), F.col(dst).alias("dst")).distinct()
    pattern = pattern.localCheckpoint()
    found = targets.sparkSession.createDataFrame([], "node string, level int")
    frontier = targets.select("node")
    depth = 0
    while True:
        depth += 1
        step = (
            pattern.join(frontier.withColumnRenamed("node", "dst"), "dst", "left_semi")
            .select(F.col("src").alias("node"))
            .distinct()
            .join(found, "node", "left_anti")
            .localCheckpoint()
        )
        if step.isEmpty():
            return found
        found = found.unionByName(step.withColumn("level", F.lit(depth))).localCheckpoint()
        frontier = step.join(blocked, "node", "left_anti")


def _upstream(edges: DataFrame, seeds: DataFrame, listed: DataFrame) -> DataFrame:
    """Return the seeds and every node whose sales reach an unlisted seed, not via listed ones."""
    starts = seeds.join(listed, "node", "left_anti")
    reached = _levels(edges, starts, listed).select("node")
    return seeds.unionByName(reached).distinct()


def _revenue_at_risk(edges: DataFrame, listed: DataFrame, *, routes_up_to: int = 0) -> DataFrame:
    """Return the fixed points of :func:`exposure.analysis.revenue_at_risk`, one join a step.

    ``edges`` and ``listed`` carry a ``variant`` column: each variant's sales and listed
    nodes make one fixed point, and all of them are stepped together (one Spark job a step,
    however many variants). Returns ``variant``, ``node`` and ``revenue_at_risk``, and with
    ``routes_up_to`` also ``within``: the figure over routes of at most that many sales (each
    step adds routes one sale longer; null where no such route carries revenue).

    Convergence is read every :data:`_STEPS_PER_CHECK` steps, on the change over those steps:
    figures only grow step by step, so that change bounds the last step's.
    """
    F = _spark()
    flagged = listed.withColumn("to_listed", F.lit(True)).withColumnRenamed("node", "dst")
    sales = (
        edges.filter("share > 0")
        .join(flagged, ["variant", "dst"], "left")
        .select(
            "variant",
            "src",
            "dst",
            "share",
            F.coalesce("to_listed", F.lit(False)).alias("to_listed"),
        )
        .localCheckpoint()
    )
    direct = (
        sales.filter("to_listed")
        .groupBy("variant", F.col("src").alias("node"))
        .agg(F.sum("share").alias("direct"))
        .localCheckpoint()
    )
    onward = (
        sales.filter(~F.col("to_listed")).select("variant", "src", "dst", "share").localCheckpoint()
    )
    risk = direct.select("variant", "node", F.col("direct").alias("revenue_at_risk"))
    checked = risk
    within = None
    for step in range(MAX_ITERATIONS):
        if step + 1 == routes_up_to:
            within = risk.localCheckpoint()
            risk = within
        passed_on = (
            onward.join(risk.withColumnRenamed("node", "dst"), ["variant", "dst"])
            .groupBy("variant", F.col("src").alias("node"))
            .agg(F.sum(F.col("share") * F.col("revenue_at_risk")).alias("onward"))
        )
        risk = direct.join(passed_on, ["variant", "node"], "full").select(
            "variant",
            "node",
            (F.coalesce("direct", F.lit(0.0)) + F.coalesce("onward", F.lit(0.0))).alias(
                "revenue_at_risk"
            ),
        )
        if (step + 1) % _STEPS_PER_CHECK:
            continue
        risk = risk.localCheckpoint()
        # A node once given a figure keeps one: the change is read on the nodes updated.
        largest = (
            risk.join(
                checked.withColumnRenamed("revenue_at_risk", "previous"),
                ["variant", "node"],
                "left",
            )
            .select(F.max(F.abs(F.col("revenue_at_risk") - F.coalesce("previous", F.lit(0.0)))))
            .first()
        )
        checked = risk
        if largest is None or largest[0] is None or largest[0] <= TOLERANCE:
            if routes_up_to <= 0:
                return risk
            if within is None:  # settled before the limit: every route is within it
                within = risk
            return risk.join(
                within.withColumnRenamed("revenue_at_risk", "within"), ["variant", "node"], "left"
            )
    msg = (
        f"revenue at risk did not settle within {MAX_ITERATIONS} steps on Spark: some cycle "
        "of sales passes on nearly all its revenue; run the single-machine engine, which "
        "solves such cycles exactly"
    )
    raise ExposureError(msg)


# -- the paths a record shows ----------------------------------------------------------------


def _shown_paths(
    edges: DataFrame,
    listed: DataFrame,
    per_node: DataFrame,
    reached: DataFrame,
    prepared: _Prepared,
    *,
    max_tier: int,
    min_weight: float,
    cap: int,
) -> DataFrame:
    """Return what each exposed supplier's shown paths give the suppliers table.

    The paths of a supplier's record (:meth:`exposure.records.RecordMaker.paths_of`): its
    material paths (:func:`_material_paths`), and a nearest path to each listed buyer at its
    tier that none of them reaches in that many sales (:func:`_nearest_paths`; searched only
    from suppliers whose material paths reach fewer listed buyers in that many sales than
    ``reached`` counts at its tier, as :func:`_listed_reached` gives it), heaviest
    first (:func:`exposure.analysis.heaviest_first`). Returns ``node``, ``listed_buyers``
    (their names, in the order the paths first end at them), ``paths_shown``,
    ``buyers_shown`` (how many names), ``weight_shown`` (their known weights, each to 12
    places, added in that order) and ``shown_within`` (those of at most ``max_tier`` sales).
    """
    F = _spark()
    # Node codes in the order of one machine's (:func:`_node_order`): ties between paths go
    # to the lower codes, and a search's order follows each supplier's customers in it.
    codes = prepared.order.select(
        "node", (F.col("group").cast("long") * F.lit(1 << 61) + F.col("position")).alias("code")
    )
    is_listed = listed.select("node", F.lit(True).alias("listed"))
    standing = (
        codes.join(is_listed, "node", "left")
        .join(per_node.select("node", "tier"), "node", "left")
        .join(prepared.nodes.select("node", "name"), "node")
        .select(
            "node",
            "code",
            "name",
            F.coalesce("listed", F.lit(False)).alias("listed"),
            F.coalesce("tier", F.lit(-1)).alias("tier"),
        )
        .localCheckpoint()
    )
    # One row a sale: its customer's standing as :class:`exposure.analysis.PathFinder` reads
    # it (-1 listed, else its tier, 0 when it reaches no listed entity) and the share, null
    # where not fully known.
    sales = (
        edges.join(standing.select(F.col("node").alias("src"), F.col("code").alias("last")), "src")
        .join(
            standing.select(
                F.col("node").alias("dst"),
                F.col("code").alias("next"),
                F.col("listed").alias("next_listed"),
                F.col("tier").alias("next_tier"),
            ),
            "dst",
        )
        .select(
            "last",
            "next",
            "next_listed",
            "next_tier",
            F.when(F.col("next_listed"), F.lit(-1))
            .otherwise(F.greatest("next_tier", F.lit(0)))
            .alias("standing"),
            F.when(~F.col("unknown_share"), F.col("share")).alias("share"),
        )
        .localCheckpoint()
    )
    largest = edges.filter(~F.col("unknown_share")).agg(F.max("share")).first()
    falling = largest is None or largest[0] is None or largest[0] <= 1.0
    starts = standing.filter("tier > 0").select(F.col("code").alias("start"), "tier")
    material = _material_paths(
        sales, starts, max_tier=max_tier, min_weight=min_weight, cap=cap, falling=falling
    )
    explained = (
        material.join(starts, "start")
        .filter(F.size("path") - 1 == F.col("tier"))
        .select("start", "last")
        .distinct()
        .localCheckpoint()
    )
    unexplained = (
        starts.filter("tier > 1")
        .join(standing.select(F.col("code").alias("start"), "node"), "start")
        .join(reached.select("node", "nearest"), "node")
        .join(explained.groupBy("start").agg(F.count("*").alias("explained")), "start", "left")
        .filter(F.coalesce("explained", F.lit(0)) < F.col("nearest"))
        .select("start", "tier")
    )
    added = _nearest_paths(sales, unexplained, known=explained)
    shown = (
        material.select("start", "last", "path", "weight")
        .unionByName(added.select("start", "last", "path", "weight"))
        .join(standing.select(F.col("code").alias("last"), "name"), "last")
    )
    item = F.struct(
        F.col("weight").isNull().alias("unknown"),
        (-F.coalesce("weight", F.lit(0.0))).alias("heaviest"),
        F.size("path").alias("length"),
        "path",
        "name",
        F.round("weight", 12).alias("weight"),
    )
    paths = F.array_sort(F.collect_list(item))
    weights = F.filter(F.transform("paths", lambda p: p["weight"]), lambda w: w.isNotNull())
    return (
        shown.groupBy("start")
        .agg(paths.alias("paths"))
        .join(standing.select(F.col("code").alias("start"), "node"), "start")
        .select(
            "node",
            F.array_distinct(F.transform("paths", lambda p: p["name"])).alias("listed_buyers"),
            F.size("paths").cast("long").alias("paths_shown"),
            F.aggregate(weights, F.lit(0.0), lambda total, w: total + w).alias("weight_shown"),
            F.size(F.filter("paths", lambda p: p["length"] - 1 <= max_tier))
            .cast("long")
            .alias("shown_within"),
        )
        .withColumn("buyers_shown", F.size("listed_buyers").cast("long"))
    )


def _material_paths(
    sales: DataFrame,
    starts: DataFrame,
    *,
    max_tier: int,
    min_weight: float,
    cap: int,
    falling: bool,
) -> DataFrame:
    """Return ``start``, ``last``, ``path`` and ``weight`` of each start's material paths.

    :meth:`exposure.analysis.PathFinder.found_from` on Spark: one join a step extends every
    path still going, from every start at once, by every sale a one-supplier search would
    take (the same rules: simple paths, the minimum weight, the tier left). Of the paths of
    unknown weight past the first sale, the first ``cap`` in the order of a depth-first
    search are kept: each step records where the path comes in it (a listed customer ends a
    path as the sales are read, in the order of the customers; the others are followed last
    customer first), and the paths are ranked on those records. Once a start has ``cap``
    such paths, a path of unknown weight still going that comes after them all is dropped:
    whatever it leads to would come after them too (this keeps a search without a tier
    limit from following every path of unknown weight).
    """
    F = _spark()
    from pyspark.sql import Window

    first = Window.partitionBy("start").orderBy("order")
    order_type = "array<struct<kind:int,at:long>>"
    frontier = starts.select(
        "start",
        F.col("start").alias("last"),
        F.array("start").alias("path"),
        F.lit(1.0).alias("weight"),
        F.lit(1.0).alias("known"),
        F.array().cast(order_type).alias("order"),
    )
    found = []
    # The first ``cap`` paths of unknown weight past the first sale found so far, ranked.
    kept_unknown = frontier.limit(0).select(
        "start", "last", "path", "weight", "order", F.lit(0).alias("rank")
    )
    unknown = F.col("weight").isNull() & (F.size("path") > 2)
    depth = 0
    while max_tier <= 0 or depth < max_tier:
        # Without a tier limit, every tier left is within reach.
        remaining = max_tier - depth - 1 if max_tier > 0 else np.iinfo(np.int32).max
        # Only the sales this step may take join the paths (the rules below decide): to a
        # listed customer or one within the tiers left; past the first sale, where shares
        # fall, none under the minimum weight. Most sales lead nowhere near a listed entity.
        usable = (F.col("standing") < 0) | (
            (F.col("standing") > 0) & (F.col("standing") <= remaining)
        )
        if depth and falling:
            usable &= F.col("share").isNull() | (F.col("share") >= min_weight)
        step = frontier.join(sales.filter(usable), "last")
        known = F.col("known") * F.coalesce("share", F.lit(1.0))
        light = known < min_weight
        # Simple paths, but a listed supplier's sales may come back to it.
        ok = ~F.array_contains("path", F.col("next")) | (
            (F.col("next") == F.col("start")) & (F.col("standing") < 0)
        )
        if depth:
            ok &= ~light  # every path through here weighs less than the minimum
        ends = ok & (F.col("standing") < 0)
        goes = ok & (F.col("standing") > 0) & (F.col("standing") <= remaining)
        if falling:
            goes &= ~light  # a first sale this small: every path on from it weighs less
        key = F.struct(
            F.when(ends, 0).otherwise(1).alias("kind"),
            F.when(ends, F.col("next")).otherwise(-F.col("next")).alias("at"),
        )
        step = (
            step.filter(ends | goes)
            .select(
                "start",
                F.col("next").alias("last"),
                F.concat("path", F.array("next")).alias("path"),
                (F.col("weight") * F.col("share")).alias("weight"),
                known.alias("known"),
                F.concat("order", F.array(key)).alias("order"),
                ends.alias("ends"),
            )
            .localCheckpoint()
        )
        ended = step.filter("ends").drop("ends", "known")
        found.append(ended.filter(~unknown))
        ranked = ended.filter(unknown).unionByName(kept_unknown.drop("rank"))
        kept_unknown = (
            ranked.withColumn("rank", F.row_number().over(first))
            .filter(F.col("rank") <= cap)
            .localCheckpoint()
        )
        frontier = step.filter(~F.col("ends")).drop("ends")
        bound = kept_unknown.filter(F.col("rank") == cap).select(
            "start", F.col("order").alias("bound")
        )
        frontier = (
            frontier.join(bound, "start", "left")
            .filter(
                F.col("weight").isNotNull()
                | F.col("bound").isNull()
                | (F.col("order") < F.col("bound"))
            )
            .drop("bound")
        )
        depth += 1
        if depth != max_tier and frontier.isEmpty():
            break
    return _union([kept_unknown.drop("rank"), *found]).drop("order").localCheckpoint()


def _nearest_paths(
    sales: DataFrame, starts: DataFrame, known: DataFrame | None = None
) -> DataFrame:
    """Return ``start``, ``last``, ``path`` and ``weight``: a shortest path to each nearest buyer.

    :meth:`exposure.analysis.PathFinder.nearest_from` on Spark: from each start, one step a
    sale through companies one tier nearer a listed entity at each; of the sales reaching one
    company from one start, the lowest-numbered supplier's is kept. As on one machine, a step
    keeps only each company reached and its supplier; the paths are traced back from their
    ends once the search is done, leaving out the ``known`` ones (``start`` and ``last``: the
    buyers other paths explain already).
    """
    F = _spark()
    frontier = starts.select("start", F.col("start").alias("last"), F.col("tier").alias("goal"))
    # A step goes only to a listed customer or one that reaches a listed entity.
    sales = sales.filter(F.col("next_listed") | (F.col("next_tier") > 0))
    reached, ends = [], []
    depth = 0
    while True:
        depth += 1
        left = F.col("goal") - depth
        wanted = F.when(left == 0, F.col("next_listed")).otherwise(
            ~F.col("next_listed") & (F.col("next_tier") == left)
        )
        step = (
            frontier.join(sales, "last")
            .filter(wanted)
            .groupBy("start", "next")
            .agg(
                F.min_by(F.struct("last", "share"), "last").alias("from"),
                F.first("goal").alias("goal"),
            )
            .select(
                "start",
                F.col("next").alias("node"),
                F.col("from.last").alias("supplier"),
                F.col("from.share").alias("share"),
                "goal",
                F.lit(depth).alias("depth"),
            )
            .localCheckpoint()
        )
        reached.append(step.drop("goal"))
        ends.append(step.filter(F.col("goal") == depth).select("start", "node", "depth"))
        frontier = step.filter(F.col("goal") > depth).select(
            "start", F.col("node").alias("last"), "goal"
        )
        if frontier.isEmpty():
            break
    found = _union(ends)
    if known is not None:
        found = found.join(
            known.select("start", F.col("last").alias("node")), ["start", "node"], "left_anti"
        )
    # Traced back from the end, one sale a step: every path still being traced is as many
    # sales from its start as it has steps left.
    trail = _union(reached).withColumnRenamed("depth", "left")
    paths = found.select(
        "start",
        F.col("node").alias("last"),
        F.array("node").alias("path"),
        F.lit(1.0).alias("weight"),
        "node",
        F.col("depth").alias("left"),
    )
    for _ in range(depth):
        paths = (
            paths.join(trail, ["start", "node", "left"], "left")
            .select(
                "start",
                "last",
                F.when(F.col("left") > 0, F.concat(F.array("supplier"), "path"))
                .otherwise(F.col("path"))
                .alias("path"),
                F.when(F.col("left") > 0, F.col("weight") * F.col("share"))
                .otherwise(F.col("weight"))
                .alias("weight"),
                F.coalesce("supplier", "node").alias("node"),
                F.greatest(F.col("left") - 1, F.lit(0)).alias("left"),
            )
            .localCheckpoint()
        )
    return paths.select("start", "last", "path", "weight")


def _routes(edges: DataFrame, listed: DataFrame, max_tier: int) -> DataFrame:
    """Return ``node`` and ``routes``: its routes of at most ``max_tier`` sales to listed entities.

    As :func:`exposure.analysis.limited_figures` counts them: a route may go round a cycle,
    and passes through unlisted companies only (a listed company's own sales count).
    """
    F = _spark()
    pattern = edges.select("src", "dst")  # one a pair of companies (:func:`_edges`)
    routes = (
        pattern.join(listed.withColumnRenamed("node", "dst"), "dst", "left_semi")
        .groupBy(F.col("src").alias("node"))
        .agg(F.count("*").cast("double").alias("routes"))
        .localCheckpoint()
    )
    every = [routes]
    onward = _to_unlisted(pattern, listed)
    for _ in range(max_tier - 1):
        routes = (
            onward.join(routes.withColumnRenamed("node", "dst"), "dst")
            .groupBy(F.col("src").alias("node"))
            .agg(F.sum("routes").alias("routes"))
            .localCheckpoint()
        )
        every.append(routes)
    return _union(every).groupBy("node").agg(F.sum("routes").alias("routes"))
