"""Group profiles and the affiliation network, computed from an events frame.

A group's profile gathers what ``data/groups.csv`` says about it (names and
spellings, kind, description) and what the events say: how many it is linked
to and how (claimed, attributed, suspected), casualty ranges, the first and
last event, and the districts, towns and neighbourhoods where it acts.

The affiliation network is ``data/group_links.csv`` as nodes and edges: one
edge per row of the file (so parallel relations between two groups are kept,
each with its own source reference), laid out with networkx so that a chart
can draw it without further computation.

Casualty ranges follow the codebook: a missing figure is unknown, never 0.
The low end of a range is the sum of the minimums that are known; the high
end is the sum of the maximums that are known, an event with a minimum but no
maximum adding its minimum (so the high end is never below the low end), and
the number of such open-ended events is kept so that pages can say so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from footprint import paths
from footprint.data import filters, schema
from footprint.data.groups import GroupNames
from footprint.views import palette

#: The label of events no group is linked to (the group filter's own name for them).
UNATTRIBUTED = filters.NO_GROUP

GROUP_COLUMNS: tuple[str, ...] = ("name", "aliases", "kind", "description")
LINK_COLUMNS: tuple[str, ...] = (
    "source_group",
    "relation",
    "target_group",
    "source_ref",
    "evidence",
)


# --- reading the group files ------------------------------------------------


def load_groups(path: str | Path | None = None) -> pd.DataFrame:
    """Read ``data/groups.csv`` (``name,aliases,kind,description``) as text.

    Returns an empty frame with those columns when the file does not exist.
    """
    path = Path(path or paths.GROUPS_CSV)
    if not path.exists():
        return pd.DataFrame({column: pd.Series(dtype=object) for column in GROUP_COLUMNS})
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for column in GROUP_COLUMNS:
        if column not in frame.columns:
            frame[column] = ""
    return frame


def load_links(path: str | Path | None = None) -> pd.DataFrame:
    """Read ``data/group_links.csv`` (``source_group,relation,target_group,source_ref,evidence``).

    Returns an empty frame with those columns when the file does not exist.
    """
    path = Path(path or paths.GROUP_LINKS_CSV)
    if not path.exists():
        return pd.DataFrame({column: pd.Series(dtype=object) for column in LINK_COLUMNS})
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for column in LINK_COLUMNS:
        if column not in frame.columns:
            frame[column] = ""
    return frame


def aliases_of(groups: pd.DataFrame, name: str) -> list[str]:
    """Return the listed spellings of a group (``aliases`` split on ``|``)."""
    rows = groups.loc[groups["name"] == name]
    if rows.empty:
        return []
    text = rows.iloc[0].get("aliases") or ""
    return [alias.strip() for alias in str(text).split("|") if alias.strip()]


# --- events and their groups ------------------------------------------------


def event_groups(frame: pd.DataFrame) -> pd.DataFrame:
    """Return one row per (event, linked group): ``event_id, group, link, row``.

    Parameters
    ----------
    frame : DataFrame
        An events frame.

    Returns
    -------
    DataFrame
        ``row`` is the event's position in ``frame``; each event's strongest
        link comes first. Events no group is linked to have no row; a cell
        that does not parse is skipped rather than failing the page. Names are
        as written in ``perpetrators`` (the names the group filter offers),
        parsed by :func:`footprint.data.filters.group_links`.
    """
    links = filters.group_links(frame).drop_duplicates(["position", "group"])
    ids = frame["event_id"].to_numpy(dtype=object)
    return pd.DataFrame(
        {
            "event_id": ids[links["position"].to_numpy(dtype="int64")],
            "group": links["group"].to_numpy(dtype=object),
            "link": links["link"].to_numpy(dtype=object),
            "row": links["position"].to_numpy(dtype="int64"),
        }
    )


def primary_group(frame: pd.DataFrame) -> pd.Series:
    """Return each event's main group: the first named with the strongest link.

    The map colours an event by the same group (:func:`footprint.data.filters.primary_group`).
    Events no group is linked to get :data:`UNATTRIBUTED`. Stacked charts use
    this so that every event is counted once.
    """
    return filters.primary_group(frame).fillna(UNATTRIBUTED).astype(object).rename("group")


# --- casualty ranges --------------------------------------------------------


@dataclass(frozen=True)
class CasualtyRange:
    """A summed casualty range over several events.

    Attributes
    ----------
    low : int
        The sum of the known minimums.
    high : int
        The sum of the known maximums (an event with only a minimum adds it).
    open_ended : int
        Events with a minimum but no maximum.
    unknown : int
        Events with neither figure.
    """

    low: int
    high: int
    open_ended: int = 0
    unknown: int = 0

    def __str__(self) -> str:
        if self.low == self.high == 0 and self.unknown and not self.open_ended:
            return "unknown"
        text = f"{self.low:,}" if self.low == self.high else f"{self.low:,}–{self.high:,}"
        if self.open_ended:
            text += "+"
        return text


def casualty_range(frame: pd.DataFrame, kind: str = "killed") -> CasualtyRange:
    """Return the summed range of ``killed`` or ``injured`` over ``frame``."""
    low_column, high_column = f"{kind}_min", f"{kind}_max"
    low = pd.to_numeric(frame[low_column], errors="coerce")
    high = pd.to_numeric(frame[high_column], errors="coerce")
    upper = high.where(high.notna(), low)
    return CasualtyRange(
        low=int(low.fillna(0).sum()),
        high=int(upper.fillna(0).sum()),
        open_ended=int((low.notna() & high.isna()).sum()),
        unknown=int((low.isna() & high.isna()).sum()),
    )


# --- profiles ---------------------------------------------------------------


@dataclass
class GroupProfile:
    """What is known of one group, from ``groups.csv`` and the events."""

    name: str
    kind: str
    aliases: list[str]
    description: str
    events: int
    links: dict[str, int]
    killed: CasualtyRange
    injured: CasualtyRange
    first_event: pd.Timestamp | None
    last_event: pd.Timestamp | None
    districts: pd.DataFrame = field(repr=False)
    towns: pd.DataFrame = field(repr=False)
    neighbourhoods: pd.DataFrame = field(repr=False)
    event_frame: pd.DataFrame = field(repr=False)
    colour: str = ""


def _place_counts(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Return ``place, events`` for one place column, most events first."""
    values = frame[column].dropna()
    values = values[values.astype(str).str.strip() != ""]
    counts = values.value_counts().rename_axis(column).reset_index(name="events")
    return counts.sort_values(["events", column], ascending=[False, True], ignore_index=True)


