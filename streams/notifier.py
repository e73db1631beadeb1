"""The notifier: case updates back to the resident, through the door their case came in by.

The outbox relay puts every resident-facing change in the notification stream (streams/routing.NOTIFY_STREAM). The
notifier reads it through its own consumer group, records one `notifications` row per outbox message (a redelivered
entry adds nothing), acknowledges the entry, then delivers the rows that are due through the recipient's door
(`doors`: the recipient's prefix → an async deliver function, built from the settings by the composition root).
A passing failure is retried with back-off, a refusal for good is failed, and a notice no door can push now waits
(cases/notifications.py). It runs in its own thread and event loop: a slow channel never delays the case updates
or the caseworkers' streams.
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timezone

from redis import Redis
from redis.exceptions import RedisError, ResponseError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from cases import notifications
from cases.notices import render_notice
from cases.notifications import Notice, Outcome
from nlu.masking import mask_personal_data
from streams.consumer import StreamMessage
from streams.routing import NOTIFY_STREAM

log = logging.getLogger(__name__)
GROUP = "notifier"
Deliver = Callable[[Notice], Awaitable[Outcome]]


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def door_of(recipient: str) -> str:
    """The door a conversation id belongs to: "wechat:oAbc" → "wechat"."""
    return recipient.split(":", 1)[0]


class Notifier:
    def __init__(self, session_factory: Callable[[], Session], redis: Redis, doors: Mapping[str, Deliver], *,
                 clock: Callable[[], datetime] = _utc_now, concurrency: int = 8, send_timeout: float = 20.0,
                 batch: int = 100, name: str | None = None, min_idle_ms: int = 60_000) -> None:
        self._sessions = session_factory
        self._redis = redis
        self._doors = dict(doors)
        self._clock = clock
        self._limit = asyncio.Semaphore(concurrency)
        self._timeout = send_timeout
        self._batch = batch
        self._name = name or f"{socket.gethostname()}-{os.getpid()}"
        self._min_idle_ms = min_idle_ms
        self._group_ready = False

    # ---- stream → rows -------------------------------------------------------------------------------------
    def _ensure_group(self) -> None:
        if self._group_ready:
            return
        try:
            self._redis.xgroup_create(NOTIFY_STREAM, GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._group_ready = True

    def _entries(self) -> list[StreamMessage]:
        """Entries another notifier took and left for min_idle_ms, then new ones."""
        self._ensure_group()
        _, claimed, *_ = self._redis.xautoclaim(NOTIFY_STREAM, GROUP, self._name, self._min_idle_ms,
                                                start_id="0-0", count=self._batch)
        fresh = self._redis.xreadgroup(GROUP, self._name, {NOTIFY_STREAM: ">"}, count=self._batch) or []
        raw = [*claimed, *(entry for _, entries in fresh for entry in entries)]
        return [StreamMessage.parse(NOTIFY_STREAM, entry_id, fields) for entry_id, fields in raw if fields]

    def collect(self) -> int:
        """Record a row for each new entry of the notification stream, then acknowledge it; rows recorded."""
        recorded = 0
        for msg in self._entries():
            text = render_notice(msg.payload)
            recipient = str(msg.payload.get("channel_user_id") or "")
            if text and recipient:
                recorded += notifications.record(self._sessions, outbox_id=msg.outbox_id,
                                                 case_number=msg.case_number, recipient=recipient, kind=msg.kind,
                                                 text=text, now=self._clock())
            self._redis.xack(NOTIFY_STREAM, GROUP, msg.entry_id)     # only once the row is committed
        return recorded

    # ---- rows → doors --------------------------------------------------------------------------------------
    async def _attempt(self, notice: Notice) -> Outcome:
        deliver = self._doors.get(door_of(notice.recipient))
        if deliver is None:        # e.g. an API client's resident, or the hotline: nothing to push through
            return Outcome.waiting("这个渠道不能主动推送：在网页进度查询里可见 / no push for this door")
        async with self._limit:
            try:
                return await asyncio.wait_for(deliver(notice), timeout=self._timeout)
            except asyncio.TimeoutError:
                return Outcome.retry(f"no answer within {self._timeout:.0f} s")
            except Exception as exc:  # noqa: BLE001 - a door's bug must not stop the others; retried, logged
                log.exception("notice %s: delivery raised", notice.id)
                return Outcome.retry(type(exc).__name__)

    async def _deliver(self, notice: Notice) -> str:
        outcome = await self._attempt(notice)
        status = await asyncio.to_thread(notifications.settle, self._sessions, notice.id, outcome, self._clock())
        if outcome.status != "delivered":
            log.info("notice %s for %s: %s (%s)", notice.id, notice.case_number, status.value,
                     mask_personal_data(outcome.error or "")[:200])
        return status.value

    async def _deliver_in_order(self, chain: list[Notice]) -> list[str]:
        """One resident's notices, oldest first: a notice that must be retried holds back the ones after it, so
        that the resident never reads them out of order."""
        done = []
        for notice in chain:
            done.append(await self._deliver(notice))
            if done[-1] == "pending":
                break
        return done

    async def deliver_due(self) -> Counter[str]:
        """Due notices: residents in parallel, each resident's in order."""
        due = await asyncio.to_thread(notifications.due, self._sessions, self._clock())
        chains: dict[str, list[Notice]] = {}
        for notice in sorted(due, key=lambda n: n.id):
            chains.setdefault(notice.recipient, []).append(notice)
        results = await asyncio.gather(*(self._deliver_in_order(c) for c in chains.values()))
        return Counter(status for statuses in results for status in statuses)

    async def run_once(self) -> Counter[str]:
        """Collect from the stream (skipped while Redis is down), then deliver what is due; counts by new status,
        plus "recorded"."""
        tally: Counter[str] = Counter()
        try:
            tally["recorded"] = await asyncio.to_thread(self.collect)
        except (RedisError, OSError) as exc:
            log.warning("notifier cannot read the stream: %s", type(exc).__name__)
        tally.update(await self.deliver_due())
        return tally

    async def run(self, stop: threading.Event, interval: float, max_backoff: float = 60.0) -> None:
        """Passes until `stop` is set; a database outage backs off like the worker."""
        failures = 0
        while not stop.is_set():
            try:
                await self.run_once()
                failures = 0
            except SQLAlchemyError as exc:
                failures += 1
                log.warning("notifier pass failed: %s", type(exc).__name__)
            delay = interval if not failures else min(interval * 2 ** failures, max_backoff)
            if await asyncio.to_thread(stop.wait, delay):
                return
