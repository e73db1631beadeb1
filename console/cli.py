"""`jishijiu users add|list|disable|enable|reset-password`: the console's staff accounts (the first admin too).

A password is read from stdin with --password-stdin; otherwise a random one is made and shown once.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime, timezone

from sqlalchemy.exc import SQLAlchemyError

from console.roles import LABELS, InvalidAccount, Role, Scope
from jishijiu.settings import Settings


def _fail(message: str) -> int:
    print(f"jishijiu: {message}", file=sys.stderr)
    return 1


def _password(args: argparse.Namespace) -> str | None:
    return sys.stdin.readline().rstrip("\n") if args.password_stdin else None


def _run(work: Callable[[], int]) -> int:
    try:
        return work()
    except InvalidAccount as exc:
        return _fail(f"{exc.message_zh} / {exc.message_en}")
    except SQLAlchemyError as exc:
        return _fail(f"数据库不可用 / database unavailable ({type(exc).__name__})")


def _sessions(settings: Settings):  # noqa: ANN202 - sessionmaker
    from cases.cli import _session_factory

    return _session_factory(settings)


def _known_scope(args: argparse.Namespace) -> None:
    from cases.divisions import cached_divisions
    from cases.errors import UnknownDivision
    from jishijiu.departments import by_id

    for code in (args.township, args.county):
        if code:
            try:
                cached_divisions().by_code(code)
            except UnknownDivision:
                raise InvalidAccount(f"没有这个区划代码：{code}", f"no such division: {code}") from None
    if args.department and args.department not in by_id():
        raise InvalidAccount(f"没有这个部门：{args.department}（可选：{'、'.join(by_id())}）",
                             f"no such department: {args.department}")


def _add(args: argparse.Namespace, settings: Settings) -> int:
    from console.accounts import add_user, new_password

    def work() -> int:
        _known_scope(args)
        given = _password(args)
        password = given if given is not None else new_password()
        account = add_user(_sessions(settings), args.username, args.role, password=password,
                           now=datetime.now(timezone.utc), display_name=args.display_name or "",
                           scope=Scope(args.township, args.department, args.county))
        print(f"已添加 added: {account.username}（{LABELS[account.role]}）")
        if given is None:
            print(f"初始密码（只显示这一次）/ initial password (shown once): {password}")
        return 0
    return _run(work)


def _list(args: argparse.Namespace, settings: Settings) -> int:
    from console.accounts import list_users

    def work() -> int:
        now = datetime.now(timezone.utc)
        users = list_users(_sessions(settings))
        for u in users:
            scope = "、".join(x for x in (u.scope.county, u.scope.township, u.scope.department) if x) or "全市"
            state = "停用 disabled" if u.disabled else ("锁定 locked" if u.locked_until and u.locked_until > now
                                                       else "正常 active")
            print(f"{u.username:<20} {u.role.value:<11} {scope:<24} {state}")
        print(f"共 {len(users)} 个账号 / {len(users)} account(s)")
        return 0
    return _run(work)


def _disable(args: argparse.Namespace, settings: Settings) -> int:
    from console.accounts import set_disabled

    def work() -> int:
        account = set_disabled(_sessions(settings), args.username, args.users_command == "disable")
        print(f"{'已停用 disabled' if account.disabled else '已启用 enabled'}: {account.username}")
        return 0
    return _run(work)


def _reset(args: argparse.Namespace, settings: Settings) -> int:
    from console.accounts import reset_password

    def work() -> int:
        given = _password(args)
        password = reset_password(_sessions(settings), args.username, now=datetime.now(timezone.utc),
                                  password=given)
        print(f"已重置密码 password reset: {args.username}")
        if given is None:
            print(f"新密码（只显示这一次）/ new password (shown once): {password}")
        return 0
    return _run(work)


def register(subparsers: argparse._SubParsersAction, load_settings_fn: Callable[[], Settings]) -> None:
    """Add `users …`; each handler takes (args, settings) and returns an exit code."""
    del load_settings_fn
    users = subparsers.add_parser("users", help="控制台账号: staff accounts of the console")
    sub = users.add_subparsers(dest="users_command", required=True)
    add = sub.add_parser("add", help="a new account (the first admin: --role admin)")
    add.add_argument("username", help="3-32 of a-z 0-9 _ . -")
    add.add_argument("--role", required=True, choices=[r.value for r in Role],
                     help="; ".join(f"{r.value}={LABELS[r]}" for r in Role))
    add.add_argument("--township", help="a township worker's township code, e.g. 370811002")
    add.add_argument("--department", help="a department worker's department id, e.g. minzheng")
    add.add_argument("--county", help="a supervisor's (or a department worker's) county code; none = the city")
    add.add_argument("--display-name", help="the name shown in the console, e.g. 王芳")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin (else random)")
    add.set_defaults(handler=_add)
    sub.add_parser("list", help="every account, its role, scope and state").set_defaults(handler=_list)
    for name, text in (("disable", "stop an account signing in"), ("enable", "let a disabled account sign in")):
        p = sub.add_parser(name, help=text)
        p.add_argument("username")
        p.set_defaults(handler=_disable)
    reset = sub.add_parser("reset-password", help="a new password (random unless --password-stdin); unlocks")
    reset.add_argument("username")
    reset.add_argument("--password-stdin", action="store_true")
    reset.set_defaults(handler=_reset)
