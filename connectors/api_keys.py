"""Who may use POST /api/chat: trusted back ends (a city app), each with a name and a key.

JISHIJIU_API_KEYS="cityapp:<key>,kiosk:<key>". A request carries `Authorization: Bearer <key>`; the key decides the
client's name, and the client speaks only in its own sender namespace `api-<name>:<user_id>` — never as a WeChat,
Telegram or hotline user. Keys are compared in constant time and never logged.
"""
from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,23}")
KEY = re.compile(r"[A-Za-z0-9_-]{24,128}")
SENDER_PREFIX = "api-"


class ApiKeysError(ValueError):
    """A malformed JISHIJIU_API_KEYS; the message never contains a key."""


@dataclass(frozen=True)
class ApiKeys:
    by_name: Mapping[str, str]

    def client(self, authorization: str | None) -> str | None:
        """The name of the client whose key the header carries ("Bearer <key>"), or None."""
        scheme, _, key = (authorization or "").strip().partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            return None
        offered = key.strip().encode()
        found = None
        for name, expected in self.by_name.items():        # every key compared, in constant time
            if hmac.compare_digest(offered, expected.encode()):
                found = name
        return found

    def __bool__(self) -> bool:
        return bool(self.by_name)


def parse_api_keys(value: str) -> ApiKeys:
    """'cityapp:KEY,kiosk:KEY' → ApiKeys; ApiKeysError names the bad pair by its name or position only."""
    by_name: dict[str, str] = {}
    for i, pair in enumerate(p.strip() for p in value.split(",")):
        if not pair:
            continue
        name, sep, key = pair.partition(":")
        name, key = name.strip(), key.strip()
        if not sep or not NAME.fullmatch(name):
            raise ApiKeysError(f"pair {i + 1}: expected name:key with a name of a-z, 0-9 and - (at most 24)")
        if not KEY.fullmatch(key):
            raise ApiKeysError(f"key of {name!r}: expected 24–128 characters of A-Z a-z 0-9 - _")
        if name in by_name:
            raise ApiKeysError(f"name {name!r} is given twice")
        if key in by_name.values():
            raise ApiKeysError(f"the key of {name!r} is also another client's key")
        by_name[name] = key
    return ApiKeys(by_name)


def new_key() -> str:
    """A fresh random key (what `jishijiu api-key NAME` prints)."""
    return secrets.token_urlsafe(32)


def sender_channel(name: str) -> str:
    """The channel part of the client's senders: 'api-cityapp' (sender 'api-cityapp:<user_id>')."""
    return f"{SENDER_PREFIX}{name}"
