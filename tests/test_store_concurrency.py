"""A store no second process can damage (issue 9): busy SQLite, imports at once, schema race."""

from __future__ import annotations

import csv
import io
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from footprint.data import store
from footprint.importers import pipeline
from footprint.importers.checks import ImportRefused

PROJECT = Path(__file__).resolve().parent.parent
HEADER = (PROJECT / "data" / "template.csv").read_text().splitlines()[0].split(",")


def template(prefix: str, rows: int = 3, source: str = "test") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, HEADER, lineterminator="\n")
    writer.writeheader()
    for number in range(1, rows + 1):
        writer.writerow(
            {
                "event_id": f"{prefix}-{number}",
                "event_date": f"2015-{number:02d}-11",
                "date_precision": "day",
                "event_type": "attack",
                "attack_type": "armed_assault",
                "location_text": "Sohrab Goth",
                "latitude": "24.9470",
                "longitude": "67.0900",
                "geo_precision": "neighbourhood",
                "perpetrators": "Islamic State (claimed)",
                "killed_min": str(number),
                "killed_max": str(number),
                "source_id": source,
            }
        )
    return out.getvalue().encode()


@pytest.fixture
def sqlite_store(tmp_path):
    path = tmp_path / "store.db"
    engine = store.make_engine(f"sqlite:///{path}")
    store.create_schema(engine)
    yield engine, path
    engine.dispose()


def _hold_write_lock(path: Path, seconds: float, started: threading.Event) -> None:
    """Another writer: a long import's open write transaction."""
    connection = sqlite3.connect(path, timeout=30)
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("INSERT INTO meta (key, value) VALUES ('holder', 'x')")
    started.set()
    time.sleep(seconds)
    connection.rollback()
    connection.close()


def test_a_commit_during_a_long_import_waits_and_is_stored(sqlite_store):
    engine, path = sqlite_store
    preview = pipeline.prepare(template("small"), "small.csv", engine, geocoder=None)
    started = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(path, 3.0, started))
    holder.start()
    started.wait(10)
    clock = time.monotonic()
    result = pipeline.commit(engine, preview, uploaded_by="test")
    waited = time.monotonic() - clock
    holder.join()
    assert result.stored == 3
    assert waited >= 2.0  # it waited for the other writer instead of failing
    with engine.connect() as connection:
        assert store.count_events(connection) == 3


def test_a_store_busy_beyond_the_stated_timeout_is_a_message(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "BUSY_TIMEOUT_SECONDS", 0.2)
    monkeypatch.setattr(pipeline, "COMMIT_TIMEOUT_SECONDS", 1.0)
    path = tmp_path / "busy.db"
    engine = store.make_engine(f"sqlite:///{path}")
    store.create_schema(engine)
    preview = pipeline.prepare(template("busy"), "busy.csv", engine, geocoder=None)
    started = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(path, 4.0, started))
    holder.start()
    started.wait(10)
    with pytest.raises(ImportRefused) as refused:
        pipeline.commit(engine, preview, uploaded_by="test")
    holder.join()
    assert "busy with another import for more than 1 s" in refused.value.problem
    assert "database is locked" not in str(refused.value)
    with engine.connect() as connection:
        assert store.count_events(connection) == 0


def test_two_files_imported_at_once_are_checked_against_each_other(sqlite_store):
    engine, _ = sqlite_store
    first = pipeline.prepare(template("a", source="one"), "first.csv", engine, geocoder=None)
    second = pipeline.prepare(template("b", source="two"), "second.csv", engine, geocoder=None)
    assert first.duplicates == [] and second.duplicates == []  # prepared at the same time
    pipeline.commit(engine, first, uploaded_by="one")
    with pytest.raises(ImportRefused) as refused:
        pipeline.commit(engine, second, uploaded_by="two")
    assert "another upload stored events that 3 of its rows probably duplicate" in str(
        refused.value
    )
    # prepared again, the rows are offered as probable duplicates of the stored ones
    again = pipeline.prepare(template("b", source="two"), "second.csv", engine, geocoder=None)
    assert {p.other_kind for p in again.duplicates} == {"stored"}
    assert len(again.duplicates) == 3


SCHEMA_SCRIPT = """
import sys, time
from footprint.data import store
start = float(sys.argv[2])
while time.time() < start:
    time.sleep(0.001)
store.create_schema(store.make_engine(sys.argv[1]))
print("ok")
"""


@pytest.mark.postgres
def test_two_processes_creating_the_postgis_schema_at_once(postgres_url):
    name = f"race_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"CREATE DATABASE {name}"))
    url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        start = time.time() + 3.0
        processes = [
            subprocess.Popen(
                [sys.executable, "-c", SCHEMA_SCRIPT, url, str(start)],
                cwd=PROJECT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(3)
        ]
        outputs = [p.communicate(timeout=120) for p in processes]
        for process, (out, err) in zip(processes, outputs, strict=True):
            assert process.returncode == 0, err
            assert out.strip() == "ok"
        engine = store.make_engine(url)
        with engine.connect() as connection:
            assert store.get_meta(connection, "schema_version") == store.SCHEMA_VERSION
            assert (
                connection.execute(
                    sa.text("SELECT count(*) FROM pg_extension WHERE extname = 'postgis'")
                ).scalar_one()
                == 1
            )
        engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
