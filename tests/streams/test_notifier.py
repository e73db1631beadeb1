"""Case updates back to the resident through the door their case came in by: stream → notifications row →
the door (fake WeChat and Telegram servers record what would be sent), retried with back-off, recorded."""
from __future__ import annotations

import json
from dataclasses import replace
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import httpx
import pytest
import redis.asyncio as aioredis
from sqlalchemy import select
from telegram import Bot

from cases import notifications
from cases.models import Notification
from cases.notifications import MAX_ATTEMPTS, list_notifications
from cases.service import message_resident, submit_case, transition_case
from cases.states import NoticeStatus
from connectors.notices import TelegramNotices, WebChatNotices, WeChatNotices
from connectors.wechat_api import WeChatApi
from connectors.webchat import history_key
from conversation.inbox import InboundMessage, last_heard
from streams.notifier import GROUP, Notifier
from streams.relay import OutboxRelay
from streams.routing import NOTIFY_STREAM
from tests.cases.fixtures import CASES_REDIS_URL, PHONE, application, STORE_SECRET_KEY, prepared_database_url, triage
from tests.connectors.fake_telegram import FakeTelegram
from tests.connectors.fake_wechat import FakeWeChat

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 3, 3, 2, 0, tzinfo=timezone.utc)
TOKEN = "123456789:AAF0123456789notifiertestabcdefghij"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _file(session_factory, cipher, divisions, user: str) -> str:  # noqa: ANN001
    app = replace(application(user=user), channel=user.split(":")[0])
    return submit_case(session_factory, app, triage(NOW), NOW, cipher=cipher, divisions=divisions)


def _accept(session_factory, redis_client, number: str, at: datetime = NOW) -> None:  # noqa: ANN001
    transition_case(session_factory, number, "accepted", actor="worker:test", now=at)
    OutboxRelay(session_factory, redis_client).drain()


def _heard(session_factory, sender: str, at: datetime) -> None:  # noqa: ANN001
    with session_factory.begin() as session:
        session.add(InboundMessage(sender=sender, channel="wechat", text="你好", outcome="answered",
                                   received_at=at, updated_at=at))


@pytest.fixture
def fake_telegram():  # noqa: ANN201
    with FakeTelegram(TOKEN) as fake:
        yield fake


@pytest.fixture
async def bot(fake_telegram):  # noqa: ANN001, ANN201
    bot = Bot(TOKEN, base_url=f"{fake_telegram.base_url}/bot")
    yield bot
    await bot.shutdown()


async def test_a_status_change_reaches_the_telegram_chat_once(session_factory, cipher, divisions, redis_client,
                                                              fake_telegram, bot) -> None:  # noqa: ANN001
    number = _file(session_factory, cipher, divisions, "telegram:4242")
    _accept(session_factory, redis_client, number)
    notifier = Notifier(session_factory, redis_client, {"telegram": TelegramNotices(bot)}, clock=Clock(NOW))
    tally = await notifier.run_once()
    assert tally["recorded"] == 1 and tally["delivered"] == 1
    sent = fake_telegram.messages_to(4242)
    assert len(sent) == 1 and number in sent[0]["text"] and "已受理" in sent[0]["text"]
    # a stream redelivery of the same outbox row, and another pass: still one message
    entry_id, fields = redis_client.xrange(NOTIFY_STREAM)[0]
    redis_client.xadd(NOTIFY_STREAM, fields)
    assert (await notifier.run_once())["recorded"] == 0
    assert len(fake_telegram.messages_to(4242)) == 1
    [row] = list_notifications(session_factory)
    assert (row.status, row.via, row.attempts, row.recipient) == (NoticeStatus.DELIVERED, "telegram", 1,
                                                                 "telegram:4242")
    assert redis_client.xpending(NOTIFY_STREAM, GROUP)["pending"] == 0      # acknowledged once recorded


