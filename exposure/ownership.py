"""Ownership: entities treated as listed because listed entities own them.

Two rules make an unlisted entity as restricted as a listed one when listed entities own it:

* the **BIS Affiliates Rule** (interim final rule 90 FR 47201, effective 2025-09-29; suspended
  from 2025-11-10 to 2026-11-09, in force again from 2026-11-10): a foreign entity that is 50%
  or more owned, directly or indirectly, individually or in the aggregate, by one or more
  entities on the Entity List or the Military End-User List is subject to the same
  restrictions. It applies only on dates it is in force.
* **OFAC's 50% rule** (guidance of 2014-08-13): an entity owned 50% or more, directly or
  indirectly, in the aggregate, by blocked persons (the SDN List) is itself blocked. It applies
  on every date.

The Affiliates Rule reaches foreign entities: a company in the United States is no affiliate,
though it passes on what its owners hold. Each rule adds up the holdings of its own parties
only: blocked persons for OFAC's; for BIS's, Entity List and Military End-User List parties and
SDNs designated under the programmes of 15 CFR 744.8(a)(1) (Supplement No. 8 to part 744,
paragraph (b)). The data does not give an SDN's programmes: an SDN's 30% and an Entity List
party's 25% of one company make it a *possible* affiliate under BIS's rule, pending review
(under OFAC's, the Entity List party's part does not count).

How ownership adds up (``method="cascade"``, the default), as OFAC's worked examples (FAQ 401,
on its guidance of 2014-08-13, 79 FR 47726) and BIS's guidelines for the Affiliates Rule
(Supplement No. 8 to 15 CFR part 744, added by 90 FR 47201) read the rules: an entity counts as
listed when listed entities, and entities that count as listed through their own owners, hold
``threshold`` or more of it in the aggregate. Ownership passes down a chain of such entities
whole: X listed owns 50% of A, A owns 50% of B, and both A and B count (OFAC's first example),
not 25% of B; X owns 50% of A and 10% of B, A owns 40% of B, and B counts (its third). An owner
that does not count passes nothing on: X owns 40% of A, A owns 100% of C, and neither counts.
Cycles of ownership terminate (a fixed point).

``method="multiply"`` is a look-through reading that is not the rules': ``own(x) = sum over
owners o of part(o, x) * (1 if o is listed else own(o))``, so 50% of 50% is 25%, and a chain of
majorities is lost while minorities add up through owners that do not count. It stays for
comparison.

An unknown percentage is never read as zero ownership: an entity owned in an unknown part by
one that counts, or may count, as listed is a *possible* affiliate, pending review, as are those
it owns 50% or more of. BIS's red flag 29 (Supplement No. 3 to 15 CFR part 732, added by 90 FR
47201) asks the same of an exporter: resolve the ownership, or treat the party as covered.
"""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from exposure import analysis
from exposure.graph import SupplyGraph
from exposure.names import name_key
from exposure.restrictions import ListRule, list_rule

__all__ = [
    "AFFILIATES_RULE",
    "AFFILIATES_RULE_EFFECTIVE",
    "AFFILIATES_RULE_SUSPENDED",
    "OWNERSHIP_THRESHOLD",
    "Affiliates",
    "affiliates",
    "owned_outside_the_data",
    "rule_for_list",
    "rule_in_force_since",
    "unknown_parts_of_listed_owners",
]

#: The BIS Affiliates Rule: its notice, the day it took effect, and its suspension (both days
#: inclusive).
AFFILIATES_RULE = "90 FR 47201"
AFFILIATES_RULE_EFFECTIVE = dt.date(2025, 9, 29)
AFFILIATES_RULE_SUSPENDED = (dt.date(2025, 11, 10), dt.date(2026, 11, 9))
#: The listed ownership, in percent, from which both rules make an entity count as listed.
OWNERSHIP_THRESHOLD = 50.0


