"""Benchmark: case submission → visible in the department stream, with the outbox relay running concurrently.

As deployed: submitter threads in one process (the gateway) call cases.service.submit_case on PostgreSQL (a
private schema); the outbox relay runs in its own process (the worker); a caseworker Consumer in a third process
records when each case arrives (time.monotonic is system-wide on Linux). Loopback only, bounded in count and time.
Prints a markdown table and writes it to docs/benchmarks.md.
Usage: .venv/bin/python bench/case_submission_bench.py [--cases 400] [--submitters 8] [--relay-interval 0.005]
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

from redis import Redis
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
from report import percentile, write_section  # noqa: E402

from cases.application import Applicant, Application, CaseTriage  # noqa: E402
from cases.encryption import PersonalDataCipher  # noqa: E402
from cases.identity import id_check_character, parse_id_number, parse_name, parse_phone  # noqa: E402
from cases.migrate import upgrade  # noqa: E402
from cases.service import submit_case  # noqa: E402
from jishijiu.db import make_engine, make_session_factory  # noqa: E402
from jishijiu.settings import Settings  # noqa: E402
from streams.consumer import Consumer  # noqa: E402
from streams.relay import OutboxRelay  # noqa: E402

SCHEMA = "jsj_cases_bench"
URGENCIES = ["emergency"] + ["urgent"] * 3 + ["normal"] * 6          # 10% / 30% / 60%
DEPARTMENT = "minzheng"


def application(i: int) -> Application:
    first17 = f"370811{1950 + i % 50}0101{i % 1000:03d}"
    return Application(
        channel="bench", channel_user_id=f"bench-{i}",
        applicant=Applicant(parse_name("测试"), parse_id_number(first17 + id_check_character(first17)),
                            parse_phone(f"139{i:08d}")),
        division_code="370811", situation=f"基准测试第{i}件：家中突发困难，需要临时救助",
    )


def triage(i: int, now: datetime) -> CaseTriage:
    urgency = URGENCIES[i % len(URGENCIES)]
    return CaseTriage(urgency=urgency, reasons=("bench",), department_ids=(DEPARTMENT, "yibao"),
                      assistance=("临时救助",), deadlines={"initial": now + timedelta(days=3)})


def prepare(database_url: str, redis_url: str) -> tuple[str, Redis]:
    admin = make_engine(Settings(database_url=database_url))
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    admin.dispose()
    url = f"{database_url}{'&' if '?' in database_url else '?'}options=-csearch_path%3D{SCHEMA}"
    upgrade(url)
    redis = Redis.from_url(redis_url, socket_timeout=5)
    if redis.connection_pool.connection_kwargs.get("db", 0) == 0:
        raise SystemExit("refusing to flush Redis db 0: pass --redis-url with a spare db, e.g. /13")
    redis.flushdb()
    return url, redis


def relay_process(url: str, redis_url: str, interval: float, stop: multiprocessing.Event) -> None:
    """The worker's job: poll the outbox, publish."""
    engine = make_engine(Settings(database_url=url))
    relay = OutboxRelay(make_session_factory(engine), Redis.from_url(redis_url))
    while not stop.is_set():
        if relay.run_once().published == 0:
            stop.wait(interval)
    engine.dispose()


def observer_process(redis_url: str, expected: int, max_seconds: float, ready: multiprocessing.Event,
                     results: multiprocessing.Queue) -> None:
    """A caseworker: consumer-group reads of the department's streams, ack after 'handling'."""
    consumer = Consumer(Redis.from_url(redis_url, socket_timeout=5), "bench-caseworkers", department=DEPARTMENT)
    seen: dict[str, float] = {}
    deliveries = 0
    ready.set()
    deadline = time.monotonic() + max_seconds
    while len(seen) < expected and time.monotonic() < deadline:
        for msg in consumer.read(count=100, block_ms=50):
            seen.setdefault(msg.case_number, time.monotonic())
            deliveries += 1
            consumer.ack(msg)
    results.put((seen, deliveries))


