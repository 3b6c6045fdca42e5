"""``python -m footprint geocode``, run as a subprocess against a small gazetteer.

``FOOTPRINT_DATA_DIR`` points the command at a temporary data folder holding
the project's normalisation rules and a gazetteer written here.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent

GAZETTEER_CSV = """place_id,name,aliases,kind,subkind,latitude,longitude,town,district,city,province,coord_source
p-sindh,Sindh,,province,,25.9,68.5,,,,Sindh,test
c-karachi,Karachi,,city,,24.8607,67.0011,,,Karachi,Sindh,test
c-quetta,Quetta,,city,,30.1798,66.9750,,Quetta,Quetta,Balochistan,test
t-saddar,Saddar Town,,town,,24.8600,67.0200,Saddar Town,Karachi South,Karachi,Sindh,test
n-saddar-k,Saddar,,neighbourhood,,24.8556,67.0283,Saddar Town,Karachi South,Karachi,Sindh,test
n-saddar-q,Saddar,,neighbourhood,,30.1900,67.0100,,Quetta,Quetta,Balochistan,test
n-keamari,Keamari,Kiamari|Kemari,neighbourhood,,24.8200,66.9800,Kemari Town,Keamari,Karachi,Sindh,test
l-rimpa,Rimpa Plaza,,landmark,plaza,24.8580,67.0240,Saddar Town,Karachi South,Karachi,Sindh,test
l-majinnah,MA Jinnah Road,M.A. Jinnah Road,landmark,road,24.8600,67.0200,Saddar Town,Karachi South,Karachi,Sindh,test
"""


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("data")
    (folder / "gazetteer.csv").write_text(GAZETTEER_CSV, encoding="utf-8")
    shutil.copy(PROJECT_ROOT / "data" / "normalisation.csv", folder / "normalisation.csv")
    return folder


def geocode(data_dir: Path, *arguments: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, FOOTPRINT_DATA_DIR=str(data_dir))
    return subprocess.run(
        [sys.executable, "-m", "footprint", "geocode", *arguments],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_resolved_text_prints_one_json_object(data_dir):
    done = geocode(data_dir, "near Rimpa Plaza on MA Jinnah Road")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1
    payload = json.loads(lines[0])
    assert payload["resolved"] is True
    assert payload["name"] == "Rimpa Plaza"
    assert payload["matched_alias"] == "Rimpa Plaza"
    assert payload["method"] == "exact"
    assert payload["score"] == 100.0
    assert (payload["latitude"], payload["longitude"]) == (24.858, 67.024)
    assert payload["geo_precision"] == "site"
    assert payload["neighbourhood"] == "Saddar"
    assert (payload["town"], payload["district"], payload["province"]) == (
        "Saddar Town",
        "Karachi South",
        "Sindh",
    )


def test_context_narrows_the_search(data_dir):
    done = geocode(data_dir, "Saddar", "--context", "Quetta")
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert (payload["place_id"], payload["city"], payload["latitude"]) == (
        "n-saddar-q",
        "Quetta",
        30.19,
    )


def test_unresolved_text_prints_nulls_and_exits_1(data_dir):
    done = geocode(data_dir, "Atlantis")
    assert done.returncode == 1
    payload = json.loads(done.stdout)
    assert payload["resolved"] is False
    assert payload["query"] == "Atlantis"
    for field in ("name", "latitude", "longitude", "geo_precision", "town", "score", "method"):
        assert payload[field] is None


def test_csv_mode_adds_fields_and_prefixes_collisions(data_dir, tmp_path):
    source = tmp_path / "events.csv"
    source.write_text(
        "event_id,location,name\n"
        "e1,Kiamari,first\n"
        "e2,Atlantis,second\n"
        '"e3","Rimpa Plaza, Karachi",third\n',
        encoding="utf-8",
    )
    done = geocode(data_dir, "--csv", str(source), "--column", "location")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert len(rows) == 3
    header = list(rows[0])
    assert header[:3] == ["event_id", "location", "name"]
    assert "geo_name" in header and "latitude" in header and "geo_precision" in header
    assert [r["event_id"] for r in rows] == ["e1", "e2", "e3"]
    assert [r["name"] for r in rows] == ["first", "second", "third"]  # input kept as read
    assert rows[0]["geo_name"] == "Keamari" and rows[0]["matched_alias"] == "Kiamari"
    assert rows[0]["resolved"] == "true" and float(rows[0]["latitude"]) == 24.82
    assert rows[1]["resolved"] == "false"
    assert (
        rows[1]["latitude"] == "" and rows[1]["longitude"] == "" and rows[1]["geo_precision"] == ""
    )
    assert rows[2]["geo_name"] == "Rimpa Plaza" and rows[2]["geo_precision"] == "site"
    assert "3 rows, 2 resolved" in done.stderr


def test_csv_missing_column_names_it_and_lists_the_others(data_dir, tmp_path):
    source = tmp_path / "places.csv"
    source.write_text("id,place\n1,Saddar\n", encoding="utf-8")
    done = geocode(data_dir, "--csv", str(source), "--column", "location")
    assert done.returncode == 2
    assert done.stdout == ""
    assert "'location'" in done.stderr
    assert "'id'" in done.stderr and "'place'" in done.stderr


def test_usage_errors_exit_2(data_dir, tmp_path):
    assert geocode(data_dir).returncode == 2
    source = tmp_path / "places.csv"
    source.write_text("place\nSaddar\n", encoding="utf-8")
    no_column = geocode(data_dir, "--csv", str(source))
    assert no_column.returncode == 2 and "--column" in no_column.stderr
    missing = geocode(data_dir, "--csv", str(tmp_path / "absent.csv"), "--column", "place")
    assert missing.returncode == 2 and "does not exist" in missing.stderr
