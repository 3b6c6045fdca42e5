"""Events and casualties per district and per town: tables, choropleths and places.

Pure functions (no streamlit). Counts come from each event's own ``district``
or ``town`` field, the same field the shared filter matches, so a polygon's
count is exactly what the other pages show once that area is chosen. An
event's area name is matched to a boundary polygon by a folded key
(:func:`area_key`: case, accents, punctuation, a trailing *Town* or
*District*, and the Kemari/Keamari spellings); events whose area names no
polygon are counted in :attr:`Choropleth.unmatched` rather than dropped.

Boundary polygons come from :mod:`footprint.views.basemap` (simplified, cached),
districts from the 2023 district layer and towns from Karachi's 2001 towns.
The colour ramp is viridis in five steps (colour-blind safe and readable in
grey), lightest for the fewest events; areas without events are left
unfilled.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from footprint import paths

#: Event column -> boundary layer of :mod:`footprint.data.boundaries`.
from footprint.data import filters, query
from footprint.views import profiles

LEVELS: dict[str, str] = {"district": "districts", "town": "towns"}
#: The filter field each level sets (:class:`footprint.data.filters.FilterState`).
FILTER_FIELDS: dict[str, str] = {"district": "districts", "town": "towns"}
#: Measures a choropleth can show -> label.
MEASURES: dict[str, str] = {
    "events": "Events",
    "killed": "Killed (reported minimum)",
    "casualties": "Killed and injured (reported minimum)",
}
#: Viridis in five steps, lightest (fewest) to darkest (most), as RGB.
VIRIDIS_STEPS: tuple[tuple[int, int, int], ...] = (
    (253, 231, 37),  # #fde725
    (94, 201, 98),  # #5ec962
    (33, 145, 140),  # #21918c
    (59, 82, 139),  # #3b528b
    (68, 1, 84),  # #440154
)
#: Fill alpha of areas with events, and the colour of areas with none.
FILL_ALPHA = 190
EMPTY_FILL = (0, 0, 0, 0)
#: The id of the choropleth's pydeck layer (the key of its selection payload).
LAYER_ID = "areas"
#: Radius of the radius filter by default: the seeds speak of attacks "less
#: than five kilometres" from a headquarters.
DEFAULT_RADIUS_KM = 5.0

#: Spellings of the same area in the events, the gazetteer and the boundary files.
_KEY_ALIASES: dict[str, str] = {
    "kemari": "keamari",
    "jamshed": "jamshaid",
    "lyari": "liyari",
    "liaquatabad": "liaqatabad",
    "jafarabad": "jaffarabad",
    "qila": "killa",
    "kachhi bolan": "kachhi",
    "bolan": "kachhi",
}
_ALIAS_PATTERN = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, _KEY_ALIASES), key=len, reverse=True)) + r")\b"
)


def area_key(name: object) -> str:
    """Fold an area name for matching: ``"Kemari Town"`` and ``"keamari"`` agree.

    Case, accents, punctuation and spaces are folded; a trailing *town* or
    *district* and a leading *district* are dropped, as is the izafat
    (*Gulshan-e-Iqbal* is *Gulshan Iqbal*); a few known spellings are mapped
    to the boundary files' (*Kemari* to *Keamari*, *Lyari* to *Liyari*).
    """
    if name is None or (isinstance(name, float) and np.isnan(name)):
        return ""
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    text = re.sub(r"\s+(town|district)$", "", text)
    text = re.sub(r"^district\s+", "", text)
    text = re.sub(r"(?<=[a-z]{2}) [ei] (?=[a-z]{2})", " ", text)
    text = _ALIAS_PATTERN.sub(lambda match: _KEY_ALIASES[match.group(1)], text)
    return text.replace(" ", "")


# --- tables -------------------------------------------------------------------


def _measures(frame: pd.DataFrame) -> pd.DataFrame:
    killed = frame["killed_min"].astype("Float64")
    injured = frame["injured_min"].astype("Float64")
    return pd.DataFrame(
        {
            "events": 1,
            "killed": killed.fillna(0),
            "killed_max": frame["killed_max"].astype("Float64").fillna(killed).fillna(0),
            "injured": injured.fillna(0),
            "injured_max": frame["injured_max"].astype("Float64").fillna(injured).fillna(0),
            "casualties": killed.fillna(0) + injured.fillna(0),
            # Sums count an unknown toll as nothing; say how many there were.
            "toll_unknown": killed.isna().astype("int64"),
        },
        index=frame.index,
    )


_COUNT_COLUMNS = (
    "events",
    "killed",
    "killed_max",
    "injured",
    "injured_max",
    "casualties",
    "toll_unknown",
)


def area_counts(frame: pd.DataFrame, level: str = "district") -> pd.DataFrame:
    """Count events and casualties per district or town, as named in the events.

    Parameters
    ----------
    frame : DataFrame
        An events frame.
    level : {"district", "town"}
        The event column to group by.

    Returns
    -------
    DataFrame
        ``name, events, killed, killed_max, injured, injured_max,
        casualties, toll_unknown`` (integers; ``killed``/``injured`` sum the reported
        minimums, the ``_max`` columns the maximums, a minimum standing in
        where no maximum is given), ``first_event, last_event``, most events
        first; ``toll_unknown`` counts the events whose death toll was not
        reported, which the sums leave out. Events with no name at this level
        are left out.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    names = frame[level].astype(object)
    named = names.notna() & names.astype(str).str.strip().ne("")
    subset = frame.loc[named.to_numpy()]
    values = _measures(subset)
    values["name"] = subset[level].astype(str).to_numpy()
    values["event_date"] = subset["event_date"].to_numpy()
    columns = ["name", *_COUNT_COLUMNS, "first_event", "last_event"]
    if values.empty:
        return pd.DataFrame(columns=columns)
    grouped = values.groupby("name", sort=True)
    table = grouped[list(_COUNT_COLUMNS)].sum()
    for column in _COUNT_COLUMNS:
        table[column] = table[column].astype("int64")
    table["first_event"] = grouped["event_date"].min()
    table["last_event"] = grouped["event_date"].max()
    table = table.reset_index()
    return table.sort_values(
        ["events", "killed", "name"], ascending=[False, False, True], ignore_index=True
    )[columns]


