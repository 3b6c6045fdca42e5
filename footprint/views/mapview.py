"""The map: pure functions that turn an events frame into a pydeck Deck.

Nothing here imports streamlit; ``pages/map.py`` and ``pages/briefing.py``
call :func:`build_deck` and render the result with ``st.pydeck_chart``.

How the map reads
-----------------
What happened and where it may be are drawn apart:

- Every event placed to a site, neighbourhood, town or district has a
  marker at its point: its shape tells the event type (attack disc, arrest
  square, presence triangle), its colour the main group (the most frequent
  groups of the filter get distinct colours, :mod:`footprint.views.palette`),
  its size the people killed. An unknown toll gets the smallest marker, with
  its own legend entry, never a guessed size.
- The uncertainty of the place is a thin ring around the marker whose radius
  is that uncertainty (:data:`UNCERTAINTY_METRES`); never a filled area.
- Several events on one point are one *stack* marker with their count; a
  click lists them (:func:`map_selection`, :func:`events_at`).
- Events known only to a city or a province are not spread over the map:
  one labelled *area* marker per place ("Karachi, place unknown: 328
  events"), shown or hidden with a layer switch.
- The base is the boundary polygons, so the map reads with no internet
  basemap. The initial view depends only on the view preset, framed on its
  area (:data:`VIEW_PRESETS`), so changing a filter never moves the map.
- Above :data:`AGGREGATE_THRESHOLD` filtered events the page draws H3
  hexagons instead (:func:`build_aggregate_deck`, data from
  :mod:`footprint.data.hexbins`).

deck.gl reads a string starting with ``@@`` as an expression and Streamlit
fills the tooltip by replacing ``{field}`` placeholders one after another, so
every row sent to a layer goes through :func:`layer_data`, which neutralises
both.
"""

from __future__ import annotations

import base64
import html
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

from footprint.data import hexbins
from footprint.data.filters import primary_group
from footprint.views import basemap, palette
from footprint.views.cards import casualty_label, date_label, event_title, place_label

#: Size of the map the presets are framed for, in CSS pixels: the map column
#: at 1400 px wide with the sidebar open. At 1920 px the column is wider and
#: the area fits with more margin.
FIT_SIZE = (600, 640)


def _mercator_y(latitude: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(latitude) / 2))


def fit_zoom(
    latitudes: Sequence[float] | np.ndarray,
    longitudes: Sequence[float] | np.ndarray,
    width: int = 900,
    height: int = 640,
    padding: float = 0.3,
) -> float:
    """Return the Web Mercator zoom that fits points in a width × height view.

    ``padding`` is taken off the zoom (0.3 keeps about a fifth of a margin).
    """
    if len(latitudes) == 0:
        return 10.0
    span_lon = max(float(np.ptp(np.asarray(longitudes, dtype=float))), 0.02)
    y = np.log(np.tan(np.pi / 4 + np.radians(np.asarray(latitudes, dtype=float)) / 2))
    span_y = max(float(np.ptp(y)) * 180 / math.pi, 0.02)
    zoom_x = math.log2(width * 360 / (512 * span_lon))
    zoom_y = math.log2(height * 360 / (512 * span_y))
    return round(min(zoom_x, zoom_y) - padding, 2)


@dataclass(frozen=True)
class ViewPreset:
    """A named starting view of the map, framed on an area ``(west, south, east, north)``."""

    label: str
    bounds: tuple[float, float, float, float]
    #: H3 resolution of the aggregated map in this view.
    h3_resolution: int

    @property
    def latitude(self) -> float:
        """Centre latitude: the middle of the area in Web Mercator, not in degrees."""
        y = (_mercator_y(self.bounds[1]) + _mercator_y(self.bounds[3])) / 2
        return round(math.degrees(2 * math.atan(math.exp(y)) - math.pi / 2), 4)

    @property
    def longitude(self) -> float:
        """Centre longitude."""
        return round((self.bounds[0] + self.bounds[2]) / 2, 4)

    @property
    def zoom(self) -> float:
        """The zoom at which the whole area fits a map of :data:`FIT_SIZE`, with a margin."""
        west, south, east, north = self.bounds
        return fit_zoom([south, north], [west, east], *FIT_SIZE, padding=0.12)


#: The view presets, keyed by their URL value (``view=``). Balochistan's box is
#: the province's outline; "Both" adds Karachi.
VIEW_PRESETS: dict[str, ViewPreset] = {
    "karachi": ViewPreset("Karachi", (66.86, 24.78, 67.32, 25.10), 7),
    "balochistan": ViewPreset("Balochistan", (60.87, 24.88, 70.26, 32.06), 5),
    "both": ViewPreset("Both", (60.87, 24.70, 70.26, 32.06), 5),
}
DEFAULT_PRESET = "karachi"
#: Presets that get detailed province and district lines, cut to a window
#: (west, south, east, north) so the detail stays light; with a tolerance in
#: degrees. Elsewhere the lines are simplified to about 1 km.
DETAILED_BASE: dict[str, tuple[tuple[float, float, float, float], float]] = {
    "karachi": ((66.2, 24.3, 68.0, 25.9), 0.0015),
}

#: How far from its point an event may really be, by place precision (metres).
UNCERTAINTY_METRES: dict[str, float] = {
    "site": 0.0,
    "neighbourhood": 800.0,
    "town": 3000.0,
    "district": 8000.0,
    "city": 15000.0,
    "province": 60000.0,
}
#: Precisions known only to a city or a province: gathered in one area marker per place.
AREA_PRECISIONS: tuple[str, ...] = ("city", "province")
#: Fill and outline opacity of uncertainty discs in the briefing's SVG export.
DISC_OPACITY: dict[str, tuple[int, int]] = {
    "neighbourhood": (80, 255),
    "town": (60, 210),
    "district": (45, 190),
    "city": (30, 170),
    "province": (22, 150),
}
#: Above this many filtered events the map draws H3 hexagons computed on the
#: server, plus the largest attacks as points, instead of every event: a few
#: thousand markers are still quick to draw and to read, tens of thousands are
#: neither, and the deck JSON would grow by about 400 bytes per event.
AGGREGATE_THRESHOLD = 5000
#: How many events a stack's side-panel list shows (the first, by date).
LIST_LIMIT = 100
#: How many of the largest attacks the aggregated map draws as points.
LARGEST_ATTACKS = 300
#: Layers whose objects are single events (a click opens the card).
EVENT_LAYER_IDS: tuple[str, ...] = ("attacks", "arrests", "presence", "largest")
#: Layers whose objects hold several events (a click lists them).
GROUP_LAYER_IDS: tuple[str, ...] = ("stacks", "areas")
#: The event types each marker layer draws, and their shape.
LAYER_EVENT_TYPES: dict[str, tuple[str, ...]] = {
    "attacks": ("attack", "other"),
    "arrests": ("arrest",),
    "presence": ("militant_presence",),
}
MAP_HEIGHT = 640
#: Marker radius of an event whose toll is unknown (px); known tolls start above it.
UNKNOWN_TOLL_RADIUS = 3.5

