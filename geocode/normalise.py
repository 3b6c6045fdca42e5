"""Stage 2: text normalisation, driven by the rules in ``data/normalisation.csv``.

The same pipeline is applied to gazetteer names and to queries, so that the
strings it produces are *keys* to compare, not text to show: ``"Saddar"``
becomes ``"sadar"`` and ``"Kiamaree"`` becomes ``"kiamari"``. The steps, in
order:

1. ``char`` rules: literal character replacements (curly quotes, dashes).
2. Unicode folding: NFKD, combining marks dropped (``"Karāchi"`` -> ``"karachi"``),
   lower case.
3. ``pre_regex`` rules: regular expressions that need punctuation still in
   place (possessive ``'s``, apostrophes inside words).
4. Every character that is not ``a-z`` or ``0-9`` becomes a space.
5. ``regex`` rules on the spaced text (initials, izafat ``-e-``, ``abad``).
6. ``token`` rules: whole-word substitutions (``chowrangee`` -> ``chowrangi``).
7. ``transliteration`` rules: regular expressions inside words (``ee`` -> ``i``).
8. Spaces collapsed.

Four more rule kinds are word lists used by the matcher rather than rewrites:
``strip`` (filler words such as *near*, *area*, *of*, which a query may carry
around a place name), ``hint`` (a word next to a name that says which kind of
place is meant: *district*, *town*), ``common`` (single words that are also
ordinary English, such as *site*, which match a place only when they are the
whole query or stand beside a hint) and ``elsewhere`` (places outside the
gazetteer's area, such as *Lahore*: a text that names one and no city,
district or province of the gazetteer stays unresolved). Filler words are never removed from gazetteer names: *town* is a
hint, not a filler, so ``"Orangi Town"`` stays a name.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from footprint import paths

#: ``data/normalisation.csv``.
NORMALISATION_CSV = paths.DATA_DIR / "normalisation.csv"

#: The rule kinds, in the order the rewriting ones are applied.
RULE_KINDS: tuple[str, ...] = (
    "char",
    "pre_regex",
    "regex",
    "token",
    "transliteration",
    "strip",
    "hint",
    "common",
    "elsewhere",
)
RULE_COLUMNS: tuple[str, ...] = ("pattern", "replacement", "kind", "note")

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_SPACES = re.compile(r"\s+")


class NormalisationRuleError(ValueError):
    """A row of the normalisation rules cannot be used.

    Parameters
    ----------
    row : int
        The 1-based line number of the row in the CSV (the header is line 1).
    column : str
        The column at fault.
    value : object
        The value found there.
    fix : str
        What to write instead.
    """

    def __init__(self, row: int, column: str, value: object, fix: str):
        self.row = row
        self.column = column
        self.value = value
        self.fix = fix
        super().__init__(f"normalisation rule on line {row}, {column}: {value!r}. {fix}")


@dataclass(frozen=True)
class Rule:
    """One row of ``data/normalisation.csv``."""

    pattern: str
    replacement: str
    kind: str
    note: str = ""


class Normaliser:
    """Normalise place text into comparison keys, with rules given as data.

    Parameters
    ----------
    rules : iterable of Rule
        The rules, in file order; within a kind they are applied in this order.

    Raises
    ------
    NormalisationRuleError
        When a rule's kind is unknown or its regular expression does not compile.
    """

    def __init__(self, rules):
        self.rules: tuple[Rule, ...] = tuple(rules)
        self._char: list[tuple[str, str]] = []
        self._pre: list[tuple[re.Pattern, str]] = []
        self._regex: list[tuple[re.Pattern, str]] = []
        self._token: dict[str, str] = {}
        self._translit: list[tuple[re.Pattern, str]] = []
        raw_strip, raw_hint, raw_common, raw_elsewhere = [], {}, [], []
        self._cached = lru_cache(maxsize=200_000)(self._normalise)
        for line, rule in enumerate(self.rules, start=2):
            if rule.kind not in RULE_KINDS:
                raise NormalisationRuleError(
                    line, "kind", rule.kind, f"Use one of: {', '.join(RULE_KINDS)}."
                )
            if rule.kind == "char":
                self._char.append((rule.pattern, rule.replacement))
            elif rule.kind in ("pre_regex", "regex", "transliteration"):
                try:
                    compiled = re.compile(rule.pattern)
                except re.error as error:
                    raise NormalisationRuleError(
                        line, "pattern", rule.pattern, f"Fix the regular expression ({error})."
                    ) from error
                target = {"pre_regex": self._pre, "regex": self._regex}.get(
                    rule.kind, self._translit
                )
                target.append((compiled, rule.replacement))
            elif rule.kind == "token":
                if not rule.pattern.strip() or " " in rule.pattern.strip():
                    raise NormalisationRuleError(
                        line, "pattern", rule.pattern, "A token rule names one word."
                    )
                self._token[rule.pattern.strip().lower()] = rule.replacement.strip().lower()
            elif rule.kind == "strip":
                raw_strip.append(rule.pattern)
            elif rule.kind == "hint":
                raw_hint[rule.pattern] = rule.replacement.strip() or rule.pattern.strip()
            elif rule.kind == "common":
                raw_common.append(rule.pattern)
            else:
                raw_elsewhere.append(rule.pattern)
        # Word lists are kept in normalised form so they compare with keys.
        self.strip_words: frozenset[str] = frozenset(
            word for text in raw_strip for word in self.normalise(text).split()
        )
        self.hints: dict[str, str] = {
            self.normalise(word): kind for word, kind in raw_hint.items() if self.normalise(word)
        }
        self.common_words: frozenset[str] = frozenset(
            self.normalise(word) for word in raw_common if self.normalise(word)
        )
        self.elsewhere: frozenset[str] = frozenset(
            self.normalise(name) for name in raw_elsewhere if self.normalise(name)
        )
        self.elsewhere_width: int = max((len(n.split()) for n in self.elsewhere), default=0)

    # --- construction -----------------------------------------------------

    @classmethod
    def from_csv(cls, path: str | Path) -> Normaliser:
        """Read the rules from a CSV with columns ``pattern,replacement,kind,note``.

        Raises
        ------
        NormalisationRuleError
            When a column is missing or a rule is unusable.
        """
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in RULE_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise NormalisationRuleError(
                    1,
                    missing[0],
                    reader.fieldnames,
                    f"The header must be {','.join(RULE_COLUMNS)}.",
                )
            rules = [
                Rule(
                    row["pattern"] or "",
                    row["replacement"] or "",
                    (row["kind"] or "").strip(),
                    row["note"] or "",
                )
                for row in reader
            ]
        return cls(rules)

    @classmethod
    def default(cls) -> Normaliser:
        """Return the normaliser of ``data/normalisation.csv`` (cached per process)."""
        return _default_normaliser(str(NORMALISATION_CSV))

    # --- normalising ------------------------------------------------------

    def normalise(self, text: object) -> str:
        """Return the comparison key of ``text``.

        Parameters
        ----------
        text : object
            A place name or free text; ``None`` and NaN give ``""``.

        Returns
        -------
        str
            Lower-case ``a-z0-9`` words separated by single spaces.
        """
        if text is None or (isinstance(text, float) and text != text):
            return ""
        return self._cached(str(text))

    def _normalise(self, text: str) -> str:
        for old, new in self._char:
            text = text.replace(old, new)
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
        for pattern, replacement in self._pre:
            text = pattern.sub(replacement, text)
        text = _NOT_ALNUM.sub(" ", text).strip()
        for pattern, replacement in self._regex:
            text = pattern.sub(replacement, text)
        if self._token:
            text = " ".join(self._token.get(word, word) for word in text.split())
        for pattern, replacement in self._translit:
            text = pattern.sub(replacement, text)
        return _SPACES.sub(" ", text).strip()

    def tokens(self, text: object) -> list[str]:
        """Return the words of the normalised ``text``."""
        return self.normalise(text).split()

    def core(self, text: object) -> str:
        """Return the normalised ``text`` without filler words (``strip`` rules).

        ``"near the Orangi Town area"`` gives ``"orangi town"``: *town* is not a
        filler, so names that end in it are kept whole.
        """
        return " ".join(word for word in self.tokens(text) if word not in self.strip_words)

    def is_filler(self, word: str) -> bool:
        """Return True when the normalised ``word`` is a filler (``strip`` rule)."""
        return word in self.strip_words


@lru_cache(maxsize=4)
def _default_normaliser(path: str) -> Normaliser:
    return Normaliser.from_csv(path)


def normalise(text: object) -> str:
    """Normalise ``text`` with the default rules; see :meth:`Normaliser.normalise`."""
    return Normaliser.default().normalise(text)
