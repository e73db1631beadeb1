"""The WeChat API calls the door needs: the access_token (shared by every gateway worker through Redis, refreshed
before it expires and when WeChat says it is invalid: errcode 40001/42001) and the customer-service text message."""
from __future__ import annotations

import json
import logging

import httpx
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
EXPIRED = (40001, 42001)
TRANSPORT_FAILED = -2          # not one of WeChat's codes: the call did not reach WeChat or had no answer
OUT_OF_WINDOW = (45015, 45047)  # more than 48 h since the user wrote / too many messages since: use a template
UNREACHABLE = (43004, 40003)    # the user unfollowed / the openid is not this account's: give up


class WeChatApi:
    def __init__(self, base_url: str, app_id: str, secret: str, redis: Redis, http: httpx.AsyncClient) -> None:
        self._base = base_url.rstrip("/")
        self._app_id = app_id
        self._secret = secret
        self._redis = redis
        self._http = http
        self._token_key = f"jishijiu:wechat:access_token:{app_id}"     # one per Official Account

    async def _fetch_token(self) -> str:
        response = await self._http.get(f"{self._base}/cgi-bin/token", params={
            "grant_type": "client_credential", "appid": self._app_id, "secret": self._secret})
        body = response.json()
        token = body["access_token"]
        try:
            await self._redis.set(self._token_key, token, ex=max(60, int(body.get("expires_in", 7200)) - 300))
        except (RedisError, OSError):
            pass
        return token

    async def access_token(self, fresh: bool = False) -> str:
        if not fresh:
            try:
                cached = await self._redis.get(self._token_key)
            except (RedisError, OSError):
                cached = None
            if cached:
                return cached.decode() if isinstance(cached, bytes) else cached
        return await self._fetch_token()

    async def _call(self, path: str, body: dict) -> dict:
        """POST a JSON body with the access_token (fetched again once when WeChat says it expired)."""
        for attempt in range(2):
            token = await self.access_token(fresh=attempt > 0)
            response = await self._http.post(f"{self._base}{path}", params={"access_token": token},
                                             content=json.dumps(body, ensure_ascii=False).encode(),
                                             headers={"Content-Type": "application/json; charset=utf-8"})
            answer = response.json()
            if answer.get("errcode", 0) not in EXPIRED:
                return answer
        return answer

    async def create_menu(self, buttons: list[dict]) -> dict:
        """The Official Account's menu (POST /cgi-bin/menu/create); WeChat's answer ({"errcode": 0} when done)."""
        return await self._call("/cgi-bin/menu/create", {"button": buttons})

    async def permanent_qr_url(self, scene: str) -> str:
        """The content of a permanent parametric QR code (QR_LIMIT_STR_SCENE) whose scan says `scene`."""
        answer = await self._call("/cgi-bin/qrcode/create", {"action_name": "QR_LIMIT_STR_SCENE",
                                                             "action_info": {"scene": {"scene_str": scene}}})
        if "url" not in answer:
            raise RuntimeError(f"WeChat refused the QR code: errcode {answer.get('errcode')}")
        return answer["url"]

    async def _send(self, path: str, body: dict, what: str) -> int:
        """WeChat's errcode for a message call (0: accepted), or TRANSPORT_FAILED when WeChat was not reached."""
        try:
            code = int((await self._call(path, body)).get("errcode", 0))
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            log.warning("wechat %s failed: %s", what, exc.__class__.__name__)
            return TRANSPORT_FAILED
        if code:
            log.warning("wechat %s refused: errcode %s", what, code)
        return code

    async def custom_text(self, openid: str, text: str) -> int:
        """A customer-service text message (allowed within 48 h of the user's last message); WeChat's errcode."""
        return await self._send("/cgi-bin/message/custom/send",
                                {"touser": openid, "msgtype": "text", "text": {"content": text}}, "custom message")

    async def send_text(self, openid: str, text: str) -> bool:
        """A customer-service text message; True when WeChat accepted it."""
        return await self.custom_text(openid, text) == 0

    async def template(self, openid: str, template_id: str, data: dict[str, str], url: str | None = None) -> int:
        """A template message (any time, to a follower); `data` maps the template's fields to values."""
        body: dict = {"touser": openid, "template_id": template_id,
                      "data": {k: {"value": v} for k, v in data.items()}}
        if url:
            body["url"] = url
        return await self._send("/cgi-bin/message/template/send", body, "template message")
