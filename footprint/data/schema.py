"""The events table contract: column names, allowed values and typed coercion.

Everything that reads or writes events (the seed builder, the store, the
importers, the exports and the pages) takes its column names and enumerations
from here, so that a change to the contract is made in one place.
See ``docs/codebook.md`` for the meaning of each field and the coding rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

#: The columns of ``data/events.csv``, in order. Other tools read these names.
EVENT_COLUMNS: tuple[str, ...] = (
    "event_id",
    "event_date",
    "date_start",
    "date_end",
    "date_precision",
    "event_type",
    "attack_type",
    "suicide",
    "target_type",
    "target",
    "location_text",
    "neighbourhood",
    "town",
    "district",
    "city",
    "province",
    "latitude",
    "longitude",
    "geo_precision",
    "perpetrators",
    "killed_min",
    "killed_max",
    "injured_min",
    "injured_max",
    "summary",
    "source_id",
    "source_ref",
)

#: Columns the store keeps beside the contract: geocoding provenance, the
#: coordinates an upload arrived with, and the batch an event came in.
PROVENANCE_COLUMNS: tuple[str, ...] = (
    "geo_matched_name",
    "geo_matched_alias",
    "geo_score",
    "original_latitude",
    "original_longitude",
    "original_geo_precision",
    "notes",
    "batch_id",
)

DATE_COLUMNS = ("event_date", "date_start", "date_end")
FLOAT_COLUMNS = ("latitude", "longitude", "original_latitude", "original_longitude", "geo_score")
COUNT_COLUMNS = ("killed_min", "killed_max", "injured_min", "injured_max")

DATE_PRECISIONS: tuple[str, ...] = ("day", "week", "month", "year")
EVENT_TYPES: tuple[str, ...] = ("attack", "arrest", "militant_presence", "other")
ATTACK_TYPES: tuple[str, ...] = (
    "armed_assault",
    "bombing",
    "suicide_bombing",
    "assassination",
    "kidnapping",
    "hijacking",
    "facility_attack",
    "unknown",
)
#: Place precisions from the finest to the coarsest; the order matters for
#: "coarsest precision to include" filters and for ranking geocoder candidates.
GEO_PRECISIONS: tuple[str, ...] = ("site", "neighbourhood", "town", "district", "city", "province")
#: How a group is linked to an event, from the strongest to the weakest.
LINKS: tuple[str, ...] = ("claimed", "attributed", "suspected")
TARGET_TYPES: tuple[str, ...] = (
    "police",
    "military",
    "government",
    "religious_minority",
    "sectarian",
    "civilians",
    "business",
    "education",
    "media",
    "foreigners",
    "political",
    "militants",
    "infrastructure",
    "other",
    "unknown",
)

GEO_PRECISION_RANK = {name: rank for rank, name in enumerate(GEO_PRECISIONS)}
LINK_RANK = {name: rank for rank, name in enumerate(LINKS)}

_PERPETRATOR = re.compile(r"^\s*(?P<name>.+?)\s*\((?P<link>[a-z]+)\)\s*$")


class SchemaError(ValueError):
    """A value does not fit the events table contract.

    Parameters
    ----------
    column : str
        The column the value belongs to.
    value : object
        The offending value, as given.
    fix : str
        What to write instead.
    """

    def __init__(self, column: str, value: object, fix: str):
        self.column = column
        self.value = value
        self.fix = fix
        super().__init__(f"{column}: {value!r} is not allowed. {fix}")


@dataclass(frozen=True)
class Perpetrator:
    """One group linked to an event, and how it is linked."""

    group: str
    link: str

    def __str__(self) -> str:
        return f"{self.group} ({self.link})"


def parse_perpetrators(text: str | None) -> list[Perpetrator]:
    """Parse a ``perpetrators`` cell into its groups and links.

    Parameters
    ----------
    text : str or None
        ``"Islamic State (claimed); Lashkar-e-Jhangvi (suspected)"``; empty or
        missing means no group is named.

    Returns
    -------
    list of Perpetrator

    Raises
    ------
    SchemaError
        When an entry has no link in brackets or the link is not one of
        :data:`LINKS`.
    """
    if text is None or (isinstance(text, float) and pd.isna(text)) or not str(text).strip():
        return []
    result = []
    for part in str(text).split(";"):
        if not part.strip():
            continue
        match = _PERPETRATOR.match(part)
        if not match or match.group("link") not in LINKS:
            raise SchemaError(
                "perpetrators",
                part.strip(),
                "Write each group as 'Name (link)' with link one of "
                f"{', '.join(LINKS)}, and separate groups with '; '.",
            )
        result.append(Perpetrator(match.group("name"), match.group("link")))
    return result


def format_perpetrators(perpetrators: list[Perpetrator] | list[tuple[str, str]]) -> str:
    """Join groups and links into a ``perpetrators`` cell, strongest link first."""
    items = [p if isinstance(p, Perpetrator) else Perpetrator(*p) for p in perpetrators]
    items.sort(key=lambda p: (LINK_RANK.get(p.link, len(LINKS)), p.group))
    return "; ".join(str(p) for p in items)


def empty_events() -> pd.DataFrame:
    """Return an empty, correctly typed events frame."""
    return coerce_events(pd.DataFrame({column: [] for column in EVENT_COLUMNS}))


def coerce_events(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` with the events table's dtypes.

    Dates become ``datetime64``, coordinates floats, casualty counts nullable
    integers (missing stays missing: unknown is never 0), ``suicide`` a
    nullable boolean and every other contract column a string. Columns the
    contract does not name are kept as they are.
    """
    out = frame.copy()
    for column in EVENT_COLUMNS:
        if column not in out.columns:
            out[column] = pd.NA
    for column in DATE_COLUMNS:
        out[column] = pd.to_datetime(out[column], errors="coerce", format="ISO8601").astype(
            "datetime64[us]"
        )
    for column in FLOAT_COLUMNS:
        if column in out.columns:
            out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
    for column in COUNT_COLUMNS:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("Int64")
    out["suicide"] = out["suicide"].map(_to_bool).astype("boolean")
    for column in EVENT_COLUMNS:
        if column in DATE_COLUMNS or column in FLOAT_COLUMNS or column in COUNT_COLUMNS:
            continue
        if column == "suicide":
            continue
        out[column] = out[column].astype("str").where(out[column].notna(), None)
        out[column] = out[column].replace({"": None, "nan": None, "<NA>": None, "None": None})
    if "batch_id" in out.columns:
        out["batch_id"] = pd.to_numeric(out["batch_id"], errors="coerce").astype("Int64")
    for column in ("geo_matched_name", "geo_matched_alias", "original_geo_precision", "notes"):
        if column in out.columns:
            out[column] = out[column].astype("str").where(out[column].notna(), None)
    ordered = list(EVENT_COLUMNS) + [c for c in out.columns if c not in EVENT_COLUMNS]
    return out[ordered]


