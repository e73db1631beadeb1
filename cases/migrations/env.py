"""Alembic environment for the case store; run it through cases.migrate (it passes the connection)."""
from __future__ import annotations

from alembic import context
from sqlalchemy import text

from cases.migrate import MIGRATION_LOCK_KEY, VERSION_TABLE
from cases.models import Base, UtcDateTime
import cases.keys  # noqa: F401,E402 - registers key_fingerprints in Base.metadata
import cases.retention  # noqa: F401,E402 - registers audit_log in Base.metadata
import console.accounts  # noqa: F401,E402 - registers staff_users in Base.metadata
import conversation.inbox  # noqa: F401,E402 - registers inbound_messages in Base.metadata


def _render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Write UtcDateTime columns as plain sa.DateTime(timezone=True) in generated revisions."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run the case-store migrations with cases.migrate.upgrade(engine_or_url)")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    render_item=_render_item,
)
with context.begin_transaction():
    if connection.dialect.name == "postgresql":   # gateway and worker may start together: one migrates at a time
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    context.run_migrations()
