"""Nothing doubled (issue 10): a message sent again with the same message_id — one after the other, or three at
once — gets the first attempt's replies and files one case."""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import redis.asyncio as aioredis

from cases.service import find_cases_by_phone
from conversation.once import StillProcessing, TurnOnce
from conversation.rasa_client import BotReply, Button
from tests.cases.fixtures import CASES_REDIS_URL
from tests.conversation.live import TEST_API_KEY
from tests.conversation.test_conversation_e2e import answers, drive_form, new_user, phone_number, sessions


@pytest.mark.anyio
async def test_the_second_attempt_waits_for_the_first_and_gets_its_replies(redis_client) -> None:  # noqa: ANN001
    import asyncio

    once, runs = TurnOnce(aioredis.Redis.from_url(CASES_REDIS_URL), wait_seconds=5), []

    async def work() -> tuple[list[BotReply], bool]:
        runs.append(1)
        await asyncio.sleep(0.3)
        return [BotReply("好的", (Button("确认", "/affirm"),))], False

    first, second = await asyncio.gather(once.run("web:a", "m1", work), once.run("web:a", "m1", work))
    assert first == second and len(runs) == 1 and first[0][0].buttons[0].payload == "/affirm"
    assert (await once.run("web:b", "m1", work))[0] and len(runs) == 2          # another sender: its own ids

    async def broken() -> tuple[list[BotReply], bool]:
        raise RuntimeError("the store fell over")

    with pytest.raises(RuntimeError):
        await once.run("web:a", "m2", broken)
    assert (await once.run("web:a", "m2", work))[0][0].text == "好的"            # a failed first attempt is retried

    slow = TurnOnce(aioredis.Redis.from_url(CASES_REDIS_URL), wait_seconds=0.2)

    async def slower() -> tuple[list[BotReply], bool]:
        await asyncio.sleep(1)
        return [], False
    results = await asyncio.gather(slow.run("web:c", "m3", slower), slow.run("web:c", "m3", slower),
                                   return_exceptions=True)
    assert sorted(isinstance(r, StillProcessing) for r in results) == [False, True]   # whichever came second


def test_the_confirmation_sent_three_times_at_once_files_one_case(live, pg_engine, cipher) -> None:  # noqa: ANN001
    user, phone = new_user(), phone_number()
    live.say_text(user, "我想申请救助")
    drive_form(live, user, answers(phone), stop_at="application_confirmed")
    body = {"user_id": user, "text": "确认", "message_id": uuid.uuid4().hex}

    def confirm(_: int) -> httpx.Response:
        return httpx.post(f"{live.gateway_url}/api/chat", json=body, timeout=60,
                          headers={"Authorization": f"Bearer {TEST_API_KEY}"})

    with ThreadPoolExecutor(3) as pool:
        responses = list(pool.map(confirm, range(3)))
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert len({str(r.json()["replies"]) for r in responses}) == 1 and "JSJ-" in str(responses[0].json())
    again = confirm(0)                                           # a late retry, after all three
    assert again.json()["replies"] == responses[0].json()["replies"]
    assert len(find_cases_by_phone(sessions(pg_engine), phone, cipher=cipher)) == 1
