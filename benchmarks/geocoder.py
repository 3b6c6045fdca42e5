"""Benchmark the gazetteer geocoder against ``data/geocode_reference.csv``.

The reference file has the columns
``query,context,expected_latitude,expected_longitude,expected_precision,note``;
a row whose ``expected_precision`` is ``unresolved`` must not resolve. The
script geocodes every query and prints:

- the share of queries resolved;
- the median and 90th-percentile error in km (haversine) over resolved
  queries that have expected coordinates, and the shares within 1 and 5 km;
- the share of ``unresolved`` rows that correctly stayed unresolved;
- the share of rows given the expected precision;
- the share of resolvable queries that still give the same place with one
  letter of their longest word dropped (typo robustness);
- throughput in places per second, cold (cache off) and on a 100,000-query
  mix of repeated strings (cache on).

It prints figures and ratios and asserts nothing. ``context`` may be empty, a
place name (``Karachi``), ``key=value`` pairs separated by ``;``
(``city=Karachi; province=Sindh``) or a JSON object.

Usage::

    python benchmarks/geocoder.py [--reference FILE] [--mix 100000] [--json] [--misses]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from footprint import paths  # noqa: E402
from geocode import Geocoder  # noqa: E402
from geocode.gazetteer import Gazetteer, haversine_km  # noqa: E402

REFERENCE_CSV = paths.DATA_DIR / "geocode_reference.csv"
REFERENCE_COLUMNS = (
    "query",
    "context",
    "expected_latitude",
    "expected_longitude",
    "expected_precision",
    "note",
)


def parse_context(text: str) -> str | dict | None:
    """Return the geocoder context written in a reference row's ``context`` cell."""
    text = (text or "").strip()
    if not text:
        return None
    if text.startswith("{"):
        return json.loads(text)
    if "=" in text:
        pairs = [part.split("=", 1) for part in text.replace(",", ";").split(";") if "=" in part]
        return {key.strip(): value.strip() for key, value in pairs if value.strip()}
    return text


