"""Escalation: each threshold and overdue fires once per case and deadline, as an event and a supervisor message."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from cases.models import CaseEscalation
from cases.service import get_case, submit_case, transition_case
from streams.escalation import crossed_levels, escalate
from streams.relay import OutboxRelay
from tests.cases.fixtures import application, triage

NOW = datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)
THRESHOLDS = (0.5, 0.9)
SPAN = timedelta(hours=10)


def test_crossed_levels_is_pure_arithmetic() -> None:
    due = NOW + SPAN
    assert crossed_levels(NOW, due, NOW + timedelta(hours=4), THRESHOLDS) == []
    assert crossed_levels(NOW, due, NOW + timedelta(hours=5), THRESHOLDS) == ["50%"]
    assert crossed_levels(NOW, due, NOW + timedelta(hours=9, minutes=30), THRESHOLDS) == ["50%", "90%"]
    assert crossed_levels(NOW, due, due, THRESHOLDS) == ["50%", "90%", "overdue"]


def _case(session_factory, cipher, divisions) -> str:  # noqa: ANN001
    return submit_case(session_factory, application(), triage(NOW, deadlines={"urgent": SPAN}), NOW,
                       cipher=cipher, divisions=divisions)


def test_each_level_fires_once(session_factory, cipher, divisions, redis_client) -> None:
    number = _case(session_factory, cipher, divisions)
    relay = OutboxRelay(session_factory, redis_client)
    relay.drain()
    steps = [(timedelta(hours=4), []), (timedelta(hours=5, minutes=30), ["50%"]), (timedelta(hours=6), []),
             (timedelta(hours=9, minutes=30), ["90%"]), (timedelta(hours=9, minutes=40), []),
             (timedelta(hours=11), ["overdue"]), (timedelta(days=3), [])]
    for offset, expected in steps:
        fired = escalate(session_factory, NOW + offset, THRESHOLDS)
        assert [(e.case_number, e.rule, e.level) for e in fired] == [(number, "urgent", lvl) for lvl in expected]
    history = get_case(session_factory, number).history
    assert [e.detail["level"] for e in history if e.action == "escalated"] == ["50%", "90%", "overdue"]
    assert all(e.actor == "system:escalation" for e in history if e.action == "escalated")
    relay.drain()
    supervisor = [f for _, f in redis_client.xrange("jsj:supervisor")]
    assert [f[b"kind"] for f in supervisor] == [b"case.escalated"] * 3
    assert [b'"level": "overdue"' in f[b"payload"] for f in supervisor] == [False, False, True]


def test_catching_up_after_an_outage_alerts_once_at_the_worst_level(session_factory, cipher, divisions) -> None:
    number = _case(session_factory, cipher, divisions)
    fired = escalate(session_factory, NOW + timedelta(days=1), THRESHOLDS)
    assert [(e.level, e.levels) for e in fired] == [("overdue", ("50%", "90%", "overdue"))]
    assert escalate(session_factory, NOW + timedelta(days=2), THRESHOLDS) == []
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(CaseEscalation)) == 3
    assert sum(e.action == "escalated" for e in get_case(session_factory, number).history) == 1


def test_met_or_closed_deadlines_do_not_escalate(session_factory, cipher, divisions) -> None:
    number = _case(session_factory, cipher, divisions)
    for state in ("accepted", "dispatched", "investigating", "approved"):     # a decision meets "urgent"
        transition_case(session_factory, number, state, actor="a", now=NOW + timedelta(hours=1))
    assert escalate(session_factory, NOW + timedelta(days=1), THRESHOLDS) == []


def test_concurrent_workers_fire_once(session_factory, cipher, divisions) -> None:
    from concurrent.futures import ThreadPoolExecutor

    _case(session_factory, cipher, divisions)
    with ThreadPoolExecutor(4) as pool:
        runs = list(pool.map(lambda _: escalate(session_factory, NOW + timedelta(hours=6), THRESHOLDS), range(4)))
    assert sorted(len(r) for r in runs) == [0, 0, 0, 1]
