"""Settings from environment variables, validated once at start-up."""
from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from connectors.api_keys import parse_api_keys

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
    qa_threshold: float = 0.135             # tuned on eval/qa.yaml: see docs/qa.md
    log_level: str = "INFO"
    rasa_url: str = "http://127.0.0.1:5005"
    action_token: str = field(default="", repr=False)   # Rasa's calls to the action webhook; empty → none accepted
    rasa_token: str = field(default="", repr=False)     # the gateway's calls to Rasa (channel and HTTP API)
    forwarded_allow_ips: str = ""             # proxies whose X-Forwarded-For uvicorn believes; empty → none
    secret_key: str = field(default="", repr=False)   # urlsafe base64 of 32 bytes; empty → <data_dir>/secret.key
    # Keys rotated out (JISHIJIU_PREVIOUS_SECRET_KEYS, comma-separated): they still open what they sealed.
    previous_secret_keys: tuple[str, ...] = field(default=(), repr=False)
    escalation_thresholds: tuple[float, ...] = (0.5, 0.9)   # shares of a deadline's time that alert a supervisor
    divisions_file: Path | None = None        # operator's townships and villages, on top of the shipped divisions
    worker_interval: float = 1.0              # seconds between outbox-relay polls in `jishijiu worker`
    handoff_escalate_after: float = 10.0      # minutes a hand-off may wait untaken before a supervisor is alerted
    retain_messages_days: int = 180           # chat messages, notices and hand-off words are deleted after this
    retain_closed_cases_days: int = 1095      # a closed case's personal data is anonymised this long after closing
    retain_streams_days: int = 30             # Redis Streams entries are trimmed after this
    # Where a case whose place cannot be matched (and names no county) is filed, to be placed by phone:
    # the city's intake (an internal division shipped in cases/data/divisions.yaml), or any division code.
    intake_division: str = "JN-Z00"
    # Trusted back ends allowed on POST /api/chat: "name:key,name:key" (connectors/api_keys.py); empty → none.
    api_keys: str = field(default="", repr=False)
    rate_per_sender: int = 30                 # messages a minute from one sender, on every connector
    rate_per_address: int = 1200              # requests a minute from one client address
    public_url: str = ""                      # how residents reach the gateway (QR codes; https → Secure cookies)
    telegram_token: str = field(default="", repr=False)     # empty → /telegram/webhook is off (404)
    telegram_secret: str = field(default="", repr=False)    # the webhook's secret token (required with a token)
    telegram_api_base: str = "https://api.telegram.org"     # tests point it at a local fake server
    wechat_token: str = field(default="", repr=False)       # empty → /wechat is off (404)
    wechat_app_id: str = ""
    wechat_secret: str = field(default="", repr=False)
    wechat_aes_key: str = field(default="", repr=False)     # set → safe mode (messages encrypted)
    wechat_api_base: str = "https://api.weixin.qq.com"
    wechat_reply_within: float = 4.5          # seconds before WeChat gets "success" and the answer goes by API
    # A template message (fields first, keyword1 = case number, keyword2 = time) for notices after WeChat's 48 h;
    # empty → such notices wait in the web status view.
    wechat_template_id: str = ""

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


def decode_secret_key(value: str) -> bytes:
    """urlsafe base64 (padding optional) of exactly 32 bytes → the key; ValueError otherwise."""
    text = value.strip()
    try:
        key = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("expected urlsafe base64 (A-Z a-z 0-9 - _)") from None
    if len(key) != 32:
        raise ValueError(f"expected 32 bytes once decoded, got {len(key)}")
    return key


def _secret(name: str, value: str, check: Callable[[str], object]) -> str:
    """A secret setting checked by `check` (a ValueError says why); the message never echoes the secret."""
    try:
        check(value)
    except ValueError as exc:
        raise SettingsError(name, f"<hidden, {len(value)} characters>", str(exc)) from None
    return value.strip()


def _thresholds(name: str, value: str) -> tuple[float, ...]:
    shares = []
    for part in value.split(","):
        text = part.strip()
        percent = text.endswith("%")
        try:
            share = float(text.rstrip("%")) / (100 if percent else 1)
        except ValueError:
            raise SettingsError(name, value, "expected shares such as 0.5,0.9 or 50%,90%") from None
        if not 0 < share < 1:
            raise SettingsError(name, value, "each share must be between 0 and 1 (exclusive)")
        shares.append(share)
    return tuple(sorted(set(shares)))


def _telegram_token(value: str) -> None:
    if not re.fullmatch(r"[0-9]{5,16}:[A-Za-z0-9_-]{30,64}", value.strip()):
        raise ValueError("expected a bot token from @BotFather (digits:letters)")


def _telegram_secret(value: str) -> None:
    if not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", value.strip()):
        raise ValueError("required with TELEGRAM_TOKEN: 16–256 characters of A-Z a-z 0-9 _ - "
                         "(the secret_token given to setWebhook)")


def _wechat_token(value: str) -> None:
    if not re.fullmatch(r"[A-Za-z0-9]{3,32}", value.strip()):
        raise ValueError("expected the Token set in the Official Account's server settings (3–32 letters or digits)")


def _wechat_aes_key(value: str) -> None:
    if not re.fullmatch(r"[A-Za-z0-9]{43}", value.strip()):
        raise ValueError("expected the EncodingAESKey: 43 letters or digits")


