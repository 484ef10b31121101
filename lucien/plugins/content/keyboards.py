"""Inline keyboards and callback data of the content plugin. Every label goes through the
voice; user-provided names in labels are plain text (Telegram does not parse them), cut
short (`short`): Telegram shows a button on one line, so a long name would be cut
anyway, and a whole row of them would read as noise. The full names are in the message
the buttons sit under.

Keys on the admins' side: ContentAdmin (packages), ContentInbox (interests).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from lucien.core.menus import back_to_menu_button
from lucien.plugins.content.services import CATEGORIES

if TYPE_CHECKING:
    from lucien.core.context import AppContext
    from lucien.plugins.content.services import (
        InterestView,
        ListedPackage,
        PackageView,
        Page,
    )


#: The admin plugin's user card, in the format that plugin documents: plugins never import
#: one another, so the string is built here (docs/writing-plugins.md, `lucien_user_card`).
USER_CARD = "ucard:{user_id}"
#: The plugin that owns the user card; without it "Ver usuario" keeps this plugin's screen.
ADMIN_PLUGIN = "admin"

#: Longest name in a label, in characters: a package alone on its button; a person in
#: "Ver a {who}"; a person and a package on one inbox button ("✓ {who} · {package}"),
#: whose label stays about as long as a package's (~32 characters).
LABEL_PACKAGE = 32
LABEL_MARKED = 22  # a package with "(inactivo)" after it
LABEL_PERSON = 24
LABEL_ROW_PERSON = 12
LABEL_ROW_PACKAGE = 16
#: What may not end a cut label: a joiner or a variation selector left without the
#: character it modifies would show as a broken glyph.
_DANGLING = "\u200d\ufe0e\ufe0f "


def short(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, an ellipsis marking the cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip(_DANGLING) + "…"


class ContentMenu(CallbackData, prefix="cnt"):
    """The users' side: `list` (page `page`), `pkg` (package `id`), `want` ("Me interesa")."""

    action: str
    id: int = 0
    page: int = 0


class ContentAdmin(CallbackData, prefix="cnta"):
    """The admins' packages: list, pkg, new, edit (choose a field), field (`f`), off, on,
    up, down, preview, pv_want; and the form's buttons: back, cancel, cat (`f`), noprice,
    nomedia. `id` is a package where one is needed."""

    action: str
    id: int = 0
    page: int = 0
    f: str = ""


class ContentInbox(CallbackData, prefix="cnti"):
    """The admins' interests: `show` a `view` (pending, attended, counts, by_pkg, by_cat)
    narrowed to a package `pkg` or a category `cat`; `ask` to mark an interest `id`
    attended (the list asks to confirm), `attend` it (the confirmation, or a
    notification's button when `src` is "n"), or see its `user`."""

    action: str = "show"
    view: str = "pending"
    page: int = 0
    pkg: int = 0
    cat: str = ""
    id: int = 0
    src: str = ""


async def _button(
    ctx: AppContext, key: str, user: Any, data: CallbackData, **kw: Any
) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=await ctx.voice.button(key, user=user, **kw), callback_data=data.pack()
    )


