"""The shared filter state, applying it to an events frame, and its URL form.

Pure functions: nothing here imports streamlit. ``app.py`` draws one filter
panel in the sidebar from the options, turns the widgets into a
:class:`FilterState` and keeps the whole
state in the page URL through :func:`to_query_params` and
:func:`from_query_params`, so a copied link opens the same view. The pages
filter through ``footprint.data.query`` (DuckDB); :func:`apply_filters` is the
plain pandas reference it is tested against.

Session state shared with the pages
-----------------------------------
``app.py`` runs before every page and leaves these keys in
``st.session_state`` for the pages to read (pages never write them):

``events_index``
    The process's one :class:`footprint.data.query.EventsIndex` (a reference
    shared by every session, never a copy). Pages ask it for what they draw,
    always bounded: ``query.count``, ``query.events_frame(..., limit=...)``,
    ``query.period_counts``, ``query.area_counts``, ``query.group_counts``...
``events_count``
    How many events pass the shared filters.
``events_total``
    How many events the store holds.
``filter_state``
    The :class:`FilterState` of the panel (hashable: use it, with
    ``data_version``, as a ``st.cache_data`` key).
``filter_options``
    The choices offered by the panel (``query.filter_options`` of the index,
    the same as :func:`filter_options` of the whole table).
``filter_summary``
    The chips of :func:`describe` for the active filters (empty when none).
``filter_problems``
    Messages about URL values that were ignored (unknown names, bad dates).
``data_version``
    A tuple of plain values that changes whenever the stored events change
    (an upload or an undo): ``(database URL, event count, latest batch id,
    batches undone)``.
``database_url``
    The store's SQLAlchemy URL.

Widget keys of the panel start with ``filter_``; the URL keys are those of
:data:`QUERY_KEYS`. Pages keep their own URL keys (``view`` on the map page,
``step`` on the briefing page) and never reuse these.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd

from footprint.data import schema

#: The group filter's name for events no group is linked to.

NO_GROUP = "No group named"

#: URL keys of the filter fields, in the order they appear in a link.
QUERY_KEYS: dict[str, str] = {
    "date_from": "from",
    "date_to": "to",
    "groups": "group",
    "links": "link",
    "event_types": "type",
    "attack_types": "attack",
    "target_types": "target",
    "suicide": "suicide",
    "provinces": "province",
    "districts": "district",
    "towns": "town",
    "neighbourhoods": "nbhd",
    "min_killed": "killed",
    "coarsest_precision": "precision",
}

#: Multi-valued fields whose values come from the contract's enumerations.
ENUMERATED_FIELDS: dict[str, tuple[str, ...]] = {
    "links": schema.LINKS,
    "event_types": schema.EVENT_TYPES,
    "attack_types": schema.ATTACK_TYPES,
    "target_types": schema.TARGET_TYPES,
}
#: Multi-valued fields whose values come from the data (names of groups and places).
NAMED_FIELDS: tuple[str, ...] = ("groups", "provinces", "districts", "towns", "neighbourhoods")
PLACE_COLUMNS: dict[str, str] = {
    "provinces": "province",
    "districts": "district",
    "towns": "town",
    "neighbourhoods": "neighbourhood",
}
EARTH_RADIUS_KM = 6371.0088


def _canonical_tuple(values: Iterable[str] | str | None, order: tuple[str, ...] | None) -> tuple:
    if values is None:
        return ()
    if isinstance(values, str):
        values = (values,)
    unique = {str(v) for v in values if v is not None and str(v) != ""}
    if order is not None:
        rank = {name: i for i, name in enumerate(order)}
        return tuple(sorted(unique, key=lambda v: (rank.get(v, len(order)), v)))
    return tuple(sorted(unique))


@dataclass(frozen=True)
class FilterState:
    """The shared filters, as plain hashable values.

    Empty tuples and ``None`` mean "no filter". Tuples are de-duplicated and
    put in a canonical order on creation, so two states that select the same
    events compare (and hash, and cache) equal.

    Parameters
    ----------
    date_from, date_to : datetime.date or None
        Keep events whose possible dates (``date_start``..``date_end``, or
        ``event_date``) overlap this range; either end may be open.
    groups : tuple of str
        Canonical group names (or :data:`NO_GROUP`); an event matches when one
        of them is linked to it.
    links : tuple of str
        How the group must be linked (:data:`schema.LINKS`). With ``groups``,
        the link applies to those groups; alone, to any group.
    event_types, attack_types, target_types : tuple of str
        Enumerated values of the contract.
    suicide : bool or None
        True for suicide attacks only, False to leave them out, None for all.
    provinces, districts, towns, neighbourhoods : tuple of str
        Place names as written in the events table.
    min_killed : int
        Keep events whose lower bound of killed is at least this; unknown
        tolls are kept only when it is 0.
    coarsest_precision : str
        The coarsest place precision to include (:data:`schema.GEO_PRECISIONS`).
    """

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    groups: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    attack_types: tuple[str, ...] = ()
    target_types: tuple[str, ...] = ()
    suicide: bool | None = None
    provinces: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    towns: tuple[str, ...] = ()
    neighbourhoods: tuple[str, ...] = ()
    min_killed: int = 0
    coarsest_precision: str = schema.GEO_PRECISIONS[-1]

    def __post_init__(self) -> None:
        for name, order in ENUMERATED_FIELDS.items():
            object.__setattr__(self, name, _canonical_tuple(getattr(self, name), order))
        for name in NAMED_FIELDS:
            object.__setattr__(self, name, _canonical_tuple(getattr(self, name), None))
        for name in ("date_from", "date_to"):
            value = getattr(self, name)
            if isinstance(value, dt.datetime):
                object.__setattr__(self, name, value.date())
            elif isinstance(value, pd.Timestamp):
                object.__setattr__(self, name, value.date())
        object.__setattr__(self, "min_killed", max(0, int(self.min_killed or 0)))
        if self.coarsest_precision not in schema.GEO_PRECISIONS:
            raise ValueError(
                f"coarsest_precision {self.coarsest_precision!r} is not one of "
                f"{', '.join(schema.GEO_PRECISIONS)}."
            )

    def is_default(self) -> bool:
        """Return True when no filter is active."""
        return self == FilterState()


DEFAULT_STATE = FilterState()


# --- applying the filters -----------------------------------------------------


def group_links(frame: pd.DataFrame) -> pd.DataFrame:
    """Return one row per (event, group) link parsed from ``perpetrators``.

    Parameters
    ----------
    frame : DataFrame
        An events frame.

    Returns
    -------
    DataFrame
        Columns ``position`` (the event's row position in ``frame``),
        ``group`` and ``link``, strongest link of each event first. Entries
        that do not parse are left out rather than failing the page.
    """
    text = pd.Series(frame["perpetrators"].to_numpy(dtype=object), index=np.arange(len(frame)))
    text = text.where(text.notna(), "").astype(str)
    parts = text.str.split(";").explode()
    parts = parts.str.strip()
    parts = parts[parts.notna() & (parts != "")]
    if parts.empty:
        return pd.DataFrame({"position": [], "group": [], "link": []}).astype(
            {"position": "int64", "group": object, "link": object}
        )
    extracted = parts.str.extract(r"^(?P<group>.+?)\s*\((?P<link>[a-z]+)\)$")
    extracted["position"] = extracted.index.to_numpy(dtype="int64")
    extracted = extracted.dropna(subset=["group", "link"])
    extracted = extracted[extracted["link"].isin(schema.LINKS)]
    extracted["rank"] = extracted["link"].map(schema.LINK_RANK)
    extracted = extracted.sort_values(["position", "rank"], kind="stable")
    return extracted[["position", "group", "link"]].reset_index(drop=True)


def primary_group(frame: pd.DataFrame) -> pd.Series:
    """Return each event's most strongly linked group (None where none is named).

    The map colours an event by this group, so an event claimed by one group
    and suspected of another takes the claimant's colour.
    """
    links = group_links(frame)
    first = links.drop_duplicates("position").set_index("position")["group"]
    values = pd.Series([None] * len(frame), index=np.arange(len(frame)), dtype=object)
    values.loc[first.index] = first.to_numpy()
    return pd.Series(values.to_numpy(), index=frame.index, dtype=object)


def _date_mask(frame: pd.DataFrame, state: FilterState) -> np.ndarray:
    start = frame["date_start"].fillna(frame["event_date"])
    end = frame["date_end"].fillna(start)
    mask = np.ones(len(frame), dtype=bool)
    if state.date_from is not None:
        mask &= (end >= pd.Timestamp(state.date_from)).fillna(False).to_numpy(dtype=bool)
    if state.date_to is not None:
        mask &= (start <= pd.Timestamp(state.date_to)).fillna(False).to_numpy(dtype=bool)
    return mask


def _group_mask(frame: pd.DataFrame, state: FilterState) -> np.ndarray:
    links = group_links(frame)
    wanted_links = state.links or schema.LINKS
    named = [g for g in state.groups if g != NO_GROUP]
    selected = links[links["link"].isin(wanted_links)]
    if named:
        selected = selected[selected["group"].isin(named)]
    mask = np.zeros(len(frame), dtype=bool)
    if named or not state.groups:
        mask[selected["position"].to_numpy(dtype="int64")] = True
    if NO_GROUP in state.groups:
        attributed = np.zeros(len(frame), dtype=bool)
        attributed[links["position"].to_numpy(dtype="int64")] = True
        mask |= ~attributed
    return mask


def apply_filters(frame: pd.DataFrame, state: FilterState) -> pd.DataFrame:
    """Return the events of ``frame`` that pass every filter of ``state``.

    Parameters
    ----------
    frame : DataFrame
        A typed events frame (``schema.coerce_events``).
    state : FilterState
        The filters.

    Returns
    -------
    DataFrame
        The matching rows, in their original order, with their index.
    """
    if frame.empty or state.is_default():
        return frame
    mask = np.ones(len(frame), dtype=bool)
    if state.date_from is not None or state.date_to is not None:
        mask &= _date_mask(frame, state)
    if state.groups or state.links:
        mask &= _group_mask(frame, state)
    for name, column in (
        ("event_types", "event_type"),
        ("attack_types", "attack_type"),
        ("target_types", "target_type"),
        *((field, column) for field, column in PLACE_COLUMNS.items()),
    ):
        values = getattr(state, name)
        if values:
            mask &= frame[column].isin(values).to_numpy(dtype=bool)
    if state.suicide is not None:
        mask &= (frame["suicide"] == state.suicide).fillna(False).to_numpy(dtype=bool)
    if state.min_killed > 0:
        mask &= (frame["killed_min"] >= state.min_killed).fillna(False).to_numpy(dtype=bool)
    if state.coarsest_precision != schema.GEO_PRECISIONS[-1]:
        allowed = schema.GEO_PRECISIONS[: schema.GEO_PRECISION_RANK[state.coarsest_precision] + 1]
        mask &= frame["geo_precision"].isin(allowed).to_numpy(dtype=bool)
    return frame[mask]


def haversine_km(
    latitude: np.ndarray | pd.Series | float,
    longitude: np.ndarray | pd.Series | float,
    centre_latitude: float,
    centre_longitude: float,
) -> np.ndarray:
    """Return great-circle distances in km from a centre (vectorised haversine)."""
    lat1 = np.radians(np.asarray(latitude, dtype="float64"))
    lon1 = np.radians(np.asarray(longitude, dtype="float64"))
    lat2, lon2 = math.radians(centre_latitude), math.radians(centre_longitude)
    a = (
        np.sin((lat1 - lat2) / 2) ** 2
        + np.cos(lat1) * math.cos(lat2) * np.sin((lon1 - lon2) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def within_radius(
    frame: pd.DataFrame, latitude: float, longitude: float, km: float
) -> pd.DataFrame:
    """Return the events within ``km`` of a point, with their ``distance_km``.

    Events without coordinates are left out: their distance is unknown.

    Parameters
    ----------
    frame : DataFrame
        An events frame.
    latitude, longitude : float
        The centre, in degrees (WGS84).
    km : float
        The radius in kilometres (inclusive).

    Returns
    -------
    DataFrame
        The matching rows in their original order, plus a ``distance_km``
        column.
    """
    distance = haversine_km(
        frame["latitude"].to_numpy(dtype="float64", na_value=np.nan),
        frame["longitude"].to_numpy(dtype="float64", na_value=np.nan),
        latitude,
        longitude,
    )
    keep = np.nan_to_num(distance, nan=np.inf) <= km
    out = frame[keep].copy()
    out["distance_km"] = distance[keep]
    return out


# --- choices for the widgets ---------------------------------------------------


def _names(series: pd.Series) -> list[str]:
    return sorted({str(v) for v in series.dropna() if str(v).strip()})


def filter_options(frame: pd.DataFrame) -> dict:
    """Return the choices the filter panel offers for an events frame.

    Enumerations are the contract's full lists (so the widgets keep the same
    options whatever the data holds); group and place names are those found
    in ``frame``. Groups come most frequent first (ties by name).

    Returns
    -------
    dict
        ``groups``, ``links``, ``event_types``, ``attack_types``,
        ``target_types``, ``provinces``, ``districts``, ``towns``,
        ``neighbourhoods``, ``precisions`` (lists of str), ``date_min`` and
        ``date_max`` (datetime.date or None) and ``killed_max`` (int).
    """
    links = group_links(frame)
    counts = links.drop_duplicates(["position", "group"])["group"].value_counts()
    groups = sorted(counts.index, key=lambda g: (-int(counts[g]), g))
    if len(frame) and (links["position"].nunique() < len(frame)):
        groups.append(NO_GROUP)
    start = frame["date_start"].fillna(frame["event_date"])
    end = frame["date_end"].fillna(start)
    killed = frame["killed_min"].dropna()
    return {
        "groups": groups,
        "links": list(schema.LINKS),
        "event_types": list(schema.EVENT_TYPES),
        "attack_types": list(schema.ATTACK_TYPES),
        "target_types": list(schema.TARGET_TYPES),
        **{name: _names(frame[column]) for name, column in PLACE_COLUMNS.items()},
        "precisions": list(schema.GEO_PRECISIONS),
        "date_min": start.min().date() if start.notna().any() else None,
        "date_max": end.max().date() if end.notna().any() else None,
        "killed_max": int(killed.max()) if len(killed) else 0,
    }


def restrict_to_options(state: FilterState, options: Mapping) -> tuple[FilterState, list[str]]:
    """Drop names the data does not hold (a widget cannot show them).

    Returns
    -------
    tuple of (FilterState, list of str)
        The state without the unknown names, and one message per name dropped.
    """
    problems = []
    changes = {}
    for name in (*NAMED_FIELDS, *ENUMERATED_FIELDS):
        allowed = set(options.get(name, ()))
        values = getattr(state, name)
        kept = tuple(v for v in values if v in allowed)
        for value in values:
            if value not in allowed:
                problems.append(f"{_FIELD_LABELS[name]} '{value}' is not in the data; ignored.")
        if kept != values:
            changes[name] = kept
    return (replace(state, **changes) if changes else state), problems


# --- URL form -----------------------------------------------------------------


def to_query_params(state: FilterState) -> dict[str, str | list[str]]:
    """Return the URL query parameters of ``state``, leaving out the defaults.

    Multi-valued filters become lists (one ``key=value`` pair each in the
    URL); dates are ISO, ``suicide`` is ``yes`` or ``no``.
    """
    params: dict[str, str | list[str]] = {}
    for item in fields(FilterState):
        value = getattr(state, item.name)
        if value == getattr(DEFAULT_STATE, item.name):
            continue
        key = QUERY_KEYS[item.name]
        if isinstance(value, tuple):
            params[key] = list(value)
        elif isinstance(value, dt.date):
            params[key] = value.isoformat()
        elif item.name == "suicide":
            params[key] = "yes" if value else "no"
        else:
            params[key] = str(value)
    return params


def _values(raw: object) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, str):
        return [raw]
    return [str(v) for v in raw]


def parse_query_params(mapping: Mapping[str, object]) -> tuple[FilterState, list[str]]:
    """Read a :class:`FilterState` from URL query parameters, tolerantly.

    Parameters
    ----------
    mapping : Mapping
        Query parameters: each value a str or a list of str (repeated keys).
        Keys that are not filter keys are ignored silently (pages have their
        own).

    Returns
    -------
    tuple of (FilterState, list of str)
        The state made of the values that could be read, and one message per
        value that could not (it is left out, never guessed).
    """
    values: dict[str, object] = {}
    problems: list[str] = []
    for name, key in QUERY_KEYS.items():
        raw = [v.strip() for v in _values(mapping.get(key)) if v is not None and v.strip()]
        if not raw:
            continue
        label = _FIELD_LABELS[name]
        if name in ("date_from", "date_to"):
            try:
                values[name] = dt.date.fromisoformat(raw[-1])
            except ValueError:
                problems.append(f"{label} '{raw[-1]}' is not a date (YYYY-MM-DD); ignored.")
        elif name in ENUMERATED_FIELDS:
            allowed = ENUMERATED_FIELDS[name]
            values[name] = tuple(v for v in raw if v in allowed)
            for bad in (v for v in raw if v not in allowed):
                problems.append(f"{label} '{bad}' is not one of {', '.join(allowed)}; ignored.")
        elif name in NAMED_FIELDS:
            values[name] = tuple(raw)
        elif name == "suicide":
            text = raw[-1].lower()
            if text in {"yes", "true", "1"}:
                values[name] = True
            elif text in {"no", "false", "0"}:
                values[name] = False
            else:
                problems.append(f"{label} '{raw[-1]}' is not yes or no; ignored.")
        elif name == "min_killed":
            try:
                number = int(raw[-1])
                if number < 0:
                    raise ValueError
                values[name] = number
            except ValueError:
                problems.append(f"{label} '{raw[-1]}' is not a whole number ≥ 0; ignored.")
        elif name == "coarsest_precision":
            if raw[-1] in schema.GEO_PRECISIONS:
                values[name] = raw[-1]
            else:
                problems.append(
                    f"{label} '{raw[-1]}' is not one of {', '.join(schema.GEO_PRECISIONS)}; "
                    "ignored."
                )
    state = FilterState(**values)
    if state.date_from and state.date_to and state.date_from > state.date_to:
        problems.append(
            f"The dates run backwards ({state.date_from} after {state.date_to}); "
            "the date filter is ignored."
        )
        state = replace(state, date_from=None, date_to=None)
    return state, problems


def from_query_params(
    mapping: Mapping[str, object], problems: list[str] | None = None
) -> FilterState:
    """Return the :class:`FilterState` of URL query parameters.

    Bad values are ignored; when ``problems`` is given, a message for each is
    appended to it (see :func:`parse_query_params`).
    """
    state, found = parse_query_params(mapping)
    if problems is not None:
        problems.extend(found)
    return state


# --- summary --------------------------------------------------------------------

_FIELD_LABELS = {
    "date_from": "Start date",
    "date_to": "End date",
    "groups": "Group",
    "links": "Link",
    "event_types": "Event type",
    "attack_types": "Attack type",
    "target_types": "Target type",
    "suicide": "Suicide",
    "provinces": "Province",
    "districts": "District",
    "towns": "Town",
    "neighbourhoods": "Neighbourhood",
    "min_killed": "Minimum killed",
    "coarsest_precision": "Place precision",
}


def humanise(value: str) -> str:
    """Return an enumerated value as words (``suicide_bombing`` -> ``suicide bombing``)."""
    return str(value).replace("_", " ")


def _listing(values: tuple[str, ...], limit: int = 3) -> str:
    shown = ", ".join(humanise(v) for v in values[:limit])
    if len(values) > limit:
        shown += f" +{len(values) - limit}"
    return shown


def describe(state: FilterState) -> list[str]:
    """Return short phrases describing the active filters (empty when none).

    The sidebar shows them as chips above its reset button, and the briefing
    export prints them under its title.
    """
    chips = []
    if state.date_from and state.date_to and state.date_from == state.date_to:
        chips.append(f"On {state.date_from.isoformat()}")
    elif state.date_from and state.date_to:
        chips.append(f"{state.date_from.isoformat()} to {state.date_to.isoformat()}")
    elif state.date_from:
        chips.append(f"From {state.date_from.isoformat()}")
    elif state.date_to:
        chips.append(f"Until {state.date_to.isoformat()}")
    if state.groups:
        chips.append(f"Groups: {_listing(state.groups)}")
    if state.links:
        chips.append(f"Linked as: {_listing(state.links)}")
    for name, title in (
        ("event_types", "Events"),
        ("attack_types", "Attacks"),
        ("target_types", "Targets"),
        ("provinces", "Province"),
        ("districts", "District"),
        ("towns", "Town"),
        ("neighbourhoods", "Neighbourhood"),
    ):
        values = getattr(state, name)
        if values:
            chips.append(f"{title}: {_listing(values)}")
    if state.suicide is True:
        chips.append("Suicide attacks only")
    elif state.suicide is False:
        chips.append("No suicide attacks")
    if state.min_killed:
        chips.append(f"At least {state.min_killed} killed")
    if state.coarsest_precision != DEFAULT_STATE.coarsest_precision:
        chips.append(f"Placed to {state.coarsest_precision} or finer")
    return chips
