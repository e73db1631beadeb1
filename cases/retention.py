"""Retention and erasure, as the consent text promises (issue 10).

`apply_retention` (run daily by the worker, and by `jishijiu retention run`): inbound chat messages, notices to
residents and ended hand-offs older than their keep, and closed cases older than theirs, lose their personal data:
rows of messages and notices are deleted; a hand-off keeps its facts without its words; a case keeps its number,
place, urgency, departments, deadlines and history of states (for the supervisors' figures) and loses the applicant,
the situation, free-text notes and attachments. `erase_case` does the same for one case at once (a deletion
request). Each run and each erasure is written to the audit log.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, String, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from cases.encryption import PersonalDataCipher
from cases.errors import CaseNotFound, InvalidInput
from cases.models import Base, Case, CaseEvent, Handoff, Notification, OutboxMessage
from cases.states import OPEN, CaseState

SessionFactory = Callable[[], Session]
ERASED = "（已删除）"


class AuditEntry(Base):
    """Who did what to whose data, when: retention runs, erasures (append-only by convention)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON())


@dataclass(frozen=True)
class RetentionPolicy:
    messages_days: int = 180        # inbound chat messages, notices, hand-off words
    closed_cases_days: int = 1095   # closed cases keep their personal data this long (3 years) after closing


@dataclass(frozen=True)
class RetentionReport:
    messages_deleted: int
    notices_deleted: int
    handoffs_cleared: int
    cases_anonymised: int


def _anonymise(session: Session, case: Case, cipher: PersonalDataCipher) -> None:
    case.name_sealed, case.name_masked = cipher.seal(ERASED, "name"), ERASED
    case.id_number_sealed = case.id_number_masked = case.id_number_hash = None
    case.phone_sealed = case.phone_masked = case.phone_hash = None
    case.situation, case.decision_reason = ERASED, (ERASED if case.decision_reason else None)
    case.attachments = []
    # Events are append-only for the application; erasure is the one writer allowed to blank their words.
    session.execute(update(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.note.is_not(None))
                    .values(note=ERASED).execution_options(synchronize_session=False))
    for row in session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id)):
        row.payload = {**row.payload, "detail": {}}
    session.execute(update(Notification).where(Notification.case_number == case.case_number)
                    .values(text=ERASED).execution_options(synchronize_session=False))


def _audit(session: Session, actor: str, action: str, now: datetime, detail: dict[str, Any]) -> None:
    session.add(AuditEntry(at=now, actor=actor, action=action, detail=detail))


def apply_retention(session_factory: SessionFactory, cipher: PersonalDataCipher, policy: RetentionPolicy,
                    now: datetime, actor: str = "system:retention") -> RetentionReport:
    from conversation.inbox import InboundMessage

    words_before = now - timedelta(days=policy.messages_days)
    cases_before = now - timedelta(days=policy.closed_cases_days)
    with session_factory() as session, session.begin():
        messages = session.execute(delete(InboundMessage).where(InboundMessage.received_at < words_before)).rowcount
        notices = session.execute(delete(Notification).where(Notification.created_at < words_before)).rowcount
        handoffs = session.execute(update(Handoff).where(Handoff.created_at < words_before,
                                                         Handoff.status.in_(("returned", "closed", "waiting")),
                                                         Handoff.last_message != ERASED)
                                   .values(last_message=ERASED).execution_options(synchronize_session=False)).rowcount
        old = list(session.scalars(select(Case).where(Case.status == CaseState.CLOSED, Case.closed_at < cases_before,
                                                      Case.name_masked != ERASED)))
        for case in old:
            _anonymise(session, case, cipher)
        report = RetentionReport(messages or 0, notices or 0, handoffs or 0, len(old))
        _audit(session, actor, "retention", now, {**asdict(report), **asdict(policy)})
    return report


def erase_case(session_factory: SessionFactory, case_number: str, cipher: PersonalDataCipher, *, actor: str,
               reason: str, now: datetime, force: bool = False) -> None:
    """A deletion request: the case's personal data goes now (an open case only with `force`: it can no longer be
    handled by phone). The history keeps the erasure (who, when, why)."""
    if not reason.strip():
        raise InvalidInput("删除须写明依据（如本人申请）", "an erasure needs its reason")
    with session_factory() as session, session.begin():
        case = session.scalar(select(Case).where(Case.case_number == case_number.strip().upper()).with_for_update())
        if case is None:
            raise CaseNotFound(case_number)
        if case.status in OPEN and not force:
            raise InvalidInput("案件尚未办结：确需删除请加 --force（此后无法再电话联系申请人）",
                               "the case is open: add --force to erase it anyway")
        _anonymise(session, case, cipher)
        session.add(CaseEvent(case_id=case.id, at=now, actor=actor, action="erased", before=case.status,
                              after=case.status, note=None, detail={"reason": reason.strip()[:200]}))
        _audit(session, actor, "erase_case", now, {"case_number": case.case_number, "reason": reason.strip()[:200]})
