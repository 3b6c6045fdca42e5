"""Find probable duplicates: within an uploaded file and against the stored events.

Two events are compared only when

- their dates overlap, each widened by one day (an event of ``month``
  precision overlaps every day of its month), and
- their points are within :data:`MAX_KM` (2 km) or they name the same
  neighbourhood.

Such a pair is scored from four parts, each 0..1:

===========  ======  ============================================================
part         weight  1.0 when ... (0.5 when unknown)
===========  ======  ============================================================
date         0.30    the same day at day precision (0.6 when only the spans overlap)
place        0.30    within 200 m (falling to 0.5 at 2 km; 0.7 for the same
                     neighbourhood only); halved when either is city-level or
                     coarser, where nearby points say little
casualties   0.20    the killed ranges overlap (else 1 - relative difference)
groups       0.20    a group in common (0 when both name groups and share none)
===========  ======  ============================================================

A pair scoring at least :data:`PROBABLE` is a probable duplicate; at least
:data:`HIGH` a likely one. Two rows of the same file must pass a stricter rule
(in :func:`_best_per_row`): a score of at least :data:`FILE_PROBABLE`, the same
day, both placed finer than a city within :data:`FILE_MAX_KM`, similar or
unknown casualties and no conflicting groups. Sources list each event once, so
nearby rows of one file are mostly distinct events (UCDP GED for Pakistan:
713 within-file pairs under the looser rule, nearly all dyad rows of separate
events). Rows whose every cell is the same are always offered
(:func:`add_identical_rows`). Each uploaded row keeps its best match only (a
stored event before an earlier row of the file when they score the same).

Speed: pairs are found by search, not by comparing every row with every
event. Events are bucketed by the length of their date span and put on a
grid whose cells are at least the search radius across, then sorted by (cell,
first day); for each row, binary search finds the events of its cell and the
eight around it whose first days can overlap its span (and, by neighbourhood
number, those naming its neighbourhood). Stored events are searched within
:data:`MAX_KM`; the file's own rows only as the stricter rule can pass (the same
day, finer than a city, within :data:`FILE_MAX_KM`). Rows are searched in order
of (cell, first day), so the binary searches run over nearly sorted keys. The
pairs found are scored as numpy arrays, a block at a time. A 1.34M-row file
against 5,000 stored events takes about 14 s (about 39 s with the earlier
weekly comparison matrices; docs/performance.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from footprint.data import schema
from footprint.importers.geocoding import haversine_km

MAX_KM = 2.0
PROBABLE = 0.65
HIGH = 0.8
#: Two rows of one file are a probable duplicate only by a stricter rule: a
#: source lists each event once (UCDP's dyad rows, one per pair of sides, are
#: separate events), so only rows alike in every known respect are offered.
FILE_PROBABLE = 0.8
#: ... and placed this close (km), both finer than a city.
FILE_MAX_KM = 0.5


WEIGHTS = {"date": 0.3, "place": 0.3, "casualties": 0.2, "groups": 0.2}

_COARSE = schema.GEO_PRECISION_RANK["city"]
_DAY = np.int64(86_400_000_000)  # microseconds
_LINK = re.compile(r"\s*\((claimed|attributed|suspected)\)\s*$")


@dataclass(frozen=True, slots=True)
class DuplicatePair:
    """An uploaded row and the event it probably repeats.

    Attributes
    ----------
    index : int
        The row's position in the uploaded frame.
    line : int
        The row's file line.
    other_kind : str
        ``stored`` (an event in the store) or ``file`` (an earlier row of the file).
    other_id : str
        The other event's ``event_id``.
    other_line : int or None
        The other row's file line, for ``file`` pairs.
    score : float
        0..1, see the module docstring.
    reasons : tuple of str
        Why, in words.
    """

    index: int
    line: int
    other_kind: str
    other_id: str
    other_line: int | None
    score: float
    reasons: tuple[str, ...]

    @property
    def key(self) -> str:
        """A stable key for the analyst's decision on this pair."""
        return f"{self.line}:{self.other_id}"

    @property
    def high(self) -> bool:
        """True when the score is at least :data:`HIGH`."""
        return self.score >= HIGH


