"""Build ``data/events.csv`` from the coded seed documents in ``seeds/``.

Each ``seeds/*.yaml`` file describes one source document (its metadata) and
the events coded from it. An event reported by several documents is coded once
and listed under ``mentions`` in the others, so it becomes one row whose
``source_ref`` names every source. The geocoder places each event from its
``location_text`` (with its city and province as context).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from footprint import paths

#: Columns of events.csv beyond the contract: how the geocoder placed each event.
from footprint.data import schema

GEOCODE_COLUMNS = ("geo_matched_name", "geo_matched_alias", "geo_score")
CSV_COLUMNS = (*schema.EVENT_COLUMNS, *GEOCODE_COLUMNS)


class SeedError(ValueError):
    """A seed file breaks the format or the contract.

    Parameters
    ----------
    file : str
        The seed file.
    event_id : str or None
        The event, where the problem is in one.
    problem : str
        What is wrong, with the fix.
    """

    def __init__(self, file: str, event_id: str | None, problem: str):
        self.file = file
        self.event_id = event_id
        self.problem = problem
        where = f"{file}, event {event_id}" if event_id else file
        super().__init__(f"{where}: {problem}")


class StaleEventsError(RuntimeError):
    """``data/events.csv`` differs from what the seeds produce."""

    def __init__(self, path: Path, differences: list[str]):
        self.path = path
        self.differences = differences
        super().__init__(
            f"{path} is stale ({len(differences)} differences, e.g. {differences[:3]}). "
            "Run `python -m footprint build-seeds` and commit the result."
        )


@dataclass(frozen=True)
class SeedDocument:
    """One coded source document."""

    path: Path
    source: dict
    events: list[dict]
    mentions: list[dict]

    @property
    def file_name(self) -> str:
        """The source text's file name, e.g. ``000_7b3b656c65596d7a.txt``."""
        return self.source["file"]


def read_seed_documents(seeds_dir: Path | None = None) -> list[SeedDocument]:
    """Read every ``*.yaml`` in ``seeds_dir``, in file-name order."""
    seeds_dir = Path(seeds_dir or paths.SEEDS_DIR)
    documents = []
    for path in sorted(seeds_dir.glob("*.yaml")):
        with open(path, encoding="utf-8") as handle:
            content = yaml.safe_load(handle) or {}
        if "source" not in content or "file" not in content["source"]:
            raise SeedError(path.name, None, "has no source.file; every seed names its document.")
        documents.append(
            SeedDocument(
                path, content["source"], content.get("events") or [], content.get("mentions") or []
            )
        )
    return documents


def _source_ref(file_name: str, lines: str) -> str:
    return f"{file_name}:{str(lines).strip()}"


def _perpetrators(event: dict) -> str:
    items = [(p["group"], p["link"]) for p in event.get("perpetrators") or []]
    return schema.format_perpetrators(items)


def seed_records(documents: list[SeedDocument]) -> list[dict]:
    """Turn seed documents into event records (not yet geocoded).

    Raises
    ------
    SeedError
        On duplicate event ids, mentions of unknown events, or values outside
        the contract.
    """
    records: dict[str, dict] = {}
    for document in documents:
        for event in document.events:
            event_id = event.get("event_id")
            if not event_id:
                raise SeedError(document.path.name, None, "an event has no event_id.")
            if event_id in records:
                raise SeedError(document.path.name, event_id, "event_id is used twice.")
            record = {column: event.get(column) for column in schema.EVENT_COLUMNS}
            record["perpetrators"] = _perpetrators(event)
            record["source_id"] = document.source.get("source_id") or Path(document.file_name).stem
            record["source_ref"] = _source_ref(document.file_name, event["lines"])
            problems = schema.validate_event({**record, "geo_precision": "site"})
            if problems:
                raise SeedError(document.path.name, event_id, "; ".join(str(p) for p in problems))
            records[event_id] = record
    for document in documents:
        for mention in document.mentions:
            event_id = mention.get("event_id")
            if event_id not in records:
                raise SeedError(
                    document.path.name, event_id, "is mentioned but coded in no seed file."
                )
            records[event_id]["source_ref"] += "; " + _source_ref(
                document.file_name, mention["lines"]
            )
    return list(records.values())


def geocode_records(records: list[dict], geocoder=None) -> pd.DataFrame:
    """Place each record with the geocoder and return a typed events frame.

    An event whose place text does not resolve keeps empty coordinates and
    no precision: it is never silently put on a city centre.
    """
    if geocoder is None:
        from geocode import Geocoder

        geocoder = Geocoder.default()
    rows = []
    for record in records:
        context = {k: record.get(k) for k in ("city", "province") if record.get(k)}
        result = geocoder.geocode(record.get("location_text") or "", context=context or None)
        row = dict(record)
        if result.resolved:
            row.update(
                latitude=round(result.latitude, 5),
                longitude=round(result.longitude, 5),
                geo_precision=result.geo_precision,
                neighbourhood=result.neighbourhood,
                town=result.town,
                district=result.district,
                city=result.city or record.get("city"),
                province=result.province or record.get("province"),
                geo_matched_name=result.name,
                geo_matched_alias=result.matched_alias,
                geo_score=round(float(result.score), 1),
            )
        rows.append(row)
    frame = schema.coerce_events(pd.DataFrame(rows))
    return frame.sort_values(["event_date", "event_id"], kind="stable").reset_index(drop=True)


def to_csv_text(frame: pd.DataFrame) -> str:
    """Render an events frame as the text of ``data/events.csv``."""
    out = schema.events_to_csv_frame(frame)
    for column in GEOCODE_COLUMNS:
        out[column] = frame[column] if column in frame.columns else None
    buffer = io.StringIO()
    out[list(CSV_COLUMNS)].to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def build_events(
    seeds_dir: Path | None = None,
    output: Path | None = None,
    check: bool = False,
    geocoder=None,
) -> pd.DataFrame:
    """Build the events table from the seeds and write (or check) ``events.csv``.

    Parameters
    ----------
    seeds_dir : Path, optional
        Folder of seed YAML files (default ``seeds/``).
    output : Path, optional
        The CSV to write (default ``data/events.csv``).
    check : bool
        When True, write nothing and raise :class:`StaleEventsError` if the
        file differs from what the seeds produce.
    geocoder : object, optional
        Anything with ``geocode(text, context=...)``; default the gazetteer
        geocoder.

    Returns
    -------
    DataFrame
        The typed events frame.
    """
    output = Path(output or paths.EVENTS_CSV)
    frame = geocode_records(seed_records(read_seed_documents(seeds_dir)), geocoder)
    text = to_csv_text(frame)
    if check:
        current = output.read_text(encoding="utf-8") if output.exists() else ""
        if current != text:
            old, new = current.splitlines(), text.splitlines()
            differences = [line for line in new if line not in set(old)][:10] or ["(rows removed)"]
            raise StaleEventsError(output, differences)
    else:
        output.write_text(text, encoding="utf-8")
    return frame
