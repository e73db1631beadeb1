"""Hand-offs in the console over HTTP, with the resident on the web chat (Rasa down: the door still records): the
inbox with the conversation so far, take-over pauses the bot, the agent's message reaches the resident through the
worker's notifier, hand-back resumes the bot; an untaken hand-off is escalated once and the resident is told."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
import redis.asyncio as aioredis
from redis import Redis

from cases.notifications import list_notifications
from connectors.notices import WebChatNotices
from connectors.webchat import history_key
from console.accounts import add_user
from console.roles import Role, Scope
from conversation.handoff import list_open, record_handoff
from jishijiu.settings import Settings
from streams.handoff_escalation import escalate_handoffs
from streams.notifier import Notifier
from tests.cases.fixtures import PHONE
from tests.console.test_case_pages import Staff
from tests.console.test_console_http import PASSWORD
from tests.conversation.live import CHAT_REDIS_URL
from tests.conversation.test_webchat import browser, turn

pytestmark = pytest.mark.anyio


@pytest.fixture
def app_settings(store_settings: Settings, session_factory) -> Settings:  # noqa: ANN001
    now = datetime.now(timezone.utc)
    for name, role, scope in (("agent1", Role.AGENT, Scope()), ("agent2", Role.AGENT, Scope()),
                              ("wang", Role.TOWNSHIP, Scope(township="370811001")), ("boss", Role.SUPERVISOR, Scope())):
        add_user(session_factory, name, role, password=PASSWORD, now=now, scope=scope)
    return replace(store_settings, redis_url=CHAT_REDIS_URL, rasa_url="http://127.0.0.1:1")


async def _deliver(session_factory, streams: Redis) -> None:  # noqa: ANN001
    """One pass of the worker's notifier with the web chat's door (what `jishijiu worker` runs); the stream it
    reads is in the test's own emptied Redis, the web chat's conversations in the gateway's."""
    areds = aioredis.Redis.from_url(CHAT_REDIS_URL)
    await Notifier(session_factory, streams, {"webchat": WebChatNotices(areds)}).run_once()
    await areds.aclose()


async def test_an_agent_takes_over_answers_and_hands_back(app_settings: Settings, session_factory,
                                                          redis_client) -> None:  # noqa: ANN001
    resident = browser(app_settings)
    session_id = resident[0].cookies.get("jsj_session").split(".")[0]
    # Rasa is down here: what the resident says waits for a person by itself (the fall-back's hand-off)
    assert turn(resident, f"我的电话是{PHONE}，想找个人问问").status_code == 200
    agent, other, wang = Staff(app_settings, "agent1"), Staff(app_settings, "agent2"), Staff(app_settings, "wang")
    try:
        assert wang.get("/console/api/handoffs").status_code == 403
        [waiting] = agent.get("/console/api/handoffs").json()["handoffs"]
        handoff = waiting["id"]
        assert waiting["status"] == "waiting" and waiting["reason"] == "fallback" and waiting["waited_seconds"] >= 0
        said = agent.get(f"/console/api/handoffs/{handoff}").json()["transcript"]
        assert said[0]["who"] == "resident" and PHONE not in said[0]["text"] and "138****5678" in said[0]["text"]
        assert agent.post(f"/console/api/handoffs/{handoff}/message", {"text": "您好"}).status_code == 409
        assert agent.post(f"/console/api/handoffs/{handoff}/take", {}).status_code == 200
        assert other.post(f"/console/api/handoffs/{handoff}/take", {}).status_code == 409
        # the bot is paused for this resident: their words wait for the agent, no bot reply
        assert turn(resident, "低保咋申请").json()["replies"] == []
        assert agent.post(f"/console/api/handoffs/{handoff}/message", {"text": "低保要先到镇上民政办申请，我帮您查"}
                          ).json() == {"queued": True}
        await _deliver(session_factory, redis_client)
        shown = [json.loads(t) for t in Redis.from_url(CHAT_REDIS_URL).lrange(history_key(session_id), 0, -1)]
        assert [t["text"] for t in shown if t.get("notice")][-1] == "低保要先到镇上民政办申请，我帮您查"
        conversation = agent.get(f"/console/api/handoffs/{handoff}").json()["transcript"]
        assert [m["who"] for m in conversation][-3:] == ["agent", "resident", "agent"]
        assert other.post(f"/console/api/handoffs/{handoff}/return", {}).status_code == 409
        assert agent.post(f"/console/api/handoffs/{handoff}/return", {}).json()["handoff"]["status"] == "returned"
        assert turn(resident, "低保咋申请").json()["replies"]           # the bot (here its fallback) answers again
        assert [(h.id != handoff, h.status) for h in list_open(session_factory)] == [(True, "waiting")]  # anew
    finally:
        for staff in (agent, other, wang):
            staff.close()
        resident[0].__exit__(None, None, None)
    kinds = [n.kind for n in list_notifications(session_factory)]
    assert kinds.count("handoff.message") == 3          # taken, the answer, handed back


def test_a_hand_off_nobody_takes_is_escalated_once_and_the_resident_told(session_factory, redis_client) -> None:  # noqa: ANN001
    now = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
    old = record_handoff(session_factory, sender="telegram:42", channel="telegram", reason="distress",
                         last_message="我不想活了", now=now - timedelta(minutes=11))
    record_handoff(session_factory, sender="telegram:43", channel="telegram", reason="requested",
                   last_message="转人工", now=now - timedelta(minutes=3))
    assert [h.id for h in escalate_handoffs(session_factory, redis_client, now, timedelta(minutes=10))] == [old]
    assert escalate_handoffs(session_factory, redis_client, now + timedelta(minutes=1), timedelta(minutes=10)) == []
    [alert] = redis_client.xrange("jsj:supervisor")
    assert alert[1][b"kind"] == b"handoff.escalated" and alert[1][b"urgency"] == b"emergency"
    [told] = list_notifications(session_factory)
    assert told.recipient == "telegram:42" and "督办" in told.text and "110" in told.text
    assert [h.escalated for h in list_open(session_factory)] == [True, False]
