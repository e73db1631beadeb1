"""GET /healthz: 200 once the gateway is ready, with which components are up."""
from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from jishijiu.db import ping as ping_database

router = APIRouter(tags=["operations"])


async def _redis_up(request: Request) -> bool:
    try:
        return bool(await request.app.state.redis.ping())
    except Exception:  # noqa: BLE001 - any failure means "down"
        return False


@router.get("/healthz")
async def healthz(request: Request) -> JSONResponse:
    state = request.app.state
    kb_entries = len(state.retriever.kb.entries)
    database_up, redis_up = await asyncio.gather(
        asyncio.to_thread(ping_database, state.engine), _redis_up(request)
    )
    components = {
        "knowledge_base": {"up": kb_entries > 0, "entries": kb_entries},
        "database": {"up": database_up, "backend": state.engine.dialect.name},
        "redis": {"up": redis_up},
    }
    ready = kb_entries > 0 and database_up
    status = "ok" if ready and redis_up else ("degraded" if ready else "unavailable")
    return JSONResponse({"status": status, "components": components}, status_code=200 if ready else 503)
