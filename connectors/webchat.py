"""The mobile web chat: GET /chat (a phone-first Chinese page, no build step, nothing fetched from the internet) and
its calls under /chat/api, bound to a server-issued session.

Identity: a random session id in a signed, HttpOnly, SameSite=Strict cookie (connectors/session.py); every call
also carries the CSRF token the page received in its HTML. The sender is `webchat:<session id>`: two browsers are
two residents, and neither can reach the other's conversation or cases. `/chat?v=<division code>` is a village
poster's QR code: the place is preset and the case records the origin `qr`.
"""
from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Cookie, Header, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from redis.asyncio import Redis
from redis.exceptions import RedisError

from cases.errors import CaseNotFound
from cases.states import LABELS
from cases.views import CaseDetail
from connectors.base import Connector, DoorRefused
from connectors.ratelimit import Limits, RateLimiter
from connectors.session import SessionSigner
from conversation.lookups import LookupGuard
from conversation.chat import ChatService
from nlu.masking import mask_personal_data
from nlu.textinput import require_text
from triage import CHINA_TZ

PAGE = Path(__file__).with_name("web") / "chat.html"
COOKIE = "jsj_session"
SESSION_DAYS = 7
HISTORY_LIMIT = 200
MAX_TURN_CHARS = 2000
CASE_NUMBER = re.compile(r"JSJ-\d{8}-\d{4,}")
DIVISION_CODE = re.compile(r"[0-9]{6}(?:[0-9]{3}(?:[0-9]{3})?)?|JN-[A-Z0-9]{2,8}")


def history_key(session_id: str) -> str:
    return f"jishijiu:webchat:history:{session_id}"


async def remember(redis: Redis, session_id: str, entries: list[dict[str, Any]]) -> None:
    """Append masked entries to the session's conversation as the page shows it after a reload (RedisError)."""
    key = history_key(session_id)
    pipe = redis.pipeline(transaction=False)
    pipe.rpush(key, *[json.dumps(e, ensure_ascii=False) for e in entries])
    pipe.ltrim(key, -HISTORY_LIMIT, -1)
    pipe.expire(key, SESSION_DAYS * 86400)
    await pipe.execute()


class TurnIn(BaseModel):
    text: str = Field(description="what the resident typed, or a button's payload")
    v: str | None = Field(default=None, description="the division code of the poster the page was opened from")
    message_id: str | None = Field(default=None, min_length=1, max_length=64,
                                   description="the page's id for this message: a retry gets the same replies")


class LookupIn(BaseModel):
    case_number: str = Field(max_length=32)
    phone_last4: str = Field(max_length=8)


class CaseStatus(BaseModel):
    case_number: str
    status: str
    urgency: str
    submitted_at: datetime
    due_at: datetime | None
    overdue: bool
    history: list[dict[str, str]]


