"""Screening measured on data others made: false alarms on invented names, recall on the CSL's own aliases.

Run ``.venv/bin/python -m bench.names --csl PATH`` with a copy of the US Consolidated Screening
List (``consolidated.csv``; a real subset of November 2023 lies in ``../shared/fixtures/csl/`` on
the project's machines) and Faker installed (``pip install -e '.[bench]'``). It prints:

* **False alarms**: 3,000 invented company names (Faker's ``company()`` in ten locales, seeded)
  screened against every list of the file, whatever its dates; the share that come out
  ``match``, and ``match`` or ``possible``. None of them is a listed entity (by construction,
  though an invented name may coincide with a real one: the flagged ones are printed to check).
* **Speed**: screening's time against rapidfuzz's ``process.cdist`` with ``token_sort_ratio``
  over the same names and every listed name and alias (all cores), measured in the same run.
* **Recall and precision on the CSL's aliases**: for each organisation (not individuals,
  vessels or aircraft) with aliases, its first alias is screened against the list with that
  alias removed: a true pair is the alias and its own record. Recall of ``match``, and of
  ``match`` or ``possible``; precision of ``match`` (a match to another record is wrong).

These are not the project's own examples, so they show how the matcher does on names it was not
tuned on.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from exposure.entities.screen import screen
from exposure.read.csl import read_csl_listed

LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pl_PL", "pt_BR", "ru_RU")
NAMES_PER_LOCALE = 300
SEED = 20191009


def invented_names() -> list[str]:
    """Return the invented company names, the same on every run."""
    from faker import Faker

    names = []
    for locale in LOCALES:
        fake = Faker(locale)
        fake.seed_instance(SEED)
        names += [fake.company() for _ in range(NAMES_PER_LOCALE)]
    return names


def false_alarms(listed: pd.DataFrame, show: int) -> dict[str, float]:
    """Screen the invented names; return the shares flagged."""
    names = invented_names()
    started = time.perf_counter()
    found = screen(names, listed, as_of=None)
    seconds = time.perf_counter() - started
    outcome = found["outcome"]
    flagged = found[outcome != "none"]
    for row in flagged.head(show).itertuples():
        print(f"  {row.outcome:8} {row.score:5.1f}  {row.name!r} ~ {row.matched_as!r}")
    return {
        "names": len(names),
        "match": float((outcome == "match").mean()),
        "match or possible": float((outcome != "none").mean()),
        "seconds": seconds,
    }


def cdist_seconds(listed: pd.DataFrame) -> float:
    """Time the baseline a user would pick: rapidfuzz's ``cdist`` with ``token_sort_ratio``.

    Every invented name against every listed name and alias, on every core.
    """
    from rapidfuzz import fuzz, process

    spellings = [str(n) for n in listed["name"]] + [
        a.strip() for aliases in listed["alt_names"] for a in str(aliases).split(";") if a.strip()
    ]
    names = invented_names()
    started = time.perf_counter()
    process.cdist(names, spellings, scorer=fuzz.token_sort_ratio, workers=-1, dtype="uint8")
    return time.perf_counter() - started


def alias_pairs(listed: pd.DataFrame) -> tuple[list[str], pd.DataFrame, list[int]]:
    """Return each organisation's first alias, the list without it, and its record's row."""
    table = listed.reset_index(drop=True).copy()
    queries, rows = [], []
    for i, (aliases, kind) in enumerate(zip(table["alt_names"], table["kind"], strict=True)):
        spellings = [a.strip() for a in str(aliases).split(";") if a.strip()]
        if not spellings or kind == "other":
            continue
        queries.append(spellings[0])
        rows.append(i)
        table.at[i, "alt_names"] = "; ".join(spellings[1:])
    return queries, table, rows


def alias_recall(listed: pd.DataFrame) -> dict[str, float]:
    """Screen each organisation's first alias against the list without it."""
    queries, table, rows = alias_pairs(listed)
    names = table["name"].astype(str).tolist()
    found = screen(queries, table, as_of=None)
    hit = found["outcome"].isin(["match", "confirmed"]).to_numpy()
    flagged = (found["outcome"] != "none").to_numpy()
    right = (found["listed"] == [names[r] for r in rows]).to_numpy()
    return {
        "pairs": len(queries),
        "match recall": float((hit & right).mean()),
        "match or possible recall": float((flagged & right).mean()),
        "match precision": float((hit & right).sum() / max(hit.sum(), 1)),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csl", type=Path, required=True, help="a consolidated.csv (or .json)")
    parser.add_argument("--show", type=int, default=20, help="flagged invented names to print")
    args = parser.parse_args(argv)
    listed = read_csl_listed(args.csl, None)
    print(f"{args.csl}: {len(listed)} listings, every list")
    print("False alarms on invented company names:")
    alarms = false_alarms(listed, args.show)
    print(
        f"  {alarms['names']} names: match {100 * alarms['match']:.1f}%, match or possible "
        f"{100 * alarms['match or possible']:.1f}% ({alarms['seconds']:.1f} s)"
    )
    baseline = cdist_seconds(listed)
    print(
        f"  rapidfuzz cdist (token_sort_ratio) of the same names and spellings: {baseline:.1f} s;"
        f" screening takes {alarms['seconds'] / baseline:.2f}x that"
    )
    print("The CSL's own aliases, each against the list without it:")
    recall = alias_recall(listed)
    print(
        f"  {recall['pairs']} pairs: match recall {recall['match recall']:.3f}, match or "
        f"possible recall {recall['match or possible recall']:.3f}, match precision "
        f"{recall['match precision']:.3f}"
    )


if __name__ == "__main__":
    main()
