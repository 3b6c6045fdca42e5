"""Stage 4: ranking candidates by context, coherence, specificity and match quality.

Candidates are sorted by this key, first difference wins:

1. **Explicit context** (``context=`` of :meth:`geocode.Geocoder.geocode`):
   only the candidates that fit it best are kept: those whose hierarchy names
   the context's areas (or that contain them), else those whose hierarchy is
   silent about them. If *every* candidate contradicts the context, all are
   kept with ``context_ok=False`` and a score lowered by
   :data:`CONTEXT_PENALTY`; :func:`geocode.result.build_result` then leaves
   the text unresolved and lists them as candidates.
2. **Hints**: on a span followed or preceded by *district*, *town*, *city* or
   *province*, candidates of that kind replace the others.
3. **Conflicts** (fewest first): the number of other places mentioned in the
   text that the candidate contradicts (``"Saddar, Quetta"``: Karachi's
   Saddar contradicts Quetta). Between candidates that contradict each other,
   a fuzzy match loses to an exact one (``"Nushi, Karachi"`` is Karachi, not
   Nushki).
4. **Specificity**: a site-like landmark, then a road, then a neighbourhood,
   then administrative areas, the one lying inside the other first (Karachi
   South lies inside Karachi; Quetta city lies inside Quetta district), then
   town, district, city, province.
5. **Inside** (most first): the number of other places mentioned that one of
   its aliases says it lies in (*Ganna Mandi Sohrab Goth*: Ganna Mandi lies
   in Sohrab Goth, so ``"Sohrab Goth, Ganna Mandi"`` gives Ganna Mandi).
   Then **support** (most first): the number of other places mentioned that
   agree with it (same town, district, city or province).
6. **Method**: exact beats alias beats fuzzy; then the higher score.
7. Earlier in the text, longer span, gazetteer order.

When the best candidate ties on 1-6 with a different place of another name
or city (``"Saddar"`` alone: Karachi or Quetta), it is kept but its score is
multiplied by :data:`AMBIGUITY_FACTOR`.
"""

from __future__ import annotations

from dataclasses import dataclass

from geocode.errors import ContextError
from geocode.gazetteer import ADMIN_KINDS, HIERARCHY_FIELDS, Gazetteer, Place
from geocode.match import METHODS, Candidate

CONTEXT_PENALTY = 25.0
CONFLICT_PENALTY = 10.0
AMBIGUITY_FACTOR = 0.75
CONTEXT_FIELDS: tuple[str, ...] = HIERARCHY_FIELDS

_KIND_RANK = {"town": 0, "district": 1, "city": 2, "province": 3}
_METHOD_RANK = {m: i for i, m in enumerate(METHODS)}


@dataclass(frozen=True)
class Alternative:
    """One reading of a context: field constraints and the gazetteer areas they name."""

    constraints: tuple[tuple[str, frozenset[str]], ...]
    places: tuple[Place, ...] = ()


@dataclass(frozen=True)
class Context:
    """A resolved context: one or more alternatives (a place fits when it fits any)."""

    alternatives: tuple[Alternative, ...]
    given: object = None


@dataclass(frozen=True)
class Ranked:
    """A candidate with the figures the ranking used."""

    candidate: Candidate
    score: float
    context_ok: bool
    conflicts: int
    support: int
    ambiguous: bool = False


def specificity(place: Place) -> tuple[int, int, int]:
    """Return the specificity key of a place (smaller is more specific)."""
    if place.kind == "landmark":
        return (1 if place.is_linear else 0, 0, 0)
    if place.kind == "neighbourhood":
        return (2, 0, 0)
    depth = sum(1 for value in place.hierarchy().values() if value)
    return (3, -depth, _KIND_RANK.get(place.kind, 9))


