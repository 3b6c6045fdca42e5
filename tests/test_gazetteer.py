"""The gazetteer ``data/gazetteer.csv``: its contract, its contents and its geography.

The geography tests read the boundary polygons prepared by the data step
(``python -m footprint data``) through the ``boundaries_ready`` fixture: they
skip without them, and fail in strict mode (``FOOTPRINT_STRICT=1``).
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from functools import cache
from pathlib import Path

import pytest

from footprint import paths
from geocode import gazetteer

COLUMNS = list(gazetteer.GAZETTEER_COLUMNS)  # the header the geocoder reads
KINDS = {"province", "district", "city", "town", "neighbourhood", "landmark"}
SUBKINDS = {
    "neighbourhood": {"locality", "goth", "colony", "block", "sector", "slum", "housing_society"},
    "landmark": {
        "chowk",
        "chowrangi",
        "market",
        "mosque",
        "imambargah",
        "hospital",
        "base",
        "road",
        "plaza",
        "madrasa",
        "shrine",
        "police",
        "university",
        "bridge",
        "port",
        "airport",
        "government",
        "hotel",
        "school",
        "park",
        "other",
    },
}
COORD_SOURCES = {
    "polygon_centroid",
    "town_centre",
    "approximate_knowledge",
    "approximate_knowledge_low",
    "approximate_knowledge_neighbourhood_level",
    "approximate_knowledge_city_level",
    "approximate_knowledge_road_point",
}
KARACHI_DISTRICTS = {
    "Karachi Central",
    "Karachi East",
    "Karachi South",
    "Karachi West",
    "Keamari",
    "Korangi",
    "Malir",
}
PLACE_ID = re.compile(r"^(prv|khi|bal|qta)(-[a-z0-9]+)+$")
DECIMAL_5 = re.compile(r"^-?\d{1,3}\.\d{5}$")

#: Strings (normalised) that two places share on purpose, with the places
#: sharing them. The geocoder ranks between them. District/seat-city
#: homonyms (Quetta district and Quetta city, ...) are allowed by a rule
#: instead, see ``test_no_alias_is_shared_by_two_places``.
DELIBERATE_SHARED = {
    # the district (2020) is named after the port locality it contains
    "keamari": {"khi-dst-keamari", "khi-nbh-kiamari"},
}

#: Every Karachi and Balochistan site the shared seed texts name, as written
#: there, with the place it must find.
SEED_SITES = [
    ("Pakistan Chowk", "khi-lmk-pakistan-chowk"),
    ("Rimpa Plaza", "khi-lmk-rimpa-plaza"),
    ("MA Jinnah Road", "khi-lmk-ma-jinnah-road"),
    ("Saleh Mosque", "khi-lmk-saleh-mosque"),
    ("Qalandria Chowk", "khi-lmk-qalandria-chowk"),
    ("Bahadurabad", "khi-nbh-bahadurabad"),
    ("Hyderi Market", "khi-lmk-hyderi-market"),
    ("North Nazimabad", "khi-nbh-north-nazimabad"),
    ("Navy dockyard", "khi-lmk-naval-dockyard"),
    ("Safoora Goth", "khi-nbh-safoora-goth"),
    ("Sohrab Goth", "khi-nbh-sohrab-goth"),
    ("Ganna Mandi", "khi-nbh-ganna-mandi"),
    ("Binori town", "khi-nbh-binori-town"),
    ("Binori town madrasa", "khi-lmk-binori-town-madrasa"),
    ("Jamiatul Rasheed Ehsanabad", "khi-lmk-jamiatul-rasheed"),
    ("Jamia Ashraful Madaris", "khi-lmk-jamia-ashraful-madaris"),
    ("Jamia Ehsanul Uloom", "khi-lmk-jamia-ehsanul-uloom"),
    ("Jamia Anwarul Quran", "khi-lmk-jamia-anwarul-quran"),
    ("Madrasa Khalid Bin Walid", "khi-lmk-madrasa-khalid-bin-walid"),
    ("Darul Uloom Rehmania", "khi-lmk-darul-uloom-rehmania"),
    ("Quid Abad", "khi-nbh-quaidabad"),
    ("Kiamaree", "khi-nbh-kiamari"),
    ("hills of Manghopir", "khi-nbh-manghopir"),
    ("Orangi town", "khi-twn-orangi"),
    ("Baldia Town", "khi-twn-baldia"),
    ("super highway", "khi-lmk-super-highway"),
    ("West district", "khi-dst-karachi-west"),
    ("Institute of Business Administration", "khi-lmk-iba-main-campus"),
    ("Karachi", "khi-cty-karachi"),
    ("Khuzdar", "bal-cty-khuzdar"),
    ("shrine in Khuzdar", "bal-lmk-shah-noorani"),
    ("Quetta police academy", "qta-lmk-police-training-college-quetta"),
    ("Quetta police training college", "qta-lmk-police-training-college-quetta"),
    ("Khuzdar district", "bal-dst-khuzdar"),
    ("Mastung", "bal-cty-mastung"),
    ("Mastung", "bal-dst-mastung"),
    ("RCD highway", "bal-lmk-rcd-highway"),
    ("Quetta", "bal-cty-quetta"),
    # "an imambargah in Quetta" names no particular imambargah: the geocoder
    # rightly places it at Quetta city, so it is not a site to list here.
    ("hospital in Quetta", "qta-lmk-civil-hospital-quetta"),
    ("Hazara town Quetta", "qta-nbh-hazara-town"),
    ("Balochistan", "prv-balochistan"),
    ("Sindh", "prv-sindh"),
]
#: How the seed texts refer to a site when the wording is not a place name.
SEED_WORDING = {
    "shrine in khuzdar": "shah noorani shrine",
    "hospital in quetta": "civil hospital quetta",
}


def normalise(text: str) -> str:
    """Lowercase, punctuation to spaces, whitespace collapsed."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


