"""Place uploaded rows: geocode the ones without coordinates, refine centroid stacks.

Three things happen, in this order, to rows that have no error:

1. **Centroid stacks.** UCDP, GTD and PBC put almost every Karachi event on one
   point. A row is *on a centroid* when its point is within
   :data:`CITY_CENTRE_KM` of a gazetteer city's point (exactly on it, within
   :data:`EXACT_KM`, for rows that claim site or neighbourhood precision), or
   when at least :data:`STACK_MIN_ROWS` rows of the file share the point
   (to 4 decimals, ~10 m) while claiming town precision or finer, or city
   precision. Such a row
   is city-level whatever its source says (its precision becomes ``city``;
   rows of district or province precision are left as they are).
2. **Precision upgrades.** A row on a centroid whose place text the geocoder
   resolves to something finer than a city (a neighbourhood, a town, a site),
   no further than :data:`MAX_SHIFT_KM` from the point, moves to that place.
   When the place text names nothing finer, the other text fields of
   :data:`UPGRADE_FIELDS` (``target``, then ``summary``) are read the same
   way; the field and the words matched are kept in ``notes`` as evidence
   (``place from target1: "Korangi"``) and counted in
   :attr:`PlacementStats.upgraded_from`.
   Its first coordinates and precision go to ``original_latitude``,
   ``original_longitude`` and ``original_geo_precision``; the match to
   ``geo_matched_name``, ``geo_matched_alias`` and ``geo_score``.
3. **Geocoding.** A row without coordinates is placed from its place text
   (``location_text``, else neighbourhood, town, city or district), with its
   city as context (else its district, else its province). Text that matches nothing leaves the row
   unplaced (the required-field check then refuses it): never a silent city centre.

Finally each placed row's neighbourhood, town, district, city and province
are filled from its point (reverse geocoding), each level only when the
row's precision is at least that fine (a city-level point says nothing about
its district). A row whose point lies in another province than the one it
names gets a warning.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from footprint.data import schema
from footprint.importers.base import combine
from footprint.importers.checks import Problem

#: A point this close to a gazetteer city's point is on the city centre (km).
CITY_CENTRE_KM = 1.0
#: Rows claiming site or neighbourhood precision count as on the centre only this close (km).
EXACT_KM = 0.05
#: This many rows on one point (with town precision or finer) make a stack.
STACK_MIN_ROWS = 5
#: A refined place further than this from the given point is not trusted (km).
MAX_SHIFT_KM = 60.0
#: Geocoder scores below this get a warning (0-100).
LOW_SCORE = 70.0

RANK = schema.GEO_PRECISION_RANK
_CITY = RANK["city"]


@dataclass
class PlacementStats:
    """What the geocoding step did."""

    geocoded: int = 0
    not_found: int = 0
    on_centroid: int = 0
    precision_upgraded: int = 0
    #: Rows upgraded, by the field whose text placed them (``location_text``, ``target``...).
    upgraded_from: dict[str, int] = field(default_factory=dict)
    stacks: list[tuple[float, float, int]] = field(default_factory=list)


def default_geocoder():
    """Return the gazetteer geocoder, or None when it cannot be loaded."""
    try:
        from geocode import Geocoder

        return Geocoder.default()
    except Exception:  # noqa: BLE001 - any failure means "no geocoder"; the pipeline says so
        return None


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km (arrays broadcast)."""
    lat1, lon1, lat2, lon2 = (
        np.radians(np.asarray(v, dtype="float64")) for v in (lat1, lon1, lat2, lon2)
    )
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 6371.0088 * 2 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def _nearest_centre_km(lat, lon, c_lat, c_lon, within_km: float) -> np.ndarray:
    """Each point's distance to its nearest city point, where that is at most ``within_km``.

    Points farther than ``within_km`` from every city get ``inf``. Only the
    points in a band of latitude around each city are measured (points sorted
    by latitude once, each band found by binary search): a million points by
    fifty cities would otherwise be fifty million distances.
    """
    nearest = np.full(lat.size, np.inf)
    order = np.argsort(lat, kind="stable")
    by_lat = lat[order]
    # a degree of latitude is at least 110.5 km; the band is a little wider than needed
    band = within_km / 110.0
    low = np.searchsorted(by_lat, c_lat - band, side="left")
    high = np.searchsorted(by_lat, c_lat + band, side="right")
    for city in np.flatnonzero(high > low):
        rows = order[low[city] : high[city]]
        km = haversine_km(lat[rows], lon[rows], c_lat[city], c_lon[city])
        nearest[rows] = np.minimum(nearest[rows], km)
    nearest[nearest > within_km] = np.inf
    return nearest


