"""The store: SQLAlchemy tables for events, groups, their links and upload batches.

Functions take a SQLAlchemy ``Connection`` (or an ``Engine`` where they open
their own transaction) and know nothing of pages. The default store is the
SQLite file ``data/footprint.db``; ``FOOTPRINT_DATABASE_URL`` points it
elsewhere, e.g. ``postgresql+psycopg://user@127.0.0.1/footprint``. On
PostgreSQL the store enables PostGIS and keeps a ``geom`` point beside the
latitude and longitude, so spatial SQL works on the same table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from itertools import repeat

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from footprint import paths
from footprint.data import schema

SCHEMA_VERSION = "1"

metadata = sa.MetaData()


def _event_columns() -> list[sa.Column]:
    types = {
        **{name: sa.Date() for name in schema.DATE_COLUMNS},
        **{name: sa.Float() for name in schema.FLOAT_COLUMNS},
        **{name: sa.Integer() for name in schema.COUNT_COLUMNS},
        "suicide": sa.Boolean(),
        "batch_id": sa.Integer(),
    }
    columns = [sa.Column("event_id", sa.String(64), primary_key=True)]
    for name in (*schema.EVENT_COLUMNS[1:], *schema.PROVENANCE_COLUMNS):
        if name == "batch_id":
            columns.append(
                sa.Column(
                    name, sa.Integer, sa.ForeignKey("batches.batch_id"), nullable=True, index=True
                )
            )
        else:
            columns.append(sa.Column(name, types.get(name, sa.Text())))
    return columns


batches = sa.Table(
    "batches",
    metadata,
    sa.Column("batch_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False, index=True),
    sa.Column("format", sa.String(32), nullable=False),
    sa.Column("rows_read", sa.Integer, nullable=False),
    sa.Column("rows_stored", sa.Integer, nullable=False),
    sa.Column("rows_rejected", sa.Integer, nullable=False),
    sa.Column("rows_merged", sa.Integer, nullable=False, default=0),
    sa.Column("uploaded_by", sa.Text, nullable=False),
    sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("undone_by", sa.Text, nullable=True),
)

events = sa.Table("events", metadata, *_event_columns())

groups = sa.Table(
    "groups",
    metadata,
    sa.Column("group_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.Text, nullable=False, unique=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("aliases", sa.Text, nullable=True),
    sa.Column("description", sa.Text, nullable=True),
    # False for a name that came in an upload and matched no known group: it
    # is kept as written and flagged rather than dropped.
    sa.Column("recognised", sa.Boolean, nullable=False, default=True),
)

event_groups = sa.Table(
    "event_groups",
    metadata,
    sa.Column(
        "event_id",
        sa.String(64),
        sa.ForeignKey("events.event_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("group_id", sa.Integer, sa.ForeignKey("groups.group_id"), primary_key=True),
    sa.Column("link", sa.String(16), nullable=False),
    sa.Column("name_as_written", sa.Text, nullable=True),
)

# Sources an upload merged into an existing event: the event keeps its own
# fields and gains the new source reference; undoing the batch removes it.
event_sources = sa.Table(
    "event_sources",
    metadata,
    sa.Column(
        "event_id",
        sa.String(64),
        sa.ForeignKey("events.event_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("source_ref", sa.Text, primary_key=True),
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.batch_id"), nullable=True),
)

meta = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text),
)


class StoreError(RuntimeError):
    """The store refused an operation; ``fix`` says what to do."""

    def __init__(self, problem: str, fix: str):
        self.problem = problem
        self.fix = fix
        super().__init__(f"{problem} {fix}")


#: How long an SQLite connection waits for another writer before giving up (seconds).
BUSY_TIMEOUT_SECONDS = 60.0
#: The advisory lock key that serialises schema creation on PostgreSQL.
_SCHEMA_LOCK = 7_201_946


def is_busy(error: BaseException) -> bool:
    """Return True when ``error`` is SQLite's "database is locked" (another writer)."""
    text = str(getattr(error, "orig", error)).lower()
    return isinstance(error, sa.exc.OperationalError) and (
        "database is locked" in text or "database is busy" in text
    )


