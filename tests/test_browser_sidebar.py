"""Typing into the sidebar, as an analyst does, filters every page (headless Chromium).

Each test gets a server of its own and makes its first change in that
server's first session: a fresh server runs its first request in Streamlit's
legacy pages/ mode, and widgets drawn in that run used to get other ids than
in the next, so the analyst's first change was dropped (the count stayed, the
link was not written and the field emptied). ``app.py`` now switches the mode
off before drawing anything.

Streamlit's date field (year, month and day segments) applies a typed date
when focus leaves the field, not on Enter: Enter alone changes nothing (the
test checks that too, so a Streamlit release that changes it is noticed and
the sidebar's help text can follow). The tests check after each change the
sidebar's count against the same filter applied with pandas to the events the
server loaded, the link the page writes, and that a reload of that link keeps
the filter.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from browser_steps import event_counts, wait_until_idle
from conftest import serving_process
from test_browser_map import seed_events  # noqa: F401 - a fixture, used by name

from footprint.data import filters

pytestmark = pytest.mark.browser


SIDEBAR = '[data-testid="stSidebar"]'


@pytest.fixture
def fresh_server(tmp_path, boundaries_ready, browser):
    """A server no session has visited yet, on a new SQLite store of the seed events."""
    with serving_process(f"sqlite:///{tmp_path / 'footprint.db'}") as base:
        yield base


def expected_count(events, **chosen) -> int:
    return len(filters.apply_filters(events, filters.FilterState(**chosen)))


def link_state(page) -> filters.FilterState:
    """The filters the page's link holds."""
    from urllib.parse import parse_qs, urlsplit

    raw = parse_qs(urlsplit(page.url).query)
    state, problems = filters.parse_query_params(raw)
    assert problems == [], problems
    return state


def reload_keeps(page, expected: int, state: filters.FilterState) -> None:
    """Reload the page's link in a new session; the count and the link stay."""
    url = page.url
    page.goto("about:blank")
    page.goto(url)
    wait_until_idle(page)
    assert event_counts(page)[0] == expected
    assert link_state(page) == state


def type_date(page, label: str, day: dt.date) -> None:
    """Type ``day`` into the sidebar's ``label`` date, segment by segment, as a keyboard user."""
    field = page.locator('[data-testid="stSidebar"]').get_by_label(label, exact=True)
    field.locator("[role=spinbutton]").first.click()
    page.keyboard.type(day.strftime("%Y%m%d"), delay=40)
    assert field.inner_text().replace("\n", "") == day.isoformat()


def tab_out_of_the_date_field(page, label: str) -> None:
    """Press Tab until the focus is no longer inside the sidebar's ``label`` date field.

    The field's calendar button takes one Tab of its own before the focus moves on.
    """
    container = (
        page.locator(SIDEBAR)
        .locator('[data-testid="stDateInput"]')
        .filter(has=page.get_by_label(label, exact=True))
    )
    for _ in range(6):
        page.keyboard.press("Tab")
        if not container.evaluate("(field) => field.contains(document.activeElement)"):
            return
    raise AssertionError(f"Tab never left the {label} date field")


def wait_for_count(page, expected: int) -> int:
    """Wait until the sidebar shows ``expected`` events (the rerun may take a moment)."""
    page.wait_for_function(
        "(n) => new RegExp('(^|[^0-9])' + n + ' of ').test("
        "document.querySelector('[data-testid=\"stSidebar\"]').innerText.replace(/,/g, ''))",
        arg=str(expected),
        timeout=60_000,
    )
    wait_until_idle(page)
    return event_counts(page)[0]


def test_typed_dates_apply_when_the_field_is_left(fresh_server, page, seed_events):  # noqa: F811
    page.goto(f"{fresh_server}/")
    wait_until_idle(page)
    total = len(seed_events)
    assert event_counts(page) == (total, total)

    start, end = dt.date(2010, 1, 1), dt.date(2013, 12, 31)
    after_start = expected_count(seed_events, date_from=start)
    between = expected_count(seed_events, date_from=start, date_to=end)
    assert total > after_start > between > 0  # each step narrows the set

    type_date(page, "From", start)
    page.keyboard.press("Enter")
    page.wait_for_timeout(2000)
    assert event_counts(page)[0] == total  # Enter does not apply a typed date
    tab_out_of_the_date_field(page, "From")
    assert wait_for_count(page, after_start) == after_start
    assert re.search(r"from=2010-01-01", page.url), page.url

    type_date(page, "To", end)
    page.locator('[data-testid="stSidebar"]').get_by_text("events").first.click()
    assert wait_for_count(page, between) == between
    assert "to=2013-12-31" in page.url, page.url
    assert page.locator('[data-testid="stException"]').count() == 0

    reload_keeps(page, between, filters.FilterState(date_from=start, date_to=end))
    sidebar = page.locator(SIDEBAR)
    for label, day in (("From", start), ("To", end)):
        shown = sidebar.get_by_label(label, exact=True).inner_text().replace("\n", "")
        assert shown == day.isoformat()


def choose_by_typing(page, label: str, text: str) -> None:
    """Type ``text`` into the sidebar's ``label`` multiselect, take the first match, close it."""
    box = (
        page.locator(SIDEBAR)
        .locator('[data-testid="stMultiSelect"]')
        .filter(has=page.get_by_text(label, exact=True))
    )
    box.locator("input").click()
    page.keyboard.type(text, delay=40)
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")


def type_number(page, label: str, value: int) -> None:
    """Replace the sidebar's ``label`` number by typing ``value``; leave with Tab."""
    field = page.locator(SIDEBAR).get_by_label(label, exact=True)
    field.click()
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type(str(value), delay=40)
    page.keyboard.press("Tab")


def test_every_sidebar_widget_applies_typed_and_keyboard_input(
    fresh_server,
    page,
    seed_events,  # noqa: F811
):
    """Groups and places typed, a number typed, the radio and the slider moved by keyboard."""
    page.goto(f"{fresh_server}/")
    wait_until_idle(page)
    total = len(seed_events)
    assert event_counts(page) == (total, total)

    steps = [
        (
            "groups",
            ("Lashkar-e-Jhangvi",),
            lambda: choose_by_typing(page, "Groups", "Lashkar-e-Jh"),
        ),
        ("provinces", ("Sindh",), lambda: choose_by_typing(page, "Province", "Sin")),
        ("min_killed", 1, lambda: type_number(page, "Minimum killed", 1)),
        ("suicide", False, lambda: press_on(page, "Suicide attack", "ArrowRight", 2)),
        (
            "coarsest_precision",
            "district",
            lambda: press_on(page, "Coarsest place precision", "ArrowLeft", 2),
        ),
    ]
    chosen: dict = {}
    for field, value, act in steps:
        chosen[field] = value
        expected = expected_count(seed_events, **chosen)
        assert expected > 0, chosen
        act()
        assert wait_for_count(page, expected) == expected, field
        assert link_state(page) == filters.FilterState(**chosen), (field, page.url)
    assert page.locator('[data-testid="stException"]').count() == 0
    reload_keeps(page, expected, filters.FilterState(**chosen))


def press_on(page, label: str, key: str, times: int) -> None:
    """Focus the sidebar's ``label`` radio group or slider and press ``key`` ``times`` times."""
    sidebar = page.locator(SIDEBAR)
    radios = sidebar.get_by_role("radiogroup", name=label)
    if radios.count():
        radios.locator("input[type=radio][checked]").focus()
    else:
        sidebar.get_by_role("group", name=label).get_by_role("slider").first.focus()
    for _ in range(times):
        page.keyboard.press(key)
