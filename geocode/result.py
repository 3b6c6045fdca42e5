"""Stage 5: the geocoder's answer, :class:`GeocodeResult`, and how precision is decided.

Precision (``geo_precision``, one of :data:`footprint.data.schema.GEO_PRECISIONS`)
follows the matched place's kind:

=================  ================
kind               geo_precision
=================  ================
landmark           site
landmark (road)    neighbourhood
neighbourhood      neighbourhood
town               town
district           district
city               city
province           province
=================  ================

A road (subkind ``road``, ``highway``, ``street``, ``avenue``, ``railway``) is
a line several kilometres long whose gazetteer point is only a midpoint, so a
match on a road alone is worth no more than a neighbourhood, and its
``neighbourhood`` field is left empty rather than guessed. For a site-like
landmark, ``neighbourhood`` is the nearest gazetteer neighbourhood within
1.5 km in the same city (empty when there is none).

A place whose coordinate is known only to a coarser level than its kind is
worth no more than that level: the name matched, but the point is not the
site. ``coord_source`` says so: ``..._low`` (a rough position, possibly 1-3 km
off) and ``..._neighbourhood_level`` (placed at its neighbourhood) give at most
``neighbourhood``; ``..._city_level`` gives ``city``.

Text that matches nothing gives ``resolved=False``, no coordinates and no
precision: never a silent city centre. So does text whose every match
contradicts the caller's context (``"Saddar"`` with the context *Quetta* when
the gazetteer knows only Karachi's Saddar), and text that names a place
outside the gazetteer's area and none of its cities, districts or provinces
(``"Gulberg, Lahore"``); the places it did match are then listed in
``candidates``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from footprint.data.schema import GEO_PRECISION_RANK
from geocode.gazetteer import Gazetteer, Place
from geocode.rank import Ranked

#: How many other candidates a result keeps.
MAX_CANDIDATES = 5
#: The radius within which a landmark's neighbourhood is looked for, in km.
LANDMARK_NEIGHBOURHOOD_KM = 1.5

#: coord_source suffixes that say a coordinate is only good to a coarser level.
_COORDINATE_LEVELS = {
    "_low": "neighbourhood",
    "_neighbourhood_level": "neighbourhood",
    "_city_level": "city",
}

_PRECISION = {
    "landmark": "site",
    "neighbourhood": "neighbourhood",
    "town": "town",
    "district": "district",
    "city": "city",
    "province": "province",
}


def precision_of(place: Place) -> str:
    """Return the ``geo_precision`` a match on ``place`` is worth (see the module table)."""
    precision = "neighbourhood" if place.is_linear else _PRECISION[place.kind]
    for suffix, cap in _COORDINATE_LEVELS.items():
        if place.coord_source.endswith(suffix):
            return max(precision, cap, key=GEO_PRECISION_RANK.__getitem__)
    return precision


@dataclass(frozen=True)
class CandidateSummary:
    """A short description of a candidate the ranking did not choose."""

    place_id: str
    name: str
    kind: str
    method: str
    score: float
    city: str
    district: str

    def to_dict(self) -> dict:
        """Return the summary as a plain dict."""
        return asdict(self)


@dataclass(frozen=True)
class GeocodeResult:
    """The geocoder's answer for one text.

    Attributes
    ----------
    query : str
        The text as given.
    resolved : bool
        False when nothing matched; then every other field is empty/None.
    place_id, name : str or None
        The matched gazetteer place and its name.
    matched_alias : str or None
        The name or alias, as written in the gazetteer, that matched.
    method : str or None
        ``exact``, ``alias`` or ``fuzzy``.
    score : float or None
        0-100: the match similarity, lowered when the context or other places
        in the text contradict it, or another place fits equally well.
    latitude, longitude : float or None
    geo_precision : str or None
        See the module docstring.
    kind, subkind : str or None
    neighbourhood, town, district, city, province : str or None
        The place's hierarchy; a level the gazetteer does not give is None.
    candidates : tuple of CandidateSummary
        The runners-up, best first (at most :data:`MAX_CANDIDATES`).
    """

    query: str
    resolved: bool = False
    place_id: str | None = None
    name: str | None = None
    matched_alias: str | None = None
    method: str | None = None
    score: float | None = None
    latitude: float | None = None
    longitude: float | None = None
    geo_precision: str | None = None
    kind: str | None = None
    subkind: str | None = None
    neighbourhood: str | None = None
    town: str | None = None
    district: str | None = None
    city: str | None = None
    province: str | None = None
    candidates: tuple[CandidateSummary, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        """Return the result as a JSON-ready dict (candidates as a list of dicts)."""
        out = {
            name: getattr(self, name) for name in self.__dataclass_fields__ if name != "candidates"
        }
        out["candidates"] = [c.to_dict() for c in self.candidates]
        return out


def unresolved(query: str, candidates: tuple[CandidateSummary, ...] = ()) -> GeocodeResult:
    """Return the result for text that matched nothing."""
    return GeocodeResult(query=query, resolved=False, candidates=candidates)


#: Kinds that anchor a text inside the gazetteer's area against an ``elsewhere`` name.
AREA_KINDS: tuple[str, ...] = ("city", "district", "province")


def build_result(
    query: str, ranked: list[Ranked], gazetteer: Gazetteer, elsewhere: tuple[str, ...] = ()
) -> GeocodeResult:
    """Turn ranked candidates into a :class:`GeocodeResult`.

    Parameters
    ----------
    query : str
    ranked : list of Ranked
        From :func:`geocode.rank.rank`, best first.
    gazetteer : Gazetteer
    elsewhere : tuple of str
        Names of places outside the gazetteer's area found in the text.

    Returns
    -------
    GeocodeResult
        Unresolved when nothing matched, when every candidate contradicts the
        caller's context, or when the text names a place outside the area
        (``"Gulberg, Lahore"``) and no city, district or province of the
        gazetteer; the matches are then listed in ``candidates``.
    """
    if not ranked:
        return unresolved(query)
    best = ranked[0]
    if not best.context_ok:
        # Every candidate contradicts the caller's context: say so, don't guess.
        return unresolved(query, _summaries(ranked, set()))
    if elsewhere and not any(r.candidate.place.kind in AREA_KINDS for r in ranked):
        # "Gulberg, Lahore": about a place the gazetteer does not cover.
        return unresolved(query, _summaries(ranked, set()))
    place = best.candidate.place
    hierarchy = place.hierarchy()
    others = _summaries(ranked[1:], {place.place_id})
    neighbourhood = gazetteer.neighbourhood_of(place, LANDMARK_NEIGHBOURHOOD_KM)
    precision = precision_of(place)
    if GEO_PRECISION_RANK[precision] >= GEO_PRECISION_RANK["city"]:
        # A point known only to the city must not claim a town or neighbourhood.
        neighbourhood = None
        hierarchy = {
            **hierarchy,
            "town": "",
            "district": hierarchy["district"] if place.kind != "landmark" else "",
        }
    return GeocodeResult(
        query=query,
        resolved=True,
        place_id=place.place_id,
        name=place.name,
        matched_alias=best.candidate.written,
        method=best.candidate.method,
        score=best.score,
        latitude=place.latitude,
        longitude=place.longitude,
        geo_precision=precision,
        kind=place.kind,
        subkind=place.subkind or None,
        neighbourhood=neighbourhood or None,
        town=hierarchy["town"] or None,
        district=hierarchy["district"] or None,
        city=hierarchy["city"] or None,
        province=hierarchy["province"] or None,
        candidates=tuple(others),
    )


def _summaries(ranked: list[Ranked], seen: set[str]) -> tuple[CandidateSummary, ...]:
    others = []
    for item in ranked:
        other = item.candidate.place
        if other.place_id in seen:
            continue
        seen.add(other.place_id)
        others.append(
            CandidateSummary(
                place_id=other.place_id,
                name=other.name,
                kind=other.kind,
                method=item.candidate.method,
                score=item.score,
                city=other.hierarchy()["city"],
                district=other.hierarchy()["district"],
            )
        )
        if len(others) >= MAX_CANDIDATES:
            break
    return tuple(others)
