"""The From text page (AppTest): paste, review, accept, store as one batch, undo; escaping."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from footprint.data import store

PROJECT = Path(__file__).resolve().parent.parent
PASSWORD = "reader-page-password"
REPORT = (
    "KARACHI: Gunmen on a motorcycle shot dead two policemen near Numaish Chowrangi on "
    "Tuesday, police said.\n\n"
    "A day later, a bomb planted on a bicycle went off outside a shop in Saddar, injuring "
    "four people <b>bold</b>.\n\n"
    "No group has claimed either attack.\n"
)


@pytest.fixture
def database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'reader-page.db'}"
    monkeypatch.setenv("FOOTPRINT_DATABASE_URL", url)
    monkeypatch.setenv("FOOTPRINT_ANALYST_PASSWORD", PASSWORD)
    return url


def open_page() -> AppTest:
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180)
    at.run()
    at.switch_page("pages/from_text.py").run()
    assert not at.exception, at.exception
    return at


def read_report(at: AppTest) -> AppTest:
    at.text_input(key="fromtext_name").set_value("Test Analyst")
    at.text_input(key="fromtext_password").set_value(PASSWORD)
    at.button(key="fromtext_sign_in").click().run()
    assert not at.exception, at.exception
    at.text_area(key="fromtext_text").set_value(REPORT)
    at.date_input(key="fromtext_published").set_value(dt.date(2016, 3, 10))
    at.button(key="fromtext_read").click().run()
    assert not at.exception, at.exception
    return at


def test_viewers_see_only_the_sign_in(database):
    at = open_page()
    assert [t.key for t in at.text_input] == ["fromtext_name", "fromtext_password"]
    assert len(at.text_area) == 0


def test_paste_review_accept_store_and_undo(database):
    at = read_report(open_page())
    rows = at.session_state["fromtext_rows"]
    assert len(rows) == 2
    first, second = rows.iloc[0], rows.iloc[1]
    assert (first["attack_type"], first["killed_min"], first["event_date"]) == (
        "armed_assault",
        2,
        "2016-03-08",
    )
    assert (second["attack_type"], second["injured_min"], second["event_date"]) == (
        "bombing",
        4,
        "2016-03-09",
    )
    # the evidence is shown highlighted, and the text is escaped, never markup
    at.selectbox(key="fromtext_evidence_of").set_value(rows.iloc[1]["event_id"]).run()
    shown = at.get("html")[0].proto.body
    assert "&lt;b&gt;bold&lt;/b&gt;" in shown and "<b>bold</b>" not in shown
    # reject the first row, accept the second
    at.session_state["fromtext_rows"].loc[0, "accept"] = False
    at.run()
    at.button(key="fromtext_check").click().run()
    assert not at.exception, at.exception
    at.button(key="fromtext_store").click().run()
    assert not at.exception, at.exception
    assert "Stored batch 1: 1 events" in at.success[0].value
    engine = store.make_engine(database)
    with engine.connect() as connection:
        events = store.read_events(connection)
        batches = store.list_batches(connection)
    stored = events[events["batch_id"] == 1]
    assert len(stored) == 1 and len(batches) == 1
    assert stored.iloc[0]["attack_type"] == "bombing"
    assert stored.iloc[0]["geo_matched_name"] == "Saddar"
    # the batch is undone on the Batches page, whole
    at.switch_page("pages/batches.py").run()
    assert not at.exception, at.exception
    at.selectbox(key="batches_undo_select").set_value(1)
    at.checkbox(key="batches_undo_sure").check()
    at.run()
    at.button(key="batches_undo").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == "Batch 1 undone: 1 events removed."
    with engine.connect() as connection:
        assert store.read_events(connection)["batch_id"].eq(1).sum() == 0


def test_an_event_already_stored_is_shown_as_such(database):
    at = read_report(open_page())
    at.button(key="fromtext_check").click().run()
    at.button(key="fromtext_store").click().run()
    assert not at.exception, at.exception
    at = read_report(open_page())
    at.button(key="fromtext_check").click().run()
    assert not at.exception, at.exception
    assert any("already stored" in w.value for w in at.warning)
    assert "Storing **0** events" in " ".join(m.value for m in at.markdown)


SEED_EVENT_RETOLD = (
    "Two men were killed and four wounded on March 4 when armed men attacked a shop in "
    "Bahadurabad, police said.\n"
)


def test_a_seed_event_told_again_is_shown_as_a_probable_duplicate(database):
    store.initialise(store.make_engine(database))
    at = open_page()
    at.text_input(key="fromtext_name").set_value("Test Analyst")
    at.text_input(key="fromtext_password").set_value(PASSWORD)
    at.button(key="fromtext_sign_in").click().run()
    at.text_area(key="fromtext_text").set_value(SEED_EVENT_RETOLD)
    at.date_input(key="fromtext_published").set_value(dt.date(2015, 3, 25))
    at.button(key="fromtext_read").click().run()
    at.button(key="fromtext_check").click().run()
    assert not at.exception, at.exception
    assert any("look like events already stored" in w.value for w in at.warning)
    pairs = at.session_state["fromtext_preview"].duplicate_table()
    assert pairs["other"].tolist() == ["stored: s000-05"]
