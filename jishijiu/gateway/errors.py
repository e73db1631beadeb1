"""The one table from domain exceptions to HTTP responses; every error body is bilingual."""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from cases.errors import CaseNotFound, CaseStoreError, IllegalTransition, InvalidInput, UndecryptableData
from nlu.textinput import InvalidText

# Most specific first: the first matching class decides the status code.
STATUS_OF: tuple[tuple[type[Exception], int, str], ...] = (
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
            return JSONResponse(error_body(code, exc.message_zh, exc.message_en),  # type: ignore[attr-defined]
                                status_code=status)
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


def install(app: FastAPI) -> None:
    for kind, _status, _code in STATUS_OF:
        app.add_exception_handler(kind, _domain_error)
    app.add_exception_handler(RequestValidationError, _malformed_request)  # type: ignore[arg-type]
