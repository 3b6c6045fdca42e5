"""Shared wording: counts with the right plural, and a table selection opening its card."""

from __future__ import annotations

import pandas as pd
import pytest

from footprint.views import cards
from footprint.views.wording import plural


@pytest.mark.parametrize(
    ("count", "noun", "expected"),
    [
        (0, "event", "0 events"),
        (1, "event", "1 event"),
        (2, "event", "2 events"),
        (12345, "event", "12,345 events"),
        (1, "neighbourhood", "1 neighbourhood"),
        (3, "casualty", "3 casualties"),
        (1, "filtered event", "1 filtered event"),
    ],
)
def test_plural(count, noun, expected):
    assert plural(count, noun) == expected


@pytest.mark.parametrize(
    ("rows", "expected"),
    [([], None), (None, None), ([0], "a"), ([2], "c"), ([3], None), ([-1], None)],
)
def test_selected_row_is_the_event_at_that_position(rows, expected):
    frame = pd.DataFrame({"event_id": ["a", "b", "c"]})
    event = cards.selected_row(frame, rows)
    assert (event["event_id"] if event is not None else None) == expected
