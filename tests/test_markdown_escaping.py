"""Markdown from data is text (issue 9): URL filter values and group names never become markup."""

from __future__ import annotations

import re

import pytest
from test_app_pages import (  # noqa: F401 - fixtures used by name
    app_data,
    run_app,
)

from footprint.views.markdown import escape_markdown

pytestmark = pytest.mark.usefixtures("navigation_only", "app_data")

HOSTILE = [
    "[click](http://example.invalid/x)",
    "![img](http://example.invalid/pixel.png)",
    ":red[coloured]",
    "$x^2$",
    "**bold** _em_ `code`",
    "<b>html</b>",
    ":material/lock:",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_has_no_markup_left(text):
    escaped = escape_markdown(text)
    for char in "[]*_`$<>":
        assert char not in escaped.replace("\\" + char, "")
    assert not re.search(r"(?<!\\):[A-Za-z]", escaped)  # no :red[ directive, no :icon:


def test_ignored_url_values_are_shown_as_text():
    at = run_app({"group": "[click](http://example.invalid/x)"})
    captions = [c.value for c in at.caption if "ignored" in c.value]
    assert captions, [c.value for c in at.caption]
    assert "\\[click\\]" in captions[0]
    assert "[click](" not in captions[0]


@pytest.mark.parametrize(
    "text, shown",
    [
        ("**bold** [link](http://x) <b>", "\\*\\*bold\\*\\* \\[link\\](http://x) \\<b\\>"),
        ("{title}", "\\{title\\}"),
        ("10:30 at Saddar", "10:30 at Saddar"),  # a time is not a directive: left alone
        ("Lashkar-e-Jhangvi", "Lashkar-e-Jhangvi"),  # nothing to escape: unchanged
    ],
)
def test_escaping_touches_only_markup(text, shown):
    assert escape_markdown(text) == shown
