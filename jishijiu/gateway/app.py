"""create_app(settings): assembles routers, error handlers and the components' lifespan."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as aioredis
from fastapi import FastAPI

from jishijiu.bootstrap import build_retriever
from jishijiu.db import make_engine
from jishijiu.gateway import errors
from jishijiu.gateway.routers import ask, health
from jishijiu.settings import Settings


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.retriever = build_retriever(settings.kb_dir)
        app.state.engine = make_engine(settings)
        app.state.redis = aioredis.from_url(settings.redis_url, socket_connect_timeout=0.5, socket_timeout=1.0)
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
    return app
