"""Reader input: text, HTML or PDF to a :class:`Document` of numbered lines.

``read_text``, ``read_html`` and ``read_pdf`` each return a Document whose
``lines`` are the text's lines (1-based numbers are kept as evidence), with
boilerplate lines dropped (subscription pleas, "Leave a Reply", share
buttons) but their numbers kept, so line numbers still match the source. The
publication date and outlet are read from the text where it states them
(:func:`find_published`, :func:`find_outlet`); the caller's values win.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from footprint.importers.dates import MONTHS


class ReaderInputError(ValueError):
    """A file the reader cannot read: what is wrong and how to fix it."""

    def __init__(self, source: str, problem: str, fix: str):
        self.source, self.problem, self.fix = source, problem, fix
        super().__init__(f"{source}: {problem} {fix}")


#: Lines that are page furniture, not report text (matched case-insensitively).
BOILERPLATE = (
    r"^leave a reply\b",
    r"^your email address will not be published",
    r"^be part of quality journalism",
    r"^quality journalism takes",
    r"^(share|tweet|print|email)( this)?( article)?:?$",
    r"^(about admin|check also|related( articles| posts)?|read more|advertisement)$",
    r"^(home|blog)\s*/",
    r"^subscribe\b",
    r"^\d+$",
    r"^follow us\b",
    r"^copyright\b|^©",
)
_BOILERPLATE = [re.compile(p, re.I) for p in BOILERPLATE]

#: Outlets a report may name itself by (a dash or parenthesis sign-off, a byline).
OUTLETS = (
    "Dawn",
    "The News",
    "Express Tribune",
    "The Express Tribune",
    "AFP",
    "Reuters",
    "Associated Press",
    "AP",
    "Pakistan Today",
    "Daily Times",
    "The Nation",
    "Geo News",
    "BBC",
    "Kashmir Observer",
    "Observer News Service",
    "CTC Sentinel",
)


@dataclass
class Document:
    """A source text as numbered lines, with what it says about itself.

    Attributes
    ----------
    name : str
        The file name or a label (used in ``source_id`` and ``source_ref``).
    lines : list of str
        The text's lines; boilerplate lines are blanked, so ``lines[n - 1]`` is line n.
    published : date or None
        Publication date, given or read from the text.
    published_precision : str
        ``day``, ``month`` or ``year``: how much of the publication date is known.
    outlet : str or None
    dateline : str or None
        The city of a dateline ("KARACHI: ..."), context for places.
    """

    name: str
    lines: list[str]
    published: dt.date | None = None
    published_precision: str = "day"
    outlet: str | None = None
    dateline: str | None = None
    dropped_lines: list[int] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The text with boilerplate blanked, lines joined by newlines."""
        return "\n".join(self.lines)


def _strip_boilerplate(lines: list[str]) -> tuple[list[str], list[int]]:
    kept, dropped = [], []
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped and any(p.search(stripped) for p in _BOILERPLATE):
            kept.append("")
            dropped.append(number)
        else:
            kept.append(line.rstrip())
    return kept, dropped


_DATELINE = re.compile(r"^\s*([A-Z][A-Z ]{2,20})(?:,\s*[A-Z][a-z]+ \d{1,2})?\s*[:—–-]\s+\S")
_PUBLISHED = re.compile(
    r"(?:published|posted|updated|dated)(?: on)?:?\s+"
    r"(?:(?P<d1>\d{1,2})\s+(?P<m1>[A-Za-z]+)\.?,?\s+(?P<y1>\d{4})"
    r"|(?P<m2>[A-Za-z]+)\.?\s+(?P<d2>\d{1,2}),?\s+(?P<y2>\d{4})"
    r"|(?P<iso>\d{4}-\d{2}-\d{2}))",
    re.I,
)


def find_published(lines: list[str]) -> dt.date | None:
    """Return the publication date the text states ("Published: 12 May 2015"), or None."""
    for line in lines[:15] + lines[-15:]:
        match = _PUBLISHED.search(line)
        if not match:
            continue
        try:
            if match.group("iso"):
                return dt.date.fromisoformat(match.group("iso"))
            day = match.group("d1") or match.group("d2")
            month = MONTHS.get((match.group("m1") or match.group("m2")).lower()[:3])
            year = match.group("y1") or match.group("y2")
            if month:
                return dt.date(int(year), month, int(day))
        except ValueError:
            continue
    return None


