"""Server-side console sessions in Redis: a random id in a signed, HttpOnly, SameSite=Strict cookie; the account
is kept on the server (its role and scope are never read from the request); idle sessions end."""
from __future__ import annotations

import json
from dataclasses import asdict
from datetime import timedelta

from redis.asyncio import Redis

from connectors.session import SessionSigner
from console.accounts import Account
from console.roles import Role, Scope

IDLE = timedelta(minutes=30)


def _key(session_id: str) -> str:
    return f"jishijiu:console:session:{session_id}"


class ConsoleSessions:
    def __init__(self, redis: Redis, signer: SessionSigner, idle: timedelta = IDLE) -> None:
        self._redis = redis
        self.signer = signer
        self._idle = int(idle.total_seconds())

    async def open(self, account: Account) -> tuple[str, str]:
        """A new session for a signed-in account (a new id: no fixation); (session id, cookie value)."""
        session_id, cookie = self.signer.new()
        data = {**asdict(account), "role": account.role.value, "scope": asdict(account.scope),
                "locked_until": None, "last_login_at": None}
        await self._redis.set(_key(session_id), json.dumps(data, ensure_ascii=False), ex=self._idle)
        return session_id, cookie

    async def account(self, session_id: str) -> Account | None:
        """The session's account, and its idle time starts again; None when it ended."""
        raw = await self._redis.get(_key(session_id))
        if raw is None:
            return None
        await self._redis.expire(_key(session_id), self._idle)
        d = json.loads(raw)
        return Account(d["id"], d["username"], d["display_name"], Role(d["role"]), Scope(**d["scope"]),
                       d["disabled"], None, None)

    async def close(self, session_id: str) -> None:
        await self._redis.delete(_key(session_id))

