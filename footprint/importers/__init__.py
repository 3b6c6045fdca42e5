"""The upload pipeline: recognise, read, check, geocode, de-duplicate and store event files.

One pipeline (:mod:`footprint.importers.pipeline`) serves the upload page and
``python -m footprint import``:

1. :mod:`textio` decodes the bytes and parses the CSV, keeping each row's line;
2. :mod:`formats` recognises the format from the header (or a saved
   :mod:`mapping`), and a reader per format (:mod:`footprint_csv`,
   :mod:`acled`, :mod:`gtd`, :mod:`ucdp`, :mod:`pbc`) maps the rows onto the
   events contract;
3. :mod:`checks` finds problems, each naming row, column, value and fix;
4. :mod:`geocoding` places rows without coordinates and rows stacked on a
   city centre whose text names a finer place;
5. :mod:`dedupe` finds probable duplicates in the file and in the store;
6. after the analyst confirms, the rows are stored as one batch in one
   transaction.
"""
