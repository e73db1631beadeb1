"""Turns a triage assessment into what the case store takes: urgency, routes and every tracked deadline."""
from __future__ import annotations

from datetime import datetime

from cases.application import CaseTriage
from triage import Assessment, TriageConfig, case_deadlines


def case_triage(assessment: Assessment, reported_at: datetime, config: TriageConfig) -> CaseTriage:
    deadlines = case_deadlines(assessment.urgency, reported_at, config.deadline_rules, config.calendar)
    return CaseTriage(
        urgency=assessment.urgency.value,
        reasons=assessment.reasons,
        department_ids=assessment.departments,
        assistance=assessment.assistance,
        deadlines={d.rule: d.due_at for d in deadlines},
    )
