"""Altair chart builders for the analysis pages, and the brush-to-date-range rule.

Every function here is pure: it takes an events frame (or a table computed
from one) and returns an ``altair`` chart or a plain value; nothing imports
streamlit. Group colours come from :mod:`footprint.views.palette` through
:func:`group_scale`, so a group has the same colour in every chart, on the map
and in every legend.

Counting rules:

- The stacked timeline counts every event once, under its main group
  (:func:`footprint.views.profiles.primary_group`), so a month's stack is its total.
- The per-group small multiples count an event in the panel of every group
  linked to it (claimed, attributed or suspected).
- Casualty measures use the reported minimum (``killed_min``,
  ``injured_min``): unknown is never counted as 0 in a range, but a sum of
  minimums is the conservative figure; tooltips give the range.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import altair as alt
import pandas as pd

from footprint.views import palette, profiles

#: The measures a timeline can show: column of :func:`period_counts` -> axis title.
MEASURES: dict[str, str] = {
    "events": "Events",
    "killed": "Killed (reported minimum)",
    "injured": "Injured (reported minimum)",
    "casualties": "Killed and injured (reported minimum)",
}
#: Period lengths a timeline can be binned by -> pandas period alias.
FREQUENCIES: dict[str, str] = {"day": "D", "week": "W", "month": "M", "quarter": "Q", "year": "Y"}
#: Axis label format of each bin length: a short range labels days, a long one years.
AXIS_FORMATS: dict[str, str] = {
    "day": "%d %b",
    "week": "%d %b",
    "month": "%b %Y",
    "quarter": "%Y",
    "year": "%Y",
}
#: The name of the timeline's interval selection (the key in Streamlit's payload).
BRUSH = "timeline_brush"
#: The field the brush projects on.
BRUSH_FIELD = "period"

COUNT_COLUMNS = (
    "events",
    "killed",
    "killed_max",
    "injured",
    "injured_max",
    "casualties",
)


# --- colours ----------------------------------------------------------------


def group_domain(groups) -> tuple[list[str], list[str]]:
    """Return ``(domain, range)`` for the groups shown, in palette order.

    Built from :func:`footprint.views.palette.legend`; :data:`profiles.UNATTRIBUTED`
    comes last in the palette's grey for unattributed events.
    """
    names = [g for g in dict.fromkeys(groups) if g and g != profiles.UNATTRIBUTED]
    items = palette.legend(names)
    domain = [label for label, _ in items]
    colours = [colour for _, colour in items]
    if profiles.UNATTRIBUTED in set(groups):
        domain.append(profiles.UNATTRIBUTED)
        colours.append(palette.hex_colour(palette.UNATTRIBUTED))
    return domain, colours


def group_scale(groups) -> alt.Scale:
    """Return the Altair colour scale of the groups shown (see :func:`group_domain`)."""
    domain, colours = group_domain(groups)
    return alt.Scale(domain=domain, range=colours)


# --- tables -----------------------------------------------------------------


def suggested_frequency(frame: pd.DataFrame) -> str:
    """Return the period that keeps the bars readable: month up to 6 years, quarter up to 15, else year."""
    dates = frame["event_date"].dropna()
    if dates.empty:
        return "month"
    years = (dates.max() - dates.min()).days / 365.25
    return "month" if years <= 6 else "quarter" if years <= 15 else "year"


def _iso(value) -> str | None:
    return None if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def _period_bounds(starts: pd.Series, freq: str) -> tuple[pd.Series, pd.Series]:
    """Return the start and the (exclusive) end of each period."""
    periods = starts.dt.to_period(FREQUENCIES[freq])
    return periods.dt.start_time.dt.normalize(), (periods + 1).dt.start_time.dt.normalize()


def _measures(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the per-event measure columns (minimums, maximums falling back to minimums)."""
    killed = frame["killed_min"].astype("Float64")
    injured = frame["injured_min"].astype("Float64")
    killed_max = frame["killed_max"].astype("Float64").fillna(killed)
    injured_max = frame["injured_max"].astype("Float64").fillna(injured)
    return pd.DataFrame(
        {
            "events": 1,
            "killed": killed.fillna(0),
            "killed_max": killed_max.fillna(0),
            "injured": injured.fillna(0),
            "injured_max": injured_max.fillna(0),
            "casualties": killed.fillna(0) + injured.fillna(0),
        },
        index=frame.index,
    )


