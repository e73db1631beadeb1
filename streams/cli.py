"""`jishijiu worker`: run the outbox relay and the escalation job."""
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
