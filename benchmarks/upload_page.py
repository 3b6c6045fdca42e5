"""Benchmark the upload page with a large file: the rerun after a choice, and what the browser gets.

A generated template file (``benchmarks/imports.py``'s generator: Karachi and
Quetta places, a quarter of the rows on a city centre) is uploaded to
``pages/upload.py`` under Streamlit's AppTest, signed in, against a temporary
SQLite store. It then times the reruns after the bulk choices for probable
duplicates change (the slider and the toggle), and sums the bytes of the
page's elements (the map's deck JSON, the tables).

Beside it, in the same run, the page at ``--base`` (default ``4ff63a5``, before
it listed a large file in part): every row drawn on the map, every row in the
table and every duplicate pair in the editor. Each page runs in its own Python
process from its own checkout (``git archive``, as ``benchmarks/imports.py``).

It prints figures and ratios and asserts nothing.

Usage::

    python benchmarks/upload_page.py [--rows 200000] [--repeats 3] [--base COMMIT] [--skip-old]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))

PASSWORD = "benchmark"
BASE_COMMIT = "4ff63a5"


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _page_bytes(at) -> int:
    total = 0
    for element in at.main:
        proto = getattr(element, "proto", None)
        if proto is not None and hasattr(proto, "SerializeToString"):
            total += len(proto.SerializeToString())
    return total


def measure_page(root: Path, data: bytes, repeats: int) -> dict:
    """Upload ``data`` on the page of the checkout ``root``; time the reruns after a choice."""
    sys.path.insert(0, str(root))  # that checkout's footprint, not this one's
    os.chdir(root)
    from streamlit.testing.v1 import AppTest

    workdir = Path(tempfile.mkdtemp(prefix="footprint-upload-bench-"))
    os.environ["FOOTPRINT_DATABASE_URL"] = f"sqlite:///{workdir / 'bench.db'}"
    os.environ["FOOTPRINT_MAPPINGS_DIR"] = str(workdir / "mappings")
    os.environ["FOOTPRINT_ANALYST_PASSWORD"] = PASSWORD
    at = AppTest.from_file(str(root / "app.py"), default_timeout=1800)
    at.run()
    at.switch_page("pages/upload.py").run()
    at.text_input(key="upload_name").set_value("Benchmark")
    at.text_input(key="upload_password").set_value(PASSWORD)
    at.button(key="upload_sign_in").click().run()
    start = time.perf_counter()
    at.get("file_uploader")[0].set_value(("bench.csv", data, "text/csv"))
    at.run()
    first = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(at.exception)
    reruns = []
    for n in range(repeats):
        start = time.perf_counter()
        at.slider(key="upload_bulk_skip_at").set_value(0.9 - 0.01 * n).run()
        reruns.append(time.perf_counter() - start)
        start = time.perf_counter()
        at.toggle(key="upload_bulk_keep_file").set_value(n % 2 == 0).run()
        reruns.append(time.perf_counter() - start)
    return {
        "first_run": first,
        "rerun_median": statistics.median(reruns),
        "page_mb": _page_bytes(at) / 1e6,
    }


def _run_child(root: Path, data_path: Path, repeats: int) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(root)]
    command += ["--data", str(data_path), "--repeats", str(repeats)]
    env = {**os.environ, "PYTHONPATH": str(root)}
    env.pop("FOOTPRINT_DATA_DIR", None)
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=root)
    if done.returncode != 0:
        return {"failed": done.stderr[-2000:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--base", default=BASE_COMMIT, help="the commit measured as 'before'")
    parser.add_argument("--skip-old", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        figures = measure_page(
            Path(args.child).resolve(), Path(args.data).read_bytes(), args.repeats
        )
        figures["peak_rss_mb"] = _peak_rss_mb()
        print(json.dumps(figures))
        return 0

    import imports

    data = imports.generate(args.rows)
    data_path = Path(tempfile.mkdtemp(prefix="footprint-upload-bench-")) / "bench.csv"
    data_path.write_bytes(data)
    print(
        f"upload page benchmark: {args.rows:,} rows ({len(data) / 1e6:.1f} MB), "
        f"{args.repeats} x 2 reruns after a choice"
    )
    runs = {"now": _run_child(PROJECT_ROOT, data_path, args.repeats)}
    if not args.skip_old:
        runs[f"before ({args.base})"] = _run_child(
            imports._old_checkout(args.base), data_path, args.repeats
        )
    for label, figures in runs.items():
        if "failed" in figures:
            print(f"  {label:20s} failed: {figures['failed']}")
            continue
        print(
            f"  {label:20s} upload and preview {figures['first_run']:6.1f} s; rerun after a "
            f"choice {figures['rerun_median']:6.2f} s (median); the page's elements "
            f"{figures['page_mb']:7.2f} MB; peak RSS {figures['peak_rss_mb']:,.0f} MB"
        )
    now, before = runs["now"], runs.get(f"before ({args.base})")
    if before and "failed" not in before and "failed" not in now:
        print(
            f"  before / now: {before['rerun_median'] / now['rerun_median']:.1f} x the rerun, "
            f"{before['page_mb'] / now['page_mb']:.0f} x the bytes, "
            f"{before['first_run'] / now['first_run']:.1f} x the first run"
        )
    print(json.dumps(runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
