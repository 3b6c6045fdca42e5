"""Briefing mode: the filtered events one at a time, and a self-contained HTML export.

Pure functions (no streamlit). ``pages/briefing.py`` steps through
:func:`briefing_order` with :func:`briefing_deck` (the map flies to each
event) and offers :func:`briefing_html` as a download: one HTML file with
inline CSS, an inline SVG map and the cards, readable with no network.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import pydeck as pdk

from footprint.data.filters import primary_group
from footprint.views import basemap, cards, mapview, palette

#: Zoom the briefing map flies to, by place precision, in Karachi (where the
#: towns and their names give context at city scale) and elsewhere (where the
#: districts do, so the view stays wider).
FOCUS_ZOOM: dict[str, float] = {
    "site": 11.8,
    "neighbourhood": 11.8,
    "town": 11.0,
    "district": 9.5,
    "city": 9.8,
    "province": 6.5,
}
FOCUS_ZOOM_OUTSIDE_KARACHI: dict[str, float] = {
    "site": 8.3,
    "neighbourhood": 8.3,
    "town": 8.3,
    "district": 7.8,
    "city": 8.3,
    "province": 6.3,
}
#: Height of the briefing map (px): with the sidebar collapsed it fills a
#: 1920x1080 projector's screen beside the card.
MAP_HEIGHT = 760
#: Keys a presenter's clicker sends, and the button each presses.
NEXT_KEYS = ("ArrowRight", "PageDown", " ")
PREVIOUS_KEYS = ("ArrowLeft", "PageUp")
#: A script for a zero-height component on the briefing page: it binds the
#: clicker's keys to the Next and Previous buttons (unless the focus is in a
#: field or the slider, which use the arrows themselves) and collapses the
#: sidebar once, when the page opens, so the projector shows map and card.
PRESENTER_HTML = """<script>
(function () {
  const doc = window.parent.document;
  const next = %(next)s, previous = %(previous)s;
  if (!doc.fpBriefingKeys) {
    doc.fpBriefingKeys = true;
    doc.addEventListener("keydown", (event) => {
      if (!doc.querySelector(".st-key-briefing_next")) { return; }
      const active = doc.activeElement;
      if (active && (active.matches("input, textarea, select, [contenteditable]") ||
                     active.getAttribute("role") === "slider")) { return; }
      const key = next.includes(event.key) ? "next" : previous.includes(event.key) ? "previous" : null;
      if (!key || event.altKey || event.ctrlKey || event.metaKey) { return; }
      const button = doc.querySelector(".st-key-briefing_" + key + " button");
      if (button && !button.disabled) { event.preventDefault(); button.click(); }
    }, true);
  }
  const sidebar = doc.querySelector('[data-testid="stSidebar"][data-collapsed="false"]');
  if (sidebar && !window.fpCollapsed) {
    window.fpCollapsed = true;  // once each time the page is opened, not on every step
    const collapse = doc.querySelector('[data-testid="stSidebarCollapseButton"] button');
    if (collapse) { collapse.click(); }
  }
})();
</script>"""


def presenter_script() -> str:
    """Return :data:`PRESENTER_HTML` with the key lists filled in."""
    return PRESENTER_HTML % {
        "next": json.dumps(list(NEXT_KEYS)),
        "previous": json.dumps(list(PREVIOUS_KEYS)),
    }


#: Duration of the flight between two events, in milliseconds.
FLIGHT_MS = 1800
#: Karachi's extent (lon/lat): events inside get a detail map in the export.
KARACHI_BOUNDS = (66.65, 24.70, 67.60, 25.30)


def briefing_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the events in date order (earliest possible date, then event id)."""
    if frame.empty:
        return frame
    start = frame["date_start"].fillna(frame["event_date"])
    ordered = frame.assign(_start=start).sort_values(
        ["_start", "event_date", "event_id"], kind="stable", na_position="last"
    )
    return ordered.drop(columns="_start")


def clamp_step(step: object, total: int) -> int:
    """Return a 1-based step within ``1..total`` (1 for anything unreadable)."""
    try:
        number = int(str(step).strip())
    except (TypeError, ValueError):
        number = 1
    if total <= 0:
        return 1
    return min(max(number, 1), total)


