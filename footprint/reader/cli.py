"""``python -m footprint extract FILE --published YYYY-MM-DD [--outlet NAME] -o candidates.csv``.

Reads a ``.txt``, ``.html`` or ``.pdf`` report and writes its candidate
events as our template's columns plus ``confidence``, ``evidence``,
``evidence_lines`` and ``field_evidence``. The file uploads as it is
(``python -m footprint import candidates.csv``). Exit codes: 0 written, 1 the
file cannot be read, 2 usage errors.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path


def published_date(text: str) -> dt.date:
    """Parse ``--published`` (YYYY-MM-DD) or explain the fix."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date: write the publication date as YYYY-MM-DD, e.g. 2015-03-25."
        ) from error


def run(args: argparse.Namespace) -> int:
    """Extract candidates from ``args.file`` into ``args.output``; return the exit code."""
    from footprint.reader import ReaderInputError, extract, read_file

    path = Path(args.file)
    try:
        document = read_file(path, published=args.published, outlet=args.outlet)
    except OSError as error:
        print(f"{path} cannot be read ({error.strerror}). Check the path.", file=sys.stderr)
        return 1
    except ReaderInputError as error:
        print(str(error), file=sys.stderr)
        return 1
    frame = extract(document)
    frame.to_csv(args.output, index=False)
    print(f"{len(frame)} candidate events written to {args.output}", file=sys.stderr)
    return 0