def _days(series: pd.Series) -> np.ndarray:
    values = pd.to_datetime(series, errors="coerce", format="ISO8601").astype("datetime64[us]")
    out = values.to_numpy().astype("int64") // _DAY
    out[values.isna().to_numpy()] = np.iinfo("int64").min // 4
    return out


def _groups(text) -> frozenset[str]:
    if not isinstance(text, str) or not text.strip():
        return frozenset()
    return frozenset(
        _LINK.sub("", part).strip().lower() for part in text.split(";") if part.strip()
    )


def _norm(text) -> str:
    if not isinstance(text, str):
        return ""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def _per_value(function, series: pd.Series) -> np.ndarray:
    """``function`` of each distinct value once, spread back per row (an object array)."""
    codes, uniques = pd.factorize(series.to_numpy(dtype=object), use_na_sentinel=True)
    table = np.empty(len(uniques) + 1, dtype=object)
    table[: len(uniques)] = [function(u) for u in uniques]
    table[-1] = function(None)
    return table[codes]


class _Events:
    """Column arrays of a frame of events, for fast comparison.

    ``registry`` gives each distinct set of groups a number (shared by the
    stored events and the file's rows), so pairs are compared by number.
    """

    def __init__(self, frame: pd.DataFrame, registry: dict | None = None):
        registry = {} if registry is None else registry
        start = frame["date_start"].where(frame["date_start"].notna(), frame["event_date"])
        end = frame["date_end"].where(frame["date_end"].notna(), start)
        self.start = _days(start)
        self.end = np.maximum(_days(end), self.start)
        self.lat = pd.to_numeric(frame["latitude"], errors="coerce").to_numpy(dtype="float64")
        self.lon = pd.to_numeric(frame["longitude"], errors="coerce").to_numpy(dtype="float64")
        self.hood = _per_value(_norm, frame["neighbourhood"])
        kmin = pd.to_numeric(frame["killed_min"], errors="coerce").to_numpy(dtype="float64")
        kmax = pd.to_numeric(frame["killed_max"], errors="coerce").to_numpy(dtype="float64")
        self.kmin = np.where(np.isnan(kmin), kmax, kmin)
        self.kmax = np.where(np.isnan(kmax), kmin, kmax)
        self.groups = _per_value(_groups, frame["perpetrators"])
        self.group_code = np.fromiter(
            (registry.setdefault(g, len(registry)) for g in self.groups),
            dtype=np.int64,
            count=len(self.groups),
        )
        self.coarse = _per_value(
            lambda p: (
                schema.GEO_PRECISION_RANK.get(p, _COARSE) >= _COARSE if isinstance(p, str) else True
            ),
            frame["geo_precision"],
        ).astype(bool)
        self.ids = frame["event_id"].astype(str).to_numpy(dtype=object)
        precision = frame["date_precision"].to_numpy(dtype=object)
        self.day_precise = np.asarray((precision == "day") & (self.start == self.end), dtype=bool)


#: Span buckets: events are searched by the length of their date span (days),
#: so a search for one span looks back only as far as its bucket's longest.
_SPAN_BUCKETS = (0, 6, 31, 366, 10**6)
#: Earth radius of :func:`geocoding.haversine_km`, km.
_EARTH_KM = 6371.0088
#: Rows whose searches are worked out together.
_ROW_BLOCK = 65_536
#: Largest number of candidate pairs expanded at once.
_PAIR_BLOCK = 2_000_000


