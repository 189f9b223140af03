"""Listed entities: which listed rows are one entity, the names it goes by, which listings count.

A listed table (``listed.csv`` as :func:`exposure.read.dataset.read_listed` reads it) holds one
row per listing. Three rules turn it into entities, and every part of exposure takes them from
here:

* **One entity per name key.** Rows whose names share a key
  (:func:`~exposure.entities.names.name_key`) are one entity with several listings
  (:func:`entity_ids`), numbered in order of first appearance.
* **Its spellings** are the names and the ``;``-separated ``alt_names`` of its rows
  (:func:`spellings`), in file order: what exact resolution
  (:class:`~exposure.entities.names.NameIndex`) and review decisions look names up in.
* **In force on a date** *d*: ``start_date <= d`` and (``end_date`` empty or ``d < end_date``)
  (:func:`in_force`): a listing counts from its start date until the day before its end date.

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

import numpy as np
import pandas as pd

from exposure.entities.names import NameIndex, name_keys

__all__ = ["entity_ids", "in_force", "name_index", "spellings"]


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


def name_index(listings: pd.DataFrame) -> NameIndex:
    """Return the exact index of the entities' names and aliases (:func:`spellings`)."""
    return NameIndex(spellings(listings))


def in_force(listings: pd.DataFrame, day: str | dt.date) -> np.ndarray:
    """Return, per listed row, whether its listing is in force on ``day``.

    A listing counts from its ``start_date`` until the day before its ``end_date`` (an empty
    end date: still in force).
    """
    when = pd.Timestamp(day)
    starts, ends = listings["start_date"], listings["end_date"]
    return ((starts <= when) & (ends.isna() | (ends > when))).to_numpy(dtype=bool)
