"""Footprint: the dashboard's entry point.

Runs before every page: opens the store (creating it and loading the seed
events on first start), draws the one shared filter panel in the sidebar,
keeps the filters in the URL, and hands the pages the process's one
:class:`footprint.data.query.EventsIndex` (a reference, never a copy) with the
filter state through ``st.session_state`` (the keys are listed in
``footprint/data/filters.py``). Pages ask the index for what they draw, bounded.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner_utils.script_run_context import (
    ThreadState,
    get_script_run_ctx,
)

from footprint import paths
from footprint.data import filters, query, schema, snapshots, store
from footprint.data.filters import FilterState
from footprint.views.markdown import escape_markdown
from footprint.views.wording import plural

if PagesManager.uses_pages_directory and (run_context := get_script_run_ctx()):
    # A fresh server runs its first request in the legacy pages/ mode, where
    # this script runs as a page under that page's hash, not the entry point's
    # hash every later run uses. Widget ids include the hash, so each sidebar
    # widget would get a new id on the next run and the analyst's first change
    # (a typed date, a chosen group) would be dropped: the count stayed, the
    # link was not written and the field emptied. Draw under the entry point's
    # hash, as ``st.navigation`` does for the rest of this run.
    ThreadState.update(active_script_hash=run_context.pages_manager.main_script_hash)

# An emoji favicon: a Material icon would be fetched from fonts.gstatic.com,
# and the app must work offline.
st.set_page_config(layout="wide", page_title="Footprint", page_icon="🗺️")

MAP_PAGE = st.Page(
    "pages/map.py", title="Map", icon=":material/map:", url_path="map-home", default=True
)


def _map_alias() -> None:
    """``/map``: the Map page is served at the root, so a typed or shared /map link goes there."""
    st.switch_page(MAP_PAGE, query_params={k: st.query_params.get_all(k) for k in st.query_params})


PAGES = {
    "Explore": [
        MAP_PAGE,
        st.Page(
            "pages/timeline.py", title="Timeline", icon=":material/timeline:", url_path="timeline"
        ),
        st.Page("pages/groups.py", title="Groups", icon=":material/groups:", url_path="groups"),
        st.Page(
            "pages/neighbourhoods.py",
            title="Neighbourhoods",
            icon=":material/location_city:",
            url_path="neighbourhoods",
        ),
        st.Page("pages/events.py", title="Events", icon=":material/table_rows:", url_path="events"),
    ],
    "Present": [
        st.Page(
            "pages/briefing.py", title="Briefing", icon=":material/slideshow:", url_path="briefing"
        ),
    ],
    "Data": [
        st.Page(
            "pages/upload.py", title="Upload", icon=":material/upload_file:", url_path="upload"
        ),
        st.Page(
            "pages/from_text.py",
            title="From text",
            icon=":material/article:",
            url_path="from-text",
        ),
        st.Page("pages/batches.py", title="Batches", icon=":material/history:", url_path="batches"),
        st.Page(_map_alias, title="Map", url_path="map", visibility="hidden"),
    ],
}

#: Widget keys of the filter panel, by FilterState field.
WIDGET_KEYS = {
    "date_from": "filter_date_from",
    "date_to": "filter_date_to",
    "groups": "filter_groups",
    "links": "filter_links",
    "event_types": "filter_event_types",
    "attack_types": "filter_attack_types",
    "target_types": "filter_target_types",
    "suicide": "filter_suicide",
    "provinces": "filter_provinces",
    "districts": "filter_districts",
    "towns": "filter_towns",
    "neighbourhoods": "filter_neighbourhoods",
    "min_killed": "filter_min_killed",
    "coarsest_precision": "filter_precision",
}
SUICIDE_CHOICES = {"any": "Any", "yes": "Suicide only", "no": "Not suicide"}
EARLIEST_DATE = dt.date(1980, 1, 1)


# --- the store ----------------------------------------------------------------


@st.cache_resource(show_spinner="Opening the events store…")
def open_store(database_url: str) -> tuple[sa.Engine, str | None]:
    """Create the engine, the schema and the seed events (once per process).

    Returns the engine and a message when the seed events could not be loaded
    (the store then opens with what it holds).
    """
    engine = store.make_engine(database_url)
    try:
        store.initialise(engine)
    except FileNotFoundError as error:
        store.create_schema(engine)
        return engine, f"The seed events were not loaded: {error}. Run `make data`."
    except (schema.SchemaError, store.StoreError, ValueError) as error:
        store.create_schema(engine)
        return engine, f"The seed events were not loaded: {error}"
    return engine, None


@st.cache_resource(show_spinner="Building the events index…")
def open_index(database_url: str) -> query.EventsIndex:
    """The process's one analytical copy of the store (shared by every session).

    Loaded from the store's snapshot when a previous process left a current
    one (``footprint.data.snapshots``), else read from the store.
    """
    engine, _ = open_store(database_url)
    return snapshots.open_index(engine, database_url)


def current_index(engine: sa.Engine, database_url: str) -> tuple[query.EventsIndex, tuple]:
    """Return the index, brought up to date with the store, and its data version.

    ``refresh`` reads one count when nothing changed and only the new or
    undone batches when something did, so an upload from another process
    shows on the next rerun.
    """
    index = open_index(database_url)
    index.refresh(engine)
    return index, (database_url, *index.version)


@st.cache_data(show_spinner=False, max_entries=4)
def load_options(version: tuple) -> dict:
    """Return the filter panel's choices for the stored events (cached on the version)."""
    return query.filter_options(open_index(version[0]))


