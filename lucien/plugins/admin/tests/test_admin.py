"""The admin plugin end to end: roles, menus, settings from chat, access control.

The vip and free plugins are stood in for by small fakes defined here (their settings
models carry the editable fields the real ones will), so these tests pin the admin
plugin's behaviour on its own. Voice-less runs use the declared plain defaults, which
makes the texts exact; one test runs with the voice plugin.
"""

from __future__ import annotations

import secrets
from importlib.metadata import EntryPoint
from typing import Any

import pytest
from aiogram import F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData, CallbackQueryFilter
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import event, func, select

from lucien.core.db.models import PluginSetting, PluginSettingChange
from lucien.core.menus import MenuCallback
from lucien.core.plugin import MenuButton, MessageKey, PluginInfo, RoleSpec, hookimpl
from lucien.core.testing.emulator.state import CallbackQueryState
from lucien.plugins.admin.handlers import create_router
from lucien.plugins.admin.models import Admin

# ----------------------------------------------------------------------------- fakes

VIP_USERS: set[int] = set()


def _editable(kind: str, **extra: Any) -> dict[str, Any]:
    return {"lucien": {"editable": True, "kind": kind, **extra}}


class FakeVipSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VIP_", extra="ignore")
    channel_id: int | None = Field(
        None,
        json_schema_extra=_editable("channel", rights=["can_invite_users", "can_restrict_members"]),
    )


class FakeFreeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FREE_", extra="ignore")
    channel_id: int | None = Field(
        None, json_schema_extra=_editable("channel", rights=["can_invite_users"])
    )
    wait_minutes: int = Field(5, ge=0, le=10080, json_schema_extra=_editable("int"))
    social_links: list[str] = Field(default_factory=list, json_schema_extra=_editable("links"))


class AreaCallback(CallbackData, prefix="area"):
    name: str


class FakeAreaPlugin:
    """A role's menu entry leading to a screen with a button back to the main menu."""

    def __init__(self, name: str, role: str, settings: type[BaseSettings], label: str) -> None:
        self.name, self.role, self.settings, self.label = name, role, settings, label

    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(name=self.name, version="9.9.9")

    @hookimpl
    def lucien_settings_model(self) -> type[BaseSettings]:
        return self.settings

    @hookimpl
    def lucien_messages(self) -> list[MessageKey]:
        area = MessageKey(f"test.{self.name}.area", f"The {self.name} area.")
        if self.role == "vip":  # the plugin declaring a role gives its menu's header
            return [area, MessageKey("menu.header.vip", "VIP menu. Choose an option.")]
        return [area]

    @hookimpl
    def lucien_roles(self) -> list[RoleSpec]:
        return [RoleSpec("vip", 50)] if self.role == "vip" else []

    @hookimpl
    async def lucien_resolve_role(self, ctx: Any, user_id: int) -> str | None:
        return "vip" if self.role == "vip" and user_id in VIP_USERS else None

    @hookimpl
    def lucien_menu_buttons(self, ctx: Any, role: str) -> list[MenuButton]:
        if role != self.role:
            return []
        return [MenuButton(self.label, AreaCallback(name=self.name).pack(), order=20)]

    @hookimpl
    def lucien_routers(self, ctx: Any) -> list[Router]:
        router = Router(name=self.name)

        @router.callback_query(AreaCallback.filter(F.name == self.name))
        async def area(query: CallbackQuery, ctx: Any) -> Any:
            back = InlineKeyboardButton(
                text=await ctx.voice.button("button.menu", user=query.from_user),
                callback_data=MenuCallback().pack(),
            )
            assert isinstance(query.message, Message)  # the menu message, never a stale one
            await query.message.edit_text(
                await ctx.voice.say(f"test.{self.name}.area", user=query.from_user),
                reply_markup=InlineKeyboardMarkup(inline_keyboard=[[back]]),
            )
            return query.answer()

        return [router]