async def test_submission_itself_tells_no_one_and_other_kinds_are_not_sent(session_factory, cipher, divisions,
                                                                          redis_client, fake_telegram, bot
                                                                          ) -> None:  # noqa: ANN001
    number = _file(session_factory, cipher, divisions, "telegram:77")
    OutboxRelay(session_factory, redis_client).drain()
    transition_case(session_factory, number, "accepted", actor="w", now=NOW)
    transition_case(session_factory, number, "dispatched", actor="w", now=NOW, departments=["minzheng"])
    OutboxRelay(session_factory, redis_client).drain()
    await Notifier(session_factory, redis_client, {"telegram": TelegramNotices(bot)}, clock=Clock(NOW)).run_once()
    assert [m["text"][:6] for m in fake_telegram.messages_to(77)] == ["【济时救】您"]   # accepted only


async def test_a_failing_channel_is_retried_with_back_off_then_delivered(session_factory, cipher, divisions,
                                                                        redis_client, fake_telegram, bot
                                                                        ) -> None:  # noqa: ANN001
    number = _file(session_factory, cipher, divisions, "telegram:5")
    _accept(session_factory, redis_client, number)
    clock = Clock(NOW)
    notifier = Notifier(session_factory, redis_client, {"telegram": TelegramNotices(bot)}, clock=clock)
    fake_telegram.failing = 1
    assert (await notifier.run_once())["pending"] == 1
    [row] = list_notifications(session_factory)
    assert row.attempts == 1 and row.next_attempt_at == NOW + timedelta(seconds=30) and "Telegram" in row.last_error
    clock.now = NOW + timedelta(seconds=10)                 # not yet due: nothing is tried
    assert (await notifier.run_once())["delivered"] == 0 and fake_telegram.messages_to(5) == []
    clock.now = NOW + timedelta(seconds=31)
    assert (await notifier.run_once())["delivered"] == 1
    assert len(fake_telegram.messages_to(5)) == 1


async def test_every_retry_failing_ends_failed_and_a_blocked_user_fails_at_once(session_factory, cipher,
                                                                               divisions, redis_client,
                                                                               fake_telegram, bot, tmp_path
                                                                               ) -> None:  # noqa: ANN001
    down = _file(session_factory, cipher, divisions, "telegram:6")
    blocked = _file(session_factory, cipher, divisions, "telegram:7")
    _accept(session_factory, redis_client, down)
    _accept(session_factory, redis_client, blocked)
    fake_telegram.blocked.add(7)
    clock = Clock(NOW)
    notifier = Notifier(session_factory, redis_client, {"telegram": TelegramNotices(bot)}, clock=clock)
    fake_telegram.failing = 1000                  # Telegram is down for good (a blocked user still gets its 403)
    await notifier.run_once()
    for _ in range(MAX_ATTEMPTS + 2):
        clock.now += timedelta(hours=2)
        await notifier.run_once()
    by_case = {r.case_number: r for r in list_notifications(session_factory)}
    assert by_case[blocked].status is NoticeStatus.FAILED and by_case[blocked].attempts == 1
    assert by_case[down].status is NoticeStatus.FAILED and by_case[down].attempts == MAX_ATTEMPTS
    listing = _cli("notifications", "list", "--failed")
    assert listing.returncode == 0, listing.stderr
    assert down in listing.stdout and blocked in listing.stdout and "Forbidden" in listing.stdout
    assert "共 2 条" in listing.stdout


