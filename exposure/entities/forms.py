"""The normal forms a name is compared by: its key, place, core and distinctive words.

What :class:`~exposure.entities.matcher.Matcher` compares of two names, computed once per name:

* the **key** (:func:`exposure.names.name_key`), what review decisions are recorded by;
* the **core**: the words left once legal forms of every language are removed
  (:func:`without_legal_forms`, from rigour's organisation types), the title of a Chinese
  region or province dropped ("Guangdong Province",
  :func:`~exposure.names.without_place_titles`) and a leading or trailing Chinese place name
  set aside, unless it is all that names the body ("Xinjiang Public Security Bureau");
  numbers written as words, ordinals and roman numerals become digits; a name in Chinese
  script has its pinyin syllables grouped into words and its descriptors put in English
  ("华为技术" is "huawei technology"), as have descriptors of Russian, Ukrainian and Turkish
  names and in pinyin (:data:`RUSSIAN_DESCRIPTORS`, :data:`TURKISH_DESCRIPTORS`: "Zavod" is
  "plant", "Sanayi" "industry", "Keji" "technology");
* the **distinctive** words: the core without generic words ("technology", "electronics");
* the **numbers** it holds, which must agree;
* how its distinctive words **sound** (their metaphones, :func:`word_sound`), so that
  transliterations of one name ("Filips", "Philips") are found and compared; a word that sounds
  as a generic one does is generic too;
* whether a distinctive word is **rare** (:func:`rare_words`): less common than
  :data:`COMMON_FROM` in English and Spanish. A common word or surname alone is no evidence of
  which company a name is.
"""

from __future__ import annotations

import functools
import html
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from exposure.names import (
    CHINESE_CHARACTER,
    CHINESE_PLACE_NAMES,
    GENERIC_WORDS,
    LEGAL_FORMS,
    LEGAL_PHRASES,
    PLACE_NAMES,
    ROMANCE_DESCRIPTORS,
    fold,
    in_chinese_script,
    legal_forms_of,
    name_key,
    name_keys,
    name_tokens,
    split_place,
    without_place_titles,
)

__all__ = [
    "ABBREVIATIONS",
    "AFTER_A_PLACE",
    "CHINESE_DESCRIPTORS",
    "COMMON_FROM",
    "COMMON_IN",
    "COUNTRY_NAME_LANGUAGES",
    "CUT_OFF_AT_FROM",
    "FORM_TYPO_FROM",
    "RUN_TOGETHER_FROM",
    "RUSSIAN_DESCRIPTORS",
    "TURKISH_DESCRIPTORS",
    "WRITTEN_OUT_FORMS",
    "NameForms",
    "NameFormsTable",
    "bears_legal_form",
    "core_initials",
    "deletions",
    "form_row",
    "in_care_of",
    "is_rare_word",
    "name_forms",
    "names_in_brackets",
    "names_other_country",
    "names_own_country",
    "parties",
    "rare_words",
    "script_parts",
    "typo_of_vocabulary",
    "unescaped",
    "without_address",
    "without_brackets",
    "without_branch",
    "without_care_of",
    "without_cut_form",
    "without_glued_forms",
    "without_legal_forms",
    "without_written_out_forms",
    "word_sound",
]

#: Digits, unless letters stand on both sides: "H1kvision" and "Hikvisi0n" are Hikvision
#: mistyped or misread, not a number.
_DIGITS = re.compile(r"(?<![a-z\d])\d+|\d++(?![a-z])")
#: Numbers written as words or roman numerals, read as the numbers they are ("First" and "1st",
#: "II" and "2" agree). Single-letter numerals ("I", "V", "X") are as often initials: they are
#: read as numbers only closing a name after a word ("Offshore Fund I", not "J P I").
_ORDINALS = [
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
    "tenth", "eleventh", "twelfth",
]  # fmt: skip
_CARDINALS = [
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve",
]  # fmt: skip
_SINGLE_LETTER_ROMAN = {"i": "1", "v": "5", "x": "10"}
_ROMAN = {"ii": 2, "iii": 3, "iv": 4, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "xi": 11, "xii": 12}
_NUMBER_WORDS = {
    **{word: str(n) for n, word in enumerate(_ORDINALS, start=1)},
    **{word: str(n) for n, word in enumerate(_CARDINALS, start=1)},
    **{numeral: str(n) for numeral, n in _ROMAN.items()},
}
_ORDINAL_DIGITS = re.compile(r"^(\d+)(?:st|nd|rd|th)$")


@dataclass(frozen=True)
class NameForms:
    """The normal forms of one name (see the module's description).

    Examples
    --------
    >>> name_forms("Zhejiang Dahua Technology Gufen Youxian Gongsi")
    NameForms(key='zhejiangdahuatechnology', place='zhejiang', core='dahua technology', distinct='dahua')
    """

    key: str
    place: str
    core: str
    distinct: str

    def __str__(self) -> str:
        return f"{self.core} [{self.place}]" if self.place else self.core


def name_forms(name: str) -> NameForms:
    """Return the key, leading place, core and distinctive part of a name, as compared."""
    key, place, core, _, distinct, *_ = form_row(name)
    return NameForms(key, place, core, distinct)


#: Words in round, square or full-width brackets.
_BRACKETED = re.compile(r"\s*[(\[（]([^()\[\]（）]*)[)\]）]")
#: A short name in brackets: capitals, as in "(HKPW)", "(CETC 29)", "(NSCC-TJ)".
_SHORT_NAME = re.compile(r"\s*([A-Z][A-Z0-9&.\-]{2,11}(?: \d{1,3})?)\s*")
#: Another name of the body in brackets: "(f.k.a. ...)", "(a.k.a. ...)", "(formerly ...)".
_OTHER_NAME = re.compile(r"\s*(?:[fad]\.?\s?k\.?\s?a\.?|d\.?\s?b\.?\s?a\.?|formerly)[,:\s]+", re.I)


def without_brackets(spelling: str) -> str:
    """Return a spelling without the asides in brackets it holds; else empty.

    The lists add to a body's name, in brackets, its short name ("HK P&W Industry Co. Ltd
    (HKPW)", "China Electronics Technology Group Corporation 29 (CETC 29) Research
    Institute"), a parent ("SOCCER ZONE (MNC GROUP INTERNATIONAL, INC.)", which names a legal
    form) or another name ("Gazprom Telekom, OOO (f.k.a. ...)"), all of which a customer's
    records mostly leave out: the matcher compares such a spelling both ways (a brand
    too: :func:`names_in_brackets`). A short
    name is in capitals and no ordinary word or place: "(ASIA)", "(HK)" and "(SWITZERLAND)"
    stay, as they tell a bank's branches apart.

    Examples
    --------
    >>> without_brackets("HK P&W Industry Co. Ltd (HKPW)")
    'HK P&W Industry Co. Ltd'
    >>> without_brackets("SOCCER ZONE (MNC GROUP INTERNATIONAL, INC.)")
    'SOCCER ZONE'
    >>> without_brackets("ICBC (ASIA) LIMITED"), without_brackets("Bank of China (Hong Kong)")
    ('', '')
    >>> without_brackets("(HKPW)"), without_brackets("Huawei")
    ('', '')
    >>> without_brackets("Huawei Technologies Co., Ltd. (Huawei)")
    'Huawei Technologies Co., Ltd.'
    """
    if not ("(" in spelling or "[" in spelling or "（" in spelling):
        return ""

    def aside(found: re.Match[str]) -> str:
        inside = found.group(1)
        if _OTHER_NAME.match(inside) or bears_legal_form(inside) or _is_brand(inside):
            return " "
        short = _SHORT_NAME.fullmatch(inside)
        if not short:
            return found.group()
        words = fold(short.group(1)).replace("-", " ").replace(".", "").split()
        letters = "".join(w for w in words if not w.isdigit())
        ordinary = len(letters) < 3 or _zipf(letters) >= ORDINARY_FROM
        place = _territories(words) or split_place([*words, "x"])[0]
        return found.group() if ordinary or place else " "

    bare = " ".join(_BRACKETED.sub(aside, spelling).split())
    return bare if bare != spelling and name_key(bare) else ""


def names_in_brackets(spelling: str) -> list[str]:
    """Return the other names of a body that a spelling gives in brackets.

    Those after "f.k.a.", "a.k.a.", "d.b.a." or "formerly", and a brand: an aside holding a
    rare word (:func:`is_rare_word`) that is no legal form, place or short name in capitals
    (an acronym, weak evidence alone: :func:`without_brackets`). "Hangzhou Hikvision Digital
    Technology Co., Ltd. (Hikvision)" is Hikvision; "ICBC (Asia) Limited" names no other body.

    Examples
    --------
    >>> names_in_brackets("Gazprom Telekom, OOO (f.k.a. Zakrytoe Aktsionernoe Obshchestvo Gaztelekom)")
    ['Zakrytoe Aktsionernoe Obshchestvo Gaztelekom']
    >>> names_in_brackets("HK P&W Industry Co. Ltd (HKPW)"), names_in_brackets("X (a.k.a. Y; Z)")
    ([], ['Y', 'Z'])
    >>> names_in_brackets("Hangzhou Hikvision Digital Technology Co., Ltd. (Hikvision)")
    ['Hikvision']
    >>> names_in_brackets("ICBC (Asia) Limited"), names_in_brackets("Huawei (Shenzhen) Co. (Ltd.)")
    ([], [])
    """
    found: list[str] = []
    for inside in _BRACKETED.findall(spelling):
        if marker := _OTHER_NAME.match(inside):
            names = (name.strip(" ,") for name in inside[marker.end() :].split(";"))
            found.extend(name for name in names if name_key(name))
        elif _is_brand(inside):
            found.append(inside.strip())
    return found


def _is_brand(aside: str) -> bool:
    """Tell whether an aside in brackets names a body: a rare word, no form, place or acronym."""
    if _SHORT_NAME.fullmatch(aside) or bears_legal_form(aside):
        return False
    words = name_tokens(aside)
    rest = split_place(words)[1]
    return not _territories(words) and any(is_rare_word(w) for w in rest)


#: A branch named at the end of a name: "Shenzhen Branch", "Branch Office in Dubai", "Filiale
#: Amsterdam", "Sucursal en España", the Chinese 分公司.
_BRANCH_WORD = re.compile(
    r"\b(?:branch(?:\s+office)?|zweigniederlassung|filiale|succursale|sucursal)\b", re.IGNORECASE
)
_CHINESE_BRANCH = re.compile(r"^(.+?公司)[\u4e00-\u9fff]{0,10}分公司$")
#: At most this many words name where a branch is ("New York", "Hong Kong SAR").
_BRANCH_PLACE_WORDS = 4
_SEPARATORS = re.compile(r"\s*(?:[,;(/]|\s[-–—]\s)\s*")


