"""Read our own template: the columns of ``schema.EVENT_COLUMNS`` (``data/template.csv``).

Values are taken as written and checked against the contract. What the
analyst may leave empty, and what then happens:

==================  =====================================================
column              when empty
==================  =====================================================
event_date          the row is refused (required)
event_type          the row is refused (required)
event_id            a stable id from the row's values (``up:<hash>``)
date_start, _end    the span of ``event_date`` at its ``date_precision``
date_precision      the precision the date is written with (day, month, year)
geo_precision       ``city`` when coordinates are given (a warning says so)
latitude/longitude  the place text is geocoded
source_id           ``upload:<file name>`` (a warning says so)
casualties          unknown (never 0)
==================  =====================================================

``perpetrators`` is written ``Name (link); Name (link)`` with link one of
``claimed``, ``attributed``, ``suspected``; each name goes through the group
names, and an unknown one is kept as written and flagged.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from footprint.data import schema
from footprint.importers import dates
from footprint.importers.base import (
    Reader,
    Row,
    _UnknownGroup,
    combine,
    emit_problems,
    factorize,
    place_name,
    probe,
    province_name,
    spread,
    stable_id,
)
from footprint.importers.checks import Problem, clean

#: Distinct date cells kept read at most (a file of all-different dates
#: would otherwise keep one entry per row).
_DATES_KEPT = 200_000
_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f"}


class FootprintReader(Reader):
    """Rows of the footprint template."""

    format = "footprint"
    label = "Footprint template"
    columns = {column: column for column in schema.EVENT_COLUMNS}
    #: Map a chunk a column at a time (:meth:`read_chunk`); False: row by row
    #: through :meth:`map_row`, which gives the same rows and problems.
    vectorised = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        #: ``{(event_date, date_precision, date_start, date_end) cells: (dates,
        #: problems, columns reported)}``, kept across a file's chunks.
        self._dates_read: dict[tuple, tuple] = {}

    def prepare(self, table) -> None:
        """Settle the day/month order of numeric dates from the column's unambiguous ones."""
        self.order = None
        if "event_date" in table.header:
            self.order = dates.infer_order(_column(table, "event_date"))

    def map_row(self, row: Row) -> dict:
        """Map one template row."""
        record = {column: row.text(column) for column in schema.EVENT_COLUMNS}
        for column in (
            "date_precision",
            "event_type",
            "attack_type",
            "target_type",
            "geo_precision",
        ):
            if record[column]:
                record[column] = record[column].lower().replace(" ", "_")
        if not record["event_type"]:
            row.problem(
                "event_type",
                None,
                "event_type is missing.",
                f"Use one of: {', '.join(schema.EVENT_TYPES)}.",
            )
        if not record["event_id"]:
            values = [row.raw(c) for c in self.header if c != "event_id"]
            record["event_id"] = stable_id("up", values)
        elif len(record["event_id"]) > 64:
            row.problem(
                "event_id",
                record["event_id"],
                "the event_id is longer than 64 characters.",
                "Use a shorter id.",
            )
        self._dates(row, record)
        record["latitude"] = row.coordinate("latitude", "latitude")
        record["longitude"] = row.coordinate("longitude", "longitude")
        if record["latitude"] is not None and record["longitude"] is not None:
            if not record["geo_precision"]:
                row.problem(
                    "geo_precision",
                    None,
                    "geo_precision is empty although coordinates are given; 'city' is assumed.",
                    f"Say how precise the coordinates are: one of {', '.join(schema.GEO_PRECISIONS)}.",
                    "warning",
                )
                record["geo_precision"] = "city"
        for column in schema.COUNT_COLUMNS:
            record[column] = row.count(column, column)
        suicide = record["suicide"]
        if suicide is not None:
            if suicide.lower() in _TRUE:
                record["suicide"] = True
            elif suicide.lower() in _FALSE:
                record["suicide"] = False
            else:
                row.problem(
                    "suicide",
                    suicide,
                    "suicide must be true or false.",
                    "Write true, false, or leave it empty.",
                )
                record["suicide"] = None
        record["province"] = province_name(record["province"])
        record["city"] = place_name(record["city"])
        self._read_perpetrators(row, record)
        if not record["source_id"]:
            record["source_id"] = f"upload:{Path(self.file_name).stem}"
            row.problem(
                "source_id",
                None,
                f"source_id is empty; {record['source_id']!r} is used.",
                "Name the source document in source_id (e.g. dawn-2015-03-20).",
                "warning",
            )
        record["source_ref"] = self.source_ref(row, record["source_ref"])
        return record

    def _dates(self, row: Row, record: dict) -> None:
        parsed = row.date("event_date", self.order)
        if parsed is None:
            record["event_date"] = record["date_start"] = record["date_end"] = None
            return
        precision = record["date_precision"] or parsed.precision
        order = schema.DATE_PRECISIONS
        if precision in order and order.index(precision) < order.index(parsed.precision):
            row.problem(
                "date_precision",
                precision,
                f"date_precision says {precision} but the date gives only the "
                f"{parsed.precision}; {parsed.precision} is used.",
                "Write the full date, or set date_precision to match it.",
                "warning",
            )
            precision = parsed.precision
        if precision in order and precision != parsed.precision:
            parsed = dates.span(parsed.start, precision)
        record["date_precision"] = precision
        record["event_date"] = parsed.start.isoformat()
        for column, default in (("date_start", parsed.start), ("date_end", parsed.end)):
            if record[column]:
                given = row.date(column, self.order)
                if given is None:
                    record[column] = None
                else:
                    record[column] = (
                        given.start if column == "date_start" else given.end
                    ).isoformat()
            else:
                record[column] = default.isoformat()
        if (
            record["date_start"]
            and record["date_end"]
            and record["date_start"] > record["date_end"]
        ):
            row.problem(
                "date_end",
                record["date_end"],
                f"date_end is before date_start ({record['date_start']}).",
                "Swap date_start and date_end.",
                contract="event_date",
            )

    def _read_perpetrators(self, row: Row, record: dict) -> None:
        text = record.pop("perpetrators", None)
        record["perpetrators"] = None
        if not text:
            return
        try:
            perpetrators = schema.parse_perpetrators(text)
        except schema.SchemaError as error:
            row.problem(
                "perpetrators", error.value, f"{error.value!r} is not 'Name (link)'.", error.fix
            )
            return
        for perpetrator in perpetrators:
            row.group(clean(perpetrator.group), perpetrator.link, "perpetrators")

    # --- a chunk a column at a time ----------------------------------------

    def read_chunk(self, table, progress=None) -> pd.DataFrame:
        """Map a chunk a column at a time; the same rows and problems as :meth:`map_row`.

        Each distinct value (or combination, for dates) goes once through the
        per-row code on a probe row, and its result and problems are spread to
        every row holding it: a million-row file has a few thousand dates.
        """
        if not self.vectorised or not table.rows:
            return super().read_chunk(table, progress)
        header = table.header
        count = len(table.rows)
        # One 2-D object array filled by numpy, then a column at a time
        # (about twice as fast as transposing the rows with zip).
        cells = np.empty((count, len(header)), dtype=object)
        cells[:] = table.rows
        raw = {name: cells[:, index].copy() for index, name in enumerate(header)}
        del cells
        lines = np.asarray(table.lines, dtype=np.int64)

        def missing_ids(rows: np.ndarray) -> list[str]:
            return [
                stable_id(
                    "up", [v for c, v in zip(header, table.rows[i], strict=True) if c != "event_id"]
                )
                for i in rows
            ]

        return self.map_columns(raw, count, lines, missing_ids)

    def map_columns(self, raw: dict, count: int, lines: np.ndarray, missing_ids) -> pd.DataFrame:
        """Map raw cells, ``{file column: object array}``, into a chunk's frame.

        ``missing_ids(rows)`` returns the made ids of the rows (positions) without one.
        """
        empty = np.full(count, None, dtype=object)

        def cells(column: str) -> np.ndarray:
            return raw.get(column, empty)

        cache = self.cleaned

        def cleaned_text(value):
            try:
                return cache[value]
            except KeyError:
                return clean(value)

        def per_value(function, values: np.ndarray) -> np.ndarray:
            codes, uniques = factorize(values)
            return spread([function(u) for u in uniques], codes, function(None))

        record = {column: per_value(cleaned_text, cells(column)) for column in schema.EVENT_COLUMNS}
        reported: dict[int, list[str]] = {}
        for column in (
            "date_precision",
            "event_type",
            "attack_type",
            "target_type",
            "geo_precision",
        ):
            record[column] = per_value(
                lambda v: v.lower().replace(" ", "_") if v else v, record[column]
            )
        no_type = np.flatnonzero(record["event_type"] == None)  # noqa: E711 - element-wise
        fix = f"Use one of: {', '.join(schema.EVENT_TYPES)}."
        for index in no_type:
            self.problems.append(
                Problem(int(lines[index]), "event_type", None, "event_type is missing.", fix)
            )
        self._ids(record, lines, missing_ids)
        self._date_columns(record, cells, lines, reported)
        self._coordinate_columns(record, cells, lines, reported)
        for column in schema.COUNT_COLUMNS:
            record[column] = self._probed(
                cells(column), lambda row, c=column: row.count(c, c), lines, reported
            )
        record["suicide"] = self._probed(record["suicide"], _suicide, lines)
        record["province"] = per_value(province_name, record["province"])
        record["city"] = per_value(place_name, record["city"])
        self._perpetrator_column(record, lines)
        no_source = np.flatnonzero(record["source_id"] == None)  # noqa: E711
        if len(no_source):
            default = f"upload:{Path(self.file_name).stem}"
            record["source_id"][no_source] = default
            for index in no_source:
                self.problems.append(
                    Problem(
                        int(lines[index]),
                        "source_id",
                        None,
                        f"source_id is empty; {default!r} is used.",
                        "Name the source document in source_id (e.g. dawn-2015-03-20).",
                        "warning",
                    )
                )
        name = self.file_name
        record["source_ref"] = np.array(
            [
                f"{name}:{line}; {citation}" if citation else f"{name}:{line}"
                for line, citation in zip(lines.tolist(), record["source_ref"], strict=True)
            ],
            dtype=object,
        )
        perpetrators = record.pop("perpetrators")
        columns = {column: values.tolist() for column, values in record.items()}
        columns["perpetrators"] = perpetrators.tolist()
        columns["_line"] = lines
        columns["_reported"] = [
            " ".join(reported[i]) if i in reported else "" for i in range(count)
        ]
        return self._complete(pd.DataFrame(columns))

    def _probed(self, values, read, lines, reported=None) -> np.ndarray:
        """Read each distinct cell once with ``read(row)`` on a probe row; spread the results."""
        codes, uniques = factorize(values)
        results, templates, contracts = [], [], []
        for value in [*uniques, None]:
            row, problems = probe(self, {"value": value})
            row.cells = _Cells(value)
            results.append(read(row))
            templates.append(problems)
            contracts.append(row.reported)
        emit_problems(self, templates, codes, lines, contracts, reported)
        return spread(results[:-1], codes, results[-1])

    def _ids(self, record: dict, lines: np.ndarray, missing_ids) -> None:
        ids = record["event_id"]
        absent = np.flatnonzero(ids == None)  # noqa: E711
        if len(absent):
            ids[absent] = missing_ids(absent)
        lengths = np.fromiter((len(v) for v in ids), dtype=np.int64, count=len(ids))
        for index in np.flatnonzero(lengths > 64):
            self.problems.append(
                Problem(
                    int(lines[index]),
                    "event_id",
                    str(ids[index])[:200],
                    "the event_id is longer than 64 characters.",
                    "Use a shorter id.",
                )
            )

    def _date_columns(self, record, cells, lines, reported) -> None:
        written = [cells(c) for c in ("event_date", "date_precision", "date_start", "date_end")]
        codes, first = combine(written)
        outputs = {c: [] for c in ("event_date", "date_start", "date_end", "date_precision")}
        templates, contracts = [], []
        # Read once per file, not per chunk: the chunks of a file share most dates.
        read = self._dates_read
        if len(read) > _DATES_KEPT:
            read.clear()
        for index in first.tolist():
            key = tuple(values[index] for values in written)
            found = read.get(key)
            if found is None:
                row, problems = probe(
                    self,
                    {
                        "event_date": written[0][index],
                        "date_start": written[2][index],
                        "date_end": written[3][index],
                    },
                )
                one = {c: record[c][index] for c in outputs}
                self._dates(row, one)
                found = read[key] = ([one[c] for c in outputs], problems, row.reported)
            for column, value in zip(outputs, found[0], strict=True):
                outputs[column].append(value)
            templates.append(found[1])
            contracts.append(found[2])
        emit_problems(self, templates, codes, lines, contracts, reported)
        for column, values in outputs.items():
            record[column] = spread(values, codes)

    def _coordinate_columns(self, record, cells, lines, reported) -> None:
        for column in ("latitude", "longitude"):
            values = cells(column)
            codes, uniques = factorize(values)
            texts = pd.Series(uniques, dtype=object)
            plain = texts.str.fullmatch(r"-?\d{1,3}(\.\d+)?").fillna(False).to_numpy(dtype=bool)
            results = np.empty(len(uniques) + 1, dtype=object)
            # One shared empty list for the plain values (most of them): only
            # the others' entries are replaced below, never appended to.
            templates: list[list[Problem]] = [[]] * (len(uniques) + 1)
            contracts: list[list[str]] = [[]] * (len(uniques) + 1)
            # Plain decimals are what float() reads them as; the rest go
            # through the per-row reading (decimal commas, problems).
            results[np.flatnonzero(plain)] = (
                texts[plain].to_numpy(dtype=object).astype(np.float64).tolist()
            )
            for index in [*np.flatnonzero(~plain).tolist(), len(uniques)]:
                value = uniques[index] if index < len(uniques) else None
                row, problems = probe(self, {column: value})
                results[index] = row.coordinate(column, column)
                templates[index] = problems
                contracts[index] = row.reported
            emit_problems(self, templates, codes, lines, contracts, reported)
            record[column] = results[codes]
        both = (record["latitude"] != None) & (record["longitude"] != None)  # noqa: E711
        assumed = np.flatnonzero(both & (record["geo_precision"] == None))  # noqa: E711
        if len(assumed):
            record["geo_precision"][assumed] = "city"
            for index in assumed:
                self.problems.append(
                    Problem(
                        int(lines[index]),
                        "geo_precision",
                        None,
                        "geo_precision is empty although coordinates are given; 'city' is assumed.",
                        "Say how precise the coordinates are: one of "
                        f"{', '.join(schema.GEO_PRECISIONS)}.",
                        "warning",
                    )
                )

    def _perpetrator_column(self, record: dict, lines: np.ndarray) -> None:
        codes, uniques = factorize(record["perpetrators"])
        formatted, written, unknown, templates = [], [], [], []
        for value in [*uniques, None]:
            row, problems = probe(self, {"perpetrators": value})
            one = {"perpetrators": value}
            self._read_perpetrators(row, one)
            templates.append(problems)
            if not row.groups:
                formatted.append(None)
                written.append(None)
                unknown.append([])
                continue
            strongest: dict[str, str] = {}
            names: dict[str, str] = {}
            found = []
            for name, link, column in row.groups:
                match = self._match(name)
                if not match.recognised:
                    found.append((match.name, column))
                current = strongest.get(match.name)
                if current is None or schema.LINK_RANK[link] < schema.LINK_RANK[current]:
                    strongest[match.name] = link
                names.setdefault(match.name, name)
            formatted.append(schema.format_perpetrators(list(strongest.items())))
            written.append(names)
            unknown.append(found)
        emit_problems(self, templates, codes, lines, None, None)
        record["perpetrators"] = spread(formatted[:-1], codes, formatted[-1])
        has_groups = np.array([w is not None for w in written], dtype=bool)[codes]
        if has_groups.any():
            rows = np.flatnonzero(has_groups)
            self.names_as_written.update(
                zip(
                    record["event_id"][rows].tolist(),
                    spread(written[:-1], codes, written[-1])[rows].tolist(),
                    strict=True,
                )
            )
        # Unknown groups: first line and rows, as row-by-row mapping counts them.
        if any(unknown):
            holders = [code for code, found in enumerate(unknown) if found]
            position = np.array(holders)
            where = np.isin(codes, position[position < len(uniques)])
            if unknown[-1]:
                where |= codes == -1
            rows = np.flatnonzero(where)
            row_codes = codes[rows]
            first_line: dict[int, int] = {}
            counts: dict[int, int] = {}
            for index, code in zip(rows.tolist(), row_codes.tolist(), strict=True):
                first_line.setdefault(code, int(lines[index]))
                counts[code] = counts.get(code, 0) + 1
            seen = []
            for code in first_line:
                for order, (name, column) in enumerate(unknown[code]):
                    seen.append((first_line[code], order, name, column, counts[code]))
            for line, _, name, column, rows_here in sorted(seen, key=lambda s: (s[0], s[1])):
                group = self._unknown.setdefault(name, _UnknownGroup(line, column))
                group.rows += rows_here


def _column(table, name: str):
    """The cells of column ``name``: a stream's column (see ``TableStream.column``) or a list."""
    if hasattr(table, "column"):
        return table.column(name)
    index = table.header.index(name)
    return [row[index] for row in table.rows]


class _Cells(dict):
    """A probe row's cells: every column holds the one value being read."""

    def __init__(self, value):
        super().__init__()
        self.value = value

    def get(self, column, default=None):
        return self.value


def _suicide(row: Row):
    suicide = row.cells.get("suicide")
    if suicide is None:
        return None
    if suicide.lower() in _TRUE:
        return True
    if suicide.lower() in _FALSE:
        return False
    row.problem(
        "suicide",
        suicide,
        "suicide must be true or false.",
        "Write true, false, or leave it empty.",
    )
    return None
