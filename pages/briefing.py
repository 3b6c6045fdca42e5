"""Briefing page: the filtered events one at a time, in date order, for a projector.

The map flies to each event; Previous and Next step through them and the
step lives in the URL (``step=``). The whole briefing downloads as one
self-contained HTML file.
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

from footprint.data import query
from footprint.views import briefing, cards, mapview
from footprint.views.wording import plural

#: Which events a briefing steps through when the filter holds more than it shows.
BRIEFING_CHOICES = {"largest": "Largest", "recent": "Most recent"}
BRIEFING_MAX = 500

matching = st.session_state["events_count"]
if matching == 0:
    st.title("Briefing")
    st.info("No events match the filters: widen them in the sidebar to build a briefing.")
    st.stop()

with st.expander(
    f"Showing at most {st.session_state.get('briefing_limit', 50)} of {plural(matching, 'event')}",
    expanded=False,
):
    pick_columns = st.columns(2)
    chosen_by = pick_columns[0].segmented_control(
        "Step through the",
        options=list(BRIEFING_CHOICES),
        format_func=BRIEFING_CHOICES.get,
        default="largest",
        required=True,
        key="briefing_pick",
    )
    limit = pick_columns[1].number_input(
        "Number of events",
        min_value=1,
        max_value=BRIEFING_MAX,
        value=50,
        step=10,
        key="briefing_limit",
    )
events = query.events_frame(
    st.session_state["events_index"],
    st.session_state["filter_state"],
    limit=int(limit),
    order_by="killed_size" if chosen_by == "largest" else "event_date",
    descending=True,
)
ordered = briefing.briefing_order(events)
total = len(ordered)
if matching > total:
    st.caption(
        f"The briefing steps through the {plural(total, 'event')} "
        f"{'with the most people killed' if chosen_by == 'largest' else 'most recent'} "
        f"of the {plural(matching, 'event')} that match the filters, in date order."
    )

if "briefing_step_initial" not in st.session_state:
    # The URL's step, read once; it reaches the slider as its default (values
    # written to widget keys in a session's first run are lost on a page switch).
    st.session_state["briefing_step_initial"] = briefing.clamp_step(
        st.query_params.get("step", 1), total
    )
initial_step = briefing.clamp_step(st.session_state["briefing_step_initial"], total)
if "briefing_step" in st.session_state:
    # The filters may have shrunk the briefing since the last run.
    clamped = briefing.clamp_step(st.session_state["briefing_step"], total)
    if clamped != st.session_state["briefing_step"]:
        st.session_state["briefing_step"] = clamped


def current_step() -> int:
    """The 1-based step shown: the slider's value, or the URL's before it exists."""
    return briefing.clamp_step(st.session_state.get("briefing_step", initial_step), total)


@st.cache_data(show_spinner=False, max_entries=16)
def cached_records(data_version: tuple, filter_state, _events) -> list[dict]:
    """The map records of the briefing's events, cached per data version and filters."""
    return mapview.event_records(_events)


def step_by(offset: int) -> None:
    """Move the briefing by ``offset`` events (the buttons' callback)."""
    st.session_state["briefing_step"] = briefing.clamp_step(current_step() + offset, total)


controls = st.columns([1.3, 1.3, 3.2, 2.2], vertical_alignment="center")
controls[0].button(
    "Previous",
    key="briefing_previous",
    on_click=step_by,
    args=(-1,),
    disabled=current_step() <= 1,
    icon=":material/arrow_back:",
    width="stretch",
)
controls[1].button(
    "Next",
    key="briefing_next",
    on_click=step_by,
    args=(1,),
    disabled=current_step() >= total,
    icon=":material/arrow_forward:",
    type="primary",
    width="stretch",
)
if total > 1:
    controls[2].slider(
        "Event",
        min_value=1,
        max_value=total,
        value=initial_step,
        key="briefing_step",
        label_visibility="collapsed",
        persist_state="session",
    )
chips = st.session_state["filter_summary"]
controls[3].download_button(
    "Download briefing (HTML)",
    # Built only when clicked: a long briefing takes a moment to draw.
    data=lambda: briefing.briefing_html(events, filter_chips=chips),
    file_name="footprint-briefing.html",
    mime="text/html",
    key="briefing_download",
    icon=":material/download:",
    width="stretch",
    on_click="ignore",
)

components.html(briefing.presenter_script(), height=0)

step = current_step()
if st.query_params.get("step") != str(step):
    st.query_params["step"] = str(step)
event = ordered.iloc[step - 1]

map_column, card_column = st.columns([3, 2])
with map_column:
    st.pydeck_chart(
        briefing.briefing_deck(
            ordered,
            step,
            records=cached_records(
                st.session_state["data_version"],
                (st.session_state["filter_state"], chosen_by, int(limit)),
                events,
            ),
        ),
        key="briefing_deck",
        height=briefing.MAP_HEIGHT,
        alt=f"Map centred on event {step} of {total}",
    )
with card_column:
    st.html(cards.event_card_html(event, large=True, heading=f"Event {step} of {total}"))
