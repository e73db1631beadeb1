"""Debian's headless Chromium driven by Selenium with Debian's chromedriver (no browser or driver download), for
the page tests; skipped where `make browser` has not installed them."""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from jishijiu.settings import PROJECT_ROOT

os.environ.setdefault("SE_OFFLINE", "true")          # Selenium Manager never looks for a driver online
webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.service import Service  # noqa: E402

ARTIFACTS = PROJECT_ROOT / "var" / "test-artifacts"
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
needs_chromium = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="Debian's chromium and chromium-driver "
                                    "are installed by `make test` (make browser)")


@contextmanager
def chromium(profile: Path, window: str) -> Iterator[webdriver.Chrome]:
    """A headless browser with its own profile, at `window` ("390,844" for a phone)."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--window-size={window}", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