def in_karachi(latitude: float, longitude: float) -> bool:
    """Return True for a point inside Karachi's extent."""
    west, south, east, north = KARACHI_BOUNDS
    return west <= longitude <= east and south <= latitude <= north


def focus_view(event: pd.Series | dict, fly: bool = True, step: int = 0) -> pdk.ViewState:
    """Return a view centred on an event, zoomed to its place precision.

    With ``fly``, the view carries a transition: the map glides from the
    previous event instead of jumping. Streamlit's deck.gl JSON converter does
    not register ``FlyToInterpolator`` (an unknown class becomes ``null`` and
    the view would jump), so the transition uses deck.gl's default
    interpolator for map views. Streamlit merges only the view keys that
    changed into the live view, so the duration alternates by one millisecond
    with ``step``: it changes with every step and the transition is applied.
    """
    latitude, longitude = event.get("latitude"), event.get("longitude")
    if latitude is None or longitude is None or pd.isna(latitude) or pd.isna(longitude):
        preset = mapview.VIEW_PRESETS["both"]
        latitude, longitude, zoom = preset.latitude, preset.longitude, preset.zoom
    else:
        zooms = (
            FOCUS_ZOOM
            if in_karachi(float(latitude), float(longitude))
            else FOCUS_ZOOM_OUTSIDE_KARACHI
        )
        zoom = zooms.get(event.get("geo_precision") or "", 8.0)
    extra = {"transition_duration": FLIGHT_MS + step % 2} if fly else {}
    return pdk.ViewState(
        latitude=round(float(latitude), 5),
        longitude=round(float(longitude), 5),
        zoom=zoom,
        pitch=0,
        bearing=0,
        **extra,
    )


def highlight_layer(event: pd.Series | dict) -> pdk.Layer:
    """Return a dark ring drawn around the current event, above every other layer."""
    data = []
    if not pd.isna(event.get("latitude")) and not pd.isna(event.get("longitude")):
        data = [
            {
                "event_id": event.get("event_id"),
                "lon": float(event["longitude"]),
                "lat": float(event["latitude"]),
            }
        ]
    return pdk.Layer(
        "ScatterplotLayer",
        id="briefing-current",
        data=data,
        get_position=["lon", "lat"],
        get_radius=22,
        radius_units='"pixels"',
        filled=False,
        stroked=True,
        get_line_color=[20, 20, 20, 255],
        get_line_width=4,
        line_width_units='"pixels"',
        pickable=False,
    )


def briefing_deck(
    ordered: pd.DataFrame,
    step: int,
    layers: mapview.MapLayers | None = None,
    boundary_dir=None,
    records: list[dict] | None = None,
) -> pdk.Deck:
    """Return the briefing map for a 1-based ``step`` of the ordered events.

    Every event of the briefing stays on the map for context; the current one
    is ringed and the view is centred on it. ``records`` are
    :func:`mapview.event_records` of ``ordered`` when the caller has them
    (they do not change from one step to the next).
    """
    step = clamp_step(step, len(ordered))
    event = ordered.iloc[step - 1]
    karachi = not pd.isna(event["latitude"]) and in_karachi(
        float(event["latitude"]), float(event["longitude"])
    )
    return mapview.build_deck(
        ordered,
        "karachi" if karachi else "balochistan",
        layers or mapview.MapLayers(),
        view=focus_view(event, step=step),
        extra_layers=[highlight_layer(event)],
        records=records,
        boundary_dir=boundary_dir,
        height=MAP_HEIGHT,
    )


# --- the export ------------------------------------------------------------------

