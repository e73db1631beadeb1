"""Telegram (python-telegram-bot 22): the webhook /telegram/webhook inside the gateway.

Telegram proves a request is its own with the secret set on the webhook (header X-Telegram-Bot-Api-Secret-Token):
anything else is 403 and nothing is processed. The sender is `telegram:<chat id>` from the update Telegram signed
for, never from anything else. Text messages and inline-keyboard buttons go into the same conversation; the
replies go back with sendMessage (buttons as an inline keyboard). Telegram retries an update it thinks was not
delivered: each update_id is processed once, across gateway workers (Redis). Off (404) when TELEGRAM_TOKEN is unset.
"""
from __future__ import annotations

import hmac
import logging
from pathlib import Path
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Header, Request
from pydantic import BaseModel, ConfigDict
from redis.asyncio import Redis
from redis.exceptions import RedisError
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from connectors.base import Connector, DoorRefused
from connectors.ratelimit import RateLimiter
from conversation.chat import ChatService
from conversation.rasa_client import BotReply
from nlu.textinput import InvalidText, require_text

log = logging.getLogger(__name__)
WORDING = Path(__file__).with_name("data") / "telegram.yaml"
MAX_TEXT = 4096               # Telegram's limit for one message
MAX_CALLBACK_BYTES = 64       # Telegram's limit for a button's callback_data
SEEN_SECONDS = 86_400


class TelegramWording(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    not_text: str
    too_fast: str


def keyboard(reply: BotReply) -> InlineKeyboardMarkup | None:
    """The reply's buttons as an inline keyboard, one per row; a payload too long for Telegram sends its title."""
    rows = []
    for b in reply.buttons:
        data = b.payload if len(b.payload.encode()) <= MAX_CALLBACK_BYTES else b.title
        if len(data.encode()) <= MAX_CALLBACK_BYTES:
            rows.append([InlineKeyboardButton(b.title, callback_data=data)])
    return InlineKeyboardMarkup(rows) if rows else None


def chunks(text: str, size: int = MAX_TEXT) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]


class TelegramDoor(Connector):
    name = "telegram"

    def __init__(self, chat: ChatService, bot: Bot, secret: str, limiter: RateLimiter, redis: Redis,
                 wording: TelegramWording | None = None) -> None:
        self._chat = chat
        self._bot = bot
        self._secret = secret
        self._limiter = limiter
        self._redis = redis
        self._say = wording or TelegramWording.model_validate(yaml.safe_load(WORDING.read_text(encoding="utf-8")))

    async def _first_time(self, update_id: int) -> bool:
        """True once per update_id (Telegram's retries come back with the same one); True when Redis is down."""
        try:
            return bool(await self._redis.set(f"jishijiu:telegram:update:{update_id}", 1, nx=True, ex=SEEN_SECONDS))
        except (RedisError, OSError):
            return True

    async def _send(self, chat_id: int, replies: list[BotReply]) -> None:
        for reply in replies:
            parts = chunks(reply.text)
            for i, part in enumerate(parts):
                try:
                    await self._bot.send_message(chat_id, part, reply_markup=keyboard(reply) if i == len(parts) - 1
                                                 else None)
                except TelegramError as exc:          # logged; the message itself is recorded already
                    log.warning("telegram sendMessage failed: %s", exc.__class__.__name__)
                    return

    async def receive(self, data: dict[str, Any], client_address: str | None) -> None:
        update = Update.de_json(data, self._bot)
        if update is None or not await self._first_time(update.update_id):
            return
        chat = update.effective_chat
        if chat is None:
            return
        text: str | None = None
        if update.callback_query is not None:
            text = update.callback_query.data
            try:
                await update.callback_query.answer()
            except TelegramError:
                pass
        elif update.message is not None:
            text = update.message.text
        if text is None:
            await self._send(chat.id, [BotReply(self._say.not_text)])
            return
        if not await self._limiter.allow(self.sender(str(chat.id)), client_address):
            await self._send(chat.id, [BotReply(self._say.too_fast)])
            return
        try:
            text = require_text(text, MAX_TEXT, "消息", "The message")
        except InvalidText as exc:
            await self._send(chat.id, [BotReply(exc.message_zh)])
            return
        result = await self._chat.handle(self.name, str(chat.id), text, {"channel": "telegram"},
                                         message_id=str(update.update_id))
        await self._send(chat.id, result.replies)

    def router(self) -> APIRouter:
        router = APIRouter(tags=["telegram"])

        @router.post("/telegram/webhook", include_in_schema=False)
        async def webhook(request: Request, x_telegram_bot_api_secret_token: Annotated[str | None, Header()] = None
                          ) -> dict[str, bool]:
            if not hmac.compare_digest((x_telegram_bot_api_secret_token or "").encode(), self._secret.encode()):
                raise DoorRefused(403, "不是来自 Telegram 的请求。",
                                  "Not a request from Telegram (wrong or missing secret token).")
            try:
                data = await request.json()
            except ValueError:
                raise InvalidText("不是有效的 JSON。", "The body is not valid JSON.") from None
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                raise InvalidText("不是 Telegram 的更新。", "Not a Telegram update.")
            await self.receive(data, request.client.host if request.client else None)
            return {"ok": True}

        return router
