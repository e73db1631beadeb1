"""action_handoff, action_default_fallback and action_cancel_application: a person waits, nothing half-kept."""
from datetime import timedelta

import pytest

from conversation.handoff import InvalidHandoff, list_waiting, record_handoff
from tests.actions.calls import SENDER, action_event, loop_events, run, slots_set, user_event
from tests.actions.conftest import NOW
from tests.cases.fixtures import ID_NUMBER, PHONE

pytestmark = pytest.mark.anyio


async def test_asking_for_a_person_records_a_waiting_handoff(executor, action_runtime, session_factory,
                                                             vault) -> None:
    token = await vault.mask(SENDER, PHONE)
    history = [user_event(f"我电话{token}，低保的事想问问人", "ask_policy"), action_event("action_answer_policy")]
    events, replies = await run(executor, "action_handoff", text="转人工", intent="request_human", history=history,
                                active_loop="application_form",
                                slots={"phone": token, "channel": "wechat", "requested_slot": "id_number"})
    assert "12345" in replies[0] and "工作时间一般10分钟内" in replies[0]
    assert loop_events(events) == [None] and slots_set(events)["phone"] is None
    [waiting] = list_waiting(session_factory)
    assert (waiting.sender, waiting.channel, waiting.reason) == (SENDER, "wechat", "requested")
    assert waiting.last_message == "我电话138****5678，低保的事想问问人"
    assert await vault.reveal(SENDER, token) is None


async def test_waiting_handoffs_list_emergencies_first_and_mask_text(session_factory) -> None:
    record_handoff(session_factory, sender="a", channel="webchat", reason="requested", last_message="问问",
                   now=NOW)
    record_handoff(session_factory, sender="b", channel="wechat", reason="emergency",
                   last_message=f"着火了 {ID_NUMBER}", now=NOW + timedelta(minutes=5))
    waiting = list_waiting(session_factory)
    assert [h.sender for h in waiting] == ["b", "a"] and ID_NUMBER not in waiting[0].last_message
    with pytest.raises(InvalidHandoff):
        record_handoff(session_factory, sender="c", channel="webchat", reason="bored", last_message="", now=NOW)


async def test_first_fallback_asks_to_rephrase(executor, action_runtime, session_factory) -> None:
    events, replies = await run(executor, "action_default_fallback", text="嗯那个啥", intent="nlu_fallback")
    assert "换个说法" in replies[0] and list_waiting(session_factory) == []
    # it then waits for the resident: a state no rule knows must not fall back again within the same turn
    assert events == [{"event": "followup", "timestamp": None, "name": "action_listen"}]


async def test_second_fallback_in_a_row_goes_to_a_person(executor, action_runtime, session_factory) -> None:
    history = [user_event("嗯那个啥", "nlu_fallback"), action_event("action_default_fallback"),
               action_event("action_listen")]
    events, replies = await run(executor, "action_default_fallback", text="就是那个事", intent="nlu_fallback",
                                history=history)
    assert "转人工" in replies[0] and loop_events(events) == [None]
    assert [(h.reason, h.last_message) for h in list_waiting(session_factory)] == [("fallback", "就是那个事")]


async def test_a_fallback_after_an_understood_turn_is_a_first_fallback(executor, action_runtime,
                                                                     session_factory) -> None:
    history = [user_event("嗯那个啥", "nlu_fallback"), action_event("action_default_fallback"),
               user_event("低保怎么申请", "ask_policy"), action_event("action_answer_policy")]
    _, replies = await run(executor, "action_default_fallback", text="啊？", intent="nlu_fallback", history=history)
    assert "换个说法" in replies[0] and list_waiting(session_factory) == []


async def test_cancel_forgets_everything_and_purges_the_vault(executor, action_runtime, vault) -> None:
    token = await vault.mask(SENDER, ID_NUMBER)
    slots = {"situation": "生病", "consent": True, "applicant_name": "张三", "id_number": token,
             "requested_slot": "phone"}
    events, replies = await run(executor, "action_cancel_application", text="不办了", intent="cancel",
                                slots=slots, active_loop="application_form")
    assert "没有保存" in replies[0] and loop_events(events) == [None]
    assert slots_set(events) == {"requested_slot": None, "situation": None, "consent": None,
                                 "applicant_name": None, "id_number": None}
    assert await vault.reveal(SENDER, token) is None


async def test_inside_a_form_a_question_the_nlu_took_for_cancel_is_answered_and_keeps_the_answers(
        executor, action_runtime, vault) -> None:
    token = await vault.mask(SENDER, ID_NUMBER)
    slots = {"situation": "生病", "consent": True, "applicant_name": "张三", "id_number": token,
             "requested_slot": "phone"}
    events, replies = await run(executor, "action_cancel_application", text="问一下，申请了这个还能再申请低保不？能一块办不？",
                                intent="cancel", slots=slots, active_loop="application_form")
    assert events == [{"event": "followup", "timestamp": None, "name": "application_form"}]
    assert replies and "没有保存" not in replies[0]                       # answered, nothing forgotten
    assert await vault.reveal(SENDER, token) == ID_NUMBER