def city_centres(geocoder) -> tuple[np.ndarray, np.ndarray]:
    """Return the latitudes and longitudes of the geocoder's city points."""
    places = getattr(getattr(geocoder, "gazetteer", None), "places", ()) or ()
    cities = [p for p in places if p.kind == "city"]
    return (
        np.array([p.latitude for p in cities], dtype="float64"),
        np.array([p.longitude for p in cities], dtype="float64"),
    )


def _text(value) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    value = str(value).strip()
    return value or None


def _query(record: dict) -> tuple[str | None, dict | None]:
    text = None
    for column in ("location_text", "neighbourhood", "town", "city", "district"):
        text = _text(record.get(column))
        if text:
            break
    # One level only, the finest given: a name the gazetteer does not know
    # (UCDP's "Karachi district") would otherwise sink every match.
    for level in ("city", "district", "province"):
        value = _text(record.get(level))
        if value and value != text:
            return text, {level: value}
    return text, None


def _geocode_unique(geocoder, queries: list[tuple[str, dict | None]]) -> dict:
    """Geocode distinct (text, context) pairs once each; return {pair key: result}."""
    keys, texts, contexts = [], [], []
    seen = set()
    for text, context in queries:
        key = (text, tuple(sorted(context.items())) if context else None)
        if key in seen:
            continue
        seen.add(key)
        keys.append(key)
        texts.append(text)
        contexts.append(context)
    if not texts:
        return {}
    if hasattr(geocoder, "geocode_many"):
        results = geocoder.geocode_many(texts, contexts)
    else:
        results = [geocoder.geocode(t, context=c) for t, c in zip(texts, contexts, strict=True)]
    return dict(zip(keys, results, strict=True))


def _key(text, context):
    return (text, tuple(sorted(context.items())) if context else None)


