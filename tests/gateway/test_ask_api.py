import pytest
from fastapi.testclient import TestClient


def test_ask_returns_a_cited_answer(client: TestClient) -> None:
    response = client.post("/api/ask", json={"text": "低保咋申请"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"answer", "sources", "confidence", "related"}
    assert body["sources"], body
    assert set(body["sources"][0]) == {"id", "title", "issuer", "document", "date", "verified"}
    assert "乡镇" in body["answer"] or "街道" in body["answer"]
    assert 0 < body["confidence"] <= 1
    for related in body["related"]:
        assert set(related) == {"id", "title"}


def test_off_topic_cites_nothing_and_points_to_a_person(client: TestClient) -> None:
    body = client.post("/api/ask", json={"text": "明天会下雨吗"}).json()
    assert body["sources"] == []
    assert "12345" in body["answer"]


@pytest.mark.parametrize("payload, fragment", [
    ({"text": ""}, "不能为空"),
    ({"text": "  "}, "不能为空"),
    ({"text": "低" * 2001}, "太长"),
    ({"text": 42}, "请求格式不对"),
    ({"text": None}, "请求格式不对"),
    ({"question": "低保"}, "请求格式不对"),
    (["低保"], "请求格式不对"),
])
def test_bad_input_is_422_with_chinese_and_english(client: TestClient, payload: object, fragment: str) -> None:
    response = client.post("/api/ask", json=payload)
    assert response.status_code == 422
    body = response.json()
    assert fragment in body["message_zh"]
    assert body["message_en"]


def test_malformed_json_is_422(client: TestClient) -> None:
    response = client.post("/api/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["error"] == "malformed_request"


def test_healthz_lists_components(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"                  # no Rasa and no worker run beside this test client
    assert body["components"]["knowledge_base"]["entries"] >= 150
    assert body["components"]["database"] == {"up": True, "backend": "postgresql"}
    assert body["components"]["redis"] == {"up": True}
    assert body["components"]["rasa"] == {"up": False}
    assert body["components"]["worker"] == {"up": False, "last_heartbeat_seconds": None}
    assert body["components"]["outbox"]["oldest_unpublished_seconds"] is not None


def test_openapi_documents_the_ask_contract(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/ask" in spec["paths"] and "/healthz" in spec["paths"]
    assert client.get("/docs").status_code == 200
