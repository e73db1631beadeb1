"""Public case numbers JSJ-YYYYMMDD-NNNN: Asia/Shanghai date, a per-day counter incremented atomically."""
from __future__ import annotations

import re
import uuid
from datetime import date, datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from cases.identity import SHANGHAI
from cases.models import Case, CaseNumberCounter, OutboxMessage

_CASE_NUMBER = re.compile(r"JSJ-(\d{8})-(\d{4,})")


def case_day(now: datetime) -> date:
    return now.astimezone(SHANGHAI).date()


def format_case_number(day: date, serial: int) -> str:
    return f"JSJ-{day:%Y%m%d}-{serial:04d}"


def is_case_number(text: str) -> bool:
    return bool(_CASE_NUMBER.fullmatch(text))


def provisional_case_number() -> str:
    """A unique stand-in (24 characters) used until the real number is allocated, just before commit."""
    return f"JSJ-TMP-{uuid.uuid4().hex[:16]}"


def allocate_case_number(session: Session, now: datetime) -> str:
    """Next number for now's day. The upsert locks the day's counter row (PostgreSQL) until commit, so numbers
    are unique and gap-free; call it LAST in the transaction to keep that lock short. On SQLite, let a write
    come first in the transaction (it then holds the database's write lock), never a read."""
    day = case_day(now)
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(CaseNumberCounter).values(day=f"{day:%Y%m%d}", last_serial=1)
    stmt = stmt.on_conflict_do_update(index_elements=["day"],
                                      set_={"last_serial": CaseNumberCounter.last_serial + 1})
    serial = session.execute(stmt.returning(CaseNumberCounter.last_serial)).scalar_one()
    return format_case_number(day, serial)


def assign_case_number(session: Session, case: Case, messages: list[OutboxMessage], now: datetime) -> str:
    """Allocate the real number and put it on the flushed case and its outbox rows (two short UPDATEs)."""
    number = allocate_case_number(session, now)
    case.case_number = number
    for message in messages:
        message.case_number = number
        message.payload = {**message.payload, "case_number": number}
    session.flush()
    return number
