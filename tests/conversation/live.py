"""A real stack for end-to-end conversation tests: Rasa (trained only when its inputs change), the gateway, PostgreSQL,
Redis."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from jishijiu.settings import PROJECT_ROOT, Settings
from jishijiu.supervisor import RasaPaths, ensure_model, rasa_environment

CHAT_REDIS_URL = os.environ.get("TEST_CHAT_REDIS_URL", "redis://127.0.0.1:6379/13")
# The tests speak to POST /api/chat as a trusted back end named "tests"; their senders are "api-tests:<user>".
TEST_API_CLIENT = "tests"
TEST_API_KEY = "test-api-key-0123456789abcdefghij"
SENDER_PREFIX = f"api-{TEST_API_CLIENT}"
ACTION_TOKEN = "test-action-token-0123456789"
RASA_TOKEN = "test-rasa-token-0123456789abcdef"      # Rasa's --auth-token and its channel's header


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def train_model() -> Path:
    """The model `make run` uses: found in models/ by the fingerprint of bot/, config.yml and the jieba dictionary,
    or trained once (`jishijiu.supervisor.ensure_model`); Rasa's output goes to var/logs/rasa-train.log."""
    return ensure_model(log_dir=PROJECT_ROOT / "var" / "logs")


def _wait(url: str, ready, timeout: float, processes: list[subprocess.Popen]) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for p in processes:
            if p.poll() is not None:
                raise RuntimeError(f"{p.args[0]} exited with {p.returncode} during start-up")
        try:
            response = httpx.get(url, timeout=2)
            if ready(response):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} not ready after {timeout} s")


@dataclass
class LiveStack:
    gateway_url: str
    rasa_url: str
    env: dict[str, str]

    @property
    def rasa_auth(self) -> dict[str, str]:
        """The query parameter Rasa's HTTP API wants (it runs with --auth-token)."""
        return {"token": RASA_TOKEN}

    def say(self, user: str, text: str, **metadata: object) -> list[dict]:
        response = httpx.post(f"{self.gateway_url}/api/chat", timeout=60,
                              headers={"Authorization": f"Bearer {TEST_API_KEY}"},
                              json={"user_id": user, "text": text, "metadata": metadata})
        response.raise_for_status()
        return response.json()["replies"]

    def say_text(self, user: str, text: str, **metadata: object) -> str:
        return "\n".join(r["text"] for r in self.say(user, text, **metadata))


def start_stack(settings: Settings, model: Path, rasa: bool = True) -> Iterator[LiveStack]:
    gateway_port, rasa_port = free_port(), free_port()
    env = {
        **os.environ,
        "JISHIJIU_DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": CHAT_REDIS_URL,
        "JISHIJIU_SECRET_KEY": settings.secret_key,
        "JISHIJIU_ACTION_TOKEN": ACTION_TOKEN,
        "JISHIJIU_RASA_TOKEN": RASA_TOKEN,
        "RASA_URL": f"http://127.0.0.1:{rasa_port}",
        "JISHIJIU_LOG_LEVEL": "WARNING",
        "JISHIJIU_API_KEYS": f"{TEST_API_CLIENT}:{TEST_API_KEY}",
        "JISHIJIU_RATE_PER_ADDRESS": "100000",      # every test user comes from this machine's one address
    }
    if settings.divisions_file:
        env["JISHIJIU_DIVISIONS_FILE"] = str(settings.divisions_file)
    rasa_env = {**rasa_environment(Settings(redis_url=CHAT_REDIS_URL), gateway_port, ACTION_TOKEN, RASA_TOKEN),
                "RASA_TELEMETRY_ENABLED": "false"}
    processes = [subprocess.Popen([sys.executable, "-m", "jishijiu.cli", "serve", "--port", str(gateway_port)],
                                  cwd=PROJECT_ROOT, env=env)]
    if rasa:
        processes.append(subprocess.Popen(RasaPaths().run_command(rasa_port, model, RASA_TOKEN), cwd=PROJECT_ROOT,
                                          env=rasa_env,
                                          stdout=subprocess.DEVNULL))
    try:
        _wait(f"http://127.0.0.1:{gateway_port}/healthz", lambda r: r.status_code == 200, 60, processes)
        if rasa:
            _wait(f"http://127.0.0.1:{rasa_port}/status?token={RASA_TOKEN}", lambda r: r.status_code == 200
                  and r.json().get("model_file"), 240, processes)
        yield LiveStack(f"http://127.0.0.1:{gateway_port}", f"http://127.0.0.1:{rasa_port}", env)
    finally:
        for p in processes:
            p.terminate()
        for p in processes:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
