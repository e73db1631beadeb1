"""The WeChat Official Account door with signed XML exactly as WeChat sends it, in plain and safe mode, against a
local fake WeChat API (Rasa down: the conversation answers from the knowledge base)."""
from __future__ import annotations

import hashlib
import json
import re
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timezone

import pytest
from fastapi.testclient import TestClient
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto

from connectors.wechat import WeChatDoor, as_text, load_wording, split_bytes
from conversation.rasa_client import BotReply, Button
from jishijiu.gateway.app import create_app
from jishijiu.settings import Settings
from tests.connectors.fake_wechat import FakeWeChat
from tests.conversation.live import CHAT_REDIS_URL
from tests.inbox import inbound_texts

TOKEN, APP_ID, AES_KEY = "jishijiuToken2026", "wx1234567890abcdef", "a" * 43


def signed(timestamp: str, nonce: str) -> str:
    return hashlib.sha1("".join(sorted([TOKEN, timestamp, nonce])).encode()).hexdigest()


def query(**extra: str) -> dict[str, str]:
    timestamp, nonce = str(int(time.time())), uuid.uuid4().hex[:10]
    return {"signature": signed(timestamp, nonce), "timestamp": timestamp, "nonce": nonce, **extra}


def text_xml(openid: str, content: str, msg_id: int | None = None) -> str:
    return (f"<xml><ToUserName><![CDATA[gh_jishijiu]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id or uuid.uuid4().int % 10**15}</MsgId></xml>")




@pytest.fixture
def fake() -> Iterator[FakeWeChat]:
    with FakeWeChat() as server:
        yield server


def gateway(store_settings: Settings, fake: FakeWeChat, **changes: object) -> TestClient:
    settings = replace(store_settings, redis_url=CHAT_REDIS_URL, rasa_url="http://127.0.0.1:1", wechat_token=TOKEN,
                       wechat_app_id=APP_ID, wechat_secret="s3cret", wechat_api_base=fake.base_url)
    settings = replace(settings, **changes)
    return TestClient(create_app(settings))


def test_the_server_check_answers_echostr_only_when_signed(store_settings, session_factory, fake) -> None:  # noqa: ANN001
    with gateway(store_settings, fake) as client:
        assert client.get("/wechat", params=query(echostr="hello-wechat")).text == "hello-wechat"
        assert client.get("/wechat", params={**query(echostr="x"), "signature": "0" * 40}).status_code == 403


def test_a_text_message_is_answered_in_the_reply_and_recorded_for_its_openid(store_settings, session_factory,  # noqa: ANN001
                                                                              fake) -> None:
    openid = f"o{uuid.uuid4().hex[:20]}"
    with gateway(store_settings, fake) as client:
        response = client.post("/wechat", params=query(), content=text_xml(openid, "低保咋申请").encode())
    assert response.status_code == 200
    reply = parse_message(response.content)
    assert reply.type == "text" and reply.target == openid and "低保" in reply.content
    assert inbound_texts(store_settings, f"wechat:{openid}") == ["低保咋申请"]


@pytest.mark.parametrize("tamper", ["signature", "missing"])
def test_a_forged_or_missing_signature_is_403_and_nothing_is_processed(store_settings, session_factory, fake,  # noqa: ANN001
                                                                       tamper: str) -> None:
    openid = f"o{uuid.uuid4().hex[:20]}"
    params = {**query(), "signature": "f" * 40} if tamper == "signature" else {}
    with gateway(store_settings, fake) as client:
        response = client.post("/wechat", params=params, content=text_xml(openid, "查询进度").encode())
    assert response.status_code == 403 and inbound_texts(store_settings, f"wechat:{openid}") == []


@pytest.mark.parametrize("body", [
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Content>&a;</Content></xml>',      # XXE / bomb
    b"<xml><ToUserName>unclosed",
    b"<xml>" + b"a" * 70_000 + b"</xml>",                                                           # over 64 KiB
])
def test_dangerous_malformed_or_oversized_xml_is_400(store_settings, session_factory, fake, body: bytes) -> None:  # noqa: ANN001
    with gateway(store_settings, fake) as client:
        assert client.post("/wechat", params=query(), content=body).status_code == 400


