"""Boundary layers as light GeoJSON for pydeck and SVG: the map's offline base.

The map draws no internet basemap by default, so provinces, districts and
Karachi's towns are its base. The boundary files are detailed (3.7 MB for the
districts); this module simplifies them once per file and tolerance and
caches the result by path and modification time, so a rerun costs nothing.

The files are read here with plain ``json`` rather than through
``boundaries.read_layer`` because the upstream bundles hold degenerate rings
(fewer than four points) that shapely refuses; they are dropped here, which
changes nothing visible.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import shapely
from shapely.geometry import MultiLineString, MultiPolygon, Polygon, mapping

from footprint.data import boundaries

#: Simplification tolerance in degrees per layer (about 1 km, 1 km and 50 m):
#: enough for a briefing map at the zoom each layer is read at.
TOLERANCES: dict[str, float] = {"provinces": 0.01, "districts": 0.01, "towns": 0.0005}
#: Decimal places kept in coordinates (5 is about 1 m).
COORDINATE_DECIMALS = 4
#: Properties kept per feature: the name (for labels) and the parent province.
KEPT_PROPERTIES = ("name", "province", "kind")


@dataclass(frozen=True)
class BoundaryFeature:
    """One simplified boundary polygon and its name."""

    name: str
    province: str | None
    geometry: Polygon | MultiPolygon


def _polygon(rings: list) -> Polygon | None:
    rings = [ring for ring in rings if len(ring) >= 4]
    if not rings:
        return None
    try:
        polygon = Polygon(rings[0], rings[1:])
    except (ValueError, TypeError):
        return None
    if not polygon.is_valid:
        polygon = shapely.make_valid(polygon)
    return polygon


def _geometry(geometry: dict | None):
    if not geometry:
        return None
    kind = geometry.get("type")
    if kind == "Polygon":
        parts = [_polygon(geometry["coordinates"])]
    elif kind == "MultiPolygon":
        parts = [_polygon(rings) for rings in geometry["coordinates"]]
    else:
        return None
    parts = [p for p in parts if p is not None and not p.is_empty]
    if not parts:
        return None
    return shapely.union_all(parts) if len(parts) > 1 else parts[0]


@lru_cache(maxsize=8)
def _raw_features(path: str, mtime: float) -> tuple[tuple[dict, object], ...]:
    with open(path, encoding="utf-8") as handle:
        collection = json.load(handle)
    features = []
    for feature in collection.get("features", []):
        geometry = _geometry(feature.get("geometry"))
        if geometry is not None:
            features.append((feature.get("properties") or {}, geometry))
    return tuple(features)


@lru_cache(maxsize=32)
def _features_cached(
    path: str, mtime: float, tolerance: float, clip: tuple[float, float, float, float] | None
) -> tuple[BoundaryFeature, ...]:
    features = []
    window = shapely.box(*clip) if clip else None
    for properties, geometry in _raw_features(path, mtime):
        if window is not None:
            if not geometry.intersects(window):
                continue
            geometry = shapely.intersection(geometry, window)
            polygons = [
                g
                for g in getattr(geometry, "geoms", [geometry])
                if g.geom_type in ("Polygon", "MultiPolygon")
            ]
            if not polygons:
                continue
            geometry = shapely.union_all(polygons) if len(polygons) > 1 else polygons[0]
        if tolerance > 0:
            geometry = geometry.simplify(tolerance, preserve_topology=True)
        geometry = shapely.set_precision(geometry, 10**-COORDINATE_DECIMALS)
        if geometry.is_empty:
            continue
        features.append(
            BoundaryFeature(
                name=str(properties.get("name") or ""),
                province=properties.get("province"),
                geometry=geometry,
            )
        )
    return tuple(features)


def boundary_features(
    layer: str,
    tolerance: float | None = None,
    target_dir: Path | None = None,
    clip: tuple[float, float, float, float] | None = None,
) -> tuple[BoundaryFeature, ...]:
    """Return one boundary layer's simplified polygons (cached by file and tolerance).

    Parameters
    ----------
    layer : str
        ``provinces``, ``districts`` or ``towns``.
    tolerance : float, optional
        Douglas-Peucker tolerance in degrees; the layer's :data:`TOLERANCES` by
        default.
    target_dir : Path, optional
        The prepared boundary folder (``data/boundaries`` by default).
    clip : tuple, optional
        ``(west, south, east, north)``: keep only what falls inside, so a
        detailed city view stays light.

    Raises
    ------
    boundaries.BoundaryError
        When the layer has not been prepared (run ``python -m footprint data``).
    """
    path = boundaries.path_of(layer, target_dir)
    if not path.exists():
        raise boundaries.BoundaryError(
            path.name, "has not been prepared.", "Run `python -m footprint data` (or `make data`)."
        )
    tolerance = TOLERANCES.get(layer, 0.001) if tolerance is None else tolerance
    clip = tuple(float(v) for v in clip) if clip else None
    return _features_cached(str(path), path.stat().st_mtime, float(tolerance), clip)


@lru_cache(maxsize=32)
def _geojson_cached(path: str, mtime: float, tolerance: float, clip) -> str:
    features = _features_cached(path, mtime, tolerance, clip)
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": f.name, "province": f.province},
                "geometry": mapping(f.geometry),
            }
            for f in features
        ],
    }
    return json.dumps(collection, separators=(",", ":"))


def boundary_geojson(
    layer: str,
    tolerance: float | None = None,
    target_dir: Path | None = None,
    clip: tuple[float, float, float, float] | None = None,
) -> dict:
    """Return one boundary layer as a GeoJSON FeatureCollection for a pydeck GeoJsonLayer.

    Parameters are those of :func:`boundary_features`. The result is a fresh
    dict (built from a cached JSON string), so callers may change it.
    """
    path = boundaries.path_of(layer, target_dir)
    boundary_features(layer, tolerance, target_dir, clip)  # raises when absent
    tolerance = TOLERANCES.get(layer, 0.001) if tolerance is None else tolerance
    clip = tuple(float(v) for v in clip) if clip else None
    return json.loads(_geojson_cached(str(path), path.stat().st_mtime, float(tolerance), clip))


#: One outline of a base: (boundary layer, line colour RGBA, line width in pixels).
BaseLine = tuple[str, tuple[int, ...], float]


def _outline(geometry) -> MultiLineString | None:
    """The rings of a geometry's polygons as one MultiLineString (None when it has none)."""
    rings = []
    for part in shapely.get_parts(geometry):
        for polygon in getattr(part, "geoms", [part]):
            if isinstance(polygon, Polygon) and not polygon.is_empty:
                rings.append(polygon.exterior)
                rings.extend(polygon.interiors)
    if not rings:
        return None
    return MultiLineString([ring.coords for ring in rings])


