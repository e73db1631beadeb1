"""The one table from domain exceptions to HTTP responses; every error body is bilingual."""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from policies_kb.answering import InvalidQuestion


def error_body(code: str, message_zh: str, message_en: str, **extra: object) -> dict[str, object]:
    return {"error": code, "message": f"{message_zh} / {message_en}", "message_zh": message_zh,
            "message_en": message_en, **extra}


async def _invalid_question(_: Request, exc: InvalidQuestion) -> JSONResponse:
    return JSONResponse(error_body("invalid_input", exc.message_zh, exc.message_en), status_code=422)


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
    app.add_exception_handler(InvalidQuestion, _invalid_question)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _malformed_request)  # type: ignore[arg-type]
