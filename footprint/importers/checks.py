"""Row checks: each problem names the row, the column, the value and the fix.

A :class:`Problem` is one finding. ``severity="error"`` blocks the row (it is
not stored); ``"warning"`` does not. Problems without a row concern the whole
file. :class:`ImportRefused` is raised when the whole file is refused
(unrecognised format, nothing valid, already uploaded).

The checks on mapped rows (:func:`check_rows`) are vectorised so that they
stay fast on 100,000 rows:

==========================  ========  =============================================
check                       severity  example message
==========================  ========  =============================================
missing required field      error     the date is missing
bad date                    error     ``03/04/2015`` is ambiguous (raised by readers)
latitude/longitude range    error     latitude 124.9 is outside -90..90
swapped coordinates         error     67.0 N 24.9 E is outside Pakistan; swapped
                                      it is 24.9 N 67.0 E (in Pakistan)
outside Pakistan            error     the point is outside Pakistan
casualties                  error     negative, or not a whole number
min above max               error     killed_min 12 is above killed_max 10
unknown enumerated value    error     event_type 'bombing' is not one of ...
duplicate id in file        error     event_id used on line 4 already
casualties above ceiling    error     above 10,000 (:data:`MAX_COUNT`)
text too long               error     summary above 10,000 characters
                                      (:data:`MAX_TEXT_LENGTH`)
deck.gl expression          error     a value starting with ``@@``
==========================  ========  =============================================
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from footprint.data import schema

SEVERITIES = ("error", "warning")

#: Pakistan's bounding box with a small margin (decimal degrees).
PAKISTAN_BBOX = {"lat_min": 23.5, "lat_max": 37.2, "lon_min": 60.7, "lon_max": 78.0}
#: How far outside the province polygons a point may lie and still count as
#: in Pakistan (about 10 km: coastal and border points on the simplified OSM
#: outlines; UCDP puts a Landi Kotal event 5.5 km past the drawn border).
POLYGON_MARGIN_DEGREES = 0.1

REPORT_COLUMNS = ("row", "column", "value", "problem", "fix", "severity")


@dataclass(frozen=True)
class Problem:
    """One finding about an uploaded file.

    Attributes
    ----------
    row : int or None
        The 1-based line of the file the row starts on (the header is line 1);
        None for the file as a whole.
    column : str or None
        The file's column, as written in its header.
    value : str or None
        The offending value, as written.
    problem : str
        What is wrong, in words a person can act on.
    fix : str
        What to do about it.
    severity : str
        ``error`` (the row is not stored) or ``warning`` (it is).
    """

    row: int | None
    column: str | None
    value: str | None
    problem: str
    fix: str
    severity: str = "error"

    def __str__(self) -> str:
        where = f"line {self.row}" if self.row else "file"
        if self.column:
            where += f", column {self.column}"
        value = f" ({self.value!r})" if self.value not in (None, "") else ""
        return f"{self.severity}: {where}{value}: {self.problem} Fix: {self.fix}"


class ImportRefused(Exception):
    """The whole file is refused; nothing was stored.

    Attributes
    ----------
    problem : str
        Why.
    fix : str
        What to do.
    problems : list of Problem
        Row problems behind the refusal, when there are any.
    header : list of str or None
        The file's header when it was read but matched no format: the
        analyst can then map its columns (:mod:`footprint.importers.mapping`).
    """

    def __init__(
        self,
        problem: str,
        fix: str,
        problems: list[Problem] | None = None,
        header: list[str] | None = None,
    ):
        self.problem = problem
        self.fix = fix
        self.problems = list(problems or [])
        self.header = header
        super().__init__(f"{problem} {fix}")


class CellProblem(ValueError):
    """A cell that cannot be read; readers turn it into a :class:`Problem`."""

    def __init__(self, problem: str, fix: str, severity: str = "error"):
        self.problem = problem
        self.fix = fix
        self.severity = severity
        super().__init__(f"{problem} {fix}")


# --- cells ----------------------------------------------------------------

_MISSING = {"", "na", "n/a", "nan", "none", "null", "-", "--", "#n/a"}

#: The highest casualty count accepted for one event. The deadliest attacks in
#: Pakistan killed a few hundred people; a larger figure is a typing or export
#: error (or a running total), and would overflow the store's integers if huge.
MAX_COUNT = 10_000
#: The longest text stored per column (characters); longer cells are refused.
MAX_TEXT_LENGTH = {"summary": 10_000, "notes": 10_000, "source_ref": 4_000}
#: The longest text stored in any other text column (characters).
MAX_OTHER_TEXT_LENGTH = 1_000
#: deck.gl reads a string starting with this as an expression, so no stored
#: value may start with it.
DECK_EXPRESSION = "@@"


def clean(value: object) -> str | None:
    """Return the cell's text with whitespace collapsed, or None when empty.

    ``NA``, ``N/A``, ``None``, ``null`` and ``-`` count as empty.
    """
    if value is None:
        return None
    text = " ".join(str(value).split())
    if len(text) <= 4 and text.lower() in _MISSING:
        return None
    return text


def parse_coordinate(value: object, name: str) -> float | None:
    """Read a decimal-degree coordinate; ``24,86`` (decimal comma) is accepted.

    Raises
    ------
    CellProblem
        When the text is not a number.
    """
    text = clean(value)
    if text is None:
        return None
    if re.fullmatch(r"-?\d+,\d+", text):
        text = text.replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        raise CellProblem(
            f"the {name} is not a decimal number.",
            f"Write the {name} in decimal degrees, e.g. "
            f"{'24.8607' if name == 'latitude' else '67.0011'}.",
        ) from None
    if not math.isfinite(number):
        raise CellProblem(f"the {name} is not a number.", f"Write the {name} in decimal degrees.")
    return number


def parse_count(value: object) -> int | None:
    """Read a casualty count; empty stays empty (unknown is never 0).

    Raises
    ------
    CellProblem
        When the text is not a whole number or is negative.
    """
    text = clean(value)
    if text is None or text.lower() in {"unknown", "?"}:
        return None
    try:
        number = (
            float(text.replace(",", "")) if re.fullmatch(r"[\d,]+(\.0+)?", text) else float(text)
        )
    except ValueError:
        raise CellProblem(
            "the casualty count is not a number.",
            "Write a whole number, leave it empty when unknown, and put a range's ends in the "
            "_min and _max columns.",
        ) from None
    if not math.isfinite(number) or number != int(number):
        raise CellProblem("the casualty count is not a whole number.", "Write a whole number.")
    if number < 0:
        raise CellProblem(
            "the casualty count is negative.",
            "Write 0 or more, or leave it empty when unknown.",
        )
    if number > MAX_COUNT:
        raise CellProblem(
            f"the casualty count is above {MAX_COUNT:,}, more than any attack in the region; "
            "it is most likely a typing or export error.",
            f"Check the figure and write the toll of this one event (at most {MAX_COUNT:,}), "
            "or leave it empty when unknown.",
        )
    return int(number)


# --- checks on mapped rows --------------------------------------------------


def in_pakistan_bbox(lat, lon) -> np.ndarray:
    """Return a boolean array: True where the point is in Pakistan's bounding box."""
    lat = np.asarray(lat, dtype="float64")
    lon = np.asarray(lon, dtype="float64")
    box = PAKISTAN_BBOX
    return (
        (lat >= box["lat_min"])
        & (lat <= box["lat_max"])
        & (lon >= box["lon_min"])
        & (lon <= box["lon_max"])
    )


