"""When triage finds a message too thin to judge ("家里出事了"), the gateway asks one question first
("现在有没有人有生命危险？") and keeps the message here until the answer comes; the answer decides the path."""
from __future__ import annotations

import hashlib
import logging
import re

from redis.asyncio import Redis
from redis.exceptions import RedisError

from conversation.rasa_client import BotReply, Button
from nlu.normalise import normalise

log = logging.getLogger(__name__)
PENDING_TTL_SECONDS = 15 * 60
# Set by the gateway (never taken from a channel) on a message sent after the resident said nobody is in danger:
# an emergency only Rasa's NLU reads in it does not file a case (actions/emergency_start.py).
NO_DANGER_METADATA = "resident_said_no_danger"
YES_PAYLOAD = "有人有生命危险"
NO_PAYLOAD = "没有生命危险"
BUTTONS = (Button("有，有生命危险", YES_PAYLOAD), Button("没有生命危险", NO_PAYLOAD))
_NO = re.compile(r"没有|没(人)?(有)?(生命)?危险|不危险|没事|暂时没|还好|不是|不用|没那么")
_YES = re.compile(r"^(有|是|对|嗯|是的|有的)$|有人|危险|快不行|不行了|救命|要死|流血|昏迷|叫不醒|喘不上|晕倒|打人|着火|寻死|想死")


def says_danger(text: str) -> bool | None:
    """The answer to "有没有人有生命危险": True, False, or None when it says neither (it tells more instead)."""
    t = normalise(text).replace(" ", "")
    if _NO.search(t):
        return False
    if _YES.search(t):
        return True
    return None


def question_reply(question: str) -> BotReply:
    return BotReply(question, BUTTONS)


class PendingClarifications:
    """The thin message waiting for its answer, per sender (Redis, masked text only, expiring)."""

    def __init__(self, redis: Redis, ttl: int = PENDING_TTL_SECONDS) -> None:
        self._redis = redis
        self._ttl = ttl

    @staticmethod
    def _key(sender: str) -> str:
        return "jsj:clarify:" + hashlib.sha256(sender.encode()).hexdigest()

    async def put(self, sender: str, masked_text: str) -> bool:
        """Keep the message; False when Redis is down (then the chat goes on without asking)."""
        try:
            await self._redis.set(self._key(sender), masked_text, ex=self._ttl)
            return True
        except RedisError as exc:
            log.warning("clarification not kept (redis: %s): answering directly", exc.__class__.__name__)
            return False

    @staticmethod
    def _no_key(sender: str) -> str:
        return "jsj:clarify-no:" + hashlib.sha256(sender.encode()).hexdigest()

    async def remember_no(self, sender: str) -> None:
        """The resident said nobody's life is in danger: words only the classifier finds alarming are not asked
        about again for a while (asking again at every message would be a loop)."""
        try:
            await self._redis.set(self._no_key(sender), "1", ex=self._ttl * 2)
        except RedisError:
            pass

    async def said_no(self, sender: str) -> bool:
        try:
            return bool(await self._redis.exists(self._no_key(sender)))
        except RedisError:
            return False

    async def take(self, sender: str) -> str | None:
        """The waiting message (and forget it), or None."""
        try:
            value = await self._redis.getdel(self._key(sender))
        except RedisError:
            return None
        return value.decode() if isinstance(value, bytes) else value
