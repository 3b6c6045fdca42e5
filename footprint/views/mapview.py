"""The map: pure functions that turn an events frame into a pydeck Deck.

Nothing here imports streamlit; ``pages/map.py`` and ``pages/briefing.py``
call :func:`build_deck` and render the result with ``st.pydeck_chart``.

How the map reads
-----------------
- The base is the boundary polygons (provinces filled as land, districts and
  Karachi's towns as lines, with names), so the map reads with no internet
  basemap. An online street basemap is an option, off by default.
- Attacks placed to an exact site are solid dots in their group's colour
  (:mod:`footprint.views.palette`), sized by the people killed.
- Events placed only to a neighbourhood, town, district, city or province
  are soft translucent discs whose radius is that uncertainty
  (:data:`UNCERTAINTY_METRES`), never a falsely exact dot.
- Arrests are hollow squares and militant presence triangles (site precision).
- The initial view depends only on the view preset, so changing a filter
  never moves the map.
"""

from __future__ import annotations

import base64
import html
import json
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

from footprint.data.filters import primary_group
from footprint.views import basemap, palette
from footprint.views.cards import casualty_label, date_label, event_title, place_label


@dataclass(frozen=True)
class ViewPreset:
    """A named starting view of the map."""

    label: str
    latitude: float
    longitude: float
    zoom: float


#: The view presets, keyed by their URL value (``view=``).
VIEW_PRESETS: dict[str, ViewPreset] = {
    "karachi": ViewPreset("Karachi", 24.93, 67.09, 10.0),
    "balochistan": ViewPreset("Balochistan", 28.55, 65.75, 5.6),
    "both": ViewPreset("Both", 27.6, 66.2, 5.45),
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
#: Fill and outline opacity of the uncertainty discs: the wider the area, the
#: fainter, so a city-wide disc does not hide the sites inside it.
DISC_OPACITY: dict[str, tuple[int, int]] = {
    "neighbourhood": (80, 255),
    "town": (60, 210),
    "district": (45, 190),
    "city": (30, 170),
    "province": (22, 150),
}
#: Event layers (selection and tooltips come from these) and the event types each draws.
EVENT_LAYER_IDS: tuple[str, ...] = ("attacks", "arrests", "presence", "uncertainty")
LAYER_EVENT_TYPES: dict[str, tuple[str, ...]] = {
    "attacks": ("attack", "other"),
    "arrests": ("arrest",),
    "presence": ("militant_presence",),
}
MAP_HEIGHT = 640

LAND = [241, 237, 227, 255]
PROVINCE_LINE = [80, 80, 80, 255]
DISTRICT_LINE = [150, 150, 150, 230]
TOWN_LINE = [96, 96, 140, 235]
LABEL_COLOUR = [60, 60, 60, 255]
HALO = [255, 255, 255, 230]
FONT = '"Helvetica Neue", Helvetica, Arial, sans-serif'

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

_ICON_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="128" height="64" viewBox="0 0 128 64">'
    '<rect x="8" y="8" width="48" height="48" fill="none" stroke="#000" stroke-width="10"/>'
    '<polygon points="96,6 124,58 68,58" fill="#000"/>'
    "</svg>"
)
#: One image holding the arrest (square) and presence (triangle) markers,
#: inline so that nothing is fetched; ``mask`` lets each take its group colour.
ICON_ATLAS = "data:image/svg+xml;base64," + base64.b64encode(_ICON_SVG.encode()).decode()
ICON_MAPPING = {
    "square": {"x": 0, "y": 0, "width": 64, "height": 64, "mask": True},
    "triangle": {"x": 64, "y": 0, "width": 64, "height": 64, "mask": True},
}


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
    districts: bool = True
    towns: bool = True
    density: bool = False
    street_basemap: bool = False


def _literal(text: str) -> str:
    # pydeck turns bare strings into accessors ("@@=pixels"); quoted ones stay strings.
    return f'"{text}"'


def view_state(preset: str) -> pdk.ViewState:
    """Return the initial view of a preset (unknown names fall back to Karachi)."""
    view = VIEW_PRESETS.get(preset, VIEW_PRESETS[DEFAULT_PRESET])
    return pdk.ViewState(
        latitude=view.latitude, longitude=view.longitude, zoom=view.zoom, pitch=0, bearing=0
    )


