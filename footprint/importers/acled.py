"""Read ACLED exports (Armed Conflict Location & Event Data).

Field mapping:

====================================  ==============================================
ACLED                                 events contract
====================================  ==============================================
event_id_cnty                         ``event_id`` = ``source_id`` = ``acled:<id>``
                                      (absent from a trimmed export: made from
                                      the row's values, with a warning)
event_date                            event_date (ISO or ``19 November 2019``)
time_precision 1 / 2 / 3              date_precision day / week / month
event_type, sub_event_type            event_type, attack_type (table below)
actor1, assoc_actor_1                 perpetrators, link ``attributed`` (armed
                                      groups only: state forces, civilians,
                                      protesters and "Unidentified" are not groups;
                                      ``BLF: Baloch Liberation Front`` is matched
                                      by its parts; generic actors such as
                                      ``Baloch Separatists (Pakistan)`` map to a
                                      ``generic`` entry of data/groups.csv)
actor2 (sub-event Arrests)            perpetrators, link ``suspected``
actor2 (attacks)                      target; target_type police / military /
                                      government / civilians / media /
                                      political from its name
civilian_targeting                    target_type ``civilians`` (wins over actor2)
admin1 / admin2 / admin3              province / district / town
location                              location_text; also city when geo_precision is 1
latitude, longitude                   latitude, longitude
geo_precision 1 / 2 / 3               geo_precision town / district / province
                                      (no such column: ``city``)
                                      (ACLED 1 = the named town or village itself;
                                      a city's centre point becomes ``city`` in the
                                      pipeline's centroid step)
fatalities                            killed_min = killed_max (ACLED's one figure)
notes                                 summary
source                                source_ref, after ``<file>:<line>``
country                               must be Pakistan
====================================  ==============================================

==========================================  ==============  ================
event_type / sub_event_type                 event_type      attack_type
==========================================  ==============  ================
Explosions/Remote violence: Suicide bomb    attack          suicide_bombing
Explosions/Remote violence: other           attack          bombing
Battles: Armed clash                        attack          armed_assault
Battles: territory changes hands            other
Violence against civilians: Attack          attack          armed_assault
Violence against civilians: Abduction...    attack          kidnapping
Violence against civilians: other           attack          unknown
Strategic developments: Arrests             arrest
anything else (protests, riots...)          other
==========================================  ==============  ================
"""

from __future__ import annotations

import re

from footprint.importers.base import (
    Reader,
    Row,
    join_notes,
    place_name,
    province_name,
    source_key,
)
from footprint.importers.dates import span

_NOT_A_GROUP = re.compile(
    r"^(military|police|government|security|private security) forces of|^civilians|"
    r"^protesters|^rioters|^unidentified|^sole perpetrator|^prisoners|^labou?r group",
    re.IGNORECASE,
)
_TIME_PRECISION = {"1": "day", "2": "week", "3": "month"}
_GEO_PRECISION = {"1": "town", "2": "district", "3": "province"}


def _event_type(event_type: str, sub_event_type: str) -> tuple[str, str | None, bool | None]:
    event_type, sub = event_type.lower(), sub_event_type.lower()
    if event_type.startswith("explosions"):
        if "suicide" in sub:
            return "attack", "suicide_bombing", True
        return "attack", "bombing", None
    if event_type == "battles":
        if "armed clash" in sub:
            return "attack", "armed_assault", None
        return "other", None, None
    if event_type == "violence against civilians":
        if "abduction" in sub or "disappearance" in sub:
            return "attack", "kidnapping", None
        if sub == "attack":
            return "attack", "armed_assault", None
        return "attack", "unknown", None
    if event_type == "strategic developments" and "arrest" in sub:
        return "arrest", None, None
    return "other", None, None


_TARGETS = (
    (re.compile(r"^police forces", re.I), "police"),
    (re.compile(r"^military forces", re.I), "military"),
    (re.compile(r"^government of|^government (officials|forces)", re.I), "government"),
    (re.compile(r"^civilians|^protesters|^labou?r group", re.I), "civilians"),
    (re.compile(r"^journalists|^media", re.I), "media"),
    (re.compile(r"^(political|.*\bparty\b)", re.I), "political"),
)


def _target_type(actor2: str | None) -> str | None:
    if not actor2:
        return None
    for pattern, target_type in _TARGETS:
        if pattern.search(actor2):
            return target_type
    return None


