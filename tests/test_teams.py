"""Teams: two dashboard processes on one PostGIS database see each other's uploads.

The test starts a real PostgreSQL/PostGIS server and two ``streamlit run``
processes (A and B) on the same database, and drives both in headless
Chromium. An analyst uploads a file through B's Upload page; A, never
restarted, shows the new events on its next run. Then a batch stored through
the store API while both serve reaches both, and undoing it removes it from
both. Counts are read from the sidebar ("N of M events"), polled with a
deadline: nothing waits a fixed time and calls it a result.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import time

import pandas as pd
import pytest
import sqlalchemy as sa
from conftest import start_streamlit

from footprint import paths
from footprint.data import schema, store
from footprint.importers import pipeline, synth

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

PASSWORD = "teams-test-password"
DEADLINE_SECONDS = 90
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


@pytest.fixture(scope="module")
def team_database(postgres_url, boundaries_ready) -> str:
    """The shared PostGIS store, emptied and loaded with the seed events."""
    engine = store.make_engine(postgres_url)
    with engine.begin() as connection:
        for table in ("event_sources", "event_groups", "events", "groups", "batches", "meta"):
            connection.execute(sa.text(f"DROP TABLE IF EXISTS {table} CASCADE"))
    store.initialise(engine)
    engine.dispose()
    return postgres_url


@pytest.fixture(scope="module")
def servers(team_database, browser):
    """Processes A and B serving the same database; yields their base URLs."""
    started = []
    try:
        for _ in range(2):
            started.append(
                start_streamlit(team_database, env_extra={"FOOTPRINT_ANALYST_PASSWORD": PASSWORD})
            )
        for _, base in started:
            # The first request must run app.py (see test_browser_map.entry_point_first).
            context = browser.new_context()
            page = context.new_page()
            page.goto(base + "/")
            page.wait_for_selector(IDLE, timeout=90_000)
            context.close()
        yield [base for _, base in started]
    finally:
        for process, _ in started:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def stored_total(url: str) -> int:
    engine = store.make_engine(url)
    with engine.connect() as connection:
        total = store.count_events(connection)
    engine.dispose()
    return total


def total_shown(page) -> int:
    """The sidebar's "N of M events": M, the events the process sees in the store."""
    text = page.locator('[data-testid="stSidebar"]').inner_text()
    match = re.search(r"([\d,]+) of ([\d,]+) events", text)
    assert match, text
    return int(match.group(2).replace(",", ""))


def wait_for_total(page, base: str, expected: int) -> int:
    """Reload ``base`` (a new run of the same process) until it shows ``expected`` events."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    shown = None
    while time.monotonic() < deadline:
        page.goto(f"{base}/events")
        page.wait_for_selector(IDLE, timeout=DEADLINE_SECONDS * 1000)
        page.locator('[data-testid="stSidebar"]').get_by_text(" events").first.wait_for()
        shown = total_shown(page)
        if shown == expected:
            return shown
    return shown


def upload_file() -> bytes:
    """Two attacks in Quetta in February 1995, in our template."""
    out = io.StringIO()
    writer = csv.DictWriter(out, list(schema.EVENT_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for n, (lat, lon) in enumerate(((30.19, 67.01), (30.21, 66.98)), start=1):
        writer.writerow(
            {
                "event_id": f"teams-{n}",
                "event_date": f"1995-02-{10 + n}",
                "date_precision": "day",
                "event_type": "attack",
                "attack_type": "bombing",
                "location_text": f"teams test place {n}",
                "city": "Quetta",
                "province": "Balochistan",
                "latitude": lat,
                "longitude": lon,
                "geo_precision": "site",
                "perpetrators": "Lashkar-e-Jhangvi (claimed)",
                "killed_min": 2,
                "killed_max": 2,
                "summary": "A test upload for the teams test.",
                "source_id": "teams-test",
            }
        )
    return out.getvalue().encode()


def test_a_process_sees_what_another_stored_without_a_restart(
    servers, team_database, browser, tmp_path
):
    base_a, base_b = servers
    seed_total = len(pd.read_csv(paths.EVENTS_CSV, dtype=str, keep_default_na=False))
    assert stored_total(team_database) == seed_total
    a = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    b = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    assert wait_for_total(a, base_a, seed_total) == seed_total
    assert wait_for_total(b, base_b, seed_total) == seed_total

    # An analyst uploads through B's page.
    b.goto(f"{base_b}/upload")
    b.wait_for_selector(IDLE, timeout=90_000)
    b.get_by_role("textbox", name="Your name").fill("Teams Test")
    b.get_by_label("Analyst password").fill(PASSWORD)
    b.get_by_role("button", name="Sign in").click()
    b.locator('[data-testid="stFileUploader"] input[type="file"]').wait_for(
        state="attached", timeout=90_000
    )
    file = tmp_path / "quetta-1995.csv"
    file.write_bytes(upload_file())
    b.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(file))
    b.get_by_text("recognised as Footprint template").wait_for(timeout=90_000)
    b.wait_for_selector(IDLE, timeout=90_000)
    b.get_by_role("button", name="Confirm and store").click()
    b.get_by_text("Stored batch 1: 2 events").wait_for(timeout=90_000)
    assert stored_total(team_database) == seed_total + 2

    # A, never restarted, shows them on its next run; so does B.
    assert wait_for_total(a, base_a, seed_total + 2) == seed_total + 2
    assert wait_for_total(b, base_b, seed_total + 2) == seed_total + 2

    # A batch stored through the store API while both serve reaches both ...
    engine = store.make_engine(team_database)
    batch = synth.store_synthetic(engine, 1_500, seed=21)
    expected = seed_total + 2 + 1_500
    assert wait_for_total(a, base_a, expected) == expected
    assert wait_for_total(b, base_b, expected) == expected
    # ... and undoing it leaves both.
    pipeline.undo(engine, batch.batch_id, "teams test")
    engine.dispose()
    assert wait_for_total(a, base_a, seed_total + 2) == seed_total + 2
    assert wait_for_total(b, base_b, seed_total + 2) == seed_total + 2
