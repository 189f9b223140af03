"""Screening measured on data others made: false alarms, the CSL's own aliases, and nomenklatura.

Run ``.venv/bin/python -m bench.names --csl PATH`` with a copy of the US Consolidated Screening
List (``consolidated.csv``; a real subset of November 2023 lies in ``../shared/fixtures/csl/`` on
the project's machines) and the bench extra installed (``pip install -e '.[bench]'``: Faker,
nomenklatura). It prints:

* **False alarms**: 3,000 invented company names (Faker's ``company()`` in ten locales, seeded)
  screened against every list of the file, whatever its dates; the share that come out
  ``match``, and ``match`` or ``possible``. None of them is a listed entity (by construction,
  though an invented name may coincide with a real one: the flagged ones are printed to check).
* **Speed** (:func:`speed`): screening's time against rapidfuzz's ``process.cdist`` with
  ``token_sort_ratio`` and its default normalisation over the same names and every listed
  name and alias (all cores), in turns on fresh sets of invented names, in the same process.
  Screening is timed with the list prepared (its spellings' normal forms, index and blocks:
  what a second call on the same list in one process reuses, as a screening service prepares
  its list once) and, apart, the first call that prepares it.
* **The CSL's own aliases, screened**: for each organisation (not individuals, vessels or
  aircraft) with aliases, its first alias is screened against the whole list with that alias
  removed. The answer is right when it names the alias's own record or a record of the same
  entity on another list (records that share a spelling once case, punctuation and legal forms
  are set aside, by rigour's table of organisation types: the CSL lists many entities once per
  list). Recall of ``match``, and of ``match`` or ``possible``; precision of ``match``.
* **The CSL's names as a customer writes them** (:func:`written_variants`): each
  organisation's name written as in :data:`VARIANTS` ("The" in front, bracketed parts left
  out, ...) and screened against the whole list; how many then find nothing.
* **Side by side with nomenklatura, on the same pairs**: a true pair is an alias and its own
  record; a false pair is an alias and the most similar record of another entity, or an
  invented name and its most similar record (rapidfuzz ``token_set_ratio``, an independent
  choice). exposure screens each name against the whole list (its candidate search included);
  nomenklatura's algorithms score each pair as two ``Company`` entities (the record with its
  other aliases), ``match`` from yente's default threshold 0.7 and ``match or possible`` from
  0.5. Beside the fixed thresholds, each system's best recall at a precision of 0.90 or more.

These are not the project's own examples, so they show how the matcher does on names it was not
tuned on.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from exposure.entities.listings import entity_ids
from exposure.entities.matcher import MATCH_THRESHOLD, POSSIBLE_THRESHOLD, Matcher
from exposure.entities.screen import screen
from exposure.read.csl import bundled_names, read_csl_listed
from exposure.read.schema import NOT_ORGANISATION_KINDS

LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pl_PL", "pt_BR", "ru_RU")
NAMES_PER_LOCALE = 300
SEED = 20191009
#: Each speed is the median of this many runs.
RUNS = 5
#: nomenklatura's algorithms compared, and the thresholds read as its outcomes: yente (the
#: OpenSanctions matching API) flags a result as a match from 0.7 (``SCORE_THRESHOLD``).
NOMENKLATURA_ALGORITHMS = ("logic-v1", "logic-v2", "regression-v1", "name-based")
NOMENKLATURA_MATCH = 0.7
NOMENKLATURA_POSSIBLE = 0.5
_RUNS = itertools.count()
#: Organisation name pairs from other projects' tests and data, labelled as their sources do
#: (see ``bench/peer_pairs.md``).
PEER_PAIRS = Path(__file__).resolve().parent / "peer_pairs.csv"
#: The precision at which each system's best recall is read.
PRECISION_FLOOR = 0.90


def invented_names(seed: int = SEED) -> list[str]:
    """Return the invented company names, the same on every run for one ``seed``."""
    from faker import Faker

    names = []
    for locale in LOCALES:
        fake = Faker(locale)
        fake.seed_instance(seed)
        names += [fake.company() for _ in range(NAMES_PER_LOCALE)]
    return names


def false_alarms(listed: pd.DataFrame, show: int) -> dict[str, float]:
    """Screen the invented names; return the shares flagged."""
    names = invented_names()
    found = screen(names, listed, as_of=None)
    outcome = found["outcome"]
    flagged = found[outcome != "none"]
    for row in flagged.head(show).itertuples():
        print(f"  {row.outcome:8} {row.score:5.1f}  {row.name!r} ~ {row.matched_as!r}")
    return {
        "names": len(names),
        "match": float((outcome == "match").mean()),
        "match or possible": float((outcome != "none").mean()),
    }


def all_spellings(listed: pd.DataFrame) -> tuple[list[str], np.ndarray]:
    """Return every listed name and alias, and the row of the listed table each comes from."""
    texts: list[str] = []
    rows: list[int] = []
    for i, (name, aliases) in enumerate(zip(listed["name"], listed["alt_names"], strict=True)):
        for spelling in [str(name), *str(aliases).split(";")]:
            if spelling.strip():
                texts.append(spelling.strip())
                rows.append(i)
    return texts, np.asarray(rows, dtype=np.int64)


def speed(listed: pd.DataFrame) -> dict[str, float]:
    """Time screening against the baseline a user would pick: rapidfuzz ``cdist``.

    The baseline scores every invented name against every listed name and alias with
    ``token_sort_ratio``, on every core, with rapidfuzz's own normalisation (lower case, no
    punctuation). The two run in turns on :data:`RUNS` fresh sets of invented names (another
    seed each time, so that nothing learnt of one set's words speeds up the next), so that
    both meet the same load; each figure is a median. The first call, which prepares the
    list, is timed apart.
    """
    from rapidfuzz import fuzz, process, utils

    spellings, _ = all_spellings(listed)
    started = time.perf_counter()
    screen(invented_names()[:1], listed, as_of=None)  # word lists loaded, the list prepared
    first = time.perf_counter() - started
    ours, theirs = [], []
    for seed in range(SEED + 1, SEED + 1 + RUNS):
        names = invented_names(seed)
        started = time.perf_counter()
        screen(names, listed, as_of=None)
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        process.cdist(
            names,
            spellings,
            scorer=fuzz.token_sort_ratio,
            processor=utils.default_process,
            workers=-1,
            dtype="uint8",
        )
        theirs.append(time.perf_counter() - started)
    return {
        "screen": float(np.median(ours)),
        "cdist": float(np.median(theirs)),
        "ratio": float(np.median(np.divide(ours, theirs))),
        "first call": first,
    }


def alias_pairs(listed: pd.DataFrame) -> tuple[list[str], pd.DataFrame, list[int]]:
    """Return each organisation's first alias, the list without it, and its record's row.

    Only the CSL's own aliases count: a record whose aliases are all names its name bundles
    (a subordinate entity, which the importer adds after the CSL's aliases) has none.
    """
    table = listed.reset_index(drop=True).copy()
    queries, rows = [], []
    for i, (name, aliases, kind) in enumerate(
        zip(table["name"], table["alt_names"], table["kind"], strict=True)
    ):
        spellings = [a.strip() for a in str(aliases).split(";") if a.strip()]
        if set(spellings) <= set(bundled_names(str(name))) or kind in NOT_ORGANISATION_KINDS:
            continue
        queries.append(spellings[0])
        rows.append(i)
        table.at[i, "alt_names"] = "; ".join(spellings[1:])
    return queries, table, rows


#: A short name in capitals in brackets, which the CSL appends to some records' names and not
#: to others of the same entity ("Shahid Bakeri Industrial Group (SBIG)").
BRACKETED_SHORT_NAME = re.compile(r"\(\s*[A-Z][A-Z.\-]{1,9}\s*\)")


def plain(spelling: str) -> str:
    """Return a spelling without case, punctuation, spacing, legal forms (rigour's table) or a
    short name in brackets.

    Examples
    --------
    >>> plain("Shahid Bakeri Industrial Group (SBIG)") == plain("SHAHID BAKERI INDUSTRIAL GROUP")
    True
    """
    from rigour.names import remove_org_types

    spelling = BRACKETED_SHORT_NAME.sub(" ", spelling)
    return re.sub(r"[\W_]+", "", remove_org_types(spelling.casefold()))


def same_entity(listed: pd.DataFrame) -> np.ndarray:
    """Return a group number per listed row: rows that share a :func:`plain` spelling are one.

    The CSL lists an entity once per list and often once per address, so a screening answer
    naming another record of the same entity is right. Grouped on the whole list, the alias
    screened included: that one record's alias is set aside does not make two records two
    entities.
    """
    texts, rows = all_spellings(listed)
    parent = list(range(len(listed)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_row: dict[str, int] = {}
    for text, row in zip(texts, rows.tolist(), strict=True):
        key = plain(text)
        if not key:
            continue
        other = first_row.setdefault(key, row)
        parent[root(row)] = root(other)
    return np.array([root(i) for i in range(len(listed))], dtype=np.int64)


def alias_recall(listed: pd.DataFrame) -> dict[str, float]:
    """Screen each organisation's first alias against the list without it."""
    queries, table, rows = alias_pairs(listed)
    group = same_entity(listed.reset_index(drop=True))
    groups_of_name: dict[str, set[int]] = {}
    for name, g in zip(table["name"].astype(str), group.tolist(), strict=True):
        groups_of_name.setdefault(name, set()).add(g)
    found = screen(queries, table, as_of=None)
    hit = found["outcome"].isin(["match", "confirmed"]).to_numpy()
    flagged = (found["outcome"] != "none").to_numpy()
    right = np.array(
        [
            group[r] in groups_of_name.get(str(n), ())
            for n, r in zip(found["listed"], rows, strict=True)
        ]
    )
    return {
        "pairs": len(queries),
        "match recall": float((hit & right).mean()),
        "match or possible recall": float((flagged & right).mean()),
        "match precision": float((hit & right).sum() / max(hit.sum(), 1)),
    }


def _longest_word_mistyped(name: str, *, swapped: bool = False) -> str:
    """Return a name with a letter in the middle of its longest word (of 7 or more) changed.

    The letter becomes an "x" (a "y" if it is one), or with ``swapped`` changes places with
    the next.
    """
    words = name.split()
    i = max(range(len(words)), key=lambda k: len(words[k]), default=0)
    word = words[i] if words else ""
    if len(word) < 7:
        return name
    j = len(word) // 2
    if swapped:
        words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    else:
        words[i] = word[:j] + ("y" if word[j].lower() == "x" else "x") + word[j + 1 :]
    return " ".join(words)


#: Descriptors and legal forms as records abbreviate them.
ABBREVIATED = {
    "corporation": "Corp.", "company": "Co.", "limited": "Ltd.", "international": "Int'l",
    "technology": "Tech.", "group": "Grp.", "industry": "Ind.", "industries": "Inds.",
    "manufacturing": "Mfg.", "electronics": "Elec.", "university": "Univ.",
    "institute": "Inst.", "communications": "Comm.",
}  # fmt: skip


def _abbreviated(name: str) -> str:
    """Return a name with the words of :data:`ABBREVIATED` abbreviated."""
    return " ".join(ABBREVIATED.get(w.lower().strip(",."), w) for w in name.split())


#: How a customer's records may write a listed organisation's name: each variant of each name
#: should still find its own record (:func:`written_variants`).
VARIANTS: dict[str, Callable[[str], str]] = {
    "upper case": str.upper,
    "lower case": str.lower,
    '"The" in front': lambda s: s if s.lower().startswith("the ") else f"The {s}",
    "bracketed parts left out": lambda s: " ".join(re.sub(r"\([^()]*\)", " ", s).split()),
    "punctuation left out": lambda s: " ".join(re.sub(r"[^\w\s]", "", s).split()),
    '"Co., Ltd." written out': lambda s: re.sub(r"(?i)\bco\.?,? ?ltd\b\.?", "Company Limited", s),
    '", Inc." added': lambda s: f"{s}, Inc.",
    "descriptors abbreviated": _abbreviated,
    "a typo in the longest word": _longest_word_mistyped,
    "two letters of it swapped": functools.partial(_longest_word_mistyped, swapped=True),
    # As trade records (bills of lading, customs declarations) write a party.
    "run together in capitals": lambda s: re.sub(r"\s+", "", s).upper(),
    "an address after it": lambda s: f"{s.upper()} NO. 18 INDUSTRIAL ROAD, SHENZHEN 518000",
    '"M/S" in front': lambda s: f"M/S {s.upper()}",
    'after another party and "c/o"': lambda s: f"ABC Freight Forwarding Ltd. c/o {s}",
    'another party after ";"': lambda s: f"{s}; ABC Trading Ltd",
    '"&" written "&amp;"': lambda s: s.replace("&", "&amp;"),
    "cut off at 35 characters": lambda s: s[:35] if len(s) > 35 else s,
}


def written_variants(listed: pd.DataFrame) -> pd.DataFrame:
    """Screen each organisation's name, written as in :data:`VARIANTS`, against the whole list.

    Per variant: how many names it changes, and how many of those then find nothing
    (``none``): a silent miss of a name the list holds.
    """
    table = listed.reset_index(drop=True)
    names = table.loc[~table["kind"].isin(NOT_ORGANISATION_KINDS), "name"].astype(str).tolist()
    spelt = set(names)  # a variant that is a listed name as written is no test
    rows = []
    for variant, write in VARIANTS.items():
        written = [w for w in (write(n) for n in names) if w not in spelt]
        found = screen(written, table, as_of=None) if written else pd.DataFrame({"outcome": []})
        missed = found["outcome"].eq("none").to_numpy()
        rows.append(
            {
                "variant": variant,
                "names": len(written),
                "found nothing": int(missed.sum()),
                "examples": "; ".join(np.asarray(written, dtype=object)[missed][:2].tolist()),
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Pairs:
    """Labelled pairs: a name, the row of the listed table it is compared with, and the truth."""

    names: list[str]
    rows: np.ndarray
    same: np.ndarray
    table: pd.DataFrame


def labelled_pairs(listed: pd.DataFrame, invented: Sequence[str]) -> Pairs:
    """Return the true and false pairs compared side by side (the module docstring says how)."""
    from rapidfuzz import fuzz, process

    queries, table, truth = alias_pairs(listed)
    group = same_entity(listed.reset_index(drop=True))  # with the aliases screened
    texts, row_of = all_spellings(table)
    scores = process.cdist(queries, texts, scorer=fuzz.token_set_ratio, workers=-1, dtype="uint8")
    other = group[row_of][None, :] != group[np.asarray(truth)][:, None]
    hardest = row_of[np.argmax(np.where(other, scores.astype(np.int16), -1), axis=1)]
    scores = process.cdist(
        list(invented), texts, scorer=fuzz.token_set_ratio, workers=-1, dtype="uint8"
    )
    nearest = row_of[np.argmax(scores, axis=1)]
    n, m = len(queries), len(invented)
    return Pairs(
        names=[*queries, *queries, *invented],
        rows=np.concatenate([np.asarray(truth), hardest, nearest]),
        same=np.concatenate([np.ones(n, bool), np.zeros(n + m, bool)]),
        table=table,
    )


def exposure_scores(pairs: Pairs) -> tuple[np.ndarray, np.ndarray]:
    """Score each pair as ``exposure screen`` would: the name against the whole list.

    Returns the score of the pair's record among the name's candidates (0 when the candidate
    search does not reach it) and its outcome.
    """
    table = pairs.table.assign(entity=entity_ids(pairs.table))
    found = Matcher(table).match(pairs.names, limit=50, explain="flagged")
    found = found[found["entity"] >= 0]
    best = found.groupby(["name", "entity"], sort=False)["score"].max()
    entity = table["entity"].to_numpy()[pairs.rows]
    score = np.array(
        [best.get((n, e), 0.0) for n, e in zip(pairs.names, entity.tolist(), strict=True)]
    )
    outcome = np.select(
        [score >= MATCH_THRESHOLD, score >= POSSIBLE_THRESHOLD], ["match", "possible"], "none"
    )
    return score, outcome


def nomenklatura_scores(pairs: Pairs, algorithm: str) -> np.ndarray:
    """Score each pair with one of nomenklatura's algorithms, as two ``Company`` entities."""
    from followthemoney import model
    from nomenklatura.matching import get_algorithm
    from nomenklatura.matching.types import ScoringConfig

    scorer = get_algorithm(algorithm)
    assert scorer is not None, algorithm
    config = ScoringConfig.model_construct(
        weights={}, config={key: var.default for key, var in scorer.CONFIG.items()}
    )
    records = {}
    # Ids must differ between entities and between sets of pairs: nomenklatura caches by id.
    run = next(_RUNS)
    for row in np.unique(pairs.rows).tolist():
        entity = model.make_entity("Company")
        entity.id = f"listed-{run}-{row}"
        entity.add("name", str(pairs.table.at[row, "name"]))
        for alias in str(pairs.table.at[row, "alt_names"]).split(";"):
            if alias.strip():
                entity.add("alias", alias.strip())
        country = str(pairs.table.at[row, "country"]).split(";")[0].strip()
        if country:
            entity.add("jurisdiction", country.lower(), quiet=True)
        records[row] = entity
    scores = np.empty(len(pairs.names))
    for i, (name, row) in enumerate(zip(pairs.names, pairs.rows.tolist(), strict=True)):
        query = model.make_entity("Company")
        query.id = f"query-{run}-{i}"
        query.add("name", name)
        scores[i] = scorer.compare(query, records[row], config).score
    return scores


def figures(same: np.ndarray, match: np.ndarray, flagged: np.ndarray) -> dict[str, float]:
    """Precision and recall of ``match`` and of ``match or possible`` on labelled pairs."""
    return {
        "match precision": float((match & same).sum() / max(match.sum(), 1)),
        "match recall": float((match & same).sum() / max(same.sum(), 1)),
        "flagged precision": float((flagged & same).sum() / max(flagged.sum(), 1)),
        "flagged recall": float((flagged & same).sum() / max(same.sum(), 1)),
    }


def best_recall(same: np.ndarray, score: np.ndarray, floor: float = PRECISION_FLOOR) -> float:
    """Return the highest recall at any threshold whose precision is at least ``floor``."""
    order = np.argsort(-score, kind="stable")
    ranked_score, ranked_same = score[order], same[order]
    hits = np.cumsum(ranked_same)
    # A threshold keeps every pair scoring at least it: read the counts at the last of ties.
    last = np.r_[ranked_score[1:] != ranked_score[:-1], True] & (ranked_score > 0)
    precision = hits / np.arange(1, len(score) + 1)
    ok = last & (precision >= floor)
    return float(hits[ok].max() / max(same.sum(), 1)) if ok.any() else 0.0


def peer_pairs(path: Path = PEER_PAIRS) -> Pairs:
    """Return the organisation name pairs of other projects' tests (``bench/peer_pairs.csv``).

    Each ``name_a`` is screened against a list of every distinct ``name_b`` (with its
    country, when the source gives one), as a name against the list.
    """
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    listed_names = list(dict.fromkeys(table["name_b"]))
    row_of = {name: i for i, name in enumerate(listed_names)}
    country = dict(zip(table["name_b"], table["country_b"], strict=True))
    listed = pd.DataFrame(
        {
            "name": listed_names,
            "alt_names": "",
            "country": [country[n] for n in listed_names],
            "list": "peer pairs",
            "kind": "",
        }
    )
    return Pairs(
        names=table["name_a"].tolist(),
        rows=np.array([row_of[n] for n in table["name_b"]], dtype=np.int64),
        same=(table["same"] == "1").to_numpy(),
        table=listed,
    )


def side_by_side(pairs: Pairs, algorithms: Sequence[str] = NOMENKLATURA_ALGORITHMS) -> pd.DataFrame:
    """Return each system's figures on the same labelled pairs, and its time to score them."""
    rows = []

    def timed(system: str, run: Callable[[], tuple[np.ndarray, np.ndarray, np.ndarray]]) -> None:
        started = time.perf_counter()
        score, match, flagged = run()
        rows.append(
            {
                "system": system,
                **figures(pairs.same, match, flagged),
                f"best recall at precision {PRECISION_FLOOR}": best_recall(pairs.same, score),
                "seconds": time.perf_counter() - started,
            }
        )

    def ours() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        score, outcome = exposure_scores(pairs)
        return score, outcome == "match", outcome != "none"

    timed("exposure", ours)
    for algorithm in algorithms:

        def theirs(algorithm: str = algorithm) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            score = nomenklatura_scores(pairs, algorithm)
            return score, score >= NOMENKLATURA_MATCH, score >= NOMENKLATURA_POSSIBLE

        timed(f"nomenklatura {algorithm}", theirs)
    table = pd.DataFrame(rows)
    table.attrs["pairs"] = (int(pairs.same.sum()), int((~pairs.same).sum()))
    return table


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csl", type=Path, required=True, help="a consolidated.csv (or .json)")
    parser.add_argument("--show", type=int, default=20, help="flagged invented names to print")
    parser.add_argument(
        "--pairs",
        type=Path,
        default=PEER_PAIRS,
        help="labelled name pairs (name_a,name_b,same,...)",
    )
    args = parser.parse_args(argv)
    listed = read_csl_listed(args.csl, None)
    print(f"{args.csl}: {len(listed)} listings, every list")
    timed = speed(listed)
    print(
        f"Speed, {len(invented_names())} names a run, median of {RUNS} runs: screening (the list "
        f"prepared) {timed['screen']:.2f} s; rapidfuzz cdist (token_sort_ratio) of the same "
        f"names and spellings {timed['cdist']:.2f} s; screening takes {timed['ratio']:.2f}x "
        f"cdist. The first call, preparing the list: {timed['first call']:.2f} s"
    )
    print("False alarms on invented company names:")
    alarms = false_alarms(listed, args.show)
    print(
        f"  {alarms['names']} names: match {100 * alarms['match']:.1f}%, match or possible "
        f"{100 * alarms['match or possible']:.1f}%"
    )
    print("The CSL's own aliases, each screened against the list without it:")
    recall = alias_recall(listed)
    print(
        f"  {recall['pairs']} aliases: match recall {recall['match recall']:.3f}, match or "
        f"possible recall {recall['match or possible recall']:.3f}, match precision "
        f"{recall['match precision']:.3f}"
    )
    print("The CSL's organisation names as a customer's records may write them, screened:")
    print(written_variants(listed).to_string(index=False))
    for title, pairs in (
        ("the CSL's aliases and invented names", labelled_pairs(listed, invented_names())),
        (f"other projects' organisation name pairs ({args.pairs.name})", peer_pairs(args.pairs)),
    ):
        table = side_by_side(pairs)
        true, false = table.attrs["pairs"]
        print(f"Side by side on {title} ({true} true, {false} false):")
        print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))


if __name__ == "__main__":
    main()