def killed_for_size(frame: pd.DataFrame) -> pd.Series:
    """Return the killed count used for sizes: the lower bound, else the upper, else 0."""
    return frame["killed_min"].fillna(frame["killed_max"]).fillna(0).astype("int64")


def dot_radius_pixels(killed: pd.Series | np.ndarray) -> np.ndarray:
    """Return dot radii in pixels: area grows with the people killed, capped at 30 px."""
    values = np.asarray(killed, dtype="float64")
    return np.minimum(5.0 + 2.2 * np.sqrt(np.clip(values, 0, None)), 30.0).round(1)


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


#: The columns the records and their labels read.
_RECORD_COLUMNS = (
    "event_id", "event_date", "date_start", "date_end", "date_precision", "event_type",
    "attack_type", "suicide", "location_text", "neighbourhood", "town", "district", "city",
    "province", "latitude", "longitude", "geo_precision", "perpetrators", "killed_min",
    "killed_max", "injured_min", "injured_max",
)  # fmt: skip


def event_records(frame: pd.DataFrame) -> list[dict]:
    """Return the mappable events as plain records for deck layers.

    Events without coordinates are left out. Each record holds what the layers
    draw (``lon``, ``lat``, ``color``, ``radius_px``, ``uncertainty_m``,
    ``layer``, ``shape``, ``weight``) and what the tooltip shows (``title``,
    ``when``, ``where``, ``who``, ``toll``, ``place_note``), all as plain
    text: Streamlit escapes tooltip values when it fills the template.
    """
    if frame.empty:
        return []
    located = frame[frame["latitude"].notna() & frame["longitude"].notna()]
    if located.empty:
        return []
    groups = primary_group(located)
    killed = killed_for_size(located)
    radii = dot_radius_pixels(killed)
    rough = located["geo_precision"].ne("site").to_numpy()
    stack_keys = list(
        zip(
            located["longitude"].round(5),
            located["latitude"].round(5),
            located["geo_precision"],
            strict=True,
        )
    )
    stacks = Counter(key for key, is_rough in zip(stack_keys, rough, strict=True) if is_rough)
    records = []
    # Plain dicts, not iterrows(): building a Series per row costs more than the labels.
    for event, group, dead, radius, key in zip(
        located[list(_RECORD_COLUMNS)].to_dict("records"), groups, killed, radii, stack_keys,
        strict=True,
    ):  # fmt: skip
        event_type = event["event_type"] or "other"
        layer = next(
            (name for name, types in LAYER_EVENT_TYPES.items() if event_type in types), "attacks"
        )
        precision = event["geo_precision"] if event["geo_precision"] in UNCERTAINTY_METRES else None
        colour = palette.group_colour(group)
        fill, line = DISC_OPACITY.get(precision, (22, 150))
        note = _precision_note(precision)
        if precision != "site" and stacks[key] > 1:
            note += f"; one of {stacks[key]} events placed at this same point"
        records.append(
            {
                "event_id": event["event_id"],
                "lon": round(float(event["longitude"]), 5),
                "lat": round(float(event["latitude"]), 5),
                "layer": layer,
                "exact": precision == "site",
                "color": _rgba(colour, 255),
                "ring_fill": _rgba(colour, fill),
                "ring_line": _rgba(colour, line),
                "radius_px": float(radius),
                "uncertainty_m": UNCERTAINTY_METRES.get(precision or "province", 60000.0),
                "shape": "square" if layer == "arrests" else "triangle",
                "weight": 1 + int(dead),
                "title": event_title(event),
                "when": date_label(event),
                "where": place_label(event),
                "who": event["perpetrators"] or "no group named",
                "toll": casualty_label(event["killed_min"], event["killed_max"], "killed")
                + ", "
                + casualty_label(event["injured_min"], event["injured_max"], "injured"),
                "place_note": note,
                "precision": precision or "province",
            }
        )
    return records


