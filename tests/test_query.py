"""The query layer gives the same answers as the pandas reference, on SQLite and PostGIS.

The reference is ``filters.apply_filters`` plus the pandas computations the
pages used before (``charts.period_counts``, ``areas.area_counts``,
``areas.ranked_neighbourhoods``, ``profiles.group_table``,
``filters.within_radius``, ``exports.search``, ``profiles`` place counts). Each store holds the seed
events and a synthetic batch built here: a few thousand events over
gazetteer places, with several groups and links, unknown tolls and date ranges.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from conftest import empty_engine, store_url

from footprint import paths
from footprint.data import exports, filters, query, schema, store
from footprint.data.filters import NO_GROUP, FilterState
from footprint.views import areas, charts, profiles

SYNTHETIC_ROWS = 3000
GROUP_NAMES = (
    "Al Qaeda",
    "Islamic State",
    "Lashkar-e-Jhangvi",
    "Tehrik-i-Taliban Pakistan",
    "Balochistan Liberation Army",
    "Jundallah",
)


def synthetic_events(rows: int, seed: int = 7, prefix: str = "q") -> pd.DataFrame:
    """Return ``rows`` synthetic events over gazetteer places (test fixture, built in code)."""
    rng = np.random.default_rng(seed)
    places = pd.read_csv(paths.GAZETTEER_CSV, dtype=str, keep_default_na=False)
    places = places[places["latitude"] != ""].reset_index(drop=True)
    pick = places.iloc[rng.integers(0, len(places), rows)].reset_index(drop=True)
    start = pd.Timestamp("2002-01-01") + pd.to_timedelta(rng.integers(0, 15 * 365, rows), "D")
    ranged = rng.random(rows) < 0.2
    end = start + pd.to_timedelta(np.where(ranged, rng.integers(1, 60, rows), 0), "D")
    undated = rng.random(rows) < 0.03
    event_type = rng.choice(schema.EVENT_TYPES, rows, p=[0.7, 0.15, 0.1, 0.05])
    attack = np.where(event_type == "attack", rng.choice(schema.ATTACK_TYPES, rows), None)
    killed = rng.integers(0, 40, rows).astype(object)
    unknown = rng.random(rows) < 0.25
    killed[unknown] = None
    killed_max = np.array(
        [
            None if k is None or r < 0.5 else k + int(r * 10)
            for k, r in zip(killed, rng.random(rows), strict=True)
        ],
        dtype=object,
    )
    injured = np.where(rng.random(rows) < 0.4, None, rng.integers(0, 90, rows)).astype(object)
    perpetrators = []
    for _ in range(rows):
        count = rng.choice([0, 1, 1, 2, 3])
        chosen = rng.choice(GROUP_NAMES, count, replace=False)
        perpetrators.append(
            schema.format_perpetrators([(str(g), str(rng.choice(schema.LINKS))) for g in chosen])
        )
    precision = np.where(
        pick["kind"].isin(["neighbourhood", "town", "district", "city", "province"]),
        pick["kind"],
        "site",
    )
    frame = pd.DataFrame(
        {
            "event_id": [f"{prefix}-{i:05d}" for i in range(rows)],
            "event_date": np.where(undated, None, start.strftime("%Y-%m-%d")),
            "date_start": np.where(ranged, start.strftime("%Y-%m-%d"), None),
            "date_end": np.where(ranged, end.strftime("%Y-%m-%d"), None),
            "date_precision": np.where(ranged, "month", "day"),
            "event_type": event_type,
            "attack_type": attack,
            "suicide": np.where(rng.random(rows) < 0.1, "true", "false"),
            "target_type": rng.choice(schema.TARGET_TYPES, rows),
            "target": "someone",
            "location_text": pick["name"],
            "neighbourhood": np.where(pick["kind"] == "neighbourhood", pick["name"], None),
            "town": pick["town"].replace("", None),
            "district": pick["district"].replace("", None),
            "city": pick["city"].replace("", None),
            "province": pick["province"].replace("", None),
            "latitude": np.where(rng.random(rows) < 0.05, None, pick["latitude"]),
            "longitude": pick["longitude"],
            "geo_precision": precision,
            "perpetrators": perpetrators,
            "killed_min": killed,
            "killed_max": killed_max,
            "injured_min": injured,
            "injured_max": None,
            "summary": [f"Synthetic event {i} at Safoora Goth_{i % 7}" for i in range(rows)],
            "source_id": "synthetic-test",
            "source_ref": [f"synthetic.txt:{i}" for i in range(rows)],
        }
    )
    frame.loc[frame["latitude"].isna(), "longitude"] = None
    return frame


def add_batch(engine, frame: pd.DataFrame, digit: str) -> int:
    """Store ``frame`` as one upload batch; return its id."""
    with engine.begin() as connection:
        batch = store.create_batch(
            connection,
            file_name="synthetic.csv",
            sha256=digit * 64,
            format="footprint",
            rows_read=len(frame),
            rows_stored=len(frame),
            rows_rejected=0,
            uploaded_by="test",
        )
        store.insert_events(connection, frame, batch_id=batch)
    return batch


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def loaded(request, tmp_path_factory):
    """A store with the seed events and a synthetic batch, its index and the reference frame."""
    url = store_url(request, tmp_path_factory.mktemp("query"), request.param)
    engine = empty_engine(url)
    store.initialise(engine)
    add_batch(engine, synthetic_events(SYNTHETIC_ROWS), "a")
    index = query.EventsIndex.build(engine)
    with engine.connect() as connection:
        reference = store.read_events(connection)
    yield engine, index, reference
    engine.dispose()


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Values as plain objects with None for missing, for comparing frames across dtypes."""
    out = frame.reset_index(drop=True).astype(object)
    return out.where(out.notna(), None)


