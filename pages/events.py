"""Events page: the filtered events a page of rows at a time, sorted and searched; a row opens its card.

The rows come from the query layer (DuckDB): the page asks for one page of
the sorted, searched events and the total, never the whole table. The
downloads hold exactly what the filters and the search select (every page),
as CSV, GeoJSON and GeoPackage, generated when clicked by streaming chunks
through ``footprint.data.exports.write_chunks``.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

if "events_index" not in st.session_state:
    # A fresh server answers its first request for a page in the legacy
    # pages/ mode, without app.py; switch that mode off and run the entry point.
    PagesManager.uses_pages_directory = False
    st.rerun()

from footprint.data import exports, query
from footprint.views import cards
from footprint.views.wording import plural

#: Columns the table can be sorted by -> their label.
SORT_COLUMNS = {
    "event_date": "Date",
    "killed_size": "Killed",
    "injured_min": "Injured",
    "district": "District",
    "main_group": "Main group",
    "event_id": "Id",
}
PAGE_SIZE = 100

index = st.session_state["events_index"]
state = st.session_state["filter_state"]
matching = st.session_state["events_count"]

st.title("Events")
controls = st.columns([4, 2, 2], vertical_alignment="bottom")
search = controls[0].text_input(
    "Search",
    key="events_search",
    placeholder="Words in the summary, place, group, target, source or id",
    icon=":material/search:",
)
order_by = controls[1].selectbox(
    "Sort by", list(SORT_COLUMNS), format_func=SORT_COLUMNS.get, key="events_sort"
)
descending = (
    controls[2].segmented_control(
        "Order",
        options=["desc", "asc"],
        format_func={"desc": "Descending", "asc": "Ascending"}.get,
        default="desc",
        required=True,
        key="events_order",
    )
    == "desc"
)
search = (search or "").strip()
shown = query.count(index, state, search=search) if search else matching
pages = max(1, -(-shown // PAGE_SIZE))
page_number = st.number_input(
    f"Page (of {pages:,})", min_value=1, max_value=pages, value=1, step=1, key="events_page"
)
page_number = min(int(page_number), pages)
rows = query.events_frame(
    index,
    state,
    limit=PAGE_SIZE,
    offset=(page_number - 1) * PAGE_SIZE,
    order_by=order_by,
    descending=descending,
    search=search or None,
)
first_row = (page_number - 1) * PAGE_SIZE + 1 if len(rows) else 0
st.caption(
    f"Rows {first_row:,}–{first_row + len(rows) - 1 if len(rows) else 0:,} of "
    f"{plural(shown, 'event')}"
    + (f" matching “{search}”" if search else "")
    + f" (of {plural(matching, 'filtered event')}). Click a row to open its card."
)

if shown == 0:
    st.info(
        "No events match the filters" + (" and the search" if search else "") + ".",
        icon=":material/filter_alt:",
    )
    st.button(
        "Reset filters", key="events_reset", on_click=st.session_state["filter_reset_callback"]
    )
else:
    table = cards.browse_table(rows)
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
    event = cards.selected_row(rows, selection.selection.rows if selection else [])
    if event is not None:
        st.html(cards.event_card_html(event))
    else:
        st.info("Select a row to open the event's card.", icon=":material/touch_app:")

    st.subheader("Download")
    st.caption(
        f"Every one of the {plural(shown, 'event')} selected above, on all pages. GeoJSON and "
        "GeoPackage are points in EPSG:4326 (the GeoPackage layer is `events`); events "
        "without coordinates are kept with an empty geometry."
    )

    buttons = st.columns(3)
    for column, (fmt, label) in zip(
        buttons, (("csv", "CSV"), ("geojson", "GeoJSON"), ("gpkg", "GeoPackage")), strict=True
    ):
        column.download_button(
            f"{label} ({plural(shown, 'event')})",
            # Generated when clicked, streaming chunks from the shared index.
            data=lambda fmt=fmt: query.export_bytes(
                index, state, fmt, search=search or None, order_by=order_by, descending=descending
            ),
            file_name=exports.file_name("footprint-events", fmt),
            mime=exports.mime_type(fmt),
            key=f"events_download_{fmt}",
            on_click="ignore",
            icon=":material/download:",
            width="stretch",
        )
