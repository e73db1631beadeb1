"""The outbox relay: published with urgency and deadline; Redis down loses nothing; never delivered twice."""
from datetime import datetime, timedelta, timezone

from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import select

from cases.models import OutboxMessage
from cases.service import submit_case, transition_case
from cases.states import OutboxStatus
from streams.consumer import Consumer
from streams.relay import OutboxRelay
from tests.cases.fixtures import TOWNSHIP, application, triage

NOW = datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)
DEPT_URGENT = "jsj:dept:minzheng:urgent"


def _closed_port_redis() -> Redis:
    """Redis 'down': nothing listens on port 1 (the real server keeps running for other tests)."""
    return Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2, socket_timeout=0.2, retry=Retry(NoBackoff(), 0))


def _outbox(session_factory) -> list[OutboxMessage]:  # noqa: ANN001
    with session_factory() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_published_entry_carries_urgency_deadline_and_masked_payload(session_factory, cipher, divisions,
                                                                    redis_client) -> None:
    number = submit_case(session_factory, application(), triage(NOW), NOW, cipher=cipher, divisions=divisions)
    assert OutboxRelay(session_factory, redis_client).drain().published == 1
    for key in (DEPT_URGENT, "jsj:dept:yingji:urgent", f"jsj:township:{TOWNSHIP}:urgent"):
        assert redis_client.xlen(key) == 1, key
    fields = redis_client.xrange(DEPT_URGENT)[0][1]
    assert fields[b"case_number"] == number.encode() and fields[b"urgency"] == b"urgent"
    assert datetime.fromisoformat(fields[b"due_at"].decode()) == NOW + timedelta(hours=24)
    flat = b" ".join(v for v in fields.values())
    assert b"13812345678" not in flat and b"370811199001011236" not in flat
    assert "张*" in fields[b"payload"].decode()
    row = _outbox(session_factory)[0]
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.PUBLISHED, 1, None)
    assert row.published_at is not None


def test_redis_down_at_submission_then_published_exactly_once(session_factory, cipher, divisions,
                                                              redis_client) -> None:
    numbers = [submit_case(session_factory, application(user=f"u{i}"), triage(NOW), NOW, cipher=cipher,
                           divisions=divisions) for i in range(3)]
    report = OutboxRelay(session_factory, _closed_port_redis()).drain()
    assert report.published == 0 and "ConnectionError" in report.error
    rows = _outbox(session_factory)
    assert [r.status for r in rows] == [OutboxStatus.PENDING] * 3
    assert rows[0].attempts == 1 and "ConnectionError" in rows[0].last_error
    # Redis is back
    relay = OutboxRelay(session_factory, redis_client)
    assert relay.drain().published == 3
    assert relay.drain().published == 0                          # second run: nothing left, nothing re-sent
    assert redis_client.xlen(DEPT_URGENT) == 3
    consumer = Consumer(redis_client, "caseworkers", department="minzheng")
    got = consumer.read(count=10)
    assert sorted(m.case_number for m in got) == sorted(numbers)
    rows = _outbox(session_factory)
    assert all(r.status is OutboxStatus.PUBLISHED and r.last_error is None for r in rows)
    assert [r.attempts for r in rows] == [2, 1, 1]              # only the first row met the outage


def test_crash_between_xadd_and_commit_does_not_duplicate(session_factory, cipher, divisions, redis_client) -> None:
    submit_case(session_factory, application(), triage(NOW), NOW, cipher=cipher, divisions=divisions)
    relay = OutboxRelay(session_factory, redis_client)
    with session_factory() as session:                           # XADD happened, then the relay died:
        assert relay.publish(session.scalars(select(OutboxMessage)).one()) is True
        session.rollback()                                       # the row was never marked published
    assert _outbox(session_factory)[0].status is OutboxStatus.PENDING
    report = relay.drain()
    assert (report.published, report.duplicates) == (1, 1)
    assert redis_client.xlen(DEPT_URGENT) == 1
    assert _outbox(session_factory)[0].status is OutboxStatus.PUBLISHED


def test_transitions_reach_the_township_and_the_resident(session_factory, cipher, divisions, redis_client) -> None:
    number = submit_case(session_factory, application(), triage(NOW), NOW, cipher=cipher, divisions=divisions)
    transition_case(session_factory, number, "accepted", actor="staff:wang", now=NOW)
    OutboxRelay(session_factory, redis_client).drain()
    notify = redis_client.xrange("jsj:notify")
    assert len(notify) == 1 and notify[0][1][b"status"] == b"accepted"
    assert b"openid-zhang" in notify[0][1][b"payload"]
    assert redis_client.xlen(f"jsj:township:{TOWNSHIP}:urgent") == 2


