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
from footprint.views import cards, mapview

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
    records = mapview.event_records(seed_events)
    in_view = [
        r for r in mapview.map_marks(records).attacks
        if abs(r["lat"] - view.latitude) < 0.12 and abs(r["lon"] - view.longitude) < 0.2
    ]  # fmt: skip
    require(len(in_view) > 0, "no single attacks in the Karachi view of the seed events")
    colours = {tuple(r["color"][:3]) for r in in_view}

    open_url(page, streamlit_server, "", {"view": "karachi"})
    assert_no_exception(page)
    pixels = canvas_pixels(page)
    assert pixels.shape[0] > 300 and pixels.shape[1] > 300
    counts = {rgb: count_colour(pixels, rgb) for rgb in colours}
    # Every group drawn in view shows up in its own colour.
    for rgb, count in counts.items():
        assert count >= 20, (rgb, counts)
    # The base is drawn too: land colour and boundary lines.
    assert count_colour(pixels, tuple(mapview.LAND[:3])) > pixels.shape[0] * pixels.shape[1] * 0.2

    # With a filter that keeps no event, the palette's colours vanish: the
    # pixels counted above were the events. The page says so and offers a reset.
    open_url(page, streamlit_server, "", {"view": "karachi", "killed": "1000000"})
    empty = canvas_pixels(page)
    for rgb in colours:
        assert count_colour(empty, rgb) < 5, rgb
    assert "No events match the filters" in page.locator('[data-testid="stMain"]').inner_text()
    page.screenshot(path=str(artifacts_dir / "map_no_events.png"))
    page.get_by_role("button", name="Reset filters").last.click()
    page.wait_for_function("() => !document.location.search.includes('killed=')")
    wait_until_idle(page)
    assert count_colour(canvas_pixels(page), next(iter(colours))) >= 20


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
    page.mouse.move(x, y)  # deck.gl picks on hover first
    page.wait_for_timeout(600)
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


VIEWPORTS = [(1400, 900), (1920, 1080)]


@pytest.fixture(params=VIEWPORTS, ids=lambda size: f"{size[0]}x{size[1]}")
def sized_page(browser, request):
    """A page at each of the walk-through's viewport sizes."""
    width, height = request.param
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()


def marker_pixels(
    pixels: np.ndarray, box: dict, canvas: dict, record: dict, reach: int = 34, dy: float = 0
):
    """Pixels of a marker's colour within ``reach`` px of where it is drawn (``dy`` above it)."""
    x, y = screen_position(canvas, "karachi", record["lat"], record["lon"])
    y -= dy
    col, row = int(x - canvas["x"]), int(y - canvas["y"])
    window = pixels[max(row - reach, 0) : row + reach, max(col - reach, 0) : col + reach]
    return count_colour(window, tuple(record["color"][:3]))


def lone_markers(records: list[dict], marks, min_gap: float = 0.02) -> list[dict]:
    """Single attacks in the Karachi view with no other marker near them."""
    view = mapview.VIEW_PRESETS["karachi"]
    others = [*marks.attacks, *marks.arrests, *marks.presence, *marks.stacks, *marks.areas]
    lone = []
    for record in marks.attacks:
        if abs(record["lat"] - view.latitude) > 0.1 or abs(record["lon"] - view.longitude) > 0.16:
            continue
        near = [
            o for o in others if o is not record
            and abs(o["lat"] - record["lat"]) < min_gap and abs(o["lon"] - record["lon"]) < min_gap
        ]  # fmt: skip
        if not near:
            lone.append(record)
    return lone


def test_marker_sizes_differ_with_casualties(
    streamlit_server, sized_page, seed_events, artifacts_dir
):
    records = mapview.event_records(seed_events)
    marks = mapview.map_marks(records)
    lone = [r for r in lone_markers(records, marks) if r["toll_known"]]
    require(len(lone) >= 2, "fewer than two lone attacks with a known toll in the Karachi view")
    small = min(lone, key=lambda r: r["killed"])
    large = max(lone, key=lambda r: r["killed"])
    require(large["radius_px"] - small["radius_px"] >= 4, "the lone attacks' tolls are too close")
    open_url(sized_page, streamlit_server, "", {"view": "karachi"})
    canvas = sized_page.locator(DECK_CANVAS).first.bounding_box()
    pixels = canvas_pixels(sized_page)
    small_px = marker_pixels(pixels, canvas, canvas, small)
    large_px = marker_pixels(pixels, canvas, canvas, large)
    # Area grows with the toll: the deadlier marker covers clearly more pixels.
    assert small_px > 20 and large_px > 2 * small_px, (small, large, small_px, large_px)
    sized_page.screenshot(path=str(artifacts_dir / f"map_sizes_{canvas['width']:.0f}.png"))


