"""The source text with a candidate's evidence lines highlighted, as escaped HTML."""

from __future__ import annotations

import html


def evidence_lines(spec: str | None) -> set[int]:
    """Return the line numbers of an ``evidence_lines`` value (``"4-6; 10-10"``)."""
    numbers: set[int] = set()
    for part in str(spec or "").split(";"):
        first, _, last = part.strip().partition("-")
        if first.isdigit():
            numbers.update(range(int(first), int(last or first) + 1))
    return numbers


def highlight_html(lines: list[str], highlighted: set[int], context: int = 2) -> str:
    """Return the text around the highlighted lines as HTML, every line escaped and numbered.

    Lines within ``context`` of a highlighted one are shown; the rest are
    folded into an ellipsis. The text is data, never markup: each line goes
    through :func:`html.escape`.
    """
    shown = {
        n for h in highlighted for n in range(h - context, h + context + 1) if 1 <= n <= len(lines)
    }
    out, gap = [], False
    for number, line in enumerate(lines, start=1):
        if number not in shown:
            gap = True
            continue
        if gap and out:
            out.append('<div style="color:#888">…</div>')
        gap = False
        text = html.escape(line) or "&nbsp;"
        style = "background:#fff3a3;color:#111" if number in highlighted else "color:inherit"
        out.append(
            f'<div style="{style};padding:1px 4px;font-size:0.95rem">'
            f'<span style="color:#888;display:inline-block;width:3em">{number}</span>{text}</div>'
        )
    return "".join(out)
