"""The one import pipeline: prepare stores nothing, commit stores one batch atomically, undo.

Geocoding is injected: a real :class:`geocode.Geocoder` on a small gazetteer
built here, so the tests do not depend on ``data/gazetteer.csv``'s content.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from footprint.data import schema, store
from footprint.data.groups import GroupNames
from footprint.importers import checks, dedupe, geocoding, pipeline
from footprint.importers.checks import ImportRefused
from geocode import gazetteer

GAZETTEER = pd.DataFrame(
    [
        ("c-karachi", "Karachi", "", "city", "", 24.86, 67.01, "", "", "", "Sindh"),
        ("c-quetta", "Quetta", "", "city", "", 30.187, 67.005, "", "", "", "Balochistan"),
        (
            "t-orangi",
            "Orangi Town",
            "Orangi",
            "town",
            "",
            25.005,
            66.9999,
            "",
            "Karachi West",
            "Karachi",
            "Sindh",
        ),
        (
            "n-gulshan",
            "Gulshan-e-Iqbal",
            "Gulshan e Iqbal",
            "neighbourhood",
            "",
            24.92,
            67.095,
            "Gulshan Iqbal Town",
            "Karachi East",
            "Karachi",
            "Sindh",
        ),
        (
            "n-clifton",
            "Clifton",
            "",
            "neighbourhood",
            "",
            24.82,
            67.03,
            "Saddar Town",
            "Karachi South",
            "Karachi",
            "Sindh",
        ),
        (
            "n-hazara",
            "Hazara Town",
            "",
            "neighbourhood",
            "",
            30.2,
            66.94,
            "",
            "Quetta",
            "Quetta",
            "Balochistan",
        ),
        (
            "l-shrine",
            "Abdullah Shah Ghazi Shrine",
            "Shrine of Abdullah Shah Ghazi",
            "landmark",
            "shrine",
            24.8117,
            67.0273,
            "Saddar Town",
            "Karachi South",
            "Karachi",
            "Sindh",
        ),
    ],
    columns=[column for column in gazetteer.GAZETTEER_COLUMNS if column != "coord_source"],
).astype(str)

GROUPS = pd.DataFrame(
    [
        {
            "name": "Tehrik-i-Taliban Pakistan",
            "aliases": "TTP",
            "kind": "taliban",
            "description": "",
        },
        {"name": "Lashkar-e-Jhangvi", "aliases": "LeJ", "kind": "sectarian", "description": ""},
    ]
)
COLUMNS = list(schema.EVENT_COLUMNS)


@pytest.fixture(scope="module")
def geocoder():
    from geocode import Gazetteer, Geocoder

    return Geocoder(Gazetteer.from_frame(GAZETTEER))


@pytest.fixture
def groups():
    return GroupNames(GROUPS)


@pytest.fixture
def engine(tmp_path):
    engine = store.make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    store.create_schema(engine)
    with engine.begin() as connection:
        store.upsert_groups(connection, GROUPS)
    return engine


def template_csv(rows: list[dict]) -> bytes:
    """Our template with the given rows (unnamed columns left empty)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    writer.writeheader()
    for number, row in enumerate(rows, start=1):
        writer.writerow(
            {
                "event_id": f"t-{number}",
                "event_date": "2015-05-13",
                "date_precision": "day",
                "event_type": "attack",
                "attack_type": "armed_assault",
                "source_id": "test",
                **row,
            }
        )
    return out.getvalue().encode()


def count(engine, table=store.events) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def prepare(data, engine, geocoder, groups, name="test.csv", **kwargs):
    return pipeline.prepare(data, name, engine, geocoder=geocoder, groups=groups, **kwargs)


ROWS = [
    {"location_text": "Gulshan-e-Iqbal", "city": "Karachi", "killed_min": "2", "killed_max": "3"},
    {
        "latitude": "24.9008",
        "longitude": "67.1681",
        "geo_precision": "site",
        "perpetrators": "TTP (claimed)",
    },
    {
        "location_text": "Hazara Town",
        "city": "Quetta",
        "event_date": "2013-02",
        "date_precision": "month",
        "event_type": "arrest",
        "attack_type": "",
    },
]


