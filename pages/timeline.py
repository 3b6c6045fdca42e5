"""Timeline page: events and casualties over time, by group, with a brush that sets the dates.

Dragging across the chart sets the shared date range of every page: the
chart's selection callback writes the sidebar's date widgets
(``filter_date_from``/``filter_date_to``, see ``app.py``) before the next run,
and ``app.py`` then puts the range in the URL (``from``/``to``).
"""

from __future__ import annotations

import datetime as dt

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

if "events_filtered" not in st.session_state:
    # A fresh server answers its first request for a page in the legacy
    # pages/ mode, without app.py; switch that mode off and run the entry point.
    PagesManager.uses_pages_directory = False
    st.rerun()

from footprint.views import charts, profiles

EARLIEST_DATE = dt.date(1980, 1, 1)  # the sidebar date widgets' minimum (app.py)
FREQUENCY_LABELS = {"month": "Month", "quarter": "Quarter", "year": "Year"}

events = st.session_state["events_filtered"]


def apply_brush() -> None:
    """Set the shared date range from the brushed interval (runs before the rerun)."""
    date_range = charts.selection_date_range(
        st.session_state.get("timeline_chart"),
        snap=st.session_state.get("timeline_freq") or "month",
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
    st.columns([5, 3], vertical_alignment="bottom")
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
freq = controls[1].segmented_control(
    "Per",
    options=list(charts.FREQUENCIES),
    format_func=FREQUENCY_LABELS.get,
    default=charts.suggested_frequency(st.session_state["events_all"]),
    required=True,
    key="timeline_freq",
)
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

dated = events["event_date"].notna()
killed = profiles.casualty_range(events, "killed")
injured = profiles.casualty_range(events, "injured")
metrics = st.columns(4)
metrics[0].metric("Events", f"{len(events):,}")
metrics[1].metric(
    "Killed",
    str(killed),
    help="Sum of reported minimums to maximums; + when some tolls have no maximum.",
)
metrics[2].metric("Injured", str(injured))
metrics[3].metric(
    "First – last",
    f"{events.loc[dated, 'event_date'].min():%Y} – {events.loc[dated, 'event_date'].max():%Y}"
    if dated.any()
    else "—",
)

if events.empty:
    st.info("No events pass the filters.", icon=":material/filter_alt:")
else:
    st.altair_chart(
        charts.timeline_chart(events, measure=measure, freq=freq, annotate=int(annotate)),
        on_select=apply_brush,
        selection_mode=[charts.BRUSH],
        key="timeline_chart",
        width="stretch",
    )
    undated = int((~dated).sum())
    st.caption(
        f"Stacked by each event's main group (the strongest link). Drag across the chart to "
        f"set the date range of every page (snapped to whole {freq}s). "
        + (f"{undated:,} event(s) without a date are not drawn." if undated else "")
    )
    panel_freq = "year" if freq == "month" else freq
    st.subheader("Per group")
    st.altair_chart(
        charts.small_multiples_chart(events, measure=measure, freq=panel_freq),
        key="timeline_groups",
    )
    st.caption(
        f"One panel per group, per {panel_freq}, sharing axes; an event linked to several "
        "groups is counted in each of their panels."
    )