def rule_for_list(
    list_name: str, as_of: dt.date, own_lists: Mapping[str, ListRule] | None = None
) -> str | None:
    """Return the ownership rule that extends a list on a date, or ``None``.

    ``own_lists``: the lists the data describes in ``lists.csv``.

    Examples
    --------
    >>> import datetime as dt
    >>> rule_for_list("Entity List", dt.date(2026, 11, 22))
    '90 FR 47201 (BIS Affiliates Rule)'
    >>> rule_for_list("Entity List", dt.date(2026, 1, 1)) is None  # suspended
    True
    >>> rule_for_list("Specially Designated Nationals (SDN)", dt.date(2019, 1, 1))
    "OFAC's 50% rule"
    """
    which = list_rule(list_name, own_lists).ownership
    if which == "ofac":
        return "OFAC's 50% rule"
    if which == "bis":
        start, end = AFFILIATES_RULE_SUSPENDED
        if as_of >= AFFILIATES_RULE_EFFECTIVE and not (start <= as_of <= end):
            return f"{AFFILIATES_RULE} (BIS Affiliates Rule)"
    return None


def rule_in_force_since(rule: str | None, as_of: dt.date) -> str:
    """Return the ISO date since which an ownership rule has been in force without a break.

    Examples
    --------
    >>> import datetime as dt
    >>> rule_in_force_since("90 FR 47201 (BIS Affiliates Rule)", dt.date(2026, 11, 22))
    '2026-11-10'
    >>> rule_in_force_since("OFAC's 50% rule", dt.date(2019, 1, 1))
    '0001-01-01'
    """
    if rule is None or AFFILIATES_RULE not in rule:
        return dt.date.min.isoformat()
    resumed = AFFILIATES_RULE_SUSPENDED[1] + dt.timedelta(days=1)
    return (resumed if as_of >= resumed else AFFILIATES_RULE_EFFECTIVE).isoformat()


@dataclass(frozen=True)
class Affiliates:
    """Entities treated as listed through ownership, per node of the supply graph.

    Attributes
    ----------
    mask
        Boolean over graph nodes: the node is an affiliate (and not itself listed).
    owned
        Listed ownership of each graph node (0 to 1).
    explanations
        For each affiliate or possible affiliate, and each listed entity that another rule
        counts through its owners: the rule, the listed owners, the chains with their
        percentages, and the sources.
    possible
        Boolean over graph nodes: owned by a listed entity or affiliate in a part the data
        does not give; needs review.
    """

    mask: np.ndarray
    owned: np.ndarray
    explanations: dict[int, dict[str, Any]] = field(default_factory=dict)
    possible: np.ndarray | None = None