def period_counts(
    frame: pd.DataFrame,
    freq: str = "month",
    by: str | None = "primary",
) -> pd.DataFrame:
    """Count events and casualties per period (and group).

    Parameters
    ----------
    frame : DataFrame
        An events frame; events without ``event_date`` are left out.
    freq : {"month", "quarter", "year"}
        The period length.
    by : {"primary", "linked", None}
        ``"primary"``: one row per period and main group (each event counted
        once). ``"linked"``: one row per period and every group linked to an
        event (an event with two groups counts in both). ``None``: one row
        per period.
    Returns
    -------
    DataFrame
        ``period`` and ``period_end`` (ISO dates; the end is exclusive),
        ``label`` (e.g. ``May 2015``), ``group`` (unless ``by`` is None) and
        the integer counts ``events, killed, killed_max, injured,
        injured_max, casualties``; periods without events are not listed.
    """
    dated = frame.loc[frame["event_date"].notna()]
    values = _measures(dated)
    values["start"], values["end"] = _period_bounds(dated["event_date"], freq)
    keys = ["start", "end"]
    if by == "primary":
        values["group"] = profiles.primary_group(dated)
        keys.append("group")
    elif by == "linked":
        links = profiles.event_groups(dated)
        values = values.iloc[links["row"].to_numpy()].copy()
        values["group"] = links["group"].to_numpy()
        keys.append("group")
    elif by is not None:
        raise ValueError(f"by must be 'primary', 'linked' or None, not {by!r}")
    if values.empty:
        columns = ["period", "period_end", "label", *keys[2:], *COUNT_COLUMNS]
        return pd.DataFrame(columns=columns)
    table = values.groupby(keys, as_index=False, sort=True)[list(COUNT_COLUMNS)].sum()
    for column in COUNT_COLUMNS:
        table[column] = table[column].astype("int64")
    label_format = {
        "day": "%d %b %Y",
        "week": "Week of %d %b %Y",
        "month": "%b %Y",
        "quarter": "%Y",
        "year": "%Y",
    }[freq]
    table["label"] = table["start"].dt.strftime(label_format)
    if freq == "quarter":
        table["label"] = "Q" + table["start"].dt.quarter.astype(str) + " " + table["label"]
    table["period"] = table["start"].map(_iso)
    table["period_end"] = table["end"].map(_iso)
    ordered = ["period", "period_end", "label", *keys[2:], *COUNT_COLUMNS]
    return table[ordered]


def short_label(row: Mapping[str, Any], width: int = 26) -> str:
    """Return a short annotation for an attack: its place and toll, e.g. ``Safoora Goth: 46 killed``."""
    place = next(
        (
            str(row.get(column))
            for column in ("neighbourhood", "town", "location_text", "district", "city")
            if row.get(column) is not None
            and not pd.isna(row.get(column))
            and str(row.get(column)).strip()
        ),
        "",
    )
    if len(place) > width:
        place = place[: width - 1].rstrip() + "…"
    killed = row.get("killed_min")
    toll = "" if killed is None or pd.isna(killed) else f"{int(killed)} killed"
    return ": ".join(part for part in (place, toll) if part) or str(row.get("event_id", ""))


def largest_attacks(frame: pd.DataFrame, n: int = 5) -> pd.DataFrame:
    """Return the ``n`` deadliest dated attacks, deadliest first, with a short label.

    Ranked by ``killed_min`` then ``injured_min`` (unknown ranks last); events
    with no known deaths are not annotated.
    """
    attacks = frame.loc[frame["event_date"].notna() & frame["killed_min"].fillna(0).gt(0)]
    if "event_type" in attacks.columns:
        attacks = attacks.loc[attacks["event_type"].fillna("attack").eq("attack")]
    ranked = attacks.assign(
        _k=attacks["killed_min"].fillna(-1), _i=attacks["injured_min"].fillna(-1)
    ).sort_values(["_k", "_i", "event_date"], ascending=[False, False, True])
    top = ranked.head(n).drop(columns=["_k", "_i"])
    out = top[["event_id", "event_date", "killed_min", "killed_max", "injured_min"]].copy()
    out["label"] = [short_label(record) for record in top.to_dict("records")]
    return out.reset_index(drop=True)


