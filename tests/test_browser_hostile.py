"""deck.gl expressions in an upload never break the map (issue 9), in headless Chromium.

An upload holds a row whose perpetrator is ``@@=x`` and one whose place is
``@@#Nothing.here``: strings deck.gl would read as expressions. The upload
refuses those rows with the fix (the other rows are stored), the preview map
draws, and after confirming, the map page still draws the stored rows' dots
with no deck.gl error for any viewer.
"""

from __future__ import annotations

import pytest
from browser_steps import (
    DECK_CANVAS,
    analyst_server,
    choose_upload,
    confirm_upload,
    event_counts,
    group_pixels,
    karachi_attack,
    open_karachi_map,
    sign_in,
    template_csv,
)
from test_browser_upload import GROUP, PASSWORD

pytestmark = pytest.mark.browser

MONTH = {"from": "1999-04-01", "to": "1999-04-30"}
server = analyst_server(PASSWORD)


def hostile_file() -> bytes:
    rows = [
        (24.93, 67.06, f"{GROUP} (claimed)", "test place 1"),
        (24.90, 67.12, f"{GROUP} (claimed)", "test place 2"),
        (24.96, 67.03, "@@=x (claimed)", "test place 3"),
        (24.95, 67.05, f"{GROUP} (claimed)", "@@#Nothing.here"),
    ]
    return template_csv(
        [
            karachi_attack(
                f"hostile-{n}",
                f"1999-04-{10 + n}",
                lat,
                lon,
                perpetrators=perpetrators,
                location_text=place,
                killed_min=2,
                killed_max=2,
                summary="@@=summary text" if n == 3 else "a test row",
            )
            for n, (lat, lon, perpetrators, place) in enumerate(rows, start=1)
        ]
    )


def test_the_map_still_draws_after_an_upload_holding_deck_expressions(
    server, page, tmp_path, artifacts_dir
):
    console = []
    page.on("console", lambda message: console.append(message.text))
    open_karachi_map(page, server, MONTH)
    shown_before, total_before = event_counts(page)
    pixels_before = group_pixels(page, GROUP)

    sign_in(page, server, PASSWORD)
    file = tmp_path / "april-1999.csv"
    file.write_bytes(hostile_file())
    choose_upload(page, file)
    # the preview map draws; the @@ rows are refused with the fix
    assert page.locator(DECK_CANVAS).count() >= 1
    page.screenshot(path=str(artifacts_dir / "hostile_upload_preview.png"), full_page=True)
    confirm_upload(page, "Stored batch 1: 2 events")
    assert page.errors == [], page.errors

    open_karachi_map(page, server, MONTH)
    shown_after, total_after = event_counts(page)
    assert (shown_after, total_after) == (shown_before + 2, total_before + 2)
    assert group_pixels(page, GROUP) >= pixels_before + 2 * 20  # the new dots are drawn
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not [text for text in console if "deck" in text.lower() and "error" in text.lower()]
    assert page.errors == [], page.errors
    page.screenshot(path=str(artifacts_dir / "hostile_map_after.png"), full_page=True)
