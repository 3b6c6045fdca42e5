"""Recognising a file's format from its header, partial exports, and saved column mappings."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest

from footprint.data import schema
from footprint.importers import formats, mapping, textio
from footprint.importers.checks import ImportRefused

GOOD = Path(__file__).parent / "data" / "good"

UCDP_HEADER = (
    "id,relid,year,active_year,code_status,type_of_violence,conflict_dset_id,conflict_new_id,"
    "conflict_name,dyad_dset_id,dyad_new_id,dyad_name,side_a_dset_id,side_a_new_id,side_a,"
    "side_b_dset_id,side_b_new_id,side_b,number_of_sources,source_article,source_office,"
    "source_date,source_headline,source_original,where_prec,where_coordinates,where_description,"
    "adm_1,adm_2,latitude,longitude,geom_wkt,priogrid_gid,country,iso3,country_id,region,"
    "event_clarity,date_prec,date_start,date_end,deaths_a,deaths_b,deaths_civilians,"
    "deaths_unknown,best,high,low,gwnoa,gwnob"
).split(",")
PBC_HEADER = [
    "S#", "Date", "Islamic Date", "Blast Day Type", "Holiday Type", "Time", "City", "Latitude",
    "Longitude", "Province", "Location", "Location Category", "Location Sensitivity",
    "Open/Closed Space", "Influencing Event/Event", "Target Type", "Targeted Sect if any",
    "Killed Min", "Killed Max", "Injured Min", "Injured Max", "No. of Suicide Blasts",
    "Explosive Weight (max)", "Hospital Names", "Temperature(C)", "Temperature(F)",
]  # fmt: skip


def header_of(name: str) -> list[str]:
    return textio.read_table((GOOD / name).read_bytes()).header


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (list(schema.EVENT_COLUMNS), "footprint"),
        (UCDP_HEADER, "ucdp"),
        (PBC_HEADER, "pbc"),
        ([c.lower().replace(" ", "_") for c in PBC_HEADER], "pbc"),
    ],
)
def test_headers_are_recognised(header, expected):
    detection = formats.detect(header)
    assert detection.format == expected
    assert detection.score > 0.5


@pytest.mark.parametrize(
    ("file", "expected"),
    [
        ("acled_pakistan_sample.csv", "acled"),
        ("gtd_full_sample.csv", "gtd"),
        ("gtd_partial_sample.csv", "gtd"),
        ("footprint_template_example.csv", "footprint"),
    ],
)
def test_sample_files_are_recognised(file, expected):
    assert formats.detect(header_of(file)).format == expected


def test_a_partial_gtd_export_is_recognised_and_its_unused_columns_listed():
    header = [
        "eventid",
        "iyear",
        "imonth",
        "iday",
        "city",
        "latitude",
        "longitude",
        "gname",
        "weapdetail",
    ]
    detection = formats.detect(header)
    assert detection.format == "gtd"
    assert detection.unused == ["weapdetail"]
    assert formats.detect(["iyear", "provstate", "nkill", "city"]).format == "gtd"


def test_ucdp_without_hxl_or_with_year_only():
    header = ["id", "year", "side_a", "side_b", "where_prec", "latitude", "longitude", "best"]
    assert formats.detect(header).format == "ucdp"


def test_a_near_miss_names_the_missing_column():
    with pytest.raises(ImportRefused) as refused:
        formats.detect(["eventid", "city", "gname", "nkill", "nwound", "attacktype1_txt"])
    assert "Global Terrorism Database" in refused.value.problem
    assert "no iyear column" in refused.value.problem
    assert refused.value.header is not None


def test_an_unknown_header_is_refused_with_the_way_out():
    with pytest.raises(ImportRefused) as refused:
        formats.detect(["when", "where", "what"])
    assert "match no known format" in refused.value.problem
    assert "template" in refused.value.fix and "map your columns" in refused.value.fix
    assert refused.value.header == ["when", "where", "what"]


def test_forced_format_checks_required_columns():
    assert formats.detect(UCDP_HEADER, forced="ucdp").format == "ucdp"
    with pytest.raises(ImportRefused, match="has no Date column"):
        formats.detect(UCDP_HEADER, forced="pbc")
    with pytest.raises(ImportRefused, match="no format 'xls'"):
        formats.detect(UCDP_HEADER, forced="xls")


# --- column mappings ------------------------------------------------------------

HEADER = ["Incident date", "Lat", "Lng", "Place", "Group", "Dead", "Ref"]


def test_suggest_mapping_from_names():
    suggestion = mapping.suggest_mapping(HEADER)
    assert suggestion["latitude"] == "Lat"
    assert suggestion["longitude"] == "Lng"
    assert suggestion["location_text"] == "Place"
    assert suggestion["perpetrators"] == "Group"
    assert suggestion["killed"] == "Dead"
    assert suggestion["event_date"] == "Incident date"


def test_mapping_is_saved_found_again_and_used(tmp_path, monkeypatch):
    monkeypatch.setenv("FOOTPRINT_MAPPINGS_DIR", str(tmp_path / "mappings"))
    made = mapping.ColumnMapping(
        name="Police log",
        columns=mapping.suggest_mapping(HEADER),
        header=HEADER,
        source_name="policelog",
        date_order="dmy",
    )
    path = mapping.save_mapping(made)
    assert path.parent == tmp_path / "mappings"
    assert json.loads(path.read_text())["header_key"] == made.key
    # same columns in another order and case
    found = mapping.find_mapping(list(reversed([h.upper() for h in HEADER])))
    assert found is not None and found.name == "Police log"
    detection = formats.detect(HEADER)
    assert detection.format == "mapped"
    assert detection.mapping.source_name == "policelog"
    upper = [h.upper() for h in HEADER]
    assert formats.detect(upper).mapping.columns["latitude"] == "LAT"


def test_a_mapping_that_does_not_fit_the_file_is_refused(tmp_path):
    from footprint.data.groups import GroupNames

    made = mapping.ColumnMapping("m", {"event_date": "Incident date", "city": "Place"}, HEADER)
    table = textio.read_table(b"when,where\n2015-01-01,Karachi\n")
    reader = formats.detect(table.header, mapping=made).reader(
        "x.csv", GroupNames(pd.DataFrame({"name": [], "aliases": []}))
    )
    with pytest.raises(ImportRefused, match="does not fit this file") as refused:
        reader.read(table)
    assert refused.value.header == ["when", "where"]


def test_a_mapping_must_give_a_date_and_a_place():
    with pytest.raises(mapping.MappingError, match="event_date"):
        mapping.ColumnMapping("m", {"latitude": "Lat", "longitude": "Lng"}, HEADER).validate(HEADER)
    with pytest.raises(mapping.MappingError, match="no column gives a place"):
        mapping.ColumnMapping("m", {"event_date": "Incident date"}, HEADER).validate(HEADER)
    with pytest.raises(mapping.MappingError, match="only one coordinate"):
        mapping.ColumnMapping(
            "m", {"event_date": "Incident date", "latitude": "Lat"}, HEADER
        ).validate(HEADER)
    with pytest.raises(mapping.MappingError, match="no column 'Nope'"):
        mapping.ColumnMapping("m", {"event_date": "Nope", "city": "Place"}, HEADER).validate(HEADER)


def test_unreadable_saved_mappings_are_skipped(tmp_path):
    (tmp_path / "broken.json").write_text("{not json")
    assert mapping.list_mappings(tmp_path) == []


# --- readers: each source's fields onto ours ----------------------------------------


@pytest.fixture(scope="module")
def groups():
    from footprint.data.groups import GroupNames

    return GroupNames.from_csv()


def read(data: bytes, name: str, groups, forced: str | None = None):
    table = textio.read_table(data, name)
    reader = formats.detect(table.header, forced=forced).reader(name, groups)
    mapped = reader.read(table)
    return mapped.frame.set_index("event_id"), mapped.problems


def test_acled_fields(groups):
    frame, problems = read((GOOD / "acled_pakistan_sample.csv").read_bytes(), "acled.csv", groups)
    suicide = frame.loc["acled:PAK90001"]
    assert suicide["source_id"] == "acled:PAK90001"
    assert (suicide["event_date"], suicide["date_precision"]) == ("2019-03-12", "day")
    assert (suicide["event_type"], suicide["attack_type"], suicide["suicide"]) == (
        "attack",
        "suicide_bombing",
        True,
    )
    assert suicide["perpetrators"] == "Tehrik-i-Taliban Pakistan (attributed)"
    assert (suicide["killed_min"], suicide["killed_max"]) == (4, 4)
    assert pd.isna(suicide["injured_min"])
    assert (suicide["geo_precision"], suicide["province"], suicide["city"]) == (
        "town",
        "Balochistan",
        "Quetta",
    )
    assert suicide["source_ref"] == "acled.csv:2; Dawn; Express Tribune"
    civilians = frame.loc["acled:PAK90002"]
    assert civilians["target_type"] == "civilians"
    assert pd.isna(civilians["perpetrators"])  # "Unidentified Armed Group" is no group
    clash = frame.loc["acled:PAK90003"]
    assert (clash["date_precision"], clash["date_end"], clash["geo_precision"]) == (
        "week",
        "2019-04-26",
        "district",
    )
    arrest = frame.loc["acled:PAK90004"]
    assert (arrest["event_type"], arrest["perpetrators"]) == (
        "arrest",
        "Lashkar-e-Jhangvi (suspected)",
    )
    assert arrest["killed_min"] == 0  # ACLED's 0 is a real zero
    assert not [p for p in problems if p.severity == "error"]


def test_gtd_full_fields(groups):
    frame, problems = read((GOOD / "gtd_full_sample.csv").read_bytes(), "gtd.csv", groups)
    airport = frame.loc["gtd:201406080901"]
    assert (
        airport["perpetrators"]
        == "Islamic Movement of Uzbekistan (IMU) (claimed); Tehrik-i-Taliban Pakistan (claimed)"
    )
    assert (airport["attack_type"], airport["target_type"]) == ("facility_attack", "infrastructure")
    assert (airport["killed_min"], airport["killed_max"], airport["injured_min"]) == (36, 36, 18)
    assert airport["geo_precision"] == "town"
    assert "Test fixture citation, Dawn" in airport["source_ref"]
    hazara = frame.loc["gtd:201302160901"]
    assert pd.isna(hazara["killed_min"]) and pd.isna(
        hazara["killed_max"]
    )  # nkill empty: unknown, not 0
    assert hazara["target_type"] == "sectarian"
    assert hazara["perpetrators"] == "Lashkar-e-Jhangvi (claimed)"
    kidnap = frame.loc["gtd:201105000901"]
    assert (kidnap["event_date"], kidnap["date_end"], kidnap["date_precision"]) == (
        "2011-05-01",
        "2011-05-31",
        "month",
    )
    assert kidnap["geo_precision"] == "district"
    assert pd.isna(kidnap["perpetrators"])  # gname "Unknown"
    assert "approxdate: May 2011" in kidnap["notes"]
    unknown = [p for p in problems if "Islamic Movement of Uzbekistan" in p.problem]
    assert unknown and unknown[0].severity == "warning" and unknown[0].column == "gname2"


def test_gtd_partial_export_keeps_what_it_has(groups):
    frame, problems = read((GOOD / "gtd_partial_sample.csv").read_bytes(), "gtd.csv", groups)
    assert len(frame) == 3
    airport = frame.loc["gtd:201406080901"]
    assert airport["perpetrators"] == "Tehrik-i-Taliban Pakistan (attributed)"  # no claimed column
    assert pd.isna(airport["target_type"]) and pd.isna(airport["summary"])
    assert airport["geo_precision"] == "city"  # no specificity column
    assert not problems


def test_gtd_without_eventid_gets_stable_ids(groups):
    data = b"iyear,imonth,iday,provstate,city,latitude,longitude,gname,nkill\n2014,6,8,Sindh,Karachi,24.86,67.01,Unknown,1\n"
    first, problems = read(data, "a.csv", groups)
    again, _ = read(data, "b.csv", groups)
    assert list(first.index) == list(again.index)
    assert first.index[0].startswith("gtd:")
    assert any(p.column == "eventid" and p.row is None for p in problems)


UCDP_ROWS = ",".join(UCDP_HEADER) + "\n" + ",,#date+year" + "," * (len(UCDP_HEADER) - 3) + "\n"


def ucdp_row(**values) -> str:
    base = dict.fromkeys(UCDP_HEADER, "")
    base.update(
        id="1", year="2014", type_of_violence="1", side_a="Government of Pakistan", side_b="TTP",
        where_prec="1", where_coordinates="Karachi town", where_description="Karachi town",
        adm_1="Sindh province", adm_2="Karachi district", latitude="24.86", longitude="67.01",
        country="Pakistan", date_prec="1", date_start="2014-06-08 00:00:00.000",
        date_end="2014-06-08 00:00:00.000", best="2", high="3", low="1",
        source_article='"Reuters News,2014-06-09,Test headline"', source_headline="Test headline",
    )  # fmt: skip
    base.update(values)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(base.values())
    return out.getvalue()


def test_ucdp_fields(groups):
    data = (
        UCDP_ROWS
        + ucdp_row()
        + ucdp_row(
            id="2",
            where_prec="6",
            where_description="Quetta",
            latitude="30.0",
            longitude="70.0",
            type_of_violence="3",
            side_a="LeJ",
            side_b="Civilians",
            date_prec="4",
            date_end="2014-06-30 00:00:00.000",
        )
        + ucdp_row(id="3", low="5", high="4", best="4", where_prec="3")
        + ucdp_row(id="4", country="India")
    ).encode()
    frame, problems = read(data, "ged.csv", groups)
    one = frame.loc["ucdp:1"]
    assert one["_line"] == 3  # line 2 holds the HXL hashtags
    assert (one["killed_min"], one["killed_max"]) == (1, 3)
    assert "best 2" in one["notes"] and "state-based" in one["notes"]
    assert (one["province"], one["city"], one["geo_precision"]) == ("Sindh", "Karachi", "town")
    assert one["perpetrators"] == "Tehrik-i-Taliban Pakistan (attributed)"
    assert one["source_ref"] == 'ged.csv:3; "Reuters News,2014-06-09,Test headline"'
    country_only = frame.loc["ucdp:2"]
    assert pd.isna(country_only["latitude"])
    assert (country_only["original_latitude"], country_only["original_geo_precision"]) == (
        30.0,
        "country",
    )
    assert (country_only["date_precision"], country_only["date_end"]) == ("month", "2014-06-30")
    assert country_only["target_type"] == "civilians"
    assert country_only["perpetrators"] == "Lashkar-e-Jhangvi (attributed)"
    swapped = frame.loc["ucdp:3"]
    assert (swapped["killed_min"], swapped["killed_max"], swapped["geo_precision"]) == (
        4,
        5,
        "district",
    )
    assert any(p.row == 5 and p.column == "low" and p.severity == "warning" for p in problems)
    assert any(
        p.row == 6 and p.column == "country" and "India" in p.problem and p.severity == "error"
        for p in problems
    )


def test_pbc_fields_from_windows_1252(groups):
    header = ",".join(PBC_HEADER) + "\n"
    row = '7,Sunday-November 19-1995,,Holiday,,N/A,karachi ,24.9918,66.9911,Baluchistan,"Caf\u00e9 in town\'s area",Religious,,,,Religious,Christian,,3,,60,1,,,,\n'
    data = (header + row).encode("cp1252").replace(b"town's", b"town\x90s")
    frame, problems = read(data, "pbc.csv", groups)
    event = frame.loc["pbc:7"]
    assert (event["event_date"], event["date_precision"]) == ("1995-11-19", "day")
    assert (event["city"], event["province"], event["geo_precision"]) == (
        "Karachi",
        "Balochistan",
        "city",
    )
    assert "province as written: Baluchistan" in event["notes"]
    assert (event["target_type"], event["suicide"], event["attack_type"]) == (
        "religious_minority",
        True,
        "suicide_bombing",
    )
    assert pd.isna(event["killed_min"]) and event["killed_max"] == 3
    assert event["source_ref"] == "pbc.csv:2; Pakistan Body Count suicide attack #7"
    assert event["location_text"] == "Caf\u00e9 in town\ufffds area"
