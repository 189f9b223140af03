"""The exceptions exposure raises.

One root, :class:`ExposureError`, and a few precise subclasses. Every message names what is
wrong and how to fix it; the command line prints the message and exits with status 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "AmbiguousNameError",
    "DataError",
    "ExposureError",
    "Problem",
    "UnknownNameError",
]


class ExposureError(Exception):
    """Root of every error exposure raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file.

    Parameters
    ----------
    file
        The file the problem is in.
    line
        1-based line number in the file, or ``None`` when the problem concerns the whole file.
    column
        The column's name, or ``None`` when the problem concerns a whole row or file.
    message
        What is wrong.
    fix
        How to fix it.

    Examples
    --------
    >>> print(Problem("suppliers.csv", 4, "revenue_share", "'1.5' is over 1", "use a share in 0..1"))
    suppliers.csv, line 4, column 'revenue_share': '1.5' is over 1. Fix: use a share in 0..1.
    """

    file: str | Path
    line: int | None
    column: str | None
    message: str
    fix: str

    def __str__(self) -> str:
        where = str(self.file)
        if self.line is not None:
            where += f", line {self.line}"
        if self.column is not None:
            where += f", column {self.column!r}"
        return f"{where}: {self.message}. Fix: {self.fix}."


class DataError(ExposureError, ValueError):
    """An input file has one or more problems.

    ``problems`` holds every :class:`Problem` found, as the reader cited them; the message
    shows them all, up to a limit.
    """

    max_shown = 20

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        shown = [str(p) for p in self.problems[: self.max_shown]]
        more = len(self.problems) - len(shown)
        if more > 0:
            shown.append(
                # Written out here: the exceptions depend on nothing else in the package.
                f"... and {more} more problem{'s' if more > 1 else ''}; run `exposure validate` "
                "to list them all."
            )
        super().__init__("\n".join(shown))


class AmbiguousNameError(ExposureError, ValueError):
    """A name resolves to more than one listed entity."""


class UnknownNameError(ExposureError, KeyError):
    """A name (a supplier, an entity) is not in the data."""

    def __str__(self) -> str:
        # KeyError quotes its argument; the message reads better bare.
        return str(self.args[0]) if self.args else ""
