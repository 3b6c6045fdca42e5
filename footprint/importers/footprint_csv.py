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

from footprint.data import schema
from footprint.importers import dates
from footprint.importers.base import Reader, Row, place_name, province_name, stable_id
from footprint.importers.checks import clean

_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f"}


class FootprintReader(Reader):
    """Rows of the footprint template."""

    format = "footprint"
    label = "Footprint template"
    columns = {column: column for column in schema.EVENT_COLUMNS}

    def prepare(self, table) -> None:
        """Settle the day/month order of numeric dates from the column's unambiguous ones."""
        self.order = None
        if "event_date" in table.header:
            index = table.header.index("event_date")
            self.order = dates.infer_order(row[index] for row in table.rows)

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
