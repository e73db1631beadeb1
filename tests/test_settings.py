import subprocess
import sys

import pytest

from jishijiu.settings import SettingsError, load_settings


def test_defaults_are_safe(tmp_path) -> None:
    settings = load_settings({})
    assert settings.effective_database_url.startswith("sqlite:///")
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert 0 < settings.qa_threshold < 1


@pytest.mark.parametrize("name, value", [
    ("DATABASE_URL", "mysql://x@localhost/db"),
    ("DATABASE_URL", "not a url"),
    ("REDIS_URL", "http://127.0.0.1:6379"),
    ("JISHIJIU_QA_THRESHOLD", "high"),
    ("JISHIJIU_QA_THRESHOLD", "1.5"),
    ("JISHIJIU_LOG_LEVEL", "LOUD"),
    ("JISHIJIU_KB_DIR", "/nonexistent/kb"),
    ("JISHIJIU_API_KEYS", "cityapp"),                                   # no key
    ("JISHIJIU_API_KEYS", "cityapp:short"),
    ("JISHIJIU_API_KEYS", "City App:0123456789abcdefghijklmnop"),
    ("JISHIJIU_API_KEYS", "a:0123456789abcdefghijklmnop,b:0123456789abcdefghijklmnop"),   # one key, two names
    ("JISHIJIU_RATE_PER_SENDER", "0"),
    ("JISHIJIU_RATE_PER_ADDRESS", "many"),
    ("TELEGRAM_TOKEN", "not-a-token"),
    ("TELEGRAM_API_BASE", "ftp://x"),
    ("WECHAT_TOKEN", "has spaces"),
])
def test_malformed_setting_is_named(name: str, value: str) -> None:
    with pytest.raises(SettingsError) as err:
        load_settings({name: value})
    assert err.value.name == name and name in str(err.value)


def test_serve_with_a_malformed_setting_stops_and_names_it() -> None:
    result = subprocess.run([sys.executable, "-m", "jishijiu.cli", "serve"], capture_output=True, text=True,
                            env={"REDIS_URL": "nonsense", "PATH": "/usr/bin:/bin"}, timeout=60)
    assert result.returncode == 2
    assert "REDIS_URL" in result.stderr


def test_the_intake_division_must_exist_at_start_up(tmp_path) -> None:  # noqa: ANN001
    from fastapi.testclient import TestClient

    from jishijiu.gateway.app import create_app
    from jishijiu.settings import SettingsError, load_settings

    settings = load_settings({"JISHIJIU_DATA_DIR": str(tmp_path), "JISHIJIU_INTAKE_DIVISION": "370899"})
    with pytest.raises(SettingsError, match="JISHIJIU_INTAKE_DIVISION"):
        with TestClient(create_app(settings)):
            pass
    with pytest.raises(SettingsError, match="JISHIJIU_INTAKE_DIVISION"):
        load_settings({"JISHIJIU_INTAKE_DIVISION": "济宁 市"})


def test_api_keys_are_never_echoed_and_each_names_its_client() -> None:
    secret = "0123456789abcdefghijklmnopQRSTUV"
    with pytest.raises(SettingsError) as err:
        load_settings({"JISHIJIU_API_KEYS": f"cityapp:{secret},kiosk:bad"})
    assert secret not in str(err.value)
    from connectors.api_keys import parse_api_keys
    keys = parse_api_keys(load_settings({"JISHIJIU_API_KEYS": f"cityapp:{secret}"}).api_keys)
    assert keys.client(f"Bearer {secret}") == "cityapp" and keys.client(f"bearer  {secret} ") == "cityapp"
    assert keys.client(f"Bearer {secret}x") is None and keys.client(secret) is None and keys.client(None) is None
    assert secret not in repr(load_settings({"JISHIJIU_API_KEYS": f"cityapp:{secret}"}))


def test_a_telegram_token_needs_the_webhook_secret() -> None:
    token = "123456789:AAF0123456789abcdefghijklmnopqrstuv"
    with pytest.raises(SettingsError) as err:
        load_settings({"TELEGRAM_TOKEN": token})
    assert err.value.name == "TELEGRAM_SECRET" and token not in str(err.value)
    settings = load_settings({"TELEGRAM_TOKEN": token, "TELEGRAM_SECRET": "webhook-secret-0123456789"})
    assert settings.telegram_secret == "webhook-secret-0123456789" and token not in repr(settings)


def test_a_wechat_token_needs_the_account_id_and_secret() -> None:
    with pytest.raises(SettingsError) as err:
        load_settings({"WECHAT_TOKEN": "jishijiuToken2026"})
    assert err.value.name == "WECHAT_APPID"
    with pytest.raises(SettingsError) as err:
        load_settings({"WECHAT_TOKEN": "jishijiuToken2026", "WECHAT_APPID": "wx1", "WECHAT_SECRET": "s",
                       "WECHAT_AES_KEY": "short"})
    assert err.value.name == "WECHAT_AES_KEY"
    settings = load_settings({"WECHAT_TOKEN": "jishijiuToken2026", "WECHAT_APPID": "wx1", "WECHAT_SECRET": "s"})
    assert settings.wechat_app_id == "wx1" and "jishijiuToken2026" not in repr(settings)