def load_reference(path: Path) -> pd.DataFrame:
    """Read the reference CSV; raise ``ValueError`` naming missing columns."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in REFERENCE_COLUMNS if c not in frame.columns and c != "note"]
    if missing:
        raise ValueError(
            f"{path} lacks the column(s) {', '.join(missing)}; it has {', '.join(frame.columns)}."
        )
    frame["expected_latitude"] = pd.to_numeric(frame["expected_latitude"], errors="coerce")
    frame["expected_longitude"] = pd.to_numeric(frame["expected_longitude"], errors="coerce")
    frame["expected_precision"] = frame["expected_precision"].str.strip().str.lower()
    return frame


def accuracy(geocoder: Geocoder, frame: pd.DataFrame) -> tuple[dict, list[dict]]:
    """Geocode every reference query once; return the accuracy figures and the misses."""
    contexts = [parse_context(c) for c in frame["context"]]
    results = [
        geocoder.geocode(q, context=c) for q, c in zip(frame["query"], contexts, strict=True)
    ]
    resolved = np.array([r.resolved for r in results])
    expect_unresolved = (frame["expected_precision"] == "unresolved").to_numpy()
    has_point = (
        frame["expected_latitude"].notna().to_numpy()
        & frame["expected_longitude"].notna().to_numpy()
    )
    errors = []
    misses = []
    for i, result in enumerate(results):
        row = frame.iloc[i]
        problem = None
        if expect_unresolved[i]:
            if result.resolved:
                problem = f"resolved to {result.name} ({result.geo_precision}) but should not"
        else:
            if not result.resolved:
                problem = "did not resolve"
            elif row["expected_precision"] and result.geo_precision != row["expected_precision"]:
                problem = f"precision {result.geo_precision}, expected {row['expected_precision']}"
            if result.resolved and has_point[i]:
                error = float(
                    haversine_km(
                        row["expected_latitude"],
                        row["expected_longitude"],
                        result.latitude,
                        result.longitude,
                    )
                )
                errors.append(error)
                if error > 5 and problem is None:
                    problem = f"{error:.1f} km from the expected point"
        if problem:
            misses.append(
                {
                    "query": row["query"],
                    "context": row["context"],
                    "got": result.name,
                    "problem": problem,
                    "note": row.get("note", ""),
                }
            )
    expect_resolved = ~expect_unresolved
    with_precision = expect_resolved & (frame["expected_precision"] != "").to_numpy()
    precision_ok = np.array(
        [r.geo_precision == p for r, p in zip(results, frame["expected_precision"], strict=True)]
    )
    figures = {
        "queries": len(frame),
        "share_resolved": _share(resolved),
        "share_resolved_of_resolvable": _share(resolved[expect_resolved]),
        "errors_measured": len(errors),
        "median_error_km": round(statistics.median(errors), 3) if errors else None,
        "p90_error_km": round(float(np.percentile(errors, 90)), 3) if errors else None,
        "share_within_1_km": _share(np.array(errors) <= 1) if errors else None,
        "share_within_5_km": _share(np.array(errors) <= 5) if errors else None,
        "unresolved_expected": int(expect_unresolved.sum()),
        "share_correctly_unresolved": _share(~resolved[expect_unresolved]),
        "share_expected_precision": _share(precision_ok[with_precision]),
    }
    return figures, misses


def throughput_cold(gazetteer: Gazetteer, frame: pd.DataFrame, min_seconds: float = 1.0) -> dict:
    """Geocode the reference queries with the cache off, in passes, for at least ``min_seconds``."""
    geocoder = Geocoder(gazetteer, cache_size=0)
    pairs = list(zip(frame["query"], (parse_context(c) for c in frame["context"]), strict=True))
    done, started = 0, time.perf_counter()
    while True:
        for query, context in pairs:
            geocoder.geocode(query, context=context)
        done += len(pairs)
        elapsed = time.perf_counter() - started
        if elapsed >= min_seconds or done >= 50 * len(pairs):
            break
    return {
        "cold_places": done,
        "cold_seconds": round(elapsed, 3),
        "cold_places_per_second": round(done / elapsed, 1),
    }


def throughput_cached(
    gazetteer: Gazetteer, frame: pd.DataFrame, size: int, seed: int = 20240
) -> dict:
    """Geocode a ``size``-query mix of repeated reference strings with the cache on."""
    rng = np.random.default_rng(seed)
    queries = frame["query"].tolist()
    contexts = [parse_context(c) for c in frame["context"]]
    picks = rng.integers(0, len(queries), size)
    variant = rng.integers(0, 4, size)
    texts, ctx = [], []
    for pick, how in zip(picks.tolist(), variant.tolist(), strict=True):
        text = queries[pick]
        if how == 1:
            text = text.upper()
        elif how == 2:
            text = f"  {text.lower()}  "
        elif how == 3:
            text = f"near {text}"
        texts.append(text)
        ctx.append(contexts[pick])
    geocoder = Geocoder(gazetteer)
    started = time.perf_counter()
    results = geocoder.geocode_many(texts, ctx)
    elapsed = time.perf_counter() - started
    info = geocoder.cache_info()
    return {
        "mix_places": len(results),
        "mix_distinct_texts": len(set(texts)),
        "mix_seconds": round(elapsed, 3),
        "mix_places_per_second": round(len(results) / elapsed, 1),
        "mix_cache_hit_ratio": round(info.hits / max(1, info.hits + info.misses), 4),
    }


def typo_robustness(gazetteer: Gazetteer, frame: pd.DataFrame, seed: int = 7) -> dict:
    """Drop one letter of the longest word of each resolvable query; count the same answers.

    A query whose longest word has fewer than six letters is left out (one
    letter is too much of a short name for any fuzzy matcher).
    """
    rng = np.random.default_rng(seed)
    geocoder = Geocoder(gazetteer, cache_size=0)
    same = tried = 0
    for query, context_text, expected in zip(
        frame["query"], frame["context"], frame["expected_precision"], strict=True
    ):
        if expected == "unresolved":
            continue
        context = parse_context(context_text)
        clean = geocoder.geocode(query, context=context)
        words = query.split()
        longest = max(range(len(words)), key=lambda i: len(words[i]))
        word = words[longest]
        if not clean.resolved or len(word) < 6 or not word.isalpha():
            continue
        cut = int(rng.integers(1, len(word) - 1))
        words[longest] = word[:cut] + word[cut + 1 :]
        tried += 1
        same += geocoder.geocode(" ".join(words), context=context).place_id == clean.place_id
    return {
        "typo_queries": tried,
        "typo_share_same_place": round(same / tried, 4) if tried else None,
    }


def independent_accuracy(gazetteer: Gazetteer, ucdp_csv: Path) -> dict:
    """Measure error against coordinates the gazetteer did not come from.

    UCDP GED names its places (``where_coordinates``, e.g. "Turbat town") and
    gives coordinates from its own gazetteer. Every distinct place name in
    Sindh and Balochistan that UCDP places exactly or within 25 km
    (``where_prec`` 1 or 2) is geocoded with its province as context, and the
    distance to UCDP's point is measured. The file is third-party data read
    from ``../shared/real-exports/`` at run time, never committed.
    """
    if not ucdp_csv.exists():
        return {"ucdp_places": None}
    ged = pd.read_csv(ucdp_csv, skiprows=[1], low_memory=False)
    ged = ged[
        ged["adm_1"].fillna("").str.contains("Sindh|Balochistan") & ged["where_prec"].isin([1, 2])
    ]
    places = ged.groupby("where_coordinates").agg(
        latitude=("latitude", "first"),
        longitude=("longitude", "first"),
        province=("adm_1", "first"),
    )
    geocoder = Geocoder(gazetteer, cache_size=0)
    errors, resolved = [], 0
    for name, row in places.iterrows():
        province = "Sindh" if "Sindh" in row["province"] else "Balochistan"
        result = geocoder.geocode(name, context={"province": province})
        if result.resolved:
            resolved += 1
            errors.append(
                haversine_km(result.latitude, result.longitude, row["latitude"], row["longitude"])
            )
    errors = np.asarray(errors)
    return {
        "ucdp_places": len(places),
        "ucdp_share_resolved": round(resolved / len(places), 4) if len(places) else None,
        "ucdp_median_error_km": round(float(np.median(errors)), 2) if errors.size else None,
        "ucdp_p90_error_km": round(float(np.percentile(errors, 90)), 2) if errors.size else None,
        "ucdp_share_within_5_km": _share(errors <= 5) if errors.size else None,
    }


def _share(values: np.ndarray) -> float | None:
    values = np.asarray(values, dtype=bool)
    return round(float(values.mean()), 4) if values.size else None


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=REFERENCE_CSV)
    parser.add_argument("--gazetteer", type=Path, default=paths.GAZETTEER_CSV)
    parser.add_argument("--mix", type=int, default=100_000, help="size of the cached mix")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--misses", action="store_true", help="list every query that missed")
    args = parser.parse_args(argv)
    for path, what in ((args.reference, "reference"), (args.gazetteer, "gazetteer")):
        if not path.exists():
            print(f"The {what} file {path} does not exist.", file=sys.stderr)
            return 2
    try:
        frame = load_reference(args.reference)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    load_started = time.perf_counter()
    gazetteer = Gazetteer.from_csv(args.gazetteer)
    load_seconds = time.perf_counter() - load_started
    figures = {"gazetteer_places": len(gazetteer), "gazetteer_load_seconds": round(load_seconds, 3)}
    accuracy_figures, misses = accuracy(Geocoder(gazetteer, cache_size=0), frame)
    figures.update(accuracy_figures)
    figures.update(typo_robustness(gazetteer, frame))
    figures.update(
        independent_accuracy(gazetteer, paths.SHARED_EXPORTS_DIR / "ucdp_ged_pakistan.csv")
    )
    figures.update(throughput_cold(gazetteer, frame))
    figures.update(throughput_cached(gazetteer, frame, args.mix))
    figures["misses"] = len(misses)
    if args.json:
        payload = dict(figures)
        if args.misses:
            payload["missed"] = misses
        print(json.dumps(payload, indent=2, ensure_ascii=False))
        return 0
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    if args.misses:
        for miss in misses:
            print(
                f"  MISS {miss['query']!r} [{miss['context']}] -> {miss['got']}: {miss['problem']}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
