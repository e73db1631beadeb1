"""`jishijiu cases list|show`: operators read cases and their history, personal data masked."""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from cases.errors import CaseNotFound
from cases.identity import SHANGHAI
from cases.states import LABELS, CaseState, Urgency
from cases.views import CaseDetail, CaseSummary
from jishijiu.settings import Settings


def _fail(message: str, code: int = 1) -> int:
    print(f"jishijiu: {message}", file=sys.stderr)
    return code


def _local(moment: datetime | None) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if moment else "-"


def _session_factory(settings: Settings):  # noqa: ANN202 - sessionmaker
    from cases.migrate import upgrade
    from jishijiu.db import make_engine, make_session_factory

    engine = make_engine(settings)
    upgrade(engine)
    return make_session_factory(engine)


def _summary_line(c: CaseSummary) -> str:
    flag = " 超期 OVERDUE" if c.overdue else ""
    return (f"{c.case_number}  {c.status_label}({c.status.value})  {c.urgency.value:<9}  {c.applicant:<6}  "
            f"{c.location}  时限 due {_local(c.due_at)}{flag}")


def _list(args: argparse.Namespace, settings: Settings) -> int:
    from cases.service import list_cases

    try:
        found = list_cases(_session_factory(settings), status=args.status, urgency=args.urgency,
                           overdue=args.overdue, limit=args.limit)
    except SQLAlchemyError as exc:
        return _fail(f"数据库不可用 / database unavailable ({type(exc).__name__})")
    if args.json:
        print(json.dumps([c.model_dump(mode="json") for c in found], ensure_ascii=False, indent=2))
        return 0
    for c in found:
        print(_summary_line(c))
    print(f"共 {len(found)} 件 / {len(found)} case(s)")
    return 0


def _print_detail(c: CaseDetail) -> None:
    print(_summary_line(c))
    print(f"申请人 applicant: {c.applicant}  身份证 ID: {c.id_number or '-'}  电话 phone: {c.phone or '-'}")
    print(f"渠道 channel: {c.channel}  部门 departments: {', '.join(c.departments) or '-'}")
    print(f"情况 situation: {c.situation}")
    if c.reasons or c.assistance:
        print(f"研判 triage: {'；'.join(c.reasons) or '-'}  救助 assistance: {'、'.join(c.assistance) or '-'}")
    if c.decision_reason:
        print(f"理由 reason: {c.decision_reason}")
    for a in c.attachments:
        print(f"  附件 attachment {a['kind']:<12} {a['ref']}  {a['received_at'][:16]}")
    for d in c.deadlines:
        print(f"  时限 deadline {d.rule:<10} due {_local(d.due_at)}  met {_local(d.met_at)}")
    for r in c.referrals:
        print(f"  转办单 referral {r.department_id:<12} {r.status.value:<10} {_local(r.updated_at)}")
    print("历史 history:")
    for e in c.history:
        change = f"{e.before.value if e.before else '-'} → {e.after.value if e.after else '-'}"
        print(f"  {_local(e.at)}  {e.actor:<20} {e.action:<20} {change}" + (f"  {e.note}" if e.note else ""))