fake_vip = FakeAreaPlugin("vip", "vip", FakeVipSettings, "VIP area")
fake_free = FakeAreaPlugin("free", "free", FakeFreeSettings, "Free area")

ENTRY_POINTS = [
    EntryPoint("admin", "lucien.plugins.admin:plugin", "lucien.plugins"),
    EntryPoint("voice", "lucien.plugins.voice:plugin", "lucien.plugins"),
    EntryPoint("vip", f"{__name__}:fake_vip", "lucien.plugins"),
    EntryPoint("free", f"{__name__}:fake_free", "lucien.plugins"),
]
PLAIN = ["admin", "vip", "free"]  # without the voice: exact plain defaults

pytestmark = pytest.mark.lucien(entry_points=ENTRY_POINTS, plugins=PLAIN)

ADMIN_MENU = [
    ["Configuration"],
    ["Users"],
    ["Statistics"],
    ["Administrators"],
    ["Plugins"],
]
CONFIG_BUTTONS = [
    ["Free channel"],
    ["Wait time"],
    ["Social links"],
    ["VIP channel"],
    ["Free welcome · Spanish"],
    ["Free welcome · English"],
    ["VIP welcome · Spanish"],
    ["VIP welcome · English"],
    ["Back"],
]
FORBIDDEN = "This option is only available to administrators."


@pytest.fixture(autouse=True)
def _no_vips() -> Any:
    VIP_USERS.clear()
    yield
    VIP_USERS.clear()


# ----------------------------------------------------------------------------- helpers


async def forge_click(harness: Any, actor: Any, data: str) -> CallbackQueryState:
    """Press a button with arbitrary callback data, as a modified client could."""
    account = harness.emulator.bot
    target = actor.messages[-1]
    query = CallbackQueryState(secrets.token_hex(8), actor.id, account.id, target.message_id, data)
    harness.emulator.callback_queries[query.id] = query
    body = {
        "id": query.id,
        "from": actor.user.to_api(),
        "message": target.to_api(),
        "chat_instance": "1",
        "data": data,
    }
    await harness.emulator.wait_handled([account.queue.push("callback_query", body)])
    return query


async def setting(ctx: Any, plugin: str, key: str) -> Any:
    return getattr(await ctx.config.get(plugin), key)


async def count(ctx: Any, model: Any) -> int:
    """Rows that admins saved (the core keeps its own bookkeeping under plugin "core")."""
    async with ctx.db.session() as s:
        query = select(func.count()).select_from(model)
        if hasattr(model, "plugin"):
            query = query.where(model.plugin != "core")
        return int(await s.scalar(query))


async def open_setting(actor: Any, label: str) -> None:
    await actor.send("/config")
    await actor.click(label)


# ----------------------------------------------------------------------------- menus


