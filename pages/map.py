"""Map page: where the filtered events happened, by group, with their uncertainty.

A click on an event opens its card; a click on a stack or on a city/province
marker lists its events in the side panel, each with a button to its card.
Above ``mapview.AGGREGATE_THRESHOLD`` filtered events the map draws H3
hexagons and the largest attacks instead. The view preset (``view=``) and the
open card (``event=``) live in the URL beside the shared filters.
"""

from __future__ import annotations

import streamlit as st
import streamlit.components.v1 as components
from streamlit.runtime.pages_manager import PagesManager

if "events_index" not in st.session_state:
    # A fresh server answers its first request for a page in the legacy
    # pages/ mode, without app.py; switch that mode off and run the entry point.
    PagesManager.uses_pages_directory = False
    st.rerun()

from footprint.data import hexbins, query
from footprint.views import basemap, cards, mapview
from footprint.views.markdown import escape_markdown

index = st.session_state["events_index"]  # the query layer's shared DuckDB copy
filter_state = st.session_state["filter_state"]
version = st.session_state["data_version"]

if "map_view_initial" not in st.session_state:
    # The URL's preset, read once; it reaches the widget as its default (values
    # written to widget keys in a session's first run are lost on a page switch).
    requested = st.query_params.get("view", mapview.DEFAULT_PRESET)
    st.session_state["map_view_initial"] = (
        requested if requested in mapview.VIEW_PRESETS else mapview.DEFAULT_PRESET
    )


@st.cache_data(show_spinner=False, max_entries=16)
def cached_records(data_version: tuple, filter_state, _events) -> list[dict]:
    """The map records of the filtered events, cached per data version and filters."""
    return mapview.event_records(_events)


def filter_sql() -> tuple[str, list]:
    """The shared filters as SQL on the query layer's ``events`` table."""
    return query.where_clause(filter_state, "e")


@st.cache_data(show_spinner="Binning the events…", max_entries=32)
def cached_aggregate(data_version: tuple, filter_state, preset: str):
    """Hexagons, places, largest attacks and group colours of a filter (SQL, cached)."""
    where, params = filter_sql()
    return mapview.aggregate_parts(index.cursor(), where, params, preset)


def filtered_events(limit: int):
    """The filtered events, at most ``limit``."""
    return query.events_frame(index, filter_state, limit=limit)


def open_event(event_id: str) -> None:
    """Open one listed event's card (a list button's callback)."""
    st.session_state["map_open_event"] = event_id


st.title("Map")
map_column, side_column = st.columns([2.5, 1.3])
with side_column:
    preset = st.segmented_control(
        "View",
        options=list(mapview.VIEW_PRESETS),
        format_func=lambda key: mapview.VIEW_PRESETS[key].label,
        default=st.session_state["map_view_initial"],
        key="map_view",
        required=True,
        persist_state="session",
        width="stretch",
    )
    with st.expander("Layers", expanded=False):
        switch_columns = st.columns(2)
        layer_choices = mapview.MapLayers(
            **{
                switch.field: switch_columns[switch.column].checkbox(
                    switch.label,
                    getattr(mapview.MapLayers, switch.field),
                    key=f"map_layer_{switch.key}",
                    persist_state="session",
                    help=switch.help,
                )
                for switch in mapview.LAYER_SWITCHES
            }
        )
if st.query_params.get("view") != preset:
    st.query_params["view"] = preset

matching = int(st.session_state["events_count"])
aggregate = matching > mapview.AGGREGATE_THRESHOLD
if aggregate:
    resolution, hexes, areas, largest, colours = cached_aggregate(version, filter_state, preset)
    events = largest
    records = mapview.event_records(largest, colours) if len(largest) else []
    area_marks = mapview.area_rows(areas, colours) if layer_choices.area_events else []
    deck = mapview.build_aggregate_deck(
        hexes,
        areas,
        largest,
        colours,
        preset,
        layer_choices,
        resolution=resolution,
        records=records,
        area_marks=area_marks,
    )
    marks = None
    layer_rows = {"largest": [], "areas": area_marks}
else:
    events = filtered_events(mapview.AGGREGATE_THRESHOLD)
    records = cached_records(version, filter_state, events)
    marks = mapview.map_marks(records, layer_choices)
    layer_rows = marks.layer_rows()
    deck = mapview.build_deck(events, preset, layer_choices, records=records)

