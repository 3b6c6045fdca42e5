"""Places in a clause, through the gazetteer geocoder: the most specific place wins.

The geocoder reads the whole clause ("near Rimpa Plaza on MA Jinnah Road")
and ranks every place it names; the finest coherent one is the event's place.
The article's dateline or main city is the context. A clause that names only
a place outside Karachi and Balochistan (``ELSEWHERE``) reports an event the
atlas does not code.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

#: Places outside the atlas: an event there is not coded.
ELSEWHERE = re.compile(
    r"\b(?:Iraq|Syria|Yemen|Afghanistan|Kabul|Kandahar|Helmand|Punjab|Lahore|Islamabad|Rawalpindi|"
    r"Raiwind|Peshawar|Swat|Waziristan|North Waziristan|FATA|tribal (?:areas|regions?)|Khyber|India|"
    r"Mumbai|Kashmir|Middle East|Uzbekistan|Iran|Multan|Faisalabad|Hyderabad|Sukkur|upper Sindh)\b"
)
#: Kinds finer than a city, finest first (the codebook's precision order).
FINE_KINDS = ("landmark", "neighbourhood", "town")
PRECISION_OF_KIND = {"landmark": "site", "neighbourhood": "neighbourhood", "town": "town",
                     "district": "district", "city": "city", "province": "province"}  # fmt: skip


#: Lowest geocoder score (0-1) a fuzzy match in running text must reach.
FUZZY_MIN = 0.95


@dataclass(frozen=True)
class PlaceMention:
    """A place an event happened at, as the geocoder resolved it."""

    location_text: str
    place_id: str
    name: str
    kind: str
    latitude: float
    longitude: float
    city: str | None
    province: str | None
    confidence: float

    @property
    def fine(self) -> bool:
        """True for a place finer than a city (a site, neighbourhood or town)."""
        return self.kind in FINE_KINDS

    @property
    def precision(self) -> str:
        """The codebook's geo precision of the place."""
        return PRECISION_OF_KIND.get(self.kind, "city")


def main_city(text: str, geocoder, dateline: str | None = None) -> str | None:
    """Return the dateline city, else the gazetteer city the text names most often."""
    if dateline:
        result = geocoder.geocode(dateline)
        if result.resolved and result.kind == "city":
            return result.name
    cities = [p.name for p in geocoder.gazetteer.places if p.kind == "city"]
    counts = Counter()
    for name in cities:
        hits = len(re.findall(rf"\b{re.escape(name)}\b", text))
        if hits:
            counts[name] = hits
    return counts.most_common(1)[0][0] if counts else None


def _mention(result, confidence: float) -> PlaceMention:
    return PlaceMention(
        location_text=result.matched_alias or result.name,
        place_id=result.place_id,
        name=result.name,
        kind=result.kind,
        latitude=result.latitude,
        longitude=result.longitude,
        city=result.city or (result.name if result.kind == "city" else None),
        province=result.province,
        confidence=confidence,
    )


def find_place(clause: str, geocoder, context: str | None) -> PlaceMention | None:
    """Return the most specific place of a clause, or None when it names none."""
    result = geocoder.geocode(clause, context=context)
    if not result.resolved or result.latitude is None:
        return None
    score = (result.score or 0) / 100
    if result.kind in FINE_KINDS and score < 0.88:
        return None
    if result.method == "fuzzy" and score < FUZZY_MIN:
        # a loose spelling match inside running text is more often a common word
        # ("the metropolis") than a place
        return None
    confidence = 0.8 * score if result.kind in FINE_KINDS else 0.5 * score
    return _mention(result, confidence)


def find_places(clause: str, geocoder, context: str | None) -> list[PlaceMention]:
    """Return every distinct place finer than a city in a clause ("Quid Abad, Sohrab Goth and Kiamaree")."""
    found: list[PlaceMention] = []
    parts = [p for p in re.split(r",|\band\b|\bor\b|;", clause) if p.strip()]
    for part in parts:
        place = find_place(part, geocoder, context)
        if place and place.fine and all(p.place_id != place.place_id for p in found):
            found.append(place)
    return found


def names_elsewhere(clause: str) -> bool:
    """True when the clause names a place outside Karachi and Balochistan."""
    return bool(ELSEWHERE.search(clause))
