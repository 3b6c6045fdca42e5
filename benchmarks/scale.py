"""Benchmark the dashboard at scale: 10k, 100k and 1M synthetic events, beside today's approach.

For each store (SQLite at every ``--sizes``, PostGIS at ``--postgis-sizes``,
filled by ``python -m footprint synth``) it measures two apps on the same
store, in the same run:

- **now**: this checkout's ``app.py``;
- **today's approach**: ``app.py`` at ``--naive-commit`` (main before issue 7:
  every event read into pandas, filtered with pandas, sent to the map as a
  point), unpacked with ``git archive`` into a temporary folder.

Figures, each printed beside today's and as a ratio (today / now):

- server time of a filter change on each page: ``app.py`` run whole under
  Streamlit's AppTest, the rerun after a sidebar filter change (a new date and
  province each time, so no cached result is reused), median of
  ``--repeats``;
- first start (a fresh process's first run: opening the store, the default
  page), once on a store no process opened before (the analytical copy read
  from the store) and once in a second fresh process (the copy loaded from
  the snapshot the first left, ``footprint.data.snapshots``), and warm start
  (a new session in the same process);
- bytes of the map's deck JSON on the default page with no filter;
- time until the map's events (points or hexagons) are visible in headless
  Chromium, checked by pixels: from opening the page of a warm server until
  enough canvas pixels differ from the same view with every event filtered
  out;
- peak memory (maximum RSS) of the process that ran every page.

Above ``--naive-max-apptest`` events today's app is not run whole (it would
take minutes per page); its figures come from the pure functions it calls on
every rerun (``store.read_events``, ``filters.filter_options``, the
unpickled copy of the table ``st.cache_data`` hands each rerun,
``filters.apply_filters``, ``mapview.event_records`` and ``build_deck``) and
are marked as lower bounds (>=) or, for the deck's bytes, scaled from a
sample (~). Above ``--naive-max-browser`` today's map is not opened in
Chromium: it would send hundreds of MB (Streamlit's limit is 200 MB).

It prints one Markdown table and asserts nothing. Usage::

    python benchmarks/scale.py [--sizes 10000,100000,1000000] [--postgis-sizes 100000]
                               [--skip-browser] [--skip-postgis] [--repeats 3]
                               [--json results.json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pickle
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: main before issue 7: the app every figure is compared with.
NAIVE_COMMIT = "485aa38"
PAGES = (
    "pages/map.py",
    "pages/timeline.py",
    "pages/groups.py",
    "pages/neighbourhoods.py",
    "pages/events.py",
    "pages/briefing.py",
)
DECK_CANVAS = '[data-testid="stDeckGlJsonChart"] canvas'
#: Canvas pixels that must differ from the no-event view for the map to count as drawn.
VISIBLE_PIXELS = 300
MB = 1024 * 1024
#: Targets of issue 7: (unit, limit, applies to which sizes).
TARGETS = {
    "filter": 0.300,
    "first start": 15.0,
    "warm start": 2.0,
    "deck JSON": 5 * MB,
    "visible": 5.0,
    "peak RSS": 2048 * MB,
}


# --- children: one fresh process per (app, store) --------------------------


def _use_app(app_root: Path, database_url: str) -> None:
    """Make this process import and run the app at ``app_root`` against ``database_url``."""
    os.chdir(app_root)
    sys.path.insert(0, str(app_root))
    os.environ["FOOTPRINT_DATABASE_URL"] = database_url


def _peak_rss() -> int:
    """This process's peak resident set, in bytes.

    ``VmHWM`` belongs to the address space, which ``exec`` replaces;
    ``getrusage``'s ``ru_maxrss`` survives ``exec`` on Linux, so a child of a
    large parent would report the parent's peak.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _deck_bytes(at) -> int:
    charts = at.get("deck_gl_json_chart")
    return max((len(chart.proto.json.encode()) for chart in charts), default=0)


