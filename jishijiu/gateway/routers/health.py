"""GET /healthz: which components are up, the worker's last heartbeat and the oldest case change not yet published.
503 only when residents cannot be answered at all (no knowledge base); anything else is "degraded": the gateway
still answers (from the knowledge base when Rasa or the database is down)."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from cases.outbox import oldest_pending
from jishijiu.db import ping as ping_database
from streams.worker import HEARTBEAT_KEY, HEARTBEAT_STALE

router = APIRouter(tags=["operations"])


async def _redis_up(request: Request) -> bool:
    try:
        return bool(await request.app.state.redis.ping())
    except Exception:  # noqa: BLE001 - any failure means "down"
        return False


async def _worker_heartbeat(request: Request) -> float | None:
    """Seconds since the worker's last pass, or None (never seen, or Redis down)."""
    try:
        raw = await request.app.state.redis.get(HEARTBEAT_KEY)
    except Exception:  # noqa: BLE001
        return None
    if raw is None:
        return None
    return max(0.0, (datetime.now(timezone.utc) - datetime.fromisoformat(raw.decode())).total_seconds())


def _oldest_pending_age(session_factory: object) -> float | None:
    try:
        oldest = oldest_pending(session_factory)
    except Exception:  # noqa: BLE001 - the database is down: reported as such
        return None
    return max(0.0, (datetime.now(timezone.utc) - oldest).total_seconds()) if oldest else 0.0


@router.get("/healthz")
async def healthz(request: Request) -> JSONResponse:
    state = request.app.state
    kb_entries = len(state.retriever.kb.entries)
    database_up, redis_up, rasa_up, heartbeat, backlog = await asyncio.gather(
        asyncio.to_thread(ping_database, state.engine), _redis_up(request), state.rasa.up(),
        _worker_heartbeat(request), asyncio.to_thread(_oldest_pending_age, state.session_factory))
    worker_up = heartbeat is not None and heartbeat < HEARTBEAT_STALE
    components = {
        "knowledge_base": {"up": kb_entries > 0, "entries": kb_entries},
        "database": {"up": database_up, "backend": state.engine.dialect.name},
        "redis": {"up": redis_up},
        "rasa": {"up": rasa_up},
        "worker": {"up": worker_up, "last_heartbeat_seconds": round(heartbeat, 1) if heartbeat is not None else None},
        "outbox": {"oldest_unpublished_seconds": round(backlog, 1) if backlog is not None else None},
    }
    answering = kb_entries > 0                    # the fallback answers from the knowledge base, whatever else is down
    everything = database_up and redis_up and rasa_up and worker_up
    status = "ok" if answering and everything else ("degraded" if answering else "unavailable")
    return JSONResponse({"status": status, "components": components}, status_code=200 if answering else 503)
