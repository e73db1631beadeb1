"""身份证号 and phone answers: find the masked token, take the clear value from the vault, validate it."""
from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

from redis.exceptions import RedisError

from actions import parsing
from actions.wording import say
from cases.errors import InvalidIdNumber, InvalidPhone
from cases.identity import IdNumber, PhoneNumber, parse_id_number, parse_phone
from conversation.vault import PersonalDataVault

log = logging.getLogger(__name__)
Kind = Literal["id", "phone"]
V = TypeVar("V", IdNumber, PhoneNumber)


@dataclass(frozen=True)
class Answer:
    """A checked answer: the masked token to keep in the slot, or the Chinese reason it was not accepted."""

    token: str | None = None
    problem: str | None = None


@dataclass(frozen=True)
class _Spec:
    find: Callable[[str], str | None]
    clear: re.Pattern[str]
    parse: Callable[[str], IdNumber | PhoneNumber]
    error: type[Exception]
    prefix: str                  # key prefix in replies.yaml: id_ / phone_


_SPECS: dict[Kind, _Spec] = {
    "id": _Spec(parsing.find_id_token, parsing.CLEAR_ID, parse_id_number, InvalidIdNumber, "id"),
    "phone": _Spec(parsing.find_phone_token, parsing.CLEAR_MOBILE, parse_phone, InvalidPhone, "phone"),
}


async def _token(vault: PersonalDataVault, sender: str, text: str, spec: _Spec) -> str | None:
    """The masked token in the text; a clear number that slipped through (spaces, no gateway) is vaulted first."""
    token = spec.find(text)
    if token is None and spec.clear.search(parsing.compact(text)):
        token = spec.find(await vault.mask(sender, parsing.compact(text)))
    return token


async def check_answer(vault: PersonalDataVault, sender: str, text: str, kind: Kind) -> Answer:
    """Validate an 身份证号 ('id') or mobile ('phone') answer; the slot keeps only the masked token."""
    spec = _SPECS[kind]
    token = await _token(vault, sender, text, spec)
    if token is None:
        raw = parsing.longest_number(text)
        if raw and len(raw) >= 6:
            try:
                spec.parse(raw)
            except spec.error as exc:
                return Answer(problem=say(f"{spec.prefix}_invalid", reason=getattr(exc, "message_zh")))
        return Answer(problem=say(f"{spec.prefix}_missing"))
    clear = await vault.reveal(sender, token)
    if clear is None:
        return Answer(problem=say(f"{spec.prefix}_expired"))
    try:
        spec.parse(clear)
    except spec.error as exc:
        return Answer(problem=say(f"{spec.prefix}_invalid", reason=getattr(exc, "message_zh")))
    return Answer(token=token)


async def reveal_id_number(vault: PersonalDataVault, sender: str, token: str | None) -> IdNumber | None:
    """The validated 身份证号 behind a slot's token, or None (expired, purged, invalid)."""
    return await _reveal(vault, sender, token, parse_id_number)  # type: ignore[arg-type]


async def reveal_phone(vault: PersonalDataVault, sender: str, token: str | None) -> PhoneNumber | None:
    """The validated mobile behind a slot's token, or None."""
    return await _reveal(vault, sender, token, parse_phone)  # type: ignore[arg-type]


async def _reveal(vault: PersonalDataVault, sender: str, token: str | None, parse: Callable[[str], V]) -> V | None:
    if not token:
        return None
    clear = await vault.reveal(sender, token)
    if clear is None:
        return None
    try:
        return parse(clear)
    except (InvalidIdNumber, InvalidPhone):
        return None


async def forget_numbers(vault: PersonalDataVault, sender: str) -> None:
    """Purge the sender's vaulted numbers; a Redis hiccup is logged, never allowed to undo a reply (the vault
    entries expire on their own)."""
    try:
        await vault.purge(sender)
    except RedisError as exc:
        log.error("vault not purged (expires by itself): %s", exc.__class__.__name__)
