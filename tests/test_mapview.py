"""The map's pure functions: deck layers, uncertainty, selection, legend and base layers."""

from __future__ import annotations

import base64
import json
import math

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


def base_features(spec: dict) -> list[dict]:
    """The GeoJSON features of the map's base layer (its ``data:`` URL decoded)."""
    url = layer(spec, "boundary-base")["data"]
    prefix = "data:application/json;base64,"
    assert url.startswith(prefix)
    return json.loads(base64.b64decode(url[len(prefix) :]))["features"]


def base_kinds(spec: dict) -> set[str]:
    return {feature["properties"]["kind"] for feature in base_features(spec)}


def marks_of(events, **layers):
    return mapview.map_marks(mapview.event_records(events), MapLayers(**layers))


def test_every_placed_event_has_a_marker_shaped_by_its_type(events):
    spec = spec_of(mapview.build_deck(events, layers=MapLayers(districts=False, towns=False)))
    # Shapes tell the event type at every precision, not only at sites.
    assert data_ids(spec, "attacks") == [
        "t-01",
        "t-02",
        "t-03",
        "t-05",
        "t-06",
        "t-08",
        "t-10",
        "t-12",
    ]
    assert data_ids(spec, "arrests") == ["t-11"]
    assert data_ids(spec, "presence") == ["t-07"]
    # Known only to a city (t-04) or a province (t-09): one labelled marker per place.
    areas = layer(spec, "areas")["data"]
    assert sorted(a["title"] for a in areas) == [
        "Balochistan, province only: 1 event",
        "Karachi, place unknown: 1 event",
    ]
    labels = sorted(row["text"] for row in layer(spec, "area-labels")["data"])
    assert labels == sorted(a["title"].replace(": ", "\n") for a in areas)


def test_uncertainty_is_a_thin_ring_never_a_filled_disc(events):
    spec = spec_of(mapview.build_deck(events, layers=MapLayers(districts=False, towns=False)))
    rings = layer(spec, "uncertainty")
    assert rings["filled"] is False and rings["stroked"] is True
    assert rings["radiusUnits"] == "meters" and rings["getLineWidth"] <= 2
    assert sorted(row["uncertainty_m"] for row in rings["data"]) == [800.0, 800.0, 3000.0, 8000.0]
    # Wide rings first; sites have none.
    radii = [row["uncertainty_m"] for row in rings["data"]]
    assert radii == sorted(radii, reverse=True)


def test_colours_come_from_the_palette_and_sizes_from_the_toll(events):
    records = {r["event_id"]: r for r in mapview.event_records(events)}
    colours = mapview.group_colours(events)
    assert records["t-05"]["color"][:3] == list(colours["Lashkar-e-Jhangvi"])
    assert records["t-03"]["ring_line"][:3] == list(colours["Islamic State"])
    assert records["t-09"]["color"][:3] == list(palette.UNATTRIBUTED)
    assert (
        records["t-06"]["radius_px"] > records["t-05"]["radius_px"] > records["t-02"]["radius_px"]
    )
    # Unknown tolls get the smallest marker, never a guessed size; zero killed is not unknown.
    assert records["t-11"]["radius_px"] == mapview.UNKNOWN_TOLL_RADIUS
    assert records["t-12"]["radius_px"] > mapview.UNKNOWN_TOLL_RADIUS
    assert records["t-11"]["toll_known"] is False and records["t-12"]["toll_known"] is True


@pytest.mark.parametrize(
    ("counts", "expected_distinct"),
    [
        ({"A": 5, "B": 3}, 2),
        ({f"g{i:02d}": 100 - i for i in range(20)}, palette.MAP_DISTINCT_GROUPS),
        ({"Al Qaeda": 1, "Zeta": 50, "Islamic State": 2}, 3),
    ],
)
def test_the_most_frequent_groups_get_distinct_colours(counts, expected_distinct):
    colours = palette.frequent_group_colours(counts)
    assert len(colours) == expected_distinct
    assert len(set(colours.values())) == len(colours)
    assert palette.OTHER not in colours.values() and palette.UNATTRIBUTED not in colours.values()
    ranked = sorted(counts, key=lambda g: (-counts[g], g))
    assert list(colours) == ranked[:expected_distinct]
    if "Al Qaeda" in colours:  # a usual group keeps the colour the charts give it
        assert colours["Al Qaeda"] == palette.group_colour("Al Qaeda")


