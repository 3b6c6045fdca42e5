"""Casualties as ranges, killed apart from injured, from digits and number words.

Rules (the codebook's table, generalised):

======================================  ======  ======
text                                    min     max
======================================  ======  ======
"killing 45", "45 people were killed"   45      45
"more than 30", "over 30"               31      empty
"at least 12", "no fewer than 12"       12      empty
"nearly 200", "almost 200", "up to 9"   empty   200 (9)
"about 40", "around 40", "some 40"      40      40 (lower confidence)
"30 to 35", "30-35"                     30      35
"a head constable was killed"           1       1
"a constable and a driver were hurt"    2       2
"two soldiers", "another"               2 / 1   2 / 1
======================================  ======  ======

A count of two or more separate events together ("two bombings that together
killed nearly 200") is not given to either event: both get no figure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from footprint.reader.numbers import NUMBER, ONE_WORDS, parse_number

KILLED_VERBS = (
    r"(?:were|was|been|are|is)?\s*(?:killed|shot dead|gunned down|slain|murdered|dead|died|"
    r"lost (?:their|his|her) lives?|martyred|beheaded|perished)"
)
INJURED_VERBS = r"(?:were|was|been|are|is)?\s*(?:injured|wounded|hurt|maimed)"
KILLING = (
    r"(?:killing|killed|shot dead|shot and killed|gunned down|murdered|leaving|left|"
    r"claiming the lives of|a death toll of|death toll (?:rose )?to)"
)
INJURING = r"(?:injuring|wounding|hurting|injured|wounded)"

_MODIFIER = (
    r"(?P<mod>more than|over|at least|no fewer than|no less than|nearly|almost|close to|"
    r"up to|about|around|some|approximately|roughly|as many as)?\s*"
)
_RANGE = rf"(?P<n>{NUMBER})(?:\s*(?:to|-|–|or)\s*(?P<n2>{NUMBER}))?"
#: Words between a number and its verb ("45 members of the Ismaili community were killed").
_GAP = r"(?:[\w'’\-]+\s+){0,7}?"
_PERSON_NP = rf"(?P<np>(?:\b(?:{'|'.join(ONE_WORDS)})\s+(?:[\w\-]+\s+){{0,3}}?[\w\-]+)(?:\s*(?:,|and)\s*(?:\b(?:a|an|another|one)\s+(?:[\w\-]+\s+){{0,3}}?[\w\-]+))*)"
_TOGETHER = re.compile(
    r"\btogether\b|\bcombined\b|\bin (?:the )?(?:two|three|four|both) (?:attacks|bombings|blasts)",
    re.I,
)


@dataclass(frozen=True)
class Count:
    """A casualty range read from text."""

    low: int | None
    high: int | None
    confidence: float
    phrase: str


def _range(match: re.Match) -> Count | None:
    number = parse_number(match.group("n"))
    if number is None:
        return None
    second = match.group("n2")
    modifier = (match.group("mod") or "").lower()
    if second and parse_number(second):
        return Count(number, parse_number(second), 0.85, match.group(0))
    if modifier in ("more than", "over"):
        return Count(number + 1, None, 0.85, match.group(0))
    if modifier in ("at least", "no fewer than", "no less than", "as many as"):
        return Count(number, None, 0.85, match.group(0))
    if modifier in ("nearly", "almost", "close to", "up to"):
        return Count(None, number, 0.6, match.group(0))
    if modifier in ("about", "around", "some", "approximately", "roughly"):
        return Count(number, number, 0.5, match.group(0))
    return Count(number, number, 0.9, match.group(0))


def _people_in(np_text: str) -> int:
    """Count people in "a head constable and a constable" (one per determiner)."""
    return len(re.findall(rf"\b(?:{'|'.join(ONE_WORDS)})\b", np_text, re.I))


def _find(text: str, verbs: str, participle: str) -> Count | None:
    text = re.sub(rf"\bbetween\s+({NUMBER})\s+and\s+({NUMBER})\b", r"\1 to \2", text, flags=re.I)
    # "killing 45 members", "left more than 30 people dead"
    match = re.search(rf"\b{participle}\s+{_MODIFIER}{_RANGE}\b", text, re.I)
    if match:
        return _range(match)
    # "45 people were killed", "at least 12 others were hurt", "two died"
    match = re.search(rf"{_MODIFIER}{_RANGE}\s+{_GAP}{verbs}\b", text, re.I)
    if match:
        return _range(match)
    # "a head constable was killed", "an ASI and a head constable were shot dead"
    match = re.search(rf"{_PERSON_NP}\s+{verbs}\b", text, re.I)
    if not match:
        match = re.search(
            rf"(?P<np>\b[A-Z][a-z]+(?: [A-Z][a-z]+)+)(?:,[^,]{{3,120}},)?\s+{verbs}\b", text
        )
        if match and _people_in(match.group("np")) == 0:
            return Count(1, 1, 0.6, match.group(0))
    if match:
        return Count(
            _people_in(match.group("np")), _people_in(match.group("np")), 0.7, match.group(0)
        )
    # "killing two soldiers and injuring another"
    match = re.search(rf"\b{participle}\s+(?P<np>another|an?\s+[\w\-]+)", text, re.I)
    if match:
        return Count(1, 1, 0.6, match.group(0))
    return None


def _split(text: str) -> tuple[str, str]:
    """Split a clause after its killed words, so killed and injured each read their own part."""
    verb = re.search(rf"\b(?:{KILLED_VERBS}|{KILLING})\b", text, re.I)
    hurt = re.search(r"\b(?:injur|wound|hurt|maim)", text, re.I)
    if not hurt:
        return text, ""
    if not verb or verb.start() > hurt.start():
        # "injuring four and killing two": the injured come first
        return text[hurt.start() :] if verb else "", text[: verb.start()] if verb else text
    match = re.search(r"\b(?:and|while|with)\b|[,;]", text[verb.end() :], re.I)
    cut = verb.end() + (match.start() if match else 0)
    return text[:cut], text[cut:]


def killed(text: str) -> Count | None:
    """Return the dead in ``text`` as a :class:`Count`, or None when it gives none."""
    if _TOGETHER.search(text):
        return None
    first, _ = _split(text)
    return _find(first or text, KILLED_VERBS, KILLING)


def injured(text: str) -> Count | None:
    """Return the injured in ``text`` as a :class:`Count`, or None when it gives none."""
    if _TOGETHER.search(text):
        return None
    _, rest = _split(text)
    return _find(rest or text, INJURED_VERBS, INJURING)
