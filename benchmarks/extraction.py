"""Benchmark the text reader against hand coding: the five seed documents and our own reports.

For each document the reader's candidates are matched one to one with the
hand-coded events (``seeds/*.yaml`` for ``../shared/seeds/*.txt``;
``tests/data/reports/*.yaml`` for the short reports we wrote). A candidate
matches an event of the same event type whose date range overlaps its own or
whose place is within 3 km (greedy, best pairs first). The script prints, per
document and in total:

- event **recall** (matched events / coded events) and **precision** (matched
  candidates / candidates). A candidate matching an event the document only
  mentions (listed under ``mentions``: coded fully in another seed) is
  correct but counts for neither recall nor the fields;
- on matched events, the share right for each field: **date** (the
  candidate's ``event_date`` inside the coded range, ±1 day for ``day``, ±2 for
  ``week``, and no more than one precision step coarser), **place** (within
  3 km; both unplaced also counts), **casualties** (all four bounds equal),
  **groups** (the same groups with the same links), **type** (event type and
  attack type).

Targets (issue 10): recall >= 80%, precision >= 70%, each field >= 80%. The
script prints figures and asserts nothing.

Usage::

    python benchmarks/extraction.py [--set seeds|reports|development|held-out|both] [--misses] [--json]
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import json
import math
import sys
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from footprint import paths  # noqa: E402
from footprint.reader import candidates_frame, from_text, read_document  # noqa: E402

SEED_TEXTS = ROOT.parent / "shared" / "seeds"
REPORTS = ROOT / "tests" / "data" / "reports"
FIELDS = ("date", "place", "casualties", "groups", "type")
PRECISION_RANK = {"day": 0, "week": 1, "month": 2, "year": 3}
TOLERANCE = {"day": 1, "week": 2, "month": 0, "year": 0}


def _published(value: str) -> dt.date:
    """The last day a ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` publication can be."""
    parts = [int(p) for p in str(value).split("-")]
    if len(parts) == 3:
        return dt.date(*parts)
    if len(parts) == 2:
        return dt.date(parts[0], parts[1], calendar.monthrange(parts[0], parts[1])[1])
    return dt.date(parts[0], 12, 31)


def _date(value) -> dt.date | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return None
    return dt.date.fromisoformat(str(value)[:10])


def _text(value):
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return None
    return str(value)


def _count(value):
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return None
    return int(float(value))


def km(lat1, lon1, lat2, lon2) -> float:
    """Haversine distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0088 * 2 * math.asin(math.sqrt(a))


def _perps(value) -> frozenset:
    if isinstance(value, list):
        return frozenset((p["group"], p["link"]) for p in value)
    if not value or (isinstance(value, float) and math.isnan(value)):
        return frozenset()
    out = set()
    for part in str(value).split(";"):
        name, _, link = part.strip().rpartition(" (")
        out.add((name, link.rstrip(")")))
    return frozenset(out)


def _truth_event(event: dict, coordinates) -> dict:
    lat, lon = coordinates
    return {
        "id": event["event_id"],
        "event_type": event["event_type"],
        "attack_type": event.get("attack_type"),
        "event_date": _date(event["event_date"]),
        "start": _date(event["date_start"]),
        "end": _date(event["date_end"]),
        "precision": event["date_precision"],
        "lat": lat,
        "lon": lon,
        "groups": _perps(event.get("perpetrators") or []),
        "casualties": tuple(
            _count(event.get(k)) for k in ("killed_min", "killed_max", "injured_min", "injured_max")
        ),
    }


def _geocode(geocoder, text, city):
    if not text:
        return None, None
    result = geocoder.geocode(text, context=city or None)
    return (result.latitude, result.longitude) if result.resolved else (None, None)


def _candidate_events(frame: pd.DataFrame, geocoder) -> list[dict]:
    out = []
    for row in frame.to_dict("records"):
        lat, lon = _geocode(geocoder, row["location_text"], row["city"])
        out.append(
            {
                "id": row["event_id"],
                "event_type": row["event_type"],
                "attack_type": row["attack_type"],
                "event_date": _date(row["event_date"]),
                "start": _date(row["date_start"]),
                "end": _date(row["date_end"]),
                "precision": row["date_precision"],
                "lat": lat,
                "lon": lon,
                "groups": _perps(row["perpetrators"]),
                "casualties": tuple(
                    _count(row[k])
                    for k in ("killed_min", "killed_max", "injured_min", "injured_max")
                ),
                "lines": row["evidence_lines"],
            }
        )
    return out


def _near(a: dict, b: dict) -> bool | None:
    if None in (a["lat"], b["lat"]):
        return None
    return km(a["lat"], a["lon"], b["lat"], b["lon"]) <= 3.0


def _overlap(a: dict, b: dict) -> bool:
    if None in (a["start"], b["start"]):
        return False
    return a["start"] <= b["end"] and b["start"] <= a["end"]


def date_right(candidate: dict, truth: dict) -> bool:
    """True when the candidate's date is within the coded range at a comparable precision."""
    if candidate["event_date"] is None:
        return False
    tolerance = dt.timedelta(days=TOLERANCE[truth["precision"]])
    inside = truth["start"] - tolerance <= candidate["event_date"] <= truth["end"] + tolerance
    coarser = PRECISION_RANK[candidate["precision"]] - PRECISION_RANK[truth["precision"]]
    return inside and coarser <= 1


def field_results(candidate: dict, truth: dict) -> dict[str, bool]:
    """Return which fields of a matched candidate are right."""
    near = _near(candidate, truth)
    return {
        "date": date_right(candidate, truth),
        "place": bool(near)
        if near is not None
        else (candidate["lat"] is None and truth["lat"] is None),
        "casualties": candidate["casualties"] == truth["casualties"],
        "groups": candidate["groups"] == truth["groups"],
        "type": candidate["event_type"] == truth["event_type"]
        and _text(candidate["attack_type"]) == _text(truth["attack_type"]),
    }


def match(candidates: list[dict], truths: list[dict]) -> list[tuple[dict, dict]]:
    """Pair candidates with coded events one to one, best pairs first."""
    scored = []
    for i, c in enumerate(candidates):
        for j, t in enumerate(truths):
            if c["event_type"] != t["event_type"]:
                continue
            near, overlap = _near(c, t), _overlap(c, t)
            if not (near or overlap):
                continue
            fields = field_results(c, t)
            score = 3 * bool(near) + 3 * overlap + sum(fields.values())
            scored.append((score, i, j))
    pairs, used_c, used_t = [], set(), set()
    for _, i, j in sorted(scored, key=lambda s: (-s[0], s[1], s[2])):
        if i in used_c or j in used_t:
            continue
        used_c.add(i)
        used_t.add(j)
        pairs.append((candidates[i], truths[j]))
    return pairs


def evaluate(name: str, frame: pd.DataFrame, truths: list[dict], geocoder) -> dict:
    """Return the figures of one document."""
    candidates = _candidate_events(frame, geocoder)
    every = match(candidates, truths)
    pairs = [(c, t) for c, t in every if not t.get("mention")]
    own = [t for t in truths if not t.get("mention")]
    fields = {f: 0 for f in FIELDS}
    wrong = []
    for c, t in pairs:
        for f, ok in field_results(c, t).items():
            fields[f] += ok
            if not ok:
                wrong.append((t["id"], f))
    matched_ids = {t["id"] for _, t in pairs}
    matched_candidates = {c["id"] for c, _ in every}
    return {
        "document": name,
        "events": len(own),
        "candidates": len(candidates),
        "matched": len(pairs),
        "correct": len(every),
        "fields": fields,
        "missed": [t["id"] for t in own if t["id"] not in matched_ids],
        "extra": [
            (c["id"], c["event_type"], c["lines"])
            for c in candidates
            if c["id"] not in matched_candidates
        ],
        "wrong": wrong,
    }


def seed_documents(geocoder):
    """Yield (name, frame, truths) for the five seed documents."""
    stored = pd.read_csv(paths.DATA_DIR / "events.csv", dtype=str, keep_default_na=False)
    coordinates = {
        r["event_id"]: (float(r["latitude"]), float(r["longitude"]))
        if r["latitude"]
        else (None, None)
        for r in stored.to_dict("records")
    }
    codings = [
        yaml.safe_load(p.read_text(encoding="utf-8"))
        for p in sorted((ROOT / "seeds").glob("*.yaml"))
    ]
    coded = {e["event_id"]: e for coding in codings for e in coding["events"]}
    for coding in codings:
        source = coding["source"]
        text_path = SEED_TEXTS / source["file"]
        if not text_path.exists():
            continue
        document = from_text(
            text_path.read_text(encoding="utf-8"), source["file"], _published(source["published"])
        )
        frame = candidates_frame(read_document(document, geocoder), document)
        truths = [
            _truth_event(e, coordinates.get(e["event_id"], (None, None))) for e in coding["events"]
        ]
        for mention in coding.get("mentions") or []:
            home = coded.get(mention["event_id"])
            if home is not None:
                event = _truth_event(home, coordinates.get(home["event_id"], (None, None)))
                truths.append({**event, "mention": True})
        yield source["file"], frame, truths


def report_documents(geocoder, folder: Path = REPORTS, prefix: str = "r", held_out_round=None):
    """Yield (name, frame, truths) for our short reports (text and coding in one YAML file).

    ``prefix`` ``r`` gives the reports written while the rules were made;
    ``h`` the held-out ones, written before a round of rule changes and run
    once after it. ``held_out_round`` keeps the held-out reports of one round
    (``held_out_round`` in the YAML, 1 when absent).
    """
    for path in sorted(folder.glob(f"{prefix}*.yaml")):
        report = yaml.safe_load(path.read_text(encoding="utf-8"))
        if held_out_round is not None and report.get("held_out_round", 1) != held_out_round:
            continue
        document = from_text(
            report["text"],
            path.stem + ".txt",
            _published(report["published"]),
            report.get("outlet"),
        )
        frame = candidates_frame(read_document(document, geocoder), document)
        truths = []
        for n, event in enumerate(report.get("events") or [], start=1):
            event = {"event_id": f"{path.stem}-{n}", **event}
            truths.append(
                _truth_event(
                    event, _geocode(geocoder, event.get("location_text"), event.get("city"))
                )
            )
        yield path.stem, frame, truths


def held_out_rounds(folder: Path = REPORTS) -> list[int]:
    """Return the rounds of the held-out reports (``held_out_round``, 1 when absent), in order."""
    return sorted(
        {
            yaml.safe_load(p.read_text(encoding="utf-8")).get("held_out_round", 1)
            for p in folder.glob("h*.yaml")
        }
    )


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "    –"


def table(results: list[dict], title: str) -> str:
    """Return a Markdown table of per-document and total figures."""
    lines = [
        f"**{title}**",
        "",
        "| document | events | candidates | matched | recall | precision | "
        + " | ".join(FIELDS)
        + " |",
        "| --- | ---: | ---: | ---: | ---: | ---: | " + " | ".join("---:" for _ in FIELDS) + " |",
    ]
    total = {
        "events": 0,
        "candidates": 0,
        "matched": 0,
        "correct": 0,
        "fields": {f: 0 for f in FIELDS},
    }
    for r in results:
        lines.append(
            f"| {r['document']} | {r['events']} | {r['candidates']} | {r['matched']} | "
            f"{_pct(r['matched'], r['events'])} | {_pct(r['correct'], r['candidates'])} | "
            + " | ".join(_pct(r["fields"][f], r["matched"]) for f in FIELDS)
            + " |"
        )
        for key in ("events", "candidates", "matched", "correct"):
            total[key] += r[key]
        for f in FIELDS:
            total["fields"][f] += r["fields"][f]
    lines.append(
        f"| **all** | {total['events']} | {total['candidates']} | {total['matched']} | "
        f"{_pct(total['matched'], total['events'])} | {_pct(total['correct'], total['candidates'])} | "
        + " | ".join(_pct(total["fields"][f], total["matched"]) for f in FIELDS)
        + " |"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--set",
        choices=["seeds", "reports", "development", "held-out", "both"],
        default="both",
        help="development: seeds, our reports and the held-out reports of earlier rounds; "
        "held-out: the latest round's held-out reports only",
    )
    parser.add_argument("--misses", action="store_true", help="list missed, extra and wrong")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    from geocode import Geocoder

    geocoder = Geocoder.default()
    sets = []
    if args.set in ("seeds", "development", "both"):
        sets.append(
            (
                "Seed documents (seeds/*.yaml)",
                [evaluate(n, f, t, geocoder) for n, f, t in seed_documents(geocoder)],
            )
        )
    if args.set in ("reports", "development", "both"):
        sets.append(
            (
                "Our reports (tests/data/reports/r*.yaml)",
                [evaluate(n, f, t, geocoder) for n, f, t in report_documents(geocoder)],
            )
        )
    rounds = held_out_rounds()
    latest = rounds[-1] if rounds else None
    for number in rounds:
        if number == latest and args.set not in ("reports", "held-out", "both"):
            continue
        if number != latest and args.set not in ("reports", "development", "both"):
            continue
        documents = list(report_documents(geocoder, prefix="h", held_out_round=number))
        names = f"{documents[0][0][:3]}-{documents[-1][0][:3]}"
        status = (
            f"each written before the rules it tests, run once after round {number}'s rules "
            "were frozen"
            if number == latest
            else f"held out when written; their failures were studied in round {number + 1}"
        )
        sets.append(
            (
                f"Held out in round {number} (tests/data/reports/{names}): {status}",
                [evaluate(n, f, t, geocoder) for n, f, t in documents],
            )
        )
    if args.json:
        print(json.dumps({title: results for title, results in sets}, default=str, indent=2))
        return 0
    for title, results in sets:
        print(table(results, title))
        print()
        if args.misses:
            for r in results:
                if r["missed"] or r["extra"] or r["wrong"]:
                    print(
                        f"{r['document']}: missed {r['missed']}; extra {r['extra']}; wrong {r['wrong']}"
                    )
            print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
