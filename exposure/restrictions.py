"""What a listing on each US screening list restricts, and whether that reaches a sale.

The US Consolidated Screening List (CSL) merges lists of three agencies, whose listings restrict
very different things. A sale to a company on the Entity List needs a licence for every item
subject to the Export Administration Regulations (EAR); a company on Treasury's Non-SDN Chinese
Military-Industrial Complex list may buy anything, but US persons may not buy its securities.
This module is the one home of that knowledge: :data:`LIST_RULES` names each list as the CSL
spells it, its code, its agency, its legal basis, what a listing restricts, and whether that
restriction reaches a company's sales of goods (``reaches_sales``).

Only listings whose list reaches sales make a buyer count as listed for exposure. The others
(an investment ban, a correspondent-account ban, a red flag that removes licence exceptions)
are reported beside the exposure as *other restrictions*, and never make a supplier exposed.
Where what a list restricts depends on the measures chosen for each listing (Nonproliferation
Sanctions), the listing is read as reaching every sale (Menu-Based Sanctions, whose measures
bind US persons, as reaching a US person's sales, assumed); where it depends on
the items (Military End-User List), as reaching every item subject to the EAR: the cautious
readings, said so in :attr:`ListRule.restricts`. A list
this table does not know (a company's own watch list, another country's list) is read the same
way (:func:`list_rule`).

Sources: the CSL's own list names (its ``source`` field); the regulations cited in
:attr:`ListRule.basis`. This is analysis, not legal advice.

Examples
--------
>>> list_rule("Entity List").reaches_sales, list_rule("CMIC").reaches_sales
(True, False)
>>> list_rule("Non-SDN Chinese Military-Industrial Complex Companies List").restricts
'purchases of publicly traded securities by US persons'
>>> list_rule("Our own watch list").reaches_sales  # unknown: the cautious reading
True
>>> [list_rule(n).code for n in ("Military End-User List", "Entity List (what-if)", "sdn")]
['MEU', 'EL', 'SDN']
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["LIST_RULES", "ListRule", "is_known_list", "list_rule", "own_rules"]


@dataclass(frozen=True)
class ListRule:
    """What a listing on one list restricts.

    Attributes
    ----------
    code
        The list's code as the CSL writes it in parentheses (``EL``, ``SDN``, ``CMIC``); empty
        for a list this table does not know.
    name
        The list's name as ``listed.csv`` gives it (and :mod:`exposure.read.csl` writes it).
    agency
        The agency that keeps the list.
    restricts
        What a listing restricts, in words.
    reach
        Which sales to a listed party the restriction reaches (see :mod:`exposure.reach`):
        ``"ear"``, those of items subject to the Export Administration Regulations;
        ``"ear_items"``, those of some such items only (the scope not assessed: counted as
        ``assumed``);
        ``"us_person"``, those by US persons, whatever the item; ``"us_person_some"``, some
        of those, which are not assessed (a US person's sale is ``assumed``); ``"every_sale"``,
        every sale
        (the cautious reading, for lists whose measures vary by listing and lists this table
        does not know); ``""``, none: the restriction is of something else.
    basis
        The legal basis, cited.
    ownership
        Which ownership rule extends the list to entities its listed parties own (``"bis"``:
        BIS's Affiliates Rule, 90 FR 47201; ``"ofac"``: OFAC's 50% rule), or ``None``.
    """

    code: str
    name: str
    agency: str
    restricts: str
    reach: str
    basis: str
    ownership: str | None = None

    @property
    def reaches_sales(self) -> bool:
        """Whether the restriction reaches some sales of goods to the listed party."""
        return bool(self.reach)

    @property
    def known(self) -> bool:
        """Whether the list is in :data:`LIST_RULES`."""
        return bool(self.code)


_EAR_ITEMS = "exports, reexports and transfers (in-country) of all items subject to the EAR"
_CAUTIOUS = "; read as reaching every sale (the cautious reading)"

#: The lists of the Consolidated Screening List, as the CSL names them.
LIST_RULES: tuple[ListRule, ...] = (
    ListRule(
        "EL", "Entity List", "Bureau of Industry and Security",
        f"{_EAR_ITEMS}, by the licence requirement each listing states",
        "ear", "15 CFR 744.11; Supplement No. 4 to part 744", "bis",
    ),
    ListRule(
        "MEU", "Military End User List", "Bureau of Industry and Security",
        "exports, reexports and transfers of the items of Supplement No. 2 to part 744; read as "
        "reaching every item subject to the EAR (the cautious reading)",
        "ear_items", "15 CFR 744.21; Supplement No. 7 to part 744", "bis",
    ),
    ListRule(
        "UVL", "Unverified List", "Bureau of Industry and Security",
        "the use of licence exceptions, and exports need the party's Unverified List statement "
        "(a red flag, no licence requirement of its own)",
        "", "15 CFR 744.15; Supplement No. 6 to part 744",
    ),
    ListRule(
        "DPL", "Denied Persons List", "Bureau of Industry and Security",
        "all export privileges: any transaction involving items subject to the EAR",
        "ear", "denial orders under 15 CFR 764.3(a)(2); Supplement No. 1 to part 764",
    ),
    ListRule(
        "SDN", "Specially Designated Nationals List", "Treasury Department (OFAC)",
        "all dealings by US persons; the party's property is blocked",
        "us_person",
        "OFAC's regulations, 31 CFR chapter V; OFAC's 50% rule (guidance of 2014-08-13)", "ofac",
    ),
    ListRule(
        "SSI", "Sectoral Sanctions Identifications List", "Treasury Department (OFAC)",
        "new debt and equity of the listed parties (Directives 1 to 3), and goods and services "
        "for deepwater, Arctic offshore and shale oil projects (Directive 4)",
        "", "Executive Order 13662 and OFAC's directives under it; 31 CFR part 589",
    ),
    ListRule(
        "FSE", "Foreign Sanctions Evaders List", "Treasury Department (OFAC)",
        "all transactions by US persons",
        "us_person", "Executive Order 13608",
    ),
    ListRule(
        "PLC", "Palestinian Legislative Council List", "Treasury Department (OFAC)",
        "transactions US financial institutions may reject (General License 4(b)); no ban on sales",
        "", "General License 4(b) under 31 CFR parts 594, 595 and 597",
    ),
    ListRule(
        "CAP", "Capta List", "Treasury Department (OFAC)",
        "correspondent and payable-through accounts in the United States",
        "", "31 CFR 561.201 and the CAPTA list (84 FR 9456, 2019)",
    ),
    ListRule(
        "NS-MBS", "Non-SDN Menu-Based Sanctions List", "Treasury Department (OFAC)",
        "the dealings of US persons that the measures chosen for each listing restrict (the "
        "directives under EO 14024 and EO 13662 of the list's entries: new debt and equity, "
        "for some entries any transaction), not assessed: a US person's sale counted as "
        "assumed, the cautious reading",
        "us_person_some", "menu-based sanctions statutes, such as CAATSA and the Iran Sanctions "
        "Act; Executive Orders 14024 and 13662 and their directives",
    ),
    ListRule(
        "CMIC", "Non-SDN Chinese Military-Industrial Complex Companies List",
        "Treasury Department (OFAC)",
        "purchases of publicly traded securities by US persons",
        "", "Executive Order 13959, as amended by Executive Order 14032; 31 CFR part 586 (OFAC's "
        "50% rule does not apply: OFAC FAQ 857)",
    ),
    ListRule(
        "ISN", "Nonproliferation Sanctions", "State Department",
        "the measures of each sanction (often the denial of export licences)" + _CAUTIOUS,
        "every_sale", "nonproliferation statutes and executive orders named in each listing",
    ),
    ListRule(
        "DTC", "ITAR Debarred", "State Department",
        "participation in exports of defense articles and services under the ITAR",
        "", "22 CFR 127.7",
    ),
)  # fmt: skip

#: Other names and codes of the lists, as users and other sources write them, beyond what
#: :func:`_key` reads as one name (an agency in front, "List" at the end, "Non-SDN"/"NS-").
_ALIASES = {
    "CAPTA": "CAP", "ITAR": "DTC",
    "Specially Designated Nationals and Blocked Persons List": "SDN",
    # OFAC's own names of its non-SDN lists (sanctions list service).
    "Correspondent Account or Payable-Through Account Sanctions List": "CAP",
    "Sectoral Sanctions Identification List": "SSI", "Sectoral Sanctions": "SSI",
    # The menu-based list's name until OFAC renamed it (the Non-SDN Iran Sanctions Act List).
    "Non-SDN Iran Sanctions Act List": "NS-MBS", "NS-ISA": "NS-MBS",
    # EO 13959 first named the CMIC list "Communist Chinese Military Companies" (NS-CCMC List,
    # 2021); EO 14032 renamed it. Not the Department of Defense's Section 1260H list.
    "Non-SDN Communist Chinese Military Companies List": "CMIC", "NS-CCMC": "CMIC",
    # The Directorate of Defense Trade Controls' name of those debarred under 22 CFR 127.7.
    "Statutorily Debarred Parties": "DTC",
}  # fmt: skip

#: Agencies written in front of a list's name ("BIS Entity List", "OFAC SDN", "Treasury's SSI
#: List"): the list's name without them is the same list.
_AGENCY = re.compile(
    r"^(?:(?:the|us|u s|united states|department of(?: the)?|dept of(?: the)?|commerce|"
    r"treasury|state|department|bis|bureau of industry and security|ofac|"
    r"office of foreign assets control|ddtc|directorate of defense trade controls) )+"
)
#: OFAC's "Non-SDN" lists, also written "NS-CMIC", "NS-MBS", "NS-PLC" or without the prefix.
_NON_SDN = re.compile(r"^(?:non sdn|ns) (?=\S)")
_LIST_WORD = re.compile(r" lists?$")


def _key(text: str) -> str:
    """Return the words of a list's name that tell the list: one key for all its spellings.

    Case, punctuation and a possessive are ignored, and so are an agency in front, a final
    "List" and OFAC's "Non-SDN"/"NS-" (a name that is nothing but those keeps them).

    Examples
    --------
    >>> [_key(n) for n in ("BIS Entity List", "OFAC's SDN", "NS-CMIC List", "Non-SDN CMIC")]
    ['entity', 'sdn', 'cmic', 'cmic']
    >>> _key("List")
    'list'
    """
    words = " ".join(re.findall(r"[a-z0-9]+", re.sub(r"['’]s\b", "", text.casefold())))
    for pattern in (_AGENCY, _LIST_WORD, _NON_SDN):
        words = pattern.sub("", words) or words
    return words


_BY_CODE = {rule.code: rule for rule in LIST_RULES}
_BY_KEY = {
    **{_key(rule.code): rule for rule in LIST_RULES},
    **{_key(rule.name): rule for rule in LIST_RULES},
    **{_key(alias): _BY_CODE[code] for alias, code in _ALIASES.items()},
}
#: Words a list's name may carry beyond the table's: a what-if's "(what-if)", an affiliate's
#: explanation, the CSL's agency after " - ".
_SUFFIX = re.compile(r"\s*(\(.*\)|\s-\s.*)$")
_CODE_IN_NAME = re.compile(r"\(([A-Za-z-]+)(?: List)?\)")
_ASIDES = re.compile(r"\([^)]*\)")


def list_rule(list_name: str, own: Mapping[str, ListRule] | None = None) -> ListRule:
    """Return what a listing on ``list_name`` restricts (a name or code, in any case).

    The CSL's full source text ("Entity List (EL) - Bureau of Industry and Security"), a name
    with words in parentheses ("Entity List (what-if)"), with its agency in front ("BIS Entity
    List", "OFAC SDN"), without "List" ("Denied Persons") and OFAC's "NS-" names ("NS-CMIC
    List") are read too. ``own``: the lists a user describes in ``lists.csv``
    (:func:`own_rules`). A list neither knows is read as restricting every sale, so that no
    exposure is missed.
    """
    text = list_name.strip()
    found = _BY_KEY.get(_key(text)) or _BY_KEY.get(_key(_SUFFIX.sub("", text)))
    bare = _ASIDES.sub(" ", _SUFFIX.sub("", text)).strip()
    if found is None and bare:
        found = _BY_KEY.get(_key(bare))
    if found is None and not _key(bare).replace("list", "").strip():
        # A code in brackets tells the list only where the words beside it tell none: the
        # "(EL)" of "EU Consolidated List (EL)" is not the Entity List's.
        code = _CODE_IN_NAME.search(text)
        found = _BY_KEY.get(_key(code.group(1))) if code else None
    if found is None and own:
        found = own.get(_key(text)) or own.get(_key(_SUFFIX.sub("", text)))
    if found is not None:
        return found
    return ListRule(
        "", text, "",
        "a list exposure's table does not know: read as restricting every sale (the cautious "
        "reading)",
        "every_sale", "",
    )  # fmt: skip


def is_known_list(list_name: str) -> bool:
    """Whether :data:`LIST_RULES` describes the list (so that ``lists.csv`` may not)."""
    return list_rule(list_name).known


def own_rules(table: pd.DataFrame | None) -> dict[str, ListRule]:
    """Return the lists a user describes in ``lists.csv``, keyed as :func:`list_rule` looks.

    Each row's ``reach`` says which sales its listings restrict (``none``: no sale: they are
    other restrictions); ``code`` is ``own`` for all, so that they count as known.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"list": ["EU Consolidated List"], "reach": ["every_sale"],
    ...     "restricts": ["asset freeze"], "agency": [""], "basis": [""], "ownership": [""],
    ...     "source": ["EU"]})
    >>> list_rule("EU consolidated list", own_rules(table)).reaches_sales
    True
    """
    if table is None:
        return {}
    rules: dict[str, ListRule] = {}
    for row in table.to_dict("records"):
        reach = "" if row["reach"] == "none" else str(row["reach"])
        rules[_key(str(row["list"]))] = ListRule(
            "own",
            str(row["list"]),
            str(row.get("agency") or ""),
            str(row["restricts"]),
            reach,
            str(row.get("basis") or ""),
            str(row.get("ownership") or "") or None,
        )
    return rules
