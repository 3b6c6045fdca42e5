"""Analysts' abbreviations and the places they must stay with (issue 9).

Each case runs the real gazetteer (``data/gazetteer.csv``) and normalisation
rules (``data/normalisation.csv``); the rules are data, and each has a case it
must not touch.
"""

from __future__ import annotations

import math

import pytest

from geocode import Geocoder
from geocode.normalise import normalise

KARACHI = {"city": "Karachi"}


@pytest.fixture(scope="module")
def geocoder():
    return Geocoder.default()


@pytest.mark.parametrize(
    ("text", "context", "place"),
    [
        # Cantt / Cantonment stays with its own place
        ("Malir Cantt", None, "Malir Cantonment"),
        ("Malir Cantt, Karachi", None, "Malir Cantonment"),
        ("Malir Cantt Karachi", KARACHI, "Malir Cantonment"),
        ("Malir Cantonment", KARACHI, "Malir Cantonment"),
        ("Karachi Cantt", None, "Karachi Cantonment Railway Station"),
        ("Quetta Cantt", {"city": "Quetta"}, "Quetta Cantonment"),
        # Chowrangi / Chowk
        ("Nipa Chowk", KARACHI, "NIPA Chowrangi"),
        ("Nipa Chorangi", KARACHI, "NIPA Chowrangi"),
        ("Singer Chowk", KARACHI, "Singer Chowrangi"),
        ("Pakistan Chowk", KARACHI, "Pakistan Chowk"),
        # Gulshan / G-e-I
        ("G-e-I", KARACHI, "Gulshan-e-Iqbal"),
        ("Gulshan", KARACHI, "Gulshan-e-Iqbal"),
        ("Gulshan-i-Iqbal", KARACHI, "Gulshan-e-Iqbal"),
        ("G-e-I Block 13-D", KARACHI, "Gulshan-e-Iqbal Block 13-D"),
        # Block / Blk
        ("Gulshan-e-Iqbal Blk 13-D", KARACHI, "Gulshan-e-Iqbal Block 13-D"),
        ("Blk 13-D Gulshan", KARACHI, "Gulshan-e-Iqbal Block 13-D"),
        # Sector / Sec
        ("Orangi Sec 11", KARACHI, "Orangi Town Sector 11"),
        ("Orangi Sector 11", KARACHI, "Orangi Town Sector 11"),
        # Goth / Ghoth
        ("Sohrab Ghoth", KARACHI, "Sohrab Goth"),
        ("Yousuf Ghoth", KARACHI, "Yousuf Goth"),
    ],
)
def test_analysts_abbreviations(geocoder, text, context, place):
    result = geocoder.geocode(text, context=context)
    assert result.resolved, text
    assert result.name == place


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("police can't say", "police cant say"),  # cantt -> cantonment needs the double t
        ("second blast", "second blast"),  # sec -> sector is a whole word only
        ("the secretary", "the secretary"),
        ("Chowkidar", "chowkidar"),  # chowk -> chowrangi is a whole word only
        ("Black Hawk", "black hawk"),  # blk is not black
        ("Ghotki", "ghotki"),  # ghoth -> goth is a whole word only
    ],
)
def test_abbreviation_rules_leave_other_words_alone(text, key):
    assert normalise(text) == key


def _km(lat1, lon1, lat2, lon2):
    dy = (lat2 - lat1) * 111.2
    dx = (lon2 - lon1) * 111.2 * math.cos(math.radians(lat1))
    return math.hypot(dx, dy)


def test_orangi_town_lands_among_its_sectors(geocoder):
    town = geocoder.geocode("Orangi Town", context=KARACHI)
    assert town.name == "Orangi Town" and town.geo_precision == "town"
    sectors = [
        geocoder.geocode(f"Orangi Sector {n}", context=KARACHI) for n in (1, 4, 5, 10, 11, 13, 16)
    ]
    assert all(s.name.startswith("Orangi Town Sector") for s in sectors)
    lat = sum(s.latitude for s in sectors) / len(sectors)
    lon = sum(s.longitude for s in sectors) / len(sectors)
    assert _km(town.latitude, town.longitude, lat, lon) < 2.0
