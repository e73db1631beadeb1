"""The console in a real headless Chromium (Debian's chromium and chromedriver, driven by Selenium; no browser
download), against a gateway served by uvicorn on a free port (Rasa down: the console does not need it): sign-in
and lockout, the queue's scope, order and countdown colours, assisted chat to a filed case, a lifecycle step with
the resident's notice, a hand-off answered by an agent and handed back. Screenshots go to var/test-artifacts/."""
from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import uvicorn

from cases.notifications import list_notifications
from cases.service import get_case, list_cases, submit_case
from console.accounts import add_user
from console.roles import Role, Scope
from conversation.handoff import get_handoff, record_handoff
from jishijiu.gateway.app import create_app
from jishijiu.settings import Settings
from streams.notifier import Notifier
from tests.cases.fixtures import CASES_REDIS_URL, ID_NUMBER, PHONE, application, triage
from tests.console.test_console_http import PASSWORD
from tests.conversation.live import CHAT_REDIS_URL
from tests.browser import ARTIFACTS, chromium, needs_chromium, webdriver  # noqa: E402
from selenium.common.exceptions import (NoSuchElementException, StaleElementReferenceException,  # noqa: E402
                                        WebDriverException)
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

pytestmark = needs_chromium
HERE, THERE = "370811001", "370811002"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def gateway(store_settings: Settings, session_factory) -> Iterator[str]:  # noqa: ANN001
    settings = replace(store_settings, redis_url=CHAT_REDIS_URL, rasa_url="http://127.0.0.1:1")
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the gateway did not start"
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def chrome(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    with chromium(tmp_path / "profile", "1280,900") as driver:
        yield driver


def wait(driver, condition, timeout: float = 20):  # noqa: ANN001, ANN201
    return WebDriverWait(driver, timeout).until(condition)


def sign_in(driver, base: str, username: str, password: str = PASSWORD) -> None:  # noqa: ANN001
    driver.get(f"{base}/console/login")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password)
    button = driver.find_element(By.CSS_SELECTOR, "button[type=submit]")
    button.click()
    WebDriverWait(driver, 20).until(lambda d: gone(button))          # the answer page has replaced the form


def gone(element) -> bool:  # noqa: ANN001
    """The element is no longer in the page (chromedriver says so in more than one way)."""
    try:
        element.is_enabled()
        return False
    except (StaleElementReferenceException, WebDriverException):
        return True


def queue_rows(driver) -> list[tuple[str, str]]:  # noqa: ANN001
    return [tuple(r) for r in driver.execute_script(
        "return Array.from(document.querySelectorAll('#queue tr')).map(r => [r.dataset.case, r.className]);")]


def click_fresh(driver, css: str) -> bool:  # noqa: ANN001
    """Click the element now on the page (False when it was redrawn under us: try again)."""
    try:
        driver.find_element(By.CSS_SELECTOR, css).click()
        return True
    except (StaleElementReferenceException, NoSuchElementException):
        return False


def shot(driver, name: str) -> None:  # noqa: ANN001
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"console-{name}.png"))


def test_sign_in_and_lockout(gateway: str, chrome, session_factory) -> None:  # noqa: ANN001
    add_user(session_factory, "agent1", Role.AGENT, password=PASSWORD, now=datetime.now(timezone.utc))
    chrome.get(f"{gateway}/console")
    assert chrome.current_url.endswith("/console/login")                      # nothing without signing in
    for i in range(5):
        sign_in(chrome, gateway, "agent1", f"wrong password {i}")
    assert "已锁定" in chrome.find_element(By.CSS_SELECTOR, ".error").text
    sign_in(chrome, gateway, "agent1")
    assert "已锁定" in chrome.find_element(By.CSS_SELECTOR, ".error").text     # even with the right password
    shot(chrome, "lockout")


def test_the_queue_scope_order_and_countdown_colours(gateway: str, chrome, session_factory, cipher,
                                                     divisions) -> None:  # noqa: ANN001
    now = datetime.now(timezone.utc)
    filed = {}
    for name, division, urgency, age, span in (
            ("red", HERE, "emergency", timedelta(minutes=115), timedelta(hours=2)),       # 96% of 2 hours used
            ("amber", HERE, "urgent", timedelta(hours=15), timedelta(hours=24)),          # 62% of 24 hours used
            ("fresh", HERE, "normal", timedelta(0), timedelta(days=20)),
            ("theirs", THERE, "emergency", timedelta(0), timedelta(hours=2))):
        start = now - age
        filed[name] = submit_case(session_factory, application(division=division), triage(
            start, urgency, deadlines={urgency: span}), start, cipher=cipher, divisions=divisions)
    add_user(session_factory, "wang", Role.TOWNSHIP, password=PASSWORD, now=now, scope=Scope(township=HERE))
    sign_in(chrome, gateway, "wang")
    wait(chrome, lambda d: len(queue_rows(d)) == 3)
    rows = queue_rows(chrome)                          # (the rows are redrawn every second: read them at once)
    assert [case for case, _ in rows] == [filed["red"], filed["amber"], filed["fresh"]]
    assert [colour for _, colour in rows] == ["red", "amber", ""]
    assert filed["theirs"] not in chrome.page_source
    shot(chrome, "queue")
    Select(chrome.find_element(By.ID, "f-urgency")).select_by_value("urgent")         # a filter
    wait(chrome, lambda d: [case for case, _ in queue_rows(d)] == [filed["amber"]])


