"""The supervisors' page: deadline compliance per county, township and department (on time / late / open and
overdue / open), with a chart, exportable as CSV and XLSX; scoped to the supervisor's county or the city."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Cookie, Header, Query
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from cases.divisions import Divisions
from cases.errors import UnknownDivision
from cases.models import Case, CaseDeadline
from connectors.base import DoorRefused
from console.accounts import Account
from console.compliance import By, DeadlineFact, as_csv, as_xlsx, compliance
from console.roles import Role
from console.web import HEADERS, Console
from jishijiu.departments import by_id

Csrf = Annotated[str | None, Header(alias="X-CSRF-Token")]
SessionCookie = Annotated[str | None, Cookie(alias="jsj_console")]
ByQuery = Annotated[By, Query(description="county | township | department")]
SUPERVISORS = frozenset({Role.SUPERVISOR, Role.ADMIN})
TITLES = {"county": "按县区", "township": "按乡镇街道", "department": "按部门"}


def deadline_facts(session_factory: Any, county: str | None) -> list[DeadlineFact]:
    """Every deadline of every case (in one county, or the city), with the case's place and departments."""
    stmt = select(Case.county_code, Case.township_code, Case.department_ids, CaseDeadline.due_at,
                  CaseDeadline.met_at).join(CaseDeadline, CaseDeadline.case_id == Case.id)
    if county:
        stmt = stmt.where(Case.county_code == county)
    with session_factory() as session:
        return [DeadlineFact(c, t, tuple(d or ()), due, met) for c, t, d, due, met in session.execute(stmt)]


class Supervision:
    def __init__(self, console: Console, session_factory: Any, divisions: Divisions,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self._console = console
        self._db = session_factory
        self._divisions = divisions
        self._clock = clock

    def _label(self, by: By) -> Callable[[str], str]:
        if by == "department":
            return lambda k: by_id()[k].name if k in by_id() else k

        def place(code: str) -> str:
            try:
                return self._divisions.locate(code).label
            except UnknownDivision:
                return code
        return place

    def _rows(self, account: Account, by: By) -> list[Any]:
        facts = deadline_facts(self._db, account.scope.county)
        return compliance(facts, by, self._clock(), self._label(by))

    async def _supervisor(self, cookie: str | None, csrf: str | None, *, page: bool = False) -> Account:
        if page:                                   # a download link: the session alone (nothing changes)
            found = await self._console.signed_in(cookie)
            if found is None:
                raise DoorRefused(401, "登录已过期，请重新登录。", "Not signed in.")
            account = found[1]
        else:
            _, account = await self._console.require(cookie, csrf)
        if account.role not in SUPERVISORS:
            raise DoorRefused(403, "只有督办人员可以查看时限统计。", "Only supervisors see deadline compliance.")
        return account

    def router(self) -> APIRouter:
        router = APIRouter(tags=["console"], include_in_schema=False)

        @router.get("/console/compliance", response_class=HTMLResponse)
        async def page(jsj_console: SessionCookie = None) -> Response:
            return await self._console.page(jsj_console, "compliance.html")

        @router.get("/console/api/compliance")
        async def rows(by: ByQuery = "county", jsj_console: SessionCookie = None, x_csrf_token: Csrf = None
                       ) -> dict[str, Any]:
            account = await self._supervisor(jsj_console, x_csrf_token)
            found = await asyncio.to_thread(self._rows, account, by)
            return {"by": by, "scope": account.scope.county or "全市", "rows": [r.as_json() for r in found]}

        @router.get("/console/compliance.{fmt}")
        async def export(fmt: str, by: ByQuery = "county", jsj_console: SessionCookie = None) -> Response:
            if fmt not in ("csv", "xlsx"):
                raise DoorRefused(404, "只能导出 CSV 或 XLSX。", "CSV or XLSX only.")
            account = await self._supervisor(jsj_console, None, page=True)
            found = await asyncio.to_thread(self._rows, account, by)
            stamp = self._clock().strftime("%Y%m%d")
            if fmt == "csv":
                body, kind = as_csv(found), "text/csv; charset=utf-8"
            else:
                body = await asyncio.to_thread(as_xlsx, found, f"时限{TITLES[by]}")
                kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            return Response(body, media_type=kind, headers={
                **HEADERS, "Content-Disposition": f'attachment; filename="compliance-{by}-{stamp}.{fmt}"'})

        return router