def resolve_context(context: object, gazetteer: Gazetteer) -> Context | None:
    """Turn a ``context`` argument into constraints on candidates.

    Parameters
    ----------
    context : str, dict or None
        A city, district, town or province name (``"Quetta"``), or a dict with
        any of the keys ``town``, ``district``, ``city``, ``province``.
    gazetteer : Gazetteer
        Used to resolve names and aliases (``"Kiamari"`` -> *Keamari*).

    Returns
    -------
    Context or None
        None when there is no usable context (empty, or a name the gazetteer
        does not know as an administrative area).

    Raises
    ------
    ContextError
        When ``context`` is neither a string nor a dict, or a dict key is unknown.
    """
    if context is None:
        return None
    norm = gazetteer.normaliser.normalise
    if isinstance(context, str):
        if not norm(context):
            return None
        alternatives = []
        for entry in gazetteer.lookup(context, kinds=ADMIN_KINDS):
            place = entry.place
            alternatives.append(Alternative(((place.kind, _names(place, norm)),), (place,)))
        if not alternatives:
            return None
        return Context(tuple(alternatives), context)
    if isinstance(context, dict):
        constraints, places = [], []
        for key, value in context.items():
            if key not in CONTEXT_FIELDS:
                raise ContextError(
                    str(key), value, f"Use the keys {', '.join(CONTEXT_FIELDS)} in a context dict."
                )
            if value is None or (isinstance(value, float) and value != value) or not norm(value):
                continue
            allowed = {norm(value)}
            for entry in gazetteer.lookup(str(value), kinds=(key,)):
                allowed |= _names(entry.place, norm)
                places.append(entry.place)
            constraints.append((key, frozenset(allowed)))
        if not constraints:
            return None
        return Context((Alternative(tuple(constraints), tuple(places)),), context)
    raise ContextError(
        "context",
        context,
        "Pass a place name such as 'Karachi' or a dict like {'city': 'Karachi'}.",
    )


#: How well a place fits a context: contradicts it, cannot tell, fits.
CONTRADICTS, UNKNOWN, FITS = 0, 1, 2


def fit(place: Place, context: Context, norm) -> int:
    """Return how well ``place`` fits the context: :data:`FITS`, :data:`UNKNOWN` or :data:`CONTRADICTS`.

    A place fits when its hierarchy names the context's areas (Saddar of
    Quetta in the context *Quetta*), or when it is an area that contains one of
    them (Khuzdar district for the context city *Khuzdar*). A hierarchy that is
    silent about every constrained level cannot tell.
    """
    best = CONTRADICTS
    hierarchy = place.hierarchy()
    for alternative in context.alternatives:
        if place.kind in ADMIN_KINDS and any(
            other.place_id == place.place_id
            or norm(other.hierarchy().get(place.kind, "")) == norm(place.name)
            for other in alternative.places
        ):
            return FITS
        level, named = UNKNOWN, 0
        for field, allowed in alternative.constraints:
            value = norm(hierarchy.get(field, ""))
            if not value:
                continue
            if value not in allowed:
                level = CONTRADICTS
                break
            named += 1
        if level != CONTRADICTS and named:
            level = FITS
        best = max(best, level)
    return best


def compatible(a: Place, b: Place, norm) -> bool:
    """Return True when two places agree on every level both name, and share one.

    A road runs through several towns and districts, so for a road only the
    city and the province are compared.
    """
    ha, hb = a.hierarchy(), b.hierarchy()
    fields = ("city", "province") if a.is_linear or b.is_linear else HIERARCHY_FIELDS
    shared = 0
    for field in fields:
        va, vb = norm(ha[field]), norm(hb[field])
        if va and vb:
            if va != vb:
                return False
            shared += 1
    return shared > 0