def affiliates(
    graph: SupplyGraph,
    ownership: pd.DataFrame,
    listed: np.ndarray,
    owner_lists: Mapping[int, Sequence[str]],
    as_of: dt.date,
    *,
    threshold: float = OWNERSHIP_THRESHOLD / 100,
    method: str = "cascade",
    listed_owners: Mapping[str, str] | None = None,
    own_lists: Mapping[str, ListRule] | None = None,
) -> Affiliates:
    """Find the entities that listed entities own at least ``threshold`` of.

    Parameters
    ----------
    graph
        The supply graph; ownership names resolve to its nodes as supplier names do.
    ownership
        The validated ``ownership.csv`` table.
    listed
        Boolean over graph nodes: the listed entities.
    owner_lists
        The lists in force of each listed node (decide which ownership rules apply on
        ``as_of``).
    as_of
        The date.
    threshold
        The part (0 to 1) from which an entity is an affiliate; 0.5 by the rules.
    method
        ``cascade`` (the rules' reading) or ``multiply``; see the module's documentation.
    listed_owners
        Owners named only in ``ownership.csv`` that count as listed (a what-if), by name key
        (:func:`~exposure.names.name_key`), with their list.
    """
    n = graph.n_nodes
    names = pd.concat([ownership["owner"], ownership["owned"]], ignore_index=True)
    codes, extra = _codes(graph, names.to_numpy(dtype=object))
    m = n + len(extra)
    owner = codes[: len(ownership)]
    owned = codes[len(ownership) :]
    percent = ownership["percent"].to_numpy(np.float64)
    known = ~np.isnan(percent)

    lists_of = {code: tuple(names) for code, names in owner_lists.items()}
    listed = np.pad(listed, (0, m - n))
    for i, label in enumerate(extra):
        list_name = (listed_owners or {}).get(name_key(label))
        if list_name is not None:
            lists_of[n + i] = (list_name,)
            listed[n + i] = True
    rule_of_list = {
        name: rule_for_list(name, as_of, own_lists)
        for name in {name for its_lists in lists_of.values() for name in its_lists}
    }
    # Each rule adds up the holdings of its own parties: OFAC's counts blocked persons (the SDN
    # List); BIS's the Entity List's, the Military End-User List's and those of SDNs designated
    # under the programmes of 15 CFR 744.8(a)(1) (Supplement No. 8 to part 744, paragraph (b),
    # added by 90 FR 47201: "owned ... individually or in aggregate, 50 percent or more by one
    # or more entities listed on the Entity List, 'military end-users' on the MEU List, or SDNs
    # designated under programs listed in § 744.8(a)(1)"). The data does not give an SDN's
    # programmes: its holdings may count under BIS's rule (``maybe``), so an SDN's 30% and an
    # Entity List party's 25% make a possible affiliate, pending review. A party on both lists
    # counts under both.
    eligible_of: dict[str, np.ndarray] = {}
    for code, its_lists in lists_of.items():
        for rule in {rule_of_list[name] for name in its_lists}:
            if listed[code] and rule is not None:
                eligible_of.setdefault(rule, np.zeros(m, dtype=bool))[code] = True
    maybe_of: dict[str, np.ndarray] = {}
    bis = rule_for_list("Entity List", as_of)
    if bis in eligible_of:
        sdn = np.zeros(m, dtype=bool)
        for code, its_lists in lists_of.items():
            sdn[code] = listed[code] and any(
                list_rule(n, own_lists).code == "SDN" for n in its_lists
            )
        maybe_of[bis] = sdn & ~eligible_of[bis]
    if method not in ("cascade", "multiply"):
        msg = f"unknown ownership method {method!r}; use 'multiply' or 'cascade'"
        raise ValueError(msg)
    part = sparse.csr_matrix(
        (percent[known] / 100.0, (owned[known], owner[known])), shape=(m, m), dtype=np.float64
    )
    unknown = sparse.csr_matrix(
        (np.ones(int((~known).sum())), (owned[~known], owner[~known])), shape=(m, m)
    )
    by_rule = {
        rule: _under_rule(part, unknown, eligible_of_rule, threshold, method, maybe_of.get(rule))
        for rule, eligible_of_rule in sorted(eligible_of.items())
    }
    # The Affiliates Rule reaches foreign entities (90 FR 47201; an export to a company in the
    # United States is none): one there passes its owners' holdings down, and is no affiliate.
    in_us = np.zeros(m, dtype=bool)
    in_us[:n] = graph.nodes["country"].to_numpy(dtype=object) == "US"
    reaches = {rule: ~in_us if AFFILIATES_RULE in rule else ~np.zeros(m, bool) for rule in by_rule}
    eligible, counted, possible = (np.zeros(m, dtype=bool) for _ in range(3))
    share = np.zeros(m)
    for rule, under in by_rule.items():
        eligible |= under.eligible
        counted |= under.counted & (under.eligible | reaches[rule])
        possible |= under.possible & reaches[rule]
        # The listed part under the rule that counts the entity, or holds most of it.
        share = np.maximum(share, under.share)
    mask = counted & ~eligible & ~listed
    possible &= ~listed & ~counted
    # A listed entity that another rule's parties own enough of counts under that rule too (an
    # Entity List party 60% owned by an SDN is blocked): explained, and its terms added.
    also = np.zeros(m, dtype=bool)
    for rule, under in by_rule.items():
        also |= under.counted & ~under.eligible & listed & reaches[rule]

    explanations = {}
    every_holding = sparse.csr_matrix(
        (np.ones(len(owner)), (owned, owner)), shape=(m, m), dtype=np.float64
    )
    labels = np.concatenate([graph.names, np.array(extra, dtype=object)])
    sources_of = ownership["source"].to_numpy()
    for node in np.flatnonzero((mask | possible | also)[:n]).tolist():
        # Every rule that counts it (or, if none does, may), the one in force longest, then
        # whose parties hold most, first: an entity 50% owned by an SDN and 50% by an Entity
        # List party is blocked under OFAC's rule and an affiliate under BIS's, and the terms
        # of both reach its sales.
        applying = sorted(
            (
                (r, f)
                for r, f in by_rule.items()
                if (f.counted[node] or (f.possible[node] and not counted[node]))
                and reaches[r][node]
                and not f.eligible[node]
            ),
            key=lambda item: (
                not item[1].counted[node],
                rule_in_force_since(item[0], as_of),
                -float(item[1].share[node]),
                item[0],
            ),
        )
        rule, under = applying[0]
        chains = []
        for _, each in applying:
            if method == "cascade":
                # Chains only through owners whose holdings count, or may count.
                through = each.counted | each.possible
                found = _holdings_that_count(
                    each.eligible | each.maybe, owner, owned, through, node
                )
            else:
                found = list(analysis.shortest_paths(every_holding, each.eligible, node).values())
            chains += [chain for chain in found if chain not in chains]
        explained = []
        sources: list[str] = []
        for chain in chains:  # from the entity owned up to a listed owner
            parts = []
            for below, above in itertools.pairwise(chain):
                rows = (owned == below) & (owner == above)
                parts.append(float(percent[rows][0]) if rows.any() else float("nan"))
                sources.extend(sources_of[rows])
            if method == "cascade":  # what the holder of the last link holds counts whole
                held = None if np.isnan(parts[0]) else parts[0] / 100.0
            else:
                held = (
                    float(np.prod(np.array(parts) / 100.0)) if not np.isnan(parts).any() else None
                )
            explained.append(
                {
                    "owner": str(labels[chain[-1]]),
                    "chain": [str(labels[c]) for c in chain[::-1]],
                    "percents": [None if np.isnan(p) else p for p in parts[::-1]],
                    "part": held,
                    "holder": str(labels[chain[1]]),
                }
            )
        # Who holds the parts that count: the entity's own owners, each once, and for one that
        # counts through its own owners (not listed itself), what they hold of it. JV1, 55%
        # owned by listed entities, holds 100% of B: B's 100% is JV1's, once, whatever the
        # number of chains through JV1.
        holders = []
        if method == "cascade":
            for holder in dict.fromkeys(chain[1] for chain in chains):
                rows = (owned == node) & (owner == holder)
                given = float(percent[rows][0]) if rows.any() else float("nan")
                holders.append(
                    {
                        "holder": str(labels[holder]),
                        "part": None if np.isnan(given) else given / 100.0,
                        "listed": bool(eligible[holder]),
                        # A holder that only may count, in a part not given: unknown, not 0.
                        "owned_by_listed": (
                            None
                            if eligible[holder] or (possible[holder] and share[holder] == 0)
                            else round(float(share[holder]), 12)
                        ),
                    }
                )
        known_share = round(float(under.share[node]), 12)
        explanations[node] = {
            "rule": rule,
            "rules": [r for r, _ in applying],
            # What the data gives of a possible affiliate's part is a lower bound; none known
            # is unknown, not 0.
            "owned_by_listed": None if possible[node] and known_share == 0 else known_share,
            "owners": explained,
            "holders": holders,
            "sources": list(dict.fromkeys(sources)),
            "possible": bool(possible[node]),
        }
        if possible[node] and under.maybe.any():
            # Held by SDNs whose programmes the data does not give (see ``maybe`` above).
            held = float((part @ under.maybe.astype(np.float64))[node])
            if held > 0:
                explanations[node]["sdn_part"] = round(held, 12)
    return Affiliates(
        mask=mask[:n], owned=share[:n], explanations=explanations, possible=possible[:n]
    )


