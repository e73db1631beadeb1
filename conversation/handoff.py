"""Hand-offs to a person: record a resident waiting in the conversation, and list who is waiting."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, get_args

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from cases.models import Handoff
from nlu.masking import mask_personal_data

SessionFactory = Callable[[], Session]
Reason = Literal["requested", "fallback", "distress", "emergency"]
REASONS: tuple[str, ...] = get_args(Reason)
WAITING = "waiting"
MAX_MESSAGE = 500
PAUSE_SECONDS = 12 * 3600         # an agent who forgets to hand back does not silence the bot for ever


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


# ---- taken over in the console ------------------------------------------------------------------------------------
TAKEN, RETURNED, CLOSED = "taken", "returned", "closed"
OPEN_STATES = (WAITING, TAKEN)


class HandoffConflict(Exception):
    """Someone else took this hand-off, or it has ended (409 at the edge); Chinese first."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        self.message_zh, self.message_en = message_zh, message_en
        super().__init__(message_en)


@dataclass(frozen=True)
class OpenHandoff:
    id: int
    sender: str
    channel: str
    reason: str
    last_message: str
    status: str
    agent: str | None
    case_number: str | None
    created_at: datetime
    escalated: bool


def _open(h: Handoff) -> OpenHandoff:
    return OpenHandoff(h.id, h.sender, h.channel, h.reason, h.last_message, h.status, h.agent, h.case_number,
                       h.created_at, h.escalated_at is not None)


def list_open(session_factory: SessionFactory, *, limit: int = 200) -> list[OpenHandoff]:
    """Waiting and taken hand-offs: waiting before taken, emergencies and distress first, then the longest wait."""
    urgent_first = case({"emergency": 0, "distress": 1}, value=Handoff.reason, else_=2)
    waiting_first = case({WAITING: 0}, value=Handoff.status, else_=1)
    stmt = (select(Handoff).where(Handoff.status.in_(OPEN_STATES))
            .order_by(waiting_first, urgent_first, Handoff.created_at, Handoff.id).limit(limit))
    with session_factory() as session:
        return [_open(h) for h in session.scalars(stmt)]


def get_handoff(session_factory: SessionFactory, handoff_id: int) -> OpenHandoff | None:
    with session_factory() as session:
        h = session.get(Handoff, handoff_id)
        return _open(h) if h else None


def take(session_factory: SessionFactory, handoff_id: int, agent: str, now: datetime) -> OpenHandoff:
    """The agent takes the conversation over (again, if it is theirs); HandoffConflict when another has it."""
    with session_factory() as session, session.begin():
        h = session.get(Handoff, handoff_id, with_for_update=True)
        if h is None or h.status not in OPEN_STATES:
            raise HandoffConflict("这个转人工已经结束了。", "This hand-off has ended.")
        if h.status == TAKEN and h.agent != agent:
            raise HandoffConflict(f"已由 {h.agent} 接手。", f"Taken by {h.agent}.")
        h.status, h.agent, h.taken_at = TAKEN, agent, h.taken_at or now
        return _open(h)


def end(session_factory: SessionFactory, handoff_id: int, agent: str, now: datetime, *, close: bool) -> OpenHandoff:
    """Hand the conversation back to the bot (or close it): only the agent who has it."""
    with session_factory() as session, session.begin():
        h = session.get(Handoff, handoff_id, with_for_update=True)
        if h is None or h.status != TAKEN or h.agent != agent:
            raise HandoffConflict("只有接手的工作人员才能交回或结束。", "Only the agent who took it can end it.")
        h.status, h.ended_at = (CLOSED if close else RETURNED), now
        return _open(h)


def overdue_for_escalation(session_factory: SessionFactory, now: datetime, after: timedelta
                           ) -> list[OpenHandoff]:
    """Waiting hand-offs nobody took within `after`, not yet escalated: marked escalated now (each once)."""
    with session_factory() as session, session.begin():
        rows = list(session.scalars(select(Handoff).where(Handoff.status == WAITING, Handoff.escalated_at.is_(None),
                                                          Handoff.created_at <= now - after)
                                    .with_for_update(skip_locked=True)))
        for h in rows:
            h.escalated_at = now
        return [_open(h) for h in rows]


class HandoffPause:
    """While an agent has the conversation, the bot does not answer (Redis, shared by every gateway worker)."""

    def __init__(self, redis: Any) -> None:
        self._redis = redis

    @staticmethod
    def _key(sender: str) -> str:
        return f"jishijiu:handoff:taken:{sender}"

    async def pause(self, sender: str, handoff_id: int) -> None:
        await self._redis.set(self._key(sender), handoff_id, ex=PAUSE_SECONDS)

    async def resume(self, sender: str) -> None:
        await self._redis.delete(self._key(sender))

    async def paused(self, sender: str) -> bool:
        """True while an agent has it; False when Redis is down (the bot answers rather than nobody)."""
        try:
            return bool(await self._redis.exists(self._key(sender)))
        except Exception:  # noqa: BLE001 - Redis down: degrade to the bot
            return False


def keep_waiting(session_factory: SessionFactory, *, sender: str, channel: str, reason: str, last_message: str,
                 now: datetime) -> int:
    """A resident the bot could not serve (Rasa down) waits for a person: one open hand-off per resident, its last
    message the newest, raised to "emergency" when the newest is one. Its id."""
    text = mask_personal_data(last_message.strip())[:MAX_MESSAGE]
    with session_factory() as session, session.begin():
        h = session.scalar(select(Handoff).where(Handoff.sender == sender, Handoff.status.in_(OPEN_STATES))
                           .order_by(Handoff.id.desc()).limit(1).with_for_update())
        if h is None:
            h = Handoff(sender=sender, channel=channel, reason=reason, last_message=text, status=WAITING,
                        created_at=now)
            session.add(h)
        else:
            h.last_message = text
            if reason == "emergency":
                h.reason = "emergency"
        session.flush()
        return h.id
