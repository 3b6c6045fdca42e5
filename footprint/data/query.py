"""The query layer: an analytical copy of the store in DuckDB that the pages ask.

The store (SQLite or PostGIS) stays the store of record. Each server process
holds one :class:`EventsIndex`: an in-memory DuckDB database with two tables,
``events`` (one row per stored event, native types plus derived columns) and
``links`` (one row per event-group link, from the store's ``event_groups``
table). Filters become SQL (:func:`where_clause`) meaning exactly what
:func:`footprint.data.filters.apply_filters` means, and every figure a page
draws (counts, timeline bins, per-area and per-group tables, radius search,
sorted pages of rows, exports) is computed by DuckDB on columns. Pages receive
bounded frames only.

The copy is derived and rebuildable: :meth:`EventsIndex.refresh` reads only
what changed since the last look (events of new batches, rows of undone
batches dropped) and rebuilds from scratch only when the seed events changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import threading
from collections.abc import Iterator, Sequence

import duckdb
import h3
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute  # noqa: F401  (pa.compute)
import sqlalchemy as sa

from footprint.data import exports, schema, sqlite_arrow, store
from footprint.data.filters import NO_GROUP, PLACE_COLUMNS, FilterState

#: Columns read from the store's ``events`` table, in order.
STORE_COLUMNS: tuple[str, ...] = ("event_id", *schema.EVENT_COLUMNS[1:], *schema.PROVENANCE_COLUMNS)
#: Columns of a frame returned by :func:`events_frame` (those of ``store.read_events``).
FRAME_COLUMNS: tuple[str, ...] = STORE_COLUMNS
#: The DuckDB catalog holding the copy's tables (compressed, in memory).
CATALOG = "footprint_copy"
#: H3 resolutions kept as columns ``h3_4`` .. ``h3_8``.
H3_RESOLUTIONS: tuple[int, ...] = (4, 5, 6, 7, 8)
#: Columns a page may sort by (plus the derived ones below).
SORTABLE_COLUMNS: tuple[str, ...] = (
    *schema.EVENT_COLUMNS,
    "day_start",
    "day_end",
    "killed_size",
    "main_group",
    "precision_rank",
    "batch_id",
)
#: Columns the text search looks in: those of ``exports.search``, the pandas reference.
SEARCH_COLUMNS: tuple[str, ...] = exports.SEARCH_COLUMNS
#: Timeline bin lengths -> DuckDB ``date_trunc`` part.
FREQUENCIES: dict[str, str] = {
    "day": "day",
    "week": "week",
    "month": "month",
    "quarter": "quarter",
    "year": "year",
}
READ_CHUNK_ROWS = 100_000
#: Pages of at most this many rows are sorted and fetched in one query (see top_rows_sql).
LATE_FETCH_ROWS = 50
#: The folded text a search looks in (as ``exports.search`` folds it), computed once per event.
_SEARCH_TEXT_SQL = (
    "replace(strip_accents(lower(concat_ws(' ', "
    + ", ".join(f"coalesce({{alias}}\"{c}\", '')" for c in SEARCH_COLUMNS)
    + "))), '_', ' ')"
)

_TYPES = {
    **{name: "DATE" for name in schema.DATE_COLUMNS},
    **{name: "DOUBLE" for name in schema.FLOAT_COLUMNS},
    **{name: "INTEGER" for name in schema.COUNT_COLUMNS},
    "suicide": "BOOLEAN",
    "batch_id": "INTEGER",
}


def use_catalog(cursor: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Point a new DuckDB cursor at the copy's catalog (cursors start in the default one)."""
    cursor.execute(f"USE {CATALOG}")
    return cursor


def _sql_type(column: str) -> str:
    return _TYPES.get(column, "VARCHAR")


def _in_list(values: Sequence) -> str:
    return "(" + ", ".join("?" for _ in values) + ")"