# --- the timeline -----------------------------------------------------------


def _bar_end(table: pd.DataFrame) -> pd.Series:
    """Return where each bar ends: 90% of the period, leaving a gap between bars."""
    start = pd.to_datetime(table["period"])
    end = pd.to_datetime(table["period_end"])
    return (start + (end - start) * 0.9).dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def timeline_chart(
    frame: pd.DataFrame,
    measure: str = "events",
    freq: str = "month",
    annotate: int = 5,
    height: int = 320,
    table: pd.DataFrame | None = None,
) -> alt.LayerChart:
    """Return stacked bars of events (or casualties) per period by main group.

    The bars carry an interval brush on x named :data:`BRUSH` (projected on
    :data:`BRUSH_FIELD`); :func:`selection_date_range` turns Streamlit's
    selection payload into a date range. The ``annotate`` deadliest attacks
    are labelled above their bar.

    Dates are written as ISO strings read in UTC (a ``utc`` time scale), so
    the brush gives the same dates whatever the viewer's time zone.

    Parameters
    ----------
    frame : DataFrame
        An events frame (usually the filtered one); undated events are left out.
    measure : str
        One of :data:`MEASURES`.
    freq : {"month", "quarter", "year"}
        The period of a bar (and of the brush's snapping).
    annotate : int
        How many of the deadliest attacks to label (0 for none).
    height : int
        The chart's height in pixels; it takes the container's width.
    table : DataFrame, optional
        The bins already counted (``query.period_counts(..., by="primary")``);
        ``frame`` then only needs to hold the attacks to label
        (``query.largest_attacks``).

    Raises
    ------
    ValueError
        For an unknown ``measure``.
    """
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {', '.join(MEASURES)}, not {measure!r}")
    table = period_counts(frame, freq=freq, by="primary") if table is None else table.copy()
    table["bar_end"] = _bar_end(table) if len(table) else []
    domain, colours = group_domain(table["group"]) if len(table) else ([], [])
    order = {name: i for i, name in enumerate(domain)}
    table["order"] = table["group"].map(order) if len(table) else []
    brush = alt.selection_interval(name=BRUSH, encodings=["x"])
    x = alt.X(
        f"{BRUSH_FIELD}:T",
        title=None,
        scale=alt.Scale(type="utc"),
        axis=alt.Axis(
            format=AXIS_FORMATS[freq],
            labelOverlap=True,
            **({"tickCount": "year"} if freq in ("quarter", "year") else {}),
        ),
    )
    tooltip = [
        alt.Tooltip("label:N", title="Period"),
        alt.Tooltip("group:N", title="Group"),
        alt.Tooltip("events:Q", title="Events"),
        alt.Tooltip("killed:Q", title="Killed (min)"),
        alt.Tooltip("killed_max:Q", title="Killed (max)"),
        alt.Tooltip("injured:Q", title="Injured (min)"),
        alt.Tooltip("injured_max:Q", title="Injured (max)"),
    ]
    bars = (
        alt.Chart(table)
        .mark_bar()
        .encode(
            x=x,
            x2="bar_end:T",
            y=alt.Y(f"sum({measure}):Q", title=MEASURES[measure], stack="zero"),
            color=alt.Color(
                "group:N",
                title="Group (main)",
                scale=alt.Scale(domain=domain, range=colours),
                legend=alt.Legend(orient="bottom", columns=4, symbolType="square"),
            ),
            order=alt.Order("order:Q"),
            opacity=alt.condition(brush, alt.value(1.0), alt.value(0.35)),
            tooltip=tooltip,
        )
        .add_params(brush)
    )
    layers = [bars]
    notes = annotation_table(frame, table, measure, freq, annotate)
    if len(notes):
        anchor = alt.Chart(notes).encode(
            x=alt.X("mid:T", scale=alt.Scale(type="utc")),
            y=alt.Y("y:Q"),
            tooltip=[
                alt.Tooltip("label:N", title="Attack"),
                alt.Tooltip("date:N", title="Date"),
                alt.Tooltip("killed:N", title="Killed"),
            ],
        )
        layers.append(anchor.mark_point(shape="triangle-down", size=40, filled=True, color="#333"))
        # Labels run right of their mark, or left of it near the chart's right edge.
        for align, dx in (("left", 5), ("right", -5)):
            layers.append(
                anchor.mark_text(align=align, dx=dx, dy=-6, fontSize=11, color="#333")
                .encode(text="label:N")
                .transform_filter(alt.datum.align == align)
            )
    return alt.layer(*layers).properties(height=height, width="container")


