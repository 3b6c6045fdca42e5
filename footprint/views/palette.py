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
