"""Generate realistic synthetic supply graphs in exposure's data schema.

Run ``.venv/bin/python -m bench.generate --sizes 10k,100k,1m [--kind saturated]``. Each size
is written to ``bench/out/<size>/`` (``<size>-saturated/`` for the saturated kind, :data:`KINDS`)::

    csv/suppliers.csv  csv/listed.csv            the data files, as exposure reads them
    parquet/suppliers.parquet  parquet/listed.parquet
    truth/spellings.parquet                      variant spelling or alias -> canonical name
    truth/entities.parquet                       canonical name, tier, listed
    meta.json                                    parameters, counts, generation time

The model (all vectorised numpy, seeded, deterministic for a given size and seed):

* Entities in six tiers: raw materials (10%) -> components (20%) -> modules (20%) ->
  integrators (15%) -> distributors (10%) -> buyers (25%). Buyers sell nothing.
* Out-degrees are lognormal (heavy-tailed, sigma 1.1), scaled so that the data holds about
  ``edges_per_entity`` rows per entity. Customers are drawn by a Zipf-like popularity within
  their tier (in-degrees are heavy-tailed too): 80% of sales go one tier down the chain, 10%
  skip a tier, 6% stay in the tier and 4% go back up the chain, so cycles are present.
* 5% of (supplier, customer) pairs carry two products (two rows, one edge).
* Revenue shares: per supplier, the rows split a covered fraction of revenue drawn from
  U(0.3, 0.95) by lognormal weights, rounded down to 1e-6, so one supplier's shares sum to at
  most 0.95; 20% of the shares are unknown (empty). Known shares are 75% ``disclosed``,
  25% ``estimate``.
* 0.5% of entities are listed, mostly integrators, buyers and distributors; listings start
  between 2008 and 2024, 3% have an end date, 3% of listed entities have a second listing
  (another list, under a variant spelling of the name). Each listed entity has two aliases;
  a quarter of the sales to it name it by its short alias.
* Names are a city, a unique pronounceable brand word, an industry word and a legal form
  ("Penang Koravite Optics Sdn. Bhd."), so each has its own key; 3% of customer cells and 1% of
  supplier cells use an upper-case variant spelling with another legal form, which exposure
  must resolve to the same company.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

OUT = Path(__file__).resolve().parent / "out"
GENERATOR_VERSION = 2

TIERS = ("raw material", "component", "module", "integrator", "distributor", "buyer")
TIER_FRACTIONS = np.array([0.10, 0.20, 0.20, 0.15, 0.10, 0.25])
#: Relative mean out-degree of each tier (buyers sell nothing).
TIER_ACTIVITY = np.array([1.0, 1.2, 1.2, 1.0, 1.4, 0.0])
#: Share of the listed entities drawn from each tier.
LISTED_TIER_MIX = np.array([0.02, 0.08, 0.10, 0.35, 0.15, 0.30])
#: Where a sale goes, relative to the seller's tier, with probabilities.
TIER_STEPS = np.array([1, 2, 0, -1])
TIER_STEP_P = np.array([0.80, 0.10, 0.06, 0.04])

CITIES = (
    "Shenzhen", "Suzhou", "Hangzhou", "Wuxi", "Dongguan", "Tianjin", "Chengdu", "Xiamen",
    "Taipei", "Hsinchu", "Taichung", "Osaka", "Nagoya", "Yokohama", "Seoul", "Busan", "Suwon",
    "Penang", "Singapore", "Hanoi", "Bangalore", "Chennai", "Pune", "Monterrey", "Guadalajara",
    "Austin", "Phoenix", "Boise", "Dresden", "Stuttgart", "Munich", "Eindhoven", "Grenoble",
    "Lyon", "Milan", "Turin", "Krakow", "Brno", "Haifa", "Ottawa",
)  # fmt: skip
CONSONANTS = (
    "b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "ch", "sh", "tr", "br",
    "kr", "st",
)  # fmt: skip
VOWELS = ("a", "e", "i", "o", "u", "ai", "ei", "ou", "ia", "ao")
INDUSTRIES = (
    ("Materials", "Chemicals", "Metals", "Silicon", "Minerals", "Polymers"),
    ("Semiconductor", "Electronics", "Components", "Microdevices", "Optics", "Precision"),
    ("Modules", "Systems", "Circuits", "Sensors", "Assemblies", "Power"),
    ("Technology", "Devices", "Vision", "Networks", "Intelligence", "Robotics"),
    ("Trading", "Distribution", "Supply Chain", "Logistics", "Sourcing", "Commerce"),
    ("Security", "Telecom", "Automotive", "Retail", "Industries", "Aerospace"),
)
#: Legal forms that exposure's name keys drop, so a variant keeps the company's key.
LEGAL_FORMS = ("Co., Ltd.", "Inc.", "GmbH", "Ltd", "Corp.", "S.A.", "PLC", "Pte. Ltd.", "LLC")
VARIANT_FORMS = ("CO LTD", "LIMITED", "INC", "CORPORATION", "CO")
PRODUCTS = (
    (
        "polysilicon", "gallium", "copper foil", "rare-earth oxides", "photoresist",
        "specialty gases", "silicon wafers", "epoxy resin", "tantalum powder", "germanium",
    ),
    (
        "image sensors", "DRAM", "NAND flash", "microcontrollers", "power MOSFETs",
        "optical lenses", "capacitors", "FPGAs", "vision processors", "hard disk drives",
    ),
    (
        "camera modules", "mainboards", "power supplies", "storage arrays", "radio modules",
        "AI accelerator cards", "display panels", "network interface cards",
    ),
    (
        "surveillance cameras", "video recorders", "servers", "routers", "industrial robots",
        "drones", "smartphones", "base stations",
    ),
    (
        "security systems", "network equipment", "computing equipment", "electronic parts",
        "telecom equipment", "industrial equipment",
    ),
)  # fmt: skip
SOURCE_KINDS = (
    "Bill of lading", "Customs declaration", "Annual report", "10-K filing",
    "Analyst estimate", "Press release", "Trade database extract", "Procurement notice",
)  # fmt: skip
COUNTRIES = np.array(
    ["CN", "US", "TW", "JP", "KR", "DE", "VN", "IN", "MY", "MX", "NL", "FR", "SG", "GB",
     "IL", "TH", "IT", "CA", "PL", "CZ", ""]
)  # fmt: skip
COUNTRY_P = np.array([28, 14, 8, 8, 7, 6, 4, 4, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 8], dtype=float)
LISTS = np.array(["Entity List", "Military End-User List", "Unverified List", "SDN List"])
LIST_P = np.array([0.80, 0.10, 0.05, 0.05])
POLICIES = np.array(
    [
        "Presumption of denial for all items subject to the EAR.",
        "Case-by-case review for items classified EAR99; presumption of denial otherwise.",
        "Case-by-case review.",
        "",
    ]
)
AS_OF = "2025-01-01"


@dataclass(frozen=True)
class Params:
    """The parameters of one generated graph."""

    entities: int
    edges_per_entity: float = 10.0
    seed: int = 20191009
    listed_fraction: float = 0.005
    unknown_share_fraction: float = 0.20
    two_product_fraction: float = 0.05
    variant_customer_fraction: float = 0.03
    variant_supplier_fraction: float = 0.01
    alias_fraction: float = 0.25
    degree_sigma: float = 1.1
    popularity_exponent: float = 2.5
    #: Where a sale goes relative to the seller's tier (:data:`TIER_STEPS`), with probabilities.
    step_p: tuple[float, ...] = tuple(TIER_STEP_P.tolist())
    #: Relative mean out-degree of buyers (0: buyers sell nothing).
    buyer_activity: float = 0.0
    version: int = GENERATOR_VERSION


#: The kinds of graph: the standard one, and a saturated one whose companies nearly all reach
#: nearly every listed entity, as real supply graphs do (a fifth of the sales go back up the
#: chain and buyers resell, so one strongly connected core holds most companies).
KINDS: dict[str, dict[str, object]] = {
    "standard": {},
    "saturated": {"step_p": (0.55, 0.10, 0.15, 0.20), "buyer_activity": 1.0},
}


def parse_size(text: str) -> int:
    """Parse ``10k``, ``100k``, ``1m`` or a plain number.

    >>> parse_size("100k"), parse_size("1m"), parse_size("2500")
    (100000, 1000000, 2500)
    """
    text = text.strip().lower().replace("_", "")
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    number = text[:-1] if scale > 1 else text
    return int(float(number) * scale)


def size_label(n: int) -> str:
    """Return ``10k``, ``1m``... for a number of entities.

    >>> size_label(10_000), size_label(1_000_000), size_label(1234)
    ('10k', '1m', '1234')
    """
    for unit, scale in (("m", 1_000_000), ("k", 1_000)):
        if n % scale == 0:
            return f"{n // scale}{unit}"
    return str(n)


def size_dir(n: int, out: Path = OUT, kind: str = "standard") -> Path:
    """Return the folder of the graph of ``kind`` with ``n`` entities (``100k-saturated``)."""
    return out / (size_label(n) if kind == "standard" else f"{size_label(n)}-{kind}")


def _choice(rng: np.random.Generator, options: np.ndarray, p: np.ndarray, n: int) -> np.ndarray:
    return options[rng.choice(len(options), size=n, p=p / p.sum())]


def _brands(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct pronounceable brand words of three or four syllables ("Koravite").

    A syllable is a consonant cluster then a vowel cluster, so a word splits into syllables in
    one way only and distinct syllable sequences are distinct words.
    """
    syllables = np.array([c + v for c in CONSONANTS for v in VOWELS], dtype=object)
    base = len(syllables)
    space = base**3 + base**4
    codes = np.empty(0, dtype=np.int64)
    while len(codes) < n:
        codes = _distinct(np.concatenate([codes, rng.integers(0, space, size=n - len(codes))]))
    codes = rng.permutation(codes)[:n]
    four = codes >= base**3
    codes = np.where(four, codes - base**3, codes)
    word = np.full(n, "", dtype=object)
    for place in range(3, -1, -1):
        digit = (codes // base**place) % base
        part = syllables[digit]
        word = word + np.where(four | (place < 3), part, "")
    return np.array([w.capitalize() for w in word], dtype=object)


def _entity_names(rng: np.random.Generator, tier: np.ndarray) -> dict[str, np.ndarray]:
    """Canonical names, upper-case variants and short aliases, one per entity."""
    n = len(tier)
    city = np.array(CITIES, dtype=object)[rng.integers(len(CITIES), size=n)]
    pick = rng.integers(len(INDUSTRIES[0]), size=n)
    industry = np.array(INDUSTRIES, dtype=object)[tier, pick]
    legal = np.array(LEGAL_FORMS, dtype=object)[rng.integers(len(LEGAL_FORMS), size=n)]
    variant_form = np.array(VARIANT_FORMS, dtype=object)[rng.integers(len(VARIANT_FORMS), size=n)]
    # The brand word is unique, so every name has its own key.
    core = _brands(rng, n) + " " + industry
    name = city + " " + core + " " + legal
    variant = np.array([s.upper() for s in city + " " + core + " " + variant_form], dtype=object)
    alias = core + " Holdings"
    return {"name": name, "variant": variant, "alias": alias}


def _draw_pairs(
    rng: np.random.Generator, tier: np.ndarray, members: list[np.ndarray], n_pairs: int, p: Params
) -> tuple[np.ndarray, np.ndarray]:
    """Draw about ``n_pairs`` distinct (supplier, customer) pairs without self-loops."""
    n = len(tier)
    activity = np.where(np.arange(len(TIERS)) == len(TIERS) - 1, p.buyer_activity, TIER_ACTIVITY)[
        tier
    ]
    raw = rng.lognormal(0.0, p.degree_sigma, size=n) * activity
    degree = np.floor(raw * (n_pairs / raw.sum()) + rng.random(n)).astype(np.int64)
    degree = np.minimum(degree, n // 4)
    src = np.repeat(np.arange(n, dtype=np.int64), degree)
    step = TIER_STEPS[rng.choice(len(TIER_STEPS), size=len(src), p=np.array(p.step_p))]
    target_tier = tier[src] + step
    target_tier = np.where(target_tier < 0, tier[src], np.minimum(target_tier, len(TIERS) - 1))
    dst = np.empty(len(src), dtype=np.int64)
    u = rng.random(len(src))
    for t, ids in enumerate(members):
        mine = target_tier == t
        # Zipf-like popularity: rank r is drawn with density ~ r^(1/a - 1).
        rank = (len(ids) * u[mine] ** p.popularity_exponent).astype(np.int64)
        dst[mine] = ids[np.minimum(rank, len(ids) - 1)]
    keys = _distinct(src * n + dst)
    keys = keys[keys // n != keys % n]
    return keys // n, keys % n


def _distinct(keys: np.ndarray) -> np.ndarray:
    """Sorted distinct values (faster than ``np.unique`` on ten million int64)."""
    keys = np.sort(keys)
    return keys[np.concatenate([[True], keys[1:] != keys[:-1]])] if len(keys) else keys


def _strings(dictionary: np.ndarray | list[str], codes: np.ndarray) -> pa.Array:
    """A string column from a small dictionary and one code per row."""
    return pc.take(pa.array(dictionary, pa.string()), pa.array(codes))


def generate(p: Params) -> dict[str, pa.Table]:
    """Generate the tables of one graph: ``suppliers``, ``listed``, ``spellings``, ``entities``."""
    rng = np.random.default_rng([p.seed, p.entities])
    n = p.entities
    tier = np.repeat(
        np.arange(len(TIERS)), np.diff(np.round(np.cumsum([0, *TIER_FRACTIONS]) * n).astype(int))
    )
    tier = rng.permutation(tier)
    members = [rng.permutation(np.flatnonzero(tier == t)) for t in range(len(TIERS))]
    names = _entity_names(rng, tier)
    country = _choice(rng, COUNTRIES, COUNTRY_P, n)

    # -- edges: distinct pairs, topped up to the target and trimmed to it ----------------------
    target = round(n * p.edges_per_entity / (1 + p.two_product_fraction))
    src, dst = _draw_pairs(rng, tier, members, target, p)
    while len(src) < target * 0.995:
        more_src, more_dst = _draw_pairs(rng, tier, members, (target - len(src)) * 2, p)
        keys = _distinct(np.concatenate([src * n + dst, more_src * n + more_dst]))
        src, dst = keys // n, keys % n
    if len(src) > target:
        keep = np.sort(rng.choice(len(src), size=target, replace=False))
        src, dst = src[keep], dst[keep]

    # -- rows: a second product on some pairs --------------------------------------------------
    product_tier = np.minimum(tier[src], len(PRODUCTS) - 1)
    n_products = max(len(x) for x in PRODUCTS)
    product = rng.integers(n_products, size=len(src))
    double = rng.random(len(src)) < p.two_product_fraction
    second = (product[double] + 1 + rng.integers(n_products - 1, size=int(double.sum()))) % (
        n_products
    )
    src = np.concatenate([src, src[double]])
    dst = np.concatenate([dst, dst[double]])
    product = np.concatenate([product, second])
    product_tier = np.concatenate([product_tier, product_tier[double]])
    m = len(src)

    # -- shares: per supplier at most the covered fraction, some unknown ------------------------
    weight = rng.lognormal(0.0, 1.0, size=m)
    covered = rng.uniform(0.3, 0.95, size=n)
    total = np.bincount(src, weights=weight, minlength=n)
    share = np.floor(covered[src] * weight / total[src] * 1e6) / 1e6
    unknown = rng.random(m) < p.unknown_share_fraction
    basis = np.where(rng.random(m) < 0.75, 1, 2)
    basis[unknown] = 0

    # -- listings ------------------------------------------------------------------------------
    n_listed = max(1, round(n * p.listed_fraction))
    per_tier = rng.multinomial(n_listed, LISTED_TIER_MIX)
    listed = np.concatenate(
        [rng.choice(members[t], size=min(k, len(members[t])), replace=False)
         for t, k in enumerate(per_tier)]
    )  # fmt: skip
    listed = np.sort(listed)
    is_listed = np.zeros(n, dtype=bool)
    is_listed[listed] = True
    second_listing = listed[rng.random(len(listed)) < 0.03]
    entity_of_listing = np.concatenate([listed, second_listing])
    k = len(entity_of_listing)
    day0 = np.datetime64("2008-01-01")
    start = day0 + rng.integers(0, 365 * 17, size=k).astype("timedelta64[D]")
    ends = rng.random(k) < 0.03
    end = start + rng.integers(180, 3000, size=k).astype("timedelta64[D]")
    year = start.astype("datetime64[Y]").astype(int) + 1970
    listing_name = np.concatenate([names["name"][listed], names["variant"][second_listing]])
    alt_names = names["name"][entity_of_listing]
    alt_names = (
        np.char.upper(alt_names.astype(str)).astype(object)
        + ";"
        + names["alias"][entity_of_listing]
    )
    listed_table = pa.table(
        {
            "name": pa.array(listing_name, pa.string()),
            "alt_names": pa.array(alt_names, pa.string()),
            "country": pa.array(country[entity_of_listing]),
            "kind": pa.array(np.where(rng.random(k) < 0.9, "company", "government").astype(object)),
            "list": pa.array(
                np.where(
                    np.arange(k) < len(listed),
                    _choice(rng, LISTS, LIST_P, k),
                    "Military End-User List",
                ).astype(object)
            ),
            "federal_register_notice": pa.array(
                [
                    f"{y - 1935} FR {pg}"
                    for y, pg in zip(year, rng.integers(1000, 70000, k), strict=False)
                ]
            ),
            "start_date": pa.array(start, pa.date32()),
            "end_date": pa.array(end, pa.date32(), mask=~ends),
            "license_requirement": pa.array(["For all items subject to the EAR."] * k),
            "license_policy": pa.array(POLICIES[rng.integers(len(POLICIES), size=k)]),
            "source": pa.array([f"Federal Register notice, listing {i}" for i in range(k)]),
        }
    )

    # -- spellings: one dictionary of every spelling, rows index into it -----------------------
    # Codes: 0..n-1 canonical names, n..2n-1 upper-case variants, 2n..3n-1 short aliases.
    spelling = np.concatenate([names["name"], names["variant"], names["alias"]])
    supplier_code = src.copy()
    supplier_code[rng.random(m) < p.variant_supplier_fraction] += n
    customer_code = dst.copy()
    draw = rng.random(m)
    customer_code[draw < p.variant_customer_fraction] += n
    aliased = is_listed[dst] & (draw >= 1 - p.alias_fraction)
    customer_code[aliased] = dst[aliased] + 2 * n
    spelling_dict = pa.array(spelling, pa.string())
    product_names = [
        PRODUCTS[t][i % len(PRODUCTS[t])]
        + (f" (line {i // len(PRODUCTS[t]) + 1})" if i >= len(PRODUCTS[t]) else "")
        for t in range(len(PRODUCTS))
        for i in range(n_products)
    ]
    n_sources = max(1000, m // 50)
    source_dict = pa.array(
        [f"{SOURCE_KINDS[i % len(SOURCE_KINDS)]} {i:08d}" for i in range(n_sources)]
    )
    known_share = np.where(unknown, np.nan, share)
    country_code = np.searchsorted(COUNTRIES, country, sorter=np.argsort(COUNTRIES))
    country_code = np.argsort(COUNTRIES)[country_code]
    customer_country = country_code[dst]
    customer_country[rng.random(m) < 0.1] = int(np.flatnonzero(COUNTRIES == "")[0])
    order = rng.permutation(m)  # real extracts are not sorted by supplier
    suppliers = pa.table(
        {
            "supplier": pc.take(spelling_dict, pa.array(supplier_code[order])),
            "customer": pc.take(spelling_dict, pa.array(customer_code[order])),
            "product": _strings(product_names, (product_tier * n_products + product)[order]),
            "supplier_country": _strings(COUNTRIES, country_code[src[order]]),
            "customer_country": _strings(COUNTRIES, customer_country[order]),
            "revenue_share": pa.array(known_share[order], pa.float64(), from_pandas=True),
            "share_basis": _strings(["", "disclosed", "estimate"], basis[order]),
            "source": pc.take(source_dict, pa.array(rng.integers(n_sources, size=m)[order])),
        }
    )

    variants = np.concatenate([np.arange(n), np.arange(n), np.arange(n)])
    spellings = pa.table(
        {
            "spelling": spelling_dict[n:],
            "name": pa.array(names["name"][variants[n:]], pa.string()),
        }
    )
    entities = pa.table(
        {
            "name": pa.array(names["name"], pa.string()),
            "tier": pa.array(np.array(TIERS, dtype=object)[tier], pa.string()),
            "listed": pa.array(is_listed),
        }
    )
    return {
        "suppliers": suppliers,
        "listed": listed_table,
        "spellings": spellings,
        "entities": entities,
    }


def write(tables: dict[str, pa.Table], folder: Path) -> dict[str, float]:
    """Write the tables as CSV, Parquet and truth files; return the seconds each format took."""
    seconds: dict[str, float] = {}
    for sub in ("csv", "parquet", "truth"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for name in ("suppliers", "listed"):
        pacsv.write_csv(tables[name], folder / "csv" / f"{name}.csv")
    seconds["csv"] = time.perf_counter() - started
    started = time.perf_counter()
    for name in ("suppliers", "listed"):
        pq.write_table(tables[name], folder / "parquet" / f"{name}.parquet")
    seconds["parquet"] = time.perf_counter() - started
    for name in ("spellings", "entities"):
        pq.write_table(tables[name], folder / "truth" / f"{name}.parquet")
    return seconds


def _recorded(params: Params) -> dict[str, object]:
    """Return the parameters as meta.json records them (the standard kind's as before kinds)."""
    recorded = asdict(params)
    recorded["step_p"] = list(params.step_p)
    for name, value in asdict(Params(entities=params.entities)).items():
        if name in ("step_p", "buyer_activity") and recorded[name] == (
            list(value) if isinstance(value, tuple) else value
        ):
            del recorded[name]
    return recorded


def ensure(
    n: int, *, out: Path = OUT, force: bool = False, quiet: bool = False, kind: str = "standard"
) -> Path:
    """Generate the graph of ``kind`` with ``n`` entities unless an identical one is written."""
    params = Params(entities=n, **KINDS[kind])  # type: ignore[arg-type]
    folder = size_dir(n, out, kind)
    meta_path = folder / "meta.json"
    if not force and meta_path.is_file():
        meta = json.loads(meta_path.read_text())
        if meta.get("params") == _recorded(params):
            return folder
    started = time.perf_counter()
    tables = generate(params)
    generated = time.perf_counter() - started
    written = write(tables, folder)
    suppliers = tables["suppliers"]
    meta = {
        "params": _recorded(params),
        "as_of": AS_OF,
        "rows": suppliers.num_rows,
        "listings": tables["listed"].num_rows,
        "listed_entities": int(pc.sum(tables["entities"]["listed"]).as_py()),
        "unknown_shares": suppliers["revenue_share"].null_count,
        "generate_seconds": round(generated, 2),
        "write_seconds": {k: round(v, 2) for k, v in written.items()},
        "bytes": {
            f"{fmt}/{name}": (folder / fmt / f"{name}.{fmt}").stat().st_size
            for fmt in ("csv", "parquet")
            for name in ("suppliers", "listed")
        },
    }
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    if not quiet:
        print(
            f"{size_label(n)}: {n} entities, {meta['rows']} rows, {meta['listings']} listings; "
            f"generated in {generated:.1f} s, written in {sum(written.values()):.1f} s -> {folder}"
        )
    return folder


def main(argv: list[str] | None = None) -> None:
    """Command line: generate the requested sizes."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k,1m", help="comma-separated, e.g. 10k,1m")
    parser.add_argument("--out", type=Path, default=OUT, help="output folder (default bench/out)")
    parser.add_argument("--force", action="store_true", help="regenerate even if up to date")
    parser.add_argument("--kind", choices=sorted(KINDS), default="standard")
    args = parser.parse_args(argv)
    for text in args.sizes.split(","):
        ensure(parse_size(text), out=args.out, force=args.force, kind=args.kind)


if __name__ == "__main__":
    main()
