"""Settings from environment variables, validated once at start-up."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A malformed setting; the message names the variable."""

    def __init__(self, name: str, value: str, reason: str) -> None:
        self.name = name
        super().__init__(f"setting {name}={value!r} is invalid: {reason}")


@dataclass(frozen=True)
class Settings:
    data_dir: Path = PROJECT_ROOT / "var"
    database_url: str = ""                    # empty → SQLite file in data_dir
    redis_url: str = "redis://127.0.0.1:6379/0"
    kb_dir: Path = PROJECT_ROOT / "policies_kb" / "entries"
    qa_threshold: float = 0.42
    log_level: str = "INFO"
    rasa_url: str = "http://127.0.0.1:5005"
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'jishijiu.db'}"


_LOG_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR"}


def _url(name: str, value: str, schemes: set[str]) -> str:
    parsed = urlparse(value)
    scheme = parsed.scheme.split("+", 1)[0]
    if scheme not in schemes:
        raise SettingsError(name, value, f"expected a URL starting with one of {sorted(schemes)}")
    if scheme != "sqlite" and not parsed.hostname:
        raise SettingsError(name, value, "the URL has no host")
    return value


def _float(name: str, value: str, lo: float, hi: float) -> float:
    try:
        number = float(value)
    except ValueError:
        raise SettingsError(name, value, "expected a number") from None
    if not lo <= number <= hi:
        raise SettingsError(name, value, f"expected a number between {lo} and {hi}")
    return number


def _directory(name: str, value: str) -> Path:
    path = Path(value).expanduser()
    if path.exists() and not path.is_dir():
        raise SettingsError(name, value, "exists and is not a directory")
    return path


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read JISHIJIU_* and the conventional DATABASE_URL / REDIS_URL; raise SettingsError on bad input."""
    env = os.environ if environ is None else environ
    defaults = Settings()
    kwargs: dict[str, object] = {}
    if v := env.get("JISHIJIU_DATA_DIR"):
        kwargs["data_dir"] = _directory("JISHIJIU_DATA_DIR", v)
    if v := env.get("DATABASE_URL"):
        kwargs["database_url"] = _url("DATABASE_URL", v, {"sqlite", "postgresql", "postgres"})
    if v := env.get("REDIS_URL"):
        kwargs["redis_url"] = _url("REDIS_URL", v, {"redis", "rediss", "unix"})
    if v := env.get("JISHIJIU_KB_DIR"):
        path = _directory("JISHIJIU_KB_DIR", v)
        if not path.is_dir():
            raise SettingsError("JISHIJIU_KB_DIR", v, "no such directory")
        kwargs["kb_dir"] = path
    if v := env.get("JISHIJIU_QA_THRESHOLD"):
        kwargs["qa_threshold"] = _float("JISHIJIU_QA_THRESHOLD", v, 0.0, 1.0)
    if v := env.get("JISHIJIU_LOG_LEVEL"):
        if v.upper() not in _LOG_LEVELS:
            raise SettingsError("JISHIJIU_LOG_LEVEL", v, f"expected one of {sorted(_LOG_LEVELS)}")
        kwargs["log_level"] = v.upper()
    if v := env.get("RASA_URL"):
        kwargs["rasa_url"] = _url("RASA_URL", v, {"http", "https"})
    return Settings(**{**defaults.__dict__, **kwargs})