def without_branch(spelling: str) -> str:
    """Return the body a branch belongs to, when a name ends with one; else empty.

    A branch is no legal person of its own: "Huawei Technologies Co., Ltd. Shenzhen Branch"
    and "Bank of China Limited, New York Branch" are the companies before it. The body ends
    with its legal form, or else before a comma, a dash or a bracket, and at most
    :data:`_BRANCH_PLACE_WORDS` words say where the branch is; in Chinese, a company (公司)
    ends before 分公司.

    Examples
    --------
    >>> without_branch("Huawei Technologies Co., Ltd. Shenzhen Branch")
    'Huawei Technologies Co., Ltd.'
    >>> without_branch("Deutsche Bank AG, Filiale Amsterdam"), without_branch("华为技术有限公司深圳分公司")
    ('Deutsche Bank AG', '华为技术有限公司')
    >>> without_branch("Bank of China New York Branch"), without_branch("Branch Holdings Ltd")
    ('', '')
    """
    found = _CHINESE_BRANCH.match(spelling.strip())
    if found:
        return found.group(1)
    branches = list(_BRANCH_WORD.finditer(spelling))
    if not branches:
        return ""
    branch = branches[-1]
    head, tail = spelling[: branch.start()], spelling[branch.end() :]
    if len(tail.split()) > _BRANCH_PLACE_WORDS:  # not at the end: part of the name
        return ""
    # The body ends with its legal form, or else before a comma, a dash or a bracket; the few
    # words after it say where the branch is.
    words = head.split()
    forms = [i for i, word in enumerate(words) if _is_form_word(word)]
    cuts = list(_SEPARATORS.finditer(head))
    if forms and len(words) - forms[-1] - 1 <= _BRANCH_PLACE_WORDS:
        body = " ".join(words[: forms[-1] + 1])
    elif cuts and len(head[cuts[-1].end() :].split()) <= _BRANCH_PLACE_WORDS:
        body = head[: cuts[-1].start()]
    else:
        return ""
    body = body.strip(" ,;-–—(")
    return body if name_key(body) else ""


#: "c/o" (care of): what follows names where the goods or letters go, not the party named
#: first. Written out, "Care of" is as often part of a name ("Senior Care of Ohio").
_CARE_OF = re.compile(r"[\s,;]+c/o\s", re.IGNORECASE)


def without_care_of(spelling: str) -> str:
    """Return the party a name gives before "c/o" (care of); else empty.

    "Hikvision c/o Global Logistics Inc." is Hikvision. The name as written is compared too,
    so is the party after "c/o" (:func:`in_care_of`), as a `possible` at most, to review.

    Examples
    --------
    >>> without_care_of("Hikvision c/o Global Logistics Inc."), without_care_of("Hikvision")
    ('Hikvision', '')
    """
    found = _CARE_OF.search(spelling)
    if not found:
        return ""
    party = spelling[: found.start()].strip(" ,;")
    return party if name_key(party) else ""


def in_care_of(spelling: str) -> str:
    """Return the party a name gives after "c/o" (care of), where the goods go; else empty.

    "ABC Freight Ltd. c/o Sense Time" is a sale to ABC Freight for Sense Time: the matcher
    compares Sense Time too, as a `possible` at most, to review.

    Examples
    --------
    >>> in_care_of("ABC Freight Ltd. c/o Sense Time"), in_care_of("Sense Time")
    ('Sense Time', '')
    """
    found = _CARE_OF.search(spelling)
    if not found:
        return ""
    party = spelling[found.end() :].strip(" ,;")
    return party if name_key(party) else ""


#: Words that say a name is followed by its address ("... Co., Ltd. No. 555 Qianmo Road"), as
#: bills of lading and customs records write a party. Words that also name companies ("Park",
#: "Tower", "Plaza", "St." for "Saint") are not among them.
_ADDRESS_WORDS = frozenset(
    {"road", "rd", "street", "str", "avenue", "ave", "boulevard", "blvd", "lane", "highway",
     "district", "building", "bldg", "floor", "flr", "room", "rm", "suite", "strasse",
     "straße", "calle", "rua", "ulitsa", "ul", "prospekt", "pr-t"}
)  # fmt: skip
_ADDRESS_NUMBER = re.compile(r"^(?:no\.?|nr\.?|#)?\d[\d\-/]*[a-z]?$|^(?:no|nr)\.?\d", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_ADDRESS_SPLIT = re.compile(r"[\s,;]+")


def without_address(spelling: str) -> str:
    """Return the name a party's address follows, when one does; else empty.

    Bills of lading and customs records often write a party's name and address as one text.
    The name ends with its legal form, when the words after it name a street, a road, a
    building or a house number ("No. 555"); else before a house number that a street or road
    follows ("iFlytek 666 Wangjiang West Road").

    Examples
    --------
    >>> without_address("HUAWEI TECHNOLOGIES CO LTD BANTIAN LONGGANG DISTRICT SHENZHEN 518129")
    'HUAWEI TECHNOLOGIES CO LTD'
    >>> without_address("ZHEJIANG DAHUA TECHNOLOGY CO.,LTD. NO.1199 BIN'AN ROAD, HANGZHOU")
    'ZHEJIANG DAHUA TECHNOLOGY CO.,LTD.'
    >>> without_address("IFLYTEK 666 WANGJIANG WEST ROAD HEFEI ANHUI")
    'IFLYTEK'
    >>> without_address("Hetian Prefecture Public Security Bureau No. 18 Industrial Road")
    'Hetian Prefecture Public Security Bureau'

    A number that no street follows is part of the name:

    >>> without_address("China Electronics Technology Group Corporation 14th Research Institute")
    ''
    """
    if not _DIGIT.search(spelling) and _ADDRESS_WORDS.isdisjoint(
        spelling.lower().replace(",", " ").split()
    ):
        return ""  # most names: quicker told so than split into words
    words = [w for w in _ADDRESS_SPLIT.split(spelling.strip()) if w]
    lowered = [w.lower().strip(".,()") for w in words]
    is_address_word = [w in _ADDRESS_WORDS or w.endswith(("strasse", "straße")) for w in lowered]
    is_number = [bool(_ADDRESS_NUMBER.match(w)) for w in words]
    is_form = [_is_form_word(w) or all(_is_form_word(p) for p in w.split(",") if p) for w in words]
    # The address starts by its first street word or "No. 555"; the name ends with the last
    # legal form before it ("Aviation Industry Corporation of China, Ltd. No. 18 ... Road").
    starts = [
        j
        for j in range(len(words))
        if is_address_word[j] or (is_number[j] and lowered[j][:2] == "no")
    ]
    if starts:
        for i in reversed(range(1, starts[0])):
            if is_form[i] and not is_form[i + 1]:
                body = spelling[: _end_of_word(spelling, words, i)]
                if name_key(body):  # else a form opens the name ("Joint Stock Company ...")
                    return body
    # Else it ends before a house number that a street follows ("iFlytek 666 ... Road").
    for i in range(1, len(words) - 1):
        if is_number[i] and any(is_address_word[j] for j in range(i + 1, min(i + 5, len(words)))):
            last = i - 2 if lowered[i - 1] in ("no", "nr", "#") else i - 1  # "No. 18"
            if last < 0:
                return ""
            body = spelling[: _end_of_word(spelling, words, last)].rstrip(" ,;")
            return body if name_key(body) else ""
    return ""


def _end_of_word(spelling: str, words: list[str], index: int) -> int:
    """Return where the ``index``-th word of ``spelling`` ends (words as :func:`without_address` splits)."""
    end = 0
    for word in words[: index + 1]:
        end = spelling.index(word, end) + len(word)
    return end


#: Legal forms as a name run together writes them ("...COMPANYLIMITED", "JOINTSTOCKCOMPANY..."),
#: of three letters or more: shorter ones ("SA", "AG") end and start too many words.
@functools.cache
def _glued_form_words() -> tuple[str, ...]:
    words = {"".join(form) for form in WRITTEN_OUT_FORMS} | {"sadecv"}
    words |= {form for form in LEGAL_FORMS if len(form) >= 3 and form.isalpha()}
    return tuple(sorted(words, key=len, reverse=True))


#: A name run together is read so from this many letters: shorter words hold forms by chance.
RUN_TOGETHER_FROM = 10


def without_glued_forms(spelling: str) -> str:
    """Return a name written as one word without the legal forms it starts or ends with; else empty.

    Names run together ("XIANAIRCRAFTINDUSTRIALCOMPANYLIMITED", "JOINTSTOCKCOMPANYRUSHYDRO")
    hide their legal forms from the words they are told by.

    Examples
    --------
    >>> without_glued_forms("XIANAIRCRAFTINDUSTRIALCOMPANYLIMITED")
    'xianaircraftindustrial'
    >>> without_glued_forms("PUBLICJOINTSTOCKCOMPANYRUSHYDRO"), without_glued_forms("Xian Aircraft")
    ('rushydro', '')
    """
    if " " in spelling.strip():
        return ""
    word = _NON_LETTER.sub("", fold(spelling))
    if len(word) < RUN_TOGETHER_FROM:
        return ""
    forms = _glued_form_words()
    bare = word
    while found := next((f for f in forms if bare.endswith(f) and len(bare) - len(f) >= 4), ""):
        bare = bare[: -len(found)]
    while found := next((f for f in forms if bare.startswith(f) and len(bare) - len(f) >= 4), ""):
        bare = bare[len(found) :]
    return bare if bare != word else ""


#: A name is read as cut off at a field's width from this many characters (EDIFACT's party name
#: fields hold 35).
CUT_OFF_AT_FROM = 30


def without_cut_form(spelling: str) -> str:
    """Return a long name without its last word when that is a legal form cut off; else empty.

    A name cut off at a field's width often ends inside its legal form ("China South
    Industries Group Corpor").

    Examples
    --------
    >>> without_cut_form("China South Industries Group Corpor")
    'China South Industries Group'
    >>> without_cut_form("Beijing J&A Industry & Trade Co. Lt"), without_cut_form("Acme Trading Co")
    ('Beijing J&A Industry & Trade Co.', '')
    """
    if len(spelling) < CUT_OFF_AT_FROM:
        return ""
    head, _, last = spelling.rstrip(" .,").rpartition(" ")
    cut = last.lower().strip(".,(")
    if not head or len(cut) < 2 or not cut.isalpha() or cut in LEGAL_FORMS:
        return ""  # one letter may start any word
    if cut in _glued_form_starts():
        return head.rstrip(" ,") if name_key(head) else ""
    return ""


@functools.cache
def _glued_form_starts() -> frozenset[str]:
    """Return every start of a legal form's letters: one look-up a long name, not one a form."""
    return frozenset(form[:i] for form in _glued_form_words() for i in range(1, len(form) + 1))


#: Parties written in one field, as consignee and notify party: "Sense Time; ABC Trading Ltd",
#: "Sense Time / ABC Trading Ltd" ("A/S", written without spaces, is a legal form).
_PARTY_SEPARATOR = re.compile(r"\s*;\s*|\s+/\s+")


def parties(spelling: str) -> list[str]:
    """Return the parties a name lists, separated by ";" or " / "; else an empty list.

    Examples
    --------
    >>> parties("Sense Time; ABC Trading Ltd"), parties("Maersk A/S"), parties("M&amp;P Ltd")
    (['Sense Time', 'ABC Trading Ltd'], [], [])
    """
    if "&" in spelling:
        spelling = html.unescape(spelling)  # "&amp;" holds no party's end
    if ";" not in spelling and " / " not in spelling:
        return []
    found = [p for p in _PARTY_SEPARATOR.split(spelling) if name_key(p)]
    return found if len(found) > 1 else []


def unescaped(spelling: str) -> str:
    """Return a spelling with its HTML entities read ("Smith &amp; Co."), when it has any; else empty.

    >>> unescaped("Bowne &amp; Co."), unescaped("Bowne & Co.")
    ('Bowne & Co.', '')
    """
    if "&" not in spelling or ";" not in spelling:
        return ""
    read = html.unescape(spelling)
    return read if read != spelling else ""


#: A run of an East Asian script: Japanese kana, Chinese characters, Korean hangul.
_EAST_ASIAN_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3]+")
#: Brackets left empty once a name's East Asian part is taken out of them.
_EMPTY_BRACKETS = re.compile(r"[(\[（]\W*[)\]）]")
#: A word of Latin letters, two or more: what a part in Latin script must hold.
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def script_parts(spelling: str) -> list[str]:
    """Return the parts of a name written in two scripts: its East Asian part, then the rest.

    Chinese, Japanese and Korean records often give a company's name in both scripts ("海康威视
    Hikvision", "Huawei 华为技术有限公司", "Hikvision (海康威视)"). Each part names the body;
    read as one name, the syllables and the Latin words would run into one another. Empty for
    a name in one script, or whose other part holds no word of two Latin letters.

    Examples
    --------
    >>> script_parts("海康威视 Hikvision"), script_parts("Hikvision (海康威视)")
    (['海康威视', 'Hikvision'], ['海康威视', 'Hikvision'])
    >>> script_parts("大华 Dahua Technology Co., Ltd.")
    ['大华', 'Dahua Technology Co., Ltd.']
    >>> script_parts("华为技术有限公司"), script_parts("Huawei"), script_parts("海康威视 A")
    ([], [], [])
    """
    if spelling.isascii():
        return []
    runs = _EAST_ASIAN_RUN.findall(spelling)
    if not runs:
        return []
    rest = _EMPTY_BRACKETS.sub(" ", _EAST_ASIAN_RUN.sub(" ", spelling))
    rest = " ".join(rest.split()).strip(" ,;:/|-")
    return ["".join(runs), rest] if _LATIN_WORD.search(rest) else []


