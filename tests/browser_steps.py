"""Steps the browser tests share: serve a store, sign in, upload, read the page.

Each step drives the real page the way an analyst does (typing, clicking,
choosing a file) and waits on the page's own state rather than a fixed time.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import serving_process

from footprint.data import schema
from footprint.views import palette

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
DECK_CANVAS = '[data-testid="stDeckGlJsonChart"] canvas'
FILE_INPUT = '[data-testid="stFileUploader"] input[type="file"]'
ANALYST_NAME = "Browser Analyst"


@contextlib.contextmanager
def serving(database_url: str, browser, env_extra: dict | None = None):
    """Serve ``database_url`` with ``streamlit run``; yield the base URL once warmed.

    The first request must run ``app.py`` (see ``test_browser_map.entry_point_first``),
    so one throwaway visit of the home page happens before the test's own.
    """
    with serving_process(database_url, env_extra) as base:
        context = browser.new_context()
        first = context.new_page()
        first.goto(base + "/")
        first.wait_for_selector(IDLE, timeout=90_000)
        context.close()
        yield base


def wait_until_idle(page, timeout: float = 90_000) -> None:
    """Wait until the script has finished and the map's canvas, if any, is shown."""
    page.wait_for_selector(IDLE, timeout=timeout)
    page.wait_for_timeout(1500)
    if page.locator(DECK_CANVAS).count():
        page.locator(DECK_CANVAS).first.wait_for(state="visible", timeout=timeout)
        page.wait_for_timeout(2500)


def event_counts(page) -> tuple[int, int]:
    """The sidebar's "N of M events" as (N, M)."""
    text = page.locator('[data-testid="stSidebar"]').inner_text()
    match = re.search(r"([\d,]+) of ([\d,]+) events", text)
    assert match, text
    return int(match.group(1).replace(",", "")), int(match.group(2).replace(",", ""))


def group_pixels(page, group: str) -> int:
    """Pixels of the map's canvas within 6 levels of ``group``'s palette colour."""
    from PIL import Image

    png = page.locator(DECK_CANVAS).first.screenshot()
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    rgb = np.array(palette.group_colour(group))
    return int((np.abs(pixels - rgb).max(axis=2) <= 6).sum())


def sign_in(page, base: str, password: str, name: str = ANALYST_NAME) -> None:
    """Open the Upload page and sign in as an analyst; wait for the file input."""
    page.goto(f"{base}/upload")
    page.wait_for_selector(IDLE, timeout=90_000)
    page.get_by_role("textbox", name="Your name").fill(name)
    page.get_by_label("Analyst password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.locator(FILE_INPUT).wait_for(state="attached", timeout=90_000)
    wait_until_idle(page)


def choose_upload(page, file: Path) -> None:
    """Put ``file`` into the Upload page's file input and wait for its check."""
    page.locator(FILE_INPUT).set_input_files(str(file))
    page.get_by_text("recognised as Footprint template").wait_for(timeout=90_000)
    wait_until_idle(page)


def confirm_upload(page, stored: str) -> None:
    """Press "Confirm and store" and wait for the page to say ``stored``."""
    page.get_by_role("button", name="Confirm and store").click()
    page.get_by_text(stored).wait_for(timeout=90_000)
    wait_until_idle(page)


def template_csv(rows: list[dict]) -> bytes:
    """A file in our template holding ``rows`` (columns left out are empty)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, list(schema.EVENT_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def open_karachi_map(page, base: str, month: dict) -> None:
    """Open the map on the Karachi view with the dates narrowed to ``month``."""
    page.goto(f"{base}/?view=karachi&from={month['from']}&to={month['to']}")
    wait_until_idle(page)


def karachi_attack(event_id: str, day: str, latitude: float, longitude: float, **fields) -> dict:
    """A row of our template: an armed assault at a site in Karachi on ``day``.

    ``fields`` override or add columns (perpetrators, location_text, tolls, summary).
    """
    return {
        "event_id": event_id,
        "event_date": day,
        "date_precision": "day",
        "event_type": "attack",
        "attack_type": "armed_assault",
        "location_text": f"test place {event_id}",
        "city": "Karachi",
        "province": "Sindh",
        "latitude": latitude,
        "longitude": longitude,
        "geo_precision": "site",
        "killed_min": 1,
        "killed_max": 1,
        "summary": "a test row",
        "source_id": "browser-test",
        **fields,
    }


def analyst_server(password: str):
    """Return a module-scoped fixture: a server on a new SQLite store, analysts signing in with ``password``.

    Each test module that assigns it (``server = analyst_server(...)``) gets a
    server and a store of its own, so its batch numbers start at 1.
    """

    @pytest.fixture(scope="module")
    def server(tmp_path_factory, browser, boundaries_ready):
        database = tmp_path_factory.mktemp("browser-analyst") / "store.db"
        env = {"FOOTPRINT_ANALYST_PASSWORD": password}
        with serving(f"sqlite:///{database}", browser, env) as base:
            yield base

    return server
