"""conversation/repeats.py against a real Redis: the third identical bot text is a loop, broken once."""
import uuid

import pytest
from redis.asyncio import Redis

from conversation.rasa_client import BotReply
from conversation.repeats import ReplyRepeats
from tests.conversation.live import CHAT_REDIS_URL

pytestmark = pytest.mark.anyio


async def test_the_third_identical_text_is_a_loop_and_the_breaker_is_used_once() -> None:
    redis = Redis.from_url(CHAT_REDIS_URL)
    repeats, sender = ReplyRepeats(redis), f"webchat:{uuid.uuid4().hex}"
    ask = [BotReply("请问申请人家里一共几口人？", ())]
    try:
        assert not await repeats.would_loop(sender, ask)
        assert not await repeats.would_loop(sender, [BotReply("别的话", ()), *ask])
        assert await repeats.would_loop(sender, ask)                    # the third time
        for _ in range(3):                                              # the breaker is not used twice
            assert not await repeats.would_loop(sender, ask)
        assert not await repeats.would_loop(f"webchat:{uuid.uuid4().hex}", ask)   # per sender
    finally:
        await redis.aclose()


async def test_with_redis_down_the_chat_goes_on() -> None:
    redis = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    repeats = ReplyRepeats(redis)
    for _ in range(4):
        assert not await repeats.would_loop("webchat:x", [BotReply("同一句话", ())])
    await redis.aclose()