def find_outlet(lines: list[str]) -> str | None:
    """Return the outlet a text signs off or is bylined with ("—(Dawn)", "told AFP"), or None."""
    body = "\n".join(lines)
    for outlet in OUTLETS:
        escaped = re.escape(outlet)
        if re.search(rf"[—–-]\s*\(?{escaped}\)?\s*$|^\s*\(?{escaped}\)?\s*$", body, re.M):
            return outlet
    return None


def find_dateline(lines: list[str]) -> str | None:
    """Return the city of a news dateline ("KARACHI: Police said ..."), title-cased, or None."""
    for line in lines[:12]:
        match = _DATELINE.match(line)
        if match:
            return match.group(1).strip().title()
    return None


def from_text(
    text: str,
    name: str = "pasted text",
    published: dt.date | None = None,
    outlet: str | None = None,
) -> Document:
    """Return the :class:`Document` of plain text.

    Parameters
    ----------
    text : str
    name : str
        A file name or label.
    published : date, optional
        The publication date; read from the text when not given.
    outlet : str, optional
        The outlet; read from the text when not given.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    lines, dropped = _strip_boilerplate(text.split("\n"))
    return Document(
        name=name,
        lines=lines,
        published=published or find_published(lines),
        outlet=outlet or find_outlet(lines),
        dateline=find_dateline(lines),
        dropped_lines=dropped,
    )


class _TextOfHtml(HTMLParser):
    """Collect the text of an HTML page, a line per block, without scripts, menus or footers."""

    SKIP = {"script", "style", "nav", "footer", "header", "aside", "form", "noscript", "svg"}
    BLOCKS = {
        "p",
        "div",
        "br",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "article",
        "section",
    }

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Return the readable text of an HTML page: one line per paragraph, no scripts or menus."""
    parser = _TextOfHtml()
    parser.feed(markup)
    parser.close()
    text = html.unescape("".join(parser.parts))
    lines = [" ".join(line.split()) for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip("\n")


def read_text(path: str | Path, published=None, outlet=None) -> Document:
    """Read a ``.txt`` file (UTF-8, or Windows-1252 when it is not)."""
    path = Path(path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return from_text(text, path.name, published, outlet)


def read_html(path: str | Path, published=None, outlet=None) -> Document:
    """Read an ``.html`` file, boilerplate (scripts, menus, footers) stripped."""
    path = Path(path)
    return from_text(
        html_to_text(path.read_bytes().decode("utf-8", "replace")), path.name, published, outlet
    )


def pdf_to_text(data: bytes, name: str = "file.pdf") -> str:
    """Return the text of a PDF's pages, a blank line between pages."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        return "\n\n".join((page.extract_text() or "") for page in reader.pages)
    except (PdfReadError, ValueError, KeyError) as error:
        raise ReaderInputError(
            name, f"the PDF cannot be read ({error}).", "Save it again as PDF or paste its text."
        ) from error


def read_pdf(path: str | Path, published=None, outlet=None) -> Document:
    """Read a ``.pdf`` file's text layer (scanned images without text are not read)."""
    path = Path(path)
    return from_text(pdf_to_text(path.read_bytes(), path.name), path.name, published, outlet)


def read_bytes(data: bytes, name: str, published=None, outlet=None) -> Document:
    """Read an uploaded file by its extension (``.txt``, ``.html``/``.htm``, ``.pdf``)."""
    suffix = Path(name).suffix.lower()
    if suffix == ".pdf":
        return from_text(pdf_to_text(data, name), name, published, outlet)
    text = data.decode("utf-8-sig", errors="replace")
    if suffix in (".html", ".htm"):
        return from_text(html_to_text(text), name, published, outlet)
    if suffix in (".txt", ".text", ""):
        return from_text(text, name, published, outlet)
    raise ReaderInputError(
        name, f"files ending {suffix} cannot be read.", "Upload a .txt, .html or .pdf file."
    )


def read_file(path: str | Path, published=None, outlet=None) -> Document:
    """Read a file by its extension; see :func:`read_bytes`."""
    path = Path(path)
    return read_bytes(path.read_bytes(), path.name, published, outlet)