STATES = [
    FilterState(),
    FilterState(date_from=dt.date(2008, 1, 1)),
    FilterState(date_to=dt.date(2005, 6, 30)),
    FilterState(date_from=dt.date(2010, 3, 1), date_to=dt.date(2010, 3, 31)),
    FilterState(groups=("Al Qaeda",)),
    FilterState(groups=("Al Qaeda", "Jundallah"), links=("claimed",)),
    FilterState(links=("suspected",)),
    FilterState(groups=(NO_GROUP,)),
    FilterState(groups=(NO_GROUP, "Islamic State"), links=("attributed",)),
    FilterState(event_types=("attack",), attack_types=("bombing", "suicide_bombing")),
    FilterState(target_types=("police", "sectarian")),
    FilterState(suicide=True),
    FilterState(suicide=False),
    FilterState(provinces=("Sindh",)),
    FilterState(districts=("Quetta", "Karachi East")),
    FilterState(towns=("Saddar Town", "Gulshan Iqbal Town")),
    FilterState(neighbourhoods=("Clifton", "Saddar", "Safoora Goth")),
    FilterState(min_killed=10),
    FilterState(coarsest_precision="neighbourhood"),
    FilterState(coarsest_precision="site"),
    FilterState(
        date_from=dt.date(2004, 1, 1),
        groups=("Lashkar-e-Jhangvi",),
        provinces=("Balochistan",),
        min_killed=1,
        coarsest_precision="district",
    ),
]
STATE_IDS = [",".join(filters.describe(s)) or "default" for s in STATES]


@pytest.mark.parametrize("state", STATES, ids=STATE_IDS)
def test_filters_match_the_pandas_reference(loaded, state):
    _, index, reference = loaded
    expected = filters.apply_filters(reference, state).sort_values("event_id")
    got = query.events_frame(index, state, limit=10**7, order_by="event_id")
    assert query.count(index, state) == len(expected)
    assert list(got.columns) == list(reference.columns)
    pd.testing.assert_frame_equal(plain(got), plain(expected))


def test_the_synthetic_set_exercises_every_filter(loaded):
    _, _, reference = loaded
    assert len(reference) == SYNTHETIC_ROWS + 49
    for state in STATES[1:]:
        shown = len(filters.apply_filters(reference, state))
        assert 0 < shown < len(reference), filters.describe(state)


def test_typed_frame_has_the_dtypes_of_read_events(loaded):
    _, index, reference = loaded
    got = query.events_frame(index, FilterState(), limit=5)
    assert len(got) == 5
    for column in (*schema.DATE_COLUMNS, *schema.FLOAT_COLUMNS, *schema.COUNT_COLUMNS, "suicide"):
        assert got[column].dtype == reference[column].dtype, column