with map_column:
    chart_state = st.pydeck_chart(
        deck,
        on_select="rerun",
        selection_mode="single-object",
        key="map_deck",
        height=mapview.MAP_HEIGHT,
        alt="Map of the filtered events",
    )
    components.html(mapview.TOOLTIP_CLOSER_HTML, height=0)
    if not basemap.available():
        st.warning(
            "The boundary files are missing, so the map has no base: run "
            "`python -m footprint data`."
        )
    counts = mapview.map_counts(events)
    if aggregate:
        st.caption(
            f"**{matching:,} events match the filters: too many to draw one by one, so the map "
            f"shows hexagons** (H3 resolution {resolution}) "
            f"coloured by events, the {len(largest):,} deadliest events as markers and the "
            "events known only to a city or province as one marker per place. Narrow the "
            f"filters (dates, group, district) below {mapview.AGGREGATE_THRESHOLD:,} events to "
            "see every event."
        )
    elif matching == 0:
        st.info("No events match the filters.", icon=":material/filter_alt_off:")
        st.button(
            "Reset filters",
            key="map_reset_filters",
            on_click=st.session_state["filter_reset_callback"],
        )
    if not aggregate:
        st.caption(
            f"{counts['events']:,} event{'s' if counts['events'] != 1 else ''}: "
            f"{counts['mapped']:,} on the map, of which {counts['area_only']:,} "
            f"{'is' if counts['area_only'] == 1 else 'are'} known only to "
            f"a city or province (one marker per place); {counts['unmapped']:,} "
            f"ha{'s' if counts['unmapped'] == 1 else 've'} no coordinates. "
            "Boundaries © OpenStreetMap contributors (ODbL); Karachi towns: UN OCHA."
        )

# What the click picked: a new pick replaces the listing or card; the same pick
# (the chart keeps it across reruns) leaves what a list button opened.
selection = mapview.map_selection(chart_state, layer_rows)
if selection != st.session_state.get("map_last_selection"):
    st.session_state["map_last_selection"] = selection
    st.session_state["map_listing"] = selection if selection and selection.kind != "event" else None
    st.session_state["map_open_event"] = (
        selection.key if selection and selection.kind == "event" else None
    )
    if selection is None and "event" in st.query_params:
        del st.query_params["event"]
event_id = st.session_state.get("map_open_event") or (
    None if st.session_state.get("map_listing") else st.query_params.get("event")
)
if event_id and st.query_params.get("event") != event_id:
    st.query_params["event"] = event_id
listing = st.session_state.get("map_listing")

with side_column:
    if listing:
        if aggregate and listing.kind == "area":
            listed = hexbins.area_events(
                index.cursor(), *filter_sql(), listing.key, mapview.LIST_LIMIT + 1
            )
        else:
            listed = mapview.events_at(events, listing)
        title = (
            mapview.area_label(listing.key, len(listed))
            if listing.kind == "area"
            else f"{len(listed):,} events at this point"
        )
        with st.container(border=True, key="map_listing_panel"):
            st.markdown(f"**{escape_markdown(title)}**")
            shown = listed.sort_values("event_date", na_position="last").head(mapview.LIST_LIMIT)
            with st.container(height=min(60 + 44 * len(shown), 330), border=False):
                for row in shown.itertuples(index=False):
                    st.button(
                        cards.list_label(row._asdict()),
                        key=f"map_list_{row.event_id}",
                        on_click=open_event,
                        args=(row.event_id,),
                        width="stretch",
                        type="primary" if row.event_id == event_id else "secondary",
                    )
            if len(listed) > len(shown):
                st.caption(
                    f"The first {len(shown):,} of {len(listed):,}, by date: narrow the filters "
                    "(dates, group) to list the others."
                )
    if event_id:
        match = events[events["event_id"] == event_id]
        if not len(match) and listing:
            match = listed[listed["event_id"] == event_id]
        if len(match):
            st.html(cards.event_card_html(match.iloc[0]))
        else:
            st.info(f"Event {event_id} is hidden by the filters.")
    elif not listing:
        st.info(
            "Click a marker on the map to open its card, or a numbered marker to list its events.",
            icon=":material/touch_app:",
        )
    if aggregate:
        st.html(mapview.aggregate_legend_html(hexes, areas, largest, colours, preset))
    else:
        st.html(mapview.legend_html(events, layer_choices, preset, records=records))