_PAKISTAN_SHAPE: list = []


def _pakistan_shape():
    """Return Pakistan's provinces, unioned and buffered, or None without boundaries."""
    if not _PAKISTAN_SHAPE:
        shape = None
        try:
            import shapely

            from footprint.data import boundaries

            if boundaries.available():
                layer = boundaries.read_layer("provinces")
                # Simplified by ~500 m before the ~10 km margin is added: the
                # buffer of the full outline takes seconds, this a tenth of one.
                outline = shapely.union_all(layer.geometry.values).simplify(0.005)
                shape = outline.buffer(POLYGON_MARGIN_DEGREES)
                shapely.prepare(shape)
        except Exception:  # noqa: BLE001 - without polygons the bbox is the check
            shape = None
        _PAKISTAN_SHAPE.append(shape)
    return _PAKISTAN_SHAPE[0]


def in_pakistan(lat, lon) -> np.ndarray:
    """Return True where the point is in Pakistan.

    Uses the province polygons (with a ~10 km margin) when the boundary files
    have been prepared, else Pakistan's bounding box.
    """
    lat = np.asarray(lat, dtype="float64")
    lon = np.asarray(lon, dtype="float64")
    inside = in_pakistan_bbox(lat, lon)
    shape = _pakistan_shape()
    if shape is not None and inside.any():
        import shapely

        candidates = np.flatnonzero(inside)
        inside[candidates] = shapely.contains_xy(shape, lon[candidates], lat[candidates])
    return inside


