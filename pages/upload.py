"""Upload page: an analyst signs in, uploads an event file, reviews it and confirms.

Nothing is stored before the confirm button: the preview shows the format
recognised, the problem report (downloadable), a map and a table of the rows,
and each probable duplicate beside the event it repeats with a choice of keep,
skip or merge. The work is done by ``footprint.importers.pipeline``; sign-in
decisions by ``footprint.auth``. Uploaded text is shown only as data
(dataframes, escaped text). Widget keys start with ``upload_``;
``upload_analyst`` (who is signed in) is read by the batches page too.
"""

from __future__ import annotations

import time
from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

if "events_index" not in st.session_state:
    # A fresh server answers its first request for a page in the legacy
    # pages/ mode, without app.py; switch that mode off and run the entry point.
    PagesManager.uses_pages_directory = False
    st.rerun()

from footprint import auth, paths
from footprint.data import schema, store
from footprint.importers import formats, mapping, pipeline
from footprint.importers.checks import ImportRefused, escape_markdown
from footprint.views import mapview

st.title("Upload events")

config = auth.auth_config(st.secrets)


@st.cache_resource(show_spinner=False)
def upload_engine(database_url: str):
    """The store's engine for uploads (one per process and store)."""
    engine = store.make_engine(database_url)
    store.create_schema(engine)
    return engine


def sign_in() -> None:
    """Check the typed password (the sign-in button's callback)."""
    failures = st.session_state.get("upload_failures", 0)
    wait = auth.locked_for(failures, st.session_state.get("upload_last_failure"), time.monotonic())
    if wait:
        st.session_state["upload_sign_in_message"] = f"Too many wrong passwords: wait {wait:.0f} s."
    elif auth.password_matches(st.session_state.get("upload_password"), config.password):
        st.session_state["upload_analyst"] = {"name": "analyst", "method": auth.PASSWORD}
        st.session_state["upload_failures"] = 0
        st.session_state["upload_sign_in_message"] = None
    else:
        st.session_state["upload_failures"] = failures + 1
        st.session_state["upload_last_failure"] = time.monotonic()
        st.session_state["upload_sign_in_message"] = "That is not the analyst password."
    st.session_state["upload_password"] = ""


def sign_out() -> None:
    """Forget the signed-in analyst and the file under review."""
    for key in ("upload_analyst", "upload_preview", "upload_preview_key", "upload_mapping"):
        st.session_state.pop(key, None)


# --- who may upload --------------------------------------------------------------

analyst = None
if config.mode == auth.OFF:
    st.info(auth.HOW_TO_ENABLE, icon=":material/lock:")
elif config.mode == auth.OIDC:
    if auth.oidc_user_is_analyst(config, st.user.is_logged_in, st.user.get("email")):
        analyst = {
            "name": st.user.get("email") or st.user.get("name") or "analyst",
            "method": auth.OIDC,
        }
        st.session_state["upload_analyst"] = analyst
        st.button("Sign out", key="upload_sign_out", on_click=st.logout)
    elif st.user.is_logged_in:
        st.session_state.pop("upload_analyst", None)
        st.warning("You are signed in but not as an analyst, so you cannot upload.")
        st.button("Sign out", key="upload_sign_out", on_click=st.logout)
    else:
        st.button(
            "Sign in as an analyst",
            key="upload_sign_in",
            on_click=st.login,
            args=(config.provider,) if config.provider else (),
        )
else:
    analyst = st.session_state.get("upload_analyst")
    if analyst:
        st.button("Sign out", key="upload_sign_out", on_click=sign_out)
    else:
        with st.form("upload_sign_in_form"):
            st.text_input("Analyst password", type="password", key="upload_password")
            st.form_submit_button("Sign in", on_click=sign_in, key="upload_sign_in")
        if st.session_state.get("upload_sign_in_message"):
            st.error(st.session_state["upload_sign_in_message"])

templates = st.columns(2)
for column, (name, label) in zip(
    templates,
    (("template.csv", "Blank template"), ("template_example.csv", "Template with example rows")),
    strict=True,
):
    path = paths.DATA_DIR / name
    if path.exists():
        column.download_button(
            label,
            path.read_bytes(),
            file_name=name,
            mime="text/csv",
            key=f"upload_{Path(name).stem}",
            icon=":material/download:",
            on_click="ignore",
        )

if not analyst:
    st.stop()

# --- the file --------------------------------------------------------------------

