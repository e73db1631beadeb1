"""Hand-offs to a person: record a resident waiting in the conversation, and list who is waiting."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from cases.models import Handoff
from nlu.masking import mask_personal_data

SessionFactory = Callable[[], Session]
Reason = Literal["requested", "fallback", "distress", "emergency"]
REASONS: tuple[str, ...] = get_args(Reason)
WAITING = "waiting"
MAX_MESSAGE = 500


class InvalidHandoff(ValueError):
    """A hand-off that cannot be recorded as given."""


@dataclass(frozen=True)
class HandoffView:
    id: int
    sender: str
    channel: str
    reason: str
    last_message: str            # masked
    status: str
    case_number: str | None
    created_at: datetime


def record_handoff(session_factory: SessionFactory, *, sender: str, channel: str, reason: str,
                   last_message: str, now: datetime, case_number: str | None = None) -> int:
    """Store one waiting hand-off (message masked and shortened); return its id."""
    if reason not in REASONS:
        raise InvalidHandoff(f"unknown hand-off reason {reason!r} (one of {', '.join(REASONS)})")
    if not sender.strip() or len(sender) > 128 or not channel.strip() or len(channel) > 32:
        raise InvalidHandoff("sender (≤128) and channel (≤32) are required")
    if now.tzinfo is None:
        raise InvalidHandoff("`now` must be timezone-aware")
    text = mask_personal_data(last_message.strip())[:MAX_MESSAGE]
    row = Handoff(sender=sender.strip(), channel=channel.strip(), reason=reason, last_message=text,
                  status=WAITING, case_number=case_number, created_at=now)
    with session_factory() as session, session.begin():
        session.add(row)
        session.flush()
        return row.id


def list_waiting(session_factory: SessionFactory, *, limit: int = 100) -> list[HandoffView]:
    """Waiting hand-offs, emergencies and distress first, then oldest first."""
    urgent_first = case({"emergency": 0, "distress": 1}, value=Handoff.reason, else_=2)
    stmt = (select(Handoff).where(Handoff.status == WAITING)
            .order_by(urgent_first, Handoff.created_at, Handoff.id).limit(limit))
    with session_factory() as session:
        return [HandoffView(id=h.id, sender=h.sender, channel=h.channel, reason=h.reason,
                            last_message=h.last_message, status=h.status, case_number=h.case_number,
                            created_at=h.created_at) for h in session.scalars(stmt)]
