"""Hand-offs (转人工) in the console: the inbox of residents waiting for a person, with the conversation so far
(masked) and how long they have waited; an agent takes one over (the bot pauses for that resident), writes to the
resident through their own channel (the worker delivers it, retried and recorded like every notice), and hands
the conversation back to the bot or closes it. Supervisors see the inbox (and what was escalated) read-only."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Cookie, Header
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from cases import notifications
from cases.models import Notification
from connectors.base import DoorRefused
from console.accounts import Account
from console.roles import Role
from console.web import WORDING, Console
from conversation.handoff import (HandoffConflict, HandoffPause, OpenHandoff, end, get_handoff, list_open, take)
from conversation.inbox import InboundMessage

Csrf = Annotated[str | None, Header(alias="X-CSRF-Token")]
SessionCookie = Annotated[str | None, Cookie(alias="jsj_console")]
TAKERS = frozenset({Role.AGENT, Role.ADMIN})
READERS = TAKERS | {Role.SUPERVISOR}
BEFORE = timedelta(hours=2)          # the conversation shown starts this long before the hand-off
KIND = "handoff.message"


class MessageIn(BaseModel):
    text: str = Field(min_length=1, max_length=1000)


def transcript(session_factory: Any, h: OpenHandoff, limit: int = 100) -> list[dict[str, Any]]:
    """The resident's messages (masked, as recorded) and the agents', oldest first."""
    since = h.created_at - BEFORE
    with session_factory() as session:
        said = [{"at": m.received_at, "who": "resident", "text": m.text} for m in session.scalars(
            select(InboundMessage).where(InboundMessage.sender == h.sender, InboundMessage.received_at >= since)
            .order_by(InboundMessage.id.desc()).limit(limit))]
        wrote = [{"at": n.created_at, "who": "agent", "text": n.text, "delivery": n.status.value}
                 for n in session.scalars(select(Notification).where(
                     Notification.recipient == h.sender, Notification.kind.like("handoff.%"),
                     Notification.created_at >= since).order_by(Notification.id.desc()).limit(limit))]
    return [{**e, "at": e["at"].isoformat()} for e in sorted(said + wrote, key=lambda e: e["at"])]


class Handoffs:
    def __init__(self, console: Console, session_factory: Any, pause: HandoffPause,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self._console = console
        self._db = session_factory
        self._pause = pause
        self._clock = clock

    async def _account(self, cookie: str | None, csrf: str | None, allowed: frozenset[Role]) -> Account:
        _, account = await self._console.require(cookie, csrf)
        if account.role not in allowed:
            raise DoorRefused(403, "您的账号不能处理转人工。", "Your role may not handle hand-offs.")
        return account

    def _view(self, h: OpenHandoff) -> dict[str, Any]:
        return {"id": h.id, "channel": h.channel, "reason": h.reason, "last_message": h.last_message,
                "status": h.status, "agent": h.agent, "case_number": h.case_number,
                "created_at": h.created_at.isoformat(), "escalated": h.escalated,
                "waited_seconds": int((self._clock() - h.created_at).total_seconds())}

    async def _tell(self, h: OpenHandoff, text: str) -> None:
        await asyncio.to_thread(notifications.enqueue, self._db, recipient=h.sender, kind=KIND, text=text,
                                now=self._clock(), case_number=h.case_number)

    async def _change(self, work: Callable[[], OpenHandoff]) -> OpenHandoff:
        try:
            return await asyncio.to_thread(work)
        except HandoffConflict as exc:
            raise DoorRefused(409, exc.message_zh, exc.message_en) from None

    def router(self) -> APIRouter:
        router = APIRouter(tags=["console"], include_in_schema=False)

        @router.get("/console/handoffs", response_class=HTMLResponse)
        async def page(jsj_console: SessionCookie = None) -> Response:
            return await self._console.page(jsj_console, "handoffs.html")

        @router.get("/console/api/handoffs")
        async def inbox(jsj_console: SessionCookie = None, x_csrf_token: Csrf = None) -> dict[str, Any]:
            await self._account(jsj_console, x_csrf_token, READERS)
            return {"handoffs": [self._view(h) for h in await asyncio.to_thread(list_open, self._db)]}

        @router.get("/console/api/handoffs/{handoff_id}")
        async def one(handoff_id: int, jsj_console: SessionCookie = None, x_csrf_token: Csrf = None
                      ) -> dict[str, Any]:
            await self._account(jsj_console, x_csrf_token, READERS)
            h = await asyncio.to_thread(get_handoff, self._db, handoff_id)
            if h is None:
                raise DoorRefused(404, "没有这个转人工。", "No such hand-off.")
            return {"handoff": self._view(h), "transcript": await asyncio.to_thread(transcript, self._db, h)}

        @router.post("/console/api/handoffs/{handoff_id}/take")
        async def take_over(handoff_id: int, jsj_console: SessionCookie = None, x_csrf_token: Csrf = None
                            ) -> dict[str, Any]:
            account = await self._account(jsj_console, x_csrf_token, TAKERS)
            before = await asyncio.to_thread(get_handoff, self._db, handoff_id)
            h = await self._change(lambda: take(self._db, handoff_id, account.username, self._clock()))
            await self._pause.pause(h.sender, h.id)
            if before is not None and before.status != "taken":
                await self._tell(h, WORDING["handoff_taken"])
            return {"handoff": self._view(h)}

        @router.post("/console/api/handoffs/{handoff_id}/message")
        async def message(handoff_id: int, body: MessageIn, jsj_console: SessionCookie = None,
                          x_csrf_token: Csrf = None) -> dict[str, Any]:
            account = await self._account(jsj_console, x_csrf_token, TAKERS)
            h = await asyncio.to_thread(get_handoff, self._db, handoff_id)
            if h is None or h.status != "taken" or h.agent != account.username:
                raise DoorRefused(409, "请先接手这个转人工。", "Take the hand-off over first.")
            await self._tell(h, body.text)
            return {"queued": True}

        for path, close in (("return", False), ("close", True)):
            def make(close: bool = close):  # noqa: ANN202 - one route each
                async def finish(handoff_id: int, jsj_console: SessionCookie = None, x_csrf_token: Csrf = None
                                 ) -> dict[str, Any]:
                    account = await self._account(jsj_console, x_csrf_token, TAKERS)
                    h = await self._change(lambda: end(self._db, handoff_id, account.username, self._clock(),
                                                       close=close))
                    await self._pause.resume(h.sender)
                    await self._tell(h, WORDING["handoff_closed" if close else "handoff_returned"])
                    return {"handoff": self._view(h)}
                return finish
            router.post(f"/console/api/handoffs/{{handoff_id}}/{path}")(make())

        return router
