"""The forms listen to the whole message (issue 7): several answers at once, corrections at any step, the
opening's story, thin answers, and a way forward instead of a loop. Through rasa-sdk's executor, real stores."""
import pytest

from actions.slots import ASKED_COUNTS
from conversation.handoff import list_waiting
from tests.actions.calls import SENDER, action_event, run, slots_set, user_event
from tests.cases.fixtures import ID_NUMBER, PHONE

pytestmark = pytest.mark.anyio
FORM = "validate_application_form"
FILLED = {"situation": "老伴住院没钱", "consent": True, "applies_for": "self"}


async def _answer(executor, text: str, requested: str, slots: dict | None = None,  # noqa: ANN001
                  candidate: object = None, intent: str = "inform"):  # noqa: ANN202
    """The resident answers `requested` with `text`; Rasa's from_text mapping put the text in the slot."""
    return await run(executor, FORM, text=text, intent=intent, active_loop="application_form",
                     slots={"requested_slot": requested, **(slots or {})},
                     candidates={requested: text if candidate is None else candidate})


async def test_one_message_answers_name_id_and_phone(executor, action_runtime, vault) -> None:
    text = await vault.mask(SENDER, f"我叫李秀英，身份证{ID_NUMBER}，电话{PHONE}")
    events, replies = await _answer(executor, text, "applicant_name", FILLED)
    slots = slots_set(events)
    assert (slots["applicant_name"], slots["id_number"], slots["phone"]) == (
        "李秀英", "3708**********1236", "138****5678")
    assert replies == [] and ID_NUMBER not in str(events) and PHONE not in str(events)


async def test_the_opening_fills_situation_and_kind_and_place(executor, action_runtime) -> None:
    opening = "我爹突发脑梗住院了，医院让交押金，家里实在拿不出钱，我想申请救助，俺是邹城的"
    events, _ = await run(executor, FORM, text=opening, intent="apply_help")       # activation: nothing requested
    slots = slots_set(events)
    assert slots["situation"] == opening and slots["difficulty_kind"] == "医疗"
    assert slots["location_code"] == "370883"


async def test_a_place_and_a_phone_answer_the_place_question(executor, action_runtime, vault) -> None:
    text = await vault.mask(SENDER, f"我在任城区南关村，电话{PHONE}")
    events, _ = await _answer(executor, text, "location_code", FILLED)
    assert slots_set(events)["location_code"] == "370811" and slots_set(events)["phone"] == "138****5678"


async def test_a_correction_at_a_later_step_changes_the_earlier_answer(executor, action_runtime, vault) -> None:
    earlier = {**FILLED, "phone": await vault.mask(SENDER, PHONE), "location_code": "370812",
               "location_label": "兖州区"}
    new_phone = "13912345679"
    text = await vault.mask(SENDER, f"电话写错了，是{new_phone}")
    events, replies = await _answer(executor, text, "household_size", earlier)
    slots = slots_set(events)
    assert slots["phone"] == "139****5679" and slots["household_size"] is None      # emptied, asked again
    assert replies == []
    text = await vault.mask(SENDER, f"哎呀电话写错了，最后一位是9，应该是{new_phone}")
    events, _ = await _answer(executor, text, "household_size", earlier)
    assert slots_set(events)["phone"] == "139****5679" and slots_set(events)["household_size"] is None  # not 一位
    events, _ = await _answer(executor, "不对，是邹城的", "household_size", earlier)
    assert slots_set(events)["location_code"] == "370883"


async def test_a_place_said_in_passing_does_not_overwrite_one_already_given(executor, action_runtime) -> None:
    earlier = {**FILLED, "location_code": "370812", "location_label": "兖州区"}
    events, _ = await _answer(executor, "家里四口人，孩子在邹城上学", "household_size", earlier)
    assert slots_set(events)["household_size"] == 4.0 and "location_code" not in slots_set(events)


@pytest.mark.parametrize("thin", ["确认", "好的", "嗯", "同意", "5"])
async def test_thin_answers_are_not_a_situation(executor, action_runtime, thin: str) -> None:
    events, replies = await _answer(executor, thin, "situation")
    assert slots_set(events)["situation"] is None and "比如" in replies[0]


async def test_the_third_ask_is_in_other_words_with_a_way_forward(executor, action_runtime) -> None:
    first, _ = await run(executor, "action_ask_location_code", text="村口大桥")
    assert slots_set(first)[ASKED_COUNTS] == {"location_code": 1}
    for asked in (1, 2):
        events, replies = await run(executor, "action_ask_location_code", text="村口大桥",
                                    slots={ASKED_COUNTS: {"location_code": asked}})
        assert slots_set(events)[ASKED_COUNTS] == {"location_code": asked + 1}
    result = await executor.run(__import__("tests.actions.calls", fromlist=["action_call"]).action_call(
        "action_ask_location_code", text="梁山杨赢", slots={ASKED_COUNTS: {"location_code": 2}}))
    [reply] = result.responses
    titles = [b["title"] for b in reply["buttons"]]
    assert "乡镇" in reply["text"] and "转人工" in titles and any("杨营镇" in t for t in titles)


async def test_the_first_two_asks_use_the_domain_question(executor, action_runtime) -> None:
    result = await executor.run(__import__("tests.actions.calls", fromlist=["action_call"]).action_call(
        "action_ask_household_size", slots={ASKED_COUNTS: {"household_size": 1}}))
    assert result.responses[0].get("response") == "utter_ask_household_size"


async def test_after_three_asks_a_place_takes_the_county_and_the_township_is_confirmed_by_phone(
        executor, action_runtime) -> None:
    history = [user_event("俺是梁山的，想申请救助", intent="apply_help"), action_event("application_form")]
    events, replies = await run(executor, FORM, text="就在村口大桥这边", active_loop="application_form",
                                slots={**FILLED, "requested_slot": "location_code", ASKED_COUNTS: {"location_code": 3}},
                                candidates={"location_code": "就在村口大桥这边"}, history=history)
    slots = slots_set(events)
    assert slots["location_code"] == "370832" and "电话确认" in slots["location_label"]
    assert "梁山县" in replies[0]


async def test_after_three_asks_with_no_county_the_city_intake_takes_it(executor, action_runtime) -> None:
    events, _ = await run(executor, FORM, text="不知道", active_loop="application_form",
                          slots={**FILLED, "requested_slot": "location_code", ASKED_COUNTS: {"location_code": 3}},
                          candidates={"location_code": "不知道"})
    assert slots_set(events)["location_code"] == "JN-Z00"


async def test_after_three_asks_for_a_name_a_person_takes_over(executor, action_runtime, session_factory) -> None:
    events, replies = await run(executor, FORM, text="我要申请救助", active_loop="application_form",
                                slots={**FILLED, "requested_slot": "applicant_name",
                                       ASKED_COUNTS: {"applicant_name": 3}},
                                candidates={"applicant_name": "我要申请救助"})
    assert slots_set(events)["form_handoff"] is True and slots_set(events)["requested_slot"] is None
    assert "转人工" in replies[0]
    assert [h.reason for h in list_waiting(session_factory)] == ["fallback"]


async def test_has_errors_at_the_read_back_keep_the_answers(executor, action_runtime) -> None:
    events, replies = await _answer(executor, "有误要改", "application_confirmed", FILLED, candidate=False,
                                    intent="deny")
    assert slots_set(events)["application_confirmed"] is None and "要改的内容" in replies[0]
    assert "applicant_name" not in slots_set(events)
