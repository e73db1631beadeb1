"""The one way to change a case: transition() and its siblings write a CaseEvent and an outbox row together."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import object_session

from cases.errors import IllegalTransition, InvalidInput, ReasonRequired
from cases.models import Case, CaseDeadline, CaseEscalation, CaseEvent, CaseReferral, OutboxMessage
from cases.outbox import Audience, outbox_message, submission_detail
from cases.states import (DECIDED, NEXT, NOTIFY_RESIDENT, REASON_REQUIRED, REFERRAL_NEXT, CaseState,
                          ReferralStatus, Urgency, deadline_met_by, parse_enum)
from jishijiu.departments import by_id as departments_by_id
from nlu.masking import mask_personal_data

SYSTEM_ESCALATION = "system:escalation"
MESSAGE_MAX_CHARS = 1000


def _attach(case: Case, obj: CaseEvent | OutboxMessage | CaseReferral, collection: str) -> None:
    """Link obj to case; in a session, without loading the case's whole collection."""
    session = object_session(case)
    if session is None:
        getattr(case, collection).append(obj)
        return
    obj.case = case
    session.add(obj)


def _event(case: Case, action: str, actor: str, now: datetime, *, before: CaseState | None,
           after: CaseState | None, note: str | None = None, detail: dict[str, Any] | None = None) -> CaseEvent:
    event = CaseEvent(at=now, actor=actor, action=action, before=before, after=after,
                      note=mask_personal_data(note) if note else None, detail=detail or {})
    _attach(case, event, "events")
    return event


def _publish(case: Case, kind: str, audience: list[Audience], now: datetime, detail: dict[str, Any],
             departments: list[str] | None = None) -> OutboxMessage:
    message = outbox_message(case, kind, audience, now, detail, departments)
    _attach(case, message, "outbox")
    return message


def record_submission(case: Case, actor: str, now: datetime,
                      note: str | None = None) -> tuple[CaseEvent, OutboxMessage]:
    """The first event and the message that puts the case in its departments' and township's streams; `note`
    e.g. the consent a hotline agent recorded for the caller."""
    audience: list[Audience] = ["departments", "township"]
    if case.urgency is Urgency.EMERGENCY:
        audience.append("supervisor")
    event = _event(case, "submitted", actor, now, before=None, after=case.status, note=note)
    return event, _publish(case, "case.submitted", audience, now, submission_detail(case))


def transition(case: Case, to: CaseState | str, *, actor: str, now: datetime, note: str | None = None,
               reason: str | None = None, departments: list[str] | None = None) -> CaseEvent | None:
    """Move the case to `to`; a repeat of the current state is a no-op (None); illegal moves raise."""
    to = parse_enum(CaseState, to)
    before = case.status
    if before is to:
        return None
    if to not in NEXT[before]:
        raise IllegalTransition(before.value, to.value)
    if to in REASON_REQUIRED and not (reason and reason.strip()):
        raise ReasonRequired()
    if to is CaseState.DISPATCHED:
        _issue_referrals(case, departments if departments is not None else list(case.department_ids), now)
    case.status, case.updated_at = to, now
    if to in DECIDED:
        case.decision_reason = mask_personal_data(reason.strip()) if reason else None
    if to is CaseState.CLOSED:
        case.closed_at = now
    for deadline in case.deadlines:
        if deadline.met_at is None and to in deadline_met_by(deadline.rule):
            deadline.met_at = now
    detail = {"before": before.value, "after": to.value}
    if case.decision_reason and to in DECIDED:
        detail["reason"] = case.decision_reason
    event = _event(case, "transition", actor, now, before=before, after=to, note=note, detail=detail)
    audience: list[Audience] = ["departments", "township"]
    if to in NOTIFY_RESIDENT:
        audience.append("resident")
    _publish(case, "case.transitioned", audience, now, detail)
    return event


def _issue_referrals(case: Case, departments: list[str], now: datetime) -> None:
    unknown = [d for d in departments if d not in departments_by_id()]
    if unknown or not departments:
        raise InvalidInput("分办需要至少一个已知部门", f"dispatch needs known departments (unknown: {unknown})")
    case.department_ids = list(dict.fromkeys(departments))
    for dept in case.department_ids:
        referral = CaseReferral(department_id=dept, status=ReferralStatus.ISSUED, issued_at=now, updated_at=now)
        _attach(case, referral, "referrals")


