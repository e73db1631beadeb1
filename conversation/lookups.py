"""Status look-ups by case number + the phone's last 4 digits: case numbers are sequential and 4 digits are few, so
failures are counted per resident, per case and per client address, and a case whose look-ups keep failing is
locked for a while (an honest resident is told to call 12345). Redis down: look-ups are refused for the moment
(fail closed), since nothing could be counted."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError


@dataclass(frozen=True)
class LookupLimits:
    per_sender: int = 5          # failures in `window` seconds before this resident may not try again
    per_case: int = 5            # failures against one case before its look-ups are locked for `lock` seconds
    per_client: int = 20         # failures from one client address in `window` seconds
    window: int = 15 * 60
    lock: int = 60 * 60


def _h(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


class LookupGuard:
    def __init__(self, redis: Redis, limits: LookupLimits = LookupLimits()) -> None:
        self._redis = redis
        self._limits = limits

    def _keys(self, sender: str, case_number: str, client: str | None) -> list[tuple[str, int, int]]:
        """(key, limit, seconds) for each count that applies."""
        lim = self._limits
        keys = [(f"jsj:lookup:sender:{_h(sender)}", lim.per_sender, lim.window),
                (f"jsj:lookup:case:{_h(case_number.strip().upper())}", lim.per_case, lim.lock)]
        if client:
            keys.append((f"jsj:lookup:client:{_h(client)}", lim.per_client, lim.window))
        return keys

    async def allowed(self, sender: str, case_number: str, client: str | None = None) -> bool:
        try:
            counts = await self._redis.mget([k for k, _, _ in self._keys(sender, case_number, client)])
        except (RedisError, OSError):
            return False
        return all(int(c or 0) < limit for c, (_, limit, _) in zip(counts, self._keys(sender, case_number, client)))

    async def failed(self, sender: str, case_number: str, client: str | None = None) -> None:
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                for key, _, seconds in self._keys(sender, case_number, client):
                    pipe.incr(key)
                    pipe.expire(key, seconds, nx=True)
                await pipe.execute()
        except (RedisError, OSError):
            pass
