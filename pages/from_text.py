"""From text page: an analyst pastes or uploads a report and reviews the events the reader proposes.

The reader (``footprint.reader``) turns the text into candidate rows; each
row is editable and shown beside its evidence, highlighted in the text
(escaped). Accepted rows go through the upload pipeline
(``footprint.importers.pipeline``): checks, geocoding, duplicates against the
store, and one batch that the Batches page can undo. Sign-in is the Upload
page's (``footprint.auth.sign_in_panel``). Widget keys start with ``fromtext_``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

if "events_index" not in st.session_state:
    PagesManager.uses_pages_directory = False
    st.rerun()

from footprint import auth, paths, reader
from footprint.data import schema, store
from footprint.importers import pipeline
from footprint.importers.checks import ImportRefused
from footprint.reader.rows import to_csv_bytes
from footprint.views.evidence import evidence_lines, highlight_html
from footprint.views.markdown import escape_markdown

st.title("From text")
st.caption(
    "Paste a news report or upload it; the reader proposes events with the sentences they "
    "come from. Accept, edit or reject each, then store the accepted ones as one batch."
)

config = auth.auth_config(st.secrets)
analyst = auth.sign_in_panel(
    st, config, prefix="fromtext", forget=("fromtext_rows", "fromtext_document", "fromtext_preview")
)
if not analyst:
    st.stop()


@st.cache_resource(show_spinner=False)
def fromtext_engine(database_url: str):
    """The store's engine (one per process and store)."""
    engine = store.make_engine(database_url)
    store.create_schema(engine)
    return engine


done = st.session_state.pop("fromtext_done", None)
if done:
    st.success(
        f"Stored batch {done['batch_id']}: {done['stored']} events"
        + (f", {done['skipped']} already stored left out" if done["skipped"] else "")
        + ". Undo it on the Batches page.",
        icon=":material/check_circle:",
    )

left, right = st.columns([3, 2])
pasted = left.text_area("Report text", key="fromtext_text", height=220)
uploaded = right.file_uploader(
    "…or a file", type=["txt", "html", "htm", "pdf"], key="fromtext_file"
)
published = right.date_input(
    "Published",
    value=None,
    min_value=dt.date(1980, 1, 1),
    key="fromtext_published",
    help="Needed for relative dates ('last month'); read from the text when it states it.",
)
outlet = right.text_input("Outlet", key="fromtext_outlet")

if st.button("Read the text", key="fromtext_read", type="primary"):
    try:
        if uploaded is not None:
            document = reader.read_bytes(
                uploaded.getvalue(), uploaded.name, published, outlet or None
            )
        else:
            document = reader.from_text(pasted, "pasted-text.txt", published, outlet or None)
    except reader.ReaderInputError as error:
        st.error(escape_markdown(f"{error.problem} {error.fix}"))
        st.stop()
    if document.published is None:
        st.error("Give the publication date: the text does not state it.")
        st.stop()
    rows = reader.extract(document)
    rows.insert(0, "accept", True)
    st.session_state["fromtext_rows"] = rows
    st.session_state["fromtext_document"] = document
    st.session_state.pop("fromtext_preview", None)

rows = st.session_state.get("fromtext_rows")
document = st.session_state.get("fromtext_document")
if rows is None or document is None:
    st.stop()
if rows.empty:
    st.info("The reader found no events in this text.")
    st.stop()