def _boundary_layer(layer: str, data: str, line, width: float, fill=None) -> pdk.Layer:
    """One boundary layer: outlines in pixels, filled only for the land base."""
    return pdk.Layer(
        "GeoJsonLayer",
        id=f"boundary-{layer}",
        data=data,
        stroked=True,
        filled=fill is not None,
        get_fill_color=fill if fill is not None else [0, 0, 0, 0],
        get_line_color=line,
        get_line_width=width,
        line_width_units=_literal("pixels"),
        pickable=False,
    )


def boundary_layers(preset: str, layers: MapLayers, target_dir=None) -> list[pdk.Layer]:
    """Return the base: provinces as land, district and town lines, and their names.

    Town names are drawn in the Karachi view, Balochistan's district names in
    the wider views, so labels never pile up. Without the boundary files (the
    data step has not run) the base is left out and the events still draw.
    """
    if not basemap.available(target_dir):
        return []
    clip, tolerance = DETAILED_BASE.get(preset, (None, None))
    result = [
        _boundary_layer(
            "provinces",
            basemap.boundary_data_url("provinces", tolerance, target_dir=target_dir, clip=clip),
            PROVINCE_LINE,
            1.8,
            fill=LAND,
        )
    ]
    if layers.districts:
        result.append(
            _boundary_layer(
                "districts",
                basemap.boundary_data_url("districts", tolerance, target_dir=target_dir, clip=clip),
                DISTRICT_LINE,
                1,
            )
        )
    if layers.towns:
        result.append(
            _boundary_layer(
                "towns", basemap.boundary_data_url("towns", target_dir=target_dir), TOWN_LINE, 1.4
            )
        )
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
                font_settings={"sdf": True},
                outline_width=3,
                outline_color=HALO,
                get_text_anchor=_literal("middle"),
                get_alignment_baseline=_literal("center"),
                pickable=False,
            )
        )
    return result


