"""Listed entities: which listed rows are one entity, the names it goes by, which listings count.

A listed table (``listed.csv`` as :func:`exposure.read.dataset.read_listed` reads it) holds one
row per listing. Three rules turn it into entities, and every part of exposure takes them from
here:

* **One entity per name key.** Rows whose names share a key
  (:func:`~exposure.names.name_key`) are one entity with several listings
  (:func:`entity_ids`), numbered in order of first appearance.
* **Its spellings** are the names and the ``;``-separated ``alt_names`` of its rows
  (:func:`spellings`), in file order: what exact resolution
  (:class:`NameIndex`) and review decisions look names up in.
* **No organisation** is an individual, a vessel or an aircraft: an entity all of whose rows
  are of those kinds (:func:`not_organisations`) is never found under a name that carries a
  legal form ("Martin PLC" is not the individual also known as "Martin"), by key or by score.
* **In force on a date** *d*: ``start_date <= d`` and (``end_date`` empty or ``d < end_date``)
  (:func:`in_force`): a listing counts from its start date until the day before its end date.
* **The listing shown** for an entity on a date (:func:`listings_in_force`,
  :func:`shown_listings`): of its listings in force, earliest first (then in file order), the
  first on a list whose restrictions reach sales, else the first; its lists are named with
  those that reach sales first. Reports and screening both take it from here.

Examples
--------
>>> import pandas as pd
>>> listed = pd.DataFrame({
...     "name": ["Huawei Technologies", "HUAWEI TECHNOLOGIES CO., LTD.", "ZTE"],
...     "alt_names": ["Huawei", "", ""],
...     "start_date": pd.to_datetime(["2019-05-16", "2020-08-20", "2018-04-15"]),
...     "end_date": pd.to_datetime([None, None, "2018-07-13"]),
... })
>>> entity_ids(listed).tolist()
[0, 0, 1]
>>> spellings(listed.assign(entity=entity_ids(listed)))[0]
['Huawei Technologies', 'Huawei', 'HUAWEI TECHNOLOGIES CO., LTD.']
>>> in_force(listed, "2019-06-01").tolist()
[True, False, False]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from exposure.entities.forms import bears_legal_form
from exposure.errors import AmbiguousNameError
from exposure.names import name_key, name_keys
from exposure.read.schema import NOT_ORGANISATION_KINDS

__all__ = [
    "NameIndex",
    "entity_ids",
    "in_force",
    "listings_in_force",
    "name_index",
    "not_organisations",
    "shown_listings",
    "spellings",
]


def entity_ids(listed: pd.DataFrame) -> np.ndarray:
    """Return the entity number of each listed row: rows whose names share a key are one.

    Examples
    --------
    >>> entity_ids(pd.DataFrame({"name": ["Huawei", "HUAWEI Co.", "ZTE"]})).tolist()
    [0, 0, 1]
    """
    keys = name_keys([str(name) for name in listed["name"]])
    return pd.factorize(pd.Series(keys, dtype=object))[0]


def spellings(listings: pd.DataFrame) -> dict[int, list[str]]:
    """Return each entity's names and aliases, in file order.

    ``listings`` holds an ``entity`` column (:func:`entity_ids`), ``name`` and ``alt_names``.
    """
    found: dict[int, list[str]] = {}
    for entity, name, aliases in zip(
        listings["entity"].tolist(), listings["name"], listings["alt_names"], strict=True
    ):
        names = found.setdefault(int(entity), [])
        names.append(str(name))
        names.extend(a.strip() for a in str(aliases).split(";") if a.strip())
    return found


def not_organisations(listings: pd.DataFrame) -> frozenset[int]:
    """Return the entities that are individuals, vessels or aircraft, by every row's ``kind``.

    ``listings`` holds an ``entity`` column (:func:`entity_ids`); without a ``kind`` column
    every entity may be an organisation.

    Examples
    --------
    >>> listed = pd.DataFrame({"entity": [0, 1, 1], "kind": ["individual", "vessel", "company"]})
    >>> sorted(not_organisations(listed))
    [0]
    """
    if "kind" not in listings.columns:
        return frozenset()
    kinds = listings["kind"].fillna("").astype(str).isin(NOT_ORGANISATION_KINDS)
    every_row = kinds.groupby(listings["entity"].to_numpy()).all()
    return frozenset(int(e) for e in every_row.index[every_row.to_numpy()])


def name_index(listings: pd.DataFrame) -> NameIndex:
    """Return the exact index of the entities' names and aliases (:func:`spellings`)."""
    return NameIndex(spellings(listings), not_organisations(listings))


def in_force(listings: pd.DataFrame, day: str | dt.date) -> np.ndarray:
    """Return, per listed row, whether its listing is in force on ``day``.

    A listing counts from its ``start_date`` until the day before its ``end_date`` (an empty
    end date: still in force).
    """
    when = pd.Timestamp(day)
    starts, ends = listings["start_date"], listings["end_date"]
    return ((starts <= when) & (ends.isna() | (ends > when))).to_numpy(dtype=bool)


def listings_in_force(listings: pd.DataFrame, day: str | dt.date | None) -> pd.DataFrame:
    """Return the listed rows in force on ``day``, earliest first, then in file order.

    ``day=None``: every row, whatever its dates.
    """
    active = listings if day is None else listings[in_force(listings, day)]
    order = ["start_date", "_line"] if "_line" in active.columns else ["start_date"]
    return active.sort_values(order, kind="stable")


