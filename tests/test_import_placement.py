"""Placing uploaded rows (``geocoding.place_rows``): what each kind of row ends up with.

The geocoder here is a small stand-in with known answers (the interface
``place_rows`` documents: ``geocode(text, context=...)`` and a gazetteer of
cities), so low scores and far matches can be set up exactly. Rows repeat
their place texts, as files do: every row of a text must get its answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from footprint.importers import geocoding
from geocode.result import GeocodeResult

CENTRE = (24.86, 67.01)


@dataclass
class _City:
    name: str
    latitude: float
    longitude: float
    kind: str = "city"


class _Gazetteer:
    places = [_City("Karachi", *CENTRE)]


def _result(name, lat, lon, precision, score=95.0, **levels):
    return GeocodeResult(
        query=name,
        resolved=True,
        name=name,
        matched_alias=name,
        score=score,
        latitude=lat,
        longitude=lon,
        geo_precision=precision,
        **levels,
    )


ANSWERS = {
    "korangi": _result(
        "Korangi",
        24.83,
        67.13,
        "neighbourhood",
        neighbourhood="Korangi",
        town="Korangi Town",
        district="Korangi",
        city="Elsewhere",
        province="Sindh",
    ),
    "landhi": _result("Landhi", 24.85, 67.2, "neighbourhood", neighbourhood="Landhi"),
    "malir": _result("Malir", 24.89, 67.2, "town", town="Malir Town"),
    "faintly": _result("Faintly Known", 24.9, 67.05, "neighbourhood", score=50.0),
    "far away": _result("Far Away", 30.19, 67.0, "neighbourhood"),
    "karachi": _result("Karachi", *CENTRE, "city", city="Karachi"),
}


class _Geocoder:
    """Answers by the first known name the text contains; counts what it was asked."""

    gazetteer = _Gazetteer()

    def __init__(self):
        self.asked: list[tuple] = []

    def geocode(self, text, context=None):
        self.asked.append((text, tuple(sorted((context or {}).items()))))
        for name, result in ANSWERS.items():
            if name in text.lower():
                return result
        return GeocodeResult(query=text)


#: (location_text, latitude, longitude, geo_precision, target, summary, city)
ROWS = [
    ("Korangi", *CENTRE, "city", "", "", "Karachi"),  # 0: upgraded from the place text
    ("Korangi", *CENTRE, "city", "", "", "Karachi"),  # 1: the same text, the same answer
    ("Far Away", *CENTRE, "city", "", "", "Karachi"),  # 2: 600+ km: kept, with a warning
    ("Karachi", *CENTRE, "city", "Landhi police station", "", "Karachi"),  # 3: from target
    ("Karachi", *CENTRE, "city", "", "workers of Malir", "Karachi"),  # 4: from summary
    ("Faintly", np.nan, np.nan, None, "", "", "Karachi"),  # 5: placed, low score warning
    ("Nowhere Known", np.nan, np.nan, None, "", "", "Karachi"),  # 6: not found
    ("Korangi", 24.95, 67.05, "site", "", "", "Karachi"),  # 7: its own point: untouched
    ("Korangi", np.nan, np.nan, None, "", "", ""),  # 8: placed, the answer's city taken
]


def _frame() -> pd.DataFrame:
    columns = ["location_text", "latitude", "longitude", "geo_precision", "target", "summary"]
    frame = pd.DataFrame([row[:6] for row in ROWS], columns=columns)
    frame["city"] = [row[6] or None for row in ROWS]
    for name in (
        "neighbourhood",
        "town",
        "district",
        "province",
        "original_geo_precision",
        "geo_matched_name",
        "geo_matched_alias",
        "notes",
    ):
        frame[name] = None
    for name in ("original_latitude", "original_longitude", "geo_score"):
        frame[name] = np.nan
    frame["_line"] = np.arange(2, len(ROWS) + 2)
    return frame


@pytest.fixture(scope="module")
def placed():
    geocoder = _Geocoder()
    out, problems, stats = geocoding.place_rows(_frame(), geocoder, {"target": "target1"}, set())
    return out, problems, stats, geocoder


@pytest.mark.parametrize("row", [0, 1])
def test_a_city_centre_row_moves_to_the_finer_place_its_text_names(placed, row):
    out, *_ = placed
    placed_row = out.iloc[row]
    assert (placed_row.latitude, placed_row.longitude) == (24.83, 67.13)
    assert placed_row.geo_precision == "neighbourhood"
    assert (placed_row.original_latitude, placed_row.original_longitude) == CENTRE
    assert placed_row.original_geo_precision == "city"
    assert placed_row.geo_matched_alias == "Korangi"
    assert (placed_row.neighbourhood, placed_row.town, placed_row.district) == (
        "Korangi",
        "Korangi Town",
        "Korangi",
    )
    # the file's own city stays; the answer's province fills the empty one
    assert (placed_row.city, placed_row.province) == ("Karachi", "Sindh")


def test_a_match_too_far_from_the_point_keeps_the_point_and_says_why(placed):
    out, problems, *_ = placed
    row = out.iloc[2]
    assert (row.latitude, row.longitude, row.geo_precision) == (*CENTRE, "city")
    assert np.isnan(row.original_latitude)
    (warning,) = [p for p in problems if p.row == 4]
    assert warning.column == "location_text" and warning.value == "Far Away"
    assert warning.problem.startswith("the place text matches Far Away, 593 km from the row's")
    assert warning.severity == "warning"


@pytest.mark.parametrize(
    "row, field, label, alias, point",
    [
        (3, "target", "target1", "Landhi", (24.85, 67.2)),
        (4, "summary", "summary", "Malir", (24.89, 67.2)),
    ],
)
def test_other_text_fields_upgrade_a_row_and_leave_their_evidence(
    placed, row, field, label, alias, point
):
    out, _problems, stats, _ = placed
    upgraded = out.iloc[row]
    assert (upgraded.latitude, upgraded.longitude) == point
    assert upgraded.notes == f'place from {label}: "{alias}"'
    assert upgraded.original_geo_precision == "city"
    assert stats.upgraded_from == {"location_text": 2, "target": 1, "summary": 1}


def test_rows_without_a_point_are_geocoded_or_left_unplaced(placed):
    out, problems, stats, _ = placed
    assert (out.iloc[5].latitude, out.iloc[5].geo_score) == (24.9, 50.0)
    (low,) = [p for p in problems if p.row == 7]
    assert "low match score (50/100)" in low.problem and low.value == "Faintly"
    assert np.isnan(out.iloc[6].latitude) and pd.isna(out["geo_precision"].iloc[6])
    # no city in the file: the answer's fills it
    assert (out.iloc[8].latitude, out.iloc[8].city) == (24.83, "Elsewhere")
    assert (stats.geocoded, stats.not_found) == (2, 1)
    assert len(problems) == 2


def test_a_row_with_its_own_fine_point_is_left_alone(placed):
    out, *_ = placed
    row = out.iloc[7]
    assert (row.latitude, row.longitude, row.geo_precision) == (24.95, 67.05, "site")
    assert pd.isna(out["geo_matched_alias"].iloc[7])


def test_each_distinct_text_is_asked_once(placed):
    *_, geocoder = placed
    assert len(geocoder.asked) == len(set(geocoder.asked))
    # four rows name Korangi: one question with the file's city, one without
    assert [text for text, _ in geocoder.asked].count("Korangi") == 2


@pytest.mark.parametrize("within_km", [0.05, 1.0])
def test_the_nearest_city_search_finds_what_measuring_every_city_finds(within_km):
    rng = np.random.default_rng(7)
    c_lat = np.array([24.86, 30.187, 25.1, 24.861, 60.0, -33.9])
    c_lon = np.array([67.01, 67.005, 62.33, 67.02, 30.0, 151.2])
    # points scattered around each city, many just inside or outside the limit
    around = rng.integers(0, c_lat.size, 20_000)
    km = rng.uniform(0, 3 * within_km, around.size)
    bearing = rng.uniform(0, 2 * np.pi, around.size)
    lat = c_lat[around] + km / 111.2 * np.cos(bearing)
    lon = c_lon[around] + km / (111.2 * np.cos(np.radians(c_lat[around]))) * np.sin(bearing)
    every = geocoding.haversine_km(lat[:, None], lon[:, None], c_lat[None, :], c_lon[None, :])
    expected = every.min(axis=1)
    expected[expected > within_km] = np.inf
    found = geocoding._nearest_centre_km(lat, lon, c_lat, c_lon, within_km)
    np.testing.assert_array_equal(found, expected)
    assert np.isfinite(found).sum() > 1_000 and np.isinf(found).sum() > 1_000
