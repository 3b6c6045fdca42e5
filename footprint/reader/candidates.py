"""From sentences to candidate events: mentions, coreference, and fields with evidence.

For each sentence the reader splits clauses, finds event words
(:mod:`~footprint.reader.events`) and reads the clause's date, place,
casualties, groups and target into a :class:`Mention`. Mentions then become
candidates (:func:`read_document`):

1. **Counted events.** "two bombings in Quetta in 2013" gives two mentions
   sharing their fields, without casualties (a combined toll belongs to neither).
2. **Relative dates.** "two days later", "the same evening" are resolved
   against the previous event; "on March 20, about ten days later" dates the
   previous events ten days before March 20 (± 2 days).
3. **Coreference.** A definite reference with nothing new ("the slaughter was
   claimed by ...") joins the latest event of its type; a mention whose type,
   date, place and casualties agree with a recent candidate joins it.
4. **Back references.** "LeJ claimed both attacks" gives its groups to the
   attacks just told and adds none; the group of "the arrested suspects" goes
   to the text's one arrest.
5. **Footnotes.** A footnote's groups and links join the events whose
   sentence carries its marker.

Each field keeps the sentence it came from (:class:`Evidence`) and a confidence.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace

from footprint.reader import casualties, events, groups, places, targets
from footprint.reader import dates as dates_
from footprint.reader.document import Document
from footprint.reader.numbers import NUMBER, parse_number
from footprint.reader.sentences import Sentence, sentences

_DATELINE = re.compile(r"^[A-Z][A-Z ]{2,20}(?:,\s*[A-Z][a-z]+ \d{1,2})?\s*[:—–-]\s+")
_SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_FOOTNOTE_START = re.compile(rf"^(?:[{_SUPERSCRIPT}]+|\d{{1,2}}\s+(?=[A-Z\"“]))")
_MARKERS = re.compile(rf"[{_SUPERSCRIPT}]+")
_CLAUSE_BREAK = re.compile(
    r";|\s+as well as\s+|,\s+(?=(?:and\s+)?(?:minutes|hours|moments|shortly|soon)\s+(?:later|after))",
    re.I,
)
_COUNTED = re.compile(
    r"\b(?P<n>two|three|four|five|both)\s+(?:[\w-]+\s+){0,2}?(?P<noun>(?:suicide\s+)?(?:attacks|bombings|blasts|shootings|explosions))\b",
    re.I,
)
_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "both": 2}
#: A plural reference back to events already told: "claimed both attacks", "claimed
#: responsibility for the two blasts", "all three attacks", "these bombings". When the text
#: has told at least that many attacks just before, the clause links them, it adds none.
_BACK_REFERENCE = re.compile(
    r"\b(?:(?P<both>both)|the\s+twin|(?:all\s+)?(?:the|these|those)\s+(?P<n>two|three|four|five)|"
    r"all\s+(?P<all>two|three|four|five)|(?P<these>these|those))"
    r"\s+(?:[\w-]+\s+){0,2}?(?:attacks|bombings|blasts|explosions|shootings|incidents|killings|assaults|strikes)\b",
    re.I,
)
_ARREST_ADJECTIVE = re.compile(r"\b(?:the|of the|an?)\s+arrested\b", re.I)
_NAMED_VICTIM = re.compile(
    r"^(?!(?:In|On|At|By|For|From|After|Before|During|Later|Earlier|Meanwhile|The|A|An|This|That|"
    r"These|Those|Two|Three|Four|Five|Several|Some|One|Another|Unidentified|Gunmen|Police|Officials|"
    r"Militants|Security|Last|Yesterday|Today|Hours|Minutes|Moments)\b)(?:[A-Z][a-z]+\s){1,3}[^.]{0,120}?\b(?:was|has been)\s+(?:killed|shot dead|gunned down|murdered|stabbed)"
)
#: "shifted its base from Mastung to Karachi": a presence at both places, the first until the move.
_MOVED_FROM_TO = re.compile(
    r"\bfrom\s+(?P<origin>[^,;]{2,60}?)\s+to\s+(?P<destination>[^;]{2,100})", re.I
)
#: How many were arrested: "arrested more than 450 foreign residents", "70 militants ... were
#: arrested". Two arrests of different numbers of people are two events.
_ARRESTED_COUNT = re.compile(
    rf"\b(?P<n>{NUMBER})\s+(?:[\w-]+\s+){{0,3}}?(?:suspects|militants|men|people|persons|members|"
    r"residents|foreigners|citizens|nationals|terrorists|criminals|activists|operatives|women)\b",
    re.I,
)
#: "one of the arrested suspects is linked to LeJ": the group of the people an arrest took.
_ARRESTED_PEOPLE = re.compile(
    r"\b(?:the|those)\s+(?:[\w-]+\s+)?(?:arrested|detained)\s+(?:suspects?|men|militants?|persons?|people)\b",
    re.I,
)
#: A clause opening on "another", "a second", "separately": a new event, never one told before.
_ANOTHER = re.compile(
    r"^\W*(?:(?:meanwhile|separately|also|in addition)\W+)?(?:[\w-]+\s+){0,3}?"
    r"(?:another|a second|a third|a separate|a fresh)\b|^\W*(?:separately|in a separate (?:incident|raid|attack))\b",
    re.I,
)
#: A name of two to four capitalised words just before "(who was killed": "Mufti Nizamuddin
#: Shamzai (who was killed in Karachi in 2004)".
_NAMED_VICTIM_INLINE = re.compile(
    r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+){1,3}\s*[(,]\s*who\s+(?:was|had been)\s+"
    r"(?:killed|shot dead|gunned down|murdered|stabbed|assassinated)\b"
)
_BACKWARD = re.compile(
    rf"(?P<about>about|around|some|nearly|roughly)?\s*(?P<count>{dates_.NUMBER})\s+(?P<unit>days?|weeks?)\s+later",
    re.I,
)


@dataclass(frozen=True)
class Evidence:
    """Where a field was read: the sentence and its line numbers."""

    sentence: str
    first_line: int
    last_line: int

    @property
    def lines(self) -> str:
        return f"{self.first_line}-{self.last_line}"


@dataclass
class Value:
    """A field's value with its evidence and confidence (0-1)."""

    value: object
    confidence: float
    evidence: Evidence | None
    phrase: str = ""


