"""Real exports as analysts have them (issue 9): trimmed ACLED, a 25-column GTD file.

Both files are written by us from the formats' documentation
(``tests/data/good/acled_trimmed.csv``, ``tests/data/good/gtd_25_columns.csv``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from footprint.data import store
from footprint.data.groups import default_group_names
from footprint.importers import pipeline

ROOT = Path(__file__).resolve().parent.parent
GOOD = ROOT / "tests" / "data" / "good"


def _prepare(name, engine=None):
    data = (GOOD / name).read_bytes()
    return pipeline.prepare(data, name, engine)


@pytest.fixture(scope="module")
def acled():
    return _prepare("acled_trimmed.csv")


@pytest.fixture(scope="module")
def gtd():
    return _prepare("gtd_25_columns.csv")


def test_trimmed_acled_has_the_fifteen_columns_of_the_issue():
    header = (GOOD / "acled_trimmed.csv").read_text().splitlines()[0].split(",")
    assert header == [
        "event_date", "year", "event_type", "sub_event_type", "actor1", "actor2", "interaction",
        "admin1", "admin2", "location", "latitude", "longitude", "fatalities",
        "civilian_targeting", "notes",
    ]  # fmt: skip


def test_trimmed_acled_is_read_whole_with_ids_from_row_values(acled):
    assert acled.format == "acled"
    assert acled.errors == []
    assert int(acled.valid.sum()) == acled.rows_read == 8
    ids = acled.frame["event_id"]
    assert ids.str.match(r"^acled:[0-9a-f]{16}(-\d+)?$").all()
    assert ids.is_unique
    warning = [p for p in acled.warnings if p.column == "event_id_cnty"]
    assert len(warning) == 1 and warning[0].row is None
    assert "made from each row's values" in warning[0].problem
    # the same row gives the same id on another upload
    again = _prepare("acled_trimmed.csv")
    assert list(again.frame["event_id"]) == list(ids)


@pytest.mark.parametrize(
    ("line", "perpetrators"),
    [
        (2, "Balochistan Liberation Front (attributed)"),  # BLF: Baloch Liberation Front
        (3, "Baloch Republican Guards (attributed)"),  # BRG: Baloch Republican Guard
        (4, "Balochistan Liberation Army (attributed)"),  # BLA-AA: ...-Aslam Acho
        (5, "Baloch Separatists (attributed)"),  # generic category
        (6, "Tehrik-i-Taliban Pakistan (attributed)"),
        (7, None),  # Unidentified Armed Group (Pakistan): unidentified, no group
        (8, "Lashkar-e-Jhangvi (suspected)"),  # arrest: actor2
    ],
)
def test_acled_actor_names_map_to_canonical_generic_or_unidentified(acled, line, perpetrators):
    row = acled.frame.set_index("_line").loc[line]
    value = row["perpetrators"]
    assert (None if not isinstance(value, str) else value) == perpetrators
    unrecognised = [p for p in acled.warnings if "is not in data/groups.csv" in p.problem]
    assert unrecognised == []


def test_generic_categories_are_documented_groups():
    names = default_group_names()
    assert names.kind_of("Baloch Separatists") == "generic"
    codebook = (ROOT / "docs" / "codebook.md").read_text()
    assert "`generic`" in codebook and "Baloch Separatists" in codebook


@pytest.mark.parametrize(
    ("line", "attack_type", "target_type", "summary_start"),
    [
        (2, "bombing", "military", "Test row: a roadside bomb"),
        (3, "armed_assault", "civilians", "Test row: gunmen shot"),
        (5, "bombing", "police", "Test row: a grenade"),
        (6, "suicide_bombing", "civilians", "Test row: a suicide bomber"),
        (7, "kidnapping", "civilians", "Test row: two teachers"),
    ],
)
def test_acled_notes_targets_and_sub_event_types(
    acled, line, attack_type, target_type, summary_start
):
    row = acled.frame.set_index("_line").loc[line]
    assert row["attack_type"] == attack_type
    assert row["target_type"] == target_type
    assert row["summary"].startswith(summary_start)


def test_identical_acled_rows_are_probable_duplicates_not_errors(acled):
    pairs = [(p.line, p.other_line, p.score) for p in acled.duplicates]
    assert (9, 8, 1.0) in pairs


def test_gtd_rows_sharing_every_column_are_probable_duplicates(gtd):
    assert gtd.format == "gtd" and len(gtd.frame.columns) and gtd.errors == []
    header = (GOOD / "gtd_25_columns.csv").read_text().splitlines()[0].split(",")
    assert len(header) == 25
    pair = next(p for p in gtd.duplicates if p.line == 4)
    assert (pair.other_kind, pair.other_line, pair.score) == ("file", 3, 1.0)
    assert pair.reasons == ("every exported column is the same as line 3",)
    # nothing is refused; the analyst decides (the command line keeps both by default)
    assert pipeline.default_decisions(gtd)[pair.key] == "keep"


def test_city_centre_rows_are_upgraded_from_every_text_field(gtd, acled):
    gtd_rows = gtd.frame.set_index("_line")
    assert gtd_rows.loc[2, "geo_matched_name"] == "Korangi"  # target1: Korangi police station
    assert 'place from target1: "Korangi"' in gtd_rows.loc[2, "notes"]
    assert gtd_rows.loc[5, "geo_matched_name"] == "Landhi Town"  # summary: workers of Landhi
    assert 'place from summary: "Landhi"' in gtd_rows.loc[5, "notes"]
    assert gtd_rows.loc[2, "original_geo_precision"] == "town"  # specificity 1
    assert gtd_rows.loc[2, "original_latitude"] == pytest.approx(24.86)
    summary = pipeline.summary(gtd)
    assert summary["precision_upgraded"] == 2
    assert summary["precision_upgraded_from"] == {"target1": 1, "summary": 1}
    acled_summary = pipeline.summary(acled)
    assert acled_summary["precision_upgraded_from"] == {"notes": 2}
    quetta = acled.frame.set_index("_line").loc[5]
    assert quetta["geo_matched_name"] == "Sariab Road"


def test_trimmed_exports_are_stored_whole(tmp_path):
    engine = store.make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    store.create_schema(engine)
    with engine.begin() as connection:
        store.upsert_groups(connection, default_group_names().frame)
    for name in ("acled_trimmed.csv", "gtd_25_columns.csv"):
        preview = _prepare(name, engine)
        result = pipeline.commit(engine, preview, uploaded_by="test")
        assert result.stored == preview.rows_read
    with engine.connect() as connection:
        assert len(store.read_events(connection)) == 14
