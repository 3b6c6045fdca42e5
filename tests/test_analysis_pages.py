"""The Timeline, Groups, Neighbourhoods and Events pages, run through ``app.py`` with AppTest.

Each test opens the whole app (``app.py``: the store, the shared filter
panel, ``st.navigation``) against a temporary SQLite store loaded from
code-built data files, switches to a page, sets filters and checks what the
page renders: metrics, table rows, chart data, choropleth counts and the
bytes behind the download buttons.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import time
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from footprint import paths
from footprint.data import exports, schema
from footprint.views import profiles

PROJECT_ROOT = Path(__file__).resolve().parent.parent
APP = PROJECT_ROOT / "app.py"


# --- the data -------------------------------------------------------------------


def events_frame() -> pd.DataFrame:
    """Seven attacks in Karachi and Quetta, 2014–2017; T7 has no coordinates."""
    rows = [
        ("T1", "2014-06-10", "Islamic State (claimed)", 5, 6, 2, "Safoora Goth",
         "Gulshan Iqbal Town", "Karachi East", "Karachi", "Sindh", 24.9312, 67.1534, "site"),
        ("T2", "2014-06-25", "Lashkar-e-Jhangvi (suspected)", 1, 1, 0, "Safoora Goth",
         "Gulshan Iqbal Town", "Karachi East", "Karachi", "Sindh", 24.9330, 67.1500, "neighbourhood"),
        ("T3", "2015-05-13", "Islamic State (claimed); Jundullah (claimed)", 46, 47, 13,
         "Safoora Goth", "Gulshan Iqbal Town", "Karachi East", "Karachi", "Sindh", 24.9300,
         67.1550, "site"),
        ("T4", "2015-09-01", "Tehrik-i-Taliban Pakistan (claimed)", 3, None, None,
         "Orangi Sector 11", "Orangi Town", "Karachi West", "Karachi", "Sindh", 24.9500, 66.9900,
         "neighbourhood"),
        ("T5", "2016-01-05", None, 80, 90, 100, None, None, "Quetta", "Quetta", "Balochistan",
         30.1800, 66.9900, "city"),
        ("T6", "2016-08-08", "Islamic State (claimed)", 70, 74, 112, None, None, "Quetta",
         "Quetta", "Balochistan", 30.2100, 67.0100, "site"),
        ("T7", "2017-02-01", "Islamic State (suspected)", 2, None, 0, "Sohrab Goth", "Gadap Town",
         "Malir", "Karachi", "Sindh", None, None, "neighbourhood"),
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
            "city",
            "province",
            "latitude",
            "longitude",
            "geo_precision",
        ],
    )
    frame["event_type"] = "attack"
    frame["attack_type"] = "bombing"
    frame["date_precision"] = "day"
    frame["summary"] = [f"Summary of {i} with <b>markup</b>" for i in frame["event_id"]]
    frame["source_id"] = "doc-1"
    frame["source_ref"] = "doc-1:1-2"
    return schema.coerce_events(frame)


GROUPS_CSV = """name,aliases,kind,description
Islamic State,IS|ISIS|Daesh,transnational_jihadist,The Islamic State <script>x</script>.
Lashkar-e-Jhangvi,LeJ|LJ,sectarian,Anti-Shia group.
Jundullah,Jundallah,local,A Karachi faction.
Tehrik-i-Taliban Pakistan,TTP,taliban,The Pakistani Taliban.
Al Qaeda,AQ,transnational_jihadist,Al Qaeda.
"""

LINKS_CSV = """source_group,relation,target_group,source_ref,evidence
Jundullah,pledged_to,Islamic State,doc-2.txt:4-6,pledged allegiance
Lashkar-e-Jhangvi,allied_with,Islamic State,doc-3.txt:13-13,allies
Tehrik-i-Taliban Pakistan,affiliated_with,Al Qaeda,doc-3.txt:15-15,earlier affiliated
"""

GAZETTEER_CSV = """place_id,name,aliases,kind,subkind,latitude,longitude,town,district,city,province,coord_source
nb-safoora,Safoora Goth,,neighbourhood,,24.9312,67.1534,Gulshan Iqbal Town,Karachi East,Karachi,Sindh,test
lm-quetta-pa,Police Academy,,landmark,,30.20,67.00,,Quetta,Quetta,Balochistan,test
twn-gulshan,Gulshan Iqbal Town,,town,,24.9495,67.1412,Gulshan Iqbal Town,Karachi East,Karachi,Sindh,test
"""


# AppTest must run app.py on every run, as a server does (see conftest).
pytestmark = pytest.mark.usefixtures("navigation_only")


@pytest.fixture
def app_data(tmp_path, monkeypatch):
    """Point the app at code-built data files and a fresh SQLite store."""
    data = tmp_path / "data"
    data.mkdir()
    exports.to_csv(events_frame(), data / "events.csv")
    (data / "groups.csv").write_text(GROUPS_CSV, encoding="utf-8")
    (data / "group_links.csv").write_text(LINKS_CSV, encoding="utf-8")
    (data / "gazetteer.csv").write_text(GAZETTEER_CSV, encoding="utf-8")
    monkeypatch.setattr(paths, "EVENTS_CSV", data / "events.csv")
    monkeypatch.setattr(paths, "GROUPS_CSV", data / "groups.csv")
    monkeypatch.setattr(paths, "GROUP_LINKS_CSV", data / "group_links.csv")
    monkeypatch.setattr(paths, "GAZETTEER_CSV", data / "gazetteer.csv")
    monkeypatch.setenv("FOOTPRINT_DATABASE_URL", f"sqlite:///{tmp_path / 'store.db'}")
    return data


@pytest.fixture
def downloads(monkeypatch):
    """Record the bytes handed to the media store: ``{file id: (bytes, mime, file name)}``."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    recorded: dict[str, tuple[bytes, str, str | None]] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def recording(self, path_or_data, mimetype, kind, filename=None):
        file_id = original(self, path_or_data, mimetype, kind, filename)
        data = path_or_data if isinstance(path_or_data, bytes) else Path(path_or_data).read_bytes()
        recorded[file_id] = (data, mimetype, filename)
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", recording)
    return recorded


