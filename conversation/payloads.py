"""Rasa reads a message that starts with "/" as an intent trigger ("/restart", "/report_emergency{…}"). Only the
gateway may use that syntax: the payloads of the buttons it sent this resident (remembered here, in Redis, for a
day) and its own internal triggers. Anything else a resident types with a leading "/" goes to the bot as words."""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
PREFIX = "/"
KEEP_SECONDS = 86_400
_AS_WORDS = "／"                 # a full-width slash: the same to read, no longer Rasa's trigger


def defused(text: str) -> str:
    """The text with its leading "/" made harmless."""
    stripped = text.lstrip()
    return _AS_WORDS + stripped[1:] if stripped.startswith(PREFIX) else text


class IssuedPayloads:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    @staticmethod
    def _key(sender: str) -> str:
        return "jsj:payloads:" + hashlib.sha256(sender.encode()).hexdigest()

    async def remember(self, sender: str, payloads: Iterable[str]) -> None:
        issued = [p for p in payloads if p.startswith(PREFIX)]
        if not issued:
            return
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.sadd(self._key(sender), *issued)
                pipe.expire(self._key(sender), KEEP_SECONDS)
                await pipe.execute()
        except (RedisError, OSError) as exc:
            log.warning("button payloads not remembered (redis: %s)", exc.__class__.__name__)

    async def allowed(self, sender: str, text: str) -> bool:
        """True for a payload of a button this resident was sent; False otherwise, and when Redis is down."""
        try:
            return bool(await self._redis.sismember(self._key(sender), text.strip()))
        except (RedisError, OSError):
            return False

    async def guard(self, sender: str, text: str) -> str:
        """The text as Rasa may see it: a payload the gateway issued unchanged, any other "/…" as words."""
        if not text.lstrip().startswith(PREFIX) or await self.allowed(sender, text):
            return text
        log.info("a resident's text started with '/': passed on as words")
        return defused(text)
