"""Benchmark the query layer against the pandas reference on one store.

Prints, for the store at ``--database-url`` (fill one with
``python -m footprint synth --rows N``): the time to build the DuckDB copy
(first start), to refresh it when nothing changed (every rerun), and the server
time of the questions a filter change asks on each page, beside today's pandas
approach (``store.read_events`` + ``filters.apply_filters`` and the views'
pandas computations) measured in the same run, as a ratio.

    .venv/bin/python benchmarks/query.py --database-url sqlite:///data/synthetic.db
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from footprint.data import exports, filters, query, store  # noqa: E402
from footprint.data.filters import FilterState  # noqa: E402
from footprint.views import areas, charts  # noqa: E402

STATE = FilterState(date_from=dt.date(2008, 1, 1), provinces=("Sindh",), min_killed=1)


def timed(function, repeat: int = 3) -> float:
    """Median seconds of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--skip-pandas", action="store_true", help="leave out the reference")
    args = parser.parse_args()
    engine = store.make_engine(args.database_url)

    start = time.perf_counter()
    index = query.EventsIndex.build(engine)
    build = time.perf_counter() - start
    total = index.total()
    refresh = timed(lambda: index.refresh(engine), repeat=5)
    groups = query.filter_options(index)["groups"]
    state = FilterState(**{**STATE.__dict__, "groups": tuple(groups[:2])})

    questions = {
        "count (sidebar)": lambda: query.count(index, state),
        "events page (100 rows, sorted)": lambda: query.events_frame(
            index, state, limit=100, order_by="killed_size", descending=True
        ),
        "events search": lambda: query.events_frame(index, state, limit=100, search="karachi"),
        "timeline bins (month)": lambda: query.period_counts(index, state, "month"),
        "area counts (district)": lambda: query.area_counts(index, state, "district"),
        "group table": lambda: query.group_counts(index, state),
        "ranked neighbourhoods": lambda: query.ranked_neighbourhoods(index, state),
        "radius 5 km": lambda: query.within_radius(index, state, 24.93, 67.15, 5.0),
        "map frame (5,000 largest)": lambda: query.events_frame(
            index, state, limit=5000, order_by="killed_size", descending=True
        ),
    }
    figures = {name: timed(function) for name, function in questions.items()}

    reference: dict[str, float] = {}
    read = None
    if not args.skip_pandas:
        start = time.perf_counter()
        with engine.connect() as connection:
            frame = store.read_events(connection)
        read = time.perf_counter() - start
        filtered = filters.apply_filters(frame, state)
        reference = {
            "count (sidebar)": timed(lambda: len(filters.apply_filters(frame, state)), 1),
            "events search": timed(lambda: exports.search(filtered, "karachi"), 1),
            "timeline bins (month)": timed(lambda: charts.period_counts(filtered, "month"), 1),
            "area counts (district)": timed(lambda: areas.area_counts(filtered, "district"), 1),
            "ranked neighbourhoods": timed(lambda: areas.ranked_neighbourhoods(filtered), 1),
        }

    print(f"store: {args.database_url} ({total:,} events)")
    print(f"first start (build the DuckDB copy): {build:.2f} s", end="")
    print(f"   | pandas read_events: {read:.2f} s ({read / build:.1f}x)" if read else "")
    print(f"rerun with no change (refresh): {refresh * 1000:.1f} ms")
    print(f"{'question':34} {'query layer':>12} {'pandas':>10} {'ratio':>7}")
    for name, seconds in figures.items():
        naive = reference.get(name)
        print(
            f"{name:34} {seconds * 1000:9.1f} ms "
            + (f"{naive * 1000:7.0f} ms {naive / seconds:6.1f}x" if naive else f"{'':>10} {'':>7}")
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process: {peak:,.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