def _per_minute(name: str, value: str) -> int:
    if not value.strip().isdigit() or not 1 <= int(value) <= 100_000:
        raise SettingsError(name, value, "expected a whole number of requests a minute, 1 to 100000")
    return int(value)


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
    if v := env.get("JISHIJIU_ACTION_TOKEN"):
        if len(v.strip()) < 16:
            raise SettingsError("JISHIJIU_ACTION_TOKEN", "<hidden>", "expected at least 16 characters")
        kwargs["action_token"] = v.strip()
    if v := env.get("JISHIJIU_RASA_TOKEN"):
        if len(v.strip()) < 16:
            raise SettingsError("JISHIJIU_RASA_TOKEN", "<hidden>", "expected at least 16 characters")
        kwargs["rasa_token"] = v.strip()
    if v := env.get("JISHIJIU_FORWARDED_ALLOW_IPS"):
        kwargs["forwarded_allow_ips"] = v.strip()
    if v := env.get("JISHIJIU_SECRET_KEY"):
        kwargs["secret_key"] = _secret("JISHIJIU_SECRET_KEY", v, decode_secret_key)
    if v := env.get("JISHIJIU_PREVIOUS_SECRET_KEYS"):
        keys = tuple(k.strip() for k in v.split(",") if k.strip())
        for k in keys:
            _secret("JISHIJIU_PREVIOUS_SECRET_KEYS", k, decode_secret_key)
        kwargs["previous_secret_keys"] = keys
    if v := env.get("JISHIJIU_ESCALATION_THRESHOLDS"):
        kwargs["escalation_thresholds"] = _thresholds("JISHIJIU_ESCALATION_THRESHOLDS", v)
    if v := env.get("JISHIJIU_DIVISIONS_FILE"):
        path = Path(v).expanduser()
        if not path.is_file():
            raise SettingsError("JISHIJIU_DIVISIONS_FILE", v, "no such file")
        kwargs["divisions_file"] = path
    if v := env.get("JISHIJIU_INTAKE_DIVISION"):
        if not re.fullmatch(r"[0-9A-Za-z][0-9A-Za-z-]{0,23}", v.strip()):
            raise SettingsError("JISHIJIU_INTAKE_DIVISION", v, "expected a division code such as JN-Z00 or 370811")
        kwargs["intake_division"] = v.strip()
    if v := env.get("JISHIJIU_API_KEYS"):
        kwargs["api_keys"] = _secret("JISHIJIU_API_KEYS", v, parse_api_keys)
    if v := env.get("JISHIJIU_RATE_PER_SENDER"):
        kwargs["rate_per_sender"] = _per_minute("JISHIJIU_RATE_PER_SENDER", v)
    if v := env.get("JISHIJIU_RATE_PER_ADDRESS"):
        kwargs["rate_per_address"] = _per_minute("JISHIJIU_RATE_PER_ADDRESS", v)
    if v := env.get("JISHIJIU_PUBLIC_URL"):
        kwargs["public_url"] = _url("JISHIJIU_PUBLIC_URL", v.strip().rstrip("/"), {"http", "https"})
    if v := env.get("TELEGRAM_TOKEN"):
        kwargs["telegram_token"] = _secret("TELEGRAM_TOKEN", v, _telegram_token)
        secret = env.get("TELEGRAM_SECRET", "")
        kwargs["telegram_secret"] = _secret("TELEGRAM_SECRET", secret, _telegram_secret)
    if v := env.get("TELEGRAM_API_BASE"):
        kwargs["telegram_api_base"] = _url("TELEGRAM_API_BASE", v.strip().rstrip("/"), {"http", "https"})
    if v := env.get("WECHAT_TOKEN"):
        kwargs["wechat_token"] = _secret("WECHAT_TOKEN", v, _wechat_token)
        for name, key in (("WECHAT_APPID", "wechat_app_id"), ("WECHAT_SECRET", "wechat_secret")):
            if not env.get(name, "").strip():
                raise SettingsError(name, "", "required with WECHAT_TOKEN")
            kwargs[key] = env[name].strip()
        if a := env.get("WECHAT_AES_KEY"):
            kwargs["wechat_aes_key"] = _secret("WECHAT_AES_KEY", a, _wechat_aes_key)
    if v := env.get("WECHAT_TEMPLATE_ID"):
        if not re.fullmatch(r"[A-Za-z0-9_-]{8,64}", v.strip()):
            raise SettingsError("WECHAT_TEMPLATE_ID", v, "expected the template's id from the Official Account")
        kwargs["wechat_template_id"] = v.strip()
    if v := env.get("WECHAT_API_BASE"):
        kwargs["wechat_api_base"] = _url("WECHAT_API_BASE", v.strip().rstrip("/"), {"http", "https"})
    if v := env.get("JISHIJIU_WECHAT_REPLY_WITHIN"):
        kwargs["wechat_reply_within"] = _float("JISHIJIU_WECHAT_REPLY_WITHIN", v, 0.0, 4.8)
    for name, key, most in (("JISHIJIU_RETAIN_MESSAGES_DAYS", "retain_messages_days", 3650),
                            ("JISHIJIU_RETAIN_CLOSED_CASES_DAYS", "retain_closed_cases_days", 36500),
                            ("JISHIJIU_RETAIN_STREAMS_DAYS", "retain_streams_days", 3650)):
        if v := env.get(name):
            if not v.strip().isdigit() or not 1 <= int(v) <= most:
                raise SettingsError(name, v, f"expected whole days, 1 to {most}")
            kwargs[key] = int(v)
    if v := env.get("JISHIJIU_HANDOFF_ESCALATE_AFTER"):
        kwargs["handoff_escalate_after"] = _float("JISHIJIU_HANDOFF_ESCALATE_AFTER", v, 1.0, 1440.0)
    if v := env.get("JISHIJIU_WORKER_INTERVAL"):
        kwargs["worker_interval"] = _float("JISHIJIU_WORKER_INTERVAL", v, 0.01, 3600.0)
    return Settings(**{**defaults.__dict__, **kwargs})