#: How far above its point a city/province pin's head is drawn (px).
PIN_HEAD = mapview.AREA_PIN_PX * (95 - 32) / 96


def click_at(page, record: dict, preset: str = "karachi", dy: float = 0) -> None:
    canvas = page.locator(DECK_CANVAS).first.bounding_box()
    x, y = screen_position(canvas, preset, record["lat"], record["lon"])
    y -= dy
    assert canvas["x"] < x < canvas["x"] + canvas["width"]
    assert canvas["y"] < y < canvas["y"] + canvas["height"]
    page.mouse.move(x, y)  # deck.gl picks on hover first
    page.wait_for_timeout(600)
    page.mouse.click(x, y)


def listing_buttons(page):
    panel = page.locator(".st-key-map_listing_panel")
    panel.wait_for(timeout=30_000)
    wait_until_idle(page)
    return panel, panel.get_by_role("button")


def test_city_events_are_one_labelled_marker_whose_click_lists_them(
    streamlit_server, sized_page, seed_events, artifacts_dir
):
    marks = mapview.map_marks(mapview.event_records(seed_events))
    karachi = next((a for a in marks.areas if a["key"] == "city|Karachi"), None)
    require(karachi is not None, "no seed event is known only to Karachi")
    open_url(sized_page, streamlit_server, "", {"view": "karachi"})
    # One marker: a pin in the dominant group's colour whose tip is the city's point.
    pixels = canvas_pixels(sized_page)
    canvas = sized_page.locator(DECK_CANVAS).first.bounding_box()
    assert marker_pixels(pixels, canvas, canvas, karachi, reach=10, dy=PIN_HEAD) > 150
    click_at(sized_page, karachi, dy=PIN_HEAD)
    panel, buttons = listing_buttons(sized_page)
    assert f"Karachi, place unknown: {karachi['count']} events" in panel.inner_text()
    assert buttons.count() == karachi["count"]
    # A listed event opens its card, inside the viewport.
    buttons.first.click()
    card = sized_page.locator(".fp-card")
    card.wait_for(timeout=30_000)
    wait_until_idle(sized_page)
    box = card.bounding_box()
    width = sized_page.viewport_size["width"]
    assert box["x"] + box["width"] <= width, (box, width)
    assert_no_exception(sized_page)
    sized_page.screenshot(path=str(artifacts_dir / f"map_area_list_{width}.png"))


def test_a_click_on_a_stack_lists_its_events(streamlit_server, page, seed_events, artifacts_dir):
    marks = mapview.map_marks(mapview.event_records(seed_events))
    view = mapview.VIEW_PRESETS["karachi"]
    stacks = [
        s for s in marks.stacks
        if abs(s["lat"] - view.latitude) < 0.1 and abs(s["lon"] - view.longitude) < 0.16
        and not any(
            abs(a["lat"] - s["lat"]) < 0.01 and abs(a["lon"] - s["lon"]) < 0.01 for a in marks.areas
        )
    ]  # fmt: skip
    require(len(stacks) > 0, "no stack of seed events in the Karachi view")
    stack = max(stacks, key=lambda s: s["count"])
    expected = mapview.events_at(seed_events, mapview.MapSelection("stack", stack["key"]))
    open_url(page, streamlit_server, "", {"view": "karachi"})
    click_at(page, stack)
    panel, buttons = listing_buttons(page)
    assert f"{stack['count']} events at this point" in panel.inner_text()
    assert buttons.count() == len(expected) == stack["count"]
    labels = sorted(b.inner_text().strip() for b in buttons.all())
    titles = sorted(cards.event_title(e) for e in expected.to_dict("records"))
    assert all(any(title in label for label in labels) for title in titles)
    buttons.last.click()
    page.locator(".fp-card").wait_for(timeout=30_000)
    wait_until_idle(page)
    card_id = page.locator(".fp-card").first.get_attribute("data-event-id")
    assert card_id in set(expected["event_id"]) and f"event={card_id}" in page.url
    # The hover tooltip does not stay over the open card.
    tooltip = page.locator(".deck-tooltip")
    assert tooltip.count() == 0 or not tooltip.first.is_visible()
    assert_no_exception(page)
    page.screenshot(path=str(artifacts_dir / "map_stack_list.png"))