def child_apptest(app_root: Path, database_url: str, repeats: int) -> dict:
    """Run ``app.py`` whole under AppTest: first and warm start, every page's filter change."""
    _use_app(app_root, database_url)
    import datetime as dt

    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest

    # AppTest would run the current page alone from the second run on (a
    # pages/ folder sits beside app.py); a server does not.
    original_init = PagesManager.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init

    cpu: list[float] = []

    def run(at) -> float:
        start, start_cpu = time.perf_counter(), time.process_time()
        at.run()
        seconds = time.perf_counter() - start
        cpu.append(time.process_time() - start_cpu)
        if at.exception:
            raise RuntimeError([e.value for e in at.exception])
        return seconds

    at = AppTest.from_file(str(app_root / "app.py"), default_timeout=3600)
    first_start = run(at)
    deck_bytes = _deck_bytes(at)
    # After a build the app compresses its copy and writes the snapshot in a
    # background thread (tens of seconds at 1M on a loaded machine): the
    # filter changes below measure the app once that is done, not reruns
    # competing with it for the two cores.
    _wait_for_snapshot()
    warm_start = run(AppTest.from_file(str(app_root / "app.py"), default_timeout=3600))
    pages = {}
    pages_cpu = {}
    change = 0
    for page in PAGES:
        at.switch_page(page)
        run(at)
        times = []
        cpu.clear()
        for _ in range(repeats):
            change += 1  # a new value each time: no cached filter result is reused
            at.date_input(key="filter_date_from").set_value(
                dt.date(1990, 1, 1) + dt.timedelta(days=change)
            )
            at.multiselect(key="filter_provinces").set_value(
                ["Sindh"] if change % 2 else ["Sindh", "Balochistan"]
            )
            times.append(run(at))
        pages[page] = statistics.median(times)
        pages_cpu[page] = statistics.median(cpu)
    peak = _peak_rss()
    _wait_for_snapshot()
    return {
        "first_start": first_start,
        "warm_start": warm_start,
        "deck_bytes": deck_bytes,
        "pages": pages,
        "pages_cpu": pages_cpu,
        "peak_rss": peak,
        "bound": "",
    }


def _wait_for_snapshot() -> None:
    """Let the snapshot the app writes in the background land before the process ends."""
    try:
        from footprint.data import snapshots
    except ImportError:  # an app without snapshots (today's)
        return
    snapshots.wait()


def child_start(app_root: Path, database_url: str) -> dict:
    """A fresh process's first run only: with the snapshot an earlier process left, if any."""
    _use_app(app_root, database_url)
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(app_root / "app.py"), default_timeout=3600)
    start = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - start
    if at.exception:
        raise RuntimeError([e.value for e in at.exception])
    peak = _peak_rss()
    _wait_for_snapshot()
    return {"snapshot_start": seconds, "snapshot_peak_rss": peak}


def child_pure(app_root: Path, database_url: str, repeats: int, sample: int) -> dict:
    """Time what today's app does on every rerun, with its pure functions (lower bounds)."""
    _use_app(app_root, database_url)
    import datetime as dt

    from footprint.data import filters, store
    from footprint.views import mapview

    engine = store.make_engine(database_url)
    start = time.perf_counter()
    with engine.connect() as connection:
        frame = store.read_events(connection)
    read = time.perf_counter() - start
    start = time.perf_counter()
    filters.filter_options(frame)
    options = time.perf_counter() - start
    times = []
    for change in range(1, repeats + 1):
        state = filters.FilterState(
            date_from=dt.date(1990, 1, 1) + dt.timedelta(days=change),
            provinces=("Sindh",) if change % 2 else ("Sindh", "Balochistan"),
        )
        start = time.perf_counter()
        filters.apply_filters(frame, state)
        times.append(time.perf_counter() - start)
    # Each rerun, st.cache_data hands the session an unpickled copy of the whole table.
    pickled = pickle.dumps(frame)
    start = time.perf_counter()
    pickle.loads(pickled)
    copy = time.perf_counter() - start
    del pickled
    some = frame.sample(n=min(sample, len(frame)), random_state=0)
    deck = mapview.build_deck(some, "karachi", records=mapview.event_records(some)).to_json()
    return {
        "first_start": read + options + copy + statistics.median(times),
        "warm_start": None,
        "warm_why": "not run",
        "deck_bytes": int(len(deck.encode()) * len(frame) / len(some)),
        "pages": {page: copy + statistics.median(times) for page in PAGES},
        "peak_rss": _peak_rss(),
        "bound": "pure",
    }


def child_index(app_root: Path, database_url: str) -> dict:
    """Build the process's analytical copy alone: its DuckDB memory and build time."""
    _use_app(app_root, database_url)
    from footprint.data import query, store

    engine = store.make_engine(database_url)
    start = time.perf_counter()
    index = query.EventsIndex.build(engine)
    seconds = time.perf_counter() - start
    used = index.cursor().execute("SELECT sum(memory_usage_bytes) FROM duckdb_memory()").fetchone()
    return {"index_bytes": int(used[0] or 0), "index_seconds": seconds, "index_rows": index.total()}


