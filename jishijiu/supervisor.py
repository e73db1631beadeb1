"""`jishijiu run`: makes sure a bot model for the current bot/ data exists (training only when it does not), then
starts Rasa, the worker and the gateway together, and stops them together (Ctrl-C, SIGTERM, or any one exiting).

Whether to train is decided here, not by Rasa: the model's name carries a fingerprint of every file Rasa reads to
build it (config.yml, bot/domain.yml, the training files under bot/data, the jieba user dictionary) and of the Rasa
version. Same fingerprint → the model in models/ is used as it is, without starting `rasa train` at all.
Rasa's own check is its training cache (.rasa/cache): it always writes a new model, evicts entries once the cache
passes 1,000 MB, and does not see the jieba dictionary's contents (docs/benchmarks.md, "Training and start-up time").
"""
from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import httpx

from jishijiu.bootstrap import rasa_token as shared_rasa_token
from jishijiu.settings import PROJECT_ROOT, Settings

RASA_VENV = PROJECT_ROOT / ".venv-rasa"
MODELS_DIR = PROJECT_ROOT / "models"
MODEL_PREFIX = "jishijiu-"
MODEL_SUFFIX = ".tar.gz"
KEEP_MODELS = 3
PROGRESS_EVERY = 15.0            # seconds between "still training" / "still loading" lines
TRAINING_DATA_SUFFIXES = frozenset({".yml", ".yaml", ".json"})   # what Rasa reads from --data (rasa.shared.data)
RESTART_WINDOW = 120.0           # seconds in which a child's exits are counted
MAX_RESTARTS = 5                 # more exits than this within the window: something is broken, stop everything
LONGEST_RESTART_DELAY = 30.0
QUIET_ENV = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONWARNINGS": "ignore"}

Say = Callable[[str], None]


def say(message: str) -> None:
    print(f"jishijiu: {message}", flush=True)


class SupervisorError(RuntimeError):
    """Something the operator must fix before the service can start; the message says what."""


@dataclass(frozen=True)
class RasaPaths:
    root: Path = PROJECT_ROOT
    venv: Path = RASA_VENV

    @property
    def executable(self) -> Path:
        return self.venv / "bin" / "rasa"

    @property
    def config(self) -> Path:
        return self.root / "config.yml"

    @property
    def domain(self) -> Path:
        return self.root / "bot" / "domain.yml"

    @property
    def data(self) -> Path:
        return self.root / "bot" / "data"

    @property
    def jieba_dict(self) -> Path:
        return self.root / "nlu" / "jieba_dict"

    def rasa_version(self) -> str:
        """From the installed distribution's metadata directory: no need to start Python (let alone Rasa)."""
        found = sorted(self.venv.glob("lib/python*/site-packages/rasa-*.dist-info"))
        return found[-1].name.removeprefix("rasa-").removesuffix(".dist-info") if found else "not installed"

    def train_command(self, out: Path, model_name: str) -> list[str]:
        return [str(self.executable), "train", "--config", str(self.config), "--domain", str(self.domain),
                "--data", str(self.data), "--out", str(out), "--fixed-model-name", model_name]

    def run_command(self, port: int, model: Path, token: str) -> list[str]:
        """Rasa on loopback; its HTTP API only with `token` (?token=…), its one channel only with the same token."""
        return [str(self.executable), "run", "--enable-api", "--auth-token", token, "--interface", "127.0.0.1",
                "--port", str(port), "--model", str(model), "--endpoints", str(self.root / "bot" / "endpoints.yml"),
                "--credentials", str(self.root / "bot" / "credentials.yml")]


# What Rasa inherits of this process's environment: what a Python program needs to run, nothing of ours (not the
# secret key, not the database's address).
_RASA_INHERITS = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ")


def rasa_environment(settings: Settings, gateway_port: int, action_token: str, rasa_token: str) -> dict[str, str]:
    """Rasa's whole environment: bot/endpoints.yml's and bot/credentials.yml's variables, and no more."""
    redis = urlparse(settings.redis_url)
    db = (redis.path or "/0").lstrip("/") or "0"
    return {
        **{k: os.environ[k] for k in _RASA_INHERITS if k in os.environ},
        "PYTHONPATH": str(PROJECT_ROOT),             # bot/gateway_channel.py
        "JISHIJIU_RASA_TOKEN": rasa_token,
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "JISHIJIU_GATEWAY_PORT": str(gateway_port),
        "JISHIJIU_ACTION_TOKEN": action_token,
        "JISHIJIU_RASA_REDIS_HOST": redis.hostname or "127.0.0.1",
        "JISHIJIU_RASA_REDIS_PORT": str(redis.port or 6379),
        "JISHIJIU_RASA_TRACKER_DB": db,
        "JISHIJIU_RASA_LOCK_DB": db,
    }


