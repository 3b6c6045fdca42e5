"""Exports of an events frame as CSV, GeoJSON and GeoPackage, and their readers.

Every writer takes a typed events frame (see :func:`footprint.data.schema.coerce_events`)
and writes its contract columns (:data:`footprint.data.schema.EVENT_COLUMNS`) in order;
every reader returns a typed events frame, so ``read_X(to_X(frame))`` gives the
same rows and values back.

- CSV is the format of ``data/events.csv``: ISO dates, integers without
  decimals, ``true``/``false`` for ``suicide``, empty for unknown.
- GeoJSON (RFC 7946) is a FeatureCollection of points in WGS84 (EPSG:4326),
  one feature per event, with ``id`` the ``event_id``. Dates are ISO strings
  (``YYYY-MM-DD``), counts integers or null.
- GeoPackage is written with pyogrio so that QGIS opens it as is: one point
  layer named ``events`` in EPSG:4326 with typed fields (dates as Date,
  casualty counts as Integer, ``suicide`` as Boolean, coordinates as Real,
  the rest as String).

Events without coordinates are never dropped: they are rows of the CSV and
features with a null geometry in GeoJSON and GeoPackage (their ``latitude``
and ``longitude`` fields are null too), so an export always holds exactly the
rows it was given.

:func:`search` gives the rows (and :func:`footprint.views.cards.browse_table` the columns) the Events
page shows, so that its downloads hold exactly what the table shows;
:func:`write` writes one frame; :func:`write_chunks` streams frames a chunk at
a time (``python -m footprint export`` and the Events page's downloads, fed
by ``footprint.data.query.iter_events``).
"""

from __future__ import annotations

import io
import json
import math
import os
from pathlib import Path
from typing import IO, Any

import pandas as pd

from footprint.data import schema

#: The coordinate reference system of every spatial export.
CRS = "EPSG:4326"
#: The GeoPackage layer name.
GPKG_LAYER = "events"
#: The formats :func:`write` and :func:`to_bytes` know, with their file suffix and MIME type.
FORMATS: dict[str, tuple[str, str]] = {
    "csv": (".csv", "text/csv"),
    "geojson": (".geojson", "application/geo+json"),
    "gpkg": (".gpkg", "application/geopackage+sqlite3"),
}

PathOrBuffer = str | os.PathLike | IO


#: Contract columns held as text (everything but dates, numbers and ``suicide``).
TEXT_COLUMNS: tuple[str, ...] = tuple(
    c
    for c in schema.EVENT_COLUMNS
    if c not in (*schema.DATE_COLUMNS, *schema.FLOAT_COLUMNS, *schema.COUNT_COLUMNS, "suicide")
)


