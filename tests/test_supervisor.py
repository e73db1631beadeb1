"""`jishijiu run` hands Rasa exactly what bot/endpoints.yml reads: checked with Rasa's own endpoint reader."""
import json
import os
import subprocess

from jishijiu.settings import PROJECT_ROOT, Settings
from jishijiu.supervisor import RasaPaths, rasa_environment

READ_ENDPOINTS = """
import json
from rasa.utils.endpoints import read_endpoint_config
action = read_endpoint_config("bot/endpoints.yml", "action_endpoint")
tracker = read_endpoint_config("bot/endpoints.yml", "tracker_store")
lock = read_endpoint_config("bot/endpoints.yml", "lock_store")
print(json.dumps({"action_url": action.url, "action_headers": action.headers, "tracker_type": tracker.type,
                  "tracker": {k: str(v) for k, v in tracker.kwargs.items()} | {"url": tracker.url},
                  "lock": {k: str(v) for k, v in lock.kwargs.items()} | {"url": lock.url}}))
"""


def test_rasa_reads_the_gateway_port_token_and_redis_from_the_supervisor() -> None:
    env = rasa_environment(Settings(redis_url="redis://127.0.0.1:6380/3"), 8123, "token-token-token-token")
    result = subprocess.run([str(RasaPaths().executable.with_name("python")), "-c", READ_ENDPOINTS],
                            cwd=PROJECT_ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout.strip().splitlines()[-1])
    assert config["action_url"] == "http://127.0.0.1:8123/internal/actions/webhook"
    assert config["action_headers"] == {"X-Jishijiu-Action-Token": "token-token-token-token"}
    assert config["tracker_type"] == "redis"
    assert config["tracker"]["url"] == "127.0.0.1" and config["tracker"]["port"] == "6380"
    assert config["tracker"]["db"] == "3" and config["lock"]["db"] == "3"


def test_rasa_listens_on_loopback_only() -> None:
    command = RasaPaths().run_command(5005)
    assert command[command.index("--interface") + 1] == "127.0.0.1"