LAND = [241, 237, 227, 255]
PROVINCE_LINE = [80, 80, 80, 255]
DISTRICT_LINE = [150, 150, 150, 230]
TOWN_LINE = [96, 96, 140, 235]
LABEL_COLOUR = [60, 60, 60, 255]
STACK_LINE = [35, 35, 35, 255]
HALO = [255, 255, 255, 230]
FONT = '"Helvetica Neue", Helvetica, Arial, sans-serif'
#: The labels' glyph atlas: signed distance fields (for the white halo) at 32 px,
#: half deck.gl's default. Building the atlas is a large share of the map's
#: first draw on SwiftShader and grows with the square of the size; labels are
#: drawn at 13 px, so 32 px loses nothing visible. Outline widths are in atlas
#: pixels, so they are half of what they were at 64 px.
LABEL_FONT_SETTINGS = {"sdf": True, "fontSize": 32, "buffer": 2, "radius": 6}

TOOLTIP = {
    "html": ("<b>{title}</b><br/>{when}<br/>{where}<br/>{who}<br/>{toll}<br/><i>{place_note}</i>"),
    "style": {
        "backgroundColor": "#1f1f1f",
        "color": "#ffffff",
        "fontSize": "15px",
        "maxWidth": "380px",
        "lineHeight": "1.35",
    },
}
#: The record fields the tooltip template reads.
TOOLTIP_FIELDS = ("title", "when", "where", "who", "toll", "place_note")

_ICON_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="192" height="96" viewBox="0 0 192 96">'
    '<rect x="8" y="8" width="48" height="48" fill="#000"/>'
    '<polygon points="96,4 126,60 66,60" fill="#000"/>'
    '<path d="M160 95 C150 74 134 56 134 32 A26 26 0 1 1 186 32 C186 56 170 74 160 95 Z" '
    'fill="#000"/><circle cx="160" cy="32" r="10" fill="none"/>'
    "</svg>"
)
#: One image holding the arrest (square) and presence (triangle) markers,
#: inline so that nothing is fetched; ``mask`` lets each take its group colour.
ICON_ATLAS = "data:image/svg+xml;base64," + base64.b64encode(_ICON_SVG.encode()).decode()
ICON_MAPPING = {
    "square": {"x": 0, "y": 0, "width": 64, "height": 64, "mask": True},
    "triangle": {"x": 64, "y": 0, "width": 64, "height": 64, "mask": True},
    # A pin: its tip (the bottom centre) is the point.
    "pin": {"x": 128, "y": 0, "width": 64, "height": 96, "anchorY": 96, "mask": True},
}
#: How many city/province pins get a written label (the largest); the others
#: name themselves in their tooltip, so labels do not pile up in a wide view.
AREA_LABELS_MAX = 8
#: Height of a city/province pin (px).
AREA_PIN_PX = 42


class CompactDeck(pdk.Deck):
    """A pydeck Deck whose JSON has no indentation.

    ``st.pydeck_chart`` sends ``deck.to_json()`` to the browser on every
    rerun; pydeck indents it, which makes the boundary coordinates about
    three times larger on the wire.
    """

    def to_json(self) -> str:
        """Return the deck's JSON spec, compact."""
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"))


@dataclass(frozen=True)
class MapLayers:
    """Which layers the map draws (the map page's ``map_layer_*`` checkboxes)."""

    attacks: bool = True
    arrests: bool = True
    presence: bool = True
    area_events: bool = True
    districts: bool = True
    towns: bool = True
    density: bool = False
    street_basemap: bool = False


@dataclass(frozen=True)
class LayerSwitch:
    """One checkbox of the map page's Layers panel: a :class:`MapLayers` field."""

    field: str  #: the MapLayers field it sets (its default is the checkbox's)
    label: str
    key: str  #: the widget key's suffix: ``map_layer_<key>``
    column: int  #: 0 for the event layers, 1 for the base
    help: str | None = None


_AREAS_HELP = "Events known only to a city or a province, one marker per place."
_STREETS_HELP = "An online street basemap under the boundaries (needs internet)."

#: The Layers panel, in the order shown; the page draws one checkbox each.
LAYER_SWITCHES: tuple[LayerSwitch, ...] = (
    LayerSwitch("attacks", "Attacks", "attacks", 0),
    LayerSwitch("arrests", "Arrests", "arrests", 0),
    LayerSwitch("presence", "Militant presence", "presence", 0),
    LayerSwitch("area_events", "City/province only", "areas", 0, _AREAS_HELP),
    LayerSwitch("density", "Density", "density", 0),
    LayerSwitch("districts", "Districts", "districts", 1),
    LayerSwitch("towns", "Karachi towns", "towns", 1),
    LayerSwitch("street_basemap", "Street map", "streets", 1, _STREETS_HELP),
)


@dataclass(frozen=True)
class MapSelection:
    """What a click on the map picked: one event, a stack at a point, or a city/province."""

    kind: str  #: "event", "stack" or "area"
    key: str  #: the event id, the point key or the area key


def _literal(text: str) -> str:
    # pydeck turns bare strings into accessors ("@@=pixels"); quoted ones stay strings.
    return f'"{text}"'


#: Put between ``@@`` and between ``{`` and a name: invisible, and it stops
#: deck.gl and the tooltip template from reading the text as code.
_ZERO_WIDTH = "\u200b"


def safe_text(value: str) -> str:
    """Return text that deck.gl and the tooltip show as it reads, never as code.

    A leading ``@@`` gets a zero-width space in front (deck.gl would evaluate
    ``@@=x``), and every ``{`` one after it, so a value holding ``{title}``
    cannot be filled in by the tooltip template.
    """
    if value.startswith("@@"):
        value = _ZERO_WIDTH + value
    if "{" in value:
        value = value.replace("{", "{" + _ZERO_WIDTH)
    return value


def _safe(value):
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, list):
        return [_safe(v) for v in value]
    if isinstance(value, dict):
        return {safe_text(str(k)): _safe(v) for k, v in value.items()}
    return value


def layer_data(rows: Iterable[Mapping], fields: Sequence[str] | None = None) -> list[dict]:
    """Return the rows a deck layer receives, every string made safe (:func:`safe_text`).

    The one place that builds layer data: every event layer's rows pass here.

    Parameters
    ----------
    rows : iterable of mappings
        Records.
    fields : sequence of str, optional
        Keep only these fields (the layer's accessors and the tooltip's).
    """
    if fields is None:
        return [{safe_text(str(k)): _safe(v) for k, v in row.items()} for row in rows]
    return [{k: _safe(row[k]) for k in fields if k in row} for row in rows]


def view_state(preset: str) -> pdk.ViewState:
    """Return the initial view of a preset (unknown names fall back to Karachi)."""
    view = VIEW_PRESETS.get(preset, VIEW_PRESETS[DEFAULT_PRESET])
    return pdk.ViewState(
        latitude=view.latitude, longitude=view.longitude, zoom=view.zoom, pitch=0, bearing=0
    )


def metres_per_pixel(latitude: float, zoom: float) -> float:
    """Return ground metres per CSS pixel in deck.gl's Web Mercator (512 px tiles)."""
    return 40_075_016.686 * math.cos(math.radians(latitude)) / (512 * 2**zoom)


def scale_bar(latitude: float, zoom: float, max_pixels: int = 120) -> tuple[float, int]:
    """Return a round length (km) and its width in pixels, at most ``max_pixels`` wide."""
    per_pixel = metres_per_pixel(latitude, zoom)
    longest = max_pixels * per_pixel / 1000
    exponent = math.floor(math.log10(longest))
    length = max(step * 10**exponent for step in (1, 2, 5) if step * 10**exponent <= longest)
    return float(length), round(length * 1000 / per_pixel)


def killed_for_size(frame: pd.DataFrame) -> pd.Series:
    """Return the killed count used for sizes: the lower bound, else the upper, else 0."""
    return frame["killed_min"].fillna(frame["killed_max"]).fillna(0).astype("int64")


