"""The case page of the console and its actions: the masked case with its history, the full personal data only
after a stated reason (audited), the lifecycle (受理, 分办 with a printable 转办单, 初审意见, 决定, 反馈, 办结), a
department's own 转办单, a message to the resident, a supervisor's 督办. Each writes an event; the resident is
told through their door by the worker (the outbox). Scope and permission are decided on the server."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Cookie, Header
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from cases import service
from cases.encryption import PersonalDataCipher
from cases.errors import CaseNotFound
from cases.states import LABELS, NEXT
from cases.views import CaseDetail
from connectors.base import DoorRefused
from console.accounts import Account
from console.referral_pdf import referral_pdf
from console.roles import Role, allowed_actions, may
from console.scoping import in_scope
from console.web import HEADERS, Console
from jishijiu.departments import all_departments

Csrf = Annotated[str | None, Header(alias="X-CSRF-Token")]
SessionCookie = Annotated[str | None, Cookie(alias="jsj_console")]


class TransitionIn(BaseModel):
    to: str = Field(max_length=16)
    note: str | None = Field(default=None, max_length=1000)
    reason: str | None = Field(default=None, max_length=1000)
    departments: list[str] | None = Field(default=None, max_length=12)


class ReferralIn(BaseModel):
    to: str = Field(max_length=16)
    note: str | None = Field(default=None, max_length=1000)


class TextIn(BaseModel):
    text: str = Field(min_length=1, max_length=1000)


class RevealIn(BaseModel):
    reason: str = Field(min_length=2, max_length=200, description="why the full personal data is needed (audited)")


def _forbidden() -> DoorRefused:
    return DoorRefused(403, "您的账号不能做这个操作。", "Your role may not do this.")


class CasePages:
    def __init__(self, console: Console, session_factory: Any, cipher: PersonalDataCipher,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self._console = console
        self._db = session_factory
        self._cipher = cipher
        self._clock = clock

    async def _case(self, account: Account, number: str) -> CaseDetail:
        """The case if the account's scope holds it; otherwise 404, as if there were none."""
        try:
            detail = await asyncio.to_thread(service.get_case, self._db, number)
        except CaseNotFound:
            detail = None
        if detail is None or not in_scope(account, detail):
            raise CaseNotFound(number)
        return detail

    async def _acting(self, cookie: str | None, csrf: str | None, number: str, action: str) -> tuple[Account, str]:
        _, account = await self._console.require(cookie, csrf)
        if not may(account.role, action):
            raise _forbidden()
        detail = await self._case(account, number)
        return account, detail.case_number

    @staticmethod
    def _actor(account: Account) -> str:
        return f"console:{account.username}"

    def router(self) -> APIRouter:
        router = APIRouter(tags=["console"], include_in_schema=False)
        run = asyncio.to_thread

        @router.get("/console/cases/{number}", response_class=HTMLResponse)
        async def case_page(number: str, jsj_console: SessionCookie = None) -> Response:
            found = await self._console.signed_in(jsj_console)
            if found is None:
                return RedirectResponse("/console/login", status_code=303, headers=HEADERS)
            session_id, account = found
            await self._case(account, number)
            return self._console.render(session_id, "case.html", NUMBER=number.upper())

        @router.get("/console/api/cases/{number}")
        async def case(number: str, jsj_console: SessionCookie = None, x_csrf_token: Csrf = None) -> dict[str, Any]:
            _, account = await self._console.require(jsj_console, x_csrf_token)
            detail = await self._case(account, number)
            return {"case": detail.model_dump(mode="json"), "actions": allowed_actions(account.role),
                    "department": account.scope.department,
                    "next": [{"state": s.value, "label": LABELS[s]} for s in sorted(NEXT[detail.status],
                                                                                     key=lambda s: s.value)],
                    "departments": [{"id": d.id, "name": d.name} for d in all_departments()]}

        @router.post("/console/api/cases/{number}/transition")
        async def transition(number: str, body: TransitionIn, jsj_console: SessionCookie = None,
                             x_csrf_token: Csrf = None) -> dict[str, Any]:
            account, number = await self._acting(jsj_console, x_csrf_token, number, "transition")
            event = await run(service.transition_case, self._db, number, body.to, actor=self._actor(account),
                              now=self._clock(), note=body.note, reason=body.reason, departments=body.departments)
            return {"changed": event is not None}

        @router.post("/console/api/cases/{number}/referrals/{department}")
        async def referral(number: str, department: str, body: ReferralIn, jsj_console: SessionCookie = None,
                           x_csrf_token: Csrf = None) -> dict[str, Any]:
            account, number = await self._acting(jsj_console, x_csrf_token, number, "referral")
            if account.role is Role.DEPARTMENT and department != account.scope.department:
                raise _forbidden()
            event = await run(service.update_referral, self._db, number, department, body.to,
                              actor=self._actor(account), now=self._clock(), note=body.note)
            return {"changed": event is not None}

        for kind, action in (("opinion", "opinion"), ("supervise", "supervision")):
            def make(kind: str = kind, action: str = action):  # noqa: ANN202 - a route per note kind
                async def note(number: str, body: TextIn, jsj_console: SessionCookie = None,
                               x_csrf_token: Csrf = None) -> dict[str, Any]:
                    account, number = await self._acting(jsj_console, x_csrf_token, number, kind)
                    await run(service.record_case_note, self._db, number, action, body.text,
                              actor=self._actor(account), now=self._clock())
                    return {"changed": True}
                return note
            router.post(f"/console/api/cases/{{number}}/{kind}")(make())

        @router.post("/console/api/cases/{number}/message")
        async def message(number: str, body: TextIn, jsj_console: SessionCookie = None,
                          x_csrf_token: Csrf = None) -> dict[str, Any]:
            account, number = await self._acting(jsj_console, x_csrf_token, number, "message")
            await run(service.message_resident, self._db, number, body.text, actor=self._actor(account),
                      now=self._clock())
            return {"changed": True}

        @router.post("/console/api/cases/{number}/reveal")
        async def reveal(number: str, body: RevealIn, jsj_console: SessionCookie = None,
                         x_csrf_token: Csrf = None) -> dict[str, Any]:
            account, number = await self._acting(jsj_console, x_csrf_token, number, "reveal")
            person = await run(service.reveal_applicant, self._db, number, cipher=self._cipher,
                               actor=self._actor(account), now=self._clock(), reason=body.reason.strip())
            return {"name": person.name.value, "id_number": person.id_number.value if person.id_number else None,
                    "phone": person.phone.value if person.phone else None}

        @router.get("/console/cases/{number}/referrals/{department}.pdf")
        async def referral_sheet(number: str, department: str, jsj_console: SessionCookie = None) -> Response:
            found = await self._console.signed_in(jsj_console)
            if found is None:
                return RedirectResponse("/console/login", status_code=303, headers=HEADERS)
            detail = await self._case(found[1], number)
            if department not in detail.departments:
                raise CaseNotFound(f"{number} {department}")
            pdf = await run(referral_pdf, detail, department)
            return Response(pdf, media_type="application/pdf", headers={
                **HEADERS, "Content-Disposition": f'inline; filename="{detail.case_number}-{department}.pdf"'})

        return router
