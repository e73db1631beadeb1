"""Talks to the Rasa server over its HTTP API (REST channel); Rasa is replaceable behind this one module."""
from __future__ import annotations

from dataclasses import dataclass, field

import httpx


class UpstreamUnavailable(RuntimeError):
    """Rasa did not answer (down, starting, timing out or failing): the gateway degrades instead of failing."""

    message_zh = "对话服务暂时不可用"
    message_en = "The conversation engine is unavailable"


@dataclass(frozen=True)
class ConversationState:
    active_loop: str | None = None
    emergency_case: str | None = None      # an emergency already filed in this session (its number)


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class BotReply:
    text: str
    buttons: tuple[Button, ...] = field(default_factory=tuple)


def _reply(raw: dict) -> BotReply | None:
    text = raw.get("text") or ""
    buttons = tuple(Button(str(b.get("title", "")), str(b.get("payload", ""))) for b in raw.get("buttons") or ())
    if not text and not buttons:
        return None
    return BotReply(text, buttons)


class RasaClient:
    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self._http = httpx.AsyncClient(base_url=base_url, timeout=httpx.Timeout(timeout, connect=1.0))

    async def send(self, sender: str, message: str, metadata: dict[str, object]) -> list[BotReply]:
        """One user turn through Rasa's REST channel; the bot's replies in order."""
        try:
            response = await self._http.post("/webhooks/rest/webhook",
                                             json={"sender": sender, "message": message, "metadata": metadata})
        except httpx.HTTPError as exc:
            raise UpstreamUnavailable(str(exc.__class__.__name__)) from exc
        if response.status_code != 200:
            raise UpstreamUnavailable(f"rasa answered {response.status_code}")
        try:
            body = response.json()
        except ValueError as exc:
            raise UpstreamUnavailable("rasa answered non-JSON") from exc
        return [r for r in (_reply(item) for item in body if isinstance(item, dict)) if r is not None]

    async def state(self, sender: str) -> ConversationState:
        """The form the conversation is in and whether it already has an emergency case (empty when Rasa is
        unreachable)."""
        try:
            response = await self._http.get(f"/conversations/{sender}/tracker", params={"include_events": "NONE"})
            body = response.json() if response.status_code == 200 else {}
        except (httpx.HTTPError, ValueError):
            return ConversationState()
        slots = body.get("slots") or {}
        return ConversationState((body.get("active_loop") or {}).get("name"),
                                 slots.get("emergency_case_number") or slots.get("completing_case"))

    async def aclose(self) -> None:
        await self._http.aclose()