EXPORT_CSS = """
body {font-family: "Source Sans Pro", "Source Sans 3", "Helvetica Neue", Arial, sans-serif;
  margin: 2rem auto; max-width: 1100px; padding: 0 1.5rem; color: #1b1b1b; background: #fff;
  font-size: 18px;}
h1 {font-size: 2rem; margin-bottom: 0.2rem;}
.fp-meta {color: #555; margin: 0 0 1rem 0;}
.fp-chip {display: inline-block; background: #eef0f3; border-radius: 1rem; padding: 0.1rem 0.7rem;
  margin: 0 0.3rem 0.3rem 0; font-size: 0.9rem;}
figure {margin: 1rem 0 2rem 0;}
figure svg {width: 100%; height: auto; max-height: 85vh; border: 1px solid #bbb; background: #e8e8e4;}
figcaption {color: #444; font-size: 0.9rem;}
.fp-legend-list {list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 0.3rem 1.2rem;
  font-size: 0.9rem;}
.fp-legend-list span {display: inline-block; width: 0.8rem; height: 0.8rem; border-radius: 50%;
  margin-right: 0.3rem; border: 1px solid #333; vertical-align: -0.05rem;}
.fp-number {display: inline-block; min-width: 1.6rem; text-align: center; background: #1b1b1b;
  color: #fff; border-radius: 0.8rem; padding: 0 0.4rem; margin-right: 0.4rem; font-size: 0.9rem;}
@media print {figure, .fp-card {break-inside: avoid;}}
"""


def _mercator_y(latitude: np.ndarray | float) -> np.ndarray:
    lat = np.clip(np.radians(np.asarray(latitude, dtype="float64")), -1.4, 1.4)
    return np.degrees(np.log(np.tan(np.pi / 4 + lat / 2)))


class _Projection:
    """Web Mercator from an extent into an SVG box of a given width."""

    def __init__(self, extent: tuple[float, float, float, float], width: int):
        west, south, east, north = extent
        self.west, self.east = west, east
        self.top = float(_mercator_y(north))
        bottom = float(_mercator_y(south))
        self.scale = width / (east - west)
        self.width = width
        self.height = max(int(round((self.top - bottom) * self.scale)), 1)

    def xy(self, lon: np.ndarray | float, lat: np.ndarray | float) -> tuple:
        x = (np.asarray(lon, dtype="float64") - self.west) * self.scale
        y = (self.top - _mercator_y(lat)) * self.scale
        return x, y

    def metres_to_px(self, metres: float, latitude: float) -> float:
        degrees = metres / (111_320 * max(math.cos(math.radians(latitude)), 0.1))
        return degrees * self.scale


def _extent(
    latitudes: Sequence[float],
    longitudes: Sequence[float],
    minimum_span: float = 0.25,
    aspect: tuple[float, float] = (1.0, 1.6),
) -> tuple[float, float, float, float]:
    """Return a padded ``(west, south, east, north)`` around points.

    The extent is widened or heightened until its width over height (in Web
    Mercator) lies within ``aspect``, so a north-south spread of events does
    not make a map taller than a page.
    """
    west, east = float(np.min(longitudes)), float(np.max(longitudes))
    south, north = float(np.min(latitudes)), float(np.max(latitudes))
    pad_x = max((east - west) * 0.12, minimum_span / 2)
    pad_y = max((north - south) * 0.12, minimum_span / 2)
    west, east, south, north = west - pad_x, east + pad_x, south - pad_y, north + pad_y
    low, high = aspect
    width = east - west
    height = float(_mercator_y(north) - _mercator_y(south))
    if width / height < low:
        grow = (low * height - width) / 2
        west, east = west - grow, east + grow
    elif width / height > high:
        middle = float(_mercator_y((north + south) / 2))
        half = width / high / 2
        south = float(np.degrees(2 * np.arctan(np.exp(np.radians(middle - half))) - np.pi / 2))
        north = float(np.degrees(2 * np.arctan(np.exp(np.radians(middle + half))) - np.pi / 2))
    return (west, south, east, north)


def _path(geometry, projection: _Projection) -> str:
    parts = []
    polygons = getattr(geometry, "geoms", [geometry])
    for polygon in polygons:
        if polygon.geom_type != "Polygon" or polygon.is_empty:
            continue
        for ring in (polygon.exterior, *polygon.interiors):
            coords = np.asarray(ring.coords)
            x, y = projection.xy(coords[:, 0], coords[:, 1])
            points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x, y, strict=True))
            parts.append(f"M{points}Z")
    return "".join(parts)


