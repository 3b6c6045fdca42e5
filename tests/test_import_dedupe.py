"""Probable duplicates within a file and against stored events: rules, scores, speed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from footprint.importers import dedupe


def events(rows: list[dict], start_line: int = 2) -> pd.DataFrame:
    base = {
        "event_id": None,
        "event_date": "2015-05-13",
        "date_start": None,
        "date_end": None,
        "date_precision": "day",
        "latitude": 24.92,
        "longitude": 67.095,
        "geo_precision": "site",
        "neighbourhood": None,
        "killed_min": None,
        "killed_max": None,
        "perpetrators": None,
    }
    out = []
    for n, row in enumerate(rows):
        record = {**base, "event_id": f"e{n}", **row}
        record["date_start"] = record["date_start"] or record["event_date"]
        record["date_end"] = record["date_end"] or record["date_start"]
        out.append(record)
    frame = pd.DataFrame(out)
    frame["_line"] = range(start_line, start_line + len(frame))
    return frame


def test_same_day_same_place_same_toll_same_group_is_a_likely_duplicate():
    stored = events(
        [
            {
                "event_id": "s1",
                "killed_min": 3,
                "killed_max": 4,
                "perpetrators": "Lashkar-e-Jhangvi (claimed)",
            }
        ]
    )
    new = events(
        [
            {
                "latitude": 24.9205,
                "killed_min": 4,
                "killed_max": 4,
                "perpetrators": "Lashkar-e-Jhangvi (suspected)",
            }
        ]
    )
    (pair,) = dedupe.find_duplicates(new, stored)
    assert (pair.line, pair.other_kind, pair.other_id) == (2, "stored", "s1")
    assert pair.high and pair.score == pytest.approx(1.0)
    assert pair.reasons == (
        "same day",
        "0.1 km apart",
        "similar casualties",
        "a group in common: lashkar-e-jhangvi",
    )


def test_other_day_or_far_away_is_not_a_duplicate():
    stored = events([{"event_id": "s1"}])
    assert dedupe.find_duplicates(events([{"event_date": "2015-05-15"}]), stored) == []
    assert dedupe.find_duplicates(events([{"latitude": 24.95}]), stored) == []  # 3.3 km


def test_one_day_either_side_counts():
    stored = events([{"event_id": "s1", "killed_min": 2, "killed_max": 2}])
    (pair,) = dedupe.find_duplicates(
        events([{"event_date": "2015-05-14", "killed_min": 2, "killed_max": 2}]), stored
    )
    assert pair.reasons[0] == "dates overlap within their precision"


def test_a_month_precise_event_overlaps_every_day_of_its_month():
    stored = events(
        [
            {
                "event_id": "s1",
                "event_date": "2015-05-01",
                "date_end": "2015-05-31",
                "date_precision": "month",
                "killed_min": 1,
                "killed_max": 1,
            }
        ]
    )
    (pair,) = dedupe.find_duplicates(
        events([{"event_date": "2015-05-29", "killed_min": 1, "killed_max": 1}]), stored
    )
    assert pair.other_id == "s1"
    assert (
        dedupe.find_duplicates(
            events([{"event_date": "2015-06-02", "killed_min": 1, "killed_max": 1}]), stored
        )
        == []
    )


def test_same_neighbourhood_counts_even_beyond_two_km():
    stored = events(
        [
            {
                "event_id": "s1",
                "neighbourhood": "Orangi Town",
                "latitude": 25.0,
                "killed_min": 5,
                "killed_max": 5,
            }
        ]
    )
    new = events(
        [{"neighbourhood": "orangi town", "latitude": 25.03, "killed_min": 5, "killed_max": 5}]
    )
    (pair,) = dedupe.find_duplicates(new, stored)
    assert "same neighbourhood" in pair.reasons


def test_city_level_points_weigh_less_and_different_groups_lower_the_score():
    stored = events(
        [
            {
                "event_id": "s1",
                "geo_precision": "city",
                "killed_min": 2,
                "killed_max": 2,
                "perpetrators": "A (claimed)",
            }
        ]
    )
    city = dedupe.find_duplicates(
        events(
            [
                {
                    "geo_precision": "city",
                    "killed_min": 2,
                    "killed_max": 2,
                    "perpetrators": "A (claimed)",
                }
            ]
        ),
        stored,
    )
    site = dedupe.find_duplicates(
        events([{"killed_min": 2, "killed_max": 2, "perpetrators": "A (claimed)"}]),
        events(
            [{"event_id": "s1", "killed_min": 2, "killed_max": 2, "perpetrators": "A (claimed)"}]
        ),
    )
    assert "(city-level points)" in city[0].reasons[1]
    assert city[0].score == pytest.approx(site[0].score - 0.15)
    other_group = dedupe.find_duplicates(
        events([{"killed_min": 2, "killed_max": 2, "perpetrators": "B (claimed)"}]),
        stored,
        threshold=0,
    )
    assert "different groups" in other_group[0].reasons
    assert other_group[0].score < dedupe.HIGH


def test_within_the_file_the_later_row_points_to_the_earlier():
    new = events(
        [
            {"killed_min": 1, "killed_max": 1},
            {"event_date": "2016-01-01"},
            {"killed_min": 1, "killed_max": 1},
        ]
    )
    (pair,) = dedupe.find_duplicates(new)
    assert (pair.line, pair.other_kind, pair.other_line, pair.other_id) == (4, "file", 2, "e0")
    assert pair.key == "4:e0"


def test_rows_marked_unusable_and_rows_without_a_point_take_no_part():
    new = events([{}, {}, {"latitude": None}])
    assert dedupe.find_duplicates(new, usable=np.array([True, False, True])) == []


def test_a_stored_match_is_preferred_to_an_equal_file_match():
    stored = events([{"event_id": "s1"}])
    new = events([{}, {}])
    pairs = dedupe.find_duplicates(new, stored)
    assert [p.other_kind for p in pairs] == ["stored", "stored"]


def test_100k_rows_against_thousands_stored_find_the_stored_copies():
    # Speed is measured by benchmarks/imports.py, not here.
    rng = np.random.default_rng(7)
    n, m = 100_000, 5_000
    days = pd.Timestamp("2000-01-01") + pd.to_timedelta(rng.integers(0, 7300, n), unit="D")
    new = pd.DataFrame(
        {
            "event_id": [f"n{i}" for i in range(n)],
            "event_date": days.strftime("%Y-%m-%d"),
            "date_start": None,
            "date_end": None,
            "date_precision": "day",
            "latitude": 24.8 + rng.integers(0, 300, n) * 0.001,
            "longitude": 67.0 + rng.integers(0, 300, n) * 0.001,
            "geo_precision": "neighbourhood",
            "neighbourhood": None,
            "killed_min": rng.integers(0, 5, n),
            "killed_max": rng.integers(5, 9, n),
            "perpetrators": None,
            "_line": np.arange(2, n + 2),
        }
    )
    stored = new.sample(m, random_state=1).assign(event_id=lambda f: "s" + f["event_id"])
    pairs = dedupe.find_duplicates(new, stored)
    assert sum(p.other_kind == "stored" for p in pairs) >= m * 0.9


TTP = "Tehrik-i-Taliban Pakistan (attributed)"
WITHIN_FILE_CASES = [
    # (second row, a probable duplicate of the first row of the same file?)
    ({"killed_min": 3, "killed_max": 3, "perpetrators": TTP}, True),
    ({"killed_min": 3, "killed_max": 3, "perpetrators": TTP, "latitude": 24.9215}, True),
    # a UCDP dyad row: same day and point, another side
    ({"killed_min": 3, "killed_max": 3, "perpetrators": "Lashkar-e-Islam (attributed)"}, False),
    # the next day
    ({"killed_min": 3, "killed_max": 3, "perpetrators": TTP, "event_date": "2015-05-14"}, False),
    # both on a city centre
    ({"killed_min": 3, "killed_max": 3, "perpetrators": TTP, "geo_precision": "city"}, False),
    # a kilometre away
    ({"killed_min": 3, "killed_max": 3, "perpetrators": TTP, "latitude": 24.929}, False),
    # another toll
    ({"killed_min": 30, "killed_max": 30, "perpetrators": TTP}, False),
]


@pytest.mark.parametrize(("second", "expected"), WITHIN_FILE_CASES)
def test_within_file_pairs_use_the_stricter_rule(second, expected):
    first = {"killed_min": 3, "killed_max": 3, "perpetrators": TTP}
    if second.get("geo_precision") == "city":
        first = {**first, "geo_precision": "city"}
    pairs = dedupe.find_duplicates(events([first, second]))
    assert bool(pairs) == expected, pairs
    if pairs:
        assert pairs[0].other_kind == "file" and pairs[0].score >= dedupe.FILE_PROBABLE


@pytest.mark.parametrize(
    "second",
    [
        {"killed_min": 3, "killed_max": 3, "perpetrators": "Lashkar-e-Islam (attributed)"},
        {"killed_min": 3, "killed_max": 3, "perpetrators": TTP, "latitude": 24.929},
    ],
)
def test_the_same_pair_against_a_stored_event_keeps_the_looser_rule(second):
    stored = events([{"event_id": "s1", "killed_min": 3, "killed_max": 3, "perpetrators": TTP}])
    pairs = dedupe.find_duplicates(events([second]), stored)
    assert [p.other_kind for p in pairs] == ["stored"]


def test_only_stored_events_whose_dates_can_overlap_the_file_are_read(tmp_path):
    import datetime as dt

    from footprint.data import schema, store

    engine = store.make_engine(f"sqlite:///{tmp_path / 'overlap.db'}")
    store.create_schema(engine)
    stored = events(
        [
            {"event_id": "before", "event_date": "2015-05-08"},
            {"event_id": "day-before", "event_date": "2015-05-09"},
            {"event_id": "inside", "event_date": "2015-05-12"},
            {"event_id": "day-after", "event_date": "2015-05-21"},
            {"event_id": "after", "event_date": "2015-05-22"},
            # a month-long span reaching into the file's dates
            {
                "event_id": "month",
                "event_date": "2015-04-01",
                "date_start": "2015-04-01",
                "date_end": "2015-05-10",
                "date_precision": "month",
            },
            # an end written before its start: read as ending on its start
            {
                "event_id": "backwards",
                "event_date": "2015-05-15",
                "date_start": "2015-05-15",
                "date_end": "2015-05-01",
            },
        ]
    )
    with engine.begin() as connection:
        store.insert_events(connection, schema.coerce_events(stored.drop(columns=["_line"])))
        found = store.read_events_overlapping(
            connection, dt.date(2015, 5, 10), dt.date(2015, 5, 20), ["event_id", "event_date"]
        )
    assert sorted(found["event_id"]) == ["backwards", "day-after", "day-before", "inside", "month"]
    # the pairs found from the candidates are the pairs found from the whole store
    upload = events(
        [
            {"event_id": "u1", "event_date": "2015-05-10"},
            {"event_id": "u2", "event_date": "2015-05-20"},
        ]
    )
    with engine.connect() as connection:
        whole = store.read_events(connection)
        candidates = store.read_events_overlapping(
            connection, dt.date(2015, 5, 10), dt.date(2015, 5, 20)
        )
    assert [(p.line, p.other_id, p.score) for p in dedupe.find_duplicates(upload, candidates)] == [
        (p.line, p.other_id, p.score) for p in dedupe.find_duplicates(upload, whole)
    ]
    assert {p.other_id for p in dedupe.find_duplicates(upload, candidates)} >= {"day-before"}


# --- the indexed search against the plain definition -------------------------


def _plain_score(a: dict, b: dict) -> tuple[float, dict] | None:
    """Score one pair from the module docstring's rules, in plain Python (None: not compared)."""
    import math

    def span(row):
        start = pd.Timestamp(row["date_start"] or row["event_date"]).toordinal()
        end = max(pd.Timestamp(row["date_end"] or row["date_start"]).toordinal(), start)
        return start, end, row["date_precision"] == "day" and start == end

    (a_start, a_end, a_day), (b_start, b_end, b_day) = span(a), span(b)
    if not (b_start <= a_end + 1 and b_end >= a_start - 1):
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (a["latitude"], a["longitude"],
                                                b["latitude"], b["longitude"]))  # fmt: skip
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    distance = 6371.0088 * 2 * math.asin(math.sqrt(min(max(h, 0.0), 1.0)))
    hood = (
        bool(a["neighbourhood"])
        and a["neighbourhood"].lower() == (b["neighbourhood"] or "").lower()
    )
    if distance > dedupe.MAX_KM and not hood:
        return None
    same_day = a_day and b_day and a_start == b_start
    place = 1.0 - 0.5 * min(max((distance - 0.2) / (dedupe.MAX_KM - 0.2), 0), 1)
    place = place if distance <= dedupe.MAX_KM else 0.7
    coarse = "city" in (a["geo_precision"], b["geo_precision"])
    place = place * 0.5 if coarse else place
    known = a["killed_min"] is not None and b["killed_min"] is not None
    if known:
        (a_lo, a_hi), (b_lo, b_hi) = (
            (a["killed_min"], a["killed_max"]),
            (b["killed_min"], b["killed_max"]),
        )
        gap = min(abs(b_lo - a_hi), abs(a_lo - b_hi))
        meet = b_lo <= a_hi and b_hi >= a_lo
        casualties = 1.0 if meet else min(max(1 - gap / max(a_hi, b_hi, 1), 0), 1)
    else:
        casualties = 0.5
    groups_a = {g.split(" (")[0].lower() for g in (a["perpetrators"] or "").split(";") if g}
    groups_b = {g.split(" (")[0].lower() for g in (b["perpetrators"] or "").split(";") if g}
    groups = 0.5 if not groups_a or not groups_b else (1.0 if groups_a & groups_b else 0.0)
    score = 0.3 * (1.0 if same_day else 0.6) + 0.3 * place + 0.2 * casualties + 0.2 * groups
    file_ok = (
        score >= dedupe.FILE_PROBABLE and same_day and not coarse
        and distance <= dedupe.FILE_MAX_KM and (not known or casualties >= 0.75) and groups != 0.0
    )  # fmt: skip
    return score, {"file_ok": file_ok}


