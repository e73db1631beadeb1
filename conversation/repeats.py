"""The last safety net against loops: whatever the reason, the bot never sends a resident the same text a third time
in a conversation. On the third time the gateway hands the resident to a person instead ("转人工"), once."""
from __future__ import annotations

import hashlib
import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from conversation.rasa_client import BotReply

log = logging.getLogger(__name__)
HANDOFF_PAYLOAD = "/request_human"       # the payload of the gateway's own 转人工 button
WINDOW_SECONDS = 30 * 60                 # "in a conversation": the same text within half an hour
MAX_SAME = 2                             # sent twice already: the third time is a loop


class ReplyRepeats:
    """Counts, per sender, how often each bot text was sent (Redis, hashes of the text only, expiring)."""

    def __init__(self, redis: Redis, window: int = WINDOW_SECONDS) -> None:
        self._redis = redis
        self._window = window

    @staticmethod
    def _key(sender: str, suffix: str) -> str:
        return f"jsj:repeats:{suffix}:" + hashlib.sha256(sender.encode()).hexdigest()

    async def would_loop(self, sender: str, replies: list[BotReply]) -> bool:
        """True when one of these texts was sent to this sender twice already and the loop breaker has not
        been used yet; records the texts otherwise. Redis down: False (the chat goes on)."""
        counts, broken = self._key(sender, "counts"), self._key(sender, "broken")
        fields = [hashlib.sha256(r.text.encode()).hexdigest()[:16] for r in replies if r.text.strip()]
        if not fields:
            return False
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                for f in fields:
                    pipe.hincrby(counts, f, 1)
                pipe.expire(counts, self._window)
                pipe.get(broken)
                *seen, _, used = await pipe.execute()
            if max(seen) <= MAX_SAME or used:
                return False
            await self._redis.set(broken, "1", ex=self._window)
            await self._redis.delete(counts)
            return True
        except RedisError as exc:
            log.warning("reply repeats not counted (redis: %s)", exc.__class__.__name__)
            return False
