"""Which companies count as listed on a date, and why.

Three sources, in this order, decide whether a node of the supply graph counts as listed:

1. **The data**: a listing of its entity in force on the date
   (:func:`exposure.entities.listings.listings_in_force`) on a list whose restrictions reach sales
   (:mod:`exposure.restrictions`: the Entity List does, an investment ban does not; listings on
   the others are :meth:`Listed.other_restrictions_of`, reported, never exposure).
2. **What-if assumptions**: names the user asks to treat as listed (``assume_listed``) or as no
   longer listed (``assume_delisted``), on top of the data. Every report of such a result says
   that it rests on an assumption.
3. **Ownership** (:mod:`exposure.ownership`): entities owned ``ownership_threshold`` percent or
   more by listed entities, on the dates a rule makes them count as listed (BIS's 90 FR 47201,
   OFAC's 50% rule). An assumption about an entity itself overrides its ownership.

:class:`Listed` answers for each node whether it counts as listed and, for the reports, which
listing explains it (:meth:`Listed.listing_of`): its list, notice, start date, licence policy
and sources, or for an affiliate its largest listed owner's listing with the ownership chains.
"""

from __future__ import annotations

import datetime as dt
import difflib
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any, cast

import numpy as np
import pandas as pd

from exposure.entities.listings import listings_in_force
from exposure.errors import ExposureError, UnknownNameError
from exposure.graph import SupplyGraph
from exposure.names import name_key
from exposure.ownership import OWNERSHIP_THRESHOLD, Affiliates, rule_in_force_since
from exposure.ownership import affiliates as find_affiliates
from exposure.reach import FOOTNOTE_RULES, MEU_EVERY_ITEM, ListingTerms, end_use_of
from exposure.read.csl import start_date_stated
from exposure.restrictions import ListRule, list_rule, own_rules

__all__ = ["ASSUMED_LIST", "Listed", "parse_assumption"]

#: The list an entity assumed listed is taken to be on, unless the assumption names one
#: (``NAME=LIST``): the Entity List, whose listings this project is about.
ASSUMED_LIST = "Entity List"


def parse_assumption(text: str) -> tuple[str, str | None]:
    """Split a what-if ``NAME`` or ``NAME=LIST`` into the name and the list (``None``: not named).

    Examples
    --------
    >>> parse_assumption("Hikvision"), parse_assumption("CETC = Entity List")
    (('Hikvision', None), ('CETC', 'Entity List'))
    """
    name, _, list_name = text.partition("=")
    return name.strip(), (list_name.strip() or None)


