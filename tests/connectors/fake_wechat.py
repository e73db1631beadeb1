"""WeChat's API side of the access_token and customer-service message calls, recording what it was asked to send
(in the tests, WeChat's servers are replaced by this)."""
from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

from tests.connectors.fake_server import FakeServer


class FakeWeChat(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.tokens_issued = 0
        self.sent: list[dict] = []
        self.menus: list[dict] = []
        self.expired: set[str] = set()      # tokens WeChat now says are invalid (errcode 40001)
        self.templates: list[dict] = []
        self.refuse: dict[str, int] = {}    # openid → the errcode WeChat answers for messages to it

    def route(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, object]:
        url = urlparse(path)
        if method == "GET" and url.path == "/cgi-bin/token":
            self.tokens_issued += 1
            return 200, {"access_token": f"TOKEN{self.tokens_issued}", "expires_in": 7200}
        if method == "POST" and url.path == "/cgi-bin/message/custom/send":
            token = parse_qs(url.query).get("access_token", [""])[0]
            if token in self.expired:
                return 200, {"errcode": 40001, "errmsg": "invalid credential"}
            body = json.loads(raw.decode())
            if body["touser"] in self.refuse:
                return 200, {"errcode": self.refuse[body["touser"]], "errmsg": "refused"}
            self.sent.append({"token": token, **body})
            return 200, {"errcode": 0, "errmsg": "ok"}
        if method == "POST" and url.path == "/cgi-bin/message/template/send":
            body = json.loads(raw.decode())
            if body["touser"] in self.refuse:
                return 200, {"errcode": self.refuse[body["touser"]], "errmsg": "refused"}
            self.templates.append(body)
            return 200, {"errcode": 0, "errmsg": "ok", "msgid": len(self.templates)}
        if method == "POST" and url.path == "/cgi-bin/menu/create":
            self.menus.append(json.loads(raw.decode()))
            return 200, {"errcode": 0, "errmsg": "ok"}
        if method == "POST" and url.path == "/cgi-bin/qrcode/create":
            scene = json.loads(raw.decode())["action_info"]["scene"]["scene_str"]
            return 200, {"ticket": f"T-{scene}", "url": f"http://weixin.qq.com/q/{scene}"}
        return 200, {"errcode": 40004, "errmsg": "not found"}