def place_rows(
    frame: pd.DataFrame,
    geocoder,
    columns: dict[str, str],
    blocked: set[int],
    progress: Callable[[float, str], None] | None = None,
) -> tuple[pd.DataFrame, list[Problem], PlacementStats]:
    """Geocode, refine and reverse-geocode the rows of a mapped frame.

    Parameters
    ----------
    frame : DataFrame
        Mapped rows (contract and provenance columns, ``_line``).
    geocoder : object or None
        Anything with ``geocode(text, context=...)`` returning objects with
        the :class:`geocode.GeocodeResult` fields (``geocode_many`` and
        ``reverse_many`` are used when present). None skips placing.
    columns : dict
        Contract column -> file column, for messages.
    blocked : set of int
        Lines that already have an error: they are left alone.
    progress : callable, optional
        ``progress(fraction, message)``.

    Returns
    -------
    (frame, problems, stats)
    """
    stats = PlacementStats()
    problems: list[Problem] = []
    if geocoder is None or frame.empty:
        return frame.copy(), problems, stats
    # Work on plain arrays (setting pandas cells one by one costs ~50 us
    # each, minutes on 100,000 rows) and build the frame once at the end.
    col = {c: _objects(frame[c]) for c in _TEXT_COLUMNS}
    num = {
        c: pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype="float64", copy=True)
        for c in _FLOAT_COLUMNS
    }
    lat, lon = num["latitude"], num["longitude"]
    lines = frame["_line"].to_numpy()
    ok = ~np.isin(lines, list(blocked)) if blocked else np.ones(len(frame), dtype=bool)
    precision = col["geo_precision"]
    has_point = ok & ~np.isnan(lat) & ~np.isnan(lon)
    rank = _ranks(precision)

    # 1. centroid stacks
    on_centroid = np.zeros(len(frame), dtype=bool)
    c_lat, c_lon = city_centres(geocoder)
    if c_lat.size and has_point.any():
        idx = np.flatnonzero(has_point)
        nearest = _nearest_centre_km(lat[idx], lon[idx], c_lat, c_lon, CITY_CENTRE_KM)
        limit = np.where(rank[idx] <= RANK["neighbourhood"], EXACT_KM, CITY_CENTRE_KM)
        eligible = (rank[idx] <= RANK["town"]) | (rank[idx] == _CITY)
        on_centroid[idx[(nearest <= limit) & eligible]] = True
    stackable = has_point & ((rank <= RANK["town"]) | (rank == _CITY))
    if stackable.any():
        rows = np.flatnonzero(stackable)
        points = pd.DataFrame({"lat": np.round(lat[rows], 4), "lon": np.round(lon[rows], 4)})
        grouped = points.groupby(["lat", "lon"])
        sizes = grouped.size()
        big = sizes[sizes >= STACK_MIN_ROWS]
        if not big.empty:
            stats.stacks = [
                (float(a), float(b), int(n))
                for (a, b), n in big.sort_values(ascending=False).items()
            ]
            # each row's point by its group's number (groups in the order of ``sizes``)
            in_stack = (sizes.to_numpy() >= STACK_MIN_ROWS)[grouped.ngroup().to_numpy()]
            on_centroid[rows[in_stack]] = True
    stats.on_centroid = int(on_centroid.sum())
    relabel = on_centroid & (rank < _CITY)
    col["original_geo_precision"][relabel] = precision[relabel]
    precision[on_centroid] = "city"
    if progress:
        progress(0.1, "Looking for events stacked on a city centre")

    # 2 and 3: geocode the refinable and the unplaced rows, each distinct text once.
    # Rows are handled a distinct query at a time, as arrays: a million-row
    # file has a few thousand distinct place texts.
    given = {c: col[c].copy() for c in ("city", "province")}
    given_named = {
        c: _per_value(lambda v: _text(v) is not None, given[c]).astype(bool) for c in given
    }
    need = np.flatnonzero(ok & ~has_point)
    refine = np.flatnonzero(on_centroid)
    asked = np.concatenate([need, refine])
    if asked.size:
        # each distinct combination of place columns once (files repeat places)
        codes, first = combine([col[c][asked] for c in _QUERY_COLUMNS])
        queries = [_query({c: col[c][asked[k]] for c in _QUERY_COLUMNS}) for k in first]
    else:
        codes, queries = np.zeros(0, dtype=np.int64), []
    answers = _Answers.of(geocoder, [query if query[0] else None for query in queries])
    if progress:
        progress(0.6, f"Geocoded {answers.distinct} distinct place texts")

    def put(rows: np.ndarray, codes: np.ndarray, answers: _Answers) -> None:
        """Move ``rows`` to ``answers`` (one per row, by number: ``codes``)."""
        lat[rows], lon[rows] = answers.lat[codes], answers.lon[codes]
        precision[rows] = answers.precision[codes]
        col["geo_matched_name"][rows] = answers.name[codes]
        col["geo_matched_alias"][rows] = answers.alias[codes]
        num["geo_score"][rows] = answers.score[codes]
        for level in ("neighbourhood", "town", "district"):
            named = answers.named[level][codes]
            col[level][rows[named]] = answers.levels[level][codes[named]]
        for level in ("city", "province"):
            # the file's own city and province stay
            named = answers.named[level][codes] & ~given_named[level][rows]
            col[level][rows[named]] = answers.levels[level][codes[named]]

    location_column = columns.get("location_text", "location_text")
    need_codes = codes[: need.size]
    found = answers.found[need_codes]
    stats.not_found += int((~found).sum())
    stats.geocoded += int(found.sum())
    put(need[found], need_codes[found], answers)
    low = found & (answers.score[need_codes] < LOW_SCORE)
    for i, code in zip(need[low].tolist(), need_codes[low].tolist(), strict=True):
        problems.append(
            Problem(
                int(lines[i]),
                location_column,
                queries[code][0][:120],
                f"placed at {answers.name[code]} ({answers.precision[code]}) with a low match "
                f"score ({answers.score[code]:.0f}/100).",
                "Check the place; add coordinates or a clearer place name if it is wrong.",
                "warning",
            )
        )
    upgraded = np.zeros(len(frame), dtype=bool)
    notes = _objects(frame["notes"]) if "notes" in frame else None

    def upgrade(
        rows: np.ndarray, codes: np.ndarray, answers: _Answers, field_name: str, texts: list
    ) -> None:
        """Move the ``rows`` whose answer (by ``codes``) is finer than a city and near."""
        finer = answers.found[codes] & (answers.rank[codes] < _CITY)
        rows, codes = rows[finer], codes[finer]
        shift = haversine_km(lat[rows], lon[rows], answers.lat[codes], answers.lon[codes])
        far = shift > MAX_SHIFT_KM
        for i, code, km in zip(
            rows[far].tolist(), codes[far].tolist(), shift[far].tolist(), strict=True
        ):
            problems.append(
                Problem(
                    int(lines[i]),
                    columns.get(field_name, field_name),
                    texts[code][:120],
                    f"the place text matches {answers.name[code]}, {km:.0f} km from the row's "
                    "city-centre point, so the point was kept.",
                    "Check the place text and the coordinates.",
                    "warning",
                )
            )
        rows, codes = rows[~far], codes[~far]
        if not rows.size:
            return
        first_move = rows[np.isnan(num["original_latitude"][rows])]
        num["original_latitude"][first_move] = lat[first_move]
        num["original_longitude"][first_move] = lon[first_move]
        original = col["original_geo_precision"]
        unset = np.fromiter((v is None for v in original[rows]), dtype=bool, count=rows.size)
        original[rows[unset]] = "city"
        put(rows, codes, answers)
        upgraded[rows] = True
        stats.precision_upgraded += int(rows.size)
        stats.upgraded_from[field_name] = stats.upgraded_from.get(field_name, 0) + int(rows.size)
        if notes is not None and field_name != "location_text":
            label = columns.get(field_name, field_name)
            for i, code in zip(rows.tolist(), codes.tolist(), strict=True):
                evidence = f'place from {label}: "{answers.alias[code]}"'
                notes[i] = f"{notes[i]}; {evidence}" if _text(notes[i]) else evidence

    upgrade(refine, codes[need.size :], answers, "location_text", [q[0] for q in queries])
    # Rows still on a centre: the place is often named elsewhere than the
    # place column ("Korangi police station" as the target, "workers of
    # Landhi" in the summary). Each further text field is tried in turn.
    city_text, province_text = (_per_value(_text, given[c]) for c in ("city", "province"))
    province_text[given_named["city"]] = None  # the context is the city when there is one
    for field_name in UPGRADE_FIELDS:
        if field_name not in frame:
            continue
        texts = _per_value(
            lambda v: (_text(v) or "")[:MAX_UPGRADE_TEXT] or None, _objects(frame[field_name])
        )
        left = refine[~upgraded[refine] & texts[refine].astype(bool)]
        if not left.size:
            continue
        field_codes, first = combine([texts[left], city_text[left], province_text[left]])
        field_queries = [(texts[i], _context_of(col, given, i)) for i in left[first].tolist()]
        upgrade(
            left,
            field_codes,
            _Answers.of(geocoder, field_queries),
            field_name,
            [query[0] for query in field_queries],
        )
    if notes is not None:
        col["notes"] = notes
    if progress:
        progress(0.8, "Filling districts and provinces from the points")
    problems.extend(_reverse_fill(col, lat, lon, lines, geocoder, ok, columns))
    out = frame.copy(deep=False)  # the columns set below replace the frame's own
    for c, values in col.items():
        out[c] = pd.Series(values, index=out.index, dtype=object)
    for c, values in num.items():
        out[c] = values
    return out, problems, stats


