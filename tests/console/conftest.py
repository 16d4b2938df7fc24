"""The console in a real browser: Debian's chromium and chromium-driver driven by selenium, against
the app served over HTTP in this process (werkzeug), with the keyword NLU stand-in, the sandbox
backends, real Redis, the WeChat simulator (customer-service messages reach it through the job
worker running here), and a records database of the test's own.

Where chromium or its driver is missing (`make test` installs them with apt-get when it can), these
tests are skipped with a message, except under CI=true, where they fail."""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from bot.core.jobs import JobRunner
from bot.core.privacy import ID_LIKE, PHONE
from bot.core.settings import load_settings
from bot.runtime import build_runtime
from tests.fixtures.console import NEW_PASSWORD
from tests.fixtures.fake_nlu import KeywordNlu

# The screenshots kept in docs/console/ are refreshed with UPDATE_SCREENSHOTS=1 (they change with
# every run: times, numbers); otherwise each run takes them into a temporary folder, checked the same.
DOCS_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "console"
SHOTS = DOCS_SHOTS if os.environ.get("UPDATE_SCREENSHOTS") == "1" else Path(tempfile.mkdtemp(prefix="console-shots-"))


def _unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run under CI: {reason}")
    pytest.skip(f"browser tests skipped: {reason} (make test installs chromium, chromium-driver and "
                "fonts-wqy-microhei with apt-get where it can)")


@pytest.fixture(scope="session")
def browser():
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _unavailable("selenium is not installed")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        _unavailable("chromium or chromedriver is not installed")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1360,1000", "--lang=zh-CN"):
        options.add_argument(arg)
    try:
        driver = webdriver.Chrome(service=Service(driver_path), options=options)
    except Exception as e:   # noqa: BLE001 — whatever stops the browser, say it
        _unavailable(f"chromium did not start: {type(e).__name__}: {str(e)[:200]}")
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture
def live(redis_hub, sandbox, sandbox_clean, sim, records_url):
    """The app over HTTP and a job worker, on a runtime whose WeChat is the simulator."""
    from app import create_app
    overrides = {"redis.key_prefix": redis_hub.prefix, "redis.url": redis_hub.url, "records.url": records_url,
                 "wechat.api_base_url": sim.url}
    for name, url in sandbox.urls.items():
        if name != "control":
            overrides[f"backends.{name}.base_url"] = url
    runtime = build_runtime(load_settings(env={}, overrides=overrides))
    runtime.dispatcher.nlu = KeywordNlu()
    app = create_app(runtime=runtime)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    stop = threading.Event()
    late = runtime.wechat_oa.late
    runner = JobRunner(late.jobs, late.job_handlers(), consumer="browser-test-worker")
    working = threading.Thread(target=runner.run_forever, args=(stop.is_set, 100), daemon=True)
    working.start()
    runtime.url = f"http://127.0.0.1:{server.server_port}"
    runtime.app = app
    yield runtime
    stop.set()
    server.shutdown()
    working.join(timeout=10)


class Console:
    """A person at the browser: logs in, opens pages, keeps a screenshot of each page seen, and
    checks that no page shows a raw ID or phone number."""

    def __init__(self, driver, runtime):
        self.driver = driver
        self.runtime = runtime
        self.driver.delete_all_cookies()

    def open(self, path: str):
        self.driver.get(self.runtime.url + path)
        return self

    def find(self, css: str):
        from selenium.webdriver.common.by import By
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def finds(self, css: str):
        from selenium.webdriver.common.by import By
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def fill(self, css: str, text: str):
        field = self.find(css)
        field.clear()
        field.send_keys(text)

    def click(self, css: str, element=None):
        """Click what submits a form or follows a link, and wait for the next page."""
        page = self.find("html")
        (element or self.find(css)).click()
        self.wait_gone(page)

    def run(self, script: str):
        """Run a script that navigates (a form it submits), and wait for the next page."""
        page = self.find("html")
        self.driver.execute_script(script)
        self.wait_gone(page)

    def wait_gone(self, page) -> None:
        """Wait until `page` (its <html> element) is replaced. Chromium's driver says so with a
        stale-element error, or, mid-navigation, with an inspector error: either means gone."""
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.support.ui import WebDriverWait

        def gone(_driver) -> bool:
            try:
                page.is_enabled()
            except WebDriverException:
                return True
            return False
        WebDriverWait(self.driver, 30).until(gone)

    @property
    def text(self) -> str:
        return self.find("body").text

    def shows_no_raw_identifier(self) -> None:
        """The rendered text and the page's source hold no full ID or phone number."""
        for where in (self.text, self.driver.page_source):
            assert not ID_LIKE.search(where), f"a raw ID number on {self.driver.current_url}"
            assert not PHONE.search(re.sub(r"data:image/png;base64,[^\"']+", "", where)), \
                f"a raw phone number on {self.driver.current_url}"

    def shot(self, name: str) -> Path:
        """Keep a screenshot of this page for docs/console/ (after checking what it shows)."""
        self.shows_no_raw_identifier()
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}.png"
        # The whole page, not only the window: grow the window to the page's height for the shot.
        width, height = self.driver.get_window_size()["width"], self.driver.get_window_size()["height"]
        full = self.driver.execute_script("return document.documentElement.scrollHeight")
        self.driver.set_window_size(width, min(max(height, full + 140), 8000))
        try:
            self.driver.save_screenshot(str(path))
        finally:
            self.driver.set_window_size(width, height)
        return path

    def login(self, name: str, password: str):
        self.open("/console/login")
        self.fill("#name", name)
        self.fill("#password", password)
        self.click("#login")
        return self

    def account(self, role: str, department: str | None = None, *, name: str | None = None) -> str:
        """An account whose one-time password is changed already; logged in."""
        name = name or f"{role}.{department or 'x'}"[:40]
        otp = self.runtime.records.accounts.create(name, role, department)
        self.runtime.records.accounts.change_password(name, otp, NEW_PASSWORD)
        self.driver.delete_all_cookies()
        self.login(name, NEW_PASSWORD)
        return name


@pytest.fixture
def console(browser, live):
    return Console(browser, live)
