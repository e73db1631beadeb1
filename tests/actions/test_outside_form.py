"""Outside a form, words the NLU placed badly still go where the resident means (actions/outside_form.py)."""
import pytest

from actions.outside_form import wants_help
from actions.understanding import wants_a_person
from actions.parsing import applies_for, yes_no
from conversation.handoff import list_waiting
from tests.actions.calls import run

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("text", ["你好，俺是来申请救助的，俺家房子前两天着火烧了一半，人没事",
                                  "恁这是管救助的不？俺家娃上学的钱凑不齐咧",
                                  "俺一个孤老头子，老伴走了好几年了，儿女也没有，腿脚不利索，想问问能不能帮帮俺",
                                  "俺家房子让大雨泡塌了半边现在住在亲戚家",
                                  "俺家房子是危房，裂了好几道大缝，一下雨就往里灌水"])
def test_asking_for_help_in_ones_own_words(text: str) -> None:
    assert wants_help(text)


@pytest.mark.parametrize("text", ["你好", "申请护照咋办", "今天天气咋样", "你是机器人吗"])
def test_other_things_are_not_a_request_for_help(text: str) -> None:
    assert not wants_help(text)


def test_a_story_in_words_no_list_foresaw_asks_for_help_when_triage_reads_trouble() -> None:
    from triage import default_triage
    story = "俺爹夜来在地里晕倒了，到现在还迷迷糊糊的"
    assert not wants_help(story)                         # no hardship word the list knows ...
    assert wants_help(story, default_triage())           # ... but triage reads it as trouble
    assert not wants_help("今天天气咋样，俺想出去转转", default_triage())   # a question is not a story


async def test_a_story_outside_a_form_starts_the_application_whatever_the_nlu_thought(executor,
                                                                                      action_runtime) -> None:
    story = "俺男人去年干活从架子上摔下来，腰坏了干不了活，家里没收入了"
    events, replies = await run(executor, "action_answer_policy", text=story, intent="ask_policy")
    assert events == [{"event": "followup", "timestamp": None, "name": "application_form"}] and replies == []
    events, replies = await run(executor, "action_outside_form", text=story, intent="chitchat")
    assert events[0]["name"] == "application_form"


async def test_a_question_that_tells_a_hardship_is_answered_with_a_way_to_apply(executor, action_runtime) -> None:
    from tests.actions.calls import action_call
    result = await executor.run(action_call("action_answer_policy", intent="ask_policy",
                                            text="俺娘尿毒症透析，家里钱都花光了，能申请临时救助不？"))
    assert result.events == [] and result.responses
    assert {"title": "申请救助", "payload": "/apply_help"} in result.responses[0]["buttons"]
    plain = await executor.run(action_call("action_answer_policy", intent="ask_policy", text="低保一个月能领多少钱？"))
    assert not any(b["payload"] == "/apply_help" for b in plain.responses[0].get("buttons") or [])


def test_asking_for_a_person() -> None:
    assert wants_a_person("俺不会弄这个，恁给俺找个真人说话中不？")
    assert not wants_a_person("俺家五口人")


async def test_a_long_greeting_that_asks_for_help_starts_the_application(executor, action_runtime) -> None:
    events, replies = await run(executor, "action_outside_form", text="你好，俺家房子着火烧了一半，想申请救助",
                                intent="greet")
    assert events == [{"event": "followup", "timestamp": None, "name": "application_form"}] and replies == []


async def test_a_plain_greeting_is_greeted(executor, action_runtime) -> None:
    result = await executor.run(__import__("tests.actions.calls", fromlist=["action_call"]).action_call(
        "action_outside_form", text="你好", intent="greet"))
    assert result.responses[0]["response"] == "utter_greet"


async def test_a_request_for_a_person_in_other_words_is_handed_off(executor, action_runtime,
                                                                  session_factory) -> None:
    _, replies = await run(executor, "action_outside_form", text="恁给俺找个真人说话中不", intent="out_of_scope")
    assert "转人工" in replies[0] and [h.reason for h in list_waiting(session_factory)] == ["requested"]


@pytest.mark.parametrize(("said", "meaning"), [("对，提交", True), ("中", True), ("行 交了吧", True), ("同一", True),
                                               ("是不是要交钱", None), ("有误要改", False), ("好像不对", False)])
def test_yes_and_no_as_residents_say_them(said: str, meaning: bool | None) -> None:
    assert yes_no(said) is meaning


@pytest.mark.parametrize(("said", "who"), [("俺给俺家申请", "self"), ("给俺婆婆", "other"), ("给我男人申请", "other")])
def test_who_the_application_is_for(said: str, who: str) -> None:
    assert applies_for(said) == who


async def test_a_form_answer_the_nlu_took_for_a_person_answers_the_question(executor, action_runtime,
                                                                          session_factory) -> None:
    events, replies = await run(executor, "action_handoff", text="俺跟娃俩人", intent="request_human",
                                active_loop="application_form", slots={"requested_slot": "household_size"})
    assert events[0]["name"] == "household_size" and events[0]["value"] == 2.0       # checked, not the raw words
    assert events[1] == {"event": "followup", "timestamp": None, "name": "application_form"}
    assert replies == [] and list_waiting(session_factory) == []
    _, replies = await run(executor, "action_handoff", text="转人工", intent="request_human",
                           active_loop="application_form", slots={"requested_slot": "household_size"})
    assert "转人工" in replies[0] and len(list_waiting(session_factory)) == 1


async def test_an_answer_the_nlu_took_for_a_policy_question_answers_the_form(executor, action_runtime) -> None:
    events, replies = await run(executor, "action_answer_policy", text="娃上学的事", intent="ask_policy",
                                active_loop="application_form", slots={"requested_slot": "difficulty_kind"})
    assert events[0] == {"event": "slot", "timestamp": None, "name": "difficulty_kind", "value": "教育"}
    assert replies == []
    # the words are checked by the form's own validation, never stored as they are
    events, _ = await run(executor, "action_answer_policy", text="都不是，就是打官司要法律援助的事，算其他吧",
                          intent="ask_policy", active_loop="application_form",
                          slots={"requested_slot": "difficulty_kind"})
    assert events[0]["value"] == "其他"
    events, replies = await run(executor, "action_answer_policy", text="对了，低保一个月能领多少钱？",
                                intent="ask_policy", active_loop="application_form",
                                slots={"requested_slot": "difficulty_kind"})
    assert replies and "依据" in replies[0] and events == []


async def test_a_third_policy_answer_at_the_same_question_would_be_a_loop(executor, action_runtime) -> None:
    events, replies = await run(executor, "action_answer_policy", text="就是家里出事了，没啥收入了",
                                intent="ask_policy", active_loop="application_form",
                                slots={"requested_slot": "difficulty_kind", "asked_counts": {"difficulty_kind": 2}})
    assert events[0]["name"] == "difficulty_kind" and replies == []
