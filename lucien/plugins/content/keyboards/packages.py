"""The users' keyboards (lists, detail, after "Me interesa") and the admins' for packages
(list, detail, fields, the form's steps)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from lucien.core.menus import back_to_menu_button
from lucien.plugins.content.keyboards.common import (
    LABEL_MARKED,
    LABEL_PACKAGE,
    ContentAdmin,
    ContentMenu,
    button,
    markup,
    pager_row,
    short,
)
from lucien.plugins.content.services import CATEGORIES

if TYPE_CHECKING:
    from lucien.core.context import AppContext
    from lucien.plugins.content.services import ListedPackage, PackageView, Page


# ------------------------------------------------------------------ users


async def user_list(
    ctx: AppContext, user: Any, page: Page, items: list[ListedPackage]
) -> InlineKeyboardMarkup:
    """One button per package of the page, the pager, back to the main menu."""
    rows = [
        [
            await button(
                ctx,
                "button.content.item",
                user,
                ContentMenu(action="pkg", id=p.id, page=page.page),
                package=short(p.name, LABEL_PACKAGE),
            )
        ]
        for p in items
    ]
    pager = await pager_row(ctx, user, page, lambda n: ContentMenu(action="list", page=n))
    if pager:
        rows.append(pager)
    rows.append([await back_to_menu_button(ctx, user)])
    return markup(rows)


async def user_detail(
    ctx: AppContext, user: Any, package_id: int, page: int = 0, *, preview: bool = False
) -> InlineKeyboardMarkup:
    """ "Me interesa" and back to the list; in an admin's preview the same labels, leading
    to the preview's own answers."""
    if preview:
        want: CallbackData = ContentAdmin(action="pv_want", id=package_id)
        back: CallbackData = ContentAdmin(action="pkg", id=package_id)
    else:
        want = ContentMenu(action="want", id=package_id, page=page)
        back = ContentMenu(action="list", page=page)
    return markup([
        [await button(ctx, "button.content.want", user, want)],
        [await button(ctx, "button.content.back", user, back)],
    ])  # fmt: skip


async def after_interest(ctx: AppContext, user: Any, page: int) -> InlineKeyboardMarkup:
    """After "Me interesa": back to the list (its page), or to the main menu."""
    return markup([
        [await button(ctx, "button.content.back", user, ContentMenu(action="list", page=page))],
        [await back_to_menu_button(ctx, user)],
    ])  # fmt: skip


# ------------------------------------------------------------------ admins: packages


async def admin_list(ctx: AppContext, user: Any, page: Page) -> InlineKeyboardMarkup:
    """One button per package (inactive ones marked), new package, pager, main menu."""
    rows = []
    for p in page.items:
        key = "button.content.admin.item" if p.active else "button.content.admin.item_off"
        data = ContentAdmin(action="pkg", id=p.id, page=page.page)
        name = short(p.name, LABEL_PACKAGE if p.active else LABEL_MARKED)
        rows.append([await button(ctx, key, user, data, package=name)])
    rows.append([await button(ctx, "button.content.admin.new", user, ContentAdmin(action="new"))])
    pager = await pager_row(ctx, user, page, lambda n: ContentAdmin(action="list", page=n))
    if pager:
        rows.append(pager)
    rows.append([await back_to_menu_button(ctx, user)])
    return markup(rows)


async def admin_detail(ctx: AppContext, user: Any, package: PackageView) -> InlineKeyboardMarkup:
    """A package's actions: edit, preview, deactivate or reactivate, move, back."""
    pid = package.id
    toggle = (
        await button(ctx, "button.content.admin.off", user, ContentAdmin(action="off", id=pid))
        if package.active
        else await button(ctx, "button.content.admin.on", user, ContentAdmin(action="on", id=pid))
    )
    return markup([
        [await button(ctx, "button.content.admin.edit", user, ContentAdmin(action="edit", id=pid)),
         await button(ctx, "button.content.admin.preview", user, ContentAdmin(action="preview", id=pid))],
        [toggle],
        [await button(ctx, "button.content.admin.up", user, ContentAdmin(action="up", id=pid)),
         await button(ctx, "button.content.admin.down", user, ContentAdmin(action="down", id=pid))],
        [await button(ctx, "button.content.admin.list", user, ContentAdmin(action="list"))],
    ])  # fmt: skip


async def edit_fields(ctx: AppContext, user: Any, package_id: int) -> InlineKeyboardMarkup:
    """Which field to edit."""
    rows = [
        [
            await button(
                ctx,
                f"button.content.field.{field}",
                user,
                ContentAdmin(action="field", id=package_id, f=field),
            )
        ]
        for field in ("name", "description", "category", "price", "media")
    ]
    rows.append(
        [await button(ctx, "button.content.back", user, ContentAdmin(action="pkg", id=package_id))]
    )
    return markup(rows)


async def form_step(ctx: AppContext, user: Any, step: str) -> InlineKeyboardMarkup:
    """Under each question of the form: the step's own choices, then Back and Cancel."""
    rows: list[list[InlineKeyboardButton]] = []
    if step == "category":
        for category in CATEGORIES:
            rows.append(
                [
                    await button(
                        ctx,
                        f"button.content.category.{category}",
                        user,
                        ContentAdmin(action="cat", f=category),
                    )
                ]
            )
    elif step == "price":
        rows.append(
            [await button(ctx, "button.content.noprice", user, ContentAdmin(action="noprice"))]
        )
    elif step == "media":
        rows.append(
            [await button(ctx, "button.content.nomedia", user, ContentAdmin(action="nomedia"))]
        )
    rows.append([
        await button(ctx, "button.content.back", user, ContentAdmin(action="back")),
        await button(ctx, "button.content.cancel", user, ContentAdmin(action="cancel")),
    ])  # fmt: skip
    return markup(rows)


async def to_package(ctx: AppContext, user: Any, package_id: int) -> InlineKeyboardMarkup:
    """After a change: the package, and the list."""
    return markup([
        [await button(ctx, "button.content.admin.open", user, ContentAdmin(action="pkg", id=package_id))],
        [await button(ctx, "button.content.admin.list", user, ContentAdmin(action="list"))],
    ])  # fmt: skip


async def to_list(ctx: AppContext, user: Any) -> InlineKeyboardMarkup:
    """After a cancelled form: the list of packages."""
    return markup(
        [[await button(ctx, "button.content.admin.list", user, ContentAdmin(action="list"))]]
    )
