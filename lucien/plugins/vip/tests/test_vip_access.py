"""Every admin route of the vip plugin refuses non-admins (SQLite and PostgreSQL): a walk
over the guarded router (each handler's trigger derived from its filters, so a handler
added later is walked too: the user card's actions, the subscriber list, plans and
tokens), pressed, typed or answered by a free user and a VIP, who are told politely and
change nothing, least of all the VIP the actions point at."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram import Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.filters.state import StateFilter
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import func, select

from lucien.core.db.models import AuditEntry, OutboxEntry
from lucien.plugins.vip.handlers import guarded_router
from lucien.plugins.vip.models import Plan, Subscription, Token
from lucien.plugins.vip.tests.card_helpers import cross_ritual, start_with_channel, vip

pytestmark = pytest.mark.lucien(plugins=["voice", "admin", "vip"])

FORBIDDEN = (
    "This option is reserved for the custodians of the house.",
    "Forgive me, this door opens only for the custodians of the house.",
)
#: Every action the admins' callback data may carry: a handler whose rule none of them
#: passes gets no trigger, and the walk fails until it is listed here.
ACTIONS = (
    "menu", "plans", "plan", "new", "edit", "archive", "gen", "gen_plan", "tokens",
    "redeemed", "revoke", "cancel", "grant", "days", "extend", "expel", "ok", "hist",
    "list", "plans", "csv",
)  # fmt: skip
#: For `ok` (the card's second press): the operation that would hurt most.
CONFIRMED_OP = "rv"


def _walk(router: Router) -> list[Router]:
    found = [router]
    for sub in router.sub_routers:
        found.extend(_walk(sub))
    return found


def _triggers(user_id: int, plan_id: int, token_id: int) -> list[tuple[str, Any]]:
    """(kind, trigger) of every handler under the guarded router: callback data for each
    action its rule passes (aimed at a real VIP, plan and token, so that an unguarded
    handler would act), a command, or a state of a prompt."""
    triggers: list[tuple[str, Any]] = []
    for router in _walk(guarded_router()):
        for name, observer in router.observers.items():
            for handler in observer.handlers:
                derived: list[tuple[str, Any]] = []
                for f in handler.filters or ():
                    flt = f.callback
                    if isinstance(flt, CallbackQueryFilter):
                        cls = flt.callback_data
                        for action in dict.fromkeys(ACTIONS):
                            values: dict[str, Any] = {"action": action}
                            if "u" in cls.model_fields:
                                values.update(u=user_id, op=CONFIRMED_OP, a=plan_id)
                            if "id" in cls.model_fields:
                                values["id"] = token_id if action == "revoke" else plan_id
                            data = cls(**values)
                            if flt.rule is None or flt.rule.resolve(data):
                                derived.append(("callback", data.pack()))
                    elif isinstance(flt, Command):
                        derived.append(("command", f"/{flt.commands[0]}"))
                    elif isinstance(flt, StateFilter):
                        derived.extend(
                            ("state", s.state) for s in flt.states if isinstance(s, State)
                        )
                assert derived, f"no trigger derived for {name} {handler.callback}"
                triggers.extend(t for t in derived if t not in triggers)
    return triggers


async def _count(harness: Any, model: Any) -> int:
    async with harness.ctx.db.session(readonly=True) as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def test_every_vip_admin_route_refuses_non_admins(harness: Any) -> None:
    await start_with_channel(harness, flood_burst=0)  # every trigger in the same instant
    svc = vip(harness)
    plan = await svc.create_plan("Gold", 30, 999, "USD")
    codes = await svc.generate_tokens(plan.id, 2, by=None)
    vera = harness.user("Vera", language_code="en")  # a VIP
    eve = harness.user("Eve", language_code="en")  # a free user
    await vera.send(codes[0])
    assert await vera.join(await cross_ritual(vera)) == "joined"
    async with harness.ctx.db.session(readonly=True) as s:
        token_id = await s.scalar(select(Token.id).where(Token.code == codes[1]))
        before = (await s.execute(select(Subscription.ends_at, Subscription.expired_at))).all()
    outbox_before = await _count(harness, OutboxEntry)

    triggers = _triggers(vera.id, plan.id, int(token_id or 0))
    kinds = {k for k, _ in triggers}
    assert kinds == {"callback", "command", "state"}
    assert {t for k, t in triggers if k == "callback" and t.startswith(("vipu:ok", "vips:csv"))}
    assert len(triggers) >= 25

    ctx = harness.ctx
    for actor in (eve, vera):
        await actor.send("/start")
        for kind, trigger in triggers:
            before_count = len(actor.messages)
            if kind == "callback":
                query = await actor.press(actor.messages[-1], trigger)
                assert query.answered and query.show_alert, trigger
                assert query.text in FORBIDDEN, (trigger, query.text)
                assert len(actor.messages) == before_count, trigger
            elif kind == "command":
                await actor.send(trigger)
                assert actor.last.text in FORBIDDEN, trigger
            else:
                key = StorageKey(bot_id=harness.account.id, chat_id=actor.id, user_id=actor.id)
                await ctx.dispatcher.storage.set_state(key, trigger)
                await ctx.dispatcher.storage.set_data(
                    key, {"user_id": vera.id, "mode": "grant", "plan_id": plan.id}
                )
                await actor.send("30")
                assert actor.last.text in FORBIDDEN, trigger
                assert await ctx.dispatcher.storage.get_state(key) is None

    # Nothing changed: Vera's period, no audit, no Telegram call queued, the token unused.
    async with harness.ctx.db.session(readonly=True) as s:
        after = (await s.execute(select(Subscription.ends_at, Subscription.expired_at))).all()
        unused = await s.scalar(select(Token.redeemed_by).where(Token.id == token_id))
        plans = list(await s.scalars(select(Plan.archived_at)))
    assert after == before and unused is None and plans == [None]
    assert await _count(harness, AuditEntry) == 0
    assert await _count(harness, OutboxEntry) == outbox_before
    assert await svc.is_active(vera.id)
    assert not [m for m in eve.messages + vera.messages if m.document is not None]
