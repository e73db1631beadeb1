"""A small local HTTP server that speaks the Telegram Bot API's side of sendMessage, answerCallbackQuery and
getMe, and records what it was asked to send (in the tests, Telegram's servers are replaced by this)."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


class FakeTelegram:
    def __init__(self, token: str) -> None:
        self.token = token
        self.sent: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # noqa: ANN002 - quiet
                pass

            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                kind = self.headers.get("Content-Type", "")
                params = json.loads(raw) if "json" in kind else {k: v[0] for k, v in parse_qs(raw).items()}
                prefix = f"/bot{fake.token}/"
                if not self.path.startswith(prefix):
                    return self._answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                method = self.path[len(prefix):]
                fake.sent.append({"method": method, **params})
                if method == "getMe":
                    result: object = {"id": 1, "is_bot": True, "first_name": "jishijiu", "username": "jsj_bot"}
                elif method == "sendMessage":
                    result = {"message_id": len(fake.sent), "date": int(time.time()),
                              "chat": {"id": int(params["chat_id"]), "type": "private"}, "text": params.get("text")}
                else:
                    result = True
                self._answer(200, {"ok": True, "result": result})

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeTelegram:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def messages_to(self, chat_id: int) -> list[dict]:
        return [s for s in self.sent if s["method"] == "sendMessage" and int(s["chat_id"]) == chat_id]
