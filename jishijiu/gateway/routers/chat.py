"""POST /api/chat: the web channel (and the console and other connectors) into the conversation."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from conversation.chat import ChatService
from nlu.textinput import InvalidText, require_text

router = APIRouter(prefix="/api", tags=["conversation"])
MAX_CHAT_CHARS = 2000
CHANNELS = ("webchat", "wechat", "telegram", "hotline", "qr")

Scalar = str | int | float | bool | None


class ChatRequest(BaseModel):
    user_id: str = Field(min_length=1, max_length=100, description="Channel-scoped id of the resident or caller.")
    text: str = Field(description=f"What the resident typed, 1–{MAX_CHAT_CHARS} characters; a button's payload.")
    metadata: dict[str, Scalar] = Field(default_factory=dict, description=(
        "channel (webchat, wechat, telegram, hotline, qr), village_code from a QR poster, agent_id for 12345."))


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


@router.post("/chat", response_model=ChatResponse)
async def chat(body: ChatRequest, service: Annotated[ChatService, Depends(get_chat)]) -> ChatResponse:
    text = require_text(body.text, MAX_CHAT_CHARS, "消息", "The message")
    user_id = body.user_id.strip()
    if not user_id:
        raise InvalidText("缺少用户标识 user_id。", "user_id must not be blank.")
    channel = str(body.metadata.get("channel") or "webchat")
    if channel not in CHANNELS:
        raise InvalidText(f"不认识的渠道：{channel}。", f"Unknown channel {channel!r}; use one of {', '.join(CHANNELS)}.")
    result = await service.handle(channel, user_id, text, dict(body.metadata))
    return ChatResponse(
        user_id=user_id,
        replies=[ReplyOut(text=r.text, buttons=[ButtonOut(title=b.title, payload=b.payload) for b in r.buttons])
                 for r in result.replies],
        degraded=result.degraded,
    )
