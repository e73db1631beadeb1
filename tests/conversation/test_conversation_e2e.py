"""End-to-end conversations through the gateway against a real Rasa server, PostgreSQL and Redis."""
from __future__ import annotations

import hashlib
import re
import uuid

import httpx
import pytest
from redis import Redis
from sqlalchemy import select

from cases.service import find_cases_by_phone, get_case
from conversation.handoff import Handoff
from jishijiu.db import make_session_factory
from nlu.masking import mask_id_number
from tests.cases.fixtures import id_number
from tests.conversation.live import CHAT_REDIS_URL, SENDER_PREFIX, LiveStack

CASE_NUMBER = re.compile(r"JSJ-\d{8}-\d{4}")
GOOD_ID = id_number("19800315", "370883", "046")
BAD_ID = GOOD_ID[:-1] + ("0" if GOOD_ID[-1] != "0" else "1")       # wrong check digit
SITUATION = "家里老人瘫痪在床好几年了，我一个人打零工，孩子上学的钱都凑不齐"


def new_user() -> str:
    return "e2e-" + uuid.uuid4().hex[:12]


def tracker(live: LiveStack, user: str, channel: str = SENDER_PREFIX) -> dict:
    response = httpx.get(f"{live.rasa_url}/conversations/{channel}:{user}/tracker", params=live.rasa_auth, timeout=10)
    response.raise_for_status()
    return response.json()


def requested(live: LiveStack, user: str) -> str | None:
    return tracker(live, user)["slots"].get("requested_slot")


def answers(phone: str) -> dict[str, str]:
    return {"situation": SITUATION, "consent": "同意", "applies_for": "本人", "applicant_name": "王秀英",
            "id_number": f"身份证号{GOOD_ID}", "phone": phone, "location_code": "邹城市", "household_size": "四口人",
            "difficulty_kind": "生活", "application_confirmed": "确认"}


def drive_form(live: LiveStack, user: str, given: dict[str, str], stop_at: str | None = None,
               turns: int = 15) -> list[str]:
    """Answer whatever the form asks, from `given`, until it stops asking (or asks for `stop_at`)."""
    transcript = []
    for _ in range(turns):
        slot = requested(live, user)
        if slot is None or slot == stop_at:
            return transcript
        assert slot in given, f"the form asked for {slot}; transcript: {transcript}"
        transcript.append(live.say_text(user, given[slot]))
    raise AssertionError(f"the form did not finish in {turns} turns: {transcript}")


def sessions(pg_engine):  # noqa: ANN001, ANN201
    return make_session_factory(pg_engine)


def phone_number() -> str:
    return "139" + str(uuid.uuid4().int)[:8]


def test_full_application_creates_a_case_and_says_what_happens_next(live, pg_engine, cipher) -> None:
    user, phone = new_user(), phone_number()
    first = live.say_text(user, "我想申请救助")
    assert requested(live, user) == "situation", first
    transcript = drive_form(live, user, answers(phone))
    final = transcript[-1]
    number = CASE_NUMBER.search(final)
    assert number, final
    assert "3个工作日" in final or "24小时" in final or "2小时" in final
    (case,) = find_cases_by_phone(sessions(pg_engine), phone, cipher=cipher)
    assert case.case_number == number.group(0)
    detail = get_case(sessions(pg_engine), case.case_number)
    assert detail.channel == "api" and GOOD_ID not in detail.situation
    summary = "\n".join(transcript)
    assert GOOD_ID not in summary and mask_id_number(GOOD_ID) in summary            # read back masked
    assert phone not in summary


def test_invalid_id_number_is_explained_and_corrected(live) -> None:
    user = new_user()
    live.say_text(user, "我要申请临时救助")
    drive_form(live, user, answers(phone_number()), stop_at="id_number")
    reply = live.say_text(user, BAD_ID)
    assert "校验" in reply or "不对" in reply or "有误" in reply, reply
    assert requested(live, user) == "id_number"
    live.say_text(user, GOOD_ID)
    assert requested(live, user) not in (None, "id_number")


