"""Groups page: a profile per group and the affiliation network with its sources.

Names, spellings, kind and description come from ``data/groups.csv``; counts,
casualty ranges, dates and places from the query layer (the links table, in
DuckDB, under the shared filters); the network from
``data/group_links.csv``, one line per row with its source reference. The
"Filter every page" button writes the sidebar's group widget
(``filter_groups``, see ``app.py``) from its callback.
"""

from __future__ import annotations

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
from footprint.views import charts, profiles
from footprint.views.markdown import escape_markdown
from footprint.views.wording import plural

#: The most events listed under a group's profile (its latest).
PROFILE_EVENTS = 200

index = st.session_state["events_index"]
state = st.session_state["filter_state"]
options = st.session_state["filter_options"]


@st.cache_data(show_spinner=False)
def group_files(stamp: tuple):
    """``groups.csv`` and ``group_links.csv``, cached until either file changes."""
    return profiles.load_groups(), profiles.load_links()


def _stamp(path) -> tuple:
    return (str(path), path.stat().st_mtime_ns if path.exists() else 0)


@st.cache_data(show_spinner=False, max_entries=4)
def group_network(stamp: tuple) -> profiles.Network:
    """The affiliation network laid out (no counts), cached until either file changes."""
    group_table, link_table = group_files(stamp)
    return profiles.affiliation_network(link_table, group_table)


file_stamp = (_stamp(paths.GROUPS_CSV), _stamp(paths.GROUP_LINKS_CSV))
groups, links = group_files(file_stamp)


def filter_to_group() -> None:
    """Make the chosen group the shared group filter."""
    st.session_state["filter_groups"] = [st.session_state["groups_choice"]]


st.title("Groups")
counts = query.group_counts(index, state)
table = profiles.group_table_from_counts(counts, groups)
if table.empty:
    st.info(
        "No events match the filters. Widen them in the sidebar or reset them.",
        icon=":material/filter_alt:",
    )
    st.button(
        "Reset filters", key="groups_reset", on_click=st.session_state["filter_reset_callback"]
    )
else:
    st.dataframe(
        table.drop(columns=["killed_min", "killed_max"]).assign(
            kind=table["kind"].str.replace("_", " ")
        ),
        hide_index=True,
        key="groups_table",
        column_config={
            "group": "Group",
            "kind": "Kind",
            "events": st.column_config.NumberColumn("Events"),
            "claimed": "Claimed",
            "attributed": "Attributed",
            "suspected": "Suspected",
            "killed": st.column_config.TextColumn("Killed", help="Sum of minimums–maximums"),
            "injured": "Injured",
            "first_event": st.column_config.DateColumn("First event"),
            "last_event": st.column_config.DateColumn("Last event"),
            "districts": "Main districts",
        },
    )

    named = [g for g in table["group"] if g != profiles.UNATTRIBUTED]
    unnamed = [g for g in table["group"] if g == profiles.UNATTRIBUTED]
    choice = st.selectbox("Profile of", named + unnamed, key="groups_choice")
    row = counts.loc[counts["group"] == choice].iloc[0].to_dict()
    profile = profiles.profile_from_counts(
        choice,
        row,
        groups,
        query.places_counts(index, state, ("district", "town", "neighbourhood"), group=choice),
        query.group_events(index, state, choice, limit=PROFILE_EVENTS),
    )
    esc = html.escape
    spellings = ", ".join(esc(a) for a in profile.aliases) or "none listed"
    st.html(
        f'<div style="border-left:10px solid {profile.colour};padding:0.2rem 0.8rem">'
        f'<h3 style="margin:0">{esc(profile.name)}</h3>'
        f"<div><strong>Kind:</strong> {esc(profile.kind.replace('_', ' '))}</div>"
        f"<div><strong>Also written:</strong> {spellings}</div>"
        + (f"<p>{esc(profile.description)}</p>" if profile.description else "")
        + "</div>"
    )
    metrics = st.columns(4)
    metrics[0].metric("Events", f"{profile.events:,}")
    metrics[1].metric("Killed", str(profile.killed))
    metrics[2].metric("Injured", str(profile.injured))
    metrics[3].metric(
        "Active",
        f"{profile.first_event:%Y}–{profile.last_event:%Y}" if profile.first_event else "—",
    )
    dates = (
        f"First event {profile.first_event:%d %b %Y}, last {profile.last_event:%d %b %Y}. "
        if profile.first_event
        else ""
    )
    linked = (
        "Linked as: " + ", ".join(f"{link} {count}" for link, count in profile.links.items()) + ". "
        if profile.links
        else ""
    )
    st.caption(
        dates + linked + "Ranges sum reported minimums and maximums; + marks tolls without a "
        "maximum."
    )
    st.button(
        f"Filter every page to {escape_markdown(choice)}",
        on_click=filter_to_group,
        key="groups_filter_button",
        disabled=choice not in options["groups"],
        icon=":material/filter_alt:",
    )
    places = st.columns(3)
    for column, (title, frame) in zip(
        places,
        (
            ("Districts", profile.districts),
            ("Towns", profile.towns),
            ("Neighbourhoods", profile.neighbourhoods),
        ),
        strict=True,
    ):
        column.markdown(f"**{title}**")
        column.dataframe(
            frame,
            hide_index=True,
            key=f"groups_places_{title.lower()}",
            column_config={frame.columns[0]: title[:-1], "events": "Events"},
        )
    listed = len(profile.event_frame)
    with st.expander(
        f"The {plural(profile.events, 'event')}"
        + (f" (the latest {listed:,} listed)" if listed < profile.events else "")
    ):
        st.dataframe(
            profile.event_frame[
                [
                    "event_date",
                    "event_id",
                    "attack_type",
                    "location_text",
                    "district",
                    "killed_min",
                    "killed_max",
                    "perpetrators",
                ]
            ],
            hide_index=True,
            key="groups_events",
        )

st.subheader("Affiliation network")
if links.empty:
    st.info("data/group_links.csv holds no links yet.")
else:
    # Circle sizes: events linked to each group under the filters, from the table's
    # counts (a group's link rows are its events: one link per event and group).
    network = profiles.network_with_counts(
        group_network(file_stamp),
        {
            name: int(n)
            for name, n in zip(counts["group"], counts["events"], strict=True)
            if name != profiles.UNATTRIBUTED
        },
    )
    st.altair_chart(
        charts.network_chart(
            network.nodes, network.edges, highlight=st.session_state.get("groups_choice")
        ),
        key="groups_network",
    )
    st.caption(
        "One line per link in the sources (line style: relation); circle size: events under "
        "the filters. Hover a line for its source."
    )
    st.dataframe(
        network.edges[["source_group", "relation", "target_group", "source_ref", "evidence"]],
        hide_index=True,
        key="groups_links_table",
        column_config={
            "source_group": "Group",
            "relation": "Relation",
            "target_group": "To",
            "source_ref": "Source (document:lines)",
            "evidence": st.column_config.TextColumn("Evidence", width="large"),
        },
    )
