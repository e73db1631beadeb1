"""The outbox relay: pending outbox rows → Redis Streams, exactly once per row (atomic SET NX + XADD script)."""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError
from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.models import OutboxMessage
from cases.states import OutboxStatus
from nlu.masking import mask_personal_data
from streams.routing import dedupe_key, streams_for

log = logging.getLogger(__name__)

# KEYS[1] the row's dedupe key, KEYS[2..] its streams; ARGV[1] the key's TTL in seconds, ARGV[2..] field/value pairs.
# Either the key is new and every XADD happens, or the row was published before and nothing does. An XADD that fails
# (say a stream key holds another type) takes back the entries already added and the key: the row stays pending.
_PUBLISH_ONCE = """
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return 0
end
local added = {}
for i = 2, #KEYS do
  local ok = redis.pcall('XADD', KEYS[i], '*', unpack(ARGV, 2))
  if type(ok) == 'table' and ok.err then
    for j = 1, #added do
      redis.call('XDEL', KEYS[j + 1], added[j])
    end
    redis.call('DEL', KEYS[1])
    return redis.error_reply('XADD to ' .. KEYS[i] .. ' failed: ' .. ok.err)
  end
  added[#added + 1] = ok
end
return #added
"""


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def entry_fields(row: OutboxMessage) -> dict[str, str]:
    """The stream entry for an outbox row: flat string fields plus the masked payload as JSON."""
    p = row.payload
    return {
        "kind": row.kind, "case_number": row.case_number, "outbox_id": str(row.id),
        "urgency": row.urgency.value, "status": p.get("status", ""), "due_at": p.get("due_at") or "",
        "departments": ",".join(p.get("departments") or ()), "township": p.get("township") or "",
        "created_at": row.created_at.isoformat(), "payload": json.dumps(p, ensure_ascii=False),
    }


@dataclass(frozen=True)
class RelayReport:
    published: int = 0          # rows marked published (including rows Redis already had)
    duplicates: int = 0         # rows whose entries were already in Redis (a crash between XADD and commit)
    error: str | None = None    # set when Redis could not be reached; the row stays pending with attempts + 1
    refused: int = 0            # rows Redis refused (each stays pending with its error; the others went on)


class OutboxRelay:
    """Publishes pending outbox rows, most urgent first; safe to run in several processes at once."""

    def __init__(self, session_factory: Callable[[], Session], redis: Redis, *, batch_size: int = 100,
                 dedupe_ttl: timedelta = timedelta(days=30), clock: Callable[[], datetime] = _utc_now) -> None:
        self._session_factory = session_factory
        self._redis = redis
        self._script = redis.register_script(_PUBLISH_ONCE)
        self._batch_size = batch_size
        self._ttl = int(dedupe_ttl.total_seconds())
        self._clock = clock

    def publish(self, row: OutboxMessage) -> bool:
        """XADD the row to its streams unless already done; True if added now, False if it was there."""
        fields = entry_fields(row)
        keys = [dedupe_key(row.case_number, row.id), *streams_for(row.payload)]
        args: list[str | int] = [self._ttl, *(x for pair in fields.items() for x in pair)]
        return bool(self._script(keys=keys, args=args))

    def run_once(self) -> RelayReport:
        """One batch in one transaction: lock pending rows (SKIP LOCKED), publish each, mark it. A row Redis refuses
        is left pending with its error and the rows behind it go on; a lost connection ends the batch."""
        published = duplicates = refused = 0
        error = None
        with self._session_factory() as session, session.begin():
            stmt = (select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
                    .order_by(OutboxMessage.priority, OutboxMessage.attempts, OutboxMessage.id)
                    .limit(self._batch_size).with_for_update(skip_locked=True))
            for row in session.scalars(stmt):
                row.attempts += 1
                try:
                    added = self.publish(row)
                except (RedisConnectionError, TimeoutError, OSError) as exc:
                    row.last_error = mask_personal_data(f"{type(exc).__name__}: {exc}")[:500]
                    error = row.last_error
                    break
                except Exception as exc:  # noqa: BLE001 - this row only (a refused XADD, a payload that fails)
                    row.last_error = mask_personal_data(f"{type(exc).__name__}: {exc}")[:500]
                    refused += 1
                    log.error("outbox row %s not published: %s", row.id, row.last_error)
                    continue
                row.status, row.published_at, row.last_error = OutboxStatus.PUBLISHED, self._clock(), None
                published += 1
                duplicates += not added
        if published or error:
            log.info("outbox relay: %d published (%d already in Redis)%s", published, duplicates,
                     f"; Redis unavailable: {error}" if error else "")
        return RelayReport(published, duplicates, error, refused)

    def drain(self, max_batches: int = 50) -> RelayReport:
        """Batches until the outbox is empty, a Redis error, or max_batches."""
        total = dup = refused = 0
        for _ in range(max_batches):
            report = self.run_once()
            total, dup, refused = total + report.published, dup + report.duplicates, refused + report.refused
            if report.error or report.published < self._batch_size:
                return RelayReport(total, dup, report.error, refused)
        return RelayReport(total, dup, None, refused)


def replay(session_factory: Callable[[], Session], since: datetime) -> int:
    """After a Redis data loss: every row published since `since` is pending again. The relay publishes each once
    more; a row whose entries survived is recognised by its once-only key and not added twice."""
    with session_factory() as session, session.begin():
        rows = list(session.scalars(select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PUBLISHED,
                                                                OutboxMessage.published_at >= since)))
        for row in rows:
            row.status, row.published_at = OutboxStatus.PENDING, None
        return len(rows)