@st.cache_data(show_spinner=False, max_entries=256)
def filtered_count(version: tuple, state: FilterState) -> int:
    """Return how many events pass ``state`` (cached on the version and the filters)."""
    return query.count(open_index(version[0]), state)


# --- the filter panel ---------------------------------------------------------


def _widget_value(name: str, state: FilterState):
    value = getattr(state, name)
    if isinstance(value, tuple):
        return list(value)
    if name == "suicide":
        return {None: "any", True: "yes", False: "no"}[value]
    return value


def _set_widgets(state: FilterState) -> None:
    for name, key in WIDGET_KEYS.items():
        st.session_state[key] = _widget_value(name, state)


def reset_filters() -> None:
    """Put every filter back to its default (the reset button's callback)."""
    _set_widgets(FilterState())


def state_from_widgets() -> FilterState:
    """Return the FilterState of the panel's widgets."""
    values = {}
    for name, key in WIDGET_KEYS.items():
        value = st.session_state.get(key)
        if name == "suicide":
            value = {"yes": True, "no": False}.get(value)
        elif isinstance(value, list):
            value = tuple(value)
        elif name == "min_killed":
            value = int(value or 0)
        elif name == "coarsest_precision":
            value = value or schema.GEO_PRECISIONS[-1]
        values[name] = value
    return FilterState(**values)


def initialise_filters(options: dict) -> FilterState:
    """Return the filters the URL opened the session with (the widgets' defaults).

    The URL is read once per session. Its state reaches the widgets as their
    default values, never by writing their keys on the first run: Streamlit
    1.67 forgets values written to widget keys in a session's first run as soon
    as the user switches pages. Names that have left the data since (an undone
    upload) are dropped, from the defaults and from the widgets.
    """
    if "filter_url_state" not in st.session_state:
        raw = {key: st.query_params.get_all(key) for key in st.query_params}
        state, problems = filters.parse_query_params(raw)
        state, unknown = filters.restrict_to_options(state, options)
        st.session_state["filter_url_state"] = state
        st.session_state["filter_problems"] = problems + unknown
        return state
    for name in filters.NAMED_FIELDS:
        key = WIDGET_KEYS[name]
        chosen = st.session_state.get(key)
        if chosen:
            kept = [v for v in chosen if v in options[name]]
            if kept != chosen:
                st.session_state[key] = kept
    state, _ = filters.restrict_to_options(st.session_state["filter_url_state"], options)
    return state


