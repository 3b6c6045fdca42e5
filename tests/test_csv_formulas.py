"""Formula cells are neutralised in every CSV Footprint writes (issue 9).

The three CSVs: event exports (``python -m footprint export`` and the
Events page download both call :func:`exports.to_bytes` / :func:`exports.to_csv`)
and the upload problem report (:func:`checks.report_csv`).
"""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from footprint.data import exports, schema
from footprint.importers import checks

HOSTILE = ['=HYPERLINK("http://x")', "+1+cmd", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "'=quoted"]


def written(value: str) -> str:
    """The cell as a spreadsheet must get it: inert, a lone CR as a line break."""
    value = value.replace("\r", "\n")  # pandas leaves a lone CR unquoted
    return value if value.startswith("\n") else "'" + value


def _frame(values):
    rows = []
    for number, value in enumerate(values, start=1):
        rows.append(
            {
                "event_id": f"t-{number}",
                "event_date": "2015-05-13",
                "date_precision": "day",
                "event_type": "attack",
                "attack_type": "bombing",
                "summary": value,
                "target": value,
                "location_text": "Karachi",
                "latitude": 24.86,
                "longitude": -67.01 if number == 1 else 67.01,
                "killed_min": 3,
                "killed_max": 4,
                "source_id": "test",
            }
        )
    return schema.coerce_events(pd.DataFrame(rows))


def _cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize("value", HOSTILE)
def test_event_export_neutralises_formula_cells(value):
    frame = _frame([value])
    rows = _cells(exports.to_bytes(frame, "csv"))
    header, row = rows[0], rows[1]
    summary = row[header.index("summary")]
    assert summary == written(value)
    # numbers stay numbers: a negative longitude is written as a number
    assert row[header.index("longitude")] == "-67.01"
    assert row[header.index("killed_min")] == "3"


def test_event_export_reads_back_the_same_text():
    frame = _frame(HOSTILE)
    back = exports.read_csv(exports.to_bytes(frame, "csv"))
    expected = [value.replace("\r", "\n") for value in HOSTILE]
    assert list(back["summary"]) == expected
    assert list(back["target"]) == expected
    assert len(back) == len(HOSTILE)


def test_plain_numbers_and_ordinary_text_are_untouched():
    frame = pd.DataFrame({"a": ["-12", "+3.5", "Korangi", None], "b": [-1.5, 2.0, 3.0, 4.0]})
    out = exports.neutralise_formulas(frame)
    assert list(out["a"][:3]) == ["-12", "+3.5", "Korangi"]
    assert out["b"].tolist() == [-1.5, 2.0, 3.0, 4.0]


@pytest.mark.parametrize("value", HOSTILE)
def test_problem_report_neutralises_quoted_values(value):
    problem = checks.Problem(2, "summary", value, "=1+1 is not a place.", "-fix it", "error")
    rows = _cells(checks.report_csv([problem]))
    header, row = rows[0], rows[1]
    assert row[header.index("value")] == written(value)
    assert row[header.index("problem")] == "'=1+1 is not a place."
    assert row[header.index("fix")] == "'-fix it"
    assert row[header.index("row")] == "2"
