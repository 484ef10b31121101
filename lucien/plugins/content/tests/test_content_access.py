"""Every admin route of the content plugin refuses non-admins: a walk over the guarded
router (each handler's trigger derived from its filters, so a handler added later is
walked too), pressed or typed by a free user and a VIP, who are told politely and change
nothing. Plus the prices the form accepts.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiogram import Router
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.filters.state import StateFilter
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import StorageKey

from lucien.plugins.content.handlers import guarded_router
from lucien.plugins.content.tests.helpers import (
    ENTRY_POINTS,
    PLUGINS,
    VIP_USERS,
    count_interests,
    forge_click,
    packages,
    seed,
)

pytestmark = pytest.mark.lucien(entry_points=ENTRY_POINTS, plugins=PLUGINS)

FORBIDDEN = ("reservada a los custodios", "solo se abre para los custodios")


def _walk(router: Router) -> list[Router]:
    found = [router]
    for sub in router.sub_routers:
        found.extend(_walk(sub))
    return found


#: Every action the admins' callback data may carry: a handler whose rule none of them
#: passes gets no trigger, and the walk fails until it is listed here.
ACTIONS = (
    "list", "pkg", "new", "edit", "field", "off", "on", "up", "down", "preview", "pv_want",
    "back", "cancel", "cat", "noprice", "nomedia", "show", "ask", "attend", "user",
)  # fmt: skip


def _triggers(package_id: int, interest_id: int) -> list[tuple[str, Any]]:
    """(kind, trigger) of every handler under the guarded router: callback data for each
    action its rule passes (with the ids of a real package and interest, so that an
    unguarded handler would act), or a state of the form."""
    triggers: list[tuple[str, Any]] = []
    for router in _walk(guarded_router()):
        for name, observer in router.observers.items():
            for handler in observer.handlers:
                derived: list[tuple[str, Any]] = []
                for f in handler.filters or ():
                    flt = f.callback
                    if isinstance(flt, CallbackQueryFilter):
                        cls = flt.callback_data
                        for action in ACTIONS:
                            values: dict[str, Any] = {"action": action}
                            if "id" in cls.model_fields:
                                values["id"] = (
                                    interest_id if cls.__prefix__ == "cnti" else package_id
                                )
                            if "f" in cls.model_fields:
                                values["f"] = "premium" if action == "cat" else "name"
                            data = cls(**values)
                            if flt.rule is None or flt.rule.resolve(data):
                                derived.append(("callback", data.pack()))
                    elif isinstance(flt, StateFilter):
                        derived.extend(
                            ("state", s.state) for s in flt.states if isinstance(s, State)
                        )
                assert derived, f"no trigger derived for {name} {handler.callback}"
                triggers.extend(t for t in derived if t not in triggers)
    return triggers


async def test_every_content_admin_route_refuses_non_admins(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="es")
    eve = harness.user("Eve", language_code="es")
    vera = harness.user("Vera", language_code="es")
    VIP_USERS.add(vera.id)
    try:
        await harness.start_app(flood_burst=0)  # every trigger in the same test instant
        package = await seed(harness, "Pack Luna", "free")
        await ada.send("/start")
        await eve.send("/start")
        await eve.click("Mi contenido")
        await eve.click("Pack Luna")
        await eve.click("Me interesa")
        [interest_id] = [i.id for i in await _interests(harness)]
        triggers = _triggers(package.id, interest_id)
        assert {k for k, _ in triggers} == {"callback", "state"}
        assert len(triggers) >= 20
        ctx = harness.ctx
        for actor in (eve, vera):
            await actor.send("/start")
            for kind, trigger in triggers:
                before = len(actor.messages)
                if kind == "callback":
                    query = await forge_click(harness, actor, trigger)
                    assert query.answered and query.show_alert, trigger
                    assert any(f in (query.text or "") for f in FORBIDDEN), trigger
                    assert len(actor.messages) == before, trigger
                else:
                    key = StorageKey(bot_id=harness.account.id, chat_id=actor.id, user_id=actor.id)
                    await ctx.dispatcher.storage.set_state(key, trigger)
                    await ctx.dispatcher.storage.set_data(key, {"package_id": package.id})
                    await actor.send("Nombre nuevo")
                    assert any(f in (actor.last.text or "") for f in FORBIDDEN), trigger
                    assert await ctx.dispatcher.storage.get_state(key) is None
        # Nothing changed: the package as seeded, the interest still pending.
        [row] = await packages(harness)
        assert (row.name, row.active, row.position) == ("Pack Luna", True, 1)
        assert await count_interests(harness) == 1
        assert (await _interests(harness))[0].attended_at is None
    finally:
        VIP_USERS.clear()


async def _interests(harness: Any) -> list[Any]:
    from lucien.plugins.content.tests.helpers import interests

    return await interests(harness)
