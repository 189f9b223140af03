"""Which listed entity a name is: review decision, then exact key, then fuzzy score.

:func:`resolve` is the one place that decides, for the names a supplier file uses, which listed
entity (if any) each one is, in this order:

1. a ``confirmed`` review decision (``matches.csv``) links the name, whatever its score;
2. else a name whose key (:func:`~exposure.names.name_key`) equals the key of exactly
   one listed name or alias is that entity (``exact``), unless a ``rejected`` decision says
   otherwise; a key that two entities share is *ambiguous* and must be settled by the user;
3. else, when fuzzy matching is on, the names chosen for it are scored against every listed name
   and alias (:class:`~exposure.entities.matcher.Matcher`): from the match threshold on they are
   linked (``fuzzy``); a ``possible`` match is recorded, with its score, but links nothing.

Building the supply graph (:func:`exposure.graph.build_graph`) and screening
(:func:`exposure.entities.screen.screen`) both call :func:`resolve`, so that a name gets one
answer in every view.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from exposure.entities.decisions import Decisions
from exposure.entities.listings import NameIndex
from exposure.entities.matcher import Matcher
from exposure.errors import AmbiguousNameError
from exposure.names import written_form
from exposure.read.checks import object_column

__all__ = ["LINK_ORDER", "Resolution", "resolve"]

#: How sure a link between a name and a listed entity is, least sure first.
LINK_ORDER = {"none": 0, "possible": 1, "fuzzy": 2, "confirmed": 3, "exact": 4}


@dataclass(frozen=True)
class Resolution:
    """What :func:`resolve` found.

    Attributes
    ----------
    links
        One row per name: ``key``, ``entity`` (-1 when none), ``match`` (``exact``,
        ``confirmed``, ``fuzzy``, ``possible`` or ``none``), ``match_score``, ``matched_as``,
        ``match_explanation`` and ``possible_entity`` (the listed entity a ``possible`` match
        may be, which it is not linked to; -1 otherwise). ``None`` when some name is ambiguous
        and ``stop_at_ambiguous`` was asked.
    ambiguous
        ``(name's position, message)`` for each name two listed entities could be.
    """

    links: pd.DataFrame | None
    ambiguous: list[tuple[int, str]] = field(default_factory=list)


def resolve(
    names: np.ndarray,
    keys: tuple[np.ndarray, np.ndarray],
    listings: pd.DataFrame,
    index: NameIndex,
    decisions: Decisions,
    *,
    fuzzy: bool,
    to_score: np.ndarray,
    countries: Callable[[np.ndarray], list[str]],
    matcher: Matcher | None = None,
    scored: pd.DataFrame | None = None,
    stop_at_ambiguous: bool = True,
) -> Resolution:
    """Link each distinct name to a listed entity: by review, by key, or by fuzzy match.

    Parameters
    ----------
    names
        Distinct spellings of company names (object array).
    keys
        Each name's key, and an integer per name numbering the distinct keys (as
        :meth:`exposure.read.dataset.Dataset.spelling_keys` returns them).
    listings
        The listed rows with their ``entity`` (:func:`~exposure.entities.listings.entity_ids`).
    index
        The exact index of the listed spellings
        (:func:`~exposure.entities.listings.name_index`).
    decisions
        Review decisions resolved against ``index``.
    fuzzy
        Score the names that neither a decision nor a key links.
    to_score
        Boolean mask of the names that may be scored (a supplier file's customers).
    countries
        Given positions of names, their ISO country codes (empty when unknown), as evidence.
    matcher
        The fuzzy matcher of ``listings`` and ``decisions``, when one is built already.
    scored
        Its best candidate for every one of ``names`` (:meth:`Matcher.match`, in their order),
        when they are scored already: screening shows them, and they are not scored twice.
    stop_at_ambiguous
        Return as soon as some name is ambiguous (a file that must be corrected first);
        otherwise ambiguous names stay unlinked and the others are resolved.

    Returns
    -------
    Resolution
    """
    n = len(names)
    entity = np.full(n, -1, dtype=np.int64)
    match = np.full(n, "none", dtype=object)
    score = np.full(n, np.nan)
    matched_as = np.full(n, "", dtype=object)
    explanation = np.full(n, "", dtype=object)
    possible_entity = np.full(n, -1, dtype=np.int64)
    ambiguous: list[tuple[int, str]] = []
    key_of_name, key_codes = keys
    # Only names whose key a review or a listed name carries need a closer look: each
    # distinct key is looked up once (a million names hold fewer keys).
    distinct_keys = np.empty(int(key_codes.max(initial=-1)) + 1, dtype=object)
    distinct_keys[key_codes] = key_of_name
    wanted = set(decisions.confirmed).union(index.keys())
    candidates = pd.Index(distinct_keys, dtype=object).isin(wanted)[key_codes]
    for i in np.flatnonzero(candidates):
        key = key_of_name[i]
        confirmed = decisions.confirmed.get(key)
        if confirmed is not None and (written_form(names[i]), confirmed[0]) in decisions.rejected:
            confirmed = None  # this spelling was rejected, others of its key confirmed
        if confirmed is not None:
            entity[i], matched_as[i], explanation[i] = confirmed
            match[i] = "confirmed"
            continue
        try:
            found = index.resolve(names[i], key=key)
        except AmbiguousNameError as error:
            ambiguous.append((int(i), str(error).split(". Use")[0]))
            match[i] = "ambiguous"  # kept from fuzzy matching; "none" below
            continue
        if found is not None and (written_form(names[i]), found) not in decisions.rejected:
            entity[i], match[i], score[i] = found, "exact", 100.0
            matched_as[i] = index.spelling(names[i], found, key=key)
            explanation[i] = f"same key as the listed spelling {matched_as[i]!r}"
    if ambiguous and stop_at_ambiguous:
        return Resolution(None, ambiguous)

    # Names no key links are scored all at once, with their country as evidence.
    todo = np.flatnonzero(to_score & (match == "none"))
    if fuzzy and len(todo) and len(listings):
        if scored is not None:
            found_matches = scored.iloc[todo].reset_index(drop=True)
        else:
            matcher = matcher or Matcher(listings, decisions=decisions)
            found_matches = matcher.match(names[todo].tolist(), countries(todo), explain="flagged")
        outcome = found_matches["outcome"].to_numpy()
        for kind, outcome_name in (("fuzzy", "match"), ("possible", "possible")):
            mine = outcome == outcome_name
            chosen = todo[mine]
            match[chosen] = kind
            score[chosen] = found_matches["score"].to_numpy()[mine]
            matched_as[chosen] = found_matches["matched_as"].to_numpy()[mine]
            explanation[chosen] = found_matches["explanation"].to_numpy()[mine]
            target = entity if kind == "fuzzy" else possible_entity
            target[chosen] = found_matches["entity"].to_numpy()[mine]
    match[match == "ambiguous"] = "none"
    return Resolution(
        pd.DataFrame(
            {
                "key": object_column(key_of_name),
                "entity": entity,
                "match": object_column(match),
                "match_score": score,
                "matched_as": object_column(matched_as),
                "match_explanation": object_column(explanation),
                "possible_entity": possible_entity,
            }
        ),
        ambiguous,
    )
