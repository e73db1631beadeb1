"""Streams keep entries for a bounded time (retention): XTRIM MINID on every jsj:* stream."""
from __future__ import annotations

from datetime import datetime, timedelta

from redis import Redis

from streams.routing import PREFIX


def trim_streams(redis: Redis, now: datetime, keep: timedelta) -> dict[str, int]:
    """Entries older than `keep` removed from each of our streams; how many per stream."""
    oldest = int((now - keep).timestamp() * 1000)
    trimmed = {}
    for key in redis.scan_iter(match=f"{PREFIX}:*", _type="STREAM"):
        name = key.decode() if isinstance(key, bytes) else key
        trimmed[name] = redis.xtrim(name, minid=f"{oldest}-0", approximate=False)
    return trimmed