def test_prepare_stores_nothing_and_commit_stores_one_batch(engine, geocoder, groups):
    preview = prepare(template_csv(ROWS), engine, geocoder, groups)
    assert preview.format == "footprint"
    assert preview.rows_read == 3
    assert preview.valid.all()
    assert preview.placement.geocoded == 2
    assert count(engine) == 0 and count(engine, store.batches) == 0

    result = pipeline.commit(engine, preview, uploaded_by="ana")
    assert (result.stored, result.rejected, result.merged) == (3, 0, 0)
    with engine.connect() as connection:
        stored = store.read_events(connection).set_index("event_id")
        batch = store.list_batches(connection).iloc[0]
        links = pd.read_sql(sa.select(store.event_groups), connection)
    assert batch.file_name == "test.csv"
    assert batch.sha256 == pipeline.sha256_of(template_csv(ROWS))
    assert (batch.format, batch.rows_read, batch.rows_stored, batch.rows_rejected) == (
        "footprint",
        3,
        3,
        0,
    )
    assert batch.uploaded_by == "ana" and batch.uploaded_at is not None
    assert stored.loc["t-1", "geo_matched_name"] == "Gulshan-e-Iqbal"
    assert stored.loc["t-1", "geo_precision"] == "neighbourhood"
    assert stored.loc["t-1", "latitude"] == pytest.approx(24.92)
    assert stored.loc["t-3", "date_end"] == pd.Timestamp("2013-02-28")
    assert stored.loc["t-2", "perpetrators"] == "Tehrik-i-Taliban Pakistan (claimed)"
    assert stored.loc["t-1", "source_ref"] == "test.csv:2"
    assert (stored["batch_id"] == result.batch_id).all()
    assert links.loc[0, "name_as_written"] == "TTP"


def test_the_same_file_again_is_recognised_and_refused(engine, geocoder, groups):
    data = template_csv(ROWS)
    first = pipeline.commit(engine, prepare(data, engine, geocoder, groups), uploaded_by="ana")
    again = prepare(data, engine, geocoder, groups, name="renamed.csv")
    assert again.already_uploaded["batch_id"] == first.batch_id
    with pytest.raises(
        ImportRefused, match=f"already uploaded as batch {first.batch_id}"
    ) as refused:
        pipeline.commit(engine, again, uploaded_by="ana")
    assert f"undo batch {first.batch_id}" in refused.value.fix
    assert count(engine) == 3 and count(engine, store.batches) == 1


def test_rows_stored_by_an_earlier_file_are_not_stored_twice(engine, geocoder, groups):
    pipeline.commit(
        engine, prepare(template_csv(ROWS), engine, geocoder, groups), uploaded_by="ana"
    )
    more = template_csv(
        [*ROWS, {"location_text": "Clifton", "city": "Karachi", "event_date": "2016-01-01"}]
    )
    preview = prepare(more, engine, geocoder, groups)
    stored_again = [p for p in preview.errors if "already stored" in p.problem]
    assert [p.row for p in stored_again] == [2, 3, 4]
    assert "from batch 1" in stored_again[0].problem
    result = pipeline.commit(engine, preview, uploaded_by="ana")
    assert (result.stored, result.rejected) == (1, 3)
    assert count(engine) == 4


def test_a_failure_mid_batch_stores_nothing(engine, geocoder, groups, monkeypatch):
    preview = prepare(template_csv(ROWS), engine, geocoder, groups)
    real_insert = store.insert_events

    def insert_then_fail(connection, frame, **kwargs):
        written = real_insert(connection, frame, **kwargs)
        assert (
            connection.execute(sa.select(sa.func.count()).select_from(store.events)).scalar_one()
            == written
        )
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "insert_events", insert_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        pipeline.commit(engine, preview, uploaded_by="ana")
    assert count(engine) == 0
    assert count(engine, store.batches) == 0
    assert count(engine, store.event_groups) == 0


