"""Neighbourhoods page: events per district and town as a choropleth, a ranked table, a radius.

The choropleth counts the events that pass every shared filter except the
place ones, so it stays a chooser: picking an area (in the select box or by
clicking it) sets the shared district or town filter from a callback, which
writes the sidebar's widget (``filter_districts``/``filter_towns``, see
``app.py``); the chosen area is outlined and the other pages show only it.
Counts, rankings and the radius search are computed by the query layer
(DuckDB); the page receives the tables, bounded.
"""

from __future__ import annotations

import dataclasses
import html

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

if "events_index" not in st.session_state:
    # A fresh server answers its first request for a page in the legacy
    # pages/ mode, without app.py; switch that mode off and run the entry point.
    PagesManager.uses_pages_directory = False
    st.rerun()

from footprint import paths
from footprint.data import query
from footprint.views import areas
from footprint.views.wording import plural

#: The most rows a table of the page shows.
TABLE_LIMIT = 200

index = st.session_state["events_index"]
state = st.session_state["filter_state"]

LEVEL_LABELS = {"district": "Districts (2023)", "town": "Karachi towns (2001)"}
ALL = "All"


def choose_area(name: str | None) -> None:
    """Make ``name`` the shared filter of the page's level (None clears it)."""
    level = st.session_state.get("places_level") or "district"
    field = areas.FILTER_FIELDS[level]
    if name is None:
        st.session_state[f"filter_{field}"] = []
    elif name in st.session_state["filter_options"][field]:
        st.session_state[f"filter_{field}"] = [name]


def on_pick() -> None:
    """The select box changed."""
    picked = st.session_state.get("places_area")
    choose_area(None if picked in (None, ALL) else picked)


def on_click() -> None:
    """An area was clicked on the choropleth."""
    name = areas.area_from_selection(st.session_state.get("places_map"))
    if name:
        choose_area(name)


@st.cache_data(show_spinner=False)
def places(stamp: tuple):
    """The gazetteer's places with coordinates (cached until the file changes)."""
    return areas.load_places()


st.title("Neighbourhoods")
top = st.columns([2, 3], vertical_alignment="bottom")
level = top[0].segmented_control(
    "Areas",
    options=list(areas.LEVELS),
    format_func=LEVEL_LABELS.get,
    default="district",
    required=True,
    key="places_level",
)
measure = top[1].segmented_control(
    "Colour by",
    options=list(areas.MEASURES),
    format_func=lambda key: areas.MEASURES[key].split(" (")[0],
    default="events",
    required=True,
    key="places_measure",
)
field = areas.FILTER_FIELDS[level]
chosen = tuple(getattr(state, field))
context = dataclasses.replace(state, districts=(), towns=(), neighbourhoods=())
provinces = tuple(st.session_state["filter_options"]["provinces"]) or None
choro = areas.choropleth(
    None,
    level,
    measure,
    provinces=provinces,
    selected=chosen,
    counts=query.area_counts(index, context, level),
)

names = sorted(choro.counts["name"], key=str.lower)
st.session_state["places_area"] = chosen[0] if len(chosen) == 1 and chosen[0] in names else ALL
st.selectbox(
    "District" if level == "district" else "Town",
    [ALL, *names],
    key="places_area",
    on_change=on_pick,
    help="Or click an area on the map. The choice filters every page.",
)

map_column, table_column = st.columns([3, 2])
with map_column:
    st.pydeck_chart(
        areas.choropleth_deck(choro),
        on_select=on_click,
        selection_mode="single-object",
        key="places_map",
        height=520,
    )
    swatches = "".join(
        f'<span style="display:inline-block;width:1.4em;height:0.9em;background:{colour};'
        f'border:1px solid #555;margin:0 0.3em 0 0.8em;vertical-align:middle"></span>'
        f"{html.escape(label)}"
        for label, colour in choro.legend
    )
    st.html(
        f"<div style='font-size:0.9rem'><strong>{html.escape(areas.MEASURES[measure])}</strong>"
        f"{swatches or ' none'}</div>"
    )
    note = (
        f"{len(choro.unmatched)} name(s) match no polygon: "
        + ", ".join(choro.unmatched["name"])
        + ". "
        if len(choro.unmatched)
        else ""
    )
    st.caption(
        f"Counts of events passing every filter but the place ones. {note}"
        "Boundaries © OpenStreetMap contributors (ODbL); Karachi towns: UN OCHA."
    )
