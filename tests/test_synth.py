"""Synthetic stores: rows stored whole, marked synthetic, linked to groups, undoable, seeded.

Runs ``footprint.importers.synth`` against a fresh SQLite store and a real
PostgreSQL/PostGIS server, and reads back what was stored.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
import sqlalchemy as sa
from conftest import empty_engine, store_url

from footprint import cli, paths
from footprint.data import schema, store
from footprint.importers import pipeline, synth

ROWS = 3_000


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request, tmp_path):
    """An empty store on SQLite, and on a real PostgreSQL/PostGIS server."""
    url = store_url(request, tmp_path, request.param)
    engine = empty_engine(url)
    yield engine
    engine.dispose()


def seed_event_count() -> int:
    return len(pd.read_csv(paths.EVENTS_CSV, dtype=str, keep_default_na=False))


def stored_links(connection) -> pd.DataFrame:
    query = sa.select(
        store.event_groups.c.event_id, store.groups.c.name.label("group"), store.event_groups.c.link
    ).select_from(store.event_groups.join(store.groups))
    return pd.read_sql(query, connection)


def test_rows_are_stored_whole_with_their_group_links(engine):
    result = synth.store_synthetic(engine, ROWS, seed=5)
    assert result.events_stored == ROWS
    with engine.connect() as connection:
        events = store.read_events(connection)
        links = stored_links(connection)
    synthetic = events[events["event_id"].str.startswith(synth.ID_PREFIX)]
    assert len(synthetic) == ROWS
    assert len(events) == ROWS + seed_event_count()
    assert synthetic["event_id"].is_unique
    # The links table says what each event's perpetrators text says.
    links = links[links["event_id"].str.startswith(synth.ID_PREFIX)]
    assert len(links) == result.links_stored > 0
    from_text = {
        (row.event_id, p.group, p.link)
        for row in synthetic.itertuples()
        for p in schema.parse_perpetrators(row.perpetrators)
    }
    assert set(links.itertuples(index=False, name=None)) == from_text
    # Every row fits the contract.
    problems = [
        (record["event_id"], str(problem))
        for record in synthetic.to_dict("records")
        for problem in schema.validate_event(record)
    ]
    assert problems == []


def test_every_event_is_marked_synthetic_and_belongs_to_one_batch(engine):
    result = synth.store_synthetic(engine, ROWS, seed=1)
    with engine.connect() as connection:
        events = store.read_events(connection)
        batches = store.list_batches(connection)
    synthetic = events[events["batch_id"] == result.batch_id]
    assert len(synthetic) == ROWS
    assert synthetic["event_id"].str.startswith("SYN-1-").all()
    assert (synthetic["source_id"] == "synthetic").all()
    assert synthetic["summary"].str.contains("SYNTHETIC EVENT, not a real one").all()
    # No real event carries a synthetic mark.
    real = events[events["batch_id"].isna()]
    assert len(real) == seed_event_count()
    assert not real["event_id"].str.startswith(synth.ID_PREFIX).any()
    assert not (real["source_id"] == "synthetic").any()
    # The Batches page lists it as a synthetic batch holding every row.
    batch = batches.set_index("batch_id").loc[result.batch_id]
    assert batch["file_name"] == "synthetic" and batch["format"] == "synthetic"
    assert batch["rows_stored"] == batch["events_held"] == ROWS


def test_events_are_spread_like_real_data(engine):
    synth.store_synthetic(engine, ROWS, seed=2)
    with engine.connect() as connection:
        events = store.read_events(connection)
    events = events[events["source_id"] == "synthetic"]
    precision = events["geo_precision"].value_counts(normalize=True)
    # Most are placed only to a city, and every finer precision occurs.
    assert precision.idxmax() == "city" and precision["city"] > 0.5
    assert set(precision.index) == set(schema.GEO_PRECISIONS)
    city_only = events[events["geo_precision"] == "city"]
    assert city_only["neighbourhood"].isna().all() and city_only["town"].isna().all()
    neighbourhood = events[events["geo_precision"] == "neighbourhood"]
    assert neighbourhood["neighbourhood"].notna().all()
    assert events["latitude"].notna().all() and events["longitude"].notna().all()
    assert events["event_date"].dt.year.between(synth.FIRST_YEAR, synth.LAST_YEAR).all()
    assert events["event_date"].dt.year.nunique() > 25
    assert set(events["date_precision"]) == set(schema.DATE_PRECISIONS)
    assert (events["date_end"] >= events["date_start"]).all()
    monthly = events[events["date_precision"] == "month"]
    assert (monthly["event_date"].dt.day == 1).all()
    # Long-tailed tolls, some unknown (missing, never 0).
    killed = events["killed_min"]
    assert 0.03 < killed.isna().mean() < 0.15
    assert killed.median() <= 1 and killed.max() >= 50
    assert (events["killed_max"].dropna() >= killed.dropna()).all()
    assert events["perpetrators"].isna().mean() > 0.2
    assert events["perpetrators"].str.contains(";", na=False).any()


def test_undoing_the_batch_removes_every_synthetic_event(engine):
    result = synth.store_synthetic(engine, ROWS, seed=3)
    removed = pipeline.undo(engine, result.batch_id, "tester")
    assert removed == ROWS
    with engine.connect() as connection:
        events = store.read_events(connection)
        links = stored_links(connection)
    assert len(events) == seed_event_count()
    assert not events["event_id"].str.startswith(synth.ID_PREFIX).any()
    assert not links["event_id"].str.startswith(synth.ID_PREFIX).any()


def test_the_same_seed_gives_the_same_events():
    first = synth.generate(800, seed=11)
    again = synth.generate(800, seed=11)
    other = synth.generate(800, seed=12)
    pd.testing.assert_frame_equal(first.events, again.events)
    pd.testing.assert_frame_equal(first.links, again.links)
    assert not first.events.drop(columns=["event_id", "source_ref", "notes"]).equals(
        other.events.drop(columns=["event_id", "source_ref", "notes"])
    )
    assert first.events["event_id"].iloc[0] == "SYN-11-0000000"


def test_the_same_seed_twice_in_one_store_is_refused_and_writes_nothing(tmp_path):
    engine = store.make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    first = synth.store_synthetic(engine, 200, seed=4)
    with pytest.raises(synth.SynthError) as error:
        synth.store_synthetic(engine, 200, seed=4)
    assert f"batch {first.batch_id}" in error.value.fix and "--seed" in error.value.fix
    with engine.connect() as connection:
        assert store.count_events(connection) == 200 + seed_event_count()
        assert len(store.list_batches(connection)) == 1
    second = synth.store_synthetic(engine, 200, seed=6)
    assert second.batch_id != first.batch_id


@pytest.mark.parametrize(
    ("rows", "seed", "message"),
    [(0, 0, "--rows must be at least 1"), (10, -1, "--seed must be 0 or more")],
)
def test_bad_arguments_say_what_to_do(rows, seed, message):
    with pytest.raises(synth.SynthError, match=message):
        synth.generate(rows, seed)


def test_the_command_line_fills_a_store(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert cli.main(["synth", "--rows", "250", "--seed", "9", "--database-url", url]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["events_stored"] == 250
    engine = store.make_engine(url)
    with engine.connect() as connection:
        batch_ids = store.list_batches(connection)["batch_id"].tolist()
        stored = connection.execute(
            sa.select(sa.func.count())
            .select_from(store.events)
            .where(store.events.c.event_id.like("SYN-9-%"))
        ).scalar_one()
    assert batch_ids == [summary["batch_id"]] and stored == 250
    assert cli.main(["synth", "--rows", "250", "--seed", "9", "--database-url", url]) == 1
    assert "already holds 250 synthetic events" in capsys.readouterr().err


@pytest.mark.postgres
def test_postgis_gets_a_point_for_every_synthetic_event(postgres_url):
    engine = empty_engine(postgres_url)
    result = synth.store_synthetic(engine, 500, seed=8)
    with engine.connect() as connection:
        missing, mismatched = connection.execute(
            sa.text(
                "SELECT count(*) FILTER (WHERE geom IS NULL), "
                "count(*) FILTER (WHERE abs(ST_X(geom) - longitude) > 1e-9) "
                "FROM events WHERE batch_id = :batch"
            ),
            {"batch": result.batch_id},
        ).one()
    assert (missing, mismatched) == (0, 0)
    engine.dispose()
