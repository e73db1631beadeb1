"""`jishijiu worker`: run the outbox relay, the escalation job and the residents' notices;
`jishijiu notifications list [--failed]`: what was told to residents, and what could not be."""
from __future__ import annotations

import argparse
from collections.abc import Callable

from jishijiu.settings import Settings


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected seconds, e.g. 0.5") from None
    if not 0.01 <= value <= 3600:
        raise argparse.ArgumentTypeError("expected between 0.01 and 3600 seconds")
    return value


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from streams.worker import run_worker

    return run_worker(settings, once=args.once, interval=args.interval)


def _notifications(args: argparse.Namespace, settings: Settings) -> int:
    import json
    import sys

    from sqlalchemy.exc import SQLAlchemyError

    from cases.cli import _local, _session_factory
    from cases.notifications import list_notifications
    from cases.states import NoticeStatus

    status = NoticeStatus.FAILED if args.failed else (NoticeStatus(args.status) if args.status else None)
    try:
        rows = list_notifications(_session_factory(settings), status=status, case_number=args.case,
                                  limit=args.limit)
    except SQLAlchemyError as exc:
        print(f"jishijiu: 数据库不可用 / database unavailable ({type(exc).__name__})", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps([{"id": r.id, "case_number": r.case_number, "recipient": r.recipient, "kind": r.kind,
                           "status": r.status.value, "via": r.via, "attempts": r.attempts, "text": r.text,
                           "last_error": r.last_error, "created_at": r.created_at.isoformat(),
                           "delivered_at": r.delivered_at.isoformat() if r.delivered_at else None}
                          for r in rows], ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        door = r.recipient.split(":", 1)[0]
        print(f"{r.id:>6}  {_local(r.created_at)}  {r.case_number or '（转人工）':<17} {door:<9} {r.status.value:<9} "
              f"{r.via or '-':<14} tries {r.attempts}  {r.text[:40]}"
              + (f"  [{r.last_error}]" if r.last_error and r.status.value != "delivered" else ""))
    print(f"共 {len(rows)} 条 / {len(rows)} notification(s)")
    return 0


def _aware_time(text: str):  # noqa: ANN202 - datetime
    from datetime import datetime

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a time such as 2026-12-01T08:00:00+08:00") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("give the time zone, e.g. +08:00") from None
    return moment


def _replay(args: argparse.Namespace, settings: Settings) -> int:
    import sys

    from sqlalchemy.exc import SQLAlchemyError

    from cases.cli import _session_factory
    from streams.relay import replay

    try:
        count = replay(_session_factory(settings), args.since)
    except SQLAlchemyError as exc:
        print(f"jishijiu: 数据库不可用 / database unavailable ({type(exc).__name__})", file=sys.stderr)
        return 1
    print(f"已重新排队 {count} 条，worker 会再发布一次（已在 Redis 中的不会重复）/ "
          f"{count} outbox row(s) pending again; the worker republishes them "
          "(entries still in Redis are not added twice)")
    return 0


def _retention(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import datetime, timedelta, timezone

    from redis.exceptions import RedisError
    from sqlalchemy.exc import SQLAlchemyError

    from cases.cli import _session_factory
    from cases.encryption import build_cipher
    from cases.retention import apply_retention
    from streams.trim import trim_streams
    from streams.worker import redis_for_worker, retention_policy

    now = datetime.now(timezone.utc)
    try:
        report = apply_retention(_session_factory(settings), build_cipher(settings), retention_policy(settings), now,
                                 actor="cli:retention")
    except SQLAlchemyError as exc:
        print(f"jishijiu: 数据库不可用 / database unavailable ({type(exc).__name__})")
        return 1
    print(f"删除聊天记录 {report.messages_deleted} 条、通知 {report.notices_deleted} 条，清空转人工记录 "
          f"{report.handoffs_cleared} 条，匿名化已办结案件 {report.cases_anonymised} 件 / {report}")
    try:
        trimmed = trim_streams(redis_for_worker(settings.redis_url), now, timedelta(days=settings.retain_streams_days))
        print(f"streams trimmed: {sum(trimmed.values())} entries")
    except (RedisError, OSError) as exc:
        print(f"Redis 不可用，未修剪 streams / streams not trimmed ({type(exc).__name__})")
    return 0


def register(subparsers: argparse._SubParsersAction, load_settings_fn: Callable[[], Settings]) -> None:
    """Add `worker [--once] [--interval SECONDS]`; the handler takes (args, settings) and returns an exit code.

    `load_settings_fn` is accepted for the CLI's register() protocol; `jishijiu.cli.main` passes settings in.
    """
    del load_settings_fn
    worker = subparsers.add_parser("worker", help="publish the outbox to Redis Streams and escalate late cases")
    worker.add_argument("--once", action="store_true", help="one pass, then exit (non-zero if Redis or the "
                                                            "database was unavailable)")
    worker.add_argument("--interval", type=_positive_seconds, default=None,
                        help="seconds between relay polls (default: JISHIJIU_WORKER_INTERVAL or 1.0)")
    worker.set_defaults(handler=_worker)

    keep = subparsers.add_parser("retention", help="保存期限: delete what is past its keep (the worker runs it daily)")
    keep_sub = keep.add_subparsers(dest="retention_command", required=True)
    keep_sub.add_parser("run", help="delete old messages and notices, anonymise old closed cases, trim the streams"
                        ).set_defaults(handler=_retention)

    outbox = subparsers.add_parser("outbox", help="the outbox of case changes (relayed to Redis Streams)")
    outbox_sub = outbox.add_subparsers(dest="outbox_command", required=True)
    again = outbox_sub.add_parser("replay", help="after a Redis data loss: publish again what was published since T")
    again.add_argument("--since", type=_aware_time, required=True, help="e.g. 2026-12-01T08:00:00+08:00")
    again.set_defaults(handler=_replay)

    notes = subparsers.add_parser("notifications", help="通知: case updates told to residents through their door")
    notes_sub = notes.add_subparsers(dest="notifications_command", required=True)
    ls = notes_sub.add_parser("list", help="newest first: when, case, door, status, how it went, tries, text")
    which = ls.add_mutually_exclusive_group()
    which.add_argument("--failed", action="store_true", help="only those given up on (to follow up by phone)")
    which.add_argument("--status", choices=["pending", "delivered", "waiting", "failed"])
    ls.add_argument("--case", help="only this case, e.g. JSJ-20250101-0001")
    ls.add_argument("--limit", type=int, default=200)
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=_notifications)
