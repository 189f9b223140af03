"""Normalising names and resolving them to listed entities.

Two spellings name the same entity when their *keys* are equal. A key ignores case, accents,
punctuation, spacing and common legal forms, so ``"Hangzhou Hikvision Digital Technology Co.,
Ltd."`` and ``"HANGZHOU HIKVISION DIGITAL TECHNOLOGY"`` share one key. Resolution is exact on
keys: fuzzy matching is a separate, explicit step.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from exposure._errors import AmbiguousNameError

__all__ = ["LEGAL_FORMS", "NameIndex", "name_key", "name_keys", "name_tokens"]

# Legal forms and corporate designators that do not tell two entities apart. Multi-word forms
# are matched before their parts ("co ltd" before "co").
LEGAL_FORMS = frozenset(
    {
        "ag", "bv", "co", "company", "corp", "corporation", "gmbh", "group", "inc",
        "incorporated", "limited", "llc", "lp", "ltd", "nv", "oy", "plc", "pte", "pty",
        "sa", "sarl", "sas", "spa", "srl",
    }
)  # fmt: skip

_NON_WORD = re.compile(r"[^0-9a-z]+")


def name_tokens(name: str) -> list[str]:
    """Split a name into lower-case ASCII word tokens, dropping legal forms.

    Parameters
    ----------
    name
        Any company or entity name.

    Returns
    -------
    list of str
        The tokens that identify the entity, in order.

    Examples
    --------
    >>> name_tokens("Hangzhou Hikvision Digital Technology Co., Ltd.")
    ['hangzhou', 'hikvision', 'digital', 'technology']
    >>> name_tokens("Société Générale S.A.")
    ['societe', 'generale']
    """
    folded = unicodedata.normalize("NFKD", name)
    ascii_only = folded.encode("ascii", "ignore").decode("ascii").lower()
    # "S.A." and "Co.,Ltd" must become tokens, not one-letter fragments: drop dots first.
    ascii_only = ascii_only.replace(".", "").replace("&", " and ")
    tokens = [t for t in _NON_WORD.split(ascii_only) if t]
    while tokens and tokens[-1] in LEGAL_FORMS:
        tokens.pop()
    return [t for t in tokens if t not in LEGAL_FORMS] or tokens


def name_key(name: str) -> str:
    """Return the key under which a name is compared.

    The key is the concatenation of :func:`name_tokens`, so spacing does not matter either
    ("Sense Time" and "SenseTime" share a key).

    Examples
    --------
    >>> name_key("Sense Time") == name_key("SenseTime Group Ltd")
    True
    >>> name_key("Hikvision") == name_key("Hangzhou Hikvision Digital Technology Co., Ltd.")
    False
    """
    return "".join(name_tokens(name))


def name_keys(names: Iterable[str]) -> np.ndarray:
    """Return the keys of many names at once, computing each distinct name only once."""
    codes, uniques = pd.factorize(pd.Series(list(names), dtype=object), sort=False)
    keys = np.array([name_key(str(n)) for n in uniques], dtype=object)
    return keys[codes] if len(codes) else np.array([], dtype=object)


class NameIndex:
    """Resolve names to listed entities by their names and aliases.

    Parameters
    ----------
    names
        For each listed entity id, its name and aliases.

    Examples
    --------
    >>> index = NameIndex({0: ["Hikvision", "Hangzhou Hikvision Digital Technology"],
    ...                    1: ["Dahua Technology", "Dahua"]})
    >>> index.resolve("HANGZHOU HIKVISION DIGITAL TECHNOLOGY CO., LTD.")
    0
    >>> index.resolve("Ambarella") is None
    True
    """

    def __init__(self, names: Mapping[int, Iterable[str]]) -> None:
        self._entities: dict[str, set[int]] = {}
        self._spellings: dict[tuple[str, int], str] = {}
        self._labels: dict[int, str] = {}
        for entity, spellings in names.items():
            for spelling in spellings:
                key = name_key(spelling)
                if not key:
                    continue
                self._entities.setdefault(key, set()).add(entity)
                self._spellings.setdefault((key, entity), spelling)
                self._labels.setdefault(entity, spelling)

    def candidates(self, name: str) -> list[int]:
        """Return every listed entity whose name or alias shares the key of ``name``."""
        return sorted(self._entities.get(name_key(name), ()))

    def resolve(self, name: str) -> int | None:
        """Return the listed entity ``name`` denotes, or ``None`` when it denotes none.

        Raises
        ------
        AmbiguousNameError
            When the name could be two or more listed entities.
        """
        found = self.candidates(name)
        if not found:
            return None
        if len(found) > 1:
            key = name_key(name)
            both = " and ".join(
                f"{self._labels[e]!r} (as {self._spellings[(key, e)]!r})" for e in found
            )
            msg = (
                f"the name {name!r} could be {len(found)} listed entities: {both}. "
                "Use a name that only one of them carries, or remove the shared alias"
            )
            raise AmbiguousNameError(msg)
        return found[0]
