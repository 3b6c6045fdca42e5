"""The data layer: the events table's contract, the store and the questions pages ask.

Modules import one way: :mod:`~footprint.data.schema` (the contract) first,
then :mod:`~footprint.data.store` (SQLAlchemy, the store of record) and the
query side (:mod:`~footprint.data.filters`). Nothing here imports the
geocoder, the importers, the views or streamlit.
"""