@dataclass
class Mention:
    """One report of an event in one clause."""

    sentence: Sentence
    clause: str
    event_type: str
    attack_type: str | None
    suicide: bool | None
    trigger: str
    confidence: float
    definite: bool
    date: dates_.DateMention | None = None
    date_source: str = "own"
    place: places.PlaceMention | None = None
    killed: casualties.Count | None = None
    injured: casualties.Count | None = None
    groups: list[groups.GroupMention] = field(default_factory=list)
    target_type: str | None = None
    target: str | None = None
    target_confidence: float = 0.0
    counted: bool = False
    arrested: int | None = None  # how many were arrested, for an arrest
    another: bool = False  # "another ...", "a second ...": a new event


@dataclass
class Candidate:
    """A proposed event: its fields, each a :class:`Value`, and the sentences it was read from."""

    number: int
    event_type: Value
    attack_type: Value
    suicide: Value
    date: Value
    place: Value
    killed: Value
    injured: Value
    target_type: Value
    target: Value
    perpetrators: dict[str, Value]
    evidence: list[Evidence]
    mentions: list[Mention] = field(default_factory=list)
    counted: bool = False

    @property
    def first_line(self) -> int:
        return min(e.first_line for e in self.evidence)

    @property
    def last_line(self) -> int:
        return max(e.last_line for e in self.evidence)

    @property
    def confidence(self) -> float:
        """The candidate's confidence: its event words', lowered by weak date or place."""
        parts = [self.event_type.confidence, self.date.confidence, self.place.confidence]
        return round(sum(parts) / len(parts), 2)

    @property
    def last_sentence(self) -> int:
        return max(m.sentence.index for m in self.mentions)


def _evidence(sentence: Sentence) -> Evidence:
    return Evidence(sentence.text, sentence.first_line, sentence.last_line)


def _clauses(text: str) -> list[str]:
    parts, start = [], 0
    for match in _CLAUSE_BREAK.finditer(text):
        parts.append(text[start : match.start()])
        start = (
            match.end() if match.group(0).strip(" ,") in (";", "as well as") else match.start() + 1
        )
    parts.append(text[start:])
    return [p.strip(" ,") for p in parts if p.strip(" ,")]


def _primary(triggers: list[events.Trigger], clause: str) -> events.Trigger | None:
    by_type = {t.event_type: t for t in triggers}
    arrest = by_type.get("arrest")
    if arrest and _ARREST_ADJECTIVE.search(
        clause[max(0, arrest.position - 8) : arrest.position + 9]
    ):
        arrest = None
    if arrest:
        return arrest
    attack = by_type.get("attack")
    presence = by_type.get("militant_presence")
    if attack and attack.attack_type != "unknown" and not (attack.definite and presence):
        return attack
    for kind in ("militant_presence", "other", "attack"):
        if kind in by_type:
            return by_type[kind]
    return None


