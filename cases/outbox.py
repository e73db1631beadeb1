"""Outbox rows: what each case change tells the streams, with personal data masked and the audience named."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cases.models import Case, OutboxMessage
from cases.states import PRIORITY, OutboxStatus

Audience = Literal["departments", "township", "supervisor", "resident"]
SITUATION_EXCERPT = 300


def pending_due_at(case: Case) -> datetime | None:
    """The earliest deadline not yet met, or None."""
    return min((d.due_at for d in case.deadlines if d.met_at is None), default=None)


def case_departments(case: Case) -> list[str]:
    """Departments holding a 转办单, else those triage proposed."""
    return [r.department_id for r in case.referrals] or list(case.department_ids)


def outbox_message(case: Case, kind: str, audience: list[Audience], now: datetime,
                   detail: dict[str, Any], departments: list[str] | None = None) -> OutboxMessage:
    """A pending row; the relay turns `audience` into stream keys (streams/routing.py)."""
    due = pending_due_at(case)
    payload: dict[str, Any] = {
        "kind": kind,
        "case_number": case.case_number,
        "status": case.status.value,
        "urgency": case.urgency.value,
        "departments": departments if departments is not None else case_departments(case),
        "township": case.township_code or case.county_code,
        "county": case.county_code,
        "due_at": due.isoformat() if due else None,
        "audience": list(audience),
        "detail": detail,
    }
    if "resident" in audience:
        payload["channel"], payload["channel_user_id"] = case.channel, case.channel_user_id
    return OutboxMessage(case_number=case.case_number, kind=kind, urgency=case.urgency,
                         priority=PRIORITY[case.urgency], payload=payload, status=OutboxStatus.PENDING,
                         attempts=0, created_at=now)


def submission_detail(case: Case) -> dict[str, Any]:
    """What a caseworker sees first: masked applicant, place, masked situation excerpt, triage."""
    return {
        "applicant": case.name_masked, "phone": case.phone_masked, "id_number": case.id_number_masked,
        "location": case.location_label, "situation": case.situation[:SITUATION_EXCERPT],
        "reasons": list(case.triage_reasons), "assistance": list(case.assistance),
        "attachments": len(case.attachments or ()),
        "deadlines": {d.rule: d.due_at.isoformat() for d in case.deadlines},
    }


def oldest_pending(session_factory: Callable[[], Session]) -> datetime | None:
    """When the oldest change not yet published to the streams was made (None: all published)."""
    with session_factory() as session:
        return session.scalar(select(func.min(OutboxMessage.created_at))
                              .where(OutboxMessage.status == OutboxStatus.PENDING))
