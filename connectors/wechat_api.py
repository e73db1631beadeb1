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

    async def send_text(self, openid: str, text: str) -> bool:
        """A customer-service text message; True when WeChat accepted it."""
        body = {"touser": openid, "msgtype": "text", "text": {"content": text}}
        try:
            code = (await self._call("/cgi-bin/message/custom/send", body)).get("errcode", 0)
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            log.warning("wechat custom message failed: %s", exc.__class__.__name__)
            return False
        if code:
            log.warning("wechat custom message refused: errcode %s", code)
        return code == 0
