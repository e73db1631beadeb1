"""Hand-offs nobody took in time: a supervisor is alerted on their stream and the resident is told what happens
next through their own channel (a notice the notifier delivers). Each hand-off escalates once."""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta

from redis import Redis
from sqlalchemy.orm import Session

from cases import notifications
from cases.notices import load_wording
from conversation.handoff import OpenHandoff, overdue_for_escalation
from streams.routing import SUPERVISOR_STREAM

KIND = "handoff.escalated"


def escalate_handoffs(session_factory: Callable[[], Session], redis: Redis, now: datetime,
                      after: timedelta) -> list[OpenHandoff]:
    escalated = overdue_for_escalation(session_factory, now, after)
    for h in escalated:
        notifications.enqueue(session_factory, recipient=h.sender, kind=KIND, text=load_wording().handoff_escalated,
                              now=now, case_number=h.case_number)
        redis.xadd(SUPERVISOR_STREAM, {
            "kind": KIND, "handoff_id": str(h.id), "case_number": h.case_number or "", "outbox_id": "0",
            "urgency": "emergency" if h.reason in ("emergency", "distress") else "urgent", "status": h.status,
            "due_at": "", "departments": "", "township": "", "created_at": now.isoformat(),
            "payload": json.dumps({"kind": KIND, "channel": h.channel, "reason": h.reason,
                                   "waited_minutes": int((now - h.created_at).total_seconds() // 60),
                                   "last_message": h.last_message}, ensure_ascii=False)})
    return escalated
