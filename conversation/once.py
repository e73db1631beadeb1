"""A turn is processed once: a retry with the same message id (the client's own, WeChat's MsgId, Telegram's
update_id) gets the first attempt's replies and never files a second case, also when both arrive at once: the second
waits for the first. Kept in Redis for a day; Redis down: the turn runs (nothing to compare with)."""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError

from conversation.rasa_client import BotReply, Button

log = logging.getLogger(__name__)
PENDING = b"pending"
KEEP_SECONDS = 86_400
FIRST_ATTEMPT_SECONDS = 120      # a first attempt that died: after this a retry processes the turn again
MAX_ID = 64


class StillProcessing(Exception):
    """The first attempt of this message is still being answered (409 at the edge: retry a little later)."""

    message_zh = "这条消息正在处理，请稍后再试。"
    message_en = "This message is still being processed; retry shortly."


def _encode(replies: list[BotReply], degraded: bool) -> str:
    return json.dumps({"degraded": degraded, "replies": [
        {"text": r.text, "buttons": [[b.title, b.payload] for b in r.buttons]} for r in replies]}, ensure_ascii=False)


def _decode(raw: bytes) -> tuple[list[BotReply], bool]:
    data = json.loads(raw)
    return ([BotReply(r["text"], tuple(Button(t, p) for t, p in r["buttons"])) for r in data["replies"]],
            data["degraded"])


class TurnOnce:
    def __init__(self, redis: Redis, wait_seconds: float = 30.0) -> None:
        self._redis = redis
        self._wait = wait_seconds

    @staticmethod
    def _key(sender: str, message_id: str) -> str:
        return "jsj:turn:" + hashlib.sha256(f"{sender}\x00{message_id}".encode()).hexdigest()

    async def run(self, sender: str, message_id: str,
                  work: Callable[[], Awaitable[tuple[list[BotReply], bool]]]) -> tuple[list[BotReply], bool]:
        key = self._key(sender, message_id)
        try:
            first = await self._redis.set(key, PENDING, nx=True, ex=FIRST_ATTEMPT_SECONDS)
        except (RedisError, OSError):
            log.warning("message ids not checked (Redis unavailable): the turn runs")
            return await work()
        if not first:
            return await self._answer_of_first(key)
        try:
            replies, degraded = await work()
        except BaseException:
            await self._forget(key)
            raise
        try:
            await self._redis.set(key, _encode(replies, degraded), ex=KEEP_SECONDS)
        except (RedisError, OSError):
            log.warning("the answer to a message id was not kept (Redis unavailable)")
        return replies, degraded

    async def _answer_of_first(self, key: str) -> tuple[list[BotReply], bool]:
        deadline = time.monotonic() + self._wait
        while True:
            try:
                raw = await self._redis.get(key)
            except (RedisError, OSError):
                raise StillProcessing() from None
            if raw is None:                     # the first attempt failed and was forgotten: the client retries
                raise StillProcessing()
            if raw != PENDING:
                return _decode(raw)
            if time.monotonic() >= deadline:
                raise StillProcessing()
            await asyncio.sleep(0.1)

    async def _forget(self, key: str) -> None:
        try:
            await self._redis.delete(key)
        except (RedisError, OSError):
            pass