def _markup(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def _pager(ctx: AppContext, user: Any, page: Page, make: Any) -> list[InlineKeyboardButton]:
    """Previous / next buttons of a paged list (`make(page)` gives the callback data)."""
    row = []
    if page.page > 0:
        row.append(await _button(ctx, "button.content.prev", user, make(page.page - 1)))
    if page.page + 1 < page.pages:
        row.append(await _button(ctx, "button.content.next", user, make(page.page + 1)))
    return row


# ------------------------------------------------------------------ users


async def user_list(
    ctx: AppContext, user: Any, page: Page, items: list[ListedPackage]
) -> InlineKeyboardMarkup:
    """One button per package of the page, the pager, back to the main menu."""
    rows = [
        [
            await _button(
                ctx,
                "button.content.item",
                user,
                ContentMenu(action="pkg", id=p.id, page=page.page),
                package=short(p.name, LABEL_PACKAGE),
            )
        ]
        for p in items
    ]
    pager = await _pager(ctx, user, page, lambda n: ContentMenu(action="list", page=n))
    if pager:
        rows.append(pager)
    rows.append([await back_to_menu_button(ctx, user)])
    return _markup(rows)


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
    return _markup([
        [await _button(ctx, "button.content.want", user, want)],
        [await _button(ctx, "button.content.back", user, back)],
    ])  # fmt: skip


async def after_interest(ctx: AppContext, user: Any, page: int) -> InlineKeyboardMarkup:
    return _markup([
        [await _button(ctx, "button.content.back", user, ContentMenu(action="list", page=page))],
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
        rows.append([await _button(ctx, key, user, data, package=name)])
    rows.append([await _button(ctx, "button.content.admin.new", user, ContentAdmin(action="new"))])
    pager = await _pager(ctx, user, page, lambda n: ContentAdmin(action="list", page=n))
    if pager:
        rows.append(pager)
    rows.append([await back_to_menu_button(ctx, user)])
    return _markup(rows)


async def admin_detail(ctx: AppContext, user: Any, package: PackageView) -> InlineKeyboardMarkup:
    """A package's actions: edit, preview, deactivate or reactivate, move, back."""
    pid = package.id
    toggle = (
        await _button(ctx, "button.content.admin.off", user, ContentAdmin(action="off", id=pid))
        if package.active
        else await _button(ctx, "button.content.admin.on", user, ContentAdmin(action="on", id=pid))
    )
    return _markup([
        [await _button(ctx, "button.content.admin.edit", user, ContentAdmin(action="edit", id=pid)),
         await _button(ctx, "button.content.admin.preview", user, ContentAdmin(action="preview", id=pid))],
        [toggle],
        [await _button(ctx, "button.content.admin.up", user, ContentAdmin(action="up", id=pid)),
         await _button(ctx, "button.content.admin.down", user, ContentAdmin(action="down", id=pid))],
        [await _button(ctx, "button.content.admin.list", user, ContentAdmin(action="list"))],
    ])  # fmt: skip


async def edit_fields(ctx: AppContext, user: Any, package_id: int) -> InlineKeyboardMarkup:
    """Which field to edit."""
    rows = [
        [
            await _button(
                ctx,
                f"button.content.field.{field}",
                user,
                ContentAdmin(action="field", id=package_id, f=field),
            )
        ]
        for field in ("name", "description", "category", "price", "media")
    ]
    rows.append(
        [await _button(ctx, "button.content.back", user, ContentAdmin(action="pkg", id=package_id))]
    )
    return _markup(rows)


async def form_step(ctx: AppContext, user: Any, step: str) -> InlineKeyboardMarkup:
    """Under each question of the form: the step's own choices, then Back and Cancel."""
    rows: list[list[InlineKeyboardButton]] = []
    if step == "category":
        for category in CATEGORIES:
            rows.append(
                [
                    await _button(
                        ctx,
                        f"button.content.category.{category}",
                        user,
                        ContentAdmin(action="cat", f=category),
                    )
                ]
            )
    elif step == "price":
        rows.append(
            [await _button(ctx, "button.content.noprice", user, ContentAdmin(action="noprice"))]
        )
    elif step == "media":
        rows.append(
            [await _button(ctx, "button.content.nomedia", user, ContentAdmin(action="nomedia"))]
        )
    rows.append([
        await _button(ctx, "button.content.back", user, ContentAdmin(action="back")),
        await _button(ctx, "button.content.cancel", user, ContentAdmin(action="cancel")),
    ])  # fmt: skip
    return _markup(rows)


async def to_package(ctx: AppContext, user: Any, package_id: int) -> InlineKeyboardMarkup:
    """After a change: the package, and the list."""
    return _markup([
        [await _button(ctx, "button.content.admin.open", user, ContentAdmin(action="pkg", id=package_id))],
        [await _button(ctx, "button.content.admin.list", user, ContentAdmin(action="list"))],
    ])  # fmt: skip


async def to_list(ctx: AppContext, user: Any) -> InlineKeyboardMarkup:
    return _markup(
        [[await _button(ctx, "button.content.admin.list", user, ContentAdmin(action="list"))]]
    )


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
    return _markup([
        [await _button(ctx, "button.content.attend", admin,
                       ContentInbox(action="attend", id=interest.id, src="n")),
         await _user_button(ctx, admin, "button.content.user", interest.user_id, "n")],
    ])  # fmt: skip


async def notification_attended(
    ctx: AppContext, admin: Any, interest: InterestView
) -> InlineKeyboardMarkup:
    """Under a notification once attended: "Ver usuario" only."""
    return _markup([[await _user_button(ctx, admin, "button.content.user", interest.user_id, "n")]])


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
                await _button(ctx, "button.content.attend_confirm", user,
                              here("attend", item.id)),
                await _button(ctx, "button.content.attend_keep", user, here()),
            ])  # fmt: skip
        elif shown.view == "pending":
            row.append(
                await _button(
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
    pager = await _pager(
        ctx,
        user,
        page,
        lambda n: ContentInbox(view=shown.view, page=n, pkg=shown.pkg, cat=shown.cat),
    )
    if pager:
        rows.append(pager)
    other = "attended" if shown.view == "pending" else "pending"
    rows.append([
        await _button(ctx, f"button.content.inbox.{other}", user,
                      ContentInbox(view=other, pkg=shown.pkg, cat=shown.cat)),
        await _button(ctx, "button.content.inbox.counts", user, ContentInbox(view="counts")),
    ])  # fmt: skip
    filters = [
        await _button(ctx, "button.content.inbox.by_pkg", user, ContentInbox(view="by_pkg")),
        await _button(ctx, "button.content.inbox.by_cat", user, ContentInbox(view="by_cat")),
    ]
    if shown.pkg or shown.cat:
        filters.append(
            await _button(ctx, "button.content.inbox.all", user, ContentInbox(view=shown.view))
        )
    rows.append(filters)
    rows.append([await back_to_menu_button(ctx, user)])
    return _markup(rows)


async def filter_packages(
    ctx: AppContext, user: Any, packages: list[PackageView]
) -> InlineKeyboardMarkup:
    """Pick the package to narrow the pending interests to."""
    rows = [
        [
            await _button(
                ctx,
                "button.content.item",
                user,
                ContentInbox(pkg=p.id),
                package=short(p.name, LABEL_PACKAGE),
            )
        ]
        for p in packages
    ]
    rows.append([await _button(ctx, "button.content.back", user, ContentInbox())])
    return _markup(rows)


async def filter_categories(ctx: AppContext, user: Any) -> InlineKeyboardMarkup:
    rows = [
        [await _button(ctx, f"button.content.category.{c}", user, ContentInbox(cat=c))]
        for c in CATEGORIES
    ]
    rows.append([await _button(ctx, "button.content.back", user, ContentInbox())])
    return _markup(rows)


async def back_to_inbox(ctx: AppContext, user: Any) -> InlineKeyboardMarkup:
    return _markup([
        [await _button(ctx, "button.content.inbox.pending", user, ContentInbox())],
        [await back_to_menu_button(ctx, user)],
    ])  # fmt: skip
