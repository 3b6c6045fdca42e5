"""Documentation stays true: these fail when a field, value, page or setting is undocumented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from footprint.data import schema

ROOT = Path(__file__).resolve().parent.parent
CODEBOOK = (ROOT / "docs" / "codebook.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("column", schema.EVENT_COLUMNS)
def test_codebook_documents_every_column(column):
    assert f"`{column}`" in CODEBOOK


@pytest.mark.parametrize(
    "value",
    sorted(
        set(
            schema.DATE_PRECISIONS
            + schema.EVENT_TYPES
            + schema.ATTACK_TYPES
            + schema.GEO_PRECISIONS
            + schema.LINKS
            + schema.TARGET_TYPES
        )
    ),
)
def test_codebook_documents_every_allowed_value(value):
    assert f"`{value}`" in CODEBOOK


def test_readme_gives_the_two_set_up_commands():
    assert "make run" in README and "make test" in README


def _pages_in_app() -> list[str]:
    return re.findall(r"st\.Page\(\s*\"(pages/[a-z_]+\.py)\"", (ROOT / "app.py").read_text())


def test_every_page_is_listed_in_app_and_documented():
    pages = _pages_in_app()
    on_disk = sorted(f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py"))
    assert sorted(pages) == on_disk, "every file in pages/ is a page listed in app.py"
    for page in pages:
        assert page in README, f"{page} is not described in README.md"


def _environment_variables() -> set[str]:
    names = set()
    for path in [
        *ROOT.glob("footprint/**/*.py"),
        *ROOT.glob("geocode/**/*.py"),
        ROOT / "app.py",
        *ROOT.glob("pages/*.py"),
    ]:
        names |= set(re.findall(r"\b(FOOTPRINT_[A-Z_]+)\b", path.read_text(encoding="utf-8")))
    return names


@pytest.mark.parametrize("name", sorted(_environment_variables()))
def test_every_setting_is_documented(name):
    assert name in README, f"{name} is read by the code but not documented in README.md"


def test_commands_in_readme_exist():
    from footprint.cli import build_parser

    commands = set(build_parser()._subparsers._group_actions[0].choices)
    for command in commands:
        assert f"python -m footprint {command}" in README, command
