"""Dates in report text: absolute and relative, each with its precision and bounds.

:func:`find_dates` returns every date phrase of a sentence as a
:class:`DateMention`. Absolute phrases ("December 28, 2009", "18th February",
"in August this year", "in 2013", "since July 2014") and phrases relative to
the publication date ("last month", "earlier this month", "last year", "two
months ago", "yesterday", "on Monday") are resolved at once. Phrases relative
to another event ("two days later", "the same evening", "about ten days
later") carry an ``offset_days`` and are resolved by the caller against the
event they follow (:func:`shift`).

Precision follows the codebook: ``day``; ``week`` for ranges up to 14 days;
``month`` up to 62 days; ``year`` beyond. A day and month without a year is
the most recent such day on or before publication.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, replace

from footprint.importers.dates import MONTHS, WEEKDAYS
from footprint.reader.numbers import NUMBER, parse_number

_MONTH = (
    r"(?P<month>"
    + "|".join(sorted((m for m in MONTHS if len(m) > 3 or m == "may"), key=len, reverse=True))
    + r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?"
)
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"


@dataclass(frozen=True)
class DateMention:
    """A date read from text.

    Attributes
    ----------
    start, end : date or None
        Bounds of the range (None for a phrase relative to another event, before it is resolved).
    best : date or None
        The best single date (``event_date``).
    precision : str
        ``day``, ``week``, ``month`` or ``year``.
    phrase : str
        The words read.
    confidence : float
    offset_days : int or None
        For "N days later" and "the same evening": days after the event it follows.
    tolerance_days : int
        For "about N days later": the days either side.
    since : bool
        "since July 2014": the range runs to publication (militant presence).
    position : int
        Character offset in the sentence.
    """

    start: dt.date | None
    end: dt.date | None
    best: dt.date | None
    precision: str
    phrase: str
    confidence: float
    offset_days: int | None = None
    tolerance_days: int = 0
    since: bool = False
    position: int = 0

    @property
    def relative_to_event(self) -> bool:
        """True for a phrase resolved against another event ("two days later")."""
        return self.offset_days is not None and self.start is None


def precision_of(start: dt.date, end: dt.date) -> str:
    """Return the codebook precision of a range."""
    days = (end - start).days
    if days == 0:
        return "day"
    if days <= 14:
        return "week"
    if days <= 62:
        return "month"
    return "year"


def make_range(
    start: dt.date, end: dt.date, phrase: str, confidence: float, **extra
) -> DateMention:
    """Return a mention of the range start-end; ``best`` is the middle for a week, else the start."""
    precision = precision_of(start, end)
    best = start + (end - start) / 2 if precision == "week" else start
    if precision == "day":
        best = start
    return DateMention(start, end, best, precision, phrase, confidence, **extra)


def _month_range(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _year_range(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _most_recent(month: int, day: int, published: dt.date) -> dt.date | None:
    for year in (published.year, published.year - 1):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            return None
        if candidate <= published:
            return candidate
    return None


def _month(text: str) -> int | None:
    return MONTHS.get(text.lower().rstrip(".")[:3]) if text else None


def shift(anchor: DateMention, mention: DateMention) -> DateMention:
    """Resolve "N days later" (``mention``) against the date of the event it follows."""
    if anchor.start is None or mention.offset_days is None:
        return mention
    delta = dt.timedelta(days=mention.offset_days)
    tolerance = dt.timedelta(days=mention.tolerance_days)
    if anchor.precision in ("day", "week"):
        best = anchor.best + delta
        start, end = anchor.start + delta - tolerance, anchor.end + delta + tolerance
        resolved = make_range(
            start, end, mention.phrase, min(mention.confidence, anchor.confidence)
        )
        return replace(resolved, best=best, position=mention.position)
    return replace(
        anchor,
        phrase=mention.phrase,
        confidence=min(mention.confidence, anchor.confidence) * 0.8,
        position=mention.position,
    )


def back(anchor: DateMention, offset_days: int, tolerance_days: int, phrase: str) -> DateMention:
    """Return the date ``offset_days`` before ``anchor`` ± ``tolerance_days`` ("X, about ten days later")."""
    best = anchor.best - dt.timedelta(days=offset_days)
    tolerance = dt.timedelta(days=tolerance_days)
    resolved = make_range(best - tolerance, best + tolerance, phrase, anchor.confidence * 0.75)
    return replace(resolved, best=best)


# --- patterns --------------------------------------------------------------------

_ABSOLUTE = [
    # December 28, 2009 / Dec. 28 2009
    ("mdy", re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.I)),
    # 28 December 2009 / 28th of December, 2009
    ("dmy", re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b", re.I)),
    # March 20 / on March 4
    (
        "md",
        re.compile(
            rf"\b{_MONTH}\s+{_DAY}\b(?!,?\s+(?:19|20)\d\d)(?!\s*(?:%|per|people|militants|killed))",
            re.I,
        ),
    ),
    # 18th February / 4 March
    ("dm", re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}\b(?!,?\s+(?:19|20)\d\d)", re.I)),
    # late October and early November 2009
    (
        "span",
        re.compile(
            rf"\b(?P<part1>late|early|mid)[\s-]+(?P<m1>[A-Za-z]+)\s+(?:and|to|-)\s+(?P<part2>late|early|mid)[\s-]+{_MONTH}\s+{_YEAR}\b",
            re.I,
        ),
    ),
    # in August this year / in October last year
    ("month_rel", re.compile(rf"\b{_MONTH}\s+(?P<which>this|last) year\b", re.I)),
    # (since) July 2014 / in October 2014 / early 2009
    ("my", re.compile(rf"\b(?P<part>late|early|mid)?[\s-]*{_MONTH}\s+{_YEAR}\b", re.I)),
    # the closing months of 2009
    (
        "year_part",
        re.compile(
            rf"\b(?:the\s+)?(?P<yp>closing|last|final|first|opening|early|late)\s+(?:months|weeks|part) of\s+{_YEAR}\b",
            re.I,
        ),
    ),
    # the 1980s / early 1990s
    ("decade", re.compile(r"\b(?P<dpart>early|mid|late)?[\s-]*(?P<decade>(?:19|20)\d0)s\b", re.I)),
    # in 2013 / since 2009 / of 2004 (a year alone)
    (
        "y",
        re.compile(
            rf"\b(?:in|since|during|of|from|by|year|until|early|late)\s+{_YEAR}\b(?![-/]\d)", re.I
        ),
    ),
    # in August (no year): the most recent August before publication
    (
        "m",
        re.compile(
            rf"\b(?:in|during|since|early|late|mid)[\s-]+{_MONTH}\b(?!\s+(?:\d|this|last))", re.I
        ),
    ),
]

_WORD_NUMBER = rf"(?P<count>{NUMBER}|a few|a couple of|several|a|an)"
_RELATIVE_PUBLISHED = [
    ("last_month", re.compile(r"\blast month\b", re.I)),
    (
        "this_month",
        re.compile(r"\b(?:earlier|early|late|later)? ?(?:this|the current) month\b", re.I),
    ),
    ("last_year", re.compile(r"\blast year(?:'s|’s)?\b", re.I)),
    ("this_year", re.compile(r"\b(?:earlier )?this year\b", re.I)),
    ("last_week", re.compile(r"\blast week\b|\bearlier this week\b|\bthis week\b", re.I)),
    ("yesterday", re.compile(r"\byesterday\b|\blast night\b", re.I)),
    ("today", re.compile(r"\btoday\b|\bthis (?:morning|afternoon|evening)\b|\btonight\b", re.I)),
    ("ago", re.compile(rf"\b{_WORD_NUMBER}\s+(?P<unit>days?|weeks?|months?|years?)\s+ago\b", re.I)),
    (
        "weekday",
        re.compile(
            r"\bon (?P<weekday>monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", re.I
        ),
    ),
]
_RELATIVE_EVENT = [
    (
        "later",
        re.compile(
            rf"\b(?P<about>about|around|some|nearly|roughly)?\s*{_WORD_NUMBER}\s+(?P<unit>days?|weeks?|months?)\s+later\b",
            re.I,
        ),
    ),
    (
        "next",
        re.compile(
            r"\b(?:the )?(?:next|following) (?P<unit>day|morning|evening|night|week)\b", re.I
        ),
    ),
    (
        "same",
        re.compile(
            r"\b(?:the )?same (?:day|evening|night|morning|afternoon)\b|\b(?:minutes|hours|moments) later\b|\bshortly after(?:wards)?\b"
            r"|\b(?:(?:less than|within|about|barely|just|some) )?(?:an|half an|one) hour later\b|\blater (?:that|the same) day\b"
            # a clause opening on the time of day goes on with the day just told
            r"|^\W*(?:later\s+)?in the (?:morning|afternoon|evening|night)\b",
            re.I,
        ),
    ),
]
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}
#: Periods so vague they date nothing ("in recent years", "over the last decade").
VAGUE = re.compile(
    r"\b(?:in recent (?:years|months)|over the (?:last|past) (?:decade|few years|years|two decades|\w+ decades)|"
    r"for (?:years|decades)|in the past|these days|in those days|once)\b",
    re.I,
)


def _count(text: str) -> int | None:
    text = text.lower()
    if text in ("a", "an"):
        return 1
    if text in ("a few", "several"):
        return 3
    if text == "a couple of":
        return 2
    return parse_number(text)


def _part_range(part: str | None, start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """Narrow a month to its early (1-10), mid (11-20) or late (21-end) part."""
    part = (part or "").lower()
    if part == "early":
        return start, start.replace(day=10)
    if part == "mid":
        return start.replace(day=11), start.replace(day=20)
    if part == "late":
        return start.replace(day=21), end
    return start, end


def _absolute(kind: str, match: re.Match, published: dt.date | None) -> DateMention | None:
    phrase = match.group(0)
    groups = match.groupdict()
    month = _month(groups.get("month") or "")
    year = int(groups["year"]) if groups.get("year") else None
    day = int(groups["day"]) if groups.get("day") else None
    try:
        if kind in ("mdy", "dmy") and month and year and day:
            date = dt.date(year, month, day)
            return make_range(date, date, phrase, 0.95)
        if kind in ("md", "dm") and month and day:
            if published is None:
                return None
            date = _most_recent(month, day, published)
            return make_range(date, date, phrase, 0.85) if date else None
        if kind == "span" and month and year:
            first = _month(groups["m1"])
            if not first:
                return None
            start_year = year if first <= month else year - 1
            start, _ = _part_range(groups["part1"], *_month_range(start_year, first))
            _, end = _part_range(groups["part2"], *_month_range(year, month))
            return make_range(start, end, phrase, 0.8)
        if kind == "month_rel" and month and published:
            year = published.year - (1 if groups["which"].lower() == "last" else 0)
            return make_range(*_month_range(year, month), phrase, 0.85)
        if kind == "my" and month and year:
            start, end = _part_range(groups.get("part"), *_month_range(year, month))
            since = bool(
                re.search(r"\bsince\s+" + re.escape(phrase.split()[0]), _context(match), re.I)
            )
            return make_range(start, end, phrase, 0.85, since=since)
        if kind == "year_part" and year:
            which = groups["yp"].lower()
            if which in ("closing", "last", "final", "late"):
                return make_range(dt.date(year, 9, 1), dt.date(year, 12, 31), phrase, 0.7)
            return make_range(dt.date(year, 1, 1), dt.date(year, 4, 30), phrase, 0.7)
        if kind == "decade":
            decade = int(groups["decade"])
            part = (groups.get("dpart") or "").lower()
            first, last = {"early": (0, 3), "mid": (3, 6), "late": (6, 9)}.get(part, (0, 9))
            since = bool(re.search(r"\bsince\b", _context(match), re.I))
            return make_range(
                dt.date(decade + first, 1, 1),
                dt.date(decade + last, 12, 31),
                phrase,
                0.6,
                since=since,
            )
        if kind == "y" and year:
            since = phrase.lower().startswith("since")
            return make_range(*_year_range(year), phrase, 0.8, since=since)
        if kind == "m" and month and published:
            year = published.year if month <= published.month else published.year - 1
            since = phrase.lower().startswith("since")
            return make_range(*_month_range(year, month), phrase, 0.75, since=since)
    except ValueError:
        return None
    return None


def _context(match: re.Match, width: int = 12) -> str:
    return match.string[max(0, match.start() - width) : match.end()]


def _relative(kind: str, match: re.Match, published: dt.date) -> DateMention | None:
    phrase = match.group(0)
    if kind == "last_month":
        first = published.replace(day=1) - dt.timedelta(days=1)
        return make_range(*_month_range(first.year, first.month), phrase, 0.8)
    if kind == "this_month":
        start, _ = _month_range(published.year, published.month)
        return (
            make_range(start, published, phrase, 0.75)
            if start != published
            else make_range(start, start, phrase, 0.75)
        )
    if kind == "last_year":
        return make_range(*_year_range(published.year - 1), phrase, 0.8)
    if kind == "this_year":
        return make_range(dt.date(published.year, 1, 1), published, phrase, 0.6)
    if kind == "last_week":
        return make_range(
            published - dt.timedelta(days=13), published - dt.timedelta(days=1), phrase, 0.6
        )
    if kind == "yesterday":
        date = published - dt.timedelta(days=1)
        return make_range(date, date, phrase, 0.85)
    if kind == "today":
        return make_range(published, published, phrase, 0.85)
    if kind == "weekday":
        target = WEEKDAYS[match.group("weekday").lower()]
        days = (published.weekday() - target) % 7
        date = published - dt.timedelta(days=days)
        return make_range(date, date, phrase, 0.75)
    if kind == "ago":
        count = _count(match.group("count")) or 1
        unit = match.group("unit").lower().rstrip("s")
        if unit == "day":
            date = published - dt.timedelta(days=count)
            return make_range(date, date, phrase, 0.8)
        if unit == "week":
            centre = published - dt.timedelta(days=7 * count)
            return make_range(
                centre - dt.timedelta(days=3), centre + dt.timedelta(days=3), phrase, 0.65
            )
        if unit == "month":
            month_index = published.year * 12 + published.month - 1 - count
            return make_range(*_month_range(month_index // 12, month_index % 12 + 1), phrase, 0.65)
        return make_range(*_year_range(published.year - count), phrase, 0.65)
    return None


def _relative_event(kind: str, match: re.Match) -> DateMention:
    phrase = match.group(0)
    if kind == "later":
        count = _count(match.group("count")) or 1
        unit = _UNIT_DAYS[match.group("unit").lower().rstrip("s")]
        about = bool(match.group("about"))
        tolerance = (2 if unit == 1 else unit // 2) if about else 0
        return DateMention(
            None,
            None,
            None,
            "day",
            phrase,
            0.7 if about else 0.8,
            offset_days=count * unit,
            tolerance_days=tolerance,
        )
    if kind == "next":
        unit = match.group("unit").lower()
        days = 7 if unit == "week" else 1
        return DateMention(None, None, None, "day", phrase, 0.75, offset_days=days)
    return DateMention(None, None, None, "day", phrase, 0.8, offset_days=0)


def find_dates(text: str, published: dt.date | None) -> list[DateMention]:
    """Return the date phrases of ``text`` in order of position, overlapping phrases removed.

    Parameters
    ----------
    text : str
        One sentence (or clause).
    published : date or None
        The publication date; without it, relative phrases and days without a
        year are not resolved.
    """
    found: list[tuple[int, int, DateMention]] = []

    def add(span: tuple[int, int], mention: DateMention | None) -> None:
        if mention is None:
            return
        if any(s <= span[0] < e or span[0] <= s < span[1] for s, e, _ in found):
            return
        found.append((span[0], span[1], replace(mention, position=span[0])))

    for kind, pattern in _ABSOLUTE:
        for match in pattern.finditer(text):
            add(match.span(), _absolute(kind, match, published))
    if published is not None:
        for kind, pattern in _RELATIVE_PUBLISHED:
            for match in pattern.finditer(text):
                add(match.span(), _relative(kind, match, published))
    for kind, pattern in _RELATIVE_EVENT:
        for match in pattern.finditer(text):
            add(match.span(), _relative_event(kind, match))
    return [mention for _, _, mention in sorted(found, key=lambda item: item[0])]


def until_published(mention: DateMention, published: dt.date | None) -> DateMention:
    """Extend a "since ..." range to the publication date (militant presence)."""
    if published is None or mention.start is None or published <= mention.start:
        return mention
    return replace(
        make_range(mention.start, published, mention.phrase, mention.confidence),
        position=mention.position,
    )