def _boundary_paths(
    layer: str, extent, projection: _Projection, boundary_dir, style: str
) -> list[str]:
    # A city-sized map needs finer lines than the ~1 km of the wide maps.
    tolerance = 0.001 if extent[2] - extent[0] < 2.0 else None
    try:
        features = basemap.boundary_features(
            layer, tolerance, target_dir=boundary_dir, clip=tuple(extent)
        )
    except Exception:  # noqa: BLE001 - the export must work without boundary files
        return []
    paths = []
    for feature in features:
        path = _path(feature.geometry, projection)
        if path:
            paths.append(
                f'<path d="{path}" {style}><title>{html.escape(feature.name)}</title></path>'
            )
    return paths


def svg_map(
    frame: pd.DataFrame,
    numbers: Sequence[int] | None = None,
    extent: tuple[float, float, float, float] | None = None,
    width: int = 1000,
    boundary_dir=None,
    title: str = "Map of the events",
) -> str:
    """Return an inline SVG map of events over the boundaries (no external resources).

    Parameters
    ----------
    frame : DataFrame
        Events; those without coordinates are left out.
    numbers : sequence of int, optional
        A label per event (its card number in the export).
    extent : tuple, optional
        ``(west, south, east, north)``; by default the events' extent.
    width : int
        Width of the SVG's coordinate box.
    boundary_dir : Path, optional
        The prepared boundary folder.
    title : str
        The SVG's accessible title.
    """
    located = frame["latitude"].notna() & frame["longitude"].notna()
    numbers = list(numbers) if numbers is not None else list(range(1, len(frame) + 1))
    points = frame[located.to_numpy()]
    labels = [n for n, keep in zip(numbers, located.to_numpy(), strict=True) if keep]
    if extent is None:
        if points.empty:
            preset = mapview.VIEW_PRESETS["both"]
            extent = (
                preset.longitude - 5,
                preset.latitude - 4,
                preset.longitude + 5,
                preset.latitude + 4,
            )
        else:
            extent = _extent(points["latitude"].to_numpy(), points["longitude"].to_numpy())
    projection = _Projection(extent, width)
    span = extent[2] - extent[0]
    layers = _boundary_paths(
        "provinces",
        extent,
        projection,
        boundary_dir,
        'fill="#f6f3ec" stroke="#505050" stroke-width="1.6"',
    )
    layers += _boundary_paths(
        "districts",
        extent,
        projection,
        boundary_dir,
        'fill="none" stroke="#969696" stroke-width="0.8"',
    )
    if span < 2.0:
        layers += _boundary_paths(
            "towns",
            extent,
            projection,
            boundary_dir,
            'fill="none" stroke="#60608c" stroke-width="1.1"',
        )
    marks = []
    if not points.empty:
        groups = primary_group(points)
        x, y = projection.xy(points["longitude"].to_numpy(), points["latitude"].to_numpy())
        radii = mapview.dot_radius_pixels(mapview.killed_for_size(points))
        precisions = points["geo_precision"].to_numpy()
        rough = precisions != "site"
        drawn = np.array(
            [
                max(
                    projection.metres_to_px(
                        mapview.UNCERTAINTY_METRES.get(p or "province", 60000.0), lat
                    ),
                    6.0,
                )
                if is_rough
                else radius
                for p, lat, is_rough, radius in zip(
                    precisions, points["latitude"].to_numpy(), rough, radii, strict=True
                )
            ]
        )
        # Discs on one point share their opacity (see mapview.stacked_alpha).
        stack_keys = [(round(a, 1), round(b, 1), r) for a, b, r in zip(x, y, drawn, strict=True)]
        stacks = Counter(k for k, is_rough in zip(stack_keys, rough, strict=True) if is_rough)
        for i in np.argsort(-drawn, kind="stable"):
            event = points.iloc[i]
            colour = palette.hex_colour(palette.group_colour(groups.iloc[i]))
            tooltip = html.escape(
                f"{labels[i]}. {cards.event_title(event)} — {cards.date_label(event)}"
            )
            if rough[i]:
                n = stacks[stack_keys[i]]
                fill, line = mapview.DISC_OPACITY.get(precisions[i], (22, 150))
                fill = mapview.stacked_alpha(fill, n) / 255
                line = mapview.stacked_alpha(line, n) / 255
                marks.append(
                    f'<circle cx="{x[i]:.1f}" cy="{y[i]:.1f}" r="{drawn[i]:.1f}" fill="{colour}" '
                    f'fill-opacity="{fill:.3f}" stroke="{colour}" stroke-opacity="{line:.3f}" '
                    f'stroke-width="2"><title>{tooltip}</title></circle>'
                )
            else:
                marks.append(
                    f'<circle cx="{x[i]:.1f}" cy="{y[i]:.1f}" r="{radii[i]:.1f}" fill="{colour}" '
                    f'stroke="#fff" stroke-width="1.5"><title>{tooltip}</title></circle>'
                )
        if len(points) <= 80:
            # One label per point: "4", or "4, 9, 12" / "4, 9 +15" where events share it.
            at_point: dict[tuple, list] = {}
            for i in range(len(points)):
                at_point.setdefault((round(x[i], 1), round(y[i], 1)), []).append(labels[i])
            placed: list[tuple[float, float, float, float]] = []
            for (px, py), numbers_here in at_point.items():
                text = ", ".join(str(n) for n in numbers_here[:3])
                if len(numbers_here) > 3:
                    text = f"{numbers_here[0]}, {numbers_here[1]} +{len(numbers_here) - 2}"
                spot = label_spot(px, py, label_width(text), placed)
                if spot is None:
                    continue  # no free spot: the marker's tooltip still names its events
                lx, ly = spot
                marks.append(
                    f'<text x="{lx:.1f}" y="{ly:.1f}" font-size="15" '
                    'font-family="Helvetica, Arial, sans-serif" font-weight="bold" fill="#111" '
                    'stroke="#fff" stroke-width="3" paint-order="stroke">'
                    f"{html.escape(text)}</text>"
                )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {projection.width} '
        f'{projection.height}" role="img" aria-label="{html.escape(title)}">'
        f"<title>{html.escape(title)}</title>"
        f'<rect width="100%" height="100%" fill="#e8e8e4"/>'
        f"{''.join(layers)}{''.join(marks)}</svg>"
    )