def test_safe_mode_decrypts_the_message_and_encrypts_the_reply(store_settings, session_factory, fake) -> None:  # noqa: ANN001
    crypto, openid = WeChatCrypto(TOKEN, AES_KEY, APP_ID), f"o{uuid.uuid4().hex[:20]}"
    timestamp, nonce = str(int(time.time())), uuid.uuid4().hex[:10]
    sealed = crypto.encrypt_message(text_xml(openid, "临时救助咋申请"), nonce, timestamp)
    msg_signature = re.search(r"<MsgSignature><!\[CDATA\[(\w+)\]\]>", sealed).group(1)
    params = {"timestamp": timestamp, "nonce": nonce, "encrypt_type": "aes", "msg_signature": msg_signature}
    with gateway(store_settings, fake, wechat_aes_key=AES_KEY) as client:
        response = client.post("/wechat", params=params, content=sealed.encode())
        forged = client.post("/wechat", params={**params, "msg_signature": "0" * 40}, content=sealed.encode())
    assert response.status_code == 200 and "<Encrypt>" in response.text and "救助" not in response.text
    reply_signature = re.search(r"<MsgSignature><!\[CDATA\[(\w+)\]\]>", response.text).group(1)
    plain = crypto.decrypt_message(response.text, reply_signature, timestamp, nonce)
    assert "临时救助" in parse_message(plain).content
    assert forged.status_code == 403 and inbound_texts(store_settings, f"wechat:{openid}") == ["临时救助咋申请"]


def test_the_same_msgid_three_times_at_once_is_one_turn_and_one_reply(store_settings, session_factory, fake) -> None:  # noqa: ANN001
    openid, msg_id = f"o{uuid.uuid4().hex[:20]}", uuid.uuid4().int % 10**15
    body = text_xml(openid, "残疾人补贴咋领", msg_id).encode()
    with gateway(store_settings, fake) as client, ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(lambda _: client.post("/wechat", params=query(), content=body).text, range(3)))
    assert sorted(a == "success" for a in answers) == [False, True, True]
    assert inbound_texts(store_settings, f"wechat:{openid}") == ["残疾人补贴咋领"] and fake.sent == []


def test_a_slow_answer_is_success_now_and_one_customer_service_message_later(store_settings, session_factory,  # noqa: ANN001
                                                                              fake) -> None:
    openid = f"o{uuid.uuid4().hex[:20]}"
    account = f"wx{uuid.uuid4().hex[:16]}"         # its own access_token in Redis
    with gateway(store_settings, fake, wechat_reply_within=0.0, wechat_app_id=account) as client:
        response = client.post("/wechat", params=query(), content=text_xml(openid, "低保咋申请").encode())
        deadline = time.monotonic() + 15
        while not fake.sent and time.monotonic() < deadline:
            time.sleep(0.1)
    assert response.text == "success"
    assert [m["touser"] for m in fake.sent] == [openid] and "低保" in fake.sent[0]["text"]["content"]
    assert fake.tokens_issued == 1 and fake.sent[0]["token"] == "TOKEN1"


def test_a_poster_scan_presets_the_place_and_a_menu_click_speaks() -> None:
    door = WeChatDoor.__new__(WeChatDoor)         # _turn reads only the message and the shipped wording
    door._say = load_wording()
    scan = parse_message("<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime>"
                         "<MsgType>event</MsgType><Event>subscribe</Event><EventKey>qrscene_370811002</EventKey>"
                         "<Ticket>t</Ticket></xml>")
    assert door._turn(scan)[1] == {"channel": "qr", "village_code": "370811002"}
    click = parse_message("<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime>"
                          "<MsgType>event</MsgType><Event>CLICK</Event><EventKey>STATUS</EventKey></xml>")
    assert door._turn(click)[0] == "查询进度"


def test_buttons_become_numbered_choices_and_long_replies_fit_wechats_limit() -> None:
    text, payloads = as_text([BotReply("您同意吗？", (Button("同意", "/affirm"), Button("不同意", "/deny")))], "请回复数字：")
    assert text.endswith("1. 同意\n2. 不同意") and payloads == ["/affirm", "/deny"]
    pieces = split_bytes("低保" * 2000)
    assert len(pieces) == 6 and all(len(p.encode()) <= 2048 for p in pieces) and "".join(pieces) == "低保" * 2000


