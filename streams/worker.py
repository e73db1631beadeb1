"""The worker loop: outbox relay every interval, escalation job periodically, back-off through outages."""
from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from redis import Redis
from redis.backoff import ExponentialBackoff
from redis.exceptions import RedisError
from redis.retry import Retry
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from cases.retention import RetentionPolicy
from jishijiu.settings import Settings
from nlu.masking import mask_personal_data
from streams.escalation import Escalation, escalate
from streams.handoff_escalation import escalate_handoffs
from streams.relay import OutboxRelay, RelayReport

log = logging.getLogger(__name__)
HEARTBEAT_KEY = "jsj:worker:heartbeat"     # the time of the worker's last pass (GET /healthz reads it)
HEARTBEAT_STALE = 60.0                     # seconds without a pass after which /healthz calls the worker down


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class WorkerPass:
    relay: RelayReport
    escalations: tuple[Escalation, ...]

    @property
    def healthy(self) -> bool:
        return self.relay.error is None


class Worker:
    """Runs the relay and the escalation job; a failed pass waits interval·2ⁿ (at most max_backoff) before retrying."""

    def __init__(self, session_factory: Callable[[], Session], redis: Redis, *, thresholds: Sequence[float],
                 interval: float = 1.0, escalation_every: float = 30.0, max_backoff: float = 60.0,
                 clock: Callable[[], datetime] = _utc_now, handoff_after: timedelta | None = None,
                 retention: Callable[[datetime], object] | None = None, retention_every: float = 86_400.0) -> None:
        self.relay = OutboxRelay(session_factory, redis, clock=clock)
        self._session_factory = session_factory
        self._thresholds = tuple(thresholds)
        self.interval, self.escalation_every, self.max_backoff = interval, escalation_every, max_backoff
        self._clock = clock
        self._last_escalation: datetime | None = None
        self._redis = redis
        self._handoff_after = handoff_after      # None: hand-offs are not escalated by this worker
        self._retention, self._retention_every = retention, retention_every
        self._last_retention: datetime | None = None

    def run_once(self, *, force_escalation: bool = False) -> WorkerPass:
        """Drain the outbox; run the escalation job if due (or forced), then publish what it wrote."""
        report = self.relay.drain()
        escalations: list[Escalation] = []
        now = self._clock()
        if force_escalation or self._last_escalation is None or \
                (now - self._last_escalation).total_seconds() >= self.escalation_every:
            escalations = escalate(self._session_factory, now, self._thresholds)
            if self._handoff_after is not None:
                escalate_handoffs(self._session_factory, self._redis, now, self._handoff_after)
            self._last_escalation = now
            if escalations and report.error is None:
                more = self.relay.drain()
                report = RelayReport(report.published + more.published, report.duplicates + more.duplicates,
                                     more.error, report.refused + more.refused)
        if self._retention is not None and (self._last_retention is None or
                                            (now - self._last_retention).total_seconds() >= self._retention_every):
            self._last_retention = now
            log.info("retention: %s", self._retention(now))
        return WorkerPass(report, tuple(escalations))

    def _beat(self) -> None:
        try:
            self._redis.set(HEARTBEAT_KEY, self._clock().isoformat(), ex=int(HEARTBEAT_STALE * 10))
        except (RedisError, OSError):
            pass

    def run(self, stop: threading.Event, *, once: bool = False) -> bool:
        """Loop until `stop` is set (or one pass with once=True); returns whether the last pass was healthy."""
        failures = 0
        while True:
            try:
                healthy = self.run_once(force_escalation=once).healthy
            except (SQLAlchemyError, RedisError, OSError) as exc:
                log.warning("worker pass failed: %s", mask_personal_data(f"{type(exc).__name__}: {exc}")[:300])
                healthy = False
            if once:
                return healthy
            self._beat()
            failures = 0 if healthy else failures + 1
            delay = self.interval if healthy else min(self.interval * 2 ** failures, self.max_backoff)
            if failures:
                log.info("worker backing off %.1f s after %d failed pass(es)", delay, failures)
            if stop.wait(delay):
                return healthy


