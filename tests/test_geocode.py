"""The gazetteer geocoder: normalisation rules, matching, ranking and results.

Most cases run on a small gazetteer built in code (``SMALL``), so that each
expectation follows from rows written here. The last table runs every
location string of the seed documents through the real ``data/gazetteer.csv``.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest

from footprint import paths
from footprint.data.schema import GEO_PRECISIONS
from geocode import GeocodeInputError, Geocoder
from geocode.gazetteer import Gazetteer, GazetteerError
from geocode.match import Matcher
from geocode.normalise import NormalisationRuleError, Normaliser, Rule
from geocode.rank import ContextError, rank, resolve_context
from geocode.result import GeocodeResult, precision_of

COLUMNS = (
    "place_id,name,aliases,kind,subkind,latitude,longitude,town,district,city,province,coord_source"
)

# A small gazetteer: coordinates are approximate, hierarchy as in the real file.
SMALL_CSV = f"""{COLUMNS}
p-sindh,Sindh,,province,,25.9,68.5,,,,Sindh,test
p-baloch,Balochistan,,province,,28.5,65.5,,,,Balochistan,test
c-karachi,Karachi,Karachi City,city,,24.8607,67.0011,,,Karachi,Sindh,test
c-quetta,Quetta,Quetta City,city,,30.1798,66.9750,,Quetta,Quetta,Balochistan,test
c-khuzdar,Khuzdar,,city,,27.8000,66.6100,,Khuzdar,Khuzdar,Balochistan,test
d-south,Karachi South,District South|South,district,,24.8500,67.0200,,Karachi South,Karachi,Sindh,test
d-west,Karachi West,District West|West,district,,24.9500,66.9800,,Karachi West,Karachi,Sindh,test
d-central,Karachi Central,District Central|Central,district,,24.9300,67.0500,,Karachi Central,Karachi,Sindh,test
d-east,Karachi East,District East|East,district,,24.9000,67.1000,,Karachi East,Karachi,Sindh,test
d-keamari,Keamari,Kiamari|Kemari,district,,24.8800,66.9000,,Keamari,Karachi,Sindh,test
d-quetta,Quetta,,district,,30.2000,67.0000,,Quetta,,Balochistan,test
d-khuzdar,Khuzdar,,district,,27.7000,66.5000,,Khuzdar,,Balochistan,test
t-saddar,Saddar Town,,town,,24.8600,67.0200,Saddar Town,Karachi South,Karachi,Sindh,test
t-orangi,Orangi Town,,town,,24.9500,66.9900,Orangi Town,Karachi West,Karachi,Sindh,test
t-baldia,Baldia Town,,town,,24.9200,66.9600,Baldia Town,Keamari,Karachi,Sindh,test
t-lyari,Lyari Town,Liyari Town,town,,24.8600,67.0000,Lyari Town,Karachi South,Karachi,Sindh,test
t-site,SITE Town,SITE|Site,town,,24.9100,67.0000,SITE Town,Keamari,Karachi,Sindh,test
t-nn,North Nazimabad Town,,town,,24.9400,67.0400,North Nazimabad Town,Karachi Central,Karachi,Sindh,test
t-gulshan,Gulshan-e-Iqbal Town,Gulshan Town,town,,24.9200,67.1000,Gulshan-e-Iqbal Town,Karachi East,Karachi,Sindh,test
n-saddar-k,Saddar,Saddar Bazaar,neighbourhood,,24.8556,67.0283,Saddar Town,Karachi South,Karachi,Sindh,test
n-saddar-q,Saddar,,neighbourhood,,30.1900,67.0100,,Quetta,Quetta,Balochistan,test
n-bahadurabad,Bahadurabad,,neighbourhood,,24.8800,67.0700,Gulshan-e-Iqbal Town,Karachi East,Karachi,Sindh,test
n-nn,North Nazimabad,,neighbourhood,,24.9400,67.0400,North Nazimabad Town,Karachi Central,Karachi,Sindh,test
n-nazimabad,Nazimabad,,neighbourhood,,24.9100,67.0300,Liaquatabad Town,Karachi Central,Karachi,Sindh,test
n-sohrab,Sohrab Goth,,neighbourhood,,24.9450,67.1300,Gadap Town,Malir,Karachi,Sindh,test
n-manghopir,Manghopir,Mangho Pir,neighbourhood,,24.9900,67.0500,Gadap Town,Karachi West,Karachi,Sindh,test
n-lyari,Lyari,Liyari,neighbourhood,,24.8600,67.0000,Lyari Town,Karachi South,Karachi,Sindh,test
n-keamari,Keamari,Kiamari|Kemari,neighbourhood,,24.8200,66.9800,Kemari Town,Keamari,Karachi,Sindh,test
n-safoora,Safoora Goth,Safora Goth,neighbourhood,,24.9300,67.1600,Gulshan-e-Iqbal Town,Karachi East,Karachi,Sindh,test
n-gulshan,Gulshan-e-Iqbal,Gulshan,neighbourhood,,24.9200,67.0900,Gulshan-e-Iqbal Town,Karachi East,Karachi,Sindh,test
n-block13d,Gulshan-e-Iqbal Block 13-D,,neighbourhood,,24.9250,67.0950,Gulshan-e-Iqbal Town,Karachi East,Karachi,Sindh,test
n-orangi-1,Orangi Town Sector 1,Orangi Sector 1,neighbourhood,,24.9380,66.9980,Orangi Town,Karachi West,Karachi,Sindh,test
l-rimpa,Rimpa Plaza,,landmark,plaza,24.8580,67.0240,Saddar Town,Karachi South,Karachi,Sindh,test
l-majinnah,MA Jinnah Road,M.A. Jinnah Road|Mohammad Ali Jinnah Road|Bunder Road,landmark,road,24.8600,67.0200,Saddar Town,Karachi South,Karachi,Sindh,test
l-pakchowk,Pakistan Chowk,,landmark,chowk,24.8550,67.0050,Saddar Town,Karachi South,Karachi,Sindh,test
l-saleh,Saleh Mosque,Saleh Masjid,landmark,mosque,24.8552,67.0056,Saddar Town,Karachi South,Karachi,Sindh,test
l-qalandria,Qalandria Chowk,Qalandaria Chowk,landmark,chowk,24.9300,67.0900,Gulshan-e-Iqbal Town,Karachi East,Karachi,Sindh,test
l-hyderi,Hyderi Market,Hyderi,landmark,market,24.9360,67.0410,North Nazimabad Town,Karachi Central,Karachi,Sindh,test
l-ptc,Police Training College Quetta,Quetta police academy|Police Training Centre Quetta,landmark,base,30.1500,66.9600,,Quetta,Quetta,Balochistan,test
l-ps-k,Saddar Police Station,,landmark,police_station,24.8560,67.0290,Saddar Town,Karachi South,Karachi,Sindh,test
l-ps-q,Saddar Police Station,,landmark,police_station,30.1910,67.0110,,Quetta,Quetta,Balochistan,test
l-remote,Lonely Shrine,,landmark,shrine,27.9000,66.7000,,Khuzdar,,Balochistan,test
"""


@pytest.fixture(scope="module")
def small() -> Gazetteer:
    return Gazetteer.from_frame(
        pd.read_csv(io.StringIO(SMALL_CSV), dtype=str, keep_default_na=False)
    )


@pytest.fixture(scope="module")
def geocoder(small) -> Geocoder:
    return Geocoder(small)


@pytest.fixture(scope="module")
def normaliser() -> Normaliser:
    return Normaliser.default()


# --- normalisation ----------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Gulshan-e-Iqbal", "gulshan iqbal"),
        ("Gulshan-i-Iqbal", "gulshan iqbal"),
        ("Gulshan e Iqbal", "gulshan iqbal"),
        ("Kiamaree", "kiamari"),
        ("Nagan Chowrangee", "nagan chowrangi"),
        ("Nagan Chorangi", "nagan chowrangi"),
        ("Baldia Goath", "baldia goth"),
        ("Sohrab Gothh", "sohrab goth"),
        ("M.A. Jinnah Rd.", "ma jinah road"),
        ("MA Jinnah Road", "ma jinah road"),
        ("Karachi’s Safoora Goth", "karachi safura goth"),
        ("“Karāchi”", "karachi"),
        ("Bahadur Abad", "bahadurabad"),
        ("Liyari", "lyari"),
        ("Shahrah-e-Faisal", "shahrah faisal"),
        ("Sharae Faisal", "shahrah faisal"),
        ("Block 13D", "block 13 d"),
        ("DHA Defense", "dha defence"),
        ("P.E.C.H.S.", "pechs"),
        ("DHA Phase II", "dha phase 2"),
        ("Defence Phase VIII", "defence phase 8"),
        ("DHA Phase V", "dha phase 5"),
    ],
)
def test_normalise_rewrites_variants(normaliser, text, expected):
    assert normaliser.normalise(text) == expected


@pytest.mark.parametrize(
    "text, expected_core, must_contain",
    [
        # Stripping fillers must not take 'town' out of a name.
        ("Orangi Town", "orangi town", ["orangi", "town"]),
        ("near the Orangi Town area", "orangi town", ["orangi", "town"]),
        ("Baldia Town", "baldia town", ["town"]),
        # 'Defence' is a name, not a word to drop or respell.
        ("Defence", "defence", ["defence"]),
        ("Defence Phase 5", "defence phase 5", ["defence", "5"]),
        # Block numbers and letters are kept.
        ("Block 13-D", "block 13 d", ["13", "d"]),
        ("Sector 11-E, North Karachi", "sector 11 e north karachi", ["11", "e"]),
        ("Block E, North Nazimabad", "block e north nazimabad", ["e", "north"]),
        # Compass words are kept.
        ("North Nazimabad", "north nazimabad", ["north"]),
        ("Karachi West", "karachi west", ["west"]),
        # Keamari has no 'ee'; the ee -> i rule must not touch it.
        ("Keamari", "keamari", ["keamari"]),
        ("Kemari", "kemari", ["kemari"]),
        # A block letter I is not a roman one (only 'Phase I' is).
        ("North Nazimabad Block I", "north nazimabad block i", ["block", "i"]),
        # Digits are never collapsed like doubled letters.
        ("Block 11", "block 11", ["11"]),
        ("Street 22", "strit 22", ["22"]),  # a key, not display text
    ],
)
def test_normalise_leaves_names_alone(normaliser, text, expected_core, must_contain):
    assert normaliser.core(text) == expected_core
    for word in must_contain:
        assert word in normaliser.tokens(text)


def test_rules_are_data(tmp_path):
    rules = tmp_path / "rules.csv"
    rules.write_text(
        "pattern,replacement,kind,note\nchowrangee,chowrangi,token,x\nnear,,strip,y\n",
        encoding="utf-8",
    )
    custom = Normaliser.from_csv(rules)
    assert custom.normalise("Nagan Chowrangee") == "nagan chowrangi"
    assert custom.core("near Nagan") == "nagan"
    # Without a transliteration rule, doubled letters stay.
    assert custom.normalise("Saddar") == "saddar"


def test_bad_rule_is_reported_with_its_line(tmp_path):
    rules = tmp_path / "rules.csv"
    rules.write_text(
        "pattern,replacement,kind,note\nx,y,token,ok\n(,y,regex,broken\n", encoding="utf-8"
    )
    with pytest.raises(NormalisationRuleError) as caught:
        Normaliser.from_csv(rules)
    assert caught.value.row == 3
    assert caught.value.column == "pattern"
    with pytest.raises(NormalisationRuleError) as caught:
        Normaliser([Rule("a", "b", "sideways")])
    assert caught.value.column == "kind"


# --- gazetteer --------------------------------------------------------------


def test_gazetteer_index_holds_names_and_aliases(small):
    assert len(small) == len(SMALL_CSV.strip().splitlines()) - 1
    entries = small.lookup("Kiamari")
    assert {e.place.place_id for e in entries} == {"d-keamari", "n-keamari"}
    assert all(not e.is_name for e in entries)
    assert {e.place.place_id for e in small.lookup("saddar")} == {"n-saddar-k", "n-saddar-q"}
    assert small.max_key_tokens >= 4  # "police training college quetta"


def test_gazetteer_rejects_bad_rows():
    frame = pd.read_csv(io.StringIO(SMALL_CSV), dtype=str, keep_default_na=False)
    bad_kind = frame.copy()
    bad_kind.loc[0, "kind"] = "country"
    with pytest.raises(GazetteerError) as caught:
        Gazetteer.from_frame(bad_kind)
    assert (caught.value.column, caught.value.place_id) == ("kind", "p-sindh")
    no_coords = frame.copy()
    no_coords.loc[3, "latitude"] = ""
    with pytest.raises(GazetteerError) as caught:
        Gazetteer.from_frame(no_coords)
    assert caught.value.column == "latitude"
    with pytest.raises(GazetteerError) as caught:
        Gazetteer.from_frame(frame.drop(columns=["kind"]))
    assert caught.value.column == "kind"
    duplicated = pd.concat([frame, frame.head(1)])
    with pytest.raises(GazetteerError) as caught:
        Gazetteer.from_frame(duplicated)
    assert caught.value.column == "place_id"


def test_gazetteer_neighbourhood_of_a_landmark(small):
    assert small.neighbourhood_of(small.by_id["l-rimpa"]) == "Saddar"
    assert small.neighbourhood_of(small.by_id["l-majinnah"]) == ""  # a road: not guessed
    assert small.neighbourhood_of(small.by_id["l-remote"]) == ""  # nothing within 1.5 km
    assert small.neighbourhood_of(small.by_id["n-lyari"]) == "Lyari"


# --- matching ---------------------------------------------------------------


def test_ngram_scan_finds_every_place_in_free_text(small):
    found = Matcher(small).candidates("near Rimpa Plaza on MA Jinnah Road, Karachi")
    ids = {c.place.place_id for c in found}
    assert {"l-rimpa", "l-majinnah", "c-karachi"} <= ids
    assert all(c.method in ("exact", "alias") for c in found)


def test_longer_span_hides_the_name_inside_it(small):
    found = Matcher(small).candidates("Hyderi Market in the North Nazimabad neighborhood")
    ids = {c.place.place_id for c in found}
    assert "n-nn" in ids and "l-hyderi" in ids
    assert "n-nazimabad" not in ids


def test_fuzzy_only_on_plausible_spans(small):
    matcher = Matcher(small)
    typo = matcher.candidates("Sohrab Gooth")
    assert [(c.place.place_id, c.method) for c in typo] == [("n-sohrab", "fuzzy")]
    assert 88 <= typo[0].score < 100
    # A generic word is not a fuzzy match for a longer name.
    assert matcher.candidates("road") == []
    assert matcher.candidates("plaza") == []
    # Fuzzy can be turned off.
    assert Matcher(small, fuzzy_threshold=None).candidates("Sohrab Gooth") == []


def test_reordered_words_score_below_the_written_order(small):
    matcher = Matcher(small)
    [reordered] = matcher.candidates("Goth Sohrab")
    assert (reordered.place.place_id, reordered.method, reordered.score) == (
        "n-sohrab",
        "exact",
        95.0,
    )
    [written] = matcher.candidates("Sohrab Goth")
    assert written.score == 100.0


def test_out_of_area_names_are_reported(small):
    matches = Matcher(small).match(Normaliser.default().tokens("Gulberg, Lahore near Kabul"))
    assert matches.elsewhere == ("lahore", "kabul")
    assert Matcher(small).match(["saddar"]).elsewhere == ()


def test_common_word_matches_only_as_the_whole_query(small):
    matcher = Matcher(small)
    assert matcher.candidates("at the site of the blast") == []
    assert [c.place.place_id for c in matcher.candidates("SITE")] == ["t-site"]


# --- the geocoding table ------------------------------------------------------


CASES = [
    # query, context, expected place_id, method, precision
    ("Rimpa Plaza", None, "l-rimpa", "exact", "site"),
    ("rimpa plaza, karachi", None, "l-rimpa", "exact", "site"),
    ("Bunder Road", None, "l-majinnah", "alias", "neighbourhood"),
    ("M.A. Jinnah Road", None, "l-majinnah", "exact", "neighbourhood"),
    ("Mohammad Ali Jinnah Road", None, "l-majinnah", "alias", "neighbourhood"),
    # Transliteration variants.
    ("Keamari", None, "n-keamari", "exact", "neighbourhood"),
    ("Kiamari", None, "n-keamari", "alias", "neighbourhood"),
    ("Kemari", None, "n-keamari", "alias", "neighbourhood"),
    ("Kiamaree", None, "n-keamari", "alias", "neighbourhood"),
    ("Manghopir", None, "n-manghopir", "exact", "neighbourhood"),
    ("Mangho Pir", None, "n-manghopir", "alias", "neighbourhood"),
    ("Lyari", None, "n-lyari", "exact", "neighbourhood"),
    ("Liyari", None, "n-lyari", "exact", "neighbourhood"),
    ("Gulshan-i-Iqbal", None, "n-gulshan", "exact", "neighbourhood"),
    ("Gulshan-e-Iqbal Block 13D", None, "n-block13d", "exact", "neighbourhood"),
    ("Quid Abad", None, None, None, None),
    # Fuzzy typos.
    ("Mangopir", None, "n-manghopir", "fuzzy", "neighbourhood"),
    ("Sohrab Gooth", None, "n-sohrab", "fuzzy", "neighbourhood"),
    ("Bahaderabad", None, "n-bahadurabad", "fuzzy", "neighbourhood"),
    ("Qalandriya Chowk", None, "l-qalandria", "fuzzy", "site"),
    ("Sohrab Gooth, Karachi", None, "n-sohrab", "fuzzy", "neighbourhood"),
    # A fuzzy match that contradicts an exact one loses to it.
    ("Khuzdr, Karachi", None, "c-karachi", "exact", "city"),
    # A typo in a long name that holds another place's name (Quetta).
    ("Police Traning College Quetta", None, "l-ptc", "fuzzy", "site"),
    ("Saddar Polce Station, Quetta", None, "l-ps-q", "fuzzy", "site"),
    # ... but the words beside an exact match must carry the likeness themselves:
    # "Karachi last week" is not "Karachi East".
    ("Karachi last week", None, "c-karachi", "exact", "city"),
    # Digits and single letters are never fuzzy: the coarser exact place instead.
    ("Orangi Town Sector 1", None, "n-orangi-1", "exact", "neighbourhood"),
    ("Orangi Town Sector 12", None, "t-orangi", "exact", "town"),
    ("Gulshan-e-Iqbal Block 13-E", None, "n-gulshan", "exact", "neighbourhood"),
    # Context: from the argument, or from the text.
    ("Saddar", "Quetta", "n-saddar-q", "exact", "neighbourhood"),
    ("Saddar", "Karachi", "n-saddar-k", "exact", "neighbourhood"),
    ("Saddar", {"city": "Quetta"}, "n-saddar-q", "exact", "neighbourhood"),
    ("Saddar", {"province": "Balochistan"}, "n-saddar-q", "exact", "neighbourhood"),
    ("Saddar, Quetta", None, "n-saddar-q", "exact", "neighbourhood"),
    ("Saddar Karachi", None, "n-saddar-k", "exact", "neighbourhood"),
    ("Saddar Police Station, Quetta", None, "l-ps-q", "exact", "site"),
    ("Saddar Police Station", {"district": "Karachi South"}, "l-ps-k", "exact", "site"),
    ("Quetta police academy", None, "l-ptc", "alias", "site"),
    # Most specific wins; the first-named site among equals.
    ("near Rimpa Plaza on MA Jinnah Road", None, "l-rimpa", "exact", "site"),
    ("Saleh Mosque at Pakistan Chowk", None, "l-saleh", "exact", "site"),
    ("Hyderi Market in the North Nazimabad neighborhood", None, "l-hyderi", "exact", "site"),
    ("Sohrab Goth area, Karachi", None, "n-sohrab", "exact", "neighbourhood"),
    ("Orangi Town", None, "t-orangi", "exact", "town"),
    ("Liyari Town", None, "t-lyari", "exact", "town"),  # same key as the name
    ("Karachi", None, "c-karachi", "exact", "city"),
    ("Sindh", None, "p-sindh", "exact", "province"),
    # A city inside a district of the same name is the more specific.
    ("Quetta", None, "c-quetta", "exact", "city"),
    ("Khuzdar", None, "c-khuzdar", "exact", "city"),
    # Hints: 'district' after a name picks the district of that name.
    ("Khuzdar district", None, "d-khuzdar", "exact", "district"),
    ("West district", None, "d-west", "alias", "district"),
    ("District South", None, "d-south", "alias", "district"),
    ("Keamari district", None, "d-keamari", "exact", "district"),
    # The words of a name in another order.
    ("Police Station Saddar, Quetta", None, "l-ps-q", "exact", "site"),
    ("Goth Sohrab", None, "n-sohrab", "exact", "neighbourhood"),
    # A place outside the gazetteer's area, and no city, district or province of it.
    ("Saddar, Lahore", None, None, None, None),
    ("Orangi Town, Peshawar", None, None, None, None),
    ("Rimpa Plaza, Karachi (not Lahore)", None, "l-rimpa", "exact", "site"),
    ("Punjab", None, None, None, None),
    # Unknown text: never a silent city centre.
    ("Atlantis", None, None, None, None),
    ("somewhere in the city", None, None, None, None),
    ("", None, None, None, None),
    ("   ", None, None, None, None),
    ("at the site of the blast", None, None, None, None),
]


@pytest.mark.parametrize("query, context, place_id, method, precision", CASES)
def test_geocode_table(geocoder, query, context, place_id, method, precision):
    result = geocoder.geocode(query, context=context)
    assert result.query == query
    if place_id is None:
        assert result.resolved is False
        assert result.latitude is None and result.longitude is None
        assert result.geo_precision is None and result.place_id is None
        return
    assert result.resolved, result.to_dict()
    assert (result.place_id, result.method, result.geo_precision) == (
        place_id,
        method,
        precision,
    ), result.to_dict()
    place = geocoder.gazetteer.by_id[place_id]
    assert (result.latitude, result.longitude) == (place.latitude, place.longitude)
    assert result.name == place.name
    assert result.geo_precision in GEO_PRECISIONS
    assert 0 <= result.score <= 100


def test_result_fields_for_a_landmark(geocoder):
    result = geocoder.geocode("near Rimpa Plaza on MA Jinnah Road")
    assert result.to_dict() | {"candidates": None} == {
        "query": "near Rimpa Plaza on MA Jinnah Road",
        "resolved": True,
        "place_id": "l-rimpa",
        "name": "Rimpa Plaza",
        "matched_alias": "Rimpa Plaza",
        "method": "exact",
        "score": 100.0,
        "latitude": 24.858,
        "longitude": 67.024,
        "geo_precision": "site",
        "kind": "landmark",
        "subkind": "plaza",
        "neighbourhood": "Saddar",
        "town": "Saddar Town",
        "district": "Karachi South",
        "city": "Karachi",
        "province": "Sindh",
        "candidates": None,
    }
    assert [c.place_id for c in result.candidates] == ["l-majinnah"]


def test_result_hierarchy_fills_own_level(geocoder):
    town = geocoder.geocode("Orangi Town")
    assert (town.neighbourhood, town.town, town.district, town.city) == (
        None,
        "Orangi Town",
        "Karachi West",
        "Karachi",
    )
    neighbourhood = geocoder.geocode("Bahadurabad")
    assert neighbourhood.neighbourhood == "Bahadurabad"
    province = geocoder.geocode("Balochistan")
    assert (province.province, province.city, province.town) == ("Balochistan", None, None)


def test_matched_alias_is_the_written_alias(geocoder):
    result = geocoder.geocode("Kiamari")
    assert result.matched_alias == "Kiamari"
    assert result.name == "Keamari"


def test_ambiguous_name_lowers_the_score(geocoder):
    alone = geocoder.geocode("Saddar")
    with_context = geocoder.geocode("Saddar", context="Quetta")
    assert alone.resolved and alone.score < with_context.score == 100
    assert {c.place_id for c in alone.candidates} >= {
        "n-saddar-q"
    } or alone.place_id == "n-saddar-q"


def test_contradicting_context_leaves_the_text_unresolved(geocoder):
    result = geocoder.geocode("Orangi Town", context="Quetta")
    assert result.resolved is False and result.latitude is None
    assert [c.place_id for c in result.candidates] == ["t-orangi"]
    assert result.candidates[0].score <= 75
    # The same text with a fitting context, or with none, resolves.
    assert geocoder.geocode("Orangi Town", context="Karachi").place_id == "t-orangi"
    assert geocoder.geocode("Orangi Town").place_id == "t-orangi"


def test_unknown_context_is_ignored_but_bad_type_raises(geocoder, small):
    assert resolve_context("Timbuktu", small) is None
    assert geocoder.geocode("Saddar Bazaar", context="Timbuktu").place_id == "n-saddar-k"
    with pytest.raises(ContextError) as caught:
        geocoder.geocode("Saddar", context={"country": "Pakistan"})
    assert caught.value.column == "country"
    with pytest.raises(ContextError):
        geocoder.geocode("Saddar", context=42)


def test_rank_orders_candidates(small):
    candidates = Matcher(small).candidates("Saddar, Quetta")
    ranked = rank(candidates, small)
    assert ranked[0].candidate.place.place_id == "n-saddar-q"
    saddar_karachi = next(r for r in ranked if r.candidate.place.place_id == "n-saddar-k")
    assert saddar_karachi.conflicts == 1
    assert ranked[0].support == 1


def test_precision_of_kinds(small):
    assert precision_of(small.by_id["l-rimpa"]) == "site"
    assert precision_of(small.by_id["l-majinnah"]) == "neighbourhood"
    assert precision_of(small.by_id["t-orangi"]) == "town"
    assert precision_of(small.by_id["d-west"]) == "district"
    assert precision_of(small.by_id["c-karachi"]) == "city"
    assert precision_of(small.by_id["p-sindh"]) == "province"


def test_unresolved_result_is_empty():
    result = GeocodeResult(query="nowhere")
    payload = result.to_dict()
    assert payload["resolved"] is False
    assert payload["latitude"] is None and payload["geo_precision"] is None
    assert payload["candidates"] == []


# --- many texts and the cache -----------------------------------------------


def test_geocode_many_keeps_order_and_contexts(geocoder):
    texts = ["Saddar", "Saddar", "Rimpa Plaza", None, float("nan"), "Atlantis"]
    contexts = ["Quetta", "Karachi", None, None, None, None]
    results = geocoder.geocode_many(texts, contexts)
    assert [r.place_id for r in results] == [
        "n-saddar-q",
        "n-saddar-k",
        "l-rimpa",
        None,
        None,
        None,
    ]
    assert results[3].query == "" and results[5].query == "Atlantis"
    with pytest.raises(GeocodeInputError) as caught:
        geocoder.geocode_many(["a", "b"], ["Quetta"])
    assert caught.value.column == "contexts"


def test_cache_answers_repeats_with_their_own_query(small):
    geocoder = Geocoder(small)
    first = geocoder.geocode("Rimpa Plaza")
    again = geocoder.geocode("RIMPA   plaza!")
    assert again.query == "RIMPA   plaza!" and again.place_id == first.place_id
    info = geocoder.cache_info()
    assert info.hits == 1 and info.misses == 1


def test_many_repeated_strings_keep_their_own_results(small):
    # Speed is measured by benchmarks/geocoder.py, not here.
    geocoder = Geocoder(small)
    base = [
        "near Rimpa Plaza on MA Jinnah Road",
        "Saleh Mosque at Pakistan Chowk",
        "Sohrab Gooth",
        "Saddar, Quetta",
        "Kiamaree",
        "Atlantis",
        "Hyderi Market in the North Nazimabad neighborhood",
    ]
    texts = [f"{base[i % len(base)]}{' ' * (i % 3)}" for i in range(100_000)]
    results = geocoder.geocode_many(texts)
    assert len(results) == 100_000
    assert results[0].place_id == "l-rimpa" and results[5].resolved is False
    singles = [geocoder.geocode(text) for text in texts[:14]]
    assert [r.place_id for r in results[:14]] == [r.place_id for r in singles]


# --- the seed documents' location strings on the real gazetteer ----------------

KARACHI = {"city": "Karachi", "province": "Sindh"}
QUETTA = {"city": "Quetta", "province": "Balochistan"}

# Every location string of ../shared/seeds/*.txt that a coder would geocode,
# as written in the text (no context) and as coded in seeds/*.yaml (with the
# city and province context footprint.importers.seeds passes), with the place the real
# gazetteer should give and the precision.
SEED_LOCATIONS = [
    # 000: the Al Qaeda footprint (Karachi)
    ("Pakistan Chowk", None, "Pakistan Chowk", "neighbourhood"),  # rough coordinate (_low)
    ("Pakistan Chowk", KARACHI, "Pakistan Chowk", "neighbourhood"),  # rough coordinate (_low)
    (
        "near Rimpa Plaza on MA Jinnah Road",
        None,
        "Rimpa Plaza",
        "neighbourhood",
    ),  # rough coordinate (_low)
    (
        "Rimpa Plaza, MA Jinnah Road",
        KARACHI,
        "Rimpa Plaza",
        "neighbourhood",
    ),  # rough coordinate (_low)
    ("MA Jinnah Road", None, "MA Jinnah Road", "neighbourhood"),
    (
        "Saleh Mosque at the same Pakistan Chowk",
        None,
        "Saleh Mosque",
        "neighbourhood",
    ),  # coordinate known to the neighbourhood
    (
        "Saleh Mosque, Pakistan Chowk",
        KARACHI,
        "Saleh Mosque",
        "neighbourhood",
    ),  # coordinate known to the neighbourhood
    (
        "near Qalandria Chowk",
        None,
        "Qalandria Chowk",
        "neighbourhood",
    ),  # coordinate known to the neighbourhood
    (
        "Qalandria Chowk",
        KARACHI,
        "Qalandria Chowk",
        "neighbourhood",
    ),  # coordinate known to the neighbourhood
    ("the Bahadurabad locality", None, "Bahadurabad", "neighbourhood"),
    ("Bahadurabad", KARACHI, "Bahadurabad", "neighbourhood"),
    (
        "near Hyderi Market in the North Nazimabad neighborhood",
        None,
        "Hyderi Market",
        "neighbourhood",
    ),  # rough coordinate (_low)
    (
        "Hyderi Market, North Nazimabad",
        KARACHI,
        "Hyderi Market",
        "neighbourhood",
    ),  # rough coordinate (_low)
    ("North Nazimabad", None, "North Nazimabad", "neighbourhood"),
    (
        "the Navy dockyard",
        None,
        "Karachi Naval Dockyard",
        "neighbourhood",
    ),  # rough coordinate (_low)
    (
        "Navy dockyard",
        KARACHI,
        "Karachi Naval Dockyard",
        "neighbourhood",
    ),  # rough coordinate (_low)
    ("the troubled West district", None, "Karachi West", "district"),
    ("Karachi", KARACHI, "Karachi", "city"),
    # 001 and 002: the Safoora Goth bus attack; IS in Karachi
    ("Karachi's Safoora Goth area", None, "Safoora Goth", "neighbourhood"),
    ("Safoora Goth", KARACHI, "Safoora Goth", "neighbourhood"),
    ("Sohrab Goth", KARACHI, "Sohrab Goth", "neighbourhood"),
    ("Sohrab Goth area of Ganna Mandi", None, "Ganna Mandi", "neighbourhood"),
    ("Sohrab Goth, Ganna Mandi", KARACHI, "Ganna Mandi", "neighbourhood"),
    (
        "Institute of Business Administration",
        None,
        "Institute of Business Administration",
        "neighbourhood",
    ),  # rough coordinate (_low)
    # 003: the Khuzdar shrine and the Quetta police academy (Balochistan)
    # The words of the alias "Khuzdar shrine" in another order.
    (
        "the shrine in Khuzdar",
        None,
        "Shah Noorani Shrine",
        "neighbourhood",
    ),  # rough coordinate (_low)
    (
        "shrine in Khuzdar",
        {"city": "Khuzdar", "province": "Balochistan"},
        "Shah Noorani Shrine",
        "neighbourhood",  # rough coordinate (_low)
    ),
    ("the shrine", None, None, None),
    ("police cadets in Quetta", None, "Quetta", "city"),
    ("Quetta", QUETTA, "Quetta", "city"),
    (
        "Quetta police academy",
        QUETTA,
        "Police Training College Quetta",
        "neighbourhood",
    ),  # rough coordinate (_low)
    ("Khuzdar district", {"city": "Khuzdar", "province": "Balochistan"}, "Khuzdar", "district"),
    ("Mastung", None, "Mastung", "city"),
    (
        "madressah complex, Mastung",
        {"city": "Mastung", "province": "Balochistan"},
        "Mastung",
        "city",
    ),
    (
        "Imambargah Kalan, Quetta",
        QUETTA,
        "Imambargah Kalan Isna Ashari Quetta",
        "neighbourhood",
    ),  # coordinate known to the neighbourhood
    ("the RCD highway", None, "RCD Highway", "neighbourhood"),
    ("upper Sindh", None, "Sindh", "province"),
    ("Balochistan", {"province": "Balochistan"}, "Balochistan", "province"),
    # 004: Karachi becoming a Taliban safe haven
    (
        "The Binori town madrasa",
        None,
        "Jamia Uloom-ul-Islamia Binori Town",
        "neighbourhood",
    ),  # rough coordinate (_low)
    (
        "Binori town madrasa",
        KARACHI,
        "Jamia Uloom-ul-Islamia Binori Town",
        "neighbourhood",
    ),  # rough coordinate (_low)
    ("Binori town", None, "Binori Town", "neighbourhood"),
    (
        "Jamiatul Rasheed Ehsanabad",
        KARACHI,
        "Jamiatul Rasheed",
        "neighbourhood",
    ),  # coordinate known to the neighbourhood
    (
        "Jamia Ashraful Madaris",
        KARACHI,
        "Jamia Ashraful Madaris",
        "neighbourhood",
    ),  # coordinate known to the neighbourhood
    (
        "Jamia Ehsanul Uloom",
        KARACHI,
        "Jamia Ehsanul Uloom",
        "neighbourhood",
    ),  # coordinate known to the neighbourhood
    (
        "Jamia Anwarul Quran",
        KARACHI,
        "Jamia Anwarul Quran",
        "neighbourhood",
    ),  # coordinate known to the neighbourhood
    (
        "Madrasa Khalid Bin Walid",
        KARACHI,
        "Madrasa Khalid Bin Walid",
        "city",
    ),  # coordinate known only to the city
    (
        "Darul Uloom Rehmania",
        KARACHI,
        "Darul Uloom Rehmania",
        "city",
    ),  # coordinate known only to the city
    ("Quid Abad", KARACHI, "Quaidabad", "neighbourhood"),
    ("Kiamaree", KARACHI, "Kiamari", "neighbourhood"),
    ("the hills of Manghopir", None, "Manghopir", "neighbourhood"),
    ("hills of Manghopir", KARACHI, "Manghopir", "neighbourhood"),
    ("Orangi town", KARACHI, "Orangi Town", "town"),
    ("Baldia Town", KARACHI, "Baldia Town", "town"),
    ("the crowded Sohrab Goth area of the city", None, "Sohrab Goth", "neighbourhood"),
    ("the super highway", None, "Super Highway", "neighbourhood"),
]


@pytest.fixture(scope="module")
def real_geocoder():
    if not paths.GAZETTEER_CSV.exists():
        pytest.skip(f"{paths.GAZETTEER_CSV} has not been written yet")
    return Geocoder(Gazetteer.from_csv(paths.GAZETTEER_CSV))


@pytest.mark.parametrize("query, context, name, precision", SEED_LOCATIONS)
def test_seed_locations_on_the_real_gazetteer(real_geocoder, query, context, name, precision):
    result = real_geocoder.geocode(query, context=context)
    if name is None:
        assert result.resolved is False and result.latitude is None, result.to_dict()
        return
    assert result.resolved, f"{query!r} did not resolve"
    assert (result.name, result.geo_precision) == (name, precision), result.to_dict()
    assert result.latitude is not None and result.longitude is not None
    assert result.province in ("Sindh", "Balochistan")
    assert result.score >= 85, result.to_dict()


@pytest.mark.parametrize(
    "query, context", [("an imambargah in Quetta", None), ("imambargah, Quetta", QUETTA)]
)
def test_a_generic_site_in_a_city_is_the_city_never_a_guessed_site(real_geocoder, query, context):
    """'an imambargah in Quetta' names no particular imambargah: the answer is
    the city, never one imambargah picked from the gazetteer."""
    result = real_geocoder.geocode(query, context=context)
    assert (result.name, result.geo_precision) == ("Quetta", "city")


@pytest.mark.parametrize(
    "query",
    [
        "the site of a suicide attack",
        "how much",
        "a financial hub",
        "Mumbai",
        "Islamabad",
        "Gulberg, Lahore",
        "Gulberg Town, Lahore",
        "Saddar, Rawalpindi",
    ],
)
def test_real_gazetteer_does_not_invent_places(real_geocoder, query):
    assert real_geocoder.geocode(query).resolved is False


def test_every_real_name_and_alias_finds_its_place(real_geocoder):
    """Normalisation must not merge two different names: each name and alias
    resolves to its own place, or to a place that carries the same key (Quetta
    the city and Quetta the district)."""
    gazetteer = real_geocoder.gazetteer
    wrong = []
    for place in gazetteer.places:
        for written in (place.name, *place.aliases):
            result = real_geocoder.geocode(written)
            key = gazetteer.normaliser.normalise(written)
            if result.place_id != place.place_id and key not in gazetteer.keys_of.get(
                result.place_id or "", ()
            ):
                wrong.append((written, place.place_id, result.place_id))
    assert wrong == []


@pytest.mark.parametrize(
    ("query", "precision"),
    [
        ("Saleh Mosque", "neighbourhood"),  # placed at its neighbourhood only
        ("Madrasa Khalid Bin Walid", "city"),  # only the city is known
        ("Rimpa Plaza", "neighbourhood"),  # a rough position, possibly 1-3 km off
        ("Empress Market", "site"),  # a confident coordinate
    ],
)
def test_precision_is_capped_by_how_well_the_coordinate_is_known(real_geocoder, query, precision):
    result = real_geocoder.geocode(query, context="Karachi")
    assert result.resolved and result.geo_precision == precision, result.to_dict()


def test_a_city_level_point_claims_no_town_or_neighbourhood(real_geocoder):
    result = real_geocoder.geocode("Madrasa Khalid Bin Walid", context="Karachi")
    assert (result.geo_precision, result.neighbourhood, result.town) == ("city", None, None)
    assert result.city == "Karachi"