def dot_radius_pixels(killed: pd.Series | np.ndarray) -> np.ndarray:
    """Return marker radii in pixels: area grows with the people killed, capped at 30 px."""
    values = np.asarray(killed, dtype="float64")
    return np.minimum(5.0 + 2.2 * np.sqrt(np.clip(values, 0, None)), 30.0).round(1)


def marker_radius_pixels(frame: pd.DataFrame) -> np.ndarray:
    """Return each event's marker radius: by people killed, :data:`UNKNOWN_TOLL_RADIUS` if unknown."""
    known = (frame["killed_min"].notna() | frame["killed_max"].notna()).to_numpy()
    return np.where(known, dot_radius_pixels(killed_for_size(frame)), UNKNOWN_TOLL_RADIUS)


def stack_radius_pixels(count: int) -> float:
    """Return the radius of a marker holding ``count`` events (px)."""
    return round(min(9.0 + 2.0 * math.sqrt(count), 26.0), 1)


def _rgba(rgb: tuple[int, int, int], alpha: int) -> list[int]:
    return [int(rgb[0]), int(rgb[1]), int(rgb[2]), int(alpha)]


def _precision_note(precision: str | None) -> str:
    if precision == "site":
        return "exact site"
    if precision in UNCERTAINTY_METRES:
        radius = UNCERTAINTY_METRES[precision]
        distance = f"{radius / 1000:g} km" if radius >= 1000 else f"{radius:g} m"
        return f"placed to the {precision} (within about {distance})"
    return "place precision unknown"


def _text_column(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name].astype(object).where(frame[name].notna(), None)


def point_keys(frame: pd.DataFrame) -> pd.Series:
    """Return each event's point key, ``"lon,lat"`` to 4 decimals (about 10 m): stacks share one."""
    lon = frame["longitude"].astype("float64").map("{:.4f}".format)
    lat = frame["latitude"].astype("float64").map("{:.4f}".format)
    return lon + "," + lat


def is_area_event(frame: pd.DataFrame) -> pd.Series:
    """Return True for events known only to a city or a province (or of unknown precision)."""
    return ~frame["geo_precision"].isin([p for p in UNCERTAINTY_METRES if p not in AREA_PRECISIONS])


def area_names(frame: pd.DataFrame) -> pd.Series:
    """Return the place an area-only event is known to: its city, its province, else its text."""
    precision = frame["geo_precision"]
    city = _text_column(frame, "city")
    province = _text_column(frame, "province")
    text = _text_column(frame, "location_text")
    name = np.where(precision.eq("city"), city.fillna(province), province.fillna(city))
    name = pd.Series(name, index=frame.index, dtype=object)
    return name.fillna(text).fillna("an unknown place")


def area_keys(frame: pd.DataFrame) -> pd.Series:
    """Return each event's area key, ``"city|Karachi"``: area markers gather events by it."""
    precision = (
        frame["geo_precision"]
        .astype(object)
        .where(frame["geo_precision"].isin(AREA_PRECISIONS), "unknown")
    )
    return precision.astype(str) + "|" + area_names(frame).astype(str)


def area_label(key: str, count: int) -> str:
    """Return an area marker's label: ``Karachi, place unknown: 328 events``."""
    precision, _, name = key.partition("|")
    what = {"city": "place unknown", "province": "province only"}.get(precision, "place unknown")
    return f"{name}, {what}: {count:,} event{'s' if count != 1 else ''}"


def group_colours(frame: pd.DataFrame) -> dict[str, tuple[int, int, int]]:
    """Return the distinct colours of the most frequent groups of ``frame``."""
    counts = primary_group(frame).dropna().value_counts()
    return palette.frequent_group_colours({str(k): int(v) for k, v in counts.items()})


def colour_of(group: str | None, colours: Mapping[str, tuple[int, int, int]]):
    """Return a group's map colour: its own, "other groups" grey, or "no group" grey."""
    if not group:
        return palette.UNATTRIBUTED
    return colours.get(group, palette.OTHER)


#: The columns the records and their labels read.
_RECORD_COLUMNS = (
    "event_id", "event_date", "date_start", "date_end", "date_precision", "event_type",
    "attack_type", "suicide", "location_text", "neighbourhood", "town", "district", "city",
    "province", "latitude", "longitude", "geo_precision", "perpetrators", "killed_min",
    "killed_max", "injured_min", "injured_max",
)  # fmt: skip


def event_records(
    frame: pd.DataFrame, colours: Mapping[str, tuple[int, int, int]] | None = None
) -> list[dict]:
    """Return the mappable events as plain records, one per event.

    Events without coordinates are left out. Each record holds what the
    layers draw (``lon``, ``lat``, ``color``, ``radius_px``, ``size_px``,
    ``uncertainty_m``, ``layer``, ``shape``, ``point``, ``area``,
    ``area_key``, ``weight``) and what the tooltip shows (:data:`TOOLTIP_FIELDS`),
    as plain text: Streamlit escapes tooltip values when it fills the template.
    ``colours`` are the map's group colours (:func:`group_colours` of ``frame``
    by default).
    """
    if frame.empty:
        return []
    located = frame[frame["latitude"].notna() & frame["longitude"].notna()]
    if located.empty:
        return []
    colours = group_colours(located) if colours is None else colours
    groups = primary_group(located)
    killed = killed_for_size(located)
    known = (located["killed_min"].notna() | located["killed_max"].notna()).to_numpy()
    radii = marker_radius_pixels(located)
    points = point_keys(located).to_numpy()
    areas = is_area_event(located).to_numpy()
    akeys = area_keys(located).to_numpy()
    records = []
    # Plain dicts, not iterrows(): building a Series per row costs more than the labels.
    for event, group, dead, is_known, radius, point, area, akey in zip(
        located[list(_RECORD_COLUMNS)].to_dict("records"), groups, killed, known, radii,
        points, areas, akeys, strict=True,
    ):  # fmt: skip
        event_type = event["event_type"] or "other"
        layer = next(
            (name for name, types in LAYER_EVENT_TYPES.items() if event_type in types), "attacks"
        )
        precision = event["geo_precision"] if event["geo_precision"] in UNCERTAINTY_METRES else None
        colour = colour_of(group, colours)
        records.append(
            {
                "event_id": event["event_id"],
                "lon": round(float(event["longitude"]), 5),
                "lat": round(float(event["latitude"]), 5),
                "layer": layer,
                "group": group,
                "exact": precision == "site",
                "color": _rgba(colour, 255),
                "ring_line": _rgba(colour, 230),
                "radius_px": float(radius),
                "size_px": round(2.3 * float(radius), 1),
                "killed": int(dead),
                "toll_known": bool(is_known),
                "uncertainty_m": UNCERTAINTY_METRES.get(precision or "province", 60000.0),
                "shape": "square" if layer == "arrests" else "triangle",
                "weight": 1 + int(dead),
                "point": point,
                "area": bool(area),
                "area_key": akey,
                "title": event_title(event),
                "when": date_label(event),
                "where": place_label(event),
                "who": event["perpetrators"] or "no group named",
                "toll": casualty_label(event["killed_min"], event["killed_max"], "killed")
                + ", "
                + casualty_label(event["injured_min"], event["injured_max"], "injured"),
                "place_note": _precision_note(precision),
                "precision": precision or "province",
            }
        )
    return records


def _top_groups(records: list[dict], limit: int = 3) -> str:
    counts = Counter(r["group"] or "no group named" for r in records)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    text = ", ".join(f"{name} ({n})" for name, n in ranked[:limit])
    if len(ranked) > limit:
        text += f", {len(ranked) - limit} more"
    return text


