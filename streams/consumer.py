"""Caseworker consumers: read department/township streams through a consumer group, emergencies first; ack; reclaim."""
from __future__ import annotations

import json
import logging
import os
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from redis import Redis
from redis.exceptions import ResponseError

from cases.states import PRIORITY, Urgency
from streams.routing import DEAD_LETTER_STREAM, consumer_streams


log = logging.getLogger(__name__)


def _text(value: bytes | str) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


@dataclass(frozen=True)
class StreamMessage:
    """One stream entry, typed; `payload` is the outbox payload (personal data masked)."""

    stream: str
    entry_id: str
    kind: str
    case_number: str
    outbox_id: int
    urgency: Urgency
    status: str
    due_at: datetime | None
    departments: tuple[str, ...]
    township: str
    payload: Mapping[str, Any] = field(repr=False)

    @property
    def priority(self) -> int:
        return PRIORITY[self.urgency]

    @classmethod
    def parse(cls, stream: str, entry_id: bytes | str, raw: Mapping[bytes | str, bytes | str]) -> StreamMessage:
        f = {_text(k): _text(v) for k, v in raw.items()}
        return cls(stream=stream, entry_id=_text(entry_id), kind=f["kind"], case_number=f["case_number"],
                   outbox_id=int(f["outbox_id"]), urgency=Urgency(f["urgency"]), status=f.get("status", ""),
                   due_at=datetime.fromisoformat(f["due_at"]) if f.get("due_at") else None,
                   departments=tuple(d for d in f.get("departments", "").split(",") if d),
                   township=f.get("township", ""),
                   payload=MappingProxyType(json.loads(f.get("payload") or "{}")))


class Consumer:
    """Reads the streams of a department and/or township in one consumer group, most urgent first.

    Each read first reclaims (XAUTOCLAIM) entries another consumer took and left un-acked for
    `min_idle_ms`, then takes new ones, level by level: emergency, urgent, normal.
    """

    def __init__(self, redis: Redis, group: str, *, department: str | None = None, township: str | None = None,
                 name: str | None = None, min_idle_ms: int = 60_000, max_deliveries: int = 5) -> None:
        if not department and not township:
            raise ValueError("a consumer reads a department's or a township's streams (or both)")
        self.redis, self.group = redis, group
        self.name = name or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.min_idle_ms = min_idle_ms
        self.max_deliveries = max_deliveries       # a poison entry goes to the dead-letter stream after this many
        self._levels = consumer_streams(department=department, township=township)
        self._cursors = {key: "0-0" for keys in self._levels for key in keys}
        self._held: list[StreamMessage] = []
        for key in self._cursors:
            try:
                redis.xgroup_create(key, group, id="0", mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    @property
    def streams(self) -> list[str]:
        return list(self._cursors)

    def read(self, count: int = 10, block_ms: int = 0) -> list[StreamMessage]:
        """Up to `count` messages, most urgent first; waits up to block_ms when there is nothing."""
        out: list[StreamMessage] = []
        for level, keys in enumerate(self._levels):
            for msg in [m for m in self._held if m.priority == level][:count - len(out)]:
                self._held.remove(msg)
                out.append(msg)
            for key in keys:
                out += self._reclaim(key, count - len(out))
            for key in keys:
                out += self._new({key: ">"}, count - len(out))
        if not out and block_ms > 0:
            arrived = sorted(self._new(dict.fromkeys(self._cursors, ">"), 1, block_ms), key=lambda m: m.priority)
            out, self._held = arrived[:count], self._held + arrived[count:]
        return out

    def ack(self, msg: StreamMessage) -> None:
        self.redis.xack(msg.stream, self.group, msg.entry_id)

    def pending(self) -> int:
        """Entries delivered to this group and not yet acknowledged, over all its streams."""
        return sum(self.redis.xpending(key, self.group)["pending"] for key in self._cursors)

    def _reclaim(self, key: str, count: int) -> list[StreamMessage]:
        if count <= 0:
            return []
        reply = self.redis.xautoclaim(key, self.group, self.name, self.min_idle_ms,
                                      start_id=self._cursors[key], count=count)
        self._cursors[key] = _text(reply[0])
        out = []
        for entry_id, fields in reply[1]:
            if not fields:
                continue
            delivered = self.redis.xpending_range(key, self.group, min=entry_id, max=entry_id, count=1)
            times = delivered[0]["times_delivered"] if delivered else 0
            if times > self.max_deliveries:
                self._bury(key, entry_id, fields, f"delivered {times} times and never acknowledged")
                continue
            if (msg := self._parse(key, entry_id, fields)) is not None:
                out.append(msg)
        return out

    def _new(self, streams: dict[str, str], count: int, block_ms: int | None = None) -> list[StreamMessage]:
        if count <= 0:
            return []
        reply = self.redis.xreadgroup(self.group, self.name, streams, count=count, block=block_ms) or []
        return [msg for key, entries in reply for entry_id, fields in entries if fields
                if (msg := self._parse(_text(key), entry_id, fields)) is not None]

    def _parse(self, key: str, entry_id: bytes | str,
               fields: Mapping[bytes | str, bytes | str]) -> StreamMessage | None:
        """The entry, or None when it cannot be read (it goes to the dead-letter stream at once)."""
        try:
            return StreamMessage.parse(key, entry_id, fields)
        except (KeyError, ValueError) as exc:
            self._bury(key, entry_id, fields, f"unreadable: {type(exc).__name__}")
            return None

    def _bury(self, key: str, entry_id: bytes | str, fields: Mapping[bytes | str, bytes | str], why: str) -> None:
        """Move a poison entry to the dead-letter stream (with where it came from and why) and acknowledge it."""
        self.redis.xadd(DEAD_LETTER_STREAM, {**{_text(k): _text(v) for k, v in fields.items()},
                                             "dead_from": key, "dead_entry": _text(entry_id), "dead_group": self.group,
                                             "dead_reason": why})
        self.redis.xack(key, self.group, entry_id)
        log.error("stream entry %s of %s moved to %s: %s", _text(entry_id), key, DEAD_LETTER_STREAM, why)