#: Kinds of organisation rigour also finds that describe what a body does rather than its legal
#: form ("Charitable Organization"): they stay, as words that tell names apart.
_DESCRIPTIONS = frozenset({"ngo"})


def without_legal_forms(name: str) -> str:
    """Return a name, case-folded, without its legal forms in the languages of the lists.

    From rigour's table of organisation types (the OpenSanctions project), beside the forms
    :mod:`exposure.names` drops itself: "Aktiengesellschaft", "Sp. z o.o.", "S.A. de C.V.",
    "obshchestvo s ogranichennoi otvetstvennostiu" and their Cyrillic originals. A form of one
    or two letters written without dots ("AS", "SE", "YU") is kept: it is as often a word of
    the name; so is one that abbreviates a word (:data:`ABBREVIATIONS`: "Ops", where Czech
    "o.p.s." is dotted).

    Examples
    --------
    >>> without_legal_forms("Bosch Gesellschaft mit beschränkter Haftung").split()
    ['bosch']
    >>> without_legal_forms("Orlen Sp. z o.o.").split()
    ['orlen']
    >>> without_legal_forms("Łoś spółka z o.o").split()
    ['łoś']
    >>> without_legal_forms("Lucas-Yu")
    'lucas-yu'
    >>> without_legal_forms("Lincoln Electric Inc").split()
    ['lincoln', 'electric']
    >>> without_legal_forms("Bank of the U.S.A., S.A.").split()
    ['bank', 'of', 'the', 'u.s.a.,']
    >>> without_legal_forms("Auction Limited Liabxlity Company").split()
    ['auction']
    >>> without_legal_forms("JANSSEN PHARMACEUTICAL N. V.").split()
    ['janssen', 'pharmaceutical']
    """
    extract_org_types = _org_types()
    # Turkish "A.Ş." is read as the dotted form "a.s." (rigour knows Czech "a.s."); a dotted
    # form spaced out ("N. V.", "S. A.") as written together.
    text = (without_written_out_forms(name) or name.casefold()).replace("ş", "s")
    text = _SPACED_LETTERS.sub(r"\1.", text)
    # A dotted form cut short of its last dot ("Łoś spółka z o.o") is read as written in full.
    cut_short = bool(_CUT_SHORT_FORM.search(text))
    text += "." if cut_short else ""
    # Before rigour's forms too: it would take the "S.A." of "S.A.L." or the "LLC" of "LLC-FZ".
    text = _without_forms_rigour_lacks(text)
    for form, kind in extract_org_types(text):
        if kind not in _DESCRIPTIONS and (
            "." in form
            or (len(_NON_WORD_CHARACTER.sub("", form)) > 2 and form not in ABBREVIATIONS)
        ):
            text = _whole_word(form).sub(" ", text, count=1)
    text = text[:-1] if cut_short and text.endswith(".") else text
    return _without_forms_rigour_lacks(text)


_NON_WORD_CHARACTER = re.compile(r"\W")

#: Legal forms rigour's table lacks, as they close a name, written with their dots (their last
#: one may be left out): Polish partnerships, Czech, Spanish, Peruvian and Mexican, Italian,
#: Dutch, Greek, Egyptian and Japanese forms, and the Gulf's: "W.L.L." (with limited
#: liability), Bahrain's "B.S.C.", Qatar's "Q.S.C.", Kuwait's "K.S.C.C.", Oman's "S.A.O.G.",
#: Lebanon's "S.A.L.", the one-person "S.P.C.".
DOTTED_FORMS_CLOSING = (
    "sp. j.", "sp. k.", "sp. p.", "s.k.a.", "p.s.a.", "v.o.s.", "k.s.", "s.l.", "s.l.u.",
    "s. de r.l.", "s. de r.l. de c.v.", "s. en c.", "s.a.c.", "s.a.a.", "e.i.r.l.", "s.n.c.",
    "s.r.l.s.", "s.c.a.r.l.", "s.c.r.l.", "soc. coop.", "v.o.f.", "a.e.", "s.a.e.", "y.k.",
    "g.k.", "p.c.", "w.l.l.", "b.s.c.", "b.s.c. (c)", "q.s.c.", "q.p.s.c.", "k.s.c.",
    "k.s.c.c.", "q.s.c.c.", "s.a.o.g.", "s.a.o.c.", "p.s.c.", "s.p.c.", "s.a.l.", "s/a",
)  # fmt: skip
#: Legal forms rigour's table lacks written without dots, as they close a name: only where no
#: word of a name is spelt so ("SNC-Lavalin" opens a name with "SNC", and "Sal." a bank's).
#: "KG", "AB", "AS", "AD" and "OU" (Estonian "OÜ") are a form there, though rigour keeps forms
#: of two letters without dots anywhere else. Russia's state unitary enterprises ("FGUP",
#: "GUP"), Bulgaria's "EOOD" and "OOD", Ukraine's "PrAT", the Emirates' free-zone "FZ-LLC".
UNDOTTED_FORMS_CLOSING = (
    "a/s", "asa", "ab", "as", "ad", "ou", "kg", "ska", "slu", "snc", "sasu", "eirl", "lda",
    "unipessoal", "srls", "scarl", "scrl", "vof", "pfa", "wll", "bsc", "qsc", "qpsc", "kscc",
    "saog", "saoc", "spc", "sae", "sal", "fz", "fz-llc", "fz llc", "fzllc", "llc-fz", "prat",
    "nao", "fgup", "gup", "eood", "ood", "oü",
)  # fmt: skip
#: Cyrillic legal forms, opening or closing a name: Russia's "АО", "НАО", "ФГУП", "ГУП",
#: "МУП" (joint-stock companies, state and municipal unitary enterprises), Ukraine's "АТ",
#: "ПАТ", "ПрАТ", "ТДВ", "ДП", "ПП", Kazakhstan's "ТОО", Bulgaria's "ЕООД", "ООД", "АД", and
#: "ИП" (a sole trader), which unidecode would give as Latin words ("ip" reads "intellectual
#: property").
CYRILLIC_FORMS = (
    "ао", "нао", "фгуп", "гуп", "муп", "ат", "пат", "прат", "тдв", "дп", "пп", "тоо", "еоод",
    "оод", "ад", "ип",
)  # fmt: skip


def _dotted(form: str) -> str:
    """Return a pattern of a dotted form, spaces after its dots optional, its last dot too."""
    pattern = r"\s?".join(re.escape(part) for part in form.split())
    pattern = pattern.replace(r"\.", r"\.\s?")
    return pattern[: -len(r"\.\s?")] + r"\.?" if pattern.endswith(r"\.\s?") else pattern


_FORMS_CLOSING = re.compile(
    # Dutch "C.V." but not the "C.V." of "S.A. de C.V.", which rigour takes whole.
    r"(?:(?<!\bde)[\s,]+c\.\s?v\.?|[\s,]+(?:"
    + "|".join(
        [
            *(_dotted(f) for f in sorted(DOTTED_FORMS_CLOSING, key=len, reverse=True)),
            *(re.escape(f) for f in sorted(UNDOTTED_FORMS_CLOSING, key=len, reverse=True)),
            *CYRILLIC_FORMS,
        ]
    )
    + r"))[\s.,]*$"
)
_FORMS_OPENING = re.compile(r"^\s*(?:" + "|".join(["fgup", *CYRILLIC_FORMS]) + r")\s+")


def _without_forms_rigour_lacks(text: str) -> str:
    """Return a case-folded name without the legal forms rigour lacks that open or close it.

    A name of a form alone keeps it.

    Examples
    --------
    >>> _without_forms_rigour_lacks("kowalski i syn sp. j."), _without_forms_rigour_lacks("maersk a/s")
    ('kowalski i syn', 'maersk')
    >>> _without_forms_rigour_lacks("ао алмаз-антей"), _without_forms_rigour_lacks("snc-lavalin")
    ('алмаз-антей', 'snc-lavalin')
    """
    stripped = text
    while True:
        shorter = _FORMS_CLOSING.sub("", stripped)
        shorter = _FORMS_OPENING.sub("", shorter)
        if shorter == stripped:
            break
        stripped = shorter
    return stripped if _WORD_CHARACTER.search(stripped) else text


_WORD_CHARACTER = re.compile(r"\w")
#: A letter and its dot followed, after spaces, by another letter and its dot: "n. v." is
#: "n.v.".
_SPACED_LETTERS = re.compile(r"(?<![\w.])([^\W\d_])\.\s+(?=[^\W\d_]\.)")


@functools.cache
def _org_types() -> Callable[[str], list[tuple[str, str]]]:
    from rigour.names import extract_org_types  # loads its tables: only fuzzy matching needs it

    return extract_org_types


@functools.lru_cache(maxsize=1024)
def _whole_word(form: str) -> re.Pattern[str]:
    """Return a pattern finding a legal form as a whole word: not the "inc" of "Lincoln".

    Nor a dotted form ending other initials: not the "S.A." of "U.S.A.".
    """
    before = r"(?<!\w)" if form[:1].isalnum() else ""
    before += r"(?<!\w\.)" if before and "." in form else ""
    after = r"(?!\w)" if form[-1:].isalnum() else ""
    return re.compile(before + re.escape(form) + after)


#: Legal forms of several words as :func:`~exposure.names.fold` writes them: found in a name
#: through one typo in one word ("LIMITED LIABxLITY COMPANY", "Canon Kabuhsiki Kaisha"), glued
#: into one word ("CLOSED JOINTSTOCK COMPANY") or without accents ("beschrankter"), which
#: rigour's table, written in the forms' own letters, does not find.
WRITTEN_OUT_FORMS = tuple(
    dict.fromkeys(
        [
            *(tuple(phrase.split()) for phrase in (
                "limited liability company", "ltd liability company", "ltd liability co",
                "limited liability co", "public limited company",
                "closed joint stock company", "open joint stock company",
                "public joint stock company", "joint stock company",
                "gesellschaft mit beschrankter haftung",
                "societe a responsabilite limitee", "societe anonyme",
                "societa a responsabilita limitata", "societa per azioni",
                "sociedad de responsabilidad limitada", "sociedad anonima",
                "sociedade anonima", "spolka z ograniczona odpowiedzialnoscia",
                "spolka akcyjna", "societatea cu raspundere limitata", "besloten vennootschap",
                "naamloze vennootschap", "obshchestvo s ogranichennoi otvetstvennostiu",
                "kabushiki gaisha", "spolka jawna", "spolka komandytowa",
                "spolka partnerska", "spolka komandytowo akcyjna", "limited partnership",
                "limited liability partnership", "general partnership", "aksjeselskap",
                "allmennaksjeselskap", "aktieselskab", "anpartsselskab", "osakeyhtio",
                "private ltd", "sociedad limitada", "kollektif sirketi", "komandit sirketi",
                # "company" in Arabic and Persian, as the lists transliterate it
                "sharikat", "sharika", "sharikah", "sherkat", "sherkate", "sharikat musahama",
                # Russia's state corporation (Rostec, Rosatom), written out and abbreviated
                "state corporation", "gosudarstvennaia korporatsiia",
                "gosudarstvennaya korporatsiya", "goskorporatsiia", "goskorporatsiya",
            )),
            *LEGAL_PHRASES,
        ]
    )
)  # fmt: skip

