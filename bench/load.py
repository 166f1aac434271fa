"""Load: N concurrent browser sessions on the Overview and the Agents page; time to the first chart.

Starts Streamlit on a free port over a demo store (built once into --folder), opens --sessions browser
contexts at once in one headless Chromium (/usr/bin/chromium), half on the Overview and half on the Agents
page (each with its own cold session, so every one runs the page's queries; the server's caches are shared
as in production), and reports p50/p95/max seconds from navigation to the first Plotly chart drawn
(`.js-plotly-plot`). Prints its figures; nothing is asserted.

Usage: .venv/bin/python bench/load.py [--sessions 20] [--scale small] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date
from pathlib import Path

from journey import demo
from journey.store import open_store

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
END = date(2026, 11, 22)
RANGE = "from=2026-10-26&to=2026-11-22"
PAGES = ("", "agents")  # Overview (the default page) and Agents


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(folder: Path, store_url: str) -> tuple[subprocess.Popen[bytes], str]:
    shutil.copytree(ROOT / ".streamlit", folder / ".streamlit", dirs_exist_ok=True)
    port = free_port()
    log = (folder / "streamlit.log").open("w", encoding="utf-8")
    env = {**os.environ, "JOURNEY_DATABASE_URL": store_url, "JOURNEY_CONFIG": str(ROOT / "config" / "journey.toml")}
    process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"),
                                "--server.port", str(port), "--server.headless", "true"],
                               cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return process, url
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit(f"streamlit did not start; see {folder / 'streamlit.log'}")


async def first_chart(browser: object, url: str) -> float:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    page = await context.new_page()
    began = time.perf_counter()
    await page.goto(url, wait_until="commit", timeout=300_000)
    await page.wait_for_selector(".js-plotly-plot", timeout=300_000)
    elapsed = time.perf_counter() - began
    await context.close()
    return elapsed


async def warm_up(url: str) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        page = await browser.new_page()
        await page.goto(url)
        await page.wait_for_selector("h1", timeout=300_000)
        await browser.close()


async def one_round(url: str, sessions: int) -> dict[str, list[float]]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                   args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        targets = [PAGES[i % len(PAGES)] for i in range(sessions)]
        times = await asyncio.gather(*(first_chart(browser, f"{url}/{page}?{RANGE}") for page in targets))
        await browser.close()
    by_page: dict[str, list[float]] = {"overview": [], "agents": []}
    for page, seconds in zip(targets, times, strict=True):
        by_page[page or "overview"].append(seconds)
    return by_page


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--scale", default="small")
    parser.add_argument("--rounds", type=int, default=2, help="round 1 starts with cold caches, later ones warm")
    parser.add_argument("--folder", type=Path, help="where the demo store is kept (default: a temporary folder)")
    args = parser.parse_args()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="journey-load-"))
    folder.mkdir(parents=True, exist_ok=True)
    store_url = f"duckdb:///{folder / f'demo-{args.scale}.duckdb'}"
    if not (folder / f"demo-{args.scale}.duckdb").exists():
        began = time.perf_counter()
        rows = demo.build(open_store(store_url), args.scale, end_date=END)
        print(f"demo {args.scale}: {sum(rows.values()):,} rows in {time.perf_counter() - began:.1f} s")
    process, url = start_server(folder, store_url)
    try:
        # one visit to a third page first: Streamlit leaves its pages-folder mode and imports the library once
        asyncio.run(warm_up(f"{url}/data_health?{RANGE}"))
        for round_number in range(1, args.rounds + 1):
            began = time.perf_counter()
            by_page = asyncio.run(one_round(url, args.sessions))
            wall = time.perf_counter() - began
            everything = [s for values in by_page.values() for s in values]
            print(f"round {round_number} ({'cold' if round_number == 1 else 'warm'} caches), {args.sessions} "
                  f"concurrent sessions, wall {wall:.1f} s")
            for name, values in (*by_page.items(), ("all", everything)):
                print(f"  {name:9} n={len(values):2}  p50 {statistics.median(values):6.2f} s  "
                      f"p95 {percentile(values, 0.95):6.2f} s  max {max(values):6.2f} s")
    finally:
        process.terminate()
        process.wait(timeout=20)


if __name__ == "__main__":
    main()
