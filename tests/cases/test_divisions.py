"""The divisions file: Jining's 11 counties and 4 zones ship; operators extend; codes and parents are validated."""
from pathlib import Path

import pytest

from cases.divisions import DivisionsError, load_divisions
from cases.errors import UnknownDivision
from tests.cases.fixtures import TEST_DIVISIONS, TOWNSHIP, VILLAGE

COUNTIES = {"370811": "任城区", "370812": "兖州区", "370826": "微山县", "370827": "鱼台县", "370828": "金乡县",
            "370829": "嘉祥县", "370830": "汶上县", "370831": "泗水县", "370832": "梁山县", "370881": "曲阜市",
            "370883": "邹城市"}
ZONES = {"济宁高新区", "太白湖新区", "济宁经济技术开发区", "曲阜文化建设示范区"}


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "extra.yaml"
    path.write_text("divisions:\n" + body, encoding="utf-8")
    return path


def test_shipped_file_has_the_counties_and_marked_zones() -> None:
    divisions = load_divisions()
    assert {d.code: d.name for d in divisions if d.level == "county"} == COUNTIES
    zones = [d for d in divisions if d.level == "zone"]
    assert {d.name for d in zones} == ZONES
    assert all(d.internal and d.code.startswith("JN-Z") for d in zones)
    assert "成武县" not in {d.name for d in divisions}


def test_lookup_by_code_name_and_alias() -> None:
    divisions = load_divisions(TEST_DIVISIONS)
    assert divisions.by_code("370881").name == "曲阜市"
    assert divisions.by_name("邹城").code == "370883"
    assert divisions.by_name("经开区").name == "济宁经济技术开发区"
    assert divisions.by_name("示例街道", parent="370812").code == "370812001"
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


@pytest.mark.parametrize("body, message", [
    ('  - {code: "370811", name: 重复, level: county}\n', "appears twice"),
    ('  - {code: "370899001", name: 孤儿街道, level: township, parent: "370899"}\n', "not a known division"),
    ('  - {code: "370811009001", name: 直属村, level: village, parent: "370811"}\n', "parent must be a township"),
    ('  - {code: "370811009", name: 无上级, level: township}\n', "not a known division"),
    ('  - {code: "JN-Z09", name: 新区, level: zone}\n', "internal"),
    ('  - {code: "370911", name: 外市, level: county}\n', "3708xx"),
    ('  - {code: "370811009", name: 任城区, level: hamlet, parent: "370811"}\n', "level must be"),
    ('  - {code: "370811009", level: township, parent: "370811"}\n', "needs code, name, level"),
])
def test_invalid_extensions_are_refused(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(DivisionsError, match=message):
        load_divisions(_write(tmp_path, body))


def test_duplicate_name_under_one_parent_is_refused(tmp_path: Path) -> None:
    body = ('  - {code: "370811008", name: 同名街道, level: township, parent: "370811"}\n'
            '  - {code: "370811009", name: 同名街道, level: township, parent: "370811"}\n')
    with pytest.raises(DivisionsError, match="appears twice"):
        load_divisions(_write(tmp_path, body))