def test_filter_options_match_the_reference(loaded):
    _, index, reference = loaded
    assert query.filter_options(index) == filters.filter_options(reference)


@pytest.mark.parametrize("freq", ["month", "quarter", "year"])
@pytest.mark.parametrize("by", ["primary", "linked", None])
@pytest.mark.parametrize(
    "state", [STATES[0], STATES[5], STATES[17]], ids=STATE_IDS[0:1] + ["g", "k"]
)
def test_timeline_bins_match_the_reference(loaded, freq, by, state):
    _, index, reference = loaded
    expected = charts.period_counts(filters.apply_filters(reference, state), freq=freq, by=by)
    got = query.period_counts(index, state, freq=freq, by=by)
    keys = ["period", "group"] if by else ["period"]
    pd.testing.assert_frame_equal(
        plain(got.sort_values(keys, ignore_index=True)),
        plain(expected.sort_values(keys, ignore_index=True)),
    )


@pytest.mark.parametrize("freq", ["quarter", "year"])
@pytest.mark.parametrize(
    "state", [STATES[0], STATES[8], STATES[13]], ids=["all", "none+is", "sindh"]
)
def test_panel_bins_match_the_reference(loaded, freq, state):
    """The small multiples' bins (one query): every linked group, and unlinked events apart."""
    _, index, reference = loaded
    filtered = filters.apply_filters(reference, state).reset_index(drop=True)
    linked = charts.period_counts(filtered, freq=freq, by="linked")
    unlinked = sorted(set(range(len(filtered))) - set(profiles.event_groups(filtered)["row"]))
    rest = charts.period_counts(filtered.iloc[unlinked], freq=freq, by=None)
    rest.insert(3, "group", NO_GROUP)
    expected = pd.concat([linked, rest[linked.columns]], ignore_index=True)
    got = query.group_period_counts(index, state, freq=freq)
    assert list(got.columns) == list(expected.columns)
    assert (got["group"] == NO_GROUP).any() == bool(unlinked)
    keys = ["period", "group"]
    pd.testing.assert_frame_equal(
        plain(got.sort_values(keys, ignore_index=True)),
        plain(expected.sort_values(keys, ignore_index=True)),
    )


@pytest.mark.parametrize("freq", ["day", "week"])
def test_short_bins_count_every_dated_event_once(loaded, freq):
    _, index, reference = loaded
    state = STATES[3]
    got = query.period_counts(index, state, freq=freq, by=None)
    expected = filters.apply_filters(reference, state)
    assert got["events"].sum() == expected["event_date"].notna().sum()
    starts = pd.to_datetime(got["period"])
    if freq == "week":
        assert (starts.dt.day_of_week == 0).all()
    assert (pd.to_datetime(got["period_end"]) > starts).all()


@pytest.mark.parametrize("level", ["district", "town"])
@pytest.mark.parametrize("state", [STATES[0], STATES[4], STATES[17]], ids=["all", "aq", "k10"])
def test_area_counts_match_the_reference(loaded, level, state):
    _, index, reference = loaded
    expected = areas.area_counts(filters.apply_filters(reference, state), level)
    got = query.area_counts(index, state, level)
    pd.testing.assert_frame_equal(plain(got), plain(expected[got.columns]))


@pytest.mark.parametrize("state", [STATES[0], STATES[13], STATES[17]], ids=["all", "sindh", "k10"])
def test_ranked_neighbourhoods_match_the_reference(loaded, state):
    _, index, reference = loaded
    expected = areas.ranked_neighbourhoods(filters.apply_filters(reference, state))
    got, total = query.ranked_neighbourhoods(index, state, limit=10_000)
    assert total == len(expected)
    compare = [c for c in expected.columns if c != "groups"]
    pd.testing.assert_frame_equal(plain(got[compare]), plain(expected[compare]))
    assert [set(g.split(", ")) for g in got["groups"]] == [
        set(g.split(", ")) for g in expected["groups"]
    ]


