"""Event cards: honest dates, places and tolls, and every value escaped."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from test_filters import sample_events

from footprint.views import cards


@pytest.fixture
def events() -> pd.DataFrame:
    return sample_events().set_index("event_id", drop=False)


def event(events: pd.DataFrame, event_id: str) -> dict:
    return events.loc[event_id].to_dict()


@pytest.mark.parametrize(
    ("event_id", "label"),
    [
        ("t-01", "10 March 2015"),
        ("t-03", "May 2015 (month; between 1–20 May 2015)"),
        ("t-07", "2016 (year)"),
        ("t-09", "February 2019 (month)"),
        ("t-10", "3–7 November 2017 (between)"),
        ("t-12", "week of 6 April 2015 (week)"),
    ],
)
def test_date_labels_carry_their_precision(events, event_id, label):
    assert cards.date_label(event(events, event_id)) == label


def test_a_range_beyond_the_named_year_is_given_as_the_range():
    record = {
        "event_date": pd.Timestamp("1980-01-01"),
        "date_start": pd.Timestamp("1980-01-01"),
        "date_end": pd.Timestamp("2010-01-31"),
        "date_precision": "year",
    }
    assert cards.date_label(record) == "1 January 1980 – 31 January 2010 (between)"


def test_date_label_without_a_date():
    assert cards.date_label({"event_date": None, "date_precision": "day"}) == "date unknown"


def test_date_spanning_months_and_years():
    record = {
        "event_date": pd.Timestamp("2014-12-30"),
        "date_start": pd.Timestamp("2014-12-30"),
        "date_end": pd.Timestamp("2015-01-02"),
        "date_precision": "day",
    }
    assert cards.date_label(record) == "30 December 2014 – 2 January 2015 (between)"


def test_approximate_dates_are_flagged(events):
    assert not cards.is_date_approximate(event(events, "t-01"))
    assert cards.is_date_approximate(event(events, "t-03"))
    assert cards.is_date_approximate(event(events, "t-10"))  # a day known only to a range


@pytest.mark.parametrize(
    ("low", "high", "text"),
    [
        (31, None, "31+ killed"),
        (2, 4, "2–4 killed"),
        (5, 5, "5 killed"),
        (0, 0, "0 killed"),
        (None, None, "killed: unknown"),
        (None, 7, "up to 7 killed"),
        (pd.NA, pd.NA, "killed: unknown"),
    ],
)
def test_casualties_are_ranges_and_unknown_is_not_zero(low, high, text):
    assert cards.casualty_label(low, high, "killed") == text


def test_place_label_gives_the_hierarchy_without_repeating_itself(events):
    assert (
        cards.place_label(event(events, "t-03"))
        == "Safoora Goth — Gulshan Iqbal › Karachi East › Sindh"
    )
    # The city is left out where the district already names it ("Karachi Central").
    assert cards.place_hierarchy(event(events, "t-12")) == (
        "Block H › North Nazimabad › Karachi Central › Sindh"
    )
    assert cards.place_label({}) == "place unknown"


def test_titles(events):
    assert cards.event_title(event(events, "t-02")) == "Bombing at Saleh Mosque"
    assert cards.event_title(event(events, "t-05")) == "Suicide bombing at Alamdar Road"
    assert cards.event_title(event(events, "t-04")) == "Arrest at Karachi"
    assert cards.event_title(event(events, "t-07")) == "Militant presence in Manghopir"
    assert cards.event_title(event(events, "t-09")) == "Attack at Lasbela"


def test_sources_name_document_and_lines(events):
    # Seed documents by their title, outlet and date (seeds/*.yaml), not the hashed file name.
    assert cards.sources(event(events, "t-03")) == [
        "“Karachi bus attack points to growing IS influences”, AFP via Kashmir Observer, "
        "2015-06, lines 4-18",
        "“IS emerging in Karachi?”, Pakistan Today, 2015-05, line 9",
    ]
    # A file that is no seed document keeps its name.
    assert cards.sources({"source_ref": "upload.csv:7"}) == ["upload.csv, line 7"]


def test_card_shows_every_part(events):
    html = cards.event_card_html(event(events, "t-03"), heading="Event 2 of 9")
    text = re.sub(r"<[^>]+>", " ", html.split("</style>")[-1])
    text = " ".join(text.split())
    assert "Armed assault at Safoora Goth" in text
    assert "Event 2 of 9" in text
    assert "May 2015 (month; between 1–20 May 2015)" in text
    assert "approximate date" in text
    assert "located to neighbourhood, not an exact point" in text
    assert "Islamic State (claimed)" in text and "Lashkar-e-Jhangvi (suspected)" in text
    assert "45 killed, injured: unknown" in text
    assert "Kashmir Observer, 2015-06, lines 4-18" in text
    # The accent is the claimant's palette colour (Islamic State: indigo).
    assert "--fp-accent:#332288" in html


def test_card_escapes_text_from_uploads(events):
    html = cards.event_card_html(event(events, "t-10"), with_style=False)
    assert "<script" not in html and "<img" not in html and "<b>SHO" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;b&gt;SHO&lt;/b&gt; &amp; guard" in html


def test_card_escapes_group_names_and_ids():
    record = {
        "event_id": '"><svg onload=alert(1)>',
        "perpetrators": "<i>Evil</i> Group (claimed)",
        "event_type": "attack",
        "attack_type": "bombing",
    }
    html = cards.event_card_html(record, with_style=False)
    assert "<svg" not in html and "<i>Evil" not in html
    assert "&lt;i&gt;Evil&lt;/i&gt; Group" in html


def test_large_card_for_briefing(events):
    assert 'class="fp-card fp-large"' in cards.event_card_html(event(events, "t-01"), large=True)
