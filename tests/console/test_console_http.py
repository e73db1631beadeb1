"""The console over HTTP: nothing without signing in, CSRF on the sign-in form, lockout, idle sessions, and the
queue scoped by the account's role on the server (Rasa down: the console does not need it)."""
from __future__ import annotations

import re
import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

from cases.service import submit_case
from console.accounts import MAX_FAILURES, add_user
from console.roles import Role, Scope
from jishijiu.gateway.app import create_app
from jishijiu.settings import Settings
from tests.cases.fixtures import application, triage
from tests.conversation.live import CHAT_REDIS_URL

CSRF_FIELD = re.compile(r'name="csrf" value="([0-9a-f]+)"')
CSRF_JS = re.compile(r'var CSRF = "([0-9a-f]+)"')
PASSWORD = "correct horse battery"


@pytest.fixture
def app_settings(store_settings: Settings, session_factory) -> Settings:  # noqa: ANN001
    return replace(store_settings, redis_url=CHAT_REDIS_URL, rasa_url="http://127.0.0.1:1")


def sign_in(client: TestClient, username: str, password: str = PASSWORD):  # noqa: ANN201
    form = client.get("/console/login")
    csrf = CSRF_FIELD.search(form.text).group(1)
    return client.post("/console/login", data={"username": username, "password": password, "csrf": csrf},
                       follow_redirects=False)


def test_nothing_is_reachable_without_signing_in(app_settings: Settings) -> None:
    with TestClient(create_app(app_settings)) as client:
        assert client.get("/console", follow_redirects=False).headers["location"] == "/console/login"
        refused = client.get("/console/api/queue")
        assert refused.status_code == 401 and "登录" in refused.json()["message_zh"]
        login = client.get("/console/login")
        cookie = login.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "用户名" in login.text


def test_sign_in_needs_the_forms_csrf_token_and_five_failures_lock(app_settings: Settings,
                                                                  session_factory) -> None:  # noqa: ANN001
    now = datetime.now(timezone.utc)
    add_user(session_factory, "agent7", Role.AGENT, password=PASSWORD, now=now)
    with TestClient(create_app(app_settings)) as client:
        client.get("/console/login")
        forged = client.post("/console/login", data={"username": "agent7", "password": PASSWORD, "csrf": "0" * 64},
                             follow_redirects=False)
        assert forged.status_code == 403 and "页面已过期" in forged.text
        assert client.get("/console", follow_redirects=False).status_code == 303     # not signed in
        codes = [sign_in(client, "agent7", f"wrong {i} password").status_code for i in range(MAX_FAILURES)]
        assert codes == [401] * (MAX_FAILURES - 1) + [429]
        locked = sign_in(client, "agent7")
        assert locked.status_code == 429 and "已锁定" in locked.text


def test_the_queue_holds_only_the_accounts_scope_emergencies_first(app_settings: Settings, session_factory, cipher,
                                                                   divisions) -> None:  # noqa: ANN001
    now = datetime.now(timezone.utc)
    here, there = "370811001", "370811002"
    mine_normal = submit_case(session_factory, application(division=here), triage(now, "normal", deadlines={
        "approval": timedelta(days=20)}), now, cipher=cipher, divisions=divisions)
    mine_emergency = submit_case(session_factory, application(division=here), triage(now, "emergency", deadlines={
        "emergency": timedelta(hours=2)}), now, cipher=cipher, divisions=divisions)
    theirs = submit_case(session_factory, application(division=there), triage(now, "emergency", deadlines={
        "emergency": timedelta(hours=2)}), now, cipher=cipher, divisions=divisions)
    add_user(session_factory, "wang", Role.TOWNSHIP, password=PASSWORD, now=now, scope=Scope(township=here))
    add_user(session_factory, "city", Role.SUPERVISOR, password=PASSWORD, now=now)
    with TestClient(create_app(app_settings)) as client:
        assert sign_in(client, "wang").headers["location"] == "/console"
        page = client.get("/console")
        csrf = CSRF_JS.search(page.text).group(1)
        assert client.get("/console/api/queue").status_code == 403               # the page's token is required
        queue = client.get("/console/api/queue", headers={"X-CSRF-Token": csrf}).json()["cases"]
        assert [c["case_number"] for c in queue] == [mine_emergency, mine_normal]
        assert theirs not in page.text
        client.post("/console/logout", data={"csrf": csrf}, follow_redirects=False)
        assert client.get("/console/api/queue", headers={"X-CSRF-Token": csrf}).status_code == 401
    with TestClient(create_app(app_settings)) as other:
        sign_in(other, "city")
        csrf = CSRF_JS.search(other.get("/console").text).group(1)
        everything = other.get("/console/api/queue", headers={"X-CSRF-Token": csrf}).json()["cases"]
        assert {c["case_number"] for c in everything} == {mine_emergency, mine_normal, theirs}
        assert everything[-1]["case_number"] == mine_normal


def test_a_session_cookie_from_another_deployment_or_altered_is_no_session(app_settings: Settings) -> None:
    with TestClient(create_app(app_settings)) as client:
        client.cookies.set("jsj_console", f"{uuid.uuid4().hex}.{'0' * 64}", path="/console")
        assert client.get("/console", follow_redirects=False).status_code == 303


def test_an_idle_session_ends(app_settings: Settings, session_factory) -> None:  # noqa: ANN001
    import asyncio

    import redis.asyncio as aioredis

    from connectors.session import SessionSigner
    from console.accounts import authenticate
    from console.sessions import ConsoleSessions

    add_user(session_factory, "idle", Role.AGENT, password=PASSWORD, now=datetime.now(timezone.utc))
    account = authenticate(session_factory, "idle", PASSWORD, now=datetime.now(timezone.utc))

    async def scenario() -> tuple[object, object, object]:
        client = aioredis.Redis.from_url(CHAT_REDIS_URL)
        sessions = ConsoleSessions(client, SessionSigner(b"k" * 32, "console"), idle=timedelta(seconds=1))
        session_id, _ = await sessions.open(account)
        active = await sessions.account(session_id)
        await asyncio.sleep(1.5)
        ended = await sessions.account(session_id)
        other, _ = await sessions.open(account)
        await sessions.close(other)
        closed = await sessions.account(other)
        await client.aclose()
        return active, ended, closed

    active, ended, closed = asyncio.run(scenario())
    assert active.username == "idle" and ended is None and closed is None