def _toll_summary(records: list[dict]) -> str:
    killed = sum(r["killed"] for r in records if r["toll_known"])
    unknown = sum(1 for r in records if not r["toll_known"])
    text = f"{killed:,} killed in all"
    if unknown:
        text += f" ({unknown:,} with the toll unknown)"
    return text


def _dominant(records: list[dict]) -> dict:
    counts = Counter(r["group"] or "" for r in records)
    group = min(counts, key=lambda g: (-counts[g], g))
    return next(r for r in records if (r["group"] or "") == group)


def _group_mark(kind: str, key: str, members: list[dict], title: str, note: str) -> dict:
    first = _dominant(members)
    whens = sorted({r["when"] for r in members})
    return {
        "kind": kind,
        "key": key,
        "lon": members[0]["lon"],
        "lat": members[0]["lat"],
        "count": len(members),
        "text": f"{len(members):,}",
        "color": first["color"],
        "ring_line": first["ring_line"],
        "radius_px": stack_radius_pixels(len(members)),
        "uncertainty_m": max(r["uncertainty_m"] for r in members),
        "exact": all(r["exact"] for r in members),
        "title": title,
        "when": whens[0] if len(whens) == 1 else f"{len(whens):,} different dates",
        "where": members[0]["where"],
        "who": _top_groups(members),
        "toll": _toll_summary(members),
        "place_note": note,
    }


@dataclass
class MapMarks:
    """What the event layers draw, by layer id (see :func:`map_marks`)."""

    attacks: list[dict]
    arrests: list[dict]
    presence: list[dict]
    stacks: list[dict]
    areas: list[dict]
    rings: list[dict]
    shown: list[dict]

    def layer_rows(self) -> dict[str, list[dict]]:
        """Return the rows of each pickable layer (to resolve selections by index)."""
        return {
            "attacks": self.attacks, "arrests": self.arrests, "presence": self.presence,
            "stacks": self.stacks, "areas": self.areas,
        }  # fmt: skip


def map_marks(records: list[dict], layers: MapLayers | None = None) -> MapMarks:
    """Return the markers the map draws for the event records.

    Area-only events become one marker per city or province; the others one
    marker per point, a *stack* where several share it. Each marker placed
    less exactly than a site gets a ring of its uncertainty.
    """
    layers = layers or MapLayers()
    wanted = {
        name for name, on in (("attacks", layers.attacks), ("arrests", layers.arrests),
                              ("presence", layers.presence)) if on
    }  # fmt: skip
    shown = [r for r in records if r["layer"] in wanted and (layers.area_events or not r["area"])]
    by_point: dict[str, list[dict]] = {}
    by_area: dict[str, list[dict]] = {}
    for record in shown:
        if record["area"]:
            by_area.setdefault(record["area_key"], []).append(record)
        else:
            by_point.setdefault(record["point"], []).append(record)
    singles: dict[str, list[dict]] = {"attacks": [], "arrests": [], "presence": []}
    stacks: list[dict] = []
    for key, members in by_point.items():
        if len(members) == 1:
            singles[members[0]["layer"]].append(members[0])
        else:
            stacks.append(
                _group_mark(
                    "stack",
                    key,
                    members,
                    f"{len(members):,} events at this point",
                    "click to list them in the side panel",
                )  # fmt: skip
            )
    areas = [
        _group_mark(
            "area",
            key,
            members,
            area_label(key, len(members)),
            "known only to this place, so not drawn at a point; click to list them",
        )  # fmt: skip
        for key, members in by_area.items()
    ]
    for layer_id in singles:
        singles[layer_id].sort(key=lambda r: -r["radius_px"])
    stacks.sort(key=lambda r: -r["radius_px"])
    areas.sort(key=lambda r: -r["count"])
    rings = [
        {"lon": r["lon"], "lat": r["lat"], "uncertainty_m": r["uncertainty_m"],
         "ring_line": r["ring_line"], "radius_px": r["radius_px"]}
        for r in (*singles["attacks"], *singles["arrests"], *singles["presence"], *stacks)
        if not r["exact"]
    ]  # fmt: skip
    rings.sort(key=lambda r: -r["uncertainty_m"])
    return MapMarks(
        attacks=singles["attacks"], arrests=singles["arrests"], presence=singles["presence"],
        stacks=stacks, areas=areas, rings=rings, shown=shown,
    )  # fmt: skip


def boundary_layers(preset: str, layers: MapLayers, target_dir=None) -> list[pdk.Layer]:
    """Return the base: provinces as land, province, district and town lines, and their names.

    The whole base is one GeoJsonLayer (``boundary-base``) of one cached
    ``data:`` URL: the land filled, every outline a line with its own colour
    and width. A layer per boundary file cost the browser a layer's set-up
    and draw each, the largest share of the map's first draw on SwiftShader.
    Town names are drawn in the Karachi view, Balochistan's district names in
    the wider views, so labels never pile up. Without the boundary files (the
    data step has not run) the base is left out and the events still draw.
    """
    if not basemap.available(target_dir):
        return []
    clip, tolerance = DETAILED_BASE.get(preset, (None, None))
    lines = []
    if layers.towns:
        lines.append(("towns", TOWN_LINE, 1.4))
    if layers.districts:
        lines.append(("districts", DISTRICT_LINE, 1.0))
    lines.append(("provinces", PROVINCE_LINE, 1.8))  # on top: the coast and the borders
    result = [
        pdk.Layer(
            "GeoJsonLayer",
            id="boundary-base",
            data=basemap.base_data_url(
                ("provinces", LAND),
                tuple((layer, tuple(colour), width) for layer, colour, width in lines),
                tolerances={"provinces": tolerance, "districts": tolerance},
                clips={"provinces": clip, "districts": clip},
                target_dir=target_dir,
            ),
            stroked=False,
            filled=True,
            get_fill_color="properties.fill",
            get_line_color="properties.line",
            get_line_width="properties.width",
            line_width_units=_literal("pixels"),
            pickable=False,
        )
    ]
    labels: list[dict] = []
    if layers.towns and preset == "karachi":
        labels = basemap.boundary_labels("towns", target_dir=target_dir)
    elif layers.districts and preset != "karachi":
        labels = [
            label
            for label, feature in zip(
                basemap.boundary_labels("districts", target_dir=target_dir),
                basemap.boundary_features("districts", target_dir=target_dir),
                strict=True,
            )
            if feature.province == "Balochistan"
        ]
    if labels:
        result.append(
            pdk.Layer(
                "TextLayer",
                id="boundary-labels",
                data=labels,
                get_position=["lon", "lat"],
                get_text="name",
                get_size=13,
                size_units=_literal("pixels"),
                get_color=LABEL_COLOUR,
                font_family=_literal(FONT),
                font_settings=LABEL_FONT_SETTINGS,
                outline_width=1.5,
                outline_color=HALO,
                get_text_anchor=_literal("middle"),
                get_alignment_baseline=_literal("center"),
                pickable=False,
            )
        )
    return result


_MARKER_FIELDS = ("event_id", "lon", "lat", "color", "radius_px", *TOOLTIP_FIELDS)
_ICON_FIELDS = ("event_id", "lon", "lat", "color", "size_px", "shape", *TOOLTIP_FIELDS)
_GROUP_FIELDS = ("kind", "key", "lon", "lat", "count", "color", "ring_line", "radius_px",
                 *TOOLTIP_FIELDS)  # fmt: skip


