"""`python -m lucien` is the `lucien` command."""

from lucien.core.cli import main

raise SystemExit(main())