#: A word of a form is read through a typo from this many letters.
FORM_TYPO_FROM = 4
#: Each word of three letters or more of :data:`WRITTEN_OUT_FORMS`: the forms it is in, and where.
_FORMS_WITH_WORD: dict[str, list[tuple[tuple[str, ...], int]]] = {}
for _form in WRITTEN_OUT_FORMS:
    for _at, _word in enumerate(_form):
        if len(_word) >= 3:
            _FORMS_WITH_WORD.setdefault(_word, []).append((_form, _at))
#: The forms of several words glued into one ("jointstock").
_GLUED_FORMS = {"".join(form): form for form in WRITTEN_OUT_FORMS if len(form) > 1}
#: A name holding none of these holds no form to look for: a typo is in one word, so another
#: of four letters or more is written right ("ltd" alone, in most names, is no sign).
_FORM_WORDS = frozenset(w for w in _FORMS_WITH_WORD if len(w) >= FORM_TYPO_FROM) | frozenset(
    _GLUED_FORMS
)
_LONGEST_FORM = max(len(form) for form in WRITTEN_OUT_FORMS)
_WORD = re.compile(r"[0-9a-z]+")


def without_written_out_forms(name: str) -> str | None:
    """Return a name, folded, without the :data:`WRITTEN_OUT_FORMS` it holds; else ``None``.

    A form is found glued into one word, with one typo in one word of four letters or more
    that is no word in common use ("Joynt", not "Stick") while its other words are written
    right, or otherwise as rigour's table does not know it ("Ltd. Liability Co.", without
    accents). A form written as rigour knows it is left to :func:`without_legal_forms`:
    rigour may know a longer one ("Joint Stock Commercial Bank").

    Examples
    --------
    >>> without_written_out_forms("Tactical Missiles Corporation Joynt Stock Company")
    'tactical missiles corporation  '
    >>> without_written_out_forms("Bosch Gesellschaft mit beschrankter Haftung")
    'bosch  '
    >>> without_written_out_forms("Joint Stick Ltd") is None
    True
    """
    folded = fold(name)
    if _FORM_WORDS.isdisjoint(_WORD.findall(folded)):
        return None
    # Each word with where it stands; a glued form stands for its words.
    words: list[str] = []
    spans: list[tuple[int, int]] = []
    for found in _WORD.finditer(folded):
        for word in _GLUED_FORMS.get(found.group(), (found.group(),)):
            words.append(word)
            spans.append(found.span())
    cut: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        form = _form_at(words, i)
        size = len(form)
        if size:
            start, end = spans[i][0], spans[i + size - 1][1]
            # As written: no typo, not glued, no dots ("Ltd. Liability Co." is not in the table).
            as_written = (
                words[i : i + size] == list(form)
                and len(set(spans[i : i + size])) == size
                and "." not in folded[start:end]
            )
            if not (as_written and form in _forms_rigour_knows()):
                cut.append((start, end))
        i += size or 1
    for start, end in reversed(cut):
        folded = folded[:start] + " " + folded[end:]
    return folded if cut else None


def _form_at(words: list[str], i: int) -> tuple[str, ...]:
    """Return the longest of :data:`WRITTEN_OUT_FORMS` ``words[i]`` on reads as, or ``()``."""
    longest: tuple[str, ...] = ()
    for j in range(i, min(i + _LONGEST_FORM, len(words))):
        for form, at in _FORMS_WITH_WORD.get(words[j], ()):
            if j - at == i and len(form) > len(longest) and _reads_as(words[i:], form):
                longest = form
    return longest


def _reads_as(words: list[str], form: tuple[str, ...]) -> bool:
    """Return whether words start with a form as written, or with one typo in one word."""
    if len(words) < len(form):
        return False
    wrong = [(w, f) for w, f in zip(words, form, strict=False) if w != f]
    if not wrong:
        return True
    if len(wrong) > 1 or len(form) == 1:
        return False
    written, meant = wrong[0]
    return (
        len(meant) >= FORM_TYPO_FROM
        and written.isalpha()
        and _is_rare(written)
        and bool(deletions(written) & deletions(meant))
    )


@functools.cache
def _forms_rigour_knows() -> frozenset[tuple[str, ...]]:
    """Return the :data:`WRITTEN_OUT_FORMS` that rigour's table, or :func:`name_tokens`, drops.

    :func:`name_tokens` drops a phrase of :data:`LEGAL_PHRASES` only where rigour left it
    whole: rigour takes the "Limited" of "Private Limited" alone, and "Private" would stay.
    """
    from rigour.names import extract_org_types

    known = []
    for form in WRITTEN_OUT_FORMS:
        found = [text for text, _ in extract_org_types(" ".join(form))]
        if found == [" ".join(form)] or (form in LEGAL_PHRASES and not found):
            known.append(form)
    return frozenset(known)


def bears_legal_form(name: str, *, without_forms: str | None = None) -> bool:
    """Return whether a name carries an organisation's legal form ("Ltd", "GmbH", "Sp. z o.o.").

    Such a name is an organisation's: no individual, vessel or aircraft goes by it.
    ``without_forms``, when given, is :func:`without_legal_forms` of the name, already computed.

    Examples
    --------
    >>> bears_legal_form("Johnson Ltd"), bears_legal_form("Gałat Sp. z o.o.")
    (True, True)
    >>> bears_legal_form("Johnson Hu"), bears_legal_form("Hikvision"), bears_legal_form("Co Van Thanh")
    (False, False, False)
    """
    stripped = without_legal_forms(name) if without_forms is None else without_forms
    if stripped != name.casefold() or (_MAYBE_GLUED.search(name) and _GLUED_FORM.search(name)):
        return True
    words = [w for w in _NON_LETTER.split(fold(name.translate(_APOSTROPHES))) if w]
    # A form of two letters opening a name may be a person's name ("Co Van Thanh", "Sa Ping").
    if any(w in LEGAL_FORMS and (i > 0 or len(w) > 2) for i, w in enumerate(words)):
        return True
    return bool(_SPACED_PHRASES.search(f" {' '.join(words)} "))


#: :data:`~exposure.names.LEGAL_PHRASES` as words between spaces, as :func:`bears_legal_form`
#: looks for them.
_SPACED_PHRASES = re.compile("|".join(re.escape(f" {' '.join(p)} ") for p in LEGAL_PHRASES))


#: A name ending in a dotted abbreviation without its last dot ("o.o", "s.a").
_CUT_SHORT_FORM = re.compile(r"\w\.\w{1,2}$")


@dataclass(frozen=True)
class NameFormsTable:
    """The normal forms of many names, as parallel object arrays.

    ``core_sorted`` and ``distinct_sorted`` are the words sorted and run together, so that
    neither word order nor spacing counts ("Sense Time" = "SenseTime" = "Time Sense").
    ``organisation`` tells whether the name bears a legal form (:func:`bears_legal_form`, its
    glued forms set apart): such a name is no individual's, vessel's or aircraft's.

    Examples
    --------
    >>> NameFormsTable.of(["MARTINPLC", "Martin"]).organisation.tolist()
    [True, False]
    """

    key: np.ndarray
    place: np.ndarray
    core: np.ndarray
    core_sorted: np.ndarray
    distinct: np.ndarray
    distinct_sorted: np.ndarray
    n_distinct: np.ndarray
    has_distinct: np.ndarray
    numbers: np.ndarray
    territories: np.ndarray
    initials: np.ndarray
    acronym: np.ndarray
    sounds: np.ndarray
    organisation: np.ndarray

    @classmethod
    def of(cls, names: Sequence[str], *, initials: bool = True) -> NameFormsTable:
        """Return the forms of each of ``names``.

        ``initials=False`` gives, in place of :func:`name_initials`, only the initials of the
        core's words (:func:`core_initials`): a name screened is compared with listed
        acronyms by those, and listed names with its own acronym by theirs.
        """
        # Keys in bulk (Arrow's string functions for plain names): each name is then
        # tokenised once, without its legal forms.
        keys = name_keys(names).tolist() if len(names) else []
        rows = [
            form_row(name, initials=initials, key=key)
            for name, key in zip(names, keys, strict=True)
        ]
        columns = list(zip(*rows, strict=True)) if rows else [()] * len(cls.__dataclass_fields__)
        arrays = {
            f: np.asarray(
                values,
                dtype=bool
                if f in ("has_distinct", "organisation")
                else np.int64
                if f == "n_distinct"
                else object,
            )
            for f, values in zip(cls.__dataclass_fields__, columns, strict=True)
        }
        return cls(**arrays)

    def take(self, index: np.ndarray) -> NameFormsTable:
        """Return the forms of the names at ``index``."""
        return NameFormsTable(**{f: getattr(self, f)[index] for f in self.__dataclass_fields__})

    def shown(self) -> np.ndarray:
        """Return each name's core as shown to people, its place in brackets."""
        return np.array(
            [f"{c} [{p}]" if p else c for c, p in zip(self.core, self.place, strict=True)],
            dtype=object,
        )


#: A legal form written onto the end of a name ("SiemensAG", "AcmeGmbH"): a lower-case letter
#: followed by the form in capitals or as it is usually written; or, after a letter of either
#: case, a form in initials with their dots ("HUNTERDOUGLASINDUSTRIESB.V.") or one no word ends
#: in ("ACMEGMBH", "ACMELTD"): "AG" or "SA" close many words in capitals. "Co., Ltd." is one
#: form, written onto a name with its dot or comma ("HUAWEITECHNOLOGIESCO.,LTD."; "TESCOLTD" is
#: Tesco's).
_GLUED_FORMS_WRITTEN = (
    r"Co[.,]+\s?(?:Ltd|Limited)|AG|GmbH|LLC|Ltd|Inc|PLC|SpA|SRL|BV|NV|OOO|JSC|PJSC|KG|Oy"
)
_GLUED_IN_CAPITALS = r"CO[.,]+\s?(?:LTD\.?|LIMITED)|(?:[A-Z]\.){2,3}|S\.p\.A\.|GMBH|LTD|LLC|PLC"
_GLUED_FORM = re.compile(
    rf"(?<=[a-z]{{3}})({_GLUED_FORMS_WRITTEN})\b|(?<=[A-Za-z]{{3}})({_GLUED_IN_CAPITALS})(?!\w)"
)

#: Where :data:`_GLUED_FORM` may be found: quicker to look for, as it looks back one letter,
#: and only where a capital follows a letter (every form glued starts with one).
_MAYBE_GLUED = re.compile(
    rf"[A-Za-z](?=[A-Z])(?:(?<=[a-z])(?:{_GLUED_FORMS_WRITTEN})\b|(?:{_GLUED_IN_CAPITALS})(?!\w))"
)

