"""Assisted chat (代填代办) for 12345 hotline agents: GET /console/assist, the page where the agent types what the
caller says; POST /console/api/assist reads it (answers with sources, triage, fillable fields); POST
/console/api/calls files the confirmed application as a case on the caller's behalf (channel `hotline`, the agent
as the submitter, the caller's consent recorded). A call is filed once, however often the agent presses submit."""
from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Cookie, Header
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from redis.asyncio import Redis
from redis.exceptions import RedisError

from cases.application import Applicant, Application
from cases.divisions import Divisions
from cases.encryption import PersonalDataCipher
from cases.identity import parse_id_number, parse_name, parse_phone
from cases.service import case_numbers_of_sender, submit_case
from connectors.base import DoorRefused
from console.accounts import Account
from console.assist import best_answers, read_fields, triage_of
from console.roles import Role
from console.web import Console
from policies_kb.retriever import Retriever
from jishijiu.intake import case_triage
from triage import CHINA_TZ, TriageConfig, Urgency

Csrf = Annotated[str | None, Header(alias="X-CSRF-Token")]
SessionCookie = Annotated[str | None, Cookie(alias="jsj_console")]
MAX_TRANSCRIPT = 5000
AGENTS = frozenset({Role.AGENT, Role.ADMIN})


class AssistIn(BaseModel):
    transcript: str = Field(max_length=MAX_TRANSCRIPT, description="everything the caller said so far")
    latest: str = Field(default="", max_length=1000, description="what the caller just said (for the answers)")


class CallIn(BaseModel):
    call_id: str = Field(pattern=r"^[0-9a-f]{32}$", description="made by the page when the call starts")
    transcript: str = Field(min_length=1, max_length=MAX_TRANSCRIPT)
    name: str = Field(max_length=32)
    id_number: str | None = Field(default=None, max_length=24)
    phone: str = Field(max_length=24)
    division_code: str = Field(max_length=24)
    household_size: int | None = Field(default=None, ge=1, le=30)
    difficulty_kind: str | None = Field(default=None, max_length=16)
    consent: bool = Field(description="the caller agreed that the agent files for them")
    emergency: bool = Field(default=False, description="the agent judges it an emergency (raises, never lowers)")


def _triage_view(a: Any) -> dict[str, Any]:
    return {"urgency": a.urgency.value, "respond_within": a.respond_within,
            "due_at": a.due_at.astimezone(CHINA_TZ).isoformat(), "reasons": list(a.reasons),
            "departments": list(a.departments), "assistance": list(a.assistance), "safety": list(a.safety)}


class AssistedChat:
    def __init__(self, console: Console, session_factory: Any, cipher: PersonalDataCipher, divisions: Divisions,
                 retriever: Retriever, qa_threshold: float, triage: TriageConfig, redis: Redis,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self._console = console
        self._db = session_factory
        self._cipher = cipher
        self._divisions = divisions
        self._retriever = retriever
        self._threshold = qa_threshold
        self._triage = triage
        self._redis = redis
        self._clock = clock

    async def _agent(self, cookie: str | None, csrf: str | None) -> Account:
        _, account = await self._console.require(cookie, csrf)
        if account.role not in AGENTS:
            raise DoorRefused(403, "只有 12345 话务员可以代填代办。", "Only hotline agents file for callers.")
        return account

    def _read(self, body: AssistIn) -> dict[str, Any]:
        now = self._clock()
        assessment = triage_of(body.transcript, now, self._triage) if body.transcript.strip() else None
        return {"answers": best_answers(body.latest or body.transcript[-300:], self._retriever, self._threshold),
                "triage": _triage_view(assessment) if assessment else None,
                "fields": read_fields(body.transcript, self._divisions)}

    def _file(self, body: CallIn, account: Account) -> dict[str, Any]:
        sender = f"hotline:{body.call_id}"
        known = case_numbers_of_sender(self._db, sender)
        now = self._clock()
        assessment = triage_of(body.transcript, now, self._triage)
        if body.emergency and assessment.urgency is not Urgency.EMERGENCY:
            assessment = dataclasses.replace(assessment, urgency=Urgency.EMERGENCY,
                                             reasons=(*assessment.reasons, "话务员判断为紧急"))
        if known:
            return {"case_number": known[0], "again": True, "triage": _triage_view(assessment)}
        head = f"【12345 来电代填】困难类别：{body.difficulty_kind or '未说明'}；" + \
               (f"家庭人口：{body.household_size}人。" if body.household_size else "家庭人口：未说明（电话核实）。")
        application = Application(
            channel="hotline", channel_user_id=sender,
            applicant=Applicant(parse_name(body.name), parse_id_number(body.id_number) if body.id_number else None,
                                parse_phone(body.phone)),
            division_code=body.division_code, situation=f"{head}\n{body.transcript}")
        number = submit_case(self._db, application, case_triage(assessment, now, self._triage), now, cipher=self._cipher, divisions=self._divisions,
                             actor=f"console:{account.username}",
                             note=f"来电人同意由话务员 {account.username} 代填代办")
        return {"case_number": number, "again": False, "triage": _triage_view(assessment)}

    def router(self) -> APIRouter:
        router = APIRouter(tags=["console"], include_in_schema=False)

        @router.get("/console/assist", response_class=HTMLResponse)
        async def page(jsj_console: SessionCookie = None) -> Response:
            return await self._console.page(jsj_console, "assist.html")

        @router.post("/console/api/assist")
        async def assist(body: AssistIn, jsj_console: SessionCookie = None, x_csrf_token: Csrf = None
                         ) -> dict[str, Any]:
            await self._agent(jsj_console, x_csrf_token)
            return await asyncio.to_thread(self._read, body)

        @router.post("/console/api/calls")
        async def file_call(body: CallIn, jsj_console: SessionCookie = None, x_csrf_token: Csrf = None
                            ) -> dict[str, Any]:
            account = await self._agent(jsj_console, x_csrf_token)
            if not body.consent:
                raise DoorRefused(422, "需要来电人同意由您代为申请，才能提交。", "The caller's consent is required.")
            lock = f"jishijiu:console:call:{body.call_id}"
            try:
                first = await self._redis.set(lock, account.username, nx=True, ex=60)
            except (RedisError, OSError):
                first = True                  # the database check below still stops a second case afterwards
            if not first:
                known = await asyncio.to_thread(case_numbers_of_sender, self._db, f"hotline:{body.call_id}")
                if not known:
                    raise DoorRefused(409, "正在提交，请稍候。", "This call is being filed.")
            try:
                return await asyncio.to_thread(self._file, body, account)
            except Exception:
                if first:
                    await self._redis.delete(lock)
                raise

        return router