def shown_listings(active: pd.DataFrame, reaches_sales: Callable[[str], bool]) -> pd.DataFrame:
    """Return, per entity, the listing its reports show, with every list it is on.

    ``active`` holds listings in force (:func:`listings_in_force`), earliest first. Per
    entity: its first listing on a list whose restrictions reach sales (``reaches_sales`` of
    the list's name), else its first; ``lists`` names its lists in force, those that reach
    sales first, and ``reaching`` says whether any does.

    Examples
    --------
    >>> active = pd.DataFrame({"entity": [0, 0, 0], "list": ["CMIC", "Entity List", "CMIC"],
    ...                        "federal_register_notice": ["", "87 FR 1", ""]})
    >>> shown = shown_listings(active, lambda name: name == "Entity List")
    >>> shown[["entity", "federal_register_notice", "lists", "reaching"]].values.tolist()
    [[0, '87 FR 1', 'Entity List; CMIC', True]]
    """
    names = active["list"].astype(str)
    reaching = names.map({n: bool(reaches_sales(n)) for n in names.unique()}).to_numpy(bool)
    order = np.lexsort((np.arange(len(active)), ~reaching))
    ranked = active.iloc[order].assign(reaching=reaching[order])
    lists = ranked.groupby("entity", sort=False)["list"].agg(
        lambda ls: "; ".join(dict.fromkeys(str(x) for x in ls))
    )
    shown = ranked.drop_duplicates("entity", keep="first").reset_index(drop=True)
    return shown.assign(lists=lists.reindex(shown["entity"]).to_numpy(dtype=object))


class NameIndex:
    """Resolve names to listed entities by their names and aliases.

    Parameters
    ----------
    names
        For each listed entity id, its name and aliases.
    not_organisation
        The entities that are individuals, vessels or aircraft (:func:`not_organisations`):
        a name that carries a legal form does not denote them.

    Examples
    --------
    >>> index = NameIndex({0: ["Hikvision", "Hangzhou Hikvision Digital Technology"],
    ...                    1: ["Dahua Technology", "Dahua"]})
    >>> index.resolve("HANGZHOU HIKVISION DIGITAL TECHNOLOGY CO., LTD.")
    0
    >>> index.resolve("Ambarella") is None
    True
    """

    def __init__(
        self, names: Mapping[int, Iterable[str]], not_organisation: Iterable[int] = ()
    ) -> None:
        self._not_organisation = frozenset(not_organisation)
        self._entities: dict[str, set[int]] = {}
        self._spellings: dict[tuple[str, int], str] = {}
        self._labels: dict[int, str] = {}
        pairs = [
            (entity, spelling) for entity, spellings in names.items() for spelling in spellings
        ]
        # Keyed at once: a list of thousands of names with their aliases takes Arrow's path.
        keys = name_keys([spelling for _, spelling in pairs]).tolist() if pairs else []
        for (entity, spelling), key in zip(pairs, keys, strict=True):
            if not key:
                continue
            self._entities.setdefault(key, set()).add(entity)
            self._spellings.setdefault((key, entity), spelling)
            self._labels.setdefault(entity, spelling)

    def keys(self) -> list[str]:
        """Return every key a listed name or alias has."""
        return list(self._entities)

    def candidates(self, name: str, *, key: str | None = None) -> list[int]:
        """Return every listed entity whose name or alias shares the key of ``name``.

        ``key``, when given, is ``name_key(name)``, already computed.

        Examples
        --------
        >>> index = NameIndex({0: ["Parviz Khaki", "Martin"], 1: ["Martin"]}, not_organisation=[0])
        >>> index.candidates("Martin"), index.candidates("Martin PLC")
        ([0, 1], [1])
        """
        found = self._entities.get(name_key(name) if key is None else key, set())
        if found & self._not_organisation and bears_legal_form(name):
            found = found - self._not_organisation
        return sorted(found)

    def spelling(self, name: str, entity: int, *, key: str | None = None) -> str:
        """Return the listed spelling (name or alias) of ``entity`` that shares the key of ``name``.

        ``key``, when given, is ``name_key(name)``, already computed.

        Examples
        --------
        >>> NameIndex({0: ["Hikvision", "Hangzhou Hikvision"]}).spelling("HANGZHOU HIKVISION", 0)
        'Hangzhou Hikvision'
        """
        key = name_key(name) if key is None else key
        return self._spellings.get((key, entity), self._labels.get(entity, name))

    def resolve(self, name: str, *, key: str | None = None) -> int | None:
        """Return the listed entity ``name`` denotes, or ``None`` when it denotes none.

        ``key``, when given, is ``name_key(name)``, already computed.

        Raises
        ------
        AmbiguousNameError
            When the name could be two or more listed entities.
        """
        key = name_key(name) if key is None else key
        found = self.candidates(name, key=key)
        if not found:
            return None
        if len(found) > 1:
            both = " and ".join(
                f"{self._labels[e]!r} (as {self._spellings[(key, e)]!r})" for e in found
            )
            msg = (
                f"the name {name!r} could be {len(found)} listed entities: {both}. "
                "Use a name that only one of them carries, or remove the shared alias"
            )
            raise AmbiguousNameError(msg)
        return found[0]
