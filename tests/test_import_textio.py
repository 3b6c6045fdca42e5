"""Reading uploaded CSV bytes: encodings, separators, Excel quoting, HXL rows, line numbers."""

from __future__ import annotations

import codecs

import pytest

from footprint.importers import textio
from footprint.importers.checks import ImportRefused


def test_utf8_comma():
    table = textio.read_table(b"a,b\n1,2\n3,4\n")
    assert table.header == ["a", "b"]
    assert table.rows == [["1", "2"], ["3", "4"]]
    assert table.lines == [2, 3]
    assert table.encoding == "utf-8"
    assert table.separator == ","


def test_utf8_with_bom_is_stripped_from_the_header():
    table = textio.read_table(codecs.BOM_UTF8 + "event_date,city\n2015-05-13,Kärachi\n".encode())
    assert table.header == ["event_date", "city"]
    assert table.rows[0][1] == "Kärachi"
    assert table.encoding == "utf-8-sig"


def test_utf16_with_bom_tab_separated():
    data = "a\tb\r\n1\tQuetta\r\n".encode("utf-16")
    table = textio.read_table(data)
    assert table.encoding == "utf-16"
    assert table.separator == "\t"
    assert table.rows == [["1", "Quetta"]]


def test_windows_1252_and_undefined_bytes_are_reported_by_line():
    data = (
        "city,place\nKarachi,Caf\u00e9 \u2013 Saddar\n".encode("cp1252")
        + b"Quetta,Razmak\x90s area\n"
    )
    table = textio.read_table(data)
    assert table.encoding == "windows-1252"
    assert table.rows[0][1] == "Caf\u00e9 \u2013 Saddar"
    assert table.rows[1][1] == "Razmak\ufffds area"
    (warning,) = table.problems
    assert warning.severity == "warning"
    assert warning.row == 3
    assert "Windows-1252" in warning.problem and "line(s) 3" in warning.problem


@pytest.mark.parametrize(
    ("text", "separator"),
    [
        ("a;b;c\n1;2,5;3\n", ";"),
        ("a\tb\tc\n1\t2\t3\n", "\t"),
        ("a|b|c\n1|2|3\n", "|"),
        ('a,b,c\n"1;2",2,3\n', ","),
    ],
)
def test_separator_is_sniffed(text, separator):
    table = textio.read_table(text.encode())
    assert table.separator == separator
    assert len(table.header) == 3
    assert all(len(row) == 3 for row in table.rows)


def test_excel_sep_line_names_the_separator():
    table = textio.read_table(b"sep=;\na;b\n1;2\n")
    assert table.separator == ";"
    assert table.header == ["a", "b"]
    assert table.lines == [3]


def test_excel_quoting_line_breaks_and_doubled_quotes():
    data = b'id,text,n\r\n1,"first line\r\nsecond, with comma",2\r\n2,"say ""hi""",3\r\n3,"old mac\rbreak",4\r\n'
    table = textio.read_table(data)
    assert table.rows[0][1] == "first line\r\nsecond, with comma"
    assert table.rows[1][1] == 'say "hi"'
    assert table.rows[2][1] == "old mac\rbreak"
    # the second record starts on line 4: the first spans lines 2-3
    assert table.lines == [2, 4, 5]


def test_classic_mac_line_endings():
    table = textio.read_table(b"a,b\r1,2\r3,4\r")
    assert table.rows == [["1", "2"], ["3", "4"]]


def test_hxl_row_is_skipped_and_lines_keep_counting():
    data = b"id,year,side_a\n,#date+year,#group+name+first\n1,1990,TTP\n"
    table = textio.read_table(data)
    assert table.hxl_tags == ["", "#date+year", "#group+name+first"]
    assert table.rows == [["1", "1990", "TTP"]]
    assert table.lines == [3]
    assert any("HXL" in p.problem and p.row == 2 for p in table.problems)


def test_blank_rows_are_skipped():
    table = textio.read_table(b"a,b\n1,2\n,\n\n3,4\n,,\n")
    assert table.rows == [["1", "2"], ["3", "4"]]
    assert table.lines == [2, 5]


def test_rows_with_too_many_or_too_few_values_are_errors():
    table = textio.read_table(b"a,b,c\n1,2\n1,2,3,4\n1,2,3,\n")
    errors = [p for p in table.problems if p.severity == "error"]
    assert [p.row for p in errors] == [2, 3]
    assert "2 values but the header (line 1) has 3 columns" in errors[0].problem
    assert "double quotes" in errors[0].fix
    assert all(len(row) == 3 for row in table.rows)


def test_header_names_are_cleaned_and_made_unique():
    table = textio.read_table(b" a ,,a\n1,2,3\n")
    assert table.header == ["a", "column_2", "a.2"]


@pytest.mark.parametrize(
    ("data", "phrase"),
    [
        (b"", "is empty"),
        (b"  \n\n", "is empty"),
        (b"PK\x03\x04rest-of-a-zip", "Excel workbook"),
        (b"a,b\n1,\x002\n", "NUL bytes"),
    ],
)
def test_unreadable_files_are_refused(data, phrase):
    with pytest.raises(ImportRefused) as refused:
        textio.read_table(data, "x.csv")
    assert phrase in refused.value.problem
    assert refused.value.fix


def test_frame_and_records():
    table = textio.read_table(b"a,b\n1,2\n")
    assert table.records() == [{"a": "1", "b": "2"}]
    frame = table.frame()
    assert list(frame.columns) == ["a", "b", "_line"]
    assert frame["_line"].tolist() == [2]