def _text_layer(layer_id: str, rows: list[dict], size: int, **extra) -> pdk.Layer:
    return pdk.Layer(
        "TextLayer",
        id=layer_id,
        data=layer_data(rows, ("lon", "lat", "text")),
        get_position=["lon", "lat"],
        get_text="text",
        get_size=size,
        size_units=_literal("pixels"),
        get_color=[25, 25, 25, 255],
        font_family=_literal(FONT),
        font_weight=700,
        font_settings=LABEL_FONT_SETTINGS,
        outline_width=2,
        outline_color=HALO,
        get_alignment_baseline=_literal("center"),
        pickable=False,
        **extra,
    )


def _marker_layer(layer_id: str, rows: list[dict], line, line_width: float) -> pdk.Layer:
    return pdk.Layer(
        "ScatterplotLayer",
        id=layer_id,
        data=rows,
        get_position=["lon", "lat"],
        get_radius="radius_px",
        radius_units=_literal("pixels"),
        filled=True,
        stroked=True,
        get_fill_color="color",
        get_line_color=line,
        get_line_width=line_width,
        line_width_units=_literal("pixels"),
        pickable=True,
        auto_highlight=True,
    )


def event_layers(marks: MapMarks, layers: MapLayers) -> list[pdk.Layer]:
    """Return the event layers, bottom to top.

    Density (optional), uncertainty rings, area markers, stacks, attack discs,
    arrest squares, presence triangles, then the numbers on stacks and the
    area labels.
    """
    result: list[pdk.Layer] = []
    if layers.density and marks.shown:
        result.append(
            pdk.Layer(
                "HeatmapLayer",
                id="density",
                data=layer_data(marks.shown, ("lon", "lat", "weight")),
                get_position=["lon", "lat"],
                get_weight="weight",
                radius_pixels=45,
                intensity=1.2,
                threshold=0.04,
                opacity=0.55,
                color_range=[
                    [255, 255, 204],
                    [255, 237, 160],
                    [254, 217, 118],
                    [254, 178, 76],
                    [253, 141, 60],
                    [227, 26, 28],
                ],
                pickable=False,
            )
        )
    result.append(
        pdk.Layer(
            "ScatterplotLayer",
            id="uncertainty",
            data=layer_data(marks.rings, ("lon", "lat", "uncertainty_m", "ring_line")),
            get_position=["lon", "lat"],
            get_radius="uncertainty_m",
            radius_units=_literal("meters"),
            filled=False,
            stroked=True,
            get_line_color="ring_line",
            get_line_width=1.5,
            line_width_units=_literal("pixels"),
            pickable=False,
        )
    )
    result.append(_marker_layer("stacks", layer_data(marks.stacks, _GROUP_FIELDS), STACK_LINE, 2))
    result.append(
        _marker_layer(
            "attacks", layer_data(marks.attacks, _MARKER_FIELDS), [255, 255, 255, 255], 1.5
        )
    )
    for name in ("arrests", "presence"):
        result.append(
            pdk.Layer(
                "IconLayer",
                id=name,
                data=layer_data(getattr(marks, name), _ICON_FIELDS),
                get_position=["lon", "lat"],
                icon_atlas=_literal(ICON_ATLAS),
                icon_mapping=ICON_MAPPING,
                get_icon="shape",
                get_size="size_px",
                size_units=_literal("pixels"),
                get_color="color",
                pickable=True,
                auto_highlight=True,
            )
        )
    result.append(_text_layer("stack-counts", marks.stacks, 14, get_text_anchor=_literal("middle")))
    result.extend(_area_layers(marks.areas))
    return result


def _area_layers(areas: list[dict]) -> list[pdk.Layer]:
    """The city/province markers: a pin whose tip is the place's point, and its label.

    A pin rather than a disc: the place's point is usually a city centre
    crowded with finely placed events, and only the pin's tip covers it. Only
    the :data:`AREA_LABELS_MAX` largest places are labelled.
    """
    labels = []
    for area in sorted(areas, key=lambda a: -a["count"])[:AREA_LABELS_MAX]:
        place, _, count = area["title"].rpartition(": ")
        labels.append({"lon": area["lon"], "lat": area["lat"], "text": f"{place}\n{count}"})
    pins = layer_data([{**area, "icon": "pin"} for area in areas], (*_GROUP_FIELDS, "icon"))
    return [
        pdk.Layer(
            "IconLayer",
            id="areas",
            data=pins,
            get_position=["lon", "lat"],
            icon_atlas=_literal(ICON_ATLAS),
            icon_mapping=ICON_MAPPING,
            get_icon="icon",
            get_size=AREA_PIN_PX,
            size_units=_literal("pixels"),
            get_color="color",
            pickable=True,
            auto_highlight=True,
        ),
        _text_layer(
            "area-labels",
            labels,
            13,
            get_text_anchor=_literal("start"),
            get_pixel_offset=[AREA_PIN_PX * 0.36, -AREA_PIN_PX * 0.66],
            line_height=1.1,
        ),
    ]


def stacked_alpha(alpha: int, count: int) -> int:
    """Return the opacity each of ``count`` stacked discs needs to look like one of ``alpha``.

    Used by the briefing's SVG export, where events on one point are drawn
    one over another.
    """
    if count <= 1:
        return int(alpha)
    share = 1 - (1 - alpha / 255) ** (1 / count)
    return max(1, round(255 * share))


def _deck(deck_layers, preset, view, height, street_basemap: bool) -> pdk.Deck:
    if street_basemap:
        return CompactDeck(
            layers=deck_layers,
            initial_view_state=view or view_state(preset),
            map_provider="carto",
            map_style="light",
            tooltip=TOOLTIP,
            height=height,
        )
    return CompactDeck(
        layers=deck_layers,
        initial_view_state=view or view_state(preset),
        map_provider=None,
        tooltip=TOOLTIP,
        height=height,
    )


def build_deck(
    frame: pd.DataFrame,
    preset: str = DEFAULT_PRESET,
    layers: MapLayers | None = None,
    *,
    view: pdk.ViewState | None = None,
    extra_layers: list[pdk.Layer] | None = None,
    records: list[dict] | None = None,
    boundary_dir=None,
    height: int = MAP_HEIGHT,
) -> pdk.Deck:
    """Return the map of an events frame as a pydeck Deck, one marker per event or stack.

    Parameters
    ----------
    frame : DataFrame
        The (filtered) events frame, at most :data:`AGGREGATE_THRESHOLD` rows
        in the page (above it the page draws :func:`build_aggregate_deck`).
    preset : str
        A key of :data:`VIEW_PRESETS`; the initial view depends on nothing else.
    layers : MapLayers, optional
        Which layers to draw; all but density by default.
    view : pydeck.ViewState, optional
        A view to use instead of the preset's (briefing mode flies to events).
    extra_layers : list of pydeck.Layer, optional
        Drawn on top (briefing mode's highlight).
    records : list of dict, optional
        :func:`event_records` of ``frame`` when the caller already has them.
    boundary_dir : Path, optional
        The prepared boundary folder.
    height : int
        Height of the map in pixels.

    Returns
    -------
    pydeck.Deck
        With ``map_provider=None`` and no map style: Streamlit then draws no
        basemap (it fetches Carto tiles whenever the deck leaves the style
        unset), unless ``layers.street_basemap`` asks for one.
    """
    layers = layers or MapLayers()
    records = event_records(frame) if records is None else records
    deck_layers = [
        *boundary_layers(preset, layers, boundary_dir),
        *event_layers(map_marks(records, layers), layers),
        *(extra_layers or []),
    ]
    return _deck(deck_layers, preset, view, height, layers.street_basemap)


