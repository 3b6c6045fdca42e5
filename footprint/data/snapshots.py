"""Snapshots of the analytical copy: a DuckDB file a later process start loads instead of the store.

Building :class:`footprint.data.query.EventsIndex` reads every row of the
store; at a million events that is most of a first start. After a build the
process writes the copy's tables to a DuckDB file (in a background thread,
so the first page does not wait for it), and the next process that opens the
same store loads that file, checks it against the store and reads from the
store only what changed since (:meth:`EventsIndex.refresh`).

A snapshot is derived, never the store of record: it may be deleted at any
time (the next start rebuilds it), and it is ignored and rewritten whenever

- it cannot be read (missing, truncated, corrupt, another DuckDB version);
- this code is not the code that wrote it (a digest of the modules that
  derive the copy and DuckDB's version), so a change to the copy's columns
  or derivation never meets an old file;
- it belongs to another store (the store's path or URL), or the store's
  upload history differs from the one it recorded (a store replaced by
  another at the same path);
- the seed events, their links and sources or the groups changed.

New or undone batches since the snapshot do not discard it: they are read
or dropped by the usual refresh, and the process writes a fresh snapshot.
Where it lives: :func:`snapshot_path` (beside a SQLite store by default;
``FOOTPRINT_SNAPSHOT_DIR`` moves it, ``FOOTPRINT_SNAPSHOT_DIR=off`` turns
snapshots off).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
import threading
from pathlib import Path

import duckdb
import sqlalchemy as sa

from footprint import paths
from footprint.data import query, schema, store

#: Bumped when the file's layout changes in a way the code digest would not show.
FORMAT = 1
#: The copy's tables, copied whole.
TABLES: tuple[str, ...] = ("events", "links", "merged_sources", "cells")
#: The environment variable naming the snapshots' folder (or ``off``).
DIR_VARIABLE = "FOOTPRINT_SNAPSHOT_DIR"
_OFF = {"", "0", "off", "no", "none", "false"}

log = logging.getLogger(__name__)
_writers: list[threading.Thread] = []
_writers_lock = threading.Lock()


def snapshot_path(database_url: str) -> Path | None:
    """Return where the snapshot of the store at ``database_url`` lives, or None when off.

    A SQLite store's snapshot sits beside it (``footprint.db`` ->
    ``footprint.db.duckdb``); a PostgreSQL store's under
    ``data/snapshots/``. ``FOOTPRINT_SNAPSHOT_DIR`` puts every snapshot in
    that folder instead (named after the store, with a digest of its path or
    URL), or turns snapshots off when set to ``off``. In-memory SQLite stores
    have none.
    """
    setting = os.environ.get(DIR_VARIABLE)
    if setting is not None and setting.strip().lower() in _OFF:
        return None
    identity = store_identity(database_url)
    if identity is None:
        return None
    url = sa.engine.make_url(database_url)
    digest = hashlib.sha256(identity.encode()).hexdigest()[:10]
    if url.get_backend_name() == "sqlite":
        store_file = Path(url.database).resolve()
        if setting:
            return Path(setting) / f"{store_file.name}-{digest}.duckdb"
        return store_file.parent / f"{store_file.name}.duckdb"
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{url.get_backend_name()}-{url.host}-{url.database}")
    return Path(setting or paths.DATA_DIR / "snapshots") / f"{name}-{digest}.duckdb"


def store_identity(database_url: str) -> str | None:
    """Return the store a snapshot belongs to: a SQLite file's real path, or the URL sans password."""
    url = sa.engine.make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
            return None
        return f"sqlite:{Path(url.database).resolve()}"
    return url.set(password=None).render_as_string(hide_password=True)


