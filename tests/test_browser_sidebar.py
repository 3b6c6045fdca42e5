"""Typing a date into the sidebar, as an analyst does, filters every page (headless Chromium).

Streamlit's date field (year, month and day segments) applies a typed date
when focus leaves the field, not on Enter: Enter alone changes nothing (the
test checks that too, so a Streamlit release that changes it is noticed and
the sidebar's help text can follow). The test types a From date and leaves
with Tab, then a To date and leaves by clicking elsewhere, and checks after
each the sidebar's count against the same filter applied with pandas to the
events the server loaded, and the link the page writes (``from=``/``to=``).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from browser_steps import event_counts, wait_until_idle
from test_browser_map import seed_events  # noqa: F401 - a fixture, used by name

from footprint.data import filters

pytestmark = pytest.mark.browser


def expected_count(events, **dates) -> int:
    return len(filters.apply_filters(events, filters.FilterState(**dates)))


def type_date(page, label: str, day: dt.date) -> None:
    """Type ``day`` into the sidebar's ``label`` date, segment by segment, as a keyboard user."""
    field = page.locator('[data-testid="stSidebar"]').get_by_label(label, exact=True)
    field.locator("[role=spinbutton]").first.click()
    page.keyboard.type(day.strftime("%Y%m%d"), delay=40)
    assert field.inner_text().replace("\n", "") == day.isoformat()


def tab_out_of_the_date_field(page) -> None:
    """Press Tab until the focus is no longer inside a date field."""
    for _ in range(6):
        page.keyboard.press("Tab")
        inside = page.evaluate(
            "() => !!document.activeElement.closest('[data-testid=\"stDateInput\"]')"
        )
        if not inside:
            return
    raise AssertionError("Tab never left the date field")


def wait_for_count(page, expected: int) -> int:
    """Wait until the sidebar shows ``expected`` events (the rerun may take a moment)."""
    page.wait_for_function(
        "(n) => document.querySelector('[data-testid=\"stSidebar\"]')"
        ".innerText.replace(/,/g, '').includes(n + ' of ')",
        arg=str(expected),
        timeout=60_000,
    )
    wait_until_idle(page)
    return event_counts(page)[0]


@pytest.mark.xfail(
    strict=True,
    reason="known bug (issue 8 follow-up): the server receives the typed date (session state "
    "holds it on the rerun) but the sidebar's count and the link stay unfiltered and the field "
    "empties; a plain st.date_input outside this app applies the same keystrokes",
)
def test_typed_dates_apply_when_the_field_is_left(streamlit_server, page, seed_events):  # noqa: F811
    page.goto(f"{streamlit_server}/")
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
    tab_out_of_the_date_field(page)
    assert wait_for_count(page, after_start) == after_start
    assert re.search(r"from=2010-01-01", page.url), page.url

    type_date(page, "To", end)
    page.locator('[data-testid="stSidebar"]').get_by_text("events").first.click()
    assert wait_for_count(page, between) == between
    assert "to=2013-12-31" in page.url, page.url
    assert page.locator('[data-testid="stException"]').count() == 0
