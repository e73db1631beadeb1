"""The working-day calendar: holidays.yaml validation, chinesecalendar 调休, overrides, estimated and missing years."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from triage.errors import RulesError
from triage.workcalendar import HOLIDAYS_FILE, Basis, load_calendar

ESTIMATE_2027 = "2027年节假日安排尚未经国务院公布确认，期限按预估日历计算，请人工核对"


def test_shipped_holidays_file_loads_and_is_consistent() -> None:
    raw = yaml.safe_load(HOLIDAYS_FILE.read_text(encoding="utf-8"))
    calendar = load_calendar()
    override = calendar.overrides[2027]
    assert override.confirmed is False
    assert len(set(override.holidays)) == len(override.holidays)
    assert len(set(override.workdays)) == len(override.workdays)
    assert not set(override.holidays) & set(override.workdays)
    assert all(d.year == 2027 for d in override.holidays + override.workdays)
    assert all(d.weekday() >= 5 for d in override.workdays), "调休上班日应是周末"
    assert set(raw["years"]) == set(calendar.overrides)


def test_2027_estimate_follows_the_amended_holiday_law() -> None:
    holidays = set(load_calendar().overrides[2027].holidays)
    # statutory days: 元旦1, 春节4 (除夕 2月5日 to 初三), 清明1, 劳动节2, 端午1, 中秋1, 国庆3
    statutory = {date(2027, 1, 1), date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8),
                 date(2027, 4, 5), date(2027, 5, 1), date(2027, 5, 2), date(2027, 6, 9), date(2027, 9, 15),
                 date(2027, 10, 1), date(2027, 10, 2), date(2027, 10, 3)}
    assert statutory <= holidays


def _write(tmp_path: Path, years: dict) -> Path:
    raw = yaml.safe_load(HOLIDAYS_FILE.read_text(encoding="utf-8"))
    raw["years"] = years
    path = tmp_path / "holidays.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(("years", "problem"), [
    ({2027: {"confirmed": False, "source": "x", "holidays": ["2027-01-01", "2027-01-01"]}}, "twice"),
    ({2027: {"confirmed": False, "source": "x", "holidays": ["2027-02-13"], "workdays": ["2027-02-13"]}}, "both"),
    ({2027: {"confirmed": False, "source": "x", "holidays": ["2028-01-01"]}}, "another year"),
    ({2027: {"source": "x"}}, "confirmed"),
])
def test_invalid_holidays_file_is_rejected(tmp_path: Path, years: dict, problem: str) -> None:
    path = _write(tmp_path, years)
    with pytest.raises(RulesError) as caught:
        load_calendar(path)
    assert caught.value.file == str(path)
    assert caught.value.field.startswith("years")
    assert problem in str(caught.value)


def test_library_days_with_tiaoxiu_around_national_day_2026() -> None:
    calendar = load_calendar()
    assert calendar.is_workday(date(2026, 9, 20))       # Sunday, 调休 workday
    assert not calendar.is_workday(date(2026, 10, 1))   # Thursday, 国庆
    assert calendar.is_workday(date(2026, 10, 8))       # Thursday, first day back
    assert calendar.is_workday(date(2026, 10, 10))      # Saturday, 调休 workday
    assert not calendar.is_workday(date(2026, 10, 11))  # plain Sunday
    assert calendar.basis(2026) is Basis.CONFIRMED
    assert calendar.warnings(date(2026, 1, 1), date(2026, 12, 31)) == ()


def test_override_wins_over_the_library(tmp_path: Path) -> None:
    path = _write(tmp_path, {2026: {"confirmed": True, "source": "更正",
                                    "holidays": ["2026-03-09"], "workdays": ["2026-10-11"]}})
    calendar = load_calendar(path)
    assert not calendar.is_workday(date(2026, 3, 9))    # a Monday the override closes
    assert calendar.is_workday(date(2026, 10, 11))      # a Sunday the override opens
    assert calendar.is_workday(date(2026, 9, 20))       # everything else still from chinesecalendar
    assert calendar.basis(2026) is Basis.CONFIRMED


def test_estimated_and_missing_years_warn() -> None:
    calendar = load_calendar()
    assert calendar.basis(2027) is Basis.ESTIMATED
    assert not calendar.is_workday(date(2027, 2, 8))    # Monday, 春节 estimate
    assert calendar.is_workday(date(2027, 2, 13))       # Saturday, estimated 调休
    assert calendar.is_workday(date(2027, 3, 1))        # ordinary Monday: Mon–Fri inside an override year
    assert calendar.warnings(date(2026, 12, 10), date(2027, 1, 8)) == (ESTIMATE_2027,)
    assert calendar.basis(2031) is Basis.MISSING
    assert calendar.is_workday(date(2031, 1, 1)) and not calendar.is_workday(date(2031, 1, 4))  # Wed, Sat
    assert calendar.warnings(date(2031, 1, 1), date(2031, 1, 2)) == (
        "2031年节假日安排暂无数据，期限按周一至周五计算（未计节假日），请人工核对",)


def test_working_day_after_never_counts_the_day_itself() -> None:
    calendar = load_calendar()
    assert calendar.working_day_after(date(2026, 3, 9), 1) == date(2026, 3, 10)   # Monday → Tuesday
    assert calendar.working_day_after(date(2026, 3, 6), 1) == date(2026, 3, 9)    # Friday → Monday
    with pytest.raises(ValueError):
        calendar.working_day_after(date(2026, 3, 9), 0)