st.subheader(f"{len(rows)} candidate events")
st.caption(
    escape_markdown(
        f"{document.name}, published {document.published:%Y-%m-%d}"
        + (f", {document.outlet}" if document.outlet else "")
        + ". Untick a row to reject it; edit any cell."
    )
)
editable = ["accept", *schema.EVENT_COLUMNS]
rows_column, evidence_column = st.columns([3, 2])
edited = rows_column.data_editor(
    rows,
    key="fromtext_editor",
    hide_index=True,
    disabled=[c for c in rows.columns if c not in editable or c == "event_id"],
    column_config={
        "accept": st.column_config.CheckboxColumn("Accept", default=True),
        "event_type": st.column_config.SelectboxColumn(options=list(schema.EVENT_TYPES)),
        "attack_type": st.column_config.SelectboxColumn(options=list(schema.ATTACK_TYPES)),
        "date_precision": st.column_config.SelectboxColumn(options=list(schema.DATE_PRECISIONS)),
        "target_type": st.column_config.SelectboxColumn(options=list(schema.TARGET_TYPES)),
        "confidence": st.column_config.ProgressColumn(min_value=0.0, max_value=1.0, format="%.2f"),
        "field_evidence": None,
        "neighbourhood": None,
        "town": None,
        "district": None,
        "latitude": None,
        "longitude": None,
        "geo_precision": None,
    },
)

shown = evidence_column.selectbox(
    "Evidence of",
    list(edited["event_id"]),
    key="fromtext_evidence_of",
    format_func=lambda i: f"{i}: lines {edited.set_index('event_id').loc[i, 'evidence_lines']}",
)
evidence_column.html(
    highlight_html(
        document.lines, evidence_lines(edited.set_index("event_id").loc[shown, "evidence_lines"])
    )
)

accepted = edited[edited["accept"].astype(bool)].drop(columns=["accept"])
engine = fromtext_engine(st.session_state.get("database_url") or paths.database_url())
file_name = f"{Path(document.name).stem}-candidates.csv"
if st.button(
    f"Check the {len(accepted)} accepted events", key="fromtext_check", disabled=accepted.empty
):
    try:
        st.session_state["fromtext_preview"] = pipeline.prepare(
            to_csv_bytes(accepted), file_name, engine, format="footprint"
        )
    except ImportRefused as refused:
        st.error(escape_markdown(f"{refused.problem} {refused.fix}"))

preview = st.session_state.get("fromtext_preview")
if preview is None:
    st.stop()
stored_before = [p for p in preview.problems if "already stored" in p.problem]
if stored_before:
    st.warning(
        f"{len(stored_before)} of these events are already stored (the same text was read "
        "before): they are not stored again.",
        icon=":material/content_copy:",
    )
if preview.problems:
    st.dataframe(preview.report(), key="fromtext_report", hide_index=True)
decisions = pipeline.default_decisions(preview)
if preview.duplicates:
    st.warning(
        f"{len(preview.duplicates)} of these look like events already stored: check each "
        "pair; skip or merge leaves the row out.",
        icon=":material/content_copy:",
    )
    table = preview.duplicate_table()
    table.insert(0, "decision", [decisions[key] for key in table["key"]])
    chosen = st.data_editor(
        table,
        key="fromtext_duplicates",
        hide_index=True,
        disabled=[c for c in table.columns if c != "decision"],
        column_config={
            "decision": st.column_config.SelectboxColumn(options=list(pipeline.DECISIONS)),
            "key": None,
        },
    )
    decisions = dict(zip(chosen["key"], chosen["decision"], strict=True))
to_store, merges, skipped = pipeline.plan(preview, decisions)
st.write(f"Storing **{len(to_store)}** events as one batch ({skipped} left out).")
if st.button(
    "Store as one batch",
    key="fromtext_store",
    type="primary",
    disabled=to_store.empty and not merges,
):
    try:
        result = pipeline.commit(engine, preview, decisions, uploaded_by=analyst["name"])
    except ImportRefused as refused:
        st.error(escape_markdown(f"{refused.problem} {refused.fix}"))
    else:
        st.session_state["fromtext_done"] = {
            "batch_id": result.batch_id,
            "stored": result.stored,
            "skipped": result.skipped,
        }
        for key in ("fromtext_rows", "fromtext_document", "fromtext_preview"):
            st.session_state.pop(key, None)
        st.cache_data.clear()
        st.rerun()
