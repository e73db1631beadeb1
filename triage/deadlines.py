"""Statutory deadlines of the 济时救 plan: typed loader for deadlines.yaml and pure due-time arithmetic."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from typing import Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from triage.errors import NaiveDatetime, RulesError, UnknownRule
from triage.rules import Urgency
from triage.workcalendar import WorkCalendar
from triage.yamlfile import load_model

DEADLINES_FILE = Path(__file__).with_name("deadlines.yaml")
# Beijing time. China has kept UTC+8 without daylight saving since 1991, so a fixed offset is exact for
# every date a case can have, and needs no tz database on the host.
CHINA_TZ = timezone(timedelta(hours=8), "CST")


class _RuleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    label: str = Field(min_length=1)
    within: str = Field(min_length=1)
    clause: str = Field(min_length=1)
    hours: int | None = Field(default=None, gt=0)
    working_days: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one_unit(self) -> "_RuleSpec":
        if (self.hours is None) == (self.working_days is None):
            raise ValueError("a rule needs exactly one of `hours` or `working_days`")
        return self


class _DeadlinesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    day_ends: time
    rules: dict[str, _RuleSpec] = Field(min_length=1)
    first_response: dict[Urgency, str]
    case_deadlines: dict[Urgency, list[str]]

    @field_validator("case_deadlines")
    @classmethod
    def _known_case_rules(cls, value: dict[Urgency, list[str]], info: ValidationInfo) -> dict[Urgency, list[str]]:
        missing = [u.value for u in Urgency if u not in value]
        if missing:
            raise ValueError(f"每个紧急程度都要列出案件期限（missing）：{missing}")
        defined = info.data.get("rules") or {}
        unknown = sorted({r for rules in value.values() for r in rules if r not in defined})
        if unknown:
            raise ValueError(f"引用了未定义的期限规则（not defined under rules）：{unknown}")
        return value

    @field_validator("first_response")
    @classmethod
    def _complete(cls, value: dict[Urgency, str], info: ValidationInfo) -> dict[Urgency, str]:
        missing = [u.value for u in Urgency if u not in value]
        if missing:
            raise ValueError(f"每个紧急程度都要指定首次响应期限（missing）：{missing}")
        defined = info.data.get("rules") or {}
        unknown = sorted(r for r in value.values() if r not in defined)
        if unknown:
            raise ValueError(f"引用了未定义的期限规则（not defined under rules）：{unknown}")
        return value


@dataclass(frozen=True)
class DeadlineRule:
    name: str
    label: str                    # "形成调查初审意见"
    within: str                   # "3个工作日内"
    clause: str                   # the plan's sentence
    hours: int | None             # clock rules (holidays included)
    working_days: int | None      # working-day rules


@dataclass(frozen=True)
class DeadlineRules:
    rules: Mapping[str, DeadlineRule]
    first_response: Mapping[Urgency, str]
    case_deadlines: Mapping[Urgency, tuple[str, ...]]   # every rule a case of that urgency is tracked against
    day_ends: time                # the last day ends at 24:00 (《民法典》第二百零三条), written 23:59:59

    def rule(self, name: str) -> DeadlineRule:
        try:
            return self.rules[name]
        except KeyError:
            raise UnknownRule(name, self.rules) from None

    def first_response_rule(self, urgency: Urgency | str) -> DeadlineRule:
        return self.rule(self.first_response[Urgency(urgency)])


@dataclass(frozen=True)
class Deadline:
    rule: str
    label: str
    due_at: datetime              # tz-aware, +08:00
    warnings: tuple[str, ...]     # e.g. the year's holidays are not confirmed yet


def load_deadline_rules(path: Path | str | None = None) -> DeadlineRules:
    """Load and validate deadlines.yaml (default: triage/deadlines.yaml); RulesError names file and field."""
    file = Path(path) if path is not None else DEADLINES_FILE
    spec = load_model(file, _DeadlinesFile)
    if spec.day_ends.tzinfo is not None:
        raise RulesError(file, "day_ends", "写当地时间，不带时区（例如 \"23:59:59\"）")
    rules = {name: DeadlineRule(name=name, label=r.label, within=r.within, clause=r.clause, hours=r.hours,
                                working_days=r.working_days)
             for name, r in spec.rules.items()}
    return DeadlineRules(rules=rules, first_response=dict(spec.first_response),
                         case_deadlines={u: tuple(names) for u, names in spec.case_deadlines.items()},
                         day_ends=spec.day_ends)


def to_china_time(moment: datetime) -> datetime:
    """The same instant in +08:00; a naive datetime is refused rather than guessed."""
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise NaiveDatetime(moment)
    return moment.astimezone(CHINA_TZ)


def case_deadlines(urgency: Urgency | str, start: datetime, rules: DeadlineRules,
                   calendar: WorkCalendar) -> tuple[Deadline, ...]:
    """Every deadline a case of `urgency` arriving at `start` is tracked against, first response first."""
    return tuple(due_at(name, start, rules, calendar) for name in rules.case_deadlines[Urgency(urgency)])


def due_at(rule: str, start: datetime, rules: DeadlineRules, calendar: WorkCalendar) -> Deadline:
    """When `rule` expires for a case that arrived at `start`. Pure: no clock, no I/O."""
    spec = rules.rule(rule)
    local = to_china_time(start)
    if spec.hours is not None:
        return Deadline(rule=spec.name, label=spec.label, due_at=local + timedelta(hours=spec.hours), warnings=())
    last_day = calendar.working_day_after(local.date(), spec.working_days)
    due = datetime.combine(last_day, rules.day_ends, tzinfo=CHINA_TZ)
    return Deadline(rule=spec.name, label=spec.label, due_at=due, warnings=calendar.warnings(local.date(), last_day))
