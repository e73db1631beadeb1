"""Per-sender and per-address rate limits shared by every connector, counted in Redis across gateway workers.

One-minute windows that start at each sender's (each address's) first request (INCR, then EXPIRE NX): simple, the
same on every worker, and enough to keep one sender or one address from flooding the conversation. When Redis is down the limit is not enforced (the service degrades; it does not stop) and a warning
is logged once per outage.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
WINDOW_SECONDS = 60


@dataclass(frozen=True)
class Limits:
    per_sender: int = 30          # messages a minute: a person typing sends far fewer
    per_address: int = 1200       # a minute from one client address (many people behind one NAT, a back end)


class RateLimiter:
    def __init__(self, redis: Redis, limits: Limits, prefix: str = "jishijiu:rate") -> None:
        self._redis = redis
        self._limits = limits
        self._prefix = prefix
        self._warned = False

    async def allow(self, sender: str | None, address: str | None) -> bool:
        """Count this request against its sender and address; False when either is over its limit."""
        checks: Mapping[str, tuple[str, int]] = {
            scope: (ident, limit) for scope, ident, limit in (("sender", sender, self._limits.per_sender),
                                                              ("address", address, self._limits.per_address))
            if ident}
        try:
            pipe = self._redis.pipeline(transaction=False)
            for scope, (ident, _) in checks.items():
                key = f"{self._prefix}:{scope}:{ident}"
                pipe.incr(key)
                pipe.expire(key, WINDOW_SECONDS, nx=True)
            counts = (await pipe.execute())[::2]
        except (RedisError, OSError) as exc:
            if not self._warned:
                log.warning("rate limit not enforced: Redis unavailable (%s)", exc.__class__.__name__)
                self._warned = True
            return True
        self._warned = False
        return all(count <= limit for count, (_, limit) in zip(counts, checks.values()))