def event_layers(records: list[dict], layers: MapLayers) -> list[pdk.Layer]:
    """Return the density, uncertainty, arrest, presence and attack layers (bottom to top)."""
    wanted = {
        name for name, on in (("attacks", layers.attacks), ("arrests", layers.arrests),
                              ("presence", layers.presence)) if on
    }  # fmt: skip
    shown = [r for r in records if r["layer"] in wanted]
    result: list[pdk.Layer] = []
    if layers.density and shown:
        result.append(
            pdk.Layer(
                "HeatmapLayer",
                id="density",
                data=[{"lon": r["lon"], "lat": r["lat"], "weight": r["weight"]} for r in shown],
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
    rings = stacked_discs([r for r in shown if not r["exact"]])
    result.append(
        pdk.Layer(
            "ScatterplotLayer",
            id="uncertainty",
            data=rings,
            get_position=["lon", "lat"],
            get_radius="uncertainty_m",
            radius_units=_literal("meters"),
            radius_min_pixels=7,
            filled=True,
            stroked=True,
            get_fill_color="ring_fill",
            get_line_color="ring_line",
            get_line_width=2.5,
            line_width_units=_literal("pixels"),
            pickable=True,
            auto_highlight=True,
        )
    )
    for name in ("arrests", "presence"):
        result.append(
            pdk.Layer(
                "IconLayer",
                id=name,
                data=[r for r in shown if r["exact"] and r["layer"] == name],
                get_position=["lon", "lat"],
                icon_atlas=_literal(ICON_ATLAS),
                icon_mapping=ICON_MAPPING,
                get_icon="shape",
                get_size=20,
                size_units=_literal("pixels"),
                get_color="color",
                pickable=True,
                auto_highlight=True,
            )
        )
    dots = sorted(
        (r for r in shown if r["exact"] and r["layer"] == "attacks"), key=lambda r: -r["radius_px"]
    )
    result.append(
        pdk.Layer(
            "ScatterplotLayer",
            id="attacks",
            data=dots,
            get_position=["lon", "lat"],
            get_radius="radius_px",
            radius_units=_literal("pixels"),
            filled=True,
            stroked=True,
            get_fill_color="color",
            get_line_color=[255, 255, 255, 255],
            get_line_width=1.5,
            line_width_units=_literal("pixels"),
            pickable=True,
            auto_highlight=True,
        )
    )
    result.append(stack_count_layer(rings))
    return result


def stacked_alpha(alpha: int, count: int) -> int:
    """Return the opacity each of ``count`` stacked discs needs to look like one of ``alpha``.

    Twenty events placed only to "Karachi" share one point; drawn at full
    opacity their discs would pile into a dark blot that hides the city.
    """
    if count <= 1:
        return int(alpha)
    share = 1 - (1 - alpha / 255) ** (1 / count)
    return max(1, round(255 * share))


def stacked_discs(rings: list[dict]) -> list[dict]:
    """Return the disc records, widest first, with opacities shared within each stack.

    Discs with the same centre and radius form a stack; each gets
    :func:`stacked_alpha` of its precision's opacity, and a ``stack`` count.
    """
    keys = [(r["lon"], r["lat"], r["uncertainty_m"]) for r in rings]
    counts = Counter(keys)
    out = []
    for record, key in zip(rings, keys, strict=True):
        fill, line = DISC_OPACITY.get(record.get("precision"), (22, 150))
        n = counts[key]
        out.append(
            {
                **record,
                "ring_fill": [*record["ring_fill"][:3], stacked_alpha(fill, n)],
                "ring_line": [*record["ring_line"][:3], stacked_alpha(line, n)],
                "stack": n,
            }
        )
    out.sort(key=lambda r: -r["uncertainty_m"])
    return out


def stack_count_layer(rings: list[dict]) -> pdk.Layer:
    """Return the numbers written on stacks of discs: how many events share the point."""
    seen: dict[tuple, int] = {}
    for record in rings:
        if record["stack"] > 1:
            seen[(record["lon"], record["lat"])] = max(
                record["stack"], seen.get((record["lon"], record["lat"]), 0)
            )
    return pdk.Layer(
        "TextLayer",
        id="stack-counts",
        data=[{"lon": lon, "lat": lat, "text": str(n)} for (lon, lat), n in seen.items()],
        get_position=["lon", "lat"],
        get_text="text",
        get_size=15,
        size_units=_literal("pixels"),
        get_color=[30, 30, 30, 255],
        font_family=_literal(FONT),
        font_weight=700,
        font_settings={"sdf": True},
        outline_width=4,
        outline_color=HALO,
        get_text_anchor=_literal("middle"),
        get_alignment_baseline=_literal("center"),
        pickable=False,
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
    """Return the map of an events frame as a pydeck Deck.

    Parameters
    ----------
    frame : DataFrame
        The (filtered) events frame.
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
        *event_layers(records, layers),
        *(extra_layers or []),
    ]
    if layers.street_basemap:
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


def selected_event_id(
    selection_state: Mapping | None, layer_data: Mapping[str, list[dict]] | None = None
) -> str | None:
    """Return the event id of the object selected on the map, or None.

    Parameters
    ----------
    selection_state : Mapping or None
        What ``st.pydeck_chart(..., on_select="rerun")`` returns: ``{"selection":
        {"indices": {layer id: [index]}, "objects": {layer id: [record]}}}``,
        or its inner ``selection`` mapping. Boundary layers are ignored.
    layer_data : Mapping, optional
        The records of each layer, to resolve a selection that carries only
        indices.

    Returns
    -------
    str or None
    """
    if not selection_state:
        return None
    selection = selection_state.get("selection", selection_state)
    if not isinstance(selection, Mapping):
        return None
    objects = selection.get("objects") or {}
    indices = selection.get("indices") or {}
    for layer_id in EVENT_LAYER_IDS:
        for record in objects.get(layer_id) or []:
            if isinstance(record, Mapping) and record.get("event_id"):
                return str(record["event_id"])
        if layer_data and layer_id in layer_data:
            for index in indices.get(layer_id) or []:
                data = layer_data[layer_id]
                if isinstance(index, int) and 0 <= index < len(data):
                    event_id = data[index].get("event_id")
                    if event_id:
                        return str(event_id)
    return None


def legend_html(frame: pd.DataFrame, layers: MapLayers | None = None) -> str:
    """Return the map legend as HTML: group colours, marker shapes and sizes.

    Group names come from the data and are escaped.
    """
    layers = layers or MapLayers()
    groups = primary_group(frame) if not frame.empty else pd.Series([], dtype=object)
    counts = groups.fillna("").value_counts()
    named = [g for g in counts.index if g]
    rows = []
    for label, colour in palette.legend(named):
        rows.append(
            f'<li><span class="fp-dot" style="background:{colour}"></span>'
            f"{html.escape(label)} <span class='fp-n'>{int(counts[label])}</span></li>"
        )
    if "" in counts.index:
        colour = palette.hex_colour(palette.UNATTRIBUTED)
        rows.append(
            f'<li><span class="fp-dot" style="background:{colour}"></span>'
            f"no group named <span class='fp-n'>{int(counts[''])}</span></li>"
        )
    shapes = [
        '<li><span class="fp-dot" style="background:#555"></span>attack at an exact site; '
        "size = people killed</li>",
        '<li><span class="fp-ring"></span>place known only roughly: the disc covers '
        "where it may be (neighbourhood 0.8 km, town 3 km, district 8 km, city 15 km, "
        "province 60 km); a number is how many events share that point</li>",
    ]
    if layers.arrests:
        shapes.append('<li><span class="fp-square"></span>arrest</li>')
    if layers.presence:
        shapes.append('<li><span class="fp-triangle"></span>militant presence</li>')
    if layers.density:
        shapes.append('<li><span class="fp-heat"></span>density, weighted by people killed</li>')
    style = (
        "<style>.fp-legend{font-family:'Source Sans Pro',Arial,sans-serif;font-size:0.95rem;"
        "line-height:1.4;color:#1b1b1b}.fp-legend ul{list-style:none;padding:0;margin:0 0 .5rem 0}"
        ".fp-legend h4{margin:.3rem 0;font-size:1rem}"
        ".fp-dot{display:inline-block;width:.85em;height:.85em;border-radius:50%;margin-right:.4em;"
        "border:1px solid #fff;box-shadow:0 0 0 1px #999;vertical-align:-0.1em}"
        ".fp-ring{display:inline-block;width:1em;height:1em;border-radius:50%;margin-right:.4em;"
        "background:rgba(119,119,119,.25);border:2px solid rgba(119,119,119,.85);vertical-align:-0.15em}"
        ".fp-square{display:inline-block;width:.75em;height:.75em;border:3px solid #555;"
        "margin-right:.4em;vertical-align:-0.1em}"
        ".fp-triangle{display:inline-block;width:0;height:0;border-left:.5em solid transparent;"
        "border-right:.5em solid transparent;border-bottom:.9em solid #555;margin-right:.4em}"
        ".fp-heat{display:inline-block;width:1.4em;height:.8em;margin-right:.4em;"
        "background:linear-gradient(90deg,#ffffcc,#fd8d3c,#e31a1c)}"
        ".fp-n{color:#666;font-size:.85em}</style>"
    )
    return (
        f'{style}<div class="fp-legend"><h4>Groups (most strongly linked)</h4>'
        f"<ul>{''.join(rows) or '<li>no events</li>'}</ul>"
        f"<h4>Markers</h4><ul>{''.join(shapes)}</ul></div>"
    )


def map_counts(frame: pd.DataFrame) -> dict[str, int]:
    """Return how many events are mapped, placed only roughly, or have no coordinates."""
    located = frame["latitude"].notna() & frame["longitude"].notna()
    rough = located & (frame["geo_precision"] != "site")
    return {
        "events": int(len(frame)),
        "mapped": int(located.sum()),
        "approximate": int(rough.sum()),
        "unmapped": int((~located).sum()),
    }


def fit_zoom(
    latitudes: np.ndarray, longitudes: np.ndarray, width: int = 900, height: int = MAP_HEIGHT
) -> float:
    """Return the Web Mercator zoom that fits points in a width × height view."""
    if len(latitudes) == 0:
        return VIEW_PRESETS[DEFAULT_PRESET].zoom
    span_lon = max(float(np.ptp(longitudes)), 0.02)
    y = np.log(np.tan(np.pi / 4 + np.radians(np.asarray(latitudes, dtype=float)) / 2))
    span_y = max(float(np.ptp(y)) * 180 / math.pi, 0.02)
    zoom_x = math.log2(width * 360 / (512 * span_lon))
    zoom_y = math.log2(height * 360 / (512 * span_y))
    return round(min(zoom_x, zoom_y) - 0.3, 2)
