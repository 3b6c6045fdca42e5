"""The coded seed files themselves: format, contract, dates, lines, groups and key decisions.

These tests read ``seeds/*.yaml``, ``data/groups.csv`` and
``data/group_links.csv`` directly (no geocoding). Checks against the source
texts in ``../shared/seeds/`` skip when those texts are absent, and fail
instead in strict mode (``FOOTPRINT_STRICT=1``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
import re
from functools import cache
from pathlib import Path

import pandas as pd
import pytest
import yaml

from footprint import paths
from footprint.data import schema
from footprint.data.groups import normalise_group_name

STRICT = os.environ.get("FOOTPRINT_STRICT", "").lower() in {"1", "true", "yes"}

SOURCE_KEYS = {
    "source_id",
    "file",
    "title",
    "outlet",
    "author",
    "published",
    "published_reasoning",
}
EVENT_KEYS = {
    "event_id",
    "event_date",
    "date_start",
    "date_end",
    "date_precision",
    "date_reasoning",
    "event_type",
    "attack_type",
    "suicide",
    "target_type",
    "target",
    "location_text",
    "city",
    "province",
    "perpetrators",
    "killed_min",
    "killed_max",
    "injured_min",
    "injured_max",
    "summary",
    "lines",
    "also_reported_in",
}
MENTION_KEYS = {"event_id", "lines", "note"}
GROUP_KINDS = (
    "transnational_jihadist",
    "sectarian",
    "insurgent",
    "taliban",
    "political_party",
    "generic",
    "unknown",
)
RELATIONS = (
    "assisted",
    "joined",
    "allied_with",
    "split_from",
    "recruited_from",
    "affiliated_with",
    "part_of",
)
#: The widest range, in days, each date precision allows (year: no limit).
PRECISION_WIDTH = {"day": 0, "week": 14, "month": 62}
LINES = re.compile(r"^(\d+)-(\d+)$")
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PUBLISHED = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
SOURCE_REF = re.compile(r"^(\d{3}_[0-9a-f]{16}\.txt):(\d+)-(\d+)$")
COPY_RUN = 8  # words in a row that count as copying


# --- loading ---------------------------------------------------------------


@cache
def _documents() -> tuple[tuple[Path, dict], ...]:
    documents = []
    for path in sorted(paths.SEEDS_DIR.glob("*.yaml")):
        with open(path, encoding="utf-8") as handle:
            documents.append((path, yaml.safe_load(handle)))
    return tuple(documents)


def _events() -> list[tuple[Path, dict, dict]]:
    """(seed path, source block, event) for every coded event."""
    return [
        (path, content["source"], event)
        for path, content in _documents()
        for event in content.get("events") or []
    ]


@cache
def _events_by_id() -> dict[str, dict]:
    return {event["event_id"]: event for _, _, event in _events()}


@cache
def _mentions_by_event() -> dict[str, list[tuple[str, dict]]]:
    """event_id -> [(file name of the mentioning seed, mention)]."""
    found: dict[str, list[tuple[str, dict]]] = {}
    for _, content in _documents():
        for mention in content.get("mentions") or []:
            found.setdefault(mention["event_id"], []).append((content["source"]["file"], mention))
    return found


@cache
def _groups() -> pd.DataFrame:
    return pd.read_csv(paths.GROUPS_CSV, dtype=str, keep_default_na=False)


@cache
def _group_links() -> pd.DataFrame:
    return pd.read_csv(paths.GROUP_LINKS_CSV, dtype=str, keep_default_na=False)


def _require_sources() -> Path:
    """The shared seed texts; skip without them (fail in strict mode)."""
    folder = paths.SHARED_SEEDS_DIR
    if folder.is_dir() and any(folder.glob("*.txt")):
        return folder
    reason = f"the seed source texts are not in {folder}"
    if STRICT:
        pytest.fail(f"strict mode: {reason}", pytrace=False)
    pytest.skip(reason)


@cache
def _source_lines(file_name: str) -> tuple[str, ...]:
    text = (paths.SHARED_SEEDS_DIR / file_name).read_text(encoding="utf-8")
    return tuple(text.splitlines())


def _span(lines: str) -> tuple[int, int]:
    match = LINES.match(str(lines))
    assert match, f"lines {lines!r} is not 'first-last'"
    return int(match.group(1)), int(match.group(2))


def _passage(file_name: str, lines: str) -> str:
    first, last = _span(lines)
    return "\n".join(_source_lines(file_name)[first - 1 : last])


def _words(text: str) -> list[str]:
    text = str(text).lower().replace("’", "'").replace("‘", "'").replace("`", "'")
    return re.findall(r"[a-z0-9]+", text)


def _folded(text: str) -> str:
    return " ".join(_words(text))


def _ngrams(words: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def _quotes(evidence: str) -> list[str]:
    return re.findall(r"\"([^\"]+)\"", str(evidence))


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _publication_end(published: str) -> dt.date:
    parts = [int(p) for p in published.split("-")]
    if len(parts) == 3:
        return dt.date(*parts)
    if len(parts) == 2:
        return dt.date(parts[0], parts[1], calendar.monthrange(parts[0], parts[1])[1])
    return dt.date(parts[0], 12, 31)


def _event_sources(event_id: str) -> list[tuple[str, str]]:
    """(file name, lines) of every source of an event: its seed, then mentions."""
    for _, source, event in _events():
        if event["event_id"] == event_id:
            refs = [(source["file"], event["lines"])]
            refs += [(name, m["lines"]) for name, m in _mentions_by_event().get(event_id, [])]
            return refs
    raise KeyError(event_id)


def _event_ids() -> list[str]:
    return [event["event_id"] for _, _, event in _events()]


# --- the seed files and their sources ----------------------------------------


def test_one_seed_file_per_source_document():
    documents = _documents()
    assert len(documents) == 5
    for number, (path, content) in enumerate(documents):
        assert re.match(rf"^{number:03d}_[a-z0-9_]+\.yaml$", path.name), path.name
        assert set(content) == {"source", "events", "mentions"}, path.name
        source = content["source"]
        assert set(source) == SOURCE_KEYS, path.name
        assert source["file"] == f"{source['source_id']}.txt"
        assert source["source_id"].startswith(f"{number:03d}_")
        assert SOURCE_REF.match(f"{source['file']}:1-1")
        assert PUBLISHED.match(str(source["published"])), source["published"]
        assert str(source["published_reasoning"]).strip()
        assert str(source["title"]).strip()
        for key in ("outlet", "author"):
            assert source[key] is None or str(source[key]).strip()


def test_every_source_document_has_a_seed_file():
    folder = _require_sources()
    texts = sorted(p.name for p in folder.glob("*.txt"))
    coded = sorted(content["source"]["file"] for _, content in _documents())
    assert coded == texts


def test_event_ids_are_unique_and_numbered_by_seed():
    ids = _event_ids()
    assert len(ids) == len(set(ids))
    for path, _, event in _events():
        assert re.match(rf"^s{path.name[:3]}-\d{{2}}$", event["event_id"]), event["event_id"]


@pytest.mark.parametrize("event_id", _event_ids())
def test_event_has_exactly_the_format_keys(event_id):
    assert set(_events_by_id()[event_id]) == EVENT_KEYS


# --- the contract --------------------------------------------------------------


@pytest.mark.parametrize("event_id", _event_ids())
def test_event_fits_the_contract(event_id):
    event = _events_by_id()[event_id]
    perpetrators = schema.format_perpetrators(
        [(p["group"], p["link"]) for p in event["perpetrators"]]
    )
    record = {**event, "perpetrators": perpetrators, "geo_precision": "site"}
    assert schema.validate_event(record) == []
    assert event["province"] in ("Sindh", "Balochistan")
    assert str(event["location_text"]).strip()
    assert event["suicide"] in (True, False, None)
    if event["event_type"] != "attack":
        assert event["attack_type"] is None and event["suicide"] is None
    if event["attack_type"] == "suicide_bombing":
        assert event["suicide"] is True
    if event["suicide"] is True:
        assert event["attack_type"] in ("suicide_bombing", "unknown", "facility_attack")
    if event["event_type"] == "militant_presence":
        assert event["target_type"] is None and event["target"] is None
    else:
        assert event["target_type"] in schema.TARGET_TYPES and str(event["target"]).strip()


@pytest.mark.parametrize("event_id", _event_ids())
def test_casualties_are_counts_or_unknown(event_id):
    event = _events_by_id()[event_id]
    for low, high in (("killed_min", "killed_max"), ("injured_min", "injured_max")):
        for column in (low, high):
            value = event[column]
            assert value is None or (type(value) is int and value >= 0), (column, value)
        if event[high] is not None:
            assert event[low] is not None and event[low] <= event[high]
    if event["event_type"] in ("arrest", "militant_presence"):
        assert all(event[c] is None for c in schema.COUNT_COLUMNS)


# --- dates -----------------------------------------------------------------------


@pytest.mark.parametrize("event_id", _event_ids())
def test_dates_are_iso_ordered_and_match_their_precision(event_id):
    event = _events_by_id()[event_id]
    for column in schema.DATE_COLUMNS:
        value = event[column]
        assert isinstance(value, str) and ISO_DAY.match(value), (column, value)
    start, day, end = (_day(event[c]) for c in ("date_start", "event_date", "date_end"))
    assert start <= day <= end
    width = (end - start).days
    precision = event["date_precision"]
    if precision in PRECISION_WIDTH:
        assert width <= PRECISION_WIDTH[precision], (precision, width)
    if precision in ("month", "year"):
        assert day == start, "event_date is the first day of the range for month and year"
    if precision == "year":
        assert width > PRECISION_WIDTH["month"] or (start.month, start.day) == (1, 1)
    assert str(event["date_reasoning"]).strip()


def test_events_do_not_postdate_their_source():
    for _, source, event in _events():
        assert _day(event["date_end"]) <= _publication_end(str(source["published"])), event[
            "event_id"
        ]


# --- lines and texts ------------------------------------------------------------------


def test_line_ranges_are_inside_the_source_texts():
    _require_sources()
    for _, source, event in _events():
        count = len(_source_lines(source["file"]))
        first, last = _span(event["lines"])
        assert 1 <= first <= last <= count, (event["event_id"], event["lines"], count)
        assert _passage(source["file"], event["lines"]).strip()
    for _, content in _documents():
        count = len(_source_lines(content["source"]["file"]))
        for mention in content["mentions"] or []:
            first, last = _span(mention["lines"])
            assert 1 <= first <= last <= count, mention


def test_evidence_quotes_are_in_the_cited_lines():
    _require_sources()
    for _, source, event in _events():
        passage = _folded(_passage(source["file"], event["lines"]))
        for perpetrator in event["perpetrators"]:
            quotes = _quotes(perpetrator["evidence"])
            assert quotes, (event["event_id"], perpetrator)
            for quote in quotes:
                assert _folded(quote) in passage, (event["event_id"], quote)


def test_places_and_cities_come_from_the_texts():
    _require_sources()
    for _, _, event in _events():
        text = _folded(
            " ".join(_passage(f, lines) for f, lines in _event_sources(event["event_id"]))
        )
        whole = _folded(
            " ".join("\n".join(_source_lines(f)) for f, _ in _event_sources(event["event_id"]))
        )
        for part in str(event["location_text"]).split(","):
            assert _folded(part) in text, (event["event_id"], part)
        if event["city"]:
            assert _folded(event["city"]) in whole, (event["event_id"], event["city"])


def test_summaries_and_reasoning_are_in_our_own_words():
    _require_sources()
    texts = {
        content["source"]["file"]: _ngrams(
            _words("\n".join(_source_lines(content["source"]["file"]))), COPY_RUN
        )
        for _, content in _documents()
    }
    for path, content in _documents():
        source = content["source"]
        copied = _ngrams(_words(source["published_reasoning"]), COPY_RUN) & texts[source["file"]]
        assert not copied, (path.name, copied)
    for _, _, event in _events():
        for field in ("summary", "date_reasoning"):
            mine = _ngrams(_words(event[field]), COPY_RUN)
            for file_name, _ in _event_sources(event["event_id"]):
                copied = mine & texts[file_name]
                assert not copied, (event["event_id"], field, file_name, copied)


@pytest.mark.parametrize("event_id", _event_ids())
def test_summary_is_one_or_two_sentences(event_id):
    summary = " ".join(str(_events_by_id()[event_id]["summary"]).split())
    sentences = [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", summary) if s]
    assert 1 <= len(sentences) <= 2, sentences


# --- merged events -------------------------------------------------------------------


def test_mentions_point_to_events_coded_elsewhere():
    for _, content in _documents():
        own = {event["event_id"] for event in content["events"] or []}
        for mention in content["mentions"] or []:
            assert set(mention) == MENTION_KEYS, mention
            assert mention["event_id"] in _events_by_id(), mention
            assert mention["event_id"] not in own, "an event is not mentioned by its own seed"
            assert str(mention["note"]).strip()


def test_also_reported_in_agrees_with_mentions():
    for _, _, event in _events():
        mentioning = sorted(
            name.removesuffix(".txt") for name, _ in _mentions_by_event().get(event["event_id"], [])
        )
        assert sorted(event["also_reported_in"]) == mentioning, event["event_id"]


# --- groups ------------------------------------------------------------------------------


def test_groups_csv_columns_kinds_and_unique_spellings():
    groups = _groups()
    assert list(groups.columns) == ["name", "aliases", "kind", "description"]
    assert groups["name"].is_unique
    assert groups["kind"].isin(GROUP_KINDS).all()
    assert (groups["description"].str.strip() != "").all()
    owner: dict[str, str] = {}
    for record in groups.to_dict("records"):
        for spelling in [record["name"], *record["aliases"].split("|")]:
            key = normalise_group_name(spelling)
            assert key, (record["name"], spelling)
            assert owner.setdefault(key, record["name"]) == record["name"], spelling


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("LeJ", "Lashkar-e-Jhangvi"),
        ("LJ", "Lashkar-e-Jhangvi"),
        ("Lashkar-i-Jhangvi", "Lashkar-e-Jhangvi"),
        ("IS", "Islamic State"),
        ("ISIS", "Islamic State"),
        ("Daish", "Islamic State"),
        ("Islamic State group", "Islamic State"),
        ("TTP", "Tehrik-i-Taliban Pakistan"),
        ("Tehreek-e-Taliban Pakistan", "Tehrik-i-Taliban Pakistan"),
        ("Tehrik-e-Taliban Pakistan", "Tehrik-i-Taliban Pakistan"),
        ("Tehreek-i-Taliban Pakistan", "Tehrik-i-Taliban Pakistan"),
        ("Pakistani Taliban", "Tehrik-i-Taliban Pakistan"),
        ("al-Qa`ida", "Al Qaeda"),
        ("al Qaeda", "Al Qaeda"),
        ("SSP", "Sipah-e-Sahaba Pakistan"),
        ("Sipah Sahaba Pakistan", "Sipah-e-Sahaba Pakistan"),
        ("Sipah-i-Sahaba Pakistan", "Sipah-e-Sahaba Pakistan"),
        ("JeM", "Jaish-e-Muhammad"),
        ("Jaysh-i-Muhammad", "Jaish-e-Muhammad"),
        ("JM", "Jaish-e-Muhammad"),
        ("Harkat-ul-Mujahidin", "Harkat-ul-Mujahideen"),
        ("HuM", "Harkat-ul-Mujahideen"),
        ("Harkat-ul-Jihad-al-Islam", "Harkat-ul-Jihad-al-Islami"),
        ("HuJI", "Harkat-ul-Jihad-al-Islami"),
        ("Lashkar-i-Tayyiba", "Lashkar-e-Taiba"),
        ("LT", "Lashkar-e-Taiba"),
        ("IJT", "Islami Jamiat-e-Talaba"),
        ("MQM", "Muttahida Qaumi Movement"),
    ],
)
def test_every_seed_spelling_is_an_alias(written, canonical):
    index = {}
    for record in _groups().to_dict("records"):
        for spelling in [record["name"], *record["aliases"].split("|")]:
            index[normalise_group_name(spelling)] = record["name"]
    assert index.get(normalise_group_name(written)) == canonical


def test_bare_taliban_is_not_an_alias():
    aliases = {
        normalise_group_name(s)
        for record in _groups().to_dict("records")
        for s in [record["name"], *record["aliases"].split("|")]
    }
    assert "taliban" not in aliases


def test_every_perpetrator_is_a_canonical_group_with_a_valid_link():
    names = set(_groups()["name"])
    for _, _, event in _events():
        seen = set()
        for perpetrator in event["perpetrators"]:
            assert set(perpetrator) == {"group", "link", "evidence"}, perpetrator
            assert perpetrator["group"] in names, (event["event_id"], perpetrator["group"])
            assert perpetrator["link"] in schema.LINKS, perpetrator
            assert perpetrator["group"] not in seen, "one link per group and event"
            seen.add(perpetrator["group"])


def test_group_links_are_well_formed():
    links = _group_links()
    assert list(links.columns) == [
        "source_group",
        "relation",
        "target_group",
        "source_ref",
        "evidence",
    ]
    names = set(_groups()["name"])
    assert links["source_group"].isin(names).all()
    assert links["target_group"].isin(names).all()
    assert links["relation"].isin(RELATIONS).all()
    assert (links["source_group"] != links["target_group"]).all()
    assert not links.duplicated(["source_group", "relation", "target_group", "source_ref"]).any()
    coded = {content["source"]["file"] for _, content in _documents()}
    for record in links.to_dict("records"):
        match = SOURCE_REF.match(record["source_ref"])
        assert match and match.group(1) in coded, record["source_ref"]
        assert int(match.group(2)) <= int(match.group(3))
        assert _quotes(record["evidence"]), record


def test_group_link_evidence_is_in_the_cited_lines():
    _require_sources()
    for record in _group_links().to_dict("records"):
        file_name, lines = record["source_ref"].split(":")
        first, last = _span(lines)
        assert last <= len(_source_lines(file_name)), record["source_ref"]
        passage = _folded(_passage(file_name, lines))
        for quote in _quotes(record["evidence"]):
            assert _folded(quote) in passage, (record["source_ref"], quote)


def test_the_police_rank_ssp_is_not_coded_as_the_group():
    for path, _, event in _events():
        if path.name.startswith("000_"):
            groups = {p["group"] for p in event["perpetrators"]}
            assert "Sipah-e-Sahaba Pakistan" not in groups, event["event_id"]


# --- coverage and key decisions ---------------------------------------------------------


def test_number_of_events_per_seed():
    counts = {path.name[:3]: len(content["events"]) for path, content in _documents()}
    assert counts == {"000": 8, "001": 4, "002": 3, "003": 6, "004": 28}


@pytest.mark.parametrize(
    "place",
    [
        "Pakistan Chowk",
        "Rimpa Plaza, MA Jinnah Road",
        "Saleh Mosque, Pakistan Chowk",
        "Qalandria Chowk",
        "Bahadurabad",
        "Hyderi Market, North Nazimabad",
        "Navy dockyard",
        "Safoora Goth",
        "Sohrab Goth, Ganna Mandi",
        "shrine in Khuzdar",
        "Quetta police academy",
        "madressah complex, Mastung",
        "imambargah, Quetta",
        "Binori town madrasa",
        "Jamiatul Rasheed Ehsanabad",
        "Darul Uloom Rehmania",
        "Quid Abad",
        "Kiamaree",
        "hills of Manghopir",
        "Orangi town",
        "Baldia Town",
    ],
)
def test_named_places_are_coded(place):
    assert place in {event["location_text"] for _, _, event in _events()}


def _perps(event: dict) -> dict[str, str]:
    return {p["group"]: p["link"] for p in event["perpetrators"]}


DECISIONS = [
    # The Ashura bombing: "more than 30 people dead" -> 31, no upper bound.
    ("s004-01", "killed_min", 31),
    ("s004-01", "killed_max", None),
    ("s004-01", "event_date", "2009-12-28"),
    ("s004-01", "date_precision", "day"),
    ("s004-01", "suicide", True),
    (
        "s004-01",
        "perpetrators",
        {"Tehrik-i-Taliban Pakistan": "claimed", "Lashkar-e-Jhangvi": "attributed"},
    ),
    # The Ismaili bus attack: one event, three sources, place from seed 002.
    ("s001-01", "killed_min", 45),
    ("s001-01", "killed_max", 45),
    ("s001-01", "perpetrators", {"Islamic State": "claimed", "Lashkar-e-Jhangvi": "suspected"}),
    ("s001-01", "location_text", "Safoora Goth"),
    ("s001-01", "date_precision", "month"),
    ("s001-01", "date_start", "2015-05-01"),
    ("s001-01", "date_end", "2015-05-20"),
    ("s001-01", "target_type", "religious_minority"),
    ("s001-02", "event_date", "2015-05-20"),
    ("s001-02", "event_type", "arrest"),
    # "nearly 200" for two bombings together: no per-event count.
    ("s001-03", "killed_min", None),
    ("s001-04", "killed_min", None),
    ("s001-03", "date_precision", "year"),
    # Seed 000: about ten days before March 20; "at least 12" hurt.
    ("s000-01", "event_date", "2015-03-10"),
    ("s000-01", "date_precision", "week"),
    ("s000-01", "perpetrators", {"Al Qaeda": "attributed"}),
    ("s000-02", "killed_min", 2),
    ("s000-03", "injured_min", 12),
    ("s000-03", "injured_max", None),
    ("s000-03", "event_date", "2015-03-20"),
    ("s000-04", "attack_type", "suicide_bombing"),
    ("s000-04", "target_type", "military"),
    ("s000-05", "event_date", "2015-03-04"),
    ("s000-05", "perpetrators", {"Al Qaeda": "claimed"}),
    ("s000-06", "event_date", "2015-02-18"),
    ("s000-07", "event_date", "2015-02-20"),
    ("s000-07", "event_type", "arrest"),
    ("s000-08", "date_start", "2014-01-01"),
    ("s000-08", "date_end", "2014-12-31"),
    ("s000-08", "date_precision", "year"),
    # Seed 002: IS in Sohrab Goth since July 2014.
    ("s002-01", "date_start", "2014-07-01"),
    ("s002-01", "event_type", "militant_presence"),
    ("s002-03", "perpetrators", {"Islamic State": "suspected"}),
    # Seed 003: the 2016 Balochistan attacks; no city is given for the lawyers.
    ("s003-01", "perpetrators", {"Islamic State": "claimed", "Lashkar-e-Jhangvi": "suspected"}),
    ("s003-02", "target_type", "police"),
    ("s003-03", "location_text", "Balochistan"),
    ("s003-03", "city", None),
    ("s003-03", "suicide", True),
    ("s003-03", "date_start", "2016-08-01"),
    ("s003-03", "perpetrators", {}),
    ("s003-06", "date_start", "2004-01-01"),
    # Seed 004: footnotes bound the dates; "more than 100" killed.
    ("s004-04", "date_end", "2009-11-06"),
    ("s004-05", "date_end", "2009-11-06"),
    ("s004-07", "event_date", "2002-09-11"),
    ("s004-09", "killed_min", 101),
    ("s004-09", "killed_max", None),
    ("s004-11", "date_end", "2004-05-30"),
    ("s004-27", "date_end", "2009-02-28"),
    ("s004-28", "date_end", "2009-11-02"),
    ("s004-28", "location_text", "Sohrab Goth"),
    ("s004-28", "perpetrators", {"Tehrik-i-Taliban Pakistan": "attributed"}),
    ("s004-02", "perpetrators", {"Afghan Taliban": "suspected"}),
]


@pytest.mark.parametrize(("event_id", "field", "expected"), DECISIONS)
def test_coding_decision(event_id, field, expected):
    event = _events_by_id()[event_id]
    value = _perps(event) if field == "perpetrators" else event[field]
    assert value == expected


def test_the_bus_attack_lists_three_sources():
    sources = _event_sources("s001-01")
    assert [name[:3] for name, _ in sources] == ["001", "002", "003"]