#: "M/S" and "Messrs" (messieurs) before a firm's name, as trade papers in South Asia and Britain
#: address one: "M/S Hangzhou Hikvision Digital Technology Co Ltd".
_ADDRESSED_TO = re.compile(r"^\s*(?:M/S|MESSRS|MESSERS)\.?\s+", re.IGNORECASE)

#: A web domain's ending written onto a name ("Amazon.com Inc" is "Amazon Inc").
_WEB_DOMAIN = re.compile(r"(?<=[a-z]{3})\.(?:com|net|org)\b", re.IGNORECASE)

#: Abbreviations of descriptive words in company names, written out as the lists write them.
ABBREVIATIONS = {
    "mfg": "manufacturing", "mfrs": "manufacturers", "elec": "electronics", "dev": "development",
    "sys": "systems", "svcs": "services", "svc": "service", "mgmt": "management",
    "natl": "national", "assn": "association", "engg": "engineering",
    "equip": "equipment", "inds": "industries", "indus": "industries",
    "tech": "technology", "telecom": "telecommunications", "telekom": "telecommunications",
    "hldgs": "holdings",
    "hldg": "holding", "invt": "investment", "intl": "international", "univ": "university",
    "inst": "institute", "lab": "laboratory", "labs": "laboratories", "bros": "brothers",
    "chem": "chemical", "pharma": "pharmaceutical", "petrochem": "petrochemical",
    "us": "united states", "usa": "united states", "ctr": "center", "ctrs": "centers",
    "ops": "operations", "amer": "american", "dept": "department", "govt": "government",
    "assoc": "association", "ip": "intellectual property", "mgt": "management",
    "sci": "science", "acad": "academy", "admin": "administration", "engr": "engineering",
    "grp": "group", "hosp": "hospital", "mfr": "manufacturer", "pharm": "pharmaceutical",
    "comm": "communications", "ind": "industry", "indl": "industrial", "mach": "machinery",
    "trdg": "trading",
}  # fmt: skip


#: Descriptors of Russian and Ukrainian names, transliterated (from Cyrillic, or as the lists
#: spell them), by their stems, with the English words the lists translate them by: "90
#: Eksperimentalny Zavod OAO" is the listed "90 Experimental Plant", "Kholding VTB Kapital"
#: "VTB Capital Holdings". A stem is read with any of :data:`_RUSSIAN_ENDINGS`.
RUSSIAN_DESCRIPTORS = {
    "zavod": "plant", "kombinat": "plant", "fabrik": "factory", "institut": "institute",
    "biur": "bureau", "byur": "bureau", "tsentr": "center", "kholding": "holding",
    "kapital": "capital", "gruppa": "group", "tekhnologi": "technologies",
    "elektronik": "electronics", "obedineni": "association", "obyedineni": "association",
    "obiedineni": "association", "predpriiati": "enterprise", "predpriyati": "enterprise",
    "pidpriiemstv": "enterprise", "pidpryemstv": "enterprise", "upravleni": "administration",
    "nauchn": "scientific", "issledovatelsk": "research", "proizvodstvenn": "production",
    "konstruktorsk": "design", "opytn": "experimental", "eksperimentaln": "experimental",
    "gosudarstvenn": "state", "derzhavn": "state", "tsentraln": "central",
    "federaln": "federal", "natsionaln": "national", "mezhdunarodn": "international",
    "aviatsionn": "aviation", "mashinostroiteln": "machine building",
    "priborostroiteln": "instrument making", "sudostroiteln": "shipbuilding",
    "mekhanichesk": "mechanical", "elektromekhanichesk": "electromechanical",
    "khimichesk": "chemical", "metallurgichesk": "metallurgical",
    "radiotekhnichesk": "radio engineering", "optichesk": "optical", "oboronn": "defence",
    "raketn": "missile", "kosmichesk": "space", "iadern": "nuclear", "yadern": "nuclear",
    "energetichesk": "energy", "torgov": "trading",
}  # fmt: skip
#: How transliterations end the words of :data:`RUSSIAN_DESCRIPTORS`: adjectives in every gender,
#: case and number a name uses, and nouns.
_RUSSIAN_ENDINGS = (
    "", "a", "e", "i", "o", "u", "y", "ia", "ya", "ie", "ye", "ii", "iy", "ij", "yi", "yy", "yj",
    "aia", "aya", "aja", "oe", "oye", "oie", "oje", "ogo", "ovo", "ykh", "ikh", "iia", "iya",
    "ija", "iye", "iie", "om",
)  # fmt: skip
#: Every spelling of :data:`RUSSIAN_DESCRIPTORS`, and the English words it is read as.
_RUSSIAN_READ = {
    stem + ending: english
    for stem, english in RUSSIAN_DESCRIPTORS.items()
    for ending in _RUSSIAN_ENDINGS
    if len(stem + ending) >= 4
}
#: Descriptors of Turkish names (without their accents, as names are compared), with the English
#: words the lists translate them by: "Dagdanes Makina Sanayi ve Ticaret A.Ş." is "Dagdanes
#: Machinery Industry and Trade Inc.". "Şirketi" (company) is a legal form, as in "Limited
#: Şirketi".
TURKISH_DESCRIPTORS = {
    "sanayi": "industry", "sanayii": "industry", "sanayisi": "industry", "endustri": "industry",
    "endustrisi": "industry", "endustrileri": "industry", "ticaret": "trade", "ticareti": "trade",
    "havacilik": "aviation", "makina": "machinery", "makine": "machinery",
    "makinalari": "machinery", "makineleri": "machinery", "muhendislik": "engineering",
    "teknoloji": "technology", "teknolojileri": "technologies", "teknolojisi": "technology",
    "savunma": "defence", "otomotiv": "automotive", "lojistik": "logistics",
    "tasimacilik": "transport", "insaat": "construction", "enerji": "energy",
    "kimya": "chemical", "yazilim": "software", "bilisim": "information",
    "denizcilik": "maritime", "uluslararasi": "international", "ithalat": "import",
    "ihracat": "export", "pazarlama": "marketing", "urunleri": "products",
    "sistemleri": "systems", "hizmetleri": "services", "danismanlik": "consulting",
    "yatirim": "investment", "grubu": "group", "sirketi": "",
}  # fmt: skip
#: Turkish words read so only beside others: "San. ve Tic." (industry and trade), "Dış Tic."
#: (foreign trade), "İç ve Dış Ticaret" (domestic and foreign trade).
_TURKISH_MARKS = frozenset({"ve", "tic", "dis"})


def _turkish_phrases(words: list[str]) -> list[str]:
    """Return a name's words with Turkish abbreviations and phrases of trade read in English.

    Only in a name holding a Turkish descriptor or abbreviation: "ve" (and) is a word of other
    names too.

    >>> _turkish_phrases(["abc", "san", "ve", "tic"])
    ['abc', 'industry', 'and', 'trade']
    >>> _turkish_phrases(["kral", "ic", "ve", "dis", "ticaret"]), _turkish_phrases(["ve", "jose"])
    (['kral', 'domestic', 'and', 'foreign', 'ticaret'], ['ve', 'jose'])
    """
    if not any(w in TURKISH_DESCRIPTORS or w in ("san", "tic") for w in words):
        return words
    read: list[str] = []
    for i, word in enumerate(words):
        before, after = words[i - 1] if i else "", words[i + 1 : i + 3]
        if word == "ic" and after == ["ve", "dis"]:
            read.append("domestic")
        elif word == "dis" and after[:1] in (["ticaret"], ["tic"]):
            read.append("foreign")
        elif word == "san" and after[:1] == ["ve"]:
            read.append("industry")
        elif word == "tic" and before in ("ve", "dis"):
            read.append("trade")
        else:
            read.append("and" if word == "ve" else word)
    return read


#: Abbreviations written out only after a place or an administrative level: "Kashgar PSB" and
#: "Urumqi City PSB" are public security bureaus, as the press writes those the Entity List
#: names (84 FR 54002); "PSB" alone is as often a bank's brand (Promsvyazbank).
AFTER_A_PLACE = {"psb": "public security bureau"}
_LEVEL_WORDS = frozenset(
    {"city", "county", "district", "municipal", "municipality", "prefecture", "province", "region"}
)


#: China as addresses write it after a city or province: "Shenzhen, P.R. China".
_CHINA = (["china"], ["prc"], ["pr", "china"], ["p", "r", "china"])


def _without_country_after_place(words: list[str]) -> list[str]:
    """Return a name's words without "China" closing them after a Chinese place.

    >>> _without_country_after_place(["sense", "time", "shenzhen", "p", "r", "china"])
    ['sense', 'time', 'shenzhen']
    >>> _without_country_after_place(["bank", "of", "china"])
    ['bank', 'of', 'china']
    """
    if len(words) < 3 or words[-1] not in ("china", "prc"):
        return words
    for country in _CHINA:
        head = words[: -len(country)]
        if words[-len(country) :] == country and len(head) > 1 and head[-1] in PLACE_NAMES:
            return head
    return words


def _after_a_place(words: list[str]) -> list[str]:
    """Return a name's words, :data:`AFTER_A_PLACE` written out where a place or level precedes.

    >>> _after_a_place(["kashgar", "psb"]), _after_a_place(["psb", "bank"])
    (['kashgar', 'public', 'security', 'bureau'], ['psb', 'bank'])
    """
    read: list[str] = []
    for i, word in enumerate(words):
        before = words[i - 1] if i else ""
        if word in AFTER_A_PLACE and (before in PLACE_NAMES or before in _LEVEL_WORDS):
            read.extend(AFTER_A_PLACE[word].split())
        else:
            read.append(word)
    return read


def form_row(name: str, *, initials: bool = True, key: str | None = None) -> tuple[Any, ...]:
    """Return the fields of :class:`NameFormsTable` for one name, in their order.

    The key is the name's :func:`~exposure.names.name_key` (what decisions are recorded by;
    ``key``, when given, is it, already computed); the forms compared are the words left
    once legal forms in any language are removed (:func:`without_legal_forms`).
    """
    unglued = _as_compared(name)
    stripped = without_legal_forms(unglued)
    # A name of legal forms only ("Ltd") keeps them.
    words = name_tokens(stripped) or name_tokens(name)
    # Abbreviations written out, and a descriptor or legal form with a typo ("Corpoxation",
    # "Internxtional") read as that word, before a leading place is told from the rest:
    # "Sichuan Univ." is "Sichuan University", and "Grp." a legal form as "Group" is.
    if not _TURKISH_MARKS.isdisjoint(words):
        words = _turkish_phrases(words)
    read = [
        w for t in words for w in (_READ_AS[t] if t in _READ_AS else typo_of_vocabulary(t)).split()
    ]
    if not AFTER_A_PLACE.keys().isdisjoint(read):
        read = _after_a_place(read)
    if read != words:
        forms = legal_forms_of(name)
        words = [t for t in read if t not in forms] or read
    # "The Aviation Industry Corporation of China" is the listed "Aviation Industry ...": an
    # article in front would also hide the place a name starts with. Registers put it last
    # ("Boeing Company, The").
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    if len(words) > 1 and words[-1] == "the":
        words = words[:-1]
    words = _without_country_after_place(without_place_titles(words))
    place, rest = split_place(words)
    if in_chinese_script(name):
        lead, syllables = _with_place_read(name, place, rest)
        rest = [*lead, *_chinese_words(_with_level_mark(name, words, place, syllables))]
        # Read in English, the words are told from the place as in Latin script: a place is set
        # aside only from a name it does not make alone ("新疆公安厅" is Xinjiang's public
        # security department).
        place, rest = split_place(without_place_titles([*place.split(), *rest]))
    rest = _compound_numbers(rest)
    facts = [_sound_facts(t) for t in rest]
    kept = [t for t, (_, generic) in zip(rest, facts, strict=True) if not generic]
    distinct = kept or rest
    core = " ".join(rest)
    return (
        name_key(name) if key is None else key,
        place,
        core,
        "".join(sorted(rest)),
        " ".join(distinct),
        "".join(sorted(distinct)),
        len(set(distinct)),
        bool(kept),
        " ".join(sorted(_numbers(core))),
        _territories(rest),
        name_initials(name) if initials else core_initials(rest, name),
        _acronym(name, place, rest),
        _sounds([sound for sound, generic in facts if not (generic and kept)]),
        bears_legal_form(unglued, without_forms=stripped),
    )


