"""The mobile web chat in a real headless Chromium (Debian's chromium and chromedriver, driven by Selenium; no
browser download): a whole application from a village poster's /chat?v=<code>, a reload that keeps the
conversation, the status view, and a screenshot at a phone's size saved under var/test-artifacts/."""
from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from nlu.masking import mask_personal_data
from tests.conversation.test_conversation_e2e import GOOD_ID, phone_number, tracker
from tests.browser import ARTIFACTS, chromium, needs_chromium, webdriver  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

pytestmark = needs_chromium
POSTER = "370883"                                     # 邹城市: a poster on a notice board there


@pytest.fixture
def chrome(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    with chromium(tmp_path / "profile", "390,844") as driver:
        yield driver


def messages(driver) -> list[str]:  # noqa: ANN001
    return [m.text for m in driver.find_elements(By.CSS_SELECTOR, ".msg")]


def say(driver, text: str, timeout: float = 60) -> None:  # noqa: ANN001
    before = len(messages(driver))
    box = driver.find_element(By.ID, "text")
    box.send_keys(text)
    driver.find_element(By.CSS_SELECTOR, "#send button[type=submit]").click()
    deadline = time.monotonic() + timeout
    while len(messages(driver)) < before + 2:             # the resident's line, then at least one reply
        assert time.monotonic() < deadline, f"no reply to {text!r}: {messages(driver)[-3:]}"
        time.sleep(0.2)


def test_a_whole_application_from_a_village_poster(live, chrome) -> None:  # noqa: ANN001
    phone = phone_number()
    chrome.get(f"{live.gateway_url}/chat?v={POSTER}")
    assert "紧急情况请直接拨打" in chrome.find_element(By.CSS_SELECTOR, ".alarm").text
    session = chrome.get_cookie("jsj_session")
    assert session and session["httpOnly"] and session["sameSite"] == "Strict"
    sender_id = session["value"].split(".")[0]
    answers = {"situation": "俺男人在工地上摔伤了，干不了活，家里没收入了", "consent": "同意", "applies_for": "本人",
               "applicant_name": "王秀英", "id_number": GOOD_ID, "phone": phone, "household_size": "四口人",
               "difficulty_kind": "生活", "application_confirmed": "确认"}
    say(chrome, "俺想申请救助")
    for _ in range(14):
        slots = tracker(live, sender_id, channel="webchat")["slots"]
        slot = slots.get("requested_slot")
        if slot is None:
            break
        assert slot != "location_code", "the poster's place was asked again"
        say(chrome, answers[slot])
    log = "\n".join(messages(chrome))
    assert "申请编号" in log and slots.get("location_code") == POSTER
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    chrome.save_screenshot(str(ARTIFACTS / "webchat-phone.png"))

    shown = messages(chrome)
    chrome.refresh()                                       # a reload keeps the conversation
    deadline = time.monotonic() + 20
    while len(messages(chrome)) < len(shown):
        assert time.monotonic() < deadline, "the conversation was lost on reload"
        time.sleep(0.2)
    # the same conversation, with what the resident typed kept masked (身份证号, phone)
    assert messages(chrome)[: len(shown)] == [mask_personal_data(m) for m in shown]
    assert phone not in "\n".join(messages(chrome)) and GOOD_ID not in "\n".join(messages(chrome))
    deadline = time.monotonic() + 20
    while chrome.find_element(By.ID, "cases").get_attribute("hidden") is not None:
        assert time.monotonic() < deadline, "the status view did not show the case"
        time.sleep(0.2)
    status = chrome.find_element(By.ID, "case-list").text
    assert "JSJ-" in status and "提交申请" in status
    chrome.save_screenshot(str(ARTIFACTS / "webchat-phone-status.png"))
