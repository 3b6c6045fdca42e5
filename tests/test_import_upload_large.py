"""The upload page with a file larger than it lists: an aggregated map, the first rows and pairs.

The page's limits are lowered here so that a few dozen rows stand for a
million; the SQL that draws the map is the query layer's
(``tests/test_hexbins.py``), and :func:`test_an_index_of_rows_not_stored_answers_as_the_store_copy`
checks that an upload's rows give the same answers as the same rows stored.
"""

from __future__ import annotations

import json

import pytest

from footprint.data import hexbins, query, store
from footprint.importers import pipeline
from footprint.views import mapview
from tests import test_import_upload_page
from tests.test_import_upload_page import frame_with, signed_in, template, upload

database = test_import_upload_page.database  # the page tests' store fixture

PLACES = [  # (latitude, longitude, precision): Karachi neighbourhoods, and a city-level row
    (24.92, 67.095, "site"),
    (24.8605, 67.0100, "city"),
    (24.87, 67.03, "neighbourhood"),
    (24.95, 67.05, "site"),
]


def _point(n: int) -> tuple[float, float]:
    latitude, longitude, precision = PLACES[n % len(PLACES)]
    if precision == "city":
        return latitude, longitude
    # distinct points: many rows on one exact point would be taken for a stack
    return round(latitude + 0.0007 * n, 5), round(longitude - 0.0005 * n, 5)


def rows(count: int, prefix: str, killed: int = 2) -> list[dict]:
    return [
        {
            "event_id": f"{prefix}-{n}",
            "event_date": f"2015-05-{1 + n % 28:02d}",
            "latitude": str(_point(n)[0]),
            "longitude": str(_point(n)[1]),
            "geo_precision": PLACES[n % len(PLACES)][2],
            "location_text": "Karachi" if PLACES[n % len(PLACES)][2] == "city" else f"place {n}",
            "city": "Karachi",
            "killed_min": str(killed + n),
            "killed_max": str(killed + n),
            "perpetrators": "TTP (claimed)" if n % 2 else "Lashkar-e-Jhangvi (suspected)",
        }
        for n in range(count)
    ]


@pytest.fixture
def small_limits(monkeypatch):
    monkeypatch.setattr(mapview, "AGGREGATE_THRESHOLD", 10)
    monkeypatch.setattr(pipeline, "PREVIEW_ROWS_SHOWN", 5)
    monkeypatch.setattr(pipeline, "PREVIEW_PROBLEMS_SHOWN", 3)
    monkeypatch.setattr(pipeline, "PREVIEW_DUPLICATES_SHOWN", 2)


def deck_layers(at) -> dict[str, dict]:
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    return {layer["id"]: layer for layer in spec["layers"]}


def test_a_large_preview_is_drawn_aggregated_and_listed_in_part(
    database, monkeypatch, small_limits
):
    at = signed_in(monkeypatch)
    upload(at, "large.csv", template(rows(40, "big")))
    layers = deck_layers(at)
    assert layers["hexagons"]["@@type"] == "H3HexagonLayer"
    # hexagons hold the 30 rows placed finer than a city; the city-level 10 are one area marker
    assert sum(h["events"] for h in layers["hexagons"]["data"]) == 30
    assert "events" not in layers  # no marker per row
    largest = layers["largest"]["data"]
    assert 0 < len(largest) <= 30
    assert any("40 rows, more than the 10 drawn one by one" in c.value for c in at.caption)
    shown = frame_with(at, "geo_matched_name")
    assert shown["event_id"].tolist() == [f"big-{n}" for n in range(5)]  # the file's order
    assert any("The first 5 of the 40 rows without errors" in c.value for c in at.caption)
    at.button(key="upload_confirm").click().run()
    assert not at.exception, at.exception
    assert "Stored batch 1: 40 events" in at.success[0].value


def test_a_small_preview_still_draws_each_row(database, monkeypatch, small_limits):
    at = signed_in(monkeypatch)
    upload(at, "small.csv", template(rows(8, "few")))
    layers = deck_layers(at)
    assert "hexagons" not in layers
    assert len(frame_with(at, "geo_matched_name")) == 5


def test_pairs_beyond_the_table_follow_the_bulk_choices(database, monkeypatch, small_limits):
    at = signed_in(monkeypatch)
    upload(at, "first.csv", template(rows(6, "a")))
    at.button(key="upload_confirm").click().run()
    upload(at, "second.csv", template(rows(6, "b", killed=3)))  # the same six, tolls off by one
    preview = at.session_state["upload_preview"]
    assert len(preview.duplicates) == 6
    assert all(p.other_kind == "stored" and p.score < 1.0 for p in preview.duplicates)
    assert len(at.data_editor(key="upload_duplicates").value) == 2
    assert any("the first 2 of 6 pairs" in c.value for c in at.caption)
    # by default all six are skipped; with the bar at 1.0 all six are kept, listed or not
    assert "skips 6 duplicates" in at.markdown[-1].value
    at.slider(key="upload_bulk_skip_at").set_value(1.0).run()
    assert "Confirming stores **6** events" in at.markdown[-1].value
    at.button(key="upload_confirm").click().run()
    assert not at.exception, at.exception
    assert "Stored batch 2: 6 events" in at.success[0].value


def test_many_problems_are_listed_in_part_and_reported_whole(database, monkeypatch, small_limits):
    at = signed_in(monkeypatch)
    bad = [{**row, "killed_min": "many"} for row in rows(7, "bad")]
    upload(at, "bad.csv", template(bad + rows(2, "good")))
    assert len(frame_with(at, "fix")) == 3
    assert any("The first 3 of 7 problems" in c.value for c in at.caption)
    preview = at.session_state["upload_preview"]
    report = preview.report_csv().decode("utf-8-sig").splitlines()
    assert len(report) == 1 + 7


def test_an_index_of_rows_not_stored_answers_as_the_store_copy(tmp_path):
    data = template(rows(40, "ix"))
    preview = pipeline.prepare(data, "ix.csv", None)
    from_preview = query.EventsIndex.from_events(preview.events())
    engine = store.make_engine(f"sqlite:///{tmp_path / 'ix.db'}")
    store.create_schema(engine)
    pipeline.commit(engine, pipeline.prepare(data, "ix.csv", engine), {}, uploaded_by="t")
    from_store = query.EventsIndex.build(engine)
    answers = []
    for index in (from_preview, from_store):
        cursor = index.cursor()
        answers.append(
            (
                hexbins.hexagons(cursor, "TRUE", [], 7).to_dict("records"),
                hexbins.area_markers(cursor, "TRUE", []).to_dict("records"),
                hexbins.largest_events(cursor, "TRUE", [], 10)["event_id"].tolist(),
                hexbins.group_counts(cursor, "TRUE", []),
                index.total(),
            )
        )
    assert answers[0] == answers[1]
    assert answers[0][3] == {"Tehrik-i-Taliban Pakistan": 20, "Lashkar-e-Jhangvi": 20}
    assert answers[0][4] == 40