def _mentions_of(
    sentence: Sentence,
    document: Document,
    geocoder,
    city: str | None,
    group_names,
    previous_place: places.PlaceMention | None = None,
    recent_attacks: int = 0,
    antecedents: list[str] | None = None,
):
    """Return the mentions of one sentence, the date of any aggregate it holds, and its back references.

    ``previous_place`` is the place the sentence before named in the same
    paragraph: a clause that names none ("operating in the region") takes it.
    ``recent_attacks`` is how many attacks the sentences just before told: a
    clause such as "LeJ claimed both attacks" then refers to them, and is
    returned as (how many, its groups) instead of as new mentions.
    ``antecedents`` are the groups named just before, for "the group claimed it".
    """
    found: list[Mention] = []
    references: list[tuple[int | None, list[groups.GroupMention]]] = []
    context_date = None
    city_place = _city_place(geocoder, city)
    sentence_groups = groups.find_groups(
        sentence.text, group_names
    ) or groups.find_group_references(sentence.text, antecedents or [], group_names)
    body = _DATELINE.sub("", sentence.text, count=1)
    for clause in _clauses(body):
        triggers = events.find_triggers(clause)
        trigger = _primary(triggers, clause)
        if trigger is None:
            continue
        if events.is_negated(clause, trigger) or events.is_irrealis(clause, trigger):
            continue
        if trigger.event_type == "attack" and events.is_accident(sentence.text):
            continue
        back = _BACK_REFERENCE.search(clause)
        if (
            back
            and trigger.event_type == "attack"
            and back.start() <= trigger.position < back.end()
        ):
            count = (
                2 if back.group("both") or not (back.group("n") or back.group("all") or back.group("these"))
                else None if back.group("these")
                else _NUMBERS[(back.group("n") or back.group("all")).lower()]
            )  # fmt: skip
            if recent_attacks >= (count or 1):
                references.append(
                    (
                        count,
                        groups.find_groups(clause, group_names)
                        or groups.find_group_references(clause, antecedents or [], group_names),
                    )
                )
                continue
        clause_dates = dates_.find_dates(clause, document.published)
        counted = _COUNTED.search(clause)
        vague = bool(dates_.VAGUE.search(clause))
        anchor = counted.start() if counted else trigger.position
        absolute = [d for d in clause_dates if not d.relative_to_event]
        if _BACKGROUND_BEFORE.search(clause[: trigger.position]):
            # "to mark the anniversary of the bombing ... in December 2009": the dates
            # before the event word belong to the news of the day, not to the event
            absolute = [d for d in absolute if d.position > trigger.position] or absolute
        own_date = min(absolute, key=lambda d: abs(d.position - anchor)) if absolute else None
        after = _DAYS_AFTER.search(clause[: trigger.position + 1])
        if after and own_date is not None and own_date.start and own_date.position < after.start():
            # "on Saturday, three days after gunmen attacked": N days before that date
            count = (
                1
                if after.group("count").lower() in ("a", "an", "one")
                else (parse_number(after.group("count")) or 1)
            )
            week = after.group("unit").lower().startswith("week")
            own_date = dates_.back(
                own_date, count * (7 if week else 1), 2 if week else 0, after.group(0)
            )
        if events.is_aggregate(clause) and not counted:
            context_date = own_date or context_date
            continue
        if events.is_generic(clause) and not counted and not (own_date and not vague):
            continue
        if events.is_statistic(clause) and not counted:
            continue
        place_text = _without_groups(clause, sentence_groups)
        if trigger.event_type == "militant_presence" and _LOCATIVE.search(trigger.phrase):
            # "were hiding in X", "working in X": the place is the one after these words,
            # not one the clause names for something else before them
            place_text = _without_groups(clause[trigger.position :], sentence_groups)
        place = places.find_place(place_text, geocoder, city)
        listed = (
            places.find_places(place_text, geocoder, city)
            if trigger.event_type == "militant_presence"
            else []
        )
        if place is None and listed:
            place = listed[0]
        if place is None and places.names_elsewhere(clause):
            continue
        if place is not None and not place.fine and places.names_elsewhere(clause):
            if not re.search(rf"\b{re.escape(place.name)}\b", clause):
                continue
        if (
            place is None
            and previous_place is not None
            and trigger.event_type == "militant_presence"
        ):
            place = replace(previous_place, confidence=0.35)
        if place is None and city_place is not None and _THE_PROVINCE.search(clause):
            place = _province_place(geocoder, city_place)
        if place is None and city_place is not None:
            place = city_place
        if trigger.event_type == "militant_presence":
            spots = listed or ([place] if place else [None])
        else:
            spots = [place]
        origin = None
        moved = (
            _MOVED_FROM_TO.search(clause, trigger.position)
            if trigger.event_type == "militant_presence" and _MOVED.search(trigger.phrase)
            else None
        )
        if moved:
            origin = places.find_place(
                _without_groups(moved.group("origin"), sentence_groups), geocoder, city
            )
            destination = places.find_place(
                _without_groups(moved.group("destination"), sentence_groups), geocoder, city
            )
            if origin is not None and destination is not None and origin.name != destination.name:
                spots = [destination, origin]
            else:
                origin = None
        copies = _NUMBERS.get(counted.group("n").lower(), 1) if counted else 1
        attack_type, suicide = trigger.attack_type, trigger.suicide
        if counted and trigger.event_type == "attack":
            noun = counted.group("noun").lower()
            attack_type, suicide = (
                ("suicide_bombing", True) if "suicide" in noun
                else ("bombing", False) if re.search("bomb|blast|explos", noun)
                else ("armed_assault", False) if "shoot" in noun else (attack_type, suicide)
            )  # fmt: skip
        if (
            trigger.event_type == "attack"
            and attack_type in ("unknown", "armed_assault")
            and (_NAMED_VICTIM.search(clause) or _NAMED_VICTIM_INLINE.search(clause))
        ):
            attack_type, suicide = "assassination", None
        target_type, target, target_conf = targets.target_type(clause, trigger.event_type)
        killed = None if counted else casualties.killed(clause)
        injured = None if counted else casualties.injured(clause)
        relative = next((d for d in clause_dates if d.relative_to_event), None)
        date = own_date if not vague or own_date else None
        if date is None and relative is not None:
            date = relative
        event_groups = sentence_groups
        people = _ARRESTED_PEOPLE.search(sentence.text)
        if people and trigger.event_type != "arrest":
            # "the attack ... and one of the arrested suspects has links to IS": the group
            # of the people held, not of the attack
            event_groups = [g for g in sentence_groups if g.position < people.start()]
        arrested = None
        if trigger.event_type == "arrest":
            count = _ARRESTED_COUNT.search(clause)
            arrested = parse_number(count.group("n")) if count else None
        for spot in spots:
            spot_date = date
            if origin is not None and spot is origin and date is not None and date.start:
                # the place left: a presence up to the move, from the start of its year
                spot_date = dates_.make_range(
                    dt.date(date.start.year, 1, 1),
                    date.end,
                    f"until the move ({date.phrase})",
                    date.confidence * 0.8,
                )
            for _ in range(copies):
                found.append(
                    Mention(
                        sentence=sentence,
                        clause=clause,
                        event_type=trigger.event_type,
                        attack_type=attack_type if trigger.event_type == "attack" else None,
                        suicide=suicide if trigger.event_type == "attack" else None,
                        trigger=trigger.phrase,
                        confidence=trigger.confidence * (0.8 if counted else 1.0),
                        definite=trigger.definite and not counted,
                        date=spot_date,
                        date_source="own" if spot_date is not None else "none",
                        place=spot,
                        killed=killed,
                        injured=injured,
                        groups=_links_for(trigger, event_groups),
                        target_type=target_type,
                        target=target,
                        target_confidence=target_conf,
                        counted=bool(counted),
                        arrested=arrested,
                        another=bool(_ANOTHER.search(clause)),
                    )
                )
    return found, context_date, references


