"""The emergency path: safety guidance and a hand-off at once, then a case filed within the 2-hour rule."""
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from actions import runtime
from cases.models import Case, CaseDeadline
from conversation.handoff import list_waiting
from tests.actions.calls import SENDER, loop_events, run, slots_set, user_event
from tests.actions.conftest import NOW
from tests.cases.fixtures import ID_NUMBER, PHONE, TOWNSHIP

pytestmark = pytest.mark.anyio
TRIGGER = "/report_emergency"


def _entity(text: str) -> list[dict]:
    return [{"entity": "emergency_situation", "value": text}]


async def test_start_gives_safety_lines_records_a_handoff_and_leaves_the_application(
        executor, action_runtime, session_factory) -> None:
    text = "家里着火了，孩子还在屋里"
    events, replies = await run(executor, "action_start_emergency", text=TRIGGER, intent="report_emergency",
                                entities=_entity(text), active_loop="application_form",
                                slots={"requested_slot": "applicant_name", "emergency_situation": text})
    assert "119" in replies[0] and "2小时内" in replies[0]
    assert loop_events(events) == [None]
    assert slots_set(events)["requested_slot"] is None and slots_set(events)["emergency_situation"] == text
    [waiting] = list_waiting(session_factory)
    assert (waiting.sender, waiting.reason, waiting.status, waiting.last_message) == (
        SENDER, "emergency", "waiting", text)


@pytest.mark.parametrize(("text", "resumes"), [
    ("俺对象尿毒症，一个礼拜透析三回，俺一个月挣两千来块，孩子还上初中，实在撑不住了", True),   # a hardship story
    ("想申请救助，俺爹晕倒了叫不醒", True),
    ("快来人，邻居家着火了，老人还在里面", False),                                            # an alarm, no story
])
async def test_an_emergency_told_as_a_hardship_story_goes_on_to_the_application(executor, action_runtime, text: str,
                                                                               resumes: bool) -> None:
    events, _ = await run(executor, "action_start_emergency", text=TRIGGER, intent="report_emergency",
                          entities=_entity(text), slots={"emergency_situation": text})
    assert bool(slots_set(events)["resume_application"]) is resumes


async def test_distress_is_its_own_handoff_reason(executor, action_runtime, session_factory) -> None:
    text = "我不想活了，药都准备好了"
    _, replies = await run(executor, "action_start_emergency", text=TRIGGER, intent="report_emergency",
                           entities=_entity(text), slots={"emergency_situation": text})
    assert "110" in replies[0] and "12356" in replies[0]
    assert [h.reason for h in list_waiting(session_factory)] == ["distress"]


async def test_a_second_report_in_the_same_emergency_adds_to_it_without_a_second_handoff(
        executor, action_runtime, session_factory) -> None:
    first, second = "老人摔倒了起不来", "现在叫不醒了"
    history = [user_event(TRIGGER, "report_emergency", _entity(first)),
               {"event": "slot", "name": "emergency_situation", "value": first},
               {"event": "action", "name": "action_start_emergency"}]
    events, _ = await run(executor, "action_start_emergency", text=TRIGGER, intent="report_emergency",
                          entities=_entity(second), history=history, slots={"emergency_situation": second})
    assert slots_set(events)["emergency_situation"] == f"{first}；{second}"
    assert list_waiting(session_factory) == []          # only the first report (not in this history) records


async def test_known_phone_and_place_are_not_asked_again(executor, action_runtime, vault) -> None:
    text = await vault.mask(SENDER, f"任城区示例街道，老人摔倒了起不来，电话{PHONE}")
    events, _ = await run(executor, "action_start_emergency", text=TRIGGER, intent="report_emergency",
                          entities=_entity(text), slots={"emergency_situation": text})
    assert slots_set(events)["emergency_phone"] == "138****5678"
    assert slots_set(events)["location_code"] == TOWNSHIP
    events, _ = await run(executor, "validate_emergency_form", slots={"location_code": TOWNSHIP},
                          candidates={"emergency_phone": "138****5678"}, active_loop="emergency_form")
    assert slots_set(events)["requested_slot"] is None      # a township is precise enough: no location question


