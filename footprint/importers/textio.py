"""Read an uploaded CSV's bytes into a header and rows, whatever wrote it.

Event files come from Excel, R, QGIS and web exports, so this module accepts:

- encodings UTF-8, UTF-8 with a byte-order mark (Excel's "CSV UTF-8"),
  UTF-16 with a byte-order mark (Excel's "Unicode text") and Windows-1252
  (Excel's plain "CSV" on Windows; the Pakistan Body Count file). Bytes that
  Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) become U+FFFD
  and are reported as a warning naming their lines, never dropped silently;
- separators comma, semicolon (European Excel), tab and pipe, sniffed from
  the header and the first rows, or named by Excel's ``sep=;`` first line;
- Excel quoting: values in double quotes, ``""`` for a quote, line breaks
  (``\\n`` or a lone ``\\r``) inside quoted values;
- a row of HXL hashtags (``#date+year,#geo+lat,...``) under the header, as in
  the Humanitarian Data Exchange extracts, which is skipped;
- blank rows (Excel leaves ``,,,,`` rows at the end), which are skipped.

Every row keeps the 1-based line of the file it starts on, counted in
``\\n`` line breaks as a text editor shows them, so that problems can name it.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pandas as pd

from footprint.importers.checks import ImportRefused, Problem

SEPARATORS = (",", ";", "\t", "|")
SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}

csv.field_size_limit(1 << 24)


@dataclass
class RawTable:
    """A CSV file's header and rows as text, with where each row came from.

    Attributes
    ----------
    header : list of str
        Column names, stripped; unnamed columns become ``column_<n>`` and a
        repeated name gets ``.2``, ``.3``...
    rows : list of list of str
        The data rows, each exactly as long as the header.
    lines : list of int
        For each row, the 1-based file line it starts on.
    encoding : str
        ``utf-8``, ``utf-8-sig``, ``utf-16`` or ``windows-1252``.
    separator : str
        The field separator used.
    problems : list of Problem
        What was noticed while reading (replaced bytes, rows with too many or
        too few values, the skipped HXL row).
    hxl_tags : list of str or None
        The HXL hashtag row when there was one.
    """

    header: list[str]
    rows: list[list[str]]
    lines: list[int]
    encoding: str
    separator: str
    problems: list[Problem] = field(default_factory=list)
    hxl_tags: list[str] | None = None
    blank_rows: int = 0

    def frame(self) -> pd.DataFrame:
        """Return the rows as a frame of strings with a ``_line`` column."""
        frame = pd.DataFrame(self.rows, columns=self.header, dtype=object)
        frame["_line"] = self.lines
        return frame

    def records(self) -> list[dict[str, str]]:
        """Return the rows as dicts keyed by header name."""
        header = self.header
        return [dict(zip(header, row, strict=True)) for row in self.rows]


def decode(data: bytes) -> tuple[str, str, list[Problem]]:
    """Decode a file's bytes, trying UTF-8 first and Windows-1252 last.

    Returns
    -------
    (text, encoding, problems)
        The text without any byte-order mark, the encoding used and a warning
        for each line where undefined Windows-1252 bytes were replaced.
    """
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data, "utf-8-sig"), "utf-8-sig", []
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16"), "utf-16", []
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    text = data.decode("cp1252", errors="replace")
    problems = []
    if "\ufffd" in text:
        lines, start = [], text.find("\ufffd")
        while start != -1:
            lines.append(text.count("\n", 0, start) + 1)
            start = text.find("\ufffd", start + 1)
        lines = sorted(set(lines))
        problems.append(
            Problem(
                row=lines[0],
                column=None,
                value=None,
                problem=(
                    f"The file is not UTF-8, so it was read as Windows-1252; "
                    f"{text.count(chr(0xFFFD))} byte(s) on line(s) "
                    f"{', '.join(map(str, lines[:20]))} have no meaning there and became '\ufffd'."
                ),
                fix="Nothing blocks the upload. To keep those characters, save the file as "
                "'CSV UTF-8' and upload it again.",
                severity="warning",
            )
        )
    return text, "windows-1252", problems


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportRefused(
            f"The file starts with a {encoding} byte-order mark but line {line} is not "
            f"valid {encoding}.",
            "Save the file again from your spreadsheet as 'CSV UTF-8' and upload that.",
        ) from error


def _count_outside_quotes(line: str, separator: str) -> int:
    count, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == separator and not quoted:
            count += 1
    return count


def sniff_separator(lines: list[str]) -> str:
    """Return the separator that splits the header and the first rows evenly.

    The header decides: the candidate found there most often wins, and ties
    go to the one whose count per line varies least over the first rows.
    """
    header = lines[0]
    sample = [line for line in lines[1:20] if line.strip()]
    best, best_key = ",", (-1, 0)
    for separator in SEPARATORS:
        count = _count_outside_quotes(header, separator)
        if count == 0:
            continue
        agreeing = sum(_count_outside_quotes(line, separator) == count for line in sample)
        key = (count, agreeing)
        if key > best_key:
            best, best_key = separator, key
    return best


def _lines(text: str, start: int = 0) -> Iterator[str]:
    """Yield the text's lines from offset ``start``, each ending in ``\\n``.

    Only ``\\n`` ends a line (a lone ``\\r`` stays inside it, as in the line
    numbers a text editor shows). A generator, not ``str.split``: a 200 MB
    upload is not copied into a million line strings at once.
    """
    find = text.find
    size = len(text)
    while start < size:
        end = find("\n", start)
        if end == -1:
            yield text[start:] + "\n"
            return
        yield text[start : end + 1]
        start = end + 1


@dataclass
class TableStream:
    """A CSV file decoded, with its header read, whose rows are parsed a chunk at a time.

    :func:`open_table` makes one; :meth:`chunks` yields :class:`RawTable`
    chunks of at most ``rows`` data rows (each with the problems found in its
    rows, and the lines its rows start on), so a large upload never holds all
    its rows as text at once. :meth:`read_all` gives the whole table.

    Attributes
    ----------
    header : list of str
    encoding, separator : str
    problems : list of Problem
        Problems of the file as a whole (encoding, repeated header columns).
    """

    header: list[str]
    encoding: str
    separator: str
    problems: list[Problem]
    file_name: str
    text: str = field(repr=False)
    #: Offset in ``text`` of the header line, and its 0-based line index.
    offset: int = 0
    first: int = 0

    def chunks(self, rows: int = 100_000) -> Iterator[RawTable]:
        """Yield the data rows as :class:`RawTable` chunks of at most ``rows`` rows.

        The HXL row (only ever the first data row) is skipped with a warning in
        the first chunk's problems; blank rows are counted in ``blank_rows``.

        Raises
        ------
        ImportRefused
            When a line cannot be parsed as CSV (raised by the chunk that holds it).
        """
        first, separator, header = self.first, self.separator, self.header
        reader = csv.reader(_lines(self.text, self.offset), delimiter=separator)
        header_line = first + 1
        width = len(header)
        chunk = self._empty()
        previous_end = first
        seen_first_row = False
        try:
            next(reader)  # the header, read already
            previous_end = first + reader.line_num
            for values in reader:
                line = previous_end + 1
                previous_end = first + reader.line_num
                if not seen_first_row:
                    seen_first_row = True
                    if _is_hxl(values):
                        chunk.hxl_tags = values
                        chunk.problems.append(
                            Problem(
                                row=line,
                                column=None,
                                value=",".join(v for v in values if v)[:80],
                                problem="This row holds HXL hashtags (as in HDX extracts), "
                                "not an event.",
                                fix="Nothing to do: the row is skipped.",
                                severity="warning",
                            )
                        )
                        continue
                if not (values and values[0].strip()) and not any(v.strip() for v in values):
                    chunk.blank_rows += 1
                    continue
                if len(values) != width:
                    extra = [v for v in values[width:] if v.strip()]
                    if len(values) < width or extra:
                        chunk.problems.append(
                            Problem(
                                row=line,
                                column=None,
                                value=f"{len(values)} values",
                                problem=(
                                    f"The row has {len(values)} values but the header (line "
                                    f"{header_line}) has {width} columns."
                                ),
                                fix=(
                                    "Put values that contain a "
                                    f"{SEPARATOR_NAMES.get(separator, separator)}"
                                    " in double quotes, or add the missing values, so every row "
                                    f"has {width}."
                                ),
                                severity="error",
                            )
                        )
                    values = (values + [""] * width)[:width]
                chunk.rows.append(values)
                chunk.lines.append(line)
                if len(chunk.rows) >= rows:
                    yield chunk
                    chunk = self._empty()
        except csv.Error as error:
            raise ImportRefused(
                f"{self.file_name} line {first + reader.line_num}: the CSV cannot be read "
                f"({error}).",
                "Check the quotes on that line: a value with a separator or line break in it "
                'must be in double quotes, and a quote inside such a value is written twice ("").',
            ) from error
        if chunk.rows or chunk.problems or chunk.blank_rows or chunk.hxl_tags:
            yield chunk

    def _empty(self) -> RawTable:
        return RawTable(
            header=self.header,
            rows=[],
            lines=[],
            encoding=self.encoding,
            separator=self.separator,
        )

    def may_contain(self, pattern: re.Pattern) -> bool:
        """False when no cell of the file can hold text ``pattern`` matches (one regex search).

        A separator that ``pattern`` could itself match makes the answer True.
        """
        if pattern.search(self.separator):
            return True
        return pattern.search(self.text) is not None

    def column(self, name: str) -> _Column:
        """The cells of one column, parsed again from the text when iterated."""
        return _Column(self, self.header.index(name))

    @property
    def rows(self) -> Iterator[list[str]]:
        """Every data row, parsed again from the text (for a look over a whole column)."""
        for chunk in self.chunks():
            yield from chunk.rows

    def read_all(self) -> RawTable:
        """Return the whole file as one :class:`RawTable`."""
        table = self._empty()
        table.problems = list(self.problems)
        for chunk in self.chunks(rows=1 << 62):
            table.rows, table.lines = chunk.rows, chunk.lines
            table.problems += chunk.problems
            table.blank_rows, table.hxl_tags = chunk.blank_rows, chunk.hxl_tags
        return table


class _Column:
    """One column's cells of a :class:`TableStream`; iterating parses the file again."""

    def __init__(self, stream: TableStream, index: int):
        self.stream, self.index = stream, index

    def may_contain(self, pattern: re.Pattern) -> bool:
        """See :meth:`TableStream.may_contain`."""
        return self.stream.may_contain(pattern)

    def __iter__(self) -> Iterator[str]:
        index = self.index
        for row in self.stream.rows:
            yield row[index]


