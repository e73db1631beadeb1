"""Free-text places ("任城区", "我在邹城市示例街道") resolved to the most specific known division."""
from __future__ import annotations

import re
import unicodedata

from cases.divisions import Division, Divisions
from cases.errors import UnknownDivision


class AmbiguousPlace(UnknownDivision):
    """The words name several divisions (示例街道 in two counties); the message asks which one."""


def _ancestors(divisions: Divisions, d: Division) -> set[str]:
    out: set[str] = set()
    while d.parent:
        out.add(d.parent)
        d = divisions.by_code(d.parent)
    return out


def _mentions(divisions: Divisions, text: str) -> list[tuple[int, int, Division]]:
    """Every (start, end, division) whose name or alias occurs in the text, except a name inside a longer name
    of another division ("曲阜" inside "曲阜文化示范区")."""
    found = [(m.start(), m.end(), d) for d in divisions for name in {d.name, *d.aliases}
             for m in re.finditer(re.escape(name), text)]
    return [a for a in found
            if not any(b[2].code != a[2].code and b[0] <= a[0] and a[1] <= b[1] and b[1] - b[0] > a[1] - a[0]
                       for b in found)]


def resolve_place(divisions: Divisions, text: str) -> Division:
    """The division meant by `text` (a code, a name, or a sentence naming places); UnknownDivision with a
    Chinese message when none or several match."""
    t = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))
    if not t:
        raise UnknownDivision("请说一下所在的县（市、区）", "no place given")
    try:
        return divisions.by_code(t)
    except UnknownDivision:
        pass
    try:
        return divisions.by_name(t)
    except UnknownDivision as exc:
        if "有多处" in exc.message_zh:              # by_name's wording for several matches
            raise AmbiguousPlace(exc.message_zh, exc.message_en) from None
    named = {d.code: d for _, _, d in _mentions(divisions, t)}
    if not named:
        raise UnknownDivision(f"未找到地名：{t}", f"no division named in {t!r}")
    lineage = {code: _ancestors(divisions, d) for code, d in named.items()}
    leaves = [d for d in named.values() if not any(d.code in lineage[o] for o in named if o != d.code)]
    if len(leaves) > 1:
        consistent = [d for d in leaves if lineage[d.code] & named.keys()]
        if len(consistent) == 1:
            return consistent[0]
        names = "、".join(dict.fromkeys(d.name for d in leaves))
        raise AmbiguousPlace(f"“{names}”有多处，请说明所在县（市、区）或乡镇（街道）", f"{t!r} names several places")
    return leaves[0]
