"""Company names normalised: folding, legal forms, place names, and the keys they are compared by.

Two spellings name the same entity when their *keys* are equal. A key ignores case, accents,
punctuation, spacing and common legal forms (in English and in Chinese pinyin), and it reads
other scripts through their ASCII transliteration, so ``"Hangzhou Hikvision Digital Technology
Co., Ltd."`` and ``"HANGZHOU HIKVISION DIGITAL TECHNOLOGY"`` share one key. Resolution is exact on
keys: fuzzy matching is a separate, explicit step (:mod:`exposure.entities.matcher`), which uses the
word lists defined here (:data:`PLACE_NAMES`, :data:`GENERIC_WORDS`) through
:func:`split_place` and :func:`distinctive_tokens`.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from exposure.util.encode import encode_text

__all__ = [
    "AUTONOMOUS_PEOPLES",
    "CHINESE_CHARACTER",
    "CHINESE_PLACE_NAMES",
    "GENERIC_WORDS",
    "LEGAL_FORMS",
    "LEGAL_PHRASES",
    "PINYIN_LEGAL_FORMS",
    "PLACE_NAMES",
    "PLACE_SPELLINGS",
    "PLACE_TITLES",
    "PROVINCE_OF",
    "ROMANCE_DESCRIPTORS",
    "SYLLABLE_FORMS",
    "distinctive_tokens",
    "fold",
    "in_chinese_script",
    "legal_forms_of",
    "name_key",
    "name_key_codes",
    "name_keys",
    "name_tokens",
    "split_place",
    "without_place_titles",
    "written_form",
]

# Legal forms and corporate designators that do not tell two entities apart. They are dropped
# wherever they stand ("Huawei Technologies Co., Ltd." and "Huawei Technologies" share a key).
# Only unambiguous words are here: "as" or "se" would remove real words from names.
LEGAL_FORMS = frozenset(
    {
        "ag", "bhd", "bv", "cjsc", "co", "company", "corp", "corporation", "fze", "fzco",
        "gmbh", "group", "inc", "incorporated", "jsc", "limited", "llc", "llp", "lp", "ltd",
        "ltda", "nv", "oao", "ojsc", "ooo", "oy", "pao", "pjsc", "plc", "pte", "pty", "sa",
        "sarl", "sas", "sdn", "spa", "srl", "zao",
        # Chinese pinyin: gongsi = company, youxian = limited, gufen = joint-stock,
        # jituan = group, zeren = liability ("Gufen Youxian Gongsi" = Co., Ltd.).
        "gongsi", "gufen", "jituan", "youxian", "youxiangongsi", "zeren",
        # Japanese, Korean, Swedish and Indonesian forms rigour's table lacks, as Latin
        # letters write them ("K.K." is kabushiki kaisha, "Tbk" terbuka: listed).
        "kk", "kabushikigaisha", "kabushikikaisha", "jusikhoesa", "aktiebolag", "tbk",
        "anonim",
        # the Anstalt of Liechtenstein and Austria, which the lists also write "Establishment"
        "anstalt",
        # "Pvt" of the private limited companies of India and Pakistan ("(Pvt) Ltd."): only
        # ever the legal form, where "private" is also a word ("Private Bank")
        "pvt",
    }
)  # fmt: skip
#: Legal forms in Latin letters that are also pinyin syllables (萨 "sa", 跑 "pao", 造 "zao"): a
#: name in Chinese script keeps them, as syllables of its words (伊犁哈萨克 is "Yili Hasake").
SYLLABLE_FORMS = frozenset({"sa", "pao", "zao"})
_LEGAL_FORMS_NOT_SYLLABLES = LEGAL_FORMS - SYLLABLE_FORMS

#: Legal forms of several words, dropped wherever they stand ("Public Joint Stock Company
#: Gazprom Neft" and "Gazprom Neft PJSC" share a key).
LEGAL_PHRASES = (
    ("public", "joint", "stock"), ("open", "joint", "stock"), ("closed", "joint", "stock"),
    ("joint", "stock"), ("limited", "liability"), ("private", "limited"),
    ("societe", "anonyme"), ("sociedad", "anonima"),
    ("obshchestvo", "s", "ogranichennoi", "otvetstvennostyu"),
    ("otkrytoe", "aktsionernoe", "obshchestvo"), ("zakrytoe", "aktsionernoe", "obshchestvo"),
    ("publichnoe", "aktsionernoe", "obshchestvo"), ("aktsionernoe", "obshchestvo"),
    # Japanese and Korean in Latin letters; Turkish ("Anonim Şirketi", "Ltd. Şti.").
    ("kabushiki", "kaisha"), ("yugen", "kaisha"), ("godo", "kaisha"), ("goshi", "kaisha"),
    ("gomei", "kaisha"), ("jusik", "hoesa"), ("chusik", "hoesa"), ("yuhan", "hoesa"),
    ("anonim", "sirketi"), ("limited", "sirketi"), ("ltd", "sti"),
    # Dutch "Naamloze Vennootschap" (N.V.) as spelt before 1947, in older names and filings.
    ("naamlooze", "vennootschap"),
)  # fmt: skip
_PHRASE_STARTS = frozenset(p[0] for p in LEGAL_PHRASES)
#: The phrases by their first word, each in the order of :data:`LEGAL_PHRASES`.
_PHRASES_FROM = {
    start: tuple(p for p in LEGAL_PHRASES if p[0] == start) for start in _PHRASE_STARTS
}

#: Pinyin legal forms as transliteration splits them into syllables ("You Xian Gong Si" from
#: 有限公司): dropped at the end of a name when the syllables, run together, spell one of these.
PINYIN_LEGAL_FORMS = frozenset(
    {
        "gongsi", "gufen", "gufenyouxiangongsi", "jituan", "jituangongsi",
        "jituanyouxiangongsi", "youxian", "youxiangongsi", "youxianzerengongsi", "zeren",
        "zerengongsi", "zonggongsi",
    }
)  # fmt: skip

#: The cities and prefectures of Xinjiang whose bureaus the Entity List names, in its spellings
#: and in pinyin; not Aksu, Altay, Hami or Yili, also names elsewhere (Turkish firms, the
#: Altai, a brand).
_LISTED_XINJIANG = (
    "bayingolin", "boertala", "bortala", "changji", "hetian", "hotan", "karamay", "kashgar",
    "kashi", "kelamayi", "kezilesu", "kizilsu", "kumul", "qaramay", "qumul", "shihezi",
    "tacheng", "tulufan", "tumushuke", "tumxuk", "turfan", "turpan", "wujiaqu",
)  # fmt: skip

#: Chinese provinces, autonomous regions, municipalities, special administrative regions and
#: major cities, in pinyin without spaces. A name that *starts* with one (``Hangzhou`` Hikvision,
#: ``Zhejiang`` Dahua) is often written without it, so :func:`split_place` sets it apart.
PLACE_NAMES = frozenset(
    {
        # provinces
        "anhui", "fujian", "gansu", "guangdong", "guizhou", "hainan", "hebei", "heilongjiang",
        "henan", "hubei", "hunan", "jiangsu", "jiangxi", "jilin", "liaoning", "qinghai",
        "shaanxi", "shandong", "shanxi", "sichuan", "yunnan", "zhejiang",
        # autonomous regions
        "guangxi", "innermongolia", "neimenggu", "neimongol", "ningxia", "tibet", "xinjiang",
        "xizang",
        # municipalities and special administrative regions
        "beijing", "chongqing", "hongkong", "macao", "macau", "shanghai", "tianjin",
        # major cities
        "baotou", "changchun", "changsha", "changzhou", "chengdu", "dalian", "dongguan",
        "foshan", "fuzhou", "guangzhou", "guiyang", "haikou", "hangzhou", "harbin", "hefei",
        "hohhot", "huhehaote", "huizhou", "jiaxing", "jinan", "kunming", "lanzhou", "lhasa",
        "luoyang", "nanchang", "nanjing", "nanning", "nantong", "ningbo", "qingdao",
        "quanzhou", "sanya", "shantou", "shaoxing", "shenyang", "shenzhen", "shijiazhuang",
        "suzhou", "taiyuan", "taizhou", "tangshan", "urumqi", "weifang", "wenzhou", "wuhan",
        "wulumuqi", "wuxi", "xiamen", "xian", "xining", "xuzhou", "yantai", "yinchuan",
        "zhengzhou", "zhongshan", "zhuhai", "zibo",
    }
) | frozenset(_LISTED_XINJIANG)  # fmt: skip

#: The province (or autonomous region) of each city in :data:`PLACE_NAMES`, so that
#: "Hangzhou Dahua" and "Zhejiang Dahua" do not count as two places.
PROVINCE_OF = {
    "baotou": "innermongolia", "changchun": "jilin", "changsha": "hunan",
    "changzhou": "jiangsu", "chengdu": "sichuan", "dalian": "liaoning", "dongguan": "guangdong",
    "foshan": "guangdong", "fuzhou": "fujian", "guangzhou": "guangdong", "guiyang": "guizhou",
    "haikou": "hainan", "hangzhou": "zhejiang", "harbin": "heilongjiang", "hefei": "anhui",
    "hohhot": "innermongolia", "huhehaote": "innermongolia", "huizhou": "guangdong",
    "jiaxing": "zhejiang", "jinan": "shandong", "kunming": "yunnan", "lanzhou": "gansu",
    "lhasa": "tibet", "luoyang": "henan", "nanchang": "jiangxi", "nanjing": "jiangsu",
    "nanning": "guangxi", "nantong": "jiangsu", "neimenggu": "innermongolia",
    "neimongol": "innermongolia", "ningbo": "zhejiang", "qingdao": "shandong",
    "quanzhou": "fujian", "sanya": "hainan", "shantou": "guangdong", "shaoxing": "zhejiang",
    "shenyang": "liaoning", "shenzhen": "guangdong", "shijiazhuang": "hebei", "suzhou": "jiangsu",
    "taiyuan": "shanxi", "taizhou": "zhejiang", "tangshan": "hebei", "urumqi": "xinjiang",
    "weifang": "shandong", "wenzhou": "zhejiang", "wuhan": "hubei", "wulumuqi": "xinjiang",
    "wuxi": "jiangsu", "xiamen": "fujian", "xian": "shaanxi", "xining": "qinghai",
    "xizang": "tibet", "xuzhou": "jiangsu", "yantai": "shandong", "yinchuan": "ningxia",
    "zhengzhou": "henan", "zhongshan": "guangdong", "zhuhai": "guangdong", "zibo": "shandong",
    **dict.fromkeys(_LISTED_XINJIANG, "xinjiang"),
}  # fmt: skip

#: What follows a Chinese province or autonomous region in the full name of its government, and
#: names the same place: "Xinjiang Uighur Autonomous Region People's Government" is Xinjiang's,
#: "Guangdong Province" Guangdong. "People's Government" only before what it governs ("...
#: Public Security Bureau"). "City", "Municipal" and "Prefecture" stay: Kashgar is a
#: prefecture and a city within it, and their bureaus are two
#: (:data:`~exposure.entities.matcher.ADMINISTRATIVE_LEVELS`).
PLACE_TITLES = (("autonomous", "region"), ("province",), ("provincial",))
#: The peoples named in the titles of autonomous regions and prefectures, before "Autonomous"
#: ("Kizilsu Kyrgyz Autonomous Prefecture", "Ningxia Hui Autonomous Region"), written as the
#: lists write them: part of the place's title, like "Autonomous Region" itself.
AUTONOMOUS_PEOPLES = frozenset(
    {
        "hui", "kazak", "kazakh", "kirghiz", "kirgiz", "kyrgyz", "mongol", "mongolian",
        "tibetan", "uighur", "uygur", "uyghur", "zhuang",
    }
)  # fmt: skip
#: The places of Xinjiang whose bureaus the Entity List names (84 FR 54002), in Chinese script,
#: as the list writes them in English where pinyin would not: pypinyin reads 勒 as "lei"
#: (克孜勒苏 is Kizilsu, "Kezilesu"), and 阿克苏, 阿勒泰, 哈密 and 伊犁 are no places in Latin
#: script (:data:`PLACE_NAMES`). Their Chinese names: the region's divisions as Global Times and
#: Wikipedia give them (巴音郭楞蒙古自治州 Bayingolin, 博尔塔拉蒙古自治州 Bortala, 伊犁哈萨克
#: 自治州 Ili or Yili, 克孜勒苏柯尔克孜自治州 Kizilsu, 阿克苏地区 Aksu, 阿勒泰地区 Altay, 哈密市 Hami).
CHINESE_PLACE_NAMES = {
    "克孜勒苏": "kizilsu", "巴音郭楞": "bayingolin", "阿克苏": "aksu", "阿勒泰": "altay",
    "哈密": "hami", "伊犁": "yili",
}  # fmt: skip
_GOVERNMENT = ("peoples", "government")
#: Places with two spellings in :data:`PLACE_NAMES`, as the lists write them in English: 乌鲁木齐
#: is "Wulumuqi" in pinyin and "Urumqi" in the Entity List.
PLACE_SPELLINGS = {
    "wulumuqi": "urumqi", "huhehaote": "hohhot", "xizang": "tibet", "neimenggu": "innermongolia",
    "neimongol": "innermongolia", "macao": "macau", "boertala": "bortala", "hetian": "hotan",
    "kelamayi": "karamay", "qaramay": "karamay", "kashi": "kashgar", "kezilesu": "kizilsu",
    "qumul": "kumul", "tulufan": "turpan", "turfan": "turpan", "tumushuke": "tumxuk",
}  # fmt: skip

#: Descriptors of Spanish, Portuguese, Italian and French names, without accents: words that
#: do not tell companies apart ("Comercializadora", a trading company), as their English
#: translations in :data:`GENERIC_WORDS` do not.
ROMANCE_DESCRIPTORS = frozenset(
    {
        "comercializadora", "corporacao", "corporacion", "desarrollo", "desenvolvimento",
        "developpement", "electronica", "electronique", "elettronica", "eletronica", "empresa",
        "empresas", "engenharia", "entreprise", "exportadora", "groupe", "grupo", "gruppo",
        "importadora", "industria", "industrias", "industriale", "industriales", "industrie",
        "ingegneria", "ingenieria", "instituto", "internacional", "internazionale",
        "inversiones", "investimenti", "investimentos", "istituto", "laboratoire",
        "laboratorio", "ministere", "ministerio", "ministero", "servicios", "servicos",
        "servizi", "sistemas", "sistemi", "sviluppo", "technologie", "tecnologia",
        "tecnologias", "tecnologie", "universidad", "universidade", "universita", "universite",
    }
)  # fmt: skip
#: Words that describe a business rather than name it, in English and pinyin, and
#: :data:`ROMANCE_DESCRIPTORS`. Two names that differ only in these ("Dahua Technology", "Dahua
#: Electronics") share their distinctive part but need not be one entity;
#: :func:`distinctive_tokens` leaves them out.
GENERIC_WORDS = frozenset(
    {
        "academy", "and", "center", "centre", "china", "chinese", "college", "communication",
        "communications", "development", "devices", "digital", "electric", "electrical",
        "electronic", "electronics", "engineering", "enterprise", "enterprises", "equipment",
        "export", "for", "global", "holding", "holdings", "import", "industrial", "industries",
        "industry", "information", "institute", "intelligence", "intelligent", "international",
        "intl", "investment", "investments", "laboratory", "machinery", "manufacturing",
        "materials", "network", "networks", "of", "pharmaceutica", "pharmaceutical", "pharmaceuticals",
        "products", "research", "science",
        "sciences", "scientific", "service", "services", "software", "system", "systems",
        "tech", "technical", "technologies", "technology", "the", "trade", "trading",
        "university",
        # air carriers: "Mahan Airlines" is the listed "MAHAN AIRWAYS", "Air Butembo" "Butembo
        # Airlines"
        "air", "airline", "airlines", "airway", "airways", "avia", "aviation",
        # government: a bureau is named by its place ("Beijing Municipal Public Security Bureau"
        # and Tumushuke's share no distinctive word); levels must agree in the matcher
        "administration", "autonomous", "bureau", "city", "county", "department", "district",
        "government", "ministry", "municipal", "municipality", "office", "peoples", "police",
        "prefecture", "province", "provincial", "public", "region", "security",
        # pinyin: science and technology, technology, digital, electronics, information,
        # communication, science, industry, development, investment, trade, intelligent,
        # network, software, equipment, international, holding
        "dianzi", "fazhan", "gongye", "guoji", "jishu", "keji", "kexue", "konggu", "maoyi",
        "ruanjian", "shebei", "shuzi", "tongxin", "touzi", "wangluo", "xinxi", "zhineng",
        # regions, as a branch is named ("Faberlic Europe", "Huawei Asia Pacific")
        "africa", "african", "americas", "apac", "asia", "asian", "emea", "eurasia", "europe",
        "european", "nordic", "oceania", "pacific", "scandinavia",
        # the small words of Romance and German names ("Cartel del Golfo"), but those that
        # are also syllables of Chinese or Korean names ("de", "da", "do", "le")
        "das", "dei", "del", "della", "delle", "der", "des", "die", "dos", "et", "las", "les",
        "los", "und",
    }
) | ROMANCE_DESCRIPTORS  # fmt: skip

_NON_WORD = re.compile(r"[^0-9a-z]+")
# Dropped before splitting, so that "S.A.", "Co.,Ltd" and "Xi'an" give whole tokens.
_JOINERS = str.maketrans({".": "", "'": "", "’": "", "&": " and "})
#: "A.S." or "A.Ş." closing a name: the Czech, Slovak and Turkish joint-stock company, dropped
#: only where dotted ("as" alone is a word).
_DOTTED_AS = re.compile(r"(?<![a-z0-9])a\. ?s\.?(?=\W*$)")
_MAX_FORM_SYLLABLES = 7
#: How a pinyin legal form written in syllables may end ("si" of "gong si").
_PINYIN_FORM_ENDS = frozenset(form[i:] for form in PINYIN_LEGAL_FORMS for i in range(len(form)))
_MAX_PLACE_SYLLABLES = 4
#: How a place's first and last syllables may be written: a place in syllables ("hang zhou")
#: starts with a start of a place name and ends with an end of one.
_PLACE_STARTS = frozenset(place[:i] for place in PLACE_NAMES for i in range(1, len(place) + 1))
_PLACE_ENDS = frozenset(place[i:] for place in PLACE_NAMES for i in range(len(place)))


#: Japanese and Korean legal forms (dropped) and descriptors (in English, as the lists write
#: them) in their own scripts, longest first: a transliteration would give "kabushiki kaisha"
#: as Chinese syllables ("zhu shi hui she") and 자동차 as "jadongca", not "motor".
NATIVE_WORDS = {
    "株式会社": " ", "有限会社": " ", "合同会社": " ", "(株)": " ", "（株）": " ",
    "주식회사": " ", "유한회사": " ", "(주)": " ", "（주）": " ",
    "重工業": " heavy industries ", "自動車": " motor ", "製作所": " works ", "電機": " electric ",
    "電気": " electric ", "電子": " electronics ", "工業": " industries ", "銀行": " bank ",
    "商事": " trading ", "化学": " chemical ", "製薬": " pharmaceutical ",
    "ホールディングス": " holdings ", "グループ": " group ", "ジャパン": " japan ",
    "중공업": " heavy industries ", "자동차": " motor ", "반도체": " semiconductor ",
    "전자": " electronics ", "그룹": " group ", "은행": " bank ", "화학": " chemical ",
    "건설": " construction ", "홀딩스": " holdings ",
}  # fmt: skip
_NATIVE_WORD = re.compile("|".join(re.escape(w) for w in NATIVE_WORDS))


@functools.lru_cache(maxsize=1 << 16)
def fold(name: str) -> str:
    """Return a name as lower-case ASCII: accents dropped, other scripts transliterated.

    Transliteration uses :mod:`pypinyin` for Chinese characters (pinyin syllables, read by word)
    and :mod:`unidecode` for the rest (Cyrillic becomes Latin letters); names already in ASCII
    skip it. Japanese and Korean legal forms and descriptors are read first
    (:data:`NATIVE_WORDS`).

    Examples
    --------
    >>> fold("Société Générale")
    'societe generale'
    >>> fold("Газпром")
    'gazprom'
    >>> fold("华为技术")
    'hua wei ji shu'
    >>> fold("トヨタ自動車株式会社"), fold("삼성전자주식회사")
    ('toyota motor', 'samseong electronics')
    """
    if not name.isascii():
        from unidecode import unidecode  # tables load per script, on first use

        name = _NATIVE_WORD.sub(lambda found: NATIVE_WORDS[found.group()], name)
        name = unicodedata.normalize("NFKC", name)
        if in_chinese_script(name):
            name = _pinyin(name)
        name = _without_accents(name) or unidecode(name)
    return " ".join(name.lower().split())


def written_form(name: str) -> str:
    """Return a name as written: its letters and digits, folded (:func:`fold`), words and all.

    Two spellings with one :func:`name_key` can be two bodies ("SenseTime Group Ltd", a Cayman
    holding company, and the listed "Sense Time"): a review's rejection holds for the name as
    written, which keeps its descriptors and legal form, and not for every name of its key.

    Examples
    --------
    >>> written_form("SenseTime Group Ltd."), written_form("Sense Time")
    ('sensetimegroupltd', 'sensetime')
    """
    return _NOT_LETTER_OR_DIGIT.sub("", fold(name))


_NOT_LETTER_OR_DIGIT = re.compile(r"[^0-9a-z]+")


def _without_accents(name: str) -> str:
    """Return a name in Latin letters with its accents dropped, if that leaves it in ASCII.

    What :mod:`unidecode` gives such a name, several times faster; else empty ("ß", "ł", other
    scripts are for unidecode).
    """
    kept: list[str] = []
    for character in unicodedata.normalize("NFD", name):
        if not unicodedata.combining(character):
            kept.append(character)
        elif not (kept and kept[-1].isalpha()):
            return ""  # a mark on a symbol ("≠"): unidecode reads the whole
    plain = "".join(kept)
    return plain if plain.isascii() else ""


#: Chinese characters (the CJK unified ideographs and their first extension).
CHINESE_CHARACTER = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def in_chinese_script(name: str) -> bool:
    """Tell whether a name holds Chinese characters (its words are then pinyin syllables).

    Examples
    --------
    >>> in_chinese_script("华为技术"), in_chinese_script("Huawei")
    (True, False)
    """
    return bool(CHINESE_CHARACTER.search(name))


def _pinyin(text: str) -> str:
    """Return Chinese characters as pinyin syllables, read by word (技术 is "ji shu").

    :mod:`pypinyin` reads each character in the words it knows; character by character
    transliteration would read 术 as "zhu". Other characters are kept as they are. The texts
    the bundled listed names give are read from :data:`BUNDLED_PINYIN` instead: loading
    pypinyin's dictionaries takes longer than the rest of a report on the bundled data.
    """
    known = _bundled_pinyin().get(text)
    if known is not None:
        return known
    from pypinyin import lazy_pinyin  # loads its dictionaries: only Chinese script needs it

    return " ".join(lazy_pinyin(text))


#: What :func:`_pinyin` gives for each text in Chinese characters that screening the bundled
#: ``listed.csv`` transliterates, written by ``tests/test_bundled_data.py`` (which checks it
#: against pypinyin, and that a report on the bundled data loads no pypinyin).
BUNDLED_PINYIN = Path(__file__).with_name("bundled_pinyin.json")


@functools.cache
def _bundled_pinyin() -> dict[str, str]:
    if not BUNDLED_PINYIN.exists():
        return {}
    found: dict[str, str] = json.loads(BUNDLED_PINYIN.read_text(encoding="utf-8"))
    return found


def name_tokens(name: str) -> list[str]:
    """Split a name into lower-case ASCII word tokens, dropping legal forms.

    Parameters
    ----------
    name
        Any company or entity name, in any script.

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
    >>> name_tokens("Zhejiang Dahua Technology Gufen Youxian Gongsi")
    ['zhejiang', 'dahua', 'technology']
    >>> name_tokens("PUBLIC JOINT STOCK COMPANY GAZPROM NEFT")
    ['gazprom', 'neft']
    >>> name_tokens("华为技术有限公司")[:2]
    ['hua', 'wei']
    """
    folded = fold(name)
    if "a." in folded:
        folded = _DOTTED_AS.sub(" ", folded)
    tokens = [t for t in _NON_WORD.split(folded.translate(_JOINERS)) if t]
    if _PHRASE_STARTS.intersection(tokens):
        tokens = _drop_phrases(tokens)
    forms = legal_forms_of(name)
    while tokens:
        if tokens[-1] in forms:
            tokens.pop()
            continue
        if tokens[-1] not in _PINYIN_FORM_ENDS:
            break
        for size in range(min(_MAX_FORM_SYLLABLES, len(tokens)), 1, -1):
            if "".join(tokens[-size:]) in PINYIN_LEGAL_FORMS:
                del tokens[-size:]
                break
        else:
            break
    return [t for t in tokens if t not in forms] or tokens


def legal_forms_of(name: str) -> frozenset[str]:
    """Return the single-word legal forms a name's tokens drop: in Chinese script, no syllable.

    >>> "sa" in legal_forms_of("Alpha S.A."), "sa" in legal_forms_of("伊犁哈萨克")
    (True, False)
    """
    if name.isascii() or not in_chinese_script(name):
        return LEGAL_FORMS
    return _LEGAL_FORMS_NOT_SYLLABLES


def _drop_phrases(tokens: list[str]) -> list[str]:
    kept: list[str] = []
    i = 0
    while i < len(tokens):
        for phrase in _PHRASES_FROM.get(tokens[i], ()):
            if tuple(tokens[i : i + len(phrase)]) == phrase and len(phrase) < len(tokens):
                i += len(phrase)
                break
        else:
            kept.append(tokens[i])
            i += 1
    return kept


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


def name_keys(names: Iterable[str], *, distinct: bool = False) -> np.ndarray:
    """Return the keys of many names at once, computing each distinct name only once.

    The same keys as :func:`name_key`, name by name. Plain ASCII names, the bulk of real data,
    are keyed by :mod:`pyarrow`'s vectorised string functions, in two threads for many names;
    names that need more (other scripts, legal phrases of several words, pinyin legal forms)
    go through :func:`name_key`. ``distinct``: the names are known to be distinct already (a
    table's spellings), so they are not searched for repeats.

    Examples
    --------
    >>> name_keys(["Hikvision Co., Ltd.", "HIKVISION", "Zhejiang Dahua Gufen Youxian Gongsi"])
    array(['hikvision', 'hikvision', 'zhejiangdahua'], dtype=object)
    """
    codes = None
    if distinct:
        unique = np.asarray(names if isinstance(names, np.ndarray) else list(names), dtype=object)
    else:
        series = names if isinstance(names, pd.Series) else pd.Series(list(names), dtype=object)
        codes, uniques = pd.factorize(series, sort=False)
        unique = np.asarray(uniques, dtype=object)
    if len(unique) < VECTORISED_FROM:
        keys = np.array([name_key(str(n)) for n in unique], dtype=object)
    else:
        keys = _python_strings(_threaded_arrow_keys(unique))
    if codes is None:
        return keys
    return keys[codes] if len(codes) else np.array([], dtype=object)


def name_key_codes(names: Sequence[str] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the code of each distinct name's key, and the distinct keys.

    The same as ``pandas.factorize(name_keys(names, distinct=True), sort=False)``: keys are
    numbered in order of first appearance. For many names the keys are numbered while they
    are still Arrow strings (:mod:`exposure.util.encode`), and only the distinct keys become
    Python strings: making a Python string of every key, repeats and all, is costly.

    Examples
    --------
    >>> codes, keys = name_key_codes(["Hikvision Co., Ltd.", "Dahua", "HIKVISION"])
    >>> codes.tolist(), keys.tolist()
    ([0, 1, 0], ['hikvision', 'dahua'])
    """
    if len(names) < VECTORISED_FROM:
        unique = np.array([str(n) for n in names], dtype=object)
        codes, keys = pd.factorize(name_keys(unique, distinct=True), sort=False)
        return codes, np.asarray(keys, dtype=object)

    given = names if isinstance(names, np.ndarray) else np.array(list(names), dtype=object)
    (codes,), keys = encode_text([pa.chunked_array([_threaded_arrow_keys(given)])])
    return codes, _python_strings(keys)


def _python_strings(strings: Any) -> np.ndarray:
    """Return Arrow strings as an array of Python strings."""
    return np.asarray(strings.to_numpy(zero_copy_only=False), dtype=object)


#: From this many distinct names on, :func:`name_keys` works in Arrow.
VECTORISED_FROM = 2_000
#: From this many distinct names on, :func:`name_keys` splits them between two threads.
THREADED_FROM = 200_000


def _threaded_arrow_keys(names: np.ndarray) -> Any:
    """:func:`_arrow_keys` of two halves at once: Arrow's string kernels release the GIL."""
    text = _arrow_text(names)
    if len(text) < THREADED_FROM:
        return _arrow_keys(text)

    half = len(text) // 2
    with ThreadPoolExecutor(max_workers=2) as pool:
        parts = list(pool.map(_arrow_keys, [text[:half], text[half:]]))
    return pa.concat_arrays(parts)


def _arrow_text(names: np.ndarray) -> Any:
    """Return names as Arrow ``large_string``: strings as they are, others as ``str`` writes them.

    Strings go to Arrow in one call, without a Python pass over them first (a Python loop costs
    time on every name); such a pass runs only when some names are not strings.
    """
    try:
        text = pa.array(names, type=pa.large_string())
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        text = None
    if text is None or text.null_count:  # numbers, None: as str() gives them
        text = pa.array([str(n) for n in names], type=pa.large_string())
    return text


#: Every piece of a pinyin legal form: a name with a token among them may end in one.
_PINYIN_PIECES = sorted(
    {
        form[i:j]
        for form in PINYIN_LEGAL_FORMS
        for i in range(len(form))
        for j in range(i + 1, len(form) + 1)
    }
)
_PHRASE_PAIRS = sorted({f"{p[0]} {p[1]}" for p in LEGAL_PHRASES})


#: Each byte as itself if it is a lower-case ASCII letter or digit, else a space.
_TOKEN_BYTES = np.array(
    [b if chr(b) in "0123456789abcdefghijklmnopqrstuvwxyz" else ord(" ") for b in range(256)],
    dtype=np.uint8,
)


def _spaced(folded: Any) -> Any:
    """Return Arrow strings with every byte but ``[0-9a-z]`` made a space.

    Splitting on runs of spaces then splits as the pattern ``[^0-9a-z]+`` does (the bytes of
    a non-ASCII character become spaces too), several times faster than the pattern: a table
    lookup per byte, with no regular expression.
    """
    validity, offsets, data = folded.buffers()
    spaced = _TOKEN_BYTES[np.frombuffer(data, dtype=np.uint8)] if data is not None else b""
    return pa.LargeStringArray.from_buffers(
        len(folded), offsets, pa.py_buffer(spaced), validity, folded.null_count, folded.offset
    )


def _arrow_keys(text: Any) -> Any:
    """:func:`name_key` of distinct names, vectorised, as Arrow strings: the same, name by name.

    ``text``: the names as Arrow ``large_string`` (:func:`_arrow_text`).
    """
    # Literal replacements: a regular expression per name costs several times more.
    folded = pc.ascii_lower(text)
    for mark in (".", "'"):
        folded = pc.replace_substring(folded, mark, "")
    folded = pc.replace_substring(folded, "&", " and ")
    split = pc.ascii_split_whitespace(_spaced(folded))
    tokens = pc.list_flatten(split)
    parent = pc.list_parent_indices(split).to_numpy()
    real = pc.not_equal(tokens, "").to_numpy(zero_copy_only=False)
    tokens = tokens.filter(pa.array(real))
    parent = parent[real]
    # Names the fast path cannot key: other scripts, pinyin legal forms, legal phrases, and a
    # dotted "a.s." at the end (a legal form only so written: _DOTTED_AS).
    slow = ~pc.string_is_ascii(text).to_numpy(zero_copy_only=False)
    dotted = pc.match_substring_regex(pc.ascii_lower(text), r"(^|[^a-z0-9])a\.\s*s\.?\W*$")
    slow |= dotted.to_numpy(zero_copy_only=False)
    pinyin = pc.is_in(tokens, value_set=pa.array(_PINYIN_PIECES)).to_numpy(zero_copy_only=False)
    slow[parent[pinyin]] = True
    if len(tokens) > 1:
        # Only a token that starts a legal phrase is joined to the next one to look it up.
        starts = pc.is_in(tokens[:-1], value_set=pa.array(sorted(_PHRASE_STARTS)))
        at = np.flatnonzero(starts.to_numpy(zero_copy_only=False) & (parent[:-1] == parent[1:]))
        if len(at):
            pairs = pc.binary_join_element_wise(
                tokens.take(pa.array(at)),
                tokens.take(pa.array(at + 1)),
                pa.scalar(" ", pa.large_string()),
            )
            phrase = pc.is_in(pairs, value_set=pa.array(_PHRASE_PAIRS))
            slow[parent[at[phrase.to_numpy(zero_copy_only=False)]]] = True
    # The key of any other name is its tokens without legal forms, run together.
    kept = ~pc.is_in(tokens, value_set=pa.array(sorted(LEGAL_FORMS))).to_numpy(zero_copy_only=False)
    counts = np.bincount(parent[kept], minlength=len(text))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    words = pa.LargeListArray.from_arrays(pa.array(offsets), tokens.filter(pa.array(kept)))
    keys = pc.binary_join(words, pa.scalar("", pa.large_string()))
    if not slow.any():
        return keys
    slow_names = text.filter(pa.array(slow)).to_pylist()
    slow_keys = pa.array([name_key(n) for n in slow_names], type=pa.large_string())
    return pc.replace_with_mask(keys, pa.array(slow), slow_keys)


def split_place(tokens: Sequence[str]) -> tuple[str, list[str]]:
    """Set leading (and trailing) Chinese place names apart from the rest of a name.

    Places are removed only when the rest still holds a distinctive word (see
    :func:`distinctive_tokens`): "Harbin Institute of Technology" keeps its "Harbin". Places
    written in syllables ("Hang Zhou") are recognised too, and so are places that end a name
    (the CSL writes "Guian New District Huawei Investment Co., Ltd., Guiyang, Guizhou").

    Parameters
    ----------
    tokens
        The tokens of a name, from :func:`name_tokens`.

    Returns
    -------
    place, rest
        The place (run together, ``""`` when none) and the remaining tokens.

    Examples
    --------
    >>> split_place(["zhejiang", "dahua", "technology"])
    ('zhejiang', ['dahua', 'technology'])
    >>> split_place(["hang", "zhou", "hikvision"])
    ('hangzhou', ['hikvision'])
    >>> split_place(["guian", "new", "district", "huawei", "investment", "guiyang", "guizhou"])
    ('guiyang guizhou', ['guian', 'new', 'district', 'huawei', 'investment'])
    >>> split_place(["harbin", "institute", "of", "technology"])
    ('', ['harbin', 'institute', 'of', 'technology'])
    """
    tokens = list(tokens)
    places: list[str] = []
    start, stop = 0, len(tokens)
    while start < stop and tokens[start] in _PLACE_STARTS:  # leading places
        for size in range(min(_MAX_PLACE_SYLLABLES, stop - start), 0, -1):
            joined = "".join(tokens[start : start + size])
            if joined in PLACE_NAMES:
                places.append(joined)
                start += size
                break
        else:
            break
    trailing: list[str] = []
    # Trailing places: an address run into the name ("..., Guiyang").
    while start < stop and tokens[stop - 1] in _PLACE_ENDS:
        for size in range(min(_MAX_PLACE_SYLLABLES, stop - start), 0, -1):
            joined = "".join(tokens[stop - size : stop])
            if joined in PLACE_NAMES:
                trailing.insert(0, joined)
                stop -= size
                break
        else:
            break
    rest = tokens[start:stop]
    if not (places or trailing) or not any(t not in GENERIC_WORDS for t in rest):
        return "", tokens
    return " ".join(places + trailing), rest


def without_place_titles(tokens: Sequence[str]) -> list[str]:
    """Return the tokens without the title of the Chinese place they start with.

    A government's title names no other place than its own (:data:`PLACE_TITLES`), so that
    the bureau of "Xinjiang Uighur Autonomous Region People's Government" and of "Xinjiang" are
    written alike; the place is written as the lists write it (:data:`PLACE_SPELLINGS`).
    Places the tokens do not start with keep what follows them.

    Examples
    --------
    >>> without_place_titles("xinjiang uighur autonomous region peoples government public "
    ...                      "security bureau".split())
    ['xinjiang', 'public', 'security', 'bureau']
    >>> without_place_titles("kezilesu kyrgyz autonomous prefecture public security bureau".split())
    ['kizilsu', 'autonomous', 'prefecture', 'public', 'security', 'bureau']
    >>> without_place_titles(["guangdong", "province", "huawei"])
    ['guangdong', 'huawei']
    >>> without_place_titles(["wulumuqi", "city", "public", "security", "bureau"])
    ['urumqi', 'city', 'public', 'security', 'bureau']
    """
    tokens = list(tokens)
    if not tokens or tokens[0] not in PLACE_NAMES:
        return tokens
    tokens[0] = PLACE_SPELLINGS.get(tokens[0], tokens[0])
    rest = tokens[1:]
    if len(rest) > 1 and rest[0] in AUTONOMOUS_PEOPLES and rest[1] == "autonomous":
        rest = rest[1:]
    title = next((t for t in PLACE_TITLES if tuple(rest[: len(t)]) == t), ())
    rest = rest[len(title) :]
    # The government of the place, when it is not the whole name: its bureau, its office.
    if tuple(rest[:2]) == _GOVERNMENT and len(rest) > 2:
        rest = rest[2:]
    return [tokens[0], *rest] if rest else tokens


def distinctive_tokens(tokens: Sequence[str]) -> list[str]:
    """Return the tokens that are not :data:`GENERIC_WORDS` (all of them if none is left).

    Examples
    --------
    >>> distinctive_tokens(["dahua", "technology"])
    ['dahua']
    >>> distinctive_tokens(["institute", "of", "technology"])
    ['institute', 'of', 'technology']
    """
    kept = [t for t in tokens if t not in GENERIC_WORDS]
    return kept or list(tokens)
