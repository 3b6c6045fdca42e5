"""The text reader: a parametrized table of phrasings per extractor, input formats, and candidates."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from footprint.reader import (
    casualties,
    events,
    from_text,
    groups,
    read_bytes,
    read_document,
    targets,
)
from footprint.reader.dates import find_dates
from footprint.reader.document import ReaderInputError, html_to_text
from footprint.reader.numbers import parse_number
from footprint.reader.rows import EXTRA_COLUMNS, candidates_frame
from footprint.reader.sentences import sentences

PROJECT = Path(__file__).resolve().parent.parent
PUBLISHED = dt.date(2015, 3, 25)


@pytest.fixture(scope="module")
def geocoder():
    from geocode import Geocoder

    return Geocoder.default()


# --- dates -----------------------------------------------------------------------

D = dt.date


@pytest.mark.parametrize(
    "text, start, end, best, precision",
    [
        ("on March 20", D(2015, 3, 20), D(2015, 3, 20), D(2015, 3, 20), "day"),
        ("killed on 18th February", D(2015, 2, 18), D(2015, 2, 18), D(2015, 2, 18), "day"),
        ("the December 28, 2009 bombing", D(2009, 12, 28), D(2009, 12, 28), D(2009, 12, 28), "day"),
        ("on 4 April 2013", D(2013, 4, 4), D(2013, 4, 4), D(2013, 4, 4), "day"),
        # a day after publication is last year's
        ("on April 2", D(2014, 4, 2), D(2014, 4, 2), D(2014, 4, 2), "day"),
        ("in August this year", D(2015, 8, 1), D(2015, 8, 31), D(2015, 8, 1), "month"),
        ("in October last year", D(2014, 10, 1), D(2014, 10, 31), D(2014, 10, 1), "month"),
        ("in October 2014", D(2014, 10, 1), D(2014, 10, 31), D(2014, 10, 1), "month"),
        ("in 2013", D(2013, 1, 1), D(2013, 12, 31), D(2013, 1, 1), "year"),
        ("last month", D(2015, 2, 1), D(2015, 2, 28), D(2015, 2, 1), "month"),
        ("earlier this month", D(2015, 3, 1), D(2015, 3, 25), D(2015, 3, 1), "month"),
        ("last year", D(2014, 1, 1), D(2014, 12, 31), D(2014, 1, 1), "year"),
        ("yesterday", D(2015, 3, 24), D(2015, 3, 24), D(2015, 3, 24), "day"),
        ("two months ago", D(2015, 1, 1), D(2015, 1, 31), D(2015, 1, 1), "month"),
        ("three days ago", D(2015, 3, 22), D(2015, 3, 22), D(2015, 3, 22), "day"),
        # 2015-03-25 was a Wednesday
        ("on Monday", D(2015, 3, 23), D(2015, 3, 23), D(2015, 3, 23), "day"),
        (
            "between late October and early November 2009",
            D(2009, 10, 21),
            D(2009, 11, 10),
            D(2009, 10, 21),
            "month",
        ),
        ("in the closing months of 2009", D(2009, 9, 1), D(2009, 12, 31), D(2009, 9, 1), "year"),
        ("during the 1980s", D(1980, 1, 1), D(1989, 12, 31), D(1980, 1, 1), "year"),
    ],
)
def test_absolute_and_published_relative_dates(text, start, end, best, precision):
    (mention,) = find_dates(text, PUBLISHED)
    assert (mention.start, mention.end, mention.best, mention.precision) == (
        start,
        end,
        best,
        precision,
    )


@pytest.mark.parametrize(
    "text, offset, tolerance",
    [
        ("Two days later, police", 2, 0),
        ("about ten days later", 10, 2),
        ("the same evening", 0, 0),
        ("minutes later", 0, 0),
        ("the next day", 1, 0),
        ("a week later", 7, 0),
        ("less than an hour later", 0, 0),
        ("later that day", 0, 0),
        # a clause opening on the time of day goes on with the day just told
        ("In the evening, gunmen", 0, 0),
    ],
)
def test_dates_relative_to_another_event(text, offset, tolerance):
    (mention,) = find_dates(text, PUBLISHED)
    assert mention.relative_to_event
    assert (mention.offset_days, mention.tolerance_days) == (offset, tolerance)


def test_relative_dates_resolve_against_the_event_before(geocoder):
    text = (
        "A trader was shot dead at Bolton Market on 18th February. Two days later, police "
        "arrested a suspect in Kharadar. The same evening, a bomb went off at Empress Market, "
        "wounding three people."
    )
    found = read_document(from_text(text, "t.txt", PUBLISHED), geocoder)
    assert [(c.event_type.value, c.date.value.best) for c in found] == [
        ("attack", D(2015, 2, 18)),
        ("arrest", D(2015, 2, 20)),
        ("attack", D(2015, 2, 20)),
    ]


def test_a_date_then_about_n_days_later_dates_the_events_before(geocoder):
    text = (
        "Gunmen shot dead a constable at Gurumandir. A bomb wounded four people at Tariq Road "
        "on March 20, about ten days later."
    )
    first, second = read_document(from_text(text, "t.txt", PUBLISHED), geocoder)
    assert (first.date.value.best, first.date.value.start, first.date.value.end) == (
        D(2015, 3, 10),
        D(2015, 3, 8),
        D(2015, 3, 12),
    )
    assert first.date.value.precision == "week"
    assert second.date.value.best == D(2015, 3, 20)


@pytest.mark.parametrize(
    "text, start, end",
    [
        # the day of the news, then N days back (2015-03-23 was a Monday)
        (
            "Shops in Saddar reopened on Monday, two days after a bomb exploded in Saddar, "
            "wounding five.",
            D(2015, 3, 21),
            D(2015, 3, 21),
        ),
        (
            "Schools in Hub reopened on Monday, a week after gunmen shot dead a teacher in Hub.",
            D(2015, 3, 14),
            D(2015, 3, 18),
        ),
        # an anniversary: the date after the event word, not the day of the news
        (
            "Mourners met in Quetta on Tuesday to mark the anniversary of the bombing of a bus "
            "in Hazara Town in June 2013.",
            D(2013, 6, 1),
            D(2013, 6, 30),
        ),
    ],
)
def test_background_events_are_dated_from_the_news_of_the_day(text, start, end, geocoder):
    (candidate,) = read_document(from_text(text, "t.txt", PUBLISHED), geocoder)
    assert (candidate.date.value.start, candidate.date.value.end) == (start, end)


def test_the_time_of_day_goes_on_with_the_day_just_told(geocoder):
    text = (
        "KARACHI: A bomb went off in Lyari on Monday, wounding two. In the afternoon, gunmen "
        "shot dead a trader in Orangi Town."
    )
    found = read_document(from_text(text, "t.txt", PUBLISHED), geocoder)
    assert [c.date.value.best for c in found] == [D(2015, 3, 23), D(2015, 3, 23)]


def test_vague_periods_date_nothing():
    assert find_dates("in recent years", PUBLISHED) == []
    assert find_dates("on March 20", None) == []  # no year without a publication date


# --- casualties ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, killed, injured",
    [
        ("Gunmen stormed a bus, killing 45 people", (45, 45), None),
        ("a procession bombing that left more than 30 people dead", (31, None), None),
        ("over 40 people were killed", (41, None), None),
        ("two were killed and at least 12 others were hurt", (2, 2), (12, None)),
        ("nearly 200 people were killed", (None, 200), None),
        ("a suicide attacker struck, killing two soldiers and injuring another", (2, 2), (1, 1)),
        ("A head constable was killed and a constable injured", (1, 1), (1, 1)),
        ("an assistant subinspector and a head constable were shot dead", (2, 2), None),
        ("thirty-five people were killed", (35, 35), None),
        ("Three policemen were killed and seven were injured", (3, 3), (7, 7)),
        ("between 30 and 35 people died", (30, 35), None),
        ("30 to 35 people died", (30, 35), None),
        ("a dozen people were wounded", None, (12, 12)),
        ("a blast injured four people and killed two", (2, 2), (4, 4)),
        ("two huge bombings that together killed nearly 200 people", None, None),
        ("the carnage at the shrine", None, None),
        ("gunmen shot dead two policemen", (2, 2), None),
    ],
)
def test_casualties(text, killed, injured):
    def pair(count):
        return None if count is None else (count.low, count.high)

    assert (pair(casualties.killed(text)), pair(casualties.injured(text))) == (killed, injured)


@pytest.mark.parametrize(
    "text, value", [("45", 45), ("forty-five", 45), ("a dozen", 12), ("two hundred", 200)]
)
def test_number_words(text, value):
    assert parse_number(text) == value


# --- groups and links ------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("The slaughter was swiftly claimed by IS.", [("Islamic State", "claimed")]),
        (
            "The Tehreek-e-Taliban Pakistan took responsibility for the blast.",
            [("Tehrik-i-Taliban Pakistan", "claimed")],
        ),
        ("Police said the men were members of Al Qaeda.", [("Al Qaeda", "attributed")]),
        (
            "Forensic reports confirm that Al Qaeda was behind the attacks.",
            [("Al Qaeda", "attributed")],
        ),
        ("Investigators blamed the LeJ.", [("Lashkar-e-Jhangvi", "attributed")]),
        (
            "Investigators believe LeJ may have carried out the massacre.",
            [("Lashkar-e-Jhangvi", "suspected")],
        ),
        ("The pattern indicates a likely Al Qaeda involvement.", [("Al Qaeda", "suspected")]),
        ("JeM is suspected of the killing.", [("Jaish-e-Muhammad", "suspected")]),
        (
            "A faction of the Pakistani Taliban took credit, but the government blamed "
            "Lashkar-i-Jhangvi.",
            [("Tehrik-i-Taliban Pakistan", "claimed"), ("Lashkar-e-Jhangvi", "attributed")],
        ),
        ("The ISIS spokesman denied responsibility.", []),
        # SSP after "superintendent" is a police rank, not Sipah-e-Sahaba Pakistan
        ("said a senior superintendent (SSP) of the Sindh police", []),
        # a political party is context, never a perpetrator
        ("Rangers raided the MQM office.", []),
        # "is" is not Islamic State
        ("The city is calm and this is new.", []),
        # a group asked to join is a recruitment target, not a perpetrator
        (
            "Police said IS militants approached militants of Jaish-e-Muhammad to join them.",
            [("Islamic State", "attributed")],
        ),
        ("Sources claimed the TTP was behind it.", [("Tehrik-i-Taliban Pakistan", "attributed")]),
        # officials speaking attribute; a group's own spokesman claims
        (
            "LeJ men were held in a raid, a spokesperson for the Rangers said.",
            [("Lashkar-e-Jhangvi", "attributed")],
        ),
        (
            "A CTD spokesman said the suspects belonged to the BLF.",
            [("Balochistan Liberation Front", "attributed")],
        ),
        (
            "A spokesman for the banned TTP telephoned reporters from an unknown place.",
            [("Tehrik-i-Taliban Pakistan", "claimed")],
        ),
        ("The BLA's spokesman sent a statement.", [("Balochistan Liberation Army", "claimed")]),
        # a group saying it did it claims; saying it did not is a denial
        (
            "The United Baloch Army said it had carried out the attack.",
            [("United Baloch Army", "claimed")],
        ),
        (
            "In a statement, the BRA said its fighters were behind the blast.",
            [("Baloch Republican Army", "claimed")],
        ),
        ("The BLF said it had not carried out the attack.", []),
        ("Jundullah said it was not behind the bombing.", []),
        # "they" is the police here, not the group
        (
            "Police said they had arrested two members of the BLA.",
            [("Balochistan Liberation Army", "attributed")],
        ),
        (
            "Investigators said they suspected the BLF.",
            [("Balochistan Liberation Front", "suspected")],
        ),
        ("Officials suspect LeJ of the killing.", [("Lashkar-e-Jhangvi", "suspected")]),
        # no one claimed: the claim in the other clause does not reach the group
        (
            "No one has claimed responsibility, but police blamed LeJ.",
            [("Lashkar-e-Jhangvi", "attributed")],
        ),
    ],
)
def test_groups_and_links(text, expected):
    assert [(g.group, g.link) for g in groups.find_groups(text)] == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        # a group named by description is the group named just before
        (
            "Gunmen shot dead two policemen in Lyari on Monday. Police blamed Lashkar-e-Jhangvi "
            "for the killings. The group later claimed the attack.",
            {"Lashkar-e-Jhangvi": "claimed"},
        ),
        (
            "Investigators linked the cell to Al Qaeda. On March 4 armed men killed a trader in "
            "Bahadurabad. A note found at the site said the international terrorist group was "
            "at war with the state.",
            {"Al Qaeda": "claimed"},
        ),
        # no cue: "the group" says nothing of the attack
        (
            "The BLA is active near Turbat. On Monday a bomb killed three soldiers in Turbat. "
            "The group is known in the area.",
            {},
        ),
        # a group of people is not a militant group
        (
            "The BLA is active near Turbat. On Monday gunmen fired on a group of labourers in "
            "Turbat, killing four, police said.",
            {},
        ),
        # the group named too long before
        (
            "Jundullah was banned in 2010. The ban was widely reported. Its leaders fled. "
            "Many were arrested. On Monday a bomb killed three in Quetta. The group claimed it.",
            {},
        ),
    ],
)
def test_a_group_named_by_description(text, expected, geocoder):
    (candidate,) = [
        c
        for c in read_document(from_text(text, "t.txt", D(2015, 3, 25)), geocoder)
        if c.event_type.value == "attack"
    ]
    assert {name: value.value for name, value in candidate.perpetrators.items()} == expected


# --- event types -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text, event_type, attack_type",
    [
        ("a suicide bomber blew himself up", "attack", "suicide_bombing"),
        ("a motorcycle bomb went off", "attack", "bombing"),
        ("gunmen opened fire on a bus", "attack", "armed_assault"),
        ("the cleric was assassinated", "attack", "assassination"),
        ("an engineer was kidnapped", "attack", "kidnapping"),
        ("militants hijacked a tanker", "attack", "hijacking"),
        ("militants stormed the PNS Mehran naval air base", "attack", "facility_attack"),
        ("police arrested three suspects", "arrest", None),
        ("militants were hiding in Sohrab Goth", "militant_presence", None),
        ("Karachi has been a safe haven for the group", "militant_presence", None),
        ("a hideout was found in Orangi", "militant_presence", None),
        ("he received threatening calls from the group", "other", None),
        ("unidentified men hurled a grenade at a checkpost", "attack", "bombing"),
        ("a hand grenade was thrown at the police post", "attack", "bombing"),
        ("militants lobbed two grenades into the compound", "attack", "bombing"),
        ("three soldiers were martyred", "attack", "unknown"),
        ("the commander shifted his base from Kalat to Turbat", "militant_presence", None),
        ("he was involved in the navy dockyard attack", "attack", "facility_attack"),
    ],
)
def test_event_types(text, event_type, attack_type):
    trigger = events.find_triggers(text)[0]
    assert (trigger.event_type, trigger.attack_type) == (event_type, attack_type)


@pytest.mark.parametrize(
    "text",
    [
        "Police denied reports of a blast at Saddar, saying a tyre had burst.",
        'A spokesman said, "We will attack the schools of Karachi."',
        "Militants were planning to bomb the station, but the plot was foiled.",
        "The group vowed to attack police stations in Quetta.",
        "Analysts warned that the group could attack Shia mosques in Karachi.",
        "Lashkar-e-Jhangvi has carried out attacks on Hazaras in recent years.",
        'A TTP spokesman said: "We will bomb every police station in Quetta."',
        "\u201cWe will strike again,\u201d the BLA spokesman warned after the arrests.",
        # statistics about attacks are general statements, even with a date
        "Attacks in Karachi fell by 40 percent in 2016, police figures show.",
        "There were fewer bombings in Quetta in 2014 than in any year since 2008.",
        "Targeted killings rose to 300 last year compared with 2013.",
        # an accident is no attack
        "A blast at a shop in Saddar on Monday was caused by a gas cylinder, police said.",
        "Police ruled out terrorism after an explosion at a factory in Korangi on Monday.",
        # grenades recovered are not a grenade attack
        "Police recovered two hand grenades from a house in Lyari on Monday.",
    ],
)
def test_negations_threats_and_general_statements_are_not_events(text, geocoder):
    assert read_document(from_text(text, "t.txt", PUBLISHED), geocoder) == []


# --- targets ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, event_type, expected",
    [
        ("a suicide attacker targeted a Rangers patrol van", "attack", "military"),
        ("killing two soldiers", "attack", "military"),
        ("a head constable was killed", "attack", "police"),
        ("a shop run by a trader belonging to the Bohra community", "attack", "religious_minority"),
        ("the bombing of a Shia procession", "attack", "sectarian"),
        ("a journalist was abducted", "attack", "media"),
        ("the convoy of the party leader", "attack", "political"),
        ("a Chinese engineer was kidnapped", "attack", "foreigners"),
        ("a school teacher was killed", "attack", "education"),
        ("militants hijacked an oil tanker", "attack", "business"),
        ("killing 45 passengers", "attack", "civilians"),
        # "Army" in a group's name is not the army
        ("the Balochistan Liberation Army claimed the blast", "attack", "unknown"),
        ("police arrested three suspects", "arrest", "militants"),
        ("police arrested 40 Afghan and Uzbek nationals", "arrest", "foreigners"),
        ("militants were hiding in Sohrab Goth", "militant_presence", None),
    ],
)
def test_target_types(text, event_type, expected):
    assert targets.target_type(text, event_type)[0] == expected


# --- places ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, dateline, name, precision",
    [
        (
            "A constable was shot dead near Rimpa Plaza on MA Jinnah Road on March 2.",
            None,
            "Rimpa Plaza",
            "site",
        ),
        ("A bomb went off in Saddar on March 2, wounding four.", None, "Saddar", "neighbourhood"),
        # the dateline is the context: Kasi Road is in Quetta
        ("QUETTA: Gunmen killed two men on Kasi Road on March 2.", None, "Kasi Road", "site"),
        ("Gunmen killed two men in Karachi on March 2.", None, "Karachi", "city"),
        # a group's name is not a place
        (
            "KARACHI: The Balochistan Liberation Army claimed the blast that wounded two in "
            "Clifton on March 2.",
            None,
            "Clifton",
            "neighbourhood",
        ),
    ],
)
def test_places_most_specific_wins(text, dateline, name, precision, geocoder):
    (candidate,) = read_document(from_text(text, "t.txt", PUBLISHED), geocoder)
    assert (candidate.place.value.name, candidate.place.value.precision) == (name, precision)


def test_a_presence_is_where_the_militants_were_hiding(geocoder):
    text = (
        "An inquiry into the bombing at Saddar showed that militants had been hiding in "
        "Sohrab Goth since July 2014."
    )
    found = [
        c
        for c in read_document(from_text(text, "t.txt", PUBLISHED), geocoder)
        if c.event_type.value == "militant_presence"
    ]
    assert [c.place.value.name for c in found] == ["Sohrab Goth"]
    assert (found[0].date.value.start, found[0].date.value.end) == (D(2014, 7, 1), PUBLISHED)


def test_events_elsewhere_are_not_coded(geocoder):
    text = "A bomb killed 12 people in Lahore on March 2."
    assert read_document(from_text(text, "t.txt", PUBLISHED), geocoder) == []


def test_one_presence_event_per_place_listed(geocoder):
    text = (
        "Taliban militants have reportedly taken refuge in slums such as Quid Abad, Sohrab Goth "
        "and Kiamaree."
    )
    found = read_document(from_text(text, "t.txt", PUBLISHED), geocoder)
    assert [c.place.value.name for c in found] == ["Quaidabad", "Sohrab Goth", "Kiamari"]
    assert all(c.event_type.value == "militant_presence" for c in found)


# --- coreference and evidence ----------------------------------------------------


def test_mentions_of_one_event_become_one_candidate_with_evidence(geocoder):
    text = (
        "KARACHI: Gunmen stormed a bus at Safoora Chowrangi last month, killing 45 people.\n\n"
        "The slaughter was swiftly claimed by IS.\n\n"
        "Investigators believe LeJ may have carried out the attack.\n"
    )
    document = from_text(text, "report.txt", dt.date(2015, 6, 10))
    (candidate,) = read_document(document, geocoder)
    assert candidate.perpetrators["Islamic State"].value == "claimed"
    assert candidate.perpetrators["Islamic State"].evidence.lines == "3-3"
    assert candidate.perpetrators["Lashkar-e-Jhangvi"].value == "suspected"
    assert candidate.killed.value.low == 45 and candidate.killed.evidence.first_line == 1
    assert [e.lines for e in candidate.evidence] == ["1-1", "3-3", "5-5"]
    row = candidates_frame([candidate], document).iloc[0]
    assert row["perpetrators"] == "Islamic State (claimed); Lashkar-e-Jhangvi (suspected)"
    assert row["source_ref"] == "report.txt:1-5"
    assert row["evidence_lines"] == "1-1; 3-3; 5-5"
    fields = json.loads(row["field_evidence"])
    assert fields["killed"]["lines"] == "1-1" and 0 < fields["killed"]["confidence"] <= 1
    assert fields["group:Islamic State"]["phrase"] == "claimed"
    assert 0 < row["confidence"] <= 1


def test_counted_events_become_one_candidate_each_without_the_combined_toll(geocoder):
    text = "LeJ was behind two huge bombings in Quetta in 2013 that together killed nearly 200."
    found = read_document(from_text(text, "t.txt", PUBLISHED), geocoder)
    assert len(found) == 2
    assert all(c.killed.value is None and c.date.value.start == D(2013, 1, 1) for c in found)
    assert all(c.perpetrators["Lashkar-e-Jhangvi"].value == "attributed" for c in found)


@pytest.mark.parametrize(
    "claim",
    [
        "Lashkar-e-Jhangvi claimed both attacks.",
        "LeJ claimed responsibility for the two blasts.",
        "LeJ said it was behind both bombings.",
        "Lashkar-e-Jhangvi took responsibility for these attacks.",
    ],
)
def test_a_claim_covering_several_events_reaches_each(claim, geocoder):
    text = (
        "QUETTA: A bomb exploded near Meezan Chowk on Sunday, wounding nine people. "
        f"Hours later, gunmen shot dead two policemen on Sariab Road. {claim}"
    )
    found = read_document(from_text(text, "t.txt", D(2017, 8, 14)), geocoder)
    assert [(c.attack_type.value, c.place.value.name) for c in found] == [
        ("bombing", "Meezan Chowk"),
        ("armed_assault", "Sariab Road"),
    ]
    assert all(c.perpetrators["Lashkar-e-Jhangvi"].value == "claimed" for c in found)


def test_a_claim_for_all_three_reaches_three_not_more(geocoder):
    text = (
        "KARACHI: A bomb went off in Lyari on Monday, killing two people. "
        "On Tuesday gunmen shot dead a policeman in Orangi Town. "
        "On Wednesday a blast hit a Rangers van in Korangi. "
        "On Thursday a grenade attack on a police post in Landhi injured three constables. "
        "The SRA claimed the three attacks of Tuesday, Wednesday and Thursday."
    )
    found = read_document(from_text(text, "t.txt", D(2016, 5, 7)), geocoder)
    assert len(found) == 4
    claimed = [bool(c.perpetrators) for c in found]
    assert claimed == [False, True, True, True]


def test_a_base_moved_from_one_place_to_another_is_a_presence_at_both(geocoder):
    text = "Police believe the BLA commander shifted his base from Kalat to Turbat in 2012."
    found = read_document(from_text(text, "t.txt", PUBLISHED), geocoder)
    assert [(c.place.value.name, c.date.value.start, c.date.value.end) for c in found] == [
        ("Turbat", D(2012, 1, 1), D(2012, 12, 31)),
        ("Kalat", D(2012, 1, 1), D(2012, 12, 31)),
    ]
    assert all(c.event_type.value == "militant_presence" for c in found)
    assert all(c.perpetrators["Balochistan Liberation Army"].value == "suspected" for c in found)


@pytest.mark.parametrize(
    "text, arrests",
    [
        # different numbers arrested: two arrests
        (
            "Police arrested 20 suspects in Karachi in a raid on Monday. Moreover, five "
            "militants were arrested in Karachi on Monday.",
            2,
        ),
        # "another": a new arrest
        (
            "Police arrested a suspect in Lyari on Monday. Another suspect was detained in "
            "Lyari on Monday.",
            2,
        ),
        # the same number again: one arrest told twice
        (
            "Police arrested 20 suspects in Lyari on Monday. The 20 suspects were taken into "
            "custody after a raid in Lyari.",
            1,
        ),
    ],
)
def test_arrests_of_different_people_stay_apart(text, arrests, geocoder):
    found = read_document(from_text(text, "t.txt", PUBLISHED), geocoder)
    assert [c.event_type.value for c in found] == ["arrest"] * arrests


@pytest.mark.parametrize(
    "text, expected",
    [
        # the link comes before the arrest is told
        (
            "Investigators say one of the arrested suspects is linked to LeJ. Police arrested "
            "four men in Lyari on Monday.",
            {"Lashkar-e-Jhangvi": "attributed"},
        ),
        # ... or after
        (
            "Police arrested four men in Lyari on Monday. Officials said the detained men were "
            "members of the BLA.",
            {"Balochistan Liberation Army": "attributed"},
        ),
        # two arrests: which one is meant is a guess, so neither gets the group
        (
            "Officials said one of the arrested men is a member of the BLA. Police arrested four "
            "men in Lyari on Monday. Rangers arrested two men in Turbat on Tuesday.",
            {},
        ),
    ],
)
def test_the_group_of_the_arrested_people_goes_to_the_arrest(text, expected, geocoder):
    found = read_document(from_text(text, "t.txt", PUBLISHED), geocoder)
    links = {}
    for candidate in found:
        assert candidate.event_type.value == "arrest"
        links.update({name: value.value for name, value in candidate.perpetrators.items()})
    assert links == expected


def test_an_attack_told_again_far_from_its_first_telling_is_one_event(geocoder):
    filler = " ".join(f"Analysts spoke of topic number {n} at length." for n in range(6))
    text = (
        "KARACHI: A suicide bomber hit a Rangers van in Saddar on March 20, killing two. "
        f"{filler} Officials inspect the site of a suicide attack on a Rangers van on March 20."
    )
    found = read_document(from_text(text, "t.txt", PUBLISHED), geocoder)
    assert len(found) == 1 and len(found[0].evidence) == 2


@pytest.mark.parametrize(
    "text, attack_type",
    [
        ("Maulana Abdul Ghani, a cleric, was shot dead in Kharadar on Monday.", "assassination"),
        (
            "The head of the seminary, Mufti Ahmed Raza (who was killed in Quetta in 2010), "
            "was a Deobandi scholar.",
            "assassination",
        ),
        # a capitalised first word is not a name
        ("In the evening, a police constable was gunned down in Lyari on Monday.", "armed_assault"),
        ("On Monday a shopkeeper was shot dead in Saddar.", "armed_assault"),
    ],
)
def test_a_named_victim_makes_an_assassination(text, attack_type, geocoder):
    (candidate,) = read_document(from_text(text, "t.txt", PUBLISHED), geocoder)
    assert candidate.attack_type.value == attack_type


def test_a_negated_sentence_lends_no_group(geocoder):
    text = (
        "Gunmen shot dead a trader in Lyari on Monday. This is not the first time that a "
        "killing in Lyari has been blamed on the BLA."
    )
    (candidate,) = read_document(from_text(text, "t.txt", PUBLISHED), geocoder)
    assert candidate.perpetrators == {}


def test_the_group_of_the_arrested_men_is_not_the_attacks(geocoder):
    text = (
        "The bombing of a bus in Mastung last month was planned abroad, and one of the arrested "
        "men is a member of LeJ, police said. Police arrested two men in Mastung on Sunday."
    )
    found = read_document(from_text(text, "t.txt", PUBLISHED), geocoder)
    links = {c.event_type.value: {k: v.value for k, v in c.perpetrators.items()} for c in found}
    assert links == {"attack": {}, "arrest": {"Lashkar-e-Jhangvi": "attributed"}}


def test_an_indefinite_attack_in_a_later_sentence_is_not_a_reference(geocoder):
    text = (
        "QUETTA: Gunmen shot dead a lawyer on Sariab Road on Monday. It is not the first "
        "time that an attack in Pakistan has carried the IS footprint."
    )
    (candidate,) = read_document(from_text(text, "t.txt", PUBLISHED), geocoder)
    assert candidate.perpetrators == {}


# --- input -----------------------------------------------------------------------


def test_sentences_keep_their_line_numbers():
    document = from_text(
        "Line one is here.\nIt wraps to line two. Short.\n\nNew paragraph by M.A. Khan."
    )
    found = sentences(document)
    assert [(s.text, s.lines) for s in found] == [
        ("Line one is here.", "1-1"),
        ("It wraps to line two.", "2-2"),
        ("Short.", "2-2"),
        ("New paragraph by M.A. Khan.", "4-4"),
    ]


def test_boilerplate_is_dropped_but_line_numbers_kept():
    document = from_text(
        "KARACHI: A bomb went off.\n\nLeave a Reply\nYour email address will not be published."
    )
    assert document.lines[2:] == ["", ""]
    assert document.dropped_lines == [3, 4]
    assert document.dateline == "Karachi"


def test_publication_date_and_outlet_read_from_the_text():
    document = from_text("Published: 12 May 2015\n\nA bomb went off in Saddar.\n\n—(Dawn)")
    assert document.published == D(2015, 5, 12)
    assert document.outlet == "Dawn"
    given = from_text("Published: 12 May 2015", published=D(2015, 5, 13), outlet="The News")
    assert (given.published, given.outlet) == (D(2015, 5, 13), "The News")


def test_html_without_scripts_menus_or_footers():
    markup = (
        "<html><head><script>var x = 'Gunmen';</script></head><body><nav>Home | World</nav>"
        "<article><h1>Blast in Saddar</h1><p>A bomb went off &amp; wounded four.</p></article>"
        "<footer>Copyright</footer></body></html>"
    )
    assert html_to_text(markup) == "Blast in Saddar\n\nA bomb went off & wounded four."


def _pdf(text: str) -> bytes:
    """A one-page PDF with ``text`` in Helvetica (built by hand: no PDF writer needed)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


