"""Event cards: one event as escaped HTML, with honest dates, places and tolls.

Pure functions (no streamlit). Every value taken from the events table goes
through :func:`html.escape` before it reaches markup: text from uploads is
data, never markup. The same card is shown when an event is clicked on the
map, in briefing mode (``large=True``) and in the exported briefing.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from functools import lru_cache

import pandas as pd

from footprint.data import schema
from footprint.data.filters import humanise
from footprint.views import palette
from footprint.views.markdown import escape_markdown

#: CSS of the cards, shared by the map page, briefing mode and the export.
CARD_CSS = """
.fp-card {font-family: "Source Sans Pro", "Source Sans 3", "Helvetica Neue", Arial, sans-serif;
  color: #1b1b1b; background: #ffffff; border: 1px solid #c8c8c8; border-left: 8px solid var(--fp-accent, #777);
  border-radius: 6px; padding: 0.8rem 1rem; margin: 0 0 0.8rem 0; line-height: 1.35; font-size: 1rem;}
.fp-card h3 {font-size: 1.25em; margin: 0 0 0.35em 0; line-height: 1.2; color: #111;}
.fp-card .fp-id {font-size: 0.8em; color: #555; font-family: monospace;}
.fp-card .fp-kicker {font-size: 0.85em; color: #444; text-transform: uppercase; letter-spacing: 0.04em;}
.fp-card dl {display: grid; grid-template-columns: max-content 1fr; gap: 0.2em 0.8em; margin: 0.4em 0;}
.fp-card dt {font-weight: 600; color: #444;}
.fp-card dd {margin: 0;}
.fp-card .fp-precision {color: #555; font-size: 0.9em;}
.fp-card .fp-approx {background: #fff3c4; border-radius: 3px; padding: 0 0.3em; font-size: 0.85em;
  color: #5a4500; white-space: nowrap;}
.fp-card .fp-swatch {display: inline-block; width: 0.8em; height: 0.8em; border-radius: 50%;
  margin-right: 0.3em; vertical-align: baseline; border: 1px solid #333;}
.fp-card .fp-summary {margin: 0.5em 0;}
.fp-card .fp-sources {font-size: 0.85em; color: #333; margin: 0.3em 0 0 0; padding-left: 1.2em;}
.fp-card.fp-large {font-size: 28px; border-left-width: 14px; padding: 1.1rem 1.4rem;}
.fp-card.fp-large h3 {font-size: 1.25em;}
.fp-card.fp-large dt, .fp-card.fp-large dd, .fp-card.fp-large p {font-size: 28px;}
.fp-card.fp-large .fp-precision, .fp-card.fp-large .fp-approx {font-size: 1em;}
.fp-card.fp-large .fp-sources {font-size: 0.75em;}
.fp-card .fp-sources-title {font-weight: 600; font-size: 0.9em; margin-top: 0.4em;}
"""

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, (str, int, pd.Timestamp)):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _text(value: object) -> str | None:
    if _missing(value):
        return None
    text = str(value).strip()
    return text or None


def _is_true(value: object) -> bool:
    return not _missing(value) and bool(value)


def _day(value: pd.Timestamp) -> str:
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def _timestamp(value: object) -> pd.Timestamp | None:
    if isinstance(value, pd.Timestamp):
        return value
    if _missing(value):
        return None
    return pd.Timestamp(value)


def _span(start: pd.Timestamp, end: pd.Timestamp) -> str:
    if start.year == end.year and start.month == end.month:
        return f"{start.day}–{end.day} {MONTHS[start.month - 1]} {start.year}"
    if start.year == end.year:
        return f"{start.day} {MONTHS[start.month - 1]} – {end.day} {MONTHS[end.month - 1]} {start.year}"
    return f"{_day(start)} – {_day(end)}"


def date_label(event: Mapping) -> str:
    """Return an event's date as written for a reader, with its precision.

    Examples: ``20 March 2015``; ``March 2015 (month)``; ``2015 (year)``;
    ``week of 9 March 2015 (week)``; ``10–14 March 2015 (between)`` for a
    day known only to a range; ``May 2015 (month; between 1–20 May 2015)``
    when the range narrows the month; ``1 January 1980 – 31 January 2010
    (between)`` when it reaches beyond it; ``date unknown`` when there is none.
    """
    precision = _text(event.get("date_precision")) or "day"
    date = _timestamp(event.get("event_date"))
    start = _timestamp(event.get("date_start"))
    end = _timestamp(event.get("date_end"))
    date = date or start or end
    if date is None:
        return "date unknown"
    natural = None
    if precision == "month":
        natural = (date.replace(day=1), date.replace(day=date.days_in_month))
    elif precision == "year":
        natural = (date.replace(month=1, day=1), date.replace(month=12, day=31))
    elif precision == "week":
        first = start or date
        natural = (first, first + pd.Timedelta(days=6))
    span = None
    if start is not None and end is not None and start != end and (start, end) != natural:
        span = _span(start, end)
        if natural is None or not (natural[0] <= start and end <= natural[1]):
            # The range reaches beyond the month or year named: say only the range.
            return f"{span} (between)"
    if precision == "month":
        primary = f"{MONTHS[date.month - 1]} {date.year}"
    elif precision == "year":
        primary = str(date.year)
    elif precision == "week":
        primary = f"week of {_day(start or date)}"
    else:
        return f"{span} (between)" if span else _day(date)
    return f"{primary} ({precision}; between {span})" if span else f"{primary} ({precision})"


def is_date_approximate(event: Mapping) -> bool:
    """Return True when an event's date is known to less than a day."""
    precision = _text(event.get("date_precision")) or "day"
    start, end = _timestamp(event.get("date_start")), _timestamp(event.get("date_end"))
    return precision != "day" or (start is not None and end is not None and start != end)


def casualty_label(low: object, high: object, noun: str) -> str:
    """Return a casualty count as a range: ``31+ killed``, ``2–4 injured``, ``killed: unknown``.

    A missing lower bound with a known upper bound reads ``up to 4``; both
    missing means unknown, never zero.
    """
    lo = None if _missing(low) else int(low)
    hi = None if _missing(high) else int(high)
    if lo is None and hi is None:
        return f"{noun}: unknown"
    if lo is None:
        return f"up to {hi} {noun}"
    if hi is None:
        return f"{lo}+ {noun}" if lo > 0 else f"{noun}: unknown (0+)"
    if lo == hi:
        return f"{lo} {noun}"
    return f"{lo}–{hi} {noun}"


def place_hierarchy(event: Mapping) -> str:
    """Return ``neighbourhood › town › district › province`` (parts that are known)."""
    parts: list[str] = []
    for column in ("neighbourhood", "town", "district", "city", "province"):
        text = _text(event.get(column))
        if column == "city" and text and _text(event.get("district")):
            # The district already names the city in Karachi ("Karachi South").
            if text.lower() in (_text(event.get("district")) or "").lower():
                continue
        if text and text not in parts:
            parts.append(text)
    return " › ".join(parts)


def place_label(event: Mapping) -> str:
    """Return where an event happened: the place as written, then its hierarchy."""
    written = _text(event.get("location_text"))
    hierarchy = place_hierarchy(event)
    if written and hierarchy:
        # "Pakistan Chowk — Pakistan Chowk › Saddar": leave out what the text already says.
        parts = [p for p in hierarchy.split(" › ") if p.lower() not in written.lower()]
        hierarchy = " › ".join(parts)
    if written and hierarchy:
        return f"{written} — {hierarchy}"
    return written or hierarchy or "place unknown"


def event_title(event: Mapping) -> str:
    """Return a short title: what happened and where (``Bombing at Saleh Mosque``)."""
    kind = _text(event.get("attack_type"))
    event_type = _text(event.get("event_type")) or "event"
    if event_type == "attack" and kind and kind != "unknown":
        what = humanise(kind)
    elif event_type == "attack":
        what = "attack"
    else:
        what = humanise(event_type)
    if event_type == "attack" and _is_true(event.get("suicide")) and "suicide" not in what:
        what = f"suicide {what}"
    what = what[:1].upper() + what[1:]
    where = (
        _text(event.get("location_text"))
        or _text(event.get("neighbourhood"))
        or _text(event.get("town"))
        or _text(event.get("district"))
        or _text(event.get("city"))
        or _text(event.get("province"))
    )
    if where is None:
        return what
    where = where.split(",")[0].strip()
    return f"{what} at {where}" if event_type != "militant_presence" else f"{what} in {where}"


def list_label(event: Mapping) -> str:
    """Return one line for an event in a list (a map stack's side panel), markdown-escaped.

    ``2014-06-08 · Suicide bombing at Jinnah Airport · 36 killed``.
    """
    when = _timestamp(event.get("event_date"))
    day = when.date().isoformat() if when is not None else "date unknown"
    toll = casualty_label(event.get("killed_min"), event.get("killed_max"), "killed")
    return escape_markdown(f"{day} · {event_title(event)} · {toll}")


def groups_label(event: Mapping) -> str:
    """Return the linked groups as plain text: ``Islamic State (claimed); ...``."""
    try:
        perpetrators = schema.parse_perpetrators(event.get("perpetrators"))
    except schema.SchemaError:
        return _text(event.get("perpetrators")) or "no group named"
    if not perpetrators:
        return "no group named"
    return "; ".join(str(p) for p in perpetrators)


def _groups_html(event: Mapping) -> str:
    try:
        perpetrators = schema.parse_perpetrators(event.get("perpetrators"))
    except schema.SchemaError:
        return html.escape(_text(event.get("perpetrators")) or "")
    if not perpetrators:
        colour = palette.hex_colour(palette.UNATTRIBUTED)
        return f'<span class="fp-swatch" style="background:{colour}"></span>no group named'
    items = []
    for perpetrator in perpetrators:
        colour = palette.hex_colour(palette.group_colour(perpetrator.group))
        items.append(
            f'<span class="fp-swatch" style="background:{colour}"></span>'
            f"{html.escape(perpetrator.group)} <em>({html.escape(perpetrator.link)})</em>"
        )
    return "<br>".join(items)


@lru_cache(maxsize=1)
def source_documents() -> dict[str, str]:
    """Return how each coded seed document is cited: ``{file name: '“Title”, Outlet, 2015-03'}``.

    Read once from ``seeds/*.yaml`` (title, outlet and date of each document),
    so cards name a source by what it is, not by its hashed file name.
    """
    from footprint.importers import seeds

    try:
        documents = seeds.read_seed_documents()
    except (OSError, seeds.SeedError):
        return {}
    cited = {}
    for document in documents:
        source = document.source
        parts = [f"“{source['title']}”" if source.get("title") else document.file_name]
        parts += [str(source[k]) for k in ("outlet", "published") if source.get(k)]
        cited[document.file_name] = ", ".join(parts)
    return cited


def sources(event: Mapping) -> list[str]:
    """Return the event's sources, one per entry: ``“The Al Qaeda footprint”, 2015-03, lines 4-18``.

    A seed document is named by its title, outlet and date; an upload by its
    file name and line.
    """
    titles = source_documents()
    refs = []
    for part in (_text(event.get("source_ref")) or "").split(";"):
        part = part.strip()
        if not part:
            continue
        document, _, lines = part.rpartition(":")
        if document and lines and any(ch.isdigit() for ch in lines):
            noun = "lines" if any(ch in lines for ch in "-–,") else "line"
            part = f"{titles.get(document, document)}, {noun} {lines}"
        refs.append(part)
    source_id = _text(event.get("source_id"))
    if not refs and source_id:
        refs = [source_id]
    return refs


def accent_colour(event: Mapping) -> str:
    """Return the hex colour of the event's most strongly linked group."""
    try:
        perpetrators = schema.parse_perpetrators(event.get("perpetrators"))
    except schema.SchemaError:
        perpetrators = []
    group = perpetrators[0].group if perpetrators else None
    return palette.hex_colour(palette.group_colour(group))


def event_card_html(
    event: Mapping, *, large: bool = False, heading: str | None = None, with_style: bool = True
) -> str:
    """Return one event's card as HTML; every value from the data is escaped.

    Parameters
    ----------
    event : Mapping
        One events-table row (a dict or a pandas Series).
    large : bool
        Large type for briefing mode on a projector.
    heading : str, optional
        A line above the title, e.g. ``Event 3 of 12`` (escaped too).
    with_style : bool
        Include the ``<style>`` block (leave out when the page already has it).

    Returns
    -------
    str
        A ``<div class="fp-card">`` element.
    """
    if isinstance(event, pd.Series):
        event = event.to_dict()
    esc = html.escape
    title = event_title(event)
    date_text = date_label(event)
    approx_date = (
        ' <span class="fp-approx">approximate date</span>' if is_date_approximate(event) else ""
    )
    precision = _text(event.get("geo_precision")) or "unknown"
    approx_place = (
        f' <span class="fp-approx">located to {esc(precision)}, not an exact point</span>'
        if precision != "site"
        else ' <span class="fp-precision">(exact site)</span>'
    )
    target = _text(event.get("target"))
    target_type = _text(event.get("target_type"))
    target_text = " ".join(
        t for t in (target, f"({humanise(target_type)})" if target_type else None) if t
    )
    summary = _text(event.get("summary"))
    kind_parts = [humanise(_text(event.get("event_type")) or "event")]
    if _text(event.get("attack_type")):
        kind_parts.append(humanise(event.get("attack_type")))
    if _is_true(event.get("suicide")):
        kind_parts.append("suicide")
    refs = sources(event)
    rows = [
        ("When", f"{esc(date_text)}{approx_date}"),
        ("Where", f"{esc(place_label(event))}{approx_place}"),
        ("Who", _groups_html(event)),
        ("What", esc(" · ".join(kind_parts))),
        (
            "Toll",
            esc(
                casualty_label(event.get("killed_min"), event.get("killed_max"), "killed")
                + ", "
                + casualty_label(event.get("injured_min"), event.get("injured_max"), "injured")
            ),
        ),
    ]
    if target_text:
        rows.append(("Target", esc(target_text)))
    body = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in rows)
    source_items = "".join(f"<li>{esc(ref)}</li>" for ref in refs) or "<li>none recorded</li>"
    classes = "fp-card fp-large" if large else "fp-card"
    style = f"<style>{CARD_CSS}</style>" if with_style else ""
    heading_html = f'<div class="fp-kicker">{esc(heading)}</div>' if heading else ""
    event_id = esc(_text(event.get("event_id")) or "")
    return (
        f'{style}<div class="{classes}" style="--fp-accent:{accent_colour(event)}" '
        f'data-event-id="{event_id}">'
        f"{heading_html}<h3>{esc(title)}</h3>"
        f'<div class="fp-id">{event_id}</div>'
        f"<dl>{body}</dl>"
        + (f'<p class="fp-summary">{esc(summary)}</p>' if summary else "")
        + f'<div class="fp-sources-title">Sources</div><ol class="fp-sources">{source_items}</ol>'
        "</div>"
    )


def browse_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the events as the Events page's table shows them, one row per event.

    Columns: ``date`` (the event date, for sorting), ``event`` (a short
    title), ``place``, ``groups``, ``killed_min, killed_max, injured_min,
    injured_max`` (nullable integers: unknown stays empty), ``summary``,
    ``when`` (the date as written for a reader, with its precision) and
    ``event_id``. Rows are in
    the order of ``frame``, so a selected row's position is the event's
    position in ``frame``.
    """
    records = frame.to_dict("records")
    return pd.DataFrame(
        {
            "date": frame["event_date"].to_numpy(),
            "event": [event_title(r) for r in records],
            "place": [place_hierarchy(r) or "place unknown" for r in records],
            "groups": [groups_label(r) for r in records],
            "killed_min": frame["killed_min"].to_numpy(),
            "killed_max": frame["killed_max"].to_numpy(),
            "injured_min": frame["injured_min"].to_numpy(),
            "injured_max": frame["injured_max"].to_numpy(),
            "summary": frame["summary"].astype(object).to_numpy(),
            "when": [date_label(r) for r in records],
            "event_id": frame["event_id"].astype(object).to_numpy(),
        }
    ).astype({c: "Int64" for c in ("killed_min", "killed_max", "injured_min", "injured_max")})


def selected_row(frame: pd.DataFrame, rows: list[int] | None) -> pd.Series | None:
    """Return the event of a table selection (row positions in ``frame``), or None.

    The Events page's table is built by :func:`browse_table` from ``frame``
    row for row, so a selected position is the event's position in ``frame``;
    a stale position (the page changed under the selection) selects nothing.
    """
    if not rows:
        return None
    position = int(rows[0])
    if not 0 <= position < len(frame):
        return None
    return frame.iloc[position]
