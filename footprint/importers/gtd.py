"""Read Global Terrorism Database exports, whole or with only some columns.

GTD users often export a subset of the 135 columns. Every column below is
optional except a date (``iyear``); what is absent stays empty. Without
``eventid`` the event id is made from the row's values (stable for the same
row), and a warning says so once.

====================================  ==============================================
GTD                                   events contract
====================================  ==============================================
eventid                               ``event_id`` = ``source_id`` = ``gtd:<eventid>``
iyear, imonth, iday (0 = unknown)     event_date, date_start/_end, date_precision
                                      (day; month when iday is 0; year when imonth is 0)
approxdate                            notes
country_txt                           must be Pakistan
provstate / city                      province / city
location (else city)                  location_text
latitude, longitude                   latitude, longitude
specificity 1                         geo_precision ``town`` (the city or village
                                      itself; a city's centre becomes ``city`` in
                                      the pipeline's centroid step)
specificity 2, 3                      ``district`` (centroid of the smallest
                                      admin region named)
specificity 4                         ``province``
no specificity column                 ``city``
specificity 5                         country centroid: the coordinates are moved
                                      to original_latitude/_longitude and the
                                      place text is geocoded instead
summary                               summary
attacktype1_txt (+ suicide)           attack_type (table below); suicide
targtype1_txt, target1                target_type (table below), target
gname, gname2, gname3                 perpetrators: ``claimed`` when claimed /
                                      claim2 / claim3 is 1, ``suspected`` when
                                      guncertain1/2/3 is 1, else ``attributed``;
                                      "Unknown" is no group
nkill / nwound                        killed_min = killed_max / injured_min = _max
scite1, scite2, scite3                source_ref, after ``<file>:<line>``
dbsource                              notes
====================================  ==============================================

Attack types: Assassination -> assassination; Armed Assault -> armed_assault;
Bombing/Explosion -> bombing (suicide_bombing when ``suicide`` is 1);
Hijacking -> hijacking; Hostage Taking (either) -> kidnapping;
Facility/Infrastructure Attack -> facility_attack; Unarmed Assault, Unknown -> unknown.

Target types: Police, Military, Business, Educational Institution, Journalists &
Media -> police, military, business, education, media; Government (General) ->
government; Government (Diplomatic), Tourists -> foreigners; Private Citizens &
Property -> civilians; Religious Figures/Institutions -> religious_minority when
target1 names a church, temple, Ahmadi, Christian, Hindu or Sikh target, else
sectarian; Terrorists/Non-State Militia -> militants; Violent Political Party ->
political; Airports & Aircraft, Food or Water Supply, Maritime,
Telecommunication, Transportation, Utilities -> infrastructure; NGO, Abortion
Related, Other -> other; Unknown -> unknown.
"""

from __future__ import annotations

import re

from footprint.importers import dates
from footprint.importers.base import (
    Reader,
    Row,
    join_notes,
    place_name,
    province_name,
    source_key,
)

_ATTACK_TYPES = {
    "assassination": "assassination",
    "armed assault": "armed_assault",
    "bombing/explosion": "bombing",
    "hijacking": "hijacking",
    "hostage taking (barricade incident)": "kidnapping",
    "hostage taking (kidnapping)": "kidnapping",
    "facility/infrastructure attack": "facility_attack",
    "unarmed assault": "unknown",
    "unknown": "unknown",
}
_TARGET_TYPES = {
    "police": "police",
    "military": "military",
    "business": "business",
    "educational institution": "education",
    "journalists & media": "media",
    "government (general)": "government",
    "government (diplomatic)": "foreigners",
    "tourists": "foreigners",
    "private citizens & property": "civilians",
    "religious figures/institutions": "sectarian",
    "terrorists/non-state militia": "militants",
    "violent political party": "political",
    "airports & aircraft": "infrastructure",
    "food or water supply": "infrastructure",
    "maritime": "infrastructure",
    "telecommunication": "infrastructure",
    "transportation": "infrastructure",
    "utilities": "infrastructure",
    "ngo": "other",
    "abortion related": "other",
    "other": "other",
    "unknown": "unknown",
}
_MINORITY = re.compile(r"church|christian|temple|hindu|sikh|gurdwara|ahmadi|qadiani|jew", re.I)
_SPECIFICITY = {"1": "town", "2": "district", "3": "district", "4": "province"}


def _flag(text: str | None) -> bool:
    return (text or "").split(".")[0] == "1"


