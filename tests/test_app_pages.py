"""Every page of ``app.py`` runs under AppTest, and the shared filter panel filters.

The app runs whole (store, filter panel, ``st.navigation``) against a fresh
SQLite store loaded from code-built data files (``sample_events()``), so the
counts below are exact.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from test_filters import sample_events

from footprint import paths
from footprint.data import filters, query, schema, store

PROJECT_ROOT = Path(__file__).resolve().parent.parent
APP = PROJECT_ROOT / "app.py"

GROUPS_CSV = """name,aliases,kind,description
Al Qaeda,AQ,transnational_jihadist,Al Qaeda.
Islamic State,IS|ISIS,transnational_jihadist,The Islamic State.
Lashkar-e-Jhangvi,LeJ,sectarian,Anti-Shia group.
Tehrik-i-Taliban Pakistan,TTP,taliban,The Pakistani Taliban.
Sipah-e-Sahaba Pakistan,SSP,sectarian,Sectarian party.
"""


def app_pages() -> list[str]:
    """The page files ``app.py`` lists with ``st.Page``."""
    return re.findall(r'st\.Page\(\s*"(pages/[a-z_]+\.py)"', APP.read_text(encoding="utf-8"))


# AppTest must run app.py on every run, as a server does (see conftest).
pytestmark = pytest.mark.usefixtures("navigation_only")


@pytest.fixture
def app_data(tmp_path, monkeypatch):
    """Point the app at the sample events and a fresh SQLite store; return its URL."""
    data = tmp_path / "data"
    data.mkdir()
    schema.events_to_csv_frame(sample_events()).to_csv(data / "events.csv", index=False)
    (data / "groups.csv").write_text(GROUPS_CSV, encoding="utf-8")
    monkeypatch.setattr(paths, "EVENTS_CSV", data / "events.csv")
    monkeypatch.setattr(paths, "GROUPS_CSV", data / "groups.csv")
    for name in ("GROUP_LINKS_CSV", "GAZETTEER_CSV"):
        # Other pages read these; the project's own files are fine for them.
        monkeypatch.setattr(paths, name, getattr(paths, name))
    url = f"sqlite:///{tmp_path / 'store.db'}"
    monkeypatch.setenv("FOOTPRINT_DATABASE_URL", url)
    return url


def run_app(query: dict | None = None) -> AppTest:
    """Run ``app.py`` once (optionally with URL query params); fail on any exception."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def filtered_ids(at: AppTest) -> list[str]:
    frame = query.events_frame(
        at.session_state["events_index"], at.session_state["filter_state"], limit=10**6
    )
    assert len(frame) == at.session_state["events_count"]
    return sorted(frame["event_id"])


def shown_count(at: AppTest) -> str:
    return next(m.value for m in at.sidebar.markdown if m.value.endswith("events**"))


def deck_spec(at: AppTest) -> dict:
    return json.loads(at.get("deck_gl_json_chart")[0].proto.json)


def layer_ids(spec: dict, layer_id: str) -> list[str]:
    layer = next(item for item in spec["layers"] if item["id"] == layer_id)
    return sorted(row["event_id"] for row in layer["data"])


def app_module_widget_keys() -> dict[str, str]:
    """``app.WIDGET_KEYS``, read from the source (importing app.py would run it)."""
    tree = ast.parse(APP.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.AnnAssign | ast.Assign):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            if any(getattr(t, "id", None) == "WIDGET_KEYS" for t in targets):
                return ast.literal_eval(node.value)
    raise AssertionError("app.py defines no WIDGET_KEYS")


def test_app_lists_all_nine_pages():
    assert app_pages() == [
        "pages/map.py",
        "pages/timeline.py",
        "pages/groups.py",
        "pages/neighbourhoods.py",
        "pages/events.py",
        "pages/briefing.py",
        "pages/upload.py",
        "pages/from_text.py",
        "pages/batches.py",
    ]