def test_groups_past_the_palette_are_other_groups_listed_on_demand(events):
    many = pd.concat(
        [events.assign(event_id=f"x{i}-" + events["event_id"], perpetrators=f"Group {i} (claimed)")
         for i in range(12)]
    )  # fmt: skip
    records = mapview.event_records(many)
    colours = {tuple(r["color"][:3]) for r in records}
    assert tuple(palette.OTHER) in colours and len(colours) == palette.MAP_DISTINCT_GROUPS + 1
    html = mapview.legend_html(many)
    assert "other groups" in html and "<details>" in html
    # Ties go by name: Group 0, 1, 10, 11, 2 ... 6 have colours; 7, 8 and 9 are listed.
    assert all(f"Group {i} " in html.split("<details>")[1] for i in (7, 8, 9))


def test_tooltip_fields_are_plain_text(events):
    record = next(r for r in mapview.event_records(events) if r["event_id"] == "t-10")
    assert record["title"] == "Assassination at Orangi <script>alert(1)</script>"
    assert record["toll"] == "2–4 killed, 0 injured"
    assert record["place_note"] == "exact site"
    # Streamlit escapes tooltip values when it fills the template; every
    # placeholder of the template is a record field.
    for name in mapview.TOOLTIP_FIELDS:
        assert "{" + name + "}" in mapview.TOOLTIP["html"]
        assert name in record


@pytest.mark.parametrize("value", ["@@=x", "@@#Nothing.here", "@@type", "{title}", "a {where} b"])
def test_no_layer_string_is_read_as_code(events, value):
    hostile = events.assign(
        location_text=value,
        perpetrators=value + " (claimed)",
        city=value,
        event_id=value + events["event_id"],
    )
    text = mapview.build_deck(hostile).to_json()
    spec = json.loads(text)
    for item in spec["layers"]:
        if isinstance(item.get("data"), list):
            for row in item["data"]:
                for field, cell in row.items():
                    assert not str(field).startswith("@@")
                    if isinstance(cell, str):
                        assert not cell.startswith("@@"), (item["id"], field, cell)
                        # A placeholder in a value cannot be filled in by the template.
                        for name in mapview.TOOLTIP_FIELDS:
                            assert "{" + name + "}" not in cell
    assert mapview.safe_text("@@=x").endswith("@@=x") and mapview.safe_text("plain") == "plain"


def test_stacks_hold_the_events_of_one_point(events):
    # Three more attacks at t-12's neighbourhood point.
    point = events[events["event_id"] == "t-12"]
    stacked = pd.concat([events, *(point.assign(event_id=f"k-{i}") for i in range(3))])
    marks = marks_of(stacked)
    assert len(marks.stacks) == 1
    stack = marks.stacks[0]
    assert stack["count"] == 4 and stack["title"] == "4 events at this point"
    assert "t-12" not in {r["event_id"] for r in marks.attacks}
    spec = spec_of(mapview.build_deck(stacked))
    assert layer(spec, "stack-counts")["data"] == [{"lon": 67.035, "lat": 24.94, "text": "4"}]
    # The selection of the stack lists exactly its events.
    selection = mapview.map_selection(
        {
            "selection": {
                "indices": {"stacks": [0]},
                "objects": {"stacks": [layer(spec, "stacks")["data"][0]]},
            }
        }
    )
    assert selection == mapview.MapSelection("stack", "67.0350,24.9400")
    listed = mapview.events_at(stacked, selection)
    assert sorted(listed["event_id"]) == ["k-0", "k-1", "k-2", "t-12"]
    # Alone, an event is a plain marker and no number is written.
    assert layer(spec_of(mapview.build_deck(events)), "stack-counts")["data"] == []


def test_city_events_are_gathered_and_listed(events):
    city = events[events["event_id"] == "t-04"]
    more = pd.concat(
        [events, *(city.assign(event_id=f"c-{i}", event_type="attack") for i in range(327))]
    )
    marks = marks_of(more)
    karachi = next(a for a in marks.areas if a["key"] == "city|Karachi")
    assert karachi["title"] == "Karachi, place unknown: 328 events" and karachi["count"] == 328
    listed = mapview.events_at(more, mapview.MapSelection("area", "city|Karachi"))
    assert len(listed) == 328 and set(listed["geo_precision"]) == {"city"}
    # The toggle hides them; the other markers stay.
    hidden = marks_of(more, area_events=False)
    assert hidden.areas == [] and len(hidden.attacks) == len(marks.attacks)