def open_page(page: str) -> AppTest:
    """Run the app, switch to ``page`` and run it; fail on any exception."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def vega_charts(at: AppTest) -> list[tuple[dict, dict[str, pd.DataFrame]]]:
    """Every Altair chart on the page: its spec and its datasets as frames."""
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    out = []
    for element in at.get("vega_lite_chart"):
        spec = json.loads(element.proto.spec)
        datasets = {
            ds.name: convert_arrow_bytes_to_pandas_df(ds.data.data) for ds in element.proto.datasets
        }
        out.append((spec, datasets))
    return out


def timeline_bars(at: AppTest) -> pd.DataFrame:
    spec, datasets = vega_charts(at)[0]
    return datasets[spec["layer"][0]["data"]["name"]]


#: Columns that tell the pages' tables apart (AppTest keeps the key only of
#: tables with a selection).
TABLE_COLUMNS = {
    "events_table": {"event", "place", "groups", "event_id"},
    "groups_table": {"group", "kind", "claimed"},
    "groups_places_districts": {"district", "events"},
    "groups_links_table": {"source_group", "relation", "source_ref"},
    "places_area_table": {"name", "events", "killed_max", "casualties"},
    "places_ranked": {"rank", "neighbourhood", "groups"},
    "places_radius_table": {"Killed", "Id"},
}


def dataframe_by_key(at: AppTest, key: str) -> pd.DataFrame:
    """Return the table a page drew with ``key``."""
    wanted = TABLE_COLUMNS[key]
    for frame in at.dataframe:
        if frame.key == key or (frame.key is None and wanted <= set(frame.value.columns)):
            return frame.value
    raise AssertionError(f"no table {key!r}: {[list(f.value.columns) for f in at.dataframe]}")


def deck_features(at: AppTest) -> dict[str, dict]:
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    layer = next(layer for layer in deck["layers"] if layer["id"] == "areas")
    features = layer["data"]["features"]
    return {f["properties"]["name"]: f["properties"] for f in features}


# --- Timeline ---------------------------------------------------------------------


def test_timeline_counts_and_date_filter(app_data):
    at = open_page("pages/timeline.py")
    assert metric(at, "Events") == "7"
    assert metric(at, "Killed") == "207–223+"
    bars = timeline_bars(at)
    got = {(r["period"], r["group"]): r["events"] for r in bars.to_dict("records")}
    assert got[("2014-06-01", "Islamic State")] == 1
    assert got[("2014-06-01", "Lashkar-e-Jhangvi")] == 1
    assert got[("2016-01-01", profiles.UNATTRIBUTED)] == 1
    assert bars["events"].sum() == 7
    # The largest attacks are labelled.
    spec, datasets = vega_charts(at)[0]
    text_layer = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "text")
    labels = list(datasets[text_layer["data"]["name"]]["label"])
    assert labels[:2] == ["Quetta: 80 killed", "Quetta: 70 killed"]

    at.date_input(key="filter_date_from").set_value(dt.date(2016, 1, 1))
    rerun(at)
    assert metric(at, "Events") == "3"
    bars = timeline_bars(at)
    assert bars["events"].sum() == 3
    assert bars["period"].min() >= "2016-01-01"
    assert at.query_params.get("from") in ("2016-01-01", ["2016-01-01"])


def test_timeline_measure_year_and_small_multiples(app_data):
    at = open_page("pages/timeline.py")
    at.segmented_control(key="timeline_measure").set_value("killed")
    at.segmented_control(key="timeline_freq").set_value("year")
    rerun(at)
    bars = timeline_bars(at)
    by_year = bars.groupby("period")["killed"].sum().to_dict()
    assert by_year == {"2014-01-01": 6, "2015-01-01": 49, "2016-01-01": 150, "2017-01-01": 2}
    spec, datasets = vega_charts(at)[1]
    assert spec["facet"]["field"] == "group"
    panels = datasets[spec["data"]["name"]]
    is_2015 = panels[(panels["group"] == "Jundullah") & (panels["period"] == "2015-01-01")]
    assert is_2015["killed"].tolist() == [46]


def test_timeline_bin_follows_the_date_range(app_data):
    at = open_page("pages/timeline.py")
    # Seven events over 2014-2017: a range of a few years is binned by month.
    assert timeline_bars(at)["period"].str.endswith("-01").all()
    at.date_input(key="filter_date_from").set_value(dt.date(2014, 6, 1))
    at.date_input(key="filter_date_to").set_value(dt.date(2014, 6, 30))
    rerun(at)
    bars = timeline_bars(at)
    # Two events in June 2014: one bar per day, on their days, labelled with the day.
    assert sorted(bars["period"]) == ["2014-06-10", "2014-06-25"]
    assert set(bars["label"]) == {"10 Jun 2014", "25 Jun 2014"}
    spec, _ = vega_charts(at)[0]
    assert spec["layer"][0]["encoding"]["x"]["axis"]["format"] == "%d %b"
    assert any("one bar per day" in c.value for c in at.caption)
    # The per-group panels label each year once.
    panels, _ = vega_charts(at)[1]
    assert panels["spec"]["encoding"]["x"]["axis"]["format"] == "%d %b"
    at.segmented_control(key="timeline_freq").set_value("year")
    rerun(at)
    panels, _ = vega_charts(at)[1]
    assert panels["spec"]["encoding"]["x"]["axis"]["tickCount"] == "year"


def test_timeline_clear_dates_button(app_data):
    at = open_page("pages/timeline.py")
    at.date_input(key="filter_date_to").set_value(dt.date(2014, 12, 31))
    rerun(at)
    assert metric(at, "Events") == "2"
    at.button(key="timeline_clear_dates").click()
    rerun(at)
    assert at.session_state["filter_date_to"] is None
    assert metric(at, "Events") == "7"


# --- Groups -------------------------------------------------------------------------


def test_groups_table_profile_and_network(app_data):
    at = open_page("pages/groups.py")
    table = dataframe_by_key(at, "groups_table").set_index("group")
    assert table.loc["Islamic State", "events"] == 4
    assert table.loc["Islamic State", "claimed"] == 3
    assert table.loc[profiles.UNATTRIBUTED, "events"] == 1
    assert table.loc["Jundullah", "killed"] == "46–47"

    at.selectbox(key="groups_choice").set_value("Islamic State")
    rerun(at)
    assert metric(at, "Events") == "4"
    assert metric(at, "Killed") == "123–129+"
    assert metric(at, "Active") == "2014–2017"
    assert any("First event 10 Jun 2014, last 01 Feb 2017" in c.value for c in at.caption)
    header = next(h.proto.body for h in at.get("html") if "Also written" in h.proto.body)
    assert "IS, ISIS, Daesh" in header
    assert "&lt;script&gt;" in header and "<script>" not in header  # data, never markup
    districts = dataframe_by_key(at, "groups_places_districts")
    assert districts.values.tolist() == [["Karachi East", 2], ["Malir", 1], ["Quetta", 1]]

    # The network's links are the rows of group_links.csv, with their sources.
    edges = dataframe_by_key(at, "groups_links_table")
    expected = pd.read_csv(io.StringIO(LINKS_CSV), dtype=str)
    assert edges.values.tolist() == expected.values.tolist()
    network_spec, network_data = vega_charts(at)[0]
    rules = network_spec["layer"][0]
    assert len(network_data[rules["data"]["name"]]) == 3


def test_groups_follow_the_filters_and_set_the_group_filter(app_data):
    at = open_page("pages/groups.py")
    at.multiselect(key="filter_districts").set_value(["Quetta"])
    rerun(at)
    table = dataframe_by_key(at, "groups_table").set_index("group")
    assert table["events"].to_dict() == {"Islamic State": 1, profiles.UNATTRIBUTED: 1}

    at.multiselect(key="filter_districts").set_value([])
    rerun(at)
    at.selectbox(key="groups_choice").set_value("Lashkar-e-Jhangvi")
    rerun(at)
    at.button(key="groups_filter_button").click()
    rerun(at)
    assert at.session_state["filter_groups"] == ["Lashkar-e-Jhangvi"]
    assert at.query_params.get("group") in ("Lashkar-e-Jhangvi", ["Lashkar-e-Jhangvi"])
    table = dataframe_by_key(at, "groups_table")
    assert table["group"].tolist() == ["Lashkar-e-Jhangvi"]


# --- Neighbourhoods -----------------------------------------------------------------


def test_neighbourhoods_choropleth_and_tables(app_data, boundaries_ready):
    at = open_page("pages/neighbourhoods.py")
    features = deck_features(at)
    assert features["Karachi East"]["events"] == 3
    assert features["Karachi East"]["killed"] == 52
    assert features["Quetta"]["events"] == 2
    assert features["Karachi South"]["events"] == 0
    counts = dataframe_by_key(at, "places_area_table").set_index("name")
    assert counts["events"].to_dict() == {
        "Karachi East": 3,
        "Quetta": 2,
        "Karachi West": 1,
        "Malir": 1,
    }
    ranked = dataframe_by_key(at, "places_ranked")
    assert ranked["neighbourhood"].tolist() == ["Safoora Goth", "Orangi Sector 11", "Sohrab Goth"]
    assert ranked["events"].tolist() == [3, 1, 1]

    at.segmented_control(key="places_level").set_value("town")
    rerun(at)
    towns = deck_features(at)
    assert towns["Gulshan Iqbal Town"]["events"] == 3
    assert towns["Orangi Town"]["events"] == 1
    assert towns["Saddar Town"]["events"] == 0


def test_choosing_a_district_filters_every_page(app_data, boundaries_ready):
    at = open_page("pages/neighbourhoods.py")
    at.selectbox(key="places_area").set_value("Karachi East")
    rerun(at)
    assert at.session_state["filter_districts"] == ["Karachi East"]
    assert at.query_params.get("district") in ("Karachi East", ["Karachi East"])
    # The choropleth stays a chooser (other areas keep their counts), the choice outlined.
    features = deck_features(at)
    assert features["Quetta"]["events"] == 2
    assert features["Karachi East"]["selected"] is True
    assert features["Quetta"]["selected"] is False
    ranked = dataframe_by_key(at, "places_ranked")
    assert ranked["neighbourhood"].tolist() == ["Safoora Goth"]

    at.switch_page("pages/events.py")
    rerun(at)
    table = dataframe_by_key(at, "events_table")
    assert sorted(table["event_id"]) == ["T1", "T2", "T3"]
    at.switch_page("pages/timeline.py")
    rerun(at)
    assert metric(at, "Events") == "3"

    at.switch_page("pages/neighbourhoods.py")
    rerun(at)
    at.selectbox(key="places_area").set_value("All")
    rerun(at)
    assert at.session_state["filter_districts"] == []


def test_radius_around_a_gazetteer_place(app_data, boundaries_ready):
    at = open_page("pages/neighbourhoods.py")
    label = next(
        o for o in at.selectbox(key="places_radius_place").options if o.startswith("Safoora")
    )
    at.selectbox(key="places_radius_place").set_value(label)
    rerun(at)
    assert metric(at, "Events within 5 km of Safoora Goth") == "3"
    near = dataframe_by_key(at, "places_radius_table")
    assert near["Id"].tolist() == ["T1", "T3", "T2"]  # nearest first
    assert list(near.columns) == [
        "km",
        "Date",
        "Place",
        "Neighbourhood",
        "Groups",
        "Killed",
        "Summary",
        "Id",
    ]
    # Unknown tolls read "unknown", never "None".
    assert "None" not in near.astype(str).to_numpy()
    assert near["Killed"].map(lambda v: v == "unknown" or v[0].isdigit()).all()
    assert any("gazetteer point of Safoora Goth" in c.value for c in at.caption)
    at.number_input(key="places_radius_km").set_value(30.0)
    rerun(at)
    assert metric(at, "Events within 30 km of Safoora Goth") == "4"  # T4 in Orangi


def test_a_town_as_centre_means_its_area(app_data, boundaries_ready):
    at = open_page("pages/neighbourhoods.py")
    options = at.selectbox(key="places_radius_place").options
    label = next(o for o in options if o.startswith("Gulshan") and "(town" in o)
    at.selectbox(key="places_radius_place").set_value(label)
    rerun(at)
    inside = dataframe_by_key(at, "places_radius_table")
    # T1-T3 are placed in the town; T4 (Orangi) and the Quetta events are not.
    assert metric(at, "Events in Gulshan Iqbal Town (town)") == "3"
    assert sorted(inside["Id"]) == ["T1", "T2", "T3"]
    assert any("events placed in it" in c.value for c in at.caption)


# --- Events -------------------------------------------------------------------------


def _download_frames(at: AppTest, downloads: dict) -> dict[str, pd.DataFrame]:
    """Read back what each download button gives when clicked, by format.

    The buttons generate their file on click (a deferred download, which
    AppTest cannot click): read what ``query.export_bytes`` gives for the
    session's filters, search and sort, the call each button makes.
    """
    from footprint.data import query

    frames = {}
    search = at.text_input(key="events_search").value or None
    for button in at.download_button:
        fmt = button.key.removeprefix("events_download_")
        data = query.export_bytes(
            at.session_state["events_index"],
            at.session_state["filter_state"],
            fmt,
            search=search,
            order_by=at.selectbox(key="events_sort").value,
            descending=at.session_state["events_order"] == "desc",
        )
        reader = {
            "csv": exports.read_csv,
            "geojson": exports.read_geojson,
            "gpkg": exports.read_gpkg,
        }
        frames[fmt] = reader[fmt](io.BytesIO(data) if fmt == "csv" else data)
    return frames


def test_events_table_search_and_downloads(app_data, downloads):
    at = open_page("pages/events.py")
    table = dataframe_by_key(at, "events_table")
    # Newest first by default; every download follows the table's order.
    assert table["event_id"].tolist() == ["T7", "T6", "T5", "T4", "T3", "T2", "T1"]
    frames = _download_frames(at, downloads)
    assert set(frames) == {"csv", "geojson", "gpkg"}
    for frame in frames.values():
        assert frame["event_id"].tolist() == table["event_id"].tolist()

    at.text_input(key="events_search").input("quetta")
    rerun(at)
    table = dataframe_by_key(at, "events_table")
    assert table["event_id"].tolist() == ["T6", "T5"]
    for fmt, frame in _download_frames(at, downloads).items():
        assert frame["event_id"].tolist() == ["T6", "T5"], fmt
    assert "2 (" in at.download_button(key="events_download_csv").label or "2 events" in (
        at.download_button(key="events_download_csv").label
    )


def test_events_downloads_carry_exactly_the_filtered_rows(app_data, downloads):
    at = open_page("pages/events.py")
    at.multiselect(key="filter_groups").set_value(["Islamic State"])
    at.date_input(key="filter_date_from").set_value(dt.date(2015, 1, 1))
    rerun(at)
    expected = ["T7", "T6", "T3"]
    assert dataframe_by_key(at, "events_table")["event_id"].tolist() == expected
    frames = _download_frames(at, downloads)
    for fmt, frame in frames.items():
        assert frame["event_id"].tolist() == expected, fmt
    # The exported rows are the stored events, typed, fields intact.
    gpkg = frames["gpkg"].set_index("event_id")
    assert gpkg.loc["T6", "killed_max"] == 74
    assert pd.isna(gpkg.loc["T7", "latitude"])  # kept, with no point
    assert gpkg.loc["T3", "event_date"] == pd.Timestamp("2015-05-13")
    geojson = frames["geojson"].set_index("event_id")
    assert geojson.loc["T3", "longitude"] == pytest.approx(67.155)


def test_selecting_a_row_opens_the_escaped_card(app_data):
    at = open_page("pages/events.py")
    position = dataframe_by_key(at, "events_table")["event_id"].tolist().index("T5")
    at.session_state["events_table"] = {
        "selection": {"rows": [position], "columns": [], "cells": []}
    }
    rerun(at)
    cards = [h.proto.body for h in at.get("html") if "fp-card" in h.proto.body]
    assert len(cards) == 1
    assert 'data-event-id="T5"' in cards[0]
    assert "&lt;b&gt;markup&lt;/b&gt;" in cards[0] and "<b>markup</b>" not in cards[0]


@pytest.mark.parametrize(
    "page",
    ["pages/timeline.py", "pages/groups.py", "pages/neighbourhoods.py", "pages/events.py"],
)
def test_pages_when_no_event_passes_the_filters(app_data, boundaries_ready, page):
    at = open_page(page)
    at.number_input(key="filter_min_killed").set_value(10_000)
    rerun(at)
    # Every page says so and offers a reset, which brings the events back.
    assert any("No events match the filters" in info.value for info in at.info)
    prefix = {
        "pages/timeline.py": "timeline",
        "pages/groups.py": "groups",
        "pages/neighbourhoods.py": "places",
        "pages/events.py": "events",
    }[page]
    if page == "pages/events.py":
        assert not [f for f in at.dataframe if f.key == "events_table"]
        assert not at.download_button
    elif page == "pages/neighbourhoods.py":
        assert all(f["events"] == 0 for f in deck_features(at).values())
    at.button(key=f"{prefix}_reset").click()
    rerun(at)
    assert at.session_state["events_count"] == 7
    assert not any("No events match the filters" in info.value for info in at.info)


# --- the real data, when it is there --------------------------------------------------


@pytest.mark.parametrize(
    "page",
    ["pages/timeline.py", "pages/groups.py", "pages/neighbourhoods.py", "pages/events.py"],
)
def test_pages_run_on_the_seed_data(page, tmp_path, monkeypatch, boundaries_ready):
    if not paths.EVENTS_CSV.exists():
        pytest.skip("data/events.csv has not been built yet")
    monkeypatch.setenv("FOOTPRINT_DATABASE_URL", f"sqlite:///{tmp_path / 'store.db'}")
    seeds = pd.read_csv(paths.EVENTS_CSV, dtype=str, keep_default_na=False)
    at = open_page(page)
    if page == "pages/events.py":
        assert len(dataframe_by_key(at, "events_table")) == len(seeds)
    if page == "pages/timeline.py":
        assert metric(at, "Events") == f"{len(seeds):,}"


# --- the brush, in a real browser ---------------------------------------------------


@pytest.fixture
def seven_events_server(app_data, boundaries_ready, tmp_path):
    """A ``streamlit run`` server on the seven code-built events; yields its base URL.

    The app is opened once first: a fresh server serves a deep link to a page
    of ``pages/`` on its own until ``st.navigation`` has run once.
    """
    from conftest import serving_process

    env = {"FOOTPRINT_DATA_DIR": str(app_data), "FOOTPRINT_BOUNDARIES_DIR": str(boundaries_ready)}
    with serving_process(f"sqlite:///{tmp_path / 'browser.db'}", env) as base:
        yield base


@pytest.mark.browser
def test_brushing_the_timeline_sets_the_shared_dates(seven_events_server, page):
    base = seven_events_server
    page.goto(base, wait_until="networkidle")
    page.get_by_text("of 7 events").first.wait_for(timeout=60_000)
    page.goto(f"{base}/timeline", wait_until="networkidle")
    canvas = page.locator(".stVegaLiteChart canvas, .stVegaLiteChart svg").first
    canvas.wait_for(timeout=30_000)
    time.sleep(1.0)
    box = canvas.bounding_box()
    # Drag across the middle of the plot (2015 to 2016 of 2014–2017).
    y = box["y"] + box["height"] * 0.4
    page.mouse.move(box["x"] + box["width"] * 0.40, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.55, y, steps=12)
    page.mouse.move(box["x"] + box["width"] * 0.70, y, steps=12)
    page.mouse.up()
    deadline = time.monotonic() + 30
    url = page.url
    while time.monotonic() < deadline and "from=" not in url:
        time.sleep(0.3)
        url = page.evaluate("window.location.href")
    assert "from=" in url and "to=" in url, url
    start = dt.date.fromisoformat(re.search(r"from=([0-9-]+)", url).group(1))
    end = dt.date.fromisoformat(re.search(r"to=([0-9-]+)", url).group(1))
    assert start.day == 1  # snapped to whole months
    assert dt.date(2014, 1, 1) <= start < end <= dt.date(2018, 1, 1)
    shown = int(re.search(r"(\d+) of 7 events", page.inner_text("body")).group(1))
    expected = events_frame()["event_date"].between(pd.Timestamp(start), pd.Timestamp(end))
    assert shown == int(expected.sum()) < 7
    assert not page.errors, page.errors


@pytest.mark.browser
def test_clicking_a_district_sets_the_shared_filter(seven_events_server, page):
    import math

    import shapely.geometry

    from footprint.views import areas

    base = seven_events_server
    page.goto(base, wait_until="networkidle")
    page.get_by_text("of 7 events").first.wait_for(timeout=60_000)
    page.goto(f"{base}/neighbourhoods", wait_until="load")
    canvas = page.locator("[data-testid='stDeckGlJsonChart'] canvas").first
    canvas.wait_for(timeout=30_000)
    time.sleep(2.0)
    box = canvas.bounding_box()
    # Where Quetta is drawn: the page's view (same data, no filter) in Web Mercator.
    choro = areas.choropleth(events_frame(), "district")
    view = areas.view_state(choro.geojson)
    quetta = next(f for f in choro.geojson["features"] if f["properties"]["name"] == "Quetta")
    point = shapely.geometry.shape(quetta["geometry"]).representative_point()

    def pixels(lon: float, lat: float) -> tuple[float, float]:
        scale = 512 / (2 * math.pi) * 2 ** view["zoom"]
        return (
            scale * (math.radians(lon) + math.pi),
            scale * (math.pi - math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))),
        )

    centre, target = pixels(view["longitude"], view["latitude"]), pixels(point.x, point.y)
    x = box["x"] + box["width"] / 2 + target[0] - centre[0]
    y = box["y"] + box["height"] / 2 + target[1] - centre[1]
    assert box["x"] < x < box["x"] + box["width"] and box["y"] < y < box["y"] + box["height"]
    # deck.gl picks what the pointer hovers: move there first, then click.
    page.mouse.move(x - 30, y - 30)
    page.mouse.move(x, y, steps=5)
    time.sleep(1.0)
    page.mouse.click(x, y)
    deadline = time.monotonic() + 30
    url = page.url
    while time.monotonic() < deadline and "district=" not in url:
        time.sleep(0.3)
        url = page.evaluate("window.location.href")
    assert "district=Quetta" in url, url
    page.get_by_text("2 of 7 events").first.wait_for(timeout=30_000)
    assert not page.errors, page.errors