#: Height of an overview-map label (px, 15 px bold type).
LABEL_HEIGHT = 16


def label_width(text: str) -> float:
    """Return the approximate width of an overview-map label (px)."""
    return 9.0 * len(text) + 2


def label_spot(
    x: float, y: float, width: float, placed: list[tuple[float, float, float, float]]
) -> tuple[float, float] | None:
    """Return where a label of a point at ``(x, y)`` goes without overlapping ``placed`` ones.

    Tries the four corners around the point (above right first); the chosen
    box ``(left, top, right, bottom)`` is appended to ``placed``. Returns the
    text's ``(x, baseline y)``, or None when every corner is taken.
    """
    for dx, dy in ((8, -8), (8, 20), (-8 - width, -8), (-8 - width, 20)):
        left, baseline = x + dx, y + dy
        box = (left, baseline - LABEL_HEIGHT + 3, left + width, baseline + 3)
        if all(
            box[2] <= other[0] or box[0] >= other[2] or box[3] <= other[1] or box[1] >= other[3]
            for other in placed
        ):
            placed.append(box)
            return left, baseline
    return None


def _legend(frame: pd.DataFrame) -> str:
    groups = primary_group(frame)
    items = [
        f'<li><span style="background:{colour}"></span>{html.escape(label)}</li>'
        for label, colour in palette.legend([g for g in groups.dropna().unique()])
    ]
    if groups.isna().any():
        items.append(
            f'<li><span style="background:{palette.hex_colour(palette.UNATTRIBUTED)}"></span>'
            "no group named</li>"
        )
    items.append(
        '<li><span style="background:rgba(119,119,119,.25);border:2px solid #777"></span>'
        "disc: place known only roughly (its size is the uncertainty)</li>"
    )
    return f'<ul class="fp-legend-list">{"".join(items)}</ul>'


