"""Screenshot dashboard pages in headless Chromium once Streamlit has finished drawing them.

Usage: python scripts/screenshot.py http://127.0.0.1:8501/agents?from=2026-01-01 out.png [more url out pairs]
"""

from __future__ import annotations

import sys

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def shoot(pairs: list[tuple[str, str]], width: int = 1500, height: int = 1100) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        for url, out in pairs:
            page.goto(url, wait_until="networkidle")
            page.wait_for_selector("[data-testid='stApp']", timeout=60_000)
            # Streamlit shows a status widget while the script runs; wait until it is gone
            page.wait_for_function(
                "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000)
            page.wait_for_timeout(1500)
            page.screenshot(path=out, full_page=True)
            print(out)
        browser.close()


if __name__ == "__main__":
    items = sys.argv[1:]
    shoot(list(zip(items[::2], items[1::2], strict=True)))