def _city_place(geocoder, city: str | None) -> places.PlaceMention | None:
    """The article's city as a place of low confidence, for events whose clause names none."""
    if not city:
        return None
    place = places.find_place(city, geocoder, None)
    return replace(place, confidence=0.3) if place is not None else None


#: Words before an event word that make it the background of the day's news.
_BACKGROUND_BEFORE = re.compile(
    r"\b(?:anniversary of|a year since|years since|to mark|in memory of|commemorat\w+)\s+"
    r"(?:[\w'’-]+\s+){0,4}$",
    re.I,
)
#: "three days after gunmen attacked", "a week after a bomb exploded".
_DAYS_AFTER = re.compile(
    rf"\b(?P<count>{NUMBER}|a|an)\s+(?P<unit>days?|weeks?)\s+after\b(?=[^.;]{{0,60}}$)", re.I
)
_MOVED = re.compile(r"\b(?:shifted|moved|relocated)\b", re.I)
_LOCATIVE = re.compile(r"\b(?:hiding|refuge|working|operating|based|located)\b", re.I)
_THE_PROVINCE = re.compile(r"\b(?:in|across|of) the (?:restive |troubled )?province\b", re.I)


def _province_place(geocoder, city_place: places.PlaceMention) -> places.PlaceMention | None:
    """The province of the article's city, for "in the province"."""
    if not city_place.province:
        return None
    place = places.find_place(city_place.province, geocoder, None)
    return replace(place, confidence=0.4) if place is not None else None


def _without_groups(clause: str, found: list[groups.GroupMention]) -> str:
    """Blank group names out of a clause so "Balochistan Liberation Army" is not read as a place."""
    for mention in found:
        clause = re.sub(re.escape(mention.written), " ", clause, flags=re.I)
    return clause


