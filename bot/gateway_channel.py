"""Rasa's only input channel: the REST channel, for the gateway alone (runs inside Rasa, Python 3.10).

Rasa listens on loopback, but every process on the host can reach loopback: without this, any of them could speak as
any resident. Each request must carry the token Rasa was started with (header X-Jishijiu-Rasa-Token, compared in
constant time); the gateway sends it. credentials.yml names this class; JISHIJIU_RASA_TOKEN fills the token.
"""
from __future__ import annotations

import hmac
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request

HEADER = "X-Jishijiu-Rasa-Token"


class GatewayInput(RestInput):
    def __init__(self, token: Text) -> None:
        if len(token) < 16:
            raise ValueError("the gateway channel needs a token of at least 16 characters (JISHIJIU_RASA_TOKEN)")
        self._token = token.encode()

    @classmethod
    def name(cls) -> Text:
        return "gateway"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "GatewayInput":
        return cls(str((credentials or {}).get("token") or ""))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = super().blueprint(on_new_message)

        @webhook.middleware("request")
        async def only_the_gateway(request: Request) -> Optional[response.HTTPResponse]:
            given = (request.headers.get(HEADER) or "").encode()
            if not hmac.compare_digest(given, self._token):
                return response.json({"error": "forbidden"}, status=403)
            return None

        return webhook
