"""`jishijiu run`: trains the bot when its data changed, then starts Rasa, the worker and the gateway together,
and stops them together (Ctrl-C, SIGTERM, or any one of them exiting)."""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from jishijiu.settings import PROJECT_ROOT, Settings

RASA_VENV = PROJECT_ROOT / ".venv-rasa"
MODELS_DIR = PROJECT_ROOT / "models"


class SupervisorError(RuntimeError):
    """Something the operator must fix before the service can start; the message says what."""


@dataclass(frozen=True)
class RasaPaths:
    root: Path = PROJECT_ROOT

    @property
    def executable(self) -> Path:
        return RASA_VENV / "bin" / "rasa"

    def train_command(self, out: Path = MODELS_DIR) -> list[str]:
        return [str(self.executable), "train", "--config", str(self.root / "config.yml"),
                "--domain", str(self.root / "bot" / "domain.yml"), "--data", str(self.root / "bot" / "data"),
                "--out", str(out), "--quiet"]

    def run_command(self, port: int, models: Path = MODELS_DIR) -> list[str]:
        return [str(self.executable), "run", "--enable-api", "--interface", "127.0.0.1", "--port", str(port),
                "--model", str(models), "--endpoints", str(self.root / "bot" / "endpoints.yml"),
                "--credentials", str(self.root / "bot" / "credentials.yml")]


def rasa_environment(settings: Settings, gateway_port: int, action_token: str) -> dict[str, str]:
    """What bot/endpoints.yml reads: where the action webhook and the tracker/lock stores are."""
    redis = urlparse(settings.redis_url)
    db = (redis.path or "/0").lstrip("/") or "0"
    return {
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "JISHIJIU_GATEWAY_PORT": str(gateway_port),
        "JISHIJIU_ACTION_TOKEN": action_token,
        "JISHIJIU_RASA_REDIS_HOST": redis.hostname or "127.0.0.1",
        "JISHIJIU_RASA_REDIS_PORT": str(redis.port or 6379),
        "JISHIJIU_RASA_TRACKER_DB": db,
        "JISHIJIU_RASA_LOCK_DB": db,
    }


def train_if_changed(paths: RasaPaths = RasaPaths(), out: Path = MODELS_DIR) -> None:
    """`rasa train` compares the data's fingerprint with the newest model and only trains when it changed."""
    if not paths.executable.exists():
        raise SupervisorError(f"Rasa is not installed at {RASA_VENV}: run `make run` (it creates .venv-rasa)")
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
    print("jishijiu: checking the bot model (training only if bot/ or config.yml changed)…", flush=True)
    result = subprocess.run(paths.train_command(out), cwd=paths.root, env=env)
    if result.returncode != 0:
        raise SupervisorError("rasa train failed; see the messages above")


def _stop(processes: list[subprocess.Popen[bytes]], grace: float = 20.0) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()


def run_all(settings: Settings, host: str, port: int, rasa_port: int = 5005, train: bool = True) -> int:
    paths = RasaPaths()
    if train:
        train_if_changed(paths)
    token = settings.action_token or secrets.token_urlsafe(24)
    shared = {**os.environ, **rasa_environment(settings, port, token),
              "RASA_URL": f"http://127.0.0.1:{rasa_port}"}
    jishijiu = [sys.executable, "-m", "jishijiu.cli"]
    commands = {
        "rasa": paths.run_command(rasa_port),
        "worker": [*jishijiu, "worker"],
        "gateway": [*jishijiu, "serve", "--host", host, "--port", str(port)],
    }
    processes: list[subprocess.Popen[bytes]] = []
    stopping = False

    def _on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        for name, command in commands.items():
            print(f"jishijiu: starting {name}", flush=True)
            processes.append(subprocess.Popen(command, cwd=PROJECT_ROOT, env=shared))
        print(f"jishijiu: gateway on http://{host}:{port} (the bot answers once Rasa has loaded, ~30 s)", flush=True)
        while not stopping:
            for name, process in zip(commands, processes):
                if process.poll() is not None:
                    print(f"jishijiu: {name} exited with {process.returncode}; stopping the others", flush=True)
                    return process.returncode or 1
            time.sleep(0.5)
        return 0
    finally:
        _stop(processes)