def test_a_failing_merge_rolls_back_the_whole_batch(engine, geocoder, groups, monkeypatch):
    pipeline.commit(
        engine, prepare(template_csv(ROWS[:1]), engine, geocoder, groups), uploaded_by="ana"
    )
    duplicate = template_csv(
        [{**ROWS[0], "event_id": "other-1"}, {"location_text": "Clifton", "city": "Karachi"}]
    )
    preview = prepare(duplicate, engine, geocoder, groups)
    (pair,) = [p for p in preview.duplicates if p.other_kind == "stored"]

    def fail(*args, **kwargs):
        raise RuntimeError("lost connection")

    monkeypatch.setattr(store, "add_source", fail)
    with pytest.raises(RuntimeError):
        pipeline.commit(engine, preview, {pair.key: "merge"}, uploaded_by="ana")
    assert count(engine) == 1 and count(engine, store.batches) == 1
    assert count(engine, store.event_sources) == 0


def test_undo_removes_exactly_the_batch(engine, geocoder, groups):
    first = pipeline.commit(
        engine, prepare(template_csv(ROWS), engine, geocoder, groups), uploaded_by="ana"
    )
    second_file = template_csv(
        [
            {**ROWS[0], "event_id": "again-1", "source_ref": "another paper"},
            {
                "event_id": "new-1",
                "location_text": "Clifton",
                "city": "Karachi",
                "event_date": "2017-03-01",
            },
        ]
    )
    preview = prepare(second_file, engine, geocoder, groups, name="second.csv")
    (pair,) = preview.duplicates
    second = pipeline.commit(engine, preview, {pair.key: "merge"}, uploaded_by="ana")
    assert (second.stored, second.merged) == (1, 1)
    with engine.connect() as connection:
        merged_ref = store.read_events(connection).set_index("event_id").loc["t-1", "source_ref"]
    assert merged_ref == "test.csv:2; second.csv:2; another paper"

    removed = pipeline.undo(engine, second.batch_id, "ben")
    assert removed == 1
    with engine.connect() as connection:
        left = store.read_events(connection)
        batches = store.list_batches(connection).set_index("batch_id")
    assert sorted(left["event_id"]) == ["t-1", "t-2", "t-3"]
    assert left.set_index("event_id").loc["t-1", "source_ref"] == "test.csv:2"
    assert count(engine, store.event_sources) == 0
    assert batches.loc[second.batch_id, "undone_by"] == "ben"
    assert batches.loc[first.batch_id, "events_held"] == 3
    with pytest.raises(store.StoreError, match="already undone"):
        pipeline.undo(engine, second.batch_id, "ben")
    # the same file can be uploaded again once its batch is undone
    assert prepare(second_file, engine, geocoder, groups).already_uploaded is None


def test_decisions_skip_keep_merge(engine, geocoder, groups):
    pipeline.commit(
        engine, prepare(template_csv(ROWS[:2]), engine, geocoder, groups), uploaded_by="ana"
    )
    again = template_csv(
        [{**ROWS[1], "event_id": "x-1"}, {**ROWS[0], "event_id": "x-2", "killed_max": "30"}]
    )
    preview = prepare(again, engine, geocoder, groups)
    pairs = {p.line: p for p in preview.duplicates}
    assert pairs[2].other_id == "t-2" and pairs[2].high
    assert "same day" in pairs[2].reasons and any("group in common" in r for r in pairs[2].reasons)
    assert pipeline.default_decisions(preview)[pairs[2].key] == "skip"
    rows, merges, skipped = pipeline.plan(preview)
    assert "x-1" not in set(rows["event_id"]) and skipped >= 1
    rows, merges, skipped = pipeline.plan(preview, {pairs[2].key: "keep"})
    assert "x-1" in set(rows["event_id"])
    with pytest.raises(ValueError, match="not one of"):
        pipeline.plan(preview, {pairs[2].key: "delete"})