def filter_panel(options: dict, initial: FilterState) -> FilterState:
    """Draw the shared filter widgets in the sidebar and return their state.

    ``initial`` (the URL's filters) gives each widget its default value.
    """
    sidebar = st.sidebar
    humanise = filters.humanise
    with sidebar.expander("When and who", expanded=True):
        # One field per row, so the whole date shows; the calendar's range is
        # the data's (it opens at the data's years, not at today).
        earliest = (
            min(d for d in (options.get("date_min"), initial.date_from, initial.date_to) if d)
            if (options.get("date_min") or initial.date_from or initial.date_to)
            else EARLIEST_DATE
        )
        latest = (
            max(d for d in (options.get("date_max"), initial.date_from, initial.date_to) if d)
            if (options.get("date_max") or initial.date_from or initial.date_to)
            else dt.date.today()
        )
        for name, label, help_text in (
            ("date_from", "From", "Keep events that may have happened on or after this day."),
            ("date_to", "To", "Keep events that may have happened on or before this day."),
        ):
            st.date_input(
                label,
                value=getattr(initial, name),
                min_value=earliest,
                max_value=latest,
                key=WIDGET_KEYS[name],
                format="YYYY-MM-DD",
                help=help_text + f" The data runs from {earliest} to {latest}.",
            )
        st.multiselect(
            "Groups",
            options["groups"],
            default=list(initial.groups),
            key="filter_groups",
            placeholder="All groups",
        )
        st.multiselect(
            "Linked as",
            options["links"],
            default=list(initial.links),
            key="filter_links",
            placeholder="Any link",
            help="How the group is linked: claimed, attributed (by officials) or suspected.",
        )
    with sidebar.expander("What", expanded=True):
        for name, label, placeholder in (
            ("event_types", "Event type", "All events"),
            ("attack_types", "Attack type", "All attacks"),
            ("target_types", "Target type", "All targets"),
        ):
            st.multiselect(
                label,
                options[name],
                default=list(getattr(initial, name)),
                format_func=humanise,
                key=WIDGET_KEYS[name],
                placeholder=placeholder,
            )
        st.radio(
            "Suicide attack",
            list(SUICIDE_CHOICES),
            index=list(SUICIDE_CHOICES).index(_widget_value("suicide", initial)),
            format_func=SUICIDE_CHOICES.get,
            key="filter_suicide",
            horizontal=True,
        )
        st.number_input(
            "Minimum killed",
            min_value=0,
            value=initial.min_killed,
            step=1,
            key="filter_min_killed",
            help="Events whose toll is unknown are left out when this is above 0.",
        )
    with sidebar.expander("Where", expanded=True):
        for name, label, placeholder, help_text in (
            ("provinces", "Province", "All", None),
            ("districts", "District", "All", None),
            ("towns", "Town", "All", None),
            (
                "neighbourhoods",
                "Neighbourhood",
                "Type to search",
                "Type part of a name to search the list.",
            ),
        ):
            st.multiselect(
                label,
                options[name],
                default=list(getattr(initial, name)),
                key=WIDGET_KEYS[name],
                placeholder=placeholder,
                help=help_text,
            )
        st.select_slider(
            "Coarsest place precision",
            options=options["precisions"],
            value=initial.coarsest_precision,
            key="filter_precision",
            help="Leave out events placed only to a coarser area than this "
            "(site is an exact spot, province the vaguest).",
        )
    return state_from_widgets()


def sync_url(state: FilterState) -> None:
    """Write the filters into the URL, touching only the filter keys."""
    wanted = filters.to_query_params(state)
    for key in filters.QUERY_KEYS.values():
        target = wanted.get(key)
        target_list = [] if target is None else ([target] if isinstance(target, str) else target)
        if st.query_params.get_all(key) == target_list:
            continue
        if target_list:
            st.query_params[key] = target_list if len(target_list) > 1 else target_list[0]
        else:
            del st.query_params[key]


def summary_panel(container, state: FilterState, shown: int, total: int) -> None:
    """Show the count, the active filters as chips and the reset button."""
    chips = filters.describe(state)
    container.markdown(f"**{shown:,} of {plural(total, 'event')}**")
    if chips:
        container.markdown(" ".join(f":gray-badge[{escape_markdown(c)}]" for c in chips))
    container.button(
        "Reset filters",
        key="filter_reset",
        on_click=reset_filters,
        disabled=not chips,
        icon=":material/filter_alt_off:",
        width="stretch",
    )
    problems = st.session_state.get("filter_problems") or []
    if problems:
        with container.expander(f"{len(problems)} link value(s) ignored"):
            for problem in problems:
                st.caption(escape_markdown(problem))  # URL values are data, never markup


# --- the run ------------------------------------------------------------------

database_url = paths.database_url()
engine, store_message = open_store(database_url)
events_index, version = current_index(engine, database_url)
options = load_options(version)
events_total = events_index.total()

st.sidebar.title("Footprint")
summary = st.sidebar.container()
initial_state = initialise_filters(options)
filter_state = filter_panel(options, initial_state)
events_count = filtered_count(version, filter_state)
sync_url(filter_state)
summary_panel(summary, filter_state, events_count, events_total)
if store_message:
    st.sidebar.warning(store_message)

st.session_state["database_url"] = database_url
st.session_state["data_version"] = version
st.session_state["events_index"] = events_index
st.session_state["events_count"] = events_count
st.session_state["events_total"] = events_total
st.session_state["filter_state"] = filter_state
st.session_state["filter_options"] = options
st.session_state["filter_summary"] = filters.describe(filter_state)
# The reset callback, for the "nothing matches" states of the pages.
st.session_state["filter_reset_callback"] = reset_filters
# Whole-table frames of earlier versions must not linger in a session.
for stale in ("events_all", "events_filtered"):
    st.session_state.pop(stale, None)

navigation = st.navigation(PAGES)
navigation.run()
