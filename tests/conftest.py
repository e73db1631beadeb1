"""Shared fixtures: real PostgreSQL and Redis on this machine, the real knowledge base."""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from jishijiu.bootstrap import build_retriever
from jishijiu.gateway.app import create_app
from jishijiu.settings import Settings, load_settings
from policies_kb.retriever import Retriever
from tests.cases.fixtures import (cipher, divisions, pg_engine, redis_client, session_factory,  # noqa: F401
                                  sqlite_session_factory, store_settings)

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# The shared test database records the key its data is sealed with (cases/keys.py): every run uses this one.
TEST_SECRET_KEY = "dGVzdHMtb25seS1rZXksIG5vdC1mb3ItcHJvZHVjdGk="   # 32 bytes: "tests-only-key, not-for-producti"


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return load_settings({
        "JISHIJIU_DATA_DIR": str(tmp_path_factory.mktemp("data")),
        "DATABASE_URL": TEST_DATABASE_URL,
        "REDIS_URL": TEST_REDIS_URL,
        "JISHIJIU_SECRET_KEY": TEST_SECRET_KEY,
    })


@pytest.fixture(scope="session")
def retriever(settings: Settings) -> Retriever:
    return build_retriever(settings.kb_dir)


@pytest.fixture(scope="session")
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def project_root() -> Path:
    return Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    """asyncio, as the gateway runs (trio is installed too, by selenium, but nothing of ours runs on it)."""
    return "asyncio"
