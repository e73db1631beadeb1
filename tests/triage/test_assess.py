"""assess(): classification plus the first-response deadline; assess_now() with the shipped configuration."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from triage.assess import assess, assess_now, default_triage
from triage.errors import NaiveDatetime
from triage.rules import Urgency

CST = timezone(timedelta(hours=8))


def test_emergency_is_due_two_hours_after_the_report() -> None:
    config = default_triage()
    a = assess("隔壁独居的老奶奶摔倒在家爬不起来了", datetime(2026, 10, 3, 22, 30, tzinfo=CST),
               config.rules, config.deadline_rules, config.calendar)
    assert (a.urgency, a.respond_within, a.deadline_rule) == (Urgency.EMERGENCY, "2小时内", "emergency")
    assert a.due_at == datetime(2026, 10, 4, 0, 30, tzinfo=CST)
    assert a.third_party and "他人代报：隔壁" in a.reasons
    assert a.departments[0] == "minzheng"
    assert any("120" in s for s in a.safety)
    assert a.warnings == ()


def test_urgent_is_due_within_24_hours() -> None:
    a = assess_now("丈夫意外去世，家里没了收入，孩子下个月的饭钱都没有", datetime(2026, 2, 16, 9, 0, tzinfo=CST))
    assert (a.urgency, a.respond_within) == (Urgency.URGENT, "24小时内")
    assert a.due_at == datetime(2026, 2, 17, 9, 0, tzinfo=CST)
    assert "临时救助" in a.assistance


def test_normal_gets_three_working_days_and_carries_calendar_warnings() -> None:
    # Thu 2026-12-31 → 2027-01-01 元旦 (estimate), Mon 1-4 (1), Tue 1-5 (2), Wed 1-6 (3)
    a = assess_now("我想问问怎么申请低保", datetime(2026, 12, 31, 10, 0, tzinfo=CST))
    assert (a.urgency, a.respond_within, a.deadline_rule) == (Urgency.NORMAL, "3个工作日内", "initial")
    assert a.due_at == datetime(2027, 1, 6, 23, 59, 59, tzinfo=CST)
    assert a.warnings == ("2027年节假日安排尚未经国务院公布确认，期限按预估日历计算，请人工核对",)
    assert "基本生活救助" in a.assistance


def test_default_configuration_is_loaded_once() -> None:
    assert default_triage() is default_triage()


def test_naive_report_time_is_refused() -> None:
    with pytest.raises(NaiveDatetime):
        assess_now("我想问问怎么申请低保", datetime(2026, 3, 9, 9, 0))