def map_selection(
    selection_state: Mapping | None, layer_rows: Mapping[str, list[dict]] | None = None
) -> MapSelection | None:
    """Return what a click on the map selected, or None.

    Parameters
    ----------
    selection_state : Mapping or None
        What ``st.pydeck_chart(..., on_select="rerun")`` returns: ``{"selection":
        {"indices": {layer id: [index]}, "objects": {layer id: [record]}}}``,
        or its inner ``selection`` mapping. Boundary layers are ignored.
    layer_rows : Mapping, optional
        The rows of each layer (:meth:`MapMarks.layer_rows`), to resolve a
        selection that carries only indices.

    Returns
    -------
    MapSelection or None
        An event (kind ``event``, its id), a stack (``stack``, its point key)
        or a city/province marker (``area``, its area key).
    """
    if not selection_state:
        return None
    selection = selection_state.get("selection", selection_state)
    if not isinstance(selection, Mapping):
        return None
    objects = selection.get("objects") or {}
    indices = selection.get("indices") or {}
    for layer_id in (*EVENT_LAYER_IDS, *GROUP_LAYER_IDS):
        candidates = list(objects.get(layer_id) or [])
        if layer_rows and layer_id in layer_rows:
            rows = layer_rows[layer_id]
            candidates += [
                rows[i]
                for i in indices.get(layer_id) or []
                if isinstance(i, int) and 0 <= i < len(rows)
            ]
        for record in candidates:
            if not isinstance(record, Mapping):
                continue
            if layer_id in EVENT_LAYER_IDS and record.get("event_id"):
                return MapSelection("event", str(record["event_id"]))
            if layer_id in GROUP_LAYER_IDS and record.get("key"):
                kind = "area" if layer_id == "areas" else "stack"
                return MapSelection(kind, str(record["key"]).replace(_ZERO_WIDTH, ""))
    return None


def selected_event_id(
    selection_state: Mapping | None, layer_rows: Mapping[str, list[dict]] | None = None
) -> str | None:
    """Return the event id of the single event selected on the map, or None."""
    selection = map_selection(selection_state, layer_rows)
    return selection.key if selection and selection.kind == "event" else None


def events_at(frame: pd.DataFrame, selection: MapSelection) -> pd.DataFrame:
    """Return the events a stack or an area marker holds (or the one event selected).

    Parameters
    ----------
    frame : DataFrame
        The filtered events the map was drawn from.
    selection : MapSelection
        From :func:`map_selection`.
    """
    if frame.empty:
        return frame
    if selection.kind == "event":
        return frame[frame["event_id"] == selection.key]
    located = frame["latitude"].notna() & frame["longitude"].notna()
    area = is_area_event(frame)
    if selection.kind == "area":
        mask = located & area & (area_keys(frame) == selection.key)
    else:
        mask = located & ~area & (point_keys(frame) == selection.key)
    return frame[mask.to_numpy()]


LEGEND_CSS = (
    "<style>.fp-legend{font-family:'Source Sans Pro',Arial,sans-serif;font-size:0.95rem;"
    "line-height:1.4;color:#1b1b1b}.fp-legend ul{list-style:none;padding:0;margin:0 0 .5rem 0}"
    ".fp-legend h4{margin:.3rem 0;font-size:1rem}.fp-legend li{margin:.1rem 0}"
    ".fp-dot{display:inline-block;border-radius:50%;margin-right:.4em;width:.85em;height:.85em;"
    "border:1px solid #fff;box-shadow:0 0 0 1px #999;vertical-align:-0.1em}"
    ".fp-size{display:inline-block;border-radius:50%;background:#666;margin:0 .35em 0 0;"
    "vertical-align:middle}"
    ".fp-ring{display:inline-block;width:1em;height:1em;border-radius:50%;margin-right:.4em;"
    "border:1.5px solid #555;vertical-align:-0.15em}"
    ".fp-stack{display:inline-block;min-width:1.3em;height:1.3em;border-radius:50%;background:#888;"
    "border:2px solid #232323;color:#111;font-size:.75em;font-weight:700;text-align:center;"
    "line-height:1.3em;margin-right:.4em;text-shadow:0 0 2px #fff}"
    ".fp-area{display:inline-block;margin:0 .45em 0 .1em;vertical-align:-0.2em}"
    ".fp-square{display:inline-block;width:.8em;height:.8em;background:#555;"
    "margin-right:.4em;vertical-align:-0.05em}"
    ".fp-triangle{display:inline-block;width:0;height:0;border-left:.5em solid transparent;"
    "border-right:.5em solid transparent;border-bottom:.9em solid #555;margin-right:.4em}"
    ".fp-heat{display:inline-block;width:1.4em;height:.8em;margin-right:.4em;"
    "background:linear-gradient(90deg,#ffffcc,#fd8d3c,#e31a1c)}"
    ".fp-hex{display:inline-block;width:1.4em;height:.8em;margin-right:.4em;"
    "background:linear-gradient(90deg,#fee391,#fe9929,#cc4c02,#662506)}"
    ".fp-scale{display:inline-block;height:.45em;border:2px solid #333;border-top:none;"
    "margin-right:.5em;vertical-align:middle}"
    ".fp-n{color:#666;font-size:.85em}.fp-legend details{margin:.1rem 0 .4rem 1.3em;"
    "font-size:.9em}</style>"
)
_LEGEND_PIN = (
    '<svg class="fp-area" width="12" height="18" viewBox="0 0 64 96" aria-hidden="true">'
    '<path d="M32 95 C22 74 6 56 6 32 A26 26 0 1 1 58 32 C58 56 42 74 32 95 Z" fill="#555"/></svg>'
)
#: Killed counts shown as sample marker sizes in the legend, where the map holds them.
LEGEND_SIZES = (1, 10, 50)


def _legend_groups(shown: list[dict], colours: Mapping[str, tuple[int, int, int]]) -> list[str]:
    counts = Counter(r["group"] or "" for r in shown)
    rows = []
    for group in sorted(colours, key=lambda g: (-counts.get(g, 0), g)):
        if counts.get(group):
            rows.append(
                f'<li><span class="fp-dot" style="background:{palette.hex_colour(colours[group])}">'
                f"</span>{html.escape(group)} <span class='fp-n'>{counts[group]:,}</span></li>"
            )
    others = sorted((g for g in counts if g and g not in colours), key=lambda g: (-counts[g], g))
    if others:
        listed = "".join(
            f"<li>{html.escape(g)} <span class='fp-n'>{counts[g]:,}</span></li>" for g in others
        )
        rows.append(
            f'<li><span class="fp-dot" style="background:{palette.hex_colour(palette.OTHER)}">'
            f"</span>other groups <span class='fp-n'>{sum(counts[g] for g in others):,}</span>"
            f"<details><summary>{len(others)} group{'s' if len(others) != 1 else ''}</summary>"
            f"<ul>{listed}</ul></details></li>"
        )
    if counts.get(""):
        rows.append(
            f'<li><span class="fp-dot" style="background:{palette.hex_colour(palette.UNATTRIBUTED)}">'
            f"</span>no group named <span class='fp-n'>{counts['']:,}</span></li>"
        )
    return rows


