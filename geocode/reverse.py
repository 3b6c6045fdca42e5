"""Stage 6: reverse geocoding: a point's town, district, province and nearest neighbourhood.

Town (Karachi's 2001 towns), district (2023) and province come from the
boundary polygons of :func:`footprint.data.boundaries.read_layer`; the neighbourhood
is the nearest gazetteer neighbourhood within ``max_distance_km`` (2 km by
default), with its great-circle distance. Points are tested against the
polygons through shapely ``STRtree`` indexes, one vectorised query per layer
for each block of :data:`REVERSE_BLOCK` points, so
:meth:`ReverseGeocoder.reverse_many` handles many points at once in bounded
memory.

A point outside every polygon (at sea, outside Pakistan) gets an empty
hierarchy. Town names are given as the gazetteer spells them when it has the
town (the polygons say *Liyari Town* and *Kemari Town*), else as the polygon
does. ``city`` is the nearest neighbourhood's city, or *Karachi* for a point in
a district of the Karachi division; otherwise it is empty.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from geocode.gazetteer import Gazetteer, haversine_km

DEFAULT_MAX_DISTANCE_KM = 2.0
#: Points reverse-geocoded at a time by :meth:`ReverseGeocoder.reverse_columns`.
REVERSE_BLOCK = 50_000


@dataclass(frozen=True)
class ReverseResult:
    """What is known about a point.

    Attributes
    ----------
    latitude, longitude : float
        The point, as given.
    neighbourhood, neighbourhood_place_id : str or None
        The nearest gazetteer neighbourhood within the distance limit.
    distance_km : float or None
        The great-circle distance to that neighbourhood's point.
    town, district, city, province : str or None
    """

    latitude: float
    longitude: float
    neighbourhood: str | None = None
    neighbourhood_place_id: str | None = None
    distance_km: float | None = None
    town: str | None = None
    district: str | None = None
    city: str | None = None
    province: str | None = None

    def to_dict(self) -> dict:
        """Return the result as a plain dict."""
        return asdict(self)


class _Layer:
    """One boundary layer: names, extra properties and an STRtree."""

    def __init__(self, frame, name_column: str = "name"):
        import shapely

        keep = frame[frame.geometry.notna()].reset_index(drop=True)
        self.names = [str(v) for v in keep[name_column]]
        self.frame = keep
        self.geometries = np.asarray(keep.geometry.values, dtype=object)
        self.areas = shapely.area(self.geometries)
        shapely.prepare(self.geometries)
        self.tree = shapely.STRtree(self.geometries)

    def locate(self, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """Return, per point, the index of the smallest polygon holding it (-1 for none).

        The STRtree narrows each point to the polygons whose bounding box holds
        it; each polygon is then tested once against all its points with
        prepared ``contains_xy``, which is much faster than a predicate query
        on polygons of thousands of vertices.
        """
        import shapely

        out = np.full(lons.size, -1, dtype="int64")
        if lons.size == 0:
            return out
        point_idx, poly_idx = self.tree.query(shapely.points(lons, lats))
        if point_idx.size == 0:
            return out
        best_area = np.full(lons.size, np.inf)
        for poly in np.unique(poly_idx):
            rows = point_idx[poly_idx == poly]
            inside = shapely.contains_xy(self.geometries[poly], lons[rows], lats[rows])
            rows = rows[inside & (self.areas[poly] < best_area[rows])]
            out[rows] = poly
            best_area[rows] = self.areas[poly]
        return out


class ReverseGeocoder:
    """Find the town, district, province and nearest neighbourhood of points.

    Parameters
    ----------
    gazetteer : Gazetteer, optional
        For neighbourhoods and town spellings; :meth:`Gazetteer.default` when omitted.
    boundaries_dir : str or Path, optional
        Where the prepared boundary files are; ``data/boundaries/`` by default.
    max_distance_km : float
        The default distance limit for the nearest neighbourhood.

    Raises
    ------
    footprint.data.boundaries.BoundaryError
        On first use, when the boundary files have not been prepared.
    """

    def __init__(
        self,
        gazetteer: Gazetteer | None = None,
        boundaries_dir=None,
        max_distance_km: float = DEFAULT_MAX_DISTANCE_KM,
    ):
        self.gazetteer = gazetteer if gazetteer is not None else Gazetteer.default()
        self.boundaries_dir = str(boundaries_dir) if boundaries_dir else None
        self.max_distance_km = float(max_distance_km)
        self._layers: dict[str, _Layer] = {}
        self._neighbourhoods = None
        self._town_names: dict[str, str] = {}

    # --- loading ----------------------------------------------------------

    def _layer(self, name: str) -> _Layer:
        if name not in self._layers:
            from footprint.data import boundaries

            self._layers[name] = _Layer(boundaries.read_layer(name, self.boundaries_dir))
        return self._layers[name]

    def _neighbourhood_index(self):
        if self._neighbourhoods is None:
            import shapely

            places = [p for p in self.gazetteer.places if p.kind == "neighbourhood"]
            lat = np.array([p.latitude for p in places], dtype="float64")
            lon = np.array([p.longitude for p in places], dtype="float64")
            tree = shapely.STRtree(shapely.points(lon, lat)) if places else None
            self._neighbourhoods = (places, lat, lon, tree)
        return self._neighbourhoods

    def _town_name(self, polygon_name: str) -> str:
        if polygon_name not in self._town_names:
            found = self.gazetteer.lookup(polygon_name, kinds=("town",))
            if not found and polygon_name.lower().endswith(" town"):
                found = self.gazetteer.lookup(polygon_name[: -len(" town")], kinds=("town",))
            self._town_names[polygon_name] = found[0].place.name if found else polygon_name
        return self._town_names[polygon_name]

    # --- queries ----------------------------------------------------------

    def reverse(
        self, latitude: float, longitude: float, max_distance_km: float | None = None
    ) -> ReverseResult:
        """Reverse-geocode one point; see :meth:`reverse_many`."""
        return self.reverse_many([latitude], [longitude], max_distance_km)[0]

    def reverse_many(
        self, latitudes, longitudes, max_distance_km: float | None = None
    ) -> list[ReverseResult]:
        """Reverse-geocode many points at once.

        Parameters
        ----------
        latitudes, longitudes : array-like of float
            WGS84 degrees, the same length; NaN gives an empty result.
        max_distance_km : float, optional
            The neighbourhood distance limit; the geocoder's default when omitted.

        Returns
        -------
        list of ReverseResult
            One per point, in order.
        """

        columns = {
            name: values.tolist()
            for name, values in self.reverse_columns(latitudes, longitudes, max_distance_km).items()
        }
        return [
            ReverseResult(**{name: values[i] for name, values in columns.items()})
            for i in range(len(columns["latitude"]))
        ]

    def reverse_columns(
        self, latitudes, longitudes, max_distance_km: float | None = None
    ) -> dict[str, np.ndarray]:
        """Reverse-geocode many points at once, as columns: no object per point.

        Returns
        -------
        dict
            :class:`ReverseResult`'s fields, each an array with one value per
            point (``latitude``, ``longitude`` float; ``distance_km`` object,
            None without a neighbourhood; the names object, None when unknown).
        """
        lat = np.asarray(latitudes, dtype="float64").ravel()
        lon = np.asarray(longitudes, dtype="float64").ravel()
        if lat.shape != lon.shape:
            raise ValueError(
                f"{lat.size} latitudes but {lon.size} longitudes: give one of each per point."
            )
        limit = self.max_distance_km if max_distance_km is None else float(max_distance_km)
        valid = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
        live = np.flatnonzero(valid)
        towns = self._layer("towns")
        districts = self._layer("districts")
        provinces = self._layer("provinces")
        town_idx = np.full(lat.size, -1, dtype="int64")
        district_idx = np.full(lat.size, -1, dtype="int64")
        province_idx = np.full(lat.size, -1, dtype="int64")
        near_idx = np.full(lat.size, -1, dtype="int64")
        near_dist = np.full(lat.size, np.inf)
        # A block of points at a time: each query holds a shapely point per
        # point and, for the neighbourhoods, every (point, place) pair within
        # the limit (dozens per point in central Karachi), which for all of a
        # 1.3M-row upload's points at once took about a gigabyte.
        for start in range(0, live.size, REVERSE_BLOCK):
            block = live[start : start + REVERSE_BLOCK]
            town_idx[block] = towns.locate(lon[block], lat[block])
            district_idx[block] = districts.locate(lon[block], lat[block])
            province_idx[block] = provinces.locate(lon[block], lat[block])
            near_idx[block], near_dist[block] = self._nearest(lat[block], lon[block], limit)
        places = self._neighbourhood_index()[0]
        district_division = (
            districts.frame["division"].astype(str).tolist()
            if "division" in districts.frame
            else None
        )

        def pick(names: list, index: np.ndarray) -> np.ndarray:
            table = np.empty(len(names) + 1, dtype=object)
            table[: len(names)] = names
            table[-1] = None  # index -1: none
            return table[index]

        has_hood = near_idx >= 0
        hood_city = pick([p.city or None for p in places], near_idx)
        city = hood_city.copy()
        if district_division is not None:
            in_karachi = pick(
                ["Karachi" if d == "Karachi" else None for d in district_division], district_idx
            )
            fill = (city == None) & (in_karachi != None)  # noqa: E711 - element-wise
            city[fill] = in_karachi[fill]
        distance = np.empty(lat.size, dtype=object)
        distance[:] = None
        if has_hood.any():
            distance[has_hood] = [round(float(d), 3) for d in near_dist[has_hood]]
        return {
            "latitude": lat.astype(float),
            "longitude": lon.astype(float),
            "neighbourhood": pick([p.name for p in places], near_idx),
            "neighbourhood_place_id": pick([p.place_id for p in places], near_idx),
            "distance_km": distance,
            "town": pick([self._town_name(name) for name in towns.names], town_idx),
            "district": pick(list(districts.names), district_idx),
            "city": city,
            "province": pick(list(provinces.names), province_idx),
        }

    def _nearest(self, lat: np.ndarray, lon: np.ndarray, limit: float):
        """Return per point the index of the nearest neighbourhood within ``limit`` km, and its distance.

        ``lat`` and ``lon`` are valid points (finite, in range).
        """
        import shapely

        best = np.full(lat.size, -1, dtype="int64")
        dist = np.full(lat.size, np.inf)
        places, plat, plon, tree = self._neighbourhood_index()
        if tree is None or lat.size == 0 or limit <= 0:
            return best, dist
        # A degree radius that surely covers `limit` km at these latitudes.
        top = min(float(np.max(np.abs(lat))) + 1.0, 89.0)
        radius = limit / (111.0 * np.cos(np.radians(top)))
        rows, place_idx = tree.query(shapely.points(lon, lat), predicate="dwithin", distance=radius)
        if rows.size == 0:
            return best, dist
        d = haversine_km(lat[rows], lon[rows], plat[place_idx], plon[place_idx])
        keep = d <= limit
        rows, place_idx, d = rows[keep], place_idx[keep], d[keep]
        order = np.lexsort((d, rows))
        rows, place_idx, d = rows[order], place_idx[order], d[order]
        first = np.ones(rows.size, dtype=bool)
        first[1:] = rows[1:] != rows[:-1]
        best[rows[first]] = place_idx[first]
        dist[rows[first]] = d[first]
        return best, dist
