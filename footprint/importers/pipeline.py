"""The one import pipeline, shared by the upload page and ``python -m footprint import``.

:func:`prepare` reads, recognises, maps, checks, geocodes and de-duplicates a
file and returns a :class:`Preview`; it stores nothing. :func:`commit` stores
a preview as one batch in one transaction, after the analyst (or the command
line's defaults, :func:`default_decisions`) has decided what to do with each
probable duplicate. :func:`undo` removes a batch, also in one transaction.

Decisions on a probable duplicate:

- ``keep``: store the row as a new event;
- ``skip``: do not store it;
- ``merge``: do not store it, but add its source to the other event
  (``store.add_source``), so the event cites both.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from footprint.data import query, schema, store
from footprint.data.groups import GroupNames
from footprint.importers import checks, dedupe, formats, geocoding, memory, textio
from footprint.importers.base import INTERNAL_COLUMNS
from footprint.importers.checks import ImportRefused, Problem
from footprint.importers.mapping import ColumnMapping

Progress = Callable[[float, str], None]
DECISIONS = ("keep", "skip", "merge")
#: Rows read, mapped and checked at a time by :func:`prepare`.
CHUNK_ROWS = 100_000
#: Rows handed to ``store.insert_events`` at a time (all in one transaction): their
#: plain Python values cost about 1.5 KB a row while they are written.
INSERT_CHUNK = 20_000
#: How long a commit keeps retrying while another import holds the store (seconds).
COMMIT_TIMEOUT_SECONDS = 300.0
_DEFAULT = object()


@dataclass(frozen=True)
class PairArrays:
    """The probable-duplicate pairs of a preview as columns, one item per pair.

    Attributes
    ----------
    keys : list of str
        ``DuplicatePair.key``.
    index : ndarray of int
        The row's position in the preview's frame.
    stored : ndarray of bool
        True for a pair with a stored event, False for one with a row of the file.
    score : ndarray of float
    """

    keys: list[str]
    index: np.ndarray
    stored: np.ndarray
    score: np.ndarray

    @classmethod
    def of(cls, pairs: list[dedupe.DuplicatePair]) -> PairArrays:
        """Return the columns of ``pairs``."""
        return cls(
            keys=[pair.key for pair in pairs],
            index=np.fromiter((pair.index for pair in pairs), dtype=np.int64, count=len(pairs)),
            stored=np.fromiter(
                (pair.other_kind == "stored" for pair in pairs), dtype=bool, count=len(pairs)
            ),
            score=np.fromiter((pair.score for pair in pairs), dtype=np.float64, count=len(pairs)),
        )

    def default_skips(self) -> np.ndarray:
        """:func:`default_decisions` as a mask: True where the pair is skipped."""
        return self.stored & (self.score >= dedupe.HIGH)


@dataclass
class Preview:
    """Everything known about a file before it is stored.

    Attributes
    ----------
    file_name, sha256 : str
    detection : formats.Detection
        The recognised format.
    encoding, separator : str
        How the text was read.
    frame : DataFrame
        Every data row, mapped onto the contract and placed, with ``_line``.
    problems : list of Problem
    duplicates : list of dedupe.DuplicatePair
    names_as_written : dict
        ``{event_id: {canonical group: name as written}}``.
    placement : geocoding.PlacementStats
    already_uploaded : dict or None
        The live batch of the same file (same sha256), when there is one.
    stored_matches : DataFrame or None
        The stored events that rows probably duplicate (for side-by-side views).
    timings : dict
        Seconds per stage.
    """

    file_name: str
    sha256: str
    detection: formats.Detection
    encoding: str
    separator: str
    frame: pd.DataFrame
    problems: list[Problem]
    duplicates: list[dedupe.DuplicatePair]
    names_as_written: dict[str, dict[str, str]]
    placement: geocoding.PlacementStats
    already_uploaded: dict | None = None
    geocoder_used: bool = True
    stored_matches: pd.DataFrame | None = None
    timings: dict[str, float] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)
    #: The newest batch stored when the file was prepared (0: none, or no store).
    last_batch_id: int = 0
    _index: query.EventsIndex | None = field(default=None, repr=False, compare=False)
    _pairs: PairArrays | None = field(default=None, repr=False, compare=False)

    @property
    def format(self) -> str:
        """The format's short name."""
        return self.detection.format

    def detection_columns(self) -> dict[str, str]:
        """Contract column -> the file column it came from."""
        return dict(self.columns)

    @property
    def rows_read(self) -> int:
        """Data rows in the file (blank rows and an HXL row not counted)."""
        return len(self.frame)

    @property
    def blocked(self) -> set[int]:
        """Lines with an error (not stored)."""
        return checks.blocked_lines(self.problems)

    @property
    def valid(self) -> np.ndarray:
        """Boolean mask of rows without errors."""
        return ~self.frame["_line"].isin(self.blocked).to_numpy()

    @property
    def errors(self) -> list[Problem]:
        """Problems that block a row or the file."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Problems that do not block."""
        return [p for p in self.problems if p.severity == "warning"]

    def report(self, limit: int | None = None) -> pd.DataFrame:
        """Return the problem report as a table (row, column, value, problem, fix, severity).

        ``limit`` keeps the first problems in the report's order (a page shows
        those; :meth:`report_csv` always holds them all).
        """
        return checks.report_frame(self.problems, limit=limit)

    def report_csv(self) -> bytes:
        """Return the problem report as CSV bytes."""
        return checks.report_csv(self.problems)

    def events(self, valid_only: bool = True, limit: int | None = None) -> pd.DataFrame:
        """Return the rows as a typed events frame (contract and provenance columns).

        ``limit`` keeps the first rows in the file's order, typed alone.
        """
        frame = self.frame[self.valid] if valid_only else self.frame
        if limit is not None:
            frame = frame.head(limit)
        columns = [*schema.EVENT_COLUMNS, *schema.PROVENANCE_COLUMNS, "_line"]
        return schema.coerce_events(frame[[c for c in columns if c in frame]])

    def pair_arrays(self) -> PairArrays:
        """Return :attr:`duplicates` as columns (built once), for decisions on every pair at once."""
        if self._pairs is None:
            self._pairs = PairArrays.of(self.duplicates)
        return self._pairs

    @property
    def index_ready(self) -> bool:
        """Whether :meth:`events_index` has been built (a page shows a spinner the first time)."""
        return self._index is not None

    def events_index(self) -> query.EventsIndex:
        """Return the rows without errors as an analytical index, built on first use.

        The upload page draws a large file's map from it in SQL (hexagons,
        places, the largest attacks), as the map page draws the store's.
        """
        if self._index is None:
            self._index = query.EventsIndex.from_events(self.events())
        return self._index

    def duplicate_table(
        self, stored: pd.DataFrame | None = None, limit: int | None = None
    ) -> pd.DataFrame:
        """Return each probable duplicate pair side by side, one row per pair.

        ``stored`` defaults to the stored events read when the file was
        prepared; ``limit`` keeps the first ``limit`` pairs of
        :attr:`duplicates`.
        """
        rows = []
        stored = self.stored_matches if stored is None else stored
        stored_by_id = (
            stored.set_index("event_id") if stored is not None and not stored.empty else None
        )
        pairs = self.duplicates if limit is None else self.duplicates[:limit]
        lines = {pair.line for pair in pairs} | {p.other_line for p in pairs if p.other_line}
        by_line = self.frame[self.frame["_line"].isin(lines)].set_index("_line")
        for pair in pairs:
            new = by_line.loc[pair.line]
            if pair.other_kind == "file":
                other = by_line.loc[pair.other_line]
            elif stored_by_id is not None and pair.other_id in stored_by_id.index:
                other = stored_by_id.loc[pair.other_id]
            else:
                other = pd.Series(dtype=object)
            rows.append(
                {
                    "key": pair.key,
                    "line": pair.line,
                    "score": pair.score,
                    "reasons": "; ".join(pair.reasons),
                    "new_date": new.get("event_date"),
                    "new_place": new.get("location_text"),
                    "new_killed": _range(new.get("killed_min"), new.get("killed_max")),
                    "new_groups": new.get("perpetrators"),
                    "other": f"{pair.other_kind}: {pair.other_id}"
                    + (f" (line {pair.other_line})" if pair.other_line else ""),
                    "other_date": _date_text(other.get("event_date")),
                    "other_place": other.get("location_text"),
                    "other_killed": _range(other.get("killed_min"), other.get("killed_max")),
                    "other_groups": other.get("perpetrators"),
                }
            )
        return pd.DataFrame(rows)


