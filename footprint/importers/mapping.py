"""Column mappings: read any other CSV by saying which of its columns is which.

When a file's header matches no known format, the analyst maps its columns
onto ours (the upload page suggests a mapping from the column names). A
mapping is saved as a JSON file in ``FOOTPRINT_MAPPINGS_DIR`` (default
``data/mappings/``, kept out of git) and found again the next time a file with
the same header is uploaded.

A mapping names, for each of our columns, the file column it comes from.
Beside the contract's columns two shortcuts exist: ``killed`` and
``injured`` for a single count (it fills both ``_min`` and ``_max``). Values
are then read as in our template (:mod:`footprint_csv`): enumerated columns
must hold the contract's values, ``perpetrators`` may be ``Name (link)`` or
bare names separated by ``;`` (linked with the mapping's ``default_link``),
and numeric dates follow ``date_order`` when they are ambiguous.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from footprint import paths
from footprint.data import schema
from footprint.importers.base import Row, source_key, stable_id
from footprint.importers.checks import ImportRefused, clean
from footprint.importers.footprint_csv import FootprintReader

#: Our columns a file column can be mapped onto, in the order the page shows them.
TARGETS: tuple[str, ...] = (
    "event_date",
    "latitude",
    "longitude",
    "location_text",
    "neighbourhood",
    "town",
    "district",
    "city",
    "province",
    "geo_precision",
    "event_id",
    "event_type",
    "attack_type",
    "suicide",
    "target_type",
    "target",
    "perpetrators",
    "killed",
    "killed_min",
    "killed_max",
    "injured",
    "injured_min",
    "injured_max",
    "summary",
    "source_ref",
    "date_start",
    "date_end",
    "date_precision",
)

_SYNONYMS = {
    "event_date": ["date", "event date", "incident date", "attack date", "day", "datetime"],
    "latitude": ["lat", "latitude", "y", "lat dd", "gps lat"],
    "longitude": ["lon", "lng", "long", "longitude", "x", "lon dd", "gps lon"],
    "location_text": ["location", "place", "address", "area", "locality", "site", "place name"],
    "neighbourhood": ["neighbourhood", "neighborhood", "mohalla", "colony"],
    "town": ["town", "tehsil", "uc"],
    "district": ["district", "admin2", "adm2"],
    "city": ["city", "city name"],
    "province": ["province", "state", "admin1", "adm1", "region"],
    "event_id": ["id", "event id", "incident id", "record id", "no", "s no", "sr no"],
    "event_type": ["event type", "type"],
    "attack_type": ["attack type", "method", "weapon"],
    "suicide": ["suicide"],
    "target_type": ["target type"],
    "target": ["target", "victim", "victims"],
    "perpetrators": [
        "group",
        "perpetrator",
        "perpetrators",
        "actor",
        "claimed by",
        "organisation",
        "organization",
    ],
    "killed": ["killed", "deaths", "dead", "fatalities", "nkill", "death toll"],
    "injured": ["injured", "wounded", "nwound", "injuries"],
    "summary": ["description", "summary", "details", "narrative", "event description"],
    "source_ref": ["source", "sources", "url", "link", "reference", "citation"],
}


class MappingError(ValueError):
    """A column mapping that cannot be used.

    Attributes
    ----------
    target : str or None
        Our column the problem is about.
    problem, fix : str
    """

    def __init__(self, target: str | None, problem: str, fix: str):
        self.target = target
        self.problem = problem
        self.fix = fix
        super().__init__(f"{problem} {fix}")


def _norm(name: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", name.lower()).split())


def header_key(header: list[str]) -> str:
    """Return a key for a header: the same column names in any order give the same key."""
    names = sorted(_norm(name) for name in header)
    return hashlib.sha1("\x1f".join(names).encode("utf-8")).hexdigest()[:16]


@dataclass
class ColumnMapping:
    """Which file column feeds each of our columns, and how to read it.

    Attributes
    ----------
    name : str
        What the analyst calls it ("Police station log").
    columns : dict
        Our column (one of :data:`TARGETS`) -> the file column.
    header : list of str
        The header the mapping was made for.
    source_name : str
        Prefix of event ids and source ids (``<source_name>:<id>``).
    date_order : {'dmy', 'mdy'} or None
        How to read ambiguous numeric dates.
    default_link : str
        The link of bare group names.
    default_event_type : str
        The event_type when no column gives it.
    """

    name: str
    columns: dict[str, str]
    header: list[str] = field(default_factory=list)
    source_name: str = "upload"
    date_order: str | None = None
    default_link: str = "attributed"
    default_event_type: str = "attack"

    @property
    def key(self) -> str:
        """The header key this mapping is found by."""
        return header_key(self.header)

    def to_dict(self) -> dict:
        """Return the mapping as JSON-ready data."""
        return {**dataclasses.asdict(self), "header_key": self.key}

    @classmethod
    def from_dict(cls, data: dict) -> ColumnMapping:
        """Build a mapping from :meth:`to_dict` output."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def validate(self, header: list[str]) -> None:
        """Check the mapping against a file's header.

        Raises
        ------
        MappingError
            When it maps onto unknown columns or lacks a date or a place.
        """
        for target, column in self.columns.items():
            if target not in TARGETS:
                raise MappingError(
                    target,
                    f"{target!r} is not one of our columns.",
                    f"Map onto one of: {', '.join(TARGETS)}.",
                )
            if column not in header:
                raise MappingError(
                    target, f"the file has no column {column!r}.", "Pick one of the file's columns."
                )
        if "event_date" not in self.columns:
            raise MappingError(
                "event_date",
                "no column is mapped onto event_date.",
                "Say which column holds the date.",
            )
        if ("latitude" in self.columns) != ("longitude" in self.columns):
            raise MappingError(
                "longitude", "only one coordinate is mapped.", "Map both latitude and longitude."
            )
        has_point = "latitude" in self.columns
        has_text = any(
            t in self.columns
            for t in ("location_text", "neighbourhood", "town", "city", "district")
        )
        if not has_point and not has_text:
            raise MappingError(
                "location_text",
                "no column gives a place.",
                "Map latitude and longitude, or a place column (location_text, city...) to geocode.",
            )
        if self.date_order not in (None, "dmy", "mdy"):
            raise MappingError(
                "event_date", f"date order {self.date_order!r} is unknown.", "Use dmy or mdy."
            )
        if self.default_link not in schema.LINKS:
            raise MappingError(
                "perpetrators",
                f"link {self.default_link!r} is unknown.",
                f"Use one of {', '.join(schema.LINKS)}.",
            )
        if self.default_event_type not in schema.EVENT_TYPES:
            raise MappingError(
                "event_type",
                f"event type {self.default_event_type!r} is unknown.",
                f"Use one of {', '.join(schema.EVENT_TYPES)}.",
            )


