"""Upload through the real page in headless Chromium, then see the new events on the map.

The test starts its own server (a fresh SQLite store, an analyst password in
the environment), signs in, puts a small file into the page's file input,
confirms, and checks the map page: the sidebar's event count grows by the
rows stored, and with the dates narrowed to the upload's month the map's
canvas shows three more dots in the group's palette colour.
Uploaded text with HTML in it stays text. Screenshots go to ``tests/artifacts/``.
"""

from __future__ import annotations

import pytest
from browser_steps import (
    analyst_server,
    choose_upload,
    confirm_upload,
    event_counts,
    group_pixels,
    karachi_attack,
    open_karachi_map,
    sign_in,
    template_csv,
    wait_until_idle,
)

pytestmark = pytest.mark.browser

PASSWORD = "browser-upload-password"
GROUP = "Lashkar-e-Jhangvi"
HOSTILE = '<img src="x" id="injected" onerror="window.injected=1"> **not bold**'
MONTH = {"from": "1999-03-01", "to": "1999-03-31"}


server = analyst_server(PASSWORD)


def upload_file() -> bytes:
    """Three Lashkar-e-Jhangvi attacks in Karachi in March 1999 (no seed event is then)."""
    sites = ((24.93, 67.06), (24.90, 67.12), (24.96, 67.03))
    return template_csv(
        [
            karachi_attack(
                f"browser-{n}",
                f"1999-03-{10 + n}",
                lat,
                lon,
                perpetrators=f"{GROUP} (claimed)",
                location_text=HOSTILE if n == 1 else f"test place {n}",
                summary=HOSTILE,
            )
            for n, (lat, lon) in enumerate(sites, start=1)
        ]
    )


def test_upload_then_see_the_events_on_the_map(server, page, tmp_path, artifacts_dir):
    open_karachi_map(page, server, MONTH)
    # (seed events with long date spans may overlap the month too)
    shown_before, total_before = event_counts(page)
    pixels_before = group_pixels(page, GROUP)

    page.goto(f"{server}/upload")
    wait_until_idle(page)
    assert page.locator('[data-testid="stFileUploader"]').count() == 0  # viewers cannot upload
    sign_in(page, server, PASSWORD)
    file = tmp_path / "march-1999.csv"
    file.write_bytes(upload_file())
    choose_upload(page, file)
    # uploaded HTML is shown as text, never run or rendered
    assert page.locator("#injected").count() == 0
    assert page.evaluate("window.injected === undefined")
    page.screenshot(path=str(artifacts_dir / "upload_preview.png"), full_page=True)
    confirm_upload(page, "Stored batch 1: 3 events")
    assert page.errors == [], page.errors

    open_karachi_map(page, server, MONTH)
    shown_after, total_after = event_counts(page)
    assert (shown_after, total_after) == (shown_before + 3, total_before + 3)
    assert group_pixels(page, GROUP) >= pixels_before + 3 * 20  # three more dots of >= 5 px radius
    assert page.locator("#injected").count() == 0
    page.screenshot(path=str(artifacts_dir / "upload_map_after.png"), full_page=True)

    page.goto(f"{server}/batches")
    wait_until_idle(page)
    assert page.locator('[data-testid="stDataFrame"]').count() == 1  # the grid draws on a canvas
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(artifacts_dir / "upload_batches.png"), full_page=True)