class EventsIndex:
    """The process's analytical copy of the store, in DuckDB (in-memory), derived and rebuildable.

    One per server process (``app.py`` holds it with ``st.cache_resource``);
    sessions share it, nothing is copied per session. Thread-safe: every query
    runs on its own :meth:`cursor`; :meth:`refresh` holds a lock and changes
    the tables inside one DuckDB transaction, so readers see the old or the
    new copy, never half of one.

    Attributes
    ----------
    version : tuple
        ``store.data_version`` at the last refresh.
    """

    def __init__(self) -> None:
        self._connection = duckdb.connect(":memory:")
        self._connection.execute("SET preserve_insertion_order = false")
        # An in-memory catalog that DuckDB compresses at each checkpoint (the
        # default one never does): about a sixth of the memory at 1M events,
        # and scans of compressed columns (dictionaries, bit-packing) are faster.
        self._connection.execute(f"ATTACH ':memory:' AS {CATALOG} (COMPRESS)")
        self._connection.execute(f"USE {CATALOG}")
        self._lock = threading.Lock()
        self._local = threading.local()
        self.version: tuple = ()
        self._batches: set[int] = set()
        self._seed_fingerprint: str | None = None
        self._next_idx = 0
        self._create_tables()

    # --- building -----------------------------------------------------------

    @classmethod
    def build(cls, engine: sa.Engine, compact: bool = True) -> EventsIndex:
        """Read the whole store into a new index.

        Parameters
        ----------
        engine : sqlalchemy.Engine
            The store's engine (SQLite or PostgreSQL).
        compact : bool
            Compress the tables before returning (:meth:`compact`). False
            leaves that to the caller, who may run it in the background: the
            index answers meanwhile, from uncompressed tables.
        """
        index = cls()
        with index._lock:
            index._rebuild(engine)
        if compact:
            index.compact()
        return index

    @classmethod
    def from_events(cls, frame: pd.DataFrame) -> EventsIndex:
        """Return an index of events that are not stored: an upload's rows before it is confirmed.

        The upload page asks it the same questions as the store's copy (the
        aggregated map, a page of rows), so a preview of a million rows is
        drawn and listed without sending them all to the browser.

        Parameters
        ----------
        frame : DataFrame
            A typed events frame (``schema.coerce_events``, as
            ``Preview.events`` returns it); missing contract or provenance
            columns are left empty. Groups come from ``perpetrators``.
        """
        arrow_schema = pa.schema([(c, _arrow_type(c, "postgresql")) for c in STORE_COLUMNS])
        empty = pd.Series([None] * len(frame), dtype=object, index=frame.index)
        table = pa.Table.from_pandas(
            pd.DataFrame({c: frame[c] if c in frame.columns else empty for c in STORE_COLUMNS}),
            schema=arrow_schema,
            preserve_index=False,
        )
        ids, names, links = store.group_links(
            frame["event_id"].tolist(),
            frame["perpetrators"].tolist() if "perpetrators" in frame else [None] * len(frame),
        )
        index = cls()
        with index._lock:
            con = index._connection
            con.execute("BEGIN TRANSACTION")
            try:
                for start in range(0, max(table.num_rows, 1), READ_CHUNK_ROWS):
                    index._insert_events(table.slice(start, READ_CHUNK_ROWS))
                index._insert_links(
                    pa.table(
                        {"event_id": ids, "group_name": names, "link": links},
                        schema=pa.schema(
                            [
                                ("event_id", pa.string()),
                                ("group_name", pa.string()),
                                ("link", pa.string()),
                            ]
                        ),
                    ),
                    0,
                )
                index._set_main_groups(0)
                index._order_ids()
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
        index.compact()
        return index

    def refresh(self, engine: sa.Engine) -> bool:
        """Bring the copy up to date with ``store.data_version``; read only what changed.

        Events of new batches are appended, rows of undone batches dropped,
        merged sources follow their batch; a full rebuild happens only when the
        seed events (no batch) changed. Returns True when something changed.
        """
        with engine.connect() as connection:
            version = tuple(store.data_version(connection))
        if version == self.version:
            return False
        with self._lock:
            if version == self.version:
                return False
            with engine.connect() as connection:
                version = tuple(store.data_version(connection))
                live = _live_batches(connection)
                seeds = _seed_fingerprint(connection)
            if seeds != self._seed_fingerprint:
                self._rebuild(engine)
                self.compact()
                return True
            added, removed = sorted(live - self._batches), sorted(self._batches - live)
            con = self._connection
            con.execute("BEGIN TRANSACTION")
            try:
                touched: set[str] = set()
                if removed:
                    touched |= self._drop_batches(removed)
                if added:
                    with engine.connect() as connection:
                        touched |= self._load(connection, f"batch_id IN {_id_list(added)}", added)
                self._merge_sources(touched)
                self._order_ids()
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
            self._batches = live
            self.version = version
        self.compact()
        return True

    def state(self) -> dict:
        """Return what the copy was read from, as plain values (a snapshot's bookkeeping)."""
        return {
            "version": list(self.version),
            "batches": sorted(self._batches),
            "seed_fingerprint": self._seed_fingerprint,
            "next_idx": self._next_idx,
        }

    def restore_state(self, state: dict) -> None:
        """Take back :meth:`state` after the tables were filled from a snapshot."""
        self.version = tuple(state["version"])
        self._batches = {int(b) for b in state["batches"]}
        self._seed_fingerprint = state["seed_fingerprint"]
        self._next_idx = int(state["next_idx"])

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """Return a cursor for the calling thread (DuckDB cursors are not shared)."""
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            cursor = use_catalog(self._connection.cursor())
            self._local.cursor = cursor
        return cursor

    def compact(self) -> None:
        """Compress what was written since the last checkpoint (DuckDB compresses at checkpoints).

        Called after every build, refresh and snapshot load, outside any
        transaction; readers go on meanwhile. A checkpoint that cannot run
        now (another thread's write transaction is open) is left for the next
        one: the rows stay correct, only uncompressed meanwhile.
        """
        # Its own cursor: compact may run in another thread than the one that
        # built or refreshed the copy (the snapshot writer's).
        cursor = self._connection.cursor()
        try:
            cursor.execute(f"CHECKPOINT {CATALOG}")
        except duckdb.Error:
            pass
        finally:
            cursor.close()

    def total(self) -> int:
        """Return the number of events in the copy."""
        return int(self.cursor().execute("SELECT count(*) FROM events").fetchall()[0][0])

    # --- internals ----------------------------------------------------------

    def _create_tables(self) -> None:
        con = self._connection
        columns = ", ".join(f'"{c}" {_sql_type(c)}' for c in STORE_COLUMNS)
        con.execute(
            f"""
            CREATE OR REPLACE TABLE events (
                idx INTEGER, {columns},
                own_source_ref VARCHAR,
                day_start DATE, day_end DATE,
                main_group VARCHAR, main_link VARCHAR,
                precision_rank TINYINT, killed_size INTEGER, id_order INTEGER,
                {", ".join(f"h3_{r} UBIGINT" for r in H3_RESOLUTIONS)},
                search_text VARCHAR
            )"""
        )
        con.execute(
            "CREATE OR REPLACE TABLE links "
            "(idx INTEGER, group_name VARCHAR, link VARCHAR, link_rank TINYINT)"
        )
        con.execute(
            "CREATE OR REPLACE TABLE merged_sources "
            "(seq BIGINT, event_id VARCHAR, source_ref VARCHAR, batch_id INTEGER)"
        )
        con.execute(
            "CREATE OR REPLACE TABLE cells (latitude DOUBLE, longitude DOUBLE, "
            + ", ".join(f"h3_{r} UBIGINT" for r in H3_RESOLUTIONS)
            + ")"
        )

    def _rebuild(self, engine: sa.Engine) -> None:
        con = self._connection
        con.execute("BEGIN TRANSACTION")
        try:
            self._create_tables()
            self._next_idx = 0
            with engine.connect() as connection:
                version = tuple(store.data_version(connection))
                live = _live_batches(connection)
                seeds = _seed_fingerprint(connection)
                # Only the batches seen as live: one stored meanwhile comes with the next refresh.
                touched = self._load(
                    connection,
                    f"batch_id IS NULL OR batch_id IN {_id_list(sorted(live))}",
                    sorted(live),
                    full=True,
                )
            self._merge_sources(touched, everything=True)
            self._order_ids()
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        self._seed_fingerprint = seeds
        self._batches = live
        self.version = version

    def _load(
        self, connection, where: str | None, batches: list[int], full: bool = False
    ) -> set[str]:
        """Append the store's events matching ``where`` with their links and merged sources.

        One pass over the store's rows: the group links are read first (in a
        thread, beside the events' read, when the store hands them over as
        Arrow) so each event's main group is known when its row is inserted,
        and every chunk of events goes straight into ``events`` with its
        derived columns. Returns the event ids whose ``source_ref`` must be
        recomputed.
        """
        con = self._connection
        first_idx = self._next_idx
        links_reader = _LinksReader(connection, where)
        try:
            for chunk in _arrow_chunks(connection, where):
                self._insert_events(chunk)
            # Group links from the store's table, never by parsing the text.
            self._insert_links(links_reader.table(), first_idx)
        finally:
            links_reader.close()
        self._set_main_groups(first_idx)
        touched = set()
        sources = _read_sources(connection, batches, include_unbatched=full)
        if len(sources):
            start = int(
                con.execute("SELECT coalesce(max(seq) + 1, 0) FROM merged_sources").fetchall()[0][0]
            )
            sources = sources.assign(seq=np.arange(start, start + len(sources), dtype="int64"))
            con.register("sources_chunk", sources)
            con.execute(
                "INSERT INTO merged_sources SELECT seq, event_id, source_ref, "
                "CAST(batch_id AS INTEGER) FROM sources_chunk"
            )
            con.unregister("sources_chunk")
            touched |= set(sources["event_id"])
        return touched

    def _insert_events(self, chunk: pa.Table | pa.RecordBatch) -> None:
        """Append one chunk of events (:data:`STORE_COLUMNS`) with their derived columns."""
        con = self._connection
        if isinstance(chunk, pa.RecordBatch):
            chunk = pa.Table.from_batches([chunk])
        first = self._next_idx
        self._next_idx += chunk.num_rows
        chunk = chunk.append_column(
            "_idx", pa.array(np.arange(first, self._next_idx, dtype="int32"))
        )
        casts = ", ".join(f'CAST(s."{c}" AS {_sql_type(c)})' for c in STORE_COLUMNS)
        precision_case = " ".join(
            f"WHEN '{name}' THEN {rank}" for rank, name in enumerate(schema.GEO_PRECISIONS)
        )
        search_text = _SEARCH_TEXT_SQL.format(alias="s.")
        con.register("stage_chunk", chunk)
        try:
            self._add_cells("stage_chunk")
            con.execute(
                f"""
                INSERT INTO events
                SELECT s._idx, {casts},
                    s.source_ref,
                    coalesce(CAST(s.date_start AS DATE), CAST(s.event_date AS DATE)),
                    coalesce(CAST(s.date_end AS DATE), CAST(s.date_start AS DATE),
                             CAST(s.event_date AS DATE)),
                    NULL, NULL,
                    CASE s.geo_precision {precision_case} ELSE NULL END,
                    CAST(coalesce(s.killed_min, s.killed_max, 0) AS INTEGER),
                    NULL,
                    {", ".join(f"c.h3_{r}" for r in H3_RESOLUTIONS)},
                    {search_text}
                FROM stage_chunk s
                LEFT JOIN cells c
                  ON CAST(s.latitude AS DOUBLE) = c.latitude
                 AND CAST(s.longitude AS DOUBLE) = c.longitude
                """
            )
        finally:
            con.unregister("stage_chunk")

    def _insert_links(self, links: pa.Table | None, first_idx: int) -> None:
        """Append group links (``event_id``, ``group_name``, ``link``) of events from ``first_idx``."""
        if links is None or not links.num_rows:
            return
        con = self._connection
        link_rank = " ".join(f"WHEN '{name}' THEN {rank}" for rank, name in enumerate(schema.LINKS))
        con.register("links_chunk", links)
        try:
            con.execute(
                f"""
                INSERT INTO links
                SELECT e.idx, l.group_name, l.link, CASE l.link {link_rank} END
                FROM links_chunk l JOIN events e ON e.event_id = l.event_id
                WHERE e.idx >= {int(first_idx)}
                """
            )
        finally:
            con.unregister("links_chunk")

    def _set_main_groups(self, first_idx: int) -> None:
        """Give each event from ``first_idx`` its main group: its strongest link, then the name."""
        self._connection.execute(
            f"""
            UPDATE events SET main_group = m.group_name, main_link = m.link
            FROM (
                SELECT idx, arg_min(group_name, (link_rank, group_name)) AS group_name,
                       arg_min(link, (link_rank, group_name)) AS link
                FROM links WHERE idx >= {int(first_idx)} GROUP BY idx
            ) m
            WHERE events.idx = m.idx
            """
        )

    def _order_ids(self) -> None:
        """Number the events in ``event_id`` order (``id_order``), the tie-breaker of every sort.

        Sorting on this integer gives the order of the ids themselves at a
        fraction of the cost: ids share long prefixes (``synth-0000…``), and a
        top-N over half a million text keys costs several times the filter.
        """
        self._connection.execute(
            """
            UPDATE events SET id_order = o.n
            FROM (SELECT idx, CAST(row_number() OVER (ORDER BY event_id) AS INTEGER) AS n
                  FROM events) o
            WHERE events.idx = o.idx AND events.id_order IS DISTINCT FROM o.n
            """
        )

    def _add_cells(self, source: str) -> None:
        """Give every new coordinate pair of ``source`` its H3 cells (once per distinct pair)."""
        con = self._connection
        pairs = con.execute(
            f"""
            SELECT DISTINCT CAST(latitude AS DOUBLE) AS latitude,
                            CAST(longitude AS DOUBLE) AS longitude FROM {source}
            WHERE latitude IS NOT NULL AND longitude IS NOT NULL
            EXCEPT SELECT latitude, longitude FROM cells
            """
        ).fetchnumpy()
        if not len(pairs["latitude"]):
            return
        lats = np.asarray(pairs["latitude"], dtype="float64")
        lons = np.asarray(pairs["longitude"], dtype="float64")
        frame = {"latitude": lats, "longitude": lons}
        for resolution in H3_RESOLUTIONS:
            frame[f"h3_{resolution}"] = np.array(
                [
                    h3.str_to_int(h3.latlng_to_cell(lat, lon, resolution))
                    if -90 <= lat <= 90 and -180 <= lon <= 180
                    else 0
                    for lat, lon in zip(lats, lons, strict=True)
                ],
                dtype="uint64",
            )
        con.register("new_cells", pd.DataFrame(frame))
        con.execute("INSERT INTO cells SELECT * FROM new_cells")
        con.unregister("new_cells")

    def _drop_batches(self, batches: list[int]) -> set[str]:
        con = self._connection
        ids = _id_list(batches)
        touched = {
            row[0]
            for row in con.execute(
                f"SELECT DISTINCT event_id FROM merged_sources WHERE batch_id IN {ids}"
            ).fetchall()
        }
        con.execute(f"DELETE FROM merged_sources WHERE batch_id IN {ids}")
        con.execute(
            f"DELETE FROM links WHERE idx IN (SELECT idx FROM events WHERE batch_id IN {ids})"
        )
        con.execute(f"DELETE FROM events WHERE batch_id IN {ids}")
        return touched

    def _merge_sources(self, event_ids: set[str], everything: bool = False) -> None:
        """Recompute ``source_ref`` (own + merged, as ``store.read_events``) for some events."""
        if not event_ids and not everything:
            return
        con = self._connection
        con.register("touched", pd.DataFrame({"event_id": sorted(event_ids)}, dtype=object))
        con.execute(
            """
            UPDATE events SET source_ref = CASE WHEN m.merged IS NULL THEN events.own_source_ref
                ELSE trim(coalesce(events.own_source_ref, '') || '; ' || m.merged, '; ') END
            FROM (
                SELECT t.event_id, string_agg(s.source_ref, '; ' ORDER BY s.seq) AS merged
                FROM touched t LEFT JOIN merged_sources s ON s.event_id = t.event_id
                GROUP BY t.event_id
            ) m
            WHERE events.event_id = m.event_id
            """
        )
        con.unregister("touched")
        con.execute(
            f"""
            UPDATE events SET search_text = {_SEARCH_TEXT_SQL.format(alias="")}
            WHERE event_id IN (SELECT DISTINCT event_id FROM merged_sources)
            """
        )


