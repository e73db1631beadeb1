"""Places in residents' words → divisions (the shipped counties, zones and 158 townships, plus an operator's file);
the closest choices and the county named, for the "no loops" rule."""
from pathlib import Path

import pytest

from actions.places import WHOLE_ANSWER_ONLY, AmbiguousPlace, county_in, resolve_place, suggest_places
from cases.divisions import Divisions, load_divisions
from cases.errors import UnknownDivision


@pytest.fixture(scope="module")
def shipped() -> Divisions:
    return load_divisions()


@pytest.mark.parametrize(("said", "code"), [
    ("观音阁街道", "370811015"),
    ("观音阁", "370811015"),
    ("  观音阁街道。", "370811015"),
    ("太平镇", "370883107"),
    ("太平", "370883107"),                        # an everyday word, but the whole answer
    ("在唐口那边", "370811018"),
    ("俺住阜桥街道", "370811013"),
    ("俺是南旺的", "370830102"),
    ("就大张楼这块", "370829107"),
    ("中心店", "370883105"),
    ("二十里铺", "370811009"),                     # 廿里铺街道
    ("次丘镇", "370830103"),                       # 次邱镇
    ("嘉祥经开区", "370829400"),
    ("黄屯", "370871005"),                         # 济宁高新区's sub-district
    ("曲阜市尼山鎮", "370881105"),                  # traditional characters
    ("兗州區大安鎮", "370812101"),                  # traditional characters in the county too
    ("这沟镇", "370831103"),                        # 柘沟镇 typed by sound (pinyin input)
    ("玉屯", "370811111"),                          # 喻屯, by sound
    ("满洞镇", "370829113"),                        # 满硐镇: one character off, only one township that close
    ("金乡鸡鼠", "370828104"),                      # the county, then a township of it typed by sound (鸡黍)
    ("邹城译山", "370883110"),                      # 峄山
    ("微山岛", "370826111"),
    ("金乡街道", "370828001"),
    ("金乡", "370828"),                            # the county, not 金乡街道
    ("经开区", "JN-Z03"),
    ("高新区", "370871"),
    ("JN-Z01", "370871"),                          # the former code
])
def test_townships_and_short_forms(shipped: Divisions, said: str, code: str) -> None:
    assert resolve_place(shipped, said).code == code


@pytest.mark.parametrize(("said", "code"), [
    ("任城区观音阁街道", "370811015"),
    ("任城观音阁", "370811015"),
    ("济宁观音阁", "370811015"),
    ("高新区接庄街道这边", "370871003"),
    ("邹城太平镇东滕村", "370883107"),             # the village is not in the data: the township is
    ("邹城太平", "370883107"),                     # an everyday word after its own county
    ("兖州区的鼓楼那边", "370812001"),
    ("曲阜小雪", "370881004"),
    ("金乡县的兴隆", "370828112"),
    ("兴隆，金乡县的", "370828112"),
    ("微山的张楼镇", "370826110"),
    ("太白湖新区许庄街道", "370811002"),            # a zone without townships in the data does not contradict
    ("俺家在任城区长沟镇，电话138****5678", "370811102"),
    ("俺在任城区南关村，电话139****5678", "370811"),  # 南关村 is the operator's: the county is what is known
    ("着火了！在嘉祥县马村镇，电话150****9461", "370829105"),
    ("俺家在王庄，俺爹摔倒了", "370881108"),
    ("唐口街道王庄村", "370811018"),               # 王庄村 is a village, not 王庄镇
])
def test_places_inside_sentences_and_with_their_county(shipped: Divisions, said: str, code: str) -> None:
    assert resolve_place(shipped, said).code == code


@pytest.mark.parametrize("said", [
    "就在村口大桥这边", "北京", "火星", "北王庄村", "王庄村", "天下太平", "我女儿小雪放学没回来", "孩子掉泗河里了",
    "老人摔倒了起不来", "在北京酒仙桥", "我叫李秀英，身份证3708**********1236", "",
])
def test_words_that_are_not_a_place_here(shipped: Divisions, said: str) -> None:
    with pytest.raises(UnknownDivision) as caught:
        resolve_place(shipped, said)
    assert not isinstance(caught.value, AmbiguousPlace)


@pytest.mark.parametrize(("said", "names"), [
    ("兴隆", ("金乡县兴隆镇", "兖州区兴隆庄街道")),         # 兴隆 is also the start of 兴隆庄
    ("俺在兴隆", ("金乡县兴隆镇", "兖州区兴隆庄街道")),
    ("张楼", ("微山县张楼镇", "嘉祥县大张楼镇")),
])
def test_a_short_form_inside_another_name_asks_which(shipped: Divisions, said: str, names: tuple[str, ...]) -> None:
    with pytest.raises(AmbiguousPlace) as caught:
        resolve_place(shipped, said)
    assert "哪个县" in caught.value.message_zh and all(n in caught.value.message_zh for n in names)


