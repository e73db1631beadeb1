"""The gateway keeps answering when Redis or the database is unreachable, and says so in /healthz."""
from fastapi.testclient import TestClient

from jishijiu.gateway.app import create_app
from jishijiu.settings import load_settings


def test_redis_down_is_degraded_but_ready(tmp_path) -> None:
    settings = load_settings({"JISHIJIU_DATA_DIR": str(tmp_path), "REDIS_URL": "redis://127.0.0.1:1/0"})
    with TestClient(create_app(settings)) as client:
        body = client.get("/healthz").json()
        assert body["status"] == "degraded"
        assert body["components"]["redis"] == {"up": False}
        assert body["components"]["database"] == {"up": True, "backend": "sqlite"}
        assert client.post("/api/ask", json={"text": "低保咋申请"}).json()["sources"]


def test_database_down_is_503(tmp_path) -> None:
    settings = load_settings({"JISHIJIU_DATA_DIR": str(tmp_path),
                              "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/test"})
    with TestClient(create_app(settings)) as client:
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json()["components"]["database"]["up"] is False
