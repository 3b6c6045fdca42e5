"""The aggregated map: H3 hexagons, places and the largest attacks from DuckDB, and the deck's size.

The ``events`` table is built here the way the query layer's contract
describes it (``footprint/data/query.py``: derived columns, ``h3_4`` ...
``h3_8`` as h3 v4 integers computed on distinct coordinate pairs), and every
figure is checked against a plain pandas reference.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from test_filters import sample_events

from footprint.data import hexbins, schema
from footprint.data.filters import primary_group
from footprint.views import mapview, palette

duckdb = pytest.importorskip("duckdb")
h3 = pytest.importorskip("h3")


def contract_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The ``events`` table of the query-layer contract, from a typed events frame."""
    table = frame.reset_index(drop=True).copy()
    table["idx"] = np.arange(len(table), dtype="int32")
    table["day_start"] = table["date_start"].fillna(table["event_date"])
    table["day_end"] = table["date_end"].fillna(table["day_start"])
    table["main_group"] = primary_group(table).to_numpy()
    ranks = {name: rank for rank, name in enumerate(schema.GEO_PRECISIONS)}
    table["precision_rank"] = table["geo_precision"].map(ranks).astype("Int8")
    table["killed_size"] = table["killed_min"].fillna(table["killed_max"]).fillna(0)
    # Each event's place in event-id order: the tie-breaker of every sort.
    table["id_order"] = table["event_id"].rank(method="first").astype("int32")
    pairs = table[["latitude", "longitude"]].dropna().drop_duplicates()
    for resolution in hexbins.RESOLUTIONS:
        cells = [
            h3.str_to_int(h3.latlng_to_cell(lat, lon, resolution))
            for lat, lon in zip(pairs["latitude"], pairs["longitude"], strict=True)
        ]  # distinct points only, as the contract says
        pairs[f"h3_{resolution}"] = pd.array(cells, dtype="UInt64")
    return table.merge(pairs, on=["latitude", "longitude"], how="left")


def connect(frame: pd.DataFrame):
    connection = duckdb.connect()
    table = contract_table(frame)
    connection.register("events_frame", table)
    connection.execute("CREATE TABLE events AS SELECT * FROM events_frame")
    connection.unregister("events_frame")
    return connection