def run(args: argparse.Namespace) -> dict[str, float]:
    url, redis = prepare(args.database_url, args.redis_url)
    engine = make_engine(Settings(database_url=url))
    factory = make_session_factory(engine)
    cipher = PersonalDataCipher(os.urandom(32))
    started: dict[str, float] = {}
    submit_ms: list[float] = []

    def submit(i: int) -> None:
        t0 = time.monotonic()
        number = submit_case(factory, application(i), triage(i, datetime.now(timezone.utc)),
                             datetime.now(timezone.utc), cipher=cipher)
        submit_ms.append((time.monotonic() - t0) * 1000)
        started[number] = t0

    for i in range(20):                                   # warm-up: connections, statement caches
        submit(100_000 + i)
    OutboxRelay(factory, redis).drain()
    redis.flushdb()                                       # measure only what follows
    started.clear(), submit_ms.clear()
    stop, ready, results = multiprocessing.Event(), multiprocessing.Event(), multiprocessing.Queue()
    relay = multiprocessing.Process(target=relay_process, args=(url, args.redis_url, args.relay_interval, stop))
    observer = multiprocessing.Process(target=observer_process,
                                       args=(args.redis_url, args.cases, args.max_seconds, ready, results))
    relay.start(), observer.start()
    ready.wait(30)
    begin = time.monotonic()
    with ThreadPoolExecutor(args.submitters) as pool:
        list(pool.map(submit, range(args.cases)))
    submitted = time.monotonic()
    seen, deliveries = results.get(timeout=args.max_seconds + 30)
    stop.set()
    relay.join(30), observer.join(30)
    missing = set(started) - set(seen)
    latencies = [(seen[n] - started[n]) * 1000 for n in started if n in seen]
    last_seen = max(seen[n] for n in started if n in seen)
    engine.dispose()
    return {
        "cases": len(started), "missing": len(missing),
        "p50": percentile(latencies, 0.50), "p90": percentile(latencies, 0.90),
        "p99": percentile(latencies, 0.99), "max": max(latencies),
        "submit_p50": percentile(submit_ms, 0.50), "submit_p99": percentile(submit_ms, 0.99),
        "submit_rate": len(started) / (submitted - begin), "end_to_end_rate": len(started) / (last_seen - begin),
        "duplicates": deliveries - len(seen),
        "stream_entries": sum(redis.xlen(f"jsj:dept:{DEPARTMENT}:{u}") for u in ("emergency", "urgent", "normal")),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=400)
    parser.add_argument("--submitters", type=int, default=8)
    parser.add_argument("--relay-interval", type=float, default=0.005, help="relay poll interval when idle, s")
    parser.add_argument("--max-seconds", type=float, default=60.0, help="give up waiting for deliveries after")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the table shows the median run by p99")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    if not 1 <= args.cases <= 5000 or not 1 <= args.submitters <= 64 or not 1 <= args.repeat <= 10:
        raise SystemExit("--cases must be 1..5000, --submitters 1..64 and --repeat 1..10")
    runs = sorted((run(args) for _ in range(args.repeat)), key=lambda x: x["p99"])
    r = runs[len(runs) // 2]
    command = (f".venv/bin/python bench/case_submission_bench.py --cases {args.cases} "
               f"--submitters {args.submitters} --relay-interval {args.relay_interval} --repeat {args.repeat}")
    body = f"""Command: `{command}`

{args.submitters} threads in one process (as the gateway would) call `cases.service.submit_case` (Case + deadline +
event + outbox row in one PostgreSQL transaction, personal data encrypted) back to back, with no pause. The outbox
relay runs in a second process (as `jishijiu worker` would, polling every {args.relay_interval * 1000:.0f} ms when
idle) and one caseworker `Consumer` in a third (consumer group, blocking read, ack) watches the `{DEPARTMENT}`
streams. Latency = from calling `submit_case` to the consumer receiving the entry. Mix: 10% emergency, 30% urgent,
60% normal. Everything on one machine with PostgreSQL 15 and Redis 7 (loopback), sharing its CPUs with whatever
else runs there, so figures move between runs: hence several runs.

| measure | {r['cases']} cases, {args.submitters} concurrent submitters (median of {len(runs)} runs by p99) |
| --- | --- |
| submission → department stream p50 | {r['p50']:.1f} ms |
| submission → department stream p90 | {r['p90']:.1f} ms |
| submission → department stream p99 | {r['p99']:.1f} ms |
| submission → department stream max | {r['max']:.1f} ms |
| `submit_case` alone p50 / p99 | {r['submit_p50']:.1f} ms / {r['submit_p99']:.1f} ms |
| sustained submissions | {r['submit_rate']:.0f} cases/s |
| sustained end to end (submitted and delivered) | {r['end_to_end_rate']:.0f} cases/s |
| lost / delivered twice / stream entries | {r['missing']} / {r['duplicates']} / {r['stream_entries']} |
| p99 over the {len(runs)} runs | {' · '.join(f"{x['p99']:.0f}" for x in runs)} ms |

Target: p99 < 200 ms. Submissions are closed-loop (each submitter starts its next case at once), so latency is mostly
queueing behind the other submitters: p50 ≈ submitters ÷ throughput. The daily case-number counter row is locked
from the upsert to commit; `submit_case` therefore inserts first under a provisional number and takes the counter
last. In back-to-back runs, taking it first (the lock held across all inserts) measured p99 ≈ 183 ms against
≈ 135 ms taking it last."""
    if not args.no_write:
        write_section("Case submission → department stream", body)
    print(body)
    if any(x["missing"] or x["duplicates"] for x in runs):
        raise SystemExit("cases were lost or delivered twice: see the table")


if __name__ == "__main__":
    main()