def suggest_mapping(header: list[str]) -> dict[str, str]:
    """Guess our column for each file column from its name (exact synonyms only)."""
    suggestion: dict[str, str] = {}
    by_norm = {_norm(column): column for column in header}
    for target in TARGETS:
        candidates = [target.replace("_", " "), *_SYNONYMS.get(target, [])]
        for candidate in candidates:
            column = by_norm.get(_norm(candidate))
            if column and column not in suggestion.values():
                suggestion[target] = column
                break
    if "killed_min" in suggestion or "killed_max" in suggestion:
        suggestion.pop("killed", None)
    if "injured_min" in suggestion or "injured_max" in suggestion:
        suggestion.pop("injured", None)
    return suggestion


def mappings_dir() -> Path:
    """Return ``FOOTPRINT_MAPPINGS_DIR`` or ``data/mappings/``."""
    return Path(os.environ.get("FOOTPRINT_MAPPINGS_DIR") or paths.DATA_DIR / "mappings")


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "mapping"


def save_mapping(mapping: ColumnMapping, directory: Path | None = None) -> Path:
    """Write a mapping to ``<directory>/<name>.json`` and return the path.

    Raises
    ------
    ImportRefused
        When another saved mapping, under another name, has the same file
        name (``My GTD`` and ``my-gtd`` both slug to ``my-gtd.json``): saving
        would overwrite it silently.
    """
    mapping.validate(mapping.header)
    directory = Path(directory or mappings_dir())
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{_slug(mapping.name)}.json"
    if path.exists():
        try:
            existing = json.loads(path.read_text(encoding="utf-8")).get("name")
        except (OSError, ValueError, AttributeError):
            existing = None
        if existing is not None and existing != mapping.name:
            raise ImportRefused(
                f"A saved mapping named {existing!r} already uses the file {path.name}; "
                f"saving {mapping.name!r} would replace it.",
                "Give this mapping another name, or use the existing one.",
            )
    partial = path.with_suffix(".json.part")
    partial.write_text(
        json.dumps(mapping.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8"
    )
    partial.replace(path)
    return path


def list_mappings(directory: Path | None = None) -> list[ColumnMapping]:
    """Return the saved mappings (unreadable files are skipped)."""
    directory = Path(directory or mappings_dir())
    found = []
    for path in sorted(directory.glob("*.json")):
        try:
            found.append(ColumnMapping.from_dict(json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError, TypeError):
            continue
    return found


def find_mapping(header: list[str], directory: Path | None = None) -> ColumnMapping | None:
    """Return the saved mapping made for this header, if there is one.

    The header may spell its columns in another case or order than the one
    the mapping was made for; the mapping returned names this header's columns.
    """
    key = header_key(header)
    for mapping in list_mappings(directory):
        if mapping.key == key:
            actual = {_norm(column): column for column in header}
            columns = {t: actual.get(_norm(c), c) for t, c in mapping.columns.items()}
            return dataclasses.replace(mapping, columns=columns, header=list(header))
    return None


class MappedReader(FootprintReader):
    """Rows of any CSV, read through a :class:`ColumnMapping`.

    Each row is rearranged into our template's columns and read like a
    template row; problems name the file's own columns.
    """

    format = "mapped"
    label = "Column mapping"
    #: Mapped row by row (:meth:`map_row` rearranges each row's cells first).
    vectorised = False

    def __init__(self, file_name, groups, header=None, mapping: ColumnMapping | None = None):
        super().__init__(file_name, groups, header)
        if mapping is None:
            raise MappingError(
                None, "no column mapping was given.", "Map the file's columns first."
            )
        self.mapping = mapping
        self.label = f"Column mapping: {mapping.name}"
        columns = dict(mapping.columns)
        for single, pair in (
            ("killed", ("killed_min", "killed_max")),
            ("injured", ("injured_min", "injured_max")),
        ):
            if single in columns:
                for target in pair:
                    columns.setdefault(target, columns[single])
                del columns[single]
        self.columns = columns

    def prepare(self, table) -> None:
        """Check the mapping and settle the date order.

        Raises
        ------
        ImportRefused
            When the mapping does not fit this file's header.
        """
        try:
            self.mapping.validate(table.header)
        except MappingError as error:
            raise ImportRefused(
                f"The column mapping {self.mapping.name!r} does not fit this file: {error.problem}",
                f"{error.fix} Map the file's columns again.",
                header=table.header,
            ) from error
        from footprint.importers import dates

        self.order = self.mapping.date_order
        column = self.columns.get("event_date")
        if self.order is None and column in table.header:
            from footprint.importers.footprint_csv import _column

            self.order = dates.infer_order(_column(table, column))

    def map_row(self, row: Row) -> dict:
        """Map one row through the mapping."""
        file_cells = row.cells
        cells = {target: file_cells.get(column, "") for target, column in self.columns.items()}
        own_id = clean(cells.get("event_id"))
        prefix = source_key(self.mapping.source_name) or "upload"
        if own_id:
            cells["event_id"] = f"{prefix}:{source_key(own_id)}"
        else:
            cells["event_id"] = stable_id(prefix, [file_cells.get(c, "") for c in self.header])
        cells.setdefault("source_id", cells["event_id"])
        if not clean(cells.get("event_type")):
            cells["event_type"] = self.mapping.default_event_type
        if cells["event_type"] == "attack" and not clean(cells.get("attack_type")):
            cells["attack_type"] = "unknown"
        perpetrators = clean(cells.get("perpetrators"))
        if perpetrators and not re.search(r"\((claimed|attributed|suspected)\)", perpetrators):
            names = [n.strip() for n in re.split(r"[;|]", perpetrators) if n.strip()]
            cells["perpetrators"] = "; ".join(f"{n} ({self.mapping.default_link})" for n in names)
        row.cells = cells
        record = super().map_row(row)
        row.cells = file_cells
        return record

    def finish(self, frames):
        """Return the mapped rows; problems name the file's columns, not ours."""
        mapped = super().finish(frames)
        rename = self.columns
        mapped.problems = [
            dataclasses.replace(p, column=rename.get(p.column, p.column)) if p.column else p
            for p in mapped.problems
        ]
        return mapped