def _to_bool(value: object) -> object:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return pd.NA
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "1", "yes", "y", "t"}:
        return True
    if text in {"false", "0", "no", "n", "f"}:
        return False
    return pd.NA


def events_to_csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` as it is written to CSV: ISO dates, integers without
    decimals, ``true``/``false`` for ``suicide``, contract columns only."""
    out = coerce_events(frame)[list(EVENT_COLUMNS)].copy()
    for column in DATE_COLUMNS:
        out[column] = out[column].dt.strftime("%Y-%m-%d")
    out["suicide"] = out["suicide"].map({True: "true", False: "false"})
    return out


def validate_event(record: dict) -> list[SchemaError]:
    """Check one event's enumerated fields and ranges against the contract.

    Returns every problem found rather than stopping at the first, so that a
    person fixing a file sees them all at once.
    """
    problems: list[SchemaError] = []
    enumerations = {
        "date_precision": DATE_PRECISIONS,
        "event_type": EVENT_TYPES,
        "geo_precision": GEO_PRECISIONS,
    }
    for column, allowed in enumerations.items():
        value = record.get(column)
        if value not in allowed:
            problems.append(SchemaError(column, value, f"Use one of: {', '.join(allowed)}."))
    attack_type = record.get("attack_type")
    if record.get("event_type") == "attack":
        if attack_type not in ATTACK_TYPES:
            problems.append(
                SchemaError("attack_type", attack_type, f"Use one of: {', '.join(ATTACK_TYPES)}.")
            )
    elif attack_type not in (None, "") and not pd.isna(attack_type):
        problems.append(
            SchemaError("attack_type", attack_type, "Leave attack_type empty for non-attacks.")
        )
    target_type = record.get("target_type")
    if target_type not in (None, "") and not (
        isinstance(target_type, float) and pd.isna(target_type)
    ):
        if target_type not in TARGET_TYPES:
            problems.append(
                SchemaError("target_type", target_type, f"Use one of: {', '.join(TARGET_TYPES)}.")
            )
    for low, high in (("killed_min", "killed_max"), ("injured_min", "injured_max")):
        lo, hi = record.get(low), record.get(high)
        for column, value in ((low, lo), (high, hi)):
            if value is not None and not pd.isna(value) and int(value) < 0:
                problems.append(SchemaError(column, value, "Casualties cannot be negative."))
        if lo is not None and hi is not None and not pd.isna(lo) and not pd.isna(hi) and lo > hi:
            problems.append(SchemaError(high, hi, f"{high} must be at least {low} ({lo})."))
    try:
        parse_perpetrators(record.get("perpetrators"))
    except SchemaError as error:
        problems.append(error)
    return problems
