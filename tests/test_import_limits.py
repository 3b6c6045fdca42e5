"""Dry run and real run agree: implausible tolls, overlong text and ``@@`` values (issue 9).

Each hostile cell is refused by the checks (so ``--dry-run`` says so) with the
row, the column and the fix, and the real import stores the rest of the file.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from footprint.data import store
from footprint.importers import checks, pipeline

PROJECT = Path(__file__).resolve().parent.parent
HEADER = (PROJECT / "data" / "template.csv").read_text().splitlines()[0].split(",")
GOOD_ROW = {
    "event_date": "2015-05-13",
    "date_precision": "day",
    "event_type": "attack",
    "attack_type": "armed_assault",
    "location_text": "Karachi",
    "latitude": "24.86",
    "longitude": "67.01",
    "geo_precision": "city",
    "source_id": "test",
}


def template(*rows: dict) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, HEADER, lineterminator="\n")
    writer.writeheader()
    for number, row in enumerate(rows, start=1):
        writer.writerow({"event_id": f"lim-{number}", **GOOD_ROW, **row})
    return out.getvalue().encode()


CASES = [
    ({"killed_min": "99999999999999999999", "killed_max": "99999999999999999999"}, "killed_min",
     "above 10,000"),
    ({"injured_max": "10001"}, "injured_max", "above 10,000"),
    ({"summary": "x" * (checks.MAX_TEXT_LENGTH["summary"] + 1)}, "summary", "characters long"),
    ({"target": "y" * (checks.MAX_OTHER_TEXT_LENGTH + 1)}, "target", "characters long"),
    ({"perpetrators": "@@=x (claimed)"}, "perpetrators", "starts with @@"),
    ({"location_text": "@@#Nothing.here"}, "location_text", "starts with @@"),
]  # fmt: skip


@pytest.mark.parametrize(("cells", "column", "words"), CASES)
def test_hostile_cell_is_refused_with_row_column_and_fix(cells, column, words):
    preview = pipeline.prepare(template(GOOD_ROW, cells), "limits.csv", None, geocoder=None)
    errors = [p for p in preview.errors if p.row == 3]
    assert errors, preview.problems
    error = next(p for p in errors if p.column == column)
    assert words in error.problem
    assert error.fix
    assert preview.valid.tolist() == [True, False]
    preview.events()  # the typed frame of what would be stored builds (no overflow)


def test_ceiling_itself_is_accepted():
    data = template({"killed_min": str(checks.MAX_COUNT), "killed_max": str(checks.MAX_COUNT)})
    preview = pipeline.prepare(data, "ok.csv", None, geocoder=None)
    assert preview.errors == []


def _cli(database: str, path: Path, *args: str) -> tuple[int, dict]:
    done = subprocess.run(
        [sys.executable, "-m", "footprint", "import", str(path), *args],
        cwd=PROJECT,
        env=dict(os.environ, FOOTPRINT_DATABASE_URL=database),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout)


def test_dry_run_and_real_run_agree(tmp_path):
    path = tmp_path / "hostile.csv"
    path.write_bytes(template(GOOD_ROW, *(cells for cells, _, _ in CASES)))
    database = f"sqlite:///{tmp_path / 'store.db'}"
    code, dry = _cli(database, path, "--dry-run")
    code_real, real = _cli(database, path)
    assert dry["rejected"] == real["rejected"] == len(CASES)
    assert dry["would_store"] == real["stored"] == 1
    assert code_real == code
    engine = store.make_engine(database)
    with engine.connect() as connection:
        events = store.read_events(connection)
    uploaded = events[events["event_id"].str.startswith("lim-")]
    assert list(uploaded["event_id"]) == ["lim-1"]
