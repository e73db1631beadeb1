"""The escalation job: alert supervisors when an open case has used a share of a deadline, or passed it; once each."""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from cases.models import Case, CaseDeadline, CaseEscalation
from cases.states import OPEN
from cases.transitions import record_escalation

log = logging.getLogger(__name__)
OVERDUE = "overdue"


def level_name(share: float) -> str:
    return f"{round(share * 100)}%"


def crossed_levels(starts_at: datetime, due_at: datetime, now: datetime, thresholds: Sequence[float]) -> list[str]:
    """Levels reached at `now`, in order: each threshold share of the time used, then 'overdue' (pure)."""
    total = (due_at - starts_at).total_seconds()
    used = (now - starts_at).total_seconds()
    levels = [level_name(t) for t in sorted(thresholds) if total <= 0 or used >= t * total]
    if now >= due_at:
        levels.append(OVERDUE)
    return levels


@dataclass(frozen=True)
class Escalation:
    case_number: str
    rule: str
    level: str                  # the most severe level reached: the one the supervisor is told about
    levels: tuple[str, ...]     # every level this run recorded (several after a long outage)


def _fired(session: Session, case_id: int | None = None) -> set[tuple[int, str, str]]:
    """(case, rule, level) already recorded, for one case or for every open case."""
    stmt = select(CaseEscalation.case_id, CaseEscalation.rule, CaseEscalation.level)
    if case_id is not None:
        stmt = stmt.where(CaseEscalation.case_id == case_id)
    else:
        stmt = stmt.join(Case, Case.id == CaseEscalation.case_id).where(Case.status.in_(OPEN))
    return {(r.case_id, r.rule, r.level) for r in session.execute(stmt)}


def _escalate_one(session_factory: Callable[[], Session], deadline_id: int, now: datetime,
                  thresholds: Sequence[float]) -> Escalation | None:
    """Under the case's row lock, re-check what has fired and record the rest (event + outbox + rows)."""
    with session_factory() as session, session.begin():
        deadline = session.get(CaseDeadline, deadline_id)
        if deadline is None:
            return None
        case = session.scalars(select(Case).where(Case.id == deadline.case_id).with_for_update()
                               .options(selectinload(Case.deadlines), selectinload(Case.referrals))).one()
        if case.status not in OPEN or deadline.met_at is not None:
            return None
        fired = _fired(session, case.id)
        new = [lvl for lvl in crossed_levels(deadline.starts_at, deadline.due_at, now, thresholds)
               if (case.id, deadline.rule, lvl) not in fired]
        if not new:
            return None
        record_escalation(case, deadline, new, now)
        return Escalation(case.case_number, deadline.rule, new[-1], tuple(new))


def escalate(session_factory: Callable[[], Session], now: datetime, thresholds: Sequence[float]) -> list[Escalation]:
    """One pass over open cases' unmet deadlines; returns what fired. Safe with several workers (unique rows)."""
    if now.tzinfo is None:
        raise ValueError("`now` must be timezone-aware")
    with session_factory() as session:
        rows = session.execute(
            select(CaseDeadline.id, CaseDeadline.case_id, CaseDeadline.rule, CaseDeadline.starts_at,
                   CaseDeadline.due_at)
            .join(Case, Case.id == CaseDeadline.case_id)
            .where(CaseDeadline.met_at.is_(None), Case.status.in_(OPEN))).all()
        fired = _fired(session) if rows else set()
    due = [r.id for r in rows
           if any((r.case_id, r.rule, lvl) not in fired
                  for lvl in crossed_levels(r.starts_at, r.due_at, now, thresholds))]
    out = []
    for deadline_id in due:
        try:
            escalation = _escalate_one(session_factory, deadline_id, now, thresholds)
        except IntegrityError:      # another worker recorded the same level first
            continue
        if escalation:
            log.warning("escalated %s: %s deadline at %s", escalation.case_number, escalation.rule, escalation.level)
            out.append(escalation)
    return out