def _links_for(
    trigger: events.Trigger, found: list[groups.GroupMention]
) -> list[groups.GroupMention]:
    """Adjust links by the kind of event: a threat's author claims it; graffiti only suggests a group."""
    if trigger.event_type == "other":
        return [replace(g, link="claimed", cue=trigger.phrase) for g in found]
    if trigger.event_type == "militant_presence" and "graffiti" in trigger.phrase.lower():
        return [replace(g, link="suspected", cue=trigger.phrase) for g in found]
    return list(found)


def _compatible(candidate: Candidate, mention: Mention) -> bool:
    if candidate.event_type.value != mention.event_type:
        return False
    if mention.event_type == "arrest" and mention.arrested is not None:
        told = [m.arrested for m in candidate.mentions if m.arrested is not None]
        if told and mention.arrested not in told:
            return False  # 450 arrested and 70 arrested are two arrests
    if mention.event_type == "attack" and not mention.definite:
        mine, theirs = candidate.attack_type.value, mention.attack_type
        if mine != theirs and "unknown" not in (mine, theirs):
            if {mine, theirs} != {"armed_assault", "assassination"}:
                return False
    date = candidate.date.value
    if date is not None and mention.date is not None and mention.date.start is not None:
        if mention.date.start > date.end or mention.date.end < date.start:
            return False
    place = candidate.place.value
    mention_place = mention.place if mention.place and mention.place.confidence > 0.35 else None
    if place is not None and mention_place is not None and place.place_id != mention_place.place_id:
        if place.fine and mention.place.fine:
            return False
        coarse, fine = (place, mention.place) if not place.fine else (mention.place, place)
        if coarse.kind == "city" and fine.city != coarse.name:
            return False
        if coarse.kind == "province" and fine.province and fine.province != coarse.name:
            return False
        if coarse.kind == "city" and not fine.fine and coarse.name != fine.name:
            return False
    if (
        mention.event_type == "militant_presence"
        and place is not None
        and mention.place is not None
    ):
        if (
            place.fine
            and mention.place.fine
            and candidate.mentions[-1].sentence.paragraph != mention.sentence.paragraph
        ):
            return False
    for mine, theirs in (
        (candidate.killed.value, mention.killed),
        (candidate.injured.value, mention.injured),
    ):
        if (
            mine is not None
            and theirs is not None
            and (mine.low, mine.high) != (theirs.low, theirs.high)
        ):
            return False
    return True


def _new_candidate(number: int, mention: Mention) -> Candidate:
    evidence = _evidence(mention.sentence)
    empty = Value(None, 0.0, None)
    candidate = Candidate(
        number=number,
        event_type=Value(mention.event_type, mention.confidence, evidence, mention.trigger),
        attack_type=Value(mention.attack_type, mention.confidence, evidence, mention.trigger),
        suicide=Value(mention.suicide, mention.confidence, evidence, mention.trigger),
        date=empty,
        place=empty,
        killed=empty,
        injured=empty,
        target_type=Value(mention.target_type, mention.target_confidence, evidence),
        target=Value(mention.target, mention.target_confidence, evidence),
        perpetrators={},
        evidence=[],
    )
    candidate.counted = mention.counted
    _absorb(candidate, mention)
    return candidate


def _better(current: Value, confidence: float) -> bool:
    return current.value is None or confidence > current.confidence


def _absorb(candidate: Candidate, mention: Mention) -> None:
    """Add a mention's fields to a candidate, keeping the better-supported value of each."""
    evidence = _evidence(mention.sentence)
    candidate.mentions.append(mention)
    if evidence not in candidate.evidence:
        candidate.evidence.append(evidence)
    if mention.event_type == "attack" and mention.attack_type not in (None, "unknown"):
        if candidate.attack_type.value in (None, "unknown") or (
            candidate.attack_type.value == "armed_assault"
            and mention.attack_type == "assassination"
        ):
            candidate.attack_type = Value(
                mention.attack_type, mention.confidence, evidence, mention.trigger
            )
            candidate.suicide = Value(
                mention.suicide, mention.confidence, evidence, mention.trigger
            )
    if mention.date is not None and mention.date.start is not None:
        confidence = mention.date.confidence * (1.0 if mention.date_source == "own" else 0.7)
        current = candidate.date.value
        narrower = current is None or (mention.date.end - mention.date.start) < (
            current.end - current.start
        )
        if (
            current is None
            or (narrower and confidence >= 0.4)
            or confidence > candidate.date.confidence + 0.2
        ):
            candidate.date = Value(mention.date, confidence, evidence, mention.date.phrase)
    if mention.place is not None:
        current = candidate.place.value
        if (
            current is None
            or (mention.place.fine and not current.fine)
            or (
                mention.place.fine == current.fine
                and mention.place.confidence > candidate.place.confidence
            )
        ):
            candidate.place = Value(
                mention.place, mention.place.confidence, evidence, mention.place.location_text
            )
    for name in ("killed", "injured"):
        count = getattr(mention, name)
        if count is not None and _better(getattr(candidate, name), count.confidence):
            setattr(candidate, name, Value(count, count.confidence, evidence, count.phrase))
    if mention.target_type and (
        candidate.target_type.value in (None, "unknown")
        or mention.target_confidence > candidate.target_type.confidence
    ):
        candidate.target_type = Value(mention.target_type, mention.target_confidence, evidence)
        candidate.target = Value(mention.target, mention.target_confidence, evidence)
    add_groups(candidate, mention.groups, evidence)