def test_the_menu_and_the_posters_wechat_codes_come_from_the_account(tmp_path, monkeypatch, fake) -> None:  # noqa: ANN001
    from jishijiu.cli import main
    for name, value in {"WECHAT_TOKEN": TOKEN, "WECHAT_APPID": f"wx{uuid.uuid4().hex[:16]}", "WECHAT_SECRET": "s",
                        "WECHAT_API_BASE": fake.base_url, "REDIS_URL": CHAT_REDIS_URL,
                        "JISHIJIU_PUBLIC_URL": "https://jishijiu.example.cn"}.items():
        monkeypatch.setenv(name, value)
    assert main(["wechat", "menu"]) == 0
    assert [b["key"] for b in fake.menus[0]["button"]] == ["POLICY", "APPLY", "STATUS", "EMERGENCY"]
    assert main(["qr", "--township", "370811002", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "370811002-许庄街道-wechat.png").stat().st_size > 500


def test_an_access_token_wechat_calls_invalid_is_fetched_again_once_and_shared(fake) -> None:  # noqa: ANN001
    import asyncio

    import httpx
    from redis.asyncio import Redis

    from connectors.wechat_api import WeChatApi

    async def run() -> tuple[bool, bool]:
        redis = Redis.from_url(CHAT_REDIS_URL)
        async with httpx.AsyncClient(timeout=5) as http:
            account = f"wx{uuid.uuid4().hex[:16]}"
            first, second = (WeChatApi(fake.base_url, account, "s", redis, http) for _ in range(2))   # two workers
            sent = await first.send_text("o1", "第一条")
            fake.expired.add("TOKEN1")                     # WeChat invalidates it (another refresh, say)
            again = await second.send_text("o1", "第二条")
            await redis.aclose()
            return sent, again
    sent, again = asyncio.run(run())
    assert sent and again and fake.tokens_issued == 2                # the second worker reused, then refreshed
    assert [(m["token"], m["text"]["content"]) for m in fake.sent] == [("TOKEN1", "第一条"), ("TOKEN2", "第二条")]


def image_xml(openid: str, media_id: str) -> str:
    return (f"<xml><ToUserName>gh_jishijiu</ToUserName><FromUserName>{openid}</FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType>image</MsgType><PicUrl>http://mmbiz/x</PicUrl>"
            f"<MediaId>{media_id}</MediaId><MsgId>{uuid.uuid4().int % 10**15}</MsgId></xml>")


def location_xml(openid: str, label: str) -> str:
    return (f"<xml><ToUserName>gh_jishijiu</ToUserName><FromUserName>{openid}</FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType>location</MsgType><Location_X>35.6</Location_X>"
            f"<Location_Y>116.5</Location_Y><Scale>15</Scale><Label>{label}</Label>"
            f"<MsgId>{uuid.uuid4().int % 10**15}</MsgId></xml>")


def test_an_image_is_kept_for_the_application_or_put_on_the_case_just_filed(store_settings, session_factory, fake,
                                                                            cipher, divisions) -> None:  # noqa: ANN001
    import redis

    from cases.service import get_case, submit_case
    from tests.cases.fixtures import application, triage

    before, after = f"o{uuid.uuid4().hex[:20]}", f"o{uuid.uuid4().hex[:20]}"
    now = datetime.now(timezone.utc)
    number = submit_case(session_factory, application(user=f"wechat:{after}"), triage(now), now, cipher=cipher,
                         divisions=divisions)
    with gateway(store_settings, fake) as client:
        kept = parse_message(client.post("/wechat", params=query(), content=image_xml(before, "MEDIA-1")).content)
        put = parse_message(client.post("/wechat", params=query(), content=image_xml(after, "MEDIA-2")).content)
    assert "附在您正在办的申请里" in kept.content
    pending = redis.Redis.from_url(CHAT_REDIS_URL).lrange(f"jishijiu:attachments:wechat:{before}", 0, -1)
    assert [json.loads(p)["ref"] for p in pending] == ["MEDIA-1"]
    assert number in put.content
    detail = get_case(session_factory, number)
    assert [a["ref"] for a in detail.attachments] == ["MEDIA-2"]
    assert detail.history[-1].detail == {"附件": "新增 1 件（共 1 件）"}      # the caseworkers are told


def test_a_location_in_jining_becomes_the_place_and_elsewhere_gets_a_question(store_settings, session_factory,
                                                                              fake) -> None:  # noqa: ANN001
    openid = f"o{uuid.uuid4().hex[:20]}"
    with gateway(store_settings, fake) as client:
        client.post("/wechat", params=query(), content=location_xml(openid, "山东省济宁市汶上县南站镇").encode())
        away = parse_message(client.post("/wechat", params=query(),
                                         content=location_xml(openid, "北京市朝阳区望京街道").encode()).content)
    assert inbound_texts(store_settings, f"wechat:{openid}") == ["我在山东省济宁市汶上县南站镇"]
    assert "没对上" in away.content
