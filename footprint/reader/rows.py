"""Candidates to rows of our template (``data/template.csv``), plus evidence and confidence.

The rows upload as they are: the template's columns first, then
``EXTRA_COLUMNS``, which the import pipeline lists as not used.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from footprint.data import schema
from footprint.reader.candidates import Candidate, read_document
from footprint.reader.document import Document

#: Columns after the template's: the candidate's confidence, main evidence and per-field evidence.
EXTRA_COLUMNS = ("confidence", "evidence", "evidence_lines", "field_evidence")
_FIELDS = ("event_type", "attack_type", "date", "place", "killed", "injured", "target_type")


def _summary(candidate: Candidate) -> str:
    kind = candidate.event_type.value.replace("_", " ")
    if candidate.attack_type.value and candidate.attack_type.value != "unknown":
        kind = candidate.attack_type.value.replace("_", " ")
    place = candidate.place.value
    where = f" at {place.name}" if place is not None else ""
    groups = ", ".join(f"{name} ({v.value})" for name, v in candidate.perpetrators.items())
    return (
        f"Proposed by the reader: {kind}{where}"
        + (f"; groups named: {groups}" if groups else "")
        + f". Check against lines {candidate.first_line}-{candidate.last_line}."
    )


def _count(value, part):
    return None if value is None else getattr(value, part)


def candidate_row(candidate: Candidate, document: Document) -> dict:
    """Return one candidate as a template row with evidence columns."""
    source_id = Path(document.name).stem or "text"
    text_key = hashlib.sha256(document.text.encode("utf-8")).hexdigest()[:8]
    date = candidate.date.value
    place = candidate.place.value
    perpetrators = sorted(
        candidate.perpetrators.items(), key=lambda item: (schema.LINK_RANK[item[1].value], item[0])
    )
    row = {
        "event_id": f"rd-{text_key}-{candidate.number:02d}",
        "event_date": date.best.isoformat() if date else None,
        "date_start": date.start.isoformat() if date else None,
        "date_end": date.end.isoformat() if date else None,
        "date_precision": date.precision if date else None,
        "event_type": candidate.event_type.value,
        "attack_type": candidate.attack_type.value,
        "suicide": None
        if candidate.suicide.value is None
        else str(candidate.suicide.value).lower(),
        "target_type": candidate.target_type.value,
        "target": candidate.target.value,
        "location_text": place.location_text if place else None,
        "neighbourhood": None,
        "town": None,
        "district": None,
        "city": (place.city if place else None),
        "province": place.province if place else None,
        "latitude": None,
        "longitude": None,
        "geo_precision": None,
        "perpetrators": "; ".join(f"{name} ({value.value})" for name, value in perpetrators)
        or None,
        "killed_min": _count(candidate.killed.value, "low"),
        "killed_max": _count(candidate.killed.value, "high"),
        "injured_min": _count(candidate.injured.value, "low"),
        "injured_max": _count(candidate.injured.value, "high"),
        "summary": _summary(candidate),
        "source_id": source_id,
        "source_ref": f"{document.name}:{candidate.first_line}-{candidate.last_line}",
    }
    fields = {}
    for name in _FIELDS:
        value = getattr(candidate, name)
        if value.value is not None:
            fields[name] = {
                "confidence": round(value.confidence, 2),
                "lines": value.evidence.lines if value.evidence else None,
                "phrase": value.phrase,
            }
    for name, value in candidate.perpetrators.items():
        fields[f"group:{name}"] = {
            "confidence": round(value.confidence, 2),
            "lines": value.evidence.lines if value.evidence else None,
            "phrase": value.phrase,
        }
    main = candidate.evidence[0]
    row["confidence"] = candidate.confidence
    row["evidence"] = main.sentence
    row["evidence_lines"] = "; ".join(e.lines for e in candidate.evidence)
    row["field_evidence"] = json.dumps(fields, ensure_ascii=False)
    return row


def candidates_frame(candidates: list[Candidate], document: Document) -> pd.DataFrame:
    """Return the candidates as a frame: the template's columns, then :data:`EXTRA_COLUMNS`."""
    columns = [*schema.EVENT_COLUMNS, *EXTRA_COLUMNS]
    rows = [candidate_row(c, document) for c in candidates]
    return pd.DataFrame(rows, columns=columns).astype(object)


def extract(document: Document, geocoder=None, group_names=None) -> pd.DataFrame:
    """Read a document and return its candidate rows (see :func:`candidates_frame`)."""
    return candidates_frame(read_document(document, geocoder, group_names), document)


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """Return candidate rows as UTF-8 CSV bytes, the form the import pipeline reads."""
    return frame.to_csv(index=False).encode("utf-8")