with table_column:
    st.markdown(f"**{LEVEL_LABELS[level]} by {areas.MEASURES[measure].lower()}**")
    st.dataframe(
        choro.counts.drop(columns=["matched"]).sort_values(
            [measure, "events"], ascending=False, kind="stable"
        ),
        hide_index=True,
        key="places_area_table",
        column_config={
            "name": "Area",
            "events": "Events",
            "killed": "Killed (min)",
            "killed_max": "Killed (max)",
            "injured": "Injured (min)",
            "injured_max": "Injured (max)",
            "casualties": "Killed + injured",
            "toll_unknown": st.column_config.NumberColumn(
                "Toll unknown",
                help="Events whose death toll was not reported (left out of the sums)",
            ),
            "first_event": st.column_config.DateColumn("First"),
            "last_event": st.column_config.DateColumn("Last"),
        },
    )

st.subheader("Neighbourhoods, ranked")
matching = st.session_state["events_count"]
if matching == 0:
    st.info(
        "No events match the filters. Widen them in the sidebar or reset them.",
        icon=":material/filter_alt:",
    )
    st.button(
        "Reset filters", key="places_reset", on_click=st.session_state["filter_reset_callback"]
    )
    st.stop()
ranked, ranked_total = query.ranked_neighbourhoods(index, state, limit=TABLE_LIMIT)
st.dataframe(
    ranked,
    hide_index=True,
    key="places_ranked",
    column_config={
        "rank": "#",
        "neighbourhood": "Neighbourhood",
        "town": "Town",
        "district": "District",
        "events": "Events",
        "killed": "Killed (min)",
        "injured": "Injured (min)",
        "toll_unknown": st.column_config.NumberColumn(
            "Toll unknown", help="Events whose death toll was not reported (left out of the sums)"
        ),
        "groups": "Main groups",
        "first_event": st.column_config.DateColumn("First"),
        "last_event": st.column_config.DateColumn("Last"),
    },
)
placed = int(ranked_total and ranked["events"].sum()) if ranked_total <= TABLE_LIMIT else None
st.caption(
    f"{plural(ranked_total, 'neighbourhood')} from the {plural(matching, 'filtered event')}"
    + (f"; the first {TABLE_LIMIT:,} are listed" if ranked_total > TABLE_LIMIT else "")
    + (
        f"; {plural(matching - placed, 'event')} name no neighbourhood."
        if placed is not None
        else "."
    )
)

st.subheader("Within a radius")
gazetteer = paths.GAZETTEER_CSV
catalogue = places((str(gazetteer), gazetteer.stat().st_mtime_ns if gazetteer.exists() else 0))
radius_columns = st.columns([3, 1], vertical_alignment="bottom")
place_label = radius_columns[0].selectbox(
    "Around",
    list(catalogue["label"]),
    index=None,
    placeholder="Choose a place from the gazetteer",
    key="places_radius_place",
)
km = radius_columns[1].number_input(
    "Kilometres",
    min_value=0.5,
    max_value=100.0,
    value=areas.DEFAULT_RADIUS_KM,
    step=0.5,
    key="places_radius_km",
)
if place_label is not None:
    place = catalogue.loc[catalogue["label"] == place_label].iloc[0]
    if place["kind"] in areas.AREA_KINDS:
        # A town or district is an area, not a point: its events are those placed in it.
        inside, total = query.area_events(
            index, state, place["kind"], place["name"], limit=TABLE_LIMIT
        )
        st.metric(f"Events in {place['name']} ({place['kind']})", f"{total:,}")
        st.dataframe(areas.event_rows(inside), hide_index=True, key="places_radius_table")
        st.caption(
            f"{place['name']} is a {place['kind']}: these are the events placed in it (its "
            "whole area), newest first, whatever the radius"
            + (f"; the latest {TABLE_LIMIT:,} are listed." if total > TABLE_LIMIT else ".")
        )
    else:
        near, total = query.within_radius(
            index, state, place["latitude"], place["longitude"], km, limit=TABLE_LIMIT
        )
        st.metric(f"Events within {km:g} km of {place['name']}", f"{total:,}")
        st.dataframe(
            areas.event_rows(near, distance=True),
            hide_index=True,
            key="places_radius_table",
            column_config={"km": st.column_config.NumberColumn("km", format="%.1f")},
        )
        st.caption(
            f"Centre: the gazetteer point of {place['name']} ({place['latitude']:.4f}, "
            f"{place['longitude']:.4f}), nearest first"
            + (f"; the nearest {TABLE_LIMIT:,} are listed" if total > TABLE_LIMIT else "")
            + ". Events without coordinates are left out: their distance is unknown."
        )