def _scale_row(preset: str) -> str:
    view = VIEW_PRESETS.get(preset, VIEW_PRESETS[DEFAULT_PRESET])
    km, pixels = scale_bar(view.latitude, view.zoom)
    return (
        f'<li class="fp-scalebar"><span class="fp-scale" style="width:{pixels}px"></span>'
        f"{km:g} km <span class='fp-n'>(at the view's starting zoom)</span></li>"
    )


def legend_html(
    frame: pd.DataFrame,
    layers: MapLayers | None = None,
    preset: str = DEFAULT_PRESET,
    records: list[dict] | None = None,
) -> str:
    """Return the map legend as HTML, listing only what the map shows.

    Groups (the distinct colours, "other groups" listed on demand, events with
    no group), the marker shapes, the sizes and rings present, stacks, city and
    province markers, and a scale bar for the preset's starting view. Group
    names come from the data and are escaped.
    """
    layers = layers or MapLayers()
    records = event_records(frame) if records is None else records
    colours = group_colours(frame) if not frame.empty else {}
    marks = map_marks(records, layers)
    shown = marks.shown
    groups = _legend_groups(shown, colours)
    placed = [r for r in shown if not r["area"]]
    shapes = []
    if any(r["layer"] == "attacks" for r in placed):
        shapes.append('<li><span class="fp-dot" style="background:#555"></span>attack</li>')
    if any(r["layer"] == "arrests" for r in placed):
        shapes.append('<li><span class="fp-square"></span>arrest</li>')
    if any(r["layer"] == "presence" for r in placed):
        shapes.append('<li><span class="fp-triangle"></span>militant presence</li>')
    known = [r["killed"] for r in placed if r["toll_known"]]
    sizes = []
    if known:
        biggest = max(known)
        samples = [k for k in LEGEND_SIZES if k <= max(biggest, 1)]
        circles = "".join(
            f'<span class="fp-size" style="width:{2 * r:.0f}px;height:{2 * r:.0f}px"></span>'
            for r in dot_radius_pixels(samples)
        )
        sizes.append(
            f"<li>{circles}size = people killed ({', '.join(str(k) for k in samples)})</li>"
        )
    if any(not r["toll_known"] for r in placed):
        side = 2 * UNKNOWN_TOLL_RADIUS
        sizes.append(
            f'<li><span class="fp-size" style="width:{side:.0f}px;height:{side:.0f}px"></span>'
            "toll unknown</li>"
        )
    present = sorted(
        {r["precision"] for r in placed if not r["exact"]},
        key=lambda p: UNCERTAINTY_METRES.get(p, 0),
    )
    if present:
        spans = ", ".join(
            f"{p} {UNCERTAINTY_METRES[p] / 1000:g} km" for p in present if p in UNCERTAINTY_METRES
        )
        sizes.append(
            f'<li><span class="fp-ring"></span>ring: where a roughly placed event may be '
            f"({spans})</li>"
        )
    if marks.stacks:
        sizes.append(
            '<li><span class="fp-stack">n</span>n events at one point: click to list them</li>'
        )
    if marks.areas:
        sizes.append(
            f"<li>{_LEGEND_PIN}events known only to a city or province, "
            "gathered in one marker: click to list them</li>"
        )
    if layers.density and shown:
        sizes.append('<li><span class="fp-heat"></span>density, weighted by people killed</li>')
    sizes.append(_scale_row(preset))
    return (
        f'{LEGEND_CSS}<div class="fp-legend"><h4>Groups (most strongly linked)</h4>'
        f"<ul>{''.join(groups) or '<li>no events on the map</li>'}</ul>"
        f"<h4>Markers</h4><ul>{''.join(shapes + sizes)}</ul></div>"
    )


def map_counts(frame: pd.DataFrame) -> dict[str, int]:
    """Return how many events are mapped, known only to a city/province, or have no coordinates."""
    located = frame["latitude"].notna() & frame["longitude"].notna()
    area = located & is_area_event(frame)
    return {
        "events": int(len(frame)),
        "mapped": int(located.sum()),
        "area_only": int(area.sum()),
        "unmapped": int((~located).sum()),
    }


# --- the aggregated map (above AGGREGATE_THRESHOLD events) ----------------------

#: Hexagon colours by events, light to dark (ColorBrewer YlOrBr, sequential and
#: readable with the common colour-vision deficiencies).
HEX_RAMP: tuple[tuple[int, int, int], ...] = (
    (255, 247, 188),
    (254, 227, 145),
    (254, 196, 79),
    (254, 153, 41),
    (236, 112, 20),
    (204, 76, 2),
    (140, 45, 4),
)
HEX_ALPHA = 200
#: Average area of an H3 cell by resolution (km², from the H3 documentation's table).
H3_CELL_KM2: dict[int, float] = {4: 1770.3, 5: 252.9, 6: 36.1, 7: 5.2, 8: 0.74}


def hex_colours(counts: np.ndarray) -> np.ndarray:
    """Return an RGBA row per hexagon, by its events on a log scale (vectorised)."""
    counts = np.asarray(counts, dtype="float64")
    if counts.size == 0:
        return np.zeros((0, 4), dtype="int64")
    top = max(float(counts.max()), 1.0)
    share = np.log1p(counts) / math.log1p(top) if top > 1 else np.zeros_like(counts)
    index = np.clip((share * (len(HEX_RAMP) - 1)).round().astype(int), 0, len(HEX_RAMP) - 1)
    rgb = np.asarray(HEX_RAMP, dtype="int64")[index]
    return np.column_stack([rgb, np.full(len(counts), HEX_ALPHA, dtype="int64")])


def _span_text(first: pd.Series, last: pd.Series) -> pd.Series:
    first_year = pd.to_datetime(first).dt.year.astype("Int64").astype(str)
    last_year = pd.to_datetime(last).dt.year.astype("Int64").astype(str)
    return np.where(first_year == last_year, first_year, first_year + "–" + last_year)


def _toll_text(killed: pd.Series, unknown: pd.Series) -> pd.Series:
    text = killed.map("{:,} killed in all".format)
    extra = " (" + unknown.map("{:,}".format) + " with the toll unknown)"
    return text + np.where(unknown.to_numpy() > 0, extra, "")


def hexagon_rows(hexes: pd.DataFrame, resolution: int) -> list[dict]:
    """Return the H3HexagonLayer rows of :func:`footprint.data.hexbins.hexagons` (vectorised)."""
    if hexes.empty:
        return []
    colours = hex_colours(hexes["events"].to_numpy())
    area = H3_CELL_KM2.get(resolution)
    table = pd.DataFrame(
        {
            "hex": hexes["hex"].astype(str),
            "events": hexes["events"].astype("int64"),
            "color": colours.tolist(),
            "title": hexes["events"].map("{:,} events in this hexagon".format),
            "when": _span_text(hexes["first_day"], hexes["last_day"]),
            "where": f"H3 cell, resolution {resolution}"
            + (f" (about {area:,.0f} km²)" if area else ""),
            "who": hexes["top_groups"].fillna("no group named"),
            "toll": _toll_text(hexes["killed"], hexes["toll_unknown"]),
            "place_note": "narrow the filters to see single events",
        }
    )
    return layer_data(table.to_dict("records"))


