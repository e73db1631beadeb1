"""The doors the gateway mounts once its components run: the residents' mobile web chat always, WeChat and
Telegram when configured, and the staff console. Returns what must be closed at shutdown."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import httpx
from fastapi import FastAPI

from actions.places import resolve_place
from cases.divisions import Divisions, cached_divisions
from cases.encryption import build_cipher, load_secret_key
from cases.errors import UnknownDivision
from cases.service import case_numbers_of_sender, get_case, list_cases
from connectors.session import SessionSigner
from connectors.telegram import TelegramDoor
from connectors.wechat import WeChatDoor
from connectors.wechat_api import WeChatApi
from connectors.webchat import WebChat
from console.assisted_chat import AssistedChat
from console.case_pages import CasePages
from console.handoffs import Handoffs
from console.sessions import ConsoleSessions
from console.supervision import Supervision
from console.web import Console
from jishijiu.settings import Settings

Closer = Callable[[], Awaitable[Any]]


def _division_named(divisions: Divisions, words: str) -> str | None:
    """The division a WeChat location's label names ("山东省济宁市汶上县南站镇…"), or None outside Jining's data."""
    try:
        return resolve_place(divisions, words).code
    except UnknownDivision:
        return None


def mount_doors(app: FastAPI, settings: Settings, session_factory: Any) -> list[Closer]:
    state = app.state
    closers: list[Closer] = []
    state.webchat = WebChat(state.chat, SessionSigner(load_secret_key(settings)), state.rate_limiter, state.redis,
                            partial(get_case, session_factory), partial(case_numbers_of_sender, session_factory),
                            secure_cookie=settings.public_url.startswith("https://"), guard=state.lookups)
    app.include_router(state.webchat.router())
    console = Console(ConsoleSessions(state.redis, SessionSigner(load_secret_key(settings), "console")),
                      session_factory, partial(list_cases, session_factory, open_only=True, limit=2000),
                      secure_cookie=settings.public_url.startswith("https://"))
    app.include_router(console.router())
    cipher = build_cipher(settings)
    app.include_router(CasePages(console, session_factory, cipher).router())
    app.include_router(AssistedChat(console, session_factory, cipher, cached_divisions(settings.divisions_file),
                                    state.retriever, settings.qa_threshold, state.triage_config,
                                    state.redis).router())
    app.include_router(Handoffs(console, session_factory, state.handoff_pause).router())
    app.include_router(Supervision(console, session_factory, cached_divisions(settings.divisions_file)).router())
    if settings.wechat_token:
        http = httpx.AsyncClient(timeout=10)
        closers.append(http.aclose)
        api = WeChatApi(settings.wechat_api_base, settings.wechat_app_id, settings.wechat_secret, state.redis, http)
        app.include_router(WeChatDoor(state.chat, settings.wechat_token, settings.wechat_app_id,
                                      settings.wechat_aes_key or None, api, state.rate_limiter, state.redis,
                                      settings.wechat_reply_within, attachments=state.attachments,
                                      place_of=partial(_division_named, cached_divisions(settings.divisions_file))
                                      ).router())
    if settings.telegram_token:
        from telegram import Bot
        bot = Bot(settings.telegram_token, base_url=f"{settings.telegram_api_base}/bot")
        closers.append(bot.shutdown)
        app.include_router(TelegramDoor(state.chat, bot, settings.telegram_secret, state.rate_limiter,
                                        state.redis).router())
    return closers
