"""Fault injection against the real processes (issue 10): `jishijiu run` (Rasa, the worker, the gateway) under
traffic of emergencies, while Rasa and then the worker are killed with SIGKILL. Every emergency must end as exactly
one case or, while Rasa was down, as an emergency hand-off a person sees; every case change must reach the
caseworkers' streams once. Reported as submitted, stored, handed off, published, duplicated and lost."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from redis import Redis
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import sessionmaker

from cases.models import Case, Handoff, OutboxMessage
from cases.states import OutboxStatus
from jishijiu.settings import PROJECT_ROOT
from tests.conversation.live import TEST_API_CLIENT, TEST_API_KEY, free_port, train_model

FAULTS_REDIS_URL = "redis://127.0.0.1:6379/13"
USERS = 8
PLACES = ["任城区", "兖州区", "曲阜市", "邹城市", "微山县", "鱼台县"]


def _child_pid(pattern: str) -> int:
    found = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True).stdout.split()
    assert found, f"no process matches {pattern!r}"
    return int(found[0])


def _healthy(base: str) -> dict:
    try:
        return httpx.get(f"{base}/healthz", timeout=3).json()["components"]
    except (httpx.HTTPError, ValueError, KeyError):
        return {}


def _wait(what: str, check, timeout: float) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"{what} within {timeout:.0f} s"
        time.sleep(0.5)


def test_kill_9_of_rasa_and_the_worker_loses_and_doubles_nothing(tmp_path: Path) -> None:
    train_model()                                     # the model `make run` uses (trained once per bot/ change)
    Redis.from_url(FAULTS_REDIS_URL).flushdb()
    port, rasa_port = free_port(), free_port()
    env = {**os.environ, "JISHIJIU_DATA_DIR": str(tmp_path), "REDIS_URL": FAULTS_REDIS_URL,
           "JISHIJIU_API_KEYS": f"{TEST_API_CLIENT}:{TEST_API_KEY}", "JISHIJIU_RATE_PER_ADDRESS": "100000",
           "JISHIJIU_LOG_LEVEL": "WARNING", "JISHIJIU_WORKER_INTERVAL": "0.2"}
    for unset in ("DATABASE_URL", "JISHIJIU_SECRET_KEY", "JISHIJIU_RASA_TOKEN", "JISHIJIU_ACTION_TOKEN"):
        env.pop(unset, None)                           # SQLite in tmp_path, with its own key file
    run = subprocess.Popen([sys.executable, "-m", "jishijiu.cli", "run", "--no-train", "--port", str(port),
                            "--rasa-port", str(rasa_port)], cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    users = [f"fault-{uuid.uuid4().hex[:8]}" for _ in range(USERS)]
    try:
        _wait("the stack is ready", lambda: _healthy(base).get("rasa", {}).get("up"), 180)

        def emergency(i: int) -> None:
            body = {"user_id": users[i], "text": f"我爸突然倒地不省人事了，叫不醒，在{PLACES[i % len(PLACES)]}",
                    "message_id": f"m-{users[i]}"}
            for _ in range(40):                         # a client that retries the same message until it is answered
                try:
                    response = httpx.post(f"{base}/api/chat", json=body, timeout=30,
                                          headers={"Authorization": f"Bearer {TEST_API_KEY}"})
                    if response.status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.5)
            raise AssertionError(f"{users[i]} was never answered")

        with ThreadPoolExecutor(4) as pool:
            done = [pool.submit(emergency, i) for i in range(USERS)]
            time.sleep(1.5)
            os.kill(_child_pid(f"rasa run --enable-api --auth-token .* --port {rasa_port}"), signal.SIGKILL)
            time.sleep(1.5)
            os.kill(_child_pid("jishijiu.cli worker"), signal.SIGKILL)
            for future in done:
                future.result()
        _wait("the worker is back", lambda: _healthy(base).get("worker", {}).get("up"), 60)
        engine = create_engine(f"sqlite:///{tmp_path / 'jishijiu.db'}")
        sessions = sessionmaker(engine)

        def counts() -> tuple[dict[str, int], set[str], int]:
            with sessions() as s:
                per_user = dict(s.execute(select(Case.channel_user_id, func.count()).group_by(Case.channel_user_id)
                                          ).all())
                handed = {h for h in s.scalars(select(Handoff.sender).where(Handoff.reason == "emergency"))}
                pending = s.scalar(select(func.count()).select_from(OutboxMessage)
                                   .where(OutboxMessage.status == OutboxStatus.PENDING))
            return per_user, handed, pending

        _wait("every change is published", lambda: counts()[2] == 0, 60)
        per_user, handed, _ = counts()
        senders = [f"api-{TEST_API_CLIENT}:{u}" for u in users]
        stored = [s for s in senders if per_user.get(s)]
        duplicated = [s for s in senders if per_user.get(s, 0) > 1]
        lost = [s for s in senders if not per_user.get(s) and s not in handed]
        with sessions() as s:
            rows = s.scalar(select(func.count()).select_from(OutboxMessage))
        redis = Redis.from_url(FAULTS_REDIS_URL)
        published = sum(redis.xlen(k) for k in redis.scan_iter(match="jsj:township:*", _type="STREAM"))
        print(f"\nfaults: submitted {USERS}, stored {len(stored)}, handed off {len(handed)}, "
              f"outbox rows {rows}, published to township streams {published}, "
              f"duplicated {len(duplicated)}, lost {len(lost)}")
        assert duplicated == [] and lost == []
        assert published == rows                       # each change once in its township's stream
    finally:
        run.send_signal(signal.SIGTERM)
        try:
            out, _ = run.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            run.kill()
            out, _ = run.communicate()
        print(out[-3000:])
