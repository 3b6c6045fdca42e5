"""``python -m footprint import FILE [--format ...] [--dry-run]``: the pipeline on the command line.

Prints a JSON summary (format, rows_read, stored, rejected with reasons,
warnings, geocoded, precision_upgraded, probable_duplicates, batch_id...) on
standard output and exits

- 0 when the file was stored (or, with ``--dry-run``, would be),
- 1 when it is refused: unrecognised format, unreadable, nothing valid, or
  uploaded before (the summary's ``refused`` says why and ``fix`` what to do),
- 2 for usage errors (argparse).

Probable duplicates are decided without asking (the command line has no one
to ask): a row scoring ``dedupe.HIGH`` or more against an event already in the
store is skipped, because it is almost certainly the same event from another
source and storing it would count it twice; every other pair, and every pair
within the file, is kept. The first ``--list-limit`` pairs (200; 0 for all)
are listed in the summary with the decision taken, and so are the first
rejected reasons; ``probable_duplicates`` and ``rejected`` count them all.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from footprint.importers.checks import ImportRefused


def _progress(fraction: float, message: str) -> None:
    print(f"\r{fraction:4.0%} {message[:70]:<70}", end="", file=sys.stderr, flush=True)


def _list_limit(args: argparse.Namespace) -> int | None:
    limit = getattr(args, "list_limit", 200)
    return None if limit is None or limit <= 0 else limit


def run(args: argparse.Namespace) -> int:
    """Import ``args.file`` and print the JSON summary; return the exit code.

    ``args`` has ``file``, ``format``, ``dry_run``, ``database_url``, ``user``
    and ``list_limit`` (see :func:`footprint.cli.build_parser`).
    """
    from footprint.data import store
    from footprint.importers import pipeline

    path = Path(args.file)
    quiet = not sys.stderr.isatty()
    progress = None if quiet else _progress
    preview = None
    try:
        try:
            data = path.read_bytes()
        except OSError as error:
            raise ImportRefused(
                f"{path} cannot be read ({error.strerror}).", "Check the path."
            ) from error
        engine = store.make_engine(getattr(args, "database_url", None))
        store.create_schema(engine)
        preview = pipeline.prepare(data, path.name, engine, format=args.format, progress=progress)
        if progress:
            print(file=sys.stderr)
        decisions = pipeline.default_decisions(preview)
        if preview.already_uploaded:
            batch = preview.already_uploaded
            raise ImportRefused(
                f"{path.name} was already uploaded as batch {batch['batch_id']} by "
                f"{batch['uploaded_by']} on {batch['uploaded_at']:%Y-%m-%d %H:%M}.",
                f"Nothing was stored. To upload it again, undo batch {batch['batch_id']} first.",
            )
        result = None
        if not args.dry_run:
            result = pipeline.commit(
                engine, preview, decisions, uploaded_by=getattr(args, "user", "cli")
            )
        summary = pipeline.summary(preview, result, decisions, limit=_list_limit(args))
        summary["dry_run"] = bool(args.dry_run)
        if args.dry_run and summary["would_store"] == 0:
            summary["refused"] = "Nothing in the file can be stored."
            summary["fix"] = "Fix the rows listed in rejected_reasons and try again."
            print(json.dumps(summary, indent=2, default=str))
            return 1
        print(json.dumps(summary, indent=2, default=str))
        return 0
    except ImportRefused as refused:
        out = {
            "file": path.name,
            "refused": refused.problem,
            "fix": refused.fix,
            "stored": 0,
            "batch_id": None,
        }
        if preview is not None:
            out = {**pipeline.summary(preview, limit=_list_limit(args)), **out}
        print(json.dumps(out, indent=2, default=str))
        return 1
