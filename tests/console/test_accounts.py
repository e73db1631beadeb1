"""Staff accounts on real PostgreSQL: argon2 hashes, lockout after five failures, disable, reset; the CLI."""
from __future__ import annotations

import subprocess
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from console.accounts import (LOCKED_FOR, MAX_FAILURES, LoginRefused, StaffUser, add_user, authenticate,
                              list_users, reset_password, set_disabled)
from console.roles import InvalidAccount, Role, Scope
from tests.cases.fixtures import run_cli

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
PASSWORD = "correct horse battery"


def test_a_password_is_stored_as_an_argon2_hash_and_checked(session_factory) -> None:  # noqa: ANN001
    add_user(session_factory, "Wang.Fang", Role.TOWNSHIP, password=PASSWORD, now=NOW, display_name="王芳",
             scope=Scope(township="370811002"))
    with session_factory() as session:
        stored = session.scalar(select(StaffUser.password_hash))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    account = authenticate(session_factory, "wang.fang", PASSWORD, now=NOW)
    assert (account.role, account.scope.township, account.display_name) == (Role.TOWNSHIP, "370811002", "王芳")
    with pytest.raises(LoginRefused):
        authenticate(session_factory, "wang.fang", "wrong password!", now=NOW)
    with pytest.raises(LoginRefused):
        authenticate(session_factory, "nobody", PASSWORD, now=NOW)


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(session_factory) -> None:  # noqa: ANN001
    add_user(session_factory, "agent01", Role.AGENT, password=PASSWORD, now=NOW)
    for i in range(MAX_FAILURES):
        with pytest.raises(LoginRefused) as refused:
            authenticate(session_factory, "agent01", f"guess number {i}", now=NOW)
    assert refused.value.reason == "locked" and refused.value.locked_until == NOW + LOCKED_FOR
    with pytest.raises(LoginRefused) as still:
        authenticate(session_factory, "agent01", PASSWORD, now=NOW + timedelta(minutes=5))
    assert still.value.reason == "locked"
    assert authenticate(session_factory, "agent01", PASSWORD, now=NOW + LOCKED_FOR + timedelta(seconds=1))


def test_a_disabled_account_cannot_sign_in_and_a_reset_unlocks(session_factory) -> None:  # noqa: ANN001
    add_user(session_factory, "sup-city", Role.SUPERVISOR, password=PASSWORD, now=NOW)
    set_disabled(session_factory, "sup-city")
    with pytest.raises(LoginRefused):
        authenticate(session_factory, "sup-city", PASSWORD, now=NOW)
    set_disabled(session_factory, "sup-city", False)
    for i in range(MAX_FAILURES):
        with pytest.raises(LoginRefused):
            authenticate(session_factory, "sup-city", f"guess number {i}", now=NOW)
    fresh = reset_password(session_factory, "sup-city", now=NOW)
    assert len(fresh) >= 16 and authenticate(session_factory, "sup-city", fresh, now=NOW)


@pytest.mark.parametrize(("role", "scope"), [
    (Role.TOWNSHIP, Scope()), (Role.DEPARTMENT, Scope(township="370811002")), (Role.AGENT, Scope(county="370811")),
    (Role.SUPERVISOR, Scope(department="minzheng"))])
def test_each_role_carries_the_scope_it_needs_and_no_other(session_factory, role: Role, scope: Scope) -> None:  # noqa: ANN001
    with pytest.raises(InvalidAccount):
        add_user(session_factory, "someone", role, password=PASSWORD, now=NOW, scope=scope)
    assert list_users(session_factory) == []


def _users(*argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return run_cli("users", *argv, stdin=stdin)


def test_the_users_command_makes_the_first_admin_and_manages_accounts(session_factory) -> None:  # noqa: ANN001
    admin = _users("add", "admin", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    assert admin.returncode == 0, admin.stderr
    assert PASSWORD not in admin.stdout and authenticate(session_factory, "admin", PASSWORD, now=NOW)
    made = _users("add", "liu-minzheng", "--role", "department", "--department", "minzheng", "--county", "370811")
    assert made.returncode == 0 and "只显示这一次" in made.stdout
    password = made.stdout.strip().rsplit(": ", 1)[1]
    assert authenticate(session_factory, "liu-minzheng", password, now=NOW).scope == Scope(None, "minzheng", "370811")
    unknown = _users("add", "x-dept", "--role", "department", "--department", "nowhere")
    assert unknown.returncode == 1 and "没有这个部门" in unknown.stderr
    assert _users("disable", "liu-minzheng").returncode == 0
    listing = _users("list").stdout
    assert "liu-minzheng" in listing and "停用" in listing and "共 2 个账号" in listing
    reset = _users("reset-password", "liu-minzheng")
    assert reset.returncode == 0 and "新密码" in reset.stdout
    assert _users("reset-password", "ghost").returncode == 1
