"""The user card names things as people read them, never by internal names (issue 18,
what a tester found): everyone's role, which no plugin labels, is the card's own word for
it ("visitante"); a role another plugin grants points to that plugin's section instead of
naming the plugin; the free plugin's audited actions have labels; every time names the
creator's timezone. In Lucien's voice (Spanish) and in English.
"""

from __future__ import annotations

from importlib.metadata import EntryPoint
from typing import Any

import pytest

from lucien.core.plugin import PluginInfo, RoleSpec, Section, hookimpl
from lucien.plugins.admin.tests.helpers import ENTRY_POINTS

PATRONS: set[int] = set()  # granted "patron" by the plugin with a section
STEWARDS: set[int] = set()  # granted "steward" by the plugin without one


class Acme:
    """A third-party plugin: grants the role "patron" and shows a section about it."""

    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="acme", version="0.0.0")

    @hookimpl
    def lucien_roles(self) -> list[RoleSpec]:
        return [RoleSpec("patron", 40)]

    @hookimpl
    async def lucien_resolve_role(self, ctx: Any, user_id: int) -> str | None:
        return "patron" if user_id in PATRONS else None

    @hookimpl
    async def lucien_user_card(self, ctx: Any, user_id: int, viewer: Any) -> Section | None:
        return Section(title="<b>Benefactors &amp; friends</b>", lines=("Since spring",))


class Quiet:
    """A third-party plugin granting "steward" with no section on the card."""

    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="quiet", version="0.0.0")

    @hookimpl
    def lucien_roles(self) -> list[RoleSpec]:
        return [RoleSpec("steward", 45)]

    @hookimpl
    async def lucien_resolve_role(self, ctx: Any, user_id: int) -> str | None:
        return "steward" if user_id in STEWARDS else None


acme = Acme()
quiet = Quiet()

pytestmark = pytest.mark.lucien(
    entry_points=[
        *ENTRY_POINTS,
        EntryPoint("free", "lucien.plugins.free:plugin", "lucien.plugins"),
        EntryPoint("acme", f"{__name__}:acme", "lucien.plugins"),
        EntryPoint("quiet", f"{__name__}:quiet", "lucien.plugins"),
    ],
    plugins=["voice", "admin", "free", "acme", "quiet"],
)

FREE_ACTIONS = ("free.approve_now", "free.decline", "free.expel")


async def _card(admin: Any, who: Any) -> str:
    await admin.send("/users")
    await admin.send(str(who.id))
    return str(admin.last.text)


async def _audit_free_actions(harness: Any, admin: Any, target: Any) -> None:
    """The free plugin's card, queue and expel actions, as its services record them."""
    ctx = harness.ctx
    async with ctx.db.session() as s:
        for action in FREE_ACTIONS:
            await ctx.audit.record(
                s, actor_id=admin.id, plugin="free", action=action, target_id=target.id
            )


async def test_the_card_in_spanish_names_roles_actions_and_zone(harness: Any) -> None:
    diana = harness.admin("Diana", language_code="es")
    bea = harness.user("Bea")
    eva = harness.user("Eva")
    PATRONS.add(bea.id)
    STEWARDS.add(bea.id)
    try:
        await harness.start_app()
        for person in (bea, eva):
            await person.send("/start")
        await harness.ctx.users.drain()

        # Everyone's role (the built-in "free", which no plugin labels): a word, not a name.
        card = await _card(diana, eva)
        assert "\nRol: visitante\nNo está bloqueado." in card
        assert "free" not in card

        # Third-party roles without labels are shown as declared; where they come from
        # is the plugin's section (by its title) or, without one, said plainly.
        card = await _card(diana, bea)
        assert (
            "\nRol: steward\n"
            "— patron (véase «Benefactors & friends» más abajo)\n"
            "— steward, concedido por otra parte de la casa\n"
        ) in card
        assert "acme" not in card and "quiet" not in card

        # The free plugin's audited actions, in words, each time in the creator's zone
        # (Mexico City; a January day at noon UTC: 6:00 CST).
        await _audit_free_actions(harness, diana, bea)
        card = await _card(diana, bea)
        audit = card[card.index("Últimas acciones") :]
        for label in (
            "solicitud aprobada sin esperar",
            "solicitud de entrada rechazada",
            "expulsado del vestíbulo",
        ):
            assert f"1 de enero de 2026, 6:00 (CST) — Diana: {label}" in audit
        assert "free." not in audit
        assert "Llegó el 1 de enero de 2026, 6:00 (CST)." in card
    finally:
        PATRONS.discard(bea.id)
        STEWARDS.discard(bea.id)


async def test_the_card_in_english(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    bea = harness.user("Bea")
    STEWARDS.add(bea.id)
    try:
        await harness.start_app()
        await bea.send("/start")
        await harness.ctx.users.drain()
        await _audit_free_actions(harness, ada, bea)
        card = await _card(ada, bea)
        assert "\nRole: <b>steward</b>\n— steward, granted by another part of the house\n" in (
            ada.last.html
        )
        audit = card[card.index("Latest actions") :]
        for label in (
            "request approved without waiting",
            "request to enter declined",
            "expelled from the vestibule",
        ):
            assert f"January 1, 2026, 6:00\u202fAM (CST) — Ada: {label}" in audit
        STEWARDS.discard(bea.id)
        await harness.ctx.cache.invalidate("role", str(bea.id))
        assert "\nRole: guest\nNot blocked." in await _card(ada, bea)
    finally:
        STEWARDS.discard(bea.id)