def make_engine(url: str | None = None) -> Engine:
    """Create the store's engine from ``url`` or ``FOOTPRINT_DATABASE_URL``.

    SQLite files get foreign keys switched on and their folder created, and
    wait up to :data:`BUSY_TIMEOUT_SECONDS` for another writer (a long import)
    instead of failing with "database is locked".
    """
    url = url or paths.database_url()
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        from pathlib import Path

        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    connect_args = {"timeout": BUSY_TIMEOUT_SECONDS} if url.startswith("sqlite") else {}
    engine = sa.create_engine(url, future=True, connect_args=connect_args)
    if engine.dialect.name == "sqlite":

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

    return engine


def is_postgis(connection: Connection) -> bool:
    """Return True when the connection is to PostgreSQL (where PostGIS is used)."""
    return connection.dialect.name == "postgresql"


def create_schema(engine: Engine) -> None:
    """Create the tables (and, on PostgreSQL, PostGIS and the ``geom`` column).

    Safe when several processes do it at once: on PostgreSQL a transaction
    advisory lock makes them take turns (``CREATE EXTENSION IF NOT EXISTS``
    and ``CREATE TABLE`` race otherwise), and each finds the work done.
    """
    with engine.begin() as connection:
        if is_postgis(connection):
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})
            connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
        metadata.create_all(connection)
        if is_postgis(connection):
            connection.execute(
                sa.text("ALTER TABLE events ADD COLUMN IF NOT EXISTS geom geometry(Point, 4326)")
            )
            connection.execute(
                sa.text("CREATE INDEX IF NOT EXISTS events_geom_idx ON events USING GIST (geom)")
            )
        _set_meta(connection, "schema_version", SCHEMA_VERSION)


def _set_meta(connection: Connection, key: str, value: str) -> None:
    connection.execute(sa.delete(meta).where(meta.c.key == key))
    connection.execute(sa.insert(meta).values(key=key, value=value))


def get_meta(connection: Connection, key: str) -> str | None:
    """Return a value from the ``meta`` table, or None."""
    return connection.execute(sa.select(meta.c.value).where(meta.c.key == key)).scalar()


# --- groups ---------------------------------------------------------------


def upsert_groups(connection: Connection, frame: pd.DataFrame) -> int:
    """Insert or update groups from a ``groups.csv`` frame; return the rows written."""
    existing = {
        row.name: row.group_id
        for row in connection.execute(sa.select(groups.c.name, groups.c.group_id))
    }
    written = 0
    for record in frame.to_dict("records"):
        values = {
            "name": record["name"],
            "kind": record.get("kind") or "unknown",
            "aliases": _none(record.get("aliases")),
            "description": _none(record.get("description")),
            "recognised": True,
        }
        if record["name"] in existing:
            connection.execute(
                sa.update(groups)
                .where(groups.c.group_id == existing[record["name"]])
                .values(**values)
            )
        else:
            connection.execute(sa.insert(groups).values(**values))
        written += 1
    return written


def read_groups(connection: Connection) -> pd.DataFrame:
    """Return the groups table as a frame."""
    return pd.read_sql(sa.select(groups).order_by(groups.c.name), connection)


def _group_ids(connection: Connection, names: Iterable[str]) -> dict[str, int]:
    """Return group ids by name, creating unrecognised groups as written."""
    names = set(names)
    if not names:
        return {}
    found = {
        row.name: row.group_id
        for row in connection.execute(
            sa.select(groups.c.name, groups.c.group_id).where(groups.c.name.in_(names))
        )
    }
    for name in sorted(names - found.keys()):
        result = connection.execute(
            sa.insert(groups).values(name=name, kind="unknown", recognised=False)
        )
        found[name] = result.inserted_primary_key[0]
    return found


# --- events ---------------------------------------------------------------


