"""The WeChat Official Account door (wechatpy): GET /wechat verifies the server, POST /wechat receives messages.

Who is speaking is the openid in a message WeChat signed (signature in plain mode, msg_signature over the encrypted
body in safe mode); a forged or missing signature is 403 and nothing is processed. Bodies with a DOCTYPE or entities,
or that are not XML, are 400. WeChat waits 5 s and retries the same message (MsgId; events: FromUserName +
CreateTime) up to three times: each is processed once, across gateway workers (Redis), and a retry that arrives
while the first is still being answered gets an empty "success". When the conversation takes longer than
`reply_within` seconds, WeChat gets "success" at once and the answer follows by the customer-service message API
(connectors/wechat_api.py). Buttons become numbered choices; a reply with the number means that button.
"""
from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict
from redis.asyncio import Redis
from redis.exceptions import RedisError
from wechatpy import create_reply, parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import check_signature

from connectors.base import Connector, DoorRefused
from connectors.ratelimit import RateLimiter
from connectors.wechat_api import WeChatApi
from conversation.attachments import PendingAttachments
from conversation.chat import ChatService
from conversation.rasa_client import BotReply
from nlu.textinput import InvalidText, require_text

log = logging.getLogger(__name__)
WORDING = Path(__file__).with_name("data") / "wechat.yaml"
MAX_REPLY_BYTES = 2048            # WeChat's limit for one text message
SEEN_SECONDS = 600
CHOICES_SECONDS = 3600
_UNSAFE_XML = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
_NUMBER = re.compile(r"\s*([0-9]{1,2})\s*")