def briefing_html(
    frame: pd.DataFrame,
    *,
    title: str = "Footprint briefing",
    filter_chips: Iterable[str] = (),
    generated: dt.datetime | None = None,
    boundary_dir=None,
) -> str:
    """Return a self-contained HTML briefing of the events: map and cards with sources.

    Parameters
    ----------
    frame : DataFrame
        The (filtered) events; they are put in date order.
    title : str
        The document's title (escaped).
    filter_chips : iterable of str
        The active filters (:func:`footprint.data.filters.describe`), printed under
        the title.
    generated : datetime, optional
        When the briefing was made (now by default).
    boundary_dir : Path, optional
        The prepared boundary folder; without boundary files the maps show
        the points alone.

    Returns
    -------
    str
        A complete HTML document with inline CSS and SVG; it loads nothing
        from the network and runs no script.
    """
    ordered = briefing_order(frame)
    generated = generated or dt.datetime.now().replace(microsecond=0)
    numbers = list(range(1, len(ordered) + 1))
    chips = "".join(f'<span class="fp-chip">{html.escape(c)}</span>' for c in filter_chips)
    chips = chips or '<span class="fp-chip">No filters: every event</span>'
    figures = []
    if len(ordered):
        figures.append(
            "<figure>"
            + svg_map(
                ordered, numbers, boundary_dir=boundary_dir, title="All events of the briefing"
            )
            + "<figcaption>All events; numbers refer to the cards below.</figcaption></figure>"
        )
        latitudes = ordered["latitude"].to_numpy(dtype="float64", na_value=np.nan)
        longitudes = ordered["longitude"].to_numpy(dtype="float64", na_value=np.nan)
        west, south, east, north = KARACHI_BOUNDS
        with np.errstate(invalid="ignore"):
            in_city = (
                (longitudes >= west) & (longitudes <= east)
                & (latitudes >= south) & (latitudes <= north)
            )  # fmt: skip
        located = ~np.isnan(latitudes) & ~np.isnan(longitudes)
        wide = located.any() and (
            np.ptp(longitudes[located]) > 1.5 or np.ptp(latitudes[located]) > 1.5
        )
        if in_city.any() and wide:
            city = ordered[in_city]
            city_numbers = [n for n, keep in zip(numbers, in_city, strict=True) if keep]
            figures.append(
                "<figure>"
                + svg_map(
                    city,
                    city_numbers,
                    extent=_extent(city["latitude"].to_numpy(), city["longitude"].to_numpy(), 0.3),
                    boundary_dir=boundary_dir,
                    title="Karachi",
                )
                + "<figcaption>Karachi in detail.</figcaption></figure>"
            )
    card_html = "".join(
        cards.event_card_html(event, heading=f"{number} of {len(ordered)}", with_style=False)
        for number, (_, event) in zip(numbers, ordered.iterrows(), strict=True)
    )
    if not card_html:
        card_html = "<p>No events match the filters.</p>"
    span = ""
    if len(ordered):
        first = cards.date_label(ordered.iloc[0])
        last = cards.date_label(ordered.iloc[-1])
        span = f" · {html.escape(first)} to {html.escape(last)}"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title>"
        f"<style>{EXPORT_CSS}{cards.CARD_CSS}</style></head><body>"
        f"<header><h1>{html.escape(title)}</h1>"
        f'<p class="fp-meta">{len(ordered)} events{span} · made {generated:%Y-%m-%d %H:%M} '
        "with Footprint</p>"
        f"<div>{chips}</div></header>"
        f"<main>{''.join(figures)}{_legend(ordered) if len(ordered) else ''}"
        f"<section>{card_html}</section></main>"
        '<footer><p class="fp-meta">Boundaries © OpenStreetMap contributors (ODbL); Karachi '
        "towns: UN OCHA (CC BY-IGO). Dates and places carry their precision; casualty "
        "figures are ranges where sources differ, and unknown is not zero.</p></footer>"
        "</body></html>"
    )
