"""Read Pakistan Body Count's suicide-attack list ("Pakistan Suicide Bombing Attacks").

The published file is Windows-1252 with dates like ``Sunday-November 19-1995``
(both handled by :mod:`textio` and :mod:`dates`). Nearly every attack in a
city sits on that city's one point (every Karachi row but one on
24.9918, 66.9911), so the rows come in as ``city`` precision and the
pipeline's centroid step places those whose Location names a finer place.

====================================  ==============================================
PBC                                   events contract
====================================  ==============================================
S#                                    ``event_id`` = ``source_id`` = ``pbc:<S#>``
Date                                  event_date (day precision)
City                                  city (trimmed; ``karachi`` -> ``Karachi``)
Province                              province (``Baluchistan``/``Balochistan`` ->
                                      ``Balochistan``, ``KPK`` and ``FATA`` ->
                                      ``Khyber Pakhtunkhwa``, ``Capital`` ->
                                      ``Islamabad Capital Territory``); the
                                      written name is kept in notes
Location                              location_text
Latitude, Longitude                   latitude, longitude; geo_precision ``city``
Target Type + Targeted Sect if any    target_type (table below); target = both as written
Killed Min / Killed Max               killed_min / killed_max (an empty one stays
                                      empty: unknown, never 0)
Injured Min / Injured Max             injured_min / injured_max
Influencing Event/Event               summary
Time, Location Category,              notes
No. of Suicide Blasts
(every row)                           event_type ``attack``, attack_type
                                      ``suicide_bombing``, suicide true
====================================  ==============================================

Target types: Military, Army, Frontier Corps, Rangers -> military; Police,
Police & Rangers -> police; Civilian, Children/Women, Civilian & Police ->
civilians; Government Official, judges and lawyers -> government; Religious
or Shia sect -> sectarian, or religious_minority when the targeted sect is
Christian, Ahmedi, Jews, Hindu or Sikh; Foreigner -> foreigners; Media ->
media; Anti-Militants (tribal militias) -> other; Unknown -> unknown.
"""

from __future__ import annotations

from footprint.importers.base import (
    Reader,
    Row,
    join_notes,
    place_name,
    province_name,
    source_key,
)

_TARGETS = {
    "military": "military",
    "army": "military",
    "frontier corps": "military",
    "rangers": "military",
    "police": "police",
    "police & rangers": "police",
    "civilian": "civilians",
    "children/women": "civilians",
    "civilian & police": "civilians",
    "government official": "government",
    "civilian judges": "government",
    "judges & lawyers": "government",
    "advocates (lawyers)": "government",
    "religious": "sectarian",
    "shia sect": "sectarian",
    "foreigner": "foreigners",
    "media": "media",
    "anti-militants": "other",
    "unknown": "unknown",
}
_MINORITIES = {"christian", "ahmedi", "ahmadi", "jews", "jewish", "hindu", "sikh"}


class PbcReader(Reader):
    """Rows of the Pakistan Body Count suicide-attack file."""

    format = "pbc"
    label = "Pakistan Body Count (suicide attacks)"
    also_reads = ("Targeted Sect if any", "Time", "Location Category", "No. of Suicide Blasts")
    id_column = "S#"
    columns = {
        "event_id": "S#",
        "source_id": "S#",
        "event_date": "Date",
        "city": "City",
        "province": "Province",
        "location_text": "Location",
        "latitude": "Latitude",
        "longitude": "Longitude",
        "target_type": "Target Type",
        "killed_min": "Killed Min",
        "killed_max": "Killed Max",
        "injured_min": "Injured Min",
        "injured_max": "Injured Max",
        "summary": "Influencing Event/Event",
    }

    def prepare(self, table) -> None:
        """Find the file's spelling of each column (case and spaces vary)."""
        wanted = {
            "s#", "date", "city", "province", "location", "latitude", "longitude", "target type",
            "targeted sect if any", "killed min", "killed max", "injured min", "injured max",
            "influencing event/event", "time", "location category", "no. of suicide blasts",
        }  # fmt: skip
        self.col = {name: name for name in wanted}
        for header in table.header:
            key = " ".join(header.lower().split())
            if key in wanted:
                self.col[key] = header
        self.columns = {
            contract: self.col.get(c.lower(), c) for contract, c in type(self).columns.items()
        }
        self.id_column = self.col["s#"]

    def map_row(self, row: Row) -> dict:
        """Map one PBC row."""
        col = self.col
        number = row.text(col["s#"])
        if number:
            event_id = f"pbc:{source_key(number.split('.')[0])}"
        elif not self.has_id_column():
            event_id = self.made_id(row, "pbc")
        else:
            row.problem(col["s#"], None, "the attack number (S#) is missing.", "Fill in S#.")
            event_id = f"pbc:line-{row.line}"
        record = {
            "event_id": event_id,
            "source_id": event_id,
            "event_type": "attack",
            "attack_type": "suicide_bombing",
            "suicide": True,
        }
        parsed = row.date(col["date"])
        if parsed:
            record.update(
                event_date=parsed.start.isoformat(),
                date_start=parsed.start.isoformat(),
                date_end=parsed.end.isoformat(),
                date_precision=parsed.precision,
            )
        target = row.text(col["target type"])
        sect = row.text(col["targeted sect if any"])
        target_type = _TARGETS.get(target.lower()) if target else None
        if target and target_type is None:
            target_type = "other"
        if target_type == "sectarian" and sect and sect.lower() in _MINORITIES:
            target_type = "religious_minority"
        province_written = row.text(col["province"])
        province = province_name(province_written)
        latitude = row.coordinate(col["latitude"], "latitude")
        longitude = row.coordinate(col["longitude"], "longitude")
        record.update(
            target_type=target_type,
            target=join_notes(target, f"sect: {sect}" if sect else None),
            city=place_name(row.text(col["city"])),
            province=province,
            location_text=row.text(col["location"]),
            latitude=latitude,
            longitude=longitude,
            geo_precision="city" if latitude is not None and longitude is not None else None,
            killed_min=row.count(col["killed min"], "killed_min"),
            killed_max=row.count(col["killed max"], "killed_max"),
            injured_min=row.count(col["injured min"], "injured_min"),
            injured_max=row.count(col["injured max"], "injured_max"),
            summary=row.text(col["influencing event/event"]),
            source_ref=self.source_ref(row, f"Pakistan Body Count suicide attack #{number}"),
            notes=join_notes(
                f"time: {row.text(col['time'])}" if row.text(col["time"]) else None,
                f"location category: {row.text(col['location category'])}"
                if row.text(col["location category"])
                else None,
                f"suicide blasts: {row.text(col['no. of suicide blasts'])}"
                if row.text(col["no. of suicide blasts"])
                else None,
                f"province as written: {province_written}"
                if province_written and province_written != province
                else None,
            ),
        )
        return record