_NOTE_COLUMNS = ("event_id", "label", "mid", "y", "align", "date", "killed")


def annotation_table(
    frame: pd.DataFrame, table: pd.DataFrame, measure: str, freq: str, n: int
) -> pd.DataFrame:
    """Return where to draw the labels of the ``n`` largest attacks.

    Each label sits above the stacks it runs across; labels close in time are
    put on successive levels so that they do not overlap.
    """
    if n <= 0 or table.empty:
        return pd.DataFrame(columns=list(_NOTE_COLUMNS))
    top = largest_attacks(frame, n)
    if top.empty:
        return pd.DataFrame(columns=list(_NOTE_COLUMNS))
    start, end = _period_bounds(top["event_date"], freq)
    totals = table.groupby("period")[measure].sum()
    peak = max(float(totals.max()), 1.0)
    top["period"] = start.map(_iso)
    top["mid"] = (start + (end - start) / 2).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    # A label runs right of its mark, or left of it in the last 30% of the chart.
    dates = pd.to_datetime(top["period"])
    first = pd.to_datetime(table["period"]).min()
    last = pd.to_datetime(table["period_end"]).max()
    span = max((last - first).days, 1)
    near = pd.Timedelta(days=span * 0.12)
    top["align"] = ["right" if (d - first).days > 0.7 * span else "left" for d in dates]
    # Labels close in time would overlap: put each on the lowest free level.
    levels: list[int] = []
    placed: list[tuple[pd.Timestamp, int]] = []
    for date in dates:
        taken = {level for other, level in placed if abs(date - other) < near}
        level = next(i for i in range(len(placed) + 1) if i not in taken)
        levels.append(level)
        placed.append((date, level))
    top["level"] = levels
    # Keep each label above the bars it runs across.
    periods = pd.to_datetime(pd.Series(totals.index))
    heights = totals.to_numpy(dtype=float)
    base = []
    for date, align in zip(dates, top["align"], strict=True):
        low, high = (date, date + near) if align == "left" else (date - near, date)
        inside = ((periods >= low) & (periods <= high)).to_numpy()
        base.append(float(heights[inside].max(initial=0.0)))
    top["y"] = pd.Series(base, index=top.index) + peak * (0.08 + 0.14 * top["level"])
    top["date"] = top["event_date"].dt.strftime("%d %b %Y")
    top["killed"] = [
        f"{int(lo)}" if pd.isna(hi) or hi == lo else f"{int(lo)}–{int(hi)}"
        for lo, hi in zip(top["killed_min"], top["killed_max"], strict=True)
    ]
    return top[list(_NOTE_COLUMNS)].reset_index(drop=True)


