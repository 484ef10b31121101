"""The admins' "Paquetes de contenido": every package (active and inactive, paged), a
package's detail and its actions (deactivate, reactivate, move, preview, choose a field
to edit). The form that creates or edits is in `admin_form.py`.

The router is included under the guarded one, whose role filter admits admins only.
"""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, User

from lucien.core.context import AppContext
from lucien.core.formatting import Markup
from lucien.core.menus import edit_or_send
from lucien.core.prompts import close_prompt
from lucien.plugins.content import keyboards as kb
from lucien.plugins.content.handlers.common import (
    alert_text,
    category_label,
    price_line,
    service,
    show_package,
)
from lucien.plugins.content.keyboards import ContentAdmin
from lucien.plugins.content.services import PAGE_SIZE, PackageView


async def list_text(ctx: AppContext, user: User, page: Any) -> str:
    """The list's header: how many packages, which page (or that there are none)."""
    if not page.total:
        return await ctx.voice.say("content.admin.list_empty", user=user)
    return await ctx.voice.say(
        "content.admin.list", user=user, count=page.total, page=page.page + 1, pages=page.pages
    )


async def show_admin_list(query: CallbackQuery, ctx: AppContext, page: int, note: str = "") -> None:
    """One page of every package, each a button (inactive ones marked), after `note` (what
    was just done) when given."""
    user = query.from_user
    shown = await service(ctx).packages.page_all(page)
    text = await list_text(ctx, user, shown)
    await edit_or_send(
        query, f"{note}\n\n{text}" if note else text, await kb.admin_list(ctx, user, shown)
    )


async def detail_text(ctx: AppContext, user: Any, package: PackageView) -> str:
    """What the admin sees of a package: every field, its state and position."""
    state = "active" if package.active else "inactive"
    media = package.media_kind if package.media_file_id else "none"
    return await ctx.voice.say(
        "content.admin.detail",
        user=user,
        package=package.name,
        category=await category_label(ctx, user, package.category),
        state=Markup(await ctx.voice.say(f"content.state.{state}", user=user)),
        price_line=await price_line(ctx, user, package, admin=True),
        media=Markup(await ctx.voice.say(f"content.media.{media}", user=user)),
        position=package.position,
        description=package.description,
    )


async def show_detail(
    query: CallbackQuery, ctx: AppContext, package: PackageView, note: str = ""
) -> None:
    """A package's detail in place of the pressed screen, after `note` when given."""
    user = query.from_user
    text = await detail_text(ctx, user, package)
    await edit_or_send(
        query, f"{note}\n\n{text}" if note else text, await kb.admin_detail(ctx, user, package)
    )


async def not_found(query: CallbackQuery, ctx: AppContext) -> Any:
    """A button to a package that no longer exists: an alert."""
    text = await ctx.voice.say("content.admin.not_found", user=query.from_user)
    return query.answer(alert_text(text), show_alert=True)


def create_router() -> Router:
    """The packages' screens (guarded by the parent router)."""
    router = Router(name="content:admin:packages")

    @router.callback_query(ContentAdmin.filter(F.action == "list"))
    async def list_button(
        query: CallbackQuery, callback_data: ContentAdmin, ctx: AppContext, state: FSMContext
    ) -> Any:
        # The list abandons a form left open (its buttons go).
        if await state.get_state() is not None:
            await close_prompt(state, query.bot, query.from_user.id)
        await show_admin_list(query, ctx, callback_data.page)
        return query.answer()

    @router.callback_query(ContentAdmin.filter(F.action == "pkg"))
    async def package_button(
        query: CallbackQuery, callback_data: ContentAdmin, ctx: AppContext
    ) -> Any:
        package = await service(ctx).packages.get(callback_data.id)
        if package is None:
            return await not_found(query, ctx)
        await show_detail(query, ctx, package)
        return query.answer()

    @router.callback_query(ContentAdmin.filter(F.action.in_({"off", "on"})))
    async def toggle_button(
        query: CallbackQuery, callback_data: ContentAdmin, ctx: AppContext
    ) -> Any:
        """Deactivate (hidden from users at once, on every replica) or reactivate."""
        active = callback_data.action == "on"
        package = await service(ctx).packages.set_active(callback_data.id, active)
        if package is None:
            return await not_found(query, ctx)
        key = "content.admin.reactivated" if active else "content.admin.deactivated"
        note = await ctx.voice.say(key, user=query.from_user, package=package.name)
        await show_detail(query, ctx, package, note)
        return query.answer()

    @router.callback_query(ContentAdmin.filter(F.action.in_({"up", "down"})))
    async def move_button(
        query: CallbackQuery, callback_data: ContentAdmin, ctx: AppContext
    ) -> Any:
        """Move one place in the display order; the list's page that shows it follows,
        saying where it is now (or that it already was first or last)."""
        up = callback_data.action == "up"
        outcome = await service(ctx).packages.move(callback_data.id, -1 if up else 1)
        if outcome is None:
            return await not_found(query, ctx)
        package = outcome.package
        if outcome.moved:
            key = "content.admin.moved_up" if up else "content.admin.moved_down"
        else:
            key = "content.admin.already_first" if up else "content.admin.already_last"
        note = await ctx.voice.say(
            key,
            user=query.from_user,
            package=package.name,
            position=package.position,
            places=outcome.total,  # a place among them, not a count to agree with
        )
        await show_admin_list(query, ctx, (package.position - 1) // PAGE_SIZE, note)
        return query.answer()

    @router.callback_query(ContentAdmin.filter(F.action == "preview"))
    async def preview_button(
        query: CallbackQuery, callback_data: ContentAdmin, ctx: AppContext
    ) -> Any:
        """The package exactly as a user sees it (its buttons answer as a preview)."""
        package = await service(ctx).packages.get(callback_data.id)
        if package is None:
            return await not_found(query, ctx)
        markup = await kb.user_detail(ctx, query.from_user, package.id, preview=True)
        await show_package(query, ctx, package, markup)
        if not package.active:  # as users would see it, were it not hidden from them
            text = await ctx.voice.say(
                "content.admin.preview_hidden", user=query.from_user, package=package.name
            )
            return query.answer(alert_text(text), show_alert=True)
        return query.answer()

    @router.callback_query(ContentAdmin.filter(F.action == "pv_want"))
    async def preview_want(query: CallbackQuery, ctx: AppContext) -> Any:
        text = await ctx.voice.say("content.admin.preview_want", user=query.from_user)
        return query.answer(alert_text(text), show_alert=True)

    @router.callback_query(ContentAdmin.filter(F.action == "edit"))
    async def edit_button(
        query: CallbackQuery, callback_data: ContentAdmin, ctx: AppContext
    ) -> Any:
        """Which field to edit."""
        package = await service(ctx).packages.get(callback_data.id)
        if package is None:
            return await not_found(query, ctx)
        user = query.from_user
        text = await ctx.voice.say("content.admin.edit_choose", user=user, package=package.name)
        await edit_or_send(query, text, await kb.edit_fields(ctx, user, package.id))
        return query.answer()

    return router
