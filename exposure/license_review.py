"""Which licence review a listing's policy gives an item, by its ECCN.

An Entity List entry states a licence review policy (Supplement No. 4 to part 744, column
"License review policy"; 15 CFR 744.11(b)). Many are one review for every item ("Presumption
of denial."); others depend on the item's Export Control Classification Number, as the entries
of Hikvision and Dahua (84 FR 54002): "Case-by-case review for ECCNs 1A004.c, 1A004.d, 1A995,
1A999.a, 1D003, 2A983, 2D983, 2E983 and for EAR99 items described in the note to ECCN 1A995;
presumption of denial for all other items subject to the EAR." :func:`license_review` reads such
a policy and answers for one item: the review of the clause that names its ECCN (an ECCN
names its subparagraphs too: ``1A004.c`` covers ``1A004.c.1``; an ECCN given without the
subparagraph named, ``1A004``, may be in it or not: both reviews), else the review of "all other
items", else the policy's one review. With no ECCN it says which reviews are possible.

The reviews recognised (15 CFR 744.11(b) and the entries' own words): presumption of denial,
policy of denial, case-by-case review, presumption of approval. A policy in other words is
left to the reader (``None``): the listing's whole policy text is always shown beside.

Examples
--------
>>> hikvision = (
...     "Case-by-case review for ECCNs 1A004.c, 1A004.d, 1A995, 1A999.a, 1D003, 2A983, 2D983, "
...     "2E983 and for EAR99 items described in the note to ECCN 1A995; presumption of denial "
...     "for all other items subject to the EAR. No license exceptions."
... )
>>> license_review(hikvision, "1A995")
'case-by-case review (ECCN 1A995)'
>>> license_review(hikvision, "5A992.c")
'presumption of denial (ECCN 5A992.c: all other items)'
>>> print(license_review(hikvision, "1A004"))  # doctest: +NORMALIZE_WHITESPACE
case-by-case review if the item is ECCN 1A004.c or 1A004.d; otherwise presumption of denial
(ECCN 1A004 given without its subparagraph)
>>> print(license_review(hikvision, "EAR99"))  # doctest: +NORMALIZE_WHITESPACE
case-by-case review if the item is one of the EAR99 items described in the note to ECCN
1A995; otherwise presumption of denial
>>> license_review("Presumption of denial. No license exceptions.", None)
'presumption of denial'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["license_review"]

_REVIEWS = (
    ("presumption of denial", re.compile(r"presumption\s+of\s+denial", re.IGNORECASE)),
    ("policy of denial", re.compile(r"policy\s+of\s+denial", re.IGNORECASE)),
    ("case-by-case review", re.compile(r"case[\s-]+by[\s-]+case", re.IGNORECASE)),
    ("presumption of approval", re.compile(r"presumption\s+of\s+approval", re.IGNORECASE)),
)
_ECCN = re.compile(r"\b[0-9][A-E][0-9]{3}(?:\.[a-z0-9]+)*", re.IGNORECASE)
_EAR99 = re.compile(r"EAR99\s+items?\s+([^;.]*?)(?=$|;|\.\s|\band\b)", re.IGNORECASE)
_OTHERS = re.compile(r"\ball\s+other\s+items\b", re.IGNORECASE)
_EXCEPT = re.compile(r"\b(?:except|apart\s+from)\b", re.IGNORECASE)


@dataclass(frozen=True)
class _Clause:
    review: str
    eccns: tuple[str, ...]  # the ECCNs it names; empty: every item it does not leave to others
    ear99: str | None  # the EAR99 items it is for, in words ("": every EAR99 item)
    others: bool  # "all other items"


def _review_of(text: str) -> list[tuple[int, str]]:
    """Return the reviews a text names, with where each is named, in order."""
    found = [(m.start(), name) for name, rx in _REVIEWS for m in rx.finditer(text)]
    return sorted(found)


def _clauses(policy: str) -> list[_Clause]:
    """Split a policy into its reviews, each with the items it is for."""
    clauses: list[_Clause] = []
    for part in re.split(r";|\.\s+(?=[A-Z])", policy):
        reviews = _review_of(part)
        if not reviews:
            continue
        exception = _EXCEPT.search(part)
        if len(reviews) > 1 and exception is not None:
            # "Presumption of denial for all items, except X, which will be reviewed
            # case-by-case": the first review for all, the second for the exception.
            tail = part[exception.end() :]
            clauses.append(_Clause(reviews[0][1], (), None, True))
            excepted = _scoped(reviews[-1][1], tail)
            if excepted.ear99 is not None:  # "food and medicine designated as EAR99, which..."
                items = re.split(r",?\s*which\b", tail, maxsplit=1)[0].strip(" ,")
                excepted = _Clause(excepted.review, excepted.eccns, items, False)
            clauses.append(excepted)
            continue
        clauses.append(_scoped(reviews[0][1], part))
    return clauses


def _scoped(review: str, text: str) -> _Clause:
    ear99 = _EAR99.search(text)
    without_ear99 = text[: ear99.start()] + text[ear99.end() :] if ear99 else text
    eccns = tuple(m.group(0) for m in _ECCN.finditer(without_ear99))
    described = f"one of the EAR99 items {ear99.group(1).strip()}" if ear99 else None
    if described is None and re.search(r"\bEAR99\b", text):
        described = ""
    return _Clause(review, eccns, described, bool(_OTHERS.search(text)))


def _names(eccn: str, named: str) -> bool:
    """Whether a named ECCN covers the item's (itself or one of its subparagraphs)."""
    item, name = eccn.casefold(), named.casefold()
    return item == name or item.startswith(name + ".")


