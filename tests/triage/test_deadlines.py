"""due_at(): clock rules across holidays, working-day rules across 调休, Spring Festival and the 2027 boundary.

Every expected datetime below was counted by hand on the 2026 State Council holiday calendar as shipped in
chinesecalendar 1.11 and on the 2027 estimate in triage/holidays.yaml; the comments show the count.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from triage.deadlines import DEADLINES_FILE, DeadlineRules, due_at, load_deadline_rules
from triage.errors import NaiveDatetime, RulesError, UnknownRule
from triage.rules import Urgency
from triage.workcalendar import WorkCalendar, load_calendar

CST = timezone(timedelta(hours=8))
ESTIMATE_2027 = "2027年节假日安排尚未经国务院公布确认，期限按预估日历计算，请人工核对"


@pytest.fixture(scope="module")
def rules() -> DeadlineRules:
    return load_deadline_rules()


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return load_calendar()


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=CST)


def end_of(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 23, 59, 59, tzinfo=CST)


def test_rules_file_defines_the_plans_five_deadlines(rules: DeadlineRules) -> None:
    spec = {name: (r.hours, r.working_days, r.within) for name, r in rules.rules.items()}
    assert spec == {"emergency": (2, None, "2小时内"), "urgent": (24, None, "24小时内"),
                    "materials": (None, 5, "5个工作日内"), "initial": (None, 3, "3个工作日内"),
                    "approval": (None, 20, "20个工作日内")}
    assert rules.first_response_rule(Urgency.EMERGENCY).name == "emergency"
    assert rules.first_response_rule("urgent").name == "urgent"
    assert rules.first_response_rule(Urgency.NORMAL).name == "initial"
    assert all(r.clause.startswith("二、（三）") for r in rules.rules.values())


def test_two_hours_run_through_a_holiday_night(rules, calendar) -> None:
    d = due_at("emergency", at(2026, 10, 1, 23, 0), rules, calendar)      # 国庆 first day, 23:00
    assert d.due_at == at(2026, 10, 2, 1, 0)
    assert d.due_at.utcoffset() == timedelta(hours=8)
    assert (d.rule, d.label, d.warnings) == ("emergency", "紧急情况先行救助", ())


def test_twenty_four_hours_run_through_new_year_eve(rules, calendar) -> None:
    d = due_at("urgent", at(2026, 2, 16, 15, 30), rules, calendar)        # 除夕 15:30
    assert d.due_at == at(2026, 2, 17, 15, 30)                            # 初一 15:30, holiday or not


def test_other_time_zones_are_converted_to_beijing_time(rules, calendar) -> None:
    d = due_at("emergency", datetime(2026, 9, 30, 20, 0, tzinfo=timezone.utc), rules, calendar)
    assert d.due_at == at(2026, 10, 1, 6, 0) and d.due_at.utcoffset() == timedelta(hours=8)
    # 17:00 UTC Thursday is 01:00 Friday in Jining: day 1 is Monday 3-9, day 3 Wednesday 3-11
    d = due_at("initial", datetime(2026, 3, 5, 17, 0, tzinfo=timezone.utc), rules, calendar)
    assert d.due_at == end_of(2026, 3, 11)


def test_day_one_is_the_working_day_after_arrival_even_on_a_working_morning(rules, calendar) -> None:
    # Monday 3-9 08:00 → 3-10 (1), 3-11 (2), 3-12 (3)
    assert due_at("initial", at(2026, 3, 9, 8, 0), rules, calendar).due_at == end_of(2026, 3, 12)


def test_three_working_days_across_national_day_with_tiaoxiu(rules, calendar) -> None:
    # Wed 9-30 → 10-1..10-7 holiday → Thu 10-8 (1), Fri 10-9 (2), Sat 10-10 调休 (3)
    assert due_at("initial", at(2026, 9, 30, 10, 0), rules, calendar).due_at == end_of(2026, 10, 10)
    # Fri 9-18 → Sat 9-19 rest → Sun 9-20 调休 (1), Mon 9-21 (2), Tue 9-22 (3)
    assert due_at("initial", at(2026, 9, 18, 16, 0), rules, calendar).due_at == end_of(2026, 9, 22)


def test_case_arriving_on_a_saturday(rules, calendar) -> None:
    # Sat 3-7 → Mon 3-9 (1), Tue 3-10 (2), Wed 3-11 (3)
    assert due_at("initial", at(2026, 3, 7, 10, 0), rules, calendar).due_at == end_of(2026, 3, 11)


def test_case_arriving_on_a_holiday(rules, calendar) -> None:
    # 劳动节 Fri 5-1; 5-1..5-5 holiday → Wed 5-6 (1), Thu 5-7 (2), Fri 5-8 (3), Sat 5-9 调休 (4), Mon 5-11 (5)
    assert due_at("initial", at(2026, 5, 1, 10, 0), rules, calendar).due_at == end_of(2026, 5, 8)
    assert due_at("materials", at(2026, 5, 1, 10, 0), rules, calendar).due_at == end_of(2026, 5, 11)


def test_twenty_working_days_across_spring_festival_2026(rules, calendar) -> None:
    # Tue 2-10 → 2-11 (1), 2-12 (2), 2-13 (3), Sat 2-14 调休 (4), 2-15..2-23 春节, 2-24..2-27 (5-8),
    # Sat 2-28 调休 (9), 3-2..3-6 (10-14), 3-9..3-13 (15-19), Mon 3-16 (20)
    d = due_at("approval", at(2026, 2, 10, 9, 0), rules, calendar)
    assert d.due_at == end_of(2026, 3, 16)
    assert d.warnings == ()


def test_twenty_working_days_into_unconfirmed_2027(rules, calendar) -> None:
    # Thu 2026-12-10 → 12-11 (1), 12-14..18 (2-6), 12-21..25 (7-11), 12-28..31 (12-15),
    # Fri 2027-01-01 元旦 (estimate), 1-4..1-8 (16-20)
    d = due_at("approval", at(2026, 12, 10, 9, 0), rules, calendar)
    assert d.due_at == end_of(2027, 1, 8)
    assert d.warnings == (ESTIMATE_2027,)


def test_clock_rule_into_2027_has_no_calendar_warning(rules, calendar) -> None:
    d = due_at("urgent", at(2026, 12, 31, 12, 0), rules, calendar)
    assert d.due_at == at(2027, 1, 1, 12, 0) and d.warnings == ()


def test_year_without_any_data_falls_back_to_weekdays_with_a_warning(rules, calendar) -> None:
    # Mon 2031-01-06 → Tue 1-7 (1), Wed 1-8 (2), Thu 1-9 (3)
    d = due_at("initial", at(2031, 1, 6, 9, 0), rules, calendar)
    assert d.due_at == end_of(2031, 1, 9)
    assert d.warnings == ("2031年节假日安排暂无数据，期限按周一至周五计算（未计节假日），请人工核对",)


def test_naive_datetime_is_rejected(rules, calendar) -> None:
    with pytest.raises(NaiveDatetime):
        due_at("initial", datetime(2026, 3, 9, 9, 0), rules, calendar)


def test_unknown_rule_lists_the_valid_ones(rules, calendar) -> None:
    with pytest.raises(UnknownRule) as caught:
        due_at("appeal", at(2026, 3, 9, 9, 0), rules, calendar)
    assert caught.value.valid == ("emergency", "urgent", "materials", "initial", "approval")
    assert "appeal" in str(caught.value) and "approval" in str(caught.value)


def test_day_ends_is_configurable(tmp_path: Path, calendar) -> None:
    raw = yaml.safe_load(DEADLINES_FILE.read_text(encoding="utf-8"))
    raw["day_ends"] = "17:00:00"
    path = tmp_path / "deadlines.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    rules = load_deadline_rules(path)
    assert due_at("initial", at(2026, 3, 9, 8, 0), rules, calendar).due_at == at(2026, 3, 12, 17, 0)


@pytest.mark.parametrize(("mutate", "field"), [
    (lambda raw: raw["rules"]["initial"].update(hours=3), "rules.initial"),
    (lambda raw: raw["rules"]["approval"].update(working_days=0), "rules.approval.working_days"),
    (lambda raw: raw["first_response"].update(normal="appeal"), "first_response"),
    (lambda raw: raw["first_response"].pop("urgent"), "first_response"),
    (lambda raw: raw.update(day_ends="25:00"), "day_ends"),
])
def test_broken_deadline_file_names_file_and_field(tmp_path: Path, mutate, field: str) -> None:
    raw = yaml.safe_load(DEADLINES_FILE.read_text(encoding="utf-8"))
    mutate(raw)
    path = tmp_path / "deadlines.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        load_deadline_rules(path)
    assert caught.value.file == str(path) and caught.value.field == field
