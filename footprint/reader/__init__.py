"""The text reader: a news report in, candidate events for an analyst to review out.

Stages, each a module that can be used and tested alone:

- :mod:`~footprint.reader.document`: ``.txt``/``.html``/``.pdf`` to numbered lines,
  boilerplate stripped, publication date, outlet and dateline read from the text;
- :mod:`~footprint.reader.sentences`: sentences that know their line numbers;
- extractors: :mod:`~footprint.reader.events` (event and attack types, negation,
  threats), :mod:`~footprint.reader.dates`, :mod:`~footprint.reader.places`
  (the geocoder), :mod:`~footprint.reader.groups` (groups and links),
  :mod:`~footprint.reader.casualties`, :mod:`~footprint.reader.targets`;
- :mod:`~footprint.reader.candidates`: mentions merged into candidates;
- :mod:`~footprint.reader.rows`: candidates to template rows with evidence and
  confidence columns.

No model is downloaded: the reader is rules and lexicons (the gazetteer and
``data/groups.csv``) over a regular-expression tokenizer. See docs/extraction.md.
"""

from footprint.reader.candidates import Candidate, read_document
from footprint.reader.document import Document, ReaderInputError, from_text, read_bytes, read_file
from footprint.reader.rows import EXTRA_COLUMNS, candidates_frame, extract

__all__ = [
    "EXTRA_COLUMNS",
    "Candidate",
    "Document",
    "ReaderInputError",
    "candidates_frame",
    "extract",
    "from_text",
    "read_bytes",
    "read_document",
    "read_file",
]