done = st.session_state.pop("upload_done", None)
if done:
    st.success(
        f"Stored batch {done['batch_id']}: {done['stored']:,} events"
        + (f", {done['merged']:,} merged into existing events" if done["merged"] else "")
        + (f", {done['skipped']:,} duplicates skipped" if done["skipped"] else "")
        + (f", {done['rejected']:,} rows with errors left out" if done["rejected"] else "")
        + ". The map and the other pages show them now.",
        icon=":material/check_circle:",
    )

nonce = st.session_state.setdefault("upload_nonce", 0)
uploaded = st.file_uploader(
    "Event file (CSV)",
    type=["csv", "tsv", "txt"],
    key=f"upload_file_{nonce}",
    help="Our template, or an export of ACLED, the GTD, UCDP GED or Pakistan Body Count; "
    "anything else can be mapped onto our columns.",
)
format_choice = st.selectbox(
    "Format",
    ["auto", *formats.FORMAT_NAMES],
    key="upload_format",
    format_func=lambda f: "Recognise from the header" if f == "auto" else formats.BY_NAME[f].label,
)
if uploaded is None:
    st.stop()

data = uploaded.getvalue()
chosen_mapping = st.session_state.get("upload_mapping")
preview_key = (
    pipeline.sha256_of(data),
    uploaded.name,
    format_choice,
    chosen_mapping.name if chosen_mapping else None,
)
engine = upload_engine(st.session_state.get("database_url") or paths.database_url())

if st.session_state.get("upload_preview_key") != preview_key:
    st.session_state.pop("upload_preview", None)
    st.session_state["upload_preview_key"] = preview_key
    bar = st.progress(0.0, text="Reading the file…")
    try:
        preview = pipeline.prepare(
            data,
            uploaded.name,
            engine,
            format=format_choice,
            mapping=chosen_mapping,
            progress=lambda fraction, message: bar.progress(
                min(fraction, 1.0), text=escape_markdown(message)
            ),
        )
        st.session_state["upload_preview"] = preview
        st.session_state.pop("upload_refused", None)
    except ImportRefused as refused:
        st.session_state["upload_refused"] = refused
    bar.empty()

refused = st.session_state.get("upload_refused")
preview = st.session_state.get("upload_preview")
if preview is None:
    if refused is not None:
        st.error(escape_markdown(refused.problem), icon=":material/block:")
        st.write(escape_markdown(refused.fix))
    if refused is not None and refused.header:
        st.subheader("Map your columns onto ours")
        header = refused.header
        suggested = mapping.suggest_mapping(header)
        saved = mapping.find_mapping(header)
        start = saved.columns if saved else suggested
        choices = ["—", *header]
        chosen = {}
        grid = st.columns(3)
        for n, target in enumerate(mapping.TARGETS):
            value = grid[n % 3].selectbox(
                target,
                choices,
                index=choices.index(start[target]) if target in start else 0,
                key=f"upload_map_{target}",
            )
            if value != "—":
                chosen[target] = value
        left, middle, right = st.columns(3)
        name = left.text_input("Name this mapping", Path(uploaded.name).stem, key="upload_map_name")
        source_name = middle.text_input(
            "Source name (id prefix)", "upload", key="upload_map_source"
        )
        order = right.selectbox(
            "Numeric dates are",
            [None, "dmy", "mdy"],
            key="upload_map_order",
            format_func={
                None: "unambiguous only",
                "dmy": "day/month/year",
                "mdy": "month/day/year",
            }.get,
        )
        link = left.selectbox(
            "Groups named are", list(schema.LINKS), index=1, key="upload_map_default_link"
        )
        event_type = middle.selectbox(
            "Events are", list(schema.EVENT_TYPES), key="upload_map_default_event_type"
        )
        if st.button("Save the mapping and read the file", key="upload_map_apply", type="primary"):
            candidate = mapping.ColumnMapping(
                name=name or "mapping",
                columns=chosen,
                header=header,
                source_name=source_name or "upload",
                date_order=order,
                default_link=link,
                default_event_type=event_type,
            )
            try:
                mapping.save_mapping(candidate)
            except (mapping.MappingError, OSError) as error:
                st.error(escape_markdown(str(error)))
            else:
                st.session_state["upload_mapping"] = candidate
                st.rerun()
    st.stop()

# --- the preview -------------------------------------------------------------------

st.success(
    escape_markdown(
        f"{uploaded.name}: recognised as {preview.detection.label} "
        f"({preview.encoding}, {'tab' if preview.separator == chr(9) else repr(preview.separator)}-separated)."
    ),
    icon=":material/fact_check:",
)
if preview.detection.unused:
    st.caption("Columns not used: " + escape_markdown(", ".join(preview.detection.unused)))