def _contract(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the contract columns of ``frame``, typed, text columns as ``str``."""
    out = schema.coerce_events(frame)[list(schema.EVENT_COLUMNS)].reset_index(drop=True)
    for column in TEXT_COLUMNS:
        out[column] = out[column].astype("str")
    return out


def _json_value(value: Any) -> Any:
    """Return ``value`` as a JSON-serialisable Python value (None for missing)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if hasattr(value, "item"):  # numpy scalars
        return _json_value(value.item())
    return value


# --- CSV ------------------------------------------------------------------


def to_csv(frame: pd.DataFrame, path_or_buffer: PathOrBuffer) -> None:
    """Write an events frame as CSV, in the format of ``data/events.csv``.

    Parameters
    ----------
    frame : DataFrame
        An events frame; columns beyond the contract are left out.
    path_or_buffer : str, PathLike or file-like
        A path, or a text or binary buffer.
    """
    _write_text(schema.events_to_csv_frame(frame).to_csv(index=False), path_or_buffer)


def read_csv(path_or_buffer: PathOrBuffer) -> pd.DataFrame:
    """Read a CSV written by :func:`to_csv` back into a typed events frame."""
    if isinstance(path_or_buffer, bytes):
        path_or_buffer = io.BytesIO(path_or_buffer)
    raw = pd.read_csv(path_or_buffer, dtype=str, keep_default_na=False)
    return _contract(raw)


# --- GeoJSON --------------------------------------------------------------


def to_geojson_dict(frame: pd.DataFrame) -> dict:
    """Return an events frame as a GeoJSON FeatureCollection (a dict).

    Events without coordinates become features with ``"geometry": null``.
    """
    typed = _contract(frame)
    features = []
    for record in typed.to_dict("records"):
        properties = {column: _json_value(record[column]) for column in schema.EVENT_COLUMNS}
        lat, lon = properties["latitude"], properties["longitude"]
        geometry = (
            {"type": "Point", "coordinates": [lon, lat]}
            if lat is not None and lon is not None
            else None
        )
        features.append(
            {
                "type": "Feature",
                "id": properties["event_id"],
                "geometry": geometry,
                "properties": properties,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def to_geojson(frame: pd.DataFrame, path_or_buffer: PathOrBuffer) -> None:
    """Write an events frame as GeoJSON points in EPSG:4326.

    Parameters
    ----------
    frame : DataFrame
        An events frame. Dates are written as ISO strings; events without
        coordinates are kept as null-geometry features.
    path_or_buffer : str, PathLike or file-like
        A path, or a text or binary buffer.
    """
    text = json.dumps(to_geojson_dict(frame), ensure_ascii=False)
    _write_text(text, path_or_buffer)


def read_geojson(path_or_buffer: PathOrBuffer) -> pd.DataFrame:
    """Read a GeoJSON written by :func:`to_geojson` back into a typed events frame.

    Feature properties are read as written (not type-guessed); where a
    feature's point is there and its ``latitude``/``longitude`` properties are
    not, they are taken from the geometry.
    """
    collection = json.loads(_read_text(path_or_buffer))
    records = []
    for feature in collection.get("features", []):
        properties = dict(feature.get("properties") or {})
        geometry = feature.get("geometry")
        if geometry and geometry.get("type") == "Point":
            lon, lat = geometry["coordinates"][:2]
            if properties.get("latitude") is None:
                properties["latitude"] = lat
            if properties.get("longitude") is None:
                properties["longitude"] = lon
        records.append(properties)
    if not records:
        return schema.empty_events()
    raw = pd.DataFrame.from_records(records)
    for column in raw.columns:
        if column not in schema.FLOAT_COLUMNS and column not in schema.COUNT_COLUMNS:
            raw[column] = raw[column].map(_property_text).astype(object)
    return _contract(raw)


def _property_text(value: Any) -> str | None:
    """Return a GeoJSON property as the text the contract coerces from."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --- GeoPackage -----------------------------------------------------------


def to_geodataframe(frame: pd.DataFrame):
    """Return an events frame as a GeoDataFrame of points in EPSG:4326, with
    field dtypes that map to proper GeoPackage field types.

    Dates become Arrow ``date32`` (GeoPackage Date), casualty counts ``Int32``
    (Integer), ``suicide`` nullable boolean (Boolean). Events without
    coordinates get a null geometry.
    """
    import geopandas as gpd
    import pyarrow as pa
    import shapely

    typed = _contract(frame)
    out = typed.copy()
    for column in schema.DATE_COLUMNS:
        out[column] = out[column].astype("datetime64[s]").astype(pd.ArrowDtype(pa.date32()))
    for column in schema.COUNT_COLUMNS:
        out[column] = out[column].astype("Int32")
    has_point = typed["latitude"].notna() & typed["longitude"].notna()
    geometry = [
        shapely.Point(lon, lat) if ok else None
        for lon, lat, ok in zip(typed["longitude"], typed["latitude"], has_point, strict=True)
    ]
    return gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(geometry, crs=CRS), crs=CRS)


def to_gpkg(frame: pd.DataFrame, path_or_buffer: PathOrBuffer) -> None:
    """Write an events frame as a GeoPackage point layer ``events`` in EPSG:4326.

    Parameters
    ----------
    frame : DataFrame
        An events frame; events without coordinates are kept as features
        with a null geometry.
    path_or_buffer : str, PathLike or binary buffer
        A path (an existing file is replaced) or a ``BytesIO``.
    """
    import pyogrio

    target = path_or_buffer
    if isinstance(target, str | os.PathLike):
        target = Path(target)
        target.unlink(missing_ok=True)
        target = str(target)
    pyogrio.write_dataframe(
        to_geodataframe(frame),
        target,
        layer=GPKG_LAYER,
        driver="GPKG",
        geometry_type="Point",
        use_arrow=True,
    )


def read_gpkg(path_or_buffer: PathOrBuffer) -> pd.DataFrame:
    """Read the ``events`` layer of a GeoPackage written by :func:`to_gpkg`
    back into a typed events frame."""
    import warnings

    import pyogrio

    source = path_or_buffer
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    with warnings.catch_warnings():
        # A GeoPackage read from memory has no .gpkg suffix; GDAL says so.
        warnings.filterwarnings("ignore", message=".*non conformant file extension.*")
        layer = pyogrio.read_dataframe(source, layer=GPKG_LAYER, read_geometry=False)
    raw = pd.DataFrame(layer)
    for column in schema.COUNT_COLUMNS:
        raw[column] = pd.to_numeric(raw[column], errors="coerce").round().astype("Int64")
    # A Boolean field may come back as True/False or as 1.0/0.0 (with NaN for null).
    raw["suicide"] = raw["suicide"].map(_gpkg_boolean).astype("boolean")
    return _contract(raw)


def _gpkg_boolean(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return pd.NA
    if isinstance(value, str):
        return {"true": True, "1": True, "false": False, "0": False}.get(value.lower(), pd.NA)
    return bool(value)


# --- what the Events page shows and exports ---------------------------------

#: Columns searched by :func:`search`.
SEARCH_COLUMNS: tuple[str, ...] = (
    "event_id",
    "summary",
    "location_text",
    "neighbourhood",
    "town",
    "district",
    "city",
    "province",
    "perpetrators",
    "target",
    "attack_type",
    "target_type",
    "source_ref",
)


def _fold(text: pd.Series) -> pd.Series:
    """Fold case and accents so ``Safoora`` finds ``safoora`` and ``é`` finds ``e``."""
    import unicodedata

    return text.map(
        lambda value: "".join(
            ch for ch in unicodedata.normalize("NFKD", value) if not unicodedata.combining(ch)
        ).casefold()
    )


def search(frame: pd.DataFrame, query: str | None) -> pd.DataFrame:
    """Return the events whose text holds every word of ``query``.

    Words are matched case- and accent-insensitively anywhere in the event's
    id, summary, place names, groups, target and source reference; an empty
    query returns ``frame`` unchanged. Row order and index are kept.
    """
    words = [w for w in _fold(pd.Series([query or ""])).iloc[0].split() if w]
    if not words or frame.empty:
        return frame
    columns = [c for c in SEARCH_COLUMNS if c in frame.columns]
    haystack = (
        frame[columns]
        .astype(object)
        .where(frame[columns].notna(), "")
        .astype(str)
        .agg(" ".join, axis=1)
    )
    haystack = _fold(haystack).str.replace("_", " ", regex=False)
    mask = pd.Series(True, index=frame.index)
    for word in words:
        mask &= haystack.str.contains(word.replace("_", " "), regex=False)
    return frame[mask.to_numpy()]


# --- dispatch -------------------------------------------------------------

_WRITERS = {"csv": to_csv, "geojson": to_geojson, "gpkg": to_gpkg}
_READERS = {"csv": read_csv, "geojson": read_geojson, "gpkg": read_gpkg}


def _check_format(format: str) -> str:
    key = format.lower().lstrip(".")
    key = {"json": "geojson", "geopackage": "gpkg"}.get(key, key)
    if key not in _WRITERS:
        raise ValueError(f"Unknown export format {format!r}: use one of {', '.join(FORMATS)}.")
    return key


def write(frame: pd.DataFrame, path: str | os.PathLike, format: str) -> Path:
    """Write an events frame to ``path`` as ``csv``, ``geojson`` or ``gpkg``.

    Used by ``python -m footprint export``. Returns the path written.
    """
    path = Path(path)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    _WRITERS[_check_format(format)](frame, path)
    return path


def read(path: str | os.PathLike, format: str | None = None) -> pd.DataFrame:
    """Read an export back; ``format`` defaults to the file's suffix."""
    key = _check_format(format or Path(path).suffix)
    return _READERS[key](path)


def to_bytes(frame: pd.DataFrame, format: str) -> bytes:
    """Return the export of an events frame as bytes (for a download button)."""
    key = _check_format(format)
    buffer = io.BytesIO()
    _WRITERS[key](frame, buffer)
    return buffer.getvalue()


def write_chunks(chunks, path_or_buffer: PathOrBuffer, format: str) -> int:
    """Write events arriving as frames, one chunk at a time, as one export.

    Only one chunk is in memory at a time (``query.iter_events`` yields them),
    so an export of any size streams to the file: CSV and GeoJSON are written
    piece by piece, GeoPackage appends each chunk to its layer. The result is
    the file :func:`write` gives for the concatenated frame.

    Parameters
    ----------
    chunks : iterable of DataFrame
        Typed events frames.
    path_or_buffer : str, PathLike or binary buffer
        Where to write (an existing file is replaced).
    format : str
        ``csv``, ``geojson`` or ``gpkg``.

    Returns
    -------
    int
        The number of events written.
    """
    key = _check_format(format)
    if key == "gpkg":
        return _gpkg_chunks(chunks, path_or_buffer)
    opened = isinstance(path_or_buffer, str | os.PathLike)
    handle = open(path_or_buffer, "wb") if opened else path_or_buffer  # noqa: SIM115
    written = 0
    try:
        if key == "geojson":
            handle.write(b'{"type": "FeatureCollection", "features": [')
        for chunk in chunks:
            if key == "csv":
                text = schema.events_to_csv_frame(chunk).to_csv(index=False, header=written == 0)
                if written == 0 and chunk.empty:
                    continue
            else:
                features = to_geojson_dict(chunk)["features"]
                text = ", ".join(json.dumps(f, ensure_ascii=False) for f in features)
                if written and features:
                    text = ", " + text
            handle.write(text.encode("utf-8"))
            written += len(chunk)
        if key == "csv" and written == 0:
            handle.write(
                schema.events_to_csv_frame(schema.empty_events())
                .to_csv(index=False)
                .encode("utf-8")
            )
        if key == "geojson":
            handle.write(b"]}")
    finally:
        if opened:
            handle.close()
    return written


def _gpkg_chunks(chunks, path_or_buffer: PathOrBuffer) -> int:
    import tempfile

    import pyogrio

    if not isinstance(path_or_buffer, str | os.PathLike):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "export.gpkg"
            written = _gpkg_chunks(chunks, path)
            path_or_buffer.write(path.read_bytes())
            return written
    target = Path(path_or_buffer)
    target.unlink(missing_ok=True)
    written = 0
    for chunk in chunks:
        if written and chunk.empty:
            continue
        pyogrio.write_dataframe(
            to_geodataframe(chunk),
            str(target),
            layer=GPKG_LAYER,
            driver="GPKG",
            geometry_type="Point",
            use_arrow=True,
            append=written > 0,
        )
        written += len(chunk)
    if not target.exists():
        to_gpkg(schema.empty_events(), target)
    return written


def file_name(stem: str, format: str) -> str:
    """Return ``stem`` with the suffix of ``format`` (e.g. ``events.gpkg``)."""
    return stem + FORMATS[_check_format(format)][0]


def mime_type(format: str) -> str:
    """Return the MIME type of an export format."""
    return FORMATS[_check_format(format)][1]


def _write_text(text: str, path_or_buffer: PathOrBuffer) -> None:
    if isinstance(path_or_buffer, str | os.PathLike):
        Path(path_or_buffer).write_text(text, encoding="utf-8")
    elif isinstance(path_or_buffer, io.TextIOBase):
        path_or_buffer.write(text)
    else:
        path_or_buffer.write(text.encode("utf-8"))


def _read_text(path_or_buffer: PathOrBuffer | bytes) -> str:
    if isinstance(path_or_buffer, bytes):
        return path_or_buffer.decode("utf-8")
    if isinstance(path_or_buffer, str | os.PathLike):
        return Path(path_or_buffer).read_text(encoding="utf-8")
    data = path_or_buffer.read()
    return data.decode("utf-8") if isinstance(data, bytes) else data