def test_nothing_valid_is_refused(engine, geocoder, groups):
    preview = prepare(
        template_csv([{"event_date": "31/31/2015", "location_text": "Clifton"}]),
        engine,
        geocoder,
        groups,
    )
    with pytest.raises(ImportRefused, match="Nothing in test.csv can be stored") as refused:
        pipeline.commit(engine, preview, uploaded_by="ana")
    assert refused.value.problems and refused.value.problems[0].row == 2
    assert count(engine, store.batches) == 0


def test_progress_is_reported_up_to_done(engine, geocoder, groups):
    seen = []
    preview = prepare(
        template_csv(ROWS * 30), engine, geocoder, groups, progress=lambda f, m: seen.append((f, m))
    )
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0 and all(0 <= f <= 1 for f in fractions)
    assert all(isinstance(m, str) for _, m in seen)
    stored = []
    pipeline.commit(engine, preview, uploaded_by="ana", progress=lambda f, m: stored.append(f))
    assert stored[-1] == 1.0


def test_unknown_groups_are_kept_as_written_and_flagged(engine, geocoder, groups):
    data = template_csv([{**ROWS[1], "perpetrators": "Majeed Brigade (claimed); LeJ (suspected)"}])
    preview = prepare(data, engine, geocoder, groups)
    (warning,) = [p for p in preview.warnings if "Majeed Brigade" in p.problem]
    assert "kept as written and flagged" in warning.problem
    pipeline.commit(engine, preview, uploaded_by="ana")
    with engine.connect() as connection:
        flagged = pd.read_sql(
            sa.select(store.groups).where(store.groups.c.name == "Majeed Brigade"), connection
        )
        events = store.read_events(connection)
    assert not flagged["recognised"].iloc[0]
    assert (
        events["perpetrators"].iloc[0] == "Majeed Brigade (claimed); Lashkar-e-Jhangvi (suspected)"
    )


# --- geocoding on upload --------------------------------------------------------


def pbc_like(rows: list[tuple[str, str, str, str]]) -> bytes:
    header = "S#,Date,City,Latitude,Longitude,Province,Location,Target Type,Killed Min,Killed Max,Injured Min,Injured Max\n"
    body = "".join(
        f'{n},Monday-May 1-2000,{city},{lat},{lon},Sindh,"{place}",Police,1,2,,\n'
        for n, (city, lat, lon, place) in enumerate(rows, start=1)
    )
    return (header + body).encode("cp1252")


def test_a_centroid_stack_is_placed_more_precisely_and_the_original_kept(engine, geocoder, groups):
    stack = [("Karachi", "24.9918", "66.9911", place) for place in (
        "Imambargah in Gulshan e Iqbal", "Shrine of Abdullah shah ghazi in Clifton",
        "Orangi Town Faqeer Colony", "office of a newspaper", "near old vegetable market",
    )]  # fmt: skip
    preview = prepare(pbc_like(stack), engine, geocoder, groups)
    frame = preview.events().set_index("source_id")
    assert preview.placement.stacks == [(24.9918, 66.9911, 5)]
    assert preview.placement.precision_upgraded == 3
    gulshan = frame.loc["pbc:1"]
    assert gulshan["geo_precision"] == "neighbourhood"
    assert (gulshan["latitude"], gulshan["longitude"]) == (24.92, 67.095)
    assert (gulshan["original_latitude"], gulshan["original_longitude"]) == (24.9918, 66.9911)
    assert gulshan["original_geo_precision"] == "city"
    assert gulshan["geo_matched_name"] == "Gulshan-e-Iqbal" and gulshan["geo_score"] > 0
    assert frame.loc["pbc:2", "geo_precision"] == "site"
    assert frame.loc["pbc:3", "geo_precision"] == "town"
    unplaced = frame.loc["pbc:4"]
    assert (unplaced["latitude"], unplaced["geo_precision"]) == (24.9918, "city")
    assert pd.isna(unplaced["original_latitude"])


