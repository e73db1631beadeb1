"""The Telegram Bot API's side of sendMessage, answerCallbackQuery and getMe, recording what it was asked to send
(in the tests, Telegram's servers are replaced by this)."""
from __future__ import annotations

import json
import time
from urllib.parse import parse_qs

from tests.connectors.fake_server import FakeServer


class FakeTelegram(FakeServer):
    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        self.sent: list[dict] = []
        self.failing = 0                    # the next N calls answer 502 (Telegram's side is down)
        self.blocked: set[int] = set()      # chats whose user blocked the bot (403)

    def route(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, object]:
        kind = headers.get("Content-Type", headers.get("content-type", ""))
        params = json.loads(raw) if "json" in kind else {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        prefix = f"/bot{self.token}/"
        if not path.startswith(prefix):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        endpoint = path[len(prefix):]
        if endpoint == "sendMessage" and int(params["chat_id"]) in self.blocked:
            return 403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
        if self.failing > 0:
            self.failing -= 1
            return 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
        self.sent.append({"method": endpoint, **params})
        if endpoint == "getMe":
            result: object = {"id": 1, "is_bot": True, "first_name": "jishijiu", "username": "jsj_bot"}
        elif endpoint == "sendMessage":
            result = {"message_id": len(self.sent), "date": int(time.time()),
                      "chat": {"id": int(params["chat_id"]), "type": "private"}, "text": params.get("text")}
        else:
            result = True
        return 200, {"ok": True, "result": result}

    def messages_to(self, chat_id: int) -> list[dict]:
        return [s for s in self.sent if s["method"] == "sendMessage" and int(s["chat_id"]) == chat_id]
