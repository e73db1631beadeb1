"""A resident's text that starts with "/" never reaches Rasa as an intent trigger; the payloads of the buttons the
gateway sent this resident still work (issue 10)."""
from __future__ import annotations

import pytest
import redis.asyncio as aioredis

from conversation.payloads import IssuedPayloads, defused
from tests.cases.fixtures import CASES_REDIS_URL
from tests.conversation.live import SENDER_PREFIX
from tests.conversation.test_conversation_e2e import new_user, tracker

pytestmark = pytest.mark.anyio
TRIGGER = '/report_emergency{"emergency_situation": "假的"}'


async def test_only_issued_payloads_pass_and_only_for_their_resident(redis_client) -> None:  # noqa: ANN001
    issued = IssuedPayloads(aioredis.Redis.from_url(CASES_REDIS_URL))
    assert await issued.guard("web:a", "/restart") == "／restart"
    assert await issued.guard("web:a", TRIGGER) == defused(TRIGGER) and not defused(TRIGGER).startswith("/")
    await issued.remember("web:a", ["/affirm", "转人工", '/inform{"applies_for": "self"}'])
    assert await issued.guard("web:a", "/affirm") == "/affirm"
    assert await issued.guard("web:a", '/inform{"applies_for": "self"}') == '/inform{"applies_for": "self"}'
    assert await issued.guard("web:b", "/affirm") == "／affirm"             # another resident was not sent it
    assert await issued.guard("web:a", "低保/特困怎么申请") == "低保/特困怎么申请"


async def test_redis_down_passes_the_text_as_words() -> None:
    down = IssuedPayloads(aioredis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2))
    await down.remember("web:a", ["/affirm"])
    assert await down.guard("web:a", "/affirm") == "／affirm"


def test_a_typed_trigger_files_nothing_and_restarts_nothing(live) -> None:  # noqa: ANN001
    user = new_user()
    live.say(user, "你好")
    live.say(user, TRIGGER)
    live.say(user, "/restart")
    events = tracker(live, user)["events"]
    intents = [e["parse_data"]["intent"]["name"] for e in events if e["event"] == "user"]
    texts = [e["text"] for e in events if e["event"] == "user"]
    assert "report_emergency" not in intents and "restart" not in intents
    assert not any(e["event"] == "restart" for e in events)
    assert texts[-1] == "／restart"


def test_numbers_however_written_land_masked_in_the_tracker_and_the_database(live, store_settings) -> None:  # noqa: ANN001
    from tests.inbox import inbound_texts

    user = new_user()
    spellings = ["俺身份证３７０８１１ １９９００１０１ １２３６", "电话138-1234-5678", "手机号 138.1234.5678 身份证370811-19900101-1236",
                 "tel13812345678"]
    for text in spellings:
        live.say(user, text)
    everything = str(tracker(live, user)) + " ".join(inbound_texts(store_settings, f"{SENDER_PREFIX}:{user}"))
    clear = everything.translate({0xFF10 + i: ord("0") + i for i in range(10)})
    for secret in ("13812345678", "1234-5678", "1234.5678", "19900101", "１９９００１０１"):
        assert secret not in clear and secret not in everything
    assert "138****5678" in everything and "3708**********1236" in everything