def test_a_point_on_a_city_centre_is_refined_but_a_nearby_precise_point_is_not(
    engine, geocoder, groups
):
    rows = [
        {
            "latitude": "24.8605",
            "longitude": "67.0101",
            "geo_precision": "town",
            "location_text": "Orangi",
        },
        {
            "latitude": "24.8900",
            "longitude": "67.0300",
            "geo_precision": "town",
            "location_text": "Orangi",
            "event_id": "far",
        },
    ]
    preview = prepare(template_csv(rows), engine, geocoder, groups)
    frame = preview.events().set_index("event_id")
    assert frame.loc["t-1", "geo_matched_name"] == "Orangi Town"
    assert frame.loc["t-1", "original_geo_precision"] == "town"
    assert frame.loc["far", "latitude"] == 24.89 and pd.isna(frame.loc["far", "geo_matched_name"])


def test_a_refinement_far_from_the_point_is_not_trusted(engine, geocoder, groups):
    row = {
        "latitude": "24.86",
        "longitude": "67.01",
        "geo_precision": "city",
        "location_text": "mosque near Hazara Town",
    }
    preview = prepare(template_csv([row]), engine, geocoder, groups)
    assert preview.placement.precision_upgraded == 0
    assert any("km from the row's city-centre point" in p.problem for p in preview.warnings)
    assert (preview.events()["latitude"] == 24.86).all()


def test_rows_without_coordinates_and_unknown_places(engine, geocoder, groups):
    rows = [
        {"location_text": "Xyzzy Plaza", "city": "Karachi"},
        {"location_text": "Clifton", "city": "Karachi"},
    ]
    preview = prepare(template_csv(rows), engine, geocoder, groups)
    (error,) = preview.errors
    assert (error.row, error.column) == (2, "location_text")
    assert "did not find this place" in error.problem
    assert preview.placement.geocoded == 1 and preview.placement.not_found == 1


def test_without_a_geocoder_the_analyst_is_told(engine, groups):
    preview = pipeline.prepare(template_csv(ROWS), "t.csv", engine, geocoder=None, groups=groups)
    assert preview.placement.geocoded == 0
    assert {p.row for p in preview.errors} == {2, 4}
    assert not preview.geocoder_used


def test_the_default_geocoder_failing_to_load_is_a_warning(engine, groups, monkeypatch):
    monkeypatch.setattr(geocoding, "default_geocoder", lambda: None)
    preview = pipeline.prepare(template_csv(ROWS[1:2]), "t.csv", engine, groups=groups)
    assert any("could not be loaded" in p.problem for p in preview.warnings)
    assert preview.valid.all()


# --- the report ------------------------------------------------------------------


def test_the_report_is_a_table_and_a_csv(engine, geocoder, groups):
    data = template_csv(
        [
            {"latitude": "67.151", "longitude": "24.94", "geo_precision": "site"},
            {"killed_min": "-1", "location_text": "Clifton"},
        ]
    )
    preview = prepare(data, engine, geocoder, groups)
    report = preview.report()
    assert list(report.columns) == list(checks.REPORT_COLUMNS)
    assert report["row"].tolist() == [2, 3]
    text = preview.report_csv().decode("utf-8-sig")
    assert text.splitlines()[0] == "row,column,value,problem,fix,severity"
    assert "Swap them" in text


def test_duplicate_table_puts_both_side_by_side(engine, geocoder, groups):
    pipeline.commit(
        engine, prepare(template_csv(ROWS[:2]), engine, geocoder, groups), uploaded_by="ana"
    )
    preview = prepare(template_csv([{**ROWS[1], "event_id": "y"}]), engine, geocoder, groups)
    with engine.connect() as connection:
        table = preview.duplicate_table(store.read_events(connection))
    row = table.iloc[0]
    assert row["other"] == "stored: t-2"
    assert row["new_date"] == row["other_date"]
    assert row["new_groups"] == row["other_groups"] == "Tehrik-i-Taliban Pakistan (claimed)"


