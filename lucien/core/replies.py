"""Reply markups shared by many updates, with their JSON form worked out once.

The main menu's keyboard is the same object for every user who sees the same buttons
(`lucien.core.menus`). Dumping it for each webhook reply walked a dozen unset fields per
button, every time; a frozen markup is dumped once. Frozen means read-only from then on.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)

# id -> (markup, its dump). The markup is held so that its id cannot be reused by another.
_FROZEN: dict[int, tuple[BaseModel, dict[str, Any]]] = {}
FROZEN_LIMIT = 2000  # cleared when full; see freeze_markup


def freeze_markup(markup: M) -> M:
    """Promise that `markup` will not change again; webhook replies reuse its dump.

    Cheap when it is frozen already: holders of shared markups call it on every use, so
    one forgotten when the registry filled up is frozen again.
    """
    entry = _FROZEN.get(id(markup))
    if entry is not None and entry[0] is markup:
        return markup
    if len(_FROZEN) >= FROZEN_LIMIT:
        _FROZEN.clear()
    _FROZEN[id(markup)] = (markup, markup.model_dump(warnings=False, exclude_none=True))
    return markup


def frozen_dump(markup: Any) -> dict[str, Any] | None:
    """The dump of a frozen markup (None when it was not frozen or was forgotten)."""
    entry = _FROZEN.get(id(markup))
    if entry is None or entry[0] is not markup:
        return None
    return entry[1]