def group_profile(
    name: str, events: pd.DataFrame, groups: pd.DataFrame | None = None
) -> GroupProfile:
    """Return the profile of one group.

    Parameters
    ----------
    name : str
        The canonical group name (or :data:`UNATTRIBUTED`).
    events : DataFrame
        An events frame (usually the filtered one).
    groups : DataFrame, optional
        ``groups.csv``, for spellings, kind and description.
    """
    groups = groups if groups is not None else load_groups()
    return _profile(name, events, groups, event_groups(events))


def _profile(
    name: str, events: pd.DataFrame, groups: pd.DataFrame, links: pd.DataFrame
) -> GroupProfile:
    """Build a profile from precomputed :func:`event_groups` rows."""
    if name == UNATTRIBUTED:
        linked = set(links["row"])
        own = events.iloc[[i for i in range(len(events)) if i not in linked]]
        link_counts: dict[str, int] = {}
    else:
        mine = links.loc[links["group"] == name]
        own = events.iloc[sorted(set(mine["row"]))]
        link_counts = {
            link: int((mine["link"] == link).sum())
            for link in schema.LINKS
            if (mine["link"] == link).any()
        }
    info = groups.loc[groups["name"] == name]
    record = info.iloc[0].to_dict() if not info.empty else {}
    dates = own["event_date"].dropna()
    return GroupProfile(
        name=name,
        kind=str(record.get("kind") or ("unattributed" if name == UNATTRIBUTED else "unknown")),
        aliases=aliases_of(groups, name),
        description=str(record.get("description") or ""),
        events=len(own),
        links=link_counts,
        killed=casualty_range(own, "killed"),
        injured=casualty_range(own, "injured"),
        first_event=dates.min() if len(dates) else None,
        last_event=dates.max() if len(dates) else None,
        districts=_place_counts(own, "district"),
        towns=_place_counts(own, "town"),
        neighbourhoods=_place_counts(own, "neighbourhood"),
        event_frame=own.sort_values("event_date", ascending=False),
        colour=palette.hex_colour(
            palette.UNATTRIBUTED if name == UNATTRIBUTED else palette.group_colour(name)
        ),
    )