async def test_each_role_sees_its_menu_and_every_path_comes_back(harness: Any) -> None:
    admin = harness.admin("Ada")
    vip = harness.user("Vera")
    free = harness.user("Fred")
    VIP_USERS.add(vip.id)
    await harness.start_app()

    await admin.send("/start")
    assert admin.last.text == "Welcome, Ada. Choose an option from the menu below."
    assert admin.last.buttons == ADMIN_MENU
    menu_id = admin.last.message_id

    # Every admin screen, and Back to the main menu, edited in place.
    await admin.click("Configuration")
    assert admin.last.message_id == menu_id
    assert admin.last.text == "Bot configuration. Choose what to change."
    assert admin.last.buttons == CONFIG_BUTTONS
    await admin.click("Back")
    assert (admin.last.message_id, admin.last.text) == (menu_id, "Admin menu. Choose an option.")
    assert admin.last.buttons == ADMIN_MENU

    await admin.click("Plugins")
    assert admin.last.message_id == menu_id
    assert "admin" in admin.last.text and "• vip 9.9.9 — enabled" in admin.last.text
    assert "voice" in admin.last.text and "disabled" in admin.last.text
    await admin.click("Back")
    assert admin.last.buttons == ADMIN_MENU

    await harness.ctx.users.drain()  # her name is recorded in the background
    await admin.click("Administrators")
    assert f"• Ada ({admin.id})" in admin.last.text
    assert admin.last.buttons == [["Add administrator"], ["Back"]]
    await admin.click("Back")
    assert admin.last.buttons == ADMIN_MENU

    await admin.click("Configuration")
    await admin.click("Wait time")
    assert admin.last.buttons == [["Cancel"]]
    await admin.click("Cancel")
    assert admin.last.text == "Cancelled. Nothing was changed."
    await admin.click("Back")  # to the configuration screen
    assert admin.last.text == "Bot configuration. Choose what to change."
    assert len(admin.messages) == 1  # every screen was the same message, edited

    for actor, label, role_header in (
        (vip, "VIP area", "VIP menu"),
        (free, "Free area", "Main menu"),
    ):
        await actor.send("/start")
        assert actor.last.buttons == [[label]]
        await actor.click(label)
        assert actor.last.text.startswith("The ")
        await actor.click("Main menu")
        assert actor.last.text.startswith(role_header)
        assert actor.last.buttons == [[label]]
        assert len(actor.messages) == 1


async def test_start_with_a_payload_is_left_to_other_plugins(harness: Any) -> None:
    await harness.start_app()
    ana = harness.user("Ana")
    await ana.send("/start sometoken")
    # Deep links belong to other plugins (vip's tokens): the admin plugin does not greet;
    # one nobody claims gets the core's answer and the way to the menu.
    assert [m.text for m in ana.messages] == ["I do not recognise that link. Here is your menu."]
    assert ana.last.buttons == [["Main menu"]]


async def test_stale_buttons_get_a_graceful_answer(harness: Any) -> None:
    admin = harness.admin("Ada")
    await harness.start_app()
    await admin.send("/start")
    for data in ("nobody:handles:this", "cfg:edit:gone:nothing", "bcast:send:"):
        query = await forge_click(harness, admin, data)
        assert query.answered and query.show_alert
        assert query.text == "This menu is out of date. Here is the current one."
    assert admin.last.buttons == ADMIN_MENU  # nothing else changed


# ----------------------------------------------------------------------------- channels


async def test_admin_sets_the_vip_channel_by_forwarding_a_post(harness: Any) -> None:
    admin = harness.admin("Ada")
    await harness.start_app()
    channel = harness.emulator.create_channel("VIP Lounge", username="viplounge")

    await open_setting(admin, "VIP channel")
    assert admin.last.text.startswith("Forward a message from the VIP channel")
    await admin.forward_from(channel.id, "a post")
    assert admin.last.text == "VIP channel set: VIP Lounge (@viplounge)."
    assert admin.last.buttons == [["Back"], ["Main menu"]]

    ctx = harness.ctx
    assert await setting(ctx, "vip", "channel_id") == channel.id
    [change] = await ctx.config.history("vip", "channel_id")
    assert (change.old_value, change.new_value, change.changed_by) == (None, channel.id, admin.id)

    # The free channel by @username and the same checks.
    free_channel = harness.emulator.create_channel("Free", username="freehall")
    await open_setting(admin, "Free channel")
    await admin.send("@freehall")
    assert admin.last.text == "Free channel set: Free (@freehall)."
    assert await setting(ctx, "free", "channel_id") == free_channel.id


