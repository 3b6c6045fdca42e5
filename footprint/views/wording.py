"""Shared wording for the pages: counts with the right plural, empty-state messages."""

from __future__ import annotations

#: Irregular plurals of the nouns the pages count.
PLURALS: dict[str, str] = {"casualty": "casualties", "neighbourhood": "neighbourhoods"}


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """Return ``count`` with its noun in the right number: ``1 event``, ``2 events``.

    Parameters
    ----------
    count : int
        How many (printed with thousands separators).
    noun : str
        The singular noun.
    plural_form : str, optional
        The plural when it is not ``noun + "s"`` (or listed in :data:`PLURALS`).
    """
    count = int(count)
    word = noun if count == 1 else (plural_form or PLURALS.get(noun) or f"{noun}s")
    return f"{count:,} {word}"


NO_MATCH = "No events match the filters."
