"""Review decisions: what a person decided about a name and a listed entity (``matches.csv``).

A ``confirmed`` decision links a customer's name to a listed entity whatever its score, and so
every spelling of the name's key (:func:`~exposure.names.name_key`: "Acme Ltd" and "ACME
Limited"); a ``rejected`` one keeps the pair from being linked or proposed again, for the name
as written only (:func:`~exposure.names.written_form`): rejecting "SenseTime Group Ltd", a
holding company, must not set aside the listed "Sense Time", whose key it shares. For one
customer as written and listed entity the latest decision counts (by ``date``, then by line).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pandas as pd

from exposure.entities.listings import NameIndex
from exposure.errors import AmbiguousNameError, DataError, Problem
from exposure.names import name_key, written_form
from exposure.read.folders import cite_parts, cite_row

__all__ = ["Decisions"]


@dataclass
class Decisions:
    """Review decisions, resolved to listed entities.

    Attributes
    ----------
    confirmed
        Customer key -> (entity, listed spelling, explanation).
    rejected
        (customer as written, entity) -> explanation.
    """

    confirmed: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    rejected: dict[tuple[str, int], str] = field(default_factory=dict)

    @classmethod
    def from_table(
        cls, matches: pd.DataFrame | None, index: NameIndex, file: str | Path = "matches.csv"
    ) -> Decisions:
        """Resolve a ``matches.csv`` table (from :func:`exposure.read.dataset.read_matches`).

        Raises
        ------
        DataError
            When a confirmed row names no listed entity, or one that two entities share, when
            one customer is confirmed as two different entities, or when two rows decide one
            pair differently on one date.
        """
        decisions = cls()
        if matches is None or not len(matches):
            return decisions
        problems: list[Problem] = []
        latest: dict[tuple[str, int], dict[str, Any]] = {}
        table = matches.assign(_order=pd.to_datetime(matches["date"], errors="coerce"))
        table = table.sort_values(["_order", "_line"], kind="stable", na_position="first")
        for row in cast(list[dict[str, Any]], table.to_dict("records")):
            line = int(row["_line"])
            try:
                entity = index.resolve(str(row["listed"]))
            except AmbiguousNameError as error:
                problems.append(
                    Problem(
                        file,
                        line,
                        "listed",
                        str(error).split(". Use")[0],
                        "write the listed entity's main name, which only it carries",
                    )
                )
                continue
            if entity is None:
                if row["decision"] == "confirmed":
                    problems.append(
                        Problem(
                            file,
                            line,
                            "listed",
                            f"{row['listed']!r} is no name or alias of a listed entity",
                            "write the listed name as the listed file gives it "
                            "(`exposure screen NAME` shows it), or remove the row",
                        )
                    )
                continue
            pair = (written_form(str(row["customer"])), entity)
            before = latest.get(pair)
            if (
                before is not None
                and before["decision"] != row["decision"]
                and before["_order"] == row["_order"]
            ):
                problems.append(
                    Problem(
                        file,
                        line,
                        "decision",
                        f"{row['customer']!r} and {row['listed']!r} are {row['decision']} here but "
                        f"{before['decision']} on line {int(before['_line'])}, on the same date",
                        "keep one decision per pair and date, or date the later one",
                    )
                )
                continue
            latest[pair] = {**row, "_entity": entity}
        for (written, entity), row in latest.items():
            when = f"{row['date'].date().isoformat()}, " if pd.notna(row["date"]) else ""
            note = f": {row['note']}" if row["note"] else ""
            cited, line = cite_row(Path(file), int(row["_line"]))
            said = f"{row['decision']} in {cited.name} line {line} ({when}{row['listed']!r}{note})"
            if row["decision"] == "rejected":
                decisions.rejected[(written, entity)] = said
                continue
            key = name_key(str(row["customer"]))
            earlier = decisions.confirmed.get(key)
            if earlier is not None and earlier[0] != entity:
                problems.append(
                    Problem(
                        file,
                        int(row["_line"]),
                        "listed",
                        f"{row['customer']!r} is confirmed as two listed entities "
                        f"({earlier[1]!r} and {row['listed']!r})",
                        "keep one confirmed row per customer; reject the other",
                    )
                )
                continue
            decisions.confirmed[key] = (entity, index.spelling(str(row["listed"]), entity), said)
        if problems:
            raise DataError(cite_parts(problems))
        return decisions