class _Grid:
    """Cells at least :data:`MAX_KM` across everywhere in the data.

    Two points within MAX_KM of each other are then in the same cell or in
    neighbouring ones. Cells are ``1.01 * MAX_KM`` high; their width in
    degrees grows with the highest latitude of the data, where a degree of
    longitude is shortest (near a pole, one column spans every longitude).
    Columns wrap at the antimeridian.
    """

    def __init__(self, lat: np.ndarray, radius: float):
        self.height = float(np.degrees(radius / _EARTH_KM)) * 1.01
        top = float(np.abs(lat).max(initial=0.0))
        columns = 1
        if top < 89.0:
            columns = int(360.0 // (self.height / np.cos(np.radians(top))))
        self.columns = columns if columns >= 3 else 1
        self.width = 360.0 / self.columns
        steps = (-1, 0, 1) if self.columns > 1 else (0,)
        self.offsets = [(dy, dx) for dy in (-1, 0, 1) for dx in steps]

    def rows_columns(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return each point's cell row and column."""
        row = np.floor((lat + 90.0) / self.height).astype("int64")
        column = np.floor(np.mod(lon + 180.0, 360.0) / self.width).astype("int64")
        return row, np.minimum(column, self.columns - 1)

    def cell(self, row: np.ndarray, column: np.ndarray, dy: int = 0, dx: int = 0) -> np.ndarray:
        """Return the number of the cell ``dy`` rows and ``dx`` columns away."""
        return (row + dy) * self.columns + np.mod(column + dx, self.columns)


class _Search:
    """The events of one span bucket, sorted by (key, first day), for range searches.

    ``key`` is a cell or a neighbourhood number; a search finds the events
    with a given key whose first day lies in a range, by binary search on
    ``key * days + rank of the first day``.
    """

    def __init__(self, members: np.ndarray, key: np.ndarray, day_rank: np.ndarray, days: int):
        composite = key[members] * days + day_rank[members]
        order = np.argsort(composite, kind="stable")
        self.positions = members[order]
        self.keys = composite[order]
        self.days = days

    def ranges(self, key: np.ndarray, low_rank: np.ndarray, high_rank: np.ndarray):
        """Return ``(lo, hi)``: the sorted slice of each search (ranks ``[low, high)``)."""
        base = key * self.days
        return (
            np.searchsorted(self.keys, base + low_rank, side="left"),
            np.searchsorted(self.keys, base + high_rank, side="left"),
        )


def _expand(owner: np.ndarray, lo: np.ndarray, hi: np.ndarray, positions: np.ndarray):
    """Turn slices ``positions[lo:hi]`` (one per owner) into pairs ``(owner, position)``."""
    counts = hi - lo
    total = int(counts.sum())
    before = np.cumsum(counts) - counts
    step = np.arange(total, dtype="int64") - np.repeat(before - lo, counts)
    return np.repeat(owner, counts), positions[step]


def _score(new: _Events, i: np.ndarray, other: _Events, j: np.ndarray, distance, hood) -> dict:
    """Score the pairs ``(i, j)`` (dates overlap, places close); see the module docstring.

    Returns
    -------
    dict of arrays
        ``i``, ``j``, ``score`` and the parts (``same_day``, ``distance``,
        ``hood``, ``coarse``, ``casualties``, ``known``, ``groups``).
    """
    near = distance <= MAX_KM
    same_day = new.day_precise[i] & other.day_precise[j] & (other.start[j] == new.start[i])
    date = np.where(same_day, 1.0, 0.6)
    place = np.where(near, 1.0 - 0.5 * np.clip((distance - 0.2) / (MAX_KM - 0.2), 0, 1), 0.7)
    coarse = new.coarse[i] | other.coarse[j]
    place = np.where(coarse, place * 0.5, place)
    a_lo, a_hi, b_lo, b_hi = new.kmin[i], new.kmax[i], other.kmin[j], other.kmax[j]
    known = ~np.isnan(a_lo) & ~np.isnan(b_lo)
    meet = (b_lo <= a_hi) & (b_hi >= a_lo)
    gap = np.minimum(np.abs(b_lo - a_hi), np.abs(a_lo - b_hi))
    relative = np.clip(1.0 - gap / np.maximum(np.maximum(a_hi, b_hi), 1.0), 0, 1)
    casualties = np.where(known, np.where(meet, 1.0, relative), 0.5)
    groups = _group_scores(new, i, other, j)
    score = (
        WEIGHTS["date"] * date
        + WEIGHTS["place"] * place
        + WEIGHTS["casualties"] * casualties
        + WEIGHTS["groups"] * groups
    )
    return {
        "i": i,
        "j": j,
        "score": score,
        "same_day": same_day,
        "distance": distance,
        "hood": hood,
        "coarse": coarse,
        "casualties": casualties,
        "known": known,
        "groups": groups,
    }


_PARTS = ("same_day", "distance", "hood", "coarse", "casualties", "known", "groups")


def _group_scores(new: _Events, i: np.ndarray, other: _Events, j: np.ndarray) -> np.ndarray:
    """0.5 when either names no group, 1.0 for a group in common, else 0.0; per pair.

    Worked out once per distinct pair of group sets (files name few).
    """
    a, b = new.group_code[i], other.group_code[j]
    width = int(max(a.max(initial=0), b.max(initial=0))) + 1
    _keys, first, inverse = np.unique(a * width + b, return_index=True, return_inverse=True)
    scores = np.array(
        [
            0.5 if not x or not y else (1.0 if x & y else 0.0)
            for x, y in zip(new.groups[i[first]], other.groups[j[first]], strict=True)
        ],
        dtype="float64",
    )
    return scores[inverse.reshape(-1)]


def _reasons(parts, groups_i, groups_j) -> tuple[str, ...]:
    same_day, distance, same_hood, coarse, casualties, known, groups = parts
    reasons = ["same day" if same_day else "dates overlap within their precision"]
    if distance <= MAX_KM:
        reasons.append(f"{distance:.1f} km apart" + (" (city-level points)" if coarse else ""))
    if same_hood:
        reasons.append("same neighbourhood")
    if known:
        reasons.append("similar casualties" if casualties >= 0.75 else "different casualties")
    if groups == 1.0:
        reasons.append("a group in common: " + ", ".join(sorted(groups_i & groups_j)))
    elif groups == 0.0:
        reasons.append("different groups")
    return tuple(reasons)


#: The arrays of an :class:`_Events`.
_EVENT_ARRAYS = (
    "start",
    "end",
    "lat",
    "lon",
    "hood",
    "kmin",
    "kmax",
    "coarse",
    "ids",
    "day_precise",
    "groups",
    "group_code",
)


def _concat(first: _Events, second: _Events) -> _Events:
    joined = _Events.__new__(_Events)
    for name in _EVENT_ARRAYS:
        setattr(joined, name, np.concatenate([getattr(first, name), getattr(second, name)]))
    return joined


class _Candidates:
    """Pairs of an uploaded row and the events it may repeat, found by search.

    ``others`` holds the stored events and then the file's rows (from
    ``offset``); only ``members`` of it are searched, and a row is paired
    with earlier positions only. A pair's widened spans overlap and its
    points stand within ``radius`` km (searched in the row's cell and its
    neighbours) or, with ``neighbourhoods``, the two name the same
    neighbourhood (searched by neighbourhood number). With ``exact_day``
    the members and the rows searched for are single days, and only the
    same day is searched.
    """

    def __init__(
        self,
        others: _Events,
        members: np.ndarray,
        offset: int,
        radius: float,
        neighbourhoods: bool = True,
        exact_day: bool = False,
    ):
        self.others, self.offset, self.radius = others, offset, radius
        self.widen = 0 if exact_day else 1
        self.degrees = float(np.degrees(radius / _EARTH_KM))
        length = others.end - others.start
        bucket = np.searchsorted(np.array(_SPAN_BUCKETS), length, side="left")
        self.grid = _Grid(others.lat[members], radius)
        members = members & (length <= _SPAN_BUCKETS[-1])
        self.first_days = np.unique(others.start[members])
        day_rank = np.searchsorted(self.first_days, others.start)
        days = len(self.first_days) + 1
        # rows without a point take no part; 0 keeps their cell numbers defined
        self.row, self.column = self.grid.rows_columns(
            np.nan_to_num(others.lat), np.nan_to_num(others.lon)
        )
        cell = self.grid.cell(self.row, self.column)
        named = members & (others.hood_code >= 0)
        self.by_cell, self.by_hood = [], []
        for number in range(len(_SPAN_BUCKETS)):
            in_bucket = np.flatnonzero(members & (bucket == number))
            if in_bucket.size == 0:
                continue
            longest = int(length[in_bucket].max())
            self.by_cell.append((longest, _Search(in_bucket, cell, day_rank, days)))
            named_in_bucket = in_bucket[named[in_bucket]]
            if neighbourhoods and named_in_bucket.size:
                self.by_hood.append(
                    (longest, _Search(named_in_bucket, others.hood_code, day_rank, days))
                )

    def search_order(self, rows: np.ndarray) -> np.ndarray:
        """Return the order of ``rows`` (positions in the file) by cell, then first day."""
        at = rows + self.offset
        return np.lexsort((self.others.start[at], self.grid.cell(self.row[at], self.column[at])))

    def pairs(self, rows: np.ndarray):
        """Yield ``(i, j, distance, hood)`` arrays for ``rows`` (positions in the file)."""
        others, offset, widen = self.others, self.offset, self.widen
        at = rows + offset
        start, end = others.start[at], others.end[at]
        high_rank = np.searchsorted(self.first_days, end + widen, side="right")
        searches = []  # (searched by cell?, rows, lo, hi, positions)
        for longest, search in self.by_cell:
            low_rank = np.searchsorted(self.first_days, start - widen - longest, side="left")
            for dy, dx in self.grid.offsets:
                key = self.grid.cell(self.row[at], self.column[at], dy, dx)
                lo, hi = search.ranges(key, low_rank, high_rank)
                searches.append((True, rows, lo, hi, search.positions))
        hood = others.hood_code[at]
        named = np.flatnonzero(hood >= 0)
        named = named[np.lexsort((start[named], hood[named]))]  # sorted keys, as above
        for longest, search in self.by_hood:
            low_rank = np.searchsorted(self.first_days, start[named] - widen - longest, side="left")
            lo, hi = search.ranges(hood[named], low_rank, high_rank[named])
            searches.append((False, rows[named], lo, hi, search.positions))
        for by_cell, owners, lo, hi, positions in searches:
            counts = hi - lo
            if not counts.any():
                continue
            done = np.cumsum(counts)
            cuts = np.searchsorted(done, np.arange(_PAIR_BLOCK, int(done[-1]), _PAIR_BLOCK))
            for part in np.split(np.arange(owners.size), np.unique(cuts) + 1):
                if part.size == 0:
                    continue
                i, j = _expand(owners[part], lo[part], hi[part], positions)
                found = self._close(i, j, by_cell)
                if found is not None:
                    yield found

    def _close(self, i: np.ndarray, j: np.ndarray, by_cell: bool):
        """Keep the pairs whose spans overlap, ``j`` before ``i``, and places close."""
        others = self.others
        a = i + self.offset
        keep = (others.end[j] >= others.start[a] - 1) & (j < a)
        if by_cell:
            keep &= np.abs(others.lat[j] - others.lat[a]) <= self.degrees * (1 + 1e-9)
        i, j, a = i[keep], j[keep], a[keep]
        if i.size == 0:
            return None
        distance = haversine_km(others.lat[a], others.lon[a], others.lat[j], others.lon[j])
        hood = (others.hood_code[j] == others.hood_code[a]) & (others.hood_code[a] >= 0)
        # A pair within the radius is found by the cell search; the
        # neighbourhood search adds the farther pairs only, so none is found twice.
        keep = distance <= self.radius if by_cell else distance > self.radius
        if not keep.any():
            return None
        return i[keep], j[keep], distance[keep], hood[keep]


def _tie_rank(others: _Events) -> np.ndarray:
    """Each event's place in (span bucket, first day, position) order.

    Equal scores go to the event ranked first: the order the weekly
    comparison matrices of earlier versions saw them in, kept so results
    do not change.
    """
    length = others.end - others.start
    bucket = np.searchsorted(np.array(_SPAN_BUCKETS), length, side="left")
    rank = np.empty(len(length), dtype="int64")
    rank[np.lexsort((np.arange(len(length)), others.start, bucket))] = np.arange(len(length))
    return rank


def find_duplicates(
    new_frame: pd.DataFrame,
    stored_frame: pd.DataFrame | None = None,
    usable: np.ndarray | None = None,
    threshold: float = PROBABLE,
    progress: Callable[[float], None] | None = None,
) -> list[DuplicatePair]:
    """Return each uploaded row's best probable duplicate, if it has one.

    Parameters
    ----------
    new_frame : DataFrame
        Uploaded rows (contract columns and ``_line``).
    stored_frame : DataFrame, optional
        Stored events (``store.read_events``).
    usable : array of bool, optional
        Which uploaded rows take part (rows with errors do not).
    threshold : float
        The lowest score reported.
    progress : callable, optional
        ``progress(fraction)``.

    Returns
    -------
    list of DuplicatePair
        Ordered by line.
    """
    if new_frame.empty:
        return []
    registry: dict = {}
    new = _Events(new_frame, registry)
    lines = new_frame["_line"].to_numpy()
    missing_day = np.iinfo("int64").min // 8
    usable = (
        np.ones(len(new_frame), dtype=bool)
        if usable is None
        else np.asarray(usable, dtype=bool).copy()
    )
    usable &= ~np.isnan(new.lat) & ~np.isnan(new.lon) & (new.start > missing_day)
    # One search over the stored events followed by the file's rows: a row is
    # compared with every stored event and with the file's earlier rows.
    if stored_frame is not None and not stored_frame.empty:
        stored = _Events(stored_frame, registry)
        stored_ok = ~np.isnan(stored.lat) & ~np.isnan(stored.lon) & (stored.start > missing_day)
    else:
        stored = _Events(new_frame.iloc[:0], registry)
        stored_ok = np.zeros(0, dtype=bool)
    offset = len(stored.ids)
    others = _concat(stored, new)
    # The file's rows are read from ``others`` from here on: views, not a second copy.
    for name in _EVENT_ARRAYS:
        setattr(new, name, getattr(others, name)[offset:])
    del stored
    # Neighbourhoods as numbers shared by both (-1: none named).
    codes, names = pd.factorize(others.hood)
    codes[np.isin(codes, np.flatnonzero(np.asarray(names, dtype=object) == ""))] = -1
    others.hood_code, new.hood_code = codes, codes[offset:]
    rank = _tie_rank(others)
    # Stored events by the looser rule; earlier rows of the file only as the
    # stricter rule can pass (same day, both finer than a city, within
    # FILE_MAX_KM), which most pairs of a large file fail.
    nothing_stored, nothing_new = np.zeros(offset, dtype=bool), np.zeros(len(usable), dtype=bool)
    strict = usable & new.day_precise & ~new.coarse
    searches = [
        (_Candidates(others, np.concatenate([stored_ok, nothing_new]), offset, MAX_KM), usable),
        (
            _Candidates(
                others,
                np.concatenate([nothing_stored, strict]),
                offset,
                FILE_MAX_KM,
                neighbourhoods=False,
                exact_day=True,
            ),
            strict,
        ),
    ]
    chosen: list[dict] = []
    for n, (candidates, searched) in enumerate(searches):
        # Rows in order of (cell, first day): each search's keys then come
        # nearly sorted, and binary search over sorted keys stays in cache
        # (about 15 times faster than over keys in file order).
        rows = np.flatnonzero(searched)
        rows = rows[candidates.search_order(rows)]
        for first in range(0, rows.size, _ROW_BLOCK):
            for i, j, distance, hood in candidates.pairs(rows[first : first + _ROW_BLOCK]):
                kept = _best_per_row(
                    _score(new, i, others, j, distance, hood), threshold, offset, rank
                )
                if kept is not None:
                    chosen.append(kept)
            if progress:
                progress((n + min(1.0, (first + _ROW_BLOCK) / rows.size)) / len(searches))
    # The search structures go before the pairs are made, so the pairs reuse their memory.
    del searches, candidates
    pairs = []
    if not chosen:
        return pairs
    # A row's candidates may span several expansions: keep its best of all.
    found = {key: np.concatenate([c[key] for c in chosen]) for key in chosen[0]}
    del chosen
    best = _best_per_row(found, threshold, offset, rank)
    del found
    # Python values, column by column: the pairs are built without numpy scalars.
    order = np.argsort(best["i"], kind="stable")
    best = {key: values[order] for key, values in best.items()}
    from_file = best["j"] >= offset
    other_lines = np.where(from_file, lines[np.where(from_file, best["j"] - offset, 0)], -1)
    other_ids = others.ids[best["j"]]
    groups_i, groups_j = others.groups[best["i"] + offset], others.groups[best["j"]]
    # The event arrays go too (``new``'s are views of ``others``'): the pairs reuse their memory.
    del others, new, rank, codes
    # Pairs share their reasons: a few thousand distinct tuples for half a million pairs.
    shared_reasons: dict[tuple[str, ...], tuple[str, ...]] = {}
    for i, line, file_pair, other_id, other_line, score, group_i, group_j, *parts in zip(
        best["i"].tolist(),
        lines[best["i"]].tolist(),
        from_file.tolist(),
        other_ids.tolist(),
        other_lines.tolist(),
        best["score"].tolist(),
        groups_i.tolist(),
        groups_j.tolist(),
        *(best[name].tolist() for name in _PARTS),
        strict=True,
    ):
        reasons = _reasons(parts, group_i, group_j)
        pairs.append(
            DuplicatePair(
                index=i,
                line=int(line),
                other_kind="file" if file_pair else "stored",
                other_id=str(other_id),
                other_line=int(other_line) if file_pair else None,
                score=round(score, 3),
                reasons=shared_reasons.setdefault(reasons, reasons),
            )
        )
    return pairs


def _best_per_row(found: dict, threshold: float, offset: int, rank: np.ndarray) -> dict | None:
    """Keep each row's best pair: the highest score, a stored event before a row on a tie.

    Pairs below ``threshold``, and pairs of two rows of the file failing the
    stricter rule (see the module docstring), are dropped first; among equals the
    event of lowest ``rank`` wins.
    """
    score = found["score"]
    stored = found["j"] < offset
    file_ok = (
        (score >= FILE_PROBABLE)
        & found["same_day"]
        & ~found["coarse"]
        & (found["distance"] <= FILE_MAX_KM)
        & (~found["known"] | (found["casualties"] >= 0.75))
        & (found["groups"] != 0.0)
    )
    keep = (score >= threshold) & (stored | file_ok)
    if not keep.any():
        return None
    positions = np.flatnonzero(keep)
    i = found["i"][positions]
    order = np.lexsort(
        (rank[found["j"][positions]], ~stored[positions], -np.round(score[positions], 6), i)
    )
    first = np.ones(order.size, dtype=bool)
    first[1:] = i[order][1:] != i[order][:-1]
    picked = positions[order[first]]
    return {key: values[picked] for key, values in found.items()}


def add_identical_rows(
    pairs: list[DuplicatePair],
    frame: pd.DataFrame,
    identical: dict[int, int],
    usable: np.ndarray | None = None,
) -> list[DuplicatePair]:
    """Add (or put first) a pair for each row whose every cell repeats an earlier row's.

    Exports with too few columns to tell two attacks apart (several on one
    day in one city) give such rows; they are probable duplicates for an
    analyst to decide, not errors.

    Parameters
    ----------
    pairs : list of DuplicatePair
        From :func:`find_duplicates`.
    frame : DataFrame
        The uploaded rows (``event_id``, ``_line``).
    identical : dict
        ``{line: earlier line}`` (``MappedRows.identical``).
    usable : array of bool, optional
        Rows taking part (rows with errors do not).
    """
    if not identical:
        return pairs
    lines = frame["_line"].to_numpy()
    position = {int(line): i for i, line in enumerate(lines)}
    ids = frame["event_id"].to_numpy(dtype=object)
    by_index = {pair.index: pair for pair in pairs}
    for line, first in identical.items():
        i, j = position.get(line), position.get(first)
        if i is None or j is None or (usable is not None and not (usable[i] and usable[j])):
            continue
        by_index[i] = DuplicatePair(
            index=i,
            line=int(line),
            other_kind="file",
            other_id=str(ids[j]),
            other_line=int(first),
            score=1.0,
            reasons=(f"every exported column is the same as line {first}",),
        )
    return [by_index[i] for i in sorted(by_index)]
