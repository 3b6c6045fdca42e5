"""Stage 1: the gazetteer: places, their hierarchy and an index of their names.

``data/gazetteer.csv`` has one row per place::

    place_id,name,aliases,kind,subkind,latitude,longitude,town,district,city,province,coord_source

``aliases`` are ``|``-separated; ``kind`` is one of :data:`KINDS`; ``town`` is
the Karachi 2001 town, ``district`` the 2023 district, ``province`` *Sindh* or
*Balochistan*. Each name and alias is normalised (:mod:`geocode.normalise`) into
a key; the alias index maps a key to every place that carries it, so that
lookups of exact names, aliases and n-grams of free text are dictionary hits.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from footprint import paths
from geocode.normalise import Normaliser

GAZETTEER_COLUMNS: tuple[str, ...] = (
    "place_id",
    "name",
    "aliases",
    "kind",
    "subkind",
    "latitude",
    "longitude",
    "town",
    "district",
    "city",
    "province",
    "coord_source",
)
#: Place kinds from the most to the least specific.
KINDS: tuple[str, ...] = ("landmark", "neighbourhood", "town", "district", "city", "province")
#: Kinds that are administrative areas (they can give context to other places).
ADMIN_KINDS: tuple[str, ...] = ("town", "district", "city", "province")
#: Landmark subkinds that are long lines rather than sites.
LINEAR_SUBKINDS: frozenset[str] = frozenset({"road", "highway", "street", "avenue", "railway"})
HIERARCHY_FIELDS: tuple[str, ...] = ("town", "district", "city", "province")

EARTH_RADIUS_KM = 6371.0088


class GazetteerError(ValueError):
    """The gazetteer file or frame does not have the expected form.

    Parameters
    ----------
    column : str
        The column at fault.
    value : object
        The offending value (or the columns found, for a missing column).
    fix : str
        What to change.
    place_id : str, optional
        The row's place, when the problem is in one row.
    """

    def __init__(self, column: str, value: object, fix: str, place_id: str | None = None):
        self.column = column
        self.value = value
        self.fix = fix
        self.place_id = place_id
        where = f"place {place_id}, " if place_id else ""
        super().__init__(f"gazetteer: {where}{column}: {value!r}. {fix}")


@dataclass(frozen=True)
class Place:
    """One gazetteer place and its administrative hierarchy."""

    place_id: str
    name: str
    kind: str
    latitude: float
    longitude: float
    aliases: tuple[str, ...] = ()
    subkind: str = ""
    town: str = ""
    district: str = ""
    city: str = ""
    province: str = ""
    coord_source: str = ""

    @property
    def is_linear(self) -> bool:
        """True for a landmark that is a line (a road): its point is only indicative."""
        return self.kind == "landmark" and self.subkind in LINEAR_SUBKINDS

    def hierarchy(self) -> dict[str, str]:
        """Return ``town, district, city, province`` with the place's own level filled.

        A town's ``town`` is its own name, a district's ``district`` its own
        name, and so on; fields the gazetteer leaves empty stay empty.
        """
        out = {name: getattr(self, name) or "" for name in HIERARCHY_FIELDS}
        if self.kind in HIERARCHY_FIELDS and not out[self.kind]:
            out[self.kind] = self.name
        return out


@dataclass(frozen=True)
class IndexEntry:
    """One name or alias of a place in the key index."""

    place: Place
    written: str
    is_name: bool


@dataclass(eq=False)
class Gazetteer:
    """Places and the index of their normalised names and aliases.

    Build one with :meth:`from_csv`, :meth:`from_frame` or :meth:`default`.

    Attributes
    ----------
    places : tuple of Place
    by_id : dict
        ``place_id -> Place``.
    index : dict
        Normalised key -> list of :class:`IndexEntry` (several places may share a key).
    keys_of : dict
        ``place_id ->`` the normalised keys of its name and aliases.
    position : dict
        ``place_id ->`` its row number (the last tie-break of the ranking).
    by_words : dict
        The words of each key of two or more words, sorted and joined -> those
        keys (to match names whose words come in another order).
    normaliser : Normaliser
    max_key_tokens : int
        The longest key, in words: the widest n-gram worth looking up.
    """

    places: tuple[Place, ...]
    normaliser: Normaliser
    by_id: dict[str, Place] = field(init=False)
    index: dict[str, list[IndexEntry]] = field(init=False)
    keys_of: dict[str, tuple[str, ...]] = field(init=False)
    position: dict[str, int] = field(init=False)
    by_words: dict[str, list[str]] = field(init=False)
    keys: tuple[str, ...] = field(init=False)
    max_key_tokens: int = field(init=False)

    def __post_init__(self) -> None:
        self.places = tidy_hierarchy(self.places)
        self.by_id = {}
        self.position = {place.place_id: i for i, place in enumerate(self.places)}
        for place in self.places:
            if place.place_id in self.by_id:
                raise GazetteerError(
                    "place_id", place.place_id, "Give every place its own place_id.", place.place_id
                )
            self.by_id[place.place_id] = place
        self.index = {}
        self.keys_of = {}
        for place in self.places:
            seen: set[str] = set()
            for written, is_name in [(place.name, True)] + [(a, False) for a in place.aliases]:
                key = self.normaliser.normalise(written)
                if not key or key in seen:
                    continue
                seen.add(key)
                self.index.setdefault(key, []).append(IndexEntry(place, written, is_name))
            self.keys_of[place.place_id] = tuple(seen)
        self.keys = tuple(self.index)
        self.by_words = {}
        for key in self.keys:
            words = key.split()
            if len(words) > 1:
                self.by_words.setdefault(" ".join(sorted(words)), []).append(key)
        self.max_key_tokens = max((len(k.split()) for k in self.keys), default=1)
        self._nearest_cache: dict[tuple[str, float], Place | None] = {}
        self._kind_arrays: dict[str, tuple[list[Place], np.ndarray, np.ndarray]] = {}

    # --- construction -----------------------------------------------------

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, normaliser: Normaliser | None = None) -> Gazetteer:
        """Build a gazetteer from a frame with the columns of :data:`GAZETTEER_COLUMNS`.

        ``aliases``, ``subkind``, the hierarchy columns and ``coord_source`` may
        be absent (they are then empty).

        Raises
        ------
        GazetteerError
            When a required column is missing, a kind is unknown, coordinates
            are missing or out of range, or a place_id repeats.
        """
        required = ("place_id", "name", "kind", "latitude", "longitude")
        missing = [c for c in required if c not in frame.columns]
        if missing:
            raise GazetteerError(
                missing[0],
                list(frame.columns),
                f"The gazetteer needs the columns {', '.join(GAZETTEER_COLUMNS)}.",
            )
        places = []
        for record in frame.to_dict("records"):
            places.append(_place_from_record(record))
        return cls(tuple(places), normaliser or Normaliser.default())

    @classmethod
    def from_csv(cls, path: str | Path, normaliser: Normaliser | None = None) -> Gazetteer:
        """Read a gazetteer CSV; see :meth:`from_frame`."""
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
        return cls.from_frame(frame, normaliser)

    @classmethod
    def default(cls) -> Gazetteer:
        """Return the gazetteer of ``data/gazetteer.csv`` (cached per process and file version)."""
        path = paths.GAZETTEER_CSV
        if not path.exists():
            raise GazetteerError(
                "path", str(path), "The gazetteer file is missing; it is data/gazetteer.csv."
            )
        stat = path.stat()
        return _default_gazetteer(str(path), stat.st_mtime_ns, stat.st_size)

    # --- lookups ----------------------------------------------------------

    def __len__(self) -> int:
        return len(self.places)

    def lookup(self, text: str, kinds: tuple[str, ...] | None = None) -> list[IndexEntry]:
        """Return the index entries whose key equals the normalised ``text``.

        Parameters
        ----------
        text : str
            A name as written; it is normalised here.
        kinds : tuple of str, optional
            Keep only places of these kinds.
        """
        entries = self.index.get(self.normaliser.normalise(text), [])
        if kinds is not None:
            entries = [e for e in entries if e.place.kind in kinds]
        return entries

    def _arrays(self, kind: str) -> tuple[list[Place], np.ndarray, np.ndarray]:
        if kind not in self._kind_arrays:
            chosen = [p for p in self.places if p.kind == kind]
            lat = np.radians(np.array([p.latitude for p in chosen], dtype="float64"))
            lon = np.radians(np.array([p.longitude for p in chosen], dtype="float64"))
            self._kind_arrays[kind] = (chosen, lat, lon)
        return self._kind_arrays[kind]

    def nearest(
        self, latitude: float, longitude: float, kind: str = "neighbourhood", max_km: float = 1.5
    ) -> tuple[Place | None, float | None]:
        """Return the nearest place of ``kind`` within ``max_km`` and its distance.

        Returns
        -------
        (Place or None, float or None)
            ``(None, None)`` when no place of that kind is close enough.
        """
        chosen, lat, lon = self._arrays(kind)
        if not chosen:
            return None, None
        distances = haversine_km(
            np.radians(latitude), np.radians(longitude), lat, lon, radians=True
        )
        best = int(np.argmin(distances))
        if distances[best] > max_km:
            return None, None
        return chosen[best], float(distances[best])

    def neighbourhood_of(self, place: Place, max_km: float = 1.5) -> str:
        """Return the neighbourhood a place lies in, as far as the gazetteer knows.

        A neighbourhood is its own; a site-like landmark takes the nearest
        neighbourhood place within ``max_km`` in the same city; anything else
        (roads, towns and larger) has none.
        """
        if place.kind == "neighbourhood":
            return place.name
        if place.kind != "landmark" or place.is_linear:
            return ""
        key = (place.place_id, max_km)
        if key not in self._nearest_cache:
            chosen, lat, lon = self._arrays("neighbourhood")
            found = None
            if chosen:
                distances = haversine_km(
                    np.radians(place.latitude), np.radians(place.longitude), lat, lon, radians=True
                )
                for i in np.argsort(distances):
                    if distances[i] > max_km:
                        break
                    other = chosen[int(i)]
                    if place.city and other.city and place.city != other.city:
                        continue
                    found = other
                    break
            self._nearest_cache[key] = found
        found = self._nearest_cache[key]
        return found.name if found is not None else ""


#: A city whose own places lie at least this share in one district lies inside it.
DISTRICT_SHARE = 0.75


def tidy_hierarchy(places: tuple[Place, ...]) -> tuple[Place, ...]:
    """Return the places with the hierarchy of administrative areas made consistent.

    A row's hierarchy columns say where its *point* lies; for an area they
    must say what *contains* it, or a city would seem to lie in the town of
    its centre point. So:

    - a province keeps only its province; a district or a city drops its town;
    - a city keeps its district only when at least :data:`DISTRICT_SHARE` of
      the places of that city lie in that district (Quetta lies in Quetta
      district); otherwise the city spans several districts (Karachi) and the
      district is dropped;
    - a district with no city gets the city that spans districts and holds at
      least :data:`DISTRICT_SHARE` of the district's places (Karachi South lies
      in Karachi).
    """
    members = [p for p in places if p.kind not in ("district", "city", "province")]
    districts_of_city: dict[str, Counter] = {}
    cities_of_district: dict[str, Counter] = {}
    for p in members:
        if p.city:
            districts_of_city.setdefault(p.city, Counter())[p.district] += 1
        if p.district:
            cities_of_district.setdefault(p.district, Counter())[p.city] += 1
    spanning: set[str] = set()
    out = []
    for p in places:
        if p.kind == "province":
            p = replace(p, town="", district="", city="", province=p.province or p.name)
        elif p.kind == "district":
            p = replace(p, town="")
        elif p.kind == "city":
            p = replace(p, town="")
            counts = districts_of_city.get(p.city or p.name)
            if counts and p.district:
                if counts[p.district] / sum(counts.values()) < DISTRICT_SHARE:
                    spanning.add(p.city or p.name)
                    p = replace(p, district="")
        out.append(p)
    for i, p in enumerate(out):
        if p.kind == "district" and not p.city:
            counts = cities_of_district.get(p.district or p.name)
            if counts:
                city, count = counts.most_common(1)[0]
                if city in spanning and count / sum(counts.values()) >= DISTRICT_SHARE:
                    out[i] = replace(p, city=city)
    return tuple(out)


def haversine_km(lat1, lon1, lat2, lon2, radians: bool = False):
    """Return great-circle distances in km (numpy broadcasting).

    Parameters
    ----------
    lat1, lon1, lat2, lon2 : float or array
        Coordinates in degrees, or in radians when ``radians`` is True.
    """
    if not radians:
        lat1, lon1, lat2, lon2 = (
            np.radians(np.asarray(v, dtype="float64")) for v in (lat1, lon1, lat2, lon2)
        )
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _text(record: dict, column: str) -> str:
    value = record.get(column, "")
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def _place_from_record(record: dict) -> Place:
    place_id = _text(record, "place_id")
    if not place_id:
        raise GazetteerError("place_id", record.get("place_id"), "Every place needs a place_id.")
    name = _text(record, "name")
    if not name:
        raise GazetteerError("name", name, "Every place needs a name.", place_id)
    kind = _text(record, "kind").lower()
    if kind not in KINDS:
        raise GazetteerError("kind", kind, f"Use one of: {', '.join(KINDS)}.", place_id)
    coordinates = []
    for column, limit in (("latitude", 90.0), ("longitude", 180.0)):
        try:
            value = float(_text(record, column))
        except ValueError:
            value = float("nan")
        if not np.isfinite(value) or abs(value) > limit:
            raise GazetteerError(
                column,
                record.get(column),
                f"Give a decimal {column} in WGS84 (between -{limit:g} and {limit:g}).",
                place_id,
            )
        coordinates.append(value)
    aliases = tuple(a.strip() for a in _text(record, "aliases").split("|") if a.strip())
    return Place(
        place_id=place_id,
        name=name,
        kind=kind,
        latitude=coordinates[0],
        longitude=coordinates[1],
        aliases=aliases,
        subkind=_text(record, "subkind").lower(),
        town=_text(record, "town"),
        district=_text(record, "district"),
        city=_text(record, "city"),
        province=_text(record, "province"),
        coord_source=_text(record, "coord_source"),
    )


@lru_cache(maxsize=2)
def _default_gazetteer(path: str, mtime_ns: int, size: int) -> Gazetteer:
    return Gazetteer.from_csv(path)
