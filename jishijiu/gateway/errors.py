"""The one table from domain exceptions to HTTP responses; every error body is bilingual."""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from cases.errors import CaseNotFound, CaseStoreError, IllegalTransition, InvalidInput, UndecryptableData
from conversation.once import StillProcessing
from nlu.textinput import InvalidText


class NotAuthenticated(Exception):
    """No valid credentials for this door (401)."""

    def __init__(self, message_zh: str = "需要有效的接入密钥（Authorization: Bearer …）。",
                 message_en: str = "A valid key is required (Authorization: Bearer …).") -> None:
        self.message_zh, self.message_en = message_zh, message_en
        super().__init__(message_en)


class Forbidden(Exception):
    """Authenticated, but not allowed to do this (403)."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        self.message_zh, self.message_en = message_zh, message_en
        super().__init__(message_en)


class TooManyRequests(Exception):
    """Over a rate limit (429): nothing was processed."""

    def __init__(self, message_zh: str = "您发得太快了，请稍等一分钟再发。",
                 message_en: str = "Too many messages: please wait a minute and try again.") -> None:
        self.message_zh, self.message_en = message_zh, message_en
        super().__init__(message_en)

# Most specific first: the first matching class decides the status code.
STATUS_OF: tuple[tuple[type[Exception], int, str], ...] = (
    (NotAuthenticated, 401, "not_authenticated"),
    (Forbidden, 403, "forbidden"),
    (TooManyRequests, 429, "too_many_requests"),
    (StillProcessing, 409, "still_processing"),
    (InvalidText, 422, "invalid_input"),
    (InvalidInput, 422, "invalid_input"),
    (CaseNotFound, 404, "case_not_found"),
    (IllegalTransition, 409, "illegal_transition"),
    (UndecryptableData, 500, "undecryptable"),
    (CaseStoreError, 500, "case_error"),
)


def error_body(code: str, message_zh: str, message_en: str, **extra: object) -> dict[str, object]:
    return {"error": code, "message": f"{message_zh} / {message_en}", "message_zh": message_zh,
            "message_en": message_en, **extra}


async def _domain_error(_: Request, exc: Exception) -> JSONResponse:
    for kind, status, code in STATUS_OF:
        if isinstance(exc, kind):
            code = getattr(exc, "code", code)
            headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
            return JSONResponse(error_body(code, exc.message_zh, exc.message_en),  # type: ignore[attr-defined]
                                status_code=status, headers=headers)
    raise exc


async def _malformed_request(_: Request, exc: RequestValidationError) -> JSONResponse:
    fields = sorted({".".join(str(p) for p in e["loc"] if p != "body") or "body" for e in exc.errors()})
    return JSONResponse(
        error_body(
            "malformed_request",
            "请求格式不对：请发送 JSON，字段需填写正确（" + "、".join(fields) + "）。",
            "Malformed request: send JSON with valid fields (" + ", ".join(fields) + ").",
            fields=fields,
        ),
        status_code=422,
    )


def install_door_errors(app: FastAPI, *kinds: type[Exception]) -> None:
    """A connector's refusals carry their own status code (`status`) and a message, Chinese first."""
    async def refused(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(error_body("refused", exc.message_zh, exc.message_en),  # type: ignore[attr-defined]
                            status_code=exc.status)                                 # type: ignore[attr-defined]
    for kind in kinds:
        app.add_exception_handler(kind, refused)


def install(app: FastAPI) -> None:
    for kind, _status, _code in STATUS_OF:
        app.add_exception_handler(kind, _domain_error)
    app.add_exception_handler(RequestValidationError, _malformed_request)  # type: ignore[arg-type]
