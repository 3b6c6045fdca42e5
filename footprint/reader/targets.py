"""Who or what an event was aimed at: a target type from keyword lexicons, and a short target text.

The lexicons are data (``TARGET_WORDS``, first match wins, in order of
specificity): a Bohra shop is ``religious_minority``, not ``business``; a
Shia procession is ``sectarian``; police words beat the general public.
Matching ignores case except inside ``(?-i:...)``: acronyms (``SHO``,
``ASI``...) count only in capitals, and military words only as written
("Army" in "Balochistan Liberation Army" is not a target).
"""

from __future__ import annotations

import re

TARGET_WORDS: tuple[tuple[str, str], ...] = (
    ("religious_minority", r"ismailis?|bohras?|bohri|ahmadis?|christians?|hindus?|church(?:es)?|temples?|sikhs?|minorit(?:y|ies)"),
    ("sectarian", r"shi['’`]?(?:a|ite)s?|imambargahs?|ashura|muharram|procession|shrines?|hazaras?|clerics?|mufti|scholars?|sectarian leaders?|majlis"),
    ("police", r"police(?:man|men|woman)?|constables?|sub-?inspectors?|inspectors?|(?-i:SHO|ASI|CTD)|cadets?|police station|police academy|traffic wardens?"),
    # in lower case (or as the services' names) only: "Army" is also in group names
    ("military", r"(?-i:soldiers?|rangers|Rangers|army|troops|Frontier Corps|FC|navy|Navy|naval|dockyard|air force|military|paramilitary|security forces|cantonment)"),
    ("media", r"journalists?|reporters?|press club|media|cameram[ae]n|newspapers?|tv channel"),
    ("political", r"politicians?|party office|rally|convoy|(?-i:MNA|MPA)|minister|election|candidate|leader of the \w+ party"),
    ("foreigners", r"foreign(?:ers?| nationals?| residents?)|american|chinese|british|afghan and uzbek|uzbeks?|tourists?"),
    ("education", r"schools?|universit(?:y|ies)|college|students?|teachers?|professor"),
    ("government", r"officials?|government offices?|courts?|judges?|magistrate|bureaucrats?|district administration"),
    ("infrastructure", r"pipelines?|power (?:pylons?|lines?|station)|railway|trains?|bridges?|gas lines?|towers?|transmission"),
    ("business", r"shops?|markets?|traders?|factor(?:y|ies)|businessm[ae]n|banks?|shopkeepers?|hotels?|restaurants?|trucks?|tankers?"),
    ("civilians", r"lawyers?|passengers?|civilians?|worshippers|people|residents|bus|commuters|doctors|patients|hospital|children|women"),
    ("militants", r"militants?|suspects?|terrorists?|insurgents?|commanders?"),
)  # fmt: skip
_TARGETS = [(kind, re.compile(rf"\b(?:{words})\b", re.I)) for kind, words in TARGET_WORDS]
#: The words before a target word that belong to its phrase ("a Rangers patrol van").
_NP = re.compile(r"(?:\b(?:a|an|the|two|three|four|five|\d+)\s+)?(?:[\w'’-]+\s+){0,3}$", re.I)
#: The people an arrest can hold, as target types.
ARREST_TARGETS = ("foreigners", "militants")


def target_type(text: str, event_type: str) -> tuple[str | None, str | None, float]:
    """Return (target_type, target text, confidence) for an event's clause.

    ``militant_presence`` has no target; an arrest's target is ``militants``
    unless the people held are foreigners; an attack whose clause names no
    target is ``unknown``.
    """
    if event_type == "militant_presence":
        return None, None, 0.9
    for kind, pattern in _TARGETS:
        if event_type == "arrest" and kind not in ARREST_TARGETS:
            continue
        match = pattern.search(text)
        if match:
            head = _NP.search(text[: match.start()])
            phrase = text[head.start() if head else match.start() : match.end()].strip()
            return kind, phrase[:80], 0.6
    if event_type == "arrest":
        return "militants", None, 0.6
    return ("unknown", None, 0.4) if event_type == "attack" else (None, None, 0.3)
