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
(:func:`_file_pair_ok`): a score of at least :data:`FILE_PROBABLE`, the same
day, both placed finer than a city within :data:`FILE_MAX_KM`, similar or
unknown casualties and no conflicting groups. Sources list each event once, so
nearby rows of one file are mostly distinct events (UCDP GED for Pakistan:
713 within-file pairs under the looser rule, nearly all dyad rows of separate
events). Rows whose every cell is the same are always offered
(:func:`add_identical_rows`). Each uploaded row keeps its best match only (a
stored event before an earlier row of the file when they score the same).

Speed: the stored events and the file's rows go into one index, bucketed by
the length of their date span and sorted by first day. The file's rows are
taken a week at a time (by first day); binary search finds the candidates
whose spans can overlap that week, and one numpy matrix compares the week's
rows with them. Distances are computed between the distinct points of the
week's rows and candidates only (files repeat a few places and city centres
many times) and looked up for each pair; neighbourhoods are compared as
numbers. A 100,000-row file against thousands of stored events takes about a
thousand such steps (a few seconds).
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


def _file_pair_ok(parts, score: float) -> bool:
    """The stricter rule for a pair inside one file (see :data:`FILE_PROBABLE`)."""
    same_day, distance, _hood, coarse, casualties, known, groups = parts
    return bool(
        score >= FILE_PROBABLE
        and same_day
        and not coarse
        and distance <= FILE_MAX_KM
        and (not known or casualties >= 0.75)
        and groups != 0.0
    )


WEIGHTS = {"date": 0.3, "place": 0.3, "casualties": 0.2, "groups": 0.2}

_COARSE = schema.GEO_PRECISION_RANK["city"]
_DAY = np.int64(86_400_000_000)  # microseconds
_LINK = re.compile(r"\s*\((claimed|attributed|suspected)\)\s*$")


@dataclass(frozen=True)
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


class _Index:
    """Events bucketed by the length of their date span, each sorted by start."""

    BUCKETS = (0, 6, 31, 366, 10**6)

    def __init__(self, events: _Events, usable: np.ndarray):
        length = events.end - events.start
        self.buckets = []
        low = -1
        for high in self.BUCKETS:
            members = np.flatnonzero(usable & (length > low) & (length <= high))
            low = high
            if members.size == 0:
                continue
            order = members[np.argsort(events.start[members], kind="stable")]
            longest = int(length[order].max())
            self.buckets.append((order, events.start[order], longest))

    def candidates(self, start: int, end: int) -> np.ndarray:
        """Return positions of events whose widened span overlaps [start, end]."""
        found = []
        for order, starts, longest in self.buckets:
            lo = np.searchsorted(starts, start - 1 - longest, side="left")
            hi = np.searchsorted(starts, end + 1, side="right")
            if hi > lo:
                found.append(order[lo:hi])
        if not found:
            return np.empty(0, dtype="int64")
        return np.concatenate(found) if len(found) > 1 else found[0]


def _pairs(new: _Events, rows: np.ndarray, other: _Events, cols: np.ndarray, offset: int):
    """Score every close pair between ``rows`` of ``new`` and ``cols`` of ``other``.

    ``other`` holds the stored events and then ``new`` from position
    ``offset``: a row is paired with stored events and earlier rows only.

    Returns
    -------
    dict of arrays or None
        ``i``, ``j``, ``score`` and the parts (``same_day``, ``distance``,
        ``hood``, ``coarse``, ``casualties``, ``known``, ``groups``) of the
        pairs whose dates overlap and whose places are close, row by row and
        for each row in the order of ``cols``; None when there are none.
    """
    a_start, a_end = new.start[rows][:, None], new.end[rows][:, None]
    overlap = (other.start[cols][None, :] <= a_end + 1) & (other.end[cols][None, :] >= a_start - 1)
    overlap &= cols[None, :] < rows[:, None] + offset
    if not overlap.any():
        return None
    # Distances between distinct points only: files repeat a few places (and
    # city centres) many times, so the rows x columns matrix is filled by
    # looking up a far smaller matrix of the points they stand on.
    row_points, row_point = np.unique(new.point[rows], return_inverse=True)
    col_points, col_point = np.unique(other.point[cols], return_inverse=True)
    point_distance = haversine_km(
        other.point_lat[row_points][:, None],
        other.point_lon[row_points][:, None],
        other.point_lat[col_points][None, :],
        other.point_lon[col_points][None, :],
    )
    near = (point_distance <= MAX_KM)[row_point[:, None], col_point[None, :]]
    row_hood = new.hood_code[rows][:, None]
    hood = (other.hood_code[cols][None, :] == row_hood) & (row_hood >= 0)
    ii, jj = np.nonzero(overlap & (near | hood))
    if ii.size == 0:
        return None
    i, j, hood = rows[ii], cols[jj], hood[ii, jj]
    distance = point_distance[row_point[ii], col_point[jj]]
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
    keys, inverse = np.unique(a * width + b, return_inverse=True)
    sets_a = new.groups[i[np.unique(inverse, return_index=True)[1]]]
    sets_b = other.groups[j[np.unique(inverse, return_index=True)[1]]]
    scores = np.array(
        [
            0.5 if not x or not y else (1.0 if x & y else 0.0)
            for x, y in zip(sets_a, sets_b, strict=True)
        ],
        dtype="float64",
    )
    del keys
    return scores[inverse.reshape(-1)]


