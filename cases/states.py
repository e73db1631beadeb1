"""The case lifecycle as data: states, named sets, the NEXT table, 转办单 statuses, urgency and deadline rules."""
from __future__ import annotations

import enum
from typing import TypeVar

from cases.errors import InvalidInput

E = TypeVar("E", bound=enum.Enum)


class CaseState(str, enum.Enum):
    SUBMITTED = "submitted"          # 申请
    ACCEPTED = "accepted"            # 受理
    DISPATCHED = "dispatched"        # 分办: one 转办单 per department
    INVESTIGATING = "investigating"  # 调查核实
    APPROVED = "approved"            # 审批通过 / 先行救助
    REJECTED = "rejected"            # 不予救助 (with a reason)
    REFERRED = "referred"            # 转介
    FED_BACK = "fed_back"            # 反馈
    CLOSED = "closed"                # 办结


LABELS: dict[CaseState, str] = {
    CaseState.SUBMITTED: "已申请", CaseState.ACCEPTED: "已受理", CaseState.DISPATCHED: "已分办",
    CaseState.INVESTIGATING: "调查核实中", CaseState.APPROVED: "已批准救助", CaseState.REJECTED: "不予救助",
    CaseState.REFERRED: "已转介", CaseState.FED_BACK: "已反馈", CaseState.CLOSED: "已办结",
}

DECIDED = frozenset({CaseState.APPROVED, CaseState.REJECTED, CaseState.REFERRED})
OPEN = frozenset(CaseState) - {CaseState.CLOSED}
AFTER_DECISION = DECIDED | {CaseState.FED_BACK, CaseState.CLOSED}
# States the resident is told about (an outbox message to the notification stream).
NOTIFY_RESIDENT = frozenset({CaseState.ACCEPTED, *DECIDED, CaseState.FED_BACK, CaseState.CLOSED})

NEXT: dict[CaseState, frozenset[CaseState]] = {
    CaseState.SUBMITTED: frozenset({CaseState.ACCEPTED}),
    CaseState.ACCEPTED: frozenset({CaseState.DISPATCHED}),
    CaseState.DISPATCHED: frozenset({CaseState.INVESTIGATING}),
    CaseState.INVESTIGATING: DECIDED,
    CaseState.APPROVED: frozenset({CaseState.FED_BACK}),
    CaseState.REJECTED: frozenset({CaseState.FED_BACK}),
    CaseState.REFERRED: frozenset({CaseState.FED_BACK}),
    CaseState.FED_BACK: frozenset({CaseState.CLOSED}),
    CaseState.CLOSED: frozenset(),
}
REASON_REQUIRED = frozenset({CaseState.REJECTED})


class ReferralStatus(str, enum.Enum):
    """A department's 转办单."""

    ISSUED = "issued"          # 已转办
    RECEIVED = "received"      # 已签收
    COMPLETED = "completed"    # 已办结
    RETURNED = "returned"      # 已退回 (not this department's matter)


REFERRAL_NEXT: dict[ReferralStatus, frozenset[ReferralStatus]] = {
    ReferralStatus.ISSUED: frozenset({ReferralStatus.RECEIVED, ReferralStatus.RETURNED}),
    ReferralStatus.RECEIVED: frozenset({ReferralStatus.COMPLETED, ReferralStatus.RETURNED}),
    ReferralStatus.COMPLETED: frozenset(),
    ReferralStatus.RETURNED: frozenset(),
}


class Urgency(str, enum.Enum):
    EMERGENCY = "emergency"    # act within 2 hours
    URGENT = "urgent"          # 急难 aid within 24 hours
    NORMAL = "normal"          # regular procedure


URGENCY_ORDER: tuple[Urgency, ...] = (Urgency.EMERGENCY, Urgency.URGENT, Urgency.NORMAL)
PRIORITY: dict[Urgency, int] = {u: i for i, u in enumerate(URGENCY_ORDER)}   # 0 is delivered first


class OutboxStatus(str, enum.Enum):
    PENDING = "pending"
    PUBLISHED = "published"


class NoticeStatus(str, enum.Enum):
    """A notice to the resident through the door their case came in by."""

    PENDING = "pending"        # to send (again, after a failure: at next_attempt_at)
    DELIVERED = "delivered"    # the channel accepted it (or it is in the web chat's history)
    WAITING = "waiting"        # no way to push it now (WeChat's 48 h have passed, no template): kept for the web
                               # status view, tried again later in case the resident writes again
    FAILED = "failed"          # given up: the channel refused it for good, or every retry failed


# Which states satisfy each statutory deadline rule (plan 二(三)); a rule not listed is met by a decision.
DEADLINE_MET_BY: dict[str, frozenset[CaseState]] = {
    "emergency": AFTER_DECISION,     # 2 小时内先行救助
    "urgent": AFTER_DECISION,        # 24 小时内先行救助
    "initial": AFTER_DECISION,       # 3 个工作日内形成调查初审意见
    "approval": AFTER_DECISION,      # 20 个工作日内完成审核审批
    "materials": frozenset({CaseState.FED_BACK, CaseState.CLOSED}),  # 5 个工作日内补充完善材料
}


def deadline_met_by(rule: str) -> frozenset[CaseState]:
    return DEADLINE_MET_BY.get(rule, AFTER_DECISION)


def parse_enum(cls: type[E], value: E | str) -> E:
    """The member for `value`, or InvalidInput listing the accepted values."""
    try:
        return cls(value)
    except ValueError:
        accepted = ", ".join(str(m.value) for m in cls)
        raise InvalidInput(f"无效的取值：{value}（可选：{accepted}）", f"{value!r} is not one of: {accepted}") from None
