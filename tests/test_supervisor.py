"""`jishijiu run`: the model fingerprint, pruning and the train-or-reuse decision (on real files, with a stand-in
`rasa` executable that writes a model file), and what Rasa is handed (checked with Rasa's own endpoint reader)."""
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jishijiu.settings import PROJECT_ROOT, Settings
from jishijiu.supervisor import (LoggedProcess, RasaPaths, SupervisorError, changed_inputs, ensure_model,
                                 fingerprint, fingerprint_manifest, log_tail, manifest_path, model_path, port_in_use,
                                 prune_models, rasa_cache_dir, rasa_environment, training_stage)

READ_ENDPOINTS = """
import json
from rasa.utils.endpoints import read_endpoint_config
action = read_endpoint_config("bot/endpoints.yml", "action_endpoint")
tracker = read_endpoint_config("bot/endpoints.yml", "tracker_store")
lock = read_endpoint_config("bot/endpoints.yml", "lock_store")
from rasa.core.run import create_http_input_channels
channels = create_http_input_channels(None, "bot/credentials.yml")
print(json.dumps({"channels": [(c.name(), c._token.decode()) for c in channels],
                  "action_url": action.url, "action_headers": action.headers, "tracker_type": tracker.type,
                  "tracker": {k: str(v) for k, v in tracker.kwargs.items()} | {"url": tracker.url},
                  "lock": {k: str(v) for k, v in lock.kwargs.items()} | {"url": lock.url}}))
"""

# Stands in for `rasa train`: records each call (with the cache directory it was given) and writes the model where
# `--out` and `--fixed-model-name` say, or fails when a file named `fail` is next to it.
FAKE_RASA = """#!/bin/sh
here=$(dirname "$0")
echo "train $RASA_CACHE_DIRECTORY" >> "$here/calls"
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift ;;
    --fixed-model-name) name=$2; shift ;;
  esac
  shift
done
echo "2026-12-01 10:00:00 INFO rasa.engine.training.hooks - Starting to train component 'DIETClassifier'."
printf 'Epochs:  10%%|#         | 4/40 [00:02<00:20]\\rEpochs:  12%%|#         | 5/40 [00:03<00:20]\\n'
if [ -f "$here/fail" ]; then echo "InvalidDomain: the domain is broken" >&2; exit 1; fi
sleep "${FAKE_RASA_SECONDS:-0}"
mkdir -p "$out" && echo "model" > "$out/$name.tar.gz"
"""


def project(root: Path) -> RasaPaths:
    """A bot with every kind of training input, and a Rasa venv holding the stand-in executable."""
    files = {
        "config.yml": "language: zh\npipeline: []\n",
        "bot/domain.yml": "version: '3.1'\nintents: [greet]\n",
        "bot/data/rules.yml": "rules: []\n",
        "bot/data/nlu/basics.yml": "nlu:\n- intent: greet\n  examples: |\n    - 你好\n",
        "nlu/jieba_dict/userdict.txt": "一码求助 10 n\n",
        ".venv-rasa/lib/python3.10/site-packages/rasa-3.6.21.dist-info/METADATA": "Name: rasa\n",
        ".venv-rasa/bin/rasa": FAKE_RASA,
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    (root / ".venv-rasa/bin/rasa").chmod(0o755)
    return RasaPaths(root=root, venv=root / ".venv-rasa")


def calls(paths: RasaPaths) -> list[str]:
    log = paths.venv / "bin" / "calls"
    return log.read_text().splitlines() if log.exists() else []


def quiet(_: str) -> None:
    pass


# --- fingerprint --------------------------------------------------------------------------------------------------

def test_the_manifest_lists_every_input_with_its_hash_and_the_rasa_version(tmp_path: Path) -> None:
    manifest = fingerprint_manifest(project(tmp_path))
    assert sorted(manifest) == ["bot/data/nlu/basics.yml", "bot/data/rules.yml", "bot/domain.yml", "config.yml",
                                "nlu/jieba_dict/userdict.txt", "rasa"]
    assert manifest["rasa"] == "3.6.21"
    assert len(manifest["config.yml"]) == 64
    assert fingerprint(manifest) == fingerprint(fingerprint_manifest(project(tmp_path)))   # stable


@pytest.mark.parametrize("edit", [
    "config.yml",
    "bot/domain.yml",
    "bot/data/nlu/basics.yml",
    "bot/data/rules.yml",
    "nlu/jieba_dict/userdict.txt",
])
def test_editing_any_input_changes_the_fingerprint_and_is_named(tmp_path: Path, edit: str) -> None:
    paths = project(tmp_path)
    before = fingerprint_manifest(paths)
    with (tmp_path / edit).open("a", encoding="utf-8") as handle:
        handle.write("# 改\n")
    after = fingerprint_manifest(paths)
    assert fingerprint(after) != fingerprint(before)
    assert changed_inputs(before, after) == [edit]


@pytest.mark.parametrize("new_file", [
    "bot/data/stories.yml",
    "bot/data/nlu/deeper/more.yaml",
    "bot/data/.hidden.yml",            # Rasa reads hidden training files too
    "bot/data/lookup.json",
    "nlu/jieba_dict/extra.txt",
])
def test_a_new_file_rasa_reads_changes_the_fingerprint(tmp_path: Path, new_file: str) -> None:
    paths = project(tmp_path)
    before = fingerprint_manifest(paths)
    (tmp_path / new_file).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / new_file).write_text("nlu: []\n", encoding="utf-8")
    after = fingerprint_manifest(paths)
    assert changed_inputs(before, after) == [new_file]


