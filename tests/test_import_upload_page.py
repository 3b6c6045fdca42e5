"""The upload page (AppTest): sign-in, preview before storing, confirm, mapping, duplicates, escaping."""

from __future__ import annotations

import csv
import io
import tomllib
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from footprint.data import schema, store

PROJECT = Path(__file__).resolve().parent.parent
GOOD = PROJECT / "tests" / "data" / "good"
PASSWORD = "page-test-password"


@pytest.fixture
def database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'page.db'}"
    monkeypatch.setenv("FOOTPRINT_DATABASE_URL", url)
    monkeypatch.setenv("FOOTPRINT_MAPPINGS_DIR", str(tmp_path / "mappings"))
    monkeypatch.delenv("FOOTPRINT_ANALYST_PASSWORD", raising=False)
    return url


def open_upload_page() -> AppTest:
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180)
    at.run()
    at.switch_page("pages/upload.py").run()
    assert not at.exception, at.exception
    return at


def signed_in(monkeypatch) -> AppTest:
    monkeypatch.setenv("FOOTPRINT_ANALYST_PASSWORD", PASSWORD)
    at = open_upload_page()
    at.text_input(key="upload_name").set_value("Test Analyst")
    at.text_input(key="upload_password").set_value(PASSWORD)
    at.button(key="upload_sign_in").click().run()
    assert not at.exception, at.exception
    return at


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.get("file_uploader")[0].set_value((name, data, "text/csv"))
    at.run()
    assert not at.exception, at.exception
    return at


