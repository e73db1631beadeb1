"""ORM models: Case, its deadlines, 转办单, append-only events, outbox, escalations, the daily number counter and
the hand-offs to a person waiting in the conversation."""
from __future__ import annotations

import enum
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (JSON, DateTime, Enum, ForeignKey, Index, LargeBinary, String, Text, TypeDecorator,
                        UniqueConstraint, event)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from cases.states import CaseState, NoticeStatus, OutboxStatus, ReferralStatus, Urgency


class UtcDateTime(TypeDecorator[datetime]):
    """tz-aware datetimes on every backend: stored as UTC, read back as UTC (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: case-store times must be timezone-aware")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e],
                validate_strings=True)


class Base(DeclarativeBase):
    type_annotation_map = {
        datetime: UtcDateTime(),
        CaseState: _enum(CaseState),
        ReferralStatus: _enum(ReferralStatus),
        Urgency: _enum(Urgency),
        OutboxStatus: _enum(OutboxStatus),
        NoticeStatus: _enum(NoticeStatus),
        dict[str, Any]: JSON(),
        list[str]: JSON(),
    }


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_number: Mapped[str] = mapped_column(String(24), unique=True)
    channel: Mapped[str] = mapped_column(String(32))
    channel_user_id: Mapped[str] = mapped_column(String(128))
    # applicant: sealed (AES-GCM) + masked copy for display + keyed hash for lookup; never in clear
    name_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    name_masked: Mapped[str] = mapped_column(String(64))
    id_number_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_number_masked: Mapped[str | None] = mapped_column(String(24))
    id_number_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    phone_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_masked: Mapped[str | None] = mapped_column(String(16))
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    county_code: Mapped[str] = mapped_column(String(24))
    township_code: Mapped[str | None] = mapped_column(String(24), index=True)
    village_code: Mapped[str | None] = mapped_column(String(24))
    location_label: Mapped[str] = mapped_column(String(200))
    situation: Mapped[str] = mapped_column(Text)                 # personal data masked before storing
    urgency: Mapped[Urgency] = mapped_column(index=True)
    triage_reasons: Mapped[list[str]]
    department_ids: Mapped[list[str]]
    assistance: Mapped[list[str]]
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON(), default=list)   # by reference (media ids)
    status: Mapped[CaseState] = mapped_column(index=True)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]

    deadlines: Mapped[list[CaseDeadline]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseDeadline.due_at")
    referrals: Mapped[list[CaseReferral]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseReferral.id")
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseEvent.id")
    outbox: Mapped[list[OutboxMessage]] = relationship(back_populates="case", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"Case({self.case_number!r}, {self.status.value}, {self.urgency.value}, {self.name_masked})"


class CaseDeadline(Base):
    """One statutory deadline rule per row (emergency, urgent, materials, initial, approval)."""

    __tablename__ = "case_deadlines"
    __table_args__ = (UniqueConstraint("case_id", "rule", name="uq_case_deadlines_case_rule"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(32))
    starts_at: Mapped[datetime]
    due_at: Mapped[datetime] = mapped_column(index=True)
    met_at: Mapped[datetime | None]

    case: Mapped[Case] = relationship(back_populates="deadlines")


class CaseReferral(Base):
    """转办单: one per department a case is dispatched to, with its own status."""

    __tablename__ = "case_referrals"
    __table_args__ = (UniqueConstraint("case_id", "department_id", name="uq_case_referrals_case_department"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    department_id: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[ReferralStatus]
    issued_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="referrals")


class CaseEvent(Base):
    """Append-only history: who did what, when, the state before and after, and a note."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(32))
    before: Mapped[CaseState | None] = mapped_column("state_before")
    after: Mapped[CaseState | None] = mapped_column("state_after")
    note: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any]]

    case: Mapped[Case] = relationship(back_populates="events")


class OutboxMessage(Base):
    """A message to publish to Redis Streams, written in the transaction that caused it."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_pending", "status", "priority", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    case_number: Mapped[str] = mapped_column(String(24))
    kind: Mapped[str] = mapped_column(String(32))
    urgency: Mapped[Urgency]
    priority: Mapped[int]
    payload: Mapped[dict[str, Any]]                 # masked only: it is copied into the streams
    status: Mapped[OutboxStatus]
    attempts: Mapped[int]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    published_at: Mapped[datetime | None]

    case: Mapped[Case] = relationship(back_populates="outbox")


class CaseEscalation(Base):
    """One row per case, deadline rule and level (e.g. 50%, 90%, overdue): each fires once."""

    __tablename__ = "case_escalations"
    __table_args__ = (UniqueConstraint("case_id", "rule", "level", name="uq_case_escalations_case_rule_level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(16))
    fired_at: Mapped[datetime]


class CaseNumberCounter(Base):
    """The last case number handed out on a day (Asia/Shanghai), incremented atomically."""

    __tablename__ = "case_number_counters"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)     # YYYYMMDD
    last_serial: Mapped[int]


class Handoff(Base):
    """A resident waiting for a person (asked for one, not understood twice, distress, emergency); text masked."""

    __tablename__ = "handoffs"
    __table_args__ = (Index("ix_handoffs_waiting", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sender: Mapped[str] = mapped_column(String(128))          # the conversation id, never a phone or 身份证号
    channel: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(16))           # requested | fallback | distress | emergency
    last_message: Mapped[str] = mapped_column(Text)           # personal data masked before storing
    status: Mapped[str] = mapped_column(String(16))           # waiting | taken | returned | closed
    case_number: Mapped[str | None] = mapped_column(String(24))
    created_at: Mapped[datetime]
    agent: Mapped[str | None] = mapped_column(String(32))     # the console account that took it over
    taken_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]                         # handed back to the bot, or closed
    escalated_at: Mapped[datetime | None]                     # nobody took it in time: a supervisor was alerted


class Notification(Base):
    """A case update told to the resident through their door, from the notification stream (one per outbox row)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # the outbox row it tells (a stream redelivery adds none); None for a hand-off's messages, which have no case
    outbox_id: Mapped[int | None] = mapped_column(unique=True)
    case_number: Mapped[str | None] = mapped_column(String(24), index=True)
    recipient: Mapped[str] = mapped_column(String(128))      # the case's conversation id: "<door>:<channel's id>"
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)                  # masked: built from masked payloads only
    status: Mapped[NoticeStatus] = mapped_column(index=True)
    via: Mapped[str | None] = mapped_column(String(32))      # custom_message | template | telegram | webchat
    attempts: Mapped[int]
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]


class AppendOnlyViolation(RuntimeError):
    """Raised when code tries to change or delete a recorded CaseEvent."""


@event.listens_for(CaseEvent, "before_update")
@event.listens_for(CaseEvent, "before_delete")
def _events_are_append_only(_mapper: Any, _connection: Any, target: CaseEvent) -> None:
    raise AppendOnlyViolation(f"case event {target.id} is append-only")
