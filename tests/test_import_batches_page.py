"""The batch history page (AppTest): everyone sees the list, only signed-in analysts undo."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from footprint.data import store
from footprint.importers import pipeline

PROJECT = Path(__file__).resolve().parent.parent
GOOD = PROJECT / "tests" / "data" / "good"
PASSWORD = "batches-test-password"


@pytest.fixture
def database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'batches.db'}"
    monkeypatch.setenv("FOOTPRINT_DATABASE_URL", url)
    monkeypatch.setenv("FOOTPRINT_ANALYST_PASSWORD", PASSWORD)
    engine = store.make_engine(url)
    store.create_schema(engine)
    for name in ("gtd_partial_sample.csv", "acled_pakistan_sample.csv"):
        preview = pipeline.prepare((GOOD / name).read_bytes(), name, engine)
        pipeline.commit(engine, preview, uploaded_by="ana")
    return engine


def open_page(path: str = "pages/batches.py") -> AppTest:
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180)
    at.run()
    at.switch_page(path).run()
    assert not at.exception, at.exception
    return at


def test_viewers_see_the_history_but_no_undo(database):
    at = open_page()
    table = at.dataframe[0].value
    assert table["file_name"].tolist() == ["acled_pakistan_sample.csv", "gtd_partial_sample.csv"]
    assert table["events_held"].tolist() == [4, 3]
    assert len(at.button) == 0
    assert len(at.selectbox) == 0
    assert any("Analysts can undo" in c.value for c in at.caption)


def test_an_analyst_undoes_a_batch(database):
    at = open_page("pages/upload.py")
    at.text_input(key="upload_name").set_value("Test Analyst")
    at.text_input(key="upload_password").set_value(PASSWORD)
    at.button(key="upload_sign_in").click().run()
    at.switch_page("pages/batches.py").run()
    assert not at.exception, at.exception
    undo = at.button(key="batches_undo")
    assert undo.disabled  # until the analyst ticks the box
    at.selectbox(key="batches_undo_select").set_value(1)
    at.checkbox(key="batches_undo_sure").check()
    at.run()
    at.button(key="batches_undo").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == "Batch 1 undone: 3 events removed."
    with database.connect() as connection:
        history = store.list_batches(connection).set_index("batch_id")
        events = store.read_events(connection)
    assert history.loc[1, "undone_by"] == "Test Analyst"
    assert history.loc[1, "events_held"] == 0 and history.loc[2, "events_held"] == 4
    uploaded = events[events["batch_id"].notna()]
    assert sorted(uploaded["event_id"].str.split(":").str[0].unique()) == ["acled"]
    # an undone batch is no longer offered
    options = list(at.selectbox(key="batches_undo_select").options)
    assert len(options) == 1 and options[0].startswith("Batch 2")


def test_undo_is_off_when_sign_in_is_not_configured(database, monkeypatch):
    monkeypatch.delenv("FOOTPRINT_ANALYST_PASSWORD")
    at = open_page()
    assert len(at.dataframe) == 1
    assert len(at.button) == 0
    assert not any("Analysts can undo" in c.value for c in at.caption)