class WeChatWording(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    welcome: str
    voice_not_understood: str
    image_received: str
    image_attached: str
    location_unknown: str
    not_text: str
    too_fast: str
    choices: str
    menu: dict[str, list[str]]


def _not_wechat() -> DoorRefused:
    return DoorRefused(400, "不是有效的微信消息。", "Not a valid WeChat message.")


def _refuse_unsafe(xml: bytes) -> None:
    """XML with a DOCTYPE or entities (XXE, entity expansion) is refused before any parser sees it."""
    if _UNSAFE_XML.search(xml):
        raise DoorRefused(400, "消息格式不被接受。", "XML with a DOCTYPE or entities is refused.")


def load_wording(path: Path = WORDING) -> WeChatWording:
    return WeChatWording.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def split_bytes(text: str, limit: int = MAX_REPLY_BYTES) -> list[str]:
    """Pieces of at most `limit` UTF-8 bytes, cut between characters (and at line ends where possible)."""
    pieces, current = [], ""
    for line in text.splitlines(keepends=True):
        for ch in line:
            if len((current + ch).encode()) > limit:
                cut = current.rfind("\n") + 1 or len(current)
                pieces.append(current[:cut])
                current = current[cut:]
            current += ch
    return [p.rstrip("\n") for p in [*pieces, current] if p.strip()]


def as_text(replies: list[BotReply], intro: str) -> tuple[str, list[str]]:
    """The replies as one text, buttons numbered ("1. 同意"); and the payload of each number."""
    lines, payloads = [], []
    for reply in replies:
        lines.append(reply.text)
        if reply.buttons:
            lines.append(intro)
            for b in reply.buttons:
                payloads.append(b.payload)
                lines.append(f"{len(payloads)}. {b.title}")
    return "\n".join(lines), payloads


class WeChatDoor(Connector):
    name = "wechat"

    def __init__(self, chat: ChatService, token: str, app_id: str, aes_key: str | None, api: WeChatApi,
                 limiter: RateLimiter, redis: Redis, reply_within: float = 4.5,
                 attachments: PendingAttachments | None = None,
                 place_of: Callable[[str], str | None] | None = None) -> None:
        self._chat = chat
        self._token = token
        self._app_id = app_id
        self._crypto = WeChatCrypto(token, aes_key, app_id) if aes_key else None
        self._api = api
        self._limiter = limiter
        self._redis = redis
        self._within = reply_within
        self._attachments = attachments      # images: onto the case just filed, or kept for the application
        self._place_of = place_of            # a location's label → the division it names, or None
        self._say = load_wording()
        self._background: set[asyncio.Task] = set()

    # ---- once per message ----------------------------------------------------------------------------------
    async def _first_time(self, key: str) -> bool:
        try:
            return bool(await self._redis.set(f"jishijiu:wechat:seen:{key}", 1, nx=True, ex=SEEN_SECONDS))
        except (RedisError, OSError):
            return True

    async def _choices(self, openid: str, payloads: list[str] | None = None) -> list[str]:
        key = f"jishijiu:wechat:choices:{openid}"
        try:
            if payloads is not None:
                await self._redis.set(key, json.dumps(payloads, ensure_ascii=False), ex=CHOICES_SECONDS)
                return payloads
            raw = await self._redis.get(key)
        except (RedisError, OSError):
            return []
        return json.loads(raw) if raw else []

    # ---- what the resident said ----------------------------------------------------------------------------
    def _turn(self, msg: Any) -> tuple[str | None, dict[str, object], str | None]:
        """(text for the conversation or None, metadata, a reply of our own when there is no turn)."""
        kind, event = msg.type, getattr(msg, "event", None)
        if kind == "text":
            return msg.content, {"channel": "wechat"}, None
        if kind == "voice":
            heard = (getattr(msg, "recognition", None) or "").strip()
            return (heard, {"channel": "wechat"}, None) if heard else (None, {}, self._say.voice_not_understood)
        if kind == "location":             # the place as words the application understands, when it is Jining's
            label = (getattr(msg, "label", None) or "").strip()
            if label and self._place_of is not None and self._place_of(label):
                return f"我在{label}", {"channel": "wechat"}, None
            return None, {}, self._say.location_unknown
        if kind == "event" and event in ("subscribe", "subscribe_scan", "scan"):
            scene = (getattr(msg, "scene_id", None) or "").strip()
            if scene:                      # a poster's parametric QR code: the place is preset
                return "你好", {"channel": "qr", "village_code": scene}, None
            return None, {}, self._say.welcome
        if kind == "event" and event == "click":
            said = self._say.menu.get(getattr(msg, "key", "") or "")
            return (said[1], {"channel": "wechat"}, None) if said else (None, {}, None)
        if kind == "event":               # unsubscribe and the rest: recorded by the log, nothing to say
            log.info("wechat event %s", event)
            return None, {}, None
        return None, {}, self._say.not_text

    async def _answer(self, openid: str, text: str, metadata: dict[str, object], message_id: str) -> str:
        number = _NUMBER.fullmatch(text)
        if number:
            choices = await self._choices(openid)
            index = int(number.group(1)) - 1
            if 0 <= index < len(choices):
                text = choices[index]
        result = await self._chat.handle(self.name, openid, text, metadata, message_id=message_id)
        reply, payloads = as_text(result.replies, self._say.choices)
        await self._choices(openid, payloads)
        return reply

    async def _image(self, msg: Any, client_address: str | None) -> str:
        """Keep the image's media id: on the case this conversation filed today, else for the application."""
        if not await self._limiter.allow(self.sender(msg.source), client_address):
            return self._say.too_fast
        media_id = (getattr(msg, "media_id", None) or "").strip()
        if not media_id or self._attachments is None:
            return self._say.image_received
        number = await self._attachments.add(self.sender(msg.source), "wechat_image", media_id[:256])
        return self._say.image_attached.format(case_number=number) if number else self._say.image_received

    async def _later(self, openid: str, pending: asyncio.Task) -> None:
        try:
            text = await pending
        except Exception as exc:  # noqa: BLE001 - a failed turn is logged; WeChat already has "success"
            log.error("wechat turn failed: %s", exc.__class__.__name__)
            return
        for piece in split_bytes(text):
            await self._api.send_text(openid, piece)

    async def _reply_xml(self, msg: Any, text: str) -> str:
        """The passive reply: the first piece now, the rest by the customer-service API."""
        pieces = split_bytes(text) or [""]
        for piece in pieces[1:]:
            task = asyncio.create_task(self._api.send_text(msg.source, piece))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        return create_reply(pieces[0], msg).render()

    async def receive(self, xml: bytes, client_address: str | None) -> str:
        """The XML to answer WeChat with, or "success"."""
        _refuse_unsafe(xml)                  # the plain text of a safe-mode message is checked here too
        try:
            msg = parse_message(xml)
        except Exception:  # noqa: BLE001 - anything xmltodict cannot read is not a WeChat message
            raise _not_wechat() from None
        if msg is None or not getattr(msg, "source", None):
            raise _not_wechat()
        key = str(msg.id) if getattr(msg, "id", None) else f"{msg.source}:{msg.create_time}"
        if not await self._first_time(key):
            return "success"
        if msg.type == "image":
            return await self._reply_xml(msg, await self._image(msg, client_address))
        text, metadata, own = self._turn(msg)
        if text is None:
            return await self._reply_xml(msg, own) if own else "success"
        if not await self._limiter.allow(self.sender(msg.source), client_address):
            return await self._reply_xml(msg, self._say.too_fast)
        try:
            text = require_text(text, 2000, "消息", "The message")
        except InvalidText as exc:
            return await self._reply_xml(msg, exc.message_zh)
        pending = asyncio.create_task(self._answer(msg.source, text, metadata, key))
        try:
            answer = await asyncio.wait_for(asyncio.shield(pending), timeout=self._within)
        except asyncio.TimeoutError:     # the 5-second rule: "success" now, the answer when it is ready
            task = asyncio.create_task(self._later(msg.source, pending))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
            return "success"
        return await self._reply_xml(msg, answer)

    # ---- HTTP ----------------------------------------------------------------------------------------------
    def router(self) -> APIRouter:
        router = APIRouter(tags=["wechat"])

        @router.get("/wechat", include_in_schema=False)
        async def verify(signature: str = "", timestamp: str = "", nonce: str = "", echostr: str = "") -> Response:
            try:
                check_signature(self._token, signature, timestamp, nonce)
            except InvalidSignatureException:
                raise DoorRefused(403, "签名不对。", "Invalid signature.") from None
            return PlainTextResponse(echostr)

        @router.post("/wechat", include_in_schema=False)
        async def receive(request: Request, signature: str = "", timestamp: str = "", nonce: str = "",
                          encrypt_type: str = "", msg_signature: str = "") -> Response:
            body = await request.body()
            _refuse_unsafe(body)
            safe = encrypt_type == "aes" and self._crypto is not None
            try:
                if safe:
                    body = self._crypto.decrypt_message(body, msg_signature, timestamp, nonce).encode()
                else:
                    check_signature(self._token, signature, timestamp, nonce)
            except (InvalidSignatureException, InvalidAppIdException):
                raise DoorRefused(403, "签名不对。", "Invalid signature.") from None
            except (ValueError, KeyError):
                raise _not_wechat() from None
            answer = await self.receive(body, request.client.host if request.client else None)
            if safe and answer != "success":
                answer = self._crypto.encrypt_message(answer, nonce, timestamp)
            return Response(answer, media_type="application/xml" if answer != "success" else "text/plain")

        return router