def _none(value):
    if value is None:
        return None
    if isinstance(value, float) and pd.isna(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


#: Text that :func:`schema.coerce_events` reads as missing in a contract column.
_MISSING_TEXT = ("", "nan", "<NA>", "None")


def _text_values(series: pd.Series, blanks: tuple[str, ...]) -> np.ndarray:
    """Strings as :func:`schema.coerce_events` makes them (``blanks`` read as missing)."""
    if pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
        values = series.to_numpy(dtype=object, na_value=None, copy=True)
    else:  # numbers or mixed values: written as text, as coerce_events writes them
        values = series.astype("str").to_numpy(dtype=object, copy=True)
        values[series.isna().to_numpy(dtype=bool)] = None
    if blanks:
        values[series.isin(blanks).to_numpy(dtype=bool)] = None
    return values


def _distinct_values(series: pd.Series, convert) -> np.ndarray:
    """``convert`` applied to each distinct value once (files repeat days and flags)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    table = np.empty(len(uniques) + 1, dtype=object)
    table[: len(uniques)] = convert(pd.Series(uniques, dtype=object))
    table[-1] = None
    return table[codes]


def _driver_values(series: pd.Series, name: str, postgres: bool) -> np.ndarray:
    """One column's values as the driver takes them, None for missing.

    The same values :func:`schema.coerce_events` gives (tests compare the
    two), worked out per column without copying the frame: dates as ISO
    strings on SQLite and ``date`` objects on PostgreSQL, counts as ``int``,
    booleans as 0/1 on SQLite.
    """
    if name in schema.DATE_COLUMNS:

        def days(uniques):
            parsed = pd.to_datetime(uniques, errors="coerce", format="ISO8601")
            parsed = parsed.astype("datetime64[us]").to_numpy().astype("datetime64[D]")
            out = parsed.astype(object) if postgres else np.datetime_as_string(parsed, unit="D")
            out = out.astype(object)
            out[np.isnat(parsed)] = None
            return out

        return _distinct_values(series, days)
    if name in schema.COUNT_COLUMNS or name == "batch_id":
        numbers = pd.to_numeric(series, errors="coerce").astype("Int64")
        missing = numbers.isna().to_numpy()
        values = np.array(numbers.to_numpy(dtype="int64", na_value=0).tolist(), dtype=object)
        values[missing] = None
        return values
    if name in schema.FLOAT_COLUMNS:
        numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        values = numbers.astype(object)
        values[np.isnan(numbers)] = None
        return values
    if name == "suicide":

        def flags(uniques):
            return [
                None if flag is pd.NA else (bool(flag) if postgres else int(flag))
                for flag in uniques.map(schema._to_bool)
            ]

        return _distinct_values(series, flags)
    return _text_values(series, _MISSING_TEXT if name in schema.EVENT_COLUMNS else ())


def _event_columns_values(
    frame: pd.DataFrame, batch_id: int | None, postgres: bool
) -> tuple[list[str], list[list]]:
    """Return the events table's column names and, for each, its plain Python values.

    Built a column at a time (not value by value). Columns with no value in
    ``frame`` are left out: the INSERT (or COPY) then stores NULL without
    binding a million Nones (about a third faster on SQLite for a file with
    seven empty columns).
    """
    names, columns = [], []
    for column in events.columns:
        name = column.name
        if name == "batch_id" and batch_id is not None:
            values = [batch_id] * len(frame)
        elif name not in frame:
            continue
        else:
            values = _driver_values(frame[name], name, postgres).tolist()
            # all None? (list.count runs in C; most columns stop at their first value)
            if values and values[0] is None and values.count(None) == len(values):
                continue
        names.append(name)
        columns.append(values)
    return names, columns


def _event_rows(frame: pd.DataFrame, batch_id: int | None) -> list[dict]:
    """Turn an events frame into rows (dicts) of plain Python values for SQLAlchemy."""
    typed = schema.coerce_events(frame)
    names = [c.name for c in events.columns]
    count = len(typed)
    columns = []
    for name in names:
        if name not in typed:
            columns.append([None] * count)
            continue
        series = typed[name]
        missing = series.isna().to_numpy()
        if name in schema.DATE_COLUMNS:
            values = np.array(series.dt.date, dtype=object)
        elif name in schema.COUNT_COLUMNS or name == "batch_id":
            values = series.astype("float64").to_numpy().astype(object)
            values[~missing] = [int(v) for v in values[~missing]]
        elif name in schema.FLOAT_COLUMNS:
            values = series.to_numpy(dtype="float64").astype(object)
        elif name == "suicide":
            values = series.astype(object).to_numpy(copy=True)
            values[~missing] = [bool(v) for v in values[~missing]]
        else:
            values = series.to_numpy(dtype=object, copy=True)
        values[missing] = None
        columns.append(values.tolist())
    rows = [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]
    if batch_id is not None:
        for row in rows:
            row["batch_id"] = batch_id
    return rows


def bulk_insert(connection: Connection, table: sa.Table, names: list[str], rows: list[tuple]):
    """Insert plain tuples through the driver's fastest path, in the caller's transaction.

    ``executemany`` on SQLite, ``COPY`` on PostgreSQL: no per-row work in
    SQLAlchemy. Driver errors are raised as SQLAlchemy's (``IntegrityError``,
    ``OperationalError``), as ``connection.execute`` would raise them.
    """
    if not rows:
        return
    column_list = ", ".join(names)
    if is_postgis(connection):
        dbapi = connection.connection.dbapi_connection
        statement = f"COPY {table.name} ({column_list}) FROM STDIN"
        cursor = dbapi.cursor()
        try:
            with cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        except connection.dialect.dbapi.Error as error:
            raise sa.exc.DBAPIError.instance(
                statement, None, error, connection.dialect.dbapi.Error
            ) from error
        finally:
            cursor.close()
        return
    placeholders = ", ".join("?" for _ in names)
    statement = f"INSERT INTO {table.name} ({column_list}) VALUES ({placeholders})"
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.executemany(statement, rows)
    except connection.dialect.dbapi.Error as error:
        raise sa.exc.DBAPIError.instance(
            statement, None, error, connection.dialect.dbapi.Error
        ) from error
    finally:
        cursor.close()


def insert_events(
    connection: Connection,
    frame: pd.DataFrame,
    batch_id: int | None = None,
    replace: bool = False,
    group_names_as_written: dict[str, dict[str, str]] | None = None,
) -> int:
    """Insert events (and their group links) from an events frame.

    Parameters
    ----------
    connection : Connection
        An open connection; the caller owns the transaction, so a batch is
        stored whole or not at all.
    frame : DataFrame
        Rows with the contract's columns; ``perpetrators`` is parsed into
        ``event_groups``.
    batch_id : int, optional
        The upload batch the rows belong to.
    replace : bool
        When True, rows whose ``event_id`` exists are replaced (used for the
        seed events, so loading them twice never duplicates a row).
    group_names_as_written : dict, optional
        ``{event_id: {canonical name: name as written}}`` kept for provenance.

    Returns
    -------
    int
        The number of events written.

    New rows go in through :func:`bulk_insert` (``executemany``/``COPY``),
    which is what lets a million-row upload store in seconds rather than minutes.
    """
    if frame.empty:
        return 0
    postgres = is_postgis(connection)
    if replace:
        rows = _event_rows(frame, batch_id)
        ids = [row["event_id"] for row in rows]
        perpetrators = [row.get("perpetrators") for row in rows]
        # Update rows that exist in place (sources merged into them by uploads
        # stay linked) and insert the others.
        present = set()
        for chunk in _chunks(ids, 500):
            present |= set(
                connection.execute(
                    sa.select(events.c.event_id).where(events.c.event_id.in_(chunk))
                ).scalars()
            )
            connection.execute(sa.delete(event_groups).where(event_groups.c.event_id.in_(chunk)))
        updates = [row for row in rows if row["event_id"] in present]
        inserts = [row for row in rows if row["event_id"] not in present]
        if updates:
            columns = [c for c in updates[0] if c != "event_id"]
            statement = (
                sa.update(events)
                .where(events.c.event_id == sa.bindparam("_event_id"))
                .values({c: sa.bindparam(c) for c in columns})
            )
            connection.execute(
                statement, [{**row, "_event_id": row["event_id"]} for row in updates]
            )
        if inserts:
            connection.execute(sa.insert(events), inserts)
    else:
        names, columns = _event_columns_values(frame, batch_id, postgres)
        ids = columns[names.index("event_id")]
        perpetrators = (
            columns[names.index("perpetrators")] if "perpetrators" in names else [None] * len(ids)
        )
        bulk_insert(connection, events, names, list(zip(*columns, strict=True)))
        del columns
    if postgres:
        for chunk in _chunks(ids, 10_000):
            connection.execute(
                sa.text(
                    "UPDATE events SET geom = ST_SetSRID(ST_MakePoint(longitude, latitude), 4326) "
                    "WHERE event_id = ANY(:ids) AND latitude IS NOT NULL AND longitude IS NOT NULL"
                ),
                {"ids": list(chunk)},
            )
    event_ids, group_names, links = group_links(ids, perpetrators)
    if event_ids:
        group_ids = _group_ids(connection, set(group_names))
        written = group_names_as_written or {}
        # zip and map run in C: a million links without a Python loop
        names_as_written = map(dict.get, map(written.get, event_ids, repeat({})), group_names)
        bulk_insert(
            connection,
            event_groups,
            ["event_id", "group_id", "link", "name_as_written"],
            list(
                zip(
                    event_ids,
                    map(group_ids.__getitem__, group_names),
                    links,
                    names_as_written,
                    strict=True,
                )
            ),
        )
    return len(ids)


def group_links(ids: list, perpetrators: list) -> tuple[list, list, list]:
    """Return ``(event ids, group names, links)``: one item per group an event names.

    Each distinct ``perpetrators`` text is parsed once; the links are spread
    over the events with numpy, not built event by event.
    """
    codes, texts = pd.factorize(pd.Series(perpetrators, dtype=object), use_na_sentinel=True)
    parsed = [schema.parse_perpetrators(text) if text else [] for text in texts]
    if not any(parsed):
        return [], [], []
    counts = np.array([len(items) for items in parsed] + [0])  # the last: no text (code -1)
    first = np.cumsum(counts) - counts
    per_event = counts[codes]
    event = np.repeat(np.arange(len(codes)), per_event)
    within = np.arange(event.size) - np.repeat(np.cumsum(per_event) - per_event, per_event)
    item = first[codes[event]] + within
    names = np.array([p.group for items in parsed for p in items], dtype=object)
    links = np.array([p.link for items in parsed for p in items], dtype=object)
    return (
        np.asarray(ids, dtype=object)[event].tolist(),
        names[item].tolist(),
        links[item].tolist(),
    )


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def read_events(connection: Connection, include_undone: bool = False) -> pd.DataFrame:
    """Return the stored events as a typed events frame.

    ``source_ref`` includes sources merged in by later uploads. Events of an
    undone batch are gone from the table, so ``include_undone`` only matters
    for callers that soft-delete (none yet).
    """
    frame = pd.read_sql(
        sa.select(events).order_by(events.c.event_date, events.c.event_id), connection
    )
    if is_postgis(connection) and "geom" in frame.columns:
        frame = frame.drop(columns=["geom"])
    extra = pd.read_sql(sa.select(event_sources.c.event_id, event_sources.c.source_ref), connection)
    return schema.coerce_events(_with_merged_sources(frame, extra))


def _with_merged_sources(frame: pd.DataFrame, extra: pd.DataFrame) -> pd.DataFrame:
    """Append the ``source_ref`` of sources merged in later (``extra``) to their events' own."""
    if extra.empty:
        return frame
    merged = extra.groupby("event_id")["source_ref"].agg("; ".join)
    has_extra = frame["event_id"].isin(merged.index)
    frame.loc[has_extra, "source_ref"] = (
        frame.loc[has_extra, "source_ref"].fillna("")
        + "; "
        + frame.loc[has_extra, "event_id"].map(merged)
    ).str.strip("; ")
    return frame


