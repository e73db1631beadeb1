"""Photos a resident sends in the conversation: onto the case this conversation filed in the last day, else kept
(in Redis, as long as WeChat keeps temporary media: 3 days) for the application in progress, which takes them when
it is filed (actions/submit_application.py, actions/emergency_case.py)."""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import datetime, timezone

from redis.asyncio import Redis
from redis.exceptions import RedisError

from cases.application import Attachment

log = logging.getLogger(__name__)
KEEP_SECONDS = 3 * 86400
MAX_PENDING = 9                     # WeChat sends at most 9 images at once; more is not an application's evidence
AttachToRecent = Callable[[str, Attachment], "str | None"]     # sync (the database): sender → case number or None


def _key(sender: str) -> str:
    return f"jishijiu:attachments:{sender}"


class PendingAttachments:
    def __init__(self, redis: Redis, attach_to_recent: AttachToRecent | None = None) -> None:
        self._redis = redis
        self._attach_to_recent = attach_to_recent

    async def add(self, sender: str, kind: str, ref: str, now: datetime | None = None) -> str | None:
        """Keep one; the number of the case it went onto, or None when it waits for the application."""
        item = Attachment(kind, ref, now or datetime.now(timezone.utc))
        if self._attach_to_recent is not None:
            try:
                number = await asyncio.to_thread(self._attach_to_recent, sender, item)
            except Exception as exc:  # noqa: BLE001 - the database down: keep it for the application instead
                log.warning("attachment not put on a case (%s): kept for the application", type(exc).__name__)
                number = None
            if number:
                return number
        try:
            pipe = self._redis.pipeline(transaction=True)
            pipe.rpush(_key(sender), json.dumps(item.as_json()))
            pipe.ltrim(_key(sender), -MAX_PENDING, -1)
            pipe.expire(_key(sender), KEEP_SECONDS)
            await pipe.execute()
        except (RedisError, OSError) as exc:
            log.warning("attachment not kept (Redis unavailable: %s)", type(exc).__name__)
        return None

    async def peek(self, sender: str) -> tuple[Attachment, ...]:
        """What waits for this conversation's application (nothing when Redis is down)."""
        try:
            raw = await self._redis.lrange(_key(sender), 0, -1)
        except (RedisError, OSError):
            return ()
        return tuple(Attachment.from_json(json.loads(r)) for r in raw)

    async def clear(self, sender: str) -> None:
        """Once the application that took them is filed."""
        try:
            await self._redis.delete(_key(sender))
        except (RedisError, OSError):
            pass
