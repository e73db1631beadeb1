"""Pure triage core: urgency, reasons, departments and statutory deadlines for 济时救 reports."""
from triage.assess import Assessment, TriageConfig, assess, assess_now, default_triage
from triage.classify import Classification, classify
from triage.deadlines import (
    CHINA_TZ, Deadline, DeadlineRule, DeadlineRules, case_deadlines, due_at, load_deadline_rules,
)
from triage.errors import NaiveDatetime, RulesError, UnknownRule
from triage.rules import TriageRules, Urgency, load_rules
from triage.workcalendar import WorkCalendar, load_calendar

__all__ = [
    "Assessment", "CHINA_TZ", "Classification", "Deadline", "DeadlineRule", "DeadlineRules", "NaiveDatetime",
    "RulesError", "TriageConfig", "TriageRules", "UnknownRule", "Urgency", "WorkCalendar", "assess", "assess_now",
    "case_deadlines", "classify", "default_triage", "due_at", "load_calendar", "load_deadline_rules", "load_rules",
]