def rank(
    candidates: list[Candidate], gazetteer: Gazetteer, context: Context | None = None
) -> list[Ranked]:
    """Rank candidates, best first; see the module docstring for the order.

    Parameters
    ----------
    candidates : list of Candidate
        From :class:`geocode.match.Matcher`.
    gazetteer : Gazetteer
    context : Context, optional
        From :func:`resolve_context`.

    Returns
    -------
    list of Ranked
        Empty when ``candidates`` is.
    """
    if not candidates:
        return []
    norm = gazetteer.normaliser.normalise
    context_ok = {id(c): True for c in candidates}
    if context is not None:
        levels = {id(c): fit(c.place, context, norm) for c in candidates}
        top = max(levels.values())
        if top > CONTRADICTS:
            candidates = [c for c in candidates if levels[id(c)] == top]
        else:
            context_ok = {id(c): False for c in candidates}
    candidates = _apply_hints(candidates)
    spans: dict[tuple[int, int], list[Candidate]] = {}
    for c in candidates:
        spans.setdefault((c.start, c.end), []).append(c)
    order = gazetteer.position
    scored = []
    for c in candidates:
        conflicts = support = 0
        for span, others in spans.items():
            if span == (c.start, c.end):
                continue
            if any(compatible(c.place, o.place, norm) for o in others):
                support += 1
            else:
                conflicts += 1
        key = (
            not context_ok[id(c)],
            conflicts,
            conflicts > 0 and c.method == "fuzzy",
            specificity(c.place),
            -_inside(c, spans, gazetteer),
            -support,
            _METHOD_RANK[c.method],
            -c.score,
        )
        tail = (c.start, -(c.end - c.start), order.get(c.place.place_id, 0))
        scored.append((key, tail, c, conflicts, support))
    scored.sort(key=lambda item: (item[0], item[1]))
    best_key, _, best, _, _ = scored[0]
    ambiguous = any(
        key == best_key
        and (c.place.name != best.place.name or c.place.city != best.place.city)
        and (c.start, c.end) == (best.start, best.end)
        for key, _, c, _, _ in scored[1:]
    )
    out = []
    for i, (_, _, c, conflicts, support) in enumerate(scored):
        score = c.score
        if not context_ok[id(c)]:
            score -= CONTEXT_PENALTY
        score -= CONFLICT_PENALTY * conflicts
        is_ambiguous = ambiguous and i == 0
        if is_ambiguous:
            score *= AMBIGUITY_FACTOR
        out.append(
            Ranked(
                candidate=c,
                score=round(max(0.0, min(100.0, score)), 1),
                context_ok=context_ok[id(c)],
                conflicts=conflicts,
                support=support,
                ambiguous=is_ambiguous,
            )
        )
    return out


def _inside(candidate: Candidate, spans: dict, gazetteer: Gazetteer) -> int:
    """Count the other spans whose place this candidate's aliases say it lies in.

    An alias that qualifies a name with another place (*Ganna Mandi Sohrab
    Goth*, *Saleh Mosque Pakistan Chowk*) says the first lies in the second,
    so of two places of the same kind named together, the inner one wins.
    """
    keys = [f" {k} " for k in gazetteer.keys_of.get(candidate.place.place_id, ())]
    count = 0
    for span, others in spans.items():
        if span == (candidate.start, candidate.end):
            continue
        inner = False
        for other in others:
            if other.place.place_id == candidate.place.place_id:
                continue
            for other_key in gazetteer.keys_of.get(other.place.place_id, ()):
                needle = f" {other_key} "
                if any(needle in k and k != needle for k in keys):
                    inner = True
                    break
            if inner:
                break
        count += inner
    return count


def _names(place: Place, norm) -> frozenset[str]:
    return frozenset(norm(n) for n in (place.name, *place.aliases) if norm(n))


def _apply_hints(candidates: list[Candidate]) -> list[Candidate]:
    by_span: dict[tuple[int, int], list[Candidate]] = {}
    for c in candidates:
        by_span.setdefault((c.start, c.end), []).append(c)
    out = []
    for group in by_span.values():
        hint = next((c.hint for c in group if c.hint), "")
        hinted = [c for c in group if hint and c.place.kind == hint]
        out.extend(hinted or group)
    return out