@lru_cache(maxsize=4096)  # a report meets the same few policies and ECCNs on every path
def license_review(policy: str | None, eccn: str | None) -> str | None:
    """Return the licence review a listing's policy gives an item of the given ECCN.

    Parameters
    ----------
    policy
        The listing's licence review policy as ``listed.csv`` gives it.
    eccn
        The item's ECCN or ``EAR99``; ``None`` or ``""`` when unknown.

    Returns
    -------
    str or None
        The review in words, with the ECCN it was read for; where the ECCN is unknown and the
        review depends on it, every review the policy gives and for what; ``None`` when the
        policy names no review this function recognises.
    """
    if not policy:
        return None
    clauses = _clauses(policy)
    if not clauses:
        return None
    reviews = list(dict.fromkeys(c.review for c in clauses))
    default = next((c for c in clauses if c.others or not (c.eccns or c.ear99 is not None)), None)
    if len(reviews) == 1:
        return reviews[0] + (f" (ECCN {eccn})" if eccn and len(clauses) > 1 else "")
    if not eccn:
        return "depends on the ECCN: " + "; ".join(_describe(c) for c in clauses)
    if eccn.upper() == "EAR99":
        for clause in clauses:
            if clause.ear99 is not None and clause is not default:
                if not clause.ear99:
                    return f"{clause.review} (EAR99)"
                otherwise = f"; otherwise {default.review}" if default is not None else ""
                return f"{clause.review} if the item is {clause.ear99}{otherwise}"
    else:
        for clause in clauses:
            if any(_names(eccn, named) for named in clause.eccns):
                return f"{clause.review} (ECCN {eccn})"
        # An ECCN given without the subparagraph the policy names ("1A004" for "1A004.c") may
        # be in it or not: both reviews, and for what.
        for clause in clauses:
            finer = [named for named in clause.eccns if _names(named, eccn)]
            if finer and clause is not default:
                otherwise = f"; otherwise {default.review}" if default is not None else ""
                return (
                    f"{clause.review} if the item is ECCN {' or '.join(finer)}{otherwise} "
                    f"(ECCN {eccn} given without its subparagraph)"
                )
    if default is None:
        return None
    return f"{default.review} (ECCN {eccn}: all other items)"


def _describe(clause: _Clause) -> str:
    items = [f"ECCNs {', '.join(clause.eccns)}"] if clause.eccns else []
    if clause.ear99:
        items.append(clause.ear99.removeprefix("one of the "))
    elif clause.ear99 == "":
        items.append("EAR99 items")
    if not items:
        items.append("all other items" if clause.others else "all items")
    elif clause.others:
        items.append("all other items")
    return f"{clause.review} for {' and '.join(items)}"
