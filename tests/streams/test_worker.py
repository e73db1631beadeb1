"""The worker: relay + escalation in one pass, back-off through a Redis outage, and the `worker` command."""
import os
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone

from cases.service import submit_case
from jishijiu.settings import load_settings
from streams.worker import Worker, redis_for_worker
from tests.cases.fixtures import CASES_REDIS_URL, application, STORE_SECRET_KEY, prepared_database_url, triage

NOW = datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)
WORKER_SCRIPT = """
import argparse, sys
from jishijiu.settings import load_settings
from streams.cli import register
parser = argparse.ArgumentParser(prog="jishijiu")
register(parser.add_subparsers(dest="command", required=True), load_settings)
args = parser.parse_args(sys.argv[1:])
sys.exit(args.handler(args, load_settings()))
"""


def test_one_pass_publishes_and_escalates(session_factory, cipher, divisions, redis_client) -> None:
    number = submit_case(session_factory, application(), triage(NOW, deadlines={"urgent": timedelta(hours=1)}),
                         NOW, cipher=cipher, divisions=divisions)
    worker = Worker(session_factory, redis_client, thresholds=(0.5, 0.9), clock=lambda: NOW + timedelta(hours=2))
    result = worker.run_once()
    assert result.healthy and [e.case_number for e in result.escalations] == [number]
    assert result.relay.published == 2                       # the submission, then the escalation
    assert redis_client.xlen("jsj:supervisor") == 1 and redis_client.xlen("jsj:dept:minzheng:urgent") == 1
    assert worker.run_once().escalations == ()               # not due again for escalation_every seconds


def test_redis_outage_backs_off_and_does_not_crash(session_factory, cipher, divisions) -> None:
    submit_case(session_factory, application(), triage(NOW), NOW, cipher=cipher, divisions=divisions)
    down = redis_for_worker("redis://127.0.0.1:1/0")
    worker = Worker(session_factory, down, thresholds=(0.5,), interval=0.01, max_backoff=0.05)
    stop = threading.Event()
    runner = threading.Thread(target=worker.run, args=(stop,))
    runner.start()
    threading.Timer(0.5, stop.set).start()
    runner.join(timeout=5)
    assert not runner.is_alive()
    assert worker.run(threading.Event(), once=True) is False


def _worker_command(*argv: str, redis_url: str, tmp_path) -> subprocess.CompletedProcess[str]:  # noqa: ANN001
    env = {**os.environ, "DATABASE_URL": prepared_database_url(), "JISHIJIU_SECRET_KEY": STORE_SECRET_KEY,
           "REDIS_URL": redis_url,
           "JISHIJIU_DATA_DIR": str(tmp_path)}
    return subprocess.run([sys.executable, "-c", WORKER_SCRIPT, "worker", *argv], capture_output=True, text=True,
                          env=env, timeout=60)


def test_worker_command_once(session_factory, tmp_path, redis_client) -> None:
    ok = _worker_command("--once", "--interval", "0.5", redis_url=CASES_REDIS_URL, tmp_path=tmp_path)
    assert ok.returncode == 0, ok.stderr
    down = _worker_command("--once", redis_url="redis://127.0.0.1:1/0", tmp_path=tmp_path)
    assert down.returncode == 0, down.stderr           # nothing pending: Redis is not even needed
    bad = _worker_command("--interval", "0", redis_url=CASES_REDIS_URL, tmp_path=tmp_path)
    assert bad.returncode == 2 and "--interval" in bad.stderr


def test_worker_command_once_reports_an_outage(session_factory, cipher, divisions, tmp_path) -> None:
    submit_case(session_factory, application(), triage(NOW), NOW, cipher=cipher, divisions=divisions)
    down = _worker_command("--once", redis_url="redis://127.0.0.1:1/0", tmp_path=tmp_path)
    assert down.returncode == 1 and "Redis unavailable" in down.stderr


def test_escalation_thresholds_setting() -> None:
    assert load_settings({"JISHIJIU_ESCALATION_THRESHOLDS": "90%, 50%"}).escalation_thresholds == (0.5, 0.9)
    for bad in ("half", "0", "1.5", "50%,"):
        try:
            load_settings({"JISHIJIU_ESCALATION_THRESHOLDS": bad})
        except ValueError as exc:
            assert "JISHIJIU_ESCALATION_THRESHOLDS" in str(exc)
        else:
            raise AssertionError(bad)


def test_database_outage_is_survived(redis_client) -> None:
    from jishijiu.db import make_engine, make_session_factory
    from jishijiu.settings import Settings

    engine = make_engine(Settings(database_url="postgresql://postgres@127.0.0.1:1/test"))
    worker = Worker(make_session_factory(engine), redis_client, thresholds=(0.5,), interval=0.01, max_backoff=0.05)
    assert worker.run(threading.Event(), once=True) is False
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    assert worker.run(stop) is False                       # kept retrying with back-off until stopped
    engine.dispose()


def test_worker_settings_are_validated(tmp_path) -> None:
    assert load_settings({"JISHIJIU_WORKER_INTERVAL": "0.25"}).worker_interval == 0.25
    for name, value in (("JISHIJIU_WORKER_INTERVAL", "soon"), ("JISHIJIU_DIVISIONS_FILE", str(tmp_path / "no.yaml"))):
        try:
            load_settings({name: value})
        except ValueError as exc:
            assert name in str(exc)
        else:
            raise AssertionError(name)
