"""What the content plugin's keyboards share: the callback data, the user card's address,
labels cut short, and the button, markup and pager helpers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

if TYPE_CHECKING:
    from lucien.core.context import AppContext
    from lucien.plugins.content.services import Page


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


async def button(
    ctx: AppContext, key: str, user: Any, data: CallbackData, **kw: Any
) -> InlineKeyboardButton:
    """A button whose label the voice gives (`key` with `kw`), leading to `data`."""
    return InlineKeyboardButton(
        text=await ctx.voice.button(key, user=user, **kw), callback_data=data.pack()
    )


def markup(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    """An inline keyboard of these rows."""
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def pager_row(
    ctx: AppContext, user: Any, page: Page, make: Any
) -> list[InlineKeyboardButton]:
    """Previous / next buttons of a paged list (`make(page)` gives the callback data)."""
    row = []
    if page.page > 0:
        row.append(await button(ctx, "button.content.prev", user, make(page.page - 1)))
    if page.page + 1 < page.pages:
        row.append(await button(ctx, "button.content.next", user, make(page.page + 1)))
    return row