def _date_text(value) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value)[:10]


def _range(low, high) -> str:
    def text(value):
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return "?"
        return str(int(float(value)))

    low_text, high_text = text(low), text(high)
    return low_text if low_text == high_text else f"{low_text}-{high_text}"


#: Rows, problems and duplicate pairs a page lists of a preview: a large file's
#: are summed up, not all sent to the browser.
PREVIEW_ROWS_SHOWN = 1_000
PREVIEW_PROBLEMS_SHOWN = 1_000
PREVIEW_DUPLICATES_SHOWN = 500


@dataclass
class CommitResult:
    """What a confirmed upload stored."""

    batch_id: int
    stored: int
    merged: int
    skipped: int
    rejected: int
    seconds: float = 0.0


def sha256_of(data: bytes) -> str:
    """Return the hex sha256 of the file's bytes."""
    return hashlib.sha256(data).hexdigest()


def _stored_ids(connection, ids: list[str]) -> dict[str, int | None]:
    """Return ``{event_id: batch_id}`` for those of ``ids`` already stored.

    A large file against a smaller store reads the store's ids in one query
    (thousands of ``IN`` queries of 500 ids take longer); otherwise the ids
    are looked up 500 at a time.
    """
    found: dict[str, int | None] = {}
    if len(ids) > 5_000 and store.count_events(connection) <= 4 * len(ids):
        stored = pd.read_sql(
            sa.select(store.events.c.event_id, store.events.c.batch_id), connection
        )
        wanted = set(ids)
        stored = stored[np.array([i in wanted for i in stored["event_id"].tolist()], dtype=bool)]
        batches = stored["batch_id"].astype(object).where(stored["batch_id"].notna(), None)
        return dict(
            zip(stored["event_id"], [None if b is None else int(b) for b in batches], strict=True)
        )
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for row in connection.execute(
            sa.select(store.events.c.event_id, store.events.c.batch_id).where(
                store.events.c.event_id.in_(chunk)
            )
        ):
            found[row.event_id] = row.batch_id
    return found