def test_summary_has_the_cli_keys(engine, geocoder, groups):
    preview = prepare(template_csv(ROWS), engine, geocoder, groups)
    summary = pipeline.summary(preview)
    for key in (
        "format",
        "rows_read",
        "stored",
        "rejected",
        "rejected_reasons",
        "warnings",
        "geocoded",
        "precision_upgraded",
        "probable_duplicates",
        "batch_id",
    ):
        assert key in summary
    assert summary["would_store"] == 3 and summary["batch_id"] is None


def test_threshold_constants_are_ordered():
    assert 0 < dedupe.PROBABLE < dedupe.HIGH <= 1


# --- PostgreSQL / PostGIS ---------------------------------------------------------


@pytest.mark.postgres
def test_pipeline_on_postgis(postgres_url, geocoder, groups):
    engine = store.make_engine(postgres_url)
    store.create_schema(engine)
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM event_sources"))
        connection.execute(sa.text("DELETE FROM event_groups"))
        connection.execute(sa.text("DELETE FROM events"))
        connection.execute(sa.text("DELETE FROM batches"))
    preview = pipeline.prepare(
        template_csv(ROWS), "pg.csv", engine, geocoder=geocoder, groups=groups
    )
    result = pipeline.commit(engine, preview, uploaded_by="ana")
    with engine.connect() as connection:
        total = connection.execute(sa.text("SELECT count(*) FROM events")).scalar_one()
        with_geom = connection.execute(
            sa.text("SELECT count(*) FROM events WHERE geom IS NOT NULL")
        ).scalar_one()
        inside = connection.execute(
            sa.text(
                "SELECT count(*) FROM events WHERE ST_DWithin(geom, ST_SetSRID(ST_MakePoint(67.095, 24.92), 4326), 0.001)"
            )
        ).scalar_one()
    assert total == with_geom == 3
    assert inside == 1
    assert pipeline.undo(engine, result.batch_id, "ana") == 3
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM events")).scalar_one() == 0


def test_template_date_precision_and_spans(engine, geocoder, groups):
    rows = [
        {"event_date": "2013-02", "date_precision": "day", "location_text": "Clifton"},
        {"event_date": "2013-02-10", "date_precision": "month", "location_text": "Clifton"},
        {
            "event_date": "2013-02-10",
            "date_start": "2013-02-09",
            "date_end": "2013-03",
            "location_text": "Clifton",
        },
    ]
    preview = prepare(template_csv(rows), engine, geocoder, groups)
    frame = preview.events().set_index("_line")
    assert frame.loc[2, "date_precision"] == "month"
    assert any(p.row == 2 and "gives only the month" in p.problem for p in preview.warnings)
    assert (frame.loc[3, "date_start"], frame.loc[3, "date_end"]) == (
        pd.Timestamp("2013-02-01"),
        pd.Timestamp("2013-02-28"),
    )
    assert (frame.loc[4, "date_start"], frame.loc[4, "date_end"]) == (
        pd.Timestamp("2013-02-09"),
        pd.Timestamp("2013-03-31"),
    )


def _pair(line, kind, score):
    return dedupe.DuplicatePair(line - 2, line, kind, f"x{line}", None, score, ())


def test_bulk_decisions_skip_above_a_score_and_keep_within_the_file():
    class FakePreview:
        duplicates = [
            _pair(2, "stored", 0.95),
            _pair(3, "stored", 0.85),
            _pair(4, "stored", 0.7),
            _pair(5, "file", 0.9),
        ]

        def pair_arrays(self):
            return pipeline.PairArrays.of(self.duplicates)

    preview = FakePreview()
    keys = [p.key for p in preview.duplicates]
    default = pipeline.bulk_decisions(preview)
    assert [default[k] for k in keys] == ["skip", "skip", "keep", "keep"]
    strict = pipeline.bulk_decisions(preview, skip_stored_at=0.9)
    assert [strict[k] for k in keys] == ["skip", "keep", "keep", "keep"]
    loose = pipeline.bulk_decisions(preview, skip_stored_at=0.65, keep_within_file=True)
    assert [loose[k] for k in keys] == ["skip", "skip", "skip", "keep"]
    assert set(pipeline.DUPLICATE_TABLE_LABELS) <= {
        "line", "score", "reasons", "new_date", "new_place", "new_killed", "new_groups", "other",
        "other_date", "other_place", "other_killed", "other_groups",
    }  # fmt: skip


