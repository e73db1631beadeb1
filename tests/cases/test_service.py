"""The service layer on real PostgreSQL: one transaction per submission, lifecycle with history, listing."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from cases.errors import CaseNotFound, IllegalTransition, InvalidInput, UnknownDepartment, UnknownDivision
from cases.models import Case, CaseEvent, OutboxMessage
from cases.service import get_case, list_cases, submit_case, transition_case, update_referral
from cases.states import CaseState, OutboxStatus
from tests.cases.fixtures import TOWNSHIP, VILLAGE, application, triage

NOW = datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)        # 10:00 in Jining


def _count(session_factory, model) -> int:  # noqa: ANN001
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_submission_writes_case_event_and_outbox_together(session_factory, cipher, divisions) -> None:
    number = submit_case(session_factory, application(), triage(NOW), NOW, cipher=cipher, divisions=divisions)
    assert number == "JSJ-20250303-0001"
    detail = get_case(session_factory, number, now=NOW)
    assert (detail.status, detail.urgency.value, detail.township_code, detail.village_code) == (
        CaseState.SUBMITTED, "urgent", TOWNSHIP, VILLAGE)
    assert detail.applicant == "张*" and detail.phone == "138****5678" and "张三" not in detail.situation
    assert [d.rule for d in detail.deadlines] == ["urgent", "materials"]
    assert detail.deadlines[0].due_at == NOW + timedelta(hours=24) and detail.due_at.tzinfo is not None
    assert [e.action for e in detail.history] == ["submitted"]
    with session_factory() as session:
        row = session.scalars(select(OutboxMessage)).one()
    assert (row.kind, row.status, row.attempts, row.case_number) == ("case.submitted", OutboxStatus.PENDING, 0,
                                                                    number)
    assert row.payload["departments"] == ["minzheng", "yingji"] and row.payload["township"] == TOWNSHIP
    assert "13812345678" not in str(row.payload)


@pytest.mark.parametrize("bad", ["division", "department", "naive"])
def test_refused_submission_leaves_nothing(session_factory, cipher, divisions, bad: str) -> None:
    app = application(division="370899") if bad == "division" else application()
    with pytest.raises((UnknownDivision, UnknownDepartment, InvalidInput)):
        tri = triage(NOW, departments=("nosuch",)) if bad == "department" else triage(NOW)
        submit_case(session_factory, app, tri, NOW.replace(tzinfo=None) if bad == "naive" else NOW,
                    cipher=cipher, divisions=divisions)
    assert _count(session_factory, Case) == _count(session_factory, CaseEvent) == 0
    assert _count(session_factory, OutboxMessage) == 0


def test_each_transition_writes_an_event_and_an_outbox_row(session_factory, cipher, divisions) -> None:
    number = submit_case(session_factory, application(), triage(NOW), NOW, cipher=cipher, divisions=divisions)
    path = ["accepted", "dispatched", "investigating", "approved", "fed_back", "closed"]
    for i, state in enumerate(path, start=1):
        event = transition_case(session_factory, number, state, actor="staff:wang", now=NOW + timedelta(hours=i),
                                note="入户核实，电话13812345678" if state == "investigating" else None)
        assert event.after.value == state
        assert _count(session_factory, CaseEvent) == _count(session_factory, OutboxMessage) == i + 1
    assert transition_case(session_factory, number, "closed", actor="x", now=NOW) is None
    assert _count(session_factory, CaseEvent) == 7
    detail = get_case(session_factory, number)
    assert [(e.before and e.before.value, e.after.value) for e in detail.history][1:] == list(
        zip(["submitted", *path[:-1]], path))
    assert detail.history[3].note == "入户核实，电话138****5678"
    assert [r.department_id for r in detail.referrals] == ["minzheng", "yingji"]
    assert detail.closed_at == NOW + timedelta(hours=6)


def test_illegal_transition_is_rolled_back(session_factory, cipher, divisions) -> None:
    number = submit_case(session_factory, application(), triage(NOW), NOW, cipher=cipher, divisions=divisions)
    with pytest.raises(IllegalTransition):
        transition_case(session_factory, number, "closed", actor="x", now=NOW)
    assert get_case(session_factory, number).status is CaseState.SUBMITTED
    assert _count(session_factory, CaseEvent) == _count(session_factory, OutboxMessage) == 1


def test_referral_update_is_recorded(session_factory, cipher, divisions) -> None:
    number = submit_case(session_factory, application(), triage(NOW), NOW, cipher=cipher, divisions=divisions)
    for state in ("accepted", "dispatched"):
        transition_case(session_factory, number, state, actor="a", now=NOW)
    update_referral(session_factory, number, "yingji", "received", actor="yingji:zhao", now=NOW)
    detail = get_case(session_factory, number)
    assert {r.department_id: r.status.value for r in detail.referrals} == {"minzheng": "issued",
                                                                           "yingji": "received"}
    assert detail.history[-1].action == "referral" and _count(session_factory, OutboxMessage) == 4


def test_unknown_state_or_urgency_is_a_typed_error(session_factory, cipher, divisions) -> None:
    number = submit_case(session_factory, application(), triage(NOW), NOW, cipher=cipher, divisions=divisions)
    with pytest.raises(InvalidInput, match="submitted"):
        transition_case(session_factory, number, "done", actor="a", now=NOW)
    with pytest.raises(InvalidInput):
        list_cases(session_factory, urgency="very")
    with pytest.raises(InvalidInput):
        triage(NOW, urgency="soon")


def test_unknown_case_number(session_factory) -> None:
    with pytest.raises(CaseNotFound, match="未找到案件"):
        get_case(session_factory, "JSJ-20250303-9999")
    with pytest.raises(CaseNotFound):
        transition_case(session_factory, "JSJ-20250303-9999", "accepted", actor="a", now=NOW)


def test_list_filters_by_status_urgency_and_overdue(session_factory, cipher, divisions) -> None:
    urgent = submit_case(session_factory, application(), triage(NOW), NOW, cipher=cipher, divisions=divisions)
    normal = submit_case(session_factory, application(user="u2"),
                         triage(NOW, "normal", deadlines={"initial": timedelta(days=5)}), NOW, cipher=cipher,
                         divisions=divisions)
    emergency = submit_case(session_factory, application(user="u3"),
                            triage(NOW, "emergency", deadlines={"emergency": timedelta(hours=2)}), NOW,
                            cipher=cipher, divisions=divisions)
    transition_case(session_factory, normal, "accepted", actor="a", now=NOW)
    numbers = lambda found: [c.case_number for c in found]  # noqa: E731
    assert numbers(list_cases(session_factory)) == [emergency, normal, urgent]
    assert numbers(list_cases(session_factory, status="accepted")) == [normal]
    assert numbers(list_cases(session_factory, urgency="emergency")) == [emergency]
    later = NOW + timedelta(hours=3)
    overdue = list_cases(session_factory, overdue=True, now=later)
    assert numbers(overdue) == [emergency] and overdue[0].overdue
    assert numbers(list_cases(session_factory, overdue=True, now=NOW + timedelta(days=2))) == [emergency, urgent]
    for state in ("accepted", "dispatched", "investigating", "approved"):      # a decision meets the deadline
        transition_case(session_factory, emergency, state, actor="a", now=NOW + timedelta(hours=1))
    assert numbers(list_cases(session_factory, overdue=True, now=later)) == []
    assert numbers(list_cases(session_factory, township=TOWNSHIP)) == [emergency, normal, urgent]


def test_history_is_append_only(session_factory, cipher, divisions) -> None:
    from cases.models import AppendOnlyViolation

    submit_case(session_factory, application(), triage(NOW), NOW, cipher=cipher, divisions=divisions)
    with session_factory() as session:
        event = session.scalars(select(CaseEvent)).one()
        event.note = "rewritten"
        with pytest.raises(AppendOnlyViolation):
            session.commit()
        session.rollback()
        with pytest.raises(AppendOnlyViolation):
            session.delete(session.scalars(select(CaseEvent)).one())
            session.commit()