def area_rows(areas: pd.DataFrame, colours: Mapping[str, tuple[int, int, int]]) -> list[dict]:
    """Return area-marker rows from :func:`footprint.data.hexbins.area_markers`."""
    if areas.empty:
        return []
    tolls = _toll_text(areas["killed"].astype("int64"), areas["toll_unknown"].astype("int64"))
    rows = []
    # One row per city or province, not per event.
    for area, toll in zip(areas.to_dict("records"), tolls, strict=True):
        colour = colour_of(area["dominant_group"], colours)
        rows.append(
            {
                "kind": "area",
                "key": area["area_key"],
                "lon": float(area["lon"]),
                "lat": float(area["lat"]),
                "count": int(area["events"]),
                "text": area_label(area["area_key"], int(area["events"])),
                "color": _rgba(colour, 255),
                "ring_line": _rgba(colour, 230),
                "radius_px": stack_radius_pixels(int(area["events"])),
                "title": area_label(area["area_key"], int(area["events"])),
                "when": "",
                "where": area["area_key"].partition("|")[2],
                "who": area["top_groups"] or "no group named",
                "toll": toll,
                "place_note": "known only to this place; click to list them",
            }
        )
    return rows


def aggregate_parts(cursor, where: str, params: Sequence, preset: str = DEFAULT_PRESET) -> tuple:
    """Return what the aggregated map draws for a filter, asked of the query layer in SQL.

    Parameters
    ----------
    cursor : duckdb.DuckDBPyConnection
        A cursor on an ``EventsIndex`` (the store's copy, or an upload's rows).
    where, params : str, sequence
        The filter as SQL on ``events AS e`` (``query.where_clause``).
    preset : str
        The view preset, whose H3 resolution is lowered until the hexagons fit.

    Returns
    -------
    tuple
        ``(resolution, hexes, areas, largest, colours)``: the arguments of
        :func:`build_aggregate_deck` and of the aggregated legend.
    """
    resolution = hexbins.fitting_resolution(
        cursor, where, params, VIEW_PRESETS[preset].h3_resolution
    )
    return (
        resolution,
        hexbins.hexagons(cursor, where, params, resolution),
        hexbins.area_markers(cursor, where, params),
        hexbins.largest_events(cursor, where, params, LARGEST_ATTACKS),
        palette.frequent_group_colours(hexbins.group_counts(cursor, where, params)),
    )


def build_aggregate_deck(
    hexes: pd.DataFrame,
    areas: pd.DataFrame,
    largest: pd.DataFrame,
    colours: Mapping[str, tuple[int, int, int]],
    preset: str = DEFAULT_PRESET,
    layers: MapLayers | None = None,
    *,
    resolution: int | None = None,
    boundary_dir=None,
    height: int = MAP_HEIGHT,
    records: list[dict] | None = None,
    area_marks: list[dict] | None = None,
) -> pdk.Deck:
    """Return the aggregated map: H3 hexagons, city/province markers and the largest attacks.

    Parameters
    ----------
    hexes, areas, largest : DataFrame
        :func:`footprint.data.hexbins.hexagons`, ``area_markers`` and
        ``largest_events`` of the filter.
    colours : Mapping
        The map's group colours (``palette.frequent_group_colours``).
    preset : str
        The view preset.
    resolution : int, optional
        The hexagons' H3 resolution (for the tooltip); the preset's by default.
    records, area_marks : list of dict, optional
        :func:`event_records` of ``largest`` and :func:`area_rows` of ``areas``
        when the caller already has them (the page needs them for clicks too).

    Returns
    -------
    pydeck.Deck
        Bounded by the number of hexagons, places and largest events, whatever
        the number of events.
    """
    layers = layers or MapLayers()
    if resolution is None:
        resolution = VIEW_PRESETS.get(preset, VIEW_PRESETS[DEFAULT_PRESET]).h3_resolution
    hex_layer = pdk.Layer(
        "H3HexagonLayer",
        id="hexagons",
        data=hexagon_rows(hexes, resolution),
        get_hexagon="hex",
        get_fill_color="color",
        get_line_color=[255, 255, 255, 160],
        line_width_min_pixels=0.5,
        stroked=True,
        filled=True,
        extruded=False,
        pickable=True,
        auto_highlight=True,
    )
    if not layers.area_events:
        area_marks = []
    elif area_marks is None:
        area_marks = area_rows(areas, colours)
    if records is None:
        records = event_records(largest, colours) if len(largest) else []
    marks = map_marks(records, MapLayers(area_events=False))
    singles = [*marks.attacks, *marks.arrests, *marks.presence]
    for stack in marks.stacks:  # the largest attacks rarely share a point; keep them all
        singles.extend(r for r in records if r["point"] == stack["key"])
    singles.sort(key=lambda r: -r["radius_px"])
    deck_layers = [
        *boundary_layers(preset, layers, boundary_dir),
        hex_layer,
        _marker_layer("largest", layer_data(singles, _MARKER_FIELDS), [255, 255, 255, 255], 1.5),
        *_area_layers(area_marks),
    ]
    return _deck(deck_layers, preset, None, height, layers.street_basemap)


def aggregate_legend_html(
    hexes: pd.DataFrame,
    areas: pd.DataFrame,
    largest: pd.DataFrame,
    colours: Mapping[str, tuple[int, int, int]],
    preset: str = DEFAULT_PRESET,
) -> str:
    """Return the aggregated map's legend: the hexagon ramp, the largest attacks, the places."""
    rows = []
    if len(hexes):
        top = int(hexes["events"].max())
        ramp = ",".join(palette.hex_colour(c) for c in HEX_RAMP)
        rows.append(
            f'<li><span class="fp-hex" style="background:linear-gradient(90deg,{ramp})"></span>'
            f"events per hexagon, 1 to {top:,} (log scale)</li>"
        )
    if len(largest):
        rows.append(
            f'<li><span class="fp-dot" style="background:#555"></span>the {len(largest):,} '
            "deadliest events, one marker each; size = people killed</li>"
        )
    if len(areas):
        rows.append(
            f"<li>{_LEGEND_PIN}events known only to a city or province, "
            "gathered in one marker: click to list them</li>"
        )
    rows.append(_scale_row(preset))
    groups = "".join(
        f'<li><span class="fp-dot" style="background:{palette.hex_colour(rgb)}"></span>'
        f"{html.escape(group)}</li>"
        for group, rgb in colours.items()
    )
    groups += (
        f'<li><span class="fp-dot" style="background:{palette.hex_colour(palette.OTHER)}">'
        "</span>other groups</li>"
    )
    return (
        f'{LEGEND_CSS}<div class="fp-legend"><h4>Markers</h4><ul>{"".join(rows)}</ul>'
        f"<h4>Groups (colour of the markers)</h4><ul>{groups}</ul></div>"
    )


#: A script for a zero-height component on the map page: once a marker is
#: clicked (a card or a list opens beside the map), deck.gl's hover tooltip is
#: hidden until the pointer moves on, so it never sits over the side panel.
TOOLTIP_CLOSER_HTML = """<script>
(function () {
  const doc = window.parent.document;
  if (doc.fpTooltipCloser) { return; }
  doc.fpTooltipCloser = true;
  const style = doc.createElement("style");
  style.textContent = "body.fp-tooltip-off .deck-tooltip {display: none !important;}";
  doc.head.appendChild(style);
  let at = null;
  doc.addEventListener("click", (event) => {
    if (event.target.closest && event.target.closest('[data-testid="stDeckGlJsonChart"]')) {
      doc.body.classList.add("fp-tooltip-off");
      at = [event.clientX, event.clientY];
    }
  }, true);
  doc.addEventListener("mousemove", (event) => {
    if (at && Math.hypot(event.clientX - at[0], event.clientY - at[1]) > 12) {
      doc.body.classList.remove("fp-tooltip-off");
      at = null;
    }
  }, true);
})();
</script>"""
