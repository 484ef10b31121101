"""The admins' keyboards for interests: the notification's, the inbox's (rows, confirm,
views and filters), the filters' pickers, and where "Ver usuario" leads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from lucien.core.menus import back_to_menu_button
from lucien.plugins.content.keyboards.common import (
    ADMIN_PLUGIN,
    LABEL_MARKED,
    LABEL_PACKAGE,
    LABEL_PERSON,
    LABEL_ROW_PACKAGE,
    LABEL_ROW_PERSON,
    USER_CARD,
    ContentInbox,
    button,
    markup,
    pager_row,
    short,
)
from lucien.plugins.content.services import CATEGORIES

if TYPE_CHECKING:
    from lucien.core.context import AppContext
    from lucien.plugins.content.services import InterestView, PackageView, Page


# ------------------------------------------------------------------ admins: interests


def user_data(ctx: AppContext, user_id: int, src: str = "") -> str:
    """Where "Ver usuario" leads: the admin plugin's card of the user while that plugin is
    enabled, else this plugin's screen of what the house knows (`src` "n": from a
    notification, which then stays as it is)."""
    if ctx.registry.is_enabled(ADMIN_PLUGIN):
        return USER_CARD.format(user_id=user_id)
    return ContentInbox(action="user", id=user_id, src=src).pack()


async def _user_button(
    ctx: AppContext, admin: Any, key: str, user_id: int, src: str = "", **kw: Any
) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=await ctx.voice.button(key, user=admin, **kw),
        callback_data=user_data(ctx, user_id, src),
    )


async def notification(ctx: AppContext, admin: Any, interest: InterestView) -> InlineKeyboardMarkup:
    """Under an admin's notification: "Atendido" and "Ver usuario"."""
    return markup([
        [await button(ctx, "button.content.attend", admin,
                       ContentInbox(action="attend", id=interest.id, src="n")),
         await _user_button(ctx, admin, "button.content.user", interest.user_id, "n")],
    ])  # fmt: skip


async def notification_attended(
    ctx: AppContext, admin: Any, interest: InterestView
) -> InlineKeyboardMarkup:
    """Under a notification once attended: "Ver usuario" only."""
    return markup([[await _user_button(ctx, admin, "button.content.user", interest.user_id, "n")]])


async def inbox(
    ctx: AppContext, user: Any, shown: ContentInbox, page: Page, asking: int = 0
) -> InlineKeyboardMarkup:
    """The interests list: per interest attend (pending view; the interest `asking` about
    shows Confirm and Keep instead) and see the user (once per person on the page), pager,
    the other views and filters, the main menu."""
    rows: list[list[InlineKeyboardButton]] = []
    people: set[int] = set()

    def here(action: str = "show", interest_id: int = 0) -> ContentInbox:
        return ContentInbox(
            action=action, page=page.page, pkg=shown.pkg, cat=shown.cat, id=interest_id
        )

    for item in page.items:
        row: list[InlineKeyboardButton] = []
        if shown.view == "pending" and item.id == asking:
            rows.append([
                await button(ctx, "button.content.attend_confirm", user,
                              here("attend", item.id)),
                await button(ctx, "button.content.attend_keep", user, here()),
            ])  # fmt: skip
        elif shown.view == "pending":
            row.append(
                await button(
                    ctx,
                    "button.content.attend_one",
                    user,
                    here("ask", item.id),
                    who=short(item.first_name, LABEL_ROW_PERSON),
                    package=short(item.package_name, LABEL_ROW_PACKAGE),
                )
            )
        if item.user_id not in people:
            people.add(item.user_id)
            row.append(
                await _user_button(
                    ctx,
                    user,
                    "button.content.user_one",
                    item.user_id,
                    who=short(item.first_name, LABEL_PERSON),
                )
            )
        if row:
            rows.append(row)
    pager = await pager_row(
        ctx,
        user,
        page,
        lambda n: ContentInbox(view=shown.view, page=n, pkg=shown.pkg, cat=shown.cat),
    )
    if pager:
        rows.append(pager)
    other = "attended" if shown.view == "pending" else "pending"
    rows.append([
        await button(ctx, f"button.content.inbox.{other}", user,
                      ContentInbox(view=other, pkg=shown.pkg, cat=shown.cat)),
        await button(ctx, "button.content.inbox.counts", user, ContentInbox(view="counts")),
    ])  # fmt: skip
    filters = [
        await button(ctx, "button.content.inbox.by_pkg", user, ContentInbox(view="by_pkg")),
        await button(ctx, "button.content.inbox.by_cat", user, ContentInbox(view="by_cat")),
    ]
    if shown.pkg or shown.cat:
        filters.append(
            await button(ctx, "button.content.inbox.all", user, ContentInbox(view=shown.view))
        )
    rows.append(filters)
    rows.append([await back_to_menu_button(ctx, user)])
    return markup(rows)


async def filter_packages(
    ctx: AppContext, user: Any, packages: list[PackageView]
) -> InlineKeyboardMarkup:
    """Pick the package to narrow the pending interests to (inactive ones marked: their
    interests stay, the users no longer see them)."""
    rows = [
        [
            await button(
                ctx,
                "button.content.item" if p.active else "button.content.admin.item_off",
                user,
                ContentInbox(pkg=p.id),
                package=short(p.name, LABEL_PACKAGE if p.active else LABEL_MARKED),
            )
        ]
        for p in packages
    ]
    rows.append([await button(ctx, "button.content.back", user, ContentInbox())])
    return markup(rows)


async def filter_categories(ctx: AppContext, user: Any) -> InlineKeyboardMarkup:
    """Pick the category to narrow the pending interests to."""
    rows = [
        [await button(ctx, f"button.content.category.{c}", user, ContentInbox(cat=c))]
        for c in CATEGORIES
    ]
    rows.append([await button(ctx, "button.content.back", user, ContentInbox())])
    return markup(rows)


async def back_to_inbox(ctx: AppContext, user: Any) -> InlineKeyboardMarkup:
    """Back to the pending interests, or to the main menu."""
    return markup([
        [await button(ctx, "button.content.inbox.pending", user, ContentInbox())],
        [await back_to_menu_button(ctx, user)],
    ])  # fmt: skip