def test_a_township_not_in_the_county_named_is_asked_about(shipped: Divisions) -> None:
    with pytest.raises(AmbiguousPlace) as caught:
        resolve_place(shipped, "邹城观音阁")
    assert caught.value.message_zh.startswith("观音阁街道在任城区，不在邹城市")


def test_a_name_shared_by_two_counties_asks_which_county(divisions: Divisions, tmp_path: Path) -> None:
    for said in ("示例街道", "我在示例街道这边"):          # the test fixture: 示例街道 in 任城区 and 兖州区
        with pytest.raises(AmbiguousPlace) as caught:
            resolve_place(divisions, said)
        message = caught.value.message_zh
        assert "有多处" in message and "任城区示例街道" in message and "兖州区示例街道" in message
        assert "哪个县" in message
    assert resolve_place(divisions, "兖州示例街道").code == "370812099"
    # An operator's township named like a shipped one, in another county: both short and full names ask.
    extra = tmp_path / "operator.yaml"
    extra.write_text('divisions:\n  - {code: "370883199", name: 观音阁街道, level: township, parent: "370883", '
                     'aliases: [观音阁]}\n', encoding="utf-8")
    both = load_divisions(extra)
    for said in ("观音阁", "观音阁街道"):
        with pytest.raises(AmbiguousPlace, match="任城区观音阁街道、邹城市观音阁街道"):
            resolve_place(both, said)
    assert resolve_place(both, "邹城观音阁").code == "370883199"
    assert resolve_place(both, "任城区观音阁街道").code == "370811015"


def test_villages_from_the_operators_file(divisions: Divisions) -> None:
    assert resolve_place(divisions, "任城区示例街道示例社区").code == "370811001001"
    assert resolve_place(divisions, "示例高新街道").parent == "370871"       # its file says parent: JN-Z01


@pytest.mark.parametrize(("said", "first"), [
    ("观英阁", "观音阁街道"),
    ("关音阁街道", "观音阁街道"),
    ("任城区观英阁", "观音阁街道"),
    ("大张娄", "大张楼镇"),
    ("二十里堡", "廿里铺街道"),
    ("泗水县星村真", "星村镇"),
    ("梁山杨赢", "杨营镇"),                       # one character is enough inside the county named
    ("邹城太平正", "太平镇"),
])
def test_suggestions_for_misspellings(shipped: Divisions, said: str, first: str) -> None:
    choices = suggest_places(shipped, said)
    assert choices[0].name == first and len(choices) <= 4


def test_suggestions_name_both_places_a_short_form_may_mean(shipped: Divisions) -> None:
    assert {d.name for d in suggest_places(shipped, "兴隆")} == {"兴隆镇", "兴隆庄街道"}


def test_suggestions_fall_back_to_the_counties(shipped: Divisions) -> None:
    assert [d.code for d in suggest_places(shipped, "就在村口大桥这边")] == ["370811", "370812", "370826", "370827"]
    assert [d.name for d in suggest_places(shipped, "在火星", limit=2)] == ["任城区", "兖州区"]
    named_first = suggest_places(shipped, "汶上那个啥地方来着")
    assert named_first[0].name == "汶上县" and all(d.level == "county" for d in named_first)
    assert suggest_places(shipped, "观英阁", limit=0) == []


@pytest.mark.parametrize(("said", "county"), [
    ("邹城观音阁", "邹城市"),
    ("俺在任城区南关村，电话139****5678", "任城区"),
    ("不对，是邹城的", "邹城市"),
    ("高新区", "济宁高新区"),
    ("曲阜文化示范区", "曲阜文化建设示范区"),        # not 曲阜市 inside it
    ("水泊梁山", "梁山县"),
])
def test_county_in(shipped: Divisions, said: str, county: str) -> None:
    found = county_in(shipped, said)
    assert found is not None and found.name == county


@pytest.mark.parametrize("said", ["观音阁", "就在村口大桥这边", "任城和邹城都住过", "", "金乡街道"])
def test_county_in_none(shipped: Divisions, said: str) -> None:
    assert county_in(shipped, said) is None


def test_everyday_short_forms_are_real_aliases(shipped: Divisions) -> None:
    aliases = {a for d in shipped for a in d.aliases}
    assert WHOLE_ANSWER_ONLY <= aliases