def _as_compared(name: str) -> str:
    """Return a name as its forms are made from it: glued forms set apart, no "M/S" or domain."""
    unglued = _GLUED_FORM.sub(r" \g<0>", name) if _MAYBE_GLUED.search(name) else name
    if unglued[:1] in "Mm":
        unglued = _ADDRESSED_TO.sub("", unglued) or unglued
    if "." in unglued:
        unglued = _WEB_DOMAIN.sub("", unglued)
    return unglued


#: Descriptors and legal forms this long or longer are read through one typo.
VOCABULARY_TYPO_FROM = 7


def deletions(word: str) -> set[str]:
    """Return ``word`` and each spelling of it with one letter left out.

    Two words one typo apart (a letter changed, added or dropped, anywhere) share one of these
    ("vizcaya" and "viscaya" both give "vicaya"): the symmetric-deletion idea of spelling
    correctors.

    Examples
    --------
    >>> deletions("vizcaya") & deletions("viscaya")
    {'vicaya'}
    """
    found = {word[:i] + word[i + 1 :] for i in range(len(word))}
    found.add(word)
    return found


@functools.cache
def _vocabulary_deletions() -> dict[str, str]:
    """Return each spelling one letter short of a long descriptor or legal form, and the word.

    A spelling two words share maps to no word (empty). Only words in common use count:
    pinyin descriptors ("tongxin") are one letter from given names ("Hongxin"). Russian and
    Turkish descriptors (:data:`RUSSIAN_DESCRIPTORS`, :data:`TURKISH_DESCRIPTORS`) count, read
    in English: their spellings of one stem are one letter apart, and are one word.
    """
    vocabulary = {
        word: word
        for word in (GENERIC_WORDS - ROMANCE_DESCRIPTORS) | LEGAL_FORMS
        if len(word) >= VOCABULARY_TYPO_FROM and word.isalpha() and not _is_rare(word)
    }
    for spelling, english in (*_RUSSIAN_READ.items(), *TURKISH_DESCRIPTORS.items()):
        if len(spelling) >= VOCABULARY_TYPO_FROM and spelling.isalpha() and english:
            vocabulary.setdefault(spelling, english)
    found: dict[str, str] = {}
    for word, read in sorted(vocabulary.items()):
        for short in deletions(word):
            found[short] = read if found.get(short, read) == read else ""
    # Spanish, Portuguese, Italian and French descriptors are read only through a typo no
    # other word gives: "Interntaional" stays the English word, not "Internacional".
    for word in sorted(ROMANCE_DESCRIPTORS):
        for short in deletions(word):
            found.setdefault(short, word)
    return found


@functools.lru_cache(maxsize=1 << 16)
def typo_of_vocabulary(word: str) -> str:
    """Return the descriptor or legal form a rare word is one typo of; else the word itself.

    Only words of :data:`VOCABULARY_TYPO_FROM` letters or more that no language of
    :data:`COMMON_IN` uses (a typo is no word) and only one such vocabulary word fits. A typo of
    a Russian or Turkish descriptor gives the English words it is read as.

    Examples
    --------
    >>> typo_of_vocabulary("corpoxation"), typo_of_vocabulary("internxtional")
    ('corporation', 'international')
    >>> typo_of_vocabulary("hikvision"), typo_of_vocabulary("electrics")
    ('hikvision', 'electric')
    >>> typo_of_vocabulary("lojixtik"), typo_of_vocabulary("konstrutkorskoe")
    ('logistics', 'design')
    """
    if (
        len(word) < VOCABULARY_TYPO_FROM
        or word in GENERIC_WORDS
        or word in LEGAL_FORMS
        or word in _READ_AS
        or not word.isalpha()
        or not _is_rare(word)
    ):
        return word
    table = _vocabulary_deletions()
    found = {table.get(short, "") for short in deletions(word)} - {""}
    return found.pop() if len(found) == 1 else word


#: A word's sound (its metaphone) is compared from this many letters of it: shorter sounds
#: ("SN" for "Sony" and "Sun") are shared by too many words that are not one.
SOUND_FROM = 4


@functools.lru_cache(maxsize=1 << 17)
def word_sound(word: str) -> str:
    """Return how a word sounds (its metaphone, from rigour), or empty when that is too short.

    Transliterations and misspellings of one word mostly sound alike: "Philips" and "Filips",
    "Koninklijke" and "Koninklejke", "Electronics" and "Ehlektroniks" (from Russian).

    Examples
    --------
    >>> word_sound("philips"), word_sound("filips"), word_sound("sony")
    ('FLPS', 'FLPS', '')
    """
    sound = _metaphone()(word) if word.isalpha() else ""
    return sound if len(sound) >= SOUND_FROM else ""


@functools.cache
def _metaphone() -> Callable[[str], str]:
    from rigour.text.phonetics import metaphone  # loads its tables: only fuzzy matching needs it

    return metaphone


def _sounds(sounds: list[str]) -> str:
    """Return the sounds of a name's distinctive words, sorted; empty unless each has one.

    A word too short to have a sound ("Dell", "Sun") could be any of many: a name holding
    one is not compared by sound ("Brent Dell" and "Burnett" would sound alike).
    """
    return " ".join(sorted(sounds)) if sounds and all(sounds) else ""


#: A word sounds generic when its sound, this long at least, is a generic word's: shorter ones
#: ("SNTR" for "Center" and "Sentry") are other words as often.
GENERIC_SOUND_FROM = 5


@functools.cache
def _generic_sounds() -> frozenset[str]:
    sounds = (word_sound(word) for word in GENERIC_WORDS)
    return frozenset(s for s in sounds if len(s) >= GENERIC_SOUND_FROM)


@functools.lru_cache(maxsize=1 << 16)
def _sound_facts(word: str) -> tuple[str, bool]:
    """Return a word's sound, and whether the word is generic or sounds as one does.

    "Ehlektroniks" and "Elektronik" sound as "Electronics" and "Electronic" do. One look-up
    a word: most names hold a word no other name does.
    """
    sound = word_sound(word)
    return sound, word in GENERIC_WORDS or sound in _generic_sounds()


#: Chinese descriptors in pinyin, as the English words lists write them ("Huawei Jishu" is
#: "Huawei Technology"): what a name in Chinese script is compared by.
CHINESE_DESCRIPTORS = {
    "jishu": "technology", "keji": "technology", "dianzi": "electronics", "shuzi": "digital",
    "xinxi": "information", "tongxin": "communication", "wangluo": "network",
    "ruanjian": "software", "shebei": "equipment", "zhineng": "intelligent",
    "guoji": "international", "konggu": "holding", "touzi": "investment", "maoyi": "trade",
    "gongye": "industry", "fazhan": "development", "kexue": "science", "zaixian": "online",
    "kaifa": "development", "guanli": "management", "wuliu": "logistics",
    "zhizao": "manufacturing", "zhongduan": "device", "dianqi": "electric",
    "guangdian": "optoelectronics", "jingmi": "precision", "jixie": "machinery",
    "cailiao": "materials", "nengyuan": "energy", "qiche": "automotive", "yiliao": "medical",
    "huagong": "chemical", "shiye": "industrial", "xitong": "systems", "shuju": "data",
    "anfang": "security", "hangkong": "aviation", "hangtian": "aerospace",
    "daxue": "university", "xueyuan": "college", "gongcheng": "engineering",
    "jianshe": "construction", "fuwu": "services", "zixun": "consulting",
    "chuanmei": "media", "jiaoyu": "education", "yinhang": "bank", "baoxian": "insurance",
    "zhengquan": "securities", "jiqi": "machine", "haiyang": "marine",
    "tongxun": "communications",
    # 中国 (China), as every English name of a "中国..." body says it; 移动 (mobile), 电信
    # (telecom), 联通 (unicom), as China Mobile, China Telecom and China Unicom write them; 交通
    # (communications), as China Communications Construction does; 西北 (northwest)
    "zhongguo": "china", "yidong": "mobile", "dianxin": "telecommunications", "liantong": "unicom",
    "jiaotong": "communications", "xibei": "northwest", "dongbei": "northeast",
    "xinan": "southwest",
    # of three or four syllables, looked for first
    "hangtiankeji": "aerospace science and technology",
    "hangtiankegong": "aerospace science and industry", "gongchengwuli": "engineering physics",
    # 船舶重工 (CSIC), 国防科技 (as the National University of Defense Technology), 人民解放军
    "chuanbozhonggong": "shipbuilding industry", "guofangkeji": "national defense technology",
    "renminjiefangjun": "peoples liberation army",
    "bandaoti": "semiconductor", "weidianzi": "microelectronics",
    "yanjiusuo": "research institute", "yanjiuyuan": "research institute",
    "jinchukou": "import export", "jichengdianlu": "integrated circuit",
    # government: public security bureau (公安局) and department (公安厅), police (警察),
    # autonomous region (自治区) and prefecture (自治州), the peoples in their titles (维吾尔
    # Uighur, 柯尔克孜 Kyrgyz, 哈萨克 Kazakh, 蒙古 Mongolian, 回族 Hui, 壮族 Zhuang), people's
    # government (人民政府), prefecture (地区), production and construction corps (生产建设兵团)
    "gonganju": "public security bureau", "gonganting": "public security department",
    "gongan": "public security", "jingcha": "police", "zizhiqu": "autonomous region",
    "zizhizhou": "autonomous prefecture", "weiwuer": "uighur", "keerkezi": "kyrgyz",
    "hasake": "kazakh", "huizu": "hui", "zhuangzu": "zhuang", "zhengfu": "government",
    "menggu": "mongolian", "mengguzu": "mongolian", "hasakezu": "kazakh",
    "keerkezizu": "kyrgyz", "weiwuerzu": "uighur",
    "renminzhengfu": "peoples government", "diqu": "prefecture", "bingtuan": "corps",
    "shengchan": "production",
}  # fmt: skip


#: What a name's words are read as: abbreviations written out, Russian and Turkish descriptors
#: in English, and Chinese ones in pinyin that are descriptors in any name ("Kuangshi Keji" is
#: "Kuangshi Technology", as 旷视科技 is read); others ("huagong", chemical, "haiyang", marine)
#: are also brands and places, and are read so only in Chinese script.
_READ_AS = {
    **_RUSSIAN_READ,
    **TURKISH_DESCRIPTORS,
    **{word: english for word, english in CHINESE_DESCRIPTORS.items() if word in GENERIC_WORDS},
    **ABBREVIATIONS,
}


#: 市 (city) and 省 (province) after a leading place ("北京市", "广东省"): the level of the place,
#: read in English, as the lists write "Urumqi Municipal" and "Guangdong Province".
_LEVEL_MARKS = {"市": ("shi", "city"), "省": ("sheng", "province")}