@pytest.mark.parametrize("other_file", [
    "bot/data/README.md",
    "bot/data/.rules.yml.swp",
    "nlu/jieba_dict/.userdict.txt.swp",      # JiebaTokenizer loads glob(dir/*): no hidden files
    "bot/tests/nlu_test.yml",
    "bot/endpoints.yml",
    "var/logs/rasa.log",
    "models/jishijiu-0123456789abcdef.tar.gz",
])
def test_files_rasa_does_not_train_on_leave_the_fingerprint_alone(tmp_path: Path, other_file: str) -> None:
    paths = project(tmp_path)
    before = fingerprint(fingerprint_manifest(paths))
    (tmp_path / other_file).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / other_file).write_text("x\n", encoding="utf-8")
    assert fingerprint(fingerprint_manifest(paths)) == before


def test_another_rasa_version_changes_the_fingerprint(tmp_path: Path) -> None:
    paths = project(tmp_path)
    before = fingerprint_manifest(paths)
    site = paths.venv / "lib/python3.10/site-packages"
    (site / "rasa-3.6.21.dist-info").rename(site / "rasa-3.6.22.dist-info")
    assert changed_inputs(before, fingerprint_manifest(paths)) == ["rasa"]


def test_the_rasa_cache_directory_follows_the_jieba_dictionary_only(tmp_path: Path) -> None:
    paths = project(tmp_path)
    first = rasa_cache_dir(paths, fingerprint_manifest(paths))
    (tmp_path / "bot/data/rules.yml").write_text("rules: [] # edited\n", encoding="utf-8")
    assert rasa_cache_dir(paths, fingerprint_manifest(paths)) == first
    (tmp_path / "nlu/jieba_dict/userdict.txt").write_text("低保边缘 10 n\n", encoding="utf-8")
    second = rasa_cache_dir(paths, fingerprint_manifest(paths))
    assert second != first and second.parent == tmp_path / ".rasa"


def test_a_missing_domain_is_named(tmp_path: Path) -> None:
    paths = project(tmp_path)
    (tmp_path / "bot/domain.yml").unlink()
    with pytest.raises(SupervisorError, match="domain.yml"):
        fingerprint_manifest(paths)


# --- pruning ------------------------------------------------------------------------------------------------------

def make_models(models: Path, names: list[str]) -> list[Path]:
    """Model files (with manifests) whose modification times follow the list's order: the last is the newest."""
    models.mkdir(parents=True, exist_ok=True)
    made = []
    for age, name in enumerate(reversed(names)):
        model = models / name
        model.write_text("model")
        manifest_path(model).write_text("{}")
        os.utime(model, (time.time() - 100 * (age + 1),) * 2)
        made.append(model)
    return list(reversed(made))