def _step(progress: Progress | None, low: float, high: float) -> Callable[[float, str], None]:
    def report(fraction: float, message: str = "") -> None:
        if progress:
            progress(low + (high - low) * min(max(fraction, 0.0), 1.0), message)

    return report


@memory.collector_paused()
def prepare(
    data: bytes,
    file_name: str,
    engine: Engine | None = None,
    *,
    format: str = "auto",
    mapping: ColumnMapping | None = None,
    geocoder=_DEFAULT,
    groups: GroupNames | None = None,
    progress: Progress | None = None,
    mappings_dir=None,
    chunk_rows: int = CHUNK_ROWS,
) -> Preview:
    """Read, check, geocode and de-duplicate a file; store nothing.

    Parameters
    ----------
    data : bytes
        The file as uploaded.
    file_name : str
        Its name (kept in ``source_ref`` and the batch).
    engine : Engine, optional
        The store, to find an earlier upload of the same file, rows already
        stored and probable duplicates among stored events. Without it those
        checks are skipped.
    format : str
        ``auto`` or one of :data:`formats.FORMAT_NAMES`.
    mapping : ColumnMapping, optional
        Read the file through this column mapping instead.
    geocoder : object, optional
        The geocoder (default: the gazetteer geocoder; None: no geocoding).
    groups : GroupNames, optional
        Canonical group names (default ``data/groups.csv``).
    progress : callable, optional
        ``progress(fraction, message)`` with fraction in 0..1.
    chunk_rows : int
        Rows read, mapped and checked at a time (:data:`CHUNK_ROWS`); the
        result does not depend on it.

    Returns
    -------
    Preview

    Raises
    ------
    ImportRefused
        When the file cannot be read or its format is not recognised.
    """
    timings: dict[str, float] = {"read": 0.0, "map": 0.0, "check": 0.0}
    clock = time.perf_counter()
    report = _step(progress, 0.0, 0.05)
    report(0.0, f"Reading {file_name}")
    digest = sha256_of(data)
    stream = textio.open_table(data, file_name)
    detection = formats.detect(
        stream.header, forced=format, mapping=mapping, mappings_dir=mappings_dir
    )
    if groups is None:
        groups = _default_groups()
    reader = detection.reader(file_name, groups)
    reader.begin(stream)
    encoding, separator = stream.encoding, stream.separator
    timings["read"] += time.perf_counter() - clock

    # A chunk at a time: the rows as text (the largest thing an import holds)
    # are only ever one chunk's; each chunk is mapped and checked, and only
    # its mapped frame is kept.
    read_problems = list(stream.problems)
    row_problems: list[Problem] = []
    text_problems: list[Problem] = []
    frames = []
    lines_in_file = max(1, stream.text.count("\n"))
    mapped_step = _step(progress, 0.05, 0.3)
    chunks = stream.chunks(chunk_rows)
    while True:
        clock = time.perf_counter()
        chunk = next(chunks, None)
        timings["read"] += time.perf_counter() - clock
        if chunk is None:
            break
        clock = time.perf_counter()
        read_problems += chunk.problems
        if chunk.lines:
            mapped_step(chunk.lines[0] / lines_in_file, f"Reading rows as {detection.label}")
        frame = reader.read_chunk(chunk)
        del chunk
        timings["map"] += time.perf_counter() - clock
        clock = time.perf_counter()
        row_problems += checks.check_coordinates(frame, reader.columns)
        row_problems += checks.check_casualties(frame, reader.columns)
        row_problems += checks.check_enumerations(frame, reader.columns)
        text_problems += checks.check_text(frame, reader.columns)
        frames.append(frame)
        timings["check"] += time.perf_counter() - clock
    clock = time.perf_counter()
    mapped = reader.finish(frames)
    del frames
    frame = mapped.frame
    if frame.empty:
        raise ImportRefused(
            f"{file_name} has a header but no rows.", "Add at least one event below the header."
        )
    del stream
    memory.release_freed()
    timings["map"] += time.perf_counter() - clock

    clock = time.perf_counter()
    _step(progress, 0.3, 0.35)(0.0, "Checking rows")
    # In the order check_rows gives them (the report sorts stably by row).
    problems = [
        *read_problems,
        *mapped.problems,
        *row_problems,
        *checks.check_duplicate_ids(frame, mapped.columns),
        *text_problems,
    ]
    del read_problems, row_problems, text_problems
    already_uploaded, stored_frame, last_batch_id = None, None, 0
    if engine is not None:
        with engine.connect() as connection:
            already_uploaded = store.find_batch_by_sha256(connection, digest)
            last_batch_id = store.last_batch_id(connection)
            existing = _stored_ids(connection, frame["event_id"].dropna().unique().tolist())
            stored_frame = _stored_candidates(connection, frame)
        problems += _already_stored(frame, existing, mapped.columns)
    timings["check"] = time.perf_counter() - clock

    clock = time.perf_counter()
    if geocoder is _DEFAULT:
        geocoder = geocoding.default_geocoder()
        if geocoder is None:
            problems.append(
                Problem(
                    None,
                    None,
                    None,
                    "The gazetteer geocoder could not be loaded, so rows without coordinates "
                    "cannot be placed and no precision was refined.",
                    "Check data/gazetteer.csv and the geocode package, then upload again.",
                    "warning",
                )
            )
    blocked = checks.blocked_lines(problems)
    placed, place_problems, placement = geocoding.place_rows(
        frame, geocoder, mapped.columns, blocked, _step(progress, 0.35, 0.75)
    )
    del frame  # the placed frame replaces it: one copy of the rows is held, not two
    memory.release_freed()
    mapped.frame = placed
    problems += place_problems
    problems += checks.check_required(placed, mapped.columns, blocked)
    timings["geocode"] = time.perf_counter() - clock

    clock = time.perf_counter()
    blocked = checks.blocked_lines(problems)
    usable = ~placed["_line"].isin(blocked).to_numpy()
    dedupe_step = _step(progress, 0.75, 0.98)
    duplicates = dedupe.find_duplicates(
        placed, stored_frame, usable, progress=lambda f: dedupe_step(f, "Looking for duplicates")
    )
    duplicates = dedupe.add_identical_rows(duplicates, placed, mapped.identical, usable)
    timings["dedupe"] = time.perf_counter() - clock
    memory.release_freed()
    stored_matches = None
    if stored_frame is not None:
        matched = {p.other_id for p in duplicates if p.other_kind == "stored"}
        stored_matches = stored_frame[stored_frame["event_id"].isin(matched)]
    if progress:
        progress(1.0, "Ready for review")
    return Preview(
        file_name=file_name,
        sha256=digest,
        detection=detection,
        encoding=encoding,
        separator=separator,
        frame=placed,
        problems=checks.sort_problems(problems),
        duplicates=duplicates,
        names_as_written=mapped.names_as_written,
        placement=placement,
        already_uploaded=already_uploaded,
        geocoder_used=geocoder is not None,
        stored_matches=stored_matches,
        timings=timings,
        columns=dict(mapped.columns),
        last_batch_id=last_batch_id,
    )


