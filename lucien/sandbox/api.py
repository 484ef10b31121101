"""What every route of the web chat's JSON API shares: reading the request safely.

Only JSON bodies are taken: a page on another site can POST text/plain or a form without
a CORS preflight, and would then drive the sandbox (as its admin) from the visitor's
browser. A request the page should not have made is answered 400 with the reason.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from lucien.core.testing.emulator import UserActor

if TYPE_CHECKING:
    from . import Sandbox

SANDBOX_KEY: web.AppKey[Sandbox] = web.AppKey("sandbox")


class BadInput(web.HTTPBadRequest):
    """A request the page should not have made; the reason goes back as JSON."""

    def __init__(self, reason: str) -> None:
        super().__init__(text=json.dumps({"error": reason}), content_type="application/json")


def sandbox_of(request: web.Request) -> Sandbox:
    """The sandbox this web application serves."""
    return request.app[SANDBOX_KEY]


async def body_of(request: web.Request) -> dict[str, Any]:
    """The request's JSON object, or BadInput (see the module docstring for why JSON only)."""
    if request.content_type != "application/json":
        raise BadInput("the body must be sent as application/json")
    try:
        data = await request.json()
    except ValueError:
        raise BadInput("the body must be JSON") from None
    if not isinstance(data, dict):
        raise BadInput("the body must be a JSON object")
    return data


def actor_of(sandbox: Sandbox, raw: Any) -> UserActor:
    """The person named by id in a request, or BadInput."""
    try:
        return sandbox.actors[int(raw)]
    except (TypeError, ValueError, KeyError):
        raise BadInput(f"no such person: {raw!r}") from None


def message_id_of(raw: Any) -> int | None:
    """A message id from a request (None when absent), or BadInput."""
    if raw is None:
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise BadInput("message_id is a number") from None
