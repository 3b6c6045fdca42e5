"""The shared filters: applying them, their URL form, options and the radius filter.

``sample_events()`` is the small typed events frame the page tests share: a
dozen events in Karachi and Balochistan with every precision, link and event
type, and one whose text looks like markup.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from footprint.data import filters, schema
from footprint.data.filters import NO_GROUP, FilterState


def sample_events() -> pd.DataFrame:
    """Return a small typed events frame covering every filter (test fixture)."""
    rows = [
        # id, date, start, end, date precision, type, attack, suicide, target type, target,
        # location, neighbourhood, town, district, city, province, lat, lon, geo precision,
        # perpetrators, killed min/max, injured min/max, summary, source_ref
        (
            "t-01",
            "2015-03-10",
            None,
            None,
            "day",
            "attack",
            "armed_assault",
            False,
            "police",
            "police constables",
            "Pakistan Chowk",
            "Pakistan Chowk",
            "Saddar",
            "Karachi South",
            "Karachi",
            "Sindh",
            24.8565,
            67.0045,
            "site",
            "Al Qaeda (attributed)",
            1,
            1,
            1,
            1,
            "A head constable was shot dead.",
            "000_7b3b656c65596d7a.txt:3-4",
        ),
        (
            "t-02",
            "2015-03-20",
            None,
            None,
            "day",
            "attack",
            "bombing",
            False,
            "religious_minority",
            "Bohra worshippers",
            "Saleh Mosque, Pakistan Chowk",
            "Pakistan Chowk",
            "Saddar",
            "Karachi South",
            "Karachi",
            "Sindh",
            24.8571,
            67.0052,
            "site",
            "Al Qaeda (suspected)",
            2,
            2,
            12,
            None,
            "A motorcycle bomb went off.",
            "000_7b3b656c65596d7a.txt:5",
        ),
        (
            "t-03",
            "2015-05-01",
            "2015-05-01",
            "2015-05-20",
            "month",
            "attack",
            "armed_assault",
            False,
            "religious_minority",
            "Ismaili bus",
            "Safoora Goth",
            "Safoora Goth",
            "Gulshan Iqbal",
            "Karachi East",
            "Karachi",
            "Sindh",
            24.9436,
            67.1436,
            "neighbourhood",
            "Islamic State (claimed); Lashkar-e-Jhangvi (suspected)",
            45,
            45,
            None,
            None,
            "Gunmen killed 45 bus passengers.",
            "001_d50ba9a2f3eb9e63.txt:4-18; 002_7e387616d233ec26.txt:9",
        ),
        (
            "t-04",
            "2015-05-20",
            None,
            None,
            "day",
            "arrest",
            None,
            None,
            "militants",
            "four suspects",
            "Karachi",
            None,
            None,
            None,
            "Karachi",
            "Sindh",
            24.8607,
            67.0011,
            "city",
            "Lashkar-e-Jhangvi (attributed)",
            None,
            None,
            None,
            None,
            "Four suspects were arrested.",
            "001_d50ba9a2f3eb9e63.txt:54",
        ),
        (
            "t-05",
            "2013-01-10",
            None,
            None,
            "day",
            "attack",
            "suicide_bombing",
            True,
            "sectarian",
            "Hazara snooker hall",
            "Alamdar Road, Quetta",
            None,
            None,
            "Quetta",
            "Quetta",
            "Balochistan",
            30.1990,
            67.0200,
            "site",
            "Lashkar-e-Jhangvi (claimed)",
            92,
            None,
            120,
            None,
            "Twin blasts.",
            "003_73c1cea4fbde5a7f.txt:20-22",
        ),
        (
            "t-06",
            "2018-07-13",
            None,
            None,
            "day",
            "attack",
            "suicide_bombing",
            True,
            "political",
            "an election rally",
            "Mastung",
            None,
            None,
            "Mastung",
            None,
            "Balochistan",
            29.7997,
            66.8455,
            "district",
            "Islamic State (claimed)",
            149,
            149,
            186,
            186,
            "A suicide bomber struck a rally.",
            "003_73c1cea4fbde5a7f.txt:30",
        ),
        (
            "t-07",
            "2016-01-01",
            "2016-01-01",
            "2016-12-31",
            "year",
            "militant_presence",
            None,
            None,
            "other",
            None,
            "Manghopir",
            "Manghopir",
            "Orangi",
            "Karachi West",
            "Karachi",
            "Sindh",
            24.9800,
            67.0300,
            "town",
            "Tehrik-i-Taliban Pakistan (attributed)",
            None,
            None,
            None,
            None,
            "The Taliban held sway.",
            "004_27f749ed35440c58.txt:40-44",
        ),
        (
            "t-08",
            "2014-06-08",
            None,
            None,
            "day",
            "attack",
            "facility_attack",
            False,
            "infrastructure",
            "Jinnah International Airport",
            "Jinnah International Airport",
            None,
            "Shah Faisal",
            "Karachi East",
            "Karachi",
            "Sindh",
            24.9065,
            67.1608,
            "site",
            "Tehrik-i-Taliban Pakistan (claimed); Islamic Movement of Uzbekistan (claimed)",
            36,
            None,
            18,
            None,
            "Militants stormed the airport.",
            "004_27f749ed35440c58.txt:60",
        ),
        (
            "t-09",
            "2019-02-01",
            "2019-02-01",
            "2019-02-28",
            "month",
            "attack",
            "unknown",
            None,
            "unknown",
            None,
            "Lasbela",
            None,
            None,
            "Lasbela",
            None,
            "Balochistan",
            26.2300,
            66.3000,
            "province",
            None,
            None,
            None,
            None,
            None,
            "An attack with no toll given.",
            "003_73c1cea4fbde5a7f.txt:90",
        ),
        (
            "t-10",
            "2017-11-05",
            "2017-11-03",
            "2017-11-07",
            "day",
            "attack",
            "assassination",
            False,
            "police",
            "<b>SHO</b> & guard",
            "Orangi <script>alert(1)</script>",
            None,
            "Orangi",
            "Karachi West",
            "Karachi",
            "Sindh",
            24.9500,
            66.9900,
            "site",
            "Sipah-e-Sahaba Pakistan (suspected)",
            2,
            4,
            0,
            0,
            "Text from an upload <img src=x onerror=alert(1)>.",
            "upload.csv:7",
        ),
        (
            "t-11",
            "2012-09-03",
            None,
            None,
            "day",
            "arrest",
            None,
            None,
            "militants",
            None,
            "Sohrab Goth",
            "Sohrab Goth",
            "Gadap",
            "Karachi East",
            "Karachi",
            "Sindh",
            24.9480,
            67.0900,
            "site",
            "Al Qaeda (suspected)",
            None,
            None,
            None,
            None,
            "Two men held.",
            "000_7b3b656c65596d7a.txt:40",
        ),
        (
            "t-12",
            "2015-04-11",
            "2015-04-06",
            "2015-04-12",
            "week",
            "attack",
            "bombing",
            False,
            "education",
            "a school",
            "North Nazimabad",
            "Block H",
            "North Nazimabad",
            "Karachi Central",
            "Karachi",
            "Sindh",
            24.9400,
            67.0350,
            "neighbourhood",
            None,
            0,
            0,
            3,
            3,
            "A cracker was thrown at a school.",
            "002_7e387616d233ec26.txt:30",
        ),
    ]
    columns = [
        "event_id", "event_date", "date_start", "date_end", "date_precision", "event_type",
        "attack_type", "suicide", "target_type", "target", "location_text", "neighbourhood",
        "town", "district", "city", "province", "latitude", "longitude", "geo_precision",
        "perpetrators", "killed_min", "killed_max", "injured_min", "injured_max", "summary",
        "source_ref",
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns)
    frame["source_id"] = frame["source_ref"].str.split(".txt").str[0]
    return schema.coerce_events(frame)


def ids(frame: pd.DataFrame) -> list[str]:
    return sorted(frame["event_id"])


@pytest.fixture
def events() -> pd.DataFrame:
    return sample_events()


def test_sample_events_fit_the_contract(events):
    assert list(events.columns[: len(schema.EVENT_COLUMNS)]) == list(schema.EVENT_COLUMNS)
    for record in events.to_dict("records"):
        problems = schema.validate_event(record)
        assert problems == [], (record["event_id"], problems)


def test_default_state_keeps_every_event(events):
    assert FilterState().is_default()
    assert len(filters.apply_filters(events, FilterState())) == len(events)


def test_group_filter_respects_links(events):
    state = FilterState(groups=("Islamic State",), links=("claimed",))
    assert ids(filters.apply_filters(events, state)) == ["t-03", "t-06"]
    # LeJ is suspected of t-03, attributed t-04 and claimed t-05.
    lej = ("Lashkar-e-Jhangvi",)
    assert ids(filters.apply_filters(events, FilterState(groups=lej))) == ["t-03", "t-04", "t-05"]
    assert ids(filters.apply_filters(events, FilterState(groups=lej, links=("claimed",)))) == [
        "t-05"
    ]
    assert ids(
        filters.apply_filters(events, FilterState(groups=lej, links=("suspected", "attributed")))
    ) == ["t-03", "t-04"]


def test_link_alone_applies_to_any_group(events):
    assert ids(filters.apply_filters(events, FilterState(links=("suspected",)))) == [
        "t-02", "t-03", "t-10", "t-11",
    ]  # fmt: skip


def test_no_group_named_selects_unattributed_events(events):
    assert ids(filters.apply_filters(events, FilterState(groups=(NO_GROUP,)))) == ["t-09", "t-12"]
    both = FilterState(groups=(NO_GROUP, "Jundullah", "Al Qaeda"))
    assert ids(filters.apply_filters(events, both)) == ["t-01", "t-02", "t-09", "t-11", "t-12"]


def test_dates_keep_events_whose_range_overlaps(events):
    # t-07 is "2016" (year precision): any range touching 2016 keeps it.
    state = FilterState(date_from=dt.date(2016, 6, 1), date_to=dt.date(2016, 6, 30))
    assert ids(filters.apply_filters(events, state)) == ["t-07"]
    # t-12 is the week of 6-12 April 2015.
    state = FilterState(date_from=dt.date(2015, 4, 12), date_to=dt.date(2015, 4, 30))
    assert ids(filters.apply_filters(events, state)) == ["t-12"]
    assert ids(filters.apply_filters(events, FilterState(date_from=dt.date(2018, 1, 1)))) == [
        "t-06", "t-09",
    ]  # fmt: skip
    assert ids(filters.apply_filters(events, FilterState(date_to=dt.date(2013, 1, 10)))) == [
        "t-05", "t-11",
    ]  # fmt: skip


def test_enumerated_and_place_filters(events):
    assert ids(filters.apply_filters(events, FilterState(event_types=("arrest",)))) == [
        "t-04", "t-11",
    ]  # fmt: skip
    assert ids(filters.apply_filters(events, FilterState(attack_types=("bombing",)))) == [
        "t-02", "t-12",
    ]  # fmt: skip
    assert ids(filters.apply_filters(events, FilterState(target_types=("police",)))) == [
        "t-01", "t-10",
    ]  # fmt: skip
    assert ids(filters.apply_filters(events, FilterState(provinces=("Balochistan",)))) == [
        "t-05", "t-06", "t-09",
    ]  # fmt: skip
    assert ids(filters.apply_filters(events, FilterState(districts=("Karachi West",)))) == [
        "t-07", "t-10",
    ]  # fmt: skip
    assert ids(filters.apply_filters(events, FilterState(towns=("Saddar",)))) == ["t-01", "t-02"]
    assert ids(filters.apply_filters(events, FilterState(neighbourhoods=("Safoora Goth",)))) == [
        "t-03"
    ]


def test_suicide_and_minimum_killed(events):
    assert ids(filters.apply_filters(events, FilterState(suicide=True))) == ["t-05", "t-06"]
    not_suicide = ids(filters.apply_filters(events, FilterState(suicide=False)))
    assert "t-05" not in not_suicide and "t-09" not in not_suicide  # unknown is neither
    assert "t-01" in not_suicide
    # Unknown tolls (t-09) never pass a minimum; 36+ (t-08) passes 30.
    assert ids(filters.apply_filters(events, FilterState(min_killed=30))) == [
        "t-03", "t-05", "t-06", "t-08",
    ]  # fmt: skip


def test_coarsest_precision(events):
    site = ids(filters.apply_filters(events, FilterState(coarsest_precision="site")))
    assert site == ["t-01", "t-02", "t-05", "t-08", "t-10", "t-11"]
    town = ids(filters.apply_filters(events, FilterState(coarsest_precision="town")))
    assert town == sorted(site + ["t-03", "t-07", "t-12"])


def test_filters_combine(events):
    state = FilterState(
        provinces=("Sindh",), event_types=("attack",), coarsest_precision="site", min_killed=2
    )
    assert ids(filters.apply_filters(events, state)) == ["t-02", "t-08", "t-10"]


def test_state_is_canonical_and_hashable():
    a = FilterState(groups=("b", "a", "a"), links=("suspected", "claimed"))
    b = FilterState(groups=["a", "b"], links=["claimed", "suspected"])
    assert a == b and hash(a) == hash(b)
    assert a.groups == ("a", "b") and a.links == ("claimed", "suspected")
    with pytest.raises(ValueError):
        FilterState(coarsest_precision="street")


def test_query_params_round_trip():
    state = FilterState(
        date_from=dt.date(2015, 1, 1),
        date_to=dt.date(2016, 12, 31),
        groups=("Islamic State", "Al Qaeda"),
        links=("claimed",),
        event_types=("attack",),
        attack_types=("bombing", "armed_assault"),
        target_types=("police",),
        suicide=False,
        provinces=("Sindh",),
        districts=("Karachi East",),
        towns=("Gulshan Iqbal",),
        neighbourhoods=("Safoora Goth",),
        min_killed=3,
        coarsest_precision="town",
    )
    params = filters.to_query_params(state)
    assert params["from"] == "2015-01-01" and params["suicide"] == "no"
    assert params["group"] == ["Al Qaeda", "Islamic State"]
    assert filters.from_query_params(params) == state
    # AppTest and browsers give single values as str.
    single = {k: (v[0] if isinstance(v, list) and len(v) == 1 else v) for k, v in params.items()}
    assert filters.from_query_params(single) == state


def test_defaults_are_left_out_of_the_url():
    assert filters.to_query_params(FilterState()) == {}
    assert filters.to_query_params(FilterState(min_killed=0, coarsest_precision="province")) == {}
    assert filters.to_query_params(FilterState(suicide=True)) == {"suicide": "yes"}


def test_bad_query_values_are_ignored_and_reported():
    problems: list[str] = []
    state = filters.from_query_params(
        {
            "from": "2015-13-40",
            "to": "2016-01-01",
            "link": ["claimed", "rumoured"],
            "type": "raid",
            "killed": "-3",
            "precision": "street",
            "suicide": "perhaps",
            "view": "karachi",  # a page's own key: not a filter, not a problem
        },
        problems,
    )
    assert state == FilterState(date_to=dt.date(2016, 1, 1), links=("claimed",))
    assert len(problems) == 6
    assert any("2015-13-40" in p for p in problems)
    assert any("rumoured" in p for p in problems)


def test_backwards_dates_are_dropped():
    state, problems = filters.parse_query_params({"from": "2016-01-01", "to": "2015-01-01"})
    assert state.date_from is None and state.date_to is None
    assert problems and "backwards" in problems[0]


def test_filter_options(events):
    options = filters.filter_options(events)
    # Most frequent group first (ties by name), the unnamed last.
    links = filters.group_links(events).drop_duplicates(["position", "group"])
    counts = links["group"].value_counts()
    named = options["groups"][:-1]
    assert [int(counts[g]) for g in named] == sorted((int(counts[g]) for g in named), reverse=True)
    assert set(named) == set(counts.index)
    assert "Islamic Movement of Uzbekistan" in options["groups"]
    assert options["groups"][-1] == NO_GROUP
    assert options["provinces"] == ["Balochistan", "Sindh"]
    assert "Safoora Goth" in options["neighbourhoods"]
    assert options["date_min"] == dt.date(2012, 9, 3)
    assert options["date_max"] == dt.date(2019, 2, 28)
    assert options["killed_max"] == 149
    assert options["event_types"] == list(schema.EVENT_TYPES)


def test_restrict_to_options_reports_unknown_names(events):
    options = filters.filter_options(events)
    state = FilterState(groups=("Islamic State", "Nobody"), towns=("Atlantis",))
    restricted, problems = filters.restrict_to_options(state, options)
    assert restricted == FilterState(groups=("Islamic State",))
    assert len(problems) == 2 and "Nobody" in problems[0]


def test_describe(events):
    assert filters.describe(FilterState()) == []
    one_day = dt.date(2015, 3, 10)
    assert filters.describe(FilterState(date_from=one_day, date_to=one_day)) == ["On 2015-03-10"]
    chips = filters.describe(
        FilterState(
            date_from=dt.date(2015, 1, 1),
            groups=("Islamic State",),
            links=("claimed",),
            attack_types=("suicide_bombing",),
            suicide=True,
            min_killed=10,
            coarsest_precision="town",
        )
    )
    assert chips == [
        "From 2015-01-01",
        "Groups: Islamic State",
        "Linked as: claimed",
        "Attacks: suicide bombing",
        "Suicide attacks only",
        "At least 10 killed",
        "Placed to town or finer",
    ]


def test_within_radius(events):
    # Pakistan Chowk: t-01 and t-02 are ~100 m apart; t-04 (city point) is ~0.5 km.
    near = filters.within_radius(events, 24.8565, 67.0045, 1.0)
    assert ids(near) == ["t-01", "t-02", "t-04"]
    assert near.loc[near["event_id"] == "t-01", "distance_km"].iloc[0] == pytest.approx(0, abs=1e-6)
    # Karachi to Quetta is about 600 km.
    far = filters.within_radius(events, 24.8565, 67.0045, 700)
    assert "t-05" in set(far["event_id"])
    assert filters.haversine_km(30.1990, 67.0200, 24.8565, 67.0045) == pytest.approx(594, abs=5)


def test_within_radius_skips_events_without_coordinates(events):
    events.loc[events["event_id"] == "t-01", ["latitude", "longitude"]] = float("nan")
    assert "t-01" not in set(filters.within_radius(events, 24.8565, 67.0045, 1.0)["event_id"])


def test_primary_group_takes_the_strongest_link(events):
    primary = dict(zip(events["event_id"], filters.primary_group(events), strict=True))
    assert primary["t-03"] == "Islamic State"
    assert primary["t-09"] is None
    assert primary["t-08"] in {"Tehrik-i-Taliban Pakistan", "Islamic Movement of Uzbekistan"}