async def test_wechat_within_48_hours_a_custom_message_after_a_template_else_waiting(
        session_factory, cipher, divisions, redis_client) -> None:  # noqa: ANN001
    recent, old, gone = (_file(session_factory, cipher, divisions, f"wechat:{o}") for o in ("oRecent", "oOld", "oGone"))
    _heard(session_factory, "wechat:oRecent", NOW - timedelta(hours=47))
    _heard(session_factory, "wechat:oOld", NOW - timedelta(hours=49))
    _heard(session_factory, "wechat:oGone", NOW - timedelta(hours=1))
    for number in (recent, old, gone):
        _accept(session_factory, redis_client, number)
    areds = aioredis.Redis.from_url(CASES_REDIS_URL)
    with FakeWeChat() as fake:
        fake.refuse["oGone"] = 43004               # unfollowed the account
        async with httpx.AsyncClient() as http:
            api = WeChatApi(fake.base_url, "wxappid", "secret", areds, http)
            heard = lambda sender: last_heard(session_factory, sender)  # noqa: E731
            without = Notifier(session_factory, redis_client, {"wechat": WeChatNotices(api, heard, clock=Clock(NOW))},
                               clock=Clock(NOW))
            tally = await without.run_once()
            assert (tally["delivered"], tally["waiting"], tally["failed"]) == (1, 1, 1)
            assert [m["touser"] for m in fake.sent] == ["oRecent"] and recent in fake.sent[0]["text"]["content"]
            status = {r.case_number: (r.status, r.via) for r in list_notifications(session_factory)}
            assert status[old] == (NoticeStatus.WAITING, None) and status[gone][0] is NoticeStatus.FAILED
            # with a template configured, the waiting notice goes as a template message at its next look
            later = Clock(NOW + timedelta(minutes=11))
            template = WeChatNotices(api, heard, "TPL-status-001", "https://jsj.example/chat", clock=later)
            assert (await Notifier(session_factory, redis_client, {"wechat": template}, clock=later).run_once()
                    )["delivered"] == 1
            [sent] = fake.templates
            assert sent["touser"] == "oOld" and sent["data"]["keyword1"]["value"] == old
            assert sent["url"] == "https://jsj.example/chat" and len(fake.sent) == 1
    await areds.aclose()


async def test_a_waiting_wechat_notice_goes_when_the_resident_writes_again(session_factory, cipher, divisions,
                                                                           redis_client) -> None:  # noqa: ANN001
    number = _file(session_factory, cipher, divisions, "wechat:oBack")
    _accept(session_factory, redis_client, number)
    areds = aioredis.Redis.from_url(CASES_REDIS_URL)
    clock = Clock(NOW)
    with FakeWeChat() as fake:
        async with httpx.AsyncClient() as http:
            door = WeChatNotices(WeChatApi(fake.base_url, "wx", "s", areds, http),
                                 lambda s: last_heard(session_factory, s), clock=clock)
            notifier = Notifier(session_factory, redis_client, {"wechat": door}, clock=clock)
            assert (await notifier.run_once())["waiting"] == 1
            clock.now = NOW + timedelta(hours=3)
            _heard(session_factory, "wechat:oBack", clock.now)
            assert (await notifier.run_once())["delivered"] == 1 and len(fake.sent) == 1
    await areds.aclose()


async def test_web_chat_notices_join_the_sessions_conversation(session_factory, cipher, divisions,
                                                               redis_client) -> None:  # noqa: ANN001
    live, expired = (_file(session_factory, cipher, divisions, f"webchat:{s}") for s in ("sess-live", "sess-gone"))
    redis_client.rpush(history_key("sess-live"), json.dumps({"who": "resident", "text": "你好"}))
    for number in (live, expired):
        _accept(session_factory, redis_client, number)
    areds = aioredis.Redis.from_url(CASES_REDIS_URL)
    tally = await Notifier(session_factory, redis_client, {"webchat": WebChatNotices(areds)},
                           clock=Clock(NOW)).run_once()
    await areds.aclose()
    assert (tally["delivered"], tally["waiting"]) == (1, 1)
    turns = [json.loads(t) for t in redis_client.lrange(history_key("sess-live"), 0, -1)]
    assert turns[-1]["who"] == "bot" and turns[-1]["notice"] and live in turns[-1]["text"]
    assert not redis_client.exists(history_key("sess-gone"))


async def test_a_caseworkers_message_reaches_the_resident_masked(session_factory, cipher, divisions, redis_client,
                                                                 fake_telegram, bot) -> None:  # noqa: ANN001
    number = _file(session_factory, cipher, divisions, "telegram:88")
    message_resident(session_factory, number, f"明天上午入户核实，有事打我电话，也可以回拨 {PHONE}",
                     actor="township:370811001:wang", now=NOW)
    OutboxRelay(session_factory, redis_client).drain()
    await Notifier(session_factory, redis_client, {"telegram": TelegramNotices(bot)}, clock=Clock(NOW)).run_once()
    [sent] = fake_telegram.messages_to(88)
    assert "明天上午入户核实" in sent["text"] and PHONE not in sent["text"] and "138****5678" in sent["text"]
    with session_factory() as session:
        assert PHONE not in session.scalar(select(Notification.text))


