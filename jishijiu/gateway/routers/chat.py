"""POST /api/chat: the integration API for trusted back ends (a city app) into the conversation.

A client proves who it is with `Authorization: Bearer <key>` (JISHIJIU_API_KEYS); its senders live in its own
namespace `api-<name>:<user_id>`, so it can never speak as a WeChat, Telegram or hotline user, nor read their
applications. Without a valid key: 401 and nothing recorded. Over the rate limit: 429 and nothing processed."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from pydantic import BaseModel, Field, field_validator

from connectors.api_keys import sender_channel
from conversation.chat import ChatService
from jishijiu.gateway.errors import Forbidden, NotAuthenticated, TooManyRequests
from nlu.textinput import InvalidText, require_text

router = APIRouter(prefix="/api", tags=["conversation"])
MAX_CHAT_CHARS = 2000
# What a client may say its message came through: its own app (api), or a village poster's QR code it relayed (qr).
ORIGINS = {"api": "api", "webchat": "api", "qr": "qr"}
# Doors that decide their senders themselves (a signed message, a webhook secret, an agent's login).
CLAIMED_BY_THEIR_OWN_DOOR = ("wechat", "telegram", "hotline")

Scalar = str | int | float | bool | None
MAX_METADATA_KEYS = 16
MAX_METADATA_KEY = 32
MAX_METADATA_VALUE = 200


class ChatRequest(BaseModel):
    user_id: str = Field(min_length=1, max_length=100, description="Channel-scoped id of the resident or caller.")
    text: str = Field(description=f"What the resident typed, 1–{MAX_CHAT_CHARS} characters; a button's payload.")
    message_id: str | None = Field(default=None, min_length=1, max_length=64, description=(
        "The client's own id for this message: a retry with the same id gets the same replies and is never "
        "processed twice (no second case), also when both arrive at once."))
    metadata: dict[str, Scalar] = Field(default_factory=dict, description=(
        "channel: api (default) or qr (a relayed poster scan, with village_code); wechat, telegram and hotline are "
        "refused (403): those doors identify their users themselves."))

    @field_validator("metadata")
    @classmethod
    def _small(cls, metadata: dict[str, Scalar]) -> dict[str, Scalar]:
        """A few short keys and values: the conversation needs no more, and nothing big reaches Rasa's tracker."""
        if len(metadata) > MAX_METADATA_KEYS:
            raise ValueError(f"metadata has at most {MAX_METADATA_KEYS} keys")
        for key, value in metadata.items():
            if not 0 < len(key) <= MAX_METADATA_KEY:
                raise ValueError(f"metadata keys have 1 to {MAX_METADATA_KEY} characters")
            if isinstance(value, str) and len(value) > MAX_METADATA_VALUE:
                raise ValueError(f"metadata values have at most {MAX_METADATA_VALUE} characters")
        return metadata


class ButtonOut(BaseModel):
    title: str
    payload: str


class ReplyOut(BaseModel):
    text: str
    buttons: list[ButtonOut] = Field(default_factory=list)


class ChatResponse(BaseModel):
    user_id: str
    replies: list[ReplyOut]
    degraded: bool = Field(description="True when the bot was unavailable and the gateway answered by itself.")


def get_chat(request: Request) -> ChatService:
    return request.app.state.chat


def api_client(request: Request, authorization: Annotated[str | None, Header()] = None) -> str:
    """The calling back end's name, from its key; 401 before anything else is read or recorded."""
    name = request.app.state.api_keys.client(authorization)
    if name is None:
        raise NotAuthenticated()
    return name


@router.post("/chat", response_model=ChatResponse, responses={401: {"description": "no valid key"},
                                                               403: {"description": "a channel claimed elsewhere"},
                                                               429: {"description": "over the rate limit"}})
async def chat(request: Request, client: Annotated[str, Depends(api_client)], body: ChatRequest,
               service: Annotated[ChatService, Depends(get_chat)]) -> ChatResponse:
    text = require_text(body.text, MAX_CHAT_CHARS, "消息", "The message")
    user_id = body.user_id.strip()
    if not user_id:
        raise InvalidText("缺少用户标识 user_id。", "user_id must not be blank.")
    said = str(body.metadata.get("channel") or "api")
    if said in CLAIMED_BY_THEIR_OWN_DOOR:
        raise Forbidden(f"{said} 渠道的用户只能从它自己的入口接入，不能通过这个接口代发。",
                        f"The {said} channel identifies its own users; it cannot be claimed through /api/chat.")
    if said not in ORIGINS:
        raise InvalidText(f"不认识的渠道：{said}。", f"Unknown channel {said!r}; use api or qr.")
    channel = sender_channel(client)
    allowed = await request.app.state.rate_limiter.allow(f"{channel}:{user_id}",
                                                         request.client.host if request.client else None)
    if not allowed:
        raise TooManyRequests()
    result = await service.handle(channel, user_id, text, {**body.metadata, "channel": ORIGINS[said]},
                                  message_id=body.message_id)
    return ChatResponse(
        user_id=user_id,
        replies=[ReplyOut(text=r.text, buttons=[ButtonOut(title=b.title, payload=b.payload) for b in r.buttons])
                 for r in result.replies],
        degraded=result.degraded,
    )
