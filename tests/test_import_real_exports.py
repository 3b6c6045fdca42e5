"""End to end: the real exports in ``../shared/real-exports/``, through the command line and the page.

UCDP GED's Pakistan extract (6,416 events, HXL row, 333 Karachi events on one
"Karachi town" point) and Pakistan Body Count's suicide attacks (492,
Windows-1252, weekday dates, 28 of 29 Karachi rows on one city point). The
assertions are on the rows stored: counts, dates, coordinates, Karachi and
Balochistan rows, and the precision upgrades with the original point kept.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from footprint.data import store

PROJECT = Path(__file__).resolve().parent.parent
PASSWORD = "real-exports-test"
KARACHI_BOX = (24.7, 25.3, 66.6, 67.6)
KARACHI_CENTRE_PBC = (24.9918, 66.9911)
KARACHI_TOWN_UCDP = (24.86, 67.01)


def batch_events(database: str, batch_id: int) -> pd.DataFrame:
    engine = store.make_engine(database)
    with engine.connect() as connection:
        frame = store.read_events(connection)
    return frame[frame["batch_id"] == batch_id].set_index("event_id")


def in_karachi(frame: pd.DataFrame) -> pd.Series:
    lat_lo, lat_hi, lon_lo, lon_hi = KARACHI_BOX
    return frame["latitude"].between(lat_lo, lat_hi) & frame["longitude"].between(lon_lo, lon_hi)


def check_ucdp(events: pd.DataFrame, skipped_karachi: int = 0) -> None:
    assert 6390 <= len(events) <= 6416
    assert events["event_date"].min() >= pd.Timestamp("1989-01-01")
    assert events["event_date"].max() <= pd.Timestamp("2021-12-31")
    first = events.loc["ucdp:59553"]
    assert first["event_date"] == pd.Timestamp("1990-10-04")
    assert (first["latitude"], first["longitude"]) == (34.821865, 74.355544)
    assert first["source_ref"].startswith("ucdp_ged_pakistan.csv:3; ")
    karachi = events[events["city"] == "Karachi"]
    assert 335 - skipped_karachi <= len(karachi) <= 345  # README: 342 in Karachi district
    assert in_karachi(karachi).all()
    balochistan = events[events["province"] == "Balochistan"]
    assert 650 <= len(balochistan) <= 740
    # The "Karachi town" stack: city-level unless the text names a finer place
    # (where_prec 2, "within 25 km of Karachi", stays district-level).
    on_stack = karachi[
        (karachi["latitude"] == KARACHI_TOWN_UCDP[0])
        & (karachi["longitude"] == KARACHI_TOWN_UCDP[1])
    ]
    assert len(on_stack) > 250
    assert (on_stack["geo_precision"] == "city").sum() > 250
    assert on_stack["geo_precision"].isin(["city", "district"]).all()
    upgraded = karachi[karachi["original_latitude"].notna()]
    assert len(upgraded) >= 10
    assert (upgraded["original_latitude"] == KARACHI_TOWN_UCDP[0]).all()
    assert upgraded["geo_precision"].isin(["site", "neighbourhood", "town", "district"]).all()
    golimar = events.loc[events["location_text"] == "Old Golimar area of Lyari Town"].iloc[0]
    assert golimar["geo_precision"] == "neighbourhood"
    assert (golimar["original_latitude"], golimar["original_longitude"]) == KARACHI_TOWN_UCDP
    assert golimar["latitude"] != KARACHI_TOWN_UCDP[0]
    # casualties are ranges; the HDX extract's low above high is read as a range
    assert (events["killed_min"] <= events["killed_max"]).all()


def check_pbc(events: pd.DataFrame, skipped_karachi: int = 0) -> None:
    assert 480 <= len(events) <= 492
    first = events.loc["pbc:1"]
    assert first["event_date"] == pd.Timestamp("1995-11-19")
    assert (first["killed_min"], first["killed_max"]) == (14, 15)
    assert events.loc["pbc:492", "event_date"] == pd.Timestamp("2017-10-05")
    assert pd.isna(events.loc["pbc:2", "killed_min"]) and events.loc["pbc:2", "killed_max"] == 3
    assert (events["suicide"] == True).all()  # noqa: E712 - nullable boolean
    assert (events["attack_type"] == "suicide_bombing").all()
    karachi = events[events["city"] == "Karachi"]
    assert len(karachi) == 29 - skipped_karachi
    assert in_karachi(karachi).all()
    balochistan = events[events["province"] == "Balochistan"]
    assert 38 <= len(balochistan) <= 48
    assert not events["province"].isin(["Baluchistan", "KPK", "FATA"]).any()
    # Karachi rows on the city-centre point whose Location names a neighbourhood
    upgraded = karachi[karachi["original_latitude"].notna()]
    assert len(upgraded) >= 10
    assert (upgraded["original_latitude"] == KARACHI_CENTRE_PBC[0]).all()
    assert (upgraded["original_longitude"] == KARACHI_CENTRE_PBC[1]).all()
    assert (upgraded["original_geo_precision"] == "city").all()
    gulshan = events.loc[
        "pbc:18"
    ]  # "Courtyard of an Imambargah(Madinatul Ilm ) in Gulshan e Iqbal"
    assert gulshan["geo_precision"] == "neighbourhood"
    assert gulshan["neighbourhood"] == "Gulshan-e-Iqbal"
    assert (gulshan["original_latitude"], gulshan["original_longitude"]) == KARACHI_CENTRE_PBC
    assert gulshan["geo_matched_name"] and gulshan["geo_score"] > 0
    unnamed = events.loc["pbc:2"]  # "office of Nawa-e-Waqt": no finer place known
    assert unnamed["geo_precision"] == "city"
    assert (unnamed["latitude"], unnamed["longitude"]) == KARACHI_CENTRE_PBC


CHECKS = {
    "ucdp_ged_pakistan.csv": ("ucdp", check_ucdp),
    "pakistan_suicide_attacks.csv": ("pbc", check_pbc),
}


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_real_export_through_the_command_line(name, shared_exports, tmp_path):
    database = f"sqlite:///{tmp_path / 'cli.db'}"
    done = subprocess.run(
        [sys.executable, "-m", "footprint", "import", str(shared_exports / name), "--user", "ci"],
        cwd=PROJECT,
        env=dict(os.environ, FOOTPRINT_DATABASE_URL=database),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads(done.stdout)
    fmt, check = CHECKS[name]
    assert summary["format"] == fmt
    assert summary["rows_read"] == (6416 if fmt == "ucdp" else 492)
    assert (
        summary["stored"]
        + summary["rejected"]
        + sum(d["decision"] != "keep" for d in summary["duplicates"])
        == summary["rows_read"]
    )
    assert summary["precision_upgraded"] >= 10
    events = batch_events(database, summary["batch_id"])
    assert len(events) == summary["stored"]
    check(events)
    # a second import of the same file is refused and changes nothing
    again = subprocess.run(
        [sys.executable, "-m", "footprint", "import", str(shared_exports / name)],
        cwd=PROJECT,
        env=dict(os.environ, FOOTPRINT_DATABASE_URL=database),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert again.returncode == 1
    assert "already uploaded" in json.loads(again.stdout)["refused"]


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_real_export_through_the_upload_page(name, shared_exports, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    database = f"sqlite:///{tmp_path / 'page.db'}"
    monkeypatch.setenv("FOOTPRINT_DATABASE_URL", database)
    monkeypatch.setenv("FOOTPRINT_ANALYST_PASSWORD", PASSWORD)
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=300)
    at.run()
    at.switch_page("pages/upload.py").run()
    at.text_input(key="upload_name").set_value("Test Analyst")
    at.text_input(key="upload_password").set_value(PASSWORD)
    at.button(key="upload_sign_in").click().run()
    assert not at.exception
    uploader = at.get("file_uploader")[0]
    uploader.set_value((name, (shared_exports / name).read_bytes(), "text/csv"))
    at.run()
    assert not at.exception, at.exception
    fmt, check = CHECKS[name]
    assert any("recognised as" in s.value for s in at.success)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Rows read"] == ("6,416" if fmt == "ucdp" else "492")
    assert int(metrics["Placed more precisely"].replace(",", "")) >= 10
    # The store holds the seed events: rows the page skips by default as
    # likely duplicates of them are not stored.
    preview = at.session_state["upload_preview"]
    skip = {p.index for p in preview.duplicates if p.other_kind == "stored" and p.high}
    skipped_karachi = (
        int((preview.frame.iloc[sorted(skip)]["city"] == "Karachi").sum()) if skip else 0
    )
    at.button(key="upload_confirm").click().run()
    assert not at.exception, at.exception
    assert any(s.value.startswith("Stored batch") for s in at.success)
    engine = store.make_engine(database)
    with engine.connect() as connection:
        batch = connection.execute(sa.select(store.batches)).one()
    assert batch.format == fmt and batch.uploaded_by == "Test Analyst"
    events = batch_events(database, batch.batch_id)
    assert len(events) == batch.rows_stored
    check(events, skipped_karachi)