if preview.already_uploaded:
    batch = preview.already_uploaded
    st.warning(
        f"This file was already uploaded as batch {batch['batch_id']} on "
        f"{batch['uploaded_at']:%Y-%m-%d %H:%M} by {escape_markdown(batch['uploaded_by'])}. "
        "Undo that batch on the Batches page to upload it again.",
        icon=":material/content_copy:",
    )

valid = int(preview.valid.sum())
metrics = st.columns(6)
metrics[0].metric("Rows read", f"{preview.rows_read:,}")
metrics[1].metric("Without errors", f"{valid:,}")
metrics[2].metric("With errors", f"{preview.rows_read - valid:,}")
metrics[3].metric("Geocoded", f"{preview.placement.geocoded:,}")
metrics[4].metric("Placed more precisely", f"{preview.placement.precision_upgraded:,}")
metrics[5].metric("Probable duplicates", f"{len(preview.duplicates):,}")

if preview.problems:
    st.subheader("Problems")
    st.caption("Errors keep a row out; warnings do not. Rows are the file's line numbers.")
    st.dataframe(preview.report(), key="upload_report", hide_index=True, height=300)
    st.download_button(
        "Download the problem report (CSV)",
        preview.report_csv(),
        file_name=f"{Path(uploaded.name).stem}-problems.csv",
        mime="text/csv",
        key="upload_report_download",
        icon=":material/download:",
        on_click="ignore",
    )

events = preview.events()
st.subheader("The rows to store")
st.pydeck_chart(
    mapview.build_deck(events, "both", height=420),
    key="upload_map",
    height=420,
    alt="Map of the uploaded rows",
)
shown_columns = [
    "event_id",
    "event_date",
    "date_precision",
    "event_type",
    "location_text",
    "city",
    "province",
    "latitude",
    "longitude",
    "geo_precision",
    "original_latitude",
    "original_longitude",
    "original_geo_precision",
    "geo_matched_name",
    "perpetrators",
    "killed_min",
    "killed_max",
    "injured_min",
    "injured_max",
    "source_ref",
]
st.dataframe(events[shown_columns], key="upload_rows", hide_index=True, height=320)

decisions = {}
if preview.duplicates:
    st.subheader("Probable duplicates")
    st.caption(
        "Each row of the file beside the event it probably repeats. Keep stores it as a new "
        "event, skip leaves it out, merge leaves it out but adds its source to the other event."
    )
    table = preview.duplicate_table()
    defaults = pipeline.default_decisions(preview)
    table.insert(0, "decision", [defaults[key] for key in table["key"]])
    edited = st.data_editor(
        table,
        key="upload_duplicates",
        hide_index=True,
        disabled=[c for c in table.columns if c != "decision"],
        column_config={
            "decision": st.column_config.SelectboxColumn(
                "Decision", options=list(pipeline.DECISIONS), required=True
            ),
            "key": None,
        },
    )
    decisions = dict(zip(edited["key"], edited["decision"], strict=True))

rows, merges, skipped = pipeline.plan(preview, decisions)
st.write(
    f"Confirming stores **{len(rows):,}** events"
    + (f", merges {len(merges):,} into existing events" if merges else "")
    + (f", skips {skipped - len(merges):,} duplicates" if skipped - len(merges) else "")
    + f" and leaves out {preview.rows_read - valid:,} rows with errors, as one batch."
)
blocked = bool(preview.already_uploaded) or (rows.empty and not merges)
if st.button("Confirm and store", key="upload_confirm", type="primary", disabled=blocked):
    bar = st.progress(0.0, text="Storing…")
    try:
        result = pipeline.commit(
            engine,
            preview,
            decisions,
            uploaded_by=analyst["name"],
            progress=lambda fraction, message: bar.progress(
                min(fraction, 1.0), text=escape_markdown(message)
            ),
        )
    except ImportRefused as refused:
        bar.empty()
        st.error(escape_markdown(f"{refused.problem} {refused.fix}"))
    else:
        st.session_state["upload_done"] = {
            "batch_id": result.batch_id,
            "stored": result.stored,
            "merged": result.merged,
            "skipped": result.skipped,
            "rejected": result.rejected,
        }
        for key in ("upload_preview", "upload_preview_key", "upload_mapping", "upload_refused"):
            st.session_state.pop(key, None)
        st.session_state["upload_nonce"] = nonce + 1
        st.cache_data.clear()
        st.rerun()
