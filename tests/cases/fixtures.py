"""Fixtures for the case-store and streams tests: a private PostgreSQL schema, Redis db 14, test builders."""
from __future__ import annotations

import atexit
import base64
import functools
import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from cases.application import Applicant, Application, CaseTriage
from cases.divisions import Divisions, load_divisions
from cases.encryption import PersonalDataCipher
from cases.identity import id_check_character, parse_id_number, parse_name, parse_phone
from cases.migrate import upgrade
from cases.models import Base
from jishijiu.db import make_engine, make_session_factory
from jishijiu.settings import Settings, load_settings

BASE_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
CASES_REDIS_URL = os.environ.get("TEST_CASES_REDIS_URL", "redis://127.0.0.1:6379/14")
SCHEMA_PREFIX = "jsj_cases_test_"
TEST_DIVISIONS = Path(__file__).with_name("divisions_extra.yaml")
TOWNSHIP = "370811001"          # 示例街道 in divisions_extra.yaml (a test fixture, not real data)
VILLAGE = "370811001001"


def with_search_path(url: str, schema: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


def _admin_engine() -> Engine:
    return make_engine(Settings(database_url=BASE_DATABASE_URL))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@functools.cache
def prepared_database_url() -> str:
    """A schema of this test process's own, migrated to head once, dropped when the process exits
    (and by a later run if this one was killed)."""
    schema = f"{SCHEMA_PREFIX}{os.getpid()}"
    admin = _admin_engine()
    with admin.begin() as conn:
        existing = conn.scalars(text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :p"),
                                {"p": SCHEMA_PREFIX + "%"})
        for stale in [n for n in existing if n[len(SCHEMA_PREFIX):].isdigit()]:
            if stale == schema or not _alive(int(stale[len(SCHEMA_PREFIX):])):
                conn.execute(text(f"DROP SCHEMA IF EXISTS {stale} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = with_search_path(BASE_DATABASE_URL, schema)
    upgrade(url)

    def _drop() -> None:
        with admin.begin() as conn:
            conn.execute(text("SET LOCAL lock_timeout = '10s'"))
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()

    atexit.register(_drop)
    return url


def secret_text(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode()


# This test process's key for its own schema (a command the tests start needs the same one: cases/keys.py).
STORE_SECRET_KEY = secret_text(os.urandom(32))


@pytest.fixture(scope="session")
def store_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return load_settings({
        "JISHIJIU_DATA_DIR": str(tmp_path_factory.mktemp("store")),
        "DATABASE_URL": prepared_database_url(),
        "REDIS_URL": CASES_REDIS_URL,
        "JISHIJIU_SECRET_KEY": STORE_SECRET_KEY,
        "JISHIJIU_DIVISIONS_FILE": str(TEST_DIVISIONS),
    })


@pytest.fixture(scope="session")
def pg_engine(store_settings: Settings) -> Iterator[Engine]:
    engine = make_engine(store_settings)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(pg_engine: Engine) -> sessionmaker[Session]:
    """Empty tables for each test (TRUNCATE … RESTART IDENTITY)."""
    names = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with pg_engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    return make_session_factory(pg_engine)


@pytest.fixture
def sqlite_session_factory(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'cases.db'}"))
    upgrade(engine)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def cipher(store_settings: Settings) -> PersonalDataCipher:
    return PersonalDataCipher(base64.urlsafe_b64decode(store_settings.secret_key))


@pytest.fixture(scope="session")
def divisions() -> Divisions:
    return load_divisions(TEST_DIVISIONS)


@pytest.fixture
def redis_client() -> Iterator[Redis]:
    client = Redis.from_url(CASES_REDIS_URL, socket_connect_timeout=1.0, socket_timeout=5.0)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def id_number(birth: str = "19900101", region: str = "370811", seq: str = "123") -> str:
    first17 = region + birth + seq
    return first17 + id_check_character(first17)


ID_NUMBER = id_number()                  # 370811199001011236
PHONE = "13812345678"


def application(*, division: str = VILLAGE, id_no: str | None = ID_NUMBER, phone: str | None = PHONE,
                name: str = "张三", user: str = "openid-zhang") -> Application:
    return Application(
        channel="wechat", channel_user_id=user,
        applicant=Applicant(parse_name(name), parse_id_number(id_no) if id_no else None,
                            parse_phone(phone) if phone else None),
        division_code=division,
        situation=f"我叫{name}，身份证{id_no or '无'}，电话{phone or '无'}，家里失火了，孩子没地方住",
    )


def triage(now: datetime, urgency: str = "urgent", departments: tuple[str, ...] = ("minzheng", "yingji"),
           deadlines: dict[str, timedelta] | None = None) -> CaseTriage:
    spans = deadlines if deadlines is not None else {"urgent": timedelta(hours=24), "materials": timedelta(days=7)}
    return CaseTriage(urgency=urgency, reasons=("失火",), department_ids=departments, assistance=("临时救助",),
                      deadlines={rule: now + span for rule, span in spans.items()})


def run_cli(*argv: str, stdin: str = "", env: dict[str, str] | None = None):  # noqa: ANN201 - CompletedProcess
    """`jishijiu …` in this process (no interpreter start-up): this process's schema and key, `env` on top;
    returns what a subprocess run would (returncode, stdout, stderr)."""
    import contextlib
    import io
    import subprocess as sp
    import sys as _sys
    from unittest import mock

    from jishijiu.cli import main

    settings_env = {"DATABASE_URL": prepared_database_url(), "JISHIJIU_SECRET_KEY": STORE_SECRET_KEY,
                    "REDIS_URL": CASES_REDIS_URL, **(env or {})}
    out, err = io.StringIO(), io.StringIO()
    with mock.patch.dict(os.environ, settings_env), mock.patch.object(_sys, "stdin", io.StringIO(stdin)), \
            contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:             # argparse refusing the arguments
            code = exc.code if isinstance(exc.code, int) else 2
    return sp.CompletedProcess(["jishijiu", *argv], code, out.getvalue(), err.getvalue())