def test_pdf_text_is_read(geocoder):
    document = read_bytes(
        _pdf("A bomb went off in Saddar on March 2, wounding four people."), "r.pdf", PUBLISHED
    )
    (candidate,) = read_document(document, geocoder)
    assert candidate.place.value.name == "Saddar" and candidate.injured.value.low == 4


def test_unreadable_files_say_what_to_do():
    with pytest.raises(ReaderInputError, match="Upload a .txt, .html or .pdf"):
        read_bytes(b"x", "report.docx")
    with pytest.raises(ReaderInputError, match="PDF cannot be read"):
        read_bytes(b"%PDF-1.4 broken", "broken.pdf")


# --- the command line ------------------------------------------------------------


def test_cli_output_uploads_cleanly(tmp_path):
    report = tmp_path / "report.txt"
    report.write_text(
        "KARACHI: Gunmen shot dead two policemen near Numaish Chowrangi on March 3, police "
        "said.\n\nThe Tehreek-e-Taliban Pakistan claimed the attack.\n\nTwo days later, police "
        "arrested a suspect in Sohrab Goth.\n",
        encoding="utf-8",
    )
    out = tmp_path / "candidates.csv"
    run = [sys.executable, "-m", "footprint"]
    written = subprocess.run(
        [*run, "extract", str(report), "--published", "2015-03-25", "-o", str(out)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "2 candidate events" in written.stderr
    import pandas as pd

    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(frame.columns[-len(EXTRA_COLUMNS) :]) == list(EXTRA_COLUMNS)
    assert frame["event_type"].tolist() == ["attack", "arrest"]
    assert frame["perpetrators"].tolist()[0] == "Tehrik-i-Taliban Pakistan (claimed)"
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    checked = subprocess.run(
        [*run, "import", str(out), "--dry-run", "--database-url", url],
        cwd=PROJECT,
        capture_output=True,
        text=True,
    )
    summary = json.loads(checked.stdout)
    assert checked.returncode == 0, summary
    assert (summary["format"], summary["would_store"], summary["rejected"]) == ("footprint", 2, 0)
    assert summary["warnings"] == 0, summary["warning_list"]


def test_cli_refuses_a_bad_date(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "footprint",
            "extract",
            "x.txt",
            "--published",
            "March",
            "-o",
            "o.csv",
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and "YYYY-MM-DD" in result.stderr
