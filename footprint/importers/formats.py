"""Recognise a file's format from its header, and pick its reader.

Each format has *signature* columns (names its exports use and others do
not) and *required* columns. A header is scored against every format by the
share of the signature it contains; the best format wins when it has at
least :data:`MIN_SIGNATURE` signature columns and all required ones. Column
names are compared without case, spaces or punctuation, so ``Killed Min``,
``killed_min`` and ``KILLED MIN`` are one name.

This recognises partial exports too (a GTD export of 10 of its 135 columns),
and explains a near miss: "looks like GTD (9 GTD columns) but has no iyear".
A header with a saved column mapping (:mod:`mapping`) is read with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from footprint.data import schema
from footprint.importers.acled import AcledReader
from footprint.importers.base import Reader
from footprint.importers.checks import ImportRefused
from footprint.importers.footprint_csv import FootprintReader
from footprint.importers.gtd import GtdReader
from footprint.importers.mapping import ColumnMapping, MappedReader, find_mapping
from footprint.importers.pbc import PbcReader
from footprint.importers.ucdp import UcdpReader

#: Fewest signature columns a header must have to be taken for a format.
MIN_SIGNATURE = 3


def norm(name: str) -> str:
    """Normalise a column name for comparison: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9#]+", "", name.lower())


@dataclass(frozen=True)
class Format:
    """A known export format."""

    name: str
    label: str
    reader: type[Reader]
    signature: frozenset[str]
    #: Alternatives: the header needs one column of each tuple.
    required: tuple[tuple[str, ...], ...] = ()


_FOOTPRINT_ONLY = set(schema.EVENT_COLUMNS) - {
    "event_id", "event_date", "event_type", "latitude", "longitude", "summary", "city", "suicide",
    "geo_precision", "target",
}  # fmt: skip

FORMATS: tuple[Format, ...] = (
    Format(
        "footprint",
        FootprintReader.label,
        FootprintReader,
        frozenset(norm(c) for c in _FOOTPRINT_ONLY),
        (("event_date",), ("event_type",)),
    ),
    Format(
        "acled",
        AcledReader.label,
        AcledReader,
        frozenset(
            norm(c)
            for c in (
                "event_id_cnty",
                "event_id_no_cnty",
                "time_precision",
                "disorder_type",
                "sub_event_type",
                "actor1",
                "assoc_actor_1",
                "inter1",
                "actor2",
                "assoc_actor_2",
                "inter2",
                "interaction",
                "civilian_targeting",
                "iso",
                "admin1",
                "admin2",
                "admin3",
                "geo_precision",
                "source_scale",
                "fatalities",
                "timestamp",
                "iso3",
                "tags",
            )
        ),  # fmt: skip
        (("event_date",),),
    ),
    Format(
        "gtd",
        GtdReader.label,
        GtdReader,
        frozenset(
            norm(c)
            for c in (
                "eventid",
                "iyear",
                "imonth",
                "iday",
                "approxdate",
                "extended",
                "resolution",
                "country_txt",
                "region",
                "region_txt",
                "provstate",
                "specificity",
                "vicinity",
                "crit1",
                "crit2",
                "crit3",
                "doubtterr",
                "multiple",
                "success",
                "attacktype1",
                "attacktype1_txt",
                "targtype1",
                "targtype1_txt",
                "targsubtype1_txt",
                "corp1",
                "target1",
                "natlty1_txt",
                "gname",
                "gname2",
                "gname3",
                "guncertain1",
                "claimed",
                "claimmode_txt",
                "weaptype1_txt",
                "weapsubtype1_txt",
                "nkill",
                "nkillus",
                "nkillter",
                "nwound",
                "nwoundus",
                "nwoundte",
                "property",
                "ishostkid",
                "scite1",
                "scite2",
                "scite3",
                "dbsource",
                "individual",
                "related",
                "nperps",
                "motive",
            )
        ),  # fmt: skip
        (("iyear",),),
    ),
    Format(
        "ucdp",
        UcdpReader.label,
        UcdpReader,
        frozenset(
            norm(c)
            for c in (
                "relid",
                "active_year",
                "code_status",
                "type_of_violence",
                "conflict_dset_id",
                "conflict_new_id",
                "conflict_name",
                "dyad_dset_id",
                "dyad_new_id",
                "dyad_name",
                "side_a_dset_id",
                "side_a_new_id",
                "side_a",
                "side_b_dset_id",
                "side_b_new_id",
                "side_b",
                "number_of_sources",
                "source_article",
                "source_office",
                "source_date",
                "source_headline",
                "source_original",
                "where_prec",
                "where_coordinates",
                "where_description",
                "adm_1",
                "adm_2",
                "geom_wkt",
                "priogrid_gid",
                "event_clarity",
                "date_prec",
                "date_start",
                "date_end",
                "deaths_a",
                "deaths_b",
                "deaths_civilians",
                "deaths_unknown",
                "best",
                "high",
                "low",
                "gwnoa",
                "gwnob",
            )
        ),  # fmt: skip
        (("date_start", "year"),),
    ),
    Format(
        "pbc",
        PbcReader.label,
        PbcReader,
        frozenset(
            norm(c)
            for c in (
                "S#",
                "Islamic Date",
                "Blast Day Type",
                "Holiday Type",
                "Location Category",
                "Location Sensitivity",
                "Open/Closed Space",
                "Influencing Event/Event",
                "Target Type",
                "Targeted Sect if any",
                "Killed Min",
                "Killed Max",
                "Injured Min",
                "Injured Max",
                "No. of Suicide Blasts",
                "Explosive Weight (max)",
                "Hospital Names",
                "Temperature(C)",
                "Temperature(F)",
            )
        ),  # fmt: skip
        (("Date",),),
    ),
)

