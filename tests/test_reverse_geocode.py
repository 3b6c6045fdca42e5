"""Reverse geocoding: points to town, district, province and nearest neighbourhood.

These tests read the real boundary polygons (``boundaries_ready`` skips without
them, and fails in strict mode) and a small gazetteer built here.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from geocode import Geocoder
from geocode.gazetteer import Gazetteer, haversine_km
from geocode.reverse import ReverseGeocoder, ReverseResult

GAZETTEER_CSV = """place_id,name,aliases,kind,subkind,latitude,longitude,town,district,city,province,coord_source
c-karachi,Karachi,,city,,24.8607,67.0011,,,Karachi,Sindh,test
t-lyari,Lyari Town,Liyari Town,town,,24.8600,67.0000,Lyari Town,Karachi South,Karachi,Sindh,test
t-saddar,Saddar Town,,town,,24.8600,67.0200,Saddar Town,Karachi South,Karachi,Sindh,test
n-saddar,Saddar,,neighbourhood,,24.8556,67.0283,Saddar Town,Karachi South,Karachi,Sindh,test
n-clifton,Clifton,,neighbourhood,,24.8138,67.0300,Saddar Town,Karachi South,Karachi,Sindh,test
n-orangi,Orangi,,neighbourhood,,25.0050,66.9999,Orangi Town,Karachi West,Karachi,Sindh,test
n-saddar-q,Saddar,,neighbourhood,,30.1900,67.0100,,Quetta,Quetta,Balochistan,test
l-rimpa,Rimpa Plaza,,landmark,plaza,24.8580,67.0240,Saddar Town,Karachi South,Karachi,Sindh,test
"""


@pytest.fixture(scope="module")
def reverse(boundaries_ready) -> ReverseGeocoder:
    gazetteer = Gazetteer.from_frame(
        pd.read_csv(io.StringIO(GAZETTEER_CSV), dtype=str, keep_default_na=False)
    )
    return ReverseGeocoder(gazetteer, boundaries_dir=boundaries_ready)


@pytest.mark.parametrize(
    "latitude, longitude, town, district, city, province",
    [
        # Rimpa Plaza, Saddar.
        (24.8580, 67.0240, "Saddar Town", "Karachi South", "Karachi", "Sindh"),
        # Orangi.
        (25.0050, 66.9999, "Orangi Town", "Karachi West", "Karachi", "Sindh"),
        # Sohrab Goth on the Superhighway (Gulshan-e-Iqbal town in 2001).
        (24.9450, 67.1300, "Gulshan Iqbal Town", "Karachi East", "Karachi", "Sindh"),
        # Liyari in the polygons, Lyari Town in the gazetteer: the gazetteer's spelling.
        (24.8471, 66.9906, "Lyari Town", None, "Karachi", "Sindh"),
        # Kemari Town (no gazetteer town: the polygon's spelling).
        (24.9114, 66.8316, "Kemari Town", "Keamari", "Karachi", "Sindh"),
        # Quetta: no Karachi town, a district and a province.
        (30.1800, 66.9750, None, "Quetta", None, "Balochistan"),
        # Khuzdar.
        (27.8000, 66.6100, None, "Khuzdar", None, "Balochistan"),
    ],
)
def test_known_points(reverse, latitude, longitude, town, district, city, province):
    result = reverse.reverse(latitude, longitude)
    assert isinstance(result, ReverseResult)
    assert (result.town, result.city, result.province) == (town, city, province), result
    if district is not None:
        assert result.district == district
    else:
        assert result.district is not None and result.district.startswith(("Karachi", "Keamari"))


@pytest.mark.parametrize(
    "latitude, longitude",
    [
        (24.50, 66.50),  # the Arabian Sea off Karachi
        (28.61, 77.21),  # Delhi
        (34.53, 69.17),  # Kabul
        (float("nan"), 67.0),
        (95.0, 67.0),  # not a latitude
    ],
)
def test_points_outside_have_an_empty_hierarchy(reverse, latitude, longitude):
    result = reverse.reverse(latitude, longitude)
    assert (result.neighbourhood, result.town, result.district, result.city, result.province) == (
        None,
        None,
        None,
        None,
        None,
    )
    assert result.distance_km is None


def test_nearest_neighbourhood_within_the_distance(reverse):
    # Rimpa Plaza is about 0.5 km from Saddar's point.
    result = reverse.reverse(24.8580, 67.0240)
    expected = float(haversine_km(24.8580, 67.0240, 24.8556, 67.0283))
    assert result.neighbourhood == "Saddar" and result.neighbourhood_place_id == "n-saddar"
    assert result.distance_km == pytest.approx(expected, abs=0.001)
    assert 0.4 < result.distance_km < 0.6
    # The same point with a tighter limit has no neighbourhood, but keeps its areas.
    tight = reverse.reverse(24.8580, 67.0240, max_distance_km=0.3)
    assert tight.neighbourhood is None and tight.distance_km is None
    assert tight.town == "Saddar Town"
    # Far from every neighbourhood (Gadap), nothing within the default 2 km.
    far = reverse.reverse(25.2595, 67.2050)
    assert far.neighbourhood is None and far.town == "Gadap Town"


def test_nearest_is_the_closest_of_several(reverse):
    # Between Saddar (24.8556, 67.0283) and Clifton (24.8138, 67.0300), nearer Clifton.
    result = reverse.reverse(24.8200, 67.0300, max_distance_km=10)
    assert result.neighbourhood == "Clifton"


def test_reverse_many_is_vectorised_and_ordered(reverse):
    lats = [24.8580, 24.50, 30.1800, 25.0050]
    lons = [67.0240, 66.50, 66.9750, 66.9999]
    results = reverse.reverse_many(lats, lons)
    assert [r.district for r in results] == ["Karachi South", None, "Quetta", "Karachi West"]
    assert [r.neighbourhood for r in results] == ["Saddar", None, None, "Orangi"]
    with pytest.raises(ValueError):
        reverse.reverse_many([24.8], [67.0, 67.1])


def test_reverse_many_on_50k_points_matches_single_lookups(reverse):
    # Speed is measured by benchmarks/geocoder.py, not here.
    rng = np.random.default_rng(7)
    lats = rng.uniform(24.7, 25.1, 50_000)
    lons = rng.uniform(66.8, 67.3, 50_000)
    results = reverse.reverse_many(lats, lons)
    assert len(results) == 50_000
    assert sum(r.district is not None for r in results) > 20_000
    for i in range(0, 50_000, 5_000):
        single = reverse.reverse(lats[i], lons[i])
        assert (results[i].district, results[i].neighbourhood) == (
            single.district,
            single.neighbourhood,
        )


def test_points_in_blocks_give_what_all_at_once_gives(reverse, monkeypatch):
    # reverse_columns works a block of points at a time to bound its memory;
    # block edges (a block of 7 over 60 points, NaN and far points between)
    # must not change any answer.
    rng = np.random.default_rng(11)
    lats = np.concatenate([rng.uniform(24.80, 24.87, 50), [np.nan, 24.50, 30.18], [91.0] * 7])
    lons = np.concatenate([rng.uniform(66.99, 67.04, 50), [67.0, 66.50, 66.975], [67.0] * 7])
    whole = reverse.reverse_columns(lats, lons, max_distance_km=3)
    monkeypatch.setattr("geocode.reverse.REVERSE_BLOCK", 7)
    blocks = reverse.reverse_columns(lats, lons, max_distance_km=3)
    assert sum(v is not None for v in whole["neighbourhood"]) > 25
    for name, values in whole.items():
        assert pd.Series(blocks[name]).equals(pd.Series(values)), name


def test_geocoder_reverse_uses_the_same_machinery(boundaries_ready):
    gazetteer = Gazetteer.from_frame(
        pd.read_csv(io.StringIO(GAZETTEER_CSV), dtype=str, keep_default_na=False)
    )
    geocoder = Geocoder(gazetteer, boundaries_dir=boundaries_ready)
    result = geocoder.reverse(24.8580, 67.0240)
    assert (result.neighbourhood, result.town, result.district) == (
        "Saddar",
        "Saddar Town",
        "Karachi South",
    )
    assert result.to_dict()["province"] == "Sindh"
