"""The console's case page over HTTP: scope and permission on the server, the lifecycle with its events and the
resident's notice in the outbox, the audited reveal, the 转办单 PDF (rendered to PNG and checked not blank)."""
from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from datetime import datetime, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cases.models import CaseEvent, OutboxMessage
from cases.service import get_case, submit_case
from console.accounts import add_user
from console.roles import Role, Scope
from jishijiu.gateway.app import create_app
from jishijiu.settings import Settings
from tests.cases.fixtures import ID_NUMBER, PHONE, application, triage
from tests.console.test_console_http import PASSWORD, sign_in
from tests.conversation.live import CHAT_REDIS_URL

CSRF_JS = re.compile(r'var CSRF = "([0-9a-f]+)"')
HERE, THERE = "370811001", "370811002"


@pytest.fixture
def app_settings(store_settings: Settings, session_factory) -> Settings:  # noqa: ANN001
    return replace(store_settings, redis_url=CHAT_REDIS_URL, rasa_url="http://127.0.0.1:1")


@pytest.fixture
def filed(session_factory, cipher, divisions) -> tuple[str, str]:  # noqa: ANN001
    now = datetime.now(timezone.utc)
    mine = submit_case(session_factory, application(division=HERE), triage(now), now, cipher=cipher,
                       divisions=divisions)
    theirs = submit_case(session_factory, application(division=THERE), triage(now), now, cipher=cipher,
                         divisions=divisions)
    for name, role, scope in (("wang", Role.TOWNSHIP, Scope(township=HERE)),
                              ("liu", Role.DEPARTMENT, Scope(department="minzheng")),
                              ("boss", Role.SUPERVISOR, Scope())):
        add_user(session_factory, name, role, password=PASSWORD, now=now, scope=scope)
    return mine, theirs


class Staff:
    def __init__(self, settings: Settings, username: str) -> None:
        self.client = TestClient(create_app(settings))
        self.client.__enter__()
        assert sign_in(self.client, username).status_code == 303
        self.csrf = CSRF_JS.search(self.client.get("/console").text).group(1)

    def get(self, path: str):  # noqa: ANN201
        return self.client.get(path, headers={"X-CSRF-Token": self.csrf})

    def post(self, path: str, body: dict):  # noqa: ANN201
        return self.client.post(path, json=body, headers={"X-CSRF-Token": self.csrf})

    def close(self) -> None:
        self.client.__exit__(None, None, None)


def test_a_township_worker_runs_the_lifecycle_and_the_resident_is_told(app_settings, filed,
                                                                       session_factory) -> None:  # noqa: ANN001
    mine, theirs = filed
    wang = Staff(app_settings, "wang")
    try:
        assert wang.get(f"/console/api/cases/{theirs}").status_code == 404          # another township's: not there
        page = wang.get(f"/console/api/cases/{mine}").json()
        assert page["case"]["applicant"] == "张*" and ID_NUMBER not in str(page) and PHONE not in str(page)
        assert [n["state"] for n in page["next"]] == ["accepted"]
        assert wang.post(f"/console/api/cases/{mine}/transition", {"to": "accepted"}).json() == {"changed": True}
        skip = wang.post(f"/console/api/cases/{mine}/transition", {"to": "closed"})
        assert skip.status_code == 409 and skip.json()["message_zh"]
        assert wang.post(f"/console/api/cases/{mine}/transition",
                         {"to": "dispatched", "departments": ["minzheng", "yibao"]}).status_code == 200
        assert wang.post(f"/console/api/cases/{mine}/opinion", {"text": "入户核实属实，建议临时救助"}).status_code == 200
        assert wang.post(f"/console/api/cases/{mine}/message", {"text": "请准备身份证和户口簿"}).status_code == 200
        assert wang.post(f"/console/api/cases/{mine}/supervise", {"text": "x"}).status_code == 403
    finally:
        wang.close()
    detail = get_case(session_factory, mine)
    assert [e.action for e in detail.history] == ["submitted", "transition", "transition", "opinion", "message"]
    assert {e.actor for e in detail.history[1:]} == {"console:wang"}
    assert next(d for d in detail.deadlines if d.rule == "materials").met_at is None
    with session_factory() as session:
        told = [o.kind for o in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
                if "resident" in o.payload["audience"]]
    assert told == ["case.transitioned", "case.message"]                # 受理 and the message; not 分办


def test_a_department_worker_handles_only_its_own_referral_and_prints_it(app_settings, filed,
                                                                         tmp_path) -> None:  # noqa: ANN001
    mine, _ = filed
    wang, liu = Staff(app_settings, "wang"), Staff(app_settings, "liu")
    try:
        wang.post(f"/console/api/cases/{mine}/transition", {"to": "accepted"})
        wang.post(f"/console/api/cases/{mine}/transition", {"to": "dispatched", "departments": ["minzheng", "yibao"]})
        assert liu.post(f"/console/api/cases/{mine}/transition", {"to": "investigating"}).status_code == 403
        assert liu.post(f"/console/api/cases/{mine}/referrals/yibao", {"to": "received"}).status_code == 403
        assert liu.post(f"/console/api/cases/{mine}/referrals/minzheng", {"to": "received"}).json()["changed"]
        sheet = liu.client.get(f"/console/cases/{mine}/referrals/minzheng.pdf")
        assert sheet.status_code == 200 and sheet.content.startswith(b"%PDF")
        assert ID_NUMBER.encode() not in sheet.content
    finally:
        wang.close()
        liu.close()
    (tmp_path / "sheet.pdf").write_bytes(sheet.content)
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-singlefile", str(tmp_path / "sheet.pdf"),
                    str(tmp_path / "sheet")], check=True, timeout=60)
    text = subprocess.run(["pdftotext", str(tmp_path / "sheet.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "转办单" in text and mine in text and "张*" in text and (tmp_path / "sheet.png").stat().st_size > 2000


def test_the_full_personal_data_needs_a_reason_and_each_look_is_recorded(app_settings, filed,
                                                                         session_factory) -> None:  # noqa: ANN001
    mine, _ = filed
    wang, boss = Staff(app_settings, "wang"), Staff(app_settings, "boss")
    try:
        assert wang.post(f"/console/api/cases/{mine}/reveal", {"reason": ""}).status_code == 422
        shown = wang.post(f"/console/api/cases/{mine}/reveal", {"reason": "电话联系申请人核实"}).json()
        assert shown == {"name": "张三", "id_number": ID_NUMBER, "phone": PHONE}
        assert boss.post(f"/console/api/cases/{mine}/reveal", {"reason": "看看"}).status_code == 403
        assert boss.post(f"/console/api/cases/{mine}/supervise", {"text": "请今天内受理"}).status_code == 200
        assert boss.post(f"/console/api/cases/{mine}/transition", {"to": "accepted"}).status_code == 403
    finally:
        wang.close()
        boss.close()
    with session_factory() as session:
        views = list(session.scalars(select(CaseEvent).where(CaseEvent.action == "personal_data_viewed")))
    assert [(v.actor, v.note) for v in views] == [("console:wang", "电话联系申请人核实")]


def test_the_case_page_needs_a_session(app_settings, filed) -> None:  # noqa: ANN001
    mine, _ = filed
    with TestClient(create_app(app_settings)) as anonymous:
        assert anonymous.get(f"/console/cases/{mine}", follow_redirects=False).status_code == 303
        assert anonymous.get(f"/console/cases/{mine}/referrals/minzheng.pdf",
                             follow_redirects=False).status_code == 303
        assert anonymous.post(f"/console/api/cases/{mine}/transition", json={"to": "accepted"}).status_code == 401