@pytest.mark.parametrize("state", [STATES[0], STATES[9], STATES[7]], ids=["all", "bomb", "none"])
def test_group_figures_match_the_reference(loaded, state):
    _, index, reference = loaded
    filtered = filters.apply_filters(reference, state)
    expected = profiles.group_table(filtered).set_index("group")
    got = query.group_counts(index, state).set_index("group")
    assert list(got.index) == list(expected.index)
    for column in ("events", *schema.LINKS, "first_event", "last_event", "districts"):
        assert plain(got[[column]]).equals(plain(expected[[column]])), column
    assert (got["killed_low"] == expected["killed_min"]).all()
    assert (got["killed_high"] == expected["killed_max"]).all()
    # Open and unknown tolls, and the injured, reach the page's text ranges unchanged.
    table = profiles.group_table_from_counts(got.reset_index()).set_index("group")
    for column in ("killed", "injured"):
        assert list(table[column]) == list(expected[column]), column
    network = query.group_event_counts(index, state)
    links = profiles.event_groups(filtered)
    assert network == links.groupby("group")["row"].nunique().to_dict()
    # The Groups page sizes the network's circles from the table's counts.
    assert network == {g: n for g, n in got["events"].items() if g != NO_GROUP}


@pytest.mark.parametrize(
    ("group", "state"),
    [("Al Qaeda", STATES[0]), ("Jundallah", STATES[1]), (NO_GROUP, STATES[13])],
    ids=["aq", "jundallah-2008", "none-sindh"],
)
def test_a_groups_places_and_latest_events_match_the_reference(loaded, group, state):
    _, index, reference = loaded
    filtered = filters.apply_filters(reference, state).reset_index(drop=True)
    if group == NO_GROUP:
        rows = sorted(set(range(len(filtered))) - set(profiles.event_groups(filtered)["row"]))
    else:
        links = profiles.event_groups(filtered)
        rows = sorted(set(links.loc[links["group"] == group, "row"]))
    own = filtered.iloc[rows]
    assert len(own) > 60  # more than one small page: the late fetch is exercised
    places = query.places_counts(index, state, ("district", "town", "neighbourhood"), group=group)
    for column in ("district", "town", "neighbourhood"):
        expected = profiles._place_counts(own, column).head(50)
        pd.testing.assert_frame_equal(plain(places[column]), plain(expected), obj=column)
        pd.testing.assert_frame_equal(
            places[column], query.place_counts(index, state, column, group=group), obj=column
        )
    latest = query.group_events(index, state, group, limit=60)
    # Newest first, undated last, ties by event id.
    dated = own["event_date"].notna()
    expected = pd.concat(
        [
            own[dated].sort_values(["event_date", "event_id"], ascending=[False, True]),
            own[~dated].sort_values("event_id"),
        ]
    ).head(60)
    assert list(latest["event_id"]) == list(expected["event_id"])
    pd.testing.assert_frame_equal(plain(latest), plain(expected))


@pytest.mark.parametrize("limit", [5, query.LATE_FETCH_ROWS + 1, 400])
def test_top_rows_fetch_late_and_keep_the_order(loaded, limit):
    """A page's wide columns come for its rows only, in the sort's order, ties by event id."""
    _, index, reference = loaded
    state = STATES[1]
    got = query.events_frame(
        index, state, limit=limit, offset=7, order_by="killed_min", descending=True
    )
    # Unknown tolls last; descending ties by event id descending (as events_frame sorts).
    want = (
        filters.apply_filters(reference, state)
        .sort_values(["killed_min", "event_id"], ascending=[False, False], na_position="last")
        .iloc[7 : 7 + limit]
    )
    assert list(got["event_id"]) == list(want["event_id"])
    pd.testing.assert_frame_equal(plain(got), plain(want))


@pytest.mark.parametrize("km", [2.0, 10.0, 60.0])
def test_radius_search_matches_the_reference(loaded, km):
    _, index, reference = loaded
    state = STATES[9]
    expected = areas.events_near(filters.apply_filters(reference, state), 24.92, 67.09, km)
    got, total = query.within_radius(index, state, 24.92, 67.09, km, limit=10**6)
    assert total == len(expected) > 0
    assert list(got["event_id"]) == list(expected["event_id"]) or sorted(got["event_id"]) == sorted(
        expected["event_id"]
    )
    assert np.allclose(
        got.sort_values("event_id")["distance_km"], expected.sort_values("event_id")["distance_km"]
    )
    bounded, total = query.within_radius(index, state, 24.92, 67.09, km, limit=3)
    assert len(bounded) == min(3, total) and bounded["distance_km"].is_monotonic_increasing


