"""Reading SQLite through ADBC in a child process: the rows, fresh after writes, and errors."""

from __future__ import annotations

import sqlite3

import pytest

from footprint.data import sqlite_arrow

pytestmark = pytest.mark.skipif(not sqlite_arrow.available(), reason="adbc-driver-sqlite missing")


def test_rows_arrive_as_arrow_and_later_writes_are_seen(tmp_path):
    path = str(tmp_path / "t.db")
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE t (a TEXT, b REAL)")
        connection.executemany("INSERT INTO t VALUES (?, ?)", [("x", 1.5), ("y", None)])
    first = [b for b in sqlite_arrow.read_batches(path, "SELECT a, b FROM t ORDER BY a")]
    assert sum(b.num_rows for b in first) == 2
    assert first[0].column("a").to_pylist() == ["x", "y"]
    with sqlite3.connect(path) as connection:
        connection.execute("INSERT INTO t VALUES ('z', 2.5)")
    # A second read sees the write: no stale snapshot lingers between reads.
    again = sum(b.num_rows for b in sqlite_arrow.read_batches(path, "SELECT a FROM t"))
    assert again == 3


def test_a_bad_query_raises_with_what_sqlite_said(tmp_path):
    path = str(tmp_path / "t.db")
    sqlite3.connect(path).close()
    with pytest.raises(sqlite_arrow.SqliteArrowError) as error:
        list(sqlite_arrow.read_batches(path, "SELECT * FROM missing_table"))
    assert "missing_table" in str(error.value)
