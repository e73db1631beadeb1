"""Keeps the clear 身份证号 and phone numbers a resident types out of Rasa: masked tokens go to the bot,
the clear values wait here (encrypted, per sender, expiring) until an action needs them."""
from __future__ import annotations

import hashlib

from redis.asyncio import Redis

from cases.encryption import PersonalDataCipher
from nlu.masking import mask_personal_data

VAULT_TTL_SECONDS = 24 * 3600


def _key(sender: str) -> str:
    return "jsj:vault:" + hashlib.sha256(sender.encode()).hexdigest()


class PersonalDataVault:
    def __init__(self, redis: Redis, cipher: PersonalDataCipher, ttl: int = VAULT_TTL_SECONDS) -> None:
        self._redis = redis
        self._cipher = cipher
        self._ttl = ttl

    async def mask(self, sender: str, text: str) -> str:
        """Replace ID numbers and mobiles in `text` by masked tokens (the project's one masker), keeping the
        clear values for `sender`."""
        found: dict[str, str] = {}
        masked = mask_personal_data(text, lambda f: found.__setitem__(f.token, f.clear))
        if found:
            key = _key(sender)
            sealed = {token: self._cipher.seal(clear, "vault") for token, clear in found.items()}
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.hset(key, mapping=sealed)
                pipe.expire(key, self._ttl)
                await pipe.execute()
        return masked

    async def reveal(self, sender: str, token: str) -> str | None:
        """The clear value behind a masked token this sender typed, or None (expired, purged, never typed)."""
        sealed = await self._redis.hget(_key(sender), token.strip())
        return None if sealed is None else self._cipher.open(sealed, "vault")

    async def purge(self, sender: str) -> None:
        """Forget everything this sender typed (cancel, consent refused, case submitted)."""
        await self._redis.delete(_key(sender))