@dataclass(frozen=True)
class _UnderRule:
    """Who counts as listed under one ownership rule: its parties, and what they own."""

    eligible: np.ndarray
    counted: np.ndarray
    share: np.ndarray
    possible: np.ndarray
    maybe: np.ndarray


def _under_rule(
    part: sparse.csr_matrix,
    unknown: sparse.csr_matrix,
    eligible: np.ndarray,
    threshold: float,
    method: str,
    maybe: np.ndarray | None = None,
) -> _UnderRule:
    """Return who counts, or may count, as listed under one rule whose parties are ``eligible``.

    ``maybe``: listed entities that may be the rule's parties (SDNs whose programmes the data
    does not give, for BIS's rule): what they hold may count, never read as not counting.
    """
    maybe = np.zeros(len(eligible), dtype=bool) if maybe is None else maybe
    if method == "cascade":
        counted = _counted(part, eligible, threshold)
        # The part held by listed entities and by the entities counted through them.
        share = part @ counted.astype(np.float64)
    else:
        share = analysis.revenue_at_risk(part, eligible)
        counted = eligible | (share >= threshold - 1e-12)
    possible = _possibly_counted(
        part,
        unknown,
        counted,
        threshold,
        multiplied=eligible if method == "multiply" else None,
        maybe=maybe,
    )
    return _UnderRule(eligible, counted, share, possible, maybe)