async def test_a_channel_where_the_bot_lacks_rights_is_refused_with_the_reason(
    harness: Any,
) -> None:
    admin = harness.admin("Ada")
    await harness.start_app()
    weak = harness.emulator.create_channel("Weak", bot_rights={"can_invite_users": True})
    member_only = harness.emulator.create_channel("Plain", bot_is_admin=False)

    await open_setting(admin, "VIP channel")
    await admin.forward_from(weak.id)
    assert admin.last.text == (
        "The bot lacks these rights in Weak: restrict members. Grant them and try again."
    )
    assert admin.last.buttons == [["Cancel"]]  # still in the step
    await admin.send(str(member_only.id))
    assert admin.last.text == (
        "The bot is not an administrator of Plain. Add it as an administrator and try again."
    )
    await admin.send("@nosuchchannel")
    assert admin.last.text.startswith("Channel @nosuchchannel was not found.")
    await admin.click("Cancel")
    assert admin.last.text == "Cancelled. Nothing was changed."

    ctx = harness.ctx
    assert await setting(ctx, "vip", "channel_id") is None
    assert await count(ctx, PluginSetting) == 0
    assert await count(ctx, PluginSettingChange) == 0

    # Granting the right makes the same channel acceptable.
    await harness.emulator.wait_handled(
        harness.emulator.set_bot_rights(weak.id, can_restrict_members=True)
    )
    await open_setting(admin, "VIP channel")
    await admin.forward_from(weak.id)
    assert admin.last.text == "VIP channel set: Weak."
    assert await setting(ctx, "vip", "channel_id") == weak.id


# ----------------------------------------------------------------------------- values


async def test_a_bad_wait_time_is_refused_and_nothing_changes(harness: Any) -> None:
    admin = harness.admin("Ada")
    await harness.start_app()
    await open_setting(admin, "Wait time")
    assert admin.last.text == (
        "Send the wait time, in minutes, before free-channel requests are approved. "
        "Current: 5 minutes."
    )
    for bad in ("soon", "99999", "-3"):
        await admin.send(bad)
        assert admin.last.text == (
            f"'{bad}' is not a valid wait time. Send a whole number of minutes from 0 to 10080."
        )
    ctx = harness.ctx
    assert await setting(ctx, "free", "wait_minutes") == 5
    assert await count(ctx, PluginSetting) == 0

    await admin.send("30")
    assert admin.last.text == "Wait time set to 30 minutes."
    assert await setting(ctx, "free", "wait_minutes") == 30
    assert await ctx.config.version("free", "wait_minutes") == 1


async def test_social_links_and_a_welcome_text_the_user_sees_escaped(harness: Any) -> None:
    admin = harness.admin("Ada")
    fred = harness.user("Fred")
    await harness.start_app()
    await open_setting(admin, "Social links")
    await admin.send("https://instagram.com/x\nnot a link")
    assert admin.last.text.startswith("'not' is not a valid link.")
    await admin.send("https://instagram.com/x\n@x_tiktok")
    assert admin.last.text == "Social links saved: 2."
    assert await setting(harness.ctx, "free", "social_links") == [
        "https://instagram.com/x",
        "@x_tiktok",
    ]
    await open_setting(admin, "Social links")
    await admin.send("-")
    assert admin.last.text == "Social links removed."
    assert await setting(harness.ctx, "free", "social_links") == []

    await open_setting(admin, "Free welcome · Spanish")
    await admin.send("Welcome <b>friend</b> & enjoy")
    assert admin.last.text == "Welcome text saved."
    await fred.send("/start")
    assert fred.last.text == "Welcome <b>friend</b> & enjoy"  # shown literally, not as markup
    assert "&lt;b&gt;" in fred.last.html


async def test_two_admins_edit_the_same_setting_one_wins_the_other_is_told(harness: Any) -> None:
    ada = harness.admin("Ada")
    bob = harness.admin("Bob")
    await harness.start_app()
    await open_setting(ada, "Wait time")
    await open_setting(bob, "Wait time")
    await ada.send("10")
    assert ada.last.text == "Wait time set to 10 minutes."
    await bob.send("20")
    assert bob.last.text == (
        "These settings were changed by someone else in the meantime. "
        "Nothing was saved; review the current values and try again.\n\n"
        "Value now in force for Wait time: 10"
    )
    ctx = harness.ctx
    assert await setting(ctx, "free", "wait_minutes") == 10
    [change] = await ctx.config.history("free", "wait_minutes")
    assert change.changed_by == ada.id

    # Bob, now having seen 10, can change it.
    await open_setting(bob, "Wait time")
    await bob.send("20")
    assert bob.last.text == "Wait time set to 20 minutes."
    assert await setting(ctx, "free", "wait_minutes") == 20