def test_emergency_in_the_middle_of_the_form_takes_the_fast_path(live, pg_engine, cipher) -> None:
    user, phone = new_user(), phone_number()
    live.say_text(user, "我想申请救助")
    drive_form(live, user, answers(phone), stop_at="applicant_name")
    reply = live.say_text(user, "我妈突然晕倒了叫不醒，家里一分钱都没有")
    assert "120" in reply and "2小时" in reply, reply
    assert requested(live, user) == "emergency_phone"
    live.say_text(user, phone)
    if requested(live, user) == "emergency_location":
        final = live.say_text(user, "邹城市太平镇")
    else:
        final = tracker(live, user)["latest_message"]["text"]
    number = CASE_NUMBER.search(final)
    assert number, final
    (case,) = find_cases_by_phone(sessions(pg_engine), phone, cipher=cipher)
    assert case.urgency.value == "emergency"


def test_policy_question_inside_the_form_is_answered_and_the_form_resumes(live) -> None:
    user = new_user()
    live.say_text(user, "我想申请救助")
    drive_form(live, user, answers(phone_number()), stop_at="applicant_name")
    reply = live.say_text(user, "对了，低保咋申请")
    assert "依据" in reply, reply
    assert requested(live, user) == "applicant_name"


def test_cancel_keeps_nothing(live, pg_engine, cipher) -> None:
    user, phone = new_user(), phone_number()
    live.say_text(user, "我想申请救助")
    drive_form(live, user, answers(phone), stop_at="location_code")
    live.say_text(user, "算了，不办了")
    state = tracker(live, user)
    assert not (state.get("active_loop") or {}).get("name")
    assert state["slots"].get("id_number") is None and state["slots"].get("phone") is None
    vault = Redis.from_url(CHAT_REDIS_URL)
    assert not vault.exists("jsj:vault:" + hashlib.sha256(f"{SENDER_PREFIX}:{user}".encode()).hexdigest())
    vault.close()
    assert find_cases_by_phone(sessions(pg_engine), phone, cipher=cipher) == []


def test_consent_refused_stores_nothing(live, pg_engine, cipher) -> None:
    user, phone = new_user(), phone_number()
    live.say_text(user, "我想申请救助")
    given = {**answers(phone), "consent": "不同意"}
    transcript = drive_form(live, user, given)
    assert "12345" in transcript[-1], transcript
    assert find_cases_by_phone(sessions(pg_engine), phone, cipher=cipher) == []
    assert tracker(live, user)["slots"].get("consent") in (False, None)


def test_status_query_with_case_number_and_last_four_digits(live) -> None:
    applicant, phone = new_user(), phone_number()
    live.say_text(applicant, "我想申请救助")
    number = CASE_NUMBER.search(drive_form(live, applicant, answers(phone))[-1]).group(0)

    asker = new_user()
    live.say_text(asker, "我的申请到哪一步了")
    assert requested(live, asker) == "status_case_number"
    live.say_text(asker, number)
    assert requested(live, asker) == "status_phone_last4"
    reply = live.say_text(asker, phone[-4:])
    assert number in reply and ("已提交" in reply or "受理" in reply or "申请" in reply), reply

    stranger = new_user()
    live.say_text(stranger, "查一下申请进度")
    live.say_text(stranger, number)
    reply = live.say_text(stranger, "0000" if phone[-4:] != "0000" else "1111")
    assert "没有找到" in reply or "未找到" in reply or "对不上" in reply, reply


def test_handoff_on_request_is_recorded_for_the_console(live, pg_engine) -> None:
    user = new_user()
    reply = live.say_text(user, "转人工")
    assert "12345" in reply, reply
    with sessions(pg_engine)() as session:
        rows = list(session.scalars(select(Handoff).where(Handoff.sender == f"{SENDER_PREFIX}:{user}")))
    assert [r.reason for r in rows] == ["requested"]


@pytest.mark.parametrize("village_code", ["370883"])
def test_qr_code_presets_the_place(live, village_code: str) -> None:
    user = new_user()
    live.say_text(user, "我想申请救助", channel="qr", village_code=village_code)
    assert tracker(live, user)["slots"].get("location_code") == village_code