class _Answers:
    """The geocoder's answer to each distinct query, field by field as arrays.

    Indexed by query number; rows carry the number of their query, so a
    field of every row is one fancy index (``answers.lat[codes]``).
    """

    def __init__(self, results: list, distinct: int | None = None):
        #: How many distinct queries the geocoder answered.
        self.distinct = len(results) if distinct is None else distinct
        self.found = np.array(
            [r is not None and r.resolved and r.latitude is not None for r in results], dtype=bool
        )
        kept = [r if ok else None for r, ok in zip(results, self.found, strict=True)]

        def floats(get) -> np.ndarray:
            return np.array(
                [np.nan if r is None or get(r) is None else float(get(r)) for r in kept],
                dtype="float64",
            )

        def texts(get) -> np.ndarray:
            values = np.empty(len(kept), dtype=object)
            values[:] = [None if r is None else get(r) for r in kept]
            return values

        self.lat = floats(lambda r: r.latitude)
        self.lon = floats(lambda r: r.longitude)
        self.score = floats(lambda r: r.score)
        self.precision = texts(lambda r: r.geo_precision)
        self.rank = np.array(
            [_CITY if r is None else RANK.get(r.geo_precision, _CITY) for r in kept], dtype=np.int64
        )
        self.name = texts(lambda r: r.name)
        self.alias = texts(lambda r: r.matched_alias)
        self.levels = {level: texts(lambda r, k=level: getattr(r, k, None)) for level in _LEVELS}
        self.named = {level: values.astype(bool) for level, values in self.levels.items()}

    @classmethod
    def of(cls, geocoder, queries: list) -> _Answers:
        """Geocode ``queries`` (``(text, context)`` or None), each distinct one once."""
        asked = [query for query in queries if query is not None]
        results = _geocode_unique(geocoder, asked)
        return cls(
            [None if query is None else results.get(_key(*query)) for query in queries],
            distinct=len(results),
        )