def test_map_link_opens_the_map(streamlit_server, page):
    open_url(page, streamlit_server, "map", {"view": "both"})
    assert "Page not found" not in page.locator("body").inner_text()
    assert page.locator(DECK_CANVAS).count() == 1
    assert "view=both" in page.url
    assert_no_exception(page)


@pytest.mark.parametrize("size", VIEWPORTS, ids=lambda size: f"{size[0]}x{size[1]}")
def test_presenter_keys_step_the_briefing(streamlit_server, browser, size, artifacts_dir):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    open_url(page, streamlit_server, "briefing", {"step": "2"})
    card = page.locator(".fp-card").first
    assert "event 2 of" in card.inner_text().lower()
    # Facts are projector-sized, and the sidebar is out of the way.
    size_px = float(
        card.evaluate("el => parseFloat(getComputedStyle(el.querySelector('dd')).fontSize)")
    )
    assert size_px >= 28
    sidebar = page.locator('[data-testid="stSidebar"]')
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stSidebar\"]').getAttribute('data-collapsed') === 'true'",
        timeout=15_000,
    )
    assert sidebar.get_attribute("data-collapsed") == "true"
    for key, step in (
        ("ArrowRight", 3),
        ("PageDown", 4),
        ("Space", 5),
        ("ArrowLeft", 4),
        ("PageUp", 3),
    ):
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
        page.keyboard.press(key)
        page.wait_for_function(
            "step => document.location.search.includes('step=' + step)",
            arg=str(step),
            timeout=30_000,
        )
        wait_until_idle(page)
        assert f"event {step} of" in page.locator(".fp-card").first.inner_text().lower(), key
    # The map fills the screen's height beside the card: no blank lower half.
    deck = page.locator(DECK_CANVAS).first.bounding_box()
    assert deck["y"] + deck["height"] > size[1] * 0.75, deck
    assert_no_exception(page)
    page.screenshot(path=str(artifacts_dir / f"briefing_keys_{size[0]}.png"))
    context.close()


def ramp_pixels(pixels: np.ndarray) -> int:
    """Pixels in the hexagons' colours (blended over the land at their opacity)."""
    land = np.array(mapview.LAND[:3])
    total = 0
    for rgb in mapview.HEX_RAMP:
        blended = np.array(rgb) * mapview.HEX_ALPHA / 255 + land * (1 - mapview.HEX_ALPHA / 255)
        total += int((np.abs(pixels - blended).max(axis=2) <= 8).sum())
    return total


@pytest.fixture(scope="module")
def synthetic_server(tmp_path_factory, boundaries_ready):
    """The dashboard on a store of 200,000 synthetic events (``python -m footprint synth``)."""
    import importlib.util
    import subprocess
    import sys

    require(
        importlib.util.find_spec("footprint.data.query") is not None,
        "the query layer (footprint.data.query, issue 7) is not in this tree",
    )
    database_url = f"sqlite:///{tmp_path_factory.mktemp('synth') / 'synth.db'}"
    made = subprocess.run(
        [sys.executable, "-m", "footprint", "synth", "--rows", "200000", "--database-url", database_url],
        capture_output=True, text=True, cwd=paths.PROJECT_ROOT,
    )  # fmt: skip
    require(made.returncode == 0, f"python -m footprint synth failed: {made.stderr[-500:]}")
    process, base = start_streamlit(database_url)
    try:
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_aggregated_map_draws_hexagons_then_single_events(synthetic_server, page, artifacts_dir):
    page.set_default_timeout(120_000)
    # Karachi: synthetic events placed finer than a city sit mostly in its
    # neighbourhoods, so its hexagons cover much of the view.
    open_url(page, synthetic_server, "", {"view": "karachi"})
    main = page.locator('[data-testid="stMain"]').inner_text()
    assert "too many to draw one by one" in main and "hexagons" in main
    drawn = ramp_pixels(canvas_pixels(page))
    page.screenshot(path=str(artifacts_dir / "map_hexagons_200k.png"))
    assert drawn > 500
    # A narrow filter (one day) brings back single events, and no hexagon.
    open_url(page, synthetic_server, "", {"view": "both", "from": "2015-03-10", "to": "2015-03-10"})
    main = page.locator('[data-testid="stMain"]').inner_text()
    assert "too many to draw one by one" not in main and "on the map" in main
    assert ramp_pixels(canvas_pixels(page)) < 50
    assert_no_exception(page)


