"""The console's pages and calls under /console: sign-in (lockout after repeated failures), the queue of cases in
the account's scope. Nothing here is reachable without a session; the scope comes from the session, never from
the request. Every change (sign-in, sign-out) carries the page's CSRF token."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Cookie, Form, Header, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cases.views import CaseSummary
from connectors.base import DoorRefused
from console.accounts import Account, LoginRefused, authenticate
from console.scoping import in_scope, queue_order
from console.sessions import ConsoleSessions

COOKIE = "jsj_console"
PAGES = Path(__file__).with_name("web")
WORDING = yaml.safe_load((Path(__file__).with_name("data") / "console.yaml").read_text(encoding="utf-8"))
HEADERS = {"Cache-Control": "no-store", "X-Frame-Options": "DENY",
           "Content-Security-Policy": "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'"}
ListCases = Callable[[], list[CaseSummary]]          # open cases, newest first (sync: the database)


@lru_cache(maxsize=16)
def _template(name: str) -> str:
    """A page of web/, read once (they ship with the package)."""
    return (PAGES / name).read_text(encoding="utf-8")


class Console:
    def __init__(self, sessions: ConsoleSessions, session_factory: Any, open_cases: ListCases,
                 secure_cookie: bool = False, clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
                 ) -> None:
        self._sessions = sessions
        self._db = session_factory
        self._open_cases = open_cases
        self._secure = secure_cookie
        self._clock = clock

    def _page(self, name: str, **values: str) -> str:
        html = _template(name)
        for key, value in values.items():
            html = html.replace("{{" + key + "}}", value)
        return html

    def render(self, session_id: str, name: str, **values: str) -> HTMLResponse:
        """A page of web/ for a signed-in session: its CSRF token and `values` filled in."""
        return HTMLResponse(self._page(name, CSRF=self.csrf(session_id), **values), headers=HEADERS)

    async def page(self, cookie: str | None, name: str) -> Response:
        """A console page for whoever is signed in; the sign-in form for anyone else."""
        found = await self.signed_in(cookie)
        if found is None:
            return RedirectResponse("/console/login", status_code=303, headers=HEADERS)
        return self.render(found[0], name)

    def _cookie(self, response: Response, value: str) -> None:
        response.set_cookie(COOKIE, value, httponly=True, samesite="strict", secure=self._secure, path="/console")

    def csrf(self, session_id: str) -> str:
        return self._sessions.signer.csrf(session_id)

    async def signed_in(self, cookie: str | None) -> tuple[str, Account] | None:
        session_id = self._sessions.signer.session_of(cookie)
        account = await self._sessions.account(session_id) if session_id else None
        return (session_id, account) if account else None

    async def require(self, cookie: str | None, csrf: str | None) -> tuple[str, Account]:
        found = await self.signed_in(cookie)
        if found is None:
            raise DoorRefused(401, WORDING["expired"], "Not signed in, or the session has ended.")
        if not self._sessions.signer.csrf_ok(found[0], csrf):
            raise DoorRefused(403, WORDING["csrf"], "Missing or wrong CSRF token.")
        return found

    def _login_page(self, cookie: str | None, error: str = "", status: int = 200) -> HTMLResponse:
        """The sign-in form, bound to a pre-session (a signed id, nothing stored) for its CSRF token."""
        pre = self._sessions.signer.session_of(cookie)
        fresh = None
        if pre is None:
            pre, fresh = self._sessions.signer.new()
        response = HTMLResponse(self._page("login.html", CSRF=self._sessions.signer.csrf(pre), ERROR=error),
                                status_code=status, headers=HEADERS)
        if fresh:
            self._cookie(response, fresh)
        return response

    def router(self) -> APIRouter:
        router = APIRouter(tags=["console"], include_in_schema=False)

        @router.get("/console/login", response_class=HTMLResponse)
        async def login_page(jsj_console: Annotated[str | None, Cookie()] = None) -> Response:
            return self._login_page(jsj_console)

        @router.post("/console/login")
        async def login(username: Annotated[str, Form(max_length=64)], password: Annotated[str, Form(max_length=256)],
                        csrf: Annotated[str, Form(max_length=128)],
                        jsj_console: Annotated[str | None, Cookie()] = None) -> Response:
            pre = self._sessions.signer.session_of(jsj_console)
            if pre is None or not self._sessions.signer.csrf_ok(pre, csrf):
                return self._login_page(jsj_console, WORDING["csrf"], 403)
            try:
                account = await asyncio.to_thread(authenticate, self._db, username, password, now=self._clock())
            except LoginRefused as refused:
                if refused.reason == "locked" and refused.locked_until:
                    minutes = max(1, int((refused.locked_until - self._clock()).total_seconds() // 60) + 1)
                    return self._login_page(jsj_console, WORDING["locked"].format(minutes=minutes), 429)
                return self._login_page(jsj_console, WORDING["bad_credentials"], 401)
            _, cookie = await self._sessions.open(account)
            response = RedirectResponse("/console", status_code=303, headers=HEADERS)
            self._cookie(response, cookie)
            return response

        @router.post("/console/logout")
        async def logout(csrf: Annotated[str, Form(max_length=128)],
                         jsj_console: Annotated[str | None, Cookie()] = None) -> Response:
            session_id, _ = await self.require(jsj_console, csrf)
            await self._sessions.close(session_id)
            response = RedirectResponse("/console/login", status_code=303, headers=HEADERS)
            response.delete_cookie(COOKIE, path="/console")
            return response

        @router.get("/console", response_class=HTMLResponse)
        async def queue_page(jsj_console: Annotated[str | None, Cookie()] = None) -> Response:
            found = await self.signed_in(jsj_console)
            if found is None:
                return RedirectResponse("/console/login", status_code=303, headers=HEADERS)
            session_id, account = found
            return self.render(session_id, "queue.html", WHO=f"{account.display_name}（{account.username}）")

        @router.get("/console/api/queue")
        async def queue(request: Request, jsj_console: Annotated[str | None, Cookie()] = None,
                        x_csrf_token: Annotated[str | None, Header()] = None) -> dict[str, Any]:
            _, account = await self.require(jsj_console, x_csrf_token)
            cases = [c for c in await asyncio.to_thread(self._open_cases) if in_scope(account, c)]
            return {"cases": [c.model_dump(mode="json") for c in queue_order(cases)]}

        return router