def test_pruning_keeps_the_newest_three_and_their_manifests(tmp_path: Path) -> None:
    names = [f"jishijiu-{i:016x}.tar.gz" for i in range(5)] + ["20261130-101010-brisk-fog.tar.gz"]
    made = make_models(tmp_path, names)
    (tmp_path / "notes.txt").write_text("not a model")
    removed = prune_models(tmp_path, keep=3)
    assert sorted(removed) == made[:3]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [m.name for m in made[3:]] + [manifest_path(m).name for m in made[3:]] + ["notes.txt"])


def test_pruning_never_removes_the_model_in_use(tmp_path: Path) -> None:
    made = make_models(tmp_path, [f"jishijiu-{i:016x}.tar.gz" for i in range(4)])
    removed = prune_models(tmp_path, keep=2, protect=made[0])
    assert sorted(removed) == made[1:3]
    assert made[0].exists() and made[3].exists()


def test_pruning_an_empty_or_missing_directory_is_harmless(tmp_path: Path) -> None:
    assert prune_models(tmp_path / "models") == []
    assert prune_models(tmp_path) == []


# --- train or reuse -----------------------------------------------------------------------------------------------

def test_trains_once_then_reuses_the_model_without_starting_rasa(tmp_path: Path) -> None:
    paths = project(tmp_path)
    models, logs = tmp_path / "models", tmp_path / "var/logs"
    lines: list[str] = []
    first = ensure_model(paths, models, logs, say_=lines.append)
    assert first == model_path(models, fingerprint(fingerprint_manifest(paths)))
    assert first.read_text() == "model\n"
    assert json.loads(manifest_path(first).read_text()) == fingerprint_manifest(paths)
    assert len(calls(paths)) == 1
    assert any("training the bot model (no model for it yet)" in line and str(logs) in line for line in lines)
    assert "Starting to train component 'DIETClassifier'" in (logs / "rasa-train.log").read_text()
    assert not list(models.glob(".training-*"))

    lines.clear()
    assert ensure_model(paths, models, logs, say_=lines.append) == first
    assert len(calls(paths)) == 1                                  # rasa was not started at all
    assert lines == [f"bot model up to date: {first.relative_to(tmp_path)}"]


def test_an_edit_trains_a_new_model_and_names_what_changed(tmp_path: Path) -> None:
    paths = project(tmp_path)
    models = tmp_path / "models"
    first = ensure_model(paths, models, say_=quiet)
    (tmp_path / "bot/data/nlu/basics.yml").write_text("nlu:\n- intent: greet\n  examples: |\n    - 您好\n")
    lines: list[str] = []
    second = ensure_model(paths, models, say_=lines.append)
    assert second != first and second.exists() and first.exists()
    assert any("changed: bot/data/nlu/basics.yml" in line for line in lines)
    assert len(calls(paths)) == 2


def test_going_back_to_earlier_inputs_reuses_the_earlier_model(tmp_path: Path) -> None:
    paths = project(tmp_path)
    models = tmp_path / "models"
    rules = tmp_path / "bot/data/rules.yml"
    original = rules.read_text()
    first = ensure_model(paths, models, say_=quiet)
    rules.write_text("rules: [] # tried something\n")
    ensure_model(paths, models, say_=quiet)
    rules.write_text(original)
    assert ensure_model(paths, models, say_=quiet) == first
    assert len(calls(paths)) == 2


def test_only_the_newest_three_models_are_kept(tmp_path: Path) -> None:
    paths = project(tmp_path)
    models = tmp_path / "models"
    trained = []
    for i in range(5):
        (tmp_path / "bot/data/rules.yml").write_text(f"rules: [] # {i}\n")
        trained.append(ensure_model(paths, models, say_=quiet))
        os.utime(trained[-1], (time.time() - 100 * (5 - i),) * 2)   # distinct times, oldest first
    ensure_model(paths, models, say_=quiet)                          # reuse: the current one counts as newest
    assert sorted(models.glob("*.tar.gz")) == sorted(trained[2:])
    assert sorted(models.glob("*.json")) == sorted(manifest_path(m) for m in trained[2:])


