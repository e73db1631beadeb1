"""Alembic migrations and the models agree; upgrade is repeatable and accepts an engine or a URL."""
from sqlalchemy import inspect

from cases.migrate import pending_differences, upgrade
from cases.models import Base
from jishijiu.db import make_engine
from jishijiu.settings import Settings


def test_models_and_migrations_agree_on_postgresql(pg_engine) -> None:
    assert pg_engine.dialect.name == "postgresql"
    assert pending_differences(pg_engine) == []


def test_upgrade_is_repeatable_and_creates_every_table(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgrade(url)
    upgrade(url)
    engine = make_engine(Settings(data_dir=tmp_path, database_url=url))
    try:
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
        assert pending_differences(engine) == []
    finally:
        engine.dispose()
