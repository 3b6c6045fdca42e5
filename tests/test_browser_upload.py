"""Upload through the real page in headless Chromium, then see the new events on the map.

The test starts its own server (a fresh SQLite store, an analyst password in
the environment), signs in, puts a small file into the page's file input,
confirms, and checks the map page: the sidebar's event count grows by the
rows stored, and with the dates narrowed to the upload's month the map's
canvas shows three more dots in the group's palette colour.
Uploaded text with HTML in it stays text. Screenshots go to ``tests/artifacts/``.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess

import numpy as np
import pytest
from conftest import start_streamlit

from footprint.data import schema
from footprint.views import palette

pytestmark = pytest.mark.browser

PASSWORD = "browser-upload-password"
DECK_CANVAS = '[data-testid="stDeckGlJsonChart"] canvas'
GROUP = "Lashkar-e-Jhangvi"
HOSTILE = '<img src="x" id="injected" onerror="window.injected=1"> **not bold**'
MONTH = {"from": "1999-03-01", "to": "1999-03-31"}


@pytest.fixture(scope="module")
def server(tmp_path_factory, browser, boundaries_ready):
    database = tmp_path_factory.mktemp("browser-upload") / "store.db"
    process, base = start_streamlit(
        f"sqlite:///{database}", env_extra={"FOOTPRINT_ANALYST_PASSWORD": PASSWORD}
    )
    try:
        # The first request must run app.py (see test_browser_map.entry_point_first).
        context = browser.new_context()
        first = context.new_page()
        first.goto(base + "/")
        wait_until_idle(first)
        context.close()
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def upload_file() -> bytes:
    """Three Lashkar-e-Jhangvi attacks in Karachi in March 1999 (no seed event is then)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, list(schema.EVENT_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for n, (lat, lon) in enumerate(((24.93, 67.06), (24.90, 67.12), (24.96, 67.03)), start=1):
        writer.writerow(
            {
                "event_id": f"browser-{n}",
                "event_date": f"1999-03-{10 + n}",
                "date_precision": "day",
                "event_type": "attack",
                "attack_type": "armed_assault",
                "location_text": HOSTILE if n == 1 else f"test place {n}",
                "city": "Karachi",
                "province": "Sindh",
                "latitude": lat,
                "longitude": lon,
                "geo_precision": "site",
                "perpetrators": f"{GROUP} (claimed)",
                "killed_min": 1,
                "killed_max": 1,
                "summary": HOSTILE,
                "source_id": "browser-test",
            }
        )
    return out.getvalue().encode()


def wait_until_idle(page, timeout: float = 90_000) -> None:
    page.wait_for_selector(
        '[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout
    )
    page.wait_for_timeout(1500)
    if page.locator(DECK_CANVAS).count():
        page.locator(DECK_CANVAS).first.wait_for(state="visible", timeout=timeout)
        page.wait_for_timeout(2500)


def event_counts(page) -> tuple[int, int]:
    text = page.locator('[data-testid="stSidebar"]').inner_text()
    match = re.search(r"([\d,]+) of ([\d,]+) events", text)
    assert match, text
    return int(match.group(1).replace(",", "")), int(match.group(2).replace(",", ""))


def group_pixels(page) -> int:
    from PIL import Image

    png = page.locator(DECK_CANVAS).first.screenshot()
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    rgb = np.array(palette.group_colour(GROUP))
    return int((np.abs(pixels - rgb).max(axis=2) <= 6).sum())


def open_map(page, base: str) -> None:
    page.goto(f"{base}/?view=karachi&from={MONTH['from']}&to={MONTH['to']}")
    wait_until_idle(page)


def test_upload_then_see_the_events_on_the_map(server, page, tmp_path, artifacts_dir):
    open_map(page, server)
    # (seed events with long date spans may overlap the month too)
    shown_before, total_before = event_counts(page)
    pixels_before = group_pixels(page)

    page.goto(f"{server}/upload")
    wait_until_idle(page)
    assert page.locator('[data-testid="stFileUploader"]').count() == 0  # viewers cannot upload
    page.get_by_role("textbox", name="Your name").fill("Browser Analyst")
    page.get_by_label("Analyst password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    wait_until_idle(page)
    file = tmp_path / "march-1999.csv"
    file.write_bytes(upload_file())
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(file))
    page.get_by_text("recognised as Footprint template").wait_for(timeout=90_000)
    wait_until_idle(page)
    # uploaded HTML is shown as text, never run or rendered
    assert page.locator("#injected").count() == 0
    assert page.evaluate("window.injected === undefined")
    page.screenshot(path=str(artifacts_dir / "upload_preview.png"), full_page=True)
    page.get_by_role("button", name="Confirm and store").click()
    page.get_by_text("Stored batch 1: 3 events").wait_for(timeout=90_000)
    wait_until_idle(page)
    assert page.errors == [], page.errors

    open_map(page, server)
    shown_after, total_after = event_counts(page)
    assert (shown_after, total_after) == (shown_before + 3, total_before + 3)
    assert group_pixels(page) >= pixels_before + 3 * 20  # three more dots of >= 5 px radius
    assert page.locator("#injected").count() == 0
    page.screenshot(path=str(artifacts_dir / "upload_map_after.png"), full_page=True)

    page.goto(f"{server}/batches")
    wait_until_idle(page)
    assert page.locator('[data-testid="stDataFrame"]').count() == 1  # the grid draws on a canvas
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(artifacts_dir / "upload_batches.png"), full_page=True)
