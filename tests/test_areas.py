"""Per-district and per-town counts, the choropleth, the neighbourhood table, radius picks."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from footprint.data import schema
from footprint.views import areas


def events_frame() -> pd.DataFrame:
    rows = [
        ("E1", "2015-05-13", "Islamic State (claimed)", 46, 47, 13, "Safoora Goth",
         "Gulshan Iqbal Town", "Karachi East", "Sindh", 24.9312, 67.1534),
        ("E2", "2015-05-20", "Lashkar-e-Jhangvi (suspected)", 2, None, None, "Safoora Goth",
         "Gulshan Iqbal Town", "Karachi East", "Sindh", 24.9330, 67.1500),
        ("E3", "2016-01-05", None, 80, 90, 100, None, None, "Quetta", "Balochistan", 30.18, 66.99),
        ("E4", "2016-01-25", "Islamic State (attributed)", None, None, 5, "Orangi Sector 11",
         "Orangi Town", "Karachi West", "Sindh", 24.95, 66.99),
        ("E5", "2017-02-01", "Islamic State (suspected)", 3, None, 0, "Sohrab Goth",
         "Gadap Town", "Malir", "Sindh", None, None),
        ("E6", "2017-03-01", "Islamic State (claimed)", 1, 1, 0, None, "Kemari Town", "Keamari",
         "Sindh", 24.85, 66.95),
        ("E7", "2018-01-01", None, 0, 0, 0, None, None, None, "Sindh", None, None),
    ]  # fmt: skip
    frame = pd.DataFrame(
        rows,
        columns=[
            "event_id",
            "event_date",
            "perpetrators",
            "killed_min",
            "killed_max",
            "injured_min",
            "neighbourhood",
            "town",
            "district",
            "province",
            "latitude",
            "longitude",
        ],
    )
    frame["event_type"] = "attack"
    return schema.coerce_events(frame)


def square(name: str, x: float, y: float, province: str = "Sindh") -> dict:
    ring = [[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]
    return {
        "type": "Feature",
        "properties": {"name": name, "province": province},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def districts_geojson() -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            square("Karachi East", 67, 24),
            square("Karachi West", 66, 24),
            square("Keamari", 66, 23),
            square("Malir", 67, 23),
            square("Quetta", 66, 30, "Balochistan"),
            square("Lahore", 74, 31, "Punjab"),
        ],
    }


def test_area_counts_per_district():
    table = areas.area_counts(events_frame(), "district")
    got = {r["name"]: (r["events"], r["killed"], r["killed_max"]) for r in table.to_dict("records")}
    assert got == {
        "Karachi East": (2, 48, 49),  # 46 + 2; maximums 47 + (2)
        "Quetta": (1, 80, 90),
        "Karachi West": (1, 0, 0),  # unknown toll adds nothing
        "Malir": (1, 3, 3),
        "Keamari": (1, 1, 1),
    }
    assert table["name"].iloc[0] == "Karachi East"  # most events first
    assert table["events"].sum() == 6  # E7 names no district and is left out


def test_area_counts_per_town():
    table = areas.area_counts(events_frame(), "town").set_index("name")
    assert table.loc["Gulshan Iqbal Town", "events"] == 2
    assert table.loc["Gulshan Iqbal Town", "injured"] == 13
    assert table.loc["Orangi Town", "injured"] == 5
    assert table.loc["Gadap Town", "first_event"] == pd.Timestamp("2017-02-01")
    assert set(table.index) == {"Gulshan Iqbal Town", "Orangi Town", "Gadap Town", "Kemari Town"}


def test_area_key_folds_spellings():
    assert areas.area_key("Gulshan-e-Iqbal Town") == areas.area_key("Gulshan Iqbal Town")
    assert areas.area_key("Kemari") == areas.area_key("Keamari")
    assert areas.area_key("Lyari Town") == areas.area_key("Liyari Town")
    assert areas.area_key("Kachhi (Bolan)") == areas.area_key("Bolan")
    assert areas.area_key("Karachi East") != areas.area_key("Karachi West")


def test_choropleth_joins_counts_to_polygons():
    choro = areas.choropleth(events_frame(), "district", boundary=districts_geojson())
    features = {f["properties"]["name"]: f["properties"] for f in choro.geojson["features"]}
    # Districts of the provinces the events name are kept (with or without events).
    assert set(features) == {"Karachi East", "Karachi West", "Keamari", "Malir", "Quetta"}
    assert features["Karachi East"]["events"] == 2
    assert features["Karachi East"]["killed_label"] == "48–49 killed"
    assert features["Quetta"]["killed"] == 80
    assert features["Karachi East"]["area"] == "Karachi East"
    assert choro.unmatched.empty
    # Two events is the darkest class; one event the lightest; all filled.
    assert features["Karachi East"]["fill"][:3] == list(areas.VIRIDIS_STEPS[-1])
    assert features["Malir"]["fill"][:3] == list(areas.VIRIDIS_STEPS[0])
    assert choro.legend == [("1", "#fde725"), ("2", "#440154")]
    json.dumps(choro.geojson)  # serialisable as is for pydeck


def test_choropleth_by_killed_and_empty_areas():
    frame = events_frame()
    choro = areas.choropleth(
        frame[frame["district"] != "Malir"], "district", "killed", boundary=districts_geojson()
    )
    features = {f["properties"]["name"]: f["properties"] for f in choro.geojson["features"]}
    assert features["Malir"]["events"] == 0
    assert features["Malir"]["fill"] == list(areas.EMPTY_FILL)
    assert features["Karachi West"]["fill"] == list(areas.EMPTY_FILL)  # 0 killed
    assert features["Quetta"]["value"] == 80
    assert features["Quetta"]["fill"][:3] == list(areas.VIRIDIS_STEPS[-1])


def test_choropleth_reports_unmatched_names():
    frame = events_frame()
    frame.loc[frame["event_id"] == "E3", "district"] = "Atlantis"
    choro = areas.choropleth(frame, "district", boundary=districts_geojson())
    assert choro.unmatched["name"].tolist() == ["Atlantis"]


def test_class_breaks_and_legend():
    assert areas.class_breaks([]) == []
    assert areas.class_breaks([0, 0]) == []
    assert areas.class_breaks([1, 2, 2, 3]) == [1, 2, 3]
    breaks = areas.class_breaks(list(range(1, 101)))
    assert len(breaks) == 5 and breaks[-1] == 100
    assert areas.ramp_colour(100, breaks)[:3] == areas.VIRIDIS_STEPS[-1]
    assert areas.ramp_colour(1, breaks)[:3] == areas.VIRIDIS_STEPS[0]
    labels = [label for label, _ in areas.legend(breaks)]
    assert labels[0].startswith("1–") and labels[-1].endswith("100")


def test_deck_and_selection():
    choro = areas.choropleth(events_frame(), "district", boundary=districts_geojson())
    deck = areas.choropleth_deck(choro, with_provinces=False)
    spec = json.loads(deck.to_json())
    layer = spec["layers"][-1]
    assert layer["id"] == areas.LAYER_ID
    assert layer["@@type"] == "GeoJsonLayer"
    assert layer["pickable"] is True
    assert layer["getFillColor"] == "@@=properties.fill"
    assert layer["lineWidthUnits"] == "pixels"  # a literal, not an accessor
    # A click comes back as the feature; the filter value is the events' own name.
    feature = next(f for f in choro.geojson["features"] if f["properties"]["name"] == "Keamari")
    event = {
        "selection": {"indices": {areas.LAYER_ID: [2]}, "objects": {areas.LAYER_ID: [feature]}}
    }
    assert areas.area_from_selection(event) == "Keamari"
    assert areas.area_from_selection({"selection": {"indices": {}, "objects": {}}}) is None
    assert areas.area_from_selection(None) is None


def test_view_state_frames_areas_with_events():
    choro = areas.choropleth(
        events_frame()[lambda f: f["district"] == "Quetta"],
        "district",
        boundary=districts_geojson(),
    )
    view = areas.view_state(choro.geojson)
    assert view["latitude"] == pytest.approx(30.5)
    assert view["longitude"] == pytest.approx(66.5)


def test_ranked_neighbourhoods():
    table = areas.ranked_neighbourhoods(events_frame())
    assert table["neighbourhood"].tolist() == ["Safoora Goth", "Sohrab Goth", "Orangi Sector 11"]
    first = table.iloc[0]
    assert (first["rank"], first["events"], first["killed"]) == (1, 2, 48)
    assert first["town"] == "Gulshan Iqbal Town" and first["district"] == "Karachi East"
    assert first["groups"] == "Islamic State, Lashkar-e-Jhangvi"


def test_events_near_a_place():
    frame = events_frame()
    near = areas.events_near(frame, 24.9312, 67.1534, km=5)
    assert near["event_id"].tolist() == ["E1", "E2"]  # nearest first
    assert near["distance_km"].iloc[0] == pytest.approx(0, abs=1e-6)
    assert near["distance_km"].iloc[1] < 1
    far = areas.events_near(frame, 24.9312, 67.1534, km=30)
    assert set(far["event_id"]) == {"E1", "E2", "E4", "E6"}  # no coordinates, no distance


def test_load_places(tmp_path):
    path = tmp_path / "gazetteer.csv"
    path.write_text(
        "place_id,name,aliases,kind,subkind,latitude,longitude,town,district,city,province,coord_source\n"
        "nb-1,Safoora Goth,,neighbourhood,,24.93,67.15,Gulshan Iqbal Town,Karachi East,Karachi,Sindh,osm\n"
        "lm-1,Nowhere,,landmark,,,,,,,Sindh,\n",
        encoding="utf-8",
    )
    places = areas.load_places(path)
    assert places["name"].tolist() == ["Safoora Goth"]  # no coordinates, no radius
    assert (
        places["label"].iloc[0]
        == "Safoora Goth (neighbourhood, Gulshan Iqbal Town, Karachi East, Karachi)"
    )
    assert areas.load_places(tmp_path / "absent.csv").empty


@pytest.mark.boundaries
def test_real_boundaries_name_every_gazetteer_area(boundaries_ready):
    from footprint import paths

    if not paths.GAZETTEER_CSV.exists():
        pytest.skip("data/gazetteer.csv is not there yet")
    gazetteer = pd.read_csv(paths.GAZETTEER_CSV, dtype=str, keep_default_na=False)
    for level in ("district", "town"):
        names = sorted({n for n in gazetteer[level] if n})
        frame = schema.coerce_events(
            pd.DataFrame({"event_id": names, level: names, "province": "Sindh"})
        )
        choro = areas.choropleth(frame, level, provinces=("Sindh", "Balochistan"))
        assert choro.unmatched.empty, choro.unmatched["name"].tolist()
        total = sum(f["properties"]["events"] for f in choro.geojson["features"])
        assert total == len(names)


def test_unknown_tolls_are_counted_not_summed_as_zero():
    table = areas.area_counts(events_frame(), "district").set_index("name")
    assert table.loc["Karachi West", "killed"] == 0
    assert table.loc["Karachi West", "toll_unknown"] == 1  # E4: the toll was not reported
    assert table.loc["Karachi East", "toll_unknown"] == 0
    ranked = areas.ranked_neighbourhoods(events_frame()).set_index("neighbourhood")
    assert ranked.loc["Orangi Sector 11", "toll_unknown"] == 1
