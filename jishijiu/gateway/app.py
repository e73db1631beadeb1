"""create_app(settings): assembles routers, error handlers and the components' lifespan."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncio
import logging

import redis.asyncio as aioredis
from fastapi import FastAPI

from jishijiu.bootstrap import build_retriever
from jishijiu.db import make_engine
from jishijiu.gateway import errors
from jishijiu.gateway.routers import ask, health, triage
from jishijiu.settings import Settings
from triage import default_triage

log = logging.getLogger(__name__)


def _migrate(engine) -> None:  # noqa: ANN001 - sqlalchemy Engine
    """Bring the case store up to date; a database that is down must not stop the Q&A."""
    from cases.migrate import upgrade

    try:
        upgrade(engine)
    except Exception as exc:  # noqa: BLE001 - reported, and /healthz shows the database down
        log.warning("database not migrated (is it up?): %s", exc.__class__.__name__)


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.retriever = build_retriever(settings.kb_dir)
        default_triage()                       # a broken rules file stops start-up here, naming it
        app.state.engine = make_engine(settings)
        await asyncio.to_thread(_migrate, app.state.engine)
        app.state.redis = aioredis.from_url(settings.redis_url, socket_connect_timeout=0.5, socket_timeout=1.0,
                                            retry_on_timeout=False, retry=None)
        try:
            yield
        finally:
            await app.state.redis.aclose()
            app.state.engine.dispose()

    app = FastAPI(
        title="济时救 jishijiu gateway",
        description="The front door of Jining's 济时救 instant social assistance: policy Q&A, applications, triage.",
        version="0.1.0",
        lifespan=lifespan,
    )
    errors.install(app)
    app.include_router(health.router)
    app.include_router(ask.router)
    app.include_router(triage.router)
    return app
