"""Matching names that are not spelled like the list: scores, outcomes and review decisions.

Exact resolution (:class:`~exposure.entities.listings.NameIndex`) links a name to a listed entity when their
keys are equal. A :class:`Matcher` goes further, the way screening tools do, and scores every
listed name and alias that could be meant. Its contract:

* **Normal forms.** Both sides are folded to lower-case ASCII (accents dropped, other scripts
  transliterated), legal forms in English and pinyin are dropped
  (:func:`~exposure.names.name_tokens`) and leading or trailing Chinese place names are set
  aside (:func:`~exposure.names.split_place`). What is left is the *core*; the core without
  generic words ("technology", "electronics", ...) is the *distinctive* part
  (:func:`~exposure.names.distinctive_tokens`).
* **Score** (0 to 100): the mean of two :mod:`rapidfuzz` ``ratio`` scores, on the cores and on
  the distinctive parts, each with its words sorted and run together, so that neither word order
  nor spacing counts ("Sense Time" = "SenseTime"). Two names with the *same distinctive words*
  and other descriptors score at least :data:`SAME_WORDS_SCORE`; a name whose distinctive words
  are all *contained* in the other's scores at least :data:`CONTAINED_SCORE`. Both floors need
  a *rare* word among the words shared, one less common in English and Spanish than
  :data:`~exposure.entities.forms.COMMON_FROM`
  (word frequencies from :mod:`wordfreq`): a brand ("Huawei") carries them, a common word or a
  surname ("Semiconductor", "Marine", "Gomez") alone does not. Two names whose distinctive
  words sound alike word for word (metaphones) and are spelt alike to
  :data:`SOUNDS_ALIKE_RATIO` score at least :data:`NEAR_SAME_SCORE` ("Filips", "Philips"),
  when the name holds a rare word.
  A name written as an acronym of the listed name's words ("CRCC", "C.N.O.O.C."), or written
  out where the list gives the acronym ("International Business Machines", "IBM"), scores at
  least :data:`ACRONYM_SCORE`.
* **Evidence against.** When both countries are known and differ (CN, HK and MO count as one;
  addresses in the :data:`OFFSHORE` registries count as none), :data:`COUNTRY_PENALTY` is
  subtracted; when both names hold place names and none is shared (a city counts as in its
  province, :data:`~exposure.names.PROVINCE_OF`), :data:`PLACE_PENALTY`, and the same when
  both name countries and none is shared ("Bank of Chad", "Bank of China"), or compass points
  and none is shared (:data:`COMPASS_POINTS`: "Bank of the West", "Bank of the East"); when both hold
  numbers and they differ, :data:`NUMBER_PENALTY`; when only one does,
  :data:`NUMBER_ALONE_PENALTY`; when both name an administrative level and the levels differ
  (a city's bureau, a prefecture's: :data:`ADMINISTRATIVE_LEVELS`), or compass points that
  differ in part ("Southeast", "Southwest"), it scores at most :data:`LEVEL_CAP`.
* **Outcome.** ``match`` from :data:`MATCH_THRESHOLD`, ``possible`` (needs review) from
  :data:`POSSIBLE_THRESHOLD`, ``none`` below. Equal keys are a ``match`` with score 100.
* **Review decisions** (``matches.csv``: customer, listed, decision, note, date) come last: a
  ``rejected`` pair is never proposed again, a ``confirmed`` one is the outcome ``confirmed``
  whatever its score. For one customer and listed entity the latest decision counts.

Candidates are found by *blocking*: a listed spelling is scored only when it shares with the
name a distinctive word, the first three letters of a word the list does not know (a typo), a
word's sound, an acronym, the first four letters of the name run together (when its first word
is short: "Hua Wei"), or the whole key; a word shared by more than :data:`BLOCK_CAP` listed
spellings (or 0.5% of them) is too common to block on, unless the name has no rarer one, or
its rarer keys leave room (a name meets at most twice as many listed spellings through such
keys, the rarest first: "Gazporm" meets the 66 CSL spellings of "gazprom" through the key
"gazprm" they share), or it is the rarest of the name's rare words and the list knows them
all ("huawei" of "Huawei USA": the name's other words are no evidence). The work is
hash lookups, sparse matrix products and a few vectorised :func:`rapidfuzz.process.cpdist`
calls per chunk of names, so it grows with the number of candidate pairs, never with (names x
listed names).

Examples
--------
>>> import pandas as pd
>>> listed = pd.DataFrame({"name": ["Dahua Technology", "DAHUA ELECTRONICS CORPORATION"],
...                        "alt_names": ["Zhejiang Dahua Technology", ""],
...                        "country": ["CN", "US"], "list": ["Entity List", "Denied Persons List"]})
>>> found = Matcher(listed).match(["Zhejiang Dahua Technology Co., Ltd."], countries=["CN"])
>>> found.loc[0, "outcome"], float(found.loc[0, "score"]), found.loc[0, "listed"]
('match', 100.0, 'Dahua Technology')
>>> trap = Matcher(listed.iloc[[1]]).match(["Zhejiang Dahua Technology"], countries=["CN"])
>>> trap.loc[0, "outcome"]
'none'
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
from scipy import sparse

from exposure.entities.decisions import Decisions
from exposure.entities.forms import (
    CUT_OFF_AT_FROM,
    NameFormsTable,
    deletions,
    in_care_of,
    is_rare_word,
    names_in_brackets,
    names_other_country,
    names_own_country,
    parties,
    rare_words,
    script_parts,
    unescaped,
    without_address,
    without_brackets,
    without_branch,
    without_care_of,
    without_cut_form,
    without_glued_forms,
    word_sound,
)
from exposure.entities.listings import NameIndex, entity_ids, not_organisations
from exposure.names import (
    GENERIC_WORDS,
    PROVINCE_OF,
    name_key,
    written_form,
)
from exposure.read.csl import address_countries
from exposure.util.progress import advance, extend
from exposure.util.workers import available_cores, in_processes

__all__ = [
    "ACRONYM_SCORE",
    "ADMINISTRATIVE_LEVELS",
    "BLOCK_CAP",
    "BRANCH_ABROAD_CAP",
    "COMPASS_POINTS",
    "CONTAINED_SCORE",
    "COUNTRY_PENALTY",
    "LEVEL_CAP",
    "MATCH_THRESHOLD",
    "NUMBER_ALONE_PENALTY",
    "NUMBER_PENALTY",
    "OFFSHORE",
    "OUTCOMES",
    "PLACE_PENALTY",
    "POSSIBLE_THRESHOLD",
    "REPORT_FLOOR",
    "SAME_WORDS_SCORE",
    "SOUNDS_ALIKE_RATIO",
    "SPECIAL_REGIONS",
    "Matcher",
]

#: From this score on, a name is a confident match.
MATCH_THRESHOLD = 92.0
#: From this score on (and below :data:`MATCH_THRESHOLD`), a name is a possible match that needs
#: review; below it, no match.
POSSIBLE_THRESHOLD = 80.0
#: Least score of two names with the same distinctive words ("Dahua" in "Dahua Technology" and
#: "Dahua Electronics"): a possible match, never a confident one on the name alone.
SAME_WORDS_SCORE = 88.0
#: Least score of a name whose distinctive words all appear in the other ("Megvii" in "Megvii
#: Technology Limited", "Huawei" in "Huawei Device").
CONTAINED_SCORE = 82.0
#: Least score of two names whose distinctive words differ by a typo only (a ratio of at least
#: :data:`NEAR_SAME_RATIO`, as "Hikvison" and "Hikvision"): a possible match, for review.
NEAR_SAME_SCORE = 82.0
NEAR_SAME_RATIO = 90.0
#: The most a party named after "c/o" scores (:func:`~exposure.entities.forms.in_care_of`): the
#: goods go in its care, but the customer is another, so it is a possible match at most.
CARE_OF_CAP = 88.0
#: A name whose letters (:func:`_whole_run`) start a listed spelling's, this many at least, is
#: that name cut off at a field's width (trade records' party names are often 35 characters
#: long at most): a possible match, at least :data:`NEAR_SAME_SCORE`.
CUT_OFF_FROM = 20
#: Distinctive words that differ by two neighbouring letters swapped are near the same too, from
#: this ratio (one swap in a word of four letters gives 75).
SWAPPED_FROM = 70.0
#: Two names whose distinctive words sound alike, word for word, and are spelt alike to this
#: ratio at least ("Filips" and "Philips") score at least :data:`NEAR_SAME_SCORE`: many words
#: that sound alike are spelt apart and are others ("Kaster" and "Costar").
SOUNDS_ALIKE_RATIO = 70.0
#: Least score of a name written as an acronym of the listed name's words ("CRCC" and "China
#: Railway Construction Corporation", "UWSA" and "United Wa State Army"): a possible match,
#: never a confident one, as letters alone name many bodies.
ACRONYM_SCORE = 80.0
#: Subtracted when both countries are known and differ.
COUNTRY_PENALTY = 15.0
#: The most a name scores that names its own country or region beside a listed name
#: ("Hikvision Europe B.V.", in the Netherlands; :func:`~exposure.entities.forms.names_own_country`):
#: by its name the listed company's branch abroad, so a possible match whatever the countries,
#: never a confident one. Whether it is restricted too depends on who owns it (the BIS
#: Affiliates Rule, 90 FR 47201, and OFAC's 50% rule: :mod:`exposure.ownership`).
BRANCH_ABROAD_CAP = 88.0
#: Subtracted when both names start with a place name and the places differ.
PLACE_PENALTY = 25.0
#: The administrative level each word names, in the English of the lists: "Aksu District" (阿克苏
#: 地区) is a prefecture, "Aksu City" (阿克苏市) a city within it, and their bureaus are two.
ADMINISTRATIVE_LEVELS = {
    "city": "city", "municipal": "city", "municipality": "city", "county": "county",
    "prefecture": "prefecture", "district": "prefecture", "province": "province",
    "provincial": "province", "region": "province",
}  # fmt: skip
#: Most a name scores when both names say which administrative level their body is of, and the
#: levels differ: the bureau of a city is not the listed bureau of its prefecture, nor the
#: other way round, but one to review.
LEVEL_CAP = 85.0
#: The compass point each word names. Two names that each name one and share none are two
#: bodies of two parts of a place ("Bank of the West", "Bank of the East"): as for other places,
#: :data:`PLACE_PENALTY` is subtracted. Points that differ in part ("Southeast", "Southwest")
#: score at most :data:`LEVEL_CAP`: one to review, never a confident match.
COMPASS_POINTS = {
    "north": "north", "northern": "north", "south": "south", "southern": "south",
    "east": "east", "eastern": "east", "west": "west", "western": "west",
    "northeast": "north east", "northeastern": "north east", "northwest": "north west",
    "northwestern": "north west", "southeast": "south east", "southeastern": "south east",
    "southwest": "south west", "southwestern": "south west",
}  # fmt: skip
#: China's special administrative regions by the words that name them, as a name's place or
#: word ("Hikvision Hong Kong Limited", 华为技术（香港）, "(HK)"): each has a registry of companies
#: of its own, so a company named for one is no listed company of the mainland, nor the other
#: way round, but a subsidiary or branch to review (:data:`BRANCH_ABROAD_CAP` at most). Other
#: Chinese places a name starts or ends with are set aside: they say where it was registered.
SPECIAL_REGIONS = {
    "hongkong": "Hong Kong", "hk": "Hong Kong", "xianggang": "Hong Kong", "macau": "Macau",
    "macao": "Macau", "aomen": "Macau",
}  # fmt: skip
_REGION_OF_COUNTRY = {"HK": "Hong Kong", "MO": "Macau"}
#: Subtracted when both names hold numbers and the numbers differ ("54th Research Institute",
#: "14th Research Institute").
NUMBER_PENALTY = 25.0
#: Subtracted when one name holds a number and the other none ("Bowne Global Solutions II" and
#: "Bowne Global Solutions" are two companies): a confident match becomes one to review.
NUMBER_ALONE_PENALTY = 10.0

#: The outcomes, most certain first.
OUTCOMES = ("confirmed", "match", "possible", "none")
DECISIONS = ("confirmed", "rejected")

# Countries that count as one for the evidence of country: listings give Hong Kong and Macau
# addresses for mainland companies and the other way round.
_SAME_COUNTRY = {"HK": "CN", "MO": "CN"}
#: Registries where holding companies are incorporated (Cayman Islands, British Virgin Islands,
#: Bermuda): a listed address there says nothing about where the business is.
OFFSHORE = frozenset({"KY", "VG", "BM"})
_STOP = frozenset({"and", "of", "the", "for"})
#: Single letters joined by "and" ("m and p", from "M&P"), as :func:`_blocks` runs them together.
_LETTERS_AND_LETTERS = re.compile(r"(?<!\w)(\w) and (\w)(?!\w)")
#: A blocking key shared by more listed spellings than this (or than 0.5% of them) is too common
#: to find candidates by, unless a name has no rarer one or its rarer keys leave room for it
#: (twice this many listed spellings a name).
BLOCK_CAP = 10
#: Words this long or longer are looked up with one letter left out anywhere: shorter words one
#: letter apart are mostly other names ("Costa" and "Costar", "Sales" and "Saleh").
TYPO_FROM = 6
#: Candidates scoring below this are not reported (a name with none has outcome ``none``).
REPORT_FLOOR = 50.0
_CHUNK = 50_000
#: From this many names, matching is spread over the machine's cores
#: (:func:`~exposure.util.workers.in_processes`): a name takes about 0.1 ms, so 2,000 take
#: several times what starting the worker processes does (about 25 ms, forked).
_PARALLEL_FROM = 2_000
#: How many lists stay prepared in memory (their spellings' normal forms, index and blocks).
PREPARED_LISTS = 4
_PREPARED: dict[str, dict[str, Any]] = {}
#: The columns of the listed rows that the prepared side of a :class:`Matcher` depends on.
_PREPARED_FROM = ("entity", "name", "alt_names", "country", "list", "addresses", "kind")

RESULT_COLUMNS = [
    "name", "country", "rank", "outcome", "method", "score", "entity", "listed", "matched_as", "list",
    "listed_country", "name_form", "listed_form", "explanation",
]  # fmt: skip


def _fingerprint(listings: pd.DataFrame) -> str:
    """Return a digest of what a :class:`Matcher` prepares from the listed rows."""
    columns = [c for c in _PREPARED_FROM if c in listings.columns]
    hashed = pd.util.hash_pandas_object(listings[columns].astype(str), index=False)
    return f"{columns}:{len(listings)}:{hashlib.sha256(hashed.to_numpy().tobytes()).hexdigest()}"


def _places(text: str) -> set[str]:
    """Return the places of a name and the provinces of its cities ("hangzhou": "zhejiang")."""
    places = set(text.split())
    return places | {PROVINCE_OF[p] for p in places if p in PROVINCE_OF}


def _region(code: str) -> str:
    code = code.strip().upper()
    return _SAME_COUNTRY.get(code, code)


def _listed_countries(listings: pd.DataFrame) -> pd.DataFrame:
    """One row per (entity, country) from ``country`` and the countries of ``addresses``."""
    entities = listings["entity"].to_numpy()
    pairs = [(int(e), str(c)) for e, c in zip(entities, listings["country"], strict=True)]
    if "addresses" in listings.columns:
        for entity, addresses in zip(entities, listings["addresses"], strict=True):
            if addresses:
                pairs.extend((int(entity), c) for c in address_countries(str(addresses).split(";")))
    table = pd.DataFrame(pairs, columns=["entity", "country"])
    table = table[table["country"].str.len() == 2]
    return table.assign(country=table["country"].str.upper()).drop_duplicates(ignore_index=True)


class Matcher:
    """Score names against the names and aliases of listed entities.

    Parameters
    ----------
    listed
        Listed rows (the ``listed.csv`` schema): ``name``, ``alt_names``, ``country``, ``list``;
        ``addresses`` when present adds the countries of the addresses; ``entity`` when present
        numbers the entities (otherwise :func:`entity_ids` does).
    decisions
        Review decisions (``matches.csv`` as :func:`exposure.read.dataset.read_matches` reads it), or
        already resolved :class:`Decisions`.
    decisions_file
        The decisions' file, named in errors.
    match_threshold, possible_threshold
        The outcome thresholds; default :data:`MATCH_THRESHOLD` and :data:`POSSIBLE_THRESHOLD`.

    Attributes
    ----------
    listings : pandas.DataFrame
        The listed rows, each with its ``entity`` number, as the matcher numbers them.

    Examples
    --------
    >>> listed = pd.DataFrame({"name": ["Sense Time"], "alt_names": ["SenseTime Group Ltd"],
    ...                        "country": ["CN"], "list": ["Entity List"]})
    >>> row = Matcher(listed).match(["Sensetime Group Limited"]).iloc[0]
    >>> row["outcome"], row["method"], row["matched_as"]
    ('match', 'exact', 'Sense Time')
    >>> Matcher(listed).match(["Beijing SenseTime Technology Development"]).loc[0, "outcome"]
    'possible'
    """

    def __init__(
        self,
        listed: pd.DataFrame,
        *,
        decisions: pd.DataFrame | Decisions | None = None,
        decisions_file: str | Path = "matches.csv",
        match_threshold: float = MATCH_THRESHOLD,
        possible_threshold: float = POSSIBLE_THRESHOLD,
    ) -> None:
        listings = listed.reset_index(drop=True)
        for column in ("alt_names", "country", "list"):
            if column not in listings.columns:
                listings[column] = ""
        # Entities are numbered by name (:func:`entity_ids`), which the fingerprint covers: a
        # list prepared before keeps its numbers.
        fingerprint = _fingerprint(listings)
        prepared = _PREPARED.pop(fingerprint, None)
        if prepared is None:
            if "entity" not in listings.columns:
                listings["entity"] = entity_ids(listings)
            self._entity_of_row = listings["entity"].to_numpy()
            self._prepare(listings)
            prepared = {k: v for k, v in vars(self).items() if k.startswith("_")}
        else:
            vars(self).update(prepared)
            if "entity" not in listings.columns:
                listings["entity"] = self._entity_of_row
        self.listings = listings
        # The most recently used lists stay prepared, so that screening names in batches
        # against one list prepares its spellings once.
        _PREPARED[fingerprint] = prepared
        while len(_PREPARED) > PREPARED_LISTS:
            del _PREPARED[next(iter(_PREPARED))]
        self.match_threshold = float(match_threshold)
        self.possible_threshold = float(possible_threshold)

        if isinstance(decisions, Decisions):
            self.decisions = decisions
        else:
            self.decisions = Decisions.from_table(decisions, self._index, decisions_file)

    def _prepare(self, listings: pd.DataFrame) -> None:
        """Prepare the listed side: normal forms, the exact index, blocks and evidence."""
        # One row per distinct (entity, key) among the names and aliases.
        entity_of: list[int] = []
        text: list[str] = []
        kind: list[str] = []
        compared: list[str] = []  # the text whose forms are compared
        for entity, name, aliases in zip(
            listings["entity"].to_numpy(),
            listings["name"].to_numpy(dtype=object),
            listings["alt_names"].to_numpy(dtype=object),
            strict=True,
        ):
            written = [(str(name).strip(), "name")]
            written += [(a.strip(), "alias") for a in str(aliases).split(";") if a.strip()]
            for spelling, of_kind in written:
                entity_of.append(int(entity))
                text.append(spelling)
                kind.append(of_kind)
                compared.append(spelling)
                # "HK P&W Industry Co. Ltd (HKPW)" is also compared as a customer writes it,
                # and a name given in brackets ("f.k.a. ...") as one of the body's.
                others = [
                    (name, f"{of_kind}'s other name in brackets")
                    for name in names_in_brackets(spelling)
                ]
                if bare := without_brackets(spelling):
                    others.insert(0, (bare, f"{of_kind} without its asides in brackets"))
                others += [
                    (part, f"{of_kind}'s part in one script") for part in script_parts(spelling)
                ]
                if body := without_branch(spelling):
                    others.append((body, f"{of_kind} without its branch"))
                if party := without_care_of(spelling):
                    others.append((party, f"{of_kind}'s party before c/o"))
                for other, other_kind in others:
                    entity_of.append(int(entity))
                    text.append(spelling)
                    kind.append(other_kind)
                    compared.append(other)
        forms = NameFormsTable.of(compared)
        keep = forms.key != ""
        seen: set[tuple[int, str]] = set()
        for i in np.flatnonzero(keep):
            pair = (entity_of[i], forms.key[i])
            keep[i] = pair not in seen
            seen.add(pair)
        rows = np.flatnonzero(keep)
        self._forms = forms.take(rows)
        self._entity = np.asarray(entity_of, dtype=np.int64)[rows]
        self._spelling = np.asarray(text, dtype=object)[rows]
        self._kind = np.asarray(kind, dtype=object)[rows]
        spellings: dict[int, list[str]] = {}
        for entity, spelling in zip(self._entity.tolist(), self._spelling.tolist(), strict=True):
            spellings.setdefault(entity, []).append(spelling)
        persons = not_organisations(listings)
        self._index = NameIndex(spellings, persons)
        self._rows_of_key = _rows_of(self._forms.key)

        # The entities: display name, lists, countries.
        first = listings.drop_duplicates("entity")
        n_entities = int(listings["entity"].max()) + 1 if len(listings) else 0
        self._listed = np.full(n_entities, "", dtype=object)
        self._listed[first["entity"].to_numpy()] = first["name"].astype(str).to_numpy(dtype=object)
        self._lists = np.full(n_entities, "", dtype=object)
        lists: dict[int, dict[str, None]] = {}
        for entity, name in zip(
            listings["entity"].tolist(), listings["list"].astype(str).tolist(), strict=True
        ):
            if name:
                lists.setdefault(int(entity), {})[name] = None
        for entity, names in lists.items():
            self._lists[entity] = "; ".join(names)
        countries = _listed_countries(listings)
        self._listed_country = np.full(n_entities, "", dtype=object)
        for entity, codes in countries.groupby("entity")["country"]:
            self._listed_country[int(cast(int, entity))] = "; ".join(sorted(set(codes)))
        # Evidence: regions (HK and MO count as CN); offshore registries are no evidence.
        evidence = countries.assign(country=[_region(c) for c in countries["country"]])
        evidence = evidence[~evidence["country"].isin(OFFSHORE)].drop_duplicates()
        self._country_codes = {c: i for i, c in enumerate(sorted(set(evidence["country"])))}
        self._entity_country = np.unique(
            evidence["entity"].to_numpy(np.int64) * (len(self._country_codes) + 1)
            + np.array([self._country_codes[c] for c in evidence["country"]], dtype=np.int64)
        )
        self._not_organisation = np.zeros(n_entities, dtype=bool)
        self._not_organisation[list(persons)] = True
        self._has_country = np.zeros(n_entities, dtype=bool)
        self._has_country[evidence["entity"].to_numpy(np.int64)] = True

        self._shown = self._forms.shown()
        self._core_run = _run_together(self._forms.core)
        self._whole_run = _whole_run(self._forms)
        self._whole_start = _starts(self._whole_run)
        self._letters = _letters(self._spelling)
        self._letters_start = _starts(self._letters)
        self._rows_of_start = _rows_of(self._letters_start, skip_empty=True)
        self._rows_of_letters = _rows_of(self._letters, skip_empty=True)
        self._distinct_run = _run_together(self._forms.distinct)
        self._core_words = _word_counts(self._forms.core)
        self._distinct_words = _word_counts(self._forms.distinct)
        self._rare = rare_words(self._forms.distinct)
        self._rare_body = rare_words(self._forms.distinct, countries=False)
        self._levels = _words_named(self._forms.core, ADMINISTRATIVE_LEVELS)
        self._compass = _words_named(self._forms.core, COMPASS_POINTS)
        self._special_region = _special_regions(self._forms)
        # The regions an entity is listed in: a name of one of them is its own name there.
        self._listed_regions = np.array(
            [_regions_of_countries(codes) for codes in self._listed_country.tolist()],
            dtype=object,
        )

        # The distinctive words of each listed spelling, as a sparse incidence matrix.
        self._vocabulary: dict[str, int] = {}
        for words in self._forms.distinct.tolist():
            for word in words.split():
                self._vocabulary.setdefault(word, len(self._vocabulary))
        self._incidence = _incidence(self._forms.distinct, self._vocabulary)

        # The blocking index: block id -> listed rows, as sorted arrays.
        self._words = {t for core in self._forms.core.tolist() for t in core.split()}
        block_row, block_text = _blocks(self._forms, known_words=None)
        # A name written as an acronym finds the spellings whose initials it is.
        by_initials = [
            (r, f"a:{a}") for r, i in enumerate(self._forms.initials.tolist()) for a in i.split()
        ]
        if by_initials:
            block_row = np.concatenate([block_row, [r for r, _ in by_initials]]).astype(np.int64)
            block_text = [*block_text, *(a for _, a in by_initials)]
        # Each key's id is its place among the distinct keys, in order of first appearance.
        ids, keys = pd.factorize(np.asarray(block_text, dtype=object), sort=False)
        ids = ids.astype(np.int64)
        self._block_id = pd.Index(keys)
        self._block_of = {key: i for i, key in enumerate(keys.tolist())}
        order = np.argsort(ids, kind="stable")
        self._block_rows = block_row[order]
        self._block_count = np.bincount(ids, minlength=len(self._block_id))
        self._block_start = np.concatenate([[0], np.cumsum(self._block_count)[:-1]]).astype(
            np.int64
        )
        self._cap = max(BLOCK_CAP, len(rows) // 200)

    @property
    def index(self) -> NameIndex:
        """The exact index of the listed names and aliases."""
        return self._index

    def match(
        self,
        names: Sequence[str],
        countries: Sequence[str] | None = None,
        *,
        limit: int = 1,
        explain: str = "all",
    ) -> pd.DataFrame:
        """Match names to listed entities.

        Parameters
        ----------
        names
            The names to match (customers, counterparties).
        countries
            Their ISO country codes (empty when unknown), as evidence.
        limit
            How many candidates to return per name, best first.
        explain
            ``all``: explain every candidate; ``flagged``: only ``confirmed``, ``match`` and
            ``possible`` ones (faster on millions of names; the others get a short note).
            From 20,000 distinct names, chunks of them are matched on every core of the
            machine (:func:`~exposure.util.workers.in_processes`); the answers are the same.

        Returns
        -------
        pandas.DataFrame
            ``limit`` rows at most per name, in the order of ``names`` (a name with no candidate
            has one row, outcome ``none``): ``name``, ``country``, ``rank`` (0 for the best
            candidate of its name), ``outcome`` (``confirmed``,
            ``match``, ``possible``, ``none``), ``method`` (``exact``, ``fuzzy``, ``review`` or
            empty), ``score`` (0 to 100, ``NaN`` without a candidate), ``entity`` (-1 without
            one), ``listed`` (the entity's name), ``matched_as`` (the listed name or alias that
            matched), ``list``, ``listed_country``, ``name_form``, ``listed_form`` (the normal
            forms compared) and ``explanation``.
        """
        names = [str(n) for n in names]
        given = [str(c).strip().upper() if c is not None else "" for c in countries or ()]
        if given and len(given) != len(names):
            msg = f"{len(names)} names but {len(given)} countries"
            raise ValueError(msg)
        given = given or [""] * len(names)
        pairs = [f"{n}\x00{c}" for n, c in zip(names, given, strict=True)]
        codes, uniques = pd.factorize(np.asarray(pairs, dtype=object), sort=False)
        first = np.zeros(len(uniques), dtype=np.int64)
        first[codes[::-1]] = np.arange(len(codes))[::-1]
        unique_names = [names[i] for i in first]
        unique_countries = [given[i] for i in first]
        parts = []
        # Each name's answer is its own, so chunks of names are matched on every core (a
        # name's forms are computed in Python, one at a time), in about equal parts.
        n_chunks = -(-len(unique_names) // _CHUNK)
        if len(unique_names) >= _PARALLEL_FROM:
            cores = available_cores()
            n_chunks = -(-n_chunks // cores) * cores
        size = -(-len(unique_names) // max(n_chunks, 1))
        starts = range(0, len(unique_names), size) if unique_names else range(0)
        if len(starts) > 1:
            extend(len(starts))
        chunks = [
            (unique_names[start : start + size], unique_countries[start : start + size])
            for start in starts
        ]
        found_parts = in_processes(
            lambda chunk: self._match_chunk(chunk[0], chunk[1], limit, explain), chunks
        )
        for start, part in zip(starts, found_parts, strict=True):
            part["query"] += start
            parts.append(part)
            if len(starts) > 1:
                done = min(start + size, len(unique_names))
                advance(f"fuzzy matching: {done:,} of {len(unique_names):,} names")
        found = pd.concat(parts, ignore_index=True) if parts else _empty_result()
        position = pd.DataFrame({"query": codes, "order": np.arange(len(codes))})
        result = position.merge(found, on="query", how="left")
        result = result.sort_values(["order", "rank"], kind="stable", ignore_index=True)
        order = result["order"].to_numpy()
        result["name"] = np.asarray(names, dtype=object)[order]
        result["country"] = np.asarray(given, dtype=object)[order]
        return result[RESULT_COLUMNS]

    # -- internals -----------------------------------------------------------------------------

    def candidate_pairs(
        self, names: Sequence[str], forms: NameFormsTable, letters: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (query, listed row) that share a blocking key or the whole key.

        ``forms`` are those of ``names``. ``letters``, when given, are the names' letters as
        written (:func:`_letters`): a name whose letters are a listed spelling's (run
        together), or start them (cut off at a field's width), is a candidate too.
        """
        query, block = _query_blocks(forms, self._words, self._block_of)
        count = self._block_count[block]
        # Keys shared by too many listed names are left out, unless a name has no other, or its
        # rarer keys leave room: a name is compared with at most twice the cap's listed
        # spellings through such keys, the rarest first.
        small = count <= self._cap
        kept = small.copy()
        common = np.flatnonzero(~small)
        if len(common):
            room = 2 * self._cap - np.bincount(
                query[small], weights=count[small], minlength=len(forms.key)
            )
            common = common[np.lexsort((block[common], count[common], query[common]))]
            of, counted = query[common], count[common]
            first = np.concatenate([[True], of[1:] != of[:-1]])
            running = np.cumsum(counted)
            starts = np.flatnonzero(first)
            within = running - np.repeat(
                running[starts] - counted[starts], np.diff([*starts, len(of)])
            )
            alone = ~np.isin(of, query[small])
            rarest = counted == np.repeat(counted[starts], np.diff([*starts, len(of)]))
            kept[common] = (within <= room[of]) | (alone & rarest)
        query, block = query[kept], block[kept]
        query, block = self._with_known_brand(forms, query, block)
        count = self._block_count[block]
        total = int(count.sum())
        offsets = np.repeat(self._block_start[block] - np.cumsum(count) + count, count)
        pair_query = np.repeat(query, count)
        pair_row = self._block_rows[offsets + np.arange(total)] if total else offsets
        same = [
            (q, r)
            for q, key in enumerate(forms.key.tolist())
            for r in self._rows_of_key.get(key, ())
        ]
        if letters is not None:
            same += [
                (q, r)
                for q, start in enumerate(_starts(letters).tolist())
                if start
                for r in self._rows_of_start.get(start, ())
            ]
            same += [
                (q, r)
                for q, written in enumerate(letters.tolist())
                for r in self._rows_of_letters.get(written, ())
            ]
        if same:
            same_q, same_r = np.asarray(same, dtype=np.int64).T
            pair_query = np.concatenate([pair_query, same_q])
            pair_row = np.concatenate([pair_row, same_r])
        # A name with a legal form is no individual's, vessel's or aircraft's: told only of
        # the names met with one.
        persons = self._not_organisation[self._entity[pair_row]]
        if persons.any():
            asked = np.unique(pair_query[persons])
            organisations = asked[forms.organisation[asked]]
            persons &= np.isin(pair_query, organisations)
        pair_query, pair_row = pair_query[~persons], pair_row[~persons]
        width = max(len(self._spelling), 1)
        combined = np.sort(pair_query * width + pair_row)
        if len(combined):
            combined = combined[np.concatenate([[True], combined[1:] != combined[:-1]])]
        return combined // width, combined % width

    def _with_known_brand(
        self, forms: NameFormsTable, query: np.ndarray, block: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Add to the blocks of each name the rarest of its rare words, when the list knows them all.

        "Huawei USA" is found among the listed Huawei companies, though "huawei" is in more
        listed spellings than a key may be: its other words are no evidence, and a fuzzy key
        ("p:uni") shared by one listed name would otherwise be its only one. A name with a rare
        word the list does not know ("Penang Koravite Optics") is not searched by the others.
        """
        extra_query: list[int] = []
        extra_key: list[str] = []
        for i, words in enumerate(forms.distinct.tolist()):
            rare = [w for w in words.split() if is_rare_word(w)]
            if rare and all(w in self._words for w in rare):
                extra_query.extend([i] * len(rare))
                extra_key.extend(f"w:{w}" for w in rare)
        if not extra_query:
            return query, block
        found = self._block_id.get_indexer(np.asarray(extra_key, dtype=object)).astype(np.int64)
        at = np.asarray(extra_query, dtype=np.int64)
        known = found >= 0
        at, found = at[known], found[known]
        # The rarest word of each name, its first on ties.
        order = np.lexsort((found, self._block_count[found], at))
        at, found = at[order], found[order]
        first = np.concatenate([[True], at[1:] != at[:-1]]) if len(at) else at.astype(bool)
        query = np.concatenate([query, at[first]])
        block = np.concatenate([block, found[first]])
        # A key kept already is kept once.
        pairs = np.unique(query * (len(self._block_count) + 1) + block)
        return pairs // (len(self._block_count) + 1), pairs % (len(self._block_count) + 1)

    def _match_chunk(
        self, names: list[str], countries: list[str], limit: int, explain: str
    ) -> pd.DataFrame:
        # A name written in two scripts, or giving another in brackets, is compared as written
        # and as each other spelling: each names the body, and the best counts. Names come
        # first among the spellings, so a name's index is its own.
        spellings, of_name, capped, how = _other_spellings(names)
        cared = capped > 0
        forms, listed = NameFormsTable.of(spellings, initials=False), self._forms
        region = np.asarray([_region(c) if c else "" for c in countries], dtype=object)[of_name]
        code_of_query = np.array([self._country_codes.get(c, -1) for c in region], np.int64)
        letters = _letters(np.asarray(spellings, dtype=object))
        query, row = self.candidate_pairs(spellings, forms, letters)
        # A spelling of descriptors alone ("科技集团", technology group) names no body, unless a
        # listed spelling is that ("Aviation Industry Corporation of China").
        named = (of_name[query] == query) | forms.has_distinct[query]
        named |= forms.key[query] == listed.key[row]
        query, row = query[named], row[named]

        # Stage 1, every candidate: the distinctive words (sorted, run together: word order and
        # spacing do not count), and whether one name's distinctive words are all the other's.
        distinct = _words_ratio(
            (forms.distinct, forms.distinct_sorted),
            (self._distinct_words, listed.distinct_sorted, self._distinct_run),
            query,
            row,
        )
        both = forms.has_distinct[query] & listed.has_distinct[row]
        same_words = both & (forms.distinct_sorted[query] == listed.distinct_sorted[row])
        # A party after "c/o" is never the customer itself: scored, and capped below.
        exact = (forms.key[query] == listed.key[row]) & ~cared[query]
        # Without an aside or a branch's words that give another country or region than the
        # listed entity's ("Hikvision (Deutschland) GmbH"), a name may be the listed one's:
        # with them, it is its subsidiary or branch abroad, to review.
        named_abroad = self._named_abroad(forms, (of_name, how), query, row, exact)
        exact &= ~named_abroad
        # The same letters in the same order are the same name written apart or together
        # ("HUNTERDOUGLASINDUSTRIESB.V."), whatever its distinctive words: a word run together
        # hides the descriptors it holds, and the place it starts with.
        q_whole = _whole_run(forms)
        same_letters = ~exact & (q_whole[query] == self._whole_run[row])
        # Or legal forms and all, as written ("CHINAMOBILECOMMUNICATIONSGROUPCO.,LTD.").
        same_letters |= ~exact & (letters[query] == self._letters[row]) & (letters[query] != "")
        # A name cut off at a field's width is the start of the listed spelling's letters; so
        # are its letters as written, legal forms and all, where a form in front leaves too
        # few of the name's own ("Joint Stock Company Russian Agricul"). A name that closes its
        # quotes or brackets was not cut ('OOO "BAI"' is no "BAIKAL").
        differ = ~exact & ~same_letters
        cut_off = _cut_off(q_whole, (self._whole_run, self._whole_start), query, row, differ)
        closed = np.array([s.rstrip().endswith(_CLOSING) for s in spellings], dtype=bool)
        differ &= ~closed[query]
        cut_off |= _cut_off(letters, (self._letters, self._letters_start), query, row, differ)
        q_words, s_words = forms.n_distinct[query], listed.n_distinct[row]
        near_same = both & ~same_words & (distinct >= NEAR_SAME_RATIO)
        acronyms = forms.acronym[query]
        acronym = acronyms != ""
        acronym[acronym] = [
            a in i.split()
            for a, i in zip(acronyms[acronym], listed.initials[row[acronym]], strict=True)
        ]
        rare = rare_words(forms.distinct)
        # Without countries' names: only names with a rare word can lose it.
        body = rare.copy()
        body[rare] = rare_words(forms.distinct[rare], countries=False)
        q_rare, s_rare = rare[query], self._rare[row]
        # Two neighbouring letters swapped ("Al-Nsaer", "HSCB") cost a short word more than
        # the ratio allows for a typo; a word so near a common one is as often that word
        # ("Andre", "Ander").
        swapped = both & ~same_words & ~near_same & ~exact & q_rare & s_rare
        swapped &= distinct >= SWAPPED_FROM
        if swapped.any():
            swapped[swapped] = [
                _one_swap(a, b)
                for a, b in zip(
                    forms.distinct[query[swapped]], listed.distinct[row[swapped]], strict=True
                )
            ]
            near_same |= swapped
        # The other way round: the listed spelling is the acronym of the name written out. The
        # initials of rare words (surnames, brands) meet listed acronyms by chance.
        spelt_out = (listed.acronym[row] != "") & (forms.initials[query] != "") & ~q_rare
        spelt_out[spelt_out] = [
            a in i.split()
            for a, i in zip(
                listed.acronym[row[spelt_out]], forms.initials[query[spelt_out]], strict=True
            )
        ]
        acronym |= spelt_out
        contained = both & ~same_words & (q_words != s_words)
        # The floors need a rare word among those shared: a common word or surname alone
        # ("Marine", "Garcia") says nothing of which company a name is, nor a country's name
        # (where a body is, not which).
        q_body = body[query]
        same_words &= q_body
        contained &= np.where(q_words < s_words, q_body, self._rare_body[row])
        if contained.any():
            # Shared distinctive words, counted as the dot product of word-incidence rows.
            candidates = np.flatnonzero(contained)
            incidence = _incidence(forms.distinct, self._vocabulary)
            shared = np.asarray(
                incidence[query[candidates]].multiply(self._incidence[row[candidates]]).sum(axis=1)
            ).ravel()
            contained[candidates] = shared == np.minimum(q_words, s_words)[candidates]
        # Transliterations ("Filips Ehlektroniks", "Philips Electronics") are spelt apart but
        # sound alike. Sounds only alike, not contained: one sound is met in many longer names.
        q_sounds = forms.sounds[query]
        sounds_alike = (q_sounds != "") & (q_sounds == listed.sounds[row]) & q_rare
        sounds_alike &= both & ~same_words & ~exact & (distinct >= SOUNDS_ALIKE_RATIO)
        # Only these can score the floor reported: (whole + distinctive) / 2 >= floor.
        floor = REPORT_FLOOR if explain == "all" else self.possible_threshold
        keep = np.flatnonzero(
            (distinct >= 2 * floor - 100)
            | named_abroad
            | same_words
            | contained
            | exact
            | acronym
            | sounds_alike
            | same_letters
            | cut_off
        )
        query, row, distinct = query[keep], row[keep], distinct[keep]
        (
            both,
            same_words,
            contained,
            near_same,
            sounds_alike,
            acronym,
            exact,
            same_letters,
            cut_off,
            named_abroad,
        ) = (
            both[keep],
            same_words[keep],
            contained[keep],
            near_same[keep],
            sounds_alike[keep],
            acronym[keep],
            exact[keep],
            same_letters[keep],
            cut_off[keep],
            named_abroad[keep],
        )
        entity = self._entity[row]

        # Stage 2: the whole names.
        core = _words_ratio(
            (forms.core, forms.core_sorted),
            (self._core_words, listed.core_sorted, self._core_run),
            query,
            row,
        )
        name_score = (core + distinct) / 2
        # The floors; the flags say whether they raised the score, for the explanation.
        same_words &= name_score < SAME_WORDS_SCORE
        contained &= name_score < CONTAINED_SCORE
        near_same &= ~contained & (name_score < NEAR_SAME_SCORE)
        sounds_alike &= ~near_same & (name_score < NEAR_SAME_SCORE)
        acronym &= (
            ~same_words & ~contained & ~near_same & ~sounds_alike & (name_score < ACRONYM_SCORE)
        )
        name_score = np.where(acronym, ACRONYM_SCORE, name_score)
        name_score = np.where(same_words, SAME_WORDS_SCORE, name_score)
        name_score = np.where(contained, CONTAINED_SCORE, name_score)
        cut_off &= ~near_same & ~sounds_alike & (name_score < NEAR_SAME_SCORE)
        name_score = np.where(near_same | sounds_alike | cut_off, NEAR_SAME_SCORE, name_score)
        same_letters &= name_score < 100.0
        name_score = np.where(exact | same_letters, 100.0, name_score)

        # Evidence against: other numbers, other places, other countries.
        q_numbers, s_numbers = forms.numbers[query], listed.numbers[row]
        number_conflict = (q_numbers != "") & (s_numbers != "") & (q_numbers != s_numbers) & ~exact
        number_alone = ((q_numbers != "") != (s_numbers != "")) & ~exact
        q_place, s_place = forms.place[query], listed.place[row]
        place_conflict = (q_place != "") & (s_place != "") & (q_place != s_place) & ~exact
        if place_conflict.any():
            place_conflict[place_conflict] = [
                not _places(a) & _places(b)
                for a, b in zip(q_place[place_conflict], s_place[place_conflict], strict=True)
            ]
        # Countries named in both names must share one ("Bank of Chad", "Bank of China").
        q_land, s_land = forms.territories[query], listed.territories[row]
        land_conflict = (q_land != "") & (s_land != "") & (q_land != s_land) & ~exact
        if land_conflict.any():
            land_conflict[land_conflict] = [
                not set(a.split("|")) & set(b.split("|"))
                for a, b in zip(q_land[land_conflict], s_land[land_conflict], strict=True)
            ]
        land_conflict &= ~place_conflict
        level_conflict = _none_shared(
            _words_named(forms.core, ADMINISTRATIVE_LEVELS)[query], self._levels[row], exact
        )
        q_compass, s_compass = _words_named(forms.core, COMPASS_POINTS)[query], self._compass[row]
        compass_conflict = _none_shared(q_compass, s_compass, exact)
        compass_conflict &= ~place_conflict & ~land_conflict
        compass_differs = (q_compass != "") & (s_compass != "") & (q_compass != s_compass)
        compass_differs &= ~compass_conflict & ~exact
        code = code_of_query[query]
        agrees = np.isin(entity * (len(self._country_codes) + 1) + code, self._entity_country)
        country_conflict = (region[query] != "") & self._has_country[entity] & ~agrees & ~exact
        # Nor is a name that gives the listed company's own country ("Hikvision (China) Co
        # Ltd" shipped to the US): the name says which company it is, the country where it goes.
        if country_conflict.any():
            at = np.flatnonzero(country_conflict)
            country_conflict[at] = [
                not any(names_own_country(core, c) for c in codes.split("; ") if c)
                for core, codes in zip(
                    forms.core[of_name[query[at]]], self._listed_country[entity[at]], strict=True
                )
            ]
        # A name that names its own country or region ("Hikvision Europe", in NL) is the listed
        # company's branch abroad by its name: a possible match, not a conflict of countries.
        # The region a name names holds for each of its spellings ("华为技术（香港）" without its
        # aside in brackets is still a company of Hong Kong).
        q_region = _special_regions(forms)[: len(names)][of_name][query]
        s_region = self._special_region[row]
        # Not excused by an equal key: "海康威视（香港）" without its aside is Hikvision's.
        other_region = q_region != s_region
        if other_region.any():  # "XYZ Trading (Hong Kong)" is the XYZ Trading listed there
            where = np.flatnonzero(other_region & (s_region == ""))
            listed_there = self._listed_regions[self._entity[row[where]]]
            other_region[where] = [
                q not in there.split("|")
                for q, there in zip(q_region[where], listed_there, strict=True)
            ]
        branch_abroad = country_conflict.copy()
        if branch_abroad.any():
            branch_abroad[branch_abroad] = [
                names_own_country(core, country) != ""
                for core, country in zip(
                    forms.core[query[branch_abroad]], region[query[branch_abroad]], strict=True
                )
            ]
            country_conflict &= ~branch_abroad
        score = np.round(
            np.clip(
                name_score
                - NUMBER_PENALTY * number_conflict
                - NUMBER_ALONE_PENALTY * number_alone
                - PLACE_PENALTY * (place_conflict | land_conflict | compass_conflict)
                - COUNTRY_PENALTY * country_conflict,
                0,
                np.where(
                    cared[query],
                    CARE_OF_CAP,
                    np.where(
                        branch_abroad | other_region | named_abroad,
                        BRANCH_ABROAD_CAP,
                        np.where(level_conflict | compass_differs, LEVEL_CAP, 100.0),
                    ),
                ),
            ),
            1,
        )
        kept = (score >= REPORT_FLOOR) | exact
        pairs = pd.DataFrame(
            {
                "query": of_name[query[kept]],
                "spelling": query[kept],
                "row": row[kept],
                "entity": entity[kept],
                "score": score[kept],
                "core_score": np.round(core[kept], 1),
                "distinct_score": np.round(distinct[kept], 1),
                "exact": exact[kept],
                "same_words": same_words[kept],
                "contained": contained[kept],
                "near_same": near_same[kept],
                "sounds_alike": sounds_alike[kept],
                "cut_off": cut_off[kept],
                "same_letters": same_letters[kept],
                "capped": capped[query[kept]],
                "acronym": acronym[kept],
                "number_conflict": number_conflict[kept],
                "number_alone": number_alone[kept],
                "place_conflict": place_conflict[kept],
                "land_conflict": land_conflict[kept],
                "level_conflict": level_conflict[kept],
                "compass_conflict": compass_conflict[kept],
                "compass_differs": compass_differs[kept],
                "country_conflict": country_conflict[kept],
                "branch_abroad": branch_abroad[kept],
                "named_abroad": named_abroad[kept],
                "query_region": q_region[kept],
                "listed_region": np.where(other_region, s_region, "")[kept],
                "other_region": other_region[kept],
                "review": "",
            }
        )
        query, entity = pairs["query"].to_numpy(), pairs["entity"].to_numpy()

        # Review decisions: rejected pairs go, confirmed ones come in whatever their score.
        rejected_notes: dict[int, list[str]] = {}
        names_forms = forms.take(np.arange(len(names)))  # decisions are the names', as written
        if self.decisions.rejected:
            rejected = self._rejected(letters[: len(names)])
            gone = np.isin(query * (len(self._listed) + 1) + entity, list(rejected))
            for q_, e_ in zip(query[gone].tolist(), entity[gone].tolist(), strict=True):
                note = rejected[q_ * (len(self._listed) + 1) + e_]
                if note not in rejected_notes.setdefault(q_, []):
                    rejected_notes[q_].append(note)
            pairs = pairs[~gone]
        # The best spelling of each entity, then the best entities of each query.
        pairs = pairs.sort_values(
            ["query", "entity", "exact", "score"], ascending=[True, True, False, False]
        ).drop_duplicates(["query", "entity"])
        pairs["outcome"] = np.select(
            [pairs["score"] >= self.match_threshold, pairs["score"] >= self.possible_threshold],
            ["match", "possible"],
            "none",
        ).astype(object)
        pairs["method"] = np.where(pairs["exact"], "exact", "fuzzy").astype(object)
        if self.decisions.confirmed:
            pairs = self._confirm(names_forms, letters[: len(names)], pairs)
        rank = pairs["outcome"].map({o: i for i, o in enumerate(OUTCOMES)})
        # Among equal outcomes and scores, the entity whose key the name shares comes first:
        # "Huawei Device" is Huawei Device Co., Ltd., before the Dongguan company whose place
        # is set aside.
        pairs = pairs.assign(_rank=rank).sort_values(
            ["query", "_rank", "score", "exact", "row"], ascending=[True, True, False, False, True]
        )
        top = pairs.groupby("query", sort=False).head(limit)
        top = top.assign(rank=top.groupby("query").cumcount())
        present = np.zeros(len(names), dtype=bool)
        present[top["query"].to_numpy(np.int64)] = True
        missing = np.flatnonzero(~present)
        if len(missing):
            top = pd.concat(
                [
                    top,
                    pd.DataFrame(
                        {
                            "query": missing,
                            "spelling": missing,
                            "row": -1,
                            "entity": -1,
                            "score": np.nan,
                            "rank": 0,
                        }
                    ).assign(outcome="none", method="", review=""),
                ],
                ignore_index=True,
            )
        return self._describe(
            (spellings, forms, how),
            countries,
            top.reset_index(drop=True),
            rejected_notes,
            explain == "all",
        )

    def _named_abroad(
        self,
        forms: NameFormsTable,
        made: tuple[np.ndarray, list[str]],
        query: np.ndarray,
        row: np.ndarray,
        exact: np.ndarray,
    ) -> np.ndarray:
        """Return, per pair of an equal key, whether its spelling left out another country.

        Another country or region than the listed entity's (:func:`names_other_country`), in
        the words a spelling made by leaving out asides in brackets or a branch's words lost.
        """
        of_name, how = made
        named = np.zeros(len(query), dtype=bool)
        at = np.flatnonzero(exact & (of_name[query] != query))
        for i in at.tolist():
            q = int(query[i])
            if how[q] not in (_WITHOUT_ASIDES, _BRANCH_OF):
                continue
            kept = set(forms.core[q].split())
            left_out = " ".join(w for w in forms.core[of_name[q]].split() if w not in kept)
            countries = self._listed_country[self._entity[row[i]]]
            named[i] = names_other_country(left_out, countries) != ""
        return named

    def _rejected(self, written: np.ndarray) -> dict[int, str]:
        """Map ``query * (n_entities + 1) + entity`` to the note of a rejected pair.

        ``written``: each name's :func:`~exposure.names.written_form`, which a rejection holds
        for.
        """
        queries_of_form: dict[str, list[int]] = {}
        for q, form in enumerate(written.tolist()):
            queries_of_form.setdefault(form, []).append(q)
        width = len(self._listed) + 1
        return {
            q * width + entity: note
            for (form, entity), note in self.decisions.rejected.items()
            for q in queries_of_form.get(form, ())
        }

    def _confirm(
        self, forms: NameFormsTable, written: np.ndarray, pairs: pd.DataFrame
    ) -> pd.DataFrame:
        added = []
        for q, (key, form) in enumerate(zip(forms.key.tolist(), written.tolist(), strict=True)):
            decision = self.decisions.confirmed.get(key)
            if decision is None or (form, decision[0]) in self.decisions.rejected:
                continue
            entity, spelling, said = decision
            if entity >= len(self._listed) or not self._listed[entity]:
                continue  # an entity the matcher was not given (not in force, another list)
            rows = [
                r
                for r in self._rows_of_key.get(name_key(spelling), ())
                if self._entity[r] == entity
            ]
            added.append((q, entity, rows[0] if rows else -1, said))
        if not added:
            return pairs
        confirmed = pd.DataFrame(added, columns=["query", "entity", "row", "review"])
        merged = pairs.merge(
            confirmed, on=["query", "entity"], how="outer", suffixes=("", "_confirmed")
        )
        hit = merged["review_confirmed"].notna().to_numpy()
        merged.loc[hit, "review"] = merged.loc[hit, "review_confirmed"]
        merged.loc[hit, "outcome"] = "confirmed"
        merged.loc[hit, "method"] = "review"
        merged["row"] = merged["row"].fillna(merged["row_confirmed"]).astype(np.int64)
        merged["spelling"] = merged["spelling"].fillna(merged["query"]).astype(np.int64)
        return merged.drop(columns=["review_confirmed", "row_confirmed"])

    def _describe(
        self,
        compared: tuple[list[str], NameFormsTable, list[str]],
        countries: list[str],
        top: pd.DataFrame,
        rejected: dict[int, list[str]],
        explain_all: bool,
    ) -> pd.DataFrame:
        """Return the result's columns for ``top``.

        ``compared``: the spellings, their forms, and how each was made from its name.
        """
        spellings, forms, how = compared
        query = top["query"].to_numpy(np.int64)
        spelling = top["spelling"].to_numpy(np.int64)
        row = top["row"].fillna(-1).to_numpy(np.int64)
        entity = top["entity"].fillna(-1).to_numpy(np.int64)
        found, has = row >= 0, entity >= 0
        outcome = top["outcome"].to_numpy(dtype=object)

        def of_entity(values: np.ndarray) -> np.ndarray:
            out = np.full(len(top), "", dtype=object)
            out[has] = values[entity[has]]
            return out

        def of_row(values: np.ndarray) -> np.ndarray:
            out = np.full(len(top), "", dtype=object)
            out[found] = values[row[found]]
            return out

        out = pd.DataFrame(
            {
                "query": query,
                "rank": top["rank"].to_numpy(np.int64),
                "outcome": outcome,
                "method": np.where(outcome == "none", "", top["method"].to_numpy(dtype=object)),
                "score": top["score"].to_numpy(np.float64),
                "entity": entity,
                "listed": of_entity(self._listed),
                "matched_as": of_row(self._spelling),
                "list": of_entity(self._lists),
                "listed_country": of_entity(self._listed_country),
                "name_form": forms.shown()[spelling],
                "listed_form": of_row(self._shown),
            }
        )
        kind = of_row(self._kind)
        listed_place = of_row(self._forms.place)
        matched_as = out["matched_as"].to_numpy(dtype=object)
        listed_country = out["listed_country"].to_numpy(dtype=object)
        score = out["score"].to_numpy(np.float64)
        explanation = np.empty(len(top), dtype=object)
        explanation[:] = f"no listed name or alias scores {REPORT_FLOOR:g} or more"
        below = (outcome == "none") & found
        explanation[below] = [
            f"best candidate: the listed {k} {m!r} at {v:.1f}, below "
            f"{self.possible_threshold:g}: no match"
            for k, m, v in zip(kind[below], matched_as[below], score[below], strict=True)
        ]
        flagged = np.flatnonzero(
            (found & (explain_all | (outcome != "none"))) | (outcome == "confirmed")
        )
        # Rows as dicts from the columns' lists: pandas' to_dict boxes each cell on its own.
        names = list(top.columns)
        columns = [top[c].to_numpy()[flagged].tolist() for c in names]
        detail = [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]
        for i, r in zip(flagged.tolist(), detail, strict=True):
            q, s = int(r["query"]), int(r["spelling"])
            r["original_core"] = forms.core[q]
            explanation[i] = self._explain(
                r,
                kind=kind[i],
                matched_as=matched_as[i],
                compared_as=how[s].format(spellings[s]) if s != q else "",
                query_place=forms.place[s],
                query_core=forms.core[s],
                listed_place=listed_place[i],
                lands=(forms.territories[s], self._forms.territories[int(r["row"])]),
                query_country=countries[q],
                listed_country=listed_country[i],
            )
        if rejected:
            nothing = f"no listed name or alias scores {REPORT_FLOOR:g} or more"
            for i in np.flatnonzero(np.isin(query, list(rejected))).tolist():
                notes = rejected[int(query[i])]
                rest = explanation[i]
                if rest == nothing:
                    rest = f"no other listed name or alias scores {REPORT_FLOOR:g} or more"
                # The decision first: it is why the best candidate is not shown.
                explanation[i] = "; ".join([*(f"set aside: {n}" for n in notes), rest])
        out["explanation"] = explanation
        return out

    def _explain(
        self,
        r: dict[str, Any],
        *,
        kind: str,
        matched_as: str,
        compared_as: str,
        query_place: str,
        query_core: str,
        listed_place: str,
        lands: tuple[str, str],
        query_country: str,
        listed_country: str,
    ) -> str:
        parts: list[str] = [compared_as] if compared_as else []
        if r["outcome"] == "confirmed":
            parts.append(str(r["review"]))
            if pd.notna(r["score"]):
                parts.append(f"name score {r['score']:.1f}")
        elif r["exact"]:
            parts.append(f"same key as the listed {kind} {matched_as!r}")
        else:
            parts.append(
                f"score {r['score']:.1f} against the listed {kind} {matched_as!r} (whole names "
                f"{r['core_score']:.1f}, distinctive words {r['distinct_score']:.1f})"
            )
            if r.get("same_letters"):
                parts.append("the same letters, written apart or together: 100")
            elif r["same_words"]:
                parts.append(
                    f"same distinctive words, other descriptors: at least {SAME_WORDS_SCORE:g}"
                )
            elif r["contained"]:
                parts.append(
                    f"one name's distinctive words are all in the other: at least {CONTAINED_SCORE:g}"
                )
            elif r.get("near_same"):
                parts.append(
                    f"distinctive words differ by a typo only: at least {NEAR_SAME_SCORE:g}"
                )
            elif r.get("sounds_alike"):
                parts.append(f"distinctive words sound alike: at least {NEAR_SAME_SCORE:g}")
            elif r.get("cut_off"):
                parts.append(
                    f"the start of the listed spelling, cut off: at least {NEAR_SAME_SCORE:g}"
                )
            elif r.get("acronym"):
                parts.append(
                    f"one name is the initials of the other's words: at least {ACRONYM_SCORE:g}"
                )
            if r["number_conflict"]:
                parts.append(f"numbers differ: -{NUMBER_PENALTY:g}")
            elif r.get("number_alone"):
                parts.append(f"a number in one name only: -{NUMBER_ALONE_PENALTY:g}")
            if r["place_conflict"]:
                parts.append(f"places differ ({query_place} vs {listed_place}): -{PLACE_PENALTY:g}")
            elif query_place or listed_place:
                places = " / ".join(dict.fromkeys(p for p in (query_place, listed_place) if p))
                parts.append(f"place {places!r} set aside")
            if r.get("land_conflict"):
                named = " vs ".join(land.replace("|", ", ") for land in lands)
                parts.append(f"countries named differ ({named}): -{PLACE_PENALTY:g}")
            if r.get("compass_conflict"):
                parts.append(f"compass points differ: -{PLACE_PENALTY:g}")
            elif r.get("compass_differs"):
                parts.append(f"compass points differ in part: at most {LEVEL_CAP:g}")
            if r.get("level_conflict"):
                parts.append(f"administrative levels differ: at most {LEVEL_CAP:g}")
            if r.get("capped") == _AFTER_CARE_OF:
                parts.append(
                    f"the goods go in its care, the customer is another: at most {CARE_OF_CAP:g}"
                )
            elif r.get("capped") == _ONE_OF_PARTIES:
                parts.append(f"one of the parties the name gives: at most {CARE_OF_CAP:g}")
            if r["country_conflict"]:
                parts.append(
                    f"countries differ ({query_country} vs {listed_country}): -{COUNTRY_PENALTY:g}"
                )
            elif r.get("named_abroad"):
                abroad = names_other_country(str(r["original_core"]), listed_country)
                parts.append(
                    f"its name gives another country or region ({abroad!r}) than the listed "
                    f"one's ({listed_country or 'unknown'}): a subsidiary or branch to review, "
                    f"at most {BRANCH_ABROAD_CAP:g}"
                )
            elif r.get("branch_abroad"):
                own = names_own_country(query_core, _region(query_country))
                parts.append(
                    f"a branch in {query_country} by its name ({own!r}) of one listed in "
                    f"{listed_country}: countries not held against it, at most "
                    f"{BRANCH_ABROAD_CAP:g}"
                )
        # Rows of a review decision carry no comparison (their fields are missing).
        other = r.get("other_region")
        if r["outcome"] != "confirmed" and isinstance(other, bool | np.bool_) and other:
            ours, theirs = r["query_region"], r["listed_region"]
            said = (
                f"a company of {ours} by its name, the listed one's name gives "
                + (theirs or "no such region")
                if ours
                else f"the listed one is a company of {theirs} by its name, this one's name "
                "gives no such region"
            )
            parts.append(f"{said}: a subsidiary or branch to review, at most {BRANCH_ABROAD_CAP:g}")
        if r["outcome"] == "possible":
            parts.append(f"needs review (a match from {self.match_threshold:g})")
        elif r["outcome"] == "none":
            parts.append(f"below {self.possible_threshold:g}: no match")
        return "; ".join(parts)


def _other_spellings(names: list[str]) -> tuple[list[str], np.ndarray, np.ndarray, list[str]]:
    """Return the names, then the other spellings each gives: whose name each is, which, and how.

    A name written in two scripts gives each part
    (:func:`~exposure.entities.forms.script_parts`), a name with asides in brackets itself
    without them (:func:`~exposure.entities.forms.without_brackets`) and the names among them
    (:func:`~exposure.entities.forms.names_in_brackets`), a branch the body it belongs to
    (:func:`~exposure.entities.forms.without_branch`), a name with "c/o" the party before it
    (:func:`~exposure.entities.forms.without_care_of`), a name followed by its address the name
    alone (:func:`~exposure.entities.forms.without_address`), a name with HTML entities itself
    with them read (:func:`~exposure.entities.forms.unescaped`), a name run together itself
    without the legal forms it starts or ends with
    (:func:`~exposure.entities.forms.without_glued_forms`), a long name ending in a legal form
    cut off itself without it (:func:`~exposure.entities.forms.without_cut_form`), as a listed
    spelling does.
    The party after "c/o" (:func:`~exposure.entities.forms.in_care_of`) and each of several
    parties in one name (:func:`~exposure.entities.forms.parties`) are spellings too, but the
    customer may be another: the third array marks them (:data:`_AFTER_CARE_OF`,
    :data:`_ONE_OF_PARTIES`; 0 for the others), and they score :data:`CARE_OF_CAP` at most.
    The last list says how each spelling was made, for the explanations ("a branch of {!r}";
    empty for a name as written).
    """
    spellings = list(names)
    of_name = list(range(len(names)))
    capped = [0] * len(names)
    how = [""] * len(names)
    for i, name in enumerate(names):
        made = [
            (without_branch(name), _BRANCH_OF, 0),
            (without_care_of(name), "the party before c/o, {!r}", 0),
            (without_address(name), "without the address after it, {!r}", 0),
        ]
        if not (name.isascii() and "(" not in name and "[" not in name):
            # A name in two scripts, or with brackets (most names are neither).
            made = [
                *(
                    (part, "written in two scripts, by its part {!r}", 0)
                    for part in script_parts(name)
                ),
                (without_brackets(name), _WITHOUT_ASIDES, 0),
                *(
                    (other, "by the name it gives in brackets {!r}", 0)
                    for other in names_in_brackets(name)
                ),
                *made,
            ]
        if "&" in name:
            made.append((unescaped(name), "with its HTML entities read, {!r}", 0))
        if " " not in name:
            made.append(
                (without_glued_forms(name), "written as one word, without its legal forms, {!r}", 0)
            )
        elif len(name) >= CUT_OFF_AT_FROM:
            made.append((without_cut_form(name), "cut off in its legal form, {!r}", 0))
        if "/" in name:
            made.append(
                (
                    in_care_of(name),
                    "the party after c/o, {!r}, in whose care the goods go",
                    _AFTER_CARE_OF,
                )
            )
        if ";" in name or " / " in name:
            made += [
                (party, "one of the parties it gives, {!r}", _ONE_OF_PARTIES)
                for party in parties(name)
            ]
        seen = {name}
        for other, said, cap in made:
            if other and other not in seen:
                seen.add(other)
                spellings.append(other)
                of_name.append(i)
                capped.append(cap)
                how.append(said)
    return spellings, np.asarray(of_name, dtype=np.int64), np.asarray(capped, dtype=np.int8), how


#: How :func:`_other_spellings` makes a spelling by leaving words out: a branch's words, asides.
_BRANCH_OF = "a branch of {!r}"
_WITHOUT_ASIDES = "without its asides in brackets, {!r}"
#: Why a spelling is capped (:func:`_other_spellings`): the party after "c/o", or one party of
#: several a name gives.
_AFTER_CARE_OF = 1
_ONE_OF_PARTIES = 2


def _one_swap(a: str, b: str) -> bool:
    """Tell whether two texts differ only by two neighbouring letters swapped.

    >>> _one_swap("al nsaer", "al naser"), _one_swap("hscb", "hsbc"), _one_swap("smith", "smyth")
    (True, True, False)
    """
    if len(a) != len(b) or a == b:
        return False
    differ = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    return (
        len(differ) == 2
        and differ[1] == differ[0] + 1
        and a[differ[0]] == b[differ[1]]
        and a[differ[1]] == b[differ[0]]
    )


def _regions_of_countries(codes: str) -> str:
    """Return the special regions among ``"; "``-joined country codes, ``|``-joined."""
    found = {_REGION_OF_COUNTRY[c] for c in codes.split("; ") if c in _REGION_OF_COUNTRY}
    return "|".join(sorted(found))


def _special_regions(forms: NameFormsTable) -> np.ndarray:
    """Return the special administrative region each name names (:data:`SPECIAL_REGIONS`), or ""."""
    found = []
    for place, core in zip(forms.place.tolist(), forms.core.tolist(), strict=True):
        # A place of two words is run together ("hong kong"), and a name may give two places.
        words = f"{place} {core}".replace("hong kong", "hongkong").split()
        named = {SPECIAL_REGIONS[w] for w in words if w in SPECIAL_REGIONS}
        found.append(named.pop() if len(named) == 1 else "")
    return np.asarray(found, dtype=object)


def _words_named(cores: np.ndarray, table: dict[str, str]) -> np.ndarray:
    """Return what each core's words name in ``table`` (levels, compass points), space-joined."""
    return np.array(
        [" ".join(sorted({table[w] for w in c.split() if w in table})) for c in cores.tolist()],
        dtype=object,
    )


def _none_shared(ours: np.ndarray, theirs: np.ndarray, exact: np.ndarray) -> np.ndarray:
    """Tell, pair by pair, whether both name something (:func:`_words_named`) and share none."""
    conflict = (ours != "") & (theirs != "") & (ours != theirs) & ~exact
    if conflict.any():
        conflict[conflict] = [
            not set(a.split()) & set(b.split())
            for a, b in zip(ours[conflict], theirs[conflict], strict=True)
        ]
    return conflict


def _incidence(words: np.ndarray, vocabulary: dict[str, int]) -> sparse.csr_matrix:
    """Return the (names x vocabulary) 0/1 matrix of the words of each name."""
    indptr = [0]
    indices: list[int] = []
    for text in words.tolist():
        found = {vocabulary[w] for w in text.split() if w in vocabulary}
        indices.extend(found)
        indptr.append(len(indices))
    return sparse.csr_matrix(
        (np.ones(len(indices), dtype=np.int32), indices, indptr),
        shape=(len(indptr) - 1, max(len(vocabulary), 1)),
    )


def _run_together(words: np.ndarray) -> np.ndarray:
    """Return each form's words run together in their order."""
    return np.array([w.replace(" ", "") for w in words.tolist()], dtype=object)


def _whole_run(forms: NameFormsTable) -> np.ndarray:
    """Return each name's place and core run together: its letters, however it is spaced."""
    return np.array(
        [
            (p + c).replace(" ", "")
            for p, c in zip(forms.place.tolist(), forms.core.tolist(), strict=True)
        ],
        dtype=object,
    )


def _cut_off(
    query_letters: np.ndarray,
    listed: tuple[np.ndarray, np.ndarray],
    query: np.ndarray,
    row: np.ndarray,
    asked: np.ndarray,
) -> np.ndarray:
    """Per pair asked: whether the name's letters are the start of the listed spelling's.

    ``listed`` holds the listed spellings' letters and their :func:`_starts`; only names of
    :data:`CUT_OFF_FROM` letters or more, and fewer than the listed spelling's, are cut off.
    """
    listed_letters, listed_starts = listed
    query_starts = _starts(query_letters)[query]
    found = asked & (query_starts != "") & (query_starts == listed_starts[row])
    if found.any():
        found[found] = [
            len(a) < len(b) and b.startswith(a)
            for a, b in zip(query_letters[query[found]], listed_letters[row[found]], strict=True)
        ]
    return found


def _rows_of(values: np.ndarray, *, skip_empty: bool = False) -> dict[str, list[int]]:
    """Return the rows of each value, in order; without the empty value if asked."""
    rows: dict[str, list[int]] = {}
    for row, value in enumerate(values.tolist()):
        if value or not skip_empty:
            rows.setdefault(value, []).append(row)
    return rows


def _letters(spellings: np.ndarray) -> np.ndarray:
    """Return each spelling's letters and digits as written, folded, legal forms and all."""
    return np.array([written_form(s) for s in spellings.tolist()], dtype=object)


#: What closes a quotation or an aside: a name that ends with one was not cut off.
_CLOSING = ('"', "'", "»", "”", "’", ")", "]", "}")


def _starts(letters: np.ndarray) -> np.ndarray:
    """Return the first :data:`CUT_OFF_FROM` of each name's letters, or empty for fewer."""
    return np.array(
        [w[:CUT_OFF_FROM] if len(w) >= CUT_OFF_FROM else "" for w in letters.tolist()],
        dtype=object,
    )


def _word_counts(forms: np.ndarray) -> np.ndarray:
    """Return how many words each form holds."""
    return np.fromiter((f.count(" ") + 1 for f in forms.tolist()), dtype=np.int64, count=len(forms))


def _pairwise(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Return rapidfuzz's ``ratio`` of each pair, on every core."""
    from rapidfuzz import fuzz, process  # only fuzzy matching needs it

    if not len(left):
        return np.zeros(0)
    return np.asarray(process.cpdist(left, right, scorer=fuzz.ratio, workers=-1), np.float64)


def _words_ratio(
    asked: tuple[np.ndarray, np.ndarray],
    listed: tuple[np.ndarray, np.ndarray, np.ndarray],
    query: np.ndarray,
    row: np.ndarray,
) -> np.ndarray:
    """Return how alike the words of each candidate pair are, 0 to 100.

    ``asked`` holds the names' words and the same sorted and run together; ``listed`` the
    listed spellings' word counts, sorted and in-order forms. Sorted, so word order does not
    count. Where one name has more words, also in order, so a word written apart or together
    does not either ("transneft metrologiya" and "transneftmetrologiya"): only when spacing is
    nearly all that differs (:func:`_spaced_alike`). With as many words on each side, sorting
    can part two words a first-letter typo apart ("corkery torphy" and "torphy xorkery"): they
    are compared in order too, and the better counts.
    """
    words, in_sorted = asked
    listed_words, listed_sorted, listed_run = listed
    run = _run_together(words)
    score = _pairwise(in_sorted[query], listed_sorted[row])
    apart = _word_counts(words)[query] != listed_words[row]
    score[apart] = _spaced_alike(score[apart], _pairwise(run[query[apart]], listed_run[row[apart]]))
    reordered = ~apart & ((run != in_sorted)[query] | (listed_run != listed_sorted)[row])
    score[reordered] = np.maximum(
        score[reordered], _pairwise(run[query[reordered]], listed_run[row[reordered]])
    )
    return score


def _spaced_alike(sorted_score: np.ndarray, in_order_score: np.ndarray) -> np.ndarray:
    """Return the in-order score where it is :data:`NEAR_SAME_RATIO` or more, else the sorted."""
    return np.where(
        in_order_score >= NEAR_SAME_RATIO, np.maximum(sorted_score, in_order_score), sorted_score
    )


def _blocks(forms: NameFormsTable, known_words: set[str] | None) -> tuple[np.ndarray, list[str]]:
    """Return (name index, key) pairs: the blocking keys of each name's core.

    Keys:

    * each distinctive word (``w:``), and each two neighbouring words run together, so that a
      word written apart or together is found ("Aero-Caribbean" and "Aerocaribbean"), and
      two letters joined by "&" ("M&P" and "MP"), and the whole core run together, with the
      place it starts with and without;
    * for a word of four letters or more, its first and last three letters (``p:``, ``s:``):
      on the listed side for every such word, on the query side for words the list does not
      know;
    * from :data:`TYPO_FROM` letters a word and its spellings one letter short (``d:``,
      :func:`~exposure.entities.forms.deletions`), on both sides: two words one typo apart
      share one, whichever side the typo is on ("Amerika" listed, "America" asked);
    * the sound of a word (``m:``, :func:`~exposure.entities.forms.word_sound`), on both sides:
      a transliteration sounds as the word does ("Filips", "Philips");
    * on the query side, a word of four or five letters the list does not know with two
      neighbouring letters swapped, as a word (``w:``): "Nsaer" finds "Naser", "HSCB" "HSBC"
      (longer words are found so by their spellings one letter short);
    * the first four letters of the name run together (``k:``), on the query side only when its
      first word is short ("Hua Wei" for "Huawei").
    """
    index: list[int] = []
    keys: list[str] = []
    for i, found in _keys_of_names(forms, known_words):
        index.extend([i] * len(found))
        keys.extend(found)
    return np.asarray(index, dtype=np.int64), keys


def _query_blocks(
    forms: NameFormsTable, known_words: set[str], block_of: dict[str, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Return (name index, block id) pairs: the :func:`_blocks` of names the list holds.

    Most of a name's keys are in no listed spelling's: each word's are looked up once, and only
    the ids of those the list holds are kept.
    """
    index: list[int] = []
    blocks: list[int] = []
    for i, found in _keys_of_names(forms, known_words, block_of):
        index.extend([i] * len(found))
        blocks.extend(found)
    return np.asarray(index, dtype=np.int64), np.asarray(blocks, dtype=np.int64)


def _keys_of_names(
    forms: NameFormsTable, known_words: set[str] | None, block_of: dict[str, int] | None = None
) -> Iterator[tuple[int, set[Any]]]:
    """Yield each name's index and its blocking keys (:func:`_blocks`).

    ``known_words`` are the listed words (``None`` on the listed side); with ``block_of``,
    a name's keys are the ids of those it maps, the others left out.
    """
    listed_side = known_words is None
    known = known_words or set()
    # Names share most of their words: each word's keys are made once.
    keys_of_word: dict[str, tuple[Any, ...]] = {}

    def word_keys(token: str) -> tuple[Any, ...]:
        found = [f"w:{token}"]
        if len(token) >= 4 and not token.isdigit() and (listed_side or token not in known):
            found += [f"p:{token[:3]}", f"s:{token[-3:]}"]
        if len(token) >= TYPO_FROM and not token.isdigit():
            found += [f"d:{d}" for d in deletions(token)]
        if sound := word_sound(token):
            found.append(f"m:{sound}")
        if 4 <= len(token) < TYPO_FROM and not listed_side and token not in known:
            # Two neighbouring letters swapped: longer words are found by their deletions.
            found += [
                f"w:{token[:i]}{token[i + 1]}{token[i]}{token[i + 2 :]}"
                for i in range(len(token) - 1)
            ]
        if block_of is None:
            return keys_of_word.setdefault(token, tuple(found))
        return keys_of_word.setdefault(token, tuple(block_of[k] for k in found if k in block_of))

    for i, (core, has_distinct, acronym, initials, place) in enumerate(
        zip(
            forms.core.tolist(),
            forms.has_distinct.tolist(),
            forms.acronym.tolist(),
            forms.initials.tolist(),
            forms.place.tolist(),
            strict=True,
        )
    ):
        tokens = core.split()
        found: set[Any] = set()
        name_keys: set[str] = set()
        kept: list[str] = []
        for token in tokens:
            if token in _STOP or (has_distinct and token in GENERIC_WORDS):
                kept.append("")
                continue
            kept.append(token)
            found.update(keys_of_word.get(token) or word_keys(token))
        name_keys.update(f"w:{a}{b}" for a, b in pairwise(kept) if a and b)
        # Letters joined by "&" are one word written without it ("M&P", "MP").
        if " and " in core:
            name_keys.update(f"w:{a}{b}" for a, b in _LETTERS_AND_LETTERS.findall(core))
        joined = core.replace(" ", "")
        # The whole core run together meets the same name written as one word
        # ("HUNTERDOUGLASINDUSTRIESB.V."), descriptors and all.
        if len(tokens) > 1:
            name_keys.add(f"w:{joined}")
        whole = f"{place.replace(' ', '')}{joined}"
        if place:
            name_keys.add(f"w:{whole}")
        # A name cut off at a field's width is found by the start of its letters.
        if len(whole) >= CUT_OFF_FROM:
            name_keys.add(f"c:{whole[:CUT_OFF_FROM]}")
        if len(joined) >= 4 and (listed_side or len(tokens[0]) < 4):
            name_keys.add(f"k:{joined[:4]}")
        if not listed_side and acronym:
            name_keys.add(f"a:{acronym}")
        # A listed spelling that is an acronym is found by the initials of a name written out.
        if listed_side and acronym:
            name_keys.add(f"r:{acronym}")
        elif not listed_side and initials:
            name_keys.update(f"r:{i}" for i in initials.split())
        if block_of is None:
            found.update(name_keys)
        else:
            found.update(block_of[k] for k in name_keys if k in block_of)
        yield i, found


def _empty_result() -> pd.DataFrame:
    return pd.DataFrame(columns=["query", *RESULT_COLUMNS])
