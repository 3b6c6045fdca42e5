"""The geocoder's input errors: exceptions that name what is wrong and how to fix it."""

from __future__ import annotations


class GeocodeInputError(ValueError):
    """An input to the geocoder (a column, a list, a context) cannot be used.

    Parameters
    ----------
    column : str
        The input at fault (a CSV column, ``contexts``, ``context``).
    value : object
        The value given.
    fix : str
        What to give instead.
    """

    def __init__(self, column: str, value: object, fix: str):
        self.column = column
        self.value = value
        self.fix = fix
        super().__init__(f"{column}: {value!r}. {fix}")


class ContextError(GeocodeInputError):
    """A ``context`` argument has a form the geocoder cannot use.

    Parameters
    ----------
    column : str
        ``"context"`` or the offending key of a context dict.
    value : object
        The value given.
    fix : str
        What to pass instead.
    """

    def __init__(self, column: str, value: object, fix: str):
        super().__init__(column, value, fix)
        self.args = (f"{column}: {value!r} is not a usable context. {fix}",)