class WebChat(Connector):
    name = "webchat"

    def __init__(self, chat: ChatService, signer: SessionSigner, limiter: RateLimiter, redis: Redis,
                 case_of: Callable[[str], CaseDetail], cases_of: Callable[[str], list[str]],
                 secure_cookie: bool = False, guard: LookupGuard | None = None) -> None:
        self._chat = chat
        self._signer = signer
        self._limiter = limiter
        self._redis = redis
        self._case_of = case_of            # case number → detail (CaseNotFound)
        self._cases_of = cases_of          # sender → its case numbers
        self._secure = secure_cookie
        # looking a case up by number + the phone's last 4 digits: few tries, or the 4 digits could be guessed
        self._lookups = RateLimiter(redis, Limits(per_sender=5, per_address=20), prefix="jishijiu:rate:lookup")
        self._guard = guard                # failures per session, per case (locked for a while) and per address

    # ---- session -------------------------------------------------------------------------------------------
    def _session(self, cookie: str | None, csrf: str | None) -> str:
        session_id = self._signer.session_of(cookie)
        if session_id is None:
            raise DoorRefused(401, "会话已失效，请刷新页面后再试。", "No valid session: reload the page.")
        if not self._signer.csrf_ok(session_id, csrf):
            raise DoorRefused(403, "请求来源不对，请刷新页面后再试。", "Missing or wrong CSRF token.")
        return session_id

    async def _limit(self, request: Request, sender: str | None) -> None:
        if not await self._limiter.allow(sender, request.client.host if request.client else None):
            raise DoorRefused(429, "您发得太快了，请稍等一分钟再发。", "Too many messages: wait a minute.")

    # ---- history (masked, in Redis, for the session's life) -----------------------------------------------
    async def _remember(self, session_id: str, entries: list[dict[str, Any]]) -> None:
        try:
            await remember(self._redis, session_id, entries)
        except (RedisError, OSError):       # the answer still goes out; only the reload loses it
            pass

    async def _history(self, session_id: str) -> list[dict[str, Any]]:
        try:
            raw = await self._redis.lrange(history_key(session_id), 0, -1)
        except (RedisError, OSError):
            return []
        return [json.loads(r) for r in raw]

    # ---- cases ---------------------------------------------------------------------------------------------
    def _status(self, detail: CaseDetail) -> CaseStatus:
        history = [{"at": e.at.astimezone(CHINA_TZ).isoformat(), "label": _event_label(e.action, e.after, e.note)}
                   for e in detail.history
                   if e.action in ("submitted", "referral", "message") or e.after is not None]
        return CaseStatus(case_number=detail.case_number, status=detail.status_label, urgency=detail.urgency.value,
                          submitted_at=detail.submitted_at, due_at=detail.due_at, overdue=detail.overdue,
                          history=history)

    async def _own_cases(self, session_id: str) -> list[CaseStatus]:
        numbers = await asyncio.to_thread(self._cases_of, self.sender(session_id))
        details = [await asyncio.to_thread(self._case_of, n) for n in numbers]
        return [self._status(d) for d in sorted(details, key=lambda d: d.submitted_at, reverse=True)]

    # ---- routes --------------------------------------------------------------------------------------------
    def router(self) -> APIRouter:
        router = APIRouter(tags=["web chat"])
        page = PAGE.read_text(encoding="utf-8")

        @router.get("/chat", response_class=HTMLResponse, include_in_schema=False)
        async def chat_page(v: Annotated[str | None, Query(max_length=24)] = None,
                            jsj_session: Annotated[str | None, Cookie()] = None) -> Response:
            session_id = self._signer.session_of(jsj_session)
            cookie = None
            if session_id is None:
                session_id, cookie = self._signer.new()
            code = v if v and DIVISION_CODE.fullmatch(v) else ""
            html = page.replace("{{CSRF}}", self._signer.csrf(session_id)).replace("{{V}}", code)
            response = HTMLResponse(html, headers={"Cache-Control": "no-store",
                                                   "Content-Security-Policy": "default-src 'self'; "
                                                   "script-src 'unsafe-inline'; style-src 'unsafe-inline'"})
            if cookie:
                response.set_cookie(COOKIE, cookie, max_age=SESSION_DAYS * 86400, httponly=True, samesite="strict",
                                    secure=self._secure, path="/chat")
            return response

        @router.post("/chat/api/turn")
        async def turn(request: Request, body: TurnIn, jsj_session: Annotated[str | None, Cookie()] = None,
                       x_csrf_token: Annotated[str | None, Header()] = None) -> dict[str, Any]:
            session_id = self._session(jsj_session, x_csrf_token)
            text = require_text(body.text, MAX_TURN_CHARS, "消息", "The message")
            await self._limit(request, self.sender(session_id))
            code = body.v if body.v and DIVISION_CODE.fullmatch(body.v) else None
            metadata: dict[str, object] = {"channel": "qr", "village_code": code} if code else {"channel": "webchat"}
            result = await self._chat.handle(self.name, session_id, text, metadata, message_id=body.message_id)
            replies = [{"text": r.text, "buttons": [{"title": b.title, "payload": b.payload} for b in r.buttons]}
                       for r in result.replies]
            shown = text if text.startswith("/") else mask_personal_data(text)
            await self._remember(session_id, [{"who": "resident", "text": shown},
                                              *({"who": "bot", **r} for r in replies)])
            numbers = sorted({n for r in replies for n in CASE_NUMBER.findall(r["text"])})
            return {"replies": replies, "degraded": result.degraded, "case_numbers": numbers}

        @router.get("/chat/api/history")
        async def history(jsj_session: Annotated[str | None, Cookie()] = None,
                          x_csrf_token: Annotated[str | None, Header()] = None) -> dict[str, Any]:
            session_id = self._session(jsj_session, x_csrf_token)
            return {"turns": await self._history(session_id)}

        @router.get("/chat/api/cases")
        async def own_cases(request: Request, jsj_session: Annotated[str | None, Cookie()] = None,
                            x_csrf_token: Annotated[str | None, Header()] = None) -> dict[str, Any]:
            session_id = self._session(jsj_session, x_csrf_token)
            await self._limit(request, self.sender(session_id))
            return {"cases": [c.model_dump(mode="json") for c in await self._own_cases(session_id)]}

        @router.post("/chat/api/lookup")
        async def lookup(request: Request, body: LookupIn, jsj_session: Annotated[str | None, Cookie()] = None,
                         x_csrf_token: Annotated[str | None, Header()] = None) -> dict[str, Any]:
            session_id = self._session(jsj_session, x_csrf_token)
            if not await self._lookups.allow(self.sender(session_id), request.client.host if request.client else None):
                raise DoorRefused(429, "查询太频繁了，请过一会儿再查，或拨打 12345。", "Too many look-ups: wait a while.")
            number, last4 = body.case_number.strip().upper(), body.phone_last4.strip()
            sender, client = self.sender(session_id), request.client.host if request.client else None
            if self._guard is not None and not await self._guard.allowed(sender, number, client):
                raise DoorRefused(429, "查询失败次数太多，这个申请的查询暂时锁定了，请过一会儿再查，或拨打 12345。",
                                  "Too many failed look-ups: locked for a while.")
            try:
                detail = await asyncio.to_thread(self._case_of, number) if CASE_NUMBER.fullmatch(number) else None
            except CaseNotFound:
                detail = None
            if detail is None or not detail.phone_ends_with(last4):
                if self._guard is not None:
                    await self._guard.failed(sender, number, client)
                raise DoorRefused(404, "没有找到这个申请：请核对申请编号和手机号后四位。",
                                   "No such case for this number and phone.")
            return {"case": self._status(detail).model_dump(mode="json")}

        return router


def _event_label(action: str, after: object, note: str | None = None) -> str:
    if action == "message":
        return f"工作人员留言：{note or ''}"
    if action == "submitted":
        return "提交申请"
    if action == "referral":
        return "相关部门正在办理"
    return f"状态变为“{LABELS[after]}”" if after is not None else "有新进展"   # type: ignore[index]