def add_groups(candidate: Candidate, found: list[groups.GroupMention], evidence: Evidence) -> None:
    """Link groups to a candidate, each with the strongest link any of its sentences gives."""
    for mention in found:
        current = candidate.perpetrators.get(mention.group)
        strength = groups.LINK_STRENGTH[mention.link]
        if current is not None and not mention.cue:
            continue  # a sentence without a cue word cannot strengthen a link
        if current is None or strength < groups.LINK_STRENGTH[current.value]:
            candidate.perpetrators[mention.group] = Value(
                mention.link, mention.confidence, evidence, mention.cue
            )


#: Sentences back a mention may look for the candidate it refers to.
WINDOW = 4
#: Sentences back "the group" may look for the group it names.
ANTECEDENT_WINDOW = 3


def read_document(document: Document, geocoder=None, group_names=None) -> list[Candidate]:
    """Return the candidate events of a document, in order of first mention.

    Parameters
    ----------
    document : Document
    geocoder : geocode.Geocoder, optional
        Default: the gazetteer geocoder.
    group_names : GroupNames, optional
        Default: ``data/groups.csv``.
    """
    if geocoder is None:
        from geocode import Geocoder

        geocoder = Geocoder.default()
    city = places.main_city(document.text, geocoder, document.dateline)
    candidates: list[Candidate] = []
    footnotes: dict[str, list[Sentence]] = {}
    markers_of: dict[int, list[str]] = {}
    context_date, context_until = None, -1
    all_sentences = sentences(document)
    footnote_paragraphs: dict[int, str] = {}
    previous_places: dict[int, tuple[int, places.PlaceMention]] = {}
    named_groups: list[tuple[int, str]] = []  # (sentence index, group), in order of mention
    arrested_links: list[tuple[groups.GroupMention, Evidence]] = []
    for sentence in all_sentences:
        if sentence.paragraph in footnote_paragraphs:
            footnotes.setdefault(footnote_paragraphs[sentence.paragraph], []).append(sentence)
            continue
        start = _FOOTNOTE_START.match(sentence.text)
        if start and sentence.text[: start.end()].strip() and _MARKERS.match(sentence.text):
            marker = _MARKERS.match(sentence.text).group(0)
            footnote_paragraphs[sentence.paragraph] = marker
            footnotes.setdefault(marker, []).append(sentence)
            continue
        previous = previous_places.get(sentence.index - 1)
        if previous is not None and previous[0] != sentence.paragraph:
            previous = None
        found, aggregate_date, references = _mentions_of(
            sentence,
            document,
            geocoder,
            city,
            group_names,
            previous[1] if previous else None,
            len(_recent_attacks(candidates, sentence)),
            [name for index, name in named_groups if sentence.index - index <= ANTECEDENT_WINDOW],
        )
        for mention in groups.find_groups(sentence.text, group_names):
            named_groups.append((sentence.index, mention.group))
        named = places.find_place(_DATELINE.sub("", sentence.text, count=1), geocoder, city)
        if named is not None and named.fine:
            previous_places[sentence.index] = (sentence.paragraph, named)
        if aggregate_date is not None:
            context_date, context_until = aggregate_date, sentence.index + 3
        people = _ARRESTED_PEOPLE.search(sentence.text)
        if people:
            linked = [
                g for g in groups.find_groups(sentence.text[people.start() :], group_names) if g.cue
            ]
            arrested_links.extend((g, _evidence(sentence)) for g in linked)
        backward = _BACKWARD.search(sentence.text)
        for mention in found:
            date = mention.date
            if date is not None and date.relative_to_event:
                anchor = next(
                    (c.date.value for c in reversed(candidates) if c.date.value is not None), None
                )
                mention.date = dates_.shift(anchor, date) if anchor else None
                mention.date_source = "relative" if anchor else "none"
            if (
                mention.date is None
                and context_date is not None
                and sentence.index <= context_until
            ):
                mention.date, mention.date_source = context_date, "context"
            if (
                mention.date is not None
                and mention.date.since
                and mention.event_type == "militant_presence"
            ):
                mention.date = dates_.until_published(mention.date, document.published)
            target = _referent(candidates, mention)
            if target is not None:
                _absorb(target, mention)
                touched = target
            else:
                touched = _new_candidate(len(candidates) + 1, mention)
                candidates.append(touched)
            for marker in _MARKERS.findall(sentence.text):
                markers_of.setdefault(touched.number, []).append(marker)
        if backward and found and found[0].date is not None and found[0].date_source == "own":
            anchor = found[0].date
            unit = 7 if backward.group("unit").lower().startswith("week") else 1
            count = dates_.parse_number(backward.group("count")) or 1
            about = bool(backward.group("about"))
            earlier = dates_.back(anchor, count * unit, 2 if about else 0, backward.group(0))
            for candidate in candidates:
                if (
                    candidate.last_sentence >= sentence.index
                    or sentence.index - candidate.last_sentence > WINDOW
                ):
                    continue
                current = candidate.date.value
                if current is None or (
                    current.precision in ("month", "year")
                    and current.start <= earlier.best <= current.end
                ):
                    candidate.date = Value(
                        earlier, earlier.confidence, _evidence(sentence), backward.group(0)
                    )
        for count, referred_groups in references:
            referred = _recent_attacks(candidates, sentence)
            for candidate in referred[-count:] if count else referred:
                add_groups(candidate, referred_groups, _evidence(sentence))
                if _evidence(sentence) not in candidate.evidence:
                    candidate.evidence.append(_evidence(sentence))
        if not found and not references:
            _attach_references(
                candidates,
                sentence,
                group_names,
                [n for i, n in named_groups if sentence.index - i <= ANTECEDENT_WINDOW],
            )
    _link_arrested_people(candidates, arrested_links)
    for number, markers in markers_of.items():
        candidate = candidates[number - 1]
        for marker in markers:
            notes = footnotes.get(marker, [])
            for note in notes:
                if events.find_triggers(note.text) or groups.find_groups(note.text, group_names):
                    add_groups(
                        candidate, groups.find_groups(note.text, group_names), _evidence(note)
                    )
            _bound_by_footnote(candidate, notes)
    kept = [c for c in candidates if _worth_proposing(c)]
    for candidate in kept:
        _fill_date(candidate, document)
    return kept


