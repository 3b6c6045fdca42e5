"""The command line: ``python -m footprint COMMAND``.

Each command is a thin wrapper: it parses arguments, calls one function of
the package and prints the result. Modules are imported inside the commands so
that ``--help`` stays fast and a command only loads what it needs.
"""

from __future__ import annotations

import argparse
import json
import sys


def _cmd_data(args: argparse.Namespace) -> int:
    from footprint.data import boundaries

    for path in boundaries.prepare():
        print(path)
    return 0


def _cmd_build_seeds(args: argparse.Namespace) -> int:
    from footprint.importers import seeds

    try:
        frame = seeds.build_events(check=args.check)
    except (seeds.SeedError, seeds.StaleEventsError) as error:
        print(error, file=sys.stderr)
        return 1
    print(f"{len(frame)} events from {frame['source_id'].nunique()} sources", file=sys.stderr)
    return 0


def _cmd_init_db(args: argparse.Namespace) -> int:
    from footprint.data import store

    engine = store.make_engine(args.database_url)
    summary = store.initialise(engine)
    print(json.dumps(summary))
    return 0


def _cmd_geocode(args: argparse.Namespace) -> int:
    from geocode import cli as geocode_cli

    return geocode_cli.run(args)


def _cmd_import(args: argparse.Namespace) -> int:
    from footprint.importers import cli as import_cli

    return import_cli.run(args)


def _cmd_extract(args: argparse.Namespace) -> int:
    from footprint.reader import cli as reader_cli

    return reader_cli.run(args)


def _export_refusal(output: str, database_url: str) -> str | None:
    """Why ``export -o output`` must not run, or None when it may."""
    from pathlib import Path

    if not output or not output.strip():
        return "error: -o is empty. Fix: give the file to write, e.g. -o events.csv."
    target = Path(output).expanduser()
    if target.is_dir() or output.endswith(("/", "\\")):
        return (
            f"error: -o {output} is a folder. Fix: give a file name inside it, "
            f"e.g. -o {target / 'events.csv'}."
        )
    if database_url.startswith("sqlite:///"):
        store_file = Path(database_url.removeprefix("sqlite:///")).expanduser()
        if target.exists() and store_file.exists() and target.resolve() == store_file.resolve():
            return (
                f"error: -o {output} is the store itself; writing there would replace it. "
                "Fix: choose another file name."
            )
        if not store_file.exists():
            return (
                f"error: there is no store at {store_file}. Fix: create it with "
                "`python -m footprint init-db`, or give --database-url."
            )
    return None


def _cmd_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    import sqlalchemy as sa

    from footprint import paths
    from footprint.data import exports, query, store
    from footprint.data.filters import FilterState

    database_url = args.database_url or paths.database_url()
    refusal = _export_refusal(args.output, database_url)
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    engine = store.make_engine(database_url)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table("events"):
                print(
                    "error: the store has no events table. Fix: create it with "
                    "`python -m footprint init-db`.",
                    file=sys.stderr,
                )
                return 2
        index = query.EventsIndex.build(engine)
    except sa.exc.OperationalError as error:
        print(f"error: the store cannot be read ({error.orig}).", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    try:
        Path(args.output).expanduser().parent.mkdir(parents=True, exist_ok=True)
        # Streamed a chunk at a time: an export of any size never sits whole in memory.
        written = exports.write_chunks(
            query.iter_events(index, FilterState()), args.output, args.format
        )
    except OSError as error:
        print(f"error: {args.output} cannot be written ({error.strerror}).", file=sys.stderr)
        return 2
    print(f"{written} events written to {args.output}", file=sys.stderr)
    return 0


def _cmd_synth(args: argparse.Namespace) -> int:
    from footprint.data import store
    from footprint.importers import synth

    engine = store.make_engine(args.database_url)
    try:
        result = synth.store_synthetic(engine, args.rows, seed=args.seed)
    except synth.SynthError as error:
        print(error, file=sys.stderr)
        return 1
    print(json.dumps(result.as_dict()))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``python -m footprint``."""
    parser = argparse.ArgumentParser(
        prog="python -m footprint", description=__doc__.splitlines()[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)

    data = commands.add_parser("data", help="copy or download the boundary files and check them")
    data.set_defaults(handler=_cmd_data)

    build = commands.add_parser("build-seeds", help="geocode seeds/*.yaml into data/events.csv")
    build.add_argument("--check", action="store_true", help="fail if data/events.csv is stale")
    build.set_defaults(handler=_cmd_build_seeds)

    init = commands.add_parser("init-db", help="create the store's tables and load the seed events")
    init.add_argument("--database-url", default=None)
    init.set_defaults(handler=_cmd_init_db)

    geocode = commands.add_parser("geocode", help="geocode a place name or a CSV column")
    geocode.add_argument("text", nargs="?", help="a place description, e.g. 'Rimpa Plaza, Karachi'")
    geocode.add_argument("--csv", dest="csv_path", help="a CSV file to geocode")
    geocode.add_argument("--column", help="the CSV column that holds the place text")
    geocode.add_argument("--context", help="a city, district or province that narrows the search")
    geocode.set_defaults(handler=_cmd_geocode)

    imp = commands.add_parser("import", help="check, geocode and store an event CSV")
    imp.add_argument("file")
    imp.add_argument(
        "--format", default="auto", choices=["auto", "footprint", "acled", "gtd", "ucdp", "pbc"]
    )
    imp.add_argument("--dry-run", action="store_true", help="check and report, store nothing")
    imp.add_argument("--database-url", default=None)
    imp.add_argument("--user", default="cli", help="who the batch is recorded as uploaded by")
    imp.add_argument(
        "--list-limit",
        type=int,
        default=200,
        metavar="N",
        help="list at most N rejected reasons and probable duplicates (0: all); counts stay whole",
    )
    imp.set_defaults(handler=_cmd_import)

    from footprint.reader.cli import published_date

    extract = commands.add_parser(
        "extract", help="read a news report (.txt, .html, .pdf) into candidate events (CSV)"
    )
    extract.add_argument("file")
    extract.add_argument(
        "--published", required=True, type=published_date, help="publication date, YYYY-MM-DD"
    )
    extract.add_argument("--outlet", default=None, help="the outlet, e.g. Dawn")
    extract.add_argument("-o", "--output", required=True, help="the candidates CSV to write")
    extract.set_defaults(handler=_cmd_extract)

    export = commands.add_parser("export", help="export the stored events")
    export.add_argument("--format", required=True, choices=["csv", "geojson", "gpkg"])
    export.add_argument("-o", "--output", required=True)
    export.add_argument("--database-url", default=None)
    export.set_defaults(handler=_cmd_export)

    synth = commands.add_parser(
        "synth", help="fill the store with synthetic events (one undoable batch) for scale tests"
    )
    synth.add_argument("--rows", type=int, required=True, help="how many events to generate")
    synth.add_argument(
        "--seed", type=int, default=0, help="random seed (the same seed, the same rows)"
    )
    synth.add_argument("--database-url", default=None)
    synth.set_defaults(handler=_cmd_synth)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit code."""
    args = build_parser().parse_args(argv)
    return args.handler(args)
