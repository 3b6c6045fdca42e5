"""Stage 8: ``python -m footprint geocode``: one text to JSON, or a CSV column to CSV.

``python -m footprint geocode "TEXT" [--context PLACE]`` prints one JSON object
with the fields of :data:`OUTPUT_FIELDS` (``null`` where empty) and exits 0
when the text resolved, 1 when it did not.

``python -m footprint geocode --csv FILE --column NAME [--context PLACE]``
writes CSV to stdout: every input column as read, then the output fields
(prefixed ``geo_`` where an input column already has the name), one row per
input row; unresolved rows have empty coordinates. A summary goes to stderr.

Usage errors (no text and no CSV, a CSV without ``--column``, a column the
file does not have, an unreadable file, a missing gazetteer) print one message
to stderr and exit 2.
"""

from __future__ import annotations

import argparse
import json
import sys

#: The fields printed for each text, in order.
OUTPUT_FIELDS: tuple[str, ...] = (
    "query",
    "resolved",
    "name",
    "place_id",
    "matched_alias",
    "method",
    "score",
    "latitude",
    "longitude",
    "geo_precision",
    "kind",
    "neighbourhood",
    "town",
    "district",
    "city",
    "province",
)
#: The fields added to each CSV row (the query is the input column itself).
CSV_FIELDS: tuple[str, ...] = tuple(f for f in OUTPUT_FIELDS if f != "query")

EXIT_RESOLVED = 0
EXIT_UNRESOLVED = 1
EXIT_USAGE = 2


def run(args: argparse.Namespace) -> int:
    """Run the ``geocode`` command and return its exit code.

    Parameters
    ----------
    args : argparse.Namespace
        With ``text``, ``csv_path``, ``column`` and ``context`` (see
        :func:`footprint.cli.build_parser`).

    Returns
    -------
    int
        0 resolved (or CSV written), 1 unresolved text, 2 usage error.
    """
    from geocode.errors import GeocodeInputError
    from geocode.gazetteer import GazetteerError

    try:
        text = getattr(args, "text", None)
        csv_path = getattr(args, "csv_path", None)
        column = getattr(args, "column", None)
        context = getattr(args, "context", None) or None
        if csv_path and text:
            raise GeocodeInputError(
                "text", text, "Give either a text or --csv FILE --column NAME, not both."
            )
        if csv_path:
            if not column:
                raise GeocodeInputError(
                    "--column", None, "Name the CSV column that holds the place text."
                )
            return _run_csv(csv_path, column, context)
        if text is None:
            raise GeocodeInputError(
                "text",
                None,
                "Give a place text, e.g. 'Rimpa Plaza, Karachi', or --csv FILE --column NAME.",
            )
        return _run_text(text, context)
    except (GeocodeInputError, GazetteerError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE


def _geocoder():
    from geocode import Geocoder

    return Geocoder.default()


def _run_text(text: str, context: str | None) -> int:
    result = _geocoder().geocode(text, context=context)
    payload = result.to_dict()
    print(json.dumps({name: payload[name] for name in OUTPUT_FIELDS}, ensure_ascii=False))
    return EXIT_RESOLVED if result.resolved else EXIT_UNRESOLVED


def _run_csv(path: str, column: str, context: str | None) -> int:
    import pandas as pd

    from geocode.errors import GeocodeInputError

    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError as error:
        raise GeocodeInputError(
            "--csv", path, "The file does not exist; check the path."
        ) from error
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise GeocodeInputError(
            "--csv", path, f"The file is not a readable UTF-8 CSV ({error})."
        ) from error
    if column not in frame.columns:
        available = ", ".join(repr(str(c)) for c in frame.columns) or "(none)"
        raise GeocodeInputError(
            "--column",
            column,
            f"{path} has no column {column!r}. Available columns: {available}.",
        )
    results = _geocoder().geocode_many(frame[column].tolist(), context)
    out = frame.copy()
    taken = set(out.columns)
    for field in CSV_FIELDS:
        name = field
        while name in taken:
            name = f"geo_{name}"
        taken.add(name)
        values = [getattr(r, field) for r in results]
        if field == "resolved":
            values = ["true" if v else "false" for v in values]
        out[name] = pd.Series(values, index=out.index, dtype=object)
    out.to_csv(sys.stdout, index=False, lineterminator="\n")
    resolved = sum(r.resolved for r in results)
    print(
        f"{len(results)} rows, {resolved} resolved, {len(results) - resolved} unresolved",
        file=sys.stderr,
    )
    return EXIT_RESOLVED
