"""The map page under AppTest: layers switch, cards open, the legend follows the filters."""

from __future__ import annotations

import dataclasses
import re

import pytest
from test_app_pages import (  # noqa: F401 - fixtures used by name
    app_data,
    deck_spec,
    layer_ids,
    rerun,
    run_app,
)
from test_mapview import base_kinds

from footprint.views import mapview

# AppTest must run app.py on every run, as a server does (see conftest).
pytestmark = pytest.mark.usefixtures("navigation_only", "app_data")


def html_blocks(at) -> list[str]:
    return [element.proto.body for element in at.get("html")]


def card_html(at) -> str | None:
    return next((body for body in html_blocks(at) if 'class="fp-card' in body), None)


def test_layer_checkboxes_switch_layers():
    at = run_app()
    spec = deck_spec(at)
    ids = [layer["id"] for layer in spec["layers"]]
    assert "density" not in ids and base_kinds(spec) >= {"districts", "towns"}
    at.checkbox(key="map_layer_density").check()
    at.checkbox(key="map_layer_districts").uncheck()
    at.checkbox(key="map_layer_attacks").uncheck()
    rerun(at)
    spec = deck_spec(at)
    ids = [layer["id"] for layer in spec["layers"]]
    assert "density" in ids and "districts" not in base_kinds(spec)
    assert "towns" in base_kinds(spec)
    assert layer_ids(spec, "attacks") == []
    assert layer_ids(spec, "arrests") == ["t-11"]
    # The town-level presence stays, with its ring; the city-level arrest is an area marker.
    assert layer_ids(spec, "presence") == ["t-07"]
    assert [
        row["uncertainty_m"]
        for row in next(item for item in spec["layers"] if item["id"] == "uncertainty")["data"]
    ] == [3000.0]
    assert [
        row["key"] for row in next(item for item in spec["layers"] if item["id"] == "areas")["data"]
    ] == ["city|Karachi"]
    assert spec["mapStyle"] == "__MAP_STYLE__"


def test_every_map_layer_has_one_checkbox_with_its_default():
    """The Layers panel is built from ``LAYER_SWITCHES``: a MapLayers field without one fails."""
    fields = {field.name: field.default for field in dataclasses.fields(mapview.MapLayers)}
    switches = [switch.field for switch in mapview.LAYER_SWITCHES]
    assert sorted(switches) == sorted(fields)
    at = run_app()
    for switch in mapview.LAYER_SWITCHES:
        box = at.checkbox(key=f"map_layer_{switch.key}")
        assert (box.label, box.value) == (switch.label, fields[switch.field])


def test_street_basemap_is_off_by_default_and_can_be_switched_on():
    at = run_app()
    assert not at.checkbox(key="map_layer_streets").value
    at.checkbox(key="map_layer_streets").check()
    rerun(at)
    assert "cartocdn" in deck_spec(at)["mapStyle"]


def test_card_opens_from_the_url_and_escapes_upload_text():
    at = run_app({"event": "t-10"})
    card = card_html(at)
    assert card is not None and 'data-event-id="t-10"' in card
    assert "<script" not in card and "&lt;script&gt;" in card
    assert "2–4 killed" in card and "3–7 November 2017 (between)" in card
    assert "upload.csv, line 7" in card


def test_card_of_a_filtered_out_event_says_so():
    at = run_app({"event": "t-05", "province": "Sindh"})
    assert card_html(at) is None
    assert any("hidden by the filters" in info.value for info in at.info)


def test_without_a_selection_the_page_invites_a_click():
    at = run_app()
    assert card_html(at) is None
    assert any("Click a marker" in info.value for info in at.info)


def test_legend_follows_the_filters():
    at = run_app()
    legend = next(body for body in html_blocks(at) if "fp-legend" in body)
    assert "Al Qaeda" in legend and "Islamic State" in legend and "no group named" in legend
    at.multiselect(key="filter_groups").set_value(["Islamic State"])
    at.multiselect(key="filter_links").set_value(["claimed"])
    rerun(at)
    legend = next(body for body in html_blocks(at) if "fp-legend" in body)
    groups = re.findall(r"</span>([^<]+) <span class='fp-n'>(\d+)</span>", legend)
    assert groups == [("Islamic State", "2")]


def test_counts_caption():
    at = run_app({"province": "Balochistan"})
    caption = next(c.value for c in at.caption if "on the map" in c.value)
    assert caption.startswith(
        "3 events: 3 on the map, of which 1 is known only to a city or province"
    )
