"""Canonical group names and every spelling of them, from ``data/groups.csv``.

Uploads and seeds write groups many ways (LeJ, LJ, Lashkar-i-Jhangvi...);
:class:`GroupNames` maps each spelling to its canonical name. A name it does
not know is returned as written and flagged, never dropped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from footprint import paths


def normalise_group_name(text: str) -> str:
    """Fold case, accents, quotes and punctuation so spellings compare equal."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[`'’‘]", "", text.lower())
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class GroupMatch:
    """The result of looking a group name up: canonical name, or flagged as unknown."""

    written: str
    name: str
    recognised: bool


class GroupNames:
    """Look up canonical group names by any listed spelling."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame.reset_index(drop=True)
        self._index: dict[str, str] = {}
        for record in self.frame.to_dict("records"):
            spellings = [record["name"], *str(record.get("aliases") or "").split("|")]
            for spelling in spellings:
                key = normalise_group_name(spelling)
                if key:
                    self._index.setdefault(key, record["name"])

    @classmethod
    def from_csv(cls, path: Path | str | None = None) -> GroupNames:
        """Read ``data/groups.csv`` (or another file with its columns)."""
        return cls(pd.read_csv(path or paths.GROUPS_CSV, dtype=str, keep_default_na=False))

    @property
    def names(self) -> list[str]:
        """Canonical names, in file order."""
        return list(self.frame["name"])

    def lookup(self, written: str) -> GroupMatch:
        """Return the canonical name of ``written``, or flag it as unrecognised."""
        canonical = self._index.get(normalise_group_name(written))
        if canonical is None:
            return GroupMatch(written.strip(), written.strip(), False)
        return GroupMatch(written.strip(), canonical, True)

    def kind_of(self, name: str) -> str | None:
        """Return a canonical group's kind, or None."""
        match = self.frame.loc[self.frame["name"] == name, "kind"]
        return match.iloc[0] if len(match) else None


@lru_cache(maxsize=4)
def default_group_names(path: str | None = None) -> GroupNames:
    """Return the (cached) group names of ``data/groups.csv``."""
    return GroupNames.from_csv(path)
