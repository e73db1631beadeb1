"""The case store: applications, their lifecycle, history and outbox (SQLAlchemy 2, Alembic)."""
