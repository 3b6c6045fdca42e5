"""data/events.csv: generated from seeds/ by build-seeds, complete, and loadable."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from footprint import paths
from footprint.data import schema, store
from footprint.importers import seeds


@pytest.fixture(scope="module")
def committed() -> pd.DataFrame:
    return pd.read_csv(paths.EVENTS_CSV, dtype=str, keep_default_na=False)


def test_committed_events_csv_is_not_stale(tmp_path):
    """Fails when seeds/ or the gazetteer changed and build-seeds was not re-run."""
    rebuilt = tmp_path / "events.csv"
    seeds.build_events(output=rebuilt)
    assert rebuilt.read_text(encoding="utf-8") == paths.EVENTS_CSV.read_text(encoding="utf-8"), (
        "data/events.csv is stale: run `python -m footprint build-seeds` and commit it"
    )


def test_check_mode_reports_a_stale_file(tmp_path):
    stale = tmp_path / "events.csv"
    stale.write_text(paths.EVENTS_CSV.read_text(encoding="utf-8").replace("Karachi", "Lahore", 1))
    with pytest.raises(seeds.StaleEventsError, match="build-seeds"):
        seeds.build_events(output=stale, check=True)


def test_has_the_contract_columns_in_order(committed):
    assert tuple(committed.columns[: len(schema.EVENT_COLUMNS)]) == schema.EVENT_COLUMNS


def test_every_seed_document_contributes_events(committed):
    documents = seeds.read_seed_documents()
    assert len(documents) == 5
    for document in documents:
        cited = committed["source_ref"].str.contains(re.escape(document.file_name))
        assert cited.sum() >= 1, f"no event cites {document.file_name}"


def test_every_row_fits_the_contract(committed):
    typed = schema.coerce_events(committed)
    for record in typed.to_dict("records"):
        precision = record["geo_precision"]
        record = {**record, "geo_precision": precision if isinstance(precision, str) else "site"}
        assert schema.validate_event(record) == [], record["event_id"]
    assert typed["event_id"].is_unique
    assert (typed["date_start"] <= typed["event_date"]).all()
    assert (typed["event_date"] <= typed["date_end"]).all()


def test_every_event_has_a_summary_and_a_source_with_lines(committed):
    pattern = re.compile(r"^\d{3}_[0-9a-f]{16}\.txt:\d+-\d+$")
    for _, row in committed.iterrows():
        assert row["summary"].strip(), row["event_id"]
        for ref in row["source_ref"].split("; "):
            assert pattern.match(ref), (row["event_id"], ref)


def test_events_are_placed_or_honestly_unplaced(committed):
    placed = committed[committed["latitude"] != ""]
    assert len(placed) >= 0.9 * len(committed)
    unplaced = committed[committed["latitude"] == ""]
    assert (unplaced["geo_precision"] == "").all()
    assert placed["geo_precision"].isin(schema.GEO_PRECISIONS).all()
    # The point of Footprint: a Karachi event sits on the city centre only when
    # its source names nothing finer than the city.
    on_city = placed[(placed["city"] == "Karachi") & (placed["geo_matched_name"] == "Karachi")]
    assert set(on_city["location_text"].str.lower()) <= {"karachi"}


def test_a_merged_event_lists_every_source():
    frame = pd.read_csv(paths.EVENTS_CSV, dtype=str, keep_default_na=False)
    multi = frame[frame["source_ref"].str.count(";") >= 1]
    assert len(multi) >= 1
    assert multi["source_ref"].str.count(";").max() >= 2  # the bus attack: three documents


def test_initialising_the_store_twice_is_idempotent(tmp_path):
    engine = store.make_engine(f"sqlite:///{tmp_path / 'footprint.db'}")
    first = store.initialise(engine)
    second = store.initialise(engine)
    expected = len(pd.read_csv(paths.EVENTS_CSV, dtype=str))
    assert first == second == {"seed_events_loaded": expected, "events_stored": expected}