def small_multiples_chart(
    frame: pd.DataFrame,
    measure: str = "events",
    freq: str = "year",
    columns: int = 3,
    max_groups: int = 12,
    linked: pd.DataFrame | None = None,
) -> alt.FacetChart:
    """Return one small bar chart per group (every linked group), sharing axes.

    Panels are ordered by the group's total, largest first; at most
    ``max_groups`` panels are drawn. Unattributed events get their own panel.

    Parameters
    ----------
    frame : DataFrame
        An events frame.
    measure : str
        One of :data:`MEASURES`.
    freq : {"month", "quarter", "year"}
        The period of a bar.
    columns : int
        Panels per row.
    max_groups : int
        The most panels drawn.
    linked : DataFrame, optional
        The per-group bins already counted (every linked group, and
        :data:`profiles.UNATTRIBUTED`), as ``query.group_period_counts`` gives them.
    """
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {', '.join(MEASURES)}, not {measure!r}")
    if linked is None:
        linked = period_counts(frame, freq=freq, by="linked")
        unlinked_rows = set(range(len(frame))) - set(profiles.event_groups(frame)["row"])
    else:
        unlinked_rows = set()
    if unlinked_rows:
        rest = period_counts(frame.iloc[sorted(unlinked_rows)], freq=freq, by=None)
        rest["group"] = profiles.UNATTRIBUTED
        linked = pd.concat([linked, rest[linked.columns]], ignore_index=True)
    totals = linked.groupby("group")[measure].sum().sort_values(ascending=False, kind="stable")
    shown = list(totals.index[:max_groups])
    table = linked.loc[linked["group"].isin(shown)].reset_index(drop=True)
    table["bar_end"] = _bar_end(table) if len(table) else []
    domain, colours = group_domain(shown)
    return (
        alt.Chart(table)
        .mark_bar()
        .encode(
            x=alt.X(
                "period:T",
                title=None,
                scale=alt.Scale(type="utc"),
                axis=alt.Axis(
                    format=AXIS_FORMATS[freq],
                    labelOverlap=True,
                    **({"tickCount": "year"} if freq in ("quarter", "year") else {}),
                ),
            ),
            x2="bar_end:T",
            y=alt.Y(f"{measure}:Q", title=MEASURES[measure]),
            color=alt.Color("group:N", scale=alt.Scale(domain=domain, range=colours), legend=None),
            tooltip=[
                alt.Tooltip("group:N", title="Group"),
                alt.Tooltip("label:N", title="Period"),
                alt.Tooltip("events:Q", title="Events"),
                alt.Tooltip("killed:Q", title="Killed (min)"),
                alt.Tooltip("injured:Q", title="Injured (min)"),
            ],
        )
        .properties(width=260, height=110)
        .facet(facet=alt.Facet("group:N", title=None, sort=shown), columns=columns)
    )


# --- brush -> date range ----------------------------------------------------