BY_NAME = {f.name: f for f in FORMATS}
FORMAT_NAMES = tuple(BY_NAME)


@dataclass
class Detection:
    """Which format a header is, and how sure that is.

    Attributes
    ----------
    format : str
        A name of :data:`FORMATS`, or ``mapped`` for a saved column mapping.
    label : str
        The name shown to the analyst.
    matched : list of str
        The header's columns that are part of the format's signature.
    score : float
        Share of the signature found (0..1).
    unused : list of str
        The header's columns the reader does not use.
    mapping : ColumnMapping or None
        The saved mapping, for ``mapped``.
    """

    format: str
    label: str
    matched: list[str] = field(default_factory=list)
    score: float = 1.0
    unused: list[str] = field(default_factory=list)
    mapping: ColumnMapping | None = None

    def reader(self, file_name: str, groups) -> Reader:
        """Return the reader for this format."""
        if self.format == "mapped":
            return MappedReader(file_name, groups, mapping=self.mapping)
        return BY_NAME[self.format].reader(file_name, groups)


def _missing_required(fmt: Format, names: set[str]) -> list[str]:
    return [
        alternatives[0]
        for alternatives in fmt.required
        if not any(norm(a) in names for a in alternatives)
    ]


def _unused(fmt: Format, header: list[str]) -> list[str]:
    reader = fmt.reader
    used = {norm(c) for c in (*reader.columns.values(), *reader.also_reads)}
    return [column for column in header if norm(column) not in used]


def score(header: list[str]) -> list[tuple[Format, list[str], float]]:
    """Score a header against every format, best first: (format, matched columns, share)."""
    names = {norm(column): column for column in header}
    scored = []
    for fmt in FORMATS:
        matched = [names[n] for n in fmt.signature if n in names]
        scored.append((fmt, sorted(matched), len(matched) / len(fmt.signature)))
    scored.sort(key=lambda item: (len(item[1]), item[2]), reverse=True)
    return scored


def detect(
    header: list[str],
    forced: str | None = None,
    mapping: ColumnMapping | None = None,
    mappings_dir=None,
) -> Detection:
    """Recognise a header's format.

    Parameters
    ----------
    header : list of str
    forced : str, optional
        A format name to use instead of detecting (``--format gtd``); its
        required columns must still be there. ``auto`` or None detects.
    mapping : ColumnMapping, optional
        Read the file with this mapping.
    mappings_dir : Path, optional
        Where saved mappings are looked for.

    Raises
    ------
    ImportRefused
        When no format fits, or the forced one lacks a required column.
    """
    if mapping is not None:
        return Detection(
            "mapped",
            f"Column mapping: {mapping.name}",
            sorted(mapping.columns.values()),
            1.0,
            [],
            mapping,
        )
    names = {norm(column) for column in header}
    if forced and forced != "auto":
        if forced not in BY_NAME:
            raise ImportRefused(
                f"There is no format {forced!r}.", f"Use one of: auto, {', '.join(FORMAT_NAMES)}."
            )
        fmt = BY_NAME[forced]
        missing = _missing_required(fmt, names)
        if missing:
            raise ImportRefused(
                f"The file was said to be {fmt.label} but has no {', '.join(missing)} column.",
                "Check the file, or let the format be detected (--format auto).",
            )
        matched = sorted(c for c in header if norm(c) in fmt.signature)
        return Detection(
            fmt.name, fmt.label, matched, len(matched) / len(fmt.signature), _unused(fmt, header)
        )
    near_miss = None
    for fmt, matched, share in score(header):
        if len(matched) < MIN_SIGNATURE:
            break
        missing = _missing_required(fmt, names)
        if not missing:
            return Detection(fmt.name, fmt.label, matched, share, _unused(fmt, header))
        near_miss = near_miss or (fmt, matched, missing)
    saved = find_mapping(header, mappings_dir)
    if saved:
        return detect(header, mapping=saved)
    if near_miss:
        fmt, matched, missing = near_miss
        raise ImportRefused(
            f"The file looks like a {fmt.label} export ({len(matched)} of its columns, e.g. "
            f"{', '.join(matched[:4])}) but has no {', '.join(missing)} column.",
            f"Export it again with the {', '.join(missing)} column, or map its columns on the "
            "upload page.",
            header=header,
        )
    raise ImportRefused(
        f"The file's columns ({', '.join(header[:8])}{', ...' if len(header) > 8 else ''}) match "
        "no known format (footprint template, ACLED, GTD, UCDP GED, Pakistan Body Count).",
        "Download the template from the upload page and copy your data into it, or map your "
        "columns onto ours on the upload page.",
        header=header,
    )