def ranked_neighbourhoods(frame: pd.DataFrame) -> pd.DataFrame:
    """Rank neighbourhoods by events, then killed: the neighbourhood table.

    Returns
    -------
    DataFrame
        ``rank, neighbourhood, town, district, events, killed, injured,
        groups`` (the main groups, most events first), ``first_event,
        last_event``. Events with no neighbourhood are left out; a
        neighbourhood name found in two districts is listed once per district.
    """
    columns = list(query.NEIGHBOURHOOD_COLUMNS)
    names = frame["neighbourhood"].astype(object)
    named = (names.notna() & names.astype(str).str.strip().ne("")).to_numpy()
    subset = frame.loc[named]
    if subset.empty:
        return pd.DataFrame(columns=columns)
    values = _measures(subset)
    values["neighbourhood"] = subset["neighbourhood"].astype(str).to_numpy()
    values["district"] = subset["district"].astype(object).fillna("").to_numpy()
    values["town"] = subset["town"].astype(object).fillna("").to_numpy()
    values["group"] = profiles.primary_group(subset).to_numpy()
    values["event_date"] = subset["event_date"].to_numpy()
    rows = []
    for (neighbourhood, district), part in values.groupby(
        ["neighbourhood", "district"], sort=False
    ):
        towns = part["town"][part["town"] != ""]
        rows.append(
            {
                "neighbourhood": neighbourhood,
                "town": towns.mode().iloc[0] if len(towns) else None,
                "district": district or None,
                "events": int(part["events"].sum()),
                "killed": int(part["killed"].sum()),
                "injured": int(part["injured"].sum()),
                "toll_unknown": int(part["toll_unknown"].sum()),
                "groups": ", ".join(part["group"].value_counts().index),
                "first_event": part["event_date"].min(),
                "last_event": part["event_date"].max(),
            }
        )
    table = pd.DataFrame(rows)
    table = table.sort_values(
        ["events", "killed", "neighbourhood"], ascending=[False, False, True], ignore_index=True
    )
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table[columns]