def _live_batches(connection) -> set[int]:
    """Return the ids of the store's batches that are not undone."""
    query = sa.select(store.batches.c.batch_id).where(store.batches.c.undone_at.is_(None))
    return {int(b) for b in connection.execute(query).scalars()}


def _id_list(values: Sequence[int]) -> str:
    return "(" + ", ".join(str(int(v)) for v in values) + ")" if values else "(NULL)"


def _seed_fingerprint(connection) -> str:
    """Return a digest of what no upload batch brought; a change there needs a full rebuild.

    The seed events, their group links and sources, and the groups table (a
    renamed group renames links of every batch). SHA-256 of the rows, not
    ``hash()``, which differs between processes, so a snapshot written by one
    process (:mod:`footprint.data.snapshots`) compares equal in the next.
    """
    digest = hashlib.sha256()
    for rows in (
        _read_store_rows(connection, "batch_id IS NULL"),
        connection.exec_driver_sql("SELECT * FROM groups").fetchall(),
        connection.exec_driver_sql(
            "SELECT eg.event_id, eg.group_id, eg.link FROM event_groups eg "
            "WHERE eg.event_id IN (SELECT event_id FROM events WHERE batch_id IS NULL)"
        ).fetchall(),
        connection.exec_driver_sql(
            "SELECT event_id, source_ref FROM event_sources WHERE batch_id IS NULL"
        ).fetchall(),
    ):
        for row in sorted(repr(tuple(row)) for row in rows):
            digest.update(row.encode())
            digest.update(b"\n")
        digest.update(b"--\n")
    return digest.hexdigest()


def _read_store_rows(connection, where: str) -> list[tuple]:
    columns = ", ".join(f'"{c}"' for c in STORE_COLUMNS)
    return [
        tuple(r)
        for r in connection.exec_driver_sql(
            f"SELECT {columns} FROM events WHERE {where}"
        ).fetchall()
    ]


def _arrow_type(column: str, dialect: str) -> pa.DataType:
    if column in schema.FLOAT_COLUMNS:
        return pa.float64()
    if column in schema.COUNT_COLUMNS or column == "batch_id":
        return pa.int64()
    if column == "suicide":
        return pa.bool_() if dialect == "postgresql" else pa.int64()
    if column in schema.DATE_COLUMNS and dialect == "postgresql":
        return pa.date32()
    return pa.string()


def _sentinel_literal(column: str) -> str:
    """A literal of the column's type, for the first row SQLite's ADBC driver infers types from."""
    if column in schema.FLOAT_COLUMNS:
        return "0.5"
    if column in schema.COUNT_COLUMNS or column in ("batch_id", "suicide"):
        return "0"
    return "'x'"


def _adbc_sql(connection, sql: str) -> Iterator[pa.Table] | None:
    """Stream ``sql`` through an ADBC driver as Arrow batches, or None when none applies.

    ADBC hands the rows over as Arrow columns from C, without a Python object
    per value. SQLite's driver runs in a child process
    (:mod:`footprint.data.sqlite_arrow` says why); PostgreSQL's in this one.
    """
    url = connection.engine.url
    dialect = connection.dialect.name
    if dialect == "sqlite" and url.database and url.database != ":memory:":
        if not sqlite_arrow.available():
            return None
        return (
            pa.Table.from_batches([batch])
            for batch in sqlite_arrow.read_batches(url.database, sql, READ_CHUNK_ROWS)
        )
    if dialect != "postgresql":
        return None
    try:
        import adbc_driver_postgresql.dbapi as adbc
    except ImportError:
        return None
    raw = adbc.connect(url.set(drivername="postgresql").render_as_string(hide_password=False))

    def batches() -> Iterator[pa.Table]:
        cursor = raw.cursor()
        try:
            cursor.execute(sql)
            for batch in cursor.fetch_record_batch():
                yield pa.Table.from_batches([batch])
        finally:
            cursor.close()
            raw.close()

    return batches()


