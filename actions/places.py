"""Free-text places ("任城区", "观音阁", "我在邹城市太平镇", "在唐口那边") resolved to the most specific known division,
and the helpers the "no loops" rule uses when they do not resolve: the closest choices and the county named.

How words are matched (the data is cases/data/*.yaml plus the operator's file):
- a code, or the whole answer being a name or alias (after dropping "我在 … 那边"-style fillers);
- inside a sentence: every name; an alias (a township's short form such as 观音阁, 唐口) only where it stands as a
  word of its own: not followed by 村/庄/社区/路 … (王庄村 is a village, not 王庄镇), and preceded by the start, a
  punctuation mark, a function character (在, 是, 住 …) or another place name (任城观音阁), never by another
  character of a longer name (北王庄). The short forms in WHOLE_ANSWER_ONLY are everyday words, given names, rivers
  or places elsewhere (太平, 小雪, 泗河, 南阳): inside a sentence they count only when their own county is named too
  (邹城太平, 曲阜小雪);
- a name inside a longer name of another division does not count ("曲阜" inside "曲阜文化示范区", "张楼" inside
  "大张楼");
- a county and a township named together give the township when it lies in that county; otherwise, when a name
  belongs to several divisions, and when a short form is also part of another township's name without its county
  ("兴隆": 兴隆镇 or 兴隆庄街道; "张楼": 张楼镇 or 大张楼镇), AmbiguousPlace asks which one and names the candidates.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import zhconv
from pypinyin import lazy_pinyin

from cases.divisions import Division, Divisions
from cases.errors import UnknownDivision

# Short forms that are also everyday words, names, rivers or better-known places elsewhere.
WHOLE_ANSWER_ONLY = frozenset({
    "安居", "太平", "兴隆", "南站", "书院", "小雪", "高楼", "滨湖", "杨柳", "清河", "石桥", "白石", "化雨", "司马",
    "鼓楼", "南苑", "金城", "大安", "南阳", "济阳", "西平", "中都", "长沟", "中心店", "城前", "小孟", "石墙", "水泊",
    "小路口", "大路口", "泗河", "洸河", "越河", "漕河",
})
_COUNTY_LEVELS = ("county", "zone")
_SUFFIXES = ("街道", "社区", "镇", "乡", "村", "县", "市", "区")
# An alias followed by these is part of another place's name (王庄村, 唐口路, 南张小区).
_FOLLOWED_BY_OTHER = re.compile(r"村|庄|屯|社区|小区|路|大道|巷|胡同|广场|公园|医院|学校|小学|中学|大学|花园|家园|大厦")
# Characters after which an alias may start a word of its own.
_BOUNDARY = frozenset("在是到住去从的了回来往近于咱俺我你他她家里边和跟与及或就宁市省县区镇乡道")
_PUNCT = re.compile(r"[\s,，。.!！?？、;；:：\"'“”‘’()（）\[\]【】…~～\-—_/]+")
_LEAD = re.compile(r"^(?:我们?|俺们?|咱们?|他们?|她们?|老人|孩子|家里)?(?:家)?(?:就|现在|目前|人)?(?:住在|是在|是|在|住)?")
_TRAIL = re.compile(r"(?:那边儿?|这边儿?|那块儿?|这块儿?|那里|这里|那儿|这儿|附近|一带|边上|旁边|的人|的|呢|啊|呀|哈|吧|了)+$")


class AmbiguousPlace(UnknownDivision):
    """The words name several divisions (示例街道 in two counties, or a township not in the county named); the
    Chinese message asks which one and names the candidates."""


@dataclass(frozen=True)
class _Mention:
    start: int
    end: int
    division: Division
    form: str                                       # the name or alias found


def _normalise(text: str) -> str:
    """Full-width and traditional forms as the divisions file writes them: '兗州區大安鎮' → '兖州区大安镇'."""
    return zhconv.convert(re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")), "zh-cn")


def _core(text: str) -> str:
    """The answer without punctuation and fillers: "我在唐口那边。" → "唐口"."""
    t = _PUNCT.sub("", text)
    return _TRAIL.sub("", _LEAD.sub("", t, count=1)) or t


def _ancestors(divisions: Divisions, d: Division) -> list[Division]:
    out: list[Division] = []
    while d.parent:
        d = divisions.by_code(d.parent)
        out.append(d)
    return out


def _county_of(divisions: Divisions, d: Division) -> Division:
    return d if d.level in _COUNTY_LEVELS else _ancestors(divisions, d)[-1]


def _label(divisions: Divisions, d: Division) -> str:
    """"任城区观音阁街道": the division with its ancestors."""
    return "".join(a.name for a in reversed([d, *_ancestors(divisions, d)]))


def _named_exactly(divisions: Divisions, word: str) -> list[Division]:
    """The divisions whose name or alias is the whole word, without those inside another one found (金乡 → the
    county, not also a township of it)."""
    found = [d for d in divisions if word == d.name or word in d.aliases]
    codes = {d.code for d in found}
    return [d for d in found if not any(a.code in codes for a in _ancestors(divisions, d))]


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def _mentions(divisions: Divisions, text: str) -> list[_Mention]:
    """Every name, and every alias standing as a word of its own, in the text; none inside a longer one."""
    raw: list[_Mention] = []
    everyday: list[_Mention] = []                   # WHOLE_ANSWER_ONLY short forms: 太平, 鼓楼 …
    for d in divisions:
        for form in dict.fromkeys((d.name, *d.aliases)):
            start = text.find(form)
            while start >= 0:
                mention = _Mention(start, start + len(form), d, form)
                (everyday if form != d.name and form in WHOLE_ANSWER_ONLY else raw).append(mention)
                start = text.find(form, start + 1)
    # An everyday word counts when its own county is named too: 邹城太平, 兖州区鼓楼, 金乡县的兴隆.
    named = {m.division.code for m in raw}
    raw += [m for m in everyday if any(a.code in named for a in _ancestors(divisions, m.division))]
    ends = {m.end for m in raw}
    kept = []
    for m in raw:
        if m.form != m.division.name and m.division.level not in _COUNTY_LEVELS:   # a township's short form
            if _FOLLOWED_BY_OTHER.match(text, m.end):
                continue
            before = text[m.start - 1] if m.start else ""
            if before and _is_cjk(before) and before not in _BOUNDARY and m.start not in ends:
                continue
        kept.append(m)
    return [a for a in kept
            if not any(b.division.code != a.division.code and b.start <= a.start and a.end <= b.end
                       and b.end - b.start > a.end - a.start for b in kept)]


def _inside_other_names(divisions: Divisions, word: str, d: Division) -> list[Division]:
    """Other townships whose name contains this short form of `d` ("兴隆" in 兴隆庄街道, "张楼" in 大张楼镇): the
    resident may mean them."""
    if word == d.name or d.level != "township":
        return []
    return [t for t in divisions if t.level == "township" and t.code != d.code and word in t.name]


def _ambiguous_name(divisions: Divisions, word: str, candidates: list[Division]) -> AmbiguousPlace:
    labels = "、".join(dict.fromkeys(_label(divisions, d) for d in candidates))
    return AmbiguousPlace(f"“{word}”有多处：{labels}，请问是哪个县（市、区）的",
                          f"{word} names {len(candidates)} places; which county?")


def _one(divisions: Divisions, word: str, found: list[Division]) -> Division:
    """The one division a word names, else AmbiguousPlace naming them all."""
    candidates = [*found, *(o for d in found for o in _inside_other_names(divisions, word, d))]
    if len(candidates) == 1:
        return candidates[0]
    raise _ambiguous_name(divisions, word, list({d.code: d for d in candidates}.values()))


def _most_specific(divisions: Divisions, mentions: list[_Mention], text: str) -> Division:
    named = {m.division.code: m.division for m in mentions}
    lineage = {code: {a.code for a in _ancestors(divisions, d)} for code, d in named.items()}
    leaves = [d for d in named.values() if not any(d.code in lineage[o] for o in named if o != d.code)]
    confirmed = [d for d in leaves if lineage[d.code] & named.keys()]
    if len(confirmed) == 1:                         # 任城区观音阁, 兖州区的示例街道
        return confirmed[0]
    if len(leaves) == 1:                            # one place, its county not named: 观音阁, 张楼
        return _one(divisions, min((m for m in mentions if m.division == leaves[0]), key=lambda m: m.start).form,
                    leaves)
    # A zone without townships in the data (太白湖新区) cannot say a township is not in it: 太白湖许庄街道 → 许庄街道.
    lower = [d for d in leaves if d.level not in _COUNTY_LEVELS]
    upper = [d for d in leaves if d.level in _COUNTY_LEVELS and divisions.children(d.code)]
    if len(lower) == 1 and not upper:
        return lower[0]
    spans = {code: {(m.start, m.end) for m in mentions if m.division.code == code} for code in named}
    shared = [d for d in lower if spans[d.code] & spans[lower[0].code]]
    if len(shared) == len(lower) > 1:              # one word naming several places: 示例街道 in two counties
        raise _ambiguous_name(divisions, text[slice(*min(spans[lower[0].code]))], lower)
    if len(upper) == 1 and lower:                  # a township (or village) not in the county named
        county, place = upper[0], lower[0]
        home = _county_of(divisions, place)
        raise AmbiguousPlace(f"{place.name}在{home.name}，不在{county.name}，请问是{home.name}{place.name}，"
                             f"还是{county.name}的哪个乡镇（街道）",
                             f"{place.name} is in {home.code}, not in {county.code}")
    first = {code: min(start for start, _ in spans[code]) for code in named}
    labels = "、".join(dict.fromkeys(_label(divisions, d) for d in sorted(leaves, key=lambda d: first[d.code])))
    raise AmbiguousPlace(f"说到了{labels}几处地方，请说一下现在所在的是哪一处",
                         f"{text!r} names several places")


def resolve_place(divisions: Divisions, text: str) -> Division:
    """The division meant by `text`: a code, a name or alias (观音阁, 太平镇, 唐口), or a sentence naming places
    ("俺在任城区南关村，电话139****5678" → 任城区 when 南关村 is not in the data). A county and a township named
    together give the township when it lies in that county.

    Raises AmbiguousPlace (a subclass of UnknownDivision) when the words name several divisions, with a Chinese
    message that names the candidates and asks which county; UnknownDivision when nothing is recognised."""
    t = _normalise(text)
    if not t:
        raise UnknownDivision("请说一下所在的县（市、区）", "no place given")
    try:
        return divisions.by_code(t)
    except UnknownDivision:
        pass
    for word in dict.fromkeys((t, _core(t))):
        exact = _named_exactly(divisions, word)
        if exact:
            return _one(divisions, word, exact)
    mentions = _mentions(divisions, t)
    if not mentions:
        variant = _sounds_like(divisions, _core(t)) or _one_character_off(divisions, _core(t))
        if variant is not None:
            return variant
        raise UnknownDivision(f"未找到地名：{t}", f"no division named in {t!r}")
    found = _most_specific(divisions, mentions, t)
    if found.level in _COUNTY_LEVELS:             # "金乡鸡鼠", "邹城译山": the rest may be a township typed by sound
        rest = _core("".join(ch for i, ch in enumerate(t)
                             if not any(m.start <= i < m.end for m in mentions)))
        township = _sounds_like(divisions, rest, within=found.code) if len(rest) >= 2 else None
        if township is not None:
            return township
    return found


_TOWNSHIP_SUFFIXES = ("街道", "镇", "乡")


@lru_cache(maxsize=4096)
def _sound(word: str) -> tuple[str, ...]:
    """Toneless pinyin, one syllable per character: 柘沟镇 → (zhe, gou, zhen)."""
    return tuple(lazy_pinyin(word, errors=lambda chars: list(chars)))


def _sounds_like(divisions: Divisions, word: str, within: str | None = None) -> Division | None:
    """The one division whose name or short form sounds exactly like the words but is written otherwise — pinyin
    input and voice input give homophones ("这沟镇" → 柘沟镇, "玉屯" → 喻屯镇, "浮山街道" → 凫山街道). None when
    no division, or more than one, sounds so; at least two characters."""
    if len(word) < 2 or not all(_is_cjk(ch) for ch in word):
        return None
    heard = _sound(word)
    found = {d.code: d for d in divisions for n in (d.name, *d.aliases)
             if len(n) == len(word) and n != word and _sound(n) == heard
             and (within is None or d.parent == within)}
    return next(iter(found.values())) if len(found) == 1 else None


def _one_character_off(divisions: Divisions, word: str) -> Division | None:
    """A township's full name typed with one character wrong — a variant or a near-homophone that `_sounds_like`
    does not catch ("满洞镇" → 满硐镇) — when exactly one township is that close. Only whole names with
    their 镇/乡/街道 and at least two characters before it: short forms differ by one character too often."""
    suffix = next((x for x in _TOWNSHIP_SUFFIXES if word.endswith(x)), None)
    if suffix is None or len(word) - len(suffix) < 2:
        return None
    close = [d for d in divisions if d.level == "township" and d.name.endswith(suffix) and len(d.name) == len(word)
             and sum(a != b for a, b in zip(d.name, word)) == 1]
    return close[0] if len(close) == 1 else None


def county_in(divisions: Divisions, text: str) -> Division | None:
    """The county or functional zone named in `text` ("邹城观音阁" → 邹城市, "高新区" → 济宁高新区), if exactly one
    is named; None when none, or several different ones, are. Only what is said counts: a township named alone
    does not name its county (resolve_place gives the township, whose county is divisions.locate(code).county)."""
    t = _normalise(text)
    for word in dict.fromkeys((t, _core(t))):
        exact = [d for d in _named_exactly(divisions, word) if d.level in _COUNTY_LEVELS]
        if len(exact) == 1:
            return exact[0]
    counties = {m.division.code: m.division for m in _mentions(divisions, t) if m.division.level in _COUNTY_LEVELS}
    return next(iter(counties.values())) if len(counties) == 1 else None


def _stem(name: str) -> str:
    """A name without its level word (观音阁街道 → 观音阁, 南关村 → 南关), when 2 characters remain."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _closeness(words: str, stem: str, least: int = 2) -> tuple[float, int, float]:
    """(share of the stem's characters found in order in the words, how many, overall similarity); zeros when
    fewer than `least` characters are found."""
    if len(set(stem) & set(words)) < least:
        return 0.0, 0, 0.0
    matcher = difflib.SequenceMatcher(None, words, stem, autojunk=False)
    found = sum(block.size for block in matcher.get_matching_blocks())
    return (found / len(stem), found, matcher.ratio()) if found >= least else (0.0, 0, 0.0)


