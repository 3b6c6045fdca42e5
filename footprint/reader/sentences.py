"""Split a :class:`~footprint.reader.document.Document` into sentences that know their lines.

A paragraph is a run of non-empty lines (wrapped lines of one paragraph are
joined). Sentences end at ``.``, ``!`` or ``?`` (with any closing quote)
followed by a capital, a digit or an opening quote, except after the
abbreviations in :data:`ABBREVIATIONS`. Each sentence keeps its first and
last line numbers: they are the evidence of every field read from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from footprint.reader.document import Document

#: Words that end in a full stop without ending a sentence.
ABBREVIATIONS = frozenset(
    "mr mrs ms dr st no gen lt col maj capt sgt insp supt jan feb mar apr aug sept sep oct nov dec "
    "u.s u.k e.g i.e vs etc inc co ltd jr sr prof rev gov sen rep".split()
)

_END = re.compile(r"[.!?][\"”’')\]⁰¹²³⁴⁵⁶⁷⁸⁹]*\s+(?=[\"“‘(]?[A-Z0-9])")


@dataclass(frozen=True)
class Sentence:
    """One sentence of a document.

    Attributes
    ----------
    index : int
        Position in the document (0-based).
    text : str
    first_line, last_line : int
        1-based line numbers in the source.
    paragraph : int
        Index of its paragraph.
    """

    index: int
    text: str
    first_line: int
    last_line: int
    paragraph: int

    @property
    def lines(self) -> str:
        """``first-last`` as written in ``source_ref``."""
        return f"{self.first_line}-{self.last_line}"


def paragraphs(document: Document) -> list[tuple[str, list[tuple[int, int]]]]:
    """Return each paragraph's text and its (offset, line number) starts."""
    found: list[tuple[str, list[tuple[int, int]]]] = []
    text, starts = "", []
    for number, line in enumerate(document.lines, start=1):
        stripped = " ".join(line.split())
        if not stripped:
            if text:
                found.append((text, starts))
            text, starts = "", []
            continue
        if text:
            text += " "
        starts.append((len(text), number))
        text += stripped
    if text:
        found.append((text, starts))
    return found


def _line_at(starts: list[tuple[int, int]], offset: int) -> int:
    line = starts[0][1]
    for start, number in starts:
        if start <= offset:
            line = number
        else:
            break
    return line


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return (start, end) offsets of the sentences of one paragraph."""
    spans, start = [], 0
    for match in _END.finditer(text):
        before = text[start : match.start() + 1]
        last_word = re.findall(r"[\w.]+$", before[:-1])
        word = last_word[0].lower().rstrip(".") if last_word else ""
        if text[match.start()] == "." and (
            word in ABBREVIATIONS or (len(word) == 1 and word.isalpha()) or "." in word
        ):
            continue
        spans.append((start, match.end()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def sentences(document: Document) -> list[Sentence]:
    """Return the document's sentences in order, each with its line numbers."""
    found: list[Sentence] = []
    for number, (text, starts) in enumerate(paragraphs(document)):
        for start, end in split_sentences(text):
            body = text[start:end].strip()
            if not body:
                continue
            found.append(
                Sentence(
                    index=len(found),
                    text=body,
                    first_line=_line_at(starts, start),
                    last_line=_line_at(starts, max(start, end - 2)),
                    paragraph=number,
                )
            )
    return found