# --- what the model is built from ------------------------------------------------------------------------------

def training_inputs(paths: RasaPaths) -> list[Path]:
    """Every file `rasa train` reads for our model, selected by Rasa's own rules: the config, the domain, every
    .yml/.yaml/.json under bot/data (recursively, hidden files included, symlinks followed), and every non-hidden
    file directly in the jieba dictionary directory (JiebaTokenizer loads `glob(dir/*)`)."""
    files = [paths.config, paths.domain]
    data: list[Path] = []
    for folder, _dirs, names in os.walk(paths.data, followlinks=True):
        data += [Path(folder, n) for n in names if Path(n).suffix in TRAINING_DATA_SUFFIXES]
    files += sorted(p for p in data if p.is_file())
    if paths.jieba_dict.is_dir():
        files += sorted(p for p in paths.jieba_dict.iterdir() if p.is_file() and not p.name.startswith("."))
    return files


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fingerprint_manifest(paths: RasaPaths) -> dict[str, str]:
    """Relative path → sha256 of each training input, plus the Rasa version under the key `rasa`."""
    missing = [p for p in (paths.config, paths.domain, paths.data) if not p.exists()]
    if missing:
        raise SupervisorError("cannot train the bot: missing " + ", ".join(str(p) for p in missing))
    manifest = {p.relative_to(paths.root).as_posix(): _sha256(p) for p in training_inputs(paths)}
    manifest["rasa"] = paths.rasa_version()
    return manifest


def fingerprint(manifest: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()[:16]


def model_path(models_dir: Path, print_: str) -> Path:
    return models_dir / f"{MODEL_PREFIX}{print_}{MODEL_SUFFIX}"


def manifest_path(model: Path) -> Path:
    return model.with_name(model.name.removesuffix(MODEL_SUFFIX) + ".json")


def changed_inputs(old: dict[str, str] | None, new: dict[str, str]) -> list[str]:
    """Which inputs differ (added, removed or edited), for the "training because …" line."""
    if old is None:
        return []
    return sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))


def models_newest_first(models_dir: Path) -> list[Path]:
    if not models_dir.is_dir():
        return []
    found = [p for p in models_dir.glob("*" + MODEL_SUFFIX) if p.is_file()]
    return sorted(found, key=lambda p: (p.stat().st_mtime, p.name), reverse=True)


