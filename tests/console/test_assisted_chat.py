"""Assisted chat for hotline agents over HTTP: what the caller said → answers with sources, triage and the fields
with their validation; the confirmed application → one case with channel hotline, the agent and the consent."""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from cases.divisions import cached_divisions
from cases.service import get_case, list_cases
from console.accounts import add_user
from console.assist import read_fields
from console.roles import Role, Scope
from jishijiu.settings import Settings
from tests.cases.fixtures import ID_NUMBER, PHONE
from tests.console.test_case_pages import Staff
from tests.console.test_console_http import PASSWORD
from tests.conversation.live import CHAT_REDIS_URL

CALL = ("俺是汶上县南站镇的，俺叫李秀英，身份证 370811 19900101 1236，电话１３８-１２３４-５６７８，"
        "俺家三口人，老伴住院了透析，家里没钱了")


@pytest.fixture
def app_settings(store_settings: Settings, session_factory) -> Settings:  # noqa: ANN001
    now = datetime.now(timezone.utc)
    add_user(session_factory, "agent1", Role.AGENT, password=PASSWORD, now=now)
    add_user(session_factory, "wang", Role.TOWNSHIP, password=PASSWORD, now=now, scope=Scope(township="370811001"))
    return replace(store_settings, redis_url=CHAT_REDIS_URL, rasa_url="http://127.0.0.1:1")


def test_fields_are_read_from_how_callers_talk_with_their_validation() -> None:
    divisions = cached_divisions()
    fields = read_fields(CALL, divisions)
    assert fields["name"]["value"] == "李秀英" and fields["id_number"]["value"] == ID_NUMBER
    assert fields["phone"]["value"] == PHONE and fields["household_size"]["value"] == 3
    assert "汶上县" in fields["division"]["label"] and "南站" in fields["division"]["label"]
    wrong = read_fields("身份证370811199001011235，电话12345678901", divisions)
    assert wrong["id_number"]["value"] == "370811199001011235" and wrong["id_number"]["error"]
    assert wrong["phone"]["error"] and read_fields("你好", divisions)["name"] == {"value": None, "label": None,
                                                                                "error": None}


def test_the_console_reads_the_call_and_files_it_once(app_settings: Settings, session_factory) -> None:  # noqa: ANN001
    agent = Staff(app_settings, "agent1")
    try:
        read = agent.post("/console/api/assist", {"transcript": CALL, "latest": "低保咋申请"}).json()
        assert read["answers"] and read["answers"][0]["source"]["document"] and "低保" in read["answers"][0]["title"]
        assert read["triage"]["urgency"] in ("urgent", "emergency") and read["fields"]["name"]["value"] == "李秀英"
        call = {"call_id": uuid.uuid4().hex, "transcript": CALL, "name": "李秀英", "id_number": ID_NUMBER,
                "phone": PHONE, "division_code": read["fields"]["division"]["value"], "household_size": 3,
                "difficulty_kind": "医疗", "consent": False}
        refused = agent.post("/console/api/calls", call)
        assert refused.status_code == 422 and "同意" in refused.json()["message_zh"]
        call["consent"] = True
        with ThreadPoolExecutor(3) as pool:        # a double click, and a retry
            answers = list(pool.map(lambda _: agent.post("/console/api/calls", call), range(3)))
        numbers = {a.json()["case_number"] for a in answers if a.status_code == 200}
        assert len(numbers) == 1 and all(a.status_code in (200, 409) for a in answers)
    finally:
        agent.close()
    [case] = list_cases(session_factory)
    detail = get_case(session_factory, case.case_number)
    assert (detail.channel, detail.applicant, detail.phone) == ("hotline", "李**", "138****5678")
    assert detail.history[0].actor == "console:agent1" and "同意" in detail.history[0].note
    assert ID_NUMBER not in detail.situation and PHONE not in detail.situation and "透析" in detail.situation


def test_an_agents_emergency_files_with_the_two_hour_clock_and_others_may_not_file(
        app_settings: Settings, session_factory) -> None:  # noqa: ANN001
    agent, wang = Staff(app_settings, "agent1"), Staff(app_settings, "wang")
    call = {"call_id": uuid.uuid4().hex, "transcript": "邻居说隔壁老人好几天没出门了，不知道咋样了",
            "name": "张三", "phone": PHONE, "division_code": "370811001", "consent": True, "emergency": True}
    try:
        assert wang.post("/console/api/calls", call).status_code == 403
        assert wang.post("/console/api/assist", {"transcript": "x"}).status_code == 403
        filed = agent.post("/console/api/calls", call).json()
    finally:
        agent.close()
        wang.close()
    assert filed["triage"]["urgency"] == "emergency" and filed["triage"]["safety"]
    detail = get_case(session_factory, filed["case_number"])
    assert detail.urgency.value == "emergency" and "emergency" in [d.rule for d in detail.deadlines]
