"""Altair chart builders: the data and encodings they carry, and the brush-to-dates rule."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from footprint.data import schema
from footprint.views import charts, palette, profiles


def events_frame() -> pd.DataFrame:
    """Seven events over three months, four groups, one unattributed, one undated."""
    rows = [
        # May 2015: IS claims two (one with Jundullah), LeJ suspected of one.
        (
            "E1",
            "2015-05-13",
            "Islamic State (claimed); Jundullah (claimed)",
            46,
            47,
            13,
            "Safoora Goth",
        ),
        ("E2", "2015-05-20", "Lashkar-e-Jhangvi (suspected)", 2, None, None, None),
        ("E3", "2015-05-28", "Islamic State (attributed)", 1, 1, 0, "Gulistan-e-Jauhar"),
        # January 2016: one unattributed, one IS.
        ("E4", "2016-01-05", None, 80, None, None, None),
        ("E5", "2016-01-25", "Islamic State (claimed)", None, None, 5, "Orangi"),
        # March 2016: TTP.
        ("E6", "2016-03-02", "Tehrik-i-Taliban Pakistan (claimed)", 7, 9, 20, "Sohrab Goth"),
        # No date: left out of every timeline.
        ("E7", None, "Tehrik-i-Taliban Pakistan (claimed)", 3, 3, 0, None),
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "event_id",
            "event_date",
            "perpetrators",
            "killed_min",
            "killed_max",
            "injured_min",
            "neighbourhood",
        ],
    )
    frame["event_type"] = "attack"
    frame["district"] = "Karachi East"
    return schema.coerce_events(frame)


def dataset_of(spec: dict, layer: dict) -> list[dict]:
    """Return the inline rows a (layer of a) chart spec draws."""
    name = (layer.get("data") or spec.get("data"))["name"]
    return spec["datasets"][name]


def test_period_counts_by_main_group():
    table = charts.period_counts(events_frame(), freq="month", by="primary")
    got = {(r["period"], r["group"]): r["events"] for r in table.to_dict("records")}
    assert got == {
        ("2015-05-01", "Islamic State"): 2,
        ("2015-05-01", "Lashkar-e-Jhangvi"): 1,
        ("2016-01-01", profiles.UNATTRIBUTED): 1,
        ("2016-01-01", "Islamic State"): 1,
        ("2016-03-01", "Tehrik-i-Taliban Pakistan"): 1,
    }
    # Each dated event counted exactly once.
    assert table["events"].sum() == 6
    may_is = table[(table["period"] == "2015-05-01") & (table["group"] == "Islamic State")].iloc[0]
    assert may_is["killed"] == 47  # 46 + 1 (minimums)
    assert may_is["killed_max"] == 48  # 47 + 1
    assert may_is["period_end"] == "2015-06-01"
    assert may_is["label"] == "May 2015"


def test_period_counts_unknown_is_not_zero_in_max():
    table = charts.period_counts(events_frame(), freq="month", by=None)
    january = table[table["period"] == "2016-01-01"].iloc[0]
    # E4 has 80 killed and no maximum: its minimum stands in for it.
    assert january["killed"] == 80 and january["killed_max"] == 80
    assert january["injured"] == 5


def test_period_counts_linked_counts_every_group():
    table = charts.period_counts(events_frame(), freq="year", by="linked")
    got = {(r["period"], r["group"]): r["events"] for r in table.to_dict("records")}
    assert got[("2015-01-01", "Islamic State")] == 2
    assert got[("2015-01-01", "Jundullah")] == 1
    assert got[("2016-01-01", "Islamic State")] == 1
    assert ("2016-01-01", profiles.UNATTRIBUTED) not in got


def test_timeline_chart_carries_counts_per_month_and_group():
    chart = charts.timeline_chart(events_frame(), measure="events", freq="month")
    spec = chart.to_dict()
    bars = spec["layer"][0]
    rows = dataset_of(spec, bars)
    got = {(r["period"], r["group"]): r["events"] for r in rows}
    assert got[("2015-05-01", "Islamic State")] == 2
    assert got[("2015-05-01", "Lashkar-e-Jhangvi")] == 1
    assert got[("2016-03-01", "Tehrik-i-Taliban Pakistan")] == 1
    assert sum(r["events"] for r in rows) == 6
    encoding = bars["encoding"]
    assert encoding["x"]["field"] == charts.BRUSH_FIELD
    assert encoding["x"]["type"] == "temporal"
    assert encoding["x"]["scale"]["type"] == "utc"
    assert encoding["y"]["field"] == "events" and encoding["y"]["aggregate"] == "sum"
    assert encoding["color"]["field"] == "group"
    # The brush is an x interval with the documented name.
    params = spec["params"]
    assert params[0]["name"] == charts.BRUSH
    assert params[0]["select"]["type"] == "interval"
    assert params[0]["select"]["encodings"] == ["x"]
    assert params[0]["views"] == [bars["name"]]


def test_timeline_colours_come_from_the_palette():
    spec = charts.timeline_chart(events_frame()).to_dict()
    scale = spec["layer"][0]["encoding"]["color"]["scale"]
    legend = dict(
        palette.legend(["Islamic State", "Lashkar-e-Jhangvi", "Tehrik-i-Taliban Pakistan"])
    )
    assert scale["domain"][:3] == [
        "Islamic State",
        "Lashkar-e-Jhangvi",
        "Tehrik-i-Taliban Pakistan",
    ]
    for name, colour in zip(scale["domain"], scale["range"], strict=True):
        if name == profiles.UNATTRIBUTED:
            assert colour == palette.hex_colour(palette.UNATTRIBUTED)
        else:
            assert colour == legend[name]


def test_timeline_measure_killed():
    spec = charts.timeline_chart(events_frame(), measure="killed").to_dict()
    bars = spec["layer"][0]
    assert bars["encoding"]["y"]["field"] == "killed"
    rows = dataset_of(spec, bars)
    assert sum(r["killed"] for r in rows) == 46 + 2 + 1 + 80 + 7


def test_largest_attacks_are_annotated():
    spec = charts.timeline_chart(events_frame(), annotate=2).to_dict()
    text_layers = [layer for layer in spec["layer"] if _mark(layer) == "text"]
    assert {layer["mark"]["align"] for layer in text_layers} == {"left", "right"}
    rows = dataset_of(spec, text_layers[0])
    labels = [r["label"] for r in rows]
    # The place is the finest one known: neighbourhood, else town, ..., else district.
    assert labels == ["Karachi East: 80 killed", "Safoora Goth: 46 killed"]
    # Each label sits above its month's stack.
    may = next(r for r in rows if r["event_id"] == "E1")
    assert may["y"] > 3  # May 2015 has 3 events
    assert may["align"] == "left"  # early in the chart: the label runs right
    january = next(r for r in rows if r["event_id"] == "E4")
    assert january["align"] == "right"  # near the right edge: it runs left


def _mark(layer: dict) -> str:
    mark = layer.get("mark")
    return mark["type"] if isinstance(mark, dict) else mark


def test_suggested_frequency_follows_the_span():
    frame = events_frame()
    assert charts.suggested_frequency(frame) == "month"  # 2015-2016
    longer = frame.assign(event_date=frame["event_date"] - pd.DateOffset(years=8))
    assert charts.suggested_frequency(pd.concat([frame, longer])) == "quarter"
    longest = frame.assign(event_date=frame["event_date"] - pd.DateOffset(years=30))
    assert charts.suggested_frequency(pd.concat([frame, longest])) == "year"
    assert charts.suggested_frequency(schema.empty_events()) == "month"


def test_short_label_truncates():
    label = charts.short_label(
        {"neighbourhood": "A very long neighbourhood name indeed here", "killed_min": 3}
    )
    assert label.endswith(": 3 killed")
    assert len(label.split(":")[0]) <= 26


def test_small_multiples_one_panel_per_group():
    spec = charts.small_multiples_chart(events_frame(), freq="year").to_dict()
    assert spec["facet"]["field"] == "group"
    rows = spec["datasets"][spec["data"]["name"]]
    groups = {r["group"] for r in rows}
    assert groups == {
        "Islamic State",
        "Jundullah",
        "Lashkar-e-Jhangvi",
        "Tehrik-i-Taliban Pakistan",
        profiles.UNATTRIBUTED,
    }
    got = {(r["period"], r["group"]): r["events"] for r in rows}
    assert got[("2015-01-01", "Islamic State")] == 2
    assert got[("2016-01-01", profiles.UNATTRIBUTED)] == 1
    # Panels ordered by total, largest first.
    assert spec["facet"]["sort"][0] == "Islamic State"


def test_empty_frame_gives_a_chart():
    spec = charts.timeline_chart(schema.empty_events()).to_dict()
    assert spec["layer"][0]["mark"]["type"] == "bar"
    assert dataset_of(spec, spec["layer"][0]) == []


def test_unknown_measure_is_refused():
    with pytest.raises(ValueError, match="measure"):
        charts.timeline_chart(events_frame(), measure="wounded")


# --- selection -> date range (payloads shaped like st.altair_chart's) -----------


def payload(values, field="period", name=charts.BRUSH):
    return {"selection": {name: {field: values}}}


def test_selection_epoch_milliseconds_snap_to_months():
    low = pd.Timestamp("2015-05-17T00:00:00Z").value // 10**6
    high = pd.Timestamp("2016-01-09T12:00:00Z").value // 10**6
    assert charts.selection_date_range(payload([low, high])) == (
        dt.date(2015, 5, 1),
        dt.date(2016, 1, 31),
    )


def test_selection_iso_strings_from_dates():
    # Vega-Lite Date objects serialise as ISO strings in UTC.
    got = charts.selection_date_range(
        payload(["2015-05-17T19:00:00.000Z", "2015-08-02T03:00:00.000Z"]), snap=None
    )
    assert got == (dt.date(2015, 5, 17), dt.date(2015, 8, 2))


def test_selection_reversed_ends_and_year_snap():
    got = charts.selection_date_range(payload(["2016-03-01", "2014-07-01"]), snap="year")
    assert got == (dt.date(2014, 1, 1), dt.date(2016, 12, 31))


def test_selection_is_clipped_to_the_widget_bounds():
    got = charts.selection_date_range(
        payload(["1975-03-01", "2030-02-10"]),
        clip=(dt.date(1980, 1, 1), dt.date(2025, 6, 30)),
    )
    assert got == (dt.date(1980, 1, 1), dt.date(2025, 6, 30))
    outside = charts.selection_date_range(
        payload(["2030-03-01", "2030-04-10"]), clip=(dt.date(1980, 1, 1), dt.date(2025, 6, 30))
    )
    assert outside is None


def test_selection_time_unit_field_name():
    got = charts.selection_date_range(
        payload([1430438400000, 1433116800000], field="yearmonth_period")
    )
    assert got == (dt.date(2015, 5, 1), dt.date(2015, 6, 30))


def test_empty_or_missing_selection_gives_none():
    assert charts.selection_date_range(None) is None
    assert charts.selection_date_range({}) is None
    assert charts.selection_date_range({"selection": {charts.BRUSH: {}}}) is None
    assert charts.selection_date_range({"selection": {"other": {"period": [1, 2]}}}) is None
    assert charts.selection_date_range(payload(["not a date", "2015-01-01"])) is None
    assert charts.selection_date_range(payload([1430438400000])) is None


def test_network_chart_encodes_edges_and_nodes():
    links = pd.DataFrame(
        [
            ("Jundullah", "allied_with", "Islamic State", "doc-2 l.4", "pledged"),
            ("Lashkar-e-Jhangvi", "allied_with", "Al Qaeda", "doc-3 l.9", "joint cell"),
        ],
        columns=list(profiles.LINK_COLUMNS),
    )
    network = profiles.affiliation_network(links)
    spec = charts.network_chart(network.nodes, network.edges).to_dict()
    rules, points, labels = spec["layer"]
    edge_rows = dataset_of(spec, rules)
    assert [(r["source_group"], r["target_group"], r["source_ref"]) for r in edge_rows] == [
        ("Jundullah", "Islamic State", "doc-2 l.4"),
        ("Lashkar-e-Jhangvi", "Al Qaeda", "doc-3 l.9"),
    ]
    tooltip_fields = [t["field"] for t in rules["encoding"]["tooltip"]]
    assert "source_ref" in tooltip_fields and "evidence" in tooltip_fields
    node_rows = dataset_of(spec, points)
    assert {r["name"] for r in node_rows} == {
        "Jundullah",
        "Islamic State",
        "Lashkar-e-Jhangvi",
        "Al Qaeda",
    }
    colours = dict(
        zip(
            points["encoding"]["color"]["scale"]["domain"],
            points["encoding"]["color"]["scale"]["range"],
            strict=True,
        )
    )
    assert colours["Al Qaeda"] == palette.hex_colour(palette.group_colour("Al Qaeda"))