def spawn(kind: str, app_root: Path, database_url: str, args: argparse.Namespace) -> dict:
    """Run one child measurement in a fresh Python process; return its figures."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        kind,
        "--app-root",
        str(app_root),
        "--database-url",
        database_url,
        "--repeats",
        str(args.repeats),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        raise RuntimeError(f"{kind} on {app_root} failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- the browser -------------------------------------------------------------


def _canvas_pixels(page, timeout_ms: int = 10_000):
    import io

    import numpy as np
    from PIL import Image

    png = page.locator(DECK_CANVAS).first.screenshot(timeout=timeout_ms)
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _wait_drawn(page, timeout_ms: int) -> None:
    page.wait_for_selector(
        '[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout_ms
    )
    page.locator(DECK_CANVAS).first.wait_for(state="visible", timeout=timeout_ms)
    page.wait_for_timeout(3000)  # SwiftShader needs a moment for the first frames


def time_to_visible(browser, base: str, timeout: float) -> float:
    """Seconds from opening the map until its events show in the canvas; inf on timeout.

    The server is warmed and the baseline taken first: the same view with a
    filter that keeps no event (boundaries only). Events count as visible
    when at least :data:`VISIBLE_PIXELS` pixels differ clearly from it and
    are not the blank page behind an undrawn canvas.
    """
    viewport = {"width": 1400, "height": 900}
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(f"{base}/?view=karachi&killed=1000000", timeout=timeout * 1000)
    _wait_drawn(page, int(timeout * 1000))
    baseline = _canvas_pixels(page)
    context.close()

    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    try:
        start = time.perf_counter()
        page.goto(f"{base}/?view=karachi", wait_until="commit", timeout=timeout * 1000)
        while time.perf_counter() - start < timeout:
            if page.locator(DECK_CANVAS).count():
                # A screenshot waits for the next frame: while the page parses
                # and draws, it returns as soon as a frame is out.
                left = max(1.0, timeout - (time.perf_counter() - start))
                try:
                    pixels = _canvas_pixels(page, int(left * 1000))
                except Exception:  # the element was replaced or not yet stable
                    pixels = None
                if pixels is not None and pixels.shape == baseline.shape:
                    changed = (abs(pixels - baseline).max(axis=2) > 40) & (pixels.min(axis=2) < 235)
                    if int(changed.sum()) >= VISIBLE_PIXELS:
                        return time.perf_counter() - start
            page.wait_for_timeout(100)
        return float("inf")
    finally:
        context.close()


def browser_figure(browser, app_root: Path, database_url: str, timeout: float) -> float:
    import servers

    with servers.streamlit_server(database_url, app_root=app_root) as (_process, base):
        return time_to_visible(browser, base, timeout)


@contextlib.contextmanager
def chromium(skip: bool):
    """Yield a headless Chromium (Playwright), or None when skipped or not installed."""
    import servers

    if skip or not Path(servers.CHROMIUM).exists():
        if not skip:
            print(f"no Chromium at {servers.CHROMIUM}: browser figures skipped", file=sys.stderr)
        yield None
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=servers.CHROMIUM, args=servers.CHROMIUM_ARGS
        )
        try:
            yield instance
        finally:
            instance.close()


# --- the naive app -----------------------------------------------------------


def naive_app(commit: str) -> Path:
    """Unpack ``commit`` (today's approach) into a temporary folder; return it."""
    sys.path.insert(0, str(PROJECT_ROOT))
    from footprint import paths

    full = subprocess.run(
        ["git", "-C", str(PROJECT_ROOT), "rev-parse", commit],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    root = Path(tempfile.gettempdir()) / f"footprint-naive-{full[:10]}"
    if not (root / "app.py").exists():
        root.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "archive", full], capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(root)], input=archive, check=True)
    boundaries = root / "data" / "boundaries"
    if not boundaries.exists():
        boundaries.symlink_to(paths.BOUNDARIES_DIR.resolve())
    return root


# --- the table ---------------------------------------------------------------


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value == float("inf"):
        return "timed out"
    return f"{value * 1000:,.0f} ms" if value < 1 else f"{value:,.1f} s"


def _bytes(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value / MB:,.2f} MB" if value < 100 * MB else f"{value / MB:,.0f} MB"


