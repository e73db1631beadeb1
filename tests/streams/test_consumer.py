"""Caseworker consumers: emergencies first, ack after handling, a dead consumer's messages reclaimed after min idle."""
import threading
import time
from datetime import datetime, timezone

from cases.service import submit_case
from cases.states import Urgency
from streams.consumer import Consumer
from streams.relay import OutboxRelay
from tests.cases.fixtures import TOWNSHIP, application, triage

NOW = datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)


def _submit(session_factory, cipher, divisions, urgency: str, user: str) -> str:  # noqa: ANN001
    return submit_case(session_factory, application(user=user), triage(NOW, urgency), NOW, cipher=cipher,
                       divisions=divisions)


def test_emergencies_are_delivered_before_everything_else(session_factory, cipher, divisions, redis_client) -> None:
    relay = OutboxRelay(session_factory, redis_client)
    normal = _submit(session_factory, cipher, divisions, "normal", "a")
    urgent = _submit(session_factory, cipher, divisions, "urgent", "b")
    relay.drain()
    consumer = Consumer(redis_client, "caseworkers", township=TOWNSHIP)
    emergency = _submit(session_factory, cipher, divisions, "emergency", "c")   # arrives last
    relay.drain()
    first = consumer.read(count=1)
    assert [(m.case_number, m.urgency) for m in first] == [(emergency, Urgency.EMERGENCY)]
    rest = consumer.read(count=10)
    assert [m.case_number for m in rest] == [urgent, normal]
    for m in first + rest:
        consumer.ack(m)
    assert consumer.pending() == 0 and consumer.read(count=10) == []


def test_each_group_gets_each_message_once_and_groups_are_independent(session_factory, cipher, divisions,
                                                                     redis_client) -> None:
    number = _submit(session_factory, cipher, divisions, "urgent", "a")
    OutboxRelay(session_factory, redis_client).drain()
    one = Consumer(redis_client, "minzheng-renchengqu", department="minzheng", name="w1")
    two = Consumer(redis_client, "minzheng-renchengqu", department="minzheng", name="w2")
    other_group = Consumer(redis_client, "audit", department="minzheng")
    got = one.read(count=10) + two.read(count=10)
    assert [m.case_number for m in got] == [number]
    assert [m.case_number for m in other_group.read(count=10)] == [number]
    msg = got[0]
    assert msg.kind == "case.submitted" and msg.departments == ("minzheng", "yingji") and msg.township == TOWNSHIP
    assert msg.due_at is not None and msg.payload["detail"]["applicant"] == "张*"


def test_dead_consumers_message_is_reclaimed_after_min_idle(session_factory, cipher, divisions, redis_client) -> None:
    number = _submit(session_factory, cipher, divisions, "urgent", "a")
    OutboxRelay(session_factory, redis_client).drain()
    dying = Consumer(redis_client, "caseworkers", department="minzheng", name="dies-mid-handling", min_idle_ms=200)
    assert [m.case_number for m in dying.read(count=1)] == [number]          # read, never acked: it dies
    survivor = Consumer(redis_client, "caseworkers", department="minzheng", name="survivor", min_idle_ms=200)
    assert survivor.read(count=10) == []                                       # not idle long enough yet
    time.sleep(0.3)
    reclaimed = survivor.read(count=10)
    assert [m.case_number for m in reclaimed] == [number]
    survivor.ack(reclaimed[0])
    assert survivor.pending() == 0
    time.sleep(0.3)
    assert survivor.read(count=10) == []                                       # acked: never comes back


def test_blocking_read_wakes_when_a_case_arrives(session_factory, cipher, divisions, redis_client) -> None:
    consumer = Consumer(redis_client, "caseworkers", department="yingji")
    result: list = []
    reader = threading.Thread(target=lambda: result.extend(consumer.read(count=5, block_ms=5000)))
    reader.start()
    time.sleep(0.1)
    number = _submit(session_factory, cipher, divisions, "emergency", "a")
    started = time.monotonic()
    OutboxRelay(session_factory, redis_client).drain()
    reader.join(timeout=5)
    assert [m.case_number for m in result] == [number] and time.monotonic() - started < 1.0


def test_a_poison_entry_goes_to_the_dead_letter_stream(session_factory, cipher, divisions, redis_client) -> None:  # noqa: ANN001
    """Issue 10: an entry a caseworker's program takes again and again without acknowledging it, or cannot read at
    all, is moved to jsj:dead (with where it came from) so that it stops blocking the queue."""
    _submit(session_factory, cipher, divisions, "urgent", "u1")
    OutboxRelay(session_factory, redis_client).drain()
    consumer = Consumer(redis_client, "poison", township=TOWNSHIP, min_idle_ms=0, max_deliveries=3)
    seen = [len(consumer.read(count=10)) for _ in range(5)]          # read, never acknowledged
    assert seen[:3] == [1, 1, 1] and seen[-1] == 0
    [(_, dead)] = redis_client.xrange("jsj:dead")
    assert dead[b"dead_from"].startswith(b"jsj:township:") and b"4 times" in dead[b"dead_reason"]
    assert consumer.pending() == 0
    redis_client.xadd(f"jsj:township:{TOWNSHIP}:urgent", {"kind": "case.submitted"})     # no case number at all
    assert consumer.read(count=10) == [] and redis_client.xlen("jsj:dead") == 2