#: The stored columns de-duplication and the side-by-side review read.
STORED_COLUMNS = (
    "event_id",
    "event_date",
    "date_start",
    "date_end",
    "date_precision",
    "location_text",
    "neighbourhood",
    "latitude",
    "longitude",
    "geo_precision",
    "perpetrators",
    "killed_min",
    "killed_max",
    "source_ref",
)


def _stored_candidates(connection, frame: pd.DataFrame) -> pd.DataFrame:
    """Return the stored events a row of ``frame`` could duplicate (dates within a day).

    Only :data:`STORED_COLUMNS` and only events whose dates overlap the
    file's (a day either side) are read, not the whole store.
    """
    days = [
        pd.to_datetime(frame[column], errors="coerce", format="ISO8601")
        for column in ("event_date", "date_start", "date_end")
    ]
    first = min((d.min() for d in days if d.notna().any()), default=None)
    last = max((d.max() for d in days if d.notna().any()), default=None)
    if first is None or last is None:
        return schema.coerce_events(pd.DataFrame({c: [] for c in STORED_COLUMNS}))
    return store.read_events_overlapping(connection, first.date(), last.date(), STORED_COLUMNS)


def _default_groups() -> GroupNames:
    from footprint.data.groups import default_group_names

    try:
        return default_group_names()
    except (OSError, KeyError, ValueError):
        return GroupNames(pd.DataFrame({"name": [], "aliases": [], "kind": []}))


