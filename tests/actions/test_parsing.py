"""The pure readers of free-text answers, the place resolver and the replies file."""
import pytest

from actions import parsing
from actions.places import resolve_place
from actions.wording import REQUIRED, RepliesError, load_replies, replies
from cases.errors import UnknownDivision


@pytest.mark.parametrize(("text", "expected"), [("同意", True), ("行", True), ("确认提交", True), ("没问题", True),
                                                 ("不同意", False), ("有误要改", False), ("还没有", False),
                                                 ("你好", None), ("", None),
                                                 ("俺是他亲娘，他的事俺做主，他也乐意", True), ("他不乐意", False),
                                                 ("他做不了主", False)])
def test_yes_no(text: str, expected: bool | None) -> None:
    assert parsing.yes_no(text) is expected


@pytest.mark.parametrize(("text", "expected"), [("本人申请", "self"), ("我自己", "self"), ("帮我申请", "self"),
                                                 ("替别人申请", "other"), ("帮我妈申请", "other"),
                                                 ("给邻居大爷申请", "other"), ("不知道", None),
                                                 ("俺自己申請，俺是孩子他爹", "self"), ("俺自己，孩子才八岁", "self"),
                                                 ("替俺娘申请，她自己不会弄", "other")])
def test_applies_for(text: str, expected: str | None) -> None:
    assert parsing.applies_for(text) == expected


@pytest.mark.parametrize(("text", "expected"), [("仨人 俺 俺闺女 俺婆婆", 3), ("俺、俺男人、俩孩子，还有俺婆婆", 5),
                                                 ("俺两口子加俩娃", 4), ("一共五口人", 5), ("就俺一个", 1),
                                                 ("四口，俺爹俺娘俺跟俺弟弟", 4), ("两口子", 2),
                                                 ("俺娘跟俺爹俩人过", 2), ("俺俩", 2), ("俺仨。", 3)])
def test_household_said_as_a_total_or_as_a_list(text: str, expected: int) -> None:
    assert parsing.household_size(text) == expected


@pytest.mark.parametrize(("text", "expected"), [("先别交了，俺不申请了，俺再跟孩子们商量商量", True), ("算了吧，不弄了", True),
                                                 ("对，提交吧", False), ("有误要改", False), ("电话不对", False)])
def test_withdrawing_at_the_read_back(text: str, expected: bool) -> None:
    assert parsing.withdraws(text) is expected
    assert parsing.difficulty_kind("就是过日子难 吃穿都紧巴") == "生活"


def test_tokens_are_found_and_clear_numbers_are_not_tokens() -> None:
    assert parsing.find_id_token("身份证3708**********123X。") == "3708**********123X"
    assert parsing.find_phone_token("电话138****5678") == "138****5678"
    assert parsing.find_id_token("370811199001011236") is None
    assert parsing.case_number("身份证370811199001011236") is None


def test_places(divisions) -> None:  # noqa: ANN001
    assert resolve_place(divisions, "370811001001").name == "示例社区"
    assert resolve_place(divisions, "兖州区的示例街道").code == "370812099"
    with pytest.raises(UnknownDivision):
        resolve_place(divisions, "北京")


def test_replies_file_has_every_reply_with_its_placeholders(tmp_path) -> None:  # noqa: ANN001
    assert set(replies()) == set(REQUIRED)
    broken = tmp_path / "replies.yaml"
    broken.write_text("handoff: 请稍候\n", encoding="utf-8")
    with pytest.raises(RepliesError, match="handoff_wait"):
        load_replies(broken)
