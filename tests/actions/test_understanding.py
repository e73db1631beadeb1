"""What one resident message says for the forms (actions/understanding.py), on messages as residents write them."""
import pytest

from actions.understanding import applies_for, find_name, household, is_thin, tells_a_story, understand
from cases.divisions import cached_divisions


@pytest.fixture(scope="module")
def divisions():  # noqa: ANN201
    return cached_divisions()


@pytest.mark.parametrize("text", ["确认", "好的", "嗯", "同意", "3", "１２", "  嗯嗯。", "ok", "申请救助", "…"])
def test_thin_answers_are_not_a_situation(text: str) -> None:
    assert is_thin(text)


@pytest.mark.parametrize("text", ["没钱看病", "老伴住院了钱不够", "房子塌了没处住", "孩子上学交不起学费"])
def test_real_situations_are_not_thin(text: str) -> None:
    assert not is_thin(text)


def test_an_opening_that_tells_what_happened_is_a_story() -> None:
    assert tells_a_story("我爹突发脑梗住院了，医院让交押金，家里实在拿不出钱，我想申请救助")
    assert not tells_a_story("我想申请救助")
    assert not tells_a_story("想给俺娘申请救助，电话139****5678")


@pytest.mark.parametrize(("text", "name"), [
    ("我叫李秀英，身份证3708**********1236，电话139****5678", "李秀英"),
    ("俺叫王德顺 身份证号3708**********231X", "王德顺"),
    ("名字写错了，是王秀兰", "王秀兰"),
    ("姓名：孙红梅，身份证：3708**********4421", "孙红梅"),
    ("申请人是我娘，叫赵玉兰", "赵玉兰"),
])
def test_names_said_in_passing(text: str, name: str) -> None:
    assert find_name(text) == name


def test_no_name_in_other_sentences() -> None:
    assert find_name("我叫了120，现在在医院") is None
    assert find_name("住院花了三万多") is None
    assert find_name("俺娘同意，是她叫俺帮着弄的") is None          # 叫俺 is "asked me to", not a name
    assert find_name("李秀英", asked=True) == "李秀英"


@pytest.mark.parametrize(("text", "name"), [
    ("俺是老刘，刘长河", "刘长河"),                     # a nickname first, then the name
    ("俺姓韩，韩德胜", "韩德胜"),                       # the surname alone first
    ("申请人是俺爹，孔令祥；俺是他儿孔德华", "孔令祥"),   # the relative, then the applicant's name, then the writer's
    ("老刘", "老刘"),                                  # only a nickname: kept, the read-back lets them correct it
])
def test_the_name_asked_for_is_the_full_name_in_the_answer(text: str, name: str) -> None:
    assert find_name(text, asked=True) == name


@pytest.mark.parametrize(("text", "size"), [("俺家五口人", 5), ("家里一共4口人", 4), ("就我一个", 1),
                                            ("三口人 孩子上学没钱", 3), ("两个人打我", None)])
def test_household_only_when_said_as_a_household(text: str, size: int | None) -> None:
    assert household(text) == size


def test_who_the_application_is_for_only_when_explicit() -> None:
    assert applies_for("想给俺娘申请救助") == "other"
    assert applies_for("我自己申请") == "self"
    assert applies_for("我爹住院了，我想申请救助") is None


def test_several_answers_in_one_message(divisions) -> None:  # noqa: ANN001
    u = understand("我叫李秀英，身份证3708**********1236，电话139****5678", divisions,
                   requested_slot="applicant_name")
    assert (u.applicant_name, u.id_token, u.phone_token) == ("李秀英", "3708**********1236", "139****5678")
    u = understand("我在任城区南关村，电话139****5678", divisions, requested_slot="emergency_phone")
    assert u.division_code == "370811" and u.phone_token == "139****5678" and u.place_words


def test_the_opening_prefills_situation_and_kind(divisions) -> None:  # noqa: ANN001
    text = "我爹突发脑梗住院了，医院让交押金，家里实在拿不出钱，我想申请救助"
    u = understand(text, divisions, opening=True)
    assert u.situation == text and u.difficulty_kind == "医疗"
    assert understand(text, divisions).situation is None         # only the opening tells the story


def test_corrections_are_recognised(divisions) -> None:  # noqa: ANN001
    u = understand("不对，是邹城的", divisions, requested_slot="household_size")
    assert u.correction and u.division_code == "370883"
    u = understand("电话写错了，是139****5679", divisions)
    assert u.correction and u.phone_token == "139****5679"


def test_a_township_without_its_county(divisions) -> None:  # noqa: ANN001
    u = understand("观音阁街道", divisions, requested_slot="location_code")
    assert u.division_code is not None and u.division_code.startswith("370811")


def test_a_name_corrected_with_what_was_wrong_first() -> None:
    from actions.understanding import find_name
    assert find_name("俺名字打错了，不是秀莲，是李秀兰，兰花的兰") == "李秀兰"
