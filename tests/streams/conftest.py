"""Shared case-store fixtures (see fixtures.py): a private PostgreSQL schema, Redis db 14, keys, divisions."""
from tests.cases.fixtures import (cipher, divisions, pg_engine, redis_client, session_factory,  # noqa: F401
                                  sqlite_session_factory, store_settings)