_PLURAL_REFERENCE = re.compile(
    r"\b(?:these|those|the|both)\s+(?:[\w-]+\s+){0,2}?(?:attacks|incidents|bombings|killings|blasts)\b",
    re.I,
)
_SINGULAR_REFERENCE = re.compile(
    r"\b(?:the|this|that)\s+(?:(?!an?\s)[\w-]+\s+){0,2}?(?:attack|incident|bombing|blast|massacre|slaughter|killing|carnage|abduction|shooting|assault)\b",
    re.I,
)


def _link_arrested_people(
    candidates: list[Candidate], links: list[tuple[groups.GroupMention, Evidence]]
) -> None:
    """Give the groups of "the arrested suspects" to the arrest, wherever the text says so.

    A text often names the group of the people held before or after it tells
    the arrest ("one of the arrested suspects is linked to LeJ"). The link
    goes to the arrest only when the text tells exactly one, and one naming
    no group of its own; with several, which arrest is meant is a guess.
    """
    arrests = [c for c in candidates if c.event_type.value == "arrest"]
    if len(arrests) != 1 or arrests[0].perpetrators or not links:
        return
    (arrest,) = arrests
    for mention, evidence in links:
        add_groups(arrest, [mention], evidence)
        if evidence not in arrest.evidence:
            arrest.evidence.append(evidence)


def _recent_attacks(candidates: list[Candidate], sentence: Sentence) -> list[Candidate]:
    """The attacks told in this sentence or the few before it, in order."""
    return [
        c
        for c in candidates
        if c.event_type.value == "attack" and 0 <= sentence.index - c.last_sentence <= WINDOW
    ]


def _attach_references(
    candidates: list[Candidate], sentence: Sentence, group_names, antecedents: list[str]
) -> None:
    """Give a sentence's groups to the events it refers back to ("these attacks", "the attack")."""
    found = groups.find_groups(sentence.text, group_names) or groups.find_group_references(
        sentence.text, antecedents, group_names
    )
    if not found or not candidates:
        return
    recent = [
        c
        for c in candidates
        if 0 < sentence.index - c.last_sentence <= WINDOW and c.event_type.value == "attack"
    ]
    if _PLURAL_REFERENCE.search(sentence.text):
        targets_ = recent
    elif _SINGULAR_REFERENCE.search(sentence.text):
        targets_ = recent[-1:]
    else:
        previous = [
            c
            for c in candidates
            if sentence.index - c.last_sentence == 1 and c.event_type.value in ("attack", "arrest")
        ]
        if not previous or not all(g.cue for g in found):
            return
        if any(events.is_negated(sentence.text, t) for t in events.find_triggers(sentence.text)):
            return  # "it is not the first time that an attack has been blamed on IS"
        targets_ = previous[-1:]
    for candidate in targets_:
        add_groups(candidate, found, _evidence(sentence))
        if _evidence(sentence) not in candidate.evidence:
            candidate.evidence.append(_evidence(sentence))