def test_most_urgent_rows_are_relayed_first(session_factory, cipher, divisions, redis_client) -> None:
    submit_case(session_factory, application(user="n"), triage(NOW, "normal"), NOW, cipher=cipher,
                divisions=divisions)
    submit_case(session_factory, application(user="e"), triage(NOW, "emergency"), NOW, cipher=cipher,
                divisions=divisions)
    OutboxRelay(session_factory, redis_client, batch_size=1).run_once()
    assert redis_client.xlen("jsj:dept:minzheng:emergency") == 1
    assert redis_client.xlen("jsj:dept:minzheng:normal") == 0
    assert redis_client.xlen("jsj:supervisor") == 1             # emergencies also alert the supervisor


def test_relay_and_escalation_work_on_sqlite_too(sqlite_session_factory, cipher, divisions, redis_client) -> None:
    from streams.escalation import escalate

    number = submit_case(sqlite_session_factory, application(), triage(NOW), NOW, cipher=cipher,
                         divisions=divisions)
    fired = escalate(sqlite_session_factory, NOW + timedelta(days=30), (0.5,))
    assert sorted((e.rule, e.level) for e in fired) == [("materials", "overdue"), ("urgent", "overdue")]
    assert OutboxRelay(sqlite_session_factory, redis_client).drain().published == 3
    assert redis_client.xrange(DEPT_URGENT)[0][1][b"case_number"] == number.encode()
    assert redis_client.xlen("jsj:supervisor") == 2


def test_a_row_redis_refuses_is_held_back_whole_and_the_rows_behind_it_go_on(session_factory, cipher, divisions,
                                                                           redis_client) -> None:  # noqa: ANN001
    """Issue 10: every XADD's result counts; a refused row is not marked published, leaves no partial entries, and
    does not block the others."""
    from dataclasses import replace

    poisoned = submit_case(session_factory, application(), triage(NOW, departments=("minzheng", "sifa")), NOW,
                           cipher=cipher, divisions=divisions)
    fine = submit_case(session_factory, replace(application(), channel_user_id="u2"),
                       triage(NOW, departments=("yingji",)), NOW, cipher=cipher, divisions=divisions)
    redis_client.set("jsj:dept:sifa:urgent", "not a stream")          # the second stream of the first row
    report = OutboxRelay(session_factory, redis_client).drain()
    assert (report.published, report.refused, report.error) == (1, 1, None)
    rows = {r.case_number: r for r in _outbox(session_factory)}
    assert rows[poisoned].status is OutboxStatus.PENDING and "WRONGTYPE" in rows[poisoned].last_error
    assert rows[fine].status is OutboxStatus.PUBLISHED
    assert redis_client.xlen(DEPT_URGENT) == 0                         # the first XADD was taken back
    redis_client.delete("jsj:dept:sifa:urgent")
    assert OutboxRelay(session_factory, redis_client).drain().published == 1
    assert redis_client.xlen(DEPT_URGENT) == 1 and redis_client.xlen("jsj:dept:sifa:urgent") == 1


def test_replay_after_a_redis_data_loss_publishes_each_row_once_more(session_factory, cipher, divisions, redis_client,
                                                                    tmp_path) -> None:  # noqa: ANN001
    import os
    import subprocess
    import sys

    from tests.cases.fixtures import CASES_REDIS_URL, STORE_SECRET_KEY, prepared_database_url

    submit_case(session_factory, application(), triage(NOW), NOW, cipher=cipher, divisions=divisions)
    relay = OutboxRelay(session_factory, redis_client)
    relay.drain()
    redis_client.flushdb()                                              # Redis lost its data
    env = {**os.environ, "DATABASE_URL": prepared_database_url(), "JISHIJIU_SECRET_KEY": STORE_SECRET_KEY,
           "REDIS_URL": CASES_REDIS_URL,
           "JISHIJIU_DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "jishijiu.cli", "outbox", "replay", "--since",
                           "2025-03-03T00:00:00+08:00"], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0 and "1" in done.stdout, done.stderr
    assert relay.drain().published == 1 and redis_client.xlen(DEPT_URGENT) == 1
    subprocess.run([sys.executable, "-m", "jishijiu.cli", "outbox", "replay", "--since",
                    "2025-03-03T00:00:00+08:00"], capture_output=True, env=env, timeout=60, check=True)
    assert relay.drain().duplicates == 1 and redis_client.xlen(DEPT_URGENT) == 1     # still in Redis: not again
