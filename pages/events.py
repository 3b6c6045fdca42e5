"""Events page: the filtered events as a sortable, searchable table; a row opens its card.

The downloads hold exactly the rows the table shows (the shared filters and
the search), as CSV, GeoJSON and GeoPackage from ``footprint.data.exports``.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

if "events_filtered" not in st.session_state:
    # A fresh server answers its first request for a page in the legacy
    # pages/ mode, without app.py; switch that mode off and run the entry point.
    PagesManager.uses_pages_directory = False
    st.rerun()

from footprint.data import exports
from footprint.views import cards

events = st.session_state["events_filtered"]


@st.cache_data(show_spinner=False, max_entries=32)
def export_bytes(version: tuple, state, query: str, fmt: str, _frame) -> bytes:
    """The export of the shown rows, cached per data version, filters and search."""
    return exports.to_bytes(_frame, fmt)


st.title("Events")
query = st.text_input(
    "Search",
    key="events_search",
    placeholder="Words in the summary, place, group, target, source or id",
    icon=":material/search:",
)
shown = exports.search(events, query)
table = cards.browse_table(shown)
st.caption(
    f"{len(shown):,} of {len(events):,} filtered events"
    + (f" match “{query.strip()}”" if query and query.strip() else "")
    + ". Click a column header to sort, a row to open its card."
)

selection = st.dataframe(
    table,
    on_select="rerun",
    selection_mode="single-row",
    key="events_table",
    hide_index=True,
    height=min(560, 35 * (len(table) + 1) + 3),
    column_config={
        "date": st.column_config.DateColumn("Date", format="YYYY-MM-DD"),
        "when": st.column_config.TextColumn("Date as reported", width="medium"),
        "event": st.column_config.TextColumn("Event", width="medium"),
        "place": st.column_config.TextColumn("Place", width="medium"),
        "groups": st.column_config.TextColumn("Groups", width="medium"),
        "killed_min": st.column_config.NumberColumn("Killed (min)"),
        "killed_max": st.column_config.NumberColumn("Killed (max)"),
        "injured_min": st.column_config.NumberColumn("Injured (min)"),
        "injured_max": st.column_config.NumberColumn("Injured (max)"),
        "summary": st.column_config.TextColumn("Summary", width="large"),
        "event_id": "Id",
    },
)
rows = selection.selection.rows if selection else []
if rows and rows[0] < len(shown):
    st.html(cards.event_card_html(shown.iloc[rows[0]]))
else:
    st.info("Select a row to open the event's card.", icon=":material/touch_app:")

st.subheader("Download")
st.caption(
    f"Exactly the {len(shown):,} events shown above. GeoJSON and GeoPackage are points in "
    "EPSG:4326 (the GeoPackage layer is `events`); events without coordinates are kept with "
    "an empty geometry."
)
version = st.session_state["data_version"]
filter_state = st.session_state["filter_state"]
buttons = st.columns(3)
for column, (fmt, label) in zip(
    buttons, (("csv", "CSV"), ("geojson", "GeoJSON"), ("gpkg", "GeoPackage")), strict=True
):
    column.download_button(
        f"{label} ({len(shown):,} events)",
        data=export_bytes(version, filter_state, query or "", fmt, shown),
        file_name=exports.file_name("footprint-events", fmt),
        mime=exports.mime_type(fmt),
        key=f"events_download_{fmt}",
        on_click="ignore",
        icon=":material/download:",
        width="stretch",
    )