KARACHI_AND_QUETTA = [(24.92, 67.095), (24.93, 67.10), (24.86, 67.01), (30.18, 66.99)]
#: Points either side of the antimeridian and far north, where a degree of
#: longitude is short and the search grid's columns wrap.
EDGES_OF_THE_GRID = [(64.99, 179.999), (65.0, -179.995), (80.0, 10.0), (80.01, 10.05)]


@pytest.mark.parametrize(
    ("points", "jitter", "seed"),
    [
        (KARACHI_AND_QUETTA, 0.01, 11),
        # jitter of about 1 km: many pairs near 0.5 and 2 km, across cell edges
        (KARACHI_AND_QUETTA, 0.008, 5),
        (EDGES_OF_THE_GRID, 0.01, 3),
    ],
    ids=["karachi-quetta", "near-the-limits", "antimeridian-and-far-north"],
)
def test_the_indexed_search_finds_what_comparing_every_pair_finds(points, jitter, seed):
    """The searches (span buckets, grid cells, neighbourhood numbers) change no pair.

    Rows repeat a few points (as geocoded rows and city centres do) and
    jitter others, span one day to a month, and name neighbourhoods far apart.
    """
    rng = np.random.default_rng(seed)
    hoods = [None, None, "Orangi", "Lyari"]
    groups = [None, "Lashkar-e-Jhangvi (claimed)", "Islamic State (suspected)"]

    def rows(n, prefix):
        out = []
        for k in range(n):
            lat, lon = points[rng.integers(len(points))]
            if rng.random() < 0.5:
                lat, lon = lat + rng.normal(0, jitter), lon + rng.normal(0, jitter)
            day = pd.Timestamp("2015-05-01") + pd.Timedelta(days=int(rng.integers(0, 40)))
            month = rng.random() < 0.1
            killed = None if rng.random() < 0.3 else int(rng.integers(0, 6))
            out.append({
                "event_id": f"{prefix}{k}",
                "event_date": day.strftime("%Y-%m-%d"),
                "date_start": (day.replace(day=1) if month else day).strftime("%Y-%m-%d"),
                "date_end": ((day.replace(day=1) + pd.offsets.MonthEnd(0)) if month else day)
                .strftime("%Y-%m-%d"),
                "date_precision": "month" if month else "day",
                "latitude": float(lat), "longitude": float((lon + 180) % 360 - 180),
                "geo_precision": "city" if rng.random() < 0.2 else "site",
                "neighbourhood": hoods[rng.integers(len(hoods))],
                "killed_min": killed, "killed_max": None if killed is None else killed + int(rng.integers(0, 2)),
                "perpetrators": groups[rng.integers(len(groups))],
            })  # fmt: skip
        return out

    stored_rows, new_rows = rows(120, "s"), rows(400, "n")
    stored, new = events(stored_rows), events(new_rows)
    got = {p.index: p for p in dedupe.find_duplicates(new, stored)}
    expected = {}
    for i, row in enumerate(new_rows):
        found = []
        for kind, others in (("stored", stored_rows), ("file", new_rows[:i])):
            for other in others:
                scored = _plain_score(row, other)
                if (
                    scored
                    and scored[0] >= dedupe.PROBABLE
                    and (kind == "stored" or scored[1]["file_ok"])
                ):
                    found.append((round(scored[0], 6), kind == "stored", other["event_id"]))
        if found:
            best = max(score for score, _, _ in found)
            tied = [f for f in found if f[0] == best]
            if any(stored_first for _, stored_first, _ in tied):
                tied = [f for f in tied if f[1]]
            expected[i] = (round(best, 3), {other for _, _, other in tied})
    assert len(expected) > 100  # the case is not empty
    assert set(got) == set(expected)
    for i, pair in got.items():
        score, candidates = expected[i]
        assert pair.score == score and pair.other_id in candidates, (i, pair)