@pytest.mark.parametrize("words", ["safoora", "SAFOORA goth_3", "police", "q-0001", "nothing-here"])
def test_search_matches_the_reference(loaded, words):
    _, index, reference = loaded
    state = STATES[1]
    expected = exports.search(filters.apply_filters(reference, state), words)
    got = query.events_frame(index, state, limit=10**7, search=words, order_by="event_id")
    assert sorted(got["event_id"]) == sorted(expected["event_id"])
    assert query.count(index, state, search=words) == len(expected)


@pytest.mark.parametrize("column", ["event_date", "killed_min", "district", "main_group"])
@pytest.mark.parametrize("descending", [False, True])
def test_pages_are_sorted_bounded_and_cover_the_filter(loaded, column, descending):
    _, index, _ = loaded
    state = STATES[4]
    total = query.count(index, state)
    pages = [
        query.events_frame(
            index,
            state,
            limit=250,
            offset=offset,
            order_by=column,
            descending=descending,
            columns=["event_id", column] if column == "main_group" else None,
        )
        for offset in range(0, total, 250)
    ]
    assert all(len(page) <= 250 for page in pages)
    joined = pd.concat(pages, ignore_index=True)
    assert len(joined) == total and joined["event_id"].is_unique
    values = joined[column].dropna()
    assert values.is_monotonic_decreasing if descending else values.is_monotonic_increasing
    # Unknown values sort last in either direction.
    missing = joined[column].isna().to_numpy()
    assert not missing.any() or missing[missing.argmax() :].all()


def test_export_chunks_hold_every_filtered_event_once(loaded):
    _, index, reference = loaded
    state = STATES[1]
    chunks = list(query.iter_events(index, state, chunk_rows=500))
    assert len(chunks) > 1 and all(len(c) <= 500 for c in chunks)
    joined = pd.concat(chunks, ignore_index=True)
    expected = filters.apply_filters(reference, state)
    assert sorted(joined["event_id"]) == sorted(expected["event_id"])


def test_h3_cells_and_derived_columns(loaded):
    _, index, reference = loaded
    import h3

    row = (
        index.cursor()
        .execute(
            "SELECT latitude, longitude, h3_4, h3_8, main_group, main_link, killed_size, "
            "precision_rank, geo_precision FROM events WHERE latitude IS NOT NULL LIMIT 1"
        )
        .fetchall()[0]
    )
    lat, lon, cell4, cell8, *_ = row
    assert cell8 == h3.str_to_int(h3.latlng_to_cell(lat, lon, 8))
    assert cell4 == h3.str_to_int(h3.latlng_to_cell(lat, lon, 4))
    assert row[7] == schema.GEO_PRECISION_RANK[row[8]]
    missing = index.cursor().execute(
        "SELECT count(*) FROM events WHERE latitude IS NULL AND h3_6 IS NOT NULL"
    )
    assert missing.fetchall()[0][0] == 0
    main = index.cursor().execute("SELECT event_id, main_group FROM events").df()
    expected = dict(zip(reference["event_id"], filters.primary_group(reference), strict=True))
    assert {
        k: v if isinstance(v, str) else None
        for k, v in zip(main["event_id"], main["main_group"], strict=True)
    } == {k: v if isinstance(v, str) else None for k, v in expected.items()}


