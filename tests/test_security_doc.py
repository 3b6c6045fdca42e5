"""docs/security.md stays true: every test it names exists."""

from __future__ import annotations

import re
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
DOC = PROJECT / "docs" / "security.md"


def test_every_test_named_in_security_md_exists():
    text = DOC.read_text()
    named = re.findall(r"`((?:tests|benchmarks)/[\w/]+\.py)(?:::(\w+))?`", text)
    assert len(named) >= 30
    for path, function in named:
        source = PROJECT / path
        assert source.exists(), path
        if function:
            assert re.search(rf"^def {function}\(", source.read_text(), re.M), f"{path}::{function}"
