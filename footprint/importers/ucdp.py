"""Read the UCDP Georeferenced Event Dataset (GED), including HDX extracts.

The HDX extract's second row of HXL hashtags (``#date+year,...``) is skipped by
:mod:`footprint.importers.textio`. Cite UCDP GED when showing these events.

====================================  ==============================================
UCDP GED                              events contract
====================================  ==============================================
id                                    ``event_id`` = ``source_id`` = ``ucdp:<id>``
date_start, date_end                  date_start, date_end; event_date = date_start
date_prec 1                           date_precision ``day`` (exact date)
date_prec 2, 3                        ``week`` (2-6 days; the week is known)
date_prec 4                           ``month`` (8-30 days; the month is known)
date_prec 5                           ``year`` (more than a month)
where_description (else               location_text
where_coordinates)
where_coordinates ``X town``          city ``X``
adm_1 / adm_2                         province (``Balochistan province`` ->
                                      ``Balochistan``) / district
latitude, longitude                   latitude, longitude
where_prec 1                          geo_precision ``town`` (the exact place, a town
                                      or village point; a city's centre point
                                      becomes ``city`` in the centroid step)
where_prec 2                          ``district`` (within ~25 km of a known point)
where_prec 3                          ``district`` (the second-order admin unit)
where_prec 4                          ``province`` (the first-order admin unit)
where_prec 5                          ``district`` (a road, border or other linear
                                      feature, or an area between units)
where_prec 6                          the country only: coordinates moved to
                                      original_latitude/_longitude and the place
                                      text is geocoded instead
where_prec 7                          international waters or air space: refused
low, high (best)                      killed_min, killed_max; ``best`` in notes;
                                      only best given: min = max = best; low
                                      above high (137 rows of the HDX extract,
                                      low = high + 1) is read as the range
                                      high-low, with a warning
side_a, side_b                        perpetrators, link ``attributed`` (UCDP records
                                      who was party to the violence, not who
                                      started it); governments and "Civilians"
                                      are not groups
type_of_violence 3 (one-sided)        target_type ``civilians``
source_article (else                  source_ref, after ``<file>:<line>``
source_headline)
source_headline                       summary
type_of_violence, dyad_name,          notes
where_prec, date_prec, best
country                               must be Pakistan
====================================  ==============================================

All rows get event_type ``attack`` and attack_type ``unknown``: UCDP does not
code how the violence was done.
"""

from __future__ import annotations

from footprint.importers import dates
from footprint.importers.base import (
    Reader,
    Row,
    join_notes,
    place_name,
    province_name,
    source_key,
)

_DATE_PRECISION = {"1": "day", "2": "week", "3": "week", "4": "month", "5": "year"}
_WHERE_PRECISION = {"1": "town", "2": "district", "3": "district", "4": "province", "5": "district"}
_VIOLENCE = {"1": "state-based", "2": "non-state", "3": "one-sided"}


def _not_a_group(name: str) -> bool:
    lowered = name.lower()
    return lowered.startswith("government of") or lowered == "civilians"


