"""Map page: where the filtered events happened, by group, with their uncertainty.

Clicking an event opens its card. The view preset (``view=``) and the open
card (``event=``) live in the URL beside the shared filters.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

if "events_index" not in st.session_state:
    # A fresh server answers its first request for a page in the legacy
    # pages/ mode, without app.py; switch that mode off and run the entry point.
    PagesManager.uses_pages_directory = False
    st.rerun()

from footprint.data import query
from footprint.views import basemap, cards, mapview

#: The most events drawn as single markers (the largest attacks first).
MAP_EVENT_LIMIT = 5000

events = query.events_frame(
    st.session_state["events_index"],
    st.session_state["filter_state"],
    limit=MAP_EVENT_LIMIT,
    order_by="killed_size",
    descending=True,
)

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
        left, right = st.columns(2)
        layer_choices = mapview.MapLayers(
            attacks=left.checkbox(
                "Attacks", True, key="map_layer_attacks", persist_state="session"
            ),
            arrests=left.checkbox(
                "Arrests", True, key="map_layer_arrests", persist_state="session"
            ),
            presence=left.checkbox(
                "Militant presence", True, key="map_layer_presence", persist_state="session"
            ),
            density=left.checkbox(
                "Density", False, key="map_layer_density", persist_state="session"
            ),
            districts=right.checkbox(
                "Districts", True, key="map_layer_districts", persist_state="session"
            ),
            towns=right.checkbox(
                "Karachi towns", True, key="map_layer_towns", persist_state="session"
            ),
            street_basemap=right.checkbox(
                "Street map",
                False,
                key="map_layer_streets",
                persist_state="session",
                help="An online street basemap under the boundaries (needs internet).",
            ),
        )
if st.query_params.get("view") != preset:
    st.query_params["view"] = preset

records = cached_records(st.session_state["data_version"], st.session_state["filter_state"], events)
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
    if not basemap.available():
        st.warning(
            "The boundary files are missing, so the map has no base: run "
            "`python -m footprint data`."
        )
    counts = mapview.map_counts(events)
    st.caption(
        f"{counts['events']:,} event{'s' if counts['events'] != 1 else ''}: "
        f"{counts['mapped']:,} on the map, of which "
        f"{counts['approximate']:,} are placed only roughly (drawn as discs covering where they "
        f"may be); {counts['unmapped']:,} have no coordinates. "
        "Boundaries © OpenStreetMap contributors (ODbL); Karachi towns: UN OCHA."
    )

selected = mapview.selected_event_id(chart_state)
if selected:
    if st.query_params.get("event") != selected:
        st.query_params["event"] = selected
elif st.session_state.get("map_had_selection") and "event" in st.query_params:
    del st.query_params["event"]
st.session_state["map_had_selection"] = bool(selected)
event_id = selected or st.query_params.get("event")

with side_column:
    if event_id:
        match = events[events["event_id"] == event_id]
        if len(match):
            st.html(cards.event_card_html(match.iloc[0]))
        else:
            st.info(f"Event {event_id} is hidden by the filters.")
    else:
        st.info("Click an event on the map to open its card.", icon=":material/touch_app:")
    st.html(mapview.legend_html(events, layer_choices))
