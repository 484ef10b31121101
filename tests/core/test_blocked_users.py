"""Users an admin blocks (issue 18): refused in the core's update path, before any plugin,
with one line and then silence, on every replica and across a restart; audited."""

from __future__ import annotations

from typing import Any

import pytest

from lucien.core.menus import MenuCallback
from lucien.core.testing.harness import BotHarness

BLOCKED = "An administrator has closed this bot to you."  # error.blocked, plain
RETURNING = "Welcome back, Ana. Choose an option below."  # greeting.returning, plain


@pytest.mark.lucien(plugins=["greeter"], redis=True)
@pytest.mark.parametrize("db_kind", ["postgres", "sqlite"], indirect=True)
async def test_a_blocked_user_gets_one_line_then_silence_everywhere(
    harness: BotHarness, greeter_entry_points: list[Any]
) -> None:
    harness.entry_points = greeter_entry_points
    first = await harness.start_app()
    ana = harness.user("Ana")
    await ana.send("/start")
    greeting = ana.last.text
    await first.ctx.users.drain()  # the user row exists

    assert await first.ctx.users.block(ana.id, by=777) is True
    assert await first.ctx.users.block(ana.id, by=777) is False  # already
    await ana.send("/start")
    assert ana.last.text == BLOCKED
    count = len(ana.messages)
    await ana.send("/greet")  # a plugin's command: refused before the plugin
    await ana.send("/start")
    assert len(ana.messages) == count  # silence

    # Another replica (the webhook moves to it) and a restart: still silence.
    second = await harness.start_app()
    await ana.send("/start")
    await first.stop()
    harness.apps.remove(first)
    await ana.send("/start")
    assert len(ana.messages) == count

    entries = await second.ctx.audit.for_target(ana.id)
    assert [(e.action, e.actor_id) for e in entries] == [("user.block", 777)]

    assert await second.ctx.users.unblock(ana.id, by=777) is True
    await ana.send("/start")
    assert greeting != RETURNING and ana.last.text == RETURNING  # served again, known
    entries = await second.ctx.audit.for_target(ana.id)
    assert [e.action for e in entries] == ["user.unblock", "user.block"]


@pytest.mark.lucien(plugins=["greeter"], admin_ids=[])
@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True)
async def test_a_blocked_users_button_is_answered_silently(
    harness: BotHarness, greeter_entry_points: list[Any]
) -> None:
    harness.entry_points = greeter_entry_points
    app = await harness.start_app()
    ana = harness.user("Ana")
    await ana.send("/start")
    menu = ana.last
    await app.ctx.users.drain()
    await app.ctx.users.block(ana.id, by=None)
    await ana.send("/start")  # the one line
    data = MenuCallback().pack()  # the main-menu button, from the message she still sees
    count = len(ana.messages)
    query = await ana.press(menu, data)
    assert query.answered and not query.text  # no spinning button, no second line
    assert len(ana.messages) == count
