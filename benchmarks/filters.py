"""Benchmark a filter change on every page, on the seed events and on 10,000 synthetic ones.

Two measures, each on the seed events (``data/events.csv``) and on 10,000
synthetic events generated from ``data/gazetteer.csv``'s points (Karachi and
Balochistan places with their real hierarchy, precisions from the place kind,
groups and links from ``data/groups.csv``, dates 2001–2024, a long-tailed toll):

1. The pure functions each page calls after a filter change: the shared
   ``apply_filters`` and ``filter_options``, the map's records, deck and JSON,
   the briefing's order, deck and HTML export, and a radius filter.
2. The server time of a filter change on each page: ``app.py`` run whole under
   Streamlit's AppTest against a temporary SQLite store, one page at a time,
   timing the rerun after a sidebar filter changes (a new value each time, so
   no cached result is reused; the median of ``--repeats`` reruns).

It prints figures and ratios (10,000 events over the seed events) and asserts
nothing.

Usage::

    python benchmarks/filters.py [--events 10000] [--repeats 5] [--skip-apptest]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from footprint import paths  # noqa: E402
from footprint.data import filters, schema  # noqa: E402
from footprint.views import briefing, mapview  # noqa: E402

#: Gazetteer place kinds and the precision an event placed on them gets.
KIND_PRECISION = {
    "landmark": "site",
    "neighbourhood": "neighbourhood",
    "town": "town",
    "district": "district",
    "city": "city",
    "province": "province",
}
PAGES = (
    "pages/map.py",
    "pages/timeline.py",
    "pages/groups.py",
    "pages/neighbourhoods.py",
    "pages/events.py",
    "pages/briefing.py",
)


def synthetic_events(count: int, seed: int = 7) -> pd.DataFrame:
    """Return ``count`` typed events placed on gazetteer points (deterministic)."""
    rng = np.random.default_rng(seed)
    places = pd.read_csv(paths.GAZETTEER_CSV, dtype=str, keep_default_na=False)
    places = places[places["latitude"] != ""].reset_index(drop=True)
    # A few places take most events, as in real data.
    weights = 1.0 / np.arange(1, len(places) + 1) ** 0.8
    chosen = places.iloc[rng.choice(len(places), size=count, p=weights / weights.sum())]
    groups = pd.read_csv(paths.GROUPS_CSV, dtype=str, keep_default_na=False)["name"].tolist()
    start = np.datetime64("2001-01-01")
    days = rng.integers(0, 24 * 365, size=count)
    event_types = rng.choice(schema.EVENT_TYPES[:3], size=count, p=[0.8, 0.12, 0.08])
    attack_types = rng.choice(schema.ATTACK_TYPES, size=count)
    killed = np.floor(rng.pareto(1.6, size=count) * 2).astype(int)
    perpetrators = []
    for _ in range(count):
        n = rng.choice([0, 1, 1, 1, 2])
        picks = rng.choice(groups, size=n, replace=False) if n else []
        perpetrators.append(
            schema.format_perpetrators([(g, str(rng.choice(schema.LINKS))) for g in picks])
        )
    precision = chosen["kind"].map(KIND_PRECISION).fillna("site").to_numpy()
    frame = pd.DataFrame(
        {
            "event_id": [f"syn-{i:05d}" for i in range(count)],
            "event_date": (start + days).astype("datetime64[D]").astype(str),
            "date_precision": rng.choice(["day", "day", "day", "month", "year"], size=count),
            "event_type": event_types,
            "attack_type": np.where(event_types == "attack", attack_types, None),
            "suicide": np.where(event_types == "attack", rng.random(count) < 0.1, None),
            "target_type": rng.choice(schema.TARGET_TYPES, size=count),
            "target": "synthetic target",
            "location_text": chosen["name"].to_numpy(),
            "neighbourhood": np.where(chosen["kind"].eq("neighbourhood"), chosen["name"], None),
            "town": chosen["town"].replace("", None).to_numpy(),
            "district": chosen["district"].replace("", None).to_numpy(),
            "city": chosen["city"].replace("", None).to_numpy(),
            "province": chosen["province"].replace("", None).to_numpy(),
            "latitude": chosen["latitude"].astype(float).to_numpy(),
            "longitude": chosen["longitude"].astype(float).to_numpy(),
            "geo_precision": precision,
            "perpetrators": perpetrators,
            "killed_min": killed,
            "killed_max": killed + rng.integers(0, 3, size=count),
            "injured_min": np.floor(killed * rng.random(count) * 2).astype(int),
            "summary": "A synthetic event for the benchmark.",
            "source_id": "synthetic",
            "source_ref": "synthetic.txt:1-2",
        }
    )
    return schema.coerce_events(frame)


def seed_events() -> pd.DataFrame | None:
    """Return ``data/events.csv`` as a typed frame, or None when it is missing."""
    if not paths.EVENTS_CSV.exists():
        return None
    return schema.coerce_events(pd.read_csv(paths.EVENTS_CSV, dtype=str, keep_default_na=False))


def timed(function: Callable[[], object], repeats: int) -> float:
    """Return the median wall time of ``function`` in milliseconds (after one warm-up)."""
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def pure_figures(frame: pd.DataFrame, repeats: int) -> dict[str, float]:
    """Time the pure functions the pages call after a filter change."""
    state = filters.FilterState(provinces=("Sindh",), links=("claimed", "attributed"))
    some = filters.apply_filters(frame, state)
    ordered = briefing.briefing_order(some)
    records = mapview.event_records(some)
    figures = {
        "apply_filters (province + link)": lambda: filters.apply_filters(frame, state),
        "apply_filters (group + dates + precision)": lambda: filters.apply_filters(
            frame,
            filters.FilterState(
                groups=("Islamic State", "Lashkar-e-Jhangvi"),
                date_from=pd.Timestamp("2010-01-01").date(),
                coarsest_precision="town",
            ),
        ),
        "filter_options": lambda: filters.filter_options(frame),
        "within_radius (5 km)": lambda: filters.within_radius(frame, 24.93, 67.09, 5),
        "map: event_records": lambda: mapview.event_records(some),
        "map: build_deck + to_json": lambda: mapview.build_deck(
            some, "karachi", records=records
        ).to_json(),
        "map: legend_html": lambda: mapview.legend_html(some),
        "briefing: order + deck + to_json": lambda: briefing.briefing_deck(
            briefing.briefing_order(some), 1
        ).to_json(),
        "briefing: export HTML (all filtered events)": lambda: briefing.briefing_html(ordered),
    }
    return {name: timed(function, repeats) for name, function in figures.items()}


def apptest_figures(frame: pd.DataFrame, repeats: int) -> dict[str, float]:
    """Time a filter change's rerun on each page with AppTest; milliseconds per page."""
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest

    # AppTest would otherwise run the current page alone from the second run
    # on (a pages/ folder sits beside app.py); a server does not.
    original_init = PagesManager.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init
    workdir = Path(tempfile.mkdtemp(prefix="footprint-bench-"))
    events_csv = workdir / "events.csv"
    schema.events_to_csv_frame(frame).to_csv(events_csv, index=False)
    saved = paths.EVENTS_CSV
    paths.EVENTS_CSV = events_csv
    os.environ["FOOTPRINT_DATABASE_URL"] = f"sqlite:///{workdir / 'store.db'}"
    results = {}
    try:
        at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=600)
        start = time.perf_counter()
        at.run()
        results["first start (store + seed load + map)"] = (time.perf_counter() - start) * 1000
        if at.exception:
            raise RuntimeError([e.value for e in at.exception])
        minimum = 0
        for page in PAGES:
            if not (PROJECT_ROOT / page).exists():
                print(f"  {page} is missing; skipped", file=sys.stderr)
                continue
            at.switch_page(page)
            at.run()
            times = []
            for _ in range(repeats):
                minimum += 1  # a new value each time: no cached filter result is reused
                at.number_input(key="filter_min_killed").set_value(minimum % 5)
                at.multiselect(key="filter_provinces").set_value(
                    ["Sindh"] if minimum % 2 else ["Sindh", "Balochistan"]
                )
                at.date_input(key="filter_date_from").set_value(
                    pd.Timestamp("2001-01-01").date() + pd.Timedelta(days=minimum)
                )
                start = time.perf_counter()
                at.run()
                times.append((time.perf_counter() - start) * 1000)
                if at.exception:
                    raise RuntimeError(page, [e.value for e in at.exception])
            results[page] = statistics.median(times)
    finally:
        paths.EVENTS_CSV = saved
        PagesManager.__init__ = original_init
    return results


