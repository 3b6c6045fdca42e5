"""Benchmark the import pipeline: now against the pipeline before issue 9's memory work.

The file is our template, made from ``data/gazetteer.csv``'s Karachi and
Quetta places with realistic repetition (a few places take most events,
Zipf-like; place text comes in several wordings):

- 60% of rows have coordinates of their place (site or neighbourhood precision);
- 25% sit on a city-centre point at city precision while their text names a
  neighbourhood, as in UCDP, GTD and PBC (the centroid step refines them);
- 15% have no coordinates and are geocoded from their text.

The same file is imported by two pipelines, each in a fresh Python process
with its own SQLite store (or the ``--database-url`` store, emptied again
after each run):

- **now**: this checkout;
- **before**: the checkout at ``--base`` (default ``a172380``, main before
  the chunked import), unpacked with ``git archive`` into a temporary folder
  (data/boundaries linked from this checkout). ``--old-timeout`` stops it
  after that many seconds; ``--skip-old`` does not run it.

Before timing, ``--stored`` events (default 5,000) are stored as an earlier
batch, so de-duplication runs against thousands of stored events. Each
process prints seconds per stage (reading, mapping, checking, geocoding,
de-duplicating; storing as one batch in one transaction), the total, rows per
second, and its peak resident memory (``VmHWM``, the whole process: Python,
the gazetteer, the file's bytes and everything the import built). Then the
script prints both side by side, the ratio before / now, and the figures
against issue 9's targets for a 200 MB file (peak under 2 GB, under 90 s;
``--rows 1340000`` makes a file of about 200 MB). It asserts nothing.

Usage::

    python benchmarks/imports.py [--rows 100000] [--stored 5000] [--database-url URL]
                                 [--base COMMIT] [--old-timeout SECONDS] [--skip-old]
                                 [--json]

"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

#: main before issue 9's chunked import (the pipeline "before" is measured at).
BASE_COMMIT = "a172380"
#: Issue 9's targets for a 200 MB (~1.34M-row) file: peak resident memory and time.
LARGE_FILE_MB = 200.0
LARGE_TARGET_MB = 2_000.0
LARGE_TARGET_SECONDS = 90.0
WORDINGS = ("{name}", "near {name}", "{name}, {city}", "{name} area", "outside {name} in {city}")
GROUPS = (
    "Tehrik-i-Taliban Pakistan",
    "Lashkar-e-Jhangvi",
    "Islamic State",
    "Al Qaeda",
    "Jundullah",
    "",
)
CITY_CENTRES = {"Karachi": (24.86, 67.01), "Quetta": (30.187, 67.005)}


def places() -> pd.DataFrame:
    """Karachi and Quetta neighbourhoods and landmarks of the gazetteer."""
    from footprint import paths

    frame = pd.read_csv(paths.GAZETTEER_CSV, dtype=str, keep_default_na=False)
    frame = frame[
        frame["kind"].isin(["neighbourhood", "landmark"]) & frame["city"].isin(list(CITY_CENTRES))
    ]
    frame = frame.assign(
        latitude=frame["latitude"].astype(float), longitude=frame["longitude"].astype(float)
    )
    return frame.reset_index(drop=True)


def generate(rows: int, seed: int = 1, prefix: str = "bench") -> bytes:
    """Return a template CSV of ``rows`` generated events (built a column at a time)."""
    from footprint.data import schema

    rng = np.random.default_rng(seed)
    gazetteer = places()
    weights = 1.0 / np.arange(1, len(gazetteer) + 1) ** 1.1
    picks = rng.choice(len(gazetteer), size=rows, p=weights / weights.sum())
    kinds = rng.choice(3, size=rows, p=[0.60, 0.25, 0.15])
    days = pd.Timestamp("1995-01-01") + pd.to_timedelta(rng.integers(0, 365 * 26, rows), unit="D")
    wording = rng.integers(0, len(WORDINGS), rows)
    group_picks = rng.integers(0, len(GROUPS), rows)
    killed = rng.integers(0, 12, rows)
    extra_killed = rng.integers(0, 3, rows)
    jitter = rng.normal(0, 0.002, (rows, 2))

    place = gazetteer.iloc[picks].reset_index(drop=True)
    names, cities = place["name"], place["city"]
    location = pd.Series("", index=range(rows), dtype=object)
    for index, wording_text in enumerate(WORDINGS):
        chosen = wording == index
        location[chosen] = [
            wording_text.format(name=n, city=c)
            for n, c in zip(names[chosen], cities[chosen], strict=True)
        ]
    latitude = np.full(rows, "", dtype=object)
    longitude = np.full(rows, "", dtype=object)
    precision = np.full(rows, "", dtype=object)
    exact = kinds == 0
    latitude[exact] = np.char.mod("%.5f", place["latitude"].to_numpy()[exact] + jitter[exact, 0])
    longitude[exact] = np.char.mod("%.5f", place["longitude"].to_numpy()[exact] + jitter[exact, 1])
    precision[exact] = np.where(
        place["kind"].to_numpy()[exact] == "landmark", "site", "neighbourhood"
    )
    on_centre = kinds == 1
    for city, (lat, lon) in CITY_CENTRES.items():
        here = on_centre & (cities.to_numpy() == city)
        latitude[here], longitude[here], precision[here] = f"{lat}", f"{lon}", "city"
    groups = np.array([f"{g} (attributed)" if g else "" for g in GROUPS], dtype=object)
    frame = pd.DataFrame({column: "" for column in schema.EVENT_COLUMNS}, index=range(rows))
    frame["event_id"] = [f"{prefix}-{n}" for n in range(rows)]
    frame["event_date"] = days.strftime("%Y-%m-%d")
    frame["date_precision"] = "day"
    frame["event_type"] = "attack"
    frame["attack_type"] = "armed_assault"
    frame["location_text"] = location
    frame["city"] = cities
    frame["latitude"], frame["longitude"], frame["geo_precision"] = latitude, longitude, precision
    frame["perpetrators"] = groups[group_picks]
    frame["killed_min"] = killed.astype(str)
    frame["killed_max"] = (killed + extra_killed).astype(str)
    frame["source_id"] = "benchmark"
    return frame.to_csv(index=False, lineterminator="\n").encode()


# --- one measured import, in its own process ----------------------------------


def _peak_rss_mb() -> float:
    """The process's peak resident set (``VmHWM``) in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(args) -> dict:
    """Import ``--data`` with the pipeline of ``--child`` (a checkout) and return figures."""
    root = Path(args.child).resolve()
    sys.path.insert(0, str(root))
    for name in [m for m in sys.modules if m == "footprint" or m.startswith("footprint.")]:
        del sys.modules[name]
    from footprint.data import store
    from footprint.importers import pipeline
    from geocode import Geocoder

    workdir = Path(tempfile.mkdtemp(prefix="footprint-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    engine = store.make_engine(url)
    store.create_schema(engine)
    geocoder = Geocoder.default()
    geocoder.geocode("Saddar", context={"city": "Karachi"})  # load the gazetteer before timing
    batches = []
    if args.stored_data:
        earlier = pipeline.prepare(
            Path(args.stored_data).read_bytes(), "stored.csv", engine, geocoder=geocoder
        )
        batches.append(
            pipeline.commit(
                engine, earlier, {p.key: "keep" for p in earlier.duplicates}, uploaded_by="bench"
            ).batch_id
        )
    data = Path(args.data).read_bytes()
    rss_before = _peak_rss_mb()
    clock = time.perf_counter()
    preview = pipeline.prepare(data, "bench.csv", engine, geocoder=geocoder)
    prepared = time.perf_counter() - clock
    clock = time.perf_counter()
    result = pipeline.commit(
        engine, preview, pipeline.default_decisions(preview), uploaded_by="bench"
    )
    stored = time.perf_counter() - clock
    figures = {
        "code": str(root),
        "database": engine.dialect.name,
        "stages_seconds": {
            **{k: round(v, 3) for k, v in preview.timings.items()},
            "store": round(stored, 3),
        },
        "total_seconds": round(prepared + stored, 3),
        "peak_rss_mb_before_import": round(rss_before, 1),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "rows_read": preview.rows_read,
        "stored": result.stored,
        "rejected": result.rejected,
        "skipped_as_duplicates": result.skipped,
        "problems": len(preview.problems),
        "probable_duplicates": len(preview.duplicates),
        "geocoded": preview.placement.geocoded,
        "precision_upgraded": preview.placement.precision_upgraded,
        "on_city_centre": preview.placement.on_centroid,
    }
    if args.database_url:  # leave a shared store as it was
        for batch_id in [result.batch_id, *batches]:
            pipeline.undo(engine, batch_id, "bench")
    return figures


# --- the comparison -------------------------------------------------------------


def _old_checkout(base: str) -> Path:
    root = Path(tempfile.mkdtemp(prefix="footprint-import-base-"))
    archive = subprocess.run(
        ["git", "-C", str(PROJECT_ROOT), "archive", base], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(root)], input=archive, check=True)
    boundaries = root / "data" / "boundaries"
    if not boundaries.exists():
        from footprint import paths

        boundaries.symlink_to(paths.BOUNDARIES_DIR.resolve())
    return root


def _run_child(root: Path, files: dict, args, timeout: float | None) -> dict:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        str(root),
        "--data",
        str(files["data"]),
    ]
    if files.get("stored"):
        command += ["--stored-data", str(files["stored"])]
    if args.database_url:
        command += ["--database-url", args.database_url]
    env = {**os.environ, "PYTHONPATH": str(root)}
    env.pop("FOOTPRINT_DATA_DIR", None)
    clock = time.perf_counter()
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, env=env, cwd=root
        )
    except subprocess.TimeoutExpired:
        return {"timed_out_after_seconds": timeout}
    if done.returncode != 0:
        return {"failed": done.stderr[-2000:], "seconds": time.perf_counter() - clock}
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(args) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="footprint-bench-files-"))
    clock = time.perf_counter()
    data = generate(args.rows)
    files = {"data": workdir / "bench.csv"}
    files["data"].write_bytes(data)
    if args.stored:
        files["stored"] = workdir / "stored.csv"
        files["stored"].write_bytes(generate(args.stored, seed=2, prefix="stored"))
    figures: dict = {
        "rows": args.rows,
        "file_mb": round(len(data) / 1e6, 2),
        "stored_before": args.stored,
        "generate_seconds": round(time.perf_counter() - clock, 1),
        "base": args.base,
        "targets_200mb": {"peak_mb": LARGE_TARGET_MB, "seconds": LARGE_TARGET_SECONDS},
    }
    del data
    figures["now"] = _run_child(PROJECT_ROOT, files, args, None)
    if not args.skip_old:
        figures["before"] = _run_child(_old_checkout(args.base), files, args, args.old_timeout)
    now, before = figures["now"], figures.get("before", {})
    if "total_seconds" in now:
        figures["now_meets_targets"] = {
            "seconds": now["total_seconds"] < LARGE_TARGET_SECONDS,
            "peak_mb": now["peak_rss_mb"] < LARGE_TARGET_MB,
            "file_is_200mb": figures["file_mb"] >= 0.95 * LARGE_FILE_MB,
        }
        figures["now_per_file_mb"] = {
            "seconds": round(now["total_seconds"] / figures["file_mb"], 3),
            "peak_mb": round(now["peak_rss_mb"] / figures["file_mb"], 2),
        }
    if "total_seconds" in now and "total_seconds" in before:
        figures["before_over_now"] = {
            "seconds": round(before["total_seconds"] / now["total_seconds"], 2),
            "peak_mb": round(before["peak_rss_mb"] / now["peak_rss_mb"], 2),
        }
    return figures