def _holdings_that_count(
    eligible: np.ndarray,
    owner: np.ndarray,
    owned: np.ndarray,
    through: np.ndarray,
    node: int,
) -> list[list[int]]:
    """Return, for each owner whose holding in ``node`` counts (or may), its chains up to listed ones.

    Each chain runs from ``node`` through that holder and the entities that count above it, up
    to each listed owner whose holding makes the holder count: every holding that decides the
    case is shown, with its percentage and source (OFAC's third example: X's 10% of B directly,
    and A's 40%, A being X's; and a company held by an affiliate of two listed owners shows
    both).
    """
    chains = []
    for above in _chains_above(node, eligible, owner, owned, through, (node,)):
        chains.append([node, *above])
    return chains


def _chains_above(
    node: int,
    eligible: np.ndarray,
    owner: np.ndarray,
    owned: np.ndarray,
    through: np.ndarray,
    seen: tuple[int, ...],
) -> list[list[int]]:
    """Return the chains from ``node``'s holders that count (or may) up to each listed owner.

    A holder that counts through its own owners is followed up to every one of them whose
    holding counts: JV1, 30% owned by X and 25% by Y, holds 100% of B; B counts because X and Y
    together hold 55% of JV1, so both chains are B's, not X's alone. ``seen`` stops a cycle.
    """
    chains = []
    for holder in dict.fromkeys(owner[(owned == node) & through[owner]].tolist()):
        if holder in seen:
            continue
        if eligible[holder]:
            chains.append([holder])
            continue
        for above in _chains_above(holder, eligible, owner, owned, through, (*seen, holder)):
            chains.append([holder, *above])
    return chains


def _counted(part: sparse.csr_matrix, eligible: np.ndarray, threshold: float) -> np.ndarray:
    """Return the entities that count as listed: the eligible ones and those they own enough of.

    OFAC's examples (FAQ 401) and BIS's guidelines (Supplement No. 8 to 15 CFR part 744): an
    entity owned ``threshold`` or more, in the aggregate, by listed entities and by entities
    that count as listed through their own owners counts as listed in turn; an owner that does
    not count passes nothing on, whatever it holds.
    """
    counted = eligible.copy()
    while True:
        newly = (part @ counted.astype(np.float64) >= threshold - 1e-12) & ~counted
        if not newly.any():
            return counted
        counted |= newly


def _possibly_counted(
    part: sparse.csr_matrix,
    unknown: sparse.csr_matrix,
    counted: np.ndarray,
    threshold: float,
    *,
    multiplied: np.ndarray | None = None,
    maybe: np.ndarray | None = None,
) -> np.ndarray:
    """Return the entities that may count as listed, were the parts the data does not give known.

    Owned in an unknown part by an entity that counts, or may count, as listed; or owned
    ``threshold`` or more by such entities, those that may count taken as if they did (parts
    multiplied along chains from the ``multiplied`` listed entities, for the look-through
    reading). An unknown part is never read as none: these are pending review. ``maybe``:
    entities that may count from the start (and are reported as such only if not listed).
    """
    possible = np.zeros(len(counted), dtype=bool) if maybe is None else maybe & ~counted
    while True:
        either = counted | possible
        if multiplied is None:
            held = part @ either.astype(np.float64)
        else:
            held = analysis.revenue_at_risk(part, multiplied | possible)
        newly = (unknown @ either.astype(np.float64) > 0) | (held >= threshold - 1e-12)
        newly &= ~counted & ~possible
        if not newly.any():
            return possible
        possible |= newly