# --- colour ramp --------------------------------------------------------------


def class_breaks(values, steps: int = len(VIRIDIS_STEPS)) -> list[int]:
    """Return ascending upper bounds of up to ``steps`` classes of positive counts.

    The bounds are quantiles of the positive values rounded up to whole
    numbers and de-duplicated; the last bound is the maximum. No positive
    value gives an empty list.
    """
    positive = np.asarray([v for v in values if v is not None and v > 0], dtype=float)
    if positive.size == 0:
        return []
    distinct = np.unique(np.ceil(positive)).astype(int)
    if distinct.size <= steps:
        return [int(v) for v in distinct]
    quantiles = np.quantile(positive, np.linspace(0, 1, steps + 1)[1:])
    bounds = sorted({int(np.ceil(q)) for q in quantiles})
    if bounds[-1] < positive.max():
        bounds.append(int(np.ceil(positive.max())))
    return bounds


def ramp_colour(value: float, breaks: list[int]) -> tuple[int, int, int, int]:
    """Return the RGBA fill of a count: a viridis step, or transparent for none."""
    if value is None or not breaks or value <= 0:
        return EMPTY_FILL
    steps = _steps_for(len(breaks))
    for bound, colour in zip(breaks, steps, strict=False):
        if value <= bound:
            return (*colour, FILL_ALPHA)
    return (*steps[-1], FILL_ALPHA)


def _steps_for(classes: int) -> list[tuple[int, int, int]]:
    """Pick ``classes`` viridis steps spread over the ramp (both ends kept)."""
    if classes >= len(VIRIDIS_STEPS):
        return list(VIRIDIS_STEPS)
    if classes == 1:
        return [VIRIDIS_STEPS[-1]]
    picks = np.round(np.linspace(0, len(VIRIDIS_STEPS) - 1, classes)).astype(int)
    return [VIRIDIS_STEPS[i] for i in picks]


def legend(breaks: list[int]) -> list[tuple[str, str]]:
    """Return ``(label, hex colour)`` for each class, e.g. ``("3–5", "#21918c")``."""
    items = []
    low = 1
    for bound, colour in zip(breaks, _steps_for(len(breaks)), strict=False):
        label = f"{low}" if low == bound else f"{low}–{bound}"
        items.append((label, "#{:02x}{:02x}{:02x}".format(*colour)))
        low = bound + 1
    return items


# --- choropleth ---------------------------------------------------------------


@dataclass
class Choropleth:
    """A choropleth ready to draw: GeoJSON with counts and fills, and its legend.

    Attributes
    ----------
    level : str
        ``district`` or ``town``.
    measure : str
        The measure the fill shows (:data:`MEASURES`).
    geojson : dict
        A FeatureCollection; each feature's properties hold ``name`` (the
        boundary's), ``area`` (the name the events use, for the filter),
        the counts, text labels for the tooltip and ``fill`` (RGBA).
    legend : list of (str, str)
        Class labels and hex colours.
    counts : DataFrame
        :func:`area_counts` with ``matched`` (the boundary name or None).
    unmatched : DataFrame
        The rows of ``counts`` that name no polygon.
    """

    level: str
    measure: str
    geojson: dict
    legend: list[tuple[str, str]]
    counts: pd.DataFrame
    unmatched: pd.DataFrame = field(default_factory=pd.DataFrame)


def _range_text(low: int, high: int, noun: str) -> str:
    return f"{low:,} {noun}" if low == high else f"{low:,}–{high:,} {noun}"


