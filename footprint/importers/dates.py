"""Parse the dates event files are written with, and record how precise they are.

Accepted forms, and the precision each gives:

=====================================  ==================  =========
written                                example             precision
=====================================  ==================  =========
ISO date, optional time                1995-11-19 00:00    day
ISO month                              1995-11             month
year alone                             1995                year
weekday-month day-year (PBC)           Sunday-November 19-1995   day
day month-name year (ACLED)            19 November 1995, 19-Nov-1995   day
month-name day, year                   November 19, 1995   day
month-name year                        November 1995       month
day/month/year or month/day/year       19/11/1995, 11/19/1995   day
year, month, day parts (GTD)           1995, 11, 0         month
=====================================  ==================  =========

Numeric dates whose first two numbers could each be the day (``03/04/2015``)
are **ambiguous**: they are never guessed. They are read only when the caller
says the order (``order="dmy"`` or ``"mdy"``, e.g. chosen by the analyst), or
when other dates in the same column settle it (one ``25/04/2015`` proves the
column is day-first): see :func:`infer_order`. Otherwise :class:`DateProblem`
is raised with ``ambiguous=True``.

A date of month or year precision is stored as its first day in
``event_date``/``date_start`` and its last day in ``date_end``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

MONTHS = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
}
MONTHS["sept"] = 9
WEEKDAYS = {name.lower(): n for n, name in enumerate(calendar.day_name)} | {
    name.lower(): n for n, name in enumerate(calendar.day_abbr)
}
EARLIEST_YEAR = 1900

_ISO = re.compile(
    r"^(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
)
_ISO_MONTH = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})$")
_YEAR = re.compile(r"^(?P<y>\d{4})(?:\.0)?$")
_NUMERIC = re.compile(r"^(?P<a>\d{1,2})[/.-](?P<b>\d{1,2})[/.-](?P<y>\d{2,4})$")
#: Where a cell that :data:`_NUMERIC` matches (after stripping) could be in a
#: file's text: every such cell matches this, so text without a match has none.
#: It starts at the first separator (a character the regex engine scans for
#: fast) preceded by one or two digits, so ISO dates (four digits) never match.
NUMERIC_ANYWHERE = re.compile(r"[/.-](?<!\d{3}[/.-])(?<=\d[/.-])\d{1,2}[/.-]\d{2,4}(?![\d/.\-])")
_WORDS = re.compile(r"[A-Za-z]+|\d+")


@dataclass(frozen=True)
class ParsedDate:
    """A date as read, with the span its precision allows.

    Attributes
    ----------
    start, end : datetime.date
        First and last day the event may have happened on.
    precision : str
        ``day``, ``week``, ``month`` or ``year`` (``schema.DATE_PRECISIONS``).
    note : str or None
        Something the analyst should know (the weekday disagrees with the
        date, the day/month order came from other rows).
    """

    start: dt.date
    end: dt.date
    precision: str
    note: str | None = None


class DateProblem(ValueError):
    """A date that cannot be read, or could be read more than one way.

    Attributes
    ----------
    value : str
        The text as written.
    problem : str
        What is wrong with it.
    fix : str
        What to write instead.
    ambiguous : bool
        True when the date has two readings (day/month order unknown).
    """

    def __init__(self, value: str, problem: str, fix: str, ambiguous: bool = False):
        self.value = value
        self.problem = problem
        self.fix = fix
        self.ambiguous = ambiguous
        super().__init__(f"{value!r}: {problem} {fix}")


def span(start: dt.date, precision: str) -> ParsedDate:
    """Return the :class:`ParsedDate` of ``start`` at ``precision``.

    A month or a year starts on its first day whatever day ``start`` is; a
    week starts on ``start``.
    """
    if precision == "day":
        end = start
    elif precision == "week":
        end = start + dt.timedelta(days=6)
    elif precision == "month":
        start = start.replace(day=1)
        end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
    elif precision == "year":
        start = start.replace(month=1, day=1)
        end = start.replace(month=12, day=31)
    else:  # pragma: no cover - callers pass schema precisions
        raise ValueError(precision)
    return ParsedDate(start, end, precision)


def _make(value: str, year: int, month: int, day: int | None, today: dt.date) -> ParsedDate:
    fix = "Write the date as YYYY-MM-DD, e.g. 2014-06-09."
    if year < EARLIEST_YEAR:
        raise DateProblem(value, f"the year {year} is before {EARLIEST_YEAR}.", fix)
    if not 1 <= month <= 12:
        raise DateProblem(value, f"there is no month {month}.", fix)
    if day is None:
        parsed = span(dt.date(year, month, 1), "month")
    else:
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            raise DateProblem(value, f"{calendar.month_name[month]} {year} has no day {day}.", fix)
        parsed = span(dt.date(year, month, day), "day")
    if parsed.start > today:
        raise DateProblem(value, "the date is in the future.", "Check the year.")
    return parsed


def _year(value: str, text: str) -> int:
    if len(text) != 4:
        raise DateProblem(
            value,
            f"the year {text!r} has {len(text)} digits, so the century is unknown.",
            "Write the year with four digits, e.g. 2014-06-09.",
        )
    return int(text)


def parse_date(value: object, order: str | None = None, today: dt.date | None = None) -> ParsedDate:
    """Parse one written date.

    Parameters
    ----------
    value : object
        The cell as read (text, or a number for a year alone).
    order : {'dmy', 'mdy'}, optional
        How to read numeric dates like ``03/04/2015``. Without it those are
        refused as ambiguous; unambiguous ones (``25/04/2015``) are read either way.
    today : date, optional
        Dates after it are refused (default: today).

    Returns
    -------
    ParsedDate

    Raises
    ------
    DateProblem
        When the text is empty, not a date, impossible or ambiguous.
    """
    today = today or dt.date.today()
    text = str(value if value is not None else "").strip()
    if not text or text.lower() in {"nan", "none", "n/a", "na"}:
        raise DateProblem(text, "the date is missing.", "Write the date as YYYY-MM-DD.")
    if match := _ISO.match(text):
        return _make(text, int(match["y"]), int(match["m"]), int(match["d"]), today)
    if match := _ISO_MONTH.match(text):
        return _make(text, int(match["y"]), int(match["m"]), None, today)
    if match := _YEAR.match(text):
        year = int(match["y"])
        parsed = _make(text, year, 1, 1, today)
        return span(parsed.start, "year")
    if match := _NUMERIC.match(text):
        return _numeric(text, int(match["a"]), int(match["b"]), match["y"], order, today)
    return _words(text, today)


def _numeric(
    text: str, a: int, b: int, year_text: str, order: str | None, today: dt.date
) -> ParsedDate:
    year = _year(text, year_text)
    if a > 12 and b > 12:
        raise DateProblem(
            text, "neither of the first two numbers can be a month.", "Write YYYY-MM-DD."
        )
    if a > 12:
        if order == "mdy":
            raise DateProblem(
                text, f"{a} is not a month, so this is not month/day/year.", "Write YYYY-MM-DD."
            )
        return _make(text, year, b, a, today)
    if b > 12:
        if order == "dmy":
            raise DateProblem(
                text, f"{b} is not a month, so this is not day/month/year.", "Write YYYY-MM-DD."
            )
        return _make(text, year, a, b, today)
    if a == b:
        return _make(text, year, a, b, today)
    if order == "dmy":
        return _make(text, year, b, a, today)
    if order == "mdy":
        return _make(text, year, a, b, today)
    day_first = dt.date(year, b, a) if _valid(year, b, a) else None
    month_first = dt.date(year, a, b) if _valid(year, a, b) else None
    readings = " or ".join(f"{d:%d %B %Y}" for d in (day_first, month_first) if d)
    raise DateProblem(
        text,
        f"the date is ambiguous: it could be {readings}.",
        "Write it as YYYY-MM-DD, or say whether the file's dates are day/month/year or "
        "month/day/year.",
        ambiguous=True,
    )


def _valid(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


def _words(text: str, today: dt.date) -> ParsedDate:
    tokens = _WORDS.findall(text)
    weekday = None
    if tokens and tokens[0].lower() in WEEKDAYS:
        weekday = WEEKDAYS[tokens[0].lower()]
        tokens = tokens[1:]
    months = [t for t in tokens if t.lower() in MONTHS]
    numbers = [t for t in tokens if t.isdigit()]
    if len(months) != 1 or len(months) + len(numbers) != len(tokens) or not 1 <= len(numbers) <= 2:
        raise DateProblem(
            text,
            "this is not a date: it cannot be read.",
            "Write the date as YYYY-MM-DD, e.g. 2014-06-09.",
        )
    month = MONTHS[months[0].lower()]
    year_text = numbers[-1]
    day = int(numbers[0]) if len(numbers) == 2 else None
    if day is not None and len(numbers[0]) == 4 and len(numbers[1]) <= 2:
        year_text, day = numbers[0], int(numbers[1])  # "1995 November 19"
    parsed = _make(text, _year(text, year_text), month, day, today)
    if weekday is not None and day is not None and parsed.start.weekday() != weekday:
        return ParsedDate(
            parsed.start,
            parsed.end,
            parsed.precision,
            note=(
                f"the weekday says {calendar.day_name[weekday]} but "
                f"{parsed.start:%d %B %Y} was a {calendar.day_name[parsed.start.weekday()]}; "
                "the date was kept."
            ),
        )
    return parsed


def infer_order(values) -> str | None:
    """Return ``'dmy'`` or ``'mdy'`` when a column's unambiguous dates agree on it.

    A value like ``25/04/2015`` can only be day-first and ``04/25/2015`` only
    month-first. When the column has only one kind, that order is returned;
    with neither or both, None (ambiguous values then stay refused).
    """
    day_first = month_first = False
    if hasattr(values, "may_contain") and not values.may_contain(NUMERIC_ANYWHERE):
        return None  # no numeric date anywhere in the file: no need to read it again
    for value in values:
        match = _NUMERIC.match(str(value).strip())
        if not match:
            continue
        a, b = int(match["a"]), int(match["b"])
        if a > 12 >= b:
            day_first = True
        elif b > 12 >= a:
            month_first = True
        if day_first and month_first:
            return None
    if day_first:
        return "dmy"
    if month_first:
        return "mdy"
    return None


def from_parts(
    year: object, month: object, day: object, today: dt.date | None = None
) -> ParsedDate:
    """Build a date from GTD-style parts where 0 or empty means unknown.

    ``(2014, 6, 0)`` is June 2014 with month precision; ``(2014, 0, 0)`` the
    year 2014.

    Raises
    ------
    DateProblem
        When the year is missing or a part is not a number or impossible.
    """
    today = today or dt.date.today()
    written = f"{year}-{month}-{day}"
    parts = []
    for name, part in (("year", year), ("month", month), ("day", day)):
        text = str(part if part is not None else "").strip()
        if text.endswith(".0"):
            text = text[:-2]
        if text in {"", "0", "-99", "-9", "nan"}:
            parts.append(None)
        elif text.isdigit():
            parts.append(int(text))
        else:
            raise DateProblem(
                str(part), f"the {name} is not a number.", f"Write the {name} as a number."
            )
    y, m, d = parts
    if y is None:
        raise DateProblem(written, "the year is missing.", "Give at least the year.")
    if m is None:
        return span(_make(written, y, 1, 1, today).start, "year")
    return _make(written, y, m, d, today)
