"""What every reader shares: the row helper, group names, provinces, ids.

A reader turns one source's rows into rows of the events contract
(``schema.EVENT_COLUMNS`` plus the provenance columns it knows), and reports
each cell it cannot read as a :class:`~footprint.importers.checks.Problem`
naming the file's own column. The pipeline then checks, geocodes and
de-duplicates those rows the same way whatever their source.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from footprint.data import schema
from footprint.data.groups import GroupNames
from footprint.importers import dates
from footprint.importers.checks import CellProblem, Problem, clean, parse_coordinate, parse_count
from footprint.importers.textio import RawTable

_CLEAN_CACHE_SIZE = 200_000
_CHUNK_ROWS = 10_000

#: Internal columns the readers add beside the contract and provenance ones.
INTERNAL_COLUMNS = ("_line", "_reported")

_PROVINCES = {
    "balochistan": "Balochistan",
    "baluchistan": "Balochistan",
    "balochistan province": "Balochistan",
    "baluchistan province": "Balochistan",
    "sindh": "Sindh",
    "sind": "Sindh",
    "sindh province": "Sindh",
    "punjab": "Punjab",
    "punjab province": "Punjab",
    "khyber pakhtunkhwa": "Khyber Pakhtunkhwa",
    "khyber pakhtunkwa": "Khyber Pakhtunkhwa",
    "khyber pakhtunkwa province": "Khyber Pakhtunkhwa",
    "khyber pakhtunkhwa province": "Khyber Pakhtunkhwa",
    "kpk": "Khyber Pakhtunkhwa",
    "kp": "Khyber Pakhtunkhwa",
    "nwfp": "Khyber Pakhtunkhwa",
    "north-west frontier province": "Khyber Pakhtunkhwa",
    "north west frontier province": "Khyber Pakhtunkhwa",
    # FATA was merged into Khyber Pakhtunkhwa in 2018; the boundary files
    # and the filters know the merged province. The source's word is kept
    # in ``notes``.
    "fata": "Khyber Pakhtunkhwa",
    "federally administered tribal areas": "Khyber Pakhtunkhwa",
    "islamabad": "Islamabad Capital Territory",
    "capital": "Islamabad Capital Territory",
    "ict": "Islamabad Capital Territory",
    "islamabad capital territory": "Islamabad Capital Territory",
    "federal capital territory": "Islamabad Capital Territory",
    "ajk": "Azad Jammu & Kashmir",
    "azad kashmir": "Azad Jammu & Kashmir",
    "azad jammu & kashmir": "Azad Jammu & Kashmir",
    "azad jammu and kashmir": "Azad Jammu & Kashmir",
    "gilgit-baltistan": "Gilgit-Baltistan",
    "gilgit baltistan": "Gilgit-Baltistan",
    "northern areas": "Gilgit-Baltistan",
}


def province_name(text: str | None) -> str | None:
    """Return the province as the boundary files name it (``Baluchistan`` -> ``Balochistan``).

    Names it does not know are returned as written.
    """
    if text is None:
        return None
    return _PROVINCES.get(text.strip().lower(), text.strip())


def place_name(text: str | None) -> str | None:
    """Tidy a place name: trim it, and title-case it when it is all one case."""
    if text is None:
        return None
    text = text.strip()
    if text.islower() or text.isupper():
        text = text.title()
    return text or None


def stable_id(prefix: str, values: list[str]) -> str:
    """Return ``<prefix>:<16 hex>`` from a row's values: the same row gives the same id."""
    digest = hashlib.sha1("\x1f".join(v.strip() for v in values).encode("utf-8")).hexdigest()
    return f"{prefix}:{digest[:16]}"


_SOURCE_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]+")


def source_key(value: str) -> str:
    """Return a source's own id made safe for an ``event_id`` (no spaces or colons)."""
    return _SOURCE_ID_UNSAFE.sub("-", value.strip()).strip("-")