class UcdpReader(Reader):
    """Rows of a UCDP GED export."""

    format = "ucdp"
    label = "UCDP Georeferenced Event Dataset"
    also_reads = (
        "year", "type_of_violence", "side_b", "where_coordinates", "best", "dyad_name", "country",
    )  # fmt: skip
    id_column = "id"
    columns = {
        "event_id": "id",
        "source_id": "id",
        "event_date": "date_start",
        "date_start": "date_start",
        "date_end": "date_end",
        "date_precision": "date_prec",
        "location_text": "where_description",
        "province": "adm_1",
        "district": "adm_2",
        "latitude": "latitude",
        "longitude": "longitude",
        "geo_precision": "where_prec",
        "killed_min": "low",
        "killed_max": "high",
        "perpetrators": "side_a",
        "summary": "source_headline",
        "source_ref": "source_article",
    }

    def map_row(self, row: Row) -> dict:
        """Map one UCDP GED row."""
        own_id = row.text("id")
        if own_id:
            event_id = f"ucdp:{source_key(own_id.split('.')[0])}"
        elif not self.has_id_column():
            event_id = self.made_id(row, "ucdp")
        else:
            row.problem("id", None, "the UCDP event id is missing.", "Export the id column too.")
            event_id = f"ucdp:line-{row.line}"
        record = {
            "event_id": event_id,
            "source_id": event_id,
            "event_type": "attack",
            "attack_type": "unknown",
        }
        date_prec = (row.text("date_prec") or "1").split(".")[0]
        self._dates(row, record, date_prec)
        violence = (row.text("type_of_violence") or "").split(".")[0]
        if violence == "3":
            record["target_type"] = "civilians"
        for column in ("side_a", "side_b"):
            name = row.text(column)
            if name and not _not_a_group(name):
                row.group(name, "attributed", column)
        where_coordinates = row.text("where_coordinates")
        city = None
        if where_coordinates and where_coordinates.lower().endswith((" town", " city")):
            city = place_name(where_coordinates.rsplit(" ", 1)[0])
        adm_1 = row.text("adm_1")
        where_prec = (row.text("where_prec") or "").split(".")[0]
        record.update(
            location_text=row.text("where_description") or where_coordinates,
            city=city,
            province=province_name(adm_1.removesuffix(" province") if adm_1 else None),
            district=row.text("adm_2"),
            latitude=row.coordinate("latitude", "latitude"),
            longitude=row.coordinate("longitude", "longitude"),
            geo_precision=_WHERE_PRECISION.get(where_prec),
        )
        if where_prec == "6" and record["latitude"] is not None:
            row.problem(
                "where_prec",
                where_prec,
                "UCDP where_prec 6: only the country is known, so the point (Pakistan's "
                "centre) is not used and the place text is geocoded instead.",
                "Nothing to do unless the row is refused for want of a place; then add "
                "coordinates from the source article.",
                "warning",
            )
            record["original_latitude"] = record["latitude"]
            record["original_longitude"] = record["longitude"]
            record["original_geo_precision"] = "country"
            record["latitude"] = record["longitude"] = None
        elif where_prec == "7":
            row.problem(
                "where_prec",
                where_prec,
                "UCDP where_prec 7: the event was in international waters or air space.",
                "Nothing to fix: such events are outside the atlas.",
                contract="latitude",
            )
        elif where_prec and where_prec not in _WHERE_PRECISION:
            row.problem(
                "where_prec",
                where_prec,
                f"UCDP where_prec {where_prec!r} is not 1 to 7.",
                "Use the value from the UCDP export.",
            )
        low = row.count("low", "killed_min")
        high = row.count("high", "killed_max")
        best = row.count("best", "killed_max")
        if low is None and high is None and best is not None:
            low = high = best
        if low is not None and high is not None and low > high:
            row.problem(
                "low",
                low,
                f"UCDP low {low} is above high {high}; the range is read as {high}-{low}.",
                "Nothing blocks the row. Check the figures against UCDP's own download.",
                "warning",
            )
            low, high = high, low
        record["killed_min"], record["killed_max"] = low, high
        if best is not None and low is not None and high is not None and not low <= best <= high:
            row.problem(
                "best",
                best,
                f"best {best} is not between low {low} and high {high}.",
                "Check low, best and high.",
                "warning",
            )
        headline = row.text("source_headline")
        record["summary"] = headline
        record["source_ref"] = self.source_ref(row, row.text("source_article") or headline)
        record["notes"] = join_notes(
            f"UCDP {_VIOLENCE.get(violence, 'type ' + violence)} violence" if violence else None,
            row.text("dyad_name"),
            f"where_prec {where_prec}" if where_prec else None,
            f"date_prec {date_prec}",
            f"best {best}" if best is not None else None,
        )
        country = row.text("country")
        if country and country.lower() != "pakistan":
            row.problem(
                "country",
                country,
                f"the event is in {country}, not Pakistan.",
                "Filter the UCDP export to Pakistan, or delete this row.",
                contract="latitude",
            )
        return record

    def _dates(self, row: Row, record: dict, date_prec: str) -> None:
        column = "date_start" if "date_start" in row.cells else "year"
        start = row.date(column)
        if start is None:
            return
        end = row.date("date_end") if row.text("date_end") else None
        precision = _DATE_PRECISION.get(date_prec)
        if precision is None:
            row.problem(
                "date_prec",
                date_prec,
                f"UCDP date_prec {date_prec!r} is not 1 to 5.",
                "Use the value from the UCDP export.",
            )
            precision = start.precision
        if column == "year":
            precision = "year"
        end_date = end.start if end else dates.span(start.start, precision).end
        if end_date < start.start:
            row.problem(
                "date_end",
                row.raw("date_end"),
                f"date_end is before date_start ({start.start}).",
                "Check date_start and date_end.",
                contract="event_date",
            )
            return
        record.update(
            event_date=start.start.isoformat(),
            date_start=start.start.isoformat(),
            date_end=end_date.isoformat(),
            date_precision=precision,
        )