@pytest.mark.parametrize("page", app_pages())
def test_every_page_runs_without_exception(app_data, page):
    assert (PROJECT_ROOT / page).exists(), f"{page} is listed in app.py but missing"
    at = run_app()
    at.switch_page(page)
    rerun(at)
    # The shared panel is there on every page, and so is the data.
    assert at.sidebar.multiselect(key="filter_groups") is not None
    assert at.session_state["events_total"] == 12


def test_first_start_creates_the_store_and_loads_the_seeds(app_data):
    at = run_app()
    assert at.session_state["events_total"] == 12
    assert shown_count(at) == "**12 of 12 events**"
    engine = store.make_engine(app_data)
    with engine.connect() as connection:
        assert store.count_events(connection) == 12
    # Starting again changes nothing (the load is idempotent).
    again = run_app()
    assert again.session_state["events_total"] == 12


def test_session_state_keys_for_the_pages(app_data):
    at = run_app()
    for key in (
        "events_index",
        "events_count",
        "events_total",
        "filter_state",
        "filter_options",
        "filter_summary",
        "filter_problems",
        "data_version",
        "database_url",
    ):
        assert key in at.session_state, key
    # No whole-table frame is left in the session: pages ask the shared index.
    assert "events_all" not in at.session_state and "events_filtered" not in at.session_state
    assert at.session_state["database_url"] == app_data
    assert at.session_state["data_version"][:2] == (app_data, 12)
    assert hash(at.session_state["filter_state"]) is not None


def test_filter_widgets_change_counts(app_data):
    at = run_app()
    at.multiselect(key="filter_provinces").set_value(["Balochistan"])
    rerun(at)
    assert shown_count(at) == "**3 of 12 events**"
    assert filtered_ids(at) == ["t-05", "t-06", "t-09"]
    at.radio(key="filter_suicide").set_value("yes")
    rerun(at)
    assert filtered_ids(at) == ["t-05", "t-06"]
    at.number_input(key="filter_min_killed").set_value(100)
    rerun(at)
    assert filtered_ids(at) == ["t-06"]
    assert at.session_state["filter_summary"] == [
        "Province: Balochistan",
        "Suicide attacks only",
        "At least 100 killed",
    ]
    badges = " ".join(m.value for m in at.sidebar.markdown)
    assert badges.count(":gray-badge[") == 3 and "At least 100 killed" in badges


def test_group_and_link_filters(app_data):
    at = run_app()
    at.multiselect(key="filter_groups").set_value(["Lashkar-e-Jhangvi"])
    rerun(at)
    assert filtered_ids(at) == ["t-03", "t-04", "t-05"]
    at.multiselect(key="filter_links").set_value(["claimed"])
    rerun(at)
    assert filtered_ids(at) == ["t-05"]


def test_dates_precision_and_neighbourhood_filters(app_data):
    import datetime as dt

    at = run_app()
    at.date_input(key="filter_date_from").set_value(dt.date(2015, 1, 1))
    at.date_input(key="filter_date_to").set_value(dt.date(2015, 12, 31))
    rerun(at)
    assert filtered_ids(at) == ["t-01", "t-02", "t-03", "t-04", "t-12"]
    at.select_slider(key="filter_precision").set_value("site")
    rerun(at)
    assert filtered_ids(at) == ["t-01", "t-02"]
    at.select_slider(key="filter_precision").set_value("province")
    at.multiselect(key="filter_neighbourhoods").set_value(["Safoora Goth"])
    rerun(at)
    assert filtered_ids(at) == ["t-03"]