def _already_stored(
    frame: pd.DataFrame, existing: dict[str, int | None], columns: dict[str, str]
) -> list[Problem]:
    problems = []
    if not existing:
        return problems
    hit = frame["event_id"].isin(existing.keys()).to_numpy()
    name = columns.get("event_id", "event_id")
    for i in np.flatnonzero(hit):
        event_id = frame["event_id"].iloc[i]
        batch = existing[event_id]
        where = f"batch {batch}" if batch is not None else "the seed events"
        problems.append(
            Problem(
                int(frame["_line"].iloc[i]),
                name,
                event_id,
                f"event {event_id} is already stored (from {where}); the row is not stored again.",
                f"Nothing to do. To replace it, undo {where} first."
                if batch is not None
                else "Nothing to do.",
            )
        )
    return problems


def default_decisions(preview: Preview) -> dict[str, str]:
    """Return the command line's decisions: skip a likely duplicate of a stored event, keep the rest.

    A row scoring at least ``dedupe.HIGH`` against a stored event is most
    likely the same event coming in again from another source, and storing it
    twice would count it twice on the map; anything less certain, and every
    pair inside the file, is kept and reported for an analyst to review.
    """
    return {pair.key: _default_decision(pair) for pair in preview.duplicates}


def _default_decision(pair: dedupe.DuplicatePair) -> str:
    """:func:`default_decisions`' choice for one pair."""
    return "skip" if pair.other_kind == "stored" and pair.high else "keep"


def bulk_decisions(
    preview: Preview,
    skip_stored_at: float | None = None,
    keep_within_file: bool = False,
) -> dict[str, str]:
    """Decide many probable duplicates at once, on top of :func:`default_decisions`.

    Parameters
    ----------
    preview : Preview
    skip_stored_at : float, optional
        Skip every row whose pair with a stored event scores at least this
        (0..1); pairs with stored events below it are kept.
    keep_within_file : bool
        Keep every row whose pair is another row of the same file.

    Returns
    -------
    dict
        ``{pair key: decision}`` for every pair.
    """
    pairs = preview.pair_arrays()
    skip = pairs.default_skips()
    if skip_stored_at is not None:
        skip = np.where(pairs.stored, pairs.score >= skip_stored_at, skip)
    if keep_within_file:
        skip &= pairs.stored
    return dict(zip(pairs.keys, np.where(skip, "skip", "keep").tolist(), strict=True))


#: Readable headers of :meth:`Preview.duplicate_table`'s columns, for pages.
DUPLICATE_TABLE_LABELS = {
    "line": "Line",
    "score": "Score",
    "reasons": "Why",
    "new_date": "This row: date",
    "new_place": "This row: place",
    "new_killed": "This row: killed",
    "new_groups": "This row: groups",
    "other": "Probably repeats",
    "other_date": "That event: date",
    "other_place": "That event: place",
    "other_killed": "That event: killed",
    "other_groups": "That event: groups",
}


