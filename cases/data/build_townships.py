"""Regenerate cases/data/townships.yaml (and the NLU `township` lookup) from the NBS township list.

    .venv/bin/python -m cases.data.build_townships ../shared/data/jining-townships.csv

The CSV (code,name,county_code) is the 158 乡镇/街道 of 济宁市 from 国家统计局《2023年统计用区划代码和城乡划分代码》;
its provenance is in the README next to it. The YAML written here is what ships and is loaded; this script only
makes it reproducible and keeps the short forms consistent with the rules below.

Short forms (aliases): the name without 街道/镇/乡 when what remains is at least 2 characters and names nothing
else (another township's name or short form, a county's or zone's name or alias: "金乡" is 金乡县, not 金乡街道),
plus the variant and former names in EXTRA_ALIASES.
"""
from __future__ import annotations

import argparse
import csv
import re
from collections import Counter
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parent
COUNTIES_FILE = DATA / "divisions.yaml"
OUT = DATA / "townships.yaml"
LOOKUP_FILE = DATA.parents[1] / "bot" / "data" / "nlu" / "entities.yml"
SUFFIXES = ("街道", "镇", "乡")

# Variant and former names residents still use (most were already in the NLU township lookup before this file).
EXTRA_ALIASES: dict[str, tuple[str, ...]] = {
    "廿里铺街道": ("二十里铺街道", "二十里铺"),          # 廿 = 二十
    "次邱镇": ("次丘镇", "次丘"),                        # 邱/丘 both in use
    "黄垓镇": ("黄垓乡",),                               # former 乡
    "万张街道": ("万张镇",),                             # former 镇
    "嘉祥经济开发区管理委员会": ("嘉祥经济开发区", "嘉祥经开区"),
}

HEADER = """\
# The 158 townships and sub-districts (乡镇/街道, level `township`) of 济宁市 with their 9-digit statistical codes.
# Source: 国家统计局《2023年统计用区划代码和城乡划分代码》 (cut-off 2023-06-30, published 2023-09-11), as compiled in
# the public-domain (WTFPL) dataset modood/Administrative-divisions-of-China, dist/streets.csv.
# parent: the county-level division the NBS lists them under; the 5 sub-districts of 济宁高新区 are under its
# statistical code 370871. The other functional zones (太白湖新区, 经开区, 曲阜文化建设示范区) have no statistical
# code and no townships of their own here: their townships are listed under the counties.
# 370811401 济东物业服务中心 and 370829400 嘉祥经济开发区管理委员会 are township-level units (类似乡级单位) in the NBS list.
# aliases: the name without 街道/镇/乡 when at least 2 characters and naming nothing else (so none for 金乡街道,
# 嘉祥街道, 汶上街道, 梁山街道: those words are the counties), plus variant and former names.
# GENERATED: `.venv/bin/python -m cases.data.build_townships <jining-townships.csv>`; change the script, not this file.
# Villages (村/社区) are not shipped: operators add theirs in JISHIJIU_DIVISIONS_FILE.
"""


def short_form(name: str) -> str | None:
    """The name without its 街道/镇/乡 suffix, when at least 2 characters remain; else None."""
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = [{k: v.strip() for k, v in row.items()} for row in csv.DictReader(f)]
    for row in rows:
        if not re.fullmatch(r"3708\d{2}\d{3}", row["code"]) or row["code"][:6] != row["county_code"]:
            raise SystemExit(f"{path}: unexpected row {row}")
    return rows


def townships(rows: list[dict[str, str]]) -> list[dict[str, object]]:
    """One entry per CSV row, with the aliases that are safe to accept."""
    counties = yaml.safe_load(COUNTIES_FILE.read_text(encoding="utf-8"))["divisions"]
    county_codes = {c["code"] for c in counties}
    taken = {n for c in counties for n in (c["name"], *(c.get("aliases") or ()))}
    taken |= {r["name"] for r in rows}
    shorts = Counter(s for r in rows if (s := short_form(r["name"])))
    out = []
    for r in rows:
        if r["county_code"] not in county_codes:
            raise SystemExit(f"county {r['county_code']} of {r['name']} is not in {COUNTIES_FILE.name}")
        aliases = [s] if (s := short_form(r["name"])) and shorts[s] == 1 and s not in taken else []
        aliases += [a for a in EXTRA_ALIASES.get(r["name"], ()) if a not in taken]
        entry: dict[str, object] = {"code": r["code"], "name": r["name"], "level": "township",
                                    "parent": r["county_code"]}
        if aliases:
            entry["aliases"] = aliases
        out.append(entry)
    return out


def render(entries: list[dict[str, object]], county_names: dict[str, str]) -> str:
    lines = [HEADER, "divisions:"]
    parent = None
    for e in entries:
        if e["parent"] != parent:
            parent = e["parent"]
            count = sum(1 for x in entries if x["parent"] == parent)
            lines.append(f"  # {county_names[str(parent)]} ({parent}): {count}")
        aliases = f", aliases: [{', '.join(e['aliases'])}]" if e.get("aliases") else ""  # type: ignore[arg-type]
        lines.append(f'  - {{code: "{e["code"]}", name: {e["name"]}, level: township, parent: "{parent}"{aliases}}}')
    return "\n".join(lines) + "\n"


def lookup_names(entries: list[dict[str, object]]) -> list[str]:
    """Names and short forms for the NLU lookup, leaving out short forms that are everyday words (太平, 安居 …)."""
    from actions.places import WHOLE_ANSWER_ONLY   # one list of everyday words for the resolver and the NLU

    names: list[str] = []
    for e in entries:
        names.append(str(e["name"]))
        names += [a for a in e.get("aliases", ()) if a not in WHOLE_ANSWER_ONLY]  # type: ignore[union-attr]
    return list(dict.fromkeys(names))


def update_lookup(path: Path, names: list[str]) -> None:
    """Replace the `- lookup: township` block of the NLU entities file (and nothing else)."""
    text = path.read_text(encoding="utf-8")
    block = re.compile(r"^- lookup: township\n  examples: \|\n(?:    - .*\n)+", re.M)
    if len(block.findall(text)) != 1:
        raise SystemExit(f"{path}: expected one '- lookup: township' block")
    new = "- lookup: township\n  examples: |\n" + "".join(f"    - {n}\n" for n in names)
    path.write_text(block.sub(lambda _: new, text), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, help="jining-townships.csv (code,name,county_code)")
    parser.add_argument("--lookup", type=Path, default=LOOKUP_FILE, help="NLU entities file to update")
    parser.add_argument("--no-lookup", action="store_true", help="write the YAML only")
    args = parser.parse_args(argv)
    entries = townships(read_csv(args.csv))
    counties = yaml.safe_load(COUNTIES_FILE.read_text(encoding="utf-8"))["divisions"]
    OUT.write_text(render(entries, {c["code"]: c["name"] for c in counties}), encoding="utf-8")
    print(f"wrote {len(entries)} townships to {OUT}")
    if not args.no_lookup:
        names = lookup_names(entries)
        update_lookup(args.lookup, names)
        print(f"wrote {len(names)} township names to {args.lookup}")


if __name__ == "__main__":
    main()
