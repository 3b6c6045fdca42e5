"""Administrative boundaries: the data step that fetches them, and their readers.

The polygons are third-party data (OpenStreetMap via the pakistan-map bundle,
and UN OCHA's Karachi towns), so they are never committed. :func:`prepare`
copies them from ``../shared/boundaries/`` where that folder exists, or
downloads them from a mirror named by ``FOOTPRINT_BOUNDARIES_URL``, and in both
cases checks each file's sha256 before it is used. The upstream files are
TopoJSON bundles; :data:`SOURCES` names them and the commit they were decoded
from, so a mirror can be rebuilt and checked against the same checksums.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import urllib.request
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from footprint import paths


@dataclass(frozen=True)
class BoundarySource:
    """One boundary file: where it comes from and the checksum it must have."""

    file_name: str
    layer: str
    upstream: str
    sha256: str
    licence: str


#: The files the app and the geocoder use, with the sha256 of their GeoJSON
#: form (WGS84). ``FOOTPRINT_BOUNDARIES_URL`` names a base URL holding the three
#: GeoJSON files when ``../shared/boundaries/`` is not there.
SOURCES: tuple[BoundarySource, ...] = (
    BoundarySource(
        "pakistan_districts_2023.geojson",
        "districts",
        "github.com/AbuBakrCh/pakistan-map data/bundle/geography.topojson.json (commit c004fc6), districts layer",
        "eafa9da032b149855203c297f3d6e5c7ca82ac0c1690a54f33caaf6f611bcb4a",
        "© OpenStreetMap contributors, ODbL 1.0 (via AbuBakrCh/pakistan-map)",
    ),
    BoundarySource(
        "pakistan_provinces.geojson",
        "provinces",
        "github.com/AbuBakrCh/pakistan-map data/bundle/geography.topojson.json (commit c004fc6), provinces layer",
        "87a20d1960ff9a53fde9aa070a6ed2696d5d4d3de9b30072dc3f91c201593917",
        "© OpenStreetMap contributors, ODbL 1.0 (via AbuBakrCh/pakistan-map)",
    ),
    BoundarySource(
        "karachi_towns_2001.geojson",
        "towns",
        "github.com/mkhalidh/CrimDetect server/data/karachi_full_districts.json (commit 97756e7)",
        "3d7b3b8393f2b423951df3a0ae3ad1a59a2c9f8dee09cc3553cb55cf60769174",
        "UN OCHA common operational dataset, CC BY-IGO (via mkhalidh/CrimDetect)",
    ),
)

LAYERS = {source.layer: source for source in SOURCES}


class BoundaryError(RuntimeError):
    """A boundary file could not be had or did not match its checksum."""

    def __init__(self, file_name: str, problem: str, fix: str):
        self.file_name = file_name
        self.problem = problem
        self.fix = fix
        super().__init__(f"{file_name}: {problem} {fix}")


def sha256_of(path: Path) -> str:
    """Return the hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def prepare(target_dir: Path | None = None, shared_dir: Path | None = None) -> list[Path]:
    """Make the boundary files available under ``target_dir``.

    Files already present with the right checksum are kept. Otherwise each is
    copied from ``shared_dir`` when it is there, else downloaded.

    Returns
    -------
    list of Path
        The prepared files.

    Raises
    ------
    BoundaryError
        When a file can be neither copied nor downloaded, or its sha256 differs.
    """
    target_dir = Path(target_dir or paths.BOUNDARIES_DIR)
    shared_dir = Path(shared_dir or paths.SHARED_BOUNDARIES_DIR)
    target_dir.mkdir(parents=True, exist_ok=True)
    prepared = []
    for source in SOURCES:
        target = target_dir / source.file_name
        if target.exists() and sha256_of(target) == source.sha256:
            prepared.append(target)
            continue
        partial = target.with_suffix(".part")
        local = shared_dir / source.file_name
        if local.exists():
            shutil.copyfile(local, partial)
        else:
            base = os.environ.get("FOOTPRINT_BOUNDARIES_URL")
            if not base:
                raise BoundaryError(
                    source.file_name,
                    f"is not in {shared_dir} and no download mirror is set.",
                    "Set FOOTPRINT_BOUNDARIES_URL to a base URL holding the GeoJSON files "
                    f"(decoded from {source.upstream}), or copy them into {shared_dir}.",
                )
            url = f"{base.rstrip('/')}/{source.file_name}"
            try:
                with (
                    urllib.request.urlopen(url, timeout=60) as response,
                    open(partial, "wb") as out,
                ):
                    shutil.copyfileobj(response, out)
            except OSError as error:
                partial.unlink(missing_ok=True)
                raise BoundaryError(
                    source.file_name,
                    f"could not be downloaded from {url} ({error}).",
                    f"Put a copy in {shared_dir} or set FOOTPRINT_BOUNDARIES_URL.",
                ) from error
        actual = sha256_of(partial)
        if actual != source.sha256:
            partial.unlink(missing_ok=True)
            raise BoundaryError(
                source.file_name,
                f"has sha256 {actual}, expected {source.sha256}.",
                "The source has changed: check it and update SOURCES in footprint/data/boundaries.py.",
            )
        partial.replace(target)
        prepared.append(target)
    return prepared