def choropleth(
    frame: pd.DataFrame,
    level: str = "district",
    measure: str = "events",
    boundary: dict | None = None,
    provinces: tuple[str, ...] | None = None,
    selected: tuple[str, ...] = (),
    counts: pd.DataFrame | None = None,
) -> Choropleth:
    """Join per-area counts to boundary polygons and colour them.

    Parameters
    ----------
    frame : DataFrame
        An events frame (usually the filtered one).
    level : {"district", "town"}
        Districts (2023) or Karachi's towns (2001).
    measure : str
        One of :data:`MEASURES`; the fill follows it.
    boundary : dict, optional
        A GeoJSON FeatureCollection of the level's polygons with a ``name``
        property (and ``province`` for districts); by default
        :func:`footprint.views.basemap.boundary_geojson` of the level's layer.
    provinces : tuple of str, optional
        Districts outside these provinces are left out (areas with events
        are always kept); by default the provinces the events name, or Sindh
        and Balochistan.
    selected : tuple of str
        Areas (as the events name them) drawn with a heavy outline: those the
        shared filter has chosen.
    counts : DataFrame, optional
        Per-area counts already computed (``query.area_counts``, same columns
        as :func:`area_counts`); ``frame`` may then be None, with ``provinces``
        given or defaulting to Sindh and Balochistan.
    """
    chosen = {area_key(name) for name in selected}
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {', '.join(MEASURES)}, not {measure!r}")
    if boundary is None:
        from footprint.views import basemap

        boundary = basemap.boundary_geojson(LEVELS[level])
    if counts is None:
        counts = area_counts(frame, level)
    by_key = {
        area_key(name): row
        for name, row in zip(counts["name"], counts.to_dict("records"), strict=True)
    }
    if provinces is None:
        named = (
            {str(p) for p in frame["province"].dropna() if str(p).strip()}
            if frame is not None
            else set()
        )
        provinces = tuple(sorted(named)) or ("Sindh", "Balochistan")
    breaks = class_breaks(counts[measure]) if len(counts) else []
    features = []
    matched: dict[str, str] = {}
    for feature in boundary.get("features", []):
        properties = dict(feature.get("properties") or {})
        name = str(properties.get("name") or "")
        key = area_key(name)
        row = by_key.get(key)
        if row is None and level == "district" and properties.get("province") not in provinces:
            continue
        if row is not None:
            matched[row["name"]] = name
        row = row or {}
        events = int(row.get("events", 0))
        killed, killed_max = int(row.get("killed", 0)), int(row.get("killed_max", 0))
        injured, injured_max = int(row.get("injured", 0)), int(row.get("injured_max", 0))
        value = int(row.get(measure, 0))
        properties.update(
            {
                "name": name,
                "area": row.get("name", name),
                "level": level,
                "events": events,
                "killed": killed,
                "killed_max": killed_max,
                "injured": injured,
                "injured_max": injured_max,
                "casualties": int(row.get("casualties", 0)),
                "value": value,
                "events_label": f"{events:,} event" + ("" if events == 1 else "s"),
                "killed_label": _range_text(killed, killed_max, "killed"),
                "injured_label": _range_text(injured, injured_max, "injured"),
                "fill": list(ramp_colour(value, breaks)),
                "selected": key in chosen,
                "line": [255, 110, 0, 255] if key in chosen else [110, 110, 110, 220],
                "line_width": 4 if key in chosen else 0.8,
            }
        )
        features.append(
            {"type": "Feature", "properties": properties, "geometry": feature.get("geometry")}
        )
    counts = counts.assign(matched=counts["name"].map(matched))
    return Choropleth(
        level=level,
        measure=measure,
        geojson={"type": "FeatureCollection", "features": features},
        legend=legend(breaks),
        counts=counts,
        unmatched=counts.loc[counts["matched"].isna()].reset_index(drop=True),
    )


def _bounds(
    geojson: dict, only_with_events: bool = True
) -> tuple[float, float, float, float] | None:
    """Return ``(min_lon, min_lat, max_lon, max_lat)`` of the features (with events)."""
    import shapely.geometry

    boxes = []
    for feature in geojson.get("features", []):
        if only_with_events and not feature["properties"].get("events"):
            continue
        if feature.get("geometry"):
            boxes.append(shapely.geometry.shape(feature["geometry"]).bounds)
    if not boxes:
        return None
    array = np.asarray(boxes)
    return (
        float(array[:, 0].min()),
        float(array[:, 1].min()),
        float(array[:, 2].max()),
        float(array[:, 3].max()),
    )