@pytest.mark.lucien(entry_points=ENTRY_POINTS, plugins=PLAIN, redis=True)
async def test_an_edit_survives_a_restart(harness: Any) -> None:
    admin = harness.admin("Ada")
    await harness.start_app()
    await open_setting(admin, "Wait time")
    await harness.apps[0].stop()
    await harness.start_app()
    await admin.send("45")
    assert admin.last.text == "Wait time set to 45 minutes."
    assert await setting(harness.apps[-1].ctx, "free", "wait_minutes") == 45


# ----------------------------------------------------------------------------- access


def _guarded_router() -> Router:
    [guarded] = [r for r in create_router().sub_routers if r.name == "admin:guarded"]
    return guarded


def _walk(router: Router) -> list[Router]:
    found = [router]
    for sub in router.sub_routers:
        found.extend(_walk(sub))
    return found


def _triggers() -> list[tuple[str, Any]]:
    """(kind, trigger) for every handler under the admin router's guarded branch."""
    triggers: list[tuple[str, Any]] = []
    for router in _walk(_guarded_router()):
        for name, observer in router.observers.items():
            for handler in observer.handlers:
                derived: tuple[str, Any] | None = None
                for f in handler.filters or ():
                    flt = f.callback
                    states = getattr(flt, "states", None)
                    if isinstance(flt, Command):
                        derived = ("command", f"/{flt.commands[0]}")
                    elif isinstance(flt, CallbackQueryFilter):
                        derived = ("callback", flt.callback_data().pack())
                    elif derived is None and isinstance(flt, State):
                        derived = ("state", flt.state)
                    elif derived is None and states:
                        state = next(s for s in states if isinstance(s, State))
                        derived = ("state", state.state)
                assert derived is not None, (
                    f"no trigger derived for {name} handler {handler.callback}"
                )
                triggers.append(derived)
    return triggers


async def test_every_admin_handler_refuses_a_non_admin(harness: Any) -> None:
    from aiogram.fsm.storage.base import StorageKey

    triggers = _triggers()
    assert {k for k, _ in triggers} == {"command", "callback", "state"}
    # The users' and statistics screens are under the same guard (issue 18).
    assert {"/users", "/stats", "ucard:0", "uact:block:0:0", "stats:refresh"} <= {
        t for _, t in triggers
    }
    assert ("state", "FindUser:query") in triggers
    assert len(triggers) >= 18
    # Each user sends every trigger in the same (test) instant: flood control off.
    await harness.start_app(flood_burst=0)
    eve = harness.user("Eve")
    VIP_USERS.add(eve.id)  # a VIP is no admin either
    mallory = harness.user("Mallory")
    await eve.send("/start")
    await mallory.send("/start")
    ctx = harness.ctx
    for actor in (eve, mallory):
        for kind, trigger in triggers:
            before = len(actor.messages)
            if kind == "command":
                await actor.send(trigger)
                assert actor.last.text == FORBIDDEN, trigger
            elif kind == "callback":
                query = await forge_click(harness, actor, trigger)
                assert query.answered and query.text == FORBIDDEN and query.show_alert, trigger
                assert len(actor.messages) == before
            else:
                key = StorageKey(bot_id=harness.account.id, chat_id=actor.id, user_id=actor.id)
                await ctx.dispatcher.storage.set_state(key, trigger)
                await actor.send("42")
                assert actor.last.text == FORBIDDEN, trigger
                assert await ctx.dispatcher.storage.get_state(key) is None
        texts = " ".join(m.text or "" for m in actor.messages)
        assert "configuration" not in texts.lower() and "Administrators:" not in texts
    assert await count(ctx, PluginSetting) == 0
    assert await count(ctx, Admin) == 0