def _with_level_mark(name: str, words: list[str], place: str, rest: list[str]) -> list[str]:
    """Return the syllables after a leading place with the 市 or 省 that closes it in English.

    Checked on the characters: the syllable "shi" is also 世, 石 or 视 of a name's own
    ("北京世纪" keeps its "shi").

    Examples
    --------
    >>> _with_level_mark("北京市商汤", ["bei", "jing", "shi", "shang", "tang"], "beijing",
    ...                  ["shi", "shang", "tang"])
    ['city', 'shang', 'tang']
    >>> _with_level_mark("北京世纪", ["bei", "jing", "shi", "ji"], "beijing", ["shi", "ji"])
    ['shi', 'ji']
    """
    lead = len(words) - len(rest)
    if not (place and rest and lead and "".join(words[:lead]) == place):
        return rest
    characters = CHINESE_CHARACTER.findall(name)
    syllable, level = _LEVEL_MARKS.get(characters[lead] if lead < len(characters) else "", ("", ""))
    return [level, *rest[1:]] if syllable == rest[0] else rest


#: What follows a place of :data:`~exposure.names.CHINESE_PLACE_NAMES` in the name of a body of
#: its government: its level, its people, its bureau. 哈密瓜 (Hami melon) is no place.
_AFTER_CHINESE_PLACE = (
    "市", "地区", "州", "县", "自治", "公安", "人民", "蒙古", "哈萨克", "柯尔克孜", "维吾尔", "回族",
)  # fmt: skip


def _with_place_read(name: str, place: str, rest: list[str]) -> tuple[list[str], list[str]]:
    """Return a leading place pinyin misreads, as the lists write it, and the syllables after it.

    For the places of :data:`~exposure.names.CHINESE_PLACE_NAMES` (the bureaus of Xinjiang the
    Entity List names) in the name of a body of their government (:data:`_AFTER_CHINESE_PLACE`),
    with 市 after one read as "city" (:data:`_LEVEL_MARKS`).

    Examples
    --------
    >>> _with_place_read("哈密市公安局", "", ["ha", "mi", "shi", "gong", "an", "ju"])
    (['hami', 'city'], ['gong', 'an', 'ju'])
    >>> _with_place_read("哈密瓜贸易", "", ["ha", "mi", "gua", "mao", "yi"])
    ([], ['ha', 'mi', 'gua', 'mao', 'yi'])
    """
    if place:
        return [], rest
    characters = "".join(CHINESE_CHARACTER.findall(name))
    for chinese, spelling in CHINESE_PLACE_NAMES.items():
        if (
            name.lstrip().startswith(chinese)  # its syllables are the first of ``rest``
            and len(rest) > len(chinese)
            and characters[len(chinese) :].startswith(_AFTER_CHINESE_PLACE)
        ):
            lead, at = [spelling], len(chinese)
            syllable, level = _LEVEL_MARKS.get(characters[at : at + 1], ("", ""))
            if syllable and rest[at] == syllable:
                lead, at = [spelling, level], at + 1
            return lead, rest[at:]
    return [], rest


def _in_words(run: list[str]) -> list[str]:
    """Return syllables run together: as one word, or in words of two when 4, 6 or 8 long."""
    if len(run) in (4, 6, 8):
        return ["".join(run[i : i + 2]) for i in range(0, len(run), 2)]
    return ["".join(run)]


def _chinese_words(syllables: list[str]) -> list[str]:
    """Group the pinyin syllables of a name in Chinese script into words.

    A descriptor of two syllables ("ji shu") becomes its English word ("technology"); the
    syllables between descriptors are run together as one word ("hua wei" is "huawei"), as
    the lists write Chinese names in Latin script. Four, six or eight of them are read as
    words of two, as most Chinese words are: a descriptor :data:`CHINESE_DESCRIPTORS` lacks
    would otherwise hide the name it follows ("hua wei xx yy" is "huawei xxyy").

    Examples
    --------
    >>> _chinese_words(["hua", "wei", "ji", "shu"])
    ['huawei', 'technology']
    >>> _chinese_words(["kuang", "shi", "ke", "ji"])
    ['kuangshi', 'technology']
    >>> _chinese_words(["a", "li", "ba", "ba", "ji", "tuan", "kong", "gu"])
    ['ali', 'baba', 'holding']
    >>> _chinese_words(["hua", "wei", "zhong", "duan"]), _chinese_words(["hai", "si", "ban", "dao", "ti"])
    (['huawei', 'device'], ['haisi', 'semiconductor'])
    """
    words: list[str] = []
    run: list[str] = []
    i = 0
    while i < len(syllables):
        size, found = next(
            (
                (size, joined)
                for size in (4, 3, 2)
                if i + size <= len(syllables)
                and (
                    (joined := "".join(syllables[i : i + size])) in CHINESE_DESCRIPTORS
                    or (size == 2 and joined in LEGAL_FORMS)
                )
            ),
            (0, ""),
        )
        if size:
            if run:
                words.extend(_in_words(run))
                run = []
            # A legal form inside a name ("jituan") parts words too.
            words.extend(CHINESE_DESCRIPTORS.get(found, "").split())
            i += size
            continue
        if syllables[i] in GENERIC_WORDS or syllables[i].isdigit():
            if run:
                words.extend(_in_words(run))
                run = []
            words.append(syllables[i])
        else:
            run.append(syllables[i])
        i += 1
    if run:
        words.extend(_in_words(run))
    return words


def _as_number(token: str) -> str:
    """Return a word that writes a number as its digits ("first", "1st", "ii": 1, 1, 2)."""
    ordinal = _ORDINAL_DIGITS.match(token)
    if ordinal:
        return str(int(ordinal.group(1)))
    return _NUMBER_WORDS.get(token, token)


def _numbers(core: str) -> set[str]:
    """Return the numbers a name's core holds: digits, number words and roman numerals.

    Examples
    --------
    >>> sorted(_numbers("bowne global solutions ii")), sorted(_numbers("54th research institute"))
    (['2'], ['54'])
    >>> _numbers("first capital") == _numbers("1st capital")
    True
    >>> _numbers("h1kvision"), _numbers("level3 communications"), _numbers("4d systems")
    (set(), {'3'}, {'4'})
    """
    found = {str(int(d)) for d in _DIGITS.findall(core)} if _DIGITS.search(core) else set()
    written = _NUMBER_WORDS.keys() & core.split()
    return found | {_NUMBER_WORDS[w] for w in written} if written else found


_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip


def _compound_numbers(words: list[str]) -> list[str]:
    """Write numbers as digits, tens and units as one ("forty-four", "Forty 4th": 44).

    Examples
    --------
    >>> _compound_numbers(["brigade", "forty", "four"]), _compound_numbers(["54th", "institute"])
    (['brigade', '44'], ['54', 'institute'])

    A single-letter numeral counts only closing a name, after a longer word:

    >>> _compound_numbers(["offshore", "fund", "i"]), _compound_numbers(["j", "p", "i"])
    (['offshore', 'fund', '1'], ['j', 'p', 'i'])
    """
    out: list[str] = []
    for word in words:
        number = _as_number(word)
        if (
            out
            and out[-1] in _TENS_DIGITS
            and number.isdigit()
            and 0 < int(number) < 10
            and word not in _ROMAN  # "Forty II" is no 42
        ):
            out[-1] = str(int(out[-1]) + int(number))
            continue
        out.append(str(_TENS[word]) if word in _TENS else number)
    if len(out) > 1 and out[-1] in _SINGLE_LETTER_ROMAN and len(out[-2]) > 1:
        out[-1] = _SINGLE_LETTER_ROMAN[out[-1]]
    return out


_TENS_DIGITS = frozenset(str(n) for n in _TENS.values())


@functools.cache
def _territory_names() -> dict[str, str]:
    """Return the countries' English names, folded, each with its ISO code (rigour's table)."""
    from rigour.territories import get_territories  # loads a table: only fuzzy matching needs it

    names: dict[str, str] = {}
    for territory in get_territories():
        if territory.is_country and not territory.is_historical:
            for text in (territory.name, territory.full_name):
                words = " ".join(name_tokens(text))
                if words:
                    names.setdefault(words, territory.code)
    return names


def _territories(words: list[str]) -> str:
    """Return the countries a name's words name, as ISO codes joined by ``|``; empty if none.

    Examples
    --------
    >>> _territories(["industrial", "commercial", "bank", "chad"])
    'td'
    >>> _territories(["bank", "united", "states"]), _territories(["huawei"])
    ('us', '')
    >>> _territories(["bank", "america"]), _territories(["latin", "america", "fund"])
    ('us', '')
    """
    names, first_words = _territory_names(), _territory_first_words()
    found: set[str] = set()
    for start, word in enumerate(words):
        if word == "america" and (start == 0 or words[start - 1] not in _CONTINENT_PARTS):
            found.add("us")  # "Bank of America": no country of that name in rigour's table
        if word in first_words:
            for size in range(1, min(3, len(words) - start) + 1):
                code = names.get(" ".join(words[start : start + size]))
                if code:
                    found.add(code)
    return "|".join(sorted(found))


#: Words that make "America" a continent or a part of one ("Latin America"), not the US.
_CONTINENT_PARTS = frozenset({"latin", "north", "south", "central", "middle", "ibero"})


@functools.cache
def _territory_first_words() -> frozenset[str]:
    """Return the first words of :func:`_territory_names`: a country is named from one."""
    return frozenset(name.split()[0] for name in _territory_names())


@functools.cache
def names_own_country(core: str, country: str) -> str:
    """Return the words of a name's ``core`` naming its own ``country`` or region, or "".

    A company whose name gives its own country or region beside a listed company's name
    ("Hikvision Europe", "Huawei Technologies USA") is, by its name, that company's branch
    abroad. Countries are read by their names in English and in the languages of
    :data:`COUNTRY_NAME_LANGUAGES` (pycountry's translations of ISO 3166: "Deutschland",
    "España") and by their three-letter codes ("USA"); regions are the United Nations regions
    and subregions rigour gives each country ("Europe", "Western Europe") and a few names trade
    gives them ("EMEA", "Asia Pacific").

    Examples
    --------
    >>> names_own_country("hikvision europe", "NL"), names_own_country("huawei usa", "US")
    ('europe', 'usa')
    >>> names_own_country("huawei technologies deutschland", "DE"), names_own_country("zte uk", "GB")
    ('deutschland', 'uk')
    >>> names_own_country("dahua electronics", "US"), names_own_country("huawei usa", "GB")
    ('', '')
    """
    own = _own_country_words(country.lower())
    return _first_run(core, own.__contains__)


def _first_run(words: str, wanted: Callable[[str], bool]) -> str:
    """Return the first run of one to three words that is ``wanted``, longest first, or ""."""
    tokens = words.split()
    for start in range(len(tokens)):
        for size in (3, 2, 1):
            run = " ".join(tokens[start : start + size])
            if len(run.split()) == size and wanted(run):
                return run
    return ""


def names_other_country(words: str, countries: str) -> str:
    """Return the words naming a country or region that is none of ``countries``, or "".

    ``countries``: ISO codes joined by "; " (a listed entity's), empty when unknown. A name
    giving another country in an aside ("Hikvision (Deutschland) GmbH" of the Chinese
    Hikvision) is, by its name, the listed company's subsidiary or branch abroad.

    Examples
    --------
    >>> names_other_country("deutschland", "CN"), names_other_country("china", "CN; HK")
    ('deutschland', '')
    >>> names_other_country("europe", ""), names_other_country("hangzhou", "CN")
    ('europe', '')
    """
    own = frozenset().union(*(_own_country_words(c.strip().lower()) for c in countries.split(";")))
    named = _every_country_word()
    return _first_run(words, lambda run: run in named and run not in own)


