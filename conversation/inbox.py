"""Every chat turn is recorded (masked) before it reaches the bot, so nothing a resident sends is lost
even when Rasa is down; its outcome says who answered it (the bot, or the gateway's fallback)."""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone

from sqlalchemy import Index, String, Text, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from cases.models import Base

log = logging.getLogger(__name__)


class InboundMessage(Base):
    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    sender: Mapped[str] = mapped_column(String(128))          # channel:user id, never a phone or 身份证号
    channel: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)                   # masked
    outcome: Mapped[str] = mapped_column(String(16), default="received")   # received | answered | fallback
    received_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (Index("ix_inbound_messages_outcome", "outcome", "received_at"),
                      Index("ix_inbound_messages_sender", "sender", "received_at"))


def last_heard(session_factory: sessionmaker[Session], sender: str) -> datetime | None:
    """When this conversation last sent a message (e.g. WeChat's 48-hour window for customer-service messages)."""
    with session_factory() as session:
        return session.scalar(select(func.max(InboundMessage.received_at)).where(InboundMessage.sender == sender))


class Inbox:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    def _record(self, sender: str, channel: str, masked_text: str) -> int:
        now = datetime.now(timezone.utc)
        with self._sessions.begin() as session:
            row = InboundMessage(sender=sender, channel=channel, text=masked_text, received_at=now, updated_at=now)
            session.add(row)
            session.flush()
            return row.id

    def _mark(self, message_id: int, outcome: str) -> None:
        with self._sessions.begin() as session:
            session.execute(update(InboundMessage).where(InboundMessage.id == message_id)
                            .values(outcome=outcome, updated_at=datetime.now(timezone.utc)))

    async def record(self, sender: str, channel: str, masked_text: str) -> int | None:
        try:
            return await asyncio.to_thread(self._record, sender, channel, masked_text)
        except Exception as exc:  # noqa: BLE001 - the database being down must not stop the conversation
            log.error("inbound message not recorded (database unavailable: %s)", exc.__class__.__name__)
            return None

    async def mark(self, message_id: int | None, outcome: str) -> None:
        if message_id is None:
            return
        try:
            await asyncio.to_thread(self._mark, message_id, outcome)
        except Exception as exc:  # noqa: BLE001
            log.error("inbound message %s not marked %s: %s", message_id, outcome, exc.__class__.__name__)
