"""The Telegram webhook against a local fake Bot API server: the secret token decides who may call, the chat id
Telegram signed decides who is speaking, retries of an update are processed once, buttons come and go as an
inline keyboard (Rasa down: the conversation answers from the knowledge base)."""
from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from conversation.rasa_client import BotReply, Button
from connectors.telegram import keyboard
from jishijiu.gateway.app import create_app
from jishijiu.settings import Settings
from tests.connectors.fake_telegram import FakeTelegram
from tests.conversation.live import CHAT_REDIS_URL
from tests.inbox import inbound_texts

TOKEN = "123456789:AAF0123456789abcdefghijklmnopqrstuv"
SECRET = "webhook-secret-0123456789"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}


@pytest.fixture
def telegram(store_settings: Settings, session_factory) -> Iterator[tuple[TestClient, FakeTelegram]]:  # noqa: ANN001
    with FakeTelegram(TOKEN) as fake:
        settings = replace(store_settings, redis_url=CHAT_REDIS_URL, rasa_url="http://127.0.0.1:1",
                           telegram_token=TOKEN, telegram_secret=SECRET, telegram_api_base=fake.base_url)
        with TestClient(create_app(settings)) as client:
            yield client, fake


def update(chat_id: int, text: str | None = "低保咋申请", **extra: object) -> dict:
    message: dict = {"message_id": 1, "date": 1764547200, "chat": {"id": chat_id, "type": "private"},
                     "from": {"id": chat_id, "is_bot": False, "first_name": "居民"}}
    if text is not None:
        message["text"] = text
    return {"update_id": uuid.uuid4().int % 2**31, "message": message, **extra}




def test_a_message_is_answered_in_the_same_chat(telegram, store_settings) -> None:  # noqa: ANN001
    client, fake = telegram
    chat_id = uuid.uuid4().int % 10**9
    assert client.post("/telegram/webhook", json=update(chat_id), headers=HEADERS).status_code == 200
    sent = fake.messages_to(chat_id)
    assert sent and "低保" in "".join(s["text"] for s in sent)
    assert inbound_texts(store_settings, f"telegram:{chat_id}") == ["低保咋申请"]


@pytest.mark.parametrize("headers", [{}, {"X-Telegram-Bot-Api-Secret-Token": "wrong-secret-0123456789"}])
def test_without_the_webhook_secret_nothing_is_processed(telegram, store_settings, headers: dict) -> None:  # noqa: ANN001
    client, fake = telegram
    chat_id = uuid.uuid4().int % 10**9
    response = client.post("/telegram/webhook", json=update(chat_id), headers=headers)
    assert response.status_code == 403 and response.json()["message_zh"]
    assert fake.messages_to(chat_id) == [] and inbound_texts(store_settings, f"telegram:{chat_id}") == []


def test_a_retried_update_is_processed_once_even_when_the_retries_arrive_together(telegram, store_settings) -> None:  # noqa: ANN001
    client, fake = telegram
    chat_id = uuid.uuid4().int % 10**9
    body = update(chat_id)
    with ThreadPoolExecutor(3) as pool:
        codes = list(pool.map(lambda _: client.post("/telegram/webhook", json=body, headers=HEADERS).status_code,
                              range(3)))
    assert codes == [200, 200, 200]
    assert inbound_texts(store_settings, f"telegram:{chat_id}") == ["低保咋申请"]          # one turn, one reply set
    first = len(fake.messages_to(chat_id))
    client.post("/telegram/webhook", json=body, headers=HEADERS)
    assert len(fake.messages_to(chat_id)) == first


def test_a_photo_gets_a_kind_word_and_control_characters_a_clear_one(telegram) -> None:  # noqa: ANN001
    client, fake = telegram
    chat_id = uuid.uuid4().int % 10**9
    client.post("/telegram/webhook", json=update(chat_id, None), headers=HEADERS)
    client.post("/telegram/webhook", json=update(chat_id, "你好\x00"), headers=HEADERS)
    texts = [s["text"] for s in fake.messages_to(chat_id)]
    assert "只能看懂文字" in texts[0] and "控制字符" in texts[1]


def test_a_button_press_is_the_buttons_payload(telegram, store_settings) -> None:  # noqa: ANN001
    client, fake = telegram
    chat_id = uuid.uuid4().int % 10**9
    press = {"update_id": uuid.uuid4().int % 2**31,
             "callback_query": {"id": "cb1", "chat_instance": "x", "data": "转人工",
                                "from": {"id": chat_id, "is_bot": False, "first_name": "居民"},
                                "message": {"message_id": 9, "date": 1764547200,
                                            "chat": {"id": chat_id, "type": "private"}, "text": "…"}}}
    assert client.post("/telegram/webhook", json=press, headers=HEADERS).status_code == 200
    assert inbound_texts(store_settings, f"telegram:{chat_id}") == ["转人工"]
    assert any(s["method"] == "answerCallbackQuery" for s in fake.sent) and fake.messages_to(chat_id)


def test_buttons_become_an_inline_keyboard_within_telegrams_limits() -> None:
    reply = BotReply("请选择", (Button("同意", "/affirm"), Button("医疗", '/inform{"difficulty_kind": "医疗"}'),
                              Button("很长", "/inform" + json.dumps({"x": "长" * 40}, ensure_ascii=False))))
    rows = keyboard(reply).inline_keyboard
    assert [r[0].callback_data for r in rows] == ["/affirm", '/inform{"difficulty_kind": "医疗"}', "很长"]


def test_without_a_token_the_webhook_is_off(store_settings: Settings, session_factory) -> None:  # noqa: ANN001
    with TestClient(create_app(replace(store_settings, redis_url=CHAT_REDIS_URL))) as client:
        assert client.post("/telegram/webhook", json=update(1), headers=HEADERS).status_code == 404
