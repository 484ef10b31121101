"""Fault injection: make chosen Bot API calls fail, answer late or hang.

In a test (``emu.faults`` is a :class:`Faults`)::

    emu.faults.add(method="getChatMember", status=502, times=1)   # 502 Bad Gateway once
    emu.faults.add(method="sendMessage", status=429, retry_after=3, times=2)
    emu.faults.add(method="*", hang=True)                # no answer until cleared
    emu.faults.add(method="sendMessage", delay=0.5)      # every answer 0.5 s late
    emu.faults.add(method="*", status=502, user_id=ana.id)   # only calls about Ana
    await emu.faults.wait_held(2, method="sendMessage")   # two sends delayed or hung now
    emu.faults.clear()

Over HTTP, for an emulator that bots in other processes talk to::

    POST   /_emulator/faults   {"method": "getChatMember", "status": 502, "times": 1}
    GET    /_emulator/faults   the active faults and the calls held right now
    DELETE /_emulator/faults   clear (``?id=N`` removes one fault)

A call matches the first active fault whose method (``"*"`` for any, any
capitalisation), ``chat_id`` and ``user_id`` match; ``user_id`` also matches a
call whose ``chat_id`` is that user's private chat. ``times`` counts the calls a
fault hits before it removes itself (``None``: every call). A hit waits
``delay`` seconds of real time (never the fake clock), then, with ``hang``,
until released; then it answers ``status`` with Telegram's envelope (429 carries
``parameters.retry_after``) without running the method, or runs the method
normally when the fault has no status. A delayed method still runs if its
client gave up meanwhile, as Telegram does. ``clear()`` releases every held
call at once (they go on as above); closing the emulator ends held calls with
502 without running them. Faulted calls are recorded in ``Emulator.calls`` with
their status, like any other.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import asdict, dataclass, field
from http import HTTPStatus
from typing import Any, NamedTuple

from aiohttp import web

from .errors import ApiError, too_many_requests

#: The wording Telegram (or the proxy in front of it) uses where it has no detail to add.
_WORDING = {
    400: "Bad Request",
    403: "Forbidden",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
_FIELDS = (
    "method",
    "status",
    "description",
    "retry_after",
    "delay",
    "hang",
    "times",
    "chat_id",
    "user_id",
)


@dataclass
class Fault:
    """One injected fault; ``hits`` counts the calls it has caught so far."""

    id: int
    method: str = "*"
    status: int | None = None
    description: str | None = None
    retry_after: int | None = None
    delay: float = 0.0
    hang: bool = False
    times: int | None = None
    chat_id: int | str | None = None
    user_id: int | None = None
    hits: int = field(default=0)

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        """Whether a call of ``method`` with these (decoded) parameters is caught."""
        if self.method != "*" and self.method.lower() != method.lower():
            return False
        chat = params.get("chat_id")
        if self.chat_id is not None and str(chat) != str(self.chat_id):
            return False
        if self.user_id is not None:
            return str(self.user_id) in (str(params.get("user_id")), str(chat))
        return True

    def error(self) -> ApiError | None:
        """The failure this fault answers with, or None when the call then runs normally."""
        if self.status is None:
            return None
        if self.status == 429:
            error = too_many_requests(self.retry_after or 1)
            if self.description:
                error.description = self.description
            return error
        wording = _WORDING.get(self.status) or HTTPStatus(self.status).phrase
        return ApiError(self.status, self.description or wording)

    def to_json(self) -> dict[str, Any]:
        """The fault as the control route shows it."""
        return asdict(self)


class Held(NamedTuple):
    """A call a fault is delaying or hanging right now."""

    method: str
    params: dict[str, Any]
    fault_id: int


class _Release:
    """What held calls wait for: set by ``clear`` (run on) or ``close`` (end with 502)."""

    def __init__(self) -> None:
        self.event = asyncio.Event()
        self.closing = False


class Faults:
    """The emulator's active faults and the calls they hold; see the module docstring."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)
        self._held: list[Held] = []
        self._release = _Release()
        self._changed = asyncio.Event()

    def add(
        self,
        method: str = "*",
        *,
        status: int | None = None,
        description: str | None = None,
        retry_after: int | None = None,
        delay: float = 0.0,
        hang: bool = False,
        times: int | None = None,
        chat_id: int | str | None = None,
        user_id: int | None = None,
    ) -> Fault:
        """Add a fault (checked first-added first); returns it (``remove`` takes it back)."""
        if retry_after is not None and status is None:
            status = 429
        if status is not None and not 400 <= status <= 599:
            raise ValueError("status is an HTTP error status (400-599)")
        if retry_after is not None and status != 429:
            raise ValueError("retry_after goes with status 429")
        if delay < 0:
            raise ValueError("delay is a number of seconds, not negative")
        if times is not None and times < 1:
            raise ValueError("times is a positive count, or None for every call")
        if status is None and not delay and not hang:
            raise ValueError("a fault needs a status, a delay or hang")
        fault = Fault(
            next(self._ids),
            method or "*",
            status,
            description,
            retry_after,
            float(delay),
            bool(hang),
            times,
            chat_id,
            user_id,
        )
        self._faults.append(fault)
        return fault

    def remove(self, fault: Fault | int) -> None:
        """Take one fault back (by object or id); calls it already holds stay held."""
        fault_id = fault if isinstance(fault, int) else fault.id
        self._faults = [f for f in self._faults if f.id != fault_id]

    def clear(self) -> None:
        """Remove every fault and release every held call."""
        self._faults.clear()
        self._release_held()

    def __len__(self) -> int:
        """How many faults are active (an emulator without faults skips matching)."""
        return len(self._faults)

    @property
    def active(self) -> list[Fault]:
        """The faults still waiting for calls, in matching order."""
        return list(self._faults)

    @property
    def held(self) -> list[Held]:
        """The calls being delayed or hung right now (what is "in flight" at the emulator)."""
        return list(self._held)

    async def wait_held(
        self, count: int = 1, *, method: str | None = None, within: float = 10.0
    ) -> list[Held]:
        """Wait until at least ``count`` calls (of ``method``, any capitalisation, when
        given) are held; returns them (TimeoutError after ``within`` seconds)."""

        def matching() -> list[Held]:
            wanted = method.lower() if method else None
            return [h for h in self._held if wanted is None or h.method.lower() == wanted]

        async with asyncio.timeout(within):
            while len(matching()) < count:
                await self._changed.wait()
        return matching()

    async def wait_none_held(self, within: float = 10.0) -> None:
        """Wait until no call is held (every delayed call answered)."""
        async with asyncio.timeout(within):
            while self._held:
                await self._changed.wait()

    def _held_changed(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def pick(self, method: str, params: dict[str, Any]) -> Fault | None:
        """The fault that catches this call, counted as a hit (no await: safe under load)."""
        for fault in self._faults:
            if fault.matches(method, params):
                fault.hits += 1
                if fault.times is not None and fault.hits >= fault.times:
                    self.remove(fault)
                return fault
        return None

    async def apply(self, fault: Fault, method: str, params: dict[str, Any]) -> None:
        """Wait as the fault says, then raise its error (none: the method runs)."""
        release = self._release
        entry = Held(method, params, fault.id)
        self._held.append(entry)
        self._held_changed()
        try:
            if fault.delay:
                try:
                    async with asyncio.timeout(fault.delay):
                        await release.event.wait()
                except TimeoutError:
                    pass
            if fault.hang:
                await release.event.wait()
        finally:
            self._held.remove(entry)
            self._held_changed()
        if release.closing:
            raise ApiError(502, _WORDING[502])
        error = fault.error()
        if error is not None:
            raise error

    def close(self) -> None:
        """The emulator is stopping: held calls end now with 502, without running."""
        self._faults.clear()
        self._release_held(closing=True)

    def _release_held(self, closing: bool = False) -> None:
        # Held calls wait on the release of their time; later calls get a fresh one.
        self._release.closing = closing
        self._release.event.set()
        self._release = _Release()

    # -- the HTTP control route --------------------------------------------------------------

    def register(self, app: web.Application, path: str = "/_emulator/faults") -> None:
        """Serve the control route (GET, POST, DELETE) on ``app``."""
        app.router.add_get(path, self._http_list)
        app.router.add_post(path, self._http_add)
        app.router.add_delete(path, self._http_clear)

    async def _http_list(self, request: web.Request) -> web.Response:
        held = [
            {"method": h.method, "params": h.params, "fault_id": h.fault_id} for h in self._held
        ]
        body = {"faults": [f.to_json() for f in self._faults], "held": held}
        return web.json_response({"ok": True, "result": body})

    async def _http_add(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
            specs = body if isinstance(body, list) else [body]
            if not all(isinstance(spec, dict) for spec in specs):
                raise ValueError("send a JSON object, or a list of them")
            for spec in specs:
                unknown = set(spec) - set(_FIELDS)
                if unknown:
                    raise ValueError(f"unknown fields: {', '.join(sorted(unknown))}")
            added = [self.add(**spec) for spec in specs]
        except (ValueError, TypeError) as exc:
            error = ApiError(400, f"Bad Request: {exc}")
            return web.json_response(error.to_json(), status=400)
        result: Any = [f.to_json() for f in added]
        return web.json_response(
            {"ok": True, "result": result if isinstance(body, list) else result[0]}
        )

    async def _http_clear(self, request: web.Request) -> web.Response:
        one = request.query.get("id")
        if one is None:
            self.clear()
        elif one.isdigit():
            self.remove(int(one))
        else:
            error = ApiError(400, "Bad Request: id is a fault's number")
            return web.json_response(error.to_json(), status=400)
        return web.json_response({"ok": True, "result": True})
