"""validate_status_form and action_query_status: the right pair shows progress, a wrong one reveals nothing."""
import pytest

from cases.service import submit_case, transition_case
from tests.actions.calls import run, slots_set
from tests.actions.conftest import NOW
from tests.cases.fixtures import application, triage

pytestmark = pytest.mark.anyio


@pytest.fixture
def case_number(action_runtime, session_factory, cipher, divisions) -> str:  # noqa: ANN001
    number = submit_case(session_factory, application(), triage(NOW), NOW, cipher=cipher, divisions=divisions)
    transition_case(session_factory, number, "accepted", actor="staff:wang", now=NOW)
    return number


@pytest.mark.parametrize(("said", "number"), [("JSJ-20250303-0001", "JSJ-20250303-0001"),
                                               ("jsj 20250303 0001", "JSJ-20250303-0001"),
                                               ("编号是２０２５０３０３-０００１", "JSJ-20250303-0001"),
                                               ("不记得了", None)])
async def test_case_numbers_in_many_spellings(executor, action_runtime, said: str, number: str | None) -> None:
    events, replies = await run(executor, "validate_status_form", candidates={"status_case_number": said},
                                active_loop="status_form")
    assert slots_set(events)["status_case_number"] == number
    assert bool(replies) == (number is None)


@pytest.mark.parametrize(("said", "last4"), [("5678", "5678"), ("尾号5678", "5678"), ("138****5678", "5678"),
                                              ("56", None)])
async def test_last_four_digits(executor, action_runtime, said: str, last4: str | None) -> None:
    events, _ = await run(executor, "validate_status_form", candidates={"status_phone_last4": said},
                          active_loop="status_form")
    assert slots_set(events)["status_phone_last4"] == last4


async def test_the_right_pair_shows_status_last_step_and_deadline(executor, action_runtime, case_number) -> None:
    events, replies = await run(executor, "action_query_status",
                                slots={"status_case_number": case_number, "status_phone_last4": "5678"})
    text = replies[0]
    assert case_number in text and "已受理" in text and "3月3日10:00 状态变为“已受理”" in text
    assert "3月4日10:00前" in text
    assert slots_set(events)["status_case_number"] is None and slots_set(events)["status_phone_last4"] is None


async def test_a_wrong_pair_and_an_unknown_number_get_the_same_reply(executor, action_runtime, case_number) -> None:
    _, wrong_phone = await run(executor, "action_query_status",
                               slots={"status_case_number": case_number, "status_phone_last4": "0000"})
    _, unknown = await run(executor, "action_query_status",
                           slots={"status_case_number": "JSJ-20250303-0999", "status_phone_last4": "5678"})
    assert wrong_phone == unknown and "没有找到" in unknown[0] and case_number not in unknown[0]


async def test_a_hardship_story_taken_for_a_status_query_goes_to_the_application(executor, action_runtime) -> None:
    story = "俺娘七十好几了，夜来查出来胃癌，俺几个弟兄都没啥钱，恁看看咋弄"
    events, replies = await run(executor, "validate_status_form", text=story, intent="query_status",
                                active_loop="status_form")
    assert slots_set(events) == {"requested_slot": None} and replies == []      # the form ends: nothing asked
    events, replies = await run(executor, "action_query_status", text=story, intent="query_status")
    assert events[-1] == {"event": "followup", "timestamp": None, "name": "application_form"} and replies == []
    # a real status query is still one: the form goes on to ask for the case number (Rasa picks the slot)
    events, _ = await run(executor, "validate_status_form", text="我的申请办到哪一步了", intent="query_status",
                          active_loop="status_form")
    assert "requested_slot" not in slots_set(events)


async def test_guessing_the_last_four_digits_locks_the_case_for_everyone(executor, action_runtime, case_number,
                                                                          redis_client) -> None:  # noqa: ANN001
    """Case numbers are sequential and 4 digits are few: five wrong guesses (from anyone) lock the case's look-ups,
    and the right digits do not open it meanwhile (issue 10)."""
    from dataclasses import replace

    import redis.asyncio as aioredis

    from actions import runtime
    from conversation.lookups import LookupGuard
    from tests.cases.fixtures import CASES_REDIS_URL

    runtime.configure(replace(action_runtime, lookups=LookupGuard(aioredis.Redis.from_url(CASES_REDIS_URL))))
    try:
        for guess in range(5):
            _, replies = await run(executor, "action_query_status", sender=f"guesser-{guess}",
                                   slots={"status_case_number": case_number, "status_phone_last4": f"{guess:04d}"})
            assert "没有找到" in replies[0]
        _, locked = await run(executor, "action_query_status", sender="the-applicant-elsewhere",
                              slots={"status_case_number": case_number, "status_phone_last4": "5678"})
        assert "锁定" in locked[0] and "已受理" not in locked[0]
        _, other = await run(executor, "action_query_status", sender="guesser-0",
                             slots={"status_case_number": "JSJ-20250303-0002", "status_phone_last4": "1111"})
        assert "没有找到" in other[0]
    finally:
        runtime.configure(action_runtime)


async def test_the_resident_who_filed_it_sees_their_cases_without_giving_anything(executor, action_runtime,
                                                                                 session_factory, cipher,
                                                                                 divisions) -> None:  # noqa: ANN001
    mine = submit_case(session_factory, application(user="webchat:own-1"), triage(NOW), NOW, cipher=cipher,
                       divisions=divisions)
    events, replies = await run(executor, "validate_status_form", sender="webchat:own-1", text="查进度",
                                intent="query_status", active_loop="status_form")
    assert slots_set(events).get("requested_slot") is None and replies == []       # nothing asked
    _, replies = await run(executor, "action_query_status", sender="webchat:own-1", text="查进度",
                           intent="query_status")
    assert mine in replies[0] and "已申请" in replies[0]
    _, others = await run(executor, "action_query_status", sender="webchat:someone-else", text="查进度",
                          intent="query_status", slots={"status_case_number": mine, "status_phone_last4": "0000"})
    assert "没有找到" in others[0]
