"""The mobile web chat's door, over HTTP: server-issued sessions, CSRF, isolation between browsers, the status view
and the look-up by case number + the phone's last 4 digits (Rasa down: the door does not need it)."""
from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timezone

import pytest
from fastapi.testclient import TestClient

from cases.service import message_resident, submit_case, transition_case
from jishijiu.gateway.app import create_app
from jishijiu.settings import Settings
from tests.cases.fixtures import application, triage
from tests.conversation.live import CHAT_REDIS_URL

CSRF = re.compile(r'var CSRF = "([0-9a-f]+)"')


@pytest.fixture
def app_settings(store_settings: Settings, session_factory) -> Settings:  # noqa: ANN001
    return replace(store_settings, redis_url=CHAT_REDIS_URL, rasa_url="http://127.0.0.1:1")


def browser(settings: Settings) -> tuple[TestClient, str]:
    """A new browser: opens /chat, keeps its cookie, knows the page's CSRF token."""
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}"   # its own limits
    client = TestClient(create_app(settings), client=(address, 40000))
    client.__enter__()
    page = client.get("/chat")
    assert page.status_code == 200 and "紧急情况请直接拨打" in page.text and "转人工" in page.text
    return client, CSRF.search(page.text).group(1)


@pytest.fixture
def two_browsers(app_settings: Settings) -> Iterator[tuple[tuple[TestClient, str], tuple[TestClient, str]]]:
    a, b = browser(app_settings), browser(app_settings)
    yield a, b
    for client, _ in (a, b):
        client.__exit__(None, None, None)


def turn(b: tuple[TestClient, str], text: str, **extra: object):  # noqa: ANN201
    client, csrf = b
    return client.post("/chat/api/turn", json={"text": text, **extra}, headers={"X-CSRF-Token": csrf})


def test_the_cookie_is_http_only_same_site_and_signed(app_settings: Settings) -> None:
    with TestClient(create_app(app_settings)) as client:
        cookie = client.get("/chat").headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/chat" in cookie
        client.cookies.clear()
        client.cookies.set("jsj_session", "forged.0000", path="/chat")
        response = client.post("/chat/api/turn", json={"text": "你好"}, headers={"X-CSRF-Token": "x"})
        assert response.status_code == 401 and response.json()["message_zh"].startswith("会话已失效")


def test_without_the_pages_csrf_token_nothing_is_processed(two_browsers) -> None:  # noqa: ANN001
    (client, _), other = two_browsers
    assert client.post("/chat/api/turn", json={"text": "你好"}).status_code == 403
    assert client.post("/chat/api/turn", json={"text": "你好"}, headers={"X-CSRF-Token": other[1]}).status_code == 403
    assert client.get("/chat/api/history", headers={"X-CSRF-Token": other[1]}).status_code == 403


def test_two_browsers_never_see_each_others_conversation(two_browsers) -> None:  # noqa: ANN001
    a, b = two_browsers
    assert turn(a, "低保咋申请，俺电话13812345678").status_code == 200
    history_a = a[0].get("/chat/api/history", headers={"X-CSRF-Token": a[1]}).json()["turns"]
    history_b = b[0].get("/chat/api/history", headers={"X-CSRF-Token": b[1]}).json()["turns"]
    assert history_a[0] == {"who": "resident", "text": "低保咋申请，俺电话138****5678"}      # kept masked
    assert len(history_a) >= 2 and history_b == []


def test_a_reload_keeps_the_conversation(app_settings: Settings) -> None:
    client, csrf = browser(app_settings)
    try:
        turn((client, csrf), "临时救助咋申请")
        again = client.get("/chat")                                  # the same cookie: the same session
        assert CSRF.search(again.text).group(1) == csrf and "set-cookie" not in again.headers
        turns = client.get("/chat/api/history", headers={"X-CSRF-Token": csrf}).json()["turns"]
        assert turns[0]["text"] == "临时救助咋申请"
    finally:
        client.__exit__(None, None, None)


def test_the_status_view_shows_this_browsers_cases_and_a_lookup_needs_the_phone(
        two_browsers, session_factory, cipher, divisions) -> None:  # noqa: ANN001
    (client, csrf), (other, other_csrf) = two_browsers
    session_id = client.cookies.get("jsj_session").split(".")[0]
    now = datetime.now(timezone.utc)
    number = submit_case(session_factory, replace(application(user=f"webchat:{session_id}"), channel="webchat"),
                         triage(now), now, cipher=cipher, divisions=divisions)
    mine = client.get("/chat/api/cases", headers={"X-CSRF-Token": csrf}).json()["cases"]
    assert [c["case_number"] for c in mine] == [number] and mine[0]["status"] and mine[0]["history"]
    assert other.get("/chat/api/cases", headers={"X-CSRF-Token": other_csrf}).json()["cases"] == []
    found = other.post("/chat/api/lookup", json={"case_number": number, "phone_last4": "5678"},
                       headers={"X-CSRF-Token": other_csrf})
    assert found.status_code == 200 and found.json()["case"]["case_number"] == number
    wrong = other.post("/chat/api/lookup", json={"case_number": number, "phone_last4": "0000"},
                       headers={"X-CSRF-Token": other_csrf})
    assert wrong.status_code == 404 and "没有找到" in wrong.json()["message_zh"]


def test_the_status_view_shows_status_changes_and_caseworkers_messages(two_browsers, session_factory, cipher,
                                                                       divisions) -> None:  # noqa: ANN001
    """What a WeChat notice that cannot be pushed any more waits in: the case's progress, read by number + phone."""
    (client, csrf), _ = two_browsers
    now = datetime.now(timezone.utc)
    number = submit_case(session_factory, application(user="wechat:oLongAgo"), triage(now), now, cipher=cipher,
                         divisions=divisions)
    transition_case(session_factory, number, "accepted", actor="township:w", now=now)
    message_resident(session_factory, number, "请明天带身份证和户口簿到镇民政办", actor="township:w", now=now)
    found = client.post("/chat/api/lookup", json={"case_number": number, "phone_last4": "5678"},
                        headers={"X-CSRF-Token": csrf}).json()["case"]
    labels = [h["label"] for h in found["history"]]
    assert labels == ["提交申请", "状态变为“已受理”", "工作人员留言：请明天带身份证和户口簿到镇民政办"]
    assert found["status"] == "已受理"


def test_look_ups_are_few_a_minute(app_settings: Settings) -> None:
    client, csrf = browser(app_settings)
    try:
        codes = [client.post("/chat/api/lookup", json={"case_number": f"JSJ-20250303-{i:04d}", "phone_last4": "1234"},
                             headers={"X-CSRF-Token": csrf}).status_code for i in range(7)]
    finally:
        client.__exit__(None, None, None)
    assert codes[:5] == [404] * 5 and codes[5:] == [429, 429]


def test_a_poster_code_travels_with_the_page(app_settings: Settings) -> None:
    with TestClient(create_app(app_settings)) as client:
        assert 'V = "370811"' in client.get("/chat?v=370811").text
        assert 'V = ""' in client.get('/chat?v=<script>').text                   # not a division code: dropped