def dump(index: query.EventsIndex) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The index's events and links, in a comparable order."""
    events = plain(query.events_frame(index, FilterState(), limit=10**7, order_by="event_id"))
    links = (
        index.cursor()
        .execute(
            "SELECT e.event_id, l.group_name, l.link, l.link_rank FROM links l "
            "JOIN events e USING (idx) ORDER BY ALL"
        )
        .df()
    )
    return events, links


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_refresh_follows_an_upload_a_merge_and_an_undo(request, tmp_path, backend):
    url = store_url(request, tmp_path, backend)
    engine = empty_engine(url)
    store.initialise(engine)
    index = query.EventsIndex.build(engine)
    assert index.refresh(engine) is False
    before = dump(index)

    first = add_batch(engine, synthetic_events(400, seed=1, prefix="r1"), "b")
    with engine.begin() as connection:
        merge_batch = store.create_batch(
            connection,
            file_name="merge.csv",
            sha256="c" * 64,
            format="footprint",
            rows_read=1,
            rows_stored=0,
            rows_rejected=0,
            uploaded_by="test",
            rows_merged=1,
        )
        store.add_source(connection, "r1-00003", "other.txt:9", merge_batch)
    assert index.refresh(engine) is True
    fresh = query.EventsIndex.build(engine)
    for got, expected in zip(dump(index), dump(fresh), strict=True):
        pd.testing.assert_frame_equal(got, expected)
    assert index.total() == 49 + 400
    with engine.connect() as connection:
        assert index.version == tuple(store.data_version(connection))
    merged = query.event_by_id(index, "r1-00003")
    assert merged["source_ref"] == "synthetic.txt:3; other.txt:9"
    assert query.count(index, FilterState(), search="other.txt") == 1

    second = add_batch(engine, synthetic_events(300, seed=2, prefix="r2"), "d")
    index.refresh(engine)
    with engine.begin() as connection:
        store.undo_batch(connection, merge_batch, "test")
        store.undo_batch(connection, first, "test")
    assert index.refresh(engine) is True
    for got, expected in zip(dump(index), dump(query.EventsIndex.build(engine)), strict=True):
        pd.testing.assert_frame_equal(got, expected)
    assert index.total() == 49 + 300
    with engine.begin() as connection:
        store.undo_batch(connection, second, "test")
    index.refresh(engine)
    for got, expected in zip(dump(index), before, strict=True):
        pd.testing.assert_frame_equal(got, expected)
    engine.dispose()


def test_changed_seed_events_rebuild_the_copy(tmp_path):
    engine = store.make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    store.initialise(engine)
    index = query.EventsIndex.build(engine)
    add_batch(engine, synthetic_events(50, prefix="s"), "e")
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "UPDATE events SET summary = 'Edited seed' WHERE batch_id IS NULL AND "
                "event_id = (SELECT min(event_id) FROM events WHERE batch_id IS NULL)"
            )
        )
    assert index.refresh(engine) is True
    assert query.count(index, FilterState(), search="edited seed") == 1
    for got, expected in zip(dump(index), dump(query.EventsIndex.build(engine)), strict=True):
        pd.testing.assert_frame_equal(got, expected)


@pytest.mark.parametrize("fmt", ["csv", "geojson", "gpkg"])
def test_streamed_exports_equal_the_one_frame_export(loaded, tmp_path, fmt):
    _, index, reference = loaded
    state = STATES[4]
    streamed = tmp_path / f"streamed.{fmt}"
    written = exports.write_chunks(query.iter_events(index, state, chunk_rows=300), streamed, fmt)
    expected = filters.apply_filters(reference, state)
    assert written == len(expected)
    back = exports.read(streamed, fmt).sort_values("event_id", ignore_index=True)
    whole = exports.read(exports.write(expected, tmp_path / f"whole.{fmt}", fmt), fmt).sort_values(
        "event_id", ignore_index=True
    )
    pd.testing.assert_frame_equal(plain(back), plain(whole))


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (None, None, "month"),
        (dt.date(2015, 3, 1), dt.date(2015, 3, 20), "day"),
        (dt.date(2015, 1, 1), dt.date(2015, 9, 1), "week"),
        (dt.date(2012, 1, 1), dt.date(2015, 9, 1), "month"),
        (dt.date(2004, 1, 1), dt.date(2015, 9, 1), "quarter"),
        (dt.date(1990, 1, 1), dt.date(2015, 9, 1), "year"),
    ],
)
def test_the_bin_follows_the_date_range(first, last, expected):
    assert query.suggested_frequency(first, last) == expected


def test_where_clause_is_parameterised_never_interpolated():
    hostile = "x'); DROP TABLE events; --"
    where, params = query.where_clause(FilterState(districts=(hostile,), groups=(hostile,)))
    assert hostile not in where and hostile in params
