"""Fixtures for the action tests: the ActionRuntime on real PostgreSQL and Redis (db 14), and an executor."""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timezone

import pytest
from redis.asyncio import Redis
from rasa_sdk.executor import ActionExecutor

from actions import runtime
from actions.runtime import ActionRuntime
from conversation.vault import PersonalDataVault
from tests.cases.fixtures import CASES_REDIS_URL
from triage import default_triage

NOW = datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)        # Monday 10:00 in Jining


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def executor() -> ActionExecutor:
    ex = ActionExecutor()
    ex.register_package("actions")
    return ex


@pytest.fixture
async def vault(cipher, redis_client) -> AsyncIterator[PersonalDataVault]:  # noqa: ANN001 - fixtures
    """The vault on Redis db 14 (emptied by redis_client before and after each test)."""
    client = Redis.from_url(CASES_REDIS_URL, socket_connect_timeout=1.0, socket_timeout=5.0)
    yield PersonalDataVault(client, cipher)
    await client.aclose()


@pytest.fixture
def action_runtime(store_settings, retriever, session_factory, cipher, divisions,  # noqa: ANN001
                   vault) -> ActionRuntime:
    rt = ActionRuntime(settings=store_settings, retriever=retriever, session_factory=session_factory, cipher=cipher,
                       divisions=divisions, vault=vault, triage=default_triage(), clock=lambda: NOW)
    runtime.configure(rt)
    return rt
