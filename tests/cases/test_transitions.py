"""The lifecycle without a database: legal path, illegal moves, no-op repeats, an event and outbox row per change."""
from datetime import datetime, timedelta, timezone

import pytest

from cases.errors import IllegalTransition, InvalidInput, ReasonRequired
from cases.models import Case, CaseDeadline
from cases.states import DECIDED, NEXT, OPEN, CaseState, ReferralStatus, Urgency
from cases.transitions import record_opinion, transition, transition_referral

NOW = datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)
PATH = [CaseState.ACCEPTED, CaseState.DISPATCHED, CaseState.INVESTIGATING, CaseState.APPROVED,
        CaseState.FED_BACK, CaseState.CLOSED]


def new_case(urgency: Urgency = Urgency.URGENT) -> Case:
    return Case(case_number="JSJ-20250303-0001", channel="wechat", channel_user_id="u1", name_masked="张*",
                county_code="370811", township_code="370811001", status=CaseState.SUBMITTED, urgency=urgency,
                department_ids=["minzheng", "yingji"], triage_reasons=[], assistance=[], submitted_at=NOW,
                updated_at=NOW, events=[], outbox=[], referrals=[],
                deadlines=[CaseDeadline(rule="urgent", starts_at=NOW, due_at=NOW + timedelta(hours=24)),
                           CaseDeadline(rule="materials", starts_at=NOW, due_at=NOW + timedelta(days=7))])


def test_full_path_writes_one_event_and_one_outbox_row_per_step() -> None:
    case = new_case()
    for i, state in enumerate(PATH, start=1):
        event = transition(case, state, actor="staff:wang", now=NOW + timedelta(hours=i))
        assert event is not None and (event.before, event.after) == (PATH[i - 2] if i > 1 else
                                                                     CaseState.SUBMITTED, state)
        assert len(case.events) == i and len(case.outbox) == i
        assert case.outbox[-1].payload["status"] == state.value
    assert case.status is CaseState.CLOSED and case.closed_at == NOW + timedelta(hours=6)
    assert {r.department_id: r.status for r in case.referrals} == {"minzheng": ReferralStatus.ISSUED,
                                                                   "yingji": ReferralStatus.ISSUED}


def test_repeating_the_current_state_changes_nothing() -> None:
    case = new_case()
    transition(case, CaseState.ACCEPTED, actor="a", now=NOW)
    assert transition(case, "accepted", actor="a", now=NOW) is None
    assert len(case.events) == 1 and len(case.outbox) == 1


@pytest.mark.parametrize("before, after", [(s, t) for s in CaseState for t in CaseState
                                           if t is not s and t not in NEXT[s]])
def test_every_move_outside_next_is_illegal(before: CaseState, after: CaseState) -> None:
    case = new_case()
    case.status = before
    with pytest.raises(IllegalTransition):
        transition(case, after, actor="a", now=NOW, reason="理由")
    assert case.status is before and case.events == [] and case.outbox == []


def test_rejection_needs_a_reason_which_is_stored_masked() -> None:
    case = new_case()
    for state in PATH[:3]:
        transition(case, state, actor="a", now=NOW)
    with pytest.raises(ReasonRequired):
        transition(case, CaseState.REJECTED, actor="a", now=NOW, reason="  ")
    event = transition(case, CaseState.REJECTED, actor="a", now=NOW, reason="家庭收入高于标准，电话13812345678")
    assert case.decision_reason == "家庭收入高于标准，电话138****5678"
    assert event.detail["reason"] == case.decision_reason
    assert "resident" in case.outbox[-1].payload["audience"]


def test_decision_meets_the_urgent_deadline_and_feedback_the_materials_one() -> None:
    case = new_case()
    for state in PATH[:4]:
        transition(case, state, actor="a", now=NOW + timedelta(hours=1))
    met = {d.rule: d.met_at for d in case.deadlines}
    assert met == {"urgent": NOW + timedelta(hours=1), "materials": None}
    transition(case, CaseState.FED_BACK, actor="a", now=NOW + timedelta(hours=2))
    assert {d.rule: d.met_at for d in case.deadlines}["materials"] == NOW + timedelta(hours=2)


def test_dispatch_to_chosen_departments_and_referral_lifecycle() -> None:
    case = new_case()
    transition(case, CaseState.ACCEPTED, actor="a", now=NOW)
    with pytest.raises(InvalidInput):
        transition(case, CaseState.DISPATCHED, actor="a", now=NOW, departments=["nosuch"])
    transition(case, CaseState.DISPATCHED, actor="a", now=NOW, departments=["yibao"])
    assert [r.department_id for r in case.referrals] == ["yibao"] and case.department_ids == ["yibao"]
    event = transition_referral(case, "yibao", ReferralStatus.RECEIVED, actor="yibao:li", now=NOW)
    assert event.detail == {"department": "yibao", "before": "issued", "after": "received"}
    assert case.outbox[-1].payload["departments"] == ["yibao"]
    assert transition_referral(case, "yibao", "received", actor="yibao:li", now=NOW) is None
    with pytest.raises(IllegalTransition):
        transition_referral(case, "yibao", ReferralStatus.ISSUED, actor="x", now=NOW)
    with pytest.raises(IllegalTransition):
        transition_referral(case, "minzheng", ReferralStatus.RECEIVED, actor="x", now=NOW)


def test_named_sets() -> None:
    assert CaseState.CLOSED not in OPEN and DECIDED <= OPEN
    assert all(NEXT[s] for s in CaseState if s is not CaseState.CLOSED)


def test_an_initial_opinion_meets_the_three_day_deadline_only_once_the_case_is_dispatched() -> None:
    case = new_case()
    case.deadlines.append(CaseDeadline(rule="initial", starts_at=NOW, due_at=NOW + timedelta(days=3)))
    with pytest.raises(IllegalTransition):
        record_opinion(case, "a", NOW, "入户核实属实")              # not yet dispatched: nobody investigated
    transition(case, CaseState.ACCEPTED, actor="a", now=NOW)
    transition(case, CaseState.DISPATCHED, actor="a", now=NOW)
    event = record_opinion(case, "a", NOW + timedelta(days=1), "入户核实属实，电话13812345678")
    assert event.note == "入户核实属实，电话138****5678" and case.status is CaseState.DISPATCHED
    met = {d.rule: d.met_at for d in case.deadlines}
    assert met["initial"] == NOW + timedelta(days=1) and met["urgent"] is None
    assert case.outbox[-1].payload["audience"] == ["departments", "township"]
    with pytest.raises(InvalidInput):
        record_opinion(case, "a", NOW, "   ")
