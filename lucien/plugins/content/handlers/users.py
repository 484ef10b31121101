"""The users' screens: the packages their role may see ("Mi contenido" for free users,
"Premium" for VIPs), a package's detail, and "Me interesa".

Which packages a user sees follows the role the core resolved for this update, never the
button pressed: a forged or old button shows the user's own list. A button to a package
that is gone (deactivated, or not for this role) is answered with a polite line and the
current list.
"""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.types import CallbackQuery

from lucien.core.context import AppContext
from lucien.core.menus import edit_or_send
from lucien.core.plugin import Role
from lucien.plugins.content import keyboards as kb
from lucien.plugins.content.handlers.common import alert_text, service, show_package
from lucien.plugins.content.keyboards import ContentMenu
from lucien.plugins.content.services import AUDIENCES, PAGE_SIZE, Page, audience_of


async def show_list(query: CallbackQuery, ctx: AppContext, role: Role | None, page: int) -> None:
    """One page of the packages the user's role sees, each a button."""
    user = query.from_user
    audience = audience_of(ctx, role)
    packages = await service(ctx).packages.visible(audience)
    pages = max(1, -(-len(packages) // PAGE_SIZE))
    page = min(max(0, page), pages - 1)
    items = packages[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    if packages:
        key = "content.list.free" if audience == "free" else "content.list.vip"
        text = await ctx.voice.say(key, user=user, count=len(packages), page=page + 1, pages=pages)
    else:
        text = await ctx.voice.say("content.list.empty", user=user)
    shown = Page(items, page, pages, len(packages))
    await edit_or_send(query, text, await kb.user_list(ctx, user, shown, items))


async def gone(query: CallbackQuery, ctx: AppContext, role: Role | None, page: int) -> None:
    """A button to a package the user may no longer see: a polite line, then the list."""
    await query.answer(
        alert_text(await ctx.voice.say("content.package.gone", user=query.from_user)),
        show_alert=True,
    )
    await show_list(query, ctx, role, page)


def create_router() -> Router:
    """The users' screens (every role; what each sees depends on the role)."""
    router = Router(name="content:users")

    @router.callback_query(ContentMenu.filter(F.action == "list"))
    async def list_button(
        query: CallbackQuery, callback_data: ContentMenu, ctx: AppContext, role: Role | None
    ) -> Any:
        await show_list(query, ctx, role, callback_data.page)
        return query.answer()

    @router.callback_query(ContentMenu.filter(F.action == "pkg"))
    async def package_button(
        query: CallbackQuery, callback_data: ContentMenu, ctx: AppContext, role: Role | None
    ) -> Any:
        package = await service(ctx).packages.get(callback_data.id)
        categories = AUDIENCES[audience_of(ctx, role)]
        if package is None or not package.active or package.category not in categories:
            return await gone(query, ctx, role, callback_data.page)
        markup = await kb.user_detail(ctx, query.from_user, package.id, callback_data.page)
        await show_package(query, ctx, package, markup)
        return query.answer()

    @router.callback_query(ContentMenu.filter(F.action == "want"))
    async def want_button(
        query: CallbackQuery, callback_data: ContentMenu, ctx: AppContext, role: Role | None
    ) -> Any:
        """ "Me interesa": recorded once per window, the admins told; a voiced line."""
        user = query.from_user

        async def notify_markup(admin: Any, interest: Any) -> Any:
            return await kb.notification(ctx, admin, interest)

        outcome = await service(ctx).interests.record(
            user, callback_data.id, audience_of(ctx, role), notify_markup
        )
        if outcome.status == "gone" or outcome.package is None:
            return await gone(query, ctx, role, callback_data.page)
        key = (
            "content.interest.recorded"
            if outcome.status == "recorded"
            else ("content.interest.repeat")
        )
        text = await ctx.voice.say(key, user=user, package=outcome.package.name)
        await query.answer()
        if query.bot is not None:
            await query.bot.send_message(
                user.id, text, reply_markup=await kb.after_interest(ctx, user, callback_data.page)
            )
        return None

    return router