def view_state(geojson: dict) -> dict:
    """Return a pydeck view (latitude, longitude, zoom) framing the areas with events."""
    bounds = _bounds(geojson) or _bounds(geojson, only_with_events=False)
    if bounds is None:
        return {"latitude": 24.9, "longitude": 67.1, "zoom": 9}
    min_lon, min_lat, max_lon, max_lat = bounds
    span = max(max_lon - min_lon, (max_lat - min_lat) * 1.3, 0.05)
    zoom = float(np.clip(np.log2(360.0 / span) - 0.6, 3, 12))
    return {
        "latitude": (min_lat + max_lat) / 2,
        "longitude": (min_lon + max_lon) / 2,
        "zoom": round(zoom, 2),
    }


#: Tooltip of the choropleth (Streamlit fills ``{name}`` from feature properties, escaped).
TOOLTIP_HTML = "<b>{name}</b><br/>{events_label}<br/>{killed_label}<br/>{injured_label}"


#: The land under the areas (the map draws no internet basemap), as on the Map page.
LAND = [241, 237, 227, 255]
PROVINCE_LINE = [80, 80, 80, 255]


def choropleth_deck(choro: Choropleth, height: int = 520, with_provinces: bool = True):
    """Return a pydeck Deck drawing the choropleth over the provinces (nothing fetched online).

    The areas' layer id is :data:`LAYER_ID`, so ``st.pydeck_chart(...,
    on_select=...)`` can report the clicked area (:func:`area_from_selection`).
    """
    import pydeck as pdk

    pixels = '"pixels"'  # quoted, or pydeck reads it as an accessor
    layers = []
    if with_provinces:
        from footprint.views import basemap

        layers.append(
            pdk.Layer(
                "GeoJsonLayer",
                id="areas-provinces",
                data=basemap.boundary_geojson("provinces"),
                stroked=True,
                filled=True,
                get_fill_color=LAND,
                get_line_color=PROVINCE_LINE,
                get_line_width=1.5,
                line_width_units=pixels,
                pickable=False,
            )
        )
    layers.append(
        pdk.Layer(
            "GeoJsonLayer",
            id=LAYER_ID,
            data=choro.geojson,
            pickable=True,
            stroked=True,
            filled=True,
            get_fill_color="properties.fill",
            get_line_color="properties.line",
            get_line_width="properties.line_width",
            line_width_units=pixels,
            auto_highlight=True,
            highlight_color=[255, 140, 0, 110],
        )
    )
    from footprint.views.mapview import CompactDeck

    # No map_style at all: Streamlit fetches Carto's style whenever one is set,
    # even None, and the atlas must work offline.
    return CompactDeck(
        layers=layers,
        initial_view_state=pdk.ViewState(**view_state(choro.geojson)),
        map_provider=None,
        tooltip={"html": TOOLTIP_HTML},
        height=height,
    )


def area_from_selection(event: Mapping | None, layer_id: str = LAYER_ID) -> str | None:
    """Return the area (as the events name it) clicked on the choropleth, or None.

    ``event`` is what ``st.pydeck_chart(..., on_select="rerun")`` returns:
    ``{"selection": {"indices": {layer_id: [i]}, "objects": {layer_id: [feature]}}}``.
    """
    if not event:
        return None
    selection = event.get("selection") if isinstance(event, Mapping) else None
    if not isinstance(selection, Mapping):
        return None
    objects = (selection.get("objects") or {}).get(layer_id) or []
    if not objects:
        return None
    first = objects[0]
    properties = first.get("properties", first) if isinstance(first, Mapping) else {}
    name = properties.get("area") or properties.get("name")
    return str(name) if name else None