def _fmt(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return format(value, ".10g")
    return str(value)


def check_coordinates(frame: pd.DataFrame, columns: dict[str, str]) -> list[Problem]:
    """Check ranges, swapped pairs and points outside Pakistan.

    Parameters
    ----------
    frame : DataFrame
        Mapped rows with ``latitude``, ``longitude`` and ``_line``.
    columns : dict
        Contract column -> the file column it came from, for messages.
    """
    problems: list[Problem] = []
    lat = pd.to_numeric(frame["latitude"], errors="coerce").to_numpy(dtype="float64")
    lon = pd.to_numeric(frame["longitude"], errors="coerce").to_numpy(dtype="float64")
    lines = frame["_line"].to_numpy()
    lat_col, lon_col = columns.get("latitude", "latitude"), columns.get("longitude", "longitude")
    has = ~np.isnan(lat) & ~np.isnan(lon)
    one_only = np.isnan(lat) ^ np.isnan(lon)
    if "_reported" in frame:
        one_only &= ~frame["_reported"].str.contains("latitude", regex=False).to_numpy()
    for i in np.flatnonzero(one_only):
        missing = lat_col if np.isnan(lat[i]) else lon_col
        problems.append(
            Problem(
                int(lines[i]),
                missing,
                None,
                f"the {missing} is missing but the other coordinate is given.",
                "Give both latitude and longitude, or neither (the place text is then geocoded).",
            )
        )
    lat_bad = has & (np.abs(lat) > 90)
    lon_bad = has & (np.abs(lon) > 180)
    for i in np.flatnonzero(lat_bad):
        problems.append(
            Problem(
                int(lines[i]),
                lat_col,
                _fmt(lat[i]),
                f"latitude {lat[i]:g} is outside -90..90.",
                "Latitude is the north-south coordinate, about 24 to 37 in Pakistan "
                "(Karachi 24.86); check the value or whether the columns are swapped.",
            )
        )
    for i in np.flatnonzero(lon_bad & ~lat_bad):
        problems.append(
            Problem(
                int(lines[i]),
                lon_col,
                _fmt(lon[i]),
                f"longitude {lon[i]:g} is outside -180..180.",
                "Longitude is the east-west coordinate, about 61 to 78 in Pakistan (Karachi 67.01).",
            )
        )
    rest = has & ~lat_bad & ~lon_bad
    inside = np.zeros(len(frame), dtype=bool)
    if rest.any():
        inside[rest] = in_pakistan(lat[rest], lon[rest])
    outside = rest & ~inside
    if outside.any():
        swapped = np.zeros(len(frame), dtype=bool)
        swapped[outside] = in_pakistan(lon[outside], lat[outside])
        for i in np.flatnonzero(outside):
            if swapped[i]:
                problems.append(
                    Problem(
                        int(lines[i]),
                        f"{lat_col}/{lon_col}",
                        f"{_fmt(lat[i])}, {_fmt(lon[i])}",
                        f"{lat[i]:g} N {lon[i]:g} E is outside Pakistan; swapped, it is "
                        f"{lon[i]:g} N {lat[i]:g} E, in Pakistan: latitude and longitude "
                        "look swapped.",
                        f"Swap them: {lat_col} {lon[i]:g}, {lon_col} {lat[i]:g}.",
                    )
                )
            else:
                problems.append(
                    Problem(
                        int(lines[i]),
                        f"{lat_col}/{lon_col}",
                        f"{_fmt(lat[i])}, {_fmt(lon[i])}",
                        f"the point {lat[i]:g} N {lon[i]:g} E is outside Pakistan.",
                        "Check the coordinates (sign, decimal point, degrees vs. decimal degrees), "
                        "or clear them so the place text is geocoded.",
                    )
                )
    return problems


def check_casualties(frame: pd.DataFrame, columns: dict[str, str]) -> list[Problem]:
    """Check that no minimum is above its maximum (negatives are found by readers)."""
    problems = []
    lines = frame["_line"].to_numpy()
    for low, high in (("killed_min", "killed_max"), ("injured_min", "injured_max")):
        lo = pd.to_numeric(frame[low], errors="coerce").to_numpy(dtype="float64")
        hi = pd.to_numeric(frame[high], errors="coerce").to_numpy(dtype="float64")
        for i in np.flatnonzero(lo > hi):
            lo_col, hi_col = columns.get(low, low), columns.get(high, high)
            problems.append(
                Problem(
                    int(lines[i]),
                    hi_col,
                    _fmt(hi[i]),
                    f"{lo_col} {lo[i]:g} is above {hi_col} {hi[i]:g}.",
                    f"Make {hi_col} at least {lo[i]:g}, or swap the two values.",
                )
            )
    return problems


_ENUMERATIONS = {
    "date_precision": schema.DATE_PRECISIONS,
    "event_type": schema.EVENT_TYPES,
    "attack_type": schema.ATTACK_TYPES,
    "geo_precision": schema.GEO_PRECISIONS,
    "target_type": schema.TARGET_TYPES,
}


def check_enumerations(frame: pd.DataFrame, columns: dict[str, str]) -> list[Problem]:
    """Check enumerated columns hold one of the contract's values (empty is allowed)."""
    problems = []
    lines = frame["_line"].to_numpy()
    for column, allowed in _ENUMERATIONS.items():
        values = frame[column]
        bad = values.notna() & ~values.isin(allowed)
        for i in np.flatnonzero(bad.to_numpy()):
            name = columns.get(column, column)
            problems.append(
                Problem(
                    int(lines[i]),
                    name,
                    str(values.iloc[i]),
                    f"{values.iloc[i]!r} is not a known {column}.",
                    f"Use one of: {', '.join(allowed)}.",
                )
            )
    if "event_type" in frame and "attack_type" in frame:
        bad = (
            (frame["event_type"] != "attack")
            & frame["event_type"].notna()
            & frame["attack_type"].notna()
        )
        for i in np.flatnonzero(bad.to_numpy()):
            problems.append(
                Problem(
                    int(lines[i]),
                    columns.get("attack_type", "attack_type"),
                    str(frame["attack_type"].iloc[i]),
                    f"an attack_type is given but event_type is {frame['event_type'].iloc[i]!r}.",
                    "Leave attack_type empty for non-attacks, or set event_type to attack.",
                    "warning",
                )
            )
    return problems


def check_required(
    frame: pd.DataFrame, columns: dict[str, str], blocked: set[int] | None = None
) -> list[Problem]:
    """Check the fields every stored event needs: a date and a place.

    Run after geocoding: a row without coordinates here has place text the
    gazetteer did not find (or none at all). Rows whose date or coordinates
    a reader already reported (``_reported`` names the columns) are not
    reported twice, and rows already ``blocked`` by an error (which were not
    geocoded) are not said to lack a place.
    """
    problems = []
    lines = frame["_line"].to_numpy()
    reported = frame["_reported"] if "_reported" in frame else pd.Series([""] * len(frame))
    date_reported = reported.str.contains("event_date", regex=False).to_numpy()
    coords_reported = reported.str.contains("latitude", regex=False).to_numpy()
    no_date = frame["event_date"].isna().to_numpy() & ~date_reported
    for i in np.flatnonzero(no_date):
        name = columns.get("event_date", "event_date")
        problems.append(
            Problem(
                int(lines[i]),
                name,
                None,
                "the date is missing.",
                f"Write the date in {name} as YYYY-MM-DD.",
            )
        )
    no_place = (frame["latitude"].isna() | frame["longitude"].isna()).to_numpy()
    no_place = no_place & ~coords_reported
    if blocked:
        no_place = no_place & ~np.isin(lines, list(blocked))
    texts = frame["location_text"]
    for i in np.flatnonzero(no_place):
        text = texts.iloc[i]
        if text is None or (isinstance(text, float) and math.isnan(text)):
            place_cols = [
                columns.get(c, c) for c in ("location_text", "city", "district") if c in columns
            ]
            problems.append(
                Problem(
                    int(lines[i]),
                    columns.get("latitude", "latitude"),
                    None,
                    "the row has neither coordinates nor place text, so it cannot be mapped.",
                    "Give latitude and longitude, or name the place in "
                    f"{' / '.join(place_cols) or 'location_text'}.",
                )
            )
        else:
            problems.append(
                Problem(
                    int(lines[i]),
                    columns.get("location_text", "location_text"),
                    str(text)[:120],
                    "the row has no coordinates and the gazetteer did not find this place.",
                    "Add latitude and longitude, or write the place as the gazetteer knows it "
                    "(e.g. 'Orangi Town, Karachi').",
                )
            )
    return problems


def check_duplicate_ids(frame: pd.DataFrame, columns: dict[str, str]) -> list[Problem]:
    """Flag a source id used by more than one row of the file (the later rows)."""
    problems = []
    ids = frame["event_id"]
    repeated = ids.notna() & ids.duplicated(keep="first")
    if repeated.any():
        first_line = (
            frame.loc[ids.notna()].drop_duplicates("event_id").set_index("event_id")["_line"]
        )
        name = columns.get("event_id", "event_id")
        for i in np.flatnonzero(repeated.to_numpy()):
            event_id = ids.iloc[i]
            problems.append(
                Problem(
                    int(frame["_line"].iloc[i]),
                    name,
                    str(event_id),
                    f"the id {event_id} is used on line {int(first_line[event_id])} already.",
                    "Give each row its own id, or delete the repeated row.",
                )
            )
    return problems


_TEXT_CHECKED = (
    "event_id", "source_id", "location_text", "neighbourhood", "town", "district", "city",
    "province", "target", "perpetrators", "summary", "notes", "source_ref",
)  # fmt: skip


def check_text(frame: pd.DataFrame, columns: dict[str, str]) -> list[Problem]:
    """Check text cells: not longer than their stated maximum, and never starting with ``@@``.

    The maxima are :data:`MAX_TEXT_LENGTH` (else :data:`MAX_OTHER_TEXT_LENGTH`).
    A value starting with :data:`DECK_EXPRESSION` would be read by the map as
    an expression, so it is refused with the fix.
    """
    problems = []
    lines = frame["_line"].to_numpy()
    for column in _TEXT_CHECKED:
        if column not in frame:
            continue
        values = frame[column]
        if isinstance(values.dtype, pd.StringDtype):
            text = values  # every value is text or missing
        else:
            codes, uniques = pd.factorize(values.to_numpy(dtype=object))
            is_text = np.array([isinstance(u, str) for u in uniques] + [False], dtype=bool)
            text = values.where(is_text[codes], None)
        name = columns.get(column, column)
        limit = MAX_TEXT_LENGTH.get(column, MAX_OTHER_TEXT_LENGTH)
        for i in np.flatnonzero(text.str.len().gt(limit).fillna(False).to_numpy(dtype=bool)):
            problems.append(
                Problem(
                    int(lines[i]),
                    name,
                    text.iloc[i][:80] + "...",
                    f"the {column} is {len(text.iloc[i]):,} characters long; at most {limit:,} "
                    "are stored.",
                    f"Shorten it to {limit:,} characters or fewer (keep the source's own text "
                    "in the source, and a summary here).",
                )
            )
        starts = text.str.lstrip().str.startswith(DECK_EXPRESSION).fillna(False)
        for i in np.flatnonzero(starts.to_numpy(dtype=bool)):
            problems.append(
                Problem(
                    int(lines[i]),
                    name,
                    text.iloc[i][:80],
                    f"the {column} starts with {DECK_EXPRESSION}, which the map would read as "
                    "code rather than text.",
                    f"Remove the leading {DECK_EXPRESSION}, or write the value in other words.",
                )
            )
    return problems


def check_rows(frame: pd.DataFrame, columns: dict[str, str]) -> list[Problem]:
    """Run every check on mapped rows (before geocoding); return the problems."""
    return [
        *check_coordinates(frame, columns),
        *check_casualties(frame, columns),
        *check_enumerations(frame, columns),
        *check_duplicate_ids(frame, columns),
        *check_text(frame, columns),
    ]


# --- the report -------------------------------------------------------------


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """Order problems by row (file-level first), errors before warnings."""
    return sorted(
        problems,
        key=lambda p: (p.row or 0, SEVERITIES.index(p.severity), p.column or ""),
    )


def report_frame(problems: list[Problem], limit: int | None = None) -> pd.DataFrame:
    """Return problems as a table with :data:`REPORT_COLUMNS` (the first ``limit`` when given)."""
    ordered = sort_problems(problems)
    rows = [asdict(p) for p in (ordered if limit is None else ordered[:limit])]
    frame = pd.DataFrame(rows, columns=list(REPORT_COLUMNS))
    frame["row"] = frame["row"].astype("Int64")
    return frame


def report_csv(problems: list[Problem]) -> bytes:
    """Return the problem report as UTF-8 CSV (with BOM, so Excel reads it).

    Values quoted from the upload that a spreadsheet would run as formulas
    are neutralised (:func:`footprint.data.exports.neutralise_formulas`).
    """
    from footprint.data.exports import neutralise_formulas

    buffer = io.StringIO()
    neutralise_formulas(report_frame(problems)).to_csv(
        buffer, index=False, quoting=csv.QUOTE_MINIMAL
    )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def blocked_lines(problems: list[Problem]) -> set[int]:
    """Return the lines with at least one error."""
    return {p.row for p in problems if p.severity == "error" and p.row is not None}