def test_events_without_coordinates_are_not_drawn(events):
    events.loc[events["event_id"] == "t-01", ["latitude", "longitude"]] = float("nan")
    assert "t-01" not in {r["event_id"] for r in mapview.event_records(events)}
    assert mapview.map_counts(events) == {
        "events": 12, "mapped": 11, "area_only": 2, "unmapped": 1,
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
            ("event", "t-05"),
        ),
        (
            {"indices": {"presence": [0]}, "objects": {"presence": [{"event_id": "t-07"}]}},
            ("event", "t-07"),
        ),
        (
            {
                "selection": {
                    "indices": {"areas": [0]},
                    "objects": {"areas": [{"key": "city|Karachi"}]},
                }
            },
            ("area", "city|Karachi"),
        ),
        (
            {
                "selection": {
                    "indices": {"stacks": [0]},
                    "objects": {"stacks": [{"key": "67.0,24.9"}]},
                }
            },
            ("stack", "67.0,24.9"),
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
def test_map_selection(payload, expected):
    selection = mapview.map_selection(payload)
    assert (selection and (selection.kind, selection.key)) == (expected or None)
    assert mapview.selected_event_id(payload) == (
        expected[1] if expected and expected[0] == "event" else None
    )


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


def test_legend_shows_only_what_is_on_the_map_and_escapes(events):
    html = mapview.legend_html(events)
    colours = mapview.group_colours(events)
    assert "Islamic State" in html and palette.hex_colour(colours["Islamic State"]) in html
    assert "no group named" in html and "toll unknown" in html
    assert (
        'class="fp-square"' in html and 'class="fp-triangle"' in html and 'class="fp-area"' in html
    )
    assert (
        "neighbourhood 0.8 km" in html
        and "district 8 km" in html
        and "city" not in html.split("ring:")[1].split("</li>")[0]
    )
    assert "km" in html.split("fp-scalebar")[1]
    sites = events[events["geo_precision"].eq("site") & events["event_type"].eq("attack")]
    only_sites = mapview.legend_html(sites)
    assert 'class="fp-square"' not in only_sites and 'class="fp-triangle"' not in only_sites
    assert (
        "ring:" not in only_sites
        and 'class="fp-area"' not in only_sites
        and "toll unknown" not in only_sites
    )
    assert "(1, 10, 50)" in only_sites  # 92 killed at most
    hostile = events.assign(perpetrators="<img src=x> (claimed)")
    escaped = mapview.legend_html(hostile)
    assert "<img" not in escaped and "&lt;img src=x&gt;" in escaped


@pytest.mark.parametrize(
    ("latitude", "zoom", "km"),
    [(0.0, 0.0, 5000.0), (24.9, 9.72, 10.0), (28.5, 5.37, 100.0)],
)
def test_scale_bar_is_a_round_length_of_the_right_width(latitude, zoom, km):
    length, pixels = mapview.scale_bar(latitude, zoom)
    assert length == km and 40 <= pixels <= 120
    # The bar is as long on the ground as it says.
    assert pixels * mapview.metres_per_pixel(latitude, zoom) == pytest.approx(km * 1000, rel=0.01)


@pytest.mark.parametrize("size", [(1400 - 300 - 96) * 2.5 / 3.8, 600, 980])
@pytest.mark.parametrize("preset", ["balochistan", "both"])
def test_presets_frame_all_of_balochistan(preset, size):
    view = mapview.VIEW_PRESETS[preset]
    west, south, east, north = 60.87, 24.88, 70.26, 32.06  # the province's outline
    world = 512 * 2**view.zoom

    def xy(lat, lon):
        y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
        return (lon + 180) / 360 * world, (1 - y / math.pi) / 2 * world

    cx, cy = xy(view.latitude, view.longitude)
    for lat, lon in [(south, west), (north, east)]:
        x, y = xy(lat, lon)
        assert abs(x - cx) <= max(size, mapview.FIT_SIZE[0]) / 2 + 0.5
        assert abs(y - cy) <= mapview.MAP_HEIGHT / 2
        assert abs(x - cx) <= mapview.FIT_SIZE[0] / 2


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
def test_the_base_is_one_layer_of_land_and_lines(events, boundaries_ready):
    """Provinces filled as land, every outline a line with its colour and width, once per process."""
    deck = mapview.build_deck(events, "karachi")
    spec = spec_of(deck)
    base = layer(spec, "boundary-base")
    assert base["@@type"] == "GeoJsonLayer" and base["stroked"] is False
    features = base_features(spec)
    land = [f for f in features if f["properties"]["kind"] == "land"]
    lines = [f for f in features if f["properties"]["kind"] != "land"]
    assert land and all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in land)
    assert all(f["properties"]["fill"] == mapview.LAND for f in land)
    assert lines and all("LineString" in f["geometry"]["type"] for f in lines)
    widths = {f["properties"]["kind"]: f["properties"]["width"] for f in lines}
    assert widths == {"provinces": 1.8, "districts": 1.0, "towns": 1.4}
    colours = {f["properties"]["kind"]: f["properties"]["line"] for f in lines}
    assert colours["towns"] == mapview.TOWN_LINE
    # Provinces are drawn last, so the coast and the borders stay on top.
    assert lines[-1]["properties"]["kind"] == "provinces"
    # The same string on the next rerun (deck.gl compares data by identity).
    again = layer(spec_of(mapview.build_deck(events, "karachi")), "boundary-base")["data"]
    assert again == base["data"]
    # The wide views get the ~1 km lines, not Karachi's detail.
    wide = base_features(spec_of(mapview.build_deck(events, "balochistan")))
    assert {f["properties"]["kind"] for f in wide} == {"land", "provinces", "districts", "towns"}
    assert len(base["data"]) < 500_000