def _reference_keep_mask(preview, decisions):
    """The rule of ``pipeline._keep_mask`` pair by pair, as it was written before it used arrays."""
    valid, frame = preview.valid, preview.frame
    fate = {}
    position_of_line = {line: n for n, line in enumerate(frame["_line"])}
    for pair in preview.duplicates:
        decision = decisions.get(pair.key) or pipeline._default_decision(pair)
        if decision == "keep" or not valid[pair.index]:
            continue
        target = position_of_line[pair.other_line] if pair.other_kind == "file" else pair.other_id
        fate[pair.index] = (decision, target)
    merges, dropped = [], set()
    for index, (decision, target) in fate.items():
        if decision == "skip":
            dropped.add(index)
            continue
        seen = {index}
        while isinstance(target, int) and target in fate and fate[target][0] == "merge":
            if target in seen:
                break
            seen.add(target)
            target = fate[target][1]
        if isinstance(target, int) and (
            not valid[target] or fate.get(target, ("keep",))[0] == "skip"
        ):
            continue
        event_id = target if isinstance(target, str) else frame["event_id"].iloc[target]
        merges.append((event_id, frame["source_ref"].iloc[index]))
        dropped.add(index)
    keep = valid.copy()
    keep[list(dropped)] = False
    return keep, merges, len(dropped)


@pytest.mark.parametrize("seed", range(12))
def test_the_rows_to_store_follow_the_pair_by_pair_rule(seed):
    rng = np.random.default_rng(seed)
    rows = 60
    frame = pd.DataFrame(
        {
            "_line": np.arange(2, rows + 2),
            "event_id": [f"e{n}" for n in range(rows)],
            "source_ref": [f"f.csv:{n + 2}" for n in range(rows)],
        }
    )
    pairs = []
    for index in rng.choice(np.arange(1, rows), size=35, replace=False).tolist():
        if rng.random() < 0.5:  # an earlier row of the file: merges may chain
            other = int(rng.integers(0, index))
            pairs.append(
                dedupe.DuplicatePair(
                    index, index + 2, "file", f"e{other}", other + 2, float(rng.random()), ()
                )
            )
        else:
            pairs.append(
                dedupe.DuplicatePair(
                    index, index + 2, "stored", f"s{index}", None, float(rng.random()), ()
                )
            )
    valid = rng.random(rows) > 0.15

    class FakePreview:
        duplicates = pairs

        def pair_arrays(self):
            return pipeline.PairArrays.of(self.duplicates)

    preview = FakePreview()
    preview.valid, preview.frame = valid, frame
    choices = np.array([None, "keep", "skip", "merge"], dtype=object)
    for decisions in (
        {},
        {p.key: choices[rng.integers(0, 4)] for p in pairs},
        {p.key: "merge" for p in pairs},
        pipeline.bulk_decisions(preview, skip_stored_at=float(rng.random())),
    ):
        decisions = {k: v for k, v in decisions.items() if v is not None}
        keep, merges, dropped = pipeline._keep_mask(preview, decisions)
        expected = _reference_keep_mask(preview, decisions)
        assert keep.tolist() == expected[0].tolist()
        assert merges == expected[1]
        assert dropped == expected[2]
        assert pipeline.plan_counts(preview, decisions) == (
            int(expected[0].sum()),
            len(expected[1]),
            expected[2],
        )