@lru_cache(maxsize=16)
def _base_data_url_cached(
    land: tuple[str, tuple[int, ...]] | None,
    lines: tuple[BaseLine, ...],
    settings: tuple[tuple[str, str, float, float, tuple | None], ...],
) -> str:
    features = []
    by_layer = {
        layer: (path, mtime, tolerance, clip) for layer, path, mtime, tolerance, clip in settings
    }
    if land is not None:
        layer, fill = land
        for feature in _features_cached(*by_layer[layer]):
            features.append(
                {
                    "type": "Feature",
                    "properties": {"kind": "land", "fill": list(fill)},
                    "geometry": mapping(feature.geometry),
                }
            )
    for layer, colour, width in lines:
        for feature in _features_cached(*by_layer[layer]):
            outline = _outline(feature.geometry)
            if outline is None:
                continue
            features.append(
                {
                    "type": "Feature",
                    "properties": {"kind": layer, "line": list(colour), "width": width},
                    "geometry": mapping(outline),
                }
            )
    text = json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))
    return "data:application/json;base64," + base64.b64encode(text.encode("utf-8")).decode("ascii")


def base_data_url(
    land: tuple[str, tuple[int, ...]] | None,
    lines: tuple[BaseLine, ...],
    tolerances: dict[str, float | None] | None = None,
    clips: dict[str, tuple[float, float, float, float] | None] | None = None,
    target_dir: Path | None = None,
) -> str:
    """Return a map's whole base as one ``data:`` URL of GeoJSON, for one GeoJsonLayer.

    The land is filled polygons (``properties.fill``); every outline is a
    line (``properties.line``, ``properties.width``, ``properties.kind`` the
    boundary layer), so one layer with one fill and one line pass draws what
    took a layer per boundary file, and only the land is tessellated. Built
    once per process for each base (cached).

    A URL rather than GeoJSON inlined in the spec: deck.gl compares a layer's
    ``data`` by identity, and inlined GeoJSON is a new object after every
    rerun, so the browser would re-tessellate the land each time (slow enough
    to swallow the briefing's flight). A string equal from one rerun to the
    next is processed once, and a ``data:`` URL needs no server and no network.

    Parameters
    ----------
    land : tuple, optional
        ``(layer, fill colour)``: the boundary layer drawn as land.
    lines : tuple of BaseLine
        The outlines, drawn in this order (later ones on top).
    tolerances, clips : dict, optional
        Per boundary layer, as in :func:`boundary_features`.
    target_dir : Path, optional
        The prepared boundary folder.
    """
    tolerances = tolerances or {}
    clips = clips or {}
    layers = {line[0] for line in lines} | ({land[0]} if land else set())
    settings = []
    for layer in sorted(layers):
        path = boundaries.path_of(layer, target_dir)
        clip = clips.get(layer)
        tolerance = tolerances.get(layer)
        boundary_features(layer, tolerance, target_dir, clip)  # raises when absent
        tolerance = TOLERANCES.get(layer, 0.001) if tolerance is None else tolerance
        clip = tuple(float(v) for v in clip) if clip else None
        settings.append((layer, str(path), path.stat().st_mtime, float(tolerance), clip))
    lines = tuple((layer, tuple(colour), float(width)) for layer, colour, width in lines)
    land = (land[0], tuple(land[1])) if land else None
    return _base_data_url_cached(land, lines, tuple(settings))


def boundary_labels(
    layer: str, target_dir: Path | None = None, strip_suffix: str = " Town"
) -> list[dict]:
    """Return a label point inside each polygon: ``{"name", "lon", "lat"}``.

    Karachi's towns are named ``Saddar Town`` in the source; the suffix is
    dropped on the map, where it would only crowd the labels.
    """
    labels = []
    for feature in boundary_features(layer, target_dir=target_dir):
        point = feature.geometry.representative_point()
        name = feature.name
        if strip_suffix and name.endswith(strip_suffix):
            name = name[: -len(strip_suffix)]
        labels.append({"name": name, "lon": round(point.x, 4), "lat": round(point.y, 4)})
    return labels


def available(target_dir: Path | None = None) -> bool:
    """Return True when the boundary files have been prepared."""
    return boundaries.available(target_dir)
