"""Stream names and which streams an outbox message goes to (pure: no Redis, no database)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cases.states import URGENCY_ORDER, Urgency

PREFIX = "jsj"
SUPERVISOR_STREAM = f"{PREFIX}:supervisor"
NOTIFY_STREAM = f"{PREFIX}:notify"          # resident notifications, read by the worker's notifier
DEAD_LETTER_STREAM = f"{PREFIX}:dead"       # entries no consumer could handle after several deliveries


def department_stream(department_id: str, urgency: Urgency | str) -> str:
    return f"{PREFIX}:dept:{department_id}:{Urgency(urgency).value}"


def township_stream(code: str, urgency: Urgency | str) -> str:
    """`code` is the township, or the county/zone when the case has no township yet."""
    return f"{PREFIX}:township:{code}:{Urgency(urgency).value}"


def dedupe_key(case_number: str, outbox_id: int) -> str:
    return f"{PREFIX}:published:{case_number}:{outbox_id}"


def streams_for(payload: Mapping[str, Any]) -> list[str]:
    """Stream keys for an outbox payload, from its audience, urgency, departments and township."""
    urgency = Urgency(payload["urgency"])
    audience = set(payload.get("audience") or ())
    keys: list[str] = []
    if "departments" in audience:
        keys += [department_stream(d, urgency) for d in payload.get("departments") or ()]
    if "township" in audience and payload.get("township"):
        keys.append(township_stream(payload["township"], urgency))
    if "supervisor" in audience:
        keys.append(SUPERVISOR_STREAM)
    if "resident" in audience:
        keys.append(NOTIFY_STREAM)
    return list(dict.fromkeys(keys))


def consumer_streams(*, department: str | None, township: str | None,
                     urgencies: Sequence[Urgency] = URGENCY_ORDER) -> list[list[str]]:
    """The streams a caseworker reads, grouped by urgency, most urgent first."""
    groups = []
    for urgency in urgencies:
        keys = [department_stream(department, urgency)] if department else []
        keys += [township_stream(township, urgency)] if township else []
        groups.append(keys)
    return groups
