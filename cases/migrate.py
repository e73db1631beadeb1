"""Run the case store's Alembic migrations programmatically (no alembic.ini): upgrade, compare, new revision."""
from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Connection, Engine, make_url

from jishijiu.db import make_engine
from jishijiu.settings import Settings

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
VERSION_TABLE = "cases_alembic_version"
MIGRATION_LOCK_KEY = 0x4A534A01          # pg_advisory_xact_lock key ("JSJ" 1)


@contextmanager
def _engine(target: Engine | str) -> Iterator[Engine]:
    """The given engine, or one made from a URL for the duration (disposed after)."""
    if isinstance(target, Engine):
        yield target
        return
    settings = Settings(database_url=target)
    if target.startswith("sqlite") and make_url(target).database:
        settings = replace(settings, data_dir=Path(make_url(target).database).parent)
    engine = make_engine(settings)
    try:
        yield engine
    finally:
        engine.dispose()


def alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def upgrade(target: Engine | str, revision: str = "head") -> None:
    """Bring the database to `revision` (default: the newest); safe to call at every start-up."""
    with _engine(target) as engine, engine.begin() as connection:
        if connection.dialect.name == "postgresql":          # a migration may take longer than a request
            connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
            connection.exec_driver_sql("SET LOCAL lock_timeout = 0")
        command.upgrade(alembic_config(connection), revision)


def pending_differences(target: Engine | str) -> list[Any]:
    """What autogenerate would still write: [] when the models and the migrated schema agree."""
    import cases.keys  # noqa: F401 - registers key_fingerprints in Base.metadata
    import cases.retention  # noqa: F401 - registers audit_log in Base.metadata
    import console.accounts  # noqa: F401 - registers staff_users in Base.metadata
    import conversation.inbox  # noqa: F401 - registers inbound_messages in Base.metadata
    from cases.models import Base

    with _engine(target) as engine, engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "version_table": VERSION_TABLE})
        return [d for d in compare_metadata(context, Base.metadata)]


def new_revision(target: Engine | str, message: str, rev_id: str | None = None) -> None:
    """Autogenerate a revision from the models against an up-to-date database (for developers)."""
    with _engine(target) as engine, engine.begin() as connection:
        command.revision(alembic_config(connection), message=message, autogenerate=True, rev_id=rev_id)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cases.migrate", description=__doc__)
    parser.add_argument("action", choices=["upgrade", "check", "revision"])
    parser.add_argument("--url", required=True, help="database URL (sqlite:///… or postgresql://…)")
    parser.add_argument("-m", "--message", default="schema change")
    parser.add_argument("--rev-id", help="revision id, e.g. 0002 (default: random)")
    args = parser.parse_args(argv)
    if args.action == "upgrade":
        upgrade(args.url)
    elif args.action == "revision":
        new_revision(args.url, args.message, args.rev_id)
    else:
        differences = pending_differences(args.url)
        print("\n".join(map(str, differences)) or "models and migrations agree")
        return 1 if differences else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
