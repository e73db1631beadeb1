import pytest

from policies_kb.answering import InvalidQuestion, answer_question, check_question
from policies_kb.retriever import Retriever

from jishijiu.settings import Settings

THRESHOLD = Settings().qa_threshold


@pytest.mark.parametrize("question, expected_prefix", [
    ("低保咋申请", "dibao-"),
    ("俺是五保户一个月给多少钱", "tekun-"),
    ("没钱请律师咋整", "fazhi-"),
    ("孩子爸妈都不在了有补助吗", "ertong-"),
    ("急难型临时救助多长时间内先行救助", "jsj-"),
])
def test_colloquial_questions_get_a_cited_answer(retriever: Retriever, question: str, expected_prefix: str) -> None:
    reply = answer_question(question, retriever, THRESHOLD)
    assert reply.sources, reply.answer
    assert reply.sources[0].id.startswith(expected_prefix)
    assert "依据：" in reply.answer
    assert reply.confidence >= THRESHOLD


@pytest.mark.parametrize("question", ["明天会下雨吗", "给我讲个笑话", "asdfghjkl", "iPhone多少钱", "。。。"])
def test_off_topic_gets_no_policy_answer_and_a_human_channel(retriever: Retriever, question: str) -> None:
    reply = answer_question(question, retriever, THRESHOLD)
    assert reply.sources == ()
    assert "12345" in reply.answer and "转人工" in reply.answer


def test_unverified_entries_say_so(retriever: Retriever) -> None:
    reply = answer_question("济宁城市低保标准是多少钱一个月", retriever, THRESHOLD)
    assert reply.sources and not reply.sources[0].verified
    assert "尚待核实" in reply.answer


@pytest.mark.parametrize("bad, fragment", [("", "不能为空"), ("   \n", "不能为空"), ("问" * 2001, "太长"),
                                           (None, "文字"), (123, "文字")])
def test_bad_questions_are_refused_in_chinese_and_english(bad: object, fragment: str) -> None:
    with pytest.raises(InvalidQuestion) as err:
        check_question(bad)
    assert fragment in err.value.message_zh and err.value.message_en


def test_two_thousand_characters_is_still_accepted() -> None:
    assert check_question("低" * 2000)
