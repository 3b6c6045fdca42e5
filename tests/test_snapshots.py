"""Snapshots of the analytical copy: reused when current, rebuilt when stale, corrupt or foreign."""

from __future__ import annotations

import json
import logging
import shutil

import duckdb
import pandas as pd
import pytest
import sqlalchemy as sa
from test_query import add_batch, dump, synthetic_events

from footprint.data import query, snapshots, store
from footprint.data.filters import FilterState


def assert_same_copy(got: query.EventsIndex, expected: query.EventsIndex) -> None:
    for mine, theirs in zip(dump(got), dump(expected), strict=True):
        pd.testing.assert_frame_equal(mine, theirs)
    merged = ["event_id", "source_ref", "batch_id"]
    pd.testing.assert_frame_equal(
        got.cursor().execute(f"SELECT {', '.join(merged)} FROM merged_sources ORDER BY ALL").df(),
        expected.cursor()
        .execute(f"SELECT {', '.join(merged)} FROM merged_sources ORDER BY ALL")
        .df(),
    )


def open_now(engine, url) -> query.EventsIndex:
    """Open the index as app.py does and wait for the snapshot it writes."""
    index = snapshots.open_index(engine, url)
    snapshots.wait()
    return index


def snapshot_meta(path) -> dict:
    with duckdb.connect(str(path), read_only=True) as con:
        return json.loads(con.execute("SELECT meta FROM snapshot_meta").fetchone()[0])


@pytest.fixture
def builds(monkeypatch):
    """Count full builds from the store (a snapshot that is reused builds nothing)."""
    counter = {"n": 0}
    original = query.EventsIndex.build.__func__

    def counting(cls, engine, compact=True):
        counter["n"] += 1
        return original(cls, engine, compact=compact)

    monkeypatch.setattr(query.EventsIndex, "build", classmethod(counting))
    return counter


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def seeded(request, tmp_path, monkeypatch):
    """A store with the seed events and one batch; snapshots under tmp_path/snaps."""
    monkeypatch.setenv(snapshots.DIR_VARIABLE, str(tmp_path / "snaps"))
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    engine = store.make_engine(url)
    if request.param == "postgres":
        with engine.begin() as connection:
            for table in ("event_sources", "event_groups", "events", "groups", "batches", "meta"):
                connection.execute(sa.text(f"DROP TABLE IF EXISTS {table} CASCADE"))
    store.initialise(engine)
    add_batch(engine, synthetic_events(300, seed=3, prefix="p"), "a")
    yield engine, url
    engine.dispose()


def test_a_current_snapshot_is_reused_and_answers_as_a_fresh_build(seeded, builds):
    engine, url = seeded
    path = snapshots.snapshot_path(url)
    assert not path.exists()
    first = open_now(engine, url)
    assert builds["n"] == 1 and path.exists()
    written = path.stat().st_mtime_ns

    again = open_now(engine, url)
    assert builds["n"] == 1  # loaded from the file, nothing read but the checks
    assert path.stat().st_mtime_ns == written  # current: not rewritten
    assert again.version == first.version
    assert_same_copy(again, query.EventsIndex.build(engine))
    state = FilterState(provinces=("Sindh",))
    assert query.count(again, state) == query.count(first, state) > 0
    pd.testing.assert_frame_equal(
        query.period_counts(again, state, "year"), query.period_counts(first, state, "year")
    )
    # Both copies are held compressed: the built one by the snapshot's writer
    # thread, the loaded one table by table as it was read.
    for index in (first, again):
        assert compressions(index) - {"Uncompressed"}, compressions(index)


def compressions(index: query.EventsIndex) -> set[str]:
    """The compression methods of the copy's ``events`` columns (DuckDB's storage info)."""
    rows = (
        index.cursor()
        .execute("SELECT DISTINCT compression FROM pragma_storage_info('events')")
        .fetchall()
    )
    return {row[0] for row in rows}