def plan(
    preview: Preview, decisions: dict[str, str] | None = None
) -> tuple[pd.DataFrame, list[tuple[str, str]], int]:
    """Work out what a commit stores.

    Returns
    -------
    (rows, merges, skipped)
        The rows to insert, ``(event_id to add a source to, source_ref)``
        pairs, and the number of rows skipped or merged away.
    """
    keep, merges, dropped = _keep_mask(preview, decisions)
    return preview.frame[keep], merges, dropped


def plan_counts(preview: Preview, decisions: dict[str, str] | None = None) -> tuple[int, int, int]:
    """Return how many rows a commit stores, merges and skips (:func:`plan`'s counts, no copy)."""
    keep, merges, dropped = _keep_mask(preview, decisions)
    return int(keep.sum()), len(merges), dropped


def _keep_mask(
    preview: Preview, decisions: dict[str, str] | None = None
) -> tuple[np.ndarray, list[tuple[str, str]], int]:
    """Like :func:`plan`, with a boolean mask of the rows to insert instead of the rows.

    A pair ``decisions`` does not name gets :func:`default_decisions`' choice,
    worked out for that pair (not a dict of every pair's default first).
    """
    decisions = decisions or {}
    for key, decision in decisions.items():
        if decision not in DECISIONS:
            raise ValueError(f"decision {decision!r} for {key} is not one of {DECISIONS}")
    valid = preview.valid
    frame = preview.frame
    pairs = preview.pair_arrays()
    skip = pairs.default_skips()
    merge = np.zeros(len(pairs.keys), dtype=bool)
    if decisions:  # the analyst's choices, over the defaults
        chosen = np.array([decisions.get(key) for key in pairs.keys], dtype=object)
        skip = np.where(chosen == None, skip, chosen == "skip")  # noqa: E711  (elementwise)
        merge = chosen == "merge"
    acted = (skip | merge) & valid[pairs.index]  # "keep", and rows with errors, change nothing
    skipped_rows = set(pairs.index[acted & skip].tolist())
    # Merges are the analyst's own choices, so few: each is followed in Python.
    merge_into: dict[int, int | str] = {}
    position_of_line: dict[int, int] | None = None
    for position in np.flatnonzero(acted & merge).tolist():
        pair = preview.duplicates[position]
        if pair.other_kind == "file":
            if position_of_line is None:
                lines = frame["_line"].to_numpy().tolist()
                position_of_line = {}
                for row, line in enumerate(lines):
                    position_of_line.setdefault(line, row)
            merge_into[pair.index] = position_of_line[pair.other_line]
        else:
            merge_into[pair.index] = pair.other_id
    merges: list[tuple[str, str]] = []
    dropped = set(skipped_rows)
    for index, target in merge_into.items():
        # follow merges inside the file to the row that is stored
        seen = {index}
        while isinstance(target, int) and target in merge_into:
            if target in seen:
                break
            seen.add(target)
            target = merge_into[target]
        if isinstance(target, int) and (not valid[target] or target in skipped_rows):
            continue  # nothing stored to merge into: keep the row
        event_id = target if isinstance(target, str) else frame["event_id"].iloc[target]
        merges.append((event_id, frame["source_ref"].iloc[index]))
        dropped.add(index)
    keep = valid.copy()
    keep[np.fromiter(dropped, dtype=np.int64, count=len(dropped))] = False
    return keep, merges, len(dropped)


