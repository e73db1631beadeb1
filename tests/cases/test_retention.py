"""Retention and erasure (issue 10): what the consent text promises is deleted, and each deletion is audited."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from cases import notifications
from cases.models import CaseEvent, Handoff
from cases.retention import ERASED, AuditEntry, RetentionPolicy, apply_retention
from cases.service import get_case, message_resident, submit_case, transition_case
from conversation.handoff import record_handoff
from conversation.inbox import InboundMessage
from streams.trim import trim_streams
from tests.cases.fixtures import CASES_REDIS_URL, ID_NUMBER, PHONE, application, prepared_database_url, triage

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
LONG_AGO = NOW - timedelta(days=2000)


def _closed_case(session_factory, cipher, divisions, at: datetime) -> str:  # noqa: ANN001
    number = submit_case(session_factory, application(), triage(at), at, cipher=cipher, divisions=divisions)
    for state in ("accepted", "dispatched", "investigating", "approved", "fed_back", "closed"):
        transition_case(session_factory, number, state, actor="w", now=at, departments=["minzheng"]
                        if state == "dispatched" else None)
    message_resident(session_factory, number, f"张三你好，回电{PHONE}", actor="w", now=at)
    return number


def test_old_words_go_old_closed_cases_lose_their_person_and_the_run_is_audited(session_factory, cipher,
                                                                                divisions) -> None:  # noqa: ANN001
    old = _closed_case(session_factory, cipher, divisions, LONG_AGO)
    recent = _closed_case(session_factory, cipher, divisions, NOW - timedelta(days=10))
    with session_factory.begin() as session:
        session.add_all([InboundMessage(sender="web:a", channel="webchat", text="旧话", outcome="answered",
                                        received_at=LONG_AGO, updated_at=LONG_AGO),
                         InboundMessage(sender="web:a", channel="webchat", text="新话", outcome="answered",
                                        received_at=NOW, updated_at=NOW)])
    notifications.enqueue(session_factory, recipient="web:a", kind="handoff.message", text="旧通知", now=LONG_AGO)
    record_handoff(session_factory, sender="web:a", channel="webchat", reason="requested", last_message="我叫张三",
                   now=LONG_AGO)
    report = apply_retention(session_factory, cipher, RetentionPolicy(180, 1095), NOW)
    assert (report.messages_deleted, report.notices_deleted, report.handoffs_cleared, report.cases_anonymised) == \
        (1, 1, 1, 1)
    gone, kept = get_case(session_factory, old), get_case(session_factory, recent)
    assert (gone.applicant, gone.phone, gone.id_number, gone.situation) == (ERASED, None, None, ERASED)
    assert all(e.note in (None, ERASED) for e in gone.history) and gone.status.value == "closed"
    assert gone.deadlines and [e.action for e in gone.history][0] == "submitted"      # the figures survive
    assert kept.applicant == "张*" and kept.phone == "138****5678"
    with session_factory() as session:
        assert [m.text for m in session.scalars(select(InboundMessage))] == ["新话"]
        assert session.scalar(select(Handoff.last_message)) == ERASED
        [audit] = session.scalars(select(AuditEntry))
        assert audit.action == "retention" and audit.detail["cases_anonymised"] == 1
    assert apply_retention(session_factory, cipher, RetentionPolicy(180, 1095), NOW).cases_anonymised == 0


def test_a_deletion_request_erases_a_case_now_and_says_so_in_its_history(session_factory, cipher, divisions,
                                                                         store_settings, tmp_path) -> None:  # noqa: ANN001
    number = _closed_case(session_factory, cipher, divisions, NOW - timedelta(days=3))
    still_open = submit_case(session_factory, application(), triage(NOW), NOW, cipher=cipher, divisions=divisions)
    env = {**os.environ, "DATABASE_URL": prepared_database_url(), "REDIS_URL": CASES_REDIS_URL,
           "JISHIJIU_DATA_DIR": str(tmp_path), "JISHIJIU_SECRET_KEY": store_settings.secret_key}

    def erase(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "jishijiu.cli", "cases", "erase", *argv], capture_output=True,
                              text=True, env=env, timeout=60)

    refused = erase(still_open, "--reason", "本人申请", "--by", "admin")
    assert refused.returncode == 1 and "--force" in refused.stderr
    done = erase(number, "--reason", "本人申请删除", "--by", "admin-wang")
    assert done.returncode == 0, done.stderr
    detail = get_case(session_factory, number)
    assert detail.applicant == ERASED and ID_NUMBER[-4:] not in str(detail) and "张三" not in str(detail)
    assert detail.history[-1].action == "erased" and detail.history[-1].actor == "cli:admin-wang"
    with session_factory() as session:
        assert session.scalar(select(AuditEntry.action)) == "erase_case"
        assert session.scalar(select(CaseEvent.detail).where(CaseEvent.action == "erased")) == {"reason": "本人申请删除"}


def test_streams_are_trimmed_to_their_keep(redis_client) -> None:  # noqa: ANN001
    old_ms = int((NOW - timedelta(days=40)).timestamp() * 1000)
    redis_client.xadd("jsj:dept:minzheng:urgent", {"kind": "old"}, id=f"{old_ms}-0")
    redis_client.xadd("jsj:dept:minzheng:urgent", {"kind": "new"}, id=f"{int(NOW.timestamp() * 1000)}-0")
    assert trim_streams(redis_client, NOW, timedelta(days=30)) == {"jsj:dept:minzheng:urgent": 1}
    assert [e[1][b"kind"] for e in redis_client.xrange("jsj:dept:minzheng:urgent")] == [b"new"]

