"""Read models for APIs and the CLI (pydantic, frozen): personal data appears only in masked form."""
from __future__ import annotations

import hmac
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from cases.models import Case, CaseEvent
from cases.outbox import case_departments, pending_due_at
from cases.states import LABELS, OPEN, CaseState, ReferralStatus, Urgency


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class DeadlineView(_Frozen):
    rule: str
    due_at: datetime
    met_at: datetime | None


class ReferralView(_Frozen):
    """A 转办单."""

    department_id: str
    status: ReferralStatus
    issued_at: datetime
    updated_at: datetime
    note: str | None


class EventView(_Frozen):
    at: datetime
    actor: str
    action: str
    before: CaseState | None
    after: CaseState | None
    note: str | None
    detail: dict[str, Any]

    @classmethod
    def of(cls, e: CaseEvent) -> EventView:
        return cls(at=e.at, actor=e.actor, action=e.action, before=e.before, after=e.after, note=e.note,
                   detail=dict(e.detail or {}))


class CaseSummary(_Frozen):
    case_number: str
    status: CaseState
    status_label: str
    urgency: Urgency
    channel: str
    applicant: str                     # masked name, e.g. 张*
    id_number: str | None              # masked, 3708**********1234
    phone: str | None                  # masked, 138****5678
    county_code: str
    township_code: str | None
    village_code: str | None
    location: str
    departments: list[str]
    submitted_at: datetime
    updated_at: datetime
    due_at: datetime | None            # earliest deadline not yet met
    overdue: bool

    @classmethod
    def of(cls, case: Case, now: datetime) -> CaseSummary:
        due = pending_due_at(case)
        return cls(
            case_number=case.case_number, status=case.status, status_label=LABELS[case.status],
            urgency=case.urgency, channel=case.channel, applicant=case.name_masked,
            id_number=case.id_number_masked, phone=case.phone_masked, county_code=case.county_code,
            township_code=case.township_code, village_code=case.village_code, location=case.location_label,
            departments=case_departments(case), submitted_at=case.submitted_at, updated_at=case.updated_at,
            due_at=due, overdue=bool(due and due < now and case.status in OPEN))

    def phone_ends_with(self, last4: str) -> bool:
        """The resident's proof for a status look-up: the last four digits of the case's phone; constant-time."""
        return bool(self.phone) and last4.isdigit() and \
            hmac.compare_digest(self.phone[-4:].encode(), last4.encode())   # type: ignore[index]


class CaseDetail(CaseSummary):
    situation: str                     # stored masked
    reasons: list[str]
    assistance: list[str]
    decision_reason: str | None
    closed_at: datetime | None
    deadlines: list[DeadlineView]
    referrals: list[ReferralView]
    history: list[EventView]
    attachments: list[dict[str, str]] = []     # {"kind", "ref", "received_at"}: e.g. a WeChat image's media id

    @classmethod
    def of(cls, case: Case, now: datetime) -> CaseDetail:  # type: ignore[override]
        return cls(
            **CaseSummary.of(case, now).model_dump(),
            situation=case.situation, reasons=list(case.triage_reasons), assistance=list(case.assistance),
            decision_reason=case.decision_reason, closed_at=case.closed_at,
            deadlines=[DeadlineView(rule=d.rule, due_at=d.due_at, met_at=d.met_at) for d in case.deadlines],
            referrals=[ReferralView(department_id=r.department_id, status=r.status, issued_at=r.issued_at,
                                    updated_at=r.updated_at, note=r.note) for r in case.referrals],
            history=[EventView.of(e) for e in case.events],
            attachments=[dict(a) for a in case.attachments or ()],
        )