def open_table(data: bytes, file_name: str = "upload.csv") -> TableStream:
    """Decode a CSV file's bytes, find its separator and read its header.

    Parameters
    ----------
    data : bytes
        The file as uploaded.
    file_name : str
        Used in messages only.

    Returns
    -------
    TableStream
        Its rows are parsed when :meth:`TableStream.chunks` is iterated.

    Raises
    ------
    ImportRefused
        When the file is empty, has no header or its header cannot be parsed.
    """
    if not data or not data.strip():
        raise ImportRefused(
            f"{file_name} is empty.", "Upload a CSV file with a header row and at least one event."
        )
    if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ImportRefused(
            f"{file_name} is an Excel workbook, not a CSV file.",
            "In Excel choose File > Save As > 'CSV UTF-8 (comma delimited)' and upload that file.",
        )
    text, encoding, problems = decode(data)
    if "\x00" in text:
        raise ImportRefused(
            f"{file_name} contains NUL bytes: it is not a text CSV file.",
            "Export the data as CSV (UTF-8) and upload that file.",
        )
    if "\n" not in text and "\r" in text:
        text = text.replace("\r", "\n")  # classic Mac line endings
    opening = [line[:-1] for line in itertools.islice(_lines(text), 22)]
    first, offset = 0, 0
    separator = None
    if opening and opening[0].strip().lower().startswith("sep=") and len(opening[0].strip()) == 5:
        separator = opening[0].strip()[4]
        first, offset = 1, len(opening[0]) + 1
    if first >= len(opening) or not opening[first].strip():
        raise ImportRefused(
            f"{file_name} has no header row on line {first + 1}.",
            "Put the column names on the first line of the file.",
        )
    if separator is None:
        separator = sniff_separator(opening[first:])
    reader = csv.reader(_lines(text, offset), delimiter=separator)
    try:
        values = next(reader, None)
    except csv.Error as error:
        raise ImportRefused(
            f"{file_name} line {first + reader.line_num}: the CSV cannot be read ({error}).",
            "Check the quotes on that line: a value with a separator or line break in it must be "
            'in double quotes, and a quote inside such a value is written twice ("").',
        ) from error
    if values is None:
        raise ImportRefused(f"{file_name} has no header row.", "Put the column names on line 1.")
    header = _clean_header(values)
    header_line = first + 1
    for original, renamed in _repeated_columns(values, header):
        problems.append(
            Problem(
                row=header_line,
                column=original,
                value=renamed,
                problem=(
                    f"The header names the column {original!r} more than once; the first one is "
                    f"read, and the repeat is kept as {renamed!r}, which no format reads."
                ),
                fix="Rename or delete the repeated column so each name appears once.",
                severity="warning",
            )
        )
    return TableStream(
        header=header,
        encoding=encoding,
        separator=separator,
        problems=problems,
        file_name=file_name,
        text=text,
        offset=offset,
        first=first,
    )


def read_table(data: bytes, file_name: str = "upload.csv") -> RawTable:
    """Decode, sniff and parse a CSV file's bytes, all rows at once.

    Parameters
    ----------
    data : bytes
        The file as uploaded.
    file_name : str
        Used in messages only.

    Returns
    -------
    RawTable

    Raises
    ------
    ImportRefused
        When the file is empty, has no header or cannot be parsed as CSV.
    """
    return open_table(data, file_name).read_all()


def _repeated_columns(values: list[str], header: list[str]) -> list[tuple[str, str]]:
    """``(name as written, name given)`` for each repeated header column."""
    return [
        (value.replace("\ufeff", "").strip(), name)
        for value, name in zip(values, header, strict=True)
        if value.replace("\ufeff", "").strip() and name != value.replace("\ufeff", "").strip()
    ]


def _clean_header(values: list[str]) -> list[str]:
    header, seen = [], {}
    for index, value in enumerate(values, start=1):
        name = value.replace("\ufeff", "").strip() or f"column_{index}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 1
        header.append(name)
    return header


def _is_hxl(values: list[str]) -> bool:
    filled = [value.strip() for value in values if value.strip()]
    return bool(filled) and all(value.startswith("#") for value in filled)