def rows_for(store: str, size: int, now: dict, today: dict) -> list[list[str]]:
    """The table rows of one store: measure, now, today, ratio, target, met."""
    lower = ">= " if today.get("bound") == "pure" else ""
    rows = []

    def add(measure, key, now_value, today_value, fmt, today_prefix="", why="-"):
        target = TARGETS.get(key)
        ratio = f"{today_value / now_value:,.1f}x" if now_value and today_value is not None else "-"
        if today_prefix and ratio != "-":
            ratio = today_prefix + ratio
        met = "" if target is None or now_value is None else ("yes" if now_value < target else "NO")
        target_text = "" if target is None else ("< " + fmt(target))
        today_text = fmt(today_value) if today_value is not None else why
        if today_value is not None:
            today_text = today_prefix + today_text
        rows.append(
            [store, f"{size:,}", measure, fmt(now_value), today_text, ratio, target_text, met]
        )

    for page in PAGES:
        name = Path(page).stem
        add(
            f"filter change: {name}",
            "filter",
            now["pages"].get(page),
            today.get("pages", {}).get(page),
            _seconds,
            lower,
        )
    # CPU seconds of the server process during the same reruns (every thread,
    # DuckDB's included): steadier than wall time on a shared machine, where
    # other processes' load stretches the wall clock but not this.
    for page in PAGES:
        if page in now.get("pages_cpu", {}):
            add(
                f"filter change, CPU: {Path(page).stem}",
                "",
                now["pages_cpu"][page],
                None,
                _seconds,
                why="-",
            )
    add(
        "first start (no snapshot)",
        "first start",
        now["first_start"],
        today.get("first_start"),
        _seconds,
        lower,
    )
    if now.get("snapshot_start") is not None:
        add(
            "first start (snapshot)",
            "first start",
            now["snapshot_start"],
            today.get("first_start"),
            _seconds,
            lower,
        )
    add(
        "warm start",
        "warm start",
        now["warm_start"],
        today.get("warm_start"),
        _seconds,
        why=today.get("warm_why", "-"),
    )
    deck_prefix = "~" if today.get("bound") == "pure" else ""
    add(
        "map deck JSON",
        "deck JSON",
        now["deck_bytes"],
        today.get("deck_bytes"),
        _bytes,
        deck_prefix,
    )
    add(
        "map visible in Chromium",
        "visible",
        now.get("visible"),
        today.get("visible"),
        _seconds,
        why=today.get("visible_why", "-"),
    )
    add("peak RSS", "peak RSS", now["peak_rss"], today.get("peak_rss"), _bytes, lower)
    if now.get("snapshot_peak_rss") is not None:
        add("peak RSS (snapshot start)", "peak RSS", now["snapshot_peak_rss"], None, _bytes)
    if now.get("index_bytes") is not None:
        add("analytical copy: DuckDB memory", "", now["index_bytes"], None, _bytes, why="none")
        add("analytical copy: build", "", now["index_seconds"], None, _seconds, why="none")
    return rows


def print_table(rows: list[list[str]]) -> None:
    header = ["store", "events", "measure", "now", "today's approach", "today/now", "target", "met"]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


# --- the run -----------------------------------------------------------------


def fill_store(database_url: str, rows: int) -> float:
    """Fill a fresh store with ``rows`` synthetic events; return seconds taken."""
    sys.path.insert(0, str(PROJECT_ROOT))
    from footprint.data import store
    from footprint.importers import synth

    engine = store.make_engine(database_url)
    result = synth.store_synthetic(engine, rows, seed=0, uploaded_by="benchmarks/scale.py")
    engine.dispose()
    return result.seconds