def _referent(candidates: list[Candidate], mention: Mention) -> Candidate | None:
    """Return the candidate a mention reports again, or None for a new event.

    Latest candidates are tried first. A definite reference ("the slaughter")
    tries the events of earlier sentences before those of its own sentence; an
    indefinite mention joins an event of its own sentence only as a follow-up
    clause with no place of its own ("...; more than 10 were killed").
    """
    recent = [c for c in candidates if mention.sentence.index - c.last_sentence <= WINDOW]
    same = [c for c in recent if c.mentions[-1].sentence.index == mention.sentence.index]
    earlier = [c for c in recent if c not in same]
    no_own_place = mention.place is None or mention.place.confidence <= 0.35
    follow_up = no_own_place and mention.attack_type in (None, "unknown")
    if mention.definite:
        order = [*reversed(earlier), *reversed(same)]
    else:
        order = [*reversed(same)] if follow_up else []
        order += list(reversed(earlier))
    if mention.another and not mention.definite:
        return None
    own_date = mention.date is not None and mention.date_source == "own"
    for candidate in order:
        if own_date and not mention.definite and candidate.counted and candidate.date.value is None:
            continue
        if not _compatible(candidate, mention):
            continue
        if mention.definite or candidate.place.value is None or mention.place is None:
            return candidate
        mine, theirs = candidate.place.value, mention.place
        if mine.place_id == theirs.place_id or not (mine.fine and theirs.fine):
            return candidate
    if own_date and mention.date.precision == "day" and not mention.another:
        # an event told again far from its first telling (a caption, a recap): the same
        # kind of attack on the same day, in no other place, is the same event
        for candidate in reversed([c for c in candidates if c not in recent]):
            told = candidate.date.value
            if (
                told is not None
                and told.precision == "day"
                and told.start == mention.date.start
                and candidate.attack_type.value == mention.attack_type
                and _compatible(candidate, mention)
            ):
                return candidate
    return None


def _bound_by_footnote(candidate: Candidate, notes: list[Sentence]) -> None:
    """Date an undated event by the report its footnote cites (codebook, dates rule 3).

    The event happened on or before the report: an attack or arrest in the
    week before it (best estimate the day before), a militant presence in the
    year up to it.
    """
    if candidate.date.value is not None or not notes:
        return
    cited = [
        d
        for note in notes
        for d in dates_.find_dates(note.text, None)
        if d.precision == "day" and d.start is not None
    ]
    if not cited:
        return
    report = min(d.start for d in cited)
    evidence = _evidence(notes[0])
    if candidate.event_type.value == "militant_presence":
        bound = dates_.make_range(dt.date(report.year, 1, 1), report, cited[0].phrase, 0.5)
    else:
        bound = replace(
            dates_.make_range(report - dt.timedelta(days=7), report, cited[0].phrase, 0.5),
            best=report - dt.timedelta(days=1),
        )
    candidate.date = Value(bound, 0.5, evidence, f"on or before the report of {report:%Y-%m-%d}")
    if evidence not in candidate.evidence:
        candidate.evidence.append(evidence)


def _worth_proposing(candidate: Candidate) -> bool:
    """True when a candidate says enough to be an event: a date, a place finer than a city, or a toll."""
    own_date = any(m.date_source in ("own", "relative") for m in candidate.mentions)
    place = candidate.place.value
    fine = place is not None and place.fine
    toll = candidate.killed.value is not None or candidate.injured.value is not None
    if candidate.event_type.value == "militant_presence":
        return place is not None and (fine or own_date or bool(candidate.perpetrators))
    if place is None and not toll:
        return False
    claimed = any(v.value == "claimed" for v in candidate.perpetrators.values())
    return own_date or fine or toll or claimed or candidate.counted


def _fill_date(candidate: Candidate, document: Document) -> None:
    """Give a candidate with no date the range before publication (low confidence)."""
    if candidate.date.value is not None or document.published is None:
        return
    published = document.published
    if candidate.event_type.value == "militant_presence":
        start = published.replace(day=1)
        phrase = "present tense: the month of publication"
    else:
        start = dt.date(published.year, 1, 1)
        phrase = "no date given: the year of publication"
    mention = dates_.make_range(start, published, phrase, 0.2)
    candidate.date = Value(replace(mention, best=start), 0.2, None, phrase)
