"""``python -m footprint``: the command line."""

from footprint.cli import main

raise SystemExit(main())
