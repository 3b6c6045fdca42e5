"""The package's layers import one way, and only app.py and pages/ import streamlit.

Ranks, lowest first: the data layer (``footprint.data``), then the geocoder
(``geocode``), then importers and the text reader, then the view builders,
then the entry point and pages. A module may import its own rank or lower.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Package prefix -> rank. The longest matching prefix wins.
RANKS = {
    "footprint.paths": 0,
    "footprint.data": 1,
    "geocode": 2,
    "footprint.importers": 3,
    "footprint.reader": 3,
    "footprint.auth": 3,
    "footprint.views": 4,
    "footprint.cli": 5,
    "footprint.__main__": 5,
    "footprint": 0,
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def rank(name: str) -> int | None:
    best = None
    for prefix, value in RANKS.items():
        if name == prefix or name.startswith(prefix + "."):
            if best is None or len(prefix) > len(best[0]):
                best = (prefix, value)
    return None if best is None else best[1]


def imported_modules(path: Path) -> set[str]:
    """Every module named by an import statement in ``path`` (absolute imports)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


PACKAGE_FILES = sorted(
    [*ROOT.glob("footprint/**/*.py"), *ROOT.glob("geocode/**/*.py")],
    key=lambda p: str(p),
)


def test_every_module_has_a_rank():
    unranked = [module_name(p) for p in PACKAGE_FILES if rank(module_name(p)) is None]
    assert unranked == []


@pytest.mark.parametrize("path", PACKAGE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_go_one_way(path):
    own = rank(module_name(path))
    upward = sorted(
        name
        for name in imported_modules(path)
        if (other := rank(name)) is not None
        and other > own
        # ``from footprint import paths`` names the package itself too.
        and name not in {"footprint"}
    )
    assert upward == [], f"{module_name(path)} (rank {own}) imports a higher layer: {upward}"


@pytest.mark.parametrize("path", PACKAGE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_nothing_below_the_pages_imports_streamlit(path):
    streamlit = sorted(n for n in imported_modules(path) if n.split(".")[0] == "streamlit")
    assert streamlit == []


def test_the_rule_catches_an_upward_import(tmp_path):
    # The check itself must be able to fail: a data-layer module importing a view.
    probe = ROOT / "footprint" / "data" / "_probe_layers.py"
    probe.write_text("from footprint.views import mapview\n")
    try:
        names = imported_modules(probe)
        assert any(rank(n) > rank(module_name(probe)) for n in names if rank(n) is not None)
    finally:
        probe.unlink()