def test_a_jieba_edit_trains_with_a_fresh_rasa_cache(tmp_path: Path) -> None:
    paths = project(tmp_path)
    models = tmp_path / "models"
    ensure_model(paths, models, say_=quiet)
    first_cache = Path(calls(paths)[0].split(" ", 1)[1])
    first_cache.mkdir(parents=True)
    (tmp_path / "nlu/jieba_dict/userdict.txt").write_text("低保边缘 10 n\n", encoding="utf-8")
    ensure_model(paths, models, say_=quiet)
    second_cache = Path(calls(paths)[1].split(" ", 1)[1])
    assert second_cache != first_cache and second_cache.parent == tmp_path / ".rasa"
    assert not first_cache.exists()                                 # the stale cache is gone


def test_a_failed_training_shows_the_end_of_the_log_and_leaves_no_model(tmp_path: Path) -> None:
    paths = project(tmp_path)
    models = tmp_path / "models"
    (paths.venv / "bin" / "fail").write_text("")
    with pytest.raises(SupervisorError) as failure:
        ensure_model(paths, models, tmp_path / "logs", say_=quiet)
    assert "InvalidDomain: the domain is broken" in str(failure.value)
    assert "rasa-train.log" in str(failure.value)
    assert not list(models.glob("*.tar.gz")) and not list(models.glob(".training-*"))


def test_progress_lines_while_training(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = project(tmp_path)
    monkeypatch.setenv("FAKE_RASA_SECONDS", "1.5")
    lines: list[str] = []
    ensure_model(paths, tmp_path / "models", say_=lines.append, every=0.4)
    progress = [line for line in lines if line.startswith("  training… ")]
    assert len(progress) >= 2
    assert progress[-1].endswith("s (DIETClassifier, epoch 5/40)")


def test_waits_for_a_training_already_under_way(tmp_path: Path) -> None:
    paths = project(tmp_path)
    models = tmp_path / "models"
    models.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, sys, time\n"
        f"f = open({str(models / '.train.lock')!r}, 'a+'); fcntl.flock(f, fcntl.LOCK_EX)\n"
        "f.write('pid 4242'); f.flush(); print('locked', flush=True); time.sleep(1.5)\n")],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    lines: list[str] = []
    started = time.monotonic()
    ensure_model(paths, models, say_=lines.append)
    holder.wait(timeout=10)
    assert time.monotonic() - started > 0.5
    assert lines[0] == "waiting for another training to finish (pid 4242)…"


def test_without_rasa_installed_it_says_how_to_install(tmp_path: Path) -> None:
    paths = project(tmp_path)
    (paths.venv / "bin" / "rasa").unlink()
    with pytest.raises(SupervisorError, match="make run"):
        ensure_model(paths, tmp_path / "models", say_=quiet)


def test_log_tail_and_stage_read_progress_bars(tmp_path: Path) -> None:
    log = tmp_path / "rasa-train.log"
    log.write_bytes(b"Starting to train component 'DIETClassifier'.\n"
                    b"Epochs:   1%|          | 1/40 [00:01<00:40]\rEpochs:   5%|5         | 2/40 [00:02<00:40]\n"
                    b"Starting to train component 'TEDPolicy'.\n")
    assert training_stage(log) == "TEDPolicy"
    assert log_tail(log, 2).splitlines() == ["Epochs:   5%|5         | 2/40 [00:02<00:40]",
                                             "Starting to train component 'TEDPolicy'."]
    assert training_stage(tmp_path / "missing.log") == ""


# --- running: what reaches the terminal ----------------------------------------------------------------------

NOISY_CHILD = """
print("2026-12-01 10:00:00 INFO     rasa.server  - Starting Rasa server", flush=True)
for second in (1, 2):
    print(f"2026-12-01 10:00:0{second} ERROR    rasa.server  - No agent loaded.", flush=True)
print("/x/rasa/shared/utils/io.py:100: UserWarning: The utterance 'utter_greet' is not used", flush=True)
print("2026-12-01 10:00:03 WARNING jishijiu.gateway Redis is down", flush=True)
raise ValueError("bad model")
"""


