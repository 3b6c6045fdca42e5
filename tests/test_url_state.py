"""The whole view lives in the URL: a copied link opens the same filters, preset and step."""

from __future__ import annotations

import datetime as dt

import pytest
from test_app_pages import (  # noqa: F401 - fixtures used by name
    app_data,
    deck_spec,
    filtered_ids,
    rerun,
    run_app,
)

from footprint.data import filters
from footprint.views import mapview

# AppTest must run app.py on every run, as a server does (see conftest).
pytestmark = pytest.mark.usefixtures("navigation_only", "app_data")


def test_url_round_trip_gives_the_same_events():
    at = run_app()
    at.multiselect(key="filter_groups").set_value(["Lashkar-e-Jhangvi", "Al Qaeda"])
    at.multiselect(key="filter_links").set_value(["suspected", "attributed"])
    at.multiselect(key="filter_provinces").set_value(["Sindh"])
    at.date_input(key="filter_date_from").set_value(dt.date(2015, 1, 1))
    at.select_slider(key="filter_precision").set_value("city")
    rerun(at)
    expected = filtered_ids(at)
    assert expected == ["t-01", "t-02", "t-03", "t-04"]
    link = dict(at.query_params)
    assert link["group"] == ["Al Qaeda", "Lashkar-e-Jhangvi"]
    assert link["link"] == ["attributed", "suspected"]
    assert link["province"] == "Sindh" and link["from"] == "2015-01-01"
    assert link["precision"] == "city"

    fresh = run_app(link)
    assert filtered_ids(fresh) == expected
    assert fresh.session_state["filter_state"] == at.session_state["filter_state"]
    # The panel shows the state it was opened with.
    assert fresh.multiselect(key="filter_groups").value == ["Al Qaeda", "Lashkar-e-Jhangvi"]
    assert fresh.date_input(key="filter_date_from").value == dt.date(2015, 1, 1)
    assert fresh.select_slider(key="filter_precision").value == "city"


def test_every_filter_survives_the_round_trip():
    state = filters.FilterState(
        date_from=dt.date(2013, 1, 1),
        date_to=dt.date(2019, 12, 31),
        groups=("Islamic State",),
        links=("claimed",),
        event_types=("attack",),
        attack_types=("suicide_bombing",),
        target_types=("political",),
        suicide=True,
        provinces=("Balochistan",),
        districts=("Mastung",),
        min_killed=100,
        coarsest_precision="district",
    )
    at = run_app(filters.to_query_params(state))
    assert at.session_state["filter_state"] == state
    assert filtered_ids(at) == ["t-06"]
    assert at.session_state["filter_problems"] == []
    # The app writes back the same link.
    link = {k: v for k, v in at.query_params.items() if k in filters.QUERY_KEYS.values()}
    assert filters.from_query_params(link) == state


def test_defaults_leave_the_url_clean():
    at = run_app()
    assert not set(at.query_params) & set(filters.QUERY_KEYS.values())


def test_bad_link_values_are_ignored_and_reported():
    at = run_app(
        {
            "group": ["Islamic State", "Nobody Group"],
            "from": "2015-02-30",
            "killed": "many",
            "precision": "street",
        }
    )
    assert at.session_state["filter_state"] == filters.FilterState(groups=("Islamic State",))
    assert filtered_ids(at) == ["t-03", "t-06"]
    problems = at.session_state["filter_problems"]
    assert len(problems) == 4
    assert any("Nobody Group" in p for p in problems)
    shown = [c.value for c in at.sidebar.caption]
    assert any("2015-02-30" in text for text in shown)
    # The link is rewritten without the bad values.
    assert at.query_params.get("group") == "Islamic State"
    assert "killed" not in at.query_params and "from" not in at.query_params


def test_view_preset_lives_in_the_url():
    at = run_app({"view": "balochistan"})
    assert at.session_state["map_view"] == "balochistan"
    view = deck_spec(at)["initialViewState"]
    preset = mapview.VIEW_PRESETS["balochistan"]
    assert (view["latitude"], view["longitude"]) == (preset.latitude, preset.longitude)
    at.session_state["map_view"] = "both"
    rerun(at)
    assert at.query_params["view"] == "both"
    assert run_app(dict(at.query_params)).session_state["map_view"] == "both"


def test_a_filter_change_does_not_move_the_map():
    at = run_app({"view": "balochistan"})
    before = deck_spec(at)["initialViewState"]
    at.multiselect(key="filter_provinces").set_value(["Sindh"])
    rerun(at)
    assert deck_spec(at)["initialViewState"] == before


def test_unknown_view_falls_back_to_karachi():
    at = run_app({"view": "mars"})
    assert at.session_state["map_view"] == "karachi"
    assert at.query_params["view"] == "karachi"


def test_briefing_step_lives_in_the_url():
    at = run_app({"step": "4"})
    at.switch_page("pages/briefing.py")
    rerun(at)
    assert at.session_state["briefing_step"] == 4
    assert at.query_params["step"] == "4"
    at.button(key="briefing_next").click()
    rerun(at)
    assert at.query_params["step"] == "5"