def _arrow_chunks(connection, where: str | None) -> Iterator[pa.Table]:
    """Yield the store's events as Arrow tables, a chunk at a time.

    Through ADBC where its driver is installed (SQLite files, PostgreSQL),
    else through the DBAPI cursor.
    """
    dialect = connection.dialect.name
    columns = ", ".join(f'"{c}"' for c in STORE_COLUMNS)
    sql = f"SELECT {columns} FROM events" + (f" WHERE {where}" if where else "")
    if dialect == "sqlite":
        # SQLite's ADBC driver infers each column's type from the first rows
        # it sees, and a column that starts with NULLs would be taken for an
        # integer: a first row of literals of the right types settles it.
        literals = ", ".join(f'{_sentinel_literal(c)} AS "{c}"' for c in STORE_COLUMNS)
        fast = _adbc_sql(
            connection, f"SELECT 1 AS _sentinel, {literals} UNION ALL SELECT 0, * FROM ({sql})"
        )
    else:
        fast = _adbc_sql(connection, sql)
    if fast is not None:
        for table in fast:
            table = _drop_sentinel(table)
            if table.num_rows:
                yield table
        return
    types = [_arrow_type(c, dialect) for c in STORE_COLUMNS]
    raw = connection.connection.dbapi_connection
    cursor = raw.cursor()
    try:
        cursor.execute(sql)
        while True:
            rows = cursor.fetchmany(READ_CHUNK_ROWS)
            if not rows:
                break
            arrays = [
                pa.array(list(values), type=kind)
                for values, kind in zip(zip(*rows, strict=True), types, strict=True)
            ]
            yield pa.Table.from_arrays(arrays, names=list(STORE_COLUMNS))
    finally:
        cursor.close()


def _drop_sentinel(table: pa.Table) -> pa.Table:
    """Drop the first-row literals ``_arrow_chunks`` adds for SQLite's ADBC driver, if present.

    SQLite returns a ``UNION ALL``'s first arm first, so the sentinel is the
    first row of the first chunk: a zero-copy slice drops it (filtering every
    chunk would copy all of its columns).
    """
    if "_sentinel" not in table.column_names:
        return table
    flags = table["_sentinel"]
    marked = pa.compute.sum(flags).as_py() or 0
    if marked == 1 and flags[0].as_py() == 1:
        table = table.slice(1)
    elif marked:
        table = table.filter(pa.compute.equal(flags, 0))
    return table.drop_columns(["_sentinel"])


def _links_sql(where: str | None) -> str:
    sql = (
        "SELECT eg.event_id, g.name, eg.link FROM event_groups eg "
        "JOIN groups g ON g.group_id = eg.group_id"
    )
    if where:
        sql += f" WHERE eg.event_id IN (SELECT event_id FROM events WHERE {where})"
    return sql


def _links_fast(connection, where: str | None) -> Iterator[pa.Table] | None:
    """The store's group links through ADBC, or None when no driver applies."""
    sql = _links_sql(where)
    if connection.dialect.name == "sqlite":
        # The first-row literals settle the column types (see _arrow_chunks).
        fast = _adbc_sql(
            connection,
            "SELECT 1 AS _sentinel, 'x' AS event_id, 'x' AS group_name, 'x' AS link "
            f"UNION ALL SELECT 0, * FROM ({sql})",
        )
    else:
        fast = _adbc_sql(connection, sql)
    if fast is None:
        return None
    return (
        _drop_sentinel(table).rename_columns(["event_id", "group_name", "link"]) for table in fast
    )


def _links_slow(connection, where: str | None) -> Iterator[pa.Table]:
    """The store's group links through the DBAPI cursor (no ADBC driver)."""
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.execute(_links_sql(where))
        while True:
            rows = cursor.fetchmany(READ_CHUNK_ROWS)
            if not rows:
                break
            ids, names, links = zip(*rows, strict=True)
            yield pa.table(
                {
                    "event_id": pa.array(ids, pa.string()),
                    "group_name": pa.array(names, pa.string()),
                    "link": pa.array(links, pa.string()),
                }
            )
    finally:
        cursor.close()


class _LinksReader:
    """The store's group links for ``where``, read beside the events.

    Through ADBC the links come from their own reader (a child process for
    SQLite, a second connection for PostgreSQL), so a thread collects them
    while the caller reads the events: the two scans overlap. Without ADBC
    they are read through the caller's connection when asked for.
    """

    def __init__(self, connection, where: str | None):
        self._connection = connection
        self._where = where
        self._tables: list[pa.Table] = []
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._fast = _links_fast(connection, where)
        if self._fast is not None:
            self._thread = threading.Thread(
                target=self._collect, name="footprint-links-read", daemon=True
            )
            self._thread.start()

    def _collect(self) -> None:
        try:
            for table in self._fast:
                self._tables.append(table)
        except BaseException as error:  # handed to the caller by table()
            self._error = error

    def table(self) -> pa.Table | None:
        """Return every link as one Arrow table (``event_id, group_name, link``), or None."""
        if self._thread is None:
            tables = list(_links_slow(self._connection, self._where))
        else:
            self._thread.join()
            if self._error is not None:
                raise self._error
            tables = self._tables
        tables = [table for table in tables if table.num_rows]
        return pa.concat_tables(tables) if tables else None

    def close(self) -> None:
        """Wait for the reading thread (it ends with its reader)."""
        if self._thread is not None:
            self._thread.join()


def _read_sources(connection, batches: list[int], include_unbatched: bool) -> pd.DataFrame:
    column = store.event_sources.c.batch_id
    query = sa.select(
        store.event_sources.c.event_id, store.event_sources.c.source_ref, column
    ).where(
        sa.or_(column.in_(batches), column.is_(None)) if include_unbatched else column.in_(batches)
    )
    frame = pd.read_sql(query, connection)
    return frame.astype({"event_id": object, "source_ref": object}).assign(
        batch_id=pd.to_numeric(frame["batch_id"], errors="coerce").astype("Int64")
    )


# --- filters as SQL -------------------------------------------------------------


def where_clause(state: FilterState, alias: str = "e") -> tuple[str, list]:
    """Return the SQL condition of ``state`` on ``events AS {alias}`` and its parameters.

    The condition means exactly what :func:`footprint.data.filters.apply_filters`
    means (the pandas reference): group filters join the ``links`` table.

    Returns
    -------
    tuple of (str, list)
        A boolean SQL expression with positional ``?`` placeholders, and the
        values for them in order. ``"TRUE"`` and ``[]`` when no filter is active.
        It may be NULL for an event with unknown values: use it in ``WHERE``
        or ``FILTER`` (where NULL drops the row), never under ``NOT``.
    """
    parts: list[str] = []
    params: list = []
    a = alias
    if state.date_from is not None:
        parts.append(f"{a}.day_end >= ?")
        params.append(state.date_from)
    if state.date_to is not None:
        parts.append(f"{a}.day_start <= ?")
        params.append(state.date_to)
    if state.groups or state.links:
        named = [g for g in state.groups if g != NO_GROUP]
        wanted = list(state.links or schema.LINKS)
        options = []
        if named or not state.groups:
            inner = f"SELECT idx FROM links WHERE link IN {_in_list(wanted)}"
            params.extend(wanted)
            if named:
                inner += f" AND group_name IN {_in_list(named)}"
                params.extend(named)
            options.append(f"{a}.idx IN ({inner})")
        if NO_GROUP in state.groups:
            options.append(f"{a}.main_group IS NULL")
        parts.append("(" + " OR ".join(options) + ")")
    for name, column in (
        ("event_types", "event_type"),
        ("attack_types", "attack_type"),
        ("target_types", "target_type"),
        *PLACE_COLUMNS.items(),
    ):
        values = getattr(state, name)
        if values:
            parts.append(f'{a}."{column}" IN {_in_list(values)}')
            params.extend(values)
    if state.suicide is not None:
        parts.append(f"{a}.suicide = ?")
        params.append(bool(state.suicide))
    if state.min_killed > 0:
        parts.append(f"{a}.killed_min >= ?")
        params.append(int(state.min_killed))
    if state.coarsest_precision != schema.GEO_PRECISIONS[-1]:
        parts.append(f"{a}.precision_rank <= ?")
        params.append(schema.GEO_PRECISION_RANK[state.coarsest_precision])
    if not parts:
        return "TRUE", []
    # A plain conjunction, for WHERE and FILTER clauses only: there a NULL part
    # (an unknown value) drops the row as FALSE does, and the bare comparisons
    # reach DuckDB's scans (zone maps, dictionary filters), which a
    # coalesce(..., FALSE) around each hides: the filter costs half.
    return " AND ".join(f"({p})" for p in parts), params