@dataclass
class MappedRows:
    """A file's rows mapped onto the events contract.

    Attributes
    ----------
    format : str
        The reader's format name.
    frame : DataFrame
        Contract and provenance columns, plus ``_line`` (file line) and
        ``_reported`` (contract columns a problem was already reported for).
    problems : list of Problem
    names_as_written : dict
        ``{event_id: {canonical group: name as written}}``.
    columns : dict
        Contract column -> the file column it came from (for messages).
    identical : dict
        ``{line: earlier line}``: rows without an id of their own whose every
        cell repeats an earlier row's.
    """

    format: str
    frame: pd.DataFrame
    problems: list[Problem]
    names_as_written: dict[str, dict[str, str]]
    columns: dict[str, str]
    identical: dict[int, int] = field(default_factory=dict)


@dataclass
class _UnknownGroup:
    first_line: int
    column: str
    rows: int = 0


class Row:
    """One source row being mapped: read cells, collect groups and problems.

    Readers get one per row in :meth:`Reader.map_row`.
    """

    __slots__ = ("reader", "line", "cells", "groups", "reported")

    def __init__(self, reader: Reader, line: int, cells: dict[str, str]):
        self.reader = reader
        self.line = line
        self.cells = cells
        self.groups: list[tuple[str, str, str]] = []
        self.reported: list[str] = []

    def text(self, column: str) -> str | None:
        """Return the cell of ``column`` (a file column), cleaned; None when empty or absent."""
        value = self.cells.get(column)
        cache = self.reader.cleaned
        try:
            return cache[value]
        except KeyError:
            cleaned = clean(value)
            if len(cache) < _CLEAN_CACHE_SIZE:
                cache[value] = cleaned
            return cleaned

    def raw(self, column: str) -> str:
        """Return the cell as written ('' when the column is absent)."""
        return self.cells.get(column) or ""

    def problem(
        self,
        column: str | None,
        value: object,
        problem: str,
        fix: str,
        severity: str = "error",
        contract: str | None = None,
    ) -> None:
        """Report a problem with this row (``contract`` names the contract column)."""
        self.reader.problems.append(
            Problem(
                self.line,
                column,
                None if value is None else str(value)[:200],
                problem,
                fix,
                severity,
            )
        )
        if contract and severity == "error":
            self.reported.append(contract)

    def coordinate(self, column: str, name: str) -> float | None:
        """Read a latitude or longitude cell, reporting what cannot be read."""
        try:
            return parse_coordinate(self.cells.get(column), name)
        except CellProblem as error:
            self.problem(
                column, self.cells.get(column), error.problem, error.fix, contract="latitude"
            )
            return None

    def count(self, column: str, contract: str) -> int | None:
        """Read a casualty count cell, reporting what cannot be read."""
        try:
            return parse_count(self.cells.get(column))
        except CellProblem as error:
            self.problem(
                column, self.cells.get(column), error.problem, error.fix, contract=contract
            )
            return None

    def date(self, column: str, order: str | None = None) -> dates.ParsedDate | None:
        """Read a date cell, reporting a missing, bad or ambiguous date."""
        value = self.cells.get(column)
        try:
            parsed = dates.parse_date(value, order=order)
        except dates.DateProblem as error:
            self.problem(column, value, error.problem, error.fix, contract="event_date")
            return None
        if parsed.note:
            self.problem(column, value, parsed.note, "Check the date.", "warning")
        return parsed

    def group(self, written: str | None, link: str, column: str) -> None:
        """Link a group to the event by any spelling; unknown names are kept as written."""
        written = clean(written)
        if written:
            self.groups.append((written, link, column))


