"""View builders: the map, charts, cards and briefing built from query results.

Pure functions that return pydeck decks, Altair charts and escaped HTML;
pages render them. Nothing here imports streamlit, so every view is
testable on its own.
"""