def _objects(series: pd.Series) -> np.ndarray:
    """A column as a new object array, as ``to_numpy(dtype=object)`` gives it.

    A text column (pandas' ``str``) gives one Python string per distinct
    value, shared by the rows that hold it, rather than one per row: a
    million rows of a few thousand places then take megabytes, not hundreds.
    """
    if not isinstance(series.dtype, pd.StringDtype):
        return series.to_numpy(dtype=object, copy=True)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    table = np.empty(len(uniques) + 1, dtype=object)
    table[: len(uniques)] = list(uniques)
    table[-1] = series.dtype.na_value  # what to_numpy gives for a missing value
    return table[codes]


def _per_value(function, values: np.ndarray) -> np.ndarray:
    """``function`` of each distinct value once, spread back per row (an object array)."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    table = np.empty(len(uniques) + 1, dtype=object)
    table[: len(uniques)] = [function(u) for u in uniques]
    table[-1] = function(None)
    return table[codes]


def _ranks(precision: np.ndarray) -> np.ndarray:
    """The precision rank of each row (city for an unknown or missing precision)."""
    return _per_value(
        lambda p: RANK.get(p, _CITY) if isinstance(p, str) else _CITY, precision
    ).astype(np.int64)


_QUERY_COLUMNS = ("location_text", "neighbourhood", "town", "city", "district", "province")
#: Further text fields a city-centre row is upgraded from, in this order, when
#: its place text names no finer place. Each is read as free text.
UPGRADE_FIELDS = ("target", "summary")
#: Characters of a free-text field given to the geocoder.
MAX_UPGRADE_TEXT = 400


def _context_of(col: dict, given: dict, i: int) -> dict | None:
    for level in ("city", "province"):
        value = _text(given[level][i])
        if value:
            return {level: value}
    return None


_TEXT_COLUMNS = (
    *_QUERY_COLUMNS,
    "geo_precision",
    "original_geo_precision",
    "geo_matched_name",
    "geo_matched_alias",
)
_FLOAT_COLUMNS = ("latitude", "longitude", "original_latitude", "original_longitude", "geo_score")
_LEVELS = ("neighbourhood", "town", "district", "city", "province")


def _reverse_fill(col, lat, lon, lines, geocoder, ok, columns) -> list[Problem]:
    """Fill admin levels in ``col`` from each point, as far as its precision allows."""
    if not hasattr(geocoder, "reverse_many") and not hasattr(geocoder, "reverse"):
        return []
    placed = np.flatnonzero(ok & ~np.isnan(lat) & ~np.isnan(lon))
    if placed.size == 0:
        return []
    points = pd.DataFrame({"lat": np.round(lat[placed], 5), "lon": np.round(lon[placed], 5)})
    codes, unique = pd.factorize(pd.MultiIndex.from_frame(points))
    u_lat = np.array([p[0] for p in unique], dtype="float64")
    u_lon = np.array([p[1] for p in unique], dtype="float64")
    try:
        if hasattr(geocoder, "reverse_columns"):
            columns_found = geocoder.reverse_columns(u_lat, u_lon)
            found = {level: columns_found[level] for level in _LEVELS}
        else:
            if hasattr(geocoder, "reverse_many"):
                answers = geocoder.reverse_many(u_lat, u_lon)
            else:
                answers = [geocoder.reverse(a, b) for a, b in zip(u_lat, u_lon, strict=True)]
            found = {
                level: np.array([getattr(a, level, None) for a in answers], dtype=object)
                for level in _LEVELS
            }
    except Exception:  # noqa: BLE001 - boundary files missing: keep the source's own names
        return []
    rank = _ranks(col["geo_precision"][placed])
    problems = []
    province_column = columns.get("province", "province")
    for level in _LEVELS:
        value = found[level][codes]
        current = col[level][placed]
        usable = (rank <= RANK[level]) & _per_value(bool, found[level]).astype(bool)[codes]
        if level == "neighbourhood":
            usable &= ~_per_value(lambda v: bool(_text(v)), current).astype(bool)
        if level == "province":
            has_text = _per_value(lambda v: bool(_text(v)), current).astype(bool)
            differ = usable & has_text & (current != value)
            for k in np.flatnonzero(differ):
                problems.append(
                    Problem(
                        int(lines[placed[k]]),
                        province_column,
                        current[k],
                        f"the point lies in {value[k]}, but the row says {current[k]}; "
                        f"{value[k]} is kept.",
                        "Check the coordinates and the province.",
                        "warning",
                    )
                )
        target = col[level]
        target[placed[usable]] = value[usable]
    return problems