@functools.cache
def _every_country_word() -> frozenset[str]:
    """Return the words and runs of words that name some country or region."""
    from rigour.territories import get_territories

    codes = [t.code for t in get_territories() if t.is_country and not t.is_historical]
    return frozenset().union(*(_own_country_words(code) for code in codes))


#: The languages in which a name may give its country, besides English: those of the lists
#: written in Latin or Cyrillic letters (transliterated, "Германия" is "germaniia").
COUNTRY_NAME_LANGUAGES = (
    "cs", "de", "es", "fr", "it", "nl", "pl", "pt", "ro", "ru", "tr", "uk",
)  # fmt: skip
#: Names of countries that are neither their ISO names nor codes.
_COUNTRY_ALIASES = {
    "gb": ("uk", "britain", "great britain"),
    "us": ("us", "america"),
    "kr": ("korea",),
}
#: Names trade gives regions, with the United Nations regions and subregions they cover.
_TRADE_REGIONS = {
    "emea": ("Europe", "Africa", "Western Asia"),
    "apac": ("Asia", "Oceania"),
    "asia pacific": ("Asia", "Oceania"),
    "latin america": ("South America", "Central America", "Caribbean"),
    "latam": ("South America", "Central America", "Caribbean"),
    "north america": ("Northern America", "Central America"),
    "middle east": ("Western Asia", "Northern Africa"),
    "nordic": ("Northern Europe",),
    "scandinavia": ("Northern Europe",),
    "european": ("Europe",),
    "asian": ("Asia",),
    "african": ("Africa",),
}
#: Three-letter country codes that, in a name, are most often a word.
_NOT_COUNTRY_CODES = frozenset({"and", "can", "per", "are", "col", "arm"})


@functools.cache
def _own_country_words(code: str) -> frozenset[str]:
    """Return the folded words and runs of words that name country ``code`` or its regions."""
    import gettext

    import pycountry
    from rigour.territories import get_territory

    territory = get_territory(code)
    if territory is None:
        return frozenset()
    texts = [territory.name, territory.full_name, *(c for c in territory.codes if len(c) == 3)]
    texts += _COUNTRY_ALIASES.get(code, ())
    country = pycountry.countries.get(alpha_2=code.upper())
    if country is not None:
        for language in COUNTRY_NAME_LANGUAGES:
            translated = gettext.translation(
                "iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True
            ).gettext(country.name)
            # "Korea, Republik": the name before its comma is the country's too.
            texts += [translated, translated.split(",")[0]]
    regions = {territory.region, territory.subregion} - {None}
    texts += [str(r) for r in regions]
    texts += [name for name, covers in _TRADE_REGIONS.items() if regions & set(covers)]
    own = {" ".join(name_tokens(text)) for text in texts}
    return frozenset(own - _NOT_COUNTRY_CODES - {""})


#: Words an acronym leaves out ("Army of the Republic of Ilirida" is "ARI"), in the languages
#: of the lists.
_NOT_INITIALS = frozenset(
    {"of", "the", "and", "for", "de", "del", "la", "las", "los", "y", "e", "et", "des", "du",
     "le", "les", "und", "der", "die", "a", "an", "in", "on", "at", "di", "da", "do", "dos",
     "das", "al", "el"}
)  # fmt: skip
_NON_LETTER = re.compile(r"[^0-9a-z]+")
_APOSTROPHES = str.maketrans({".": "", "'": "", "’": ""})
#: An acronym a name gives itself in brackets: "Shahid Bakeri Industrial Group (SBIG)".
_BRACKETED_ACRONYM = re.compile(r"\(\s*((?:[A-Z]\.?){3,8})\s*\)")
#: An acronym is one word of this many letters.
ACRONYM_LETTERS = (3, 8)
#: In a name written all in capitals, a word at least this common (Zipf frequency) is read as
#: an ordinary word ("APPLE"), not an acronym ("BMW" is 3.9, "IBM" 3.9, "CNOOC" 1.7).
ORDINARY_FROM = 4.0


def name_initials(spelling: str) -> str:
    """Return the initials of a spelling's words, space-separated; empty for fewer than three.

    Acronyms take the first letter of each word but the small ones, often with the legal form
    ("CNOOC": China National Offshore Oil Corporation) and sometimes without: each spelling
    gives its initials with its trailing legal forms, then without them one by one. Only
    names of three words or more besides their legal forms have initials an acronym is
    compared with.

    Examples
    --------
    >>> name_initials("China Railway Construction Corporation Limited")
    'crccl crcc crc'
    >>> name_initials("People's Liberation Army"), name_initials("Army of the Republic of Ilirida")
    ('pla', 'ari')
    >>> name_initials("Huawei Technologies Co., Ltd.")
    ''

    An acronym the spelling gives itself in brackets is one of its initials too:

    >>> name_initials("Naftiran Intertrade Co. (NICO) Limited")
    'nico'
    """
    given = [fold(found).translate(_APOSTROPHES) for found in _BRACKETED_ACRONYM.findall(spelling)]
    words = [
        w
        for w in _NON_LETTER.split(
            fold(_BRACKETED_ACRONYM.sub(" ", spelling).translate(_APOSTROPHES))
        )
        if w and w not in _NOT_INITIALS
    ]
    # A place in brackets ("(DONGGUAN)") is no acronym: an acronym starts as a word does.
    variants = [g for g in given if g.isalpha() and g[0] in {w[0] for w in words}]
    if sum(w not in LEGAL_FORMS for w in words) < 3:
        return " ".join(variants)  # "Huawei Technologies Co., Ltd." is not "HTC"
    while True:
        variants.append("".join(w[0] for w in words))
        if words[-1] not in LEGAL_FORMS:
            break
        words.pop()
    return " ".join(dict.fromkeys(variants))


def core_initials(words: list[str], name: str = "") -> str:
    """Return the initials of a name's core words when they could be an acronym; else empty.

    What a name written out is compared with a listed acronym by ("International Business
    Machines Corp." and "IBM"): its legal forms are gone already, small words are left out,
    and only three words or more (:data:`ACRONYM_LETTERS`) make one; the legal forms the
    ``name`` ends with give a second spelling with their initials ("SMIC" for "Semiconductor
    Manufacturing International Corporation"). The matcher compares them with an acronym
    only when no distinctive word of the name is :func:`rare <rare_words>`: acronyms are made
    of words such as "International" and "Machines", while the initials of surnames
    ("Cerutti, Pavarotti e Piccio") or of a brand meet listed acronyms by chance.

    Examples
    --------
    >>> core_initials(["amazon", "web", "services"]), core_initials(["huawei", "technologies"])
    ('aws', '')
    >>> words = ["semiconductor", "manufacturing", "international"]
    >>> core_initials(words, "Semiconductor Manufacturing International Corp.")
    'smi smic'
    """
    low, high = ACRONYM_LETTERS
    if len(words) < low:  # most names
        return ""
    words = [w for w in words if w not in _NOT_INITIALS and w[0].isalpha()]
    if not low <= len(words) <= high:
        return ""
    letters = "".join(w[0] for w in words)
    forms = ""
    for written in reversed(name.lower().rsplit(maxsplit=2)[1:]):  # "Co., Ltd."
        if not _is_form_word(written):
            break
        forms = written.strip(".,()")[0] + forms
    with_forms = letters + forms if forms and len(letters + forms) <= high else ""
    return f"{letters} {with_forms}" if with_forms else letters


def _is_form_word(written: str) -> bool:
    """Tell whether a word as written is a legal form ("Ltd.", "Co.,", "S.A.", "(GmbH)")."""
    return written.lower().strip(".,()").replace(".", "") in LEGAL_FORMS


def _acronym(name: str, place: str, words: list[str]) -> str:
    """Return a name's one word when it is written as an acronym; else empty.

    An acronym is one word of :data:`ACRONYM_LETTERS` letters (legal forms aside) written in
    capitals ("CNOOC Ltd", "C.N.O.O.C."); in a name written all in capitals, one that is no
    ordinary word (:data:`ORDINARY_FROM`).

    Examples
    --------
    >>> _acronym("BMW AG", "", ["bmw"]), _acronym("Apple Inc", "", ["apple"])
    ('bmw', '')
    >>> _acronym("CNOOC LTD", "", ["cnooc"]), _acronym("APPLE INC", "", ["apple"])
    ('cnooc', '')
    >>> _acronym("PLA China", "", ["pla", "china"])
    'pla'
    """
    low, high = ACRONYM_LETTERS
    if len(words) > 1 and not place and words[-1] in _territory_names():
        # "PLA China", "NIOC Iran": the acronym of a body, and its country.
        words = [w for w in words if w not in _territory_names()]
    if place or len(words) != 1 or not (low <= len(words[0]) <= high and words[0].isalpha()):
        return ""
    word = words[0]
    if any(c.islower() for c in name):
        written = {w.translate(_APOSTROPHES) for w in name.split()}
        return word if word.upper() in written else ""
    return word if _zipf(word) < ORDINARY_FROM else ""


#: A word at least this common in one of :data:`COMMON_IN` (Zipf frequency, see :mod:`wordfreq`)
#: is no evidence on its own of which company a name is: a brand such as "Huawei" is below, a
#: surname such as "Gomez" or a word such as "Semiconductor" above.
COMMON_FROM = 3.5
#: The languages whose common words and surnames are checked: those of most names on the lists
#: and of most invented false alarms ("Chavez" and "Navarro" are common in Spanish).
COMMON_IN = ("en", "es")


def rare_words(distinct: np.ndarray, *, countries: bool = True) -> np.ndarray:
    """Per name: whether its distinctive words hold a rare one (:func:`is_rare_word`).

    ``countries=False``: a country's name does not count ("Uzbekistan Airways" and the
    "Islamic Movement of Uzbekistan" share a country, not a body), though it tells a name's
    initials from a listed acronym's ("International Bank of Moldova" is no "IBM").
    """
    named = frozenset() if countries else _territory_names().keys()
    return np.fromiter(
        (
            any(is_rare_word(word) and word not in named for word in words.split())
            for words in distinct.tolist()
        ),
        dtype=bool,
        count=len(distinct),
    )


@functools.lru_cache(maxsize=1 << 16)
def is_rare_word(word: str) -> bool:
    """Return whether a word is evidence of which company a name is: rarer than :data:`COMMON_FROM`.

    A Chinese place is none, however rare in English: "Xinjiang International Trade" and the
    bureau of Xinjiang share only where they are.

    Examples
    --------
    >>> is_rare_word("huawei"), is_rare_word("semiconductor"), is_rare_word("xinjiang")
    (True, False, False)
    """
    return _is_rare(word) and word not in PLACE_NAMES


def _is_rare(word: str) -> bool:
    return len(word) > 2 and _zipf(word) < COMMON_FROM


@functools.lru_cache(maxsize=1 << 16)
def _zipf(word: str) -> float:
    """Return a word's Zipf frequency in the most common of :data:`COMMON_IN` for it."""
    if word.isascii() and word.isalpha():
        # A plain word is its own token: its Zipf frequency is read from the word lists
        # directly, as wordfreq computes it, without tokenising it again.
        found = max(table.get(word, 0.0) for table in _frequencies())
        return round(math.log10(found) + 9, 2) if found > 0 else 0.0
    from wordfreq import zipf_frequency  # loads a word list: only fuzzy matching needs it

    return max(zipf_frequency(word, language) for language in COMMON_IN)


@functools.cache
def _frequencies() -> tuple[dict[str, float], ...]:
    """Return the word frequencies of the languages of :data:`COMMON_IN`."""
    from wordfreq import get_frequency_dict  # loads the word lists: only fuzzy matching needs it

    return tuple(get_frequency_dict(language) for language in COMMON_IN)