@cache
def rows() -> tuple[dict, ...]:
    with open(paths.GAZETTEER_CSV, encoding="utf-8", newline="") as handle:
        return tuple(csv.DictReader(handle))


def header() -> list[str]:
    with open(paths.GAZETTEER_CSV, encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def names_of(row: dict) -> list[str]:
    return [row["name"], *[alias for alias in row["aliases"].split("|") if alias]]


def is_karachi(row: dict) -> bool:
    return row["place_id"].startswith("khi-")


# --- contract -------------------------------------------------------------


def test_columns_are_exact_and_in_order():
    assert header() == COLUMNS


def test_place_ids_are_unique_slugs():
    ids = [row["place_id"] for row in rows()]
    duplicates = [place_id for place_id, count in Counter(ids).items() if count > 1]
    assert not duplicates, duplicates
    bad = [place_id for place_id in ids if not PLACE_ID.match(place_id)]
    assert not bad, bad


def test_kinds_and_subkinds_are_in_the_allowed_sets():
    for row in rows():
        assert row["kind"] in KINDS, row["place_id"]
        allowed = SUBKINDS.get(row["kind"])
        if allowed is None:
            assert row["subkind"] == "", row["place_id"]
        else:
            assert row["subkind"] in allowed, (row["place_id"], row["subkind"])


def test_values_are_filled_and_well_formed():
    for row in rows():
        place = row["place_id"]
        assert row["name"].strip() == row["name"] and row["name"], place
        assert all(alias.strip() == alias and alias for alias in row["aliases"].split("|")), place
        assert DECIMAL_5.match(row["latitude"]) and DECIMAL_5.match(row["longitude"]), place
        latitude, longitude = float(row["latitude"]), float(row["longitude"])
        assert 23.5 < latitude < 32.5 and 60.5 < longitude < 71.5, place
        assert row["coord_source"] in COORD_SOURCES, place
        assert row["province"] in {"Sindh", "Balochistan"}, place
        if row["kind"] == "province":
            assert (row["town"], row["district"], row["city"]) == ("", "", ""), place
            assert row["province"] == row["name"], place
        elif row["kind"] == "district":
            assert (row["town"], row["city"]) == ("", ""), place
            assert row["district"] == row["name"], place
        else:
            assert row["district"], place
        if row["kind"] in {"city", "town", "neighbourhood"}:
            assert row["city"], place
        if row["kind"] in {"province", "district"}:
            assert row["coord_source"] == "polygon_centroid", place
        if row["kind"] == "town":
            assert row["coord_source"] in {"polygon_centroid", "town_centre"}, place
        if is_karachi(row):
            assert row["province"] == "Sindh", place
            if row["kind"] not in {"province", "district"}:
                assert row["town"] and row["city"] == "Karachi", place
        else:
            assert row["town"] == "", place


def test_aliases_do_not_repeat_within_a_place():
    for row in rows():
        keys = [normalise(name) for name in names_of(row)]
        repeated = [key for key, count in Counter(keys).items() if count > 1]
        assert not repeated, (row["place_id"], repeated)


# --- contents -------------------------------------------------------------


def test_minimum_counts():
    all_rows = rows()
    karachi = [row for row in all_rows if row["city"] == "Karachi"]
    assert len(all_rows) >= 400
    assert sum(row["kind"] == "neighbourhood" for row in karachi) >= 200
    assert sum(row["kind"] == "landmark" for row in karachi) >= 60
    assert sum(row["kind"] == "town" for row in all_rows) == 18
    assert sum(row["kind"] == "city" and row["province"] == "Balochistan" for row in all_rows) >= 20


def test_karachi_districts_towns_and_provinces():
    karachi_districts = {
        row["name"] for row in rows() if row["kind"] == "district" and row["province"] == "Sindh"
    }
    assert karachi_districts == KARACHI_DISTRICTS
    provinces = {row["name"] for row in rows() if row["kind"] == "province"}
    assert provinces == {"Sindh", "Balochistan"}
    karachi = [row for row in rows() if row["place_id"] == "khi-cty-karachi"]
    assert len(karachi) == 1 and karachi[0]["kind"] == "city"


def test_balochistan_has_34_districts():
    districts = [
        row["name"]
        for row in rows()
        if row["kind"] == "district" and row["province"] == "Balochistan"
    ]
    assert len(districts) == len(set(districts)) == 34


@pytest.mark.parametrize(("as_written", "place_id"), SEED_SITES)
def test_every_seed_site_is_in_the_gazetteer(as_written, place_id):
    wanted = normalise(as_written)
    wanted = SEED_WORDING.get(wanted, wanted)
    matches = {
        row["place_id"] for row in rows() if wanted in {normalise(name) for name in names_of(row)}
    }
    assert place_id in matches, (as_written, sorted(matches))


def test_no_alias_is_shared_by_two_places():
    by_key = defaultdict(set)
    for row in rows():
        for name in names_of(row):
            by_key[normalise(name)].add(row["place_id"])
    index = {row["place_id"]: row for row in rows()}
    problems = {}
    for key, places in by_key.items():
        if len(places) < 2 or DELIBERATE_SHARED.get(key) == places:
            continue
        # A district and the city named after it that is its seat.
        kinds = sorted(index[place]["kind"] for place in places)
        if kinds == ["city", "district"]:
            city, district = sorted(places, key=lambda place: index[place]["kind"])
            if index[city]["district"] == index[district]["name"]:
                continue
        problems[key] = sorted(places)
    assert not problems, problems


def test_deliberate_shared_names_are_still_shared():
    for key, places in DELIBERATE_SHARED.items():
        for place in places:
            row = next(row for row in rows() if row["place_id"] == place)
            assert key in {normalise(name) for name in names_of(row)}, (key, place)


# --- geography --------------------------------------------------------------


def _geometry(geojson: dict):
    """A shapely geometry from GeoJSON, dropping degenerate rings (the
    districts bundle has some with fewer than three distinct points) and
    repairing what is invalid."""
    import shapely
    from shapely.geometry import MultiPolygon, Polygon

    parts = (
        geojson["coordinates"] if geojson["type"] == "MultiPolygon" else [geojson["coordinates"]]
    )
    polygons = []
    for part in parts:
        shell, *holes = part
        if len({tuple(point) for point in shell}) < 3:
            continue
        holes = [hole for hole in holes if len({tuple(point) for point in hole}) >= 3]
        polygons.append(Polygon(shell, holes))
    geometry = polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)
    return geometry if geometry.is_valid else shapely.make_valid(geometry)


