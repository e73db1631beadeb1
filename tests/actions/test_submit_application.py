"""action_ask_application_confirmed and action_submit_application on real PostgreSQL and Redis."""
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from actions import runtime
from cases.models import Case, CaseEvent, OutboxMessage
from jishijiu.db import make_engine, make_session_factory
from jishijiu.settings import Settings
from tests.actions.calls import SENDER, loop_events, run, slots_set
from tests.cases.fixtures import ID_NUMBER, PHONE, VILLAGE

pytestmark = pytest.mark.anyio
SITUATION = f"我爱人得了尿毒症，透析花光了积蓄，下个月的透析费还没着落，电话{PHONE}，身份证{ID_NUMBER}，我叫张三"


def _count(session_factory, model) -> int:  # noqa: ANN001
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(model))


async def _answers(vault, **changes):  # noqa: ANN001, ANN003, ANN202
    """A filled application as the form leaves it: tokens in the slots, clear values in the vault."""
    id_token = await vault.mask(SENDER, ID_NUMBER)
    phone_token = await vault.mask(SENDER, PHONE)
    slots = {"situation": await vault.mask(SENDER, SITUATION), "consent": True, "applies_for": "self",
             "applicant_name": "张三", "id_number": id_token, "phone": phone_token, "location_code": VILLAGE,
             "location_label": "任城区 示例街道 示例社区", "household_size": 3.0, "difficulty_kind": "医疗",
             "application_confirmed": True, "channel": "wechat"}
    return {**slots, **changes}


async def test_read_back_is_masked(executor, action_runtime, vault) -> None:
    _, replies = await run(executor, "action_ask_application_confirmed", slots=await _answers(vault))
    text = replies[0]
    for shown in ("张*", "3708**********1236", "138****5678", "示例社区", "3人", "医疗"):
        assert shown in text
    assert "张三" not in text and ID_NUMBER not in text and PHONE not in text


@pytest.mark.parametrize(("changes", "said"), [
    ({"consent": False}, "12345"),
    ({"applies_for": "other", "on_behalf_consent": False}, "本人（或监护人）同意"),
    ({"application_confirmed": False}, "重新开始"),
])
async def test_refusals_store_nothing_and_purge_the_vault(executor, action_runtime, vault, session_factory,
                                                          changes: dict, said: str) -> None:
    slots = await _answers(vault, **changes)
    events, replies = await run(executor, "action_submit_application", slots=slots)
    assert said in replies[0]
    assert _count(session_factory, Case) == _count(session_factory, OutboxMessage) == 0
    assert await vault.reveal(SENDER, slots["id_number"]) is None
    assert slots_set(events)["applicant_name"] is None and slots_set(events)["consent"] is None


async def test_confirmed_application_becomes_a_case_with_personal_data_encrypted(
        executor, action_runtime, vault, session_factory, cipher) -> None:
    slots = await _answers(vault)
    events, replies = await run(executor, "action_submit_application", slots=slots)
    with session_factory() as session:
        case = session.scalars(select(Case)).one()
    assert slots_set(events)["case_number"] == case.case_number == "JSJ-20250303-0001"
    assert case.case_number in replies[0] and "24小时内" in replies[0] and "3月4日10:00前" in replies[0]
    assert (case.channel, case.channel_user_id, case.village_code) == ("wechat", SENDER, VILLAGE)
    assert ID_NUMBER.encode() not in case.id_number_sealed
    assert cipher.open(case.id_number_sealed, "id_number") == ID_NUMBER
    assert cipher.open(case.phone_sealed, "phone") == PHONE and case.phone_masked == "138****5678"
    assert case.name_masked == "张*" and cipher.open(case.name_sealed, "name") == "张三"
    assert ID_NUMBER not in case.situation and PHONE not in case.situation and "张三" not in case.situation
    assert "透析" in case.situation and "困难类别：医疗" in case.situation and case.urgency.value == "urgent"
    assert await vault.reveal(SENDER, slots["id_number"]) is None                   # purged
    assert slots_set(events)["id_number"] is None and slots_set(events)["location_code"] is None


async def test_a_normal_case_promises_the_initial_opinion_in_three_working_days(executor, action_runtime,
                                                                                vault) -> None:
    slots = await _answers(vault, situation="家里收入低，想问问能不能办低保", difficulty_kind="生活")
    _, replies = await run(executor, "action_submit_application", slots=slots)
    assert "3个工作日内形成调查初审意见（3月6日24时前）" in replies[0]


async def test_a_preset_place_survives_the_reset(executor, action_runtime, vault) -> None:
    slots = await _answers(vault, village_code=VILLAGE)
    events, _ = await run(executor, "action_submit_application", slots=slots)
    assert "location_code" not in slots_set(events) and slots_set(events)["applicant_name"] is None


async def test_a_database_that_is_down_stores_nothing_and_keeps_the_answers(executor, action_runtime, vault,
                                                                          session_factory, tmp_path) -> None:
    dead = make_engine(Settings(data_dir=tmp_path, database_url="postgresql://postgres@127.0.0.1:1/none"))
    runtime.configure(replace(action_runtime, session_factory=make_session_factory(dead)))
    slots = await _answers(vault)
    events, replies = await run(executor, "action_submit_application", slots=slots)
    dead.dispose()
    assert "12345" in replies[0] and "确认提交" in replies[0]
    assert loop_events(events) == ["application_form"]
    assert slots_set(events) == {"application_confirmed": None, "requested_slot": "application_confirmed"}
    assert await vault.reveal(SENDER, slots["id_number"]) == ID_NUMBER           # kept for the retry
    assert _count(session_factory, Case) == _count(session_factory, CaseEvent) == 0


async def test_a_place_that_is_no_division_is_asked_again_not_retried_forever(executor, action_runtime, vault,
                                                                             session_factory) -> None:
    # what Rasa's from_text mapping left in the slot when a correction was said at the place question
    slots = await _answers(vault, location_code="身份证号刚才输错了", location_label=None)
    events, replies = await run(executor, "action_submit_application", slots=slots)
    assert "哪个县" in replies[0] and "系统" not in replies[0]
    assert slots_set(events)["requested_slot"] == "location_code" and slots_set(events)["location_code"] is None
    assert loop_events(events) == ["application_form"]
    assert _count(session_factory, Case) == 0


async def test_photos_sent_before_filing_go_onto_the_case_and_are_then_forgotten(
        executor, action_runtime, vault, session_factory, redis_client) -> None:  # noqa: ANN001
    from redis.asyncio import Redis

    from conversation.attachments import PendingAttachments
    from tests.cases.fixtures import CASES_REDIS_URL

    client = Redis.from_url(CASES_REDIS_URL)
    pending = PendingAttachments(client)                      # no case yet: both wait for the application
    for media in ("MEDIA-fire-1", "MEDIA-fire-2"):
        assert await pending.add(SENDER, "wechat_image", media) is None
    runtime.configure(replace(action_runtime, attachments=pending))
    try:
        await run(executor, "action_submit_application", slots=await _answers(vault))
    finally:
        runtime.configure(action_runtime)
    with session_factory() as session:
        case = session.scalars(select(Case)).one()
    assert [a["ref"] for a in case.attachments] == ["MEDIA-fire-1", "MEDIA-fire-2"]
    assert await pending.peek(SENDER) == ()
    await client.aclose()
