"""Composition of the notifier's doors from the settings (inside the notifier's own event loop): WeChat and
Telegram when configured, the web chat always. Returns the doors and what to close at the end."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import httpx
import redis.asyncio as aioredis

from connectors.notices import TelegramNotices, WebChatNotices, WeChatNotices
from connectors.wechat_api import WeChatApi
from conversation.inbox import last_heard
from jishijiu.settings import Settings
from streams.notifier import Deliver

Closer = Callable[[], Awaitable[Any]]


def notice_doors(settings: Settings, session_factory: Any) -> tuple[dict[str, Deliver], list[Closer]]:
    redis = aioredis.Redis.from_url(settings.redis_url, socket_connect_timeout=1.0, socket_timeout=5.0)
    closers: list[Closer] = [redis.aclose]
    doors: dict[str, Deliver] = {"webchat": WebChatNotices(redis)}
    if settings.wechat_token:
        http = httpx.AsyncClient(timeout=10)
        closers.append(http.aclose)
        api = WeChatApi(settings.wechat_api_base, settings.wechat_app_id, settings.wechat_secret, redis, http)
        link = f"{settings.public_url}/chat" if settings.public_url else ""
        doors["wechat"] = WeChatNotices(api, partial(last_heard, session_factory), settings.wechat_template_id, link)
    if settings.telegram_token:
        from telegram import Bot
        bot = Bot(settings.telegram_token, base_url=f"{settings.telegram_api_base}/bot")
        closers.append(bot.shutdown)
        doors["telegram"] = TelegramNotices(bot)
    return doors, closers
