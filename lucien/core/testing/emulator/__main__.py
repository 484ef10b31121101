"""``python -m lucien.core.testing.emulator``."""

import sys

from .cli import main

sys.exit(main())
