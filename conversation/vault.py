"""Keeps the clear 身份证号 and phone numbers a resident types out of Rasa: masked tokens go to the bot,
the clear values wait here (encrypted, per sender, expiring) until an action needs them."""
from __future__ import annotations

import hashlib
import re

from redis.asyncio import Redis

from cases.encryption import PersonalDataCipher
from nlu.masking import mask_id_number, mask_phone

VAULT_TTL_SECONDS = 24 * 3600
# Candidates, not validated: a 15–18 character ID-like run or a mainland mobile. Validation happens in the form.
_ID_LIKE = re.compile(r"(?<![0-9A-Za-z*])(\d{14,17}[0-9Xx])(?![0-9A-Za-z*])")
_MOBILE = re.compile(r"(?<![0-9*])(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?![0-9*])")


def _key(sender: str) -> str:
    return "jsj:vault:" + hashlib.sha256(sender.encode()).hexdigest()


class PersonalDataVault:
    def __init__(self, redis: Redis, cipher: PersonalDataCipher, ttl: int = VAULT_TTL_SECONDS) -> None:
        self._redis = redis
        self._cipher = cipher
        self._ttl = ttl

    async def mask(self, sender: str, text: str) -> str:
        """Replace ID numbers and mobiles in `text` by masked tokens, keeping the clear values for `sender`."""
        found: dict[str, str] = {}

        def _id(m: re.Match[str]) -> str:
            token = mask_id_number(m.group(1))
            found[token] = m.group(1).upper()
            return token

        def _phone(m: re.Match[str]) -> str:
            clear = m.group(1) + m.group(2) + m.group(3)
            token = mask_phone(clear)
            found[token] = clear
            return token

        masked = _MOBILE.sub(_phone, _ID_LIKE.sub(_id, text))
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
