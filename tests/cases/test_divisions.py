"""The divisions files: Jining's 11 counties, 4 zones and 158 townships ship; operators extend; codes and parents
are validated."""
import csv
from collections import Counter
from pathlib import Path

import pytest
import yaml

from cases.data import build_townships
from cases.divisions import SHIPPED_TOWNSHIPS, DivisionsError, load_divisions
from cases.errors import UnknownDivision
from tests.cases.fixtures import TEST_DIVISIONS, TOWNSHIP, VILLAGE

COUNTIES = {"370811": "任城区", "370812": "兖州区", "370826": "微山县", "370827": "鱼台县", "370828": "金乡县",
            "370829": "嘉祥县", "370830": "汶上县", "370831": "泗水县", "370832": "梁山县", "370881": "曲阜市",
            "370883": "邹城市"}
ZONES = {"济宁高新区", "太白湖新区", "济宁经济技术开发区", "曲阜文化建设示范区"}
# 乡镇/街道 per county-level division in the NBS 2023 list (济宁高新区 is 370871).
TOWNSHIPS_PER_COUNTY = {"370811": 18, "370812": 10, "370826": 15, "370827": 11, "370828": 13, "370829": 16,
                        "370830": 15, "370831": 13, "370832": 14, "370871": 5, "370881": 12, "370883": 16}
SOURCE_CSV = Path(__file__).resolve().parents[3] / "shared" / "data" / "jining-townships.csv"


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "extra.yaml"
    path.write_text("divisions:\n" + body, encoding="utf-8")
    return path


def test_shipped_file_has_the_counties_and_marked_zones() -> None:
    divisions = load_divisions()
    assert {d.code: d.name for d in divisions if d.level == "county"} == COUNTIES
    intake = divisions.by_code("JN-Z00")             # not a place: the city intake for unplaced cases
    assert intake.internal and "位置待确认" in intake.name
    zones = [d for d in divisions if d.level == "zone" and d is not intake]
    assert {d.name for d in zones} == ZONES
    gaoxin = divisions.by_name("济宁高新区")        # the one zone with a statistical code
    assert gaoxin.code == "370871" and not gaoxin.internal and gaoxin.former_codes == ("JN-Z01",)
    assert all(d.internal and d.code.startswith("JN-Z") for d in zones if d is not gaoxin)
    assert "成武县" not in {d.name for d in divisions}


def test_all_158_townships_ship_with_their_county() -> None:
    divisions = load_divisions()
    townships = [d for d in divisions if d.level == "township"]
    assert len(townships) == 158 and not [d for d in divisions if d.level == "village"]
    assert Counter(d.parent for d in townships) == TOWNSHIPS_PER_COUNTY
    assert all(len(d.code) == 9 and d.code.isdigit() and d.code[:6] == d.parent and not d.internal
               for d in townships)
    assert divisions.by_name("观音阁街道").code == "370811015"
    assert divisions.locate("370811015").label == "任城区 观音阁街道"
    assert divisions.locate("370883107").label == "邹城市 太平镇"
    assert divisions.locate("370871005").county.name == "济宁高新区"
    assert {d.name for d in divisions.children("370871")} == {"洸河街道", "柳行街道", "接庄街道", "王因街道", "黄屯街道"}


@pytest.mark.skipif(not SOURCE_CSV.exists(), reason="the shared NBS township list is not on this machine")
def test_townships_file_is_the_nbs_list_regenerated() -> None:
    with SOURCE_CSV.open(encoding="utf-8") as f:
        rows = {r["code"]: (r["name"], r["county_code"]) for r in csv.DictReader(f)}
    divisions = load_divisions()
    assert {d.code: (d.name, d.parent) for d in divisions if d.level == "township"} == rows
    entries = build_townships.townships(build_townships.read_csv(SOURCE_CSV))
    counties = {d.code: d.name for d in divisions if d.parent is None}
    assert build_townships.render(entries, counties) == SHIPPED_TOWNSHIPS.read_text(encoding="utf-8")


def test_short_forms_name_one_place_only() -> None:
    divisions = load_divisions()
    words = Counter(w for d in divisions for w in {d.name, *d.aliases})
    assert [w for w, n in words.items() if n > 1] == []
    by_name = {d.name: d for d in divisions}
    assert by_name["观音阁街道"].aliases == ("观音阁",) and by_name["太平镇"].aliases == ("太平",)
    assert by_name["金乡街道"].aliases == ()             # "金乡" is the county
    assert "二十里铺" in by_name["廿里铺街道"].aliases and "次丘镇" in by_name["次邱镇"].aliases
    assert build_townships.short_form("夏镇街道") == "夏镇" and build_townships.short_form("某镇") is None