def measure_store(label: str, size: int, database_url: str, naive: Path, browser, args) -> list:
    print(f"[{time.strftime('%H:%M:%S')}] {label} {size:,}: now (AppTest)", file=sys.stderr)
    now = spawn("apptest", PROJECT_ROOT, database_url, args)
    if (PROJECT_ROOT / "footprint" / "data" / "snapshots.py").exists():
        print(
            f"[{time.strftime('%H:%M:%S')}] {label} {size:,}: now, from snapshot", file=sys.stderr
        )
        now.update(spawn("start", PROJECT_ROOT, database_url, args))
    if size <= args.naive_max_apptest:
        print(f"[{time.strftime('%H:%M:%S')}] {label} {size:,}: today (AppTest)", file=sys.stderr)
        today = spawn("apptest", naive, database_url, args)
    else:
        print(f"[{time.strftime('%H:%M:%S')}] {label} {size:,}: today (pure)", file=sys.stderr)
        today = spawn("pure", naive, database_url, args)
    if browser is not None:
        print(f"[{time.strftime('%H:%M:%S')}] {label} {size:,}: browser", file=sys.stderr)
        now["visible"] = browser_figure(browser, PROJECT_ROOT, database_url, args.browser_timeout)
        if size > args.naive_max_browser:
            today["visible_why"] = f"not run (~{_bytes(today['deck_bytes'])} of JSON)"
        elif label != "SQLite":
            today["visible_why"] = "not run (the same JSON as on SQLite)"
        else:
            today["visible"] = browser_figure(browser, naive, database_url, args.browser_timeout)
    if (PROJECT_ROOT / "footprint" / "data" / "query.py").exists():
        print(f"[{time.strftime('%H:%M:%S')}] {label} {size:,}: analytical copy", file=sys.stderr)
        now.update(spawn("index", PROJECT_ROOT, database_url, args))
    results = {"store": label, "events": size, "now": now, "today": today}
    # Each store's rows as soon as they are measured (the full table comes at the end).
    for row in rows_for(label, size, now, today):
        print("| " + " | ".join(row) + " |", file=sys.stderr)
    return results


def save(path: str | None, results: list, fills: list) -> None:
    """Write the raw figures so far to ``path`` (``--json``), if given."""
    if path:
        Path(path).write_text(json.dumps({"results": results, "fills": fills}, indent=2))


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--postgis-sizes", default="100000")
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--skip-postgis", action="store_true")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--naive-commit", default=NAIVE_COMMIT)
    parser.add_argument("--naive-max-apptest", type=int, default=100_000)
    parser.add_argument("--naive-max-browser", type=int, default=100_000)
    parser.add_argument("--browser-timeout", type=float, default=180.0)
    parser.add_argument("--json", help="also write the raw figures to this file")
    parser.add_argument(
        "--child", choices=["apptest", "pure", "index", "start"], help=argparse.SUPPRESS
    )
    parser.add_argument("--app-root", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child == "apptest":
        print(json.dumps(child_apptest(args.app_root, args.database_url, args.repeats)))
        return 0
    if args.child == "start":
        print(json.dumps(child_start(args.app_root, args.database_url)))
        return 0
    if args.child == "index":
        print(json.dumps(child_index(args.app_root, args.database_url)))
        return 0
    if args.child == "pure":
        print(json.dumps(child_pure(args.app_root, args.database_url, args.repeats, 100_000)))
        return 0

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import servers

    started = time.perf_counter()
    naive = naive_app(args.naive_commit)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    postgis_sizes = (
        [] if args.skip_postgis else [int(s) for s in args.postgis_sizes.split(",") if s]
    )
    workdir = Path(tempfile.mkdtemp(prefix="footprint-scale-"))
    results = []
    fills = []
    with chromium(args.skip_browser) as browser:
        for size in sizes:
            url = f"sqlite:///{workdir / f'store-{size}.db'}"
            fills.append(("SQLite", size, fill_store(url, size)))
            results.append(measure_store("SQLite", size, url, naive, browser, args))
            save(args.json, results, fills)
            for leftover in workdir.glob(f"store-{size}.db*"):
                leftover.unlink()
        if postgis_sizes:
            try:
                server = servers.postgres_server()
                admin_url = server.__enter__()
            except servers.ServerUnavailable as error:
                print(f"PostGIS figures skipped: {error}", file=sys.stderr)
            else:
                try:
                    for size in postgis_sizes:
                        url = servers.create_database(admin_url, f"bench_{size}")
                        fills.append(("PostGIS", size, fill_store(url, size)))
                        results.append(measure_store("PostGIS", size, url, naive, browser, args))
                        save(args.json, results, fills)
                finally:
                    server.__exit__(None, None, None)
    rows = []
    for result in results:
        rows += rows_for(result["store"], result["events"], result["now"], result["today"])
    print(f"\n`python benchmarks/scale.py {' '.join(argv if argv is not None else sys.argv[1:])}`")
    print(
        f"today's approach: app.py at {args.naive_commit}; run took {time.perf_counter() - started:,.0f} s"
    )
    for store_name, size, seconds in fills:
        print(f"- synth --rows {size:,} into {store_name}: {seconds:,.1f} s")
    print()
    print_table(rows)
    save(args.json, results, fills)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