def transition_referral(case: Case, department_id: str, to: ReferralStatus | str, *, actor: str,
                        now: datetime, note: str | None = None) -> CaseEvent | None:
    """Move one department's 转办单; same rules as transition(): no-op on repeat, IllegalTransition otherwise."""
    to = parse_enum(ReferralStatus, to)
    referral = next((r for r in case.referrals if r.department_id == department_id), None)
    if referral is None:
        raise IllegalTransition("no referral", to.value, what=f"转办单 {department_id}")
    before = referral.status
    if before is to:
        return None
    if to not in REFERRAL_NEXT[before]:
        raise IllegalTransition(before.value, to.value, what=f"转办单 {department_id}")
    referral.status, referral.updated_at = to, now
    referral.note = mask_personal_data(note) if note else referral.note
    case.updated_at = now
    detail = {"department": department_id, "before": before.value, "after": to.value}
    event = _event(case, "referral", actor, now, before=case.status, after=case.status, note=note, detail=detail)
    _publish(case, "referral.updated", ["departments", "township"], now, detail, departments=[department_id])
    return event


def record_escalation(case: Case, deadline: CaseDeadline, levels: list[str], now: datetime) -> CaseEvent:
    """Mark `levels` fired for this deadline and alert the supervisor once, at the most severe level."""
    session = object_session(case)
    if session is None or case.id is None:
        raise ValueError("escalations are recorded for stored cases only")
    session.add_all(CaseEscalation(case_id=case.id, rule=deadline.rule, level=level, fired_at=now)
                    for level in levels)
    detail = {"rule": deadline.rule, "level": levels[-1], "levels": levels,
              "due_at": deadline.due_at.isoformat()}
    note = (f"已超期：{deadline.rule} 时限 {deadline.due_at.isoformat()}" if levels[-1] == "overdue"
            else f"已用时{levels[-1]}：{deadline.rule} 时限 {deadline.due_at.isoformat()}")
    event = _event(case, "escalated", SYSTEM_ESCALATION, now, before=case.status, after=case.status,
                   note=note, detail=detail)
    _publish(case, "case.escalated", ["supervisor", "township"], now, detail)
    return event


def record_contact_update(case: Case, actor: str, now: datetime, changes: dict[str, Any]) -> CaseEvent:
    """The resident completed a case filed at once (an emergency): a new phone or place. The township and
    departments of the (possibly new) place are told, with the masked values only."""
    case.updated_at = now
    note = "；".join(f"{k}：{v}" for k, v in changes.items())
    event = _event(case, "contact_updated", actor, now, before=case.status, after=case.status, note=note,
                   detail=dict(changes))
    audience: list[Audience] = ["departments", "township"]
    if case.urgency is Urgency.EMERGENCY:
        audience.append("supervisor")
    _publish(case, "case.updated", audience, now, {**submission_detail(case), "changes": dict(changes)})
    return event


def _written(text: str, what_zh: str, what_en: str) -> str:
    """A caseworker's words, masked, 1 to MESSAGE_MAX_CHARS characters (InvalidInput otherwise)."""
    masked = mask_personal_data(text.strip())
    if not masked or len(masked) > MESSAGE_MAX_CHARS:
        raise InvalidInput(f"{what_zh}须为 1 至 {MESSAGE_MAX_CHARS} 个字", f"{what_en} has 1 to {MESSAGE_MAX_CHARS} characters")
    return masked


def record_message(case: Case, actor: str, now: datetime, text: str) -> CaseEvent:
    """A caseworker writes to the resident: an event in the history and a notice through the resident's door."""
    masked = _written(text, "留言", "a message")
    event = _event(case, "message", actor, now, before=case.status, after=case.status, note=masked)
    _publish(case, "case.message", ["resident"], now, {"text": masked})
    return event


def record_view(case: Case, actor: str, now: datetime, reason: str | None = None) -> CaseEvent:
    """Audit: someone opened the applicant's personal data in clear (and why, when the console asks)."""
    return _event(case, "personal_data_viewed", actor, now, before=case.status, after=case.status, note=reason)


def record_opinion(case: Case, actor: str, now: datetime, opinion: str) -> CaseEvent:
    """调查初审意见: the investigation's initial opinion, which meets the 3-working-day "initial" deadline."""
    text = _written(opinion, "初审意见", "an opinion")
    if case.status not in (CaseState.DISPATCHED, CaseState.INVESTIGATING):
        raise IllegalTransition(case.status.value, "opinion", what="初审意见")
    for deadline in case.deadlines:
        if deadline.rule == "initial" and deadline.met_at is None:
            deadline.met_at = now
    case.updated_at = now
    event = _event(case, "opinion", actor, now, before=case.status, after=case.status, note=text)
    _publish(case, "case.opinion", ["departments", "township"], now, {"opinion": text})
    return event


def record_supervision(case: Case, actor: str, now: datetime, note: str) -> CaseEvent:
    """督办: a supervisor presses a case; the township and departments are told, most urgent first."""
    text = _written(note, "督办意见", "a note")
    event = _event(case, "supervised", actor, now, before=case.status, after=case.status, note=text)
    _publish(case, "case.supervised", ["departments", "township", "supervisor"], now, {"note": text})
    return event
