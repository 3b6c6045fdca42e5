"""Take the README's screenshots: ``python docs/screenshots.py [--only NAME ...]``.

Starts the dashboard on a free port against a fresh SQLite store (the seed
events), drives Debian's headless Chromium with Playwright and writes PNGs to
``docs/screenshots/``: the map (Karachi and Both, at 1400x900 and 1920x1080)
before and after the UCDP GED export from ``../shared/real-exports/`` is
imported into that store, the briefing at 1920x1080 and the upload review
page. The UCDP data is third-party and never committed; only the pictures are.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("FOOTPRINT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SIZES = {"1400": (1400, 900), "1920": (1920, 1080)}
#: A password for the throwaway server, so the upload page can be shown signed in.
ANALYST_PASSWORD = "screenshots-only"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(database_url: str) -> tuple[subprocess.Popen, str]:
    """Start ``streamlit run app.py`` and wait until it answers."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false", "--server.headless", "true",
         "--server.fileWatcherType", "none"],
        cwd=ROOT,
        env=dict(
            os.environ, FOOTPRINT_DATABASE_URL=database_url,
            FOOTPRINT_ANALYST_PASSWORD=ANALYST_PASSWORD,
        ),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            with urllib.request.urlopen(base + "/_stcore/health", timeout=2):
                return process, base
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("streamlit did not start")


def settle(page) -> None:
    """Wait for the script run to end and the map to draw."""
    page.wait_for_selector(
        '[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=180_000
    )
    page.wait_for_timeout(1500)
    if page.locator('[data-testid="stDeckGlJsonChart"]').count():
        page.locator('[data-testid="stDeckGlJsonChart"] canvas').first.wait_for(
            state="visible", timeout=180_000
        )
        page.wait_for_timeout(4000)


def shoot(browser, base: str, path: str, name: str, size: str, wanted: set[str]) -> None:
    if wanted and name not in wanted:
        return
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(base + "/")
    settle(page)
    page.goto(base + path)
    settle(page)
    page.screenshot(path=str(OUT / f"{name}.png"))
    context.close()
    print(OUT / f"{name}.png")


def shoot_upload_review(browser, base: str, csv: Path, wanted: set[str]) -> None:
    """Sign in as the analyst, choose the UCDP export and photograph its review."""
    name = "upload_review_1400"
    if (wanted and name not in wanted) or not csv.exists():
        return
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.goto(base + "/")
    settle(page)
    page.goto(base + "/upload")
    settle(page)
    page.get_by_label("Analyst password").fill(ANALYST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    settle(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(csv))
    page.wait_for_timeout(3000)
    settle(page)
    page.wait_for_timeout(3000)
    settle(page)
    page.screenshot(path=str(OUT / f"{name}.png"))
    context.close()
    print(OUT / f"{name}.png")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=[], help="screenshot names to take")
    args = parser.parse_args()
    wanted = set(args.only)
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    ucdp = ROOT.parent / "shared" / "real-exports" / "ucdp_ged_pakistan.csv"
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        database_url = f"sqlite:///{tmp}/footprint.db"
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        process, base = start(database_url)
        try:
            for size in SIZES:
                shoot(browser, base, "/map?view=karachi", f"map_karachi_seed_{size}", size, wanted)
                shoot(browser, base, "/map?view=both", f"map_both_seed_{size}", size, wanted)
            shoot(browser, base, "/briefing?step=3", "briefing_1920", "1920", wanted)
            shoot_upload_review(browser, base, ucdp, wanted)
            if ucdp.exists():
                subprocess.run(
                    [sys.executable, "-m", "footprint", "import", str(ucdp),
                     "--database-url", database_url, "--user", "screenshots"],
                    cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                )  # fmt: skip
                for size in SIZES:
                    shoot(browser, base, "/map?view=karachi", f"map_karachi_ucdp_{size}", size,
                          wanted)  # fmt: skip
                    shoot(browser, base, "/map?view=both", f"map_both_ucdp_{size}", size, wanted)
            else:
                print(f"{ucdp} is missing: the after-upload screenshots were not taken")
        finally:
            process.terminate()
            process.wait(timeout=10)
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
