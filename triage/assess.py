"""Triage plus first-response deadline in one pure call, and cached default configuration for callers."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from triage.classify import classify
from triage.learned import LearnedTriage, default_model
from triage.deadlines import DeadlineRules, due_at, load_deadline_rules
from triage.rules import TriageRules, Urgency, load_rules
from triage.workcalendar import WorkCalendar, load_calendar


@dataclass(frozen=True)
class Assessment:
    urgency: Urgency
    respond_within: str               # "2小时内", "24小时内", "3个工作日内"
    deadline_rule: str                # the first-response rule in deadlines.yaml
    due_at: datetime                  # tz-aware, +08:00
    reasons: tuple[str, ...]
    departments: tuple[str, ...]      # department ids, 民政 first
    assistance: tuple[str, ...]
    safety: tuple[str, ...]
    warnings: tuple[str, ...]         # e.g. holidays of the due year not yet confirmed
    third_party: bool
    clarify: str | None = None        # too thin to judge: the one question to ask first
    learned_raised: bool = False      # the level came from the learned classifier alone


@dataclass(frozen=True)
class TriageConfig:
    """The three reviewed files, loaded once: what assess() needs besides the text and the time."""

    rules: TriageRules
    deadline_rules: DeadlineRules
    calendar: WorkCalendar
    model: LearnedTriage | None = None      # the learned classifier (triage/learned.py), None: rules only


def assess(text: str, reported_at: datetime, rules: TriageRules, deadline_rules: DeadlineRules,
           calendar: WorkCalendar, model: LearnedTriage | None = None) -> Assessment:
    """Classify `text` and compute its first-response deadline from `reported_at`. Pure: no clock, no I/O."""
    found = classify(text, rules, model)
    rule = deadline_rules.first_response_rule(found.urgency)
    deadline = due_at(rule.name, reported_at, deadline_rules, calendar)
    return Assessment(
        urgency=found.urgency,
        respond_within=rule.within,
        deadline_rule=rule.name,
        due_at=deadline.due_at,
        reasons=found.reasons,
        departments=found.departments,
        assistance=found.assistance,
        safety=found.safety,
        warnings=deadline.warnings,
        third_party=found.third_party,
        clarify=found.clarify,
        learned_raised=found.learned_raised,
    )


@lru_cache(maxsize=1)
def default_triage() -> TriageConfig:
    """triage/rules.yaml, deadlines.yaml, holidays.yaml and the learned classifier, loaded once per process."""
    return TriageConfig(rules=load_rules(), deadline_rules=load_deadline_rules(), calendar=load_calendar(),
                        model=default_model())


def assess_now(text: str, now: datetime) -> Assessment:
    """assess() with the default configuration; `now` is the tz-aware time the report arrived."""
    config = default_triage()
    return assess(text, now, config.rules, config.deadline_rules, config.calendar, config.model)
