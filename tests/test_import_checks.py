"""Row checks and the bad-file corpus: each problem names row, column, value and fix.

Every file in ``tests/data/bad/`` has one problem (``many_problems.csv`` has
several) and no row that could be stored, so a full upload of it is refused
and the store is left as it was.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from footprint.data import store
from footprint.importers import checks, pipeline
from footprint.importers.checks import ImportRefused

BAD = Path(__file__).parent / "data" / "bad"

#: file -> the problems it must report: (row, column, phrase in the problem).
#: A row of None means the whole file is refused with that phrase.
CORPUS: dict[str, list[tuple[int | None, str | None, str]]] = {
    "empty.csv": [(None, None, "is empty")],
    "header_only.csv": [(None, None, "has a header but no rows")],
    "unknown_format.csv": [(None, None, "match no known format")],
    "gtd_without_year.csv": [(None, None, "has no iyear column")],
    "excel_workbook.csv": [(None, None, "is an Excel workbook")],
    "ragged_row.csv": [(2, None, "28 values but the header (line 1) has 27 columns")],
    "bad_date.csv": [(2, "event_date", "February 2015 has no day 30")],
    "ambiguous_date.csv": [
        (2, "event_date", "ambiguous: it could be 03 April 2015 or 04 March 2015")
    ],
    "missing_date.csv": [(2, "event_date", "the date is missing")],
    "future_date.csv": [(2, "event_date", "in the future")],
    "two_digit_year.csv": [(2, "event_date", "century is unknown")],
    "date_end_before_start.csv": [(2, "date_end", "date_end is before date_start")],
    "latitude_out_of_range.csv": [(2, "latitude", "latitude 124.9 is outside -90..90")],
    "swapped_coordinates.csv": [(2, "latitude/longitude", "latitude and longitude look swapped")],
    "outside_pakistan_bbox.csv": [(2, "latitude/longitude", "is outside Pakistan")],
    "outside_pakistan_polygon.csv": [(2, "latitude/longitude", "is outside Pakistan")],
    "one_coordinate.csv": [
        (2, "longitude", "the longitude is missing but the other coordinate is given")
    ],
    "coordinate_not_decimal.csv": [(2, "latitude", "not a decimal number")],
    "negative_casualties.csv": [(2, "killed_min", "negative")],
    "non_numeric_casualties.csv": [(2, "killed_max", "not a number")],
    "min_above_max.csv": [(2, "killed_max", "killed_min 12 is above killed_max 10")],
    "unknown_event_type.csv": [(2, "event_type", "'bombing' is not a known event_type")],
    "unknown_attack_type.csv": [(2, "attack_type", "'drone' is not a known attack_type")],
    "unknown_geo_precision.csv": [(2, "geo_precision", "'street' is not a known geo_precision")],
    "missing_event_type.csv": [(2, "event_type", "event_type is missing")],
    "bad_perpetrators.csv": [(2, "perpetrators", "'TTP' is not 'Name (link)'")],
    "bad_suicide.csv": [(2, "suicide", "suicide must be true or false")],
    "no_place.csv": [(2, "latitude", "neither coordinates nor place text")],
    "unknown_place.csv": [(2, "location_text", "did not find this place")],
    "duplicate_id.csv": [
        (2, "killed_min", "negative"),
        (3, "event_id", "is used on line 2 already"),
    ],
    "many_problems.csv": [
        (2, "event_date", "neither of the first two numbers can be a month"),
        (3, "latitude/longitude", "look swapped"),
        (4, "killed_max", "killed_min 9 is above killed_max 3"),
        (5, "event_type", "'riot' is not a known event_type"),
        (6, "latitude", "neither coordinates nor place text"),
    ],
}


def test_the_corpus_table_names_every_bad_file():
    assert sorted(CORPUS) == sorted(p.name for p in BAD.glob("*.csv"))


@pytest.fixture
def engine(tmp_path):
    engine = store.make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    store.create_schema(engine)
    return engine


def stored_rows(engine) -> tuple[int, int]:
    with engine.connect() as connection:
        return store.count_events(connection), len(store.list_batches(connection))


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_bad_file_is_refused_or_reported_and_nothing_stored(name, engine, request):
    if name == "outside_pakistan_polygon.csv":
        request.getfixturevalue("boundaries_ready")  # Kabul is inside the bounding box
    before = stored_rows(engine)
    expected = CORPUS[name]
    data = (BAD / name).read_bytes()
    if expected[0][0] is None:
        with pytest.raises(ImportRefused) as refused:
            pipeline.prepare(data, name, engine)
        assert expected[0][2] in refused.value.problem
        assert refused.value.fix
    else:
        preview = pipeline.prepare(data, name, engine)
        errors = preview.errors
        for row, column, phrase in expected:
            matching = [
                p for p in errors if p.row == row and p.column == column and phrase in p.problem
            ]
            assert matching, (
                f"{name}: no error at row {row}, column {column} with {phrase!r}; got {[str(p) for p in errors]}"
            )
            assert all(p.fix for p in matching)
        assert not preview.valid.any()
        with pytest.raises(ImportRefused, match="can be stored"):
            pipeline.commit(engine, preview, uploaded_by="test")
    assert stored_rows(engine) == before


# --- the checks themselves ---------------------------------------------------------


def frame(**columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base = {
        c: [None] * n
        for c in (
            "latitude",
            "longitude",
            "killed_min",
            "killed_max",
            "injured_min",
            "injured_max",
            "event_id",
            "event_type",
            "attack_type",
            "date_precision",
            "geo_precision",
            "target_type",
        )
    }
    base.update(columns)
    base["_line"] = list(range(2, n + 2))
    return pd.DataFrame(base)


def test_swap_is_suggested_with_the_swapped_values():
    (problem,) = checks.check_coordinates(frame(latitude=[67.0011], longitude=[24.8607]), {})
    assert problem.value == "67.0011, 24.8607"
    assert problem.fix == "Swap them: latitude 24.8607, longitude 67.0011."


def test_points_in_and_out_of_pakistan():
    inside = checks.in_pakistan_bbox([24.86, 30.19, 51.5, 24.86], [67.01, 67.0, -0.12, 120.0])
    assert inside.tolist() == [True, True, False, False]


def test_messages_use_the_files_column_names():
    problems = checks.check_coordinates(
        frame(latitude=[124.9], longitude=[67.0]), {"latitude": "Latitude"}
    )
    assert problems[0].column == "Latitude"
    problems = checks.check_casualties(
        frame(killed_min=[5], killed_max=[2]),
        {"killed_min": "Killed Min", "killed_max": "Killed Max"},
    )
    assert (
        problems[0].column == "Killed Max"
        and "Killed Min 5 is above Killed Max 2" in problems[0].problem
    )


def test_missing_values_are_not_zero():
    assert checks.parse_count("") is None
    assert checks.parse_count("NA") is None
    assert checks.parse_count("0") == 0
    assert checks.parse_count("1,200") == 1200
    assert checks.parse_count("12.0") == 12
    with pytest.raises(checks.CellProblem, match="not a whole number"):
        checks.parse_count("2.5")


def test_decimal_comma_coordinates():
    assert checks.parse_coordinate("24,8607", "latitude") == pytest.approx(24.8607)
    assert checks.parse_coordinate(" 67.01 ", "longitude") == 67.01
    assert checks.parse_coordinate("NaN", "latitude") is None
    with pytest.raises(checks.CellProblem, match="not a number"):
        checks.parse_coordinate("inf", "latitude")
    with pytest.raises(checks.CellProblem, match="not a decimal number"):
        checks.parse_coordinate("24°51'N", "latitude")


def test_attack_type_on_a_non_attack_is_a_warning():
    problems = checks.check_enumerations(frame(event_type=["arrest"], attack_type=["bombing"]), {})
    assert [p.severity for p in problems] == ["warning"]


def test_report_sorting_and_blocked_lines():
    problems = [
        checks.Problem(5, "a", None, "w", "f", "warning"),
        checks.Problem(3, "b", None, "e", "f", "error"),
        checks.Problem(None, None, None, "file", "f", "warning"),
        checks.Problem(5, "c", None, "e", "f", "error"),
    ]
    ordered = checks.sort_problems(problems)
    assert [(p.row, p.severity) for p in ordered] == [
        (None, "warning"),
        (3, "error"),
        (5, "error"),
        (5, "warning"),
    ]
    assert checks.blocked_lines(problems) == {3, 5}
    assert str(problems[1]) == "error: line 3, column b: e Fix: f"


def test_checks_on_100k_rows_find_the_rows_that_break_a_rule():
    # Speed is measured by benchmarks/imports.py, not here.
    n = 100_000
    rng = np.random.default_rng(1)
    big = frame(
        latitude=rng.uniform(24, 31, n),
        longitude=rng.uniform(62, 70, n),
        killed_min=rng.integers(0, 5, n),
        killed_max=rng.integers(5, 9, n),
    )
    big.loc[[10, 99_990], "killed_min"] = [9, 12]  # above killed_max
    problems = checks.check_rows(big, {})
    assert {2 + 10, 2 + 99_990} <= checks.blocked_lines(problems)
