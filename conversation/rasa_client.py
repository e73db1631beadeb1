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


# Longer than the store's own limits (jishijiu/db.py: 8 s a statement) plus Rasa's and the actions' own work: the
# gateway never gives up on a turn whose case is still being filed.
RASA_WAIT_SECONDS = 20.0
CHANNEL_PATH = "/webhooks/gateway/webhook"          # bot/gateway_channel.py: Rasa's only input channel
CHANNEL_HEADER = "X-Jishijiu-Rasa-Token"


class RasaClient:
    def __init__(self, base_url: str, token: str = "", timeout: float = RASA_WAIT_SECONDS) -> None:
        """`token`: what Rasa was started with (--auth-token for its API, and bot/gateway_channel.py's header)."""
        self._http = httpx.AsyncClient(base_url=base_url, timeout=httpx.Timeout(timeout, connect=1.0),
                                       headers={CHANNEL_HEADER: token})
        self._auth = {"token": token} if token else {}

    async def send(self, sender: str, message: str, metadata: dict[str, object]) -> list[BotReply]:
        """One user turn through Rasa's REST channel; the bot's replies in order."""
        try:
            response = await self._http.post(CHANNEL_PATH,
                                             json={"sender": sender, "message": message, "metadata": metadata})
        except httpx.HTTPError as exc:
            raise UpstreamUnavailable(str(exc.__class__.__name__)) from exc
        if response.status_code != 200:
            raise UpstreamUnavailable(f"rasa answered {response.status_code}")
        try:
            body = response.json()
        except ValueError as exc:
            raise UpstreamUnavailable("rasa answered non-JSON") from exc
        replies = [r for r in (_reply(item) for item in body if isinstance(item, dict)) if r is not None]
        if not replies:          # an action that failed inside Rasa answers nothing: not an answer for a resident
            raise UpstreamUnavailable("rasa answered nothing")
        return replies

    async def state(self, sender: str) -> ConversationState:
        """The form the conversation is in and whether it already has an emergency case (empty when Rasa is
        unreachable)."""
        try:
            response = await self._http.get(f"/conversations/{sender}/tracker",
                                            params={"include_events": "NONE", **self._auth})
            body = response.json() if response.status_code == 200 else {}
        except (httpx.HTTPError, ValueError):
            return ConversationState()
        slots = body.get("slots") or {}
        return ConversationState((body.get("active_loop") or {}).get("name"),
                                 slots.get("emergency_case_number") or slots.get("completing_case"))

    async def up(self) -> bool:
        """Rasa answers its status with a model loaded (within 2 s)."""
        try:
            response = await self._http.get("/status", params=self._auth, timeout=2.0)
            return response.status_code == 200 and bool(response.json().get("model_file"))
        except (httpx.HTTPError, ValueError):
            return False

    async def aclose(self) -> None:
        await self._http.aclose()