async def test_the_emergency_form_checks_the_phone_and_keeps_any_place_in_words(executor, action_runtime,
                                                                              vault) -> None:
    events, replies = await run(executor, "validate_emergency_form", candidates={"emergency_phone": "0537-1234567"},
                                active_loop="emergency_form")
    assert slots_set(events)["emergency_phone"] is None and "手机号" in replies[0]
    events, replies = await run(executor, "validate_emergency_form", candidates={"emergency_phone": "我没手机"},
                                active_loop="emergency_form")
    assert slots_set(events)["emergency_phone"] == "未留" and replies == []      # a person finds them by the place
    # words that match no place and name no county are kept and asked about once more ...
    events, _ = await run(executor, "validate_emergency_form", candidates={"emergency_location": "村东头大桥下面"},
                          active_loop="emergency_form")
    assert slots_set(events)["emergency_location"] is None and "location_code" not in slots_set(events)
    assert slots_set(events)["emergency_place_first"] == "村东头大桥下面"
    events, replies = await run(executor, "action_ask_emergency_location", slots={"emergency_place_first": "村东头大桥下面"},
                                active_loop="emergency_form")
    assert "村东头大桥下面" in replies[0] and "哪个乡镇" in replies[0]
    # ... and the second answer is taken with them, matched to a township when it names one
    events, _ = await run(executor, "validate_emergency_form", candidates={"emergency_location": "鱼台张黄镇"},
                          slots={"emergency_place_first": "村东头大桥下面"}, active_loop="emergency_form")
    assert slots_set(events)["emergency_location"] == "村东头大桥下面；鱼台张黄镇"
    assert slots_set(events)["location_code"] == "370827104" and slots_set(events)["emergency_place_first"] is None
    # or kept as words when it still names nothing: a person confirms by phone, the bot does not ask a third time
    events, _ = await run(executor, "validate_emergency_form", candidates={"emergency_location": "不知道叫啥"},
                          slots={"emergency_place_first": "村东头大桥下面"}, active_loop="emergency_form")
    assert slots_set(events)["emergency_location"] == "村东头大桥下面；不知道叫啥"
    events, _ = await run(executor, "validate_emergency_form", candidates={"emergency_location": "说不清，就在大桥底下"},
                          active_loop="emergency_form")
    assert slots_set(events)["emergency_location"] == "说不清，就在大桥底下"      # "I can't say" is not asked again
    events, _ = await run(executor, "validate_emergency_form", candidates={"emergency_location": "邹城市 菜市场门口"},
                          active_loop="emergency_form")
    assert slots_set(events)["location_code"] == "370883"


async def test_submission_files_an_emergency_case_at_once(executor, action_runtime, vault, session_factory,
                                                         cipher) -> None:
    phone = await vault.mask(SENDER, PHONE)
    slots = {"emergency_situation": "老人摔倒了起不来", "emergency_phone": phone, "emergency_location": "示例社区3号楼",
             "location_code": TOWNSHIP, "channel": "webchat"}
    events, replies = await run(executor, "action_submit_emergency", slots=slots)
    with session_factory() as session:
        case = session.scalars(select(Case)).one()
        rules = {d.rule: d.due_at for d in session.scalars(select(CaseDeadline))}
    assert case.case_number in replies[0] and "2小时内（3月3日12:00前）" in replies[0] and "138****5678" in replies[0]
    assert case.urgency.value == "emergency" and rules["emergency"] == NOW + timedelta(hours=2)
    assert case.name_masked == "未**" and case.id_number_sealed is None
    assert cipher.open(case.phone_sealed, "phone") == PHONE and PHONE not in case.situation
    assert "个人信息保护法》第十三条第一款第四项" in case.situation and "示例社区3号楼" in case.situation
    assert slots_set(events)["emergency_case_number"] == case.case_number
    assert slots_set(events)["emergency_phone"] is None and await vault.reveal(SENDER, phone) is None


async def test_a_name_given_before_the_emergency_is_used(executor, action_runtime, vault, session_factory) -> None:
    slots = {"emergency_situation": "着火了", "emergency_phone": await vault.mask(SENDER, PHONE),
             "location_code": TOWNSHIP, "applicant_name": "李四", "id_number": await vault.mask(SENDER, ID_NUMBER)}
    events, _ = await run(executor, "action_submit_emergency", slots=slots)
    with session_factory() as session:
        case = session.scalars(select(Case)).one()
    assert case.name_masked == "李*" and case.id_number_sealed is None      # only what the emergency needs
    assert slots_set(events)["applicant_name"] is None and slots_set(events)["id_number"] is None