# ----------------------------------------------------------------------------- roles


async def test_adding_an_admin_changes_their_menu_on_the_next_update(harness: Any) -> None:
    admin = harness.admin("Ada")
    fred = harness.user("Fred")
    await harness.start_app()
    await fred.send("/start")
    assert fred.last.buttons == [["Free area"]]  # role now cached as free

    await admin.send("/admins")
    await admin.click("Add administrator")
    await admin.send("not-an-id")
    assert admin.last.text == "'not-an-id' is not a valid Telegram id."
    await admin.send(str(fred.id))
    assert admin.last.text == f"User {fred.id} is now an administrator."
    async with harness.ctx.db.session() as s:
        row = await s.get(Admin, fred.id)
    assert row is not None and row.added_by == admin.id

    await fred.send("/start")
    assert fred.last.buttons == ADMIN_MENU
    await fred.send("/config")
    assert fred.last.text == "Bot configuration. Choose what to change."

    await admin.click("Back")
    assert "Fred" in admin.last.text
    await admin.click("Remove Fred")
    assert admin.last.text.startswith(f"User {fred.id} is no longer an administrator.")
    await fred.send("/start")
    assert fred.last.buttons == [["Free area"]]
    await fred.send("/config")
    assert fred.last.text == FORBIDDEN


async def test_admins_from_the_environment_cannot_be_removed_and_not_themselves(
    harness: Any,
) -> None:
    ada = harness.admin("Ada")
    await harness.start_app()
    await ada.send("/admins")
    assert ada.last.buttons == [["Add administrator"], ["Back"]]
    query = await forge_click(harness, ada, f"adms:remove:{ada.id}")
    assert query.text == "You cannot remove yourself as administrator."
    await ada.click("Add administrator")
    await ada.send(str(ada.id))
    assert ada.last.text == f"User {ada.id} is already an administrator."


async def test_a_known_users_role_costs_no_query(harness: Any) -> None:
    harness.admin("Ada")
    fred = harness.user("Fred")
    await harness.start_app()
    ctx = harness.ctx
    await fred.send("/start")  # resolves and caches the role, records the user
    await ctx.users.drain()

    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = ctx.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        await fred.send("/start")
        await fred.send("/menu")
        await ctx.users.drain()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert fred.last.buttons == [["Free area"]]
    assert statements == []


# ----------------------------------------------------------------------------- voice


@pytest.mark.lucien(entry_points=ENTRY_POINTS, plugins=["voice", *PLAIN])
async def test_with_the_voice_creator_and_timezone_are_edited_from_chat(harness: Any) -> None:
    admin = harness.admin("Ada", language_code="en")
    await harness.start_app()
    await admin.send("/config")
    labels = [row[0] for row in admin.last.buttons]
    assert "Diana's name" in labels and "Timezone" in labels

    await admin.click("Timezone")
    await admin.send("Mars/Olympus")
    assert "Mars/Olympus" in admin.last.text and admin.last.buttons == [["Cancel"]]
    assert await setting(harness.ctx, "voice", "timezone") == "America/Mexico_City"
    await admin.send("Europe/Madrid")
    assert "Europe/Madrid" in admin.last.text
    assert await setting(harness.ctx, "voice", "timezone") == "Europe/Madrid"

    await admin.send("/config")
    await admin.click("Diana's name")
    await admin.send("Selene")
    assert "Selene" in admin.last.text
    assert await harness.ctx.voice._creator() == "Selene"
    assert str(harness.ctx.voice.tz) == "Europe/Madrid"
    await admin.send("/config")
    assert "Selene's name" in [row[0] for row in admin.last.buttons]