@pytest.fixture(scope="module")
def ucdp_server(tmp_path_factory, boundaries_ready, shared_exports):
    """The dashboard after the UCDP GED export was imported into its store (the pipeline's CLI)."""
    import subprocess
    import sys

    database_url = f"sqlite:///{tmp_path_factory.mktemp('ucdp') / 'ucdp.db'}"
    process, base = start_streamlit(database_url)
    try:
        with urllib.request.urlopen(base + "/", timeout=30):
            pass
        imported = subprocess.run(
            [sys.executable, "-m", "footprint", "import", str(shared_exports / "ucdp_ged_pakistan.csv"),
             "--database-url", database_url, "--user", "browser-test"],
            capture_output=True, text=True, cwd=paths.PROJECT_ROOT,
        )  # fmt: skip
        assert imported.returncode == 0, imported.stdout[-800:]
        yield base, database_url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize("size", VIEWPORTS, ids=lambda size: f"{size[0]}x{size[1]}")
def test_after_the_ucdp_upload_karachi_is_one_pin_and_sizes_differ(
    ucdp_server, browser, size, artifacts_dir
):
    from footprint.data import store

    base, database_url = ucdp_server
    query = {"view": "karachi", "province": "Sindh"}
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    open_url(page, base, "", query)  # the first run also loads the seed events
    engine = store.make_engine(database_url)
    with engine.connect() as connection:
        events = store.read_events(connection)
    engine.dispose()
    shown = filters.apply_filters(events, filters.FilterState(provinces=("Sindh",)))
    require(len(shown) <= mapview.AGGREGATE_THRESHOLD, "Sindh alone is above the threshold")
    records = mapview.event_records(shown)
    marks = mapview.map_marks(records)
    karachi = next(a for a in marks.areas if a["key"] == "city|Karachi")
    assert karachi["count"] > 300  # UCDP puts most Karachi rows on one point
    canvas = page.locator(DECK_CANVAS).first.bounding_box()
    pixels = canvas_pixels(page)
    # One pin for the city's place-unknown events, not 300 discs over the city.
    assert marker_pixels(pixels, canvas, canvas, karachi, reach=10, dy=PIN_HEAD) > 150
    page.screenshot(path=str(artifacts_dir / f"map_ucdp_karachi_{size[0]}.png"))
    lone = [r for r in lone_markers(records, marks) if r["toll_known"]]
    if len(lone) >= 2:
        small = min(lone, key=lambda r: r["killed"])
        large = max(lone, key=lambda r: r["killed"])
        if large["radius_px"] - small["radius_px"] >= 4:
            big = marker_pixels(pixels, canvas, canvas, large, reach=int(large["radius_px"]) + 3)
            little = marker_pixels(pixels, canvas, canvas, small, reach=int(small["radius_px"]) + 3)
            assert big > 1.5 * little > 0, (large, small, big, little)
    click_at(page, karachi, dy=PIN_HEAD)
    panel, buttons = listing_buttons(page)
    assert f"Karachi, place unknown: {karachi['count']:,} events" in panel.inner_text()
    assert buttons.count() == min(karachi["count"], mapview.LIST_LIMIT)
    assert "narrow the filters" in panel.inner_text()
    buttons.nth(3).click()
    card = page.locator(".fp-card")
    card.wait_for(timeout=30_000)
    wait_until_idle(page)
    box = card.bounding_box()
    assert box["x"] + box["width"] <= size[0]
    assert_no_exception(page)
    context.close()
