"""What each account may see of the cases (pure): applied on the server to every console query."""
from __future__ import annotations

from cases.states import PRIORITY
from cases.views import CaseSummary
from console.accounts import Account
from console.roles import Role




def in_scope(account: Account, case: CaseSummary) -> bool:
    s = account.scope
    if account.role is Role.TOWNSHIP:
        return case.township_code == s.township
    if account.role is Role.DEPARTMENT:
        return s.department in case.departments and (s.county is None or case.county_code == s.county)
    if account.role is Role.SUPERVISOR:
        return s.county is None or case.county_code == s.county
    if account.role is Role.AGENT:
        return case.channel == "hotline"          # the cases agents filed for callers
    return account.role is Role.ADMIN


def queue_order(cases: list[CaseSummary]) -> list[CaseSummary]:
    """Emergency first, then urgent, then normal; within each, the nearest deadline first (none last)."""
    return sorted(cases, key=lambda c: (PRIORITY[c.urgency], c.due_at is None, c.due_at or c.submitted_at))
