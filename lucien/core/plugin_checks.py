"""What makes a plugin object valid, checked by pluggy when it is added.

A scratch `PluginManager` per plugin turns pluggy's checks into that plugin's failure
alone, with the hook named in the reason (see `lucien.core.hookspecs`).
"""

from __future__ import annotations

import difflib
from typing import Any

import pluggy

from lucien.core import hookspecs
from lucien.core.plugin import PROJECT

HOOK_NAMES: frozenset[str] = frozenset(
    name for name in dir(hookspecs) if name.startswith(f"{PROJECT}_")
)


def hook_impl(obj: Any, hook: str) -> Any:
    """The hook implementation `obj` defines for `hook`, or None."""
    fn = getattr(obj, hook, None)
    if fn is None or not hasattr(fn, f"{PROJECT}_impl"):
        return None
    return fn


def validate_plugin(name: str, obj: Any) -> str | None:
    """Why `obj` is not a valid plugin (pluggy's own checks, made per plugin), or None.

    pluggy checks argument names against the specs when a plugin is registered and
    reports hooks without a spec only for the whole manager (`check_pending`); a scratch
    manager per plugin turns both into that plugin's failure, naming the hook.
    """
    probe = pluggy.PluginManager(PROJECT)
    probe.add_hookspecs(hookspecs)
    try:
        probe.register(obj, name=name)
    except pluggy.PluginValidationError as exc:
        return f"invalid hook implementation: {' '.join(str(exc).split())}"
    except ValueError as exc:
        return f"cannot be registered: {exc}"
    for caller in probe.get_hookcallers(obj) or []:
        if caller.spec is None:
            guess = difflib.get_close_matches(caller.name, HOOK_NAMES, n=1)
            hint = f" (did you mean {guess[0]}?)" if guess else ""
            return f"{caller.name} is not a Lucien hook{hint}"
    for attr in HOOK_NAMES:
        fn = getattr(obj, attr, None)
        if callable(fn) and hook_impl(obj, attr) is None:
            return f"{attr} is defined but not marked @hookimpl, so it would never be called"
    return None
