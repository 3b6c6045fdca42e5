"""Exports: CSV, GeoJSON and GeoPackage written, read back with pyogrio/geopandas, and the CLI."""

from __future__ import annotations

import io
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from footprint.data import exports, schema, store
from footprint.views import cards

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def events_frame() -> pd.DataFrame:
    """Three events: two placed (one with markup and quotes in its text), one without coordinates."""
    rows = [
        {
            "event_id": "KHI-2015-001",
            "event_date": "2015-05-13",
            "date_start": "2015-05-13",
            "date_end": "2015-05-13",
            "date_precision": "day",
            "event_type": "attack",
            "attack_type": "armed_assault",
            "suicide": "false",
            "target_type": "religious_minority",
            "target": "Ismaili bus",
            "location_text": "Safoora Chowrangi",
            "neighbourhood": "Safoora Goth",
            "town": "Gulshan Iqbal Town",
            "district": "Karachi East",
            "city": "Karachi",
            "province": "Sindh",
            "latitude": 24.9312,
            "longitude": 67.1534,
            "geo_precision": "site",
            "perpetrators": "Islamic State (claimed); Jundullah (claimed)",
            "killed_min": 46,
            "killed_max": 47,
            "injured_min": 13,
            "injured_max": None,
            "summary": 'Gunmen <script>alert("x")</script> stopped a bus, "quoted", é',
            "source_id": "doc-1",
            "source_ref": "doc-1 lines 10-12",
        },
        {
            "event_id": "QTA-2013-002",
            "event_date": "2013-02-16",
            "date_precision": "month",
            "event_type": "attack",
            "attack_type": "bombing",
            "suicide": "true",
            "district": "Quetta",
            "city": "Quetta",
            "province": "Balochistan",
            "latitude": 30.1798,
            "longitude": 66.975,
            "geo_precision": "neighbourhood",
            "perpetrators": "Lashkar-e-Jhangvi (claimed)",
            "killed_min": 84,
            "killed_max": 91,
            "injured_min": 200,
            "injured_max": 200,
            "summary": "Market bombing",
        },
        {
            "event_id": "BAL-2010-003",
            "event_date": "2010-07-01",
            "date_precision": "year",
            "event_type": "attack",
            "province": "Balochistan",
            "geo_precision": "province",
            "summary": "Somewhere in Balochistan; no point",
        },
    ]
    return schema.coerce_events(pd.DataFrame(rows))


