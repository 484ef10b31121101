"""The message keys the built-in plugin declares (kept under this name for importers)."""

from __future__ import annotations

from lucien.core.builtin.messages import MESSAGES as CORE_MESSAGES

__all__ = ["CORE_MESSAGES"]
