"""Briefing mode: date order, the map flying to each event, and the self-contained export."""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from test_app_pages import (  # noqa: F401 - fixtures used by name
    app_data,
    rerun,
    run_app,
)
from test_filters import sample_events

from footprint.views import briefing, mapview, palette


@pytest.fixture
def events() -> pd.DataFrame:
    return sample_events()


def test_events_are_briefed_in_date_order(events):
    ordered = briefing.briefing_order(events.sample(frac=1, random_state=3))
    assert list(ordered["event_id"]) == [
        "t-11", "t-05", "t-08", "t-01", "t-02", "t-12", "t-03", "t-04",
        "t-07", "t-10", "t-06", "t-09",
    ]  # fmt: skip
    assert briefing.briefing_order(events.iloc[:0]).empty


@pytest.mark.parametrize(
    ("step", "total", "expected"),
    [
        (1, 5, 1),
        (5, 5, 5),
        (9, 5, 5),
        (0, 5, 1),
        (-3, 5, 1),
        ("3", 5, 3),
        ("x", 5, 1),
        (None, 5, 1),
        (4, 0, 1),
    ],
)
def test_clamp_step(step, total, expected):
    assert briefing.clamp_step(step, total) == expected


def test_the_map_flies_to_each_event(events):
    ordered = briefing.briefing_order(events)
    spec = json.loads(briefing.briefing_deck(ordered, 2).to_json())
    view = spec["initialViewState"]
    quetta = ordered.iloc[1]
    assert (view["latitude"], view["longitude"]) == (quetta["latitude"], quetta["longitude"])
    # Quetta: wide enough to show the districts around it.
    assert view["zoom"] == briefing.FOCUS_ZOOM_OUTSIDE_KARACHI["site"]
    karachi = json.loads(briefing.briefing_deck(ordered, 1).to_json())["initialViewState"]
    assert karachi["zoom"] == briefing.FOCUS_ZOOM["site"] > view["zoom"]
    assert view["transitionDuration"] in (briefing.FLIGHT_MS, briefing.FLIGHT_MS + 1)
    # Consecutive steps differ in duration, so Streamlit passes the transition on.
    following = json.loads(briefing.briefing_deck(ordered, 3).to_json())["initialViewState"]
    assert following["transitionDuration"] != view["transitionDuration"]
    current = next(layer for layer in spec["layers"] if layer["id"] == "briefing-current")
    assert current["data"] == [{"event_id": "t-05", "lon": 67.02, "lat": 30.199}]
    # Every event stays on the map for context.
    attacks = next(layer for layer in spec["layers"] if layer["id"] == "attacks")
    assert len(attacks["data"]) == 8
    # A province-level event is shown wide, not as if it were a street corner.
    province = json.loads(briefing.briefing_deck(ordered, 12).to_json())["initialViewState"]
    assert province["zoom"] == briefing.FOCUS_ZOOM_OUTSIDE_KARACHI["province"] < view["zoom"]


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_export_is_self_contained(events):
    html = briefing.briefing_html(
        events,
        filter_chips=["Groups: Islamic State"],
        generated=dt.datetime(2026, 1, 2, 3, 4),
    )
    assert html.startswith("<!DOCTYPE html>")
    parser = _Collector()
    parser.feed(html)
    tags = [tag for tag, _ in parser.tags]
    assert (
        "script" not in tags and "link" not in tags and "img" not in tags and "iframe" not in tags
    )
    for _, attrs in parser.tags:
        for name, value in attrs.items():
            if name in {"src", "href"}:
                raise AssertionError(f"external reference {name}={value}")
    assert "url(" not in html and "@import" not in html
    # Inline CSS, an inline SVG map, and one card per event, numbered.
    assert tags.count("style") == 1 and tags.count("svg") >= 1
    assert html.count('class="fp-card"') == 12
    assert "1 of 12" in html and "12 of 12" in html
    assert "Groups: Islamic State" in html and "made 2026-01-02 03:04" in html
    # Sources are there, and upload text is escaped.
    assert "Kashmir Observer, 2015-06, lines 4-18" in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.boundaries