def frame_with(at: AppTest, column: str):
    """The first dataframe shown with ``column``."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def uploaded_batches(url: str) -> list:
    engine = store.make_engine(url)
    with engine.connect() as connection:
        return list(connection.execute(sa.select(store.batches)))


def template(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, list(schema.EVENT_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for n, row in enumerate(rows, start=1):
        writer.writerow(
            {
                "event_id": f"p-{n}",
                "event_date": "2015-05-13",
                "event_type": "attack",
                "attack_type": "armed_assault",
                "latitude": "24.92",
                "longitude": "67.095",
                "geo_precision": "site",
                "source_id": "page-test",
                **row,
            }
        )
    return out.getvalue().encode()


def test_upload_is_off_without_sign_in_configured(database):
    at = open_upload_page()
    assert any("Uploading is turned off" in i.value for i in at.info)
    assert "FOOTPRINT_ANALYST_PASSWORD" in at.info[0].value
    assert len(at.get("file_uploader")) == 0
    assert len(at.text_input) == 0


def test_viewers_see_only_the_sign_in(database, monkeypatch):
    monkeypatch.setenv("FOOTPRINT_ANALYST_PASSWORD", PASSWORD)
    at = open_upload_page()
    assert len(at.get("file_uploader")) == 0
    assert [t.key for t in at.text_input] == ["upload_name", "upload_password"]
    at.text_input(key="upload_name").set_value("Visitor")
    at.text_input(key="upload_password").set_value("wrong")
    at.button(key="upload_sign_in").click().run()
    assert [e.value for e in at.error] == ["That is not the analyst password."]
    assert len(at.get("file_uploader")) == 0


def test_the_upload_limit_is_configured_and_stated(database, monkeypatch):
    config = tomllib.loads((PROJECT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == 200
    at = signed_in(monkeypatch)
    assert len(at.get("file_uploader")) == 1
    stated = [c.value for c in at.caption if c.value.startswith("Upload limit:")]
    assert len(stated) == 1, [c.value for c in at.caption]
    assert stated[0].startswith("Upload limit: 200 MB per file")
    readme = (PROJECT / "README.md").read_text()
    assert "Upload limit: 200 MB per file" in readme


def test_sign_in_upload_preview_confirm(database, monkeypatch):
    at = signed_in(monkeypatch)
    assert len(at.get("file_uploader")) == 1
    seed_count = at.session_state["events_total"]
    upload(
        at, "footprint_template_example.csv", (GOOD / "footprint_template_example.csv").read_bytes()
    )
    assert "recognised as Footprint template" in at.success[0].value
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Rows read"] == "3" and metrics["Geocoded"] == "2"
    assert uploaded_batches(database) == []  # nothing stored before confirming
    assert at.button(key="upload_confirm").disabled is False
    at.button(key="upload_confirm").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value.startswith("Stored batch 1: ")
    (batch,) = uploaded_batches(database)
    assert (batch.file_name, batch.uploaded_by) == (
        "footprint_template_example.csv",
        "Test Analyst",
    )
    # example row 2 repeats a seed event (the 2014 airport attack) and is skipped by default
    assert batch.rows_stored + int("duplicates skipped" in at.success[0].value) == 3
    # the app re-reads the store: the new events are in every page's frame
    # (a new session, as AppTest runs only the page after switch_page)
    fresh = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180).run()
    assert fresh.session_state["events_total"] == seed_count + batch.rows_stored
    # the uploader is fresh for the next file
    assert at.get("file_uploader")[0].key == "upload_file_1"


def test_the_same_file_again_is_recognised(database, monkeypatch):
    at = signed_in(monkeypatch)
    data = (GOOD / "gtd_partial_sample.csv").read_bytes()
    upload(at, "gtd.csv", data)
    at.button(key="upload_confirm").click().run()
    upload(at, "gtd-again.csv", data)
    assert any("already uploaded as batch 1" in w.value for w in at.warning)
    assert at.button(key="upload_confirm").disabled
    assert len(uploaded_batches(database)) == 1


def test_problems_are_a_table_with_a_csv_download(database, monkeypatch):
    at = signed_in(monkeypatch)
    upload(at, "bad.csv", template([{"latitude": "67.095", "longitude": "24.92"}, {}]))
    report = frame_with(at, "problem")
    assert report.iloc[0]["row"] == 2 and "swapped" in report.iloc[0]["problem"]
    assert any(
        b.proto.label.startswith("Download the problem report") for b in at.get("download_button")
    )
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["With errors"] == "1"
    at.button(key="upload_confirm").click().run()
    (batch,) = uploaded_batches(database)
    assert (batch.rows_stored, batch.rows_rejected) == (1, 1)


def test_an_unknown_format_is_mapped_and_the_mapping_saved(database, monkeypatch, tmp_path):
    at = signed_in(monkeypatch)
    data = b"Incident date,Lat,Lng,Place,Group,Dead\n13/05/2015,24.92,67.095,Gulshan,TTP,3\n25/05/2015,24.93,67.09,Gulshan,,\n"
    upload(at, "police log.csv", data)
    # a step, not a red error, with a suggestion for each field from the header names
    assert not at.error
    assert "match no known format" in at.info[0].value
    suggestion = next(c.value for c in at.caption if c.value.startswith("Suggested from"))
    assert "latitude ← Lat" in suggestion and "killed ← Dead" in suggestion
    assert at.selectbox(key="upload_map_latitude").value == "Lat"
    assert at.selectbox(key="upload_map_killed").value == "Dead"
    at.text_input(key="upload_map_source").set_value("policelog")
    at.button(key="upload_map_apply").click().run()
    assert not at.exception, at.exception
    assert "recognised as Column mapping: police log" in at.success[0].value
    rows = frame_with(at, "geo_matched_name")
    assert rows["event_id"].tolist()[0].startswith("policelog:")
    assert str(rows["event_date"].iloc[0])[:10] == "2015-05-13"  # day-first, settled by 25/05
    assert list((tmp_path / "mappings").glob("*.json"))
    at.button(key="upload_confirm").click().run()
    assert uploaded_batches(database)[0].format == "mapped"


def test_duplicates_are_shown_side_by_side_and_can_be_merged(database, monkeypatch):
    at = signed_in(monkeypatch)
    upload(
        at,
        "first.csv",
        template([{"killed_min": "2", "killed_max": "2", "perpetrators": "TTP (claimed)"}]),
    )
    at.button(key="upload_confirm").click().run()
    upload(
        at,
        "second.csv",
        template(
            [
                {
                    "event_id": "q-1",
                    "killed_min": "2",
                    "killed_max": "2",
                    "perpetrators": "TTP (claimed)",
                    "source_ref": "another paper",
                }
            ]
        ),
    )
    editor = at.data_editor(key="upload_duplicates")
    table = editor.value
    assert table.iloc[0]["other"] == "stored: p-1"
    assert table.iloc[0]["decision"] == "skip"
    assert table.iloc[0]["new_killed"] == table.iloc[0]["other_killed"] == "2"
    # the bulk controls are there (their rule: test_import_pipeline)
    assert at.slider(key="upload_bulk_skip_at").value == 0.8
    assert at.toggle(key="upload_bulk_keep_file").disabled  # no within-file pair here
    at.session_state["upload_duplicates"] = {
        "edited_rows": {0: {"decision": "merge"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    at.button(key="upload_confirm").click().run()
    assert not at.exception, at.exception
    assert "1 merged into existing events" in at.success[0].value
    engine = store.make_engine(database)
    with engine.connect() as connection:
        events = store.read_events(connection).set_index("event_id")
    assert "q-1" not in events.index
    assert events.loc["p-1", "source_ref"] == "first.csv:2; second.csv:2; another paper"


def test_uploaded_text_is_data_never_markup(database, monkeypatch):
    at = signed_in(monkeypatch)
    hostile = '<img src=x onerror="alert(1)"> **bold** [link](http://example.org)'
    upload(at, "<b>evil</b>.csv", template([{"location_text": hostile, "summary": hostile}]))
    assert "\\<b\\>evil\\</b\\>" in at.success[0].value
    rows = frame_with(at, "geo_matched_name")
    assert rows["location_text"].iloc[0] == hostile
    for element in (*at.markdown, *at.caption, *at.success, *at.warning, *at.error, *at.info):
        assert "<img" not in element.value and "](http" not in element.value


def test_sign_out_hides_the_upload(database, monkeypatch):
    at = signed_in(monkeypatch)
    at.button(key="upload_sign_out").click().run()
    assert len(at.get("file_uploader")) == 0


def test_openid_connect_sign_in_when_an_auth_section_is_configured(database):
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180)
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "test-cookie-secret",
        "client_id": "footprint",
        "client_secret": "test-secret",
        "server_metadata_url": "https://id.example.org/.well-known/openid-configuration",
    }
    at.secrets["analyst_emails"] = ["ana@example.org"]
    at.user = {"is_logged_in": False}
    at.run()
    at.switch_page("pages/upload.py").run()
    assert [b.key for b in at.button] == ["upload_sign_in"]
    assert len(at.get("file_uploader")) == 0
    at.user = {"is_logged_in": True, "email": "bob@example.org"}
    at.run()
    assert "not as an analyst" in at.warning[0].value
    assert len(at.get("file_uploader")) == 0
    at.user = {"is_logged_in": True, "email": "ana@example.org", "name": "Ana"}
    at.run()
    assert not at.exception, at.exception
    assert len(at.get("file_uploader")) == 1
    assert at.session_state["upload_analyst"]["name"] == "ana@example.org"


def _try_password(password: str, name: str = "Visitor") -> AppTest:
    """A new browser session trying one password (nothing carried over)."""
    at = open_upload_page()
    at.text_input(key="upload_name").set_value(name)
    at.text_input(key="upload_password").set_value(password)
    at.button(key="upload_sign_in").click().run()
    return at


def test_lockout_holds_across_new_sessions(database, monkeypatch):
    monkeypatch.setenv("FOOTPRINT_ANALYST_PASSWORD", PASSWORD)
    from footprint import auth

    for _ in range(auth.MAX_PROCESS_FAILURES):
        at = _try_password("wrong")
        assert [e.value for e in at.error] == ["That is not the analyst password."]
    # a new session with the right password is still refused: the count is the process's
    at = _try_password(PASSWORD)
    assert at.error and at.error[0].value.startswith("Too many wrong passwords: wait")
    assert len(at.get("file_uploader")) == 0
    assert "upload_analyst" not in at.session_state


def test_name_is_asked_and_recorded_at_sign_in(database, monkeypatch):
    monkeypatch.setenv("FOOTPRINT_ANALYST_PASSWORD", PASSWORD)
    at = _try_password(PASSWORD, name="  ")
    assert at.error[0].value == "Give your name: batches record who uploaded them."
    assert len(at.get("file_uploader")) == 0
    at = _try_password(PASSWORD, name="  Sana   Baloch ")
    assert at.session_state["upload_analyst"]["name"] == "Sana Baloch"
    assert len(at.get("file_uploader")) == 1
