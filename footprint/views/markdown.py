"""Text from data, shown through Streamlit's Markdown as written.

Group names, place names, URL filter values and uploaded values all reach
Markdown somewhere (captions, button labels, messages). Every one goes
through :func:`escape_markdown`, so a value can never become a link, an
image, emphasis, HTML, a colour directive, an icon or maths.
"""

from __future__ import annotations

import re

#: Characters that start Markdown markup in Streamlit (CommonMark lets a
#: backslash escape any of them).
MARKDOWN_SPECIALS = "\\`*_[]<>#|~${}"


def escape_markdown(text: object) -> str:
    """Return ``text`` with Markdown's markup characters escaped.

    Links, images, emphasis, code, HTML, tables, headings and maths all need
    one of :data:`MARKDOWN_SPECIALS`; a colour directive (``:red[...]``) or
    an icon (``:material/lock:``) needs a colon before a letter, so only
    those colons are escaped and times such as ``10:30`` stay as they are.
    """
    out = str(text)
    for char in MARKDOWN_SPECIALS:
        out = out.replace(char, "\\" + char)
    return re.sub(r":(?=[A-Za-z])", r"\\:", out)
