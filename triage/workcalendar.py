"""Chinese working-day calendar: chinesecalendar's 调休 data, the holidays.yaml override file, Mon–Fri fallback."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Mapping

import chinese_calendar
from pydantic import BaseModel, ConfigDict, Field, model_validator

from triage.errors import RulesError
from triage.yamlfile import load_model

HOLIDAYS_FILE = Path(__file__).with_name("holidays.yaml")
MAX_SCAN_DAYS = 3660          # a calendar with no working day for ten years is broken, not slow


class Basis(StrEnum):
    """Where a year's working days come from."""

    CONFIRMED = "confirmed"   # chinesecalendar, or an override marked confirmed
    ESTIMATED = "estimated"   # an override marked confirmed: false
    MISSING = "missing"       # neither: Monday to Friday


class _Messages(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    estimated: str = Field(pattern=r"\{year\}")
    missing: str = Field(pattern=r"\{year\}")


class YearOverride(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    confirmed: bool
    source: str = Field(min_length=1)
    holidays: list[date] = []
    workdays: list[date] = []

    @model_validator(mode="after")
    def _consistent(self) -> "YearOverride":
        for name in ("holidays", "workdays"):
            days = getattr(self, name)
            duplicates = sorted({d for d in days if days.count(d) > 1})
            if duplicates:
                raise ValueError(f"{name} 中日期重复（listed twice）：{', '.join(map(str, duplicates))}")
        both = sorted(set(self.holidays) & set(self.workdays))
        if both:
            raise ValueError(f"同一日期既放假又上班（in both holidays and workdays）：{', '.join(map(str, both))}")
        return self


class HolidaysFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    messages: _Messages
    years: dict[int, YearOverride] = {}


@lru_cache(maxsize=None)
def _library_covers(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days; pure once built (chinesecalendar's data is in memory)."""

    overrides: Mapping[int, YearOverride]
    estimated_message: str            # "{year}年…" templates from holidays.yaml
    missing_message: str
    source: str = str(HOLIDAYS_FILE)

    def basis(self, year: int) -> Basis:
        override = self.overrides.get(year)
        if override is not None and not override.confirmed:
            return Basis.ESTIMATED
        if override is not None or _library_covers(year):
            return Basis.CONFIRMED
        return Basis.MISSING

    def is_workday(self, day: date) -> bool:
        override = self.overrides.get(day.year)
        if override is not None:
            if day in override.holidays:
                return False
            if day in override.workdays:
                return True
        if _library_covers(day.year):
            return chinese_calendar.is_workday(day)
        return day.weekday() < 5

    def working_day_after(self, day: date, n: int) -> date:
        """The n-th working day after `day` (the day itself never counts, per 《民法典》第二百零一条)."""
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        current, counted = day, 0
        for _ in range(MAX_SCAN_DAYS):
            current += timedelta(days=1)
            if self.is_workday(current):
                counted += 1
                if counted == n:
                    return current
        raise RulesError(self.source, "years", f"{day} 之后 {MAX_SCAN_DAYS} 天内找不到 {n} 个工作日，节假日表有误")

    def warnings(self, first: date, last: date) -> tuple[str, ...]:
        """One warning per year in [first, last] whose holidays are estimated or missing."""
        out = []
        for year in range(min(first, last).year, max(first, last).year + 1):
            basis = self.basis(year)
            if basis is Basis.ESTIMATED:
                out.append(self.estimated_message.format(year=year))
            elif basis is Basis.MISSING:
                out.append(self.missing_message.format(year=year))
        return tuple(out)


def load_calendar(path: Path | str | None = None) -> WorkCalendar:
    """Build the calendar from holidays.yaml (default: triage/holidays.yaml); RulesError names file and field."""
    file = Path(path) if path is not None else HOLIDAYS_FILE
    spec = load_model(file, HolidaysFile)
    for year, override in spec.years.items():
        for name in ("holidays", "workdays"):
            stray = [str(d) for d in getattr(override, name) if d.year != year]
            if stray:
                raise RulesError(file, f"years.{year}.{name}", f"列出了别的年份的日期（dates of another year）：{', '.join(stray)}")
    return WorkCalendar(overrides=dict(spec.years), estimated_message=spec.messages.estimated,
                        missing_message=spec.messages.missing, source=str(file))