def search_clause(search: str | None, alias: str = "e") -> tuple[str, list]:
    """Return the SQL condition of a text search (every word, case- and accent-insensitive).

    Means what :func:`footprint.data.exports.search` means.
    """
    import unicodedata

    folded = "".join(
        ch for ch in unicodedata.normalize("NFKD", search or "") if not unicodedata.combining(ch)
    ).casefold()
    words = [w.replace("_", " ") for w in folded.split() if w]
    if not words:
        return "TRUE", []
    return (
        " AND ".join(f"contains({alias}.search_text, ?)" for _ in words),
        words,
    )


def _condition(state: FilterState, search: str | None = None, alias: str = "e"):
    where, params = where_clause(state, alias)
    text, words = search_clause(search, alias)
    return f"({where}) AND ({text})", params + words


# --- questions ------------------------------------------------------------------


def count(index: EventsIndex, state: FilterState, search: str | None = None) -> int:
    """Return the number of events passing ``state`` (and the text ``search``)."""
    where, params = _condition(state, search)
    return int(
        index.cursor()
        .execute(f"SELECT count(*) FROM events e WHERE {where}", params)
        .fetchall()[0][0]
    )


_ARROW_TO_PANDAS = {
    pa.int8(): pd.Int64Dtype(),
    pa.int16(): pd.Int64Dtype(),
    pa.int32(): pd.Int64Dtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.bool_(): pd.BooleanDtype(),
}


def typed_rows(cursor, sql: str, params: Sequence) -> pd.DataFrame:
    """Run ``sql`` and return its (bounded) rows with the dtypes :func:`_typed` gives.

    Through Arrow, column by column, without pandas' per-column conversions
    after the fact (a fifth of the time for a page of events): dates become
    ``datetime64[us]``, integers nullable ``Int64``, booleans ``boolean``,
    the store's text columns Python strings with None for missing.
    """
    table = cursor.sql(sql, params=list(params)).to_arrow_table()
    columns = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        kind = column.type
        if pa.types.is_date(kind) or pa.types.is_timestamp(kind):
            values = column.to_pandas(date_as_object=False).astype("datetime64[us]")
        elif (pa.types.is_string(kind) or pa.types.is_large_string(kind)) and (
            name in STORE_COLUMNS
        ):
            values = pd.Series(column.to_numpy(zero_copy_only=False), dtype=object)
        elif kind in _ARROW_TO_PANDAS:
            values = column.to_pandas(types_mapper=_ARROW_TO_PANDAS.get)
        else:
            values = column.to_pandas()
        columns[name] = pd.Series(values, name=name).reset_index(drop=True)
    return pd.DataFrame(columns, columns=table.column_names)