def print_table(title: str, seed: dict[str, float] | None, large: dict[str, float], n: int) -> None:
    print(f"\n{title}")
    print(f"{'':48} {'seed':>10} {f'{n:,} events':>14} {'ratio':>8}")
    for name, value in large.items():
        base = seed.get(name) if seed else None
        ratio = f"{value / base:8.1f}" if base else f"{'':>8}"
        base_text = f"{base:8.1f} ms" if base is not None else f"{'-':>11}"
        print(f"{name:48} {base_text} {value:11.1f} ms {ratio}")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--skip-apptest", action="store_true")
    args = parser.parse_args(argv)

    seed = seed_events()
    large = synthetic_events(args.events)
    print(
        f"seed events: {len(seed) if seed is not None else 'none (data/events.csv missing)'}; "
        f"synthetic: {len(large):,} on {large['location_text'].nunique()} gazetteer places"
    )
    pure_seed = pure_figures(seed, args.repeats) if seed is not None and len(seed) else None
    pure_large = pure_figures(large, args.repeats)
    print_table("Pure functions after a filter change (median)", pure_seed, pure_large, len(large))
    if not args.skip_apptest:
        app_seed = apptest_figures(seed, args.repeats) if seed is not None and len(seed) else None
        app_large = apptest_figures(large, args.repeats)
        print_table(
            "Server time of a filter change, per page (AppTest rerun, median)",
            app_seed,
            app_large,
            len(large),
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