def group_table(events: pd.DataFrame, groups: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return one row per group linked to any event, most events first.

    Columns: ``group, kind, events, claimed, attributed, suspected,
    killed, injured`` (ranges as text), ``killed_min, killed_max``,
    ``first_event, last_event, districts`` (the top three, as text).
    Events no group is linked to are summarised under :data:`UNATTRIBUTED`.
    """
    groups = groups if groups is not None else load_groups()
    links = event_groups(events)
    names = list(dict.fromkeys(links["group"]))
    if len(set(links["row"])) < len(events):
        names.append(UNATTRIBUTED)
    rows = []
    for name in names:
        profile = _profile(name, events, groups, links)
        rows.append(
            {
                "group": name,
                "kind": profile.kind,
                "events": profile.events,
                **{link: profile.links.get(link, 0) for link in schema.LINKS},
                "killed": str(profile.killed),
                "injured": str(profile.injured),
                "killed_min": profile.killed.low,
                "killed_max": profile.killed.high,
                "first_event": profile.first_event,
                "last_event": profile.last_event,
                "districts": ", ".join(profile.districts["district"].head(3)),
            }
        )
    columns = [
        "group",
        "kind",
        "events",
        *schema.LINKS,
        "killed",
        "injured",
        "killed_min",
        "killed_max",
        "first_event",
        "last_event",
        "districts",
    ]
    table = pd.DataFrame(rows, columns=columns)
    return table.sort_values(["events", "group"], ascending=[False, True], ignore_index=True)


def _range(row, kind: str) -> CasualtyRange:
    return CasualtyRange(
        low=int(row[f"{kind}_low"]),
        high=int(row[f"{kind}_high"]),
        open_ended=int(row[f"{kind}_open"]),
        unknown=int(row[f"{kind}_unknown"]),
    )


def group_table_from_counts(
    counts: pd.DataFrame, groups: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Return :func:`group_table`'s frame from per-group counts (``query.group_counts``).

    Same columns and order as :func:`group_table`, without a pass over the events.
    """
    groups = groups if groups is not None else load_groups()
    kinds = dict(zip(groups.get("name", []), groups.get("kind", []), strict=False))
    rows = []
    for row in counts.to_dict("records"):
        name = row["group"]
        killed, injured = _range(row, "killed"), _range(row, "injured")
        rows.append(
            {
                "group": name,
                "kind": str(
                    kinds.get(name) or ("unattributed" if name == UNATTRIBUTED else "unknown")
                ),
                "events": int(row["events"]),
                **{link: int(row[link]) for link in schema.LINKS},
                "killed": str(killed),
                "injured": str(injured),
                "killed_min": killed.low,
                "killed_max": killed.high,
                "first_event": row["first_event"] if pd.notna(row["first_event"]) else None,
                "last_event": row["last_event"] if pd.notna(row["last_event"]) else None,
                "districts": row["districts"],
            }
        )
    columns = [
        "group",
        "kind",
        "events",
        *schema.LINKS,
        "killed",
        "injured",
        "killed_min",
        "killed_max",
        "first_event",
        "last_event",
        "districts",
    ]
    return pd.DataFrame(rows, columns=columns)


def profile_from_counts(
    name: str,
    row: dict,
    groups: pd.DataFrame,
    places: dict[str, pd.DataFrame],
    event_frame: pd.DataFrame,
) -> GroupProfile:
    """Return a group's profile from its row of ``query.group_counts``.

    ``places`` holds the ``district``, ``town`` and ``neighbourhood`` counts
    (``query.place_counts``); ``event_frame`` a bounded frame of its latest events.
    """
    info = groups.loc[groups["name"] == name]
    record = info.iloc[0].to_dict() if not info.empty else {}
    links = {link: int(row[link]) for link in schema.LINKS if int(row[link])}
    first = row.get("first_event")
    last = row.get("last_event")
    return GroupProfile(
        name=name,
        kind=str(record.get("kind") or ("unattributed" if name == UNATTRIBUTED else "unknown")),
        aliases=aliases_of(groups, name),
        description=str(record.get("description") or ""),
        events=int(row["events"]),
        links=links,
        killed=_range(row, "killed"),
        injured=_range(row, "injured"),
        first_event=first if first is not None and pd.notna(first) else None,
        last_event=last if last is not None and pd.notna(last) else None,
        districts=places["district"],
        towns=places["town"],
        neighbourhoods=places["neighbourhood"],
        event_frame=event_frame,
        colour=palette.hex_colour(
            palette.UNATTRIBUTED if name == UNATTRIBUTED else palette.group_colour(name)
        ),
    )


# --- affiliation network ----------------------------------------------------


@dataclass
class Network:
    """The affiliation network, laid out: one node per group, one edge per link row."""

    nodes: pd.DataFrame
    edges: pd.DataFrame


def affiliation_network(
    links: pd.DataFrame,
    groups: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    seed: int = 7,
    counts: dict[str, int] | None = None,
) -> Network:
    """Return the groups of ``group_links.csv`` as nodes and its rows as edges.

    Parameters
    ----------
    links : DataFrame
        ``group_links.csv`` rows.
    groups : DataFrame, optional
        ``groups.csv``, for each node's kind and for canonical names.
    events : DataFrame, optional
        When given, each node carries the number of events linked to it.
    seed : int
        The layout's random seed, so the drawing is the same on every run.
    counts : dict, optional
        ``{group: events}`` already counted (``query.group_event_counts``),
        used instead of ``events``.

    Returns
    -------
    Network
        ``nodes``: ``name, kind, events, colour, x, y``. ``edges``: the link
        rows in file order (``source_group, relation, target_group,
        source_ref, evidence``) with ``x, y, x2, y2`` for drawing.
    """
    import networkx as nx

    groups = groups if groups is not None else pd.DataFrame(columns=list(GROUP_COLUMNS))
    edges = links.reindex(columns=list(LINK_COLUMNS)).fillna("").reset_index(drop=True)
    names = GroupNames(groups) if not groups.empty else None
    if names is not None:
        for column in ("source_group", "target_group"):
            edges[column] = [names.lookup(value).name for value in edges[column]]
    graph = nx.Graph()
    order = list(dict.fromkeys([*edges["source_group"], *edges["target_group"]]))
    graph.add_nodes_from(order)
    graph.add_edges_from(zip(edges["source_group"], edges["target_group"], strict=True))
    positions = _layout(graph, order, seed)
    counts = dict(counts or {})
    if not counts and events is not None and not events.empty:
        counts = event_groups(events).groupby("group")["event_id"].nunique().to_dict()
    kinds = dict(zip(groups.get("name", []), groups.get("kind", []), strict=False))
    nodes = pd.DataFrame(
        {
            "name": order,
            "kind": [kinds.get(name) or "unknown" for name in order],
            "events": [int(counts.get(name, 0)) for name in order],
            "colour": [palette.hex_colour(palette.group_colour(name)) for name in order],
            "x": [positions[name][0] for name in order],
            "y": [positions[name][1] for name in order],
        }
    )
    edges["x"] = [positions[name][0] for name in edges["source_group"]]
    edges["y"] = [positions[name][1] for name in edges["source_group"]]
    edges["x2"] = [positions[name][0] for name in edges["target_group"]]
    edges["y2"] = [positions[name][1] for name in edges["target_group"]]
    return Network(nodes=nodes, edges=edges)


def network_with_counts(network: Network, counts: dict[str, int]) -> Network:
    """Return ``network`` with each node's ``events`` taken from ``counts`` (0 when absent).

    The layout depends on the link files only, so a page lays the network out
    once and sets the counts of each filter here.
    """
    events = [int(counts.get(name, 0)) for name in network.nodes["name"]]
    return Network(nodes=network.nodes.assign(events=events), edges=network.edges)


def _layout(graph, order: list[str], seed: int) -> dict[str, tuple[float, float]]:
    """Lay out each connected part with a seeded spring layout, side by side.

    The largest part comes first and gets the most room; smaller parts are
    stacked in a column to its right, so a pair of groups linked only to each
    other does not squeeze the main network into a corner.
    """
    import networkx as nx

    positions: dict[str, tuple[float, float]] = {}
    parts = sorted(
        (sorted(part, key=order.index) for part in nx.connected_components(graph)),
        key=lambda part: (-len(part), order.index(part[0])),
    )
    column_x, column_y = None, 0.0
    for index, part in enumerate(parts):
        size = 1.0 if index == 0 else max(0.18, 0.45 * (len(part) / len(parts[0])) ** 0.5)
        if len(part) == 1:
            local = {part[0]: (0.0, 0.0)}
        else:
            sub = graph.subgraph(part)
            local = nx.spring_layout(sub, seed=seed, k=1.5 / len(part) ** 0.5, scale=size)
        if index == 0:
            offset = (0.0, 0.0)
            column_x = 1.0 + 0.5
            column_y = 1.0
        else:
            offset = (column_x, column_y - size)
            column_y -= 2 * size + 0.3
        for node, (x, y) in local.items():
            positions[node] = (float(x) + offset[0], float(y) + offset[1])
    return positions
