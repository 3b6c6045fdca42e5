"""Stage 3: candidate generation: exact, alias and fuzzy matches of spans of text.

The query is normalised into words, then:

1. **n-gram scan.** Every run of 1 to ``max_key_tokens`` words, of the text
   and of the text without filler words, is looked up in the gazetteer's key
   index, so ``"near Rimpa Plaza on MA Jinnah Road"`` finds
   *Rimpa Plaza*, *MA Jinnah Road* and, if the text says so, *Karachi*. A span
   that lies inside a longer matched span is dropped (maximal munch: *North
   Nazimabad* hides *Nazimabad*). A key that is a ``common`` word (``site``)
   matches only when it is the whole query without fillers, or when a hint
   word stands beside it (``"West district"``).
2. **Fuzzy matching** (rapidfuzz) of spans of plausible length that hold a
   word no exact match covers, neither start nor end with a filler word and
   hold exact matches only whole (``"Karachi Universiy"`` is the University of
   Karachi, not Karachi; the exact match inside is then dropped). Digits and
   single letters must agree exactly (*Sector 12* is not *Sector 1*). The
   scorer is the larger of :func:`rapidfuzz.fuzz.ratio` and
   :func:`rapidfuzz.fuzz.token_sort_ratio`: both punish extra or missing words.
   ``WRatio``/``token_set_ratio`` are not used because they score a subset at
   100 (``"road"`` against ``"ma jinnah road"``), which turns every generic word
   into a match.
3. **Hints.** A ``hint`` word right before or after a span (*district*, *town*,
   *city*, *province*) that is not part of the matched name is recorded on the
   candidate; the ranker keeps the hinted kind for that span.

The n-gram scan also accepts the words of a name in another order
(``"shrine in Khuzdar"`` for the alias *Khuzdar shrine*), scored
:data:`REORDERED_SCORE`, unless its words overlap an in-order match at least
as long (``"Malir Cantt, Karachi"`` is not ``Karachi Cantt``). Words of an ``elsewhere`` rule (*Lahore*, *Kabul*) that
no match covers are reported in :attr:`Matches.elsewhere`: the text may be
about a place outside the gazetteer's area.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from geocode.gazetteer import Gazetteer, Place

#: Default fuzzy threshold (0-100) for :class:`Matcher`.
DEFAULT_FUZZY_THRESHOLD = 88.0
#: Fuzzy matches scoring within this many points of a span's best are kept as candidates.
FUZZY_TIE_MARGIN = 3.0

METHODS: tuple[str, ...] = ("exact", "alias", "fuzzy")
#: The score of an exact or alias match whose words came in another order.
REORDERED_SCORE = 95.0


@dataclass(frozen=True)
class Candidate:
    """One place a span of the query may refer to.

    Attributes
    ----------
    place : Place
    written : str
        The gazetteer name or alias that matched, as written in the gazetteer.
    method : str
        ``exact`` (the place's name), ``alias`` or ``fuzzy``.
    score : float
        Similarity 0-100 of the span and the matched key: 100 for exact and
        alias, :data:`REORDERED_SCORE` when the words came in another order.
    start, end : int
        The span, as word positions in the normalised query (end exclusive).
    span : str
        The normalised words of the span.
    hint : str
        A kind named by a hint word next to the span, or ``""``.
    """

    place: Place
    written: str
    method: str
    score: float
    start: int
    end: int
    span: str
    hint: str = ""


@dataclass(frozen=True)
class Matches:
    """What a text matched: candidates, and names of places outside the gazetteer's area."""

    candidates: list[Candidate]
    elsewhere: tuple[str, ...]


class Matcher:
    """Generate candidates for free text from a gazetteer.

    Parameters
    ----------
    gazetteer : Gazetteer
    fuzzy_threshold : float
        Minimum fuzzy score (0-100); ``None`` or above 100 turns fuzzy matching off.
    min_fuzzy_chars : int
        Spans shorter than this (in characters, without spaces) are not fuzzy-matched.
    """

    def __init__(
        self,
        gazetteer: Gazetteer,
        fuzzy_threshold: float | None = DEFAULT_FUZZY_THRESHOLD,
        min_fuzzy_chars: int = 5,
    ):
        self.gazetteer = gazetteer
        self.normaliser = gazetteer.normaliser
        self.fuzzy_threshold = fuzzy_threshold
        self.min_fuzzy_chars = min_fuzzy_chars
        # Fuzzy choices: keys long enough to be worth comparing.
        self._fuzzy_keys = [k for k in gazetteer.keys if len(k.replace(" ", "")) >= min_fuzzy_chars]

    # --- public -----------------------------------------------------------

    def candidates(self, text: object) -> list[Candidate]:
        """Return every candidate for ``text`` (raw; it is normalised here).

        Returns
        -------
        list of Candidate
            In no particular order; empty when nothing matches.
        """
        return self.candidates_for_tokens(self.normaliser.tokens(text))

    def candidates_for_tokens(self, tokens: list[str]) -> list[Candidate]:
        """Return every candidate for an already normalised list of words."""
        return self.match(tokens).candidates

    def match(self, tokens: list[str]) -> Matches:
        """Return the candidates and the out-of-area names of a normalised list of words."""
        if not tokens:
            return Matches([], ())
        core = " ".join(t for t in tokens if not self.normaliser.is_filler(t))
        spans = self._exact_spans(tokens, core)
        covered = np.zeros(len(tokens), dtype=bool)
        for start, end, _, _ in spans:
            covered[start:end] = True
        out: list[Candidate] = []
        fuzzy: list[Candidate] = []
        if self.fuzzy_threshold is not None and self.fuzzy_threshold <= 100 and not covered.all():
            fuzzy = self._fuzzy(tokens, spans, core)
            # An exact match inside a longer fuzzy one is part of that name.
            spans = [
                (s, e, k, r)
                for s, e, k, r in spans
                if not any(
                    f.start <= s and e <= f.end and (f.start, f.end) != (s, e) for f in fuzzy
                )
            ]
        for start, end, key, reordered in spans:
            hint = self._hint(tokens, start, end)
            for entry in self.gazetteer.index[key]:
                out.append(
                    Candidate(
                        place=entry.place,
                        written=entry.written,
                        method="exact" if entry.is_name else "alias",
                        score=REORDERED_SCORE if reordered else 100.0,
                        start=start,
                        end=end,
                        span=" ".join(tokens[start:end]),
                        hint=hint,
                    )
                )
        out.extend(fuzzy)
        return Matches(_prefer_names(out), self._elsewhere(tokens, covered))

    # --- stages -----------------------------------------------------------

    def _exact_spans(self, tokens: list[str], core: str) -> list[tuple[int, int, str, bool]]:
        index = self.gazetteer.index
        by_words = self.gazetteer.by_words
        common = self.normaliser.common_words
        is_filler = self.normaliser.is_filler
        # Two readings of the text: every word, and the words without fillers
        # (so "Saddar in Karachi" also reads "saddar karachi"), each word
        # carrying its position in the full text.
        readings = [list(range(len(tokens)))]
        kept = [i for i, t in enumerate(tokens) if not is_filler(t)]
        if 0 < len(kept) < len(tokens):
            readings.append(kept)
        hits: set[tuple[int, int, str, bool]] = set()
        for positions in readings:
            n = len(positions)
            for size in range(min(self.gazetteer.max_key_tokens, n), 0, -1):
                for i in range(n - size + 1):
                    chosen = positions[i : i + size]
                    words = [tokens[p] for p in chosen]
                    key = " ".join(words)
                    start, end = chosen[0], chosen[-1] + 1
                    if key in index:
                        keys, reordered = [key], False
                    elif size > 1 and " ".join(sorted(words)) in by_words:
                        # The same words in another order ("shrine in Khuzdar"
                        # for the alias "Khuzdar shrine").
                        keys, reordered = by_words[" ".join(sorted(words))], True
                    else:
                        continue
                    if all(is_filler(w) for w in words):
                        continue
                    for found_key in keys:
                        if (
                            found_key in common
                            and found_key != core
                            and not self._hint(tokens, start, end)
                        ):
                            continue
                        hits.add((start, end, found_key, reordered))
        # Maximal munch: drop a span that lies inside a longer one.
        ordered = sorted(hits, key=lambda h: (-(h[1] - h[0]), h[0], h[3], h[2]))
        found: list[tuple[int, int, str, bool]] = []
        for start, end, key, reordered in ordered:
            if any(s <= start and end <= e and (s, e) != (start, end) for s, e, _, _ in found):
                continue
            if reordered and any((s, e) == (start, end) and not r for s, e, _, r in found):
                continue  # the words in their order already matched
            found.append((start, end, key, reordered))
        # A reordered match that shares words with an in-order match at least
        # as long borrows them: "Malir Cantt, Karachi" is Malir Cantonment,
        # not the alias "Karachi Cantt" read backwards from "cantt karachi".
        return [
            (start, end, key, reordered)
            for start, end, key, reordered in found
            if not reordered
            or not any(
                not r and s < end and start < e and e - s >= end - start for s, e, _, r in found
            )
        ]

    def _elsewhere(self, tokens: list[str], covered: np.ndarray) -> tuple[str, ...]:
        """Return the out-of-area names (``elsewhere`` rules) among the words no match covers."""
        names = self.normaliser.elsewhere
        if not names:
            return ()
        width = self.normaliser.elsewhere_width
        found = []
        n = len(tokens)
        for start in range(n):
            for end in range(min(n, start + width), start, -1):
                if covered[start:end].any():
                    continue
                text = " ".join(tokens[start:end])
                if text in names:
                    found.append(text)
                    break
        return tuple(dict.fromkeys(found))

    def _fuzzy(
        self, tokens: list[str], exact: list[tuple[int, int, str, bool]], core: str
    ) -> list[Candidate]:
        """Fuzzy candidates for spans holding at least one word no exact match covers.

        A span may hold whole exact spans (``"Karachi Universiy"`` holds the
        exact *Karachi*) but never part of one. Digits and single letters must
        be the same in the span and the name (*Sector 12* is not *Sector 1*).
        """
        is_filler = self.normaliser.is_filler
        hints = self.normaliser.hints
        width = self.gazetteer.max_key_tokens + 1
        n = len(tokens)
        covered = np.zeros(n, dtype=bool)
        for start, end, _, _ in exact:
            covered[start:end] = True
        spans: dict[str, list[tuple[int, int]]] = {}
        for start in range(n):
            if is_filler(tokens[start]) or tokens[start] in hints:
                continue
            for end in range(start + 1, min(n, start + width) + 1):
                last = tokens[end - 1]
                if is_filler(last) or last in hints:
                    continue
                if not any(not covered[i] and not is_filler(tokens[i]) for i in range(start, end)):
                    continue
                if any(
                    s < end and start < e and not (start <= s and e <= end) for s, e, _, _ in exact
                ):
                    continue  # cuts an exact match in two
                text = " ".join(tokens[start:end])
                if len(text.replace(" ", "")) < self.min_fuzzy_chars or text.isdigit():
                    continue
                spans.setdefault(text, []).append((start, end))
        if not spans or not self._fuzzy_keys:
            return []
        queries = list(spans)
        cutoff = float(self.fuzzy_threshold)
        scores = np.maximum(
            process.cdist(queries, self._fuzzy_keys, scorer=fuzz.ratio, score_cutoff=cutoff),
            process.cdist(
                queries, self._fuzzy_keys, scorer=fuzz.token_sort_ratio, score_cutoff=cutoff
            ),
        )
        rows, cols = np.nonzero(scores >= cutoff)
        if rows.size == 0:
            return []
        common = self.normaliser.common_words
        hits: list[tuple[float, int, int, int, str]] = []  # score, length, start, end, key
        for row, col in zip(rows.tolist(), cols.tolist(), strict=True):
            key = self._fuzzy_keys[col]
            if _markers(queries[row]) != _markers(key):
                continue
            for start, end in spans[queries[row]]:
                if key in common and key != core and not self._hint(tokens, start, end):
                    continue
                score = _new_words_score(tokens, covered, start, end, key, float(scores[row, col]))
                if score >= cutoff:
                    hits.append((score, end - start, start, end, key))
        # Greedy: best-scoring, then longest, spans first; spans must not overlap.
        hits.sort(key=lambda h: (-h[0], -h[1], h[2]))
        taken: list[tuple[int, int, float]] = []
        out: list[Candidate] = []
        for score, _, start, end, key in hits:
            same = [t for t in taken if t[0] == start and t[1] == end]
            if same:
                if score < same[0][2] - FUZZY_TIE_MARGIN:
                    continue
            elif any(start < e and s < end for s, e, _ in taken):
                continue
            else:
                taken.append((start, end, score))
            hint = self._hint(tokens, start, end)
            for entry in self.gazetteer.index[key]:
                out.append(
                    Candidate(
                        place=entry.place,
                        written=entry.written,
                        method="fuzzy",
                        score=round(score, 1),
                        start=start,
                        end=end,
                        span=" ".join(tokens[start:end]),
                        hint=hint,
                    )
                )
        return out

    def _hint(self, tokens: list[str], start: int, end: int) -> str:
        hints = self.normaliser.hints
        if end < len(tokens) and tokens[end] in hints:
            return hints[tokens[end]]
        if start > 0 and tokens[start - 1] in hints:
            return hints[tokens[start - 1]]
        return ""


def _new_words_score(
    tokens: list[str], covered: np.ndarray, start: int, end: int, key: str, score: float
) -> float:
    """Score a fuzzy span that holds exact matches on its new words alone.

    When the exactly matched words of the span are words of the key
    (``karachi`` in *karachi university*), only the other words can carry a
    typo, so they are compared with the rest of the key: ``"Karachi Universiy"``
    passes, ``"Karachi report"`` is not *Karachi Port*. When they are not
    (``sorab``, an alias of Surab, in ``"Sorab Goth"``), the whole span's score
    stands.
    """
    known = [tokens[i] for i in range(start, end) if covered[i]]
    if not known:
        return score
    rest = key.split()
    for word in known:
        if word not in rest:
            return score
        rest.remove(word)
    new = " ".join(tokens[i] for i in range(start, end) if not covered[i])
    if not rest:
        return 0.0
    remainder = " ".join(rest)
    return min(score, max(fuzz.ratio(new, remainder), fuzz.token_sort_ratio(new, remainder)))


def _markers(text: str) -> tuple[str, ...]:
    """Return the digits and single letters of a key, sorted: they must match exactly."""
    return tuple(sorted(w for w in text.split() if w.isdigit() or len(w) == 1))


def _prefer_names(candidates: list[Candidate]) -> list[Candidate]:
    """Keep one candidate per (place, span): exact over alias over fuzzy, then best score."""
    best: dict[tuple[str, int, int], Candidate] = {}
    order = {m: i for i, m in enumerate(METHODS)}
    for c in candidates:
        key = (c.place.place_id, c.start, c.end)
        kept = best.get(key)
        if kept is None or (order[c.method], -c.score) < (order[kept.method], -kept.score):
            best[key] = c
    # The same place found on two spans (e.g. fuzzy and exact): keep its best.
    by_place: dict[str, Candidate] = {}
    for c in best.values():
        kept = by_place.get(c.place.place_id)
        if kept is None or (order[c.method], -c.score, -(c.end - c.start)) < (
            order[kept.method],
            -kept.score,
            -(kept.end - kept.start),
        ):
            by_place[c.place.place_id] = c
    return sorted(by_place.values(), key=lambda c: (c.start, -(c.end - c.start), c.place.place_id))