def read_events_overlapping(
    connection: Connection,
    first_day: dt.date,
    last_day: dt.date,
    columns: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Return the stored events whose dates can overlap ``first_day..last_day`` (a day either side).

    For de-duplicating an upload against the store: only events that could
    pair with one of its rows, and only ``columns`` (default all), are read,
    so a large store is not copied whole into each upload's memory. An
    event's span is ``date_start..date_end`` (``event_date`` where either is
    missing). ``source_ref`` includes sources merged in by later uploads.
    Returns a typed events frame.
    """
    names = list(columns) if columns is not None else [c.name for c in events.columns]
    start = sa.func.coalesce(events.c.date_start, events.c.event_date)
    end = sa.func.coalesce(events.c.date_end, events.c.date_start, events.c.event_date)
    first, last = first_day - dt.timedelta(days=1), last_day + dt.timedelta(days=1)
    # (a span whose end is written before its start is read as ending on its start)
    query = sa.select(*[events.c[name] for name in names]).where(
        sa.or_(end >= first, start >= first), start <= last
    )
    frame = pd.read_sql(query.order_by(events.c.event_date, events.c.event_id), connection)
    if "source_ref" in names and not frame.empty:
        extra = pd.read_sql(
            sa.select(event_sources.c.event_id, event_sources.c.source_ref).where(
                event_sources.c.event_id.in_(
                    sa.select(events.c.event_id).where(query.whereclause).scalar_subquery()
                )
            ),
            connection,
        )
        frame = _with_merged_sources(frame, extra)
    return schema.coerce_events(frame)


def count_events(connection: Connection) -> int:
    """Return the number of stored events."""
    return connection.execute(sa.select(sa.func.count()).select_from(events)).scalar_one()


def data_version(connection: Connection) -> tuple[int, int, int]:
    """Return plain values that change whenever the stored events change.

    ``(events stored, latest batch id, batches undone)``: an upload or an undo
    changes it, so caches keyed on it (the dashboard's) are never stale.
    """
    count = count_events(connection)
    latest, undone = connection.execute(
        sa.select(sa.func.max(batches.c.batch_id), sa.func.count(batches.c.undone_at))
    ).one()
    return (int(count), int(latest or 0), int(undone or 0))


def event_ids(connection: Connection) -> set[str]:
    """Return the ids of all stored events."""
    return set(connection.execute(sa.select(events.c.event_id)).scalars())


def add_source(
    connection: Connection, event_id: str, source_ref: str, batch_id: int | None
) -> None:
    """Record that an upload reported an existing event too (a merge)."""
    connection.execute(
        sa.insert(event_sources).values(event_id=event_id, source_ref=source_ref, batch_id=batch_id)
    )


# --- batches --------------------------------------------------------------


def create_batch(
    connection: Connection,
    *,
    file_name: str,
    sha256: str,
    format: str,
    rows_read: int,
    rows_stored: int,
    rows_rejected: int,
    uploaded_by: str,
    rows_merged: int = 0,
) -> int:
    """Record a confirmed upload and return its ``batch_id``."""
    result = connection.execute(
        sa.insert(batches).values(
            file_name=file_name,
            sha256=sha256,
            format=format,
            rows_read=rows_read,
            rows_stored=rows_stored,
            rows_rejected=rows_rejected,
            rows_merged=rows_merged,
            uploaded_by=uploaded_by,
            uploaded_at=dt.datetime.now(dt.UTC),
        )
    )
    return result.inserted_primary_key[0]


def last_batch_id(connection: Connection) -> int:
    """Return the highest ``batch_id`` stored (0 when there is none)."""
    return int(connection.execute(sa.select(sa.func.max(batches.c.batch_id))).scalar() or 0)


def read_batch_events(connection: Connection, after_batch_id: int) -> pd.DataFrame:
    """Return the live events of batches newer than ``after_batch_id``."""
    frame = pd.read_sql(sa.select(events).where(events.c.batch_id > after_batch_id), connection)
    if "geom" in frame.columns:
        frame = frame.drop(columns=["geom"])
    return schema.coerce_events(frame)


def list_batches(connection: Connection) -> pd.DataFrame:
    """Return every batch, newest first, with the events it still holds."""
    held = (
        sa.select(events.c.batch_id, sa.func.count().label("events_held"))
        .group_by(events.c.batch_id)
        .subquery()
    )
    query = (
        sa.select(batches, sa.func.coalesce(held.c.events_held, 0).label("events_held"))
        .select_from(batches.outerjoin(held, held.c.batch_id == batches.c.batch_id))
        .order_by(batches.c.batch_id.desc())
    )
    return pd.read_sql(query, connection)


def find_batch_by_sha256(connection: Connection, sha256: str) -> dict | None:
    """Return the live (not undone) batch with this file checksum, or None."""
    row = connection.execute(
        sa.select(batches)
        .where(batches.c.sha256 == sha256, batches.c.undone_at.is_(None))
        .order_by(batches.c.batch_id.desc())
    ).first()
    return dict(row._mapping) if row else None


def undo_batch(connection: Connection, batch_id: int, undone_by: str) -> int:
    """Remove every event and merged source a batch added; return events removed.

    The caller owns the transaction, so an undo is all or nothing.
    """
    batch = connection.execute(sa.select(batches).where(batches.c.batch_id == batch_id)).first()
    if batch is None:
        raise StoreError(f"There is no batch {batch_id}.", "Pick a batch from the batch history.")
    if batch.undone_at is not None:
        raise StoreError(
            f"Batch {batch_id} was already undone on {batch.undone_at:%Y-%m-%d %H:%M}.",
            "Nothing to do.",
        )
    ids = list(
        connection.execute(
            sa.select(events.c.event_id).where(events.c.batch_id == batch_id)
        ).scalars()
    )
    for chunk in _chunks(ids, 500):
        connection.execute(sa.delete(event_groups).where(event_groups.c.event_id.in_(chunk)))
        connection.execute(sa.delete(event_sources).where(event_sources.c.event_id.in_(chunk)))
        connection.execute(sa.delete(events).where(events.c.event_id.in_(chunk)))
    connection.execute(sa.delete(event_sources).where(event_sources.c.batch_id == batch_id))
    connection.execute(
        sa.update(batches)
        .where(batches.c.batch_id == batch_id)
        .values(undone_at=dt.datetime.now(dt.UTC), undone_by=undone_by)
    )
    return len(ids)


# --- seed events ----------------------------------------------------------


def load_seed_events(
    connection: Connection, events_frame: pd.DataFrame, groups_frame: pd.DataFrame
) -> int:
    """Load the seed events and groups; running it again changes nothing.

    Seed events are replaced by ``event_id``, so a changed ``events.csv``
    updates rows in place and loading twice never duplicates one.
    """
    upsert_groups(connection, groups_frame)
    # Seed events are the ones no upload batch brought; one dropped from the
    # seeds since the last load is dropped from the store too.
    stale = set(
        connection.execute(
            sa.select(events.c.event_id).where(events.c.batch_id.is_(None))
        ).scalars()
    ) - set(events_frame["event_id"])
    for chunk in _chunks(sorted(stale), 500):
        connection.execute(sa.delete(event_groups).where(event_groups.c.event_id.in_(chunk)))
        connection.execute(sa.delete(event_sources).where(event_sources.c.event_id.in_(chunk)))
        connection.execute(sa.delete(events).where(events.c.event_id.in_(chunk)))
    return insert_events(connection, events_frame, replace=True)


def initialise(engine: Engine) -> dict:
    """Create the schema and load ``data/events.csv`` and ``data/groups.csv``.

    Returns a summary: events loaded and stored in all.
    """
    create_schema(engine)
    events_frame = pd.read_csv(paths.EVENTS_CSV, dtype=str, keep_default_na=False)
    groups_frame = pd.read_csv(paths.GROUPS_CSV, dtype=str, keep_default_na=False)
    with engine.begin() as connection:
        loaded = load_seed_events(connection, events_frame, groups_frame)
        total = count_events(connection)
    return {"seed_events_loaded": loaded, "events_stored": total}
