"""Time until the map's events are visible in Chromium, for two checkouts on one store, paired.

On a shared 2-core machine one run's timings vary 2-3x with the load, so a
change to what the browser draws is judged by serving both checkouts at once
against the same store and alternating them (A B, B A, ...) in each round,
with ``benchmarks/scale.py``'s ``time_to_visible`` (pixels against the same
view with every event filtered out). Prints each round and the medians;
asserts nothing. Usage::

    python benchmarks/map_visible_ab.py BEFORE_ROOT AFTER_ROOT sqlite:///store.db [--rounds 4]

A checkout root needs ``data/boundaries`` (``python -m footprint data``).
"""

from __future__ import annotations

import argparse
import collections
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale  # noqa: E402
import servers  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Serve both checkouts, alternate the measure, print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("database_url")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    seconds = collections.defaultdict(list)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=servers.CHROMIUM, args=servers.CHROMIUM_ARGS
        )
        with (
            servers.streamlit_server(args.database_url, app_root=args.before) as (_, before),
            servers.streamlit_server(args.database_url, app_root=args.after) as (_, after),
        ):
            pairs = [("before", before), ("after", after)]
            for round_number in range(args.rounds):
                for name, base in pairs if round_number % 2 == 0 else pairs[::-1]:
                    seconds[name].append(scale.time_to_visible(browser, base, args.timeout))
                print(
                    f"round {round_number + 1}: "
                    + ", ".join(f"{n} {seconds[n][-1]:.1f} s" for n, _ in pairs),
                    flush=True,
                )
        browser.close()
    for name in ("before", "after"):
        runs = ", ".join(f"{s:.1f}" for s in seconds[name])
        print(f"{name}: median {statistics.median(seconds[name]):.1f} s ({runs})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