def synthetic(n: int, seed: int = 7) -> pd.DataFrame:
    """``n`` events drawn from the sample rows on a few thousand jittered points (vectorised)."""
    base = sample_events()
    rng = np.random.default_rng(seed)
    frame = base.iloc[rng.integers(0, len(base), n)].reset_index(drop=True)
    points = rng.integers(0, 3000, n)
    frame["latitude"] = frame["latitude"] + (points % 60 - 30) * 0.01
    frame["longitude"] = frame["longitude"] + (points // 60 - 25) * 0.01
    frame["event_id"] = "syn-" + pd.Series(np.arange(n)).astype(str)
    frame["killed_min"] = pd.array(rng.integers(0, 60, n), dtype="Int64")
    frame.loc[rng.random(n) < 0.2, "killed_min"] = pd.NA
    frame["killed_max"] = frame["killed_min"]
    return frame


@pytest.fixture(scope="module")
def big():
    frame = synthetic(200_000)
    return frame, connect(frame)


def reference_hexagons(frame: pd.DataFrame, resolution: int) -> pd.DataFrame:
    fine = frame[frame["geo_precision"].isin(["site", "neighbourhood", "town", "district"])]
    fine = fine[fine["latitude"].notna()]
    cells = [
        h3.latlng_to_cell(lat, lon, resolution)
        for lat, lon in zip(fine["latitude"], fine["longitude"], strict=True)
    ]
    killed = fine["killed_min"].fillna(fine["killed_max"])
    return (
        pd.DataFrame({"hex": cells, "killed": killed.fillna(0).astype(int)})
        .groupby("hex")
        .agg(events=("hex", "size"), killed=("killed", "sum"))
    )


@pytest.mark.parametrize("resolution", [5, 8])
def test_hexagons_match_a_pandas_reference(resolution):
    frame = synthetic(3000, seed=resolution)
    got = hexbins.hexagons(connect(frame).cursor(), "TRUE", [], resolution).set_index("hex")
    expected = reference_hexagons(frame, resolution)
    assert got["events"].sum() == expected["events"].sum() > 0
    pd.testing.assert_series_equal(
        got["events"].sort_index(), expected["events"].sort_index(), check_dtype=False
    )
    pd.testing.assert_series_equal(
        got["killed"].sort_index(), expected["killed"].sort_index(), check_dtype=False
    )
    assert all(h3.is_valid_cell(cell) for cell in got.index)


def test_hexagon_tooltip_figures_and_filter():
    events = sample_events()
    connection = connect(events)
    # The five Karachi sites share one hexagon at resolution 4 (about 1,800 km²).
    hexes = hexbins.hexagons(
        connection.cursor(), "e.city = ? AND e.geo_precision = ?", ["Karachi", "site"], 4
    )
    row = hexes.iloc[0]
    assert row["events"] == 5 and row["killed"] == 1 + 2 + 36 + 2 and row["toll_unknown"] == 1
    assert row["top_groups"] == (
        "Al Qaeda (3), Sipah-e-Sahaba Pakistan (1), Tehrik-i-Taliban Pakistan (1)"
    )
    assert row["dominant_group"] == "Al Qaeda"
    # City and province events are gathered per place, never binned.
    areas = hexbins.area_markers(connection.cursor(), "TRUE", [])
    assert dict(zip(areas["area_key"], areas["events"], strict=True)) == {
        "city|Karachi": 1,
        "province|Balochistan": 1,
    }
    assert set(areas["area_key"]) == set(mapview.area_keys(events[mapview.is_area_event(events)]))
    all_hexes = hexbins.hexagons(connection.cursor(), "TRUE", [], 5)
    assert all_hexes["events"].sum() == 10  # 12 events less the two area-only ones


def test_largest_events_are_the_deadliest_with_known_tolls():
    events = sample_events()
    largest = hexbins.largest_events(connect(events).cursor(), "TRUE", [], 3)
    assert list(largest["event_id"]) == ["t-06", "t-05", "t-03"]
    assert largest["killed_min"].dtype == "Int64"


def test_aggregated_deck_stays_small_at_200k_events(big):
    _, connection = big
    cursor = connection.cursor()
    colours = palette.frequent_group_colours(hexbins.group_counts(cursor, "TRUE", []))
    sizes = {}
    for preset in mapview.VIEW_PRESETS:
        preferred = mapview.VIEW_PRESETS[preset].h3_resolution
        resolution = hexbins.fitting_resolution(cursor, "TRUE", [], preferred)
        hexes = hexbins.hexagons(cursor, "TRUE", [], resolution)
        assert len(hexes) <= hexbins.MAX_CELLS
        areas = hexbins.area_markers(cursor, "TRUE", [])
        largest = hexbins.largest_events(cursor, "TRUE", [], mapview.LARGEST_ATTACKS)
        deck = mapview.build_aggregate_deck(
            hexes, areas, largest, colours, preset, resolution=resolution
        )
        text = deck.to_json()
        sizes[preset] = len(text.encode())
        spec = json.loads(text)
        layers = {layer["id"]: layer for layer in spec["layers"]}
        assert layers["hexagons"]["@@type"] == "H3HexagonLayer"
        assert sum(row["events"] for row in layers["hexagons"]["data"]) == hexes["events"].sum()
        assert len(layers["largest"]["data"]) == mapview.LARGEST_ATTACKS
        assert {a["key"] for a in layers["areas"]["data"]} == {
            "city|Karachi",
            "province|Balochistan",
        }
    assert max(sizes.values()) < 5_000_000, sizes


def test_hexagon_rows_neutralise_code_like_text():
    hexes = pd.DataFrame(
        {
            "hex": ["8542e443fffffff"], "events": [3], "killed": [4], "toll_unknown": [1],
            "first_day": [pd.Timestamp("2014-01-01")], "last_day": [pd.Timestamp("2015-01-01")],
            "dominant_group": ["@@=x"], "top_groups": ["@@#Nothing.here (3)"], "group_count": [1],
        }
    )  # fmt: skip
    row = mapview.hexagon_rows(hexes, 5)[0]
    assert not row["who"].startswith("@@") and row["who"].endswith("@@#Nothing.here (3)")
    assert row["when"] == "2014–2015" and row["toll"] == "4 killed in all (1 with the toll unknown)"


@pytest.fixture(scope="module")
def seed_index(tmp_path_factory):
    """The query layer's EventsIndex over a SQLite store holding the seed events."""
    from footprint.data import query, store

    engine = store.make_engine(f"sqlite:///{tmp_path_factory.mktemp('hex') / 'store.db'}")
    store.initialise(engine)
    index = query.EventsIndex.build(engine)
    with engine.connect() as connection:
        reference = store.read_events(connection)
    yield index, reference
    engine.dispose()


@pytest.mark.parametrize(
    "state",
    [
        {},
        {"provinces": ("Sindh",)},
        {"groups": ("Tehrik-i-Taliban Pakistan",), "links": ("claimed", "attributed")},
    ],
    ids=["all", "sindh", "ttp"],
)
def test_hexbins_on_the_query_layer_match_pandas(seed_index, state):
    from footprint.data import filters, query

    index, reference = seed_index
    filter_state = filters.FilterState(**state)
    where, params = query.where_clause(filter_state, "e")
    expected = filters.apply_filters(reference, filter_state)
    cursor = index.cursor()
    got = hexbins.hexagons(cursor, where, params, 5).set_index("hex")
    wanted = reference_hexagons(expected, 5)
    pd.testing.assert_series_equal(
        got["events"].sort_index(), wanted["events"].sort_index(), check_dtype=False
    )
    areas = hexbins.area_markers(cursor, where, params)
    area_expected = mapview.area_keys(
        expected[expected["latitude"].notna() & mapview.is_area_event(expected)]
    ).value_counts()
    assert dict(zip(areas["area_key"], areas["events"], strict=True)) == area_expected.to_dict()
    listed = hexbins.area_events(cursor, where, params, "city|Karachi", 1000)
    assert len(listed) == area_expected.get("city|Karachi", 0)


@pytest.mark.parametrize(("max_cells", "expected"), [(10**9, 8), (60, 4), (0, 4)])
def test_fitting_resolution_coarsens_until_the_cells_fit(big, max_cells, expected):
    _, connection = big
    cursor = connection.cursor()
    got = hexbins.fitting_resolution(cursor, "TRUE", [], 8, max_cells)
    assert got == expected
    if max_cells and got < 8:
        assert len(hexbins.hexagons(cursor, "TRUE", [], got)) <= max_cells
        assert len(hexbins.hexagons(cursor, "TRUE", [], got + 1)) > max_cells