def test_assisted_chat_files_the_callers_application(gateway: str, chrome, session_factory) -> None:  # noqa: ANN001
    add_user(session_factory, "agent1", Role.AGENT, password=PASSWORD, now=datetime.now(timezone.utc))
    sign_in(chrome, gateway, "agent1")
    chrome.get(f"{gateway}/console/assist")
    said = chrome.find_element(By.ID, "said")
    for line in ("俺是任城区的，俺叫李秀英", f"身份证 {ID_NUMBER[:6]} {ID_NUMBER[6:14]} {ID_NUMBER[14:]}",
                 f"电话 {PHONE}", "俺家三口人，老伴住院透析，低保咋申请"):
        said.send_keys(line)
        chrome.find_element(By.ID, "add").click()
        time.sleep(0.3)
    wait(chrome, lambda d: d.find_element(By.ID, "f-phone").get_attribute("value") == PHONE)
    assert chrome.find_element(By.ID, "f-name").get_attribute("value") == "李秀英"
    assert chrome.find_element(By.ID, "f-id_number").get_attribute("value") == ID_NUMBER
    wait(chrome, lambda d: click_fresh(d, "#answers .copy"))         # the answers are redrawn as the call goes on
    assert chrome.find_element(By.ID, "readout").get_attribute("value")           # the answer, to read out
    chrome.find_element(By.ID, "consent").click()
    chrome.find_element(By.ID, "submit").click()
    wait(chrome, lambda d: "已提交" in d.find_element(By.ID, "result").text)
    shot(chrome, "assist")
    [case] = list_cases(session_factory)
    assert case.channel == "hotline" and case.case_number in chrome.find_element(By.ID, "result").text


def test_a_lifecycle_step_reaches_the_resident(gateway: str, chrome, session_factory, cipher, divisions,
                                               redis_client) -> None:  # noqa: ANN001
    import redis.asyncio as aioredis

    from connectors.notices import TelegramNotices  # noqa: F401 - the door kinds the notifier knows
    from connectors.notices import WebChatNotices
    from connectors.webchat import history_key

    now = datetime.now(timezone.utc)
    number = submit_case(session_factory, replace(application(division=HERE, user="webchat:sess-b1"),
                                                  channel="webchat"), triage(now), now, cipher=cipher,
                         divisions=divisions)
    sync = redis_client                        # emptied for this test: the relay's once-only keys start afresh
    sync.rpush(history_key("sess-b1"), '{"who": "resident", "text": "我要求助"}')
    add_user(session_factory, "wang", Role.TOWNSHIP, password=PASSWORD, now=now, scope=Scope(township=HERE))
    sign_in(chrome, gateway, "wang")
    chrome.get(f"{gateway}/console/cases/{number}")
    button = wait(chrome, ec.element_to_be_clickable((By.CSS_SELECTOR, "#next button[data-state=accepted]")))
    button.click()
    wait(chrome, lambda d: "accepted" in d.find_element(By.ID, "history").text)
    shot(chrome, "case")
    assert get_case(session_factory, number).status.value == "accepted"
    from streams.relay import OutboxRelay
    OutboxRelay(session_factory, sync).drain()

    async def deliver() -> None:
        areds = aioredis.Redis.from_url(CASES_REDIS_URL)
        await Notifier(session_factory, sync, {"webchat": WebChatNotices(areds)}).run_once()
        await areds.aclose()
    asyncio.run(deliver())
    [notice] = list_notifications(session_factory)
    assert notice.status.value == "delivered" and "已受理" in notice.text
    assert "已受理" in sync.lrange(history_key("sess-b1"), -1, -1)[0].decode()


def test_a_hand_off_answered_by_an_agent_and_handed_back(gateway: str, chrome, session_factory) -> None:  # noqa: ANN001
    now = datetime.now(timezone.utc)
    handoff = record_handoff(session_factory, sender="telegram:777", channel="telegram", reason="requested",
                             last_message="我要找人工", now=now - timedelta(minutes=4))
    add_user(session_factory, "agent1", Role.AGENT, password=PASSWORD, now=now)
    sign_in(chrome, gateway, "agent1")
    chrome.get(f"{gateway}/console/handoffs")
    item = wait(chrome, ec.element_to_be_clickable((By.CSS_SELECTOR, f".item[data-id='{handoff}']")))
    assert "已等 4 分钟" in item.text
    item.click()
    wait(chrome, ec.element_to_be_clickable((By.ID, "take"))).click()
    wait(chrome, lambda d: get_handoff(session_factory, handoff).status == "taken")
    chrome.find_element(By.ID, "message").send_keys("您好，我是工作人员，请说说您的情况")
    chrome.find_element(By.ID, "send").click()
    wait(chrome, lambda d: "请说说您的情况" in d.find_element(By.ID, "conversation").text)
    shot(chrome, "handoff")
    chrome.find_element(By.ID, "return").click()
    wait(chrome, lambda d: get_handoff(session_factory, handoff).status == "returned")
    texts = [n.text for n in list_notifications(session_factory)]
    assert any("请说说您的情况" in t for t in texts) and any("交回给智能助手" in t for t in texts)
