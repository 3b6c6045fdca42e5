"""A file read a chunk at a time gives what it gives read at once (issue 9, memory).

``pipeline.prepare`` reads, maps and checks ``chunk_rows`` rows at a time so
that a 200 MB upload never holds all its rows as text. These tests run the
same files with chunks of a few rows and with one chunk, and compare what an
analyst sees and what is stored: the rows, every problem message with its
row number, the probable duplicates and the names as written. A bad row in a
late chunk is reported with its own line, and a commit that fails in a late
slice of rows writes nothing.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from conftest import empty_engine, store_url

from footprint.data import schema, store
from footprint.importers import geocoding, pipeline
from footprint.importers.checks import ImportRefused
from footprint.importers.footprint_csv import FootprintReader
from footprint.importers.mapping import ColumnMapping

PROJECT = Path(__file__).resolve().parent.parent
GOOD = PROJECT / "tests" / "data" / "good"
BAD = PROJECT / "tests" / "data" / "bad"

GOOD_ROW = {
    "event_date": "2015-05-13",
    "date_precision": "day",
    "event_type": "attack",
    "attack_type": "armed_assault",
    "location_text": "Gulshan-e-Iqbal, Karachi",
    "city": "Karachi",
    "latitude": "24.92",
    "longitude": "67.095",
    "geo_precision": "neighbourhood",
    "perpetrators": "Lashkar-e-Jhangvi (claimed)",
    "killed_min": "2",
    "killed_max": "3",
    "source_id": "chunk-test",
}

#: Rows that each go wrong in their own way (or are fine in an unusual way),
#: spread over the file so that they fall into different chunks.
ODD_ROWS = {
    4: {"event_date": "31/31/2015"},
    9: {"latitude": "67.095", "longitude": "24.92"},
    13: {"killed_min": "9", "killed_max": "3"},
    17: {"event_type": "riot", "attack_type": ""},
    21: {"perpetrators": "Made-up Front (claimed)"},
    22: {"event_id": ""},
    23: {"event_id": ""},
    26: {"latitude": "", "longitude": "", "geo_precision": "", "location_text": "Orangi Town"},
    28: {"event_date": "31/31/2015"},  # row 4's bad date again, in a later chunk
    30: {"event_id": "chunk-3"},  # the id of an earlier row
    31: {"perpetrators": "Made-up Front (suspected); Lashkar-e-Jhangvi (claimed)"},
    33: {"latitude": "124.9"},
    34: {"event_date": "2015-05", "date_precision": "day"},  # as row 35, a chunk before it
    35: {"event_date": "2015-05", "date_precision": "day"},
    36: {"summary": "@@=x"},
    37: {"suicide": "perhaps"},
    38: {"killed_min": "-1"},
    39: {"latitude": "", "longitude": "", "geo_precision": "", "location_text": ""},
    40: {"event_date": "2016-01-02", "location_text": "Clifton, Karachi", "latitude": ""},
}


def template(rows: int = 41) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, list(schema.EVENT_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for n in range(rows):
        row = {**GOOD_ROW, "event_id": f"chunk-{n}", **ODD_ROWS.get(n, {})}
        if n % 5 == 0:  # within-file duplicates across chunks
            row["event_date"] = "2014-02-01"
        writer.writerow(row)
    text = out.getvalue()
    # one ragged row late in the file
    return (text + "chunk-99,2015-05-13,,,day,attack\n").encode()


@pytest.fixture(scope="module")
def geocoder():
    found = geocoding.default_geocoder()
    assert found is not None, "the gazetteer geocoder must load (python -m footprint data)"
    return found


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request, tmp_path):
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
    engine = empty_engine(store_url(request, tmp_path, request.param))
    store.initialise(engine)
    return engine


def _seen(preview: pipeline.Preview) -> dict:
    """What the analyst sees and what would be stored, as plain values."""
    return {
        "frame": preview.frame,
        "problems": [str(p) for p in preview.problems],
        "duplicates": [
            (p.line, p.other_kind, p.other_id, p.other_line, p.score, p.reasons)
            for p in preview.duplicates
        ],
        "names_as_written": preview.names_as_written,
        "placement": preview.placement,
        "rows_read": preview.rows_read,
    }


def _assert_same(chunked: dict, whole: dict) -> None:
    pd.testing.assert_frame_equal(chunked.pop("frame"), whole.pop("frame"))
    assert chunked == whole


CASES = [
    ("template", lambda: template(), None),
    ("many_problems", lambda: (BAD / "many_problems.csv").read_bytes(), None),
    ("acled_trimmed", lambda: (GOOD / "acled_trimmed.csv").read_bytes(), None),
    ("gtd_25_columns", lambda: (GOOD / "gtd_25_columns.csv").read_bytes(), None),
    ("gtd_full", lambda: (GOOD / "gtd_full_sample.csv").read_bytes(), None),
    (
        "mapped",
        lambda: (
            b"when,where,lat,lon,dead\n"
            + b"".join(
                f"2015-0{1 + n % 9}-1{n % 10},Clifton,24.82,67.03,{n % 4}\n".encode()
                for n in range(17)
            )
            + b"13/14/2015,Clifton,24.82,67.03,x\n"
        ),
        ColumnMapping(
            name="chunk test",
            columns={
                "event_date": "when",
                "location_text": "where",
                "latitude": "lat",
                "longitude": "lon",
                "killed": "dead",
            },
            header=["when", "where", "lat", "lon", "dead"],
        ),
    ),
]


@pytest.mark.parametrize("chunk_rows", [1, 2])
@pytest.mark.parametrize(("name", "data", "mapping"), CASES, ids=[c[0] for c in CASES])
def test_chunks_give_what_one_chunk_gives(name, data, mapping, chunk_rows, geocoder, tmp_path):
    engine = store.make_engine(f"sqlite:///{tmp_path / 'chunks.db'}")
    store.initialise(engine)
    content = data()
    whole = pipeline.prepare(
        content, f"{name}.csv", engine, geocoder=geocoder, mapping=mapping, chunk_rows=10**6
    )
    chunked = pipeline.prepare(
        content, f"{name}.csv", engine, geocoder=geocoder, mapping=mapping, chunk_rows=chunk_rows
    )
    assert whole.rows_read > chunk_rows
    _assert_same(_seen(chunked), _seen(whole))


def test_problems_in_late_chunks_name_their_own_lines(geocoder, tmp_path):
    engine = store.make_engine(f"sqlite:///{tmp_path / 'late.db'}")
    store.initialise(engine)
    with engine.connect() as connection:
        before = store.data_version(connection)
    preview = pipeline.prepare(template(), "late.csv", engine, geocoder=geocoder, chunk_rows=4)
    errors = {(p.row, p.column) for p in preview.errors}
    # file line = row index + 2 (the header is line 1)
    assert (4 + 2, "event_date") in errors
    assert (9 + 2, "latitude/longitude") in errors
    assert (13 + 2, "killed_max") in errors
    assert (30 + 2, "event_id") in errors
    assert (33 + 2, "latitude") in errors
    assert (36 + 2, "summary") in errors
    assert (38 + 2, "killed_min") in errors
    assert (43, None) in errors  # the ragged row, the last line
    repeated = next(p for p in preview.errors if p.row == 32)
    assert repeated.problem == "the id chunk-3 is used on line 5 already."
    unknown = next(p for p in preview.warnings if p.value == "Made-up Front")
    assert unknown.row == 21 + 2
    assert "(2 row(s) from here on)" in unknown.problem
    with engine.connect() as connection:
        assert store.data_version(connection) == before  # prepare stores nothing


def test_a_commit_failing_in_a_late_slice_writes_nothing(engine, geocoder, monkeypatch):
    with engine.connect() as connection:
        before = store.count_events(connection)
        links_before = connection.execute(
            sa.select(sa.func.count()).select_from(store.event_groups)
        ).scalar_one()
    preview = pipeline.prepare(template(), "late.csv", engine, geocoder=geocoder, chunk_rows=4)
    stored_rows = preview.events()
    last = stored_rows.iloc[[-1]].drop(columns=["_line"])
    # Another writer stores the file's last event meanwhile (not as a batch,
    # so only the database's own key catches it), and the rows go in 5 at a
    # time: the clash comes after several slices were written.
    with engine.begin() as connection:
        store.insert_events(connection, last)
    monkeypatch.setattr(pipeline, "INSERT_CHUNK", 5)
    with pytest.raises(ImportRefused, match="stored by another upload"):
        pipeline.commit(engine, preview, uploaded_by="chunk-test")
    with engine.connect() as connection:
        assert store.count_events(connection) == before + 1
        assert store.last_batch_id(connection) == 0
        links = connection.execute(
            sa.select(sa.func.count()).select_from(store.event_groups)
        ).scalar_one()
        assert links == links_before + 1
    with engine.begin() as connection:
        connection.execute(
            sa.delete(store.event_groups).where(
                store.event_groups.c.event_id == last["event_id"].iloc[0]
            )
        )
        connection.execute(
            sa.delete(store.events).where(store.events.c.event_id == last["event_id"].iloc[0])
        )
    result = pipeline.commit(engine, preview, uploaded_by="chunk-test")
    with engine.connect() as connection:
        assert store.count_events(connection) == before + result.stored
        stored_ids = set(
            connection.execute(
                sa.select(store.events.c.event_id).where(store.events.c.batch_id == result.batch_id)
            ).scalars()
        )
    planned, _, _ = pipeline.plan(preview)
    assert stored_ids == set(planned["event_id"])


TEMPLATE_FILES = sorted(
    path.name
    for path in [*BAD.glob("*.csv"), GOOD / "footprint_template_example.csv"]
    if path.read_bytes().startswith(b"event_id,event_date")
)


@pytest.mark.parametrize("name", ["generated", *TEMPLATE_FILES])
def test_column_wise_mapping_gives_what_row_by_row_mapping_gives(
    name, geocoder, tmp_path, monkeypatch
):
    if name == "generated":
        content = template()
    else:
        content = next(p for p in (BAD / name, GOOD / name) if p.exists()).read_bytes()
    engine = store.make_engine(f"sqlite:///{tmp_path / 'columns.db'}")
    store.initialise(engine)

    def seen() -> dict:
        try:
            preview = pipeline.prepare(content, name, engine, geocoder=geocoder, chunk_rows=3)
        except ImportRefused as error:  # a file refused whole is refused the same way
            return {"frame": pd.DataFrame(), "refused": str(error)}
        assert preview.format == "footprint"
        return _seen(preview)

    column_wise = seen()
    monkeypatch.setattr(FootprintReader, "vectorised", False)
    _assert_same(column_wise, seen())
