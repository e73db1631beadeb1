"""POST /internal/actions/webhook: Rasa's action endpoint, served in-process by rasa-sdk's executor.

Only Rasa on this machine may call it: loopback clients only, with the shared token (JISHIJIU_ACTION_TOKEN, which
`jishijiu run` makes for Rasa and the gateway). Without a configured token nothing may call it. Behind a reverse
proxy, uvicorn trusts X-Forwarded-For only from JISHIJIU_FORWARDED_ALLOW_IPS (none by default), so a remote caller
never looks like loopback here.
"""
from __future__ import annotations

import hmac
import ipaddress
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection, ActionMissingDomainException, ActionNotFoundException

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)
TOKEN_HEADER = "x-jishijiu-action-token"


def build_executor() -> ActionExecutor:
    executor = ActionExecutor()
    executor.register_package("actions")
    return executor


def _loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _forbidden() -> JSONResponse:
    return JSONResponse({"error": "forbidden", "message_zh": "仅限本机对话引擎调用",
                         "message_en": "only the local conversation engine may call this"}, status_code=403)


@router.post("/internal/actions/webhook")
async def action_webhook(request: Request) -> JSONResponse:
    if not _loopback(request.client.host if request.client else None):
        return _forbidden()
    token = request.app.state.settings.action_token
    if not token or not hmac.compare_digest(request.headers.get(TOKEN_HEADER, "").encode(), token.encode()):
        return _forbidden()
    try:
        action_call = await request.json()
    except ValueError:
        return JSONResponse({"error": "invalid JSON body"}, status_code=400)
    executor: ActionExecutor = request.app.state.action_executor
    try:
        result = await executor.run(action_call)
    except ActionExecutionRejection as exc:
        return JSONResponse({"error": exc.message, "action_name": exc.action_name}, status_code=400)
    except ActionNotFoundException as exc:
        log.error("unknown action %s", exc.action_name)
        return JSONResponse({"error": exc.message, "action_name": exc.action_name}, status_code=404)
    except ActionMissingDomainException as exc:
        return JSONResponse({"error": exc.message, "action_name": exc.action_name}, status_code=449)
    return JSONResponse(result.model_dump() if result else None)