class Reader:
    """Base class of the per-format readers.

    Subclasses set :attr:`format`, :attr:`label` and :attr:`columns` and
    implement :meth:`map_row`.
    """

    #: Short name (``ucdp``), as ``--format`` takes it.
    format: str = ""
    #: Name shown to the analyst.
    label: str = ""
    #: Contract column -> the file column it is read from (for messages).
    columns: dict[str, str] = {}
    #: Other file columns the reader reads (into notes, or to decide a value).
    also_reads: tuple[str, ...] = ()
    #: The file column holding the source's own event id, and how the
    #: format's exports call it (for the warning when it is absent).
    #: Without it, ids are made from the row's values (:meth:`made_id`).
    id_column: str | None = None

    def __init__(self, file_name: str, groups: GroupNames, header: list[str] | None = None):
        self.file_name = file_name
        self.group_names = groups
        self.header = header or []
        self.problems: list[Problem] = []
        self._unknown: dict[str, _UnknownGroup] = {}
        self._matches: dict = {}
        self._made_ids: dict[str, int] = {}
        self._repeats: dict[str, int] = {}
        #: ``{line: earlier line}`` for rows whose every cell repeats an earlier row's.
        self.identical: dict[int, int] = {}
        #: Cleaned cell texts by raw text: files repeat the same values a lot.
        self.cleaned: dict = {None: None, "": None}

    def prepare(self, table: RawTable) -> None:
        """Look at the whole table before the rows are mapped (e.g. the date order)."""

    def map_row(self, row: Row) -> dict:
        """Return the contract record for one source row."""
        raise NotImplementedError

    def has_id_column(self) -> bool:
        """True when the file has the format's own id column."""
        return bool(self.id_column) and self.id_column in self.header

    def warn_missing_id_column(self) -> None:
        """Warn once, for the file, that ids are made from row values."""
        if self.id_column and not self.has_id_column():
            self.problems.append(
                Problem(
                    None,
                    self.id_column,
                    None,
                    f"The export has no {self.id_column} column, so event ids are made from "
                    "each row's values: re-uploading a changed row will not be recognised as "
                    "the same event.",
                    f"Include {self.id_column} when exporting from {self.label}.",
                    "warning",
                )
            )

    def made_id(self, row: Row, prefix: str) -> str:
        """Return an id made from every cell of the row (stable for the same row).

        Rows whose every cell repeats an earlier row's (several attacks on one
        day in one city, exported with too few columns to tell apart) get the
        same id plus ``-2``, ``-3``...; :attr:`identical` records them so the
        pipeline offers them as probable duplicates for review.
        """
        made = stable_id(prefix, [row.raw(c) for c in self.header])
        first = self._made_ids.setdefault(made, row.line)
        if first == row.line:
            return made
        self.identical[row.line] = first
        count = self._repeats[made] = self._repeats.get(made, 1) + 1
        return f"{made}-{count}"

    def source_ref(self, row: Row, citation: str | None = None) -> str:
        """Return ``<file name>:<line>`` plus the source's own citation."""
        ref = f"{self.file_name}:{row.line}"
        return f"{ref}; {citation}" if citation else ref

    def read(self, table: RawTable, progress: Callable[[float], None] | None = None) -> MappedRows:
        """Map every row of ``table``; return the rows and the problems found."""
        self.begin(table)
        frame = self.read_chunk(table, progress)
        return self.finish([frame])

    def begin(self, table) -> None:
        """Get ready to map a file's rows: its header, :meth:`prepare`, file-wide warnings.

        ``table`` is a :class:`RawTable` or a :class:`~footprint.importers.textio.TableStream`
        (whose ``rows`` are parsed again for :meth:`prepare`'s look at a column).
        """
        self.header = table.header
        self.names_as_written: dict[str, dict[str, str]] = {}
        self.prepare(table)
        self.warn_missing_id_column()

    def read_chunk(
        self, table: RawTable, progress: Callable[[float], None] | None = None
    ) -> pd.DataFrame:
        """Map a chunk of rows (after :meth:`begin`); return its frame.

        Problems go to :attr:`problems`, names as written to
        :attr:`names_as_written`, in the order of the rows: mapping a file a
        chunk at a time gives what mapping it at once gives.
        """
        records, chunks = [], []
        names_as_written = self.names_as_written
        header = table.header
        total = len(table.rows) or 1
        step = max(1, total // 20)
        for index, (values, line) in enumerate(zip(table.rows, table.lines, strict=True)):
            row = Row(self, line, dict(zip(header, values, strict=True)))
            record = self.map_row(row)
            record["_line"] = line
            record["_reported"] = " ".join(row.reported)
            if row.groups:
                record["perpetrators"], written = self._perpetrators(row)
                names_as_written[record["event_id"]] = written
            records.append(record)
            if len(records) == _CHUNK_ROWS:  # a frame per chunk holds far less than dicts
                chunks.append(pd.DataFrame.from_records(records))
                records = []
            if progress and index % step == 0:
                progress(index / total)
        chunks.append(pd.DataFrame.from_records(records))
        frame = pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]
        return self._complete(frame)

    @staticmethod
    def _complete(frame: pd.DataFrame) -> pd.DataFrame:
        for column in (*schema.EVENT_COLUMNS, *schema.PROVENANCE_COLUMNS, *INTERNAL_COLUMNS):
            if column not in frame:
                frame[column] = None
        return frame.astype({"_line": "int64"})

    def finish(self, frames: list[pd.DataFrame]) -> MappedRows:
        """Return the mapped rows of every chunk, with the file's problems."""
        self._report_unknown_groups()
        frames = [f for f in frames if len(f)] or [self._complete(pd.DataFrame())]
        frame = _concat(frames) if len(frames) > 1 else frames[0]
        return MappedRows(
            self.format,
            frame,
            self.problems,
            self.names_as_written,
            dict(self.columns),
            dict(self.identical),
        )

    def best_spelling(self, name: str) -> str:
        """Return the spelling of ``name`` the group names know, else ``name``.

        Sources add abbreviations and codes: GTD writes "Tehrik-i-Taliban
        Pakistan (TTP)", ACLED "TTP: Tehrik-i-Taliban Pakistan". The whole
        name is tried first, then each part.
        """
        if self.group_names.lookup(name).recognised:
            return name
        parts = []
        bracket = re.match(r"^(.*?)\s*\(([^()]+)\)\s*$", name)
        if bracket:
            parts += [bracket.group(1), bracket.group(2)]
        if ":" in name:
            parts += name.split(":")
        for part in parts:
            part = part.strip()
            if part and self.group_names.lookup(part).recognised:
                return part
        return name

    def _match(self, name: str):
        """The group-name match of a name as written (cached: files repeat names)."""
        match = self._matches.get(name)
        if match is None:
            match = self._matches[name] = self.group_names.lookup(
                _safe_group_name(self.best_spelling(name))
            )
        return match

    def _perpetrators(self, row: Row) -> tuple[str, dict[str, str]]:
        strongest: dict[str, str] = {}
        written: dict[str, str] = {}
        for name, link, column in row.groups:
            match = self._match(name)
            if not match.recognised:
                unknown = self._unknown.setdefault(match.name, _UnknownGroup(row.line, column))
                unknown.rows += 1
            current = strongest.get(match.name)
            if current is None or schema.LINK_RANK[link] < schema.LINK_RANK[current]:
                strongest[match.name] = link
            written.setdefault(match.name, name)
        return schema.format_perpetrators(list(strongest.items())), written

    def _report_unknown_groups(self) -> None:
        for name, unknown in sorted(self._unknown.items(), key=lambda item: item[1].first_line):
            self.problems.append(
                Problem(
                    unknown.first_line,
                    unknown.column,
                    name,
                    f"the group {name!r} ({unknown.rows} row(s) from here on) is not in "
                    "data/groups.csv; it is kept as written and flagged as unrecognised.",
                    "Nothing blocks the upload. If it is another spelling of a known group, "
                    "add it to that group's aliases in data/groups.csv.",
                    "warning",
                )
            )


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate chunk frames with the dtypes the whole file's frame would have.

    A column read as text (pandas' ``str``) or numbers (``float64``, or
    ``int64`` without gaps) in one chunk may be empty throughout another,
    where it is ``object`` (all None); concatenating the two would give
    ``object``, where the file read at once gives ``str`` or ``float64``.
    """
    for column in frames[0].columns:
        typed = None
        for frame in frames:
            dtype = frame[column].dtype
            if isinstance(dtype, pd.StringDtype):
                typed = dtype
                break
            if dtype.kind in "if":
                typed = np.dtype("float64")
        if typed is None:
            continue
        for index, frame in enumerate(frames):
            if frame[column].dtype == object and frame[column].isna().all():
                frames[index] = frame.assign(**{column: frame[column].astype(typed)})
    return pd.concat(frames, ignore_index=True)


def _safe_group_name(name: str) -> str:
    # ';' separates groups and a trailing '(word)' is read as the link in a
    # perpetrators cell, so neither may survive inside a name.
    name = name.replace(";", ",").strip()
    return re.sub(r"\(([a-z]+)\)\s*$", r"[\1]", name)


def join_notes(*parts: str | None) -> str | None:
    """Join non-empty note parts with '; '."""
    kept = [part for part in parts if part]
    return "; ".join(kept) or None


# --- column-wise mapping ----------------------------------------------------
#
# Files repeat values a lot (a few thousand dates, places and group cells in a
# million rows), so a reader can map a chunk a column at a time: each distinct
# value (or combination of values) goes once through the same per-row code,
# run on a probe row, and its result and problems are spread back to every row
# that holds it.


class _Probe:
    """Stands in for a reader while a probe row is mapped: collects its problems."""

    def __init__(self, reader: Reader):
        self.problems: list[Problem] = []
        self.cleaned = reader.cleaned
        self.reader = reader


def probe(reader: Reader, cells: dict) -> tuple[Row, list[Problem]]:
    """Return a row of ``cells`` whose problems (on line 0) go to the returned list."""
    recorder = _Probe(reader)
    return Row(recorder, 0, cells), recorder.problems  # type: ignore[arg-type]


def factorize(values: np.ndarray) -> tuple[np.ndarray, list]:
    """Return ``(codes, distinct values)``; None (and NaN) get code -1."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes, list(uniques)