@pytest.mark.parametrize("echo_warnings", [False, True])
def test_a_child_writes_everything_to_its_log_and_only_errors_to_the_terminal(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], echo_warnings: bool) -> None:
    child = LoggedProcess("rasa", [sys.executable, "-c", NOISY_CHILD], tmp_path / "rasa.log", dict(os.environ),
                          echo_warnings=echo_warnings)
    child.process.wait(timeout=60)
    child.finish()
    shown = capsys.readouterr().out.splitlines()
    assert shown[0] == "rasa | 2026-12-01 10:00:01 ERROR    rasa.server  - No agent loaded."
    assert sum("No agent loaded" in line for line in shown) == 1               # the same error again: once
    assert ("rasa | 2026-12-01 10:00:03 WARNING jishijiu.gateway Redis is down" in shown) == echo_warnings
    assert "rasa | Traceback (most recent call last):" in shown
    assert shown[-1] == "rasa | ValueError: bad model"                        # the whole traceback
    assert not any("UserWarning" in line or "Starting Rasa" in line for line in shown)
    log = (tmp_path / "rasa.log").read_text()
    assert "Starting Rasa server" in log and "UserWarning" in log and log.count("No agent loaded") == 2


def test_a_port_in_use_is_noticed_before_starting() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert port_in_use("127.0.0.1", taken.getsockname()[1])


# --- what Rasa is handed ------------------------------------------------------------------------------------------

def test_rasa_reads_the_gateway_port_token_and_redis_from_the_supervisor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JISHIJIU_SECRET_KEY", "must-not-reach-rasa")
    monkeypatch.setenv("DATABASE_URL", "postgresql://must-not-reach-rasa/x")
    env = rasa_environment(Settings(redis_url="redis://127.0.0.1:6380/3"), 8123, "token-token-token-token",
                           "rasa-token-rasa-token-rasa")
    assert "JISHIJIU_SECRET_KEY" not in env and "DATABASE_URL" not in env and env["PATH"]
    assert env["JISHIJIU_RASA_TOKEN"] == "rasa-token-rasa-token-rasa"
    result = subprocess.run([str(RasaPaths().executable.with_name("python")), "-c", READ_ENDPOINTS],
                            cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout.strip().splitlines()[-1])
    assert config["channels"] == [["gateway", "rasa-token-rasa-token-rasa"]]     # the open "rest" channel is gone
    assert config["action_url"] == "http://127.0.0.1:8123/internal/actions/webhook"
    assert config["action_headers"] == {"X-Jishijiu-Action-Token": "token-token-token-token"}
    assert config["tracker_type"] == "redis"
    assert config["tracker"]["url"] == "127.0.0.1" and config["tracker"]["port"] == "6380"
    assert config["tracker"]["db"] == "3" and config["lock"]["db"] == "3"


def test_rasa_listens_on_loopback_only_and_its_api_needs_the_token() -> None:
    command = RasaPaths().run_command(5005, PROJECT_ROOT / "models" / "jishijiu-0123456789abcdef.tar.gz",
                                      "rasa-token-rasa-token-rasa")
    assert command[command.index("--interface") + 1] == "127.0.0.1"
    assert command[command.index("--auth-token") + 1] == "rasa-token-rasa-token-rasa"
    assert command[command.index("--model") + 1].endswith("jishijiu-0123456789abcdef.tar.gz")


def test_a_childs_restart_waits_longer_each_time_up_to_half_a_minute() -> None:
    from jishijiu.supervisor import LONGEST_RESTART_DELAY, restart_delay

    assert [restart_delay(n) for n in (1, 2, 3, 4, 5, 9)] == [1, 2, 4, 8, 16, LONGEST_RESTART_DELAY]


def test_children_die_with_their_supervisor_even_by_kill_9(tmp_path: Path) -> None:
    """Issue 10: no orphans when `jishijiu run` is killed."""
    import os
    import subprocess
    import sys
    import time

    script = (f"import os, time\nfrom pathlib import Path\nfrom jishijiu.supervisor import LoggedProcess\n"
              f"p = LoggedProcess('sleeper', ['sleep', '120'], Path({str(tmp_path / 's.log')!r}), dict(os.environ), "
              f"False)\nprint(p.process.pid, flush=True)\ntime.sleep(120)\n")
    supervisor = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    child = int(supervisor.stdout.readline())
    os.kill(child, 0)                                       # running
    supervisor.kill()
    supervisor.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{child}/stat").read_text().split()[2]
        except FileNotFoundError:
            break
        if state == "Z":                                    # dead, waiting for its new parent to reap it
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the child outlived its supervisor")
