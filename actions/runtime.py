"""What the custom actions need from the rest of the system, handed over once by the gateway at start-up."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy.orm import Session, sessionmaker

from cases.divisions import Divisions
from cases.encryption import PersonalDataCipher
from conversation.attachments import PendingAttachments
from conversation.lookups import LookupGuard
from conversation.vault import PersonalDataVault
from jishijiu.settings import Settings
from policies_kb.retriever import Retriever
from triage import TriageConfig


@dataclass(frozen=True)
class ActionRuntime:
    settings: Settings
    retriever: Retriever
    session_factory: sessionmaker[Session]
    cipher: PersonalDataCipher
    divisions: Divisions
    vault: PersonalDataVault
    triage: TriageConfig
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(timezone.utc))   # tz-aware "now"
    # Where a case is filed when the resident's place cannot be matched to a division and no county was named
    # (setting JISHIJIU_INTAKE_DIVISION): the city's intake, which confirms the place by phone.
    intake_division: str = "JN-Z00"
    # Photos sent before the application was filed (WeChat images): filing takes them onto the case.
    attachments: PendingAttachments | None = None
    # Status look-ups by number + last 4 digits: failures counted per resident, case and client (None: unlimited).
    lookups: LookupGuard | None = None


_current: ActionRuntime | None = None


def configure(runtime: ActionRuntime) -> None:
    global _current
    _current = runtime


def current() -> ActionRuntime:
    if _current is None:
        raise RuntimeError("actions.runtime.configure() was not called: actions run inside the gateway")
    return _current
