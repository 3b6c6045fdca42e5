"""Group profiles and the affiliation network."""

from __future__ import annotations

import pandas as pd
import pytest

from footprint import paths
from footprint.data import schema
from footprint.views import palette, profiles


def events_frame() -> pd.DataFrame:
    rows = [
        ("E1", "2015-05-13", "Islamic State (claimed); Jundullah (claimed)", 46, 47, 13, None,
         "Safoora Goth", "Gulshan Iqbal Town", "Karachi East"),
        ("E2", "2015-05-20", "Lashkar-e-Jhangvi (suspected)", 2, None, None, None,
         None, "Gulshan Iqbal Town", "Karachi East"),
        ("E3", "2016-01-05", None, 80, 90, None, None, None, None, "Quetta"),
        ("E4", "2016-01-25", "Islamic State (attributed)", None, None, 5, 8,
         "Orangi Sector 11", "Orangi Town", "Karachi West"),
        ("E5", "2017-02-01", "Islamic State (suspected)", 3, None, 0, 0,
         "Safoora Goth", "Gulshan Iqbal Town", "Karachi East"),
    ]  # fmt: skip
    frame = pd.DataFrame(
        rows,
        columns=[
            "event_id",
            "event_date",
            "perpetrators",
            "killed_min",
            "killed_max",
            "injured_min",
            "injured_max",
            "neighbourhood",
            "town",
            "district",
        ],
    )
    return schema.coerce_events(frame)


def groups_frame() -> pd.DataFrame:
    return pd.DataFrame(
        [
            ("Islamic State", "ISIS|ISIL|Daesh|IS-K", "transnational", "The Islamic State."),
            ("Jundullah", "Jundallah", "local", "A Karachi faction."),
            ("Lashkar-e-Jhangvi", "LeJ|LJ", "sectarian", "A sectarian group."),
            ("Al Qaeda", "AQ|AQIS", "transnational", ""),
        ],
        columns=list(profiles.GROUP_COLUMNS),
    )


def links_frame() -> pd.DataFrame:
    return pd.DataFrame(
        [
            ("Jundullah", "pledged_to", "Islamic State", "doc-2 lines 4-6", "pledge of allegiance"),
            ("Lashkar-e-Jhangvi", "allied_with", "Al Qaeda", "doc-3 line 9", "joint cell"),
            ("LeJ", "allied_with", "Islamic State", "doc-4 line 2", "shared safe houses"),
            (
                "Jundullah",
                "split_from",
                "Islamic State",
                "doc-5 line 1",
                "second relation, same pair",
            ),
        ],
        columns=list(profiles.LINK_COLUMNS),
    )


def test_event_groups_one_row_per_link():
    links = profiles.event_groups(events_frame())
    assert links[["event_id", "group", "link"]].values.tolist() == [
        ["E1", "Islamic State", "claimed"],
        ["E1", "Jundullah", "claimed"],
        ["E2", "Lashkar-e-Jhangvi", "suspected"],
        ["E4", "Islamic State", "attributed"],
        ["E5", "Islamic State", "suspected"],
    ]


def test_primary_group_uses_the_filter_label_for_none():
    assert profiles.primary_group(events_frame()).tolist() == [
        "Islamic State",
        "Lashkar-e-Jhangvi",
        profiles.UNATTRIBUTED,
        "Islamic State",
        "Islamic State",
    ]


def test_casualty_range_keeps_unknown_apart():
    frame = events_frame()
    killed = profiles.casualty_range(frame, "killed")
    # Minimums known: 46 + 2 + 80 + 3; E4 unknown.
    assert killed.low == 131
    # Maximums: 47 + (2) + 90 + (3): an event with only a minimum adds its minimum.
    assert killed.high == 142
    assert killed.open_ended == 2 and killed.unknown == 1
    assert str(killed) == "131–142+"
    injured = profiles.casualty_range(frame.iloc[[1]], "injured")
    assert str(injured) == "unknown"


def test_group_profile_of_islamic_state():
    profile = profiles.group_profile("Islamic State", events_frame(), groups_frame())
    assert profile.kind == "transnational"
    assert profile.aliases == ["ISIS", "ISIL", "Daesh", "IS-K"]
    assert profile.description == "The Islamic State."
    assert profile.events == 3
    assert profile.links == {"claimed": 1, "attributed": 1, "suspected": 1}
    assert (profile.killed.low, profile.killed.high) == (49, 50)
    assert (profile.injured.low, profile.injured.high) == (18, 21)
    assert profile.first_event == pd.Timestamp("2015-05-13")
    assert profile.last_event == pd.Timestamp("2017-02-01")
    assert profile.districts.values.tolist() == [["Karachi East", 2], ["Karachi West", 1]]
    assert profile.towns.values.tolist() == [["Gulshan Iqbal Town", 2], ["Orangi Town", 1]]
    assert profile.neighbourhoods.values.tolist() == [["Safoora Goth", 2], ["Orangi Sector 11", 1]]
    assert list(profile.event_frame["event_id"]) == ["E5", "E4", "E1"]  # newest first
    assert profile.colour == palette.hex_colour(palette.group_colour("Islamic State"))