class AcledReader(Reader):
    """Rows of an ACLED export."""

    format = "acled"
    label = "ACLED"
    also_reads = (
        "sub_event_type",
        "assoc_actor_1",
        "actor2",
        "assoc_actor_2",
        "civilian_targeting",
        "country",
    )
    id_column = "event_id_cnty"
    columns = {
        "event_id": "event_id_cnty",
        "source_id": "event_id_cnty",
        "event_date": "event_date",
        "date_precision": "time_precision",
        "event_type": "event_type",
        "attack_type": "sub_event_type",
        "perpetrators": "actor1",
        "province": "admin1",
        "district": "admin2",
        "town": "admin3",
        "location_text": "location",
        "latitude": "latitude",
        "longitude": "longitude",
        "geo_precision": "geo_precision",
        "killed_min": "fatalities",
        "killed_max": "fatalities",
        "summary": "notes",
        "source_ref": "source",
    }

    def map_row(self, row: Row) -> dict:
        """Map one ACLED row."""
        own_id = row.text("event_id_cnty")
        if own_id:
            event_id = f"acled:{source_key(own_id)}"
        elif not self.has_id_column():
            event_id = self.made_id(row, "acled")
        else:
            event_id = self._missing_id(row)
        parsed = row.date("event_date")
        time_precision = row.text("time_precision") or "1"
        precision = _TIME_PRECISION.get(time_precision.split(".")[0], "day")
        record = {"event_id": event_id, "source_id": event_id}
        if parsed:
            parsed = span(parsed.start, precision) if precision != parsed.precision else parsed
            record.update(
                event_date=parsed.start.isoformat(),
                date_start=parsed.start.isoformat(),
                date_end=parsed.end.isoformat(),
                date_precision=parsed.precision,
            )
        event_type = row.text("event_type") or ""
        sub_event_type = row.text("sub_event_type") or ""
        record["event_type"], record["attack_type"], record["suicide"] = _event_type(
            event_type, sub_event_type
        )
        link = "suspected" if record["event_type"] == "arrest" else "attributed"
        actors = [("actor1", row.text("actor1")), ("assoc_actor_1", row.text("assoc_actor_1"))]
        if record["event_type"] == "arrest":
            actors = [("actor2", row.text("actor2")), ("assoc_actor_2", row.text("assoc_actor_2"))]
        for column, text in actors:
            for name in (text or "").split(";"):
                name = name.strip()
                if name and not _NOT_A_GROUP.search(name):
                    row.group(name, link, column)
        if record["event_type"] == "attack":
            record["target"] = row.text("actor2")
            record["target_type"] = _target_type(record["target"])
        if (row.text("civilian_targeting") or "").lower().startswith("civilian"):
            record["target_type"] = "civilians"
        location = row.text("location")
        geo_code = (row.text("geo_precision") or "").split(".")[0]
        if "geo_precision" not in self.header:
            geo_code = "city"  # a trimmed export: the point is the named place, size unknown
        record.update(
            location_text=location,
            province=province_name(row.text("admin1")),
            district=row.text("admin2"),
            town=row.text("admin3"),
            city=place_name(location.split(" - ")[0])
            if location and geo_code in ("1", "city")
            else None,
            latitude=row.coordinate("latitude", "latitude"),
            longitude=row.coordinate("longitude", "longitude"),
            geo_precision="city" if geo_code == "city" else _GEO_PRECISION.get(geo_code),
            summary=row.text("notes"),
            source_ref=self.source_ref(row, row.text("source")),
            notes=join_notes(
                f"ACLED {event_type}: {sub_event_type}" if event_type else None,
                f"geo_precision {geo_code}" if geo_code and geo_code != "city" else None,
                f"time_precision {time_precision}",
            ),
        )
        if geo_code and geo_code != "city" and geo_code not in _GEO_PRECISION:
            row.problem(
                "geo_precision",
                geo_code,
                f"ACLED geo_precision {geo_code!r} is not 1, 2 or 3.",
                "Use the value from the ACLED export: 1, 2 or 3.",
            )
        killed = row.count("fatalities", "killed_min")
        record["killed_min"] = record["killed_max"] = killed
        country = row.text("country")
        if country and country.lower() != "pakistan":
            row.problem(
                "country",
                country,
                f"the event is in {country}, not Pakistan.",
                "Filter the ACLED export to Pakistan, or delete this row.",
                contract="latitude",
            )
        return record

    def _missing_id(self, row: Row) -> str:
        row.problem(
            "event_id_cnty",
            None,
            "the ACLED event id is missing.",
            "Export ACLED data with the event_id_cnty column filled.",
        )
        return f"acled:line-{row.line}"