@dataclass(frozen=True, eq=False)
class Listed:
    """Which nodes of a graph count as listed on :attr:`as_of`, and why.

    Parameters
    ----------
    graph
        The supply graph.
    as_of
        The date on which listings are taken to be in force.
    affiliates_rule, ownership_threshold, ownership_method
        Whether, from which percentage and how (see :mod:`exposure.ownership`) entities owned
        by listed entities count as listed.
    assume_listed, assume_delisted
        What-if: names to treat as listed, or as no longer listed.

    Examples
    --------
    >>> import datetime as dt
    >>> from exposure import build_graph, load
    >>> graph = build_graph(load())
    >>> listed = Listed(graph, dt.date(2019, 10, 9))
    >>> bool(listed.mask[graph.code("Hikvision")]), bool(listed.mask[graph.code("Ambarella")])
    (True, False)
    >>> listed.listing_of(graph.code("Hikvision"))["federal_register_notice"]
    '84 FR 54002'
    """

    graph: SupplyGraph
    as_of: dt.date
    affiliates_rule: bool = True
    ownership_threshold: float = OWNERSHIP_THRESHOLD
    ownership_method: str = "cascade"
    assume_listed: tuple[str, ...] = ()
    assume_delisted: tuple[str, ...] = ()

    @cached_property
    def own_lists(self) -> dict[str, ListRule]:
        """The lists the data describes in ``lists.csv`` (:func:`exposure.restrictions.own_rules`)."""
        return own_rules(self.graph.dataset.lists)

    def rule(self, list_name: str) -> ListRule:
        """Return what a listing on ``list_name`` restricts, the data's own lists included."""
        return list_rule(list_name, self.own_lists)

    @cached_property
    def listings_in_force(self) -> pd.DataFrame:
        """The listed rows in force on :attr:`as_of`, earliest first, on every list.

        Warns when a listing of a company in the data gives no start date of its own (the CSL
        states none for most lists; :func:`~exposure.read.csl.read_csl` dates it by the
        file's newest date) and so is not counted on this earlier date, though it may have
        been in force.
        """
        listings = self.graph.listings
        self._warn_of_undated(listings)
        return listings_in_force(listings, self.as_of)

    def _warn_of_undated(self, listings: pd.DataFrame) -> None:
        later = listings["start_date"].to_numpy() > np.datetime64(self.as_of)
        ended = listings["end_date"].notna().to_numpy() & (
            listings["end_date"].to_numpy() <= np.datetime64(self.as_of)
        )
        candidates = listings[later & ~ended]
        undated = candidates[[not start_date_stated(s) for s in candidates["source"]]]
        if not len(undated):
            return  # before the sales are looked at: most data have no such listing
        # Only listed buyers and owners in the data: a list of thousands is mostly of others.
        entity = self.graph.nodes["entity"].to_numpy(np.int64)
        codes = np.unique(self.graph.rows["dst"].to_numpy(np.int64))
        ownership = self.graph.dataset.ownership
        if ownership is not None and len(ownership):
            owners = self.graph.codes(ownership["owner"].astype(str).tolist())
            codes = np.union1d(codes, owners[owners >= 0])
        in_data = set(entity[codes][entity[codes] >= 0].tolist())
        undated = undated[undated["entity"].isin(in_data).to_numpy()]
        if not len(undated):
            return
        names = list(dict.fromkeys(undated["name"].astype(str)))
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        since = min(undated["start_date"]).date().isoformat()
        warnings.warn(
            f"{len(names)} listed buyers or owners in the data ({shown}) have listings whose start "
            f"date the list does not state: counted from {since}, they are left out on "
            f"{self.as_of.isoformat()}, though they may have been in force. Date them in "
            "listed.csv, or import the list with --undated-start DATE to count them earlier",
            stacklevel=2,
        )

    @cached_property
    def restricting_in_force(self) -> pd.DataFrame:
        """The listings in force whose list restricts sales: those that make a buyer listed.

        The others (an investment ban, a correspondent-account ban, the Unverified List) are
        :meth:`other_restrictions_of` (see :mod:`exposure.restrictions`).
        """
        active = self.listings_in_force
        return active[self._reaching_sales(active["list"])]

    @cached_property
    def other_restrictions(self) -> dict[int, list[dict[str, Any]]]:
        """Per node with any: its listings in force on lists that do not restrict sales."""
        active = self.listings_in_force
        others = active[~self._reaching_sales(active["list"])]
        entities = self.graph.nodes["entity"].to_numpy(np.int64)
        node_of_entity = {int(e): int(c) for c, e in enumerate(entities.tolist()) if e >= 0}
        found: dict[int, list[dict[str, Any]]] = {}
        for code, (is_listed, list_name) in self._assumptions.items():
            rule = self.rule(list_name)
            if is_listed and not rule.reaches_sales:
                listing = self._assumed_listing(str(self.graph.names[code]), list_name)
                found.setdefault(code, []).append(
                    {
                        **{
                            k: listing[k] for k in ("list", "federal_register_notice", "start_date")
                        },
                        "restricts": rule.restricts,
                        "basis": rule.basis or None,
                        "sources": listing["sources"],
                    }
                )
        for row in others.to_dict("records"):
            node = node_of_entity.get(int(row["entity"]))
            if node is None:
                continue
            rule = self.rule(str(row["list"]))
            found.setdefault(node, []).append(
                {
                    "list": row["list"],
                    "federal_register_notice": row["federal_register_notice"] or None,
                    "start_date": row["start_date"].date().isoformat(),
                    "restricts": rule.restricts,
                    "basis": rule.basis or None,
                    "sources": [row["source"]],
                }
            )
        return found

    def other_restrictions_of(self, code: int) -> list[dict[str, Any]]:
        """Return a node's listings in force on lists whose restrictions do not reach sales.

        Each: ``list``, ``federal_register_notice``, ``start_date``, ``restricts`` (in words),
        ``basis`` (the legal basis) and ``sources``. They never make anyone exposed.
        """
        return self.other_restrictions.get(code, [])

    def listing_records(self, *, affiliates: bool = False) -> list[dict[str, Any]]:
        """Return the listings in force as plain records (dates as ISO text, extra columns kept).

        ``affiliates``: then the entities the ownership rules make listed, which no listing
        names, as their paths show them (``list`` says whose and how much).
        """
        table = self.listings_in_force.drop(columns=["_line", "entity"])
        records: list[dict[str, Any]] = []
        for row in table.to_dict("records"):
            for key in ("start_date", "end_date"):
                row[key] = None if pd.isna(row[key]) else row[key].date().isoformat()
            records.append({str(k): (v if v != "" else None) for k, v in row.items()})
        if not affiliates:
            return records
        countries = self.graph.nodes["country"].to_numpy(dtype=object)
        for code in np.flatnonzero(self.affiliates.mask).tolist():
            listing = self.listing_of(code)
            country = countries[code]
            records.append(
                {
                    "name": str(self.graph.names[code]),
                    "country": country if isinstance(country, str) and country else None,
                    "kind": None,
                    "list": listing["list"],
                    "federal_register_notice": listing["federal_register_notice"],
                    "start_date": listing["start_date"],
                    "end_date": None,
                    "license_policy": listing["license_policy"],
                    "source": "; ".join(listing["sources"]),
                }
            )
        return records

    @cached_property
    def mask(self) -> np.ndarray:
        """Boolean mask over nodes: counts as listed on :attr:`as_of`.

        By the data, the ownership rules, and any what-if assumption.
        """
        listed = self.by_data_or_assumption | self.affiliates.mask
        for code, is_listed in self.assumed.items():
            listed[code] = is_listed
        return listed

    @cached_property
    def possible(self) -> np.ndarray:
        """Boolean mask over nodes: may be a listed entity, pending review.

        A node whose name is only a ``possible`` match of a listed entity
        (:func:`exposure.entities.resolve.resolve`) that counts as listed on :attr:`as_of`, or
        a possible affiliate: owned by listed entities in a part the data does not give
        (:mod:`exposure.ownership`). It is not linked: it makes no one exposed, but every
        report shows what hangs on it.
        """
        target = self._possible_target
        by_name = (target >= 0) & self.mask[np.maximum(target, 0)]
        by_owners = self.affiliates.possible
        if by_owners is not None:
            by_name = by_name | by_owners
        return by_name & ~self.mask

    def possible_listing_of(self, code: int) -> tuple[int, dict[str, Any]]:
        """Return the listed node a possible match may be, and that node's listing.

        For a possible affiliate, the listed owner of its largest known part (of its first
        chain, if none is known) and the listing it would take, with the ownership chains.
        """
        target = int(self._possible_target[code])
        if target >= 0 and self.mask[target]:
            return target, self.listing_of(target)
        owner = self.graph.code(_largest_owner(self.affiliates.explanations[code])["owner"])
        return (code if owner is None else owner), self._affiliate_listing(code)

    @cached_property
    def _possible_target(self) -> np.ndarray:
        """Per node: the listed node its possible match may be (-1: none)."""
        nodes = self.graph.nodes
        entity = nodes["entity"].to_numpy()
        candidate = nodes["possible_entity"].to_numpy()
        node_of_entity = np.full(int(entity.max(initial=-1)) + 1, -1, dtype=np.int64)
        listed_nodes = np.flatnonzero(entity >= 0)
        node_of_entity[entity[listed_nodes]] = listed_nodes
        if not len(node_of_entity):
            return np.full(len(nodes), -1, dtype=np.int64)
        return np.where(candidate >= 0, node_of_entity[np.maximum(candidate, 0)], -1)

    @cached_property
    def by_data_or_assumption(self) -> np.ndarray:
        """Boolean mask over nodes: listed by the data or by assumption, before ownership."""
        listed = self._listed_by_data.copy()
        for code, is_listed in self.assumed.items():
            listed[code] = is_listed
        return listed

    @cached_property
    def assumed(self) -> dict[int, bool]:
        """The what-if assumptions about graph nodes: code -> counts as listed or not.

        An entity assumed listed on a list whose restrictions do not reach sales (an
        investment ban) keeps what the data says: the what-if adds that list's other
        restriction (:meth:`other_restrictions_of`), not a listing.
        """
        return {
            code: is_listed
            for code, (is_listed, list_name) in self._assumptions.items()
            if not is_listed or self.rule(list_name).reaches_sales
        }

    @property
    def assumed_owners(self) -> dict[str, tuple[str, str]]:
        """Owners named only in ``ownership.csv`` and assumed listed: name key -> (name, list)."""
        return self._resolved_assumptions[1]

    @cached_property
    def _resolved_assumptions(
        self,
    ) -> tuple[dict[int, tuple[bool, str]], dict[str, tuple[str, str]]]:
        """Resolve the what-ifs: graph node -> (listed?, list); ownership-only owner -> list.

        Raises
        ------
        UnknownNameError
            For a name in no data file.
        ExposureError
            For contradictory what-ifs (one name assumed listed and delisted, or on two
            lists) and empty ones (delisting a name not listed on the date, listing one
            listed already).
        """
        on_nodes: dict[int, tuple[bool, str]] = {}
        owners: dict[str, tuple[str, str]] = {}
        wanted: list[tuple[str, str, str | None, bool, object]] = []
        given: dict[object, str] = {}
        for text, is_listed in [(t, True) for t in self.assume_listed] + [
            (t, False) for t in self.assume_delisted
        ]:
            name, named_list = parse_assumption(text)
            option = "--assume-listed" if is_listed else "--assume-delisted"
            if not name:
                msg = f"{option} {text!r} names no entity. Give a name, or NAME=LIST"
                raise ExposureError(msg)
            if not is_listed and named_list:
                msg = f"--assume-delisted {text!r}: a delisting names no list. Give the name only"
                raise ExposureError(msg)
            target: object = self.graph.code(name)
            if target is None:
                target = self._ownership_name(name, option)
            if target in given:
                msg = (
                    f"{given[target]} and {option} {text!r} contradict each other: one "
                    "what-if per entity"
                )
                raise ExposureError(msg)
            given[target] = f"{option} {text!r}"
            wanted.append((text, name, named_list, is_listed, target))
        by_data = self._listed_by_data
        day = self.as_of.isoformat()
        for text, name, named_list, is_listed, target in wanted:
            nothing = f"{text!r}: it is {{}} on {day}, so this changes nothing"
            if isinstance(target, str):  # an owner named only in ownership.csv
                if not is_listed:
                    raise ExposureError("--assume-delisted " + nothing.format("not listed"))
                owners[target] = (name, named_list or ASSUMED_LIST)
                continue
            code = int(cast(int, target))
            if not is_listed and not (by_data[code] or self._affiliates_by_data[code]):
                raise ExposureError("--assume-delisted " + nothing.format("not listed"))
            if is_listed and by_data[code] and not named_list:
                msg = "--assume-listed " + nothing.format("listed already")
                raise ExposureError(
                    msg + " (name another list with NAME=LIST to ask what that would change)"
                )
            on_nodes[code] = (is_listed, named_list or ASSUMED_LIST)
        return on_nodes, owners

    @property
    def _assumptions(self) -> dict[int, tuple[bool, str]]:
        return self._resolved_assumptions[0]

    @cached_property
    def _listed_by_data(self) -> np.ndarray:
        """Boolean mask over nodes: a listing of its entity is in force (no what-if)."""
        entities = self.graph.nodes["entity"].to_numpy()
        return np.isin(entities, self.restricting_in_force["entity"].to_numpy()) & (entities >= 0)

    @cached_property
    def _affiliates_by_data(self) -> np.ndarray:
        """Boolean mask over nodes: listed through its owners, on the data alone."""
        facts = Listed(
            self.graph,
            self.as_of,
            affiliates_rule=self.affiliates_rule,
            ownership_threshold=self.ownership_threshold,
            ownership_method=self.ownership_method,
        )
        return facts.affiliates.mask

    def _ownership_name(self, name: str, option: str) -> str:
        """Return the name key of an owner named in ``ownership.csv`` but in no other file."""
        ownership = self.graph.dataset.ownership
        if ownership is not None and len(ownership):
            names = pd.concat([ownership["owner"], ownership["owned"]]).astype(str).unique()
            key = name_key(name)
            if key in {name_key(n) for n in names}:
                return key
        self._entity_code(name, option)  # raises with a suggestion
        raise AssertionError  # pragma: no cover: _entity_code raised

    @property
    def assumptions(self) -> list[str]:
        """Plain statements of the what-if assumptions this answer rests on."""
        names = self.graph.names
        stated = [
            f"assumed listed on the {list_name}: {names[code]} (what-if, not a fact)"
            if is_listed
            else f"assumed no longer listed: {names[code]} (what-if, not a fact)"
            for code, (is_listed, list_name) in self._assumptions.items()
        ]
        stated += [
            f"assumed listed on the {list_name}: {name} (what-if, not a fact)"
            for name, list_name in self.assumed_owners.values()
        ]
        # Ownership read otherwise than the rules read it changes who counts as listed too.
        ownership = self.graph.dataset.ownership
        if ownership is None or not len(ownership):
            return stated
        if not self.affiliates_rule:
            stated.append("ownership rules not applied: no affiliate counts as listed (what-if)")
        else:
            if self.ownership_threshold != OWNERSHIP_THRESHOLD:
                stated.append(
                    f"affiliates from {self.ownership_threshold:g}% owned by listed entities, "
                    f"not the rules' {OWNERSHIP_THRESHOLD:g}% (what-if, not a fact)"
                )
            if self.ownership_method != "cascade":
                stated.append(
                    "ownership parts multiplied down chains (look-through), not the rules' "
                    "reading (what-if, not a fact)"
                )
        return stated

    @cached_property
    def affiliates(self) -> Affiliates:
        """Entities treated as listed because listed entities own them (the 50% rules)."""
        n = self.graph.n_nodes
        ownership = self.graph.dataset.ownership
        if not self.affiliates_rule or ownership is None or not len(ownership):
            return Affiliates(mask=np.zeros(n, bool), owned=np.zeros(n), possible=np.zeros(n, bool))
        return find_affiliates(
            self.graph,
            ownership,
            self.by_data_or_assumption,
            self.owner_lists(),
            self.as_of,
            threshold=self.ownership_threshold / 100.0,
            method=self.ownership_method,
            listed_owners={
                key: self._assumed_listing(name, list_name)["list"]
                for key, (name, list_name) in self.assumed_owners.items()
            },
            own_lists=self.own_lists,
        )

    def owner_lists(self) -> dict[int, tuple[str, ...]]:
        """Return the lists in force of each node listed by the data or by assumption.

        As :meth:`direct_listing` names them, in one lookup for thousands of listed entities.
        """
        codes = np.flatnonzero(self.by_data_or_assumption)
        first = self._first_listings
        list_of_entity = pd.Series(first["list"].to_numpy(dtype=object), index=first["entity"])
        entities = self.graph.nodes["entity"].to_numpy(np.int64)
        lists = list_of_entity.reindex(entities[codes]).to_numpy(dtype=object)
        several = self._lists_of_entity
        out = {
            int(c): tuple(several[int(e)][0]) if int(e) in several else (str(name),)
            for c, e, name in zip(codes, entities[codes], lists, strict=True)
        }
        for code, (is_listed, list_name) in self._assumptions.items():
            if is_listed and self.assumed.get(code):
                out[code] = (self._assumed_listing("", list_name)["list"],)
        return out

    def direct_listing(self, code: int) -> dict[str, Any]:
        """Return the listing of a node listed by the data or by assumption (not by ownership).

        For a listed entity, its earliest listing in force, whose notice, date and policy its
        reports show; an entity on several lists names each ("Entity List; Specially
        Designated Nationals List") and cites every listing's source, as the rules of each
        may be what reaches a sale.
        """
        if self.assumed.get(code):
            return self._assumed_listing(str(self.graph.names[code]), self._assumptions[code][1])
        entity = int(self.graph.nodes["entity"].to_numpy()[code])
        row = self._listing_of_entity[entity]
        lists, sources = self._lists_of_entity.get(entity, ([row["list"]], [row["source"]]))
        return {
            "list": "; ".join(lists),
            "federal_register_notice": row["federal_register_notice"] or None,
            "start_date": row["start_date"].date().isoformat(),
            "license_policy": row["license_policy"] or None,
            "sources": sources,
            "ownership": None,
        }

    @cached_property
    def _lists_of_entity(self) -> dict[int, tuple[list[str], list[str]]]:
        """Per entity on several lists in force: the lists, earliest first, and the sources."""
        active = self.restricting_in_force
        several = active[active["entity"].duplicated(keep=False)]
        found: dict[int, tuple[list[str], list[str]]] = {}
        for entity, list_name, source in zip(
            several["entity"].tolist(),
            several["list"].astype(str).tolist(),
            several["source"].astype(str).tolist(),
            strict=True,
        ):
            lists, sources = found.setdefault(int(entity), ([], []))
            if list_name not in lists:
                lists.append(list_name)
            if source not in sources:
                sources.append(source)
        return found

    def listing_of(self, code: int) -> dict[str, Any]:
        """Return why a node counts as listed: its list, notice, date, policy and sources.

        For an affiliate, the listing of its largest listed owner, with the ownership chains.
        """
        if self.by_data_or_assumption[code]:
            listing = self.direct_listing(code)
            explanation = self.affiliates.explanations.get(code)
            if explanation is None:
                return listing
            # Owned by another list's parties too: that rule is a reason it is restricted.
            share = 100 * (explanation["owned_by_listed"] or 0.0)
            rules = "; ".join(r for r in explanation.get("rules", []) if r)
            return {
                **listing,
                "federal_register_notice": "; ".join(
                    x
                    for x in (
                        listing["federal_register_notice"],
                        f"{rules} ({share:.4g}% owned by listed entities)",
                    )
                    if x
                ),
                "sources": list(dict.fromkeys([*listing["sources"], *explanation["sources"]])),
                "ownership": explanation,
            }
        return self._affiliate_listing(code)

    def _affiliate_listing(self, code: int) -> dict[str, Any]:
        """Return the listing an affiliate, or a possible affiliate, takes from its owners."""
        explanation = self.affiliates.explanations[code]
        top = _largest_owner(explanation)
        top_code = self.graph.code(top["owner"])
        owner = (
            self.direct_listing(top_code)
            if top_code is not None
            else self._assumed_listing(*self.assumed_owners[name_key(top["owner"])])
        )
        share = 100 * (explanation["owned_by_listed"] or 0.0)  # None: a possible one, unknown
        if not explanation["possible"]:
            how = f"affiliate: {share:.4g}% owned by listed entities"
            if self.ownership_threshold != OWNERSHIP_THRESHOLD:
                how += (
                    f", counted from {self.ownership_threshold:g}%, not "
                    f"{OWNERSHIP_THRESHOLD:g}% (what-if)"
                )
        elif explanation.get("sdn_part"):
            how = (
                f"possible affiliate: {share:.4g}% owned by Entity List or MEU parties and "
                f"{100 * explanation['sdn_part']:.4g}% by SDNs, which count under 90 FR 47201 "
                "if designated under a programme of 15 CFR 744.8(a)(1), not given in the data"
            )
        elif share:
            how = (
                f"possible affiliate: {share:.4g}% or more owned by listed entities, a part unknown"
            )
        else:
            how = "possible affiliate: owned by listed entities in a part the data does not give"
        # Every listed owner's listing is cited: 30% and 25% make the 55% together.
        owners = [owner]
        for other in explanation["owners"]:
            other_code = self.graph.code(other["owner"])
            if other_code not in (None, top_code) and self.by_data_or_assumption[other_code]:
                owners.append(self.direct_listing(other_code))
        notices = dict.fromkeys(o["federal_register_notice"] for o in owners)
        return {
            "list": f"{owner['list']} ({how})",
            "federal_register_notice": "; ".join(
                x for x in (*notices, *explanation.get("rules", [explanation["rule"]])) if x
            ),
            "start_date": max(
                owner["start_date"], rule_in_force_since(explanation["rule"], self.as_of)
            ),
            "license_policy": owner["license_policy"],
            "sources": list(
                dict.fromkeys([*explanation["sources"], *(s for o in owners for s in o["sources"])])
            ),
            "ownership": explanation,
        }

    def reach_terms(self, code: int) -> ListingTerms:
        """Return what the rules of :mod:`exposure.reach` read of a listed node's listings.

        The tests of the lists of its listings in force and their footnote designations; for
        an entity assumed listed, its assumed list; for an affiliate, its listed owners'
        (footnotes included: the cautious reading of the Affiliates Rule).
        """
        name = str(self.graph.names[code])
        if code in self.assumed:
            return self._terms(name, [self._assumptions[code][1]], ())
        if self.by_data_or_assumption[code]:
            entity = int(self.graph.nodes["entity"].to_numpy()[code])
            lists, footnotes, end_use = self._terms_of_entity.get(entity, ((), (), ""))
            own = replace(self._terms(name, lists, footnotes), end_use=end_use)
            if code not in self.affiliates.explanations:
                return own
            # Listed itself and counted through its owners under another rule: both terms.
            others = self._owners_terms(code)
            return replace(
                own,
                tests=own.tests.union(*(t.tests for t in others)),
                footnotes=own.footnotes.union(*(t.footnotes for t in others)),
                lists=tuple(dict.fromkeys([*own.lists, *(p for t in others for p in t.lists)])),
            )
        owners = self._owners_terms(code)
        end_uses = {terms.end_use for terms in owners}
        return ListingTerms(
            name,
            frozenset(t for terms in owners for t in terms.tests),
            frozenset(f for terms in owners for f in terms.footnotes),
            tuple(dict.fromkeys(pair for terms in owners for pair in terms.lists)),
            # Limited to an end use only if every owner's listing is.
            end_use=end_uses.pop() if len(end_uses) == 1 else "",
            all_items_in=frozenset(c for terms in owners for c in terms.all_items_in),
        )

    def _owners_terms(self, code: int) -> list[ListingTerms]:
        """Return the reach terms of the listed owners the ownership rules count a node by."""
        owners = []
        for owner in self.affiliates.explanations[code]["owners"]:
            owner_code = self.graph.code(owner["owner"])
            if owner_code is not None and self.by_data_or_assumption[owner_code]:
                owners.append(self.reach_terms(owner_code))
            else:  # an owner named only in ownership.csv, assumed listed
                list_name = self.assumed_owners[name_key(owner["owner"])][1]
                owners.append(self._terms("", [list_name], ()))
        return owners

    def possible_reach_terms(self, code: int) -> ListingTerms:
        """Return the :meth:`reach_terms` a possible match or affiliate would have, if confirmed.

        A possible match's are those of the listed entity it may be; a possible affiliate's
        its listed owners' (as an affiliate's).
        """
        target = int(self._possible_target[code])
        if target >= 0 and self.mask[target]:
            return replace(self.reach_terms(target), buyer=str(self.graph.names[code]))
        return self.reach_terms(code)

    def _terms(self, name: str, lists: Sequence[str], footnotes: Sequence[int]) -> ListingTerms:
        pairs = tuple((n, self.rule(n).reach) for n in dict.fromkeys(lists))
        every_item = frozenset(c for c, since in MEU_EVERY_ITEM.items() if self.as_of >= since)
        return ListingTerms(
            name,
            frozenset(test for _, test in pairs),
            frozenset(footnotes),
            pairs,
            all_items_in=every_item,
        )

    @cached_property
    def _terms_of_entity(self) -> dict[int, tuple[tuple[str, ...], tuple[int, ...], str]]:
        """Per listed entity: the lists of its listings in force, their footnotes, an end use.

        The end use is the one its ``ear`` listings' licence requirements are all limited to
        (:func:`~exposure.reach.end_use_of`), or "".
        """
        active = self.restricting_in_force
        footnotes, requirements = (
            active[column].fillna("").astype(str).to_numpy(object)
            if column in active
            else np.full(len(active), "", dtype=object)
            for column in ("footnote", "license_requirement")
        )
        found: dict[int, tuple[list[str], list[int], set[str]]] = {}
        for entity, list_name, footnote, requirement in zip(
            active["entity"].tolist(),
            active["list"].astype(str).tolist(),
            footnotes.tolist(),
            requirements.tolist(),
            strict=True,
        ):
            lists, numbers, end_uses = found.setdefault(int(entity), ([], [], set()))
            lists.append(list_name)
            if self.rule(list_name).reach == "ear":
                end_uses.add(end_use_of(requirement))
            rule = FOOTNOTE_RULES.get(int(footnote)) if footnote.isdigit() else None
            # A footnote on a listing older than its direct product rule brings none before it.
            if footnote.isdigit() and (rule is None or rule.in_force(self.as_of)):
                numbers.append(int(footnote))
        return {
            e: (tuple(dict.fromkeys(ls)), tuple(ns), ends.pop() if len(ends) == 1 else "")
            for e, (ls, ns, ends) in found.items()
        }

    def _assumed_listing(self, name: str, list_name: str) -> dict[str, Any]:
        """Return the listing of an entity assumed listed (what-if)."""
        return {
            "list": f"{list_name} (what-if)",
            "federal_register_notice": None,
            "start_date": self.as_of.isoformat(),
            "license_policy": None,
            "sources": [f"assumption (--assume-listed {name})"],
            "ownership": None,
        }

    @cached_property
    def _first_listings(self) -> pd.DataFrame:
        """Each listed entity's earliest listing in force: the one its reports show."""
        return self.restricting_in_force.drop_duplicates("entity", keep="first")

    @cached_property
    def _listing_of_entity(self) -> dict[int, dict[str, Any]]:
        return {
            int(row["entity"]): {str(k): v for k, v in row.items()}
            for row in self._first_listings.to_dict("records")
        }

    def _reaching_sales(self, lists: pd.Series) -> np.ndarray:
        """Return, per listing, whether its list's restrictions reach sales (by distinct list)."""
        reaches = {name: self.rule(str(name)).reaches_sales for name in lists.unique()}
        return lists.map(reaches).to_numpy(dtype=bool)

    def _entity_code(self, name: str, option: str) -> int:
        code = self.graph.code(name)
        if code is None:
            names = [str(n) for n in self.graph.nodes["name"]]
            near = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
            hint = f" Did you mean {near[0]!r}?" if near else ""
            msg = (
                f"unknown entity {name!r} in {option}: it is in no data file (suppliers, "
                f"listed or ownership).{hint}"
            )
            raise UnknownNameError(msg)
        return code


def _largest_owner(explanation: dict[str, Any]) -> dict[str, Any]:
    """Return the ownership chain of an affiliate's largest known part (the first, if none is)."""
    return max(explanation["owners"], key=lambda o: o["part"] or 0.0)