def toll_text(low: object, high: object) -> str:
    """Return a death toll for a table cell: ``3``, ``3–5``, ``3+`` or ``unknown`` (never None)."""
    lo = None if low is None or pd.isna(low) else int(low)
    hi = None if high is None or pd.isna(high) else int(high)
    if lo is None and hi is None:
        return "unknown"
    if lo is None:
        return f"up to {hi}"
    if hi is None or hi == lo:
        return f"{lo}" if hi == lo else f"{lo}+"
    return f"{lo}–{hi}"


def event_rows(frame: pd.DataFrame, distance: bool = False) -> pd.DataFrame:
    """Return events as the Neighbourhoods page lists them: readable columns, tolls as text.

    Columns ``Date, Place, Neighbourhood, Groups, Killed, Summary, Id`` (and
    ``km`` first when ``distance`` is True and the frame has ``distance_km``).
    """
    out = pd.DataFrame(
        {
            "Date": frame["event_date"].dt.strftime("%Y-%m-%d").fillna("date unknown"),
            "Place": frame["location_text"].astype(object).fillna("").to_numpy(),
            "Neighbourhood": frame["neighbourhood"].astype(object).fillna("—").to_numpy(),
            "Groups": frame["perpetrators"].astype(object).fillna("no group named").to_numpy(),
            "Killed": [
                toll_text(lo, hi)
                for lo, hi in zip(frame["killed_min"], frame["killed_max"], strict=True)
            ],
            "Summary": frame["summary"].astype(object).fillna("").to_numpy(),
            "Id": frame["event_id"].astype(object).to_numpy(),
        }
    )
    if distance and "distance_km" in frame.columns:
        out.insert(0, "km", frame["distance_km"].round(1).to_numpy())
    return out


#: Gazetteer kinds whose radius centre means "events inside the area".
AREA_KINDS: tuple[str, ...] = ("town", "district")


# --- places for the radius filter ----------------------------------------------


def load_places(path: str | Path | None = None) -> pd.DataFrame:
    """Read the gazetteer's places for the radius picker, with a display label.

    Returns
    -------
    DataFrame
        ``place_id, name, kind, latitude, longitude, town, district, city,
        label`` for places with coordinates, sorted by label; empty when
        ``data/gazetteer.csv`` does not exist.
    """
    path = Path(path or paths.GAZETTEER_CSV)
    columns = ["place_id", "name", "kind", "latitude", "longitude", "town", "district", "city"]
    if not path.exists():
        return pd.DataFrame(columns=[*columns, "label"])
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for column in columns:
        if column not in frame.columns:
            frame[column] = ""
    frame["latitude"] = pd.to_numeric(frame["latitude"], errors="coerce")
    frame["longitude"] = pd.to_numeric(frame["longitude"], errors="coerce")
    frame = frame.loc[frame["latitude"].notna() & frame["longitude"].notna(), columns].copy()
    frame["label"] = [place_label(record) for record in frame.to_dict("records")]
    return frame.sort_values("label", key=lambda s: s.str.lower(), ignore_index=True)


def place_label(place: Mapping[str, Any]) -> str:
    """Return ``Name (kind, town or district, city)`` for a gazetteer place."""
    context = [
        str(place.get(column))
        for column in ("kind", "town", "district", "city")
        if place.get(column) and str(place.get(column)) != str(place.get("name"))
    ]
    seen: list[str] = []
    for part in context:
        if part not in seen:
            seen.append(part)
    return f"{place.get('name')} ({', '.join(seen)})" if seen else str(place.get("name"))


def events_near(
    frame: pd.DataFrame, latitude: float, longitude: float, km: float = DEFAULT_RADIUS_KM
) -> pd.DataFrame:
    """Return the events within ``km`` of a point, nearest first, with ``distance_km``.

    Uses :func:`footprint.data.filters.within_radius`; events without coordinates
    are left out (their distance is unknown).
    """
    near = filters.within_radius(frame, latitude, longitude, km)
    return near.sort_values(["distance_km", "event_date"], kind="stable")