def test_group_profile_of_unattributed_events():
    profile = profiles.group_profile(profiles.UNATTRIBUTED, events_frame(), groups_frame())
    assert profile.events == 1
    assert list(profile.event_frame["event_id"]) == ["E3"]
    assert profile.colour == palette.hex_colour(palette.UNATTRIBUTED)


def test_group_table_counts():
    table = profiles.group_table(events_frame(), groups_frame()).set_index("group")
    assert table.loc["Islamic State", "events"] == 3
    assert table.loc["Jundullah", "events"] == 1
    assert table.loc["Lashkar-e-Jhangvi", "suspected"] == 1
    assert table.loc[profiles.UNATTRIBUTED, "events"] == 1
    assert table.loc["Islamic State", "districts"] == "Karachi East, Karachi West"
    assert list(table.index)[0] == "Islamic State"  # most events first
    assert "Al Qaeda" not in table.index  # no events here


def test_network_edges_equal_link_rows():
    links = links_frame()
    network = profiles.affiliation_network(links, groups_frame(), events_frame())
    edges = network.edges
    assert len(edges) == len(links)
    # Spellings map to canonical names; everything else is the file's row as is.
    assert edges[
        ["source_group", "relation", "target_group", "source_ref", "evidence"]
    ].values.tolist() == [
        ["Jundullah", "pledged_to", "Islamic State", "doc-2 lines 4-6", "pledge of allegiance"],
        ["Lashkar-e-Jhangvi", "allied_with", "Al Qaeda", "doc-3 line 9", "joint cell"],
        ["Lashkar-e-Jhangvi", "allied_with", "Islamic State", "doc-4 line 2", "shared safe houses"],
        ["Jundullah", "split_from", "Islamic State", "doc-5 line 1", "second relation, same pair"],
    ]
    nodes = network.nodes.set_index("name")
    assert set(nodes.index) == {"Jundullah", "Islamic State", "Lashkar-e-Jhangvi", "Al Qaeda"}
    assert nodes.loc["Islamic State", "events"] == 3
    assert nodes.loc["Al Qaeda", "events"] == 0
    assert nodes.loc["Lashkar-e-Jhangvi", "kind"] == "sectarian"
    # Edge ends sit on their nodes.
    for edge in edges.to_dict("records"):
        assert (edge["x"], edge["y"]) == (
            nodes.loc[edge["source_group"], "x"],
            nodes.loc[edge["source_group"], "y"],
        )
        assert (edge["x2"], edge["y2"]) == (
            nodes.loc[edge["target_group"], "x"],
            nodes.loc[edge["target_group"], "y"],
        )


def test_network_layout_is_stable():
    first = profiles.affiliation_network(links_frame(), groups_frame())
    second = profiles.affiliation_network(links_frame(), groups_frame())
    pd.testing.assert_frame_equal(first.nodes, second.nodes)


def test_empty_links_give_an_empty_network():
    network = profiles.affiliation_network(pd.DataFrame(columns=list(profiles.LINK_COLUMNS)))
    assert network.nodes.empty and network.edges.empty


def test_loaders_round_trip_csv(tmp_path):
    groups_path = tmp_path / "groups.csv"
    links_path = tmp_path / "group_links.csv"
    groups_frame().to_csv(groups_path, index=False)
    links_frame().to_csv(links_path, index=False)
    assert profiles.load_groups(groups_path)["name"].tolist() == groups_frame()["name"].tolist()
    loaded = profiles.load_links(links_path)
    network = profiles.affiliation_network(loaded, profiles.load_groups(groups_path))
    assert len(network.edges) == len(links_frame())
    assert profiles.load_links(tmp_path / "absent.csv").empty


def test_network_of_the_real_group_links_file():
    if not paths.GROUP_LINKS_CSV.exists():
        pytest.skip("data/group_links.csv is not there yet")
    raw = pd.read_csv(paths.GROUP_LINKS_CSV, dtype=str, keep_default_na=False)
    groups = profiles.load_groups()
    network = profiles.affiliation_network(profiles.load_links(), groups)
    assert len(network.edges) == len(raw)
    assert network.edges["relation"].tolist() == raw["relation"].tolist()
    assert network.edges["source_ref"].tolist() == raw["source_ref"].tolist()
    assert network.edges["evidence"].tolist() == raw["evidence"].tolist()
    names = set(network.nodes["name"])
    assert set(network.edges["source_group"]) | set(network.edges["target_group"]) == names


def test_a_laid_out_network_takes_the_counts_of_each_filter():
    """The page lays the network out once and sets each filter's counts on it."""
    counts = {"Al Qaeda": 7, "Lashkar-e-Jhangvi": 2}
    direct = profiles.affiliation_network(links_frame(), groups_frame(), counts=counts)
    laid_out = profiles.affiliation_network(links_frame(), groups_frame())
    later = profiles.network_with_counts(laid_out, counts)
    pd.testing.assert_frame_equal(later.nodes, direct.nodes)
    pd.testing.assert_frame_equal(later.edges, direct.edges)
    assert later.nodes["events"].sum() > 0
    assert laid_out.nodes["events"].sum() == 0  # the laid-out network is left as it was