def test_export_map_draws_boundaries_and_events(events, boundaries_ready):
    html = briefing.briefing_html(events)
    svgs = re.findall(r"<svg.*?</svg>", html, flags=re.S)
    # Karachi and Balochistan events: an overview and a Karachi detail map.
    assert len(svgs) == 2
    overview, karachi = svgs
    assert "<path" in overview and "<title>Quetta</title>" in overview
    assert "<title>Saddar Town</title>" in karachi
    lej = palette.hex_colour(palette.group_colour("Lashkar-e-Jhangvi"))
    assert f'fill="{lej}"' in overview
    # Approximate places are translucent discs; exact sites solid dots.
    neighbourhood = mapview.DISC_OPACITY["neighbourhood"][0] / 255
    assert f'fill-opacity="{neighbourhood:.3f}"' in overview
    assert overview.count("<circle") == 12


@pytest.mark.boundaries
def test_export_discs_on_one_point_share_their_opacity(events, boundaries_ready):
    city = events[events["event_id"] == "t-04"]
    stacked = pd.concat([events, *(city.assign(event_id=f"k-{i}") for i in range(2))])
    overview = re.findall(r"<svg.*?</svg>", briefing.briefing_html(stacked), flags=re.S)[0]
    opacities = [float(v) for v in re.findall(r'fill-opacity="([0-9.]+)"', overview)]
    # Three discs on t-04's point look like one; the other discs stand alone.
    shared = [v for v in opacities if v < 0.06]  # alone, even a province disc is 0.086
    assert len(shared) == 3
    city = mapview.DISC_OPACITY["city"][0] / 255
    assert 1 - np.prod([1 - v for v in shared]) == pytest.approx(city, abs=0.01)
    # One label for the point, naming the three cards.
    assert re.search(r">\d+, \d+, \d+</text>", overview)


def test_export_of_no_events(events):
    html = briefing.briefing_html(events.iloc[:0])
    assert "No events match the filters." in html and "<svg" not in html


@pytest.mark.usefixtures("navigation_only", "app_data")
def test_briefing_page_steps_through_events():
    at = run_app()
    at.switch_page("pages/briefing.py")
    rerun(at)
    assert at.query_params["step"] == "1"
    card = next(h.proto.body for h in at.get("html") if "fp-card" in h.proto.body)
    assert "Event 1 of 12" in card and 'data-event-id="t-11"' in card and "fp-large" in card
    assert at.button(key="briefing_previous").disabled
    at.button(key="briefing_next").click()
    rerun(at)
    card = next(h.proto.body for h in at.get("html") if "fp-card" in h.proto.body)
    assert "Event 2 of 12" in card and 'data-event-id="t-05"' in card
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    assert spec["initialViewState"]["latitude"] == 30.199
    at.button(key="briefing_previous").click()
    rerun(at)
    assert at.query_params["step"] == "1"
    assert at.get("download_button")


@pytest.mark.usefixtures("navigation_only", "app_data")
def test_briefing_step_is_clamped_when_filters_shrink_it():
    at = run_app({"step": "10"})
    at.switch_page("pages/briefing.py")
    rerun(at)
    assert at.session_state["briefing_step"] == 10
    at.multiselect(key="filter_provinces").set_value(["Balochistan"])
    rerun(at)
    assert at.session_state["briefing_step"] == 3
    assert at.query_params["step"] == "3"
    assert at.button(key="briefing_next").disabled


@pytest.mark.usefixtures("navigation_only", "app_data")
def test_briefing_with_no_events():
    at = run_app({"province": "Sindh", "suicide": "yes"})
    at.switch_page("pages/briefing.py")
    rerun(at)
    assert any("No events match" in info.value for info in at.info)


def test_overview_map_labels_never_overlap():
    placed: list[tuple[float, float, float, float]] = []
    spots = [briefing.label_spot(100, 100, briefing.label_width("12"), placed) for _ in range(6)]
    assert spots[:4] == [(108, 92), (108, 120), (100 - 8 - 20, 92), (100 - 8 - 20, 120)]
    assert spots[4:] == [None, None]
    for i, a in enumerate(placed):
        for b in placed[i + 1 :]:
            assert a[2] <= b[0] or a[0] >= b[2] or a[3] <= b[1] or a[1] >= b[3]