@memory.collector_paused()
def commit(
    engine: Engine,
    preview: Preview,
    decisions: dict[str, str] | None = None,
    uploaded_by: str = "unknown",
    progress: Progress | None = None,
) -> CommitResult:
    """Store a preview as one batch, in one transaction: all rows or none.

    Parameters
    ----------
    engine : Engine
    preview : Preview
        From :func:`prepare`.
    decisions : dict, optional
        ``{pair key: 'keep' | 'skip' | 'merge'}``; pairs not named get
        :func:`default_decisions`.
    uploaded_by : str
        Who confirmed the upload.
    progress : callable, optional
        ``progress(fraction, message)``.

    While another import holds the store (SQLite allows one writer), the
    commit waits (each try up to ``store.BUSY_TIMEOUT_SECONDS``) and retries
    for up to :data:`COMMIT_TIMEOUT_SECONDS`, then refuses with a message;
    "database is locked" never reaches the analyst. A batch stored since the
    file was prepared is checked for probable duplicates of these rows.

    Raises
    ------
    ImportRefused
        When the file was uploaded before, nothing in it can be stored, the
        store stayed busy, or another upload stored probable duplicates meanwhile.
    """
    clock = time.perf_counter()
    if preview.already_uploaded:
        batch = preview.already_uploaded
        raise ImportRefused(
            f"{preview.file_name} was already uploaded as batch {batch['batch_id']} by "
            f"{batch['uploaded_by']} on {batch['uploaded_at']:%Y-%m-%d %H:%M}.",
            f"Nothing was stored. To upload it again, undo batch {batch['batch_id']} first "
            "(Batch history).",
        )
    keep, merges, skipped = _keep_mask(preview, decisions)
    rejected = int((~preview.valid).sum())
    stored_count = int(keep.sum())
    if not stored_count and not merges:
        raise ImportRefused(
            f"Nothing in {preview.file_name} can be stored: {rejected} of {preview.rows_read} "
            "rows have errors" + (f" and {skipped} are duplicates" if skipped else "") + ".",
            "Fix the rows listed in the problem report and upload the file again.",
            preview.errors,
        )
    if progress:
        progress(0.05, f"Storing {stored_count} events")
    # The rows are taken from the preview a slice at a time (see _store), not
    # copied whole first.
    positions = np.flatnonzero(keep)
    # names as written, by event id: the store looks up the ids it inserts only
    names = preview.names_as_written
    deadline = time.monotonic() + COMMIT_TIMEOUT_SECONDS
    while True:
        try:
            batch_id = _store(
                engine, preview, positions, names, merges, rejected, uploaded_by, progress
            )
            break
        except sa.exc.OperationalError as error:
            if not store.is_busy(error):
                raise
            if time.monotonic() >= deadline:
                raise ImportRefused(
                    f"The store was busy with another import for more than "
                    f"{COMMIT_TIMEOUT_SECONDS:.0f} s, so nothing of {preview.file_name} was "
                    "stored.",
                    "Try again when the other import has finished (see Batch history).",
                ) from error
            if progress:
                progress(0.05, "The store is busy with another import; waiting and retrying")
            time.sleep(1.0)
    if progress:
        progress(1.0, "Stored")
    return CommitResult(
        batch_id=batch_id,
        stored=stored_count,
        merged=len(merges),
        skipped=skipped - len(merges),
        rejected=rejected,
        seconds=time.perf_counter() - clock,
    )


def _events_slice(preview: Preview, positions: np.ndarray) -> pd.DataFrame:
    """The rows at ``positions`` of the preview, without the internal columns."""
    rows = preview.frame.iloc[positions]
    return rows.drop(columns=[c for c in INTERNAL_COLUMNS if c in rows])


def _store(engine, preview, positions, names, merges, rejected, uploaded_by, progress) -> int:
    """Store one batch in one transaction; return its id (see :func:`commit`)."""
    total = len(positions)
    try:
        with engine.begin() as connection:
            if store.find_batch_by_sha256(connection, preview.sha256):
                raise ImportRefused(
                    f"{preview.file_name} was uploaded by someone else meanwhile.",
                    "Nothing was stored; see Batch history.",
                )
            _check_against_newer_batches(connection, preview, positions)
            memory.release_freed()
            batch_id = store.create_batch(
                connection,
                file_name=preview.file_name,
                sha256=preview.sha256,
                format=preview.format,
                rows_read=preview.rows_read,
                rows_stored=total,
                rows_rejected=rejected,
                rows_merged=len(merges),
                uploaded_by=uploaded_by,
            )
            # In slices, inside the one transaction: each slice's values are
            # built for the driver and dropped before the next.
            for start in range(0, total, INSERT_CHUNK):
                store.insert_events(
                    connection,
                    _events_slice(preview, positions[start : start + INSERT_CHUNK]),
                    batch_id=batch_id,
                    group_names_as_written=names,
                )
                if progress:
                    done = min(start + INSERT_CHUNK, total)
                    progress(0.05 + 0.85 * done / max(1, total), f"Stored {done:,} events")
            if progress:
                progress(0.9, "Adding merged sources")
            for event_id, source_ref in merges:
                store.add_source(connection, event_id, source_ref, batch_id)
    except sa.exc.IntegrityError as error:
        raise ImportRefused(
            "Some of these events were stored by another upload while you reviewed this one; "
            "nothing was stored.",
            "Upload the file again to see what is new.",
        ) from error
    return batch_id


