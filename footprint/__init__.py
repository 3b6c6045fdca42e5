"""Footprint: a geocoded atlas of militant attacks in Karachi and Balochistan.

The core package holds the events table's contract (:mod:`footprint.data.schema`),
the store (:mod:`footprint.data.store`), filters, importers and exports. Nothing in
it imports streamlit, so all of it is testable without a browser.
"""

__version__ = "0.1.0"
