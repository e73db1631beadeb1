"""When Rasa is down the gateway still answers policy questions, gives emergencies the phone numbers, says that
applications go through 12345 for now, and records every incoming message (masked)."""
import uuid
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
from tests.conversation.live import CHAT_REDIS_URL, SENDER_PREFIX, TEST_API_CLIENT, TEST_API_KEY

AUTH = {"Authorization": f"Bearer {TEST_API_KEY}"}


@pytest.fixture
def down_client(store_settings: Settings, session_factory) -> Iterator[TestClient]:  # noqa: ANN001
    settings = replace(store_settings, redis_url=CHAT_REDIS_URL, rasa_url="http://127.0.0.1:1",
                       api_keys=f"{TEST_API_CLIENT}:{TEST_API_KEY},other:other-key-0123456789abcdefghij")
    with TestClient(create_app(settings), headers=AUTH) as client:
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
    assert [(r.sender, r.outcome) for r in rows] == [(f"{SENDER_PREFIX}:u1", "fallback")]


def test_emergency_gets_safety_numbers_first(down_client: TestClient) -> None:
    body = down_client.post("/api/chat", json={"user_id": "u2", "text": "有人说不想活了，正在楼顶上"}).json()
    assert body["degraded"] is True
    assert "110" in body["replies"][0]["text"] or "120" in body["replies"][0]["text"]
    assert "2小时" in "\n".join(r["text"] for r in body["replies"])


def test_personal_data_is_masked_before_it_is_recorded(down_client: TestClient, store_settings) -> None:
    down_client.post("/api/chat", json={"user_id": "u3", "text": f"我身份证{ID_NUMBER}电话13812345678想申请低保"})
    (row,) = _inbound(store_settings)
    assert row.sender == f"{SENDER_PREFIX}:u3"
    assert ID_NUMBER not in row.text and "13812345678" not in row.text
    assert "3708**********1236" in row.text and "138****5678" in row.text


@pytest.mark.parametrize("payload", [
    {"user_id": "u", "text": ""},
    {"user_id": "", "text": "你好"},
    {"user_id": "u", "text": "你好", "metadata": {"channel": "fax"}},
    {"user_id": "u", "text": "你好", "metadata": {"nested": {"a": 1}}},
    {"text": "你好"},
    {"user_id": "u", "text": "你好\x00"},                          # NUL and other control characters
    {"user_id": "u", "text": "a\x1b[31m"},
    {"user_id": "u", "text": "你好", "metadata": {f"k{i}": i for i in range(17)}},      # too many keys
    {"user_id": "u", "text": "你好", "metadata": {"note": "长" * 201}},                 # too long a value
    {"user_id": "u", "text": "你好", "message_id": "m" * 65},
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


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong-key-0123456789abcdefghij"},
                                     {"Authorization": f"Basic {TEST_API_KEY}"}, {"Authorization": "Bearer "}])
def test_without_a_valid_key_the_api_says_401_and_records_nothing(down_client: TestClient, store_settings,
                                                                   headers: dict) -> None:
    response = down_client.post("/api/chat", headers={"Authorization": "", **headers},
                                json={"user_id": "x1", "text": "我想申请低保"})
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    assert response.json()["message_zh"]
    assert _inbound(store_settings) == []
    malformed = down_client.post("/api/chat", headers={"Authorization": ""}, json={"text": 1})
    assert malformed.status_code == 401                                    # the key is checked before the body


@pytest.mark.parametrize("channel", ["wechat", "telegram", "hotline"])
def test_a_door_that_identifies_its_own_users_cannot_be_claimed(down_client: TestClient, store_settings,
                                                                channel: str) -> None:
    response = down_client.post("/api/chat", json={"user_id": "oABC123", "text": "查询进度",
                                                   "metadata": {"channel": channel}})
    assert response.status_code == 403 and _inbound(store_settings) == []


def test_each_key_speaks_only_in_its_own_namespace(down_client: TestClient, store_settings) -> None:
    down_client.post("/api/chat", json={"user_id": "same-user", "text": "你好"})
    down_client.post("/api/chat", headers={"Authorization": "Bearer other-key-0123456789abcdefghij"},
                     json={"user_id": "same-user", "text": "你好"})
    senders = [r.sender for r in _inbound(store_settings)]
    assert senders == [f"{SENDER_PREFIX}:same-user", "api-other:same-user"]      # two people, not one


def test_a_body_over_64_kib_is_413(down_client: TestClient, store_settings) -> None:
    response = down_client.post("/api/chat", content=b'{"user_id": "u", "text": "' + b"a" * 70_000 + b'"}',
                                headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and "太大" in response.json()["message_zh"]
    assert _inbound(store_settings) == []


def test_over_the_rate_limit_nothing_is_processed(store_settings: Settings, session_factory) -> None:  # noqa: ANN001
    fast, slow = f"fast-{uuid.uuid4().hex[:8]}", f"slow-{uuid.uuid4().hex[:8]}"
    settings = replace(store_settings, redis_url=CHAT_REDIS_URL, rasa_url="http://127.0.0.1:1",
                       api_keys=f"{TEST_API_CLIENT}:{TEST_API_KEY}", rate_per_sender=3)
    with TestClient(create_app(settings), headers=AUTH) as client:
        codes = [client.post("/api/chat", json={"user_id": fast, "text": f"你好{i}"}).status_code for i in range(5)]
        other = client.post("/api/chat", json={"user_id": slow, "text": "你好"}).status_code
    assert codes == [200, 200, 200, 429, 429] and other == 200
    assert [r.text for r in _inbound(store_settings) if r.sender.endswith(f":{fast}")] == ["你好0", "你好1", "你好2"]


def test_without_a_configured_action_token_nothing_may_call_the_action_webhook(store_settings: Settings) -> None:
    """Issue 10: the token is mandatory in every mode (jishijiu serve too); loopback alone is not enough."""
    settings = replace(store_settings, redis_url=CHAT_REDIS_URL, action_token="")
    with TestClient(create_app(settings), client=("127.0.0.1", 40000)) as client:
        response = client.post("/internal/actions/webhook", headers={"X-Jishijiu-Action-Token": ""},
                               json={"next_action": "action_query_status", "tracker": {}, "domain": {}})
    assert response.status_code == 403


def test_with_rasa_down_what_was_said_waits_for_a_person(down_client: TestClient, session_factory) -> None:  # noqa: ANN001
    """Issue 10: the fallback's "您刚才的留言我们已经记录" is true — the resident waits in the console's inbox, once,
    raised to an emergency when one is reported."""
    from conversation.handoff import list_open

    user = "waiting-1"
    for text in ("低保咋申请", "俺家没钱吃饭了"):
        assert down_client.post("/api/chat", json={"user_id": user, "text": text},
                                headers={"Authorization": f"Bearer {TEST_API_KEY}"}).json()["degraded"]
    [waiting] = list_open(session_factory)
    assert (waiting.sender, waiting.reason, waiting.last_message) == (f"{SENDER_PREFIX}:{user}", "fallback",
                                                                      "俺家没钱吃饭了")
    down_client.post("/api/chat", json={"user_id": user, "text": "我爸突然倒地不省人事了"},
                     headers={"Authorization": f"Bearer {TEST_API_KEY}"})
    [waiting] = list_open(session_factory)
    assert waiting.reason == "emergency"
