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

import contextlib
import time

import pandas as pd
import pytest
from browser_steps import (
    IDLE,
    choose_upload,
    confirm_upload,
    event_counts,
    serving,
    sign_in,
    template_csv,
)
from conftest import empty_engine

from footprint import paths
from footprint.data import store
from footprint.importers import pipeline, synth

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

PASSWORD = "teams-test-password"
DEADLINE_SECONDS = 90


@pytest.fixture(scope="module")
def team_database(postgres_url, boundaries_ready) -> str:
    """The shared PostGIS store, emptied and loaded with the seed events."""
    engine = empty_engine(postgres_url)
    store.initialise(engine)
    engine.dispose()
    return postgres_url


@pytest.fixture(scope="module")
def servers(team_database, browser):
    """Processes A and B serving the same database; yields their base URLs."""
    env = {"FOOTPRINT_ANALYST_PASSWORD": PASSWORD}
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(serving(team_database, browser, env)) for _ in range(2)]


def stored_total(url: str) -> int:
    engine = store.make_engine(url)
    with engine.connect() as connection:
        total = store.count_events(connection)
    engine.dispose()
    return total


def wait_for_total(page, base: str, expected: int) -> int:
    """Reload ``base`` (a new run of the same process) until it shows ``expected`` events."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    shown = None
    while time.monotonic() < deadline:
        page.goto(f"{base}/events")
        page.wait_for_selector(IDLE, timeout=DEADLINE_SECONDS * 1000)
        page.locator('[data-testid="stSidebar"]').get_by_text(" events").first.wait_for()
        shown = event_counts(page)[1]  # M of "N of M events": all the process sees
        if shown == expected:
            return shown
    return shown


def upload_file() -> bytes:
    """Two attacks in Quetta in February 1995, in our template."""
    return template_csv(
        [
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
            for n, (lat, lon) in enumerate(((30.19, 67.01), (30.21, 66.98)), start=1)
        ]
    )


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
    sign_in(b, base_b, PASSWORD, name="Teams Test")
    file = tmp_path / "quetta-1995.csv"
    file.write_bytes(upload_file())
    choose_upload(b, file)
    confirm_upload(b, "Stored batch 1: 2 events")
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
