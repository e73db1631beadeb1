"""The gateway keeps answering when Redis or the database is unreachable, and says so in /healthz."""
from fastapi.testclient import TestClient

from jishijiu.gateway.app import create_app
from jishijiu.settings import load_settings
from tests.conftest import TEST_SECRET_KEY


def test_redis_down_is_degraded_but_ready(tmp_path) -> None:
    settings = load_settings({"JISHIJIU_DATA_DIR": str(tmp_path), "REDIS_URL": "redis://127.0.0.1:1/0"})
    with TestClient(create_app(settings)) as client:
        body = client.get("/healthz").json()
        assert body["status"] == "degraded"
        assert body["components"]["redis"] == {"up": False}
        assert body["components"]["database"] == {"up": True, "backend": "sqlite"}
        assert client.post("/api/ask", json={"text": "低保咋申请"}).json()["sources"]


def test_database_down_is_degraded_and_residents_are_still_answered(tmp_path) -> None:
    """Issue 10: 503 only when residents cannot be answered at all; the knowledge base answers without a database."""
    settings = load_settings({"JISHIJIU_DATA_DIR": str(tmp_path), "JISHIJIU_SECRET_KEY": TEST_SECRET_KEY,
                              "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/test"})
    with TestClient(create_app(settings)) as client:
        response = client.get("/healthz")
        assert response.status_code == 200 and response.json()["status"] == "degraded"
        components = response.json()["components"]
        assert components["database"]["up"] is False and components["outbox"]["oldest_unpublished_seconds"] is None
        assert client.post("/api/ask", json={"text": "低保咋申请"}).json()["sources"]


def test_the_workers_heartbeat_is_read_from_redis(store_settings, redis_client) -> None:  # noqa: ANN001
    from dataclasses import replace
    from datetime import datetime, timedelta, timezone

    from streams.worker import HEARTBEAT_KEY
    from tests.cases.fixtures import CASES_REDIS_URL

    redis_client.set(HEARTBEAT_KEY, (datetime.now(timezone.utc) - timedelta(seconds=5)).isoformat())
    with TestClient(create_app(replace(store_settings, redis_url=CASES_REDIS_URL,
                                       rasa_url="http://127.0.0.1:1"))) as client:
        worker = client.get("/healthz").json()["components"]["worker"]
    assert worker["up"] is True and 4 <= worker["last_heartbeat_seconds"] < 30