def _typed(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Give a frame from DuckDB the dtypes of ``schema.coerce_events`` (bounded frames only)."""
    out = frame.copy()
    for column in columns:
        if column in schema.DATE_COLUMNS or column in ("day_start", "day_end"):
            out[column] = pd.to_datetime(out[column]).astype("datetime64[us]")
        elif column in schema.FLOAT_COLUMNS:
            out[column] = out[column].astype("float64")
        elif column in schema.COUNT_COLUMNS or column == "batch_id":
            out[column] = out[column].astype("Int64")
        elif column == "suicide":
            out[column] = out[column].astype("boolean")
        elif out[column].dtype != object and column in STORE_COLUMNS:
            out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out


def _sort_sql(order_by: str, direction: str) -> str:
    """``ORDER BY`` of a sortable column, unknown values last, ties by event id (``id_order``)."""
    if order_by == "event_id":
        return f"e.id_order {direction}"
    return f'e."{order_by}" {direction} NULLS LAST, e.id_order {direction}'


def top_rows_sql(
    select: str, where: str, order: str, limit: int, offset: int = 0, table: str = "events"
) -> str:
    """Return SQL for a page of sorted filtered rows that reads the wide columns of that page only.

    Late fetch: the filter and the sort run on the narrow columns they name
    and yield the page's row ids; only then are ``select``'s columns
    (summaries, sources, notes: most of the table's bytes) read, for those
    rows. ``order`` must end in a unique key (``e.id_order``) so the outer
    sort gives the inner one's order. ``where`` and ``order`` are on
    ``{table} AS e``.
    """
    if limit <= LATE_FETCH_ROWS:
        # DuckDB fetches a small top-N's wide columns late by itself; the
        # rowid lookup would cost a scan more.
        return (
            f"SELECT {select} FROM {table} e WHERE {where} ORDER BY {order} "
            f"LIMIT {max(0, int(limit))} OFFSET {max(0, int(offset))}"
        )
    return (
        f"SELECT {select} FROM {table} e WHERE e.rowid IN ("
        f"SELECT e.rowid FROM {table} e WHERE {where} ORDER BY {order} "
        f"LIMIT {max(0, int(limit))} OFFSET {max(0, int(offset))}) ORDER BY {order}"
    )


def events_frame(
    index: EventsIndex,
    state: FilterState,
    *,
    limit: int,
    offset: int = 0,
    order_by: str = "event_date",
    descending: bool = False,
    search: str | None = None,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Return at most ``limit`` filtered events as a typed events frame.

    Parameters
    ----------
    index : EventsIndex
    state : FilterState
    limit, offset : int
        The page of rows (pages never receive an unbounded frame).
    order_by : str
        A column of :data:`SORTABLE_COLUMNS`; ties are broken by ``event_id``.
        Unknown values (NULL) sort last in either direction.
    descending : bool
    search : str, optional
        Words that must all appear in the event's text (see :func:`search_clause`).
    columns : sequence of str, optional
        The columns to return (default: those of ``store.read_events``);
        derived ones (``main_group``, ``h3_6``, ...) may be asked for too.
    """
    if order_by not in SORTABLE_COLUMNS:
        raise ValueError(
            f"order_by {order_by!r} is not a column one can sort by; use one of "
            f"{', '.join(SORTABLE_COLUMNS)}."
        )
    limit = max(0, int(limit))
    wanted = list(columns or FRAME_COLUMNS)
    where, params = _condition(state, search)
    direction = "DESC" if descending else "ASC"
    select = ", ".join(f'e."{c}"' for c in wanted)
    return typed_rows(
        index.cursor(),
        top_rows_sql(select, where, _sort_sql(order_by, direction), limit, offset),
        params,
    )


def event_by_id(index: EventsIndex, event_id: str) -> pd.Series | None:
    """Return one event (a row of :func:`events_frame`) by its id, or None."""
    frame = (
        index.cursor()
        .execute(
            f"SELECT {', '.join(f'e.{chr(34)}{c}{chr(34)}' for c in FRAME_COLUMNS)} "
            "FROM events e WHERE e.event_id = ?",
            [event_id],
        )
        .df()
    )
    if frame.empty:
        return None
    return _typed(frame, FRAME_COLUMNS).iloc[0]


def iter_events(
    index: EventsIndex,
    state: FilterState,
    *,
    search: str | None = None,
    chunk_rows: int = 50_000,
    order_by: str = "event_date",
    descending: bool = False,
) -> Iterator[pd.DataFrame]:
    """Yield every filtered event as typed frames of at most ``chunk_rows`` rows (exports).

    Sorted as :func:`events_frame` sorts (so a download follows the table's order).
    """
    if order_by not in SORTABLE_COLUMNS:
        raise ValueError(f"order_by {order_by!r} is not a column one can sort by.")
    direction = "DESC" if descending else "ASC"
    where, params = _condition(state, search)
    select = ", ".join(f'e."{c}"' for c in FRAME_COLUMNS)
    cursor = use_catalog(index.cursor().cursor())
    try:
        relation = cursor.sql(
            f"SELECT {select} FROM events e WHERE {where} ORDER BY {_sort_sql(order_by, direction)}",
            params=params,
        )
        for record_batch in relation.to_arrow_reader(max(1, int(chunk_rows))):
            batch = record_batch.to_pandas()
            if batch.empty:
                continue
            yield _typed(batch, FRAME_COLUMNS)
    finally:
        cursor.close()


def export_bytes(
    index: EventsIndex,
    state: FilterState,
    format: str,
    *,
    search: str | None = None,
    order_by: str = "event_date",
    descending: bool = False,
) -> bytes:
    """Return the export of the filtered (and searched) events, generated chunk by chunk.

    What the Events page's download buttons call when clicked (Streamlit's
    deferred downloads): nothing is built or kept before the click.
    """
    from footprint.data import exports

    buffer = io.BytesIO()
    exports.write_chunks(
        iter_events(index, state, search=search, order_by=order_by, descending=descending),
        buffer,
        format,
    )
    return buffer.getvalue()


def filter_options(index: EventsIndex) -> dict:
    """Return the filter panel's choices: same keys and meaning as ``filters.filter_options``."""
    cursor = index.cursor()
    groups = [
        row[0]
        for row in cursor.execute(
            "SELECT group_name, count(DISTINCT idx) AS n FROM links GROUP BY group_name "
            "ORDER BY n DESC, group_name"
        ).fetchall()
    ]
    if cursor.execute("SELECT count(*) FROM events WHERE main_group IS NULL").fetchall()[0][0]:
        groups.append(NO_GROUP)
    places = {}
    for name, column in PLACE_COLUMNS.items():
        values = cursor.execute(
            f'SELECT DISTINCT "{column}" FROM events WHERE trim("{column}") <> \'\''
        ).fetchall()
        places[name] = sorted(str(v[0]) for v in values)
    date_min, date_max, killed_max = cursor.execute(
        "SELECT min(day_start), max(day_end), max(killed_min) FROM events"
    ).fetchall()[0]
    return {
        "groups": groups,
        "links": list(schema.LINKS),
        "event_types": list(schema.EVENT_TYPES),
        "attack_types": list(schema.ATTACK_TYPES),
        "target_types": list(schema.TARGET_TYPES),
        **places,
        "precisions": list(schema.GEO_PRECISIONS),
        "date_min": date_min,
        "date_max": date_max,
        "killed_max": int(killed_max or 0),
    }


# --- figures --------------------------------------------------------------------

_MEASURES_SQL = {
    "events": "count(*)",
    "killed": "sum(coalesce(e.killed_min, 0))",
    "killed_max": "sum(coalesce(e.killed_max, e.killed_min, 0))",
    "injured": "sum(coalesce(e.injured_min, 0))",
    "injured_max": "sum(coalesce(e.injured_max, e.injured_min, 0))",
    "casualties": "sum(coalesce(e.killed_min, 0) + coalesce(e.injured_min, 0))",
}
COUNT_COLUMNS: tuple[str, ...] = tuple(_MEASURES_SQL)


def _measures_sql() -> str:
    return ", ".join(f"CAST({sql} AS BIGINT) AS {name}" for name, sql in _MEASURES_SQL.items())


def date_span(index: EventsIndex, state: FilterState) -> tuple[dt.date | None, dt.date | None]:
    """Return the first and last ``event_date`` of the filtered events (None when none)."""
    where, params = where_clause(state)
    first, last = (
        index.cursor()
        .execute(f"SELECT min(e.event_date), max(e.event_date) FROM events e WHERE {where}", params)
        .fetchall()[0]
    )
    return first, last


def suggested_frequency(first: dt.date | None, last: dt.date | None) -> str:
    """Return the bin that keeps a timeline readable for a date range.

    Days up to two months, weeks up to a year, months up to six years,
    quarters up to fifteen, years beyond.
    """
    if first is None or last is None:
        return "month"
    days = (last - first).days
    if days <= 62:
        return "day"
    if days <= 366:
        return "week"
    years = days / 365.25
    return "month" if years <= 6 else "quarter" if years <= 15 else "year"


def _period_label(start: pd.Series, freq: str) -> pd.Series:
    if freq == "day":
        return start.dt.strftime("%d %b %Y")
    if freq == "week":
        return "Week of " + start.dt.strftime("%d %b %Y")
    if freq == "month":
        return start.dt.strftime("%b %Y")
    if freq == "quarter":
        return "Q" + start.dt.quarter.astype(str) + " " + start.dt.strftime("%Y")
    return start.dt.strftime("%Y")


def period_counts(
    index: EventsIndex, state: FilterState, freq: str = "month", by: str | None = "primary"
) -> pd.DataFrame:
    """Count filtered events and casualties per period (and group), in DuckDB.

    Same columns and meaning as :func:`footprint.views.charts.period_counts`
    (``by="primary"``: each event under its main group, unattributed ones
    under ``filters.NO_GROUP``; ``"linked"``: under every linked group;
    ``"panels"``: under every linked group and unattributed events under
    ``NO_GROUP``, the timeline's small multiples, in one query).
    """
    if freq not in FREQUENCIES:
        raise ValueError(f"freq must be one of {', '.join(FREQUENCIES)}, not {freq!r}")
    where, params = where_clause(state)
    part = FREQUENCIES[freq]
    start = f"CAST(date_trunc('{part}', e.event_date) AS DATE)"
    if by == "primary":
        source = "events e"
        group = f"coalesce(e.main_group, '{NO_GROUP}')"
    elif by == "linked":
        source = "events e JOIN links l ON l.idx = e.idx"
        group = "l.group_name"
    elif by == "panels":
        # Every linked group, and unattributed events under NO_GROUP: the links
        # joined and grouped, then the unattributed grouped without a join.
        source, group = "events e JOIN links l ON l.idx = e.idx", "l.group_name"
    elif by is None:
        source, group = "events e", None
    else:
        raise ValueError(f"by must be 'primary', 'linked', 'panels' or None, not {by!r}")
    keys = f"{start} AS start" + (f', {group} AS "group"' if group else "")
    sql = (
        f"SELECT {keys}, {_measures_sql()} FROM {source} "
        f"WHERE e.event_date IS NOT NULL AND {where} GROUP BY ALL"
    )
    if by == "panels":
        sql += (
            f" UNION ALL SELECT {start} AS start, '{NO_GROUP}' AS \"group\", {_measures_sql()} "
            f"FROM events e WHERE e.main_group IS NULL AND e.event_date IS NOT NULL AND {where} "
            "GROUP BY ALL"
        )
        params = params + params
    frame = index.cursor().execute(sql, params).df()
    extra = ["group"] if group else []
    columns = ["period", "period_end", "label", *extra, *COUNT_COLUMNS]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    starts = pd.to_datetime(frame["start"])
    step = {
        "day": pd.DateOffset(days=1),
        "week": pd.DateOffset(weeks=1),
        "month": pd.DateOffset(months=1),
        "quarter": pd.DateOffset(months=3),
        "year": pd.DateOffset(years=1),
    }[freq]
    frame["period"] = starts.dt.strftime("%Y-%m-%d")
    frame["period_end"] = (starts + step).dt.strftime("%Y-%m-%d")
    frame["label"] = _period_label(starts, freq)
    for column in COUNT_COLUMNS:
        frame[column] = frame[column].astype("int64")
    return frame.sort_values(["period", *extra], ignore_index=True)[columns]


def group_period_counts(index: EventsIndex, state: FilterState, freq: str = "year") -> pd.DataFrame:
    """Return per-period counts under every linked group, and unattributed events under
    ``filters.NO_GROUP`` (the timeline's small multiples)."""
    return period_counts(index, state, freq, by="panels")


def largest_attacks(index: EventsIndex, state: FilterState, n: int = 5) -> pd.DataFrame:
    """Return the ``n`` deadliest dated attacks of the filter (as ``charts.largest_attacks``'s input).

    A typed events frame of at most ``n`` rows, deadliest first.
    """
    where, params = where_clause(state)
    select = ", ".join(f'e."{c}"' for c in FRAME_COLUMNS)
    return typed_rows(
        index.cursor(),
        top_rows_sql(
            select,
            f"{where} AND e.event_date IS NOT NULL AND coalesce(e.killed_min, 0) > 0 "
            "AND coalesce(e.event_type, 'attack') = 'attack'",
            "coalesce(e.killed_min, -1) DESC, coalesce(e.injured_min, -1) DESC, "
            "e.event_date, e.id_order",
            n,
        ),
        params,
    )


def totals(index: EventsIndex, state: FilterState) -> dict:
    """Return the filtered events' count, casualty sums and date span in one scan.

    ``killed_low``/``killed_high`` (and injured) sum minimums and maximums
    (a minimum standing in for a missing maximum); ``*_open`` counts events
    with a minimum but no maximum, ``*_unknown`` those with neither (the
    fields of ``profiles.CasualtyRange``).
    """
    where, params = where_clause(state)
    row = (
        index.cursor()
        .execute(
            f"""
            SELECT count(*), min(e.event_date), max(e.event_date),
              CAST(coalesce(sum(e.killed_min), 0) AS BIGINT),
              CAST(coalesce(sum(coalesce(e.killed_max, e.killed_min)), 0) AS BIGINT),
              count(*) FILTER (WHERE e.killed_min IS NOT NULL AND e.killed_max IS NULL),
              count(*) FILTER (WHERE e.killed_min IS NULL AND e.killed_max IS NULL),
              CAST(coalesce(sum(e.injured_min), 0) AS BIGINT),
              CAST(coalesce(sum(coalesce(e.injured_max, e.injured_min)), 0) AS BIGINT),
              count(*) FILTER (WHERE e.injured_min IS NOT NULL AND e.injured_max IS NULL),
              count(*) FILTER (WHERE e.injured_min IS NULL AND e.injured_max IS NULL),
              count(*) FILTER (WHERE e.event_date IS NULL)
            FROM events e WHERE {where}
            """,
            params,
        )
        .fetchall()[0]
    )
    keys = (
        "events",
        "first",
        "last",
        "killed_low",
        "killed_high",
        "killed_open",
        "killed_unknown",
        "injured_low",
        "injured_high",
        "injured_open",
        "injured_unknown",
        "undated",
    )
    return dict(zip(keys, row, strict=True))


def area_counts(index: EventsIndex, state: FilterState, level: str = "district") -> pd.DataFrame:
    """Count filtered events and casualties per district or town, in DuckDB.

    Same columns, order and meaning as :func:`footprint.views.areas.area_counts`.
    """
    if level not in ("district", "town", "neighbourhood"):
        raise ValueError(f"level must be district, town or neighbourhood, not {level!r}")
    where, params = where_clause(state)
    frame = (
        index.cursor()
        .execute(
            f"""
            SELECT CAST(e."{level}" AS VARCHAR) AS name, {_measures_sql()},
              CAST(count(*) FILTER (WHERE e.killed_min IS NULL) AS BIGINT) AS toll_unknown,
              min(e.event_date) AS first_event, max(e.event_date) AS last_event
            FROM events e
            WHERE e."{level}" IS NOT NULL AND trim(e."{level}") <> '' AND {where}
            GROUP BY 1 ORDER BY events DESC, killed DESC, name
            """,
            params,
        )
        .df()
    )
    for column in (*COUNT_COLUMNS, "toll_unknown"):
        frame[column] = frame[column].astype("int64")
    for column in ("first_event", "last_event"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[us]")
    return frame.sort_values(
        ["events", "killed", "name"], ascending=[False, False, True], ignore_index=True
    )


def group_counts(index: EventsIndex, state: FilterState) -> pd.DataFrame:
    """Return one row per group linked to a filtered event (and ``NO_GROUP``), most events first.

    Columns ``group, events, claimed, attributed, suspected, killed_low,
    killed_high, killed_open, killed_unknown, injured_low, injured_high,
    injured_open, injured_unknown,
    first_event, last_event, districts`` (the top three, as text), computed
    from the ``links`` table.
    """
    where, params = where_clause(state)
    # The filtered events joined to their links are summed once, per group,
    # district, link and "toll state" (which of the bounds are known); every
    # figure and the top districts are then sums over those few cells. Each
    # aggregate over the ~750k joined rows at 1M events costs, so there are few.
    states = ", ".join(
        f"(e.{m}_min IS NULL)::TINYINT + 2 * (e.{m}_max IS NULL)::TINYINT AS {m}_state"
        for m in ("killed", "injured")
    )
    cell_sums = """
        count(*) AS n, sum(e.killed_min) AS killed_low,
        sum(coalesce(e.killed_max, e.killed_min)) AS killed_high,
        sum(e.injured_min) AS injured_low,
        sum(coalesce(e.injured_max, e.injured_min)) AS injured_high,
        min(e.event_date) AS first_event, max(e.event_date) AS last_event
    """

    def total(expression: str, name: str, where_cells: str | None = None) -> str:
        picked = f" FILTER (WHERE {where_cells})" if where_cells else ""
        return f"CAST(coalesce(sum({expression}){picked}, 0) AS BIGINT) AS {name}"

    figures = ", ".join(
        [
            total("n", "events"),
            *(total("n", link, f"link = '{link}'") for link in schema.LINKS),
            *(
                part
                for m in ("killed", "injured")
                for part in (
                    total(f"{m}_low", f"{m}_low"),
                    total(f"{m}_high", f"{m}_high"),
                    total("n", f"{m}_open", f"{m}_state = 2"),  # a minimum, no maximum
                    total("n", f"{m}_unknown", f"{m}_state = 3"),  # neither bound
                )
            ),
        ]
    )
    frame = (
        index.cursor()
        .execute(
            f"""
            WITH cells AS (
                SELECT l.group_name AS grp, e.district, l.link, {states}, {cell_sums}
                FROM events e JOIN links l ON l.idx = e.idx WHERE {where}
                GROUP BY ALL
                UNION ALL
                SELECT '{NO_GROUP}' AS grp, e.district, NULL AS link, {states}, {cell_sums}
                FROM events e WHERE ({where}) AND e.main_group IS NULL
                GROUP BY ALL
            ),
            measures AS (
                SELECT grp, {figures},
                       min(first_event) AS first_event, max(last_event) AS last_event
                FROM cells GROUP BY grp
            ),
            top AS (
                SELECT grp, string_agg(district, ', ' ORDER BY n DESC, district) AS districts
                FROM (SELECT grp, district, sum(n) AS n,
                             row_number() OVER (
                                 PARTITION BY grp ORDER BY sum(n) DESC, district
                             ) AS r
                      FROM cells WHERE district IS NOT NULL AND trim(district) <> ''
                      GROUP BY grp, district)
                WHERE r <= 3 GROUP BY grp
            )
            SELECT m.grp AS "group", m.* EXCLUDE (grp), coalesce(t.districts, '') AS districts
            FROM measures m LEFT JOIN top t ON t.grp = m.grp
            """,
            params + params,
        )
        .df()
    )
    for column in ("first_event", "last_event"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[us]")
    return frame.sort_values(["events", "group"], ascending=[False, True], ignore_index=True)


def group_event_counts(index: EventsIndex, state: FilterState) -> dict[str, int]:
    """Return ``{group: filtered events linked to it}`` (the network's circle sizes)."""
    where, params = where_clause(state)
    rows = (
        index.cursor()
        .execute(
            f"SELECT l.group_name, count(DISTINCT l.idx) FROM links l JOIN events e "
            f"ON e.idx = l.idx WHERE {where} GROUP BY 1",
            params,
        )
        .fetchall()
    )
    return {name: int(n) for name, n in rows}


def place_counts(
    index: EventsIndex, state: FilterState, column: str, group: str | None = None, limit: int = 50
) -> pd.DataFrame:
    """Return ``{column}, events`` for the filtered events (of one group), most events first."""
    if column not in PLACE_COLUMNS.values():
        raise ValueError(f"column must be one of {', '.join(PLACE_COLUMNS.values())}")
    where, params = where_clause(state)
    extra, more = group_condition(group)
    where, params = f"{where} AND {extra}", params + more
    frame = (
        index.cursor()
        .execute(
            f'SELECT e."{column}" AS "{column}", count(*) AS events FROM events e '
            f'WHERE e."{column}" IS NOT NULL AND trim(e."{column}") <> \'\' AND {where} '
            f"GROUP BY 1 ORDER BY events DESC, 1 LIMIT {int(limit)}",
            params,
        )
        .df()
    )
    frame["events"] = frame["events"].astype("int64")
    return frame


def places_counts(
    index: EventsIndex,
    state: FilterState,
    columns: Sequence[str] = ("district", "town", "neighbourhood"),
    group: str | None = None,
    limit: int = 50,
) -> dict[str, pd.DataFrame]:
    """Return :func:`place_counts` of several place columns from one scan, by column.

    The filter (and the group's link join) runs once; each column's counts
    are ranked within the same query. Same frames as :func:`place_counts`.
    """
    for column in columns:
        if column not in PLACE_COLUMNS.values():
            raise ValueError(f"column must be one of {', '.join(PLACE_COLUMNS.values())}")
    if not columns:
        return {}
    where, params = where_clause(state)
    extra, more = group_condition(group)
    chosen = ", ".join(f'e."{c}"' for c in columns)
    unpivot = " UNION ALL ".join(
        f'SELECT {i} AS col, "{c}" AS name FROM chosen' for i, c in enumerate(columns)
    )
    rows = (
        index.cursor()
        .execute(
            f"""
            WITH chosen AS (SELECT {chosen} FROM events e WHERE {where} AND {extra}),
            counts AS (
                SELECT col, name, count(*) AS events FROM ({unpivot})
                WHERE name IS NOT NULL AND trim(name) <> '' GROUP BY col, name
            )
            SELECT col, name, events FROM (
                SELECT *, row_number() OVER (PARTITION BY col ORDER BY events DESC, name) AS r
                FROM counts
            ) WHERE r <= {int(limit)} ORDER BY col, r
            """,
            params + more,
        )
        .df()
    )
    out = {}
    for i, column in enumerate(columns):
        part = rows.loc[rows["col"] == i, ["name", "events"]].rename(columns={"name": column})
        out[column] = part.astype({"events": "int64"}).reset_index(drop=True)
    return out


def group_condition(group: str | None, alias: str = "e") -> tuple[str, list]:
    """Return the SQL condition "linked to ``group``" (any link; ``NO_GROUP``: to none)."""
    if group is None:
        return "TRUE", []
    if group == NO_GROUP:
        return f"{alias}.main_group IS NULL", []
    return f"{alias}.idx IN (SELECT idx FROM links WHERE group_name = ?)", [group]


def group_events(
    index: EventsIndex, state: FilterState, group: str, *, limit: int = 200
) -> pd.DataFrame:
    """Return the latest filtered events linked to ``group`` (at most ``limit``), newest first."""
    where, params = where_clause(state)
    extra, more = group_condition(group)
    select = ", ".join(f'e."{c}"' for c in FRAME_COLUMNS)
    return typed_rows(
        index.cursor(),
        top_rows_sql(
            select, f"{where} AND {extra}", "e.event_date DESC NULLS LAST, e.id_order", limit
        ),
        params + more,
    )


def within_radius(
    index: EventsIndex,
    state: FilterState,
    latitude: float,
    longitude: float,
    km: float,
    *,
    limit: int = 500,
) -> tuple[pd.DataFrame, int]:
    """Return the nearest filtered events within ``km`` of a point, and how many there are.

    Haversine distance in DuckDB, as :func:`footprint.data.filters.within_radius`;
    events without coordinates are left out. The frame holds at most
    ``limit`` rows, nearest first (then by date), with ``distance_km``.
    """
    where, params = where_clause(state)
    distance = (
        "2 * 6371.0088 * asin(sqrt(least(1.0, pow(sin(radians(e.latitude - ?) / 2), 2) + "
        "cos(radians(e.latitude)) * cos(radians(?)) * pow(sin(radians(e.longitude - ?) / 2), 2))))"
    )
    select = ", ".join(f'e."{c}"' for c in FRAME_COLUMNS)
    cursor = index.cursor()
    sql = (
        f"WITH near AS (SELECT {select}, e.id_order, {distance} AS distance_km FROM events e "
        f"WHERE e.latitude IS NOT NULL AND e.longitude IS NOT NULL AND {where}) "
        "SELECT * FROM near WHERE distance_km <= ?"
    )
    args = [latitude, latitude, longitude, *params, float(km)]
    total = int(cursor.execute(f"SELECT count(*) FROM ({sql})", args).fetchall()[0][0])
    frame = (
        cursor.execute(
            f"{sql} ORDER BY distance_km, event_date, id_order LIMIT {max(0, int(limit))}", args
        )
        .df()
        .drop(columns="id_order")
    )
    return _typed(frame, FRAME_COLUMNS), total


#: The neighbourhood table's columns, in order (the query layer's and the pandas reference's).
NEIGHBOURHOOD_COLUMNS = (
    "rank", "neighbourhood", "town", "district", "events", "killed", "injured",
    "toll_unknown", "groups", "first_event", "last_event",
)  # fmt: skip


def ranked_neighbourhoods(
    index: EventsIndex, state: FilterState, limit: int = 200
) -> tuple[pd.DataFrame, int]:
    """Return neighbourhoods ranked by events then killed (at most ``limit``) and how many there are.

    Columns as :func:`footprint.views.areas.ranked_neighbourhoods`: ``rank,
    neighbourhood, town, district, events, killed, injured, toll_unknown,
    groups, first_event, last_event``.
    """
    where, params = where_clause(state)
    sql = f"""
        WITH chosen AS (
            SELECT e.neighbourhood, coalesce(e.district, '') AS district_key,
              nullif(trim(coalesce(e.town, '')), '') AS town_name,
              coalesce(e.main_group, '{NO_GROUP}') AS grp,
              e.killed_min, e.injured_min, e.event_date
            FROM events e WHERE e.neighbourhood IS NOT NULL
              AND trim(e.neighbourhood) <> '' AND {where}
        ),
        per AS (
            SELECT neighbourhood, district_key,
              CAST(count(*) AS BIGINT) AS events,
              CAST(coalesce(sum(killed_min), 0) AS BIGINT) AS killed,
              CAST(coalesce(sum(injured_min), 0) AS BIGINT) AS injured,
              CAST(count(*) FILTER (WHERE killed_min IS NULL) AS BIGINT) AS toll_unknown,
              min(event_date) AS first_event, max(event_date) AS last_event
            FROM chosen GROUP BY neighbourhood, district_key
        ),
        towns AS (
            SELECT neighbourhood, district_key, arg_min(town_name, (-n, town_name)) AS town
            FROM (SELECT neighbourhood, district_key, town_name, count(*) AS n FROM chosen
                  WHERE town_name IS NOT NULL GROUP BY neighbourhood, district_key, town_name)
            GROUP BY neighbourhood, district_key
        ),
        grp AS (
            SELECT neighbourhood, district_key,
              string_agg(grp, ', ' ORDER BY n DESC, grp) AS groups
            FROM (SELECT neighbourhood, district_key, grp, count(*) AS n FROM chosen
                  GROUP BY neighbourhood, district_key, grp)
            GROUP BY neighbourhood, district_key
        ),
        ranked AS (
            -- The number of neighbourhoods rides along as a window total: one pass, not two.
            SELECT *, count(*) OVER () AS total FROM per
            ORDER BY events DESC, killed DESC, neighbourhood LIMIT {int(limit)}
        )
        SELECT ranked.neighbourhood, towns.town, nullif(ranked.district_key, '') AS district,
          ranked.events, ranked.killed, ranked.injured, ranked.toll_unknown,
          coalesce(grp.groups, '') AS groups, ranked.first_event, ranked.last_event,
          ranked.total
        FROM ranked
        LEFT JOIN towns USING (neighbourhood, district_key)
        LEFT JOIN grp USING (neighbourhood, district_key)
        ORDER BY events DESC, killed DESC, neighbourhood
    """
    frame = index.cursor().execute(sql, params).df()
    total = int(frame["total"].iloc[0]) if len(frame) else 0
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    for column in ("first_event", "last_event"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[us]")
    return frame[list(NEIGHBOURHOOD_COLUMNS)], total


def area_events(
    index: EventsIndex, state: FilterState, level: str, name: str, *, limit: int = 500
) -> tuple[pd.DataFrame, int]:
    """Return the filtered events placed in one town or district (at most ``limit``), and how many.

    Newest first. ``level`` is ``town`` or ``district``; an event is inside
    when its ``level`` column names the area (as the gazetteer writes it).
    """
    if level not in ("town", "district"):
        raise ValueError(f"level must be town or district, not {level!r}")
    where, params = where_clause(state)
    condition = f'{where} AND e."{level}" = ?'
    args = [*params, name]
    cursor = index.cursor()
    total = int(
        cursor.execute(f"SELECT count(*) FROM events e WHERE {condition}", args).fetchall()[0][0]
    )
    select = ", ".join(f'e."{c}"' for c in FRAME_COLUMNS)
    frame = typed_rows(
        cursor,
        top_rows_sql(select, condition, "e.event_date DESC NULLS LAST, e.id_order", limit),
        args,
    )
    return frame, total


def area_members(index: EventsIndex, level: str, name: str) -> int:
    """Return how many stored events name ``name`` as their ``level`` (district or town)."""
    return int(
        index.cursor()
        .execute(f'SELECT count(*) FROM events WHERE "{level}" = ?', [name])
        .fetchall()[0][0]
    )
