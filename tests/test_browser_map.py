"""The dashboard in a real headless Chromium: pages load, the map draws, a click opens a card.

Runs against ``streamlit_server`` (the app on a free port with a fresh store
loaded from ``data/events.csv``). WebGL runs on SwiftShader, so the map's
pixels are real: the test counts pixels of the palette's colours in a
screenshot of the deck canvas. Screenshots of every page are written to
``tests/artifacts/<page>.png`` for a person to look at.
"""

from __future__ import annotations

import io
import math
import urllib.parse

import numpy as np
import pandas as pd
import pytest
from conftest import require, start_streamlit

from footprint import paths
from footprint.data import filters, schema
from footprint.views import cards, mapview, palette

pytestmark = pytest.mark.browser

#: url_path of every page in app.py ("" is the map, the default page).
PAGES = {
    "map": "",
    "timeline": "timeline",
    "groups": "groups",
    "neighbourhoods": "neighbourhoods",
    "events": "events",
    "briefing": "briefing",
    "upload": "upload",
    "batches": "batches",
}
DECK_CANVAS = '[data-testid="stDeckGlJsonChart"] canvas'
#: Per-channel tolerance when matching palette colours (antialiasing, gamma).
COLOUR_TOLERANCE = 6


@pytest.fixture(scope="module")
def seed_events() -> pd.DataFrame:
    """The events the server loaded (``data/events.csv``)."""
    require(paths.EVENTS_CSV.exists(), f"{paths.EVENTS_CSV} is missing: run build-seeds")
    frame = schema.coerce_events(pd.read_csv(paths.EVENTS_CSV, dtype=str, keep_default_na=False))
    require(len(frame) > 0, "data/events.csv holds no events")
    return frame


def wait_until_idle(page, timeout: float = 60_000) -> None:
    """Wait for the script run to finish and the deck (if any) to draw."""
    page.wait_for_selector(
        '[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout
    )
    page.wait_for_timeout(1500)
    if page.locator(DECK_CANVAS).count():
        page.locator(DECK_CANVAS).first.wait_for(state="visible", timeout=timeout)
        page.wait_for_timeout(2500)  # SwiftShader needs a moment for the first frames


def open_url(page, base: str, path: str = "", query: dict | None = None) -> None:
    url = f"{base}/{path}"
    if query:
        url += "?" + urllib.parse.urlencode(query, doseq=True)
    page.goto(url)
    wait_until_idle(page)


def assert_no_exception(page) -> None:
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, exceptions.all_inner_texts()
    assert page.errors == [], page.errors


def canvas_pixels(page) -> np.ndarray:
    from PIL import Image

    png = page.locator(DECK_CANVAS).first.screenshot()
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def count_colour(pixels: np.ndarray, rgb: tuple[int, int, int]) -> int:
    return int((np.abs(pixels - np.array(rgb)).max(axis=2) <= COLOUR_TOLERANCE).sum())


def screen_position(
    box: dict, preset: str, latitude: float, longitude: float
) -> tuple[float, float]:
    """Where a point is drawn in the deck canvas for a view preset (Web Mercator)."""
    view = mapview.VIEW_PRESETS[preset]
    world = 512 * 2**view.zoom

    def project(lat: float, lon: float) -> tuple[float, float]:
        x = (lon + 180) / 360 * world
        y = (1 - math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / math.pi) / 2 * world
        return x, y

    cx, cy = project(view.latitude, view.longitude)
    px, py = project(latitude, longitude)
    return box["x"] + box["width"] / 2 + (px - cx), box["y"] + box["height"] / 2 + (py - cy)


@pytest.fixture(scope="module", autouse=True)
def entry_point_first(streamlit_server, browser):
    """Open ``/`` before anything else, so the server's first run is ``app.py``.

    With a ``pages/`` folder beside ``app.py``, Streamlit 1.67 runs a fresh
    server's first request in its old pages-folder mode until some run calls
    ``st.navigation``: a first request for ``/briefing`` would run the page
    alone. See ``test_a_fresh_server_opens_a_link_to_any_page``.
    """
    context = browser.new_context()
    page = context.new_page()
    page.goto(streamlit_server + "/")
    wait_until_idle(page)
    context.close()


def test_every_page_loads_without_an_exception(streamlit_server, page, artifacts_dir):
    for name, path in PAGES.items():
        open_url(page, streamlit_server, path)
        assert_no_exception(page)
        assert page.locator('[data-testid="stSidebar"]').count() == 1
        page.screenshot(path=str(artifacts_dir / f"{name}.png"), full_page=True)


