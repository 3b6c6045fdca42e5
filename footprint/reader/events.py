"""Event words: what kind of event a clause reports, and whether it reports one at all.

Each rule is a regular expression over a clause and gives an event type, an
attack type and the ``suicide`` flag (``EVENT_RULES``, most specific first).
A trigger does not make an event when its clause is

- **negated or denied** ("no blast took place", "police denied that ..."),
- **an accident** ("the blast was caused by a gas leak", "ruling out
  terrorism"; :func:`is_accident`),
- **a threat or a plan** ("vowed to attack", "will target", "plans to",
  "threatened to"), quoted or not,
- **a generic statement** ("attacks on minorities", "a wave of targeted
  killings"): plural attack words with no count, article or date
  (:func:`is_generic`),
- **a statistic** ("attacks fell by 30 percent last year", "fewer bombings
  than in any year since 2008"), even with a date (:func:`is_statistic`), or
- **an aggregate** ("in two attacks"): a count of several events, kept as
  context for the events it sums up (:func:`is_aggregate`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Trigger:
    """An event word in a clause."""

    event_type: str
    attack_type: str | None
    suicide: bool | None
    phrase: str
    position: int
    confidence: float
    definite: bool  # "the attack": may refer back to an event already read


#: (pattern, event_type, attack_type, suicide, confidence); the first that matches wins.
EVENT_RULES: tuple[tuple[str, str, str | None, bool | None, float], ...] = (
    (
        r"\bsuicide (?:bomb(?:er|ing|s)?|attack(?:er|s)?|blast|bombers?|car bomb)\b|\bblew (?:himself|herself|themselves) up\b|\bsuicide jacket (?:exploded|detonated)",
        "attack",
        "suicide_bombing",
        True,
        0.85,
    ),
    (r"\bhijack(?:ed|ing|ers?)?\b", "attack", "hijacking", False, 0.8),
    (
        r"\b(?:abduct(?:ed|ion|ing)?|kidnap(?:ped|ping|pers)?|taken hostage|seized and killed)\b",
        "attack",
        "kidnapping",
        False,
        0.8,
    ),
    (
        r"\b(?:assassinat(?:ed|ion|e)|targeted killing of|assassination attempt)\b",
        "attack",
        "assassination",
        None,
        0.8,
    ),
    (
        r"\b(?:attack(?:ed|s)?|assault(?:ed)?|stormed|raid(?:ed)?) (?:on )?(?:the |a )?(?:[\w'’-]+ ){0,4}(?:base|dockyard|airport|air base|academy|training (?:centre|college)|police lines|camp|cantonment|check ?post|installation|headquarters|jail|prison|naval station)\b"
        r"|\b(?:base|dockyard|airport|airbase|academy|cantonment|check ?post|jail|prison) (?:attack|assault|raid|siege)\b",
        "attack",
        "facility_attack",
        None,
        0.75,
    ),
    (
        r"\b(?:motorcycle|car|roadside|time|remote[- ]controlled|parcel|planted|improvised) bomb\b|\b(?:bomb|bombs|bombing|bombings|blast|blasts|explosion|IED|grenade attack|explosive device)\b|\bwent off\b|\bexploded\b|\bdetonated\b"
        r"|\b(?:hurl(?:ed|ing)?|lobb(?:ed|ing)|thr(?:ew|own|owing)|toss(?:ed|ing)?)\s+(?:an?\s+|two\s+|three\s+)?(?:hand\s+)?grenades?\b"
        r"|\bgrenades?\s+(?:was|were)\s+(?:hurled|lobbed|thrown|tossed)\b",
        "attack",
        "bombing",
        False,
        0.75,
    ),
    (
        r"\b(?:gunmen|gunman|armed men|armed assailants|assailants|shooters?)\b|\bshot (?:dead|at|and killed)\b|\bgunned down\b|\bopened fire\b|\bshooting\b|\bfiring\b|\bshot\b|\bstormed\b|\bmachine guns?\b",
        "attack",
        "armed_assault",
        False,
        0.75,
    ),
    (
        r"\b(?:attack(?:ed|s)?|massacre|slaughter|carnage|killings?|murder(?:ed)?|strike|onslaught|ambush(?:ed)?)\b|\b(?:was|were) (?:killed|beheaded|murdered|martyred)\b",
        "attack",
        "unknown",
        None,
        0.6,
    ),
    (
        r"\b(?:arrest(?:ed|s|ing)?|detain(?:ed|s)?|apprehend(?:ed)?|nabbed|taken into custody|rounded up|captured|held (?:a|two|three|several|\d+) suspects?)\b",
        "arrest",
        None,
        None,
        0.8,
    ),
    (
        r"\b(?:hideouts?|hide-outs?|safe ?havens?|sanctuar(?:y|ies)|refuges?|(?:were|was|are|is|been) hiding|(?:have |has )?(?:taken|took|take) refuge|took shelter|seek shelter|bases? in|stronghold|(?:shifted|moved|relocated) (?:his|her|its|their) (?:base|bases|headquarters|hideouts?)|graffiti|(?:been )?working in|operating (?:in|from)|suspected of having links|known for helping|bastions?|(?:are|were|is) (?:based|located) in|safe location)\b",
        "militant_presence",
        None,
        None,
        0.65,
    ),
    (
        r"\b(?:threatening (?:calls?|letters?)|received (?:a )?(?:threat|threats|phone-?calls?) from|warned (?:me|him|them|us|the \w+) of attacks|extortion (?:calls?|letters?))\b",
        "other",
        None,
        None,
        0.6,
    ),
)
_RULES = [(re.compile(p, re.I), t, a, s, c) for p, t, a, s, c in EVENT_RULES]

NEGATION = re.compile(
    r"\b(?:no|not|never|neither|nor|denied|deny|denies|false|hoax|rumou?rs?|foiled|thwarted|averted|"
    r"defused|failed to (?:explode|go off)|did not|didn't|was not|were not|there was no)\b",
    re.I,
)
#: Words that make a clause a threat, plan or hypothesis, not a report of something done.
IRREALIS = re.compile(
    r"\b(?:will|would|shall|vow(?:ed|s)?|threaten(?:ed|s)? to|plan(?:s|ned|ning)? to|plot(?:ted|ting)? to|"
    r"intend(?:s|ed)? to|warn(?:ed|s)? (?:that|of (?:more|further|new|fresh))|could|might|if|unless|fears? of|"
    r"possibility of|capable of|aim(?:s|ing|ed)? to|seek(?:s|ing)? to|can['’]t carry out|cannot carry out|"
    r"unlikely|risk of|continue to|in search of|raising fears)\b",
    re.I,
)
_AGGREGATE = re.compile(
    r"\b(?:in|of|carried out|during)\s+(?:the\s+)?(?:two|three|four|five|several|a series of|a string of|a wave of|multiple|\d+)\s+(?:[\w-]+\s+)?(?:attacks|bombings|blasts|incidents|shootings)\b|\bwave of\b|\bseries of\b|\btogether\b",
    re.I,
)
_GENERIC = re.compile(
    r"\b(?:attacks|bombings|blasts|killings|incidents|kidnappings?|robberies|violence|activities|disruptions)\b",
    re.I,
)
_SPECIFIC = re.compile(
    r"\b(?:a|an|one|the|this|that|its|last|first|latest|deadliest)\s+(?:[\w'’-]+\s+){0,4}?(?:attack|bombing|blast|massacre|slaughter|carnage|explosion|assault|shooting|killing|raid)\b",
    re.I,
)


def find_triggers(clause: str) -> list[Trigger]:
    """Return the event words of a clause, one per event type found (most specific rule first)."""
    found: dict[str, Trigger] = {}
    for pattern, event_type, attack_type, suicide, confidence in _RULES:
        match = pattern.search(clause)
        if not match or event_type in found:
            continue
        before = clause[max(0, match.start() - 12) : match.start()].lower()
        definite = bool(
            re.search(r"\b(?:the|these|this|that|those)\s+(?:[\w'’-]+\s+){0,2}$", before)
        )
        found[event_type] = Trigger(
            event_type, attack_type, suicide, match.group(0), match.start(), confidence, definite
        )
    return sorted(found.values(), key=lambda t: t.position)


#: An explosion the text puts down to an accident: "was caused by a gas leak", "ruling out
#: terrorism", "not an act of terrorism".
_ACCIDENT = re.compile(
    r"\b(?:caused by|due to|because of|blamed on|result of)\s+(?:an?\s+)?(?:[\w-]+\s+){0,2}?"
    r"(?:gas\s+(?:leak|leakage|cylinder)|cylinder|short[- ]circuit|boiler|transformer|accident)\b|"
    r"\brul(?:ed|ing)\s+out\s+(?:any\s+)?(?:terrorism|sabotage|an?\s+(?:terrorist\s+)?attack)\b|"
    r"\bnot\s+an?\s+(?:act\s+of\s+terrorism|terrorist\s+attack|attack)\b",
    re.I,
)


def is_accident(clause: str) -> bool:
    """True when the clause puts an explosion down to an accident ("caused by a gas leak")."""
    return bool(_ACCIDENT.search(clause))


def is_negated(clause: str, trigger: Trigger) -> bool:
    """True when the words just before or around the trigger deny or negate it."""
    window = clause[max(0, trigger.position - 60) : trigger.position + len(trigger.phrase) + 25]
    return bool(NEGATION.search(window))


def is_irrealis(clause: str, trigger: Trigger) -> bool:
    """True when the trigger is a threat, plan or hypothesis ("vowed to attack", "will target")."""
    window = clause[max(0, trigger.position - 70) : trigger.position + len(trigger.phrase)]
    return bool(IRREALIS.search(window))


def is_aggregate(clause: str) -> bool:
    """True when the clause sums up several events ("in two brazen attacks")."""
    return bool(_AGGREGATE.search(clause))


_ANY = re.compile(
    r"\b(?:every|each|any|such)\s+(?:[\w-]+\s+)?(?:attack|bombing|blast|incident|killing)\b", re.I
)


#: A statistic about attacks is a general statement even with a date: "attacks fell by 30
#: percent last year", "fewer bombings in 2015 than in any year since 2008".
_STATISTIC = re.compile(
    r"\b(?:rose|fell|dropped|declined|increased|decreased|grew|climbed|doubled|halved)\s+(?:by|to|from)\b|"
    r"\bper\s?cent\b|%|\bcompared (?:with|to)\b|\b(?:fewer|more|less)\s+(?:[\w-]+\s+)?"
    r"(?:attacks|bombings|blasts|incidents|killings|kidnappings)\b[^.;]{0,60}?\bthan\b|"
    r"\b(?:figures|statistics|data)\b|\bthe most common\b",
    re.I,
)


def is_statistic(clause: str) -> bool:
    """True when the clause counts or compares attacks in general ("attacks fell by 30 percent")."""
    return bool(_GENERIC.search(clause) and _STATISTIC.search(clause))


def is_generic(clause: str) -> bool:
    """True when the clause speaks of attacks in general (plural, no article or count; "every attack")."""
    if _ANY.search(clause):
        return True
    return bool(_GENERIC.search(clause)) and not _SPECIFIC.search(clause)