def test_labels_share_one_small_glyph_atlas(events, boundaries_ready):
    """Every text layer uses the 32 px SDF atlas (half deck.gl's 64 px) and a halo within it."""
    spec = spec_of(mapview.build_deck(events, "karachi"))
    texts = [item for item in spec["layers"] if item["@@type"] == "TextLayer"]
    assert {item["id"] for item in texts} >= {"boundary-labels"}
    for item in texts:
        assert item["fontSettings"] == mapview.LABEL_FONT_SETTINGS
        assert item["fontSettings"]["sdf"] and item["fontSettings"]["fontSize"] == 32
        assert 0 < item["outlineWidth"] <= item["fontSettings"]["radius"]


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
    assert data_ids(spec, "attacks") == [
        "t-01", "t-02", "t-03", "t-05", "t-06", "t-08", "t-10", "t-12",
    ]  # fmt: skip


def test_layer_switches(events):
    everything = MapLayers(density=True)
    full = spec_of(mapview.build_deck(events, layers=everything))
    ids = [item["id"] for item in full["layers"]]
    assert ids[0] == "boundary-base"  # drawn first: the base under everything
    assert not any(i.startswith("boundary-") for i in ids[1:] if i != "boundary-labels")
    assert base_kinds(full) == {"land", "provinces", "districts", "towns"}
    assert "density" in ids and "boundary-labels" in ids
    bare = MapLayers(attacks=False, arrests=False, districts=False, towns=False)
    spec = spec_of(mapview.build_deck(events, layers=bare))
    assert base_kinds(spec) == {"land", "provinces"}
    assert data_ids(spec, "attacks") == [] and data_ids(spec, "arrests") == []
    assert data_ids(spec, "presence") == ["t-07"]
    assert layer(spec, "areas")["data"] == []  # the city-level event is an arrest
    density = layer(spec_of(mapview.build_deck(events, layers=everything)), "density")
    assert density["@@type"] == "HeatmapLayer" and len(density["data"]) == 12


def test_only_the_largest_places_are_labelled(events):
    city = events[events["event_id"] == "t-04"]
    towns = [
        city.assign(event_id=f"p{i}", city=f"Town {i:02d}")
        for i in range(mapview.AREA_LABELS_MAX + 4)
    ]
    more = pd.concat([events, *towns, *(towns[0].assign(event_id=f"q{j}") for j in range(5))])
    spec = spec_of(mapview.build_deck(more))
    pins = layer(spec, "areas")["data"]
    labels = layer(spec, "area-labels")["data"]
    assert len(pins) == mapview.AREA_LABELS_MAX + 4 + 2
    assert len(labels) == mapview.AREA_LABELS_MAX
    assert labels[0]["text"] == "Town 00, place unknown\n6 events"
