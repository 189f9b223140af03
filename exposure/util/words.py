"""Counts written for people: "1 sale", "2 sales"."""

from __future__ import annotations

__all__ = ["count"]


def count(n: int, noun: str, plural: str | None = None) -> str:
    """Return ``n`` and ``noun``, plural unless ``n`` is 1.

    Examples
    --------
    >>> count(1, "sale"), count(0, "listing"), count(3, "listed buyer"), count(2, "match", "matches")
    ('1 sale', '0 listings', '3 listed buyers', '2 matches')
    """
    return f"{n} {noun}" if n == 1 else f"{n} {plural or noun + 's'}"
