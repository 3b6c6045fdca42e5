"""The store: schema creation, idempotent seed loading, batches, on SQLite and PostGIS."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa
from conftest import empty_engine, store_url

from footprint.data import schema, store


def make_events(ids: list[str], **overrides) -> pd.DataFrame:
    """A small events frame built in code."""
    rows = []
    for number, event_id in enumerate(ids):
        rows.append(
            {
                "event_id": event_id,
                "event_date": f"2015-03-{number + 1:02d}",
                "date_start": f"2015-03-{number + 1:02d}",
                "date_end": f"2015-03-{number + 1:02d}",
                "date_precision": "day",
                "event_type": "attack",
                "attack_type": "bombing",
                "suicide": "false",
                "location_text": "Pakistan Chowk",
                "city": "Karachi",
                "province": "Sindh",
                "latitude": 24.85 + number / 100,
                "longitude": 67.01,
                "geo_precision": "site",
                "perpetrators": "Al Qaeda (attributed); Islamic State (suspected)",
                "killed_min": 2,
                "killed_max": None,
                "summary": "A test event.",
                "source_id": "test",
                "source_ref": f"test.txt:{number + 1}-{number + 1}",
                **overrides,
            }
        )
    return pd.DataFrame(rows)


def new_batch(connection, digit: str, rows: int, rows_merged: int = 0) -> int:
    """Record a batch of ``rows`` stored rows (plus any merged) for file f.csv."""
    return store.create_batch(
        connection,
        file_name="f.csv",
        sha256=digit * 64,
        format="footprint",
        rows_read=rows + rows_merged,
        rows_stored=rows,
        rows_rejected=0,
        uploaded_by="analyst",
        rows_merged=rows_merged,
    )


GROUPS = pd.DataFrame(
    [
        {
            "name": "Al Qaeda",
            "aliases": "AQ|al-Qaida",
            "kind": "transnational_jihadist",
            "description": "",
        },
        {
            "name": "Islamic State",
            "aliases": "IS|ISIS",
            "kind": "transnational_jihadist",
            "description": "",
        },
    ]
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request, tmp_path):
    """An empty store on SQLite, and on a real PostgreSQL/PostGIS server."""
    url = store_url(request, tmp_path, request.param)
    engine = empty_engine(url)
    store.create_schema(engine)
    yield engine
    engine.dispose()


def test_loading_seed_events_twice_never_duplicates_a_row(engine):
    frame = make_events(["s1", "s2", "s3"])
    with engine.begin() as connection:
        store.load_seed_events(connection, frame, GROUPS)
    with engine.begin() as connection:
        store.load_seed_events(connection, frame, GROUPS)
    with engine.connect() as connection:
        assert store.count_events(connection) == 3
        links = connection.execute(
            sa.select(sa.func.count()).select_from(store.event_groups)
        ).scalar()
        assert links == 6
        assert len(store.read_groups(connection)) == 2


def test_changed_seed_is_updated_in_place_and_dropped_seed_removed(engine):
    with engine.begin() as connection:
        store.load_seed_events(connection, make_events(["s1", "s2"]), GROUPS)
    changed = make_events(["s1"], killed_min=5, perpetrators="Islamic State (claimed)")
    with engine.begin() as connection:
        store.load_seed_events(connection, changed, GROUPS)
    with engine.connect() as connection:
        stored = store.read_events(connection)
    assert list(stored["event_id"]) == ["s1"]
    assert stored.loc[0, "killed_min"] == 5
    assert stored.loc[0, "perpetrators"] == "Islamic State (claimed)"


def test_read_events_keeps_unknown_casualties_missing_not_zero(engine):
    with engine.begin() as connection:
        store.load_seed_events(connection, make_events(["s1"]), GROUPS)
    with engine.connect() as connection:
        row = store.read_events(connection).iloc[0]
    assert row["killed_min"] == 2
    assert pd.isna(row["killed_max"])
    assert pd.isna(row["injured_min"])
    assert row["event_date"] == pd.Timestamp("2015-03-01")
    assert row["suicide"] is False or row["suicide"] == False  # noqa: E712 (nullable boolean)


def test_unknown_group_is_kept_as_written_and_flagged(engine):
    frame = make_events(["u1"], perpetrators="Lashkar-e-Nowhere (suspected)")
    with engine.begin() as connection:
        store.insert_events(connection, frame)
    with engine.connect() as connection:
        groups = store.read_groups(connection).set_index("name")
    assert "Lashkar-e-Nowhere" in groups.index
    assert not bool(groups.loc["Lashkar-e-Nowhere", "recognised"])


def test_a_failed_batch_stores_nothing(engine):
    with engine.begin() as connection:
        store.load_seed_events(connection, make_events(["s1"]), GROUPS)
    with pytest.raises(sa.exc.IntegrityError):
        with engine.begin() as connection:
            batch = new_batch(connection, "0", rows=2)
            # The second row repeats the seed's id, so the insert fails midway.
            store.insert_events(connection, make_events(["b1", "s1"]), batch_id=batch)
    with engine.connect() as connection:
        assert store.count_events(connection) == 1
        assert store.list_batches(connection).empty


def test_undo_removes_exactly_the_batch_and_its_merged_sources(engine):
    with engine.begin() as connection:
        store.load_seed_events(connection, make_events(["s1"]), GROUPS)
        batch = new_batch(connection, "a", rows=2, rows_merged=1)
        store.insert_events(connection, make_events(["b1", "b2"]), batch_id=batch)
        store.add_source(connection, "s1", "f.csv:4", batch)
    with engine.connect() as connection:
        before = store.read_events(connection).set_index("event_id")
        assert before.loc["s1", "source_ref"] == "test.txt:1-1; f.csv:4"
        assert store.find_batch_by_sha256(connection, "a" * 64)["batch_id"] == batch
    with engine.begin() as connection:
        assert store.undo_batch(connection, batch, "analyst") == 2
    with engine.connect() as connection:
        after = store.read_events(connection)
        assert list(after["event_id"]) == ["s1"]
        assert after.loc[0, "source_ref"] == "test.txt:1-1"
        assert store.find_batch_by_sha256(connection, "a" * 64) is None
        history = store.list_batches(connection)
        assert history.loc[0, "events_held"] == 0 and history.loc[0, "undone_by"] == "analyst"
    with engine.begin() as connection, pytest.raises(store.StoreError, match="already undone"):
        store.undo_batch(connection, batch, "analyst")


@pytest.mark.postgres
def test_postgis_keeps_a_geometry_beside_the_coordinates(postgres_url):
    engine = empty_engine(postgres_url)
    store.create_schema(engine)
    with engine.begin() as connection:
        store.load_seed_events(connection, make_events(["p1", "p2"]), GROUPS)
    with engine.connect() as connection:
        points = connection.execute(
            sa.text(
                "SELECT event_id, ST_X(geom), ST_Y(geom), ST_SRID(geom) FROM events ORDER BY event_id"
            )
        ).all()
        near = connection.execute(
            sa.text(
                "SELECT count(*) FROM events WHERE ST_DWithin(geom::geography, "
                "ST_SetSRID(ST_MakePoint(67.01, 24.85), 4326)::geography, 500)"
            )
        ).scalar()
    assert [(p[0], round(p[1], 2), round(p[2], 2), p[3]) for p in points] == [
        ("p1", 67.01, 24.85, 4326),
        ("p2", 67.01, 24.86, 4326),
    ]
    assert near == 1
    engine.dispose()


def test_contract_columns_are_all_stored():
    stored = {column.name for column in store.events.columns}
    assert set(schema.EVENT_COLUMNS) <= stored
    assert set(schema.PROVENANCE_COLUMNS) <= stored


def test_data_version_changes_with_uploads_and_undo(engine):
    with engine.begin() as connection:
        store.load_seed_events(connection, make_events(["s1"]), GROUPS)
    with engine.connect() as connection:
        before = store.data_version(connection)
    with engine.begin() as connection:
        batch = new_batch(connection, "b", rows=1)
        store.insert_events(connection, make_events(["b1"]), batch_id=batch)
    with engine.connect() as connection:
        uploaded = store.data_version(connection)
    with engine.begin() as connection:
        store.undo_batch(connection, batch, "analyst")
    with engine.connect() as connection:
        undone = store.data_version(connection)
    assert before == (1, 0, 0)
    assert uploaded == (2, batch, 0)
    assert undone == (1, batch, 1)


# --- the values the bulk insert binds ----------------------------------------


def _awkward_events() -> pd.DataFrame:
    """Values of every kind an upload's frame can hold, column by column."""
    frame = make_events([f"v{n}" for n in range(8)])
    frame["event_date"] = ["2015-03-01", None, "2015-3-2", "not a date", "2015-03-01T00:00",
                           "", "2016-02-29", "2015-03-01"]  # fmt: skip
    frame["date_start"] = pd.to_datetime(frame["date_start"])
    frame["town"] = ["", "nan", "None", "<NA>", None, 12, 1.5, "Saddar"]
    frame["target"] = pd.array(["a", None, "", "b", "nan", "c", "d", "e"], dtype="str")
    frame["summary"] = None
    frame["killed_min"] = ["3", None, 2, 2.0, "x", 0, float("nan"), 7]
    frame["injured_max"] = pd.array([1, None, 2, None, 3, None, 4, None], dtype="Int64")
    frame["latitude"] = ["24.9", None, 24.8, "x", 25, float("nan"), 24.7, 24.6]
    frame["suicide"] = ["yes", "0", True, False, None, "maybe", "T", float("nan")]
    frame["geo_matched_name"] = ["", "Saddar", None, 3, "nan", "x", "y", "z"]
    frame["geo_score"] = [None, 0.5, 1, "0.25", None, None, None, None]
    frame["notes"] = None
    return frame


@pytest.mark.parametrize("postgres", [False, True], ids=["sqlite", "postgres"])
def test_bulk_insert_values_are_what_coerce_events_makes_them(postgres):
    """The per-column fast path binds what schema.coerce_events would, columns with no value left out."""
    frame = _awkward_events()
    names, columns = store._event_columns_values(frame, 7, postgres)
    expected = store._event_rows(frame, 7)  # built through schema.coerce_events
    every = [c.name for c in store.events.columns]
    assert "summary" not in names and "notes" not in names  # no value: NULL, not bound
    assert set(every) - set(names) == {
        name for name in every if all(row[name] is None for row in expected)
    }
    for name, values in zip(names, columns, strict=True):
        want = [row[name] for row in expected]
        if name in schema.DATE_COLUMNS and not postgres:
            want = [None if day is None else day.isoformat() for day in want]
        if name == "suicide" and not postgres:
            want = [None if flag is None else int(flag) for flag in want]
        assert values == want, name
        assert [type(v) for v in values] == [type(v) for v in want], name
