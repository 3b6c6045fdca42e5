"""Where the project's files live.

Every path can be moved with an environment variable so that tests and
deployments can point the app at their own copies.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("FOOTPRINT_DATA_DIR", PROJECT_ROOT / "data"))
SEEDS_DIR = PROJECT_ROOT / "seeds"
DOCS_DIR = PROJECT_ROOT / "docs"

EVENTS_CSV = DATA_DIR / "events.csv"
GROUPS_CSV = DATA_DIR / "groups.csv"
GROUP_LINKS_CSV = DATA_DIR / "group_links.csv"
GAZETTEER_CSV = DATA_DIR / "gazetteer.csv"
BOUNDARIES_DIR = Path(os.environ.get("FOOTPRINT_BOUNDARIES_DIR", DATA_DIR / "boundaries"))
DEFAULT_DATABASE_PATH = DATA_DIR / "footprint.db"

#: ``../shared/`` beside the project, where reference data may be found.
SHARED_DIR = Path(os.environ.get("FOOTPRINT_SHARED_DIR", PROJECT_ROOT.parent / "shared"))
SHARED_SEEDS_DIR = SHARED_DIR / "seeds"
SHARED_BOUNDARIES_DIR = SHARED_DIR / "boundaries"
SHARED_EXPORTS_DIR = SHARED_DIR / "real-exports"


def database_url() -> str:
    """Return the store's SQLAlchemy URL: ``FOOTPRINT_DATABASE_URL`` or the
    embedded SQLite file under ``data/``."""
    return os.environ.get("FOOTPRINT_DATABASE_URL") or f"sqlite:///{DEFAULT_DATABASE_PATH}"
