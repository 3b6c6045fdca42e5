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
from footprint.importers import checks, formats, mapping, pipeline
from footprint.importers.checks import ImportRefused
from footprint.views import mapview
from footprint.views.markdown import escape_markdown

st.title("Upload events")

config = auth.auth_config(st.secrets)


@st.cache_resource(show_spinner=False)
def upload_engine(database_url: str):
    """The store's engine for uploads (one per process and store)."""
    engine = store.make_engine(database_url)
    store.create_schema(engine)
    return engine


analyst = auth.sign_in_panel(
    st,
    config,
    prefix="upload",
    forget=("upload_preview", "upload_preview_key", "upload_mapping"),
)

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
st.caption(
    f"Upload limit: {st.get_option('server.maxUploadSize')} MB per file (the server's "
    "`server.maxUploadSize`); a 200 MB export holds about 1.3 million rows. Casualty counts "
    f"above {checks.MAX_COUNT:,} and text longer than {checks.MAX_TEXT_LENGTH['summary']:,} "
    f"characters (summary, notes; {checks.MAX_OTHER_TEXT_LENGTH:,} for other text) are refused "
    "with the fix."
)
format_choice = st.selectbox(
    "Format",
    ["auto", *formats.FORMAT_NAMES],
    key="upload_format",
    format_func=lambda f: "Recognise from the header" if f == "auto" else formats.BY_NAME[f].label,
)
if uploaded is None:
    st.stop()

chosen_mapping = st.session_state.get("upload_mapping")
preview_key = (  # the upload's own id: hashing a 200 MB file again on every rerun costs 0.5 s
    uploaded.file_id,
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
            uploaded.getvalue(),
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
    if refused is not None and not refused.header:
        st.error(escape_markdown(refused.problem), icon=":material/block:")
        st.write(escape_markdown(refused.fix))
    if refused is not None and refused.header:
        # Not an error: the next step for a file of another layout.
        st.subheader("Map your columns onto ours")
        st.info(
            escape_markdown(refused.problem)
            + " Choose, for each of our fields, the column of your file that holds it; the "
            "choices are suggested from the header names. The mapping is saved and used again "
            "for files with the same header.",
            icon=":material/table_rows:",
        )
        header = refused.header
        suggested = mapping.suggest_mapping(header)
        if suggested:
            st.caption(
                "Suggested from the header names: "
                + ", ".join(
                    f"{escape_markdown(target)} ← {escape_markdown(column)}"
                    for target, column in suggested.items()
                )
                + "."
            )
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
            except (mapping.MappingError, ImportRefused, OSError) as error:
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
if preview.placement.upgraded_from:
    upgraded = ", ".join(
        f"{count:,} from {escape_markdown(preview.columns.get(name, name))}"
        for name, count in preview.placement.upgraded_from.items()
    )
    st.caption(f"Rows placed more precisely than their city centre: {upgraded}.")

if preview.problems:
    st.subheader("Problems")
    st.caption("Errors keep a row out; warnings do not. Rows are the file's line numbers.")
    many = len(preview.problems) > pipeline.PREVIEW_PROBLEMS_SHOWN
    if many:
        st.caption(
            f"The first {pipeline.PREVIEW_PROBLEMS_SHOWN:,} of {len(preview.problems):,} "
            "problems; the report below lists them all."
        )
    st.dataframe(
        preview.report(limit=pipeline.PREVIEW_PROBLEMS_SHOWN),
        key="upload_report",
        hide_index=True,
        height=300,
    )
    st.download_button(
        "Download the problem report (CSV)",
        preview.report_csv if many else preview.report_csv(),  # a large one made on click
        file_name=f"{Path(uploaded.name).stem}-problems.csv",
        mime="text/csv",
        key="upload_report_download",
        icon=":material/download:",
        on_click="ignore",
    )

st.subheader("The rows to store")
if valid > mapview.AGGREGATE_THRESHOLD:
    # A large file is drawn as the map page draws a large store: hexagons,
    # cities and provinces, the largest attacks; the browser never gets every row.
    if not preview.index_ready:
        with st.spinner(f"Drawing the map of {valid:,} rows…"):
            preview.events_index()
    resolution, hexes, areas, largest, colours = mapview.aggregate_parts(
        preview.events_index().cursor(), "TRUE", [], "both"
    )
    deck = mapview.build_aggregate_deck(
        hexes, areas, largest, colours, "both", resolution=resolution, height=420
    )
    st.caption(
        f"{valid:,} rows, more than the {mapview.AGGREGATE_THRESHOLD:,} drawn one by one: "
        "hexagons count the rows placed more finely than a city, circles the rows known only "
        f"to a city or a province, and the {len(largest):,} deadliest are drawn alone."
    )
else:
    deck = mapview.build_deck(preview.events(), "both", height=420)
st.pydeck_chart(deck, key="upload_map", height=420, alt="Map of the uploaded rows")
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
events = preview.events(limit=pipeline.PREVIEW_ROWS_SHOWN)
if valid > len(events):
    st.caption(
        f"The first {len(events):,} of the {valid:,} rows without errors; all of them are "
        "stored on confirming."
    )
st.dataframe(events[shown_columns], key="upload_rows", hide_index=True, height=320)

decisions = {}
if preview.duplicates:
    st.subheader("Probable duplicates")
    st.caption(
        "Each row of the file beside the event it probably repeats. Keep stores it as a new "
        "event, skip leaves it out, merge leaves it out but adds its source to the other event."
    )
    bulk = st.columns(2)
    has_stored = any(p.other_kind == "stored" for p in preview.duplicates)
    has_file = any(p.other_kind == "file" for p in preview.duplicates)
    skip_at = bulk[0].slider(
        "Skip every row whose match with a stored event scores at least",
        min_value=0.65,
        max_value=1.0,
        value=0.8,
        step=0.01,
        key="upload_bulk_skip_at",
        disabled=not has_stored,
        help="Rows below the score are kept. You can still change any row in the table.",
    )
    keep_file = bulk[1].toggle(
        "Keep every row that repeats another row of this file",
        value=True,
        key="upload_bulk_keep_file",
        disabled=not has_file,
    )
    table = preview.duplicate_table(limit=pipeline.PREVIEW_DUPLICATES_SHOWN)
    defaults = pipeline.bulk_decisions(preview, skip_at, keep_file)
    if len(preview.duplicates) > len(table):
        st.caption(
            f"The table lists the first {len(table):,} of {len(preview.duplicates):,} pairs; "
            "the two choices above decide the others."
        )
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
            **pipeline.DUPLICATE_TABLE_LABELS,
        },
    )
    decisions = {**defaults, **dict(zip(edited["key"], edited["decision"], strict=True))}

to_store, merges, skipped = pipeline.plan_counts(preview, decisions)
st.write(
    f"Confirming stores **{to_store:,}** events"
    + (f", merges {merges:,} into existing events" if merges else "")
    + (f", skips {skipped - merges:,} duplicates" if skipped - merges else "")
    + f" and leaves out {preview.rows_read - valid:,} rows with errors, as one batch."
)
blocked = bool(preview.already_uploaded) or (to_store == 0 and not merges)
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