def _to_timestamp(value: Any) -> pd.Timestamp | None:
    """Read one end of a Vega-Lite interval: epoch milliseconds or a date string."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        # Vega-Lite may give a DateTime object ({"year": 2015, "month": 5, ...}).
        parts = {k: value[k] for k in ("year", "month", "date") if k in value}
        if "year" not in parts:
            return None
        return pd.Timestamp(
            int(parts["year"]), int(parts.get("month", 1)), int(parts.get("date", 1))
        )
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        stamp = pd.Timestamp(int(value), unit="ms", tz="UTC")
    else:
        try:
            stamp = pd.Timestamp(str(value))
        except ValueError:
            return None
        if stamp.tzinfo is None:
            stamp = stamp.tz_localize("UTC")
    return stamp.tz_convert("UTC").tz_localize(None)


def selection_date_range(
    event: Mapping | None,
    param: str = BRUSH,
    field: str = BRUSH_FIELD,
    snap: str | None = "month",
    clip: tuple[dt.date, dt.date] | None = None,
) -> tuple[dt.date, dt.date] | None:
    """Turn a Streamlit chart-selection payload into an inclusive date range.

    Parameters
    ----------
    event : mapping or None
        What ``st.altair_chart(..., on_select="rerun")`` returns, e.g.
        ``{"selection": {"timeline_brush": {"period": [1420070400000, 1451606400000]}}}``.
        Interval ends may be epoch milliseconds or ISO strings; an empty
        selection (``{}``) or a missing parameter gives None.
    param : str
        The selection parameter's name.
    field : str
        The brushed field; when absent, a field whose name ends with it
        (``yearmonth_period``) or the only field given is used.
    snap : {"month", "quarter", "year"} or None
        Widen the range to whole periods: the start to the first day of its
        period, the end to the last day of its period. None keeps the days.
    clip : tuple of date, optional
        ``(earliest, latest)`` the range is kept within (the date widgets'
        bounds); a range wholly outside gives None.

    Returns
    -------
    tuple of date or None
        ``(date_from, date_to)``, both inclusive, ``date_from <= date_to``.
    """
    if not event:
        return None
    selection = event.get("selection") if isinstance(event, Mapping) else None
    if not isinstance(selection, Mapping):
        return None
    interval = selection.get(param)
    if not isinstance(interval, Mapping) or not interval:
        return None
    values = interval.get(field)
    if values is None:
        candidates = [key for key in interval if str(key).endswith(field)]
        if not candidates and len(interval) == 1:
            candidates = list(interval)
        if not candidates:
            return None
        values = interval[candidates[0]]
    if not isinstance(values, list | tuple) or len(values) < 2:
        return None
    stamps = [_to_timestamp(v) for v in values]
    if any(s is None for s in stamps):
        return None
    low, high = min(stamps), max(stamps)
    if snap:
        alias = FREQUENCIES[snap]
        low = low.to_period(alias).start_time
        high = high.to_period(alias).end_time
    start, end = low.date(), high.date()
    if clip is not None:
        start, end = max(start, clip[0]), min(end, clip[1])
        if start > end:
            return None
    return start, end


# --- the affiliation network ------------------------------------------------


def network_chart(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    highlight: str | None = None,
    height: int = 460,
) -> alt.LayerChart:
    """Return the affiliation network: rules for links, circles and labels for groups.

    Parameters
    ----------
    nodes, edges : DataFrame
        :func:`footprint.views.profiles.affiliation_network`'s output. Each edge's
        tooltip gives its relation, source reference and evidence; circle
        size is the number of events linked to the group.
    highlight : str, optional
        A group whose circle gets a heavy outline and whose links are drawn
        darker.
    height : int
        The chart's height in pixels.
    """
    nodes = nodes.assign(highlight=nodes["name"].eq(highlight) if len(nodes) else [])
    edges = edges.assign(
        highlight=(edges["source_group"].eq(highlight) | edges["target_group"].eq(highlight))
        if len(edges)
        else []
    )
    axis = alt.Axis(title=None, labels=False, ticks=False, domain=False, grid=False)
    pad = 0.25
    if len(nodes):
        x_domain = [float(nodes["x"].min()) - pad, float(nodes["x"].max()) + pad]
        y_domain = [float(nodes["y"].min()) - pad, float(nodes["y"].max()) + pad]
    else:
        x_domain = y_domain = [-1.0, 1.0]
    x_scale = alt.Scale(domain=x_domain, nice=False, zero=False)
    y_scale = alt.Scale(domain=y_domain, nice=False, zero=False)
    rules = (
        alt.Chart(edges)
        .mark_rule(strokeWidth=2)
        .encode(
            color=alt.condition("datum.highlight", alt.value("#222"), alt.value("#999")),
            x=alt.X("x:Q", scale=x_scale, axis=axis),
            y=alt.Y("y:Q", scale=y_scale, axis=axis),
            x2="x2:Q",
            y2="y2:Q",
            strokeDash=alt.StrokeDash(
                "relation:N", title="Relation", legend=alt.Legend(orient="bottom", columns=3)
            ),
            tooltip=[
                alt.Tooltip("source_group:N", title="From"),
                alt.Tooltip("relation:N", title="Relation"),
                alt.Tooltip("target_group:N", title="To"),
                alt.Tooltip("source_ref:N", title="Source"),
                alt.Tooltip("evidence:N", title="Evidence"),
            ],
        )
    )
    domain, colours = group_domain(nodes["name"]) if len(nodes) else ([], [])
    base = alt.Chart(nodes).encode(
        x=alt.X("x:Q", scale=x_scale, axis=axis),
        y=alt.Y("y:Q", scale=y_scale, axis=axis),
        tooltip=[
            alt.Tooltip("name:N", title="Group"),
            alt.Tooltip("kind:N", title="Kind"),
            alt.Tooltip("events:Q", title="Events"),
        ],
    )
    points = base.mark_circle(opacity=1, stroke="#111").encode(
        strokeWidth=alt.condition("datum.highlight", alt.value(3), alt.value(0.5)),
        color=alt.Color("name:N", scale=alt.Scale(domain=domain, range=colours), legend=None),
        size=alt.Size("events:Q", scale=alt.Scale(range=[120, 1200], zero=True), legend=None),
    )
    labels = base.mark_text(dy=-14, fontSize=11, color="#222").encode(text="name:N")
    return (
        alt.layer(rules, points, labels)
        .properties(height=height, width="container")
        .configure_view(stroke=None)
    )