def _show(args: argparse.Namespace, settings: Settings) -> int:
    from cases.service import get_case

    try:
        detail = get_case(_session_factory(settings), args.case_number)
    except CaseNotFound:
        return _fail(f"未找到案件 / case not found: {args.case_number}")
    except SQLAlchemyError as exc:
        return _fail(f"数据库不可用 / database unavailable ({type(exc).__name__})")
    if args.json:
        print(json.dumps(detail.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        _print_detail(detail)
    return 0


def _erase(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import timezone

    from cases.encryption import build_cipher
    from cases.errors import InvalidInput
    from cases.retention import erase_case

    try:
        erase_case(_session_factory(settings), args.case_number, build_cipher(settings),
                   actor=f"cli:{args.by}", reason=args.reason, now=datetime.now(timezone.utc), force=args.force)
    except CaseNotFound:
        return _fail(f"未找到案件 / case not found: {args.case_number}")
    except InvalidInput as exc:
        return _fail(f"{exc.message_zh} / {exc.message_en}")
    except SQLAlchemyError as exc:
        return _fail(f"数据库不可用 / database unavailable ({type(exc).__name__})")
    print(f"已删除个人信息 / personal data erased: {args.case_number.upper()}（历史中留有记录 / recorded in its history）")
    return 0


def _keys(args: argparse.Namespace, settings: Settings) -> int:
    import base64
    import os
    from datetime import timezone

    from cases.encryption import build_cipher, key_id
    from cases.keys import KeyMismatch, check_key, rotate
    from jishijiu.settings import SettingsError

    if args.keys_command == "new":
        secret = os.urandom(32)
        print(base64.urlsafe_b64encode(secret).decode())
        print(f"# key id {key_id(secret)}: set it as JISHIJIU_SECRET_KEY on every host", file=sys.stderr)
        return 0
    try:
        cipher = build_cipher(settings)
        sessions = _session_factory(settings)
        now = datetime.now(timezone.utc)
        if args.keys_command == "id":
            check_key(sessions, cipher, now)
            print(cipher.key_id)
            return 0
        if not cipher.previous_key_ids:
            return _fail("轮换需要旧密钥：把它放进 JISHIJIU_PREVIOUS_SECRET_KEYS，新密钥放进 JISHIJIU_SECRET_KEY / "
                         "a rotation needs the old key in JISHIJIU_PREVIOUS_SECRET_KEYS and the new one in "
                         "JISHIJIU_SECRET_KEY")
        check_key(sessions, cipher, now)
        done = rotate(sessions, cipher, now)
    except (KeyMismatch, SettingsError) as exc:
        return _fail(str(exc))
    except SQLAlchemyError as exc:
        return _fail(f"数据库不可用 / database unavailable ({type(exc).__name__})")
    print(f"已用新密钥 {cipher.key_id} 重新加密 {done.resealed} 项（{done.cases} 件案件），旧密钥已停用；"
          f"一天后（对话中暂存的号码过期后）可从 JISHIJIU_PREVIOUS_SECRET_KEYS 去掉旧密钥 / "
          f"{done.resealed} value(s) of {done.cases} case(s) resealed with key {cipher.key_id}; older keys retired")
    return 0


def register(subparsers: argparse._SubParsersAction, load_settings_fn: Callable[[], Settings]) -> None:
    """Add `cases list` and `cases show`; each handler takes (args, settings) and returns an exit code.

    `load_settings_fn` is accepted for the CLI's register() protocol; `jishijiu.cli.main` passes settings in.
    """
    del load_settings_fn
    cases = subparsers.add_parser("cases", help="案件: list and show cases (personal data masked)")
    sub = cases.add_subparsers(dest="cases_command", required=True)

    ls = sub.add_parser("list", help="list cases, newest first")
    ls.add_argument("--status", choices=[s.value for s in CaseState],
                    help="; ".join(f"{s.value}={LABELS[s]}" for s in CaseState))
    ls.add_argument("--urgency", choices=[u.value for u in Urgency])
    ls.add_argument("--overdue", action="store_true", help="open cases past a deadline not yet met")
    ls.add_argument("--limit", type=int, default=200)
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=_list)

    show = sub.add_parser("show", help="one case with its deadlines, 转办单 and history")
    show.add_argument("case_number", help="e.g. JSJ-20250101-0001")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_show)

    keys = subparsers.add_parser("keys", help="密钥: the key that seals personal data (new, id, rotate)")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    keys_sub.add_parser("new", help="print a new random key (for JISHIJIU_SECRET_KEY)").set_defaults(handler=_keys)
    keys_sub.add_parser("id", help="the current key's id, checked against the database").set_defaults(handler=_keys)
    keys_sub.add_parser("rotate", help="re-seal everything with JISHIJIU_SECRET_KEY (the old key in "
                        "JISHIJIU_PREVIOUS_SECRET_KEYS), then retire the old key").set_defaults(handler=_keys)

    erase = sub.add_parser("erase", help="a deletion request: erase a case's personal data now (audited)")
    erase.add_argument("case_number")
    erase.add_argument("--reason", required=True, help="e.g. 本人申请删除 2026-12-01")
    erase.add_argument("--by", required=True, help="who serves the request (recorded), e.g. admin-wang")
    erase.add_argument("--force", action="store_true", help="also an open case (then nobody can phone the applicant)")
    erase.set_defaults(handler=_erase)