def _codes(graph: SupplyGraph, names: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Map names to graph nodes; names the graph lacks get codes after the graph's."""
    codes = np.empty(len(names), dtype=np.int64)
    extra: dict[str, int] = {}
    labels: list[str] = []
    known = graph.codes([str(n) for n in names])
    for i, name in enumerate(names):
        found = int(known[i])
        if found < 0:
            key = name_key(str(name))
            if key not in extra:
                extra[key] = graph.n_nodes + len(extra)
                labels.append(str(name))
            found = extra[key]
        codes[i] = found
    return codes, labels


def unknown_parts_of_listed_owners(graph: SupplyGraph) -> list[tuple[str, str, int]]:
    """Return the ownership rows whose owner may count as listed and whose part is not given.

    An owner that is a listed entity, or that a listed entity owns in any part, directly or
    down a chain of the file's rows (whether it counts depends on the parts and the date).
    Each as ``(owner, owned, line)``, ``line`` the row's line in ``ownership.csv``; an entity
    listed itself is left out. Where an
    ownership rule is in force, the entity owned is a possible affiliate (see above), and
    sales to it need review: ``exposure validate`` warns of each.

    Examples
    --------
    >>> from exposure import build_graph, load
    >>> unknown_parts_of_listed_owners(build_graph(load()))  # HiSilicon is listed itself
    []
    """
    ownership = graph.dataset.ownership
    if ownership is None or not len(ownership):
        return []
    entity = np.append(graph.nodes["entity"].to_numpy(np.int64), -1)  # -1: not in the graph
    keys = {
        column: [name_key(str(n)) for n in ownership[column].tolist()]
        for column in ("owner", "owned")
    }
    listed_key = {
        key: bool(entity[code] >= 0)
        for key, code in zip(
            keys["owner"] + keys["owned"],
            graph.codes([*ownership["owner"].astype(str), *ownership["owned"].astype(str)]),
            strict=True,
        )
    }
    # The entities a listed one owns in any part, down the file's chains.
    may_count = {key for key, is_listed in listed_key.items() if is_listed}
    while True:
        more = {b for a, b in zip(keys["owner"], keys["owned"], strict=True) if a in may_count}
        if more <= may_count:
            break
        may_count |= more
    missing = ownership["percent"].isna().to_numpy()
    keep = np.array(
        [
            bool(gone) and a in may_count and not listed_key[b]
            for gone, a, b in zip(missing, keys["owner"], keys["owned"], strict=True)
        ],
        dtype=bool,
    )
    rows = ownership[keep]
    return [
        (str(owner), str(owned), int(line))
        for owner, owned, line in zip(rows["owner"], rows["owned"], rows["_line"], strict=True)
    ]


def owned_outside_the_data(graph: SupplyGraph) -> list[tuple[str, int, str | None]]:
    """Return the ownership rows whose entity owned is no company of the data.

    Neither a supplier, a customer nor a listed entity, nor an owner down another row's
    chain: such a row makes nothing a listing counts an affiliate, so a misspelt name ("Sub
    Afiliate Ltd" for the customer "Sub Affiliate Ltd") would drop an affiliate silently.
    Each as ``(owned, line, closest)``: ``line`` the row's line in ``ownership.csv``,
    ``closest`` the most similar company name, if any; ``exposure validate`` warns of each.

    Examples
    --------
    >>> from exposure import build_graph, load
    >>> owned_outside_the_data(build_graph(load()))
    []
    """
    ownership = graph.dataset.ownership
    if ownership is None or not len(ownership):
        return []
    owned = ownership["owned"].astype(str).tolist()
    outside = graph.codes(owned) < 0
    owners = {name_key(str(n)) for n in ownership["owner"].tolist()}
    names = [str(n) for n in graph.names.tolist()]
    found = []
    for name, line, out in zip(owned, ownership["_line"].tolist(), outside.tolist(), strict=True):
        if out and name_key(name) not in owners:
            near = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
            found.append((name, int(line), near[0] if near else None))
    return found
