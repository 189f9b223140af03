"""Which sales to listed buyers the rules reach: items subject to the EAR, US persons' dealings.

A listing restricts some sales and not others. A Taiwanese board sold to an Entity List party
needs a US licence only if the board is *subject to the Export Administration Regulations*
(EAR); a Taiwanese trader's sale to a party on OFAC's SDN list breaks no US rule that binds
the trader. This module decides, for each sale (each row of ``suppliers.csv``) to a buyer that
counts as listed, whether the restrictions of the buyer's listings reach it, and says why.

The rules, by the test each list applies (:attr:`exposure.restrictions.ListRule.reach`):

``ear`` (Entity List, Denied Persons List): the item is subject to the EAR
    1. US-origin items wherever located (15 CFR 734.3(a)(2)). The item's ``origin`` is the
       country where it is made; empty, the supplier's country. Items in the United States
       are subject too (734.3(a)(1)): a US supplier's foreign-made item that the other rules
       leave out is ``unknown``, as the data does not say where it ships from.
    2. Foreign-made items incorporating more than a *de minimis* share of controlled US-origin
       content: more than 25% (15 CFR 734.4(d), :data:`DE_MINIMIS`), and more than 10% for
       destinations in Country Group E:1 or E:2 (734.4(c), :data:`DE_MINIMIS_E`,
       :data:`COUNTRY_GROUP_E`; Supplement No. 1 to part 740).
    3. Foreign-produced direct products of US technology or software (or of a plant that is),
       destined to an entity whose listing carries a footnote designation with a foreign
       direct product rule (15 CFR 734.9(e) and (g), first 736.2(b)(3)(vi) for footnote 1 by
       85 FR 29849; :data:`FOOTNOTE_RULES`).
       The footnote counts from the start date of the listing row that gives it, and not before
       its rule took effect (:attr:`FootnoteRule.effective`).
    4. Foreign-produced items that would not be EAR99, direct products of US technology or
       software, destined to Russia (from 2022-02-24, 87 FR 12226) or Belarus (from
       2022-03-02, 87 FR 13048): the Russia/Belarus foreign direct product rule (15 CFR
       734.9(f); :data:`RUSSIA_BELARUS`). Whether the item is a direct product, or in an
       ECCN, unknown: ``unknown``; so is an item from a country of Supplement No. 3 to part
       746 (:data:`PARTNER_COUNTRIES`), whose exclusion is not assessed.
``ear_items`` (Military End User List): as ``ear``, but the list restricts only the items of
    Supplement No. 2 to part 744 (15 CFR 744.21), which is not assessed: an item subject to the
    EAR is ``assumed``, not ``yes``; an EAR99 item is ``no``. To a military end user in Russia
    or Belarus, from the same dates, the rule covers every item subject to the EAR: ``yes``.
``us_person`` (SDN, Foreign Sanctions Evaders): any dealing by a US person, whatever the item
    (31 CFR chapter V). The supplier's country decides; a non-US seller's sale is reached
    only if a rule of the EAR reaches it, which this module does not assess (some sanctions
    programmes have EAR licence requirements: 15 CFR 744.8, 744.12 to 744.14): ``unknown``.
``every_sale`` (lists whose measures vary by listing, lists the table does not know)
    Every sale, the cautious reading.

Each sale gets a status (:data:`STATUSES`): ``yes`` (reached), ``no`` (not reached: not
exposure, shown as such), ``unknown`` (an input the rule needs is unknown: counted like an
unknown share, the supplier stays exposed and its revenue at risk becomes a lower bound) or
``assumed`` (the data gives none of the facts the rules read, or the list is read cautiously:
counted as reached). Unknown is never read as ``no``.

What this module does not decide: the classification of an item, end-use and end-user controls
beyond the lists, items excluded from the EAR (734.3(b)), de minimis exclusions for particular
items, licences held, secondary sanctions. It is analysis, not legal advice.

Examples
--------
>>> terms = ListingTerms("Hikvision", frozenset({"ear"}), frozenset(), (("Entity List", "ear"),))
>>> facts = SaleFacts.of(seller="TW", origin="TW", us_content=0.3, destination="CN")
>>> assess_one(facts, terms)
('yes', 'US content 30% above the 25% de minimis level (15 CFR 734.4(d))')
>>> assess_one(SaleFacts.of(seller="TW", origin="TW", us_content=0.2, destination="CN"), terms)[0]
'no'
>>> assess_one(SaleFacts.of(seller="CN", origin="CN", destination="CN"), terms)
('unknown', 'foreign-made item (CN), US content unknown')
>>> assess_one(SaleFacts.of(seller="CN", destination="CN"), terms)[1]  # no origin given
"foreign-made item (CN, the supplier's country: no origin given), US content unknown"
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "ASSUMED",
    "COUNTRY_GROUP_E",
    "DE_MINIMIS",
    "DE_MINIMIS_E",
    "FOOTNOTE_RULES",
    "MEU_EVERY_ITEM",
    "NO",
    "NOT_ASSESSED",
    "PARTNER_COUNTRIES",
    "RUSSIA_BELARUS",
    "STATUSES",
    "UNKNOWN",
    "YES",
    "FootnoteRule",
    "ListingTerms",
    "SaleFacts",
    "SaleReach",
    "assess",
    "assess_one",
    "counted",
    "end_use_of",
    "explain",
    "sale_reach",
]

#: Statuses, as numbers in arrays (the higher, the surer the sale is reached) and as words.
NOT_ASSESSED, NO, UNKNOWN, ASSUMED, YES = -1, 0, 1, 2, 3
STATUSES = {NO: "no", UNKNOWN: "unknown", ASSUMED: "assumed", YES: "yes"}

#: 15 CFR 734.4(d): foreign-made items whose controlled US-origin content is valued at 25% or
#: less of the item are not subject to the EAR (for destinations outside Country Groups E:1
#: and E:2) ...
DE_MINIMIS = 0.25
#: ... and 734.4(c): 10% or less, for any destination (the level that counts for E:1 and E:2).
DE_MINIMIS_E = 0.10
#: Country Group E:1 (Iran, North Korea, Syria) and E:2 (Cuba), Supplement No. 1 to part 740.
COUNTRY_GROUP_E = frozenset({"CU", "IR", "KP", "SY"})


@dataclass(frozen=True)
class FootnoteRule:
    """The foreign direct product rule an Entity List footnote designation brings.

    Attributes
    ----------
    footnote
        The footnote number in Supplement No. 4 to part 744.
    paragraph
        The paragraph of 15 CFR 734.9 that makes such direct products subject to the EAR.
    notice
        The Federal Register notices that made and widened it.
    effective
        The day the rule took effect: a footnote on a listing older than its rule brings no
        direct product rule before that day.
    """

    footnote: int
    paragraph: str
    notice: str
    effective: dt.date

    def in_force(self, day: dt.date) -> bool:
        """Return whether the rule is in force on ``day``."""
        return day >= self.effective


#: The footnote designations whose foreign direct product rules this module applies (15 CFR
#: 734.9; footnote 1 was first 736.2(b)(3)(vi), moved to 734.9(e) by 87 FR 6022). Each rule's
#: scope of technologies and items is not assessed: an item the data calls a direct product of
#: US technology counts. A direct product of US technology to an entity with another footnote
#: is ``unknown``.
#: Each counts from the day its rule took effect (the notices' effective dates: 85 FR 29849,
#: 2020-05-15; 87 FR 12226, 2022-02-24; 87 FR 62186, 2022-10-21, the date of its instructions
#: on 734.9 and the Entity List, for only those on 740.2, 740.10, 742.6, 744.23 and the Commerce
#: Control List took effect on 2022-10-07, and that on 744.6 on 2022-10-12; 89 FR 96790,
#: 2024-12-02), whatever the date of the listing that carries the footnote.
FOOTNOTE_RULES = {
    1: FootnoteRule(
        1, "15 CFR 734.9(e)(1)", "85 FR 29849, widened by 85 FR 51596", dt.date(2020, 5, 15)
    ),
    3: FootnoteRule(3, "15 CFR 734.9(g)", "87 FR 12226", dt.date(2022, 2, 24)),
    4: FootnoteRule(4, "15 CFR 734.9(e)(2)", "87 FR 62186", dt.date(2022, 10, 21)),
    5: FootnoteRule(5, "15 CFR 734.9(e)(3)", "89 FR 96790", dt.date(2024, 12, 2)),
}


@dataclass(frozen=True)
class ListingTerms:
    """What the rules read of a listed buyer's listings in force.

    Attributes
    ----------
    buyer
        The buyer's name, for explanations.
    tests
        The tests of its listings' lists (:attr:`exposure.restrictions.ListRule.reach`).
    footnotes
        The footnote designations of its listings in force.
    lists
        The lists, each as its name and its test, for explanations.
    end_use
        The end use to which the licence requirement of each of its ``ear`` listings is
        limited ("used in projects specified in §746.5 of the EAR"), or "" (none, or not
        every listing).
    all_items_in
        The countries where, on the date, the Russia and Belarus rules hold
        (:data:`RUSSIA_BELARUS`): its ``ear_items`` list restricts every item subject to the
        EAR there, and foreign direct products of US technology destined there are subject
        to the EAR (15 CFR 734.9(f)).
    """

    buyer: str
    tests: frozenset[str]
    footnotes: frozenset[int]
    lists: tuple[tuple[str, str], ...]
    end_use: str = ""
    all_items_in: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SaleFacts:
    """The facts the rules read of sales, as arrays (one item per sale).

    Countries are ISO codes, ``""`` when unknown; ``us_content`` is ``NaN`` when unknown;
    ``us_technology`` is 1 (yes), 0 (no) or -1 (unknown).

    Attributes
    ----------
    seller
        The supplier's country.
    origin
        The country where the item is made (the seller's country where the data gives none).
    origin_given
        Whether the data gives the origin (else it is the seller's country).
    us_content, us_technology
        As in ``suppliers.csv``.
    destination
        The buyer's country.
    ear99
        Whether the data classifies the item as ``EAR99`` (in no ECCN).
    eccn_given
        Whether the data gives the item's classification (an ECCN or ``EAR99``).
    """

    seller: np.ndarray
    origin: np.ndarray
    origin_given: np.ndarray
    us_content: np.ndarray
    us_technology: np.ndarray
    destination: np.ndarray
    ear99: np.ndarray | None = None
    eccn_given: np.ndarray | None = None

    @classmethod
    def of(
        cls,
        *,
        seller: str = "",
        origin: str = "",
        us_content: float | None = None,
        us_technology: bool | None = None,
        destination: str = "",
        eccn: str = "",
    ) -> SaleFacts:
        """Return the facts of one sale (``origin`` empty: the seller's country)."""
        return cls(
            seller=np.array([seller], dtype=object),
            origin=np.array([origin or seller], dtype=object),
            origin_given=np.array([bool(origin)]),
            us_content=np.array([np.nan if us_content is None else us_content]),
            us_technology=np.array([-1 if us_technology is None else int(us_technology)]),
            destination=np.array([destination], dtype=object),
            ear99=np.array([eccn.strip().upper() == "EAR99"]),
            eccn_given=np.array([bool(eccn.strip())]),
        )

    def __len__(self) -> int:
        return len(self.seller)


# Why a sale has its status: one code per explanation (see ``_EXPLAIN``).
(
    US_ORIGIN, US_ORIGIN_OF_SELLER, ABOVE_DE_MINIMIS, DIRECT_PRODUCT, NO_FACTS, ORIGIN_UNKNOWN,
    CONTENT_UNKNOWN, DESTINATION_UNKNOWN, TECHNOLOGY_UNKNOWN, FOOTNOTE_UNKNOWN, BELOW_DE_MINIMIS,
    US_PERSON, SELLER_UNKNOWN, NON_US_EAR_ITEM, NON_US_PERSON, NON_US_ITEM_UNKNOWN, EVERY_SALE,
    SHIPPED_FROM_US, ITEMS_NOT_ASSESSED, END_USE_NOT_ASSESSED, EAR99_NOT_LISTED,
    EAR99_WHERE_UNKNOWN, SOME_US_DEALINGS, MEU_EVERY_ITEM_REACHED, RUSSIA_FDP, RUSSIA_FDP_UNKNOWN,
    RUSSIA_FDP_EXCLUSION, RUSSIA_FDP_WHERE_UNKNOWN,
) = range(28)  # fmt: skip


def assess(
    facts: SaleFacts, terms: list[ListingTerms], buyer: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return each sale's status and the code of its reason.

    Parameters
    ----------
    facts
        The sales' facts.
    terms
        The listed buyers' terms.
    buyer
        Per sale: its buyer's index into ``terms``.

    Returns
    -------
    status, reason
        Per sale: :data:`YES`, :data:`ASSUMED`, :data:`UNKNOWN` or :data:`NO`; and the
        reason's code (:func:`explain` says it in words). Where a buyer's listings apply
        several tests, the surest status counts.
    """
    n = len(facts)
    has = {
        test: np.array([test in t.tests for t in terms], dtype=bool)[buyer]
        for test in ("ear", "ear_items", "us_person", "us_person_some", "every_sale")
    }
    footnote = np.array([_footnote_kind(t.footnotes) for t in terms], dtype=np.int8)[buyer]
    status = np.full(n, NOT_ASSESSED, dtype=np.int8)
    reason = np.full(n, -1, dtype=np.int8)
    # Where, on the date, the Russia and Belarus rules hold (:data:`RUSSIA_BELARUS`): the
    # Military End User rule reaches every item, and the foreign direct product rule of 15 CFR
    # 734.9(f) makes foreign-made items subject to the EAR.
    every_item = np.array(
        [
            d in t.all_items_in
            for d, t in zip(facts.destination, (terms[b] for b in buyer), strict=True)
        ],
        dtype=bool,
    )
    in_force = np.array([bool(t.all_items_in) for t in terms], dtype=bool)[buyer]
    ear_status, ear_reason = _ear(facts, footnote, every_item, in_force)
    # A list that restricts some items only (the Military End User List: those of Supplement
    # No. 2 to part 744): an item subject to the EAR counts, its scope not assessed.
    scope_unassessed = ear_status == YES
    # Supplement No. 2 to part 744 names ECCNs: an EAR99 item is none of them, but where the
    # rule reaches every item (:data:`MEU_EVERY_ITEM`); where the buyer is, unknown.
    ear99 = scope_unassessed & (facts.ear99 if facts.ear99 is not None else np.zeros(n, dtype=bool))
    # 15 CFR 744.21(a) since 87 FR 12226 (Russia) and 87 FR 13048 (Belarus): every item
    # subject to the EAR to a military end user there, so the item's scope need no assessing.
    meu_every_item = scope_unassessed & every_item
    ear99_where_unknown = ear99 & (facts.destination == "")
    not_listed_item = ear99 & (facts.destination != "") & ~every_item
    # A licence requirement limited to an end use ("when used in projects specified in
    # §746.5"): an item subject to the EAR counts, its end use not in the data.
    end_use = np.array([t.end_use != "" for t in terms], dtype=bool)[buyer] & scope_unassessed
    candidates = [
        (
            has["ear"],
            np.where(end_use, ASSUMED, ear_status).astype(np.int8),
            np.where(end_use, END_USE_NOT_ASSESSED, ear_reason).astype(np.int8),
        ),
        (
            has["ear_items"],
            np.select(
                [meu_every_item, not_listed_item, ear99_where_unknown, scope_unassessed],
                [YES, NO, UNKNOWN, ASSUMED],
                ear_status,
            ).astype(np.int8),
            np.select(
                [meu_every_item, not_listed_item, ear99_where_unknown, scope_unassessed],
                [MEU_EVERY_ITEM_REACHED, EAR99_NOT_LISTED, EAR99_WHERE_UNKNOWN, ITEMS_NOT_ASSESSED],
                ear_reason,
            ).astype(np.int8),
        ),
        (has["us_person"], *_us_person(facts, ear_status)),
        (has["us_person_some"], *_some_us_dealings(*_us_person(facts, ear_status))),
        (has["every_sale"], np.full(n, ASSUMED, np.int8), np.full(n, EVERY_SALE, np.int8)),
    ]
    for applies, found, why in candidates:
        better = applies & (found > status)
        status[better] = found[better]
        reason[better] = why[better]
    return status, reason


def _footnote_kind(footnotes: frozenset[int]) -> int:
    """Return 0 for no footnote, 1 for one with a known direct product rule, 2 for another."""
    if not footnotes:
        return 0
    return 1 if footnotes & FOOTNOTE_RULES.keys() else 2


def _ear(
    facts: SaleFacts, footnote: np.ndarray, russia: np.ndarray, in_force: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Whether each item is subject to the EAR (15 CFR 734.3, 734.4, 734.9(e), (f) and (g)).

    ``russia``: per sale, the buyer is in Russia or Belarus on a date the Russia/Belarus
    foreign direct product rule holds (:data:`RUSSIA_BELARUS`); ``in_force``: the rule holds
    on the date, wherever the buyer is.
    """
    origin, content, technology = facts.origin, facts.us_content, facts.us_technology
    destination = facts.destination
    no_origin = origin == ""
    no_content = np.isnan(content)
    embargoed = np.isin(destination, list(COUNTRY_GROUP_E))
    no_destination = destination == ""
    with np.errstate(invalid="ignore"):
        level = np.where(embargoed, DE_MINIMIS_E, DE_MINIMIS)
        above = content > level
        # Between the two levels with no destination: it depends on where the item goes.
        between = no_destination & (content > DE_MINIMIS_E) & (content <= DE_MINIMIS)
    direct_product = (footnote == 1) & (technology == 1)
    # 15 CFR 734.9(f): a foreign-made item that would not be EAR99 (in an ECCN), a direct
    # product of US technology or software, destined to Russia or Belarus; not for items from
    # the countries of Supplement No. 3 to part 746, which is not assessed (unknown).
    n = len(facts)
    ear99 = facts.ear99 if facts.ear99 is not None else np.zeros(n, dtype=bool)
    given = facts.eccn_given if facts.eccn_given is not None else ear99
    in_ccl = given & ~ear99
    foreign = ~no_origin & (origin != "US")
    excluded = np.isin(origin, list(PARTNER_COUNTRIES)) | np.isin(
        facts.seller, list(PARTNER_COUNTRIES)
    )
    fdp_may = foreign & ~ear99 & (technology != 0)
    russia_fdp = foreign & russia & ~excluded & (technology == 1) & in_ccl
    conditions = [
        (origin == "US") & facts.origin_given,
        origin == "US",
        above,
        direct_product,
        russia_fdp,
        no_origin & no_content & (technology == -1),
        no_origin,
        no_content,
        between,
        (footnote == 1) & (technology == -1),
        (footnote == 2) & (technology != 0),
        fdp_may & russia & ~excluded,
        fdp_may & russia & excluded,
        fdp_may & no_destination & in_force & (technology == 1),
        facts.seller == "US",
    ]
    reasons = [
        US_ORIGIN, US_ORIGIN_OF_SELLER, ABOVE_DE_MINIMIS, DIRECT_PRODUCT, RUSSIA_FDP, NO_FACTS,
        ORIGIN_UNKNOWN, CONTENT_UNKNOWN, DESTINATION_UNKNOWN, TECHNOLOGY_UNKNOWN,
        FOOTNOTE_UNKNOWN, RUSSIA_FDP_UNKNOWN, RUSSIA_FDP_EXCLUSION, RUSSIA_FDP_WHERE_UNKNOWN,
        SHIPPED_FROM_US,
    ]  # fmt: skip
    reason = np.select(conditions, reasons, BELOW_DE_MINIMIS).astype(np.int8)
    return _STATUS_OF_REASON[reason], reason


def _us_person(facts: SaleFacts, ear_status: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whether a US person makes each sale (31 CFR chapter V), else what the EAR says."""
    seller = facts.seller
    nothing = (facts.origin == "") & np.isnan(facts.us_content) & (facts.us_technology == -1)
    conditions = [
        seller == "US",
        (seller == "") & nothing,
        seller == "",
        ear_status >= ASSUMED,
        ear_status == NO,
    ]
    reasons = [US_PERSON, NO_FACTS, SELLER_UNKNOWN, NON_US_EAR_ITEM, NON_US_PERSON]
    reason = np.select(conditions, reasons, NON_US_ITEM_UNKNOWN).astype(np.int8)
    return _STATUS_OF_REASON[reason], reason


def _some_us_dealings(status: np.ndarray, reason: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Read a US person's dealing as assumed: the list's measures restrict some only."""
    us_person = reason == US_PERSON
    return (
        np.where(us_person, ASSUMED, status).astype(np.int8),
        np.where(us_person, SOME_US_DEALINGS, reason).astype(np.int8),
    )


_STATUS_OF_REASON = np.array(
    [
        YES, YES, YES, YES, ASSUMED, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, NO,
        YES, UNKNOWN, UNKNOWN, NO, UNKNOWN, ASSUMED, UNKNOWN, ASSUMED, ASSUMED, NO, UNKNOWN,
        ASSUMED, YES, YES, UNKNOWN, UNKNOWN, UNKNOWN,
    ],
    dtype=np.int8,
)  # fmt: skip


def counted(status: np.ndarray) -> np.ndarray:
    """Per sale: whether it counts as reached (``yes`` or ``assumed``)."""
    return status >= ASSUMED


def _percent(share: float) -> str:
    return f"{100 * share:.4g}%"


def _country(code: str) -> str:
    return code or "country unknown"


def _level(destination: str) -> str:
    if destination in COUNTRY_GROUP_E:
        return (
            f"the {_percent(DE_MINIMIS_E)} de minimis level for Country Group E:1 and E:2 "
            "(15 CFR 734.4(c))"
        )
    return f"the {_percent(DE_MINIMIS)} de minimis level (15 CFR 734.4(d))"


def _direct_product(terms: ListingTerms) -> str:
    rules = [FOOTNOTE_RULES[f] for f in sorted(terms.footnotes) if f in FOOTNOTE_RULES]
    return "; ".join(
        f"footnote {rule.footnote} designation of {terms.buyer} ({rule.paragraph}; {rule.notice})"
        for rule in rules
    )


_SANCTIONS = "31 CFR chapter V"
_EXPLAIN: dict[int, Callable[[dict[str, Any], ListingTerms], str]] = {
    US_ORIGIN: lambda f, t: "US-origin item (15 CFR 734.3(a)(2))",
    US_ORIGIN_OF_SELLER: lambda f, t: (
        "US-origin item: made in the supplier's country, US, as the data gives no origin "
        "(15 CFR 734.3(a)(2))"
    ),
    ABOVE_DE_MINIMIS: lambda f, t: (
        f"US content {_percent(float(f['us_content']))} above {_level(str(f['destination']))}"
    ),
    DIRECT_PRODUCT: lambda f, t: f"foreign direct product rule: {_direct_product(t)}",
    NO_FACTS: lambda f, t: (
        "not assessed: the data gives neither where the item is made nor the supplier's "
        "country; counted as reached (the cautious reading)"
    ),
    ORIGIN_UNKNOWN: lambda f, t: (
        "where the item is made is unknown (no origin and no supplier country)"
    ),
    CONTENT_UNKNOWN: lambda f, t: f"{_made_in(f)}, US content unknown",
    DESTINATION_UNKNOWN: lambda f, t: (
        f"{_made_in(f)} with {_percent(float(f['us_content']))} US content: "
        "above the 10% de minimis level of Country Group E:1 and E:2 destinations, and the "
        "buyer's country is unknown (15 CFR 734.4(c) and (d))"
    ),
    TECHNOLOGY_UNKNOWN: lambda f, t: (
        f"{_made_in(f)} to an entity with a footnote designation; whether "
        f"it is a direct product of US technology is unknown ({_direct_product(t)})"
    ),
    FOOTNOTE_UNKNOWN: lambda f, t: (
        f"{_made_in(f)} to an entity with footnote "
        f"{', '.join(map(str, sorted(t.footnotes)))}, whose direct product rule is not assessed"
    ),
    BELOW_DE_MINIMIS: lambda f, t: (
        f"not subject to the EAR: {_made_in(f)} with "
        f"{_percent(float(f['us_content']))} US content, not above "
        f"{_level(str(f['destination']))}"
        + ("; not a direct product of US technology" if t.footnotes else "")
    ),
    US_PERSON: lambda f, t: (
        f"US person (a supplier in the United States) dealing with a party on the "
        f"{_sanctions_list(t)} ({_SANCTIONS})"
    ),
    SELLER_UNKNOWN: lambda f, t: (
        f"the supplier's country is unknown: the {_sanctions_list(t)} binds US persons "
        f"({_SANCTIONS})"
    ),
    NON_US_EAR_ITEM: lambda f, t: (
        f"a non-US supplier ({f['seller']}) of an item subject to the EAR to a party on the "
        f"{_sanctions_list(t)}: some sanctions programmes require a licence (15 CFR 744.8, "
        "744.12 to 744.14), not assessed"
    ),
    NON_US_PERSON: lambda f, t: (
        f"not reached: the {_sanctions_list(t)} binds US persons ({_SANCTIONS}); the supplier "
        f"is in {f['seller']} and the item is not subject to the EAR (secondary sanctions not "
        "assessed)"
    ),
    NON_US_ITEM_UNKNOWN: lambda f, t: (
        f"a non-US supplier ({f['seller']}); whether the item is subject to the EAR is unknown"
    ),
    SHIPPED_FROM_US: lambda f, t: (
        f"a US supplier's foreign-made item ({f['origin']}, "
        f"{_percent(float(f['us_content']))} US content): subject to the EAR if it is exported "
        "from the United States (15 CFR 734.3(a)(1)), and the data does not say where it ships "
        "from"
    ),
    EVERY_SALE: lambda f, t: (
        f"{_every_sale_list(t)}: read as restricting every sale (the cautious reading)"
    ),
    ITEMS_NOT_ASSESSED: lambda f, t: (
        f"an item subject to the EAR; the {_some_items(t)}, which are not assessed: counted "
        "(the cautious reading)"
    ),
    EAR99_NOT_LISTED: lambda f, t: (
        f"not restricted: an EAR99 item; the {_some_items(t)}, which name ECCNs only"
    ),
    SOME_US_DEALINGS: lambda f, t: (
        f"a US person (a supplier in the United States) dealing with a party on the "
        f"{_some_us_list(t)}, whose measures restrict some dealings of US persons, not "
        "assessed: counted (the cautious reading)"
    ),
    EAR99_WHERE_UNKNOWN: lambda f, t: (
        f"an EAR99 item; the {_some_items(t)}, which name ECCNs only, but every item for "
        "Russia and Belarus (87 FR 12226, 87 FR 13048), and the buyer's country is unknown"
    ),
    MEU_EVERY_ITEM_REACHED: lambda f, t: (
        f"an item subject to the EAR to a military end user in {f['destination']}: the Military "
        "End User rule covers every item subject to the EAR there, not only those of Supplement "
        f"No. 2 to part 744 (15 CFR 744.21(a), {_russia_belarus(str(f['destination']))}; food "
        "and medicine designated EAR99 excepted, not assessed)"
    ),
    RUSSIA_FDP: lambda f, t: (
        f"Russia/Belarus foreign direct product rule: {_made_in(f)} in an ECCN, a direct "
        f"product of US technology, destined to {f['destination']} (15 CFR 734.9(f), licence "
        f"requirement 746.8(a); {_russia_belarus(str(f['destination']))})"
    ),
    RUSSIA_FDP_UNKNOWN: lambda f, t: (
        f"{_made_in(f)} destined to {f['destination']}: subject to the EAR if it is in an "
        "ECCN and a direct product of US technology (Russia/Belarus foreign direct product "
        f"rule, 15 CFR 734.9(f); {_russia_belarus(str(f['destination']))}), which the data "
        "does not say"
    ),
    RUSSIA_FDP_EXCLUSION: lambda f, t: (
        f"{_made_in(f)} from a country of Supplement No. 3 to part 746 destined to "
        f"{f['destination']}: the Russia/Belarus foreign direct product rule (15 CFR 734.9(f); "
        f"{_russia_belarus(str(f['destination']))}) excludes such items in whole or in part, "
        "not assessed"
    ),
    RUSSIA_FDP_WHERE_UNKNOWN: lambda f, t: (
        f"{_made_in(f)}, a direct product of US technology, and the buyer's country is "
        "unknown: subject to the EAR if it goes to Russia or Belarus (15 CFR 734.9(f); "
        "87 FR 12226, 87 FR 13048)"
    ),
    END_USE_NOT_ASSESSED: lambda f, t: (
        f"an item subject to the EAR; the listing's licence requirement holds only when it is "
        f"{t.end_use}, which the data does not say: counted (the cautious reading)"
    ),
}


#: The Russia and Belarus rules of the EAR, by country: the day they took effect and the notice
#: (87 FR 12226, effective 2022-02-24; 87 FR 13048, published 2022-03-08, effective
#: 2022-03-02). From then (1) the Military End User rule (15 CFR 744.21(a)) restricts every
#: item subject to the EAR to a military end user there, not only those of Supplement No. 2 to
#: part 744 (food and medicine designated EAR99 are excepted, which the data does not tell
#: apart); (2) the Russia/Belarus foreign direct product rule (15 CFR 734.9(f); licence
#: requirement in 746.8(a)) makes subject to the EAR a foreign-made item destined there that is
#: a direct product of US technology or software of the CCL (product groups D and E; categories
#: 3 to 9 until 87 FR 22130 widened it to all, 2022-04-08: not assessed) and would not be
#: EAR99.
RUSSIA_BELARUS = {
    "RU": (dt.date(2022, 2, 24), "87 FR 12226"),
    "BY": (dt.date(2022, 3, 2), "87 FR 13048"),
}
#: Where, and from when, the Military End User rule restricts every item (:data:`RUSSIA_BELARUS`).
MEU_EVERY_ITEM = {country: since for country, (since, _) in RUSSIA_BELARUS.items()}
#: Supplement No. 3 to part 746: countries that committed to substantially similar controls on
#: Russia and Belarus, whose items 746.8 excludes from the Russia/Belarus foreign direct product
#: rule (fully or partly, by the supplement's scope column). An item made in or sold from one is
#: ``unknown`` under that rule, the exclusion's scope not assessed. The EU's 27, Australia,
#: Canada, Iceland, Japan, Liechtenstein, New Zealand, Norway, South Korea, Switzerland, Taiwan
#: and the United Kingdom.
PARTNER_COUNTRIES = frozenset(
    {
        "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
        "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
        "AU", "CA", "IS", "JP", "LI", "NZ", "NO", "KR", "CH", "TW", "GB",
    }
)  # fmt: skip

#: A licence requirement limited to an end use: "For all items subject to the EAR when used in
#: projects specified in §746.5 of the EAR" (Russian deepwater, Arctic offshore and shale
#: projects; 79 FR 55608 and the entries after it).
_END_USE = re.compile(r"\bwhen\s+(used\s+in\s+.*?)\s*(?:\.(?:\s|$)|[;(]|$)", re.IGNORECASE)


def end_use_of(requirement: str) -> str:
    """Return the end use a listing's licence requirement is limited to, or "".

    Examples
    --------
    >>> end_use_of("For all items subject to the EAR when used in projects specified in "
    ...            "§746.5 of the EAR.")
    'used in projects specified in §746.5 of the EAR'
    >>> end_use_of("For all items subject to the EAR. (See §744.11 of the EAR)")
    ''
    """
    found = _END_USE.search(requirement or "")
    return found.group(1).strip() if found else ""


def _russia_belarus(country: str) -> str:
    since, notice = RUSSIA_BELARUS.get(country, (None, ""))
    return f"{notice}, from {since.isoformat()}" if since else "87 FR 12226, 87 FR 13048"


def _made_in(facts: dict[str, Any]) -> str:
    """Say where an item is made: as the data gives it, or the seller's country by default.

    A distributor makes nothing: its resale of a US-made item is US-origin, which only the
    row's ``origin`` can say.
    """
    if facts.get("origin_given", True):
        return f"foreign-made item ({facts['origin']})"
    return f"foreign-made item ({facts['origin']}, the supplier's country: no origin given)"


def _some_items(terms: ListingTerms) -> str:
    """Say which list restricts some items only, and which items where the rules name them."""
    from exposure.restrictions import list_rule  # the one home of what each list restricts

    names = [name for name, test in terms.lists if test == "ear_items"]
    name = names[0] if names else "list"
    if list_rule(name).code == "MEU":
        return f"{name} restricts only the items of Supplement No. 2 to part 744 (15 CFR 744.21)"
    return f"{name} restricts only some items"


def _sanctions_list(terms: ListingTerms) -> str:
    names = [name for name, test in terms.lists if test in ("us_person", "us_person_some")]
    return names[0] if names else "SDN list"


def _some_us_list(terms: ListingTerms) -> str:
    names = [name for name, test in terms.lists if test == "us_person_some"]
    return names[0] if names else "list"


def _every_sale_list(terms: ListingTerms) -> str:
    names = [name for name, test in terms.lists if test == "every_sale"]
    return names[0] if names else "the list"


def explain(reason: int, facts: dict[str, Any], terms: ListingTerms) -> str:
    """Return why a sale has its status, in words, with the rule's citation.

    ``facts`` holds the sale's ``seller``, ``origin``, ``us_content`` and ``destination``.
    """
    return _EXPLAIN[int(reason)](facts, terms)


def assess_one(facts: SaleFacts, terms: ListingTerms) -> tuple[str, str]:
    """Return one sale's status in words and why (see the module's examples)."""
    status, reason = assess(facts, [terms], np.zeros(1, dtype=np.int64))
    fact = {
        "seller": facts.seller[0],
        "origin": facts.origin[0],
        "origin_given": bool(facts.origin_given[0]),
        "us_content": facts.us_content[0],
        "destination": facts.destination[0],
    }
    return STATUSES[int(status[0])], explain(int(reason[0]), fact, terms)


@dataclass(frozen=True, eq=False)
class SaleReach:
    """The status of every sale (row of ``suppliers.csv``) to a buyer that counts as listed.

    Attributes
    ----------
    rows
        The positions of those rows in the graph's rows, increasing.
    status, reason
        Per such row: its status and the code of its reason (see :func:`assess`).
    facts
        Per such row: the facts the rules read.
    terms, buyer
        The listed buyers' terms, and per such row its buyer's index into them.
    n_rows
        How many rows the graph has.
    """

    rows: np.ndarray
    status: np.ndarray
    reason: np.ndarray
    facts: SaleFacts
    terms: list[ListingTerms]
    buyer: np.ndarray
    n_rows: int

    @cached_property
    def status_of_rows(self) -> np.ndarray:
        """Per row of the graph: its status, :data:`NOT_ASSESSED` for sales to others."""
        every = np.full(self.n_rows, NOT_ASSESSED, dtype=np.int8)
        every[self.rows] = self.status
        return every

    @property
    def all_counted(self) -> bool:
        """Whether every assessed sale counts as reached (nothing to leave out or doubt)."""
        return bool(counted(self.status).all())

    def of_row(self, row: int) -> tuple[str, str] | None:
        """Return a row's status in words and why, or ``None`` for a sale to a buyer not listed."""
        at = int(np.searchsorted(self.rows, row))
        if at >= len(self.rows) or self.rows[at] != row:
            return None
        facts = self.facts
        fact = {
            "seller": facts.seller[at],
            "origin": facts.origin[at],
            "origin_given": bool(facts.origin_given[at]),
            "us_content": facts.us_content[at],
            "destination": facts.destination[at],
        }
        terms = self.terms[int(self.buyer[at])]
        return STATUSES[int(self.status[at])], explain(int(self.reason[at]), fact, terms)


def sale_reach(
    rows: pd.DataFrame,
    node_countries: np.ndarray,
    listed: np.ndarray,
    terms_of: Callable[[int], ListingTerms],
) -> SaleReach:
    """Assess every sale to a buyer that counts as listed.

    Parameters
    ----------
    rows
        The graph's rows (:attr:`exposure.graph.SupplyGraph.rows`): ``src``, ``dst`` and the
        optional columns ``supplier_country``, ``customer_country``, ``origin``,
        ``us_content`` and ``us_technology``.
    node_countries
        Per node: its country (``""`` when unknown), for rows that give none.
    listed
        Per node: counts as listed.
    terms_of
        Returns a listed node's :class:`ListingTerms`.
    """
    src = rows["src"].to_numpy()
    dst = rows["dst"].to_numpy()
    assessed = np.flatnonzero(listed[dst])
    buyers, buyer = np.unique(dst[assessed], return_inverse=True)
    terms = [terms_of(int(b)) for b in buyers.tolist()]
    countries = np.asarray(node_countries, dtype=object)
    countries = np.where(pd.isna(countries), "", countries)
    seller = _text(rows, "supplier_country", assessed)
    seller = np.where(seller == "", countries[src[assessed]], seller)
    destination = _text(rows, "customer_country", assessed)
    destination = np.where(destination == "", countries[dst[assessed]], destination)
    origin = _text(rows, "origin", assessed)
    technology = _text(rows, "us_technology", assessed)
    eccn = _text(rows, "eccn", assessed).astype(str)
    content = (
        rows["us_content"].to_numpy(np.float64)[assessed]
        if "us_content" in rows
        else np.full(len(assessed), np.nan)
    )
    facts = SaleFacts(
        seller=seller,
        origin=np.where(origin == "", seller, origin),
        origin_given=origin != "",
        us_content=content,
        us_technology=np.select([technology == "yes", technology == "no"], [1, 0], -1),
        destination=destination,
        ear99=np.char.upper(eccn) == "EAR99",
        eccn_given=np.char.strip(eccn) != "",
    )
    status, reason = assess(facts, terms, buyer)
    return SaleReach(assessed, status, reason, facts, terms, buyer, len(rows))


def _text(rows: pd.DataFrame, name: str, positions: np.ndarray) -> np.ndarray:
    """Return a text column's values at ``positions`` (``""`` where empty or absent)."""
    if name not in rows:
        return np.full(len(positions), "", dtype=object)
    column = rows[name]
    if isinstance(column.dtype, pd.CategoricalDtype):
        text = np.asarray(column.cat.categories, dtype=object)
        codes = column.cat.codes.to_numpy()[positions]
        return np.where(codes >= 0, text[np.maximum(codes, 0)], "")
    values = column.to_numpy(dtype=object)[positions]
    return np.where(pd.isna(values), "", values).astype(object)
