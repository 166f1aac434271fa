"""End to end in a real browser (Playwright driving Debian's /usr/bin/chromium): sign in, every page, a filter
that changes the URL and the numbers, a CSV download and the weekly report, and what an agent may see.

Without Chromium or Playwright these tests skip with the reason, unless JOURNEY_REQUIRE_BROWSER=1 (as in CI),
where they fail instead."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from journey import access, audit, demo
from journey.access import User
from journey.store import open_store

ROOT = Path(__file__).parents[1]
CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_ENV = "JOURNEY_REQUIRE_BROWSER"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
END = date(2026, 11, 22)
RANGE = "from=2026-10-26&to=2026-11-22"
PASSWORD = "browser-test-password"
PAGES = ["Overview", "Journey", "Agents", "Pipeline", "Weekly review", "Customers", "Data health"]


def _browser_missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (requirements-dev.txt)"
    return None


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    missing = _browser_missing()
    if missing:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but {missing}")
        pytest.skip(f"browser tests skipped: {missing}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield browser
        browser.close()


@dataclass(frozen=True)
class Server:
    url: str
    store_url: str
    folder: Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Streamlit on a free port over the small demo, password sign-in, one user per role."""
    folder = tmp_path_factory.mktemp("browser")
    store_url = f"duckdb:///{folder / 'demo.duckdb'}"
    store = open_store(store_url)
    demo.build(store, "small", seed=7, end_date=END)
    agent_id = str(store.query("access_team_agents", teams=["Care Blue"])["agent_id"][0])
    for user in (User("erin", "executive"), User("ann", "analyst"), User("ada", "agent", agent_id=agent_id)):
        access.add_user(store, user, PASSWORD)
    store.engine.dispose()
    config = folder / "journey.toml"
    config.write_text((ROOT / "config" / "journey.toml").read_text(encoding="utf-8").replace(
        'mode = "none"', 'mode = "password"'), encoding="utf-8")
    shutil.copytree(ROOT / ".streamlit", folder / ".streamlit")  # Streamlit reads its config from the cwd
    port = _free_port()
    env = {**os.environ, "JOURNEY_DATABASE_URL": store_url, "JOURNEY_CONFIG": str(config)}
    log = (folder / "streamlit.log").open("w", encoding="utf-8")  # a pipe nobody reads would fill and stall it
    process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"),
                                "--server.port", str(port), "--server.headless", "true"],
                               cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, folder / "streamlit.log")
        yield Server(url, store_url, folder)
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited: {log.read_text(encoding='utf-8')[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"streamlit did not answer at {url}")


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def settle(page: Any) -> None:
    """Wait until Streamlit has finished running the script for what is on screen."""
    page.wait_for_selector("[data-testid='stApp']", timeout=120_000)
    page.wait_for_timeout(400)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000)
    page.wait_for_timeout(300)


def sign_in(browser: Any, server: Server, name: str, path: str = "") -> Any:
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page.goto(f"{server.url}/{path}?{RANGE}")
    settle(page)
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("stSidebar").get_by_text("Signed in as")).to_be_visible(timeout=120_000)
    expect(page.get_by_label("User name")).to_have_count(0, timeout=120_000)
    settle(page)
    return page


def page_problems(page: Any) -> list[str]:
    text = page.inner_text("body")
    return [marker for marker in ("Traceback", "Something went wrong", "cannot be read", "cannot be opened",
                                  "StreamlitAPIException") if marker in text]