def _check_against_newer_batches(connection, preview: Preview, positions: np.ndarray) -> None:
    """Refuse when a batch stored since :func:`prepare` probably holds some of these rows.

    Two files imported at once are each checked against the store as it was
    when they were prepared; the second to commit is checked here, inside its
    own transaction, against what the first stored.
    """
    if preview.last_batch_id is None or store.last_batch_id(connection) <= preview.last_batch_id:
        return
    newer = store.read_batch_events(connection, preview.last_batch_id)
    if newer.empty or not len(positions):
        return
    events_frame = _events_slice(preview, positions)
    rows = events_frame.assign(_line=preview.frame["_line"].to_numpy()[positions])
    pairs = [
        p
        for p in dedupe.find_duplicates(rows.reset_index(drop=True), newer)
        if p.other_kind == "stored"
    ]
    if pairs:
        lines = ", ".join(str(p.line) for p in pairs[:10]) + (", ..." if len(pairs) > 10 else "")
        raise ImportRefused(
            f"While {preview.file_name} was being reviewed, another upload stored events that "
            f"{len(pairs)} of its rows probably duplicate (lines {lines}); nothing was stored.",
            "Upload the file again to review those rows against the new events.",
        )


def undo(engine: Engine, batch_id: int, undone_by: str) -> int:
    """Remove a batch's events and merged sources in one transaction; return events removed.

    Raises
    ------
    footprint.data.store.StoreError
        When there is no such batch or it was undone already.
    """
    with engine.begin() as connection:
        return store.undo_batch(connection, batch_id, undone_by)


def summary(
    preview: Preview,
    result: CommitResult | None = None,
    decisions: dict[str, str] | None = None,
    limit: int | None = None,
) -> dict:
    """Return the JSON summary the command line prints.

    Keys: file, format, rows_read, stored, rejected, rejected_reasons,
    warnings, warning_list, geocoded, precision_upgraded, precision_upgraded_from
    (rows upgraded per file column whose text placed them), probable_duplicates,
    duplicates, batch_id, already_uploaded, timings. ``limit`` lists at most
    that many rejected reasons and duplicates (the first ones; their counts stay
    whole, and ``rejected_reasons_listed`` / ``duplicates_listed`` say how many
    are listed): a 200 MB file can hold half a million pairs.
    """
    decisions = decisions or {}
    errors = preview.errors
    reasons = errors if limit is None else errors[:limit]
    pairs = preview.duplicates if limit is None else preview.duplicates[:limit]
    _, _, skipped = _keep_mask(preview, decisions)
    rejected_rows = int((~preview.valid).sum())
    return {
        "file": preview.file_name,
        "format": preview.format,
        "format_label": preview.detection.label,
        "encoding": preview.encoding,
        "rows_read": preview.rows_read,
        "stored": result.stored if result else 0,
        "would_store": int(preview.valid.sum()) - skipped,
        "rejected": rejected_rows,
        "rejected_reasons": [_problem_dict(p) for p in reasons],
        "rejected_reasons_listed": len(reasons),
        "warnings": len(preview.warnings),
        "warning_list": [_problem_dict(p) for p in preview.warnings[:200]],
        "geocoded": preview.placement.geocoded,
        "precision_upgraded": preview.placement.precision_upgraded,
        "precision_upgraded_from": {
            preview.detection_columns().get(name, name): count
            for name, count in preview.placement.upgraded_from.items()
        },
        "on_city_centre": preview.placement.on_centroid,
        "probable_duplicates": len(preview.duplicates),
        "duplicates": [
            {
                "row": pair.line,
                "other": pair.other_id,
                "other_kind": pair.other_kind,
                "score": pair.score,
                "reasons": list(pair.reasons),
                "decision": decisions.get(pair.key) or _default_decision(pair),
            }
            for pair in pairs
        ],
        "duplicates_listed": len(pairs),
        "merged": result.merged if result else 0,
        "batch_id": result.batch_id if result else None,
        "already_uploaded": (
            {k: str(v) for k, v in preview.already_uploaded.items()}
            if preview.already_uploaded
            else None
        ),
        "timings": {k: round(v, 3) for k, v in preview.timings.items()},
    }


def _problem_dict(problem: Problem) -> dict:
    return {
        "row": problem.row,
        "column": problem.column,
        "value": problem.value,
        "problem": problem.problem,
        "fix": problem.fix,
    }
