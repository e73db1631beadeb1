"""Each door's way of delivering a notice to the resident (the worker's notifier calls them; cases/notifications.py
says what each outcome means).

- WeChat: a customer-service message while the resident wrote within the last 48 hours (WeChat's rule); otherwise
  a template message when one is configured; otherwise the notice waits (the web status view shows the case's
  progress, and the notifier tries again when the resident writes again).
- Telegram: sendMessage to the chat.
- Web chat: the notice joins the session's conversation, shown on the page's next load; an expired session waits.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from redis.asyncio import Redis
from redis.exceptions import RedisError
from telegram import Bot
from telegram.error import BadRequest, Forbidden, TelegramError

from cases.notifications import Notice, Outcome
from connectors.wechat import split_bytes
from connectors.wechat_api import OUT_OF_WINDOW, TRANSPORT_FAILED, UNREACHABLE, WeChatApi
from connectors.webchat import history_key, remember

CUSTOM_MESSAGE_WINDOW = timedelta(hours=48)
LastHeard = Callable[[str], "datetime | None"]      # conversation id → when the resident last wrote (sync: the DB)


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _channel_id(notice: Notice) -> str:
    return notice.recipient.split(":", 1)[1]


class WeChatNotices:
    def __init__(self, api: WeChatApi, last_heard: LastHeard, template_id: str = "", link: str = "",
                 clock: Callable[[], datetime] = _utc_now) -> None:
        self._api = api
        self._last_heard = last_heard
        self._template = template_id
        self._link = link
        self._clock = clock

    async def __call__(self, notice: Notice) -> Outcome:
        openid = _channel_id(notice)
        heard = await asyncio.to_thread(self._last_heard, notice.recipient)
        if heard is not None and self._clock() - heard < CUSTOM_MESSAGE_WINDOW:
            codes = [await self._api.custom_text(openid, piece) for piece in split_bytes(notice.text)]
            code = next((c for c in codes if c), 0)
            if code == 0:
                return Outcome.delivered("custom_message")
            if code in UNREACHABLE:
                return Outcome.failed(f"WeChat errcode {code}")
            if code not in OUT_OF_WINDOW:
                return Outcome.retry(f"WeChat errcode {code}" if code != TRANSPORT_FAILED else "WeChat unreachable")
        if not self._template:
            return Outcome.waiting("微信 48 小时内没有该用户的消息，且未配置模板消息 / outside WeChat's 48 h, no template")
        code = await self._api.template(openid, self._template, {
            "first": notice.text, "keyword1": notice.case_number or "—",
            "keyword2": notice.created_at.astimezone(timezone(timedelta(hours=8))).strftime("%Y-%m-%d %H:%M"),
        }, url=self._link or None)
        if code == 0:
            return Outcome.delivered("template")
        if code in UNREACHABLE:
            return Outcome.failed(f"WeChat errcode {code}")
        return Outcome.retry(f"WeChat template errcode {code}")


class TelegramNotices:
    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def __call__(self, notice: Notice) -> Outcome:
        try:
            await self._bot.send_message(int(_channel_id(notice)), notice.text)
        except (Forbidden, BadRequest) as exc:       # blocked by the user, or no such chat: retrying cannot help
            return Outcome.failed(f"Telegram: {exc.__class__.__name__}")
        except TelegramError as exc:                 # network, time-out, flood control: later
            return Outcome.retry(f"Telegram: {exc.__class__.__name__}")
        except ValueError:
            return Outcome.failed("not a Telegram chat id")
        return Outcome.delivered("telegram")


class WebChatNotices:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def __call__(self, notice: Notice) -> Outcome:
        session_id = _channel_id(notice)
        try:
            if not await self._redis.exists(history_key(session_id)):
                return Outcome.waiting("网页会话已过期：凭编号和手机号后四位可查 / the web session has expired")
            await remember(self._redis, session_id, [{"who": "bot", "text": notice.text, "buttons": [],
                                                      "notice": True}])
        except (RedisError, OSError) as exc:
            return Outcome.retry(f"Redis: {exc.__class__.__name__}")
        return Outcome.delivered("webchat")