def _reasons(parts, new: _Events, i: int, other: _Events, j: int) -> tuple[str, ...]:
    same_day, distance, same_hood, coarse, casualties, known, groups = parts
    reasons = ["same day" if same_day else "dates overlap within their precision"]
    if distance <= MAX_KM:
        reasons.append(f"{distance:.1f} km apart" + (" (city-level points)" if coarse else ""))
    if same_hood:
        reasons.append("same neighbourhood")
    if known:
        reasons.append("similar casualties" if casualties >= 0.75 else "different casualties")
    if groups == 1.0:
        reasons.append("a group in common: " + ", ".join(sorted(new.groups[i] & other.groups[j])))
    elif groups == 0.0:
        reasons.append("different groups")
    return tuple(reasons)


#: Largest comparison matrix built at once (rows x candidates).
_BLOCK = 2_000_000


def _concat(first: _Events, second: _Events) -> _Events:
    joined = _Events.__new__(_Events)
    for name in (
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
    ):
        setattr(joined, name, np.concatenate([getattr(first, name), getattr(second, name)]))
    return joined


#: Rows are compared in blocks of this many days (by their first day).
_BLOCK_DAYS = 7


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
    # One index over the stored events followed by the file's rows: a row is
    # compared with every stored event and with the file's earlier rows.
    if stored_frame is not None and not stored_frame.empty:
        stored = _Events(stored_frame, registry)
        stored_ok = ~np.isnan(stored.lat) & ~np.isnan(stored.lon) & (stored.start > missing_day)
    else:
        stored = _Events(new_frame.iloc[:0], registry)
        stored_ok = np.zeros(0, dtype=bool)
    offset = len(stored.ids)
    others = _concat(stored, new)
    # Neighbourhoods and points as numbers shared by both (hood -1: none
    # named): compared by number, and each distinct point's distances once.
    codes, names = pd.factorize(others.hood)
    codes[np.isin(codes, np.flatnonzero(np.asarray(names, dtype=object) == ""))] = -1
    others.hood_code, new.hood_code = codes, codes[offset:]
    points = np.stack([others.lat, others.lon], axis=1)
    unique_points, point = np.unique(points, axis=0, return_inverse=True)
    others.point_lat, others.point_lon = unique_points[:, 0], unique_points[:, 1]
    others.point, new.point = point.reshape(-1), point.reshape(-1)[offset:]
    index = _Index(others, np.concatenate([stored_ok, usable]))
    rows = np.flatnonzero(usable)
    length = new.end[rows] - new.start[rows]
    blocks = new.start[rows] // _BLOCK_DAYS
    buckets = np.searchsorted(np.array(_Index.BUCKETS), length)
    # the rows of each (week, span bucket), in order of first appearance
    group_of, _ = pd.factorize(pd.MultiIndex.from_arrays([blocks, buckets]))
    order = np.argsort(group_of, kind="stable")
    bounds = np.flatnonzero(np.diff(group_of[order])) + 1
    chosen: list[dict] = []
    total = max(1, len(bounds) + 1)
    starts, ends = new.start, new.end
    for n, member_rows in enumerate(np.split(rows[order], bounds) if rows.size else []):
        cols = index.candidates(int(starts[member_rows].min()), int(ends[member_rows].max()))
        if cols.size == 0:
            continue
        step = max(1, _BLOCK // cols.size)
        for first in range(0, member_rows.size, step):
            found = _pairs(new, member_rows[first : first + step], others, cols, offset)
            if found is not None:
                kept = _best_per_row(found, threshold, offset)
                if kept is not None:
                    chosen.append(kept)
        if progress and n % 200 == 0:
            progress(n / total)
    pairs = []
    if not chosen:
        return pairs
    best = {key: np.concatenate([c[key] for c in chosen]) for key in chosen[0]}
    for k in np.argsort(best["i"], kind="stable"):
        i, j = int(best["i"][k]), int(best["j"][k])
        kind = "stored" if j < offset else "file"
        parts = tuple(best[name][k] for name in _PARTS)
        pairs.append(
            DuplicatePair(
                index=i,
                line=int(lines[i]),
                other_kind=kind,
                other_id=str(others.ids[j]),
                other_line=int(lines[j - offset]) if kind == "file" else None,
                score=round(float(best["score"][k]), 3),
                reasons=_reasons(parts, new, i, others, j),
            )
        )
    return pairs


def _best_per_row(found: dict, threshold: float, offset: int) -> dict | None:
    """Keep each row's best pair: the highest score, a stored event before a row on a tie.

    Pairs below ``threshold``, and pairs of two rows of the file failing the
    stricter rule (:func:`_file_pair_ok`), are dropped first; among equals the
    first in ``found``'s order wins.
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
    rank = np.round(score[positions], 6)
    order = np.lexsort((positions, ~stored[positions], -rank, i))
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
