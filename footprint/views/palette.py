"""One colour-blind-safe palette for groups, used on every page and in every legend.

Colours are Paul Tol's "muted" qualitative scheme (distinguishable under the
common colour-vision deficiencies), assigned to groups by a fixed order so a
group keeps its colour whatever the filter shows.
"""

from __future__ import annotations

#: Paul Tol's muted scheme, in order, as RGB.
TOL_MUTED: tuple[tuple[int, int, int], ...] = (
    (204, 102, 119),  # rose
    (51, 34, 136),  # indigo
    (221, 204, 119),  # sand
    (17, 119, 51),  # green
    (136, 204, 238),  # cyan
    (136, 34, 85),  # wine
    (68, 170, 153),  # teal
    (153, 153, 51),  # olive
    (170, 68, 153),  # purple
)
#: For events no group is linked to, and for groups past the palette's length.
UNATTRIBUTED = (119, 119, 119)
OTHER = (187, 187, 187)

#: Groups that get their own colour, most active first; the rest share OTHER.
PRIMARY_GROUPS: tuple[str, ...] = (
    "Al Qaeda",
    "Islamic State",
    "Lashkar-e-Jhangvi",
    "Tehrik-i-Taliban Pakistan",
    "Jundullah",
    "Sipah-e-Sahaba Pakistan",
    "Jaish-e-Muhammad",
    "Balochistan Liberation Army",
    "Afghan Taliban",
)


def group_colour(group: str | None) -> tuple[int, int, int]:
    """Return the RGB colour of a group (grey for none, light grey for others)."""
    if not group:
        return UNATTRIBUTED
    try:
        return TOL_MUTED[PRIMARY_GROUPS.index(group)]
    except ValueError:
        return OTHER


def hex_colour(rgb: tuple[int, int, int]) -> str:
    """Return ``#rrggbb`` for an RGB triple (for Altair and HTML)."""
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def legend(groups: list[str]) -> list[tuple[str, str]]:
    """Return ``(label, hex colour)`` pairs for the groups shown, in palette order."""
    ordered = sorted(
        set(groups),
        key=lambda g: (
            g not in PRIMARY_GROUPS,
            PRIMARY_GROUPS.index(g) if g in PRIMARY_GROUPS else 0,
            g,
        ),
    )
    items = [(g, hex_colour(group_colour(g))) for g in ordered]
    return items


#: How many groups of the current filter get their own colour on the map.
MAP_DISTINCT_GROUPS = len(TOL_MUTED)


def frequent_group_colours(
    counts: dict[str, int], limit: int = MAP_DISTINCT_GROUPS
) -> dict[str, tuple[int, int, int]]:
    """Return distinct colours for the ``limit`` most frequent groups of a filter.

    Parameters
    ----------
    counts : dict
        Events per group (the most strongly linked group of each event).
    limit : int
        How many groups get a colour of their own; the rest are "other
        groups" (:data:`OTHER`).

    Returns
    -------
    dict
        ``{group: rgb}`` for the most frequent groups, ties broken by name.
        A group of :data:`PRIMARY_GROUPS` keeps its usual colour (the one the
        charts use) when it is among them; the others take the colours left
        free, so no two groups on the map share one.
    """
    ranked = sorted((g for g in counts if g), key=lambda g: (-counts[g], g))[:limit]
    assigned: dict[str, tuple[int, int, int]] = {}
    for group in ranked:
        if group in PRIMARY_GROUPS and PRIMARY_GROUPS.index(group) < len(TOL_MUTED):
            assigned[group] = TOL_MUTED[PRIMARY_GROUPS.index(group)]
    free = [colour for colour in TOL_MUTED if colour not in assigned.values()]
    for group in ranked:
        if group not in assigned:
            assigned[group] = free.pop(0)
    return {group: assigned[group] for group in ranked}