def _print(figures: dict) -> None:
    print(
        f"import benchmark: {figures['rows']:,} rows ({figures['file_mb']} MB), "
        f"{figures['stored_before']:,} stored before"
    )
    runs = {"now": figures["now"], f"before ({figures['base']})": figures.get("before")}
    for label, found in runs.items():
        if found is None:
            continue
        if "timed_out_after_seconds" in found:
            print(f"  {label}: stopped after {found['timed_out_after_seconds']:.0f} s")
            continue
        if "failed" in found:
            print(f"  {label}: failed\n{found['failed']}")
            continue
        stages = ", ".join(f"{k} {v:.1f} s" for k, v in found["stages_seconds"].items())
        print(
            f"  {label:<20} total {found['total_seconds']:7.1f} s "
            f"({figures['rows'] / found['total_seconds']:,.0f} rows/s), "
            f"peak RSS {found['peak_rss_mb']:,.0f} MB; {stages}"
        )
        print(
            f"  {'':<20} stored {found['stored']:,}, rejected {found['rejected']:,}, "
            f"skipped {found['skipped_as_duplicates']:,}, problems {found['problems']:,}, "
            f"probable duplicates {found['probable_duplicates']:,}, geocoded "
            f"{found['geocoded']:,}, upgraded {found['precision_upgraded']:,}"
        )
    if "before_over_now" in figures:
        ratio = figures["before_over_now"]
        print(
            f"  before / now: {ratio['seconds']:.2f} x the time, {ratio['peak_mb']:.2f} x the memory"
        )
    if "now_meets_targets" in figures:
        met = figures["now_meets_targets"]
        print(
            f"  targets for a 200 MB file: under {LARGE_TARGET_SECONDS:.0f} s "
            f"{'met' if met['seconds'] else 'NOT met'}, peak under {LARGE_TARGET_MB:,.0f} MB "
            f"{'met' if met['peak_mb'] else 'NOT met'}"
            + ("" if met["file_is_200mb"] else " (this file is smaller than 200 MB)")
        )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--stored", type=int, default=5_000, help="events stored before the timed upload"
    )
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument("--base", default=BASE_COMMIT, help="the commit measured as 'before'")
    parser.add_argument("--old-timeout", type=float, default=None, help="stop 'before' after S s")
    parser.add_argument("--skip-old", action="store_true", help="measure this checkout only")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--stored-data", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args)))
        return 0
    figures = run(args)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        _print(figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