def test_map_draws_the_events_in_palette_colours(
    streamlit_server, page, seed_events, artifacts_dir
):
    view = mapview.VIEW_PRESETS["karachi"]
    # Sites are solid dots; neighbourhood-precision events are small discs
    # whose outline is drawn in the group's full colour.
    in_view = seed_events[
        seed_events["geo_precision"].isin(["site", "neighbourhood"])
        & seed_events["event_type"].isin(mapview.LAYER_EVENT_TYPES["attacks"])
        & seed_events["latitude"].between(view.latitude - 0.25, view.latitude + 0.25)
        & seed_events["longitude"].between(view.longitude - 0.35, view.longitude + 0.35)
    ]
    require(len(in_view) > 0, "no finely placed attacks in the Karachi view of the seed events")
    colours = {palette.group_colour(g) for g in filters.primary_group(in_view)}

    open_url(page, streamlit_server, "", {"view": "karachi"})
    assert_no_exception(page)
    pixels = canvas_pixels(page)
    assert pixels.shape[0] > 300 and pixels.shape[1] > 300
    counts = {rgb: count_colour(pixels, rgb) for rgb in colours}
    # Every group drawn in view shows up in its own colour (dots or disc outlines).
    for rgb, count in counts.items():
        assert count >= 20, (rgb, counts)
    # The base is drawn too: land colour and boundary lines.
    assert count_colour(pixels, tuple(mapview.LAND[:3])) > pixels.shape[0] * pixels.shape[1] * 0.2

    # With a filter that keeps no event, the palette's colours vanish: the
    # pixels counted above were the events.
    open_url(page, streamlit_server, "", {"view": "karachi", "killed": "1000000"})
    empty = canvas_pixels(page)
    for rgb in colours:
        assert count_colour(empty, rgb) < 5, rgb
    page.screenshot(path=str(artifacts_dir / "map_no_events.png"))


def isolated_event(events: pd.DataFrame) -> pd.Series:
    """A finely placed attack in the Karachi view whose day no other such event shares."""
    view = mapview.VIEW_PRESETS["karachi"]
    sites = events[
        events["geo_precision"].isin(["site", "neighbourhood"])
        & events["latitude"].notna()
        & events["event_date"].notna()
        & (events["date_precision"] == "day")
    ]
    day_counts = sites["event_date"].value_counts()
    candidates = sites[
        sites["event_date"].map(day_counts).eq(1)
        & sites["event_type"].eq("attack")
        & sites["latitude"].between(view.latitude - 0.15, view.latitude + 0.15)
        & sites["longitude"].between(view.longitude - 0.25, view.longitude + 0.25)
    ]
    require(len(candidates) > 0, "no isolated, finely placed attack in the Karachi view")
    return candidates.iloc[0]


def test_clicking_an_event_opens_its_card(streamlit_server, page, seed_events, artifacts_dir):
    event = isolated_event(seed_events)
    day = event["event_date"].date().isoformat()
    query = {"view": "karachi", "from": day, "to": day, "precision": "neighbourhood"}
    open_url(page, streamlit_server, "", query)
    assert_no_exception(page)
    assert page.locator(".fp-card").count() == 0
    box = page.locator(DECK_CANVAS).first.bounding_box()
    x, y = screen_position(box, "karachi", event["latitude"], event["longitude"])
    assert box["x"] < x < box["x"] + box["width"] and box["y"] < y < box["y"] + box["height"]
    page.mouse.click(x, y)
    title = page.locator(".fp-card h3")
    title.wait_for(timeout=30_000)
    wait_until_idle(page)
    assert title.inner_text().strip() == cards.event_title(event)
    assert page.locator(f'.fp-card[data-event-id="{event["event_id"]}"]').count() == 1
    assert f"event={event['event_id']}" in page.url
    assert_no_exception(page)
    page.screenshot(path=str(artifacts_dir / "map_card.png"))


def test_briefing_steps_with_the_buttons(streamlit_server, page, seed_events, artifacts_dir):
    open_url(page, streamlit_server, "briefing", {"step": "1"})
    assert_no_exception(page)
    assert "event 1 of" in page.locator(".fp-card").first.inner_text().lower()
    page.get_by_role("button", name="Next").click()
    page.wait_for_function("() => document.location.search.includes('step=2')", timeout=30_000)
    wait_until_idle(page)
    assert "event 2 of" in page.locator(".fp-card").first.inner_text().lower()
    assert_no_exception(page)
    page.screenshot(path=str(artifacts_dir / "briefing_step2.png"))


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("/briefing?step=2", "event 2 of"),
        ("/events?province=Balochistan", "of 49 events"),
    ],
)
def test_a_fresh_server_opens_a_link_to_any_page(tmp_path, browser, link, expected):
    """A shared link is the first request a new server sees: the page must run
    through app.py (filters, navigation) and keep the link's state."""
    process, base = start_streamlit(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        context = browser.new_context()
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.goto(base + link)
        wait_until_idle(page)
        assert_no_exception(page)
        page.wait_for_function(
            "text => document.body.innerText.toLowerCase().includes(text)",
            arg=expected,
            timeout=30_000,
        )
        assert link.split("?")[1] in page.url
        assert page.errors == []
        context.close()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_filters_from_a_link_survive_page_switches(streamlit_server, page, seed_events):
    state = filters.FilterState(provinces=("Sindh",), event_types=("attack", "arrest"))
    expected = len(filters.apply_filters(seed_events, state))
    count = f"{expected:,} of {len(seed_events):,} events"
    open_url(page, streamlit_server, "", filters.to_query_params(state))
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert count in sidebar.inner_text()
    navigation = page.get_by_test_id("stSidebarNavItems")
    navigation.get_by_role("link", name="Events").click()
    page.wait_for_url("**/events**")
    wait_until_idle(page)
    navigation.get_by_role("link", name="Map").click()
    page.wait_for_timeout(500)
    wait_until_idle(page)
    # Any later rerun (here: another view preset) must keep the link's filters.
    page.get_by_role("radio", name="Balochistan").click()
    page.wait_for_function("() => document.location.search.includes('view=balochistan')")
    wait_until_idle(page)
    assert count in sidebar.inner_text()
    assert "province=Sindh" in page.url and "type=attack" in page.url
    assert_no_exception(page)
