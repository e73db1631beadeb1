"""What the gateway recorded of a sender's messages (conversation/inbox.py), read from the test database."""
from __future__ import annotations

from sqlalchemy import select

from conversation.inbox import InboundMessage
from jishijiu.db import make_engine, make_session_factory
from jishijiu.settings import Settings


def inbound_texts(settings: Settings, sender: str) -> list[str]:
    engine = make_engine(settings)
    try:
        with make_session_factory(engine)() as session:
            return list(session.scalars(select(InboundMessage.text).where(InboundMessage.sender == sender)
                                        .order_by(InboundMessage.id)))
    finally:
        engine.dispose()
