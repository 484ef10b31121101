"""`python -m lucien.core.cli` is the `lucien` command (the tests start it so)."""

from lucien.core.cli import main

raise SystemExit(main())