def test_a_snapshot_behind_the_store_takes_the_upload_and_the_undo_and_is_rewritten(seeded, builds):
    engine, url = seeded
    path = snapshots.snapshot_path(url)
    open_now(engine, url)
    before = snapshot_meta(path)["state"]["version"]

    batch = add_batch(engine, synthetic_events(120, seed=4, prefix="u"), "b")
    index = open_now(engine, url)
    assert builds["n"] == 1  # the new batch was read on its own, not the whole store
    assert query.event_by_id(index, "u-00005") is not None
    assert_same_copy(index, query.EventsIndex.build(engine))
    after = snapshot_meta(path)["state"]
    assert after["version"] != before and batch in after["batches"]

    with engine.begin() as connection:
        store.undo_batch(connection, batch, "test")
    index = open_now(engine, url)
    assert query.event_by_id(index, "u-00005") is None
    assert_same_copy(index, query.EventsIndex.build(engine))
    assert batch not in snapshot_meta(path)["state"]["batches"]


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda path: path.write_bytes(b"not a duckdb file" * 100), id="garbage"),
        pytest.param(
            lambda path: path.write_bytes(path.read_bytes()[: path.stat().st_size // 3]),
            id="truncated",
        ),
        pytest.param(lambda path: path.unlink(), id="deleted"),
    ],
)
def test_a_corrupt_or_missing_snapshot_is_rebuilt_silently(tmp_path, monkeypatch, builds, damage):
    monkeypatch.setenv(snapshots.DIR_VARIABLE, str(tmp_path / "snaps"))
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = store.make_engine(url)
    store.initialise(engine)
    add_batch(engine, synthetic_events(200, seed=5, prefix="c"), "c")
    open_now(engine, url)
    path = snapshots.snapshot_path(url)
    damage(path)

    index = open_now(engine, url)
    assert builds["n"] == 2
    assert_same_copy(index, query.EventsIndex.build(engine))
    # A good snapshot replaced the damaged one: the next start reuses it.
    assert snapshot_meta(path)["state"]["version"] == list(index.version)
    open_now(engine, url)
    assert builds["n"] == 3  # the two opens and the reference build above: no more


def test_another_store_at_the_same_path_is_never_served_from_the_snapshot(
    tmp_path, monkeypatch, builds
):
    monkeypatch.setenv(snapshots.DIR_VARIABLE, str(tmp_path / "snaps"))
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = store.make_engine(url)
    store.initialise(engine)
    add_batch(engine, synthetic_events(150, seed=6, prefix="a"), "a")
    open_now(engine, url)
    engine.dispose()

    # Another store with as many events and batches takes the file's place.
    other = tmp_path / "other.db"
    other_engine = store.make_engine(f"sqlite:///{other}")
    store.initialise(other_engine)
    add_batch(other_engine, synthetic_events(150, seed=7, prefix="b"), "f")
    other_engine.dispose()
    shutil.copy(other, tmp_path / "store.db")

    engine = store.make_engine(url)
    index = open_now(engine, url)
    assert builds["n"] == 2
    assert query.event_by_id(index, "b-00001") is not None
    assert query.event_by_id(index, "a-00001") is None
    assert_same_copy(index, query.EventsIndex.build(engine))


def test_changed_seed_events_or_other_code_rebuild(seeded, builds, monkeypatch):
    engine, url = seeded
    open_now(engine, url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "UPDATE events SET summary = 'Edited seed' WHERE event_id = "
                "(SELECT min(event_id) FROM events WHERE batch_id IS NULL)"
            )
        )
    index = open_now(engine, url)  # the same data_version: only the fingerprint tells
    assert builds["n"] == 2
    assert query.count(index, FilterState(), search="edited seed") == 1

    monkeypatch.setattr(snapshots, "code_digest", lambda: "another version of the code")
    open_now(engine, url)
    assert builds["n"] == 3


def test_where_snapshots_live(tmp_path, monkeypatch):
    monkeypatch.delenv(snapshots.DIR_VARIABLE, raising=False)
    assert snapshots.snapshot_path(f"sqlite:///{tmp_path / 'footprint.db'}") == (
        tmp_path / "footprint.db.duckdb"
    )
    assert snapshots.snapshot_path("sqlite://") is None
    assert snapshots.snapshot_path("sqlite:///:memory:") is None
    postgres = snapshots.snapshot_path("postgresql+psycopg://me:secret@db.example:5432/atlas")
    assert postgres.parent.name == "snapshots" and "secret" not in str(postgres)
    monkeypatch.setenv(snapshots.DIR_VARIABLE, str(tmp_path / "cache"))
    moved = snapshots.snapshot_path(f"sqlite:///{tmp_path / 'footprint.db'}")
    assert moved.parent == tmp_path / "cache" and moved.name.startswith("footprint.db-")
    for off in ("off", "", "0"):
        monkeypatch.setenv(snapshots.DIR_VARIABLE, off)
        assert snapshots.snapshot_path(f"sqlite:///{tmp_path / 'footprint.db'}") is None


def test_snapshots_off_builds_and_writes_nothing(tmp_path, monkeypatch, builds):
    monkeypatch.setenv(snapshots.DIR_VARIABLE, "off")
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = store.make_engine(url)
    store.initialise(engine)
    open_now(engine, url)
    open_now(engine, url)
    assert builds["n"] == 2
    assert not list(tmp_path.glob("*.duckdb*"))


def test_an_unwritable_folder_only_costs_the_snapshot(tmp_path, monkeypatch, builds, caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    monkeypatch.setenv(snapshots.DIR_VARIABLE, str(blocker / "snaps"))
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = store.make_engine(url)
    store.initialise(engine)
    with caplog.at_level(logging.WARNING, logger=snapshots.__name__):
        index = open_now(engine, url)
    assert index.total() == query.EventsIndex.build(engine).total() > 0
    assert "Could not write the snapshot" in caplog.text
