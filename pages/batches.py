"""Batches page: every confirmed upload, and undoing one (signed-in analysts only).

An undo removes the batch's events and the sources it merged into other
events, in one transaction (``footprint.importers.pipeline.undo``). Analysts
sign in on the Upload page (``upload_analyst`` in the session). Widget keys
start with ``batches_``.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

if "events_index" not in st.session_state:
    # A fresh server answers its first request for a page in the legacy
    # pages/ mode, without app.py; switch that mode off and run the entry point.
    PagesManager.uses_pages_directory = False
    st.rerun()

from footprint import auth, paths
from footprint.data import store
from footprint.importers import pipeline
from footprint.views.markdown import escape_markdown

st.title("Upload batches")


@st.cache_resource(show_spinner=False)
def batches_engine(database_url: str):
    """The store's engine (one per process and store)."""
    engine = store.make_engine(database_url)
    store.create_schema(engine)
    return engine


engine = batches_engine(st.session_state.get("database_url") or paths.database_url())
with engine.connect() as connection:
    history = store.list_batches(connection)

message = st.session_state.pop("batches_message", None)
if message:
    st.success(message, icon=":material/undo:")

if history.empty:
    st.info("No file has been uploaded yet.")
else:
    st.dataframe(
        history,
        key="batches_table",
        hide_index=True,
        column_config={
            "batch_id": "Batch",
            "file_name": "File",
            "sha256": None,
            "format": "Format",
            "rows_read": "Rows read",
            "rows_stored": "Stored",
            "rows_rejected": "Rejected",
            "rows_merged": "Merged",
            "uploaded_by": "By",
            "uploaded_at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm"),
            "undone_at": st.column_config.DatetimeColumn("Undone", format="YYYY-MM-DD HH:mm"),
            "undone_by": "Undone by",
            "events_held": "Events held now",
        },
    )

config = auth.auth_config(st.secrets)
analyst = st.session_state.get("upload_analyst")
if config.mode == auth.OIDC and not auth.oidc_user_is_analyst(
    config, st.user.is_logged_in, st.user.get("email")
):
    analyst = None
if not analyst:
    if config.enabled:
        st.caption("Analysts can undo a batch after signing in on the Upload page.")
        st.page_link("pages/upload.py", label="Sign in on the Upload page", icon=":material/login:")
    st.stop()

live = history[history["undone_at"].isna()] if not history.empty else history
if live.empty:
    st.stop()
st.subheader("Undo a batch")
labels = {
    int(
        row.batch_id
    ): f"Batch {row.batch_id}: {row.file_name} ({row.rows_stored:,} stored, {row.uploaded_at:%Y-%m-%d %H:%M})"
    for row in live.itertuples()
}
chosen = st.selectbox("Batch", list(labels), format_func=labels.get, key="batches_undo_select")
sure = st.checkbox(
    "Remove this batch's events and the sources it merged into other events",
    key="batches_undo_sure",
)
if st.button("Undo batch", key="batches_undo", type="primary", disabled=not sure):
    try:
        removed = pipeline.undo(engine, int(chosen), analyst["name"])
    except store.StoreError as error:
        st.error(escape_markdown(str(error)))
    else:
        st.session_state["batches_message"] = f"Batch {chosen} undone: {removed:,} events removed."
        st.session_state.pop("batches_undo_sure", None)
        st.cache_data.clear()
        st.rerun()