class GtdReader(Reader):
    """Rows of a GTD export (all columns or a subset)."""

    format = "gtd"
    label = "Global Terrorism Database"
    also_reads = (
        "iyear", "imonth", "iday", "approxdate", "country_txt", "dbsource", "scite2", "scite3",
        "gname2", "gname3", "claimed", "claim2", "claim3", "guncertain1", "guncertain2", "guncertain3",
    )  # fmt: skip
    id_column = "eventid"
    columns = {
        "event_id": "eventid",
        "source_id": "eventid",
        "event_date": "iyear",
        "province": "provstate",
        "city": "city",
        "location_text": "location",
        "latitude": "latitude",
        "longitude": "longitude",
        "geo_precision": "specificity",
        "summary": "summary",
        "attack_type": "attacktype1_txt",
        "suicide": "suicide",
        "target_type": "targtype1_txt",
        "target": "target1",
        "perpetrators": "gname",
        "killed_min": "nkill",
        "killed_max": "nkill",
        "injured_min": "nwound",
        "injured_max": "nwound",
        "source_ref": "scite1",
    }

    def map_row(self, row: Row) -> dict:
        """Map one GTD row."""
        own_id = row.text("eventid")
        if own_id:
            event_id = f"gtd:{source_key(own_id.split('.')[0])}"
        else:
            event_id = self.made_id(row, "gtd")
        record = {"event_id": event_id, "source_id": event_id, "event_type": "attack"}
        self._date(row, record)
        suicide = row.text("suicide")
        record["suicide"] = None if suicide is None else _flag(suicide)
        attack = (row.text("attacktype1_txt") or "").lower()
        record["attack_type"] = _ATTACK_TYPES.get(attack, "unknown")
        if record["attack_type"] == "bombing" and record["suicide"]:
            record["attack_type"] = "suicide_bombing"
        target = row.text("target1")
        target_type = (row.text("targtype1_txt") or "").lower()
        record["target_type"] = _TARGET_TYPES.get(target_type) if target_type else None
        if record["target_type"] == "sectarian" and target and _MINORITY.search(target):
            record["target_type"] = "religious_minority"
        record["target"] = target
        for number, column in ((1, "gname"), (2, "gname2"), (3, "gname3")):
            name = row.text(column)
            if not name or name.lower() == "unknown":
                continue
            claim = "claimed" if number == 1 else f"claim{number}"
            if _flag(row.text(claim)):
                link = "claimed"
            elif _flag(row.text(f"guncertain{number}")):
                link = "suspected"
            else:
                link = "attributed"
            row.group(name, link, column)
        for count_column, low, high in (
            ("nkill", "killed_min", "killed_max"),
            ("nwound", "injured_min", "injured_max"),
        ):
            value = row.count(count_column, low)
            record[low] = record[high] = value
        province_written = row.text("provstate")
        city = place_name(row.text("city"))
        record.update(
            province=province_name(province_written),
            city=city,
            location_text=row.text("location") or city,
            latitude=row.coordinate("latitude", "latitude"),
            longitude=row.coordinate("longitude", "longitude"),
            summary=row.text("summary"),
        )
        specificity = (row.text("specificity") or "").split(".")[0]
        record["geo_precision"] = _SPECIFICITY.get(specificity, "city" if not specificity else None)
        if specificity == "5" and record["latitude"] is not None:
            record["original_latitude"], record["original_longitude"] = (
                record["latitude"],
                record["longitude"],
            )
            record["original_geo_precision"] = "country"
            record["latitude"] = record["longitude"] = None
        elif specificity and specificity not in _SPECIFICITY and specificity != "5":
            row.problem(
                "specificity",
                specificity,
                f"GTD specificity {specificity!r} is not 1 to 5.",
                "Use the value from the GTD export: 1 to 5.",
            )
        citations = [row.text(c) for c in ("scite1", "scite2", "scite3")]
        record["source_ref"] = self.source_ref(row, join_notes(*citations))
        record["notes"] = join_notes(
            f"GTD specificity {specificity}" if specificity else None,
            f"approxdate: {row.text('approxdate')}" if row.text("approxdate") else None,
            f"province as written: {province_written}"
            if province_written and province_written != record["province"]
            else None,
            f"dbsource: {row.text('dbsource')}" if row.text("dbsource") else None,
        )
        country = row.text("country_txt")
        if country and country.lower() != "pakistan":
            row.problem(
                "country_txt",
                country,
                f"the event is in {country}, not Pakistan.",
                "Filter the GTD export to Pakistan, or delete this row.",
                contract="latitude",
            )
        return record

    def _date(self, row: Row, record: dict) -> None:
        written = "/".join(row.raw(c) for c in ("iyear", "imonth", "iday"))
        try:
            parsed = dates.from_parts(row.text("iyear"), row.text("imonth"), row.text("iday"))
        except dates.DateProblem as error:
            row.problem("iyear", written, error.problem, error.fix, contract="event_date")
            return
        record.update(
            event_date=parsed.start.isoformat(),
            date_start=parsed.start.isoformat(),
            date_end=parsed.end.isoformat(),
            date_precision=parsed.precision,
        )
