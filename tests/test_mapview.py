"""The map's pure functions: deck layers, uncertainty, selection, legend and base layers."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from test_filters import sample_events

from footprint.data import filters
from footprint.data.filters import FilterState
from footprint.views import basemap, mapview, palette
from footprint.views.mapview import MapLayers


@pytest.fixture
def events() -> pd.DataFrame:
    return sample_events()


def spec_of(deck) -> dict:
    return json.loads(deck.to_json())


def layer(spec: dict, layer_id: str) -> dict:
    return next(item for item in spec["layers"] if item["id"] == layer_id)


def data_ids(spec: dict, layer_id: str) -> list[str]:
    return sorted(row["event_id"] for row in layer(spec, layer_id)["data"])


def test_exact_sites_are_dots_and_approximate_places_are_discs(events):
    spec = spec_of(mapview.build_deck(events, layers=MapLayers(districts=False, towns=False)))
    assert data_ids(spec, "attacks") == ["t-01", "t-02", "t-05", "t-08", "t-10"]
    assert data_ids(spec, "arrests") == ["t-11"]
    assert data_ids(spec, "presence") == []
    assert data_ids(spec, "uncertainty") == ["t-03", "t-04", "t-06", "t-07", "t-09", "t-12"]
    discs = {row["event_id"]: row["uncertainty_m"] for row in layer(spec, "uncertainty")["data"]}
    assert discs == {
        "t-03": 800.0,  # neighbourhood
        "t-04": 15000.0,  # city
        "t-06": 8000.0,  # district
        "t-07": 3000.0,  # town
        "t-09": 60000.0,  # province
        "t-12": 800.0,
    }
    uncertainty = layer(spec, "uncertainty")
    assert uncertainty["radiusUnits"] == "meters" and uncertainty["radiusMinPixels"] > 0
    # Wide discs are drawn first so that small ones stay on top and clickable.
    radii = [row["uncertainty_m"] for row in uncertainty["data"]]
    assert radii == sorted(radii, reverse=True)


def test_colours_come_from_the_palette_and_sizes_from_the_toll(events):
    records = {r["event_id"]: r for r in mapview.event_records(events)}
    assert records["t-05"]["color"][:3] == list(palette.group_colour("Lashkar-e-Jhangvi"))
    assert records["t-03"]["ring_line"][:3] == list(palette.group_colour("Islamic State"))
    assert records["t-09"]["ring_line"][:3] == list(palette.UNATTRIBUTED)
    assert records["t-05"]["radius_px"] > records["t-02"]["radius_px"] > 0
    # Unknown tolls get the smallest dot, never a guessed size.
    assert records["t-11"]["radius_px"] == mapview.dot_radius_pixels([0])[0]


def test_tooltip_fields_are_plain_text(events):
    record = next(r for r in mapview.event_records(events) if r["event_id"] == "t-10")
    assert record["title"] == "Assassination at Orangi <script>alert(1)</script>"
    assert record["toll"] == "2–4 killed, 0 injured"
    assert record["place_note"] == "exact site"
    # Streamlit escapes tooltip values when it fills the template; every
    # placeholder of the template is a record field.
    for name in ("title", "when", "where", "who", "toll", "place_note"):
        assert "{" + name + "}" in mapview.TOOLTIP["html"]
        assert name in record


def test_layer_switches(events):
    everything = MapLayers(density=True)
    ids = [item["id"] for item in spec_of(mapview.build_deck(events, layers=everything))["layers"]]
    assert ids[:3] == ["boundary-provinces", "boundary-districts", "boundary-towns"]
    assert "density" in ids and "boundary-labels" in ids
    bare = MapLayers(attacks=False, arrests=False, districts=False, towns=False)
    spec = spec_of(mapview.build_deck(events, layers=bare))
    ids = [item["id"] for item in spec["layers"]]
    assert "boundary-districts" not in ids and "boundary-towns" not in ids
    assert data_ids(spec, "attacks") == [] and data_ids(spec, "arrests") == []
    assert data_ids(spec, "uncertainty") == ["t-07"]  # presence, placed to a town
    density = layer(spec_of(mapview.build_deck(events, layers=everything)), "density")
    assert density["@@type"] == "HeatmapLayer" and len(density["data"]) == 12


def test_events_without_coordinates_are_not_drawn(events):
    events.loc[events["event_id"] == "t-01", ["latitude", "longitude"]] = float("nan")
    assert "t-01" not in {r["event_id"] for r in mapview.event_records(events)}
    assert mapview.map_counts(events) == {
        "events": 12, "mapped": 11, "approximate": 6, "unmapped": 1,
    }  # fmt: skip


def test_view_depends_only_on_the_preset(events):
    whole = spec_of(mapview.build_deck(events, "balochistan"))["initialViewState"]
    some = filters.apply_filters(events, FilterState(groups=("Islamic State",)))
    assert spec_of(mapview.build_deck(some, "balochistan"))["initialViewState"] == whole
    assert spec_of(mapview.build_deck(events.iloc[:0], "balochistan"))["initialViewState"] == whole
    preset = mapview.VIEW_PRESETS["balochistan"]
    assert (whole["latitude"], whole["longitude"], whole["zoom"]) == (
        preset.latitude,
        preset.longitude,
        preset.zoom,
    )
    assert spec_of(mapview.build_deck(events, "nowhere"))["initialViewState"]["zoom"] == (
        mapview.VIEW_PRESETS["karachi"].zoom
    )


def test_no_internet_basemap_unless_asked(events):
    spec = spec_of(mapview.build_deck(events))
    # The sentinel makes Streamlit draw no basemap (None would fetch Carto's).
    assert spec["mapStyle"] == "__MAP_STYLE__" and "mapProvider" not in spec
    street = spec_of(mapview.build_deck(events, layers=MapLayers(street_basemap=True)))
    assert street["mapProvider"] == "carto" and "cartocdn" in street["mapStyle"]


def test_deck_json_is_compact_and_strings_stay_strings(events):
    text = mapview.build_deck(events).to_json()
    assert "\n" not in text
    spec = json.loads(text)
    assert layer(spec, "attacks")["radiusUnits"] == "pixels"
    assert layer(spec, "arrests")["iconAtlas"].startswith("data:image/svg+xml;base64,")
    assert layer(spec, "attacks")["getFillColor"] == "@@=color"


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (None, None),
        ({}, None),
        ({"selection": {"indices": {}, "objects": {}}}, None),
        (
            {
                "selection": {
                    "indices": {"attacks": [2]},
                    "objects": {"attacks": [{"event_id": "t-05", "lon": 67.02, "lat": 30.2}]},
                }
            },
            "t-05",
        ),
        (
            {"indices": {"uncertainty": [0]}, "objects": {"uncertainty": [{"event_id": "t-09"}]}},
            "t-09",
        ),
        (
            {
                "selection": {
                    "indices": {"boundary-towns": [3]},
                    "objects": {"boundary-towns": [{"properties": {"name": "Saddar Town"}}]},
                }
            },
            None,
        ),
    ],
)
def test_selected_event_id(payload, expected):
    assert mapview.selected_event_id(payload) == expected


def test_selected_event_id_from_indices_alone():
    payload = {"selection": {"indices": {"arrests": [1]}, "objects": {}}}
    layer_data = {"arrests": [{"event_id": "a"}, {"event_id": "b"}]}
    assert mapview.selected_event_id(payload, layer_data) == "b"
    assert (
        mapview.selected_event_id({"selection": {"indices": {"arrests": [9]}}}, layer_data) is None
    )


def test_selected_event_id_reads_streamlit_state_objects():
    from streamlit.elements.deck_gl_json_chart import PydeckSelectionSerde

    state = PydeckSelectionSerde().deserialize(
        json.dumps(
            {
                "selection": {
                    "indices": {"attacks": [0]},
                    "objects": {"attacks": [{"event_id": "t-01"}]},
                }
            }
        )
    )
    assert mapview.selected_event_id(state) == "t-01"
    assert mapview.selected_event_id(PydeckSelectionSerde().deserialize(None)) is None


def test_legend_lists_groups_in_palette_colours_and_escapes(events):
    html = mapview.legend_html(events)
    assert (
        "Islamic State" in html
        and palette.hex_colour(palette.group_colour("Islamic State")) in html
    )
    assert "no group named" in html
    assert "neighbourhood 0.8 km" in html
    hostile = events.assign(perpetrators="<img src=x> (claimed)")
    escaped = mapview.legend_html(hostile)
    assert "<img" not in escaped and "&lt;img src=x&gt;" in escaped


def test_fit_zoom_is_wider_for_wider_extents():
    karachi = mapview.fit_zoom([24.8, 25.0], [66.9, 67.2])
    balochistan = mapview.fit_zoom([25.0, 32.0], [61.0, 70.0])
    assert karachi > balochistan > 3


@pytest.mark.boundaries
def test_boundary_geojson_is_simplified_and_cached(boundaries_ready):
    districts = basemap.boundary_geojson("districts")
    assert districts["type"] == "FeatureCollection"
    names = {f["properties"]["name"] for f in districts["features"]}
    assert {"Karachi East", "Quetta", "Mastung"} <= names
    assert len(json.dumps(districts)) < 400_000  # the source file is 3.7 MB
    towns = basemap.boundary_geojson("towns")
    assert len(towns["features"]) == 18
    # Cached by path: the second read is the same simplification, fresh dict.
    again = basemap.boundary_geojson("towns")
    assert again == towns and again is not towns
    labels = {label["name"] for label in basemap.boundary_labels("towns")}
    assert {"Saddar", "Orangi", "Gulshan Iqbal"} <= labels


@pytest.mark.boundaries
def test_town_labels_in_karachi_and_district_labels_wider(events, boundaries_ready):
    karachi = layer(spec_of(mapview.build_deck(events, "karachi")), "boundary-labels")
    assert "Saddar" in {row["name"] for row in karachi["data"]}
    wide = layer(spec_of(mapview.build_deck(events, "balochistan")), "boundary-labels")
    assert {"Quetta", "Gwadar"} <= {row["name"] for row in wide["data"]}


def test_missing_boundary_files_leave_the_events(events, tmp_path):
    spec = json.loads(mapview.build_deck(events, boundary_dir=tmp_path).to_json())
    ids = [item["id"] for item in spec["layers"]]
    assert not any(i.startswith("boundary-") for i in ids)
    assert data_ids(spec, "attacks") == ["t-01", "t-02", "t-05", "t-08", "t-10"]


def test_discs_stacked_on_one_point_share_their_opacity(events):
    # Three more events placed only to "Karachi", on t-04's city point.
    city = events[events["event_id"] == "t-04"]
    stacked = pd.concat(
        [events, *(city.assign(event_id=f"k-{i}", event_type="attack") for i in range(3))]
    )
    spec = json.loads(mapview.build_deck(stacked).to_json())
    discs = [r for r in layer(spec, "uncertainty")["data"] if r["precision"] == "city"]
    assert len(discs) == 4 and {r["stack"] for r in discs} == {4}
    fill = mapview.DISC_OPACITY["city"][0]
    alphas = [r["ring_fill"][3] for r in discs]
    combined = 1 - np.prod([1 - a / 255 for a in alphas])
    # Four stacked discs look like one disc of the city's opacity, not a dark blot.
    assert combined == pytest.approx(fill / 255, abs=0.02)
    counts = layer(spec, "stack-counts")["data"]
    assert counts == [{"lon": 67.0011, "lat": 24.8607, "text": "4"}]
    assert "one of 4 events placed at this same point" in discs[0]["place_note"]
    # Alone, a disc keeps its full opacity and no number is written.
    single = json.loads(mapview.build_deck(events).to_json())
    assert layer(single, "stack-counts")["data"] == []
    assert mapview.stacked_alpha(fill, 1) == fill
