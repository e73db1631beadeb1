"""The notifications table: one row per resident-facing outbox message, its delivery attempts and outcome.

The worker records a row when it reads the notification stream (a redelivered entry adds nothing: outbox_id is
unique), then delivers rows that are due. Back-off after a failure: `retry_delay(attempts)`; after
MAX_ATTEMPTS failures the row is failed. A row no channel can push now waits and is looked at again later.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cases.models import Notification
from cases.states import NoticeStatus
from nlu.masking import mask_personal_data

SessionFactory = Callable[[], Session]
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
RECHECK_WAITING = timedelta(minutes=10)      # a waiting notice: has the resident written again since?
WAITING_FOR = timedelta(days=30)             # after this a waiting notice stays in the web status view only


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … at most an hour: after `attempts` failed tries."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


@dataclass(frozen=True)
class Notice:
    """What a door needs to deliver one notification."""

    id: int
    case_number: str | None
    recipient: str
    text: str
    attempts: int
    created_at: datetime


@dataclass(frozen=True)
class Outcome:
    """A door's answer: delivered (via), retry (a passing failure), waiting (cannot push now), failed (for good)."""

    status: str
    via: str | None = None
    error: str | None = None

    @classmethod
    def delivered(cls, via: str) -> Outcome:
        return cls("delivered", via)

    @classmethod
    def retry(cls, error: str) -> Outcome:
        return cls("retry", error=error)

    @classmethod
    def waiting(cls, why: str) -> Outcome:
        return cls("waiting", error=why)

    @classmethod
    def failed(cls, error: str) -> Outcome:
        return cls("failed", error=error)


def record(session_factory: SessionFactory, *, outbox_id: int, case_number: str, recipient: str, kind: str,
           text: str, now: datetime) -> bool:
    """A new pending row for this outbox message; False when it was recorded before (a stream redelivery)."""
    row = Notification(outbox_id=outbox_id, case_number=case_number, recipient=recipient, kind=kind,
                       text=mask_personal_data(text), status=NoticeStatus.PENDING, attempts=0, next_attempt_at=now,
                       created_at=now)
    with session_factory() as session:
        if session.scalar(select(Notification.id).where(Notification.outbox_id == outbox_id)) is not None:
            return False
        session.add(row)
        try:
            session.commit()
        except IntegrityError:              # another worker recorded it a moment ago
            session.rollback()
            return False
    return True


def enqueue(session_factory: SessionFactory, *, recipient: str, kind: str, text: str, now: datetime,
            case_number: str | None = None) -> int:
    """A notice that is no case update (a console agent's message in a hand-off): pending at once; its id."""
    row = Notification(outbox_id=None, case_number=case_number, recipient=recipient, kind=kind,
                       text=mask_personal_data(text), status=NoticeStatus.PENDING, attempts=0, next_attempt_at=now,
                       created_at=now)
    with session_factory() as session, session.begin():
        session.add(row)
        session.flush()
        return row.id


def due(session_factory: SessionFactory, now: datetime, limit: int = 50) -> list[Notice]:
    """Pending and waiting rows whose next attempt is due, oldest first; waiting rows for WAITING_FOR at most."""
    with session_factory() as session:
        rows = session.scalars(
            select(Notification)
            .where(Notification.next_attempt_at <= now,
                   (Notification.status == NoticeStatus.PENDING)
                   | ((Notification.status == NoticeStatus.WAITING) & (Notification.created_at > now - WAITING_FOR)))
            .order_by(Notification.next_attempt_at, Notification.id).limit(limit))
        return [Notice(r.id, r.case_number, r.recipient, r.text, r.attempts, r.created_at) for r in rows]


def settle(session_factory: SessionFactory, notice_id: int, outcome: Outcome, now: datetime) -> NoticeStatus:
    """Write a delivery attempt's outcome; returns the row's new status."""
    with session_factory() as session, session.begin():
        row = session.get(Notification, notice_id, with_for_update=True)
        if row is None or row.status in (NoticeStatus.DELIVERED, NoticeStatus.FAILED):
            return row.status if row else NoticeStatus.FAILED
        error = mask_personal_data(outcome.error)[:500] if outcome.error else None
        if outcome.status == "delivered":
            row.status, row.via, row.delivered_at, row.last_error = NoticeStatus.DELIVERED, outcome.via, now, None
            row.attempts += 1
        elif outcome.status == "waiting":
            row.status, row.last_error, row.next_attempt_at = NoticeStatus.WAITING, error, now + RECHECK_WAITING
        elif outcome.status == "failed" or row.attempts + 1 >= MAX_ATTEMPTS:
            row.status, row.last_error, row.attempts = NoticeStatus.FAILED, error, row.attempts + 1
        else:
            row.attempts += 1
            row.status, row.last_error = NoticeStatus.PENDING, error
            row.next_attempt_at = now + retry_delay(row.attempts)
        return row.status


def list_notifications(session_factory: SessionFactory, *, status: NoticeStatus | None = None,
                       case_number: str | None = None, limit: int = 200) -> list[Notification]:
    """Newest first (detached rows, for reading)."""
    with session_factory() as session:
        stmt = select(Notification).order_by(Notification.id.desc()).limit(limit)
        if status is not None:
            stmt = stmt.where(Notification.status == status)
        if case_number:
            stmt = stmt.where(Notification.case_number == case_number)
        rows = list(session.scalars(stmt))
        session.expunge_all()
        return rows


def counts(session_factory: SessionFactory) -> dict[str, int]:
    with session_factory() as session:
        return {s.value: n for s, n in session.execute(
            select(Notification.status, func.count()).group_by(Notification.status))}
