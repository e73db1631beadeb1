"""Request body cap for the whole gateway: a body over the cap is refused with 413 before any route reads it
(Content-Length checked first; a chunked body is counted as it arrives)."""
from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jishijiu.gateway.errors import error_body

MAX_BODY_BYTES = 64 * 1024


class _TooLarge(Exception):
    pass


def _too_large(limit: int) -> bytes:
    return json.dumps(error_body("body_too_large", f"请求内容太大（超过{limit // 1024} KB），请简短一些。",
                                 f"The request body is larger than {limit // 1024} KiB."), ensure_ascii=False).encode()


class BodySizeLimit:
    """`status_by_prefix`: a door whose protocol names another code for it (WeChat: 400)."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES,
                 status_by_prefix: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.status_by_prefix = status_by_prefix or {}

    async def _refuse(self, send: Send, path: str) -> None:
        body = _too_large(self.max_bytes)
        status = next((s for prefix, s in self.status_by_prefix.items() if path.startswith(prefix)), 413)
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send, scope.get("path", ""))
            return
        seen = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except _TooLarge:
            if not started:
                await self._refuse(send, scope.get("path", ""))