def suggest_places(divisions: Divisions, text: str, limit: int = 4) -> list[Division]:
    """The closest choices for place words that did not resolve, best first, at most `limit` (for buttons).

    A division is close when at least 2 characters of its name or short form (without 街道/镇/乡/村 …) occur in
    the words, in order, and make up at least half of it ("观英阁" → 观音阁街道, "二十里堡" → 廿里铺街道, "大张娄" →
    大张楼镇). When the text names a county ("梁山杨赢"), its own townships and villages come first and one
    character of a two-character name is enough among them (→ 杨营镇); the county's name itself is not compared.
    When nothing is close: the counties, the one named first, then those sharing a character with the words, then
    in code order. Pure: reads only `divisions` and `text`."""
    if limit <= 0:
        return []
    words = _core(_normalise(text))
    named = county_in(divisions, text)
    if named is not None:
        for form in sorted((named.name, *named.aliases), key=len, reverse=True):
            words = words.replace(form, "")
    words = "".join(ch for ch in words if _is_cjk(ch))          # place names are Chinese; drop phones, masks
    letters = set(words)
    under: set[str] = set()                          # the named county's townships and villages
    if named is not None:
        level = {named.code}
        while level:
            level = {d.code for d in divisions if d.parent in level}
            under |= level
    ranked: list[tuple[tuple[bool, float, int, float, int], Division]] = []
    for d in divisions:
        stems = {_stem(form) for form in (d.name, *d.aliases)}
        inside = d.code in under
        if max(len(letters.intersection(stem)) for stem in stems) < (1 if inside else 2):
            continue
        share, found, ratio = max(_closeness(words, stem, 1 if inside else 2) for stem in stems)
        if share >= 0.5:
            depth = {"county": 0, "zone": 0, "township": 1, "village": 2}[d.level]
            ranked.append(((inside, share, found, ratio, -depth), d))
    if ranked:
        ranked.sort(key=lambda item: item[0], reverse=True)
        return [d for _, d in ranked[:limit]]
    counties = [d for d in divisions if d.level == "county"]
    counties.sort(key=lambda d: (named is None or d.code != named.code, -len(set(d.name) & set(words)), d.code))
    if named is not None and named.level == "zone":
        counties.insert(0, named)
    return counties[:limit]
