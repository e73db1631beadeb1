"""Jining's divisions (county/zone → township → village): a typed loader that validates codes and parent links."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml

from cases.errors import UnknownDivision

SHIPPED_DIVISIONS = Path(__file__).with_name("data") / "divisions.yaml"       # counties and zones (hand-written)
SHIPPED_TOWNSHIPS = Path(__file__).with_name("data") / "townships.yaml"       # the 158 townships (generated from NBS)
SHIPPED_FILES = (SHIPPED_DIVISIONS, SHIPPED_TOWNSHIPS)
Level = Literal["county", "zone", "township", "village"]
_PARENT_LEVELS: dict[str, tuple[str, ...]] = {
    "county": (), "zone": (), "township": ("county", "zone"), "village": ("township",),
}
_CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z-]{0,23}")
_COUNTY_CODE = re.compile(r"3708\d{2}")
_ZONE_CODE = re.compile(r"JN-Z\d{2}")


class DivisionsError(ValueError):
    """A divisions file that cannot be loaded; the message names the file and the entry."""


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: Level
    parent: str | None = None
    internal: bool = False          # True: a jishijiu-internal code, not GB/T 2260
    aliases: tuple[str, ...] = ()
    former_codes: tuple[str, ...] = ()  # codes it had in earlier versions of the data (JN-Z01 → 370871)


@dataclass(frozen=True)
class Location:
    """A resolved place: the county or zone, and the township and village when known."""

    county: Division
    township: Division | None = None
    village: Division | None = None

    @property
    def intake_code(self) -> str:
        """The office that takes the case in: the township, else the county-level centre."""
        return (self.township or self.county).code

    @property
    def label(self) -> str:
        return " ".join(d.name for d in (self.county, self.township, self.village) if d)


class Divisions:
    """A validated set of divisions with lookup by code or name. A former code (JN-Z01) is accepted wherever a
    code is (by_code, locate, a file's `parent:`) and stands for the division's current code."""

    def __init__(self, divisions: Iterable[Division]) -> None:
        given = list(divisions)
        self._former: dict[str, str] = {}
        for d in given:
            for old in d.former_codes:
                if old in self._former or old == d.code:
                    raise DivisionsError(f"former code {old} appears twice")
                self._former[old] = d.code
        self._by_code: dict[str, Division] = {}
        for d in given:
            if d.code in self._by_code or d.code in self._former:
                also = f" (former code of {self._former[d.code]})" if d.code in self._former else ""
                raise DivisionsError(f"division code {d.code} appears twice{also}")
            if d.parent in self._former:
                d = replace(d, parent=self._former[d.parent])
            self._by_code[d.code] = d
        seen_names: set[tuple[str | None, str]] = set()
        for d in self._by_code.values():
            _check(d, self._by_code)
            for name in (d.name, *d.aliases):
                if (d.parent, name) in seen_names:
                    raise DivisionsError(f"name {name} appears twice under {d.parent or 'Jining'}")
                seen_names.add((d.parent, name))

    def __len__(self) -> int:
        return len(self._by_code)

    def __iter__(self):  # noqa: ANN204 - iterator over Division
        return iter(self._by_code.values())

    def by_code(self, code: str) -> Division:
        code = code.strip()
        try:
            return self._by_code[self._former.get(code, code)]
        except KeyError:
            raise UnknownDivision(f"未知的行政区划代码：{code}", f"unknown division code: {code}") from None

    def by_name(self, name: str, *, parent: str | None = None) -> Division:
        """The division called `name` (or an alias), within `parent` when given; UnknownDivision if none or many."""
        name = name.strip()
        found = [d for d in self._by_code.values()
                 if name in (d.name, *d.aliases) and (parent is None or d.parent == parent)]
        if len(found) == 1:
            return found[0]
        if not found:
            raise UnknownDivision(f"未找到地名：{name}", f"no division named {name}")
        raise UnknownDivision(f"地名“{name}”有多处，请说明所在县区或乡镇",
                              f"{name} names {len(found)} places; give the county or township")

    def children(self, code: str) -> tuple[Division, ...]:
        code = self._former.get(code, code)
        return tuple(d for d in self._by_code.values() if d.parent == code)

    def locate(self, code: str) -> Location:
        """The county/township/village chain for the most specific code given."""
        chain: dict[str, Division] = {}
        division: Division | None = self.by_code(code)
        while division is not None:
            chain["county" if division.level == "zone" else division.level] = division
            division = self._by_code[division.parent] if division.parent else None
        return Location(county=chain["county"], township=chain.get("township"), village=chain.get("village"))


def _check(d: Division, by_code: dict[str, Division]) -> None:
    where = f"division {d.code} ({d.name})"
    if d.level not in _PARENT_LEVELS:
        raise DivisionsError(f"{where}: level must be one of {sorted(_PARENT_LEVELS)}")
    if not _CODE.fullmatch(d.code) or not d.name.strip():
        raise DivisionsError(f"{where}: a code is 1-24 letters, digits or '-', and a name is required")
    if d.level == "county" and not _COUNTY_CODE.fullmatch(d.code):
        raise DivisionsError(f"{where}: a county code is Jining's 3708xx")
    if d.level == "zone" and not (_ZONE_CODE.fullmatch(d.code) if d.internal else _COUNTY_CODE.fullmatch(d.code)):
        raise DivisionsError(f"{where}: a zone has its statistical code 3708xx, or an internal code JN-Znn "
                             "marked internal: true")
    if any(not _CODE.fullmatch(old) for old in d.former_codes):
        raise DivisionsError(f"{where}: a former code is 1-24 letters, digits or '-'")
    allowed = _PARENT_LEVELS[d.level]
    if not allowed:
        if d.parent:
            raise DivisionsError(f"{where}: a {d.level} has no parent")
        return
    parent = by_code.get(d.parent or "")
    if parent is None:
        raise DivisionsError(f"{where}: parent {d.parent!r} is not a known division")
    if parent.level not in allowed:
        raise DivisionsError(f"{where}: a {d.level}'s parent must be a {' or '.join(allowed)}, not a {parent.level}")


def _read(path: Path) -> list[Division]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise DivisionsError(f"{path}: cannot read ({exc})") from None
    entries = raw.get("divisions") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        raise DivisionsError(f"{path}: expected a top-level 'divisions:' list")
    out = []
    for i, e in enumerate(entries):
        if not isinstance(e, dict) or not {"code", "name", "level"} <= e.keys() or e.keys() - {
                "code", "name", "level", "parent", "internal", "aliases", "former_codes"}:
            raise DivisionsError(f"{path}: entry {i + 1} needs code, name, level "
                                 "(and optionally parent, internal, aliases, former_codes) only")
        out.append(Division(code=str(e["code"]), name=str(e["name"]), level=e["level"],
                            parent=str(e["parent"]) if e.get("parent") is not None else None,
                            internal=bool(e.get("internal", False)),
                            aliases=tuple(str(a) for a in e.get("aliases") or ()),
                            former_codes=tuple(str(c) for c in e.get("former_codes") or ())))
    return out


def load_divisions(*extra_files: Path) -> Divisions:
    """The shipped counties, zones and townships plus each operator file's villages (and any further townships),
    validated together."""
    return Divisions([d for path in (*SHIPPED_FILES, *extra_files) for d in _read(path)])


@lru_cache(maxsize=8)
def cached_divisions(extra_file: Path | None = None) -> Divisions:
    """load_divisions, once per process and file (the files change only with a deployment)."""
    return load_divisions(*(p for p in (extra_file,) if p))
