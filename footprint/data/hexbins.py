"""The aggregated map's data: H3 hexagons, city/province markers and the largest attacks, in SQL.

Above ``mapview.AGGREGATE_THRESHOLD`` filtered events the map stops drawing
one marker per event. These functions ask the query layer's DuckDB tables
(``events``, see ``footprint.data.query``) for what it draws instead; every
figure is computed by DuckDB on columns, never by a Python loop over events,
and every result is bounded by the number of hexagons, places or ``limit``.

Each function takes a cursor and a filter as SQL: ``where`` is a boolean
expression on ``events AS e`` with positional ``?`` parameters, as
``query.where_clause(state, "e")`` returns it.

Events known only to a city or a province (``precision_rank`` 4 or 5, or no
precision) are left out of the hexagons: their point is a city centre, and
binning them would paint the centre's hexagon with a whole city's events. They
are gathered per place by :func:`area_markers`, as on the single-event map.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from footprint.data import query, schema

#: H3 resolutions the ``events`` table holds a cell column for (``h3_4`` ... ``h3_8``).
RESOLUTIONS: tuple[int, ...] = (4, 5, 6, 7, 8)
#: ``precision_rank`` from which an event is known only to a city or a province.
AREA_RANK = schema.GEO_PRECISIONS.index("city")
#: How many groups a hexagon's tooltip names.
TOP_GROUPS = 3

_PLACED = f"(e.precision_rank IS NOT NULL AND e.precision_rank < {AREA_RANK})"
_AREA = f"(e.precision_rank IS NULL OR e.precision_rank >= {AREA_RANK})"
_LOCATED = "(e.latitude IS NOT NULL AND e.longitude IS NOT NULL)"


def _cell_column(resolution: int) -> str:
    if resolution not in RESOLUTIONS:
        raise ValueError(
            f"H3 resolution {resolution!r} has no cell column; use one of {RESOLUTIONS}."
        )
    return f"h3_{resolution}"


def hexagons(cursor, where: str, params: Sequence, resolution: int) -> pd.DataFrame:
    """Return one row per H3 cell holding finely placed filtered events.

    Parameters
    ----------
    cursor : duckdb.DuckDBPyConnection
        A cursor on the query layer's DuckDB (``EventsIndex.cursor()``).
    where, params : str, sequence
        The filter as SQL on ``events AS e`` (``query.where_clause``).
    resolution : int
        One of :data:`RESOLUTIONS` (the view preset's).

    Returns
    -------
    DataFrame
        ``hex`` (the cell as H3's hexadecimal string, as deck.gl's
        H3HexagonLayer reads it), ``events``, ``killed`` (sum of the lower
        bounds, else the upper), ``toll_unknown`` (events with no count),
        ``first_day``, ``last_day``, ``dominant_group`` (None when none is
        named) and ``top_groups`` (``"Islamic State (40), Al Qaeda (12)"``),
        busiest cells first.
    """
    cell = _cell_column(resolution)
    # One pass over the events to (cell, group) rows; the cell's figures are
    # sums over its groups, so the events are not scanned a second time.
    sql = f"""
        WITH per_group AS (
            SELECT e.{cell} AS cell, e.main_group, count(*) AS n,
                   sum(coalesce(e.killed_min, e.killed_max)) AS killed,
                   count(*) FILTER (WHERE e.killed_min IS NULL AND e.killed_max IS NULL)
                       AS unknown,
                   min(e.day_start) AS first_day, max(e.day_start) AS last_day,
                   row_number() OVER (
                       PARTITION BY e.{cell} ORDER BY count(*) DESC, e.main_group NULLS LAST
                   ) AS rank
            FROM events AS e
            WHERE ({where}) AND e.{cell} IS NOT NULL AND {_PLACED}
            GROUP BY e.{cell}, e.main_group
        )
        SELECT printf('%x', cell) AS hex,
               sum(n) AS events,
               coalesce(sum(killed), 0) AS killed,
               sum(unknown) AS toll_unknown,
               min(first_day) AS first_day,
               max(last_day) AS last_day,
               max(main_group) FILTER (WHERE rank = 1) AS dominant_group,
               string_agg(coalesce(main_group, 'no group named') || ' (' || n || ')', ', '
                          ORDER BY rank) FILTER (WHERE rank <= {TOP_GROUPS}) AS top_groups,
               count(*) AS group_count
        FROM per_group
        GROUP BY cell
        ORDER BY events DESC, hex
    """
    frame = cursor.execute(sql, list(params)).df()
    for column in ("events", "killed", "toll_unknown", "group_count"):
        frame[column] = frame[column].astype("int64")
    return frame


# An area marker's key, as ``mapview.area_keys``: ``kind|name``.
_AREA_KIND_SQL = (
    "CASE WHEN e.geo_precision IN ('city', 'province') THEN e.geo_precision ELSE 'unknown' END"
)
_AREA_NAME_SQL = """
    coalesce(
        CASE WHEN e.geo_precision = 'city' THEN coalesce(e.city, e.province)
             ELSE coalesce(e.province, e.city) END,
        e.location_text, 'an unknown place'
    )
"""
_AREA_KEY_SQL = f"{_AREA_KIND_SQL} || '|' || {_AREA_NAME_SQL}"


def area_markers(cursor, where: str, params: Sequence) -> pd.DataFrame:
    """Return one row per city or province holding filtered events known only to it.

    Columns: ``area_key`` (``"city|Karachi"``, as ``mapview.area_keys``),
    ``lon``, ``lat`` (the place's most common point), ``events``, ``killed``,
    ``toll_unknown``, ``dominant_group`` and ``top_groups``; the largest first.
    """
    # One pass over the events to the few (place columns, group, point)
    # combinations, grouped on the columns as stored; the place's kind and
    # name, the rounded point and everything per place are then computed on
    # those few rows: cheaper than mode() or expressions on every event.
    sql = f"""
        WITH raw AS (
            SELECT e.geo_precision, e.city, e.province, e.location_text, e.main_group,
                   e.longitude, e.latitude, count(*) AS n,
                   sum(coalesce(e.killed_min, e.killed_max)) AS killed,
                   count(*) FILTER (WHERE e.killed_min IS NULL AND e.killed_max IS NULL)
                       AS unknown
            FROM events AS e
            WHERE ({where}) AND {_LOCATED} AND {_AREA}
            GROUP BY ALL
        ),
        base AS (
            SELECT {_AREA_KIND_SQL} AS kind, {_AREA_NAME_SQL} AS name, e.main_group,
                   round(e.longitude, 5) AS lon, round(e.latitude, 5) AS lat,
                   sum(e.n) AS n, sum(e.killed) AS killed, sum(e.unknown) AS unknown
            FROM raw AS e
            GROUP BY ALL
        ),
        per_group AS (
            SELECT kind, name, main_group, sum(n) AS n,
                   row_number() OVER (
                       PARTITION BY kind, name ORDER BY sum(n) DESC, main_group NULLS LAST
                   ) AS rank
            FROM base GROUP BY kind, name, main_group
        ),
        tops AS (
            SELECT kind, name,
                   max(main_group) FILTER (WHERE rank = 1) AS dominant_group,
                   string_agg(coalesce(main_group, 'no group named') || ' (' || n || ')', ', '
                              ORDER BY rank) FILTER (WHERE rank <= {TOP_GROUPS}) AS top_groups
            FROM per_group GROUP BY kind, name
        ),
        points AS (
            SELECT kind, name, lon, lat, sum(n) AS n FROM base GROUP BY ALL
        ),
        places AS (  -- the place's most common point
            SELECT kind, name, arg_max(lon, n) AS lon, arg_max(lat, n) AS lat
            FROM points GROUP BY ALL
        ),
        totals AS (
            SELECT kind, name, sum(n) AS events, coalesce(sum(killed), 0) AS killed,
                   sum(unknown) AS toll_unknown
            FROM base GROUP BY ALL
        )
        SELECT kind || '|' || name AS area_key, p.lon, p.lat, s.events, s.killed,
               s.toll_unknown, t.dominant_group, t.top_groups
        FROM totals AS s JOIN places AS p USING (kind, name) JOIN tops AS t USING (kind, name)
        ORDER BY s.events DESC, area_key
    """
    frame = cursor.execute(sql, list(params)).df()
    for column in ("events", "killed", "toll_unknown"):
        frame[column] = frame[column].astype("int64")
    return frame


#: The columns of the largest events that the map's records read.
EVENT_COLUMNS = (
    "event_id", "event_date", "date_start", "date_end", "date_precision", "event_type",
    "attack_type", "suicide", "location_text", "neighbourhood", "town", "district", "city",
    "province", "latitude", "longitude", "geo_precision", "perpetrators", "killed_min",
    "killed_max", "injured_min", "injured_max", "source_ref",
)  # fmt: skip


def largest_events(cursor, where: str, params: Sequence, limit: int) -> pd.DataFrame:
    """Return the ``limit`` deadliest finely placed filtered events (known tolls only).

    The aggregated map draws them as single markers over the hexagons. Ties
    go to the earlier event, then the event id (``id_order``, the ids' order
    as an integer), so the choice is stable.
    """
    columns = ", ".join(f"e.{c}" for c in EVENT_COLUMNS)
    order = "coalesce(e.killed_min, e.killed_max) DESC, e.day_start, e.id_order"
    # Late fetch (as query.top_rows_sql): sort on narrow columns, then read the
    # wide ones for the chosen rows only.
    sql = f"""
        SELECT {columns} FROM events AS e WHERE e.rowid IN (
            SELECT e.rowid FROM events AS e
            WHERE ({where}) AND {_LOCATED} AND {_PLACED}
                  AND coalesce(e.killed_min, e.killed_max) IS NOT NULL
            ORDER BY {order} LIMIT ?
        )
        ORDER BY {order}
    """
    return _events_frame(cursor, sql, [*params, int(limit)])


def _events_frame(cursor, sql: str, params: Sequence) -> pd.DataFrame:
    """Run ``sql`` (``EVENT_COLUMNS`` of some events) and return a frame of the contract's columns.

    Typed through Arrow (``query.typed_rows``); the contract columns the map
    does not read are present and empty, as ``schema.coerce_events`` leaves them.
    """
    frame = query.typed_rows(cursor, sql, params)
    for column in schema.EVENT_COLUMNS:
        if column not in frame.columns:
            frame[column] = pd.Series([None] * len(frame), dtype=object)
    return frame[
        [*schema.EVENT_COLUMNS, *(c for c in frame.columns if c not in schema.EVENT_COLUMNS)]
    ]


def group_counts(cursor, where: str, params: Sequence) -> dict[str, int]:
    """Return filtered events per main group (for the map's distinct colours)."""
    sql = f"""
        SELECT e.main_group, count(*) AS n FROM events AS e
        WHERE ({where}) AND e.main_group IS NOT NULL
        GROUP BY e.main_group
    """
    return {str(group): int(n) for group, n in cursor.execute(sql, list(params)).fetchall()}


def area_events(cursor, where: str, params: Sequence, area_key: str, limit: int) -> pd.DataFrame:
    """Return the first ``limit`` filtered events (by date) of one city/province marker."""
    columns = ", ".join(f"e.{c}" for c in EVENT_COLUMNS)
    sql = f"""
        SELECT {columns} FROM events AS e
        WHERE ({where}) AND {_LOCATED} AND {_AREA} AND ({_AREA_KEY_SQL}) = ?
        ORDER BY e.day_start NULLS LAST, e.id_order
        LIMIT ?
    """
    return _events_frame(cursor, sql, [*params, area_key, int(limit)])


#: Most hexagons the map receives: about 330 bytes of deck JSON each, so the
#: hexagon layer stays near 2 MB however the events spread.
MAX_CELLS = 6000


def fitting_resolution(
    cursor, where: str, params: Sequence, preferred: int, max_cells: int = MAX_CELLS
) -> int:
    """Return ``preferred``, or the finest coarser resolution with at most ``max_cells`` cells.

    One SQL pass counts the distinct cells of every resolution at once.
    """
    _cell_column(preferred)
    coarser = [r for r in RESOLUTIONS if r <= preferred]
    counts = ", ".join(f"count(DISTINCT e.h3_{r})" for r in coarser)
    row = cursor.execute(
        f"SELECT {counts} FROM events AS e WHERE ({where}) AND {_PLACED}", list(params)
    ).fetchone()
    for resolution, cells in sorted(zip(coarser, row, strict=True), reverse=True):
        if cells <= max_cells:
            return resolution
    return coarser[0]