async def test_a_door_not_configured_keeps_the_notice_waiting(session_factory, cipher, divisions,
                                                              redis_client) -> None:  # noqa: ANN001
    number = _file(session_factory, cipher, divisions, "api-cityapp:u1")
    _accept(session_factory, redis_client, number)
    assert (await Notifier(session_factory, redis_client, {}, clock=Clock(NOW)).run_once())["waiting"] == 1
    assert notifications.counts(session_factory) == {"waiting": 1}


def _cli(*argv: str, extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": prepared_database_url(), "JISHIJIU_SECRET_KEY": STORE_SECRET_KEY,
           "REDIS_URL": CASES_REDIS_URL, **(extra or {})}
    return subprocess.run([sys.executable, "-m", "jishijiu.cli", *argv], capture_output=True, text=True, env=env,
                          timeout=120)


def test_the_worker_command_delivers_a_status_change_through_the_cases_channel(
        session_factory, cipher, divisions, redis_client, fake_telegram, tmp_path) -> None:  # noqa: ANN001
    number = _file(session_factory, cipher, divisions, "telegram:9001")
    transition_case(session_factory, number, "accepted", actor="worker:test", now=NOW)
    settings = {"TELEGRAM_TOKEN": TOKEN, "TELEGRAM_SECRET": "s" * 32, "TELEGRAM_API_BASE": fake_telegram.base_url,
                "JISHIJIU_DATA_DIR": str(tmp_path)}
    done = _cli("worker", "--once", extra=settings)
    assert done.returncode == 0, done.stderr
    [sent] = fake_telegram.messages_to(9001)
    assert number in sent["text"]
    assert _cli("worker", "--once", extra=settings).returncode == 0 and len(fake_telegram.messages_to(9001)) == 1


def test_the_running_worker_notifies_while_it_relays_and_stops_on_sigterm(
        session_factory, cipher, divisions, redis_client, fake_telegram, tmp_path) -> None:  # noqa: ANN001
    env = {**os.environ, "DATABASE_URL": prepared_database_url(), "JISHIJIU_SECRET_KEY": STORE_SECRET_KEY,
           "REDIS_URL": CASES_REDIS_URL,
           "TELEGRAM_TOKEN": TOKEN, "TELEGRAM_SECRET": "s" * 32, "TELEGRAM_API_BASE": fake_telegram.base_url,
           "JISHIJIU_DATA_DIR": str(tmp_path)}
    worker = subprocess.Popen([sys.executable, "-m", "jishijiu.cli", "worker", "--interval", "0.1"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        number = _file(session_factory, cipher, divisions, "telegram:31337")
        transition_case(session_factory, number, "accepted", actor="worker:test", now=datetime.now(timezone.utc))
        deadline = time.monotonic() + 30
        while not fake_telegram.messages_to(31337) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert number in fake_telegram.messages_to(31337)[0]["text"]
        assert redis_client.xlen("jsj:dept:minzheng:urgent") == 2      # the caseworkers got submission + acceptance
        assert redis_client.get("jsj:worker:heartbeat")                 # what GET /healthz reads
    finally:
        worker.send_signal(signal.SIGTERM)
        _, err = worker.communicate(timeout=30)
    assert worker.returncode == 0, err


async def test_one_residents_notices_arrive_in_order_and_a_retry_holds_back_the_next(
        session_factory, cipher, divisions, redis_client, fake_telegram, bot) -> None:  # noqa: ANN001
    for i in range(5):
        notifications.enqueue(session_factory, recipient="telegram:55", kind="handoff.message", text=f"第{i}条",
                              now=NOW)
    notifier = Notifier(session_factory, redis_client, {"telegram": TelegramNotices(bot)}, clock=Clock(NOW))
    fake_telegram.failing = 1                     # the first fails: none of the others may overtake it
    assert (await notifier.run_once())["delivered"] == 0
    notifier = Notifier(session_factory, redis_client, {"telegram": TelegramNotices(bot)},
                        clock=Clock(NOW + timedelta(minutes=1)))
    assert (await notifier.run_once())["delivered"] == 5
    assert [m["text"] for m in fake_telegram.messages_to(55)] == [f"第{i}条" for i in range(5)]
