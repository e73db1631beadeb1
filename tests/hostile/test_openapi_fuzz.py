"""Every endpoint of the gateway's OpenAPI schema, fuzzed by schemathesis (issue 10): whatever the input, no 500 —
bad input gets a clear 4xx with a Chinese message, and nothing crashes. Rasa is down here (the fall-back answers)."""
from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from jishijiu.gateway.app import create_app
from jishijiu.settings import load_settings
from tests.conftest import TEST_DATABASE_URL, TEST_SECRET_KEY
from tests.conversation.live import CHAT_REDIS_URL, TEST_API_CLIENT, TEST_API_KEY

schemathesis = pytest.importorskip("schemathesis")

SETTINGS = load_settings({
    "JISHIJIU_DATA_DIR": os.environ.get("JISHIJIU_FUZZ_DATA_DIR", "/tmp/jishijiu-fuzz"),
    "DATABASE_URL": TEST_DATABASE_URL, "JISHIJIU_SECRET_KEY": TEST_SECRET_KEY, "REDIS_URL": CHAT_REDIS_URL,
    "RASA_URL": "http://127.0.0.1:1", "JISHIJIU_API_KEYS": f"{TEST_API_CLIENT}:{TEST_API_KEY}",
    "JISHIJIU_RATE_PER_ADDRESS": "100000", "JISHIJIU_RATE_PER_SENDER": "100000"})
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", create_app(SETTINGS))


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app(SETTINGS)) as running:     # a fresh gateway, its lifespan run
        yield running


@SCHEMA.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_makes_the_gateway_fail(case, client: TestClient) -> None:  # noqa: ANN001
    kwargs = case.as_transport_kwargs(headers={"Authorization": f"Bearer {TEST_API_KEY}"})
    kwargs.pop("base_url", None)
    response = client.request(**kwargs)
    assert response.status_code < 500, (case.method, case.path, kwargs, response.text[:300])
    if 400 <= response.status_code < 500 and response.headers.get("content-type", "").startswith("application/json"):
        assert response.json().get("message_zh") or response.json().get("detail"), response.text[:300]