def redis_for_worker(url: str) -> Redis:
    """A client that gives up within about a second (redis-py 8 retries 10 times by default, ~4 s):
    the worker's own back-off handles longer outages and keeps the loop responsive to stop signals."""
    return Redis.from_url(url, socket_connect_timeout=1.0, socket_timeout=5.0,
                          retry=Retry(ExponentialBackoff(cap=0.2, base=0.05), 2))


def _migrate_when_reachable(engine: Engine, stop: threading.Event, *, once: bool, max_backoff: float = 60.0) -> bool:
    """Run the migrations, waiting with back-off while the database is down (one try with once=True)."""
    from cases.migrate import upgrade

    delay = 1.0
    while True:
        try:
            upgrade(engine)
            return True
        except SQLAlchemyError as exc:
            log.warning("database unavailable, cannot migrate: %s", type(exc).__name__)
            if once or stop.wait(delay):
                return False
            delay = min(delay * 2, max_backoff)


def retention_policy(settings: Settings) -> RetentionPolicy:
    return RetentionPolicy(settings.retain_messages_days, settings.retain_closed_cases_days)


def run_worker(settings: Settings, *, once: bool = False, interval: float | None = None) -> int:
    """Composition for `jishijiu worker`: migrate, connect, loop until SIGTERM/SIGINT; exit code."""
    from cases.encryption import build_cipher
    from cases.keys import KeyMismatch, check_key
    from cases.retention import apply_retention
    from jishijiu import logs
    from streams.trim import trim_streams
    from jishijiu.db import make_engine, make_session_factory

    logs.configure(settings.log_level)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    engine = make_engine(settings)
    if not _migrate_when_reachable(engine, stop, once=once):
        engine.dispose()
        return 1 if once else 0
    session_factory = make_session_factory(engine)
    cipher = build_cipher(settings)
    try:
        check_key(session_factory, cipher, _utc_now())
    except KeyMismatch as exc:
        log.error("%s", exc)
        engine.dispose()
        return 1
    redis = redis_for_worker(settings.redis_url)
    def retention(now: datetime) -> object:
        report = apply_retention(session_factory, cipher, retention_policy(settings), now)
        return report, sum(trim_streams(redis, now, timedelta(days=settings.retain_streams_days)).values())

    worker = Worker(session_factory, redis, thresholds=settings.escalation_thresholds,
                    interval=interval or settings.worker_interval,
                    handoff_after=timedelta(minutes=settings.handoff_escalate_after),
                    retention=None if once else retention)
    log.info("worker started (interval %.2f s, escalation at %s)", worker.interval,
             ", ".join(f"{t:.0%}" for t in settings.escalation_thresholds))
    notifying = None
    if not once:        # the residents' notices in a thread of their own: a slow channel never delays the relay
        notifying = threading.Thread(target=_notify, args=(settings, session_factory, redis, stop, worker.interval),
                                     name="notifier", daemon=True)
        notifying.start()
    try:
        healthy = worker.run(stop, once=once)
        if once:
            _notify(settings, session_factory, redis, stop, worker.interval, once=True)
    finally:
        stop.set()
        if notifying is not None:
            notifying.join(timeout=30)
        redis.close()
        engine.dispose()
    return 0 if healthy or not once else 1


def _notify(settings: Settings, session_factory: Callable[[], Session], redis: Redis, stop: threading.Event,
            interval: float, *, once: bool = False) -> None:
    """The notifier's own event loop: its doors are built, run until `stop` (or one pass), and closed in it."""
    from jishijiu.notify import notice_doors
    from streams.notifier import Notifier

    async def main() -> None:
        doors, closers = notice_doors(settings, session_factory)
        notifier = Notifier(session_factory, redis, doors)
        try:
            if once:
                await notifier.run_once()
            else:
                await notifier.run(stop, interval)
        finally:
            for close in closers:
                await close()

    try:
        asyncio.run(main())
    except Exception:  # noqa: BLE001 - logged; the relay and the escalations go on without notices
        log.exception("notifier stopped")