def available(target_dir: Path | None = None) -> bool:
    """Return True when every boundary file has been prepared."""
    target_dir = Path(target_dir or paths.BOUNDARIES_DIR)
    return all((target_dir / source.file_name).exists() for source in SOURCES)


def path_of(layer: str, target_dir: Path | None = None) -> Path:
    """Return the prepared file of a layer (``districts``, ``provinces`` or ``towns``)."""
    return Path(target_dir or paths.BOUNDARIES_DIR) / LAYERS[layer].file_name


@lru_cache(maxsize=8)
def read_layer(layer: str, target_dir: str | None = None):
    """Read one boundary layer as a GeoDataFrame in EPSG:4326.

    Invalid rings in the source (the districts bundle has a few) are repaired
    so that point-in-polygon tests are reliable. The result is cached per
    process; callers must not modify it.

    Raises
    ------
    BoundaryError
        When the layer has not been prepared.
    """
    import geopandas as gpd
    import shapely

    path = path_of(layer, Path(target_dir) if target_dir else None)
    if not path.exists():
        raise BoundaryError(
            path.name, "has not been prepared.", "Run `python -m footprint data` (or `make data`)."
        )
    with open(path, encoding="utf-8") as handle:
        collection = json.load(handle)
    records, geometries = [], []
    for feature in collection["features"]:
        records.append(feature.get("properties") or {})
        geometry = _shape(feature.get("geometry"))
        if geometry is not None and not geometry.is_valid:
            geometry = shapely.make_valid(geometry)
        geometries.append(geometry)
    return gpd.GeoDataFrame(records, geometry=geometries, crs="EPSG:4326")


def _clean_polygon(rings: list) -> list | None:
    # A ring needs four positions; the districts bundle has slivers of two or
    # three (an artefact of its TopoJSON decoding), which are dropped.
    if not rings or len(rings[0]) < 4:
        return None
    return [rings[0], *[ring for ring in rings[1:] if len(ring) >= 4]]


def _shape(geometry: dict | None):
    """Build a shapely geometry from GeoJSON, dropping degenerate rings."""
    import shapely

    if not geometry:
        return None
    if geometry["type"] == "Polygon":
        rings = _clean_polygon(geometry["coordinates"])
        geometry = {"type": "Polygon", "coordinates": rings} if rings else None
    elif geometry["type"] == "MultiPolygon":
        polygons = [p for p in (_clean_polygon(rings) for rings in geometry["coordinates"]) if p]
        geometry = {"type": "MultiPolygon", "coordinates": polygons} if polygons else None
    return shapely.geometry.shape(geometry) if geometry else None