def assert_same_events(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Same rows, same typed values: dates, nullable ints and booleans, floats, text."""
    expected = schema.coerce_events(expected)[list(schema.EVENT_COLUMNS)].reset_index(drop=True)
    assert list(actual.columns) == list(schema.EVENT_COLUMNS)
    assert len(actual) == len(expected)
    for column in schema.DATE_COLUMNS:
        assert str(actual[column].dtype) == "datetime64[us]", column
    for column in schema.COUNT_COLUMNS:
        assert str(actual[column].dtype) == "Int64", column
    assert str(actual["suicide"].dtype) == "boolean"
    assert actual["latitude"].dtype == "float64"
    for column in schema.EVENT_COLUMNS:
        left = [None if pd.isna(v) else v for v in actual[column]]
        right = [None if pd.isna(v) else v for v in expected[column]]
        assert left == right, column


@pytest.mark.parametrize("fmt", ["csv", "geojson", "gpkg"])
def test_round_trip_through_files(tmp_path, fmt):
    frame = events_frame()
    path = exports.write(frame, tmp_path / f"events.{fmt}", fmt)
    assert path.exists()
    back = exports.read(path)
    assert_same_events(back, frame)


@pytest.mark.parametrize("fmt", ["csv", "geojson", "gpkg"])
def test_round_trip_through_bytes(fmt):
    frame = events_frame()
    data = exports.to_bytes(frame, fmt)
    reader = {"csv": exports.read_csv, "geojson": exports.read_geojson, "gpkg": exports.read_gpkg}
    back = reader[fmt](io.BytesIO(data) if fmt == "csv" else data)
    assert_same_events(back, frame)


def test_csv_is_the_events_csv_format(tmp_path):
    path = tmp_path / "events.csv"
    exports.to_csv(events_frame(), path)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert list(raw.columns) == list(schema.EVENT_COLUMNS)
    assert raw.loc[0, "event_date"] == "2015-05-13"
    assert raw.loc[0, "killed_min"] == "46"
    assert raw.loc[0, "injured_max"] == ""  # unknown stays empty, never 0
    assert raw.loc[1, "suicide"] == "true"
    assert raw.loc[2, "latitude"] == ""  # the event without coordinates is a row too


def test_geojson_read_by_pyogrio(tmp_path):
    path = tmp_path / "events.geojson"
    exports.to_geojson(events_frame(), path)
    info = pyogrio.read_info(path)
    assert info["crs"] == "EPSG:4326"
    assert info["geometry_type"] == "Point"
    assert info["features"] == 3
    layer = gpd.read_file(path)
    assert layer.crs.to_epsg() == 4326
    assert list(layer["event_id"]) == ["KHI-2015-001", "QTA-2013-002", "BAL-2010-003"]
    assert layer.geometry.iloc[0].x == pytest.approx(67.1534)
    assert layer.geometry.iloc[0].y == pytest.approx(24.9312)
    assert layer.geometry.iloc[2] is None  # kept as a null-geometry feature
    collection = json.loads(path.read_text(encoding="utf-8"))
    first = collection["features"][0]
    assert first["id"] == "KHI-2015-001"
    assert first["properties"]["event_date"] == "2015-05-13"  # ISO string, not a Timestamp
    assert first["properties"]["killed_min"] == 46
    assert first["properties"]["injured_max"] is None
    assert first["properties"]["suicide"] is False
    assert "<script>" in first["properties"]["summary"]  # data is kept as written
    assert collection["features"][2]["geometry"] is None


def test_gpkg_opens_as_a_typed_point_layer(tmp_path):
    path = tmp_path / "events.gpkg"
    exports.to_gpkg(events_frame(), path)
    assert pyogrio.list_layers(path).tolist() == [["events", "Point"]]
    info = pyogrio.read_info(path, layer="events")
    assert info["crs"] == "EPSG:4326"
    assert info["geometry_type"] == "Point"
    assert info["features"] == 3
    types = dict(zip(info["fields"], info["ogr_types"], strict=True))
    subtypes = dict(zip(info["fields"], info["ogr_subtypes"], strict=True))
    assert list(info["fields"]) == list(schema.EVENT_COLUMNS)
    assert types["event_date"] == "OFTDate"
    assert types["date_end"] == "OFTDate"
    assert types["killed_min"] == "OFTInteger"
    assert types["suicide"] == "OFTInteger" and subtypes["suicide"] == "OFSTBoolean"
    assert types["latitude"] == "OFTReal"
    assert types["summary"] == "OFTString"
    layer = gpd.read_file(path, layer="events")
    assert layer.crs.to_epsg() == 4326
    assert len(layer) == 3
    assert layer.geometry.iloc[1].x == pytest.approx(66.975)
    assert layer.geometry.iloc[1].y == pytest.approx(30.1798)
    assert layer.geometry.iloc[2] is None
    assert layer.loc[0, "killed_min"] == 46
    assert math.isnan(layer.loc[0, "injured_max"])  # unknown is null, never 0
    assert str(layer.loc[1, "event_date"])[:10] == "2013-02-16"


def test_gpkg_replaces_an_existing_file(tmp_path):
    path = tmp_path / "events.gpkg"
    exports.to_gpkg(events_frame(), path)
    exports.to_gpkg(events_frame().head(1), path)
    assert pyogrio.read_info(path, layer="events")["features"] == 1


def test_empty_frame_exports():
    empty = schema.empty_events()
    for fmt in ("csv", "geojson", "gpkg"):
        data = exports.to_bytes(empty, fmt)
        reader = {
            "csv": exports.read_csv,
            "geojson": exports.read_geojson,
            "gpkg": exports.read_gpkg,
        }
        back = reader[fmt](io.BytesIO(data) if fmt == "csv" else data)
        assert len(back) == 0, fmt


def test_unknown_format_is_refused(tmp_path):
    with pytest.raises(ValueError, match="csv, geojson, gpkg"):
        exports.write(events_frame(), tmp_path / "x.shp", "shp")


def test_file_names_and_mime_types():
    assert exports.file_name("events", "gpkg") == "events.gpkg"
    assert exports.mime_type("geojson") == "application/geo+json"


def test_cli_export_gpkg_from_a_temporary_store(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = store.make_engine(url)
    store.create_schema(engine)
    with engine.begin() as connection:
        store.insert_events(connection, events_frame())
    engine.dispose()
    output = tmp_path / "out" / "events.gpkg"
    env = dict(os.environ, FOOTPRINT_DATABASE_URL=url)
    result = subprocess.run(
        [sys.executable, "-m", "footprint", "export", "--format", "gpkg", "-o", str(output)],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "3 events written" in result.stderr
    layer = gpd.read_file(output, layer="events")
    assert layer.crs.to_epsg() == 4326
    assert sorted(layer["event_id"]) == ["BAL-2010-003", "KHI-2015-001", "QTA-2013-002"]
    by_id = layer.set_index("event_id")
    assert by_id.loc["KHI-2015-001"].geometry.x == pytest.approx(67.1534)
    assert by_id.loc["BAL-2010-003"].geometry is None
    assert_same_events(
        exports.read_gpkg(output).sort_values("event_id", ignore_index=True),
        events_frame().sort_values("event_id", ignore_index=True),
    )


@pytest.mark.parametrize("fmt", ["csv", "geojson"])
def test_cli_export_other_formats(tmp_path, fmt):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = store.make_engine(url)
    store.create_schema(engine)
    with engine.begin() as connection:
        store.insert_events(connection, events_frame())
    engine.dispose()
    output = tmp_path / f"events.{fmt}"
    result = subprocess.run(
        [sys.executable, "-m", "footprint", "export", "--format", fmt, "-o", str(output)],
        cwd=PROJECT_ROOT,
        env=dict(os.environ, FOOTPRINT_DATABASE_URL=url),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    back = exports.read(output).sort_values("event_id", ignore_index=True)
    assert_same_events(back, events_frame().sort_values("event_id", ignore_index=True))


def test_search_folds_case_and_accents_and_needs_every_word():
    frame = events_frame()
    assert exports.search(frame, "")["event_id"].tolist() == list(frame["event_id"])
    assert exports.search(frame, "  ")["event_id"].tolist() == list(frame["event_id"])
    assert exports.search(frame, "SAFOORA")["event_id"].tolist() == ["KHI-2015-001"]
    assert exports.search(frame, "e")["event_id"].tolist() == list(frame["event_id"])
    assert exports.search(frame, "gunmen é")["event_id"].tolist() == ["KHI-2015-001"]
    assert exports.search(frame, "quetta market")["event_id"].tolist() == ["QTA-2013-002"]
    assert exports.search(frame, "quetta safoora").empty  # every word must match
    assert exports.search(frame, "armed assault")["event_id"].tolist() == ["KHI-2015-001"]
    assert exports.search(frame, "lashkar")["event_id"].tolist() == ["QTA-2013-002"]
    assert exports.search(frame, "doc-1 lines")["event_id"].tolist() == ["KHI-2015-001"]
    kept = exports.search(frame, "balochistan")
    assert list(kept.index) == [1, 2]  # rows and index kept as they were


def test_browse_table_one_row_per_event_in_order():
    frame = events_frame()
    table = cards.browse_table(frame)
    assert list(table.columns) == [
        "date", "event", "place", "groups", "killed_min", "killed_max",
        "injured_min", "injured_max", "summary", "when", "event_id",
    ]  # fmt: skip
    assert table["event_id"].tolist() == list(frame["event_id"])
    first = table.iloc[0]
    assert first["event"] == "Armed assault at Safoora Chowrangi"
    assert first["groups"] == "Islamic State (claimed); Jundullah (claimed)"
    assert first["killed_min"] == 46 and pd.isna(first["injured_max"])
    assert str(table["killed_min"].dtype) == "Int64"
    assert table.iloc[2]["groups"] == "no group named"
    assert table.iloc[2]["when"] == "2010 (year)"
