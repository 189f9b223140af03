"""The review of possible matches: what is pending, what hangs on it, and recording decisions.

A customer name that is only a ``possible`` match of a listed entity (score 80 to 92) links
nothing until a person decides (:mod:`exposure.entities.decisions`). :func:`pending` lists every
such name of a result whose listed entity counts as listed on the date, with the sales that hang
on it, most revenue first; :func:`record_decisions` adds decisions to ``matches.csv`` (written
whole, atomically, its earlier lines kept as they were), which the next analysis honours.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

import numpy as np

from exposure.errors import ExposureError
from exposure.names import name_key
from exposure.read.schema import MATCHES
from exposure.result import Result
from exposure.util.atomic import write_atomic

__all__ = ["Decision", "PendingLink", "linked", "pending", "record_decisions"]


class PendingLink(TypedDict):
    """A customer name that may be a listed entity, and what hangs on it."""

    customer: str
    listed: str
    list: str
    score: float | None
    explanation: str
    line: int
    suppliers: list[str]
    revenue_shares: list[float | None]
    largest_share: float | None


@dataclass(frozen=True)
class Decision:
    """A reviewer's decision on one pair: a customer name and a listed entity's name."""

    customer: str
    listed: str
    decision: str
    note: str = ""

    @classmethod
    def parse(cls, pair: str, decision: str, note: str = "") -> Decision:
        """Read ``"CUSTOMER=LISTED"`` as a decision.

        Examples
        --------
        >>> decision = Decision.parse("Huawei Device Co. Ltd.=Huawei Technologies", "rejected")
        >>> decision.customer, decision.listed
        ('Huawei Device Co. Ltd.', 'Huawei Technologies')
        """
        customer, sep, listed = pair.partition("=")
        if not sep or not customer.strip() or not listed.strip():
            msg = (
                f"{pair!r} is not CUSTOMER=LISTED. Write the customer's name, '=', the listed name"
            )
            raise ExposureError(msg)
        return cls(customer.strip(), listed.strip(), decision, note)


def pending(result: Result) -> list[PendingLink]:
    """Return the possible matches pending review, most revenue first.

    One item per customer spelling whose name is a possible match of an entity listed on the
    result's date: the listed entity and its list, the score and why, the first line of the
    suppliers file that names it, and the suppliers that sell to it with each one's share of
    revenue in those sales (``None`` when unknown).

    Examples
    --------
    >>> from exposure import analyze, load
    >>> pending(analyze(load(), as_of="2019-10-09"))
    []
    """
    graph = result.graph
    links = graph.possible_links()
    if not len(links):
        return []
    node_of = dict(
        zip(graph.spellings["spelling"], graph.spellings["node"].astype(int), strict=True)
    )
    # The sales of every pending name at once: a few rows among millions.
    rows = graph.rows
    rows = rows[rows["customer"].isin(links["spelling"]).to_numpy()]
    sales = {str(k): v for k, v in rows.groupby(rows["customer"].astype(str), sort=False)}
    found: list[PendingLink] = []
    for spelling, listed_name, score, why, line in zip(
        links["spelling"],
        links["listed"],
        links["score"],
        links["explanation"],
        links["line"],
        strict=True,
    ):
        node = node_of[spelling]
        if not result.possible[node]:  # its listed entity is not listed on this date
            continue
        _, listing = result.possible_listing_of(node)
        mine = sales[str(spelling)]
        shares: dict[str, float | None] = {}
        for supplier, share in zip(mine["supplier"], mine["revenue_share"], strict=True):
            known = None if np.isnan(share) else float(share)
            before = shares.get(str(supplier), 0.0)
            shares[str(supplier)] = None if known is None or before is None else before + known
        known_shares = [s for s in shares.values() if s is not None]
        found.append(
            {
                "customer": str(spelling),
                "listed": str(listed_name),
                "list": str(listing["list"]),
                "score": None if np.isnan(score) else round(float(score), 1),
                "explanation": str(why),
                "line": int(line),
                "suppliers": list(shares),
                "revenue_shares": [None if s is None else round(s, 12) for s in shares.values()],
                "largest_share": round(max(known_shares), 12) if known_shares else None,
            }
        )
    found.sort(key=lambda p: (-(p["largest_share"] or -1.0), p["line"]))
    return found


def linked(result: Result) -> dict[tuple[str, str], str]:
    """Return the customer spellings linked to a listed entity by their name, to reject.

    ``(spelling, key of the listed name) -> listed name`` for each spelling an equal key or a
    confident fuzzy match links (not a review): a reviewer who finds "SenseTime Group Ltd"
    is a holding company, not the listed "Sense Time" whose key it shares, rejects the pair.

    Examples
    --------
    >>> from exposure import analyze, load
    >>> links = linked(analyze(load(), as_of="2019-10-09"))
    >>> links[("Hangzhou Hikvision Digital Technology Co., Ltd.", "hikvision")]
    'Hikvision'
    """
    graph = result.graph
    spellings = graph.spellings
    mine = spellings[spellings["match"].isin(["exact", "fuzzy"]).to_numpy()]
    entity = graph.nodes["entity"].to_numpy()
    name_of_entity = dict(zip(entity[entity >= 0].tolist(), graph.names[entity >= 0], strict=True))
    return {
        (str(spelling), name_key(name_of_entity[int(e)])): str(name_of_entity[int(e)])
        for spelling, e in zip(mine["spelling"], mine["entity"], strict=True)
        if int(e) in name_of_entity
    }


def record_decisions(
    path: str | Path,
    decisions: list[Decision],
    links: list[PendingLink],
    *,
    day: dt.date,
    inputs: tuple[Path, ...] = (),
    rejectable: dict[tuple[str, str], str] | None = None,
) -> Path:
    """Add decisions on pending possible matches to ``matches.csv``, atomically.

    Parameters
    ----------
    path
        The ``matches.csv`` to add to; made, with its header, when missing.
    decisions
        The decisions to record, in order.
    links
        The pending possible matches (:func:`pending`): each decision must name one of them,
        the customer as the suppliers file spells it and the listed entity by a name or alias
        with the same key as its listed name.
    rejectable
        Pairs a rejection may also name (:func:`linked`): names linked already.
    day
        The date written with each decision.
    inputs
        Files the result must not replace.

    Raises
    ------
    ExposureError
        When a decision names no pending possible match (the message lists them) nor, for a
        rejection, a link of ``rejectable``, or when ``matches.csv`` cannot be written.
    """
    path = Path(path)
    by_pair = {(p["customer"], name_key(p["listed"])): p["listed"] for p in links}
    for decision in decisions:
        pair = (decision.customer, name_key(decision.listed))
        if pair in by_pair:
            continue
        if decision.decision == "rejected" and pair in (rejectable or {}):
            by_pair[pair] = (rejectable or {})[pair]
            continue
        known = "; ".join(f"{p['customer']}={p['listed']}" for p in links) or "none"
        what = (
            "is neither a pending possible match nor a name linked to it"
            if decision.decision == "rejected"
            else "is no pending possible match"
        )
        msg = (
            f"{decision.customer!r} = {decision.listed!r} {what}. Pending ones "
            f"(`exposure review` lists them): {known}. To change "
            "a decision taken already, add a row for the pair to matches.csv with the new "
            "decision and a later date: the latest one counts"
        )
        raise ExposureError(msg)
    # The file is kept byte for byte (a byte-order mark too); rows follow its own header.
    text = path.read_bytes().decode("utf-8") if path.exists() else ""
    lines = text.lstrip("\ufeff").splitlines()
    header = next(csv.reader([lines[0]]), []) if lines else []
    columns = [c.strip() for c in header] if header else list(MATCHES.names)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if not header:
        writer.writerow(columns)
    elif not text.endswith(("\n", "\r")):
        buffer.write("\n")
    for decision in decisions:
        listed = by_pair[(decision.customer, name_key(decision.listed))]
        cells = {
            "customer": decision.customer,
            "listed": listed,
            "decision": decision.decision,
            "note": decision.note,
            "date": day.isoformat(),
        }
        writer.writerow([cells.get(column, "") for column in columns])
    return write_atomic(path, (text if header else "") + buffer.getvalue(), inputs=inputs)