def test_executive_signs_in_opens_every_page_and_a_filter_changes_url_and_numbers(chromium: Any,
                                                                                   server: Server) -> None:
    page = sign_in(chromium, server, "erin")
    assert "Signed in as erin" in page.inner_text("[data-testid='stSidebar']")
    for title in PAGES:
        page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
        settle(page)
        expect(page.get_by_role("heading", level=1).first).to_have_text(re.compile(f"^{title}"), timeout=120_000)
        settle(page)
        assert page_problems(page) == [], title
        assert "from=2026-10-26" in page.url, title  # the filters travel with the page
    page.get_by_test_id("stSidebarNav").get_by_text("Overview", exact=True).click()
    settle(page)
    page.wait_for_selector(".js-plotly-plot, [data-testid='stMetricValue']")
    before = page.locator("[data-testid='stMetricValue']").first.inner_text()
    channel = page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").filter(has_text="Channel")
    channel.click()
    page.get_by_role("option", name="voice", exact=True).click()
    expect(channel).to_contain_text("voice", timeout=120_000)  # the choice took before the list closes
    page.keyboard.press("Escape")
    # Streamlit rewrites the URL with replaceState, not a navigation: poll it rather than wait for a load
    expect(page).to_have_url(re.compile("channel=voice"), timeout=120_000)
    settle(page)
    expect(page.locator("[data-testid='stMetricValue']").first).not_to_have_text(before, timeout=120_000)
    page.close()


def test_csv_download_and_weekly_report_are_files_and_audited(chromium: Any, server: Server) -> None:
    page = sign_in(chromium, server, "ann", "agents")
    expect(page.get_by_role("heading", name="Scorecard")).to_be_visible(timeout=120_000)
    settle(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").first.click()
    csv = Path(download.value.path()).read_text(encoding="utf-8")
    assert download.value.suggested_filename == "agent_scorecard.csv"
    assert csv.splitlines()[0].startswith("rank,agent_id,agent_name") and len(csv.splitlines()) > 5
    settle(page)
    page.get_by_test_id("stSidebarNav").get_by_text("Weekly review", exact=True).click()
    settle(page)
    build = page.get_by_role("button", name="Build and keep this week's report")
    expect(build).to_be_visible(timeout=120_000)  # below every section of the week: the page's last part
    settle(page)
    build.click()
    expect(page.get_by_text(re.compile(r"^Kept .*weekly-"))).to_be_visible(timeout=120_000)
    settle(page)
    with page.expect_download() as report:
        page.get_by_role("button", name="Download", exact=True).click()
    html = Path(report.value.path()).read_text(encoding="utf-8")
    assert report.value.suggested_filename.startswith("weekly-2026-W") and html.startswith("<!DOCTYPE html>")
    assert "Weekly review" in html
    settle(page)
    assert _exports_logged(server, lambda e: "agent_scorecard.csv" in e and any(x.startswith("weekly-") for x in e))
    page.close()


def _exports_logged(server: Server, wanted: Any, seconds: float = 30) -> bool:
    """Whether the server's audit log (written in the background) shows the exports, waiting up to `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        events = audit.recent(open_store(server.store_url, read_only=True).query)
        if wanted(events.filter(events["event"] == "export")["detail"].to_list()):
            return True
        time.sleep(0.5)
    return False


def test_an_agent_sees_only_their_own_row_and_no_data_health_in_the_menu(chromium: Any, server: Server) -> None:
    page = sign_in(chromium, server, "ada", "agents")
    nav = page.inner_text("[data-testid='stSidebarNav']")
    assert "Agents" in nav and "Data health" not in nav
    expect(page.get_by_text("You see your own rows")).to_be_visible(timeout=120_000)
    expect(page.get_by_role("heading", name="Scorecard")).to_be_visible(timeout=120_000)
    settle(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").first.click()
    rows = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert len(rows) == 2  # the header and the agent's own row
    page.close()


def test_a_wrong_password_is_refused_with_one_line(chromium: Any, server: Server) -> None:
    page = chromium.new_page()
    page.goto(f"{server.url}/agents?{RANGE}")
    settle(page)
    page.get_by_label("User name").fill("erin")
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    settle(page)
    expect(page.get_by_text("unknown user name or wrong password")).to_be_visible(timeout=120_000)
    assert page.locator("[data-testid='stDataFrame']").count() == 0
    page.close()
