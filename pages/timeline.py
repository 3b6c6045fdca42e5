"""Timeline page: events and casualties over time, by group, with a brush that sets the dates.

Dragging across the chart sets the shared date range of every page: the
chart's selection callback writes the sidebar's date widgets
(``filter_date_from``/``filter_date_to``, see ``app.py``) before the next run,
and ``app.py`` then puts the range in the URL (``from``/``to``). The bins,
totals and largest attacks are counted by the query layer (DuckDB); the page
receives the bins, never the events. By default the bin follows the filtered
date range (days for a few weeks, up to years for decades).
"""

from __future__ import annotations

import datetime as dt

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

if "events_index" not in st.session_state:
    # A fresh server answers its first request for a page in the legacy
    # pages/ mode, without app.py; switch that mode off and run the entry point.
    PagesManager.uses_pages_directory = False
    st.rerun()

from footprint.data import query
from footprint.views import charts, profiles
from footprint.views.wording import plural

EARLIEST_DATE = dt.date(1980, 1, 1)  # the sidebar date widgets' minimum (app.py)
FREQUENCY_LABELS = {
    "auto": "Auto",
    "day": "Day",
    "week": "Week",
    "month": "Month",
    "quarter": "Quarter",
    "year": "Year",
}
#: The per-group panels use a coarser bin than the main chart.
PANEL_FREQUENCY = {
    "day": "week",
    "week": "month",
    "month": "year",
    "quarter": "year",
    "year": "year",
}

index = st.session_state["events_index"]
state = st.session_state["filter_state"]
# One scan gives the count, the casualty sums and the date span the bin follows.
totals = query.totals(index, state)
first, last = totals["first"], totals["last"]
auto_freq = query.suggested_frequency(first, last)


def chosen_frequency() -> str:
    """The bin of the chart: the widget's, or the one the date range suggests."""
    picked = st.session_state.get("timeline_freq") or "auto"
    return auto_freq if picked == "auto" else picked


def apply_brush() -> None:
    """Set the shared date range from the brushed interval (runs before the rerun)."""
    date_range = charts.selection_date_range(
        st.session_state.get("timeline_chart"),
        snap=chosen_frequency() if chosen_frequency() in ("month", "quarter", "year") else "month",
        clip=(EARLIEST_DATE, dt.date.today()),
    )
    if date_range:
        st.session_state["filter_date_from"], st.session_state["filter_date_to"] = date_range


def clear_dates() -> None:
    """Remove the shared date range."""
    st.session_state["filter_date_from"] = None
    st.session_state["filter_date_to"] = None


st.title("Timeline")
# Two rows: the measure's four labels need the width of half the page.
controls = (
    st.columns([5, 4], vertical_alignment="bottom")
    + st.columns([3, 2, 3], vertical_alignment="bottom")[:2]
)
measure = controls[0].segmented_control(
    "Show",
    options=list(charts.MEASURES),
    format_func=lambda key: charts.MEASURES[key].split(" (")[0],
    default="events",
    required=True,
    key="timeline_measure",
)
controls[1].segmented_control(
    "Per",
    options=list(FREQUENCY_LABELS),
    format_func=FREQUENCY_LABELS.get,
    default="auto",
    required=True,
    key="timeline_freq",
    help="Auto follows the date range: days or weeks for a short one, years for decades.",
)
freq = chosen_frequency()
annotate = controls[2].number_input(
    "Label the largest attacks", min_value=0, max_value=15, value=5, key="timeline_annotate"
)
controls[3].button(
    "Clear dates",
    on_click=clear_dates,
    key="timeline_clear_dates",
    icon=":material/event_busy:",
    disabled=not (
        st.session_state.get("filter_date_from") or st.session_state.get("filter_date_to")
    ),
)

killed = profiles.CasualtyRange(
    low=totals["killed_low"],
    high=totals["killed_high"],
    open_ended=totals["killed_open"],
    unknown=totals["killed_unknown"],
)
injured = profiles.CasualtyRange(
    low=totals["injured_low"],
    high=totals["injured_high"],
    open_ended=totals["injured_open"],
    unknown=totals["injured_unknown"],
)
metrics = st.columns(4)
metrics[0].metric("Events", f"{totals['events']:,}")
metrics[1].metric(
    "Killed",
    str(killed),
    help="Sum of reported minimums to maximums; + when some tolls have no maximum.",
)
metrics[2].metric("Injured", str(injured))
metrics[3].metric(
    "First – last",
    f"{totals['first']:%Y} – {totals['last']:%Y}" if totals["first"] else "—",
)

if totals["events"] == 0:
    st.info(
        "No events match the filters. Widen them in the sidebar or reset them.",
        icon=":material/filter_alt:",
    )
    st.button(
        "Reset filters", key="timeline_reset", on_click=st.session_state["filter_reset_callback"]
    )
else:
    bins = query.period_counts(index, state, freq=freq, by="primary")
    largest = query.largest_attacks(index, state, n=int(annotate))
    st.altair_chart(
        charts.timeline_chart(
            largest, measure=measure, freq=freq, annotate=int(annotate), table=bins
        ),
        on_select=apply_brush,
        selection_mode=[charts.BRUSH],
        key="timeline_chart",
        width="stretch",
    )
    undated = int(totals["undated"])
    st.caption(
        f"Stacked by each event's main group (the strongest link), one bar per {freq}. "
        "Drag across the chart to set the date range of every page. "
        + (f"{plural(undated, 'event')} without a date are not drawn." if undated else "")
    )
    panel_freq = PANEL_FREQUENCY[freq]
    st.subheader("Per group")
    st.altair_chart(
        charts.small_multiples_chart(
            None,
            measure=measure,
            freq=panel_freq,
            linked=query.group_period_counts(index, state, freq=panel_freq),
        ),
        key="timeline_groups",
    )
    st.caption(
        f"One panel per group, per {panel_freq}, sharing axes; an event linked to several "
        "groups is counted in each of their panels."
    )