async def test_an_unplaced_emergency_is_still_a_case_at_the_city_intake(executor, action_runtime, vault,
                                                                       session_factory) -> None:
    slots = {"emergency_situation": "着火了", "emergency_phone": await vault.mask(SENDER, PHONE),
             "emergency_location": "就在村口大桥这边"}
    _, replies = await run(executor, "action_submit_emergency", slots=slots)
    assert "值班工作人员" in replies[0] and "2小时内（3月3日12:00前）" in replies[0]
    with session_factory() as session:
        case = session.scalars(select(Case)).one()
        deadlines = {d.rule: d.due_at for d in session.scalars(select(CaseDeadline))}
    assert case.county_code == "JN-Z00" and case.urgency.value == "emergency"
    assert deadlines["emergency"] == NOW + timedelta(hours=2)
    assert "位置待电话确认" in case.situation and "就在村口大桥这边" in case.situation
    assert list_waiting(session_factory) == []           # the hand-off is recorded once, when it is reported


async def test_an_unplaced_emergency_that_names_a_county_is_filed_to_it(executor, action_runtime, vault,
                                                                       session_factory) -> None:
    runtime.configure(replace(action_runtime, intake_division="370811"))
    slots = {"emergency_situation": "老人晕倒了叫不醒", "emergency_location": "邹城 村口大桥这边"}
    await run(executor, "action_submit_emergency", slots=slots)
    with session_factory() as session:
        assert session.scalars(select(Case.county_code)).all() == ["370883"]


async def test_redis_being_down_does_not_stop_the_emergency_reply(executor, action_runtime, cipher,
                                                                  session_factory) -> None:
    from redis.asyncio import Redis

    from conversation.vault import PersonalDataVault

    dead = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    runtime.configure(replace(action_runtime, vault=PersonalDataVault(dead, cipher)))
    text = "老人摔倒了起不来，电话138****5678"
    events, replies = await run(executor, "action_start_emergency", text=TRIGGER, intent="report_emergency",
                                entities=_entity(text), slots={"emergency_situation": text})
    await dead.aclose()
    assert "120" in replies[0] and "emergency_phone" not in slots_set(events)
    assert [h.reason for h in list_waiting(session_factory)] == ["emergency"]


async def test_an_emergency_met_while_applying_then_completes_the_same_case(executor, action_runtime, vault,
                                                                          session_factory, cipher) -> None:
    phone = await vault.mask(SENDER, PHONE)
    slots = {"emergency_situation": "俺娘摔断了腿，医院不交押金不给做手术", "emergency_phone": phone,
             "location_code": TOWNSHIP, "resume_application": True, "situation": "俺娘摔断了腿，医院不交押金不给做手术"}
    events, replies = await run(executor, "action_submit_emergency", slots=slots)
    with session_factory() as session:
        case = session.scalars(select(Case)).one()
    assert "接着把申请信息填完整" in replies[-1]
    assert {"event": "followup", "timestamp": None, "name": "application_form"} in events
    set_now = slots_set(events)
    assert set_now["completing_case"] == case.case_number and set_now["phone"] == phone
    application = {"situation": slots["situation"], "consent": True, "applies_for": "other", "on_behalf_consent": True,
                   "applicant_name": "张桂兰", "id_number": await vault.mask(SENDER, ID_NUMBER), "phone": phone,
                   "location_code": TOWNSHIP, "household_size": 3.0, "difficulty_kind": "医疗",
                   "application_confirmed": True, "completing_case": case.case_number}
    events, replies = await run(executor, "action_submit_application", slots=application)
    with session_factory() as session:
        [completed] = session.scalars(select(Case)).all()               # no second case
        assert cipher.open(completed.name_sealed, "name") == "张桂兰"
        assert cipher.open(completed.id_number_sealed, "id_number") == ID_NUMBER
        assert completed.urgency.value == "emergency" and "补充的申请信息" in completed.situation
    assert case.case_number in replies[0] and slots_set(events)["completing_case"] is None


async def test_a_second_alarm_in_the_same_session_adds_to_the_filed_emergency(executor, action_runtime, vault,
                                                                             session_factory) -> None:
    text = "着火了"
    first, _ = await run(executor, "action_start_emergency", text=TRIGGER, intent="report_emergency",
                         entities=_entity(text), slots={"emergency_situation": text})
    number = slots_set(first)["emergency_case_number"]
    events, replies = await run(executor, "action_start_emergency", text=TRIGGER, intent="report_emergency",
                                entities=_entity("着火了，算受灾吧"), active_loop="application_form",
                                slots={"emergency_case_number": number})
    with session_factory() as session:
        [case] = session.scalars(select(Case)).all()                    # nothing doubled
        assert "算受灾吧" in case.situation
    assert number in replies[0] and events == [{"event": "followup", "timestamp": None, "name": "application_form"}]
    assert len(list_waiting(session_factory)) == 1
