"""Groups named in a sentence, and how each is linked to the event, from cue words.

Groups are found by every spelling in ``data/groups.csv`` (short all-capital
abbreviations such as ``IS`` or ``JI`` only in capitals). "SSP" after
"superintendent" or next to "police" is a police rank, not the group.

The link of a group comes from the cue words of its sentence, strongest first:

- ``claimed``: "claimed", "took responsibility/credit", "a note found",
  "introducing themselves as"; the group speaking for itself ("a spokesman for
  the TTP", "the BLA's spokesman", "the UBA said it had carried out the attack");
- ``suspected`` (hedges win over who is speaking): "believe", "may have",
  "suspected", "police suspect", "likely", "reportedly", "speculated",
  "possibly", "apparent";
- ``attributed``: "police said", "investigators", "forensic", "confirm",
  "blamed", "was behind", "member of", "linked to", "responsible for"; a
  spokesperson of anyone but the group ("a spokesperson for the Rangers said").

A denial ("denied responsibility", "said it had not carried out the attack")
gives no link. A sentence naming no group may name one by description ("the
separatist group claimed it"): :func:`find_group_references`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from footprint.data.groups import GroupNames, default_group_names

CLAIM_CUES = (
    r"\bclaim(?:ed|s|ing)?\b(?! (?:that|to be))",
    r"\btook (?:responsibility|credit)\b",
    r"\btaken (?:responsibility|credit)\b",
    r"\baccepted responsibility\b",
    r"\bresponsibility (?:was|has been|had been) (?:claimed|accepted)\b",
    r"\ba (?:note|letter|pamphlet|leaflet) (?:found|left)\b",
    r"\bintroducing themselves as\b",
    r"\bsaid (?:they|it) (?:was|were) behind\b",
)
SUSPECT_CUES = (
    r"\bbelieve[sd]?\b",
    r"\bmay have\b",
    r"\bmight have\b",
    r"\bcould have\b",
    r"\bsuspected (?:of|that|involvement|role|links?)\b",
    r"\b(?:is|are|was|were|being|been) suspected\b",
    r"\b(?:they|we|he|she|police|investigators|officials|officers|authorities|sources)\s+(?:also\s+|had\s+)?suspect(?:ed|s)?\b",
    r"(?<!\ba )(?<!\ban )(?<!the )(?<!arrested )\bsuspects? (?:that|the|of)\b",
    r"\b(?:are|is|were|was) (?:investigating|probing)\b",
    r"\blikely\b",
    r"\breportedly\b",
    r"\bspeculat\w*\b",
    r"\bpossibl[ey]\b",
    r"\bapparent(?:ly)?\b",
    r"\bindicat(?:e|es|ed)\b",
    r"\bthought to\b",
    r"\bsuggest(?:s|ed)?\b",
    r"\ballegedly\b",
    r"\bshadow of\b",
)
ATTRIBUTE_CUES = (
    r"\bpolice\b",
    r"\binvestigat\w*\b",
    r"\bforensic\b",
    r"\bconfirm\w*\b",
    r"\bblam\w+\b",
    r"\b(?:was|were) behind\b",
    r"\bmembers? of\b",
    r"\blinked to\b",
    r"\bresponsible for\b",
    r"\baccused\b",
    r"\bofficials? said\b",
    r"\bspokes(?:man|person|woman)\b",  # a spokesperson for a group is a claim: see _SPOKESPERSON_OF
    r"\bcounter-terrorism\b",
    r"\bassociated with\b",
    r"\bidentified as\b",
    r"\bcarried out by\b",
    r"\bmilitants? of\b",
)
DENIAL = re.compile(
    r"\bden(?:y|ied|ies)\b|\bdisown\w*\b|\brejected (?:the )?claim|"
    r"\b(?:it|they) (?:had |has |have |was |were |did )?(?:not|never) "
    r"(?:carr(?:y|ied) out|conducted|(?:been )?involved|behind|responsible)\b",
    re.I,
)
_POLICE_RANK = re.compile(r"superintendent\s*\(?$|police\W*$", re.I)
_CLAUSE = re.compile(r",?\s+but\s+|;|\bwhereas\b|\bwhile\b|\bhowever\b", re.I)
#: Words before a group that make it the target of recruitment ("asked militants of X to join").
_RECRUITED = re.compile(
    r"\b(?:asked|approached|invited|urged|contacted|offered|recruit(?:ed|ing|s)?(?: from)?)\b[^.;:]{0,60}$",
    re.I,
)
#: Group kinds listed for context only, never perpetrators (codebook: political parties).
NOT_PERPETRATORS = frozenset({"political_party"})
#: "sources claimed", "officials claimed": a reporting verb, not a claim of responsibility.
_REPORTING_CLAIM = re.compile(
    r"\b(?:sources?|officials?|police|he|she|they|analysts?|residents?|reports?|investigators?)\s+claimed\b",
    re.I,
)
#: Bare "Taliban" is the TTP only when the text says the fighters come from Pakistan's
#: tribal areas, and then as suspected (codebook, perpetrators and links).
TTP = "Tehrik-i-Taliban Pakistan"
_TRIBAL_TALIBAN = re.compile(
    r"\bTaliban (?:militants|fighters|operatives)? ?(?:from|of) (?:the )?(?:tribal (?:areas|regions?|belt)|FATA|Waziristan)\b"
)
#: Words just before a group that make the speaker its own: "a spokesman for the TTP".
#: Any other spokesperson ("a spokesperson for the Rangers said") speaks for officials,
#: which attributes (an ATTRIBUTE_CUES word).
_SPOKESPERSON_OF = re.compile(
    r"\bspokes(?:man|person|woman)\s+(?:for|of)\s+(?:the\s+)?(?:banned\s+|outlawed\s+|proscribed\s+)?$",
    re.I,
)
#: Words just after a group that make it a speaker for itself: "the TTP's spokesman".
_OWN_SPOKESPERSON = re.compile(r"^(?:['’]s)?\s+(?:\w+\s+)?spokes(?:man|person|woman)\b", re.I)
#: A group saying it did it: "the BLA said it had carried out the attack", "the UBA said its
#: fighters were behind the blast". The words run from the group to the deed, in one clause.
_SAID_IT_DID = re.compile(
    r"^(?:['’]s?)?(?:\s+[\w-]+){0,4}?\s+(?:said|says|announced|stated|admitted|declared)"
    r"(?:\s+in\s+an?\s+(?:[\w-]+\s+)?statement)?(?:\s+that)?\s+"
    r"(?:it|they|its\s+(?:[\w-]+\s+){0,2}?\w+|their\s+(?:[\w-]+\s+){0,2}?\w+|the\s+(?:group|organi[sz]ation|outfit))\s+"
    r"(?:had\s+|has\s+|have\s+)?(?:carried\s+out|conducted|executed|(?:was|were)\s+(?:behind|responsible)|"
    r"attacked|planted|targeted|killed|struck|bombed)\b",
    re.I,
)
LINK_STRENGTH = {"claimed": 0, "attributed": 1, "suspected": 2}


@dataclass(frozen=True)
class GroupMention:
    """A group named in a sentence, with the link its cue words give."""

    group: str
    written: str
    link: str
    cue: str
    confidence: float
    position: int


@lru_cache(maxsize=4)
def _pattern(groups: GroupNames) -> tuple[re.Pattern, re.Pattern, dict[str, str]]:
    spellings: dict[str, str] = {}
    for record in groups.frame.to_dict("records"):
        if record.get("kind") in NOT_PERPETRATORS:
            continue
        for spelling in [record["name"], *str(record.get("aliases") or "").split("|")]:
            spelling = spelling.strip()
            if spelling:
                spellings.setdefault(spelling, record["name"])
    short = sorted((s for s in spellings if len(s) <= 4 and s.isupper()), key=len, reverse=True)
    long = sorted((s for s in spellings if s not in short), key=len, reverse=True)

    def alternation(items):
        return "|".join(
            re.escape(s).replace(r"\-", r"[-\s]?").replace(r"\ ", r"[-\s]") for s in items
        )

    long_pattern = re.compile(rf"(?<![\w-])(?:{alternation(long)})(?![\w-])", re.I)
    short_pattern = re.compile(rf"(?<![\w-])(?:{alternation(short)})(?![\w-])")
    return long_pattern, short_pattern, spellings


def _cue(text: str, cues: tuple[str, ...]) -> str | None:
    for cue in cues:
        match = re.search(cue, text, re.I)
        if match:
            return match.group(0)
    return None


def link_of(text: str) -> tuple[str, str, float] | None:
    """Return the (link, cue, confidence) the cue words of ``text`` give, or None for a denial."""
    if DENIAL.search(text):
        return None
    cue = _cue(_REPORTING_CLAIM.sub(" ", text), CLAIM_CUES)
    if cue:
        return "claimed", cue, 0.8
    cue = _cue(text, SUSPECT_CUES)
    if cue:
        return "suspected", cue, 0.7
    cue = _cue(text, ATTRIBUTE_CUES)
    if cue:
        return "attributed", cue, 0.7
    return "attributed", "", 0.4


#: A group referred to by description: "the group", "the international terrorist group",
#: "the outfit". Read only in a sentence that names no group, as the group named last.
_GROUP_ANAPHOR = re.compile(
    r"\b[Tt]he\s+(?:[a-z][\w-]*\s+){0,3}?(?:group|outfit|organi[sz]ation)\b(?!\s+of\b)"
)


def find_group_references(
    text: str, antecedents: list[str], groups: GroupNames | None = None
) -> list[GroupMention]:
    """Return the groups a sentence names only by description ("the group claimed it").

    ``antecedents`` are the groups the sentences just before named, the latest
    last. A description is read as the latest of them, and only when its
    clause has a claim or an attribution cue: without one, "the group" is too
    often a group of people.
    """
    if not antecedents or find_groups(text, groups):
        return []
    match = _GROUP_ANAPHOR.search(text)
    if match is None:
        return []
    clauses = [0, *(m.end() for m in _CLAUSE.finditer(text)), len(text) + 1]
    start, end = next(
        (clauses[i], clauses[i + 1])
        for i in range(len(clauses) - 1)
        if clauses[i] <= match.start() < clauses[i + 1]
    )
    link = link_of(text[start:end])
    if link is None or not link[1]:
        return []
    name = antecedents[-1]
    return [GroupMention(name, match.group(0), link[0], link[1], 0.5, match.start())]


def find_groups(text: str, groups: GroupNames | None = None) -> list[GroupMention]:
    """Return the groups named in ``text`` with their links, one mention per group."""
    groups = groups or default_group_names()
    long_pattern, short_pattern, spellings = _pattern(groups)
    lookup = {s.lower(): n for s, n in spellings.items()}
    found: dict[str, GroupMention] = {}
    tribal = _TRIBAL_TALIBAN.search(text)
    if tribal:
        found[TTP] = GroupMention(
            TTP, tribal.group(0), "suspected", tribal.group(0), 0.5, tribal.start()
        )
    matches = sorted(
        [*long_pattern.finditer(text), *short_pattern.finditer(text)], key=lambda m: m.start()
    )
    clauses = [0, *(m.end() for m in _CLAUSE.finditer(text)), len(text) + 1]
    for match in matches:
        clause = next(
            text[clauses[i] : clauses[i + 1]]
            for i in range(len(clauses) - 1)
            if clauses[i] <= match.start() < clauses[i + 1]
        )
        link = link_of(clause)
        if link is None:
            continue
        written = match.group(0)
        name = lookup.get(written.lower()) or groups.lookup(written).name
        if _RECRUITED.search(text[max(0, match.start() - 70) : match.start()]):
            continue  # asked to join, approached: a recruitment target, not a perpetrator
        if name == "Sipah-e-Sahaba Pakistan" and written.upper() == "SSP":
            if _POLICE_RANK.search(text[max(0, match.start() - 20) : match.start()]):
                continue
        before = text[max(0, match.start() - 60) : match.start()]
        after = text[match.end() : match.end() + 160]
        speaking = (
            _SPOKESPERSON_OF.search(before)
            or _OWN_SPOKESPERSON.match(after)
            or _SAID_IT_DID.match(after.split(";")[0])
        )
        if speaking and link[0] != "claimed":
            # the group speaks (its spokesman, or it says it did it): a claim
            link = ("claimed", speaking.group(0).strip(), 0.8)
        if name not in found or (name == TTP and found[name].confidence == 0.5):
            found[name] = GroupMention(name, written, link[0], link[1], link[2], match.start())
    return list(found.values())
