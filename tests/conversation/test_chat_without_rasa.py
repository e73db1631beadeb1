"""When Rasa is down the gateway still answers policy questions, gives emergencies the phone numbers, says that
applications go through 12345 for now, and records every incoming message (masked)."""
from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from conversation.inbox import InboundMessage
from jishijiu.db import make_engine, make_session_factory
from jishijiu.gateway.app import create_app
from jishijiu.settings import Settings
from tests.cases.fixtures import ID_NUMBER
from tests.conversation.live import CHAT_REDIS_URL


@pytest.fixture
def down_client(store_settings: Settings, session_factory) -> Iterator[TestClient]:  # noqa: ANN001
    settings = replace(store_settings, redis_url=CHAT_REDIS_URL, rasa_url="http://127.0.0.1:1")
    with TestClient(create_app(settings)) as client:
        yield client


def _inbound(store_settings: Settings) -> list[InboundMessage]:
    engine = make_engine(store_settings)
    try:
        with make_session_factory(engine)() as session:
            return list(session.scalars(select(InboundMessage).order_by(InboundMessage.id)))
    finally:
        engine.dispose()


def test_policy_question_is_answered_from_the_knowledge_base(down_client: TestClient, store_settings) -> None:
    response = down_client.post("/api/chat", json={"user_id": "u1", "text": "没钱请律师咋整"})
    assert response.status_code == 200
    body = response.json()
    assert body["degraded"] is True
    text = "\n".join(r["text"] for r in body["replies"])
    assert "法律援助" in text and "依据" in text
    assert "12345" in text and "在线申请暂时不可用" in text
    rows = _inbound(store_settings)
    assert [(r.sender, r.outcome) for r in rows] == [("webchat:u1", "fallback")]


def test_emergency_gets_safety_numbers_first(down_client: TestClient) -> None:
    body = down_client.post("/api/chat", json={"user_id": "u2", "text": "有人说不想活了，正在楼顶上"}).json()
    assert body["degraded"] is True
    assert "110" in body["replies"][0]["text"] or "120" in body["replies"][0]["text"]
    assert "2小时" in "\n".join(r["text"] for r in body["replies"])


def test_personal_data_is_masked_before_it_is_recorded(down_client: TestClient, store_settings) -> None:
    down_client.post("/api/chat", json={"user_id": "u3", "text": f"我身份证{ID_NUMBER}电话13812345678想申请低保",
                                        "metadata": {"channel": "hotline", "agent_id": "a7"}})
    (row,) = _inbound(store_settings)
    assert row.sender == "hotline:u3" and row.channel == "hotline"
    assert ID_NUMBER not in row.text and "13812345678" not in row.text
    assert "3708**********1236" in row.text and "138****5678" in row.text


@pytest.mark.parametrize("payload", [
    {"user_id": "u", "text": ""},
    {"user_id": "", "text": "你好"},
    {"user_id": "u", "text": "你好", "metadata": {"channel": "fax"}},
    {"user_id": "u", "text": "你好", "metadata": {"nested": {"a": 1}}},
    {"text": "你好"},
])
def test_bad_chat_input_is_422(down_client: TestClient, payload: dict) -> None:
    response = down_client.post("/api/chat", json=payload)
    assert response.status_code == 422
    assert response.json()["message_zh"]


@pytest.mark.parametrize("client_host, headers, status", [
    ("127.0.0.1", {}, 403),                                             # loopback but no token
    ("127.0.0.1", {"X-Jishijiu-Action-Token": "wrong-token-wrong-token"}, 403),
    ("10.1.2.3", {"X-Jishijiu-Action-Token": "right-token-right-token"}, 403),   # not from this machine
    ("127.0.0.1", {"X-Jishijiu-Action-Token": "right-token-right-token"}, 404),  # let through: unknown action
])
def test_action_webhook_is_for_the_local_rasa_only(store_settings: Settings, client_host: str, headers: dict,
                                                  status: int) -> None:
    settings = replace(store_settings, redis_url=CHAT_REDIS_URL, action_token="right-token-right-token")
    with TestClient(create_app(settings), client=(client_host, 40000)) as client:
        response = client.post("/internal/actions/webhook", headers=headers,
                               json={"next_action": "action_that_does_not_exist", "tracker": {}, "domain": {}})
    assert response.status_code == status
