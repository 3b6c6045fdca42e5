"""The gazetteer geocoder: place text in, a gazetteer place with coordinates out.

It works in stages, each a module that can be used and tested alone:

- :mod:`geocode.gazetteer`: load ``data/gazetteer.csv`` into places and a key index;
- :mod:`geocode.normalise`: text to comparison keys, rules in ``data/normalisation.csv``;
- :mod:`geocode.match`: candidates from exact, alias and fuzzy matches of spans;
- :mod:`geocode.rank`: context, coherence and specificity decide between them;
- :mod:`geocode.result`: :class:`GeocodeResult` and the precision of a match;
- :mod:`geocode.reverse`: a point's town, district, province and neighbourhood;
- :mod:`geocode.cli`: ``python -m footprint geocode``;
- :mod:`geocode.errors`: the input errors, with the field at fault and the fix.

Typical use::

    from geocode import Geocoder
    geocoder = Geocoder.default()
    geocoder.geocode("near Rimpa Plaza on MA Jinnah Road").name   # 'Rimpa Plaza'
    geocoder.geocode("Kiamaree", context="Karachi").name           # 'Kiamari'
    geocoder.geocode("Gulberg, Lahore").resolved                   # False
    geocoder.reverse(24.858, 67.024).town                          # 'Saddar Town'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from functools import lru_cache

from geocode.errors import ContextError, GeocodeInputError
from geocode.gazetteer import Gazetteer, GazetteerError, Place
from geocode.match import DEFAULT_FUZZY_THRESHOLD, Candidate, Matcher
from geocode.normalise import Normaliser
from geocode.rank import Ranked, rank, resolve_context
from geocode.result import GeocodeResult, build_result, unresolved
from geocode.reverse import DEFAULT_MAX_DISTANCE_KM, ReverseGeocoder, ReverseResult

__all__ = [
    "Candidate",
    "ContextError",
    "GeocodeInputError",
    "GeocodeResult",
    "Gazetteer",
    "GazetteerError",
    "Geocoder",
    "Normaliser",
    "Place",
    "ReverseGeocoder",
    "ReverseResult",
]

#: Default size of the (normalised text, context) result cache.
DEFAULT_CACHE_SIZE = 100_000


class Geocoder:
    """Geocode place text against a gazetteer, forward and reverse.

    Parameters
    ----------
    gazetteer : Gazetteer
    fuzzy_threshold : float or None
        Minimum rapidfuzz score (0-100) of a fuzzy match; None turns fuzzy off.
    cache_size : int
        Results cached per (normalised text, context); 0 turns the cache off.
    max_distance_km : float
        Default neighbourhood distance limit of :meth:`reverse`.
    boundaries_dir : str or Path, optional
        The prepared boundary files for :meth:`reverse`.
    """

    def __init__(
        self,
        gazetteer: Gazetteer,
        fuzzy_threshold: float | None = DEFAULT_FUZZY_THRESHOLD,
        cache_size: int = DEFAULT_CACHE_SIZE,
        max_distance_km: float = DEFAULT_MAX_DISTANCE_KM,
        boundaries_dir=None,
    ):
        self.gazetteer = gazetteer
        self.normaliser = gazetteer.normaliser
        self.matcher = Matcher(gazetteer, fuzzy_threshold=fuzzy_threshold)
        self.max_distance_km = max_distance_km
        self.boundaries_dir = boundaries_dir
        self._reverse: ReverseGeocoder | None = None
        if cache_size and cache_size > 0:
            self._resolve = lru_cache(maxsize=cache_size)(self._resolve_uncached)
        else:
            self._resolve = self._resolve_uncached

    @classmethod
    def default(cls) -> Geocoder:
        """Return a geocoder on ``data/gazetteer.csv`` (one per process and file version)."""
        gazetteer = Gazetteer.default()
        return _default_geocoder(gazetteer)

    # --- forward ----------------------------------------------------------

    def geocode(self, text: object, context: str | dict | None = None) -> GeocodeResult:
        """Geocode one place description.

        Parameters
        ----------
        text : str
            ``"Rimpa Plaza, Karachi"``, ``"near Pakistan Chowk"``; None, NaN
            and empty text give an unresolved result.
        context : str or dict, optional
            A city, district, town or province name that narrows the search
            (``"Quetta"``), or a dict with any of ``town``, ``district``,
            ``city``, ``province``.

        Returns
        -------
        GeocodeResult
            ``resolved=False`` with no coordinates when nothing matched.

        Raises
        ------
        ContextError
            When ``context`` is neither a string, a dict nor None, or a dict key
            is unknown.
        """
        query = "" if text is None or (isinstance(text, float) and text != text) else str(text)
        key = self.normaliser.normalise(query)
        result = self._resolve(key, _context_key(context))
        return result if result.query == query else replace(result, query=query)

    def geocode_many(
        self,
        texts: Iterable[object],
        contexts: str | dict | Sequence[str | dict | None] | None = None,
    ) -> list[GeocodeResult]:
        """Geocode many texts; repeated (text, context) pairs are answered from the cache.

        Parameters
        ----------
        texts : iterable
            Place descriptions.
        contexts : str, dict, or sequence of them, optional
            One context for all texts, or one per text (same length).

        Returns
        -------
        list of GeocodeResult
            One per text, in order.

        Raises
        ------
        GeocodeInputError
            When ``contexts`` is a sequence of another length than ``texts``.
        """
        texts = list(texts)
        if contexts is None or isinstance(contexts, str | dict):
            per_text = [contexts] * len(texts)
        else:
            per_text = list(contexts)
            if len(per_text) != len(texts):
                raise GeocodeInputError(
                    "contexts",
                    f"{len(per_text)} contexts",
                    f"Give one context for all texts or exactly one per text ({len(texts)}).",
                )
        return [self.geocode(text, context) for text, context in zip(texts, per_text, strict=True)]

    def candidates(self, text: object, context: str | dict | None = None) -> list[Ranked]:
        """Return every ranked candidate for ``text`` (for inspection and debugging)."""
        resolved_context = resolve_context(_context_value(_context_key(context)), self.gazetteer)
        return rank(self.matcher.candidates(text), self.gazetteer, resolved_context)

    def _resolve_uncached(self, key: str, context_key) -> GeocodeResult:
        if not key:
            return unresolved("")
        context = resolve_context(_context_value(context_key), self.gazetteer)
        matches = self.matcher.match(key.split())
        ranked = rank(matches.candidates, self.gazetteer, context)
        return build_result(key, ranked, self.gazetteer, matches.elsewhere)

    def cache_info(self):
        """Return the result cache's statistics (``functools`` form), or None when off."""
        info = getattr(self._resolve, "cache_info", None)
        return info() if info else None

    def cache_clear(self) -> None:
        """Empty the result cache."""
        clear = getattr(self._resolve, "cache_clear", None)
        if clear:
            clear()

    # --- reverse ----------------------------------------------------------

    @property
    def reverse_geocoder(self) -> ReverseGeocoder:
        """The :class:`ReverseGeocoder` on this gazetteer (built on first use)."""
        if self._reverse is None:
            self._reverse = ReverseGeocoder(
                self.gazetteer, self.boundaries_dir, max_distance_km=self.max_distance_km
            )
        return self._reverse

    def reverse(
        self, latitude: float, longitude: float, max_distance_km: float | None = None
    ) -> ReverseResult:
        """Return the town, district, province and nearest neighbourhood of a point."""
        return self.reverse_geocoder.reverse(latitude, longitude, max_distance_km)

    def reverse_many(
        self, latitudes, longitudes, max_distance_km: float | None = None
    ) -> list[ReverseResult]:
        """Reverse-geocode many points at once; see :meth:`ReverseGeocoder.reverse_many`."""
        return self.reverse_geocoder.reverse_many(latitudes, longitudes, max_distance_km)

    def reverse_columns(self, latitudes, longitudes, max_distance_km: float | None = None) -> dict:
        """Reverse-geocode many points as columns; see :meth:`ReverseGeocoder.reverse_columns`."""
        return self.reverse_geocoder.reverse_columns(latitudes, longitudes, max_distance_km)


def _context_key(context: object):
    """Return a hashable form of a context argument (for the cache)."""
    if context is None or isinstance(context, str):
        return context
    if isinstance(context, float) and context != context:
        return None
    if isinstance(context, dict):
        items = ((str(k), None if _missing(v) else str(v)) for k, v in context.items())
        return ("dict", tuple(sorted(items)))
    raise ContextError(
        "context",
        context,
        "Pass a place name such as 'Karachi' or a dict like {'city': 'Karachi'}.",
    )


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _context_value(key):
    if isinstance(key, tuple) and key and key[0] == "dict":
        return dict(key[1])
    return key


@lru_cache(maxsize=2)
def _default_geocoder(gazetteer: Gazetteer) -> Geocoder:
    return Geocoder(gazetteer)
