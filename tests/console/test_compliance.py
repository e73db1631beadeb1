"""Deadline compliance: the pure count, and the supervisors' page over HTTP with its CSV and XLSX exports."""
from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook

from cases.service import submit_case, transition_case
from console.accounts import add_user
from console.compliance import DeadlineFact, compliance
from console.roles import Role, Scope
from jishijiu.settings import Settings
from tests.cases.fixtures import application, triage
from tests.console.test_case_pages import Staff
from tests.console.test_console_http import PASSWORD
from tests.conversation.live import CHAT_REDIS_URL

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def test_each_deadline_counts_once_per_place_and_for_each_department() -> None:
    due = NOW - timedelta(hours=1)
    facts = [DeadlineFact("370811", "370811001", ("minzheng",), due, due - timedelta(minutes=5)),       # on time
             DeadlineFact("370811", "370811001", ("minzheng", "yibao"), due, due + timedelta(minutes=5)),  # late
             DeadlineFact("370811", "370811002", ("yibao",), due, None),                                  # overdue
             DeadlineFact("370830", None, (), NOW + timedelta(days=1), None)]                             # open
    by_county = {r.key: (r.on_time, r.late, r.open_overdue, r.open, r.rate) for r in compliance(facts, "county", NOW)}
    assert by_county == {"370811": (1, 1, 1, 0, 0.3333), "370830": (0, 0, 0, 1, None)}
    by_dept = {r.key: (r.on_time, r.late, r.open_overdue) for r in compliance(facts, "department", NOW)}
    assert by_dept == {"minzheng": (1, 1, 0), "yibao": (0, 1, 1), "—": (0, 0, 0)}
    assert [r.key for r in compliance(facts, "township", NOW)][0] == "370811002"     # the worst first


@pytest.fixture
def app_settings(store_settings: Settings, session_factory, cipher, divisions) -> Settings:  # noqa: ANN001
    now = datetime.now(timezone.utc)
    late = submit_case(session_factory, application(division="370811001"), triage(
        now - timedelta(days=2), deadlines={"urgent": timedelta(hours=24)}), now - timedelta(days=2), cipher=cipher,
        divisions=divisions)
    transition_case(session_factory, late, "accepted", actor="w", now=now)
    submit_case(session_factory, application(division="370811001"), triage(now, deadlines={
        "urgent": timedelta(hours=24)}), now, cipher=cipher, divisions=divisions)
    add_user(session_factory, "boss", Role.SUPERVISOR, password=PASSWORD, now=now, scope=Scope(county="370811"))
    add_user(session_factory, "far", Role.SUPERVISOR, password=PASSWORD, now=now, scope=Scope(county="370830"))
    add_user(session_factory, "wang", Role.TOWNSHIP, password=PASSWORD, now=now, scope=Scope(township="370811001"))
    return replace(store_settings, redis_url=CHAT_REDIS_URL, rasa_url="http://127.0.0.1:1")


def test_supervisors_see_their_countys_compliance_and_export_it(app_settings: Settings) -> None:
    boss, far, wang = Staff(app_settings, "boss"), Staff(app_settings, "far"), Staff(app_settings, "wang")
    try:
        assert wang.get("/console/api/compliance").status_code == 403
        [row] = boss.get("/console/api/compliance?by=township").json()["rows"]
        assert (row["key"], row["open_overdue"], row["open"], row["total"]) == ("370811001", 1, 1, 2)
        assert far.get("/console/api/compliance").json()["rows"] == []          # another county: nothing
        exported = boss.client.get("/console/compliance.csv?by=county")
        lines = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
        assert lines[0][:3] == ["代码", "名称", "按时"] and lines[1][0] == "370811" and lines[1][4] == "1"
        sheet = load_workbook(io.BytesIO(boss.client.get("/console/compliance.xlsx?by=department").content)).active
        assert sheet["A1"].value == "代码" and sheet.max_row == 3            # header + 民政 + 应急
        assert boss.client.get("/console/compliance.pdf").status_code == 404
    finally:
        for staff in (boss, far, wang):
            staff.close()