def test_the_nlu_township_lookup_lists_every_township() -> None:
    entities = Path(__file__).resolve().parents[2] / "bot" / "data" / "nlu" / "entities.yml"
    lookup = next(item for item in yaml.safe_load(entities.read_text(encoding="utf-8"))["nlu"]
                  if item.get("lookup") == "township")
    names = {line.removeprefix("- ").strip() for line in lookup["examples"].splitlines() if line.strip()}
    assert {d.name for d in load_divisions() if d.level == "township"} <= names
    assert "观音阁" in names and "太平" not in names          # everyday words stay out of the NLU features


def test_lookup_by_code_name_and_alias() -> None:
    divisions = load_divisions(TEST_DIVISIONS)
    assert divisions.by_code("370881").name == "曲阜市"
    assert divisions.by_name("邹城").code == "370883"
    assert divisions.by_name("经开区").name == "济宁经济技术开发区"
    assert divisions.by_name("示例街道", parent="370812").code == "370812099"
    assert divisions.by_name("观音阁").code == "370811015"
    with pytest.raises(UnknownDivision, match="有多处"):
        divisions.by_name("示例街道")                 # two townships share the name
    with pytest.raises(UnknownDivision):
        divisions.by_code("370800")
    with pytest.raises(UnknownDivision):
        divisions.by_name("单县")


def test_locate_gives_the_chain() -> None:
    divisions = load_divisions(TEST_DIVISIONS)
    place = divisions.locate(VILLAGE)
    assert (place.county.code, place.township.code, place.village.code) == ("370811", TOWNSHIP, VILLAGE)
    assert place.intake_code == TOWNSHIP and place.label == "任城区 示例街道 示例社区"
    zone = divisions.locate("JN-Z01-001")
    assert zone.county.name == "济宁高新区" and zone.village is None
    assert divisions.locate("370830").intake_code == "370830"


def test_the_former_zone_code_still_works() -> None:
    """JN-Z01 (济宁高新区 before it carried 370871): by code, as a parent in an operator's file, for children."""
    divisions = load_divisions(TEST_DIVISIONS)
    assert divisions.by_code("JN-Z01").code == "370871"
    assert divisions.by_code("JN-Z01-001").parent == "370871"
    assert divisions.locate("JN-Z01-001").county.code == "370871"
    assert divisions.locate("JN-Z01").intake_code == "370871"
    assert {d.code for d in divisions.children("JN-Z01")} == {d.code for d in divisions.children("370871")}
    assert len(divisions.children("370871")) == 6


@pytest.mark.parametrize("body, message", [
    ('  - {code: "370811", name: 重复, level: county}\n', "appears twice"),
    ('  - {code: "370899001", name: 孤儿街道, level: township, parent: "370899"}\n', "not a known division"),
    ('  - {code: "370811099001", name: 直属村, level: village, parent: "370811"}\n', "parent must be a township"),
    ('  - {code: "370811099", name: 无上级, level: township}\n', "not a known division"),
    ('  - {code: "JN-Z09", name: 新区, level: zone}\n', "internal"),
    ('  - {code: "370899", name: 新区, level: zone, internal: true}\n', "internal"),
    ('  - {code: "JN-Z09", name: 新区, level: zone, internal: true, former_codes: [JN-Z01]}\n', "former code"),
    ('  - {code: "JN-Z01", name: 旧高新区, level: zone, internal: true}\n', "appears twice"),
    ('  - {code: "370811015", name: 重复街道, level: township, parent: "370811"}\n', "appears twice"),
    ('  - {code: "370911", name: 外市, level: county}\n', "3708xx"),
    ('  - {code: "370811099", name: 任城区, level: hamlet, parent: "370811"}\n', "level must be"),
    ('  - {code: "370811099", level: township, parent: "370811"}\n', "needs code, name, level"),
])
def test_invalid_extensions_are_refused(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(DivisionsError, match=message):
        load_divisions(_write(tmp_path, body))


def test_duplicate_name_under_one_parent_is_refused(tmp_path: Path) -> None:
    body = ('  - {code: "370811098", name: 同名街道, level: township, parent: "370811"}\n'
            '  - {code: "370811099", name: 同名街道, level: township, parent: "370811"}\n')
    with pytest.raises(DivisionsError, match="name 同名街道 appears twice"):
        load_divisions(_write(tmp_path, body))
    shipped_name = '  - {code: "370811099", name: 观音阁, level: township, parent: "370811"}\n'
    with pytest.raises(DivisionsError, match="name 观音阁 appears twice under 370811"):
        load_divisions(_write(tmp_path, shipped_name))