@pytest.mark.parametrize(
    "widget, field, value",
    [
        ("date_input", "date_from", dt.date(2016, 1, 1)),
        ("date_input", "date_to", dt.date(2015, 6, 30)),
        ("multiselect", "groups", ["Lashkar-e-Jhangvi"]),
        ("multiselect", "provinces", ["Balochistan"]),
        ("radio", "suicide", "yes"),
        ("number_input", "min_killed", 100),
        ("select_slider", "coarsest_precision", "site"),
    ],
)
def test_the_first_change_on_a_fresh_server_applies(
    app_data, fresh_server_pages_mode, widget, field, value
):
    """A fresh server's first run is in the legacy pages/ mode; the first change must still apply.

    Widgets drawn in that mode used to get other ids than in later runs, so
    the first change was dropped: the count stayed, the link was not written
    and the field emptied.
    """
    at = run_app()
    assert fresh_server_pages_mode, "AppTest did not create a PagesManager"
    key = app_module_widget_keys()[field]
    getattr(at, widget)(key=key).set_value(value)
    rerun(at)
    state_value = {"yes": True}.get(value, value) if field == "suicide" else value
    if isinstance(state_value, list):
        state_value = tuple(state_value)
    reference = filters.apply_filters(sample_events(), filters.FilterState(**{field: state_value}))
    expected = sorted(reference["event_id"])
    assert 0 < len(expected) < 12  # the change narrows the set
    assert filtered_ids(at) == expected
    assert shown_count(at) == f"**{len(expected)} of 12 events**"
    assert getattr(at, widget)(key=key).value == value
    link = {k: v for k, v in at.query_params.items() if k in filters.QUERY_KEYS.values()}
    assert filters.from_query_params(link) == filters.FilterState(**{field: state_value})


def test_reset_button_clears_every_filter(app_data):
    at = run_app({"province": "Sindh", "killed": "1", "type": "attack"})
    assert len(filtered_ids(at)) < 12
    at.button(key="filter_reset").click()
    rerun(at)
    assert shown_count(at) == "**12 of 12 events**"
    for key in ("province", "killed", "type"):
        assert key not in at.query_params
    assert at.button(key="filter_reset").disabled


def test_deck_spec_follows_the_filters(app_data):
    at = run_app()
    spec = deck_spec(at)
    ids = [layer["id"] for layer in spec["layers"]]
    for expected in ("boundary-base", "uncertainty", "arrests", "presence", "attacks"):
        assert expected in ids
    assert layer_ids(spec, "attacks") == [
        "t-01", "t-02", "t-03", "t-05", "t-06", "t-08", "t-10", "t-12",
    ]  # fmt: skip
    at.multiselect(key="filter_groups").set_value(["Al Qaeda"])
    rerun(at)
    spec = deck_spec(at)
    assert layer_ids(spec, "attacks") == ["t-01", "t-02"]
    assert layer_ids(spec, "arrests") == ["t-11"]
    assert layer_ids(spec, "uncertainty") == []


def test_an_upload_shows_at_once(app_data):
    at = run_app()
    assert shown_count(at) == "**12 of 12 events**"
    extra = sample_events().iloc[[0]].assign(event_id="u-01", summary="Uploaded.")
    engine = store.make_engine(app_data)
    with engine.begin() as connection:
        batch = store.create_batch(
            connection,
            file_name="u.csv",
            sha256="0" * 64,
            format="footprint",
            rows_read=1,
            rows_stored=1,
            rows_rejected=0,
            uploaded_by="test",
        )
        store.insert_events(connection, extra, batch_id=batch)
    rerun(at)
    assert shown_count(at) == "**13 of 13 events**"
    assert "u-01" in filtered_ids(at)
    with engine.begin() as connection:
        store.undo_batch(connection, batch, "test")
    rerun(at)
    assert shown_count(at) == "**12 of 12 events**"


def test_missing_seed_file_opens_an_empty_store_with_a_warning(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "EVENTS_CSV", tmp_path / "absent.csv")
    monkeypatch.setenv("FOOTPRINT_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    at = run_app()
    assert shown_count(at) == "**0 of 0 events**"
    assert any("seed events were not loaded" in w.value for w in at.sidebar.warning)
    assert isinstance(at.session_state["events_index"], query.EventsIndex)
    assert at.session_state["events_total"] == at.session_state["events_count"] == 0