def code_digest() -> str:
    """Return a digest of the code that derives the copy, and of DuckDB's version."""
    digest = hashlib.sha256(f"{FORMAT} duckdb {duckdb.__version__}".encode())
    for module in (query, store, schema):
        digest.update(Path(module.__file__).read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()


def batch_history(connection, latest: int) -> str:
    """Return a digest of the store's upload batches up to ``latest`` (ids, files, times).

    Batches are only ever added (an undo marks one, it does not remove it), so
    the history up to a snapshot's latest batch stays the same for as long as
    the store is the one the snapshot was taken from.
    """
    table = store.batches.c
    rows = connection.execute(
        sa.select(table.batch_id, table.sha256, table.file_name, table.rows_stored)
        .where(table.batch_id <= int(latest))
        .order_by(table.batch_id)
    ).all()
    return hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()


def open_index(engine: sa.Engine, database_url: str) -> query.EventsIndex:
    """Return the store's analytical copy: from its snapshot when that is current, else built.

    A snapshot that is missing, unreadable or not this store's is ignored
    (silently: the copy is built from the store); one a few batches behind is
    brought up to date by :meth:`EventsIndex.refresh`. Whenever the copy did
    not come whole from a current snapshot, a new snapshot is written in a
    background thread.
    """
    path = snapshot_path(database_url)
    if path is None:
        return query.EventsIndex.build(engine)
    index = load(path, engine, database_url)
    if index is None:
        # The first page need not wait for the compression (several seconds at
        # 1M events): the writer thread compresses, then writes the snapshot.
        index = query.EventsIndex.build(engine, compact=False)
        save_in_background(index, path, engine, database_url, compact_first=True)
    elif index.refresh(engine):
        save_in_background(index, path, engine, database_url)
    return index


def load(path: Path, engine: sa.Engine, database_url: str) -> query.EventsIndex | None:
    """Return an index filled from the snapshot at ``path``, or None when it does not apply.

    None when the file is missing or unreadable, was written by other code,
    for another store, or the store's history or seed events differ from the
    ones it recorded. The index may still be behind the store by some batches
    (the caller refreshes it).
    """
    if not path.exists():
        return None
    index = query.EventsIndex()
    con = index.cursor()
    try:
        con.execute(f"ATTACH {_quoted(path)} AS snapshot_in (READ_ONLY)")
    except duckdb.Error as error:
        log.info("Snapshot %s unreadable (%s): building from the store", path, error)
        return None
    try:
        meta = json.loads(con.execute("SELECT meta FROM snapshot_in.snapshot_meta").fetchone()[0])
        if meta.get("code") != code_digest() or meta.get("store") != store_identity(database_url):
            log.info("Snapshot %s is another code's or store's: building from the store", path)
            return None
        with engine.connect() as connection:
            latest = int(meta["state"]["version"][1])
            if meta.get("history") != batch_history(connection, latest):
                log.info("Snapshot %s has another upload history: building", path)
                return None
            if meta["state"]["seed_fingerprint"] != query._seed_fingerprint(connection):
                log.info("Snapshot %s predates a change to the seed events: building", path)
                return None
        # Table by table, each compressed before the next is read, so the
        # uncompressed rows of only one table are held at a time (nobody else
        # sees this index before it is returned: no transaction is needed).
        for table in TABLES:
            con.execute(f"INSERT INTO {table} SELECT * FROM snapshot_in.{table}")
            index.compact()
        index.restore_state(meta["state"])
    except (duckdb.Error, ValueError, KeyError, TypeError, IndexError) as error:
        log.info("Snapshot %s unusable (%s): building from the store", path, error)
        return None
    finally:
        try:
            con.execute("DETACH snapshot_in")
        except duckdb.Error:
            pass
    return index


def save(index: query.EventsIndex, path: Path, engine: sa.Engine, database_url: str) -> bool:
    """Write the index's tables to ``path``, atomically; return False when it could not.

    The file is written under a temporary name in the same folder and moved
    into place, so a reader (another process starting) sees the old file or
    the new one, never half of one. The copy is read in one DuckDB
    transaction begun with the index's bookkeeping under its lock, so the
    tables and the recorded state agree even if a refresh runs meanwhile.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    alias = f"snapshot_out_{threading.get_ident()}"
    cursor = index.cursor()
    attached = False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(path)
        home = cursor.execute("SELECT current_database()").fetchone()[0]
        cursor.execute(f"ATTACH {_quoted(temporary)} AS {alias}")
        attached = True
        with index._lock:
            cursor.execute("BEGIN TRANSACTION")
            cursor.execute("SELECT count(*) FROM events").fetchall()  # pins this view
            state = index.state()
        for table in TABLES:
            cursor.execute(f"CREATE TABLE {alias}.{table} AS SELECT * FROM {home}.main.{table}")
        with engine.connect() as connection:
            history = batch_history(connection, int(state["version"][1]))
        meta = {
            "format": FORMAT,
            "code": code_digest(),
            "store": store_identity(database_url),
            "history": history,
            "state": state,
            "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        cursor.execute(f"CREATE TABLE {alias}.snapshot_meta (meta VARCHAR)")
        cursor.execute(f"INSERT INTO {alias}.snapshot_meta VALUES (?)", [json.dumps(meta)])
        cursor.execute("COMMIT")
        cursor.execute(f"DETACH {alias}")
        attached = False
        os.replace(temporary, path)
        return True
    except (duckdb.Error, OSError, sa.exc.SQLAlchemyError) as error:
        log.warning("Could not write the snapshot %s: %s", path, error)
        try:
            cursor.execute("ROLLBACK")
        except duckdb.Error:
            pass
        return False
    finally:
        if attached:
            try:
                cursor.execute(f"DETACH {alias}")
            except duckdb.Error:
                pass
        for leftover in (temporary, temporary.with_name(temporary.name + ".wal")):
            try:
                leftover.unlink(missing_ok=True)
            except OSError:
                pass


def save_in_background(
    index: query.EventsIndex,
    path: Path,
    engine: sa.Engine,
    database_url: str,
    compact_first: bool = False,
) -> threading.Thread:
    """Start :func:`save` in a daemon thread (a process ending mid-write leaves no file).

    ``compact_first`` compresses the index's tables in that thread first
    (:meth:`query.EventsIndex.compact`; readers go on meanwhile).
    """

    def run() -> None:
        if compact_first:
            index.compact()
        # A thread's own cursor: DuckDB cursors are per thread.
        save(index, path, engine, database_url)

    thread = threading.Thread(target=run, name="footprint-snapshot", daemon=True)
    with _writers_lock:
        _writers.append(thread)
    thread.start()
    return thread


def wait(timeout: float | None = None) -> None:
    """Wait for the snapshots being written (tests, benchmarks, a clean shutdown)."""
    with _writers_lock:
        pending = list(_writers)
        _writers.clear()
    for thread in pending:
        thread.join(timeout)


def _remove_leftovers(path: Path) -> None:
    """Remove temporary files of writers that died mid-write (their process is gone)."""
    for leftover in path.parent.glob(f".{path.name}.*.tmp*"):
        try:
            pid = int(leftover.name[len(path.name) + 2 :].split(".")[0])
            os.kill(pid, 0)
        except ProcessLookupError:
            leftover.unlink(missing_ok=True)
        except (ValueError, PermissionError, OSError):
            continue


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"
