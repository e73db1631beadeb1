"""Who a staff account is and what it may see (pure): the five roles and the scope each one carries."""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass


class Role(str, enum.Enum):
    AGENT = "agent"              # 12345 hotline agent: assisted chat, hand-offs
    TOWNSHIP = "township"        # township (街道) worker: the cases of one township
    DEPARTMENT = "department"    # department worker: the 转办单 of one department, optionally in one county
    SUPERVISOR = "supervisor"    # a county's or the city's supervisor: read-only, plus escalation
    ADMIN = "admin"              # accounts


LABELS = {Role.AGENT: "12345 话务员", Role.TOWNSHIP: "乡镇（街道）工作人员", Role.DEPARTMENT: "部门工作人员",
          Role.SUPERVISOR: "督办人员", Role.ADMIN: "系统管理员"}
USERNAME = re.compile(r"[a-z0-9][a-z0-9_.-]{2,31}")


class InvalidAccount(ValueError):
    """An account that cannot exist as given; Chinese first."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        self.message_zh, self.message_en = message_zh, message_en
        super().__init__(f"{message_zh} / {message_en}")


@dataclass(frozen=True)
class Scope:
    """The slice of cases an account sees; None everywhere = the whole city."""

    township: str | None = None
    department: str | None = None
    county: str | None = None


def check_scope(role: Role, scope: Scope) -> Scope:
    """The scope a role requires and allows; raises InvalidAccount otherwise."""
    if role is Role.TOWNSHIP and (not scope.township or scope.department):
        raise InvalidAccount("乡镇（街道）工作人员须指定乡镇，且不指定部门", "a township worker needs --township only")
    if role is Role.DEPARTMENT and (not scope.department or scope.township):
        raise InvalidAccount("部门工作人员须指定部门（可再指定县区）", "a department worker needs --department "
                                                                 "(and optionally --county)")
    if role is Role.SUPERVISOR and (scope.township or scope.department):
        raise InvalidAccount("督办人员只按县区或全市划分", "a supervisor is scoped by --county or the whole city")
    if role in (Role.AGENT, Role.ADMIN) and (scope.township or scope.department or scope.county):
        raise InvalidAccount("话务员和管理员不按地区或部门划分", "agents and admins have no scope")
    return scope


def check_username(username: str) -> str:
    name = username.strip().lower()
    if not USERNAME.fullmatch(name):
        raise InvalidAccount("用户名须为 3–32 位小写字母、数字或 _ . -", "a username is 3-32 of a-z 0-9 _ . -")
    return name


# What each role may do to a case in its scope (the server checks; the page only hides what is not allowed).
PERMITTED: dict[str, frozenset[Role]] = {
    "transition": frozenset({Role.TOWNSHIP, Role.ADMIN}),          # 受理, 分办, 调查, 决定, 反馈, 办结
    "referral": frozenset({Role.DEPARTMENT, Role.ADMIN}),          # a department's own 转办单
    "opinion": frozenset({Role.TOWNSHIP, Role.DEPARTMENT, Role.ADMIN}),
    "message": frozenset({Role.TOWNSHIP, Role.DEPARTMENT, Role.AGENT, Role.ADMIN}),
    "reveal": frozenset({Role.TOWNSHIP, Role.DEPARTMENT, Role.ADMIN}),
    "supervise": frozenset({Role.SUPERVISOR, Role.ADMIN}),         # 督办
}


def may(role: Role, action: str) -> bool:
    return role in PERMITTED[action]


def allowed_actions(role: Role) -> list[str]:
    return [action for action, roles in PERMITTED.items() if role in roles]