def _read_manifest(model: Path) -> dict[str, str] | None:
    try:
        data = json.loads(manifest_path(model).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def newest_manifest(models_dir: Path) -> dict[str, str] | None:
    for model in models_newest_first(models_dir):
        manifest = _read_manifest(model)
        if manifest is not None:
            return manifest
    return None


def prune_models(models_dir: Path, keep: int = KEEP_MODELS, protect: Path | None = None) -> list[Path]:
    """Deletes all but the `keep` most recently trained or used models (with their manifests); never `protect`."""
    removed = []
    models = models_newest_first(models_dir)
    kept = [m for m in models if protect is not None and m == protect]
    for model in models:
        if model in kept:
            continue
        if len(kept) < keep:
            kept.append(model)
            continue
        model.unlink(missing_ok=True)
        manifest_path(model).unlink(missing_ok=True)
        removed.append(model)
    for stray in models_dir.glob(MODEL_PREFIX + "*.json") if models_dir.is_dir() else []:
        if not stray.with_name(stray.name.removesuffix(".json") + MODEL_SUFFIX).exists():
            stray.unlink(missing_ok=True)
    return removed


def rasa_cache_dir(paths: RasaPaths, manifest: dict[str, str]) -> Path:
    """Rasa's training cache keys a component by its config and inputs only: after an edit of the jieba dictionary
    alone it would restore the tokenizer (and everything after it) trained with the old dictionary. So the cache
    lives in a directory named after the dictionary's contents and the Rasa version."""
    jieba = {k: v for k, v in manifest.items() if k.startswith("nlu/jieba_dict/") or k == "rasa"}
    return paths.root / ".rasa" / ("cache-" + fingerprint(jieba)[:12])


# --- training -------------------------------------------------------------------------------------------------

@contextmanager
def training_lock(models_dir: Path, say_: Say = say) -> Iterator[None]:
    """One training at a time per models/ directory (`make run` and `make test` may start together)."""
    models_dir.mkdir(parents=True, exist_ok=True)
    with (models_dir / ".train.lock").open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            say_(f"waiting for another training to finish ({holder})…")
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


_COMPONENT = re.compile(r"Starting to train component '([^']+)'")
_EPOCH = re.compile(r"Epochs:\s+\d+%\|[^|]*\|\s*(\d+)/(\d+)")


def training_stage(log: Path) -> str:
    """What `rasa train` is doing, from the end of its log: "DIETClassifier, epoch 12/40" or ""."""
    try:
        with log.open("rb") as handle:
            handle.seek(max(0, log.stat().st_size - 16384))
            tail = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    components = _COMPONENT.findall(tail)
    if not components:
        return ""
    after = tail[tail.rfind(f"Starting to train component '{components[-1]}'"):]
    epochs = _EPOCH.findall(after)
    return components[-1] + (f", epoch {epochs[-1][0]}/{epochs[-1][1]}" if epochs else "")


def log_tail(log: Path, lines: int = 30) -> str:
    try:
        text = log.read_bytes()[-65536:].decode("utf-8", errors="replace")
    except OSError:
        return f"(no log at {log})"
    # progress bars rewrite one line with carriage returns: keep each line's last state
    cleaned = [line.rsplit("\r", 1)[-1] for line in text.splitlines()]
    return "\n".join(line for line in cleaned[-lines:])


def _train(paths: RasaPaths, models_dir: Path, target: Path, manifest: dict[str, str], log: Path,
           say_: Say, every: float) -> None:
    staging = models_dir / f".training-{target.name.removesuffix(MODEL_SUFFIX)}"
    shutil.rmtree(staging, ignore_errors=True)
    cache = rasa_cache_dir(paths, manifest)
    for other in cache.parent.glob("cache-*"):            # caches built with another jieba dictionary or Rasa
        if other != cache:
            shutil.rmtree(other, ignore_errors=True)
    env = {**os.environ, **QUIET_ENV, "RASA_CACHE_DIRECTORY": str(cache)}
    command = paths.train_command(staging, target.name.removesuffix(MODEL_SUFFIX))
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with log.open("wb") as out:
        out.write(("$ " + " ".join(command) + "\n").encode())
        out.flush()
        process = subprocess.Popen(command, cwd=paths.root, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
        try:
            while True:
                try:
                    code = process.wait(timeout=every)
                    break
                except subprocess.TimeoutExpired:
                    stage = training_stage(log)
                    say_(f"  training… {time.monotonic() - started:.0f} s" + (f" ({stage})" if stage else ""))
        except BaseException:
            process.terminate()
            process.wait()
            shutil.rmtree(staging, ignore_errors=True)
            raise
    trained = staging / target.name
    if code != 0 or not trained.is_file():
        shutil.rmtree(staging, ignore_errors=True)
        raise SupervisorError(f"rasa train failed (exit {code}); the end of {log}:\n{log_tail(log)}")
    os.replace(trained, target)
    manifest_path(target).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    shutil.rmtree(staging, ignore_errors=True)
    say_(f"trained {_shown(target, paths.root)} in {time.monotonic() - started:.0f} s")


def _shown(path: Path, root: Path) -> Path:
    return path.relative_to(root) if path.is_relative_to(root) else path


def ensure_model(paths: RasaPaths = RasaPaths(), models_dir: Path = MODELS_DIR, log_dir: Path | None = None,
                 say_: Say = say, keep: int = KEEP_MODELS, every: float = PROGRESS_EVERY) -> Path:
    """The model for the current training inputs: found by its fingerprint, or trained (once, under a lock).

    Returns its path. Prunes models/ to the `keep` most recently used models."""
    if not paths.executable.exists():
        raise SupervisorError(f"Rasa is not installed at {paths.venv}: run `make run` (it creates .venv-rasa)")
    manifest = fingerprint_manifest(paths)
    target = model_path(models_dir, fingerprint(manifest))
    if not target.is_file():
        with training_lock(models_dir, say_):
            if not target.is_file():                       # another process may have trained it meanwhile
                changed = changed_inputs(newest_manifest(models_dir), manifest)
                reason = "changed: " + ", ".join(changed[:4]) if changed else "no model for it yet"
                if len(changed) > 4:
                    reason += f" and {len(changed) - 4} more"
                log = (log_dir or paths.root / "var" / "logs") / "rasa-train.log"
                say_(f"training the bot model ({reason}); Rasa's output goes to {log}")
                _train(paths, models_dir, target, manifest, log, say_, every)
    else:
        say_(f"bot model up to date: {_shown(target, paths.root)}")
    os.utime(target)                                       # most recently used: pruned last
    for removed in prune_models(models_dir, keep, protect=target):
        say_(f"removed old model {removed.name}")
    return target


# --- running --------------------------------------------------------------------------------------------------

# What reaches the terminal from the children's logs: errors and tracebacks (and the gateway's and worker's own
# warnings); everything else stays in var/logs/<name>.log.
_ERRORS = re.compile(r"\b(ERROR|CRITICAL|FATAL)\b|^Traceback ")
_WARNINGS = re.compile(r"\bWARNING\b")
_TIMESTAMP = re.compile(r"^\[?\d{4}-\d\d-\d\d[ T][\d:,.]+( [+-]\d{4})?\]?\s*")


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when `jishijiu run` dies, even by kill -9 (Linux), so that nothing is
    left running without its supervisor."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)        # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def restart_delay(exits: int) -> float:
    """1 s after the first exit, then 2, 4 … at most LONGEST_RESTART_DELAY."""
    return min(2.0 ** max(exits - 1, 0), LONGEST_RESTART_DELAY)


class LoggedProcess:
    """A process whose output goes to its log file; error lines (and whole tracebacks) are also echoed."""

    def __init__(self, name: str, command: list[str], log: Path, env: dict[str, str], echo_warnings: bool) -> None:
        self.name, self.log = name, log
        self._echo_warnings = echo_warnings
        self.command, self.env = command, env
        self.process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        preexec_fn=_die_with_parent)
        self._pump = threading.Thread(target=self._copy, name=f"log-{name}", daemon=True)
        self._pump.start()

    def _copy(self) -> None:
        assert self.process.stdout is not None
        in_traceback, last = False, ""
        with self.log.open("wb") as out:
            for raw in iter(self.process.stdout.readline, b""):
                out.write(raw)
                out.flush()
                line = raw.decode("utf-8", errors="replace").rstrip()
                if line.startswith("Traceback "):
                    in_traceback = True
                echo = in_traceback or bool(_ERRORS.search(line)) or (
                    self._echo_warnings and bool(_WARNINGS.search(line)))
                if in_traceback and line and not line[0].isspace() and not line.startswith("Traceback "):
                    in_traceback = False                       # the exception line ends the traceback
                if echo:
                    same = _TIMESTAMP.sub("", line)
                    if same != last or in_traceback:           # the same error again: once is enough
                        print(f"{self.name} | {line}", flush=True)
                    last = same

    def finish(self) -> None:
        self._pump.join(timeout=5)

    def again(self) -> LoggedProcess:
        """The same command started anew (its log starts afresh; the old one is kept as <name>.log.1)."""
        if self.log.exists():
            self.log.replace(self.log.with_suffix(".log.1"))
        return LoggedProcess(self.name, self.command, self.log, self.env, self._echo_warnings)


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


def _answers(url: str, ready: Callable[[httpx.Response], bool]) -> bool:
    try:
        return ready(httpx.get(url, timeout=2))
    except (httpx.HTTPError, ValueError):
        return False


def _rasa_ready(response: httpx.Response, model: Path) -> bool:
    if response.status_code == 409:
        # Rasa answers, but without a model: it logs nothing when a model file cannot be loaded.
        raise SupervisorError(f"Rasa started without a model: it could not load {model} (delete that file and run "
                              "again to retrain)")
    return response.status_code == 200 and bool(response.json().get("model_file"))


def port_in_use(host: str, port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def run_all(settings: Settings, host: str, port: int, rasa_port: int = 5005, train: bool = True) -> int:
    started = time.monotonic()
    paths = RasaPaths()
    for what, where, number in (("the gateway", host, port), ("Rasa", "127.0.0.1", rasa_port)):
        if port_in_use(where, number):
            raise SupervisorError(f"port {number} for {what} is in use (another `make run`?): stop it, or choose "
                                  f"another with `make run PORT=… RASA_PORT=…`")
    log_dir = settings.data_dir / "logs"
    if train:
        say("checking the bot model…")

        def _interrupt(signum: int, _frame: object) -> None:
            raise KeyboardInterrupt                       # stops `rasa train` too (see _train), also on SIGTERM

        signal.signal(signal.SIGINT, _interrupt)
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            model = ensure_model(paths, MODELS_DIR, log_dir)
        except KeyboardInterrupt:
            say("interrupted: no model was written")
            return 130
    else:
        newest = models_newest_first(MODELS_DIR)
        if not newest:
            raise SupervisorError(f"--no-train: no model in {MODELS_DIR}")
        model = newest[0]
    token = settings.action_token or secrets.token_urlsafe(24)
    rasa_token = shared_rasa_token(settings)
    env = {**os.environ, "JISHIJIU_ACTION_TOKEN": token, "JISHIJIU_RASA_TOKEN": rasa_token,
           "RASA_URL": f"http://127.0.0.1:{rasa_port}", "PYTHONUNBUFFERED": "1"}
    jishijiu = [sys.executable, "-m", "jishijiu.cli"]
    commands = {
        "rasa": (paths.run_command(rasa_port, model, rasa_token),
                 {**rasa_environment(settings, port, token, rasa_token), **QUIET_ENV, "PYTHONUNBUFFERED": "1"}),
        "worker": ([*jishijiu, "worker"], env),
        "gateway": ([*jishijiu, "serve", "--host", host, "--port", str(port)], env),
    }
    stopping = False

    def _on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    pending = {"gateway": (f"http://{local}:{port}/healthz", lambda r: r.status_code == 200),
               "Rasa": (f"http://127.0.0.1:{rasa_port}/status?token={rasa_token}", lambda r: _rasa_ready(r, model))}
    log_dir.mkdir(parents=True, exist_ok=True)
    children: list[LoggedProcess] = []
    try:
        say(f"starting Rasa, the worker and the gateway (their output: {log_dir}/rasa.log, worker.log, gateway.log)")
        for name, (command, child_env) in commands.items():
            children.append(LoggedProcess(name, command, log_dir / f"{name}.log", child_env,
                                          echo_warnings=name != "rasa"))
        next_note = time.monotonic() + PROGRESS_EVERY
        exits: dict[str, list[float]] = {}
        restart_at: dict[int, float] = {}             # child index → when to start it again
        while not stopping:
            now = time.monotonic()
            for i, child in enumerate(children):
                if i in restart_at:
                    if now >= restart_at[i]:
                        del restart_at[i]
                        children[i] = child.again()
                        say(f"{child.name} started again")
                    continue
                if child.process.poll() is None:
                    continue
                child.finish()
                recent = [t for t in exits.get(child.name, []) if now - t < RESTART_WINDOW] + [now]
                exits[child.name] = recent
                if len(recent) > MAX_RESTARTS:
                    say(f"{child.name} exited {len(recent)} times in {RESTART_WINDOW:.0f} s; stopping the others. "
                        f"The end of {child.log}:\n{log_tail(child.log)}")
                    return child.process.returncode or 1
                delay = restart_delay(len(recent))
                say(f"{child.name} exited with {child.process.returncode}; starting it again in {delay:.0f} s "
                    f"(the others go on). The end of {child.log}:\n{log_tail(child.log)}")
                restart_at[i] = now + delay
            if pending:
                for name in [n for n, (url, ready) in pending.items() if _answers(url, ready)]:
                    del pending[name]
                if not pending:
                    say(f"ready in {time.monotonic() - started:.0f} s — web chat: http://{host}:{port}/chat, "
                        f"staff console: http://{host}:{port}/console (first admin: .venv/bin/jishijiu users add "
                        f"admin --role admin), API docs: http://{host}:{port}/docs (Ctrl-C stops)")
                elif time.monotonic() >= next_note:
                    say(f"  waiting for {' and '.join(pending)} to answer… {time.monotonic() - started:.0f} s")
                    next_note = time.monotonic() + PROGRESS_EVERY
            time.sleep(0.5)
        say("stopping…")
        return 0
    finally:
        _stop([c.process for c in children])
        for child in children:
            child.finish()