def combine(arrays: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(codes, first row of each code)`` for the distinct combinations of values."""
    key = np.zeros(len(arrays[0]), dtype=np.int64)
    for values in arrays:
        codes, uniques = factorize(values)
        key, _ = pd.factorize(key * (len(uniques) + 1) + (codes + 1))
        key = key.astype(np.int64)
    _, first = np.unique(key, return_index=True)
    return key, first


def spread(results: list, codes: np.ndarray, missing=None) -> np.ndarray:
    """Return ``results[code]`` per row as an object array (code -1: ``missing``)."""
    table = np.empty(len(results) + 1, dtype=object)
    table[: len(results)] = results
    table[-1] = missing
    return table[codes]


def per_value(function, values: np.ndarray) -> np.ndarray:
    """Apply ``function`` to each distinct value once; return the results per row."""
    codes, uniques = factorize(values)
    return spread([function(u) for u in uniques], codes, function(None))


def emit_problems(
    reader: Reader,
    templates: list[list[Problem]],
    codes: np.ndarray,
    lines: np.ndarray,
    reported: list[list[str]] | None = None,
    row_reported: dict[int, list[str]] | None = None,
) -> None:
    """Add each row's copy of the problems found on its distinct value, in row order.

    ``templates[code]`` are the problems of the probe row (line 0), with the
    last entry for code -1 (an empty cell); ``reported[code]`` the contract
    columns it reported, appended to ``row_reported[row]``.
    """
    has = np.array([bool(t) for t in templates], dtype=bool)
    append = reader.problems.append
    for index in np.flatnonzero(has[codes]):
        line = int(lines[index])
        for p in templates[codes[index]]:
            append(Problem(line, p.column, p.value, p.problem, p.fix, p.severity))
        if reported is not None and row_reported is not None and reported[codes[index]]:
            row_reported.setdefault(int(index), []).extend(reported[codes[index]])