@cache
def _layer(folder: str, file_name: str) -> dict:
    with open(Path(folder) / file_name, encoding="utf-8") as handle:
        collection = json.load(handle)
    return {
        feature["properties"]["name"]: _geometry(feature["geometry"])
        for feature in collection["features"]
    }


@pytest.fixture(scope="module")
def layers(boundaries_ready):
    folder = str(boundaries_ready)
    districts_file = "pakistan_districts_2023.geojson"
    with open(Path(folder) / districts_file, encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    province_of = {
        feature["properties"]["name"]: feature["properties"]["province"] for feature in features
    }
    return {
        "district": _layer(folder, districts_file),
        "province": _layer(folder, "pakistan_provinces.geojson"),
        "town": _layer(folder, "karachi_towns_2001.geojson"),
        "province_of": province_of,
    }


def _point(row):
    from shapely.geometry import Point

    return Point(float(row["longitude"]), float(row["latitude"]))


@pytest.mark.boundaries
def test_names_are_spelled_as_in_the_boundary_files(layers):
    for row in rows():
        assert row["province"] in layers["province"], row["place_id"]
        if row["district"]:
            assert row["district"] in layers["district"], (row["place_id"], row["district"])
            assert layers["province_of"][row["district"]] == row["province"], row["place_id"]
        if row["town"]:
            assert row["town"] in layers["town"], (row["place_id"], row["town"])


@pytest.mark.boundaries
def test_balochistan_districts_are_the_34_of_the_boundary_file(layers):
    in_file = {
        name for name, province in layers["province_of"].items() if province == "Balochistan"
    }
    listed = {
        row["name"]
        for row in rows()
        if row["kind"] == "district" and row["province"] == "Balochistan"
    }
    assert listed == in_file


@pytest.mark.boundaries
def test_every_place_lies_in_its_district_town_and_province(layers):
    outside = []
    for row in rows():
        point = _point(row)
        checks = [("province", row["province"])]
        if row["kind"] != "province":
            checks.append(("district", row["district"]))
        if row["town"]:
            checks.append(("town", row["town"]))
        for layer, name in checks:
            if not layers[layer][name].covers(point):
                outside.append((row["place_id"], layer, name))
    assert not outside, outside


@pytest.mark.boundaries
def test_town_centres_lie_inside_their_town(layers):
    from shapely.geometry import Point

    centres = [row for row in rows() if row["coord_source"] == "town_centre"]
    assert centres
    for row in centres:
        polygon = layers["town"][row["name"]]
        assert polygon.contains(Point(float(row["longitude"]), float(row["latitude"])))


@pytest.mark.boundaries
def test_polygon_centroids_are_representative_points(layers):
    for row in rows():
        if row["coord_source"] != "polygon_centroid":
            continue
        point = layers[row["kind"]][row["name"]].representative_point()
        assert abs(point.y - float(row["latitude"])) <= 1e-5, row["place_id"]
        assert abs(point.x - float(row["longitude"])) <= 1e-5, row["place_id"]
