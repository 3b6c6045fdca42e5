"""Dates as event files write them, their precision, and ambiguity never guessed."""

from __future__ import annotations

import datetime as dt

import pytest

from footprint.importers import dates

D = dt.date


@pytest.mark.parametrize(
    ("text", "start", "end", "precision"),
    [
        ("1995-11-19", D(1995, 11, 19), D(1995, 11, 19), "day"),
        ("1990-10-04 00:00:00.000", D(1990, 10, 4), D(1990, 10, 4), "day"),
        ("2014-06-09T23:30:00Z", D(2014, 6, 9), D(2014, 6, 9), "day"),
        ("2014/6/9", D(2014, 6, 9), D(2014, 6, 9), "day"),
        ("1995-11", D(1995, 11, 1), D(1995, 11, 30), "month"),
        ("2016-02", D(2016, 2, 1), D(2016, 2, 29), "month"),
        ("1995", D(1995, 1, 1), D(1995, 12, 31), "year"),
        ("2004.0", D(2004, 1, 1), D(2004, 12, 31), "year"),
        ("Sunday-November 19-1995", D(1995, 11, 19), D(1995, 11, 19), "day"),
        ("Saturday-October 04-2014", D(2014, 10, 4), D(2014, 10, 4), "day"),
        ("19 November 2019", D(2019, 11, 19), D(2019, 11, 19), "day"),
        ("19-Nov-2019", D(2019, 11, 19), D(2019, 11, 19), "day"),
        ("November 19, 2019", D(2019, 11, 19), D(2019, 11, 19), "day"),
        ("Sept 3 2012", D(2012, 9, 3), D(2012, 9, 3), "day"),
        ("November 2019", D(2019, 11, 1), D(2019, 11, 30), "month"),
        ("25/04/2015", D(2015, 4, 25), D(2015, 4, 25), "day"),
        ("04/25/2015", D(2015, 4, 25), D(2015, 4, 25), "day"),
        ("05.05.2015", D(2015, 5, 5), D(2015, 5, 5), "day"),
    ],
)
def test_forms_and_precision(text, start, end, precision):
    parsed = dates.parse_date(text)
    assert (parsed.start, parsed.end, parsed.precision) == (start, end, precision)
    assert parsed.note is None


def test_ambiguous_day_month_is_refused_not_guessed():
    with pytest.raises(dates.DateProblem) as problem:
        dates.parse_date("03/04/2015")
    assert problem.value.ambiguous
    assert "03 April 2015" in problem.value.problem and "04 March 2015" in problem.value.problem
    assert "YYYY-MM-DD" in problem.value.fix


def test_an_order_reads_ambiguous_dates():
    assert dates.parse_date("03/04/2015", order="dmy").start == D(2015, 4, 3)
    assert dates.parse_date("03/04/2015", order="mdy").start == D(2015, 3, 4)


def test_an_order_contradicted_by_the_date_is_refused():
    with pytest.raises(dates.DateProblem, match="not day/month/year"):
        dates.parse_date("04/25/2015", order="dmy")


def test_infer_order_from_unambiguous_values():
    assert dates.infer_order(["03/04/2015", "25/04/2015"]) == "dmy"
    assert dates.infer_order(["03/04/2015", "04/25/2015"]) == "mdy"
    assert dates.infer_order(["03/04/2015", "2015-05-01"]) is None
    assert dates.infer_order(["25/04/2015", "04/25/2015"]) is None


def test_weekday_that_disagrees_is_noted_but_the_date_kept():
    parsed = dates.parse_date("Saturday-March 07-2016")
    assert parsed.start == D(2016, 3, 7)
    assert "Monday" in parsed.note


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("", "missing"),
        ("N/A", "missing"),
        ("2015-02-30", "has no day 30"),
        ("2015-13-01", "no month 13"),
        ("31/31/2015", "neither of the first two numbers"),
        ("13/05/15", "century is unknown"),
        ("1850-01-01", "before 1900"),
        ("2199-01-01", "in the future"),
        ("last Tuesday", "cannot be read"),
        ("Ramadan 1423", "cannot be read"),
    ],
)
def test_bad_dates_say_why(text, phrase):
    with pytest.raises(dates.DateProblem) as problem:
        dates.parse_date(text)
    assert phrase in problem.value.problem
    assert problem.value.fix
    assert not problem.value.ambiguous


@pytest.mark.parametrize(
    ("parts", "start", "end", "precision"),
    [
        (("2014", "6", "8"), D(2014, 6, 8), D(2014, 6, 8), "day"),
        (("2014", "6", "0"), D(2014, 6, 1), D(2014, 6, 30), "month"),
        (("2014", "0", "0"), D(2014, 1, 1), D(2014, 12, 31), "year"),
        (("2014.0", "", ""), D(2014, 1, 1), D(2014, 12, 31), "year"),
    ],
)
def test_gtd_parts(parts, start, end, precision):
    parsed = dates.from_parts(*parts)
    assert (parsed.start, parsed.end, parsed.precision) == (start, end, precision)


def test_gtd_parts_need_a_year():
    with pytest.raises(dates.DateProblem, match="year is missing"):
        dates.from_parts("", "6", "8")
    with pytest.raises(dates.DateProblem, match="not a number"):
        dates.from_parts("2014", "June", "8")


def test_span_of_a_week():
    parsed = dates.span(D(2015, 5, 13), "week")
    assert parsed.end == D(2015, 5, 19)
