from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from triage import CHINA_TZ


def test_emergency_with_life_at_risk(client: TestClient) -> None:
    before = datetime.now(CHINA_TZ)
    response = client.post("/api/triage", json={"text": "我爸心梗正在医院抢救，押金交不上"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"urgency", "respond_within", "due_at", "reasons", "departments", "assistance", "safety"}
    assert body["urgency"] == "emergency"
    assert body["respond_within"] == "2小时内"
    due = datetime.fromisoformat(body["due_at"])
    assert body["due_at"].endswith("+08:00")
    assert timedelta(hours=2) - timedelta(seconds=5) <= due - before <= timedelta(hours=2, seconds=5)
    assert {"id": "yibao", "name": "医保"} in body["departments"]
    assert any("120" in s for s in body["safety"])
    assert body["reasons"]


def test_normal_enquiry_gets_three_working_days(client: TestClient) -> None:
    body = client.post("/api/triage", json={"text": "我想问问怎么申请低保"}).json()
    assert body["urgency"] == "normal" and body["respond_within"] == "3个工作日内"
    assert body["departments"][0] == {"id": "minzheng", "name": "民政"}
    assert datetime.fromisoformat(body["due_at"]).time().isoformat() == "23:59:59"


@pytest.mark.parametrize("payload, status", [({"text": ""}, 422), ({"text": "x" * 2001}, 422), ({"t": "a"}, 422)])
def test_bad_input(client: TestClient, payload: dict, status: int) -> None:
    response = client.post("/api/triage", json=payload)
    assert response.status_code == status
    assert response.json()["message_zh"] and response.json()["message_en"]
